/* trace_json.c -- JSON Lines writer and reader of the trace.
 *
 * One table drives both directions: for every kind, the keys it carries in
 * docs/trace.md order, and when each is present (always, only when not
 * absent, or only with a given call, fault or callback event). The writer
 * walks the table and prints; the reader walks the same table, so a key the
 * writer would print is exactly a key the reader requires, and a line the
 * writer made always reads back into an event that prints the same bytes.
 */
#include "trace_json.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The enum names of the schema, indexed by the trace's own enum values
 * (trace.h); NULL where a value has no name on disk. */
_Static_assert(SIM_MODE_COMPOSITE == 0 && SIM_MODE_INDIVIDUAL == 1 && SIM_MODE_WEB == 2, "mode");
_Static_assert(SIM_CALL_START == 0 && SIM_CALL_QUERY == 1 && SIM_CALL_UPDATE == 2 &&
                   SIM_CALL_UPDATE_LAYOUT == 3 && SIM_CALL_STOP == 4,
               "call");
_Static_assert(SIM_CAUSE_NONE == 0 && SIM_CAUSE_KILL == 1 && SIM_CAUSE_DISCONNECT == 2, "cause");
_Static_assert(SIM_STOP_FLUSH == 0 && SIM_STOP_FENCE == 1, "how");
_Static_assert(SIM_TRACK_MIX == 0 && SIM_TRACK_AUDIO == 1 && SIM_TRACK_VIDEO == 2, "track");
_Static_assert(SIM_FMT_TS == 0 && SIM_FMT_WEBM == 1 && SIM_FMT_MP4 == 2, "fmt");
_Static_assert(SIM_END_NONE == 0 && SIM_END_STOPPED == 1 && SIM_END_ACTIVATIONS == 2 &&
                   SIM_END_DEADLINE == 3 && SIM_END_START_FAILED == 4,
               "reason");

static const char *const mode_names[] = {"composite", "individual", "web"};
static const char *const call_names[] = {"start", "query", "update", "updateLayout", "stop"};
static const char *const by_names[] = {NULL, "scenario", "poller"};
static const char *const fault_names[] = {NULL, "kill", "disconnect", "heal", "crash",
                                          "provision_fail"};
static const char *const cause_names[] = {NULL, "kill", "disconnect"};
static const char *const how_names[] = {"flush", "fence"};
static const char *const track_names[] = {"mix", "audio", "video"};
static const char *const fmt_names[] = {"ts", "webm", "mp4"};
static const char *const reason_names[] = {NULL, "stopped", "activations", "deadline",
                                           "start_failed"};

#define NAMES(a) a, (int)(sizeof a / sizeof a[0])

typedef enum { T_I64, T_U64, T_U32, T_INT, T_STR, T_BOOL, T_USERS, T_ENUM } ftype_t;

typedef enum {
    F_SCENARIO, F_SOURCE, F_TITLE, F_SEED, F_SERVERS, F_CAPACITY, F_SESSIONS, F_UTC0,
    F_SESS, F_SID, F_CNAME, F_MODE, F_UID, F_USERS,
    F_CALL, F_HTTP, F_CODE, F_STATUS, F_MSG, F_BY, F_EXPECT,
    F_FAULT, F_SRV, F_REC, F_HEAL, F_LAST_HB, F_COUNT,
    F_JOINED, F_CAUSE, F_ACTIVATION, F_UNTIL, F_FROM_SRV, F_ATTEMPT, F_BAK, F_HOW,
    F_TRACK, F_FMT, F_START_UTC, F_END_UTC, F_NAME, F_PLAYLIST,
    F_EVENT, F_SEQ, F_NOTICE, F_EXIT, F_NEW_UID, F_DISC_UTC, F_LEAVE, F_FILES,
    F_REASON, F_EVENTS, F_GOP,
    F_N
} fid_t;

typedef struct {
    const char *key;
    ftype_t type;
    const char *const *names; /* T_ENUM */
    int names_n;
} field_t;

