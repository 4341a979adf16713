/* test_scn.c -- the scenario language: what it accepts, what it refuses and
 * where it says so, and the writer's round trip.
 *
 * Every input is copied into a heap block of exactly its length with no NUL
 * after it, so that under ASan a parser reading one byte past len fails the
 * test that fed it.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen */

#include "lang/scn.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PATH "t.scn"

/* The three statements every scenario needs, on lines 1..3. */
#define HEAD "scenario \"t\"\nmode composite\nchannel c\n"
/* HEAD and a start on line 4: an error in the next statement is on line 5. */
#define HEAD_STARTED HEAD "at 0s start\n"

/* The example at the top of docs/scenario-language.md -- the language's
 * minimal form, which the parser must accept as it is -- byte for byte. */
static const char shared_example[] =
    "# kill during recording, composite mode        <- comment to end of line, anywhere\n"
    "scenario \"kill: resumes on another server within 30 s\"\n"
    "mode composite                                  # composite | individual | web\n"
    "channel room1 users 1001,1002                   # cname, and the users publishing in it\n"
    "sid 38f8e3cfdc474cd56fc1ceba380d7e1a            # optional; derived from the seed when "
    "absent\n"
    "seed 7                                          # optional, default 1; `hasim run --seed N` "
    "overrides\n"
    "servers 4 capacity 10                           # optional world size\n"
    "set kill_detect 1s..3s                          # world parameter: a value, or a range "
    "drawn from the seed\n"
    "\n"
    "at 0s      start\n"
    "at 10m     kill\n"
    "at +1s     query          expect 404            # +D: relative to the previous `at` line\n"
    "at 10m40s  query          expect 200\n"
    "at 30m     stop           expect 200\n"
    "at 31m     end                                  # optional horizon; default: 5 min after "
    "the last action\n"
    "\n"
    "expect activations 1\n"
    "expect file bak0_38f8e3cfdc474cd56fc1ceba380d7e1a_room1.m3u8\n"
    "expect uid changed\n"
    "expect exit normal\n";

/* Scenarios that use every statement and form at least once; each must
 * parse and survive the round trip. */
static const char *const examples[] = {
    shared_example,
    HEAD,
    "scenario \"disconnect heals: same uid\"\n"
    "mode individual\n"
    "channel lobby users 7,8,9\n"
    "uid 10\n"
    "servers 3 capacity 2\n"
    "set start_latency 2s\n"
    "set rejoin_latency 500ms..1500ms\n"
    "set webm on\n"
    "at 0s start expect 200\n"
    "at 5m disconnect for 45s after detection\n"
    "at +10s query expect 404\n"
    "at 7m query expect 200\n"
    "expect activations 1\n"
    "expect uid same\n",
    "scenario \"three sessions\"\n"
    "mode web\n"
    "channel room-2\n"
    "seed 9223372036854775807\n"
    "sessions 3\n"
    "servers 2 capacity 3\n"
    "at 0s start\n"
    "at 1m crash host 2\n"
    "at +30s kill session 3\n"
    "at +1h2m3s4ms query session 1 expect 200\n"
    "at 2h stop session 2 expect 200\n"
    "expect exit normal session 2\n"
    "expect no file bak3_x.m3u8 session 1\n",
    "scenario \"escapes \\\"quoted\\\" and \\\\ # not a comment\"\n"
    "mode composite\n"
    "channel c users 1,4294967295\n"
    "seed 0\n"
    "set poll off..on\n"
    "set mp4 on\n"
    "set zombie off\n"
    "set gop 1ms\n"
    "set kill_detect 0s..8760h\n"
    "at 0s start\n"
    "at 1s provision-fail 1000\n"
    "at 2s disconnect\n"
    "at 2s disconnect for 0s\n"
    "at 3s join 4294967295\n"
    "at 3s leave 4294967295\n"
    "at 4s updateLayout expect 404\n"
    "at 4s update expect 599\n"
    "at 90m end\n"
    "expect violation R10\n"
    "expect violation R1 session 1\n"
    "expect exit none\n"
    "expect exit abnormal\n"
    "expect activations 4294967295\n",
    "scenario \"\"\n"
    "mode web\n"
    "channel !$%&()+-:;<=.>?@[]^_{}|~,\n"
    "at 8760h end\n",
    /* What the NCS importer writes for a field incident. */
    "scenario \"incident 4711\"\n"
    "mode individual\n"
    "channel room1 users 1001\n"
    "uid 527841\n"
    "sessions 2\n"
    "at 0s start\n"
    "at 2m kill\n"
    "expect callback session_failover count 1\n"
    "expect callback 12 at 2m5s500ms session 2\n"
    "expect callback 13\n"
    "expect callback recorder_video_stream_state_changed count 0\n"
    "expect callback 1 at 0s\n"
    "expect callback uploaded count 4294967295\n"
    "expect resume within 30s activation 0\n"
    "expect resume within 0s\n"
    "expect resume within 8760h activation 2 session 1\n"
    "expect started within 1m30s session 2\n"
    "expect file bak0_<sid>_<cname>__uid_s_1001__uid_e_audio.m3u8\n"
    "expect no file bak1_<sid>_<cname>_<uid>.m3u8 session 2\n"
    "expect file <uid><uid><sid><cname>\n",
};

static int group_setup(void **state)
{
    scn_t *s = scn_new();
    *state = s;
    return s == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
    scn_free(*state);
    return 0;
}

/* scn_parse on an exact-size copy of text[0..len). */
static int parse_n(scn_t *s, const char *text, size_t len, char *err, size_t err_cap)
{
    char *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    int rc = scn_parse(s, copy, len, PATH, err, err_cap);
    free(copy);
    return rc;
}

static void parse_ok(scn_t *s, const char *text)
{
    char err[SCN_ERR_SIZE];
    int rc = parse_n(s, text, strlen(text), err, sizeof err);
    if (rc != 0)
        fail_msg("refused: %s\n--- input ---\n%s", err, text);
}

/* The text is refused with `t.scn:LINE:COL: error: ` and a message that
 * holds msg; the tree is left empty. */
static void parse_err_n(scn_t *s, const char *text, size_t len, const char *msg, int line,
                        int col)
{
    char err[SCN_ERR_SIZE], prefix[64];
    int rc = parse_n(s, text, len, err, sizeof err);
    if (rc != 2)
        fail_msg("accepted (rc %d), expected \"%s\"\n--- input ---\n%.*s", rc, msg, (int)len,
                 text);
    (void)snprintf(prefix, sizeof prefix, PATH ":%d:%d: error: ", line, col);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, msg) == NULL)
        fail_msg("got      \"%s\"\nexpected \"%s...%s\"\n--- input ---\n%.*s", err, prefix, msg,
                 (int)len, text);
    if (strchr(err, '\n') != NULL)
        fail_msg("message is more than one line: \"%s\"", err);
    assert_int_equal(s->actions_count, 0);
    assert_int_equal(s->expects_count, 0);
    assert_int_equal(s->params_count, 0);
    assert_int_equal(s->users_count, 0);
}

static void parse_err(scn_t *s, const char *text, const char *msg, int line, int col)
{
    parse_err_n(s, text, strlen(text), msg, line, col);
}

static char *write_to_buffer(const scn_t *s, char *buf, size_t cap)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(scn_write(f, s), 0);
    long n = ftell(f);
    assert_true(n >= 0 && (size_t)n < cap);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    (void)fclose(f);
    return buf;
}

/* ---- what the shared page promises ------------------------------------ */

static void test_shared_example_parses_to_expected_tree(void **state)
{
    scn_t *s = *state;
    parse_ok(s, shared_example);

    assert_string_equal(s->path, PATH);
    assert_string_equal(s->title, "kill: resumes on another server within 30 s");
    assert_int_equal(s->mode, SCN_MODE_COMPOSITE);
    assert_string_equal(s->cname, "room1");
    assert_int_equal(s->users_count, 2);
    assert_int_equal(s->users[0], 1001);
    assert_int_equal(s->users[1], 1002);
    assert_true(s->has_sid);
    assert_string_equal(s->sid, "38f8e3cfdc474cd56fc1ceba380d7e1a");
    assert_true(s->has_seed);
    assert_int_equal(s->seed, 7);
    assert_true(s->has_servers);
    assert_int_equal(s->servers, 4);
    assert_int_equal(s->capacity, 10);
    assert_int_equal(s->sessions, 1);

    assert_int_equal(s->params_count, 1);
    assert_int_equal(s->params[0].id, SCN_PARAM_KILL_DETECT);
    assert_int_equal(s->params[0].lo, 1000);
    assert_int_equal(s->params[0].hi, 3000);
    assert_int_equal(s->params[0].line, 8);
    assert_int_equal(s->params[0].col, 5);
    assert_ptr_equal(scn_param_find(s, SCN_PARAM_KILL_DETECT), &s->params[0]);
    assert_null(scn_param_find(s, SCN_PARAM_GOP));

    static const struct {
        int64_t at_ms;
        scn_act_kind_t kind;
        int status;
        int line;
    } want[] = {
        {0, SCN_ACT_START, 0, 10},         {600000, SCN_ACT_KILL, 0, 11},
        {601000, SCN_ACT_QUERY, 404, 12},  {640000, SCN_ACT_QUERY, 200, 13},
        {1800000, SCN_ACT_STOP, 200, 14},  {1860000, SCN_ACT_END, 0, 15},
    };
    assert_int_equal(s->actions_count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s->actions_count; i++) {
        const scn_action_t *a = &s->actions[i];
        assert_int_equal(a->at_ms, want[i].at_ms);
        assert_int_equal(a->kind, want[i].kind);
        assert_int_equal(a->expect_status, want[i].status);
        assert_int_equal(a->session, 0);
        assert_int_equal(a->line, want[i].line);
        assert_int_equal(a->col, 1);
    }
    assert_true(s->has_end);
    assert_int_equal(s->end_ms, 1860000);

    assert_int_equal(s->expects_count, 4);
    assert_int_equal(s->expects[0].kind, SCN_EXP_ACTIVATIONS);
    assert_int_equal(s->expects[0].activations, 1);
    assert_int_equal(s->expects[1].kind, SCN_EXP_FILE);
    assert_string_equal(s->expects[1].file, "bak0_38f8e3cfdc474cd56fc1ceba380d7e1a_room1.m3u8");
    assert_int_equal(s->expects[2].kind, SCN_EXP_UID);
    assert_int_equal(s->expects[2].uid, SCN_UID_CHANGED);
    assert_int_equal(s->expects[3].kind, SCN_EXP_EXIT);
    assert_int_equal(s->expects[3].exit, SCN_EXIT_NORMAL);
    assert_int_equal(s->expects[3].line, 20);
    for (size_t i = 0; i < s->expects_count; i++)
        assert_int_equal(s->expects[i].session, 0);
}

