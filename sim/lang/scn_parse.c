/* scn_parse.c -- the scenario language (.scn) into a scn_t.
 *
 * The input is untrusted: a file written by hand, by the swarm, by the
 * shrinker, or by the fuzzer. Every byte is reached through (pointer, length)
 * and bounds-checked; nothing relies on a terminating NUL. A file parses whole
 * or is refused whole, with one `FILE:LINE:COL: error: MESSAGE` line naming
 * the first problem found.
 *
 * One pass, a line at a time, a token at a time. Two checks depend on
 * statements that may come later in the file (a host against `servers`, a
 * session against `sessions`): they are made on the spot when the bound has
 * already been given, and for every action and expectation once the whole
 * file has been read.
 *
 * This file also holds the tree's life cycle (new, reset, equal) and the
 * tables of names, which the writer shares.
 */
#include "scn.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define SCN_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SCN_PRINTF(fmt, args)
#endif

#define MS_PER_S INT64_C(1000)
#define MS_PER_M (60 * MS_PER_S)
#define MS_PER_H (60 * MS_PER_M)

/* A token quoted in a message is cut to this, escapes and "..." included:
 * a message stays one readable line whatever the input holds. */
#define SHOW_SIZE 48
/* Room for a formatted duration ("2562047788015h12m55s807ms" and a NUL). */
#define DURATION_TEXT_SIZE 32

/* ---- names ------------------------------------------------------------ */

static const char *const act_names[SCN_ACT_COUNT] = {
    [SCN_ACT_START] = "start",
    [SCN_ACT_QUERY] = "query",
    [SCN_ACT_UPDATE] = "update",
    [SCN_ACT_UPDATE_LAYOUT] = "updateLayout",
    [SCN_ACT_STOP] = "stop",
    [SCN_ACT_KILL] = "kill",
    [SCN_ACT_DISCONNECT] = "disconnect",
    [SCN_ACT_CRASH_HOST] = "crash host",
    [SCN_ACT_PROVISION_FAIL] = "provision-fail",
    [SCN_ACT_JOIN] = "join",
    [SCN_ACT_LEAVE] = "leave",
    [SCN_ACT_STEP_CLOCK] = "step-clock",
    [SCN_ACT_END] = "end",
};

static const char *const mode_names[SCN_MODE_COUNT] = {
    [SCN_MODE_COMPOSITE] = "composite",
    [SCN_MODE_INDIVIDUAL] = "individual",
    [SCN_MODE_WEB] = "web",
};

static const char *const exp_names[SCN_EXP_COUNT] = {
    [SCN_EXP_ACTIVATIONS] = "activations",
    [SCN_EXP_EXIT] = "exit",
    [SCN_EXP_FILE] = "file",
    [SCN_EXP_NO_FILE] = "no file",
    [SCN_EXP_UID] = "uid",
    [SCN_EXP_VIOLATION] = "violation",
    [SCN_EXP_CALLBACK] = "callback",
    [SCN_EXP_RESUME] = "resume",
    [SCN_EXP_STARTED] = "started",
};

/* The Notification Center's event types and names (docs/agora-facts.md).
 * 13, "high availability register success", is named in the integration
 * guide in words only: it is written as its number. */
static const struct {
    int event;
    const char *name;
} callback_defs[] = {
    {1, "cloud_recording_error"},
    {2, "cloud_recording_warning"},
    {3, "cloud_recording_status_update"},
    {4, "cloud_recording_file_infos"},
    {11, "session_exit"},
    {12, "session_failover"},
    {13, NULL},
    {30, "uploader_started"},
    {31, "uploaded"},
    {32, "backuped"},
    {33, "uploading_progress"},
    {40, "recorder_started"},
    {41, "recorder_leave"},
    {42, "recorder_slice_start"},
    {43, "recorder_audio_stream_state_changed"},
    {44, "recorder_video_stream_state_changed"},
};
#define CALLBACK_DEFS_COUNT (sizeof callback_defs / sizeof callback_defs[0])
#define CALLBACK_TYPES_TEXT "1..4, 11..13, 30..33, 40..44"

static const char *const placeholder_names[SCN_PH_COUNT] = {
    [SCN_PH_NONE] = "?",
    [SCN_PH_SID] = "<sid>",
    [SCN_PH_CNAME] = "<cname>",
    [SCN_PH_UID] = "<uid>",
};

static const char *const exit_names[SCN_EXIT_COUNT] = {
    [SCN_EXIT_NORMAL] = "normal",
    [SCN_EXIT_ABNORMAL] = "abnormal",
    [SCN_EXIT_NONE] = "none",
};

static const char *const uid_names[SCN_UID_COUNT] = {
    [SCN_UID_CHANGED] = "changed",
    [SCN_UID_SAME] = "same",
};

static const struct {
    const char *name;
    scn_param_type_t type;
    int64_t lo_min; /* the smallest value the simulator can use */
} param_defs[SCN_PARAM_COUNT] = {
    [SCN_PARAM_KILL_DETECT] = {"kill_detect", SCN_PTYPE_DURATION, 0},
    [SCN_PARAM_START_LATENCY] = {"start_latency", SCN_PTYPE_DURATION, 0},
    [SCN_PARAM_REJOIN_LATENCY] = {"rejoin_latency", SCN_PTYPE_DURATION, 0},
    /* A zero frame interval would be a division by zero in the recorder. */
    [SCN_PARAM_GOP] = {"gop", SCN_PTYPE_DURATION, 1},
    [SCN_PARAM_POLL] = {"poll", SCN_PTYPE_BOOL, 0},
    [SCN_PARAM_WEBM] = {"webm", SCN_PTYPE_BOOL, 0},
    [SCN_PARAM_MP4] = {"mp4", SCN_PTYPE_BOOL, 0},
    [SCN_PARAM_ZOMBIE] = {"zombie", SCN_PTYPE_BOOL, 0},
    [SCN_PARAM_LAZY_TIMERS] = {"lazy_timers", SCN_PTYPE_BOOL, 0},
    [SCN_PARAM_CLOCK] = {"clock", SCN_PTYPE_DURATION, 0},
    [SCN_PARAM_HOSTILE] = {"hostile", SCN_PTYPE_BOOL, 0},
};

const char *scn_act_name(scn_act_kind_t kind)
{
    return (unsigned)kind < SCN_ACT_COUNT ? act_names[kind] : "?";
}

const char *scn_mode_name(scn_mode_t mode)
{
    return (unsigned)mode < SCN_MODE_COUNT ? mode_names[mode] : "?";
}

const char *scn_param_name(scn_param_id_t id)
{
    return (unsigned)id < SCN_PARAM_COUNT ? param_defs[id].name : "?";
}

scn_param_type_t scn_param_type(scn_param_id_t id)
{
    assert((unsigned)id < SCN_PARAM_COUNT);
    return param_defs[id].type;
}

const char *scn_exp_name(scn_exp_kind_t kind)
{
    return (unsigned)kind < SCN_EXP_COUNT ? exp_names[kind] : "?";
}

const char *scn_exit_name(scn_exit_t e)
{
    return (unsigned)e < SCN_EXIT_COUNT ? exit_names[e] : "?";
}

const char *scn_uid_name(scn_uid_t uid)
{
    return (unsigned)uid < SCN_UID_COUNT ? uid_names[uid] : "?";
}

bool scn_callback_known(int event)
{
    for (size_t i = 0; i < CALLBACK_DEFS_COUNT; i++) {
        if (callback_defs[i].event == event)
            return true;
    }
    return false;
}

const char *scn_callback_name(int event)
{
    for (size_t i = 0; i < CALLBACK_DEFS_COUNT; i++) {
        if (callback_defs[i].event == event)
            return callback_defs[i].name;
    }
    return NULL;
}

scn_placeholder_t scn_placeholder(const char *text, size_t len, size_t *ph_len)
{
    for (int ph = SCN_PH_NONE + 1; ph < SCN_PH_COUNT; ph++) {
        size_t n = strlen(placeholder_names[ph]);
        if (len >= n && memcmp(text, placeholder_names[ph], n) == 0) {
            *ph_len = n;
            return (scn_placeholder_t)ph;
        }
    }
    *ph_len = 0;
    return SCN_PH_NONE;
}

const char *scn_placeholder_name(scn_placeholder_t ph)
{
    return (unsigned)ph < SCN_PH_COUNT ? placeholder_names[ph] : "?";
}

bool scn_act_is_api(scn_act_kind_t kind)
{
    return kind == SCN_ACT_START || kind == SCN_ACT_QUERY || kind == SCN_ACT_UPDATE ||
           kind == SCN_ACT_UPDATE_LAYOUT || kind == SCN_ACT_STOP;
}

