/* rt_center.c -- the center process of a real-process run.
 *
 * The simulated world (sim/world.c) turned inside out: where the simulator
 * schedules a recorder's start-up or a slice in its event queue, here a real
 * process takes that time and says so over a socket. What stays the same is
 * every decision: the same core gets the same kinds of inputs, its commands
 * become the same trace lines, the scenario's actions mean the same things,
 * the world parameters are drawn from the same seeded streams (so a
 * scenario's start-ups and UIDs are the simulator's, give or take jitter).
 *
 * Time. One clock (rt_now_ms(), CLOCK_REALTIME, accelerated by libfaketime
 * when asked); t = clock - t0. An input from a process is stamped with the
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
#include "rt_center.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expect.h"
#include "ha.h"
#include "oracle.h"
#include "rng.h"
#include "rt_http.h"
#include "rt_proto.h"
#include "scn.h"
#include "trace.h"
#include "trace_json.h"
#include "results.h"
#include "trace_cmd.h"
#include "world_env.h"
#include "world.h"

/* Bounds of a real run: every server is a process, every recorder too. */
#define RT_SERVERS_MAX 64
#define RT_SESSIONS_MAX 256
#define RT_HTTP_SESSIONS 8         /* started through the REST front */
#define RT_RECS_PER_SESSION 64     /* recorder ids a session can use up */
#define RT_HELLO_WAIT_MS 30000     /* agents up (run clock: fake ms under faketime) */
#define RT_SHUTDOWN_WAIT_MS 5000   /* agents gone after RT_M_SHUTDOWN */
#define RT_REAP_WAIT_MS 10000      /* every descendant reaped after SIGKILL */
#define RT_BATCH_WAIT_MS 2000      /* the rest of a batch, which is already sent */
#define RT_LOOP_INPUTS_MAX 100000  /* timers fired in one turn: a bug beyond */
#define RT_LEAVE_WAIT_MS 5000      /* recorders' last slices of a leaving user */

typedef enum { CR_NONE, CR_STARTING, CR_RUNNING, CR_STOPPING, CR_DEAD, CR_STOPPED } crec_state_t;

typedef struct {
    bool exists;
    uint8_t state; /* crec_state_t: what the harness knows of the process */
    uint32_t ws, server, uid;
    int32_t pid;
} c_rec_t;

typedef struct {
    bool armed;
    int64_t at_ms;
    uint64_t seq; /* arming order: same-millisecond timers fire in it */
    ha_timer_t t;
} c_timer_t;

typedef struct {
    int32_t pid; /* of the agent, also its process group */
    int fd;
    bool alive;   /* not reaped */
    bool host_up; /* not crashed by the scenario */
    bool link_up; /* as the agent last said */
    bool hello, hb_seen;
    bool part_pending, part_after_det; /* a disconnect waiting for the agent */
    uint32_t part_ws;
    int64_t part_heal_ms;
    int64_t heal_after_detect_ms; /* -1 none */
    int64_t heal_due_ms;          /* -1 none */
    bool owes_leave;              /* has not answered the pending leave */
} c_server_t;

typedef struct {
    bool used;
    bool http; /* started through the REST front */
    uint32_t core;
    uint32_t newest_rec;
    char sid[HA_SID_LEN + 1];
    char cname[HA_CNAME_MAX + 1];
    uint32_t uid;
    ha_mode_t mode;
    uint32_t users[HA_USERS_MAX];
    uint32_t users_count;
    uint32_t poll_stage;
    bool poll_on, ended;
    int64_t poll_due_ms;
} c_session_t;

typedef struct {
    bool pending; /* the world waits for the recorders' last slices */
    uint32_t ws, uid;
    int64_t seq, deadline_ms;
    uint32_t remaining;
} c_leave_t;

typedef struct {
    uint32_t ws;
    sim_by_t by;
    int expect;
    ha_call_t call;
    rt_http_resp_t *http; /* where a REST caller wants the answer */
    uint16_t reply_http;
} c_request_t;

typedef struct {
    const rt_run_opts_t *opts;
    scn_t *scn;
    bool stop;
    int stop_signal;
    bool env_failed; /* the environment broke (a process died unplanned, ...) */
    bool tearing_down;
    bool trace_failed;

    int64_t t0_ms;
    int64_t now; /* t of what is being processed */
    bool warm;   /* every server heartbeated: the scenario may run */
    uint64_t events, inputs, timer_seq;

    void *core_mem;
    ha_center_t *core;
    c_timer_t *timers;
    uint32_t timer_slots;
    c_timer_t *lazy; /* lazy_timers: superseded timers, which still fire */
    uint32_t lazy_cap;
    c_server_t *servers;
    uint32_t servers_n;
    c_session_t *sessions;
    uint32_t sessions_n; /* the scenario's, then the REST front's */
    uint32_t *core_to_world;
    c_rec_t *recs;
    uint32_t recs_cap;

    uint32_t provision_fail_left;
    size_t next_action;
    uint32_t action_ws;  /* a join/leave of many sessions: the next one */
    c_leave_t leave;
    int64_t leave_seq;
    uint64_t next_req;
    c_request_t req;

    sim_env_t env; /* the scenario's parameters and random streams, as the simulator's */
    sim_rng_t rng_http_sid;

    FILE *trace;
    FILE *pids;
    char line[8192];
    orc_t *orc;
    sim_expect_t *expect;
    rt_http_t *http;
    int sig;

    char workdir[PATH_MAX];
    bool workdir_temp;
    char agent_path[PATH_MAX], recorder_path[PATH_MAX];
    bool storage_warned;
    uint64_t slices_stored, reaped;
} rt_center_t;

