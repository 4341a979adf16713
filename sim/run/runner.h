/* runner.h -- one scenario run, judged: world + oracle + expectations.
 *
 * The runner owns a world, an oracle and an expectation checker and reuses
 * them run after run. Every trace event goes to all three consumers it
 * needs: the oracle and the expectations always, the JSONL text (for a file
 * and for the fingerprint) when asked. */
#ifndef SIM_RUNNER_H
#define SIM_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "judge/judge.h"
#include "judge/oracle.h"
#include "lang/scn.h"
#include "trace/trace.h"

/* The last bytes of a run's JSONL, kept as the run goes: a process that
 * runs a scenario in a child puts this in memory shared with the child, and
 * after a crash still has the lines that led to it. Each line enters before
 * the oracle and the core's consequences of it, so the line a crash happened
 * on is there. */
#define SIM_RUN_TAIL_BYTES 16384
typedef struct {
    uint64_t lines;   /* lines that entered */
    uint64_t bytes;   /* bytes that entered; ring[bytes % size] is the next */
    char ring[SIM_RUN_TAIL_BYTES];
} sim_run_tail_t;

/* The last n (at most) whole lines of the tail into buf (cap bytes, NUL
 * ended), oldest first; the number of lines copied. */
size_t sim_run_tail_lines(const sim_run_tail_t *t, size_t n, char *buf, size_t cap);

typedef struct {
    FILE *trace;          /* JSONL out, or NULL */
    bool fingerprint;     /* hash the JSONL text (costs formatting) */
    sim_run_tail_t *tail; /* the last lines, or NULL */
    sim_tr_sink_fn *also; /* every event to this too (an NCS writer), or NULL */
    void *also_ctx;
} sim_run_opts_t;

typedef struct {
    sim_verdict_t verdict;
    uint64_t seed;
    uint64_t fingerprint;   /* FNV-1a 64 of the JSONL bytes, 0 when not asked */
    uint64_t trace_lines;
    uint64_t events;        /* queue events */
    int64_t end_t_ms;
} sim_run_result_t;

typedef struct sim_runner sim_runner_t;

sim_runner_t *sim_runner_new(void);
void sim_runner_free(sim_runner_t *r);
/* Runs scn with seed. Returns 0 (see res->pass), or 2 with err set when the
 * world cannot be built. */
int sim_runner_run(sim_runner_t *r, const scn_t *scn, uint64_t seed, const sim_run_opts_t *opts,
                   sim_run_result_t *res, char *err, size_t err_cap);
/* The oracle of the last run, for reports. */
const orc_t *sim_runner_oracle(const sim_runner_t *r);
/* The world of the last run (for per-session summaries). */
const struct sim_world *sim_runner_world(const sim_runner_t *r);
/* Adds the last run's state x event counts into table (HA_ST_COUNT x HA_SEV_COUNT). */
void sim_runner_add_transitions(const sim_runner_t *r, uint64_t *table);

/* FNV-1a 64, the fingerprint of trace bytes. */
uint64_t sim_fnv1a(uint64_t h, const void *data, size_t len);
#define SIM_FNV1A_INIT 14695981039346656037ULL

#endif
