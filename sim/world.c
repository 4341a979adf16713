/* world.c -- the simulated world: one event loop in virtual milliseconds.
 *
 * Everything that happens is an event in one queue ordered by (time, prio,
 * insertion): world events have prio 0 and the center's timers prio 1, so
 * within one millisecond the world acts first and the center decides on
 * everything that happened up to and including that millisecond. That is
 * what makes "the link is back at exactly 60 000 ms" a reconnect.
 *
 * The center's commands arrive through w_emit() while the center is inside
 * ha_center_input(); the world may not call back in, so it only records
 * what the command means and schedules the consequences.
 *
 * Randomness: one stream per purpose (kill reports, start-ups, rejoins,
 * GOPs, UIDs for the center, sids), each derived from the run's seed, so that
 * one more kill does not shift the start-up latencies of everything after.
 */
#include "world.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evq.h"
#include "ha.h"
#include "liar.h"
#include "rng.h"
#include "trace_cmd.h"
#include "world_env.h"

enum {
    EVK_ACTION,      /* a: action index */
    EVK_TIMER,       /* a: slot, b: gen, c: kind, d: index */
    EVK_HB_TICK,
    EVK_EXIT_REPORT, /* a: recorder */
    EVK_REC_UP,      /* a: recorder, b: epoch */
    EVK_SLICE,       /* a: recorder, b: epoch, c: stream */
    EVK_HEAL,        /* a: server, b: link epoch */
    EVK_POLL,        /* a: session */
    EVK_FLUSH_DONE,  /* a: recorder, b: epoch */
    EVK_END,
};

enum { PRIO_WORLD = 0, PRIO_TIMER = 1 };

typedef enum { REC_STARTING, REC_RECORDING, REC_PAUSED, REC_STOPPING, REC_DEAD, REC_STOPPED } rec_state_t;

typedef struct {
    uint32_t uid;       /* stream owner; 0 for the mix */
    uint8_t track;      /* ha_track_t */
    uint8_t fmt;        /* ha_fmt_t */
    bool active;
    int64_t start_ms;   /* start of the slice in progress */
} w_stream_t;

typedef struct {
    uint32_t session;   /* world index */
    uint32_t server;
    uint32_t uid;
    rec_state_t state;
    uint32_t epoch;     /* bumped whenever scheduled events must be dropped */
    bool fail_start;    /* provisioning failure injected */
    bool exists;
    bool exit_held;     /* exit report waiting for the link */
    int64_t gop_ms;
    int64_t stop_ms;
    int32_t block;      /* stream block, -1 none */
} w_rec_t;

typedef struct {
    uint32_t capacity;
    bool host_up;
    bool link_up;
    uint32_t link_epoch;
    int64_t heal_after_detect_ms; /* -1 none */
    int64_t last_hb_ms;           /* last heartbeat delivered, -1 none */
} w_server_t;

typedef struct {
    uint32_t core;      /* the center's session index, UINT32_MAX before start */
    uint32_t newest_rec;
    char sid[HA_SID_LEN + 1];
    char cname[HA_CNAME_MAX + 1];
    uint32_t users[HA_USERS_MAX];
    uint32_t users_count;
    uint32_t poll_stage; /* 404s in a row the poller has seen */
    bool poll_on;
    bool ended;
} w_session_t;

typedef struct {
    uint32_t world_session;
    sim_by_t by;
    int expect;
    ha_call_t call;
} w_request_t;

struct sim_world {
    const scn_t *scn;
    sim_world_opts_t opts;
    int64_t now_ms;
    sim_evq_t q;
    uint32_t q_cap;

    void *core_mem;
    size_t core_mem_size;
    ha_center_t *core;
    sim_ev_handle_t *timer_handle;
    uint32_t timer_slots_cap;

    w_server_t *servers;
    uint32_t servers_cap;
    w_session_t *sessions;
    uint32_t sessions_cap;
    uint32_t *core_to_world;
    w_rec_t *recs;
    uint32_t recs_cap;
    w_stream_t *blocks;   /* block i: streams [i*block_len, (i+1)*block_len) */
    int32_t *block_free;
    uint32_t blocks_cap, block_len, blocks_free_count;
    uint32_t c2w_cap, stream_slots_cap, block_free_cap;

    uint32_t provision_fail_left;
    uint32_t next_action;
    uint64_t next_req;
    w_request_t req;      /* the call in flight (replies are synchronous) */

    sim_env_t env; /* parameters and random streams (world_env.c) */
    sim_liar_t liar;        /* the hostile driver's lies (liar.c) */
    uint32_t hostile_draws; /* the hostile random source's position */

    sim_world_stats_t stats;
    char err[256];
};

/* ---- small helpers ----------------------------------------------------- */

static void trace(sim_world_t *w, sim_tr_ev_t *ev)
{
    w->stats.trace_events++;
    w->opts.sink(w->opts.sink_ctx, ev);
}

static sim_ev_handle_t push(sim_world_t *w, int64_t t_ms, uint8_t prio, uint32_t kind, uint32_t a,
                            uint32_t b, uint32_t c, uint64_t d)
{
    sim_ev_data_t data = {kind, a, b, c, d};
    assert(t_ms >= w->now_ms);
    if (sim_evq_count(&w->q) == sim_evq_capacity(&w->q)) {
        /* A bound, not a crash: the run is reported as too big. */
        snprintf(w->err, sizeof(w->err), "event queue full (%" PRIu32 " events)", w->q_cap);
        return SIM_EV_HANDLE_NONE;
    }
    return sim_evq_push(&w->q, t_ms, prio, data);
}

static int64_t utc(const sim_world_t *w, int64_t t_ms) { return w->opts.utc0_ms + t_ms; }

static void input(sim_world_t *w, ha_input_t *in)
{
    in->t_ms = w->now_ms;
    w->stats.inputs++;
    ha_center_input(w->core, in);
    /* A hostile network delivers some messages twice, and a driver may fire
     * a timer twice: the center must take the second as a no-op. */
    if (w->env.p_hostile &&
        (in->kind == HA_IN_EXIT_REPORT || in->kind == HA_IN_RECORDER_EXITED ||
         (in->kind == HA_IN_TIMER && in->u.timer.kind == HA_TIMER_SERVER_HEARTBEAT))) {
        w->stats.inputs++;
        ha_center_input(w->core, in);
    }
    if (w->env.p_hostile)
        sim_liar_after(&w->liar, in);
}

