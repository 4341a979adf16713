/* oracle_trying.c -- the center keeps trying while there is time (R11 for
 * an activation, R13 for the first start).
 *
 * A center may fail to replace a recorder in time for good reasons (no
 * server has room, every start is slow): then it ends the session at the
 * deadline and the contract is kept. What it may not do is stop trying
 * while it still could. So from the moment a try is due, the session must
 * always have one going: an attempt in flight (a switch not yet failed), or
 * a look for capacity due (a wait_capacity line, repeated within
 * ORC_CAPACITY_RETRY_MS). Each failed attempt and each look owes the next
 * try (an OB_TRY obligation); a look that finds no server is checked
 * against the oracle's own count of each server's recorders; an attempt
 * given up for slowness must have had its 9 000 ms. None of this asks the
 * center what it thinks: servers' room and failures are counted from the
 * trace (oracle_world.c keeps srv_t.used).
 */
#include <inttypes.h>

#include "oracle_impl.h"

/* The counts a try changes, and what has failed, for the session's current
 * phase: the first start, or its open activation. */
typedef struct {
    int rule;               /* 13 for the first start, 11 for an activation */
    uint32_t *tries;
    const uint32_t *failed;
    uint32_t failed_n;
    uint32_t attempts;      /* switches so far */
    int64_t deadline;
    int act;                /* -1 for the first start */
} phase_t;

static bool phase_of(orc_t *o, sess_t *s, phase_t *ph)
{
    if (s->state == SS_STARTING) {
        *ph = (phase_t){13, &s->start_tries, s->start_failed, s->start_failed_n,
                        s->start_attempts, s->t_accepted + ORC_START_DEADLINE_MS, -1};
        return true;
    }
    if (s->state != SS_WINDOW || !o->acts[s->act].open)
        return false;
    act_t *a = &o->acts[s->act];
    *ph = (phase_t){11, &a->tries, a->failed_srv, a->failed_n, a->switches,
                    o->pub[s->act].t_detect + ORC_DEADLINE_MS, s->act};
    return true;
}

void orc_try_owed(orc_t *o, sess_t *s, int64_t t)
{
    phase_t ph;
    if (!phase_of(o, s, &ph) || t >= ph.deadline)
        return;
    orc_ob_add(o, OB_TRY, t, orc_sess_id(o, s), ph.act, *ph.tries, o->line);
}

void orc_try_ob_fire(orc_t *o, const ob_t *b, sess_t *s)
{
    phase_t ph;
    if (!phase_of(o, s, &ph) || ph.act != b->act || *ph.tries != b->stamp)
        return; /* it tried again, or the phase is over */
    if (ph.attempts >= ORC_ATTEMPTS_MAX || b->due >= ph.deadline)
        return; /* out of attempts or out of time: the deadline ends it */
    orc_chk(o, ph.rule);
    orc_viol(o, ph.rule, b->sess, b->due, b->line, 0, 0, 0,
             "session %" PRIu32 " made no new attempt and looked for no server after line %"
             PRIu64 " (%" PRIu32 " attempts so far, %" PRId64 " ms before its deadline); the "
             "center keeps trying until the deadline", b->sess, b->line, ph.attempts,
             ph.deadline - b->due);
}

/* A look that found no server: true when some server that the center
 * believes up, that has not failed in this phase, had room by the
 * oracle's count (which never counts a recorder gone before the center
 * could know it). */
static uint32_t server_with_room(const orc_t *o, const phase_t *ph, uint32_t *used)
{
    for (uint32_t id = 1; id <= o->servers && id <= ID_MAX; id++) {
        if (orc_failed_in(ph->failed, ph->failed_n, id))
            continue;
        const srv_t *sv = id < o->srv_hi ? &o->srv[id] : NULL;
        if (sv != NULL && (sv->center_down || sv->crashed))
            continue;
        *used = sv != NULL ? sv->used : 0;
        if (*used < o->capacity)
            return id;
    }
    return 0;
}

