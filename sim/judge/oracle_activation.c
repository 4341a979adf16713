/* oracle_activation.c -- one use of the HA mechanism, from detection to
 * resume or end: R1 (kill: another server within 30 s), R2 (disconnect:
 * reconnect within 60 s, else switch then), R3 and R10 (90 s, or end
 * abnormally at the deadline), R5 (three activations), R7 (fresh UIDs), R9
 * (nothing of a server switched away from serves again), R11 (a replacement's
 * fault is no new activation), R12 (how a session ends); and the
 * assumptions A1-A4 that excuse a missed switch timing.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oracle_impl.h"

/* ---- assumptions --------------------------------------------------------- */

static void failed_add(act_t *a, uint32_t srv)
{
    for (uint32_t i = 0; i < a->failed_n; i++) {
        if (a->failed_srv[i] == srv)
            return;
    }
    /* Past the bound a server is not excluded: A1 then holds more often,
     * which can only make the oracle stricter. */
    if (a->failed_n < FAILED_SRV_MAX)
        a->failed_srv[a->failed_n++] = srv;
}

static bool failed_in(const act_t *a, uint32_t srv)
{
    for (uint32_t i = 0; i < a->failed_n; i++) {
        if (a->failed_srv[i] == srv)
            return true;
    }
    return false;
}

/* A1: some server that is up, not the failed one and not already failed in
 * this activation, has a free slot. */
static bool a1_holds(const orc_t *o, const act_t *a)
{
    if (!o->have_run)
        return true; /* no world size known: nothing to judge it by */
    for (uint32_t id = 1; id <= o->servers && id <= ID_MAX; id++) {
        const srv_t *sv = id < o->srv_hi ? &o->srv[id] : NULL;
        if (failed_in(a, id))
            continue;
        if (sv == NULL)
            return o->capacity > 0;
        if (sv->link_down || sv->crashed || sv->center_down)
            continue;
        if (sv->used < o->capacity)
            return true;
    }
    return false;
}

void orc_a1_check(orc_t *o, sess_t *s, act_t *a, const char *when)
{
    const orc_activation_t *p = &o->pub[a - o->acts];

    if (a1_holds(o, a))
        return;
    orc_note(o, 1, orc_sess_id(o, s), o->last_t, o->line, a->det_line, 0, 0,
         "session %" PRIu32 " activation %d: %s, no server that is up and has not failed in "
         "this activation had a free slot (capacity %" PRIu32 "); its switch timing is "
         "reported, not judged",
         orc_sess_id(o, s), p->k, when, o->capacity);
    if (a->broken == 0) {
        a->broken = 1;
        a->broken_line = o->line;
    }
}

PRINTF_LIKE(4, 5)
void orc_a3_break(orc_t *o, sess_t *s, act_t *a, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    const orc_activation_t *p = &o->pub[a - o->acts];

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    orc_note(o, 3, orc_sess_id(o, s), o->last_t, o->line, a->det_line, 0, 0,
         "session %" PRIu32 " activation %d: %s; its switch timing is reported, not judged",
         orc_sess_id(o, s), p->k, what);
    if (a->broken == 0) {
        a->broken = 3;
        a->broken_line = o->line;
    }
}

/* The activation a replacement recorder was started for, if still open. */
act_t *orc_open_act_of_rec(orc_t *o, const rec_t *r, sess_t **sp)
{
    sess_t *s;

    if (r->act < 0 || r->sess >= o->sess_hi)
        return NULL;
    s = &o->sess[r->sess];
    if (s->act != r->act || s->state != SS_WINDOW || !o->acts[r->act].open)
        return NULL;
    *sp = s;
    return &o->acts[r->act];
}

/* A4: the failed recorder, asked to rejoin, has not within the bound by
 * now (slow, or its link went away again before the center knew). Not once
 * the center learned that the link went away first: the rejoin could not
 * happen, and R2 waits for the server as before it came back. */
static bool a4_broken(orc_t *o, act_t *a)
{
    const orc_activation_t *p = &o->pub[a - o->acts];
    const rec_t *r;

    if (a->a4_broken)
        return true;
    if (a->rejoin_cut)
        return false;
    if (a->rec >= o->rec_hi)
        return false;
    r = &o->rec[a->rec];
    if (r->resume_cmd_line == 0 || r->rejoined || o->last_t - r->t_resume_cmd < ORC_REJOIN_MS_MAX)
        return false;
    a->a4_broken = true;
    orc_note(o, 4, p->sess, o->last_t, r->resume_cmd_line, o->line, 0, 0,
             "recorder %" PRIu32 " had not rejoined %" PRId64 " ms after it was asked to; A4 "
             "assumes at most %d ms", a->rec, o->last_t - r->t_resume_cmd, ORC_REJOIN_MS_MAX);
    return true;
}

/* R2: the failed server came back within the window, has stayed up since,
 * and its recorder is alive, so the center must reconnect rather than
 * switch -- unless the recorder, asked to rejoin, did not within A4's bound.
 * A return cut short (the link dropped again, even if it came back after the
 * window) owes no reconnect: the center waits out the minute for the server
 * and then switches, or ends at the deadline (return_cut_short). */
