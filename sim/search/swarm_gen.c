/* swarm_gen.c -- one run seed in, one scenario out.
 *
 * The draws are split by aspect, each from its own stream of the run seed:
 *   shape   mode, channel name, sessions, servers, capacity, users, starts
 *   kinds   which fault kinds this run uses (swarm testing)
 *   params  `set` lines: kill_detect, start_latency, rejoin_latency, gop, ...
 *   faults  how many faults, which kind, when, their arguments
 *   api     query / update / updateLayout / stop calls
 *   users   joins and leaves
 *   stop    the final stop
 * Actions are drawn aspect by aspect, then sorted by time (stably: at one
 * millisecond they keep the order they were drawn in, starts first).
 *
 * Times of faults lean towards the center's decision points. The generator
 * estimates when a fault will be detected (a kill: its exit report delay; a
 * lost link: the heartbeat timeout after the last heartbeat on the common
 * grid) and aims later faults at that estimate plus the contract's bounds,
 * at -2..+2 ms or within a couple of seconds. The numbers are the
 * contract's (oracle_contract.h), not the center's: the swarm aims where
 * the promises are, wherever the implementation thinks they are.
 */
#include "swarm_gen.h"
#include "drive/env.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bounds.h"
#include "judge/oracle_contract.h"
#include "engine/rng.h"
#include "world/world.h"

typedef enum {
    GF_KILL,
    GF_DISCONNECT,       /* never heals */
    GF_DISCONNECT_FOR,   /* heals D after the disconnect */
    GF_DISCONNECT_AFTER, /* heals D after detection, D mostly near 60 s */
    GF_CRASH,
    GF_PROVISION_FAIL,
    GF_COUNT
} gen_fault_t;

static const char *const GF_NAMES[GF_COUNT] = {
    "kill", "disconnect", "disconnect for", "disconnect after detection", "crash host",
    "provision-fail",
};

#define SPLITMIX64_GAMMA UINT64_C(0x9e3779b97f4a7c15)
#define SESSIONS_MAX 4
#define API_CALLS_MAX 2000
#define USER_EVENTS_MAX 4

