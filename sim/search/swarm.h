/* swarm.h -- many runs, judged and summed: the engine under `hasim swarm`,
 * `replay` and `explore`.
 *
 * Three parts:
 *   - an executor: one world and one oracle, reused run after run, with an
 *     optional JSONL trace; what the swarm runs and what replay runs are the
 *     same code, so a replay is the swarm's run byte for byte;
 *   - statistics that add up: counts and fixed-bucket histograms only, never
 *     a list that grows with the runs, so shards and jobs merge by summing;
 *   - a pool: items 0..n-1 run in forked worker processes (or in this one),
 *     handed out in chunks; a worker that dies costs only its chunk, which
 *     is run again one item at a time to find and report the item that
 *     crashes. Results are independent of the number of workers.
 */
#ifndef SIM_SWARM_H
#define SIM_SWARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "goals.h"
#include "ha.h"
#include "judge/oracle.h"
#include "lang/scn.h"
#include "swarm_gen.h"

/* Histograms: bucket i holds [i * 500, (i + 1) * 500) ms, the last one is
 * open-ended (everything from 99.5 s). */
#define SWARM_HIST_BUCKET_MS 500
#define SWARM_HIST_BUCKETS 200

typedef enum {
    SWARM_HIST_KILL_RESUME,      /* kill, switched: resume - detection (R1: 30 s) */
    SWARM_HIST_RECONNECT_RESUME, /* disconnect, same server: resume - detection */
    SWARM_HIST_SWITCH_RESUME,    /* disconnect, switched: resume - switch (R2: 30 s) */
    SWARM_HIST_TOTAL_RESUME,     /* every resumed activation: resume - detection (R3: 90 s) */
    SWARM_HIST_WINDOW_404,       /* the activation's 404 window */
    SWARM_HIST_DETECT,           /* detection - fault */
    SWARM_HIST_COUNT
} swarm_hist_t;

/* "kill_resume_ms", ... as the JSON names them. */
const char *swarm_hist_name(swarm_hist_t h);

/* Not rules of the oracle: a worker died on the run, or the world refused
 * the scenario (a bound of the simulator, such as its event queue). */
#define SWARM_RULE_CRASH (-1)
#define SWARM_RULE_ERROR (-2)
/* "R1".."R12", "NCS", ... and "crash", "error". */
const char *swarm_rule_name(int rule);

typedef struct {
    uint64_t runs;
    uint64_t failures;
    uint64_t checked[ORC_RULES];
    uint64_t violated[ORC_RULES];
    uint64_t notes[ORC_ASSUMPTIONS]; /* [1..4]: A1..A4 (the notes the oracle keeps) */
    /* Activations during which every environment assumption held; those
     * where one broke (orc_activation_t.assumptions) apart, since their
     * timing is the environment's, not the rule's. */
    uint64_t hist[SWARM_HIST_COUNT][SWARM_HIST_BUCKETS];
    uint64_t hist_assumption[SWARM_HIST_COUNT][SWARM_HIST_BUCKETS];
    uint64_t poll_queries;
    uint64_t poll_404;
    uint64_t transitions[HA_ST_COUNT * HA_SEV_COUNT];
    uint64_t events; /* queue events, for speed reports; not in the JSON */
    /* With fingerprints on: the sum over runs of each run's trace hash mixed
     * with its run number. Equal sums: the same traces, whatever --jobs or
     * --shard (and a merge of shards sums to the whole swarm's). */
    uint64_t trace_fingerprint;
    /* Goals (goals.h): how many runs reached each. */
    uint64_t goals[SWARM_GOALS_MAX];
    /* The first run (by label) that reached each goal, plus one; 0: none
     * yet. Merged by the smallest, so it too is independent of --jobs. */
    uint64_t goal_first[SWARM_GOALS_MAX];
} swarm_stats_t;

/* Sums into every counter of into what from counted; goal_first takes the
 * earlier of the two. */
void swarm_stats_merge(swarm_stats_t *into, const swarm_stats_t *from);
/* Counts the goals a run labelled run reached. */
void swarm_stats_goals(swarm_stats_t *st, const swarm_goalset_t *reached, uint64_t run);

/* One failing run. */
typedef struct {
    uint64_t item;  /* position in the pool's items */
    uint64_t run;   /* the label the source gave it (swarm: k) */
    uint64_t seed;  /* run seed */
    int rule;       /* first violated rule, or SWARM_RULE_* */
    char msg[ORC_MSG_MAX];
} swarm_fail_t;

/* ---- the executor ------------------------------------------------------ */

typedef struct swarm_exec swarm_exec_t;

swarm_exec_t *swarm_exec_new(void);
void swarm_exec_free(swarm_exec_t *x);
/* Runs scn with seed, judged by the oracle; the JSONL trace goes to trace
 * when not NULL, with name as the run line's scenario (NULL: scn->path).
 * Returns 0, or 2 with err set (the world refused the scenario, or writing
 * the trace failed). */
int swarm_exec_run(swarm_exec_t *x, const scn_t *scn, uint64_t seed, FILE *trace,
                   const char *name, char *err, size_t err_cap);
