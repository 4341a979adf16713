/* test_expect.c -- a scenario's own end expectations, judged from events:
 * each one passes on the run it describes and fails, with the message that
 * says what was seen instead, on a run that breaks it.
 *
 * The events are written by hand (sim_tr_ev), as a trace would carry them,
 * so each test shows exactly which lines an expectation reads.
 */
#include "judge/expect.h"
#include "lang/scn.h"
#include "trace/trace.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define HEAD "scenario \"t\"\nmode composite\nchannel room1 users 1001\n"
#define SID "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

typedef struct {
    scn_t *scn;
    sim_expect_t *x;
    char out[4096];
} fx_t;

static int setup(void **state)
{
    static fx_t fx;
    fx.scn = scn_new();
    fx.x = sim_expect_new();
    *state = &fx;
    return fx.scn == NULL || fx.x == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    scn_free(fx->scn);
    sim_expect_free(fx->x);
    return 0;
}

static void begin(fx_t *fx, const char *text)
{
    char err[SCN_ERR_SIZE];
    if (scn_parse(fx->scn, text, strlen(text), "t.scn", err, sizeof err) != 0)
        fail_msg("refused: %s", err);
    assert_int_equal(sim_expect_begin(fx->x, fx->scn), 0);
}

static int finish(fx_t *fx)
{
    return sim_expect_finish(fx->x, fx->out, sizeof fx->out);
}

/* The failures hold want, each failure one line. */
static void assert_says(const fx_t *fx, const char *want)
{
    if (strstr(fx->out, want) == NULL)
        fail_msg("got:\n%s\nwanted a line holding:\n%s", fx->out, want);
}

static void session(fx_t *fx, int64_t t, uint32_t sess, const char *sid, const char *cname,
                    int mode, uint32_t uid)
{
    sim_tr_ev_t ev = sim_tr_ev(t, SIM_TR_SESSION);
    ev.sess = sess;
    ev.sid = sid;
    ev.cname = cname;
    ev.mode = mode;
    ev.uid = uid;
    sim_expect_event(fx->x, &ev);
}

static void simple(fx_t *fx, int64_t t, sim_tr_kind_t kind, uint32_t sess, uint32_t uid,
                   int activation)
{
    sim_tr_ev_t ev = sim_tr_ev(t, kind);
    ev.sess = sess;
    ev.uid = uid;
    ev.activation = activation;
    sim_expect_event(fx->x, &ev);
}

static void end(fx_t *fx, int64_t t, uint32_t sess, int exit_status)
{
    sim_tr_ev_t ev = sim_tr_ev(t, SIM_TR_END);
    ev.sess = sess;
    ev.exit_status = exit_status;
    sim_expect_event(fx->x, &ev);
}

static void callback(fx_t *fx, int64_t t, uint32_t sess, int event)
{
    sim_tr_ev_t ev = sim_tr_ev(t, SIM_TR_CALLBACK);
    ev.sess = sess;
    ev.event_type = event;
    sim_expect_event(fx->x, &ev);
}

static void playlist(fx_t *fx, int64_t t, uint32_t sess, const char *name)
{
    sim_tr_ev_t ev = sim_tr_ev(t, SIM_TR_PLAYLIST_OPEN);
    ev.sess = sess;
    ev.playlist = name;
    sim_expect_event(fx->x, &ev);
}

static void slice(fx_t *fx, int64_t t, uint32_t sess, const char *playlist_name, const char *name)
{
    sim_tr_ev_t ev = sim_tr_ev(t, SIM_TR_SLICE);
    ev.sess = sess;
    ev.playlist = playlist_name;
    ev.name = name;
    sim_expect_event(fx->x, &ev);
}

/* A composite session 1 started at 0 (started 3 s later as uid 527841),
 * killed, detected at 2m1s and resumed at 2m5s500ms as uid 7; one
 * failover callback; playlists and slices of both name generations. */
