/* ncs_read.c -- reading a callback log line by line, with bounded memory.
 *
 * Each line is one envelope, parsed with jansson and checked field by field
 * against the service's documented types (payload.uid a string of digits,
 * details.newUid a number, streamUid a string, ...). A line that breaks them
 * is an error naming the line and the field: the log is not the service's,
 * or was damaged, and a verdict on it would be a guess. What the judge does
 * not need (another product, another session, an event type it does not
 * know) is a warning and the line is skipped.
 *
 * Order: NCS delivers late and out of order; receivers order by sendts,
 * then sequence. Notices wait in a heap of NCS_WINDOW; the smallest leaves
 * when the heap is full, and one that arrives after a later one has left is
 * "late" (a warning; skipped). Repeats: the last NCS_IDS_REMEMBERED
 * noticeIds are remembered; a repeat is counted and dropped.
 */
#include "ncs.h"
#include "trace/trace_json.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char NCS_WORKER_404[] = "failed to find worker";

/* ---- one line ------------------------------------------------------------ */

typedef struct {
    const char *name;
    uint64_t line;
    char *err;
    size_t err_cap;
    const char *obj; /* where in the notice a key is: "payload.details.", NULL top */
} where_t;

#define OBJ(w) ((w)->obj != NULL ? (w)->obj : "")

static int bad(const where_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const where_t *w, const char *fmt, ...)
{
    int n = snprintf(w->err, w->err_cap, "%s:%" PRIu64 ": error: ", w->name, w->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < w->err_cap)
        vsnprintf(w->err + n, w->err_cap - (size_t)n, fmt, ap);
    va_end(ap);
    return 2;
}

/* "LOG:LINE:COL: error: not JSON: ..." */
static int not_json(const where_t *w, const json_error_t *je)
{
    snprintf(w->err, w->err_cap, "%s:%" PRIu64 ":%d: error: not JSON: %s", w->name, w->line,
             je->column > 0 ? je->column : 1, je->text);
    return 2;
}

static int get_int(const where_t *w, json_t *obj, const char *key, bool need, int64_t lo,
                   int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        if (need)
            return bad(w, "%s%s is missing", OBJ(w), key);
        return 0;
    }
    if (!json_is_integer(v))
        return bad(w, "%s%s must be an integer", OBJ(w), key);
    int64_t x = (int64_t)json_integer_value(v);
    if (x < lo || x > hi)
        return bad(w, "%s%s %" PRId64 " is out of range %" PRId64 "..%" PRId64, OBJ(w), key, x,
                   lo, hi);
    *out = x;
    return 0;
}

