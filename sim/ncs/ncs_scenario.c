/* ncs_scenario.c -- the scenario of one reading of an incident: the header
 * that says what the log showed and what was chosen, the world, the
 * timeline placed backwards from each resume (ncs_import.c says how), and
 * the expectations the log gives. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lang/scn.h"
#include "ncs_import.h"
#include "ncs_judge_impl.h"

#define KILL_DETECT_MS 1000
#define DETECT_MS 5000
#define REJOIN_MS 1000
#define SWITCH_AFTER_MS 60000
#define DEADLINE_MS 90000
#define FLUSH_MS 500
#define STOP_FLUSH_MS 5000
#define FAULT_IN_SLICE_MS_MAX 14000 /* a mix slice is 15 s */
#define RETURN_AFTER_MS 20000 /* a slice (15 s) and a video I-frame */
#define START_MS_DEFAULT 2000
#define START_MS_MAX 9000
#define HEAL_MS_MIN 1000

typedef struct {
    int64_t t;            /* ms from the start of the run */
    char text[96];
    char note[200];
} act_line_t;

typedef struct {
    const ncs_incident_t *in;
    const ncs_reading_t *r;
    int64_t t0;           /* utc of the run's 0 */
    int64_t start_ms;     /* start_latency */
    act_line_t *lines;
    size_t n, cap;
    int64_t within[NCS_IMPORT_ACTS]; /* detection to resume as placed, 0 none */
    int64_t detect_at[NCS_IMPORT_ACTS]; /* utc of detection as placed, -1 none */
    uint32_t dropped;     /* actions beyond SCN_TIME_MS_MAX */
} plan_t;

static void dur(char *buf, size_t cap, int64_t ms)
{
    (void)scn_duration_format(ms < 0 ? 0 : ms, buf, cap);
}

static void add(plan_t *p, int64_t utc, const char *text, const char *note)
{
    if (p->n == p->cap)
        return; /* cap is every call and every fault: cannot happen */
    int64_t t = utc - p->t0;
    if (t > SCN_TIME_MS_MAX) {
        p->dropped++; /* beyond what a scenario can say: a year */
        return;
    }
    act_line_t *l = &p->lines[p->n++];
    l->t = t < 0 ? 0 : t;
    snprintf(l->text, sizeof(l->text), "%s", text);
    snprintf(l->note, sizeof(l->note), "%s", note != NULL ? note : "");
}

static int by_time(const void *x, const void *y)
{
    const act_line_t *a = x, *b = y;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a < b ? -1 : a > b; /* stable: the order they were added */
}

/* ---- activations ------------------------------------------------------------ */

/* A fault comes after the last good slice. In a log that breaks the
 * contract it also comes before the next slice would have ended: the
 * resume then comes when the contract says, not when the log says -- the
 * story told right. In a log that keeps it, a later placement is how the
 * resume comes when it came: the log does not show what delayed it (a
 * failed attempt, a wait for capacity), and the slices' I-frame cut is not
 * known anyway. */
static int64_t in_slice(const plan_t *p, uint32_t k, int64_t f)
{
    int64_t good = ncs_good_before(p->in, k);
    if (p->in->proved == 0)
        return f > good ? f : good + 1;
    if (f <= good)
        return good + 1;
    return f > good + FAULT_IN_SLICE_MS_MAX ? good + FAULT_IN_SLICE_MS_MAX : f;
}

/* The link comes back in time: the fault goes just after the last good
 * slice, unless the heal would then take longer than the minute (R2): then
 * as late as lets it come back at the minute. */