static void kill_run(fx_t *fx)
{
    session(fx, 0, 1, SID, "room1", SIM_MODE_COMPOSITE, 527841);
    simple(fx, 3000, SIM_TR_STARTED, 1, 527841, -1);
    callback(fx, 3000, 1, 40);
    playlist(fx, 3000, 1, SID "_room1.m3u8");
    slice(fx, 18000, 1, SID "_room1.m3u8", SID "_room1_20260101000003000.ts");
    slice(fx, 33000, 1, SID "_room1.m3u8", SID "_room1_20260101000018000.ts");
    simple(fx, 121000, SIM_TR_DETECT, 1, 0, 0);
    simple(fx, 125500, SIM_TR_RESUME, 1, 7, 0);
    callback(fx, 125500, 1, 40);
    callback(fx, 125500, 1, 12);
    playlist(fx, 125500, 1, "bak0_" SID "_room1.m3u8");
    slice(fx, 140500, 1, "bak0_" SID "_room1.m3u8", "bak0_" SID "_room1_20260101000205500.ts");
    end(fx, 300000, 1, 0);
}

static void test_incident_expectations_pass_on_the_run_they_describe(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "uid 527841\n"
                   "expect callback session_failover count 1\n"
                   "expect callback 12 at 2m5s500ms\n"
                   "expect callback recorder_started\n"
                   "expect callback recorder_started count 2\n"
                   "expect callback session_exit count 0\n"
                   "expect resume within 4s500ms activation 0\n"
                   "expect resume within 4s500ms\n"
                   "expect started within 3s\n"
                   "expect file <sid>_<cname>.m3u8\n"
                   "expect file bak0_<sid>_<cname>.m3u8\n"
                   "expect file bak0_<sid>_<cname>_20260101000205500.ts\n"
                   "expect no file bak1_<sid>_<cname>.m3u8\n"
                   "expect file bak0_" SID "_room1.m3u8\n"
                   "expect no file <uid>\n"
                   "expect uid changed\n"
                   "expect exit normal\n"
                   "expect activations 1\n");
    kill_run(fx);
    int failed = finish(fx);
    if (failed != 0)
        fail_msg("%d failed:\n%s", failed, fx->out);
    assert_string_equal(fx->out, "");
}

static void test_callback_expectations_say_what_was_sent(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "expect callback session_failover count 2\n"
                   "expect callback 12 at 1m5s500ms\n"
                   "expect callback 13\n"
                   "expect callback recorder_started count 0\n"
                   "expect callback session_exit at 2m5s500ms\n");
    kill_run(fx);
    assert_int_equal(finish(fx), 5);
    assert_says(fx, "t.scn:4:1: expectation failed: session 1: expected callback 12 "
                    "(session_failover) count 2; sent 1: at 2m5s500ms\n");
    assert_says(fx, "t.scn:5:1: expectation failed: session 1: expected callback 12 "
                    "(session_failover) at 1m5s500ms; sent at 2m5s500ms\n");
    assert_says(fx, "t.scn:6:1: expectation failed: session 1: expected callback 13; none was "
                    "sent\n");
    assert_says(fx, "t.scn:7:1: expectation failed: session 1: expected callback 40 "
                    "(recorder_started) count 0; sent 2: at 3s, 2m5s500ms\n");
    assert_says(fx, "t.scn:8:1: expectation failed: session 1: expected callback 11 "
                    "(session_exit) at 2m5s500ms; none was sent\n");
}

static void test_callback_times_past_the_kept_ones_are_counted(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "expect callback recorder_slice_start count 1\n"
                   "expect callback recorder_slice_start at 10s\n");
    session(fx, 0, 1, SID, "room1", SIM_MODE_COMPOSITE, 5);
    for (int k = 1; k <= 11; k++)
        callback(fx, k * 1000, 1, 42);
    assert_int_equal(finish(fx), 1);
    assert_says(fx, "count 1; sent 11: at 1s, 2s, 3s, 4s, 5s, 6s, 7s, 8s and 3 more\n");
}