static int get_str(const where_t *w, json_t *obj, const char *key, bool need, char *out,
                   size_t cap)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        if (need)
            return bad(w, "%s%s is missing", OBJ(w), key);
        out[0] = '\0';
        return 0;
    }
    if (!json_is_string(v))
        return bad(w, "%s%s must be a string", OBJ(w), key);
    if (json_string_length(v) >= cap)
        return bad(w, "%s%s is longer than %zu bytes", OBJ(w), key, cap - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* A UID on the wire: a string of 1..10 digits, 0..2^32-1. */
static int get_uid_str(const where_t *w, json_t *obj, const char *key, bool need, uint32_t *out)
{
    char s[16];
    json_t *v = json_object_get(obj, key);
    if (v != NULL && json_is_integer(v))
        return bad(w, "%s%s must be a string of digits (the service sends \"527841\"), not a "
                      "number", OBJ(w), key);
    if (get_str(w, obj, key, need, s, sizeof(s)) != 0)
        return 2;
    if (s[0] == '\0' && !need)
        return 0;
    uint64_t x = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return bad(w, "%s%s \"%s\" is not a number", OBJ(w), key, s);
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (s[0] == '\0' || strlen(s) > 10 || x > UINT32_MAX)
        return bad(w, "%s%s \"%s\" is not a 32-bit UID", OBJ(w), key, s);
    *out = (uint32_t)x;
    return 0;
}

static int track_of(const char *s)
{
    return strcmp(s, "audio") == 0 ? SIM_TRACK_AUDIO
           : strcmp(s, "video") == 0 ? SIM_TRACK_VIDEO
           : strcmp(s, "audio_and_video") == 0 ? SIM_TRACK_MIX
                                               : -1;
}

static int read_files(const where_t *w, json_t *d, ncs_notice_t *n)
{
    json_t *list = json_object_get(d, "fileList");
    if (list == NULL)
        return 0;
    if (!json_is_array(list))
        return bad(w, "payload.details.fileList must be an array");
    size_t k = json_array_size(list);
    if (k > NCS_FILES_MAX)
        return bad(w, "payload.details.fileList has %zu files; at most %d are taken", k,
                   NCS_FILES_MAX);
    n->files = k ? calloc(k, sizeof(*n->files)) : NULL;
    if (k && n->files == NULL)
        return bad(w, "out of memory");
    char obj[64];
    where_t wf = *w;
    wf.obj = obj;
    for (size_t i = 0; i < k; i++) {
        json_t *f = json_array_get(list, i);
        ncs_file_t *x = &n->files[i];
        snprintf(obj, sizeof(obj), "payload.details.fileList[%zu].", i);
        char tt[32];
        int64_t st = 0;
        if (!json_is_object(f))
            return bad(w, "payload.details.fileList[%zu] must be an object", i);
        if (get_str(&wf, f, "fileName", true, x->name, sizeof(x->name)) != 0 ||
            get_uid_str(&wf, f, "uid", false, &x->uid) != 0 ||
            get_str(&wf, f, "trackType", false, tt, sizeof(tt)) != 0 ||
            get_int(&wf, f, "sliceStartTime", false, 0, INT64_MAX, &st) != 0)
            return 2;
        x->track = track_of(tt);
        x->slice_start_utc_ms = st;
        n->files_n++;
    }
    return 0;
}

static int read_details(const where_t *w, json_t *d, ncs_notice_t *n)
{
    int64_t v = 0;
    char s[32];
    switch (n->event_type) {
    case NCS_EV_SESSION_EXIT:
        if (get_int(w, d, "exitStatus", true, 0, 1, &v) != 0)
            return 2;
        n->exit_status = (int)v;
        return 0;
    case NCS_EV_SESSION_FAILOVER: {
        json_t *u = json_object_get(d, "newUid");
        if (u != NULL && json_is_string(u))
            return bad(w, "payload.details.newUid must be a number (the service sends 527841, "
                          "not \"527841\")");
        if (get_int(w, d, "newUid", true, 0, UINT32_MAX, &v) != 0)
            return 2;
        n->new_uid = (uint32_t)v;
        return 0;
    }
    case NCS_EV_RECORDER_LEAVE:
        if (get_int(w, d, "leaveCode", false, 0, UINT32_MAX, &v) != 0)
            return 2;
        n->leave_code = (uint32_t)v;
        return 0;
    case NCS_EV_SLICE_START:
        if (get_int(w, d, "startUtcMs", true, 0, INT64_MAX, &n->start_utc_ms) != 0 ||
            get_int(w, d, "discontinueUtcMs", true, 0, INT64_MAX, &n->discontinue_utc_ms) != 0 ||
            get_uid_str(w, d, "streamUid", false, &n->stream_uid) != 0 ||
            get_str(w, d, "trackType", false, s, sizeof(s)) != 0)
            return 2;
        n->track = s[0] ? track_of(s) : -1;
        n->mixed_all_user = json_is_true(json_object_get(d, "mixedAllUser"));
        return 0;
    case NCS_EV_UPLOADED:
    case NCS_EV_FILE_INFOS:
        return read_files(w, d, n);
    default:
        return 0;
    }
}

static bool known_event(int e)
{
    return (e >= 1 && e <= 4) || (e >= 11 && e <= 13) || (e >= 30 && e <= 33) ||
           (e >= 40 && e <= 44);
}

/* The payload of a notice of cloud recording (w: the notice's line). */
static int parse_payload(const where_t *w, json_t *p, ncs_notice_t *n)
{
    where_t wp = *w;
    wp.obj = "payload.";
    int64_t seq = 0, st = 0;
    if (get_str(&wp, p, "cname", true, n->cname, sizeof(n->cname)) != 0 ||
        get_str(&wp, p, "sid", true, n->sid, sizeof(n->sid)) != 0 ||
        get_uid_str(&wp, p, "uid", true, &n->uid) != 0 ||
        get_int(&wp, p, "sequence", true, 0, UINT32_MAX, &seq) != 0 ||
        get_int(&wp, p, "sendts", true, 0, INT64_MAX, &n->sendts) != 0 ||
        get_int(&wp, p, "serviceType", false, 0, INT32_MAX, &st) != 0)
        return 2;
    n->sequence = (uint32_t)seq;
    n->service_type = (int)st;
    json_t *d = json_object_get(p, "details");
    if (d != NULL && !json_is_object(d))
        return bad(w, "payload.details must be an object");
    where_t wd = *w;
    wd.obj = "payload.details.";
    if (d != NULL)
        return read_details(&wd, d, n);
    json_t *none = json_object(); /* no details: as if each were absent */
    int rc = none == NULL ? bad(w, "out of memory") : read_details(&wd, none, n);
    json_decref(none);
    return rc;
}

/* 0 and !*skip_why: a notice; 0 and *skip_why: skipped (the caller warns);
 * 2: an error. */
static int parse_line(const where_t *w, const char *text, size_t len, ncs_notice_t *n,
                      const char **skip_why)
{
    json_error_t je;
    memset(n, 0, sizeof(*n));
    json_t *root = json_loadb(text, len, 0, &je);
    if (root == NULL)
        return not_json(w, &je);
    int rc = 2;
    int64_t v = 0;
    n->line = w->line;
    n->exit_status = -1;
    n->start_utc_ms = n->discontinue_utc_ms = -1;
    n->track = -1;
    json_t *id = json_object_get(root, "noticeId");
    json_t *p = json_object_get(root, "payload");
    if (!json_is_object(root)) {
        rc = bad(w, "a notice must be a JSON object");
    } else if (id == NULL || !(json_is_string(id) || json_is_integer(id))) {
        rc = bad(w, "noticeId is missing or neither a string nor an integer");
    } else if (get_int(w, root, "productId", true, 0, INT32_MAX, &v) == 0) {
        n->product_id = (int)v;
        if (json_is_string(id))
            snprintf(n->notice_id, sizeof(n->notice_id), "%s", json_string_value(id));
        else
            snprintf(n->notice_id, sizeof(n->notice_id), "%" PRId64,
                     (int64_t)json_integer_value(id));
        if (n->product_id != NCS_PRODUCT_RECORDING) {
            *skip_why = "a notice of another product";
            rc = 0;
        } else if (get_int(w, root, "eventType", true, 0, INT32_MAX, &v) != 0 ||
                   get_int(w, root, "notifyMs", false, 0, INT64_MAX, &n->notify_ms) != 0) {
            rc = 2;
        } else if ((n->event_type = (int)v), !known_event(n->event_type)) {
            *skip_why = "an event type the service does not document";
            rc = 0;
        } else if (!json_is_object(p)) {
            rc = bad(w, "payload is missing or not an object");
        } else {
            rc = parse_payload(w, p, n);
        }
    }
    json_decref(root);
    return rc;
}

/* ---- the window and the repeats ------------------------------------------ */

typedef struct {
    ncs_notice_t *heap;
    size_t n;
    uint64_t *ids_new, *ids_old; /* hashes of noticeIds: see repeat() */
    size_t ids_n;                 /* in ids_new */
    bool out_any;
    int64_t out_sendts;
    uint32_t out_seq;
} order_t;

static bool before(const ncs_notice_t *a, const ncs_notice_t *b)
{
    if (a->sendts != b->sendts)
        return a->sendts < b->sendts;
    if (a->sequence != b->sequence)
        return a->sequence < b->sequence;
    return a->line < b->line;
}

static void heap_push(order_t *o, const ncs_notice_t *x)
{
    size_t i = o->n++;
    o->heap[i] = *x;
    while (i > 0 && before(&o->heap[i], &o->heap[(i - 1) / 2])) {
        ncs_notice_t t = o->heap[i];
        o->heap[i] = o->heap[(i - 1) / 2];
        o->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static ncs_notice_t heap_pop(order_t *o)
{
    ncs_notice_t top = o->heap[0];
    o->heap[0] = o->heap[--o->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < o->n && before(&o->heap[l], &o->heap[m]))
            m = l;
        if (r < o->n && before(&o->heap[r], &o->heap[m]))
            m = r;
        if (m == i)
            break;
        ncs_notice_t t = o->heap[i];
        o->heap[i] = o->heap[m];
        o->heap[m] = t;
        i = m;
    }
    return top;
}

static uint64_t id_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* The noticeIds remembered: two generations of an open-addressing set of
 * their hashes. When the newer one is half full it becomes the older and
 * the older is forgotten, so that at least NCS_IDS_REMEMBERED / 2 of the
 * latest ids are always remembered, at O(1) a notice and fixed memory. A
 * repeat arrives within seconds of the first delivery, far inside that. */
#define IDS_GEN (NCS_IDS_REMEMBERED / 2) /* ids a generation holds */
#define IDS_SLOTS (2 * IDS_GEN)          /* slots: at most half full */

static bool ids_has(const uint64_t *set, uint64_t h)
{
    for (size_t i = h % IDS_SLOTS, k = 0; k < IDS_SLOTS; i = (i + 1) % IDS_SLOTS, k++) {
        if (set[i] == 0)
            return false;
        if (set[i] == h)
            return true;
    }
    return false;
}

/* A repeat of a notice seen? Else remembers it. */
static bool repeat(order_t *o, const char *id)
{
    uint64_t h = id_hash(id);
    h = h != 0 ? h : 1; /* 0 marks a free slot */
    if (ids_has(o->ids_new, h) || ids_has(o->ids_old, h))
        return true;
    if (o->ids_n == IDS_GEN) {
        uint64_t *t = o->ids_old;
        o->ids_old = o->ids_new;
        o->ids_new = t;
        memset(o->ids_new, 0, IDS_SLOTS * sizeof(*o->ids_new));
        o->ids_n = 0;
    }
    size_t i = h % IDS_SLOTS;
    while (o->ids_new[i] != 0)
        i = (i + 1) % IDS_SLOTS; /* ends: the set is at most half full */
    o->ids_new[i] = h;
    o->ids_n++;
    return false;
}

/* ---- the file ------------------------------------------------------------ */

typedef struct {
    const ncs_read_opts_t *opts;
    ncs_sink_fn *sink;
    void *ctx;
    ncs_read_stats_t *st;
    order_t order;
    FILE *warn;
} reader_t;

static void release(reader_t *r, ncs_notice_t *n)
{
    r->order.out_any = true;
    r->order.out_sendts = n->sendts;
    r->order.out_seq = n->sequence;
    r->st->notices++;
    r->sink(r->ctx, n);
    free(n->files);
}

static void warn(reader_t *r, const where_t *w, const char *what, const ncs_notice_t *n)
{
    if (n->product_id != NCS_PRODUCT_RECORDING)
        fprintf(r->warn, "%s:%" PRIu64 ": warning: %s (noticeId %s, productId %d): skipped\n",
                w->name, w->line, what, n->notice_id, n->product_id);
    else
        fprintf(r->warn, "%s:%" PRIu64 ": warning: %s (noticeId %s, eventType %d): skipped\n",
                w->name, w->line, what, n->notice_id, n->event_type);
}

/* One notice read: to the window, or skipped. */
static void take(reader_t *r, const where_t *w, ncs_notice_t *n)
{
    ncs_read_stats_t *st = r->st;
    if (r->opts->sid != NULL && strcmp(n->sid, r->opts->sid) != 0) {
        st->other_session++; /* asked for one session: the others are not news */
    } else if (repeat(&r->order, n->notice_id)) {
        st->duplicates++; /* NCS may deliver twice: not worth a warning */
    } else if (r->order.out_any && (n->sendts < r->order.out_sendts ||
                                    (n->sendts == r->order.out_sendts &&
                                     n->sequence < r->order.out_seq))) {
        st->late++;
        warn(r, w, "a notice that arrived too late to be put in order", n);
    } else {
        if (r->order.n == NCS_WINDOW) {
            ncs_notice_t first = heap_pop(&r->order);
            release(r, &first);
        }
        heap_push(&r->order, n);
        return;
    }
    free(n->files);
}

/* ---- lines --------------------------------------------------------------- */

typedef int line_fn(void *ctx, const where_t *w, const char *text, size_t len);

/* Each non-blank line of data to fn, with its number (counted on from
 * *lineno, which is left at the last line). */
static int each_line(const char *name, const char *data, size_t len, uint64_t *lineno,
                     line_fn *fn, void *ctx, char *err, size_t err_cap)
{
    where_t w = {name, *lineno, err, err_cap, NULL};
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < len;) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - data) : len;
        w.line++;
        size_t b = at;
        while (b < end && (data[b] == ' ' || data[b] == '\t' || data[b] == '\r'))
            b++;
        if (end - at > NCS_LINE_MAX)
            rc = bad(&w, "a line longer than %d bytes", NCS_LINE_MAX);
        else if (b < end)
            rc = fn(ctx, &w, data + b, end - b);
        at = end + 1;
    }
    *lineno = w.line;
    return rc;
}