static const field_t fields[F_N] = {
    [F_SCENARIO] = {"scenario", T_STR, NULL, 0},
    [F_SOURCE] = {"source_fnv", T_STR, NULL, 0},
    [F_TITLE] = {"title", T_STR, NULL, 0},
    [F_SEED] = {"seed", T_U64, NULL, 0},
    [F_SERVERS] = {"servers", T_U32, NULL, 0},
    [F_CAPACITY] = {"capacity", T_U32, NULL, 0},
    [F_SESSIONS] = {"sessions", T_U32, NULL, 0},
    [F_UTC0] = {"utc0_ms", T_I64, NULL, 0},
    [F_SESS] = {"sess", T_U32, NULL, 0},
    [F_SID] = {"sid", T_STR, NULL, 0},
    [F_CNAME] = {"cname", T_STR, NULL, 0},
    [F_MODE] = {"mode", T_ENUM, NAMES(mode_names)},
    [F_UID] = {"uid", T_U32, NULL, 0},
    [F_USERS] = {"users", T_USERS, NULL, 0},
    [F_CALL] = {"call", T_ENUM, NAMES(call_names)},
    [F_HTTP] = {"http", T_INT, NULL, 0},
    [F_CODE] = {"code", T_INT, NULL, 0},
    [F_STATUS] = {"status", T_INT, NULL, 0},
    [F_MSG] = {"msg", T_STR, NULL, 0},
    [F_BY] = {"by", T_ENUM, NAMES(by_names)},
    [F_EXPECT] = {"expect", T_INT, NULL, 0},
    [F_FAULT] = {"fault", T_ENUM, NAMES(fault_names)},
    [F_SRV] = {"srv", T_U32, NULL, 0},
    [F_REC] = {"rec", T_U32, NULL, 0},
    [F_HEAL] = {"heal_ms", T_I64, NULL, 0},
    [F_LAST_HB] = {"last_hb_ms", T_I64, NULL, 0},
    [F_COUNT] = {"count", T_U32, NULL, 0},
    [F_JOINED] = {"joined", T_BOOL, NULL, 0},
    [F_CAUSE] = {"cause", T_ENUM, NAMES(cause_names)},
    [F_ACTIVATION] = {"activation", T_INT, NULL, 0},
    [F_UNTIL] = {"until_ms", T_I64, NULL, 0},
    [F_FROM_SRV] = {"from_srv", T_U32, NULL, 0},
    [F_ATTEMPT] = {"attempt", T_U32, NULL, 0},
    [F_BAK] = {"bak", T_INT, NULL, 0},
    [F_HOW] = {"how", T_ENUM, NAMES(how_names)},
    [F_TRACK] = {"track", T_ENUM, NAMES(track_names)},
    [F_FMT] = {"fmt", T_ENUM, NAMES(fmt_names)},
    [F_START_UTC] = {"start_utc_ms", T_I64, NULL, 0},
    [F_END_UTC] = {"end_utc_ms", T_I64, NULL, 0},
    [F_NAME] = {"name", T_STR, NULL, 0},
    [F_PLAYLIST] = {"playlist", T_STR, NULL, 0},
    [F_EVENT] = {"event", T_INT, NULL, 0},
    [F_SEQ] = {"seq", T_U32, NULL, 0},
    [F_NOTICE] = {"notice", T_U64, NULL, 0},
    [F_EXIT] = {"exit_status", T_INT, NULL, 0},
    [F_NEW_UID] = {"new_uid", T_U32, NULL, 0},
    [F_DISC_UTC] = {"discontinue_utc_ms", T_I64, NULL, 0},
    [F_LEAVE] = {"leave_code", T_U32, NULL, 0},
    [F_FILES] = {"file_count", T_U32, NULL, 0},
    [F_REASON] = {"reason", T_ENUM, NAMES(reason_names)},
    [F_EVENTS] = {"events", T_U64, NULL, 0},
    [F_GOP] = {"gop_ms", T_I64, NULL, 0},
};

/* When a key is on a line. */
typedef enum {
    P_ALWAYS,     /* written always, required */
    P_NONZERO,    /* written unless absent (0, NULL, SIM_BY_NONE) */
    P_QUERY,      /* api: call is query */
    P_DISCONNECT, /* fault: disconnect */
    P_PROVISION,  /* fault: provision_fail */
    P_HB,         /* fault: disconnect or crash, when known (optional) */
    P_EV11, P_EV12, P_EV31, P_EV41, P_EV42 /* callback: by event */
} pres_t;

typedef struct {
    uint8_t f; /* fid_t */
    uint8_t p; /* pres_t */
} kspec_t;

#define A P_ALWAYS
#define NZ P_NONZERO
static const kspec_t k_run[] = {{F_SCENARIO, A}, {F_SOURCE, NZ}, {F_TITLE, NZ}, {F_SEED, A}, {F_SERVERS, A},
                               {F_CAPACITY, A}, {F_SESSIONS, A}, {F_UTC0, A}};
static const kspec_t k_session[] = {{F_SESS, A}, {F_SID, A},  {F_CNAME, A},
                                   {F_MODE, A}, {F_UID, A}, {F_USERS, A}};
static const kspec_t k_api[] = {{F_SESS, NZ},         {F_CALL, A}, {F_HTTP, A}, {F_CODE, A},
                               {F_STATUS, P_QUERY}, {F_MSG, NZ}, {F_BY, NZ},  {F_EXPECT, NZ}};
static const kspec_t k_fault[] = {{F_FAULT, A}, {F_SRV, NZ},           {F_SESS, NZ},
                                 {F_REC, NZ},  {F_HEAL, P_DISCONNECT}, {F_LAST_HB, P_HB},
                                 {F_COUNT, P_PROVISION}};
static const kspec_t k_srv_rec[] = {{F_SRV, A}, {F_REC, A}};
static const kspec_t k_user[] = {{F_SESS, A}, {F_UID, A}, {F_JOINED, A}};
static const kspec_t k_detect[] = {{F_SESS, A},  {F_SRV, A},        {F_REC, A},
                                  {F_CAUSE, A}, {F_ACTIVATION, A}, {F_UNTIL, A}};