static void test_optional_statements_take_their_defaults(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD "at 10s start\nat 1m query\n");
    assert_false(s->has_sid);
    assert_false(s->has_uid);
    assert_false(s->has_seed);
    assert_int_equal(s->seed, 1);
    assert_false(s->has_servers);
    assert_int_equal(s->servers, 4);
    assert_int_equal(s->capacity, 10);
    assert_int_equal(s->sessions, 1);
    assert_int_equal(s->users_count, 0);
    assert_false(s->has_end);
    /* The horizon is 5 minutes after the last action. */
    assert_int_equal(s->end_ms, 60000 + 300000);
}

static void test_no_actions_ends_five_minutes_after_start(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD);
    assert_int_equal(s->actions_count, 0);
    assert_int_equal(s->end_ms, 300000);
    assert_false(s->has_end);
}

static void test_servers_without_capacity_keeps_default_capacity(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD "servers 9\n");
    assert_true(s->has_servers);
    assert_int_equal(s->servers, 9);
    assert_int_equal(s->capacity, 10);
}

/* ---- durations -------------------------------------------------------- */

static void test_durations_all_units_and_canonical_spelling(void **state)
{
    static const struct {
        const char *text;
        int64_t ms;
        const char *canonical;
    } cases[] = {
        {"0s", 0, "0s"},
        {"0ms", 0, "0s"},
        {"0h0m0s0ms", 0, "0s"},
        {"250ms", 250, "250ms"},
        {"90s", 90000, "1m30s"},
        {"1m30s", 90000, "1m30s"},
        {"2h5m", 7500000, "2h5m"},
        {"1h2m3s4ms", 3723004, "1h2m3s4ms"},
        {"1h4ms", 3600004, "1h4ms"},
        {"1500ms", 1500, "1s500ms"},
        {"61m", 3660000, "1h1m"},
        {"007s", 7000, "7s"},
        {"8760h", INT64_C(31536000000), "8760h"},
        {"8759h59m59s1000ms", INT64_C(31536000000), "8760h"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = -1;
        char err[128], text[32];
        if (scn_duration_parse(cases[i].text, strlen(cases[i].text), &ms, err, sizeof err) != 0)
            fail_msg("'%s' refused: %s", cases[i].text, err);
        assert_int_equal(ms, cases[i].ms);
        int n = scn_duration_format(ms, text, sizeof text);
        assert_int_equal(n, (int)strlen(cases[i].canonical));
        assert_string_equal(text, cases[i].canonical);
    }
}

static void test_duration_errors_each_have_their_message(void **state)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"10", "duration '10' needs a unit (h, m, s or ms)"},
        {"1m30", "duration '1m30' needs a unit"},
        {"10x", "unknown unit 'x' in duration '10x'"},
        {"10sec", "unknown unit 'sec'"},
        {"10S", "unknown unit 'S'"},
        {"1s2m", "unit 'm' out of order in duration '1s2m'"},
        {"1ms1h", "unit 'h' out of order"},
        {"1s2s", "unit 's' appears twice in duration '1s2s'"},
        {"1m1m", "unit 'm' appears twice"},
        {"9223372036854775808ms", "overflows 64-bit milliseconds"},
        {"9223372036854775807ms", "is beyond the limit of 8760h"},
        {"2562047788016h", "overflows"},
        {"99999999999999999999999s", "overflows"},
        {"2562047788015h1000000m", "overflows"},
        {"8760h1ms", "is beyond the limit of 8760h"},
        {"", "missing duration"},
        {"s", "'s' is not a duration"},
        {"1.5s", "'1.5s' is not a duration"},
        {"-1s", "'-1s' is not a duration"},
        {"1s-", "'1s-' is not a duration"},
        {"0x10s", "unknown unit 'x'"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = 12345;
        char err[160];
        if (scn_duration_parse(cases[i].text, strlen(cases[i].text), &ms, err, sizeof err) == 0)
            fail_msg("'%s' accepted as %lld ms", cases[i].text, (long long)ms);
        if (strstr(err, cases[i].msg) == NULL)
            fail_msg("'%s': got \"%s\", expected \"%s\"", cases[i].text, err, cases[i].msg);
    }
}

static void test_duration_parse_reads_only_len_bytes(void **state)
{
    int64_t ms = 0;
    (void)state;
    /* "1s" of "1sX": the X is not part of it. */
    assert_int_equal(scn_duration_parse("1sX", 2, &ms, NULL, 0), 0);
    assert_int_equal(ms, 1000);
}

static void test_relative_times_add_to_the_previous_at_line(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD "at +5s start\n"
                    "at +0s query\n"
                    "at +1m30s query\n"
                    "at 10m kill\n"
                    "at +250ms query\n"
                    "at 10m0s250ms query\n"
                    "at +1h2m3s4ms end\n");
    static const int64_t want[] = {5000, 5000, 95000, 600000, 600250, 600250, 4323254};
    assert_int_equal(s->actions_count, 7);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(s->actions[i].at_ms, want[i]);
    assert_int_equal(s->end_ms, 4323254);
}

static void test_equal_times_keep_file_order(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD "at 1s start\nat 1s kill\nat 1s query expect 404\n");
    assert_int_equal(s->actions[0].kind, SCN_ACT_START);
    assert_int_equal(s->actions[1].kind, SCN_ACT_KILL);
    assert_int_equal(s->actions[2].kind, SCN_ACT_QUERY);
}

/* ---- every action and expectation ------------------------------------- */

static void test_disconnect_forms(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD_STARTED "at 1m disconnect\n"
                             "at 2m disconnect for 45s\n"
                             "at 3m disconnect for 2m after detection\n"
                             "at 4m disconnect session 1\n");
    assert_int_equal(s->actions[1].kind, SCN_ACT_DISCONNECT);
    assert_int_equal(s->actions[1].heal_ms, -1);
    assert_false(s->actions[1].heal_after_detection);
    assert_int_equal(s->actions[2].heal_ms, 45000);
    assert_false(s->actions[2].heal_after_detection);
    assert_int_equal(s->actions[3].heal_ms, 120000);
    assert_true(s->actions[3].heal_after_detection);
    assert_int_equal(s->actions[4].heal_ms, -1);
    assert_int_equal(s->actions[4].session, 1);
}

static void test_action_arguments_and_clauses(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD "sessions 5\nservers 6\n"
                    "at 0s start session 2 expect 201\n"
                    "at 1s crash host 6\n"
                    "at 2s provision-fail 3\n"
                    "at 3s join 42 session 2\n"
                    "at 4s leave 42\n"
                    "at 5s updateLayout session 2 expect 404\n"
                    "at 6s update\n"
                    "at 7s stop expect 200\n");
    const scn_action_t *a = s->actions;
    assert_int_equal(a[0].kind, SCN_ACT_START);
    assert_int_equal(a[0].session, 2);
    assert_int_equal(a[0].session_col, 21);
    assert_int_equal(a[0].expect_status, 201);
    assert_int_equal(a[1].kind, SCN_ACT_CRASH_HOST);
    assert_int_equal(a[1].host, 6);
    assert_int_equal(a[1].arg_col, 18);
    assert_int_equal(a[2].kind, SCN_ACT_PROVISION_FAIL);
    assert_int_equal(a[2].count, 3);
    assert_int_equal(a[3].kind, SCN_ACT_JOIN);
    assert_int_equal(a[3].uid, 42);
    assert_int_equal(a[3].session, 2);
    assert_int_equal(a[4].kind, SCN_ACT_LEAVE);
    assert_int_equal(a[5].kind, SCN_ACT_UPDATE_LAYOUT);
    assert_int_equal(a[5].expect_status, 404);
    assert_int_equal(a[6].kind, SCN_ACT_UPDATE);
    assert_int_equal(a[6].expect_status, 0);
    assert_int_equal(a[7].kind, SCN_ACT_STOP);
}

