/* ncs_judge.c -- taking a callback log in: sessions, recordings, UIDs,
 * streams and listed files, and the checks that one notice can settle
 * (a file's name, a 4th resume, a reused UID, a recorder let go that
 * acts again). The checks that need the whole log are in ncs_rules.c.
 *
 * Notices arrive in the reader's order (sendts, then sequence). The judge
 * never calls src/: names are built by the oracle's own builder
 * (judge/oracle_names.h), bounds are its own (ncs_judge.h).
 */
#include "ncs_judge_impl.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "judge/oracle_names.h"

/* ---- findings ----------------------------------------------------------- */

void ncs_find(ncs_sess_t *s, int rule, ncs_certainty_t c, uint64_t line, uint64_t api_line,
              const char *rests_on, const char *fmt, ...)
{
    assert(rule >= 0 && rule <= 14);
    if (s->v.findings_n == NCS_JUDGE_FINDINGS) {
        s->v.findings_over++;
        return;
    }
    ncs_finding_t *f = &s->v.findings[s->v.findings_n++];
    f->rule = rule;
    f->certainty = c;
    f->line = line;
    f->api_line = api_line;
    f->rests_on = rests_on;
    f->alt = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof(f->text), fmt, ap);
    va_end(ap);
}

void ncs_find_alt(ncs_sess_t *s, uint32_t mask)
{
    if (s->v.findings_over == 0 && s->v.findings_n > 0)
        s->v.findings[s->v.findings_n - 1].alt |= mask;
}

ncs_certainty_t ncs_if_complete(const ncs_sess_t *s)
{
    (void)s; /* settled at the end, when holes are known: see settle() */
    return NCS_IF_COMPLETE;
}

/* Findings that rest on a notice being absent are proved only by a log
 * with no hole. */
static void settle(ncs_sess_t *s)
{
    for (uint32_t i = 0; i < s->v.findings_n; i++) {
        ncs_finding_t *f = &s->v.findings[i];
        if (f->certainty == NCS_IF_COMPLETE)
            f->certainty = s->v.complete ? NCS_PROVED : NCS_POSSIBLE;
    }
}

void ncs_hms(char out[NCS_HMS_SIZE], int64_t utc_ms)
{
    int64_t d = utc_ms % 86400000;
    d += d < 0 ? 86400000 : 0;
    snprintf(out, NCS_HMS_SIZE, "%02u:%02u:%02u.%03u", (unsigned)(d / 3600000 % 24),
             (unsigned)(d / 60000 % 60), (unsigned)(d / 1000 % 60), (unsigned)(d % 1000));
}

/* ---- sessions ------------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

ncs_judge_t *ncs_judge_new(const ncs_judge_opts_t *o)
{
    ncs_judge_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return NULL;
    j->sess = calloc(NCS_JUDGE_SESSIONS, sizeof(*j->sess));
    if (j->sess == NULL) {
        free(j);
        return NULL;
    }
    if (o != NULL)
        j->opts = *o;
    return j;
}

void ncs_judge_free(ncs_judge_t *j)
{
    if (j == NULL)
        return;
    for (uint32_t i = 0; i < j->sess_n; i++)
        free(j->sess[i].seqs);
    free(j->sess);
    free(j);
}

static ncs_sess_t *session_of(ncs_judge_t *j, const ncs_notice_t *n)
{
    uint64_t h = hash_str(n->sid);
    uint32_t slots = 2 * NCS_JUDGE_SESSIONS;
    uint32_t i = (uint32_t)(h % slots);
    for (uint32_t k = 0; k < slots && j->slot[i] != 0; k++, i = (i + 1) % slots) {
        ncs_sess_t *s = &j->sess[j->slot[i] - 1];
        if (s->sid_hash == h && strcmp(s->v.sid, n->sid) == 0)
            return s;
    }
    if (j->sess_n == NCS_JUDGE_SESSIONS) {
        j->overflow = true;
        return NULL;
    }
    ncs_sess_t *s = &j->sess[j->sess_n];
    memset(s, 0, sizeof(*s));
    s->seqs = calloc(NCS_JUDGE_SEQS / 8, 1);
    if (s->seqs == NULL) {
        j->overflow = true;
        return NULL;
    }
    j->slot[i] = ++j->sess_n; /* a free slot exists: at most half are used */
    s->sid_hash = h;
    snprintf(s->v.sid, sizeof(s->v.sid), "%s", n->sid);
    snprintf(s->v.cname, sizeof(s->v.cname), "%s", n->cname);
    s->v.exit_status = -1;
    s->end_t = -1;
    for (uint32_t k = 0; k < NCS_JUDGE_SEGMENTS; k++)
        s->stale_t[k] = -1;
    s->first_t = n->sendts;
    return s;
}

