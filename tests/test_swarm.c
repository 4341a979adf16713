/* test_swarm.c -- the swarm's promises: generated scenarios are valid and
 * reproducible, results do not depend on jobs or shards, a crashing run is
 * reported instead of taking the swarm down, the shrinker keeps the failure
 * and never grows a scenario, explore covers what its grid implies. */
#define _POSIX_C_SOURCE 200809L /* fmemopen, mkdtemp */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h> /* cmocka needs it first */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cmds.h"
#include "search/explore.h"
#include "search/shrink.h"
#include "search/swarm.h"
#include "search/swarm_gen.h"

#define TEXT_CAP (1u << 20)

static char text_a[TEXT_CAP], text_b[TEXT_CAP];

static size_t write_text(const scn_t *s, char *buf)
{
    FILE *f = fmemopen(buf, TEXT_CAP, "w");
    assert_non_null(f);
    assert_int_equal(scn_write(f, s), 0);
    long n = ftell(f);
    fclose(f);
    assert_true(n > 0 && (size_t)n < TEXT_CAP);
    return (size_t)n;
}

/* ---- the generator ------------------------------------------------------- */

static void test_run_seed_pinned(void **state)
{
    (void)state;
    /* The format of every reported seed: pinned, so that a seed printed by
     * an old swarm still names the same run. Run k is the k-th output of
     * splitmix64 started at the swarm seed, shifted right one bit; the
     * outputs from 0 are the reference code's (see test_rng.c). */
    assert_int_equal(swarm_run_seed(0, 0), UINT64_C(0xe220a8397b1dcdaf) >> 1);
    assert_int_equal(swarm_run_seed(0, 1), UINT64_C(0x6e789e6aa1b965f4) >> 1);
    for (uint64_t k = 0; k < 1000; k++) {
        assert_true(swarm_run_seed(1, k) <= SWARM_SEED_MAX);
        assert_true(swarm_run_seed(1, k) != swarm_run_seed(1, k + 1));
    }
}

static void test_gen_round_trip(void **state)
{
    (void)state;
    scn_t *s = scn_new(), *p = scn_new(), *again = scn_new();
    assert_non_null(s);
    assert_non_null(p);
    assert_non_null(again);
    const swarm_gen_opts_t opts[] = {
        swarm_gen_defaults(),
        {.faults_min = 1, .duration_ms = SWARM_DURATION_MS_MIN},
        {.faults_min = 12, .duration_ms = 2 * 3600 * 1000},
        {.faults_min = 40, .duration_ms = 24 * 3600 * 1000},
    };
    char err[SCN_ERR_SIZE];
    for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
        for (uint64_t k = 0; k < 400; k++) {
            uint64_t seed = swarm_run_seed(7 + o, k);
            swarm_gen(s, seed, &opts[o]);
            size_t n = write_text(s, text_a);
            if (scn_parse(p, text_a, n, "gen.scn", err, sizeof(err)) != 0)
                fail_msg("seed %llu: %s\n%.*s", (unsigned long long)seed, err, (int)n, text_a);
            assert_true(scn_equal(s, p));
            assert_true(s->seed == seed && s->has_seed);
            /* A run that aims at a bound alone keeps only the aim's faults. */
            if (strstr(s->title, " alone") == NULL)
                assert_true(shrink_actions(s) >= 1 + opts[o].faults_min);
            /* the same seed, the same scenario */
            swarm_gen(again, seed, &opts[o]);
            assert_true(scn_equal(s, again));
        }
    }
    scn_free(s);
    scn_free(p);
    scn_free(again);
}

static void test_gen_faults_at_least(void **state)
{
    (void)state;
    scn_t *s = scn_new();
    swarm_gen_opts_t o = swarm_gen_defaults();
    o.no_bounds = true; /* an aim alone has only its own faults (test_goals.c) */
    for (uint64_t k = 0; k < 500; k++) {
        swarm_gen(s, swarm_run_seed(3, k), &o);
        uint32_t faults = 0;
        for (size_t i = 0; i < s->actions_count; i++)
            faults += scn_act_is_fault(s->actions[i].kind);
        assert_true(faults >= SWARM_FAULTS_DEFAULT);
        assert_true(faults <= SWARM_FAULTS_DEFAULT + SWARM_FAULTS_EXTRA);
        assert_true(s->end_ms >= SWARM_DURATION_MS_DEFAULT);
    }
    scn_free(s);
}

