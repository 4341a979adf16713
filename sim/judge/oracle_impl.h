/* oracle_impl.h -- the oracle's model of a run, shared by its files.
 *
 * Internal to sim/oracle*.c; callers use oracle.h. The model is built only
 * from trace lines: no function here calls into src/, and the contract's
 * numbers come from oracle_contract.h, never from ha_policy.h.
 */
#ifndef SIM_ORACLE_IMPL_H
#define SIM_ORACLE_IMPL_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracle.h"
#include "oracle_contract.h"
#include "oracle_names.h"

#define ID_MAX (1u << 24)  /* largest session, server or recorder id taken: a region (10^6 sessions) and its recorders */
#define ORC_LINE_BYTES 64  /* a cache line: what a table a slice reads is aligned to */
#define ORC_LANES 8       /* FIFO lanes of the obligations (struct orc) */
#define ORC_NT_TAB_MIN 256 /* notice id slots a run starts with (a power of two) */
#define STR_MAX 130        /* sid and cname kept per session, NUL included */

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
/* Out of line: for what is seldom run beside what is run all the time,
 * which would otherwise save the registers it needs on every call. */
#define ORC_NOINLINE __attribute__((noinline))
#else
#define PRINTF_LIKE(f, a)
#define ORC_NOINLINE
#endif

/* ---- the model ---------------------------------------------------------- */

typedef enum {
    SS_NONE,      /* no session line yet */
    SS_STARTING,  /* session accepted, first recorder not started */
    SS_RECORDING, /* a recorder serves it */
    SS_WINDOW,    /* an activation is open: detected, not resumed */
    SS_GIVING_UP, /* the 4th fault was detected; the session must end now */
    SS_STOPPING,  /* a stop was accepted */
    SS_ENDED
} sess_state_t;

typedef struct {
    uint32_t uid;
    bool in; /* in the channel now */
    uint64_t line;
    uint32_t next; /* index + 1 in the pool, 0 ends the list */
} user_t;

typedef struct {
    uint32_t uid;
    uint64_t line;
    uint32_t next;
} uid_t_;

typedef struct {
    uint32_t uid;
    int track, bak;
    bool open;
    int64_t last_end; /* end of the last entry, INT64_MIN none */
    uint64_t open_line, close_line, last_line;
    uint32_t next;
    uint32_t name; /* offset of its name in the run's name arena (orc_pl_name) */
    bool name_is_r4; /* that name is the one R4 gives (checked at its open) */
    uint16_t name_len; /* its length: every slice of the stream compares its stem */
} pl_t;

typedef struct {
    uint32_t sess, srv, rec, uid;
    int track, fmt;
    int64_t start, end;
    int bak;    /* the session's name generation when it was finished */
    bool legit; /* from the serving recorder of a live session: must be listed */
    bool listed;
    uint64_t line, list_line;
} sl_t;

typedef struct {
    /* A slice reads these: known and fenced on the record's first line. */
    bool known, fenced;
    uint32_t sess, srv, uid;
    int bak;
    int act; /* activation it was started for; -1: the first recorder */
    int64_t t_start, t_ready, t_kill, t_resume_cmd;
    uint64_t start_line, kill_line, report_line, fence_line, resume_cmd_line;
    bool ready, failed, killed, reported, exited, abandoned, slot, rejoined;
    bool report_held; /* killed while its host was cut off: A2 does not apply */
    int64_t gop_ms;   /* its video I-frame interval (ready line), 0 unknown */
    /* R9 on a server's return: the session let it go (switched away,
     * abandoned the attempt, or ended) and the center must fence it. */
    bool let_go, fence_judged;
    uint64_t let_go_line;
    uint64_t stop_fence_line; /* the center's recorder_stop how=fence, 0 none */
    uint64_t fenced_line;     /* the center's fenced line, 0 none */
    /* The same lines written while its server's link was down (by the
     * world's lines): the order went into the cut link and was lost, so
     * they do not count, unless the link comes back before the center
     * declares the server down (it cannot know then). 0 none. */
    uint64_t stop_lost_line, fenced_lost_line;
    uint32_t next; /* the session's recorders, by id; 0 ends */
} rec_t;

