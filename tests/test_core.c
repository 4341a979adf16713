/* test_core.c -- the HA core against the contract, rule by rule (R1-R12),
 * and every bound of the state machine at -1, 0 and +1 ms.
 *
 * Each test drives the core through tests/core_harness.h, whose online
 * oracle and memory checker run on every input; the asserts here are what
 * the test's name promises. Times are the contract's numbers written out
 * (60000, 90000, ...), not the policy macros, so that a wrong policy value
 * fails here instead of being agreed with. */
#define _POSIX_C_SOURCE 200809L

#include "core_harness.h"

#define UID0 1001u
#define CNAME "room"

typedef struct {
    uint32_t si, srv, rec, uid;
} rec_ref_t;

static h_t *world(uint32_t servers, uint32_t capacity)
{
    h_t *h = h_new(8, 4);
    h_add_servers(h, servers, capacity);
    h_heartbeat_all(h, 0);
    return h;
}

/* Starts a composite session at now and readies its first recorder 1000
 * ms later. */
static rec_ref_t recording_as(h_t *h, uint32_t uid, const char *cname)
{
    rec_ref_t r;
    r.si = h_start(h, uid, cname);
    h_advance_by(h, 1000);
    r.rec = h_ready_last(h, r.si, &r.srv);
    r.uid = uid;
    assert_int_equal(ha_session_state(h->c, r.si), HA_ST_RECORDING);
    return r;
}

static rec_ref_t recording(h_t *h)
{
    return recording_as(h, UID0, CNAME);
}

/* The replacement the center started last for the session. */
static rec_ref_t pending_of(h_t *h, uint32_t si)
{
    const ha_cmd_t *c = h_last_recorder_start(h, si);
    assert_non_null(c);
    rec_ref_t r = {si, c->u.recorder.server, c->u.recorder.recorder, c->u.recorder.uid};
    return r;
}

static rec_ref_t ready_pending(h_t *h, uint32_t si)
{
    rec_ref_t r = pending_of(h, si);
    h_ready(h, si, r.srv, r.rec);
    return r;
}

/* Kills the serving recorder now; returns the replacement started. */
static rec_ref_t kill(h_t *h, rec_ref_t cur)
{
    uint32_t m = h_mark(h);
    h_exit_report(h, cur.si, cur.srv, cur.rec);
    assert_int_equal(h_count_events_since(h, m, HA_EV_DETECTED, cur.si), 1);
    return pending_of(h, cur.si);
}

/* The index'th command of this kind at or after from, or NULL. */
static const ha_cmd_t *nth_cmd(const h_t *h, uint32_t from, ha_cmd_kind_t kind, uint32_t index)
{
    for (uint32_t i = from; i < h->n; i++) {
        if (h->rec[i].cmd.kind == kind && index-- == 0)
            return &h->rec[i].cmd;
    }
    return NULL;
}

static int64_t nth_cmd_t(const h_t *h, uint32_t from, ha_cmd_kind_t kind, uint32_t index)
{
    for (uint32_t i = from; i < h->n; i++) {
        if (h->rec[i].cmd.kind == kind && index-- == 0)
            return h->rec[i].t_ms;
    }
    return -1;
}

static uint32_t count_fences_of(const h_t *h, uint32_t from, uint32_t recorder)
{
    uint32_t n = 0;
    for (uint32_t i = from; i < h->n; i++) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        n += c->kind == HA_CMD_RECORDER_STOP && c->u.recorder.how == HA_STOP_FENCE &&
             c->u.recorder.recorder == recorder;
    }
    return n;
}

/* No command anywhere names a bak3_ file or carries bak >= 3. */
static void assert_no_bak3(const h_t *h)
{
    for (uint32_t i = 0; i < h->n; i++) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        switch (c->kind) {
        case HA_CMD_RECORDER_START:
        case HA_CMD_RECORDER_RESUME:
            assert_true(c->u.recorder.bak < 3);
            break;
        case HA_CMD_PLAYLIST_OPEN:
        case HA_CMD_PLAYLIST_CLOSE:
        case HA_CMD_SLICE_WRITE:
            assert_true(c->u.file.bak < 3);
            assert_null(strstr(c->u.file.name, "bak3_"));
            break;
        default:
            break;
        }
    }
}

static void expect_404_all_calls(h_t *h, uint32_t si)
{
    static const ha_call_t calls[] = {HA_CALL_QUERY, HA_CALL_UPDATE, HA_CALL_UPDATE_LAYOUT,
                                      HA_CALL_STOP};
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        ha_state_t before = ha_session_state(h->c, si);
        uint32_t m = h_mark(h);
        const h_reply_t *r = h_api(h, calls[i], si);
        assert_int_equal(r->http, 404);
        assert_string_equal(r->message, "failed to find worker");
        /* a call in the window changes nothing: the reply is all */
        assert_int_equal(h->n - m, 1);
        assert_int_equal(ha_session_state(h->c, si), before);
    }
}

static void expect_200_reads(h_t *h, uint32_t si, uint8_t status)
{
    static const ha_call_t calls[] = {HA_CALL_QUERY, HA_CALL_UPDATE, HA_CALL_UPDATE_LAYOUT};
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        const h_reply_t *r = h_api(h, calls[i], si);
        assert_int_equal(r->http, 200);
        assert_int_equal(r->code, 0);
        assert_int_equal(r->status, status);
    }
}

static void finish(h_t *h)
{
    h_check_slices_unique(h);
    h_free(h);
}

/* ---- R1 ------------------------------------------------------------------ */

static void test_r1_kill_switches_to_a_different_server_and_resumes_with_bak0_names(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    h_advance(h, 1000);
    rec_ref_t a = recording(h);
    assert_int_equal(a.srv, 0);
    h_advance(h, 5000);
    h_mix_slice(h, a.si, a.srv, a.rec, 2000);
    const ha_cmd_t *w = nth_cmd(h, 0, HA_CMD_SLICE_WRITE, 0);
    assert_non_null(w);
    assert_string_equal(w->u.file.playlist, H_SID "_room.m3u8");

    h_advance(h, 10000);
    uint32_t m = h_mark(h);
    rec_ref_t b = kill(h, a);
    int64_t t_det = 0;
    const ha_event_info_t *det = h_last_event(h, m, HA_EV_DETECTED, &t_det);
    assert_int_equal(t_det, 10000);
    assert_int_equal(det->cause, HA_CAUSE_KILL);
    assert_int_equal(det->activation, 0);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_FAILOVER);
    /* the replacement starts at detection, elsewhere, as activation 0 */
    assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_START, 0), 10000);
    assert_int_not_equal(b.srv, a.srv);
    assert_int_equal(pending_of(h, a.si).rec, b.rec);
    assert_int_equal(h_last_recorder_start(h, a.si)->u.recorder.bak, 0);
    assert_int_not_equal(b.uid, UID0);
    /* the ordinary playlist is closed at detection */
    const ha_cmd_t *cl = nth_cmd(h, m, HA_CMD_PLAYLIST_CLOSE, 0);
    assert_non_null(cl);
    assert_string_equal(cl->u.file.playlist, H_SID "_room.m3u8");

    h_advance(h, 12000);
    m = h_mark(h);
    h_ready(h, b.si, b.srv, b.rec);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    int64_t t_res = 0;
    assert_non_null(h_last_event(h, m, HA_EV_RESUMED, &t_res));
    assert_true(t_res - t_det <= 30000); /* R1 */
    assert_int_equal(ha_session_activations(h->c, a.si), 1);
    assert_int_equal(ha_session_uid(h->c, a.si), b.uid);

    h_advance(h, 27000);
    m = h_mark(h);
    h_mix_slice(h, b.si, b.srv, b.rec, 12000);
    const ha_cmd_t *op = nth_cmd(h, m, HA_CMD_PLAYLIST_OPEN, 0);
    assert_non_null(op);
    assert_string_equal(op->u.file.playlist, "bak0_" H_SID "_room.m3u8");
    w = nth_cmd(h, m, HA_CMD_SLICE_WRITE, 0);
    assert_non_null(w);
    assert_string_equal(w->u.file.name, "bak0_" H_SID "_room_20190611073258073.ts");
    assert_string_equal(w->u.file.playlist, "bak0_" H_SID "_room.m3u8");
    h_check_queries(h);
    finish(h);
}

/* ---- R2 ------------------------------------------------------------------ */

/* Session recording on server 0 of three; server 0 goes silent after its
 * heartbeat at 2000; returns the detection time (8000). */
static int64_t disconnected(h_t **hp, rec_ref_t *a)
{
    h_t *h = world(3, 4);
    h_advance(h, 1000);
    *a = recording(h);
    assert_int_equal(a->srv, 0);
    h_advance(h, 3000);
    h_silence(h, 0);
    int64_t d = h_detect_at(h, 0);
    assert_int_equal(d, 8000);
    h_advance(h, d);
    assert_int_equal(ha_session_state(h->c, a->si), HA_ST_RECONNECTING);
    *hp = h;
    return d;
}

static void assert_reconnects(h_t *h, rec_ref_t a, int64_t d, int64_t heal_at)
{
    uint32_t m = h_mark(h);
    h_revive_at(h, a.srv, heal_at);
    h_advance(h, heal_at);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RESUMING);
    const ha_cmd_t *rs = nth_cmd(h, m, HA_CMD_RECORDER_RESUME, 0);
    assert_non_null(rs);
    assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_RESUME, 0), heal_at);
    assert_int_equal(rs->u.recorder.server, a.srv);
    assert_int_equal(rs->u.recorder.recorder, a.rec);
    assert_int_equal(rs->u.recorder.uid, UID0);
    assert_int_equal(rs->u.recorder.bak, 0);
    assert_null(nth_cmd(h, m, HA_CMD_RECORDER_START, 0));
    assert_int_equal(h_count_events_since(h, m, HA_EV_RECONNECTED, a.si), 1);
    expect_404_all_calls(h, a.si); /* still in the window until it records */

    h_advance(h, heal_at + 500);
    m = h_mark(h);
    h_ready(h, a.si, a.srv, a.rec);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    assert_int_equal(ha_session_uid(h->c, a.si), UID0);
    assert_int_equal(h_count_events_since(h, 0, HA_EV_SWITCH, a.si), 1); /* the first start only */
    assert_int_equal(h_count_notify(h, 0, a.si, HA_NCS_SESSION_FAILOVER), 0);
    assert_non_null(h_last_notify(h, m, a.si, HA_NCS_RECORDER_STARTED));
    assert_int_equal(h_last_notify(h, m, a.si, HA_NCS_RECORDER_STARTED)->uid, UID0);
    (void)d;

    m = h_mark(h);
    h_mix_slice(h, a.si, a.srv, a.rec, heal_at);
    const ha_cmd_t *w = nth_cmd(h, m, HA_CMD_SLICE_WRITE, 0);
    assert_non_null(w);
    assert_string_equal(w->u.file.playlist, "bak0_" H_SID "_room.m3u8");
    assert_int_equal(ha_session_activations(h->c, a.si), 1); /* still an activation */
}

