/* mutate.c -- mutations of a scenario's timeline, and chains of them.
 *
 * A random mutation is one to three operators: move a fault (by a few ms, a
 * few s, a minute, or anywhere), add a fault (near another's expected
 * detection plus a bound, or anywhere), drop one, change its arguments, aim
 * at a bound, add a call or a user near another action, set a latency,
 * draw the world again (a new seed). A mutation towards a goal first applies
 * the goal's recipe: for a bound its aim; for a named goal the few lines
 * that make it likely (a kill and a stop inside its window, ...); for a
 * (state, event) pair an action of the event's kind at a time the session
 * is likely in the state. Times are estimated from the scenario as the
 * generator estimates them (a kill's report delay, the heartbeat grid).
 */
#include "mutate.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "engine/rng.h"
#include "ha.h"
#include "judge/oracle_contract.h"

typedef struct {
    scn_t *s;
    sim_rng_t *r;
    swarm_frame_t f;
    int64_t kd_hi;  /* a kill's report delay at most */
    int64_t lat_lo; /* a start's latency at least */
} mut_t;

static uint32_t below(sim_rng_t *r, uint32_t n) { return (uint32_t)sim_rng_below(r, n); }

static int64_t param_lo(const scn_t *s, scn_param_id_t id, int64_t dflt)
{
    const scn_param_t *p = scn_param_find(s, id);
    return p ? p->lo : dflt;
}

static int64_t param_hi(const scn_t *s, scn_param_id_t id, int64_t dflt)
{
    const scn_param_t *p = scn_param_find(s, id);
    return p ? p->hi : dflt;
}

static mut_t mut_of(scn_t *s, sim_rng_t *r)
{
    return (mut_t){.s = s, .r = r, .f = swarm_frame(s),
                   .kd_hi = param_hi(s, SCN_PARAM_KILL_DETECT, 3000),
                   .lat_lo = param_lo(s, SCN_PARAM_START_LATENCY, 2000)};
}

/* Anywhere in the recording of session 1. */
static int64_t any_time(const mut_t *m)
{
    int64_t lo = m->f.starts_done + 20000, hi = m->f.stop - 120000;
    return hi > lo ? sim_rng_range(m->r, lo, hi) : lo;
}

static int64_t tick_of(int64_t t)
{
    return t / ORC_HEARTBEAT_INTERVAL_MS * ORC_HEARTBEAT_INTERVAL_MS;
}

/* When the center should learn of the fault a. */
static int64_t detect_of(const mut_t *m, const scn_action_t *a)
{
    switch (a->kind) {
    case SCN_ACT_KILL:
        return a->at_ms + (param_lo(m->s, SCN_PARAM_KILL_DETECT, 1000) + m->kd_hi) / 2;
    case SCN_ACT_DISCONNECT:
    case SCN_ACT_CRASH_HOST:
        return tick_of(a->at_ms) + ORC_HEARTBEAT_TIMEOUT_MS;
    default:
        return a->at_ms;
    }
}

/* A random action for which ok() holds, or -1. */
static int pick(const mut_t *m, bool (*ok)(scn_act_kind_t))
{
    uint32_t n = 0;
    for (size_t i = 0; i < m->s->actions_count; i++)
        n += ok(m->s->actions[i].kind);
    if (n == 0)
        return -1;
    uint32_t j = below(m->r, n);
    for (size_t i = 0; i < m->s->actions_count; i++) {
        if (ok(m->s->actions[i].kind) && j-- == 0)
            return (int)i;
    }
    return -1;
}

static bool is_fault(scn_act_kind_t k) { return scn_act_is_fault(k); }
static bool is_droppable(scn_act_kind_t k) { return k != SCN_ACT_START && k != SCN_ACT_END; }
static bool is_anchor(scn_act_kind_t k)
{
    return scn_act_is_fault(k) || k == SCN_ACT_STOP || k == SCN_ACT_START;
}

