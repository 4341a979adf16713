/* oracle.c -- the contract's rules, judged one event at a time.
 *
 * The oracle keeps its own model of the run, built only from the trace:
 * which recorder serves each session (the last `started`/`resume`), which
 * activation is open, which recorders were switched away from (fenced),
 * which slices the world finished and which the center listed, which
 * playlists are open, how many recorder slots each server has taken. Every
 * C line is compared with what that model and the contract say it should
 * be; W lines only move the model.
 *
 * Some rules are about what must follow an event "at once" (a detect after
 * an exit report, a give-up after the 4th fault, callback 11 after an end,
 * fences when a server is back). Those become obligations due at the event's
 * t_ms: they are judged when the first event of a later millisecond arrives,
 * or at orc_finish(), so every line of that millisecond has had its chance.
 * Bounds in the future (the 30/60/90 s ones, the stop flush) are judged when
 * the activation or session closes, or at orc_finish(); the two that are
 * exact moments (R2's switch at 60 s, a cut-off server declared down 6 s
 * after its last heartbeat) are obligations like timers.
 *
 * This file holds the memory, the findings, the tables and the obligations,
 * and hands each event to its rules: oracle_world.c (W lines),
 * oracle_activation.c (detection to resume or end), oracle_servers.c
 * (servers declared down and back), oracle_files.c (slices and playlists),
 * oracle_api.c (API answers, callbacks). docs/oracle.md says what each rule
 * checks.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "oracle_impl.h"
#include "trace/prefetch.h"

/* ---- memory -------------------------------------------------------------- */

/* The oracle's tables grow with the run; a run that outgrows memory
 * cannot be judged, and a verdict on part of it would be a lie. */
static _Noreturn void orc_oom(void)
{
    fputs("hasim: oracle: out of memory\n", stderr);
    abort();
}

/* The next capacity for need: doubling while small, by an eighth past 64 Ki
 * elements, so that a region's tables (grown to the highest id) waste
 * little of what the zeroing makes resident. Still geometric: amortised
 * O(1). */
static size_t grown_cap(size_t cap, size_t need, size_t elem)
{
    size_t n = cap != 0 ? cap : 16;
    while (n < need) {
        assert(n <= SIZE_MAX / 2 / elem);
        n = n < 65536 ? n * 2 : n + n / 8;
    }
    return n;
}

void *orc_grow_to(void *p, size_t *cap, size_t need, size_t elem)
{
    void *q;

    if (need <= *cap)
        return p;
    const size_t n = grown_cap(*cap, need, elem);
    q = realloc(p, n * elem);
    if (q == NULL)
        orc_oom();
    memset((char *)q + *cap * elem, 0, (n - *cap) * elem);
    *cap = n;
    return q;
}

/* A line-aligned table is a realloc'd block with the table at the first
 * line boundary past its first byte; the byte before the table says how
 * far in that is, for the next realloc and for free. realloc keeps a large
 * block's pages (mremap) rather than copying them, so growing a region's
 * table never holds two copies; when the new block's boundary falls
 * elsewhere, the table moves within it. */
static size_t lines_shift(const void *raw)
{
    return ORC_LINE_BYTES - (size_t)((uintptr_t)raw % ORC_LINE_BYTES);
}

void *orc_grow_lines_to(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    const size_t n = grown_cap(*cap, need, elem);
    const size_t old_shift = p != NULL ? ((unsigned char *)p)[-1] : 0;
    char *raw = p != NULL ? (char *)p - old_shift : NULL;
    char *q = realloc(raw, n * elem + ORC_LINE_BYTES);
    if (q == NULL)
        orc_oom();
    const size_t shift = lines_shift(q);
    if (p != NULL && shift != old_shift)
        memmove(q + shift, q + old_shift, *cap * elem);
    q[shift - 1] = (char)shift;
    memset(q + shift + *cap * elem, 0, (n - *cap) * elem);
    *cap = n;
    return q + shift;
}

void orc_lines_free(void *p)
{
    if (p != NULL)
        free((char *)p - ((unsigned char *)p)[-1]);
}

/* Zeroed memory for a table that is built anew when it grows (the hash
 * indexes), from a 64-byte boundary. Small tables from calloc, aligned by
 * hand; large ones straight from mmap. Either way they come as zero pages
 * the kernel maps when first written (aligned_alloc and memset touched a
 * notice table's every page at once: 10 MB more peak RSS at 100 000
 * sessions). And a large table given back through free() raised glibc's
 * mmap threshold to its size, after which the oracle's growing arrays stayed
 * in the heap, where realloc leaves holes (a 32 MB notice table: 8 MB more
 * peak RSS in the region scenario). *mem is what orc_table_free takes. */
#define TABLE_MMAP_BYTES ((size_t)1 << 20)

static void *orc_table_new(size_t bytes, void **mem)
{
    if (bytes >= TABLE_MMAP_BYTES) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            orc_oom();
        *mem = p; /* page aligned */
        return p;
    }
    *mem = calloc(1, bytes + ORC_LINE_BYTES);
    if (*mem == NULL)
        orc_oom();
    uintptr_t p = (uintptr_t)*mem;
    return (void *)((p + ORC_LINE_BYTES - 1) & ~(uintptr_t)(ORC_LINE_BYTES - 1));
}

static void orc_table_free(void *mem, size_t bytes)
{
    if (mem == NULL)
        return;
    if (bytes >= TABLE_MMAP_BYTES)
        (void)munmap(mem, bytes);
    else
        free(mem);
}

orc_t *orc_new(void)
{
    orc_t *o = calloc(1, sizeof *o);

    if (o == NULL)
        return NULL;
    o->gen = 1;
    orc_reset(o);
    return o;
}

/* A new run's notice index (with orc_notice_seen, under tables). */
static void nt_reset(orc_t *o);

void orc_free(orc_t *o)
{
    if (o == NULL)
        return;
    orc_lines_free(o->sess);
    free(o->srv);
    free(o->rec);
    free(o->users);
    free(o->uids);
    orc_lines_free(o->pls);
    free(o->pl_names);
    free(o->strs);
    free(o->sls);
    orc_lines_free(o->lives);
    free(o->acts);
    free(o->pub);
    free(o->obs);
    free(o->ob_due);
    for (int k = 0; k < ORC_LANES; k++)
        free(o->lanes[k].q);
    orc_table_free(o->sl_mem, o->sl_tab_cap * sizeof *o->sl_slots);
    orc_table_free(o->nt_mem, o->nt_tab * sizeof *o->nt);
    free(o);
}

