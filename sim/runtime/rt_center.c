/* rt_center.c -- the center process of a real-process run: the driver's
 * platform in (accelerated) wall-clock time.
 *
 * What a session, a fault or a command of the core means is the driver's
 * (drive/driver.h), the same code the simulated world runs on; the same
 * scenario and seed put the same environment around the core, drawn from
 * the same streams. What is here is how it happens for real: a recorder's
 * start-up, its slices and its death take the time a real process takes and
 * are reported over a socket by its host agent (rt_agent.c); a kill is a
 * SIGKILL, a disconnect the agent dropping the network.
 *
 * Time. Deadlines on one clock (rt_now_ms(), CLOCK_MONOTONIC, accelerated
 * by libfaketime when asked), which a wall-clock step never moves; t =
 * clock - t0. The wall clock only gives the run's UTC at t = 0. An input from a process is stamped with the
 * time the center reads it. A timer of the core is stamped with the time it
 * was due, not the time the loop got to it: each turn of the loop first fires
 * the timers due before now (at their due times), then reads what arrived
 * (at now), then runs the scenario's actions due (at now), then the timers
 * due at now -- world before timers within a millisecond, as in the
 * simulator -- so the core's bounds (60 s, 90 s, 6 s) land on the exact
 * millisecond in the trace however late the process woke up, and t never goes
 * back. Jitter shows in W lines only: a heal, a report, a ready arrive a few
 * milliseconds after the simulator would have them.
 *
 * A batch. When an agent says "partitioned", "healed" or "killed", what
 * belongs with it (the lost slices, the held exit reports and the heartbeat
 * at heal) follows at once and is read in the same turn, at the same t.
 */
#define _DEFAULT_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_center_impl.h"
#include "rt_clock.h"
#include "rt_control.h"
#include "rt_junit.h"
#include "rt_runs.h"
#include "rt_tracefile.h"
#include "trace/trace_json.h"

_Static_assert(sizeof(c_rec_t) <= SIM_DRV_REC_PLATFORM_BYTES, "fits its slot");

void rt_die_env(rt_center_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hasim-rt: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    c->env_failed = true;
    c->stop = true;
}

void rt_pid_note(rt_center_t *c, int32_t pid, const char *role, uint32_t id)
{
    if (pid > 0)
        rt_runs_note("pid", pid, NULL); /* its shm, should the run be killed */
    if (c->pids == NULL || pid <= 0)
        return;
    fprintf(c->pids, "%" PRId32 " %s %" PRIu32 "\n", pid, role, id);
    fflush(c->pids);
}

int64_t rt_run_now(const rt_center_t *c) { return sim_drv_now(c->drv); }

/* The time of what is processed next: never back. */
static void at(rt_center_t *c, int64_t t)
{
    assert(t >= 0 && t <= c->scn->end_ms + RT_LATE_MAX_MS && "t is the run's own clock");
    if (t > rt_run_now(c))
        sim_drv_set_now(c->drv, t);
}

/* Something due at due_ms handled at now_ms: past the budget the run cannot
 * be judged, and goes no further (rt_late.h). */
static void late(rt_center_t *c, int64_t due_ms, int64_t now_ms, const char *what, uint32_t id)
{
    if (!rt_late_note(&c->late, due_ms, now_ms, what, id))
        return;
    char how[256];
    rt_late_format(&c->late, how, sizeof(how));
    fprintf(stderr, "hasim-rt: the harness fell behind (%s): the run is inconclusive\n", how);
    c->stop = true;
}

/* ---- the trace ----------------------------------------------------------- */

static void trace_sink(void *ctx, const sim_tr_ev_t *ev)
{
    rt_center_t *c = ctx;
    c->events++;
    size_t n = sim_tr_json_format(c->line, sizeof(c->line), ev);
    if (n >= sizeof(c->line)) {
        rt_die_env(c, "a trace line is longer than %zu bytes", sizeof(c->line));
        return;
    }
    if (c->trace != NULL && fwrite(c->line, 1, n, c->trace) != n)
        c->trace_failed = true;
    sim_judge_event(c->judge, ev);
    if (c->ncs != NULL)
        ncs_writer_event(c->ncs, ev);
    if (c->notify != NULL)
        rt_notify_event(c->notify, ev);
}

bool rt_host_up(rt_center_t *c, uint32_t server)
{
    return !c->drv_ready || sim_drv_server(c->drv, server)->host_up;
}

void rt_to_agent(rt_center_t *c, uint32_t server, rt_msg_t *m)
{
    assert(server < c->servers_n);
    assert(m->type > RT_M_NONE && m->type < RT_M_COUNT && m->users_count <= RT_USERS_MAX);
    c_agent_t *ag = &c->agents[server];
    if (!ag->alive || !rt_host_up(c, server) || ag->fd < 0)
        return; /* a crashed host gets nothing */
    m->server = server;
    if (rt_send(ag->fd, m) != 0 && !c->tearing_down)
        rt_die_env(c, "host agent %" PRIu32 " (pid %" PRId32 ") does not listen", server + 1,
                   ag->pid);
}

static uint32_t core_session(rt_center_t *c, uint32_t ws)
{
    return sim_drv_session(c->drv, ws)->core;
}

/* ---- the driver's operations --------------------------------------------- */

/* A driver that never cancels (lazy_timers, as the simulated world): what
 * the slot held still fires at its time, and the core must see it is stale. */
static void timer_supersede(rt_center_t *c, uint32_t slot)
{
    if (!sim_drv_env(c->drv)->p_lazy_timers || !c->timers[slot].armed)
        return;
    for (uint32_t i = 0; i < c->lazy_cap; i++) {
        if (!c->lazy[i].armed) {
            c->lazy[i] = c->timers[slot];
            return;
        }
    }
    rt_die_env(c, "more than %" PRIu32 " superseded timers pending (lazy_timers)", c->lazy_cap);
}

static void rt_timer_arm(void *p, const ha_timer_t *t, int64_t at_ms)
{
    rt_center_t *c = p;
    assert(t->slot < c->timer_slots);
    timer_supersede(c, t->slot);
    c->timers[t->slot] = (c_timer_t){true, at_ms, ++c->timer_seq, *t};
}

