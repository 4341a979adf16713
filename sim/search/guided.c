/* guided.c -- generations, the corpus, and the plan of each run.
 *
 * The corpus is a tree: each entry is a run, its parent the entry it was
 * mutated from (none for a blind run), so its chain is the path from the
 * root. The parent process plans a generation, forks the pool on it (the
 * workers see the corpus and the plans as they were at the fork), and after
 * the pool has merged the generation's results in run order it admits the
 * new entries. Nothing a worker does changes what another one sees.
 */
#include "guided.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rng.h"

typedef struct {
    int32_t parent;          /* corpus index; -1: a blind run */
    int16_t goal;            /* its step's goal, -1 none */
    uint16_t depth;          /* steps of its chain */
    uint64_t seed;           /* its run seed: its step's seed */
    uint64_t rarity;         /* runs that reached its rarest goal, at the last plan */
    uint16_t state_mask;     /* bit st: it reached some (st, *) pair */
    swarm_goalset_t goals;
} entry_t;

typedef struct {
    int32_t parent; /* -1: blind */
    int16_t goal;
} plan_t;

typedef struct {
    const guided_opts_t *o;
    entry_t *corpus;
    size_t n;
    plan_t *plans;           /* this generation's, by item */
    uint64_t base;           /* the generation's first run */
    uint64_t tries[SWARM_GOALS_MAX];
    uint32_t kept[SWARM_GOALS_MAX]; /* corpus entries that reached each goal */
    swarm_stats_t total;     /* every generation so far */
    uint64_t failures_before;
} guided_t;

/* ---- chains ---------------------------------------------------------------- */

static void chain_of(const guided_t *g, int32_t e, swarm_chain_t *c)
{
    uint32_t depth = e >= 0 ? g->corpus[e].depth : 0;
    assert(depth <= SWARM_CHAIN_MAX);
    c->n = depth;
    for (uint32_t i = depth; i-- > 0; e = g->corpus[e].parent) {
        c->seed[i] = g->corpus[e].seed;
        c->goal[i] = g->corpus[e].goal;
    }
}

/* The chain of a run planned as p with seed seed. */
static void chain_plan(const guided_t *g, const plan_t *p, uint64_t seed, swarm_chain_t *c)
{
    chain_of(g, p->parent, c);
    assert(c->n < SWARM_CHAIN_MAX);
    c->seed[c->n] = seed;
    c->goal[c->n] = p->parent < 0 ? -1 : p->goal;
    c->n++;
}

/* ---- the pool's callbacks -------------------------------------------------- */

static void guided_build(void *ctx, uint64_t item, scn_t *scn, uint64_t *seed, uint64_t *run)
{
    const guided_t *g = ctx;
    *run = g->base + item;
    uint64_t s = swarm_run_seed(g->o->seed, *run);
    const plan_t *p = &g->plans[item];
    if (p->parent < 0) {
        swarm_gen(scn, s, &g->o->gen);
    } else {
        swarm_chain_t c;
        chain_of(g, p->parent, &c);
        swarm_chain_gen(scn, &c, &g->o->gen);
        swarm_mutate(scn, s, p->goal);
    }
    *seed = scn->seed;
}

static void guided_observe(void *ctx, uint64_t item, const swarm_exec_t *x, int64_t *out)
{
    (void)ctx;
    (void)item;
    const swarm_goalset_t *r = swarm_exec_goals(x);
    for (unsigned w = 0; w < SWARM_GOALS_WORDS; w++)
        out[w] = (int64_t)r->w[w];
}

static void guided_progress(void *ctx, uint64_t done, uint64_t items, uint64_t failures)
{
    const guided_t *g = ctx;
    (void)items;
    if (g->o->progress != NULL)
        g->o->progress(g->o->progress_ctx, g->base + done, g->o->runs,
                       g->failures_before + failures);
}

/* ---- planning -------------------------------------------------------------- */

static uint32_t below(sim_rng_t *r, size_t n) { return (uint32_t)sim_rng_below(r, n); }

/* Of three entries drawn (among those with state bit st, when st >= 0 and
 * there are some), the one whose rarest goal is rarest. */