static void die_env(rt_center_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void die_env(rt_center_t *c, const char *fmt, ...)
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

/* ---- the trace ----------------------------------------------------------- */

static void trace(rt_center_t *c, sim_tr_ev_t *ev)
{
    c->events++;
    size_t n = sim_tr_json_format(c->line, sizeof(c->line), ev);
    if (n >= sizeof(c->line)) {
        die_env(c, "a trace line is longer than %zu bytes", sizeof(c->line));
        return;
    }
    if (c->trace != NULL && fwrite(c->line, 1, n, c->trace) != n)
        c->trace_failed = true;
    orc_event(c->orc, ev);
    sim_expect_event(c->expect, ev);
}

static uint32_t one_based(uint32_t index) { return index == UINT32_MAX ? 0 : index + 1; }

static uint32_t world_session_of(const rt_center_t *c, uint32_t core_si)
{
    return core_si < c->sessions_n ? c->core_to_world[core_si] : UINT32_MAX;
}

static void pid_note(rt_center_t *c, int32_t pid, const char *role, uint32_t id)
{
    if (c->pids == NULL || pid <= 0)
        return;
    fprintf(c->pids, "%" PRId32 " %s %" PRIu32 "\n", pid, role, id);
    fflush(c->pids);
}

/* ---- inputs to the core --------------------------------------------------- */

static void at(rt_center_t *c, int64_t t)
{
    if (t > c->now)
        c->now = t;
}

static void input(rt_center_t *c, ha_input_t *in)
{
    in->t_ms = c->now;
    c->inputs++;
    ha_center_input(c->core, in);
}

static c_rec_t *rec_get(rt_center_t *c, uint32_t id)
{
    if (id == 0 || id >= c->recs_cap || !c->recs[id].exists)
        return NULL;
    return &c->recs[id];
}

static void rec_input(rt_center_t *c, ha_in_kind_t kind, uint32_t id, const c_rec_t *r)
{
    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.kind = kind;
    in.u.recorder.session = c->sessions[r->ws].core;
    in.u.recorder.server = r->server;
    in.u.recorder.recorder = id;
    input(c, &in);
}

static void rec_trace(rt_center_t *c, sim_tr_kind_t kind, uint32_t id, const c_rec_t *r)
{
    sim_tr_ev_t ev = sim_tr_ev(c->now, kind);
    ev.sess = r->ws + 1;
    ev.srv = r->server + 1;
    ev.rec = id;
    if (kind == SIM_TR_RECORDER_READY)
        ev.uid = r->uid;
    trace(c, &ev);
}

static void to_agent(rt_center_t *c, uint32_t server, rt_msg_t *m)
{
    c_server_t *sv = &c->servers[server];
    if (!sv->alive || !sv->host_up || sv->fd < 0)
        return; /* a crashed host gets nothing */
    m->server = server;
    if (rt_send(sv->fd, m) != 0 && !c->tearing_down)
        die_env(c, "host agent %" PRIu32 " (pid %" PRId32 ") does not listen", server + 1,
                sv->pid);
}

static bool server_reachable(const c_server_t *sv) { return sv->host_up && sv->link_up; }

/* ---- the core's commands --------------------------------------------------- */

static void emit_reply(rt_center_t *c, const ha_reply_t *rep)
{
    c_request_t *rq = &c->req;
    rq->reply_http = rep->http;
    c_session_t *s = rq->ws < c->sessions_n ? &c->sessions[rq->ws] : NULL;
    if (rq->call == HA_CALL_START && rep->http == 200 && s != NULL) {
        s->core = rep->session;
        s->used = true;
        if (rep->session < c->sessions_n)
            c->core_to_world[rep->session] = rq->ws;
        s->ended = false;
        sim_tr_ev_t ev = sim_tr_ev(c->now, SIM_TR_SESSION);
        ev.sess = rq->ws + 1;
        ev.sid = s->sid;
        ev.cname = s->cname;
        ev.mode = (int)s->mode;
        ev.uid = s->uid;
        ev.users = s->users;
        ev.users_count = s->users_count;
        trace(c, &ev);
        if (c->env.p_poll && !s->http && !s->poll_on) {
            s->poll_on = true;
            s->poll_stage = 0;
            s->poll_due_ms = c->now + SIM_POLL_FIRST_MS;
        }
    }
    sim_tr_ev_t ev = sim_tr_of_reply(c->now, rep, one_based(rq->ws), rq->call, rq->by, rq->expect);
    trace(c, &ev);

    if (rq->http != NULL) {
        rt_http_resp_t *h = rq->http;
        h->http = rep->http;
        h->code = rep->code;
        h->status = rq->call == HA_CALL_QUERY ? rep->status : -1;
        snprintf(h->message, sizeof(h->message), "%s", rep->message ? rep->message : "");
        snprintf(h->file, sizeof(h->file), "%s", rep->file ? rep->file : "");
    }
    if (rq->by == SIM_BY_POLLER && s != NULL && s->poll_on)
        s->poll_due_ms = c->now + sim_env_poll_next_ms(&s->poll_stage, rep->http);
}

static void emit_recorder(rt_center_t *c, const ha_cmd_t *cmd)
{
    uint32_t id = cmd->u.recorder.recorder;
    uint32_t ws = world_session_of(c, cmd->u.recorder.session);
    uint32_t server = cmd->u.recorder.server;
    assert(ws != UINT32_MAX && server < c->servers_n);

    sim_tr_ev_t ev = sim_tr_of_recorder(c->now, cmd, ws + 1);
    trace(c, &ev);

    c_server_t *sv = &c->servers[server];
    c_session_t *s = &c->sessions[ws];
    if (cmd->kind == HA_CMD_RECORDER_START) {
        if (id >= c->recs_cap) {
            die_env(c, "recorder id %" PRIu32 " beyond this run's %" PRIu32, id, c->recs_cap);
            return;
        }
        c_rec_t *r = &c->recs[id];
        assert(!r->exists && "the center reused a recorder id");
        *r = (c_rec_t){.exists = true, .state = CR_STARTING, .ws = ws, .server = server,
                       .uid = cmd->u.recorder.uid};
        s->newest_rec = id;
        rt_msg_t m = rt_msg(RT_M_START);
        m.rec = id;
        m.session = cmd->u.recorder.session;
        m.uid = cmd->u.recorder.uid;
        m.bak = cmd->u.recorder.bak;
        m.b_ms = sim_rng_range(&c->env.rng_gop, c->env.p_gop_lo, c->env.p_gop_hi);
        if (server_reachable(sv) && c->provision_fail_left > 0) {
            c->provision_fail_left--;
            m.flags |= RT_F_FAIL;
        }
        m.a_ms = sim_rng_range(&c->env.rng_start, c->env.p_start_lo, c->env.p_start_hi);
        m.c_ms = c->t0_ms + c->now;
        if (s->mode == HA_MODE_INDIVIDUAL)
            m.flags |= RT_F_INDIVIDUAL;
        if (c->env.p_webm && !s->http)
            m.flags |= RT_F_WEBM;
        if (c->env.p_mp4 && !s->http)
            m.flags |= RT_F_MP4;
        m.users_count = s->users_count;
        memcpy(m.users, s->users, sizeof(uint32_t) * s->users_count);
        /* Sent even when the harness believes the link cut: the agent is
         * the network and drops it, as a real one would. */
        to_agent(c, server, &m);
        return;
    }
    c_rec_t *r = rec_get(c, id);
    if (r == NULL)
        return;
    if (cmd->kind == HA_CMD_RECORDER_RESUME) {
        rt_msg_t m = rt_msg(RT_M_RESUME);
        m.rec = id;
        m.session = cmd->u.recorder.session;
        m.a_ms = sim_rng_range(&c->env.rng_rejoin, c->env.p_rejoin_lo, c->env.p_rejoin_hi);
        m.c_ms = c->t0_ms + c->now;
        to_agent(c, server, &m);
        return;
    }
    rt_msg_t m = rt_msg(RT_M_STOP);
    m.rec = id;
    m.session = cmd->u.recorder.session;
    m.how = (uint8_t)cmd->u.recorder.how;
    to_agent(c, server, &m);
    if (cmd->u.recorder.how == HA_STOP_FENCE && c->env.p_zombie)
        return; /* the zombie's agent does not pass it on (rt_agent.c) */
    if (r->state != CR_DEAD)
        r->state = cmd->u.recorder.how == HA_STOP_FLUSH && r->state == CR_RUNNING ? CR_STOPPING
                                                                                 : CR_STOPPED;
}

/* The cloud storage: playlists and slices under their names, so that a run
 * leaves what the service would have uploaded (workdir/storage). */
static void storage_append(rt_center_t *c, const char *name, const char *text)
{
    char path[PATH_MAX];
    if (name == NULL ||
        snprintf(path, sizeof(path), "%s/storage/%s", c->workdir, name) >= (int)sizeof(path))
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        if (!c->storage_warned)
            fprintf(stderr, "hasim-rt: warning: cannot write %s: %s\n", path, strerror(errno));
        c->storage_warned = true;
    }
    if (fd >= 0)
        close(fd);
}

static void storage_slice(rt_center_t *c, const ha_cmd_t *cmd)
{
    char src[PATH_MAX], dst[PATH_MAX];
    const char *ext = cmd->u.file.fmt == HA_FMT_MP4    ? "mp4"
                      : cmd->u.file.fmt == HA_FMT_WEBM ? "webm"
                                                       : "ts";
    /* The recorder's own name for it (rt_recorder.c). */
    if (snprintf(src, sizeof(src), "%s/srv%" PRIu32 "/r%" PRIu32 "_%" PRIu32 "_%u_%" PRId64 ".%s",
                 c->workdir, cmd->u.file.server + 1, cmd->u.file.recorder, cmd->u.file.uid,
                 (unsigned)cmd->u.file.track, cmd->u.file.start_utc_ms, ext) >= (int)sizeof(src) ||
        snprintf(dst, sizeof(dst), "%s/storage/%s", c->workdir, cmd->u.file.name) >=
            (int)sizeof(dst))
        return;
    if (link(src, dst) != 0 && errno != EEXIST)
        storage_append(c, cmd->u.file.name, "hasim: the recorder's file was not found\n");
    c->slices_stored++;
    if (cmd->u.file.playlist != NULL) {
        char entry[HA_NAME_MAX + 64];
        int64_t d = cmd->u.file.end_utc_ms - cmd->u.file.start_utc_ms;
        snprintf(entry, sizeof(entry), "#EXTINF:%" PRId64 ".%03" PRId64 ",\n%s\n", d / 1000,
                 d % 1000, cmd->u.file.name);
        storage_append(c, cmd->u.file.playlist, entry);
    }
}

