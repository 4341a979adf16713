/* oracle_world.c -- what the world did: the run, sessions, faults, users,
 * recorders starting, becoming ready, failing, stopping.
 *
 * Mostly W lines: they move the model (which recorder lives where, which
 * server is cut off, how many slots each server has taken) and open the
 * obligations that C lines must then meet (an exit report of the serving
 * recorder must be followed by a detect). The few C lines here
 * (recorder_start, recorder_resume, recorder_stop, fenced) are judged for
 * their names (R4), the fourth fault (R5) and fencing (R9).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "oracle_impl.h"

void orc_on_run(orc_t *o, const sim_tr_ev_t *ev)
{
    if (o->line != 1)
        orc_viol(o, ORC_RULE_TRACE, 0, ev->t_ms, o->line, 0, 0, 0,
                 "the run line is line %" PRIu64 "; it must be the first", o->line);
    o->have_run = true;
    o->servers = ev->servers;
    o->capacity = ev->capacity;
    o->sessions = ev->sessions;
    if (ev->servers > 0 && ev->servers <= ID_MAX)
        (void)orc_srv_of(o, ev->servers);
}

/* src in the run's string arena: its offset. Longer than STR_MAX - 1 (or
 * none) is kept as "" and *ok turned false: no name is judged by it. */
static uint32_t put_str(orc_t *o, const char *src, bool *ok)
{
    size_t n = src != NULL ? strlen(src) : 0;

    if (src == NULL || n >= STR_MAX) {
        *ok = false;
        src = "";
        n = 0;
    }
    o->strs = orc_grow(o->strs, &o->strs_cap, o->strs_n + n + 1, 1);
    const uint32_t at = (uint32_t)o->strs_n;
    memcpy(o->strs + at, src, n + 1);
    o->strs_n += n + 1;
    return at;
}

void orc_on_session(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s;
    uint32_t id = ev->sess;

    if (!orc_id_ok(o, ID_SESSION, id))
        return;
    if (id >= o->sess_hi) {
        o->sess = orc_grow_lines(o->sess, &o->sess_cap, (size_t)id + 1, sizeof *o->sess);
        o->sess_hi = (size_t)id + 1;
    }
    s = &o->sess[id];
    if (s->state == SS_ENDED) {
        /* Started again after it ended: a new recording under the same
         * number. What the old one still owed is judged now. */
        orc_ob_flush_sess(o, id);
    } else if (s->state != SS_NONE) {
        orc_viol(o, ORC_RULE_TRACE, id, ev->t_ms, o->line, s->line, 0, 0,
                 "session %" PRIu32 " has a second session line while it is live", id);
        return;
    }
    memset(s, 0, sizeof *s);
    s->state = SS_STARTING;
    s->names_ok = true;
    s->sid = put_str(o, ev->sid, &s->names_ok);
    s->cname = put_str(o, ev->cname, &s->names_ok);
    s->mode = ev->mode;
    s->uid_start = ev->uid;
    s->uid_cur = ev->uid;
    s->uid_line = o->line;
    s->act = -1;
    s->bak = -1;
    s->t_end = -1;
    s->line = o->line;
    orc_uid_add(o, s, ev->uid);
    for (uint32_t i = 0; i < ev->users_count; i++)
        orc_user_set(o, s, ev->users[i], true);
    orc_start_accepted(o, s, ev->t_ms);
}

static void replacement_hit(orc_t *o, rec_t *r, const char *what)
{
    sess_t *s = NULL;
    act_t *a = orc_open_act_of_rec(o, r, &s);

    if (a != NULL && a->cur_rec == (uint32_t)(r - o->rec))
        orc_a3_break(o, s, a, "replacement recorder %u on server %" PRIu32 " %s",
                     (unsigned)(r - o->rec), r->srv, what);
}

/* A fault of the recorder that serves a session: its streams stop, and R14
 * waits for the center's detect (or the recorder's return). */
static void live_fault(orc_t *o, const rec_t *r, uint32_t id)
{
    if (r->sess < o->sess_hi && o->sess[r->sess].serving_rec == id)
        orc_live_pause(&o->sess[r->sess]);
}

/* A link back: for each open disconnect activation on that server, the
 * moment it could reconnect (R2). */