static void test_every_expectation_form(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD "sessions 2\n"
                    "expect activations 0\n"
                    "expect exit abnormal session 2\n"
                    "expect exit none\n"
                    "expect file a.m3u8\n"
                    "expect no file bak3_c.m3u8 session 1\n"
                    "expect uid same\n"
                    "expect violation R12\n"
                    "expect violation R1\n");
    const scn_expect_t *e = s->expects;
    assert_int_equal(s->expects_count, 8);
    assert_int_equal(e[0].kind, SCN_EXP_ACTIVATIONS);
    assert_int_equal(e[0].activations, 0);
    assert_int_equal(e[1].exit, SCN_EXIT_ABNORMAL);
    assert_int_equal(e[1].session, 2);
    assert_int_equal(e[1].session_col, 30);
    assert_int_equal(e[2].exit, SCN_EXIT_NONE);
    assert_int_equal(e[3].kind, SCN_EXP_FILE);
    assert_string_equal(e[3].file, "a.m3u8");
    assert_int_equal(e[4].kind, SCN_EXP_NO_FILE);
    assert_string_equal(e[4].file, "bak3_c.m3u8");
    assert_int_equal(e[4].session, 1);
    assert_int_equal(e[5].uid, SCN_UID_SAME);
    assert_int_equal(e[6].kind, SCN_EXP_VIOLATION);
    assert_int_equal(e[6].rule, 12);
    assert_int_equal(e[7].rule, 1);
}

/* What a field incident needs: callbacks by number or name, at a time or
 * counted; resume and first-start bounds; placeholders in file names. */
static void test_incident_expectation_forms(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD "sessions 2\n"
                    "expect callback session_failover count 1\n"
                    "expect callback 12 at 1m5s500ms session 2\n"
                    "expect callback 13\n"
                    "expect callback recorder_leave count 0\n"
                    "expect resume within 30s activation 0\n"
                    "expect resume within 1m30s session 2\n"
                    "expect started within 9s\n"
                    "expect file bak0_<sid>_<cname>.m3u8\n"
                    "expect no file <sid>_<cname>__uid_s_<uid>__uid_e_audio.m3u8 session 1\n");
    const scn_expect_t *e = s->expects;
    assert_int_equal(s->expects_count, 9);
    assert_int_equal(e[0].kind, SCN_EXP_CALLBACK);
    assert_int_equal(e[0].event, 12);
    assert_true(e[0].has_count);
    assert_int_equal(e[0].count, 1);
    assert_false(e[0].has_at);
    assert_int_equal(e[1].event, 12);
    assert_true(e[1].has_at);
    assert_int_equal(e[1].at_ms, 65500);
    assert_false(e[1].has_count);
    assert_int_equal(e[1].session, 2);
    assert_int_equal(e[1].session_col, 41);
    assert_int_equal(e[2].event, 13);
    assert_false(e[2].has_at || e[2].has_count);
    assert_int_equal(e[3].event, 41);
    assert_true(e[3].has_count);
    assert_int_equal(e[3].count, 0);
    assert_int_equal(e[4].kind, SCN_EXP_RESUME);
    assert_int_equal(e[4].within_ms, 30000);
    assert_true(e[4].has_activation);
    assert_int_equal(e[4].activation, 0);
    assert_int_equal(e[5].within_ms, 90000);
    assert_false(e[5].has_activation);
    assert_int_equal(e[5].session, 2);
    assert_int_equal(e[6].kind, SCN_EXP_STARTED);
    assert_int_equal(e[6].within_ms, 9000);
    assert_int_equal(e[7].kind, SCN_EXP_FILE);
    assert_string_equal(e[7].file, "bak0_<sid>_<cname>.m3u8");
    assert_int_equal(e[8].kind, SCN_EXP_NO_FILE);
    assert_string_equal(e[8].file, "<sid>_<cname>__uid_s_<uid>__uid_e_audio.m3u8");
    /* Every event type by number, and by name where it has one. */
    static const int types[] = {1, 2, 3, 4, 11, 12, 13, 30, 31, 32, 33, 40, 41, 42, 43, 44};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char text[256];
        const char *name = scn_callback_name(types[i]);
        assert_true(scn_callback_known(types[i]));
        (void)snprintf(text, sizeof text, HEAD "expect callback %d\nexpect callback %s\n",
                       types[i], name != NULL ? name : "13");
        parse_ok(s, text);
        assert_int_equal(s->expects[0].event, types[i]);
        assert_int_equal(s->expects[1].event, types[i]);
    }
    assert_null(scn_callback_name(13));
    assert_string_equal(scn_callback_name(11), "session_exit");
    assert_false(scn_callback_known(0));
    assert_false(scn_callback_known(14));
    assert_false(scn_callback_known(45));
}

static void test_placeholders_are_found_where_they_start(void **state)
{
    (void)state;
    size_t n = 99;
    assert_int_equal(scn_placeholder("<sid>_x", 7, &n), SCN_PH_SID);
    assert_int_equal(n, 5);
    assert_int_equal(scn_placeholder("<cname>", 7, &n), SCN_PH_CNAME);
    assert_int_equal(n, 7);
    assert_int_equal(scn_placeholder("<uid>", 5, &n), SCN_PH_UID);
    assert_int_equal(scn_placeholder("<uid>", 4, &n), SCN_PH_NONE); /* only len bytes */
    assert_int_equal(n, 0);
    assert_int_equal(scn_placeholder("x<sid>", 6, &n), SCN_PH_NONE);
    assert_int_equal(scn_placeholder("<Sid>", 5, &n), SCN_PH_NONE);
    assert_string_equal(scn_placeholder_name(SCN_PH_CNAME), "<cname>");
    assert_string_equal(scn_placeholder_name(SCN_PH_COUNT), "?");
}

static void test_set_values_ranges_and_bools(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD "set kill_detect 0s\n"
                    "set start_latency 1s..1s\n"
                    "set rejoin_latency 500ms..2s\n"
                    "set gop 2s\n"
                    "set poll on\n"
                    "set webm off\n"
                    "set mp4 off..on\n"
                    "set zombie on..on\n");
    static const struct {
        scn_param_id_t id;
        int64_t lo, hi;
    } want[] = {
        {SCN_PARAM_KILL_DETECT, 0, 0},    {SCN_PARAM_START_LATENCY, 1000, 1000},
        {SCN_PARAM_REJOIN_LATENCY, 500, 2000}, {SCN_PARAM_GOP, 2000, 2000},
        {SCN_PARAM_POLL, 1, 1},           {SCN_PARAM_WEBM, 0, 0},
        {SCN_PARAM_MP4, 0, 1},            {SCN_PARAM_ZOMBIE, 1, 1},
    };
    assert_int_equal(s->params_count, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(s->params[i].id, want[i].id);
        assert_int_equal(s->params[i].lo, want[i].lo);
        assert_int_equal(s->params[i].hi, want[i].hi);
        assert_int_equal(scn_param_type(want[i].id),
                         i < 4 ? SCN_PTYPE_DURATION : SCN_PTYPE_BOOL);
    }
}

static void test_users_up_to_seventeen_and_full_uint32(void **state)
{
    scn_t *s = *state;
    parse_ok(s, "scenario \"u\"\nmode individual\n"
                "channel c users 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,4294967295\n");
    assert_int_equal(s->users_count, 17);
    assert_int_equal(s->users[16], UINT32_MAX);
}

/* `uid N`: the first recording UID; session k starts as N + k - 1, so the
 * whole range must fit and stay off the channel's users, listed or joining,
 * whichever line comes first. */
static void test_uid_gives_the_first_recording_uid(void **state)
{
    scn_t *s = *state;
    parse_ok(s, "scenario \"u\"\nuid 527841\nmode composite\nchannel c users 1001,1002\n");
    assert_true(s->has_uid);
    assert_int_equal(s->uid, 527841);
    parse_ok(s, HEAD "uid 4294967295\n");
    assert_int_equal(s->uid, UINT32_MAX);
    /* Users just outside the range are fine. */
    parse_ok(s, "scenario \"u\"\nmode web\nchannel c users 9,13\nuid 10\nsessions 3\n"
                "at 0s start\nat 1s join 13\nat 2s leave 11\nat 3s join 11 session 1\n");
    assert_int_equal(s->sessions, 3);
    parse_ok(s, HEAD "uid 4294967293\nsessions 3\n");
    /* A join of the recording UID before `uid` is named is caught too. */
    parse_err(s, HEAD_STARTED "at 1s join 7\nuid 7\n",
              "user 7 is the recording UID of session 1 (uid on line 6)", 5, 12);
}

static void test_channel_name_of_64_bytes_is_accepted(void **state)
{
    scn_t *s = *state;
    char text[256];
    (void)snprintf(text, sizeof text, "scenario \"t\"\nmode web\nchannel %s\n",
                   "0123456789012345678901234567890123456789012345678901234567890123");
    parse_ok(s, text);
    assert_int_equal(strlen(s->cname), 64);
}

static void test_title_escapes_are_decoded(void **state)
{
    scn_t *s = *state;
    parse_ok(s, "scenario \"a \\\"b\\\" \\\\ # c\" # a comment\nmode web\nchannel c\n");
    assert_string_equal(s->title, "a \"b\" \\ # c");
}