static void emit_file(rt_center_t *c, const ha_cmd_t *cmd)
{
    sim_tr_ev_t ev = sim_tr_of_file(c->now, cmd, one_based(world_session_of(c, cmd->u.file.session)));
    trace(c, &ev);
    if (ev.kind == SIM_TR_PLAYLIST_OPEN)
        storage_append(c, cmd->u.file.playlist, "#EXTM3U\n#EXT-X-VERSION:3\n");
    else if (ev.kind == SIM_TR_PLAYLIST_CLOSE)
        storage_append(c, cmd->u.file.playlist, "#EXT-X-ENDLIST\n");
    else
        storage_slice(c, cmd);
}

static void emit_notify(rt_center_t *c, const ha_notify_t *n)
{
    uint32_t ws = world_session_of(c, n->session);
    sim_tr_ev_t ev = sim_tr_of_notify(c->now, n, one_based(ws));
    trace(c, &ev);
    if (n->event_type == HA_NCS_SESSION_EXIT && ws != UINT32_MAX) {
        c->sessions[ws].ended = true;
        c->sessions[ws].poll_on = false; /* the client saw session_exit */
    }
}

static void emit_event(rt_center_t *c, const ha_event_info_t *e)
{
    sim_tr_ev_t ev = sim_tr_of_event(c->now, e, one_based(world_session_of(c, e->session)));
    trace(c, &ev);

    if (e->what == HA_EV_SERVER_DOWN && e->server < c->servers_n) {
        c_server_t *sv = &c->servers[e->server];
        if (sv->heal_after_detect_ms >= 0 && !sv->link_up)
            sv->heal_due_ms = c->now + sv->heal_after_detect_ms;
        sv->heal_after_detect_ms = -1;
    }
}

/* A driver that never cancels (lazy_timers, as sim/world.c): what the slot
 * held still fires at its time, and the core must see it is stale. */
static void timer_supersede(rt_center_t *c, uint32_t slot)
{
    if (!c->env.p_lazy_timers || !c->timers[slot].armed)
        return;
    for (uint32_t i = 0; i < c->lazy_cap; i++) {
        if (!c->lazy[i].armed) {
            c->lazy[i] = c->timers[slot];
            return;
        }
    }
    die_env(c, "more than %" PRIu32 " superseded timers pending (lazy_timers)", c->lazy_cap);
}

static void c_emit(void *ctx, const ha_cmd_t *cmd)
{
    rt_center_t *c = ctx;
    switch (cmd->kind) {
    case HA_CMD_REPLY:
        emit_reply(c, &cmd->u.reply);
        break;
    case HA_CMD_TIMER_ARM: {
        uint32_t slot = cmd->u.arm.timer.slot;
        assert(slot < c->timer_slots);
        timer_supersede(c, slot);
        c->timers[slot] = (c_timer_t){true, cmd->u.arm.at_ms, ++c->timer_seq, cmd->u.arm.timer};
        break;
    }
    case HA_CMD_TIMER_CANCEL:
        assert(cmd->u.cancel.slot < c->timer_slots);
        timer_supersede(c, cmd->u.cancel.slot);
        c->timers[cmd->u.cancel.slot].armed = false;
        break;
    case HA_CMD_RECORDER_START:
    case HA_CMD_RECORDER_RESUME:
    case HA_CMD_RECORDER_STOP:
        emit_recorder(c, cmd);
        break;
    case HA_CMD_PLAYLIST_OPEN:
    case HA_CMD_SLICE_WRITE:
    case HA_CMD_PLAYLIST_CLOSE:
        emit_file(c, cmd);
        break;
    case HA_CMD_NOTIFY:
        emit_notify(c, &cmd->u.notify);
        break;
    case HA_CMD_EVENT:
        emit_event(c, &cmd->u.event);
        break;
    case HA_CMD_COUNT:
        break;
    }
}

static uint64_t c_random(void *ctx)
{
    rt_center_t *c = ctx;
    return sim_rng_next(&c->env.rng_uid);
}

/* ---- API calls -------------------------------------------------------------- */

/* A session that starts learns who is in its channel already, as it learns
 * of everyone who joins later: a replacement's new UID must avoid them (R7).
 * (The simulator's world does the same: sim/world.c.) */
static void users_present(rt_center_t *c, uint32_t ws)
{
    const c_session_t *s = &c->sessions[ws];
    for (uint32_t i = 0; i < s->users_count; i++) {
        ha_input_t in = sim_env_user_input(true, s->core, s->users[i]);
        input(c, &in);
    }
}

static void api_call(rt_center_t *c, uint32_t ws, ha_call_t call, sim_by_t by, int expect,
                     rt_http_resp_t *http)
{
    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.kind = HA_IN_API;
    in.u.api.call = call;
    in.u.api.req_id = ++c->next_req;
    in.u.api.session = ws < c->sessions_n ? c->sessions[ws].core : UINT32_MAX;
    if (call == HA_CALL_START) {
        const c_session_t *s = &c->sessions[ws];
        in.u.api.mode = s->mode;
        in.u.api.uid = s->uid;
        memcpy(in.u.api.sid, s->sid, sizeof(in.u.api.sid));
        memcpy(in.u.api.cname, s->cname, sizeof(in.u.api.cname));
        in.u.api.webm = c->env.p_webm && !s->http;
        in.u.api.mp4 = c->env.p_mp4 && !s->http;
    }
    uint32_t core_before = ws < c->sessions_n ? c->sessions[ws].core : UINT32_MAX;
    c->req = (c_request_t){ws, by, expect, call, http, 0};
    input(c, &in);
    c->req.http = NULL;
    /* Accepted: a new slot (slots are never reused, so a restart after
     * the end gets another one too). */
    if (call == HA_CALL_START && ws < c->sessions_n && c->sessions[ws].core != core_before &&
        c->sessions[ws].core != UINT32_MAX)
        users_present(c, ws);
}


/* The REST front: a call through the same core, at the loop's now. */
static void http_api(void *ctx, const rt_http_req_t *req, rt_http_resp_t *resp)
{
    rt_center_t *c = ctx;
    uint32_t ws = UINT32_MAX;
    if (req->call == HA_CALL_START) {
        for (uint32_t i = c->scn->sessions; i < c->sessions_n && ws == UINT32_MAX; i++) {
            if (!c->sessions[i].used)
                ws = i;
        }
        if (ws == UINT32_MAX) {
            resp->http = 429;
            snprintf(resp->message, sizeof(resp->message), "too many sessions");
            return;
        }
        c_session_t *s = &c->sessions[ws];
        memset(s, 0, sizeof(*s));
        s->http = true;
        s->core = UINT32_MAX;
        sim_env_sid(s->sid, &c->rng_http_sid);
        snprintf(s->cname, sizeof(s->cname), "%s", req->cname);
        s->uid = req->uid;
        s->mode = req->mode;
    } else {
        for (uint32_t i = 0; i < c->sessions_n && ws == UINT32_MAX; i++) {
            if (c->sessions[i].used && strcmp(c->sessions[i].sid, req->sid) == 0)
                ws = i;
        }
    }
    api_call(c, ws, req->call, SIM_BY_NONE, 0, resp);
    if (ws != UINT32_MAX)
        snprintf(resp->sid, sizeof(resp->sid), "%s", c->sessions[ws].sid);
}

/* ---- the scenario's actions ------------------------------------------------- */