static void seq_seen(ncs_sess_t *s, uint32_t seq)
{
    if (seq >= NCS_JUDGE_SEQS) {
        s->seq_over = true;
        return;
    }
    uint8_t bit = (uint8_t)(1u << (seq % 8));
    if ((s->seqs[seq / 8] & bit) == 0) {
        s->seqs[seq / 8] |= bit;
        s->seq_distinct++;
    }
    if (seq > s->seq_max)
        s->seq_max = seq;
}

/* ---- UIDs ------------------------------------------------------------------ */

static int rec_uid_index(const ncs_sess_t *s, uint32_t uid)
{
    for (uint32_t i = 0; i < s->rec_n; i++) {
        if (s->rec_uids[i] == uid)
            return (int)i;
    }
    return -1;
}

static void rec_uid_add(ncs_sess_t *s, uint32_t uid, uint64_t line)
{
    if (rec_uid_index(s, uid) >= 0 || s->rec_n == NCS_JUDGE_UIDS)
        return;
    s->rec_lines[s->rec_n] = line;
    s->rec_uids[s->rec_n++] = uid;
}

static bool is_user(const ncs_sess_t *s, uint32_t uid)
{
    for (uint32_t i = 0; i < s->users_n; i++) {
        if (s->users[i] == uid)
            return true;
    }
    return false;
}

/* A user seen; first_utc: when a stream of theirs began, -1 unknown. */
static void user_add(ncs_sess_t *s, uint32_t uid, int64_t first_utc)
{
    for (uint32_t i = 0; i < s->users_n; i++) {
        if (s->users[i] == uid) {
            if (first_utc >= 0 && (s->users_first[i] < 0 || first_utc < s->users_first[i]))
                s->users_first[i] = first_utc;
            return;
        }
    }
    if (uid != 0 && s->users_n < NCS_JUDGE_UIDS) {
        s->users_first[s->users_n] = first_utc;
        s->users[s->users_n++] = uid;
    }
}

/* A recording UID the session used and let go of (not the one it records
 * with now). */
static bool let_go(const ncs_sess_t *s, uint32_t uid)
{
    return s->has_uid && uid != s->uid && rec_uid_index(s, uid) >= 0;
}

/* ---- one notice ------------------------------------------------------------ */

static ncs_seg_t *seg_last(ncs_sess_t *s)
{
    return s->seg_n > 0 ? &s->seg[s->seg_n - 1] : NULL;
}

static void take_switch(ncs_sess_t *s, ncs_seg_t *g, uint32_t new_uid, uint64_t line)
{
    g->switched = true;
    g->new_uid = new_uid;
    g->line12 = line;
    if (g->uid != new_uid)
        ncs_find(s, 7, NCS_PROVED, line, 0, NULL,
                 "session_failover announces newUid %" PRIu32 ", but the recording started "
                 "with UID %" PRIu32 " (line %" PRIu64 ")",
                 new_uid, g->uid, g->line);
    s->uid = new_uid;
    s->has_uid = true;
    rec_uid_add(s, new_uid, line);
}

