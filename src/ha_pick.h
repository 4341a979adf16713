/* ha_pick.h -- the least key among n slots, kept as a tournament tree.
 *
 * The center picks a replacement server (the least loaded that may take
 * one, lowest index on ties) at every start and failover attempt. Looking
 * at every server made that O(servers) an attempt: 10^8 server reads for a
 * region's 100 000 starts on 1 000 servers. The tree answers "the least key
 * in [lo, hi)" in O(log n) and takes a slot's new key in O(log n), so a
 * pick grows with the log of the fleet: 14 levels for 10 000 servers.
 *
 * Keys are any uint64_t but HA_PICK_NONE, which a query returns when no
 * slot of its range holds one. Nodes hold keys inverted, so that memory
 * cleared to zero is a tree with every slot empty: the center lays it in
 * the part of its footprint that init clears, and it never allocates.
 */
#ifndef HA_PICK_H
#define HA_PICK_H

#include <stddef.h>
#include <stdint.h>

#define HA_PICK_NONE UINT64_MAX

typedef struct {
    uint64_t *node; /* node[1] is the root; slot i is node[leaves + i] */
    uint32_t leaves; /* a power of two, >= n */
} ha_pick_t;

/* Bytes of the tree's nodes for n slots (n >= 1). */
size_t ha_pick_bytes(uint32_t n);

/* A tree of n empty slots over mem (ha_pick_bytes(n) bytes, zeroed). */
void ha_pick_init(ha_pick_t *t, void *mem, uint32_t n);

/* Slot i holds key (not HA_PICK_NONE); ha_pick_clear empties it. */
void ha_pick_set(ha_pick_t *t, uint32_t i, uint64_t key);
void ha_pick_clear(ha_pick_t *t, uint32_t i);

/* The least key held in slots [lo, hi), or HA_PICK_NONE. */
uint64_t ha_pick_min(const ha_pick_t *t, uint32_t lo, uint32_t hi);

#endif
