/* test_evq.c -- sim/evq.c: the total order, handles, true removal, and a
 * long random differential run against an obviously correct model. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/evq.h"
#include "engine/rng.h"

static sim_ev_data_t data_of(uint32_t id)
{
    const sim_ev_data_t d = {
        .kind = id, .a = id ^ 0x5a5a5a5au, .b = ~id, .c = id * 3u, .d = (uint64_t)id << 20,
    };
    return d;
}

static void assert_data(sim_ev_data_t d, uint32_t id)
{
    const sim_ev_data_t want = data_of(id);
    assert_int_equal(d.kind, want.kind);
    assert_int_equal(d.a, want.a);
    assert_int_equal(d.b, want.b);
    assert_int_equal(d.c, want.c);
    assert_int_equal(d.d, want.d);
}

static uint32_t pop_id(sim_evq_t *q, int64_t *t_ms)
{
    sim_ev_data_t d;
    assert_true(sim_evq_pop(q, t_ms, &d));
    assert_true(sim_evq_check(q));
    return d.kind;
}

static void test_empty(void **state)
{
    (void)state;
    sim_evq_t q;
    assert_int_equal(sim_evq_init(&q, 10), 0);
    assert_int_equal(sim_evq_capacity(&q), 10);
    assert_int_equal(sim_evq_count(&q), 0);
    int64_t t = 123;
    sim_ev_data_t d;
    assert_false(sim_evq_pop(&q, &t, &d));
    assert_false(sim_evq_peek_t(&q, &t));
    assert_false(sim_evq_peek(&q, &t, &d));
    assert_true(t == 123);
    assert_false(sim_evq_cancel(&q, SIM_EV_HANDLE_NONE));
    assert_true(sim_evq_check(&q));
    sim_evq_free(&q);
}

static void test_order_time_prio_seq(void **state)
{
    (void)state;
    sim_evq_t q;
    assert_int_equal(sim_evq_init(&q, 64), 0);
    /* Pushed in an order that disagrees with the expected one on every
     * component of the key. */
    (void)sim_evq_push(&q, 10, 1, data_of(6));  /* timer at 10 */
    (void)sim_evq_push(&q, 10, 0, data_of(4));  /* world at 10 */
    (void)sim_evq_push(&q, 5, 1, data_of(3));   /* timer at 5 */
    (void)sim_evq_push(&q, 10, 1, data_of(7));  /* second timer at 10 */
    (void)sim_evq_push(&q, 10, 0, data_of(5));  /* second world at 10 */
    (void)sim_evq_push(&q, -7, 0, data_of(2));  /* negative times order too */
    (void)sim_evq_push(&q, INT64_MAX, 0, data_of(9));
    (void)sim_evq_push(&q, INT64_MIN, 255, data_of(1));
    (void)sim_evq_push(&q, INT64_MIN, 0, data_of(0));
    (void)sim_evq_push(&q, INT64_MAX, 255, data_of(10));
    (void)sim_evq_push(&q, 11, 0, data_of(8));
    assert_int_equal(sim_evq_count(&q), 11);
    assert_true(sim_evq_check(&q));

    const int64_t want_t[] = {INT64_MIN, INT64_MIN, -7, 5, 10, 10, 10, 10, 11, INT64_MAX, INT64_MAX};
    for (uint32_t id = 0; id <= 10; id++) {
        int64_t peek = 0, peek2 = 0, peek3 = 0, t = 0;
        sim_ev_data_t d, pd, ad;
        assert_true(sim_evq_peek_t(&q, &peek));
        assert_true(sim_evq_peek(&q, &peek2, &pd));
        assert_true(sim_evq_peek_ahead(&q, &peek3, &ad));
        assert_true(sim_evq_pop(&q, &t, &d));
        assert_true(sim_evq_check(&q));
        assert_data(d, id);
        assert_data(pd, id);
        assert_data(ad, id);
        assert_true(t == want_t[id]);
        assert_true(peek == t && peek2 == t && peek3 == t);
    }

    assert_int_equal(sim_evq_count(&q), 0);
    sim_evq_free(&q);
}

