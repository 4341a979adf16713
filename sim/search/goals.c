/* goals.c -- the goals and the observer that recognises them in a trace.
 *
 * The observer keeps, per session, just enough to place an event: the open
 * activation (its cause, deadline, whether the minute of a disconnect is
 * running or a switch happened), the attempt in flight, the last look for
 * capacity, a rejoin under way and an accepted stop; per server, the last
 * heartbeat before a cut and the detection of its outage. Bounds come from
 * the contract's numbers (oracle_contract.h), like the oracle's.
 *
 * "Capacity freed" is a world event after which a server may take a
 * recorder again: a recorder exited (a stop's flush done), an exit report (a
 * killed recorder is gone), or a link back.
 */
#include "goals.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "ha.h"
#include "judge/oracle_contract.h"

static const char *const BOUND_NAMES[SWARM_BOUND_COUNT] = {
    "heartbeat", "detect", "heal", "start_latency", "rejoin",
    "deadline", "start_deadline", "capacity_retry", "stop_flush",
};

static const char *const BOUND_WHAT[SWARM_BOUND_COUNT] = {
    "a disconnect at a heartbeat tick (every 2 000 ms from 0)",
    "a link back at its last heartbeat + 6 000 ms (detection)",
    "a link back at its detection + 60 000 ms",
    "a recorder up 9 000 ms after its start (the attempt time-out)",
    "a recorder rejoined 9 000 ms after the resume order",
    "capacity freed at an activation's deadline (detection + 90 000 ms)",
    "capacity freed at the first start's deadline (accepted + 90 000 ms)",
    "capacity freed at a look for capacity (every 1 000 ms)",
    "a link back or a recorder gone at a stop + 5 000 ms (the flush time-out)",
};

static const char *const NAMED[SWARM_GOAL_NAMED_COUNT][2] = {
    {"fault.4th", "a 4th fault of the serving recorder (R5: gives up)"},
    {"activation.3rd_resumed", "the third activation resumed"},
    {"replacement.start_failed", "a replacement's start failed before it resumed (R11)"},
    {"replacement.killed", "a replacement killed before it resumed (R11)"},
    {"replacement.disconnected", "a replacement's server cut off before it resumed (R11)"},
    {"replacement.timeout", "a replacement not up within 9 000 ms (R11)"},
    {"first_start.retried", "the first recorder failed and a later one recorded (R13)"},
    {"capacity.last_second", "capacity freed in the last second before a deadline, "
                             "a session waiting for it"},
    {"stop.kill_window", "a stop inside a kill's window (R6, R12)"},
    {"stop.disconnect_minute", "a stop inside a disconnect's minute (R6, R12)"},
    {"stop.switching", "a stop after a disconnect's switch, before the resume (R6, R12)"},
    {"update.disconnect_minute", "an update inside a disconnect's minute (R6)"},
    {"update_layout.disconnect_minute", "an updateLayout inside a disconnect's minute (R6)"},
    {"end.deadline", "an activation ended at its deadline (R10)"},
    {"end.start_deadline", "the first start ended at its deadline (R13)"},
};

/* Marks of the attempt in flight. */
enum { ATT_FAILED = 1, ATT_KILLED = 2, ATT_CUT = 4 };

/* ---- the list ------------------------------------------------------------ */

typedef struct {
    bool ready;
    unsigned count;
    int16_t fsm_state[SWARM_GOALS_MAX];
    int16_t fsm_event[SWARM_GOALS_MAX];
    int16_t fsm_goal[HA_ST_COUNT * HA_SEV_COUNT]; /* -1: impossible */
    char names[SWARM_GOALS_MAX][SWARM_GOAL_NAME_MAX];
    char what[SWARM_GOALS_MAX][96];
} goal_table_t;

static goal_table_t TABLE;

const char *swarm_bound_name(swarm_bound_t b)
{
    return b >= 0 && b < SWARM_BOUND_COUNT ? BOUND_NAMES[b] : "?";
}