static uint32_t one_based(uint32_t index) { return index == UINT32_MAX ? 0 : index + 1; }

static w_rec_t *rec_get(sim_world_t *w, uint32_t id)
{
    if (id == 0 || id >= w->recs_cap || !w->recs[id].exists)
        return NULL;
    return &w->recs[id];
}

static w_stream_t *rec_streams(sim_world_t *w, const w_rec_t *r)
{
    assert(r->block >= 0);
    return &w->blocks[(size_t)r->block * w->block_len];
}


/* ---- recorders --------------------------------------------------------- */

static void stream_schedule(sim_world_t *w, uint32_t id, const w_rec_t *r, uint32_t si)
{
    const w_stream_t *st = &rec_streams(w, r)[si];
    int64_t len = st->fmt == HA_FMT_MP4 ? SIM_MP4_SEGMENT_MS
                  : st->track == HA_TRACK_AUDIO ? SIM_SLICE_MS
                                                : sim_env_video_slice_ms(r->gop_ms);
    push(w, st->start_ms + len, PRIO_WORLD, EVK_SLICE, id, r->epoch, si, 0);
}

static void stream_add(sim_world_t *w, uint32_t id, w_rec_t *r, uint32_t uid, ha_track_t track,
                       ha_fmt_t fmt)
{
    w_stream_t *sts = rec_streams(w, r);
    for (uint32_t i = 0; i < w->block_len; i++) {
        if (!sts[i].active) {
            sts[i] = (w_stream_t){uid, (uint8_t)track, (uint8_t)fmt, true, w->now_ms};
            stream_schedule(w, id, r, i);
            return;
        }
    }
    /* Beyond the service's 17 recorded users: not recorded, as in reality. */
}

static void slice_done(sim_world_t *w, uint32_t id, w_rec_t *r, w_stream_t *st, int64_t end_ms)
{
    const w_session_t *s = &w->sessions[r->session];
    sim_tr_ev_t ev = sim_tr_ev(w->now_ms, SIM_TR_SLICE_DONE);
    ev.sess = r->session + 1;
    ev.srv = r->server + 1;
    ev.rec = id;
    ev.uid = st->uid;
    ev.track = st->track;
    ev.fmt = st->fmt;
    ev.start_utc_ms = utc(w, st->start_ms);
    ev.end_utc_ms = utc(w, end_ms);
    trace(w, &ev);

    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.kind = HA_IN_SLICE;
    in.u.slice.session = s->core;
    in.u.slice.server = r->server;
    in.u.slice.recorder = id;
    in.u.slice.uid = st->uid;
    in.u.slice.track = (ha_track_t)st->track;
    in.u.slice.fmt = (ha_fmt_t)st->fmt;
    in.u.slice.start_utc_ms = ev.start_utc_ms;
    in.u.slice.end_utc_ms = ev.end_utc_ms;
    input(w, &in);
    st->start_ms = end_ms;
}

static void streams_release(sim_world_t *w, w_rec_t *r)
{
    if (r->block < 0)
        return;
    w->block_free[w->blocks_free_count++] = r->block;
    r->block = -1;
}

/* A fault cuts the slices in progress: they were never finished, so they
 * are lost -- the gap of the interruption starts at the last finished one. */
static void streams_cut(sim_world_t *w, uint32_t id, w_rec_t *r)
{
    if (r->block < 0)
        return;
    w_stream_t *sts = rec_streams(w, r);
    for (uint32_t i = 0; i < w->block_len; i++) {
        if (!sts[i].active)
            continue;
        sim_tr_ev_t ev = sim_tr_ev(w->now_ms, SIM_TR_SLICE_LOST);
        ev.sess = r->session + 1;
        ev.srv = r->server + 1;
        ev.rec = id;
        ev.uid = sts[i].uid;
        ev.track = sts[i].track;
        ev.fmt = sts[i].fmt;
        ev.start_utc_ms = utc(w, sts[i].start_ms);
        ev.end_utc_ms = utc(w, w->now_ms);
        trace(w, &ev);
        sts[i].active = false;
    }
    streams_release(w, r);
}

static bool recording_begin(sim_world_t *w, uint32_t id, w_rec_t *r)
{
    if (w->blocks_free_count == 0) {
        snprintf(w->err, sizeof(w->err), "more recorders recording at once than %" PRIu32,
                 w->blocks_cap);
        return false;
    }
    r->block = w->block_free[--w->blocks_free_count];
    w_stream_t *sts = rec_streams(w, r);
    for (uint32_t i = 0; i < w->block_len; i++)
        sts[i].active = false;
    r->state = REC_RECORDING;
    r->epoch++;
    const w_session_t *s = &w->sessions[r->session];
    if (w->scn->mode == SCN_MODE_INDIVIDUAL) {
        for (uint32_t u = 0; u < s->users_count; u++) {
            stream_add(w, id, r, s->users[u], HA_TRACK_AUDIO, HA_FMT_TS);
            stream_add(w, id, r, s->users[u], HA_TRACK_VIDEO, w->env.p_webm ? HA_FMT_WEBM : HA_FMT_TS);
        }
    } else {
        stream_add(w, id, r, 0, HA_TRACK_MIX, HA_FMT_TS);
        if (w->env.p_mp4)
            stream_add(w, id, r, 0, HA_TRACK_MIX, HA_FMT_MP4);
    }
    return true;
}

static void rec_trace(sim_world_t *w, sim_tr_kind_t kind, uint32_t id, const w_rec_t *r)
{
    sim_tr_ev_t ev = sim_tr_ev(w->now_ms, kind);
    ev.sess = r->session + 1;
    ev.srv = r->server + 1;
    ev.rec = id;
    if (kind == SIM_TR_RECORDER_READY)
        ev.uid = r->uid;
    trace(w, &ev);
}

static void rec_input(sim_world_t *w, ha_in_kind_t kind, uint32_t id, const w_rec_t *r)
{
    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.kind = kind;
    in.u.recorder.session = w->sessions[r->session].core;
    in.u.recorder.server = r->server;
    in.u.recorder.recorder = id;
    input(w, &in);
}

