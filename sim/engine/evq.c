/* evq.c -- pending events in an implicit 4-ary min-heap with handles.
 *
 * The heap holds 16-byte entries and nothing else, so that the four
 * children of a node share one cache line and a sift touches one line per
 * level. An entry is its whole sort key plus the slot it belongs to:
 *
 *   t_ms
 *   lo = prio (8 bits) | seq (56 - slot_bits bits) | slot (slot_bits bits)
 *
 * Comparing (t_ms with its sign bit flipped, lo) as one unsigned 128-bit
 * number is comparing (t_ms, prio, seq): the slot bits sit below seq, and
 * seq is unique among pending events, so they never decide anything.
 *
 * Payloads and generations stay in the slot table, and the heap index of
 * each slot in pos[], which is the only thing a sift writes outside the
 * heap. What the wheel needs of a slot is in the slot itself (where it is:
 * prev is IN_HEAP for a heap event; its list links; the free list's link,
 * through next), so an event that never goes to the heap never touches
 * pos[], a line of its own at a region's size. (Slots padded to one 64-byte
 * line each were no faster there and slower at 10^5 pending in the queue
 * benchmark: 14 % more memory than a machine's cache held.) The free list
 * is LIFO: the slot a pop just released is hot in cache for the push that
 * usually follows.
 *
 * Past the last entry the heap keeps four max-key sentinels, so every node
 * that has a child has four and the sift-down needs no partial-group case.
 *
 * Pop leaves the root vacant instead of refilling it at once (fill_root):
 * the next push, typically the popped event's handler scheduling its
 * successor, then sinks from the root in one sift where pop-then-push costs
 * two. Only pop, cancel and renumbering need the root filled first.
 *
 * seq has at least 32 bits and is bounded by seq_limit. When it runs out,
 * the pending entries are sorted in place, which leaves a valid heap, and
 * renumbered 0..count-1: their order is what it was, later pushes still
 * come after them, and the cost is O(n log n) once per 2^32 pushes or
 * (much) rarer.
 */
#include "evq.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct sim_evq_entry {
    int64_t t_ms;
    uint64_t lo;
};

struct sim_evq_slot {
    sim_ev_data_t data;
    /* Bumped on push and on removal: odd while pending. */
    uint64_t gen;
    /* In the wheel: the event's key and its neighbours in its list. */
    int64_t t_ms;
    uint64_t lo;
    /* In the wheel: its list's links (NONE ends it). In the heap: prev is
     * IN_HEAP. Free: next links the free list (capacity ends it). */
    uint32_t next, prev;
};

typedef struct sim_evq_entry entry_t;

#define ARITY 4
#define SENTINELS ARITY
/* Leading padding so that heap[1..4], heap[5..8], ... start on a line. */
#define HEAP_PAD (ARITY - 1)
#define LINE_BYTES 64
/* Heap entries set to sentinels at a time, as the queue first grows. */
#define HEAP_CHUNK 4096u
#define KEY_BITS 56
#define PRIO_SHIFT 56
#define HANDLE_SLOT_BITS 24
#define HANDLE_SLOT_MASK ((UINT64_C(1) << HANDLE_SLOT_BITS) - 1)
#define HANDLE_GEN_MASK ((UINT64_C(1) << (64 - HANDLE_SLOT_BITS)) - 1)
#define SIGN_BIT (UINT64_C(1) << 63)
#define WHEEL_SLOTS (UINT32_C(1) << SIM_EVQ_WHEEL_BITS)
#define WHEEL_MASK (WHEEL_SLOTS - 1)
#define WHEEL_WORDS (WHEEL_SLOTS / 64)
#define NONE UINT32_MAX
/* A heap event's slot's prev (a wheel list's links are slots or NONE). */
#define IN_HEAP (UINT32_MAX - 1)

/* For renumber(): inlined into push it costs registers that the hot path
 * needs (gcc 12 then spills prio through the stack). */
#if defined(__GNUC__)
#define EVQ_COLD __attribute__((cold, noinline))
#define EVQ_NOINLINE __attribute__((noinline))
#else
#define EVQ_COLD
#define EVQ_NOINLINE
#endif

static const entry_t SENTINEL = {INT64_MAX, UINT64_MAX};

static inline bool key_less(entry_t a, entry_t b)
{
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 u128_t;
    const uint64_t ahi = (uint64_t)a.t_ms ^ SIGN_BIT, bhi = (uint64_t)b.t_ms ^ SIGN_BIT;
    return (((u128_t)ahi << 64) | a.lo) < (((u128_t)bhi << 64) | b.lo);
#else
    return a.t_ms < b.t_ms || (a.t_ms == b.t_ms && a.lo < b.lo);
#endif
}

