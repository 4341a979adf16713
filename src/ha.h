/* ha.h -- the HA state machine of the cloud recording service: the fault
 * processing center and the recording sessions it keeps alive.
 *
 * Sans-I/O. The center never reads a clock, never does I/O, keeps no global
 * state and allocates nothing: the caller hands it one block of memory at
 * init, then feeds it inputs, each stamped with the time it happens, and the
 * center answers through an emit callback with commands (arm a timer, start
 * a recorder on a server, write a slice under a name, answer an API call,
 * send a callback). The simulator in sim/ and a real-process runtime are two
 * drivers of this same code.
 *
 * Numbers visible to people are one-based in traces and reports; here every
 * index (server, session) is zero-based.
 */
#ifndef HA_H
#define HA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ha_policy.h"

#define HA_SID_LEN 32      /* hex characters */
#define HA_CNAME_MAX 64    /* bytes, as the service allows */
#define HA_NAME_MAX 256    /* longest file name, NUL included */

typedef enum { HA_MODE_COMPOSITE, HA_MODE_INDIVIDUAL, HA_MODE_WEB } ha_mode_t;
/* What a stream records: the composite mix, or one user's audio or video. */
typedef enum { HA_TRACK_MIX, HA_TRACK_AUDIO, HA_TRACK_VIDEO } ha_track_t;
typedef enum { HA_FMT_TS, HA_FMT_WEBM, HA_FMT_MP4 } ha_fmt_t;

typedef enum {
    HA_CALL_START,
    HA_CALL_QUERY,
    HA_CALL_UPDATE,
    HA_CALL_UPDATE_LAYOUT,
    HA_CALL_STOP,
    HA_CALL_COUNT
} ha_call_t;

/* Session states. "Resumed" is RECORDING with activations > 0. */
typedef enum {
    HA_ST_FREE,          /* slot unused */
    HA_ST_STARTING,      /* first recorder starting; not yet serving */
    HA_ST_RECORDING,     /* a recorder serves the session */
    HA_ST_FAILOVER,      /* serving recorder killed: starting a replacement */
    HA_ST_RECONNECTING,  /* server disconnected: waiting up to 60 s for it */
    HA_ST_RESUMING,      /* server back within 60 s: its recorder rejoining */
    HA_ST_SWITCHING,     /* no reconnect in 60 s: starting a replacement */
    HA_ST_STOPPING,      /* stop accepted; recorder flushing its last slice */
    HA_ST_ENDED_NORMAL,
    HA_ST_ENDED_ABNORMAL,
    HA_ST_COUNT
} ha_state_t;

/* What a session's handler can be told. The state x event table of the
 * coverage report counts these, so they are finer than ha_in_kind_t: a
 * timer is a deadline or a step, a server going down concerns the serving
 * or the pending recorder. */
typedef enum {
    HA_SEV_API_START,
    HA_SEV_API_QUERY,
    HA_SEV_API_UPDATE,
    HA_SEV_API_UPDATE_LAYOUT,
    HA_SEV_API_STOP,
    HA_SEV_DEADLINE,       /* SESSION_DEADLINE timer */
    HA_SEV_STEP,           /* SESSION_STEP timer */
    HA_SEV_SERVER_DOWN,    /* heartbeats of a server it uses timed out */
    HA_SEV_SERVER_UP,      /* a server it waits for (or fences on) is back */
    HA_SEV_EXIT_REPORT,    /* one of its recorders exited */
    HA_SEV_READY,
    HA_SEV_FAILED,
    HA_SEV_EXITED,
    HA_SEV_SLICE,
    HA_SEV_USER,
    HA_SEV_STALE,          /* a timer it re-armed or disarmed since */
} ha_sev_t;
/* Counts are macros, not enumerators, so that a switch over the enum needs
 * no case for a value that never occurs. */
#define HA_SEV_COUNT (HA_SEV_STALE + 1)

/* ---- inputs ------------------------------------------------------------ */