static void test_same_seed_same_verdict_and_trace(void **state)
{
    (void)state;
    scn_t *s = scn_new();
    swarm_exec_t *x = swarm_exec_new();
    swarm_gen_opts_t o = swarm_gen_defaults();
    char err[512];
    for (uint64_t k = 0; k < 20; k++) {
        uint64_t seed = swarm_run_seed(11, k);
        swarm_gen(s, seed, &o);
        FILE *a = fmemopen(text_a, TEXT_CAP, "w"), *b = fmemopen(text_b, TEXT_CAP, "w");
        assert_int_equal(swarm_exec_run(x, s, seed, a, "t", err, sizeof(err)), 0);
        uint64_t va = orc_violation_count(swarm_exec_oracle(x));
        swarm_gen(s, seed, &o);
        assert_int_equal(swarm_exec_run(x, s, seed, b, "t", err, sizeof(err)), 0);
        uint64_t vb = orc_violation_count(swarm_exec_oracle(x));
        long na = ftell(a), nb = ftell(b);
        fclose(a);
        fclose(b);
        assert_int_equal(va, vb);
        if (na < (long)TEXT_CAP - 1) { /* the whole trace fit: byte for byte */
            assert_int_equal(na, nb);
            assert_memory_equal(text_a, text_b, (size_t)na);
        }
    }
    swarm_exec_free(x);
    scn_free(s);
}

/* ---- the pool: jobs, shards, crashes ------------------------------------- */

typedef struct {
    uint64_t seed, shard_i, shard_n;
    swarm_gen_opts_t gen;
    pid_t parent;
    uint64_t crash_item; /* UINT64_MAX: none */
} src_t;