static void rt_timer_cancel(void *p, uint32_t slot)
{
    rt_center_t *c = p;
    assert(slot < c->timer_slots);
    timer_supersede(c, slot);
    c->timers[slot].armed = false;
}

static void rt_rec_start(void *p, const sim_drv_start_t *st)
{
    rt_center_t *c = p;
    const sim_drv_session_t *s = sim_drv_session(c->drv, st->session);
    assert(st->server < c->servers_n && s->core != SIM_DRV_NONE && "a started session's recorder");
    assert(s->users_count <= RT_USERS_MAX && st->gop_ms >= 1 && st->latency_ms >= 0);
    rt_msg_t m = rt_msg(RT_M_START);
    m.rec = st->id;
    m.session = s->core;
    m.uid = st->uid;
    m.bak = st->bak;
    m.a_ms = st->latency_ms;
    m.b_ms = st->gop_ms;
    m.c_ms = c->t0_ms + rt_run_now(c);
    m.flags = (st->fail ? RT_F_FAIL : 0) | (s->mode == HA_MODE_INDIVIDUAL ? RT_F_INDIVIDUAL : 0) |
              (s->webm ? RT_F_WEBM : 0) | (s->mp4 ? RT_F_MP4 : 0);
    m.users_count = s->users_count;
    memcpy(m.users, s->users, sizeof(uint32_t) * s->users_count);
    /* Sent even when the link is cut: the agent is the network and drops
     * it, as a real one would. */
    rt_to_agent(c, st->server, &m);
}

static void rt_rec_resume(void *p, uint32_t id, int64_t latency_ms)
{
    rt_center_t *c = p;
    const sim_drv_rec_t *r = sim_drv_rec(c->drv, id);
    assert(r != NULL && latency_ms >= 0);
    rt_msg_t m = rt_msg(RT_M_RESUME);
    m.rec = id;
    m.session = core_session(c, r->session);
    m.a_ms = latency_ms;
    m.c_ms = c->t0_ms + rt_run_now(c);
    rt_to_agent(c, r->server, &m);
}

static void rt_rec_stop(void *p, uint32_t id, ha_stop_how_t how, sim_rec_state_t was)
{
    rt_center_t *c = p;
    (void)was;
    const sim_drv_rec_t *r = sim_drv_rec(c->drv, id);
    assert(r != NULL && (how == HA_STOP_FLUSH || how == HA_STOP_FENCE));
    rt_msg_t m = rt_msg(RT_M_STOP);
    m.rec = id;
    m.session = core_session(c, r->session);
    m.how = (uint8_t)how;
    rt_to_agent(c, r->server, &m);
}

static void rt_rec_kill(void *p, uint32_t id, uint32_t session, int64_t report_ms)
{
    rt_center_t *c = p;
    const sim_drv_rec_t *r = sim_drv_rec(c->drv, id);
    assert(r != NULL && r->state == SIM_REC_DEAD && report_ms >= 0 && "the driver marks it first");
    if (!sim_drv_server(c->drv, r->server)->host_up) {
        /* Its host crashed before it came up: nothing to signal. */
        sim_drv_trace_kill(c->drv, r->server, session, id);
        return;
    }
    /* Traced when the agent says the signal went out (RT_M_KILLED). */
    rt_msg_t m = rt_msg(RT_M_KILL);
    m.rec = id;
    m.session = core_session(c, session);
    m.a_ms = report_ms;
    rt_to_agent(c, r->server, &m);
}

static void rt_link_cut(void *p, uint32_t server, uint32_t session, int64_t heal_ms,
                        bool heal_after_detection)
{
    rt_center_t *c = p;
    assert(server < c->servers_n && sim_drv_server(c->drv, server)->link_up);
    c_agent_t *ag = &c->agents[server];
    if (ag->part_pending) {
        /* Already asked, not yet cut: nothing more to cut; the fact. */
        sim_drv_trace_disconnect(c->drv, server, session, heal_ms, heal_after_detection);
        return;
    }
    /* Traced when the agent says it cut the link (RT_M_PARTITIONED). */
    ag->part_pending = true;
    ag->part_ws = session;
    ag->part_heal_ms = heal_ms;
    ag->part_after_det = heal_after_detection;
    rt_msg_t m = rt_msg(RT_M_PARTITION);
    rt_to_agent(c, server, &m);
}

static void rt_heal_at(void *p, uint32_t server, int64_t at_ms)
{
    rt_center_t *c = p;
    assert(server < c->servers_n && at_ms >= rt_run_now(c));
    c->agents[server].heal_due_ms = at_ms;
}

static void leave_answered(rt_center_t *c, c_agent_t *ag);

static void rt_host_crash(void *p, uint32_t server)
{
    rt_center_t *c = p;
    assert(server < c->servers_n && sim_drv_server(c->drv, server)->host_up);
    c_agent_t *ag = &c->agents[server];
    /* The whole host: the agent and every recorder, one process group. */
    if (ag->alive && kill(-(pid_t)ag->pid, SIGKILL) != 0)
        (void)kill((pid_t)ag->pid, SIGKILL);
    leave_answered(c, ag); /* a dead host uploads nothing */
    ag->heal_due_ms = -1;
    ag->part_pending = false;
    if (ag->fd >= 0) {
        close(ag->fd);
        ag->fd = -1;
    }
}

static void on_agent_msg(rt_center_t *c, uint32_t server, const rt_msg_t *m);

/* Whatever the agent already said is processed before a crash is traced. */
static void rt_before_crash(void *p, uint32_t server)
{
    rt_center_t *c = p;
    c_agent_t *ag = &c->agents[server];
    if (!sim_drv_server(c->drv, server)->host_up)
        return;
    rt_msg_t m;
    for (int i = 0; ag->fd >= 0 && i < RT_DRAIN_MAX; i++) {
        if (rt_recv(ag->fd, &m) <= 0)
            return;
        on_agent_msg(c, server, &m);
    }
}

