/* expect.c -- per-session facts a scenario can state, gathered from events.
 *
 * Only what the scenario asks about is kept, in memory fixed by the
 * scenario (its sessions and expectations), never by the run's length: file
 * expectations are matched against names as they go by and remembered as one
 * bit per session; callbacks are counted per session and event, with the
 * first few send times for the message; activations keep their longest
 * detection-to-resume. A failed `expect file` names what was written
 * instead from a short table of the run's first playlists.
 *
 * File names may hold <sid>, <cname> and <uid>: they stand for the values of
 * the session whose file it is, from its `session` line, with the cname
 * spelt as file names spell it (oracle_names.c, the judge's own builder,
 * never src/). */
#include "expect.h"

#include "oracle.h"
#include "oracle_names.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define SIM_EXPECT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SIM_EXPECT_PRINTF(fmt, args)
#endif

#define X_ACTS (SCN_ACTIVATION_MAX + 1)
/* Send times kept per session and watched callback event, for messages. */
#define X_CB_TIMES 8
/* Playlists (and MP4 groups) remembered for a failed `expect file`. */
#define X_FILES_KEPT 32
/* Of those, how many one message names. */
#define X_FILES_SHOWN 6
/* One failure's message: fits a JUnit line (junit.c cuts at 1024). */
#define X_MSG_SIZE 900
/* "2562047788015h12m55s807ms" and a NUL. */
#define X_DURATION_SIZE 32

typedef struct {
    uint32_t activations; /* detections with activation 0..2 */
    bool ended;
    int exit_status;
    uint32_t uid_first; /* the recording UID of the last `session` line */
    uint32_t uid_last;
    /* What <sid> and <cname> stand for, from the last `session` line. */
    bool named;
    char sid[SCN_SID_SIZE];
    char cname[SCN_CNAME_SIZE]; /* as file names spell it */
    /* expect started: the first accepted start and its first `started`. */
    int64_t accepted_ms, started_ms; /* -1 none */
    bool start_over;                 /* ended before it started */
    /* expect resume, per activation k. */
    uint32_t detected[X_ACTS];
    int64_t open_ms[X_ACTS];  /* detection of one not resumed yet; -1 none */
    int64_t worst_ms[X_ACTS]; /* longest detection-to-resume; -1 none */
    int64_t worst_at_ms[X_ACTS]; /* its detection */
    int64_t lost_ms[X_ACTS];  /* detection of one that never resumed; -1 none */
} x_session_t;

typedef struct {
    uint32_t count;
    int64_t t_ms[X_CB_TIMES];
} x_cb_t;

/* A playlist written, or (name "") the MP4 files of a session. */
typedef struct {
    uint32_t sess;
    uint32_t slices;
    char name[SCN_FILE_NAME_SIZE];
    char first_slice[SCN_FILE_NAME_SIZE];
} x_file_t;

struct sim_expect {
    const scn_t *scn;
    /* What is kept per session is kept only for the sessions the
     * expectations are about: sessions lo .. lo + n - 1 (1-based; every
     * session when one names none, none when there is nothing to judge
     * here), so a region of 10^5 sessions with one `expect ... session 101`,
     * or a swarm run, does not pay 250 bytes a session for nothing. */
    bool tracking;
    uint32_t lo, n;
    x_session_t *sessions; /* sessions[sess - lo] */
    uint32_t sessions_cap;
    /* Expectations with a bit per session (file names, callbacks at a
     * time): slot[i] >= 0, bits hits[slot * n + sess - lo]. */
    int slot[SCN_EXPECTS_MAX];
    size_t slots;
    uint8_t *hits;
    size_t hits_cap;
    bool has_ph[SCN_EXPECTS_MAX]; /* a file name with placeholders */
    size_t files_n;               /* file expectations */
    /* Callback events some expectation names, each counted per session:
     * cbs[(sess - lo) * watch_n + w]. */
    int watch[SCN_EXPECTS_MAX];
    size_t watch_n;
    x_cb_t *cbs;
    size_t cbs_cap;
    x_file_t files[X_FILES_KEPT];
    size_t files_kept;
    uint32_t files_lost; /* playlists past the table */
    size_t files_last;   /* the entry the last slice went to */
};