static bool must_reconnect(orc_t *o, act_t *a)
{
    const orc_activation_t *p = &o->pub[a - o->acts];
    const rec_t *r;
    const srv_t *sv;

    if (p->cause != SIM_CAUSE_DISCONNECT || a->t_healed < 0 || a4_broken(o, a))
        return false;
    if (a->t_healed > p->t_detect + ORC_RECONNECT_WINDOW_MS)
        return false;
    if (a->rec >= o->rec_hi || a->srv >= o->srv_hi)
        return false;
    r = &o->rec[a->rec];
    sv = &o->srv[a->srv];
    /* else dead, or gone again (cut after the heal: a later line) */
    return !r->killed && !sv->link_down && !sv->crashed && sv->down_line <= a->heal_line;
}

/* ---- closing an activation ----------------------------------------------- */

/* A bound that needs A1/A3: a violation, or a note when they broke. */
PRINTF_LIKE(7, 8)
void orc_timing(orc_t *o, int rule, const act_t *a, int64_t t, uint64_t l0, uint64_t l1,
                   const char *fmt, ...)
{
    char msg[ORC_MSG_MAX];
    va_list ap;
    uint32_t sess = o->pub[a - o->acts].sess;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (a->broken == 0) {
        orc_viol(o, rule, sess, t, l0, l1, 0, 0, "%s", msg);
        return;
    }
    orc_note(o, a->broken, sess, t, l0, l1, a->broken_line, 0, "%s not judged (A%d broke): %s",
             orc_rule_name(rule), a->broken, msg);
}

/* The activation ends without a resume (the session ended at t, or the run
 * did): judge R1 and R2's "resume there" for it. */
void orc_judge_unresumed(orc_t *o, act_t *a, int64_t t, uint64_t line, bool run_end)
{
    const orc_activation_t *p = &o->pub[a - o->acts];
    const char *how = run_end ? "by the end of the run" : "before the session ended";

    if (p->cause == SIM_CAUSE_KILL && t > p->t_detect + ORC_KILL_RESUME_MS_MAX) {
        orc_chk(o, 1);
        orc_timing(o, 1, a, p->t_detect + ORC_KILL_RESUME_MS_MAX, a->det_line, line,
                   "session %" PRIu32 " did not resume %s, %" PRId64
                   " ms after detecting the kill; R1 allows %d ms",
                   p->sess, how, t - p->t_detect, ORC_KILL_RESUME_MS_MAX);
    }
    /* After a switch the server's return no longer binds the center (the
     * switch itself was judged when it was made). */
    if (p->cause == SIM_CAUSE_DISCONNECT && a->switches == 0 && must_reconnect(o, a) &&
        (!run_end || t > p->t_detect + ORC_DEADLINE_MS)) {
        orc_chk(o, 2);
        orc_viol(o, 2, p->sess, t, a->det_line, a->heal_line, line, 0,
                 "server %" PRIu32 " came back %" PRId64 " ms after detection with recorder "
                 "%" PRIu32
                 " alive, but session %" PRIu32 " never resumed there; R2 reconnects within %d ms",
                 a->srv, a->t_healed - p->t_detect, a->rec, p->sess, ORC_RECONNECT_WINDOW_MS);
    }
}

/* ---- detection ----------------------------------------------------------- */

/* A detect the session's state does not allow: not an activation (R11 while
 * starting or inside a window, R5 while it stops or ends). True when it was
 * refused (and judged). */
static bool detect_refused(orc_t *o, const sess_t *s, const sim_tr_ev_t *ev)
{
    switch (s->state) {
    case SS_STARTING:
        orc_chk(o, 11);
        orc_viol(o, 11, ev->sess, ev->t_ms, o->line, s->line, 0, 0,
                 "session %" PRIu32 " counts a fault of recorder %" PRIu32 " before its first "
                 "recorder started; that is not an activation", ev->sess, ev->rec);
        return true;
    case SS_WINDOW:
        orc_chk(o, 11);
        orc_viol(o, 11, ev->sess, ev->t_ms, o->line, o->acts[s->act].det_line, 0, 0,
                 "session %" PRIu32 " counts a fault of recorder %" PRIu32 " while activation %d "
                 "is open; a fault before the resume is not a new activation",
                 ev->sess, ev->rec, o->pub[s->act].k);
        return true;
    case SS_GIVING_UP:
    case SS_STOPPING:
    case SS_ENDED:
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " counts an activation while it is %s; only a fault of a "
                 "recording session is one", ev->sess,
                 s->state == SS_STOPPING ? "stopping" : "ending or ended");
        return true;
    case SS_RECORDING:
    case SS_NONE:
        break;
    }
    if (ev->rec == s->serving_rec)
        return false;
    const rec_t *x = ev->rec < o->rec_hi ? &o->rec[ev->rec] : NULL;
    if (x != NULL && x->known && x->fenced) {
        orc_chk(o, 9);
        orc_viol(o, 9, ev->sess, ev->t_ms, o->line, x->fence_line, 0, 0,
                 "session %" PRIu32 " counts a fault of recorder %" PRIu32 ", which it was "
                 "switched away from, as serving it", ev->sess, ev->rec);
    } else {
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " counts a fault of recorder %" PRIu32
                 " as an activation; its serving recorder is %" PRIu32,
                 ev->sess, ev->rec, s->serving_rec);
    }
    return true;
}

/* The fault the detect names must have happened and reached the center:
 * an exit report for a kill, a server declared down for a disconnect. */
static void detect_cause_check(orc_t *o, const rec_t *r, const srv_t *sv, const sim_tr_ev_t *ev)
{
    if (ev->cause == SIM_CAUSE_KILL && !r->reported)
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " counts a kill of recorder %" PRIu32 " that no exit report "
                 "told the center of", ev->sess, ev->rec);
    else if (ev->cause == SIM_CAUSE_DISCONNECT && !sv->center_down)
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " counts a disconnect of server %" PRIu32 ", which was not "
                 "declared down", ev->sess, r->srv);
    else if (ev->cause != SIM_CAUSE_KILL && ev->cause != SIM_CAUSE_DISCONNECT)
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " counts an activation with no cause", ev->sess);
}

