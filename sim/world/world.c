/* world.c -- the simulated world: the driver's platform in virtual time.
 *
 * Everything that happens is an event in one queue ordered by (time, prio,
 * insertion): world events have prio 0 and the center's timers prio 1, so
 * within one millisecond the world acts first and the center decides on
 * everything that happened up to and including that millisecond. That is
 * what makes "the link is back at exactly 60 000 ms" a reconnect.
 *
 * What a session, a fault or a command of the center means is the driver's
 * (drive/driver.h), shared with the real-process runtime. What is here is
 * the physics: when a recorder comes up, how its streams are cut into
 * slices by the GOP rule, what a cut link does to them, when a killed
 * process's exit report arrives. Scheduled events carry an epoch: a
 * recorder or a link bumps its own whenever what was scheduled for it no
 * longer holds, and a stale event is dropped when it fires.
 *
 * Randomness is the driver's streams (one per purpose, drawn in the same
 * order as on real processes); the world draws none of its own.
 */
#include "world.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive/driver.h"
#include "engine/evq.h"
#include "engine/reserve.h"
#include "trace/prefetch.h"

enum {
    EVK_ACTION,      /* a: action index */
    EVK_TIMER,       /* a: slot, b: gen, c: kind, d: index */
    EVK_HB_TICK,     /* never queued: see "the heartbeat tick" below */
    EVK_EXIT_REPORT, /* a: recorder */
    EVK_REC_UP,      /* a: recorder, b: epoch, c: core_tag (for look_ahead), d: rec_d (for
                        rec_of and look_ahead) */
    EVK_SLICE,       /* a: recorder, b: epoch, c: stream (SLICE_STREAM_BITS) and the
                        core's session + 1 above, d: its slot (sim_drv_rec_in) in the
                        low 32 bits, its session in the high (both for look_ahead) */
    EVK_HEAL,        /* a: server, b: link epoch */
    EVK_POLL,        /* a: session, c: core_tag (for look_ahead) */
    EVK_FLUSH_DONE,  /* a: recorder, b: epoch, c: core_tag, d: rec_d */
    EVK_REJOIN,      /* a: recorder, b: epoch, c: core_tag, d: rec_d */
    EVK_END,
};

/* A world event's kind carries this bit when it was pushed for the very
 * millisecond of the pending heartbeat tick, after the tick was due: it
 * comes after the tick (tick_before). */
#define EVK_AFTER_TICK (1u << 31)

enum { PRIO_WORLD = 0, PRIO_TIMER = 1 };

typedef struct {
    uint32_t uid;       /* stream owner; 0 for the mix */
    uint8_t track;      /* ha_track_t */
    uint8_t fmt;        /* ha_fmt_t */
    bool active;
    int64_t start_ms;   /* start of the slice in progress */
} w_stream_t;

/* The world's part of a recorder's slot in the driver's pool. */
typedef struct {
    uint32_t epoch;        /* bumped whenever scheduled events must be dropped */
    bool fail_start;       /* provisioning failure injected */
    bool exit_held;        /* exit report waiting for the link */
    bool report_pending;   /* a kill's exit report is scheduled */
    bool release_due;      /* on the release list */
    bool cut_recording;    /* its link was cut while it recorded */
    int32_t block;         /* stream block, -1 none */
    uint32_t release_next; /* the release list, by recorder id */
    int64_t video_slice_ms; /* of its I-frame interval (sim_env_video_slice_ms) */
    int64_t stop_ms;
    int64_t wall_ms;       /* the server's wall-clock step when it began recording */
    /* Its block's first stream (rec_stream): a composite recorder's mix,
     * which every slice reads, on the slot's own lines and not in a table
     * of its own. */
    w_stream_t stream0;
} w_rec_t;

_Static_assert(sizeof(w_rec_t) <= SIM_DRV_REC_PLATFORM_BYTES, "fits its slot");

struct sim_world {
    const scn_t *scn;
    sim_world_opts_t opts;
    sim_drv_t *drv;
    sim_evq_t q;
    uint32_t q_cap;
    bool q_full, q_full_held; /* sim_world_stats */
    /* Read on every event, kept here rather than asked of the driver each
     * time: its clock (only the loop moves it, through sim_drv_set_now),
     * its environment, server and session tables (laid out by
     * sim_drv_setup, fixed for the run) and its error text ("" while there
     * is none). */
    int64_t now_ms;
    const sim_env_t *env;
    sim_drv_server_t *servers;
    const sim_drv_session_t *sessions;
    const char *drv_err;

    sim_ev_handle_t *timer_handle;
    uint32_t timer_slots_cap;
    uint32_t *link_epoch;  /* per server */
    uint32_t link_epoch_cap;

    w_stream_t *blocks;   /* block i: streams 1 .. block_len - 1, at i * (block_len - 1) */
    int32_t *block_free;
    uint32_t blocks_cap, block_len, blocks_free_count;
    uint32_t stream_slots_cap, block_free_cap;

    uint32_t next_action;
    uint32_t release_head; /* recorders to give back at the next event */
    /* The heartbeat tick, outside the queue: due at hb_ms while hb_due.
     * held_ev: the queue's first event, popped to find that the tick comes
     * first; it comes next unless held_beaten (see next_event). */
    int64_t hb_ms;
    bool hb_due;
    bool held, held_beaten;
    int64_t held_t;
    sim_ev_data_t held_ev;
    uint64_t events;
    bool prefetch;         /* look one event ahead (a large world) */
    bool ahead;            /* look_ahead saw a slice next: ahead_ev */
    sim_ev_data_t ahead_ev;
    char err[256];
};

/* ---- small helpers ----------------------------------------------------- */

static int64_t now(const sim_world_t *w) { return w->now_ms; }

static bool reachable(const sim_world_t *w, uint32_t server)
{
    assert(server < w->scn->servers);
    return sim_drv_server_up(&w->servers[server]);
}

