/* core_harness.h -- a small deterministic driver of the HA core for unit tests.
 *
 * Declarations only; the definitions are in core_harness.c, which the
 * Makefile compiles once and links into every test binary. Include it
 * after nothing but the system headers; it includes cmocka and the core's
 * internal header itself, since the tests read the center's memory.
 *
 * The harness owns the center's memory, records every command the center
 * emits (copying the strings, which are borrowed only during emit), keeps
 * one armed timer per slot (arm replaces, cancel clears), feeds heartbeats
 * every 2000 ms for the servers marked up, and fires timers in time order.
 * Within one millisecond it delivers heartbeats before timers, as the
 * simulator does, and h_goto() lets a test deliver its own inputs at a
 * millisecond before that millisecond's timers fire.
 *
 * Two checkers run on every input and fail the test on the first breach:
 *   - an online oracle over the command stream: the contract rules as far
 *     as the commands show them (R4 names, R5 no bak3_, R6 message, R7
 *     UIDs and callbacks, R8/R9 slices only from the serving recorder,
 *     never from a fenced one, R11 one deadline per activation, the bounds
 *     at their exact millisecond when the harness is on time);
 *   - a core checker over the center's memory (h_check_core): one serving
 *     recorder, activations <= 3, each server's load equal to the
 *     recorders the center still holds there, timers mirrored exactly,
 *     playlists open only under the current prefix and never in a window.
 * h_check_queries() adds the 404 window: it queries every session and
 * compares the answer with the session's state.
 */
#ifndef CORE_HARNESS_H
#define CORE_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ha.h"
#include "ha_internal.h"

#define H_SERVERS_MAX 16
#define H_SESSIONS_MAX 16
#define H_FORCED_MAX 256
#define H_POOL_CHUNK (1u << 20)
#define H_POOL_CHUNKS_MAX 256
#define H_LIST_MAX 128
/* The contract's numbers, written out: a wrong number in ha_policy.h must
 * fail the tests, not be agreed with. */
#define H_HB_MS 2000            /* heartbeat period of the host agents */
#define H_HB_TIMEOUT_MS 6000    /* no heartbeat this long: disconnected */
#define H_RECONNECT_MS 60000    /* R2, inclusive */
#define H_DEADLINE_MS 90000     /* R3, R10 */
#define H_ACT_MAX 3             /* R5 */
#define H_START_DEADLINE_MS 90000
#define H_NO_CAPACITY_RETRY_MS 1000 /* R11: a look for capacity is repeated this soon */
#define H_NO_WORKER "failed to find worker"
#define H_SID "0123456789abcdef0123456789abcdef"

typedef struct {
    int64_t t_ms;   /* time of the input that emitted it */
    uint64_t input; /* ordinal of that input, from 1 */
    ha_cmd_t cmd;   /* strings point into the harness's pool */
} h_rec_t;

typedef struct {
    bool armed;
    ha_timer_t timer;
    int64_t at_ms;
} h_slot_t;

typedef struct {
    uint64_t req_id;
    uint32_t session;
    uint16_t http, code;
    uint8_t status;
    bool has_message, has_file;
    char message[64];
    char file[HA_NAME_MAX];
} h_reply_t;

/* What the online oracle knows about one session, from commands only. */
typedef struct {
    bool started, ended, notify_closed;
    int exit_notified;
    uint32_t start_uid, uid_cur, uid_before;
    int64_t start_ms;
    uint32_t serving_rec, serving_server; /* 0 recorder: nothing serves */
    int bak_cur;                          /* prefix of what is recorded now */
    bool in_act;                          /* detection .. resume */
    int act_cur;
    int detections;
    int64_t detect_ms;
    uint32_t det_server, det_rec;
    bool det_rec_exited, resume_sent;
    bool serving_fenced; /* the serving recorder was told to stop for good */
    int deadline_arms;
    ha_cause_t cause;
    uint32_t avoid[H_LIST_MAX], n_avoid;
    uint32_t used[H_LIST_MAX], n_used;
    uint32_t users[HA_USERS_MAX], n_users;
    uint32_t fenced[H_LIST_MAX], n_fenced;
    char open[HA_STREAMS_MAX][HA_NAME_MAX];
    uint32_t n_open;
    uint32_t seq;
    uint32_t slices;
} h_track_t;

