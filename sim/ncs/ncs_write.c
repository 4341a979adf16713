/* ncs_write.c -- a run's callbacks as the Notification Center delivers them,
 * and its REST calls as a client logs them.
 *
 * From the trace: the center's callback lines become envelopes in the
 * service's JSON (docs/agora-facts.md); the uploaded callback (31) names the
 * session's playlists and MP4 files, as the service's does; and every slice
 * the center lists gives the recorder_slice_start (42) the service's
 * recorder sends for it, with discontinueUtcMs the end of the stream's last
 * listed slice when the two are apart (an interruption). The API lines
 * become the API log. Sequence numbers and noticeIds are the Notification
 * Center's: one counter a session, one for the run.
 *
 * With a seed, the writer misbehaves as NCS may: some notices are delivered
 * twice (the repeat with a later notifyMs) and some late, after the next
 * one. Receivers order by sendts and sequence and drop repeats by noticeId.
 */
#include "ncs.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rng.h"

#define W_STREAMS_MAX 40
#define W_FILES_MAX NCS_FILES_MAX

typedef struct {
    uint32_t uid;
    int track;
    int64_t last_end; /* utc of its last listed slice's end, -1 none */
    int bak;          /* of its last listed slice */
} w_stream_t;

#define W_SERVED_MAX 16 /* recorders that served a session: 1 + 3 switches, and room */

typedef struct {
    bool known;
    char sid[NCS_STR_MAX], cname[NCS_STR_MAX];
    int mode;
    uint32_t uid;     /* current recording UID */
    uint32_t serving; /* its recorder */
    uint32_t served_rec[W_SERVED_MAX], served_uid[W_SERVED_MAX];
    uint32_t served_n;
    uint32_t seq;
    w_stream_t streams[W_STREAMS_MAX];
    uint32_t streams_n;
    char files[W_FILES_MAX][NCS_STR_MAX];
    int file_track[W_FILES_MAX];
    uint32_t file_uid[W_FILES_MAX];
    int64_t file_start[W_FILES_MAX]; /* utc of its first slice's start, 0 none */
    uint32_t files_n;
} w_sess_t;

struct ncs_writer {
    FILE *ncs, *api;
    bool misbehave;
    sim_rng_t rng;
    int64_t utc0_ms;
    uint64_t next_notice;
    w_sess_t *sess;
    uint32_t sess_cap;
    char held[NCS_LINE_MAX]; /* a notice held back to be delivered late */
    bool holding;
    bool failed;
    char line[NCS_LINE_MAX];
};

ncs_writer_t *ncs_writer_new(FILE *ncs, FILE *api, uint64_t dup_seed)
{
    ncs_writer_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->ncs = ncs;
    w->api = api;
    w->misbehave = dup_seed != 0;
    sim_rng_stream(&w->rng, dup_seed, sim_rng_stream_id("ncs_delivery"));
    return w;
}

void ncs_writer_free(ncs_writer_t *w)
{
    if (w == NULL)
        return;
    free(w->sess);
    free(w);
}

static w_sess_t *sess_of(ncs_writer_t *w, uint32_t sess)
{
    if (sess == 0)
        return NULL;
    if (sess >= w->sess_cap) {
        uint32_t cap = sess + 16;
        w_sess_t *p = realloc(w->sess, (size_t)cap * sizeof(*p));
        if (p == NULL) {
            w->failed = true;
            return NULL;
        }
        memset(p + w->sess_cap, 0, (size_t)(cap - w->sess_cap) * sizeof(*p));
        w->sess = p;
        w->sess_cap = cap;
    }
    return &w->sess[sess];
}

/* ---- writing lines -------------------------------------------------------- */

typedef struct {
    char *p;
    size_t n, cap;
} buf_t;

static void put(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->n, b->n < b->cap ? b->cap - b->n : 0, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->n += (size_t)k;
}

/* JSON strings here are names the service allows: no quote, no control
 * character; escaped anyway, to be safe with whatever a trace holds. */
static void put_str(buf_t *b, const char *s)
{
    put(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            put(b, "\\%c", *c);
        else if (*c < 0x20)
            put(b, "\\u%04x", *c);
        else
            put(b, "%c", *c);
    }
    put(b, "\"");
}