static void reconnect(plan_t *p, uint32_t k)
{
    const ncs_act_t *a = &p->in->act[k];
    int64_t f = ncs_good_before(p->in, k) + 1000;
    int64_t heal = a->resume - (f + DETECT_MS) - REJOIN_MS;
    char t[96], d[32];
    /* detected by the API log's first 404: the link stayed away longer */
    if (a->first404 >= 0 && a->resume - REJOIN_MS - heal > a->first404)
        heal = a->resume - REJOIN_MS - a->first404;
    if (heal > SWITCH_AFTER_MS)
        heal = SWITCH_AFTER_MS; /* later than that it would have switched */
    if (heal < HEAL_MS_MIN)
        heal = HEAL_MS_MIN;
    f = in_slice(p, k, a->resume - DETECT_MS - REJOIN_MS - heal);
    p->detect_at[k] = f + DETECT_MS;
    p->within[k] = heal + REJOIN_MS;
    dur(d, sizeof(d), heal);
    snprintf(t, sizeof(t), "disconnect for %s after detection", d);
    add(p, f, t, "back in time: the same UID resumed (a reconnect)");
}

static void switched(plan_t *p, uint32_t k)
{
    const ncs_act_t *a = &p->in->act[k];
    char t[96], d[32];
    if (p->r->kind[k] == NCS_FAULT_KILL) {
        p->within[k] = p->start_ms;
        int64_t f = a->resume - KILL_DETECT_MS - p->start_ms;
        /* told right, it is detected by the API log's first 404 */
        if (p->in->proved > 0 && a->first404 >= 0 && a->first404 - KILL_DETECT_MS < f)
            f = a->first404 - KILL_DETECT_MS;
        f = in_slice(p, k, f);
        p->detect_at[k] = f + KILL_DETECT_MS;
        add(p, f, "kill", "resumes on another server");
        return;
    }
    p->within[k] = SWITCH_AFTER_MS + p->start_ms;
    int64_t f = in_slice(p, k, a->resume - p->start_ms - SWITCH_AFTER_MS - DETECT_MS);
    p->detect_at[k] = f + DETECT_MS;
    if (a->old_back >= 0 && a->old_back > f) {
        dur(d, sizeof(d), a->old_back - f);
        snprintf(t, sizeof(t), "disconnect for %s", d);
        add(p, f, t, "not back within the minute: a switch; the old server returns later");
    } else {
        add(p, f, "disconnect", "never back: a switch a minute after detection");
    }
}

/* The activation that ended the session: a 4th fault gives up at once; an
 * earlier one, only at the 90 s deadline, every replacement failing. */
static void final_fault(plan_t *p, uint32_t k)
{
    bool fourth = p->in->recordings >= 4;
    int64_t delay = p->r->kind[k] == NCS_FAULT_KILL ? KILL_DETECT_MS : DETECT_MS;
    int64_t f = p->in->end - delay - (fourth ? 0 : DEADLINE_MS);
    if (!fourth)
        add(p, f, "provision-fail 1000", "every replacement fails: the deadline ends it");
    add(p, f, p->r->kind[k] == NCS_FAULT_KILL ? "kill" : "disconnect",
        fourth ? "the 4th fault: it gives up at once" : "no server resumes it");
}

static void plan_faults(plan_t *p)
{
    for (uint32_t k = 0; k < p->in->acts; k++) {
        const ncs_act_t *a = &p->in->act[k];
        if (a->resume < 0)
            final_fault(p, k);
        else if (!a->switched)
            reconnect(p, k);
        else
            switched(p, k);
    }
}

/* A user whose first stream began after the recording started joined
 * then; one with no playlist under the prefixes after its last left before
 * the resume that opened the next. (A leave and a return inside one
 * recording leave no trace in callbacks.) */
static bool initial_user(const ncs_incident_t *in, uint32_t i)
{
    return in->users[i].first < 0 || in->first < 0 || in->users[i].first <= in->first;
}

