/* test_core_table.c -- the state x event table of ha_session.c, every cell.
 *
 * For every session state (ha_state_t) and every session event (ha_sev_t)
 * a fresh center is driven into the state, told the event, and checked:
 * the state it moves to, the answer (for API calls), the coverage table
 * (the cell counted, or, for the events the center filters before a
 * session sees them, not counted), and every invariant of the harness on
 * every input, also while the story then runs out for 200 s. A second
 * table sends each state the nonsense inputs a broken driver or a late
 * network produces: stale timers, second exit reports, recorders nobody
 * knows, out-of-range indexes, recorder id 0, users
 * who never joined, malformed slices. None may move the state.
 *
 * Every drive starts the same: five servers of capacity 2, server 0 goes
 * silent at once, so the first attempt (on server 0) fails when server 0 is
 * declared down at 6000 and its recorder waits, fenced, for the server's
 * return: every state then has a fenced recorder on a down server, which is
 * what makes SERVER_UP reachable outside RECONNECTING. */
#define _POSIX_C_SOURCE 200809L

#include "core_harness.h"

#define UID0 1001u

/* Cells whose timer a real clock cannot deliver in that state (the 60 s or
 * rejoin step always comes first) are reached by firing the timer late:
 * h_fire() makes the harness non-strict for the rest of the run. */

typedef struct {
    uint32_t si;          /* the session the event is for */
    uint32_t last_serving;/* its serving recorder before it ended, or the
                           * one a FREE slot is told about */
    uint32_t last_server;
    uint32_t fence_rec;   /* the recorder fenced on server 0 */
} ctx_t;

static void revive_now(h_t *h, uint32_t server)
{
    h->up[server] = true;
    h->next_hb[server] = h->now + H_HB_MS;
    h_heartbeat(h, server);
}

static h_t *drive(ha_state_t st, ctx_t *x)
{
    h_t *h = h_new(8, 4);
    h_add_servers(h, 5, 2);
    h_heartbeat_all(h, 0);
    h_silence(h, 0);
    uint32_t si = h_start(h, UID0, "room");
    memset(x, 0, sizeof(*x));
    x->si = si;
    x->fence_rec = h_last_recorder_start(h, si)->u.recorder.recorder;
    h_advance(h, 6000);
    assert_true(h->c->servers[0].down);
    assert_int_equal(h->c->sessions[si].fence_count, 1);
    if (st == HA_ST_STARTING)
        goto done;

    h_advance(h, 7000);
    x->last_serving = h_ready_last(h, si, &x->last_server);
    assert_int_equal(x->last_server, 1);
    switch (st) {
    case HA_ST_FREE:
        x->si = 1;
        break;
    case HA_ST_RECORDING:
        break;
    case HA_ST_FAILOVER:
    case HA_ST_ENDED_ABNORMAL:
        h_advance(h, 10000);
        h_exit_report(h, si, x->last_server, x->last_serving);
        if (st == HA_ST_ENDED_ABNORMAL)
            h_advance(h, 100000);
        break;
    case HA_ST_RECONNECTING:
    case HA_ST_RESUMING:
    case HA_ST_SWITCHING: {
        h_advance(h, 9000);
        h_silence(h, 1);
        int64_t d = h_detect_at(h, 1);
        h_advance(h, d);
        if (st == HA_ST_RESUMING)
            revive_now(h, 1);
        else if (st == HA_ST_SWITCHING)
            h_advance(h, d + 60000);
        break;
    }
    case HA_ST_STOPPING:
    case HA_ST_ENDED_NORMAL:
        h_advance(h, 8000);
        h_stop(h, si);
        if (st == HA_ST_ENDED_NORMAL)
            h_exited(h, si, x->last_server, x->last_serving);
        break;
    default:
        fail();
    }
done:
    assert_int_equal(ha_session_state(h->c, x->si), st);
    return h;
}

/* The recorder an event names, chosen per event as the most meaningful
 * one the session has. */
