/* runner.c -- fan a run's events out to the oracle, the expectations and the
 * JSONL writer, then decide pass or fail. */
#include "runner.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "trace_json.h"
#include "world.h"

struct sim_runner {
    sim_world_t *world;
    orc_t *oracle;
    sim_expect_t *expect;
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
    r->oracle = orc_new();
    r->expect = sim_expect_new();
    if (r->world == NULL || r->oracle == NULL || r->expect == NULL) {
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
    orc_free(r->oracle);
    sim_expect_free(r->expect);
    free(r);
}

static void fan_out(void *ctx, const sim_tr_ev_t *ev)
{
    sim_runner_t *r = ctx;
    r->lines++;
    orc_event(r->oracle, ev);
    sim_expect_event(r->expect, ev);
    if (r->opts->trace == NULL && !r->opts->fingerprint)
        return;
    size_t n = sim_tr_json_format(r->line, sizeof(r->line), ev);
    if (n >= sizeof(r->line)) {
        /* Cannot happen with the bounded fields of a trace event; if it
         * ever does, say so rather than write half a line. */
        r->write_failed = true;
        return;
    }
    if (r->opts->fingerprint)
        r->hash = sim_fnv1a(r->hash, r->line, n);
    if (r->opts->trace != NULL && fwrite(r->line, 1, n, r->opts->trace) != n)
        r->write_failed = true;
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
    orc_reset(r->oracle);
    if (sim_expect_begin(r->expect, scn) != 0) {
        snprintf(err, err_cap, "%s: error: out of memory", scn->path);
        return 2;
    }
    sim_world_opts_t wo = {.seed = seed, .utc0_ms = SIM_UTC0_MS_DEFAULT, .sink = fan_out,
                           .sink_ctx = r, .scenario_path = scn->path};
    int rc = sim_world_run(r->world, scn, &wo, err, err_cap);
    if (rc != 0)
        return rc;
    if (r->write_failed) {
        snprintf(err, err_cap, "%s: error: writing the trace failed", scn->path);
        return 2;
    }
    sim_world_stats_t st = sim_world_stats(r->world);
    orc_finish(r->oracle, st.end_t_ms);

    res->fingerprint = opts->fingerprint || opts->trace ? r->hash : 0;
    res->trace_lines = r->lines;
    res->events = st.events;
    res->end_t_ms = st.end_t_ms;
    res->expect_failed = sim_expect_finish(r->expect, res->expect_msgs, sizeof(res->expect_msgs));

    res->violations = sim_expect_verdict(scn, r->oracle, &res->expect_failed, res->expect_msgs,
                                         sizeof(res->expect_msgs));
    const char *lie = sim_world_driver_failure(r->world);
    if (lie != NULL) {
        /* The center mishandled input a driver must not send: a failed
         * check of the run, reported with the expectations. */
        res->expect_failed++;
        size_t used = strlen(res->expect_msgs);
        snprintf(res->expect_msgs + used, sizeof(res->expect_msgs) - used, "%s: %s\n",
                 scn->path[0] ? scn->path : "<scenario>", lie);
    }
    res->pass = res->violations == 0 && res->expect_failed == 0;
    return 0;
}

const orc_t *sim_runner_oracle(const sim_runner_t *r) { return r->oracle; }

const struct sim_world *sim_runner_world(const sim_runner_t *r) { return r->world; }

void sim_runner_add_transitions(const sim_runner_t *r, uint64_t *table)
{
    sim_world_add_transitions(r->world, table);
}