bool scn_act_is_fault(scn_act_kind_t kind)
{
    return kind == SCN_ACT_KILL || kind == SCN_ACT_DISCONNECT || kind == SCN_ACT_CRASH_HOST ||
           kind == SCN_ACT_PROVISION_FAIL;
}

/* A host crash and a provisioning failure hit servers, not sessions; a
 * clock step every server's clock; `end` ends the whole run. */
static bool act_takes_session(scn_act_kind_t kind)
{
    return kind != SCN_ACT_CRASH_HOST && kind != SCN_ACT_PROVISION_FAIL &&
           kind != SCN_ACT_STEP_CLOCK && kind != SCN_ACT_END;
}

/* ---- the tree --------------------------------------------------------- */

void scn_reset(scn_t *s)
{
    assert(s != NULL);
    s->path[0] = '\0';
    s->source_fnv = 0;
    s->title[0] = '\0';
    s->mode = SCN_MODE_COMPOSITE;
    s->cname[0] = '\0';
    s->users_count = 0;
    s->uid = 0;
    s->has_uid = false;
    s->sid[0] = '\0';
    s->has_sid = false;
    s->seed = SCN_SEED_DEFAULT;
    s->has_seed = false;
    s->servers = SCN_SERVERS_DEFAULT;
    s->capacity = SCN_CAPACITY_DEFAULT;
    s->has_servers = false;
    s->sessions = SCN_SESSIONS_DEFAULT;
    s->params_count = 0;
    s->actions_count = 0;
    s->expects_count = 0;
    s->end_ms = SCN_END_AFTER_LAST_MS;
    s->has_end = false;
}

scn_t *scn_new(void)
{
    /* calloc: the arrays past the counts are zero too, so a tree never holds
     * stale bytes of an earlier allocation. */
    scn_t *s = calloc(1, sizeof *s);
    if (s != NULL)
        scn_reset(s);
    return s;
}

void scn_free(scn_t *s)
{
    free(s);
}

const scn_param_t *scn_param_find(const scn_t *s, scn_param_id_t id)
{
    assert(s != NULL);
    for (size_t i = 0; i < s->params_count; i++) {
        if (s->params[i].id == id)
            return &s->params[i];
    }
    return NULL;
}

static bool action_equal(const scn_action_t *a, const scn_action_t *b)
{
    return a->at_ms == b->at_ms && a->kind == b->kind && a->session == b->session &&
           a->expect_status == b->expect_status && a->heal_ms == b->heal_ms &&
           a->heal_after_detection == b->heal_after_detection && a->host == b->host &&
           a->count == b->count && a->uid == b->uid && a->step_ms == b->step_ms;
}

/* at_ms, count and activation are values only with their flags: a tree
 * built in memory may leave garbage there that the writer never writes. */
static bool expect_equal(const scn_expect_t *a, const scn_expect_t *b)
{
    return a->kind == b->kind && a->activations == b->activations && a->exit == b->exit &&
           a->uid == b->uid && a->rule == b->rule && a->session == b->session &&
           strcmp(a->file, b->file) == 0 && a->event == b->event && a->has_at == b->has_at &&
           (!a->has_at || a->at_ms == b->at_ms) && a->has_count == b->has_count &&
           (!a->has_count || a->count == b->count) && a->within_ms == b->within_ms &&
           a->has_activation == b->has_activation &&
           (!a->has_activation || a->activation == b->activation);
}

bool scn_equal(const scn_t *a, const scn_t *b)
{
    assert(a != NULL && b != NULL);
    if (strcmp(a->title, b->title) != 0 || a->mode != b->mode ||
        strcmp(a->cname, b->cname) != 0 || a->users_count != b->users_count ||
        a->has_uid != b->has_uid || (a->has_uid && a->uid != b->uid) ||
        a->has_sid != b->has_sid || (a->has_sid && strcmp(a->sid, b->sid) != 0) ||
        a->seed != b->seed || a->has_seed != b->has_seed || a->servers != b->servers ||
        a->capacity != b->capacity || a->has_servers != b->has_servers ||
        a->sessions != b->sessions || a->params_count != b->params_count ||
        a->actions_count != b->actions_count || a->expects_count != b->expects_count ||
        a->end_ms != b->end_ms || a->has_end != b->has_end)
        return false;
    for (size_t i = 0; i < a->users_count; i++) {
        if (a->users[i] != b->users[i])
            return false;
    }
    for (size_t i = 0; i < a->params_count; i++) {
        if (a->params[i].id != b->params[i].id || a->params[i].lo != b->params[i].lo ||
            a->params[i].hi != b->params[i].hi)
            return false;
    }
    for (size_t i = 0; i < a->actions_count; i++) {
        if (!action_equal(&a->actions[i], &b->actions[i]))
            return false;
    }
    for (size_t i = 0; i < a->expects_count; i++) {
        if (!expect_equal(&a->expects[i], &b->expects[i]))
            return false;
    }
    return true;
}

/* ---- text helpers ----------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Characters of a channel name or a file name: Agora's channel-name set
 * without the space and '#', which the language uses itself. No '/', no
 * quote, no backslash. */
static bool is_name_char(char c)
{
    return is_digit(c) || is_letter(c) ||
           (c != '\0' && strchr("!$%&()+-:;<=.>?@[]^_{}|~,", c) != NULL);
}

bool scn_name_ok(const char *s, size_t len_max)
{
    size_t n = strlen(s);
    if (n == 0 || n > len_max)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_name_char(s[i]))
            return false;
    }
    return true;
}

/* Bytes quoted for a message: printable ASCII as is, anything else as \xNN,
 * cut with "..." past SHOW_SIZE. */
static const char *show(char buf[SHOW_SIZE], const char *text, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (o + 8 >= SHOW_SIZE) {
            memcpy(buf + o, "...", 4);
            return buf;
        }
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 0xf];
        }
    }
    buf[o] = '\0';
    return buf;
}

typedef enum { NUM_OK, NUM_NOT_NUMBER, NUM_TOO_LARGE } num_rc_t;

/* Decimal digits only: no sign, no hex, no blanks; a value past 2^64-1 is
 * an error, never wrapped. */
static num_rc_t parse_u64(const char *text, size_t len, uint64_t *v)
{
    uint64_t x = 0;
    if (len == 0)
        return NUM_NOT_NUMBER;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(text[i]))
            return NUM_NOT_NUMBER;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(text[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return NUM_TOO_LARGE;
        x = x * 10 + d;
    }
    *v = x;
    return NUM_OK;
}

/* ---- durations -------------------------------------------------------- */

typedef enum {
    DUR_OK,
    DUR_EMPTY,
    DUR_NOT_DURATION,
    DUR_NO_UNIT,
    DUR_BAD_UNIT,
    DUR_UNIT_TWICE,
    DUR_UNIT_ORDER,
    DUR_OVERFLOW,
    DUR_TOO_LONG
} dur_rc_t;

#define UNITS_COUNT 4
static const struct {
    const char *name;
    int64_t ms;
} units[UNITS_COUNT] = {{"h", MS_PER_H}, {"m", MS_PER_M}, {"s", MS_PER_S}, {"ms", 1}};

/* Syntax first, then size: "99999999999999999999h1x" is a bad unit, not an
 * overflow. On DUR_BAD_UNIT, DUR_UNIT_TWICE and DUR_UNIT_ORDER the unit is
 * text[*unit_off .. *unit_off + *unit_len). */
static dur_rc_t duration_scan(const char *text, size_t len, int64_t *ms, size_t *unit_off,
                              size_t *unit_len)
{
    bool used[UNITS_COUNT] = {false, false, false, false};
    int next_unit = 0; /* units before this one may no longer appear */
    bool overflow = false;
    int64_t total = 0;
    size_t i = 0;

    if (len == 0)
        return DUR_EMPTY;
    while (i < len) {
        uint64_t n = 0;
        size_t digits_at = i;
        while (i < len && is_digit(text[i])) {
            unsigned d = (unsigned)(text[i] - '0');
            if (n > (UINT64_MAX - d) / 10)
                overflow = true;
            else
                n = n * 10 + d;
            i++;
        }
        if (i == digits_at)
            return DUR_NOT_DURATION;
        size_t unit_at = i;
        while (i < len && is_letter(text[i]))
            i++;
        if (i == unit_at)
            return i == len ? DUR_NO_UNIT : DUR_NOT_DURATION;
        *unit_off = unit_at;
        *unit_len = i - unit_at;
        int u = -1;
        for (int k = 0; k < UNITS_COUNT; k++) {
            if (strlen(units[k].name) == i - unit_at &&
                memcmp(units[k].name, text + unit_at, i - unit_at) == 0)
                u = k;
        }
        if (u < 0)
            return DUR_BAD_UNIT;
        if (used[u])
            return DUR_UNIT_TWICE;
        if (u < next_unit)
            return DUR_UNIT_ORDER;
        used[u] = true;
        next_unit = u + 1;
        if (!overflow) {
            if (n > (uint64_t)(INT64_MAX / units[u].ms)) {
                overflow = true;
            } else {
                int64_t part = (int64_t)n * units[u].ms;
                if (total > INT64_MAX - part)
                    overflow = true;
                else
                    total += part;
            }
        }
    }
    if (overflow)
        return DUR_OVERFLOW;
    if (total > SCN_TIME_MS_MAX)
        return DUR_TOO_LONG;
    *ms = total;
    return DUR_OK;
}