static ha_rec_ref_t target(const h_t *h, const ctx_t *x, ha_sev_t sev)
{
    const ha_session_t *s = &h->c->sessions[x->si];
    ha_rec_ref_t last = {x->last_server, x->last_serving};
    bool serving = s->has_serving, pending = s->has_pending;
    switch (sev) {
    case HA_SEV_EXIT_REPORT:
        if (serving)
            return s->serving;
        if (pending)
            return s->pending;
        return s->fence_count ? ha_fence_at(h->c, x->si, 0)->rec : last;
    case HA_SEV_READY:
    case HA_SEV_FAILED:
        return pending ? s->pending : serving ? s->serving : last;
    case HA_SEV_EXITED:
        return serving ? s->serving : s->fence_count ? ha_fence_at(h->c, x->si, 0)->rec : last;
    default:
        return serving ? s->serving : pending ? s->pending : last;
    }
}

typedef struct {
    char reach;     /* 'R': the cell counts; 'F': filtered before the session */
    ha_state_t next;/* the state the session is in afterwards */
} cell_t;

#define R(st) {'R', HA_ST_##st}
#define F(st) {'F', HA_ST_##st}

/* Columns: start query update updateLayout stop deadline step server_down
 * server_up exit_report ready failed exited slice user stale. Stale is a
 * session timer the session re-armed or disarmed since: counted, ignored.
 * API_START is
 * counted under FREE whatever the state (a start names no session): the
 * rows show 'F' for it and the test checks the FREE cell instead. */
static const cell_t table[HA_ST_COUNT][HA_SEV_COUNT] = {
    [HA_ST_FREE] = {R(STARTING), R(FREE), R(FREE), R(FREE), R(FREE), F(FREE), F(FREE), F(FREE),
                    F(FREE), R(FREE), R(FREE), R(FREE), R(FREE), R(FREE), R(FREE), R(FREE)},
    [HA_ST_STARTING] = {F(STARTING), R(STARTING), R(STARTING), R(STARTING), R(ENDED_NORMAL),
                        R(ENDED_ABNORMAL), R(STARTING), R(STARTING), R(STARTING), R(STARTING),
                        R(RECORDING), R(STARTING), R(STARTING), R(STARTING), R(STARTING),
                        R(STARTING)},
    [HA_ST_RECORDING] = {F(RECORDING), R(RECORDING), R(RECORDING), R(RECORDING), R(STOPPING),
                         F(RECORDING), F(RECORDING), R(RECONNECTING), R(RECORDING), R(FAILOVER),
                         R(RECORDING), R(RECORDING), R(RECORDING), R(RECORDING), R(RECORDING),
                         R(RECORDING)},
    [HA_ST_FAILOVER] = {F(FAILOVER), R(FAILOVER), R(FAILOVER), R(FAILOVER), R(FAILOVER),
                        R(ENDED_ABNORMAL), R(FAILOVER), R(FAILOVER), R(FAILOVER), R(FAILOVER),
                        R(RECORDING), R(FAILOVER), R(FAILOVER), R(FAILOVER), R(FAILOVER),
                        R(FAILOVER)},
    [HA_ST_RECONNECTING] = {F(RECONNECTING), R(RECONNECTING), R(RECONNECTING), R(RECONNECTING),
                            R(RECONNECTING), R(ENDED_ABNORMAL), R(SWITCHING), F(RECONNECTING),
                            R(RESUMING), R(SWITCHING), R(RECONNECTING), R(RECONNECTING),
                            R(RECONNECTING), R(RECONNECTING), R(RECONNECTING), R(RECONNECTING)},
    [HA_ST_RESUMING] = {F(RESUMING), R(RESUMING), R(RESUMING), R(RESUMING), R(RESUMING),
                        R(ENDED_ABNORMAL), R(SWITCHING), R(RECONNECTING), R(RESUMING), R(SWITCHING),
                        R(RECORDING), R(RESUMING), R(RESUMING), R(RESUMING), R(RESUMING),
                        R(RESUMING)},
    [HA_ST_SWITCHING] = {F(SWITCHING), R(SWITCHING), R(SWITCHING), R(SWITCHING), R(SWITCHING),
                         R(ENDED_ABNORMAL), R(SWITCHING), R(SWITCHING), R(SWITCHING), R(SWITCHING),
                         R(RECORDING), R(SWITCHING), R(SWITCHING), R(SWITCHING), R(SWITCHING),
                         R(SWITCHING)},
    [HA_ST_STOPPING] = {F(STOPPING), R(STOPPING), R(STOPPING), R(STOPPING), R(STOPPING),
                        R(ENDED_NORMAL), F(STOPPING), R(ENDED_NORMAL), R(STOPPING),
                        R(ENDED_NORMAL), R(STOPPING), R(STOPPING), R(ENDED_NORMAL), R(STOPPING),
                        R(STOPPING), R(STOPPING)},
    [HA_ST_ENDED_NORMAL] = {F(ENDED_NORMAL), R(ENDED_NORMAL), R(ENDED_NORMAL), R(ENDED_NORMAL),
                            R(ENDED_NORMAL), F(ENDED_NORMAL), F(ENDED_NORMAL), F(ENDED_NORMAL),
                            R(ENDED_NORMAL), R(ENDED_NORMAL), R(ENDED_NORMAL), R(ENDED_NORMAL),
                            R(ENDED_NORMAL), R(ENDED_NORMAL), R(ENDED_NORMAL), R(ENDED_NORMAL)},
    [HA_ST_ENDED_ABNORMAL] = {F(ENDED_ABNORMAL), R(ENDED_ABNORMAL), R(ENDED_ABNORMAL),
                              R(ENDED_ABNORMAL), R(ENDED_ABNORMAL), F(ENDED_ABNORMAL),
                              F(ENDED_ABNORMAL), F(ENDED_ABNORMAL), R(ENDED_ABNORMAL),
                              R(ENDED_ABNORMAL), R(ENDED_ABNORMAL), R(ENDED_ABNORMAL),
                              R(ENDED_ABNORMAL), R(ENDED_ABNORMAL), R(ENDED_ABNORMAL),
                              R(ENDED_ABNORMAL)},
};