static bool server_reachable(const w_server_t *sv) { return sv->host_up && sv->link_up; }

static void on_rec_up(sim_world_t *w, uint32_t id, uint32_t epoch)
{
    w_rec_t *r = rec_get(w, id);
    if (r == NULL || r->epoch != epoch || r->state != REC_STARTING)
        return;
    if (!server_reachable(&w->servers[r->server])) {
        r->state = REC_PAUSED; /* started, but cannot reach channel or center */
        return;
    }
    if (r->fail_start) {
        r->state = REC_DEAD;
        rec_trace(w, SIM_TR_RECORDER_FAILED, id, r);
        rec_input(w, HA_IN_RECORDER_FAILED, id, r);
        return;
    }
    if (!recording_begin(w, id, r))
        return;
    rec_trace(w, SIM_TR_RECORDER_READY, id, r);
    rec_input(w, HA_IN_RECORDER_READY, id, r);
}

static void on_slice(sim_world_t *w, uint32_t id, uint32_t epoch, uint32_t si)
{
    w_rec_t *r = rec_get(w, id);
    if (r == NULL || r->epoch != epoch || r->state != REC_RECORDING)
        return;
    w_stream_t *st = &rec_streams(w, r)[si];
    if (!st->active)
        return;
    slice_done(w, id, r, st, w->now_ms);
    /* The center may have answered by stopping this recorder. */
    if (r->state == REC_RECORDING && r->epoch == epoch && st->active)
        stream_schedule(w, id, r, si);
}

static void deliver_exit_report(sim_world_t *w, uint32_t id, w_rec_t *r)
{
    r->exit_held = false;
    sim_tr_ev_t ev = sim_tr_ev(w->now_ms, SIM_TR_EXIT_REPORT);
    ev.srv = r->server + 1;
    ev.rec = id;
    trace(w, &ev);
    rec_input(w, HA_IN_EXIT_REPORT, id, r);
}

static void on_exit_report(sim_world_t *w, uint32_t id)
{
    w_rec_t *r = rec_get(w, id);
    if (r == NULL)
        return;
    const w_server_t *sv = &w->servers[r->server];
    if (!sv->host_up)
        return; /* the host agent died with it */
    if (!sv->link_up) {
        r->exit_held = true; /* sent when the link returns */
        return;
    }
    deliver_exit_report(w, id, r);
}

static void on_flush_done(sim_world_t *w, uint32_t id, uint32_t epoch)
{
    w_rec_t *r = rec_get(w, id);
    if (r == NULL || r->epoch != epoch || r->state != REC_STOPPING)
        return;
    if (!server_reachable(&w->servers[r->server])) {
        streams_cut(w, id, r);
        r->state = REC_PAUSED;
        return;
    }
    /* The last slices end where the stop was asked for. */
    w_stream_t *sts = rec_streams(w, r);
    for (uint32_t i = 0; i < w->block_len; i++) {
        if (sts[i].active && r->stop_ms > sts[i].start_ms)
            slice_done(w, id, r, &sts[i], r->stop_ms);
        sts[i].active = false;
    }
    streams_release(w, r);
    r->state = REC_STOPPED;
    rec_trace(w, SIM_TR_RECORDER_EXITED, id, r);
    rec_input(w, HA_IN_RECORDER_EXITED, id, r);
}

/* ---- links and hosts --------------------------------------------------- */

static void link_down(sim_world_t *w, uint32_t server)
{
    w_server_t *sv = &w->servers[server];
    sv->link_up = false;
    sv->link_epoch++;
    /* Cut off from the network, a recorder gets no media and can reach
     * neither storage nor the center: what it was recording is lost, and it
     * waits for the center to tell it to resume or stop. */
    for (uint32_t id = 1; id < w->recs_cap; id++) {
        w_rec_t *r = &w->recs[id];
        if (!r->exists || r->server != server)
            continue;
        if (r->state == REC_RECORDING || r->state == REC_STOPPING) {
            streams_cut(w, id, r);
            r->state = REC_PAUSED;
            r->epoch++;
        }
    }
}

static void link_heal(sim_world_t *w, uint32_t server)
{
    w_server_t *sv = &w->servers[server];
    if (sv->link_up || !sv->host_up)
        return;
    sv->link_up = true;
    sv->link_epoch++;
    sv->heal_after_detect_ms = -1;
    sim_tr_ev_t ev = sim_tr_ev(w->now_ms, SIM_TR_FAULT);
    ev.fault = SIM_FAULT_HEAL;
    ev.srv = server + 1;
    trace(w, &ev);

    /* The host agent reconnects: first what it could not send, then a
     * heartbeat at once rather than at the next tick. */
    for (uint32_t id = 1; id < w->recs_cap; id++) {
        w_rec_t *r = &w->recs[id];
        if (r->exists && r->server == server && r->exit_held)
            deliver_exit_report(w, id, r);
    }
    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.kind = HA_IN_HEARTBEAT;
    in.u.heartbeat.server = server;
    input(w, &in);
    sv->last_hb_ms = w->now_ms;

    if (w->env.p_zombie) {
        /* A misbehaving recorder that records again on its own, whatever
         * the center says. */
        for (uint32_t id = 1; id < w->recs_cap; id++) {
            w_rec_t *r = &w->recs[id];
            if (r->exists && r->server == server && r->state == REC_PAUSED)
                (void)recording_begin(w, id, r);
        }
    }
}

static void on_heal(sim_world_t *w, uint32_t server, uint32_t link_epoch)
{
    if (w->servers[server].link_epoch == link_epoch)
        link_heal(w, server);
}

static void on_hb_tick(sim_world_t *w)
{
    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.kind = HA_IN_HEARTBEAT;
    for (uint32_t i = 0; i < w->scn->servers; i++) {
        if (server_reachable(&w->servers[i])) {
            in.u.heartbeat.server = i;
            input(w, &in);
            w->servers[i].last_hb_ms = w->now_ms;
        }
    }
    push(w, w->now_ms + SIM_HEARTBEAT_INTERVAL_MS, PRIO_WORLD, EVK_HB_TICK, 0, 0, 0, 0);
}

/* ---- the center's commands --------------------------------------------- */