static const kspec_t k_srv[] = {{F_SRV, A}};
static const kspec_t k_reconnecting[] = {{F_SESS, A}, {F_SRV, A}, {F_UNTIL, A}};
static const kspec_t k_sess_srv[] = {{F_SESS, A}, {F_SRV, A}};
static const kspec_t k_switch[] = {{F_SESS, A}, {F_FROM_SRV, NZ}, {F_SRV, A},
                                  {F_REC, A},  {F_UID, A},       {F_ATTEMPT, A}};
static const kspec_t k_sess_srv_rec[] = {{F_SESS, A}, {F_SRV, A}, {F_REC, A}};
static const kspec_t k_rec_start[] = {{F_SESS, A}, {F_SRV, A}, {F_REC, A}, {F_UID, A}, {F_BAK, A}};
static const kspec_t k_rec_resume[] = {{F_SESS, A}, {F_SRV, A}, {F_REC, A}, {F_BAK, A}};
static const kspec_t k_rec_uid[] = {{F_SESS, A}, {F_SRV, A}, {F_REC, A}, {F_UID, A}};
static const kspec_t k_rec_ready[] = {{F_SESS, A}, {F_SRV, A}, {F_REC, A}, {F_UID, A},
                                     {F_GOP, NZ}};
static const kspec_t k_wait_capacity[] = {{F_SESS, A}, {F_ACTIVATION, A}, {F_ATTEMPT, A},
                                         {F_UNTIL, A}};
static const kspec_t k_rec_stop[] = {{F_SESS, A}, {F_SRV, A}, {F_REC, A}, {F_HOW, A}};
static const kspec_t k_resume[] = {{F_SESS, A}, {F_SRV, A}, {F_REC, A},
                                  {F_UID, A},  {F_ACTIVATION, A}};
static const kspec_t k_slice_w[] = {{F_SESS, A},  {F_SRV, A}, {F_REC, A},
                                   {F_UID, A},   {F_TRACK, A}, {F_FMT, A},
                                   {F_START_UTC, A}, {F_END_UTC, A}};
static const kspec_t k_playlist[] = {{F_SESS, A}, {F_UID, A}, {F_TRACK, A},
                                    {F_BAK, A},  {F_PLAYLIST, A}};
static const kspec_t k_slice[] = {{F_SESS, A},      {F_SRV, A},     {F_REC, A},  {F_UID, A},
                                 {F_TRACK, A},     {F_FMT, A},     {F_BAK, A},  {F_START_UTC, A},
                                 {F_END_UTC, A},   {F_NAME, A},    {F_PLAYLIST, NZ}};
static const kspec_t k_callback[] = {{F_SESS, A},        {F_EVENT, A},        {F_UID, A},
                                    {F_SEQ, A},         {F_NOTICE, A},       {F_EXIT, P_EV11},
                                    {F_NEW_UID, P_EV12}, {F_LEAVE, P_EV41},   {F_START_UTC, P_EV42},
                                    {F_DISC_UTC, P_EV42}, {F_FILES, P_EV31}};
static const kspec_t k_give_up[] = {{F_SESS, A}, {F_REASON, A}};
static const kspec_t k_end[] = {{F_SESS, A}, {F_EXIT, A}, {F_REASON, A}};
static const kspec_t k_run_end[] = {{F_EVENTS, A}};
#undef A
#undef NZ

#define KEYS(a) {a, sizeof a / sizeof a[0]}
static const struct {
    const kspec_t *keys;
    size_t n;
} kinds[SIM_TR_KIND_COUNT] = {
    [SIM_TR_RUN] = KEYS(k_run),
    [SIM_TR_SESSION] = KEYS(k_session),
    [SIM_TR_API] = KEYS(k_api),
    [SIM_TR_FAULT] = KEYS(k_fault),
    [SIM_TR_EXIT_REPORT] = KEYS(k_srv_rec),
    [SIM_TR_USER] = KEYS(k_user),
    [SIM_TR_DETECT] = KEYS(k_detect),
    [SIM_TR_SERVER_DOWN] = KEYS(k_srv),
    [SIM_TR_SERVER_UP] = KEYS(k_srv),
    [SIM_TR_RECONNECTING] = KEYS(k_reconnecting),
    [SIM_TR_RECONNECTED] = KEYS(k_sess_srv),
    [SIM_TR_SWITCH] = KEYS(k_switch),
    [SIM_TR_ATTEMPT_FAILED] = KEYS(k_sess_srv_rec),
    [SIM_TR_RECORDER_START] = KEYS(k_rec_start),
    [SIM_TR_RECORDER_RESUME] = KEYS(k_rec_resume),
    [SIM_TR_RECORDER_READY] = KEYS(k_rec_ready),
    [SIM_TR_RECORDER_FAILED] = KEYS(k_sess_srv_rec),
    [SIM_TR_RECORDER_STOP] = KEYS(k_rec_stop),
    [SIM_TR_RECORDER_EXITED] = KEYS(k_sess_srv_rec),
    [SIM_TR_STARTED] = KEYS(k_rec_uid),
    [SIM_TR_RESUME] = KEYS(k_resume),
    [SIM_TR_SLICE_DONE] = KEYS(k_slice_w),
    [SIM_TR_SLICE_LOST] = KEYS(k_slice_w),
    [SIM_TR_PLAYLIST_OPEN] = KEYS(k_playlist),
    [SIM_TR_SLICE] = KEYS(k_slice),
    [SIM_TR_PLAYLIST_CLOSE] = KEYS(k_playlist),
    [SIM_TR_CALLBACK] = KEYS(k_callback),
    [SIM_TR_FENCED] = KEYS(k_sess_srv_rec),
    [SIM_TR_GIVE_UP] = KEYS(k_give_up),
    [SIM_TR_END] = KEYS(k_end),
    [SIM_TR_WAIT_CAPACITY] = KEYS(k_wait_capacity),
    [SIM_TR_RECORDER_REJOINED] = KEYS(k_sess_srv_rec),
    [SIM_TR_RUN_END] = KEYS(k_run_end),
};
#undef KEYS