static inline uint64_t slot_mask(const sim_evq_t *q)
{
    return (UINT64_C(1) << q->slot_bits) - 1;
}

static inline uint32_t entry_slot(const sim_evq_t *q, entry_t e)
{
    return (uint32_t)(e.lo & slot_mask(q));
}

static inline sim_ev_handle_t make_handle(uint32_t slot, uint64_t gen)
{
    return ((gen & HANDLE_GEN_MASK) << HANDLE_SLOT_BITS) | ((uint64_t)slot + 1);
}

/* Moves e up from hole i to where it belongs. Everything the loop needs
 * is in locals: a store to pos[] could otherwise alias q's own fields and
 * force reloads. */
static inline void sift_up(sim_evq_t *q, uint32_t i, entry_t e)
{
    entry_t *const h = q->heap;
    uint32_t *const pos = q->pos;
    const uint64_t smask = slot_mask(q);
    while (i > 0) {
        const uint32_t p = (i - 1) / ARITY;
        const entry_t pe = h[p];
        if (!key_less(e, pe)) {
            break;
        }
        h[i] = pe;
        pos[pe.lo & smask] = i;
        i = p;
    }
    h[i] = e;
    pos[e.lo & smask] = i;
}

/* Moves e down from hole i to where it belongs. The children of any node
 * below count exist (real or sentinel), so the min of four is unrolled.
 *
 * The loop is kept as small as a bare heap's: pos[] is brought up to date
 * afterwards by walking back up the path, which re-reads entries just
 * written (L1 hits). With the back-pointer stores inside, register
 * pressure made gcc 12 compile the selections below into branches, which
 * mispredict half the time on random keys; this way they stay cmovs. */
static inline void sift_down(sim_evq_t *q, uint32_t i, entry_t e)
{
    entry_t *const h = q->heap;
    const uint32_t n = q->hcount;
    const uint32_t start = i;
    for (;;) {
        const uint32_t c = ARITY * i + 1;
        if (c >= n) {
            break;
        }
        const uint32_t m01 = key_less(h[c + 1], h[c]) ? c + 1 : c;
        const uint32_t m23 = key_less(h[c + 3], h[c + 2]) ? c + 3 : c + 2;
        const uint32_t m = key_less(h[m23], h[m01]) ? m23 : m01;
        if (!key_less(h[m], e)) {
            break;
        }
        h[i] = h[m];
        i = m;
    }
    h[i] = e;
    uint32_t *const pos = q->pos;
    const uint64_t smask = slot_mask(q);
    pos[e.lo & smask] = i;
    while (i != start) {
        i = (i - 1) / ARITY;
        pos[h[i].lo & smask] = i;
    }
}

/* Takes out the entry at heap index i, whose slot the caller frees. */
static inline void heap_remove_at(sim_evq_t *q, uint32_t i)
{
    entry_t *h = q->heap;
    const uint32_t last = --q->hcount;
    const entry_t e = h[last];
    h[last] = SENTINEL;
    if (i == last) {
        return;
    }
    if (i > 0 && key_less(e, h[(i - 1) / ARITY])) {
        sift_up(q, i, e);
    } else {
        sift_down(q, i, e);
    }
}

/* Pop takes the root and leaves it vacant, so that the push which
 * usually follows (a handler scheduling its next event) can sink straight
 * from there. Anything else that needs a whole heap first moves the last
 * entry into the root, which is the rest of an ordinary pop. */
static inline void fill_root(sim_evq_t *q)
{
    if (!q->root_vacant) {
        return;
    }
    q->root_vacant = false;
    entry_t *h = q->heap;
    const uint32_t last = q->hcount;
    if (last == 0) {
        h[0] = SENTINEL;
        return;
    }
    const entry_t e = h[last];
    h[last] = SENTINEL;
    sift_down(q, 0, e);
}

static inline void slot_release(sim_evq_t *q, uint32_t s)
{
    q->slots[s].gen++;
    q->slots[s].next = q->free_head;
    q->free_head = s;
}

/* Sets heap entries up to need (at least) to sentinels, a chunk at a time:
 * every node below hcount must have its children defined. */