static void emit_reply(sim_world_t *w, const ha_reply_t *rep)
{
    w_request_t *rq = &w->req;
    w_session_t *s = rq->world_session < w->scn->sessions ? &w->sessions[rq->world_session] : NULL;
    if (rq->call == HA_CALL_START && rep->http == 200 && s != NULL) {
        s->core = rep->session;
        if (rep->session < w->scn->sessions)
            w->core_to_world[rep->session] = rq->world_session;
        s->ended = false;
        sim_tr_ev_t ev = sim_tr_ev(w->now_ms, SIM_TR_SESSION);
        ev.sess = rq->world_session + 1;
        ev.sid = s->sid;
        ev.cname = s->cname;
        ev.mode = (int)w->scn->mode;
        ev.uid = SIM_RECORDER_UID_BASE + rq->world_session;
        ev.users = s->users;
        ev.users_count = s->users_count;
        trace(w, &ev);
        if (w->env.p_poll && !s->poll_on) {
            s->poll_on = true;
            s->poll_stage = 0;
            push(w, w->now_ms + SIM_POLL_FIRST_MS, PRIO_WORLD, EVK_POLL, rq->world_session, 0, 0, 0);
        }
    }
    sim_tr_ev_t ev = sim_tr_of_reply(w->now_ms, rep, rq->world_session + 1, rq->call, rq->by,
                                     rq->expect);
    trace(w, &ev);

    if (rq->by == SIM_BY_POLLER && s != NULL && s->poll_on) {
        int64_t next_ms = sim_env_poll_next_ms(&s->poll_stage, rep->http);
        push(w, w->now_ms + next_ms, PRIO_WORLD, EVK_POLL, rq->world_session, 0, 0, 0);
    }
}

static uint32_t world_session_of(const sim_world_t *w, uint32_t core_si)
{
    return core_si < w->scn->sessions ? w->core_to_world[core_si] : UINT32_MAX;
}

static void emit_recorder(sim_world_t *w, const ha_cmd_t *cmd)
{
    uint32_t id = cmd->u.recorder.recorder;
    uint32_t ws = world_session_of(w, cmd->u.recorder.session);
    uint32_t server = cmd->u.recorder.server;
    assert(ws != UINT32_MAX && server < w->scn->servers);

    sim_tr_ev_t ev = sim_tr_of_recorder(w->now_ms, cmd, ws + 1);
    trace(w, &ev);

    const w_server_t *sv = &w->servers[server];
    if (cmd->kind == HA_CMD_RECORDER_START) {
        if (id >= w->recs_cap) {
            size_t cap = (size_t)w->recs_cap * 2;
            while (cap <= id)
                cap *= 2;
            w_rec_t *grown = realloc(w->recs, cap * sizeof(*grown));
            if (grown == NULL) {
                snprintf(w->err, sizeof(w->err), "out of memory for recorders");
                return;
            }
            memset(grown + w->recs_cap, 0, (cap - w->recs_cap) * sizeof(*grown));
            w->recs = grown;
            w->recs_cap = (uint32_t)cap;
        }
        w_rec_t *r = &w->recs[id];
        assert(!r->exists && "the center reused a recorder id");
        *r = (w_rec_t){.session = ws, .server = server, .uid = cmd->u.recorder.uid,
                       .state = REC_STARTING, .exists = true, .block = -1};
        r->gop_ms = sim_rng_range(&w->env.rng_gop, w->env.p_gop_lo, w->env.p_gop_hi);
        w->sessions[ws].newest_rec = id;
        if (!server_reachable(sv))
            return; /* the order never arrives; the center's attempt times out */
        if (w->provision_fail_left > 0) {
            w->provision_fail_left--;
            r->fail_start = true;
        }
        int64_t latency = sim_rng_range(&w->env.rng_start, w->env.p_start_lo, w->env.p_start_hi);
        push(w, w->now_ms + latency, PRIO_WORLD, EVK_REC_UP, id, r->epoch, 0, 0);
        return;
    }

    w_rec_t *r = rec_get(w, id);
    if (r == NULL || !server_reachable(sv))
        return;
    if (cmd->kind == HA_CMD_RECORDER_RESUME) {
        if (r->state == REC_RECORDING) /* a zombie: restart cleanly */
            streams_cut(w, id, r);
        if (r->state == REC_PAUSED || r->state == REC_RECORDING) {
            r->state = REC_STARTING;
            r->epoch++;
            int64_t latency = sim_rng_range(&w->env.rng_rejoin, w->env.p_rejoin_lo, w->env.p_rejoin_hi);
            push(w, w->now_ms + latency, PRIO_WORLD, EVK_REC_UP, id, r->epoch, 0, 0);
        }
        return;
    }
    /* RECORDER_STOP */
    if (cmd->u.recorder.how == HA_STOP_FENCE && w->env.p_zombie)
        return; /* a zombie ignores the center: only refusing its uploads protects the session */
    if (cmd->u.recorder.how == HA_STOP_FLUSH && r->state == REC_RECORDING) {
        r->state = REC_STOPPING;
        r->epoch++;
        r->stop_ms = w->now_ms;
        push(w, w->now_ms + SIM_FLUSH_MS, PRIO_WORLD, EVK_FLUSH_DONE, id, r->epoch, 0, 0);
        return;
    }
    if (r->state == REC_RECORDING || r->state == REC_STOPPING) {
        /* Fenced while recording (a zombie): what it had is not the session's. */
        r->epoch++;
        w_stream_t *sts = rec_streams(w, r);
        for (uint32_t i = 0; i < w->block_len; i++)
            sts[i].active = false;
        streams_release(w, r);
    }
    if (r->state != REC_DEAD) {
        r->state = REC_STOPPED;
        r->epoch++;
    }
}

static void emit_file(sim_world_t *w, const ha_cmd_t *cmd)
{
    sim_tr_ev_t ev = sim_tr_of_file(w->now_ms, cmd, one_based(world_session_of(w, cmd->u.file.session)));
    trace(w, &ev);
}

static void emit_notify(sim_world_t *w, const ha_notify_t *n)
{
    uint32_t ws = world_session_of(w, n->session);
    sim_tr_ev_t ev = sim_tr_of_notify(w->now_ms, n, one_based(ws));
    trace(w, &ev);
    if (n->event_type == HA_NCS_SESSION_EXIT && ws != UINT32_MAX) {
        w->sessions[ws].ended = true;
        w->sessions[ws].poll_on = false; /* the client saw session_exit */
    }
}

