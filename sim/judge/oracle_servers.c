/* oracle_servers.c -- servers as the center sees them: declared down, and
 * back.
 *
 * R2's detection. A disconnect or crash line carries when the server's last
 * heartbeat reached the center (last_hb_ms, L). The center must declare that
 * server down at exactly L + ORC_HEARTBEAT_TIMEOUT_MS: earlier would call a
 * live server dead, later would start R2's minute late. A heal at or before
 * then (a heal comes before the center's timer in its millisecond, as R2's
 * own 60 s boundary) brings a heartbeat, and nothing is owed any more. The
 * deadline is an obligation like a timer's: judged at the first event after
 * it, or at orc_finish() if the run went past it. Whatever the heartbeats,
 * a server whose link is up and host alive (no disconnect or crash since its
 * last heal) must not be declared down at all.
 *
 * R9 on a return. When the center sees a server back (server_up), every
 * recorder on it that a session had let go of by then -- switched away
 * from, abandoned as a failed attempt, or still had when it ended -- and
 * that is not known dead (exit report, exit, failed start, crashed host)
 * must be fenced (recorder_stop how=fence and fenced) in that same
 * millisecond, unless it already was. Judged when the millisecond is over.
 * One let go while the center saw the server up should have been fenced
 * then; if it was not, this return is where it shows.
 *
 * A fence is an order sent to the server: one written while the world's
 * lines say the server's link is down went into the cut link and was lost,
 * so it does not count, and the fence is still owed at the server's next
 * return. The center cannot tell a cut link from a quiet one until it
 * declares the server down, so it must repeat such an order then; if the
 * link comes back before that (a blip the center never saw), the server's
 * heartbeat answers after the order, the center had no way to know, and the
 * lost lines count after all.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "oracle_impl.h"

/* ---- R2: detection -------------------------------------------------------- */

void orc_srv_cut(orc_t *o, srv_t *sv, const sim_tr_ev_t *ev)
{
    int64_t l = ev->last_hb_ms;

    if (sv->link_down)
        return; /* cut again while cut off: the first cut's deadline stands */
    sv->hb_known = false;
    if (l < 0 || sv->center_down)
        return; /* unknown (A2's window judges the detect), or already declared down */
    if (l > ev->t_ms || l > INT64_MAX - ORC_HEARTBEAT_TIMEOUT_MS) {
        orc_viol(o, ORC_RULE_TRACE, 0, ev->t_ms, o->line, 0, 0, 0,
                 "line %" PRIu64 " says the last heartbeat of server %" PRIu32 " came at %" PRId64
                 " ms, after the fault at %" PRId64 " ms", o->line, ev->srv, l, ev->t_ms);
        return;
    }
    sv->hb_known = true;
    sv->hb_owed = true;
    sv->hb_last = l;
    sv->hb_cut = ev->t_ms;
    sv->hb_fault_line = o->line;
    sv->hb_gen++;
    orc_ob_add_srv(o, OB_SRV_DOWN, l + ORC_HEARTBEAT_TIMEOUT_MS, ev->srv, sv->hb_gen, o->line);
    /* The environment's half of A2: heartbeats every interval. */
    if (ev->t_ms - l > ORC_HEARTBEAT_INTERVAL_MS)
        orc_note(o, 2, 0, ev->t_ms, o->line, 0, 0, 0,
                 "the last heartbeat of server %" PRIu32 " reached the center %" PRId64
                 " ms before its link was cut; A2 assumes one every %d ms",
                 ev->srv, ev->t_ms - l, ORC_HEARTBEAT_INTERVAL_MS);
}

void orc_srv_healed(orc_t *o, srv_t *sv)
{
    if (!sv->link_down)
        return;
    sv->heal_line = o->line;
    if (sv->hb_owed) {
        /* Back in time: its heartbeat resets the center's clock, and no
         * server_down is owed any more (one now would be of a live server). */
        orc_chk(o, 2);
        sv->hb_owed = false;
        sv->hb_gen++;
    }
}

void orc_srv_declared_down(orc_t *o, srv_t *sv, const sim_tr_ev_t *ev)
{
    int64_t due;

    if (sv->center_down)
        return; /* said again while down: the first one was judged */
    orc_chk(o, 2);
    if (sv->hb_owed) {
        sv->hb_owed = false;
        sv->hb_gen++;
        due = sv->hb_last + ORC_HEARTBEAT_TIMEOUT_MS;
        /* A later one was judged when its time passed (orc_srv_ob_fire). */
        if (ev->t_ms < due)
            orc_viol(o, 2, 0, ev->t_ms, sv->hb_fault_line, o->line, 0, 0,
                     "server %" PRIu32 " was declared down %" PRId64 " ms after its last "
                     "heartbeat reached the center (at %" PRId64 " ms); R2 declares a "
                     "disconnected server down exactly %d ms after it",
                     ev->srv, ev->t_ms - sv->hb_last, sv->hb_last, ORC_HEARTBEAT_TIMEOUT_MS);
        return;
    }
    if (!sv->link_down && !sv->crashed)
        orc_viol(o, 2, 0, ev->t_ms, o->line, sv->heal_line, 0, 0,
                 "server %" PRIu32 " was declared down at %" PRId64 " ms, but its link is up "
                 "and its host alive: the center declared a live server dead",
                 ev->srv, ev->t_ms);
}

