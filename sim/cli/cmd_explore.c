/* cmd_explore.c -- hasim explore: every placement of up to K faults. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "search/explore.h"

static const char EXPLORE_HELP[] =
    "usage: hasim explore [options]\n"
    "\n"
    "Bounded exhaustive search: one session on 3 servers, recorded from 0 to the\n"
    "duration, and every timeline of up to K faults -- every fault kind at every\n"
    "grid point, and after each fault also at its detection + 30 s, 60 s and\n"
    "90 s, each -1, 0 and +1 ms (docs/swarm.md). Prints how many timelines it\n"
    "covered and every violation with the scenario that shows it.\n"
    "\n"
    "  -k K            faults at most, 1..4 (default 2)\n"
    "  --grid D        grid of fault times (default 30s)\n"
    "  --duration D    recording length (default 10m)\n"
    "  --kinds LIST    kill,disconnect,blip,heal-60s,heal-late,crash,provision-fail\n"
    "                  (the default; crash is one kind per server), and the\n"
    "                  boundary kinds heal-early, blip-detect-1, blip-detect,\n"
    "                  blip-detect+1, blip-tick-1, blip-tick+1\n"
    "  --bounds        the boundary grid: the boundary kinds too, bound points at\n"
    "                  detection + 9 s (-1/0/+1 ms) too, and every timeline in 7\n"
    "                  worlds: start_latency and rejoin_latency 4s/1s, 8999ms,\n"
    "                  9s and 9s..9001ms\n"
    "  --jobs J        worker processes (default: the CPUs online; 0: no fork)\n"
    "  --out DIR       write each failing timeline to DIR/explore-L-I.scn\n"
    "                  instead of printing it\n"
    "  -q, --quiet     no progress line\n"
    "  -h, --help      this text\n"
    "\n"
    "Exit status: 0 no violation, 1 a violation, 2 usage error.\n";

#define PRINT_FAILING_MAX 20

typedef struct {
    bool tty;
    int64_t last_ms;
} explore_ctx_t;

static void explore_progress(void *ctx, uint64_t done, uint64_t items, uint64_t failures)
{
    explore_ctx_t *c = ctx;
    if (!c->tty)
        return;
    int64_t now = swarm_clock_ms();
    if (now - c->last_ms < 250 && done < items)
        return;
    c->last_ms = now;
    fprintf(stderr, "\rexplore: %" PRIu64 "/%" PRIu64 " timelines of this level, %" PRIu64 " failed   ",
            done, items, failures);
    fflush(stderr);
}

enum { OPT_GRID = CLI_OPT_OWN, OPT_DURATION, OPT_KINDS, OPT_OUT, OPT_BOUNDS };

static const struct option EXPLORE_LONGOPTS[] = {
    {"grid", required_argument, NULL, OPT_GRID},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"kinds", required_argument, NULL, OPT_KINDS},
    {"bounds", no_argument, NULL, OPT_BOUNDS},
    {"jobs", required_argument, NULL, 'j'},
    {"out", required_argument, NULL, OPT_OUT},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    explore_opts_t o;
    const char *out_dir;
    bool quiet;
} explore_args_t;

static int duration_opt(const char *opt, const char *v, int64_t *out)
{
    char why[256];
    if (scn_duration_parse(v, strlen(v), out, why, sizeof(why)) != 0)
        return cli_usage("explore", "%s: %s", opt, why);
    if (*out <= 0)
        return cli_usage("explore", "%s must be more than 0", opt);
    return 0;
}

static int explore_take(void *args, int opt, const char *val)
{
    explore_args_t *a = args;
    uint64_t n;
    const char *bad;
    size_t bad_len;
    switch (opt) {
    case 'k':
        if (!cli_u64(val, &n) || n < 1 || n > EXPLORE_K_MAX)
            return cli_usage("explore", "-k takes 1..%d, not '%s'", EXPLORE_K_MAX, val);
        a->o.k = (unsigned)n;
        return 0;
    case OPT_GRID:
        return duration_opt("--grid", val, &a->o.grid_ms);
    case OPT_DURATION:
        return duration_opt("--duration", val, &a->o.duration_ms);
    case OPT_KINDS:
        if (!explore_kinds_parse(val, &a->o.kinds, &bad, &bad_len))
            return cli_usage("explore", "unknown fault kind '%.*s' (%s)", (int)bad_len, bad,
                             "kill, disconnect, blip, heal-60s, heal-late, crash, "
                             "provision-fail, heal-early, blip-detect-1, blip-detect, "
                             "blip-detect+1, blip-tick-1, blip-tick+1");
        return 0;
    case OPT_BOUNDS:
        a->o.bounds = true;
        return 0;
    case 'j':
        if (!cli_u64(val, &n) || n > SWARM_JOBS_MAX)
            return cli_usage("explore", "--jobs takes 0..%d, not '%s'", SWARM_JOBS_MAX, val);
        a->o.jobs = (unsigned)n;
        return 0;
    case OPT_OUT:
        a->out_dir = val;
        return 0;
    case 'q':
        a->quiet = true;
        return 0;
    }
    return 0;
}

static const cli_cmd_t EXPLORE_CLI = {"explore", EXPLORE_HELP, "hqk:j:", EXPLORE_LONGOPTS,
                                      explore_take};

/* The i-th failing timeline, as the scenario s that shows it: written to
 * out_dir, or printed. 0, or 2 after a message. */
