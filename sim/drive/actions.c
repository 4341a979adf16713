/* actions.c -- what a scenario's actions mean, for every platform: the API
 * calls a session makes, which recorder a fault hits, the channel's users.
 * How a fault then happens (a queue event or a signal) is the platform's. */
#include "driver_impl.h"

#include <assert.h>
#include <string.h>

/* A session that starts learns who is in its channel already, as it learns
 * of everyone who joins later: a replacement's new UID must avoid them (R7). */
void drv_users_present(sim_drv_t *d, uint32_t session)
{
    const sim_drv_session_t *s = &d->sessions[session];
    for (uint32_t i = 0; i < s->users_count; i++) {
        ha_input_t in = sim_env_user_input(true, s->core, s->users[i]);
        drv_input(d, &in);
    }
}

static void start_input(sim_drv_t *d, sim_drv_session_t *s, ha_input_t *in)
{
    /* The service gives every task its own sid: a start after the session
     * ended is a new task, not the old one again. */
    if (s->had_task && s->ended)
        sim_env_sid(s->sid, &d->env.rng_sid);
    in->u.api.mode = s->mode;
    in->u.api.uid = s->uid;
    memcpy(in->u.api.sid, s->sid, sizeof(in->u.api.sid));
    memcpy(in->u.api.cname, s->cname, sizeof(in->u.api.cname));
    in->u.api.webm = s->webm;
    in->u.api.mp4 = s->mp4;
    /* A clumsy client first sends a start the service must refuse. */
    if (d->env.p_hostile && s->core == SIM_DRV_NONE) {
        in->t_ms = d->now_ms;
        sim_liar_bad_start(&d->liar, in);
    }
}

void sim_drv_call(sim_drv_t *d, uint32_t session, ha_call_t call, sim_by_t by, int expect,
                  sim_drv_reply_t *reply)
{
    sim_drv_session_t *s = session < d->sessions_n ? &d->sessions[session] : NULL;
    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.kind = HA_IN_API;
    in.u.api.call = call;
    in.u.api.req_id = ++d->next_req;
    in.u.api.session = s != NULL ? s->core : SIM_DRV_NONE;
    if (call == HA_CALL_START) {
        assert(s != NULL && "a start names its session");
        start_input(d, s, &in);
    }
    uint32_t core_before = in.u.api.session;
    d->req = (drv_request_t){session, by, expect, call, reply};
    drv_input(d, &in);
    d->req.reply = NULL;
    /* Accepted: a new slot (slots are never reused, so a restart after the
     * end gets another one too). */
    if (call == HA_CALL_START && s->core != core_before && s->core != SIM_DRV_NONE) {
        s->had_task = true;
        drv_users_present(d, session);
    }
}

void sim_drv_poll_due(sim_drv_t *d, uint32_t session)
{
    if (d->sessions[session].poll_on)
        sim_drv_call(d, session, HA_CALL_QUERY, SIM_BY_POLLER, 0, NULL);
}

uint32_t sim_drv_rest_session(sim_drv_t *d, const char *cname, uint32_t uid, ha_mode_t mode)
{
    for (uint32_t i = d->scn->sessions; i < d->sessions_n; i++) {
        sim_drv_session_t *s = &d->sessions[i];
        if (s->used)
            continue;
        memset(s, 0, sizeof(*s));
        s->http = true;
        s->core = SIM_DRV_NONE;
        s->rec_first = s->rec_last = SIM_DRV_NONE;
        sim_env_sid(s->sid, &d->rng_rest_sid);
        size_t n = strnlen(cname, HA_CNAME_MAX);
        memcpy(s->cname, cname, n);
        s->uid = uid;
        s->mode = mode;
        return i;
    }
    return SIM_DRV_NONE;
}

uint32_t sim_drv_session_by_sid(const sim_drv_t *d, const char *sid)
{
    for (uint32_t i = 0; i < d->sessions_n; i++) {
        if (d->sessions[i].used && strcmp(d->sessions[i].sid, sid) == 0)
            return i;
    }
    return SIM_DRV_NONE;
}

