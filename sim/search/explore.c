/* explore.c -- every timeline of up to K faults, level by level.
 *
 * Levels below K are kept in memory as (parent, variant, time, detection)
 * entries; the timelines of a level are numbered lazily from the level
 * before: prefix sums over the parents' counts map an item number to its
 * parent, its variant and its time, so a level is never listed whole and
 * the last level costs no memory at all. The pool runs each level; for the
 * levels below K it reports, per timeline, when its last fault was
 * detected, which fixes the bound points of the next level.
 */
#include "explore.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "judge/oracle.h"

static const char *const KIND_NAMES[EXPLORE_KIND_COUNT] = {
    "kill", "disconnect", "blip", "heal-60s", "heal-late", "crash", "provision-fail",
    "heal-early", "blip-detect-1", "blip-detect", "blip-detect+1", "blip-tick-1", "blip-tick+1",
};

/* Bound points: detection + these, each -1, 0, +1 ms; with bounds also the
 * last (a replacement's attempt times out). */
static const int64_t BOUND_MS[] = {30000, 60000, 90000, 9000};
#define BOUNDS_DEFAULT 3
#define BOUND_POINTS (3 * (int)(sizeof(BOUND_MS) / sizeof(BOUND_MS[0])))

static const struct {
    const char *name;
    int64_t start_lo, start_hi, rejoin_lo, rejoin_hi;
} WORLDS[EXPLORE_WORLDS_MAX] = {
    {"start_latency 4s, rejoin_latency 1s", EXPLORE_START_LATENCY_MS, EXPLORE_START_LATENCY_MS,
     EXPLORE_REJOIN_LATENCY_MS, EXPLORE_REJOIN_LATENCY_MS},
    {"start_latency 8999ms", 8999, 8999, EXPLORE_REJOIN_LATENCY_MS, EXPLORE_REJOIN_LATENCY_MS},
    {"start_latency 9s", 9000, 9000, EXPLORE_REJOIN_LATENCY_MS, EXPLORE_REJOIN_LATENCY_MS},
    {"start_latency 9s..9001ms", 9000, 9001, EXPLORE_REJOIN_LATENCY_MS, EXPLORE_REJOIN_LATENCY_MS},
    {"rejoin_latency 8999ms", EXPLORE_START_LATENCY_MS, EXPLORE_START_LATENCY_MS, 8999, 8999},
    {"rejoin_latency 9s", EXPLORE_START_LATENCY_MS, EXPLORE_START_LATENCY_MS, 9000, 9000},
    {"rejoin_latency 9s..9001ms", EXPLORE_START_LATENCY_MS, EXPLORE_START_LATENCY_MS, 9000, 9001},
};

unsigned explore_worlds(bool bounds) { return bounds ? EXPLORE_WORLDS_MAX : 1; }

const char *explore_world_name(unsigned world)
{
    return world < EXPLORE_WORLDS_MAX ? WORLDS[world].name : "?";
}

typedef struct {
    uint8_t kind;
    uint8_t host; /* crash: 1..EXPLORE_SERVERS */
} variant_t;

typedef struct {
    uint64_t parent; /* index in the level before */
    int64_t t_ms;
    int64_t det_ms;  /* SWARM_OBSERVED_NONE: never detected */
    uint16_t variant;
} entry_t;

typedef struct {
    entry_t *entries;    /* levels < K: one per timeline, after its run */
    uint64_t count;
    uint64_t *offs;      /* offs[p]: first item whose parent is p (level >= 1) */
} level_t;

struct explore {
    explore_opts_t o;
    variant_t variants[EXPLORE_KIND_COUNT + EXPLORE_SERVERS];
    unsigned nvariants;
    uint64_t grid_points;
    level_t levels[EXPLORE_K_MAX + 1];
    unsigned running;    /* level the pool is running */
};

const char *explore_kind_name(explore_kind_t k)
{
    return k >= 0 && k < EXPLORE_KIND_COUNT ? KIND_NAMES[k] : "?";
}

bool explore_kinds_parse(const char *list, uint32_t *mask, const char **bad, size_t *bad_len)
{
    *mask = 0;
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        int found = -1;
        for (int k = 0; k < EXPLORE_KIND_COUNT; k++) {
            if (strlen(KIND_NAMES[k]) == n && strncmp(p, KIND_NAMES[k], n) == 0)
                found = k;
        }
        if (found < 0) {
            *bad = p;
            *bad_len = n;
            return false;
        }
        *mask |= 1u << found;
        if (p[n] == '\0')
            return true;
        p += n + 1;
    }
}