bool swarm_fsm_impossible(int state, int event)
{
    /* Mirrors IMPOSSIBLE in tools/report_fsm.py, which says why for each
     * (tests/checks.d/10-swarm.sh compares the two). */
    bool live_or_ended = state != HA_ST_FREE;
    bool ended = state == HA_ST_ENDED_NORMAL || state == HA_ST_ENDED_ABNORMAL;
    switch (event) {
    case HA_SEV_API_START:
        return live_or_ended;
    case HA_SEV_DEADLINE:
        return state == HA_ST_FREE || ended || state == HA_ST_RECORDING ||
               state == HA_ST_RECONNECTING || state == HA_ST_RESUMING;
    case HA_SEV_STEP:
        return state == HA_ST_FREE || ended || state == HA_ST_RECORDING ||
               state == HA_ST_STOPPING;
    case HA_SEV_SERVER_DOWN:
        return state == HA_ST_FREE || ended || state == HA_ST_RECONNECTING;
    case HA_SEV_SERVER_UP:
    case HA_SEV_STALE:
        return state == HA_ST_FREE;
    default:
        return false;
    }
}

static void table_init(void)
{
    goal_table_t *t = &TABLE;
    if (t->ready)
        return;
    unsigned n = 0;
    for (unsigned i = 0; i < SWARM_GOAL_NAMED_COUNT; i++, n++) {
        snprintf(t->names[n], sizeof(t->names[n]), "%s", NAMED[i][0]);
        snprintf(t->what[n], sizeof(t->what[n]), "%s", NAMED[i][1]);
    }
    for (int b = 0; b < SWARM_BOUND_COUNT; b++) {
        for (int d = -1; d <= 1; d++, n++) {
            assert(n == swarm_goal_bound((swarm_bound_t)b, d));
            snprintf(t->names[n], sizeof(t->names[n]), "bound.%s.%s", BOUND_NAMES[b],
                     d < 0 ? "-1" : d > 0 ? "+1" : "0");
            snprintf(t->what[n], sizeof(t->what[n]), "%s, %s", BOUND_WHAT[b],
                     d < 0 ? "1 ms before" : d > 0 ? "1 ms after" : "exactly");
        }
    }
    for (int st = 0; st < HA_ST_COUNT; st++) {
        for (int ev = 0; ev < HA_SEV_COUNT; ev++) {
            int16_t *slot = &t->fsm_goal[st * HA_SEV_COUNT + ev];
            if (swarm_fsm_impossible(st, ev)) {
                *slot = -1;
                continue;
            }
            assert(n < SWARM_GOALS_MAX);
            *slot = (int16_t)n;
            t->fsm_state[n] = (int16_t)st;
            t->fsm_event[n] = (int16_t)ev;
            snprintf(t->names[n], sizeof(t->names[n]), "fsm.%s.%s", ha_state_name((ha_state_t)st),
                     ha_sev_name((ha_sev_t)ev));
            snprintf(t->what[n], sizeof(t->what[n]), "a session in state %s told %s",
                     ha_state_name((ha_state_t)st), ha_sev_name((ha_sev_t)ev));
            n++;
        }
    }
    t->count = n;
    t->ready = true;
}

unsigned swarm_goals_count(void)
{
    table_init();
    return TABLE.count;
}

const char *swarm_goal_name(unsigned id)
{
    table_init();
    return id < TABLE.count ? TABLE.names[id] : "?";
}

const char *swarm_goal_what(unsigned id)
{
    table_init();
    return id < TABLE.count ? TABLE.what[id] : "?";
}

int swarm_goal_find(const char *name)
{
    table_init();
    for (unsigned i = 0; i < TABLE.count; i++) {
        if (strcmp(TABLE.names[i], name) == 0)
            return (int)i;
    }
    return -1;
}

bool swarm_goal_fsm(unsigned id, int *state, int *event)
{
    table_init();
    if (id < SWARM_GOAL_FSM_FIRST || id >= TABLE.count)
        return false;
    *state = TABLE.fsm_state[id];
    *event = TABLE.fsm_event[id];
    return true;
}

/* ---- the observer -------------------------------------------------------- */

static void reach(swarm_goals_t *g, unsigned id) { swarm_goalset_add(&g->reached, id); }

static void reach_bound(swarm_goals_t *g, swarm_bound_t b, int64_t d)
{
    if (d >= -1 && d <= 1)
        reach(g, swarm_goal_bound(b, (int)d));
}

/* A latency that the world draws from 9 000..9 001 ms only: a recorder the
 * center gave up at exactly 9 000 ms with nothing reported was one that
 * would have come up at 9 001 ms, 1 ms too late. */