/* Whether an event (t_ms, kind) comes before another in the queue's order
 * (evq.h), as far as time and prio tell: ties go to the one pushed first. */
static bool ev_before(int64_t ta_ms, uint32_t ka, int64_t tb_ms, uint32_t kb)
{
    return ta_ms < tb_ms || (ta_ms == tb_ms && ka != EVK_TIMER && kb == EVK_TIMER);
}

/* Room for one more pending event? The heartbeat tick and a held event
 * count, as if they were queued. */
static bool room(sim_world_t *w)
{
    if (sim_evq_count(&w->q) + w->hb_due + w->held == sim_evq_capacity(&w->q)) {
        /* A bound, not a crash: the run is reported as too big. */
        w->q_full = true;
        w->q_full_held = w->held;
        snprintf(w->err, sizeof(w->err), "event queue full (%" PRIu32 " events)", w->q_cap);
        return false;
    }
    return true;
}

static sim_ev_handle_t push(sim_world_t *w, int64_t t_ms, uint8_t prio, uint32_t kind, uint32_t a,
                            uint32_t b, uint32_t c, uint64_t d)
{
    assert(t_ms >= now(w) && kind < EVK_AFTER_TICK);
    if (t_ms == w->hb_ms && w->hb_due && prio == PRIO_WORLD)
        kind |= EVK_AFTER_TICK;
    if (w->held && ev_before(t_ms, kind, w->held_t, w->held_ev.kind))
        w->held_beaten = true;
    sim_ev_data_t data = {kind, a, b, c, d};
    if (!room(w))
        return SIM_EV_HANDLE_NONE;
    return sim_evq_push(&w->q, t_ms, prio, data);
}

static w_rec_t *phys(sim_drv_rec_t *r) { return sim_drv_rec_platform(r); }

/* The UTC a recorder names media time t_ms by: the wall clock it read when
 * it began recording, counted on in media time -- a step of the wall clock
 * (step-clock) moves the names of recorders that begin after it, and never
 * the deadlines (drive/clock.c). */
static int64_t utc(const sim_world_t *w, sim_drv_rec_t *r, int64_t t_ms)
{
    return w->env->utc0_ms + phys(r)->wall_ms + t_ms;
}

/* Stream i of r's block: the first in r's slot, the rest in the block. */
static w_stream_t *rec_stream(sim_world_t *w, sim_drv_rec_t *r, uint32_t i)
{
    assert(phys(r)->block >= 0 && i < w->block_len);
    if (i == 0)
        return &phys(r)->stream0;
    return &w->blocks[(size_t)phys(r)->block * (w->block_len - 1) + i - 1];
}

/* Nothing will name r again once its events have run out: it is given back
 * at the top of the next event, never while a handler may still hold it. */
static void release_later(sim_world_t *w, sim_drv_rec_t *r)
{
    w_rec_t *p = phys(r);
    if (p->release_due)
        return;
    assert(p->block < 0 && "a released recorder records nothing");
    p->release_due = true;
    p->release_next = w->release_head;
    w->release_head = r->id;
}

static void release_due(sim_world_t *w)
{
    while (w->release_head != 0) {
        sim_drv_rec_t *r = sim_drv_rec(w->drv, w->release_head);
        assert(r != NULL && phys(r)->release_due);
        w->release_head = phys(r)->release_next;
        sim_drv_rec_release(w->drv, r);
    }
}

/* ---- recorders --------------------------------------------------------- */

/* A slice event's c: the stream's index, and above it the core's session
 * + 1 (0: none or too large), which look_ahead hands on without reading
 * the driver's session record (cold in a region; hot here). */
#define SLICE_STREAM_BITS 8u
_Static_assert(2 * HA_USERS_MAX < (1u << SLICE_STREAM_BITS), "a block's streams fit the bits");

/* The core's session of driver session ws + 1, or 0 (none, or too large
 * for the bits above a slice's stream). */
static uint32_t core_tag(const sim_world_t *w, uint32_t ws)
{
    assert(ws < w->scn->sessions);
    uint32_t core = w->sessions[ws].core;
    return core < (UINT32_MAX >> SLICE_STREAM_BITS) - 1 ? core + 1 : 0;
}

/* The core's session a core_tag names, or SIM_DRV_NONE. */
static uint32_t tag_core(uint32_t tag) { return tag != 0 ? tag - 1 : SIM_DRV_NONE; }

/* A recorder event's d: its slot (sim_drv_rec_in) in the low 32 bits, its
 * session in the high. */
static uint64_t rec_d(const sim_drv_rec_t *r) { return (uint64_t)r->session << 32 | r->slot; }

static uint32_t slice_c(sim_world_t *w, const sim_drv_rec_t *r, uint32_t si)
{
    assert(si < (1u << SLICE_STREAM_BITS));
    return core_tag(w, r->session) << SLICE_STREAM_BITS | si;
}

static void stream_schedule(sim_world_t *w, sim_drv_rec_t *r, uint32_t si)
{
    const w_stream_t *st = rec_stream(w, r, si);
    int64_t len = st->fmt == HA_FMT_MP4 ? SIM_MP4_SEGMENT_MS
                  : st->track == HA_TRACK_AUDIO ? SIM_SLICE_MS
                                                : phys(r)->video_slice_ms;
    push(w, st->start_ms + len, PRIO_WORLD, EVK_SLICE, r->id, phys(r)->epoch, slice_c(w, r, si),
         rec_d(r));
}

static void stream_add(sim_world_t *w, sim_drv_rec_t *r, uint32_t uid, ha_track_t track,
                       ha_fmt_t fmt)
{
    for (uint32_t i = 0; i < w->block_len; i++) {
        w_stream_t *st = rec_stream(w, r, i);
        if (!st->active) {
            *st = (w_stream_t){uid, (uint8_t)track, (uint8_t)fmt, true, now(w)};
            stream_schedule(w, r, i);
            return;
        }
    }
    /* Beyond the service's 17 recorded users: not recorded, as in reality. */
}

