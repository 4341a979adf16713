/* ncs_rules.c -- the checks that need a session's whole log: UIDs of each
 * resume (R7), the last good slices (R8), the playlists owed (R8), the
 * bounds on each interruption (R2, R3), and, with the API log, the 404
 * windows (R6), the first start (R13), the deadline (R10) and stop (R12).
 *
 * Timing is proved only from what bounds the unseen detection. Callbacks do
 * not say when the center detected a fault; they say when the last good
 * slice ended (discontinueUtcMs), and the fault came after that and, while
 * recording goes on (R14), at most NCS_SLICE_GAP_MS_MAX later; A2 then
 * detects it within NCS_DETECT_MS_MAX. A 404 "failed to find worker" in the
 * API log bounds detection better: the center answers it only once it has
 * detected (R6). Everything looser is a possible violation, never a proved
 * one.
 */
#include "ncs_judge_impl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define A2_R14 "A2 (detection within 6 s) and R14 (a slice at least every 25 s)"
#define A2_A4_R14 "A2 (detection within 6 s), A4 (rejoin within 9 s) and R14 (a slice every 25 s)"
#define R6_404 "R6 (the center answers 404 only from detection on)"

/* ---- UIDs of the resumes (R7) ------------------------------------------- */

static void check_uids(ncs_sess_t *s)
{
    for (uint32_t i = 1; i < s->seg_n; i++) {
        const ncs_seg_t *g = &s->seg[i], *p = &s->seg[i - 1];
        uint32_t before = p->switched ? p->new_uid : p->uid;
        if (!g->switched && g->uid != before)
            ncs_find(s, 7, ncs_if_complete(s), g->line, 0, NULL,
                     "recording resumed with UID %" PRIu32 " (was %" PRIu32 ") and no "
                     "session_failover announced it",
                     g->uid, before);
    }
    if (s->pending12)
        ncs_find(s, 7, NCS_POSSIBLE, s->pending_line, 0, NULL,
                 "session_failover with no recording start (recorder_started) after it");
}

/* ---- slices and playlists (R8) -------------------------------------------- */

/* Where the last good slice ended, as each resume says it, must agree with
 * the recordings before: it ended during the recording before the resume,
 * or it is the same slice an earlier resume named (nothing was finished in
 * between). */
static void check_last_good(ncs_sess_t *s)
{
    for (uint32_t i = 1; i < s->seg_n; i++) {
        const ncs_seg_t *g = &s->seg[i], *p = &s->seg[i - 1];
        if (g->disc < 0 || g->disc >= g->start)
            continue;
        if (g->disc > g->t)
            ncs_find(s, 8, NCS_PROVED, g->line42, 0, NULL,
                     "the last good slice ended (discontinueUtcMs) after the recording restarted "
                     "(recorder_started, line %" PRIu64 ")",
                     g->line);
        else if (g->disc < p->t && (i == 1 || p->last_good < 0 || g->disc != p->last_good))
            ncs_find(s, 8, NCS_PROVED, g->line42, 0, NULL,
                     "the last good slice ended (discontinueUtcMs) %" PRId64 " ms before the "
                     "previous recording started (line %" PRIu64 "), and is not the one the "
                     "previous resume named: slices recorded in between are not accounted for",
                     p->t - g->disc, p->line);
    }
}

/* A composite recording that finished a slice owes its playlist: one did
 * when the next resume names a last good slice ending after it started
 * (R8 if it is not listed). One that went on for longer than a slice may
 * take before the session ended normally should have finished one (R14),
 * and listed it (R8): without the playlist, one of the two broke. */
static void owe_mix_playlists(ncs_sess_t *s)
{
    if (!s->mixed)
        return;
    for (uint32_t i = 0; i < s->seg_n && s->needs_n < NCS_JUDGE_NEEDS; i++) {
        const ncs_seg_t *g = &s->seg[i];
        if (i + 1 < s->seg_n) {
            const ncs_seg_t *x = &s->seg[i + 1];
            if (x->disc >= 0 && x->disc < x->start && x->disc > g->t)
                s->needs[s->needs_n++] = (ncs_pl_t){(int)i - 1, true, 0, -1, g->line};
        } else if (s->v.exit_status == 0 && s->end_t - g->t > NCS_SLICE_GAP_MS_MAX) {
            s->needs[s->needs_n++] = (ncs_pl_t){(int)i - 1, true, 0, SIM_TRACK_MIX, g->line};
        }
    }
}