static void on_heal(orc_t *o, const sim_tr_ev_t *ev)
{
    srv_t *sv = orc_srv_of(o, ev->srv);
    if (sv == NULL || sv->crashed)
        return;
    orc_srv_healed(o, sv);
    orc_srv_fences_heal(o, ev->srv);
    sv->link_down = false;
    for (size_t id = 1; id < o->sess_hi; id++) {
        sess_t *s = &o->sess[id];
        if (s->state != SS_WINDOW)
            continue;
        act_t *a = &o->acts[s->act];
        /* The first return, or a new one after a return that did not
         * hold (cut again since: see must_reconnect). */
        if (a->open && a->srv == ev->srv &&
            (a->t_healed < 0 || sv->down_line > a->heal_line) &&
            o->pub[s->act].cause == SIM_CAUSE_DISCONNECT) {
            a->t_healed = ev->t_ms;
            a->heal_line = o->line;
        }
    }
}

void orc_on_fault(orc_t *o, const sim_tr_ev_t *ev)
{
    srv_t *sv;
    rec_t *r;

    switch (ev->fault) {
    case SIM_FAULT_KILL:
        if (ev->rec == 0)
            return; /* nothing was running to kill */
        r = orc_rec_of(o, ev->rec);
        if (r == NULL)
            return;
        r->killed = true;
        r->t_kill = ev->t_ms;
        r->kill_line = o->line;
        r->report_held = r->srv < o->srv_hi && o->srv[r->srv].link_down;
        live_fault(o, r, ev->rec);
        replacement_hit(o, r, "was killed before the session resumed");
        return;
    case SIM_FAULT_DISCONNECT:
    case SIM_FAULT_CRASH:
        if (ev->srv == 0)
            return; /* no server was named: nothing to cut */
        sv = orc_srv_of(o, ev->srv);
        if (sv == NULL)
            return;
        orc_srv_cut(o, sv, ev);
        sv->link_down = true;
        sv->t_down = ev->t_ms;
        sv->down_line = o->line;
        if (ev->fault == SIM_FAULT_CRASH)
            sv->crashed = true;
        for (size_t id = 1; id < o->rec_hi; id++) {
            r = &o->rec[id];
            if (!r->known || r->srv != ev->srv)
                continue;
            if (r->killed && !r->reported)
                r->report_held = true; /* its exit report waits for the link */
            live_fault(o, r, (uint32_t)id);
            if (ev->fault == SIM_FAULT_CRASH && !r->killed) {
                r->killed = true;
                r->t_kill = ev->t_ms;
                r->kill_line = o->line;
            }
            replacement_hit(o, r, ev->fault == SIM_FAULT_CRASH
                                      ? "lost its host before the session resumed"
                                      : "lost its network before the session resumed");
        }
        return;
    case SIM_FAULT_HEAL:
        on_heal(o, ev);
        return;
    case SIM_FAULT_PROVISION_FAIL:
    case SIM_FAULT_NONE:
        return; /* recorder_failed lines say whom it hit */
    }
}

void orc_slot_free(orc_t *o, rec_t *r)
{
    if (!r->slot)
        return;
    r->slot = false;
    if (r->srv < o->srv_hi && o->srv[r->srv].used > 0)
        o->srv[r->srv].used--;
}

void orc_on_exit_report(orc_t *o, const sim_tr_ev_t *ev)
{
    rec_t *r = orc_rec_of(o, ev->rec);
    sess_t *s;
    uint32_t id = ev->rec;

    if (r == NULL)
        return;
    r->reported = true;
    r->report_line = o->line;
    orc_slot_free(o, r);
    if (r->killed && !r->report_held && ev->t_ms - r->t_kill > ORC_KILL_REPORT_MS_MAX)
        orc_note(o, 2, r->sess, ev->t_ms, r->kill_line, o->line, 0, 0,
                 "the exit report of recorder %" PRIu32 " came %" PRId64
                 " ms after it was killed; A2 assumes at most %d ms",
                 id, ev->t_ms - r->t_kill, ORC_KILL_REPORT_MS_MAX);
    if (r->sess >= o->sess_hi)
        return;
    s = &o->sess[r->sess];
    if (s->state == SS_RECORDING && s->serving_rec == id) {
        orc_ob_add(o, OB_DETECT_KILL, ev->t_ms, r->sess, -1, s->detects, o->line);
    } else if (s->state == SS_WINDOW) {
        act_t *a = &o->acts[s->act];
        if (a->open && a->rec == id && o->pub[s->act].cause == SIM_CAUSE_DISCONNECT &&
            a->t_exit < 0) {
            /* Killed while disconnected: the report arrives with the link,
             * and the center may switch at once. */
            a->t_exit = ev->t_ms;
            a->exit_line = o->line;
            if (ev->t_ms < o->pub[s->act].t_detect + ORC_RECONNECT_WINDOW_MS)
                orc_ob_add(o, OB_SWITCH, ev->t_ms, r->sess, s->act, SW_EXIT, o->line);
        }
    }
}