static void test_title_of_255_bytes_is_accepted_256_refused(void **state)
{
    scn_t *s = *state;
    char text[600], title[300];
    memset(title, 'x', 255);
    title[255] = '\0';
    (void)snprintf(text, sizeof text, "scenario \"%s\"\nmode web\nchannel c\n", title);
    parse_ok(s, text);
    assert_int_equal(strlen(s->title), 255);
    title[255] = 'x';
    title[256] = '\0';
    (void)snprintf(text, sizeof text, "scenario \"%s\"\nmode web\nchannel c\n", title);
    parse_err(s, text, "title is longer than 255 bytes", 1, 10);
}

static void test_title_keeps_utf8_bytes(void **state)
{
    scn_t *s = *state;
    parse_ok(s, "scenario \"caf\xc3\xa9\"\nmode web\nchannel c\n");
    assert_string_equal(s->title, "caf\xc3\xa9");
}

/* ---- layout: comments, blanks, line ends ------------------------------ */

static void test_comments_anywhere_and_blank_lines(void **state)
{
    scn_t *s = *state;
    parse_ok(s, "# first line\n"
                "\n"
                "   \t  \n"
                "  # indented comment\n"
                "scenario \"t\"# right after the string\n"
                "\tmode\tcomposite\t#tabs\n"
                "channel c#no blank before the comment\n"
                "at 0s start # after an action\n"
                "at 1s query expect 200#\n"
                "expect exit normal     # trailing\n"
                "# last line, no newline at the end");
    assert_string_equal(s->cname, "c");
    assert_int_equal(s->actions_count, 2);
    assert_int_equal(s->actions[1].expect_status, 200);
    assert_int_equal(s->actions[0].line, 8);
    assert_int_equal(s->expects_count, 1);
}

static void test_crlf_gives_the_same_tree_as_lf(void **state)
{
    scn_t *s = *state;
    scn_t *lf = scn_new();
    assert_non_null(lf);
    parse_ok(lf, shared_example);
    char crlf[sizeof shared_example * 2];
    size_t n = 0;
    for (const char *c = shared_example; *c != '\0'; c++) {
        if (*c == '\n')
            crlf[n++] = '\r';
        crlf[n++] = *c;
    }
    crlf[n] = '\0';
    parse_ok(s, crlf);
    assert_true(scn_equal(s, lf));
    assert_int_equal(s->actions[5].line, 15);
    scn_free(lf);
}

static void test_last_line_without_newline(void **state)
{
    scn_t *s = *state;
    parse_ok(s, HEAD "at 0s start");
    assert_int_equal(s->actions_count, 1);
}

/* ---- errors ----------------------------------------------------------- */