typedef struct h {
    ha_center_t *c;
    unsigned char *mem;
    ha_config_t cfg;
    int64_t now;
    uint64_t inputs;
    bool strict; /* timers fire on time: bounds must hold to the ms */

    h_rec_t *rec;
    uint32_t n, cap;
    char *pool[H_POOL_CHUNKS_MAX];
    uint32_t pool_chunks;
    size_t pool_used; /* in the last chunk */

    h_slot_t *slots;
    uint32_t nslots;

    uint32_t nservers;
    uint32_t capacity[H_SERVERS_MAX];
    bool up[H_SERVERS_MAX];
    int64_t next_hb[H_SERVERS_MAX];
    int64_t last_hb[H_SERVERS_MAX];

    uint64_t rng;
    uint64_t forced[H_FORCED_MAX];
    uint32_t forced_count, forced_next;
    uint64_t draws;

    uint64_t next_req;
    uint64_t cur_req;
    bool cur_is_start;
    ha_api_in_t cur_api;
    h_reply_t reply;
    uint32_t replies;

    uint32_t last_recorder;
    uint64_t last_notice;
    h_track_t track[H_SESSIONS_MAX];
} h_t;

/* ---- failing with context ---------------------------------------------- */

/* Fails the running cmocka test at file:line with the message, the harness
 * time and the last 40 commands. A macro, so the failure names the line of
 * the check, not of the harness. */
#define H_CHECK(h, cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            h_failf((h), __FILE__, __LINE__, __VA_ARGS__);                                         \
    } while (0)

__attribute__((format(printf, 4, 5))) void h_failf(const h_t *h, const char *file, int line,
                                                   const char *fmt, ...);

/* ---- setup ----------------------------------------------------------------- */

/* offset: extra bytes (a multiple of 16) between the allocation and the
 * center, so two runs can place the center at different addresses. */
h_t *h_new_at(uint32_t servers_max, uint32_t sessions_max, uint64_t seed, size_t offset);
h_t *h_new(uint32_t servers_max, uint32_t sessions_max); /* seed 0x5eed, offset 0 */
void h_free(h_t *h);
/* Registers n servers with room for capacity recorders each; they are not
 * heartbeating yet (so not eligible): see h_heartbeat_all, h_revive_at. */
void h_add_servers(h_t *h, uint32_t n, uint32_t capacity);
/* The next draws return these UIDs (in the high half, where the center
 * takes them; the low half is noise it must ignore). */
void h_force_uid(h_t *h, uint32_t uid);

/* ---- timers ------------------------------------------------------------ */

uint32_t h_hb_slot(const h_t *h, uint32_t server);
uint32_t h_deadline_slot(const h_t *h, uint32_t session);
uint32_t h_step_slot(const h_t *h, uint32_t session);
bool h_armed(const h_t *h, uint32_t slot);
int64_t h_at(const h_t *h, uint32_t slot); /* asserts the slot is armed */

/* ---- time -------------------------------------------------------------- */

/* Runs everything due before t, then the heartbeats due at t, and stops at
 * t with t's timers still pending: the test's own inputs at t then come
 * before them, as a driver delivers inputs before timers in one ms. */
void h_goto(h_t *h, int64_t t);
/* h_goto(t), then t's timers too. */
void h_advance(h_t *h, int64_t t);
void h_advance_by(h_t *h, int64_t dt);
/* Every server heartbeats at t and from then on every 2000 ms. */
void h_heartbeat_all(h_t *h, int64_t t);
/* The server stops heartbeating (crash or partition); its last heartbeat
 * stays what it was. */
void h_silence(h_t *h, uint32_t server);
/* The server heartbeats again from t (delivered at t before t's timers). */
void h_revive_at(h_t *h, uint32_t server, int64_t t);
/* When the center will declare the silenced server down. */
int64_t h_detect_at(const h_t *h, uint32_t server);
/* Fires one armed slot at its due time without running what is due before
 * it (those become late): for the state x event table, which must reach a
 * state's every event. Up servers heartbeat at that ms first. Leaves the
 * harness non-strict: bounds are then checked as "not early" only. */
void h_fire(h_t *h, uint32_t slot);
/* The center declares the server down now-ish: silences it and fires its
 * heartbeat timer (lazy re-arms included) until it is down. */
void h_force_down(h_t *h, uint32_t server);

/* ---- inputs, delivered at the harness time ------------------------------ */