static const char *last_newline(const char *p, size_t n)
{
    while (n > 0) {
        if (p[--n] == '\n')
            return p + n;
    }
    return NULL;
}

/* The file in blocks, so that a 2 GB log takes a fixed amount of memory: a
 * block ends at its last newline, and what follows starts the next. */
static int each_line_of_file(const char *path, uint64_t *lineno, line_fn *fn, void *ctx,
                             char *err, size_t err_cap)
{
    enum { BLOCK = 4 * NCS_LINE_MAX };
    /* `grep SID ncs.log | hasim check --ncs -` */
    FILE *f = sim_tr_open_input(&path);
    if (f == NULL) {
        snprintf(err, err_cap, "%s: error: cannot read: %s", path, strerror(errno));
        return 2;
    }
    char *buf = malloc(BLOCK);
    if (buf == NULL) {
        sim_tr_close_input(f);
        snprintf(err, err_cap, "%s: error: out of memory", path);
        return 2;
    }
    size_t have = 0;
    int rc = 0;
    for (bool eof = false; rc == 0 && !eof;) {
        size_t got = fread(buf + have, 1, BLOCK - have, f);
        eof = got == 0;
        have += got;
        const char *last = last_newline(buf, have);
        size_t use = eof ? have : last != NULL ? (size_t)(last - buf) + 1 : 0;
        if (!eof && use == 0 && have == BLOCK) {
            snprintf(err, err_cap, "%s:%" PRIu64 ": error: a line longer than %d bytes", path,
                     *lineno + 1, NCS_LINE_MAX);
            rc = 2;
            break;
        }
        rc = each_line(path, buf, use, lineno, fn, ctx, err, err_cap);
        memmove(buf, buf + use, have - use);
        have -= use;
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, err_cap, "%s: error: reading failed", path);
        rc = 2;
    }
    sim_tr_close_input(f);
    free(buf);
    return rc;
}