static void test_every_error_has_its_message_and_position(void **state)
{
    static const struct {
        const char *text;
        const char *msg;
        int line, col;
    } cases[] = {
        /* words */
        {HEAD "frobnicate 1\n", "unknown statement 'frobnicate'", 4, 1},
        {HEAD "  Mode web\n", "unknown statement 'Mode'", 4, 3},
        {HEAD "\"x\"\n", "a statement cannot start with a string", 4, 1},
        {HEAD "at 1s jump\n", "unknown action 'jump'", 4, 7},
        {HEAD "at 1s Start\n", "unknown action 'Start'", 4, 7},
        {HEAD "at 1s updatelayout\n", "unknown action 'updatelayout'", 4, 7},
        {HEAD "at\n", "missing a time after 'at'", 4, 3},
        {HEAD "at   # nothing\n", "missing a time after 'at'", 4, 6},
        {HEAD "at 1s\n", "missing an action after '1s'", 4, 6},
        {HEAD "at \"1s\" start\n", "expected a time, not the string \"1s\"", 4, 4},
        /* times */
        {HEAD "at 10 start\n", "duration '10' needs a unit", 4, 4},
        {HEAD "at 10x start\n", "unknown unit 'x' in duration '10x'", 4, 4},
        {HEAD "at 1s2m start\n", "unit 'm' out of order in duration '1s2m'", 4, 4},
        {HEAD "at 1s2s start\n", "unit 's' appears twice in duration '1s2s'", 4, 4},
        {HEAD "at 9223372036854775808ms start\n", "overflows 64-bit milliseconds", 4, 4},
        {HEAD "at 8761h start\n", "duration '8761h' is beyond the limit of 8760h", 4, 4},
        {HEAD "at + start\n", "missing duration after '+'", 4, 4},
        {HEAD "at +10 start\n", "duration '10' needs a unit", 4, 4},
        {HEAD "at -1s start\n", "'-1s' is not a duration", 4, 4},
        {HEAD_STARTED "at 10m query\nat 5m query\n",
         "time goes backwards: 5m is before 10m on line 5", 6, 4},
        {HEAD_STARTED "at 10m query\nat  +0s query\nat 599s query\n",
         "time goes backwards: 599s is before 10m on line 6", 7, 4},
        {HEAD_STARTED "at 8760h query\nat +1ms query\n",
         "time '+1ms' is beyond the limit of 8760h", 6, 4},
        /* order of the timeline */
        {HEAD "at 1s kill\n", "kill before the first 'start'", 4, 7},
        {HEAD "at 1s query\nat 2s disconnect for 1s\n", "disconnect before the first 'start'", 5,
         7},
        {HEAD "at 1s crash host 1\n", "crash host before the first 'start'", 4, 7},
        {HEAD "at 1s provision-fail 1\n", "provision-fail before the first 'start'", 4, 7},
        {HEAD "sessions 2\nat 0s start session 1\nat 1s kill session 2\n",
         "kill of session 2 before its 'start'", 6, 7},
        {HEAD_STARTED "at 1m end\nat 2m query\n",
         "action after 'end' (line 5): 'end' must be the last action", 6, 7},
        {HEAD_STARTED "at 1m end\nat 1m end\n", "action after 'end' (line 5)", 6, 7},
        {HEAD "expect 404\n", "a status expectation belongs at the end of an 'at' line", 4, 8},
        /* clauses */
        {HEAD_STARTED "at 1s kill expect 404\n",
         "a status expectation is only valid on API calls", 5, 12},
        {HEAD_STARTED "at 1s end expect 200\n", "only valid on API calls", 5, 11},
        {HEAD_STARTED "at 1s query expect 600\n", "status 600 is out of range 100..599", 5, 20},
        {HEAD_STARTED "at 1s query expect 99\n", "status 99 is out of range 100..599", 5, 20},
        {HEAD_STARTED "at 1s query expect\n", "missing a status after 'expect'", 5, 19},
        {HEAD_STARTED "at 1s query expect 200 expect 404\n", "'expect' given twice", 5, 24},
        {HEAD_STARTED "at 1s query session 1 session 1\n", "'session' given twice", 5, 23},
        {HEAD_STARTED "at 1s query expect 200 session 1\n",
         "'session' must come before 'expect'", 5, 24},
        {HEAD_STARTED "at 1s crash host 1 session 1\n", "'session' does not apply to crash host",
         5, 20},
        {HEAD_STARTED "at 1s provision-fail 1 session 1\n",
         "'session' does not apply to provision-fail", 5, 24},
        {HEAD_STARTED "at 1s end session 1\n", "'session' does not apply to end", 5, 11},
        {HEAD_STARTED "at 1s query extra\n", "unexpected 'extra' after query", 5, 13},
        {HEAD_STARTED "at 1s query \"x\"\n", "unexpected '\"x\"' after query", 5, 13},
        {HEAD_STARTED "at 1s disconnect 10s\n", "unexpected '10s' after disconnect", 5, 18},
        {HEAD_STARTED "at 1s disconnect for\n", "missing a duration after 'for'", 5, 21},
        {HEAD_STARTED "at 1s disconnect for 10\n", "duration '10' needs a unit", 5, 22},
        {HEAD_STARTED "at 1s disconnect for 10s after\n", "missing 'detection' after 'after'", 5,
         31},
        {HEAD_STARTED "at 1s disconnect for 10s after heal\n",
         "expected 'detection' after 'after', not 'heal'", 5, 32},
        {HEAD_STARTED "at 1s disconnect after detection\n",
         "unexpected 'after' after disconnect", 5, 18},
        {HEAD_STARTED "at 1s crash 2\n", "expected 'host' after 'crash', not '2'", 5, 13},
        {HEAD_STARTED "at 1s crash\n", "missing 'host' after 'crash'", 5, 12},
        /* ranges */
        {HEAD_STARTED "at 1s crash host 7\n", "host 7 is out of range 1..4", 5, 18},
        {HEAD_STARTED "at 1s crash host 0\n", "host 0 is out of range 1..4", 5, 18},
        {HEAD "servers 2\n" "at 0s start\nat 1s crash host 3\n", "host 3 is out of range 1..2", 6,
         18},
        {HEAD_STARTED "at 1s crash host 3\nservers 2\n", "host 3 is out of range 1..2", 5, 18},
        {HEAD_STARTED "at 1s crash host 10001\nservers 10000\n", "host 10001 is out of range 1..4",
         5, 18},
        {HEAD_STARTED "at 1s crash host x\n", "host 'x' is not a number", 5, 18},
        {HEAD_STARTED "at 1s query session 2\n", "session 2 is out of range 1..1", 5, 21},
        {HEAD_STARTED "at 1s query session 0\n", "session 0 is out of range 1..1", 5, 21},
        {HEAD_STARTED "at 1s query session 2\nsessions 1\n", "session 2 is out of range 1..1", 5,
         21},
        {HEAD_STARTED "at 1s query session 1000001\nsessions 1000000\n",
         "session 1000001 is out of range 1..1", 5, 21},
        {HEAD_STARTED "at 1s provision-fail 1001\n",
         "provision-fail count 1001 is out of range 1..1000", 5, 22},
        {HEAD_STARTED "at 1s provision-fail 0\n", "provision-fail count 0 is out of range", 5, 22},
        {HEAD_STARTED "at 1s join 0\n", "user 0 is out of range 1..4294967295", 5, 12},
        {HEAD_STARTED "at 1s leave 4294967296\n", "user 4294967296 is out of range", 5, 13},
        {HEAD_STARTED "at 1s join 99999999999999999999\n",
         "user 99999999999999999999 is too large", 5, 12},
        {HEAD_STARTED "at 1s join 0x10\n", "user '0x10' is not a number", 5, 12},
        {HEAD_STARTED "at 1s join +5\n", "user '+5' is not a number", 5, 12},
        {HEAD_STARTED "at 1s join\n", "missing a user after 'join'", 5, 11},
        /* the world */
        {"scenario \"t\"\nmode mixed\nchannel c\n",
         "unknown mode 'mixed' (composite, individual or web)", 2, 6},
        {"scenario \"t\"\nmode\nchannel c\n", "missing a mode", 2, 5},
        {"scenario \"t\"\nmode web web\nchannel c\n", "unexpected 'web' after the mode", 2, 10},
        {HEAD "mode web\n", "second 'mode' statement (the first is on line 2)", 4, 1},
        {HEAD "scenario \"u\"\n", "second 'scenario' statement (the first is on line 1)", 4, 1},
        {HEAD "channel d\n", "second 'channel' statement", 4, 1},
        {HEAD "seed 1\nseed 2\n", "second 'seed' statement (the first is on line 4)", 5, 1},
        {HEAD "sid 38f8e3cfdc474cd56fc1ceba380d7e1a\nsid 38f8e3cfdc474cd56fc1ceba380d7e1a\n",
         "second 'sid' statement", 5, 1},
        {HEAD "servers 1\nservers 2\n", "second 'servers' statement", 5, 1},
        {HEAD "sessions 1\nsessions 2\n", "second 'sessions' statement", 5, 1},
        {"scenario t\n", "the title must be in double quotes", 1, 10},
        {"scenario\n", "missing title after 'scenario'", 1, 9},
        {"scenario \"abc\n", "unterminated string", 1, 10},
        {"scenario \"abc\\\"\n", "unterminated string", 1, 10},
        {"scenario \"abc\\", "unterminated string", 1, 10},
        {"scenario \"a\\nb\"\n", "unknown escape '\\n' in a string", 1, 12},
        {"scenario \"a\"b\n", "no blank after the closing quote", 1, 13},
        {"scenario \"a\" \"b\"\n", "unexpected '\"b\"' after the title", 1, 14},
        {"scenario \"a\tb\"\n", "control character 0x09 in a string", 1, 12},
        {"scenario \"t\"\nmode\x01 web\n", "control character 0x01", 2, 5},
        {"scenario \"t\"\nmode\rweb\n", "control character 0x0d", 2, 5},
        {"scenario \"t\"\nmode web\r\r\n", "control character 0x0d", 2, 9},
        {"scenario \"t\"\nmode web\nchannel caf\xc3\xa9\n", "byte 0xc3 outside a string", 3, 12},
        {"scenario \"t\"\nmode web\nchannel a/b\n",
         "character '/' is not allowed in a channel name", 3, 10},
        {"scenario \"t\"\nmode web\nchannel a\"b\n",
         "character '\"' is not allowed in a channel name", 3, 10},
        {"scenario \"t\"\nmode web\n"
         "channel 01234567890123456789012345678901234567890123456789012345678901234\n",
         "channel name is longer than 64 bytes", 3, 9},
        {"scenario \"t\"\nmode web\nchannel\n", "missing a channel name after 'channel'", 3, 8},
        {"scenario \"t\"\nmode web\nchannel c people 1\n",
         "unexpected 'people' after the channel name (expected 'users')", 3, 11},
        {"scenario \"t\"\nmode web\nchannel c users\n", "missing a list of users", 3, 16},
        {"scenario \"t\"\nmode web\nchannel c users 1,,2\n", "empty entry in the list of users", 3,
         19},
        {"scenario \"t\"\nmode web\nchannel c users 1,\n", "empty entry in the list of users", 3,
         19},
        {"scenario \"t\"\nmode web\nchannel c users ,1\n", "empty entry in the list of users", 3,
         17},
        {"scenario \"t\"\nmode web\nchannel c users 5,6,5\n", "user 5 is listed twice", 3, 21},
        {"scenario \"t\"\nmode web\nchannel c users 1 2\n", "unexpected '2' after the list of users",
         3, 19},
        {"scenario \"t\"\nmode web\nchannel c users 0\n", "user 0 is out of range 1..4294967295",
         3, 17},
        {"scenario \"t\"\nmode web\nchannel c users 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18\n",
         "too many users (at most 17)", 3, 59},
        {HEAD "sid ABC\n", "sid must be 32 lowercase hex digits", 4, 5},
        {HEAD "sid 38F8E3CFDC474CD56FC1CEBA380D7E1A\n", "sid must be 32 lowercase hex digits", 4, 5},
        {HEAD "sid 38f8e3cfdc474cd56fc1ceba380d7e1\n", "sid must be 32 lowercase hex digits", 4, 5},
        {HEAD "sid 38f8e3cfdc474cd56fc1ceba380d7e1a0\n", "sid must be 32 lowercase hex digits", 4,
         5},
        {HEAD "seed 18446744073709551616\n", "seed 18446744073709551616 is too large", 4, 6},
        {HEAD "seed -1\n", "seed '-1' is not a number", 4, 6},
        {HEAD "seed 1 2\n", "unexpected '2' after the seed", 4, 8},
        {HEAD "servers 0\n", "servers 0 is out of range 1..10000", 4, 9},
        {HEAD "servers 10001\n", "servers 10001 is out of range 1..10000", 4, 9},
        {HEAD "servers 4 capacity 0\n", "capacity 0 is out of range 1..100000", 4, 20},
        {HEAD "servers 4 capacity\n", "missing a number after 'capacity'", 4, 19},
        {HEAD "servers 4 cap 10\n", "unexpected 'cap' after the number of servers", 4, 11},
        {HEAD "capacity 10\n", "unknown statement 'capacity'", 4, 1},
        {HEAD "sessions 0\n", "sessions 0 is out of range 1..1000000", 4, 10},
        {HEAD "sessions 1000001\n", "sessions 1000001 is out of range 1..1000000", 4, 10},
        /* the first recording UID */
        {HEAD "uid\n", "missing a recording UID after 'uid'", 4, 4},
        {HEAD "uid 0\n", "uid 0 is out of range 1..4294967295", 4, 5},
        {HEAD "uid 4294967296\n", "uid 4294967296 is out of range 1..4294967295", 4, 5},
        {HEAD "uid -1\n", "uid '-1' is not a number", 4, 5},
        {HEAD "uid 5 6\n", "unexpected '6' after the uid", 4, 7},
        {HEAD "uid 5\nuid 5\n", "second 'uid' statement (the first is on line 4)", 5, 1},
        {"scenario \"t\"\nmode web\nchannel c users 1001,527841\nuid 527841\n",
         "uid 527841 is a user of the channel (line 3)", 4, 5},
        {"scenario \"t\"\nmode web\nuid 527841\nchannel c users 527841\n",
         "uid 527841 is a user of the channel (line 4)", 3, 5},
        {"scenario \"t\"\nmode web\nuid 4\nchannel c users 6\nsessions 3\n",
         "uid 4 makes session 3 record as 6, a user of the channel (line 4)", 3, 5},
        {HEAD "uid 4294967295\nsessions 2\n", "uid 4294967295 leaves no UID for session 2", 4, 5},
        {HEAD "sessions 4\nuid 4294967294\n", "uid 4294967294 leaves no UID for session 3", 5, 5},
        {HEAD "uid 527841\nat 0s start\nat 1s join 527841\n",
         "user 527841 is the recording UID of session 1 (uid on line 4)", 6, 12},
        {HEAD "uid 10\nat 0s start\nat 1s join 11\nsessions 2\n",
         "user 11 is the recording UID of session 2 (uid on line 4)", 6, 12},
        {HEAD "uid 10\nat 0s start\nat 1s join 11 session 2\nsessions 2\n",
         "user 11 is the recording UID of session 2 (uid on line 4)", 6, 12},
        /* parameters */
        {HEAD "set foo 1s\n", "unknown parameter 'foo' (kill_detect, start_latency", 4, 5},
        {HEAD "set\n", "missing a parameter name after 'set'", 4, 4},
        {HEAD "set gop 1s\nset gop 2s\n", "parameter gop is already set on line 4", 5, 5},
        {HEAD "set gop\n", "missing a duration or a range such as 1s..3s after 'gop'", 4, 8},
        {HEAD "set poll\n", "missing on or off after 'poll'", 4, 9},
        {HEAD "set poll yes\n", "'yes' is not on or off", 4, 10},
        {HEAD "set poll 1\n", "'1' is not on or off", 4, 10},
        {HEAD "set poll on..maybe\n", "'maybe' is not on or off", 4, 14},
        {HEAD "set poll on..off\n", "empty range 'on..off': the low end is above the high end", 4,
         10},
        {HEAD "set kill_detect 5\n", "duration '5' needs a unit", 4, 17},
        {HEAD "set kill_detect on\n", "'on' is not a duration", 4, 17},
        {HEAD "set kill_detect 3s..1s\n", "empty range '3s..1s'", 4, 17},
        {HEAD "set kill_detect 1s..\n", "missing high end of the range after '..'", 4, 21},
        {HEAD "set kill_detect ..1s\n", "missing low end of the range before '..'", 4, 17},
        {HEAD "set kill_detect 1s..2x\n", "unknown unit 'x' in duration '2x'", 4, 21},
        {HEAD "set kill_detect 1s..2s..3s\n", "'2s..3s' is not a duration", 4, 21},
        {HEAD "set kill_detect 1s 2s\n", "unexpected '2s' after the value", 4, 20},
        {HEAD "set gop 0s\n", "gop must be at least 1ms", 4, 9},
        {HEAD "set gop 0s..1s\n", "gop must be at least 1ms", 4, 9},
        /* end expectations */
        {HEAD "expect luck 1\n",
         "unknown expectation 'luck' (activations, exit, file, no file, uid, violation, "
         "callback, resume, started)",
         4, 8},
        {HEAD "expect\n", "missing what to expect after 'expect'", 4, 7},
        {HEAD "expect activations -1\n", "activations '-1' is not a number", 4, 20},
        {HEAD "expect activations 4294967296\n", "activations 4294967296 is out of range", 4, 20},
        {HEAD "expect exit weird\n", "unknown exit 'weird' (normal, abnormal or none)", 4, 13},
        {HEAD "expect exit\n", "missing normal, abnormal or none after 'exit'", 4, 12},
        {HEAD "expect uid new\n", "unknown uid expectation 'new' (changed or same)", 4, 12},
        {HEAD "expect no x\n", "expected 'file' after 'no', not 'x'", 4, 11},
        {HEAD "expect file\n", "missing a file name after 'file'", 4, 12},
        {HEAD "expect file a/b.m3u8\n", "character '/' is not allowed in a file name", 4, 14},
        {HEAD "expect violation R15\n", "rule R15 is out of range R1..R14", 4, 18},
        {HEAD "expect violation R0\n", "rule R0 is out of range R1..R14", 4, 18},
        {HEAD "expect violation R99999999999999999999\n", "out of range R1..R14", 4, 18},
        {HEAD "expect violation r1\n", "'r1' is not a rule (R1..R14)", 4, 18},
        {HEAD "expect violation R\n", "'R' is not a rule", 4, 18},
        {HEAD "expect violation 1\n", "'1' is not a rule", 4, 18},
        {HEAD "expect exit normal now\n", "unexpected 'now' after the expectation", 4, 20},
        {HEAD "expect exit normal session\n", "missing a session number after 'session'", 4, 27},
        {HEAD "expect exit normal session 3\n", "session 3 is out of range 1..1", 4, 28},
        {HEAD "expect uid same session 3\nsessions 2\n", "session 3 is out of range 1..2", 4, 25},
        /* callbacks */
        {HEAD "expect callback\n", "missing a callback event (a number, or a name such as "
                                   "session_failover) after 'callback'", 4, 16},
        {HEAD "expect callback 5\n",
         "callback event 5 is not a callback event type (1..4, 11..13, 30..33, 40..44)", 4, 17},
        {HEAD "expect callback 0\n", "callback event 0 is not a callback event type", 4, 17},
        {HEAD "expect callback 45\n", "callback event 45 is not a callback event type", 4, 17},
        {HEAD "expect callback 99999999999999999999\n",
         "callback event 99999999999999999999 is not a callback event type", 4, 17},
        {HEAD "expect callback failover\n",
         "unknown callback event 'failover' (a type 1..4, 11..13, 30..33, 40..44, or a name "
         "such as session_exit",
         4, 17},
        {HEAD "expect callback Session_exit\n", "unknown callback event 'Session_exit'", 4, 17},
        {HEAD "expect callback -12\n", "unknown callback event '-12'", 4, 17},
        {HEAD "expect callback 12 at\n", "missing a time after 'at'", 4, 22},
        {HEAD "expect callback 12 at 65\n", "duration '65' needs a unit", 4, 23},
        {HEAD "expect callback 12 at +5s\n",
         "a callback's time is a time of the run, such as 1m5s500ms ('+D' is for 'at' lines)", 4,
         23},
        {HEAD "expect callback 12 at 8761h\n", "duration '8761h' is beyond the limit of 8760h", 4,
         23},
        {HEAD "expect callback 12 count\n", "missing a number after 'count'", 4, 25},
        {HEAD "expect callback 12 count 4294967296\n", "count 4294967296 is out of range", 4, 26},
        {HEAD "expect callback 12 count x\n", "count 'x' is not a number", 4, 26},
        {HEAD "expect callback 12 at 1m count 1\n",
         "'at' and 'count' exclude each other: a callback expectation takes one of them", 4, 26},
        {HEAD "expect callback 12 count 1 at 1m\n", "'at' and 'count' exclude each other", 4, 28},
        {HEAD "expect callback 12 at 1m at 2m\n", "'at' and 'count' exclude each other", 4, 26},
        {HEAD "expect callback 12 session 1 at 1m\n", "'at' must come before 'session'", 4, 30},
        {HEAD "expect callback 12 session 1 count 1\n", "'count' must come before 'session'", 4,
         30},
        {HEAD "expect callback 12 when 1m\n", "unexpected 'when' after the expectation", 4, 20},
        {HEAD "expect callback 12 at 1m session 2\n", "session 2 is out of range 1..1", 4, 34},
        /* resume and start bounds */
        {HEAD "expect resume\n", "missing 'within' after 'resume'", 4, 14},
        {HEAD "expect resume 30s\n", "expected 'within' after 'resume', not '30s'", 4, 15},
        {HEAD "expect resume within\n", "missing a duration after 'within'", 4, 21},
        {HEAD "expect resume within 30\n", "duration '30' needs a unit", 4, 22},
        {HEAD "expect resume within 30s activation\n",
         "missing an activation (0..2) after 'activation'", 4, 36},
        {HEAD "expect resume within 30s activation 3\n", "activation 3 is out of range 0..2", 4,
         37},
        {HEAD "expect resume within 30s activation first\n",
         "activation 'first' is not a number", 4, 37},
        {HEAD "expect resume within 30s session 1 activation 0\n",
         "'activation' must come before 'session'", 4, 36},
        {HEAD "expect resume within 30s activation 0 activation 1\n",
         "unexpected 'activation' after the expectation", 4, 39},
        {HEAD "expect started\n", "missing 'within' after 'started'", 4, 15},
        {HEAD "expect started in 9s\n", "expected 'within' after 'started', not 'in'", 4, 16},
        {HEAD "expect started within 9s activation 0\n",
         "unexpected 'activation' after the expectation", 4, 26},
        {HEAD "expect started within -9s\n", "'-9s' is not a duration", 4, 23},
        /* placeholders in file names */
        {HEAD "expect file bak0_<foo>_<cname>.m3u8\n",
         "unknown placeholder '<foo>' in a file name (<sid>, <cname> or <uid>)", 4, 18},
        {HEAD "expect no file <SID>.m3u8\n", "unknown placeholder '<SID>'", 4, 16},
        {HEAD "expect file <>.m3u8\n", "unknown placeholder '<>'", 4, 13},
        {HEAD "expect file a<b.m3u8\n",
         "'<' outside a placeholder in a file name (<sid>, <cname> or <uid>; a channel name's "
         "'<' is spelt <cname>)",
         4, 14},
        {HEAD "expect file a>b.m3u8\n", "'>' outside a placeholder in a file name", 4, 14},
        {HEAD "expect file <sid\n", "'<' outside a placeholder", 4, 13},
        {HEAD "expect file <sid>>.m3u8\n", "'>' outside a placeholder", 4, 18},
        {HEAD "expect file <<sid>.m3u8\n", "'<' outside a placeholder", 4, 13},
        {HEAD "expect file <sid><uid\n", "'<' outside a placeholder", 4, 18},
        /* whole file */
        {"mode web\nchannel c\n", "missing 'scenario \"TITLE\"' statement", 1, 1},
        {"scenario \"t\"\nchannel c\n", "missing 'mode' statement", 1, 1},
        {"scenario \"t\"\nmode web\n", "missing 'channel' statement", 1, 1},
        {"", "missing 'scenario", 1, 1},
        /* the earliest of the late range checks is reported */
        {HEAD_STARTED "expect exit none session 9\nat 1s crash host 9\n",
         "session 9 is out of range 1..1", 5, 26},
        {HEAD_STARTED "at 1s crash host 9\nexpect exit none session 9\n",
         "host 9 is out of range 1..4", 5, 18},
    };
    scn_t *s = *state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        parse_err(s, cases[i].text, cases[i].msg, cases[i].line, cases[i].col);
}