/* A new activation k of session s: its record, and when its fault was. */
static act_t *detect_open(orc_t *o, sess_t *s, const rec_t *r, const srv_t *sv,
                          const sim_tr_ev_t *ev)
{
    int k = s->k_next++;
    orc_chk(o, 4);
    if (ev->activation != k)
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "the detect numbers activation %d; it is activation %d of session %" PRIu32
                 " (its files take bak%d_)", ev->activation, k, ev->sess, k);
    act_t *a = orc_act_new(o, s, k, ev->cause, ev->t_ms);
    orc_activation_t *p = &o->pub[s->act];
    a->srv = r->srv;
    a->rec = ev->rec;
    a->det_line = o->line;
    failed_add(a, r->srv);
    if (ev->cause == SIM_CAUSE_KILL && r->killed)
        p->t_fault = r->t_kill;
    else if (ev->cause == SIM_CAUSE_DISCONNECT && sv->link_down)
        p->t_fault = sv->t_down;
    if (ev->cause == SIM_CAUSE_DISCONNECT && !sv->link_down && !sv->crashed) {
        /* The link came back before the center noticed: the server is
         * there to reconnect to from the start. */
        a->t_healed = ev->t_ms;
        a->heal_line = sv->down_line;
        a->reconnect_owed = !r->reported;
    }
    return a;
}

/* A disconnect's window: the detection against A2 when the last heartbeat
 * is unknown, and R2's switch due at 60 s. */
static void detect_disconnect(orc_t *o, const sess_t *s, const rec_t *r, const srv_t *sv,
                              const sim_tr_ev_t *ev)
{
    const orc_activation_t *p = &o->pub[s->act];
    if (p->t_fault < 0)
        return;
    int64_t lo = p->t_fault + ORC_HEARTBEAT_TIMEOUT_MS - ORC_HEARTBEAT_INTERVAL_MS;
    int64_t hi = p->t_fault + ORC_HEARTBEAT_TIMEOUT_MS;
    /* With the last heartbeat known, R2 judged the detection itself
     * (oracle_servers.c); the window is for traces without it. */
    if (!sv->hb_known && (ev->t_ms < lo || ev->t_ms > hi))
        orc_note(o, 2, ev->sess, ev->t_ms, sv->down_line, o->line, 0, 0,
                 "server %" PRIu32 " lost its link at %" PRId64 " ms and was detected %" PRId64
                 " ms later; A2 assumes %d to %d ms",
                 r->srv, p->t_fault, ev->t_ms - p->t_fault,
                 ORC_HEARTBEAT_TIMEOUT_MS - ORC_HEARTBEAT_INTERVAL_MS, ORC_HEARTBEAT_TIMEOUT_MS);
    orc_ob_add(o, OB_SWITCH, ev->t_ms + ORC_RECONNECT_WINDOW_MS, ev->sess, s->act, SW_MINUTE,
               o->line);
}

void orc_on_detect(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    if (s == NULL)
        return;
    s->detects++;
    orc_chk(o, 5);
    if (detect_refused(o, s, ev))
        return;
    orc_live_pause(s);
    const rec_t *r = &o->rec[ev->rec];
    const srv_t *sv = orc_srv_of(o, r->srv);
    if (sv == NULL)
        return;
    detect_cause_check(o, r, sv, ev);
    if (s->failover_due) {
        orc_chk(o, 7);
        orc_viol(o, 7, ev->sess, ev->t_ms, s->failover_line, o->line, 0, 0,
                 "session %" PRIu32 " resumed on another server as uid %" PRIu32
                 " but sent no callback 12 (session_failover) before its next fault",
                 ev->sess, s->failover_uid);
        s->failover_due = false;
    }
    act_t *a = detect_open(o, s, r, sv, ev);
    if (o->pub[s->act].k >= ORC_ACTIVATIONS_MAX) {
        /* R5: the 4th fault gives up at once. */
        s->state = SS_GIVING_UP;
        orc_ob_add(o, OB_GIVE_UP, ev->t_ms, ev->sess, s->act, 0, o->line);
        return;
    }
    a->open = true;
    s->state = SS_WINDOW;
    orc_ob_add(o, OB_PL_CLOSED, ev->t_ms, ev->sess, s->act, 0, o->line);
    if (ev->cause == SIM_CAUSE_KILL)
        orc_try_owed(o, s, ev->t_ms); /* R1: the replacement starts at detection */
    orc_chk(o, 3);
    if (ev->until_ms != ev->t_ms + ORC_DEADLINE_MS)
        orc_viol(o, 3, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "the detect sets the deadline of session %" PRIu32 " at %" PRId64
                 " ms; R3's is detection + %d = %" PRId64 " ms",
                 ev->sess, ev->until_ms, ORC_DEADLINE_MS, ev->t_ms + ORC_DEADLINE_MS);
    if (ev->cause == SIM_CAUSE_DISCONNECT)
        detect_disconnect(o, s, r, sv, ev);
    if (ev->cause == SIM_CAUSE_KILL)
        orc_a1_check(o, s, a, "at detection");
}

/* The failed server of an open disconnect activation is declared down
 * again after the center saw it back in time and went to reconnect, before
 * the recorder rejoined (a rejoin that had timed out by then is A4's: the
 * center may have switched already). The minute of R2 is not over until
 * detection + 60 000: the switch is due then, or now if that is past. */