static void test_r2_disconnect_reconnect_within_window_keeps_server_and_uid_no_event_12(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    int64_t t = 0;
    const ha_event_info_t *det = h_last_event(h, 0, HA_EV_DETECTED, &t);
    assert_int_equal(t, d);
    assert_int_equal(det->cause, HA_CAUSE_DISCONNECT);
    assert_int_equal(h_last_event(h, 0, HA_EV_RECONNECTING, NULL)->until_ms, d + 60000);
    assert_reconnects(h, a, d, d + 30000);
    finish(h);
}

static void test_r2_bound_heal_at_detection_plus_59999_reconnects(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    assert_reconnects(h, a, d, d + 59999);
    finish(h);
}

static void test_r2_bound_heal_at_detection_plus_60000_reconnects_heartbeat_before_step(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    /* the step timer is due at this very ms; the heartbeat goes first */
    assert_int_equal(h_at(h, h_step_slot(h, a.si)), d + 60000);
    assert_reconnects(h, a, d, d + 60000);
    finish(h);
}

static void test_r2_bound_heal_at_detection_plus_60001_is_too_late_switches(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    uint32_t m = h_mark(h);
    h_advance(h, d + 60000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_SWITCHING);
    rec_ref_t b = pending_of(h, a.si);
    assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_START, 0), d + 60000);
    assert_int_not_equal(b.srv, a.srv);

    m = h_mark(h);
    h_revive_at(h, a.srv, d + 60001);
    h_advance(h, d + 60001);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_SWITCHING);
    assert_null(nth_cmd(h, m, HA_CMD_RECORDER_RESUME, 0));
    assert_int_equal(h_count_events_since(h, m, HA_EV_RECONNECTED, a.si), 0);
    assert_int_equal(count_fences_of(h, m, a.rec), 1); /* R9: told to stop on return */
    assert_int_equal(pending_of(h, a.si).rec, b.rec);  /* the switch goes on */

    ready_pending(h, a.si);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    assert_int_equal(ha_session_uid(h->c, a.si), b.uid);
    finish(h);
}

static void test_r2_switch_at_exactly_detection_plus_60000_not_59999(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    uint32_t m = h_mark(h);
    h_advance(h, d + 59999);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECONNECTING);
    assert_null(nth_cmd(h, m, HA_CMD_RECORDER_START, 0));
    assert_int_equal(h_count_events_since(h, m, HA_EV_SWITCH, a.si), 0);
    expect_404_all_calls(h, a.si);

    h_advance(h, d + 60000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_SWITCHING);
    assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_START, 0), d + 60000);
    rec_ref_t b = pending_of(h, a.si);
    assert_int_not_equal(b.srv, a.srv);
    assert_int_not_equal(b.uid, UID0);
    assert_int_equal(h_last_recorder_start(h, a.si)->u.recorder.bak, 0);
    /* the old server is down: its recorder is fenced when it returns */
    assert_int_equal(count_fences_of(h, 0, a.rec), 0);
    finish(h);
}

static void test_r2_switch_after_window_resumes_on_different_server_with_new_uid(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    h_advance(h, d + 60000);
    h_advance(h, d + 65000);
    uint32_t m = h_mark(h);
    rec_ref_t b = ready_pending(h, a.si);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    assert_int_not_equal(b.srv, a.srv);
    int64_t t = 0;
    const ha_event_info_t *res = h_last_event(h, m, HA_EV_RESUMED, &t);
    assert_true(t - (d + 60000) <= 30000); /* R2: within a further 30 s */
    assert_int_equal(res->uid, b.uid);
    const ha_notify_t *n12 = h_last_notify(h, m, a.si, HA_NCS_SESSION_FAILOVER);
    assert_non_null(n12);
    assert_int_equal(n12->new_uid, b.uid);
    assert_int_equal(n12->uid, b.uid);
    h_mix_slice(h, a.si, b.srv, b.rec, t);
    assert_string_equal(nth_cmd(h, m, HA_CMD_SLICE_WRITE, 0)->u.file.playlist,
                        "bak0_" H_SID "_room.m3u8");
    h_check_queries(h);
    finish(h);
}

/* A disconnect whose recorder also dies (exit report) need not wait out
 * the minute: same activation, switch now. */
static void test_r2_disconnected_recorder_exit_switches_early_same_activation(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    h_advance(h, d + 20000);
    uint32_t m = h_mark(h);
    h_exit_report(h, a.si, a.srv, a.rec);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_SWITCHING);
    assert_int_equal(h_count_events_since(h, m, HA_EV_DETECTED, a.si), 0);
    assert_int_equal(ha_session_activations(h->c, a.si), 1);
    rec_ref_t b = pending_of(h, a.si);
    assert_int_not_equal(b.srv, a.srv);
    /* the exited recorder is not fenced (nothing to stop) */
    h_revive_at(h, a.srv, d + 21000);
    h_advance(h, d + 21000);
    assert_int_equal(count_fences_of(h, m, a.rec), 0);
    ready_pending(h, a.si);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    finish(h);
}

/* A link that comes back and drops again before the recorder rejoined
 * waits out the rest of the minute, then switches at detection + 60000. */
static void test_r2_flapping_link_waits_rest_of_window_then_switches(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    h_revive_at(h, a.srv, d + 10000);
    h_advance(h, d + 10000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RESUMING);
    h_silence(h, a.srv); /* last heartbeat at d + 10000 */
    h_advance(h, d + 15999);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RESUMING);
    h_advance(h, d + 16000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECONNECTING);
    assert_int_equal(h_at(h, h_step_slot(h, a.si)), d + 60000);
    uint32_t m = h_mark(h);
    h_advance(h, d + 59999);
    assert_null(nth_cmd(h, m, HA_CMD_RECORDER_START, 0));
    h_advance(h, d + 60000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_SWITCHING);
    assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_START, 0), d + 60000);
    finish(h);
}

/* ---- R3 / R10 ------------------------------------------------------------- */

static void test_r10_no_capacity_retries_every_second_ends_abnormally_at_detection_plus_90000(
    void **state)
{
    (void)state;
    h_t *h = world(1, 4);
    h_advance(h, 1000);
    rec_ref_t a = recording(h);
    h_advance(h, 5000);
    h_mix_slice(h, a.si, a.srv, a.rec, 2000);
    h_advance(h, 10000);
    uint32_t m = h_mark(h);
    h_exit_report(h, a.si, a.srv, a.rec);
    int64_t d = 10000;
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_FAILOVER);
    assert_null(nth_cmd(h, m, HA_CMD_RECORDER_START, 0)); /* never the failed server */

    h_advance(h, d + 89999);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_FAILOVER);
    assert_null(nth_cmd(h, m, HA_CMD_RECORDER_START, 0));
    /* a retry every second: the step slot armed at d+1000, d+2000, ... */
    int64_t want = d + 1000;
    for (uint32_t i = m; i < h->n; i++) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        if (c->kind == HA_CMD_TIMER_ARM && c->u.arm.timer.slot == h_step_slot(h, a.si)) {
            assert_int_equal(c->u.arm.at_ms, want);
            assert_int_equal(h->rec[i].t_ms, want - 1000);
            want += 1000;
        }
    }
    assert_int_equal(want, d + 91000); /* the last armed for d + 90000 */
    expect_404_all_calls(h, a.si);

    m = h_mark(h);
    h_advance(h, d + 90000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_ENDED_ABNORMAL);
    int64_t t = 0;
    const ha_event_info_t *g = h_last_event(h, m, HA_EV_GIVE_UP, &t);
    assert_non_null(g);
    assert_int_equal(t, d + 90000);
    assert_int_equal(g->reason, HA_END_DEADLINE);
    const ha_notify_t *ex = h_last_notify(h, m, a.si, HA_NCS_SESSION_EXIT);
    assert_non_null(ex);
    assert_int_equal(ex->exit_status, 1);
    /* nothing recorded before is lost: the one slice stays listed */
    assert_int_equal(h_count_cmds(h, 0, HA_CMD_SLICE_WRITE), 1);
    expect_404_all_calls(h, a.si);
    h_advance(h, d + 200000);
    expect_404_all_calls(h, a.si);
    finish(h);
}

/* Capacity appears late (a server's first heartbeat): the retry in that
 * very ms picks it. */
static void test_r10_capacity_appearing_is_picked_by_the_next_retry(void **state)
{
    (void)state;
    h_t *h = h_new(8, 4);
    h_add_servers(h, 2, 4);
    h_revive_at(h, 0, 0);
    h_advance(h, 1000);
    rec_ref_t a = recording(h);
    h_advance(h, 10000);
    kill(h, a); /* nothing started: server 1 never heartbeated */
    assert_null(nth_cmd(h, 0, HA_CMD_RECORDER_START, 1));
    h_revive_at(h, 1, 55000);
    uint32_t m = h_mark(h);
    h_advance(h, 55000);
    assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_START, 0), 55000);
    rec_ref_t b = pending_of(h, a.si);
    assert_int_equal(b.srv, 1);
    ready_pending(h, a.si);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    finish(h);
}

/* One server, a second one that first heartbeats at d + 85000: the
 * replacement is pending from then, and READY decides. */
static h_t *late_replacement(rec_ref_t *a, int64_t *d)
{
    h_t *h = h_new(8, 4);
    h_add_servers(h, 2, 4);
    h_revive_at(h, 0, 0);
    h_advance(h, 1000);
    *a = recording(h);
    h_advance(h, 10000);
    *d = 10000;
    kill(h, *a);
    h_revive_at(h, 1, *d + 85000);
    h_advance(h, *d + 85000);
    assert_int_equal(pending_of(h, a->si).srv, 1);
    return h;
}