static void rt_user_join(void *p, uint32_t session, uint32_t uid)
{
    rt_center_t *c = p;
    uint32_t core = core_session(c, session);
    if (core == SIM_DRV_NONE)
        return;
    /* The channel is the world's: every recorder of the session sees it,
     * even one whose server is cut off (it sees it when it rejoins). */
    rt_msg_t m = rt_msg(RT_M_USER);
    m.session = core;
    m.uid = uid;
    m.flags = RT_F_JOIN;
    for (uint32_t i = 0; i < c->servers_n; i++)
        rt_to_agent(c, i, &m);
}

/* A leaving user's last slices are uploaded before the center hears of the
 * leave: every agent answers once its recorders of the session did
 * (RT_M_USER_DONE), and the world's next events wait for that. */
static void rt_user_leave(void *p, uint32_t session, uint32_t uid)
{
    rt_center_t *c = p;
    assert(!c->leave.pending && "one leave at a time: the driver waits for it");
    uint32_t core = core_session(c, session);
    c->leave = (c_leave_t){true, session, uid, ++c->leave_seq,
                           rt_run_now(c) + RT_LEAVE_WAIT_MS, 0};
    rt_msg_t m = rt_msg(RT_M_USER);
    m.session = core;
    m.uid = uid;
    m.a_ms = c->leave.seq;
    for (uint32_t i = 0; i < c->servers_n && core != SIM_DRV_NONE; i++) {
        c_agent_t *ag = &c->agents[i];
        if (!ag->alive || !sim_drv_server(c->drv, i)->host_up || ag->fd < 0)
            continue;
        ag->owes_leave = true;
        c->leave.remaining++;
        rt_to_agent(c, i, &m);
    }
    if (c->leave.remaining == 0) {
        c->leave.pending = false;
        sim_drv_user_left(c->drv, session, uid);
    }
}

static void leave_answered(rt_center_t *c, c_agent_t *ag)
{
    if (!c->leave.pending || !ag->owes_leave)
        return;
    assert(c->leave.remaining > 0 && "every agent that owes an answer is counted");
    ag->owes_leave = false;
    if (--c->leave.remaining == 0) {
        c->leave.pending = false;
        sim_drv_user_left(c->drv, c->leave.ws, c->leave.uid);
    }
}

static void rt_poll_at(void *p, uint32_t session, int64_t at_ms)
{
    rt_center_t *c = p;
    assert(session < sim_drv_sessions(c->drv) && at_ms > rt_run_now(c));
    c->poll_due_ms[session] = at_ms;
}

static const sim_drv_ops_t RT_OPS = {
    .timer_arm = rt_timer_arm,
    .timer_cancel = rt_timer_cancel,
    .rec_start = rt_rec_start,
    .rec_resume = rt_rec_resume,
    .rec_stop = rt_rec_stop,
    .rec_kill = rt_rec_kill,
    .link_cut = rt_link_cut,
    .heal_at = rt_heal_at,
    .host_crash = rt_host_crash,
    .user_join = rt_user_join,
    .user_leave = rt_user_leave,
    .poll_at = rt_poll_at,
    .file = rt_storage_file,
    .before_crash = rt_before_crash,
    .clock_step = rt_clock_step,
};

static const char *mode_word(ha_mode_t m)
{
    return m == HA_MODE_INDIVIDUAL ? "individual" : m == HA_MODE_WEB ? "web" : "mix";
}

/* ---- the REST front ------------------------------------------------------- */

/* A call through the same core, at the loop's now. */
static void http_api(void *ctx, const rt_http_req_t *req, rt_http_resp_t *resp)
{
    rt_center_t *c = ctx;
    uint32_t ws;
    if (req->call == HA_CALL_START) {
        ws = sim_drv_rest_session(c->drv, req->cname, req->uid, req->mode);
        if (ws == SIM_DRV_NONE) {
            resp->http = 429;
            snprintf(resp->message, sizeof(resp->message), "too many sessions");
            return;
        }
    } else {
        ws = sim_drv_session_by_sid(c->drv, req->sid);
    }
    sim_drv_reply_t reply;
    sim_drv_call(c->drv, ws, req->call, SIM_BY_NONE, 0, &reply);
    if (req->call == HA_CALL_START && reply.http == 200)
        fprintf(stderr, "hasim-rt: REST start: session %" PRIu32 ", sid %s, cname %s\n", ws + 1,
                sim_drv_session(c->drv, ws)->sid, req->cname);
    resp->http = reply.http;
    resp->code = reply.code;
    resp->status = reply.status;
    snprintf(resp->message, sizeof(resp->message), "%s", reply.message);
    snprintf(resp->file, sizeof(resp->file), "%s", reply.file);
    if (ws != SIM_DRV_NONE)
        snprintf(resp->sid, sizeof(resp->sid), "%s", sim_drv_session(c->drv, ws)->sid);
}

/* ---- what the agents say --------------------------------------------------- */

static bool msg_sane(const rt_msg_t *m)
{
    return m->track <= HA_TRACK_VIDEO && m->fmt <= HA_FMT_MP4;
}

static void on_partitioned(rt_center_t *c, uint32_t server)
{
    c_agent_t *ag = &c->agents[server];
    if (!ag->part_pending) {
        sim_drv_cut_done(c->drv, server, SIM_DRV_NONE, -1, false);
        return;
    }
    ag->part_pending = false;
    sim_drv_cut_done(c->drv, server, ag->part_ws, ag->part_heal_ms, ag->part_after_det);
    sim_drv_heal_schedule(c->drv, server, ag->part_heal_ms, ag->part_after_det);
}

/* What a recorder's agent says of it; r is NULL for an id the center never
 * started (the agent answers what it was told: a bug, or a stale message). */