static void plan_users(plan_t *p)
{
    const ncs_incident_t *in = p->in;
    if (in->mode != SIM_MODE_INDIVIDUAL)
        return;
    for (uint32_t i = 0; i < in->users_n; i++) {
        char t[40];
        if (!initial_user(in, i)) {
            snprintf(t, sizeof(t), "join %" PRIu32, in->users[i].uid);
            add(p, in->users[i].first, t, NULL);
        }
        int next = in->users[i].last_bak + 1; /* the activation whose resume it missed */
        if (in->users[i].last_bak >= -1 && next >= 0 && (uint32_t)next < in->acts &&
            in->act[next].resume >= 0) {
            /* as early as it can: other users may join in its place */
            int64_t at = in->act[next].resume - 1;
            if (in->users[i].last >= 0 && in->users[i].last + RETURN_AFTER_MS < at)
                at = in->users[i].last + RETURN_AFTER_MS;
            snprintf(t, sizeof(t), "leave %" PRIu32, in->users[i].uid);
            add(p, at, t, "no playlist of it after this");
        }
    }
    /* Left and came back: callbacks say when it came back, not when it left;
     * it leaves once it has had time for a slice (its playlist exists). */
    for (uint32_t i = 0; i < in->returns_n; i++) {
        char t[40];
        int64_t left = in->returns[i].before + RETURN_AFTER_MS;
        if (left >= in->returns[i].back)
            left = in->returns[i].back - 1;
        snprintf(t, sizeof(t), "leave %" PRIu32, in->returns[i].uid);
        add(p, left, t, "left some time before coming back");
        snprintf(t, sizeof(t), "join %" PRIu32, in->returns[i].uid);
        add(p, in->returns[i].back, t, "back (its streams start again)");
    }
}

static const char *const CALL_NAMES[] = {"start", "query", "update", "updateLayout", "stop"};

static void plan_calls(plan_t *p)
{
    const ncs_incident_t *in = p->in;
    add(p, p->t0, "start", in->start_call >= 0 ? "accepted (the API log)" : NULL);
    for (uint32_t i = 0; i < in->calls_n; i++) {
        if (in->calls[i].call >= SIM_CALL_QUERY && in->calls[i].call <= SIM_CALL_STOP &&
            in->calls[i].utc_ms >= p->t0)
            add(p, in->calls[i].utc_ms, CALL_NAMES[in->calls[i].call], NULL);
    }
    if (in->first < 0 && (in->exit_status == 1 || p->start_ms >= START_MS_MAX))
        add(p, p->t0 + 1000, "crash host 1", "the first recorder never records");
    if (in->exit_status == 0) {
        int64_t stop = in->stop_call >= 0 ? in->stop_call : in->end - FLUSH_MS;
        add(p, stop, "stop",
            in->stop_call >= 0 ? "accepted (the API log)" : "just before the session ended");
        /* the flush that did not finish: the session ended at the flush's bound */
        if (in->first >= 0 && in->end - stop >= STOP_FLUSH_MS - FLUSH_MS)
            add(p, stop + 100, "disconnect",
                "the flush was cut off: the session ended 5 s after the stop");
    }
    if (in->exit_status < 0)
        add(p, in->end + 1000, "end", "where the log stops");
}

/* ---- the text ------------------------------------------------------------------ */

static bool sid_ok(const char *sid)
{
    if (strlen(sid) != 32)
        return false;
    for (const char *c = sid; *c != '\0'; c++) {
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    }
    return true;
}

/* The first UID can be set unless the log shows a user with it (which the
 * service would have refused). */
static bool uid_writable(const ncs_incident_t *in)
{
    for (uint32_t i = 0; i < in->users_n; i++) {
        if (in->users[i].uid == in->uid0)
            return false;
    }
    return in->uid0 != 0;
}

static uint32_t a_user(const ncs_incident_t *in)
{
    uint32_t u = 1001;
    for (bool clash = true; clash; u++) {
        clash = u == in->uid0;
        for (uint32_t i = 0; i < in->users_n; i++)
            clash = clash || in->users[i].uid == u;
        if (!clash)
            return u;
    }
    return u;
}

