/* oracle_api.c -- what the customer sees: API answers (R6's 404 window and
 * the normal answers around it, R12's accepted stop, the scenario's
 * expected status) and callbacks (R7's UID and session_failover, sequence
 * numbers and notice ids).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "oracle_impl.h"

static bool in_window(const sess_t *s)
{
    return s->state == SS_WINDOW || s->state == SS_GIVING_UP || s->state == SS_ENDED;
}

/* Where the session stood when a call was answered, for the message of a
 * failed `expect`: the same answer in another phase is another failure
 * (the shrinker compares the phase too, search/shrink.c). */
static const char *phase_of(const orc_t *o, uint32_t sess)
{
    static const char *const words[] = {
        [SS_NONE] = "before the session started", [SS_STARTING] = "while it started",
        [SS_RECORDING] = "while it recorded",     [SS_WINDOW] = "inside an HA window",
        [SS_GIVING_UP] = "while it gave up",      [SS_STOPPING] = "while it stopped",
        [SS_ENDED] = "after it ended",
    };
    if (sess == 0 || sess >= o->sess_hi)
        return words[SS_NONE];
    return words[o->sess[sess].state];
}

/* R6: a start of session k while k's task is live -- recording, in a
 * window, stopping, and after a switch gave its recorder a new UID too --
 * has the cname and uid that task was started with (a session number
 * always starts with its session line's), and its normal answer is "task
 * conflict". The one start it does not judge is the one its session line
 * recorded: the first start answer of the session after that line, the
 * 200 that accepted it. */
static void start_of_live_task(orc_t *o, const sim_tr_ev_t *ev)
{
    if (ev->sess == 0 || ev->sess >= o->sess_hi)
        return;
    sess_t *s = &o->sess[ev->sess];
    if (s->state == SS_NONE || s->state == SS_ENDED)
        return; /* no task, or a new one after the end: nothing to conflict with */
    if (!s->start_answered && ev->http == 200) {
        s->start_answered = true;
        return;
    }
    orc_chk(o, 6);
    if (ev->http == ORC_TASK_CONFLICT_HTTP && ev->code == ORC_TASK_CONFLICT_CODE)
        return;
    char now[40] = "";
    if (s->uid_cur != s->uid_start)
        snprintf(now, sizeof now, ", uid %" PRIu32 " now", s->uid_cur);
    orc_viol(o, 6, ev->sess, ev->t_ms, o->line, s->line, s->uid_line, 0,
             "start of session %" PRIu32 " got %d code %d %s, with the cname and uid its live "
             "task was started with (%s, uid %" PRIu32 "%s); the normal answer is %d code %d, "
             "task conflict",
             ev->sess, ev->http, ev->code, phase_of(o, ev->sess), orc_sess_cname(o, s), s->uid_start,
             now,
             ORC_TASK_CONFLICT_HTTP, ORC_TASK_CONFLICT_CODE);
}