/* ---- faults ------------------------------------------------------------- */

/* The recorder a fault aimed at "the serving recorder" hits: the newest one
 * of the session that is still a process (a replacement being started
 * counts: that is how R11 is reached from a scenario). */
static sim_drv_rec_t *fault_target(sim_drv_t *d, uint32_t session)
{
    sim_drv_rec_t *r = sim_drv_rec(d, d->sessions[session].newest_rec);
    if (r == NULL || r->state == SIM_REC_DEAD || r->state == SIM_REC_STOPPED)
        return NULL;
    return r;
}

static void act_kill(sim_drv_t *d, uint32_t session)
{
    sim_drv_rec_t *r = fault_target(d, session);
    if (r == NULL) {
        drv_trace_fault(d, SIM_FAULT_KILL, SIM_DRV_NONE, session, 0, -1, 0);
        return;
    }
    /* Even on a crashed host: a recorder the center still waits for (it
     * started it before it noticed the crash) is killed in place. */
    int64_t report_ms = sim_rng_range(&d->env.rng_kill, d->env.p_kill_lo, d->env.p_kill_hi);
    r->state = SIM_REC_DEAD;
    d->ops->rec_kill(d->p, r->id, session, report_ms);
}

static void act_disconnect(sim_drv_t *d, uint32_t session, const scn_action_t *a)
{
    const sim_drv_rec_t *r = fault_target(d, session);
    if (r == NULL) {
        drv_trace_fault(d, SIM_FAULT_DISCONNECT, SIM_DRV_NONE, session, 0, -1, 0);
        return;
    }
    uint32_t server = r->server;
    const sim_drv_server_t *sv = &d->servers[server];
    if (sv->host_up && sv->link_up) {
        /* The platform traces the fault when it cut the link. */
        d->ops->link_cut(d->p, server, session, a->heal_ms, a->heal_after_detection);
        return;
    }
    /* Nothing more to cut: the fact, and its heal. */
    sim_drv_trace_disconnect(d, server, session, a->heal_ms, a->heal_after_detection);
    if (sv->host_up)
        drv_heal_schedule(d, server, a->heal_ms, a->heal_after_detection);
}

void sim_drv_trace_disconnect(sim_drv_t *d, uint32_t server, uint32_t session, int64_t heal_ms,
                              bool heal_after_detection)
{
    int64_t heal_at = heal_ms >= 0 && !heal_after_detection ? d->now_ms + heal_ms : -1;
    drv_trace_fault(d, SIM_FAULT_DISCONNECT, server, session, 0, heal_at, 0);
}

void sim_drv_cut_done(sim_drv_t *d, uint32_t server, uint32_t session, int64_t heal_ms,
                      bool heal_after_detection)
{
    sim_drv_trace_disconnect(d, server, session, heal_ms, heal_after_detection);
    d->servers[server].link_up = false;
    d->servers[server].declared_down = false; /* a new outage: has the core noticed it? */
}

void sim_drv_heal_schedule(sim_drv_t *d, uint32_t server, int64_t heal_ms,
                           bool heal_after_detection)
{
    drv_heal_schedule(d, server, heal_ms, heal_after_detection);
}

static void act_crash(sim_drv_t *d, uint32_t server)
{
    if (d->ops->before_crash != NULL)
        d->ops->before_crash(d->p, server);
    drv_trace_fault(d, SIM_FAULT_CRASH, server, SIM_DRV_NONE, 0, -1, 0);
    sim_drv_server_t *sv = &d->servers[server];
    if (!sv->host_up)
        return;
    d->ops->host_crash(d->p, server);
    sv->host_up = false;
    sv->link_up = false;
    sv->heal_after_detect_ms = -1;
    for (sim_drv_rec_t *r = sim_drv_server_recs(d, server); r != NULL;
         r = sim_drv_next_on_server(d, r)) {
        if (r->state != SIM_REC_STOPPED)
            r->state = SIM_REC_DEAD;
    }
}

/* ---- the channel --------------------------------------------------------- */