static void emit(ncs_writer_t *w, const char *line)
{
    if (w->ncs == NULL)
        return;
    if (w->misbehave && w->holding) {
        /* the held one arrives after this one */
        if (fputs(line, w->ncs) == EOF || fputs(w->held, w->ncs) == EOF)
            w->failed = true;
        w->holding = false;
        return;
    }
    if (w->misbehave && sim_rng_chance(&w->rng, 1, 16)) {
        snprintf(w->held, sizeof(w->held), "%s", line);
        w->holding = true;
        return;
    }
    if (fputs(line, w->ncs) == EOF)
        w->failed = true;
}

static const char *track_type(int track)
{
    return track == SIM_TRACK_AUDIO ? "audio" : track == SIM_TRACK_VIDEO ? "video"
                                                                         : "audio_and_video";
}

static int service_type(int event)
{
    if (event == NCS_EV_SESSION_EXIT || event == NCS_EV_SESSION_FAILOVER)
        return 0;
    return event == NCS_EV_UPLOADED ? 2 : 1;
}

static void details(buf_t *b, const w_sess_t *s, const sim_tr_ev_t *ev, int event)
{
    put(b, "\"details\":{");
    switch (event) {
    case NCS_EV_SESSION_EXIT:
        put(b, "\"exitStatus\":%d", ev->exit_status);
        break;
    case NCS_EV_SESSION_FAILOVER:
        put(b, "\"newUid\":%" PRIu32, ev->new_uid);
        break;
    case NCS_EV_RECORDER_LEAVE:
        put(b, "\"leaveCode\":%" PRIu32, ev->leave_code);
        break;
    case NCS_EV_SLICE_START:
        put(b, "\"startUtcMs\":%" PRId64 ",\"discontinueUtcMs\":%" PRId64
               ",\"mixedAllUser\":%s,\"streamUid\":\"%" PRIu32 "\",\"trackType\":\"%s\"",
            ev->start_utc_ms, ev->discontinue_utc_ms, ev->track == SIM_TRACK_MIX ? "true" : "false",
            ev->uid, track_type(ev->track));
        break;
    case NCS_EV_UPLOADED:
        put(b, "\"fileList\":[");
        for (uint32_t i = 0; i < s->files_n; i++) {
            put(b, "%s{\"fileName\":", i ? "," : "");
            put_str(b, s->files[i]);
            put(b, ",\"trackType\":\"%s\",\"uid\":\"%" PRIu32 "\",\"mixedAllUser\":%s,"
                   "\"isPlayable\":true,\"sliceStartTime\":%" PRId64 "}",
                track_type(s->file_track[i]), s->file_uid[i],
                s->file_track[i] == SIM_TRACK_MIX ? "true" : "false", s->file_start[i]);
        }
        put(b, "]");
        break;
    default:
        break;
    }
    put(b, "}");
}

/* One envelope. ev carries the event's details (a trace callback line, or
 * a made-up 42 for a listed slice). */
static void notice(ncs_writer_t *w, w_sess_t *s, int event, const sim_tr_ev_t *ev, int64_t t_ms,
                   uint32_t uid)
{
    buf_t b = {w->line, 0, sizeof(w->line)};
    int64_t sendts = w->utc0_ms + t_ms;
    uint64_t id = ++w->next_notice;
    put(&b, "{\"noticeId\":\"hasim:%" PRIu64 "\",\"productId\":%d,\"eventType\":%d,"
            "\"notifyMs\":%" PRId64 ",\"payload\":{\"cname\":", id, NCS_PRODUCT_RECORDING, event,
        sendts);
    put_str(&b, s->cname);
    put(&b, ",\"uid\":\"%" PRIu32 "\",\"sid\":", uid);
    put_str(&b, s->sid);
    put(&b, ",\"sequence\":%" PRIu32 ",\"sendts\":%" PRId64 ",\"serviceType\":%d,", s->seq++,
        sendts, service_type(event));
    details(&b, s, ev, event);
    put(&b, "}}\n");
    if (b.n >= b.cap) {
        w->failed = true;
        return;
    }
    emit(w, w->line);
    if (w->misbehave && sim_rng_chance(&w->rng, 1, 16)) {
        /* delivered again, a little later: NCS updates notifyMs, not sendts */
        char again[NCS_LINE_MAX];
        int64_t later = sendts + 1000 + (int64_t)sim_rng_below(&w->rng, 30000);
        const char *at = strstr(w->line, "\"notifyMs\":");
        const char *rest = at ? strchr(at, ',') : NULL;
        if (at != NULL && rest != NULL &&
            snprintf(again, sizeof(again), "%.*s\"notifyMs\":%" PRId64 "%s", (int)(at - w->line),
                     w->line, later, rest) < (int)sizeof(again))
            emit(w, again);
    }
}