void orc_reset(orc_t *o)
{
    assert(o != NULL);
    if (o->sess != NULL)
        memset(o->sess, 0, o->sess_hi * sizeof *o->sess);
    if (o->srv != NULL)
        memset(o->srv, 0, o->srv_hi * sizeof *o->srv);
    if (o->rec != NULL)
        memset(o->rec, 0, o->rec_hi * sizeof *o->rec);
    o->sess_hi = o->srv_hi = o->rec_hi = 0;
    o->sls_lim = o->sl_tab = 0; /* a run's own, as in a fresh process (sls_lim) */
    o->users_n = o->uids_n = o->pls_n = o->sls_n = o->acts_n = o->obs_n = o->lives_n = 0;
    o->ob_min_due = INT64_MAX;
    o->ob_seq = 0;
    for (int k = 0; k < ORC_LANES; k++)
        o->lanes[k].n = 0;
    nt_reset(o);
    o->sl_dup = false;
    o->pl_names_n = 0;
    o->strs_n = 0;
    if (++o->gen == 0) {
        /* Wrapped after 2^32 runs: clear once so no old slot looks live. */
        if (o->sl_slots != NULL)
            memset(o->sl_slots, 0, o->sl_tab_cap * sizeof *o->sl_slots);
        o->gen = 1;
    }
    o->line = 0;
    o->last_t = 0;
    o->have_run = false;
    o->servers = o->capacity = o->sessions = 0;
    o->viol_n = o->notes_n = 0;
    o->viol_total = o->notes_total = 0;
    o->unjudged = 0;
    memset(o->checked, 0, sizeof o->checked);
    memset(o->violated, 0, sizeof o->violated);
}

/* ---- findings ------------------------------------------------------------ */

const char *orc_rule_name(int rule)
{
    static const char *const names[ORC_RULES] = {
        "EXPECT", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8",
        "R9", "R10", "R11", "R12", "R13", "R14", "NCS", "TRACE",
    };
    if (rule < 0 || rule >= ORC_RULES)
        return "?";
    return names[rule];
}

PRINTF_LIKE(3, 0)
static void fill(char *msg, const char *prefix, const char *fmt, va_list ap)
{
    int n = snprintf(msg, ORC_MSG_MAX, "%s: ", prefix);

    if (n < 0 || n >= ORC_MSG_MAX)
        return;
    vsnprintf(msg + n, ORC_MSG_MAX - (size_t)n, fmt, ap);
}

/* Evidence lines, without the unused and the repeated. */
static void set_lines(uint64_t out[4], uint64_t l0, uint64_t l1, uint64_t l2, uint64_t l3)
{
    const uint64_t in[4] = {l0, l1, l2, l3};
    int n = 0;

    memset(out, 0, 4 * sizeof out[0]);
    for (int i = 0; i < 4; i++) {
        bool dup = in[i] == 0;
        for (int j = 0; j < n && !dup; j++)
            dup = out[j] == in[i];
        if (!dup)
            out[n++] = in[i];
    }
}

PRINTF_LIKE(9, 10)
void orc_viol(orc_t *o, int rule, uint32_t sess, int64_t t, uint64_t l0, uint64_t l1,
                 uint64_t l2, uint64_t l3, const char *fmt, ...)
{
    va_list ap;

    assert(rule >= 0 && rule < ORC_RULES);
    o->viol_total++;
    o->violated[rule]++;
    if (o->viol_n == ORC_KEPT_MAX)
        return;
    orc_violation_t *v = &o->viol[o->viol_n++];
    v->rule = rule;
    v->sess = sess;
    v->t_ms = t;
    set_lines(v->lines, l0, l1, l2, l3);
    va_start(ap, fmt);
    fill(v->msg, orc_rule_name(rule), fmt, ap);
    va_end(ap);
}

/* The session's activation a note at t falls in (its latest one detected
 * by t, while open) is marked: its timings are not the rule's. */
static void mark_activation(orc_t *o, int assumption, uint32_t sess, int64_t t)
{
    for (size_t i = o->acts_n; sess != 0 && i-- > 0;) {
        orc_activation_t *p = &o->pub[i];
        if (p->sess != sess || p->t_detect > t)
            continue;
        if (p->t_resume < 0 || t <= p->t_resume)
            p->assumptions |= 1u << assumption;
        return;
    }
}

PRINTF_LIKE(9, 10)
void orc_note(orc_t *o, int assumption, uint32_t sess, int64_t t, uint64_t l0, uint64_t l1,
                 uint64_t l2, uint64_t l3, const char *fmt, ...)
{
    static const char *const names[ORC_ASSUMPTIONS] = {"A?", "A1", "A2", "A3", "A4"};
    va_list ap;

    assert(assumption >= 1 && assumption < ORC_ASSUMPTIONS);
    mark_activation(o, assumption, sess, t);
    o->notes_total++;
    if (o->notes_n == ORC_KEPT_MAX)
        return;
    orc_note_t *nt = &o->notes[o->notes_n++];
    nt->assumption = assumption;
    nt->sess = sess;
    nt->t_ms = t;
    set_lines(nt->lines, l0, l1, l2, l3);
    va_start(ap, fmt);
    fill(nt->msg, names[assumption], fmt, ap);
    va_end(ap);
}

/* ---- tables -------------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

const char *orc_call_word(int call)
{
    static const char *const w[] = {"start", "query", "update", "updateLayout", "stop"};
    return call >= 0 && call < 5 ? w[call] : "call";
}

const char *orc_track_word(int track)
{
    return track == SIM_TRACK_AUDIO ? "audio" : track == SIM_TRACK_VIDEO ? "video" : "mix";
}

bool orc_id_ok(orc_t *o, id_kind_t kind, uint32_t id)
{
    static const char *const words[] = {"session", "server", "recorder"};
    uint32_t max = orc_id_max(o, kind);

    if (id >= 1 && id <= max)
        return true;
    orc_viol(o, ORC_RULE_TRACE, 0, o->last_t, o->line, 0, 0, 0,
             "line %" PRIu64 " names %s %" PRIu32 ", outside 1..%" PRIu32, o->line, words[kind],
             id, max);
    return false;
}

sess_t *orc_sess_lookup(orc_t *o, uint32_t id)
{
    if (!orc_id_ok(o, ID_SESSION, id))
        return NULL;
    if (id >= o->sess_hi || o->sess[id].state == SS_NONE) {
        orc_viol(o, ORC_RULE_TRACE, id, o->last_t, o->line, 0, 0, 0,
                 "line %" PRIu64 " is about session %" PRIu32 ", which has no session line",
                 o->line, id);
        return NULL;
    }
    return &o->sess[id];
}

srv_t *orc_srv_of(orc_t *o, uint32_t id)
{
    if (!orc_id_ok(o, ID_SERVER, id))
        return NULL;
    if (id >= o->srv_hi) {
        o->srv = orc_grow(o->srv, &o->srv_cap, (size_t)id + 1, sizeof *o->srv);
        o->srv_hi = (size_t)id + 1;
    }
    return &o->srv[id];
}

rec_t *orc_rec_lookup(orc_t *o, uint32_t id)
{
    if (!orc_id_ok(o, ID_RECORDER, id))
        return NULL;
    if (id >= o->rec_hi || !o->rec[id].known) {
        orc_viol(o, ORC_RULE_TRACE, 0, o->last_t, o->line, 0, 0, 0,
                 "line %" PRIu64 " is about recorder %" PRIu32 ", which no recorder_start made",
                 o->line, id);
        return NULL;
    }
    return &o->rec[id];
}

/* A playlist's name is about 45 bytes in composite mode, 90 in individual
 * mode; the obligations of a lane fire about one a slice. */