static void test_resume_expectations_print_the_measured_time(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "expect resume within 4s activation 0\n"
                   "expect resume within 30s activation 1\n"
                   "expect resume within 4s\n"
                   "expect resume within 4s500ms\n");
    kill_run(fx);
    assert_int_equal(finish(fx), 3);
    assert_says(fx, "t.scn:4:1: expectation failed: session 1: activation 0 did not resume "
                    "within 4s; it resumed 4s500ms after its detection at 2m1s\n");
    assert_says(fx, "t.scn:5:1: expectation failed: session 1: there was no activation 1 to "
                    "resume; 1 activation in all\n");
    assert_says(fx, "t.scn:6:1: expectation failed: session 1: activation 0 did not resume "
                    "within 4s; it resumed 4s500ms");
    assert_true(strstr(fx->out, "t.scn:7:") == NULL);
}

static void test_resume_of_an_activation_that_never_resumed_fails(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "expect resume within 30s activation 1\n"
                   "expect resume within 30s\n"
                   "expect resume within 30s activation 2\n");
    session(fx, 0, 1, SID, "room1", SIM_MODE_COMPOSITE, 5);
    simple(fx, 3000, SIM_TR_STARTED, 1, 5, -1);
    simple(fx, 60000, SIM_TR_DETECT, 1, 0, 0);
    simple(fx, 100000, SIM_TR_RESUME, 1, 6, 0);
    simple(fx, 120000, SIM_TR_DETECT, 1, 0, 1);
    /* The session ends at the deadline with activation 1 open. */
    end(fx, 210000, 1, 1);
    assert_int_equal(finish(fx), 3);
    assert_says(fx, "t.scn:4:1: expectation failed: session 1: activation 1 did not resume "
                    "within 30s; it never resumed (detected at 2m)\n");
    /* Every activation: each late one named, with what it took. */
    assert_says(fx, "t.scn:5:1: expectation failed: session 1: activations 0, 1 did not resume "
                    "within 30s; 0 resumed 40s after its detection at 1m, 1 never resumed "
                    "(detected at 2m)\n");
    assert_says(fx, "t.scn:6:1: expectation failed: session 1: there was no activation 2 to "
                    "resume; 2 activations in all\n");
}

static void test_resume_without_any_activation_fails(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "expect resume within 30s\n");
    session(fx, 0, 1, SID, "room1", SIM_MODE_COMPOSITE, 5);
    /* Open at the end of the run: it never resumed either. */
    assert_int_equal(finish(fx), 1);
    assert_says(fx, "session 1: there was no activation to resume\n");
    begin(fx, HEAD "expect resume within 30s\n");
    session(fx, 0, 1, SID, "room1", SIM_MODE_COMPOSITE, 5);
    simple(fx, 50000, SIM_TR_DETECT, 1, 0, 0);
    assert_int_equal(finish(fx), 1);
    assert_says(fx, "session 1: activation 0 did not resume within 30s; it never resumed "
                    "(detected at 50s)\n");
}

static void test_started_expectation_measures_from_the_accepted_start(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "expect started within 3s\nexpect started within 2s999ms\n");
    session(fx, 10000, 1, SID, "room1", SIM_MODE_COMPOSITE, 5);
    simple(fx, 13000, SIM_TR_STARTED, 1, 5, -1);
    /* A later recording's start is not the first one. */
    session(fx, 60000, 1, SID, "room1", SIM_MODE_COMPOSITE, 5);
    simple(fx, 61000, SIM_TR_STARTED, 1, 5, -1);
    assert_int_equal(finish(fx), 1);
    assert_says(fx, "t.scn:5:1: expectation failed: session 1: did not start within 2s999ms; "
                    "it started 3s after the start accepted at 10s\n");

    begin(fx, HEAD "sessions 2\nexpect started within 1m30s\n");
    session(fx, 0, 1, SID, "room1_1", SIM_MODE_COMPOSITE, 5);
    end(fx, 90000, 1, 1);
    simple(fx, 95000, SIM_TR_STARTED, 1, 5, -1); /* after the end: not this start's */
    assert_int_equal(finish(fx), 2);
    assert_says(fx, "t.scn:5:1: expectation failed: session 1: did not start within 1m30s; it "
                    "never started (start accepted at 0s)\n");
    assert_says(fx, "t.scn:5:1: expectation failed: session 2: did not start within 1m30s; no "
                    "start was accepted\n");
}

