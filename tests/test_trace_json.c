/* test_trace_json.c -- the trace's JSON Lines writer and reader.
 *
 * Round trips (format -> read -> format gives the same bytes) for an event
 * of every kind and every conditional key, and for every fixture file (they
 * are in the writer's exact format); and the reader's refusals, each with
 * its FILE:LINE:COL message.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen */
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace/trace_json.h"

#ifndef TRACES_DIR
#define TRACES_DIR "tests/traces"
#endif

/* ---- a sink that formats what it reads ---------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
    int events;
} collect_t;

static void collect(void *ctx, const sim_tr_ev_t *ev)
{
    collect_t *c = ctx;
    size_t n = sim_tr_json_format(NULL, 0, ev);

    if (c->len + n + 1 > c->cap) {
        c->cap = (c->len + n + 1) * 2;
        c->buf = realloc(c->buf, c->cap);
        assert_non_null(c->buf);
    }
    assert_int_equal(sim_tr_json_format(c->buf + c->len, c->cap - c->len, ev), n);
    c->len += n;
    c->events++;
}

static char *format(const sim_tr_ev_t *ev)
{
    size_t n = sim_tr_json_format(NULL, 0, ev);
    char *s = malloc(n + 1);

    assert_non_null(s);
    assert_int_equal(sim_tr_json_format(s, n + 1, ev), n);
    assert_int_equal(strlen(s), n);
    assert_true(n > 0 && s[n - 1] == '\n');
    return s;
}

/* format -> read -> format: the same bytes. */
static void round_trip(const sim_tr_ev_t *ev)
{
    char err[256];
    char *line = format(ev);
    collect_t c = {NULL, 0, 0, 0};

    if (sim_tr_read_mem("rt", line, strlen(line), collect, &c, err, sizeof err) != 0)
        fail_msg("%s does not read back: %s", line, err);
    assert_int_equal(c.events, 1);
    c.buf[c.len] = '\0';
    assert_string_equal(c.buf, line);
    free(c.buf);
    free(line);
}

/* ---- writer ------------------------------------------------------------- */

static void blank_event(void **state)
{
    sim_tr_ev_t ev = sim_tr_ev(5, SIM_TR_SLICE);
    (void)state;
    assert_int_equal(ev.t_ms, 5);
    assert_int_equal(ev.kind, SIM_TR_SLICE);
    assert_int_equal(ev.sess, 0);
    assert_int_equal(ev.srv, 0);
    assert_int_equal(ev.rec, 0);
    assert_int_equal(ev.activation, -1);
    assert_int_equal(ev.bak, -1);
    assert_int_equal(ev.heal_ms, -1);
    assert_int_equal(ev.until_ms, -1);
    assert_null(ev.name);
    assert_null(ev.playlist);
    assert_int_equal(ev.by, SIM_BY_NONE);
    assert_int_equal(ev.fault, SIM_FAULT_NONE);
    assert_string_equal(sim_tr_kind_name(SIM_TR_RECORDER_RESUME), "recorder_resume");
    assert_string_equal(sim_tr_kind_name(SIM_TR_RUN_END), "run_end");
    assert_string_equal(sim_fault_name(SIM_FAULT_PROVISION_FAIL), "provision_fail");
}

static void exact_bytes(void **state)
{
    sim_tr_ev_t ev = sim_tr_ev(602000, SIM_TR_SWITCH);
    char *s;
    (void)state;
    ev.sess = 1;
    ev.from_srv = 1;
    ev.srv = 2;
    ev.rec = 2;
    ev.uid = 3141592653u;
    ev.attempt = 1;
    s = format(&ev);
    assert_string_equal(s, "{\"t_ms\":602000,\"kind\":\"switch\",\"sess\":1,\"from_srv\":1,\"srv\":2,"
                           "\"rec\":2,\"uid\":3141592653,\"attempt\":1}\n");
    free(s);
    ev.from_srv = 0; /* the first recorder's retries: absent */
    s = format(&ev);
    assert_string_equal(s, "{\"t_ms\":602000,\"kind\":\"switch\",\"sess\":1,\"srv\":2,\"rec\":2,"
                           "\"uid\":3141592653,\"attempt\":1}\n");
    free(s);

    ev = sim_tr_ev(0, SIM_TR_API);
    ev.sess = 1;
    ev.call = SIM_CALL_QUERY;
    ev.http = 404;
    ev.status = 0;
    ev.msg = "failed to find worker";
    ev.by = SIM_BY_POLLER;
    s = format(&ev);
    assert_string_equal(s, "{\"t_ms\":0,\"kind\":\"api\",\"sess\":1,\"call\":\"query\",\"http\":404,"
                           "\"code\":0,\"status\":0,\"msg\":\"failed to find worker\",\"by\":\"poller\"}\n");
    free(s);
}