static void on_started(ncs_sess_t *s, const ncs_notice_t *n)
{
    s->v.recordings++;
    if (s->v.recordings > 1 + NCS_ACTIVATIONS_MAX && !s->told_r5) {
        s->told_r5 = true;
        ncs_find(s, 5, NCS_PROVED, n->line, 0, NULL,
                 "recording started a %" PRIu32 "th time (recorder_started): at most %d "
                 "activations resume",
                 s->v.recordings, NCS_ACTIVATIONS_MAX);
    }
    if (s->seg_n == NCS_JUDGE_SEGMENTS)
        return;
    ncs_seg_t *g = &s->seg[s->seg_n++];
    *g = (ncs_seg_t){.t = n->sendts, .line = n->line, .uid = n->uid, .start = -1,
                     .disc = -1, .last_good = -1};
    if (s->pending12 && n->sendts - s->pending_t <= 10000 && s->seg_n > 1) {
        s->pending12 = false;
        take_switch(s, g, s->pending_uid, s->pending_line);
    }
    if (!s->has_uid || s->seg_n == 1) {
        s->uid = n->uid;
        s->has_uid = true;
        rec_uid_add(s, n->uid, n->line);
    }
}

static void on_failover(ncs_sess_t *s, const ncs_notice_t *n)
{
    uint32_t u = n->new_uid;
    int used = rec_uid_index(s, u);
    if (u == 0)
        ncs_find(s, 7, NCS_PROVED, n->line, 0, NULL, "session_failover with newUid 0: not a UID");
    else if (used >= 0)
        ncs_find(s, 7, NCS_PROVED, n->line, 0, NULL,
                 "session_failover keeps UID %" PRIu32 ", %s (line %" PRIu64 "): a switch "
                 "must rejoin with a new one",
                 u, s->has_uid && u == s->uid ? "the UID it was recording with"
                                              : "a UID the session used before",
                 s->rec_lines[used]);
    else if (is_user(s, u))
        ncs_find(s, 7, NCS_PROVED, n->line, 0, NULL,
                 "session_failover's newUid %" PRIu32 " is a user's in the channel", u);
    s->v.switches++;
    ncs_seg_t *g = seg_last(s);
    if (g != NULL && s->seg_n > 1 && !g->switched && n->sendts - g->t <= 10000) {
        take_switch(s, g, u, n->line);
        return;
    }
    if (s->pending12)
        ncs_find(s, 7, NCS_POSSIBLE, s->pending_line, 0, NULL,
                 "session_failover with no recording start (recorder_started) near it");
    s->pending12 = true;
    s->pending_uid = u;
    s->pending_line = n->line;
    s->pending_t = n->sendts;
    rec_uid_add(s, u, n->line);
    s->uid = u;
    s->has_uid = true;
}

static void need(ncs_sess_t *s, int bak, bool mixed, uint32_t uid, int track, uint64_t line)
{
    for (uint32_t i = 0; i < s->needs_n; i++) {
        const ncs_pl_t *p = &s->needs[i];
        if (p->bak == bak && p->mixed == mixed && (mixed || (p->uid == uid && p->track == track)))
            return;
    }
    if (s->needs_n < NCS_JUDGE_NEEDS)
        s->needs[s->needs_n++] = (ncs_pl_t){bak, mixed, uid, track, line};
}

/* The recording a time falls in: the last that started at or before it. */
static int seg_at(const ncs_sess_t *s, int64_t utc)
{
    int k = -1;
    for (uint32_t i = 0; i < s->seg_n; i++) {
        if (s->seg[i].t <= utc)
            k = (int)i;
    }
    return k;
}