static int32_t pick_parent(const guided_t *g, sim_rng_t *r, int st)
{
    size_t with = 0;
    for (size_t i = 0; st >= 0 && i < g->n; i++)
        with += (g->corpus[i].state_mask >> st) & 1;
    int32_t best = -1;
    for (int k = 0; k < 3; k++) {
        int32_t e = -1;
        if (with > 0) {
            uint32_t j = below(r, with);
            for (size_t i = 0; i < g->n && e < 0; i++) {
                if (((g->corpus[i].state_mask >> st) & 1) && j-- == 0)
                    e = (int32_t)i;
            }
        } else {
            e = (int32_t)below(r, g->n);
        }
        if (best < 0 || g->corpus[e].rarity < g->corpus[best].rarity)
            best = e;
    }
    return best;
}

/* A goal no run reached yet: of two drawn, the one tried less; -1 none.
 * Named and bound goals first (3 times in 4 while some are missing): each
 * has a recipe that reaches it on most tries, and some state-machine pairs
 * may be out of any driver's reach. */
static int pick_unreached(guided_t *g, sim_rng_t *r)
{
    unsigned total = swarm_goals_count(), missing = 0, missing_named = 0;
    for (unsigned i = 0; i < total; i++) {
        missing += g->total.goals[i] == 0;
        missing_named += i < SWARM_GOAL_FSM_FIRST && g->total.goals[i] == 0;
    }
    if (missing == 0)
        return -1;
    if (missing_named > 0 && sim_rng_chance(r, 3, 4)) {
        total = SWARM_GOAL_FSM_FIRST;
        missing = missing_named;
    }
    int best = -1;
    for (int k = 0; k < 2; k++) {
        uint32_t j = below(r, missing);
        for (unsigned i = 0; i < total; i++) {
            if (g->total.goals[i] == 0 && j-- == 0) {
                if (best < 0 || g->tries[i] < g->tries[best])
                    best = (int)i;
                break;
            }
        }
    }
    /* j < missing unreached goals: the loop always finds one */
    assert(best >= 0);
    if (best < 0)
        return -1;
    g->tries[best]++;
    return best;
}

static plan_t plan_run(guided_t *g, uint64_t run, bool first_generation)
{
    sim_rng_t r;
    sim_rng_stream(&r, swarm_run_seed(g->o->seed, run), sim_rng_stream_id("guided.plan"));
    if (first_generation || g->n == 0 || sim_rng_chance(&r, 1, 4))
        return (plan_t){-1, -1};
    int goal = sim_rng_chance(&r, 1, 2) ? pick_unreached(g, &r) : -1;
    int st = -1, ev;
    if (goal >= 0 && !swarm_goal_fsm((unsigned)goal, &st, &ev))
        st = -1;
    return (plan_t){pick_parent(g, &r, st), (int16_t)goal};
}

/* Each entry's rarity: how many runs reached its rarest goal. */
static void rate_corpus(guided_t *g)
{
    for (size_t i = 0; i < g->n; i++) {
        entry_t *e = &g->corpus[i];
        e->rarity = UINT64_MAX;
        for (unsigned id = 0; id < swarm_goals_count(); id++) {
            if (swarm_goalset_has(&e->goals, id) && g->total.goals[id] < e->rarity)
                e->rarity = g->total.goals[id];
        }
    }
}

/* ---- after a generation ------------------------------------------------------ */

static bool admit(guided_t *g, const plan_t *p, uint64_t seed, const int64_t *observed)
{
    swarm_goalset_t got;
    bool fresh = false;
    for (unsigned w = 0; w < SWARM_GOALS_WORDS; w++) {
        if (observed[w] == SWARM_OBSERVED_NONE)
            return true; /* a crash: nothing to learn */
        got.w[w] = (uint64_t)observed[w];
    }
    unsigned total = swarm_goals_count();
    for (unsigned id = 0; id < total; id++)
        fresh |= swarm_goalset_has(&got, id) && g->kept[id] < GUIDED_KEEP_PER_GOAL;
    uint32_t depth = p->parent < 0 ? 1 : g->corpus[p->parent].depth + 1u;
    if (!fresh || depth >= SWARM_CHAIN_MAX || g->n == GUIDED_CORPUS_MAX)
        return true;
    entry_t e = {.parent = p->parent, .goal = p->parent < 0 ? -1 : p->goal,
                 .depth = (uint16_t)depth, .seed = seed, .goals = got};
    for (unsigned id = 0; id < total; id++) {
        int st, ev;
        if (!swarm_goalset_has(&got, id))
            continue;
        g->kept[id]++;
        if (swarm_goal_fsm(id, &st, &ev))
            e.state_mask |= (uint16_t)(1u << st);
    }
    entry_t *grown = realloc(g->corpus, (g->n + 1) * sizeof(*grown));
    if (grown == NULL)
        return false;
    g->corpus = grown;
    g->corpus[g->n++] = e;
    return true;
}