/* ---- the callback log ------------------------------------------------------ */

static int ncs_line(void *ctx, const where_t *w, const char *text, size_t len)
{
    reader_t *r = ctx;
    ncs_notice_t n;
    const char *why = NULL;
    r->st->lines = w->line;
    if (parse_line(w, text, len, &n, &why) != 0) {
        free(n.files);
        return 2;
    }
    if (why != NULL) {
        if (n.product_id != NCS_PRODUCT_RECORDING)
            r->st->other_product++;
        else
            r->st->unknown_event++;
        warn(r, w, why, &n);
        free(n.files);
        return 0;
    }
    take(r, w, &n);
    return 0;
}

static int reader_init(reader_t *r, const ncs_read_opts_t *o, ncs_sink_fn *sink, void *ctx,
                       ncs_read_stats_t *st)
{
    static const ncs_read_opts_t none = {NULL, NULL};
    memset(r, 0, sizeof(*r));
    memset(st, 0, sizeof(*st));
    r->opts = o != NULL ? o : &none;
    r->sink = sink;
    r->ctx = ctx;
    r->st = st;
    r->warn = r->opts->warnings != NULL ? r->opts->warnings : stderr;
    r->order.heap = malloc(NCS_WINDOW * sizeof(*r->order.heap));
    r->order.ids_new = calloc(IDS_SLOTS, sizeof(*r->order.ids_new));
    r->order.ids_old = calloc(IDS_SLOTS, sizeof(*r->order.ids_old));
    return r->order.heap != NULL && r->order.ids_new != NULL && r->order.ids_old != NULL ? 0
                                                                                          : -1;
}

