/* cmd_shrink.c -- hasim shrink: a failing run as a small scenario to commit. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "search/shrink.h"
#include "search/swarm.h"
#include "search/swarm_gen.h"

static const char SHRINK_HELP[] =
    "usage: hasim shrink (--seed X | --chain C | FILE.scn) [options]\n"
    "\n"
    "Reduces a failing run -- a swarm run seed or a scenario file -- to a small\n"
    "scenario that still fails the same way: the same rule on the same session\n"
    "(its first violation), or the same `expect` failing with the same answer;\n"
    "a reduction that fails differently is refused. It says what it kept.\n"
    "ddmin over the actions, then fewer sessions, servers and users,\n"
    "default parameters, times moved earlier and rounded, a shorter end. The\n"
    "result is a scenario file for scenarios/, with the rule it broke in a\n"
    "comment; it has no `expect violation`, so it passes once the bug is fixed.\n"
    "\n"
    "  --seed X          a run seed from hasim swarm\n"
    "  --chain C         a guided run's chain from hasim swarm --guided\n"
    "  --faults K, --duration D, --no-bounds   as given to the swarm that found it\n"
    "  -o FILE           write the scenario to FILE (default: stdout)\n"
    "  --max-runs N      give up simplifying after N runs (default 100000)\n"
    "  --fork            run every candidate in a child process (automatic when\n"
    "                    the original run crashes)\n"
    "  -q, --quiet       no progress on stderr\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 shrunk, 1 the run passes (nothing to shrink), 2 usage or\n"
    "input error.\n";

typedef struct {
    bool quiet;
    int64_t t0_ms;
    const char *phase; /* of the last line printed */
    size_t actions;
} shrink_ctx_t;

static void shrink_progress(void *ctx, const char *phase, const scn_t *now, uint64_t runs,
                            uint64_t steps)
{
    shrink_ctx_t *c = ctx;
    /* A line per phase, and per step that drops actions. */
    if (c->quiet || (c->phase == phase && c->actions == shrink_actions(now)))
        return;
    c->phase = phase;
    c->actions = shrink_actions(now);
    fprintf(stderr, "shrink: %-8s %4zu actions  %" PRIu64 " steps  %" PRIu64 " runs  %.1f s\n",
            phase, shrink_actions(now), steps, runs,
            (double)(swarm_clock_ms() - c->t0_ms) / 1000.0);
}

static const char *signature_name(int sig)
{
    if (sig == SHRINK_EXPECTS)
        return "expect";
    if (sig == SHRINK_PASS)
        return "pass";
    return swarm_rule_name(sig);
}

/* Appends src to buf (cap bytes), cutting what does not fit. */
static void append(char *buf, size_t cap, const char *src)
{
    size_t used = strlen(buf), n = strlen(src);
    if (used + 1 >= cap)
        return;
    n = n < cap - used - 1 ? n : cap - used - 1;
    memcpy(buf + used, src, n);
    buf[used + n] = '\0';
}

/* A title that says what the scenario shows: the rule's message, cut. */
static void make_title(scn_t *s, const shrink_result_t *r, const char *origin)
{
    char msg[160] = "";
    append(msg, sizeof(msg), r->msg);
    for (char *p = msg; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    }
    s->title[0] = '\0';
    append(s->title, sizeof(s->title), msg);
    append(s->title, sizeof(s->title), " (shrunk from ");
    append(s->title, sizeof(s->title), origin);
    append(s->title, sizeof(s->title), ")");
}

enum { OPT_MAX_RUNS = CLI_OPT_OWN, OPT_FORK };

static const struct option SHRINK_LONGOPTS[] = {
    SWARM_CLI_LONGOPTS,
    {"max-runs", required_argument, NULL, OPT_MAX_RUNS},
    {"fork", no_argument, NULL, OPT_FORK},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    swarm_cli_t sw; /* sw.seed: the run's, when it is a swarm run */
    uint64_t runs_max;
    bool fork_each, quiet;
    const char *file, *out_path;
} shrink_args_t;

static int shrink_take(void *args, int opt, const char *val)
{
    shrink_args_t *a = args;
    switch (opt) {
    case 'o':
        a->out_path = val;
        return 0;
    case OPT_MAX_RUNS:
        if (!cli_u64(val, &a->runs_max) || a->runs_max == 0)
            return cli_usage("shrink", "--max-runs takes a number from 1, not '%s'", val);
        return 0;
    case OPT_FORK:
        a->fork_each = true;
        return 0;
    case 'q':
        a->quiet = true;
        return 0;
    default:
        return swarm_cli_opt("shrink", opt, val, &a->sw);
    }
}

static const cli_cmd_t SHRINK_CLI = {"shrink", SHRINK_HELP, "hqo:", SHRINK_LONGOPTS, shrink_take};

/* "hasim shrink ...", for the comment of the result: as typed, so before
 * getopt_long moves the operands after the options. */
static void format_cmdline(int argc, char **argv, char *buf, size_t cap)
{
    size_t used = (size_t)snprintf(buf, cap, "hasim");
    for (int i = 0; i < argc && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, " %s", argv[i]);
}

/* The run to shrink into s, and where it came from into origin: 0, or 2
 * after a message. */