static void test_file_expectations_list_what_was_written(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "expect file bak1_<sid>_<cname>.m3u8\n"
                   "expect no file bak0_<sid>_<cname>.m3u8\n"
                   "expect file <sid>_<cname>_20260101000000000.ts\n"
                   "expect file nothing.m3u8\n"
                   "expect no file " SID "_room1.m3u8\n");
    kill_run(fx);
    assert_int_equal(finish(fx), 5);
    assert_says(fx, "t.scn:4:1: expectation failed: session 1: no file named bak1_" SID
                    "_room1.m3u8 was written; written: " SID "_room1.m3u8 (2 slices), bak0_" SID
                    "_room1.m3u8 (1 slice)\n");
    assert_says(fx, "t.scn:5:1: expectation failed: session 1: a file named bak0_" SID
                    "_room1.m3u8 was written\n");
    /* A slice asked for: the first slice of each playlist shows the naming. */
    assert_says(fx, "t.scn:6:1: expectation failed: session 1: no file named " SID
                    "_room1_20260101000000000.ts was written; written: " SID
                    "_room1.m3u8 (2 slices, the first " SID "_room1_20260101000003000.ts), bak0_");
    /* A literal name without a session: any session's file. */
    assert_says(fx, "t.scn:7:1: expectation failed: no file named nothing.m3u8 was written; "
                    "written: " SID "_room1.m3u8 (2 slices)");
    assert_says(fx, "t.scn:8:1: expectation failed: a file named " SID "_room1.m3u8 was "
                    "written\n");
}

static void test_placeholders_take_each_sessions_values(void **state)
{
    fx_t *fx = *state;
    /* Web mode: the cname as file names spell it; <uid> the starting UID. */
    begin(fx, "scenario \"t\"\nmode web\nchannel shop.live users 9\nsessions 2\n"
              "expect file <sid>_<cname>.m3u8\n"
              "expect file <sid>_<cname>_<uid>.m3u8 session 2\n"
              "expect no file <sid>_shop.live_1.m3u8\n");
    session(fx, 0, 1, "11111111111111111111111111111111", "shop.live_1", SIM_MODE_WEB, 100);
    session(fx, 0, 2, "22222222222222222222222222222222", "shop.live_2", SIM_MODE_WEB, 101);
    playlist(fx, 5000, 1, "11111111111111111111111111111111_shop-live_1.m3u8");
    playlist(fx, 5000, 2, "22222222222222222222222222222222_shop-live_2_101.m3u8");
    /* Session 1's name in session 2 matches nothing. */
    playlist(fx, 5000, 2, "11111111111111111111111111111111_shop-live_1.m3u8");
    assert_int_equal(finish(fx), 1);
    assert_says(fx, "t.scn:5:1: expectation failed: session 2: no file named "
                    "22222222222222222222222222222222_shop-live_2.m3u8 was written; written: "
                    "22222222222222222222222222222222_shop-live_2_101.m3u8 (0 slices), "
                    "11111111111111111111111111111111_shop-live_1.m3u8 (0 slices)\n");
    assert_true(strstr(fx->out, "session 1") == NULL);
    assert_true(strstr(fx->out, "t.scn:6:") == NULL);
    assert_true(strstr(fx->out, "t.scn:7:") == NULL);
}

static void test_a_session_that_never_started_names_no_file(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "sessions 2\n"
                   "expect file <sid>_<cname>.m3u8\n"
                   "expect no file <sid>_<cname>.m3u8 session 2\n");
    session(fx, 0, 1, SID, "room1_1", SIM_MODE_COMPOSITE, 5);
    playlist(fx, 3000, 1, SID "_room1_1.m3u8");
    assert_int_equal(finish(fx), 1);
    assert_says(fx, "t.scn:5:1: expectation failed: session 2: no file named <sid>_<cname>.m3u8 "
                    "was written (the session never started: nothing for <sid>, <cname>, "
                    "<uid>)\n");
}

