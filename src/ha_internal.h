/* ha_internal.h -- the center's memory, shared by the core's modules only. */
#ifndef HA_INTERNAL_H
#define HA_INTERNAL_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ha.h"
#include "ha_name.h"
#include "ha_pick.h"


#define HA_NO_PLAYLIST (-2) /* stream has no open playlist (-1 is "no prefix") */
/* Recorders a session let go of whose fence is not known to have arrived
 * (R9): told to stop while their server seemed up but not answered by it
 * since, or waiting for their server's return to be told. Each recorder is
 * let go of once, and each phase of a session -- the first start and each
 * of its activations, the one that gives up included -- lets go of at most
 * its attempts and the recorder it replaced, so the list can never hold
 * more: nothing still owed is ever dropped from it (a dropped one would
 * record on, unfenced, if its server came back). */
#define HA_FENCE_MAX ((HA_ACTIVATIONS_MAX + 1) * (HA_ATTEMPTS_PER_ACTIVATION_MAX + 1))
#define HA_NO_CAPACITY_RETRY_MS 1000

typedef struct {
    uint32_t capacity;
    uint32_t load;      /* recorders placed here and not known gone */
    bool known;         /* a first heartbeat arrived */
    bool down;          /* heartbeats timed out, not back yet */
    uint32_t hb_count;  /* heartbeats received: one after an order answers it */
    int64_t last_hb_ms;
} ha_server_t;

typedef struct {
    uint32_t uid;
    ha_track_t track;
    int open_bak;       /* prefix of the open playlist, or HA_NO_PLAYLIST */
    uint32_t mp4_next;  /* next MP4 index under the current prefix */
    int mp4_bak;        /* prefix mp4_next counts for */
} ha_stream_t;

typedef struct {
    uint32_t server;
    uint32_t recorder;
} ha_rec_ref_t;

/* A recorder let go of whose fence is not known to have arrived. The center
 * has no acknowledgement of a fence, and cannot tell a cut link from a quiet
 * one until the heartbeats time out: an order sent to a server that then
 * says nothing more before it is declared down may have gone into a cut
 * link, so it is owed again at the server's return. */
typedef struct {
    ha_rec_ref_t rec;
    bool owed;         /* to be told (again) when its server returns */
    bool load_held;    /* never told yet: it counts in its server's load */
    uint32_t hb_count; /* told: its server's hb_count then */
} ha_fence_t;

/* The line size is x86-64's and most ARM cores'; a wrong guess costs only
 * speed. */
#define HA_CACHE_LINE_BYTES 64u

typedef struct {
    /* What every slice reads comes first, together: in a region every
     * slice meets a cold session, and these two lines are what
     * ha_center_prefetch_session fetches ahead (HA_SESSION_SLICE_BYTES).
     * The record starts a line (the table is aligned, and its size a
     * multiple of a line), and holds its first stream row: a composite
     * session's only one, which a slice would otherwise meet in a table
     * of its own, a third cold line. */
    _Alignas(HA_CACHE_LINE_BYTES) ha_state_t state;
    ha_mode_t mode;
    bool webm, mp4;
    bool has_serving; /* a live recorder the session holds: the one that
                       * serves, or, while reconnecting, the one it waits
                       * for. Cleared when its exit is reported (nothing to
                       * fence) or when it is let go (fenced). */
    ha_rec_ref_t serving;
    int bak;          /* prefix of what is recorded now, -1 before any */
    uint32_t streams_count;       /* ha_stream_at() */
    uint32_t files_count;
    int64_t last_slice_end_utc_ms;/* for 42's discontinueUtcMs */
    ha_stream_t stream0;          /* stream row 0 (ha_stream_at) */
    char sid[HA_SID_LEN + 1];
    char cname[HA_CNAME_MAX + 1];

    uint32_t uid; /* the recording UID callbacks carry */
    uint32_t uids_used[HA_SESSION_UIDS_MAX];
    uint32_t uids_used_count;
    uint32_t users[HA_USERS_MAX];
    uint32_t users_count;

    int activations;  /* activations begun, 0..HA_ACTIVATIONS_MAX */

    bool has_pending; /* a recorder starting: first, or a replacement */
    ha_rec_ref_t pending;
    uint32_t pending_uid;

    ha_cause_t cause;
    int64_t detect_ms;
    int64_t deadline_ms;
    uint32_t attempt;
    uint32_t avoid[HA_ATTEMPTS_PER_ACTIVATION_MAX + 2];
    uint32_t avoid_count;

    uint32_t fence_count; /* fences not known to have arrived: ha_fence_at() */

    uint32_t deadline_gen, step_gen;
    bool deadline_armed, step_armed;

    uint32_t seq;                 /* callback sequence */
} ha_session_t;

