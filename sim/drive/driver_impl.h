/* driver_impl.h -- the driver's own state, shared by its files
 * (driver.c: set-up, inputs, the core's commands; recs.c: the recorder
 * pool; actions.c: a scenario's actions and API calls). Not for platforms:
 * they see driver.h. */
#ifndef SIM_DRIVER_IMPL_H
#define SIM_DRIVER_IMPL_H

#include <assert.h>

#include "driver.h"

/* The API call in flight: the core answers it through the emit callback
 * before ha_center_input() returns. */
typedef struct {
    uint32_t session;
    sim_by_t by;
    int expect;
    ha_call_t call;
    sim_drv_reply_t *reply; /* where the caller wants the answer, or NULL */
} drv_request_t;

#ifdef SIM_WALL_DEADLINES
typedef struct {
    bool armed;
    int64_t at_ms;
    ha_timer_t t;
} drv_wall_timer_t;
#endif

#ifdef SIM_DRV_PULL
typedef struct {
    ha_cmd_t cmd;
    char s1[HA_NAME_MAX], s2[HA_NAME_MAX]; /* the names it points to, kept */
} drv_qcmd_t;
#endif

struct sim_drv {
    sim_drv_opts_t o;
    const scn_t *scn;
    const sim_drv_ops_t *ops;
    void *p; /* the platform */
    int64_t now_ms;

    void *core_mem;
    size_t core_mem_size;
    ha_center_t *core;
    uint32_t core_servers; /* registered with the core: the world's, plus a hostile one */
    uint32_t timer_slots;  /* the core's, for the asserts on every arm */
    /* One input per kind, zeroed at set-up with its kind set (drv_input_of):
     * a heartbeat then writes its server, not the whole union. Only that
     * kind's member is ever written, so the core sees exactly what a
     * zeroed input with those fields set would be. */
    ha_input_t in_of[HA_IN_COUNT];

    sim_drv_server_t *servers;
    uint32_t servers_n, servers_cap;
    sim_drv_session_t *sessions;
    uint32_t sessions_n, sessions_cap;
    uint32_t *core_to_session;
    uint32_t c2s_cap;

    /* the recorder pool (recs.c) */
    sim_drv_rec_t **pages; /* slots in pages that never move */
    uint32_t pages_cap;
    uint32_t recs_cap;     /* slots */
    uint32_t recs_live;
    uint32_t recs_hw;      /* slots [recs_hw, recs_cap) were never taken since set-up: all zero */
    uint32_t *recs_free;   /* stack of free slots */
    uint32_t recs_free_n;
    bool recs_free_laid;   /* laid out at set-up, and no growth since (drv_recs_setup) */
    uint32_t *index;       /* open addressing: slot + 1 by id, 0 empty */
    uint32_t index_mask;   /* size - 1, a power of two >= 2 * recs_cap */

    uint32_t provision_fail_left;
    uint64_t next_req;
    drv_request_t req;
    const scn_action_t *act_pending; /* a join/leave waiting for a leave */
    uint32_t act_session;            /* its next session */
    bool leave_pending;

    sim_env_t env;
    sim_rng_t rng_rest_sid; /* sids of sessions started through a REST front */
    sim_liar_t liar;
    uint32_t hostile_draws;

    int64_t wall_offset_ms; /* the sum of the scenario's clock steps so far (clock.c) */
#ifdef SIM_WALL_DEADLINES
    drv_wall_timer_t *wall_timers; /* the planted bug's view of the armed timers */
    uint32_t wall_timers_n;
#endif

    sim_drv_stats_t stats;
    char err[256];
#ifdef SIM_DRV_PULL
    drv_qcmd_t *q; /* commands of the input being given (a measurement build) */
    uint32_t q_n, q_cap;
#endif
};

/* driver.c */
void drv_input(sim_drv_t *d, ha_input_t *in);
/* The driver's input of this kind (in_of), to fill in and give. */
static inline ha_input_t *drv_input_of(sim_drv_t *d, ha_in_kind_t kind)
{
    assert((unsigned)kind < HA_IN_COUNT && d->in_of[kind].kind == kind);
    return &d->in_of[kind];
}
void drv_rec_input(sim_drv_t *d, ha_in_kind_t kind, const sim_drv_rec_t *r);
uint32_t drv_one_based(uint32_t index);
void drv_trace_fault(sim_drv_t *d, sim_fault_t f, uint32_t server, uint32_t session, uint32_t rec,
                     int64_t heal_ms, uint32_t count);
void drv_heal_schedule(sim_drv_t *d, uint32_t server, int64_t heal_ms, bool after_detection);

/* recs.c */
/* Empties the pool and makes room for slots recorders. 0, or -1. */
int drv_recs_setup(sim_drv_t *d, uint32_t slots);
void drv_recs_free(sim_drv_t *d);
/* A new recorder, STARTING; NULL (and the run failed) when memory ran out. */
sim_drv_rec_t *drv_rec_add(sim_drv_t *d, uint32_t id, uint32_t session, uint32_t server,
                           uint32_t uid);

/* actions.c */
void drv_users_present(sim_drv_t *d, uint32_t session);

/* clock.c: a step of the servers' wall clock (and the planted bug). */
void drv_clock_step(sim_drv_t *d, int64_t step_ms);
#ifdef SIM_WALL_DEADLINES
void drv_clock_armed(sim_drv_t *d, const ha_timer_t *t, int64_t at_ms);
void drv_clock_disarmed(sim_drv_t *d, uint32_t slot);
#endif

#endif
