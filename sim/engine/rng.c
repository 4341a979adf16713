/* rng.c -- xoshiro256** streams seeded through splitmix64.
 *
 * The generator and the seeder are the published reference algorithms
 * (prng.di.unimi.it); tests/test_rng.c holds their reference outputs, so
 * any change here that alters a single draw fails the build.
 */
#include "rng.h"

#include <assert.h>
#include <stddef.h>

#define SPLITMIX64_GAMMA UINT64_C(0x9e3779b97f4a7c15)
#define FNV1A64_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV1A64_PRIME UINT64_C(0x00000100000001b3)
/* A stream name longer than this is a bug in the caller, not a name. */
#define STREAM_NAME_LEN_MAX 4096

/* splitmix64's output function: a bijection on 64 bits with mix(0) == 0. */
static uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t splitmix64_next(uint64_t *x)
{
    *x += SPLITMIX64_GAMMA;
    return splitmix64_mix(*x);
}

void sim_rng_seed(sim_rng_t *r, uint64_t seed)
{
    assert(r != NULL);
    uint64_t x = seed;
    for (size_t i = 0; i < 4; i++) {
        r->s[i] = splitmix64_next(&x);
    }
    /* Four consecutive splitmix64 outputs are four distinct states mixed
     * by a bijection that fixes only 0, so at most one of them is zero. */
    assert((r->s[0] | r->s[1] | r->s[2] | r->s[3]) != 0);
}

void sim_rng_stream(sim_rng_t *r, uint64_t run_seed, uint64_t stream_id)
{
    /* Mixing the run seed before the xor keeps nearby run seeds and nearby
     * ids from lining up (seed 1 stream 2 vs seed 2 stream 1); the outer
     * mix spreads the xor over all bits. Both steps are bijections, so
     * for one run seed distinct ids give distinct splitmix64 seeds, hence
     * distinct first state words. */
    uint64_t seed = splitmix64_mix(splitmix64_mix(run_seed + SPLITMIX64_GAMMA) ^ stream_id);
    sim_rng_seed(r, seed);
}

uint64_t sim_rng_stream_id(const char *name)
{
    assert(name != NULL);
    uint64_t h = FNV1A64_OFFSET;
    size_t i = 0;
    for (; name[i] != '\0'; i++) {
        assert(i < STREAM_NAME_LEN_MAX);
        h ^= (uint64_t)(unsigned char)name[i];
        h *= FNV1A64_PRIME;
    }
    return h;
}

/* The full 128-bit product of x and n, as (high, low) words. */
#if defined(__SIZEOF_INT128__) && !defined(SIM_RNG_PORTABLE_MUL)
static uint64_t mul_64x64(uint64_t x, uint64_t n, uint64_t *lo)
{
    __extension__ typedef unsigned __int128 u128_t;
    u128_t m = (u128_t)x * n;
    *lo = (uint64_t)m;
    return (uint64_t)(m >> 64);
}
#else
static uint64_t mul_64x64(uint64_t x, uint64_t n, uint64_t *lo)
{
    const uint64_t mask32 = UINT64_C(0xffffffff);
    uint64_t x_lo = x & mask32, x_hi = x >> 32;
    uint64_t n_lo = n & mask32, n_hi = n >> 32;
    uint64_t ll = x_lo * n_lo;
    uint64_t lh = x_lo * n_hi;
    uint64_t hl = x_hi * n_lo;
    uint64_t hh = x_hi * n_hi;
    uint64_t mid = (ll >> 32) + (lh & mask32) + (hl & mask32);
    *lo = (mid << 32) | (ll & mask32);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
#endif

uint64_t sim_rng_below(sim_rng_t *r, uint64_t n)
{
    assert(n > 0);
    uint64_t lo;
    uint64_t hi = mul_64x64(sim_rng_next(r), n, &lo);
    if (lo < n) {
        /* 2^64 mod n: the low products below it are the surplus that
         * would bias the high word. Each redraw is rejected with
         * probability below 1/2, so 128 rejections in a row mean a broken
         * generator, not bad luck (odds 2^-128). */
        const uint64_t threshold = (0 - n) % n;
        for (unsigned tries = 0; lo < threshold; tries++) {
            assert(tries < 128);
            hi = mul_64x64(sim_rng_next(r), n, &lo);
        }
    }
    return hi;
}

int64_t sim_rng_range(sim_rng_t *r, int64_t lo, int64_t hi)
{
    assert(lo <= hi);
    /* Unsigned arithmetic wraps where signed would overflow: the span of
     * INT64_MIN..INT64_MAX is UINT64_MAX, which below() cannot take + 1. */
    const uint64_t span = (uint64_t)hi - (uint64_t)lo;
    const uint64_t off = span == UINT64_MAX ? sim_rng_next(r) : sim_rng_below(r, span + 1);
    const uint64_t u = (uint64_t)lo + off;
    /* Back to signed without implementation-defined conversion. */
    if (u <= (uint64_t)INT64_MAX) {
        return (int64_t)u;
    }
    return -(int64_t)(UINT64_MAX - u) - 1;
}