/* ---- what the trace says ------------------------------------------------ */

static void on_session(ncs_writer_t *w, const sim_tr_ev_t *ev)
{
    w_sess_t *s = sess_of(w, ev->sess);
    if (s == NULL)
        return;
    memset(s, 0, sizeof(*s));
    s->known = true;
    snprintf(s->sid, sizeof(s->sid), "%s", ev->sid ? ev->sid : "");
    snprintf(s->cname, sizeof(s->cname), "%s", ev->cname ? ev->cname : "");
    s->mode = ev->mode;
    s->uid = ev->uid;
}

static void add_file(w_sess_t *s, const char *name, uint32_t uid, int track)
{
    for (uint32_t i = 0; i < s->files_n; i++) {
        if (strcmp(s->files[i], name) == 0)
            return;
    }
    if (s->files_n == W_FILES_MAX)
        return;
    snprintf(s->files[s->files_n], NCS_STR_MAX, "%s", name);
    s->file_uid[s->files_n] = uid;
    s->file_start[s->files_n] = 0;
    s->file_track[s->files_n++] = track;
}

/* A listed slice. In individual mode the service's recorder_slice_start
 * (42) is a stream's: sent when a stream's slicing starts, at the start and
 * after each interruption, with discontinueUtcMs the end of the stream's
 * last good slice. The writer learns a stream started when its first slice
 * is listed, and sends the 42 then (startUtcMs is the slice's start). In
 * composite and web modes the one stream is the mix, whose 42 is the
 * center's own (on_callback). */
static void on_slice(ncs_writer_t *w, const sim_tr_ev_t *ev)
{
    w_sess_t *s = sess_of(w, ev->sess);
    if (s == NULL || !s->known)
        return;
    if (ev->fmt == SIM_FMT_MP4)
        add_file(s, ev->name ? ev->name : "", ev->uid, ev->track);
    const char *in = ev->fmt == SIM_FMT_MP4 ? ev->name : ev->playlist;
    for (uint32_t i = 0; in != NULL && i < s->files_n; i++) {
        if (s->file_start[i] == 0 && strcmp(s->files[i], in) == 0)
            s->file_start[i] = ev->start_utc_ms;
    }
    if (ev->fmt == SIM_FMT_MP4 || s->mode != SIM_MODE_INDIVIDUAL)
        return;
    w_stream_t *st = NULL;
    for (uint32_t i = 0; i < s->streams_n && st == NULL; i++) {
        if (s->streams[i].uid == ev->uid && s->streams[i].track == ev->track)
            st = &s->streams[i];
    }
    if (st == NULL && s->streams_n < W_STREAMS_MAX) {
        st = &s->streams[s->streams_n++];
        *st = (w_stream_t){ev->uid, ev->track, -1, -2};
    }
    if (st == NULL)
        return;
    bool fresh = st->last_end < 0 || st->bak != ev->bak || st->last_end != ev->start_utc_ms;
    sim_tr_ev_t x = *ev;
    x.discontinue_utc_ms = st->last_end >= 0 ? st->last_end : ev->start_utc_ms;
    st->last_end = ev->end_utc_ms;
    st->bak = ev->bak;
    if (fresh)
        notice(w, s, NCS_EV_SLICE_START, &x, ev->t_ms, s->uid);
}

/* A user left: its stream's next slicing start is not an interruption. */
static void on_user(ncs_writer_t *w, const sim_tr_ev_t *ev)
{
    w_sess_t *s = sess_of(w, ev->sess);
    if (s == NULL || !s->known || ev->joined)
        return;
    for (uint32_t i = 0; i < s->streams_n; i++) {
        if (s->streams[i].uid == ev->uid)
            s->streams[i].last_end = -1;
    }
}