/* The next slice starts where this one ended; set after the core heard of
 * this one, as it always was (what the core does meanwhile sees the old
 * start). */
static void slice_done(sim_world_t *w, sim_drv_rec_t *r, w_stream_t *st, int64_t end_ms)
{
    sim_drv_slice_done_of(w->drv, r, st->uid, (ha_track_t)st->track, (ha_fmt_t)st->fmt,
                          utc(w, r, st->start_ms), utc(w, r, end_ms));
    st->start_ms = end_ms;
}

static void streams_release(sim_world_t *w, sim_drv_rec_t *r)
{
    if (phys(r)->block < 0)
        return;
    w->block_free[w->blocks_free_count++] = phys(r)->block;
    phys(r)->block = -1;
}

/* A fault cuts the slices in progress: they were never finished, so they
 * are lost -- the gap of the interruption starts at the last finished one. */
static void streams_cut(sim_world_t *w, sim_drv_rec_t *r)
{
    if (phys(r)->block < 0)
        return;
    for (uint32_t i = 0; i < w->block_len; i++) {
        w_stream_t *st = rec_stream(w, r, i);
        if (!st->active)
            continue;
        sim_drv_slice_lost(w->drv, r->id, st->uid, (ha_track_t)st->track, (ha_fmt_t)st->fmt,
                           utc(w, r, st->start_ms), utc(w, r, now(w)));
        st->active = false;
    }
    streams_release(w, r);
}

static bool recording_begin(sim_world_t *w, sim_drv_rec_t *r)
{
    if (w->blocks_free_count == 0) {
        snprintf(w->err, sizeof(w->err), "more recorders recording at once than %" PRIu32,
                 w->blocks_cap);
        return false;
    }
    phys(r)->block = w->block_free[--w->blocks_free_count];
    for (uint32_t i = 0; i < w->block_len; i++)
        rec_stream(w, r, i)->active = false;
    r->state = SIM_REC_RECORDING;
    phys(r)->epoch++;
    phys(r)->cut_recording = false;
    phys(r)->wall_ms = sim_drv_wall_offset(w->drv);
    const sim_drv_session_t *s = sim_drv_session(w->drv, r->session);
    const sim_env_t *env = w->env;
    if (w->scn->mode == SCN_MODE_INDIVIDUAL) {
        for (uint32_t u = 0; u < s->users_count; u++) {
            stream_add(w, r, s->users[u], HA_TRACK_AUDIO, HA_FMT_TS);
            stream_add(w, r, s->users[u], HA_TRACK_VIDEO, env->p_webm ? HA_FMT_WEBM : HA_FMT_TS);
        }
    } else {
        stream_add(w, r, 0, HA_TRACK_MIX, HA_FMT_TS);
        if (env->p_mp4)
            stream_add(w, r, 0, HA_TRACK_MIX, HA_FMT_MP4);
    }
    return true;
}

/* The recorder an event names by id and by the slot it had when the event
 * was pushed (rec_d), if it is still in that epoch and state: no probe of
 * the pool's index, which at a region's size is a cold line before the
 * cold record. */
static sim_drv_rec_t *rec_of(sim_world_t *w, const sim_ev_data_t *ev, sim_rec_state_t state)
{
    sim_drv_rec_t *r = sim_drv_rec_in(w->drv, (uint32_t)ev->d, ev->a);
    return r != NULL && phys(r)->epoch == ev->b && r->state == state ? r : NULL;
}

static void on_rec_up(sim_world_t *w, const sim_ev_data_t *ev)
{
    sim_drv_rec_t *r = rec_of(w, ev, SIM_REC_STARTING);
    if (r == NULL)
        return;
    if (!reachable(w, r->server)) {
        r->state = SIM_REC_PAUSED; /* started, but cannot reach channel or center */
        return;
    }
    if (phys(r)->fail_start) {
        sim_drv_rec_failed_of(w->drv, r);
        release_later(w, r);
        return;
    }
    if (recording_begin(w, r))
        sim_drv_rec_ready_of(w->drv, r);
}

static void on_slice(sim_world_t *w, uint32_t id, uint32_t epoch, uint32_t si, uint32_t slot)
{
    /* The slot it had when the slice was scheduled: no index probe, the
     * same answer (a released recorder's slot holds another id, or none). */
    sim_drv_rec_t *r = sim_drv_rec_in(w->drv, slot, id);
    if (r == NULL || phys(r)->epoch != epoch || r->state != SIM_REC_RECORDING)
        return;
    w_stream_t *st = rec_stream(w, r, si);
    if (!st->active)
        return;
    slice_done(w, r, st, now(w));
    /* The center may have answered by stopping this recorder. */
    if (r->state == SIM_REC_RECORDING && phys(r)->epoch == epoch && st->active)
        stream_schedule(w, r, si);
}

static void deliver_exit_report(sim_world_t *w, sim_drv_rec_t *r)
{
    phys(r)->exit_held = false;
    sim_drv_exit_report(w->drv, r->id);
    release_later(w, r);
}

static void on_exit_report(sim_world_t *w, uint32_t id)
{
    sim_drv_rec_t *r = sim_drv_rec(w->drv, id);
    if (r == NULL)
        return;
    phys(r)->report_pending = false;
    const sim_drv_server_t *sv = sim_drv_server(w->drv, r->server);
    if (!sv->host_up)
        release_later(w, r); /* the host agent died with it */
    else if (!sv->link_up)
        phys(r)->exit_held = true; /* sent when the link returns */
    else
        deliver_exit_report(w, r);
}