int scn_duration_format(int64_t ms, char *buf, size_t cap)
{
    assert(ms >= 0);
    if (ms == 0)
        return snprintf(buf, cap, "0s");
    int n = 0;
    int64_t rest = ms;
    for (int k = 0; k < UNITS_COUNT; k++) {
        int64_t q = rest / units[k].ms;
        rest %= units[k].ms;
        if (q == 0)
            continue;
        size_t used = (size_t)n < cap ? (size_t)n : cap;
        int w = snprintf(cap > 0 ? buf + used : buf, cap - used, "%" PRId64 "%s", q,
                         units[k].name);
        if (w < 0)
            return w;
        n += w;
    }
    return n;
}

static void duration_message(dur_rc_t rc, const char *text, size_t len, size_t unit_off,
                             size_t unit_len, char *msg, size_t cap)
{
    char t[SHOW_SIZE], u[SHOW_SIZE], limit[DURATION_TEXT_SIZE];
    show(t, text, len);
    switch (rc) {
    case DUR_OK:
        assert(false);
        break;
    case DUR_EMPTY:
        (void)snprintf(msg, cap, "missing duration");
        break;
    case DUR_NOT_DURATION:
        (void)snprintf(msg, cap, "'%s' is not a duration (such as 250ms, 90s, 1h2m3s4ms)", t);
        break;
    case DUR_NO_UNIT:
        (void)snprintf(msg, cap, "duration '%s' needs a unit (h, m, s or ms)", t);
        break;
    case DUR_BAD_UNIT:
        (void)snprintf(msg, cap, "unknown unit '%s' in duration '%s' (h, m, s or ms)",
                       show(u, text + unit_off, unit_len), t);
        break;
    case DUR_UNIT_TWICE:
        (void)snprintf(msg, cap, "unit '%s' appears twice in duration '%s'",
                       show(u, text + unit_off, unit_len), t);
        break;
    case DUR_UNIT_ORDER:
        (void)snprintf(msg, cap,
                       "unit '%s' out of order in duration '%s' (h, m, s, ms in that order)",
                       show(u, text + unit_off, unit_len), t);
        break;
    case DUR_OVERFLOW:
        (void)snprintf(msg, cap, "duration '%s' overflows 64-bit milliseconds", t);
        break;
    case DUR_TOO_LONG:
        (void)scn_duration_format(SCN_TIME_MS_MAX, limit, sizeof limit);
        (void)snprintf(msg, cap, "duration '%s' is beyond the limit of %s", t, limit);
        break;
    }
}

int scn_duration_parse(const char *text, size_t len, int64_t *ms, char *err, size_t err_cap)
{
    size_t unit_off = 0, unit_len = 0;
    assert(text != NULL || len == 0);
    dur_rc_t rc = duration_scan(text, len, ms, &unit_off, &unit_len);
    if (rc == DUR_OK)
        return 0;
    if (err != NULL && err_cap > 0)
        duration_message(rc, text, len, unit_off, unit_len, err, err_cap);
    return -1;
}

/* ---- the parser ------------------------------------------------------- */

typedef struct {
    const char *p; /* first byte; for a string, its opening quote */
    size_t len;    /* 0: the line holds no more tokens */
    int col;       /* 1-based; at the end of a line, where a token would go */
    bool is_string;
} tok_t;

typedef struct {
    scn_t *s;
    char *err;
    size_t err_cap;
    const char *line; /* the current line without its end (LF or CRLF) */
    size_t line_len;
    size_t pos;
    int lineno;
    /* Line of the statements that may be given once; 0 until seen. */
    int title_line, mode_line, channel_line, sid_line, seed_line, servers_line, sessions_line;
    int uid_line, uid_col;
    int end_line;
    /* Which sessions a `start` has been sent for: a fault before it is a
     * scenario bug (there is nothing yet to break). */
    bool any_start, start_all;
    uint8_t started[SCN_SESSIONS_MAX / 8 + 1];
} parser_t;

/* Every error ends up here and returns -1, which each caller passes up; the
 * first error stops the parse, so err holds exactly one message. */
static int vfail(const parser_t *p, int line, int col, const char *fmt, va_list ap)
    SCN_PRINTF(4, 0);
static int vfail(const parser_t *p, int line, int col, const char *fmt, va_list ap)
{
    if (p->err == NULL || p->err_cap == 0)
        return -1;
    int n = snprintf(p->err, p->err_cap, "%s:%d:%d: error: ", p->s->path, line, col);
    if (n >= 0 && (size_t)n < p->err_cap)
        (void)vsnprintf(p->err + n, p->err_cap - (size_t)n, fmt, ap);
    return -1;
}

static int fail_line(const parser_t *p, int line, int col, const char *fmt, ...) SCN_PRINTF(4, 5);
static int fail_line(const parser_t *p, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vfail(p, line, col, fmt, ap);
    va_end(ap);
    return -1;
}

static int fail(const parser_t *p, int col, const char *fmt, ...) SCN_PRINTF(3, 4);
static int fail(const parser_t *p, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vfail(p, p->lineno, col, fmt, ap);
    va_end(ap);
    return -1;
}

/* The next token of the line. Words are runs of printable ASCII up to a
 * blank or '#'; strings are "..." with \" and \\ as the only escapes, the
 * one place where other bytes (UTF-8) may appear. */
static int lex(parser_t *p, tok_t *t)
{
    const char *s = p->line;
    size_t n = p->line_len;
    size_t i = p->pos;

    while (i < n && is_blank(s[i]))
        i++;
    t->p = s + i;
    t->len = 0;
    t->col = (int)i + 1;
    t->is_string = false;
    p->pos = i;
    if (i == n || s[i] == '#')
        return 0;
    size_t j = i;
    if (s[i] == '"') {
        j++;
        for (;;) {
            if (j == n)
                return fail(p, t->col, "unterminated string");
            unsigned char c = (unsigned char)s[j];
            if (c == '"')
                break;
            if (c == '\\') {
                if (j + 1 == n)
                    return fail(p, t->col, "unterminated string");
                if (s[j + 1] != '"' && s[j + 1] != '\\') {
                    char b[SHOW_SIZE];
                    return fail(p, (int)j + 1,
                                "unknown escape '\\%s' in a string (only \\\" and \\\\)",
                                show(b, s + j + 1, 1));
                }
                j += 2;
                continue;
            }
            if (c < 0x20 || c == 0x7f)
                return fail(p, (int)j + 1, "control character 0x%02x in a string", c);
            j++;
        }
        j++;
        if (j < n && !is_blank(s[j]) && s[j] != '#')
            return fail(p, (int)j + 1, "no blank after the closing quote");
        t->is_string = true;
    } else {
        while (j < n && !is_blank(s[j]) && s[j] != '#') {
            unsigned char c = (unsigned char)s[j];
            if (c < 0x20 || c == 0x7f)
                return fail(p, (int)j + 1, "control character 0x%02x", c);
            if (c >= 0x80)
                return fail(p, (int)j + 1, "byte 0x%02x outside a string (only ASCII there)", c);
            j++;
        }
    }
    t->len = j - i;
    p->pos = j;
    return 0;
}

static bool tok_is(const tok_t *t, const char *word)
{
    size_t n = strlen(word);
    return !t->is_string && t->len == n && memcmp(t->p, word, n) == 0;
}

/* Whether t is the first word of name ("crash" of "crash host"): the word
 * that introduces an action on an `at` line. */
static bool tok_is_first_word(const tok_t *t, const char *name)
{
    size_t n = strcspn(name, " ");
    return !t->is_string && t->len == n && memcmp(t->p, name, n) == 0;
}

/* The next token, which must be a word: what it should be, and what it
 * follows, name it in the message. */
