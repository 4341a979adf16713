/* runner.c -- fan a run's events out to the oracle, the expectations and the
 * JSONL writer, then decide pass or fail. */
#include "runner.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_json.h"
#include "world/world.h"

struct sim_runner {
    sim_world_t *world;
    sim_judge_t *judge;
    const sim_run_opts_t *opts;
    uint64_t hash;
    uint64_t lines;
    bool write_failed;
    char line[8192];
};

uint64_t sim_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

sim_runner_t *sim_runner_new(void)
{
    sim_runner_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->world = sim_world_new();
    r->judge = sim_judge_new();
    if (r->world == NULL || r->judge == NULL) {
        sim_runner_free(r);
        return NULL;
    }
    return r;
}

void sim_runner_free(sim_runner_t *r)
{
    if (r == NULL)
        return;
    sim_world_free(r->world);
    sim_judge_free(r->judge);
    free(r);
}

static void tail_add(sim_run_tail_t *t, const char *line, size_t n)
{
    size_t at = (size_t)(t->bytes % SIM_RUN_TAIL_BYTES);
    for (size_t done = 0; done < n;) {
        size_t room = SIM_RUN_TAIL_BYTES - at, k = n - done < room ? n - done : room;
        memcpy(t->ring + at, line + done, k);
        done += k;
        at = (at + k) % SIM_RUN_TAIL_BYTES;
    }
    t->bytes += n;
    t->lines++;
}

size_t sim_run_tail_lines(const sim_run_tail_t *t, size_t n, char *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    uint64_t have = t->bytes < SIM_RUN_TAIL_BYTES ? t->bytes : SIM_RUN_TAIL_BYTES;
    uint64_t end = t->bytes, start = end - have, from = start;
    /* Back from the end: the n-th newline before the last one ends the line
     * before the first one wanted. */
    size_t seen = 0;
    for (uint64_t p = end >= 2 ? end - 2 : 0; n > 0 && p + 1 > start && p < end; p--) {
        if (t->ring[p % SIM_RUN_TAIL_BYTES] == '\n' && ++seen == n) {
            from = p + 1;
            break;
        }
        if (p == 0)
            break;
    }
    if (from == start && start > 0) { /* the ring cut the oldest line: skip it */
        while (from < end && t->ring[from % SIM_RUN_TAIL_BYTES] != '\n')
            from++;
        from += from < end;
    }
    size_t lines = 0, used = 0;
    for (uint64_t i = from; i < end && used + 1 < cap; i++) {
        char c = t->ring[i % SIM_RUN_TAIL_BYTES];
        buf[used++] = c;
        lines += c == '\n';
    }
    buf[used] = '\0';
    return lines;
}

static void fan_out(void *ctx, const sim_tr_ev_t *ev)
{
    sim_runner_t *r = ctx;
    r->lines++;
    size_t n = 0;
    if (r->opts->trace != NULL || r->opts->fingerprint || r->opts->tail != NULL) {
        n = sim_tr_json_format(r->line, sizeof(r->line), ev);
        if (n >= sizeof(r->line)) {
            /* Cannot happen with the bounded fields of a trace event; if it
             * ever does, say so rather than write half a line. */
            r->write_failed = true;
            return;
        }
        if (r->opts->tail != NULL)
            tail_add(r->opts->tail, r->line, n);
    }
    sim_judge_event(r->judge, ev);
    if (r->opts->also != NULL)
        r->opts->also(r->opts->also_ctx, ev);
    if (r->opts->trace == NULL && !r->opts->fingerprint)
        return;
    if (r->opts->fingerprint)
        r->hash = sim_fnv1a(r->hash, r->line, n);
    if (r->opts->trace != NULL && fwrite(r->line, 1, n, r->opts->trace) != n)
        r->write_failed = true;
}

static void fan_out_prefetch(void *ctx, uint32_t sess, uint32_t rec, int stage)
{
    const sim_runner_t *r = ctx;
    sim_judge_prefetch(r->judge, sess, rec, stage);
}

int sim_runner_run(sim_runner_t *r, const scn_t *scn, uint64_t seed, const sim_run_opts_t *opts,
                   sim_run_result_t *res, char *err, size_t err_cap)
{
    memset(res, 0, sizeof(*res));
    res->seed = seed;
    r->opts = opts;
    r->hash = SIM_FNV1A_INIT;
    r->lines = 0;
    r->write_failed = false;
    if (sim_judge_begin(r->judge, scn) != 0) {
        snprintf(err, err_cap, "%s: error: out of memory", scn->path);
        return 2;
    }
    sim_world_opts_t wo = {.seed = seed, .utc0_ms = SIM_UTC0_MS_DEFAULT, .sink = fan_out,
                           .sink_ctx = r, .prefetch = fan_out_prefetch,
                           .scenario_path = scn->path};
    int rc = sim_world_run(r->world, scn, &wo, err, err_cap);
    if (rc != 0)
        return rc;
    if (r->write_failed) {
        snprintf(err, err_cap, "%s: error: writing the trace failed", scn->path);
        return 2;
    }
    sim_world_stats_t st = sim_world_stats(r->world);
    sim_judge_finish(r->judge, st.end_t_ms, sim_world_driver_failure(r->world), &res->verdict);
    res->fingerprint = opts->fingerprint || opts->trace ? r->hash : 0;
    res->trace_lines = r->lines;
    res->events = st.events;
    res->end_t_ms = st.end_t_ms;
    return 0;
}

const orc_t *sim_runner_oracle(const sim_runner_t *r) { return sim_judge_oracle(r->judge); }

const struct sim_world *sim_runner_world(const sim_runner_t *r) { return r->world; }

void sim_runner_add_transitions(const sim_runner_t *r, uint64_t *table)
{
    sim_world_add_transitions(r->world, table);
}