static void header(FILE *f, const plan_t *p, const char *log)
{
    const ncs_incident_t *in = p->in;
    char at[NCS_HMS_SIZE], rd[160];
    fprintf(f, "# Imported by `hasim import` from %s: session %s, channel %s.\n", log, in->sid,
            in->cname);
    if (in->first >= 0) {
        ncs_hms(at, in->first);
        fprintf(f, "# Recording started at %s UTC (line %" PRIu64 ") with UID %" PRIu32 ".\n", at,
                in->first_line, in->uid0);
    } else {
        fprintf(f, "# The first recorder never recorded.\n");
    }
    for (uint32_t k = 0; k < in->acts; k++) {
        const ncs_act_t *a = &in->act[k];
        char good[NCS_HMS_SIZE], back[NCS_HMS_SIZE];
        ncs_hms(good, ncs_good_before(in, k));
        if (a->resume < 0) {
            fprintf(f, "# Activation %" PRIu32 ": the session ended abnormally (line %" PRIu64
                       ") without resuming.\n", k, in->end_line);
            continue;
        }
        ncs_hms(back, a->resume);
        fprintf(f, "# Activation %" PRIu32 ": the last good slice ended at %s%s; recording "
                   "resumed at %s (line %" PRIu64 ", %.1f s later), %s.\n",
                k, good, a->last_good >= 0 ? " (discontinueUtcMs)" : " (or later: the log does "
                                                                     "not say)",
                back, a->line, (double)(a->resume - ncs_good_before(in, k)) / 1000.0,
                a->switched ? "with a new UID: a switch" : "with the same UID: a reconnect");
        if (a->first404 >= 0 && p->detect_at[k] > a->first404) {
            ncs_hms(back, a->first404);
            fprintf(f, "#   The API log's first 404 of it came at %s, before this reading detects "
                       "it:\n#   the replacement took longer than the first recorder did "
                       "(a failed attempt?).\n", back);
        }
        if (a->old_back >= 0) {
            ncs_hms(back, a->old_back);
            fprintf(f, "#   The recorder it let go spoke again at %s: its server was back "
                       "(a stale notice, not a new fault).\n", back);
        }
    }
    ncs_reading_name(in, p->r, rd, sizeof(rd));
    if (in->proved == 0)
        fprintf(f, "# Reading: %s. Callbacks do not tell a kill from a disconnect, nor when the\n"
                   "# center detected a fault: each fault below is placed so that the resume\n"
                   "# comes when the log says (kill + 1 s report + start-up; disconnect + ~5 s\n"
                   "# detection + 60 s + start-up). `hasim import --explore` runs every reading.\n",
                rd);
    else
        fprintf(f, "# Reading: %s. Callbacks do not tell a kill from a disconnect, nor when the\n"
                   "# center detected a fault: each fault below is placed where the logs say it\n"
                   "# was (after the last good slice, detected by the first 404), and the resume\n"
                   "# comes when the contract says. `hasim import --explore` runs every reading.\n",
                rd);
    if (in->proved > 0)
        fprintf(f, "# The log breaks the contract (%" PRIu32 " proved finding%s of `hasim check "
                   "--ncs`):\n# this scenario expects the contract, so a core that repeats "
                   "the incident fails it.\n", in->proved, in->proved == 1 ? "" : "s");
    if (!in->complete)
        fprintf(f, "# The log has holes (sequence numbers missing): what it lost is not here.\n");
    if (p->dropped > 0)
        fprintf(f, "# %" PRIu32 " calls or events more than a year after the start are left out."
                   "\n", p->dropped);
    if (p->t0 < NCS_CLOCK_ZERO_UTC_MS || p->t0 - NCS_CLOCK_ZERO_UTC_MS > SCN_TIME_MS_MAX)
        fprintf(f, "# The log is not of 2026: the run keeps its own date (slice names differ).\n");
}