typedef struct {
    uint32_t used; /* recorder slots taken */
    bool link_down, crashed, center_down;
    int64_t t_down; /* W: last disconnect or crash */
    uint64_t down_line;
    uint64_t heal_line; /* W: last heal, 0 none */
    int64_t t_center_down; /* C: its last server_down */
    uint64_t center_down_line;
    /* R2's detection: cut off after a heartbeat at hb_last, the server is
     * owed a server_down at exactly hb_last + the timeout (unless it heals
     * first). hb_gen tells a stale obligation from the live one. */
    bool hb_known; /* the cut that began this outage carried last_hb_ms */
    bool hb_owed;
    int64_t hb_last, hb_cut;
    uint64_t hb_fault_line;
    uint32_t hb_gen;
} srv_t;

#define FAILED_SRV_MAX 16 /* servers remembered as failed in one activation */

typedef struct {
    bool open;
    uint32_t srv, rec; /* the serving recorder that failed */
    uint32_t failed_srv[FAILED_SRV_MAX]; /* it and the replacements' that failed */
    uint32_t failed_n;
    uint32_t cur_rec;  /* replacement being started, 0 none */
    uint32_t last_failed_srv;
    uint32_t switches;
    uint32_t tries;    /* switches and looks for capacity (R11: keep trying) */
    uint64_t det_line, first_switch_line, broken_line;
    int broken; /* 0, or 1 (A1) / 3 (A3): the switch timing is not judged */
    bool a4_broken;
    int64_t t_healed; /* the failed server's link came back, -1 not */
    uint64_t heal_line;
    bool reconnect_owed; /* it came back in time, its recorder not known dead */
    int64_t t_exit; /* exit report of the failed recorder (disconnect path) */
    uint64_t exit_line;
    /* R2 after a return cut short: the center went to reconnect, then
     * declared the server down again before the recorder rejoined. It waits
     * out the minute for the server all the same. */
    uint32_t flap_gen;   /* bumped at each server_down and server_up of srv */
    int64_t t_flap_down; /* that server_down, -1 none */
    uint64_t flap_line;
    bool rejoin_cut;     /* the rejoin asked for could not happen: not A4's */
} act_t;

/* What made an OB_SWITCH due (its stamp). */
enum { SW_MINUTE, SW_EXIT, SW_FLAP };

typedef struct {
    /* The head: what a slice, its listing and a stream's liveness check
     * read, kept together on the record's first line (the record and its
     * table are line-aligned), so a slice and the check 25 s after it miss
     * on one line each, and orc_prefetch fetches that line alone
     * (ORC_SESS_HOT_BYTES). */
    _Alignas(ORC_LINE_BYTES) sess_state_t state;
    int mode;
    int k_next; /* activations counted, the 4th fault included */
    int act;    /* index of the open activation (or the 4th fault), -1 */
    int bak;    /* name generation: -1, or k of the last resume */
    uint32_t serving_rec, serving_srv;
    uint32_t pending_slices;
    uint32_t pls;       /* list head */
    uint32_t pls_name;  /* the name of pls's head in the arena: orc_prefetch's */
    /* R14: its streams while it records; live_gen tells a stale obligation */
    uint32_t lives, lives_last; /* list head and end (stream_of) */
    uint32_t live_gen;
    bool live_on;
    bool names_ok;
    /* The rest. Its sid and cname are in the run's string arena
     * (orc_sess_sid, orc_sess_cname): two fixed buffers of STR_MAX would
     * be most of the record, and a region holds 10^5 of them. */
    uint32_t sid, cname;
    uint32_t uid_start; /* the uid of its session line: its start call's */
    uint32_t uid_cur;
    uint64_t uid_line;
    uint32_t users, uids, recs; /* list heads */
    uint32_t start_attempts;
    bool start_answered; /* the api line that accepted its start was read (R6) */
    uint32_t cb_seq;
    bool stop_ok;
    int64_t t_stop;
    uint64_t stop_line;
    int64_t t_end;
    int end_exit, end_rule;
    uint64_t end_line;
    bool cb11;
    int cb11_exit;
    int64_t cb11_t;
    uint64_t cb11_line;
    bool failover_due;
    uint32_t failover_uid;
    uint64_t failover_line;
    uint32_t detects;
    uint32_t mp4_next[ORC_ACTIVATIONS_MAX + 1];
    uint64_t line;
    /* R13: the first start */
    int64_t t_accepted;
    uint32_t start_tries;
    uint32_t start_failed[FAILED_SRV_MAX];
    uint32_t start_failed_n;
} sess_t;