static int need_word(parser_t *p, tok_t *t, const char *what, const char *after)
{
    if (lex(p, t) != 0)
        return -1;
    if (t->len == 0)
        return fail(p, t->col, "missing %s after '%s'", what, after);
    if (t->is_string) {
        char b[SHOW_SIZE];
        return fail(p, t->col, "expected %s, not the string %s", what, show(b, t->p, t->len));
    }
    return 0;
}

static int unexpected(const parser_t *p, const tok_t *t, const char *after)
{
    char b[SHOW_SIZE];
    return fail(p, t->col, "unexpected '%s' after %s", show(b, t->p, t->len), after);
}

static int need_end(parser_t *p, const char *after)
{
    tok_t t;
    if (lex(p, &t) != 0)
        return -1;
    return t.len == 0 ? 0 : unexpected(p, &t, after);
}

/* A decimal number in lo..hi; `what` names it in messages ("host 7 is out
 * of range 1..4"). */
static int number(const parser_t *p, const char *text, size_t len, int col, const char *what,
                  uint64_t lo, uint64_t hi, uint64_t *v)
{
    char b[SHOW_SIZE];
    switch (parse_u64(text, len, v)) {
    case NUM_NOT_NUMBER:
        return fail(p, col, "%s '%s' is not a number", what, show(b, text, len));
    case NUM_TOO_LARGE:
        return fail(p, col, "%s %s is too large", what, show(b, text, len));
    case NUM_OK:
        break;
    }
    if (*v < lo || *v > hi)
        return fail(p, col, "%s %" PRIu64 " is out of range %" PRIu64 "..%" PRIu64, what, *v, lo,
                    hi);
    return 0;
}

static int number_tok(const parser_t *p, const tok_t *t, const char *what, uint64_t lo,
                      uint64_t hi, uint64_t *v)
{
    return number(p, t->p, t->len, t->col, what, lo, hi, v);
}

static int duration(const parser_t *p, const char *text, size_t len, int col, int64_t *ms)
{
    size_t unit_off = 0, unit_len = 0;
    dur_rc_t rc = duration_scan(text, len, ms, &unit_off, &unit_len);
    if (rc == DUR_OK)
        return 0;
    char msg[SHOW_SIZE * 2 + 96];
    duration_message(rc, text, len, unit_off, unit_len, msg, sizeof msg);
    return fail(p, col, "%s", msg);
}

/* A channel or file name: 1..len_max bytes of is_name_char. */
static int name(const parser_t *p, const tok_t *t, const char *what, size_t len_max, char *out)
{
    if (t->len > len_max)
        return fail(p, t->col, "%s is longer than %zu bytes", what, len_max);
    for (size_t i = 0; i < t->len; i++) {
        if (!is_name_char(t->p[i]))
            return fail(p, t->col + (int)i, "character '%c' is not allowed in a %s", t->p[i], what);
    }
    memcpy(out, t->p, t->len);
    out[t->len] = '\0';
    return 0;
}

static int once(parser_t *p, const tok_t *kw, const char *word, int *seen_line)
{
    if (*seen_line != 0)
        return fail(p, kw->col, "second '%s' statement (the first is on line %d)", word,
                    *seen_line);
    *seen_line = p->lineno;
    return 0;
}

/* ---- checks against `servers` and `sessions` -------------------------- */

static int check_host(const parser_t *p, const scn_action_t *a)
{
    if (a->kind == SCN_ACT_CRASH_HOST && a->host > p->s->servers)
        return fail_line(p, a->line, a->arg_col, "host %" PRIu32 " is out of range 1..%" PRIu32,
                         a->host, p->s->servers);
    return 0;
}

static int check_session(const parser_t *p, uint32_t session, int line, int col)
{
    if (session > p->s->sessions)
        return fail_line(p, line, col, "session %" PRIu32 " is out of range 1..%" PRIu32, session,
                         p->s->sessions);
    return 0;
}

/* A user who joins a session's channel with its recording UID would clash
 * with it. Each session has a channel of its own (cname_k), so a join aimed
 * at session k clashes only with k's UID; one aimed at none joins them all. */
static int check_join(const parser_t *p, const scn_action_t *a)
{
    const scn_t *s = p->s;
    if (!s->has_uid || a->kind != SCN_ACT_JOIN || a->uid < s->uid ||
        (uint64_t)a->uid > (uint64_t)s->uid + s->sessions - 1)
        return 0;
    if (a->session != 0 && a->uid - s->uid + 1 != a->session)
        return 0;
    return fail_line(p, a->line, a->arg_col,
                     "user %" PRIu32 " is the recording UID of session %" PRIu32
                     " (uid on line %d)",
                     a->uid, a->uid - s->uid + 1, p->uid_line);
}

/* The recording UIDs of `uid N` are N .. N + sessions - 1 (session k
 * starts as N + k - 1): they must fit in 32 bits and be no user of the
 * channel, listed or joining (docs/agora-facts.md: a recording UID must not
 * clash with a user). Called whenever `uid`, `channel` or `sessions` is
 * read, and for each join as it comes (at_register), so the last call sees
 * the whole file; a larger `sessions` only adds UIDs, so an error found early
 * stays one. */
static int check_uid(const parser_t *p)
{
    const scn_t *s = p->s;
    if (!s->has_uid)
        return 0;
    uint64_t last = (uint64_t)s->uid + s->sessions - 1;
    if (last > UINT32_MAX)
        return fail_line(p, p->uid_line, p->uid_col,
                         "uid %" PRIu32 " leaves no UID for session %" PRIu32
                         " (session k records as uid + k - 1, at most 4294967295)",
                         s->uid, (uint32_t)(UINT32_MAX - s->uid + 2));
    for (size_t i = 0; i < s->users_count; i++) {
        uint32_t u = s->users[i];
        if (u < s->uid || u > last)
            continue;
        if (u == s->uid)
            return fail_line(p, p->uid_line, p->uid_col,
                             "uid %" PRIu32 " is a user of the channel (line %d)", s->uid,
                             p->channel_line);
        return fail_line(p, p->uid_line, p->uid_col,
                         "uid %" PRIu32 " makes session %" PRIu32 " record as %" PRIu32
                         ", a user of the channel (line %d)",
                         s->uid, u - s->uid + 1, u, p->channel_line);
    }
    for (size_t i = 0; i < s->actions_count; i++) {
        if (check_join(p, &s->actions[i]) != 0)
            return -1;
    }
    return 0;
}

/* A session named on an `at` or `expect` line. Past SCN_SESSIONS_MAX it
 * cannot become valid later; the message names the bound known so far. */
static int session_number(const parser_t *p, const tok_t *t, uint32_t *session)
{
    uint64_t v;
    if (number_tok(p, t, "session", 0, UINT32_MAX, &v) != 0)
        return -1;
    if (v < 1 || v > SCN_SESSIONS_MAX)
        return fail(p, t->col, "session %" PRIu64 " is out of range 1..%" PRIu32, v,
                    p->s->sessions);
    *session = (uint32_t)v;
    return 0;
}

/* ---- statements ------------------------------------------------------- */

static int st_scenario(parser_t *p, const tok_t *kw)
{
    scn_t *s = p->s;
    tok_t t;
    if (once(p, kw, "scenario", &p->title_line) != 0 || lex(p, &t) != 0)
        return -1;
    if (t.len == 0)
        return fail(p, t.col, "missing title after 'scenario'");
    if (!t.is_string)
        return fail(p, t.col, "the title must be in double quotes");
    /* The lexer has checked the escapes; the quotes are t.p[0] and
     * t.p[t.len - 1]. */
    size_t n = 0;
    size_t i = 1;
    while (i + 1 < t.len) {
        if (t.p[i] == '\\')
            i++;
        if (n == SCN_TITLE_LEN_MAX)
            return fail(p, t.col, "title is longer than %d bytes", SCN_TITLE_LEN_MAX);
        s->title[n++] = t.p[i++];
    }
    s->title[n] = '\0';
    return need_end(p, "the title");
}

static int st_mode(parser_t *p, const tok_t *kw)
{
    tok_t t;
    if (once(p, kw, "mode", &p->mode_line) != 0 ||
        need_word(p, &t, "a mode (composite, individual or web)", "mode") != 0)
        return -1;
    for (int m = 0; m < SCN_MODE_COUNT; m++) {
        if (tok_is(&t, mode_names[m])) {
            p->s->mode = (scn_mode_t)m;
            return need_end(p, "the mode");
        }
    }
    char b[SHOW_SIZE];
    return fail(p, t.col, "unknown mode '%s' (composite, individual or web)",
                show(b, t.p, t.len));
}