sim_expect_t *sim_expect_new(void) { return calloc(1, sizeof(sim_expect_t)); }

void sim_expect_free(sim_expect_t *x)
{
    if (x != NULL) {
        free(x->sessions);
        free(x->hits);
        free(x->cbs);
    }
    free(x);
}

/* Grows *p to n elements of size sz at a new high-water mark only. */
static int reserve(void **p, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return 0;
    void *q = realloc(*p, n * sz);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static size_t watch_index(const sim_expect_t *x, int event)
{
    for (size_t w = 0; w < x->watch_n; w++) {
        if (x->watch[w] == event)
            return w;
    }
    return x->watch_n;
}

/* Which expectations need a bit per session, which events are counted. */
static void plan(sim_expect_t *x, const scn_t *scn)
{
    x->slots = 0;
    x->watch_n = 0;
    x->files_n = 0;
    for (size_t i = 0; i < scn->expects_count; i++) {
        const scn_expect_t *e = &scn->expects[i];
        x->slot[i] = -1;
        x->has_ph[i] = false;
        if (e->kind == SCN_EXP_FILE || e->kind == SCN_EXP_NO_FILE) {
            x->slot[i] = (int)x->slots++;
            x->files_n++;
            for (const char *c = e->file; *c != '\0' && !x->has_ph[i]; c++)
                x->has_ph[i] = *c == '<';
        } else if (e->kind == SCN_EXP_CALLBACK) {
            if (e->has_at)
                x->slot[i] = (int)x->slots++;
            if (watch_index(x, e->event) == x->watch_n)
                x->watch[x->watch_n++] = e->event;
        }
    }
}

/* The sessions the expectations are about: all when one names none. An
 * `expect violation` is the oracle's, about no session's record here. */
static void track_range(sim_expect_t *x, const scn_t *scn)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < scn->expects_count; i++) {
        const scn_expect_t *e = &scn->expects[i];
        if (e->kind == SCN_EXP_VIOLATION)
            continue;
        uint32_t first = e->session ? e->session : 1;
        uint32_t last = e->session ? e->session : scn->sessions;
        assert(last <= scn->sessions && "the parser holds `session N` to `sessions`");
        lo = first < lo ? first : lo;
        hi = last > hi ? last : hi;
    }
    x->tracking = hi >= lo;
    x->lo = x->tracking ? lo : 1;
    x->n = x->tracking ? hi - lo + 1 : 0;
}

int sim_expect_begin(sim_expect_t *x, const scn_t *scn)
{
    x->scn = scn;
    x->files_kept = 0;
    x->files_lost = 0;
    x->files_last = 0;
    plan(x, scn);
    track_range(x, scn);
    if (!x->tracking)
        return 0;
    if (x->n > x->sessions_cap) {
        size_t cap = x->sessions_cap;
        if (reserve((void **)&x->sessions, &cap, x->n, sizeof(*x->sessions)) != 0)
            return -1;
        x->sessions_cap = (uint32_t)cap;
    }
    size_t hit_bytes = (x->slots * x->n + 7) / 8;
    size_t cbs_n = x->watch_n * x->n;
    if (reserve((void **)&x->hits, &x->hits_cap, hit_bytes, 1) != 0 ||
        reserve((void **)&x->cbs, &x->cbs_cap, cbs_n, sizeof(*x->cbs)) != 0)
        return -1;
    if (hit_bytes > 0)
        memset(x->hits, 0, hit_bytes);
    if (cbs_n > 0)
        memset(x->cbs, 0, cbs_n * sizeof(*x->cbs));
    memset(x->sessions, 0, sizeof(*x->sessions) * x->n);
    for (uint32_t i = 0; i < x->n; i++) {
        x_session_t *s = &x->sessions[i];
        s->accepted_ms = s->started_ms = -1;
        for (int k = 0; k < X_ACTS; k++)
            s->open_ms[k] = s->worst_ms[k] = s->worst_at_ms[k] = s->lost_ms[k] = -1;
    }
    return 0;
}

