/* bounds.c -- the aims of bounds.h, one function a bound. */
#include "bounds.h"

#include <assert.h>
#include <string.h>

#include "drive/env.h"
#include "judge/oracle_contract.h"

/* A session's window to aim in: after every start has come up, before the
 * final stop with room for the aim to play out. */
#define AIM_AFTER_STARTS_MS 30000
#define AIM_BEFORE_STOP_MS 150000
#define FLUSH_MS SIM_FLUSH_MS

typedef swarm_frame_t frame_t;

swarm_frame_t swarm_frame(const scn_t *s)
{
    frame_t f = {-1, 0, s->end_ms, s->end_ms};
    for (size_t i = 0; i < s->actions_count; i++) {
        const scn_action_t *a = &s->actions[i];
        if (a->kind == SCN_ACT_START) {
            if (f.first_start < 0 && a->session <= 1)
                f.first_start = a->at_ms;
            f.starts_done = a->at_ms > f.starts_done ? a->at_ms : f.starts_done;
        }
    }
    assert(f.first_start >= 0 && "a scenario to aim in starts session 1");
    for (size_t i = s->actions_count; i-- > 0;) {
        const scn_action_t *a = &s->actions[i];
        if (a->kind == SCN_ACT_STOP && a->session == 0 && a->at_ms > f.starts_done) {
            f.stop = a->at_ms;
            break;
        }
    }
    return f;
}

/* A time to aim at: in the session's window, or its start when there is
 * no room. */
static int64_t aim_time(const frame_t *f, sim_rng_t *r)
{
    int64_t lo = f->starts_done + AIM_AFTER_STARTS_MS;
    int64_t hi = f->stop - AIM_BEFORE_STOP_MS;
    return hi > lo ? sim_rng_range(r, lo, hi) : lo;
}

void swarm_sort_actions(scn_t *s)
{
    for (size_t i = 1; i < s->actions_count; i++) {
        scn_action_t a = s->actions[i];
        size_t j = i;
        while (j > 0 && (s->actions[j - 1].at_ms > a.at_ms ||
                         (s->actions[j - 1].kind == SCN_ACT_END && a.kind != SCN_ACT_END &&
                          s->actions[j - 1].at_ms == a.at_ms))) {
            s->actions[j] = s->actions[j - 1];
            j--;
        }
        s->actions[j] = a;
    }
}

void swarm_set_param(scn_t *s, scn_param_id_t id, int64_t lo, int64_t hi)
{
    assert(lo <= hi);
    for (size_t i = 0; i < s->params_count; i++) {
        if (s->params[i].id == id) {
            s->params[i].lo = lo;
            s->params[i].hi = hi;
            return;
        }
    }
    assert(s->params_count < SCN_PARAMS_MAX);
    s->params[s->params_count++] = (scn_param_t){.id = id, .lo = lo, .hi = hi};
}

static void drop_param(scn_t *s, scn_param_id_t id)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->params_count; i++) {
        if (s->params[i].id != id)
            s->params[kept++] = s->params[i];
    }
    s->params_count = kept;
}

scn_action_t *swarm_add_action(scn_t *s, int64_t at_ms, scn_act_kind_t kind, uint32_t session)
{
    assert(s->actions_count >= 1 && s->actions[s->actions_count - 1].kind == SCN_ACT_END);
    if (s->actions_count >= SCN_ACTIONS_MAX)
        return NULL;
    int64_t last = s->end_ms - 1;
    scn_action_t *endp = &s->actions[s->actions_count];
    *endp = s->actions[s->actions_count - 1];
    s->actions_count++;
    scn_action_t *a = endp - 1;
    memset(a, 0, sizeof(*a));
    a->at_ms = at_ms < 0 ? 0 : at_ms > last ? last : at_ms;
    a->kind = kind;
    a->session = session;
    a->heal_ms = -1;
    return a;
}