static void return_cut_short(orc_t *o, sess_t *s, const sim_tr_ev_t *ev)
{
    act_t *a = &o->acts[s->act];
    const orc_activation_t *p = &o->pub[s->act];
    int64_t due = p->t_detect + ORC_RECONNECT_WINDOW_MS;

    if (!a->open || a->srv != ev->srv || p->cause != SIM_CAUSE_DISCONNECT)
        return;
    a->flap_gen++;
    if (a->switches > 0 || !a->reconnect_owed || a->t_exit >= 0 || a4_broken(o, a))
        return;
    a->rejoin_cut = true;
    a->t_flap_down = ev->t_ms;
    a->flap_line = o->line;
    orc_ob_add_aux(o, OB_SWITCH, due > ev->t_ms ? due : ev->t_ms, orc_sess_id(o, s), s->act,
                   SW_FLAP, a->flap_gen, o->line);
}

void orc_on_server_down(orc_t *o, const sim_tr_ev_t *ev)
{
    srv_t *sv = orc_srv_of(o, ev->srv);

    if (sv == NULL)
        return;
    orc_srv_declared_down(o, sv, ev);
    if (!sv->center_down) {
        sv->t_center_down = ev->t_ms;
        sv->center_down_line = o->line;
    }
    sv->center_down = true;
    for (size_t id = 1; id < o->sess_hi; id++) {
        sess_t *s = &o->sess[id];
        if (s->state == SS_RECORDING && s->serving_srv == ev->srv)
            orc_ob_add(o, OB_DETECT_DOWN, ev->t_ms, (uint32_t)id, -1, s->detects, o->line);
        else if (s->state == SS_WINDOW)
            return_cut_short(o, s, ev);
    }
}

void orc_on_server_up(orc_t *o, const sim_tr_ev_t *ev)
{
    srv_t *sv = orc_srv_of(o, ev->srv);

    if (sv == NULL)
        return;
    sv->center_down = false;
    orc_srv_back(o, ev);
    /* The center sees a failed server back. If that is within the window
     * and it has no report of the recorder's death (a held exit report
     * comes with the link, before the heartbeat), going to reconnect is
     * right, whatever happens to the link or the recorder afterwards. */
    for (size_t id = 1; id < o->sess_hi; id++) {
        sess_t *s = &o->sess[id];
        if (s->state != SS_WINDOW)
            continue;
        act_t *a = &o->acts[s->act];
        const orc_activation_t *p = &o->pub[s->act];
        if (a->open && a->srv == ev->srv)
            a->flap_gen++; /* back: a switch owed after a return cut short is void */
        if (a->open && a->srv == ev->srv && p->cause == SIM_CAUSE_DISCONNECT &&
            ev->t_ms <= p->t_detect + ORC_RECONNECT_WINDOW_MS && a->rec < o->rec_hi &&
            !o->rec[a->rec].reported)
            a->reconnect_owed = true;
    }
}

/* The open activation of a C line, or NULL (reported). */
act_t *orc_window_of(orc_t *o, sess_t *s, const char *what)
{
    if (s->state == SS_WINDOW)
        return &o->acts[s->act];
    orc_viol(o, ORC_RULE_TRACE, orc_sess_id(o, s), o->last_t, o->line, 0, 0, 0,
         "session %" PRIu32 " has a %s line but no open activation", orc_sess_id(o, s), what);
    return NULL;
}

/* ---- reconnect ----------------------------------------------------------- */

void orc_on_reconnecting(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    act_t *a = s != NULL ? orc_window_of(o, s, "reconnecting") : NULL;
    const orc_activation_t *p;

    if (a == NULL)
        return;
    p = &o->pub[s->act];
    if (p->cause == SIM_CAUSE_KILL) {
        orc_chk(o, 1);
        orc_viol(o, 1, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "session %" PRIu32 " waits to reconnect after a kill; R1 switches to a different "
                 "server", ev->sess);
        return;
    }
    orc_chk(o, 2);
    if (ev->until_ms != p->t_detect + ORC_RECONNECT_WINDOW_MS || ev->srv != a->srv)
        orc_viol(o, 2, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "session %" PRIu32 " waits for server %" PRIu32 " until %" PRId64
                 " ms; R2 waits for server %" PRIu32 " until detection + %d = %" PRId64 " ms",
                 ev->sess, ev->srv, ev->until_ms, a->srv, ORC_RECONNECT_WINDOW_MS,
                 p->t_detect + ORC_RECONNECT_WINDOW_MS);
}

void orc_on_reconnected(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    act_t *a = s != NULL ? orc_window_of(o, s, "reconnected") : NULL;
    const orc_activation_t *p;
    const srv_t *sv;

    if (a == NULL)
        return;
    p = &o->pub[s->act];
    sv = orc_srv_of(o, ev->srv);
    if (sv == NULL)
        return;
    orc_chk(o, 2);
    if (ev->srv != a->srv || p->cause != SIM_CAUSE_DISCONNECT)
        orc_viol(o, 2, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "session %" PRIu32 " reconnects to server %" PRIu32 "; only the disconnected "
                 "server %" PRIu32 " can be reconnected", ev->sess, ev->srv, a->srv);
    else if (sv->link_down)
        orc_viol(o, 2, ev->sess, ev->t_ms, o->line, sv->down_line, 0, 0,
                 "session %" PRIu32 " reconnects to server %" PRIu32 ", whose link is still down",
                 ev->sess, ev->srv);
    else if (ev->t_ms > p->t_detect + ORC_RECONNECT_WINDOW_MS && !a->reconnect_owed)
        /* (Back in time, then gone and back again: still the server R2
         * resumes on.) */
        orc_viol(o, 2, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "session %" PRIu32 " reconnects %" PRId64 " ms after detection; R2's window is "
                 "%d ms", ev->sess, ev->t_ms - p->t_detect, ORC_RECONNECT_WINDOW_MS);
}

