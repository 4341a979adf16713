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
#include "search/guided.h"
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
    "  --faults K       at least K faults a run (default 3; a run that aims at a\n"
    "                   bound alone has only the aim's 1 or 2)\n"
    "  --duration D     recording length (default 1h)\n"
    "  --no-bounds      no run aims at a bound (the bounds aspect: one run in 4\n"
    "                   aims at one bound of the contract at -1, 0 or +1 ms)\n"
    "  --fail-fast      stop handing out runs after the first failure\n"
    "  --fingerprint    hash every run's trace; the summary and the JSON give the\n"
    "                   swarm's fingerprint (equal for equal traces, any --jobs)\n"
    "  --list-goals     list the goals (situations worth reaching) and stop\n"
    "  --guided         steer towards the goals not reached yet: generations of\n"
    "                   runs mutated from a corpus of runs that reached something\n"
    "                   new (docs/swarm.md); failing runs replay with --chain.\n"
    "                   Not with --shard\n"
    "  --batch N        guided: runs a generation (default 128)\n"
    "  -q, --quiet      no progress line, even on a terminal\n"
    "  -h, --help       this text\n"
    "\n"
    "Results do not depend on --jobs or --shard (--fail-fast aside; a guided\n"
    "swarm with --fail-fast stops after the generation of the first failure).\n"
    "Exit status: 0 every run passed, 1 a run failed, 2 usage error.\n";

static const char REPLAY_HELP[] =
    "usage: hasim replay (--seed X | --chain C) [options]\n"
    "\n"
    "Regenerates the scenario of swarm run seed X (or of the guided run whose\n"
    "chain is C) and runs it exactly as the swarm did; two replays of one run\n"
    "write byte-identical traces.\n"
    "\n"
    "  --seed X          the run seed a swarm reported\n"
    "  --chain C         the chain a guided swarm reported: S0,S1[@GOAL],...\n"
    "                    (docs/swarm.md)\n"
    "  --trace FILE      write the trace (JSON Lines); '-' for stdout\n"
    "  --print-scenario  write the scenario (.scn) to stdout instead of running it\n"
    "  --faults K, --duration D, --no-bounds   as given to the swarm that found it\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 the run passed, 1 it failed, 2 usage error.\n";

#define SWARM_PRINT_FAILING_MAX 20

enum {
    OPT_RUNS = CLI_OPT_OWN,
    OPT_SHARD,
    OPT_JSON,
    OPT_FAIL_FAST,
    OPT_FINGERPRINT,
    OPT_LIST_GOALS,
    OPT_GUIDED,
    OPT_BATCH
};

static const struct option SWARM_LONGOPTS[] = {
    SWARM_CLI_LONGOPTS,
    {"runs", required_argument, NULL, OPT_RUNS},
    {"jobs", required_argument, NULL, 'j'},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"json", required_argument, NULL, OPT_JSON},
    {"fail-fast", no_argument, NULL, OPT_FAIL_FAST},
    {"fingerprint", no_argument, NULL, OPT_FINGERPRINT},
    {"list-goals", no_argument, NULL, OPT_LIST_GOALS},
    {"guided", no_argument, NULL, OPT_GUIDED},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    swarm_cli_t sw; /* sw.seed: the swarm's */
    uint64_t runs, shard_i, shard_n;
    bool has_runs, fail_fast, fingerprint, quiet, list_goals, guided;
    unsigned jobs, batch;
    const char *json_path;
} swarm_args_t;

typedef struct {
    const swarm_args_t *a;
    bool tty;
    int64_t t0_ms, last_ms;
} swarm_ctx_t;