static void test_r3_bound_ready_at_detection_plus_89999_resumes(void **state)
{
    (void)state;
    rec_ref_t a;
    int64_t d = 0;
    h_t *h = late_replacement(&a, &d);
    h_advance(h, d + 89999);
    ready_pending(h, a.si);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    h_advance(h, d + 100000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    finish(h);
}

static void test_r3_bound_ready_at_detection_plus_90000_before_the_timer_resumes(void **state)
{
    (void)state;
    rec_ref_t a;
    int64_t d = 0;
    h_t *h = late_replacement(&a, &d);
    h_goto(h, d + 90000); /* the deadline is due at this ms, not yet fired */
    assert_true(h_armed(h, h_deadline_slot(h, a.si)));
    assert_int_equal(h_at(h, h_deadline_slot(h, a.si)), d + 90000);
    ready_pending(h, a.si);
    h_advance(h, d + 90000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    assert_int_equal(h_count_events(h, HA_EV_GIVE_UP), 0);
    finish(h);
}

static void test_r3_bound_ready_at_detection_plus_90001_too_late_session_ended(void **state)
{
    (void)state;
    rec_ref_t a;
    int64_t d = 0;
    h_t *h = late_replacement(&a, &d);
    rec_ref_t b = pending_of(h, a.si);
    h_advance(h, d + 90000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_ENDED_ABNORMAL);
    assert_int_equal(h_last_notify(h, 0, a.si, HA_NCS_SESSION_EXIT)->exit_status, 1);
    assert_int_equal(count_fences_of(h, 0, b.rec), 1); /* the late replacement is let go */
    h_advance(h, d + 90001);
    uint32_t m = h_mark(h);
    h_ready(h, a.si, b.srv, b.rec);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_ENDED_ABNORMAL);
    assert_int_equal(h_count_events_since(h, m, HA_EV_RESUMED, a.si), 0);
    assert_int_equal(count_fences_of(h, m, b.rec), 1);
    expect_404_all_calls(h, a.si);
    finish(h);
}

/* ---- R4 ------------------------------------------------------------------ */

static void test_r4_seed_example_bak0_sid_cname_m3u8(void **state)
{
    (void)state;
    h_t *h = world(2, 4);
    rec_ref_t a = recording_as(h, UID0, "cname");
    h_mix_slice(h, a.si, a.srv, a.rec, h->now);
    assert_string_equal(nth_cmd(h, 0, HA_CMD_PLAYLIST_OPEN, 0)->u.file.playlist,
                        H_SID "_cname.m3u8");
    h_advance_by(h, 1000);
    kill(h, a);
    h_advance_by(h, 1000);
    rec_ref_t b = ready_pending(h, a.si);
    uint32_t m = h_mark(h);
    h_mix_slice(h, a.si, b.srv, b.rec, h->now);
    assert_string_equal(nth_cmd(h, m, HA_CMD_PLAYLIST_OPEN, 0)->u.file.playlist,
                        "bak0_" H_SID "_cname.m3u8");
    finish(h);
}

/* Three activations, two kills and a disconnect that heals: bak0_, bak1_,
 * bak2_ in turn, each playlist closed when the next activation begins, and
 * MP4 files counting from 0 under each prefix. */
static void test_r4_three_activations_name_bak0_bak1_bak2_mp4_index_per_prefix(void **state)
{
    (void)state;
    h_t *h = world(4, 4);
    ha_api_in_t p = h_start_params(HA_MODE_COMPOSITE, UID0, CNAME);
    p.mp4 = true;
    const h_reply_t *rp = h_start_api(h, &p);
    assert_int_equal(rp->http, 200);
    uint32_t si = rp->session;
    h_advance(h, 1000);
    rec_ref_t cur = ready_pending(h, si);
    int64_t u0 = h->cfg.utc_at_zero_ms;
    const char *want_pl[] = {H_SID "_room.m3u8", "bak0_" H_SID "_room.m3u8",
                             "bak1_" H_SID "_room.m3u8", "bak2_" H_SID "_room.m3u8"};
    const char *want_pre[] = {"", "bak0_", "bak1_", "bak2_"};
    for (int k = 0; k < 4; k++) {
        uint32_t m = h_mark(h);
        int64_t t0 = h->now;
        h_mix_slice(h, si, cur.srv, cur.rec, t0);
        h_slice(h, si, cur.srv, cur.rec, 0, HA_TRACK_MIX, HA_FMT_MP4, u0 + t0, u0 + t0 + 7000);
        h_slice(h, si, cur.srv, cur.rec, 0, HA_TRACK_MIX, HA_FMT_MP4, u0 + t0 + 7000,
                u0 + t0 + 9000);
        const ha_cmd_t *op = nth_cmd(h, m, HA_CMD_PLAYLIST_OPEN, 0);
        assert_non_null(op);
        assert_string_equal(op->u.file.playlist, want_pl[k]);
        assert_int_equal(op->u.file.bak, k - 1);
        char want[HA_NAME_MAX];
        for (uint32_t j = 0; j < 2; j++) {
            snprintf(want, sizeof(want), "%s%s_room_%u.mp4", want_pre[k], H_SID, j);
            const ha_cmd_t *mp = nth_cmd(h, m, HA_CMD_SLICE_WRITE, 1 + j);
            assert_non_null(mp);
            assert_int_equal(mp->u.file.fmt, HA_FMT_MP4);
            assert_null(mp->u.file.playlist);
            assert_string_equal(mp->u.file.name, want);
        }
        if (k == 3)
            break;
        h_advance_by(h, 20000);
        m = h_mark(h);
        if (k < 2) {
            cur = kill(h, cur);
            h_advance_by(h, 2000);
            ready_pending(h, si);
        } else {
            h_silence(h, cur.srv);
            h_advance(h, h_detect_at(h, cur.srv));
            h_revive_at(h, cur.srv, h->now + 5000);
            h_advance_by(h, 5000);
            h_ready(h, si, cur.srv, cur.rec);
        }
        const ha_cmd_t *cl = nth_cmd(h, m, HA_CMD_PLAYLIST_CLOSE, 0);
        assert_non_null(cl);
        assert_string_equal(cl->u.file.playlist, want_pl[k]);
        assert_int_equal(nth_cmd_t(h, m, HA_CMD_PLAYLIST_CLOSE, 0), nth_cmd_t(h, m, HA_CMD_EVENT, 0));
        assert_int_equal(ha_session_state(h->c, si), HA_ST_RECORDING);
        assert_int_equal(ha_session_activations(h->c, si), k + 1);
    }
    assert_no_bak3(h);
    finish(h);
}

static void test_r4_individual_mode_audio_ts_video_webm_bak0_names(void **state)
{
    (void)state;
    h_t *h = world(2, 4);
    ha_api_in_t p = h_start_params(HA_MODE_INDIVIDUAL, UID0, CNAME);
    p.webm = true;
    uint32_t si = h_start_api(h, &p)->session;
    h_advance(h, 1000);
    rec_ref_t a = ready_pending(h, si);
    a.si = si;
    h_user(h, si, 7, true);
    int64_t u = 1560238366073LL + 2000; /* 2019-06-11T07:32:48.073Z */
    h_advance(h, 20000);
    uint32_t m = h_mark(h);
    h_slice(h, si, a.srv, a.rec, 7, HA_TRACK_AUDIO, HA_FMT_TS, u, u + 15000);
    h_slice(h, si, a.srv, a.rec, 7, HA_TRACK_VIDEO, HA_FMT_WEBM, u, u + 15500);
    assert_string_equal(nth_cmd(h, m, HA_CMD_SLICE_WRITE, 0)->u.file.name,
                        H_SID "_room__uid_s_7__uid_e_audio_20190611073248073.ts");
    assert_string_equal(nth_cmd(h, m, HA_CMD_SLICE_WRITE, 0)->u.file.playlist,
                        H_SID "_room__uid_s_7__uid_e_audio.m3u8");
    assert_string_equal(nth_cmd(h, m, HA_CMD_SLICE_WRITE, 1)->u.file.name,
                        H_SID "_room__uid_s_7__uid_e_video_20190611073248073.webm");
    assert_string_equal(nth_cmd(h, m, HA_CMD_SLICE_WRITE, 1)->u.file.playlist,
                        H_SID "_room__uid_s_7__uid_e_video.m3u8");
    a.uid = UID0;
    h_advance_by(h, 1000);
    m = h_mark(h);
    rec_ref_t b = kill(h, a);
    assert_int_equal(h_count_cmds(h, m, HA_CMD_PLAYLIST_CLOSE), 2);
    h_advance_by(h, 1000);
    ready_pending(h, si);
    m = h_mark(h);
    h_slice(h, si, b.srv, b.rec, 7, HA_TRACK_AUDIO, HA_FMT_TS, u + 30000, u + 45000);
    h_slice(h, si, b.srv, b.rec, 7, HA_TRACK_VIDEO, HA_FMT_WEBM, u + 30000, u + 45000);
    assert_string_equal(nth_cmd(h, m, HA_CMD_SLICE_WRITE, 0)->u.file.name,
                        "bak0_" H_SID "_room__uid_s_7__uid_e_audio_20190611073318073.ts");
    assert_string_equal(nth_cmd(h, m, HA_CMD_SLICE_WRITE, 1)->u.file.playlist,
                        "bak0_" H_SID "_room__uid_s_7__uid_e_video.m3u8");
    assert_string_equal(nth_cmd(h, m, HA_CMD_SLICE_WRITE, 1)->u.file.name,
                        "bak0_" H_SID "_room__uid_s_7__uid_e_video_20190611073318073.webm");
    finish(h);
}

static void test_r4_web_mode_special_characters_become_dashes(void **state)
{
    (void)state;
    h_t *h = world(2, 4);
    ha_api_in_t p = h_start_params(HA_MODE_WEB, UID0, "my room#1/a.b_c-d");
    uint32_t si = h_start_api(h, &p)->session;
    h_advance(h, 1000);
    rec_ref_t a = ready_pending(h, si);
    h_mix_slice(h, si, a.srv, a.rec, 0);
    assert_string_equal(nth_cmd(h, 0, HA_CMD_PLAYLIST_OPEN, 0)->u.file.playlist,
                        H_SID "_my-room-1-a-b_c-d.m3u8");
    assert_string_equal(nth_cmd(h, 0, HA_CMD_SLICE_WRITE, 0)->u.file.name,
                        H_SID "_my-room-1-a-b_c-d_20190611073246073.ts");
    finish(h);
}

/* A slice the old recorder finishes after detection is not listed in its
 * (closed) playlist nor in the next one. */
static void test_r4_closed_playlist_gets_no_entries_after_detection(void **state)
{
    (void)state;
    h_t *h = world(2, 4);
    rec_ref_t a = recording(h);
    h_advance_by(h, 1000);
    h_silence(h, a.srv);
    h_advance(h, h_detect_at(h, a.srv));
    uint32_t m = h_mark(h);
    h_mix_slice(h, a.si, a.srv, a.rec, 0); /* a slice while reconnecting */
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 0);
    assert_int_equal(h_count_cmds(h, m, HA_CMD_PLAYLIST_OPEN), 0);
    finish(h);
}