static void on_flush_done(sim_world_t *w, const sim_ev_data_t *ev)
{
    sim_drv_rec_t *r = rec_of(w, ev, SIM_REC_STOPPING);
    if (r == NULL)
        return;
    if (!reachable(w, r->server)) {
        streams_cut(w, r);
        r->state = SIM_REC_PAUSED;
        return;
    }
    /* The last slices end where the stop was asked for. */
    for (uint32_t i = 0; i < w->block_len; i++) {
        w_stream_t *st = rec_stream(w, r, i);
        if (st->active && phys(r)->stop_ms > st->start_ms)
            slice_done(w, r, st, phys(r)->stop_ms);
        st->active = false;
    }
    streams_release(w, r);
    sim_drv_rec_exited_of(w->drv, r);
    release_later(w, r);
}

/* ---- links and hosts --------------------------------------------------- */

static void link_down(sim_world_t *w, uint32_t server)
{
    sim_drv_server(w->drv, server)->link_up = false;
    w->link_epoch[server]++;
    /* Cut off from the network, a recorder gets no media and can reach
     * neither storage nor the center: what it was recording is lost, and it
     * waits for the center to tell it to resume or stop. */
    for (sim_drv_rec_t *r = sim_drv_server_recs(w->drv, server); r != NULL;
         r = sim_drv_next_on_server(w->drv, r)) {
        if (r->state == SIM_REC_RECORDING || r->state == SIM_REC_STOPPING) {
            phys(r)->cut_recording = r->state == SIM_REC_RECORDING;
            streams_cut(w, r);
            r->state = SIM_REC_PAUSED;
            phys(r)->epoch++;
        }
    }
}

/* A blip the center never noticed (the link came back before it declared the
 * server down): as a real recorder does, one that was recording rejoins the
 * channel by itself and records on; nobody tells it to (R14). */
static void rejoin_unnoticed(sim_world_t *w, uint32_t server)
{
    for (sim_drv_rec_t *r = sim_drv_server_recs(w->drv, server); r != NULL;
         r = sim_drv_next_on_server(w->drv, r)) {
        if (r->state != SIM_REC_PAUSED || !phys(r)->cut_recording)
            continue;
        phys(r)->epoch++;
        push(w, now(w) + sim_drv_draw_rejoin(w->drv), PRIO_WORLD, EVK_REJOIN, r->id,
             phys(r)->epoch, core_tag(w, r->session), rec_d(r));
    }
}

static void on_rejoin(sim_world_t *w, const sim_ev_data_t *ev)
{
    sim_drv_rec_t *r = rec_of(w, ev, SIM_REC_PAUSED);
    if (r == NULL || !reachable(w, r->server))
        return;
    if (recording_begin(w, r))
        sim_drv_rec_rejoined(w->drv, r->id);
}

static void on_heal(sim_world_t *w, uint32_t server, uint32_t link_epoch)
{
    const sim_drv_server_t *sv = sim_drv_server(w->drv, server);
    if (w->link_epoch[server] != link_epoch || sv->link_up || !sv->host_up)
        return;
    w->link_epoch[server]++;
    sim_drv_link_healed(w->drv, server);
    /* The host agent reconnects: first what it could not send, then a
     * heartbeat at once rather than at the next tick. */
    for (sim_drv_rec_t *r = sim_drv_server_recs(w->drv, server); r != NULL;
         r = sim_drv_next_on_server(w->drv, r)) {
        if (phys(r)->exit_held)
            deliver_exit_report(w, r);
    }
    sim_drv_heartbeat(w->drv, server);
    if (w->env->p_zombie) {
        /* A misbehaving recorder that records again on its own, whatever
         * the center says. */
        for (sim_drv_rec_t *r = sim_drv_server_recs(w->drv, server); r != NULL;
             r = sim_drv_next_on_server(w->drv, r)) {
            if (r->state == SIM_REC_PAUSED)
                (void)recording_begin(w, r);
        }
    } else if (!sim_drv_server(w->drv, server)->declared_down) {
        rejoin_unnoticed(w, server);
    }
}

/* ---- the heartbeat tick -------------------------------------------------
 *
 * More than half of a run's events are the host agents' heartbeat tick,
 * one every SIM_HEARTBEAT_INTERVAL_MS, each pushed by the one before. It is
 * kept out of the queue, and comes out in exactly the place the queue's
 * order (evq.h) would give it, pushed where hb_schedule is called: before
 * a later event, or a timer (prio 1) of its millisecond; after a world
 * event of its millisecond pushed before it (queue order), before one
 * pushed after it (EVK_AFTER_TICK). World events are never cancelled, so
 * the bit is all that order needs.
 *
 * Finding that the tick comes first takes the queue's first event out of
 * the queue: it is held (held_ev) and comes next after the tick, unless
 * something pushed meanwhile comes before it (push sets held_beaten). It
 * was the least of the queue, so it comes before whatever is pushed later
 * with its time and prio; a held timer that is cancelled is dropped
 * (timer_drop); and it counts towards the queue's room, as the tick does.
 * The order of events, and so the trace, is the queue's as if both were
 * in it. */

static void hb_schedule(sim_world_t *w, int64_t t_ms)
{
    if (!room(w))
        return;
    w->hb_ms = t_ms;
    w->hb_due = true;
}

/* Whether the tick comes before an event (t_ms, kind) of the queue. */
static bool tick_before(const sim_world_t *w, int64_t t_ms, uint32_t kind)
{
    return w->hb_due && (t_ms > w->hb_ms || (t_ms == w->hb_ms && (kind == EVK_TIMER ||
                                                                   (kind & EVK_AFTER_TICK) != 0)));
}

static void on_hb_tick(sim_world_t *w)
{
    sim_drv_heartbeats(w->drv, w->scn->servers);
    hb_schedule(w, now(w) + SIM_HEARTBEAT_INTERVAL_MS);
}

/* ---- the driver's operations ------------------------------------------ */

/* Cancels the pending timer of a slot: in the queue, or held (one timer
 * per slot is pending when the driver is not lazy). */
static void timer_drop(sim_world_t *w, uint32_t slot)
{
    if (w->held && w->held_ev.kind == EVK_TIMER && w->held_ev.a == slot)
        w->held = false;
    else
        (void)sim_evq_cancel(&w->q, w->timer_handle[slot]);
}

