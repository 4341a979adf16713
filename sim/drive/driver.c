/* driver.c -- the driver's set-up, the inputs it gives the core, and what
 * each of the core's commands means (driver.h says what is shared and why).
 *
 * The core answers through w_emit() while it is inside ha_center_input();
 * the driver may not call back in, so each command is traced, booked and
 * handed to the platform, which only schedules what follows. The one
 * exception is a lie of the hostile driver: its answers are diverted to the
 * liar and never acted on.
 */
#include "driver_impl.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive/trace_cmd.h"
#include "engine/reserve.h"

/* ---- small helpers ---------------------------------------------------- */

uint32_t drv_one_based(uint32_t index) { return index == SIM_DRV_NONE ? 0 : index + 1; }

void sim_drv_trace(sim_drv_t *d, sim_tr_ev_t *ev)
{
    d->stats.trace_events++;
    d->o.sink(d->o.sink_ctx, ev);
}

#ifdef SIM_DRV_PULL
static void drain(sim_drv_t *d);
#endif

/* The core's input, and (in the pull measurement) what it answered. */
static void core_input(sim_drv_t *d, const ha_input_t *in)
{
    ha_center_input(d->core, in);
#ifdef SIM_DRV_PULL
    drain(d);
#endif
}

/* Inline into the hot inputs of this file (heartbeats, timers, slices). */
static inline void input(sim_drv_t *d, ha_input_t *in)
{
    in->t_ms = d->now_ms;
    d->stats.inputs++;
    core_input(d, in);
    /* A hostile network delivers some messages twice, and a driver may fire
     * a timer twice: the center must take the second as a no-op. */
    if (d->env.p_hostile &&
        (in->kind == HA_IN_EXIT_REPORT || in->kind == HA_IN_RECORDER_EXITED ||
         (in->kind == HA_IN_TIMER && in->u.timer.kind == HA_TIMER_HEARTBEATS))) {
        d->stats.inputs++;
        core_input(d, in);
    }
    if (d->env.p_hostile)
        sim_liar_after(&d->liar, in);
}

void drv_input(sim_drv_t *d, ha_input_t *in) { input(d, in); }

void drv_rec_input(sim_drv_t *d, ha_in_kind_t kind, const sim_drv_rec_t *r)
{
    ha_input_t *in = drv_input_of(d, kind);
    in->u.recorder = (ha_recorder_in_t){.session = d->sessions[r->session].core,
                                        .server = r->server, .recorder = r->id};
    input(d, in);
}

static void rec_trace(sim_drv_t *d, sim_tr_kind_t kind, const sim_drv_rec_t *r)
{
    sim_tr_ev_t ev = sim_tr_ev(d->now_ms, kind);
    ev.sess = r->session + 1;
    ev.srv = r->server + 1;
    ev.rec = r->id;
    if (kind == SIM_TR_RECORDER_READY) {
        ev.uid = r->uid;
        ev.gop_ms = r->gop_ms;
    }
    sim_drv_trace(d, &ev);
}

bool sim_drv_server_reachable(const sim_drv_t *d, uint32_t server)
{
    assert(server < d->servers_n);
    return sim_drv_server_up(&d->servers[server]);
}

uint32_t sim_drv_session_of(const sim_drv_t *d, uint32_t core_session)
{
    return core_session < d->sessions_n ? d->core_to_session[core_session] : SIM_DRV_NONE;
}

/* A fault line. A disconnect or crash of a server that is still reachable
 * carries when its last heartbeat reached the center: R2's exact detection
 * is that plus the heartbeat timeout. */
void drv_trace_fault(sim_drv_t *d, sim_fault_t f, uint32_t server, uint32_t session, uint32_t rec,
                     int64_t heal_ms, uint32_t count)
{
    sim_tr_ev_t ev = sim_tr_ev(d->now_ms, SIM_TR_FAULT);
    if ((f == SIM_FAULT_DISCONNECT || f == SIM_FAULT_CRASH) && server != SIM_DRV_NONE &&
        sim_drv_server_reachable(d, server))
        ev.last_hb_ms = d->servers[server].last_hb_ms;
    ev.fault = f;
    ev.srv = drv_one_based(server);
    ev.sess = drv_one_based(session);
    ev.rec = rec;
    ev.heal_ms = heal_ms;
    ev.count = count;
    sim_drv_trace(d, &ev);
}