static scn_action_t *add(const mut_t *m, int64_t t, scn_act_kind_t kind, uint32_t session)
{
    if (m->s->actions_count >= SWARM_MUTATE_ACTIONS_MAX)
        return NULL;
    if (t < m->f.first_start)
        t = m->f.first_start;
    return swarm_add_action(m->s, t, kind, session);
}

static void add_disconnect(const mut_t *m, int64_t t, int64_t heal_ms, bool after_detection)
{
    scn_action_t *a = add(m, t, SCN_ACT_DISCONNECT, 0);
    if (a != NULL) {
        a->heal_ms = heal_ms;
        a->heal_after_detection = after_detection;
    }
}

static void add_call(const mut_t *m, int64_t t, scn_act_kind_t kind)
{
    (void)add(m, t, kind, 0);
}

/* An offset of a few ms, a few s or tens of s. */
static int64_t nudge(sim_rng_t *r)
{
    switch (below(r, 4)) {
    case 0:
        return sim_rng_range(r, -3, 3);
    case 1:
        return sim_rng_range(r, -3000, 3000);
    case 2:
        return sim_rng_range(r, -60000, 60000);
    default:
        return sim_rng_range(r, -1000, 1000);
    }
}

/* ---- random operators ----------------------------------------------------- */

static void op_move(mut_t *m)
{
    int i = pick(m, is_fault);
    if (i < 0)
        return;
    scn_action_t *a = &m->s->actions[i];
    a->at_ms = below(m->r, 5) == 0 ? any_time(m) : a->at_ms + nudge(m->r);
    if (a->at_ms < m->f.first_start)
        a->at_ms = m->f.first_start;
    if (a->at_ms >= m->f.end)
        a->at_ms = m->f.end - 1;
}

/* Offsets after a detection where the center decides. */
static const int64_t AFTER_DETECT_MS[] = {0, 9000, 30000, 60000, 69000, 90000};

static int64_t near_a_decision(const mut_t *m)
{
    int i = pick(m, is_fault);
    if (i < 0 || below(m->r, 4) == 0)
        return any_time(m);
    int64_t t = detect_of(m, &m->s->actions[i]) +
                AFTER_DETECT_MS[below(m->r, sizeof(AFTER_DETECT_MS) / sizeof(AFTER_DETECT_MS[0]))];
    return t + (below(m->r, 2) ? sim_rng_range(m->r, -2, 2) : (int64_t)below(m->r, 6000));
}

static void op_add_fault(mut_t *m)
{
    if (m->s->actions_count < SWARM_MUTATE_ACTIONS_MAX)
        swarm_gen_fault(m->s, m->r, near_a_decision(m), 0);
}

static void op_drop(mut_t *m)
{
    int i = pick(m, below(m->r, 4) ? is_fault : is_droppable);
    if (i < 0)
        return;
    memmove(&m->s->actions[i], &m->s->actions[i + 1],
            (m->s->actions_count - (size_t)i - 1) * sizeof(m->s->actions[0]));
    m->s->actions_count--;
}

static void op_retime_arg(mut_t *m)
{
    static const int64_t heals[] = {-1, 1000, 5999, 6000, 6001, 30000, 59999, 60000, 60001, 61000};
    int i = pick(m, is_fault);
    if (i < 0)
        return;
    scn_action_t *a = &m->s->actions[i];
    switch (a->kind) {
    case SCN_ACT_DISCONNECT:
        a->heal_ms = heals[below(m->r, sizeof(heals) / sizeof(heals[0]))];
        a->heal_after_detection = a->heal_ms >= 0 && below(m->r, 2) == 0;
        break;
    case SCN_ACT_PROVISION_FAIL:
        a->count = 1 + below(m->r, 4);
        break;
    case SCN_ACT_CRASH_HOST:
        a->host = 1 + below(m->r, m->s->servers);
        break;
    default:
        a->at_ms += sim_rng_range(m->r, -2, 2);
        if (a->at_ms < m->f.first_start)
            a->at_ms = m->f.first_start;
        break;
    }
}