static void w_timer_arm(void *p, const ha_timer_t *t, int64_t at_ms)
{
    sim_world_t *w = p;
    assert(t->slot < w->timer_slots_cap);
    /* A lazy driver (many event loops are) leaves the old timer in its
     * queue: the center gets it later and must know it is stale. */
    if (w->timer_handle[t->slot] != SIM_EV_HANDLE_NONE && !w->env->p_lazy_timers)
        timer_drop(w, t->slot);
    w->timer_handle[t->slot] = push(w, at_ms, PRIO_TIMER, EVK_TIMER, t->slot, t->gen, t->kind,
                                    t->index);
}

static void w_timer_cancel(void *p, uint32_t slot)
{
    sim_world_t *w = p;
    assert(slot < w->timer_slots_cap);
    if (w->timer_handle[slot] != SIM_EV_HANDLE_NONE && !w->env->p_lazy_timers)
        timer_drop(w, slot);
    w->timer_handle[slot] = SIM_EV_HANDLE_NONE;
}

static void w_rec_start(void *p, const sim_drv_start_t *st)
{
    sim_world_t *w = p;
    sim_drv_rec_t *r = sim_drv_rec(w->drv, st->id);
    *phys(r) = (w_rec_t){.fail_start = st->fail, .block = -1,
                         .video_slice_ms = sim_env_video_slice_ms(st->gop_ms)};
    if (st->reachable)
        push(w, now(w) + st->latency_ms, PRIO_WORLD, EVK_REC_UP, st->id, 0,
             core_tag(w, r->session), rec_d(r));
}

static void w_rec_resume(void *p, uint32_t id, int64_t latency_ms)
{
    sim_world_t *w = p;
    sim_drv_rec_t *r = sim_drv_rec(w->drv, id);
    if (r->state == SIM_REC_RECORDING) /* a zombie: restart cleanly */
        streams_cut(w, r);
    phys(r)->epoch++;
    push(w, now(w) + latency_ms, PRIO_WORLD, EVK_REC_UP, id, phys(r)->epoch,
         core_tag(w, r->session), rec_d(r));
}

static void w_rec_stop(void *p, uint32_t id, ha_stop_how_t how, sim_rec_state_t was)
{
    sim_world_t *w = p;
    sim_drv_rec_t *r = sim_drv_rec(w->drv, id);
    w_rec_t *ph = phys(r);
    if (r->state == SIM_REC_STOPPING) {
        assert(how == HA_STOP_FLUSH && was == SIM_REC_RECORDING);
        ph->epoch++;
        ph->stop_ms = now(w);
        push(w, now(w) + SIM_FLUSH_MS, PRIO_WORLD, EVK_FLUSH_DONE, id, ph->epoch,
             core_tag(w, r->session), rec_d(r));
        return;
    }
    if (was == SIM_REC_RECORDING || was == SIM_REC_STOPPING) {
        /* Fenced while recording (a zombie): what it had is not the session's. */
        ph->epoch++;
        for (uint32_t i = 0; i < w->block_len; i++)
            rec_stream(w, r, i)->active = false;
        streams_release(w, r);
    }
    if (was != SIM_REC_DEAD) {
        ph->epoch++;
        release_later(w, r);
    }
}

static void w_rec_kill(void *p, uint32_t id, uint32_t session, int64_t report_ms)
{
    sim_world_t *w = p;
    sim_drv_rec_t *r = sim_drv_rec(w->drv, id);
    sim_drv_trace_kill(w->drv, r->server, session, id);
    streams_cut(w, r);
    phys(r)->epoch++;
    phys(r)->report_pending = true;
    push(w, now(w) + report_ms, PRIO_WORLD, EVK_EXIT_REPORT, id, 0, 0, 0);
}

static void w_link_cut(void *p, uint32_t server, uint32_t session, int64_t heal_ms,
                        bool heal_after_detection)
{
    sim_world_t *w = p;
    sim_drv_cut_done(w->drv, server, session, heal_ms, heal_after_detection);
    link_down(w, server);
    sim_drv_heal_schedule(w->drv, server, heal_ms, heal_after_detection);
}

static void w_heal_at(void *p, uint32_t server, int64_t at_ms)
{
    sim_world_t *w = p;
    push(w, at_ms, PRIO_WORLD, EVK_HEAL, server, w->link_epoch[server], 0, 0);
}

static void w_host_crash(void *p, uint32_t server)
{
    sim_world_t *w = p;
    link_down(w, server);
    sim_drv_server(w->drv, server)->host_up = false;
    for (sim_drv_rec_t *r = sim_drv_server_recs(w->drv, server); r != NULL;
         r = sim_drv_next_on_server(w->drv, r)) {
        if (r->state == SIM_REC_DEAD && phys(r)->exit_held)
            release_later(w, r); /* its report can never be sent now */
        if (r->state == SIM_REC_DEAD || r->state == SIM_REC_STOPPED)
            continue;
        streams_cut(w, r);
        phys(r)->epoch++;
        phys(r)->exit_held = false;
        if (!phys(r)->report_pending)
            release_later(w, r); /* nobody is left to report it */
    }
}

static void leave_flush(sim_world_t *w, sim_drv_rec_t *r, uint32_t uid)
{
    for (uint32_t i = 0; i < w->block_len && phys(r)->block >= 0; i++) {
        w_stream_t *st = rec_stream(w, r, i);
        if (!st->active || st->uid != uid)
            continue;
        if (phys(r)->stop_ms > st->start_ms)
            slice_done(w, r, st, phys(r)->stop_ms);
        if (phys(r)->block >= 0)
            rec_stream(w, r, i)->active = false;
    }
}

/* Individual mode records each publishing user: a recorder that is
 * recording starts that user's streams, or finishes them (the slice in
 * progress is cut at the leave: an interruption of that stream). */
