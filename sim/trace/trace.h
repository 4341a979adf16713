/* trace.h -- one run, as a sequence of events.
 *
 * The world writes an event for every fact it makes happen (a kill, a link
 * loss, a recorder joining, a slice finished, an API answer) and for every
 * command the HA center gives (a detection, a switch, a slice listed under a
 * name, a callback). The oracle judges the center's decisions against the
 * world's facts; it sees only these events, never the center's memory.
 *
 * In memory an event is this flat struct; on disk it is one JSON object per
 * line (docs/trace.md gives the schema, trace_json.c reads and writes it).
 * Numbers are exactly what the JSON holds: sessions, servers and recorders
 * are one-based, and 0 means "absent". Strings are borrowed: valid for the
 * duration of the callback that receives the event.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    SIM_TR_RUN,             /* W first line: scenario, seed, world size */
    SIM_TR_SESSION,         /* C a start was accepted: sid, cname, mode, uid */
    SIM_TR_API,             /* W an API call and the answer it got */
    SIM_TR_FAULT,           /* W kill | disconnect | heal | crash | provision_fail */
    SIM_TR_EXIT_REPORT,     /* W a host agent's exit report reached the center */
    SIM_TR_USER,            /* W a user joined or left a session's channel */
    SIM_TR_DETECT,          /* C the center detected a fault of the serving recorder */
    SIM_TR_SERVER_DOWN,     /* C heartbeats of a server timed out */
    SIM_TR_SERVER_UP,       /* C heartbeats of a server (again) */
    SIM_TR_RECONNECTING,    /* C waiting for the server until until_ms */
    SIM_TR_RECONNECTED,     /* C the server came back in time */
    SIM_TR_SWITCH,          /* C moving the session to srv (from from_srv) */
    SIM_TR_ATTEMPT_FAILED,  /* C a replacement failed before resuming */
    SIM_TR_RECORDER_START,  /* C->W start a recorder: srv, rec, uid, bak */
    SIM_TR_RECORDER_RESUME, /* C->W reconnected recorder: rejoin, record */
    SIM_TR_RECORDER_READY,  /* W the recorder is in the channel and records */
    SIM_TR_RECORDER_FAILED, /* W the recorder could not start */
    SIM_TR_RECORDER_STOP,   /* C->W stop a recorder: how = flush | fence */
    SIM_TR_RECORDER_EXITED, /* W a recorder stopped as asked */
    SIM_TR_STARTED,         /* C the first recorder records */
    SIM_TR_RESUME,          /* C the session records again after activation k */
    SIM_TR_SLICE_DONE,      /* W a recorder finished and uploaded a slice */
    SIM_TR_SLICE_LOST,      /* W the unfinished slice a fault cut short */
    SIM_TR_PLAYLIST_OPEN,   /* C a playlist file was created */
    SIM_TR_SLICE,           /* C a slice listed under name in playlist */
    SIM_TR_PLAYLIST_CLOSE,  /* C a playlist closed */
    SIM_TR_CALLBACK,        /* C a notification sent to the customer */
    SIM_TR_FENCED,          /* C a replaced recorder told to stop for good */
    SIM_TR_GIVE_UP,         /* C the center gave up on the session */
    SIM_TR_END,             /* C the session ended: exit 0 | 1 */
    SIM_TR_WAIT_CAPACITY,   /* C no server can take a recorder: looking again at until_ms */
    SIM_TR_RECORDER_REJOINED, /* W after a blip the center never saw, it records again */
    SIM_TR_RUN_END,         /* W last line */
    SIM_TR_KIND_COUNT
} sim_tr_kind_t;

/* The trace's own vocabulary. The trace module owns these values: a driver
 * translates the core's enums into them (drive/trace_cmd.c), and the judge
 * reads only these, so a renumbered enum in the core cannot agree with itself.
 * On disk each is a word (docs/trace.md), never its number. */