static void src_build(void *ctx, uint64_t item, scn_t *scn, uint64_t *seed, uint64_t *run)
{
    const src_t *c = ctx;
    if (item == c->crash_item && getpid() != c->parent) {
        /* A bug in the core, as the worker sees it; cmocka's own handler,
         * inherited through fork, would carry on running tests. */
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
    *run = c->shard_i + item * c->shard_n;
    *seed = swarm_run_seed(c->seed, *run);
    swarm_gen(scn, *seed, &c->gen);
}

static void pool_run(src_t *c, uint64_t runs, unsigned jobs, swarm_result_t *res)
{
    uint64_t items = runs > c->shard_i ? (runs - c->shard_i + c->shard_n - 1) / c->shard_n : 0;
    swarm_pool_t p = {.items = items, .jobs = jobs, .failing_cap = SWARM_FAILING_KEEP,
                      .build = src_build, .ctx = c};
    char err[256];
    assert_int_equal(swarm_pool_run(&p, res, err, sizeof(err)), 0);
}

static size_t report_text(const swarm_result_t *r, uint64_t seed, char *buf)
{
    /* elapsed, jobs and shard fixed: they are allowed to differ */
    swarm_report_t rep = {.seed = seed, .jobs = 1, .shard_i = 0, .shard_n = 1,
                          .elapsed_ms = 0, .stats = &r->stats, .failing = r->failing,
                          .failing_count = r->failing_count, .replay_args = ""};
    FILE *f = fmemopen(buf, TEXT_CAP, "w");
    swarm_json_write(f, &rep);
    long n = ftell(f);
    fclose(f);
    assert_true(n > 0 && n < (long)TEXT_CAP - 1);
    return (size_t)n;
}

static void test_jobs_do_not_matter(void **state)
{
    (void)state;
    src_t c = {.seed = 5, .shard_i = 0, .shard_n = 1, .gen = swarm_gen_defaults(),
               .parent = getpid(), .crash_item = UINT64_MAX};
    swarm_result_t r0, r1, r2;
    pool_run(&c, 150, 0, &r0);
    pool_run(&c, 150, 1, &r1);
    pool_run(&c, 150, 2, &r2);
    assert_int_equal(r0.stats.runs, 150);
    size_t n0 = report_text(&r0, 5, text_a);
    size_t n1 = report_text(&r1, 5, text_b);
    assert_int_equal(n0, n1);
    assert_memory_equal(text_a, text_b, n0);
    size_t n2 = report_text(&r2, 5, text_b);
    assert_int_equal(n0, n2);
    assert_memory_equal(text_a, text_b, n0);
    assert_int_equal(r0.stats.events, r2.stats.events);
    swarm_result_free(&r0);
    swarm_result_free(&r1);
    swarm_result_free(&r2);
}

static void test_shards_make_the_whole(void **state)
{
    (void)state;
    src_t c = {.seed = 9, .shard_i = 0, .shard_n = 1, .gen = swarm_gen_defaults(),
               .parent = getpid(), .crash_item = UINT64_MAX};
    swarm_result_t whole, part;
    pool_run(&c, 101, 2, &whole);
    swarm_stats_t sum;
    memset(&sum, 0, sizeof(sum));
    uint64_t failing_runs = 0;
    for (uint64_t i = 0; i < 3; i++) {
        c.shard_i = i;
        c.shard_n = 3;
        pool_run(&c, 101, 1, &part);
        swarm_stats_merge(&sum, &part.stats);
        for (size_t f = 0; f < part.failing_count; f++) {
            assert_int_equal(part.failing[f].run % 3, i);
            failing_runs++;
        }
        swarm_result_free(&part);
    }
    assert_int_equal(sum.runs, 101);
    assert_memory_equal(&sum, &whole.stats, sizeof(sum));
    assert_int_equal(failing_runs, whole.failing_count);
    swarm_result_free(&whole);
}

static void test_crash_is_reported(void **state)
{
    (void)state;
    src_t c = {.seed = 5, .shard_i = 0, .shard_n = 1, .gen = swarm_gen_defaults(),
               .parent = getpid(), .crash_item = 37};
    swarm_result_t r, clean;
    pool_run(&c, 80, 2, &r);
    c.crash_item = UINT64_MAX;
    pool_run(&c, 80, 0, &clean);
    assert_int_equal(r.stats.runs, 80);
    assert_int_equal(r.stats.failures, clean.stats.failures + 1);
    assert_true(r.crashes >= 2); /* the chunk's worker, then the item's own */
    bool found = false;
    for (size_t i = 0; i < r.failing_count; i++) {
        if (r.failing[i].item == 37) {
            assert_int_equal(r.failing[i].rule, SWARM_RULE_CRASH);
            assert_int_equal(r.failing[i].seed, swarm_run_seed(5, 37));
            assert_non_null(strstr(r.failing[i].msg, "signal"));
            found = true;
        }
    }
    assert_true(found);
    swarm_result_free(&r);
    swarm_result_free(&clean);
}

/* Item 3 never ends in a worker. */
static void hangs(void *ctx, uint64_t item, scn_t *scn, uint64_t *seed, uint64_t *run)
{
    const src_t *c = ctx;
    if (item == 3 && getpid() != c->parent) {
        for (;;)
            pause();
    }
    src_build(ctx, item, scn, seed, run);
}

static void test_hang_is_reported(void **state)
{
    (void)state;
    src_t c = {.seed = 5, .shard_i = 0, .shard_n = 1, .gen = swarm_gen_defaults(),
               .parent = getpid(), .crash_item = UINT64_MAX};
    swarm_pool_t p = {.items = 6, .jobs = 2, .failing_cap = 10, .run_seconds_max = 1,
                      .build = hangs, .ctx = &c};
    swarm_result_t r;
    char err[256];
    assert_int_equal(swarm_pool_run(&p, &r, err, sizeof(err)), 0);
    assert_int_equal(r.stats.runs, 6);
    bool found = false;
    for (size_t i = 0; i < r.failing_count; i++) {
        if (r.failing[i].item == 3) {
            assert_int_equal(r.failing[i].rule, SWARM_RULE_CRASH);
            assert_non_null(strstr(r.failing[i].msg, "did not end in time"));
            found = true;
        }
    }
    assert_true(found);
    swarm_result_free(&r);
}

/* Every run fails: a query expecting an answer no service gives. */
static void always_fails(void *ctx, uint64_t item, scn_t *scn, uint64_t *seed, uint64_t *run)
{
    (void)ctx;
    scn_reset(scn);
    snprintf(scn->title, sizeof(scn->title), "fails");
    snprintf(scn->cname, sizeof(scn->cname), "c");
    scn->actions[scn->actions_count++] =
        (scn_action_t){.at_ms = (int64_t)item, .kind = SCN_ACT_QUERY, .heal_ms = -1,
                       .expect_status = 599};
    scn->end_ms = 1000 + (int64_t)item;
    *seed = item;
    *run = 1000 + item;
}

static void test_failing_kept_are_the_first(void **state)
{
    (void)state;
    for (unsigned jobs = 0; jobs <= 2; jobs++) {
        swarm_pool_t p = {.items = 300, .jobs = jobs, .failing_cap = 7, .build = always_fails};
        swarm_result_t r;
        char err[256];
        assert_int_equal(swarm_pool_run(&p, &r, err, sizeof(err)), 0);
        assert_int_equal(r.stats.failures, 300);
        assert_int_equal(r.failing_count, 7);
        for (size_t i = 0; i < r.failing_count; i++) {
            assert_int_equal(r.failing[i].item, i);
            assert_int_equal(r.failing[i].run, 1000 + i);
            assert_int_equal(r.failing[i].rule, ORC_RULE_EXPECT);
        }
        swarm_result_free(&r);
    }
}

/* ---- the commands: JSON of jobs and shards, merge ------------------------ */

static char tmpdir[64];

/* Calls a subcommand with the arguments given (argv[0] first). */
static int call_argv(int (*fn)(int, char **), const char *const *args)
{
    char *argv[32];
    int argc = 0;
    for (; argc < 31 && args[argc] != NULL; argc++)
        argv[argc] = (char *)(uintptr_t)args[argc];
    argv[argc] = NULL;
    fflush(stdout);
    return fn(argc, argv);
}
#define call(fn, ...) call_argv(fn, (const char *const[]){__VA_ARGS__, NULL})

/* The file without its elapsed_ms, jobs and shard values. */
static size_t load_stripped(const char *path, char *buf)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, TEXT_CAP - 1, f);
    fclose(f);
    buf[n] = '\0';
    static const char *const keys[] = {"\"jobs\":", "\"shard\":", "\"elapsed_ms\":"};
    for (size_t k = 0; k < 3; k++) {
        char *p = strstr(buf, keys[k]);
        assert_non_null(p);
        char *v = p + strlen(keys[k]);
        char *end = strchr(v, ',');
        assert_non_null(end);
        memmove(v, end, strlen(end) + 1);
    }
    return strlen(buf);
}