EVQ_COLD static void heap_extend(sim_evq_t *q, uint32_t need)
{
    if (need > q->heap_total) {
        need = q->heap_total; /* a full queue: its last entries' children are the padding */
    }
    uint32_t to = need + HEAP_CHUNK;
    if (to > q->heap_total) {
        to = q->heap_total;
    }
    for (uint32_t i = q->heap_ready; i < to; i++) {
        q->heap[i] = SENTINEL;
    }
    q->heap_ready = to;
}

static inline void heap_make_ready(sim_evq_t *q, uint32_t need)
{
    if (need > q->heap_ready) {
        heap_extend(q, need);
    }
}

/* ---- the wheel ------------------------------------------------------------
 *
 * Most events are due within seconds of now: a slice, a heartbeat timeout, a
 * start attempt. Those within WHEEL_SLOTS ms of the last event popped (cur)
 * go on the list of their millisecond, kept in key order (prio, then seq),
 * so a push is an append and a pop takes a list's head: O(1), and no
 * back-pointer moves. The rest (the far future, or the past before the
 * first pop) stay in the heap. When cur moves on, heap entries that the
 * window now covers move to the wheel, each at most once. A pop compares
 * the first wheel event with the heap's root, so the order is exactly the
 * heap-only order whatever mix of times is pushed. */

static inline bool in_window(const sim_evq_t *q, int64_t t)
{
    return t >= q->cur && (uint64_t)t - (uint64_t)q->cur < WHEEL_SLOTS;
}

static inline entry_t wkey(const sim_evq_t *q, uint32_t s)
{
    return (entry_t){q->slots[s].t_ms, q->slots[s].lo};
}

static inline void bit_set(sim_evq_t *q, uint32_t w)
{
    q->w_bits[w >> 6] |= UINT64_C(1) << (w & 63);
    q->w_sum[w >> 12] |= UINT64_C(1) << ((w >> 6) & 63);
}

static inline void bit_clear(sim_evq_t *q, uint32_t w)
{
    q->w_bits[w >> 6] &= ~(UINT64_C(1) << (w & 63));
    if (q->w_bits[w >> 6] == 0) {
        q->w_sum[w >> 12] &= ~(UINT64_C(1) << ((w >> 6) & 63));
    }
}

/* The first non-empty list at or after w (not wrapping), or NONE. */
static inline uint32_t scan_from(const sim_evq_t *q, uint32_t w)
{
    uint32_t i = w >> 6;
    uint64_t bits = q->w_bits[i] & (~UINT64_C(0) << (w & 63));
    if (bits != 0) {
        return (i << 6) | (uint32_t)__builtin_ctzll(bits);
    }
    for (uint32_t j = i + 1; j < WHEEL_WORDS; j = ((j >> 6) + 1) << 6) {
        uint64_t sum = q->w_sum[j >> 6] & (~UINT64_C(0) << (j & 63));
        if (sum != 0) {
            const uint32_t word = ((j >> 6) << 6) | (uint32_t)__builtin_ctzll(sum);
            return (word << 6) | (uint32_t)__builtin_ctzll(q->w_bits[word]);
        }
    }
    return NONE;
}

/* The list of the wheel's first event (the wheel is not empty): lists
 * from cur's millisecond on, around the end, are in time order. */
static inline uint32_t wheel_first(const sim_evq_t *q)
{
    const uint32_t from = (uint32_t)((uint64_t)q->cur & WHEEL_MASK);
    uint32_t w = scan_from(q, from);
    if (w == NONE) {
        w = scan_from(q, 0);
    }
    assert(w != NONE);
    return w;
}

/* Into list w (not empty), before its tail and after every event with a
 * smaller key, walking back from the tail. Out of line: it would cost the
 * append below registers (a world event at a millisecond that already has
 * a timer comes here, so it is not cold). */
EVQ_NOINLINE static void wheel_insert_before_tail(sim_evq_t *q, uint32_t s, entry_t e,
                                                  uint32_t w)
{
    struct sim_evq_slot *sl = &q->slots[s];
    uint32_t after = q->slots[q->w_tail[w]].prev;
    while (after != NONE && key_less(e, wkey(q, after))) {
        after = q->slots[after].prev;
    }
    const uint32_t before = after == NONE ? q->w_head[w] : q->slots[after].next;
    sl->prev = after;
    sl->next = before;
    if (after == NONE) {
        q->w_head[w] = s;
    } else {
        q->slots[after].next = s;
    }
    q->slots[before].prev = s;
}

/* Into its millisecond's list, after every event with a smaller key. A
 * list holds one millisecond, and its events came in seq order (directly,
 * or from the heap when the window reached them, before any direct push
 * could): only a lower prio goes before the tail. Its prio is kept beside
 * the list, so the usual append reads no other slot. */
