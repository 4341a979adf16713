/* ha_center.c -- the fault processing center: memory, inputs, servers.
 *
 * Every input goes through ha_center_input(), which checks the driver kept
 * its promises (time never goes backwards, indexes in range) and routes it:
 * server-level inputs (heartbeats and their timeout) are handled here,
 * because one server going quiet concerns every session it hosts; the rest
 * go to the session they name (ha_session.c) or to the API gate (ha_api.c).
 *
 * The heartbeat timer is lazy, in the manner of Redis's cron checks, and
 * there is one for all servers: a heartbeat only records its arrival time,
 * and the timer, armed at the earliest last_hb + timeout, when it fires
 * declares down the servers whose deadline it is and moves on to the next
 * earliest. So a heartbeat costs no command at all, and a quiet timeout
 * period one firing however many servers there are, which matters when a
 * simulator delivers millions of heartbeats. Servers whose deadline falls
 * on the same millisecond are declared down in index order.
 */
#include "ha_internal.h"

#include <assert.h>
#include <string.h>

#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)
/* The session table starts a cache line (ha_session_t): from memory 16-byte
 * aligned, at most this much further on. */
#define SESSIONS_SLACK (HA_CACHE_LINE_BYTES - 16u)

/* The part of the footprint init clears, at most: everything but the
 * session columns (streams, fences), which are read only below each
 * session's counts and so are written only as far as sessions use them. */
static size_t zeroed_bytes(const ha_config_t *cfg)
{
    return ALIGN16(sizeof(ha_center_t)) + ALIGN16(sizeof(ha_server_t) * cfg->servers_max) +
           SESSIONS_SLACK + ALIGN16(sizeof(ha_session_t) * cfg->sessions_max) +
           ALIGN16(sizeof(uint32_t) * (size_t)ha_tasks_size(cfg->sessions_max)) +
           ALIGN16(ha_pick_bytes(cfg->servers_max));
}

size_t ha_center_footprint(const ha_config_t *cfg)
{
    assert(cfg != NULL);
    return zeroed_bytes(cfg) +
           ALIGN16(sizeof(ha_stream_t) * (HA_STREAMS_MAX - 1) * cfg->sessions_max) +
           ALIGN16(sizeof(ha_fence_t) * HA_FENCE_MAX * cfg->sessions_max) +
           ALIGN16((size_t)HA_NAME_MAX * HA_PLAYLIST_NAMES);
}

ha_center_t *ha_center_init(void *mem, size_t mem_size, const ha_config_t *cfg)
{
    /* The pointers and the alignment are the calling code's to get right;
     * the sizes come from a deployment's configuration and are refused. */
    assert(mem != NULL && cfg != NULL && cfg->emit != NULL && cfg->random != NULL);
    assert(((uintptr_t)mem & 15u) == 0 && "ha_center_init: mem must be 16-byte aligned");
    if (cfg->servers_max == 0 || cfg->sessions_max == 0 || cfg->servers_max > HA_SERVERS_LIMIT ||
        cfg->sessions_max > HA_SESSIONS_LIMIT)
        return NULL;
    if (mem_size < ha_center_footprint(cfg))
        return NULL;

    unsigned char *p = mem;
    p += ALIGN16(sizeof(ha_center_t));
    unsigned char *servers = p;
    p += ALIGN16(sizeof(ha_server_t) * cfg->servers_max);
    unsigned char *sessions = p + (-(uintptr_t)p & (HA_CACHE_LINE_BYTES - 1));
    p = sessions + ALIGN16(sizeof(ha_session_t) * cfg->sessions_max);
    unsigned char *tasks = p;
    p += ALIGN16(sizeof(uint32_t) * (size_t)ha_tasks_size(cfg->sessions_max));
    unsigned char *pick = p;
    p += ALIGN16(ha_pick_bytes(cfg->servers_max));
    assert((size_t)(p - (unsigned char *)mem) <= zeroed_bytes(cfg));
    memset(mem, 0, (size_t)(p - (unsigned char *)mem));

    ha_center_t *c = mem;
    c->servers = (ha_server_t *)(void *)servers;
    c->sessions = (ha_session_t *)(void *)sessions;
    c->tasks = (uint32_t *)(void *)tasks;
    c->tasks_mask = ha_tasks_size(cfg->sessions_max) - 1;
    ha_pick_init(&c->pick, pick, cfg->servers_max);
    c->streams = (ha_stream_t *)(void *)p;
    p += ALIGN16(sizeof(ha_stream_t) * (HA_STREAMS_MAX - 1) * cfg->sessions_max);
    c->fences = (ha_fence_t *)(void *)p;
    p += ALIGN16(sizeof(ha_fence_t) * HA_FENCE_MAX * cfg->sessions_max);
    /* Read only below an entry's len, which the zeroed part holds. */
    c->playlist_text = (char (*)[HA_NAME_MAX])(void *)p;

    c->cfg = *cfg;
    c->next_recorder = 1;
    c->next_notice = 1;
    c->now_ms = INT64_MIN;
    for (uint32_t i = 0; i < cfg->sessions_max; i++)
        c->sessions[i].state = HA_ST_FREE;
    return c;
}