typedef enum {
    HA_IN_API,             /* a REST call reached the service */
    HA_IN_TIMER,           /* a timer the center armed is due */
    HA_IN_HEARTBEAT,       /* a host agent's heartbeat arrived */
    HA_IN_EXIT_REPORT,     /* a host agent reports a recorder process exited */
    HA_IN_RECORDER_READY,  /* a recorder joined the channel and records */
    HA_IN_RECORDER_FAILED, /* a recorder could not start (provisioning) */
    HA_IN_RECORDER_EXITED, /* a recorder finished a requested stop */
    HA_IN_SLICE,           /* a recorder finished a slice and uploaded it */
    HA_IN_USER_JOINED,     /* a user started publishing in a session's channel */
    HA_IN_USER_LEFT,
} ha_in_kind_t;
#define HA_IN_COUNT (HA_IN_USER_LEFT + 1)

typedef enum {
    HA_TIMER_HEARTBEATS,       /* index: 0; one for every server */
    HA_TIMER_SESSION_DEADLINE, /* index: session; 90 s, start, stop flush */
    HA_TIMER_SESSION_STEP,     /* index: session; 60 s reconnect, attempt */
} ha_timer_kind_t;
#define HA_TIMER_KIND_COUNT (HA_TIMER_SESSION_STEP + 1)

/* A timer names its purpose and owner; gen lets the center drop a stale one.
 * slot is dense in [0, ha_center_timer_slots()) so a driver can keep one
 * handle per slot: arming a slot replaces what the slot held. */
typedef struct {
    uint32_t slot;
    uint8_t kind; /* ha_timer_kind_t */
    uint32_t index;
    uint32_t gen;
} ha_timer_t;

typedef struct {
    ha_call_t call;   /* one of ha_call_t: drivers map requests to it (an
                       * unknown REST path never reaches the center) */
    uint64_t req_id;  /* echoed in the reply */
    uint32_t session; /* target (not for start) */
    /* start only */
    ha_mode_t mode;
    uint32_t uid; /* the recording UID the customer chose */
    char sid[HA_SID_LEN + 1];
    char cname[HA_CNAME_MAX + 1];
    bool webm; /* individual mode: video as WebM rather than TS */
    bool mp4;  /* composite/web mode: MP4 files as well as HLS */
} ha_api_in_t;

/* Inputs from a recorder or its host agent name the session the process
 * was started for: the host agent knows it from the process's arguments. */
typedef struct {
    uint32_t session;
    uint32_t server;
    uint32_t recorder; /* recorder id the center gave in RECORDER_START */
} ha_recorder_in_t;

typedef struct {
    uint32_t session;
    uint32_t server;
    uint32_t recorder;
    uint32_t uid;      /* stream owner (individual mode); 0 for the mix */
    ha_track_t track;
    ha_fmt_t fmt;
    int64_t start_utc_ms;
    int64_t end_utc_ms;
} ha_slice_in_t;

typedef struct {
    int64_t t_ms; /* when it happens, on the driver's clock; never decreases */
    ha_in_kind_t kind;
    union {
        ha_api_in_t api;
        ha_timer_t timer;
        struct { uint32_t server; } heartbeat;
        ha_recorder_in_t recorder; /* EXIT_REPORT, READY, FAILED, EXITED */
        ha_slice_in_t slice;
        struct { uint32_t session; uint32_t uid; } user;
    } u;
} ha_input_t;

/* ---- commands ---------------------------------------------------------- */

typedef enum {
    HA_CMD_REPLY,           /* answer an API call */
    HA_CMD_TIMER_ARM,       /* (re)arm a timer slot at at_ms */
    HA_CMD_TIMER_CANCEL,    /* disarm a timer slot */
    HA_CMD_RECORDER_START,  /* start a recorder on a server, joining with uid */
    HA_CMD_RECORDER_RESUME, /* a reconnected server's recorder: rejoin, record */
    HA_CMD_RECORDER_STOP,   /* stop a recorder: flush (normal) or fence */
    HA_CMD_PLAYLIST_OPEN,   /* create a playlist file */
    HA_CMD_SLICE_WRITE,     /* list a slice, under its name, in a playlist */
    HA_CMD_PLAYLIST_CLOSE,  /* the playlist gets no more entries */
    HA_CMD_NOTIFY,          /* a callback to the customer (NCS) */
    HA_CMD_EVENT,           /* what the center decided, for logs and traces */
    HA_CMD_COUNT
} ha_cmd_kind_t;