/* ---- R9: fences when a server is back ------------------------------------ */

void orc_let_go(orc_t *o, rec_t *r)
{
    if (r->let_go)
        return;
    r->let_go = true;
    r->let_go_line = o->line;
}

void orc_srv_back(orc_t *o, const sim_tr_ev_t *ev)
{
    orc_ob_add_srv(o, OB_SRV_FENCES, ev->t_ms, ev->srv, 0, o->line);
}

void orc_fence_line(orc_t *o, rec_t *r, bool stop_line)
{
    bool lost = r->srv < o->srv_hi && o->srv[r->srv].link_down;
    uint64_t *at = stop_line ? (lost ? &r->stop_lost_line : &r->stop_fence_line)
                             : (lost ? &r->fenced_lost_line : &r->fenced_line);

    if (*at == 0)
        *at = o->line;
}

void orc_srv_fences_heal(orc_t *o, uint32_t srv)
{
    if (srv >= o->srv_hi || o->srv[srv].center_down)
        return; /* the server_up that follows owes the fences again */
    for (size_t id = 1; id < o->rec_hi; id++) {
        rec_t *r = &o->rec[id];
        if (!r->known || r->srv != srv)
            continue;
        if (r->stop_fence_line == 0)
            r->stop_fence_line = r->stop_lost_line;
        if (r->fenced_line == 0)
            r->fenced_line = r->fenced_lost_line;
        r->stop_lost_line = r->fenced_lost_line = 0;
    }
}

static bool known_dead(const orc_t *o, const rec_t *r)
{
    return r->reported || r->exited || r->failed ||
           (r->srv < o->srv_hi && o->srv[r->srv].crashed);
}

static void judge_fences(orc_t *o, const ob_t *b)
{
    for (size_t id = 1; id < o->rec_hi; id++) {
        rec_t *r = &o->rec[id];
        /* Let go before the server_up line: one let go after it, while
         * the server is up, is the center's to fence at once, not here. */
        if (!r->known || r->srv != b->srv || !r->let_go || r->let_go_line > b->line ||
            r->fence_judged || known_dead(o, r))
            continue;
        if (r->stop_fence_line != 0 && r->fenced_line != 0)
            continue; /* fenced before, or now */
        orc_chk(o, 9);
        r->fence_judged = true; /* one report per recorder */
        uint64_t lost = r->stop_fence_line == 0 ? r->stop_lost_line : r->fenced_lost_line;
        orc_viol(o, 9, r->sess, b->due, b->line, r->let_go_line, r->start_line, lost,
                 "server %" PRIu32 " came back at %" PRId64 " ms but recorder %" PRIu32
                 " of session %" PRIu32 ", which the session had let go of, got no %s%s; R9 "
                 "stops it for good as soon as its server is reachable",
                 b->srv, b->due, (uint32_t)id, r->sess,
                 r->stop_fence_line == 0 ? "recorder_stop how=fence" : "fenced line",
                 lost != 0 ? " (the one sent before went into its cut link)" : "");
    }
}

void orc_srv_ob_fire(orc_t *o, const ob_t *b)
{
    srv_t *sv;

    assert(b->srv != 0 && b->srv < o->srv_hi);
    sv = &o->srv[b->srv];
    if (b->kind == OB_SRV_FENCES) {
        judge_fences(o, b);
        return;
    }
    if (!orc_srv_ob_live(o, b))
        return; /* healed, declared down, or cut anew since */
    sv->hb_owed = false;
    sv->hb_gen++;
    orc_chk(o, 2);
    /* Evidence: the cut, and the line that found the time past (the late
     * server_down itself, when that is what came next). */
    orc_viol(o, 2, 0, b->due, b->line, o->line, 0, 0,
             "server %" PRIu32 " was not declared down %d ms after its last heartbeat reached "
             "the center (at %" PRId64 " ms, link cut at %" PRId64 " ms); R2's minute counts "
             "from that moment",
             b->srv, ORC_HEARTBEAT_TIMEOUT_MS, sv->hb_last, sv->hb_cut);
}

bool orc_srv_ob_live(const orc_t *o, const ob_t *b)
{
    const srv_t *sv = &o->srv[b->srv];

    return b->kind == OB_SRV_DOWN && sv->hb_owed && sv->hb_gen == b->stamp;
}
