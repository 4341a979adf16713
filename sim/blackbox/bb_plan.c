/* bb_plan.c -- a scenario turned into a black-box driver's steps, or
 * refused at its line (bb_plan.h says what and why). */
#include "bb_plan.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define refuse(err, cap, scn, line, col, ...)                                                   \
    bb_error_at(err, cap, (scn)->path[0] ? (scn)->path : "<scenario>", line, (size_t)(col),      \
                __VA_ARGS__)

static int check_params(const scn_t *scn, const bb_faults_t *f, char *err, size_t cap)
{
    for (size_t i = 0; i < scn->params_count; i++) {
        const scn_param_t *p = &scn->params[i];
        if (p->id == SCN_PARAM_HOSTILE && p->hi != 0)
            return refuse(err, cap, scn, p->line, p->col,
                          "'set hostile' lies to the core from inside its own driver; a black "
                          "box is reached through its REST API only");
        if (p->id == SCN_PARAM_CLOCK)
            return refuse(err, cap, scn, p->line, p->col,
                          "'set clock' sets the service's wall clock, which a deployment keeps "
                          "its own (the callbacks' times and the calls' are compared)");
        /* The driver runs the polling client itself. */
        if (p->id == SCN_PARAM_POLL || p->id == SCN_PARAM_HOSTILE || f->world_scenario)
            continue;
        return refuse(err, cap, scn, p->line, p->col,
                      "'set %s' is a property of the deployment, which hasim drive cannot set; "
                      "start the target with this scenario's world and say 'world scenario' in %s",
                      scn_param_name(p->id), f->path);
    }
    return 0;
}

int bb_fault_of(scn_act_kind_t k)
{
    switch (k) {
    case SCN_ACT_KILL: return BB_F_KILL;
    case SCN_ACT_DISCONNECT: return BB_F_DISCONNECT;
    case SCN_ACT_CRASH_HOST: return BB_F_CRASH_HOST;
    case SCN_ACT_PROVISION_FAIL: return BB_F_PROVISION_FAIL;
    case SCN_ACT_JOIN: return BB_F_JOIN;
    case SCN_ACT_LEAVE: return BB_F_LEAVE;
    case SCN_ACT_STEP_CLOCK: return BB_F_STEP_CLOCK;
    default: return -1;
    }
}

static int add_steps(bb_plan_t *p, const scn_action_t *a, const bb_faults_t *f, char *err,
                     size_t cap)
{
    const scn_t *scn = p->scn;
    int need = bb_fault_of(a->kind);
    if (need >= 0 && !f->cmds[need].set)
        return refuse(err, cap, scn, a->line, a->col,
                      "'%s' needs a '%s' command in %s (how this deployment makes it happen)",
                      scn_act_name(a->kind), bb_fault_name((bb_fault_t)need), f->path);
    /* a host, the provisioning and the service's clock are the whole
     * deployment's, not a session's */
    bool per_session = a->kind != SCN_ACT_CRASH_HOST && a->kind != SCN_ACT_PROVISION_FAIL &&
                       a->kind != SCN_ACT_STEP_CLOCK;
    uint32_t first = per_session ? (a->session ? a->session : 1) : 0;
    uint32_t last = per_session ? (a->session ? a->session : p->sessions) : 0;
    for (uint32_t s = first; s <= last; s++) {
        if (p->steps_n == BB_STEPS_MAX)
            return refuse(err, cap, scn, a->line, a->col, "more than %d steps to drive",
                          BB_STEPS_MAX);
        p->steps[p->steps_n++] = (bb_step_t){
            .at_ms = a->at_ms, .kind = a->kind, .session = s, .expect_status = a->expect_status,
            .heal_ms = a->heal_ms, .heal_after_detection = a->heal_after_detection,
            .host = a->host, .count = a->count, .uid = a->uid, .step_ms = a->step_ms, .line = a->line,
            .col = a->col};
    }
    return 0;
}

int bb_plan_make(bb_plan_t *p, const scn_t *scn, const bb_faults_t *f, char *err, size_t cap)
{
    memset(p, 0, sizeof(*p));
    p->scn = scn;
    p->sessions = scn->sessions;
    p->mode_path = scn->mode == SCN_MODE_INDIVIDUAL ? "individual"
                   : scn->mode == SCN_MODE_WEB      ? "web"
                                                    : "mix";
    if (scn->sessions > BB_SESSIONS_MAX)
        return refuse(err, cap, scn, 1, 1, "%" PRIu32 " sessions; hasim drive drives at most %d",
                      scn->sessions, BB_SESSIONS_MAX);
    int rc = check_params(scn, f, err, cap);
    for (size_t i = 0; rc == 0 && i < scn->actions_count; i++) {
        if (scn->actions[i].kind != SCN_ACT_END)
            rc = add_steps(p, &scn->actions[i], f, err, cap);
    }
    if (rc != 0)
        return rc;
    /* As the simulator names them (sim/drive/driver.c): room1, or room1_k. */
    for (uint32_t k = 0; k < p->sessions; k++) {
        if (p->sessions == 1)
            snprintf(p->sess[k].cname, sizeof(p->sess[k].cname), "%s", scn->cname);
        else
            snprintf(p->sess[k].cname, sizeof(p->sess[k].cname), "%.*s_%" PRIu32, 52, scn->cname,
                     k + 1);
        p->sess[k].uid = (scn->has_uid ? scn->uid : BB_UID_DEFAULT) + k;
    }
    p->end_ms = scn->end_ms;
    p->expects_skipped = scn->expects_count;
    return 0;
}
