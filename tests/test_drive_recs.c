/* test_drive_recs.c -- sim/drive/recs.c, the driver's recorder pool: slots
 * found by id, each server's and each session's recorders in id order,
 * growth by pages that never move, and the open-addressing index with
 * backward-shift deletion, checked against a plain reference model over
 * long seeded random runs. Then the driver's session paths a REST front
 * uses (sim_drv_rest_session, sim_drv_session_by_sid, sim_drv_session_of),
 * through a real core and a platform that only records what it is asked.
 *
 * The pool is inside struct sim_drv, so the tests set up a driver for a
 * tiny scenario and reach the pool through driver_impl.h (drv_rec_add, the
 * index) as well as through driver.h. */
#include <setjmp.h>
#include <stdarg.h> /* cmocka needs it first */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drive/driver_impl.h"
#include "engine/rng.h"
#include "lang/scn.h"

/* recs.c's page: the pool grows by this many slots. */
#define PAGE_SLOTS 1024u

/* ---- a driver on a tiny scenario, and a platform that records ---------- */

typedef struct {
    uint32_t timer_arm, timer_cancel, rec_start, rec_resume, rec_stop, rec_kill;
    uint32_t link_cut, heal_at, host_crash, user_join, user_leave, poll_at;
    sim_drv_start_t last_start;
    uint32_t trace[SIM_TR_KIND_COUNT];
} calls_t;

static void op_timer_arm(void *p, const ha_timer_t *t, int64_t at_ms)
{
    (void)t, (void)at_ms;
    ((calls_t *)p)->timer_arm++;
}
static void op_timer_cancel(void *p, uint32_t slot)
{
    (void)slot;
    ((calls_t *)p)->timer_cancel++;
}
static void op_rec_start(void *p, const sim_drv_start_t *st)
{
    ((calls_t *)p)->rec_start++;
    ((calls_t *)p)->last_start = *st;
}
static void op_rec_resume(void *p, uint32_t id, int64_t latency_ms)
{
    (void)id, (void)latency_ms;
    ((calls_t *)p)->rec_resume++;
}
static void op_rec_stop(void *p, uint32_t id, ha_stop_how_t how, sim_rec_state_t was)
{
    (void)id, (void)how, (void)was;
    ((calls_t *)p)->rec_stop++;
}
static void op_rec_kill(void *p, uint32_t id, uint32_t session, int64_t report_ms)
{
    (void)id, (void)session, (void)report_ms;
    ((calls_t *)p)->rec_kill++;
}
static void op_link_cut(void *p, uint32_t server, uint32_t session, int64_t heal_ms, bool after)
{
    (void)server, (void)session, (void)heal_ms, (void)after;
    ((calls_t *)p)->link_cut++;
}
static void op_heal_at(void *p, uint32_t server, int64_t at_ms)
{
    (void)server, (void)at_ms;
    ((calls_t *)p)->heal_at++;
}
static void op_host_crash(void *p, uint32_t server)
{
    (void)server;
    ((calls_t *)p)->host_crash++;
}
static void op_user_join(void *p, uint32_t session, uint32_t uid)
{
    (void)session, (void)uid;
    ((calls_t *)p)->user_join++;
}
static void op_user_leave(void *p, uint32_t session, uint32_t uid)
{
    (void)session, (void)uid;
    ((calls_t *)p)->user_leave++;
}
static void op_poll_at(void *p, uint32_t session, int64_t at_ms)
{
    (void)session, (void)at_ms;
    ((calls_t *)p)->poll_at++;
}

static const sim_drv_ops_t recording_ops = {
    .timer_arm = op_timer_arm,
    .timer_cancel = op_timer_cancel,
    .rec_start = op_rec_start,
    .rec_resume = op_rec_resume,
    .rec_stop = op_rec_stop,
    .rec_kill = op_rec_kill,
    .link_cut = op_link_cut,
    .heal_at = op_heal_at,
    .host_crash = op_host_crash,
    .user_join = op_user_join,
    .user_leave = op_user_leave,
    .poll_at = op_poll_at,
};