void orc_on_user(orc_t *o, const sim_tr_ev_t *ev)
{
    /* Before its start a session has no line yet; its session line will
     * list who is in the channel then. */
    if (ev->sess == 0 || ev->sess >= o->sess_hi || o->sess[ev->sess].state == SS_NONE)
        return;
    orc_user_set(o, &o->sess[ev->sess], ev->uid, ev->joined);
    orc_live_user(o, &o->sess[ev->sess], ev->uid, ev->joined, ev->t_ms);
}

void orc_on_recorder_start(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    srv_t *sv;
    rec_t *r;
    int want;

    if (s == NULL || !orc_id_ok(o, ID_RECORDER, ev->rec))
        return;
    sv = orc_srv_of(o, ev->srv);
    if (sv == NULL)
        return;
    if (ev->rec >= o->rec_hi) {
        o->rec = orc_grow(o->rec, &o->rec_cap, (size_t)ev->rec + 1, sizeof *o->rec);
        o->rec_hi = (size_t)ev->rec + 1;
    }
    r = &o->rec[ev->rec];
    if (r->known) {
        orc_viol(o, ORC_RULE_TRACE, ev->sess, ev->t_ms, o->line, r->start_line, 0, 0,
                 "recorder id %" PRIu32 " is started a second time", ev->rec);
        return;
    }
    memset(r, 0, sizeof *r);
    r->known = true;
    r->sess = ev->sess;
    r->srv = ev->srv;
    r->uid = ev->uid;
    r->bak = ev->bak;
    r->act = s->state == SS_WINDOW ? s->act : -1;
    r->t_start = ev->t_ms;
    r->start_line = o->line;
    r->t_kill = -1;
    r->slot = true;
    sv->used++;
    r->next = s->recs;
    s->recs = ev->rec;

    if (s->state == SS_GIVING_UP || s->state == SS_ENDED) {
        orc_chk(o, 5);
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " starts recorder %" PRIu32 " after it gave up or ended",
                 ev->sess, ev->rec);
        return;
    }
    want = s->state == SS_WINDOW ? o->pub[s->act].k : -1;
    orc_chk(o, 4);
    if (ev->bak >= ORC_ACTIVATIONS_MAX) {
        orc_chk(o, 5);
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " starts recorder %" PRIu32 " with bak%d_ names; R5 never "
                 "makes a bak%d_ file", ev->sess, ev->rec, ev->bak, ORC_ACTIVATIONS_MAX);
    } else if (s->state == SS_STARTING || s->state == SS_WINDOW) {
        if (ev->bak != want)
            orc_viol(o, 4, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                     "session %" PRIu32 " starts recorder %" PRIu32 " with bak %d; its names are "
                     "bak %d now (-1: ordinary)", ev->sess, ev->rec, ev->bak, want);
    }
    if (s->state == SS_WINDOW)
        o->acts[s->act].cur_rec = ev->rec;
}