/* Any input; runs both checkers afterwards. in->t_ms is set to h->now. */
void h_input(h_t *h, ha_input_t *in);
void h_heartbeat(h_t *h, uint32_t server);
void h_fire_timer(h_t *h, ha_timer_t tm);
/* API calls: each must get exactly one reply, which is returned (valid
 * until the next input). */
const h_reply_t *h_api(h_t *h, ha_call_t call, uint32_t session);
const h_reply_t *h_query(h_t *h, uint32_t session);
const h_reply_t *h_stop(h_t *h, uint32_t session);
const h_reply_t *h_start_api(h_t *h, const ha_api_in_t *api_in);
ha_api_in_t h_start_params(ha_mode_t mode, uint32_t uid, const char *cname);
/* A composite start; returns the session index (asserts 200). */
uint32_t h_start(h_t *h, uint32_t uid, const char *cname);
void h_rec_input(h_t *h, ha_in_kind_t kind, uint32_t session, uint32_t server, uint32_t recorder);
void h_ready(h_t *h, uint32_t session, uint32_t server, uint32_t recorder);
void h_exit_report(h_t *h, uint32_t session, uint32_t server, uint32_t recorder);
void h_failed(h_t *h, uint32_t session, uint32_t server, uint32_t recorder);
void h_exited(h_t *h, uint32_t session, uint32_t server, uint32_t recorder);
void h_slice(h_t *h, uint32_t session, uint32_t server, uint32_t recorder, uint32_t uid,
             ha_track_t track, ha_fmt_t fmt, int64_t start_utc_ms, int64_t end_utc_ms);
/* A composite TS slice of 15 s that starts at the harness's UTC of t_ms. */
void h_mix_slice(h_t *h, uint32_t session, uint32_t server, uint32_t recorder, int64_t t_ms);
void h_user(h_t *h, uint32_t session, uint32_t uid, bool joined);
/* READY from the last recorder started for the session; returns its id. */
uint32_t h_ready_last(h_t *h, uint32_t session, uint32_t *server);

/* ---- finders ------------------------------------------------------------- */

uint32_t h_mark(const h_t *h); /* the index the next command will get */

typedef bool h_pred_fn(const ha_cmd_t *cmd, const void *arg);

/* Index of the first command at or after from of this kind that the
 * predicate (may be NULL) accepts; -1 if none. */
int h_find_cmd(const h_t *h, uint32_t from, ha_cmd_kind_t kind, h_pred_fn *pred, const void *arg);
uint32_t h_count_cmds(const h_t *h, uint32_t from, ha_cmd_kind_t kind);
/* Events of this kind since from (any session when session is UINT32_MAX). */
uint32_t h_count_events_since(const h_t *h, uint32_t from, ha_event_t what, uint32_t session);
uint32_t h_count_events(const h_t *h, ha_event_t what);
/* The last event of this kind since from, or NULL; *t_ms gets its time. */
const ha_event_info_t *h_last_event(const h_t *h, uint32_t from, ha_event_t what, int64_t *t_ms);
const ha_notify_t *h_last_notify(const h_t *h, uint32_t from, uint32_t session,
                                 uint16_t event_type);
uint32_t h_count_notify(const h_t *h, uint32_t from, uint32_t session, uint16_t event_type);
/* The last RECORDER_START for the session, or NULL. */
const ha_cmd_t *h_last_recorder_start(const h_t *h, uint32_t session);
/* Was this recorder told to stop for good at or after from? */
bool h_fenced_since(const h_t *h, uint32_t from, uint32_t recorder);
/* FNV-1a over the text form of every command: equal hashes, equal streams. */
uint64_t h_hash(const h_t *h);
/* Sum of the center's coverage table over every state x session event. */
uint64_t h_transitions_sum(const h_t *h);

/* ---- checkers ------------------------------------------------------------ */

bool h_in_window(ha_state_t st); /* FAILOVER, RECONNECTING, RESUMING, SWITCHING */
bool h_ended(ha_state_t st);     /* ENDED_NORMAL or ENDED_ABNORMAL */
/* The core checker: the center's memory against the commands (run by
 * h_input after every input). */
void h_check_core(h_t *h);
/* R6 over every session: 404 exactly in the window, after the end, and for
 * slots never started; the normal answer otherwise. */
void h_check_queries(h_t *h);
/* Every slice write of the run names a distinct file (R8: listed once). */
void h_check_slices_unique(h_t *h);

#endif