#define PREFETCH_NAME_BYTES 96
#define PREFETCH_OBS_AHEAD 3

void orc_prefetch(const orc_t *o, uint32_t sess, uint32_t rec, int stage)
{
    if (stage == SIM_PREFETCH_RECORDS) {
        if (sess < o->sess_hi)
            SIM_PREFETCH(&o->sess[sess]); /* its head: one line */
        if (rec != 0 && rec < o->rec_hi)
            SIM_PREFETCH(&o->rec[rec]);
        return;
    }
    /* The session's head is in by now: a slice then reads its newest
     * playlist, that playlist's name and its first stream. */
    if (sess < o->sess_hi) {
        const sess_t *s = &o->sess[sess];
        if (s->pls != 0 && s->pls <= o->pls_n) {
            SIM_PREFETCH(&o->pls[s->pls - 1]);
            if (s->pls_name < o->pl_names_n)
                SIM_PREFETCH_BYTES(o->pl_names + s->pls_name, PREFETCH_NAME_BYTES);
        }
        if (s->lives != 0 && s->lives <= o->lives_n)
            SIM_PREFETCH(&o->lives[s->lives - 1]);
    }
    /* The R14 obligations that come due next (one a slice, 25 s after it)
     * read a session and a stream cold by then. Asked for here, after the
     * event that fired those due before: the heads now are the next
     * event's. */
    for (int k = 0; k < ORC_LANES; k++) {
        const ob_lane_t *l = &o->lanes[k];
        for (size_t i = 0; i < l->n && i < PREFETCH_OBS_AHEAD; i++) {
            const ob_t *b = ob_lane_at(l, i);
            if (b->sess < o->sess_hi)
                SIM_PREFETCH(&o->sess[b->sess]);
            if (b->kind == OB_LIVE && b->aux != 0 && b->aux <= o->lives_n)
                SIM_PREFETCH(&o->lives[b->aux - 1]);
        }
    }
}

act_t *orc_act_new(orc_t *o, sess_t *s, int k, int cause, int64_t t)
{
    size_t i = o->acts_n++;

    o->acts = orc_grow(o->acts, &o->acts_cap, o->acts_n, sizeof *o->acts);
    o->pub = orc_grow(o->pub, &o->pub_cap, o->acts_n, sizeof *o->pub);
    memset(&o->acts[i], 0, sizeof o->acts[i]);
    o->acts[i].t_healed = -1;
    o->acts[i].t_exit = -1;
    o->acts[i].t_flap_down = -1;
    orc_activation_t *p = &o->pub[i];
    p->sess = orc_sess_id(o, s);
    p->k = k;
    p->cause = cause;
    p->t_fault = -1;
    p->t_detect = t;
    p->t_switch = -1;
    p->t_resume = -1;
    p->same_server = false;
    p->t_end = -1;
    p->window_404_ms = -1;
    p->attempts = 0;
    p->assumptions = 0;
    s->act = (int)i;
    return &o->acts[i];
}

/* ---- the obligations' heap, by (due, seq) ------------------------------ */

static bool ob_before(const ob_t *a, const ob_t *b)
{
    return a->due != b->due ? a->due < b->due : a->seq < b->seq;
}