static void count_trace(void *ctx, const sim_tr_ev_t *ev)
{
    calls_t *c = ctx;
    assert_true((unsigned)ev->kind < SIM_TR_KIND_COUNT);
    c->trace[ev->kind]++;
}

#define SERVERS 3u
#define SESSIONS 4u /* the scenario's */
#define EXTRA 2u    /* a REST front's */

static const char tiny_scn[] = "scenario \"the recorder pool\"\n"
                               "mode composite\n"
                               "channel room1 users 1001\n"
                               "servers 3 capacity 10\n"
                               "sessions 4\n"
                               "at 0s start\n";

typedef struct {
    scn_t *scn;
    sim_drv_t *d;
    calls_t calls;
} fix_t;

static int fix_setup(void **state)
{
    fix_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->scn = scn_new();
    assert_non_null(f->scn);
    char err[SCN_ERR_SIZE];
    assert_int_equal(scn_parse(f->scn, tiny_scn, strlen(tiny_scn), "tiny.scn", err, sizeof(err)),
                     0);
    assert_int_equal(f->scn->servers, SERVERS);
    assert_int_equal(f->scn->sessions, SESSIONS);
    f->d = sim_drv_new();
    assert_non_null(f->d);
    const sim_drv_opts_t o = {.scn = f->scn, .seed = 7, .utc0_ms = 1560238366073LL,
                              .extra_sessions = EXTRA, .sink = count_trace,
                              .sink_ctx = &f->calls, .ops = &recording_ops,
                              .platform = &f->calls};
    char derr[256];
    assert_int_equal(sim_drv_setup(f->d, &o, derr, sizeof(derr)), 0);
    *state = f;
    return 0;
}

static int fix_teardown(void **state)
{
    fix_t *f = *state;
    sim_drv_free(f->d);
    scn_free(f->scn);
    free(f);
    return 0;
}

/* ---- the reference model ------------------------------------------------ */

/* Recorder k (0, 1, 2, ... in the order added) has id id_of(k), increasing
 * in k like the core's ids. The model knows, for each k, whether it is
 * live, where it is, and the pointer drv_rec_add gave. */
typedef struct {
    uint32_t id, session, server, uid;
    bool live;
    sim_drv_rec_t *ptr;
} ref_rec_t;

typedef struct {
    ref_rec_t *recs;
    uint32_t n, cap;  /* added so far */
    uint32_t *alive;  /* ordinals of the live ones, any order */
    uint32_t *pos;    /* pos[k]: k's place in alive */
    uint32_t n_alive;
} model_t;

static void model_init(model_t *m, uint32_t cap)
{
    memset(m, 0, sizeof(*m));
    m->cap = cap;
    m->recs = calloc(cap, sizeof(*m->recs));
    m->alive = calloc(cap, sizeof(*m->alive));
    m->pos = calloc(cap, sizeof(*m->pos));
    assert_true(m->recs != NULL && m->alive != NULL && m->pos != NULL);
}

static void model_free(model_t *m)
{
    free(m->recs);
    free(m->alive);
    free(m->pos);
}

/* The platform's bytes carry the id: a slot given to two recorders, or
 * cleared while live, shows. */
static void sign(sim_drv_rec_t *r)
{
    uint32_t v = r->id ^ 0xa5a5a5a5u;
    memcpy(sim_drv_rec_platform(r), &v, sizeof(v));
}

static bool signed_by(sim_drv_rec_t *r, uint32_t id)
{
    uint32_t v;
    memcpy(&v, sim_drv_rec_platform(r), sizeof(v));
    return v == (id ^ 0xa5a5a5a5u);
}

