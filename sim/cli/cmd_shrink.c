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
    "usage: hasim shrink (--seed X | FILE.scn) [options]\n"
    "\n"
    "Reduces a failing run -- a swarm run seed or a scenario file -- to a small\n"
    "scenario that still fails with the same rule (the rule of its first\n"
    "violation): ddmin over the actions, then fewer sessions, servers and users,\n"
    "default parameters, times moved earlier and rounded, a shorter end. The\n"
    "result is a scenario file for scenarios/, with the rule it broke in a\n"
    "comment; it has no `expect violation`, so it passes once the bug is fixed.\n"
    "\n"
    "  --seed X          a run seed from hasim swarm\n"
    "  --faults K, --duration D   as given to the swarm that found it\n"
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

int cmd_shrink(int argc, char **argv)
{
    uint64_t seed = 0, runs_max = 100000;
    bool has_seed = false, fork_each = false;
    const char *file = NULL, *out_path = NULL;
    swarm_gen_opts_t gen = swarm_gen_defaults();
    shrink_ctx_t ctx = {.quiet = false, .t0_ms = swarm_clock_ms()};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int g = swarm_cli_gen_opt("shrink", argc, argv, &i, &gen);
        if (g == 2)
            return 2;
        if (g == 1)
            continue;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(SHRINK_HELP, stdout);
            return 0;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            ctx.quiet = true;
        } else if (strcmp(a, "--fork") == 0) {
            fork_each = true;
        } else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
            if (!swarm_cli_seed(argv[++i], &seed))
                return cli_usage("shrink", "--seed takes a number 0..2^63-1, not '%s'", argv[i]);
            has_seed = true;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            out_path = argv[++i];
        } else if (strcmp(a, "--max-runs") == 0 && i + 1 < argc) {
            if (!cli_u64(argv[++i], &runs_max) || runs_max == 0)
                return cli_usage("shrink", "--max-runs takes a number from 1, not '%s'", argv[i]);
        } else if (a[0] == '-') {
            return cli_usage("shrink", "unknown option or missing value: '%s'", a);
        } else if (file != NULL) {
            return cli_usage("shrink", "one scenario at a time ('%s' and '%s')", file, a);
        } else {
            file = a;
        }
    }
    if (has_seed == (file != NULL))
        return cli_usage("shrink", "give either --seed X or one scenario file");

    scn_t *s = scn_new();
    shrink_t *k = shrink_new();
    int rc = 2;
    char err[SCN_ERR_SIZE], origin[SCN_PATH_SIZE + 64], cmdline[2048];
    if (s == NULL || k == NULL) {
        fprintf(stderr, "hasim shrink: error: out of memory\n");
        goto out;
    }
    char args[128];
    swarm_cli_gen_args(&gen, args, sizeof(args));
    if (has_seed) {
        swarm_gen(s, seed, &gen);
        snprintf(origin, sizeof(origin), "swarm run seed %" PRIu64, seed);
    } else {
        if (scn_parse_file(s, file, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            goto out;
        }
        snprintf(origin, sizeof(origin), "%s", file);
    }
    size_t used = (size_t)snprintf(cmdline, sizeof(cmdline), "hasim");
    for (int i = 0; i < argc && used < sizeof(cmdline); i++)
        used += (size_t)snprintf(cmdline + used, sizeof(cmdline) - used, " %s", argv[i]);

    /* The original runs in a child first: if it crashes, so would we. */
    char msg[256];
    if (!fork_each && shrink_signature(k, s, true, msg, sizeof(msg)) == SWARM_RULE_CRASH) {
        if (!ctx.quiet)
            fprintf(stderr, "shrink: the run crashes; every candidate runs in a child\n");
        fork_each = true;
    }
    shrink_opts_t so = {.fork_each = fork_each, .runs_max = runs_max,
                        .progress = shrink_progress, .ctx = &ctx};
    shrink_result_t res;
    int r = shrink_run(k, s, &so, &res, err, sizeof(err));
    if (r == 2) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    if (r == 1) {
        fprintf(stderr, "hasim shrink: %s passes: nothing to shrink\n", origin);
        rc = 1;
        goto out;
    }
    make_title(s, &res, origin);

    FILE *f = out_path ? fopen(out_path, "w") : stdout;
    if (f == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", out_path, strerror(errno));
        goto out;
    }
    fprintf(f, "# Shrunk by: %s\n", cmdline);
    fprintf(f, "# From %s%s: %zu actions -> %zu, %" PRIu64 " runs.\n", origin,
            has_seed ? args : "", res.actions_before, res.actions_after, res.runs);
    fprintf(f, "# When found it failed %s: %s\n", signature_name(res.signature), res.msg);
    fprintf(f, "# A regression test: it must pass on a fixed core (no `expect violation`).\n");
    int w = scn_write(f, s);
    bool failed_write = w != 0;
    if (out_path != NULL)
        failed_write |= fclose(f) != 0;
    else
        failed_write |= fflush(f) != 0;
    if (failed_write) {
        fprintf(stderr, "%s: error: writing failed\n", out_path ? out_path : "<stdout>");
        goto out;
    }
    if (!ctx.quiet)
        fprintf(stderr, "shrink: %s: %zu actions -> %zu (%s), %" PRIu64 " steps, %" PRIu64
                        " runs, %.2f s\n",
                origin, res.actions_before, res.actions_after, signature_name(res.signature),
                res.steps, res.runs, (double)(swarm_clock_ms() - ctx.t0_ms) / 1000.0);
    rc = 0;
out:
    shrink_free(k);
    scn_free(s);
    return rc;
}
