/* guided.h -- a swarm that steers itself towards the goals (goals.h).
 *
 * Runs go in generations of `batch` runs. Generation 0 is the blind swarm's
 * first runs. After each generation its runs are looked at in run order:
 * one that reached a goal fewer than GUIDED_KEEP_PER_GOAL kept runs reached
 * joins the corpus. Each run of the next generation is planned from the
 * corpus as it stood when the generation began: one in 4 is a blind swarm
 * run; the others mutate a corpus run (mutate.h) -- half of them towards a
 * goal not reached yet (the one tried least so far, of two drawn), from a
 * run that reached the goal's state when it is a (state, event) pair; the
 * other half at random, from a run that reached a rare goal. Plans depend
 * on the corpus, the counts and the run's own seed only, never on which
 * worker ran what, so the results do not depend on --jobs.
 *
 * A guided run is replayed from its chain (mutate.h): the seed of the blind
 * run it descends from and one seed (and goal) per mutation since.
 */
#ifndef SIM_GUIDED_H
#define SIM_GUIDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mutate.h"
#include "swarm.h"
#include "swarm_gen.h"

#define GUIDED_BATCH_DEFAULT 128
#define GUIDED_BATCH_MAX 100000
#define GUIDED_KEEP_PER_GOAL 2
#define GUIDED_CORPUS_MAX 16384

_Static_assert(SWARM_CHAIN_TEXT_MAX + 512 <= SWARM_REPLAY_MAX, "a chain fits a replay command");

typedef struct {
    uint64_t seed;            /* the swarm's: run k's seed is swarm_run_seed(seed, k) */
    uint64_t runs;
    unsigned batch;           /* runs a generation */
    unsigned jobs;            /* as swarm_pool_t */
    bool fail_fast;           /* stop after the generation that found a failure */
    bool fingerprint;
    swarm_gen_opts_t gen;
    swarm_progress_fn *progress;
    void *progress_ctx;
} guided_opts_t;

typedef struct {
    swarm_stats_t stats;
    swarm_fail_t *failing;   /* by run (item == run), at most SWARM_FAILING_KEEP */
    char **chain;            /* failing[i]'s chain text */
    size_t failing_count;
    uint64_t generations;
    uint64_t corpus;         /* runs kept */
    uint64_t crashes;
} guided_result_t;

/* 0, or 2 with err set (memory, fork); out is then freed and empty. */
int guided_run(const guided_opts_t *o, guided_result_t *out, char *err, size_t err_cap);
void guided_result_free(guided_result_t *r);

#endif
