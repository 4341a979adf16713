/* ncs_import.c -- an incident from a judged callback log, its readings,
 * and the scenario of a reading.
 *
 * The timeline is placed backwards from what the log pins down: each
 * resume. With the reading's fault kind and the world's latencies set to
 * fixed values, the fault goes where it makes the resume come when it came:
 *
 *   kill:                 resume = fault + kill_detect + start_latency
 *   disconnect, switch:   resume = fault + detection + 60 s + start_latency
 *   disconnect, back:     resume = fault + detection + heal + rejoin_latency
 *
 * where detection is A2's 4..6 s (the heartbeat's phase, drawn from the
 * seed), taken as 5 s. The first recording fixes start_latency (from the
 * accepted start in the API log, else 2 s). */
#include "ncs_import.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ncs_judge_impl.h"

/* A switch this long after the last good slice cannot be a kill's that went
 * to plan (detection 3 s + a 9 s attempt, after a slice of 15 s at most),
 * and a disconnect's switch comes no sooner: detection 4 s + the minute. */
#define SWITCH_GAP_MS_MIN 64000
/* A2: a disconnect is seen no sooner than 4 s after it happens (heartbeats
 * every 2 s, declared down 6 s after the last). */
#define DISCONNECT_SEEN_MS_MIN 4000

/* ---- the incident --------------------------------------------------------- */

static void take_calls(ncs_incident_t *out, const ncs_call_t *calls, size_t n)
{
    out->start_call = out->stop_call = -1;
    for (size_t i = 0; i < n; i++) {
        const ncs_call_t *c = &calls[i];
        if (strcmp(c->sid, out->sid) != 0)
            continue;
        if (c->call == SIM_CALL_START && c->http == 200 && out->start_call < 0) {
            out->start_call = c->utc_ms;
        } else if (c->call == SIM_CALL_STOP && (c->http == 200 || c->http == 206) &&
                   out->stop_call < 0) {
            out->stop_call = c->utc_ms;
        } else if (c->call != SIM_CALL_START && out->calls_n < NCS_IMPORT_CALLS) {
            out->calls[out->calls_n++] = (ncs_timed_call_t){c->utc_ms, c->call, c->worker_404};
        }
    }
}

static void take_files(ncs_incident_t *out, const ncs_sess_t *s)
{
    for (uint32_t i = 0; i < s->listed_n && out->files_n < NCS_IMPORT_FILES; i++) {
        const ncs_pl_t *p = &s->listed[i];
        out->files[out->files_n++] = (ncs_file_key_t){p->bak, p->mixed, p->uid, p->track};
    }
}

/* The first 404 of each interruption: from where recording was last good
 * to the resume (or the end). */
static void first_404s(ncs_incident_t *out)
{
    for (uint32_t k = 0; k < out->acts; k++) {
        ncs_act_t *a = &out->act[k];
        int64_t from = ncs_good_before(out, k);
        int64_t to = a->resume >= 0 ? a->resume : out->end;
        for (uint32_t i = 0; i < out->calls_n && a->first404 < 0; i++) {
            const ncs_timed_call_t *c = &out->calls[i];
            if (c->worker_404 && c->utc_ms > from && c->utc_ms <= to)
                a->first404 = c->utc_ms;
        }
    }
}