/* What query/update/updateLayout/stop answer in each state (R6, R12). */
static void expect_reply(h_t *h, ha_state_t st, ha_sev_t sev, const h_reply_t *r)
{
    bool stop = sev == HA_SEV_API_STOP, query = sev == HA_SEV_API_QUERY;
    uint16_t http = 404, code = 0;
    uint8_t status = 0;
    switch (st) {
    case HA_ST_STARTING:
        http = stop ? 206 : 200;
        code = stop ? 435 : 0;
        status = stop ? 0 : 2;
        break;
    case HA_ST_RECORDING:
        http = 200;
        status = stop ? 6 : 5;
        break;
    case HA_ST_STOPPING:
        http = query ? 200 : 400;
        code = query ? 0 : 49;
        status = query ? 6 : 0;
        break;
    default:
        break;
    }
    H_CHECK(h, r->http == http && r->code == code && r->status == status,
            "%s in %s: %u/%u/%u, want %u/%u/%u", ha_sev_name(sev), ha_state_name(st), r->http,
            r->code, r->status, http, code, status);
    if (http == 404)
        assert_string_equal(r->message, "failed to find worker");
}

static ha_call_t call_of(ha_sev_t sev)
{
    return sev == HA_SEV_API_QUERY    ? HA_CALL_QUERY
           : sev == HA_SEV_API_UPDATE ? HA_CALL_UPDATE
           : sev == HA_SEV_API_STOP   ? HA_CALL_STOP
                                      : HA_CALL_UPDATE_LAYOUT;
}

/* A timer the center armed and cancelled (or never armed): stale. */
static void stale_session_timer(h_t *h, uint32_t si, ha_timer_kind_t kind)
{
    const ha_session_t *s = &h->c->sessions[si];
    ha_timer_t tm;
    memset(&tm, 0, sizeof(tm));
    tm.kind = (uint8_t)kind;
    tm.index = si;
    tm.slot = kind == HA_TIMER_SESSION_DEADLINE ? h_deadline_slot(h, si) : h_step_slot(h, si);
    bool armed = kind == HA_TIMER_SESSION_DEADLINE ? s->deadline_armed : s->step_armed;
    tm.gen = kind == HA_TIMER_SESSION_DEADLINE ? s->deadline_gen : s->step_gen;
    if (armed)
        tm.gen--; /* the one before: replaced */
    h_fire_timer(h, tm);
}