static void user_streams(sim_world_t *w, uint32_t ws, uint32_t uid, bool join)
{
    const sim_env_t *env = w->env;
    for (sim_drv_rec_t *r = sim_drv_session_recs(w->drv, ws); r != NULL;
         r = sim_drv_next_of_session(w->drv, r)) {
        if (!join && r->state == SIM_REC_STOPPING) {
            /* Flushing a stop: the user's last slices end where the stop
             * was asked for, and go up before the center hears of the
             * leave (A5), not with the rest of the flush. */
            leave_flush(w, r, uid);
            continue;
        }
        if (r->state != SIM_REC_RECORDING)
            continue;
        if (join) {
            stream_add(w, r, uid, HA_TRACK_AUDIO, HA_FMT_TS);
            stream_add(w, r, uid, HA_TRACK_VIDEO, env->p_webm ? HA_FMT_WEBM : HA_FMT_TS);
            continue;
        }
        for (uint32_t i = 0; i < w->block_len && phys(r)->block >= 0; i++) {
            w_stream_t *st = rec_stream(w, r, i);
            if (!st->active || st->uid != uid)
                continue;
            if (now(w) > st->start_ms)
                slice_done(w, r, st, now(w));
            if (phys(r)->block >= 0)
                rec_stream(w, r, i)->active = false;
        }
    }
}

static void w_user_join(void *p, uint32_t session, uint32_t uid)
{
    sim_world_t *w = p;
    if (w->scn->mode == SCN_MODE_INDIVIDUAL)
        user_streams(w, session, uid, true);
}

static void w_user_leave(void *p, uint32_t session, uint32_t uid)
{
    sim_world_t *w = p;
    if (w->scn->mode == SCN_MODE_INDIVIDUAL)
        user_streams(w, session, uid, false);
    sim_drv_user_left(w->drv, session, uid);
}

static void w_poll_at(void *p, uint32_t session, int64_t at_ms)
{
    sim_world_t *w = p;
    push(w, at_ms, PRIO_WORLD, EVK_POLL, session, 0, core_tag(w, session), 0);
}

static const sim_drv_ops_t WORLD_OPS = {
    .timer_arm = w_timer_arm,
    .timer_cancel = w_timer_cancel,
    .rec_start = w_rec_start,
    .rec_resume = w_rec_resume,
    .rec_stop = w_rec_stop,
    .rec_kill = w_rec_kill,
    .link_cut = w_link_cut,
    .heal_at = w_heal_at,
    .host_crash = w_host_crash,
    .user_join = w_user_join,
    .user_leave = w_user_leave,
    .poll_at = w_poll_at,
};

/* ---- the loop ------------------------------------------------------------ */

static void schedule_next_action(sim_world_t *w)
{
    while (w->next_action < w->scn->actions_count) {
        const scn_action_t *a = &w->scn->actions[w->next_action];
        if (a->kind == SCN_ACT_END) {
            w->next_action++;
            continue;
        }
        push(w, a->at_ms, PRIO_WORLD, EVK_ACTION, w->next_action, 0, 0, 0);
        w->next_action++;
        return;
    }
}

static void on_timer(sim_world_t *w, const sim_ev_data_t *ev)
{
    w->timer_handle[ev->a] = SIM_EV_HANDLE_NONE;
    ha_timer_t t = {.slot = ev->a, .gen = ev->b, .kind = (uint8_t)ev->c, .index = (uint32_t)ev->d};
    sim_drv_timer_due(w->drv, &t);
}

static void dispatch(sim_world_t *w, const sim_ev_data_t *ev)
{
    switch (ev->kind) {
    case EVK_ACTION: {
        bool done = sim_drv_act(w->drv, &w->scn->actions[ev->a]);
        assert(done && "the world finishes every action at once");
        (void)done;
        schedule_next_action(w);
        break;
    }
    case EVK_TIMER:
        on_timer(w, ev);
        break;
    case EVK_HB_TICK:
        on_hb_tick(w);
        break;
    case EVK_EXIT_REPORT:
        on_exit_report(w, ev->a);
        break;
    case EVK_REC_UP:
        on_rec_up(w, ev);
        break;
    case EVK_SLICE:
        on_slice(w, ev->a, ev->b, ev->c & ((1u << SLICE_STREAM_BITS) - 1), (uint32_t)ev->d);
        break;
    case EVK_HEAL:
        on_heal(w, ev->a, ev->b);
        break;
    case EVK_POLL:
        sim_drv_poll_due(w->drv, ev->a);
        break;
    case EVK_FLUSH_DONE:
        on_flush_done(w, ev);
        break;
    case EVK_REJOIN:
        on_rejoin(w, ev);
        break;
    default:
        assert(0 && "unknown event kind");
    }
}

/* A world of SIM_WORLD_PREFETCH_SESSIONS or more looks one event ahead: a
 * slice next asks the driver, the core and the sink to fetch the records it
 * will read (sim_drv_prefetch_event) while this event runs, and what those
 * records point to once it is done (look_ahead_linked). A recorder's start,
 * stop or return and a poll ask for their records too: each is about one
 * session (polls are most of the events that are not slices), and each met
 * its session's records cold in the driver, the core and the oracle. It
 * changes only timing: the order of events, the trace and the verdict are
 * the same with it or without. */

static void look_ahead(sim_world_t *w)
{
    int64_t t_ms;
    sim_ev_data_t next;
    w->ahead = false;
    if (!sim_evq_peek_ahead(&w->q, &t_ms, &next))
        return;
    const uint32_t kind = next.kind & ~EVK_AFTER_TICK;
    uint32_t tag;
    switch (kind) {
    case EVK_SLICE:
        tag = next.c >> SLICE_STREAM_BITS;
        w->ahead = true; /* a slice's records point on: look_ahead_linked */
        w->ahead_ev = next;
        break;
    case EVK_REC_UP:
    case EVK_FLUSH_DONE:
    case EVK_REJOIN:
    case EVK_POLL:
        tag = next.c;
        break;
    default:
        return;
    }
    /* A recorder's event names its slot and session (rec_d); a poll is a
     * query of its session alone. */
    if (kind == EVK_POLL)
        sim_drv_prefetch_event(w->drv, SIM_DRV_NONE, 0, next.a, tag_core(tag),
                               SIM_PREFETCH_RECORDS);
    else
        sim_drv_prefetch_event(w->drv, (uint32_t)next.d, next.a, (uint32_t)(next.d >> 32),
                               tag_core(tag), SIM_PREFETCH_RECORDS);
}