void ncs_incident_of(const ncs_judge_t *j, size_t i, const ncs_call_t *calls, size_t calls_n,
                     ncs_incident_t *out)
{
    const ncs_sess_t *s = &j->sess[i];
    memset(out, 0, sizeof(*out));
    snprintf(out->sid, sizeof(out->sid), "%s", s->v.sid);
    snprintf(out->cname, sizeof(out->cname), "%s", s->v.cname);
    out->mode = s->individual ? SIM_MODE_INDIVIDUAL
                : s->web_names ? SIM_MODE_WEB
                               : SIM_MODE_COMPOSITE;
    out->mp4 = s->mp4;
    out->uid0 = s->seg_n > 0 ? s->seg[0].uid : s->rec_n > 0 ? s->rec_uids[0] : 0;
    for (uint32_t k = 0; k < s->users_n && out->users_n < NCS_IMPORT_USERS; k++) {
        int last = -2;
        for (uint32_t f = 0; f < s->listed_n; f++) {
            if (!s->listed[f].mixed && s->listed[f].uid == s->users[k] && s->listed[f].bak > last)
                last = s->listed[f].bak;
        }
        int64_t latest = -1;
        for (uint32_t t = 0; t < s->streams_n; t++) {
            if (s->streams[t].uid == s->users[k] && s->streams[t].last_start > latest)
                latest = s->streams[t].last_start;
        }
        out->users[out->users_n].last = latest;
        out->users[out->users_n].uid = s->users[k];
        out->users[out->users_n].first = s->users_first[k];
        out->users[out->users_n++].last_bak = last;
    }
    for (uint32_t k = 0; k < s->returns_n && out->returns_n < NCS_IMPORT_USERS; k++) {
        out->returns[out->returns_n].uid = s->returns[k].uid;
        out->returns[out->returns_n].before = s->returns[k].before;
        out->returns[out->returns_n++].back = s->returns[k].back;
    }
    out->first = s->seg_n > 0 ? s->seg[0].t : -1;
    out->first_line = s->seg_n > 0 ? s->seg[0].line : 0;
    out->recordings = s->v.recordings;
    for (uint32_t k = 1; k < s->seg_n && out->acts < NCS_IMPORT_ACTS; k++) {
        const ncs_seg_t *g = &s->seg[k];
        out->act[out->acts++] = (ncs_act_t){g->last_good, g->last_good_line, g->t, g->line,
                                            g->switched, s->stale_t[k - 1], -1};
    }
    out->exit_status = s->v.exit_status;
    out->end = s->end_t >= 0 ? s->end_t : s->last_t;
    out->end_line = s->end_line;
    if (out->exit_status == 1 && s->seg_n > 0 && out->acts < NCS_IMPORT_ACTS)
        out->act[out->acts++] = (ncs_act_t){-1, 0, -1, out->end_line, false, -1, -1};
    take_files(out, s);
    take_calls(out, calls, calls_n);
    first_404s(out);
    out->complete = s->v.complete;
    out->verdict = s->v;
    out->proved = ncs_verdict_count(&s->v, NCS_PROVED);
    out->possible = ncs_verdict_count(&s->v, NCS_POSSIBLE);
}

/* ---- readings --------------------------------------------------------------- */

/* Where recording was last known good before activation k. */
/* Where recording was last known good before activation k: the end of its
 * last good slice, or the start of the recording before it if later (no
 * slice was finished in between). */
int64_t ncs_good_before(const ncs_incident_t *in, uint32_t k)
{
    int64_t rec = k > 0 && in->act[k - 1].resume >= 0 ? in->act[k - 1].resume : in->first;
    return in->act[k].last_good > rec ? in->act[k].last_good : rec;
}

static bool either(const ncs_act_t *a)
{
    return a->resume < 0 || a->switched;
}

void ncs_reading_best(const ncs_incident_t *in, ncs_reading_t *r)
{
    memset(r, 0, sizeof(*r));
    r->seed = 1;
    for (uint32_t k = 0; k < in->acts; k++) {
        const ncs_act_t *a = &in->act[k];
        int64_t gap = a->resume - ncs_good_before(in, k);
        if (a->resume < 0)
            r->kind[k] = NCS_FAULT_KILL;
        else if (!a->switched || a->old_back >= 0)
            r->kind[k] = NCS_FAULT_DISCONNECT;
        else if (a->first404 >= 0 && a->first404 - ncs_good_before(in, k) < DISCONNECT_SEEN_MS_MIN)
            r->kind[k] = NCS_FAULT_KILL; /* detected sooner than a disconnect can be */
        else
            r->kind[k] = gap >= SWITCH_GAP_MS_MIN ? NCS_FAULT_DISCONNECT : NCS_FAULT_KILL;
    }
}

size_t ncs_readings_all(const ncs_incident_t *in, ncs_reading_t *out, size_t cap)
{
    uint32_t free_k[NCS_IMPORT_ACTS], nf = 0;
    ncs_reading_t base;
    ncs_reading_best(in, &base);
    for (uint32_t k = 0; k < in->acts; k++) {
        if (either(&in->act[k]))
            free_k[nf++] = k;
    }
    size_t n = 0;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        for (uint32_t m = 0; m < (1u << nf) && n < cap; m++) {
            ncs_reading_t r = base;
            r.seed = seed;
            for (uint32_t b = 0; b < nf; b++)
                r.kind[free_k[b]] = (m >> b) & 1 ? NCS_FAULT_DISCONNECT : NCS_FAULT_KILL;
            out[n++] = r;
        }
    }
    return n;
}

void ncs_reading_name(const ncs_incident_t *in, const ncs_reading_t *r, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (uint32_t k = 0; k < in->acts && n < cap; k++) {
        const ncs_act_t *a = &in->act[k];
        const char *what = !a->switched && a->resume >= 0 ? "disconnect, back in time"
                           : r->kind[k] == NCS_FAULT_KILL ? "kill"
                                                         : "disconnect";
        int w = snprintf(buf + n, cap - n, "%s%s", k ? ", " : "", what);
        n += w > 0 ? (size_t)w : 0;
    }
    if (n < cap)
        snprintf(buf + n, cap - n, "%s(seed %" PRIu64 ")", in->acts ? " " : "", r->seed);
}

/* ---- comparing ------------------------------------------------------------------ */

