/* bounds.h -- aims: a scenario changed so that it hits a bound on purpose.
 *
 * Each bound of the contract and of A1-A5 (goals.h, swarm_bound_t) has one
 * aim, which adds a few lines of the scenario language -- a fault placed
 * against the heartbeat grid, a heal delay, a `set` line, a stop placed
 * against an estimated detection -- so that an event falls on the bound at
 * -1, 0 or +1 ms. What the aim adds is an ordinary scenario: a run that
 * fails shrinks and replays like any other. The numbers are the contract's
 * (oracle_contract.h) and the world's physics (drive/env.h): the heartbeat
 * grid from t = 0, a stop's 500 ms flush, a kill's report delay fixed by a
 * `set kill_detect` line.
 *
 *   heartbeat       at 2000m+d      disconnect for 10s
 *   detect          at 2000m+o      disconnect for (6000-o+d)ms      (1 <= o <= 1999)
 *   heal            at t            disconnect for (60000+d)ms after detection
 *   start_latency   set start_latency 8999ms | 9s | 9s..9001ms; at t kill
 *   rejoin          set rejoin_latency 8999ms | 9s | 9s..9001ms;
 *                   at t disconnect for 20s after detection
 *   deadline        2 sessions on 2 servers of capacity 1, set kill_detect K:
 *                   at t kill 1; at t+K+90000+d-500 stop 2  (its recorder gone at
 *                   the deadline + d: the only server session 1 may take)
 *   capacity_retry  the same, stop 2 at t+K+1000j+d-500 (a look for capacity)
 *   start_deadline  2 sessions, 1 server of capacity 1: start 2 at T, start 1
 *                   at T+1s (it waits for capacity), stop 2 at T+1s+90000+d-500
 *   stop_flush      at t stop; at t+o disconnect for (5000+d-o)ms: the flush
 *                   never completes and the link is back at the stop + 5 000 + d
 *
 * Where the estimate holds (the session records at t, nothing else happens
 * to it meanwhile) the goal of the bound is reached; with other faults
 * around it may not be, and that is fine: the goals say what was reached.
 */
#ifndef SIM_BOUNDS_H
#define SIM_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/rng.h"
#include "goals.h"
#include "lang/scn.h"

/* Applies the aim at bound b, d ms off (-1, 0, +1), to s: a complete
 * scenario (its last action `end`, at least one start) such as swarm_gen
 * makes. The aim's time and its free numbers are drawn from r. clean drops
 * the other faults first (and stops before the final one), so that nothing
 * else disturbs the aim. The result keeps scn_parse's rules. */
void swarm_aim(scn_t *s, swarm_bound_t b, int d, bool clean, sim_rng_t *r);

/* Where a scenario's session 1 records: its first start, the last start of
 * any session, the final stop (an unnamed stop after every start; else the
 * end) and the end. */
typedef struct {
    int64_t first_start;
    int64_t starts_done;
    int64_t stop;
    int64_t end;
} swarm_frame_t;
swarm_frame_t swarm_frame(const scn_t *s);

/* Capacity freed free_ms (+ d) after a detection: session 1 loses its server
 * at a time drawn from r, session 2 holds the only other one and stops so
 * that its recorder is gone then (the deadline and capacity_retry aims are
 * this with free_ms 90 000 and a multiple of 1 000). */
void swarm_aim_free_at(scn_t *s, int64_t free_ms, int d, sim_rng_t *r);

/* Inserts an action before `end` (swarm_sort_actions puts it in its place),
 * at a time clamped to before the end; NULL when s is full. */
scn_action_t *swarm_add_action(scn_t *s, int64_t at_ms, scn_act_kind_t kind, uint32_t session);

/* Drops every fault of s, and every stop before the final one: what an aim
 * "alone" starts from. */
void swarm_drop_faults(scn_t *s);

/* Sorts s's actions by time, stably, keeping `end` last. */
void swarm_sort_actions(scn_t *s);

/* Sets a `set` line (replacing the one s has). */
void swarm_set_param(scn_t *s, scn_param_id_t id, int64_t lo, int64_t hi);

#endif