static void on_rec_msg(rt_center_t *c, uint32_t server, const rt_msg_t *m, sim_drv_rec_t *r)
{
    if (m->type == RT_M_SPAWNED)
        rt_pid_note(c, m->pid, "recorder", m->rec);
    if (r == NULL)
        return;
    switch (m->type) {
    case RT_M_EXIT_REPORT: sim_drv_exit_report(c->drv, m->rec); break;
    case RT_M_READY: sim_drv_rec_ready(c->drv, m->rec); break;
    case RT_M_FAILED: sim_drv_rec_failed(c->drv, m->rec); break;
    case RT_M_EXITED: sim_drv_rec_exited(c->drv, m->rec); break;
    case RT_M_KILLED: sim_drv_trace_kill(c->drv, server, r->session, m->rec); break;
    case RT_M_SLICE:
    case RT_M_LOST:
        if (!msg_sane(m))
            break;
        if (m->type == RT_M_SLICE)
            sim_drv_slice_done(c->drv, m->rec, m->uid, (ha_track_t)m->track, (ha_fmt_t)m->fmt,
                               m->a_ms, m->b_ms);
        else
            sim_drv_slice_lost(c->drv, m->rec, m->uid, (ha_track_t)m->track, (ha_fmt_t)m->fmt,
                               m->a_ms, m->b_ms);
        break;
    case RT_M_SPAWNED:
        ((c_rec_t *)sim_drv_rec_platform(r))->pid = m->pid;
        if (c->opts->serve)
            rt_control_recorder(c, m->rec, m->pid);
        break;
    default:
        break;
    }
}

static void on_server_msg(rt_center_t *c, uint32_t server, const rt_msg_t *m)
{
    c_agent_t *ag = &c->agents[server];
    switch (m->type) {
    case RT_M_HELLO:
        ag->hello = true;
        break;
    case RT_M_HEARTBEAT:
        ag->hb_seen = true;
        if (m->c_ms > 0) /* when the agent's grid said it was due */
            late(c, m->c_ms - c->t0_ms, rt_now_ms() - c->t0_ms, "a heartbeat of server %u",
                 server + 1);
        sim_drv_heartbeat(c->drv, server);
        break;
    case RT_M_PARTITIONED:
        on_partitioned(c, server);
        break;
    case RT_M_USER_DONE:
        if (c->leave.pending && m->a_ms == c->leave.seq)
            leave_answered(c, ag);
        break;
    case RT_M_HEALED:
        if (!sim_drv_server(c->drv, server)->link_up)
            sim_drv_link_healed(c->drv, server);
        break;
    default:
        fprintf(stderr, "hasim-rt: warning: host agent %" PRIu32 " sent %s\n", server + 1,
                rt_msg_name(m->type));
        break;
    }
}

static bool is_rec_msg(uint8_t type)
{
    return type == RT_M_EXIT_REPORT || type == RT_M_READY || type == RT_M_FAILED ||
           type == RT_M_EXITED || type == RT_M_SLICE || type == RT_M_SPAWNED ||
           type == RT_M_KILLED || type == RT_M_LOST;
}

static void on_agent_msg(rt_center_t *c, uint32_t server, const rt_msg_t *m)
{
    assert(server < c->servers_n && m->follow <= RT_FOLLOW_MAX && "rt_recv checked it");
    c_agent_t *ag = &c->agents[server];
    if (!rt_host_up(c, server))
        return; /* said before the crash, read after: it never reached us */
    if (is_rec_msg(m->type))
        on_rec_msg(c, server, m, sim_drv_rec(c->drv, m->rec));
    else
        on_server_msg(c, server, m);
    /* The rest of the batch: already sent, read now, same t. */
    for (uint32_t i = 0; i < m->follow && ag->fd >= 0; i++) {
        rt_msg_t next;
        if (rt_recv_wait(ag->fd, &next, RT_BATCH_WAIT_MS) != 1) {
            if (!c->tearing_down && rt_host_up(c, server))
                rt_die_env(c, "host agent %" PRIu32 " cut a batch short", server + 1);
            return;
        }
        on_agent_msg(c, server, &next);
    }
}

static void read_agents(rt_center_t *c, const struct pollfd *fds)
{
    for (uint32_t i = 0; i < c->servers_n; i++) {
        c_agent_t *ag = &c->agents[i];
        if (ag->fd < 0 || fds[i].fd != ag->fd || fds[i].revents == 0)
            continue;
        for (int k = 0; k < RT_DRAIN_MAX && ag->fd >= 0; k++) {
            rt_msg_t m;
            int got = rt_recv(ag->fd, &m);
            if (got == 0)
                break;
            if (got < 0) {
                if (!rt_control_host_lost(c, i) && rt_host_up(c, i) && !c->tearing_down)
                    rt_die_env(c, "host agent %" PRIu32 " (pid %" PRId32 ") hung up", i + 1,
                               ag->pid);
                close(ag->fd);
                ag->fd = -1;
                break;
            }
            on_agent_msg(c, i, &m);
        }
    }
}

/* ---- the loop --------------------------------------------------------------- */

/* The armed timer due first, by (due, arming order), among the slots and
 * the superseded ones; only one due before limit (or at it, when
 * inclusive). */
static c_timer_t *timer_due(rt_center_t *c, int64_t limit, bool inclusive)
{
    c_timer_t *best = NULL;
    for (uint32_t i = 0; i < c->timer_slots + c->lazy_cap; i++) {
        c_timer_t *t = i < c->timer_slots ? &c->timers[i] : &c->lazy[i - c->timer_slots];
        if (!t->armed || t->at_ms > limit || (!inclusive && t->at_ms == limit))
            continue;
        if (best == NULL || t->at_ms < best->at_ms ||
            (t->at_ms == best->at_ms && t->seq < best->seq))
            best = t;
    }
    return best;
}

static void fire_timers(rt_center_t *c, int64_t limit, bool inclusive)
{
    c_timer_t *t;
    int64_t last = INT64_MIN;
    for (int n = 0; (t = timer_due(c, limit, inclusive)) != NULL; n++) {
        assert(n < RT_LOOP_INPUTS_MAX && "timers rearm themselves in the past");
        /* The core arms at or after the input's time: due times only grow. */
        assert(t->at_ms >= last);
        last = t->at_ms;
        t->armed = false;
        late(c, t->at_ms, limit, "a timer of the core (slot %u)", t->t.slot);
        /* At the time it was due: a late wake-up does not move a deadline. */
        at(c, t->at_ms);
        sim_drv_timer_due(c->drv, &t->t);
    }
}

