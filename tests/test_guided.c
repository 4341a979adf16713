/* test_guided.c -- the guided swarm's promises: chains read back, mutations
 * keep scenarios valid and reproducible, recipes reach their goals, and the
 * results of a guided swarm do not depend on the number of workers. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */

#include <setjmp.h>
#include <stdarg.h> /* cmocka needs it first */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "search/guided.h"
#include "search/mutate.h"
#include "search/swarm.h"

static char text[1 << 20];

static size_t write_text(const scn_t *s)
{
    FILE *f = fmemopen(text, sizeof(text), "w");
    assert_non_null(f);
    assert_int_equal(scn_write(f, s), 0);
    long n = ftell(f);
    fclose(f);
    return (size_t)n;
}

static void test_chain_text(void **state)
{
    (void)state;
    swarm_chain_t c, back;
    char why[256], buf[SWARM_CHAIN_TEXT_MAX];
    assert_int_equal(swarm_chain_parse("12,34@bound.heal.+1,56", &c, why, sizeof(why)), 0);
    assert_int_equal(c.n, 3);
    assert_true(c.seed[0] == 12 && c.seed[1] == 34 && c.seed[2] == 56);
    assert_int_equal(c.goal[0], -1);
    assert_int_equal(c.goal[1], (int)swarm_goal_bound(SWARM_BOUND_HEAL, 1));
    assert_int_equal(c.goal[2], -1);
    swarm_chain_format(&c, buf, sizeof(buf));
    assert_string_equal(buf, "12,34@bound.heal.+1,56");
    assert_int_equal(swarm_chain_parse(buf, &back, why, sizeof(why)), 0);
    assert_memory_equal(&c, &back, sizeof(c));
    static const char *const bad[] = {
        "", "x", "1,", "1,,2", "1@fault.4th", "1,2@no.such.goal", "1;2",
        "9223372036854775808", "1,2@",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (swarm_chain_parse(bad[i], &c, why, sizeof(why)) == 0)
            fail_msg("'%s' parsed", bad[i]);
    }
    /* SWARM_CHAIN_MAX steps, not one more */
    char longest[SWARM_CHAIN_TEXT_MAX];
    size_t n = 0;
    for (int i = 0; i < SWARM_CHAIN_MAX; i++)
        n += (size_t)snprintf(longest + n, sizeof(longest) - n, "%s%d", i ? "," : "", i);
    assert_int_equal(swarm_chain_parse(longest, &c, why, sizeof(why)), 0);
    snprintf(longest + n, sizeof(longest) - n, ",1");
    assert_int_equal(swarm_chain_parse(longest, &c, why, sizeof(why)), -1);
}

/* Random chains -- random mutations and mutations towards every goal --
 * give scenarios that parse back to themselves, the same each time. */
static void test_mutations_stay_valid(void **state)
{
    (void)state;
    scn_t *s = scn_new(), *p = scn_new(), *again = scn_new();
    swarm_gen_opts_t o = swarm_gen_defaults();
    sim_rng_t r;
    sim_rng_seed(&r, 2024);
    char err[SCN_ERR_SIZE];
    unsigned goals = swarm_goals_count();
    for (unsigned k = 0; k < 1500; k++) {
        swarm_chain_t c = {.n = 1 + (uint32_t)sim_rng_below(&r, 8)};
        for (uint32_t i = 0; i < c.n; i++) {
            c.seed[i] = sim_rng_next(&r) >> 1;
            c.goal[i] = i == 0 ? -1 : i % 2 ? (int16_t)((k * 7 + i) % goals) : -1;
        }
        swarm_chain_gen(s, &c, &o);
        size_t n = write_text(s);
        if (scn_parse(p, text, n, "m.scn", err, sizeof(err)) != 0)
            fail_msg("chain %u: %s\n%.*s", k, err, (int)n, text);
        assert_true(scn_equal(s, p));
        assert_true(s->actions_count <= SWARM_MUTATE_ACTIONS_MAX + 16);
        swarm_chain_gen(again, &c, &o);
        assert_true(scn_equal(s, again));
    }
    scn_free(s);
    scn_free(p);
    scn_free(again);
}

/* A mutation towards a goal reaches it often; a few of each kind. */
static void test_recipes_reach_their_goals(void **state)
{
    (void)state;
    static const struct {
        const char *goal;
        int at_least; /* of 24 */
    } cases[] = {
        {"fault.4th", 6},
        {"replacement.killed", 6},
        {"replacement.disconnected", 6},
        {"stop.disconnect_minute", 8},
        {"stop.switching", 6},
        {"bound.heal.-1", 12},
        {"bound.capacity_retry.+1", 8},
        {"fsm.stopping.stop", 6},
        {"fsm.ended_normal.ready", 2},
    };
    swarm_exec_t *x = swarm_exec_new();
    scn_t *s = scn_new();
    swarm_gen_opts_t o = swarm_gen_defaults();
    char err[SCN_ERR_SIZE];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int g = swarm_goal_find(cases[i].goal), hits = 0;
        assert_true(g >= 0);
        for (uint64_t k = 0; k < 24; k++) {
            swarm_chain_t c = {.n = 2, .seed = {swarm_run_seed(7, k), swarm_run_seed(8, k)},
                               .goal = {-1, (int16_t)g}};
            swarm_chain_gen(s, &c, &o);
            assert_int_equal(swarm_exec_run(x, s, s->seed, NULL, NULL, err, sizeof(err)), 0);
            hits += swarm_goalset_has(swarm_exec_goals(x), (unsigned)g);
            int rule;
            const char *msg;
            if (swarm_exec_failed(x, &rule, &msg))
                fail_msg("%s, run %llu: %s", cases[i].goal, (unsigned long long)k, msg);
        }
        if (hits < cases[i].at_least)
            fail_msg("%s reached in %d of 24 runs", cases[i].goal, hits);
    }
    scn_free(s);
    swarm_exec_free(x);
}

static void guided(unsigned jobs, unsigned batch, guided_result_t *r)
{
    guided_opts_t o = {.seed = 5, .runs = 700, .batch = batch, .jobs = jobs, .fingerprint = true,
                       .gen = swarm_gen_defaults()};
    char err[256];
    assert_int_equal(guided_run(&o, r, err, sizeof(err)), 0);
    assert_int_equal(r->stats.runs, 700);
    assert_int_equal(r->generations, (700 + batch - 1) / batch);
}

/* The same seed gives the same guided swarm with any number of workers:
 * every count, every goal's first run, every trace (the fingerprint). */
static void test_guided_independent_of_jobs(void **state)
{
    (void)state;
    guided_result_t a, b, c;
    guided(0, 100, &a);
    guided(1, 100, &b);
    guided(2, 100, &c);
    assert_true(a.corpus > 0);
    assert_memory_equal(&a.stats, &b.stats, sizeof(a.stats));
    assert_memory_equal(&a.stats, &c.stats, sizeof(a.stats));
    assert_int_equal(a.corpus, c.corpus);
    assert_int_equal(a.failing_count, c.failing_count);
    guided_result_free(&a);
    guided_result_free(&b);
    guided_result_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_text),
        cmocka_unit_test(test_mutations_stay_valid),
        cmocka_unit_test(test_recipes_reach_their_goals),
        cmocka_unit_test(test_guided_independent_of_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