/* Sixteen sessions' slices in turn, each in its own playlist: the names
 * the center keeps are keyed by session too, and sixteen keys in its 64
 * entries share some (mutant m101). */
#define TURN_SESSIONS 16u
static void test_r4_sessions_slices_in_turn_each_in_its_own_playlist(void **state)
{
    (void)state;
    h_t *h = h_new(8, TURN_SESSIONS);
    h_add_servers(h, 8, TURN_SESSIONS / 8);
    h_heartbeat_all(h, 0);
    h_advance(h, 1000);
    rec_ref_t r[TURN_SESSIONS];
    char cname[TURN_SESSIONS][16];
    for (uint32_t i = 0; i < TURN_SESSIONS; i++) {
        snprintf(cname[i], sizeof cname[i], "room%u", (unsigned)i);
        r[i] = recording_as(h, UID0 + i, cname[i]);
    }
    h_advance_by(h, 8000);
    for (int64_t round = 1; round <= 2; round++) {
        for (uint32_t i = 0; i < TURN_SESSIONS; i++) {
            uint32_t m = h_mark(h);
            h_mix_slice(h, r[i].si, r[i].srv, r[i].rec, 2000 * round);
            const ha_cmd_t *w = nth_cmd(h, m, HA_CMD_SLICE_WRITE, 0);
            char want[64];
            snprintf(want, sizeof want, H_SID "_room%u.m3u8", (unsigned)i);
            assert_non_null(w);
            assert_string_equal(w->u.file.playlist, want);
        }
    }
    finish(h);
}

/* ---- R5 ------------------------------------------------------------------ */

static void check_gave_up(h_t *h, uint32_t si, uint32_t m)
{
    assert_int_equal(ha_session_state(h->c, si), HA_ST_ENDED_ABNORMAL);
    const ha_event_info_t *g = h_last_event(h, m, HA_EV_GIVE_UP, NULL);
    assert_non_null(g);
    assert_int_equal(g->reason, HA_END_ACTIVATIONS);
    const ha_notify_t *ex = h_last_notify(h, m, si, HA_NCS_SESSION_EXIT);
    assert_non_null(ex);
    assert_int_equal(ex->exit_status, 1);
    assert_null(nth_cmd(h, m, HA_CMD_RECORDER_START, 0));
    assert_int_equal(ha_session_activations(h->c, si), 3);
    expect_404_all_calls(h, si);
    h_advance_by(h, 100000);
    expect_404_all_calls(h, si);
    assert_no_bak3(h);
}

static void test_r5_fourth_kill_gives_up_exit_1_no_bak3_later_calls_404(void **state)
{
    (void)state;
    h_t *h = world(4, 4);
    rec_ref_t cur = recording(h);
    for (int k = 0; k < 3; k++) {
        h_advance_by(h, 10000);
        cur = kill(h, cur);
        h_advance_by(h, 1000);
        ready_pending(h, cur.si);
        h_mix_slice(h, cur.si, cur.srv, cur.rec, h->now);
        assert_int_equal(ha_session_activations(h->c, cur.si), k + 1);
    }
    h_advance_by(h, 10000);
    uint32_t m = h_mark(h);
    h_exit_report(h, cur.si, cur.srv, cur.rec);
    assert_int_equal(h_count_events_since(h, m, HA_EV_DETECTED, cur.si), 1);
    check_gave_up(h, cur.si, m);
    /* the last recorder's late slice is refused */
    uint32_t m2 = h_mark(h);
    h_mix_slice(h, cur.si, cur.srv, cur.rec, h->now);
    assert_int_equal(h_count_cmds(h, m2, HA_CMD_SLICE_WRITE), 0);
    finish(h);
}

/* Faults of all kinds count: kill, a disconnect that heals, a disconnect
 * that switches; the fourth (a disconnect) gives up and the recorder is
 * fenced when its server returns. */
static void test_r5_fourth_fault_disconnect_gives_up_after_mixed_faults(void **state)
{
    (void)state;
    h_t *h = world(4, 4);
    rec_ref_t cur = recording(h);
    h_advance_by(h, 10000);
    cur = kill(h, cur);
    h_advance_by(h, 1000);
    ready_pending(h, cur.si);

    h_advance_by(h, 10000);
    h_silence(h, cur.srv);
    h_advance(h, h_detect_at(h, cur.srv));
    h_revive_at(h, cur.srv, h->now + 20000);
    h_advance_by(h, 20000);
    h_ready(h, cur.si, cur.srv, cur.rec);
    assert_int_equal(ha_session_state(h->c, cur.si), HA_ST_RECORDING);

    h_advance_by(h, 10000);
    uint32_t old_srv = cur.srv;
    h_silence(h, cur.srv);
    int64_t d = h_detect_at(h, cur.srv);
    h_advance(h, d + 60000);
    cur = pending_of(h, cur.si);
    h_advance_by(h, 1000);
    ready_pending(h, cur.si);
    assert_int_equal(ha_session_activations(h->c, cur.si), 3);
    h_revive_at(h, old_srv, h->now);
    h_advance_by(h, 10);

    h_advance_by(h, 10000);
    h_silence(h, cur.srv);
    d = h_detect_at(h, cur.srv);
    h_advance(h, d - 1);
    uint32_t m = h_mark(h);
    h_advance(h, d);
    check_gave_up(h, cur.si, m);
    assert_int_equal(count_fences_of(h, m, cur.rec), 0);
    h_revive_at(h, cur.srv, h->now + 1000);
    h_advance_by(h, 1000);
    assert_int_equal(count_fences_of(h, m, cur.rec), 1); /* R9 after the end too */
    finish(h);
}

/* ---- R6 ------------------------------------------------------------------ */

static void test_r6_404_from_detection_to_resume_200_otherwise(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    uint32_t si = h_start(h, UID0, CNAME);
    expect_200_reads(h, si, 2); /* starting */
    h_advance(h, 1000);
    rec_ref_t a = ready_pending(h, si);
    a.si = si;
    expect_200_reads(h, si, 5);
    h_advance(h, 9999);
    expect_200_reads(h, si, 5);
    h_advance(h, 10000);
    expect_200_reads(h, si, 5);
    a.uid = UID0;
    rec_ref_t b = kill(h, a);
    expect_404_all_calls(h, si);
    h_advance(h, 14999);
    expect_404_all_calls(h, si);
    h_advance(h, 15000);
    h_ready(h, si, b.srv, b.rec);
    expect_200_reads(h, si, 5);
    h_mix_slice(h, si, b.srv, b.rec, 15000);
    const h_reply_t *r = h_query(h, si);
    assert_true(r->has_file);
    assert_string_equal(r->file, "bak0_" H_SID "_room.m3u8");
    /* a disconnect: 404 from its detection until the rejoin */
    h_advance(h, 20000);
    h_silence(h, b.srv);
    int64_t d = h_detect_at(h, b.srv);
    h_advance(h, d - 1);
    expect_200_reads(h, si, 5);
    h_advance(h, d);
    expect_404_all_calls(h, si);
    h_revive_at(h, b.srv, d + 1000);
    h_advance(h, d + 1000);
    expect_404_all_calls(h, si);
    h_advance(h, d + 2000);
    h_ready(h, si, b.srv, b.rec);
    expect_200_reads(h, si, 5);
    /* stopping answers 6; stop again and updates 400 code 49 */
    const h_reply_t *st = h_stop(h, si);
    assert_int_equal(st->http, 200);
    assert_int_equal(st->status, 6);
    assert_int_equal(h_query(h, si)->status, 6);
    assert_int_equal(h_query(h, si)->http, 200);
    assert_int_equal(h_api(h, HA_CALL_UPDATE, si)->code, 49);
    assert_int_equal(h_api(h, HA_CALL_UPDATE_LAYOUT, si)->http, 400);
    assert_int_equal(h_stop(h, si)->code, 49);
    h_exited(h, si, b.srv, b.rec);
    assert_int_equal(ha_session_state(h->c, si), HA_ST_ENDED_NORMAL);
    expect_404_all_calls(h, si);
    h_check_queries(h);
    finish(h);
}

/* ---- R7 ------------------------------------------------------------------ */

static void test_r7_new_uid_skips_zero_used_uids_and_channel_users(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    rec_ref_t a = recording(h);
    h_user(h, a.si, 5000, true);
    h_user(h, a.si, 6000, true);
    h_user(h, a.si, 7000, true);
    h_user(h, a.si, 7000, false); /* left: its UID may be used */
    h_force_uid(h, 0);
    h_force_uid(h, UID0);
    h_force_uid(h, 5000);
    h_force_uid(h, 6000);
    h_force_uid(h, 424242);
    uint64_t draws = h->draws;
    h_advance_by(h, 5000);
    rec_ref_t b = kill(h, a);
    assert_int_equal(b.uid, 424242);
    assert_int_equal(h->draws - draws, 5);
    h_advance_by(h, 1000);
    ready_pending(h, a.si);
    assert_int_equal(ha_session_uid(h->c, a.si), 424242);

    h_force_uid(h, 424242);
    h_force_uid(h, UID0);
    h_force_uid(h, 6000);
    h_force_uid(h, 7000);
    h_advance_by(h, 5000);
    rec_ref_t c = kill(h, b);
    assert_int_equal(c.uid, 7000);
    finish(h);
}

/* A source that keeps returning clashes: after 64 draws the center walks
 * up from the last draw, skipping used UIDs, users, and 0 on wrap. */
static void test_r7_uid_draws_exhausted_walk_still_gives_fresh_uid(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    h_advance(h, 1000);
    rec_ref_t a = recording_as(h, 1, CNAME);
    h_user(h, a.si, 0xffffffffu, true);
    h_user(h, a.si, 2, true);
    for (int i = 0; i < 64; i++)
        h_force_uid(h, 0xffffffffu);
    h_advance_by(h, 1000);
    rec_ref_t b = kill(h, a);
    assert_int_equal(b.uid, 3); /* ffffffff, 0, 1 (used), 2 (user) */
    h_advance_by(h, 1000);
    ready_pending(h, a.si);
    for (int i = 0; i < 70; i++)
        h_force_uid(h, 3);
    h_advance_by(h, 1000);
    rec_ref_t c = kill(h, b);
    assert_int_equal(c.uid, 4);
    finish(h);
}