static uint32_t model_add(model_t *m, sim_drv_t *d, uint32_t id, uint32_t session, uint32_t server)
{
    assert_true(m->n < m->cap);
    assert_true(m->n == 0 || id > m->recs[m->n - 1].id);
    uint32_t k = m->n++;
    uint32_t uid = 2000000u + k;
    sim_drv_rec_t *r = drv_rec_add(d, id, session, server, uid);
    assert_non_null(r);
    assert_int_equal(r->id, id);
    assert_int_equal(r->session, session);
    assert_int_equal(r->server, server);
    assert_int_equal(r->uid, uid);
    assert_int_equal(r->state, SIM_REC_STARTING);
    static const unsigned char zero[SIM_DRV_REC_PLATFORM_BYTES];
    assert_memory_equal(sim_drv_rec_platform(r), zero, sizeof(zero));
    sign(r);
    m->recs[k] = (ref_rec_t){.id = id, .session = session, .server = server, .uid = uid,
                             .live = true, .ptr = r};
    m->pos[k] = m->n_alive;
    m->alive[m->n_alive++] = k;
    assert_ptr_equal(sim_drv_rec(d, id), r);
    return k;
}

static void model_release(model_t *m, sim_drv_t *d, uint32_t k)
{
    ref_rec_t *x = &m->recs[k];
    assert_true(x->live);
    sim_drv_rec_t *r = sim_drv_rec(d, x->id);
    assert_ptr_equal(r, x->ptr);
    sim_drv_rec_release(d, r);
    assert_null(sim_drv_rec(d, x->id));
    x->live = false;
    uint32_t last = m->alive[--m->n_alive];
    m->alive[m->pos[k]] = last;
    m->pos[last] = m->pos[k];
}

/* One list of the driver, walked both ways, against the model's live
 * recorders of that server (by_server) or session, in id order. */
static void check_list(const model_t *m, sim_drv_t *d, bool by_server, uint32_t which)
{
    sim_drv_rec_t *r = by_server ? sim_drv_server_recs(d, which) : sim_drv_session_recs(d, which);
    const sim_drv_rec_t *prev = NULL;
    for (uint32_t k = 0; k < m->n; k++) {
        const ref_rec_t *x = &m->recs[k];
        if (!x->live || (by_server ? x->server : x->session) != which)
            continue;
        assert_non_null(r);
        assert_ptr_equal(r, x->ptr);
        assert_int_equal(r->id, x->id);
        /* the back link names the slot before it */
        uint32_t back = by_server ? r->srv_prev : r->ses_prev;
        assert_int_equal(back, prev == NULL ? SIM_DRV_NONE : prev->slot);
        prev = r;
        r = by_server ? sim_drv_next_on_server(d, r) : sim_drv_next_of_session(d, r);
    }
    assert_null(r);
    uint32_t last = by_server ? d->servers[which].rec_last : d->sessions[which].rec_last;
    assert_int_equal(last, prev == NULL ? SIM_DRV_NONE : prev->slot);
}

/* Everything the model knows, against the pool: every live id found at
 * the pointer it was added at, with its fields and its platform bytes;
 * every released id gone; every list in id order both ways; the index
 * holding exactly one entry per live recorder. */
static void check_all(const model_t *m, sim_drv_t *d)
{
    for (uint32_t k = 0; k < m->n; k++) {
        const ref_rec_t *x = &m->recs[k];
        sim_drv_rec_t *r = sim_drv_rec(d, x->id);
        if (!x->live) {
            assert_null(r);
            continue;
        }
        assert_ptr_equal(r, x->ptr);
        assert_int_equal(r->id, x->id);
        assert_int_equal(r->session, x->session);
        assert_int_equal(r->server, x->server);
        assert_int_equal(r->uid, x->uid);
        assert_true(signed_by(r, x->id));
    }
    for (uint32_t s = 0; s < d->servers_n; s++)
        check_list(m, d, true, s);
    for (uint32_t s = 0; s < d->sessions_n; s++)
        check_list(m, d, false, s);
    assert_int_equal(d->recs_live, m->n_alive);
    assert_int_equal(d->recs_free_n + d->recs_live, d->recs_cap);
    uint32_t entries = 0;
    for (uint32_t i = 0; i <= d->index_mask; i++)
        entries += d->index[i] != 0;
    assert_int_equal(entries, m->n_alive);
    assert_true(d->index_mask + 1 >= 2 * d->recs_cap);
}