/* What is still held back goes to the sink, in order (not after an error:
 * a verdict on part of a log would be a guess). */
static int reader_end(reader_t *r, int rc)
{
    while (r->order.n > 0) {
        ncs_notice_t n = heap_pop(&r->order);
        if (rc == 0)
            release(r, &n);
        else
            free(n.files);
    }
    free(r->order.heap);
    free(r->order.ids_new);
    free(r->order.ids_old);
    return rc;
}

int ncs_read_mem(const char *name, const char *data, size_t len, const ncs_read_opts_t *o,
                 ncs_sink_fn *sink, void *ctx, ncs_read_stats_t *st, char *err, size_t err_cap)
{
    reader_t r;
    uint64_t lineno = 0;
    if (reader_init(&r, o, sink, ctx, st) != 0) {
        snprintf(err, err_cap, "%s: error: out of memory", name);
        return reader_end(&r, 2);
    }
    return reader_end(&r, each_line(name, data, len, &lineno, ncs_line, &r, err, err_cap));
}

int ncs_read_file(const char *path, const ncs_read_opts_t *o, ncs_sink_fn *sink, void *ctx,
                  ncs_read_stats_t *st, char *err, size_t err_cap)
{
    reader_t r;
    uint64_t lineno = 0;
    if (reader_init(&r, o, sink, ctx, st) != 0) {
        snprintf(err, err_cap, "%s: error: out of memory", path);
        return reader_end(&r, 2);
    }
    return reader_end(&r, each_line_of_file(path, &lineno, ncs_line, &r, err, err_cap));
}