static void deliver(h_t *h, const ctx_t *x, ha_state_t st, ha_sev_t sev)
{
    uint32_t si = x->si;
    const ha_session_t *s = &h->c->sessions[si];
    ha_rec_ref_t r = target(h, x, sev);
    switch (sev) {
    case HA_SEV_API_START: {
        /* the same cname and UID: a conflict while live, a new task once
         * ended; a free slot is started with another UID */
        ha_api_in_t p = h_start_params(HA_MODE_COMPOSITE, st == HA_ST_FREE ? 2002 : UID0, "room");
        const h_reply_t *rp = h_start_api(h, &p);
        bool live = st != HA_ST_FREE && !h_ended(st);
        assert_int_equal(rp->http, live ? 400 : 200);
        assert_int_equal(rp->code, live ? 53 : 0);
        if (!live)
            assert_int_equal(rp->session, 1);
        break;
    }
    case HA_SEV_API_QUERY:
    case HA_SEV_API_UPDATE:
    case HA_SEV_API_UPDATE_LAYOUT:
    case HA_SEV_API_STOP:
        expect_reply(h, st, sev, h_api(h, call_of(sev), si));
        break;
    case HA_SEV_DEADLINE:
    case HA_SEV_STEP: {
        bool dl = sev == HA_SEV_DEADLINE;
        uint32_t slot = dl ? h_deadline_slot(h, si) : h_step_slot(h, si);
        if (h_armed(h, slot))
            h_fire(h, slot);
        else
            stale_session_timer(h, si, dl ? HA_TIMER_SESSION_DEADLINE : HA_TIMER_SESSION_STEP);
        break;
    }
    case HA_SEV_SERVER_DOWN: {
        uint32_t srv = 4; /* used by no session: the filtered cells */
        if (table[st][sev].reach == 'R')
            srv = s->has_pending ? s->pending.server : s->serving.server;
        h_force_down(h, srv);
        break;
    }
    case HA_SEV_SERVER_UP:
        revive_now(h, st == HA_ST_RECONNECTING || st == HA_ST_SWITCHING ? 1 : 0);
        break;
    case HA_SEV_EXIT_REPORT:
        h_exit_report(h, si, r.server, r.recorder);
        break;
    case HA_SEV_READY:
        h_ready(h, si, r.server, r.recorder);
        break;
    case HA_SEV_FAILED:
        h_failed(h, si, r.server, r.recorder);
        break;
    case HA_SEV_EXITED:
        h_exited(h, si, r.server, r.recorder);
        break;
    case HA_SEV_SLICE:
        h_mix_slice(h, si, r.server, r.recorder, h->now - 15000);
        break;
    case HA_SEV_USER:
        h_user(h, si, 777, true);
        break;
    case HA_SEV_STALE: {
        /* a stale heartbeat timer never reaches a session; one stale
         * session timer is counted as STALE and changes nothing */
        ha_timer_t tm;
        memset(&tm, 0, sizeof(tm));
        tm.kind = HA_TIMER_HEARTBEATS;
        tm.index = 0;
        tm.slot = h_hb_slot(h, 2);
        tm.gen = h->c->hb_gen - 1;
        h_fire_timer(h, tm);
        stale_session_timer(h, si, HA_TIMER_SESSION_DEADLINE);
        break;
    }
    }
}

/* After the cell: every server back, every replacement that shows up
 * becomes ready, 200 s of time; the invariants hold on every input. */
static void run_out(h_t *h)
{
    for (uint32_t i = 0; i < h->nservers; i++) {
        if (!h->up[i])
            h_revive_at(h, i, h->now + 1);
    }
    for (int step = 0; step < 200; step++) {
        h_advance_by(h, 1000);
        for (uint32_t si = 0; si < h->cfg.sessions_max; si++) {
            const ha_session_t *s = &h->c->sessions[si];
            if (s->has_pending && step % 3 == 2)
                h_ready(h, si, s->pending.server, s->pending.recorder);
            else if (s->state == HA_ST_RESUMING)
                h_ready(h, si, s->serving.server, s->serving.recorder);
            else if (s->state == HA_ST_RECORDING && step % 15 == 0)
                h_mix_slice(h, si, s->serving.server, s->serving.recorder, h->now - 15000);
        }
    }
    h_check_queries(h);
    h_check_slices_unique(h);
}