typedef enum { SIM_MODE_COMPOSITE, SIM_MODE_INDIVIDUAL, SIM_MODE_WEB } sim_mode_t;
typedef enum { SIM_CALL_START, SIM_CALL_QUERY, SIM_CALL_UPDATE, SIM_CALL_UPDATE_LAYOUT,
               SIM_CALL_STOP } sim_call_t;
#define SIM_CALL_COUNT (SIM_CALL_STOP + 1)
/* What a stream records: the composite mix, or one user's audio or video. */
typedef enum { SIM_TRACK_MIX, SIM_TRACK_AUDIO, SIM_TRACK_VIDEO } sim_track_t;
typedef enum { SIM_FMT_TS, SIM_FMT_WEBM, SIM_FMT_MP4 } sim_fmt_t;
typedef enum { SIM_CAUSE_NONE, SIM_CAUSE_KILL, SIM_CAUSE_DISCONNECT } sim_cause_t;
typedef enum { SIM_END_NONE, SIM_END_STOPPED, SIM_END_ACTIVATIONS, SIM_END_DEADLINE,
               SIM_END_START_FAILED } sim_end_t;
typedef enum { SIM_STOP_FLUSH, SIM_STOP_FENCE } sim_stop_how_t;
/* Callback event types: the Notification Center's public numbers
 * (docs/agora-facts.md), which the trace carries as they are. */
enum {
    SIM_NCS_ERROR = 1,
    SIM_NCS_STATUS_UPDATE = 3,
    SIM_NCS_SESSION_EXIT = 11,
    SIM_NCS_SESSION_FAILOVER = 12,
    SIM_NCS_UPLOADED = 31,
    SIM_NCS_RECORDER_STARTED = 40,
    SIM_NCS_RECORDER_LEAVE = 41,
    SIM_NCS_RECORDER_SLICE_START = 42,
};

typedef enum { SIM_FAULT_NONE, SIM_FAULT_KILL, SIM_FAULT_DISCONNECT, SIM_FAULT_HEAL,
               SIM_FAULT_CRASH, SIM_FAULT_PROVISION_FAIL } sim_fault_t;

typedef enum { SIM_BY_NONE, SIM_BY_SCENARIO, SIM_BY_POLLER } sim_by_t;

typedef struct {
    int64_t t_ms;
    sim_tr_kind_t kind;

    uint32_t sess;     /* 1-based; 0 absent */
    uint32_t srv;      /* 1-based; 0 absent */
    uint32_t from_srv; /* SWITCH */
    uint32_t rec;      /* recorder id, from 1; 0 absent */
    uint32_t uid;      /* recording UID, or stream owner for slices */

    /* RUN */
    const char *scenario;   /* the scenario file's base name (or a swarm run's name) */
    const char *source_fnv; /* 16 hex digits: FNV-1a 64 of its text; NULL none */
    const char *title;
    uint64_t seed;
    uint32_t servers, capacity, sessions;
    int64_t utc0_ms; /* UTC of t_ms == 0: utc = utc0_ms + t_ms */

    /* SESSION */
    const char *sid;
    const char *cname;
    int mode;        /* sim_mode_t */
    const uint32_t *users;
    uint32_t users_count;

    /* API */
    int call;        /* sim_call_t */
    int http;        /* answer */
    int code;
    int status;      /* query serverResponse.status */
    const char *msg;
    sim_by_t by;
    int expect;      /* the scenario's expected status, 0 none */

    /* FAULT */
    sim_fault_t fault;
    int64_t heal_ms;   /* DISCONNECT: when the link heals, -1 never */
    int64_t last_hb_ms;/* DISCONNECT, CRASH: when the server's last heartbeat
                        * reached the center, -1 unknown */
    uint32_t count;    /* PROVISION_FAIL */

    /* USER */
    bool joined;

    /* RECORDER_READY: the recorder's video I-frame interval, 0 unknown */
    int64_t gop_ms;

    /* DETECT, SWITCH, ... */
    int cause;         /* sim_cause_t */
    int activation;    /* k of bak<k>_, -1 none */
    int64_t until_ms;  /* RECONNECTING give-up; DETECT deadline */
    uint32_t attempt;  /* SWITCH: 1 for the first server tried; WAIT_CAPACITY: tried so far */
    int bak;           /* RECORDER_START/RESUME, PLAYLIST_*, SLICE: -1 none */
    int how;           /* RECORDER_STOP: sim_stop_how_t */

    /* SLICE_DONE, SLICE_LOST, SLICE, PLAYLIST_* */
    int track;         /* sim_track_t */
    int fmt;           /* sim_fmt_t */
    int64_t start_utc_ms, end_utc_ms; /* LOST: end is where it was cut */
    const char *name;
    const char *playlist;

    /* CALLBACK */
    int event_type;
    uint32_t seq;
    uint64_t notice;
    int exit_status;    /* CALLBACK 11, END */
    uint32_t new_uid;
    int64_t discontinue_utc_ms;
    uint32_t leave_code;
    uint32_t file_count;

    /* GIVE_UP, END */
    int reason;         /* sim_end_t */

    /* RUN_END */
    uint64_t events;
} sim_tr_ev_t;