static void test_nul_byte_is_refused_with_its_position(void **state)
{
    scn_t *s = *state;
    static const char text[] = HEAD "at 0s st\0art\n";
    parse_err_n(s, text, sizeof text - 1, "NUL byte", 4, 9);
    /* Even inside a comment. */
    static const char in_comment[] = "# a\0b\n" HEAD;
    parse_err_n(s, in_comment, sizeof in_comment - 1, "NUL byte", 1, 4);
}

static void test_error_refuses_the_whole_file(void **state)
{
    scn_t *s = *state;
    char err[SCN_ERR_SIZE];
    parse_ok(s, shared_example);
    assert_int_equal(s->actions_count, 6);
    /* Valid lines before the error leave nothing behind. */
    const char *text = HEAD "seed 9\nat 0s start\nset gop 1s\nexpect exit none\nat 1s jump\n";
    assert_int_equal(scn_parse(s, text, strlen(text), PATH, err, sizeof err), 2);
    assert_int_equal(s->actions_count, 0);
    assert_int_equal(s->expects_count, 0);
    assert_int_equal(s->params_count, 0);
    assert_false(s->has_seed);
    assert_string_equal(s->cname, "");
    assert_string_equal(s->title, "");
}

static void test_too_many_actions_and_expectations(void **state)
{
    scn_t *s = *state;
    size_t cap = 64 + (SCN_ACTIONS_MAX + 1) * 16;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, cap, "%s", HEAD_STARTED);
    for (int i = 1; i < SCN_ACTIONS_MAX; i++)
        n += (size_t)snprintf(text + n, cap - n, "at 1s query\n");
    parse_ok(s, text);
    assert_int_equal(s->actions_count, SCN_ACTIONS_MAX);
    n += (size_t)snprintf(text + n, cap - n, "at 1s query\n");
    parse_err(s, text, "too many actions (at most 8192)", 4 + SCN_ACTIONS_MAX, 1);

    n = (size_t)snprintf(text, cap, "%s", HEAD);
    for (int i = 0; i < SCN_EXPECTS_MAX; i++)
        n += (size_t)snprintf(text + n, cap - n, "expect uid same\n");
    parse_ok(s, text);
    assert_int_equal(s->expects_count, SCN_EXPECTS_MAX);
    (void)snprintf(text + n, cap - n, "expect uid same\n");
    parse_err(s, text, "too many expectations (at most 256)", 4 + SCN_EXPECTS_MAX, 1);
    free(text);
}