static void op_aim(mut_t *m)
{
    /* One draw a statement: the order of a call's arguments is the
     * compiler's, and a run must not depend on the compiler. */
    swarm_bound_t b = (swarm_bound_t)below(m->r, SWARM_BOUND_COUNT);
    int d = (int)below(m->r, 3) - 1;
    bool alone = below(m->r, 4) == 0;
    swarm_aim(m->s, b, d, alone, m->r);
    m->f = swarm_frame(m->s);
}

static void op_call(mut_t *m)
{
    static const scn_act_kind_t calls[] = {SCN_ACT_QUERY, SCN_ACT_UPDATE, SCN_ACT_UPDATE_LAYOUT,
                                           SCN_ACT_STOP};
    int i = pick(m, is_anchor);
    int64_t t = i < 0 ? any_time(m) : m->s->actions[i].at_ms;
    if (i >= 0 && scn_act_is_fault(m->s->actions[i].kind) && below(m->r, 2))
        t = detect_of(m, &m->s->actions[i]);
    t += below(m->r, 3) == 0 ? (int64_t)below(m->r, 4) : (int64_t)below(m->r, 20000);
    add_call(m, t, calls[below(m->r, 4)]);
}

static void user_at(mut_t *m, int64_t t)
{
    scn_action_t *a;
    if (m->s->users_count > 0 && below(m->r, 2)) {
        if ((a = add(m, t, SCN_ACT_LEAVE, 0)) != NULL)
            a->uid = m->s->users[below(m->r, (uint32_t)m->s->users_count)];
    } else if ((a = add(m, t, SCN_ACT_JOIN, 0)) != NULL) {
        a->uid = 300000 + below(m->r, 100000);
    }
}

static void op_user(mut_t *m)
{
    int i = pick(m, is_anchor);
    int64_t t = i < 0 ? any_time(m) : m->s->actions[i].at_ms;
    user_at(m, t + below(m->r, 10000));
}

static void op_param(mut_t *m)
{
    static const scn_param_id_t ids[] = {SCN_PARAM_KILL_DETECT, SCN_PARAM_START_LATENCY,
                                         SCN_PARAM_REJOIN_LATENCY};
    static const int64_t values[] = {500, 1000, 3000, 3001, 8999, 9000, 9001, 15000};
    scn_param_id_t id = ids[below(m->r, 3)];
    int64_t v = values[below(m->r, sizeof(values) / sizeof(values[0]))];
    int64_t w = below(m->r, 2) ? v : values[below(m->r, sizeof(values) / sizeof(values[0]))];
    swarm_set_param(m->s, id, v < w ? v : w, v < w ? w : v);
    m->kd_hi = param_hi(m->s, SCN_PARAM_KILL_DETECT, 3000);
    m->lat_lo = param_lo(m->s, SCN_PARAM_START_LATENCY, 2000);
}

static void op_random(mut_t *m, uint64_t seed)
{
    switch (below(m->r, 10)) {
    case 0:
    case 1:
        op_move(m);
        break;
    case 2:
    case 3:
        op_add_fault(m);
        break;
    case 4:
        op_drop(m);
        break;
    case 5:
        op_retime_arg(m);
        break;
    case 6:
        op_aim(m);
        break;
    case 7:
        op_call(m);
        break;
    case 8:
        below(m->r, 2) ? op_user(m) : op_param(m);
        break;
    default:
        m->s->seed = seed; /* the same timeline in a world drawn again */
        break;
    }
}

/* ---- recipes: towards one goal --------------------------------------------- */

/* A kill, and the time its replacement is likely starting. */
static int64_t kill_and_replacement(const mut_t *m, int64_t t)
{
    add(m, t, SCN_ACT_KILL, 0);
    return t + m->kd_hi + below(m->r, (uint32_t)(m->lat_lo > 1 ? m->lat_lo : 1));
}

/* long on purpose: one case per named goal, each the two or three lines of
 * scenario that make it likely. */