/* ---- field access ------------------------------------------------------ */

/* Integer value of a numeric, boolean or enum field. */
static int64_t get_i(const sim_tr_ev_t *ev, fid_t f)
{
    switch (f) {
    case F_SEED: return (int64_t)ev->seed;
    case F_SERVERS: return ev->servers;
    case F_CAPACITY: return ev->capacity;
    case F_SESSIONS: return ev->sessions;
    case F_UTC0: return ev->utc0_ms;
    case F_SESS: return ev->sess;
    case F_MODE: return ev->mode;
    case F_UID: return ev->uid;
    case F_CALL: return ev->call;
    case F_HTTP: return ev->http;
    case F_CODE: return ev->code;
    case F_STATUS: return ev->status;
    case F_BY: return (int64_t)ev->by;
    case F_EXPECT: return ev->expect;
    case F_FAULT: return (int64_t)ev->fault;
    case F_SRV: return ev->srv;
    case F_REC: return ev->rec;
    case F_HEAL: return ev->heal_ms;
    case F_LAST_HB: return ev->last_hb_ms;
    case F_COUNT: return ev->count;
    case F_JOINED: return ev->joined;
    case F_CAUSE: return ev->cause;
    case F_ACTIVATION: return ev->activation;
    case F_UNTIL: return ev->until_ms;
    case F_FROM_SRV: return ev->from_srv;
    case F_ATTEMPT: return ev->attempt;
    case F_BAK: return ev->bak;
    case F_HOW: return ev->how;
    case F_TRACK: return ev->track;
    case F_FMT: return ev->fmt;
    case F_START_UTC: return ev->start_utc_ms;
    case F_END_UTC: return ev->end_utc_ms;
    case F_EVENT: return ev->event_type;
    case F_SEQ: return ev->seq;
    case F_NOTICE: return (int64_t)ev->notice;
    case F_EXIT: return ev->exit_status;
    case F_NEW_UID: return ev->new_uid;
    case F_DISC_UTC: return ev->discontinue_utc_ms;
    case F_LEAVE: return ev->leave_code;
    case F_FILES: return ev->file_count;
    case F_REASON: return ev->reason;
    case F_EVENTS: return (int64_t)ev->events;
    case F_GOP: return ev->gop_ms;
    default: break;
    }
    assert(!"not an integer field");
    return 0;
}

