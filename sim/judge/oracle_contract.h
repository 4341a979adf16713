/* oracle_contract.h -- the contract's numbers, as the oracle knows them.
 *
 * A deliberate second copy: src/ha_policy.h holds the numbers the HA center
 * runs on, this file holds the numbers the contract (docs/contract-rules.md
 * and src/CONTRACT.md) promises. The oracle never includes ha_policy.h, so a
 * wrong number in the center is caught instead of agreed with.
 */
#ifndef SIM_ORACLE_CONTRACT_H
#define SIM_ORACLE_CONTRACT_H

/* R1: after a kill is detected, resumed on another server within this. */
#define ORC_KILL_RESUME_MS_MAX 30000
/* R2: the disconnected server may come back up to this long after
 * detection, inclusive; at this moment the center switches. */
#define ORC_RECONNECT_WINDOW_MS 60000
/* R2: after the switch at the end of the window, resumed within this. */
#define ORC_SWITCH_RESUME_MS_MAX 30000
/* R3, R10: every activation resumes, or the session ends, by this. */
#define ORC_DEADLINE_MS 90000
/* R5: activations in one recording; the next fault gives up. */
#define ORC_ACTIVATIONS_MAX 3
/* R7: a recording UID is 1 .. 2^32-1. */
#define ORC_UID_MIN 1u
#define ORC_UID_MAX 4294967295u
/* R12: a normal stop ends the session within this. */
#define ORC_STOP_FLUSH_MS_MAX 5000

/* A2: host agents heartbeat on a common grid of this period and the center
 * declares a server down this long after its last heartbeat; a killed
 * process's exit report reaches the center within the last number. */
#define ORC_HEARTBEAT_INTERVAL_MS 2000
#define ORC_HEARTBEAT_TIMEOUT_MS 6000
#define ORC_KILL_REPORT_MS_MAX 3000
/* A3: a replacement recorder is ready this long after it was started. */
#define ORC_STARTUP_MS_MAX 9000
/* A4: a recorder whose server came back rejoins the channel within this
 * (src/CONTRACT.md's A4; a later rejoin lets the center switch instead). */
#define ORC_REJOIN_MS_MAX 9000

/* R11: without a server to take the replacement, the center looks again
 * within this; it gives up trying only after this many attempts. */
#define ORC_CAPACITY_RETRY_MS 1000
#define ORC_ATTEMPTS_MAX 12
/* R13: the first recorder records within this of the accepted start, or
 * the session ends abnormally at exactly that time. */
#define ORC_START_DEADLINE_MS 90000
/* R14: a recording stream finishes a slice every slice length plus this;
 * a slice is 15 s (video: to the first I-frame at or after 15 s). */
#define ORC_SLICE_MS 15000
#define ORC_SLICE_SLACK_MS 10000
/* R14 when the recorder's I-frame interval is not on its ready line. */
#define ORC_GOP_UNKNOWN_MS 45000

/* R6: the answer of the HA window, and the normal answers around it. */
#define ORC_HTTP_NOT_FOUND 404
#define ORC_WORKER_404_MSG "failed to find worker"
#define ORC_QUERY_STATUS_STARTING 2
#define ORC_QUERY_STATUS_STOPPING 6
#define ORC_STOP_EXITING_HTTP 400
#define ORC_STOP_EXITING_CODE 49
/* A start of a task that is live: "task conflict" (agora-facts.md). */
#define ORC_TASK_CONFLICT_HTTP 400
#define ORC_TASK_CONFLICT_CODE 53

/* Callback event types (agora-facts.md). */
#define ORC_NCS_SESSION_EXIT 11
#define ORC_NCS_SESSION_FAILOVER 12

#endif