static void recipe_named(mut_t *m, swarm_goal_t g)
{
    int64_t t = any_time(m), det = tick_of(t) + ORC_HEARTBEAT_TIMEOUT_MS;
    scn_action_t *a;
    switch (g) {
    case SWARM_GOAL_FAULT_4TH:
    case SWARM_GOAL_THIRD_RESUMED:
        for (uint32_t i = 0, n = 2 + below(m->r, 3); i < n; i++)
            add(m, t + (int64_t)i * (40000 + below(m->r, 30000)), SCN_ACT_KILL, 0);
        break;
    case SWARM_GOAL_REPL_START_FAILED:
        add(m, t, SCN_ACT_KILL, 0);
        if ((a = add(m, t, SCN_ACT_PROVISION_FAIL, 0)) != NULL)
            a->count = 1 + below(m->r, 3);
        break;
    case SWARM_GOAL_REPL_KILLED:
        add(m, kill_and_replacement(m, t), SCN_ACT_KILL, 0);
        break;
    case SWARM_GOAL_REPL_DISCONNECTED:
        add_disconnect(m, kill_and_replacement(m, t), 20000, false);
        break;
    case SWARM_GOAL_REPL_TIMEOUT:
    case SWARM_GOAL_END_DEADLINE:
        swarm_set_param(m->s, SCN_PARAM_START_LATENCY, 9500, 20000);
        add(m, t, SCN_ACT_KILL, 0);
        break;
    case SWARM_GOAL_END_START_DEADLINE:
        swarm_set_param(m->s, SCN_PARAM_START_LATENCY, 9500, 20000);
        break;
    case SWARM_GOAL_FIRST_START_RETRIED:
        add(m, m->f.first_start + below(m->r, 2000), SCN_ACT_KILL, 0);
        break;
    case SWARM_GOAL_CAPACITY_LAST_SECOND:
        swarm_aim_free_at(m->s, ORC_DEADLINE_MS - 1000 + below(m->r, 1000), 0, m->r);
        break;
    case SWARM_GOAL_STOP_KILL_WINDOW:
        add_call(m, kill_and_replacement(m, t), SCN_ACT_STOP);
        break;
    case SWARM_GOAL_STOP_DISCONNECT_MINUTE:
    case SWARM_GOAL_UPDATE_MINUTE:
    case SWARM_GOAL_LAYOUT_MINUTE:
        add_disconnect(m, t, -1, false);
        add_call(m, det + 1 + below(m->r, 50000),
                 g == SWARM_GOAL_STOP_DISCONNECT_MINUTE ? SCN_ACT_STOP
                 : g == SWARM_GOAL_UPDATE_MINUTE        ? SCN_ACT_UPDATE
                                                        : SCN_ACT_UPDATE_LAYOUT);
        break;
    case SWARM_GOAL_STOP_SWITCHING:
        add_disconnect(m, t, -1, false);
        add_call(m, det + ORC_RECONNECT_WINDOW_MS + 1 + below(m->r, (uint32_t)m->lat_lo),
                 SCN_ACT_STOP);
        break;
    default:
        break;
    }
}

/* A session that ended while a recorder it started is still on its way up
 * (abandoned, or started just before a stop), so that the recorder's READY
 * or FAILED comes in the ended state; at t, with its recorders failing to
 * start when failing. The time when it has ended. */
static int64_t ended_with_a_recorder_starting(mut_t *m, int st, int64_t t, bool failing)
{
    scn_action_t *a;
    if (st == HA_ST_ENDED_ABNORMAL) {
        /* Attempts of L ms that fail one after the other on enough servers,
         * the one in flight at the deadline up (or failing) after it. */
        int64_t lat = sim_rng_range(m->r, 7000, ORC_STARTUP_MS_MAX - 1);
        swarm_set_param(m->s, SCN_PARAM_START_LATENCY, lat, lat);
        if (m->s->servers < 14)
            m->s->servers = 14;
        m->s->has_servers = true;
        add(m, t, SCN_ACT_KILL, 0);
        if ((a = add(m, t, SCN_ACT_PROVISION_FAIL, 0)) != NULL)
            a->count = failing ? 12 : (uint32_t)(ORC_DEADLINE_MS / lat);
        return t + m->kd_hi + ORC_DEADLINE_MS + 1;
    }
    /* The first recorder killed while starting, the next one stopped while
     * starting: it comes up (or fails) after the session ended. */
    int64_t k = m->f.first_start + below(m->r, (uint32_t)m->lat_lo);
    add(m, k, SCN_ACT_KILL, 0);
    if (failing && (a = add(m, k, SCN_ACT_PROVISION_FAIL, 0)) != NULL)
        a->count = 1;
    int64_t stop = k + m->kd_hi + 1 + below(m->r, (uint32_t)m->lat_lo);
    add_call(m, stop, SCN_ACT_STOP);
    return stop + 1;
}

