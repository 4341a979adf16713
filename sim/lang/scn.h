/* scn.h -- a scenario (.scn file) in memory: read, written, compared.
 *
 * docs/scenario-language.md is the language; this is its syntax tree. The
 * tree is one heap block of fixed capacity: scn_new() is the only
 * allocation, and parsing, writing and comparing never allocate (reading a
 * file allocates its buffer for the duration of the call).
 *
 * Numbers are what the file says, resolved: times are absolute int64
 * milliseconds from the start of the run, sessions and hosts are one-based
 * with 0 meaning "not named". line and col (one-based, byte columns) say
 * where a thing was written, for messages; they are not part of its value
 * (scn_equal ignores them).
 *
 * A file either parses whole or is refused whole: on error the tree is left
 * reset (as after scn_new) and err holds one `FILE:LINE:COL: error: MESSAGE`
 * line. The caller prints it and exits with status 2.
 */
#ifndef SIM_SCN_H
#define SIM_SCN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SCN_ACTIONS_MAX 8192
#define SCN_EXPECTS_MAX 256
#define SCN_PARAMS_MAX 64
#define SCN_USERS_MAX 17
/* Sizes of the text fields, NUL included. */
#define SCN_TITLE_SIZE 256
#define SCN_CNAME_SIZE 65
#define SCN_SID_SIZE 33
#define SCN_FILE_NAME_SIZE 256
#define SCN_PATH_SIZE 1024
/* Lengths in bytes as written in a file. */
#define SCN_CNAME_LEN_MAX (SCN_CNAME_SIZE - 1)
#define SCN_SID_LEN (SCN_SID_SIZE - 1)
#define SCN_FILE_NAME_LEN_MAX (SCN_FILE_NAME_SIZE - 1)
#define SCN_TITLE_LEN_MAX (SCN_TITLE_SIZE - 1)

/* A bigger input is refused before it is looked at. */
#define SCN_FILE_BYTES_MAX (4 * 1024 * 1024)
/* Every time and duration of a scenario is at most this (8760h, a year), so
 * that sums the simulator forms from them (a time plus a heal delay plus the
 * default horizon) cannot overflow int64. */
#define SCN_TIME_MS_MAX ((int64_t)8760 * 3600 * 1000)
/* Without an `end` action, the run ends this long after the last action. */
#define SCN_END_AFTER_LAST_MS ((int64_t)5 * 60 * 1000)

#define SCN_SESSIONS_MAX 1000000
#define SCN_SERVERS_MAX 10000
#define SCN_CAPACITY_MAX 100000
#define SCN_PROVISION_FAIL_MAX 1000
#define SCN_RULE_MAX 14
#define SCN_STATUS_MIN 100
#define SCN_STATUS_MAX 599

#define SCN_SEED_DEFAULT 1
#define SCN_SERVERS_DEFAULT 4
#define SCN_CAPACITY_DEFAULT 10
#define SCN_SESSIONS_DEFAULT 1

/* Enough for any message scn_parse writes (longer ones are cut). */
#define SCN_ERR_SIZE (SCN_PATH_SIZE + 512)

typedef enum { SCN_MODE_COMPOSITE, SCN_MODE_INDIVIDUAL, SCN_MODE_WEB, SCN_MODE_COUNT } scn_mode_t;

typedef enum {
    SCN_ACT_START,          /* API calls: may carry expect_status */
    SCN_ACT_QUERY,
    SCN_ACT_UPDATE,
    SCN_ACT_UPDATE_LAYOUT,
    SCN_ACT_STOP,
    SCN_ACT_KILL,           /* faults: not before the first start */
    SCN_ACT_DISCONNECT,
    SCN_ACT_CRASH_HOST,
    SCN_ACT_PROVISION_FAIL,
    SCN_ACT_JOIN,           /* users of the channel */
    SCN_ACT_LEAVE,
    SCN_ACT_STEP_CLOCK,     /* the wall clock of every server jumps by step_ms */
    SCN_ACT_END,            /* the horizon; always the last action */
    SCN_ACT_COUNT
} scn_act_kind_t;

/* The largest wall-clock step a scenario may take: a day, either way. */
#define SCN_STEP_CLOCK_MS_MAX 86400000

typedef struct {
    int64_t at_ms;             /* absolute, from the start of the run */
    scn_act_kind_t kind;
    uint32_t session;          /* 1-based; 0 = not named */
    int expect_status;         /* 0 = none; else SCN_STATUS_MIN..SCN_STATUS_MAX */
    int64_t heal_ms;           /* DISCONNECT: link back after this; -1 = never */
    bool heal_after_detection; /* DISCONNECT: heal_ms counts from detection */
    uint32_t host;             /* CRASH_HOST: 1..servers */
    uint32_t count;            /* PROVISION_FAIL: 1..SCN_PROVISION_FAIL_MAX */
    uint32_t uid;              /* JOIN, LEAVE: 1..2^32-1 */
    int64_t step_ms;           /* STEP_CLOCK: +-1 ms..+-SCN_STEP_CLOCK_MS_MAX, never 0 */
    int line, col;             /* of the `at` */
    int arg_col;               /* of the host, count or uid */
    int session_col;           /* of the session number; 0 if none */
} scn_action_t;