/* The bytes of a session a slice reads, from its start: every field up to
 * the cname, and the cname as far as it goes. Two lines hold a cname of up
 * to HA_SESSION_SLICE_CNAME_BYTES - 1 characters; a longer one costs a
 * line more, read when the slice is named (an individual session's users
 * list, further on, is read only in individual mode). */
#define HA_SESSION_SLICE_BYTES (2 * HA_CACHE_LINE_BYTES)
#define HA_SESSION_SLICE_CNAME_BYTES (HA_SESSION_SLICE_BYTES - offsetof(ha_session_t, cname))
_Static_assert(HA_SESSION_SLICE_CNAME_BYTES >= 16, "a channel name's usual length in the two lines");
_Static_assert(sizeof(ha_session_t) % HA_CACHE_LINE_BYTES == 0, "sessions start a line each");

/* Cache hints (ha_center_prefetch_session): GCC's and clang's builtin, a
 * no-op elsewhere. */
#if defined(__GNUC__)
#define HA_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#else
#define HA_PREFETCH(p) ((void)(p))
#endif

/* What a hot path seldom calls (a server going down or coming back): kept
 * out of line, so that the hot path needs no stack frame of its own. */
#if defined(__GNUC__)
#define HA_RARE __attribute__((noinline, cold))
#else
#define HA_RARE
#endif

/* A playlist's name is a function of its session's mode, sid and cname,
 * which never change, and of (uid, track, bak): the key says which name an
 * entry holds, its text is the entry's row of playlist_text. len 0: the
 * entry holds none. */
#define HA_PLAYLIST_NAMES 64
typedef struct {
    uint32_t session, uid;
    ha_track_t track;
    int bak;
    size_t len;
} ha_playlist_name_t;

struct ha_center {
    ha_config_t cfg;
    ha_server_t *servers;
    uint32_t servers_count;
    /* The servers a session may be placed on (known, up, with room) by
     * (load, index), for the pick (ha_server_changed keeps it). */
    ha_pick_t pick;
    /* One heartbeat timer for every server (ha_center.c): armed at the
     * earliest last_hb_ms + timeout among the servers it watches. */
    int64_t hb_due_ms;
    uint32_t hb_gen;
    bool hb_armed;
    ha_session_t *sessions;
    /* Session slots are taken in index order and never given back (an ended
     * session keeps answering 404), so the next free one is a counter. */
    uint32_t sessions_begun;
    /* The live sessions by (cname, start uid) and (cname, current uid), for
     * "task conflict" without a scan: open addressing, at most half full
     * (ha_api.c). */
    uint32_t *tasks;
    uint32_t tasks_mask;
    /* A session's streams and fence list, column by column: row i of every
     * session together (fences[i * sessions_max + si]; streams from row 1,
     * row 0 being in the session, ha_stream_at). Most sessions use the
     * first row or two (a composite session has one stream) of tables
     * sized for the worst case (35 streams, 52 fenced recorders), and the
     * rows no session reaches are never written: a region's memory follows
     * what its sessions hold, not what they might. Rows at or past a
     * session's count are never read. */
    ha_stream_t *streams;
    ha_fence_t *fences;
    uint32_t next_recorder;
    uint64_t next_notice;
    int64_t now_ms;
    bool in_input;
    bool started;
    char name_buf[HA_NAME_MAX];
    /* The playlist names built lately, by key, so that a stream's slices
     * are named without building their playlist's name again (ha_files.c). */
    ha_playlist_name_t playlist_names[HA_PLAYLIST_NAMES];
    char (*playlist_text)[HA_NAME_MAX]; /* HA_PLAYLIST_NAMES rows, not zeroed */
    ha_utc_day_t slice_day; /* the date of the last slice named */
    uint64_t transitions[HA_ST_COUNT][HA_SEV_COUNT];
};