static void test_fifo_at_one_key(void **state)
{
    (void)state;
    sim_evq_t q;
    assert_int_equal(sim_evq_init(&q, 1000), 0);
    for (uint32_t i = 0; i < 1000; i++) {
        (void)sim_evq_push(&q, 42, 1, data_of(i));
    }
    for (uint32_t i = 0; i < 1000; i++) {
        int64_t t;
        assert_int_equal(pop_id(&q, &t), i);
    }
    sim_evq_free(&q);
}

static void test_handles(void **state)
{
    (void)state;
    sim_evq_t q;
    assert_int_equal(sim_evq_init(&q, 4), 0);
    const sim_ev_handle_t a = sim_evq_push(&q, 1, 0, data_of(1));
    const sim_ev_handle_t b = sim_evq_push(&q, 2, 0, data_of(2));
    const sim_ev_handle_t c = sim_evq_push(&q, 3, 0, data_of(3));
    assert_true(a != SIM_EV_HANDLE_NONE && b != SIM_EV_HANDLE_NONE && c != SIM_EV_HANDLE_NONE);
    assert_true(a != b && b != c && a != c);

    /* Cancel a pending event: once true, then false. */
    assert_true(sim_evq_cancel(&q, b));
    assert_true(sim_evq_check(&q));
    assert_int_equal(sim_evq_count(&q), 2);
    assert_false(sim_evq_cancel(&q, b));

    /* Fired events cannot be cancelled. */
    int64_t t;
    assert_int_equal(pop_id(&q, &t), 1);
    assert_false(sim_evq_cancel(&q, a));

    /* The slots of a and b are reused: their stale handles must not reach
     * the new occupants. */
    const sim_ev_handle_t d = sim_evq_push(&q, 4, 0, data_of(4));
    const sim_ev_handle_t e = sim_evq_push(&q, 5, 0, data_of(5));
    assert_true(d != a && d != b && e != a && e != b);
    assert_false(sim_evq_cancel(&q, a));
    assert_false(sim_evq_cancel(&q, b));
    assert_int_equal(sim_evq_count(&q), 3);

    /* Handles that were never issued. */
    assert_false(sim_evq_cancel(&q, SIM_EV_HANDLE_NONE));
    assert_false(sim_evq_cancel(&q, UINT64_MAX));
    assert_false(sim_evq_cancel(&q, 5));                   /* slot 4: beyond capacity */
    assert_false(sim_evq_cancel(&q, (UINT64_C(2) << 24) | 1)); /* even generation */
    assert_false(sim_evq_cancel(&q, c + (UINT64_C(2) << 24))); /* a future generation */
    assert_int_equal(sim_evq_count(&q), 3);

    assert_true(sim_evq_cancel(&q, e));
    assert_true(sim_evq_cancel(&q, c));
    assert_int_equal(pop_id(&q, &t), 4);
    assert_true(t == 4);
    assert_false(sim_evq_cancel(&q, d));
    assert_int_equal(sim_evq_count(&q), 0);
    sim_evq_free(&q);
}

static void test_full_capacity(void **state)
{
    (void)state;
    const uint32_t caps[] = {1, 2, 3, 4, 5, 17, 64, 65, 1000};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        sim_evq_t q;
        const uint32_t cap = caps[k];
        assert_int_equal(sim_evq_init(&q, cap), 0);
        for (int round = 0; round < 3; round++) {
            /* Descending times: every push sifts all the way up. */
            for (uint32_t i = 0; i < cap; i++) {
                (void)sim_evq_push(&q, (int64_t)(cap - i), 0, data_of(cap - 1 - i));
                assert_true(sim_evq_check(&q));
            }
            assert_int_equal(sim_evq_count(&q), cap);
            for (uint32_t i = 0; i < cap; i++) {
                int64_t t;
                assert_int_equal(pop_id(&q, &t), i);
                assert_true(t == (int64_t)i + 1);
            }
        }
        sim_evq_free(&q);
    }
}

/* sim_evq_check looks at the empty lists a run of words at a time, and at
 * the others one list at a time: a stray link or bit anywhere must still
 * fail it, at either end of a run and beside a list in use. */