/* The recorder a fault aimed at "the serving recorder" hits: the newest one
 * of the session that is still a process (as sim/world.c). */
static uint32_t fault_target(rt_center_t *c, uint32_t ws)
{
    uint32_t id = c->sessions[ws].newest_rec;
    const c_rec_t *r = rec_get(c, id);
    if (r == NULL || r->state == CR_DEAD || r->state == CR_STOPPED)
        return 0;
    return id;
}

static void fault_trace(rt_center_t *c, sim_fault_t f, uint32_t server, uint32_t ws, uint32_t rec,
                        int64_t heal_ms, uint32_t count)
{
    sim_tr_ev_t ev = sim_tr_ev(c->now, SIM_TR_FAULT);
    ev.fault = f;
    ev.srv = one_based(server);
    ev.sess = one_based(ws);
    ev.rec = rec;
    ev.heal_ms = heal_ms;
    ev.count = count;
    trace(c, &ev);
}

/* The center hears of the leave: after the recorders uploaded the leaving
 * user's last slices (sim/world.c keeps the same order). */
static void leave_complete(rt_center_t *c)
{
    const c_session_t *s = &c->sessions[c->leave.ws];
    c->leave.pending = false;
    sim_tr_ev_t ev = sim_tr_ev(c->now, SIM_TR_USER);
    ev.sess = c->leave.ws + 1;
    ev.uid = c->leave.uid;
    ev.joined = false;
    trace(c, &ev);
    if (s->core != UINT32_MAX) {
        ha_input_t in = sim_env_user_input(false, s->core, c->leave.uid);
        input(c, &in);
    }
}

static void leave_answered(rt_center_t *c, c_server_t *sv)
{
    if (!c->leave.pending || !sv->owes_leave)
        return;
    sv->owes_leave = false;
    if (--c->leave.remaining == 0)
        leave_complete(c);
}

static void user_change(rt_center_t *c, uint32_t ws, uint32_t uid, bool join)
{
    c_session_t *s = &c->sessions[ws];
    uint32_t pos = UINT32_MAX;
    for (uint32_t i = 0; i < s->users_count; i++) {
        if (s->users[i] == uid)
            pos = i;
    }
    if (join == (pos != UINT32_MAX))
        return;
    if (join && s->users_count == HA_USERS_MAX)
        return;
    if (join)
        s->users[s->users_count++] = uid;
    else
        s->users[pos] = s->users[--s->users_count];

    /* The channel is the world's: every recorder of the session sees it,
     * even one whose server is cut off (it sees it when it rejoins). */
    rt_msg_t m = rt_msg(RT_M_USER);
    m.session = s->core;
    m.uid = uid;
    m.flags = join ? RT_F_JOIN : 0;
    if (!join) {
        /* A leaving user's last slices are uploaded before the center hears
         * of the leave: every agent answers once its recorders of the
         * session did (RT_M_USER_DONE). */
        c->leave = (c_leave_t){true, ws, uid, ++c->leave_seq, c->now + RT_LEAVE_WAIT_MS, 0};
        m.a_ms = c->leave.seq;
        for (uint32_t i = 0; i < c->servers_n && s->core != UINT32_MAX; i++) {
            c_server_t *sv = &c->servers[i];
            if (!sv->alive || !sv->host_up || sv->fd < 0)
                continue;
            sv->owes_leave = true;
            c->leave.remaining++;
            to_agent(c, i, &m);
        }
        if (c->leave.remaining == 0)
            leave_complete(c);
        return;
    }
    sim_tr_ev_t ev = sim_tr_ev(c->now, SIM_TR_USER);
    ev.sess = ws + 1;
    ev.uid = uid;
    ev.joined = true;
    trace(c, &ev);
    if (s->core == UINT32_MAX)
        return;
    ha_input_t in = sim_env_user_input(true, s->core, uid);
    input(c, &in);
    for (uint32_t i = 0; i < c->servers_n; i++)
        to_agent(c, i, &m);
}

static void heal_schedule(rt_center_t *c, uint32_t server, int64_t heal_ms, bool after_det)
{
    c_server_t *sv = &c->servers[server];
    if (heal_ms >= 0 && !after_det)
        sv->heal_due_ms = c->now + heal_ms;
    else if (heal_ms >= 0)
        sv->heal_after_detect_ms = heal_ms;
}

static void on_agent_msg(rt_center_t *c, uint32_t server, const rt_msg_t *m);

/* Whatever the agent already said is processed before a crash is traced. */
static void agent_drain(rt_center_t *c, uint32_t server)
{
    c_server_t *sv = &c->servers[server];
    rt_msg_t m;
    for (int i = 0; sv->fd >= 0 && i < 100000; i++) {
        int got = rt_recv(sv->fd, &m);
        if (got <= 0)
            return;
        on_agent_msg(c, server, &m);
    }
}

static void crash_host(rt_center_t *c, uint32_t server)
{
    c_server_t *sv = &c->servers[server];
    if (sv->host_up)
        agent_drain(c, server);
    fault_trace(c, SIM_FAULT_CRASH, server, UINT32_MAX, 0, -1, 0);
    if (!sv->host_up)
        return;
    /* The whole host: the agent and every recorder, one process group. */
    if (sv->alive && kill(-(pid_t)sv->pid, SIGKILL) != 0)
        (void)kill((pid_t)sv->pid, SIGKILL);
    leave_answered(c, sv); /* before host_up drops: a dead host uploads nothing */
    sv->host_up = false;
    sv->link_up = false;
    sv->heal_due_ms = -1;
    sv->heal_after_detect_ms = -1;
    if (sv->fd >= 0) {
        close(sv->fd);
        sv->fd = -1;
    }
    for (uint32_t id = 1; id < c->recs_cap; id++) {
        c_rec_t *r = &c->recs[id];
        if (r->exists && r->server == server && r->state != CR_STOPPED)
            r->state = CR_DEAD;
    }
}

static void on_action(rt_center_t *c, const scn_action_t *a)
{
    const scn_t *scn = c->scn;
    uint32_t first, last;
    sim_env_action_sessions(scn, a, &first, &last);
    switch (a->kind) {
    case SCN_ACT_START:
    case SCN_ACT_QUERY:
    case SCN_ACT_UPDATE:
    case SCN_ACT_UPDATE_LAYOUT:
    case SCN_ACT_STOP:
        for (uint32_t ws = first; ws < last; ws++)
            api_call(c, ws, sim_env_call_of(a->kind), SIM_BY_SCENARIO, a->expect_status, NULL);
        break;
    case SCN_ACT_KILL:
        for (uint32_t ws = first; ws < last; ws++) {
            uint32_t id = fault_target(c, ws);
            c_rec_t *r = rec_get(c, id);
            if (r == NULL || !c->servers[r->server].host_up) {
                fault_trace(c, SIM_FAULT_KILL, r ? r->server : UINT32_MAX, ws, id, -1, 0);
                continue;
            }
            /* Traced when the agent says the signal went out (RT_M_KILLED). */
            r->state = CR_DEAD;
            rt_msg_t m = rt_msg(RT_M_KILL);
            m.rec = id;
            m.session = c->sessions[ws].core;
            m.a_ms = sim_rng_range(&c->env.rng_kill, c->env.p_kill_lo, c->env.p_kill_hi);
            to_agent(c, r->server, &m);
        }
        break;
    case SCN_ACT_DISCONNECT:
        for (uint32_t ws = first; ws < last; ws++) {
            c_rec_t *r = rec_get(c, fault_target(c, ws));
            if (r == NULL) {
                fault_trace(c, SIM_FAULT_DISCONNECT, UINT32_MAX, ws, 0, -1, 0);
                continue;
            }
            uint32_t server = r->server;
            c_server_t *sv = &c->servers[server];
            if (!sv->host_up || !sv->link_up || sv->part_pending) {
                /* Nothing more to cut: the fact, and its heal, as the
                 * simulator has them. */
                int64_t heal_ms = a->heal_ms >= 0 && !a->heal_after_detection
                                      ? c->now + a->heal_ms : -1;
                fault_trace(c, SIM_FAULT_DISCONNECT, server, ws, 0, heal_ms, 0);
                if (sv->host_up && !sv->part_pending)
                    heal_schedule(c, server, a->heal_ms, a->heal_after_detection);
                continue;
            }
            /* Traced when the agent says it cut the link (RT_M_PARTITIONED). */
            sv->part_pending = true;
            sv->part_ws = ws;
            sv->part_heal_ms = a->heal_ms;
            sv->part_after_det = a->heal_after_detection;
            rt_msg_t m = rt_msg(RT_M_PARTITION);
            to_agent(c, server, &m);
        }
        break;
    case SCN_ACT_CRASH_HOST:
        crash_host(c, a->host - 1);
        break;
    case SCN_ACT_PROVISION_FAIL:
        fault_trace(c, SIM_FAULT_PROVISION_FAIL, UINT32_MAX, UINT32_MAX, 0, -1, a->count);
        c->provision_fail_left += a->count;
        break;
    case SCN_ACT_JOIN:
    case SCN_ACT_LEAVE:
        /* One session at a time: a leave waits for the recorders, and the
         * next session's turn comes when it is done (world_due). */
        if (c->action_ws < first)
            c->action_ws = first;
        for (; c->action_ws < last && !c->leave.pending; c->action_ws++)
            user_change(c, c->action_ws, a->uid, a->kind == SCN_ACT_JOIN);
        break;
    case SCN_ACT_END:
    case SCN_ACT_COUNT:
        break;
    }
}