static int report_failing(const explore_fail_t *f, size_t i, const scn_t *s, const char *out_dir,
                          unsigned world)
{
    if (out_dir == NULL) {
        if (i < PRINT_FAILING_MAX) {
            printf("FAIL level %u timeline %" PRIu64 ": %s\n"
                   "     replay: save the scenario below and 'hasim run' it\n",
                   f->level, f->fail.item, f->fail.msg);
            printf("# hasim explore: %s: %s\n", swarm_rule_name(f->fail.rule), f->fail.msg);
            scn_write(stdout, s);
            printf("\n");
        }
        return 0;
    }
    char path[4096];
    if (world == 0)
        snprintf(path, sizeof(path), "%s/explore-%u-%" PRIu64 ".scn", out_dir, f->level,
                 f->fail.item);
    else
        snprintf(path, sizeof(path), "%s/explore-w%u-%u-%" PRIu64 ".scn", out_dir, world,
                 f->level, f->fail.item);
    FILE *fp = fopen(path, "w");
    if (fp == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", path, strerror(errno));
        return 2;
    }
    fprintf(fp, "# hasim explore: %s: %s\n", swarm_rule_name(f->fail.rule), f->fail.msg);
    scn_write(fp, s);
    if (fclose(fp) != 0) {
        fprintf(stderr, "%s: error: writing failed\n", path);
        return 2;
    }
    if (i < PRINT_FAILING_MAX)
        printf("FAIL %s: %s\n     replay: hasim run %s\n", path, f->fail.msg, path);
    return 0;
}

static void print_summary(const explore_opts_t *o, const explore_t *e,
                          const explore_result_t *res, int64_t t0_ms)
{
    char grid[32], dur[32];
    scn_duration_format(o->grid_ms, grid, sizeof(grid));
    scn_duration_format(o->duration_ms, dur, sizeof(dur));
    printf("explore: up to %u faults, %u kinds, grid %s, %s recording%s%s: %" PRIu64
           " timelines (",
           o->k, explore_variants(e), grid, dur, o->bounds ? ", " : "",
           o->bounds ? explore_world_name(o->world) : "", res->timelines);
    for (unsigned l = 0; l <= o->k; l++)
        printf("%s%" PRIu64, l ? " + " : "", res->per_level[l]);
    printf("), %" PRIu64 " failed in %.1f s\n", res->failures,
           (double)(swarm_clock_ms() - t0_ms) / 1000.0);
}

/* Runs the search e and reports what it found: the exit status. */
static int explore_report(explore_t *e, scn_t *s, const explore_args_t *a, explore_ctx_t *ctx,
                          explore_result_t *res)
{
    char err[512];
    int64_t t0 = swarm_clock_ms();
    if (explore_run(e, res, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (ctx->tty)
        fputs("\r\033[K", stderr);
    for (size_t i = 0; i < res->failing_count; i++) {
        const explore_fail_t *f = &res->failing[i];
        explore_scenario(e, f->level, f->fail.item, s);
        if (report_failing(f, i, s, a->out_dir, a->o.world) != 0)
            return 2;
    }
    if (res->failures > PRINT_FAILING_MAX)
        printf("... and %" PRIu64 " more violations%s\n", res->failures - PRINT_FAILING_MAX,
               a->out_dir ? "" : " (use --out DIR to get them all)");
    print_summary(&a->o, e, res, t0);
    return res->failures > 0 ? 1 : 0;
}

/* Every world of the options, one after the other: the worst status. */
static int explore_worlds_run(explore_args_t *a, explore_ctx_t *ctx)
{
    int rc = 0;
    uint64_t timelines = 0, failures = 0;
    int64_t t0 = swarm_clock_ms();
    unsigned worlds = explore_worlds(a->o.bounds);
    for (unsigned w = 0; w < worlds && rc != 2; w++) {
        a->o.world = w;
        explore_t *e = explore_new(&a->o);
        scn_t *s = scn_new();
        explore_result_t res = {0};
        int r = 2;
        if (e == NULL || s == NULL)
            fprintf(stderr, "hasim explore: error: out of memory\n");
        else
            r = explore_report(e, s, a, ctx, &res);
        timelines += res.timelines;
        failures += res.failures;
        rc = r > rc ? r : rc;
        explore_result_free(&res);
        scn_free(s);
        explore_free(e);
    }
    if (worlds > 1 && rc != 2)
        printf("explore: %u worlds: %" PRIu64 " timelines, %" PRIu64 " failed in %.1f s\n", worlds,
               timelines, failures, (double)(swarm_clock_ms() - t0) / 1000.0);
    return rc;
}

int cmd_explore(int argc, char **argv)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    explore_args_t a = {.o = {.k = EXPLORE_K_DEFAULT, .grid_ms = EXPLORE_GRID_MS_DEFAULT,
                              .duration_ms = EXPLORE_DURATION_MS_DEFAULT,
                              .kinds = EXPLORE_KINDS_DEFAULT,
                              .jobs = cpus < 1 ? 1 : cpus > 64 ? 64 : (unsigned)cpus}};
    int first;
    int rc = cli_parse(&EXPLORE_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (first < argc)
        return cli_usage("explore", "unexpected argument '%s'", argv[first]);
    if (a.o.duration_ms > SCN_TIME_MS_MAX / 2)
        return cli_usage("explore", "--duration is too long");
    if (a.out_dir != NULL && mkdir(a.out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot create: %s\n", a.out_dir, strerror(errno));
        return 2;
    }

    explore_ctx_t ctx = {.tty = !a.quiet && isatty(STDERR_FILENO), .last_ms = 0};
    a.o.progress = explore_progress;
    a.o.ctx = &ctx;
    if (a.o.bounds)
        a.o.kinds |= EXPLORE_KINDS_BOUNDS;
    return explore_worlds_run(&a, &ctx);
}