/* ---- the core's commands --------------------------------------------- */

/* A slot holds one task at a time. A start of a slot whose task is live has
 * that task's cname and uid (the driver starts slot k with slot k's), which
 * the center refuses as a task conflict (400 code 53); one it accepted would
 * put two tasks' lines under one session number. So the center accepting it
 * is a bug of ours, never the scenario's: the scenario may ask for that
 * start, and must get the 400. */
static void emit_accepted(sim_drv_t *d, sim_drv_session_t *s, uint32_t ws, uint32_t core)
{
    assert((s->core == SIM_DRV_NONE || s->ended) &&
           "the center accepted a start with the cname and uid of a live task (task conflict)");
    assert((core >= d->sessions_n || d->core_to_session[core] == SIM_DRV_NONE) &&
           "the center gave a new task a slot it had given before");
    s->core = core;
    s->used = true;
    if (core < d->sessions_n)
        d->core_to_session[core] = ws;
    s->ended = false;
    sim_tr_ev_t ev = sim_tr_ev(d->now_ms, SIM_TR_SESSION);
    ev.sess = ws + 1;
    ev.sid = s->sid;
    ev.cname = s->cname;
    ev.mode = (int)sim_tr_mode(s->mode);
    ev.uid = s->uid;
    ev.users = s->users;
    ev.users_count = s->users_count;
    sim_drv_trace(d, &ev);
    if (d->env.p_poll && !s->http && !s->poll_on) {
        s->poll_on = true;
        s->poll_stage = 0;
        d->ops->poll_at(d->p, ws, d->now_ms + SIM_POLL_FIRST_MS);
    }
}

static void emit_reply(sim_drv_t *d, const ha_reply_t *rep)
{
    drv_request_t *rq = &d->req;
    sim_drv_session_t *s = rq->session < d->sessions_n ? &d->sessions[rq->session] : NULL;
    if (rq->call == HA_CALL_START && rep->http == 200 && s != NULL)
        emit_accepted(d, s, rq->session, rep->session);
    sim_tr_ev_t ev;
    sim_tr_of_reply(&ev, d->now_ms, rep, drv_one_based(rq->session), rq->call, rq->by, rq->expect);
    sim_drv_trace(d, &ev);
    if (rq->reply != NULL) {
        sim_drv_reply_t *out = rq->reply;
        out->http = rep->http;
        out->code = rep->code;
        out->status = rq->call == HA_CALL_QUERY ? rep->status : -1;
        snprintf(out->message, sizeof(out->message), "%s", rep->message ? rep->message : "");
        snprintf(out->file, sizeof(out->file), "%s", rep->file ? rep->file : "");
    }
    if (rq->by == SIM_BY_POLLER && s != NULL && s->poll_on)
        d->ops->poll_at(d->p, rq->session,
                        d->now_ms + sim_env_poll_next_ms(&s->poll_stage, rep->http));
}

static void emit_start(sim_drv_t *d, const ha_cmd_t *cmd, uint32_t ws)
{
    uint32_t server = cmd->u.recorder.server;
    sim_drv_rec_t *r = drv_rec_add(d, cmd->u.recorder.recorder, ws, server, cmd->u.recorder.uid);
    if (r == NULL)
        return;
    sim_drv_start_t st = {.id = r->id, .session = ws, .server = server, .uid = r->uid,
                          .bak = cmd->u.recorder.bak,
                          .reachable = sim_drv_server_reachable(d, server)};
    st.gop_ms = sim_rng_range(&d->env.rng_gop, d->env.p_gop_lo, d->env.p_gop_hi);
    r->gop_ms = st.gop_ms;
    d->sessions[ws].newest_rec = r->id;
    if (st.reachable) {
        /* Else the order never arrives; the center's attempt times out. */
        if (d->provision_fail_left > 0) {
            d->provision_fail_left--;
            st.fail = true;
        }
        st.latency_ms = sim_rng_range(&d->env.rng_start, d->env.p_start_lo, d->env.p_start_hi);
    }
    d->ops->rec_start(d->p, &st);
}

static void emit_stop(sim_drv_t *d, sim_drv_rec_t *r, ha_stop_how_t how)
{
    if (how == HA_STOP_FENCE && d->env.p_zombie)
        return; /* a zombie ignores the center: only refusing its uploads protects the session */
    sim_rec_state_t was = (sim_rec_state_t)r->state;
    if (how == HA_STOP_FLUSH && was == SIM_REC_RECORDING)
        r->state = SIM_REC_STOPPING;
    else if (was != SIM_REC_DEAD)
        r->state = SIM_REC_STOPPED;
    d->ops->rec_stop(d->p, r->id, how, was);
}