explore_t *explore_new(const explore_opts_t *o)
{
    assert(o->k >= 1 && o->k <= EXPLORE_K_MAX && o->grid_ms >= 1 && o->duration_ms > 0);
    assert(o->kinds != 0 && o->kinds < (1u << EXPLORE_KIND_COUNT));
    assert(o->world < explore_worlds(o->bounds));
    explore_t *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->o = *o;
    for (int k = 0; k < EXPLORE_KIND_COUNT; k++) {
        if (!((o->kinds >> k) & 1u))
            continue;
        if (k == EXPLORE_CRASH) {
            for (uint8_t h = 1; h <= EXPLORE_SERVERS; h++)
                e->variants[e->nvariants++] = (variant_t){(uint8_t)k, h};
        } else {
            e->variants[e->nvariants++] = (variant_t){(uint8_t)k, 0};
        }
    }
    e->grid_points = (uint64_t)((o->duration_ms + o->grid_ms - 1) / o->grid_ms);
    return e;
}

void explore_free(explore_t *e)
{
    if (e == NULL)
        return;
    for (unsigned l = 0; l <= EXPLORE_K_MAX; l++) {
        free(e->levels[l].entries);
        free(e->levels[l].offs);
    }
    free(e);
}

unsigned explore_variants(const explore_t *e) { return e->nvariants; }

/* ---- numbering ----------------------------------------------------------- */

/* Times a timeline ending at t_ms, detected at det_ms, can add a fault at:
 * grid points from t_ms on, then the bound points. Returns how many; the
 * bound points go to bounds[], first_grid to the first grid point's index. */
static uint64_t next_times(const explore_t *e, int64_t t_ms, int64_t det_ms, uint64_t *first_grid,
                           int64_t bounds[BOUND_POINTS], int *nbounds)
{
    uint64_t i0 = (uint64_t)((t_ms + e->o.grid_ms - 1) / e->o.grid_ms);
    *first_grid = i0;
    *nbounds = 0;
    if (det_ms != SWARM_OBSERVED_NONE) {
        size_t nb = e->o.bounds ? sizeof(BOUND_MS) / sizeof(BOUND_MS[0]) : BOUNDS_DEFAULT;
        for (size_t b = 0; b < nb; b++) {
            for (int64_t d = -1; d <= 1; d++) {
                int64_t v = det_ms + BOUND_MS[b] + d;
                if (v >= t_ms && v < e->o.duration_ms && v % e->o.grid_ms != 0)
                    bounds[(*nbounds)++] = v;
            }
        }
    }
    return (i0 < e->grid_points ? e->grid_points - i0 : 0) + (uint64_t)*nbounds;
}

/* Level l >= 1: parent p of item, and the item's variant and time. */
static void item_at(const explore_t *e, unsigned l, uint64_t item, uint64_t *parent,
                    uint16_t *variant, int64_t *t_ms)
{
    const level_t *lv = &e->levels[l];
    const level_t *up = &e->levels[l - 1];
    assert(item < lv->count);
    uint64_t lo = 0, hi = up->count; /* last p with offs[p] <= item */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (lv->offs[mid] <= item)
            lo = mid;
        else
            hi = mid;
    }
    const entry_t *pe = &up->entries[lo];
    uint64_t i0;
    int64_t bounds[BOUND_POINTS];
    int nb;
    uint64_t nt = next_times(e, l == 1 ? 0 : pe->t_ms, l == 1 ? SWARM_OBSERVED_NONE : pe->det_ms,
                             &i0, bounds, &nb);
    uint64_t off = item - lv->offs[lo];
    uint64_t j = off % nt;
    uint64_t ngrid = nt - (uint64_t)nb;
    *parent = lo;
    *variant = (uint16_t)(off / nt);
    *t_ms = j < ngrid ? (int64_t)(i0 + j) * e->o.grid_ms : bounds[j - ngrid];
}

/* Counts level l from level l - 1's entries. */
static int level_count(explore_t *e, unsigned l)
{
    level_t *lv = &e->levels[l];
    const level_t *up = &e->levels[l - 1];
    lv->offs = malloc((up->count + 1) * sizeof(*lv->offs));
    if (lv->offs == NULL)
        return -1;
    uint64_t total = 0;
    for (uint64_t p = 0; p < up->count; p++) {
        lv->offs[p] = total;
        uint64_t i0;
        int64_t bounds[BOUND_POINTS];
        int nb;
        const entry_t *pe = &up->entries[p];
        total += e->nvariants *
                 next_times(e, l == 1 ? 0 : pe->t_ms, l == 1 ? SWARM_OBSERVED_NONE : pe->det_ms,
                            &i0, bounds, &nb);
    }
    lv->offs[up->count] = total;
    lv->count = total;
    return 0;
}

/* ---- scenarios ----------------------------------------------------------- */