/* ---- switch -------------------------------------------------------------- */

/* R7: a switch's UID is valid, new to the session and not a user's. */
static void check_new_uid(orc_t *o, sess_t *s, const sim_tr_ev_t *ev)
{
    const uid_t_ *old = orc_uid_find(o, s, ev->uid);
    const user_t *u = orc_user_find(o, s, ev->uid);

    orc_chk(o, 7);
    if (ev->uid < ORC_UID_MIN)
        orc_viol(o, 7, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " switches with uid 0; a UID is %u..%u", ev->sess, ORC_UID_MIN,
                 ORC_UID_MAX);
    else if (old != NULL)
        orc_viol(o, 7, ev->sess, ev->t_ms, o->line, old->line, 0, 0,
                 "session %" PRIu32 " switches with uid %" PRIu32 ", which it used before; R7 "
                 "rejoins with a fresh UID", ev->sess, ev->uid);
    else if (u != NULL && u->in)
        orc_viol(o, 7, ev->sess, ev->t_ms, o->line, u->line, 0, 0,
                 "session %" PRIu32 " switches with uid %" PRIu32 ", which a user in the channel "
                 "has", ev->sess, ev->uid);
}

/* Every recorder of the session on srv that was started before now. */
static void fence_server(orc_t *o, sess_t *s, uint32_t srv)
{
    for (uint32_t id = s->recs; id != 0; id = o->rec[id].next) {
        rec_t *r = &o->rec[id];
        if (r->srv != srv)
            continue;
        orc_let_go(o, r);
        if (!r->fenced) {
            r->fenced = true;
            r->fence_line = o->line;
        }
    }
}

/* Where and when a switch goes: a different server than the one that
 * failed (R1/R2), and, for a disconnect, not before the 60 s of reconnecting
 * unless the server's recorder is known dead, nor at all when the server
 * came back in time (R2). */
static void check_switch_target(orc_t *o, act_t *a, orc_activation_t *p, int rule,
                                const sim_tr_ev_t *ev)
{
    orc_chk(o, rule);
    if (ev->srv == a->srv)
        orc_viol(o, rule, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "session %" PRIu32 " switches to server %" PRIu32 ", the one that failed; %s "
                 "moves to a different server", ev->sess, ev->srv, orc_rule_name(rule));
    if (a->switches == 1) {
        p->t_switch = ev->t_ms;
        a->first_switch_line = o->line;
        if (p->cause == SIM_CAUSE_DISCONNECT) {
            if (must_reconnect(o, a)) {
                orc_viol(o, 2, ev->sess, ev->t_ms, o->line, a->heal_line, a->det_line, 0,
                         "session %" PRIu32 " switches although server %" PRIu32
                         " came back %" PRId64 " ms after detection with its recorder alive; R2 "
                         "reconnects within %d ms", ev->sess, a->srv, a->t_healed - p->t_detect,
                         ORC_RECONNECT_WINDOW_MS);
            } else if (ev->t_ms < p->t_detect + ORC_RECONNECT_WINDOW_MS && a->t_exit < 0 &&
                       !a->a4_broken) {
                orc_viol(o, 2, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                         "session %" PRIu32 " switches %" PRId64 " ms after detecting the "
                         "disconnect; R2 waits %d ms for the server", ev->sess,
                         ev->t_ms - p->t_detect, ORC_RECONNECT_WINDOW_MS);
            }
        }
    }
}

/* R11 (R13 for the first start): the center picks a server that is up, as
 * it sees it -- never one it declared down and has not seen back. (One cut
 * off without its knowing yet is A3's: the center cannot tell.) */
static void check_switch_up(orc_t *o, int rule, const sim_tr_ev_t *ev)
{
    const srv_t *sv = ev->srv < o->srv_hi ? &o->srv[ev->srv] : NULL;

    orc_chk(o, rule);
    if (sv != NULL && sv->center_down)
        orc_viol(o, rule, ev->sess, ev->t_ms, o->line, sv->center_down_line, 0, 0,
                 "session %" PRIu32 " switches to server %" PRIu32 ", which the center declared "
                 "down at %" PRId64 " ms and has not seen back; %s picks a server that is up",
                 ev->sess, ev->srv, sv->t_center_down, orc_rule_name(rule));
}