/* Callers range-checked v against the field's type. */
static void set_i(sim_tr_ev_t *ev, fid_t f, int64_t v)
{
    switch (f) {
    case F_SEED: ev->seed = (uint64_t)v; break;
    case F_SERVERS: ev->servers = (uint32_t)v; break;
    case F_CAPACITY: ev->capacity = (uint32_t)v; break;
    case F_SESSIONS: ev->sessions = (uint32_t)v; break;
    case F_UTC0: ev->utc0_ms = v; break;
    case F_SESS: ev->sess = (uint32_t)v; break;
    case F_MODE: ev->mode = (int)v; break;
    case F_UID: ev->uid = (uint32_t)v; break;
    case F_CALL: ev->call = (int)v; break;
    case F_HTTP: ev->http = (int)v; break;
    case F_CODE: ev->code = (int)v; break;
    case F_STATUS: ev->status = (int)v; break;
    case F_BY: ev->by = (sim_by_t)v; break;
    case F_EXPECT: ev->expect = (int)v; break;
    case F_FAULT: ev->fault = (sim_fault_t)v; break;
    case F_SRV: ev->srv = (uint32_t)v; break;
    case F_REC: ev->rec = (uint32_t)v; break;
    case F_HEAL: ev->heal_ms = v; break;
    case F_LAST_HB: ev->last_hb_ms = v; break;
    case F_COUNT: ev->count = (uint32_t)v; break;
    case F_JOINED: ev->joined = v != 0; break;
    case F_CAUSE: ev->cause = (int)v; break;
    case F_ACTIVATION: ev->activation = (int)v; break;
    case F_UNTIL: ev->until_ms = v; break;
    case F_FROM_SRV: ev->from_srv = (uint32_t)v; break;
    case F_ATTEMPT: ev->attempt = (uint32_t)v; break;
    case F_BAK: ev->bak = (int)v; break;
    case F_HOW: ev->how = (int)v; break;
    case F_TRACK: ev->track = (int)v; break;
    case F_FMT: ev->fmt = (int)v; break;
    case F_START_UTC: ev->start_utc_ms = v; break;
    case F_END_UTC: ev->end_utc_ms = v; break;
    case F_EVENT: ev->event_type = (int)v; break;
    case F_SEQ: ev->seq = (uint32_t)v; break;
    case F_NOTICE: ev->notice = (uint64_t)v; break;
    case F_EXIT: ev->exit_status = (int)v; break;
    case F_NEW_UID: ev->new_uid = (uint32_t)v; break;
    case F_DISC_UTC: ev->discontinue_utc_ms = v; break;
    case F_LEAVE: ev->leave_code = (uint32_t)v; break;
    case F_FILES: ev->file_count = (uint32_t)v; break;
    case F_REASON: ev->reason = (int)v; break;
    case F_EVENTS: ev->events = (uint64_t)v; break;
    case F_GOP: ev->gop_ms = v; break;
    default: assert(!"not an integer field"); break;
    }
}

static const char **str_field(sim_tr_ev_t *ev, fid_t f)
{
    switch (f) {
    case F_SCENARIO: return &ev->scenario;
    case F_SOURCE: return &ev->source_fnv;
    case F_TITLE: return &ev->title;
    case F_SID: return &ev->sid;
    case F_CNAME: return &ev->cname;
    case F_MSG: return &ev->msg;
    case F_NAME: return &ev->name;
    case F_PLAYLIST: return &ev->playlist;
    default: break;
    }
    assert(!"not a string field");
    return NULL;
}

static const char *get_s(const sim_tr_ev_t *ev, fid_t f)
{
    switch (f) {
    case F_SCENARIO: return ev->scenario;
    case F_SOURCE: return ev->source_fnv;
    case F_TITLE: return ev->title;
    case F_SID: return ev->sid;
    case F_CNAME: return ev->cname;
    case F_MSG: return ev->msg;
    case F_NAME: return ev->name;
    case F_PLAYLIST: return ev->playlist;
    default: break;
    }
    assert(!"not a string field");
    return NULL;
}

/* Is the key on the line, given the fields that come before it? */
static bool present(const sim_tr_ev_t *ev, const kspec_t *k)
{
    switch ((pres_t)k->p) {
    case P_ALWAYS: return true;
    case P_NONZERO:
        if (fields[k->f].type == T_STR)
            return get_s(ev, (fid_t)k->f) != NULL;
        return get_i(ev, (fid_t)k->f) != 0;
    case P_QUERY: return ev->call == SIM_CALL_QUERY;
    case P_DISCONNECT: return ev->fault == SIM_FAULT_DISCONNECT;
    case P_PROVISION: return ev->fault == SIM_FAULT_PROVISION_FAIL;
    case P_HB:
        return (ev->fault == SIM_FAULT_DISCONNECT || ev->fault == SIM_FAULT_CRASH) &&
               ev->last_hb_ms >= 0;
    case P_EV11: return ev->event_type == SIM_NCS_SESSION_EXIT;
    case P_EV12: return ev->event_type == SIM_NCS_SESSION_FAILOVER;
    case P_EV31: return ev->event_type == SIM_NCS_UPLOADED;
    case P_EV41: return ev->event_type == SIM_NCS_RECORDER_LEAVE;
    case P_EV42: return ev->event_type == SIM_NCS_RECORDER_SLICE_START;
    }
    return false;
}

/* ---- writer ------------------------------------------------------------ */

typedef struct {
    char *buf;
    size_t cap;
    size_t len; /* bytes the line needs so far, even past cap */
} out_t;

static void put(out_t *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void put_s(out_t *o, const char *s) { put(o, s, strlen(s)); }

static void put_u64(out_t *o, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(o, tmp + i, sizeof tmp - i);
}

static void put_i64(out_t *o, int64_t v)
{
    if (v < 0) {
        put(o, "-", 1);
        put_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(o, (uint64_t)v);
    }
}

static void put_json_str(out_t *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* bytes copied as they are, not yet put */

    put(o, "\"", 1);
    for (; p[run] != '\0';) {
        unsigned char c = p[run];
        char esc[6];
        size_t n = 2;

        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        put(o, (const char *)p, run);
        p += run + 1;
        run = 0;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
            break;
        }
        put(o, esc, n);
    }
    put(o, (const char *)p, run);
    put(o, "\"", 1);
}