static void test_r7_callbacks_after_switch_carry_new_uid_sequence_from_0(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    rec_ref_t a = recording(h);
    rec_ref_t x = recording_as(h, 2002, "other");
    assert_int_not_equal(a.si, x.si);
    h_advance_by(h, 1000);
    uint32_t m = h_mark(h);
    rec_ref_t b = kill(h, a);
    h_advance_by(h, 1000);
    ready_pending(h, a.si);
    /* every callback of each session, in order: sequence 0, 1, 2, ... */
    uint32_t seq[2] = {0, 0};
    uint32_t si_of[2] = {a.si, x.si};
    for (uint32_t i = 0; i < h->n; i++) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        if (c->kind != HA_CMD_NOTIFY)
            continue;
        int k = c->u.notify.session == si_of[0] ? 0 : 1;
        assert_int_equal(c->u.notify.session, si_of[k]);
        assert_int_equal(c->u.notify.sequence, seq[k]);
        seq[k]++;
        if (i >= m && k == 0)
            assert_int_equal(c->u.notify.uid, b.uid);
        else if (k == 0)
            assert_int_equal(c->u.notify.uid, UID0);
    }
    assert_int_equal(seq[0], 5); /* 40, 42; then 40, 12, 42 */
    assert_int_equal(seq[1], 2);
    assert_int_equal(h_last_notify(h, m, a.si, HA_NCS_SESSION_FAILOVER)->new_uid, b.uid);
    /* stop: 31, 41, 11 carry the new UID too */
    h_advance_by(h, 1000);
    m = h_mark(h);
    h_stop(h, a.si);
    h_exited(h, a.si, b.srv, b.rec);
    assert_int_equal(h_last_notify(h, m, a.si, HA_NCS_SESSION_EXIT)->uid, b.uid);
    assert_int_equal(h_last_notify(h, m, a.si, HA_NCS_SESSION_EXIT)->sequence, 7);
    finish(h);
}

/* A failed replacement's UID is never drawn again. */
static void test_r7_failed_attempt_uid_is_not_reused(void **state)
{
    (void)state;
    h_t *h = world(4, 4);
    rec_ref_t a = recording(h);
    h_force_uid(h, 111);
    h_advance_by(h, 1000);
    rec_ref_t b = kill(h, a);
    assert_int_equal(b.uid, 111);
    h_force_uid(h, 111);
    h_force_uid(h, 222);
    h_failed(h, a.si, b.srv, b.rec);
    rec_ref_t c = pending_of(h, a.si);
    assert_int_equal(c.uid, 222);
    ready_pending(h, a.si);
    h_force_uid(h, 111);
    h_force_uid(h, 222);
    h_force_uid(h, 333);
    h_advance_by(h, 1000);
    rec_ref_t d = kill(h, c);
    assert_int_equal(d.uid, 333);
    finish(h);
}

/* ---- R8 ------------------------------------------------------------------ */

static void test_r8_every_serving_slice_listed_exactly_once_in_the_right_playlist(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    rec_ref_t cur = recording(h);
    const char *pl[3] = {H_SID "_room.m3u8", "bak0_" H_SID "_room.m3u8", "bak1_" H_SID "_room.m3u8"};
    uint32_t delivered[3] = {0, 0, 0};
    for (int phase = 0; phase < 3; phase++) {
        for (int k = 0; k < 5; k++) {
            int64_t t = h->now;
            h_advance_by(h, 15000);
            h_mix_slice(h, cur.si, cur.srv, cur.rec, t);
            delivered[phase]++;
        }
        if (phase == 0) {
            cur = kill(h, cur);
            h_advance_by(h, 3000);
            ready_pending(h, cur.si);
        } else if (phase == 1) {
            h_silence(h, cur.srv);
            h_advance(h, h_detect_at(h, cur.srv));
            h_revive_at(h, cur.srv, h->now + 1000);
            h_advance_by(h, 2000);
            h_ready(h, cur.si, cur.srv, cur.rec);
        }
    }
    uint32_t listed[3] = {0, 0, 0};
    int64_t last_start[3] = {-1, -1, -1};
    for (uint32_t i = 0; i < h->n; i++) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        if (c->kind != HA_CMD_SLICE_WRITE)
            continue;
        int k = 0;
        while (k < 3 && strcmp(c->u.file.playlist, pl[k]) != 0)
            k++;
        assert_true(k < 3);
        listed[k]++;
        assert_true(c->u.file.start_utc_ms > last_start[k]); /* time order */
        last_start[k] = c->u.file.start_utc_ms;
    }
    for (int k = 0; k < 3; k++)
        assert_int_equal(listed[k], delivered[k]);
    h_check_slices_unique(h);
    /* closing: the stop closes the last playlist */
    uint32_t m = h_mark(h);
    h_stop(h, cur.si);
    h_advance_by(h, 1000);
    h_mix_slice(h, cur.si, cur.srv, cur.rec, h->now - 1000); /* the flushed last slice */
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 1);
    h_exited(h, cur.si, cur.srv, cur.rec);
    assert_string_equal(nth_cmd(h, m, HA_CMD_PLAYLIST_CLOSE, 0)->u.file.playlist, pl[2]);
    finish(h);
}

/* Users come and go far beyond the 17 the service records at once: a user
 * who leaves closes their playlists and frees their streams, so every
 * slice of every later user is still listed (R8). A returning user's
 * playlist continues under its name. */
static void test_r8_user_churn_beyond_17_users_never_drops_slices(void **state)
{
    (void)state;
    h_t *h = world(2, 4);
    ha_api_in_t p = h_start_params(HA_MODE_INDIVIDUAL, UID0, CNAME);
    uint32_t si = h_start_api(h, &p)->session;
    h_advance(h, 1000);
    rec_ref_t a = ready_pending(h, si);
    int64_t u = 1560238366073LL;
    uint32_t m = h_mark(h);
    for (uint32_t user = 1; user <= 60; user++) {
        h_user(h, si, user, true);
        h_slice(h, si, a.srv, a.rec, user, HA_TRACK_AUDIO, HA_FMT_TS, u + user, u + user + 15000);
        h_slice(h, si, a.srv, a.rec, user, HA_TRACK_VIDEO, HA_FMT_TS, u + user, u + user + 15000);
        if (user > 10)
            h_user(h, si, user - 10, false);
    }
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 120);
    assert_int_equal(h_count_cmds(h, m, HA_CMD_PLAYLIST_CLOSE), 100); /* 50 users left */
    /* user 1 comes back: the same playlist name opens again */
    uint32_t m2 = h_mark(h);
    h_user(h, si, 1, true);
    h_slice(h, si, a.srv, a.rec, 1, HA_TRACK_AUDIO, HA_FMT_TS, u + 100000, u + 115000);
    assert_string_equal(nth_cmd(h, m2, HA_CMD_PLAYLIST_OPEN, 0)->u.file.playlist,
                        H_SID "_room__uid_s_1__uid_e_audio.m3u8");
    assert_int_equal(h_count_cmds(h, m2, HA_CMD_SLICE_WRITE), 1);
    h_stop(h, si);
    h_exited(h, si, a.srv, a.rec);
    assert_int_equal(h_count_cmds(h, 0, HA_CMD_PLAYLIST_OPEN), h_count_cmds(h, 0, HA_CMD_PLAYLIST_CLOSE));
    finish(h);
}

/* ---- R9 ------------------------------------------------------------------ */

static void test_r9_slices_from_fenced_or_unknown_recorder_refused_and_told_to_stop(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    rec_ref_t a = recording(h);
    h_advance_by(h, 1000);
    rec_ref_t b = kill(h, a);
    /* the pending replacement's early slice is not listed, not fenced */
    uint32_t m = h_mark(h);
    h_mix_slice(h, a.si, b.srv, b.rec, h->now);
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 0);
    assert_int_equal(count_fences_of(h, m, b.rec), 0);
    h_advance_by(h, 1000);
    ready_pending(h, a.si);

    m = h_mark(h);
    h_mix_slice(h, a.si, a.srv, a.rec, h->now); /* the killed one, somehow */
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 0);
    assert_int_equal(count_fences_of(h, m, a.rec), 1);
    m = h_mark(h);
    h_mix_slice(h, a.si, 2, 4242, h->now); /* never known */
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 0);
    assert_int_equal(count_fences_of(h, m, 4242), 1);
    const ha_cmd_t *st = nth_cmd(h, m, HA_CMD_RECORDER_STOP, 0);
    assert_int_equal(st->u.recorder.server, 2);
    assert_int_equal(st->u.recorder.how, HA_STOP_FENCE);
    m = h_mark(h);
    h_ready(h, a.si, 2, 4243);
    assert_int_equal(count_fences_of(h, m, 4243), 1);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    /* the serving one still writes */
    m = h_mark(h);
    h_mix_slice(h, a.si, b.srv, b.rec, h->now);
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 1);
    finish(h);
}

static void test_r9_server_returning_after_switch_gets_old_recorder_fenced(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    h_advance(h, d + 60000);
    h_advance(h, d + 61000);
    rec_ref_t b = ready_pending(h, a.si);
    assert_int_equal(h->c->servers[a.srv].load, 1); /* held until told to stop */
    h_advance(h, d + 69999);
    assert_int_equal(count_fences_of(h, 0, a.rec), 0);
    uint32_t m = h_mark(h);
    h_revive_at(h, a.srv, d + 70000);
    h_advance(h, d + 70000);
    assert_int_equal(count_fences_of(h, m, a.rec), 1);
    assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_STOP, 0), d + 70000);
    assert_int_equal(h->c->servers[a.srv].load, 0);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    /* its READY and slices after coming back do not count */
    m = h_mark(h);
    h_ready(h, a.si, a.srv, a.rec);
    h_mix_slice(h, a.si, a.srv, a.rec, d);
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 0);
    assert_int_equal(h_count_events_since(h, m, HA_EV_RESUMED, a.si), 0);
    assert_int_equal(count_fences_of(h, m, a.rec), 2);
    assert_int_equal(h->c->sessions[a.si].serving.recorder, b.rec);
    m = h_mark(h);
    h_mix_slice(h, a.si, b.srv, b.rec, d + 61000);
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 1);
    finish(h);
}

/* An attempt abandoned while its server is cut off without the center
 * knowing yet: the fence goes out at once (the server looks up) and is lost
 * in the cut link. The server says nothing more before it is declared down,
 * so the center tells it again when it returns; had it heartbeated after
 * the order (its link was there to carry it), or had the recorder's exit
 * report come (known dead), nothing is repeated. */