static bool listed(const ncs_sess_t *s, const ncs_pl_t *n)
{
    for (uint32_t i = 0; i < s->listed_n; i++) {
        const ncs_pl_t *l = &s->listed[i];
        if (l->bak == n->bak && l->mixed == n->mixed &&
            (n->mixed || (l->uid == n->uid && l->track == n->track)))
            return true;
    }
    return false;
}

static void check_listings(ncs_sess_t *s)
{
    owe_mix_playlists(s);
    if (!s->uploaded) {
        if (s->needs_n > 0 && s->end_t >= 0)
            ncs_find(s, 8, NCS_POSSIBLE, s->end_line, 0, NULL,
                     "the session ended with no uploaded (31) notice naming its playlists");
        return;
    }
    /* a wrongly named playlist (R4) may be the one missing here */
    ncs_certainty_t c = s->misnamed ? NCS_POSSIBLE : ncs_if_complete(s);
    for (uint32_t i = 0; i < s->needs_n; i++) {
        const ncs_pl_t *n = &s->needs[i];
        if (listed(s, n))
            continue;
        char pre[16] = "";
        if (n->bak >= 0)
            snprintf(pre, sizeof(pre), "bak%d_", n->bak);
        /* under bak<k>_, the activation may have named it wrong (R4) */
        uint32_t alt = n->bak >= 0 ? NCS_RULE_BIT(4) : 0;
        if (n->mixed && n->track == SIM_TRACK_MIX) {
            alt |= NCS_RULE_BIT(8);
            ncs_find(s, 14, c, n->line, 0, NULL,
                     "the recording that started here went on for more than %d ms and the "
                     "session ended normally, but no %s%.40s_%.40s.m3u8 was uploaded",
                     NCS_SLICE_GAP_MS_MAX, pre, s->v.sid, s->v.cname);
        } else if (n->mixed) {
            ncs_find(s, 8, c, n->line, 0, NULL,
                     "the recording that started here finished a slice (the next resume's "
                     "discontinueUtcMs), but no %s%.40s_%.40s.m3u8 was uploaded",
                     pre, s->v.sid, s->v.cname);
        } else {
            ncs_find(s, 8, c, n->line, 0, NULL,
                     "slicing of stream %" PRIu32 " (%s) started here, but its %splaylist was "
                     "not uploaded",
                     n->uid, n->track == SIM_TRACK_VIDEO ? "video" : "audio", pre);
        }
        ncs_find_alt(s, alt);
    }
}

/* ---- interruptions (R2, R3) ------------------------------------------------ */

/* Recording was good until the later of the last good slice's end and the
 * previous recording's start (a resume that finished no slice before the
 * next fault). The fault came at most NCS_SLICE_GAP_MS_MAX after that. */
static int64_t good_until(const ncs_sess_t *s, uint32_t i, uint64_t *line)
{
    const ncs_seg_t *g = &s->seg[i], *p = &s->seg[i - 1];
    *line = g->last_good >= p->t ? g->last_good_line : p->line;
    return g->last_good >= p->t ? g->last_good : p->t;
}