static void test_cli_shards_merge_equal_whole(void **state)
{
    (void)state;
    char whole[128], s0[128], s1[128], merged[128], j1[128];
    snprintf(whole, sizeof(whole), "%s/whole.json", tmpdir);
    snprintf(j1, sizeof(j1), "%s/j1.json", tmpdir);
    snprintf(s0, sizeof(s0), "%s/s0.json", tmpdir);
    snprintf(s1, sizeof(s1), "%s/s1.json", tmpdir);
    snprintf(merged, sizeof(merged), "%s/merged.json", tmpdir);
    int rc = call(cmd_swarm, "swarm", "--runs", "120", "--seed", "3", "--jobs", "2", "-q",
                  "--faults", "4", "--json", whole);
    assert_true(rc == 0 || rc == 1);
    assert_int_equal(call(cmd_swarm, "swarm", "--runs", "120", "--seed", "3", "--jobs", "1", "-q",
                          "--faults", "4", "--json", j1), rc);
    call(cmd_swarm, "swarm", "--runs", "120", "--seed", "3", "--shard", "1/2", "--jobs", "1",
         "-q", "--faults", "4", "--json", s1);
    call(cmd_swarm, "swarm", "--runs", "120", "--seed", "3", "--shard", "0/2", "--jobs", "2",
         "-q", "--faults", "4", "--json", s0);
    assert_int_equal(call(cmd_merge, "merge", "-o", merged, s1, s0), rc);

    size_t a = load_stripped(whole, text_a);
    size_t b = load_stripped(j1, text_b);
    assert_int_equal(a, b);
    assert_memory_equal(text_a, text_b, a);
    b = load_stripped(merged, text_b);
    assert_int_equal(a, b);
    assert_memory_equal(text_a, text_b, a);

    /* a shard missing, or given twice, is refused */
    assert_int_equal(call(cmd_merge, "merge", "-o", merged, s1), 2);
    assert_int_equal(call(cmd_merge, "merge", "-o", merged, s1, s1, s0), 2);
}