static int users_list(parser_t *p, const tok_t *t)
{
    scn_t *s = p->s;
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < t->len && t->p[j] != ',')
            j++;
        int col = t->col + (int)i;
        if (j == i)
            return fail(p, col, "empty entry in the list of users");
        if (s->users_count == SCN_USERS_MAX)
            return fail(p, col, "too many users (at most %d)", SCN_USERS_MAX);
        uint64_t uid;
        if (number(p, t->p + i, j - i, col, "user", 1, UINT32_MAX, &uid) != 0)
            return -1;
        for (size_t k = 0; k < s->users_count; k++) {
            if (s->users[k] == uid)
                return fail(p, col, "user %" PRIu64 " is listed twice", uid);
        }
        s->users[s->users_count++] = (uint32_t)uid;
        if (j == t->len)
            return 0;
        i = j + 1;
    }
}

static int st_channel(parser_t *p, const tok_t *kw)
{
    tok_t t;
    if (once(p, kw, "channel", &p->channel_line) != 0 ||
        need_word(p, &t, "a channel name", "channel") != 0 ||
        name(p, &t, "channel name", SCN_CNAME_LEN_MAX, p->s->cname) != 0 || lex(p, &t) != 0)
        return -1;
    if (t.len == 0)
        return 0;
    if (!tok_is(&t, "users"))
        return unexpected(p, &t, "the channel name (expected 'users')");
    if (need_word(p, &t, "a list of users such as 1001,1002", "users") != 0 ||
        users_list(p, &t) != 0 || need_end(p, "the list of users") != 0)
        return -1;
    return check_uid(p);
}

static int st_sid(parser_t *p, const tok_t *kw)
{
    tok_t t;
    if (once(p, kw, "sid", &p->sid_line) != 0 || need_word(p, &t, "a sid", "sid") != 0)
        return -1;
    bool ok = t.len == SCN_SID_LEN;
    for (size_t i = 0; ok && i < t.len; i++)
        ok = is_digit(t.p[i]) || (t.p[i] >= 'a' && t.p[i] <= 'f');
    if (!ok)
        return fail(p, t.col, "sid must be %d lowercase hex digits", SCN_SID_LEN);
    memcpy(p->s->sid, t.p, SCN_SID_LEN);
    p->s->sid[SCN_SID_LEN] = '\0';
    p->s->has_sid = true;
    return need_end(p, "the sid");
}

static int st_uid(parser_t *p, const tok_t *kw)
{
    scn_t *s = p->s;
    tok_t t;
    uint64_t v;
    if (once(p, kw, "uid", &p->uid_line) != 0 ||
        need_word(p, &t, "a recording UID", "uid") != 0 ||
        number_tok(p, &t, "uid", 1, UINT32_MAX, &v) != 0)
        return -1;
    s->uid = (uint32_t)v;
    s->has_uid = true;
    p->uid_col = t.col;
    if (check_uid(p) != 0)
        return -1;
    return need_end(p, "the uid");
}

static int st_seed(parser_t *p, const tok_t *kw)
{
    tok_t t;
    uint64_t v;
    if (once(p, kw, "seed", &p->seed_line) != 0 || need_word(p, &t, "a number", "seed") != 0 ||
        number_tok(p, &t, "seed", 0, INT64_MAX, &v) != 0)
        return -1;
    p->s->seed = v;
    p->s->has_seed = true;
    return need_end(p, "the seed");
}

static int st_servers(parser_t *p, const tok_t *kw)
{
    scn_t *s = p->s;
    tok_t t;
    uint64_t v;
    if (once(p, kw, "servers", &p->servers_line) != 0 ||
        need_word(p, &t, "a number", "servers") != 0 ||
        number_tok(p, &t, "servers", 1, SCN_SERVERS_MAX, &v) != 0)
        return -1;
    s->servers = (uint32_t)v;
    s->has_servers = true;
    if (lex(p, &t) != 0)
        return -1;
    if (t.len == 0)
        return 0;
    if (!tok_is(&t, "capacity"))
        return unexpected(p, &t, "the number of servers (expected 'capacity')");
    if (need_word(p, &t, "a number", "capacity") != 0 ||
        number_tok(p, &t, "capacity", 1, SCN_CAPACITY_MAX, &v) != 0)
        return -1;
    s->capacity = (uint32_t)v;
    return need_end(p, "the capacity");
}

static int st_sessions(parser_t *p, const tok_t *kw)
{
    tok_t t;
    uint64_t v;
    if (once(p, kw, "sessions", &p->sessions_line) != 0 ||
        need_word(p, &t, "a number", "sessions") != 0 ||
        number_tok(p, &t, "sessions", 1, SCN_SESSIONS_MAX, &v) != 0)
        return -1;
    p->s->sessions = (uint32_t)v;
    if (need_end(p, "the number of sessions") != 0)
        return -1;
    return check_uid(p);
}

/* One end of a `set` value: a duration, or on/off. */
static int param_value(const parser_t *p, scn_param_type_t type, const char *text, size_t len,
                       int col, int64_t *v)
{
    if (type == SCN_PTYPE_DURATION)
        return duration(p, text, len, col, v);
    if (len == 2 && memcmp(text, "on", 2) == 0) {
        *v = 1;
        return 0;
    }
    if (len == 3 && memcmp(text, "off", 3) == 0) {
        *v = 0;
        return 0;
    }
    char b[SHOW_SIZE];
    return fail(p, col, "'%s' is not on or off", show(b, text, len));
}

static int st_set(parser_t *p, const tok_t *kw)
{
    scn_t *s = p->s;
    tok_t t, v;
    char b[SHOW_SIZE];
    scn_param_t prm;

    (void)kw;
    memset(&prm, 0, sizeof prm);
    if (need_word(p, &t, "a parameter name", "set") != 0)
        return -1;
    int id = -1;
    for (int k = 0; k < SCN_PARAM_COUNT; k++) {
        if (tok_is(&t, param_defs[k].name))
            id = k;
    }
    if (id < 0)
        return fail(p, t.col,
                    "unknown parameter '%s' (kill_detect, start_latency, rejoin_latency, gop, "
                    "poll, webm, mp4, zombie, lazy_timers, clock, hostile)",
                    show(b, t.p, t.len));
    const scn_param_t *had = scn_param_find(s, (scn_param_id_t)id);
    if (had != NULL)
        return fail(p, t.col, "parameter %s is already set on line %d", param_defs[id].name,
                    had->line);
    if (s->params_count == SCN_PARAMS_MAX)
        return fail(p, t.col, "too many parameters (at most %d)", SCN_PARAMS_MAX);
    prm.id = (scn_param_id_t)id;
    prm.line = p->lineno;
    prm.col = t.col;
    scn_param_type_t type = param_defs[id].type;
    if (need_word(p, &v,
                  type == SCN_PTYPE_BOOL ? "on or off" : "a duration or a range such as 1s..3s",
                  param_defs[id].name) != 0)
        return -1;

    size_t dots = 0;
    while (dots + 1 < v.len && !(v.p[dots] == '.' && v.p[dots + 1] == '.'))
        dots++;
    if (dots + 1 >= v.len) {
        if (param_value(p, type, v.p, v.len, v.col, &prm.lo) != 0)
            return -1;
        prm.hi = prm.lo;
    } else {
        size_t hi_at = dots + 2;
        if (dots == 0)
            return fail(p, v.col, "missing low end of the range before '..'");
        if (hi_at == v.len)
            return fail(p, v.col + (int)hi_at, "missing high end of the range after '..'");
        if (param_value(p, type, v.p, dots, v.col, &prm.lo) != 0 ||
            param_value(p, type, v.p + hi_at, v.len - hi_at, v.col + (int)hi_at, &prm.hi) != 0)
            return -1;
        if (prm.lo > prm.hi)
            return fail(p, v.col, "empty range '%s': the low end is above the high end",
                        show(b, v.p, v.len));
    }
    if (prm.lo < param_defs[id].lo_min)
        return fail(p, v.col, "%s must be at least %" PRId64 "ms", param_defs[id].name,
                    param_defs[id].lo_min);
    s->params[s->params_count++] = prm;
    return need_end(p, "the value");
}

/* +D or -D: the wall clock jumps forward or back by D (an NTP step). */
static int step_tok(parser_t *p, const tok_t *t, int64_t *step_ms)
{
    char b[SHOW_SIZE];
    if (t->p[0] != '+' && t->p[0] != '-')
        return fail(p, t->col, "a clock step is +D or -D (such as -30s), not '%s'",
                    show(b, t->p, t->len));
    if (t->len == 1)
        return fail(p, t->col, "missing duration after '%c'", t->p[0]);
    int64_t d;
    if (duration(p, t->p + 1, t->len - 1, t->col + 1, &d) != 0)
        return -1;
    if (d == 0 || d > SCN_STEP_CLOCK_MS_MAX)
        return fail(p, t->col + 1, "a clock step is 1ms to 24h, not '%s'", show(b, t->p, t->len));
    *step_ms = t->p[0] == '-' ? -d : d;
    return 0;
}

