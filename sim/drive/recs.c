/* recs.c -- the recorder pool: slots found by recorder id, and each
 * server's and each session's recorders in start order.
 *
 * The core numbers recorders 1, 2, 3, ... for the life of a center, so ids
 * grow without bound while the recorders a platform still cares about (a
 * live process, a dead one whose exit report is on its way) stay few. A
 * recorder takes a slot when it is started and gives it back when the
 * platform releases it; an open-addressing index (linear probing, Fibonacci
 * hashing of the id, deletion by backward shift, so no tombstones) finds a
 * slot by id in O(1). Lists are intrusive and doubly linked through slots,
 * appended at the tail: ids increase, so each list is in id order, the order
 * the world has always visited recorders in.
 *
 * Slots live in pages that never move, so a pointer to a recorder stays
 * valid while the pool grows under it (the core may start recorders while a
 * platform holds one). The pool grows by a page when the last free slot is
 * taken: at a new high-water mark of live recorders, never in steady state.
 */
#include "driver_impl.h"
#include "trace/prefetch.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SHIFT 10
#define PAGE_SLOTS (1u << PAGE_SHIFT)
/* 2^22 pages of 2^10 slots: every uint32_t slot number below SIM_DRV_NONE. */
#define PAGES_MAX (1u << 22)

static sim_drv_rec_t *slot_rec(const sim_drv_t *d, uint32_t slot)
{
    assert(slot < d->recs_cap);
    return &d->pages[slot >> PAGE_SHIFT][slot & (PAGE_SLOTS - 1)];
}

static uint32_t hash_of(uint32_t id) { return id * 0x9E3779B1u; }

static uint32_t index_find(const sim_drv_t *d, uint32_t id)
{
    assert(id != 0);
    for (uint32_t i = hash_of(id) & d->index_mask, n = 0; n <= d->index_mask;
         i = (i + 1) & d->index_mask, n++) {
        uint32_t v = d->index[i];
        if (v == 0)
            return SIM_DRV_NONE;
        if (slot_rec(d, v - 1)->id == id)
            return i;
    }
    return SIM_DRV_NONE;
}

static void index_put(sim_drv_t *d, uint32_t id, uint32_t slot)
{
    uint32_t i = hash_of(id) & d->index_mask;
    for (uint32_t n = 0; d->index[i] != 0; n++) {
        assert(n <= d->index_mask && "the index is never full: it has twice the slots");
        i = (i + 1) & d->index_mask;
    }
    d->index[i] = slot + 1;
}

/* Knuth's algorithm R: moves back every entry the hole would cut off from
 * its home position. */
static void index_remove(sim_drv_t *d, uint32_t at)
{
    uint32_t hole = at;
    for (uint32_t i = (at + 1) & d->index_mask; d->index[i] != 0; i = (i + 1) & d->index_mask) {
        uint32_t home = hash_of(slot_rec(d, d->index[i] - 1)->id) & d->index_mask;
        /* Does home lie cyclically in (hole, i]? Then the entry stays. */
        bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
        if (!stays) {
            d->index[hole] = d->index[i];
            hole = i;
        }
    }
    d->index[hole] = 0;
}

/* The index's size for the pool's slots: at least twice as many. */
static uint32_t index_size(const sim_drv_t *d)
{
    uint32_t size = 16;
    while (size < 2 * d->recs_cap)
        size *= 2;
    return size;
}

static int index_rebuild(sim_drv_t *d)
{
    uint32_t size = index_size(d);
    if (size - 1 != d->index_mask || d->index == NULL) {
        uint32_t *idx = calloc(size, sizeof(*idx));
        if (idx == NULL)
            return -1;
        free(d->index);
        d->index = idx;
        d->index_mask = size - 1;
    } else {
        memset(d->index, 0, (size_t)size * sizeof(*d->index));
    }
    for (uint32_t s = 0; s < d->recs_hw; s++) {
        if (slot_rec(d, s)->id != 0)
            index_put(d, slot_rec(d, s)->id, s);
    }
    return 0;
}