static int64_t next_due(const rt_center_t *c)
{
    int64_t due = c->scn->end_ms;
    for (uint32_t i = 0; i < c->timer_slots + c->lazy_cap; i++) {
        const c_timer_t *t = i < c->timer_slots ? &c->timers[i] : &c->lazy[i - c->timer_slots];
        if (t->armed && t->at_ms < due)
            due = t->at_ms;
    }
    if (!c->warm)
        return due;
    if (!c->opts->serve && c->next_action < c->scn->actions_count &&
        c->scn->actions[c->next_action].at_ms < due)
        due = c->scn->actions[c->next_action].at_ms;
    for (uint32_t i = 0; i < c->servers_n; i++) {
        if (c->agents[i].heal_due_ms >= 0 && c->agents[i].heal_due_ms < due)
            due = c->agents[i].heal_due_ms;
    }
    for (uint32_t i = 0; i < sim_drv_sessions(c->drv); i++) {
        if (sim_drv_session(c->drv, i)->poll_on && c->poll_due_ms[i] < due)
            due = c->poll_due_ms[i];
    }
    return due;
}

static bool leave_waits(rt_center_t *c, int64_t now)
{
    if (!c->leave.pending)
        return false;
    if (now < c->leave.deadline_ms)
        return true; /* the world's next events wait, in order, for the leave */
    fprintf(stderr, "hasim-rt: warning: recorders did not upload user %" PRIu32
                    "'s last slices within %d ms\n", c->leave.uid, RT_LEAVE_WAIT_MS);
    for (uint32_t i = 0; i < c->servers_n; i++)
        c->agents[i].owes_leave = false;
    c->leave.pending = false;
    sim_drv_user_left(c->drv, c->leave.ws, c->leave.uid);
    return false;
}

static void world_due(rt_center_t *c, int64_t now)
{
    const scn_t *scn = c->scn;
    if (leave_waits(c, now))
        return;
    if (c->opts->serve && !rt_control_world_due(c))
        return; /* a leave from outside waits for the recorders, in order */
    /* A target's calls and faults come from outside (rt_control.h). */
    while (!c->opts->serve && c->next_action < scn->actions_count &&
           scn->actions[c->next_action].at_ms <= now) {
        const scn_action_t *a = &scn->actions[c->next_action];
        late(c, a->at_ms, now, "the scenario's action of line %u", (uint32_t)a->line);
        if (a->kind != SCN_ACT_END && a->at_ms < scn->end_ms && !sim_drv_act(c->drv, a))
            return; /* resumed here when the leave is done */
        c->next_action++;
        if (c->leave.pending)
            return;
    }
    for (uint32_t i = 0; i < c->servers_n; i++) {
        c_agent_t *ag = &c->agents[i];
        const sim_drv_server_t *sv = sim_drv_server(c->drv, i);
        if (ag->heal_due_ms >= 0 && ag->heal_due_ms <= now) {
            late(c, ag->heal_due_ms, now, "the heal of server %u", i + 1);
            ag->heal_due_ms = -1;
            if (sv->host_up && !sv->link_up) {
                /* Traced when the agent says so (RT_M_HEALED). */
                rt_msg_t m = rt_msg(RT_M_HEAL);
                rt_to_agent(c, i, &m);
            }
        }
    }
    for (uint32_t i = 0; i < sim_drv_sessions(c->drv); i++) {
        if (sim_drv_session(c->drv, i)->poll_on && c->poll_due_ms[i] <= now) {
            late(c, c->poll_due_ms[i], now, "the polling client of session %u", i + 1);
            sim_drv_poll_due(c->drv, i);
        }
    }
}

static void signals_read(rt_center_t *c)
{
    for (int s; (s = rt_sig_next(c->sig)) != 0;) {
        if (s == SIGCHLD) {
            rt_reap(c);
        } else {
            c->stop = true;
            c->stop_signal = s;
        }
    }
}

static void warm_check(rt_center_t *c)
{
    uint32_t seen = 0;
    for (uint32_t i = 0; i < c->servers_n; i++)
        seen += c->agents[i].hb_seen;
    c->warm = seen == c->servers_n;
}

/* On a terminal, a line that says how far the run is, once a real second. */
static void progress(rt_center_t *c, int64_t now)
{
    if (!c->progress_tty || now < c->progress_due_ms)
        return;
    c->progress_due_ms = now + 1000 * (int64_t)c->opts->speed;
    fprintf(stderr, "\r\033[Khasim-rt: t=%" PRId64 " s of %" PRId64 " s, %" PRIu64
                    " trace lines, worst lateness %" PRId64 " ms",
            now / 1000, c->scn->end_ms / 1000, c->events, c->late.max_ms);
    fflush(stderr);
}

/* One turn; false at the run's horizon. */
static bool loop_turn(rt_center_t *c, struct pollfd *fds, nfds_t nfds)
{
    const int64_t end = c->scn->end_ms;
    int64_t now = rt_now_ms() - c->t0_ms;
    int64_t wait = next_due(c) - now;
    if (c->http != NULL && rt_http_wait_ms(c->http) < wait)
        wait = rt_http_wait_ms(c->http); /* MHD's own work: see rt_http_run() */
    for (uint32_t i = 0; i < c->servers_n; i++)
        fds[i] = (struct pollfd){c->agents[i].fd, POLLIN, 0};
    fds[c->servers_n] = (struct pollfd){c->sig, POLLIN, 0};
    fds[c->servers_n + 1] = (struct pollfd){c->http ? rt_http_fd(c->http) : -1, POLLIN, 0};
    fds[c->servers_n + 2] = (struct pollfd){rt_control_world_fd(c), POLLIN, 0};
    if (c->trace != NULL)
        fflush(c->trace);
    (void)rt_poll(fds, nfds, wait);

    now = rt_now_ms() - c->t0_ms;
    if (now < rt_run_now(c))
        now = rt_run_now(c); /* the clock stepped back: time does not */
    /* 1. the timers that were due while we slept, at their times */
    fire_timers(c, now < end ? now : end, false);
    if (now >= end)
        return false;
    at(c, now);
    /* 2. what arrived */
    signals_read(c);
    read_agents(c, fds);
    if (c->http != NULL)
        rt_http_run(c->http); /* every turn: what is ready and what timed out */
    if (fds[c->servers_n + 2].revents)
        rt_control_world_read(c);
    if (!c->warm)
        warm_check(c);
    /* 3. the world's actions due, 4. the timers due at this very ms */
    if (c->warm)
        world_due(c, now);
    fire_timers(c, now, true);
    progress(c, now);
    rt_notify_tick(c->notify, now);
    return true;
}

