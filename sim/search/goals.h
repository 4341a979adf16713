/* goals.h -- situations worth reaching ("sometimes" assertions).
 *
 * A rule must hold on every run; a goal only has to happen on some run, and
 * a swarm that never reaches it has not tested what follows from it: a 4th
 * fault, a heal exactly at 60 000 ms after detection, a replacement failing
 * in each way, a stop inside each kind of window, every bound of the
 * contract and of A1-A5 hit at -1, 0 and +1 ms, every (state, event) pair
 * the core can take. `hasim swarm` reports which goals its runs reached and
 * how often, and `--guided` steers towards the ones not reached yet.
 *
 * Goals are recognised from what a run shows, never from the core's memory:
 * the trace (the same events the oracle reads) and the scenario that was
 * run. The one exception is the state-machine goals, which are the core's
 * own transition table (sim_world_add_transitions); the pairs
 * tools/report_fsm.py shows as impossible are not goals.
 *
 * An observer lives as long as an executor and allocates nothing: it
 * follows the first SWARM_GOALS_SESSIONS sessions and SWARM_GOALS_SERVERS
 * servers of a run (a swarm run has at most 4 sessions and 6 servers).
 */
#ifndef SIM_GOALS_H
#define SIM_GOALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/scn.h"
#include "trace/trace.h"

#define SWARM_GOALS_WORDS 4
#define SWARM_GOALS_MAX (64 * SWARM_GOALS_WORDS)
#define SWARM_GOALS_SESSIONS 64
#define SWARM_GOALS_SERVERS 64
#define SWARM_GOAL_NAME_MAX 48

/* Bounds of the contract and of A1-A5 that the swarm aims at (bounds.h) and
 * that goals recognise, each at -1, 0 and +1 ms. */
typedef enum {
    SWARM_BOUND_HEARTBEAT,      /* a disconnect at a heartbeat tick (A2: every 2 000 ms) */
    SWARM_BOUND_DETECT,         /* the link back at last heartbeat + 6 000 ms (R2, A2) */
    SWARM_BOUND_HEAL,           /* the link back at detection + 60 000 ms (R2) */
    SWARM_BOUND_START,          /* a recorder up 9 000 ms after its start (A3, R11) */
    SWARM_BOUND_REJOIN,         /* a rejoin done 9 000 ms after the resume order (A4) */
    SWARM_BOUND_DEADLINE,       /* capacity freed at detection + 90 000 ms (R3, R10) */
    SWARM_BOUND_START_DEADLINE, /* capacity freed at the accepted start + 90 000 ms (R13) */
    SWARM_BOUND_RETRY,          /* capacity freed at a look for capacity (R11: 1 000 ms) */
    SWARM_BOUND_FLUSH,          /* a link back at the stop + 5 000 ms (R12) */
    SWARM_BOUND_COUNT
} swarm_bound_t;

/* "heartbeat", "detect", ... */
const char *swarm_bound_name(swarm_bound_t b);

/* Goal ids: the named goals, then 3 per bound (-1, 0, +1 ms), then one per
 * possible (state, event) pair of the core. */
typedef enum {
    SWARM_GOAL_FAULT_4TH,              /* a 4th fault of the serving recorder (R5) */
    SWARM_GOAL_THIRD_RESUMED,          /* activation 2 resumed: the last one there is */
    SWARM_GOAL_REPL_START_FAILED,      /* a replacement's start failed (R11) */
    SWARM_GOAL_REPL_KILLED,            /* a replacement killed before it resumed */
    SWARM_GOAL_REPL_DISCONNECTED,      /* a replacement's server cut off before it resumed */
    SWARM_GOAL_REPL_TIMEOUT,           /* a replacement not up within 9 000 ms */
    SWARM_GOAL_FIRST_START_RETRIED,    /* the first recorder failed, a later one recorded (R13) */
    SWARM_GOAL_CAPACITY_LAST_SECOND,   /* capacity freed in the last second before a deadline */
    SWARM_GOAL_STOP_KILL_WINDOW,       /* a stop inside a kill's window (R6, R12) */
    SWARM_GOAL_STOP_DISCONNECT_MINUTE, /* a stop inside a disconnect's minute */
    SWARM_GOAL_STOP_SWITCHING,         /* a stop after a switch, before the resume */
    SWARM_GOAL_UPDATE_MINUTE,          /* an update inside a disconnect's minute */
    SWARM_GOAL_LAYOUT_MINUTE,          /* an updateLayout inside a disconnect's minute */
    SWARM_GOAL_END_DEADLINE,           /* an activation ended at its deadline (R10) */
    SWARM_GOAL_END_START_DEADLINE,     /* the first start ended at its deadline (R13) */
    SWARM_GOAL_NAMED_COUNT,
    SWARM_GOAL_BOUND_FIRST = SWARM_GOAL_NAMED_COUNT,
    SWARM_GOAL_FSM_FIRST = SWARM_GOAL_BOUND_FIRST + 3 * SWARM_BOUND_COUNT,
} swarm_goal_t;

