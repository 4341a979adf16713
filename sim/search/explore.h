/* explore.h -- bounded exhaustive search over fault timelines.
 *
 * One short recording (one session, 3 servers, start at 0, stop at the
 * duration, fixed world parameters so that every time below is exact) and
 * every timeline of up to K faults built like this:
 *   - the first fault: every kind at every grid point 0, g, 2g, ... < D;
 *   - each next fault: every kind at every grid point at or after the
 *     previous fault, plus the bound points of the previous fault: its
 *     detection (as the run of the shorter timeline observed it) plus
 *     30 000, 60 000 and 90 000 ms, each -1, 0 and +1 ms, when before D
 *     and not on the grid. A fault that was never detected (provision-fail,
 *     a crash of an idle host, a fault inside a window) adds no bound points.
 * Timelines are explored level by level (0 faults, 1, ..., K) since a
 * level's bound points come from the runs of the level before. The count
 * of level L+1 is, summed over the timelines p of level L,
 *   kinds x (grid points >= t_last(p) + bound points of p).
 */
#ifndef SIM_EXPLORE_H
#define SIM_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/scn.h"
#include "swarm.h"

#define EXPLORE_K_MAX 4
#define EXPLORE_SERVERS 3
#define EXPLORE_K_DEFAULT 2
#define EXPLORE_GRID_MS_DEFAULT 30000
#define EXPLORE_DURATION_MS_DEFAULT 600000
/* The world's fixed parameters. */
#define EXPLORE_KILL_DETECT_MS 2000
#define EXPLORE_START_LATENCY_MS 4000
#define EXPLORE_REJOIN_LATENCY_MS 1000
#define EXPLORE_GOP_MS 2000
/* The run goes on this long after the stop. */
#define EXPLORE_END_AFTER_STOP_MS 120000

typedef enum {
    EXPLORE_KILL,           /* kill */
    EXPLORE_DISCONNECT,     /* disconnect (never heals) */
    EXPLORE_BLIP,           /* disconnect for 10s */
    EXPLORE_HEAL_60S,       /* disconnect for 1m after detection: the last moment to reconnect */
    EXPLORE_HEAL_LATE,      /* disconnect for 1m1ms after detection: 1 ms too late */
    EXPLORE_CRASH,          /* crash host N, one variant per host */
    EXPLORE_PROVISION_FAIL, /* provision-fail 1 */
    /* The boundary kinds (--bounds), each 1 ms either side of a bound: */
    EXPLORE_HEAL_EARLY,        /* disconnect for 59999ms after detection */
    EXPLORE_BLIP_DETECT_EARLY, /* cut 1 ms after t, back 1 ms before its detection would be */
    EXPLORE_BLIP_DETECT,       /* ... back at the millisecond of its detection */
    EXPLORE_BLIP_DETECT_LATE,  /* ... back 1 ms after it */
    EXPLORE_BLIP_TICK_EARLY,   /* blip 1 ms before the heartbeat tick at or after t */
    EXPLORE_BLIP_TICK_LATE,    /* blip 1 ms after it */
    EXPLORE_KIND_COUNT
} explore_kind_t;

/* The kinds explore tries by default, and the ones --bounds adds. */
#define EXPLORE_KINDS_DEFAULT ((1u << (EXPLORE_PROVISION_FAIL + 1)) - 1)
#define EXPLORE_KINDS_BOUNDS (((1u << EXPLORE_KIND_COUNT) - 1) & ~EXPLORE_KINDS_DEFAULT)

/* "kill", "disconnect", "blip", "heal-60s", "heal-late", "crash", "provision-fail",
 * "heal-early", "blip-detect-1", "blip-detect", "blip-detect+1", "blip-tick-1",
 * "blip-tick+1". */
const char *explore_kind_name(explore_kind_t k);
/* A comma-separated list of names into a mask; false (and *bad the first
 * unknown name) when a name is unknown. */
bool explore_kinds_parse(const char *list, uint32_t *mask, const char **bad, size_t *bad_len);

/* Worlds: the fixed parameters above (world 0), and with --bounds the
 * start and rejoin latencies at their 9 000 ms bound: 8 999 ms, 9 000 ms and
 * 9 000..9 001 ms (a recorder that is up at 9 001 ms when the seed draws it). */
#define EXPLORE_WORLDS_MAX 7
/* How many worlds: 1, or EXPLORE_WORLDS_MAX with bounds. */
unsigned explore_worlds(bool bounds);
/* "start_latency 4s, rejoin_latency 1s", ... */
const char *explore_world_name(unsigned world);

typedef struct {
    unsigned k;           /* 1..EXPLORE_K_MAX */
    int64_t grid_ms;      /* >= 1 */
    int64_t duration_ms;  /* > 0 */
    uint32_t kinds;       /* mask of explore_kind_t, not 0 */
    bool bounds;          /* bound points at detection + 9 000 ms too (an attempt's time-out) */
    unsigned world;       /* < explore_worlds(bounds) */
    unsigned jobs;        /* as swarm_pool_t */
    swarm_progress_fn *progress;
    void *ctx;
} explore_opts_t;

typedef struct {
    unsigned level;       /* faults in the timeline */
    swarm_fail_t fail;    /* fail.item: index in its level */
} explore_fail_t;

typedef struct {
    uint64_t per_level[EXPLORE_K_MAX + 1];
    uint64_t timelines;   /* the sum */
    uint64_t failures;
    swarm_stats_t stats;
    explore_fail_t *failing; /* level by level, by item; at most SWARM_FAILING_KEEP */
    size_t failing_count;
} explore_result_t;

typedef struct explore explore_t;

explore_t *explore_new(const explore_opts_t *o);
void explore_free(explore_t *e);
/* Runs every level. 0, or 2 with err set (memory, fork). */
int explore_run(explore_t *e, explore_result_t *r, char *err, size_t err_cap);
void explore_result_free(explore_result_t *r);
/* Timeline `item` of `level` as a scenario (after explore_run reached that level). */
void explore_scenario(const explore_t *e, unsigned level, uint64_t item, scn_t *out);
/* Fault variants the options make (crash counts once per host). */
unsigned explore_variants(const explore_t *e);

#endif