static void on_mix_slicing(ncs_sess_t *s, const ncs_notice_t *n)
{
    s->mixed = true;
    ncs_seg_t *g = seg_last(s);
    if (g == NULL) { /* its 40 was lost: the recording starts here */
        g = &s->seg[s->seg_n++];
        *g = (ncs_seg_t){.t = n->sendts, .line = n->line, .uid = n->uid, .start = -1,
                         .disc = -1, .last_good = -1};
    }
    if (g->start >= 0) {
        if (n->discontinue_utc_ms < n->start_utc_ms)
            ncs_find(s, 8, ncs_if_complete(s), n->line, 0, NULL,
                     "slicing restarted after a gap of %" PRId64 " ms (discontinueUtcMs) "
                     "with no new recording (recorder_started): recorded media was lost "
                     "outside an HA activation",
                     n->start_utc_ms - n->discontinue_utc_ms);
        return;
    }
    g->start = n->start_utc_ms;
    g->disc = n->discontinue_utc_ms;
    g->line42 = n->line;
    if (n->discontinue_utc_ms < n->start_utc_ms) {
        g->last_good = n->discontinue_utc_ms;
        g->last_good_line = n->line;
    }
}

/* A stream starting to slice again in the same recording with nothing
 * discontinued: its user left and came back. */
static void track_stream(ncs_sess_t *s, const ncs_notice_t *n, int k)
{
    ncs_stream_t *st = NULL;
    for (uint32_t i = 0; i < s->streams_n && st == NULL; i++) {
        if (s->streams[i].uid == n->stream_uid && s->streams[i].track == n->track)
            st = &s->streams[i];
    }
    if (st == NULL) {
        if (s->streams_n < NCS_JUDGE_STREAMS)
            s->streams[s->streams_n++] = (ncs_stream_t){n->stream_uid, n->track,
                                                        n->start_utc_ms, k};
        return;
    }
    if (st->seg == k && n->discontinue_utc_ms == n->start_utc_ms &&
        n->start_utc_ms > st->last_start) {
        bool known = false;
        for (uint32_t i = 0; i < s->returns_n && !known; i++)
            known = s->returns[i].uid == st->uid && s->returns[i].back == n->start_utc_ms;
        if (!known && s->returns_n < NCS_JUDGE_RETURNS)
            s->returns[s->returns_n++] = (ncs_return_t){st->uid, st->last_start,
                                                        n->start_utc_ms};
    }
    st->last_start = n->start_utc_ms;
    st->seg = k;
}

/* Individual mode: a stream's slicing start. Its playlist must be listed;
 * a gap in it must span a recording restart. */
static void on_stream_slicing(ncs_sess_t *s, const ncs_notice_t *n)
{
    s->individual = true;
    user_add(s, n->stream_uid, n->start_utc_ms);
    int k = seg_at(s, n->start_utc_ms);
    track_stream(s, n, k);
    need(s, k - 1 >= 0 ? k - 1 : -1, false, n->stream_uid, n->track, n->line);
    if (n->discontinue_utc_ms >= n->start_utc_ms)
        return;
    for (uint32_t i = 1; i < s->seg_n; i++) {
        ncs_seg_t *g = &s->seg[i];
        if (g->t > n->discontinue_utc_ms && g->t <= n->start_utc_ms) {
            if (g->last_good < n->discontinue_utc_ms) {
                g->last_good = n->discontinue_utc_ms;
                g->last_good_line = n->line;
            }
            return;
        }
    }
    ncs_find(s, 8, ncs_if_complete(s), n->line, 0, NULL,
             "stream %" PRIu32 " (%s) has a gap from discontinueUtcMs to startUtcMs "
             "(%" PRId64 " ms) with no recording restart inside it",
             n->stream_uid, n->track == SIM_TRACK_VIDEO ? "video" : "audio",
             n->start_utc_ms - n->discontinue_utc_ms);
}