static void add_action(scn_t *s, int64_t at, scn_act_kind_t kind)
{
    assert(s->actions_count < SCN_ACTIONS_MAX);
    s->actions[s->actions_count++] = (scn_action_t){.at_ms = at, .kind = kind, .heal_ms = -1};
}

/* The boundary blips: when each cuts the link, and for how long. A cut 1 ms
 * after t follows the heartbeat of t's period, so the center would declare
 * the server down 6 000 ms after that period's tick. */
static void blip_at(explore_kind_t kind, int64_t t, int64_t *cut, int64_t *heal_ms)
{
    const int64_t tick_ms = 2000, timeout_ms = 6000;
    if (kind == EXPLORE_BLIP_TICK_EARLY || kind == EXPLORE_BLIP_TICK_LATE) {
        int64_t tick = ((t < 1 ? 1 : t) + tick_ms - 1) / tick_ms * tick_ms;
        *cut = tick + (kind == EXPLORE_BLIP_TICK_EARLY ? -1 : 1);
        *heal_ms = 10000;
        return;
    }
    int d = kind == EXPLORE_BLIP_DETECT_EARLY ? -1 : kind == EXPLORE_BLIP_DETECT ? 0 : 1;
    *cut = t + 1;
    *heal_ms = *cut / tick_ms * tick_ms + timeout_ms + d - *cut;
}

/* long on purpose: one case per kind of fault, each a line or two. */
static void add_fault(scn_t *s, const variant_t *v, int64_t t)
{
    int64_t heal_ms = -1;
    if (v->kind >= EXPLORE_BLIP_DETECT_EARLY && v->kind <= EXPLORE_BLIP_TICK_LATE)
        blip_at((explore_kind_t)v->kind, t, &t, &heal_ms);
    add_action(s, t, v->kind == EXPLORE_KILL             ? SCN_ACT_KILL
                     : v->kind == EXPLORE_CRASH          ? SCN_ACT_CRASH_HOST
                     : v->kind == EXPLORE_PROVISION_FAIL ? SCN_ACT_PROVISION_FAIL
                                                         : SCN_ACT_DISCONNECT);
    scn_action_t *a = &s->actions[s->actions_count - 1];
    switch ((explore_kind_t)v->kind) {
    case EXPLORE_BLIP:
        a->heal_ms = 10000;
        break;
    case EXPLORE_HEAL_60S:
        a->heal_ms = 60000;
        a->heal_after_detection = true;
        break;
    case EXPLORE_HEAL_LATE:
        a->heal_ms = 60001;
        a->heal_after_detection = true;
        break;
    case EXPLORE_HEAL_EARLY:
        a->heal_ms = 59999;
        a->heal_after_detection = true;
        break;
    case EXPLORE_BLIP_DETECT_EARLY:
    case EXPLORE_BLIP_DETECT:
    case EXPLORE_BLIP_DETECT_LATE:
    case EXPLORE_BLIP_TICK_EARLY:
    case EXPLORE_BLIP_TICK_LATE:
        a->heal_ms = heal_ms;
        break;
    case EXPLORE_CRASH:
        a->host = v->host;
        break;
    case EXPLORE_PROVISION_FAIL:
        a->count = 1;
        break;
    default:
        break;
    }
}

static void add_param(scn_t *s, scn_param_id_t id, int64_t lo, int64_t hi)
{
    s->params[s->params_count++] = (scn_param_t){.id = id, .lo = lo, .hi = hi};
}

void explore_scenario(const explore_t *e, unsigned level, uint64_t item, scn_t *s)
{
    assert(level <= e->o.k);
    /* The chain of faults, last first. */
    uint16_t var[EXPLORE_K_MAX];
    int64_t at[EXPLORE_K_MAX];
    uint64_t it = item;
    for (unsigned l = level; l >= 1; l--) {
        uint64_t parent;
        item_at(e, l, it, &parent, &var[l - 1], &at[l - 1]);
        it = parent;
    }

    scn_reset(s);
    snprintf(s->title, sizeof(s->title), "explore: %u fault%s, timeline %" PRIu64, level,
             level == 1 ? "" : "s", item);
    s->mode = SCN_MODE_COMPOSITE;
    snprintf(s->cname, sizeof(s->cname), "room1");
    s->users[s->users_count++] = 1001;
    s->seed = 1;
    s->has_seed = true;
    s->servers = EXPLORE_SERVERS;
    s->capacity = SCN_CAPACITY_DEFAULT;
    s->has_servers = true;
    add_param(s, SCN_PARAM_KILL_DETECT, EXPLORE_KILL_DETECT_MS, EXPLORE_KILL_DETECT_MS);
    add_param(s, SCN_PARAM_START_LATENCY, WORLDS[e->o.world].start_lo, WORLDS[e->o.world].start_hi);
    add_param(s, SCN_PARAM_REJOIN_LATENCY, WORLDS[e->o.world].rejoin_lo,
              WORLDS[e->o.world].rejoin_hi);
    add_param(s, SCN_PARAM_GOP, EXPLORE_GOP_MS, EXPLORE_GOP_MS);

    add_action(s, 0, SCN_ACT_START);
    for (unsigned l = 0; l < level; l++)
        add_fault(s, &e->variants[var[l]], at[l]);
    add_action(s, e->o.duration_ms, SCN_ACT_STOP);
    int64_t end = e->o.duration_ms + EXPLORE_END_AFTER_STOP_MS;
    add_action(s, end, SCN_ACT_END);
    s->has_end = true;
    s->end_ms = end;
    /* A boundary blip may cut later than its grid time: back in order. */
    swarm_sort_actions(s);
}

