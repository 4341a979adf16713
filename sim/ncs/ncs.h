/* ncs.h -- the service's own callback log (Notification Center, NCS), as a
 * customer receives it, and a log of REST calls with their answers.
 *
 * This is what an engineer has after a field incident: one JSON envelope a
 * line (docs/agora-facts.md):
 *
 *   {"noticeId":"...","productId":3,"eventType":42,"notifyMs":...,
 *    "payload":{"cname":"room1","uid":"527841","sid":"...","sequence":7,
 *               "sendts":...,"serviceType":0,"details":{...}}}
 *
 * The reader checks each line (types, required fields, ranges) and turns it
 * into an ncs_notice_t; it never keeps the whole file: notices go through a
 * bounded reordering window (NCS may deliver late and out of order: order by
 * sendts, then sequence) and a bounded memory of noticeIds (NCS may deliver
 * twice: drop repeats), then to a sink, one session at a time. A line that
 * cannot be read is an error with its line number (LOG:LINE: error: ...);
 * a notice of another product or session is a warning and skipped.
 *
 * The API log (one call a line) is hasim's own small format, documented in
 * docs/incidents.md: {"utc_ms":...,"call":"query","sid":"...","http":404,
 * "code":0,"reason":"failed to find worker"}; a query answered 200 adds
 * "status" (serverResponse.status).
 */
#ifndef SIM_NCS_H
#define SIM_NCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace/trace.h"

#define NCS_PRODUCT_RECORDING 3
#define NCS_STR_MAX 129      /* cname, sid, noticeId, names: bytes, NUL included */
#define NCS_FILES_MAX 256    /* entries of a fileList we take; more is an error */
#define NCS_LINE_MAX 65536   /* a longer line is an error */
#define NCS_WINDOW 1024      /* notices held back to reorder */
#define NCS_IDS_REMEMBERED 65536 /* noticeIds kept to drop repeats */

/* Event types of the service (docs/agora-facts.md). */
enum {
    NCS_EV_ERROR = 1,
    NCS_EV_WARNING = 2,
    NCS_EV_STATUS_UPDATE = 3,
    NCS_EV_FILE_INFOS = 4,
    NCS_EV_SESSION_EXIT = 11,
    NCS_EV_SESSION_FAILOVER = 12,
    NCS_EV_HA_REGISTERED = 13,
    NCS_EV_UPLOADER_STARTED = 30,
    NCS_EV_UPLOADED = 31,
    NCS_EV_BACKUPED = 32,
    NCS_EV_UPLOADING_PROGRESS = 33,
    NCS_EV_RECORDER_STARTED = 40,
    NCS_EV_RECORDER_LEAVE = 41,
    NCS_EV_SLICE_START = 42,
    NCS_EV_AUDIO_STATE = 43,
    NCS_EV_VIDEO_STATE = 44,
};

typedef struct {
    char name[NCS_STR_MAX];
    uint32_t uid;        /* 0 for a mixed file */
    int track;           /* sim_track_t; -1 unknown */
    int64_t slice_start_utc_ms;
} ncs_file_t;

typedef struct {
    uint64_t line;       /* in the log */
    char notice_id[NCS_STR_MAX];
    int product_id;
    int event_type;
    int64_t notify_ms;
    char cname[NCS_STR_MAX];
    char sid[NCS_STR_MAX];
    uint32_t uid;        /* payload.uid, a string of digits on the wire */
    uint32_t sequence;
    int64_t sendts;
    int service_type;
    /* details, by event type; absent ones are -1 (or 0 for uids) */
    int exit_status;           /* 11 */
    uint32_t new_uid;          /* 12 */
    uint32_t leave_code;       /* 41 */
    int64_t start_utc_ms;      /* 42 */
    int64_t discontinue_utc_ms;/* 42 */
    uint32_t stream_uid;       /* 42: 0 for the mix */
    int track;                 /* 42: sim_track_t, -1 unknown */
    bool mixed_all_user;       /* 42 */
    uint32_t files_n;          /* 31, 4: fileList */
    ncs_file_t *files;         /* files_n of them, valid during the sink call */
} ncs_notice_t;

/* ---- writing: a run's callbacks as the service delivers them ----------- */

typedef struct ncs_writer ncs_writer_t;

/* dup_seed != 0: like NCS, deliver some notices twice and some late (out of
 * order), drawn from a stream of that seed; 0: each once, in order. */
ncs_writer_t *ncs_writer_new(FILE *ncs, FILE *api, uint64_t dup_seed);
void ncs_writer_free(ncs_writer_t *w);
/* A sim_tr_sink_fn: every trace event of the run, in order. */
void ncs_writer_event(void *w, const sim_tr_ev_t *ev);
/* Writes what is held back. 0, or -1 when a stream failed. */
int ncs_writer_finish(ncs_writer_t *w);

/* ---- reading ------------------------------------------------------------ */

typedef void ncs_sink_fn(void *ctx, const ncs_notice_t *n);

typedef struct {
    const char *sid;     /* this session's notices only (others are counted); NULL: all */
    FILE *warnings;      /* skipped lines are said here (NULL: stderr) */
} ncs_read_opts_t;

typedef struct {
    uint64_t lines, notices, duplicates, other_product, other_session, unknown_event, late;
} ncs_read_stats_t;

/* Reads a callback log and hands the session's notices to sink in order.
 * 0; 2 with err set ("LOG:LINE: error: ...") on a line it cannot read. */
int ncs_read_file(const char *path, const ncs_read_opts_t *o, ncs_sink_fn *sink, void *ctx,
                  ncs_read_stats_t *st, char *err, size_t err_cap);
int ncs_read_mem(const char *name, const char *data, size_t len, const ncs_read_opts_t *o,
                 ncs_sink_fn *sink, void *ctx, ncs_read_stats_t *st, char *err,
                 size_t err_cap);

/* One API call and its answer. */
typedef struct {
    uint64_t line;
    int64_t utc_ms;
    int call;            /* sim_call_t */
    char sid[NCS_STR_MAX];
    int http, code;
    int status;          /* query's serverResponse.status, -1 none */
    bool worker_404;     /* the HA window's "failed to find worker" */
} ncs_call_t;

/* Reads a whole API log (bounded: NCS_API_MAX calls) into a malloc'd array
 * in time order. 0, or 2 with err set. */
#define NCS_API_MAX 100000
int ncs_read_api(const char *path, ncs_call_t **out, size_t *n, char *err, size_t err_cap);
int ncs_read_api_mem(const char *name, const char *data, size_t len, ncs_call_t **out,
                     size_t *n, char *err, size_t err_cap);

/* "failed to find worker" */
extern const char NCS_WORKER_404[];

#endif