/* Channel names: Agora's characters without blank and '#'. */
static const char CNAME_CHARS[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                  "!$%&()+-:;<=.>?@[]^_{}|~,";
static const char *const CNAME_ODD[] = {
    "a",
    "Z",
    "!$%&()+-:;<=.>?@[]^_{}|~,",
    "room.1-a_b",
    "<script>",
    "0000000000000000000000000000000000000000000000000000000000000000", /* 64 bytes */
    "a,b,c",
    "[]{}()",
};

/* Heal delays after detection that sit on or next to the 60 s bound. */
static const int64_t HEAL_AFTER_EDGE_MS[] = {
    ORC_RECONNECT_WINDOW_MS - 1, ORC_RECONNECT_WINDOW_MS,     ORC_RECONNECT_WINDOW_MS + 1,
    ORC_RECONNECT_WINDOW_MS - 2, ORC_RECONNECT_WINDOW_MS + 2, ORC_RECONNECT_WINDOW_MS - 1000,
    ORC_RECONNECT_WINDOW_MS + 1000, 0, 1, ORC_KILL_RESUME_MS_MAX,
};

/* Offsets after an expected detection where the center decides. */
static const int64_t BOUND_MS[] = {
    0, ORC_KILL_RESUME_MS_MAX, ORC_RECONNECT_WINDOW_MS, ORC_DEADLINE_MS,
    ORC_RECONNECT_WINDOW_MS + ORC_STARTUP_MS_MAX,
};

typedef struct {
    scn_t *s;
    int64_t dur_ms;
    int64_t first_start_ms;
    int64_t stop_ms;      /* of the final stop (whether or not there is one) */
    int64_t start_ms[SESSIONS_MAX];
    int64_t kill_mid_ms;  /* estimates from the `set` lines or the world's defaults */
    int64_t start_hi_ms;
    unsigned kinds;       /* bit per gen_fault_t */
    uint32_t faults;      /* drawn so far */
    uint32_t fault_first; /* index in s->actions of the first fault */
} gen_t;

uint64_t swarm_run_seed(uint64_t swarm_seed, uint64_t k)
{
    uint64_t z = swarm_seed + (k + 1) * SPLITMIX64_GAMMA;
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return (z ^ (z >> 31)) >> 1;
}

swarm_gen_opts_t swarm_gen_defaults(void)
{
    return (swarm_gen_opts_t){.faults_min = SWARM_FAULTS_DEFAULT,
                              .duration_ms = SWARM_DURATION_MS_DEFAULT};
}

static void stream(sim_rng_t *r, uint64_t seed, const char *aspect)
{
    sim_rng_stream(r, seed, sim_rng_stream_id(aspect));
}

static uint32_t below(sim_rng_t *r, uint32_t n) { return (uint32_t)sim_rng_below(r, n); }

static int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static scn_action_t *add(gen_t *g, int64_t at_ms, scn_act_kind_t kind, uint32_t session)
{
    scn_t *s = g->s;
    assert(s->actions_count < SCN_ACTIONS_MAX);
    assert(at_ms >= 0 && at_ms <= SCN_TIME_MS_MAX);
    scn_action_t *a = &s->actions[s->actions_count++];
    memset(a, 0, sizeof(*a));
    a->at_ms = at_ms;
    a->kind = kind;
    a->session = session;
    a->heal_ms = -1;
    return a;
}

static void add_param(scn_t *s, scn_param_id_t id, int64_t lo, int64_t hi)
{
    assert(s->params_count < SCN_PARAMS_MAX && lo <= hi);
    s->params[s->params_count++] = (scn_param_t){.id = id, .lo = lo, .hi = hi};
}

static bool user_taken(const scn_t *s, uint32_t uid)
{
    if (uid >= SIM_RECORDER_UID_BASE && uid < SIM_RECORDER_UID_BASE + SESSIONS_MAX)
        return true; /* the sessions' own recording UIDs */
    for (size_t i = 0; i < s->users_count; i++) {
        if (s->users[i] == uid)
            return true;
    }
    return false;
}

static uint32_t draw_uid(sim_rng_t *r)
{
    switch (below(r, 4)) {
    case 0:
        return 1 + below(r, 20);
    case 1:
        return UINT32_MAX - below(r, 1000);
    default:
        return 1 + below(r, 99999);
    }
}

/* ---- shape ------------------------------------------------------------- */

static void gen_shape(gen_t *g, uint64_t seed)
{
    scn_t *s = g->s;
    sim_rng_t r;
    stream(&r, seed, "swarm.shape");

    uint32_t m = below(&r, 20);
    s->mode = m < 9 ? SCN_MODE_COMPOSITE : m < 16 ? SCN_MODE_INDIVIDUAL : SCN_MODE_WEB;

    switch (below(&r, 4)) {
    case 0:
    case 1:
        snprintf(s->cname, sizeof(s->cname), "room%" PRIu32, below(&r, 10000));
        break;
    case 2: {
        uint32_t len = below(&r, 4) == 0 ? 1 + below(&r, SCN_CNAME_LEN_MAX) : 1 + below(&r, 12);
        for (uint32_t i = 0; i < len; i++)
            s->cname[i] = CNAME_CHARS[below(&r, sizeof(CNAME_CHARS) - 1)];
        s->cname[len] = '\0';
        break;
    }
    default:
        snprintf(s->cname, sizeof(s->cname), "%s",
                 CNAME_ODD[below(&r, sizeof(CNAME_ODD) / sizeof(CNAME_ODD[0]))]);
        break;
    }

    s->sessions = below(&r, 4) == 0 ? 2 + below(&r, SESSIONS_MAX - 1) : 1;
    s->has_servers = true;
    s->servers = below(&r, 8) == 0 ? 1 : 2 + below(&r, 5);
    s->capacity = below(&r, 4) == 0 ? SCN_CAPACITY_DEFAULT : 1 + below(&r, 3);
    if (s->servers * s->capacity < s->sessions && below(&r, 8) != 0)
        s->capacity = (s->sessions + s->servers - 1) / s->servers;

    /* Mostly a few users: every one of them is two streams in individual
     * mode, and the swarm's speed is spent on slices. */
    uint32_t u = below(&r, 32);
    size_t users = u == 0 ? 0 : u <= 22 ? 1 + below(&r, 2) : u <= 30 ? 3 + below(&r, 4)
                                                                   : 7 + below(&r, 11);
    assert(users <= SCN_USERS_MAX);
    while (s->users_count < users) {
        uint32_t uid = draw_uid(&r);
        if (!user_taken(s, uid))
            s->users[s->users_count++] = uid;
    }

    /* Starts: all at once, or one by one. */
    g->first_start_ms = below(&r, 4) == 0 ? below(&r, 10000) : 0;
    if (s->sessions == 1 || below(&r, 2) == 0) {
        add(g, g->first_start_ms, SCN_ACT_START, 0);
        for (uint32_t i = 0; i < s->sessions; i++)
            g->start_ms[i] = g->first_start_ms;
    } else {
        int64_t t = g->first_start_ms;
        for (uint32_t i = 0; i < s->sessions; i++) {
            add(g, t, SCN_ACT_START, i + 1);
            g->start_ms[i] = t;
            t += below(&r, g->dur_ms / 4 < 120000 ? (uint32_t)(g->dur_ms / 4) : 120000);
        }
    }
    g->stop_ms = g->first_start_ms + g->dur_ms;
}

/* ---- fault kinds and parameters ---------------------------------------- */

static void gen_kinds(gen_t *g, uint64_t seed)
{
    sim_rng_t r;
    stream(&r, seed, "swarm.kinds");
    g->kinds = 0;
    for (int k = 0; k < GF_COUNT; k++) {
        if (sim_rng_chance(&r, 1, 2))
            g->kinds |= 1u << k;
    }
    if (g->kinds == 0)
        g->kinds = 1u << below(&r, GF_COUNT);
}

/* A duration range inside [lo, hi], now and then a single value. */
static void duration_range(sim_rng_t *r, int64_t lo, int64_t hi, int64_t *out_lo, int64_t *out_hi)
{
    int64_t a = sim_rng_range(r, lo, hi);
    int64_t b = below(r, 4) == 0 ? a : sim_rng_range(r, lo, hi);
    *out_lo = a < b ? a : b;
    *out_hi = a < b ? b : a;
}

static void gen_params(gen_t *g, uint64_t seed)
{
    scn_t *s = g->s;
    sim_rng_t r;
    stream(&r, seed, "swarm.params");
    int64_t lo, hi;

    /* The world's defaults, as estimates when a parameter is not set. */
    g->kill_mid_ms = 2000;
    g->start_hi_ms = 6000;

    if (sim_rng_chance(&r, 1, 2)) {
        /* Mostly within A2's 3 s; sometimes beyond, which the oracle must
         * report as a broken assumption, not as a violation. */
        duration_range(&r, 0, below(&r, 16) == 0 ? 8000 : ORC_KILL_REPORT_MS_MAX, &lo, &hi);
        add_param(s, SCN_PARAM_KILL_DETECT, lo, hi);
        g->kill_mid_ms = lo + (hi - lo) / 2;
    }
    if (sim_rng_chance(&r, 1, 2)) {
        duration_range(&r, 500, below(&r, 16) == 0 ? 15000 : ORC_STARTUP_MS_MAX, &lo, &hi);
        add_param(s, SCN_PARAM_START_LATENCY, lo, hi);
        g->start_hi_ms = hi;
    }
    if (sim_rng_chance(&r, 1, 2)) {
        duration_range(&r, 100, below(&r, 16) == 0 ? 40000 : 9000, &lo, &hi);
        add_param(s, SCN_PARAM_REJOIN_LATENCY, lo, hi);
    }
    if (sim_rng_chance(&r, 1, 3)) {
        static const int64_t gops[] = {1, 500, 1000, 2000, 3000, 4000, 5000, 7000, 15001};
        if (below(&r, 2) == 0) {
            int64_t v = gops[below(&r, sizeof(gops) / sizeof(gops[0]))];
            add_param(s, SCN_PARAM_GOP, v, v);
        } else {
            duration_range(&r, 1000, 6000, &lo, &hi);
            add_param(s, SCN_PARAM_GOP, lo, hi);
        }
    }
    if (sim_rng_chance(&r, 1, 4))
        add_param(s, SCN_PARAM_ZOMBIE, 1, 1);
    {
        /* Its own stream: adding this aspect shifts no other draw. */
        sim_rng_t lazy;
        stream(&lazy, seed, "lazy_timers");
        if (sim_rng_chance(&lazy, 1, 4))
            add_param(s, SCN_PARAM_LAZY_TIMERS, 1, 1);
        /* The date in file names: any time of the year, now and then its
         * last hour (the year's end in a name). */
        sim_rng_t hostile;
        stream(&hostile, seed, "hostile");
        if (sim_rng_chance(&hostile, 1, 4))
            add_param(s, SCN_PARAM_HOSTILE, 1, 1);
        sim_rng_t when;
        stream(&when, seed, "clock");
        if (sim_rng_chance(&when, 1, 2)) {
            int64_t year_ms = (int64_t)8760 * 3600 * 1000;
            int64_t at = sim_rng_chance(&when, 1, 4) ? year_ms - (int64_t)sim_rng_below(&when, 3600000)
                                                   : (int64_t)sim_rng_below(&when, (uint64_t)year_ms);
            add_param(s, SCN_PARAM_CLOCK, at, at);
        }
    }
    if (s->mode == SCN_MODE_INDIVIDUAL && sim_rng_chance(&r, 1, 3))
        add_param(s, SCN_PARAM_WEBM, 1, 1);
    if (s->mode == SCN_MODE_COMPOSITE && sim_rng_chance(&r, 1, 3))
        add_param(s, SCN_PARAM_MP4, 1, 1);
}

/* ---- faults ------------------------------------------------------------ */

/* When the center should learn of a fault at t: a kill by its exit report,
 * a lost link or host by the heartbeat timeout after the last heartbeat,
 * which the host agents send on a common grid from t = 0. */
static int64_t detect_estimate(const gen_t *g, gen_fault_t kind, int64_t t)
{
    switch (kind) {
    case GF_KILL:
        return t + g->kill_mid_ms;
    case GF_PROVISION_FAIL:
        return t;
    default:
        return t / ORC_HEARTBEAT_INTERVAL_MS * ORC_HEARTBEAT_INTERVAL_MS + ORC_HEARTBEAT_TIMEOUT_MS;
    }
}

static gen_fault_t pick_kind(const gen_t *g, sim_rng_t *r)
{
    uint32_t n = 0;
    for (int k = 0; k < GF_COUNT; k++)
        n += (g->kinds >> k) & 1u;
    uint32_t j = below(r, n);
    for (int k = 0; k < GF_COUNT; k++) {
        if (((g->kinds >> k) & 1u) && j-- == 0)
            return (gen_fault_t)k;
    }
    assert(false);
    return GF_KILL;
}

static int64_t heal_for(sim_rng_t *r)
{
    switch (below(r, 8)) {
    case 0:
        return 1 + below(r, ORC_HEARTBEAT_TIMEOUT_MS); /* maybe healed before detection */
    case 1:
    case 2:
        return sim_rng_range(r, ORC_HEARTBEAT_TIMEOUT_MS, ORC_RECONNECT_WINDOW_MS);
    case 3:
        return sim_rng_range(r, ORC_RECONNECT_WINDOW_MS, ORC_RECONNECT_WINDOW_MS + 10000);
    case 4:
    case 5:
        return sim_rng_range(r, 70000, 180000);
    case 6:
        return sim_rng_range(r, 180000, 1200000);
    default:
        return ORC_RECONNECT_WINDOW_MS + ORC_HEARTBEAT_TIMEOUT_MS + (int64_t)below(r, 5) - 2;
    }
}

static int64_t heal_after_detection(sim_rng_t *r)
{
    uint32_t c = below(r, 12);
    if (c < 6)
        return HEAL_AFTER_EDGE_MS[below(r, sizeof(HEAL_AFTER_EDGE_MS) / sizeof(HEAL_AFTER_EDGE_MS[0]))];
    if (c < 9)
        return ORC_RECONNECT_WINDOW_MS + sim_rng_range(r, -10000, 10000);
    if (c < 11)
        return below(r, ORC_RECONNECT_WINDOW_MS);
    return ORC_RECONNECT_WINDOW_MS + below(r, 120000);
}

static void gen_faults(gen_t *g, uint64_t seed, uint32_t faults_min)
{
    scn_t *s = g->s;
    sim_rng_t r;
    stream(&r, seed, "swarm.faults");
    uint32_t n = faults_min + below(&r, SWARM_FAULTS_EXTRA + 1);
    int64_t prev_t = -1, prev_det = -1;
    int64_t latest = g->stop_ms + 30000; /* a few land after the stop */
    g->fault_first = (uint32_t)s->actions_count;

    for (uint32_t i = 0; i < n; i++) {
        gen_fault_t kind = pick_kind(g, &r);
        uint32_t session = 0;
        if (kind <= GF_DISCONNECT_AFTER && s->sessions > 1 && below(&r, 4) != 0)
            session = 1 + below(&r, s->sessions);
        int64_t t_min = session ? g->start_ms[session - 1] : g->first_start_ms;
        int64_t span = latest > t_min ? latest - t_min : 0;

        int64_t t;
        uint32_t how = below(&r, 20);
        if (how < 6 || prev_t < 0) {
            t = t_min + sim_rng_range(&r, 0, span);
        } else if (how < 10) {
            t = prev_t + (below(&r, 2) ? below(&r, 3000) : below(&r, 20000));
        } else if (how < 15) {
            int64_t at = prev_det + BOUND_MS[below(&r, sizeof(BOUND_MS) / sizeof(BOUND_MS[0]))];
            t = at + (below(&r, 4) == 0 ? sim_rng_range(&r, -2000, 2000) : sim_rng_range(&r, -2, 2));
        } else if (how < 17) {
            t = t_min + below(&r, (uint32_t)(SIM_SLICE_MS + g->start_hi_ms)); /* first slice */
        } else if (how < 19) {
            /* while a replacement starts: a fault of it is not a new activation (R11) */
            int64_t window = below(&r, 2) ? ORC_RECONNECT_WINDOW_MS : 0;
            t = prev_det + window + below(&r, (uint32_t)g->start_hi_ms + 1);
        } else {
            t = prev_t;
        }
        t = clamp(t, t_min, latest);

        scn_action_t *a;
        switch (kind) {
        case GF_KILL:
            add(g, t, SCN_ACT_KILL, session);
            break;
        case GF_DISCONNECT:
            add(g, t, SCN_ACT_DISCONNECT, session);
            break;
        case GF_DISCONNECT_FOR:
            add(g, t, SCN_ACT_DISCONNECT, session)->heal_ms = heal_for(&r);
            break;
        case GF_DISCONNECT_AFTER:
            a = add(g, t, SCN_ACT_DISCONNECT, session);
            a->heal_ms = heal_after_detection(&r);
            a->heal_after_detection = true;
            break;
        case GF_CRASH:
            add(g, t, SCN_ACT_CRASH_HOST, 0)->host = 1 + below(&r, s->servers);
            break;
        case GF_PROVISION_FAIL:
        case GF_COUNT:
            add(g, t, SCN_ACT_PROVISION_FAIL, 0)->count =
                below(&r, 4) ? 1 + below(&r, 3) : 1 + below(&r, s->servers + 2);
            break;
        }
        prev_t = t;
        if (kind != GF_PROVISION_FAIL || prev_det < 0)
            prev_det = detect_estimate(g, kind, t);
        g->faults++;
    }
}

void swarm_gen_fault(scn_t *s, sim_rng_t *r, int64_t at_ms, uint32_t session)
{
    scn_action_t *a;
    switch ((gen_fault_t)below(r, GF_COUNT)) {
    case GF_KILL:
        swarm_add_action(s, at_ms, SCN_ACT_KILL, session);
        break;
    case GF_DISCONNECT:
        swarm_add_action(s, at_ms, SCN_ACT_DISCONNECT, session);
        break;
    case GF_DISCONNECT_FOR:
        if ((a = swarm_add_action(s, at_ms, SCN_ACT_DISCONNECT, session)) != NULL)
            a->heal_ms = heal_for(r);
        break;
    case GF_DISCONNECT_AFTER:
        if ((a = swarm_add_action(s, at_ms, SCN_ACT_DISCONNECT, session)) != NULL) {
            a->heal_ms = heal_after_detection(r);
            a->heal_after_detection = true;
        }
        break;
    case GF_CRASH:
        if ((a = swarm_add_action(s, at_ms, SCN_ACT_CRASH_HOST, 0)) != NULL)
            a->host = 1 + below(r, s->servers);
        break;
    default:
        if ((a = swarm_add_action(s, at_ms, SCN_ACT_PROVISION_FAIL, 0)) != NULL)
            a->count = below(r, 4) ? 1 + below(r, 3) : 1 + below(r, s->servers + 2);
        break;
    }
}

/* ---- API calls, users, stop -------------------------------------------- */

static void gen_api(gen_t *g, uint64_t seed)
{
    scn_t *s = g->s;
    sim_rng_t r;
    stream(&r, seed, "swarm.api");
    int64_t hours = g->dur_ms / SWARM_DURATION_MS_DEFAULT;
    uint32_t scale = hours < 1 ? 1 : hours > 100 ? 100 : (uint32_t)hours;
    uint32_t n = (2 + below(&r, 7)) * scale;
    if (n > API_CALLS_MAX)
        n = API_CALLS_MAX;
    uint32_t faults = g->faults;

    for (uint32_t i = 0; i < n; i++) {
        static const scn_act_kind_t kinds[] = {
            SCN_ACT_QUERY,  SCN_ACT_QUERY,         SCN_ACT_QUERY,         SCN_ACT_QUERY,
            SCN_ACT_UPDATE, SCN_ACT_UPDATE,        SCN_ACT_UPDATE_LAYOUT, SCN_ACT_UPDATE_LAYOUT,
            SCN_ACT_QUERY,  SCN_ACT_UPDATE_LAYOUT, SCN_ACT_UPDATE,        SCN_ACT_STOP,
        };
        scn_act_kind_t kind = kinds[below(&r, sizeof(kinds) / sizeof(kinds[0]))];
        uint32_t session = s->sessions > 1 && below(&r, 2) ? 1 + below(&r, s->sessions) : 0;
        int64_t t;
        if (faults == 0 || below(&r, 2) == 0) {
            t = g->first_start_ms + sim_rng_range(&r, 0, g->dur_ms);
            if (kind == SCN_ACT_STOP)
                kind = SCN_ACT_QUERY; /* an early stop outside a window ends the run's interest */
        } else {
            /* Inside the HA window of a fault, or on its edges. */
            const scn_action_t *f = &s->actions[g->fault_first + below(&r, faults)];
            t = f->at_ms + (below(&r, 4) ? below(&r, ORC_DEADLINE_MS + 10000)
                                        : BOUND_MS[below(&r, sizeof(BOUND_MS) / sizeof(BOUND_MS[0]))] +
                                              ORC_HEARTBEAT_TIMEOUT_MS + sim_rng_range(&r, -2, 2));
        }
        add(g, clamp(t, 0, g->stop_ms + 30000), kind, session);
    }
}

static void gen_users(gen_t *g, uint64_t seed)
{
    scn_t *s = g->s;
    sim_rng_t r;
    stream(&r, seed, "swarm.users");
    uint32_t n = below(&r, USER_EVENTS_MAX + 1);
    uint32_t joined[USER_EVENTS_MAX];
    uint32_t joined_count = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t t = sim_rng_range(&r, 0, g->stop_ms);
        uint32_t session = s->sessions > 1 && below(&r, 3) == 0 ? 1 + below(&r, s->sessions) : 0;
        bool leave = below(&r, 2) == 0 && (s->users_count > 0 || joined_count > 0);
        if (leave) {
            uint32_t j = below(&r, (uint32_t)s->users_count + joined_count);
            uint32_t uid = j < s->users_count ? s->users[j] : joined[j - s->users_count];
            add(g, t, SCN_ACT_LEAVE, session)->uid = uid;
        } else {
            uint32_t uid = draw_uid(&r);
            if (user_taken(s, uid))
                uid = 200000 + i; /* below the recording UIDs, above draw_uid's small ones */
            joined[joined_count++] = uid;
            add(g, t, SCN_ACT_JOIN, session)->uid = uid;
        }
    }
}