static scn_action_t *add(scn_t *s, int64_t at_ms, scn_act_kind_t kind, uint32_t session)
{
    return swarm_add_action(s, at_ms, kind, session);
}

static void add_disconnect(scn_t *s, int64_t at_ms, int64_t heal_ms, bool after_detection)
{
    scn_action_t *a = add(s, at_ms, SCN_ACT_DISCONNECT, 0);
    if (a != NULL) {
        a->heal_ms = heal_ms;
        a->heal_after_detection = after_detection;
    }
}

/* Keeps the actions keep() says yes to. */
static void filter(scn_t *s, bool (*keep)(const scn_t *, const scn_action_t *, int64_t),
                   int64_t arg)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->actions_count; i++) {
        if (keep(s, &s->actions[i], arg))
            s->actions[kept++] = s->actions[i];
    }
    s->actions_count = kept;
}

static bool not_a_fault_or_early_stop(const scn_t *s, const scn_action_t *a, int64_t stop)
{
    (void)s;
    return !scn_act_is_fault(a->kind) && !(a->kind == SCN_ACT_STOP && a->at_ms < stop);
}

static bool fits_the_world(const scn_t *s, const scn_action_t *a, int64_t unused)
{
    (void)unused;
    return a->session <= s->sessions && (a->kind != SCN_ACT_CRASH_HOST || a->host <= s->servers);
}

static bool not_a_start(const scn_t *s, const scn_action_t *a, int64_t unused)
{
    (void)s;
    (void)unused;
    return a->kind != SCN_ACT_START;
}

/* sessions on servers of capacity 1, every start at the world's default
 * latency: each session holds a server, and a session that loses its own
 * waits for another's to be freed. Actions naming what no longer exists go. */
static void reshape(scn_t *s, uint32_t sessions, uint32_t servers)
{
    s->sessions = sessions;
    s->servers = servers;
    s->capacity = 1;
    s->has_servers = true;
    drop_param(s, SCN_PARAM_START_LATENCY);
    filter(s, fits_the_world, 0);
}

/* ---- one aim a bound ------------------------------------------------------ */

static void aim_heartbeat(scn_t *s, const frame_t *f, int d, sim_rng_t *r)
{
    int64_t tick = (aim_time(f, r) / ORC_HEARTBEAT_INTERVAL_MS + 1) * ORC_HEARTBEAT_INTERVAL_MS;
    add_disconnect(s, tick + d, 10000, false);
}

static void aim_detect(scn_t *s, const frame_t *f, int d, sim_rng_t *r)
{
    int64_t tick = (aim_time(f, r) / ORC_HEARTBEAT_INTERVAL_MS + 1) * ORC_HEARTBEAT_INTERVAL_MS;
    int64_t o = sim_rng_range(r, 1, ORC_HEARTBEAT_INTERVAL_MS - 1);
    add_disconnect(s, tick + o, ORC_HEARTBEAT_TIMEOUT_MS - o + d, false);
}

/* 8 999 ms, 9 000 ms, or 9 000..9 001 ms: an attempt abandoned at 9 000 ms
 * with nothing reported then is one that came up at 9 001 ms. */
static void latency_at(scn_t *s, scn_param_id_t id, int d)
{
    int64_t v = ORC_STARTUP_MS_MAX + (d < 0 ? -1 : 0);
    swarm_set_param(s, id, v, d > 0 ? v + 1 : v);
}

/* Session 1 loses its server at t (a kill reported K ms later); session 2
 * holds the only other one and stops so that its recorder is gone at
 * detection + free_ms + d. */
static bool starts(const scn_t *s, uint32_t session)
{
    for (size_t i = 0; i < s->actions_count; i++) {
        const scn_action_t *a = &s->actions[i];
        if (a->kind == SCN_ACT_START && (a->session == 0 || a->session == session))
            return true;
    }
    return false;
}