static void test_r9_fence_into_a_silently_cut_link_is_told_again_at_return(void **state)
{
    (void)state;
    for (int answered = 0; answered < 3; answered++) {
        h_t *h = world(3, 4);
        h_advance(h, 1000);
        rec_ref_t a = recording(h);
        h_advance(h, 10000);
        rec_ref_t b = kill(h, a);
        h_advance(h, 14000);
        h_silence(h, b.srv); /* last heartbeat 14000: declared down at 20000 */
        h_advance(h, 19000); /* the attempt times out: fenced while it looks up */
        assert_int_equal(count_fences_of(h, 0, b.rec), 1);
        assert_false(h->c->servers[b.srv].down);
        assert_int_equal(h->c->servers[b.srv].load, 0);
        rec_ref_t c = ready_pending(h, a.si);
        assert_int_not_equal(c.srv, b.srv);
        if (answered == 1) {
            h_revive_at(h, b.srv, 19500);
            h_advance(h, 19500);
            h_silence(h, b.srv);
        } else if (answered == 2) {
            h_exit_report(h, a.si, b.srv, b.rec);
            assert_int_equal(h->c->sessions[a.si].fence_count, 0);
        }
        int64_t d = h_detect_at(h, b.srv);
        h_advance(h, d);
        assert_true(h->c->servers[b.srv].down);
        assert_int_equal(h->c->servers[b.srv].load, 0); /* told once: its slot was given back */
        assert_int_equal(h->c->sessions[a.si].fence_count, answered ? 0 : 1);
        uint32_t m = h_mark(h);
        h_revive_at(h, b.srv, d + 10000);
        h_advance(h, d + 10000);
        assert_int_equal(count_fences_of(h, m, b.rec), answered ? 0 : 1);
        if (!answered)
            assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_STOP, 0), d + 10000);
        assert_int_equal(h->c->sessions[a.si].fence_count, 0);
        assert_int_equal(h->c->servers[b.srv].load, 0);
        assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
        finish(h);
    }
}

/* A fenced recorder waiting for its server's return that is reported gone
 * is forgotten: its capacity comes back now, and nobody tells a dead
 * process to stop when the server returns. */
static void test_r9_fenced_recorder_reported_exited_is_forgotten_and_frees_capacity(void **state)
{
    (void)state;
    for (int how = 0; how < 2; how++) {
        h_t *h = NULL;
        rec_ref_t a;
        int64_t d = disconnected(&h, &a);
        h_advance(h, d + 60000);
        assert_int_equal(h->c->servers[a.srv].load, 1);
        assert_int_equal(h->c->sessions[a.si].fence_count, 1);
        if (how == 0)
            h_exit_report(h, a.si, a.srv, a.rec);
        else
            h_exited(h, a.si, a.srv, a.rec);
        assert_int_equal(h->c->servers[a.srv].load, 0);
        assert_int_equal(h->c->sessions[a.si].fence_count, 0);
        uint32_t m = h_mark(h);
        h_revive_at(h, a.srv, d + 61000);
        h_advance(h, d + 61000);
        assert_int_equal(count_fences_of(h, m, a.rec), 0);
        finish(h);
    }
}

/* ---- R11 ------------------------------------------------------------------ */

/* After a kill at 10000 on server 0 of five: the replacement pending. */
static h_t *failing_over(rec_ref_t *a, rec_ref_t *b, uint32_t servers)
{
    h_t *h = world(servers, 4);
    h_advance(h, 1000);
    *a = recording(h);
    h_advance(h, 10000);
    *b = kill(h, *a);
    return h;
}

static void assert_same_activation(h_t *h, uint32_t si, uint32_t m, rec_ref_t failed,
                                   rec_ref_t a)
{
    assert_int_equal(h_count_events_since(h, m, HA_EV_ATTEMPT_FAILED, si), 1);
    assert_int_equal(h_count_events_since(h, m, HA_EV_DETECTED, si), 0);
    assert_int_equal(ha_session_activations(h->c, si), 1);
    assert_int_equal(ha_session_state(h->c, si), HA_ST_FAILOVER);
    assert_int_equal(h_at(h, h_deadline_slot(h, si)), 10000 + 90000);
    rec_ref_t n = pending_of(h, si);
    assert_int_not_equal(n.rec, failed.rec);
    assert_int_not_equal(n.srv, failed.srv);
    assert_int_not_equal(n.srv, a.srv);
    assert_int_not_equal(n.uid, failed.uid);
    assert_int_equal(h_last_recorder_start(h, si)->u.recorder.bak, 0);
    expect_404_all_calls(h, si);
}

static void test_r11_replacement_recorder_failed_tries_another_server(void **state)
{
    (void)state;
    rec_ref_t a, b;
    h_t *h = failing_over(&a, &b, 4);
    h_advance(h, 11000);
    uint32_t m = h_mark(h);
    h_failed(h, a.si, b.srv, b.rec);
    assert_same_activation(h, a.si, m, b, a);
    assert_int_equal(count_fences_of(h, m, b.rec), 0); /* it is gone already */
    h_advance(h, 12000);
    ready_pending(h, a.si);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    assert_int_equal(ha_session_activations(h->c, a.si), 1);
    finish(h);
}

static void test_r11_replacement_exit_report_tries_another_server(void **state)
{
    (void)state;
    rec_ref_t a, b;
    h_t *h = failing_over(&a, &b, 4);
    h_advance(h, 11000);
    uint32_t m = h_mark(h);
    h_exit_report(h, a.si, b.srv, b.rec);
    assert_same_activation(h, a.si, m, b, a);
    finish(h);
}

static void test_r11_bound_replacement_timeout_8999_waits_9000_tries_another(void **state)
{
    (void)state;
    rec_ref_t a, b;
    h_t *h = failing_over(&a, &b, 4);
    uint32_t m = h_mark(h);
    h_advance(h, 10000 + 8999);
    assert_int_equal(h_count_events_since(h, m, HA_EV_ATTEMPT_FAILED, a.si), 0);
    assert_int_equal(pending_of(h, a.si).rec, b.rec);
    h_advance(h, 10000 + 9000);
    assert_same_activation(h, a.si, m, b, a);
    assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_START, 0), 19000);
    assert_int_equal(count_fences_of(h, m, b.rec), 1); /* may still come up: fenced */
    finish(h);
}

static void test_r11_bound_replacement_ready_at_9000_before_its_timeout_wins(void **state)
{
    (void)state;
    rec_ref_t a, b;
    h_t *h = failing_over(&a, &b, 4);
    h_goto(h, 19000);
    h_ready(h, a.si, b.srv, b.rec);
    h_advance(h, 19000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    assert_int_equal(h_count_events(h, HA_EV_ATTEMPT_FAILED), 0);
    finish(h);
}

static void test_r11_replacement_server_down_tries_another_server(void **state)
{
    (void)state;
    rec_ref_t a, b;
    h_t *h = failing_over(&a, &b, 4);
    h_silence(h, b.srv); /* last heartbeat at 10000 */
    h_advance(h, 15999);
    assert_int_equal(pending_of(h, a.si).rec, b.rec);
    uint32_t m = h_mark(h);
    h_advance(h, 16000);
    assert_same_activation(h, a.si, m, b, a);
    assert_int_equal(count_fences_of(h, m, b.rec), 0); /* unreachable: later */
    m = h_mark(h);
    h_revive_at(h, b.srv, 20000);
    h_advance(h, 20000);
    assert_int_equal(count_fences_of(h, m, b.rec), 1);
    finish(h);
}

static void test_r11_four_failures_one_activation_one_deadline_then_resumes(void **state)
{
    (void)state;
    rec_ref_t a, b;
    h_t *h = failing_over(&a, &b, 6);
    h_advance(h, 11000);
    h_failed(h, a.si, b.srv, b.rec);
    rec_ref_t c = pending_of(h, a.si);
    h_advance(h, 12000);
    h_exit_report(h, a.si, c.srv, c.rec);
    rec_ref_t d = pending_of(h, a.si);
    h_advance(h, 12000 + 9000);
    rec_ref_t e = pending_of(h, a.si);
    assert_int_not_equal(e.rec, d.rec);
    h_silence(h, e.srv);
    h_advance(h, h_detect_at(h, e.srv));
    rec_ref_t f = pending_of(h, a.si);
    uint32_t srvs[] = {a.srv, b.srv, c.srv, d.srv, e.srv, f.srv};
    for (int i = 0; i < 6; i++) {
        for (int j = i + 1; j < 6; j++)
            assert_int_not_equal(srvs[i], srvs[j]);
    }
    assert_int_equal(h_count_events(h, HA_EV_ATTEMPT_FAILED), 4);
    assert_int_equal(h_count_events(h, HA_EV_DETECTED), 1);
    h_advance_by(h, 1000);
    ready_pending(h, a.si);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    assert_int_equal(ha_session_uid(h->c, a.si), f.uid);
    assert_int_equal(h_last_notify(h, 0, a.si, HA_NCS_SESSION_FAILOVER)->new_uid, f.uid);
    assert_int_equal(h_count_notify(h, 0, a.si, HA_NCS_SESSION_FAILOVER), 1);
    finish(h);
}

/* Every server fails once: the session waits for the deadline, it does
 * not go back to a server that failed it in this activation. */
static void test_r11_all_servers_failed_ends_at_the_same_deadline(void **state)
{
    (void)state;
    rec_ref_t a, b;
    h_t *h = failing_over(&a, &b, 3);
    h_failed(h, a.si, b.srv, b.rec);
    rec_ref_t c = pending_of(h, a.si);
    h_failed(h, a.si, c.srv, c.rec);
    uint32_t m = h_mark(h);
    h_advance(h, 99999);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_FAILOVER);
    assert_null(nth_cmd(h, m, HA_CMD_RECORDER_START, 0));
    h_advance(h, 100000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_ENDED_ABNORMAL);
    assert_int_equal(h_last_event(h, m, HA_EV_GIVE_UP, NULL)->reason, HA_END_DEADLINE);
    finish(h);
}

/* The pick is among servers the center believes up: server 2, silent and
 * declared down, is never tried, even with nothing else free; the session
 * looks again every second instead. Back up, it is picked. */
static void test_r11_pick_skips_a_server_declared_down(void **state)
{
    (void)state;
    h_t *h = world(3, 1);
    h_advance(h, 1000);
    rec_ref_t a = recording(h);
    rec_ref_t b = recording_as(h, UID0 + 1, "room2");
    assert_int_equal(a.srv, 0);
    assert_int_equal(b.srv, 1);
    h_silence(h, 2);
    int64_t d = h_detect_at(h, 2);
    h_advance(h, d);
    assert_true(h->c->servers[2].down);
    h_advance(h, d + 1000);
    uint32_t m = h_mark(h);
    h_exit_report(h, a.si, a.srv, a.rec);
    h_advance_by(h, 5000);
    assert_null(nth_cmd(h, m, HA_CMD_RECORDER_START, 0));
    assert_true(h_count_events_since(h, m, HA_EV_WAIT_CAPACITY, a.si) >= 5);
    h_revive_at(h, 2, h->now + 1);
    h_advance_by(h, 1000);
    const ha_cmd_t *st = nth_cmd(h, m, HA_CMD_RECORDER_START, 0);
    assert_non_null(st);
    assert_int_equal(st->u.recorder.server, 2);
    finish(h);
}