static void world(FILE *f, const plan_t *p)
{
    const ncs_incident_t *in = p->in;
    static const char *const MODES[] = {"composite", "individual", "web"};
    char d[32];
    uint32_t switches = 0;
    for (uint32_t k = 0; k < in->acts; k++)
        switches += in->act[k].switched;
    fprintf(f, "scenario \"incident %.8s: %" PRIu32 " activation%s\"\n",
            sid_ok(in->sid) ? in->sid : "", in->acts, in->acts == 1 ? "" : "s");
    fprintf(f, "mode %s\n", MODES[in->mode]);
    fprintf(f, "channel %s users ", in->cname);
    uint32_t listed = 0;
    for (uint32_t i = 0; in->mode == SIM_MODE_INDIVIDUAL && i < in->users_n; i++) {
        if (initial_user(in, i) && listed < SCN_USERS_MAX)
            fprintf(f, "%s%" PRIu32, listed++ ? "," : "", in->users[i].uid);
    }
    if (listed == 0) {
        fprintf(f, "%" PRIu32, a_user(in));
    }
    fputc('\n', f);
    if (sid_ok(in->sid))
        fprintf(f, "sid %s\n", in->sid);
    if (uid_writable(in))
        fprintf(f, "uid %" PRIu32 "\n", in->uid0);
    else if (in->uid0 != 0)
        fprintf(f, "# (the first UID, %" PRIu32 ", is also a user's in the log: not set)\n",
                in->uid0);
    fprintf(f, "seed %" PRIu64 "\n", p->r->seed);
    fprintf(f, "servers %" PRIu32 " capacity 10\n", in->first < 0 ? 1 : switches + 2);
    dur(d, sizeof(d), p->start_ms);
    fprintf(f, "set start_latency %s\n", d);
    fprintf(f, "set kill_detect 1s\nset rejoin_latency 1s\n");
    if (in->calls_n > 0 || in->start_call >= 0)
        fprintf(f, "set poll off   # the API log's calls are below\n");
    if (in->mp4)
        fprintf(f, "set mp4 on\n");
    if (p->t0 >= NCS_CLOCK_ZERO_UTC_MS && p->t0 - NCS_CLOCK_ZERO_UTC_MS <= SCN_TIME_MS_MAX) {
        dur(d, sizeof(d), p->t0 - NCS_CLOCK_ZERO_UTC_MS);
        fprintf(f, "set clock %s   # the log's date and time\n", d);
    }
}

static void timeline(FILE *f, plan_t *p)
{
    qsort(p->lines, p->n, sizeof(*p->lines), by_time);
    fputc('\n', f);
    for (size_t i = 0; i < p->n; i++) {
        char d[32], line[160];
        dur(d, sizeof(d), p->lines[i].t);
        snprintf(line, sizeof(line), "at %-12s %s", d, p->lines[i].text);
        if (p->lines[i].note[0] != '\0')
            fprintf(f, "%-44s # %s\n", line, p->lines[i].note);
        else
            fprintf(f, "%s\n", line);
    }
}

static void expectations(FILE *f, const plan_t *p)
{
    const ncs_incident_t *in = p->in;
    uint32_t switches = 0, resumes = 0;
    fputc('\n', f);
    /* a 4th fault gives up at once: the mechanism is not enabled again (R5) */
    bool fourth = in->acts > 0 && in->act[in->acts - 1].resume < 0 && in->recordings >= 4;
    fprintf(f, "expect activations %" PRIu32 "\n", in->acts - (fourth ? 1 : 0));
    fprintf(f, "expect exit %s\n", in->exit_status == 0   ? "normal"
                                   : in->exit_status == 1 ? "abnormal"
                                                          : "none");
    for (uint32_t k = 0; k < in->acts; k++) {
        switches += in->act[k].switched;
        resumes += in->act[k].resume >= 0;
    }
    if (resumes > 0)
        fprintf(f, "expect uid %s\n", switches > 0 ? "changed" : "same");
    fprintf(f, "expect callback session_failover count %" PRIu32 "\n", switches);
    fprintf(f, "expect callback recorder_started count %" PRIu32 "\n", in->recordings);
    /* the timings the log showed, as placed: whole seconds, rounded up */
    char d[32];
    if (in->first >= 0) {
        dur(d, sizeof(d), (p->start_ms + 999) / 1000 * 1000);
        fprintf(f, "expect started within %s\n", d);
    }
    for (uint32_t k = 0; k < in->acts && k < 3; k++) {
        if (p->within[k] > 0) {
            dur(d, sizeof(d), (p->within[k] + 999) / 1000 * 1000);
            fprintf(f, "expect resume within %s activation %" PRIu32 "\n", d, k);
        }
    }
    /* names with the language's placeholders: the session's own sid and
     * channel (as file names spell it), whatever the reading */
    for (uint32_t i = 0; i < in->files_n; i++) {
        const ncs_file_key_t *k = &in->files[i];
        char pre[16] = "";
        if (k->bak >= 0)
            snprintf(pre, sizeof(pre), "bak%d_", k->bak);
        if (k->mixed)
            fprintf(f, "expect file %s<sid>_<cname>.m3u8\n", pre);
        else
            fprintf(f, "expect file %s<sid>_<cname>__uid_s_%" PRIu32 "__uid_e_%s.m3u8\n", pre,
                    k->uid, k->track == SIM_TRACK_VIDEO ? "video" : "audio");
    }
    if (in->mode != SIM_MODE_INDIVIDUAL && resumes < 3)
        fprintf(f, "expect no file bak%" PRIu32 "_<sid>_<cname>.m3u8\n", resumes);
}