typedef enum {
    SCN_PARAM_KILL_DETECT,    /* duration: a kill until its exit report reaches the center */
    SCN_PARAM_START_LATENCY,  /* duration: a replacement recorder's start-up */
    SCN_PARAM_REJOIN_LATENCY, /* duration: a reconnected recorder rejoining the channel */
    SCN_PARAM_GOP,            /* duration, >= 1ms: video I-frame interval */
    SCN_PARAM_POLL,           /* bool: the polling client runs */
    SCN_PARAM_WEBM,           /* bool: individual-mode video as WebM */
    SCN_PARAM_MP4,            /* bool: composite mode writes MP4 files too */
    SCN_PARAM_ZOMBIE,         /* bool: recorders ignore the center's fence */
    SCN_PARAM_LAZY_TIMERS,    /* bool: the driver never cancels timers */
    SCN_PARAM_CLOCK,          /* duration: the run's UTC start, after 2026-01-01T00:00:00Z */
    SCN_PARAM_HOSTILE,        /* bool: the driver misbehaves (duplicates, garbage, bad draws) */
    SCN_PARAM_COUNT
} scn_param_id_t;

typedef enum { SCN_PTYPE_DURATION, SCN_PTYPE_BOOL } scn_param_type_t;

/* `set NAME VALUE` (lo == hi) or `set NAME LO..HI` (drawn from the seed by
 * the simulator). Durations in ms; bools 0 (off) or 1 (on). lo <= hi. */
typedef struct {
    scn_param_id_t id;
    int64_t lo, hi;
    int line, col;
} scn_param_t;

typedef enum {
    SCN_EXP_ACTIVATIONS,
    SCN_EXP_EXIT,
    SCN_EXP_FILE,
    SCN_EXP_NO_FILE,
    SCN_EXP_UID,
    SCN_EXP_VIOLATION,
    SCN_EXP_CALLBACK, /* callback EVENT [at TIME | count N] */
    SCN_EXP_RESUME,   /* resume within D [activation K] */
    SCN_EXP_STARTED,  /* started within D */
    SCN_EXP_COUNT
} scn_exp_kind_t;

/* The activations `expect resume ... activation K` may name: 0..2 (a 4th
 * fault is no activation: the session gives up). */
#define SCN_ACTIVATION_MAX 2

/* What `<...>` in an `expect file` name stands for, per session: its sid,
 * its cname as file names spell it (web mode: '-' for the special
 * characters), and the recording UID it started with (the `session` line's
 * uid). Any other `<` or `>` in a file name is a parse error. */
typedef enum { SCN_PH_NONE, SCN_PH_SID, SCN_PH_CNAME, SCN_PH_UID, SCN_PH_COUNT } scn_placeholder_t;

typedef enum { SCN_EXIT_NORMAL, SCN_EXIT_ABNORMAL, SCN_EXIT_NONE, SCN_EXIT_COUNT } scn_exit_t;
typedef enum { SCN_UID_CHANGED, SCN_UID_SAME, SCN_UID_COUNT } scn_uid_t;

/* Only the fields of its kind are meaningful; the others are 0 / "" / false
 * (and at_ms, count, activation only with their has_ flag). */
typedef struct {
    scn_exp_kind_t kind;
    uint32_t activations;           /* ACTIVATIONS */
    scn_exit_t exit;                /* EXIT */
    scn_uid_t uid;                  /* UID */
    int rule;                       /* VIOLATION: 1..SCN_RULE_MAX, R<rule> */
    char file[SCN_FILE_NAME_SIZE];  /* FILE, NO_FILE: may hold <sid> <cname> <uid> */
    int event;                      /* CALLBACK: eventType, scn_callback_known() */
    bool has_at;                    /* CALLBACK: one was sent at exactly at_ms ... */
    int64_t at_ms;                  /*   0..SCN_TIME_MS_MAX */
    bool has_count;                 /* ... or (never both) exactly count were sent */
    uint32_t count;
    int64_t within_ms;              /* RESUME, STARTED: 0..SCN_TIME_MS_MAX, inclusive */
    bool has_activation;            /* RESUME: only activation `activation` */
    int activation;                 /*   0..SCN_ACTIVATION_MAX */
    uint32_t session;               /* 1-based; 0 = all / not named */
    int line, col;                  /* of the `expect` */
    int session_col;                /* of the session number; 0 if none */
} scn_expect_t;