/* The goal of bound b hit at d ms (-1, 0, +1). */
static inline unsigned swarm_goal_bound(swarm_bound_t b, int d)
{
    return SWARM_GOAL_BOUND_FIRST + 3u * (unsigned)b + (unsigned)(d + 1);
}

/* How many goals there are (named, bounds, state-machine pairs). */
unsigned swarm_goals_count(void);
/* "fault.4th", "bound.heal.-1", "fsm.recording.server_down", ... */
const char *swarm_goal_name(unsigned id);
/* One line on what the goal is. */
const char *swarm_goal_what(unsigned id);
/* The id of a name, or -1. */
int swarm_goal_find(const char *name);
/* The (state, event) pair of a state-machine goal: false for other goals. */
bool swarm_goal_fsm(unsigned id, int *state, int *event);
/* A pair the core can never count (tools/report_fsm.py's IMPOSSIBLE). */
bool swarm_fsm_impossible(int state, int event);

typedef struct {
    uint64_t w[SWARM_GOALS_WORDS];
} swarm_goalset_t;

static inline bool swarm_goalset_has(const swarm_goalset_t *s, unsigned id)
{
    return (s->w[id / 64] >> (id % 64)) & 1u;
}
static inline void swarm_goalset_add(swarm_goalset_t *s, unsigned id)
{
    s->w[id / 64] |= UINT64_C(1) << (id % 64);
}

/* ---- the observer -------------------------------------------------------- */

typedef struct {
    int64_t accepted;        /* session line, -1 none */
    int64_t end_t;           /* -1 not ended */
    bool started, first_failed;
    bool act_open, minute, switched;
    int cause;               /* sim_cause_t of the open activation */
    int64_t deadline;        /* of the open activation */
    bool waiting;            /* the last decision was a look for capacity */
    int64_t wait_t, wait_until;
    uint32_t att_rec, att_srv; /* the attempt in flight (recorder_start) */
    int64_t att_t;
    uint8_t att_marks;
    uint32_t rj_rec;         /* the recorder told to rejoin */
    int64_t rj_t;
    int64_t stop_t;          /* a stop accepted while recording, -1 none */
} swarm_goals_sess_t;

typedef struct {
    swarm_goalset_t reached;
    swarm_goals_sess_t sess[SWARM_GOALS_SESSIONS];
    int64_t cut_hb[SWARM_GOALS_SERVERS]; /* last heartbeat before a cut, -1 */
    int64_t down_t[SWARM_GOALS_SERVERS]; /* server_down of the outage, -1 */
    bool start_9001, rejoin_9001; /* the scenario's latency is 9 000 or 9 001 ms */
} swarm_goals_t;

/* A new run of scn. */
void swarm_goals_begin(swarm_goals_t *g, const scn_t *scn);
/* The next event of its trace. */
void swarm_goals_event(swarm_goals_t *g, const sim_tr_ev_t *ev);
/* The run's end: the state-machine goals from its transition table
 * (HA_ST_COUNT x HA_SEV_COUNT counts, row by state). */
void swarm_goals_finish(swarm_goals_t *g, const uint64_t *transitions);

#endif