/* ---- R12 ------------------------------------------------------------------ */

static void test_r12_stop_outside_window_ends_normally_closes_every_playlist(void **state)
{
    (void)state;
    h_t *h = world(2, 4);
    ha_api_in_t p = h_start_params(HA_MODE_INDIVIDUAL, UID0, CNAME);
    uint32_t si = h_start_api(h, &p)->session;
    h_advance(h, 1000);
    rec_ref_t a = ready_pending(h, si);
    int64_t u = 1560238366073LL;
    h_user(h, si, 7, true);
    h_user(h, si, 8, true);
    h_advance(h, 16000);
    for (uint32_t user = 7; user <= 8; user++) {
        h_slice(h, si, a.srv, a.rec, user, HA_TRACK_AUDIO, HA_FMT_TS, u, u + 15000);
        h_slice(h, si, a.srv, a.rec, user, HA_TRACK_VIDEO, HA_FMT_TS, u, u + 15000);
    }
    assert_int_equal(h_count_cmds(h, 0, HA_CMD_PLAYLIST_OPEN), 4);
    uint32_t m = h_mark(h);
    const h_reply_t *r = h_stop(h, si);
    assert_int_equal(r->http, 200);
    assert_int_equal(ha_session_state(h->c, si), HA_ST_STOPPING);
    const ha_cmd_t *fl = nth_cmd(h, m, HA_CMD_RECORDER_STOP, 0);
    assert_non_null(fl);
    assert_int_equal(fl->u.recorder.how, HA_STOP_FLUSH);
    assert_int_equal(fl->u.recorder.recorder, a.rec);
    h_advance(h, 17000);
    h_slice(h, si, a.srv, a.rec, 7, HA_TRACK_AUDIO, HA_FMT_TS, u + 15000, u + 16000);
    assert_int_equal(h_count_cmds(h, m, HA_CMD_SLICE_WRITE), 1);
    uint32_t m2 = h_mark(h);
    h_exited(h, si, a.srv, a.rec);
    assert_int_equal(ha_session_state(h->c, si), HA_ST_ENDED_NORMAL);
    assert_int_equal(h_count_cmds(h, m2, HA_CMD_PLAYLIST_CLOSE), 4);
    assert_int_equal(count_fences_of(h, m, a.rec), 0); /* it stopped on its own */
    /* callbacks 31, 41, 11 in that order, exit 0 */
    const ha_cmd_t *n0 = nth_cmd(h, m2, HA_CMD_NOTIFY, 0);
    const ha_cmd_t *n1 = nth_cmd(h, m2, HA_CMD_NOTIFY, 1);
    const ha_cmd_t *n2 = nth_cmd(h, m2, HA_CMD_NOTIFY, 2);
    assert_int_equal(n0->u.notify.event_type, HA_NCS_UPLOADED);
    assert_int_equal(n0->u.notify.file_count, 4);
    assert_int_equal(n1->u.notify.event_type, HA_NCS_RECORDER_LEAVE);
    assert_int_equal(n2->u.notify.event_type, HA_NCS_SESSION_EXIT);
    assert_int_equal(n2->u.notify.exit_status, 0);
    assert_int_equal(h_last_event(h, m2, HA_EV_ENDED, NULL)->reason, HA_END_STOPPED);
    assert_int_equal(h->c->servers[a.srv].load, 0);
    expect_404_all_calls(h, si);
    finish(h);
}

static void test_r12_stop_inside_window_gets_404_and_changes_nothing(void **state)
{
    (void)state;
    /* FAILOVER, RECONNECTING, RESUMING, SWITCHING */
    for (int which = 0; which < 4; which++) {
        h_t *h = world(3, 4);
        rec_ref_t a = recording(h);
        h_mix_slice(h, a.si, a.srv, a.rec, 0);
        h_advance_by(h, 1000);
        if (which == 0) {
            kill(h, a);
        } else {
            h_silence(h, a.srv);
            int64_t d = h_detect_at(h, a.srv);
            h_advance(h, d);
            if (which == 2) {
                h_revive_at(h, a.srv, d + 1000);
                h_advance(h, d + 1000);
            } else if (which == 3) {
                h_advance(h, d + 60000);
            }
        }
        static const ha_state_t want[] = {HA_ST_FAILOVER, HA_ST_RECONNECTING, HA_ST_RESUMING,
                                          HA_ST_SWITCHING};
        assert_int_equal(ha_session_state(h->c, a.si), want[which]);
        uint64_t stops = ha_center_transitions(h->c, want[which], HA_SEV_API_STOP);
        expect_404_all_calls(h, a.si); /* includes stop: only the reply */
        assert_int_equal(ha_center_transitions(h->c, want[which], HA_SEV_API_STOP), stops + 1);
        /* and the recovery goes on as if nothing was asked */
        h_revive_at(h, a.srv, h->now + 1);
        h_advance_by(h, 1);
        h_advance_by(h, 1000);
        if (ha_session_state(h->c, a.si) == HA_ST_RESUMING)
            h_ready(h, a.si, a.srv, a.rec);
        else
            ready_pending(h, a.si);
        assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
        assert_int_equal(h_count_events(h, HA_EV_ENDED), 0);
        finish(h);
    }
}

static void test_r12_stop_while_starting_206_code_435_ends_normally(void **state)
{
    (void)state;
    h_t *h = world(2, 4);
    uint32_t si = h_start(h, UID0, CNAME);
    rec_ref_t p = pending_of(h, si);
    h_advance(h, 500);
    uint32_t m = h_mark(h);
    const h_reply_t *r = h_stop(h, si);
    assert_int_equal(r->http, 206);
    assert_int_equal(r->code, 435);
    assert_int_equal(ha_session_state(h->c, si), HA_ST_ENDED_NORMAL);
    assert_int_equal(h_last_notify(h, m, si, HA_NCS_SESSION_EXIT)->exit_status, 0);
    assert_int_equal(count_fences_of(h, m, p.rec), 1);
    assert_int_equal(h_count_cmds(h, 0, HA_CMD_PLAYLIST_OPEN), 0);
    assert_int_equal(h->c->servers[p.srv].load, 0);
    /* its READY, if it comes, is fenced */
    m = h_mark(h);
    h_ready(h, si, p.srv, p.rec);
    assert_int_equal(count_fences_of(h, m, p.rec), 1);
    expect_404_all_calls(h, si);
    finish(h);
}

static void test_bound_stop_flush_timeout_4999_5000(void **state)
{
    (void)state;
    h_t *h = world(2, 4);
    rec_ref_t a = recording(h);
    h_advance(h, 10000);
    h_stop(h, a.si);
    h_advance(h, 14999);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_STOPPING);
    uint32_t m = h_mark(h);
    h_advance(h, 15000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_ENDED_NORMAL);
    assert_int_equal(h_last_notify(h, m, a.si, HA_NCS_SESSION_EXIT)->exit_status, 0);
    assert_int_equal(count_fences_of(h, m, a.rec), 1); /* never confirmed: told for good */
    assert_int_equal(h->c->servers[a.srv].load, 0);
    finish(h);
}

static void test_r12_stopping_recorder_killed_or_cut_off_still_ends_normally(void **state)
{
    (void)state;
    for (int how = 0; how < 2; how++) {
        h_t *h = world(2, 4);
        rec_ref_t a = recording(h);
        h_advance(h, 3000);
        if (how == 1)
            h_silence(h, a.srv);
        h_stop(h, a.si);
        if (how == 0)
            h_exit_report(h, a.si, a.srv, a.rec);
        else
            h_advance(h, h_detect_at(h, a.srv));
        assert_int_equal(ha_session_state(h->c, a.si), HA_ST_ENDED_NORMAL);
        assert_int_equal(h_count_events(h, HA_EV_DETECTED), 0);
        assert_int_equal(h_last_notify(h, 0, a.si, HA_NCS_SESSION_EXIT)->exit_status, 0);
        finish(h);
    }
}

/* ---- bounds of detection and starting -------------------------------------- */

static void test_bound_heartbeat_timeout_5999_not_down_6000_down(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    h_advance(h, 1000);
    rec_ref_t a = recording(h);
    h_advance(h, 3000);
    h_silence(h, a.srv); /* last heartbeat at 2000 */
    h_advance(h, 2000 + 5999);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    assert_int_equal(h_count_events(h, HA_EV_SERVER_DOWN), 0);
    expect_200_reads(h, a.si, 5);
    h_advance(h, 2000 + 6000);
    int64_t t = 0;
    assert_non_null(h_last_event(h, 0, HA_EV_SERVER_DOWN, &t));
    assert_int_equal(t, 8000);
    assert_non_null(h_last_event(h, 0, HA_EV_DETECTED, &t));
    assert_int_equal(t, 8000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECONNECTING);
    finish(h);
}

static void test_bound_heartbeat_at_exactly_6000_keeps_the_server(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    h_advance(h, 1000);
    rec_ref_t a = recording(h);
    h_advance(h, 3000);
    h_silence(h, a.srv);
    h_revive_at(h, a.srv, 8000); /* same ms as the timeout: heartbeat first */
    h_advance(h, 30000);
    assert_int_equal(h_count_events(h, HA_EV_SERVER_DOWN), 0);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    finish(h);
}

static void test_bound_heartbeat_at_6001_too_late_down_then_reconnected(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    h_advance(h, 1000);
    rec_ref_t a = recording(h);
    h_advance(h, 3000);
    h_silence(h, a.srv);
    h_revive_at(h, a.srv, 8001);
    h_advance(h, 8000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECONNECTING);
    h_advance(h, 8001);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RESUMING);
    int64_t t = 0;
    assert_non_null(h_last_event(h, 0, HA_EV_RECONNECTED, &t));
    assert_int_equal(t, 8001);
    h_ready(h, a.si, a.srv, a.rec);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    finish(h);
}