static void loop(rt_center_t *c)
{
    nfds_t nfds = c->servers_n + 3;
    struct pollfd *fds = calloc(nfds, sizeof(*fds));
    if (fds == NULL) {
        rt_die_env(c, "out of memory");
        return;
    }
    c->progress_tty = !c->opts->quiet && isatty(STDERR_FILENO);
    while (!c->stop && loop_turn(c, fds, nfds)) {
    }
    if (c->progress_tty)
        fputs("\r\033[K", stderr); /* the verdict takes the line */
    free(fds);
}

/* ---- set-up ----------------------------------------------------------------- */

static FILE *open_out(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (f == NULL)
        close(fd);
    return f;
}

static int find_programs(rt_center_t *c)
{
    if (rt_self_dir(c->agent_path, sizeof(c->agent_path)) != 0) {
        fprintf(stderr, "hasim-rt: error: cannot find my own directory\n");
        return 2;
    }
    memcpy(c->recorder_path, c->agent_path, sizeof(c->recorder_path));
    size_t dl = strlen(c->agent_path);
    if (dl + 20 >= sizeof(c->agent_path)) {
        fprintf(stderr, "hasim-rt: error: path too long\n");
        return 2;
    }
    memcpy(c->agent_path + dl, "/hasim-agent", sizeof("/hasim-agent"));
    memcpy(c->recorder_path + dl, "/hasim-recorder", sizeof("/hasim-recorder"));
    if (access(c->agent_path, X_OK) != 0 || access(c->recorder_path, X_OK) != 0) {
        fprintf(stderr, "hasim-rt: error: %s and %s must be built next to hasim-rt\n",
                c->agent_path, c->recorder_path);
        return 2;
    }
    return 0;
}

static int make_workdir(rt_center_t *c)
{
    const rt_run_opts_t *o = c->opts;
    if (o->workdir != NULL) {
        if (snprintf(c->workdir, sizeof(c->workdir), "%s", o->workdir) >= (int)sizeof(c->workdir) ||
            (mkdir(c->workdir, 0755) != 0 && errno != EEXIST)) {
            fprintf(stderr, "%s: error: cannot create: %s\n", o->workdir, strerror(errno));
            return 2;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(c->workdir, sizeof(c->workdir), "%s/hasim-rt.XXXXXX",
                 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        if (mkdtemp(c->workdir) == NULL) {
            fprintf(stderr, "hasim-rt: error: cannot create a work directory: %s\n",
                    strerror(errno));
            return 2;
        }
        c->workdir_temp = true;
        rt_runs_note("dir", 0, c->workdir);
    }
    char storage[PATH_MAX];
    if (snprintf(storage, sizeof(storage), "%s/storage", c->workdir) >= (int)sizeof(storage) ||
        (mkdir(storage, 0755) != 0 && errno != EEXIST)) {
        fprintf(stderr, "%s: error: cannot create: %s\n", storage, strerror(errno));
        return 2;
    }
    return 0;
}

/* --ncs-dir's two logs, named after the scenario as `hasim run
 * --ncs-dir` names them. */
static int ncs_open(rt_center_t *c)
{
    static const char *const ext[2] = {"ncs", "api"};
    const char *dir = c->opts->ncs_dir;
    if (dir == NULL)
        return 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot create: %s\n", dir, strerror(errno));
        return 2;
    }
    const char *b = scn_base_name(c->opts->scenario_path);
    const size_t stem = scn_stem_len(b);
    for (int i = 0; i < 2; i++) {
        if (snprintf(c->ncs_path[i], sizeof(c->ncs_path[i]), "%s/%.*s.%s.jsonl", dir, (int)stem,
                     b, ext[i]) >= (int)sizeof(c->ncs_path[i])) {
            fprintf(stderr, "%s: error: the path is too long\n", dir);
            return 2;
        }
        c->ncs_f[i] = rt_trace_open(c->ncs_path[i], c->ncs_tmp[i], sizeof(c->ncs_tmp[i]));
        if (c->ncs_f[i] == NULL) {
            fprintf(stderr, "%s: error: cannot write: %s\n", c->ncs_path[i], strerror(errno));
            return 2;
        }
    }
    if ((c->ncs = ncs_writer_new(c->ncs_f[0], c->ncs_f[1], 0)) == NULL) {
        fprintf(stderr, "hasim-rt: error: out of memory\n");
        return 2;
    }
    return 0;
}

/* The logs in place when keep (a verdict came), else removed. 0, or 2
 * after a message. */
static int ncs_commit(rt_center_t *c, bool keep)
{
    int rc = 0;
    if (c->ncs != NULL && ncs_writer_finish(c->ncs) != 0 && keep) {
        fprintf(stderr, "%s: error: writing the callbacks failed\n", c->ncs_path[0]);
        keep = false;
        rc = 2;
    }
    ncs_writer_free(c->ncs);
    c->ncs = NULL;
    for (int i = 0; i < 2; i++) {
        if (c->ncs_f[i] != NULL &&
            rt_trace_commit(c->ncs_f[i], c->ncs_tmp[i], c->ncs_path[i], keep) != 0)
            rc = 2;
        c->ncs_f[i] = NULL;
    }
    return rc;
}

static int open_outputs(rt_center_t *c)
{
    const rt_run_opts_t *o = c->opts;
    if (o->trace_path != NULL &&
        (c->trace = rt_trace_open(o->trace_path, c->trace_tmp, sizeof(c->trace_tmp))) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", o->trace_path, strerror(errno));
        return 2;
    }
    if (o->pids_path != NULL && (c->pids = open_out(o->pids_path)) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", o->pids_path, strerror(errno));
        return 2;
    }
    rt_pid_note(c, (int32_t)getpid(), "center", 0);
    return ncs_open(c);
}

static int setup(rt_center_t *c)
{
    const scn_t *scn = c->scn;
    if (scn->servers > RT_SERVERS_MAX || scn->sessions > RT_SESSIONS_MAX) {
        fprintf(stderr, "%s: error: a real-process run takes at most %d servers and %d sessions "
                        "(this one: %" PRIu32 " and %" PRIu32 ")\n",
                scn->path, RT_SERVERS_MAX, RT_SESSIONS_MAX, scn->servers, scn->sessions);
        return 2;
    }
    int rc = find_programs(c);
    if (rc == 0)
        rc = make_workdir(c);
    if (rc == 0)
        rc = open_outputs(c);
    if (rc == 0 && c->opts->serve)
        rc = rt_control_init(c);
    if (rc != 0)
        return rc;
    c->agents = calloc(scn->servers, sizeof(*c->agents));
    c->judge = sim_judge_new();
    c->drv = sim_drv_new();
    if (c->agents == NULL || c->judge == NULL || c->drv == NULL ||
        sim_judge_begin(c->judge, scn) != 0) {
        fprintf(stderr, "hasim-rt: error: out of memory\n");
        return 2;
    }
    for (uint32_t i = 0; i < scn->servers; i++)
        c->agents[i] = (c_agent_t){.fd = -1, .heal_due_ms = -1};
    static const int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};
    c->sig = rt_sig_init(sigs, sizeof(sigs) / sizeof(sigs[0]));
    if (c->sig < 0) {
        fprintf(stderr, "hasim-rt: error: cannot catch signals\n");
        return 2;
    }
    rt_become_subreaper();
    c->servers_n = scn->servers;
    for (uint32_t i = 0; i < c->servers_n; i++) {
        if (rt_spawn_agent(c, i) != 0)
            return 2;
    }
    return 0;
}

