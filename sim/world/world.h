/* world.h -- the simulated world around the HA center: virtual time.
 *
 * Servers with capacity, their links to the fault processing center, hosts
 * that crash; recorder processes that start, join the channel, cut slices
 * and die; channel users; API clients (the scenario's calls and a polling
 * client that follows the integration guide); a notification receiver. The
 * world drives the HA core in src/ only through ha_center_input() and its
 * commands, in virtual time, and reports every fact and every decision as a
 * trace event to one sink.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drive/env.h"
#include "lang/scn.h"
#include "trace/trace.h"

/* Below this many sessions the records a slice reads mostly stay in cache
 * and looking ahead is mostly cost. Measured (CPU per trace line, medians
 * of 5, look-ahead on / off): 1 000 sessions +2 to +5 %, 4 000 sessions
 * -35 %, 16 000 -30 to -37 %, 100 000 -38 %. */
#define SIM_WORLD_PREFETCH_SESSIONS 2048u

typedef struct {
    uint64_t seed;            /* the run's seed (scenario's or --seed) */
    int64_t utc0_ms;          /* UTC at t = 0 */
    sim_tr_sink_fn *sink;     /* every trace event */
    void *sink_ctx;
    sim_tr_prefetch_fn *prefetch; /* the sink's cache hint (sink_ctx), or NULL */
    /* The world looks one event ahead, for cache hints, from this many
     * sessions on; 0: SIM_WORLD_PREFETCH_SESSIONS. Timing only: the trace
     * is the same either way (tests/test_world.c holds it to that). */
    uint32_t prefetch_from_sessions;
    /* Room in the event queue; 0: what the scenario can need (sized from
     * it). Tests give less, to reach the "event queue full" limit. */
    uint32_t queue_capacity;
    const char *scenario_path;/* for the run line */
} sim_world_opts_t;

typedef struct {
    uint64_t events;          /* queue events processed */
    uint64_t inputs;          /* inputs given to the center */
    uint64_t trace_events;
    int64_t end_t_ms;
    bool queue_full;          /* the run stopped at the event queue's limit */
    bool queue_full_held;     /* ... while an event was held for the tick */
} sim_world_stats_t;

typedef struct sim_world sim_world_t;

/* One world is reused run after run: its buffers grow to the largest run and
 * are then kept, so a swarm allocates nothing in steady state. */
sim_world_t *sim_world_new(void);
void sim_world_free(sim_world_t *w);

/* Runs the scenario to its end. Returns 0, or 2 with err set when the
 * scenario asks for a world larger than this machine can hold. */
int sim_world_run(sim_world_t *w, const scn_t *scn, const sim_world_opts_t *opts, char *err,
                  size_t err_cap);
sim_world_stats_t sim_world_stats(const sim_world_t *w);
/* With `set hostile on`: the first lie the center answered wrongly in the
 * last run (liar.h), as a sentence; NULL when every lie got its answer. */
const char *sim_world_driver_failure(const sim_world_t *w);

/* What the center says of session ws (0-based) at the end of the last run:
 * its state, activations and recording UID. 0 for a session never started. */
typedef struct {
    int state;        /* ha_state_t */
    int activations;
    uint32_t uid;
} sim_world_session_t;
sim_world_session_t sim_world_session(const sim_world_t *w, uint32_t ws);

/* The HA core's state-machine coverage of the last run, summed into
 * table[state * HA_SEV_COUNT + sev] (sizes from ha.h). */
void sim_world_add_transitions(const sim_world_t *w, uint64_t *table);

#endif