static void emit_recorder(sim_drv_t *d, const ha_cmd_t *cmd)
{
    uint32_t ws = sim_drv_session_of(d, cmd->u.recorder.session);
    assert(ws != SIM_DRV_NONE && cmd->u.recorder.server < d->servers_n);
    sim_tr_ev_t ev;
    sim_tr_of_recorder(&ev, d->now_ms, cmd, ws + 1);
    sim_drv_trace(d, &ev);
    if (cmd->kind == HA_CMD_RECORDER_START) {
        emit_start(d, cmd, ws);
        return;
    }
    sim_drv_rec_t *r = sim_drv_rec(d, cmd->u.recorder.recorder);
    if (r == NULL || !sim_drv_server_reachable(d, r->server))
        return; /* gone, or the order cannot reach it */
    if (cmd->kind == HA_CMD_RECORDER_STOP) {
        emit_stop(d, r, cmd->u.recorder.how);
        return;
    }
    if (r->state != SIM_REC_PAUSED && r->state != SIM_REC_RECORDING)
        return; /* a resume for a recorder that is not waiting for one */
    d->ops->rec_resume(d->p, r->id, sim_drv_draw_rejoin(d));
    r->state = SIM_REC_STARTING;
}

static void emit_file(sim_drv_t *d, const ha_cmd_t *cmd)
{
    uint32_t ws = sim_drv_session_of(d, cmd->u.file.session);
    sim_tr_ev_t ev;
    sim_tr_of_file(&ev, d->now_ms, cmd, drv_one_based(ws));
    sim_drv_trace(d, &ev);
    if (d->ops->file != NULL)
        d->ops->file(d->p, cmd);
}

static void emit_notify(sim_drv_t *d, const ha_notify_t *n)
{
    uint32_t ws = sim_drv_session_of(d, n->session);
    sim_tr_ev_t ev;
    sim_tr_of_notify(&ev, d->now_ms, n, drv_one_based(ws));
    sim_drv_trace(d, &ev);
    if (n->event_type == HA_NCS_SESSION_EXIT && ws != SIM_DRV_NONE) {
        d->sessions[ws].ended = true;
        d->sessions[ws].poll_on = false; /* the client saw session_exit */
    }
}

void drv_heal_schedule(sim_drv_t *d, uint32_t server, int64_t heal_ms, bool after_detection)
{
    if (heal_ms >= 0 && !after_detection)
        d->ops->heal_at(d->p, server, d->now_ms + heal_ms);
    else if (heal_ms >= 0)
        d->servers[server].heal_after_detect_ms = heal_ms;
}

static void emit_event(sim_drv_t *d, const ha_event_info_t *e)
{
    uint32_t ws = sim_drv_session_of(d, e->session);
    sim_tr_ev_t ev;
    sim_tr_of_event(&ev, d->now_ms, e, drv_one_based(ws));
    sim_drv_trace(d, &ev);
    /* `disconnect for D after detection`: the clock of the heal starts now.
     * (A hostile driver's extra server never came up, so never goes down.) */
    if (e->what == HA_EV_SERVER_DOWN && e->server < d->servers_n) {
        sim_drv_server_t *sv = &d->servers[e->server];
        sv->declared_down = true;
        if (sv->heal_after_detect_ms >= 0 && !sv->link_up)
            d->ops->heal_at(d->p, e->server, d->now_ms + sv->heal_after_detect_ms);
        sv->heal_after_detect_ms = -1;
    }
}