static inline ha_stream_t *ha_stream_at(const ha_center_t *c, uint32_t si, uint32_t i)
{
    assert(si < c->cfg.sessions_max && i < HA_STREAMS_MAX);
    if (i == 0)
        return &c->sessions[si].stream0;
    return &c->streams[(size_t)(i - 1) * c->cfg.sessions_max + si];
}

static inline ha_fence_t *ha_fence_at(const ha_center_t *c, uint32_t si, uint32_t i)
{
    assert(si < c->cfg.sessions_max && i < HA_FENCE_MAX);
    return &c->fences[(size_t)i * c->cfg.sessions_max + si];
}

/* ha_center.c */
void ha_emit(ha_center_t *c, const ha_cmd_t *cmd);
void ha_emit_event(ha_center_t *c, const ha_event_info_t *ev);
ha_event_info_t ha_event_info(uint32_t session, ha_event_t what);
void ha_timer_arm(ha_center_t *c, ha_timer_kind_t kind, uint32_t index, uint32_t gen, int64_t at_ms);
void ha_timer_cancel(ha_center_t *c, ha_timer_kind_t kind, uint32_t index);

/* ha_session.c */
void ha_session_handle(ha_center_t *c, uint32_t si, ha_sev_t sev, const ha_input_t *in);
void ha_session_end(ha_center_t *c, uint32_t si, ha_end_reason_t reason);
void ha_session_begin(ha_center_t *c, uint32_t si, const ha_api_in_t *api);
void ha_session_stop(ha_center_t *c, uint32_t si);
int ha_server_pick(const ha_center_t *c, const ha_session_t *s);

/* ha_center.c: a server's load, health or first heartbeat changed; the
 * pick index follows. */
void ha_server_changed(ha_center_t *c, uint32_t server);
/* Server declared down: the session's fences sent there and not answered
 * since are owed again at its return. Any session, ended ones included. */
void ha_session_fences_unanswered(ha_center_t *c, uint32_t si, uint32_t server);

/* ha_api.c */
void ha_api_handle(ha_center_t *c, const ha_api_in_t *api);
/* The task index, for "task conflict" (ha_api.c): a live session is filed
 * under (cname, the UID it was started with) from its accepted start to its
 * end, and under (cname, its current UID) too once a switch changed it
 * (ha_tasks_set_uid). ha_tasks_find gives the lowest such session, or
 * UINT32_MAX. */
uint32_t ha_tasks_size(uint32_t sessions_max);
void ha_tasks_add(ha_center_t *c, uint32_t si);
void ha_tasks_remove(ha_center_t *c, uint32_t si);
void ha_tasks_set_uid(ha_center_t *c, uint32_t si, uint32_t uid);
uint32_t ha_tasks_find(const ha_center_t *c, const char *cname, uint32_t uid);
bool ha_session_in_window(const ha_session_t *s);

/* ha_files.c */
void ha_files_slice(ha_center_t *c, uint32_t si, const ha_slice_in_t *sl);
void ha_files_close_all(ha_center_t *c, uint32_t si);
void ha_files_user_left(ha_center_t *c, uint32_t si, uint32_t uid);
const char *ha_files_newest_playlist(ha_center_t *c, uint32_t si);

/* ha_notify.c */
void ha_notify(ha_center_t *c, uint32_t si, ha_notify_t n);
ha_notify_t ha_notify_of(uint16_t event_type);


#endif
