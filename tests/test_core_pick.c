/* test_core_pick.c -- src/ha_pick.c, the tournament tree behind the center's
 * server pick, against a plain array scanned end to end: random sets,
 * clears and range queries at sizes that are and are not powers of two,
 * every range of the small ones, and zeroed memory as an empty tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/rng.h"
#include "ha_pick.h"

typedef struct {
    ha_pick_t t;
    uint64_t *mem;
    uint64_t *model; /* HA_PICK_NONE where a slot holds nothing */
    uint32_t n;
} fixture_t;

static void fixture_new(fixture_t *f, uint32_t n)
{
    size_t bytes = ha_pick_bytes(n);
    assert_true(bytes >= 2 * n * sizeof(uint64_t));
    f->mem = calloc(1, bytes);
    f->model = malloc(n * sizeof(uint64_t));
    assert_non_null(f->mem);
    assert_non_null(f->model);
    for (uint32_t i = 0; i < n; i++)
        f->model[i] = HA_PICK_NONE;
    ha_pick_init(&f->t, f->mem, n);
    f->n = n;
}

static void fixture_free(fixture_t *f)
{
    free(f->mem);
    free(f->model);
}

static uint64_t model_min(const fixture_t *f, uint32_t lo, uint32_t hi)
{
    uint64_t best = HA_PICK_NONE;
    for (uint32_t i = lo; i < hi; i++)
        best = f->model[i] < best ? f->model[i] : best;
    return best;
}

static void test_zeroed_is_empty(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {1, 2, 3, 7, 8, 9, 1000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        fixture_t f;
        fixture_new(&f, sizes[k]);
        assert_int_equal(ha_pick_min(&f.t, 0, f.n), HA_PICK_NONE);
        assert_int_equal(ha_pick_min(&f.t, f.n / 2, f.n / 2), HA_PICK_NONE);
        fixture_free(&f);
    }
}

/* The center's keys: (load << 32 | index). The least load wins, then the
 * lowest index; a cleared slot is skipped; a set slot can go up or down. */
static void test_center_keys(void **state)
{
    (void)state;
    fixture_t f;
    fixture_new(&f, 5);
    for (uint32_t i = 0; i < 5; i++)
        ha_pick_set(&f.t, i, (uint64_t)3 << 32 | i);
    assert_int_equal(ha_pick_min(&f.t, 0, 5), (uint64_t)3 << 32 | 0);
    ha_pick_set(&f.t, 3, (uint64_t)1 << 32 | 3);
    assert_int_equal(ha_pick_min(&f.t, 0, 5), (uint64_t)1 << 32 | 3);
    assert_int_equal(ha_pick_min(&f.t, 0, 3), (uint64_t)3 << 32 | 0);
    assert_int_equal(ha_pick_min(&f.t, 4, 5), (uint64_t)3 << 32 | 4);
    ha_pick_clear(&f.t, 3);
    ha_pick_clear(&f.t, 0);
    assert_int_equal(ha_pick_min(&f.t, 0, 5), (uint64_t)3 << 32 | 1);
    ha_pick_set(&f.t, 4, (uint64_t)0 << 32 | 4);
    assert_int_equal(ha_pick_min(&f.t, 0, 5), 4);
    ha_pick_set(&f.t, 4, (uint64_t)9 << 32 | 4); /* a load going up */
    assert_int_equal(ha_pick_min(&f.t, 0, 5), (uint64_t)3 << 32 | 1);
    for (uint32_t i = 0; i < 5; i++)
        ha_pick_clear(&f.t, i);
    assert_int_equal(ha_pick_min(&f.t, 0, 5), HA_PICK_NONE);
    /* A cleared tree is zero again, as init left it. */
    for (size_t j = 0; j < ha_pick_bytes(5) / sizeof(uint64_t); j++)
        assert_int_equal(f.mem[j], 0);
    fixture_free(&f);
}

/* Random operations, every query checked against the scan; for the small
 * sizes every range after every change. */
static void test_against_a_scan(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {1, 2, 3, 4, 5, 17, 64, 1000, 1025, 4096};
    sim_rng_t rng;
    sim_rng_seed(&rng, 2026);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        fixture_t f;
        fixture_new(&f, sizes[k]);
        for (int step = 0; step < 4000; step++) {
            uint32_t i = (uint32_t)sim_rng_below(&rng, f.n);
            if (sim_rng_chance(&rng, 1, 4)) {
                ha_pick_clear(&f.t, i);
                f.model[i] = HA_PICK_NONE;
            } else {
                /* Few distinct loads, so that ties are common. */
                uint64_t key = sim_rng_below(&rng, 4) << 32 | i;
                ha_pick_set(&f.t, i, key);
                f.model[i] = key;
            }
            if (f.n <= 17) {
                for (uint32_t lo = 0; lo <= f.n; lo++)
                    for (uint32_t hi = lo; hi <= f.n; hi++)
                        assert_int_equal(ha_pick_min(&f.t, lo, hi), model_min(&f, lo, hi));
            } else {
                uint32_t lo = (uint32_t)sim_rng_below(&rng, f.n + 1);
                uint32_t hi = lo + (uint32_t)sim_rng_below(&rng, f.n - lo + 1);
                assert_int_equal(ha_pick_min(&f.t, lo, hi), model_min(&f, lo, hi));
                assert_int_equal(ha_pick_min(&f.t, 0, f.n), model_min(&f, 0, f.n));
            }
        }
        fixture_free(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zeroed_is_empty),
        cmocka_unit_test(test_center_keys),
        cmocka_unit_test(test_against_a_scan),
    };
    return cmocka_run_group_tests_name("core_pick", tests, NULL, NULL);
}
