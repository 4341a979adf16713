/* rng.h -- the simulator's only source of randomness.
 *
 * xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64. Every
 * component draws from its own stream, derived from (run seed, stream id)
 * alone: adding a component, or drawing more in one, never shifts what any
 * other component sees, so a run is reproducible from its seed and a
 * scenario can grow without reshuffling the faults of the old one.
 *
 * Integers only. The state is plain data: copying a sim_rng_t forks the
 * stream (both copies then produce the same draws).
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} sim_rng_t;

/* Plain seeding as the reference code does it: the four state words are
 * the first four outputs of splitmix64 started at seed. */
void sim_rng_seed(sim_rng_t *r, uint64_t seed);

/* Stream stream_id of run run_seed. Two different ids under one run seed
 * always give different states (the derivation is a bijection in the id);
 * the state never is the all-zero one xoshiro cannot leave. */
void sim_rng_stream(sim_rng_t *r, uint64_t run_seed, uint64_t stream_id);

/* FNV-1a 64 of a NUL-terminated name. Stable: this exact function is part
 * of the format of every recorded run (a stream's id is the hash of its
 * component's name), so it must never change. */
uint64_t sim_rng_stream_id(const char *name);

static inline uint64_t sim_rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* The next 64 raw bits. Inline: the hostile driver draws one for nearly
 * every input it gives the core. */
static inline uint64_t sim_rng_next(sim_rng_t *r)
{
    uint64_t *s = r->s;
    const uint64_t result = sim_rng_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0, without modulo bias (Lemire 2019). Usually
 * one draw; rejects and redraws with probability below n / 2^64. */
uint64_t sim_rng_below(sim_rng_t *r, uint64_t n);

/* Uniform in [lo, hi], both inclusive, lo <= hi; any int64 pair, including
 * INT64_MIN..INT64_MAX. */
int64_t sim_rng_range(sim_rng_t *r, int64_t lo, int64_t hi);

/* True with probability num/den exactly, 0 <= num <= den, den > 0. Always
 * consumes draws the same way whatever num is, so that changing a
 * probability in a scenario does not shift the stream by itself.
 *
 * It is sim_rng_below(r, den) < num. Inline, because callers ask with a
 * constant den, mostly a power of two, and for one below() needs neither
 * the 128-bit product nor a redraw: 2^64 mod den is 0, so nothing is ever
 * rejected, and the high word of draw * 2^k is the draw's top k bits, which
 * for den <= 2^31 are ((draw >> 32) * den) >> 32. One draw, the same
 * value. */
static inline bool sim_rng_chance(sim_rng_t *r, uint32_t num, uint32_t den)
{
    assert(den > 0);
    assert(num <= den);
    if ((den & (den - 1)) == 0)
        return ((sim_rng_next(r) >> 32) * den) >> 32 < num;
    return sim_rng_below(r, den) < num;
}

#endif