static void test_every_state_x_every_event(void **state)
{
    (void)state;
    uint32_t cells = 0;
    for (int st = 0; st < HA_ST_COUNT; st++) {
        for (int sev = 0; sev < HA_SEV_COUNT; sev++) {
            ctx_t x;
            h_t *h = drive((ha_state_t)st, &x);
            uint64_t before[HA_ST_COUNT][HA_SEV_COUNT];
            for (int a = 0; a < HA_ST_COUNT; a++) {
                for (int b = 0; b < HA_SEV_COUNT; b++)
                    before[a][b] = ha_center_transitions(h->c, (ha_state_t)a, (ha_sev_t)b);
            }
            uint32_t m = h_mark(h);
            deliver(h, &x, (ha_state_t)st, (ha_sev_t)sev);
            const cell_t *cell = &table[st][sev];
            uint64_t got = ha_center_transitions(h->c, (ha_state_t)st, (ha_sev_t)sev) - before[st][sev];
            H_CHECK(h, got == (cell->reach == 'R' ? 1u : 0u), "(%s, %s) counted %llu times",
                    ha_state_name((ha_state_t)st), ha_sev_name((ha_sev_t)sev),
                    (unsigned long long)got);
            if (sev == HA_SEV_API_START)
                assert_int_equal(ha_center_transitions(h->c, HA_ST_FREE, HA_SEV_API_START) -
                                     before[HA_ST_FREE][HA_SEV_API_START],
                                 1);
            if (sev == HA_SEV_STALE) {
                /* nothing happened but the count of the stale timer */
                assert_int_equal(h->n, m);
                for (int a = 0; a < HA_ST_COUNT; a++) {
                    for (int b = 0; b < HA_SEV_COUNT; b++) {
                        uint64_t extra = a == st && b == HA_SEV_STALE ? 1 : 0;
                        assert_true(ha_center_transitions(h->c, (ha_state_t)a, (ha_sev_t)b) ==
                                    before[a][b] + extra);
                    }
                }
            }
            ha_state_t now_st = ha_session_state(h->c, x.si);
            H_CHECK(h, now_st == cell->next, "(%s, %s) went to %s, want %s",
                    ha_state_name((ha_state_t)st), ha_sev_name((ha_sev_t)sev),
                    ha_state_name(now_st), ha_state_name(cell->next));
            h_check_queries(h);
            run_out(h);
            h_free(h);
            cells++;
        }
    }
    assert_int_equal(cells, HA_ST_COUNT * HA_SEV_COUNT);
}

/* ---- nonsense ---------------------------------------------------------------- */

typedef enum {
    N_STALE_HEARTBEAT_TIMER,
    N_SECOND_EXIT_REPORT,
    N_READY_UNKNOWN,
    N_SLICE_UNKNOWN,
    N_FAILED_EXITED_UNKNOWN,
    N_SESSION_OUT_OF_RANGE,
    N_USER_LEFT_NEVER_JOINED,
    N_RECORDER_ID_0,
    N_SERVER_OUT_OF_RANGE,
    N_BAD_SLICE_SHAPE,
    N_DUPLICATE_READY,
    N_USER_FLOOD,
    N_COUNT
} nonsense_t;

static const char *const nonsense_name[N_COUNT] = {
    "stale heartbeat timer", "second exit report",   "READY from an unknown recorder",
    "slice from an unknown recorder", "FAILED/EXITED from an unknown recorder",
    "session index out of range", "user leaving who never joined",
    "recorder id 0", "server index out of range", "malformed slice",
    "second READY", "more users than the service allows",
};