/* ---- what the agents say ------------------------------------------------------ */

static void slice_trace(rt_center_t *c, sim_tr_kind_t kind, const c_rec_t *r, uint32_t id,
                        const rt_msg_t *m)
{
    sim_tr_ev_t ev = sim_tr_ev(c->now, kind);
    ev.sess = r->ws + 1;
    ev.srv = r->server + 1;
    ev.rec = id;
    ev.uid = m->uid;
    ev.track = m->track;
    ev.fmt = m->fmt;
    ev.start_utc_ms = m->a_ms;
    ev.end_utc_ms = m->b_ms;
    trace(c, &ev);
}

static bool msg_sane(const rt_msg_t *m)
{
    return m->track <= HA_TRACK_VIDEO && m->fmt <= HA_FMT_MP4;
}

static void on_agent_msg(rt_center_t *c, uint32_t server, const rt_msg_t *m)
{
    c_server_t *sv = &c->servers[server];
    if (!sv->host_up)
        return; /* said before the crash, read after: it never reached us */
    c_rec_t *r = rec_get(c, m->rec);
    switch (m->type) {
    case RT_M_HELLO:
        sv->hello = true;
        break;
    case RT_M_HEARTBEAT: {
        sv->hb_seen = true;
        ha_input_t in;
        memset(&in, 0, sizeof(in));
        in.kind = HA_IN_HEARTBEAT;
        in.u.heartbeat.server = server;
        input(c, &in);
        break;
    }
    case RT_M_EXIT_REPORT:
        if (r != NULL) {
            sim_tr_ev_t ev = sim_tr_ev(c->now, SIM_TR_EXIT_REPORT);
            ev.srv = server + 1;
            ev.rec = m->rec;
            trace(c, &ev);
            rec_input(c, HA_IN_EXIT_REPORT, m->rec, r);
        }
        break;
    case RT_M_READY:
        if (r != NULL) {
            if (r->state == CR_STARTING)
                r->state = CR_RUNNING;
            rec_trace(c, SIM_TR_RECORDER_READY, m->rec, r);
            rec_input(c, HA_IN_RECORDER_READY, m->rec, r);
        }
        break;
    case RT_M_FAILED:
        if (r != NULL) {
            r->state = CR_DEAD;
            rec_trace(c, SIM_TR_RECORDER_FAILED, m->rec, r);
            rec_input(c, HA_IN_RECORDER_FAILED, m->rec, r);
        }
        break;
    case RT_M_EXITED:
        if (r != NULL) {
            r->state = CR_STOPPED;
            rec_trace(c, SIM_TR_RECORDER_EXITED, m->rec, r);
            rec_input(c, HA_IN_RECORDER_EXITED, m->rec, r);
        }
        break;
    case RT_M_SLICE:
        if (r != NULL && msg_sane(m)) {
            slice_trace(c, SIM_TR_SLICE_DONE, r, m->rec, m);
            ha_input_t in;
            memset(&in, 0, sizeof(in));
            in.kind = HA_IN_SLICE;
            in.u.slice.session = c->sessions[r->ws].core;
            in.u.slice.server = r->server;
            in.u.slice.recorder = m->rec;
            in.u.slice.uid = m->uid;
            in.u.slice.track = (ha_track_t)m->track;
            in.u.slice.fmt = (ha_fmt_t)m->fmt;
            in.u.slice.start_utc_ms = m->a_ms;
            in.u.slice.end_utc_ms = m->b_ms;
            input(c, &in);
        }
        break;
    case RT_M_SPAWNED:
        if (r != NULL)
            r->pid = m->pid;
        pid_note(c, m->pid, "recorder", m->rec);
        break;
    case RT_M_KILLED:
        if (r != NULL)
            fault_trace(c, SIM_FAULT_KILL, server, r->ws, m->rec, -1, 0);
        break;
    case RT_M_LOST:
        if (r != NULL && msg_sane(m))
            slice_trace(c, SIM_TR_SLICE_LOST, r, m->rec, m);
        break;
    case RT_M_PARTITIONED: {
        sv->link_up = false;
        int64_t heal_ms = sv->part_heal_ms >= 0 && !sv->part_after_det
                              ? c->now + sv->part_heal_ms : -1;
        fault_trace(c, SIM_FAULT_DISCONNECT, server, sv->part_pending ? sv->part_ws : UINT32_MAX,
                    0, heal_ms, 0);
        if (sv->part_pending)
            heal_schedule(c, server, sv->part_heal_ms, sv->part_after_det);
        sv->part_pending = false;
        break;
    }
    case RT_M_USER_DONE:
        if (c->leave.pending && m->a_ms == c->leave.seq)
            leave_answered(c, sv);
        break;
    case RT_M_HEALED:
        if (!sv->link_up) {
            sv->link_up = true;
            sv->heal_after_detect_ms = -1;
            fault_trace(c, SIM_FAULT_HEAL, server, UINT32_MAX, 0, -1, 0);
        }
        break;
    default:
        fprintf(stderr, "hasim-rt: warning: host agent %" PRIu32 " sent %s\n", server + 1,
                rt_msg_name(m->type));
        break;
    }
    /* The rest of the batch: already sent, read now, same t. */
    for (uint32_t i = 0; i < m->follow && sv->fd >= 0; i++) {
        rt_msg_t next;
        if (rt_recv_wait(sv->fd, &next, RT_BATCH_WAIT_MS) != 1) {
            if (!c->tearing_down && sv->host_up)
                die_env(c, "host agent %" PRIu32 " cut a batch short", server + 1);
            return;
        }
        on_agent_msg(c, server, &next);
    }
}

/* ---- processes ------------------------------------------------------------------ */

