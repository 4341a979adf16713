/* cmd_swarm.c -- hasim swarm and hasim replay.
 *
 * swarm: run k of a swarm started with --seed S runs the scenario that
 * swarm_gen() draws from swarm_run_seed(S, k); replay regenerates that
 * scenario from the run seed alone and runs it through the same executor,
 * so the replay is the swarm's run, trace byte for byte.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "search/swarm.h"
#include "search/swarm_gen.h"

static const char SWARM_HELP[] =
    "usage: hasim swarm --runs N [options]\n"
    "\n"
    "Runs N random worlds and fault timelines (swarm testing: each run turns on a\n"
    "random subset of fault kinds and parameter ranges) and checks every rule on\n"
    "each. Run k uses the run seed swarm_run_seed(S, k), the k-th output of\n"
    "splitmix64 started at S (docs/swarm.md); a failing run is replayed from its\n"
    "seed alone with the command the summary prints.\n"
    "\n"
    "  --runs N         runs k = 0 .. N-1\n"
    "  --seed S         the swarm's seed, 0..2^63-1 (default 1)\n"
    "  --jobs J         worker processes (default: the CPUs online; 0: no fork)\n"
    "  --shard i/n      only the runs with k % n == i (i from 0): n machines with\n"
    "                   i = 0..n-1 together run exactly the whole swarm\n"
    "  --json FILE      write the results as JSON (merge shards with hasim merge)\n"
    "  --faults K       at least K faults a run (default 3)\n"
    "  --duration D     recording length (default 1h)\n"
    "  --fail-fast      stop handing out runs after the first failure\n"
    "  --fingerprint    hash every run's trace; the summary and the JSON give the\n"
    "                   swarm's fingerprint (equal for equal traces, any --jobs)\n"
    "  -q, --quiet      no progress line, even on a terminal\n"
    "  -h, --help       this text\n"
    "\n"
    "Results do not depend on --jobs or --shard (--fail-fast aside).\n"
    "Exit status: 0 every run passed, 1 a run failed, 2 usage error.\n";

static const char REPLAY_HELP[] =
    "usage: hasim replay --seed X [options]\n"
    "\n"
    "Regenerates the scenario of swarm run seed X and runs it exactly as the\n"
    "swarm did; two replays of one seed write byte-identical traces.\n"
    "\n"
    "  --seed X          the run seed a swarm reported\n"
    "  --trace FILE      write the trace (JSON Lines); '-' for stdout\n"
    "  --print-scenario  write the scenario (.scn) to stdout instead of running it\n"
    "  --faults K, --duration D   as given to the swarm that found it\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 the run passed, 1 it failed, 2 usage error.\n";

#define SWARM_PRINT_FAILING_MAX 20

typedef struct {
    uint64_t seed;
    uint64_t shard_i, shard_n;
    swarm_gen_opts_t gen;
    bool tty;
    int64_t t0_ms, last_ms;
} swarm_ctx_t;

static void swarm_build(void *ctx, uint64_t item, scn_t *scn, uint64_t *seed, uint64_t *run)
{
    const swarm_ctx_t *c = ctx;
    *run = c->shard_i + item * c->shard_n;
    *seed = swarm_run_seed(c->seed, *run);
    swarm_gen(scn, *seed, &c->gen);
}

static void fmt_hms(char *buf, size_t cap, int64_t s)
{
    snprintf(buf, cap, "%" PRId64 ":%02d:%02d", s / 3600, (int)(s / 60 % 60), (int)(s % 60));
}

static void swarm_progress(void *ctx, uint64_t done, uint64_t items, uint64_t failures)
{
    swarm_ctx_t *c = ctx;
    if (!c->tty)
        return;
    int64_t now = swarm_clock_ms();
    if (now - c->last_ms < 250 && done < items)
        return;
    c->last_ms = now;
    int64_t ms = now - c->t0_ms > 0 ? now - c->t0_ms : 1;
    uint64_t rate = done * 1000 / (uint64_t)ms;
    char eta[32];
    fmt_hms(eta, sizeof(eta), rate ? (int64_t)((items - done) / rate) : 0);
    fprintf(stderr, "\rswarm: %" PRIu64 "/%" PRIu64 " runs  %" PRIu64 " runs/s  %" PRIu64
                    " failed  ETA %s  ",
            done, items, rate, failures, eta);
    fflush(stderr);
}

static bool parse_shard(const char *s, uint64_t *i, uint64_t *n)
{
    const char *slash = strchr(s, '/');
    if (slash == NULL || slash == s || (size_t)(slash - s) >= 32)
        return false;
    char a[32];
    memcpy(a, s, (size_t)(slash - s));
    a[slash - s] = '\0';
    return cli_u64(a, i) && cli_u64(slash + 1, n) && *n >= 1 && *n <= SWARM_SHARDS_MAX && *i < *n;
}

static unsigned jobs_default(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static void print_summary(const swarm_report_t *r, double rate)
{
    const swarm_stats_t *st = r->stats;
    printf("swarm: seed %" PRIu64 ", shard %" PRIu64 "/%" PRIu64 ", %u jobs: %" PRIu64
           " runs, %" PRIu64 " passed, %" PRIu64 " failed in %.1f s (%.0f runs/s)\n",
           r->seed, r->shard_i, r->shard_n, r->jobs, st->runs, st->runs - st->failures,
           st->failures, (double)r->elapsed_ms / 1000.0, rate);
    printf("  checked:");
    for (int rule = 1; rule <= 12; rule++)
        printf(" R%d %" PRIu64, rule, st->checked[rule]);
    printf("\n  notes:");
    for (int a = 1; a < ORC_ASSUMPTIONS; a++)
        printf(" A%d %" PRIu64, a, st->notes[a]);
    printf("\n");
    if (r->fingerprint)
        printf("  trace fingerprint %016" PRIx64 "\n", st->trace_fingerprint);
    for (size_t i = 0; i < r->failing_count && i < SWARM_PRINT_FAILING_MAX; i++) {
        const swarm_fail_t *f = &r->failing[i];
        /* The oracle's messages start with their rule already. */
        const char *rule = swarm_rule_name(f->rule);
        size_t len = strlen(rule);
        bool named = strncmp(f->msg, rule, len) == 0 && f->msg[len] == ':';
        printf("FAIL run %" PRIu64 " seed %" PRIu64 ": %s%s%s\n"
               "     replay: hasim replay --seed %" PRIu64 "%s\n",
               f->run, f->seed, named ? "" : rule, named ? "" : ": ", f->msg, f->seed,
               r->replay_args);
    }
    if (st->failures > SWARM_PRINT_FAILING_MAX)
        printf("... and %" PRIu64 " more failing runs%s\n", st->failures - SWARM_PRINT_FAILING_MAX,
               r->failing_count < st->failures ? "" : " (all in --json)");
}