/* The second stage for the slice look_ahead saw (if an event pushed since
 * comes first, the hint is wasted, not wrong). */
static void look_ahead_linked(sim_world_t *w)
{
    const sim_ev_data_t *next = &w->ahead_ev;
    const uint32_t slot = (uint32_t)next->d;
    /* The recorder's stream, in its block (the first is in its slot,
     * asked for with it). */
    sim_drv_rec_t *r = sim_drv_rec_in(w->drv, slot, next->a);
    const uint32_t si = next->c & ((1u << SLICE_STREAM_BITS) - 1);
    if (r != NULL && phys(r)->block >= 0 && si > 0 && si < w->block_len)
        SIM_PREFETCH(rec_stream(w, r, si));
    sim_drv_prefetch_event(w->drv, slot, next->a, (uint32_t)(next->d >> 32), SIM_DRV_NONE,
                           SIM_PREFETCH_LINKED);
}

static bool take_tick(sim_world_t *w, int64_t *t_ms, sim_ev_data_t *ev)
{
    w->hb_due = false;
    *t_ms = w->hb_ms;
    *ev = (sim_ev_data_t){.kind = EVK_HB_TICK};
    return true;
}

/* The next event: the tick, the held event or the queue's first. The
 * queue is asked first (a peek costs about what a pop does), and when the
 * tick comes before what it gave, that is held for later. Only when an
 * event pushed since may come before the held one (held_beaten) is the
 * queue peeked at. False when nothing is left. */
#if defined(__GNUC__)
/* Its one caller's: link-time inlining let it go out of line when the
 * code around it grew (20 M more instructions in 300 swarm runs). */
__attribute__((always_inline)) inline
#endif
static bool next_event(sim_world_t *w, int64_t *t_ms, sim_ev_data_t *ev)
{
    if (w->held && w->held_beaten) {
        int64_t t;
        sim_ev_data_t head;
        if (sim_evq_peek(&w->q, &t, &head) && ev_before(t, head.kind, w->held_t, w->held_ev.kind)) {
            if (tick_before(w, t, head.kind))
                return take_tick(w, t_ms, ev);
            return sim_evq_pop(&w->q, t_ms, ev);
        }
        w->held_beaten = false;
    }
    if (w->held) {
        if (tick_before(w, w->held_t, w->held_ev.kind))
            return take_tick(w, t_ms, ev);
        w->held = false;
        *t_ms = w->held_t;
        *ev = w->held_ev;
        return true;
    }
    if (!sim_evq_pop(&w->q, t_ms, ev))
        return w->hb_due && take_tick(w, t_ms, ev);
    if (!tick_before(w, *t_ms, ev->kind))
        return true;
    w->held = true;
    w->held_beaten = false;
    w->held_t = *t_ms;
    w->held_ev = *ev;
    return take_tick(w, t_ms, ev);
}

static void loop(sim_world_t *w)
{
    w->hb_due = false;
    w->held = false;
    w->ahead = false;
    hb_schedule(w, 0);
    schedule_next_action(w);
    push(w, w->scn->end_ms, PRIO_WORLD, EVK_END, 0, 0, 0, 0);
    int64_t t_ms;
    sim_ev_data_t ev;
    while (w->err[0] == '\0' && w->drv_err[0] == '\0' && next_event(w, &t_ms, &ev)) {
        ev.kind &= ~EVK_AFTER_TICK;
        if (w->release_head != 0)
            release_due(w);
        if (t_ms != w->now_ms) {
            sim_drv_set_now(w->drv, t_ms);
            w->now_ms = t_ms;
        }
        w->events++;
        if (ev.kind == EVK_END)
            break;
        if (w->prefetch)
            look_ahead(w);
        dispatch(w, &ev);
        if (w->ahead)
            look_ahead_linked(w);
    }
    release_due(w);
}

/* ---- set-up -------------------------------------------------------------- */

sim_world_t *sim_world_new(void)
{
    sim_world_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->drv = sim_drv_new();
    if (w->drv == NULL) {
        free(w);
        return NULL;
    }
    return w;
}

void sim_world_free(sim_world_t *w)
{
    if (w == NULL)
        return;
    if (w->q_cap > 0)
        sim_evq_free(&w->q);
    sim_drv_free(w->drv);
    free(w->timer_handle);
    free(w->link_epoch);
    free(w->blocks);
    free(w->block_free);
    free(w);
}

/* A queue of at least qcap events; of exactly qcap when exact (a test's
 * bound), else a larger one a run before left is kept. */
static int queue_setup(sim_world_t *w, size_t qcap, bool exact)
{
    if (qcap > SIM_EVQ_CAPACITY_MAX)
        qcap = SIM_EVQ_CAPACITY_MAX;
    if (w->q_cap < qcap || (exact && w->q_cap != qcap)) {
        if (w->q_cap > 0)
            sim_evq_free(&w->q);
        w->q_cap = 0;
        if (sim_evq_init(&w->q, (uint32_t)qcap) != 0)
            return -1;
        w->q_cap = (uint32_t)qcap;
        return 0;
    }
    /* drain what a previous run left */
    int64_t t;
    sim_ev_data_t d;
    while (sim_evq_pop(&w->q, &t, &d)) {
    }
    return 0;
}