void sim_drv_user_left(sim_drv_t *d, uint32_t session, uint32_t uid)
{
    const sim_drv_session_t *s = &d->sessions[session];
    d->leave_pending = false;
    sim_tr_ev_t ev = sim_tr_ev(d->now_ms, SIM_TR_USER);
    ev.sess = session + 1;
    ev.uid = uid;
    ev.joined = false;
    sim_drv_trace(d, &ev);
    if (s->core != SIM_DRV_NONE) {
        ha_input_t in = sim_env_user_input(false, s->core, uid);
        drv_input(d, &in);
    }
}

static void user_change(sim_drv_t *d, uint32_t session, uint32_t uid, bool join)
{
    sim_drv_session_t *s = &d->sessions[session];
    uint32_t at = SIM_DRV_NONE;
    for (uint32_t i = 0; i < s->users_count; i++) {
        if (s->users[i] == uid)
            at = i;
    }
    if (join == (at != SIM_DRV_NONE))
        return; /* already in, or not there */
    if (join && s->users_count == HA_USERS_MAX)
        return; /* beyond the service's 17 recorded users */
    if (!join) {
        s->users[at] = s->users[--s->users_count];
        /* A leaving user's last slices are uploaded before the center
         * hears of the leave (sim_drv_user_left, now or later). */
        d->leave_pending = true;
        d->ops->user_leave(d->p, session, uid);
        return;
    }
    s->users[s->users_count++] = uid;
    /* A joining user is known to the center before it is recorded. */
    sim_tr_ev_t ev = sim_tr_ev(d->now_ms, SIM_TR_USER);
    ev.sess = session + 1;
    ev.uid = uid;
    ev.joined = true;
    sim_drv_trace(d, &ev);
    if (s->core != SIM_DRV_NONE) {
        ha_input_t in = sim_env_user_input(true, s->core, uid);
        drv_input(d, &in);
    }
    d->ops->user_join(d->p, session, uid);
}

/* A join or leave of several sessions, one at a time: a leave may wait for
 * the recorders, and the next session's turn comes when it is done. */
static bool act_users(sim_drv_t *d, const scn_action_t *a, uint32_t first, uint32_t last)
{
    if (d->act_pending != a)
        d->act_session = first;
    d->act_pending = NULL;
    while (d->act_session < last) {
        user_change(d, d->act_session++, a->uid, a->kind == SCN_ACT_JOIN);
        if (d->leave_pending) {
            d->act_pending = a;
            return false;
        }
    }
    return true;
}

bool sim_drv_act(sim_drv_t *d, const scn_action_t *a)
{
    uint32_t first, last;
    sim_env_action_sessions(d->scn, a, &first, &last);
    switch (a->kind) {
    case SCN_ACT_START:
    case SCN_ACT_QUERY:
    case SCN_ACT_UPDATE:
    case SCN_ACT_UPDATE_LAYOUT:
    case SCN_ACT_STOP:
        for (uint32_t ws = first; ws < last; ws++)
            sim_drv_call(d, ws, sim_env_call_of(a->kind), SIM_BY_SCENARIO, a->expect_status, NULL);
        return true;
    case SCN_ACT_KILL:
        for (uint32_t ws = first; ws < last; ws++)
            act_kill(d, ws);
        return true;
    case SCN_ACT_DISCONNECT:
        for (uint32_t ws = first; ws < last; ws++)
            act_disconnect(d, ws, a);
        return true;
    case SCN_ACT_CRASH_HOST:
        act_crash(d, a->host - 1);
        return true;
    case SCN_ACT_PROVISION_FAIL:
        drv_trace_fault(d, SIM_FAULT_PROVISION_FAIL, SIM_DRV_NONE, SIM_DRV_NONE, 0, -1, a->count);
        d->provision_fail_left += a->count;
        return true;
    case SCN_ACT_JOIN:
    case SCN_ACT_LEAVE:
        return act_users(d, a, first, last);
    case SCN_ACT_STEP_CLOCK:
        drv_clock_step(d, a->step_ms);
        return true;
    case SCN_ACT_END:
    case SCN_ACT_COUNT:
        break;
    }
    return true;
}