static void emit_event(sim_world_t *w, const ha_event_info_t *e)
{
    sim_tr_ev_t ev = sim_tr_of_event(w->now_ms, e, one_based(world_session_of(w, e->session)));
    trace(w, &ev);

    if (e->what == HA_EV_SERVER_DOWN) {
        w_server_t *sv = &w->servers[e->server];
        if (sv->heal_after_detect_ms >= 0 && !sv->link_up)
            push(w, w->now_ms + sv->heal_after_detect_ms, PRIO_WORLD, EVK_HEAL, e->server,
                 sv->link_epoch, 0, 0);
        sv->heal_after_detect_ms = -1;
    }
}

static void w_emit(void *ctx, const ha_cmd_t *cmd)
{
    sim_world_t *w = ctx;
    if (w->liar.telling) {
        /* The answer to a lie: judged by the liar, never acted on. */
        sim_liar_note(&w->liar, cmd);
        return;
    }
    switch (cmd->kind) {
    case HA_CMD_REPLY:
        emit_reply(w, &cmd->u.reply);
        break;
    case HA_CMD_TIMER_ARM: {
        uint32_t slot = cmd->u.arm.timer.slot;
        assert(slot < w->timer_slots_cap);
        /* A lazy driver (many event loops are) leaves the old timer in its
         * queue: the center gets it later and must know it is stale. */
        if (w->timer_handle[slot] != SIM_EV_HANDLE_NONE && !w->env.p_lazy_timers)
            (void)sim_evq_cancel(&w->q, w->timer_handle[slot]);
        const ha_timer_t *t = &cmd->u.arm.timer;
        w->timer_handle[slot] = push(w, cmd->u.arm.at_ms, PRIO_TIMER, EVK_TIMER, t->slot, t->gen,
                                     t->kind, t->index);
        break;
    }
    case HA_CMD_TIMER_CANCEL: {
        uint32_t slot = cmd->u.cancel.slot;
        assert(slot < w->timer_slots_cap);
        if (w->timer_handle[slot] != SIM_EV_HANDLE_NONE && !w->env.p_lazy_timers)
            (void)sim_evq_cancel(&w->q, w->timer_handle[slot]);
        w->timer_handle[slot] = SIM_EV_HANDLE_NONE;
        break;
    }
    case HA_CMD_RECORDER_START:
    case HA_CMD_RECORDER_RESUME:
    case HA_CMD_RECORDER_STOP:
        emit_recorder(w, cmd);
        break;
    case HA_CMD_PLAYLIST_OPEN:
    case HA_CMD_SLICE_WRITE:
    case HA_CMD_PLAYLIST_CLOSE:
        emit_file(w, cmd);
        break;
    case HA_CMD_NOTIFY:
        emit_notify(w, &cmd->u.notify);
        break;
    case HA_CMD_EVENT:
        emit_event(w, &cmd->u.event);
        break;
    case HA_CMD_COUNT:
        break;
    }
}

static uint64_t w_random(void *ctx)
{
    sim_world_t *w = ctx;
    if (w->env.p_hostile) {
        /* A random source that only offers what the center must refuse (0,
         * the first session's UID, a user's UID) and then sticks on one
         * value: the center must still find fresh UIDs (R7). */
        uint32_t v;
        switch (w->hostile_draws++ % 4) {
        case 0:
            v = 0;
            break;
        case 1:
        case 3:
            v = SIM_RECORDER_UID_BASE;
            break;
        default:
            v = w->scn->users_count > 0 ? w->scn->users[0] : SIM_RECORDER_UID_BASE;
            break;
        }
        return (uint64_t)v << 32;
    }
    return sim_rng_next(&w->env.rng_uid);
}

/* ---- scenario actions -------------------------------------------------- */

/* A session that starts learns who is in its channel already, as it learns
 * of everyone who joins later: a replacement's new UID must avoid them (R7). */
static void users_present(sim_world_t *w, uint32_t ws)
{
    const w_session_t *s = &w->sessions[ws];
    for (uint32_t i = 0; i < s->users_count; i++) {
        ha_input_t in = sim_env_user_input(true, s->core, s->users[i]);
        input(w, &in);
    }
}

static void api_call(sim_world_t *w, uint32_t ws, ha_call_t call, sim_by_t by, int expect)
{
    w_session_t *s = &w->sessions[ws];
    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.kind = HA_IN_API;
    in.u.api.call = call;
    in.u.api.req_id = ++w->next_req;
    in.u.api.session = s->core;
    if (call == HA_CALL_START) {
        in.u.api.mode = sim_env_mode(w->scn);
        in.u.api.uid = SIM_RECORDER_UID_BASE + ws;
        memcpy(in.u.api.sid, s->sid, sizeof(in.u.api.sid));
        memcpy(in.u.api.cname, s->cname, sizeof(in.u.api.cname));
        in.u.api.webm = w->env.p_webm;
        in.u.api.mp4 = w->env.p_mp4;
        /* A clumsy client first sends a start the service must refuse. */
        if (w->env.p_hostile && s->core == UINT32_MAX) {
            in.t_ms = w->now_ms;
            sim_liar_bad_start(&w->liar, &in);
        }
    }
    uint32_t core_before = s->core;
    w->req = (w_request_t){ws, by, expect, call};
    input(w, &in);
    /* Accepted: a new slot (slots are never reused, so a restart after
     * the end gets another one too). */
    if (call == HA_CALL_START && s->core != core_before && s->core != UINT32_MAX)
        users_present(w, ws);
}

/* The recorder a fault aimed at "the serving recorder" hits: the newest one
 * of the session that is still a process (a replacement being started
 * counts: that is how R11 is reached from a scenario). */
static uint32_t fault_target(sim_world_t *w, uint32_t ws)
{
    uint32_t id = w->sessions[ws].newest_rec;
    w_rec_t *r = rec_get(w, id);
    if (r == NULL || r->state == REC_DEAD || r->state == REC_STOPPED)
        return 0;
    return id;
}