void orc_on_api(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s;
    const char *call = orc_call_word(ev->call);

    if (ev->expect != 0) {
        orc_chk(o, ORC_RULE_EXPECT);
        if (ev->http != ev->expect)
            orc_viol(o, ORC_RULE_EXPECT, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                     "%s of session %" PRIu32 " got %d %s; the scenario expected %d", call,
                     ev->sess, ev->http, phase_of(o, ev->sess), ev->expect);
    }
    if (ev->call == SIM_CALL_START) {
        start_of_live_task(o, ev);
        return;
    }
    if (ev->sess == 0 || ev->sess >= o->sess_hi || o->sess[ev->sess].state == SS_NONE)
        return; /* a call no session line names: nothing to judge by */
    s = &o->sess[ev->sess];

    orc_chk(o, 6);
    if (in_window(s)) {
        bool msg_ok = ev->msg != NULL && strcmp(ev->msg, ORC_WORKER_404_MSG) == 0;
        if (ev->http != ORC_HTTP_NOT_FOUND || !msg_ok) {
            if (s->state == SS_ENDED)
                orc_viol(o, 6, ev->sess, ev->t_ms, o->line, s->end_line, 0, 0,
                         "%s of session %" PRIu32 " got %d \"%s\" after the session ended; R6 "
                         "answers 404 \"%s\"", call, ev->sess, ev->http,
                         ev->msg != NULL ? ev->msg : "", ORC_WORKER_404_MSG);
            else
                orc_viol(o, 6, ev->sess, ev->t_ms, o->line, o->acts[s->act].det_line, 0, 0,
                         "%s of session %" PRIu32 " got %d \"%s\" between detection and resume; "
                         "R6 answers 404 \"%s\"", call, ev->sess, ev->http,
                         ev->msg != NULL ? ev->msg : "", ORC_WORKER_404_MSG);
        }
    } else if (ev->http == ORC_HTTP_NOT_FOUND) {
        orc_viol(o, 6, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "%s of session %" PRIu32 " got 404 while no HA window was open; R6 gives the "
                 "normal answer then", call, ev->sess);
    } else if (s->state == SS_STARTING && ev->call == SIM_CALL_QUERY &&
               (ev->http != 200 || ev->status != ORC_QUERY_STATUS_STARTING)) {
        orc_viol(o, 6, ev->sess, ev->t_ms, o->line, s->line, 0, 0,
                 "query of session %" PRIu32 " before its first recorder started got %d status "
                 "%d; the normal answer is 200 status %d", ev->sess, ev->http, ev->status,
                 ORC_QUERY_STATUS_STARTING);
    } else if (s->state == SS_STOPPING && ev->call == SIM_CALL_QUERY &&
               (ev->http != 200 || ev->status != ORC_QUERY_STATUS_STOPPING)) {
        orc_viol(o, 6, ev->sess, ev->t_ms, o->line, s->stop_line, 0, 0,
                 "query of session %" PRIu32 " while it stops got %d status %d; the normal answer "
                 "is 200 status %d", ev->sess, ev->http, ev->status, ORC_QUERY_STATUS_STOPPING);
    } else if (s->state == SS_STOPPING && ev->call == SIM_CALL_STOP &&
               (ev->http != ORC_STOP_EXITING_HTTP || ev->code != ORC_STOP_EXITING_CODE)) {
        orc_viol(o, 6, ev->sess, ev->t_ms, o->line, s->stop_line, 0, 0,
                 "a second stop of session %" PRIu32 " got %d code %d; the normal answer while it "
                 "stops is %d code %d", ev->sess, ev->http, ev->code, ORC_STOP_EXITING_HTTP,
                 ORC_STOP_EXITING_CODE);
    }

    /* R12: an accepted stop (200, or 206 "no recorded data") ends the
     * session; a 404 stop changes nothing. */
    if (ev->call == SIM_CALL_STOP && (ev->http == 200 || ev->http == 206) && !s->stop_ok &&
        s->state != SS_ENDED) {
        orc_chk(o, 12);
        s->stop_ok = true;
        orc_live_pause(s);
        s->t_stop = ev->t_ms;
        s->stop_line = o->line;
        if (s->state == SS_STARTING || s->state == SS_RECORDING)
            s->state = SS_STOPPING;
    }
}

void orc_on_callback(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    uint64_t first;

    if (s == NULL)
        return;
    orc_chk(o, ORC_RULE_NCS);
    if (ev->seq != s->cb_seq)
        orc_viol(o, ORC_RULE_NCS, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "callback %d of session %" PRIu32 " has sequence %" PRIu32 "; the next is "
                 "%" PRIu32,
                 ev->event_type, ev->sess, ev->seq, s->cb_seq);
    s->cb_seq = ev->seq + 1;
    first = orc_notice_seen(o, ev->notice);
    if (first != 0)
        orc_viol(o, ORC_RULE_NCS, ev->sess, ev->t_ms, o->line, first, 0, 0,
                 "callback %d of session %" PRIu32 " reuses notice id %" PRIu64, ev->event_type,
                 ev->sess, ev->notice);

    orc_chk(o, 7);
    if (ev->uid != s->uid_cur)
        orc_viol(o, 7, ev->sess, ev->t_ms, o->line, s->uid_line, 0, 0,
                 "callback %d of session %" PRIu32 " carries uid %" PRIu32
                 "; the session records as uid %" PRIu32, ev->event_type, ev->sess, ev->uid,
                 s->uid_cur);
    if (ev->event_type == ORC_NCS_SESSION_FAILOVER) {
        if (!s->failover_due)
            orc_viol(o, 7, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                     "session %" PRIu32 " sends callback 12 (session_failover) with no switch to "
                     "announce; a reconnect keeps the UID", ev->sess);
        else if (ev->new_uid != s->failover_uid)
            orc_viol(o, 7, ev->sess, ev->t_ms, o->line, s->failover_line, 0, 0,
                     "callback 12 of session %" PRIu32 " announces uid %" PRIu32
                     "; the session resumed as uid %" PRIu32, ev->sess, ev->new_uid,
                     s->failover_uid);
        s->failover_due = false;
    }
    if (ev->event_type == ORC_NCS_SESSION_EXIT) {
        if (s->cb11) {
            orc_viol(o, ORC_RULE_NCS, ev->sess, ev->t_ms, o->line, s->cb11_line, 0, 0,
                     "session %" PRIu32 " sends callback 11 (session_exit) a second time",
                     ev->sess);
            return;
        }
        s->cb11 = true;
        s->cb11_exit = ev->exit_status;
        s->cb11_t = ev->t_ms;
        s->cb11_line = o->line;
    }
}