static void dispatch(sim_drv_t *d, const ha_cmd_t *cmd)
{
    switch (cmd->kind) {
    case HA_CMD_REPLY:
        emit_reply(d, &cmd->u.reply);
        break;
    case HA_CMD_TIMER_ARM:
        assert(cmd->u.arm.timer.slot < d->timer_slots);
#ifdef SIM_WALL_DEADLINES
        drv_clock_armed(d, &cmd->u.arm.timer, cmd->u.arm.at_ms);
#endif
        d->ops->timer_arm(d->p, &cmd->u.arm.timer, cmd->u.arm.at_ms);
        break;
    case HA_CMD_TIMER_CANCEL:
        assert(cmd->u.cancel.slot < d->timer_slots);
#ifdef SIM_WALL_DEADLINES
        drv_clock_disarmed(d, cmd->u.cancel.slot);
#endif
        d->ops->timer_cancel(d->p, cmd->u.cancel.slot);
        break;
    case HA_CMD_RECORDER_START:
    case HA_CMD_RECORDER_RESUME:
    case HA_CMD_RECORDER_STOP:
        emit_recorder(d, cmd);
        break;
    case HA_CMD_PLAYLIST_OPEN:
    case HA_CMD_SLICE_WRITE:
    case HA_CMD_PLAYLIST_CLOSE:
        emit_file(d, cmd);
        break;
    case HA_CMD_NOTIFY:
        emit_notify(d, &cmd->u.notify);
        break;
    case HA_CMD_EVENT:
        emit_event(d, &cmd->u.event);
        break;
    case HA_CMD_COUNT:
        assert(0 && "HA_CMD_COUNT is not a command");
        break;
    }
}

#ifdef SIM_DRV_PULL
/* A measurement, not the design (docs/architecture.md, "The core calls
 * back"): the pull model a core with a command queue would impose. Each
 * command is copied, with the names it points to (the core builds them in
 * one scratch buffer), and dispatched after ha_center_input() returned.
 * bench/bench_pull.sh builds hasim with it, compares every trace with the
 * callback build's and times both. */
static const char *keep(char *buf, const char *s)
{
    if (s == NULL)
        return NULL;
    snprintf(buf, HA_NAME_MAX, "%s", s);
    return buf;
}

static void queue_cmd(sim_drv_t *d, const ha_cmd_t *cmd)
{
    if (d->q_n == d->q_cap) {
        uint32_t cap = d->q_cap ? 2 * d->q_cap : 256;
        drv_qcmd_t *q = realloc(d->q, (size_t)cap * sizeof(*q));
        assert(q != NULL && "a measurement build");
        d->q = q;
        d->q_cap = cap;
    }
    drv_qcmd_t *e = &d->q[d->q_n++];
    e->cmd = *cmd;
    if (cmd->kind == HA_CMD_REPLY) {
        e->cmd.u.reply.message = keep(e->s1, cmd->u.reply.message);
        e->cmd.u.reply.file = keep(e->s2, cmd->u.reply.file);
    } else if (cmd->kind >= HA_CMD_PLAYLIST_OPEN && cmd->kind <= HA_CMD_PLAYLIST_CLOSE) {
        e->cmd.u.file.playlist = keep(e->s1, cmd->u.file.playlist);
        e->cmd.u.file.name = keep(e->s2, cmd->u.file.name);
    }
}

static void drain(sim_drv_t *d)
{
    for (uint32_t i = 0; i < d->q_n; i++)
        dispatch(d, &d->q[i].cmd);
    d->q_n = 0;
}
#endif

static void w_emit(void *ctx, const ha_cmd_t *cmd)
{
    sim_drv_t *d = ctx;
    if (d->liar.telling) {
        /* The answer to a lie: judged by the liar, never acted on. */
        sim_liar_note(&d->liar, cmd);
        return;
    }
#ifdef SIM_DRV_PULL
    queue_cmd(d, cmd);
#else
    dispatch(d, cmd);
#endif
}

/* The core's only randomness (UIDs). A hostile source only offers what the
 * center must refuse (0, the first session's UID, a user's UID) and then
 * sticks on one value: the center must still find fresh UIDs (R7). */
static uint64_t w_random(void *ctx)
{
    sim_drv_t *d = ctx;
    if (!d->env.p_hostile)
        return sim_rng_next(&d->env.rng_uid);
    uint32_t v;
    switch (d->hostile_draws++ % 4) {
    case 0:
        v = 0;
        break;
    case 1:
    case 3:
        v = d->scn->has_uid ? d->scn->uid : SIM_RECORDER_UID_BASE;
        break;
    default:
        v = d->scn->users_count > 0 ? d->scn->users[0] : SIM_RECORDER_UID_BASE;
        break;
    }
    return (uint64_t)v << 32;
}

/* ---- what happened ---------------------------------------------------- */

