/* swarm_gen.h -- a whole world and fault timeline drawn from one run seed.
 *
 * Swarm testing (Groce et al., ISSTA 2012): each run turns on a random subset
 * of fault kinds and draws its parameters from random ranges, so that a
 * swarm covers both "only kills, many of them" and "everything at once".
 * Fault times lean towards the moments where the HA center decides: just
 * after an earlier fault, around the 30/60/90 s bounds measured from its
 * expected detection, before the first slice.
 *
 * The result is an ordinary scn_t: what `hasim replay --print-scenario`
 * writes and `hasim run` runs again. Each aspect of the scenario (shape,
 * fault kinds, parameters, faults, API calls, users, stop) draws from its
 * own stream of the run seed, so adding an aspect, or drawing more in one,
 * does not shift what the others draw.
 */
#ifndef SIM_SWARM_GEN_H
#define SIM_SWARM_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/rng.h"
#include "lang/scn.h"

#define SWARM_FAULTS_DEFAULT 3
#define SWARM_FAULTS_MAX 1000
/* A run draws between faults_min and faults_min + this many faults. */
#define SWARM_FAULTS_EXTRA 3
#define SWARM_DURATION_MS_DEFAULT ((int64_t)3600 * 1000)
#define SWARM_DURATION_MS_MIN ((int64_t)60 * 1000)
#define SWARM_DURATION_MS_MAX ((int64_t)7 * 24 * 3600 * 1000)
/* The run goes on this long after the final stop (flush, late callbacks). */
#define SWARM_END_AFTER_STOP_MS ((int64_t)60 * 1000)
/* Seeds are at most this: traces and JSON carry them as int64. */
#define SWARM_SEED_MAX ((uint64_t)INT64_MAX)

typedef struct {
    uint32_t faults_min;  /* 1..SWARM_FAULTS_MAX */
    int64_t duration_ms;  /* of the recording: the final stop is at start + this */
    bool no_bounds;       /* never draw the bounds aspect (--no-bounds) */
} swarm_gen_opts_t;

/* One run in this many draws the bounds aspect: an aim at one bound
 * (bounds.h), on its own stream "swarm.bounds". */
#define SWARM_BOUNDS_SHARE 4

/* faults_min SWARM_FAULTS_DEFAULT, duration SWARM_DURATION_MS_DEFAULT,
 * the bounds aspect on. */
swarm_gen_opts_t swarm_gen_defaults(void);

/* The seed of run k of a swarm started with swarm_seed: the k-th output
 * (k from 0) of splitmix64 started at swarm_seed, shifted right one bit so
 * that it fits an int64. A pure function: any machine, shard or job count
 * gives run k the same seed. */
uint64_t swarm_run_seed(uint64_t swarm_seed, uint64_t k);

/* Fills s (reset first) with the scenario of run_seed (<= SWARM_SEED_MAX).
 * The scenario's own seed is run_seed, so `hasim run` of what scn_write
 * makes of it is the same run. Allocates nothing. */
void swarm_gen(scn_t *s, uint64_t run_seed, const swarm_gen_opts_t *o);

/* Adds to s (a complete scenario, its last action `end`) one fault of a
 * kind drawn from r at at_ms, its arguments drawn as the generator draws
 * them (heal delays near the bounds, a host, a count); session 0 is the
 * unnamed fault. For mutations of a scenario (guided.h). */
void swarm_gen_fault(scn_t *s, sim_rng_t *r, int64_t at_ms, uint32_t session);

#endif