static void on_callback(ncs_writer_t *w, const sim_tr_ev_t *ev)
{
    w_sess_t *s = sess_of(w, ev->sess);
    if (s == NULL || !s->known)
        return;
    s->uid = ev->uid;
    sim_tr_ev_t x = *ev;
    if (ev->event_type == NCS_EV_SLICE_START) {
        if (s->mode == SIM_MODE_INDIVIDUAL)
            return; /* the streams' own, from their slices */
        x.uid = 0; /* the mix */
        x.track = SIM_TRACK_MIX;
        if (x.discontinue_utc_ms == 0) /* no slice before: nothing discontinued */
            x.discontinue_utc_ms = x.start_utc_ms;
    }
    notice(w, s, ev->event_type, &x, ev->t_ms, s->uid);
}

/* The recorders that served: one let go may still say it left (41) when
 * it is told to stop for good, with its own UID -- a stale notice, not a
 * fault (docs/agora-facts.md). */
static void on_serving(ncs_writer_t *w, const sim_tr_ev_t *ev)
{
    w_sess_t *s = sess_of(w, ev->sess);
    if (s == NULL || !s->known)
        return;
    s->serving = ev->rec;
    if (s->served_n < W_SERVED_MAX) {
        s->served_rec[s->served_n] = ev->rec;
        s->served_uid[s->served_n++] = ev->uid;
    }
}

static void on_fenced(ncs_writer_t *w, const sim_tr_ev_t *ev)
{
    w_sess_t *s = sess_of(w, ev->sess);
    if (s == NULL || !s->known || ev->rec == s->serving)
        return;
    for (uint32_t i = 0; i < s->served_n; i++) {
        if (s->served_rec[i] == ev->rec && s->served_uid[i] != s->uid) {
            sim_tr_ev_t x = *ev;
            x.leave_code = 2; /* SIG: told to stop */
            notice(w, s, NCS_EV_RECORDER_LEAVE, &x, ev->t_ms, s->served_uid[i]);
            return;
        }
    }
}

static void on_api(ncs_writer_t *w, const sim_tr_ev_t *ev)
{
    static const char *const calls[] = {"start", "query", "update", "updateLayout", "stop"};
    if (w->api == NULL || ev->call < 0 || ev->call > SIM_CALL_STOP)
        return;
    const w_sess_t *s = ev->sess < w->sess_cap ? &w->sess[ev->sess] : NULL;
    buf_t b = {w->line, 0, sizeof(w->line)};
    put(&b, "{\"utc_ms\":%" PRId64 ",\"call\":\"%s\",\"sid\":", w->utc0_ms + ev->t_ms,
        calls[ev->call]);
    put_str(&b, s != NULL && s->known ? s->sid : "");
    put(&b, ",\"http\":%d,\"code\":%d", ev->http, ev->code);
    if (ev->call == SIM_CALL_QUERY && ev->http == 200)
        put(&b, ",\"status\":%d", ev->status);
    if (ev->msg != NULL) {
        put(&b, ",\"reason\":");
        put_str(&b, ev->msg);
    }
    put(&b, "}\n");
    if (b.n >= b.cap || fputs(w->line, w->api) == EOF)
        w->failed = true;
}

void ncs_writer_event(void *ctx, const sim_tr_ev_t *ev)
{
    ncs_writer_t *w = ctx;
    switch (ev->kind) {
    case SIM_TR_RUN:
        w->utc0_ms = ev->utc0_ms;
        break;
    case SIM_TR_SESSION:
        on_session(w, ev);
        break;
    case SIM_TR_PLAYLIST_OPEN: {
        w_sess_t *s = sess_of(w, ev->sess);
        if (s != NULL && s->known && ev->playlist != NULL)
            add_file(s, ev->playlist, ev->uid, ev->track);
        break;
    }
    case SIM_TR_SLICE:
        on_slice(w, ev);
        break;
    case SIM_TR_CALLBACK:
        on_callback(w, ev);
        break;
    case SIM_TR_USER:
        on_user(w, ev);
        break;
    case SIM_TR_STARTED:
    case SIM_TR_RESUME:
        on_serving(w, ev);
        break;
    case SIM_TR_FENCED:
        on_fenced(w, ev);
        break;
    case SIM_TR_API:
        on_api(w, ev);
        break;
    default:
        break;
    }
}

int ncs_writer_finish(ncs_writer_t *w)
{
    if (w->holding && w->ncs != NULL && fputs(w->held, w->ncs) == EOF)
        w->failed = true;
    w->holding = false;
    return w->failed ? -1 : 0;
}