void orc_on_wait_capacity(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    phase_t ph;
    if (s == NULL)
        return;
    if (!phase_of(o, s, &ph)) {
        orc_viol(o, ORC_RULE_TRACE, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " looks for a server while it needs none", ev->sess);
        return;
    }
    (*ph.tries)++;
    orc_chk(o, ph.rule);
    if (ev->until_ms <= ev->t_ms || ev->until_ms - ev->t_ms > ORC_CAPACITY_RETRY_MS)
        orc_viol(o, ph.rule, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " found no server and looks again at %" PRId64 " ms, %"
                 PRId64 " ms later; the center looks again within %d ms", ev->sess,
                 ev->until_ms, ev->until_ms - ev->t_ms, ORC_CAPACITY_RETRY_MS);
    uint32_t used = 0, id = o->have_run ? server_with_room(o, &ph, &used) : 0;
    if (id != 0)
        orc_viol(o, ph.rule, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " waits for capacity, but server %" PRIu32 " was up, had "
                 "not failed it and had room (%" PRIu32 " of %" PRIu32 " recorders)",
                 ev->sess, id, used, o->capacity);
    orc_try_owed(o, s, ev->until_ms > ev->t_ms ? ev->until_ms : ev->t_ms);
}

void orc_attempt_abandoned(orc_t *o, sess_t *s, const rec_t *r, const sim_tr_ev_t *ev)
{
    phase_t ph;
    if (!phase_of(o, s, &ph))
        return;
    if (s->state == SS_STARTING && s->start_failed_n < FAILED_SRV_MAX &&
        !orc_failed_in(s->start_failed, s->start_failed_n, r->srv))
        s->start_failed[s->start_failed_n++] = r->srv;
    /* Nothing reported against it (no failure, no exit, no server down):
     * the center gave up on it for slowness, which takes 9 000 ms. */
    const srv_t *sv = r->srv < o->srv_hi ? &o->srv[r->srv] : NULL;
    bool reported = r->ready || r->failed || r->reported || r->exited ||
                    (sv != NULL && sv->center_down);
    orc_chk(o, ph.rule);
    if (!reported && ev->t_ms - r->t_start < ORC_STARTUP_MS_MAX)
        orc_viol(o, ph.rule, ev->sess, ev->t_ms, o->line, r->start_line, 0, 0,
                 "session %" PRIu32 " gave up recorder %" PRIu32 " %" PRId64 " ms after it "
                 "started it, with nothing reported against it; an attempt gets %d ms",
                 ev->sess, ev->rec, ev->t_ms - r->t_start, ORC_STARTUP_MS_MAX);
    orc_try_owed(o, s, ev->t_ms);
}

/* ---- R13: the first start ------------------------------------------------- */

void orc_start_accepted(orc_t *o, sess_t *s, int64_t t)
{
    s->t_accepted = t;
    /* The first attempt (or a look) comes with the accepted start. */
    orc_try_owed(o, s, t);
    orc_ob_add(o, OB_START, t + ORC_START_DEADLINE_MS, orc_sess_id(o, s), -1, (uint32_t)s->line,
               o->line);
}

void orc_start_ob_fire(orc_t *o, const ob_t *b, sess_t *s)
{
    if ((uint32_t)s->line != b->stamp || s->state != SS_STARTING)
        return;
    orc_chk(o, 13);
    orc_viol(o, 13, b->sess, b->due, b->line, 0, 0, 0,
             "session %" PRIu32 " neither recorded nor ended %d ms after its start was "
             "accepted; R13 ends it then", b->sess, ORC_START_DEADLINE_MS);
}

void orc_start_ended(orc_t *o, sess_t *s, const sim_tr_ev_t *ev)
{
    if (ev->reason != SIM_END_START_FAILED)
        return; /* stopped while starting: R12 */
    int64_t dt = ev->t_ms - s->t_accepted;
    orc_chk(o, 13);
    if (dt != ORC_START_DEADLINE_MS)
        orc_viol(o, 13, ev->sess, ev->t_ms, o->line, s->line, 0, 0,
                 "session %" PRIu32 " gave up its first start %" PRId64 " ms after it was "
                 "accepted; R13 gives up at exactly %d ms", ev->sess, dt, ORC_START_DEADLINE_MS);
    if (ev->exit_status != 1)
        orc_viol(o, 13, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " ends with exit %d after its first start failed; R13 ends "
                 "it abnormally (exit 1)", ev->sess, ev->exit_status);
}