void sim_drv_timer_due(sim_drv_t *d, const ha_timer_t *t)
{
#ifdef SIM_WALL_DEADLINES
    drv_clock_disarmed(d, t->slot);
#endif
    ha_input_t *in = drv_input_of(d, HA_IN_TIMER);
    in->u.timer = *t;
    input(d, in);
}

static inline void heartbeat(sim_drv_t *d, uint32_t server)
{
    ha_input_t *in = drv_input_of(d, HA_IN_HEARTBEAT);
    in->u.heartbeat.server = server;
    input(d, in);
    d->servers[server].last_hb_ms = d->now_ms;
}

void sim_drv_heartbeat(sim_drv_t *d, uint32_t server) { heartbeat(d, server); }

/* The world's most frequent call (a tick every 2 s, each server): one call
 * for them all. */
void sim_drv_heartbeats(sim_drv_t *d, uint32_t n)
{
    assert(n <= d->servers_n);
    if (d->env.p_hostile) {
        for (uint32_t i = 0; i < n; i++) {
            if (sim_drv_server_up(&d->servers[i]))
                heartbeat(d, i);
        }
        return;
    }
    /* What input() does, without the hostile network's checks: the input
     * and its time are set once for the tick, and nothing the core does
     * in between moves them (the driver's clock moves between events). */
    ha_input_t *in = drv_input_of(d, HA_IN_HEARTBEAT);
    const int64_t t_ms = d->now_ms;
    in->t_ms = t_ms;
    for (uint32_t i = 0; i < n; i++) {
        sim_drv_server_t *sv = &d->servers[i];
        if (!sim_drv_server_up(sv))
            continue;
        in->u.heartbeat.server = i;
        d->stats.inputs++;
        core_input(d, in);
        sv->last_hb_ms = t_ms;
    }
}

void sim_drv_exit_report(sim_drv_t *d, uint32_t id)
{
    sim_drv_rec_t *r = sim_drv_rec(d, id);
    assert(r != NULL);
    sim_tr_ev_t ev = sim_tr_ev(d->now_ms, SIM_TR_EXIT_REPORT);
    ev.srv = r->server + 1;
    ev.rec = id;
    sim_drv_trace(d, &ev);
    drv_rec_input(d, HA_IN_EXIT_REPORT, r);
}

void sim_drv_rec_ready(sim_drv_t *d, uint32_t id)
{
    sim_drv_rec_t *r = sim_drv_rec(d, id);
    assert(r != NULL);
    sim_drv_rec_ready_of(d, r);
}

void sim_drv_rec_ready_of(sim_drv_t *d, sim_drv_rec_t *r)
{
    if (r->state == SIM_REC_STARTING)
        r->state = SIM_REC_RECORDING;
    rec_trace(d, SIM_TR_RECORDER_READY, r);
    drv_rec_input(d, HA_IN_RECORDER_READY, r);
}

void sim_drv_rec_failed(sim_drv_t *d, uint32_t id)
{
    sim_drv_rec_t *r = sim_drv_rec(d, id);
    assert(r != NULL);
    sim_drv_rec_failed_of(d, r);
}

void sim_drv_rec_failed_of(sim_drv_t *d, sim_drv_rec_t *r)
{
    r->state = SIM_REC_DEAD;
    rec_trace(d, SIM_TR_RECORDER_FAILED, r);
    drv_rec_input(d, HA_IN_RECORDER_FAILED, r);
}

void sim_drv_rec_exited(sim_drv_t *d, uint32_t id)
{
    sim_drv_rec_t *r = sim_drv_rec(d, id);
    assert(r != NULL);
    sim_drv_rec_exited_of(d, r);
}

void sim_drv_rec_exited_of(sim_drv_t *d, sim_drv_rec_t *r)
{
    r->state = SIM_REC_STOPPED;
    rec_trace(d, SIM_TR_RECORDER_EXITED, r);
    drv_rec_input(d, HA_IN_RECORDER_EXITED, r);
}

void sim_drv_rec_rejoined(sim_drv_t *d, uint32_t id)
{
    sim_drv_rec_t *r = sim_drv_rec(d, id);
    assert(r != NULL && r->state == SIM_REC_RECORDING);
    rec_trace(d, SIM_TR_RECORDER_REJOINED, r);
}