static void string_escapes(void **state)
{
    sim_tr_ev_t ev = sim_tr_ev(1, SIM_TR_RUN);
    char *s;
    (void)state;
    ev.scenario = "a\"b\\c\n\t\r\b\f\x01/\xc3\xa9";
    ev.title = NULL;
    s = format(&ev);
    assert_non_null(strstr(s, "\"scenario\":\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001/\xc3\xa9\""));
    assert_null(strstr(s, "title"));
    free(s);
    round_trip(&ev);
}

static void truncation(void **state)
{
    sim_tr_ev_t ev = sim_tr_ev(123, SIM_TR_SERVER_DOWN);
    char small[10];
    char big[64];
    size_t n;
    (void)state;
    ev.srv = 3;
    n = sim_tr_json_format(big, sizeof big, &ev);
    assert_string_equal(big, "{\"t_ms\":123,\"kind\":\"server_down\",\"srv\":3}\n");
    assert_int_equal(sim_tr_json_format(small, sizeof small, &ev), n);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, big, sizeof small - 1);
    assert_int_equal(sim_tr_json_format(NULL, 0, &ev), n);
}

/* One event of every kind, and every conditional key on and off. */
static void every_kind_round_trips(void **state)
{
    static const uint32_t users[] = {1, 4294967295u, 77};
    sim_tr_ev_t ev;
    (void)state;

    for (int k = 0; k < SIM_TR_KIND_COUNT; k++) {
        ev = sim_tr_ev(1000 + k, (sim_tr_kind_t)k);
        /* Fill everything any kind may carry; the writer takes what the
         * kind has. */
        ev.sess = 2;
        ev.srv = 3;
        ev.from_srv = 4;
        ev.rec = 5;
        ev.uid = 4294967295u;
        ev.scenario = "s.scn";
        ev.title = "t";
        ev.seed = 9223372036854775807ull;
        ev.servers = 4;
        ev.capacity = 10;
        ev.sessions = 1;
        ev.utc0_ms = 1767225600000;
        ev.sid = "38f8e3cfdc474cd56fc1ceba380d7e1a";
        ev.cname = "room 1";
        ev.mode = SIM_MODE_WEB;
        ev.users = users;
        ev.users_count = 3;
        ev.call = SIM_CALL_UPDATE_LAYOUT;
        ev.http = 400;
        ev.code = 49;
        ev.status = 6;
        ev.msg = "task is exiting";
        ev.by = SIM_BY_SCENARIO;
        ev.expect = 400;
        ev.fault = SIM_FAULT_DISCONNECT;
        ev.heal_ms = 70000;
        ev.count = 3;
        ev.joined = true;
        ev.cause = SIM_CAUSE_DISCONNECT;
        ev.activation = 2;
        ev.until_ms = 92000;
        ev.attempt = 3;
        ev.bak = 2;
        ev.how = SIM_STOP_FENCE;
        ev.track = SIM_TRACK_VIDEO;
        ev.fmt = SIM_FMT_WEBM;
        ev.start_utc_ms = 1767225602000;
        ev.end_utc_ms = 1767225617000;
        ev.name = "n.webm";
        ev.playlist = "p.m3u8";
        ev.event_type = 42;
        ev.seq = 7;
        ev.notice = 123456789012345ull;
        ev.exit_status = 1;
        ev.new_uid = 99;
        ev.discontinue_utc_ms = 1767225601000;
        ev.leave_code = 16;
        ev.file_count = 4;
        ev.reason = SIM_END_DEADLINE;
        ev.events = 12;
        round_trip(&ev);
    }

    /* Conditional keys, each way. */
    for (int call = 0; call < SIM_CALL_COUNT; call++) {
        ev = sim_tr_ev(1, SIM_TR_API);
        ev.call = call;
        ev.http = 200;
        ev.status = 5;
        round_trip(&ev); /* no sess, msg, by, expect: all absent */
    }
    for (int f = SIM_FAULT_KILL; f <= SIM_FAULT_PROVISION_FAIL; f++) {
        ev = sim_tr_ev(1, SIM_TR_FAULT);
        ev.fault = (sim_fault_t)f;
        ev.heal_ms = -1;
        ev.count = 2;
        round_trip(&ev);
    }
    static const int events[] = {1, 3, 11, 12, 31, 40, 41, 42};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        ev = sim_tr_ev(1, SIM_TR_CALLBACK);
        ev.sess = 1;
        ev.event_type = events[i];
        ev.exit_status = 0;
        ev.start_utc_ms = 5;
        round_trip(&ev);
    }
    ev = sim_tr_ev(1, SIM_TR_SLICE); /* an MP4: no playlist */
    ev.track = SIM_TRACK_MIX;
    ev.fmt = SIM_FMT_MP4;
    ev.name = "x_0.mp4";
    round_trip(&ev);
    ev = sim_tr_ev(1, SIM_TR_SESSION); /* no users */
    ev.sid = "s";
    ev.cname = "c";
    ev.mode = SIM_MODE_INDIVIDUAL;
    round_trip(&ev);
}