bool ncs_incident_writable(const ncs_incident_t *in, char *why, size_t cap)
{
    if (!scn_name_ok(in->cname, SCN_CNAME_LEN_MAX)) {
        snprintf(why, cap, "the channel name '%.64s' cannot be written in the scenario language "
                           "(1..%d of its name characters)", in->cname, SCN_CNAME_LEN_MAX);
        return false;
    }
    return true;
}

int ncs_scenario_write(FILE *f, const ncs_incident_t *in, const ncs_reading_t *r,
                       const char *log)
{
    plan_t p;
    memset(&p, 0, sizeof(p));
    p.in = in;
    p.r = r;
    p.start_ms = START_MS_DEFAULT;
    for (uint32_t k = 0; k < NCS_IMPORT_ACTS; k++)
        p.detect_at[k] = -1;
    if (in->start_call >= 0 && in->first >= 0 && in->first > in->start_call)
        p.start_ms = in->first - in->start_call;
    if (in->first < 0 && in->exit_status == 0 && in->stop_call >= 0 && in->start_call >= 0)
        p.start_ms = in->stop_call - in->start_call + 1000; /* still starting at the stop */
    /* Without the start call to pin it, start_latency (one value for every
     * recorder) is taken long enough for detection to come by the API log's
     * first 404 of each interruption (R6: 404s begin at detection). */
    for (uint32_t k = 0; k < in->acts && in->start_call < 0; k++) {
        const ncs_act_t *a = &in->act[k];
        if (a->resume < 0 || !a->switched || a->first404 < 0)
            continue;
        bool kill = r->kind[k] == NCS_FAULT_KILL;
        int64_t need = a->resume - a->first404 - (kill ? 0 : SWITCH_AFTER_MS);
        int64_t fault = a->resume - need - (kill ? KILL_DETECT_MS : SWITCH_AFTER_MS + DETECT_MS);
        /* only where the reading still fits: a start-up the world allows, the
         * fault after the last good slice */
        if (need > p.start_ms && need <= START_MS_MAX && fault > ncs_good_before(in, k))
            p.start_ms = need;
    }
    if (p.start_ms > START_MS_MAX)
        p.start_ms = START_MS_MAX;
    p.t0 = in->first >= 0        ? in->first - p.start_ms
           : in->start_call >= 0 ? in->start_call
                                 : in->end - DEADLINE_MS;
    p.cap = in->calls_n + 2 * in->users_n + 4 * NCS_IMPORT_ACTS + 8;
    p.lines = calloc(p.cap, sizeof(*p.lines));
    if (p.lines == NULL)
        return -1;
    plan_calls(&p);
    plan_users(&p);
    plan_faults(&p);
    header(f, &p, log);
    world(f, &p);
    timeline(f, &p);
    expectations(f, &p);
    free(p.lines);
    return ferror(f) ? -1 : 0;
}