static void check_bounds(ncs_sess_t *s)
{
    for (uint32_t i = 1; i < s->seg_n; i++) {
        const ncs_seg_t *g = &s->seg[i];
        uint64_t at;
        int64_t good = good_until(s, i, &at);
        int64_t gap = g->t - good;
        int64_t proof = NCS_SLICE_GAP_MS_MAX + NCS_DETECT_MS_MAX + NCS_RESUME_MS_MAX;
        int64_t rejoin = NCS_SLICE_GAP_MS_MAX + NCS_DETECT_MS_MAX + NCS_RECONNECT_MS_MAX +
                         NCS_REJOIN_MS_MAX;
        const char *since = g->last_good >= s->seg[i - 1].t ? "the last good slice ended"
                                                             : "the recording before it began";
        if (gap > proof)
            ncs_find(s, 3, NCS_PROVED, g->line, 0, A2_R14,
                     "activation %" PRIu32 " resumed %" PRId64 " ms after %s (line %" PRIu64
                     "): even a fault just before the next slice was due (%d ms), detected at "
                     "the latest (%d ms), leaves more than %d ms",
                     i - 1, gap, since, at, NCS_SLICE_GAP_MS_MAX, NCS_DETECT_MS_MAX,
                     NCS_RESUME_MS_MAX);
        if (gap > proof)
            ncs_find_alt(s, NCS_RULE_BIT(14));
        else if (gap > NCS_RESUME_MS_MAX && g->last_good >= s->seg[i - 1].t)
            ncs_find(s, 3, NCS_POSSIBLE, g->line, 0, NULL,
                     "activation %" PRIu32 " resumed %" PRId64 " ms after the last good slice "
                     "ended (line %" PRIu64 "): within %d ms of detection only if the center "
                     "detected the fault %" PRId64 " ms or more after that slice; callbacks do "
                     "not say when it did (an API log with its 404s would)",
                     i - 1, gap, at, NCS_RESUME_MS_MAX, gap - NCS_RESUME_MS_MAX);
        uint32_t before = s->seg[i - 1].switched ? s->seg[i - 1].new_uid : s->seg[i - 1].uid;
        if (!g->switched && g->uid == before && gap > rejoin)
            ncs_find(s, 2, NCS_PROVED, g->line, 0, A2_A4_R14,
                     "activation %" PRIu32 " resumed on the same recorder (no session_failover, "
                     "the same UID) %" PRId64 " ms after %s: the link was not back within the "
                     "minute, so the center had to switch",
                     i - 1, gap, since);
        if (!g->switched && g->uid == before && gap > rejoin)
            ncs_find_alt(s, NCS_RULE_BIT(14));
    }
}

/* ---- the API log (R6, R3, R10, R12, R13) ------------------------------------ */

typedef struct {
    int64_t lo, hi;          /* when detection and resume may have been */
    int64_t first404;        /* the first legal 404 in it, -1 none */
    uint64_t first404_line;
    uint32_t activation;
    bool final;              /* ended by the session's end, not a resume */
} window_t;

/* The windows the log allows: before each resume, from its last good slice
 * (or the recording before it) to the resume; after the last recording of
 * a session that ended abnormally -- or normally with no stop accepted
 * (stopped_by: utc of the accepted stop, -1 none) -- to its end. */
static uint32_t windows(const ncs_sess_t *s, int64_t stopped_by, window_t *w, uint32_t cap)
{
    uint32_t n = 0;
    for (uint32_t i = 1; i < s->seg_n && n < cap; i++) {
        const ncs_seg_t *g = &s->seg[i];
        w[n++] = (window_t){g->last_good >= 0 ? g->last_good : s->seg[i - 1].t, g->t, -1, 0,
                            i - 1, false};
    }
    bool unexplained = s->v.exit_status == 0 && (stopped_by < 0 || stopped_by > s->end_t);
    if ((s->v.exit_status == 1 || unexplained) && s->seg_n > 0 && n < cap)
        w[n++] = (window_t){s->seg[s->seg_n - 1].t, s->end_t, -1, 0, s->seg_n - 1, true};
    return n;
}

static bool worker_call(const ncs_call_t *c)
{
    return c->call != SIM_CALL_START;
}