/* The fixtures are in the writer's format: reading and writing them back
 * gives the file, byte for byte. */
static void fixtures_round_trip(void **state)
{
    static const char *const files[] = {
        "kill.jsonl",       "kill_timing.jsonl",     "disconnect_reconnect.jsonl",
        "disconnect_switch.jsonl", "giveup_deadline.jsonl", "fourth_fault.jsonl",
        "replacement_fail.jsonl",  "individual.jsonl",      "web.jsonl",
        "capacity.jsonl",
    };
    (void)state;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512], err[256];
        collect_t c = {NULL, 0, 0, 0};
        FILE *f;
        char *want;
        long n;

        snprintf(path, sizeof path, "%s/%s", TRACES_DIR, files[i]);
        if (sim_tr_read_file(path, collect, &c, err, sizeof err) != 0)
            fail_msg("%s", err);
        f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        want = malloc((size_t)n);
        assert_non_null(want);
        assert_int_equal(fread(want, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        assert_int_equal(c.len, (size_t)n);
        assert_memory_equal(c.buf, want, (size_t)n);
        free(want);
        free(c.buf);
    }
}

static void write_and_sink(void **state)
{
    static uint32_t many[2000];
    sim_tr_ev_t ev = sim_tr_ev(0, SIM_TR_SESSION);
    FILE *f = tmpfile();
    collect_t c = {NULL, 0, 0, 0};
    char err[256], *text;
    long n;
    (void)state;
    assert_non_null(f);
    for (uint32_t i = 0; i < 2000; i++)
        many[i] = 1000000000u + i;
    ev.sess = 1;
    ev.sid = "s";
    ev.cname = "c";
    ev.mode = SIM_MODE_COMPOSITE;
    ev.uid = 1;
    ev.users = many;
    ev.users_count = 2000; /* longer than the writer's stack buffer */
    assert_int_equal(sim_tr_json_write(f, &ev), 0);
    ev = sim_tr_ev(1, SIM_TR_RUN_END);
    ev.events = 1;
    sim_tr_json_sink(f, &ev);
    n = ftell(f);
    rewind(f);
    text = malloc((size_t)n);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    assert_int_equal(sim_tr_read_mem("w", text, (size_t)n, collect, &c, err, sizeof err), 0);
    assert_int_equal(c.events, 2);
    assert_int_equal(c.len, (size_t)n);
    assert_memory_equal(c.buf, text, (size_t)n);
    free(text);
    free(c.buf);
}

/* ---- reader refusals ---------------------------------------------------- */