/* ---- the API log ------------------------------------------------------------ */

static int call_of(const char *s)
{
    static const char *const calls[] = {"start", "query", "update", "updateLayout", "stop"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(s, calls[i]) == 0)
            return i;
    }
    return -1;
}

static int parse_call(const where_t *w, const char *text, size_t len, ncs_call_t *c)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (root == NULL)
        return not_json(w, &je);
    char call[32], reason[NCS_STR_MAX];
    int64_t http = 0, code = 0, status = -1;
    memset(c, 0, sizeof(*c));
    c->line = w->line;
    int rc = !json_is_object(root) ? bad(w, "a call must be a JSON object")
             : get_int(w, root, "utc_ms", true, 0, INT64_MAX, &c->utc_ms) != 0 ||
                     get_str(w, root, "call", true, call, sizeof(call)) != 0 ||
                     get_str(w, root, "sid", false, c->sid, sizeof(c->sid)) != 0 ||
                     get_int(w, root, "http", true, 100, 599, &http) != 0 ||
                     get_int(w, root, "code", false, 0, INT32_MAX, &code) != 0 ||
                     get_str(w, root, "reason", false, reason, sizeof(reason)) != 0 ||
                     get_int(w, root, "status", false, 0, 20, &status) != 0
                 ? 2
                 : 0;
    if (rc == 0 && (c->call = call_of(call)) < 0)
        rc = bad(w, "call \"%s\" is not start, query, update, updateLayout or stop", call);
    c->http = (int)http;
    c->code = (int)code;
    c->status = (int)status;
    c->worker_404 = rc == 0 && c->http == 404 && strcmp(reason, NCS_WORKER_404) == 0;
    json_decref(root);
    return rc;
}

static int cmp_call(const void *a, const void *b)
{
    const ncs_call_t *x = a, *y = b;
    if (x->utc_ms != y->utc_ms)
        return x->utc_ms < y->utc_ms ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

typedef struct {
    ncs_call_t *v;
    size_t n;
} calls_t;

static int api_line(void *ctx, const where_t *w, const char *text, size_t len)
{
    calls_t *c = ctx;
    if (c->n == NCS_API_MAX)
        return bad(w, "more than %d calls", NCS_API_MAX);
    if (c->n % 1024 == 0) {
        ncs_call_t *grown = realloc(c->v, (c->n + 1024) * sizeof(*c->v));
        if (grown == NULL)
            return bad(w, "out of memory");
        c->v = grown;
    }
    int rc = parse_call(w, text, len, &c->v[c->n]);
    if (rc == 0)
        c->n++;
    return rc;
}

static int api_done(calls_t *c, int rc, ncs_call_t **out, size_t *n)
{
    if (rc != 0) {
        free(c->v);
        c->v = NULL;
        c->n = 0;
    } else if (c->n > 0) {
        qsort(c->v, c->n, sizeof(*c->v), cmp_call);
    }
    *out = c->v;
    *n = c->n;
    return rc;
}

int ncs_read_api(const char *path, ncs_call_t **out, size_t *n, char *err, size_t err_cap)
{
    calls_t c = {NULL, 0};
    uint64_t lineno = 0;
    return api_done(&c, each_line_of_file(path, &lineno, api_line, &c, err, err_cap), out, n);
}

int ncs_read_api_mem(const char *name, const char *data, size_t len, ncs_call_t **out,
                     size_t *n, char *err, size_t err_cap)
{
    calls_t c = {NULL, 0};
    uint64_t lineno = 0;
    return api_done(&c, each_line(name, data, len, &lineno, api_line, &c, err, err_cap), out, n);
}