static void test_input_over_4_mib_is_refused(void **state)
{
    scn_t *s = *state;
    char err[SCN_ERR_SIZE];
    size_t len = (size_t)SCN_FILE_BYTES_MAX + 1;
    char *text = malloc(len);
    assert_non_null(text);
    memset(text, '\n', len);
    assert_int_equal(scn_parse(s, text, len, PATH, err, sizeof err), 2);
    assert_string_equal(err, PATH ": error: input is larger than 4194304 bytes (4 MiB)");
    /* Exactly 4 MiB of blank lines is only missing its statements. */
    assert_int_equal(scn_parse(s, text, len - 1, PATH, err, sizeof err), 2);
    assert_non_null(strstr(err, "missing 'scenario"));
    free(text);
}

static void test_message_is_cut_to_err_cap(void **state)
{
    scn_t *s = *state;
    char err[16];
    const char *text = HEAD "frobnicate\n";
    assert_int_equal(scn_parse(s, text, strlen(text), PATH, err, sizeof err), 2);
    assert_string_equal(err, "t.scn:4:1: erro");
    assert_int_equal(scn_parse(s, text, strlen(text), PATH, NULL, 0), 2);
}

static void test_long_or_binary_tokens_are_quoted_safely(void **state)
{
    scn_t *s = *state;
    char err[SCN_ERR_SIZE];
    char text[512];
    memset(text, 'z', sizeof text);
    memcpy(text, HEAD, strlen(HEAD));
    text[sizeof text - 1] = '\n';
    assert_int_equal(scn_parse(s, text, sizeof text, PATH, err, sizeof err), 2);
    assert_non_null(strstr(err, "unknown statement 'zzzz"));
    assert_non_null(strstr(err, "...'"));
    assert_true(strlen(err) < 120);
}

static void test_parse_file_reads_and_reports(void **state)
{
    scn_t *s = *state;
    char err[SCN_ERR_SIZE];
    char path[] = "/tmp/test_scn_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(shared_example, f);
    assert_int_equal(fclose(f), 0);

    assert_int_equal(scn_parse_file(s, path, err, sizeof err), 0);
    assert_int_equal(s->actions_count, 6);
    assert_string_equal(s->path, path);

    f = fopen(path, "w");
    assert_non_null(f);
    fputs(HEAD "at 1s kill\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(scn_parse_file(s, path, err, sizeof err), 2);
    char want[128];
    (void)snprintf(want, sizeof want, "%s:4:7: error: kill before the first 'start'", path);
    assert_string_equal(err, want);
    assert_int_equal(remove(path), 0);

    assert_int_equal(scn_parse_file(s, path, err, sizeof err), 2);
    (void)snprintf(want, sizeof want, "%s: error: cannot read: No such file or directory", path);
    assert_string_equal(err, want);
    assert_int_equal(scn_parse_file(s, "/", err, sizeof err), 2);
    assert_string_equal(err, "/: error: cannot read: Is a directory");
}

/* ---- the writer ------------------------------------------------------- */

static void test_step_clock_both_ways_round_trips(void **state)
{
    scn_t *s = *state;
    scn_t *back = scn_new();
    assert_non_null(back);
    static char text[1 << 12];
    parse_ok(s, HEAD_STARTED "at 1m step-clock -30s\n"
                             "at 2m step-clock +1h2m3s4ms\n"
                             "at 3m step-clock +24h\n");
    assert_int_equal(s->actions[1].kind, SCN_ACT_STEP_CLOCK);
    assert_int_equal(s->actions[1].step_ms, -30000);
    assert_int_equal(s->actions[1].arg_col, 18);
    assert_int_equal(s->actions[2].step_ms, 3723004);
    assert_int_equal(s->actions[3].step_ms, 86400000);
    write_to_buffer(s, text, sizeof text);
    assert_non_null(strstr(text, "at 1m step-clock -30s\n"));
    parse_ok(back, text);
    assert_true(scn_equal(s, back));
    /* a different step is a different scenario */
    back->actions[1].step_ms = 30000;
    assert_false(scn_equal(s, back));
    scn_free(back);
}

static void test_round_trip_of_every_example(void **state)
{
    scn_t *s = *state;
    scn_t *back = scn_new();
    assert_non_null(back);
    static char text1[1 << 16], text2[1 << 16];
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        parse_ok(s, examples[i]);
        write_to_buffer(s, text1, sizeof text1);
        parse_ok(back, text1);
        if (!scn_equal(s, back))
            fail_msg("example %zu changed in the round trip:\n%s", i, text1);
        /* Writing is canonical: the text of the text is the text. */
        write_to_buffer(back, text2, sizeof text2);
        assert_string_equal(text1, text2);
    }
    scn_free(back);
}

static void test_tree_built_in_memory_round_trips(void **state)
{
    scn_t *s = *state;
    static char text[1 << 14];
    scn_reset(s);
    (void)snprintf(s->title, sizeof s->title, "built by the swarm");
    s->mode = SCN_MODE_WEB;
    (void)snprintf(s->cname, sizeof s->cname, "w1");
    s->uid = 527841;
    s->has_uid = true;
    s->seed = 99;
    s->has_seed = true;
    s->actions[0] = (scn_action_t){.at_ms = 0, .kind = SCN_ACT_START, .heal_ms = -1};
    s->actions[1] = (scn_action_t){.at_ms = 61000, .kind = SCN_ACT_DISCONNECT, .heal_ms = 5000};
    s->actions_count = 2;
    s->expects[0] = (scn_expect_t){.kind = SCN_EXP_VIOLATION, .rule = 9};
    s->expects_count = 1;
    s->end_ms = 61000 + SCN_END_AFTER_LAST_MS;
    write_to_buffer(s, text, sizeof text);
    assert_string_equal(text, "scenario \"built by the swarm\"\n"
                              "mode web\n"
                              "channel w1\n"
                              "uid 527841\n"
                              "seed 99\n"
                              "\n"
                              "at 0s start\n"
                              "at 1m1s disconnect for 5s\n"
                              "\n"
                              "expect violation R9\n");
    scn_t *back = scn_new();
    assert_non_null(back);
    parse_ok(back, text);
    assert_true(scn_equal(s, back));
    scn_free(back);
}

/* The NCS importer builds its trees in memory and writes them through
 * scn_write: every new statement must come back equal, and a value left in a
 * field its flag says is unused must not matter. */