static void deliver_nonsense(h_t *h, const ctx_t *x, nonsense_t n, uint64_t *tr_before)
{
    uint32_t si = x->si;
    ha_state_t st = ha_session_state(h->c, si);
    uint32_t m = h_mark(h);
    bool silent = true; /* must emit nothing and count nothing */
    switch (n) {
    case N_STALE_HEARTBEAT_TIMER:
        {
            ha_timer_t tm = {.slot = h_hb_slot(h, 0), .kind = HA_TIMER_HEARTBEATS, .index = 0};
            tm.gen = h->c->hb_gen - 1;
            h_fire_timer(h, tm);
            if (!h->c->hb_armed) { /* nothing to watch: even its own gen is stale */
                tm.gen = h->c->hb_gen;
                h_fire_timer(h, tm);
            }
        }
        break;
    case N_SECOND_EXIT_REPORT: {
        ha_rec_ref_t r = target(h, x, HA_SEV_EXIT_REPORT);
        h_exit_report(h, si, r.server, r.recorder);
        st = ha_session_state(h->c, si);
        uint32_t m2 = h_mark(h);
        h_exit_report(h, si, r.server, r.recorder);
        assert_int_equal(h_count_events_since(h, m2, HA_EV_DETECTED, UINT32_MAX), 0);
        assert_int_equal(h_count_events_since(h, m2, HA_EV_ATTEMPT_FAILED, UINT32_MAX), 0);
        assert_int_equal(h_count_cmds(h, m2, HA_CMD_RECORDER_START), 0);
        silent = false;
        break;
    }
    case N_READY_UNKNOWN:
        h_ready(h, si, 2, 99999);
        assert_int_equal(h_count_cmds(h, m, HA_CMD_RECORDER_STOP), st == HA_ST_FREE ? 0 : 1);
        silent = false;
        break;
    case N_SLICE_UNKNOWN:
        h_mix_slice(h, si, 2, 99999, 0);
        assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 0);
        assert_int_equal(h_count_cmds(h, m, HA_CMD_RECORDER_STOP), st == HA_ST_FREE ? 0 : 1);
        silent = false;
        break;
    case N_FAILED_EXITED_UNKNOWN:
        h_failed(h, si, 2, 99999);
        h_exited(h, si, 2, 99998);
        h_exit_report(h, si, 2, 99997);
        assert_int_equal(h->n, m);
        silent = false; /* counted, but nothing emitted */
        break;
    case N_SESSION_OUT_OF_RANGE: {
        static const uint32_t bad[] = {4, 5, 1000, UINT32_MAX};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            for (int c = HA_CALL_QUERY; c <= HA_CALL_STOP; c++) {
                const h_reply_t *r = h_api(h, (ha_call_t)c, bad[i]);
                assert_int_equal(r->http, 404);
            }
            h_ready(h, bad[i], 1, x->last_serving);
            h_exit_report(h, bad[i], 1, x->last_serving);
            h_failed(h, bad[i], 1, x->last_serving);
            h_exited(h, bad[i], 1, x->last_serving);
            h_mix_slice(h, bad[i], 1, x->last_serving, 0);
            h_user(h, bad[i], 5, true);
            h_user(h, bad[i], 5, false);
        }
        assert_int_equal(h_count_cmds(h, m, HA_CMD_REPLY), h->n - m); /* only the 404s */
        assert_int_equal(h->n - m, 16);
        uint64_t now_sum = h_transitions_sum(h);
        assert_true(now_sum == *tr_before);
        silent = false;
        break;
    }
    case N_USER_LEFT_NEVER_JOINED: {
        uint32_t users = h->c->sessions[si].users_count;
        h_user(h, si, 31337, false);
        assert_int_equal(h->c->sessions[si].users_count, users);
        silent = false;
        break;
    }
    case N_RECORDER_ID_0:
        for (uint32_t srv = 0; srv < 5; srv++) {
            h_ready(h, si, srv, 0);
            h_exit_report(h, si, srv, 0);
            h_failed(h, si, srv, 0);
            h_exited(h, si, srv, 0);
            h_mix_slice(h, si, srv, 0, 0);
        }
        break;
    case N_SERVER_OUT_OF_RANGE: {
        static const uint32_t bad[] = {5, 8, 99, UINT32_MAX};
        const ha_session_t *s = &h->c->sessions[si];
        uint32_t rec = s->has_serving ? s->serving.recorder
                       : s->has_pending ? s->pending.recorder
                                        : x->last_serving;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            h_ready(h, si, bad[i], rec);
            h_exit_report(h, si, bad[i], rec);
            h_failed(h, si, bad[i], rec);
            h_exited(h, si, bad[i], rec);
            h_mix_slice(h, si, bad[i], rec, 0);
            h_heartbeat(h, bad[i]);
        }
        break;
    }
    case N_BAD_SLICE_SHAPE: {
        const ha_session_t *s = &h->c->sessions[si];
        ha_rec_ref_t r = target(h, x, HA_SEV_SLICE);
        int64_t u = h->cfg.utc_at_zero_ms;
        h_slice(h, si, r.server, r.recorder, 0, HA_TRACK_AUDIO, HA_FMT_TS, u, u + 1);
        h_slice(h, si, r.server, r.recorder, 7, HA_TRACK_MIX, HA_FMT_TS, u, u + 1);
        h_slice(h, si, r.server, r.recorder, 0, HA_TRACK_MIX, HA_FMT_WEBM, u, u + 1);
        h_slice(h, si, r.server, r.recorder, 0, HA_TRACK_MIX, (ha_fmt_t)9, u, u + 1);
        h_slice(h, si, r.server, r.recorder, 0, (ha_track_t)9, HA_FMT_TS, u, u + 1);
        h_slice(h, si, r.server, r.recorder, 0, HA_TRACK_MIX, HA_FMT_TS, -1, 5);
        h_slice(h, si, r.server, r.recorder, 0, HA_TRACK_MIX, HA_FMT_TS, u, u - 1);
        h_slice(h, si, r.server, r.recorder, 0, HA_TRACK_MIX, HA_FMT_TS, u, 253402300800000LL);
        h_slice(h, si, r.server, r.recorder, 0, HA_TRACK_MIX, HA_FMT_TS, INT64_MIN, INT64_MAX);
        assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 0);
        assert_int_equal(h_count_cmds(h, m, HA_CMD_PLAYLIST_OPEN), 0);
        (void)s;
        silent = false;
        break;
    }
    case N_DUPLICATE_READY: {
        ha_rec_ref_t r = target(h, x, HA_SEV_READY);
        h_ready(h, si, r.server, r.recorder);
        st = ha_session_state(h->c, si);
        uint32_t m2 = h_mark(h);
        h_ready(h, si, r.server, r.recorder);
        assert_int_equal(h_count_cmds(h, m2, HA_CMD_NOTIFY), 0);
        assert_int_equal(h_count_events_since(h, m2, HA_EV_RESUMED, UINT32_MAX), 0);
        assert_int_equal(h_count_events_since(h, m2, HA_EV_STARTED, UINT32_MAX), 0);
        silent = false;
        break;
    }
    case N_USER_FLOOD:
        for (uint32_t u = 1; u <= 40; u++)
            h_user(h, si, 50000 + u, true);
        for (uint32_t u = 1; u <= 40; u += 2)
            h_user(h, si, 50000 + u, false);
        assert_true(h->c->sessions[si].users_count <= HA_USERS_MAX);
        silent = false;
        break;
    case N_COUNT:
        fail();
    }
    H_CHECK(h, ha_session_state(h->c, si) == st, "%s moved %s to %s", nonsense_name[n],
            ha_state_name(st), ha_state_name(ha_session_state(h->c, si)));
    if (silent) {
        H_CHECK(h, h->n == m, "%s emitted %u commands", nonsense_name[n], h->n - m);
        H_CHECK(h, h_transitions_sum(h) == *tr_before, "%s reached a session", nonsense_name[n]);
    }
}