static bool at_9000_or_9001(const scn_t *scn, scn_param_id_t id)
{
    const scn_param_t *p = scn_param_find(scn, id);
    return p != NULL && p->lo >= ORC_STARTUP_MS_MAX && p->hi == ORC_STARTUP_MS_MAX + 1;
}

void swarm_goals_begin(swarm_goals_t *g, const scn_t *scn)
{
    memset(&g->reached, 0, sizeof(g->reached));
    for (size_t i = 0; i < SWARM_GOALS_SESSIONS; i++)
        g->sess[i] = (swarm_goals_sess_t){.accepted = -1, .end_t = -1, .stop_t = -1};
    for (size_t i = 0; i < SWARM_GOALS_SERVERS; i++)
        g->cut_hb[i] = g->down_t[i] = -1;
    g->start_9001 = at_9000_or_9001(scn, SCN_PARAM_START_LATENCY);
    g->rejoin_9001 = at_9000_or_9001(scn, SCN_PARAM_REJOIN_LATENCY);
}

static swarm_goals_sess_t *sess_of(swarm_goals_t *g, uint32_t sess)
{
    return sess >= 1 && sess <= SWARM_GOALS_SESSIONS ? &g->sess[sess - 1] : NULL;
}

static bool srv_ok(uint32_t srv) { return srv >= 1 && srv <= SWARM_GOALS_SERVERS; }

/* A world event after which some server may take a recorder again, at t:
 * where does it fall for each session waiting on something? */
static void capacity_freed(swarm_goals_t *g, int64_t t)
{
    for (size_t i = 0; i < SWARM_GOALS_SESSIONS; i++) {
        swarm_goals_sess_t *s = &g->sess[i];
        if (s->accepted < 0)
            continue;
        bool live = s->end_t < 0;
        if (s->act_open && (live || s->end_t >= s->deadline)) {
            reach_bound(g, SWARM_BOUND_DEADLINE, t - s->deadline);
            if (live && s->waiting && t >= s->deadline - 1000 && t < s->deadline)
                reach(g, SWARM_GOAL_CAPACITY_LAST_SECOND);
        }
        int64_t start_deadline = s->accepted + ORC_START_DEADLINE_MS;
        if (!s->started && !s->act_open && (live || s->end_t >= start_deadline)) {
            reach_bound(g, SWARM_BOUND_START_DEADLINE, t - start_deadline);
            if (live && s->waiting && t >= start_deadline - 1000 && t < start_deadline)
                reach(g, SWARM_GOAL_CAPACITY_LAST_SECOND);
        }
        if (live && s->waiting) {
            /* Just before or at the look it waits for, or just after the
             * look that found nothing. */
            if (t - s->wait_until == -1 || t == s->wait_until)
                reach_bound(g, SWARM_BOUND_RETRY, t - s->wait_until);
            if (t == s->wait_t + 1)
                reach_bound(g, SWARM_BOUND_RETRY, 1);
        }
        int64_t flush_deadline = s->stop_t + ORC_STOP_FLUSH_MS_MAX;
        if (s->stop_t >= 0 && (live || s->end_t >= flush_deadline))
            reach_bound(g, SWARM_BOUND_FLUSH, t - flush_deadline);
    }
}

static void on_fault(swarm_goals_t *g, const sim_tr_ev_t *ev)
{
    uint32_t srv = ev->srv;
    switch (ev->fault) {
    case SIM_FAULT_KILL:
        for (size_t i = 0; i < SWARM_GOALS_SESSIONS; i++) {
            if (ev->rec != 0 && g->sess[i].att_rec == ev->rec)
                g->sess[i].att_marks |= ATT_KILLED;
        }
        break;
    case SIM_FAULT_DISCONNECT:
        if (ev->last_hb_ms >= 0) {
            /* The link was up: the cut falls on the heartbeat grid here. */
            int64_t grid = ORC_HEARTBEAT_INTERVAL_MS;
            reach_bound(g, SWARM_BOUND_HEARTBEAT, ev->t_ms - (ev->t_ms + grid / 2) / grid * grid);
            if (srv_ok(srv))
                g->cut_hb[srv - 1] = ev->last_hb_ms;
        }
        for (size_t i = 0; i < SWARM_GOALS_SESSIONS; i++) {
            if (srv != 0 && g->sess[i].att_rec != 0 && g->sess[i].att_srv == srv)
                g->sess[i].att_marks |= ATT_CUT;
        }
        break;
    case SIM_FAULT_HEAL:
        if (srv_ok(srv) && g->cut_hb[srv - 1] >= 0)
            reach_bound(g, SWARM_BOUND_DETECT,
                        ev->t_ms - (g->cut_hb[srv - 1] + ORC_HEARTBEAT_TIMEOUT_MS));
        if (srv_ok(srv) && g->down_t[srv - 1] >= 0)
            reach_bound(g, SWARM_BOUND_HEAL,
                        ev->t_ms - (g->down_t[srv - 1] + ORC_RECONNECT_WINDOW_MS));
        if (srv_ok(srv))
            g->cut_hb[srv - 1] = g->down_t[srv - 1] = -1;
        capacity_freed(g, ev->t_ms);
        break;
    default:
        break;
    }
}