/* The head of a sess_t that orc_prefetch fetches. */
#define ORC_SESS_HOT_BYTES (offsetof(sess_t, names_ok) + sizeof(bool))
_Static_assert(ORC_SESS_HOT_BYTES <= ORC_LINE_BYTES, "a session's head is one line");

/* A stream a recording session must keep finishing slices of (R14). */
typedef struct {
    uint32_t uid;
    int track;
    bool expected; /* its user is in the channel (the mix: always) */
    uint32_t slices;
    uint64_t line; /* its last slice, or what began the wait */
    uint32_t next; /* index + 1 in the pool, 0 ends the list */
} live_t;

typedef enum {
    OB_DETECT_KILL, /* exit report of the serving recorder: detect now */
    OB_DETECT_DOWN, /* server of the serving recorder declared down: detect now */
    OB_GIVE_UP,     /* 4th fault: the session ends now */
    OB_END,         /* an end: callback 11, playlists closed, slices listed */
    OB_SWITCH,      /* disconnect activation: switch by now (timer-like) */
    OB_SRV_DOWN,    /* a cut-off server: declared down by now (timer-like) */
    OB_SRV_FENCES,  /* a server back: its let-go recorders fenced now */
    OB_TRY,         /* an attempt failed or a look found no server: try again by now */
    OB_START,       /* R13: the first recorder records, or the session ends, by now */
    OB_PL_CLOSED,   /* a detect: every playlist of the session closed by now */
    OB_LIVE         /* R14: a stream finishes a slice by now (timer-like) */
} ob_kind_t;

typedef struct {
    int64_t due;
    ob_kind_t kind;
    uint32_t sess; /* 0 for a server's obligation */
    int act;
    uint32_t stamp; /* the session's detect count (the server's hb_gen) when made */
    uint64_t line;
    uint32_t srv;   /* the server of OB_SRV_*, else 0 */
    uint32_t aux;   /* OB_LIVE: the stream (index + 1 in the pool); act holds the
                     * session's live_gen then, not an activation */
    uint64_t seq;   /* order made: obligations due together are judged in it */
} ob_t;

/* A slot of the slices' index: its gen and the slice's place in sls, side
 * by side, so that a probe meets one line, not one in each of two arrays. */
typedef struct {
    uint32_t gen;
    uint32_t idx;
} orc_sl_slot_t;

/* A notice id of this run and the line that used it; line 0 is an empty
 * slot (lines count from 1). */
typedef struct {
    uint64_t val;
    uint64_t line;
} orc_nt_slot_t;

/* A ring: its obligations are q[(head + i) & (cap - 1)] for i in [0, n),
 * in due order; cap is 0 or a power of two. A FIFO that moved its
 * obligations down to make room copied every one once more, and at a
 * region's size that was megabytes a second of memory traffic. */
typedef struct {
    int64_t delay; /* due - the time of the event that made it */
    ob_t *q;
    size_t head, n, cap;
} ob_lane_t;