/* ---- the tests ---------------------------------------------------------- */

static void test_add_find_release_by_id(void **state)
{
    fix_t *f = *state;
    sim_drv_t *d = f->d;

    /* a driver never set up has no pool: nothing is found */
    sim_drv_t *bare = sim_drv_new();
    assert_non_null(bare);
    assert_null(sim_drv_rec(bare, 1));
    sim_drv_free(bare);

    assert_null(sim_drv_rec(d, 0));
    assert_null(sim_drv_rec(d, 1));
    assert_true(d->recs_cap >= PAGE_SLOTS && d->recs_cap % PAGE_SLOTS == 0);
    uint32_t cap = d->recs_cap;

    model_t m;
    model_init(&m, 16);
    model_add(&m, d, 1, 0, 0);
    model_add(&m, d, 2, 1, 2);
    model_add(&m, d, 3, 5, 1); /* a REST session's */
    model_add(&m, d, 7, 0, 2); /* ids need not be dense */
    check_all(&m, d);
    assert_null(sim_drv_rec(d, 4));
    assert_null(sim_drv_rec(d, 8));
    assert_null(sim_drv_rec(d, UINT32_MAX));
    assert_int_equal(sim_drv_stats(d).recs_live_max, 4);

    /* a released recorder is gone, its neighbours stay, and its slot is
     * the next one handed out, cleared (the platform's bytes too) */
    uint32_t slot2 = m.recs[1].ptr->slot;
    model_release(&m, d, 1);
    check_all(&m, d);
    model_add(&m, d, 9, 3, 0);
    assert_int_equal(m.recs[4].ptr->slot, slot2);
    check_all(&m, d);

    model_release(&m, d, 0);
    model_release(&m, d, 2);
    model_release(&m, d, 3);
    model_release(&m, d, 4);
    check_all(&m, d);
    assert_int_equal(d->recs_live, 0);
    assert_int_equal(sim_drv_stats(d).recs_live_max, 4);
    assert_int_equal(d->recs_cap, cap); /* no growth for a handful */
    model_free(&m);
}

static void test_lists_stay_in_id_order_after_releases_in_middle_head_and_tail(void **state)
{
    fix_t *f = *state;
    sim_drv_t *d = f->d;
    model_t m;
    model_init(&m, 64);
    /* 24 recorders over 3 servers and 6 sessions, interleaved so that every
     * list has others' recorders between its own */
    for (uint32_t id = 1; id <= 24; id++)
        model_add(&m, d, id, id % (SESSIONS + EXTRA), (id / 2) % SERVERS);
    check_all(&m, d);

    /* server 0's list: its ordinals in id order */
    uint32_t on0[24], n0 = 0;
    for (uint32_t k = 0; k < m.n; k++) {
        if (m.recs[k].server == 0)
            on0[n0++] = k;
    }
    assert_true(n0 >= 6);
    model_release(&m, d, on0[n0 / 2]); /* middle */
    check_all(&m, d);
    model_release(&m, d, on0[0]); /* head */
    check_all(&m, d);
    model_release(&m, d, on0[n0 - 1]); /* tail */
    check_all(&m, d);
    model_release(&m, d, on0[1]); /* the new head */
    model_release(&m, d, on0[n0 - 2]); /* the new tail */
    check_all(&m, d);

    /* session 2's list, emptied from the tail to the head, then added to
     * again: an empty list takes a recorder as head and tail */
    for (uint32_t k = m.n; k-- > 0;) {
        if (m.recs[k].live && m.recs[k].session == 2) {
            model_release(&m, d, k);
            check_all(&m, d);
        }
    }
    assert_null(sim_drv_session_recs(d, 2));
    assert_int_equal(d->sessions[2].rec_first, SIM_DRV_NONE);
    assert_int_equal(d->sessions[2].rec_last, SIM_DRV_NONE);
    model_add(&m, d, 30, 2, 1);
    model_add(&m, d, 31, 2, 0);
    check_all(&m, d);

    /* every other one of everything, then the rest */
    for (uint32_t k = 0; k < m.n; k += 2) {
        if (m.recs[k].live)
            model_release(&m, d, k);
    }
    check_all(&m, d);
    while (m.n_alive > 0)
        model_release(&m, d, m.alive[0]);
    check_all(&m, d);
    for (uint32_t s = 0; s < SERVERS; s++)
        assert_null(sim_drv_server_recs(d, s));
    model_free(&m);
}