static void test_bound_initial_start_deadline_89999_starting_90000_ended(void **state)
{
    (void)state;
    h_t *h = h_new(8, 4);
    h_add_servers(h, 1, 4); /* never heartbeats: never eligible */
    uint32_t si = h_start(h, UID0, CNAME);
    assert_null(h_last_recorder_start(h, si));
    h_advance(h, 89999);
    assert_int_equal(ha_session_state(h->c, si), HA_ST_STARTING);
    expect_200_reads(h, si, 2);
    uint32_t m = h_mark(h);
    h_advance(h, 90000);
    assert_int_equal(ha_session_state(h->c, si), HA_ST_ENDED_ABNORMAL);
    assert_int_equal(h_last_event(h, m, HA_EV_GIVE_UP, NULL)->reason, HA_END_START_FAILED);
    assert_int_equal(h_last_notify(h, m, si, HA_NCS_SESSION_EXIT)->exit_status, 1);
    assert_int_equal(h_count_events(h, HA_EV_DETECTED), 0); /* not an activation */
    expect_404_all_calls(h, si);
    finish(h);
}

static void test_bound_first_recorder_attempt_timeout_8999_9000_then_other_server(void **state)
{
    (void)state;
    h_t *h = world(2, 4);
    h_advance(h, 1000);
    uint32_t si = h_start(h, UID0, CNAME);
    rec_ref_t p = pending_of(h, si);
    h_advance(h, 9999);
    assert_int_equal(pending_of(h, si).rec, p.rec);
    uint32_t m = h_mark(h);
    h_advance(h, 10000);
    rec_ref_t q = pending_of(h, si);
    assert_int_not_equal(q.rec, p.rec);
    assert_int_not_equal(q.srv, p.srv);
    assert_int_equal(q.uid, UID0); /* not a switch: the customer's UID */
    assert_int_equal(count_fences_of(h, m, p.rec), 1);
    assert_int_equal(h_count_events(h, HA_EV_DETECTED), 0);
    h_ready(h, si, q.srv, q.rec);
    assert_int_equal(ha_session_state(h->c, si), HA_ST_RECORDING);
    assert_int_equal(h_count_notify(h, 0, si, HA_NCS_SESSION_FAILOVER), 0);
    finish(h);
}

static void test_bound_rejoin_timeout_8999_9000_then_switch(void **state)
{
    (void)state;
    h_t *h = NULL;
    rec_ref_t a;
    int64_t d = disconnected(&h, &a);
    h_revive_at(h, a.srv, d + 1000);
    h_advance(h, d + 1000);
    uint32_t m = h_mark(h);
    h_advance(h, d + 1000 + 8999);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RESUMING);
    h_advance(h, d + 1000 + 9000);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_SWITCHING);
    assert_int_equal(nth_cmd_t(h, m, HA_CMD_RECORDER_START, 0), d + 10000);
    assert_int_not_equal(pending_of(h, a.si).srv, a.srv);
    assert_int_equal(count_fences_of(h, m, a.rec), 1); /* reachable: told now */
    finish(h);
}

/* ---- several sessions ------------------------------------------------------- */

/* A host crash spreads its sessions over the least loaded servers, in
 * session order, each keeping its own deadline and names. */
static void test_two_sessions_on_a_crashed_server_spread_over_the_others(void **state)
{
    (void)state;
    h_t *h = h_new(8, 4);
    h_add_servers(h, 3, 4);
    h_revive_at(h, 0, 0);
    h_advance(h, 1000);
    rec_ref_t a = recording_as(h, UID0, "one");
    rec_ref_t b = recording_as(h, UID0, "two");
    assert_int_equal(a.srv, 0);
    assert_int_equal(b.srv, 0);
    h_revive_at(h, 1, h->now);
    h_revive_at(h, 2, h->now);
    h_advance_by(h, 10);
    h_advance(h, 5000);
    h_silence(h, 0);
    int64_t d = h_detect_at(h, 0);
    h_advance(h, d);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECONNECTING);
    assert_int_equal(ha_session_state(h->c, b.si), HA_ST_RECONNECTING);
    h_advance(h, d + 60000);
    rec_ref_t a2 = pending_of(h, a.si), b2 = pending_of(h, b.si);
    assert_int_equal(a2.srv, 1);
    assert_int_equal(b2.srv, 2);
    h_ready(h, a.si, a2.srv, a2.rec);
    h_advance(h, d + 60001);
    h_ready(h, b.si, b2.srv, b2.rec);
    assert_int_equal(ha_session_state(h->c, a.si), HA_ST_RECORDING);
    assert_int_equal(ha_session_state(h->c, b.si), HA_ST_RECORDING);
    h_check_queries(h);
    finish(h);
}

/* A conflicting start does not disturb; a second session with the same
 * cname but another UID is a different task. */
static void test_sessions_are_independent(void **state)
{
    (void)state;
    h_t *h = world(3, 4);
    rec_ref_t a = recording(h);
    ha_api_in_t p = h_start_params(HA_MODE_COMPOSITE, UID0, CNAME);
    const h_reply_t *r = h_start_api(h, &p);
    assert_int_equal(r->http, 400);
    assert_int_equal(r->code, 53);
    p.uid = UID0 + 1;
    r = h_start_api(h, &p);
    assert_int_equal(r->http, 200);
    uint32_t s2 = r->session;
    assert_int_not_equal(s2, a.si);
    h_advance_by(h, 1000);
    ready_pending(h, s2);
    h_advance_by(h, 1000);
    kill(h, a);
    assert_int_equal(ha_session_state(h->c, s2), HA_ST_RECORDING);
    expect_200_reads(h, s2, 5);
    expect_404_all_calls(h, a.si);
    finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_r1_kill_switches_to_a_different_server_and_resumes_with_bak0_names),
        cmocka_unit_test(test_r2_disconnect_reconnect_within_window_keeps_server_and_uid_no_event_12),
        cmocka_unit_test(test_r2_bound_heal_at_detection_plus_59999_reconnects),
        cmocka_unit_test(test_r2_bound_heal_at_detection_plus_60000_reconnects_heartbeat_before_step),
        cmocka_unit_test(test_r2_bound_heal_at_detection_plus_60001_is_too_late_switches),
        cmocka_unit_test(test_r2_switch_at_exactly_detection_plus_60000_not_59999),
        cmocka_unit_test(test_r2_switch_after_window_resumes_on_different_server_with_new_uid),
        cmocka_unit_test(test_r2_disconnected_recorder_exit_switches_early_same_activation),
        cmocka_unit_test(test_r2_flapping_link_waits_rest_of_window_then_switches),
        cmocka_unit_test(test_r10_no_capacity_retries_every_second_ends_abnormally_at_detection_plus_90000),
        cmocka_unit_test(test_r10_capacity_appearing_is_picked_by_the_next_retry),
        cmocka_unit_test(test_r3_bound_ready_at_detection_plus_89999_resumes),
        cmocka_unit_test(test_r3_bound_ready_at_detection_plus_90000_before_the_timer_resumes),
        cmocka_unit_test(test_r3_bound_ready_at_detection_plus_90001_too_late_session_ended),
        cmocka_unit_test(test_r4_seed_example_bak0_sid_cname_m3u8),
        cmocka_unit_test(test_r4_three_activations_name_bak0_bak1_bak2_mp4_index_per_prefix),
        cmocka_unit_test(test_r4_individual_mode_audio_ts_video_webm_bak0_names),
        cmocka_unit_test(test_r4_web_mode_special_characters_become_dashes),
        cmocka_unit_test(test_r4_closed_playlist_gets_no_entries_after_detection),
        cmocka_unit_test(test_r4_sessions_slices_in_turn_each_in_its_own_playlist),
        cmocka_unit_test(test_r5_fourth_kill_gives_up_exit_1_no_bak3_later_calls_404),
        cmocka_unit_test(test_r5_fourth_fault_disconnect_gives_up_after_mixed_faults),
        cmocka_unit_test(test_r6_404_from_detection_to_resume_200_otherwise),
        cmocka_unit_test(test_r7_new_uid_skips_zero_used_uids_and_channel_users),
        cmocka_unit_test(test_r7_uid_draws_exhausted_walk_still_gives_fresh_uid),
        cmocka_unit_test(test_r7_callbacks_after_switch_carry_new_uid_sequence_from_0),
        cmocka_unit_test(test_r7_failed_attempt_uid_is_not_reused),
        cmocka_unit_test(test_r8_every_serving_slice_listed_exactly_once_in_the_right_playlist),
        cmocka_unit_test(test_r8_user_churn_beyond_17_users_never_drops_slices),
        cmocka_unit_test(test_r9_slices_from_fenced_or_unknown_recorder_refused_and_told_to_stop),
        cmocka_unit_test(test_r9_server_returning_after_switch_gets_old_recorder_fenced),
        cmocka_unit_test(test_r9_fence_into_a_silently_cut_link_is_told_again_at_return),
        cmocka_unit_test(test_r9_fenced_recorder_reported_exited_is_forgotten_and_frees_capacity),
        cmocka_unit_test(test_r11_replacement_recorder_failed_tries_another_server),
        cmocka_unit_test(test_r11_replacement_exit_report_tries_another_server),
        cmocka_unit_test(test_r11_bound_replacement_timeout_8999_waits_9000_tries_another),
        cmocka_unit_test(test_r11_bound_replacement_ready_at_9000_before_its_timeout_wins),
        cmocka_unit_test(test_r11_replacement_server_down_tries_another_server),
        cmocka_unit_test(test_r11_four_failures_one_activation_one_deadline_then_resumes),
        cmocka_unit_test(test_r11_all_servers_failed_ends_at_the_same_deadline),
        cmocka_unit_test(test_r11_pick_skips_a_server_declared_down),
        cmocka_unit_test(test_r12_stop_outside_window_ends_normally_closes_every_playlist),
        cmocka_unit_test(test_r12_stop_inside_window_gets_404_and_changes_nothing),
        cmocka_unit_test(test_r12_stop_while_starting_206_code_435_ends_normally),
        cmocka_unit_test(test_bound_stop_flush_timeout_4999_5000),
        cmocka_unit_test(test_r12_stopping_recorder_killed_or_cut_off_still_ends_normally),
        cmocka_unit_test(test_bound_heartbeat_timeout_5999_not_down_6000_down),
        cmocka_unit_test(test_bound_heartbeat_at_exactly_6000_keeps_the_server),
        cmocka_unit_test(test_bound_heartbeat_at_6001_too_late_down_then_reconnected),
        cmocka_unit_test(test_bound_initial_start_deadline_89999_starting_90000_ended),
        cmocka_unit_test(test_bound_first_recorder_attempt_timeout_8999_9000_then_other_server),
        cmocka_unit_test(test_bound_rejoin_timeout_8999_9000_then_switch),
        cmocka_unit_test(test_two_sessions_on_a_crashed_server_spread_over_the_others),
        cmocka_unit_test(test_sessions_are_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
