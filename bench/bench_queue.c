/* bench_queue.c -- hold-model throughput of sim_evq and of a bare heap.
 *
 * The hold model: N events pending; each step pops the earliest and pushes
 * one at its time plus an increment. In the "cancel" variant every 4th step
 * also cancels a random pending event and pushes a replacement, which is
 * what HA timers do all day. The increments and the cancel picks come from
 * sim_rng streams that bench_queue_ns3.cc and bench_queue_simpy.py
 * reproduce draw for draw, so all implementations process the same events
 * in the same order; each prints a checksum of the first CHECK_POPS times
 * it popped so that the driver can tell.
 *
 * "floor" is the fastest simple thing: a 4-ary heap of (t, seq) with the
 * same layout tricks as sim_evq (line-aligned sibling groups, sentinels,
 * branch-free min of four) but no handles, no payload and no cancel, and
 * a plain pop (last entry to the root, sift down) where sim_evq leaves the
 * root vacant for the next push. It only runs the hold variant.
 *
 * Usage: bench_queue N VARIANT STEPS WARMUP REPS   (WARMUP >= 20000)
 * Prints one line per implementation, tab-separated:
 *   impl N variant median_events_per_s reps steps checksum note
 * The wall clock here times the bench; nothing in sim/ ever reads one.
 */
#define _POSIX_C_SOURCE 200809L

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/evq.h"
#include "engine/rng.h"

#define INCR_MEAN_MS 1000
#define REPS_MAX 15
#define N_MAX 10000000
#define STEPS_MAX 100000000
#define CANCEL_EVERY 4
#define CHECK_POPS 20000
#define CHECK_PRIME UINT64_C(0x00000100000001b3)
#define CHECK_OFFSET UINT64_C(0xcbf29ce484222325)

typedef enum { VARIANT_HOLD, VARIANT_CANCEL } variant_t;

typedef struct {
    uint32_t n;
    variant_t variant;
    uint64_t steps;
    uint64_t warmup;
    uint32_t reps;
    /* Pre-drawn so that drawing costs nothing inside the timed loops. */
    uint32_t *incr;
    uint64_t incr_n;
    uint32_t *pick;
    uint64_t pick_n;
} bench_t;

/* What every implementation reports about its popped times: an FNV-1a
 * style fold of the first CHECK_POPS of them, all in the warm-up. */
typedef uint64_t check_t;