static int load_original(scn_t *s, const shrink_args_t *a, char *origin, size_t cap)
{
    if (a->sw.has_seed || a->sw.has_chain) {
        swarm_cli_gen(s, &a->sw);
        swarm_cli_origin(&a->sw, origin, cap);
        return 0;
    }
    char err[SCN_ERR_SIZE];
    if (scn_parse_file(s, a->file, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    snprintf(origin, cap, "%s", a->file);
    return 0;
}

/* shrink_run()'s 0 shrunk, 1 the run passes, 2 after a message. */
static int shrink_execute(shrink_t *k, scn_t *s, const shrink_args_t *a, shrink_ctx_t *ctx,
                          shrink_result_t *res)
{
    /* The original runs in a child first: if it crashes, so would we. */
    bool fork_each = a->fork_each;
    char msg[256], err[SCN_ERR_SIZE];
    if (!fork_each && shrink_signature(k, s, true, msg, sizeof(msg)) == SWARM_RULE_CRASH) {
        if (!a->quiet)
            fprintf(stderr, "shrink: the run crashes; every candidate runs in a child\n");
        fork_each = true;
    }
    shrink_opts_t so = {.fork_each = fork_each, .runs_max = a->runs_max,
                        .progress = shrink_progress, .ctx = ctx};
    int r = shrink_run(k, s, &so, res, err, sizeof(err));
    if (r == 2)
        fprintf(stderr, "%s\n", err);
    return r;
}

/* The shrunk scenario, with how it was made in comments, to -o or stdout:
 * 0, or 2 after a message. */
static int write_shrunk(const scn_t *s, const shrink_result_t *res, const shrink_args_t *a,
                        const char *cmdline, const char *origin)
{
    FILE *f = a->out_path ? fopen(a->out_path, "w") : stdout;
    if (f == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", a->out_path, strerror(errno));
        return 2;
    }
    char args[128];
    swarm_cli_gen_args(&a->sw.gen, args, sizeof(args));
    fprintf(f, "# Shrunk by: %s\n", cmdline);
    fprintf(f, "# From %s%s: %zu actions -> %zu, %" PRIu64 " runs.\n", origin,
            a->sw.has_seed || a->sw.has_chain ? args : "", res->actions_before,
            res->actions_after, res->runs);
    char sig[320];
    shrink_sig_describe(&res->sig, sig, sizeof(sig));
    fprintf(f, "# When found it failed %s: %s\n", signature_name(res->signature), res->msg);
    fprintf(f, "# It fails the same way: %s (%" PRIu64 " smaller candidates that failed\n"
               "# differently were refused).\n", sig, res->refused);
    fprintf(f, "# A regression test: it must pass on a fixed core (no `expect violation`).\n");
    bool failed_write = scn_write(f, s) != 0;
    if (a->out_path != NULL)
        failed_write |= fclose(f) != 0;
    else
        failed_write |= fflush(f) != 0;
    if (failed_write) {
        fprintf(stderr, "%s: error: writing failed\n", a->out_path ? a->out_path : "<stdout>");
        return 2;
    }
    return 0;
}

/* Shrinks the run a names and writes the result: the exit status. */
static int shrink_one(const shrink_args_t *a, const char *cmdline)
{
    shrink_ctx_t ctx = {.quiet = a->quiet, .t0_ms = swarm_clock_ms()};
    scn_t *s = scn_new();
    shrink_t *k = shrink_new();
    int rc = 2;
    char origin[SCN_PATH_SIZE + SWARM_CHAIN_TEXT_MAX + 64];
    shrink_result_t res;
    memset(&res, 0, sizeof(res));
    if (s == NULL || k == NULL) {
        fprintf(stderr, "hasim shrink: error: out of memory\n");
    } else if (load_original(s, a, origin, sizeof(origin)) == 0) {
        rc = shrink_execute(k, s, a, &ctx, &res);
        if (rc == 1)
            fprintf(stderr, "hasim shrink: %s passes: nothing to shrink\n", origin);
    }
    if (rc == 0) {
        make_title(s, &res, origin);
        rc = write_shrunk(s, &res, a, cmdline, origin);
    }
    if (rc == 0 && !a->quiet) {
        char sig[320];
        shrink_sig_describe(&res.sig, sig, sizeof(sig));
        fprintf(stderr, "shrink: %s: %zu actions -> %zu, %" PRIu64 " steps, %" PRIu64
                        " runs, %.2f s\nshrink: signature kept: %s; %" PRIu64
                        " candidates refused (they failed differently)\n",
                origin, res.actions_before, res.actions_after, res.steps, res.runs,
                (double)(swarm_clock_ms() - ctx.t0_ms) / 1000.0, sig, res.refused);
    }
    shrink_free(k);
    scn_free(s);
    return rc;
}

int cmd_shrink(int argc, char **argv)
{
    char cmdline[SWARM_CHAIN_TEXT_MAX + 2048];
    format_cmdline(argc, argv, cmdline, sizeof(cmdline));
    shrink_args_t a = {.sw = {.gen = swarm_gen_defaults()}, .runs_max = 100000};
    int first;
    int rc = cli_parse(&SHRINK_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - first > 1)
        return cli_usage("shrink", "one scenario at a time ('%s' and '%s')", argv[first],
                         argv[first + 1]);
    a.file = first < argc ? argv[first] : NULL;
    if (a.sw.has_seed + a.sw.has_chain + (a.file != NULL) != 1)
        return cli_usage("shrink", "give one of --seed X, --chain C or a scenario file");
    return shrink_one(&a, cmdline);
}