static void gen_stop(gen_t *g, uint64_t seed)
{
    sim_rng_t r;
    stream(&r, seed, "swarm.stop");
    if (below(&r, 8) != 0)
        add(g, g->stop_ms, SCN_ACT_STOP, 0);
}

/* The bounds aspect: one run in SWARM_BOUNDS_SHARE aims at one bound, at
 * -1, 0 or +1 ms, half of them with the other faults left out. It comes last
 * and draws from its own stream, so a run that does not draw it is exactly
 * the run it was before the aspect existed. */
static void gen_bounds(gen_t *g, uint64_t seed)
{
    scn_t *s = g->s;
    sim_rng_t r;
    stream(&r, seed, "swarm.bounds");
    if (!sim_rng_chance(&r, 1, SWARM_BOUNDS_SHARE))
        return;
    swarm_bound_t b = (swarm_bound_t)below(&r, SWARM_BOUND_COUNT);
    int d = (int)below(&r, 3) - 1;
    bool clean = sim_rng_chance(&r, 1, 2);
    swarm_aim(s, b, d, clean, &r);
    size_t n = strlen(s->title);
    snprintf(s->title + n, sizeof(s->title) - n, "; aim %s %+d ms%s", swarm_bound_name(b), d,
             clean ? " alone" : "");
}

