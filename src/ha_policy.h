/* ha_policy.h -- every number the HA mechanism promises or depends on.
 *
 * One place, units last. The contract (src/CONTRACT.md) quotes these; the
 * oracle in sim/ keeps its own copy of the contract's numbers on purpose, so
 * that a wrong number here is caught instead of agreed with.
 */
#ifndef HA_POLICY_H
#define HA_POLICY_H

/* R1: a killed recorder is replaced within this long after detection. */
#define HA_KILL_SWITCH_MS_MAX 30000
/* R2: a disconnected server may come back up to this long after detection
 * (inclusive); past it the center switches to a different server. */
#define HA_RECONNECT_WINDOW_MS 60000
/* R2: after giving up on the reconnect, the switch must resume within this. */
#define HA_SWITCH_AFTER_RECONNECT_MS_MAX 30000
/* R3/R10: hard deadline of one activation, measured from detection. */
#define HA_ACTIVATION_DEADLINE_MS 90000
/* R5: activations allowed in one recording; the next fault gives up. */
#define HA_ACTIVATIONS_MAX 3

/* Detection. Host agents heartbeat on this period; a server is declared
 * disconnected when no heartbeat arrived for the timeout (A2). */
#define HA_HEARTBEAT_INTERVAL_MS 2000
#define HA_HEARTBEAT_TIMEOUT_MS 6000

/* One replacement attempt may take this long before the center abandons
 * that server and tries another (R11); three attempts fit in R1's 30 s. */
#define HA_START_ATTEMPT_TIMEOUT_MS 9000
/* A reconnected server's recorder must rejoin the channel within this,
 * or the center switches after all (A4). */
#define HA_REJOIN_TIMEOUT_MS 9000
/* The very first recorder of a session must be up within this (the
 * integration guide's "status 4 or 5 within 90 s"); no activation. */
#define HA_INITIAL_START_DEADLINE_MS 90000
/* A normal stop waits this long for the recorder to flush its last slice. */
#define HA_STOP_FLUSH_TIMEOUT_MS 5000

/* The numbers must agree with each other, or a promise cannot be kept. */
_Static_assert(3 * HA_START_ATTEMPT_TIMEOUT_MS <= HA_KILL_SWITCH_MS_MAX,
               "R1: three start attempts must fit in the 30 s after a kill");
_Static_assert(HA_RECONNECT_WINDOW_MS + HA_SWITCH_AFTER_RECONNECT_MS_MAX == HA_ACTIVATION_DEADLINE_MS,
               "R2/R3: 60 s of reconnecting plus a 30 s switch is the 90 s deadline");
_Static_assert(HA_HEARTBEAT_TIMEOUT_MS > HA_HEARTBEAT_INTERVAL_MS,
               "a heartbeat timeout shorter than the interval declares live servers dead");

/* Sizes. Agora allows 17 recorded users per individual-mode session. */
#define HA_USERS_MAX 17
#define HA_STREAMS_MAX (2 * HA_USERS_MAX + 1)
/* Replacement attempts in one activation (bounded by the deadline anyway:
 * 90 000 / 9 000 = 10). */
#define HA_ATTEMPTS_PER_ACTIVATION_MAX 12
/* UIDs a session can have used: the first, then one per attempt. */
#define HA_SESSION_UIDS_MAX (1 + (HA_ACTIVATIONS_MAX + 1) * HA_ATTEMPTS_PER_ACTIVATION_MAX)
/* Draws of the random source before a UID is found (a clash is ~2^-32). */
#define HA_UID_DRAWS_MAX 64

#endif