int cmd_swarm(int argc, char **argv)
{
    swarm_ctx_t c = {.seed = 1, .shard_i = 0, .shard_n = 1, .gen = swarm_gen_defaults()};
    uint64_t runs = 0;
    bool has_runs = false, fail_fast = false, quiet = false, fingerprint = false;
    unsigned jobs = jobs_default();
    const char *json_path = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int g = swarm_cli_gen_opt("swarm", argc, argv, &i, &c.gen);
        if (g == 2)
            return 2;
        if (g == 1)
            continue;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(SWARM_HELP, stdout);
            return 0;
        } else if (strcmp(a, "--fail-fast") == 0) {
            fail_fast = true;
        } else if (strcmp(a, "--fingerprint") == 0) {
            fingerprint = true;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (i + 1 >= argc) {
            return cli_usage("swarm", "unknown option or missing value: '%s'", a);
        } else if (strcmp(a, "--runs") == 0) {
            if (!cli_u64(argv[++i], &runs))
                return cli_usage("swarm", "--runs takes a number, not '%s'", argv[i]);
            has_runs = true;
        } else if (strcmp(a, "--seed") == 0) {
            if (!swarm_cli_seed(argv[++i], &c.seed))
                return cli_usage("swarm", "--seed takes a number 0..2^63-1, not '%s'", argv[i]);
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            uint64_t j;
            if (!cli_u64(argv[++i], &j) || j > SWARM_JOBS_MAX)
                return cli_usage("swarm", "--jobs takes a number 0..%d, not '%s'", SWARM_JOBS_MAX,
                                 argv[i]);
            jobs = (unsigned)j;
        } else if (strcmp(a, "--shard") == 0) {
            if (!parse_shard(argv[++i], &c.shard_i, &c.shard_n))
                return cli_usage("swarm", "--shard takes i/n with 0 <= i < n, not '%s'", argv[i]);
        } else if (strcmp(a, "--json") == 0) {
            json_path = argv[++i];
        } else {
            return cli_usage("swarm", "unknown option '%s'", a);
        }
    }
    if (!has_runs)
        return cli_usage("swarm", "--runs N is required");

    FILE *json = NULL;
    if (json_path != NULL && (json = fopen(json_path, "w")) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", json_path, strerror(errno));
        return 2;
    }
    uint64_t items = runs > c.shard_i ? (runs - c.shard_i + c.shard_n - 1) / c.shard_n : 0;
    c.tty = !quiet && isatty(STDERR_FILENO);
    c.t0_ms = c.last_ms = swarm_clock_ms();
    swarm_pool_t pool = {.items = items, .jobs = jobs, .fail_fast = fail_fast,
                         .fingerprint = fingerprint,
                         .failing_cap = SWARM_FAILING_KEEP, .build = swarm_build,
                         .ctx = &c, .progress = swarm_progress, .progress_ctx = &c};
    swarm_result_t res;
    char err[512];
    if (swarm_pool_run(&pool, &res, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        if (json != NULL)
            fclose(json);
        return 2;
    }
    int64_t elapsed = swarm_clock_ms() - c.t0_ms;
    if (c.tty)
        fputs("\r\033[K", stderr);

    char replay_args[128];
    swarm_cli_gen_args(&c.gen, replay_args, sizeof(replay_args));
    swarm_report_t rep = {.seed = c.seed, .jobs = jobs, .shard_i = c.shard_i,
                          .shard_n = c.shard_n, .elapsed_ms = elapsed, .stats = &res.stats,
                          .failing = res.failing, .failing_count = res.failing_count,
                          .replay_args = replay_args, .fingerprint = fingerprint};
    print_summary(&rep, (double)res.stats.runs * 1000.0 / (double)(elapsed > 0 ? elapsed : 1));
    int rc = res.stats.failures > 0 ? 1 : 0;
    if (json != NULL) {
        swarm_json_write(json, &rep);
        if (fclose(json) != 0) {
            fprintf(stderr, "%s: error: writing failed\n", json_path);
            rc = 2;
        }
    }
    swarm_result_free(&res);
    return rc;
}