/* One more session, never started: a slot the hostile driver's reports can
 * name (it looks for one among the last). Unnamed starts become one start
 * per session, so that the new one is left out. */
static void add_idle_session(mut_t *m)
{
    scn_t *s = m->s;
    if (s->sessions >= 8)
        return;
    for (size_t i = 0; i < s->actions_count; i++) {
        if (s->actions[i].kind != SCN_ACT_START || s->actions[i].session != 0)
            continue;
        s->actions[i].session = 1;
        for (uint32_t k = 2; k <= s->sessions; k++)
            add(m, s->actions[i].at_ms, SCN_ACT_START, k);
    }
    s->sessions++;
    swarm_sort_actions(s);
}

/* When a session of s is likely in state st, setting it up if need be;
 * -1 when no recipe knows. */
static int64_t in_state(mut_t *m, int st, int ev)
{
    int64_t t = any_time(m), det = tick_of(t) + ORC_HEARTBEAT_TIMEOUT_MS;
    if ((st == HA_ST_ENDED_NORMAL || st == HA_ST_ENDED_ABNORMAL) &&
        (ev == HA_SEV_READY || ev == HA_SEV_FAILED))
        return ended_with_a_recorder_starting(m, st, t, ev == HA_SEV_FAILED);
    switch (st) {
    case HA_ST_FREE:
        swarm_set_param(m->s, SCN_PARAM_HOSTILE, 1, 1); /* reports naming unused slots */
        add_idle_session(m);
        if (ev == HA_SEV_FAILED) {
            /* A replacement that fails, whose report the driver turns. */
            scn_action_t *a;
            add(m, t, SCN_ACT_KILL, 0);
            if ((a = add(m, t, SCN_ACT_PROVISION_FAIL, 0)) != NULL)
                a->count = 1 + below(m->r, 3);
        }
        return t + m->kd_hi;
    case HA_ST_STARTING:
        return m->f.first_start + below(m->r, (uint32_t)m->lat_lo);
    case HA_ST_RECORDING:
        return t;
    case HA_ST_FAILOVER:
        return kill_and_replacement(m, t);
    case HA_ST_RECONNECTING:
        add_disconnect(m, t, -1, false);
        return det + 1 + below(m->r, 59000);
    case HA_ST_RESUMING:
        add_disconnect(m, t, 30000, true);
        return det + 30000 + below(m->r, 500);
    case HA_ST_SWITCHING:
        add_disconnect(m, t, -1, false);
        return det + ORC_RECONNECT_WINDOW_MS + below(m->r, (uint32_t)m->lat_lo);
    case HA_ST_STOPPING:
        return m->f.stop + below(m->r, 500);
    case HA_ST_ENDED_NORMAL:
        return m->f.stop + 500 + below(m->r, 50000);
    case HA_ST_ENDED_ABNORMAL:
        swarm_set_param(m->s, SCN_PARAM_START_LATENCY, 9500, 20000);
        add(m, t, SCN_ACT_KILL, 0);
        return t + m->kd_hi + ORC_DEADLINE_MS + below(m->r, 20000);
    default:
        return -1;
    }
}