void orc_on_switch(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    act_t *a;
    orc_activation_t *p;
    int rule;

    if (s == NULL)
        return;
    if (s->state == SS_STARTING) {
        /* The first recorder (attempt 1) and its retries: not an
         * activation, and they join with the customer's UID, so R7's fresh
         * UID does not apply. */
        s->start_attempts++;
        s->start_tries++;
        orc_chk(o, 11);
        if (ev->attempt != s->start_attempts)
            orc_viol(o, 11, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                     "session %" PRIu32 " numbers this start attempt %" PRIu32 "; it is attempt "
                     "%" PRIu32, ev->sess, ev->attempt, s->start_attempts);
        check_switch_up(o, 13, ev);
        return;
    }
    if (s->state == SS_GIVING_UP || s->state == SS_ENDED) {
        orc_chk(o, 5);
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " switches to server %" PRIu32 " after it gave up or ended",
                 ev->sess, ev->srv);
        return;
    }
    a = orc_window_of(o, s, "switch");
    if (a == NULL)
        return;
    p = &o->pub[s->act];
    rule = p->cause == SIM_CAUSE_KILL ? 1 : 2;
    a->switches++;
    a->tries++;
    p->attempts++;

    orc_chk(o, 11);
    if (ev->attempt != a->switches)
        orc_viol(o, 11, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "session %" PRIu32 " numbers this switch attempt %" PRIu32 "; it is attempt "
                 "%" PRIu32
                 " of activation %d", ev->sess, ev->attempt, a->switches, p->k);
    if (a->last_failed_srv != 0 && ev->srv == a->last_failed_srv)
        orc_viol(o, 11, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " retries on server %" PRIu32 ", whose attempt just failed; "
                 "R11 picks another server", ev->sess, ev->srv);
    check_switch_up(o, 11, ev);
    check_new_uid(o, s, ev);

    check_switch_target(o, a, p, rule, ev);
    orc_a1_check(o, s, a, "at a switch");

    /* R9: from here on, nothing of the failed server's recorders (nor of an
     * abandoned replacement) may write for the session or serve it. */
    fence_server(o, s, a->srv);
    if (ev->from_srv != 0 && ev->from_srv != a->srv)
        fence_server(o, s, ev->from_srv);
    if (a->cur_rec != 0) {
        o->rec[a->cur_rec].abandoned = true;
        orc_let_go(o, &o->rec[a->cur_rec]);
        a->cur_rec = 0;
    }
    orc_uid_add(o, s, ev->uid);
}

void orc_on_attempt_failed(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    rec_t *r = s != NULL ? orc_rec_of(o, ev->rec) : NULL;

    if (r == NULL)
        return;
    orc_chk(o, 11);
    r->abandoned = true;
    orc_let_go(o, r);
    orc_slot_free(o, r);
    if (s->state == SS_STARTING)
        orc_attempt_abandoned(o, s, r, ev);
    if (s->state != SS_WINDOW)
        return;
    act_t *a = &o->acts[s->act];
    a->last_failed_srv = r->srv;
    failed_add(a, r->srv);
    if (a->cur_rec == ev->rec)
        a->cur_rec = 0;
    if (!r->ready && !r->failed && !r->killed && ev->t_ms - r->t_start >= ORC_STARTUP_MS_MAX)
        orc_a3_break(o, s, a, "replacement recorder %" PRIu32 " was not ready %" PRId64
                     " ms after its start (A3 assumes %d)", ev->rec, ev->t_ms - r->t_start,
                     ORC_STARTUP_MS_MAX);
    orc_a1_check(o, s, a, "after a failed attempt");
    orc_attempt_abandoned(o, s, r, ev);
}

/* ---- resume -------------------------------------------------------------- */

/* Common to started and resume: the recorder may serve the session. */
static bool may_serve(orc_t *o, const sim_tr_ev_t *ev, rec_t *r)
{
    const char *what = ev->kind == SIM_TR_STARTED ? "starts recording" : "resumes";

    if (r->sess != ev->sess) {
        orc_viol(o, ORC_RULE_TRACE, ev->sess, ev->t_ms, o->line, r->start_line, 0, 0,
                 "session %" PRIu32 " %s with recorder %" PRIu32 ", which was started for session "
                 "%" PRIu32, ev->sess, what, ev->rec, r->sess);
        return false;
    }
    orc_chk(o, 9);
    if (r->fenced) {
        orc_viol(o, 9, ev->sess, ev->t_ms, o->line, r->fence_line, 0, 0,
                 "session %" PRIu32 " %s with recorder %" PRIu32 " on server %" PRIu32
                 ", which it had switched away from", ev->sess, what, ev->rec, r->srv);
        return false;
    }
    orc_chk(o, 11);
    if (r->abandoned) {
        orc_viol(o, 11, ev->sess, ev->t_ms, o->line, r->start_line, 0, 0,
                 "session %" PRIu32 " %s with recorder %" PRIu32 ", whose attempt it had given up",
                 ev->sess, what, ev->rec);
        return false;
    }
    orc_chk(o, 3);
    if (!r->ready || r->killed || r->failed) {
        orc_viol(o, 3, ev->sess, ev->t_ms, o->line, r->start_line, 0, 0,
                 "session %" PRIu32 " %s with recorder %" PRIu32 ", which %s", ev->sess, what,
                 ev->rec, r->ready ? "is dead" : "never reported ready");
        return false;
    }
    return true;
}

void orc_on_started(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    rec_t *r;

    if (s == NULL || (r = orc_rec_of(o, ev->rec)) == NULL)
        return;
    if (s->state != SS_STARTING) {
        orc_viol(o, ORC_RULE_TRACE, ev->sess, ev->t_ms, o->line, s->line, 0, 0,
                 "session %" PRIu32 " has a started line but is not starting", ev->sess);
        return;
    }
    (void)may_serve(o, ev, r);
    orc_chk(o, 13);
    if (ev->t_ms - s->t_accepted > ORC_START_DEADLINE_MS)
        orc_viol(o, 13, ev->sess, ev->t_ms, o->line, s->line, 0, 0,
                 "session %" PRIu32 " starts recording %" PRId64 " ms after its start was "
                 "accepted; R13 allows %d ms", ev->sess, ev->t_ms - s->t_accepted,
                 ORC_START_DEADLINE_MS);
    s->state = SS_RECORDING;
    s->serving_rec = ev->rec;
    s->serving_srv = ev->srv;
    s->uid_cur = ev->uid;
    s->uid_line = o->line;
    orc_live_begin(o, s, ev->t_ms, 0);
}