static int spawn_agent(rt_center_t *c, uint32_t i)
{
    c_server_t *sv = &c->servers[i];
    char dir[PATH_MAX], srv_s[16], cap_s[16], zombie_s[4];
    if (snprintf(dir, sizeof(dir), "%s/srv%" PRIu32, c->workdir, i + 1) >= (int)sizeof(dir) ||
        (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
        die_env(c, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(srv_s, sizeof(srv_s), "%" PRIu32, i + 1);
    snprintf(cap_s, sizeof(cap_s), "%" PRIu32, c->scn->capacity);
    snprintf(zombie_s, sizeof(zombie_s), "%d", c->env.p_zombie ? 1 : 0);
    int sv_fd[2];
    if (rt_socketpair(sv_fd) != 0) {
        die_env(c, "socketpair: %s", strerror(errno));
        return -1;
    }
    int32_t self = (int32_t)getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* Its own process group: a host crash is one kill(-pgid). */
        (void)setpgid(0, 0);
        if (rt_die_with_parent(self) != 0 || dup2(sv_fd[1], RT_FD) < 0)
            _exit(1);
        signal(SIGINT, SIG_IGN); /* the terminal's ^C is for hasim-rt to handle */
        char name[] = "hasim-agent";
        char *args[] = {name, srv_s, dir, c->recorder_path, cap_s, zombie_s, NULL};
        execv(c->agent_path, args);
        _exit(127);
    }
    close(sv_fd[1]);
    if (pid < 0) {
        close(sv_fd[0]);
        die_env(c, "fork: %s", strerror(errno));
        return -1;
    }
    (void)setpgid(pid, pid); /* both sides, whichever runs first */
    rt_nonblock(sv_fd[0]);
    *sv = (c_server_t){.pid = (int32_t)pid, .fd = sv_fd[0], .alive = true, .host_up = true,
                       .link_up = true, .heal_after_detect_ms = -1, .heal_due_ms = -1};
    pid_note(c, (int32_t)pid, "agent", i + 1);
    return 0;
}

/* Reaps what exited; false once no child at all is left (adopted ones
 * included: we are their subreaper). */
static bool reap(rt_center_t *c)
{
    for (int i = 0; i < 100000; i++) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            return errno != ECHILD;
        if (pid == 0)
            return true;
        c->reaped++;
        for (uint32_t s = 0; s < c->servers_n; s++) {
            c_server_t *sv = &c->servers[s];
            if (!sv->alive || sv->pid != (int32_t)pid)
                continue;
            sv->alive = false;
            if (sv->host_up && !c->tearing_down) {
                /* A host dying without the scenario's word: the run is void. */
                die_env(c, "host agent %" PRIu32 " (pid %d) died: %s %d", s + 1, (int)pid,
                        WIFSIGNALED(status) ? "signal" : "exit status",
                        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            }
        }
        /* Else a recorder orphaned by a host crash (we are its subreaper). */
    }
    return true;
}

static void shm_forget(int32_t pid)
{
    char p[64];
    if (pid <= 0)
        return;
    snprintf(p, sizeof(p), "/dev/shm/faketime_shm_%" PRId32, pid);
    (void)unlink(p);
    snprintf(p, sizeof(p), "/dev/shm/sem.faketime_sem_%" PRId32, pid);
    (void)unlink(p);
}

static void teardown(rt_center_t *c)
{
    c->tearing_down = true;
    for (uint32_t i = 0; i < c->servers_n; i++) {
        rt_msg_t m = rt_msg(RT_M_SHUTDOWN);
        to_agent(c, i, &m);
    }
    int64_t until = rt_now_ms() + RT_SHUTDOWN_WAIT_MS;
    for (;;) {
        reap(c);
        bool any = false;
        for (uint32_t i = 0; i < c->servers_n; i++)
            any |= c->servers[i].alive;
        if (!any || rt_now_ms() >= until)
            break;
        struct pollfd p = {c->sig, POLLIN, 0};
        (void)rt_poll(&p, 1, 50);
        while (rt_sig_next(c->sig) != 0) {
        }
    }
    /* Whatever is left: SIGKILL by process group, never by name. */
    for (uint32_t i = 0; i < c->servers_n; i++) {
        c_server_t *sv = &c->servers[i];
        if (sv->alive)
            (void)kill(-(pid_t)sv->pid, SIGKILL);
        if (sv->fd >= 0) {
            close(sv->fd);
            sv->fd = -1;
        }
    }
    until = rt_now_ms() + RT_REAP_WAIT_MS;
    while (reap(c)) {
        if (rt_now_ms() >= until) {
            fprintf(stderr, "hasim-rt: error: processes of the run would not die\n");
            c->env_failed = true;
            break;
        }
        struct pollfd p = {c->sig, POLLIN, 0};
        (void)rt_poll(&p, 1, 20);
        while (rt_sig_next(c->sig) != 0) {
        }
    }
    /* libfaketime's shared memory belongs to the process that created it;
     * ours inherit FAKETIME_SHARED and create none, but a killed one must
     * not leave any behind. Only names with our pids. */
    for (uint32_t id = 0; id < c->recs_cap; id++) {
        if (c->recs[id].exists)
            shm_forget(c->recs[id].pid);
    }
    for (uint32_t i = 0; i < c->servers_n; i++)
        shm_forget(c->servers[i].pid);
}

/* ---- setup ---------------------------------------------------------------------- */



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

static int setup(rt_center_t *c)
{
    const scn_t *scn = c->scn;
    const rt_run_opts_t *o = c->opts;
    if (scn->servers > RT_SERVERS_MAX || scn->sessions > RT_SESSIONS_MAX) {
        fprintf(stderr, "%s: error: a real-process run takes at most %d servers and %d sessions "
                        "(this one: %" PRIu32 " and %" PRIu32 ")\n",
                scn->path, RT_SERVERS_MAX, RT_SESSIONS_MAX, scn->servers, scn->sessions);
        return 2;
    }
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
    }
    char storage[PATH_MAX];
    if (snprintf(storage, sizeof(storage), "%s/storage", c->workdir) >= (int)sizeof(storage) ||
        (mkdir(storage, 0755) != 0 && errno != EEXIST)) {
        fprintf(stderr, "%s: error: cannot create: %s\n", storage, strerror(errno));
        return 2;
    }
    if (o->trace_path != NULL && (c->trace = open_out(o->trace_path)) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", o->trace_path, strerror(errno));
        return 2;
    }
    if (o->pids_path != NULL && (c->pids = open_out(o->pids_path)) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", o->pids_path, strerror(errno));
        return 2;
    }
    pid_note(c, (int32_t)getpid(), "center", 0);

    /* The simulator's environment; the UTC of t = 0 is the (faked) wall
     * clock's, not the scenario's `clock`. */
    sim_env_init(&c->env, scn, scn->seed, 0);
    sim_rng_stream(&c->rng_http_sid, scn->seed, sim_rng_stream_id("rt_http_sid"));

    /* The core is sized as the simulator sizes it, plus room for sessions
     * started through the REST front when there is one. */
    uint32_t sessions_n = scn->sessions + (o->http_port >= 0 ? RT_HTTP_SESSIONS : 0);
    uint32_t recs_cap = sessions_n * RT_RECS_PER_SESSION + 64;
    c->servers = calloc(scn->servers, sizeof(*c->servers));
    c->sessions = calloc(sessions_n, sizeof(*c->sessions));
    c->core_to_world = calloc(sessions_n, sizeof(*c->core_to_world));
    c->recs = calloc(recs_cap, sizeof(*c->recs));
    c->orc = orc_new();
    c->expect = sim_expect_new();
    if (c->servers == NULL || c->sessions == NULL || c->core_to_world == NULL ||
        c->recs == NULL || c->orc == NULL || c->expect == NULL ||
        sim_expect_begin(c->expect, scn) != 0) {
        fprintf(stderr, "hasim-rt: error: out of memory\n");
        return 2;
    }
    c->servers_n = scn->servers;
    c->sessions_n = sessions_n;
    c->recs_cap = recs_cap;
    for (uint32_t i = 0; i < c->servers_n; i++)
        c->servers[i] = (c_server_t){.fd = -1, .heal_after_detect_ms = -1, .heal_due_ms = -1};
    for (uint32_t i = 0; i < c->sessions_n; i++) {
        c_session_t *s = &c->sessions[i];
        s->core = UINT32_MAX;
        c->core_to_world[i] = UINT32_MAX;
        if (i >= scn->sessions)
            continue;
        if (scn->has_sid && scn->sessions == 1)
            memcpy(s->sid, scn->sid, sizeof(s->sid));
        else
            sim_env_sid(s->sid, &c->env.rng_sid);
        if (scn->sessions == 1)
            snprintf(s->cname, sizeof(s->cname), "%s", scn->cname);
        else
            snprintf(s->cname, sizeof(s->cname), "%.*s_%" PRIu32, 52, scn->cname, i + 1);
        s->uid = SIM_RECORDER_UID_BASE + i;
        s->mode = sim_env_mode(scn);
        for (size_t u = 0; u < scn->users_count && u < HA_USERS_MAX; u++)
            s->users[s->users_count++] = scn->users[u];
    }

    static const int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};
    c->sig = rt_sig_init(sigs, sizeof(sigs) / sizeof(sigs[0]));
    if (c->sig < 0) {
        fprintf(stderr, "hasim-rt: error: cannot catch signals\n");
        return 2;
    }
    rt_become_subreaper();
    for (uint32_t i = 0; i < c->servers_n; i++) {
        if (spawn_agent(c, i) != 0)
            return 2;
    }
    return 0;
}