static void fault_trace(sim_world_t *w, sim_fault_t f, uint32_t server, uint32_t ws, uint32_t rec,
                        int64_t heal_ms, uint32_t count)
{
    sim_tr_ev_t ev = sim_tr_ev(w->now_ms, SIM_TR_FAULT);
    if ((f == SIM_FAULT_DISCONNECT || f == SIM_FAULT_CRASH) && server != UINT32_MAX &&
        server_reachable(&w->servers[server]))
        ev.last_hb_ms = w->servers[server].last_hb_ms;
    ev.fault = f;
    ev.srv = one_based(server);
    ev.sess = one_based(ws);
    ev.rec = rec;
    ev.heal_ms = heal_ms;
    ev.count = count;
    trace(w, &ev);
}

static void kill_recorder(sim_world_t *w, uint32_t id)
{
    w_rec_t *r = rec_get(w, id);
    streams_cut(w, id, r);
    r->state = REC_DEAD;
    r->epoch++;
    int64_t delay = sim_rng_range(&w->env.rng_kill, w->env.p_kill_lo, w->env.p_kill_hi);
    push(w, w->now_ms + delay, PRIO_WORLD, EVK_EXIT_REPORT, id, 0, 0, 0);
}

/* Individual mode records each publishing user: a recorder that is
 * recording starts that user's streams, or finishes them (the slice in
 * progress is cut at the leave: an interruption of that stream). */
static void user_streams(sim_world_t *w, uint32_t ws, uint32_t uid, bool join)
{
    for (uint32_t id = 1; id < w->recs_cap; id++) {
        w_rec_t *r = &w->recs[id];
        if (!r->exists || r->session != ws || r->state != REC_RECORDING)
            continue;
        if (join) {
            stream_add(w, id, r, uid, HA_TRACK_AUDIO, HA_FMT_TS);
            stream_add(w, id, r, uid, HA_TRACK_VIDEO, w->env.p_webm ? HA_FMT_WEBM : HA_FMT_TS);
            continue;
        }
        for (uint32_t i = 0; i < w->block_len && r->block >= 0; i++) {
            w_stream_t *st = &rec_streams(w, r)[i];
            if (!st->active || st->uid != uid)
                continue;
            if (w->now_ms > st->start_ms)
                slice_done(w, id, r, st, w->now_ms);
            if (r->block >= 0)
                rec_streams(w, r)[i].active = false;
        }
    }
}

static void user_change(sim_world_t *w, uint32_t ws, uint32_t uid, bool join)
{
    w_session_t *s = &w->sessions[ws];
    uint32_t at = UINT32_MAX;
    for (uint32_t i = 0; i < s->users_count; i++) {
        if (s->users[i] == uid)
            at = i;
    }
    if (join == (at != UINT32_MAX))
        return; /* already in, or not there */
    if (join && s->users_count == HA_USERS_MAX)
        return;
    if (join)
        s->users[s->users_count++] = uid;
    else
        s->users[at] = s->users[--s->users_count];

    /* A leaving user's last slices are uploaded before the center hears of
     * the leave; a joining user is known to the center before it records. */
    if (!join && w->scn->mode == SCN_MODE_INDIVIDUAL)
        user_streams(w, ws, uid, false);
    sim_tr_ev_t ev = sim_tr_ev(w->now_ms, SIM_TR_USER);
    ev.sess = ws + 1;
    ev.uid = uid;
    ev.joined = join;
    trace(w, &ev);
    if (s->core != UINT32_MAX) {
        ha_input_t in = sim_env_user_input(join, s->core, uid);
        input(w, &in);
    }
    if (join && w->scn->mode == SCN_MODE_INDIVIDUAL)
        user_streams(w, ws, uid, true);
}

static void on_action(sim_world_t *w, uint32_t ai)
{
    const scn_t *scn = w->scn;
    const scn_action_t *a = &scn->actions[ai];
    uint32_t first, last;
    sim_env_action_sessions(scn, a, &first, &last);
    switch (a->kind) {
    case SCN_ACT_START:
    case SCN_ACT_QUERY:
    case SCN_ACT_UPDATE:
    case SCN_ACT_UPDATE_LAYOUT:
    case SCN_ACT_STOP:
        for (uint32_t ws = first; ws < last; ws++)
            api_call(w, ws, sim_env_call_of(a->kind), SIM_BY_SCENARIO, a->expect_status);
        break;
    case SCN_ACT_KILL:
        for (uint32_t ws = first; ws < last; ws++) {
            uint32_t id = fault_target(w, ws);
            w_rec_t *r = rec_get(w, id);
            fault_trace(w, SIM_FAULT_KILL, r ? r->server : UINT32_MAX, ws, id, -1, 0);
            if (r != NULL)
                kill_recorder(w, id);
        }
        break;
    case SCN_ACT_DISCONNECT:
        for (uint32_t ws = first; ws < last; ws++) {
            w_rec_t *r = rec_get(w, fault_target(w, ws));
            if (r == NULL) {
                fault_trace(w, SIM_FAULT_DISCONNECT, UINT32_MAX, ws, 0, -1, 0);
                continue;
            }
            uint32_t server = r->server;
            w_server_t *sv = &w->servers[server];
            int64_t heal_ms = -1;
            if (a->heal_ms >= 0 && !a->heal_after_detection)
                heal_ms = w->now_ms + a->heal_ms;
            fault_trace(w, SIM_FAULT_DISCONNECT, server, ws, 0, heal_ms, 0);
            if (!sv->host_up)
                continue;
            if (sv->link_up)
                link_down(w, server);
            if (heal_ms >= 0)
                push(w, heal_ms, PRIO_WORLD, EVK_HEAL, server, sv->link_epoch, 0, 0);
            else if (a->heal_ms >= 0)
                sv->heal_after_detect_ms = a->heal_ms;
        }
        break;
    case SCN_ACT_CRASH_HOST: {
        uint32_t server = a->host - 1;
        w_server_t *sv = &w->servers[server];
        fault_trace(w, SIM_FAULT_CRASH, server, UINT32_MAX, 0, -1, 0);
        if (!sv->host_up)
            break;
        link_down(w, server);
        sv->host_up = false;
        for (uint32_t id = 1; id < w->recs_cap; id++) {
            w_rec_t *r = &w->recs[id];
            if (r->exists && r->server == server && r->state != REC_DEAD && r->state != REC_STOPPED) {
                streams_cut(w, id, r);
                r->state = REC_DEAD;
                r->epoch++;
                r->exit_held = false;
            }
        }
        break;
    }
    case SCN_ACT_PROVISION_FAIL:
        fault_trace(w, SIM_FAULT_PROVISION_FAIL, UINT32_MAX, UINT32_MAX, 0, -1, a->count);
        w->provision_fail_left += a->count;
        break;
    case SCN_ACT_JOIN:
    case SCN_ACT_LEAVE:
        for (uint32_t ws = first; ws < last; ws++)
            user_change(w, ws, a->uid, a->kind == SCN_ACT_JOIN);
        break;
    case SCN_ACT_END:
    case SCN_ACT_COUNT:
        break;
    }
}

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