static inline void wheel_insert(sim_evq_t *q, uint32_t s, entry_t e)
{
    struct sim_evq_slot *sl = &q->slots[s];
    sl->t_ms = e.t_ms;
    sl->lo = e.lo;
    q->w_count++;
    const uint32_t w = (uint32_t)((uint64_t)e.t_ms & WHEEL_MASK);
    const uint32_t tail = q->w_tail[w];
    const uint8_t prio = (uint8_t)(e.lo >> PRIO_SHIFT);
    if (tail == NONE) {
        sl->prev = NONE;
        sl->next = NONE;
        q->w_head[w] = s;
        q->w_tail[w] = s;
        q->w_tprio[w] = prio;
        bit_set(q, w);
    } else if (prio >= q->w_tprio[w]) {
        sl->prev = tail;
        sl->next = NONE;
        q->slots[tail].next = s;
        q->w_tail[w] = s;
        q->w_tprio[w] = prio;
    } else {
        wheel_insert_before_tail(q, s, e, w);
    }
}

/* Takes out s, the head of list w: what a pop does. */
static inline void wheel_pop_head(sim_evq_t *q, uint32_t w, uint32_t s)
{
    assert(q->w_head[w] == s);
    const uint32_t next = q->slots[s].next;
    q->w_head[w] = next;
    if (next == NONE) {
        q->w_tail[w] = NONE;
        bit_clear(q, w);
    } else {
        q->slots[next].prev = NONE;
    }
    q->w_count--;
}

static void wheel_unlink(sim_evq_t *q, uint32_t s)
{
    const struct sim_evq_slot *sl = &q->slots[s];
    const uint32_t w = (uint32_t)((uint64_t)sl->t_ms & WHEEL_MASK);
    if (sl->prev == NONE) {
        q->w_head[w] = sl->next;
    } else {
        q->slots[sl->prev].next = sl->next;
    }
    if (sl->next == NONE) {
        q->w_tail[w] = sl->prev;
        if (sl->prev != NONE) {
            q->w_tprio[w] = (uint8_t)(q->slots[sl->prev].lo >> PRIO_SHIFT);
        }
    } else {
        q->slots[sl->next].prev = sl->prev;
    }
    if (q->w_head[w] == NONE) {
        bit_clear(q, w);
    }
    q->w_count--;
}

static void heap_insert(sim_evq_t *q, entry_t e)
{
    q->slots[entry_slot(q, e)].prev = IN_HEAP;
    heap_make_ready(q, q->hcount + 2 + ARITY);
    q->hcount++;
    if (e.t_ms < q->h_min_t) {
        q->h_min_t = e.t_ms;
    }
    if (q->root_vacant) {
        /* The pop before us left the root empty: sinking the new event
         * from there is one sift where pop-then-push is two. */
        q->root_vacant = false;
        sift_down(q, 0, e);
    } else {
        sift_up(q, q->hcount - 1, e);
    }
}

/* The heap's least entry, without filling a vacant root: then it is the
 * least of the root's children. Sentinels fill in, so an empty heap gives
 * SENTINEL. */
static inline entry_t heap_min(const sim_evq_t *q)
{
    const entry_t *h = q->heap;
    if (!q->root_vacant) {
        return h[0];
    }
    const uint32_t m01 = key_less(h[2], h[1]) ? 2 : 1;
    const uint32_t m23 = key_less(h[4], h[3]) ? 4 : 3;
    return h[key_less(h[m23], h[m01]) ? m23 : m01];
}

/* h_min_t after the heap lost an entry (a push only lowers it, which
 * heap_insert does itself). Pop and advance() read h_min_t alone: no
 * wheel event has a heap event's time, so the times decide. */
static inline void heap_min_update(sim_evq_t *q)
{
    q->h_min_t = heap_min(q).t_ms;
}

/* Heap entries the window now covers go to the wheel. Out of line: the
 * pop that calls advance() would otherwise save registers for it every
 * time. */
EVQ_NOINLINE static void advance_move(sim_evq_t *q)
{
    fill_root(q);
    while (q->hcount > 0 && in_window(q, q->heap[0].t_ms)) {
        const entry_t e = q->heap[0];
        heap_remove_at(q, 0);
        wheel_insert(q, entry_slot(q, e), e);
    }
    heap_min_update(q);
}

/* The window moved to t (the key just popped was the least pending, so no
 * event is before t). */