static void test_cli_usage_errors(void **state)
{
    (void)state;
    assert_int_equal(call(cmd_swarm, "swarm"), 2);
    assert_int_equal(call(cmd_swarm, "swarm", "--runs", "x"), 2);
    assert_int_equal(call(cmd_swarm, "swarm", "--runs", "1", "--shard", "2/2"), 2);
    assert_int_equal(call(cmd_swarm, "swarm", "--runs", "1", "--seed", "9223372036854775808"), 2);
    assert_int_equal(call(cmd_replay, "replay"), 2);
    assert_int_equal(call(cmd_shrink, "shrink"), 2);
    assert_int_equal(call(cmd_explore, "explore", "--kinds", "kill,nope"), 2);
    assert_int_equal(call(cmd_explore, "explore", "-k", "9"), 2);
}

/* ---- the shrinker --------------------------------------------------------- */

/* A scenario that fails on any build: a query whose expected answer no
 * service gives, hidden among 50 other actions. */
static void failing_scenario(scn_t *s)
{
    scn_reset(s);
    snprintf(s->title, sizeof(s->title), "needle");
    snprintf(s->cname, sizeof(s->cname), "room1");
    s->users[s->users_count++] = 7;
    s->has_seed = true;
    s->seed = 4;
    s->has_servers = true;
    s->servers = 5;
    s->capacity = 3;
    s->params[s->params_count++] = (scn_param_t){.id = SCN_PARAM_KILL_DETECT, .lo = 500, .hi = 2500};
    static const scn_act_kind_t noise[] = {SCN_ACT_QUERY, SCN_ACT_UPDATE, SCN_ACT_UPDATE_LAYOUT,
                                           SCN_ACT_JOIN, SCN_ACT_KILL, SCN_ACT_LEAVE};
    s->actions[s->actions_count++] = (scn_action_t){.at_ms = 1234, .kind = SCN_ACT_START,
                                                    .heal_ms = -1};
    for (int i = 0; i < 50; i++) {
        scn_action_t a = {.at_ms = 60000 + 37011 * i, .kind = noise[i % 6], .heal_ms = -1};
        if (a.kind == SCN_ACT_JOIN || a.kind == SCN_ACT_LEAVE)
            a.uid = 100 + (uint32_t)i % 4;
        if (i == 31) {
            a.kind = SCN_ACT_QUERY;
            a.expect_status = 599;
        }
        s->actions[s->actions_count++] = a;
    }
    s->end_ms = 3 * 3600 * 1000;
}

