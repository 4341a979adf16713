/* ha_pick.c -- the least key among n slots: a tournament tree (ha_pick.h).
 *
 * The tree is implicit, the root at node[1] and node j's children at 2j
 * and 2j + 1; slot i's leaf is node[leaves + i]. Each node holds the
 * greatest inverted key below it (so the least key), and 0 for none: zeroed
 * memory is an empty tree. A range query walks up from both ends, the
 * bottom-up way that needs no recursion and reads at most two nodes a
 * level.
 */
#include "ha_pick.h"

#include <assert.h>

static uint32_t leaves_for(uint32_t n)
{
    assert(n >= 1 && n <= (UINT32_MAX >> 1) + 1);
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

size_t ha_pick_bytes(uint32_t n)
{
    return sizeof(uint64_t) * 2 * (size_t)leaves_for(n);
}

void ha_pick_init(ha_pick_t *t, void *mem, uint32_t n)
{
    assert(t != NULL && mem != NULL);
    t->node = mem;
    t->leaves = leaves_for(n);
}

static inline uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Leaf j was written: its ancestors again, up to the first that keeps its
 * value (every one above it then keeps its own; a leaf written with the
 * value it had stops at its parent). */
static void rise(ha_pick_t *t, uint32_t j)
{
    for (j >>= 1; j >= 1; j >>= 1) {
        const uint64_t v = max64(t->node[2 * j], t->node[2 * j + 1]);
        if (t->node[j] == v)
            return;
        t->node[j] = v;
    }
}

void ha_pick_set(ha_pick_t *t, uint32_t i, uint64_t key)
{
    assert(i < t->leaves && key != HA_PICK_NONE);
    const uint32_t j = t->leaves + i;
    t->node[j] = ~key;
    rise(t, j);
}

void ha_pick_clear(ha_pick_t *t, uint32_t i)
{
    assert(i < t->leaves);
    const uint32_t j = t->leaves + i;
    t->node[j] = 0;
    rise(t, j);
}

uint64_t ha_pick_min(const ha_pick_t *t, uint32_t lo, uint32_t hi)
{
    assert(hi <= t->leaves);
    uint64_t best = 0;
    /* [l, r) at each level: a left end that is a right child is taken and
     * stepped past, as is a right end's left neighbour; the rest is
     * covered by their parents. */
    for (uint32_t l = t->leaves + lo, r = t->leaves + hi; l < r; l >>= 1, r >>= 1) {
        if (l & 1)
            best = max64(best, t->node[l++]);
        if (r & 1)
            best = max64(best, t->node[--r]);
    }
    return ~best;
}