/* An input of kind ev to arrive at t. */
static void event_at(mut_t *m, int ev, int64_t t)
{
    scn_action_t *a;
    switch (ev) {
    case HA_SEV_API_QUERY:
        add_call(m, t, SCN_ACT_QUERY);
        break;
    case HA_SEV_API_UPDATE:
        add_call(m, t, SCN_ACT_UPDATE);
        break;
    case HA_SEV_API_UPDATE_LAYOUT:
        add_call(m, t, SCN_ACT_UPDATE_LAYOUT);
        break;
    case HA_SEV_API_STOP:
    case HA_SEV_EXITED:
        add_call(m, ev == HA_SEV_EXITED ? t - 500 : t, SCN_ACT_STOP);
        break;
    case HA_SEV_SERVER_DOWN:
        add_disconnect(m, t - ORC_HEARTBEAT_TIMEOUT_MS + below(m->r, 2000), -1, false);
        break;
    case HA_SEV_SERVER_UP: {
        int64_t cut = t - 8000 - below(m->r, 4000);
        add_disconnect(m, cut, t - cut, false);
        break;
    }
    case HA_SEV_EXIT_REPORT:
        add(m, t - m->kd_hi, SCN_ACT_KILL, 0);
        break;
    case HA_SEV_FAILED:
        if ((a = add(m, t - below(m->r, (uint32_t)m->lat_lo), SCN_ACT_PROVISION_FAIL, 0)) != NULL)
            a->count = 1;
        break;
    case HA_SEV_USER:
        user_at(m, t);
        break;
    case HA_SEV_STALE:
        swarm_set_param(m->s, SCN_PARAM_LAZY_TIMERS, 1, 1);
        break;
    case HA_SEV_SLICE:
        /* Uploads in odd states: recorders that ignore the fence. */
        swarm_set_param(m->s, SCN_PARAM_ZOMBIE, 1, 1);
        break;
    case HA_SEV_READY:
        break; /* the state's set-up started a recorder */
    default:
        op_add_fault(m);
        break;
    }
}

static void recipe(mut_t *m, int goal, uint64_t seed)
{
    int st, ev;
    if (goal >= SWARM_GOAL_BOUND_FIRST && goal < SWARM_GOAL_FSM_FIRST) {
        int k = goal - SWARM_GOAL_BOUND_FIRST;
        swarm_aim(m->s, (swarm_bound_t)(k / 3), k % 3 - 1, below(m->r, 2) == 0, m->r);
    } else if (goal < SWARM_GOAL_NAMED_COUNT) {
        if (below(m->r, 3) == 0)
            swarm_drop_faults(m->s); /* nothing else in the way */
        recipe_named(m, (swarm_goal_t)goal);
    } else if (swarm_goal_fsm((unsigned)goal, &st, &ev)) {
        /* The hostile driver's lies are inputs in every state. */
        if (below(m->r, 3) == 0)
            swarm_set_param(m->s, SCN_PARAM_HOSTILE, 1, 1);
        if (below(m->r, 3) == 0)
            swarm_drop_faults(m->s);
        int64_t t = in_state(m, st, ev);
        if (t >= 0 && !((st == HA_ST_ENDED_NORMAL || st == HA_ST_ENDED_ABNORMAL) &&
                        (ev == HA_SEV_READY || ev == HA_SEV_FAILED)))
            event_at(m, ev, t);
        else
            op_random(m, seed);
    }
}

/* ---- keeping the scenario valid ---------------------------------------- */

/* In time order; no fault before its session's start; nothing naming a
 * session or a host the world lacks; `end` last. */