/* Where and when an activation resumes: a kill on a different server
 * within R1's 30 s, a disconnect on the same server by its recorder or on a
 * different one (R2), everything within R3's 90 s. */
static void check_resume_place(orc_t *o, act_t *a, const orc_activation_t *p, bool same,
                               const sim_tr_ev_t *ev)
{
    int64_t dt = ev->t_ms - p->t_detect;
    if (p->cause == SIM_CAUSE_KILL) {
        orc_chk(o, 1);
        if (same || ev->srv == a->srv)
            orc_viol(o, 1, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                     "session %" PRIu32 " resumes on server %" PRIu32 ", where its recorder was "
                     "killed; R1 resumes on a different server", ev->sess, ev->srv);
        if (dt > ORC_KILL_RESUME_MS_MAX)
            orc_timing(o, 1, a, p->t_detect + ORC_KILL_RESUME_MS_MAX, a->det_line, o->line,
                       "session %" PRIu32 " resumed %" PRId64 " ms after detecting the kill; R1 "
                       "allows %d ms", ev->sess, dt, ORC_KILL_RESUME_MS_MAX);
    } else {
        orc_chk(o, 2);
        if (!same && ev->srv == a->srv)
            orc_viol(o, 2, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                     "session %" PRIu32 " resumes with a new recorder on server %" PRIu32
                     ", the one that was disconnected; R2 switches to a different server",
                     ev->sess, ev->srv);
    }
    orc_chk(o, 3);
    if (dt > ORC_DEADLINE_MS)
        orc_viol(o, 3, ev->sess, p->t_detect + ORC_DEADLINE_MS, a->det_line, o->line, 0, 0,
                 "session %" PRIu32 " resumed %" PRId64 " ms after detection; R3 allows %d ms",
                 ev->sess, dt, ORC_DEADLINE_MS);

}

void orc_on_resume(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    act_t *a;
    orc_activation_t *p;
    rec_t *r;
    int64_t dt;
    bool same;

    if (s == NULL)
        return;
    if (s->state == SS_GIVING_UP || s->state == SS_ENDED) {
        orc_chk(o, 10);
        orc_viol(o, 10, ev->sess, ev->t_ms, o->line, s->end_line, 0, 0,
                 "session %" PRIu32 " resumes after it gave up", ev->sess);
        return;
    }
    a = orc_window_of(o, s, "resume");
    if (a == NULL || (r = orc_rec_of(o, ev->rec)) == NULL)
        return;
    p = &o->pub[s->act];
    dt = ev->t_ms - p->t_detect;
    orc_chk(o, 4);
    if (ev->activation != p->k)
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "the resume of session %" PRIu32 " numbers activation %d; it is activation %d",
                 ev->sess, ev->activation, p->k);
    /* A recorder that may not serve is reported; the activation still
     * closes, as the center believes, so one mistake is reported once. */
    (void)may_serve(o, ev, r);

    same = ev->rec == a->rec;
    orc_chk(o, 7);
    if (ev->uid != r->uid)
        orc_viol(o, 7, ev->sess, ev->t_ms, o->line, r->start_line, 0, 0,
                 "session %" PRIu32 " resumes as uid %" PRIu32 " but recorder %" PRIu32
                 " joined as uid %" PRIu32, ev->sess, ev->uid, ev->rec, r->uid);
    if (same && ev->uid != s->uid_cur)
        orc_viol(o, 7, ev->sess, ev->t_ms, o->line, s->uid_line, 0, 0,
                 "session %" PRIu32 " reconnects as uid %" PRIu32 "; a reconnect keeps uid "
                 "%" PRIu32,
                 ev->sess, ev->uid, s->uid_cur);

    check_resume_place(o, a, p, same, ev);
    a->open = false;
    p->t_resume = ev->t_ms;
    p->same_server = same;
    p->window_404_ms = dt;
    s->state = SS_RECORDING;
    s->serving_rec = ev->rec;
    s->serving_srv = ev->srv;
    s->bak = p->k;
    if (!same) {
        s->failover_due = true;
        s->failover_uid = ev->uid;
        s->failover_line = o->line;
    }
    s->uid_cur = ev->uid;
    s->uid_line = o->line;
    orc_live_begin(o, s, ev->t_ms, 0);
}

/* ---- the end ------------------------------------------------------------- */

void orc_on_give_up(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);

    if (s == NULL)
        return;
    if (s->state == SS_GIVING_UP) {
        orc_chk(o, 5);
        if (ev->reason != SIM_END_ACTIVATIONS)
            orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                     "session %" PRIu32 " gives up after its 4th fault with reason %d; the reason "
                     "is activations", ev->sess, ev->reason);
        return;
    }
    if (s->state == SS_WINDOW) {
        const orc_activation_t *p = &o->pub[s->act];
        int64_t dt = ev->t_ms - p->t_detect;
        orc_chk(o, 10);
        if (dt < ORC_DEADLINE_MS)
            orc_viol(o, 10, ev->sess, ev->t_ms, o->line, o->acts[s->act].det_line, 0, 0,
                     "session %" PRIu32 " gives up %" PRId64 " ms after detection; R10 gives up "
                     "at the %d ms deadline", ev->sess, dt, ORC_DEADLINE_MS);
        else if (ev->reason != SIM_END_DEADLINE)
            orc_viol(o, 10, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                     "session %" PRIu32 " gives up at the deadline with reason %d; the reason is "
                     "deadline", ev->sess, ev->reason);
        return;
    }
    if (s->state == SS_STARTING && ev->reason == SIM_END_START_FAILED)
        return;
    orc_viol(o, 10, ev->sess, ev->t_ms, o->line, 0, 0, 0,
             "session %" PRIu32 " gives up with no activation open", ev->sess);
}