/* One more page of free slots, the lowest numbers handed out first. */
static int pool_grow(sim_drv_t *d)
{
    uint32_t n = d->recs_cap / PAGE_SLOTS;
    if (n == PAGES_MAX)
        return -1;
    if (n == d->pages_cap) {
        uint32_t cap = d->pages_cap ? 2 * d->pages_cap : 4;
        sim_drv_rec_t **pages = realloc(d->pages, (size_t)cap * sizeof(*pages));
        if (pages == NULL)
            return -1;
        d->pages = pages;
        d->pages_cap = cap;
    }
    uint32_t *free_slots = realloc(d->recs_free, ((size_t)n + 1) * PAGE_SLOTS * sizeof(*free_slots));
    if (free_slots == NULL)
        return -1;
    d->recs_free = free_slots;
    /* Slots start cache lines (SIM_DRV_REC_ALIGN); a page is used from its
     * first slot on, so it is written whole soon anyway. */
    d->pages[n] = aligned_alloc(SIM_DRV_REC_ALIGN, PAGE_SLOTS * sizeof(sim_drv_rec_t));
    if (d->pages[n] == NULL)
        return -1;
    memset(d->pages[n], 0, PAGE_SLOTS * sizeof(sim_drv_rec_t));
    d->recs_cap += PAGE_SLOTS;
    for (uint32_t s = d->recs_cap; s-- > n * PAGE_SLOTS;)
        d->recs_free[d->recs_free_n++] = s;
    d->recs_free_laid = false;
    return index_rebuild(d);
}

int drv_recs_setup(sim_drv_t *d, uint32_t slots)
{
    /* Empty what the last run left: released slots were cleared and left
     * the index then, slots from recs_hw on were never taken, and the
     * recorders still live leave the index here one by one (a whole index
     * cleared per run cost more than the rest of the set-up). An index of
     * the wrong size (a growth that failed) is rebuilt instead. */
    bool index_sound = d->index != NULL && index_size(d) - 1 == d->index_mask;
    for (uint32_t s = 0; s < d->recs_hw; s++) {
        sim_drv_rec_t *r = slot_rec(d, s);
        if (r->id == 0)
            continue;
        if (index_sound)
            index_remove(d, index_find(d, r->id));
        memset(r, 0, sizeof(*r));
    }
    /* The free stack, laid out as cap - 1, ..., 1, 0 (0 on top). A run that
     * took slots below recs_hw only never reached below its first
     * cap - recs_hw entries: with no growth since it was laid out, those
     * still are as laid out. */
    uint32_t kept = d->recs_free_laid ? d->recs_cap - d->recs_hw : 0;
    d->recs_free_n = kept;
    for (uint32_t s = d->recs_cap - kept; s-- > 0;)
        d->recs_free[d->recs_free_n++] = s;
    d->recs_free_laid = true;
    d->recs_hw = 0;
    d->recs_live = 0;
    while (d->recs_cap < slots) {
        if (pool_grow(d) != 0)
            return -1;
    }
    return index_sound ? 0 : index_rebuild(d);
}

void drv_recs_free(sim_drv_t *d)
{
    for (uint32_t i = 0; i < d->recs_cap / PAGE_SLOTS; i++)
        free(d->pages[i]);
    free(d->pages);
    free(d->recs_free);
    free(d->index);
}

static uint32_t *list_next(sim_drv_rec_t *r, bool by_server)
{
    return by_server ? &r->srv_next : &r->ses_next;
}

static uint32_t *list_prev(sim_drv_rec_t *r, bool by_server)
{
    return by_server ? &r->srv_prev : &r->ses_prev;
}

static void list_append(sim_drv_t *d, sim_drv_rec_t *r, uint32_t *first, uint32_t *last,
                        bool by_server)
{
    *list_prev(r, by_server) = *last;
    *list_next(r, by_server) = SIM_DRV_NONE;
    if (*last == SIM_DRV_NONE)
        *first = r->slot;
    else
        *list_next(slot_rec(d, *last), by_server) = r->slot;
    *last = r->slot;
}

static void list_unlink(sim_drv_t *d, sim_drv_rec_t *r, uint32_t *first, uint32_t *last,
                        bool by_server)
{
    uint32_t prev = *list_prev(r, by_server), next = *list_next(r, by_server);
    if (prev == SIM_DRV_NONE)
        *first = next;
    else
        *list_next(slot_rec(d, prev), by_server) = next;
    if (next == SIM_DRV_NONE)
        *last = prev;
    else
        *list_prev(slot_rec(d, next), by_server) = prev;
}