static void slice_trace(sim_drv_t *d, sim_tr_kind_t kind, const sim_drv_rec_t *r, uint32_t uid,
                        ha_track_t track, ha_fmt_t fmt, int64_t start_utc_ms, int64_t end_utc_ms)
{
    sim_tr_ev_t ev = sim_tr_ev(d->now_ms, kind);
    ev.sess = r->session + 1;
    ev.srv = r->server + 1;
    ev.rec = r->id;
    ev.uid = uid;
    ev.track = (int)sim_tr_track(track);
    ev.fmt = (int)sim_tr_fmt(fmt);
    ev.start_utc_ms = start_utc_ms;
    ev.end_utc_ms = end_utc_ms;
    sim_drv_trace(d, &ev);
}

void sim_drv_slice_done(sim_drv_t *d, uint32_t id, uint32_t uid, ha_track_t track, ha_fmt_t fmt,
                        int64_t start_utc_ms, int64_t end_utc_ms)
{
    const sim_drv_rec_t *r = sim_drv_rec(d, id);
    assert(r != NULL);
    sim_drv_slice_done_of(d, r, uid, track, fmt, start_utc_ms, end_utc_ms);
}

void sim_drv_slice_done_of(sim_drv_t *d, const sim_drv_rec_t *r, uint32_t uid, ha_track_t track,
                           ha_fmt_t fmt, int64_t start_utc_ms, int64_t end_utc_ms)
{
    uint32_t id = r->id;
    slice_trace(d, SIM_TR_SLICE_DONE, r, uid, track, fmt, start_utc_ms, end_utc_ms);
    ha_input_t *in = drv_input_of(d, HA_IN_SLICE);
    in->u.slice = (ha_slice_in_t){.session = d->sessions[r->session].core, .server = r->server,
                                  .recorder = id, .uid = uid, .track = track, .fmt = fmt,
                                  .start_utc_ms = start_utc_ms, .end_utc_ms = end_utc_ms};
    input(d, in);
}

void sim_drv_slice_lost(sim_drv_t *d, uint32_t id, uint32_t uid, ha_track_t track, ha_fmt_t fmt,
                        int64_t start_utc_ms, int64_t end_utc_ms)
{
    const sim_drv_rec_t *r = sim_drv_rec(d, id);
    assert(r != NULL);
    slice_trace(d, SIM_TR_SLICE_LOST, r, uid, track, fmt, start_utc_ms, end_utc_ms);
}

void sim_drv_trace_kill(sim_drv_t *d, uint32_t server, uint32_t session, uint32_t id)
{
    drv_trace_fault(d, SIM_FAULT_KILL, server, session, id, -1, 0);
}

int64_t sim_drv_draw_rejoin(sim_drv_t *d)
{
    return sim_rng_range(&d->env.rng_rejoin, d->env.p_rejoin_lo, d->env.p_rejoin_hi);
}

void sim_drv_link_healed(sim_drv_t *d, uint32_t server)
{
    sim_drv_server_t *sv = &d->servers[server];
    assert(!sv->link_up && sv->host_up);
    sv->link_up = true;
    sv->heal_after_detect_ms = -1;
    sim_tr_ev_t ev = sim_tr_ev(d->now_ms, SIM_TR_FAULT);
    ev.fault = SIM_FAULT_HEAL;
    ev.srv = server + 1;
    sim_drv_trace(d, &ev);
}

void sim_drv_trace_run(sim_drv_t *d, const char *scenario_name)
{
    /* Named by its base name and the hash of its text, never the path
     * typed: the same file gives the same trace from any checkout. */
    sim_tr_ev_t run = sim_tr_ev(0, SIM_TR_RUN);
    char source[17];
    run.scenario = scn_base_name(scenario_name ? scenario_name : d->scn->path);
    if (d->scn->source_fnv != 0) {
        snprintf(source, sizeof(source), "%016" PRIx64, d->scn->source_fnv);
        run.source_fnv = source;
    }
    run.title = d->scn->title;
    run.seed = d->o.seed;
    run.servers = d->scn->servers;
    run.capacity = d->scn->capacity;
    /* With the scenario's sessions, the slots a REST front may start
     * (extra_sessions): the oracle numbers sessions within this. */
    run.sessions = d->sessions_n;
    run.utc0_ms = d->env.utc0_ms;
    sim_drv_trace(d, &run);
}

void sim_drv_trace_run_end(sim_drv_t *d)
{
    sim_tr_ev_t end = sim_tr_ev(d->now_ms, SIM_TR_RUN_END);
    end.events = d->stats.trace_events;
    sim_drv_trace(d, &end);
}