int ha_center_add_server(ha_center_t *c, uint32_t capacity)
{
    assert(c != NULL && !c->in_input);
    if (c->servers_count == c->cfg.servers_max || capacity == 0)
        return -1;
    ha_server_t *srv = &c->servers[c->servers_count];
    memset(srv, 0, sizeof(*srv));
    srv->capacity = capacity;
    return (int)c->servers_count++;
}

uint32_t ha_center_timer_slots(const ha_center_t *c)
{
    return 1 + 2 * c->cfg.sessions_max;
}

/* Slots: the heartbeat timer first, then two per session (deadline, step). */
static inline uint32_t timer_slot(const ha_center_t *c, ha_timer_kind_t kind, uint32_t index)
{
    if (kind == HA_TIMER_HEARTBEATS) {
        assert(index == 0);
        return 0;
    }
    assert(kind == HA_TIMER_SESSION_DEADLINE || kind == HA_TIMER_SESSION_STEP);
    assert(index < c->cfg.sessions_max);
    return 1 + 2 * index + (kind == HA_TIMER_SESSION_STEP ? 1u : 0u);
}

void ha_emit(ha_center_t *c, const ha_cmd_t *cmd)
{
    assert(c->in_input);
    c->cfg.emit(c->cfg.emit_ctx, cmd);
}

ha_event_info_t ha_event_info(uint32_t session, ha_event_t what)
{
    ha_event_info_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.session = session;
    ev.what = what;
    ev.activation = -1;
    return ev;
}

void ha_emit_event(ha_center_t *c, const ha_event_info_t *ev)
{
    ha_cmd_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.kind = HA_CMD_EVENT;
    cmd.u.event = *ev;
    ha_emit(c, &cmd);
}

void ha_timer_arm(ha_center_t *c, ha_timer_kind_t kind, uint32_t index, uint32_t gen, int64_t at_ms)
{
    assert(at_ms >= c->now_ms);
    ha_cmd_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.kind = HA_CMD_TIMER_ARM;
    cmd.u.arm.timer.slot = timer_slot(c, kind, index);
    cmd.u.arm.timer.kind = (uint8_t)kind;
    cmd.u.arm.timer.index = index;
    cmd.u.arm.timer.gen = gen;
    cmd.u.arm.at_ms = at_ms;
    ha_emit(c, &cmd);
}

void ha_timer_cancel(ha_center_t *c, ha_timer_kind_t kind, uint32_t index)
{
    ha_cmd_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.kind = HA_CMD_TIMER_CANCEL;
    cmd.u.cancel.slot = timer_slot(c, kind, index);
    ha_emit(c, &cmd);
}

/* ---- servers ----------------------------------------------------------- */

static bool session_uses_server(const ha_session_t *s, uint32_t srv)
{
    if (s->state == HA_ST_FREE || s->state == HA_ST_ENDED_NORMAL || s->state == HA_ST_ENDED_ABNORMAL)
        return false;
    return (s->has_serving && s->serving.server == srv) || (s->has_pending && s->pending.server == srv);
}