static inline void advance(sim_evq_t *q, int64_t t)
{
    q->cur = t;
    if (!in_window(q, q->h_min_t)) {
        return; /* the usual case: nothing to move, and a vacant root stays vacant */
    }
    advance_move(q);
}

/* ---- the queue ------------------------------------------------------------ */

int sim_evq_init(sim_evq_t *q, uint32_t capacity)
{
    assert(q != NULL);
    assert(capacity >= 1 && capacity <= SIM_EVQ_CAPACITY_MAX);
    memset(q, 0, sizeof *q);

    size_t heap_bytes = ((size_t)capacity + HEAP_PAD + SENTINELS) * sizeof(entry_t);
    heap_bytes = (heap_bytes + LINE_BYTES - 1) / LINE_BYTES * LINE_BYTES;
    entry_t *heap_mem = aligned_alloc(LINE_BYTES, heap_bytes);
    uint32_t *pos = malloc((size_t)capacity * sizeof *pos);
    struct sim_evq_slot *slots = malloc((size_t)capacity * sizeof *slots);
    uint32_t *w_head = malloc(2 * (size_t)WHEEL_SLOTS * sizeof *w_head);
    uint64_t *w_bits = calloc(WHEEL_WORDS, sizeof *w_bits);
    uint8_t *w_tprio = malloc(WHEEL_SLOTS);
    if (heap_mem == NULL || pos == NULL || slots == NULL || w_head == NULL || w_bits == NULL ||
        w_tprio == NULL) {
        free(w_tprio);
        free(heap_mem);
        free(pos);
        free(slots);
        free(w_head);
        free(w_bits);
        return -1;
    }
    /* Memory is touched only as far as the queue is used (heap_ready,
     * fresh): a world sized for its worst case (every stream of every
     * session pending at once) then costs what it really holds, not what
     * it might. The padding entries are never read but are kept defined. */
    for (size_t i = 0; i < HEAP_PAD; i++) {
        heap_mem[i] = SENTINEL;
    }
    memset(w_head, 0xff, 2 * (size_t)WHEEL_SLOTS * sizeof *w_head); /* NONE */

    uint32_t slot_bits = 1;
    while ((UINT32_C(1) << slot_bits) < capacity) {
        slot_bits++;
    }
    q->heap_mem = heap_mem;
    q->heap = heap_mem + HEAP_PAD;
    q->pos = pos;
    q->slots = slots;
    q->w_head = w_head;
    q->w_tail = w_head + WHEEL_SLOTS;
    q->w_bits = w_bits;
    q->w_tprio = w_tprio;
    q->cur = INT64_MIN;
    q->h_min_t = INT64_MAX;
    q->count = 0;
    q->hcount = 0;
    q->capacity = capacity;
    q->free_head = capacity;
    q->fresh = 0;
    q->heap_ready = 0;
    q->heap_total = (uint32_t)(heap_bytes / sizeof(entry_t) - HEAP_PAD);
    heap_make_ready(q, 1 + SENTINELS);
    q->slot_bits = slot_bits;
    q->seq_next = 0;
    q->root_vacant = false;
    q->seq_limit = UINT64_C(1) << (KEY_BITS - slot_bits);
    return 0;
}

void sim_evq_free(sim_evq_t *q)
{
    assert(q != NULL);
    free(q->heap_mem);
    free(q->pos);
    free(q->slots);
    free(q->w_head);
    free(q->w_bits);
    free(q->w_tprio);
    memset(q, 0, sizeof *q);
}

/* Sorts [0, n) of the heap descending with a bounded 4-ary sift. */
static void sort_desc(entry_t *h, uint32_t n)
{
    for (uint32_t end = n; end > 1; end--) {
        const entry_t top = h[0];
        entry_t e = h[end - 1];
        h[end - 1] = top;
        const uint32_t size = end - 1;
        uint32_t i = 0;
        for (;;) {
            const uint32_t c = ARITY * i + 1;
            if (c >= size) {
                break;
            }
            uint32_t m = c;
            for (uint32_t k = c + 1; k < c + ARITY && k < size; k++) {
                if (key_less(h[k], h[m])) {
                    m = k;
                }
            }
            if (!key_less(h[m], e)) {
                break;
            }
            h[i] = h[m];
            i = m;
        }
        h[i] = e;
    }
}

/* Gives the pending entries seq 0..count-1 in their current order. The
 * wheel's events join the heap first (all of them: renumbering is once per
 * 2^32 pushes or rarer); a sorted array is a heap, so sorting is all the
 * restructuring needed; the window's events then go back to the wheel. */