/* Stable by time: insertion sort, a few dozen actions. */
static void sort_actions(scn_t *s)
{
    for (size_t i = 1; i < s->actions_count; i++) {
        scn_action_t a = s->actions[i];
        size_t j = i;
        while (j > 0 && s->actions[j - 1].at_ms > a.at_ms) {
            s->actions[j] = s->actions[j - 1];
            j--;
        }
        s->actions[j] = a;
    }
}

static void title(gen_t *g, uint64_t seed)
{
    scn_t *s = g->s;
    int n = snprintf(s->title, sizeof(s->title), "swarm run %" PRIu64 ":", seed);
    for (int k = 0; k < GF_COUNT && n > 0 && (size_t)n < sizeof(s->title); k++) {
        if ((g->kinds >> k) & 1u)
            n += snprintf(s->title + n, sizeof(s->title) - (size_t)n, " %s,", GF_NAMES[k]);
    }
    if (n > 0 && (size_t)n < sizeof(s->title) && s->title[n - 1] == ',')
        s->title[n - 1] = '\0';
}

void swarm_gen(scn_t *s, uint64_t run_seed, const swarm_gen_opts_t *o)
{
    assert(s != NULL && o != NULL && run_seed <= SWARM_SEED_MAX);
    assert(o->faults_min >= 1 && o->faults_min <= SWARM_FAULTS_MAX);
    assert(o->duration_ms >= SWARM_DURATION_MS_MIN && o->duration_ms <= SWARM_DURATION_MS_MAX);
    scn_reset(s);
    s->seed = run_seed;
    s->has_seed = true;

    gen_t g;
    memset(&g, 0, sizeof(g));
    g.s = s;
    g.dur_ms = o->duration_ms;
    gen_shape(&g, run_seed);
    gen_kinds(&g, run_seed);
    gen_params(&g, run_seed);
    gen_faults(&g, run_seed, o->faults_min);
    gen_api(&g, run_seed);
    gen_users(&g, run_seed);
    gen_stop(&g, run_seed);
    title(&g, run_seed);

    sort_actions(s);
    int64_t end_ms = g.stop_ms + SWARM_END_AFTER_STOP_MS;
    assert(s->actions[s->actions_count - 1].at_ms <= end_ms);
    add(&g, end_ms, SCN_ACT_END, 0);
    s->has_end = true;
    s->end_ms = end_ms;
    if (!o->no_bounds)
        gen_bounds(&g, run_seed);
}