static void make_valid(scn_t *s)
{
    swarm_sort_actions(s);
    bool any = false, all = false;
    uint8_t named[512]; /* sessions started by name (a swarm has at most 4) */
    memset(named, 0, sizeof(named));
    size_t kept = 0;
    for (size_t i = 0; i < s->actions_count; i++) {
        scn_action_t *a = &s->actions[i];
        bool ok = a->session <= s->sessions &&
                  (a->kind != SCN_ACT_CRASH_HOST || (a->host >= 1 && a->host <= s->servers));
        if (ok && scn_act_is_fault(a->kind)) {
            bool named_started = a->session / 8 < sizeof(named) &&
                                 (named[a->session / 8] >> (a->session % 8)) & 1u;
            ok = a->session == 0 ? any : all || named_started;
        }
        if (a->kind == SCN_ACT_START) {
            any = true;
            if (a->session == 0)
                all = true;
            else if (a->session / 8 < sizeof(named))
                named[a->session / 8] |= (uint8_t)(1u << (a->session % 8));
        }
        if (ok)
            s->actions[kept++] = *a;
    }
    s->actions_count = kept;
}

void swarm_mutate(scn_t *s, uint64_t seed, int goal)
{
    assert(s->actions_count >= 2 && s->actions[s->actions_count - 1].kind == SCN_ACT_END);
    sim_rng_t r;
    sim_rng_stream(&r, seed, sim_rng_stream_id("guided.mutate"));
    mut_t m = mut_of(s, &r);
    if (goal >= 0) {
        recipe(&m, goal, seed);
        m.f = swarm_frame(s);
        if (below(&r, 2) == 0)
            op_random(&m, seed);
    } else {
        for (uint32_t i = 0, n = 1 + below(&r, 3); i < n; i++)
            op_random(&m, seed);
    }
    make_valid(s);
}

/* ---- chains -------------------------------------------------------------- */

void swarm_chain_gen(scn_t *s, const swarm_chain_t *c, const swarm_gen_opts_t *o)
{
    assert(c->n >= 1 && c->n <= SWARM_CHAIN_MAX);
    swarm_gen(s, c->seed[0], o);
    for (uint32_t i = 1; i < c->n; i++)
        swarm_mutate(s, c->seed[i], c->goal[i]);
}

int swarm_chain_parse(const char *text, swarm_chain_t *c, char *why, size_t why_cap)
{
    memset(c, 0, sizeof(*c));
    const char *p = text;
    for (;;) {
        if (c->n == SWARM_CHAIN_MAX) {
            snprintf(why, why_cap, "a chain has at most %d steps", SWARM_CHAIN_MAX);
            return -1;
        }
        char *end;
        errno = 0;
        if (*p < '0' || *p > '9') {
            snprintf(why, why_cap, "step %u: expected a seed, not '%.20s'", c->n + 1, p);
            return -1;
        }
        unsigned long long v = strtoull(p, &end, 10);
        if (errno != 0 || v > SWARM_SEED_MAX) {
            snprintf(why, why_cap, "step %u: a seed is 0..2^63-1", c->n + 1);
            return -1;
        }
        c->seed[c->n] = v;
        c->goal[c->n] = -1;
        p = end;
        if (*p == '@') {
            size_t len = strcspn(p + 1, ",");
            char name[SWARM_GOAL_NAME_MAX];
            int g = -1;
            if (len < sizeof(name)) {
                memcpy(name, p + 1, len);
                name[len] = '\0';
                g = swarm_goal_find(name);
            }
            if (g < 0 || c->n == 0) {
                snprintf(why, why_cap, "step %u: '%.*s' is not a goal (hasim swarm --list-goals)",
                         c->n + 1, (int)(len < 60 ? len : 60), p + 1);
                return -1;
            }
            c->goal[c->n] = (int16_t)g;
            p += 1 + len;
        }
        c->n++;
        if (*p == '\0')
            return 0;
        if (*p != ',') {
            snprintf(why, why_cap, "step %u: expected ',' or '@GOAL', not '%.20s'", c->n, p);
            return -1;
        }
        p++;
    }
}

void swarm_chain_format(const swarm_chain_t *c, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < c->n && n < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%" PRIu64, i ? "," : "", c->seed[i]);
        n += w > 0 ? (size_t)w : 0;
        if (c->goal[i] >= 0 && n < cap) {
            w = snprintf(buf + n, cap - n, "@%s", swarm_goal_name((unsigned)c->goal[i]));
            n += w > 0 ? (size_t)w : 0;
        }
    }
}