static bool session_fences_on(const ha_center_t *c, uint32_t si, uint32_t srv)
{
    const ha_session_t *s = &c->sessions[si];
    for (uint32_t i = 0; i < s->fence_count; i++) {
        const ha_fence_t *f = ha_fence_at(c, si, i);
        if (f->owed && f->rec.server == srv)
            return true;
    }
    return false;
}

/* Whether a session may be placed on a server: it heartbeats, is up and
 * has room. The least loaded of these, lowest index on ties, is the pick
 * (ha_server_pick, which also leaves out the ones a session avoids). */
static bool server_takes(const ha_server_t *srv)
{
    return srv->known && !srv->down && srv->load < srv->capacity;
}

void ha_server_changed(ha_center_t *c, uint32_t server)
{
    assert(server < c->servers_count);
    const ha_server_t *srv = &c->servers[server];
    if (server_takes(srv))
        ha_pick_set(&c->pick, server, (uint64_t)srv->load << 32 | server);
    else
        ha_pick_clear(&c->pick, server);
}

HA_RARE static void server_down(ha_center_t *c, uint32_t si_srv)
{
    ha_server_t *srv = &c->servers[si_srv];
    assert(!srv->down);
    srv->down = true;
    ha_server_changed(c, si_srv);
    ha_event_info_t ev = ha_event_info(0, HA_EV_SERVER_DOWN);
    ev.server = si_srv;
    ha_emit_event(c, &ev);

    /* Sessions in index order: deterministic, and the order in which they
     * then compete for replacement capacity. */
    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.t_ms = c->now_ms;
    in.kind = HA_IN_HEARTBEAT;
    in.u.heartbeat.server = si_srv;
    for (uint32_t si = 0; si < c->cfg.sessions_max; si++) {
        ha_session_t *s = &c->sessions[si];
        /* Fences told there since its last heartbeat may be lost: an ended
         * session's too, for its recorders would record on. */
        if (s->state != HA_ST_FREE && s->fence_count > 0)
            ha_session_fences_unanswered(c, si, si_srv);
        if (session_uses_server(s, si_srv))
            ha_session_handle(c, si, HA_SEV_SERVER_DOWN, &in);
    }
}

HA_RARE static void server_up(ha_center_t *c, uint32_t si_srv)
{
    ha_server_t *srv = &c->servers[si_srv];
    srv->down = false;
    ha_server_changed(c, si_srv);
    ha_event_info_t ev = ha_event_info(0, HA_EV_SERVER_UP);
    ev.server = si_srv;
    ha_emit_event(c, &ev);

    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.t_ms = c->now_ms;
    in.kind = HA_IN_HEARTBEAT;
    in.u.heartbeat.server = si_srv;
    for (uint32_t si = 0; si < c->cfg.sessions_max; si++) {
        ha_session_t *s = &c->sessions[si];
        if (s->state == HA_ST_FREE)
            continue;
        if (session_uses_server(s, si_srv) || session_fences_on(c, si, si_srv))
            ha_session_handle(c, si, HA_SEV_SERVER_UP, &in);
    }
}

HA_RARE static void hb_arm(ha_center_t *c, int64_t at_ms)
{
    c->hb_gen++;
    c->hb_armed = true;
    c->hb_due_ms = at_ms;
    ha_timer_arm(c, HA_TIMER_HEARTBEATS, 0, c->hb_gen, at_ms);
}

/* What a heartbeat seldom has to do, out of line: the usual heartbeat is
 * then three stores and a test, with no frame to set up. */
HA_RARE static void heartbeat_rare(ha_center_t *c, uint32_t si_srv)
{
    ha_server_t *srv = &c->servers[si_srv];
    if (!srv->known) {
        srv->known = true;
        ha_server_changed(c, si_srv);
    }
    /* An armed timer is due no later than any watched server's deadline,
     * this one's included: now + timeout is the latest there can be. */
    if (!c->hb_armed)
        hb_arm(c, srv->last_hb_ms + HA_HEARTBEAT_TIMEOUT_MS);
    if (srv->down)
        server_up(c, si_srv);
}