/* The lane's i-th obligation from its head. */
static inline ob_t *ob_lane_at(const ob_lane_t *l, size_t i)
{
    assert(i < l->n || (i == l->n && l->n < l->cap));
    return &l->q[(l->head + i) & (l->cap - 1)];
}

struct orc {
    uint64_t line;
    int64_t last_t;
    bool have_run;
    uint32_t servers, capacity, sessions; /* from the run line */

    sess_t *sess;
    size_t sess_cap, sess_hi;
    srv_t *srv;
    size_t srv_cap, srv_hi;
    rec_t *rec;
    size_t rec_cap, rec_hi;

    user_t *users;
    size_t users_n, users_cap;
    uid_t_ *uids;
    size_t uids_n, uids_cap;
    pl_t *pls;
    size_t pls_n, pls_cap;
    char *pl_names; /* playlists' names, NUL-terminated, one after another */
    size_t pl_names_n, pl_names_cap;
    char *strs; /* sessions' sids and cnames, NUL-terminated, one after another */
    size_t strs_n, strs_cap;
    sl_t *sls;
    /* sls_lim: this run's room for slices; when it is full the listed ones
     * are dropped (sl_compact). It starts from nothing each run and grows
     * as it would in a fresh process, while the array (sls_cap) is kept:
     * where compaction falls, and with it R8's word for a slice listed
     * twice, depends on the run alone, not on the runs before it. */
    size_t sls_n, sls_lim, sls_cap;
    live_t *lives;
    size_t lives_n, lives_cap;
    act_t *acts;
    orc_activation_t *pub;
    size_t acts_n, acts_cap, pub_cap;
    /* Obligations: a binary heap by (due, seq), so a run with many sessions
     * each owing a slice (R14) finds the due ones in O(log n) each; the due
     * ones are then judged in the order they were made, as they always were. */
    ob_t *obs;
    size_t obs_n, obs_cap;
    int64_t ob_min_due;
    uint64_t ob_seq;
    ob_t *ob_due; /* scratch: the obligations one ob_run judges */
    size_t ob_due_cap;
    bool ob_firing;
    /* Lanes: obligations made a fixed delay after the event that made them
     * (a stream owes its next slice 25 s after this one) come due in the
     * order they were made, so each delay gets a FIFO instead of the heap:
     * O(1) and sequential in memory. ORC_LANES delays at a time; an
     * obligation that fits no lane goes to the heap. */
    ob_lane_t lanes[ORC_LANES];

    /* Hash indexes; a slot belongs to this run when its gen is o->gen. */
    uint32_t gen;
    orc_sl_slot_t *sl_slots; /* in sl_mem (orc_table_new) */
    void *sl_mem;
    size_t sl_tab, sl_tab_cap; /* this run's size (0: none yet), and the slots allocated */
    bool sl_dup; /* two slices of the run shared a key (orc_sl_find) */
    orc_nt_slot_t *nt; /* notice ids (orc_notice_seen): a run's own, in nt_mem (orc_table_new) */
    void *nt_mem;
    size_t nt_tab, nt_n;

    /* The date of the last slice name built: slices come 15 s apart. A
     * cache keyed by the exact day, so it holds across runs and needs no
     * reset. */
    orc_utc_day_t utc_day;

    orc_violation_t viol[ORC_KEPT_MAX];
    size_t viol_n;
    uint64_t viol_total;
    orc_note_t notes[ORC_KEPT_MAX];
    size_t notes_n;
    uint64_t notes_total;
    uint64_t checked[ORC_RULES];
    uint64_t violated[ORC_RULES];
    uint64_t unjudged;
};

/* ---- oracle.c: memory, findings, tables, obligations -------------------- */

/* p, or p grown (the new part zeroed) to hold need elements. The test is
 * inline, as nearly every call has the room already; orc_grow_to grows. */
void *orc_grow_to(void *p, size_t *cap, size_t need, size_t elem);
static inline void *orc_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    return need <= *cap ? p : orc_grow_to(p, cap, need, elem);
}