static void hit(sim_expect_t *x, size_t i, uint32_t sess)
{
    size_t bit = (size_t)x->slot[i] * x->n + sess - x->lo;
    x->hits[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static bool was_hit(const sim_expect_t *x, size_t i, uint32_t sess)
{
    size_t bit = (size_t)x->slot[i] * x->n + sess - x->lo;
    return (x->hits[bit / 8] & (1u << (bit % 8))) != 0;
}

/* ---- file names ----------------------------------------------------------- */

/* What a placeholder stands for in session s; uid_buf holds the number. */
static const char *ph_value(const x_session_t *s, scn_placeholder_t ph, char uid_buf[16])
{
    switch (ph) {
    case SCN_PH_SID:
        return s->sid;
    case SCN_PH_CNAME:
        return s->cname;
    case SCN_PH_UID:
        (void)snprintf(uid_buf, 16, "%" PRIu32, s->uid_first);
        return uid_buf;
    default:
        assert(false);
        return "";
    }
}

/* Whether name is pattern with its placeholders replaced by s's values
 * (s NULL: pattern is taken literally). */
static bool name_matches(const char *pattern, const char *name, const x_session_t *s)
{
    if (s == NULL)
        return strcmp(pattern, name) == 0;
    size_t plen = strlen(pattern);
    for (size_t i = 0; i < plen;) {
        size_t n;
        scn_placeholder_t ph = scn_placeholder(pattern + i, plen - i, &n);
        if (ph == SCN_PH_NONE) {
            if (*name != pattern[i])
                return false;
            name++;
            i++;
            continue;
        }
        char uid_buf[16];
        const char *v = ph_value(s, ph, uid_buf);
        size_t vlen = strlen(v);
        if (strncmp(name, v, vlen) != 0)
            return false;
        name += vlen;
        i += n;
    }
    return *name == '\0';
}

/* pattern with s's values, for a message (cut to cap). */
static const char *name_expand(char *buf, size_t cap, const char *pattern, const x_session_t *s)
{
    size_t o = 0, plen = strlen(pattern);
    buf[0] = '\0';
    for (size_t i = 0; i < plen && o + 1 < cap;) {
        size_t n;
        scn_placeholder_t ph = s != NULL && s->named ? scn_placeholder(pattern + i, plen - i, &n)
                                                     : SCN_PH_NONE;
        if (ph == SCN_PH_NONE) {
            buf[o++] = pattern[i++];
            continue;
        }
        char uid_buf[16];
        int w = snprintf(buf + o, cap - o, "%s", ph_value(s, ph, uid_buf));
        o += w < 0 ? 0 : (size_t)w < cap - o ? (size_t)w : cap - o - 1;
        i += n;
    }
    buf[o] = '\0';
    return buf;
}

static void see_file(sim_expect_t *x, uint32_t sess, const char *name)
{
    if (name == NULL)
        return;
    const x_session_t *s = &x->sessions[sess - x->lo];
    for (size_t i = 0; i < x->scn->expects_count; i++) {
        const scn_expect_t *e = &x->scn->expects[i];
        if ((e->kind != SCN_EXP_FILE && e->kind != SCN_EXP_NO_FILE) ||
            (e->session != 0 && e->session != sess) || (x->has_ph[i] && !s->named))
            continue;
        if (name_matches(e->file, name, x->has_ph[i] ? s : NULL))
            hit(x, i, sess);
    }
}

static x_file_t *file_entry(sim_expect_t *x, uint32_t sess, const char *name)
{
    if (x->files_last < x->files_kept) {
        x_file_t *f = &x->files[x->files_last];
        if (f->sess == sess && strcmp(f->name, name) == 0)
            return f;
    }
    for (size_t i = 0; i < x->files_kept; i++) {
        if (x->files[i].sess == sess && strcmp(x->files[i].name, name) == 0) {
            x->files_last = i;
            return &x->files[i];
        }
    }
    if (x->files_kept == X_FILES_KEPT) {
        x->files_lost++;
        return NULL;
    }
    x_file_t *f = &x->files[x->files_kept];
    f->sess = sess;
    f->slices = 0;
    (void)snprintf(f->name, sizeof(f->name), "%s", name);
    f->first_slice[0] = '\0';
    x->files_last = x->files_kept++;
    return f;
}

/* What was written, for the message of a failed `expect file`: playlists
 * as they open (a playlist opened again is the same file going on), each
 * slice counted in its playlist, MP4 files (in no playlist) per session. */
static void log_file(sim_expect_t *x, const sim_tr_ev_t *ev)
{
    if (ev->kind == SIM_TR_PLAYLIST_OPEN) {
        if (ev->playlist != NULL)
            (void)file_entry(x, ev->sess, ev->playlist);
        return;
    }
    if (ev->name == NULL)
        return;
    x_file_t *f = file_entry(x, ev->sess, ev->playlist != NULL ? ev->playlist : "");
    if (f == NULL)
        return;
    if (f->slices++ == 0)
        (void)snprintf(f->first_slice, sizeof(f->first_slice), "%s", ev->name);
}

/* ---- events --------------------------------------------------------------- */

/* An activation still open when its recording is over never resumed. */
static void close_activations(x_session_t *s)
{
    for (int k = 0; k < X_ACTS; k++) {
        if (s->open_ms[k] >= 0 && s->lost_ms[k] < 0)
            s->lost_ms[k] = s->open_ms[k];
        s->open_ms[k] = -1;
    }
}

static void see_session(x_session_t *s, const sim_tr_ev_t *ev)
{
    s->uid_first = s->uid_last = ev->uid;
    s->named = ev->sid != NULL && ev->cname != NULL;
    (void)snprintf(s->sid, sizeof(s->sid), "%s", ev->sid != NULL ? ev->sid : "");
    if (!orc_name_cname(s->cname, sizeof(s->cname), ev->mode,
                        ev->cname != NULL ? ev->cname : ""))
        s->named = false; /* a name no file can carry: nothing matches it */
    if (s->accepted_ms < 0)
        s->accepted_ms = ev->t_ms;
    close_activations(s);
}

static void see_callback(sim_expect_t *x, const sim_tr_ev_t *ev)
{
    size_t w = watch_index(x, ev->event_type);
    if (w == x->watch_n)
        return;
    x_cb_t *c = &x->cbs[(size_t)(ev->sess - x->lo) * x->watch_n + w];
    if (c->count < X_CB_TIMES)
        c->t_ms[c->count] = ev->t_ms;
    if (c->count < UINT32_MAX)
        c->count++;
    for (size_t i = 0; i < x->scn->expects_count; i++) {
        const scn_expect_t *e = &x->scn->expects[i];
        if (e->kind == SCN_EXP_CALLBACK && e->has_at && e->event == ev->event_type &&
            e->at_ms == ev->t_ms && (e->session == 0 || e->session == ev->sess))
            hit(x, i, ev->sess);
    }
}

static void see_detect(x_session_t *s, const sim_tr_ev_t *ev)
{
    int k = ev->activation;
    if (k < 0 || k >= X_ACTS)
        return; /* the 4th fault: no activation, the session gives up */
    s->activations++;
    s->detected[k]++;
    if (s->open_ms[k] >= 0 && s->lost_ms[k] < 0)
        s->lost_ms[k] = s->open_ms[k];
    s->open_ms[k] = ev->t_ms;
}

static void see_resume(x_session_t *s, const sim_tr_ev_t *ev)
{
    int k = ev->activation;
    s->uid_last = ev->uid;
    if (k < 0 || k >= X_ACTS || s->open_ms[k] < 0)
        return;
    int64_t took = ev->t_ms - s->open_ms[k];
    if (took > s->worst_ms[k]) {
        s->worst_ms[k] = took;
        s->worst_at_ms[k] = s->open_ms[k];
    }
    s->open_ms[k] = -1;
}

void sim_expect_event(sim_expect_t *x, const sim_tr_ev_t *ev)
{
    if (!x->tracking || ev->sess < x->lo || ev->sess - x->lo >= x->n)
        return; /* no expectation is about it */
    x_session_t *s = &x->sessions[ev->sess - x->lo];
    switch (ev->kind) {
    case SIM_TR_SESSION:
        see_session(s, ev);
        break;
    case SIM_TR_DETECT:
        see_detect(s, ev);
        break;
    case SIM_TR_RESUME:
        see_resume(s, ev);
        break;
    case SIM_TR_STARTED:
        s->uid_last = ev->uid;
        if (s->started_ms < 0 && s->accepted_ms >= 0 && !s->start_over)
            s->started_ms = ev->t_ms;
        break;
    case SIM_TR_END:
        s->ended = true;
        s->exit_status = ev->exit_status;
        s->start_over = true;
        close_activations(s);
        break;
    case SIM_TR_PLAYLIST_OPEN:
    case SIM_TR_SLICE:
        if (x->files_n == 0)
            break;
        see_file(x, ev->sess, ev->kind == SIM_TR_SLICE ? ev->name : ev->playlist);
        log_file(x, ev);
        break;
    case SIM_TR_CALLBACK:
        if (x->watch_n > 0)
            see_callback(x, ev);
        break;
    default:
        break;
    }
}

uint64_t sim_expect_verdict(const scn_t *scn, const orc_t *o, int *expect_failed, char *msgs,
                            size_t msgs_cap)
{
    bool expected[ORC_RULES] = {false};
    for (size_t i = 0; i < scn->expects_count; i++) {
        const scn_expect_t *e = &scn->expects[i];
        if (e->kind != SCN_EXP_VIOLATION)
            continue;
        expected[e->rule] = true;
        if (orc_violated(o, e->rule) == 0) {
            (*expect_failed)++;
            size_t used = strlen(msgs);
            snprintf(msgs + used, msgs_cap - used,
                     "%s:%d:%d: expectation failed: the oracle found no violation of R%d\n",
                     scn->path, e->line, e->col, e->rule);
        }
    }
    uint64_t violations = 0;
    for (int rule = 0; rule < ORC_RULES; rule++) {
        if (!expected[rule])
            violations += orc_violated(o, rule);
    }
    return violations;
}

uint32_t sim_expect_activations(const sim_expect_t *x, uint32_t sess)
{
    return x->tracking && sess >= x->lo && sess - x->lo < x->n ? x->sessions[sess - x->lo].activations
                                                                : 0;
}

/* ---- messages ------------------------------------------------------------- */

/* A message under construction: appends stop at the end of the buffer. */
typedef struct {
    char buf[X_MSG_SIZE];
    size_t used;
} x_msg_t;

static void put(x_msg_t *m, const char *fmt, ...) SIM_EXPECT_PRINTF(2, 3);
static void put(x_msg_t *m, const char *fmt, ...)
{
    if (m->used + 1 >= sizeof(m->buf))
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m->buf + m->used, sizeof(m->buf) - m->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        m->used += (size_t)n < sizeof(m->buf) - m->used ? (size_t)n : sizeof(m->buf) - m->used - 1;
}

static const char *dur(char buf[X_DURATION_SIZE], int64_t ms)
{
    (void)scn_duration_format(ms < 0 ? 0 : ms, buf, X_DURATION_SIZE);
    return buf;
}

/* One line a failure. A line that does not fit whole is cut with "...",
 * still ending in a newline, so whatever prints the lines after it starts
 * on a line of its own; past that, lines are dropped (the count is exact). */
static void say(char *out, size_t cap, size_t *used, const scn_t *scn, const scn_expect_t *e,
                const char *msg)
{
    static const char cut[] = "...\n";
    if (*used + sizeof cut >= cap)
        return;
    int n = snprintf(out + *used, cap - *used, "%s:%d:%d: expectation failed: %s\n",
                     scn->path[0] ? scn->path : "<scenario>", e->line, e->col, msg);
    if (n < 0)
        return;
    if ((size_t)n < cap - *used) {
        *used += (size_t)n;
        return;
    }
    memcpy(out + cap - sizeof cut, cut, sizeof cut);
    *used = cap - 1;
}

/* "; written: A.m3u8 (40 slices), ...": the files of session sess (0: of
 * every session), the first slice of each when the name asked for is not a
 * playlist. */
static void put_written(x_msg_t *m, const sim_expect_t *x, uint32_t sess, bool slices_too)
{
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < x->files_kept; i++) {
        const x_file_t *f = &x->files[i];
        if (sess != 0 && f->sess != sess)
            continue;
        if (shown == X_FILES_SHOWN) {
            more++;
            continue;
        }
        put(m, "%s", shown++ == 0 ? "; written: " : ", ");
        if (f->name[0] == '\0')
            put(m, "%" PRIu32 " MP4 file%s", f->slices, f->slices == 1 ? "" : "s");
        else
            put(m, "%s (%" PRIu32 " slice%s", f->name, f->slices, f->slices == 1 ? "" : "s");
        if (f->slices > 0 && (slices_too || f->name[0] == '\0'))
            put(m, "%sthe first %s", f->name[0] == '\0' ? " (" : ", ", f->first_slice);
        if (f->name[0] != '\0' || f->slices > 0)
            put(m, ")");
    }
    if (shown == 0)
        put(m, "; nothing was written");
    if (more > 0 || x->files_lost > 0)
        put(m, " and %zu more", more + x->files_lost);
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

/* `expect [no] file NAME`. A name with placeholders, or a session named,
 * is about each session (its own sid and cname); a literal name with no
 * session is about the run: whichever session wrote it. */
static int check_file(const sim_expect_t *x, size_t i, char *out, size_t cap, size_t *used)
{
    const scn_t *scn = x->scn;
    const scn_expect_t *e = &scn->expects[i];
    bool want = e->kind == SCN_EXP_FILE;
    bool slices_too = !ends_with(e->file, ".m3u8");
    char name[SCN_FILE_NAME_SIZE * 2];
    x_msg_t m = {.used = 0};
    if (e->session == 0 && !x->has_ph[i]) {
        bool seen = false;
        for (uint32_t sess = 1; sess <= scn->sessions && !seen; sess++)
            seen = was_hit(x, i, sess);
        if (seen == want)
            return 0;
        put(&m, "%s named %s was written", seen ? "a file" : "no file", e->file);
        if (!seen)
            put_written(&m, x, 0, slices_too);
        say(out, cap, used, scn, e, m.buf);
        return 1;
    }
    int failed = 0;
    uint32_t first = e->session ? e->session : 1, last = e->session ? e->session : scn->sessions;
    for (uint32_t sess = first; sess <= last; sess++) {
        const x_session_t *s = &x->sessions[sess - x->lo];
        bool seen = was_hit(x, i, sess);
        if (seen == want)
            continue;
        m.used = 0;
        put(&m, "session %" PRIu32 ": %s named %s was written", sess, seen ? "a file" : "no file",
            name_expand(name, sizeof(name), e->file, s));
        if (!seen && x->has_ph[i] && !s->named)
            put(&m, " (the session never started: nothing for <sid>, <cname>, <uid>)");
        else if (!seen)
            put_written(&m, x, sess, slices_too);
        say(out, cap, used, scn, e, m.buf);
        failed++;
    }
    return failed;
}

static void put_callback(x_msg_t *m, uint32_t sess, const scn_expect_t *e)
{
    const char *name = scn_callback_name(e->event);
    char at[X_DURATION_SIZE];
    put(m, "session %" PRIu32 ": expected callback %d", sess, e->event);
    if (name != NULL)
        put(m, " (%s)", name);
    if (e->has_at)
        put(m, " at %s", dur(at, e->at_ms));
    else if (e->has_count)
        put(m, " count %" PRIu32, e->count);
}

/* "at 1m2s, 3m" of the kept send times, "and N more" past them. */
static void put_times(x_msg_t *m, const x_cb_t *c)
{
    char t[X_DURATION_SIZE];
    uint32_t kept = c->count < X_CB_TIMES ? c->count : X_CB_TIMES;
    for (uint32_t k = 0; k < kept; k++)
        put(m, "%s%s", k == 0 ? "at " : ", ", dur(t, c->t_ms[k]));
    if (c->count > kept)
        put(m, " and %" PRIu32 " more", c->count - kept);
}

/* `expect callback EVENT [at T | count N]` of one session. */
static bool check_callback(const sim_expect_t *x, size_t i, uint32_t sess, x_msg_t *m)
{
    const scn_expect_t *e = &x->scn->expects[i];
    const x_cb_t *c = &x->cbs[(size_t)(sess - x->lo) * x->watch_n + watch_index(x, e->event)];
    bool ok = e->has_at ? was_hit(x, i, sess) : e->has_count ? c->count == e->count : c->count > 0;
    if (ok)
        return true;
    put_callback(m, sess, e);
    if (c->count == 0) {
        put(m, "; none was sent");
    } else if (e->has_count) {
        put(m, "; sent %" PRIu32 ": ", c->count);
        put_times(m, c);
    } else {
        put(m, "; sent ");
        put_times(m, c);
    }
    return false;
}

/* Messages of a bound missed: the claim first ("activation 0 did not
 * resume within 30s"), then after "; " what was measured. The shrinker keeps
 * a failure's claim as its signature (shrink.c), which the measured times,
 * changing from one candidate to the next, must not be part of. */

/* `expect resume within D [activation K]` of one session: every activation
 * (or K) that was detected resumed within D of its detection, and there was
 * one. */
static bool check_resume(const x_session_t *s, const scn_expect_t *e, x_msg_t *m)
{
    char a[X_DURATION_SIZE], b[X_DURATION_SIZE];
    int k0 = e->has_activation ? e->activation : 0;
    int k1 = e->has_activation ? e->activation : X_ACTS - 1;
    int late[X_ACTS], n_late = 0;
    bool any = false;
    for (int k = k0; k <= k1; k++) {
        if (s->detected[k] == 0)
            continue;
        any = true;
        if (s->lost_ms[k] >= 0 || s->open_ms[k] >= 0 || s->worst_ms[k] > e->within_ms)
            late[n_late++] = k;
    }
    if (!any) {
        if (e->has_activation)
            put(m, " there was no activation %d to resume; %" PRIu32 " activation%s in all",
                e->activation, s->activations, s->activations == 1 ? "" : "s");
        else
            put(m, " there was no activation to resume");
        return false;
    }
    if (n_late == 0)
        return true;
    put(m, " activation%s", n_late == 1 ? "" : "s");
    for (int i = 0; i < n_late; i++)
        put(m, "%s %d", i == 0 ? "" : ",", late[i]);
    put(m, " did not resume within %s;", dur(a, e->within_ms));
    for (int i = 0; i < n_late; i++) {
        int k = late[i];
        char who[16];
        if (n_late == 1)
            (void)snprintf(who, sizeof(who), "it");
        else
            (void)snprintf(who, sizeof(who), "%d", k);
        int64_t lost = s->lost_ms[k] >= 0 ? s->lost_ms[k] : s->open_ms[k];
        if (lost >= 0)
            put(m, "%s %s never resumed (detected at %s)", i == 0 ? "" : ",", who, dur(a, lost));
        else
            put(m, "%s %s resumed %s after its detection at %s", i == 0 ? "" : ",", who,
                dur(a, s->worst_ms[k]), dur(b, s->worst_at_ms[k]));
    }
    return false;
}

/* `expect started within D` of one session: from its first accepted start
 * to that recording's first `started`. */
static bool check_started(const x_session_t *s, const scn_expect_t *e, x_msg_t *m)
{
    char a[X_DURATION_SIZE], b[X_DURATION_SIZE];
    int64_t took = s->started_ms - s->accepted_ms;
    if (s->accepted_ms >= 0 && s->started_ms >= 0 && took <= e->within_ms)
        return true;
    put(m, " did not start within %s; ", dur(a, e->within_ms));
    if (s->accepted_ms < 0)
        put(m, "no start was accepted");
    else if (s->started_ms < 0)
        put(m, "it never started (start accepted at %s)", dur(a, s->accepted_ms));
    else
        put(m, "it started %s after the start accepted at %s", dur(a, took),
            dur(b, s->accepted_ms));
    return false;
}

/* One expectation of the kinds judged session by session. */
static bool check_session(const sim_expect_t *x, size_t i, uint32_t sess, x_msg_t *m)
{
    static const char *const exit_names[] = {"normal", "abnormal", "none"};
    const scn_expect_t *e = &x->scn->expects[i];
    const x_session_t *s = &x->sessions[sess - x->lo];
    switch (e->kind) {
    case SCN_EXP_ACTIVATIONS:
        if (s->activations == e->activations)
            return true;
        put(m, "session %" PRIu32 ": expected %" PRIu32 " activations, saw %" PRIu32, sess,
            e->activations, s->activations);
        return false;
    case SCN_EXP_EXIT: {
        int got = !s->ended ? 2 : s->exit_status == 0 ? 0 : 1;
        if ((int)e->exit == got)
            return true;
        put(m, "session %" PRIu32 ": expected exit %s, saw %s", sess, exit_names[e->exit],
            exit_names[got]);
        return false;
    }
    case SCN_EXP_UID: {
        bool changed = s->uid_last != s->uid_first;
        if (changed == (e->uid == SCN_UID_CHANGED))
            return true;
        put(m, "session %" PRIu32 ": recording UID went from %" PRIu32 " to %" PRIu32
            ", expected it %s", sess, s->uid_first, s->uid_last,
            e->uid == SCN_UID_CHANGED ? "changed" : "the same");
        return false;
    }
    case SCN_EXP_CALLBACK:
        return check_callback(x, i, sess, m);
    case SCN_EXP_RESUME:
        put(m, "session %" PRIu32 ":", sess);
        return check_resume(s, e, m);
    case SCN_EXP_STARTED:
        put(m, "session %" PRIu32 ":", sess);
        return check_started(s, e, m);
    default:
        return true;
    }
}

int sim_expect_finish(sim_expect_t *x, char *out, size_t out_cap)
{
    const scn_t *scn = x->scn;
    size_t used = 0;
    int failed = 0;
    if (out_cap > 0)
        out[0] = '\0';
    for (size_t i = 0; i < scn->expects_count; i++) {
        const scn_expect_t *e = &scn->expects[i];
        if (e->kind == SCN_EXP_FILE || e->kind == SCN_EXP_NO_FILE) {
            failed += check_file(x, i, out, out_cap, &used);
            continue;
        }
        if (e->kind == SCN_EXP_VIOLATION)
            continue; /* the runner's, against the oracle */
        uint32_t first = e->session ? e->session : 1;
        uint32_t last = e->session ? e->session : scn->sessions;
        for (uint32_t sess = first; sess <= last && sess <= scn->sessions; sess++) {
            x_msg_t m = {.used = 0};
            m.buf[0] = '\0';
            if (!check_session(x, i, sess, &m)) {
                failed++;
                say(out, out_cap, &used, scn, e, m.buf);
            }
        }
    }
    return failed;
}