static void test_incident_tree_built_in_memory_round_trips(void **state)
{
    scn_t *s = *state;
    static char text[1 << 14], again[1 << 14];
    scn_reset(s);
    (void)snprintf(s->title, sizeof s->title, "incident from an NCS log");
    s->mode = SCN_MODE_INDIVIDUAL;
    (void)snprintf(s->cname, sizeof s->cname, "room1");
    s->users[0] = 1001;
    s->users_count = 1;
    s->uid = 527841;
    s->has_uid = true;
    s->actions[0] = (scn_action_t){.at_ms = 0, .kind = SCN_ACT_START, .heal_ms = -1};
    s->actions[1] = (scn_action_t){.at_ms = 120000, .kind = SCN_ACT_KILL, .heal_ms = -1};
    s->actions_count = 2;
    s->end_ms = 120000 + SCN_END_AFTER_LAST_MS;
    scn_expect_t *e = s->expects;
    e[0] = (scn_expect_t){.kind = SCN_EXP_CALLBACK, .event = 12, .has_count = true, .count = 1};
    e[1] = (scn_expect_t){.kind = SCN_EXP_CALLBACK, .event = 12, .has_at = true, .at_ms = 125500};
    e[2] = (scn_expect_t){.kind = SCN_EXP_CALLBACK, .event = 13, .at_ms = 7, .count = 3};
    e[3] = (scn_expect_t){.kind = SCN_EXP_RESUME, .within_ms = 30000, .has_activation = true};
    e[4] = (scn_expect_t){.kind = SCN_EXP_RESUME, .within_ms = 90000, .activation = 2};
    e[5] = (scn_expect_t){.kind = SCN_EXP_STARTED, .within_ms = 9000, .session = 1};
    e[6] = (scn_expect_t){.kind = SCN_EXP_FILE};
    (void)snprintf(e[6].file, sizeof e[6].file, "bak0_<sid>_<cname>__uid_s_1001__uid_e_audio.m3u8");
    e[7] = (scn_expect_t){.kind = SCN_EXP_NO_FILE};
    (void)snprintf(e[7].file, sizeof e[7].file, "bak1_<sid>_<cname>_<uid>.m3u8");
    s->expects_count = 8;
    write_to_buffer(s, text, sizeof text);
    assert_string_equal(text, "scenario \"incident from an NCS log\"\n"
                              "mode individual\n"
                              "channel room1 users 1001\n"
                              "uid 527841\n"
                              "\n"
                              "at 0s start\n"
                              "at 2m kill\n"
                              "\n"
                              "expect callback session_failover count 1\n"
                              "expect callback session_failover at 2m5s500ms\n"
                              "expect callback 13\n"
                              "expect resume within 30s activation 0\n"
                              "expect resume within 1m30s\n"
                              "expect started within 9s session 1\n"
                              "expect file bak0_<sid>_<cname>__uid_s_1001__uid_e_audio.m3u8\n"
                              "expect no file bak1_<sid>_<cname>_<uid>.m3u8\n");
    scn_t *back = scn_new();
    assert_non_null(back);
    parse_ok(back, text);
    assert_true(scn_equal(s, back));
    write_to_buffer(back, again, sizeof again);
    assert_string_equal(text, again);
    /* Flags are values: a count that is not there differs from one that is. */
    back->expects[2].has_count = true;
    assert_false(scn_equal(s, back));
    back->expects[2].has_count = false;
    back->expects[3].activation = 1;
    assert_false(scn_equal(s, back));
    scn_free(back);
}

static void test_writer_output_of_shared_example_is_canonical(void **state)
{
    scn_t *s = *state;
    static char text[1 << 14];
    parse_ok(s, shared_example);
    assert_string_equal(write_to_buffer(s, text, sizeof text),
                        "scenario \"kill: resumes on another server within 30 s\"\n"
                        "mode composite\n"
                        "channel room1 users 1001,1002\n"
                        "sid 38f8e3cfdc474cd56fc1ceba380d7e1a\n"
                        "seed 7\n"
                        "servers 4 capacity 10\n"
                        "set kill_detect 1s..3s\n"
                        "\n"
                        "at 0s start\n"
                        "at 10m kill\n"
                        "at 10m1s query expect 404\n"
                        "at 10m40s query expect 200\n"
                        "at 30m stop expect 200\n"
                        "at 31m end\n"
                        "\n"
                        "expect activations 1\n"
                        "expect file bak0_38f8e3cfdc474cd56fc1ceba380d7e1a_room1.m3u8\n"
                        "expect uid changed\n"
                        "expect exit normal\n");
}

static void test_equal_ignores_positions_and_path_but_not_values(void **state)
{
    scn_t *s = *state;
    scn_t *b = scn_new();
    assert_non_null(b);
    parse_ok(s, HEAD_STARTED "at 1s query expect 200\n");
    char err[SCN_ERR_SIZE];
    const char *other = "\n\n  scenario   \"t\"\n mode composite\nchannel c\n\n"
                        "at 0ms start\n   at +1000ms   query expect 200 # x\n";
    assert_int_equal(scn_parse(b, other, strlen(other), "other.scn", err, sizeof err), 0);
    assert_true(scn_equal(s, b));
    b->actions[1].expect_status = 404;
    assert_false(scn_equal(s, b));
    b->actions[1].expect_status = 200;
    b->end_ms++;
    assert_false(scn_equal(s, b));
    b->end_ms--;
    b->has_uid = true;
    b->uid = 7;
    assert_false(scn_equal(s, b));
    b->has_uid = false;
    assert_true(scn_equal(s, b));
    b->seed = 2;
    assert_false(scn_equal(s, b));
    scn_free(b);
}

static void test_names_of_kinds(void **state)
{
    (void)state;
    assert_string_equal(scn_act_name(SCN_ACT_UPDATE_LAYOUT), "updateLayout");
    assert_string_equal(scn_act_name(SCN_ACT_CRASH_HOST), "crash host");
    assert_string_equal(scn_act_name(SCN_ACT_COUNT), "?");
    assert_string_equal(scn_mode_name(SCN_MODE_INDIVIDUAL), "individual");
    assert_string_equal(scn_param_name(SCN_PARAM_REJOIN_LATENCY), "rejoin_latency");
    assert_string_equal(scn_exp_name(SCN_EXP_NO_FILE), "no file");
    assert_string_equal(scn_exp_name(SCN_EXP_CALLBACK), "callback");
    assert_string_equal(scn_exp_name(SCN_EXP_RESUME), "resume");
    assert_string_equal(scn_exp_name(SCN_EXP_STARTED), "started");
    assert_string_equal(scn_exit_name(SCN_EXIT_NONE), "none");
    assert_string_equal(scn_uid_name(SCN_UID_CHANGED), "changed");
    assert_true(scn_act_is_api(SCN_ACT_STOP));
    assert_false(scn_act_is_api(SCN_ACT_KILL));
    assert_true(scn_act_is_fault(SCN_ACT_PROVISION_FAIL));
    assert_false(scn_act_is_fault(SCN_ACT_JOIN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_example_parses_to_expected_tree),
        cmocka_unit_test(test_optional_statements_take_their_defaults),
        cmocka_unit_test(test_no_actions_ends_five_minutes_after_start),
        cmocka_unit_test(test_servers_without_capacity_keeps_default_capacity),
        cmocka_unit_test(test_durations_all_units_and_canonical_spelling),
        cmocka_unit_test(test_duration_errors_each_have_their_message),
        cmocka_unit_test(test_duration_parse_reads_only_len_bytes),
        cmocka_unit_test(test_relative_times_add_to_the_previous_at_line),
        cmocka_unit_test(test_equal_times_keep_file_order),
        cmocka_unit_test(test_disconnect_forms),
        cmocka_unit_test(test_action_arguments_and_clauses),
        cmocka_unit_test(test_every_expectation_form),
        cmocka_unit_test(test_incident_expectation_forms),
        cmocka_unit_test(test_placeholders_are_found_where_they_start),
        cmocka_unit_test(test_set_values_ranges_and_bools),
        cmocka_unit_test(test_users_up_to_seventeen_and_full_uint32),
        cmocka_unit_test(test_uid_gives_the_first_recording_uid),
        cmocka_unit_test(test_channel_name_of_64_bytes_is_accepted),
        cmocka_unit_test(test_title_escapes_are_decoded),
        cmocka_unit_test(test_title_of_255_bytes_is_accepted_256_refused),
        cmocka_unit_test(test_title_keeps_utf8_bytes),
        cmocka_unit_test(test_comments_anywhere_and_blank_lines),
        cmocka_unit_test(test_crlf_gives_the_same_tree_as_lf),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_every_error_has_its_message_and_position),
        cmocka_unit_test(test_nul_byte_is_refused_with_its_position),
        cmocka_unit_test(test_error_refuses_the_whole_file),
        cmocka_unit_test(test_too_many_actions_and_expectations),
        cmocka_unit_test(test_input_over_4_mib_is_refused),
        cmocka_unit_test(test_message_is_cut_to_err_cap),
        cmocka_unit_test(test_long_or_binary_tokens_are_quoted_safely),
        cmocka_unit_test(test_parse_file_reads_and_reports),
        cmocka_unit_test(test_step_clock_both_ways_round_trips),
        cmocka_unit_test(test_round_trip_of_every_example),
        cmocka_unit_test(test_tree_built_in_memory_round_trips),
        cmocka_unit_test(test_incident_tree_built_in_memory_round_trips),
        cmocka_unit_test(test_writer_output_of_shared_example_is_canonical),
        cmocka_unit_test(test_equal_ignores_positions_and_path_but_not_values),
        cmocka_unit_test(test_names_of_kinds),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