/* A long random run like a platform's: the core's ids (1, 2, 3, ...), each
 * recorder released at a random later moment; up past two page boundaries
 * and back to empty, twice. */
static void test_random_adds_and_releases_against_a_reference(void **state)
{
    fix_t *f = *state;
    sim_drv_t *d = f->d;
    sim_rng_t rng;
    sim_rng_stream(&rng, 20261203, sim_rng_stream_id("test_drive_recs"));
    model_t m;
    model_init(&m, 60000);
    uint32_t next_id = 1;
    /* chance of an add in each phase, per 1000: grow, churn, drain */
    static const uint32_t add_permille[] = {700, 500, 300, 650, 500, 200};
    for (uint32_t phase = 0; phase < 6; phase++) {
        for (uint32_t step = 0; step < 9000; step++) {
            bool add = m.n_alive == 0 || sim_rng_chance(&rng, add_permille[phase], 1000);
            if (add) {
                next_id += 1 + (uint32_t)sim_rng_below(&rng, 3); /* gaps: ids the core skipped */
                model_add(&m, d, next_id, (uint32_t)sim_rng_below(&rng, SESSIONS + EXTRA),
                          (uint32_t)sim_rng_below(&rng, SERVERS));
            } else {
                model_release(&m, d, m.alive[sim_rng_below(&rng, m.n_alive)]);
            }
            /* a random live one is still where it was */
            if (m.n_alive > 0) {
                const ref_rec_t *x = &m.recs[m.alive[sim_rng_below(&rng, m.n_alive)]];
                assert_ptr_equal(sim_drv_rec(d, x->id), x->ptr);
            }
            if (step % 1500 == 0)
                check_all(&m, d);
        }
        check_all(&m, d);
        if (phase == 2 || phase == 5) {
            while (m.n_alive > 0)
                model_release(&m, d, m.alive[sim_rng_below(&rng, m.n_alive)]);
            check_all(&m, d);
        }
    }
    uint32_t high = sim_drv_stats(d).recs_live_max;
    assert_true(high > 2 * PAGE_SLOTS); /* the run did cross page boundaries */
    assert_int_equal(d->recs_cap, (high + PAGE_SLOTS - 1) / PAGE_SLOTS * PAGE_SLOTS);
    model_free(&m);
}

/* The index's hardest case: ids that all hash to one home, so every entry
 * is in one cluster, which wraps around the end of the table; plus ids
 * with other homes inside it. Backward-shift deletion must move exactly
 * the entries a hole would cut off from their home, across the wrap. */