/* Every agent said hello (its process runs and listens). */
static int await_agents(rt_center_t *c)
{
    int64_t until = rt_now_ms() + RT_HELLO_WAIT_MS;
    struct pollfd *fds = calloc((size_t)c->servers_n + 1, sizeof(*fds));
    if (fds == NULL)
        return 2;
    for (;;) {
        uint32_t hellos = 0;
        for (uint32_t i = 0; i < c->servers_n; i++)
            hellos += c->servers[i].hello;
        if (hellos == c->servers_n)
            break;
        if (rt_now_ms() >= until || c->stop) {
            if (!c->stop)
                die_env(c, "host agents did not start within %d ms", RT_HELLO_WAIT_MS);
            free(fds);
            return 2;
        }
        for (uint32_t i = 0; i < c->servers_n; i++)
            fds[i] = (struct pollfd){c->servers[i].fd, POLLIN, 0};
        fds[c->servers_n] = (struct pollfd){c->sig, POLLIN, 0};
        (void)rt_poll(fds, c->servers_n + 1, 100);
        for (int s; (s = rt_sig_next(c->sig)) != 0;) {
            if (s == SIGCHLD)
                reap(c);
            else {
                c->stop = true;
                c->stop_signal = s;
            }
        }
        for (uint32_t i = 0; i < c->servers_n; i++) {
            rt_msg_t m;
            int got = rt_recv(c->servers[i].fd, &m);
            if (got == 1 && m.type == RT_M_HELLO)
                c->servers[i].hello = true;
            else if (got < 0) {
                die_env(c, "host agent %" PRIu32 " did not start", i + 1);
                free(fds);
                return 2;
            }
        }
    }
    free(fds);
    return 0;
}

static int core_init(rt_center_t *c)
{
    ha_config_t cfg = {.servers_max = c->servers_n, .sessions_max = c->sessions_n,
                       .emit = c_emit, .emit_ctx = c, .random = c_random, .random_ctx = c,
                       .utc_at_zero_ms = c->t0_ms};
    size_t need = ha_center_footprint(&cfg);
    c->core_mem = aligned_alloc(16, (need + 15) / 16 * 16);
    if (c->core_mem == NULL)
        return -1;
    c->core = ha_center_init(c->core_mem, (need + 15) / 16 * 16, &cfg);
    if (c->core == NULL)
        return -1;
    for (uint32_t i = 0; i < c->servers_n; i++) {
        int idx = ha_center_add_server(c->core, c->scn->capacity);
        assert(idx == (int)i);
        (void)idx;
    }
    c->timer_slots = ha_center_timer_slots(c->core);
    c->timers = calloc(c->timer_slots, sizeof(*c->timers));
    c->lazy_cap = c->env.p_lazy_timers ? c->timer_slots * 8 + 64 : 0;
    c->lazy = c->lazy_cap > 0 ? calloc(c->lazy_cap, sizeof(*c->lazy)) : NULL;
    return c->timers != NULL && (c->lazy_cap == 0 || c->lazy != NULL) ? 0 : -1;
}

/* ---- the loop --------------------------------------------------------------------- */

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
    for (int n = 0; (t = timer_due(c, limit, inclusive)) != NULL; n++) {
        assert(n < RT_LOOP_INPUTS_MAX && "timers rearm themselves in the past");
        t->armed = false;
        /* At the time it was due: a late wake-up does not move a deadline. */
        at(c, t->at_ms);
        ha_input_t in;
        memset(&in, 0, sizeof(in));
        in.kind = HA_IN_TIMER;
        in.u.timer = t->t;
        input(c, &in);
    }
}

static int64_t next_due(const rt_center_t *c)
{
    int64_t due = c->scn->end_ms;
    for (uint32_t i = 0; i < c->timer_slots; i++) {
        if (c->timers[i].armed && c->timers[i].at_ms < due)
            due = c->timers[i].at_ms;
    }
    for (uint32_t i = 0; i < c->lazy_cap; i++) {
        if (c->lazy[i].armed && c->lazy[i].at_ms < due)
            due = c->lazy[i].at_ms;
    }
    if (!c->warm)
        return due;
    if (c->next_action < c->scn->actions_count && c->scn->actions[c->next_action].at_ms < due)
        due = c->scn->actions[c->next_action].at_ms;
    for (uint32_t i = 0; i < c->servers_n; i++) {
        if (c->servers[i].heal_due_ms >= 0 && c->servers[i].heal_due_ms < due)
            due = c->servers[i].heal_due_ms;
    }
    for (uint32_t i = 0; i < c->sessions_n; i++) {
        if (c->sessions[i].poll_on && c->sessions[i].poll_due_ms < due)
            due = c->sessions[i].poll_due_ms;
    }
    return due;
}

/* A join or leave action still has sessions to do. */
static bool action_unfinished(const rt_center_t *c, const scn_action_t *a)
{
    if (a->kind != SCN_ACT_JOIN && a->kind != SCN_ACT_LEAVE)
        return false;
    uint32_t last = a->session ? a->session : c->scn->sessions;
    return c->action_ws < last;
}

static void world_due(rt_center_t *c, int64_t now)
{
    const scn_t *scn = c->scn;
    if (c->leave.pending) {
        if (now < c->leave.deadline_ms)
            return; /* the world's next events wait, in order, for the leave */
        fprintf(stderr, "hasim-rt: warning: recorders did not upload user %" PRIu32
                        "'s last slices within %d ms\n", c->leave.uid, RT_LEAVE_WAIT_MS);
        for (uint32_t i = 0; i < c->servers_n; i++)
            c->servers[i].owes_leave = false;
        leave_complete(c);
    }
    while (c->next_action < scn->actions_count && scn->actions[c->next_action].at_ms <= now) {
        const scn_action_t *a = &scn->actions[c->next_action];
        if (a->kind != SCN_ACT_END && a->at_ms < scn->end_ms)
            on_action(c, a);
        if (c->leave.pending && action_unfinished(c, a))
            return; /* resumed here when the leave is done */
        c->next_action++;
        c->action_ws = 0;
        if (c->leave.pending)
            return;
    }
    for (uint32_t i = 0; i < c->servers_n; i++) {
        c_server_t *sv = &c->servers[i];
        if (sv->heal_due_ms >= 0 && sv->heal_due_ms <= now) {
            sv->heal_due_ms = -1;
            if (sv->host_up && !sv->link_up) {
                /* Traced when the agent says so (RT_M_HEALED). */
                rt_msg_t m = rt_msg(RT_M_HEAL);
                to_agent(c, i, &m);
            }
        }
    }
    for (uint32_t i = 0; i < c->sessions_n; i++) {
        c_session_t *s = &c->sessions[i];
        if (s->poll_on && s->poll_due_ms <= now)
            api_call(c, i, HA_CALL_QUERY, SIM_BY_POLLER, 0, NULL);
    }
}