static void check_404s(ncs_sess_t *s, const ncs_call_t *c, size_t n, int64_t skew,
                       window_t *w, uint32_t wn)
{
    for (size_t i = 0; i < n; i++) {
        int64_t t = c[i].utc_ms;
        if (!worker_call(&c[i]) || !c[i].worker_404)
            continue;
        if (s->end_t >= 0 && t >= s->end_t - skew)
            continue;
        if (s->end_t < 0 && t > s->last_t)
            continue; /* after the log: it may have ended or broken since */
        bool in = false;
        for (uint32_t k = 0; k < wn && !in; k++) {
            if (t >= w[k].lo - skew && t <= w[k].hi + skew) {
                in = true;
                if (w[k].first404 < 0) {
                    w[k].first404 = t;
                    w[k].first404_line = c[i].line;
                }
            }
        }
        if (!in) {
            char at[NCS_HMS_SIZE];
            ncs_hms(at, t);
            ncs_find(s, 6, ncs_if_complete(s), 0, c[i].line, NULL,
                     "404 \"failed to find worker\" at %s, while the session was %s", at,
                     s->seg_n == 0 || t < s->seg[0].t ? "starting (before its first recording)"
                                                      : "recording (no interruption the "
                                                        "callbacks allow covers it)");
        }
    }
}

static void check_answers(ncs_sess_t *s, const ncs_call_t *c, size_t n, int64_t skew,
                          const window_t *w, uint32_t wn)
{
    for (size_t i = 0; i < n; i++) {
        int64_t t = c[i].utc_ms;
        if (!worker_call(&c[i]) || c[i].worker_404 || c[i].http == 404)
            continue;
        char at[NCS_HMS_SIZE];
        ncs_hms(at, t);
        if (s->end_t >= 0 && t > s->end_t + skew) {
            ncs_find(s, 6, NCS_PROVED, s->end_line, c[i].line, NULL,
                     "answered %d at %s, after the session ended: every call then gets 404",
                     c[i].http, at);
            continue;
        }
        for (uint32_t k = 0; k < wn; k++) {
            if (w[k].first404 >= 0 && t > w[k].first404 + skew && t < w[k].hi - skew) {
                ncs_find(s, 6, NCS_PROVED, 0, c[i].line, NULL,
                         "answered %d at %s, after a 404 of the same interruption (API line "
                         "%" PRIu64 ") and before %s: the 404 window has no holes",
                         c[i].http, at, w[k].first404_line,
                         w[k].final ? "the session ended" : "recording resumed");
                break;
            }
        }
    }
}

/* The first 404 of an interruption came at or after detection. */
static void check_deadlines(ncs_sess_t *s, const window_t *w, uint32_t wn, int64_t skew)
{
    for (uint32_t k = 0; k < wn; k++) {
        if (w[k].first404 < 0)
            continue;
        int64_t late = w[k].hi - (w[k].first404 + skew) - NCS_RESUME_MS_MAX;
        if (late <= 0)
            continue;
        if (w[k].final)
            ncs_find(s, 10, NCS_PROVED, s->end_line, w[k].first404_line, R6_404,
                     "the session gave up %" PRId64 " ms after the 90 s deadline: its first 404 "
                     "came at the latest at detection",
                     late);
        else
            ncs_find(s, 3, NCS_PROVED, s->seg[w[k].activation + 1].line, w[k].first404_line,
                     R6_404,
                     "activation %" PRIu32 " resumed %" PRId64 " ms after the first 404 of its "
                     "window: more than %d ms after detection",
                     w[k].activation, w[k].hi - w[k].first404, NCS_RESUME_MS_MAX);
    }
}

static void check_first_start(ncs_sess_t *s, const ncs_call_t *c, size_t n, int64_t skew)
{
    const ncs_call_t *start = NULL;
    for (size_t i = 0; i < n && start == NULL; i++) {
        if (c[i].call == SIM_CALL_START && c[i].http == 200)
            start = &c[i];
    }
    if (start == NULL)
        return;
    s->v.decided[13] = true;
    int64_t deadline = start->utc_ms + NCS_FIRST_START_MS_MAX;
    if (s->seg_n > 0) {
        if (s->seg[0].t > deadline + skew)
            ncs_find(s, 13, NCS_PROVED, s->seg[0].line, start->line, NULL,
                     "the first recording started %" PRId64 " ms after the start was accepted: "
                     "more than %d ms",
                     s->seg[0].t - start->utc_ms, NCS_FIRST_START_MS_MAX);
        return;
    }
    bool stopped = false;
    for (size_t i = 0; i < n; i++)
        stopped = stopped || (c[i].call == SIM_CALL_STOP && c[i].http != 404);
    if (s->end_t >= 0 && !stopped && (s->end_t > deadline + skew || s->end_t < deadline - skew))
        ncs_find(s, 13, NCS_PROVED, s->end_line, start->line, NULL,
                 "the session ended %" PRId64 " ms after the start was accepted, never having "
                 "recorded: it must end at exactly %d ms",
                 s->end_t - start->utc_ms, NCS_FIRST_START_MS_MAX);
}