static void on_slicing(ncs_sess_t *s, const ncs_notice_t *n)
{
    if (n->mixed_all_user || (n->stream_uid == 0 && n->track != SIM_TRACK_AUDIO &&
                              n->track != SIM_TRACK_VIDEO))
        on_mix_slicing(s, n);
    else
        on_stream_slicing(s, n);
    if (n->discontinue_utc_ms > n->start_utc_ms)
        ncs_find(s, 8, NCS_PROVED, n->line, 0, NULL,
                 "discontinueUtcMs is after startUtcMs: a slice ended after slicing restarted");
}

/* ---- file names (R4, R5) ------------------------------------------------------ */

/* name without its bak<k>_ prefix; *bak = k, or -1 with none. false when a
 * prefix is there but not bak<digits>_. */
static bool strip_bak(const char *name, const char **rest, int *bak)
{
    *rest = name;
    *bak = -1;
    if (strncmp(name, "bak", 3) != 0 || name[3] < '0' || name[3] > '9')
        return true;
    int k = 0;
    const char *p = name + 3;
    for (; *p >= '0' && *p <= '9' && k < 1000000; p++)
        k = k * 10 + (*p - '0');
    if (*p != '_')
        return false;
    *rest = p + 1;
    *bak = k;
    return true;
}

static bool name_is(const char *rest, int mode, const ncs_sess_t *s, uint32_t uid, int track)
{
    char want[ORC_NAME_MAX];
    return orc_name_playlist(want, sizeof(want), mode, s->v.sid, s->v.cname, uid, track, -1) &&
           strcmp(want, rest) == 0;
}

/* An individual playlist: <sid>_<cname>__uid_s_<uid>__uid_e_<type>.m3u8. */
static bool individual_name(const ncs_sess_t *s, const char *rest, ncs_pl_t *pl)
{
    const char *u = strstr(rest, "__uid_s_");
    if (u == NULL)
        return false;
    uint64_t uid = 0;
    const char *p = u + 8;
    for (; *p >= '0' && *p <= '9' && uid <= UINT32_MAX; p++)
        uid = uid * 10 + (uint64_t)(*p - '0');
    if (uid > UINT32_MAX)
        return false;
    for (int track = SIM_TRACK_AUDIO; track <= SIM_TRACK_VIDEO; track++) {
        if (name_is(rest, SIM_MODE_INDIVIDUAL, s, (uint32_t)uid, track)) {
            pl->uid = (uint32_t)uid;
            pl->track = track;
            return true;
        }
    }
    return false;
}

static bool mp4_name(const ncs_sess_t *s, const char *rest)
{
    const char *dot = strrchr(rest, '.');
    const char *us = strrchr(rest, '_');
    if (dot == NULL || us == NULL || strcmp(dot, ".mp4") != 0 || us > dot)
        return false;
    uint64_t i = 0;
    for (const char *p = us + 1; p < dot; p++) {
        if (*p < '0' || *p > '9' || i > UINT32_MAX)
            return false;
        i = i * 10 + (uint64_t)(*p - '0');
    }
    char want[ORC_NAME_MAX];
    for (int mode = SIM_MODE_COMPOSITE; mode <= SIM_MODE_WEB; mode += 2) {
        if (i <= UINT32_MAX &&
            orc_name_slice(want, sizeof(want), mode, s->v.sid, s->v.cname, 0, SIM_TRACK_MIX,
                           SIM_FMT_MP4, -1, 0, (uint32_t)i) &&
            strcmp(want, rest) == 0)
            return true;
    }
    return false;
}