typedef struct {
    char path[SCN_PATH_SIZE]; /* for messages; "" when built in memory */
    /* FNV-1a 64 of the text it was parsed from, 0 when built in memory: with
     * the file's base name it names the scenario in a trace, wherever the
     * file lies (not part of its value: scn_equal ignores it). */
    uint64_t source_fnv;
    char title[SCN_TITLE_SIZE];
    scn_mode_t mode;
    char cname[SCN_CNAME_SIZE];
    uint32_t users[SCN_USERS_MAX];
    size_t users_count;
    /* `uid N`: the recording UID the customer starts session 1 with; session
     * k starts with uid + k - 1 (as cname gets its _k). Never a listed user
     * nor one that joins, and uid + sessions - 1 fits in 32 bits (the parser
     * refuses it otherwise). Without it the simulator picks the UIDs. */
    uint32_t uid;
    bool has_uid;
    char sid[SCN_SID_SIZE]; /* 32 lowercase hex digits when has_sid */
    bool has_sid;
    uint64_t seed;
    bool has_seed;
    uint32_t servers;
    uint32_t capacity; /* sessions per server */
    bool has_servers;
    uint32_t sessions;
    scn_param_t params[SCN_PARAMS_MAX];
    size_t params_count;
    scn_action_t actions[SCN_ACTIONS_MAX]; /* in file order; at_ms non-decreasing */
    size_t actions_count;
    scn_expect_t expects[SCN_EXPECTS_MAX];
    size_t expects_count;
    int64_t end_ms; /* the `end` action's time, else the last action's + SCN_END_AFTER_LAST_MS */
    bool has_end;
} scn_t;

/* NULL when out of memory. The tree is reset: every default, no actions. */
scn_t *scn_new(void);
void scn_free(scn_t *s);
/* Back to the defaults, as after scn_new (path cleared too). */
void scn_reset(scn_t *s);

/* Parses len bytes of text (no NUL needed; a NUL byte is an error). path
 * names the input in messages (NULL: "<input>"). Returns 0, or 2 with err
 * holding one line without a newline (cut to err_cap; err may be NULL). */
int scn_parse(scn_t *out, const char *text, size_t len, const char *path, char *err,
              size_t err_cap);
/* The same from a file. A file that cannot be read gives `PATH: error:
 * cannot read: REASON`; one over SCN_FILE_BYTES_MAX is refused. */
int scn_parse_file(scn_t *out, const char *path, char *err, size_t err_cap);
/* The last component of a path ("dir/x.scn" -> "x.scn"). */
const char *scn_base_name(const char *path);
/* How much of a base name is the scenario's name: all of it but a final
 * ".scn" ("x.scn" -> 1), what reports and log files are named after. */
size_t scn_stem_len(const char *base);

/* Writes s as canonical .scn text: one statement a line in a fixed order,
 * absolute times, canonical durations, no comments. What it writes parses
 * back to a tree scn_equal to s whenever s is one scn_parse could have made
 * (a tree built in memory must keep the parser's rules: times in order,
 * faults after a start, end_ms as scn_parse would set it). Returns 0, or -1
 * if the stream reported an error. */
int scn_write(FILE *f, const scn_t *s);

/* Same scenario: every field but path, source_fnv, line and col positions. */
bool scn_equal(const scn_t *a, const scn_t *b);

/* A duration such as "1h2m3s4ms" (units h, m, s, ms in that order, each at
 * most once, every number with a unit) into ms, 0..SCN_TIME_MS_MAX. Returns 0,
 * or -1 with the reason in err ("duration '10' needs a unit ..."). */
int scn_duration_parse(const char *text, size_t len, int64_t *ms, char *err, size_t err_cap);
/* The canonical spelling of ms >= 0: "0s", "250ms", "1m30s", "1h2m3s4ms".
 * Returns what snprintf would (the length it needed). */
int scn_duration_format(int64_t ms, char *buf, size_t cap);

/* The parameter set by `set`, or NULL when the scenario leaves it to the
 * simulator's default. */
const scn_param_t *scn_param_find(const scn_t *s, scn_param_id_t id);

/* Names as the language spells them ("updateLayout", "crash host",
 * "kill_detect", "no file", ...); "?" for a value out of range. */
const char *scn_act_name(scn_act_kind_t kind);
const char *scn_mode_name(scn_mode_t mode);
const char *scn_param_name(scn_param_id_t id);
scn_param_type_t scn_param_type(scn_param_id_t id);
const char *scn_exp_name(scn_exp_kind_t kind);
const char *scn_exit_name(scn_exit_t e);
const char *scn_uid_name(scn_uid_t uid);
/* Callback event types (docs/agora-facts.md): 1..4, 11..13, 30..33, 40..44. */
bool scn_callback_known(int event);

/* s can be a channel or file name of the language: 1..len_max characters
 * of its name set (docs/scenario-language.md). */
bool scn_name_ok(const char *s, size_t len_max);
/* Its name in the language ("session_failover"); NULL for a type with no
 * documented name (13) or an unknown one. */
const char *scn_callback_name(int event);
/* The placeholder text[0..len) starts with, its length in *ph_len; SCN_PH_NONE
 * (and *ph_len 0) when it starts with none. */
scn_placeholder_t scn_placeholder(const char *text, size_t len, size_t *ph_len);
/* "<sid>", "<cname>", "<uid>"; "?" for another value. */
const char *scn_placeholder_name(scn_placeholder_t ph);
/* start, query, update, updateLayout, stop: may carry `expect STATUS`. */
bool scn_act_is_api(scn_act_kind_t kind);
/* kill, disconnect, crash host, provision-fail: not before the first start. */
bool scn_act_is_fault(scn_act_kind_t kind);

#endif