static void check_stop(ncs_sess_t *s, const ncs_call_t *c, size_t n, int64_t skew)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].call != SIM_CALL_STOP || (c[i].http != 200 && c[i].http != 206))
            continue;
        int64_t by = c[i].utc_ms + NCS_STOP_FLUSH_MS_MAX + skew;
        s->v.decided[12] = true;
        if (s->end_t >= 0 && s->end_t <= by) {
            if (s->v.exit_status != 0)
                ncs_find(s, 12, NCS_PROVED, s->end_line, c[i].line, NULL,
                         "a stop was accepted, and the session ended abnormally (exitStatus 1)");
            return;
        }
        if (s->end_t >= 0 || s->last_t > by)
            ncs_find(s, 12, s->end_t >= 0 ? NCS_PROVED : ncs_if_complete(s),
                     s->end_t >= 0 ? s->end_line : 0, c[i].line, NULL,
                     "a stop was accepted, and the session had not ended %d ms later",
                     NCS_STOP_FLUSH_MS_MAX);
        return; /* the first accepted stop is the one that counts */
    }
}

static void check_api(const ncs_judge_t *j, ncs_sess_t *s)
{
    size_t n = 0;
    for (size_t i = 0; i < j->opts.calls_n; i++)
        n += strcmp(j->opts.calls[i].sid, s->v.sid) == 0;
    if (n == 0)
        return;
    /* the session's calls, in time order (bounded by the API log's NCS_API_MAX) */
    ncs_call_t *c = malloc(n * sizeof(*c));
    if (c == NULL) {
        ncs_find(s, 0, NCS_INFO, 0, 0, NULL, "out of memory: the API log was not judged");
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < j->opts.calls_n; i++) {
        if (strcmp(j->opts.calls[i].sid, s->v.sid) == 0)
            c[k++] = j->opts.calls[i];
    }
    s->v.api_calls = (uint32_t)n;
    s->v.decided[6] = true;
    int64_t stopped_by = -1;
    for (size_t i = 0; i < n && stopped_by < 0; i++) {
        if (c[i].call == SIM_CALL_STOP && (c[i].http == 200 || c[i].http == 206))
            stopped_by = c[i].utc_ms;
    }
    if (s->v.exit_status == 0 && s->seg_n > 0 && (stopped_by < 0 || stopped_by > s->end_t))
        ncs_find(s, 12, NCS_POSSIBLE, s->end_line, 0, NULL,
                 "the session ended normally (exitStatus 0) with no stop accepted before: a "
                 "session ends normally on a stop (or, in the service, when the channel is idle "
                 "for maxIdleTime)");
    window_t w[NCS_JUDGE_SEGMENTS + 1];
    uint32_t wn = windows(s, stopped_by, w, NCS_JUDGE_SEGMENTS + 1);
    int64_t skew = j->opts.skew_ms;
    check_404s(s, c, n, skew, w, wn);
    check_answers(s, c, n, skew, w, wn);
    check_deadlines(s, w, wn, skew);
    check_first_start(s, c, n, skew);
    check_stop(s, c, n, skew);
    free(c);
}

void ncs_rules_finish(const ncs_judge_t *j, ncs_sess_t *s)
{
    check_uids(s);
    check_last_good(s);
    check_listings(s);
    check_bounds(s);
    static const int always[] = {3, 4, 5, 7, 8, 9};
    for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        s->v.decided[always[i]] = true;
    s->v.decided[2] = true; /* the reconnect's bound only */
    s->v.decided[10] = s->v.exit_status == 1;
    if (j->opts.calls_n > 0)
        check_api(j, s);
}