static void heartbeat(ha_center_t *c, uint32_t si_srv)
{
    ha_server_t *srv = &c->servers[si_srv];
    srv->last_hb_ms = c->now_ms;
    srv->hb_count++; /* answers every order sent there before it */
    if (!c->hb_armed || srv->down || !srv->known)
        heartbeat_rare(c, si_srv);
}

/* The one heartbeat timer: every watched server (known, not down) whose
 * last heartbeat is a timeout old is declared down, in index order, and
 * the timer moves to the earliest deadline left. Host agents heartbeat on
 * one grid, so one firing per timeout serves them all, where a timer per
 * server fired once per timeout each: most of a quiet hour's events. */
static void heartbeat_timer(ha_center_t *c, const ha_timer_t *t)
{
    if (!c->hb_armed || t->gen != c->hb_gen)
        return; /* stale */
    c->hb_armed = false;
    int64_t next_ms = INT64_MAX;
    for (uint32_t i = 0; i < c->servers_count; i++) {
        const ha_server_t *srv = &c->servers[i];
        if (!srv->known || srv->down)
            continue;
        int64_t due_ms = srv->last_hb_ms + HA_HEARTBEAT_TIMEOUT_MS;
        if (c->now_ms >= due_ms)
            server_down(c, i);
        else if (due_ms < next_ms)
            next_ms = due_ms;
    }
    if (next_ms != INT64_MAX)
        hb_arm(c, next_ms);
}

/* ---- inputs ------------------------------------------------------------ */

static bool recorder_input_valid(const ha_center_t *c, const ha_recorder_in_t *r)
{
    return r->session < c->cfg.sessions_max && r->server < c->servers_count && r->recorder != 0;
}

static void session_timer(ha_center_t *c, const ha_timer_t *t)
{
    ha_session_t *s = &c->sessions[t->index];
    bool deadline = t->kind == HA_TIMER_SESSION_DEADLINE;
    if (deadline ? (!s->deadline_armed || t->gen != s->deadline_gen)
                 : (!s->step_armed || t->gen != s->step_gen)) {
        /* A timer the session re-armed or disarmed since: counted, dropped. */
        c->transitions[s->state][HA_SEV_STALE]++;
        return;
    }
    if (deadline) {
        s->deadline_armed = false;
        ha_input_t in = {.t_ms = c->now_ms, .kind = HA_IN_TIMER};
        in.u.timer = *t;
        ha_session_handle(c, t->index, HA_SEV_DEADLINE, &in);
    } else {
        s->step_armed = false;
        ha_input_t in = {.t_ms = c->now_ms, .kind = HA_IN_TIMER};
        in.u.timer = *t;
        ha_session_handle(c, t->index, HA_SEV_STEP, &in);
    }
}

/* A timer is the center's own token handed back (ha_timer_arm): a kind or
 * index it never armed is a driver bug, not something to tolerate. */
static void route_timer(ha_center_t *c, const ha_input_t *in)
{
    const ha_timer_t *t = &in->u.timer;
    assert(t->kind < HA_TIMER_KIND_COUNT && "a timer the center never armed");
    if (t->kind == HA_TIMER_HEARTBEATS) {
        assert(t->index == 0 && "a timer the center never armed");
        heartbeat_timer(c, t);
    } else {
        assert(t->index < c->cfg.sessions_max && "a timer the center never armed");
        session_timer(c, t);
    }
}

/* The rest comes from the network: a host agent, a recorder, the channel.
 * Whatever names a server, session or recorder that does not exist is
 * dropped here, so that nothing below has to doubt an index. */
static void route_heartbeat(ha_center_t *c, const ha_input_t *in)
{
    if (in->u.heartbeat.server < c->servers_count)
        heartbeat(c, in->u.heartbeat.server);
}

