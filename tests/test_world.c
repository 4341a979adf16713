/* test_world.c -- the world's look-ahead (cache hints for large worlds)
 * changes nothing but timing, and its event queue's bound is a limit it
 * reports, not a crash (test_queue_full_is_a_limit_never_a_crash). The
 * look-ahead: every swarm scenario gives the same trace,
 * byte for byte, and the same verdict with it forced on for every event as
 * with it off. The hints read the driver's, the core's and the oracle's
 * records through const pointers; this holds the rest to it, including
 * slices of recorders that were killed or released in between. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h> /* cmocka needs it first */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "judge/oracle.h"
#include "search/swarm.h"
#include "search/swarm_gen.h"
#include "trace/trace_json.h"
#include "world/world.h"

#define RUNS 150

typedef struct {
    orc_t *oracle;
    uint64_t hash, lines;
    unsigned prefetches;
    char line[1 << 16];
} sink_t;

static void sink(void *ctx, const sim_tr_ev_t *ev)
{
    sink_t *k = ctx;
    size_t n = sim_tr_json_format(k->line, sizeof(k->line), ev);
    assert_true(n < sizeof(k->line));
    /* FNV-1a of every line */
    for (size_t i = 0; i < n; i++)
        k->hash = (k->hash ^ (unsigned char)k->line[i]) * UINT64_C(0x100000001b3);
    k->lines++;
    orc_event(k->oracle, ev);
}

static void prefetch(void *ctx, uint32_t sess, uint32_t rec, int stage)
{
    sink_t *k = ctx;
    k->prefetches++;
    orc_prefetch(k->oracle, sess, rec, stage);
}

/* One run with room for cap pending events (0: what the scenario can
 * need), looking ahead from ahead_from sessions on (0: the world's
 * default): its return code, and its trace's hash and lines in k. */
static int run_capped(sim_world_t *w, const scn_t *s, uint64_t seed, uint32_t cap,
                      uint32_t ahead_from, sink_t *k, char *err, size_t err_cap)
{
    orc_reset(k->oracle);
    k->hash = UINT64_C(0xcbf29ce484222325);
    k->lines = 0;
    k->prefetches = 0;
    sim_world_opts_t o = {.seed = seed, .utc0_ms = SIM_UTC0_MS_DEFAULT, .sink = sink,
                          .sink_ctx = k, .prefetch = prefetch,
                          .prefetch_from_sessions = ahead_from, .queue_capacity = cap};
    err[0] = '\0';
    return sim_world_run(w, s, &o, err, err_cap);
}

static void run(sim_world_t *w, const scn_t *s, uint64_t seed, bool ahead, sink_t *k)
{
    char err[512];
    assert_int_equal(run_capped(w, s, seed, 0, ahead ? 1 : UINT32_MAX, k, err, sizeof(err)), 0);
    orc_finish(k->oracle, sim_world_stats(w).end_t_ms);
}

static void test_look_ahead_changes_nothing(void **state)
{
    (void)state;
    scn_t *s = scn_new();
    sim_world_t *w = sim_world_new();
    static sink_t off, on;
    off.oracle = orc_new();
    on.oracle = orc_new();
    assert_non_null(s);
    assert_non_null(w);
    assert_non_null(off.oracle);
    assert_non_null(on.oracle);
    swarm_gen_opts_t g = swarm_gen_defaults();
    unsigned hinted = 0;
    for (uint64_t k = 0; k < RUNS; k++) {
        uint64_t seed = swarm_run_seed(29, k);
        swarm_gen(s, seed, &g);
        run(w, s, seed, false, &off);
        run(w, s, seed, true, &on);
        assert_int_equal(off.prefetches, 0);
        assert_int_equal(on.lines, off.lines);
        assert_true(on.hash == off.hash);
        assert_int_equal(orc_violation_count(on.oracle), orc_violation_count(off.oracle));
        hinted += on.prefetches > 0;
    }
    /* The hints did happen: nearly every run records slices. */
    assert_true(hinted > RUNS / 2);
    orc_free(off.oracle);
    orc_free(on.oracle);
    sim_world_free(w);
    scn_free(s);
}

/* The event queue's bound is a limit the run reports, never a crash: with
 * every room from 1 event up, a run either never reaches it (and its trace
 * is the unbounded run's, byte for byte) or stops with "event queue full"
 * (exit 2's message). The limit is on everything pending: a held event
 * (taken from the queue for the heartbeat tick before it) and the tick
 * count as queued, and the limit is reached with an event held too (the
 * stats say so). The world is reused after each stop, as a swarm does, and
 * runs clean. */
static void test_queue_full_is_a_limit_never_a_crash(void **state)
{
    (void)state;
    static const uint32_t caps[] = {1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64, 96, 128};
    scn_t *s = scn_new();
    sim_world_t *w = sim_world_new();
    static sink_t k;
    k.oracle = orc_new();
    assert_non_null(s);
    assert_non_null(w);
    assert_non_null(k.oracle);
    swarm_gen_opts_t g = swarm_gen_defaults();
    char err[512];
    unsigned full = 0, full_held = 0, clean = 0;
    for (uint64_t r = 0; r < 40; r++) {
        uint64_t seed = swarm_run_seed(31, r);
        swarm_gen(s, seed, &g);
        assert_int_equal(run_capped(w, s, seed, 0, 0, &k, err, sizeof(err)), 0);
        const uint64_t hash = k.hash, lines = k.lines;
        assert_false(sim_world_stats(w).queue_full);
        for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
            int rc = run_capped(w, s, seed, caps[i], 0, &k, err, sizeof(err));
            sim_world_stats_t st = sim_world_stats(w);
            if (rc == 0) {
                assert_false(st.queue_full);
                assert_int_equal(k.lines, lines);
                assert_true(k.hash == hash);
                clean++;
                continue;
            }
            assert_int_equal(rc, 2);
            assert_true(st.queue_full);
            assert_non_null(strstr(err, "world limit: event queue full"));
            full++;
            full_held += st.queue_full_held;
        }
        /* Reused after the stops: the same run as before them. */
        assert_int_equal(run_capped(w, s, seed, 0, 0, &k, err, sizeof(err)), 0);
        assert_int_equal(k.lines, lines);
        assert_true(k.hash == hash);
    }
    /* Every outcome was met: runs cut short, some of them with an event
     * held, and runs that fit. */
    assert_true(full > 0);
    assert_true(full_held > 0);
    assert_true(clean > 0);
    orc_free(k.oracle);
    sim_world_free(w);
    scn_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_look_ahead_changes_nothing),
        cmocka_unit_test(test_queue_full_is_a_limit_never_a_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