static void test_index_never_loses_an_id_in_colliding_wrapping_clusters(void **state)
{
    fix_t *f = *state;
    sim_drv_t *d = f->d;
    assert_int_equal(d->recs_cap, PAGE_SLOTS); /* one page: the index stays this size */
    uint32_t size = d->index_mask + 1;

    /* The home of an id is where it lands in an empty index. Ids equal
     * modulo the index size share their home (the hash multiplies, and the
     * index takes the low bits). Find the residue whose home is the last
     * position, by looking. */
    uint32_t base = 0;
    for (uint32_t b = 1; b < size && base == 0; b++) {
        sim_drv_rec_t *r = drv_rec_add(d, b, 0, 0, 1);
        assert_non_null(r);
        if (d->index[d->index_mask] == r->slot + 1)
            base = b;
        sim_drv_rec_release(d, r);
    }
    assert_true(base != 0);
    assert_int_equal(d->recs_live, 0);

    sim_rng_t rng;
    sim_rng_stream(&rng, 20261203, sim_rng_stream_id("test_drive_recs colliding"));
    model_t m;
    model_init(&m, 40000);
    uint32_t wraps = 0, k_next = 1;
    for (uint32_t step = 0; step < 30000; step++) {
        bool add = m.n_alive == 0 || (m.n_alive < 700 && sim_rng_chance(&rng, 55, 100));
        if (add) {
            /* increasing ids, three in four at the shared home */
            uint32_t low = sim_rng_chance(&rng, 3, 4) ? base : (uint32_t)sim_rng_below(&rng, size);
            model_add(&m, d, k_next++ * size + low, (uint32_t)sim_rng_below(&rng, SESSIONS + EXTRA),
                      (uint32_t)sim_rng_below(&rng, SERVERS));
        } else {
            model_release(&m, d, m.alive[sim_rng_below(&rng, m.n_alive)]);
        }
        wraps += d->index[d->index_mask] != 0 && d->index[0] != 0;
        /* a few live ids every step (a lookup walks the cluster), all of
         * them often */
        for (uint32_t i = 0; i < 4 && m.n_alive > 0; i++) {
            const ref_rec_t *x = &m.recs[m.alive[sim_rng_below(&rng, m.n_alive)]];
            assert_ptr_equal(sim_drv_rec(d, x->id), x->ptr);
        }
        if (step % 250 == 0)
            check_all(&m, d);
    }
    check_all(&m, d);
    assert_true(wraps > 1000); /* the cluster did wrap, most of the time */
    assert_int_equal(d->recs_cap, PAGE_SLOTS);
    model_free(&m);
}

/* Past 1024 live recorders the pool takes another page; recorders already
 * handed out stay where they are (their pointers, their platform bytes).
 * Emptied and filled again it allocates nothing, and a new run on the same
 * driver keeps the pages and starts empty. */