/* ---- set-up ------------------------------------------------------------ */

sim_drv_t *sim_drv_new(void) { return calloc(1, sizeof(sim_drv_t)); }

void sim_drv_free(sim_drv_t *d)
{
    if (d == NULL)
        return;
    free(d->core_mem);
    free(d->servers);
    free(d->sessions);
    free(d->core_to_session);
    drv_recs_free(d);
#ifdef SIM_WALL_DEADLINES
    free(d->wall_timers);
#endif
#ifdef SIM_DRV_PULL
    free(d->q);
#endif
    free(d);
}

static int core_setup(sim_drv_t *d)
{
    uint32_t n_srv = d->scn->servers;
    /* A hostile world also registers a server whose host agent never comes
     * up: the center must never pick it. */
    d->core_servers = n_srv + (d->env.p_hostile ? 1u : 0u);
    ha_config_t cfg = {.servers_max = d->core_servers, .sessions_max = d->sessions_n,
                       .emit = w_emit, .emit_ctx = d, .random = w_random, .random_ctx = d,
                       .utc_at_zero_ms = d->env.utc0_ms};
    size_t need = ha_center_footprint(&cfg);
    if (need > d->core_mem_size) {
        free(d->core_mem);
        d->core_mem = aligned_alloc(16, (need + 15) / 16 * 16);
        d->core_mem_size = d->core_mem ? need : 0;
        if (d->core_mem == NULL)
            return -1;
    }
    /* The liar probes configurations in core_mem before the center is laid
     * out there; it gets the center once it exists. */
    sim_liar_reset(&d->liar, NULL, &d->env.rng_hostile, d->core_servers, d->sessions_n,
                   sim_env_mode(d->scn));
    d->hostile_draws = 0;
    if (d->env.p_hostile)
        (void)sim_liar_probe_config(&d->liar, d->core_mem, d->core_mem_size);
    d->core = ha_center_init(d->core_mem, d->core_mem_size, &cfg);
    if (d->core == NULL)
        return -1;
    d->liar.core = d->core;
    d->timer_slots = ha_center_timer_slots(d->core);
    for (uint32_t i = 0; i < d->core_servers; i++) {
        /* A hostile world's last server never heartbeats. */
        int idx = ha_center_add_server(d->core, d->scn->capacity);
        assert(idx == (int)i);
        (void)idx;
    }
    if (d->env.p_hostile)
        sim_liar_probe_full(&d->liar);
    return 0;
}

static void sessions_setup(sim_drv_t *d)
{
    const scn_t *scn = d->scn;
    for (uint32_t i = 0; i < d->sessions_n; i++) {
        sim_drv_session_t *s = &d->sessions[i];
        memset(s, 0, sizeof(*s));
        s->core = SIM_DRV_NONE;
        s->rec_first = s->rec_last = SIM_DRV_NONE;
        d->core_to_session[i] = SIM_DRV_NONE;
        if (i >= scn->sessions)
            continue; /* a REST front's, laid out when it is started */
        if (scn->has_sid && scn->sessions == 1)
            memcpy(s->sid, scn->sid, sizeof(s->sid));
        else
            sim_env_sid(s->sid, &d->env.rng_sid);
        if (scn->sessions == 1)
            snprintf(s->cname, sizeof(s->cname), "%s", scn->cname);
        else
            snprintf(s->cname, sizeof(s->cname), "%.*s_%" PRIu32, 52, scn->cname, i + 1);
        /* The scenario's `uid N` (the parser keeps N + i in 32 bits and off
         * the channel's users), else the simulator's own. */
        s->uid = (scn->has_uid ? scn->uid : SIM_RECORDER_UID_BASE) + i;
        s->mode = sim_env_mode(scn);
        s->webm = d->env.p_webm;
        s->mp4 = d->env.p_mp4;
        for (size_t u = 0; u < scn->users_count && u < HA_USERS_MAX; u++)
            s->users[s->users_count++] = scn->users[u];
    }
}