static void test_check_finds_a_broken_wheel(void **state)
{
    (void)state;
    sim_evq_t q;
    assert_int_equal(sim_evq_init(&q, 16), 0);
    const int64_t times[] = {5, 5, 70, 200, 40000};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        (void)sim_evq_push(&q, times[i], 0, data_of((uint32_t)i));
    }
    assert_true(sim_evq_check(&q));
    uint32_t *const links[] = {q.w_head, q.w_tail};
    /* Empty lists: the first, before a word in use, after one, the last. */
    const uint32_t empty[] = {0, 63, 64, 127, 128, 191, 256, 1000, 20000, 32767};
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
            const uint32_t w = empty[i];
            const uint32_t was = links[k][w];
            links[k][w] = 0;
            assert_false(sim_evq_check(&q));
            links[k][w] = was;
        }
    }
    assert_true(sim_evq_check(&q));
    /* A bit for an empty list, a bit missing for a list in use, a summary
     * bit either way. */
    const uint32_t bit_words[] = {0, 1, 3, 300, 511};
    for (size_t i = 0; i < sizeof bit_words / sizeof bit_words[0]; i++) {
        const uint32_t word = bit_words[i];
        const uint64_t was = q.w_bits[word];
        q.w_bits[word] ^= UINT64_C(1) << 10;
        assert_false(sim_evq_check(&q));
        q.w_bits[word] = was;
        q.w_bits[word] ^= UINT64_C(1) << 5;
        assert_false(sim_evq_check(&q));
        q.w_bits[word] = was;
    }
    for (uint32_t i = 0; i < 8; i++) {
        q.w_sum[i] ^= 1;
        assert_false(sim_evq_check(&q));
        q.w_sum[i] ^= 1;
    }
    assert_true(sim_evq_check(&q));
    sim_evq_free(&q);
}

/* A timer armed and disarmed a million times in a queue of eight must not
 * need more room: cancel really removes. */
static void test_cancel_is_removal(void **state)
{
    (void)state;
    sim_evq_t q;
    assert_int_equal(sim_evq_init(&q, 8), 0);
    (void)sim_evq_push(&q, 1000, 0, data_of(1));
    for (uint32_t i = 0; i < 1000000; i++) {
        const sim_ev_handle_t h = sim_evq_push(&q, (int64_t)i, 1, data_of(2));
        assert_int_equal(sim_evq_count(&q), 2);
        assert_true(sim_evq_cancel(&q, h));
        assert_false(sim_evq_cancel(&q, h));
    }
    assert_true(sim_evq_check(&q));
    int64_t t;
    assert_int_equal(pop_id(&q, &t), 1);
    assert_true(t == 1000);
    sim_evq_free(&q);
}

/* The model: pending events in an array, the first found by a full scan
 * of (t, prio, push number). Slow and obviously right. */
typedef struct {
    int64_t t_ms;
    uint8_t prio;
    uint64_t push_no;
    uint32_t id;
    sim_ev_handle_t h;
} model_ev_t;

#define MODEL_CAP 300
#define STALE_MAX 64

static size_t model_first(const model_ev_t *m, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++) {
        const model_ev_t *a = &m[i], *b = &m[best];
        if (a->t_ms != b->t_ms ? a->t_ms < b->t_ms
            : a->prio != b->prio ? a->prio < b->prio
                                 : a->push_no < b->push_no) {
            best = i;
        }
    }
    return best;
}