static void test_shrink_keeps_failure_and_shrinks(void **state)
{
    (void)state;
    scn_t *s = scn_new(), *p = scn_new(), *again = scn_new();
    shrink_t *k = shrink_new();
    assert_non_null(k);
    failing_scenario(s);
    size_t before = shrink_actions(s);
    char msg[256], err[SCN_ERR_SIZE];
    int sig = shrink_signature(k, s, false, msg, sizeof(msg));
    assert_int_equal(sig, ORC_RULE_EXPECT);

    shrink_opts_t o = {.fork_each = false, .runs_max = 0};
    shrink_result_t r;
    assert_int_equal(shrink_run(k, s, &o, &r, err, sizeof(err)), 0);
    assert_int_equal(r.signature, ORC_RULE_EXPECT);
    assert_int_equal(r.actions_before, before);
    /* The query was answered after the session ended: a start, a fault
     * that ends it and the query; never a query alone, which fails before
     * any start -- another failure. */
    assert_true(shrink_actions(s) <= 6);
    assert_string_equal(r.sig.what, "query got 404 after it ended, expected 599");
    assert_int_equal(r.sig.sess, 1);
    assert_true(r.actions_after == shrink_actions(s));
    /* parses back, and still fails the same way */
    size_t n = write_text(s, text_a);
    assert_int_equal(scn_parse(p, text_a, n, "shrunk.scn", err, sizeof(err)), 0);
    assert_true(scn_equal(s, p));
    assert_int_equal(shrink_signature(k, p, false, msg, sizeof(msg)), ORC_RULE_EXPECT);
    /* no bigger than the input, by any measure */
    assert_true(s->params_count <= 1 && s->users_count <= 1 && s->servers <= 5);
    /* deterministic */
    failing_scenario(again);
    assert_int_equal(shrink_run(k, again, &o, &r, err, sizeof(err)), 0);
    assert_true(scn_equal(s, again));
    /* the same again in child processes */
    failing_scenario(again);
    o.fork_each = true;
    assert_int_equal(shrink_run(k, again, &o, &r, err, sizeof(err)), 0);
    assert_true(scn_equal(s, again));

    scn_free(s);
    scn_free(p);
    scn_free(again);
    shrink_free(k);
}

static void test_shrink_passing_is_not_shrunk(void **state)
{
    (void)state;
    scn_t *s = scn_new();
    shrink_t *k = shrink_new();
    failing_scenario(s);
    for (size_t i = 0; i < s->actions_count; i++)
        s->actions[i].expect_status = 0;
    /* kills of this world may well fail on a broken core: keep queries only */
    for (size_t i = 0; i < s->actions_count; i++) {
        if (scn_act_is_fault(s->actions[i].kind))
            s->actions[i].kind = SCN_ACT_QUERY;
    }
    char msg[256], err[SCN_ERR_SIZE];
    if (shrink_signature(k, s, false, msg, sizeof(msg)) == SHRINK_PASS) {
        shrink_opts_t o = {0};
        shrink_result_t r;
        assert_int_equal(shrink_run(k, s, &o, &r, err, sizeof(err)), 1);
        assert_int_equal(r.actions_after, r.actions_before);
    }
    scn_free(s);
    shrink_free(k);
}

/* ---- explore -------------------------------------------------------------- */

static uint64_t explore_count_in(unsigned kk, uint32_t kinds, int64_t grid, int64_t dur,
                                 bool bounds, unsigned world, explore_result_t *r)
{
    explore_opts_t o = {.k = kk, .grid_ms = grid, .duration_ms = dur, .kinds = kinds, .jobs = 1,
                        .bounds = bounds, .world = world};
    explore_t *e = explore_new(&o);
    char err[256];
    assert_int_equal(explore_run(e, r, err, sizeof(err)), 0);
    /* every timeline's scenario is valid */
    scn_t *s = scn_new(), *p = scn_new();
    for (unsigned l = 0; l <= kk; l++) {
        for (uint64_t i = 0; i < r->per_level[l]; i++) {
            explore_scenario(e, l, i, s);
            size_t n = write_text(s, text_a);
            assert_int_equal(scn_parse(p, text_a, n, "x.scn", err, sizeof(err)), 0);
            assert_int_equal(shrink_actions(s), 2 + l);
        }
    }
    scn_free(s);
    scn_free(p);
    explore_free(e);
    assert_int_equal(r->failures, 0);
    return r->timelines;
}

static uint64_t explore_count(unsigned kk, uint32_t kinds, int64_t grid, int64_t dur,
                              explore_result_t *r)
{
    return explore_count_in(kk, kinds, grid, dur, false, 0, r);
}