static void swarm_build(void *ctx, uint64_t item, scn_t *scn, uint64_t *seed, uint64_t *run)
{
    const swarm_args_t *a = ((const swarm_ctx_t *)ctx)->a;
    *run = a->shard_i + item * a->shard_n;
    *seed = swarm_run_seed(a->sw.seed, *run);
    swarm_gen(scn, *seed, &a->sw.gen);
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

/* "goals: R of G reached (...)" and the named and bound goals missed. */
static void print_goals(const swarm_stats_t *st)
{
    unsigned n = swarm_goals_count();
    unsigned got[3] = {0, 0, 0}, all[3] = {0, 0, 0};
    for (unsigned i = 0; i < n; i++) {
        int part = i < SWARM_GOAL_BOUND_FIRST ? 0 : i < SWARM_GOAL_FSM_FIRST ? 1 : 2;
        all[part]++;
        got[part] += st->goals[i] > 0;
    }
    printf("  goals: %u of %u reached (named %u/%u, bounds %u/%u, state machine %u/%u)\n",
           got[0] + got[1] + got[2], n, got[0], all[0], got[1], all[1], got[2], all[2]);
    int col = 0;
    for (unsigned i = 0; i < SWARM_GOAL_FSM_FIRST; i++) {
        if (st->goals[i] > 0)
            continue;
        const char *name = swarm_goal_name(i);
        if (col == 0)
            col = printf("  goals missed:");
        else if (col + 1 + (int)strlen(name) > 96)
            col = printf("\n               ") - 1;
        col += printf(" %s", name);
    }
    if (col > 0)
        printf("\n");
    if (got[2] < all[2])
        printf("  state-machine goals missed: %u (in --json, and hasim swarm --list-goals)\n",
               all[2] - got[2]);
}

static void print_summary(const swarm_report_t *r, double rate)
{
    const swarm_stats_t *st = r->stats;
    printf("swarm: seed %" PRIu64 ", shard %" PRIu64 "/%" PRIu64 ", %u jobs: %" PRIu64
           " runs, %" PRIu64 " passed, %" PRIu64 " failed in %.1f s (%.0f runs/s)\n",
           r->seed, r->shard_i, r->shard_n, r->jobs, st->runs, st->runs - st->failures,
           st->failures, (double)r->elapsed_ms / 1000.0, rate);
    if (r->guided)
        printf("  guided: %" PRIu64 " generations of %u runs, %" PRIu64 " runs kept in the corpus\n",
               r->generations, r->batch, r->corpus);
    printf("  checked:");
    for (int rule = 1; rule <= ORC_CONTRACT_RULES; rule++)
        printf(" R%d %" PRIu64, rule, st->checked[rule]);
    printf("\n  notes:");
    for (int a = 1; a < ORC_ASSUMPTIONS; a++)
        printf(" A%d %" PRIu64, a, st->notes[a]);
    printf("\n");
    print_goals(st);
    if (r->fingerprint)
        printf("  trace fingerprint %016" PRIx64 "\n", st->trace_fingerprint);
    for (size_t i = 0; i < r->failing_count && i < SWARM_PRINT_FAILING_MAX; i++) {
        const swarm_fail_t *f = &r->failing[i];
        /* The oracle's messages start with their rule already. */
        const char *rule = swarm_rule_name(f->rule);
        size_t len = strlen(rule);
        bool named = strncmp(f->msg, rule, len) == 0 && f->msg[len] == ':';
        char replay[SWARM_REPLAY_MAX];
        swarm_report_replay(r, i, replay, sizeof(replay));
        printf("FAIL run %" PRIu64 " seed %" PRIu64 ": %s%s%s\n"
               "     replay: %s\n",
               f->run, f->seed, named ? "" : rule, named ? "" : ": ", f->msg, replay);
    }
    if (st->failures > SWARM_PRINT_FAILING_MAX)
        printf("... and %" PRIu64 " more failing runs%s\n", st->failures - SWARM_PRINT_FAILING_MAX,
               r->failing_count < st->failures ? "" : " (all in --json)");
}

static int swarm_take(void *args, int opt, const char *val)
{
    swarm_args_t *a = args;
    uint64_t jobs;
    switch (opt) {
    case OPT_RUNS:
        if (!cli_u64(val, &a->runs))
            return cli_usage("swarm", "--runs takes a number, not '%s'", val);
        a->has_runs = true;
        return 0;
    case 'j':
        if (!cli_u64(val, &jobs) || jobs > SWARM_JOBS_MAX)
            return cli_usage("swarm", "--jobs takes a number 0..%d, not '%s'", SWARM_JOBS_MAX, val);
        a->jobs = (unsigned)jobs;
        return 0;
    case OPT_SHARD:
        if (!parse_shard(val, &a->shard_i, &a->shard_n))
            return cli_usage("swarm", "--shard takes i/n with 0 <= i < n, not '%s'", val);
        return 0;
    case OPT_JSON:
        a->json_path = val;
        return 0;
    case OPT_FAIL_FAST:
        a->fail_fast = true;
        return 0;
    case OPT_FINGERPRINT:
        a->fingerprint = true;
        return 0;
    case OPT_LIST_GOALS:
        a->list_goals = true;
        return 0;
    case OPT_GUIDED:
        a->guided = true;
        return 0;
    case OPT_BATCH:
        if (!cli_u64(val, &jobs) || jobs < 1 || jobs > GUIDED_BATCH_MAX)
            return cli_usage("swarm", "--batch takes a number 1..%d, not '%s'", GUIDED_BATCH_MAX,
                             val);
        a->batch = (unsigned)jobs;
        return 0;
    case 'q':
        a->quiet = true;
        return 0;
    default:
        return swarm_cli_opt("swarm", opt, val, &a->sw);
    }
}

static const cli_cmd_t SWARM_CLI = {"swarm", SWARM_HELP, "hqj:", SWARM_LONGOPTS, swarm_take};

/* What a swarm found, blind or guided. */
typedef struct {
    bool guided;
    swarm_result_t blind;
    guided_result_t g;
    int64_t elapsed_ms;
} swarm_outcome_t;

/* Runs this shard's part of the swarm (or the guided swarm): 0, or 2 after
 * a message. */
static int swarm_execute(const swarm_args_t *a, swarm_outcome_t *out)
{
    uint64_t items = a->runs > a->shard_i ? (a->runs - a->shard_i + a->shard_n - 1) / a->shard_n : 0;
    swarm_ctx_t c = {.a = a, .tty = !a->quiet && isatty(STDERR_FILENO)};
    c.t0_ms = c.last_ms = swarm_clock_ms();
    char err[512];
    int rc;
    out->guided = a->guided;
    if (a->guided) {
        guided_opts_t go = {.seed = a->sw.seed, .runs = a->runs, .batch = a->batch,
                            .jobs = a->jobs, .fail_fast = a->fail_fast,
                            .fingerprint = a->fingerprint, .gen = a->sw.gen,
                            .progress = swarm_progress, .progress_ctx = &c};
        rc = guided_run(&go, &out->g, err, sizeof(err));
    } else {
        swarm_pool_t pool = {.items = items, .jobs = a->jobs, .fail_fast = a->fail_fast,
                             .fingerprint = a->fingerprint,
                             .failing_cap = SWARM_FAILING_KEEP, .build = swarm_build,
                             .ctx = &c, .progress = swarm_progress, .progress_ctx = &c};
        rc = swarm_pool_run(&pool, &out->blind, err, sizeof(err));
    }
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    out->elapsed_ms = swarm_clock_ms() - c.t0_ms;
    if (c.tty)
        fputs("\r\033[K", stderr);
    return 0;
}

/* The summary on stdout and the JSON into json (closed here): the status. */
static int swarm_report(const swarm_args_t *a, const swarm_outcome_t *o, FILE *json)
{
    char replay_args[128];
    swarm_cli_gen_args(&a->sw.gen, replay_args, sizeof(replay_args));
    const swarm_stats_t *st = o->guided ? &o->g.stats : &o->blind.stats;
    int64_t elapsed = o->elapsed_ms;
    swarm_report_t rep = {.seed = a->sw.seed, .jobs = a->jobs, .shard_i = a->shard_i,
                          .shard_n = a->shard_n, .elapsed_ms = elapsed, .stats = st,
                          .failing = o->guided ? o->g.failing : o->blind.failing,
                          .failing_count = o->guided ? o->g.failing_count
                                                     : o->blind.failing_count,
                          .replay_args = replay_args, .fingerprint = a->fingerprint,
                          .guided = o->guided, .batch = a->batch,
                          .chains = o->guided ? (const char *const *)o->g.chain : NULL,
                          .generations = o->g.generations, .corpus = o->g.corpus};
    print_summary(&rep, (double)st->runs * 1000.0 / (double)(elapsed > 0 ? elapsed : 1));
    int rc = st->failures > 0 ? 1 : 0;
    if (json != NULL) {
        swarm_json_write(json, &rep);
        if (fclose(json) != 0) {
            fprintf(stderr, "%s: error: writing failed\n", a->json_path);
            rc = 2;
        }
    }
    return rc;
}

int cmd_swarm(int argc, char **argv)
{
    swarm_args_t a = {.sw = {.seed = 1, .gen = swarm_gen_defaults()}, .shard_n = 1,
                      .jobs = jobs_default(), .batch = GUIDED_BATCH_DEFAULT};
    int first;
    int rc = cli_parse(&SWARM_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (first < argc)
        return cli_usage("swarm", "unexpected argument '%s'", argv[first]);
    if (a.list_goals) {
        for (unsigned i = 0; i < swarm_goals_count(); i++)
            printf("%-40s %s\n", swarm_goal_name(i), swarm_goal_what(i));
        return 0;
    }
    if (!a.has_runs)
        return cli_usage("swarm", "--runs N is required");
    if (a.sw.has_chain)
        return cli_usage("swarm", "--chain is for replay and shrink");
    if (a.guided && a.shard_n > 1)
        return cli_usage("swarm", "--guided runs depend on every run before them: no --shard");

    FILE *json = NULL;
    if (a.json_path != NULL && (json = fopen(a.json_path, "w")) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", a.json_path, strerror(errno));
        return 2;
    }
    swarm_outcome_t out;
    memset(&out, 0, sizeof(out));
    if (swarm_execute(&a, &out) != 0) {
        if (json != NULL)
            fclose(json);
        return 2;
    }
    rc = swarm_report(&a, &out, json);
    swarm_result_free(&out.blind);
    guided_result_free(&out.g);
    return rc;
}

enum { OPT_TRACE = CLI_OPT_OWN, OPT_PRINT_SCENARIO };

static const struct option REPLAY_LONGOPTS[] = {
    SWARM_CLI_LONGOPTS,
    {"trace", required_argument, NULL, OPT_TRACE},
    {"print-scenario", no_argument, NULL, OPT_PRINT_SCENARIO},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    swarm_cli_t sw; /* sw.seed: the run's */
    bool print;
    const char *trace_path;
} replay_args_t;

static int replay_take(void *args, int opt, const char *val)
{
    replay_args_t *a = args;
    switch (opt) {
    case OPT_TRACE:
        a->trace_path = val;
        return 0;
    case OPT_PRINT_SCENARIO:
        a->print = true;
        return 0;
    default:
        return swarm_cli_opt("replay", opt, val, &a->sw);
    }
}

static const cli_cmd_t REPLAY_CLI = {"replay", REPLAY_HELP, "h", REPLAY_LONGOPTS, replay_take};

/* Runs scn, the scenario of a's run seed, and prints the verdict; with the
 * trace on stdout ("--trace -") the verdict goes to stderr. The status. */
static int replay_run(swarm_exec_t *x, const scn_t *scn, const replay_args_t *a,
                      const char *gen_args)
{
    FILE *trace = NULL;
    bool to_stdout = a->trace_path != NULL && strcmp(a->trace_path, "-") == 0;
    if (a->trace_path != NULL) {
        trace = to_stdout ? stdout : fopen(a->trace_path, "w");
        if (trace == NULL) {
            fprintf(stderr, "%s: error: cannot write: %s\n", a->trace_path, strerror(errno));
            return 2;
        }
    }
    char name[64], err[1024];
    if (a->sw.has_chain)
        snprintf(name, sizeof(name), "guided-%" PRIu64, a->sw.chain.seed[a->sw.chain.n - 1]);
    else
        snprintf(name, sizeof(name), "swarm-%" PRIu64, a->sw.seed);
    int r = swarm_exec_run(x, scn, scn->seed, trace, name, err, sizeof(err));
    if (trace != NULL && trace != stdout && fclose(trace) != 0 && r == 0) {
        snprintf(err, sizeof(err), "%s: error: writing the trace failed", a->trace_path);
        r = 2;
    }
    if (r != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    const orc_t *o = swarm_exec_oracle(x);
    int rule;
    const char *msg;
    bool failed = swarm_exec_failed(x, &rule, &msg);
    FILE *out = to_stdout ? stderr : stdout;
    char origin[SWARM_CHAIN_TEXT_MAX + 64];
    swarm_cli_origin(&a->sw, origin, sizeof(origin));
    fprintf(out, "%s  %s%s  (%" PRIu64 " trace lines)\n", failed ? "FAIL" : "PASS", origin,
            gen_args, orc_lines(o));
    if (failed) {
        fprintf(out, "  first violation: %s: %s\n", swarm_rule_name(rule), msg);
        orc_print(o, out);
    }
    return failed ? 1 : 0;
}

int cmd_replay(int argc, char **argv)
{
    replay_args_t a = {.sw = {.gen = swarm_gen_defaults()}};
    int first;
    int rc = cli_parse(&REPLAY_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (first < argc)
        return cli_usage("replay", "unexpected argument '%s'", argv[first]);
    if (a.sw.has_seed == a.sw.has_chain)
        return cli_usage("replay", "give either --seed X or --chain C");

    scn_t *scn = scn_new();
    swarm_exec_t *x = swarm_exec_new();
    rc = 2;
    if (scn == NULL || x == NULL) {
        fprintf(stderr, "hasim replay: error: out of memory\n");
    } else {
        swarm_cli_gen(scn, &a.sw);
        char args[128];
        swarm_cli_gen_args(&a.sw.gen, args, sizeof(args));
        if (a.print && a.sw.has_chain) {
            char text[SWARM_CHAIN_TEXT_MAX];
            swarm_chain_format(&a.sw.chain, text, sizeof(text));
            printf("# hasim replay --chain %s%s --print-scenario\n", text, args);
            rc = scn_write(stdout, scn) == 0 ? 0 : 2;
        } else if (a.print) {
            printf("# hasim replay --seed %" PRIu64 "%s --print-scenario\n", a.sw.seed, args);
            rc = scn_write(stdout, scn) == 0 ? 0 : 2;
        } else {
            rc = replay_run(x, scn, &a, args);
        }
    }
    swarm_exec_free(x);
    scn_free(scn);
    return rc;
}