static void on_file(ncs_sess_t *s, const ncs_file_t *f, uint64_t line)
{
    const char *rest;
    int bak;
    ncs_pl_t pl = {-1, false, 0, -1, line};
    bool ok = strip_bak(f->name, &rest, &bak);
    bool playlist = false;
    if (ok) {
        if (name_is(rest, SIM_MODE_COMPOSITE, s, 0, SIM_TRACK_MIX)) {
            playlist = pl.mixed = true;
        } else if (name_is(rest, SIM_MODE_WEB, s, 0, SIM_TRACK_MIX)) {
            playlist = pl.mixed = true;
            s->web_names = true;
        }
        else if (individual_name(s, rest, &pl))
            playlist = true;
        else
            ok = s->mp4 = mp4_name(s, rest);
    }
    if (!ok) {
        s->misnamed = true;
        ncs_find(s, 4, NCS_PROVED, line, 0, NULL,
                 "uploaded file '%.120s' is not a name the service gives this session "
                 "([bak<n>_]%.40s_%.40s.m3u8, ..._<index>.mp4, or the individual form)",
                 f->name, s->v.sid, s->v.cname);
        return;
    }
    if (bak >= 0 && (uint32_t)bak + 1 >= s->v.recordings) {
        s->misnamed = true;
        ncs_find(s, 4, bak >= NCS_ACTIVATIONS_MAX ? NCS_PROVED : ncs_if_complete(s), line, 0,
                 NULL,
                 "file '%.120s' is named for activation %d, but the log shows %" PRIu32
                 " resume%s (recorder_started after the first)%s",
                 f->name, bak, s->v.recordings > 0 ? s->v.recordings - 1 : 0,
                 s->v.recordings == 2 ? "" : "s",
                 bak >= NCS_ACTIVATIONS_MAX ? "; and there is no bak3_ ever (R5)" : "");
    }
    if (!playlist)
        return;
    if (!pl.mixed)
        user_add(s, pl.uid, -1);
    pl.bak = bak;
    if (s->listed_n < NCS_JUDGE_NEEDS)
        s->listed[s->listed_n++] = pl;
}

/* ---- the dispatcher ------------------------------------------------------------- */

/* A notice carrying a UID the session let go of. From the recorder let go,
 * saying it left is expected (it was told to stop): a stale notice, not a
 * fault, and skipped. Any other notice is the session's all the same, and
 * taken, but says something broke: a recording or slicing start is that
 * recorder acting again (R9) or a new one reusing its UID (R7); anything
 * else should carry the new UID (R7). true: skip the notice. */
static bool stale(ncs_sess_t *s, const ncs_notice_t *n)
{
    if (!let_go(s, n->uid))
        return false;
    switch (n->event_type) {
    case NCS_EV_RECORDER_LEAVE:
        ncs_find(s, 0, NCS_INFO, n->line, 0, NULL,
                 "recorder_leave from UID %" PRIu32 ", a recorder the session let go: a stale "
                 "notice, not a new fault",
                 n->uid);
        /* the recording that used the UID: its recorder was alive when this came */
        for (uint32_t i = 0; i < s->seg_n; i++) {
            uint32_t u = s->seg[i].switched ? s->seg[i].new_uid : s->seg[i].uid;
            if (u == n->uid && s->stale_t[i] < 0)
                s->stale_t[i] = n->sendts;
        }
        return true;
    case NCS_EV_RECORDER_STARTED:
        ncs_find(s, 7, NCS_PROVED, n->line, 0, NULL,
                 "recording started with UID %" PRIu32 ", which the session used before and "
                 "let go (it recorded with %" PRIu32 "): a switch takes a new UID, and a "
                 "recorder let go never records again (R9)",
                 n->uid, s->uid);
        ncs_find_alt(s, NCS_RULE_BIT(9));
        return false;
    case NCS_EV_SLICE_START:
        ncs_find(s, 9, NCS_PROVED, n->line, 0, NULL,
                 "recorder_slice_start from UID %" PRIu32 ", a recorder the session let go (it "
                 "records with %" PRIu32 " now): a replaced recorder acts for the session "
                 "again, or the recording's callbacks carry the old UID (R7)",
                 n->uid, s->uid);
        ncs_find_alt(s, NCS_RULE_BIT(7));
        return false;
    default:
        ncs_find(s, 7, NCS_PROVED, n->line, 0, NULL,
                 "event %d carries UID %" PRIu32 ", which the session let go: every callback "
                 "after a switch carries the new UID (%" PRIu32 ")",
                 n->event_type, n->uid, s->uid);
        return false;
    }
}