typedef enum {
    HA_EV_DETECTED,      /* a fault of the serving recorder: an activation */
    HA_EV_RECONNECTING,  /* waiting for a disconnected server */
    HA_EV_RECONNECTED,   /* the server came back within the window */
    HA_EV_SWITCH,        /* starting a recorder on a different server */
    HA_EV_ATTEMPT_FAILED,/* a replacement failed before resuming (R11) */
    HA_EV_RESUMED,       /* a recorder records the session again */
    HA_EV_GIVE_UP,       /* 4th fault, or deadline passed */
    HA_EV_ENDED,         /* the session ended */
    HA_EV_FENCED,        /* a replaced recorder was told to stop for good */
    HA_EV_SERVER_DOWN,   /* heartbeats stopped */
    HA_EV_SERVER_UP,     /* heartbeats (again) */
    HA_EV_STARTED,       /* the first recorder records */
    HA_EV_WAIT_CAPACITY, /* no server can take a recorder now: looking again at until_ms */
} ha_event_t;
#define HA_EV_COUNT (HA_EV_WAIT_CAPACITY + 1)

typedef enum { HA_CAUSE_NONE, HA_CAUSE_KILL, HA_CAUSE_DISCONNECT } ha_cause_t;

typedef enum {
    HA_END_NONE,
    HA_END_STOPPED,        /* normal stop (exit 0) */
    HA_END_ACTIVATIONS,    /* R5: a 4th fault */
    HA_END_DEADLINE,       /* R10: nothing resumed within 90 s */
    HA_END_START_FAILED,   /* the first recorder never came up */
} ha_end_reason_t;

typedef enum { HA_STOP_FLUSH, HA_STOP_FENCE } ha_stop_how_t;

/* Callback event types of the Notification Center (agora-facts.md). */
enum {
    HA_NCS_ERROR = 1,
    HA_NCS_STATUS_UPDATE = 3,
    HA_NCS_SESSION_EXIT = 11,
    HA_NCS_SESSION_FAILOVER = 12,
    HA_NCS_UPLOADED = 31,
    HA_NCS_RECORDER_STARTED = 40,
    HA_NCS_RECORDER_LEAVE = 41,
    HA_NCS_RECORDER_SLICE_START = 42,
};

typedef struct {
    uint64_t req_id;
    uint32_t session;   /* the session started or addressed */
    uint16_t http;      /* 200, 404, 400, 429, ... */
    uint16_t code;      /* the service's code for errors, 0 otherwise */
    uint8_t status;     /* query: serverResponse.status (0-8, 20) */
    const char *message;/* "failed to find worker" for the HA 404 */
    const char *file;   /* query: newest playlist, or NULL */
} ha_reply_t;

typedef struct {
    uint32_t session;
    uint16_t event_type; /* HA_NCS_* */
    uint32_t uid;        /* the recording UID current when it was sent */
    uint32_t sequence;   /* per session, from 0 */
    uint64_t notice_id;  /* unique per center */
    /* details, by event type */
    uint8_t exit_status;       /* 11 */
    uint32_t new_uid;          /* 12 */
    int64_t start_utc_ms;      /* 42 */
    int64_t discontinue_utc_ms;/* 42: end of the last slice before the interruption, 0 if none */
    uint32_t leave_code;       /* 41 */
    uint32_t file_count;       /* 31 */
} ha_notify_t;

typedef struct {
    uint32_t session;
    ha_event_t what;
    ha_cause_t cause;
    uint32_t server;     /* the server concerned (new one for SWITCH) */
    uint32_t from_server;/* SWITCH: the one left */
    uint32_t recorder;
    uint32_t uid;
    int activation;      /* k of bak<k>_, -1 if none */
    int64_t until_ms;    /* RECONNECTING: give-up time; DETECTED: deadline;
                          * WAIT_CAPACITY: the next look */
    uint32_t attempt;    /* SWITCH: 1 for the first server tried */
    ha_end_reason_t reason;
    uint8_t exit_status;
} ha_event_info_t;