static int key_cmp(const void *x, const void *y)
{
    const ncs_file_key_t *a = x, *b = y;
    if (a->bak != b->bak)
        return a->bak < b->bak ? -1 : 1;
    if (a->mixed != b->mixed)
        return a->mixed ? -1 : 1;
    if (a->uid != b->uid)
        return a->uid < b->uid ? -1 : 1;
    return (a->track > b->track) - (a->track < b->track);
}

static bool files_same(const ncs_incident_t *a, const ncs_incident_t *b)
{
    if (a->files_n != b->files_n)
        return false;
    ncs_file_key_t x[NCS_IMPORT_FILES], y[NCS_IMPORT_FILES];
    memcpy(x, a->files, a->files_n * sizeof(*x));
    memcpy(y, b->files, b->files_n * sizeof(*y));
    qsort(x, a->files_n, sizeof(*x), key_cmp);
    qsort(y, b->files_n, sizeof(*y), key_cmp);
    return memcmp(x, y, a->files_n * sizeof(*x)) == 0;
}

static int64_t dist(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a;
}

static ncs_likeness_t what(const ncs_incident_t *a, const ncs_incident_t *b, char *why,
                           size_t cap)
{
    if (a->recordings != b->recordings || a->acts != b->acts) {
        snprintf(why, cap, "%" PRIu32 " recordings and %" PRIu32 " activations, not %" PRIu32
                           " and %" PRIu32,
                 b->recordings, b->acts, a->recordings, a->acts);
        return NCS_DIFFERENT;
    }
    for (uint32_t k = 0; k < a->acts; k++) {
        const ncs_act_t *x = &a->act[k], *y = &b->act[k];
        if (x->switched != y->switched || (x->resume < 0) != (y->resume < 0)) {
            snprintf(why, cap, "activation %" PRIu32 " %s", k,
                     y->resume < 0   ? "ended the session, the log's resumed"
                     : x->resume < 0 ? "resumed, the log's ended the session"
                     : y->switched   ? "switched (a new UID), the log's reconnected"
                                     : "reconnected, the log's switched");
            return NCS_DIFFERENT;
        }
    }
    if (a->exit_status != b->exit_status) {
        snprintf(why, cap, "the session ended with exitStatus %d, the log's %d", b->exit_status,
                 a->exit_status);
        return NCS_DIFFERENT;
    }
    if (a->uid0 != b->uid0) {
        snprintf(why, cap, "it recorded with UID %" PRIu32 " first, the log with %" PRIu32,
                 b->uid0, a->uid0);
        return NCS_DIFFERENT;
    }
    if (!files_same(a, b)) {
        snprintf(why, cap, "%" PRIu32 " playlists uploaded, not the log's %" PRIu32
                           " (or other ones)",
                 b->files_n, a->files_n);
        return NCS_DIFFERENT;
    }
    return NCS_SAME;
}

static ncs_likeness_t when(const ncs_incident_t *a, const ncs_incident_t *b, int64_t tol,
                           char *why, size_t cap)
{
    for (uint32_t k = 0; k < a->acts; k++) {
        const ncs_act_t *x = &a->act[k], *y = &b->act[k];
        /* where the last good slice ended is compared only to within a slice
         * or two: slices are cut at the video's I-frames, whose interval the
         * log does not give; a fault placed a minute off still shows */
        if (x->last_good >= 0 && y->last_good >= 0 &&
            dist(x->last_good, y->last_good) > NCS_IMPORT_SLICE_TOL_MS + tol) {
            snprintf(why, cap, "activation %" PRIu32 "'s last good slice ended %" PRId64
                               " ms %s the log's", k, dist(x->last_good, y->last_good),
                     y->last_good > x->last_good ? "after" : "before");
            return NCS_SAME_BUT_TIMING;
        }
        if (x->resume >= 0 && dist(x->resume, y->resume) > tol) {
            snprintf(why, cap, "activation %" PRIu32 " resumed %" PRId64 " ms %s the log's", k,
                     dist(x->resume, y->resume), y->resume > x->resume ? "after" : "before");
            return NCS_SAME_BUT_TIMING;
        }
    }
    if (a->exit_status >= 0 && dist(a->end, b->end) > tol) {
        snprintf(why, cap, "the session ended %" PRId64 " ms %s the log's", dist(a->end, b->end),
                 b->end > a->end ? "after" : "before");
        return NCS_SAME_BUT_TIMING;
    }
    return NCS_SAME;
}

ncs_likeness_t ncs_incident_compare(const ncs_incident_t *a, const ncs_incident_t *b,
                                    int64_t tol_ms, char *why, size_t cap)
{
    ncs_likeness_t l = what(a, b, why, cap);
    if (l == NCS_SAME && (l = when(a, b, tol_ms, why, cap)) == NCS_SAME)
        snprintf(why, cap, "the same recordings, switches, UIDs, playlists and end, at the "
                           "same times");
    return l;
}