static bool started(const parser_t *p, uint32_t session)
{
    if (session == 0)
        return p->any_start;
    return p->start_all || (p->started[session / 8] & (1u << (session % 8))) != 0;
}

static int at_action_args(parser_t *p, scn_action_t *a, tok_t *t)
{
    uint64_t v;
    switch (a->kind) {
    case SCN_ACT_CRASH_HOST:
        if (need_word(p, t, "'host'", "crash") != 0)
            return -1;
        if (!tok_is(t, "host")) {
            char b[SHOW_SIZE];
            return fail(p, t->col, "expected 'host' after 'crash', not '%s'",
                        show(b, t->p, t->len));
        }
        if (need_word(p, t, "a host number", "host") != 0 ||
            number_tok(p, t, "host", 0, UINT32_MAX, &v) != 0)
            return -1;
        /* Past SCN_SERVERS_MAX it cannot become valid later; the message
         * names the bound known so far. */
        if (v < 1 || v > SCN_SERVERS_MAX)
            return fail(p, t->col, "host %" PRIu64 " is out of range 1..%" PRIu32, v,
                        p->s->servers);
        a->host = (uint32_t)v;
        a->arg_col = t->col;
        break;
    case SCN_ACT_PROVISION_FAIL:
        if (need_word(p, t, "a count", "provision-fail") != 0 ||
            number_tok(p, t, "provision-fail count", 1, SCN_PROVISION_FAIL_MAX, &v) != 0)
            return -1;
        a->count = (uint32_t)v;
        a->arg_col = t->col;
        break;
    case SCN_ACT_STEP_CLOCK:
        if (need_word(p, t, "a step such as +30s or -30s", "step-clock") != 0 ||
            step_tok(p, t, &a->step_ms) != 0)
            return -1;
        a->arg_col = t->col;
        break;
    case SCN_ACT_JOIN:
    case SCN_ACT_LEAVE:
        if (need_word(p, t, "a user", act_names[a->kind]) != 0 ||
            number_tok(p, t, "user", 1, UINT32_MAX, &v) != 0)
            return -1;
        a->uid = (uint32_t)v;
        a->arg_col = t->col;
        break;
    default:
        break;
    }
    if (lex(p, t) != 0)
        return -1;
    if (a->kind == SCN_ACT_DISCONNECT && tok_is(t, "for")) {
        if (need_word(p, t, "a duration", "for") != 0 ||
            duration(p, t->p, t->len, t->col, &a->heal_ms) != 0 || lex(p, t) != 0)
            return -1;
        if (tok_is(t, "after")) {
            if (need_word(p, t, "'detection'", "after") != 0)
                return -1;
            if (!tok_is(t, "detection")) {
                char b[SHOW_SIZE];
                return fail(p, t->col, "expected 'detection' after 'after', not '%s'",
                            show(b, t->p, t->len));
            }
            a->heal_after_detection = true;
            if (lex(p, t) != 0)
                return -1;
        }
    }
    return 0;
}

/* [session N] [expect STATUS], in that order; t is the token after the
 * action and its arguments. */
static int at_clauses(parser_t *p, scn_action_t *a, tok_t *t)
{
    uint64_t v;
    while (t->len != 0) {
        tok_t n;
        if (tok_is(t, "session")) {
            if (a->session != 0)
                return fail(p, t->col, "'session' given twice");
            if (a->expect_status != 0)
                return fail(p, t->col, "'session' must come before 'expect'");
            if (!act_takes_session(a->kind))
                return fail(p, t->col, "'session' does not apply to %s", act_names[a->kind]);
            if (need_word(p, &n, "a session number", "session") != 0 ||
                session_number(p, &n, &a->session) != 0)
                return -1;
            a->session_col = n.col;
        } else if (tok_is(t, "expect")) {
            if (a->expect_status != 0)
                return fail(p, t->col, "'expect' given twice");
            if (!scn_act_is_api(a->kind))
                return fail(p, t->col,
                            "a status expectation is only valid on API calls (start, query, "
                            "update, updateLayout, stop), not on %s",
                            act_names[a->kind]);
            if (need_word(p, &n, "a status", "expect") != 0 ||
                number_tok(p, &n, "status", SCN_STATUS_MIN, SCN_STATUS_MAX, &v) != 0)
                return -1;
            a->expect_status = (int)v;
        } else {
            return unexpected(p, t, act_names[a->kind]);
        }
        if (lex(p, t) != 0)
            return -1;
    }
    return 0;
}

/* The time of an `at` line: absolute, or +D after the previous action's;
 * never before it. */
static int at_time(parser_t *p, const tok_t *t, const scn_action_t *prev, int64_t *at_ms)
{
    char b[SHOW_SIZE];
    int64_t prev_ms = prev != NULL ? prev->at_ms : 0;
    if (t->p[0] == '+') {
        int64_t d;
        if (t->len == 1)
            return fail(p, t->col, "missing duration after '+'");
        if (duration(p, t->p + 1, t->len - 1, t->col, &d) != 0)
            return -1;
        if (d > SCN_TIME_MS_MAX - prev_ms) {
            char limit[DURATION_TEXT_SIZE];
            (void)scn_duration_format(SCN_TIME_MS_MAX, limit, sizeof limit);
            return fail(p, t->col, "time '%s' is beyond the limit of %s", show(b, t->p, t->len),
                        limit);
        }
        *at_ms = prev_ms + d;
    } else {
        if (duration(p, t->p, t->len, t->col, at_ms) != 0)
            return -1;
        if (prev != NULL && *at_ms < prev_ms) {
            char was[DURATION_TEXT_SIZE];
            (void)scn_duration_format(prev_ms, was, sizeof was);
            return fail(p, t->col, "time goes backwards: %s is before %s on line %d",
                        show(b, t->p, t->len), was, prev->line);
        }
    }
    return 0;
}

/* What an action means for the ones after it: a fault needs its session
 * started, a start starts, hosts and sessions must exist, `end` is last. */
static int at_register(parser_t *p, scn_action_t *a, const tok_t *act)
{
    scn_t *s = p->s;
    if (scn_act_is_fault(a->kind) && !started(p, a->session)) {
        if (a->session == 0)
            return fail(p, act->col, "%s before the first 'start'", act_names[a->kind]);
        return fail(p, act->col, "%s of session %" PRIu32 " before its 'start'",
                    act_names[a->kind], a->session);
    }
    if (a->kind == SCN_ACT_START) {
        p->any_start = true;
        if (a->session == 0)
            p->start_all = true;
        else
            p->started[a->session / 8] |= (uint8_t)(1u << (a->session % 8));
    }
    if (p->servers_line != 0 && check_host(p, a) != 0)
        return -1;
    if (p->sessions_line != 0 && check_session(p, a->session, a->line, a->session_col) != 0)
        return -1;
    if (check_join(p, a) != 0)
        return -1;
    if (a->kind == SCN_ACT_END) {
        p->end_line = p->lineno;
        s->has_end = true;
        s->end_ms = a->at_ms;
    }
    return 0;
}

static int st_at(parser_t *p, const tok_t *kw)
{
    scn_t *s = p->s;
    scn_action_t a;
    tok_t t, act;
    char b[SHOW_SIZE];

    memset(&a, 0, sizeof a);
    a.heal_ms = -1;
    a.line = p->lineno;
    a.col = kw->col;
    if (s->actions_count == SCN_ACTIONS_MAX)
        return fail(p, kw->col, "too many actions (at most %d)", SCN_ACTIONS_MAX);
    const scn_action_t *prev = s->actions_count > 0 ? &s->actions[s->actions_count - 1] : NULL;

    if (need_word(p, &t, "a time", "at") != 0 || at_time(p, &t, prev, &a.at_ms) != 0)
        return -1;

    if (need_word(p, &act, "an action", show(b, t.p, t.len)) != 0)
        return -1;
    int kind = -1;
    for (int k = 0; k < SCN_ACT_COUNT; k++) {
        if (tok_is_first_word(&act, act_names[k]))
            kind = k;
    }
    if (kind < 0)
        return fail(p, act.col,
                    "unknown action '%s' (start, query, update, updateLayout, stop, kill, "
                    "disconnect, crash host, provision-fail, join, leave, step-clock, end)",
                    show(b, act.p, act.len));
    a.kind = (scn_act_kind_t)kind;
    if (p->end_line != 0)
        return fail(p, act.col, "action after 'end' (line %d): 'end' must be the last action",
                    p->end_line);
    if (at_action_args(p, &a, &t) != 0 || at_clauses(p, &a, &t) != 0)
        return -1;

    if (at_register(p, &a, &act) != 0)
        return -1;
    s->actions[s->actions_count++] = a;
    return 0;
}