static void test_pool_grows_by_pages_and_pointers_stay_valid(void **state)
{
    fix_t *f = *state;
    sim_drv_t *d = f->d;
    assert_int_equal(d->recs_cap, PAGE_SLOTS);
    model_t m;
    model_init(&m, 8000);
    for (uint32_t id = 1; id <= PAGE_SLOTS; id++)
        model_add(&m, d, id, id % (SESSIONS + EXTRA), id % SERVERS);
    assert_int_equal(d->recs_cap, PAGE_SLOTS); /* exactly full, not grown yet */
    assert_int_equal(d->recs_free_n, 0);
    sim_drv_rec_t *first = m.recs[0].ptr, *last = m.recs[PAGE_SLOTS - 1].ptr;

    model_add(&m, d, PAGE_SLOTS + 1, 0, 0); /* the 1025th */
    assert_int_equal(d->recs_cap, 2 * PAGE_SLOTS);
    assert_ptr_equal(sim_drv_rec(d, 1), first);
    assert_ptr_equal(sim_drv_rec(d, PAGE_SLOTS), last);
    check_all(&m, d);

    for (uint32_t id = PAGE_SLOTS + 2; id <= 3 * PAGE_SLOTS + 100; id++)
        model_add(&m, d, id, id % (SESSIONS + EXTRA), id % SERVERS);
    assert_int_equal(d->recs_cap, 4 * PAGE_SLOTS);
    check_all(&m, d); /* every pointer from every page still valid */

    /* steady state: emptied and refilled, no new page, same pages */
    sim_drv_rec_t **pages = d->pages;
    sim_drv_rec_t *page0 = d->pages[0], *page3 = d->pages[3];
    while (m.n_alive > 0)
        model_release(&m, d, m.alive[0]);
    uint32_t id = m.recs[m.n - 1].id;
    for (uint32_t i = 0; i < 4 * PAGE_SLOTS; i++)
        model_add(&m, d, ++id, i % (SESSIONS + EXTRA), i % SERVERS);
    assert_int_equal(d->recs_cap, 4 * PAGE_SLOTS);
    assert_ptr_equal(d->pages, pages);
    assert_ptr_equal(d->pages[0], page0);
    assert_ptr_equal(d->pages[3], page3);
    check_all(&m, d);
    assert_int_equal(sim_drv_stats(d).recs_live_max, 4 * PAGE_SLOTS);

    /* a new run on this driver: empty, same pages, nothing found */
    const sim_drv_opts_t o = d->o;
    char err[256];
    assert_int_equal(sim_drv_setup(d, &o, err, sizeof(err)), 0);
    assert_int_equal(d->recs_cap, 4 * PAGE_SLOTS);
    assert_int_equal(d->recs_live, 0);
    assert_int_equal(d->recs_free_n, 4 * PAGE_SLOTS);
    assert_ptr_equal(d->pages[0], page0);
    assert_null(sim_drv_rec(d, 1));
    assert_null(sim_drv_rec(d, id));
    for (uint32_t s = 0; s < SERVERS; s++)
        assert_null(sim_drv_server_recs(d, s));
    for (uint32_t i = 0; i <= d->index_mask; i++)
        assert_int_equal(d->index[i], 0);
    model_free(&m);
}

/* What a REST front does (sim/runtime/rt_center.c): a free slot beyond the
 * scenario's sessions for each start, the session found again by its sid,
 * and the core's session index mapped back to the driver's. */