static void differential_run(uint64_t seed, uint32_t capacity, uint64_t seq_limit, uint32_t steps)
{
    sim_evq_t q;
    assert_int_equal(sim_evq_init(&q, capacity), 0);
    if (seq_limit != 0) {
        assert_true(seq_limit <= q.seq_limit);
        q.seq_limit = seq_limit;
    }
    static model_ev_t m[MODEL_CAP];
    size_t n = 0;
    sim_ev_handle_t stale[STALE_MAX] = {0};
    size_t stale_n = 0;
    uint64_t push_no = 0;
    int64_t now = 0;
    sim_rng_t r;
    sim_rng_stream(&r, seed, sim_rng_stream_id("test_evq"));

    for (uint32_t step = 0; step < steps; step++) {
        const uint64_t op = sim_rng_below(&r, 100);
        if (op < 45 && n < capacity) {
            /* Few distinct times and both prios so that ties are common. */
            const int64_t t = now + sim_rng_range(&r, -2, 6);
            const uint8_t prio = (uint8_t)sim_rng_below(&r, 3);
            const uint32_t id = (uint32_t)push_no;
            const sim_ev_handle_t h = sim_evq_push(&q, t, prio, data_of(id));
            m[n++] = (model_ev_t){t, prio, push_no++, id, h};
        } else if (op < 75) {
            int64_t t;
            sim_ev_data_t d;
            if (n == 0) {
                assert_false(sim_evq_pop(&q, &t, &d));
                continue;
            }
            const size_t i = model_first(m, n);
            int64_t peek, peek2, peek3;
            sim_ev_data_t pd, ad;
            assert_true(sim_evq_peek_t(&q, &peek));
            assert_true(sim_evq_peek(&q, &peek2, &pd));
            assert_true(sim_evq_peek_ahead(&q, &peek3, &ad));
            assert_true(sim_evq_check(&q)); /* a peek moves nothing */
            assert_true(sim_evq_pop(&q, &t, &d));
            assert_true(t == m[i].t_ms && peek == t && peek2 == t && peek3 == t);
            assert_data(d, m[i].id);
            assert_data(pd, m[i].id);
            assert_data(ad, m[i].id);

            now = t;
            stale[stale_n++ % STALE_MAX] = m[i].h;
            m[i] = m[--n];
        } else if (op < 95) {
            if (n == 0) {
                continue;
            }
            const size_t i = (size_t)sim_rng_below(&r, n);
            assert_true(sim_evq_cancel(&q, m[i].h));
            stale[stale_n++ % STALE_MAX] = m[i].h;
            m[i] = m[--n];
        } else if (stale_n > 0) {
            const size_t k = (size_t)sim_rng_below(&r, stale_n < STALE_MAX ? stale_n : STALE_MAX);
            assert_false(sim_evq_cancel(&q, stale[k]));
        }
        assert_int_equal(sim_evq_count(&q), n);
        assert_true(sim_evq_check(&q));
    }
    /* Drain. */
    while (n > 0) {
        const size_t i = model_first(m, n);
        int64_t t;
        assert_int_equal(pop_id(&q, &t), m[i].id);
        m[i] = m[--n];
    }
    assert_int_equal(sim_evq_count(&q), 0);
    sim_evq_free(&q);
}

static void test_differential(void **state)
{
    (void)state;
    differential_run(1, 300, 0, 200000);
    differential_run(2, 7, 0, 50000);
    differential_run(3, 1, 0, 10000);
}

/* With the sequence space squeezed to a few hundred numbers the queue
 * renumbers every few hundred pushes, at every fill level; the order must
 * come out the same as with unbounded sequence numbers. */
static void test_renumbering_keeps_order(void **state)
{
    (void)state;
    differential_run(4, 300, 301, 200000);
    differential_run(5, 300, 400, 100000);
    differential_run(6, 5, 6, 20000);
}

/* Pushing into a full queue is a caller bug and must stop the program
 * rather than corrupt it. */
static void test_push_full_asserts(void **state)
{
    (void)state;
#ifdef NDEBUG
    skip();
#else
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The assertion message is expected; keep it out of the log. */
        const int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            (void)dup2(devnull, STDERR_FILENO);
        }
        sim_evq_t q;
        if (sim_evq_init(&q, 2) != 0) {
            _exit(3);
        }
        (void)sim_evq_push(&q, 1, 0, data_of(1));
        (void)sim_evq_push(&q, 2, 0, data_of(2));
        (void)sim_evq_push(&q, 3, 0, data_of(3));
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_order_time_prio_seq),
        cmocka_unit_test(test_fifo_at_one_key),
        cmocka_unit_test(test_handles),
        cmocka_unit_test(test_full_capacity),
        cmocka_unit_test(test_cancel_is_removal),
        cmocka_unit_test(test_check_finds_a_broken_wheel),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_renumbering_keeps_order),
        cmocka_unit_test(test_push_full_asserts),
    };
    return cmocka_run_group_tests_name("evq", tests, NULL, NULL);
}