typedef struct {
    ha_cmd_kind_t kind;
    union {
        ha_reply_t reply;
        struct { ha_timer_t timer; int64_t at_ms; } arm;
        struct { uint32_t slot; } cancel;
        struct {
            uint32_t session, server, recorder, uid;
            int bak; /* -1: ordinary names */
            ha_stop_how_t how;
        } recorder;
        struct {
            uint32_t session, server, recorder;
            uint32_t uid; ha_track_t track; ha_fmt_t fmt;
            int bak;
            int64_t start_utc_ms, end_utc_ms;
            const char *playlist; /* NULL for MP4 */
            const char *name;
        } file; /* PLAYLIST_OPEN/CLOSE use session, playlist, uid, track, bak */
        ha_notify_t notify;
        ha_event_info_t event;
    } u;
} ha_cmd_t;

/* ---- the center -------------------------------------------------------- */

typedef void ha_emit_fn(void *ctx, const ha_cmd_t *cmd);
/* 64 random bits; the center's only source of randomness (UIDs). */
typedef uint64_t ha_random_fn(void *ctx);

typedef struct {
    uint32_t servers_max;
    uint32_t sessions_max;
    ha_emit_fn *emit;
    void *emit_ctx;
    ha_random_fn *random;
    void *random_ctx;
    /* UTC of the driver's time 0, for callbacks' UTC fields: 0 when the
     * driver's clock already is UTC milliseconds. */
    int64_t utc_at_zero_ms;
} ha_config_t;

typedef struct ha_center ha_center_t;

/* The largest tables a center accepts (ha_center_init refuses more): timer
 * slots and footprints stay far from overflowing 32 bits and size_t. */
#define HA_SERVERS_LIMIT (1u << 24)
#define HA_SESSIONS_LIMIT (1u << 24)

/* Bytes the center needs for this configuration. */
size_t ha_center_footprint(const ha_config_t *cfg);
/* Lays the center out in mem, which must be 16-byte aligned; cfg, its emit
 * and random callbacks must be set (asserted: the calling code's to get
 * right). NULL, and nothing written, when the sizes are refused: servers_max
 * or sessions_max 0 or beyond their limits, or mem_size below the footprint. */
ha_center_t *ha_center_init(void *mem, size_t mem_size, const ha_config_t *cfg);
/* Registers a server with room for capacity recorders; returns its index,
 * or -1 when servers_max are registered. A server is eligible for recorders
 * once its first heartbeat arrives. */
int ha_center_add_server(ha_center_t *c, uint32_t capacity);
uint32_t ha_center_timer_slots(const ha_center_t *c);

/* Feeds one input. Commands are emitted before it returns. The emit callback
 * must not call back into the center. */
void ha_center_input(ha_center_t *c, const ha_input_t *in);

/* A hint, and nothing else: the next input is likely about session
 * `session` (a slice), so the caller asks the memory it will touch to be
 * fetched while it finishes the current one. With many sessions every
 * input meets a cold session record; a driver that knows its next event
 * (a simulator does) hides that wait. It reads nothing that decides
 * anything, changes nothing, and any session number is fine. */
void ha_center_prefetch_session(const ha_center_t *c, uint32_t session);

/* Read-only views, for drivers, tests and coverage. */
ha_state_t ha_session_state(const ha_center_t *c, uint32_t session);
int ha_session_activations(const ha_center_t *c, uint32_t session);
uint32_t ha_session_uid(const ha_center_t *c, uint32_t session);
/* How often a session in state st was told sev: the state-machine
 * coverage table. */
uint64_t ha_center_transitions(const ha_center_t *c, ha_state_t st, ha_sev_t sev);

const char *ha_state_name(ha_state_t st);
const char *ha_sev_name(ha_sev_t e);
const char *ha_cause_name(ha_cause_t cause);

#endif