/* ---- running ------------------------------------------------------------- */

static void explore_build(void *ctx, uint64_t item, scn_t *scn, uint64_t *seed, uint64_t *run)
{
    const explore_t *e = ctx;
    explore_scenario(e, e->running, item, scn);
    *seed = scn->seed;
    *run = item;
}

static void explore_observe(void *ctx, uint64_t item, const swarm_exec_t *x, int64_t *out)
{
    const explore_t *e = ctx;
    uint64_t parent;
    uint16_t variant;
    int64_t t;
    item_at(e, e->running, item, &parent, &variant, &t);
    const variant_t *v = &e->variants[variant];
    if (v->kind >= EXPLORE_BLIP_DETECT_EARLY && v->kind <= EXPLORE_BLIP_TICK_LATE) {
        int64_t heal_ms;
        blip_at((explore_kind_t)v->kind, t, &t, &heal_ms);
    }
    size_t n;
    const orc_activation_t *a = orc_activations(swarm_exec_oracle(x), &n);
    *out = SWARM_OBSERVED_NONE;
    for (size_t i = 0; i < n; i++) {
        if (a[i].t_fault == t && a[i].t_detect >= 0) {
            *out = a[i].t_detect;
            return;
        }
    }
}

void explore_result_free(explore_result_t *r)
{
    free(r->failing);
    memset(r, 0, sizeof(*r));
}

int explore_run(explore_t *e, explore_result_t *r, char *err, size_t err_cap)
{
    memset(r, 0, sizeof(*r));
    /* Level 0: the one timeline without faults. */
    level_t *root = &e->levels[0];
    root->count = 1;
    root->entries = calloc(1, sizeof(*root->entries));
    if (root->entries == NULL)
        goto oom;
    root->entries[0] = (entry_t){0, 0, SWARM_OBSERVED_NONE, 0};

    for (unsigned l = 0; l <= e->o.k; l++) {
        if (l > 0 && level_count(e, l) != 0)
            goto oom;
        level_t *lv = &e->levels[l];
        e->running = l;
        bool observe = l > 0 && l < e->o.k;
        swarm_pool_t pool = {.items = lv->count, .jobs = e->o.jobs,
                             .failing_cap = SWARM_FAILING_KEEP, .ctx = e,
                             .build = explore_build, .progress = e->o.progress,
                             .progress_ctx = e->o.ctx,
                             .observe = observe ? explore_observe : NULL,
                             .observe_words = 1};
        swarm_result_t res;
        if (swarm_pool_run(&pool, &res, err, err_cap) != 0)
            return 2;
        r->per_level[l] = lv->count;
        r->timelines += lv->count;
        r->failures += res.stats.failures;
        swarm_stats_merge(&r->stats, &res.stats);
        for (size_t i = 0; i < res.failing_count && r->failing_count < SWARM_FAILING_KEEP; i++) {
            explore_fail_t *g = realloc(r->failing, (r->failing_count + 1) * sizeof(*g));
            if (g == NULL) {
                swarm_result_free(&res);
                goto oom;
            }
            r->failing = g;
            r->failing[r->failing_count++] = (explore_fail_t){l, res.failing[i]};
        }
        if (observe) {
            lv->entries = malloc(lv->count * sizeof(*lv->entries));
            if (lv->entries == NULL && lv->count > 0) {
                swarm_result_free(&res);
                goto oom;
            }
            for (uint64_t i = 0; i < lv->count; i++) {
                entry_t *en = &lv->entries[i];
                item_at(e, l, i, &en->parent, &en->variant, &en->t_ms);
                en->det_ms = res.observed[i];
            }
        }
        swarm_result_free(&res);
    }
    return 0;
oom:
    snprintf(err, err_cap, "hasim explore: error: out of memory");
    return 2;
}