static void dispatch(ncs_sess_t *s, const ncs_notice_t *n)
{
    switch (n->event_type) {
    case NCS_EV_RECORDER_STARTED:
        on_started(s, n);
        break;
    case NCS_EV_SESSION_FAILOVER:
        on_failover(s, n);
        break;
    case NCS_EV_SLICE_START:
        on_slicing(s, n);
        break;
    case NCS_EV_UPLOADED:
    case NCS_EV_FILE_INFOS:
        s->uploaded = s->uploaded || n->files_n > 0;
        for (uint32_t i = 0; i < n->files_n; i++)
            on_file(s, &n->files[i], n->line);
        break;
    case NCS_EV_SESSION_EXIT:
        if (s->end_t < 0) {
            s->end_t = n->sendts;
            s->end_line = n->line;
            s->v.exit_status = n->exit_status;
        }
        break;
    default:
        break;
    }
}

void ncs_judge_notice(void *ctx, const ncs_notice_t *n)
{
    ncs_judge_t *j = ctx;
    assert(!j->finished);
    ncs_sess_t *s = session_of(j, n);
    if (s == NULL)
        return;
    s->v.notices++;
    seq_seen(s, n->sequence);
    s->last_t = n->sendts > s->last_t ? n->sendts : s->last_t;
    if (strcmp(n->cname, s->v.cname) != 0 && !s->told_cname) {
        s->told_cname = true;
        ncs_find(s, 0, NCS_INFO, n->line, 0, NULL,
                 "channel '%.60s' here, '%.60s' before: names are judged with the first", n->cname,
                 s->v.cname);
    }
    if (s->end_t >= 0 && n->event_type == NCS_EV_RECORDER_STARTED)
        ncs_find(s, 9, NCS_PROVED, n->line, 0, NULL,
                 "a recording started after the session ended (session_exit, line %" PRIu64 ")",
                 s->end_line);
    if (n->event_type != NCS_EV_SESSION_FAILOVER && stale(s, n))
        return;
    const ncs_seg_t *g = seg_last(s);
    if (s->has_uid && n->uid != s->uid && rec_uid_index(s, n->uid) < 0 &&
        n->event_type != NCS_EV_RECORDER_STARTED && n->event_type != NCS_EV_SESSION_FAILOVER &&
        (g == NULL || g->uid != n->uid))
        ncs_find(s, 7, ncs_if_complete(s), n->line, 0, NULL,
                 "event %d carries UID %" PRIu32 ", which no recorder_started or "
                 "session_failover announced (the session records with %" PRIu32 ")",
                 n->event_type, n->uid, s->uid);
    dispatch(s, n);
}

bool ncs_judge_finish(ncs_judge_t *j)
{
    assert(!j->finished);
    j->finished = true;
    for (uint32_t i = 0; i < j->sess_n; i++) {
        ncs_sess_t *s = &j->sess[i];
        s->v.missing = s->seq_over ? 0 : (uint64_t)s->seq_max + 1 - s->seq_distinct;
        s->v.complete = !s->seq_over && s->v.missing == 0;
        ncs_rules_finish(j, s);
        settle(s);
        free(s->seqs);
        s->seqs = NULL;
    }
    return !j->overflow;
}

size_t ncs_judge_sessions(const ncs_judge_t *j) { return j->sess_n; }

const ncs_session_verdict_t *ncs_judge_verdict(const ncs_judge_t *j, size_t i)
{
    assert(i < j->sess_n);
    return &j->sess[i].v;
}

uint32_t ncs_verdict_count(const ncs_session_verdict_t *v, ncs_certainty_t c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < v->findings_n; i++)
        n += v->findings[i].certainty == c;
    return n;
}