/* The same for a table whose elements a slice reads (sessions, playlists,
 * streams): the table starts on a cache line, so an element of 64 bytes or
 * a divisor of it never straddles two. Free it with orc_lines_free. */
void *orc_grow_lines_to(void *p, size_t *cap, size_t need, size_t elem);
static inline void *orc_grow_lines(void *p, size_t *cap, size_t need, size_t elem)
{
    return need <= *cap ? p : orc_grow_lines_to(p, cap, need, elem);
}
void orc_lines_free(void *p);

/* A session's sid and cname (in the string arena). */
static inline const char *orc_str(const orc_t *o, uint32_t at)
{
    assert(at < o->strs_n);
    return o->strs + at;
}
static inline const char *orc_sess_sid(const orc_t *o, const sess_t *s)
{
    return orc_str(o, s->sid);
}
static inline const char *orc_sess_cname(const orc_t *o, const sess_t *s)
{
    return orc_str(o, s->cname);
}

/* One more judgement of rule. Inline: a slice counts three. */
static inline void orc_chk(orc_t *o, int rule)
{
    assert(rule >= 0 && rule < ORC_RULES);
    o->checked[rule]++;
}

PRINTF_LIKE(9, 10)
void orc_viol(orc_t *o, int rule, uint32_t sess, int64_t t, uint64_t l0, uint64_t l1, uint64_t l2,
              uint64_t l3, const char *fmt, ...);
PRINTF_LIKE(9, 10)
void orc_note(orc_t *o, int assumption, uint32_t sess, int64_t t, uint64_t l0, uint64_t l1,
              uint64_t l2, uint64_t l3, const char *fmt, ...);
const char *orc_call_word(int call);
const char *orc_track_word(int track);

/* What an id a line names is the id of (orc_id_ok says its word). */
typedef enum { ID_SESSION, ID_SERVER, ID_RECORDER } id_kind_t;

/* The largest id of kind a line may name: the run line says how many
 * servers and sessions there are, and the world numbers them within that. */
static inline uint32_t orc_id_max(const orc_t *o, id_kind_t kind)
{
    uint32_t max = ID_MAX;
    if (o->have_run && kind == ID_SERVER && o->servers < max)
        max = o->servers;
    if (o->have_run && kind == ID_SESSION && o->sessions < max)
        max = o->sessions;
    return max;
}

bool orc_id_ok(orc_t *o, id_kind_t kind, uint32_t id);
/* orc_sess_of's and orc_rec_of's answer when their quick test fails: the
 * same tests in full, and the report when one fails. */
sess_t *orc_sess_lookup(orc_t *o, uint32_t id);
rec_t *orc_rec_lookup(orc_t *o, uint32_t id);

/* The session of a line, or NULL (reported) when the trace never started
 * it. Inline: nearly every line asks, and nearly every answer is a known
 * session; anything else goes to orc_sess_lookup, which reports it. */
static inline sess_t *orc_sess_of(orc_t *o, uint32_t id)
{
    if (id >= 1 && id < o->sess_hi && id <= orc_id_max(o, ID_SESSION) &&
        o->sess[id].state != SS_NONE)
        return &o->sess[id];
    return orc_sess_lookup(o, id);
}

srv_t *orc_srv_of(orc_t *o, uint32_t id);

/* The recorder of a line, or NULL (reported) when no recorder_start made
 * it. Inline for the same reason as orc_sess_of. */
static inline rec_t *orc_rec_of(orc_t *o, uint32_t id)
{
    if (id >= 1 && id < o->rec_hi && id <= orc_id_max(o, ID_RECORDER) && o->rec[id].known)
        return &o->rec[id];
    return orc_rec_lookup(o, id);
}

act_t *orc_act_new(orc_t *o, sess_t *s, int k, int cause, int64_t t);
static inline uint32_t orc_sess_id(const orc_t *o, const sess_t *s)
{
    return (uint32_t)(s - o->sess);
}

