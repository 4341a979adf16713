/* test_world.c -- the world's look-ahead (cache hints for large worlds)
 * changes nothing but timing: every swarm scenario gives the same trace,
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

static void run(sim_world_t *w, const scn_t *s, uint64_t seed, bool ahead, sink_t *k)
{
    char err[512];
    orc_reset(k->oracle);
    k->hash = UINT64_C(0xcbf29ce484222325);
    k->lines = 0;
    k->prefetches = 0;
    sim_world_opts_t o = {.seed = seed, .utc0_ms = SIM_UTC0_MS_DEFAULT, .sink = sink,
                          .sink_ctx = k, .prefetch = prefetch,
                          .prefetch_from_sessions = ahead ? 1 : UINT32_MAX};
    assert_int_equal(sim_world_run(w, s, &o, err, sizeof(err)), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_look_ahead_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