EVQ_COLD static void renumber(sim_evq_t *q)
{
    fill_root(q);
    for (uint32_t w = 0; w < WHEEL_SLOTS; w++) {
        while (q->w_head[w] != NONE) {
            const uint32_t s = q->w_head[w];
            const entry_t e = wkey(q, s);
            wheel_unlink(q, s);
            heap_insert(q, e);
        }
    }
    entry_t *h = q->heap;
    const uint32_t n = q->hcount;
    sort_desc(h, n);
    for (uint32_t i = 0; i < n / 2; i++) {
        const entry_t tmp = h[i];
        h[i] = h[n - 1 - i];
        h[n - 1 - i] = tmp;
    }
    /* Renumbered in order; the window's events back to the wheel (appended
     * in key order), the rest kept as a sorted array, which is a heap. The
     * past (before cur) may be pending too, so this is a split, not a
     * prefix. */
    const uint64_t smask = slot_mask(q);
    const uint64_t prio_mask = UINT64_C(0xff) << PRIO_SHIFT;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t s = entry_slot(q, h[i]);
        entry_t e = h[i];
        e.lo = (e.lo & prio_mask) | ((uint64_t)i << q->slot_bits) | (e.lo & smask);
        h[i] = SENTINEL;
        if (in_window(q, e.t_ms)) {
            wheel_insert(q, s, e);
        } else {
            h[kept] = e;
            q->pos[s] = kept++;
        }
    }
    q->hcount = kept;
    heap_min_update(q);
    q->seq_next = n;
    assert(q->seq_next < q->seq_limit);
}

sim_ev_handle_t sim_evq_push(sim_evq_t *q, int64_t t_ms, uint8_t prio, sim_ev_data_t data)
{
    assert(q->count < q->capacity);
    if (q->seq_next >= q->seq_limit) {
        renumber(q);
    }
    /* Released slots first, last in first out; then one never used, in
     * order: the same slots the eager free list 0, 1, 2, ... handed out. */
    uint32_t s = q->free_head;
    if (s < q->capacity) {
        q->free_head = q->slots[s].next;
    } else {
        assert(q->fresh < q->capacity);
        s = q->fresh++;
        q->slots[s].gen = 0;
    }
    struct sim_evq_slot *slot = &q->slots[s];
    slot->data = data;
    slot->gen++;

    const entry_t e = {
        .t_ms = t_ms,
        .lo = ((uint64_t)prio << PRIO_SHIFT) | (q->seq_next << q->slot_bits) | s,
    };
    q->seq_next++;
    if (q->count == 0) {
        /* An empty queue may put its window anywhere: here, so that a queue
         * reused for a new run (times from 0 again) keeps the wheel. */
        q->cur = t_ms;
    }
    q->count++;
    if (in_window(q, t_ms)) {
        wheel_insert(q, s, e);
    } else {
        heap_insert(q, e);
    }
    return make_handle(s, slot->gen);
}

bool sim_evq_cancel(sim_evq_t *q, sim_ev_handle_t h)
{
    const uint64_t slot_field = h & HANDLE_SLOT_MASK;
    if (slot_field == 0 || slot_field > q->capacity) {
        return false;
    }
    const uint32_t s = (uint32_t)(slot_field - 1);
    if (s >= q->fresh) {
        return false; /* never used: no event was ever issued for it */
    }
    const uint64_t gen = q->slots[s].gen;
    if ((gen & 1) == 0 || (gen & HANDLE_GEN_MASK) != h >> HANDLE_SLOT_BITS) {
        return false;
    }
    q->count--;
    if (q->slots[s].prev != IN_HEAP) {
        wheel_unlink(q, s);
        slot_release(q, s);
        return true;
    }
    fill_root(q);
    const uint32_t i = q->pos[s];
    assert(i < q->hcount && entry_slot(q, q->heap[i]) == s);
    slot_release(q, s);
    heap_remove_at(q, i);
    heap_min_update(q);
    return true;
}

/* Takes the heap's root for a pop: its slot, and its time in *t_ms. Out
 * of line: the wheel is the usual case. */
EVQ_NOINLINE static uint32_t heap_pop_root(sim_evq_t *q, int64_t *t_ms)
{
    fill_root(q);
    const entry_t top = q->heap[0];
    const uint32_t s = entry_slot(q, top);
    *t_ms = top.t_ms;
    /* The heap is left with a vacant root; see fill_root. */
    q->hcount--;
    q->root_vacant = true;
    heap_min_update(q);
    return s;
}