static void put_key(out_t *o, const char *key)
{
    put(o, ",\"", 2);
    put_s(o, key);
    put(o, "\":", 2);
}

static void put_field(out_t *o, const sim_tr_ev_t *ev, fid_t f)
{
    const field_t *fd = &fields[f];
    int64_t v;

    put_key(o, fd->key);
    switch (fd->type) {
    case T_STR: {
        const char *s = get_s(ev, f);
        assert(s != NULL);
        put_json_str(o, s);
        break;
    }
    case T_USERS:
        assert(ev->users_count == 0 || ev->users != NULL);
        put(o, "[", 1);
        for (uint32_t i = 0; i < ev->users_count; i++) {
            if (i > 0)
                put(o, ",", 1);
            put_u64(o, ev->users[i]);
        }
        put(o, "]", 1);
        break;
    case T_BOOL:
        put_s(o, ev->joined ? "true" : "false");
        break;
    case T_ENUM:
        v = get_i(ev, f);
        assert(v >= 0 && v < fd->names_n && fd->names[v] != NULL);
        put_json_str(o, fd->names[v]);
        break;
    case T_U64:
        v = get_i(ev, f);
        assert(v >= 0); /* jansson reads at most INT64_MAX */
        put_u64(o, (uint64_t)v);
        break;
    case T_I64:
    case T_U32:
    case T_INT:
        put_i64(o, get_i(ev, f));
        break;
    }
}

size_t sim_tr_json_format(char *buf, size_t cap, const sim_tr_ev_t *ev)
{
    out_t o = {buf, cap, 0};

    assert(ev != NULL && (buf != NULL || cap == 0));
    assert((int)ev->kind >= 0 && ev->kind < SIM_TR_KIND_COUNT);
    put(&o, "{\"t_ms\":", 8);
    put_i64(&o, ev->t_ms);
    put(&o, ",\"kind\":", 8);
    put_json_str(&o, sim_tr_kind_name(ev->kind));
    for (size_t i = 0; i < kinds[ev->kind].n; i++) {
        const kspec_t *k = &kinds[ev->kind].keys[i];
        if (present(ev, k))
            put_field(&o, ev, (fid_t)k->f);
    }
    put(&o, "}\n", 2);
    if (cap > 0)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

int sim_tr_json_write(FILE *f, const sim_tr_ev_t *ev)
{
    char small[1024];
    size_t n = sim_tr_json_format(small, sizeof small, ev);
    int rc = 0;

    if (n < sizeof small)
        return fwrite(small, 1, n, f) == n ? 0 : -1;
    /* A session line with many users: rare, so it may allocate. */
    char *big = malloc(n + 1);
    if (big == NULL)
        return -1;
    (void)sim_tr_json_format(big, n + 1, ev);
    if (fwrite(big, 1, n, f) != n)
        rc = -1;
    free(big);
    return rc;
}

void sim_tr_json_sink(void *ctx, const sim_tr_ev_t *ev)
{
    (void)sim_tr_json_write((FILE *)ctx, ev);
}

/* ---- reader ------------------------------------------------------------ */

#define LINE_MAX_BYTES (1u << 20)

typedef struct {
    const char *name;
    uint64_t line;
    const char *text; /* the line, for columns of keys */
    size_t text_len;
    sim_tr_sink_fn *sink;
    void *ctx;
    char *err;
    size_t err_cap;
    int64_t last_t_ms;
    uint32_t users[SIM_TR_JSON_USERS_MAX];
} rd_t;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int rd_error(rd_t *r, size_t col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->err != NULL && r->err_cap > 0)
        snprintf(r->err, r->err_cap, "%s:%" PRIu64 ":%zu: error: %s", r->name, r->line, col, msg);
    return 2;
}

/* Column (1-based) of "key" in the line, or 1 when not found: good enough
 * to point a person at the right place. */
static size_t key_col(const rd_t *r, const char *key)
{
    size_t kl = strlen(key);

    for (size_t i = 0; i + kl + 2 <= r->text_len; i++) {
        if (r->text[i] == '"' && memcmp(r->text + i + 1, key, kl) == 0 &&
            r->text[i + 1 + kl] == '"')
            return i + 1;
    }
    return 1;
}

static int read_int(rd_t *r, json_t *v, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_int_t x;

    if (!json_is_integer(v))
        return rd_error(r, key_col(r, key), "'%s' must be an integer", key);
    x = json_integer_value(v);
    if (x < lo || x > hi)
        return rd_error(r, key_col(r, key), "'%s' is %lld, out of range %lld..%lld", key,
                        (long long)x, (long long)lo, (long long)hi);
    *out = (int64_t)x;
    return 0;
}