static void on_api(swarm_goals_t *g, swarm_goals_sess_t *s, const sim_tr_ev_t *ev)
{
    bool minute = s->act_open && s->cause == SIM_CAUSE_DISCONNECT && s->minute && !s->switched;
    if (ev->by == SIM_BY_POLLER)
        return;
    if (ev->call == SIM_CALL_STOP && s->act_open && s->end_t < 0) {
        if (s->cause == SIM_CAUSE_KILL)
            reach(g, SWARM_GOAL_STOP_KILL_WINDOW);
        else if (minute)
            reach(g, SWARM_GOAL_STOP_DISCONNECT_MINUTE);
        else if (s->switched)
            reach(g, SWARM_GOAL_STOP_SWITCHING);
    }
    if (ev->call == SIM_CALL_UPDATE && minute)
        reach(g, SWARM_GOAL_UPDATE_MINUTE);
    if (ev->call == SIM_CALL_UPDATE_LAYOUT && minute)
        reach(g, SWARM_GOAL_LAYOUT_MINUTE);
    if (ev->call == SIM_CALL_STOP && ev->http == 200 && s->started && !s->act_open &&
        s->end_t < 0 && s->stop_t < 0)
        s->stop_t = ev->t_ms;
}

static void on_ready(swarm_goals_t *g, swarm_goals_sess_t *s, const sim_tr_ev_t *ev)
{
    if (ev->rec == s->att_rec && s->att_rec != 0)
        reach_bound(g, SWARM_BOUND_START, ev->t_ms - s->att_t - ORC_STARTUP_MS_MAX);
    if (ev->rec == s->rj_rec && s->rj_rec != 0) {
        reach_bound(g, SWARM_BOUND_REJOIN, ev->t_ms - s->rj_t - ORC_REJOIN_MS_MAX);
        s->rj_rec = 0;
    }
}

static void on_attempt_failed(swarm_goals_t *g, swarm_goals_sess_t *s, const sim_tr_ev_t *ev)
{
    if (ev->rec != s->att_rec || s->att_rec == 0)
        return;
    bool timed_out = s->att_marks == 0 && ev->t_ms - s->att_t == ORC_STARTUP_MS_MAX;
    if (s->act_open) {
        if (s->att_marks & ATT_FAILED)
            reach(g, SWARM_GOAL_REPL_START_FAILED);
        else if (s->att_marks & ATT_KILLED)
            reach(g, SWARM_GOAL_REPL_KILLED);
        else if (s->att_marks & ATT_CUT)
            reach(g, SWARM_GOAL_REPL_DISCONNECTED);
        else if (timed_out)
            reach(g, SWARM_GOAL_REPL_TIMEOUT);
    } else if (!s->started) {
        s->first_failed = true;
    }
    if (timed_out && g->start_9001)
        reach_bound(g, SWARM_BOUND_START, 1);
    s->att_rec = 0;
}

/* The center's answer to a rejoin that did not come: a switch (or a look
 * for capacity) exactly 9 000 ms after it asked for it. */
static void rejoin_given_up(swarm_goals_t *g, swarm_goals_sess_t *s, int64_t t)
{
    if (s->rj_rec != 0 && t - s->rj_t == ORC_REJOIN_MS_MAX && g->rejoin_9001)
        reach_bound(g, SWARM_BOUND_REJOIN, 1);
    s->rj_rec = 0;
}

static void on_detect(swarm_goals_t *g, swarm_goals_sess_t *s, const sim_tr_ev_t *ev)
{
    if (ev->activation >= ORC_ACTIVATIONS_MAX) {
        reach(g, SWARM_GOAL_FAULT_4TH);
        return;
    }
    s->act_open = true;
    s->cause = ev->cause;
    s->deadline = ev->until_ms;
    s->minute = s->switched = s->waiting = false;
    s->att_rec = s->rj_rec = 0;
}