static void read_agents(rt_center_t *c, const struct pollfd *fds)
{
    for (uint32_t i = 0; i < c->servers_n; i++) {
        c_server_t *sv = &c->servers[i];
        if (sv->fd < 0 || fds[i].fd != sv->fd || fds[i].revents == 0)
            continue;
        for (int k = 0; k < 100000 && sv->fd >= 0; k++) {
            rt_msg_t m;
            int got = rt_recv(sv->fd, &m);
            if (got == 0)
                break;
            if (got < 0) {
                if (sv->host_up && !c->tearing_down)
                    die_env(c, "host agent %" PRIu32 " (pid %" PRId32 ") hung up", i + 1,
                            sv->pid);
                close(sv->fd);
                sv->fd = -1;
                break;
            }
            on_agent_msg(c, i, &m);
        }
    }
}

static void loop(rt_center_t *c)
{
    const int64_t end = c->scn->end_ms;
    nfds_t nfds = c->servers_n + 2;
    struct pollfd *fds = calloc(nfds, sizeof(*fds));
    if (fds == NULL) {
        die_env(c, "out of memory");
        return;
    }
    while (!c->stop) {
        int64_t now = rt_now_ms() - c->t0_ms;
        int64_t wait = next_due(c) - now;
        for (uint32_t i = 0; i < c->servers_n; i++)
            fds[i] = (struct pollfd){c->servers[i].fd, POLLIN, 0};
        fds[c->servers_n] = (struct pollfd){c->sig, POLLIN, 0};
        fds[c->servers_n + 1] = (struct pollfd){c->http ? rt_http_fd(c->http) : -1, POLLIN, 0};
        if (c->trace != NULL)
            fflush(c->trace);
        (void)rt_poll(fds, nfds, wait);

        now = rt_now_ms() - c->t0_ms;
        if (now < c->now)
            now = c->now; /* the clock stepped back: time does not */
        /* 1. the timers that were due while we slept, at their times */
        fire_timers(c, now < end ? now : end, false);
        if (now >= end)
            break;
        at(c, now);
        /* 2. what arrived */
        for (int s; (s = rt_sig_next(c->sig)) != 0;) {
            if (s == SIGCHLD) {
                reap(c);
            } else {
                c->stop = true;
                c->stop_signal = s;
            }
        }
        read_agents(c, fds);
        if (c->http != NULL && fds[c->servers_n + 1].revents)
            rt_http_run(c->http);
        if (!c->warm) {
            uint32_t seen = 0;
            for (uint32_t i = 0; i < c->servers_n; i++)
                seen += c->servers[i].hb_seen;
            c->warm = seen == c->servers_n;
        }
        /* 3. the world's actions due, 4. the timers due at this very ms */
        if (c->warm)
            world_due(c, now);
        fire_timers(c, now, true);
    }
    free(fds);
}

/* ---- the verdict ------------------------------------------------------------------ */

static int verdict(rt_center_t *c, int64_t end_t, int64_t wall_ms)
{
    const scn_t *scn = c->scn;
    orc_finish(c->orc, end_t);
    char msgs[2048];
    int expect_failed = sim_expect_finish(c->expect, msgs, sizeof(msgs));
    uint64_t violations = sim_expect_verdict(scn, c->orc, &expect_failed, msgs, sizeof(msgs));
    bool pass = violations == 0 && expect_failed == 0;
    if (!c->opts->quiet || !pass) {
        printf("%s  %s  (seed %" PRIu64 ", %" PRIu64 " trace lines, x%" PRIu32
               ", %" PRId64 " ms of run time in %" PRId64 " ms, %" PRIu64 " notes)\n",
               pass ? "PASS" : "FAIL", scn->path, scn->seed, c->events, c->opts->speed,
               end_t, wall_ms, orc_note_count(c->orc));
        if (!pass)
            results_print_violations(stdout, c->orc);
        if (msgs[0] != '\0')
            printf("      %s", msgs);
        size_t n;
        const orc_note_t *notes = orc_notes(c->orc, &n);
        for (size_t k = 0; k < n && !c->opts->quiet; k++)
            printf("      note A%d: %s\n", notes[k].assumption, notes[k].msg);
    }
    return pass ? 0 : 1;
}

/* ---- the run ---------------------------------------------------------------------- */

static void remove_tree(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[PATH_MAX];
        if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= (int)sizeof(p))
            continue;
        if (unlink(p) != 0 && errno == EISDIR && depth > 0)
            remove_tree(p, depth - 1);
    }
    closedir(d);
    (void)rmdir(dir);
}

static void center_free(rt_center_t *c)
{
    rt_http_stop(c->http);
    if (c->trace != NULL && fclose(c->trace) != 0)
        c->trace_failed = true;
    if (c->pids != NULL)
        fclose(c->pids);
    free(c->core_mem);
    free(c->timers);
    free(c->lazy);
    free(c->servers);
    free(c->sessions);
    free(c->core_to_world);
    free(c->recs);
    orc_free(c->orc);
    sim_expect_free(c->expect);
    scn_free(c->scn);
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
    int64_t wall0 = rt_now_ms();
    int rc = setup(c);
    if (rc == 0)
        rc = await_agents(c);
    if (rc == 0) {
        c->t0_ms = rt_now_ms();
        if (core_init(c) != 0) {
            fprintf(stderr, "hasim-rt: error: out of memory for the core\n");
            rc = 2;
        }
    }
    if (rc == 0 && opts->http_port >= 0) {
        char herr[256];
        c->http = rt_http_start((uint16_t)opts->http_port, http_api, c, herr, sizeof(herr));
        if (c->http == NULL) {
            fprintf(stderr, "hasim-rt: error: REST front: %s\n", herr);
            rc = 2;
        } else {
            fprintf(stderr, "hasim-rt: REST front on http://127.0.0.1:%u/v1/apps/APPID/"
                            "cloud_recording/\n", (unsigned)rt_http_port(c->http));
        }
    }
    int64_t end_t = 0;
    if (rc == 0) {
        sim_tr_ev_t run = sim_tr_ev(0, SIM_TR_RUN);
        run.scenario = opts->scenario_path;
        run.title = c->scn->title;
        run.seed = c->scn->seed;
        run.servers = c->scn->servers;
        run.capacity = c->scn->capacity;
        run.sessions = c->scn->sessions;
        run.utc0_ms = c->t0_ms;
        trace(c, &run);
        for (uint32_t i = 0; i < c->servers_n; i++) {
            rt_msg_t go = rt_msg(RT_M_GO);
            go.a_ms = c->t0_ms;
            to_agent(c, i, &go);
        }
        loop(c);
        end_t = c->now > c->scn->end_ms ? c->now : c->scn->end_ms;
        if (!c->stop) {
            /* As the simulator ends a run: at the horizon, nothing after. */
            sim_tr_ev_t ev = sim_tr_ev(end_t, SIM_TR_RUN_END);
            ev.events = c->events;
            trace(c, &ev);
        }
    }
    teardown(c);
    int64_t wall_ms = rt_now_ms() - wall0;
    if (c->trace != NULL && fflush(c->trace) != 0)
        c->trace_failed = true;
    if (c->trace_failed) {
        fprintf(stderr, "%s: error: writing the trace failed\n", opts->trace_path);
        c->env_failed = true;
    }
    if (rc == 0 && c->stop && c->stop_signal != 0) {
        fprintf(stderr, "hasim-rt: interrupted by signal %d at t=%" PRId64
                        " ms; every process of the run is gone\n", c->stop_signal, c->now);
        rc = 2;
    } else if (rc == 0 && c->env_failed) {
        rc = 2;
    } else if (rc == 0) {
        rc = verdict(c, end_t, wall_ms);
    }
    /* A temporary work directory is evidence only when the run failed. */
    if (c->workdir_temp && rc != 1 && !c->env_failed)
        remove_tree(c->workdir, 2);
    else if (c->workdir_temp)
        fprintf(stderr, "hasim-rt: slices and storage kept in %s\n", c->workdir);
    center_free(c);
    return rc;
}