static int read_field(rd_t *r, json_t *v, sim_tr_ev_t *ev, fid_t f)
{
    const field_t *fd = &fields[f];
    int64_t x = 0;
    int rc = 0;

    switch (fd->type) {
    case T_I64: rc = read_int(r, v, fd->key, INT64_MIN, INT64_MAX, &x); break;
    case T_U64: rc = read_int(r, v, fd->key, 0, INT64_MAX, &x); break;
    case T_U32: rc = read_int(r, v, fd->key, 0, UINT32_MAX, &x); break;
    case T_INT: rc = read_int(r, v, fd->key, INT_MIN, INT_MAX, &x); break;
    case T_BOOL:
        if (!json_is_boolean(v))
            return rd_error(r, key_col(r, fd->key), "'%s' must be true or false", fd->key);
        x = json_is_true(v);
        break;
    case T_STR:
        if (!json_is_string(v))
            return rd_error(r, key_col(r, fd->key), "'%s' must be a string", fd->key);
        if (json_string_length(v) > SIM_TR_JSON_STR_MAX)
            return rd_error(r, key_col(r, fd->key), "'%s' is longer than %d bytes", fd->key,
                            SIM_TR_JSON_STR_MAX);
        *str_field(ev, f) = json_string_value(v);
        return 0;
    case T_USERS: {
        size_t n;
        if (!json_is_array(v))
            return rd_error(r, key_col(r, fd->key), "'%s' must be an array of integers",
                            fd->key);
        n = json_array_size(v);
        if (n > SIM_TR_JSON_USERS_MAX)
            return rd_error(r, key_col(r, fd->key), "'%s' lists %zu users, more than %d",
                            fd->key, n, SIM_TR_JSON_USERS_MAX);
        for (size_t i = 0; i < n; i++) {
            rc = read_int(r, json_array_get(v, i), fd->key, 0, UINT32_MAX, &x);
            if (rc != 0)
                return rc;
            r->users[i] = (uint32_t)x;
        }
        ev->users = r->users;
        ev->users_count = (uint32_t)n;
        return 0;
    }
    case T_ENUM: {
        const char *s;
        if (!json_is_string(v))
            return rd_error(r, key_col(r, fd->key), "'%s' must be a string", fd->key);
        s = json_string_value(v);
        for (x = 0; x < fd->names_n; x++) {
            if (fd->names[x] != NULL && strcmp(fd->names[x], s) == 0)
                break;
        }
        if (x == fd->names_n)
            return rd_error(r, key_col(r, fd->key), "unknown %s '%s'", fd->key, s);
        break;
    }
    }
    if (rc == 0)
        set_i(ev, f, x);
    return rc;
}

static bool key_of_kind(sim_tr_kind_t kind, const char *key)
{
    if (strcmp(key, "t_ms") == 0 || strcmp(key, "kind") == 0)
        return true;
    for (size_t i = 0; i < kinds[kind].n; i++) {
        if (strcmp(fields[kinds[kind].keys[i].f].key, key) == 0)
            return true;
    }
    return false;
}

static int rd_object(rd_t *r, json_t *obj)
{
    json_t *v;
    const char *kname;
    const char *key;
    int64_t t_ms;
    int kind;
    int rc;
    sim_tr_ev_t ev;

    if (!json_is_object(obj))
        return rd_error(r, 1, "a line must be a JSON object");
    v = json_object_get(obj, "t_ms");
    if (v == NULL)
        return rd_error(r, 1, "missing key 't_ms'");
    rc = read_int(r, v, "t_ms", 0, INT64_MAX, &t_ms);
    if (rc != 0)
        return rc;
    if (t_ms < r->last_t_ms)
        return rd_error(r, key_col(r, "t_ms"), "t_ms goes back from %" PRId64 " to %" PRId64,
                        r->last_t_ms, t_ms);
    v = json_object_get(obj, "kind");
    if (v == NULL)
        return rd_error(r, 1, "missing key 'kind'");
    if (!json_is_string(v))
        return rd_error(r, key_col(r, "kind"), "'kind' must be a string");
    kname = json_string_value(v);
    for (kind = 0; kind < SIM_TR_KIND_COUNT; kind++) {
        if (strcmp(sim_tr_kind_name((sim_tr_kind_t)kind), kname) == 0)
            break;
    }
    if (kind == SIM_TR_KIND_COUNT)
        return rd_error(r, key_col(r, "kind"), "unknown kind '%s'", kname);

    json_object_foreach(obj, key, v) {
        if (!key_of_kind((sim_tr_kind_t)kind, key))
            return rd_error(r, key_col(r, key), "unknown key '%s' for kind '%s'", key, kname);
    }

    ev = sim_tr_ev(t_ms, (sim_tr_kind_t)kind);
    for (size_t i = 0; i < kinds[kind].n; i++) {
        const kspec_t *k = &kinds[kind].keys[i];
        const char *kk = fields[k->f].key;
        /* P_HB is optional: judged by the fault alone, it may be absent. */
        bool optional = k->p == P_NONZERO || k->p == P_HB;
        bool want = k->p == P_ALWAYS || k->p == P_NONZERO ||
                    (k->p == P_HB ? ev.fault == SIM_FAULT_DISCONNECT || ev.fault == SIM_FAULT_CRASH
                                  : present(&ev, k));

        v = json_object_get(obj, kk);
        if (v == NULL) {
            if (!optional && want)
                return rd_error(r, 1, "%s line misses key '%s'", kname, kk);
            continue;
        }
        if (!want)
            return rd_error(r, key_col(r, kk), "key '%s' does not belong on this %s line", kk,
                            kname);
        rc = read_field(r, v, &ev, (fid_t)k->f);
        if (rc != 0)
            return rc;
    }
    r->last_t_ms = t_ms;
    r->sink(r->ctx, &ev);
    return 0;
}