bool sim_evq_pop(sim_evq_t *q, int64_t *t_ms, sim_ev_data_t *data)
{
    uint32_t s;
    int64_t t;
    if (q->w_count > 0) {
        const uint32_t w = wheel_first(q);
        s = q->w_head[w];
        t = q->slots[s].t_ms;
        /* The wheel's times are in the window and the heap's are not, so
         * they tie only with an empty heap's INT64_MAX. */
        assert(t != q->h_min_t || q->hcount == 0);
        if (t <= q->h_min_t) {
            wheel_pop_head(q, w, s);
        } else {
            s = heap_pop_root(q, &t);
        }
    } else if (q->hcount > 0) {
        s = heap_pop_root(q, &t);
    } else {
        return false;
    }
    *t_ms = t;
    *data = q->slots[s].data;
    slot_release(q, s);
    q->count--;
    if (t > q->cur) {
        advance(q, t);
    }
    return true;
}

/* The slot of the first event and its key (the queue is not empty), as pop
 * would take it, without moving anything. */
static uint32_t first_slot(const sim_evq_t *q, entry_t *key, bool *in_wheel)
{
    entry_t best = q->hcount > 0 ? heap_min(q) : SENTINEL;
    uint32_t s = q->hcount > 0 ? entry_slot(q, best) : NONE;
    *in_wheel = false;
    if (q->w_count > 0) {
        const uint32_t ws = q->w_head[wheel_first(q)];
        const entry_t w = wkey(q, ws);
        if (key_less(w, best)) {
            best = w;
            s = ws;
            *in_wheel = true;
        }
    }
    assert(s != NONE);
    *key = best;
    return s;
}

bool sim_evq_peek_t(const sim_evq_t *q, int64_t *t_ms)
{
    if (q->count == 0) {
        return false;
    }
    entry_t key;
    bool in_wheel;
    (void)first_slot(q, &key, &in_wheel);
    *t_ms = key.t_ms;
    return true;
}

/* The first event's slot (NONE when empty), its time and data, and
 * whether it is in the wheel. */
static inline uint32_t peek_first(const sim_evq_t *q, int64_t *t_ms, sim_ev_data_t *data,
                                  bool *in_wheel)
{
    if (q->count == 0) {
        return NONE;
    }
    entry_t key;
    const uint32_t s = first_slot(q, &key, in_wheel);
    *t_ms = key.t_ms;
    *data = q->slots[s].data;
    return s;
}

bool sim_evq_peek(const sim_evq_t *q, int64_t *t_ms, sim_ev_data_t *data)
{
    bool in_wheel;
    return peek_first(q, t_ms, data, &in_wheel) != NONE;
}

bool sim_evq_peek_ahead(const sim_evq_t *q, int64_t *t_ms, sim_ev_data_t *data)
{
    bool in_wheel;
    const uint32_t s = peek_first(q, t_ms, data, &in_wheel);
    if (s == NONE) {
        return false;
    }
#if defined(__GNUC__)
    if (in_wheel) {
        /* The next pop's slot: the one after s in its list, or, when s ends
         * its list (one event in five in a region's world), the head of the
         * next list, which would otherwise be a miss of its own. */
        uint32_t n = q->slots[s].next;
        if (n == NONE) {
            const uint32_t w = (uint32_t)((uint64_t)q->slots[s].t_ms & WHEEL_MASK);
            const uint32_t w2 = w + 1 < WHEEL_SLOTS ? scan_from(q, w + 1) : NONE;
            n = w2 != NONE ? q->w_head[w2] : NONE;
        }
        if (n != NONE) {
            /* Both ends: a slot is not line aligned, and its key is at its end. */
            const char *p = (const char *)&q->slots[n];
            __builtin_prefetch(p, 0, 3);
            __builtin_prefetch(p + sizeof(struct sim_evq_slot) - 1, 0, 3);
        }
    }
#endif
    return true;
}

/* Whether links [from, to) are all NONE: the first is, and each equals the
 * next (memcmp of the run against itself shifted, fast in any build). */
static bool all_none(const uint32_t *links, uint32_t from, uint32_t to)
{
    return from == to || (links[from] == NONE &&
                          memcmp(&links[from], &links[from + 1],
                                 (size_t)(to - from - 1) * sizeof *links) == 0);
}

/* The bitmap, its summary and the lists' tails against the lists' heads.
 * Tests check the whole queue after every operation, and the wheel has
 * 32 768 lists however few events are pending: the words with no list, most
 * of them, are checked a run at a time. */