void orc_ob_add(orc_t *o, ob_kind_t kind, int64_t due, uint32_t sess, int act, uint32_t stamp,
                uint64_t line);
void orc_ob_add_srv(orc_t *o, ob_kind_t kind, int64_t due, uint32_t srv, uint32_t stamp,
                    uint64_t line);
void orc_ob_add_aux(orc_t *o, ob_kind_t kind, int64_t due, uint32_t sess, int act, uint32_t stamp,
                    uint32_t aux, uint64_t line);
bool orc_failed_in(const uint32_t *failed, uint32_t n, uint32_t srv);
void orc_uid_add(orc_t *o, sess_t *s, uint32_t uid);
const uid_t_ *orc_uid_find(const orc_t *o, const sess_t *s, uint32_t uid);
user_t *orc_user_find(const orc_t *o, const sess_t *s, uint32_t uid);
void orc_user_set(orc_t *o, sess_t *s, uint32_t uid, bool in);
/* Inline: every slice looks its playlist up. */
static inline pl_t *orc_pl_find(const orc_t *o, const sess_t *s, uint32_t uid, int track, int bak)
{
    for (uint32_t i = s->pls; i != 0; i = o->pls[i - 1].next) {
        pl_t *p = &o->pls[i - 1];
        if (p->uid == uid && p->track == track && p->bak == bak)
            return p;
    }
    return NULL;
}
/* A playlist's name: valid until the next playlist opens. */
static inline const char *orc_pl_name(const orc_t *o, const pl_t *p)
{
    assert(p->name < o->pl_names_n);
    return o->pl_names + p->name;
}

/* A finished slice (a slice_done line), of the session's name generation
 * bak; legit: it must be listed. */
void orc_sl_add(orc_t *o, const sim_tr_ev_t *ev, int bak, bool legit);
sl_t *orc_sl_probe(orc_t *o, const sim_tr_ev_t *ev);

static inline bool orc_sl_is(const sl_t *x, const sim_tr_ev_t *ev)
{
    return x->sess == ev->sess && x->rec == ev->rec && x->uid == ev->uid &&
           x->track == ev->track && x->fmt == ev->fmt && x->start == ev->start_utc_ms &&
           x->end == ev->end_utc_ms && x->srv == ev->srv;
}

/* The finished slice a `slice` line lists: an unlisted one if any.
 *
 * A slice is listed as the center hears of it, so the one a line lists is
 * nearly always the last one finished. While no two slices of the run have
 * shared a key (sl_dup), no other can match, and the index would give that
 * same one: it is taken without hashing. */
static inline sl_t *orc_sl_find(orc_t *o, const sim_tr_ev_t *ev)
{
    if (!o->sl_dup && o->sls_n > 0) {
        sl_t *last = &o->sls[o->sls_n - 1];
        if (!last->listed && orc_sl_is(last, ev))
            return last;
    }
    return orc_sl_probe(o, ev);
}
uint64_t orc_notice_seen(orc_t *o, uint64_t v);
void orc_ob_flush_sess(orc_t *o, uint32_t sess);

/* ---- oracle_world.c: run, sessions, faults, recorders ------------------- */