static void test_explore_counts(void **state)
{
    (void)state;
    explore_result_t r;
    uint32_t kill = 1u << EXPLORE_KILL;
    /* one fault: the grid points 0, 4m, 8m */
    assert_int_equal(explore_count(1, kill, 240000, 600000, &r), 1 + 3);
    assert_int_equal(r.stats.runs, 4);
    explore_result_free(&r);
    /* a second fault: the grid points from the first on, plus the 9 bound
     * points (detection + 30/60/90 s, -1/0/+1 ms) of each detected kill.
     * A kill at 0 s hits a recorder still starting: no activation, so no
     * bound points (3 + 0); at 4m: 2 + 9; at 8m: 1 + 9. */
    assert_int_equal(explore_count(2, kill, 240000, 600000, &r), 1 + 3 + (3 + 0) + (2 + 9) + (1 + 9));
    assert_int_equal(r.per_level[2], 24);
    explore_result_free(&r);
    /* crash is one kind per server: 3 variants */
    assert_int_equal(explore_count(1, 1u << EXPLORE_CRASH, 300000, 600000, &r), 1 + 3 * 2);
    explore_result_free(&r);
    /* kinds as the command line spells them */
    uint32_t mask;
    const char *bad;
    size_t bad_len;
    assert_true(explore_kinds_parse("kill,heal-late,crash", &mask, &bad, &bad_len));
    assert_int_equal(mask, (1u << EXPLORE_KILL) | (1u << EXPLORE_HEAL_LATE) | (1u << EXPLORE_CRASH));
    assert_false(explore_kinds_parse("kill,,crash", &mask, &bad, &bad_len));
    assert_true(explore_kinds_parse("heal-early,blip-detect-1,blip-tick+1", &mask, &bad, &bad_len));
    assert_int_equal(mask, (1u << EXPLORE_HEAL_EARLY) | (1u << EXPLORE_BLIP_DETECT_EARLY) |
                               (1u << EXPLORE_BLIP_TICK_LATE));
}

/* The boundary grid: bound points at detection + 9 s too, the boundary kinds
 * (valid scenarios, in time order, breaking no rule) in every world. */
static void test_explore_bounds(void **state)
{
    (void)state;
    explore_result_t r;
    uint32_t kill = 1u << EXPLORE_KILL;
    /* as test_explore_counts, with 3 more bound points a detected kill */
    assert_int_equal(explore_count_in(2, kill, 240000, 600000, true, 0, &r),
                     1 + 3 + (3 + 0) + (2 + 12) + (1 + 12));
    explore_result_free(&r);
    assert_int_equal(explore_worlds(false), 1);
    for (unsigned w = 0; w < explore_worlds(true); w++) {
        explore_count_in(2, EXPLORE_KINDS_BOUNDS | kill, 120000, 360000, true, w, &r);
        assert_true(r.per_level[1] == 3 * 7);
        explore_result_free(&r);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_swarm.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_seed_pinned),
        cmocka_unit_test(test_gen_round_trip),
        cmocka_unit_test(test_gen_faults_at_least),
        cmocka_unit_test(test_same_seed_same_verdict_and_trace),
        cmocka_unit_test(test_jobs_do_not_matter),
        cmocka_unit_test(test_shards_make_the_whole),
        cmocka_unit_test(test_crash_is_reported),
        cmocka_unit_test(test_failing_kept_are_the_first),
        cmocka_unit_test(test_hang_is_reported),
        cmocka_unit_test(test_cli_shards_merge_equal_whole),
        cmocka_unit_test(test_cli_usage_errors),
        cmocka_unit_test(test_shrink_keeps_failure_and_shrinks),
        cmocka_unit_test(test_shrink_passing_is_not_shrunk),
        cmocka_unit_test(test_explore_counts),
        cmocka_unit_test(test_explore_bounds),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    static const char *const files[] = {"whole.json", "j1.json", "s0.json", "s1.json",
                                        "merged.json"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    return failed;
}