static int setup(sim_world_t *w, const scn_t *scn, const sim_world_opts_t *opts, char *err,
                 size_t err_cap)
{
    w->scn = scn;
    w->opts = *opts;
    w->err[0] = '\0';
    w->q_full = w->q_full_held = false;
    w->events = 0;
    w->next_action = 0;
    w->release_head = 0;
    w->prefetch = scn->sessions >= (opts->prefetch_from_sessions != 0
                                        ? opts->prefetch_from_sessions
                                        : SIM_WORLD_PREFETCH_SESSIONS);
    sim_drv_opts_t o = {.scn = scn, .seed = opts->seed, .utc0_ms = opts->utc0_ms,
                        .sink = opts->sink, .sink_ctx = opts->sink_ctx,
                        .prefetch = opts->prefetch, .ops = &WORLD_OPS, .platform = w};
    if (sim_drv_setup(w->drv, &o, err, err_cap) != 0)
        return -1;
    w->now_ms = sim_drv_now(w->drv);
    w->env = sim_drv_env(w->drv);
    w->servers = sim_drv_server(w->drv, 0);
    w->sessions = sim_drv_session(w->drv, 0);
    w->drv_err = sim_drv_error_text(w->drv);
    const sim_env_t *env = w->env;
    uint32_t n_srv = scn->servers, n_ses = scn->sessions;
    w->block_len = scn->mode == SCN_MODE_INDIVIDUAL ? 2 * HA_USERS_MAX : 2;
    /* Recorders recording at once: one per session, a second while a stop
     * flushes; with zombies, every abandoned replacement of an activation
     * may record too. Each has a slice event per stream pending. */
    size_t per_session = env->p_zombie ? 2 + HA_ATTEMPTS_PER_ACTIVATION_MAX : 2;
    size_t blocks = (size_t)n_ses * per_session + 16;
    size_t recs = (size_t)n_ses * 8 + 64;
    /* Timers: one event per slot, or a few stale ones with a lazy driver. */
    size_t timers = ((size_t)n_srv + 2 * (size_t)n_ses) * (env->p_lazy_timers ? 8 : 1);
    size_t qcap = blocks * w->block_len + timers + recs + (size_t)n_ses * 4 + (size_t)n_srv * 4 + 64;
    uint32_t slots = sim_drv_timer_slots(w->drv);
    if (!sim_reserve((void **)&w->timer_handle, &w->timer_slots_cap, slots, sizeof(*w->timer_handle)) ||
        !sim_reserve((void **)&w->link_epoch, &w->link_epoch_cap, n_srv, sizeof(*w->link_epoch)) ||
        !sim_reserve((void **)&w->blocks, &w->stream_slots_cap, blocks * (w->block_len - 1),
                 sizeof(*w->blocks)) ||
        !sim_reserve((void **)&w->block_free, &w->block_free_cap, blocks, sizeof(*w->block_free)) ||
        queue_setup(w, opts->queue_capacity != 0 ? opts->queue_capacity : qcap,
                    opts->queue_capacity != 0) != 0) {
        snprintf(err, err_cap, "out of memory for a world of %" PRIu32 " sessions on %" PRIu32
                 " servers", n_ses, n_srv);
        return -1;
    }
    memset(w->timer_handle, 0, sizeof(*w->timer_handle) * w->timer_slots_cap);
    memset(w->link_epoch, 0, sizeof(*w->link_epoch) * n_srv);
    w->blocks_cap = (uint32_t)blocks;
    w->blocks_free_count = 0;
    for (uint32_t i = (uint32_t)blocks; i-- > 0;)
        w->block_free[w->blocks_free_count++] = (int32_t)i;
    return 0;
}

int sim_world_run(sim_world_t *w, const scn_t *scn, const sim_world_opts_t *opts, char *err,
                  size_t err_cap)
{
    assert(w != NULL && scn != NULL && opts != NULL && opts->sink != NULL);
    const char *name = scn->path[0] ? scn->path : "<scenario>";
    if (scn->servers == 0 || scn->sessions == 0) {
        snprintf(err, err_cap, "%s: error: a world needs at least one server and one session",
                 name);
        return 2;
    }
    char why[256];
    if (setup(w, scn, opts, why, sizeof(why)) != 0) {
        snprintf(err, err_cap, "%s: error: %s", name, why);
        return 2;
    }
    sim_drv_trace_run(w->drv, opts->scenario_path);
    loop(w);
    int64_t end_ms = now(w) > scn->end_ms ? now(w) : scn->end_ms;
    sim_drv_set_now(w->drv, end_ms);
    w->now_ms = end_ms;
    const char *limit = w->err[0] != '\0' ? w->err : sim_drv_error(w->drv);
    if (limit != NULL) {
        snprintf(err, err_cap, "%s: error: world limit: %s", name, limit);
        return 2;
    }
    sim_drv_trace_run_end(w->drv);
    return 0;
}

sim_world_stats_t sim_world_stats(const sim_world_t *w)
{
    sim_drv_stats_t d = sim_drv_stats(w->drv);
    return (sim_world_stats_t){.events = w->events, .inputs = d.inputs,
                               .trace_events = d.trace_events,
                               .end_t_ms = sim_drv_now(w->drv), .queue_full = w->q_full,
                               .queue_full_held = w->q_full_held};
}

const char *sim_world_driver_failure(const sim_world_t *w) { return sim_drv_failure(w->drv); }

sim_world_session_t sim_world_session(const sim_world_t *w, uint32_t ws)
{
    sim_world_session_t v = {HA_ST_FREE, 0, 0};
    if (ws >= w->scn->sessions)
        return v;
    uint32_t si = sim_drv_session(w->drv, ws)->core;
    if (si == SIM_DRV_NONE)
        return v;
    const ha_center_t *core = sim_drv_core(w->drv);
    v.state = (int)ha_session_state(core, si);
    v.activations = ha_session_activations(core, si);
    v.uid = ha_session_uid(core, si);
    return v;
}

void sim_world_add_transitions(const sim_world_t *w, uint64_t *table)
{
    sim_drv_add_transitions(w->drv, table);
}