static void route_recorder(ha_center_t *c, const ha_input_t *in)
{
    static const ha_sev_t sev_of[HA_IN_COUNT] = {
        [HA_IN_EXIT_REPORT] = HA_SEV_EXIT_REPORT,
        [HA_IN_RECORDER_READY] = HA_SEV_READY,
        [HA_IN_RECORDER_FAILED] = HA_SEV_FAILED,
        [HA_IN_RECORDER_EXITED] = HA_SEV_EXITED,
    };
    if (recorder_input_valid(c, &in->u.recorder))
        ha_session_handle(c, in->u.recorder.session, sev_of[in->kind], in);
}

static void route_slice(ha_center_t *c, const ha_input_t *in)
{
    const ha_slice_in_t *sl = &in->u.slice;
    if (sl->session < c->cfg.sessions_max && sl->server < c->servers_count && sl->recorder != 0)
        ha_session_handle(c, sl->session, HA_SEV_SLICE, in);
}

static void route_user(ha_center_t *c, const ha_input_t *in)
{
    /* UID 0 is the mix's, never a user's. */
    if (in->u.user.session < c->cfg.sessions_max && in->u.user.uid != 0)
        ha_session_handle(c, in->u.user.session, HA_SEV_USER, in);
}

static void route_api(ha_center_t *c, const ha_input_t *in) { ha_api_handle(c, &in->u.api); }

typedef void route_fn(ha_center_t *c, const ha_input_t *in);
static route_fn *const routes[HA_IN_COUNT] = {
    [HA_IN_API] = route_api,
    [HA_IN_TIMER] = route_timer,
    [HA_IN_HEARTBEAT] = route_heartbeat,
    [HA_IN_EXIT_REPORT] = route_recorder,
    [HA_IN_RECORDER_READY] = route_recorder,
    [HA_IN_RECORDER_FAILED] = route_recorder,
    [HA_IN_RECORDER_EXITED] = route_recorder,
    [HA_IN_SLICE] = route_slice,
    [HA_IN_USER_JOINED] = route_user,
    [HA_IN_USER_LEFT] = route_user,
};

void ha_center_input(ha_center_t *c, const ha_input_t *in)
{
    assert(c != NULL && in != NULL);
    assert(!c->in_input && "emit callback called back into the center");
    assert(in->t_ms >= c->now_ms && "driver time went backwards");
    /* The kind is the driver's own enum, set by its code, not read off the
     * wire: a value out of range is a driver bug. */
    assert((unsigned)in->kind < HA_IN_COUNT && routes[in->kind] != NULL);
    c->in_input = true;
    c->now_ms = in->t_ms;
    routes[in->kind](c, in);
    c->in_input = false;
}

/* ---- views ------------------------------------------------------------- */

ha_state_t ha_session_state(const ha_center_t *c, uint32_t session)
{
    return session < c->cfg.sessions_max ? c->sessions[session].state : HA_ST_FREE;
}

int ha_session_activations(const ha_center_t *c, uint32_t session)
{
    return session < c->cfg.sessions_max ? c->sessions[session].activations : 0;
}

uint32_t ha_session_uid(const ha_center_t *c, uint32_t session)
{
    return session < c->cfg.sessions_max ? c->sessions[session].uid : 0;
}

/* A slice reads the front of the session record (HA_SESSION_SLICE_BYTES:
 * two lines, its first stream row among them). Only those lines: a core has
 * a handful of misses in flight at once, and a hint for a line nobody reads
 * takes the place of one somebody does. */
void ha_center_prefetch_session(const ha_center_t *c, uint32_t session)
{
    if (session < c->cfg.sessions_max) {
        const char *rec = (const char *)&c->sessions[session];
        for (size_t off = 0; off < HA_SESSION_SLICE_BYTES; off += HA_CACHE_LINE_BYTES)
            HA_PREFETCH(rec + off);
    }
}

uint64_t ha_center_transitions(const ha_center_t *c, ha_state_t st, ha_sev_t sev)
{
    assert(st < HA_ST_COUNT && sev < HA_SEV_COUNT);
    return c->transitions[st][sev];
}
