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
    "                  (default: all; crash is one kind per server)\n"
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

static int duration_opt(const char *opt, const char *v, int64_t *out)
{
    char why[256];
    if (scn_duration_parse(v, strlen(v), out, why, sizeof(why)) != 0)
        return cli_usage("explore", "%s: %s", opt, why);
    if (*out <= 0)
        return cli_usage("explore", "%s must be more than 0", opt);
    return 0;
}

int cmd_explore(int argc, char **argv)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    explore_opts_t o = {.k = EXPLORE_K_DEFAULT, .grid_ms = EXPLORE_GRID_MS_DEFAULT,
                        .duration_ms = EXPLORE_DURATION_MS_DEFAULT,
                        .kinds = (1u << EXPLORE_KIND_COUNT) - 1,
                        .jobs = cpus < 1 ? 1 : cpus > 64 ? 64 : (unsigned)cpus};
    const char *out_dir = NULL;
    bool quiet = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(EXPLORE_HELP, stdout);
            return 0;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (i + 1 >= argc) {
            return cli_usage("explore", "unknown option or missing value: '%s'", a);
        } else if (strcmp(a, "-k") == 0) {
            uint64_t k;
            if (!cli_u64(argv[++i], &k) || k < 1 || k > EXPLORE_K_MAX)
                return cli_usage("explore", "-k takes 1..%d, not '%s'", EXPLORE_K_MAX, argv[i]);
            o.k = (unsigned)k;
        } else if (strcmp(a, "--grid") == 0) {
            if (duration_opt(a, argv[++i], &o.grid_ms) != 0)
                return 2;
        } else if (strcmp(a, "--duration") == 0) {
            if (duration_opt(a, argv[++i], &o.duration_ms) != 0)
                return 2;
        } else if (strcmp(a, "--kinds") == 0) {
            const char *bad;
            size_t bad_len;
            if (!explore_kinds_parse(argv[++i], &o.kinds, &bad, &bad_len))
                return cli_usage("explore", "unknown fault kind '%.*s' (%s)", (int)bad_len, bad,
                                 "kill, disconnect, blip, heal-60s, heal-late, crash, "
                                 "provision-fail");
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            uint64_t j;
            if (!cli_u64(argv[++i], &j) || j > SWARM_JOBS_MAX)
                return cli_usage("explore", "--jobs takes 0..%d, not '%s'", SWARM_JOBS_MAX,
                                 argv[i]);
            o.jobs = (unsigned)j;
        } else if (strcmp(a, "--out") == 0) {
            out_dir = argv[++i];
        } else {
            return cli_usage("explore", "unknown option '%s'", a);
        }
    }
    if (o.duration_ms > SCN_TIME_MS_MAX / 2)
        return cli_usage("explore", "--duration is too long");
    if (out_dir != NULL && mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot create: %s\n", out_dir, strerror(errno));
        return 2;
    }

    explore_ctx_t ctx = {.tty = !quiet && isatty(STDERR_FILENO), .last_ms = 0};
    o.progress = explore_progress;
    o.ctx = &ctx;
    explore_t *e = explore_new(&o);
    scn_t *s = scn_new();
    int rc = 2;
    explore_result_t res = {0};
    char err[512];
    if (e == NULL || s == NULL) {
        fprintf(stderr, "hasim explore: error: out of memory\n");
        goto out;
    }
    int64_t t0 = swarm_clock_ms();
    if (explore_run(e, &res, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    if (ctx.tty)
        fputs("\r\033[K", stderr);

    for (size_t i = 0; i < res.failing_count; i++) {
        const explore_fail_t *f = &res.failing[i];
        explore_scenario(e, f->level, f->fail.item, s);
        if (out_dir != NULL) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/explore-%u-%" PRIu64 ".scn", out_dir, f->level,
                     f->fail.item);
            FILE *fp = fopen(path, "w");
            if (fp == NULL) {
                fprintf(stderr, "%s: error: cannot write: %s\n", path, strerror(errno));
                goto out;
            }
            fprintf(fp, "# hasim explore: %s: %s\n", swarm_rule_name(f->fail.rule), f->fail.msg);
            scn_write(fp, s);
            if (fclose(fp) != 0) {
                fprintf(stderr, "%s: error: writing failed\n", path);
                goto out;
            }
            if (i < PRINT_FAILING_MAX)
                printf("FAIL %s: %s\n     replay: hasim run %s\n", path, f->fail.msg, path);
        } else if (i < PRINT_FAILING_MAX) {
            printf("FAIL level %u timeline %" PRIu64 ": %s\n"
                   "     replay: save the scenario below and 'hasim run' it\n",
                   f->level, f->fail.item, f->fail.msg);
            printf("# hasim explore: %s: %s\n", swarm_rule_name(f->fail.rule), f->fail.msg);
            scn_write(stdout, s);
            printf("\n");
        }
    }
    if (res.failures > PRINT_FAILING_MAX)
        printf("... and %" PRIu64 " more violations%s\n", res.failures - PRINT_FAILING_MAX,
               out_dir ? "" : " (use --out DIR to get them all)");

    char grid[32], dur[32];
    scn_duration_format(o.grid_ms, grid, sizeof(grid));
    scn_duration_format(o.duration_ms, dur, sizeof(dur));
    printf("explore: up to %u faults, %u kinds, grid %s, %s recording: %" PRIu64
           " timelines (",
           o.k, explore_variants(e), grid, dur, res.timelines);
    for (unsigned l = 0; l <= o.k; l++)
        printf("%s%" PRIu64, l ? " + " : "", res.per_level[l]);
    printf("), %" PRIu64 " failed in %.1f s\n", res.failures,
           (double)(swarm_clock_ms() - t0) / 1000.0);
    rc = res.failures > 0 ? 1 : 0;
out:
    explore_result_free(&res);
    scn_free(s);
    explore_free(e);
    return rc;
}