static int rd_line(rd_t *r, const char *s, size_t len)
{
    json_error_t jerr;
    json_t *obj;
    int rc;

    r->line++;
    r->text = s;
    r->text_len = len;
    if (len > 0 && s[len - 1] == '\r')
        len--;
    if (len == 0)
        return rd_error(r, 1, "empty line");
    if (len > LINE_MAX_BYTES)
        return rd_error(r, 1, "line longer than %u bytes", LINE_MAX_BYTES);
    obj = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL)
        return rd_error(r, jerr.column > 0 ? (size_t)jerr.column : 1, "%s", jerr.text);
    rc = rd_object(r, obj);
    json_decref(obj);
    return rc;
}

static rd_t *rd_new(const char *name, sim_tr_sink_fn *sink, void *ctx, char *err,
                    size_t err_cap)
{
    rd_t *r = malloc(sizeof *r);

    if (r == NULL)
        return NULL;
    r->name = name;
    r->line = 0;
    r->text = NULL;
    r->text_len = 0;
    r->sink = sink;
    r->ctx = ctx;
    r->err = err;
    r->err_cap = err_cap;
    r->last_t_ms = 0;
    if (err != NULL && err_cap > 0)
        err[0] = '\0';
    return r;
}

static int no_memory(const char *name, char *err, size_t err_cap)
{
    if (err != NULL && err_cap > 0)
        snprintf(err, err_cap, "%s:1:1: error: out of memory", name);
    return 2;
}

int sim_tr_read_mem(const char *name, const char *data, size_t len, sim_tr_sink_fn *sink,
                    void *ctx, char *err, size_t err_cap)
{
    rd_t *r;
    size_t pos = 0;
    int rc = 0;

    assert(name != NULL && sink != NULL && (data != NULL || len == 0));
    r = rd_new(name, sink, ctx, err, err_cap);
    if (r == NULL)
        return no_memory(name, err, err_cap);
    while (pos < len && rc == 0) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - (data + pos)) : len - pos;
        rc = rd_line(r, data + pos, n);
        pos += n + 1;
    }
    free(r);
    return rc;
}

FILE *sim_tr_open_input(const char **path)
{
    if (strcmp(*path, "-") != 0)
        return fopen(*path, "rb");
    *path = "<stdin>";
    return stdin;
}

void sim_tr_close_input(FILE *f)
{
    if (f != stdin)
        fclose(f);
}

int sim_tr_read_file(const char *path, sim_tr_sink_fn *sink, void *ctx, char *err,
                     size_t err_cap)
{
    FILE *f;
    rd_t *r;
    char *buf;
    size_t cap = 1u << 16, start = 0, end = 0;
    int rc = 0;
    bool eof = false;

    assert(path != NULL && sink != NULL);
    f = sim_tr_open_input(&path);
    if (f == NULL) {
        if (err != NULL && err_cap > 0)
            snprintf(err, err_cap, "%s:1:1: error: cannot open: %s", path, strerror(errno));
        return 2;
    }
    r = rd_new(path, sink, ctx, err, err_cap);
    buf = malloc(cap);
    if (r == NULL || buf == NULL) {
        free(r);
        free(buf);
        sim_tr_close_input(f);
        return no_memory(path, err, err_cap);
    }
    /* buf[start, end) holds bytes not yet handed out as lines. */
    while (rc == 0) {
        const char *nl = memchr(buf + start, '\n', end - start);
        if (nl != NULL) {
            size_t n = (size_t)(nl - (buf + start));
            rc = rd_line(r, buf + start, n);
            start += n + 1;
            continue;
        }
        if (eof) {
            if (end > start)
                rc = rd_line(r, buf + start, end - start);
            break;
        }
        if (end - start > LINE_MAX_BYTES) {
            r->line++;
            rc = rd_error(r, 1, "line longer than %u bytes", LINE_MAX_BYTES);
            break;
        }
        memmove(buf, buf + start, end - start);
        end -= start;
        start = 0;
        if (end == cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                rc = no_memory(path, err, err_cap);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        end += fread(buf + end, 1, cap - end, f);
        if (end < cap) {
            if (ferror(f)) {
                r->line++;
                rc = rd_error(r, 1, "read error");
                break;
            }
            eof = feof(f) != 0;
        }
    }
    free(buf);
    free(r);
    sim_tr_close_input(f);
    return rc;
}

void sim_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}