/* A consumer of events: the JSONL writer, the oracle, the fingerprint. */
typedef void sim_tr_sink_fn(void *ctx, const sim_tr_ev_t *ev);
/* A cache hint to a sink: its next events are likely about trace session
 * sess and recorder rec (a slice on its way), so it may fetch their records
 * now, in stage (sim_prefetch_stage_t) RECORDS, then LINKED. It must change
 * nothing a sink decides; either id may be unknown. */
typedef void sim_tr_prefetch_fn(void *ctx, uint32_t sess, uint32_t rec, int stage);

/* A blank event has every field at its "absent" value, so a writer of the
 * trace sets only what the kind carries and the JSON writer leaves the rest
 * out. Absent is 0 for ids and counts, NULL for strings, -1 for the fields
 * where 0 is a real value (activation, bak, times, enums whose 0 is a real
 * member).
 *
 * Inline, and written as one compound literal, because every trace line
 * starts here: the compiler then builds the event where the caller keeps
 * it, rather than in a frame of its own and copied out. A function that
 * fills an event for its caller takes a pointer and uses sim_tr_ev_init:
 * C has no guaranteed return-value elision, and assigning a returned
 * struct through a pointer copies it. */
#define SIM_TR_EV_BLANK(t, k)                                                                     \
    ((sim_tr_ev_t){.t_ms = (t), .kind = (k), .mode = -1, .call = -1, .status = -1,               \
                   .by = SIM_BY_NONE, .fault = SIM_FAULT_NONE, .heal_ms = -1, .last_hb_ms = -1,  \
                   .cause = SIM_CAUSE_NONE, .activation = -1, .until_ms = -1, .bak = -1,         \
                   .how = -1, .track = -1, .fmt = -1, .start_utc_ms = -1, .end_utc_ms = -1,      \
                   .exit_status = -1,                                                            \
                   .discontinue_utc_ms = 0, /* "0 if none", as the callback carries it */        \
                   .reason = SIM_END_NONE})

/* Blank event of a kind at a time: every "absent" field set. */
static inline sim_tr_ev_t sim_tr_ev(int64_t t_ms, sim_tr_kind_t kind)
{
    assert((int)kind >= 0 && kind < SIM_TR_KIND_COUNT);
    return SIM_TR_EV_BLANK(t_ms, kind);
}

/* The same, written where ev points. */
static inline void sim_tr_ev_init(sim_tr_ev_t *ev, int64_t t_ms, sim_tr_kind_t kind)
{
    assert((int)kind >= 0 && kind < SIM_TR_KIND_COUNT);
    *ev = SIM_TR_EV_BLANK(t_ms, kind);
}

const char *sim_tr_kind_name(sim_tr_kind_t k);
const char *sim_fault_name(sim_fault_t f);

#endif
