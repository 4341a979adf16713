/* rt_center_impl.h -- the center process's state, shared by rt_center.c
 * (the loop and the driver's platform), rt_procs.c (agents: spawning,
 * reaping, tearing down) and rt_storage.c (what the service would upload). */
#ifndef RT_CENTER_IMPL_H
#define RT_CENTER_IMPL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "drive/driver.h"
#include "judge/judge.h"
#include "ncs/ncs.h"
#include "rt_center.h"
#include "rt_http.h"
#include "rt_late.h"
#include "rt_notify.h"
#include "rt_proto.h"

/* Bounds of a real run: every server is a process, every recorder too. */
#define RT_SERVERS_MAX 64
#define RT_SESSIONS_MAX 256
#define RT_HTTP_SESSIONS 8         /* started through the REST front */
#define RT_HELLO_WAIT_MS 30000     /* agents up (run clock: fake ms under faketime) */
#define RT_SHUTDOWN_WAIT_MS 5000   /* agents gone after RT_M_SHUTDOWN */
#define RT_REAP_WAIT_MS 10000      /* every descendant reaped after SIGKILL */
#define RT_BATCH_WAIT_MS 2000      /* the rest of a batch, which is already sent */
#define RT_LOOP_INPUTS_MAX 100000  /* timers fired in one turn: a bug beyond */
#define RT_LEAVE_WAIT_MS 5000      /* recorders' last slices of a leaving user */
#define RT_DRAIN_MAX 100000        /* messages read from one agent in one go */
/* A loop turn may start this long past the horizon (a late wake-up); the
 * run ends then, so no later time is ever processed. */
#define RT_LATE_MAX_MS 86400000

typedef struct {
    bool armed;
    int64_t at_ms;
    uint64_t seq; /* arming order: same-millisecond timers fire in it */
    ha_timer_t t;
} c_timer_t;

/* What the center knows of a host agent's process and its link. */
typedef struct {
    int32_t pid; /* of the agent, also its process group */
    int fd;
    bool alive;   /* not reaped */
    bool hello, hb_seen;
    bool part_pending, part_after_det; /* a disconnect waiting for the agent */
    uint32_t part_ws;
    int64_t part_heal_ms;
    int64_t heal_due_ms;          /* -1 none */
    bool owes_leave;              /* has not answered the pending leave */
} c_agent_t;

/* The runtime's part of a recorder's slot in the driver's pool. */
typedef struct {
    int32_t pid;
} c_rec_t;

typedef struct {
    bool pending; /* the world waits for the recorders' last slices */
    uint32_t ws, uid;
    int64_t seq, deadline_ms;
    uint32_t remaining;
} c_leave_t;

typedef struct {
    const rt_run_opts_t *opts;
    scn_t *scn;
    sim_drv_t *drv;
    bool drv_ready;  /* the driver and core are laid out (after the agents' hello) */
    bool stop;
    int stop_signal;
    bool env_failed; /* the environment broke (a process died unplanned, ...) */
    bool tearing_down;
    bool trace_failed;
    rt_late_t late; /* the harness's own lateness (rt_late.h) */
    bool progress_tty;       /* stderr is a terminal: a progress line */
    int64_t progress_due_ms;

    int64_t t0_ms;      /* rt_now_ms() at t = 0 */
    int64_t t0_wall_ms; /* rt_wall_ms() then: the run's UTC at t = 0 */
    bool warm;   /* every server heartbeated: the scenario may run */
    uint64_t events, timer_seq;

    c_timer_t *timers;
    uint32_t timer_slots;
    c_timer_t *lazy; /* lazy_timers: superseded timers, which still fire */
    uint32_t lazy_cap;
    c_agent_t *agents;
    uint32_t servers_n;
    int64_t *poll_due_ms; /* per driver session */

    size_t next_action;
    c_leave_t leave;
    int64_t leave_seq;

    FILE *trace; /* into trace_tmp, renamed at the end (rt_tracefile.c) */
    char trace_tmp[PATH_MAX];
    /* --ncs-dir: the callback and API logs, written as the trace is (into
     * temporary files, in place only with a verdict). */
    ncs_writer_t *ncs;
    FILE *ncs_f[2];
    char ncs_path[2][PATH_MAX], ncs_tmp[2][PATH_MAX];
    FILE *pids;
    char line[8192];
    sim_judge_t *judge;
    rt_http_t *http;
    int sig;

    char workdir[PATH_MAX];
    bool workdir_temp;
    char agent_path[PATH_MAX], recorder_path[PATH_MAX];
    bool storage_warned, control_warned;
    rt_notify_t *notify;
    struct rt_ctl *ctl; /* rt_control.c: the world's events from outside */
    uint64_t slices_stored, reaped;
} rt_center_t;

void rt_die_env(rt_center_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_pid_note(rt_center_t *c, int32_t pid, const char *role, uint32_t id);
/* Sends m to server's agent, unless its host crashed. */
void rt_to_agent(rt_center_t *c, uint32_t server, rt_msg_t *m);
int64_t rt_run_now(const rt_center_t *c);
/* The scenario has not crashed the server's host (true before the run). */
bool rt_host_up(rt_center_t *c, uint32_t server);

/* rt_procs.c */
int rt_spawn_agent(rt_center_t *c, uint32_t i);
/* Reaps what exited; false once no child at all is left. */
bool rt_reap(rt_center_t *c);
int rt_await_agents(rt_center_t *c);
void rt_teardown(rt_center_t *c);
void rt_remove_tree(const char *dir, int depth);

/* rt_storage.c */
void rt_storage_file(void *p, const ha_cmd_t *cmd);

#endif