sim_drv_rec_t *drv_rec_add(sim_drv_t *d, uint32_t id, uint32_t session, uint32_t server,
                           uint32_t uid)
{
    assert(id != 0 && index_find(d, id) == SIM_DRV_NONE && "the core reused a recorder id");
    assert(session < d->sessions_n && server < d->servers_n);
    if (d->recs_free_n == 0 && pool_grow(d) != 0) {
        sim_drv_fail(d, "out of memory for recorders");
        return NULL;
    }
    uint32_t slot = d->recs_free[--d->recs_free_n];
    if (slot >= d->recs_hw)
        d->recs_hw = slot + 1;
    sim_drv_rec_t *r = slot_rec(d, slot);
    *r = (sim_drv_rec_t){.id = id, .slot = slot, .session = session, .server = server,
                         .uid = uid, .state = SIM_REC_STARTING};
    index_put(d, id, slot);
    sim_drv_server_t *sv = &d->servers[server];
    sim_drv_session_t *s = &d->sessions[session];
    list_append(d, r, &sv->rec_first, &sv->rec_last, true);
    list_append(d, r, &s->rec_first, &s->rec_last, false);
    d->recs_live++;
    if (d->recs_live > d->stats.recs_live_max)
        d->stats.recs_live_max = d->recs_live;
    return r;
}

void sim_drv_rec_release(sim_drv_t *d, sim_drv_rec_t *r)
{
    uint32_t at = index_find(d, r->id);
    assert(at != SIM_DRV_NONE && d->index[at] == r->slot + 1);
    index_remove(d, at);
    sim_drv_server_t *sv = &d->servers[r->server];
    sim_drv_session_t *s = &d->sessions[r->session];
    list_unlink(d, r, &sv->rec_first, &sv->rec_last, true);
    list_unlink(d, r, &s->rec_first, &s->rec_last, false);
    uint32_t slot = r->slot;
    memset(r, 0, sizeof(*r));
    d->recs_free[d->recs_free_n++] = slot;
    d->recs_live--;
}

sim_drv_rec_t *sim_drv_rec(sim_drv_t *d, uint32_t id)
{
    if (id == 0 || d->recs_cap == 0)
        return NULL;
    uint32_t at = index_find(d, id);
    return at == SIM_DRV_NONE ? NULL : slot_rec(d, d->index[at] - 1);
}

sim_drv_rec_t *sim_drv_rec_in(sim_drv_t *d, uint32_t slot, uint32_t id)
{
    if (id == 0 || slot >= d->recs_cap)
        return NULL;
    sim_drv_rec_t *r = slot_rec(d, slot);
    /* Ids are never reused, so a slot holding this id holds this recorder. */
    return r->id == id ? r : NULL;
}

/* What a slice of recorder id (in slot, of session ws, the core's session
 * core) will read, asked for ahead: the recorder and session records, the
 * core's map back to the session, the core's session
 * (ha_center_prefetch_session) and the sink's records (the oracle's).
 * Nothing is read here that is not in cache: a hint that waits for a miss
 * is one miss late. Hints only: nothing changes. */
void sim_drv_prefetch_event(const sim_drv_t *d, uint32_t slot, uint32_t id, uint32_t ws,
                            uint32_t core, int stage)
{
    if ((slot >= d->recs_cap && slot != SIM_DRV_NONE) || ws >= d->sessions_n)
        return;
    if (stage == SIM_PREFETCH_RECORDS) {
        if (slot != SIM_DRV_NONE)
            SIM_PREFETCH_BYTES(slot_rec(d, slot), sizeof(sim_drv_rec_t));
        SIM_PREFETCH(&d->sessions[ws]);
        if (core != SIM_DRV_NONE) {
            ha_center_prefetch_session(d->core, core);
            if (core < d->sessions_n)
                SIM_PREFETCH(&d->core_to_session[core]);
        }
    }
    if (d->o.prefetch != NULL)
        d->o.prefetch(d->o.sink_ctx, drv_one_based(ws), id, stage);
}

static sim_drv_rec_t *at_slot(sim_drv_t *d, uint32_t slot)
{
    return slot == SIM_DRV_NONE ? NULL : slot_rec(d, slot);
}

sim_drv_rec_t *sim_drv_server_recs(sim_drv_t *d, uint32_t server)
{
    assert(server < d->servers_n);
    return at_slot(d, d->servers[server].rec_first);
}

sim_drv_rec_t *sim_drv_session_recs(sim_drv_t *d, uint32_t session)
{
    assert(session < d->sessions_n);
    return at_slot(d, d->sessions[session].rec_first);
}

sim_drv_rec_t *sim_drv_next_on_server(sim_drv_t *d, const sim_drv_rec_t *r)
{
    return at_slot(d, r->srv_next);
}

sim_drv_rec_t *sim_drv_next_of_session(sim_drv_t *d, const sim_drv_rec_t *r)
{
    return at_slot(d, r->ses_next);
}