static inline check_t check_fold(check_t c, int64_t t)
{
    return (c ^ (uint64_t)t) * CHECK_PRIME;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, uint32_t n)
{
    qsort(v, n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ------------------------------------------------------------------ */
/* floor: a bare 4-ary heap of (t, seq). */

typedef struct {
    int64_t t;
    uint64_t seq;
} floor_ev_t;

typedef struct {
    floor_ev_t *mem;
    floor_ev_t *h;
    uint32_t n;
    uint64_t seq;
} floor_heap_t;

static inline bool floor_less(floor_ev_t a, floor_ev_t b)
{
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 u128_t;
    const uint64_t ah = (uint64_t)a.t ^ (UINT64_C(1) << 63), bh = (uint64_t)b.t ^ (UINT64_C(1) << 63);
    return (((u128_t)ah << 64) | a.seq) < (((u128_t)bh << 64) | b.seq);
#else
    return a.t < b.t || (a.t == b.t && a.seq < b.seq);
#endif
}

static int floor_init(floor_heap_t *f, uint32_t capacity)
{
    /* Three entries of padding put each group of four siblings on one
     * line; four max-key sentinels past the end spare the partial-group
     * case, as in sim_evq. */
    size_t bytes = ((size_t)capacity + 3 + 4) * sizeof(floor_ev_t);
    bytes = (bytes + 63) / 64 * 64;
    f->mem = aligned_alloc(64, bytes);
    if (f->mem == NULL) {
        return -1;
    }
    for (size_t i = 0; i < bytes / sizeof(floor_ev_t); i++) {
        f->mem[i] = (floor_ev_t){INT64_MAX, UINT64_MAX};
    }
    f->h = f->mem + 3;
    f->n = 0;
    f->seq = 0;
    return 0;
}

static inline void floor_push(floor_heap_t *f, int64_t t)
{
    floor_ev_t *h = f->h;
    const floor_ev_t e = {t, f->seq++};
    uint32_t i = f->n++;
    while (i > 0) {
        const uint32_t p = (i - 1) / 4;
        if (!floor_less(e, h[p])) {
            break;
        }
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

static inline int64_t floor_pop(floor_heap_t *f)
{
    floor_ev_t *h = f->h;
    const int64_t top = h[0].t;
    const uint32_t n = --f->n;
    const floor_ev_t e = h[n];
    h[n] = (floor_ev_t){INT64_MAX, UINT64_MAX};
    uint32_t i = 0;
    for (;;) {
        const uint32_t c = 4 * i + 1;
        if (c >= n) {
            break;
        }
        const uint32_t m01 = floor_less(h[c + 1], h[c]) ? c + 1 : c;
        const uint32_t m23 = floor_less(h[c + 3], h[c + 2]) ? c + 3 : c + 2;
        const uint32_t m = floor_less(h[m23], h[m01]) ? m23 : m01;
        if (!floor_less(h[m], e)) {
            break;
        }
        h[i] = h[m];
        i = m;
    }
    h[i] = e;
    return top;
}

/* Each implementation is a runner: set up (fill and warm up, untimed),
 * then timed rounds. main() alternates the rounds of the two so that a
 * burst of other work on the machine hits both rather than one. */
typedef struct {
    floor_heap_t f;
    uint64_t ix;
} floor_run_t;

static int floor_setup(floor_run_t *fr, const bench_t *b, check_t *chk)
{
    if (floor_init(&fr->f, b->n) != 0) {
        return -1;
    }
    fr->ix = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        floor_push(&fr->f, b->incr[fr->ix++]);
    }
    *chk = CHECK_OFFSET;
    for (uint64_t k = 0; k < b->warmup; k++) {
        const int64_t t = floor_pop(&fr->f);
        if (k < CHECK_POPS) {
            *chk = check_fold(*chk, t);
        }
        floor_push(&fr->f, t + b->incr[fr->ix++]);
    }
    return 0;
}

static double floor_round(floor_run_t *fr, const bench_t *b)
{
    floor_heap_t *f = &fr->f;
    const uint32_t *incr = b->incr + fr->ix;
    const double t0 = now_s();
    for (uint64_t k = 0; k < b->steps; k++) {
        const int64_t t = floor_pop(f);
        floor_push(f, t + incr[k]);
    }
    const double dt = now_s() - t0;
    fr->ix += b->steps;
    return (double)b->steps / dt;
}

/* ------------------------------------------------------------------ */
/* sim_evq. The payload's a is the index of the event's token. */

typedef struct {
    sim_evq_t q;
    sim_ev_handle_t *tok;
    uint64_t ix;
    uint64_t px;
    uint64_t step;
    check_t fold;
} evq_run_t;

static void evq_steps(evq_run_t *er, const bench_t *b, uint64_t steps)
{
    const bool cancel = b->variant == VARIANT_CANCEL;
    sim_ev_data_t d = {0, 0, 0, 0, 0};
    for (uint64_t k = 0; k < steps; k++, er->step++) {
        int64_t t;
        bool ok = sim_evq_pop(&er->q, &t, &d);
        assert(ok);
        if (er->step < CHECK_POPS) {
            er->fold = check_fold(er->fold, t);
        }
        const uint32_t i = d.a;
        er->tok[i] = sim_evq_push(&er->q, t + b->incr[er->ix++], 0, d);
        if (cancel && er->step % CANCEL_EVERY == CANCEL_EVERY - 1) {
            uint32_t j = b->pick[er->px++];
            j = j == i ? (j + 1) % b->n : j;
            ok = sim_evq_cancel(&er->q, er->tok[j]);
            assert(ok);
            d.a = j;
            er->tok[j] = sim_evq_push(&er->q, t + b->incr[er->ix++], 0, d);
        }
        (void)ok;
    }
}

static int evq_setup(evq_run_t *er, const bench_t *b, check_t *chk)
{
    er->tok = malloc((size_t)b->n * sizeof *er->tok);
    if (er->tok == NULL || sim_evq_init(&er->q, b->n) != 0) {
        free(er->tok);
        return -1;
    }
    er->ix = er->px = er->step = 0;
    er->fold = CHECK_OFFSET;
    sim_ev_data_t d = {0, 0, 0, 0, 0};
    for (uint32_t i = 0; i < b->n; i++) {
        d.a = i;
        er->tok[i] = sim_evq_push(&er->q, b->incr[er->ix++], 0, d);
    }
    evq_steps(er, b, b->warmup);
    *chk = er->fold;
    return 0;
}

static double evq_round(evq_run_t *er, const bench_t *b)
{
    const double t0 = now_s();
    evq_steps(er, b, b->steps);
    return (double)b->steps / (now_s() - t0);
}

/* ------------------------------------------------------------------ */

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    const unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

static void print_result(const char *impl, const bench_t *b, double *eps, const check_t *chk)
{
    printf("%s\t%" PRIu32 "\t%s\t%.0f\t%" PRIu32 "\t%" PRIu64 "\t%016" PRIx64 "\t-\n", impl, b->n,
           b->variant == VARIANT_HOLD ? "hold" : "cancel", median(eps, b->reps), b->reps, b->steps, *chk);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *usage = "usage: bench_queue N hold|cancel STEPS WARMUP REPS";
    uint64_t n, steps, warmup, reps;
    if (argc != 6) {
        fprintf(stderr, "%s\n", usage);
        return 2;
    }
    const char *bad = NULL;
    int bad_arg = 0;
    if (parse_u64(argv[1], 2, N_MAX, &n) != 0) {
        bad = "N must be an integer in 2..10000000";
        bad_arg = 1;
    } else if (strcmp(argv[2], "hold") != 0 && strcmp(argv[2], "cancel") != 0) {
        bad = "VARIANT must be hold or cancel";
        bad_arg = 2;
    } else if (parse_u64(argv[3], 1, STEPS_MAX, &steps) != 0) {
        bad = "STEPS must be an integer in 1..100000000";
        bad_arg = 3;
    } else if (parse_u64(argv[4], CHECK_POPS, STEPS_MAX, &warmup) != 0) {
        bad = "WARMUP must be an integer in 20000..100000000";
        bad_arg = 4;
    } else if (parse_u64(argv[5], 1, REPS_MAX, &reps) != 0) {
        bad = "REPS must be an integer in 1..15";
        bad_arg = 5;
    }
    if (bad != NULL) {
        fprintf(stderr, "argv:%d:1: error: %s\n%s\n", bad_arg, bad, usage);
        return 2;
    }

    bench_t b = {
        .n = (uint32_t)n,
        .variant = strcmp(argv[2], "hold") == 0 ? VARIANT_HOLD : VARIANT_CANCEL,
        .steps = steps,
        .warmup = warmup,
        .reps = (uint32_t)reps,
    };
    const uint64_t total = warmup + reps * steps;
    b.pick_n = total / CANCEL_EVERY + 1;
    b.incr_n = n + total + b.pick_n;
    b.incr = malloc(b.incr_n * sizeof *b.incr);
    b.pick = malloc(b.pick_n * sizeof *b.pick);
    double *eps = malloc(reps * sizeof *eps);
    if (b.incr == NULL || b.pick == NULL || eps == NULL) {
        fprintf(stderr, "bench_queue: out of memory\n");
        return 1;
    }
    sim_rng_t r;
    sim_rng_stream(&r, 1, sim_rng_stream_id("bench-queue-incr"));
    for (uint64_t i = 0; i < b.incr_n; i++) {
        b.incr[i] = (uint32_t)sim_rng_below(&r, 2 * INCR_MEAN_MS) + 1;
    }
    sim_rng_stream(&r, 1, sim_rng_stream_id("bench-queue-pick"));
    for (uint64_t i = 0; i < b.pick_n; i++) {
        b.pick[i] = (uint32_t)sim_rng_below(&r, n);
    }

    const bool with_floor = b.variant == VARIANT_HOLD;
    double *eps_floor = malloc(reps * sizeof *eps_floor);
    static evq_run_t er;
    static floor_run_t fr;
    check_t chk_evq, chk_floor = 0;
    if (eps_floor == NULL || evq_setup(&er, &b, &chk_evq) != 0 ||
        (with_floor && floor_setup(&fr, &b, &chk_floor) != 0)) {
        fprintf(stderr, "bench_queue: out of memory\n");
        return 1;
    }
    for (uint32_t rep = 0; rep < b.reps; rep++) {
        eps[rep] = evq_round(&er, &b);
        if (with_floor) {
            eps_floor[rep] = floor_round(&fr, &b);
        }
    }
    assert(sim_evq_check(&er.q));
    print_result("hasim-evq", &b, eps, &chk_evq);
    if (with_floor) {
        print_result("floor-4heap", &b, eps_floor, &chk_floor);
        free(fr.f.mem);
    }
    sim_evq_free(&er.q);
    free(er.tok);
    free(eps_floor);
    free(b.incr);
    free(b.pick);
    free(eps);
    return 0;
}