/* ---- setup ------------------------------------------------------------- */

sim_world_t *sim_world_new(void)
{
    sim_world_t *w = calloc(1, sizeof(*w));
    return w;
}

void sim_world_free(sim_world_t *w)
{
    if (w == NULL)
        return;
    if (w->q_cap > 0)
        sim_evq_free(&w->q);
    free(w->core_mem);
    free(w->timer_handle);
    free(w->servers);
    free(w->sessions);
    free(w->core_to_world);
    free(w->recs);
    free(w->blocks);
    free(w->block_free);
    free(w);
}

/* Grows *p to hold n elements of size sz; keeps it when already as large. */
static bool reserve(void **p, uint32_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return true;
    void *np = realloc(*p, n * sz);
    if (np == NULL)
        return false;
    *p = np;
    *cap = (uint32_t)n;
    return true;
}




static int setup(sim_world_t *w, const scn_t *scn, const sim_world_opts_t *opts)
{
    w->scn = scn;
    w->opts = *opts;
    w->now_ms = 0;
    w->err[0] = '\0';
    memset(&w->stats, 0, sizeof(w->stats));
    w->provision_fail_left = 0;
    w->next_action = 0;
    w->next_req = 0;

    sim_env_init(&w->env, scn, opts->seed, opts->utc0_ms);
    w->opts.utc0_ms = w->env.utc0_ms;

    uint32_t n_srv = scn->servers, n_ses = scn->sessions;
    w->block_len = scn->mode == SCN_MODE_INDIVIDUAL ? 2 * HA_USERS_MAX : 2;
    /* Recorders recording at once: one per session, a second while a stop
     * flushes; with zombies, every abandoned replacement of an activation
     * may record too. Each has a slice event per stream pending. */
    size_t per_session = w->env.p_zombie ? 2 + HA_ATTEMPTS_PER_ACTIVATION_MAX : 2;
    size_t blocks = (size_t)n_ses * per_session + 16;
    size_t recs = (size_t)n_ses * 8 + 64;
    /* Timers: one event per slot, or a few stale ones with a lazy driver. */
    size_t timers = ((size_t)n_srv + 2 * (size_t)n_ses) * (w->env.p_lazy_timers ? 8 : 1);
    size_t qcap = blocks * w->block_len + timers + recs + (size_t)n_ses * 4 + (size_t)n_srv * 4 + 64;
    if (qcap > SIM_EVQ_CAPACITY_MAX)
        qcap = SIM_EVQ_CAPACITY_MAX;

    /* A hostile world also registers a server whose host agent never
     * comes up: the center must never pick it. */
    uint32_t n_core_srv = n_srv + (w->env.p_hostile ? 1u : 0u);
    ha_config_t cfg = {.servers_max = n_core_srv, .sessions_max = n_ses, .emit = w_emit, .emit_ctx = w,
                       .random = w_random, .random_ctx = w, .utc_at_zero_ms = w->opts.utc0_ms};
    size_t need = ha_center_footprint(&cfg);
    if (need > w->core_mem_size) {
        free(w->core_mem);
        w->core_mem = aligned_alloc(16, (need + 15) / 16 * 16);
        w->core_mem_size = w->core_mem ? need : 0;
        if (w->core_mem == NULL)
            return -1;
    }
    /* The liar probes configurations in core_mem before the center is laid
     * out there; it gets the center once it exists. */
    sim_liar_reset(&w->liar, NULL, &w->env.rng_hostile, n_core_srv, n_ses, sim_env_mode(scn));
    w->hostile_draws = 0;
    if (w->env.p_hostile)
        (void)sim_liar_probe_config(&w->liar, w->core_mem, w->core_mem_size);
    w->core = ha_center_init(w->core_mem, w->core_mem_size, &cfg);
    if (w->core == NULL)
        return -1;
    w->liar.core = w->core;
    uint32_t slots = ha_center_timer_slots(w->core);

    if (!reserve((void **)&w->timer_handle, &w->timer_slots_cap, slots, sizeof(*w->timer_handle)) ||
        !reserve((void **)&w->servers, &w->servers_cap, n_srv, sizeof(*w->servers)) ||
        !reserve((void **)&w->sessions, &w->sessions_cap, n_ses, sizeof(*w->sessions)) ||
        !reserve((void **)&w->core_to_world, &w->c2w_cap, n_ses, sizeof(*w->core_to_world)) ||
        !reserve((void **)&w->recs, &w->recs_cap, recs, sizeof(*w->recs)) ||
        !reserve((void **)&w->blocks, &w->stream_slots_cap, blocks * w->block_len,
                 sizeof(*w->blocks)) ||
        !reserve((void **)&w->block_free, &w->block_free_cap, blocks, sizeof(*w->block_free)))
        return -1;
    memset(w->timer_handle, 0, sizeof(*w->timer_handle) * w->timer_slots_cap);
    memset(w->recs, 0, sizeof(*w->recs) * w->recs_cap);
    w->blocks_cap = (uint32_t)blocks;
    w->blocks_free_count = 0;
    for (uint32_t i = (uint32_t)blocks; i-- > 0;)
        w->block_free[w->blocks_free_count++] = (int32_t)i;

    if (w->q_cap < qcap) {
        if (w->q_cap > 0)
            sim_evq_free(&w->q);
        w->q_cap = 0;
        if (sim_evq_init(&w->q, (uint32_t)qcap) != 0)
            return -1;
        w->q_cap = (uint32_t)qcap;
    } else {
        /* drain what a previous run left */
        int64_t t;
        sim_ev_data_t d;
        while (sim_evq_pop(&w->q, &t, &d)) {
        }
    }

    for (uint32_t i = 0; i < n_srv; i++) {
        w->servers[i] = (w_server_t){scn->capacity, true, true, 0, -1, -1};
        int idx = ha_center_add_server(w->core, scn->capacity);
        assert(idx == (int)i);
        (void)idx;
    }
    if (w->env.p_hostile) {
        int idx = ha_center_add_server(w->core, scn->capacity); /* never heartbeats */
        assert(idx == (int)n_srv);
        (void)idx;
        sim_liar_probe_full(&w->liar);
    }
    for (uint32_t i = 0; i < n_ses; i++) {
        w_session_t *s = &w->sessions[i];
        memset(s, 0, sizeof(*s));
        s->core = UINT32_MAX;
        w->core_to_world[i] = UINT32_MAX;
        if (scn->has_sid && n_ses == 1)
            memcpy(s->sid, scn->sid, sizeof(s->sid));
        else
            sim_env_sid(s->sid, &w->env.rng_sid);
        if (n_ses == 1)
            snprintf(s->cname, sizeof(s->cname), "%s", scn->cname);
        else
            snprintf(s->cname, sizeof(s->cname), "%.*s_%" PRIu32, 52, scn->cname, i + 1);
        for (size_t u = 0; u < scn->users_count && u < HA_USERS_MAX; u++)
            s->users[s->users_count++] = scn->users[u];
    }
    return 0;
}