/* The generation's failures into out, each with its chain. */
static bool keep_failing(guided_t *g, const swarm_result_t *res, guided_result_t *out)
{
    for (size_t i = 0; i < res->failing_count && out->failing_count < SWARM_FAILING_KEEP; i++) {
        swarm_fail_t f = res->failing[i];
        uint64_t item = f.item;
        f.item = f.run = g->base + item;
        f.seed = swarm_run_seed(g->o->seed, f.run);
        swarm_chain_t c;
        chain_plan(g, &g->plans[item], f.seed, &c);
        char text[SWARM_CHAIN_TEXT_MAX];
        swarm_chain_format(&c, text, sizeof(text));
        swarm_fail_t *grown = realloc(out->failing, (out->failing_count + 1) * sizeof(*grown));
        char **chains = realloc(out->chain, (out->failing_count + 1) * sizeof(*chains));
        if (grown != NULL)
            out->failing = grown;
        if (chains != NULL)
            out->chain = chains;
        if (grown == NULL || chains == NULL || (chains[out->failing_count] = strdup(text)) == NULL)
            return false;
        out->failing[out->failing_count++] = f;
    }
    return true;
}

static int generation(guided_t *g, uint64_t items, guided_result_t *out, char *err, size_t cap)
{
    bool first = g->base == 0;
    rate_corpus(g);
    for (uint64_t i = 0; i < items; i++)
        g->plans[i] = plan_run(g, g->base + i, first);
    swarm_pool_t pool = {.items = items, .jobs = g->o->jobs, .fingerprint = g->o->fingerprint,
                         .failing_cap = SWARM_FAILING_KEEP, .build = guided_build,
                         .observe = guided_observe, .observe_words = SWARM_GOALS_WORDS, .ctx = g,
                         .progress = guided_progress, .progress_ctx = g};
    swarm_result_t res;
    if (swarm_pool_run(&pool, &res, err, cap) != 0)
        return 2;
    int rc = 0;
    swarm_stats_merge(&g->total, &res.stats);
    out->crashes += res.crashes;
    for (uint64_t i = 0; i < items && rc == 0; i++) {
        const int64_t *observed = res.observed + i * SWARM_GOALS_WORDS; /* item i's words */
        if (!admit(g, &g->plans[i], swarm_run_seed(g->o->seed, g->base + i), observed))
            rc = 2;
    }
    if (rc == 0 && !keep_failing(g, &res, out))
        rc = 2;
    if (rc != 0)
        snprintf(err, cap, "hasim: error: out of memory");
    g->failures_before += res.stats.failures;
    swarm_result_free(&res);
    return rc;
}

int guided_run(const guided_opts_t *o, guided_result_t *out, char *err, size_t err_cap)
{
    assert(o->batch >= 1 && o->batch <= GUIDED_BATCH_MAX);
    memset(out, 0, sizeof(*out));
    guided_t *g = calloc(1, sizeof(*g));
    int rc = 2;
    if (g == NULL || (g->plans = calloc(o->batch, sizeof(*g->plans))) == NULL) {
        snprintf(err, err_cap, "hasim: error: out of memory");
        goto out;
    }
    g->o = o;
    rc = 0;
    for (g->base = 0; g->base < o->runs && rc == 0; g->base += o->batch) {
        uint64_t items = o->runs - g->base < o->batch ? o->runs - g->base : o->batch;
        rc = generation(g, items, out, err, err_cap);
        out->generations++;
        if (o->fail_fast && g->total.failures > 0)
            break;
    }
    out->stats = g->total;
    out->corpus = g->n;
out:
    if (rc != 0)
        guided_result_free(out);
    if (g != NULL) {
        free(g->corpus);
        free(g->plans);
    }
    free(g);
    return rc;
}

void guided_result_free(guided_result_t *r)
{
    for (size_t i = 0; i < r->failing_count && r->chain != NULL; i++)
        free(r->chain[i]);
    free(r->chain);
    free(r->failing);
    memset(r, 0, sizeof(*r));
}