/* The driver and the core, once the agents are up: t = 0 is now. */
static int driver_init(rt_center_t *c)
{
    sim_drv_opts_t o = {.scn = c->scn, .seed = c->scn->seed, .utc0_ms = c->t0_wall_ms,
                        /* a target's sessions all come through the front */
                        .extra_sessions = c->opts->http_port < 0 ? 0
                                          : RT_HTTP_SESSIONS + (c->opts->serve ? c->scn->sessions : 0),
                        .sink = trace_sink, .sink_ctx = c, .ops = &RT_OPS, .platform = c};
    char err[256];
    if (sim_drv_setup(c->drv, &o, err, sizeof(err)) != 0) {
        fprintf(stderr, "hasim-rt: error: %s\n", err);
        return 2;
    }
    c->drv_ready = true;
    c->timer_slots = sim_drv_timer_slots(c->drv);
    c->timers = calloc(c->timer_slots, sizeof(*c->timers));
    c->lazy_cap = sim_drv_env(c->drv)->p_lazy_timers ? c->timer_slots * 8 + 64 : 0;
    c->lazy = c->lazy_cap > 0 ? calloc(c->lazy_cap, sizeof(*c->lazy)) : NULL;
    c->poll_due_ms = calloc(sim_drv_sessions(c->drv), sizeof(*c->poll_due_ms));
    if (c->timers == NULL || (c->lazy_cap > 0 && c->lazy == NULL) || c->poll_due_ms == NULL) {
        fprintf(stderr, "hasim-rt: error: out of memory for the core\n");
        return 2;
    }
    return 0;
}

static int http_init(rt_center_t *c)
{
    if (c->opts->http_port < 0)
        return 0;
    char herr[256];
    c->http = rt_http_start((uint16_t)c->opts->http_port, c->opts->speed, http_api, c, herr, sizeof(herr));
    if (c->http == NULL) {
        fprintf(stderr, "hasim-rt: error: REST front: %s\n", herr);
        return 2;
    }
    fprintf(stderr, "hasim-rt: REST front on http://127.0.0.1:%u/v1/apps/APPID/cloud_recording/\n",
            (unsigned)rt_http_port(c->http));
    /* A curl of a sid that is not the run's gets the 404 of an unknown task,
     * which looks like a window's: say which sids are. */
    for (uint32_t i = 0; i < c->scn->sessions; i++) {
        const sim_drv_session_t *s = sim_drv_session(c->drv, i);
        fprintf(stderr, "hasim-rt: session %" PRIu32 ": sid %s, cname %s: .../resourceid/r1/sid/%s"
                        "/mode/%s/query\n", i + 1, s->sid, s->cname, s->sid, mode_word(s->mode));
    }
    return 0;
}

/* The callbacks' poster, before the run's first trace line. */
static int notify_init(rt_center_t *c)
{
    if (c->opts->notify_url == NULL)
        return 0;
    char err[256];
    int32_t pid = 0;
    c->notify = rt_notify_start(c->opts->notify_url, c->scn->seed * 2 + 1, &pid, err, sizeof(err));
    if (c->notify == NULL) {
        fprintf(stderr, "hasim-rt: error: %s\n", err);
        return 2;
    }
    rt_pid_note(c, pid, "notifier", 0);
    return 0;
}

/* ---- the verdict ------------------------------------------------------------ */

static void junit(rt_center_t *c, rt_junit_state_t state, const char *message, int64_t wall_ms)
{
    if (c->opts->junit_path != NULL &&
        rt_junit_write(c->opts->junit_path, c->opts->scenario_path, state, message, wall_ms) != 0)
        c->env_failed = true;
}

/* The verdict line says how late the harness got; past the budget the run
 * is INCONCLUSIVE and no rule is judged on it, whatever the oracle saw. */