int sim_world_run(sim_world_t *w, const scn_t *scn, const sim_world_opts_t *opts, char *err,
                  size_t err_cap)
{
    assert(w != NULL && scn != NULL && opts != NULL && opts->sink != NULL);
    if (scn->servers == 0 || scn->sessions == 0) {
        snprintf(err, err_cap, "%s: error: a world needs at least one server and one session",
                 scn->path[0] ? scn->path : "<scenario>");
        return 2;
    }
    if (setup(w, scn, opts) != 0) {
        snprintf(err, err_cap, "%s: error: out of memory for a world of %" PRIu32
                 " sessions on %" PRIu32 " servers", scn->path[0] ? scn->path : "<scenario>",
                 scn->sessions, scn->servers);
        return 2;
    }

    sim_tr_ev_t run = sim_tr_ev(0, SIM_TR_RUN);
    run.scenario = opts->scenario_path ? opts->scenario_path : scn->path;
    run.title = scn->title;
    run.seed = opts->seed;
    run.servers = scn->servers;
    run.capacity = scn->capacity;
    run.sessions = scn->sessions;
    run.utc0_ms = w->opts.utc0_ms;
    trace(w, &run);

    push(w, 0, PRIO_WORLD, EVK_HB_TICK, 0, 0, 0, 0);
    schedule_next_action(w);
    push(w, scn->end_ms, PRIO_WORLD, EVK_END, 0, 0, 0, 0);

    int64_t t_ms;
    sim_ev_data_t ev;
    while (w->err[0] == '\0' && sim_evq_pop(&w->q, &t_ms, &ev)) {
        assert(t_ms >= w->now_ms);
        w->now_ms = t_ms;
        w->stats.events++;
        if (ev.kind == EVK_END)
            break;
        switch (ev.kind) {
        case EVK_ACTION:
            on_action(w, ev.a);
            schedule_next_action(w);
            break;
        case EVK_TIMER: {
            if (w->timer_handle[ev.a] != SIM_EV_HANDLE_NONE)
                w->timer_handle[ev.a] = SIM_EV_HANDLE_NONE;
            ha_input_t in;
            memset(&in, 0, sizeof(in));
            in.kind = HA_IN_TIMER;
            in.u.timer.slot = ev.a;
            in.u.timer.gen = ev.b;
            in.u.timer.kind = (uint8_t)ev.c;
            in.u.timer.index = (uint32_t)ev.d;
            input(w, &in);
            break;
        }
        case EVK_HB_TICK:
            on_hb_tick(w);
            break;
        case EVK_EXIT_REPORT:
            on_exit_report(w, ev.a);
            break;
        case EVK_REC_UP:
            on_rec_up(w, ev.a, ev.b);
            break;
        case EVK_SLICE:
            on_slice(w, ev.a, ev.b, ev.c);
            break;
        case EVK_HEAL:
            on_heal(w, ev.a, ev.b);
            break;
        case EVK_POLL:
            if (w->sessions[ev.a].poll_on)
                api_call(w, ev.a, HA_CALL_QUERY, SIM_BY_POLLER, 0);
            break;
        case EVK_FLUSH_DONE:
            on_flush_done(w, ev.a, ev.b);
            break;
        default:
            assert(0 && "unknown event kind");
        }
    }
    w->stats.end_t_ms = w->now_ms > scn->end_ms ? w->now_ms : scn->end_ms;
    w->now_ms = w->stats.end_t_ms;

    if (w->err[0] != '\0') {
        snprintf(err, err_cap, "%s: error: world limit: %s", scn->path[0] ? scn->path : "<scenario>",
                 w->err);
        return 2;
    }
    sim_tr_ev_t end = sim_tr_ev(w->now_ms, SIM_TR_RUN_END);
    end.events = w->stats.trace_events;
    trace(w, &end);
    return 0;
}

sim_world_stats_t sim_world_stats(const sim_world_t *w) { return w->stats; }

const char *sim_world_driver_failure(const sim_world_t *w)
{
    return w->liar.failure[0] != '\0' ? w->liar.failure : NULL;
}

sim_world_session_t sim_world_session(const sim_world_t *w, uint32_t ws)
{
    sim_world_session_t v = {HA_ST_FREE, 0, 0};
    if (ws >= w->scn->sessions || w->sessions[ws].core == UINT32_MAX)
        return v;
    uint32_t si = w->sessions[ws].core;
    v.state = (int)ha_session_state(w->core, si);
    v.activations = ha_session_activations(w->core, si);
    v.uid = ha_session_uid(w->core, si);
    return v;
}

void sim_world_add_transitions(const sim_world_t *w, uint64_t *table)
{
    for (int st = 0; st < HA_ST_COUNT; st++) {
        for (int sev = 0; sev < HA_SEV_COUNT; sev++)
            table[st * HA_SEV_COUNT + sev] += ha_center_transitions(w->core, (ha_state_t)st, (ha_sev_t)sev);
    }
}