static bool wheel_bits_check(const sim_evq_t *q)
{
    uint32_t run = 0; /* the first list of the run of empty words so far */
    for (uint32_t word = 0; word <= WHEEL_WORDS; word++) {
        if (word < WHEEL_WORDS && q->w_bits[word] == 0) {
            continue;
        }
        const uint32_t first = word << 6;
        if (!all_none(q->w_head, run, first) || !all_none(q->w_tail, run, first)) {
            return false;
        }
        run = first + 64;
        if (word == WHEEL_WORDS) {
            break;
        }
        uint64_t heads = 0;
        uint64_t tails = 0;
        for (uint32_t b = 0; b < 64; b++) {
            heads |= (uint64_t)(q->w_head[first | b] != NONE) << b;
            tails |= (uint64_t)(q->w_tail[first | b] != NONE) << b;
        }
        if (heads != q->w_bits[word] || tails != heads) {
            return false;
        }
    }
    for (uint32_t word = 0; word < WHEEL_WORDS; word++) {
        if (((q->w_sum[word >> 6] >> (word & 63)) & 1) != (q->w_bits[word] != 0)) {
            return false;
        }
    }
    return true;
}

/* Then every list that is not empty, found by its bit. */
static bool wheel_check(const sim_evq_t *q)
{
    if (!wheel_bits_check(q)) {
        return false;
    }
    uint32_t n = 0;
    for (uint32_t word = 0; word < WHEEL_WORDS; word++) {
        for (uint64_t bits = q->w_bits[word]; bits != 0; bits &= bits - 1) {
            const uint32_t w = (word << 6) | (uint32_t)__builtin_ctzll(bits);
            uint32_t prev = NONE;
            for (uint32_t s = q->w_head[w]; s != NONE; prev = s, s = q->slots[s].next) {
                if (s >= q->fresh || q->slots[s].prev == IN_HEAP || (q->slots[s].gen & 1) == 0 ||
                    q->slots[s].prev != prev || !in_window(q, q->slots[s].t_ms) ||
                    ((uint64_t)q->slots[s].t_ms & WHEEL_MASK) != w || n >= q->count ||
                    (prev != NONE && !key_less(wkey(q, prev), wkey(q, s)))) {
                    return false;
                }
                n++;
            }
            if (q->w_tail[w] != prev || q->w_tprio[w] != (uint8_t)(q->slots[prev].lo >> PRIO_SHIFT)) {
                return false;
            }
        }
    }
    return n == q->w_count;
}

bool sim_evq_check(const sim_evq_t *q)
{
    if (q->count > q->capacity || q->seq_next > q->seq_limit ||
        q->count != q->hcount + q->w_count || q->h_min_t != heap_min(q).t_ms ||
        !wheel_check(q)) {
        return false;
    }
    const entry_t *h = q->heap;
    const uint64_t seq_mask = (UINT64_C(1) << (KEY_BITS - q->slot_bits)) - 1;
    /* Entries occupy [first, end); with a vacant root they are shifted
     * by one and the root is not part of the heap. */
    const uint32_t first = q->root_vacant ? 1 : 0;
    const uint32_t end = q->hcount + first;
    for (uint32_t i = first; i < end; i++) {
        const uint32_t s = entry_slot(q, h[i]);
        if (s >= q->capacity || q->pos[s] != i || q->slots[s].prev != IN_HEAP ||
            (q->slots[s].gen & 1) == 0) {
            return false;
        }
        if (((h[i].lo >> q->slot_bits) & seq_mask) >= q->seq_next) {
            return false;
        }
        if (in_window(q, h[i].t_ms)) {
            return false; /* the window's events are in the wheel */
        }
        if (i > first && (i - 1) / ARITY >= first && key_less(h[i], h[(i - 1) / ARITY])) {
            return false;
        }
    }
    if (end + SENTINELS > q->heap_ready || q->fresh > q->capacity) {
        return false;
    }
    for (uint32_t i = end; i < end + SENTINELS; i++) {
        if (h[i].t_ms != SENTINEL.t_ms || h[i].lo != SENTINEL.lo) {
            return false;
        }
    }
    /* The free list and the never-used slots are exactly the slots not
     * pending. */
    uint32_t free_n = 0;
    for (uint32_t s = q->free_head; s < q->capacity; s = q->slots[s].next) {
        if (s >= q->fresh || (q->slots[s].gen & 1) != 0 || free_n >= q->capacity - q->count) {
            return false;
        }
        free_n++;
    }
    return free_n + (q->capacity - q->fresh) == q->capacity - q->count;
}