static void count(void *ctx, const sim_tr_ev_t *ev)
{
    (void)ev;
    (*(int *)ctx)++;
}

/* The text must be refused with exactly this message; good lines before the
 * bad one are still delivered. */
static void refused(const char *text, int delivered, const char *want)
{
    char err[256];
    int n = 0;

    assert_int_equal(sim_tr_read_mem("t.jsonl", text, strlen(text), count, &n, err, sizeof err), 2);
    if (strcmp(err, want) != 0)
        fail_msg("got:  %s\nwant: %s", err, want);
    assert_int_equal(n, delivered);
}

#define GOOD "{\"t_ms\":0,\"kind\":\"server_up\",\"srv\":1}\n"

static void reader_refusals(void **state)
{
    (void)state;
    refused(GOOD "{\"t_ms\":1,\"kind\":\"nope\"}\n", 1,
            "t.jsonl:2:11: error: unknown kind 'nope'");
    refused("{\"t_ms\":1,\"kind\":\"detect\",\"sess\":1,\"srv\":1,\"rec\":1,\"cause\":\"kill\","
            "\"activation\":0}\n", 0, "t.jsonl:1:1: error: detect line misses key 'until_ms'");
    refused("{\"t_ms\":1,\"kind\":\"server_up\",\"srv\":\"1\"}\n", 0,
            "t.jsonl:1:30: error: 'srv' must be an integer");
    refused("{\"t_ms\":1,\"kind\":\"server_up\",\"srv\":4294967296}\n", 0,
            "t.jsonl:1:30: error: 'srv' is 4294967296, out of range 0..4294967295");
    refused("{\"t_ms\":1,\"kind\":\"server_up\",\"srv\":1,\"rec\":2}\n", 0,
            "t.jsonl:1:38: error: unknown key 'rec' for kind 'server_up'");
    refused("{\"t_ms\":1,\"kind\":\"api\",\"call\":\"stop\",\"http\":200,\"code\":0,\"status\":6}\n",
            0, "t.jsonl:1:58: error: key 'status' does not belong on this api line");
    refused("{\"t_ms\":1,\"kind\":\"api\",\"call\":\"query\",\"http\":200,\"code\":0}\n", 0,
            "t.jsonl:1:1: error: api line misses key 'status'");
    refused("{\"t_ms\":1,\"kind\":\"playlist_open\",\"sess\":1,\"uid\":0,\"track\":\"mixed\","
            "\"bak\":-1,\"playlist\":\"p\"}\n", 0, "t.jsonl:1:51: error: unknown track 'mixed'");
    refused("{\"t_ms\":1,\"kind\":\"user\",\"sess\":1,\"uid\":2,\"joined\":1}\n", 0,
            "t.jsonl:1:42: error: 'joined' must be true or false");
    refused("{\"t_ms\":1,\"kind\":\"session\",\"sess\":1,\"sid\":\"s\",\"cname\":\"c\","
            "\"mode\":\"web\",\"uid\":1,\"users\":[1,-2]}\n", 0,
            "t.jsonl:1:80: error: 'users' is -2, out of range 0..4294967295");
    refused("{\"t_ms\":1,\"kind\":\"session\",\"sess\":1,\"sid\":\"s\",\"cname\":\"c\","
            "\"mode\":\"web\",\"uid\":1,\"users\":7}\n", 0,
            "t.jsonl:1:80: error: 'users' must be an array of integers");
    refused("{\"t_ms\":5,\"kind\":\"server_up\",\"srv\":1}\n" GOOD, 1,
            "t.jsonl:2:2: error: t_ms goes back from 5 to 0");
    refused("{\"t_ms\":-1,\"kind\":\"server_up\",\"srv\":1}\n", 0,
            "t.jsonl:1:2: error: 't_ms' is -1, out of range 0..9223372036854775807");
    refused(GOOD "\n" GOOD, 1, "t.jsonl:2:1: error: empty line");
    refused(GOOD "[1,2]\n", 1, "t.jsonl:2:1: error: a line must be a JSON object");
    refused("{\"kind\":\"server_up\",\"srv\":1}\n", 0, "t.jsonl:1:1: error: missing key 't_ms'");
    refused("{\"t_ms\":1,\"kind\":7}\n", 0, "t.jsonl:1:11: error: 'kind' must be a string");
    refused("{\"t_ms\":1,\"kind\":\"server_up\",\"srv\":1,\"srv\":2}\n", 0,
            "t.jsonl:1:42: error: duplicate object key near '\"srv\"'");
    refused("{\"t_ms\":1,\"kind\":\"server_up\",\"srv\":1\n", 0,
            "t.jsonl:1:36: error: '}' expected near end of file");
    refused("{\"t_ms\":1,\"kind\":\"run_end\",\"events\":1.5}\n", 0,
            "t.jsonl:1:28: error: 'events' must be an integer");
    refused("{\"t_ms\":1,\"kind\":\"run\",\"scenario\":\"a\\u0000b\",\"seed\":1,\"servers\":1,"
            "\"capacity\":1,\"sessions\":1,\"utc0_ms\":0}\n", 0,
            "t.jsonl:1:44: error: \\u0000 is not allowed without JSON_ALLOW_NUL near "
            "'\"a\\u0000b\"'");
}