static int one_of(const parser_t *p, const tok_t *t, const char *const *names, int count,
                  const char *what, const char *choices, int *v)
{
    for (int k = 0; k < count; k++) {
        if (tok_is(t, names[k])) {
            *v = k;
            return 0;
        }
    }
    char b[SHOW_SIZE];
    return fail(p, t->col, "unknown %s '%s' (%s)", what, show(b, t->p, t->len), choices);
}

/* A file name of `expect file`: name characters, where `<` and `>` only
 * make up a placeholder. Channel names may hold `<` and `>`; a file name
 * spells them <cname>, so a stray one is a typo, never meant literally. */
static int file_name(const parser_t *p, const tok_t *t, char *out)
{
    char b[SHOW_SIZE];
    if (name(p, t, "file name", SCN_FILE_NAME_LEN_MAX, out) != 0)
        return -1;
    for (size_t i = 0; i < t->len;) {
        size_t n;
        if (scn_placeholder(t->p + i, t->len - i, &n) != SCN_PH_NONE) {
            i += n;
            continue;
        }
        if (t->p[i] == '<') {
            size_t j = i + 1;
            while (j < t->len && t->p[j] != '<' && t->p[j] != '>')
                j++;
            if (j < t->len && t->p[j] == '>')
                return fail(p, t->col + (int)i,
                            "unknown placeholder '%s' in a file name (<sid>, <cname> or <uid>)",
                            show(b, t->p + i, j - i + 1));
        }
        if (t->p[i] == '<' || t->p[i] == '>')
            return fail(p, t->col + (int)i,
                        "'%c' outside a placeholder in a file name (<sid>, <cname> or <uid>; "
                        "a channel name's '%c' is spelt <cname>)",
                        t->p[i], t->p[i]);
        i++;
    }
    return 0;
}

/* A callback event type: its number or its name. */
static int callback_event(const parser_t *p, const tok_t *t, int *event)
{
    char b[SHOW_SIZE];
    uint64_t v;
    num_rc_t rc = parse_u64(t->p, t->len, &v);
    if (rc != NUM_NOT_NUMBER) {
        if (rc == NUM_TOO_LARGE || v > INT32_MAX || !scn_callback_known((int)v))
            return fail(p, t->col,
                        "callback event %s is not a callback event type (" CALLBACK_TYPES_TEXT
                        ")",
                        show(b, t->p, t->len));
        *event = (int)v;
        return 0;
    }
    for (size_t i = 0; i < CALLBACK_DEFS_COUNT; i++) {
        if (callback_defs[i].name != NULL && tok_is(t, callback_defs[i].name)) {
            *event = callback_defs[i].event;
            return 0;
        }
    }
    return fail(p, t->col,
                "unknown callback event '%s' (a type " CALLBACK_TYPES_TEXT
                ", or a name such as session_exit, session_failover, uploaded, "
                "recorder_started, recorder_leave, recorder_slice_start)",
                show(b, t->p, t->len));
}

/* `callback EVENT [at TIME | count N]`; t is `callback`, and is left at the
 * token after what was read. */
static int expect_callback(parser_t *p, tok_t *t, scn_expect_t *e)
{
    uint64_t v;
    if (need_word(p, t, "a callback event (a number, or a name such as session_failover)",
                  "callback") != 0 ||
        callback_event(p, t, &e->event) != 0 || lex(p, t) != 0)
        return -1;
    if (tok_is(t, "at")) {
        if (need_word(p, t, "a time", "at") != 0)
            return -1;
        if (t->p[0] == '+')
            return fail(p, t->col, "a callback's time is a time of the run, such as 1m5s500ms "
                                   "('+D' is for 'at' lines)");
        if (duration(p, t->p, t->len, t->col, &e->at_ms) != 0)
            return -1;
        e->has_at = true;
    } else if (tok_is(t, "count")) {
        if (need_word(p, t, "a number", "count") != 0 ||
            number_tok(p, t, "count", 0, UINT32_MAX, &v) != 0)
            return -1;
        e->count = (uint32_t)v;
        e->has_count = true;
    } else {
        return 0;
    }
    if (lex(p, t) != 0)
        return -1;
    if (tok_is(t, "at") || tok_is(t, "count"))
        return fail(p, t->col, "'at' and 'count' exclude each other: a callback expectation "
                               "takes one of them");
    return 0;
}

/* `resume within D [activation K]`, `started within D`; t is the first word,
 * left at the token after what was read. */
static int expect_within(parser_t *p, tok_t *t, scn_expect_t *e)
{
    char b[SHOW_SIZE];
    uint64_t v;
    const char *what = exp_names[e->kind];
    if (need_word(p, t, "'within'", what) != 0)
        return -1;
    if (!tok_is(t, "within"))
        return fail(p, t->col, "expected 'within' after '%s', not '%s'", what,
                    show(b, t->p, t->len));
    if (need_word(p, t, "a duration", "within") != 0 ||
        duration(p, t->p, t->len, t->col, &e->within_ms) != 0 || lex(p, t) != 0)
        return -1;
    if (e->kind != SCN_EXP_RESUME || !tok_is(t, "activation"))
        return 0;
    if (need_word(p, t, "an activation (0..2)", "activation") != 0 ||
        number_tok(p, t, "activation", 0, SCN_ACTIVATION_MAX, &v) != 0)
        return -1;
    e->activation = (int)v;
    e->has_activation = true;
    return lex(p, t);
}

/* What an `expect` line expects, from the word after `expect` (t) on; t is
 * left at the token after it. */
static int expect_what(parser_t *p, tok_t *t, scn_expect_t *e)
{
    uint64_t v;
    int k = 0;
    char b[SHOW_SIZE];
    if (tok_is(t, "activations")) {
        e->kind = SCN_EXP_ACTIVATIONS;
        if (need_word(p, t, "a number", "activations") != 0 ||
            number_tok(p, t, "activations", 0, UINT32_MAX, &v) != 0)
            return -1;
        e->activations = (uint32_t)v;
    } else if (tok_is(t, "exit")) {
        e->kind = SCN_EXP_EXIT;
        if (need_word(p, t, "normal, abnormal or none", "exit") != 0 ||
            one_of(p, t, exit_names, SCN_EXIT_COUNT, "exit", "normal, abnormal or none", &k) != 0)
            return -1;
        e->exit = (scn_exit_t)k;
    } else if (tok_is(t, "file") || tok_is(t, "no")) {
        e->kind = SCN_EXP_FILE;
        if (tok_is(t, "no")) {
            e->kind = SCN_EXP_NO_FILE;
            if (need_word(p, t, "'file'", "no") != 0)
                return -1;
            if (!tok_is(t, "file"))
                return fail(p, t->col, "expected 'file' after 'no', not '%s'",
                            show(b, t->p, t->len));
        }
        if (need_word(p, t, "a file name", "file") != 0 || file_name(p, t, e->file) != 0)
            return -1;
    } else if (tok_is(t, "uid")) {
        e->kind = SCN_EXP_UID;
        if (need_word(p, t, "changed or same", "uid") != 0 ||
            one_of(p, t, uid_names, SCN_UID_COUNT, "uid expectation", "changed or same", &k) != 0)
            return -1;
        e->uid = (scn_uid_t)k;
    } else if (tok_is(t, "violation")) {
        e->kind = SCN_EXP_VIOLATION;
        if (need_word(p, t, "a rule (R1..R14)", "violation") != 0)
            return -1;
        num_rc_t rc = t->p[0] == 'R' ? parse_u64(t->p + 1, t->len - 1, &v) : NUM_NOT_NUMBER;
        if (rc == NUM_NOT_NUMBER)
            return fail(p, t->col, "'%s' is not a rule (R1..R%d)", show(b, t->p, t->len),
                        SCN_RULE_MAX);
        if (rc == NUM_TOO_LARGE || v < 1 || v > SCN_RULE_MAX)
            return fail(p, t->col, "rule %s is out of range R1..R%d", show(b, t->p, t->len),
                        SCN_RULE_MAX);
        e->rule = (int)v;
    } else if (tok_is(t, "callback")) {
        e->kind = SCN_EXP_CALLBACK;
        return expect_callback(p, t, e);
    } else if (tok_is(t, "resume") || tok_is(t, "started")) {
        e->kind = tok_is(t, "resume") ? SCN_EXP_RESUME : SCN_EXP_STARTED;
        return expect_within(p, t, e);
    } else if (parse_u64(t->p, t->len, &v) != NUM_NOT_NUMBER) {
        return fail(p, t->col, "a status expectation belongs at the end of an 'at' line");
    } else {
        return fail(p, t->col,
                    "unknown expectation '%s' (activations, exit, file, no file, uid, violation, "
                    "callback, resume, started)",
                    show(b, t->p, t->len));
    }
    return lex(p, t);
}