static void test_mp4_files_are_listed_by_count(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "expect file " SID "_room1_1.mp4\n");
    session(fx, 0, 1, SID, "room1", SIM_MODE_COMPOSITE, 5);
    slice(fx, 7200000, 1, NULL, SID "_room1_0.mp4");
    assert_int_equal(finish(fx), 1);
    assert_says(fx, "written: 1 MP4 file (the first " SID "_room1_0.mp4)\n");
}

/* Only the sessions the expectations name are kept (a region of 10^5
 * sessions with one `expect ... session 101` keeps one): theirs are judged
 * as ever, whatever the others do around them. */
static void test_expectations_about_some_sessions_judge_those(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "sessions 4\n"
                   "expect activations 1 session 2\n"
                   "expect callback 12 count 1 session 3\n"
                   "expect exit abnormal session 3\n"
                   "expect violation R3\n");
    for (uint32_t k = 1; k <= 4; k++) {
        session(fx, 0, k, SID, "room1", SIM_MODE_COMPOSITE, 100 + k);
        simple(fx, 121000, SIM_TR_DETECT, k, 0, 0);
        simple(fx, 125500, SIM_TR_RESUME, k, 7, 0);
        callback(fx, 125500, k, 12);
        callback(fx, 126000, k, 12);
        end(fx, 300000, k, 0);
    }
    simple(fx, 200000, SIM_TR_DETECT, 2, 0, 1); /* session 2: a second activation */
    assert_int_equal(sim_expect_activations(fx->x, 2), 2);
    assert_int_equal(sim_expect_activations(fx->x, 1), 0); /* not kept */
    assert_int_equal(sim_expect_activations(fx->x, 4), 0);
    assert_int_equal(finish(fx), 3);
    assert_says(fx, "t.scn:5:1: expectation failed: session 2: expected 1 activations, saw 2\n");
    assert_says(fx, "t.scn:6:1: expectation failed: session 3: expected callback 12 "
                    "(session_failover) count 1; sent 2: at 2m5s500ms, 2m6s\n");
    assert_says(fx, "t.scn:7:1: expectation failed: session 3: expected exit abnormal");
}

static void test_a_line_too_long_for_the_buffer_still_ends_its_line(void **state)
{
    fx_t *fx = *state;
    begin(fx, HEAD "expect callback 13\nexpect callback 13\nexpect callback 13\n");
    session(fx, 0, 1, SID, "room1", SIM_MODE_COMPOSITE, 5);
    char small[150];
    assert_int_equal(sim_expect_finish(fx->x, small, sizeof small), 3);
    size_t n = strlen(small);
    assert_true(n > 0 && n < sizeof small);
    assert_int_equal(small[n - 1], '\n');
    assert_non_null(strstr(small, "...\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incident_expectations_pass_on_the_run_they_describe),
        cmocka_unit_test(test_callback_expectations_say_what_was_sent),
        cmocka_unit_test(test_callback_times_past_the_kept_ones_are_counted),
        cmocka_unit_test(test_resume_expectations_print_the_measured_time),
        cmocka_unit_test(test_resume_of_an_activation_that_never_resumed_fails),
        cmocka_unit_test(test_resume_without_any_activation_fails),
        cmocka_unit_test(test_started_expectation_measures_from_the_accepted_start),
        cmocka_unit_test(test_file_expectations_list_what_was_written),
        cmocka_unit_test(test_placeholders_take_each_sessions_values),
        cmocka_unit_test(test_a_session_that_never_started_names_no_file),
        cmocka_unit_test(test_mp4_files_are_listed_by_count),
        cmocka_unit_test(test_expectations_about_some_sessions_judge_those),
        cmocka_unit_test(test_a_line_too_long_for_the_buffer_still_ends_its_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