/* An end inside an activation's window: R10 ends it abnormally at the
 * deadline exactly, R3 no later. */
static void end_in_window(orc_t *o, sess_t *s, const sim_tr_ev_t *ev)
{
    act_t *a = &o->acts[s->act];
    orc_activation_t *p = &o->pub[s->act];
    int64_t dt = ev->t_ms - p->t_detect;
    orc_chk(o, 3);
    orc_chk(o, 10);
    if (dt > ORC_DEADLINE_MS)
        orc_viol(o, 3, ev->sess, p->t_detect + ORC_DEADLINE_MS, a->det_line, o->line, 0, 0,
                 "session %" PRIu32 " neither resumed nor ended by the deadline: it ended "
                 "%" PRId64
                 " ms after detection; R3 allows %d ms", ev->sess, dt, ORC_DEADLINE_MS);
    else if (dt < ORC_DEADLINE_MS)
        orc_viol(o, 10, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "session %" PRIu32 " ended %" PRId64 " ms after detection without resuming; "
                 "R10 ends it at the %d ms deadline", ev->sess, dt, ORC_DEADLINE_MS);
    if (ev->exit_status != 1)
        orc_viol(o, 10, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "session %" PRIu32 " ends with exit %d without resuming; R10 ends it "
                 "abnormally (exit 1)", ev->sess, ev->exit_status);
    orc_judge_unresumed(o, a, ev->t_ms, o->line, false);
    a->open = false;
    p->t_end = ev->t_ms;
    p->window_404_ms = dt;
}

void orc_on_end(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    int rule = ORC_RULE_NCS;

    if (s == NULL)
        return;
    if (s->state == SS_ENDED) {
        orc_viol(o, ORC_RULE_TRACE, ev->sess, ev->t_ms, o->line, s->end_line, 0, 0,
                 "session %" PRIu32 " ends a second time", ev->sess);
        return;
    }
    if (ev->exit_status == 0 && !s->stop_ok) {
        rule = 12;
        orc_chk(o, 12);
        orc_viol(o, 12, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " ends normally with no accepted stop; a stop answered 404 "
                 "changes nothing", ev->sess);
    }
    if (s->state == SS_GIVING_UP) {
        rule = 5;
        orc_chk(o, 5);
        o->pub[s->act].t_end = ev->t_ms;
        o->pub[s->act].window_404_ms = ev->t_ms - o->pub[s->act].t_detect;
        if (ev->exit_status != 1)
            orc_viol(o, 5, ev->sess, ev->t_ms, o->line, o->acts[s->act].det_line, 0, 0,
                     "session %" PRIu32 " ends with exit %d after its 4th fault; R5 ends it "
                     "abnormally (exit 1)", ev->sess, ev->exit_status);
    } else if (s->state == SS_WINDOW) {
        rule = 10;
        end_in_window(o, s, ev);
    } else if (s->state == SS_STARTING && !s->stop_ok) {
        rule = 13;
        orc_start_ended(o, s, ev);
    } else if (s->stop_ok) {
        rule = 12;
        orc_chk(o, 12);
        if (ev->exit_status != 0)
            orc_viol(o, 12, ev->sess, ev->t_ms, o->line, s->stop_line, 0, 0,
                     "session %" PRIu32 " ends with exit %d after a stop; R12 ends it normally "
                     "(exit 0)", ev->sess, ev->exit_status);
        if (ev->t_ms - s->t_stop > ORC_STOP_FLUSH_MS_MAX)
            orc_viol(o, 12, ev->sess, s->t_stop + ORC_STOP_FLUSH_MS_MAX, s->stop_line, o->line, 0,
                     0,
                     "session %" PRIu32 " ended %" PRId64 " ms after the stop was accepted; R12 "
                     "allows %d ms", ev->sess, ev->t_ms - s->t_stop, ORC_STOP_FLUSH_MS_MAX);
    } else if (s->state == SS_RECORDING && ev->exit_status != 0) {
        rule = 10;
        orc_chk(o, 10);
        orc_viol(o, 10, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " ends abnormally while recording, with no activation open",
                 ev->sess);
    }
    if (s->failover_due) {
        orc_chk(o, 7);
        orc_viol(o, 7, ev->sess, ev->t_ms, s->failover_line, o->line, 0, 0,
                 "session %" PRIu32 " resumed on another server as uid %" PRIu32
                 " but sent no callback 12 (session_failover) before it ended",
                 ev->sess, s->failover_uid);
        s->failover_due = false;
    }
    /* R9: what the session still had, it lets go of now. */
    for (uint32_t id = s->recs; id != 0; id = o->rec[id].next)
        orc_let_go(o, &o->rec[id]);
    orc_live_pause(s);
    s->state = SS_ENDED;
    s->act = -1;
    s->t_end = ev->t_ms;
    s->end_exit = ev->exit_status;
    s->end_rule = rule;
    s->end_line = o->line;
    orc_ob_add(o, OB_END, ev->t_ms, ev->sess, -1, 0, o->line);
}