static void ob_sift_up(ob_t *h, size_t i)
{
    ob_t x = h[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ob_before(&x, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}

static void ob_sift_down(ob_t *h, size_t n, size_t i)
{
    ob_t x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ob_before(&h[c + 1], &h[c]))
            c++;
        if (!ob_before(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static int64_t ob_min_of(const orc_t *o)
{
    int64_t m = o->obs_n > 0 ? o->obs[0].due : INT64_MAX;
    for (int i = 0; i < ORC_LANES; i++) {
        if (o->lanes[i].n > 0 && ob_lane_at(&o->lanes[i], 0)->due < m)
            m = ob_lane_at(&o->lanes[i], 0)->due;
    }
    return m;
}

/* Twice the room, the ring's order kept: the part that had wrapped to the
 * front of the old block goes on past its end. */
static void ob_lane_grow(ob_lane_t *l)
{
    assert(l->n == l->cap);
    size_t old = l->cap;
    size_t cap = old != 0 ? 2 * old : 16;
    assert(cap <= SIZE_MAX / 2 / sizeof *l->q);
    ob_t *q = realloc(l->q, cap * sizeof *l->q);
    if (q == NULL)
        orc_oom();
    if (l->head != 0)
        memcpy(q + old, q, l->head * sizeof *q); /* head < old: no overlap */
    l->q = q;
    l->cap = cap;
}

/* Onto the lane of its delay (claiming a free one) when it is due no
 * earlier than that lane's last: then the lane stays in due order. */
static bool ob_lane_push(orc_t *o, const ob_t *b)
{
    int64_t delay = b->due - o->last_t;
    int free_lane = -1;
    for (int i = 0; i < ORC_LANES; i++) {
        if (o->lanes[i].n == 0) {
            if (free_lane < 0)
                free_lane = i;
            continue;
        }
        if (o->lanes[i].delay != delay)
            continue;
        if (ob_lane_at(&o->lanes[i], o->lanes[i].n - 1)->due > b->due)
            return false;
        free_lane = i;
        break;
    }
    if (free_lane < 0)
        return false;
    ob_lane_t *l = &o->lanes[free_lane];
    if (l->n == 0) {
        l->delay = delay;
        l->head = 0;
    }
    if (l->n == l->cap)
        ob_lane_grow(l);
    *ob_lane_at(l, l->n) = *b;
    l->n++;
    return true;
}

static void ob_push(orc_t *o, ob_t b)
{
    assert(!o->ob_firing && "firing an obligation never makes another");
    b.seq = o->ob_seq++;
    if (b.due < o->ob_min_due)
        o->ob_min_due = b.due;
    if (ob_lane_push(o, &b))
        return;
    o->obs = orc_grow(o->obs, &o->obs_cap, o->obs_n + 1, sizeof *o->obs);
    o->obs[o->obs_n] = b;
    ob_sift_up(o->obs, o->obs_n++);
}

void orc_ob_add(orc_t *o, ob_kind_t kind, int64_t due, uint32_t sess, int act,
                   uint32_t stamp, uint64_t line)
{
    ob_push(o, (ob_t){due, kind, sess, act, stamp, line, 0, 0, 0});
}

void orc_ob_add_aux(orc_t *o, ob_kind_t kind, int64_t due, uint32_t sess, int act, uint32_t stamp,
                    uint32_t aux, uint64_t line)
{
    ob_push(o, (ob_t){due, kind, sess, act, stamp, line, 0, aux, 0});
}

bool orc_failed_in(const uint32_t *failed, uint32_t n, uint32_t srv)
{
    for (uint32_t i = 0; i < n; i++) {
        if (failed[i] == srv)
            return true;
    }
    return false;
}

void orc_ob_add_srv(orc_t *o, ob_kind_t kind, int64_t due, uint32_t srv, uint32_t stamp,
                    uint64_t line)
{
    assert(kind == OB_SRV_DOWN || kind == OB_SRV_FENCES);
    assert(srv != 0);
    ob_push(o, (ob_t){due, kind, 0, -1, stamp, line, srv, 0, 0});
}

void orc_uid_add(orc_t *o, sess_t *s, uint32_t uid)
{
    o->uids = orc_grow(o->uids, &o->uids_cap, o->uids_n + 1, sizeof *o->uids);
    o->uids[o->uids_n] = (uid_t_){uid, o->line, s->uids};
    s->uids = (uint32_t)++o->uids_n;
}

const uid_t_ *orc_uid_find(const orc_t *o, const sess_t *s, uint32_t uid)
{
    for (uint32_t i = s->uids; i != 0; i = o->uids[i - 1].next) {
        if (o->uids[i - 1].uid == uid)
            return &o->uids[i - 1];
    }
    return NULL;
}

user_t *orc_user_find(const orc_t *o, const sess_t *s, uint32_t uid)
{
    for (uint32_t i = s->users; i != 0; i = o->users[i - 1].next) {
        if (o->users[i - 1].uid == uid)
            return &o->users[i - 1];
    }
    return NULL;
}

void orc_user_set(orc_t *o, sess_t *s, uint32_t uid, bool in)
{
    user_t *u = orc_user_find(o, s, uid);

    if (u == NULL) {
        o->users = orc_grow(o->users, &o->users_cap, o->users_n + 1, sizeof *o->users);
        o->users[o->users_n] = (user_t){uid, in, o->line, s->users};
        s->users = (uint32_t)++o->users_n;
        return;
    }
    u->in = in;
    u->line = o->line;
}

/* Slices, indexed by (sess, rec, uid, track, fmt, start). The three
 * words are folded by odd multipliers and mixed once, not mixed one after
 * another: every slice is hashed twice. What a lookup finds does not
 * depend on the hash: slices with the same key share a home slot, so they
 * are met in the order they were added whatever it is. */
static inline uint64_t sl_hash(uint32_t sess, uint32_t rec, uint32_t uid, int track, int fmt,
                               int64_t start)
{
    uint64_t stream = ((uint64_t)uid << 8) | ((uint64_t)(track & 15) << 4) | (uint64_t)(fmt & 15);
    uint64_t h = (((uint64_t)sess << 32) | rec) * 0xd6e8feb86659fd93u;
    h += stream * 0xa0761d6478bd642fu;
    h += (uint64_t)start * 0xe7037ed1a0b428dbu;
    return mix64(h);
}

static bool sl_same_key(const sl_t *a, const sl_t *b)
{
    return a->sess == b->sess && a->rec == b->rec && a->uid == b->uid && a->track == b->track &&
           a->fmt == b->fmt && a->start == b->start;
}

/* Slices with one key share a home slot, so the probe passes every slice
 * of x's key: that is where a second one shows (sl_dup). */
static void sl_index(orc_t *o, uint32_t idx)
{
    const sl_t *x = &o->sls[idx];
    size_t mask = o->sl_tab - 1;
    size_t i = sl_hash(x->sess, x->rec, x->uid, x->track, x->fmt, x->start) & mask;

    while (o->sl_slots[i].gen == o->gen) {
        if (sl_same_key(x, &o->sls[o->sl_slots[i].idx]))
            o->sl_dup = true;
        i = (i + 1) & mask;
    }
    o->sl_slots[i] = (orc_sl_slot_t){o->gen, idx};
}

/* Listed slices are done with: drop them before the table would grow, so
 * memory follows the slices in flight, not the length of the run (the
 * trace streams to a file; the judge must not keep it). A slice listed a
 * second time after that still breaks R8: it matches no finished slice. */
static void sl_compact(orc_t *o)
{
    size_t kept = 0;
    for (size_t i = 0; i < o->sls_n; i++) {
        if (!o->sls[i].listed)
            o->sls[kept++] = o->sls[i];
    }
    o->sls_n = kept;
    memset(o->sl_slots, 0, o->sl_tab * sizeof *o->sl_slots); /* gen is never 0 */
    for (size_t i = 0; i < o->sls_n; i++)
        sl_index(o, (uint32_t)i);
}

/* Room for one more slice: the listed ones dropped first, then the array
 * grown if that was not enough. */
ORC_NOINLINE static void sl_room(orc_t *o)
{
    if (o->sl_tab != 0)
        sl_compact(o);
    if (o->sls_n == o->sls_lim) {
        o->sls_lim = grown_cap(o->sls_lim, o->sls_n + 1, sizeof *o->sls);
        o->sls = orc_grow(o->sls, &o->sls_cap, o->sls_lim, sizeof *o->sls);
    }
}

/* Keeps the load at most one half: a table twice the size, rebuilt from
 * the slices. */
ORC_NOINLINE static void sl_rehash(orc_t *o)
{
    size_t n = o->sl_tab != 0 ? o->sl_tab * 2 : 256;
    if (n > o->sl_tab_cap) {
        orc_table_free(o->sl_mem, o->sl_tab_cap * sizeof *o->sl_slots);
        o->sl_slots = orc_table_new(n * sizeof *o->sl_slots, &o->sl_mem);
        o->sl_tab_cap = n;
    } else {
        memset(o->sl_slots, 0, n * sizeof *o->sl_slots);
    }
    o->sl_tab = n;
    for (size_t i = 0; i < o->sls_n; i++)
        sl_index(o, (uint32_t)i);
}

void orc_sl_add(orc_t *o, const sim_tr_ev_t *ev, int bak, bool legit)
{
    if (o->sls_n == o->sls_lim)
        sl_room(o);
    /* Written in place, field by field: a slot may hold a compacted or an
     * earlier run's slice. */
    o->sls[o->sls_n++] = (sl_t){.sess = ev->sess, .srv = ev->srv, .rec = ev->rec, .uid = ev->uid,
                                .track = ev->track, .fmt = ev->fmt, .start = ev->start_utc_ms,
                                .end = ev->end_utc_ms, .bak = bak, .legit = legit,
                                .line = o->line};
    if (o->sls_n * 2 > o->sl_tab)
        sl_rehash(o);
    else
        sl_index(o, (uint32_t)(o->sls_n - 1));
}

/* The finished slice a `slice` line lists, by the index (orc_sl_find
 * looked at the last one first). */
sl_t *orc_sl_probe(orc_t *o, const sim_tr_ev_t *ev)
{
    sl_t *listed = NULL;
    size_t mask, i;

    if (o->sl_tab == 0)
        return NULL;
    mask = o->sl_tab - 1;
    i = sl_hash(ev->sess, ev->rec, ev->uid, ev->track, ev->fmt, ev->start_utc_ms) & mask;
    for (; o->sl_slots[i].gen == o->gen; i = (i + 1) & mask) {
        sl_t *x = &o->sls[o->sl_slots[i].idx];
        if (orc_sl_is(x, ev)) {
            if (!x->listed)
                return x;
            listed = x;
        }
    }
    return listed;
}

/* Notice ids. The center counts them up, so a slot's home keeps each four
 * consecutive ids in the four slots of one 64-byte line and scatters the
 * groups (mix64 of the rest): a region's million notices then cost a miss
 * per four, where three arrays and a mixed home cost two or three each.
 * Ids of any other shape spread as mix64 spreads them. */
static size_t nt_home(uint64_t v, size_t mask)
{
    return (size_t)((v & 3) | mix64(v >> 2) << 2) & mask;
}

/* A new run's empty table: a large one is given back, so that the runs of a
 * swarm after a large one clear a small table, not the large one. */
static void nt_reset(orc_t *o)
{
    if (o->nt_tab > ORC_NT_TAB_MIN) {
        orc_table_free(o->nt_mem, o->nt_tab * sizeof *o->nt);
        o->nt_mem = NULL;
        o->nt = NULL;
        o->nt_tab = 0;
    } else if (o->nt_n > 0) {
        memset(o->nt, 0, o->nt_tab * sizeof *o->nt);
    }
    o->nt_n = 0;
}

/* Notice ids: returns the line that used v before, or 0 (and records it). */
uint64_t orc_notice_seen(orc_t *o, uint64_t v)
{
    size_t mask, i;

    assert(o->line > 0 && "line 0 marks an empty slot");
    if ((o->nt_n + 1) * 2 > o->nt_tab) {
        size_t n = o->nt_tab != 0 ? o->nt_tab * 2 : ORC_NT_TAB_MIN;
        void *mem;
        orc_nt_slot_t *t = orc_table_new(n * sizeof *t, &mem);
        for (size_t j = 0; j < o->nt_tab; j++) {
            if (o->nt[j].line == 0)
                continue;
            size_t k = nt_home(o->nt[j].val, n - 1);
            while (t[k].line != 0)
                k = (k + 1) & (n - 1);
            t[k] = o->nt[j];
        }
        orc_table_free(o->nt_mem, o->nt_tab * sizeof *o->nt);
        o->nt_mem = mem;
        o->nt = t;
        o->nt_tab = n;
    }
    mask = o->nt_tab - 1;
    for (i = nt_home(v, mask); o->nt[i].line != 0; i = (i + 1) & mask) {
        if (o->nt[i].val == v)
            return o->nt[i].line;
    }
    o->nt[i] = (orc_nt_slot_t){v, o->line};
    o->nt_n++;
    return 0;
}

/* ---- obligations --------------------------------------------------------- */

/* A session whose fault was reported (exit report, server down) but never
 * detected: R1 for a kill, R2 for a disconnect. */
ORC_NOINLINE static void ob_detect_fire(orc_t *o, const ob_t *b, const sess_t *s)
{
    if (s->detects != b->stamp || s->state != SS_RECORDING)
        return;
    if (b->kind == OB_DETECT_KILL) {
        orc_chk(o, 1);
        orc_viol(o, 1, b->sess, b->due, b->line, s->line, 0, 0,
                 "the exit report of recorder %" PRIu32 ", which serves session %" PRIu32
                 ", was not followed by a detect; a kill of the serving recorder is an "
                 "activation", s->serving_rec, b->sess);
    } else {
        orc_chk(o, 2);
        orc_viol(o, 2, b->sess, b->due, b->line, s->line, 0, 0,
                 "server %" PRIu32 " was declared down but session %" PRIu32
                 ", which it serves, got no detect; a disconnect of the serving server is an "
                 "activation", s->serving_srv, b->sess);
    }
}

/* The end of a session, once every callback had time to come: callback 11
 * as it ended, every playlist closed after a stop (R12), every finished
 * slice listed (R8). */
ORC_NOINLINE static void ob_end_fire(orc_t *o, const ob_t *b, sess_t *s)
{
    int rule = s->end_rule;
    orc_chk(o, rule);
    if (!s->cb11)
        orc_viol(o, rule, b->sess, b->due, s->end_line, 0, 0, 0,
                 "session %" PRIu32 " ended (exit %d) with no callback 11 (session_exit)",
                 b->sess, s->end_exit);
    else if (s->cb11_exit != s->end_exit)
        orc_viol(o, rule, b->sess, b->due, s->end_line, s->cb11_line, 0, 0,
                 "callback 11 of session %" PRIu32 " says exitStatus %d; the session ended "
                 "with exit %d", b->sess, s->cb11_exit, s->end_exit);
    else if (s->cb11_t != s->t_end)
        orc_viol(o, rule, b->sess, s->cb11_t, s->end_line, s->cb11_line, 0, 0,
                 "callback 11 of session %" PRIu32 " was sent at %" PRId64
                 " ms; the session ended at %" PRId64 " ms",
                 b->sess, s->cb11_t, s->t_end);
    for (uint32_t i = rule == 12 ? s->pls : 0; i != 0; i = o->pls[i - 1].next) {
        const pl_t *p = &o->pls[i - 1];
        if (p->open)
            orc_viol(o, 12, b->sess, b->due, s->end_line, p->open_line, s->stop_line, 0,
                     "playlist %s of session %" PRIu32 " was still open when the session "
                     "ended after a stop; R12 closes every playlist",
                     orc_pl_name(o, p), b->sess);
    }
    if (s->pending_slices == 0)
        return;
    for (size_t i = 0; i < o->sls_n; i++) {
        const sl_t *x = &o->sls[i];
        if (x->sess != b->sess || !x->legit || x->listed)
            continue;
        orc_chk(o, 8);
        orc_viol(o, 8, b->sess, b->due, x->line, s->end_line, 0, 0,
                 "the %s slice %" PRId64 "..%" PRId64 " that recorder %" PRIu32
                 " finished for session %" PRIu32 " was never listed before the session "
                 "ended", orc_track_word(x->track), x->start, x->end, x->rec, b->sess);
    }
    s->pending_slices = 0;
}

/* R2: 60 s after a disconnect's detection the session must have switched
 * (or reconnected); at once after the exit report of its recorder; and
 * after a return cut short, when the minute is over. */
ORC_NOINLINE static void ob_switch_fire(orc_t *o, const ob_t *b, sess_t *s, act_t *a)
{
    if (a == NULL || !a->open || s->act != b->act || a->switches > 0)
        return;
    /* Once the server came back in time with its recorder alive, the
     * center rightly went to reconnect, and the minute binds it again only
     * if the server goes away before the rejoin (SW_FLAP, until it is back
     * once more); a rejoin that times out (A4) is bounded by R3 alone. */
    if ((b->stamp == SW_MINUTE && a->reconnect_owed) ||
        (b->stamp == SW_FLAP && a->flap_gen != b->aux))
        return;
    orc_chk(o, 2);
    if (a->tries > 0)
        return; /* it looked and found no server: oracle_trying.c judged the look */
    orc_chk(o, 11);
    orc_a1_check(o, s, a, "when the switch was due");
    if (a->broken == 1 && a->t_exit < 0) {
        /* No server to switch to is no reason not to look for one. */
        orc_viol(o, 11, b->sess, b->due, a->det_line, b->line, 0, 0,
                 "session %" PRIu32 " neither switched away from server %" PRIu32
                 " nor looked for a server at %" PRId64 " ms, %" PRId64 " ms after detecting "
                 "the disconnect", b->sess, a->srv, b->due, b->due - o->pub[b->act].t_detect);
        return;
    }
    if (a->t_exit >= 0 && a->t_exit <= b->due)
        orc_timing(o, 2, a, b->due, a->det_line, a->exit_line,
                   "session %" PRIu32 " had not switched away from server %" PRIu32
                   " at %" PRId64 " ms, when the exit report of its killed recorder %" PRIu32
                   " arrived; R2 switches at once",
                   b->sess, a->srv, a->t_exit, a->rec);
    else if (b->stamp == SW_FLAP)
        orc_timing(o, 2, a, b->due, a->det_line, a->flap_line,
                   "session %" PRIu32 " had not switched away from server %" PRIu32 " at %" PRId64
                   " ms; its return was cut short (declared down again at %" PRId64 " ms), and "
                   "R2 switches when the %d ms after detection are over, or at once if they are",
                   b->sess, a->srv, b->due, a->t_flap_down, ORC_RECONNECT_WINDOW_MS);
    else
        orc_timing(o, 2, a, b->due, a->det_line, a->heal_line,
                   "session %" PRIu32 " had not switched away from server %" PRIu32 " %d ms "
                   "after detecting the disconnect; R2 switches then",
                   b->sess, a->srv, ORC_RECONNECT_WINDOW_MS);
}

/* R5: the 4th fault's detection ends the session at once. */
ORC_NOINLINE static void ob_give_up_fire(orc_t *o, const ob_t *b, const sess_t *s)
{
    orc_chk(o, 5);
    if (s->state != SS_ENDED)
        orc_viol(o, 5, b->sess, b->due, b->line, 0, 0, 0,
                 "session %" PRIu32 " was not ended when its 4th fault was detected; R5 allows "
                 "%d activations, the next fault gives up at once",
                 b->sess, ORC_ACTIVATIONS_MAX);
}

/* R4: the center closes every playlist of the session at detection, in the
 * same millisecond; none stays open into the HA window. */
ORC_NOINLINE static void ob_pl_closed_fire(orc_t *o, const ob_t *b, const sess_t *s)
{
    if (s->act != b->act)
        return; /* a new recording under the same number */
    for (uint32_t i = s->pls; i != 0; i = o->pls[i - 1].next) {
        const pl_t *p = &o->pls[i - 1];
        orc_chk(o, 4);
        if (p->open && p->open_line < b->line)
            orc_viol(o, 4, b->sess, b->due, b->line, p->open_line, 0, 0,
                     "playlist %s of session %" PRIu32 " was still open after the detection "
                     "of activation %d; the center closes every playlist at detection",
                     orc_pl_name(o, p), b->sess, o->pub[b->act].k);
    }
}

/* The handlers of the seldom kinds are out of line: nearly every
 * obligation is a stream's next slice (OB_LIVE), and this is a switch. */
static void ob_fire(orc_t *o, const ob_t *b)
{
    if (b->kind == OB_SRV_DOWN || b->kind == OB_SRV_FENCES) {
        orc_srv_ob_fire(o, b); /* about a server, not a session */
        return;
    }
    sess_t *s = &o->sess[b->sess];
    switch (b->kind) {
    case OB_DETECT_KILL:
    case OB_DETECT_DOWN:
        ob_detect_fire(o, b, s);
        return;
    case OB_GIVE_UP:
        ob_give_up_fire(o, b, s);
        return;
    case OB_END:
        ob_end_fire(o, b, s);
        return;
    case OB_SWITCH:
        /* act is an activation here (OB_LIVE keeps a generation in it) */
        ob_switch_fire(o, b, s, b->act >= 0 ? &o->acts[b->act] : NULL);
        return;
    case OB_TRY:
        orc_try_ob_fire(o, b, s);
        return;
    case OB_START:
        orc_start_ob_fire(o, b, s);
        return;
    case OB_PL_CLOSED:
        ob_pl_closed_fire(o, b, s);
        return;
    case OB_LIVE:
        orc_live_ob_fire(o, b, s);
        return;
    case OB_SRV_DOWN:
    case OB_SRV_FENCES:
        return; /* handled above */
    }
}

static int ob_seq_cmp(const void *x, const void *y)
{
    const ob_t *a = x, *b = y;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Into the order they were made (seq is unique, so any sort gives the
 * same). One ob_run takes a handful: an insertion sort, where qsort cost
 * more than firing them; qsort for the rare long list. */
static void ob_sort_seq(ob_t *a, size_t n)
{
    if (n > 16) {
        qsort(a, n, sizeof *a, ob_seq_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        if (a[i].seq > a[i - 1].seq)
            continue;
        ob_t x = a[i];
        size_t j = i;
        do {
            a[j] = a[j - 1];
            j--;
        } while (j > 0 && a[j - 1].seq > x.seq);
        a[j] = x;
    }
}

/* The obligations taken out of the heap (n of them, in o->ob_due) judged in
 * the order they were made. */
static void ob_fire_taken(orc_t *o, size_t n)
{
    ob_sort_seq(o->ob_due, n);
    o->ob_firing = true;
    for (size_t i = 0; i < n; i++)
        ob_fire(o, &o->ob_due[i]);
    o->ob_firing = false;
}

static void ob_take(orc_t *o, size_t n, const ob_t *b)
{
    o->ob_due = orc_grow(o->ob_due, &o->ob_due_cap, n + 1, sizeof *o->ob_due);
    o->ob_due[n] = *b;
}

/* Every obligation judged at the run's end: due ones fired, the rest
 * counted as unjudged when the run ended too early to tell. */
static void ob_run_end(orc_t *o, int64_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < o->obs_n; i++)
        ob_take(o, n++, &o->obs[i]);
    o->obs_n = 0;
    for (int k = 0; k < ORC_LANES; k++) {
        for (size_t i = 0; i < o->lanes[k].n; i++)
            ob_take(o, n++, ob_lane_at(&o->lanes[k], i));
        o->lanes[k].n = 0;
    }
    o->ob_min_due = INT64_MAX;
    ob_sort_seq(o->ob_due, n);
    o->ob_firing = true;
    for (size_t i = 0; i < n; i++) {
        const ob_t *b = &o->ob_due[i];
        /* Timer-like: due at a moment the run's end may cut off (a timer
         * at the horizon never fires), so judged only when passed. */
        bool timer = b->kind == OB_SWITCH || b->kind == OB_SRV_DOWN || b->kind == OB_TRY ||
                     b->kind == OB_START || b->kind == OB_LIVE;
        if (timer ? b->due < now : b->due <= now) {
            ob_fire(o, b);
            continue;
        }
        /* A bound the run ended too early to judge. A stream owing its next
         * slice, or a session owing its next look, is not one: the run
         * simply stopped watching. */
        bool live = b->kind == OB_SRV_DOWN ? orc_srv_ob_live(o, b)
                    : b->kind == OB_START  ? o->sess[b->sess].state == SS_STARTING
                                           : b->kind != OB_LIVE && b->kind != OB_TRY;
        if (timer && live)
            o->unjudged++;
    }
    o->ob_firing = false;
}

/* Judges the obligations due before now: off the heap in due order, then
 * fired in the order they were made. Out of line: inlined, it made every
 * event of orc_event save and restore the registers it needs, where one
 * event in five or so has obligations due. */
ORC_NOINLINE static void ob_run(orc_t *o, int64_t now)
{
    size_t n = 0;
    while (o->obs_n > 0 && o->obs[0].due < now) {
        ob_take(o, n++, &o->obs[0]);
        o->obs[0] = o->obs[--o->obs_n];
        if (o->obs_n > 0)
            ob_sift_down(o->obs, o->obs_n, 0);
    }
    for (int k = 0; k < ORC_LANES; k++) {
        ob_lane_t *l = &o->lanes[k];
        while (l->n > 0 && ob_lane_at(l, 0)->due < now) {
            ob_take(o, n++, ob_lane_at(l, 0));
            l->head = (l->head + 1) & (l->cap - 1);
            l->n--;
        }
    }
    o->ob_min_due = ob_min_of(o);
    ob_fire_taken(o, n);
}

/* Judges and drops every obligation of one session, due or not (rare: a
 * session started again after it ended). */
void orc_ob_flush_sess(orc_t *o, uint32_t sess)
{
    size_t w = 0, n = 0;

    assert(!o->ob_firing);
    for (size_t i = 0; i < o->obs_n; i++) {
        ob_t b = o->obs[i];
        if (b.sess == sess && b.srv == 0)
            ob_take(o, n++, &b);
        else
            o->obs[w++] = b;
    }
    o->obs_n = w;
    for (size_t i = w / 2; i-- > 0;)
        ob_sift_down(o->obs, o->obs_n, i);
    for (int k = 0; k < ORC_LANES; k++) {
        ob_lane_t *l = &o->lanes[k];
        size_t kept = 0;
        for (size_t i = 0; i < l->n; i++) {
            ob_t b = *ob_lane_at(l, i);
            if (b.sess == sess && b.srv == 0)
                ob_take(o, n++, &b);
            else
                *ob_lane_at(l, kept++) = b; /* kept <= i: behind the reading */
        }
        l->n = kept;
    }
    o->ob_min_due = ob_min_of(o);
    ob_fire_taken(o, n);
}

/* ---- events -------------------------------------------------------------- */

void orc_event(orc_t *o, const sim_tr_ev_t *ev)
{
    assert(o != NULL && ev != NULL);
    o->line++;
    if (ev->t_ms > o->ob_min_due)
        ob_run(o, ev->t_ms);
    o->last_t = ev->t_ms;

    switch (ev->kind) {
    case SIM_TR_RUN: orc_on_run(o, ev); break;
    case SIM_TR_SESSION: orc_on_session(o, ev); break;
    case SIM_TR_API: orc_on_api(o, ev); break;
    case SIM_TR_FAULT: orc_on_fault(o, ev); break;
    case SIM_TR_EXIT_REPORT: orc_on_exit_report(o, ev); break;
    case SIM_TR_USER: orc_on_user(o, ev); break;
    case SIM_TR_DETECT: orc_on_detect(o, ev); break;
    case SIM_TR_SERVER_DOWN: orc_on_server_down(o, ev); break;
    case SIM_TR_SERVER_UP: orc_on_server_up(o, ev); break;
    case SIM_TR_RECONNECTING: orc_on_reconnecting(o, ev); break;
    case SIM_TR_RECONNECTED: orc_on_reconnected(o, ev); break;
    case SIM_TR_SWITCH: orc_on_switch(o, ev); break;
    case SIM_TR_ATTEMPT_FAILED: orc_on_attempt_failed(o, ev); break;
    case SIM_TR_RECORDER_START: orc_on_recorder_start(o, ev); break;
    case SIM_TR_RECORDER_RESUME: orc_on_recorder_resume(o, ev); break;
    case SIM_TR_RECORDER_READY: orc_on_recorder_ready(o, ev); break;
    case SIM_TR_RECORDER_FAILED: orc_on_recorder_failed(o, ev); break;
    case SIM_TR_RECORDER_STOP: orc_on_recorder_stop(o, ev); break;
    case SIM_TR_RECORDER_EXITED: orc_on_recorder_exited(o, ev); break;
    case SIM_TR_STARTED: orc_on_started(o, ev); break;
    case SIM_TR_RESUME: orc_on_resume(o, ev); break;
    case SIM_TR_SLICE_DONE: orc_on_slice_done(o, ev); break;
    case SIM_TR_SLICE_LOST: break; /* cut by a fault: not data the contract keeps */
    case SIM_TR_PLAYLIST_OPEN: orc_on_playlist_open(o, ev); break;
    case SIM_TR_SLICE: orc_on_slice(o, ev); break;
    case SIM_TR_PLAYLIST_CLOSE: orc_on_playlist_close(o, ev); break;
    case SIM_TR_CALLBACK: orc_on_callback(o, ev); break;
    case SIM_TR_FENCED: orc_on_fenced(o, ev); break;
    case SIM_TR_GIVE_UP: orc_on_give_up(o, ev); break;
    case SIM_TR_END: orc_on_end(o, ev); break;
    case SIM_TR_WAIT_CAPACITY: orc_on_wait_capacity(o, ev); break;
    case SIM_TR_RECORDER_REJOINED: orc_on_recorder_rejoined(o, ev); break;
    case SIM_TR_RUN_END: orc_on_run_end(o, ev); break;
    case SIM_TR_KIND_COUNT: assert(!"not a kind"); break;
    }
}

void orc_sink(void *ctx, const sim_tr_ev_t *ev) { orc_event((orc_t *)ctx, ev); }

void orc_finish(orc_t *o, int64_t end_t_ms)
{
    assert(o != NULL);
    ob_run_end(o, end_t_ms);
    for (size_t id = 1; id < o->sess_hi; id++) {
        sess_t *s = &o->sess[id];
        uint32_t sid = (uint32_t)id;

        if (s->state == SS_WINDOW) {
            act_t *a = &o->acts[s->act];
            const orc_activation_t *p = &o->pub[s->act];
            int64_t deadline = p->t_detect + ORC_DEADLINE_MS;
            if (p->cause == SIM_CAUSE_KILL && end_t_ms <= p->t_detect + ORC_KILL_RESUME_MS_MAX)
                o->unjudged++;
            orc_judge_unresumed(o, a, end_t_ms, o->line, true);
            orc_chk(o, 3);
            if (end_t_ms > deadline)
                orc_viol(o, 3, sid, deadline, a->det_line, 0, 0, 0,
                         "session %" PRIu32 " neither resumed nor ended by the deadline, %d ms "
                         "after detection; the run ended %" PRId64 " ms after detection",
                         sid, ORC_DEADLINE_MS, end_t_ms - p->t_detect);
            else
                o->unjudged++;
        }
        if (s->state == SS_STOPPING) {
            orc_chk(o, 12);
            if (end_t_ms > s->t_stop + ORC_STOP_FLUSH_MS_MAX)
                orc_viol(o, 12, sid, s->t_stop + ORC_STOP_FLUSH_MS_MAX, s->stop_line, 0, 0, 0,
                         "session %" PRIu32 " had not ended %" PRId64 " ms after the stop was "
                         "accepted, when the run ended; R12 allows %d ms",
                         sid, end_t_ms - s->t_stop, ORC_STOP_FLUSH_MS_MAX);
            else
                o->unjudged++;
        }
        if (s->failover_due) {
            orc_chk(o, 7);
            orc_viol(o, 7, sid, end_t_ms, s->failover_line, 0, 0, 0,
                     "session %" PRIu32 " resumed on another server as uid %" PRIu32
                     " but sent no callback 12 (session_failover) by the end of the run",
                     sid, s->failover_uid);
            s->failover_due = false;
        }
        if (s->state != SS_ENDED && s->pending_slices > 0) {
            for (size_t i = 0; i < o->sls_n; i++) {
                const sl_t *x = &o->sls[i];
                if (x->sess != sid || !x->legit || x->listed)
                    continue;
                orc_chk(o, 8);
                orc_viol(o, 8, sid, end_t_ms, x->line, 0, 0, 0,
                         "the %s slice %" PRId64 "..%" PRId64 " that recorder %" PRIu32
                         " finished for session %" PRIu32 " was never listed",
                         orc_track_word(x->track), x->start, x->end, x->rec, sid);
            }
            s->pending_slices = 0;
        }
    }
}

/* ---- results ------------------------------------------------------------- */

const orc_violation_t *orc_violations(const orc_t *o, size_t *n)
{
    *n = o->viol_n;
    return o->viol;
}

static bool cause_before(const orc_violation_t *a, const orc_violation_t *b)
{
    bool ra = a->rule >= 1 && a->rule <= ORC_CONTRACT_RULES;
    bool rb = b->rule >= 1 && b->rule <= ORC_CONTRACT_RULES;
    if (a->t_ms != b->t_ms)
        return a->t_ms < b->t_ms;
    return ra && !rb;
}

size_t orc_groups(const orc_t *o, orc_group_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < o->viol_n; i++) {
        const orc_violation_t *v = &o->viol[i];
        size_t g = 0;
        while (g < n && out[g].sess != v->sess)
            g++;
        if (g == n) {
            out[n++] = (orc_group_t){i, v->sess, 0, 0};
            continue;
        }
        out[g].more++;
        const orc_violation_t *f = &o->viol[out[g].first];
        if (cause_before(v, f)) {
            out[g].more_rules |= 1u << f->rule;
            out[g].first = i;
        } else {
            out[g].more_rules |= 1u << v->rule;
        }
    }
    /* Insertion sort by the first cause's time: a few dozen groups. */
    for (size_t i = 1; i < n; i++) {
        orc_group_t g = out[i];
        size_t j = i;
        while (j > 0 && cause_before(&o->viol[g.first], &o->viol[out[j - 1].first])) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = g;
    }
    return n;
}

const orc_note_t *orc_notes(const orc_t *o, size_t *n)
{
    *n = o->notes_n;
    return o->notes;
}

uint64_t orc_violation_count(const orc_t *o) { return o->viol_total; }
uint64_t orc_note_count(const orc_t *o) { return o->notes_total; }

uint64_t orc_violated(const orc_t *o, int rule)
{
    return rule >= 0 && rule < ORC_RULES ? o->violated[rule] : 0;
}

uint64_t orc_checked(const orc_t *o, int rule)
{
    return rule >= 0 && rule < ORC_RULES ? o->checked[rule] : 0;
}

uint64_t orc_unjudged(const orc_t *o) { return o->unjudged; }
uint64_t orc_lines(const orc_t *o) { return o->line; }

const orc_activation_t *orc_activations(const orc_t *o, size_t *n)
{
    *n = o->acts_n;
    return o->pub;
}