static int verdict(rt_center_t *c, int64_t end_t, int64_t wall_ms)
{
    const scn_t *scn = c->scn;
    sim_verdict_t v;
    sim_judge_finish(c->judge, end_t, sim_drv_failure(c->drv), &v);
    char how[256], msg[320];
    rt_late_format(&c->late, how, sizeof(how));
    int rc = c->late.over ? RT_EXIT_INCONCLUSIVE : v.pass ? 0 : 1;
    if (!c->opts->quiet || rc != 0) {
        printf("%s  %s  (seed %" PRIu64 ", %" PRIu64 " trace lines, x%" PRIu32
               ", %" PRId64 " ms of run time in %" PRId64 " ms, %" PRIu64 " notes; %s)\n",
               rc == RT_EXIT_INCONCLUSIVE ? "INCONCLUSIVE" : v.pass ? "PASS" : "FAIL", scn->path,
               scn->seed, c->events, c->opts->speed, rt_run_now(c), wall_ms,
               orc_note_count(sim_judge_oracle(c->judge)), how);
        if (rc == RT_EXIT_INCONCLUSIVE)
            printf("      the harness fell behind: nothing of this run is judged (run it slower: "
                   "--speed N, or --speed auto)\n");
        else
            sim_verdict_print(stdout, &v, sim_judge_oracle(c->judge), !c->opts->quiet);
    }
    if (rc == RT_EXIT_INCONCLUSIVE) {
        snprintf(msg, sizeof(msg), "inconclusive: the harness fell behind: %s", how);
        junit(c, RT_JUNIT_SKIPPED, msg, wall_ms / c->opts->speed);
    } else {
        snprintf(msg, sizeof(msg), "%" PRIu64 " rule(s) broken, %d expectation(s) failed; %s",
                 v.violations, v.expect_failed, how);
        junit(c, v.pass ? RT_JUNIT_PASS : RT_JUNIT_FAIL, msg, wall_ms / c->opts->speed);
    }
    return rc;
}

/* ---- the run ---------------------------------------------------------------- */

static void center_free(rt_center_t *c)
{
    rt_http_stop(c->http);
    if (c->trace != NULL)
        (void)rt_trace_commit(c->trace, c->trace_tmp, c->opts->trace_path, false);
    (void)ncs_commit(c, false);
    if (c->pids != NULL)
        fclose(c->pids);
    free(c->timers);
    free(c->lazy);
    free(c->agents);
    free(c->poll_due_ms);
    sim_drv_free(c->drv);
    sim_judge_free(c->judge);
    scn_free(c->scn);
}

static int64_t run_scenario(rt_center_t *c)
{
    sim_drv_trace_run(c->drv, c->opts->scenario_path);
    for (uint32_t i = 0; i < c->servers_n; i++) {
        rt_msg_t go = rt_msg(RT_M_GO);
        go.a_ms = c->t0_ms;
        rt_to_agent(c, i, &go);
    }
    loop(c);
    int64_t end_t = rt_run_now(c) > c->scn->end_ms ? rt_run_now(c) : c->scn->end_ms;
    if (!c->stop) {
        /* As the simulator ends a run: at the horizon, nothing after. */
        sim_drv_set_now(c->drv, end_t);
        sim_drv_trace_run_end(c->drv);
    }
    return end_t;
}

static int finish(rt_center_t *c, int rc, int64_t end_t, int64_t wall_ms)
{
    const rt_run_opts_t *opts = c->opts;
    if (c->trace != NULL && fflush(c->trace) != 0)
        c->trace_failed = true;
    if (c->trace_failed) {
        fprintf(stderr, "%s: error: writing the trace failed\n", opts->trace_path);
        c->env_failed = true;
    }
    if (rc == 0 && opts->serve && !c->env_failed) {
        /* A target has no verdict of its own: the driver judges it. */
        fprintf(stderr, "hasim-rt: served %" PRIu64 " requests in %" PRId64 " ms of run time%s\n",
                c->http != NULL ? rt_http_requests(c->http) : 0, rt_run_now(c),
                c->stop_signal != 0 ? ", until a signal" : "");
    } else if (rc == 0 && c->stop && c->stop_signal != 0) {
        fprintf(stderr, "hasim-rt: interrupted by signal %d at t=%" PRId64
                        " ms; every process of the run is gone\n", c->stop_signal, rt_run_now(c));
        rc = 2;
    } else if (rc == 0 && c->env_failed) {
        rc = 2;
    } else if (rc == 0) {
        rc = verdict(c, end_t, wall_ms);
        if (c->env_failed) /* the JUnit could not be written */
            rc = 2;
    }
    /* The trace goes in place only now, and only with a verdict. */
    if (c->trace != NULL) {
        if (rt_trace_commit(c->trace, c->trace_tmp, opts->trace_path, rc == 0 || rc == 1) != 0)
            rc = 2;
        c->trace = NULL;
    }
    if (ncs_commit(c, rc == 0 || rc == 1) != 0)
        rc = 2;
    if (rc == RT_EXIT_INCONCLUSIVE && opts->trace_path != NULL)
        fprintf(stderr, "hasim-rt: no trace written: an inconclusive run's is no evidence\n");
    /* A temporary work directory is evidence only when the run failed. */
    if (c->workdir_temp && rc != 1 && !c->env_failed)
        rt_remove_tree(c->workdir, 2);
    else if (c->workdir_temp)
        fprintf(stderr, "hasim-rt: slices and storage kept in %s\n", c->workdir);
    return rc;
}

int rt_run(const rt_run_opts_t *opts)
{
    static rt_center_t center; /* one per process; the signal pipe is global anyway */
    rt_center_t *c = &center;
    memset(c, 0, sizeof(*c));
    c->opts = opts;
    c->scn = scn_new();
    if (c->scn == NULL) {
        fprintf(stderr, "hasim-rt: error: out of memory\n");
        return 2;
    }
    char err[SCN_ERR_SIZE];
    if (scn_parse_file(c->scn, opts->scenario_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        center_free(c);
        return 2;
    }
    if (opts->serve)
        c->scn->end_ms += RT_SERVE_EXTRA_MS;
    int64_t wall0 = rt_now_ms();
    int rc = setup(c);
    if (rc == 0)
        rc = rt_await_agents(c);
    if (rc == 0) {
        c->t0_ms = rt_now_ms();
        c->t0_wall_ms = rt_wall_ms();
        rc = driver_init(c);
    }
    if (rc == 0)
        rc = http_init(c);
    if (rc == 0)
        rc = notify_init(c);
    int64_t end_t = 0;
    if (rc == 0)
        end_t = run_scenario(c);
    rt_notify_finish(c->notify);
    c->notify = NULL;
    rt_teardown(c);
    rt_control_free(c);
    rc = finish(c, rc, end_t, rt_now_ms() - wall0);
    center_free(c);
    return rc;
}