const orc_t *swarm_exec_oracle(const swarm_exec_t *x);
/* Hash every run's JSONL text from now on (off by default: it costs the
 * formatting of every event). */
void swarm_exec_fingerprint(swarm_exec_t *x, bool on);
/* The last run's first violation: its rule and message; false when it passed. */
bool swarm_exec_failed(const swarm_exec_t *x, int *rule, const char **msg);
/* Adds the last run to st (its goals too, under its label run). */
void swarm_exec_add(const swarm_exec_t *x, swarm_stats_t *st, uint64_t run);
/* The goals the last run reached. */
const swarm_goalset_t *swarm_exec_goals(const swarm_exec_t *x);

/* ---- the pool ---------------------------------------------------------- */

/* Item i: the scenario to run, its seed and its label. */
typedef void swarm_build_fn(void *ctx, uint64_t item, scn_t *scn, uint64_t *seed, uint64_t *run);
/* Optional: observe_words numbers about a finished run, kept per item
 * (explore: when the last fault was detected; guided: the goals reached). */
typedef void swarm_observe_fn(void *ctx, uint64_t item, const swarm_exec_t *x, int64_t *out);
/* Optional: called in the parent after every chunk. */
typedef void swarm_progress_fn(void *ctx, uint64_t done, uint64_t items, uint64_t failures);

#define SWARM_JOBS_MAX 256
/* A forked worker stops a run that takes longer than this (wall clock); the
 * run is reported like a crash. Longest real runs (168 h recordings with
 * many streams) take seconds. */
#define SWARM_RUN_SECONDS_MAX 600
#define SWARM_CHUNK_MAX 256
#define SWARM_OBSERVED_NONE INT64_MIN
#define SWARM_OBSERVE_WORDS_MAX 8

typedef struct {
    uint64_t items;
    unsigned jobs;            /* 0: run in this process; else forked workers */
    bool fail_fast;           /* stop handing out work after the first failure */
    bool fingerprint;         /* sum every run's trace fingerprint into the stats */
    unsigned run_seconds_max; /* forked workers: a run's time bound; 0: SWARM_RUN_SECONDS_MAX */
    size_t failing_cap;       /* keep the first this many failures (by item) */
    swarm_build_fn *build;
    swarm_observe_fn *observe;
    unsigned observe_words;   /* numbers observe writes per item, 1..SWARM_OBSERVE_WORDS_MAX */
    void *ctx;                /* of build and observe */
    swarm_progress_fn *progress;
    void *progress_ctx;
} swarm_pool_t;

typedef struct {
    swarm_stats_t stats;
    swarm_fail_t *failing;   /* by item, at most failing_cap; free() it */
    size_t failing_count;
    int64_t *observed;       /* items x observe_words entries when observe, item by item;
                              * SWARM_OBSERVED_NONE unknown (a run that crashed); free() */
    uint64_t done;           /* items run: all, unless fail_fast stopped early */
    uint64_t crashes;        /* workers lost (each one's chunk was run again) */
} swarm_result_t;

/* Runs the items. Returns 0, or 2 with err set when the pool could not be
 * set up (fork, pipe, memory); out is then freed and empty. */
int swarm_pool_run(const swarm_pool_t *p, swarm_result_t *out, char *err, size_t err_cap);
void swarm_result_free(swarm_result_t *r);

/* Milliseconds of a monotonic clock, for speed and progress only. */
int64_t swarm_clock_ms(void);

/* ---- results as JSON ---------------------------------------------------- */

/* --shard i/n: n at most this. */
#define SWARM_SHARDS_MAX 65536

/* Failing runs kept in a report (the count of all of them is in stats). */
#define SWARM_FAILING_KEEP 1000

typedef struct {
    uint64_t seed;
    unsigned jobs;
    uint64_t shard_i, shard_n;
    int64_t elapsed_ms;
    const swarm_stats_t *stats;     /* runs and failures are its own */
    const swarm_fail_t *failing;    /* by run */
    size_t failing_count;
    const char *replay_args;        /* what follows "--seed X" in a replay command */
    bool fingerprint;               /* write stats->trace_fingerprint */
    /* A guided swarm (guided.h): failing[i] replays with "--chain chains[i]". */
    bool guided;
    const char *const *chains;
    unsigned batch;
    uint64_t generations, corpus;
} swarm_report_t;

/* The command that replays failing run i of r into buf, of this size. */
#define SWARM_REPLAY_MAX 8192
void swarm_report_replay(const swarm_report_t *r, size_t i, char *buf, size_t cap);

/* The report format of docs/swarm.md, on one line with a newline:
 * {"hasim":"swarm","seed":S,"runs":N,"failures":F,"jobs":J,"shard":"i/n",
 *  "elapsed_ms":E,["guided":{...},]"failing":[...],"checked":{...},
 *  "violated":{...},"notes":{...},"histograms":{...},"histograms_assumption":{...},
 *  "poller":{...},"transitions":T,"goals":{...}}. */
void swarm_json_write(FILE *f, const swarm_report_t *r);

#endif