int sim_drv_setup(sim_drv_t *d, const sim_drv_opts_t *o, char *err, size_t err_cap)
{
    assert(o->scn != NULL && o->sink != NULL && o->ops != NULL);
    const scn_t *scn = o->scn;
    d->o = *o;
    d->scn = scn;
    d->ops = o->ops;
    d->p = o->platform;
    d->now_ms = 0;
    d->err[0] = '\0';
    memset(&d->stats, 0, sizeof(d->stats));
    d->provision_fail_left = 0;
    d->next_req = 0;
    d->act_pending = NULL;
    d->leave_pending = false;
    d->wall_offset_ms = 0;
    sim_env_init(&d->env, scn, o->seed, o->utc0_ms);
    memset(d->in_of, 0, sizeof(d->in_of));
    for (int k = 0; k < HA_IN_COUNT; k++)
        d->in_of[k].kind = (ha_in_kind_t)k;
    sim_rng_stream(&d->rng_rest_sid, o->seed, sim_rng_stream_id("rt_http_sid"));

    d->servers_n = scn->servers;
    d->sessions_n = scn->sessions + o->extra_sessions;
    if (!sim_reserve((void **)&d->servers, &d->servers_cap, d->servers_n, sizeof(*d->servers)) ||
        !sim_reserve((void **)&d->sessions, &d->sessions_cap, d->sessions_n, sizeof(*d->sessions)) ||
        !sim_reserve((void **)&d->core_to_session, &d->c2s_cap, d->sessions_n,
                 sizeof(*d->core_to_session)) ||
        drv_recs_setup(d, d->sessions_n + 64) != 0 || core_setup(d) != 0) {
        snprintf(err, err_cap, "out of memory for a world of %" PRIu32 " sessions on %" PRIu32
                 " servers", d->sessions_n, d->servers_n);
        return -1;
    }
    for (uint32_t i = 0; i < d->servers_n; i++)
        d->servers[i] = (sim_drv_server_t){.host_up = true, .link_up = true,
                                           .heal_after_detect_ms = -1, .last_hb_ms = -1,
                                           .rec_first = SIM_DRV_NONE, .rec_last = SIM_DRV_NONE};
    sessions_setup(d);
#ifdef SIM_WALL_DEADLINES
    /* The planted bug's table (clock.c): a measurement build, so it may
     * allocate per run. */
    free(d->wall_timers);
    d->wall_timers_n = ha_center_timer_slots(d->core);
    d->wall_timers = calloc(d->wall_timers_n, sizeof(*d->wall_timers));
    if (d->wall_timers == NULL) {
        snprintf(err, err_cap, "out of memory");
        return -1;
    }
#endif
    return 0;
}

/* ---- what a platform reads -------------------------------------------- */

const sim_env_t *sim_drv_env(const sim_drv_t *d) { return &d->env; }
int64_t sim_drv_now(const sim_drv_t *d) { return d->now_ms; }

void sim_drv_set_now(sim_drv_t *d, int64_t t_ms)
{
    assert(t_ms >= d->now_ms && "time never goes back");
    d->now_ms = t_ms;
}

uint32_t sim_drv_timer_slots(const sim_drv_t *d) { return ha_center_timer_slots(d->core); }
uint32_t sim_drv_sessions(const sim_drv_t *d) { return d->sessions_n; }

sim_drv_session_t *sim_drv_session(sim_drv_t *d, uint32_t session)
{
    assert(session < d->sessions_n);
    return &d->sessions[session];
}

sim_drv_server_t *sim_drv_server(sim_drv_t *d, uint32_t server)
{
    assert(server < d->servers_n);
    return &d->servers[server];
}

sim_drv_stats_t sim_drv_stats(const sim_drv_t *d) { return d->stats; }
ha_center_t *sim_drv_core(sim_drv_t *d) { return d->core; }

const char *sim_drv_failure(const sim_drv_t *d)
{
    return d->liar.failure[0] != '\0' ? d->liar.failure : NULL;
}

void sim_drv_fail(sim_drv_t *d, const char *msg)
{
    if (d->err[0] == '\0')
        snprintf(d->err, sizeof(d->err), "%s", msg);
}

const char *sim_drv_error(const sim_drv_t *d) { return d->err[0] != '\0' ? d->err : NULL; }
const char *sim_drv_error_text(const sim_drv_t *d) { return d->err; }

void sim_drv_add_transitions(const sim_drv_t *d, uint64_t *table)
{
    for (int st = 0; st < HA_ST_COUNT; st++) {
        for (int sev = 0; sev < HA_SEV_COUNT; sev++)
            table[st * HA_SEV_COUNT + sev] +=
                ha_center_transitions(d->core, (ha_state_t)st, (ha_sev_t)sev);
    }
}