static void reader_accepts(void **state)
{
    char err[256] = "x";
    int n = 0;
    (void)state;
    /* No newline at the end, CRLF, spaces, keys in any order. */
    const char *text = "{ \"kind\" : \"server_up\", \"t_ms\" : 0, \"srv\" : 1 }\r\n"
                       "{\"t_ms\":0,\"kind\":\"server_down\",\"srv\":1}";
    assert_int_equal(sim_tr_read_mem("t", text, strlen(text), count, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(err, "");
    n = 0;
    assert_int_equal(sim_tr_read_mem("t", "", 0, count, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
}

static void read_file_errors(void **state)
{
    char err[256], path[512];
    int n = 0;
    (void)state;
    assert_int_equal(sim_tr_read_file("/nonexistent/x.jsonl", count, &n, err, sizeof err), 2);
    assert_non_null(strstr(err, "/nonexistent/x.jsonl:1:1: error: cannot open"));
    snprintf(path, sizeof path, "%s/kill.jsonl", TRACES_DIR);
    assert_int_equal(sim_tr_read_file(path, count, &n, err, sizeof err), 0);
    assert_int_equal(n, 42);
    /* err may be short: truncated, never overrun */
    assert_int_equal(sim_tr_read_mem("t", "nope\n", 5, count, &n, err, 8), 2);
    assert_int_equal(strlen(err), 7);
}

/* A file with long lines crosses the reader's buffer boundaries. */
static void read_file_long_lines(void **state)
{
    static uint32_t many[4000];
    char path[] = "/tmp/hasim_trace_json_XXXXXX";
    sim_tr_ev_t ev;
    collect_t c = {NULL, 0, 0, 0};
    char err[256];
    FILE *f;
    int fd;
    (void)state;
    for (uint32_t i = 0; i < 4000; i++)
        many[i] = 4000000000u + i;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    for (int i = 0; i < 40; i++) {
        ev = sim_tr_ev(i, SIM_TR_SESSION);
        ev.sess = (uint32_t)i + 1;
        ev.sid = "s";
        ev.cname = "c";
        ev.mode = SIM_MODE_INDIVIDUAL;
        ev.uid = 1;
        ev.users = many;
        ev.users_count = 4000;
        assert_int_equal(sim_tr_json_write(f, &ev), 0);
    }
    fclose(f);
    assert_int_equal(sim_tr_read_file(path, collect, &c, err, sizeof err), 0);
    assert_int_equal(c.events, 40);
    remove(path);
    free(c.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blank_event),
        cmocka_unit_test(exact_bytes),
        cmocka_unit_test(string_escapes),
        cmocka_unit_test(truncation),
        cmocka_unit_test(every_kind_round_trips),
        cmocka_unit_test(fixtures_round_trip),
        cmocka_unit_test(write_and_sink),
        cmocka_unit_test(reader_refusals),
        cmocka_unit_test(reader_accepts),
        cmocka_unit_test(read_file_errors),
        cmocka_unit_test(read_file_long_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