static int st_expect(parser_t *p, const tok_t *kw)
{
    scn_t *s = p->s;
    scn_expect_t e;
    tok_t t;

    memset(&e, 0, sizeof e);
    e.line = p->lineno;
    e.col = kw->col;
    if (s->expects_count == SCN_EXPECTS_MAX)
        return fail(p, kw->col, "too many expectations (at most %d)", SCN_EXPECTS_MAX);
    if (need_word(p, &t, "what to expect", "expect") != 0)
        return -1;
    if (expect_what(p, &t, &e) != 0)
        return -1;
    if (tok_is(&t, "session")) {
        if (need_word(p, &t, "a session number", "session") != 0 ||
            session_number(p, &t, &e.session) != 0)
            return -1;
        e.session_col = t.col;
        if (p->sessions_line != 0 && check_session(p, e.session, e.line, e.session_col) != 0)
            return -1;
        if (lex(p, &t) != 0)
            return -1;
        if (tok_is(&t, "at") || tok_is(&t, "count") || tok_is(&t, "activation"))
            return fail(p, t.col, "'%.*s' must come before 'session'", (int)t.len, t.p);
    }
    if (t.len != 0)
        return unexpected(p, &t, "the expectation");
    s->expects[s->expects_count++] = e;
    return 0;
}

static int statement(parser_t *p)
{
    static const struct {
        const char *word;
        int (*fn)(parser_t *p, const tok_t *kw);
    } stmts[] = {
        {"scenario", st_scenario}, {"mode", st_mode},       {"channel", st_channel},
        {"uid", st_uid},           {"sid", st_sid},         {"seed", st_seed},
        {"servers", st_servers},   {"sessions", st_sessions}, {"set", st_set},
        {"at", st_at},             {"expect", st_expect},
    };
    tok_t kw;
    if (lex(p, &kw) != 0)
        return -1;
    if (kw.len == 0)
        return 0;
    for (size_t k = 0; k < sizeof stmts / sizeof stmts[0]; k++) {
        if (tok_is(&kw, stmts[k].word))
            return stmts[k].fn(p, &kw);
    }
    char b[SHOW_SIZE];
    if (kw.is_string)
        return fail(p, kw.col, "a statement cannot start with a string");
    return fail(p, kw.col, "unknown statement '%s'", show(b, kw.p, kw.len));
}

/* What can only be judged once the whole file is known. */
static int finish(parser_t *p)
{
    scn_t *s = p->s;
    /* The range checks of actions and expectations given before `servers`
     * or `sessions`: report the earliest line. */
    const scn_action_t *bad_a = NULL;
    const scn_expect_t *bad_e = NULL;
    for (size_t i = 0; i < s->actions_count && bad_a == NULL; i++) {
        const scn_action_t *a = &s->actions[i];
        if ((a->kind == SCN_ACT_CRASH_HOST && a->host > s->servers) || a->session > s->sessions)
            bad_a = a;
    }
    for (size_t i = 0; i < s->expects_count && bad_e == NULL; i++) {
        if (s->expects[i].session > s->sessions)
            bad_e = &s->expects[i];
    }
    if (bad_a != NULL && (bad_e == NULL || bad_a->line < bad_e->line)) {
        if (check_host(p, bad_a) != 0)
            return -1;
        return check_session(p, bad_a->session, bad_a->line, bad_a->session_col);
    }
    if (bad_e != NULL)
        return check_session(p, bad_e->session, bad_e->line, bad_e->session_col);

    if (p->title_line == 0)
        return fail_line(p, 1, 1, "missing 'scenario \"TITLE\"' statement");
    if (p->mode_line == 0)
        return fail_line(p, 1, 1, "missing 'mode' statement (composite, individual or web)");
    if (p->channel_line == 0)
        return fail_line(p, 1, 1, "missing 'channel' statement");
    if (!s->has_end) {
        int64_t last_ms = s->actions_count > 0 ? s->actions[s->actions_count - 1].at_ms : 0;
        s->end_ms = last_ms + SCN_END_AFTER_LAST_MS;
    }
    return 0;
}

static int parse_lines(parser_t *p, const char *text, size_t len)
{
    size_t off = 0;
    int lineno = 0;
    while (off < len) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        size_t n = end - off;
        /* CRLF: the CR belongs to the line end. A CR anywhere else is a
         * control character, refused by the lexer. */
        if (nl != NULL && n > 0 && text[end - 1] == '\r')
            n--;
        lineno++;
        p->line = text + off;
        p->line_len = n;
        p->pos = 0;
        p->lineno = lineno;
        if (statement(p) != 0)
            return -1;
        off = nl != NULL ? end + 1 : len;
    }
    p->lineno = lineno;
    return finish(p);
}

/* FNV-1a 64 of the text, as the trace's fingerprint is taken (never 0: that
 * means "not parsed from a text"). */
static uint64_t source_hash(const char *text, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)text[i];
        h *= 1099511628211ULL;
    }
    return h != 0 ? h : 1;
}

int scn_parse(scn_t *out, const char *text, size_t len, const char *path, char *err,
              size_t err_cap)
{
    parser_t parser;
    parser_t *p = &parser;

    assert(out != NULL);
    assert(text != NULL || len == 0);
    scn_reset(out);
    (void)snprintf(out->path, sizeof out->path, "%s", path != NULL ? path : "<input>");
    if (err != NULL && err_cap > 0)
        err[0] = '\0';

    if (len > SCN_FILE_BYTES_MAX) {
        if (err != NULL && err_cap > 0)
            (void)snprintf(err, err_cap, "%s: error: input is larger than %d bytes (4 MiB)",
                           out->path, SCN_FILE_BYTES_MAX);
        scn_reset(out);
        return 2;
    }

    memset(p, 0, sizeof *p);
    p->s = out;
    p->err = err;
    p->err_cap = err_cap;

    const char *nul = len > 0 ? memchr(text, '\0', len) : NULL;
    if (nul != NULL) {
        size_t at = (size_t)(nul - text);
        size_t line_start = 0;
        int line = 1;
        for (size_t i = 0; i < at; i++) {
            if (text[i] == '\n') {
                line++;
                line_start = i + 1;
            }
        }
        (void)fail_line(p, line, (int)(at - line_start) + 1, "NUL byte (a .scn file is text)");
        scn_reset(out);
        return 2;
    }

    if (parse_lines(p, text, len) != 0) {
        scn_reset(out);
        return 2;
    }
    out->source_fnv = source_hash(text, len);
    return 0;
}

const char *scn_base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

size_t scn_stem_len(const char *base)
{
    size_t len = strlen(base);
    return len > 4 && strcmp(base + len - 4, ".scn") == 0 ? len - 4 : len;
}

int scn_parse_file(scn_t *out, const char *path, char *err, size_t err_cap)
{
    assert(out != NULL && path != NULL);
    scn_reset(out);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (err != NULL && err_cap > 0)
            (void)snprintf(err, err_cap, "%s: error: cannot read: %s", path, strerror(errno));
        return 2;
    }
    /* One more byte than allowed, to tell a full-size file from a big one. */
    char *buf = malloc((size_t)SCN_FILE_BYTES_MAX + 1);
    if (buf == NULL) {
        (void)fclose(f);
        if (err != NULL && err_cap > 0)
            (void)snprintf(err, err_cap, "%s: error: cannot read: out of memory", path);
        return 2;
    }
    errno = 0;
    size_t n = fread(buf, 1, (size_t)SCN_FILE_BYTES_MAX + 1, f);
    int read_errno = 0;
    if (ferror(f))
        read_errno = errno != 0 ? errno : EIO;
    (void)fclose(f);
    int rc;
    if (read_errno != 0) {
        if (err != NULL && err_cap > 0)
            (void)snprintf(err, err_cap, "%s: error: cannot read: %s", path,
                           strerror(read_errno));
        rc = 2;
    } else if (n > SCN_FILE_BYTES_MAX) {
        if (err != NULL && err_cap > 0)
            (void)snprintf(err, err_cap, "%s: error: file is larger than %d bytes (4 MiB)", path,
                           SCN_FILE_BYTES_MAX);
        rc = 2;
    } else {
        rc = scn_parse(out, buf, n, path, err, err_cap);
    }
    free(buf);
    return rc;
}