static void aim_capacity(scn_t *s, const frame_t *f, int64_t free_ms, int d, sim_rng_t *r)
{
    reshape(s, 2, 2);
    if (!starts(s, 2))
        add(s, f->first_start, SCN_ACT_START, 2);
    int64_t t = aim_time(f, r);
    int64_t kd = sim_rng_range(r, 1000, ORC_KILL_REPORT_MS_MAX);
    swarm_set_param(s, SCN_PARAM_KILL_DETECT, kd, kd);
    add(s, t, SCN_ACT_KILL, 1);
    add(s, t + kd + free_ms + d - FLUSH_MS, SCN_ACT_STOP, 2);
}

void swarm_aim_free_at(scn_t *s, int64_t free_ms, int d, sim_rng_t *r)
{
    frame_t f = swarm_frame(s);
    aim_capacity(s, &f, free_ms, d, r);
    swarm_sort_actions(s);
}

static void aim_start_deadline(scn_t *s, const frame_t *f, int d)
{
    reshape(s, 2, 1);
    filter(s, not_a_start, 0);
    add(s, f->first_start, SCN_ACT_START, 2);
    int64_t t1 = f->first_start + 1000;
    add(s, t1, SCN_ACT_START, 1);
    add(s, t1 + ORC_START_DEADLINE_MS + d - FLUSH_MS, SCN_ACT_STOP, 2);
}

static void aim_flush(scn_t *s, const frame_t *f, int d, sim_rng_t *r)
{
    /* Early in a heartbeat period, so that the server is not declared down
     * (which ends a stopping session at once) before stop + 5 001 ms. */
    int64_t tick = aim_time(f, r) / ORC_HEARTBEAT_INTERVAL_MS * ORC_HEARTBEAT_INTERVAL_MS;
    int64_t t = tick + sim_rng_range(r, 1, 400); /* one draw a statement: any compiler */
    int64_t o = sim_rng_range(r, 1, FLUSH_MS - 1);
    add(s, t, SCN_ACT_STOP, 0);
    add_disconnect(s, t + o, ORC_STOP_FLUSH_MS_MAX + d - o, false);
}

void swarm_drop_faults(scn_t *s)
{
    filter(s, not_a_fault_or_early_stop, swarm_frame(s).stop);
}

void swarm_aim(scn_t *s, swarm_bound_t b, int d, bool clean, sim_rng_t *r)
{
    assert(d >= -1 && d <= 1);
    frame_t f = swarm_frame(s);
    if (clean)
        filter(s, not_a_fault_or_early_stop, f.stop);
    switch (b) {
    case SWARM_BOUND_HEARTBEAT:
        aim_heartbeat(s, &f, d, r);
        break;
    case SWARM_BOUND_DETECT:
        aim_detect(s, &f, d, r);
        break;
    case SWARM_BOUND_HEAL:
        add_disconnect(s, aim_time(&f, r), ORC_RECONNECT_WINDOW_MS + d, true);
        break;
    case SWARM_BOUND_START:
        latency_at(s, SCN_PARAM_START_LATENCY, d);
        add(s, aim_time(&f, r), SCN_ACT_KILL, 0);
        break;
    case SWARM_BOUND_REJOIN:
        latency_at(s, SCN_PARAM_REJOIN_LATENCY, d);
        add_disconnect(s, aim_time(&f, r), 20000, true);
        break;
    case SWARM_BOUND_DEADLINE:
        aim_capacity(s, &f, ORC_DEADLINE_MS, d, r);
        break;
    case SWARM_BOUND_RETRY:
        aim_capacity(s, &f, ORC_CAPACITY_RETRY_MS * sim_rng_range(r, 1, 80), d, r);
        break;
    case SWARM_BOUND_START_DEADLINE:
        aim_start_deadline(s, &f, d);
        break;
    case SWARM_BOUND_FLUSH:
        aim_flush(s, &f, d, r);
        break;
    case SWARM_BOUND_COUNT:
        assert(!"no such bound");
        break;
    }
    swarm_sort_actions(s);
}