static void on_end(swarm_goals_t *g, swarm_goals_sess_t *s, const sim_tr_ev_t *ev)
{
    s->end_t = ev->t_ms;
    if (s->act_open && ev->reason == SIM_END_DEADLINE && ev->t_ms == s->deadline)
        reach(g, SWARM_GOAL_END_DEADLINE);
    if (!s->started && !s->act_open && ev->reason == SIM_END_START_FAILED &&
        ev->t_ms == s->accepted + ORC_START_DEADLINE_MS)
        reach(g, SWARM_GOAL_END_START_DEADLINE);
}

/* long on purpose: one case per kind of trace line, each a few lines; split,
 * it would read as a dispatch table pointing at two-line functions. */
void swarm_goals_event(swarm_goals_t *g, const sim_tr_ev_t *ev)
{
    switch (ev->kind) {
    case SIM_TR_SLICE_DONE:
    case SIM_TR_SLICE:
        return; /* most lines of a run, and no goal is about them */
    case SIM_TR_FAULT:
        on_fault(g, ev);
        return;
    case SIM_TR_EXIT_REPORT:
    case SIM_TR_RECORDER_EXITED:
        capacity_freed(g, ev->t_ms);
        return;
    case SIM_TR_SERVER_DOWN:
        if (srv_ok(ev->srv))
            g->down_t[ev->srv - 1] = ev->t_ms;
        return;
    default:
        break;
    }
    swarm_goals_sess_t *s = sess_of(g, ev->sess);
    if (s == NULL)
        return;
    switch (ev->kind) {
    case SIM_TR_SESSION:
        *s = (swarm_goals_sess_t){.accepted = ev->t_ms, .end_t = -1, .stop_t = -1};
        break;
    case SIM_TR_API:
        on_api(g, s, ev);
        break;
    case SIM_TR_DETECT:
        on_detect(g, s, ev);
        break;
    case SIM_TR_RECONNECTING:
        s->minute = true;
        break;
    case SIM_TR_RECONNECTED:
        s->minute = false;
        break;
    case SIM_TR_SWITCH:
        rejoin_given_up(g, s, ev->t_ms);
        s->switched = s->act_open;
        s->minute = s->waiting = false;
        break;
    case SIM_TR_WAIT_CAPACITY:
        rejoin_given_up(g, s, ev->t_ms);
        s->waiting = true;
        s->wait_t = ev->t_ms;
        s->wait_until = ev->until_ms;
        break;
    case SIM_TR_RECORDER_START:
        s->att_rec = ev->rec;
        s->att_srv = ev->srv;
        s->att_t = ev->t_ms;
        s->att_marks = 0;
        break;
    case SIM_TR_RECORDER_RESUME:
        s->rj_rec = ev->rec;
        s->rj_t = ev->t_ms;
        break;
    case SIM_TR_RECORDER_READY:
        on_ready(g, s, ev);
        break;
    case SIM_TR_RECORDER_FAILED:
        if (ev->rec == s->att_rec)
            s->att_marks |= ATT_FAILED;
        break;
    case SIM_TR_ATTEMPT_FAILED:
        on_attempt_failed(g, s, ev);
        break;
    case SIM_TR_STARTED:
        if (s->first_failed)
            reach(g, SWARM_GOAL_FIRST_START_RETRIED);
        s->started = true;
        s->waiting = false;
        s->att_rec = 0;
        break;
    case SIM_TR_RESUME:
        if (ev->activation == ORC_ACTIVATIONS_MAX - 1)
            reach(g, SWARM_GOAL_THIRD_RESUMED);
        s->act_open = s->waiting = false;
        s->att_rec = s->rj_rec = 0;
        break;
    case SIM_TR_END:
        on_end(g, s, ev);
        break;
    default:
        break;
    }
}

void swarm_goals_finish(swarm_goals_t *g, const uint64_t *transitions)
{
    table_init();
    for (int i = 0; i < HA_ST_COUNT * HA_SEV_COUNT; i++) {
        if (transitions[i] > 0 && TABLE.fsm_goal[i] >= 0)
            reach(g, (unsigned)TABLE.fsm_goal[i]);
    }
}