static void test_every_state_x_nonsense_input_changes_nothing(void **state)
{
    (void)state;
    for (int st = 0; st < HA_ST_COUNT; st++) {
        for (int n = 0; n < N_COUNT; n++) {
            ctx_t x;
            h_t *h = drive((ha_state_t)st, &x);
            uint64_t tr = h_transitions_sum(h);
            deliver_nonsense(h, &x, (nonsense_t)n, &tr);
            h_check_queries(h);
            run_out(h);
            h_free(h);
        }
    }
}

/* A start is always counted under FREE, whatever the state of the slot it
 * lands in. If that changes, this test says so and the table above must
 * follow. */
static void test_coverage_table_of_a_long_story(void **state)
{
    (void)state;
    ctx_t x;
    h_t *h = drive(HA_ST_SWITCHING, &x);
    run_out(h);
    for (int st = 0; st < HA_ST_COUNT; st++) {
        if (st != HA_ST_FREE)
            assert_true(ha_center_transitions(h->c, (ha_state_t)st, HA_SEV_API_START) == 0);
    }
    assert_true(ha_center_transitions(h->c, HA_ST_FREE, HA_SEV_API_START) >= 1);
    assert_true(ha_center_transitions(h->c, HA_ST_RECONNECTING, HA_SEV_STEP) == 1);
    assert_true(ha_center_transitions(h->c, HA_ST_SWITCHING, HA_SEV_READY) == 1);
    h_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_state_x_every_event),
        cmocka_unit_test(test_every_state_x_nonsense_input_changes_nothing),
        cmocka_unit_test(test_coverage_table_of_a_long_story),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