static void test_rest_sessions_by_sid_and_core_index(void **state)
{
    fix_t *f = *state;
    sim_drv_t *d = f->d;
    calls_t *c = &f->calls;
    assert_int_equal(sim_drv_sessions(d), SESSIONS + EXTRA);
    for (uint32_t s = 0; s < SERVERS; s++)
        sim_drv_heartbeat(d, s);

    /* nothing started: no core index maps to a session, no sid is found */
    for (uint32_t i = 0; i <= SESSIONS + EXTRA; i++)
        assert_int_equal(sim_drv_session_of(d, i), SIM_DRV_NONE);
    assert_int_equal(sim_drv_session_of(d, UINT32_MAX), SIM_DRV_NONE);
    assert_int_equal(sim_drv_session_by_sid(d, sim_drv_session(d, 0)->sid), SIM_DRV_NONE);

    /* the first free REST slot, laid out; until a start is accepted it
     * stays free and is laid out again (with a new sid) */
    uint32_t ws = sim_drv_rest_session(d, "rest_room", 4242, HA_MODE_INDIVIDUAL);
    assert_int_equal(ws, SESSIONS);
    sim_drv_session_t *s = sim_drv_session(d, ws);
    assert_true(s->http && !s->used);
    assert_string_equal(s->cname, "rest_room");
    assert_int_equal(s->uid, 4242);
    assert_int_equal(s->mode, HA_MODE_INDIVIDUAL);
    assert_int_equal(s->core, SIM_DRV_NONE);
    assert_int_equal(strlen(s->sid), HA_SID_LEN);
    assert_null(sim_drv_session_recs(d, ws));
    char sid_first[HA_SID_LEN + 1];
    memcpy(sid_first, s->sid, sizeof(sid_first));
    assert_int_equal(sim_drv_rest_session(d, "rest_room", 4242, HA_MODE_INDIVIDUAL), ws);
    assert_string_not_equal(s->sid, sid_first);
    assert_int_equal(sim_drv_session_by_sid(d, s->sid), SIM_DRV_NONE);

    /* started: found by sid and by its core index; its first recorder is
     * in the pool, on its session's and its server's lists */
    sim_drv_reply_t reply;
    uint32_t sessions_traced = c->trace[SIM_TR_SESSION];
    sim_drv_call(d, ws, HA_CALL_START, SIM_BY_NONE, 0, &reply);
    assert_int_equal(reply.http, 200);
    assert_true(s->used);
    assert_int_equal(c->trace[SIM_TR_SESSION], sessions_traced + 1);
    assert_true(s->core != SIM_DRV_NONE);
    assert_int_equal(sim_drv_session_of(d, s->core), ws);
    assert_int_equal(sim_drv_session_by_sid(d, s->sid), ws);
    assert_int_equal(c->rec_start, 1);
    assert_int_equal(c->last_start.session, ws);
    sim_drv_rec_t *r = sim_drv_session_recs(d, ws);
    assert_non_null(r);
    assert_int_equal(r->id, c->last_start.id);
    assert_int_equal(r->id, s->newest_rec);
    assert_int_equal(r->state, SIM_REC_STARTING);
    assert_null(sim_drv_next_of_session(d, r));
    assert_ptr_equal(sim_drv_server_recs(d, r->server), r);

    /* the next start takes the next slot; then none is left */
    uint32_t ws2 = sim_drv_rest_session(d, "rest_two", 4343, HA_MODE_COMPOSITE);
    assert_int_equal(ws2, SESSIONS + 1);
    sim_drv_call(d, ws2, HA_CALL_START, SIM_BY_NONE, 0, &reply);
    assert_int_equal(reply.http, 200);
    assert_int_equal(sim_drv_rest_session(d, "rest_three", 4444, HA_MODE_COMPOSITE),
                     SIM_DRV_NONE);

    /* a scenario session started too: three sessions, three core indexes,
     * each mapped back to its own */
    sim_drv_call(d, 0, HA_CALL_START, SIM_BY_SCENARIO, 200, &reply);
    assert_int_equal(reply.http, 200);
    uint32_t mine[] = {ws, ws2, 0};
    for (uint32_t i = 0; i < 3; i++) {
        const sim_drv_session_t *si = sim_drv_session(d, mine[i]);
        assert_int_equal(sim_drv_session_of(d, si->core), mine[i]);
        assert_int_equal(sim_drv_session_by_sid(d, si->sid), mine[i]);
        for (uint32_t j = 0; j < i; j++)
            assert_int_not_equal(si->core, sim_drv_session(d, mine[j])->core);
    }
    assert_int_equal(c->rec_start, 3);

    /* a sid nobody has: no session, and the core's answer is a 404 */
    assert_int_equal(sim_drv_session_by_sid(d, "ffffffffffffffffffffffffffffffff"), SIM_DRV_NONE);
    sim_drv_call(d, SIM_DRV_NONE, HA_CALL_QUERY, SIM_BY_NONE, 0, &reply);
    assert_int_equal(reply.http, 404);
    assert_string_equal(reply.message, "failed to find worker");
    assert_null(sim_drv_error(d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_find_release_by_id, fix_setup, fix_teardown),
        cmocka_unit_test_setup_teardown(
            test_lists_stay_in_id_order_after_releases_in_middle_head_and_tail, fix_setup,
            fix_teardown),
        cmocka_unit_test_setup_teardown(test_random_adds_and_releases_against_a_reference,
                                        fix_setup, fix_teardown),
        cmocka_unit_test_setup_teardown(
            test_index_never_loses_an_id_in_colliding_wrapping_clusters, fix_setup, fix_teardown),
        cmocka_unit_test_setup_teardown(test_pool_grows_by_pages_and_pointers_stay_valid,
                                        fix_setup, fix_teardown),
        cmocka_unit_test_setup_teardown(test_rest_sessions_by_sid_and_core_index, fix_setup,
                                        fix_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