void orc_on_run(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_session(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_fault(orc_t *o, const sim_tr_ev_t *ev);
void orc_slot_free(orc_t *o, rec_t *r);
void orc_on_exit_report(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_user(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_recorder_start(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_recorder_resume(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_recorder_ready(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_recorder_failed(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_recorder_stop(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_recorder_exited(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_fenced(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_run_end(orc_t *o, const sim_tr_ev_t *ev);

/* ---- oracle_activation.c: detect, switch, resume, give-up, end ---------- */

void orc_a1_check(orc_t *o, sess_t *s, act_t *a, const char *when);
PRINTF_LIKE(4, 5)
void orc_a3_break(orc_t *o, sess_t *s, act_t *a, const char *fmt, ...);
act_t *orc_open_act_of_rec(orc_t *o, const rec_t *r, sess_t **sp);
PRINTF_LIKE(7, 8)
void orc_timing(orc_t *o, int rule, const act_t *a, int64_t t, uint64_t l0, uint64_t l1,
                const char *fmt, ...);
void orc_judge_unresumed(orc_t *o, act_t *a, int64_t t, uint64_t line, bool run_end);
void orc_on_detect(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_server_down(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_server_up(orc_t *o, const sim_tr_ev_t *ev);
act_t *orc_window_of(orc_t *o, sess_t *s, const char *what);
void orc_on_reconnecting(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_reconnected(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_switch(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_attempt_failed(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_started(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_resume(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_give_up(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_end(orc_t *o, const sim_tr_ev_t *ev);

/* ---- oracle_servers.c: servers declared down (R2) and back (R9) -------- */

void orc_srv_cut(orc_t *o, srv_t *sv, const sim_tr_ev_t *ev);
void orc_srv_healed(orc_t *o, srv_t *sv);
void orc_srv_declared_down(orc_t *o, srv_t *sv, const sim_tr_ev_t *ev);
void orc_srv_back(orc_t *o, const sim_tr_ev_t *ev);
/* A fence line of r: counted, or lost in its server's cut link. */
void orc_fence_line(orc_t *o, rec_t *r, bool stop_line);
/* Server srv's link is back (W heal, before any heartbeat of it). */
void orc_srv_fences_heal(orc_t *o, uint32_t srv);
void orc_srv_ob_fire(orc_t *o, const ob_t *b);
bool orc_srv_ob_live(const orc_t *o, const ob_t *b);
void orc_let_go(orc_t *o, rec_t *r);

/* ---- oracle_trying.c: keep trying (R11, R13) ---------------------------- */

void orc_on_wait_capacity(orc_t *o, const sim_tr_ev_t *ev);
/* Something the session must follow with another try by t (the same
 * millisecond after a failed attempt, the next look after a wait). */
void orc_try_owed(orc_t *o, sess_t *s, int64_t t);
/* An attempt was abandoned: its 9 000 ms, and (first start) its server. */
void orc_attempt_abandoned(orc_t *o, sess_t *s, const rec_t *r, const sim_tr_ev_t *ev);
void orc_start_accepted(orc_t *o, sess_t *s, int64_t t);
void orc_start_ended(orc_t *o, sess_t *s, const sim_tr_ev_t *ev);
void orc_try_ob_fire(orc_t *o, const ob_t *b, sess_t *s);
void orc_start_ob_fire(orc_t *o, const ob_t *b, sess_t *s);

/* ---- oracle_liveness.c: recording goes on (R14) ------------------------- */

/* The session records from t on (started, resumed, or back from a blip). */
void orc_live_begin(orc_t *o, sess_t *s, int64_t t, int64_t extra_ms);
/* It stops being judged (a fault, a detect, a stop, an end). */
void orc_live_pause(sess_t *s);
void orc_live_slice(orc_t *o, sess_t *s, const rec_t *r, const sim_tr_ev_t *ev);
void orc_live_user(orc_t *o, sess_t *s, uint32_t uid, bool in, int64_t t);
void orc_live_ob_fire(orc_t *o, const ob_t *b, sess_t *s);
void orc_on_recorder_rejoined(orc_t *o, const sim_tr_ev_t *ev);

/* ---- oracle_files.c: slices and playlists ------------------------------ */

void orc_on_slice_done(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_playlist_open(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_slice(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_playlist_close(orc_t *o, const sim_tr_ev_t *ev);

/* ---- oracle_api.c: API answers and callbacks --------------------------- */

void orc_on_api(orc_t *o, const sim_tr_ev_t *ev);
void orc_on_callback(orc_t *o, const sim_tr_ev_t *ev);

#endif