void orc_on_recorder_resume(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    act_t *a = s != NULL ? orc_window_of(o, s, "recorder_resume") : NULL;
    rec_t *r;

    if (a == NULL || (r = orc_rec_of(o, ev->rec)) == NULL)
        return;
    r->t_resume_cmd = ev->t_ms;
    r->resume_cmd_line = o->line;
    r->rejoined = false;
    a->rejoin_cut = false; /* a new rejoin, A4's again */
    if (r->fenced) {
        orc_chk(o, 9);
        orc_viol(o, 9, ev->sess, ev->t_ms, o->line, r->fence_line, 0, 0,
                 "session %" PRIu32 " asks recorder %" PRIu32 " on server %" PRIu32 " to rejoin, "
                 "but switched away from it", ev->sess, ev->rec, r->srv);
        return;
    }
    orc_chk(o, 2);
    if (ev->rec != a->rec || o->pub[s->act].cause != SIM_CAUSE_DISCONNECT)
        orc_viol(o, 2, ev->sess, ev->t_ms, o->line, a->det_line, 0, 0,
                 "session %" PRIu32 " asks recorder %" PRIu32 " to rejoin; only the disconnected "
                 "recorder %" PRIu32 " can be reconnected", ev->sess, ev->rec, a->rec);
    orc_chk(o, 4);
    if (ev->bak != o->pub[s->act].k)
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " resumes recorder %" PRIu32 " with bak %d; activation %d "
                 "names its files bak%d_", ev->sess, ev->rec, ev->bak, o->pub[s->act].k,
                 o->pub[s->act].k);
}

void orc_on_recorder_ready(orc_t *o, const sim_tr_ev_t *ev)
{
    rec_t *r = orc_rec_of(o, ev->rec);
    sess_t *s = NULL;
    act_t *a;

    if (r == NULL)
        return;
    r->ready = true;
    r->t_ready = ev->t_ms;
    r->gop_ms = ev->gop_ms;
    if (r->resume_cmd_line != 0)
        r->rejoined = true;
    a = orc_open_act_of_rec(o, r, &s);
    if (a != NULL && a->cur_rec == ev->rec && ev->t_ms - r->t_start > ORC_STARTUP_MS_MAX)
        orc_a3_break(o, s, a, "replacement recorder %" PRIu32 " became ready %" PRId64
                     " ms after its start (A3 assumes %d)", ev->rec, ev->t_ms - r->t_start,
                     ORC_STARTUP_MS_MAX);
    if (r->resume_cmd_line != 0 && ev->t_ms - r->t_resume_cmd > ORC_REJOIN_MS_MAX) {
        orc_note(o, 4, r->sess, ev->t_ms, r->resume_cmd_line, o->line, 0, 0,
                 "recorder %" PRIu32 " rejoined %" PRId64 " ms after it was asked to; A4 assumes "
                 "at most %d ms", ev->rec, ev->t_ms - r->t_resume_cmd, ORC_REJOIN_MS_MAX);
        if (r->sess < o->sess_hi && o->sess[r->sess].state == SS_WINDOW)
            o->acts[o->sess[r->sess].act].a4_broken = true;
    }
}

void orc_on_recorder_failed(orc_t *o, const sim_tr_ev_t *ev)
{
    rec_t *r = orc_rec_of(o, ev->rec);

    if (r == NULL)
        return;
    r->failed = true;
    orc_slot_free(o, r);
    replacement_hit(o, r, "failed to start");
}

void orc_on_recorder_stop(orc_t *o, const sim_tr_ev_t *ev)
{
    rec_t *r = orc_rec_of(o, ev->rec);

    if (r == NULL || ev->how != SIM_STOP_FENCE)
        return;
    orc_fence_line(o, r, true);
    if (!r->fenced) {
        r->fenced = true;
        r->fence_line = o->line;
    }
}

void orc_on_recorder_exited(orc_t *o, const sim_tr_ev_t *ev)
{
    rec_t *r = orc_rec_of(o, ev->rec);

    if (r != NULL) {
        r->exited = true;
        orc_slot_free(o, r);
    }
}

void orc_on_fenced(orc_t *o, const sim_tr_ev_t *ev)
{
    rec_t *r = orc_rec_of(o, ev->rec);

    if (r == NULL)
        return;
    orc_fence_line(o, r, false);
    if (!r->fenced) {
        r->fenced = true;
        r->fence_line = o->line;
    }
}

void orc_on_run_end(orc_t *o, const sim_tr_ev_t *ev)
{
    if (ev->events != o->line - 1)
        orc_viol(o, ORC_RULE_TRACE, 0, ev->t_ms, o->line, 0, 0, 0,
                 "run_end counts %" PRIu64 " events; %" PRIu64 " lines come before it", ev->events,
                 o->line - 1);
}
