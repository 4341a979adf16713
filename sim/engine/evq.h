/* evq.h -- the simulator's pending-event queue.
 *
 * Events come out in one total order, so that a run is a function of its
 * seed and nothing else:
 *
 *   1. earlier t_ms first;
 *   2. at the same millisecond, lower prio first (the world uses 0, the HA
 *      core's timers 1: whatever the world does at a millisecond is visible
 *      to a timer firing at that millisecond);
 *   3. then in push order.
 *
 * Pending events are cancellable through generation-checked handles: a
 * handle to an event that already fired or was cancelled is recognised as
 * stale and never reaches the event that now occupies its slot. Cancel
 * removes the event from the heap (no tombstones), so a simulation that
 * arms and disarms timers all the time keeps a queue of its live events.
 *
 * All memory is taken by sim_evq_init; push, pop and cancel allocate
 * nothing. Pushing into a full queue is the caller's bug (assert).
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stdbool.h>
#include <stdint.h>

/* What the queue carries for its owner; never looked at here. */
typedef struct {
    uint32_t kind;
    uint32_t a;
    uint32_t b;
    uint32_t c;
    uint64_t d;
} sim_ev_data_t;

/* (generation << 24) | (slot + 1); 0 is never a valid handle. */
typedef uint64_t sim_ev_handle_t;
#define SIM_EV_HANDLE_NONE ((sim_ev_handle_t)0)

/* Slot indexes live in 24 bits of the handle and of the heap key. */
#define SIM_EVQ_CAPACITY_MAX ((UINT32_C(1) << 24) - 1)

struct sim_evq_entry;
struct sim_evq_slot;

/* The wheel covers this many milliseconds from the last event popped. */
#define SIM_EVQ_WHEEL_BITS 15

/* Fields are private to evq.c; the struct is here only so that callers can
 * embed it. */
typedef struct {
    struct sim_evq_entry *heap; /* implicit 4-ary min-heap, [0, count) */
    uint32_t *pos;              /* per slot: heap index, or next free slot */
    struct sim_evq_slot *slots; /* per slot: payload and generation */
    void *heap_mem;             /* what heap points into, for free() */
    uint32_t count;             /* pending events: in the wheel and in the heap */
    uint32_t hcount;            /* of which in the heap, [0, hcount) */
    uint32_t capacity;
    uint32_t free_head;         /* released slots, last in first; capacity ends it */
    uint32_t fresh;             /* slots [fresh, capacity) were never used */
    uint32_t heap_ready;        /* heap entries [0, heap_ready) are set (real or sentinel) */
    uint32_t heap_total;        /* entries the heap has room for */
    /* The wheel: one list per millisecond of [cur, cur + 2^15), in key
     * order, and a two-level bitmap of the lists that are not empty. */
    uint32_t *w_head, *w_tail;
    uint64_t *w_bits;
    uint8_t *w_tprio;           /* prio of each list's tail */
    uint64_t w_sum[8];
    int64_t cur;
    int64_t h_min_t;            /* t_ms of the heap's least entry; INT64_MAX if none */
    uint32_t w_count;
    uint32_t slot_bits;
    bool root_vacant; /* heap[0] is empty, the entries are heap[1..count] */
    uint64_t seq_next;
    /* Sequence numbers stay below this; reaching it renumbers the pending
     * events in place (order unchanged). Tests lower it to exercise that. */
    uint64_t seq_limit;
} sim_evq_t;

/* 1 <= capacity <= SIM_EVQ_CAPACITY_MAX. Returns 0, or -1 when memory is
 * short (q is then left empty and safe to sim_evq_free). */
int sim_evq_init(sim_evq_t *q, uint32_t capacity);
void sim_evq_free(sim_evq_t *q);

/* Inline: a caller checks for room before every push. */
static inline uint32_t sim_evq_capacity(const sim_evq_t *q) { return q->capacity; }
static inline uint32_t sim_evq_count(const sim_evq_t *q) { return q->count; }

/* Any t_ms, including the past: the queue does not know what "now" is. */
sim_ev_handle_t sim_evq_push(sim_evq_t *q, int64_t t_ms, uint8_t prio, sim_ev_data_t data);

/* True when h named a pending event, which is now gone; false for
 * SIM_EV_HANDLE_NONE, fired, cancelled or foreign handles. O(1) for an
 * event due within 2^15 ms of the last pop, else O(log n). A
 * handle is exact until its slot has been reused 2^39 times. */
bool sim_evq_cancel(sim_evq_t *q, sim_ev_handle_t h);

/* Removes the first event in the order above; false when empty. */
bool sim_evq_pop(sim_evq_t *q, int64_t *t_ms, sim_ev_data_t *data);

/* Time of the first event; false when empty. */
bool sim_evq_peek_t(const sim_evq_t *q, int64_t *t_ms);
/* Time and data of the first event, the one pop would remove next; false
 * when empty. Nothing moves. */
bool sim_evq_peek(const sim_evq_t *q, int64_t *t_ms, sim_ev_data_t *data);
/* The same, and a cache hint for the event after it when that one is at
 * hand (the next in the first one's list): a caller that peeks once an
 * event finds the next peek's slot in cache. Nothing moves. */
bool sim_evq_peek_ahead(const sim_evq_t *q, int64_t *t_ms, sim_ev_data_t *data);

/* Walks the whole queue and reports whether every invariant holds (heap
 * order, back-pointers, free list, sentinels, the wheel's lists and
 * bitmaps). O(capacity) plus a memcmp-speed pass over the wheel's 2^15
 * lists: for tests and debugging, never called by the queue itself. */
bool sim_evq_check(const sim_evq_t *q);

#endif
