/* expect.c -- per-session facts a scenario can state, gathered from events.
 *
 * Only what the scenario asks about is kept: file expectations are matched
 * against the names they give, so a long run stores no file list. */
#include "expect.h"

#include "oracle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t activations;  /* detections with activation 0..2 */
    bool ended;
    int exit_status;
    uint32_t uid_first;
    uint32_t uid_last;
} x_session_t;

struct sim_expect {
    const scn_t *scn;
    x_session_t *sessions;
    uint32_t sessions_cap;
    bool file_seen[SCN_EXPECTS_MAX];
};

sim_expect_t *sim_expect_new(void) { return calloc(1, sizeof(sim_expect_t)); }

void sim_expect_free(sim_expect_t *x)
{
    if (x != NULL)
        free(x->sessions);
    free(x);
}

int sim_expect_begin(sim_expect_t *x, const scn_t *scn)
{
    x->scn = scn;
    if (scn->sessions > x->sessions_cap) {
        x_session_t *p = realloc(x->sessions, sizeof(*p) * scn->sessions);
        if (p == NULL)
            return -1;
        x->sessions = p;
        x->sessions_cap = scn->sessions;
    }
    memset(x->sessions, 0, sizeof(*x->sessions) * scn->sessions);
    memset(x->file_seen, 0, sizeof(x->file_seen));
    return 0;
}

static void see_file(sim_expect_t *x, const char *name)
{
    if (name == NULL)
        return;
    for (size_t i = 0; i < x->scn->expects_count; i++) {
        const scn_expect_t *e = &x->scn->expects[i];
        if ((e->kind == SCN_EXP_FILE || e->kind == SCN_EXP_NO_FILE) && strcmp(e->file, name) == 0)
            x->file_seen[i] = true;
    }
}

void sim_expect_event(sim_expect_t *x, const sim_tr_ev_t *ev)
{
    if (ev->sess == 0 || ev->sess > x->scn->sessions)
        return;
    x_session_t *s = &x->sessions[ev->sess - 1];
    switch (ev->kind) {
    case SIM_TR_SESSION:
        s->uid_first = s->uid_last = ev->uid;
        break;
    case SIM_TR_DETECT:
        if (ev->activation >= 0 && ev->activation <= 2)
            s->activations++;
        break;
    case SIM_TR_RESUME:
    case SIM_TR_STARTED:
        s->uid_last = ev->uid;
        break;
    case SIM_TR_END:
        s->ended = true;
        s->exit_status = ev->exit_status;
        break;
    case SIM_TR_PLAYLIST_OPEN:
        see_file(x, ev->playlist);
        break;
    case SIM_TR_SLICE:
        see_file(x, ev->name);
        break;
    default:
        break;
    }
}

uint64_t sim_expect_verdict(const scn_t *scn, const orc_t *o, int *expect_failed, char *msgs,
                            size_t msgs_cap)
{
    bool expected[ORC_RULES] = {false};
    for (size_t i = 0; i < scn->expects_count; i++) {
        const scn_expect_t *e = &scn->expects[i];
        if (e->kind != SCN_EXP_VIOLATION)
            continue;
        expected[e->rule] = true;
        if (orc_violated(o, e->rule) == 0) {
            (*expect_failed)++;
            size_t used = strlen(msgs);
            snprintf(msgs + used, msgs_cap - used,
                     "%s:%d:%d: expectation failed: the oracle found no violation of R%d\n",
                     scn->path, e->line, e->col, e->rule);
        }
    }
    uint64_t violations = 0;
    for (int rule = 0; rule < ORC_RULES; rule++) {
        if (!expected[rule])
            violations += orc_violated(o, rule);
    }
    return violations;
}

uint32_t sim_expect_activations(const sim_expect_t *x, uint32_t sess)
{
    return sess >= 1 && sess <= x->scn->sessions ? x->sessions[sess - 1].activations : 0;
}

static void say(char *out, size_t cap, size_t *used, const scn_t *scn, const scn_expect_t *e,
                const char *msg)
{
    if (*used >= cap)
        return;
    int n = snprintf(out + *used, cap - *used, "%s:%d:%d: expectation failed: %s\n",
                     scn->path[0] ? scn->path : "<scenario>", e->line, e->col, msg);
    if (n > 0)
        *used += (size_t)n < cap - *used ? (size_t)n : cap - *used - 1;
}

int sim_expect_finish(sim_expect_t *x, char *out, size_t out_cap)
{
    const scn_t *scn = x->scn;
    size_t used = 0;
    int failed = 0;
    char msg[512];
    if (out_cap > 0)
        out[0] = '\0';
    for (size_t i = 0; i < scn->expects_count; i++) {
        const scn_expect_t *e = &scn->expects[i];
        uint32_t first = e->session ? e->session : 1;
        uint32_t last = e->session ? e->session : scn->sessions;
        if (e->kind == SCN_EXP_FILE || e->kind == SCN_EXP_NO_FILE) {
            if (x->file_seen[i] != (e->kind == SCN_EXP_FILE)) {
                failed++;
                snprintf(msg, sizeof(msg), "%s named %s was written",
                         x->file_seen[i] ? "a file" : "no file", e->file);
                say(out, out_cap, &used, scn, e, msg);
            }
            continue;
        }
        if (e->kind == SCN_EXP_VIOLATION)
            continue; /* the runner's, against the oracle */
        for (uint32_t sess = first; sess <= last && sess <= scn->sessions; sess++) {
            const x_session_t *s = &x->sessions[sess - 1];
            msg[0] = '\0';
            if (e->kind == SCN_EXP_ACTIVATIONS && s->activations != e->activations) {
                snprintf(msg, sizeof(msg), "session %" PRIu32 ": expected %" PRIu32
                         " activations, saw %" PRIu32, sess, e->activations, s->activations);
            } else if (e->kind == SCN_EXP_EXIT) {
                static const char *const names[] = {"normal", "abnormal", "none"};
                int got = !s->ended ? 2 : s->exit_status == 0 ? 0 : 1;
                if ((int)e->exit != got)
                    snprintf(msg, sizeof(msg), "session %" PRIu32 ": expected exit %s, saw %s",
                             sess, names[e->exit], names[got]);
            } else if (e->kind == SCN_EXP_UID) {
                bool changed = s->uid_last != s->uid_first;
                if (changed != (e->uid == SCN_UID_CHANGED))
                    snprintf(msg, sizeof(msg), "session %" PRIu32 ": recording UID went from %"
                             PRIu32 " to %" PRIu32 ", expected it %s", sess, s->uid_first,
                             s->uid_last, e->uid == SCN_UID_CHANGED ? "changed" : "the same");
            }
            if (msg[0] != '\0') {
                failed++;
                say(out, out_cap, &used, scn, e, msg);
            }
        }
    }
    return failed;
}
