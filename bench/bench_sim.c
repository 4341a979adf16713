/* bench_sim.c -- how fast the simulator runs whole scenarios, and how much
 * memory it needs.
 *
 *   bench_sim speed SCENARIO [REPEATS]   median wall time of REPEATS runs (no
 *                                        trace text), events/s, simulated s
 *                                        per wall s; one JSON line
 *   bench_sim rss SCENARIO TRACE         one run with the trace streamed to
 *                                        TRACE; peak RSS (one JSON line)
 *
 * Wall time comes from CLOCK_MONOTONIC here, in the benchmark, never in the
 * simulator. Medians, because these machines are shared and noisy. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "run/runner.h"
#include "lang/scn.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_sim speed SCENARIO [REPEATS] | rss SCENARIO TRACE\n");
        return 2;
    }
    scn_t *scn = scn_new();
    char err[2048];
    if (scn_parse_file(scn, argv[2], err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    sim_runner_t *r = sim_runner_new();
    sim_run_result_t res;
    if (strcmp(argv[1], "rss") == 0 && argc == 4) {
        FILE *f = fopen(argv[3], "w");
        if (f == NULL)
            return 2;
        sim_run_opts_t o = {.trace = f, .fingerprint = false};
        if (sim_runner_run(r, scn, scn->seed, &o, &res, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
        fclose(f);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("{\"scenario\":\"%s\",\"sim_ms\":%lld,\"trace_lines\":%llu,\"peak_rss_kib\":%ld,"
               "\"pass\":%s}\n",
               argv[2], (long long)res.end_t_ms, (unsigned long long)res.trace_lines, ru.ru_maxrss,
               res.verdict.pass ? "true" : "false");
        return 0;
    }
    int repeats = argc > 3 ? atoi(argv[3]) : 9;
    if (repeats < 1 || repeats > 1000)
        repeats = 9;
    int64_t *wall = calloc((size_t)repeats, sizeof(*wall));
    int64_t *cpu = calloc((size_t)repeats, sizeof(*cpu));
    sim_run_opts_t o = {.trace = NULL, .fingerprint = false};
    for (int i = 0; i < repeats; i++) {
        int64_t t0 = now_ns(), c0 = cpu_ns();
        if (sim_runner_run(r, scn, scn->seed, &o, &res, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
        wall[i] = now_ns() - t0;
        cpu[i] = cpu_ns() - c0;
    }
    qsort(wall, (size_t)repeats, sizeof(*wall), cmp_i64);
    int64_t med = wall[repeats / 2];
    qsort(cpu, (size_t)repeats, sizeof(*cpu), cmp_i64);
    int64_t cpu_med = cpu[repeats / 2];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"scenario\":\"%s\",\"repeats\":%d,\"wall_ns_median\":%lld,\"wall_ns_min\":%lld,"
           "\"events\":%llu,\"trace_events\":%llu,\"sim_ms\":%lld,\"events_per_s\":%.0f,"
           "\"sim_s_per_wall_s\":%.0f,\"cpu_ns_median\":%lld,\"cpu_ns_per_line\":%.1f,"
           "\"sessions\":%u,\"peak_rss_kib\":%ld,\"pass\":%s}\n",
           argv[2], repeats, (long long)med, (long long)wall[0], (unsigned long long)res.events,
           (unsigned long long)res.trace_lines, (long long)res.end_t_ms,
           (double)res.events * 1e9 / (double)med, (double)res.end_t_ms * 1e6 / (double)med,
           (long long)cpu_med, (double)cpu_med / (double)(res.trace_lines ? res.trace_lines : 1),
           scn->sessions, ru.ru_maxrss, res.verdict.pass ? "true" : "false");
    free(wall);
    free(cpu);
    sim_runner_free(r);
    scn_free(scn);
    return 0;
}