int cmd_replay(int argc, char **argv)
{
    uint64_t seed = 0;
    bool has_seed = false, print = false;
    const char *trace_path = NULL;
    swarm_gen_opts_t gen = swarm_gen_defaults();

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int g = swarm_cli_gen_opt("replay", argc, argv, &i, &gen);
        if (g == 2)
            return 2;
        if (g == 1)
            continue;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(REPLAY_HELP, stdout);
            return 0;
        } else if (strcmp(a, "--print-scenario") == 0) {
            print = true;
        } else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
            if (!swarm_cli_seed(argv[++i], &seed))
                return cli_usage("replay", "--seed takes a number 0..2^63-1, not '%s'", argv[i]);
            has_seed = true;
        } else if (strcmp(a, "--trace") == 0 && i + 1 < argc) {
            trace_path = argv[++i];
        } else {
            return cli_usage("replay", "unknown option or missing value: '%s'", a);
        }
    }
    if (!has_seed)
        return cli_usage("replay", "--seed X is required");

    scn_t *scn = scn_new();
    swarm_exec_t *x = swarm_exec_new();
    int rc = 2;
    FILE *trace = NULL;
    if (scn == NULL || x == NULL) {
        fprintf(stderr, "hasim replay: error: out of memory\n");
        goto out;
    }
    swarm_gen(scn, seed, &gen);
    char args[128];
    swarm_cli_gen_args(&gen, args, sizeof(args));
    if (print) {
        printf("# hasim replay --seed %" PRIu64 "%s --print-scenario\n", seed, args);
        rc = scn_write(stdout, scn) == 0 ? 0 : 2;
        goto out;
    }
    if (trace_path != NULL) {
        trace = strcmp(trace_path, "-") == 0 ? stdout : fopen(trace_path, "w");
        if (trace == NULL) {
            fprintf(stderr, "%s: error: cannot write: %s\n", trace_path, strerror(errno));
            goto out;
        }
    }
    char name[64], err[1024];
    snprintf(name, sizeof(name), "swarm-%" PRIu64, seed);
    int r = swarm_exec_run(x, scn, seed, trace, name, err, sizeof(err));
    if (trace != NULL && trace != stdout && fclose(trace) != 0 && r == 0) {
        snprintf(err, sizeof(err), "%s: error: writing the trace failed", trace_path);
        r = 2;
    }
    trace = NULL;
    if (r != 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    const orc_t *o = swarm_exec_oracle(x);
    int rule;
    const char *msg;
    bool failed = swarm_exec_failed(x, &rule, &msg);
    FILE *out = trace_path != NULL && strcmp(trace_path, "-") == 0 ? stderr : stdout;
    fprintf(out, "%s  swarm run seed %" PRIu64 "%s  (%" PRIu64 " trace lines)\n",
            failed ? "FAIL" : "PASS", seed, args, orc_lines(o));
    if (failed) {
        fprintf(out, "  first violation: %s: %s\n", swarm_rule_name(rule), msg);
        orc_print(o, out);
    }
    rc = failed ? 1 : 0;
out:
    if (trace != NULL && trace != stdout)
        fclose(trace);
    swarm_exec_free(x);
    scn_free(scn);
    return rc;
}
