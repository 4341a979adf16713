/* driver.h -- what every driver of the HA core shares.
 *
 * The core (src/) is driven twice: by the simulated world in virtual time
 * (world/) and by real processes in accelerated wall-clock time (runtime/).
 * Everything that does not depend on which kind of time it is lives here,
 * once: the session, server and recorder tables; the core's set-up and its
 * random source; what each of the core's commands means (the trace lines,
 * the bookkeeping of sessions, callbacks and the polling client); what each
 * action of a scenario means (which session and recorder a fault hits, the
 * API call it makes); and the hostile driver. What does depend on it -- how
 * a timer fires, how a recorder starts, records and dies, how a link is cut
 * -- is a platform behind the small table of operations below, as libuv's
 * shared code calls into its unix/ and win/ code.
 *
 * Flow. A platform sets `now` and calls one of the sim_drv_*() entry points
 * when something happens (a heartbeat arrives, a recorder is ready, a slice
 * is uploaded, an action or a poll is due); the driver gives the core its
 * input, and the core's commands come back through the driver's emit
 * handler, which traces them and calls the platform's operations. Operations
 * only change the platform's own state and schedule what follows; they never
 * call back into the core (the core's rule for its emit callback).
 *
 * Tables. Sessions and servers are arrays sized at set-up. Recorders live
 * in a pool of slots found by recorder id through an open-addressing index
 * (recs.c); a platform releases a recorder it is done with, and the pool
 * grows by a page only at a new high-water mark, so a swarm's reused driver
 * allocates nothing in steady state. Slots never move. Each recorder is on
 * its server's list and its session's list, in the order they were started
 * (ascending id), so a link cut or a host crash touches only that server's
 * recorders.
 */
#ifndef SIM_DRIVER_H
#define SIM_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drive/env.h"
#include "drive/liar.h"
#include "ha.h"
#include "lang/scn.h"
#include "trace/trace.h"

#define SIM_DRV_NONE UINT32_MAX

/* What the driver believes of a recorder process. PAUSED: it lives but can
 * reach neither the channel nor the center (only the simulated world knows
 * this; real processes keep it to themselves). */
typedef enum {
    SIM_REC_STARTING,
    SIM_REC_RECORDING,
    SIM_REC_PAUSED,
    SIM_REC_STOPPING,
    SIM_REC_DEAD,
    SIM_REC_STOPPED,
} sim_rec_state_t;

/* Bytes of a recorder's slot that belong to the platform: its own state of
 * the process (sim_drv_rec_platform()), kept with the driver's so that one
 * lookup finds both and a pointer to either stays valid while it lives. */
#define SIM_DRV_REC_PLATFORM_BYTES 64
/* A slot is two cache lines from a line boundary (the pool's pages are
 * aligned): what a slice reads of a recorder, the world's part included,
 * is those two lines. */
#define SIM_DRV_REC_ALIGN 64

typedef struct {
    _Alignas(SIM_DRV_REC_ALIGN) uint32_t id; /* the center's recorder id, 0: slot free */
    uint32_t slot;      /* its own place in the pool */
    uint32_t session;   /* driver session (0-based) */
    uint32_t server;    /* 0-based */
    uint32_t uid;
    uint8_t state;      /* sim_rec_state_t */
    int64_t gop_ms;     /* its video I-frame interval (drawn at its start) */
    /* lists, by slot; SIM_DRV_NONE ends them */
    uint32_t srv_prev, srv_next, ses_prev, ses_next;
    _Alignas(8) unsigned char platform[SIM_DRV_REC_PLATFORM_BYTES];
} sim_drv_rec_t;

_Static_assert(sizeof(sim_drv_rec_t) == 2 * SIM_DRV_REC_ALIGN, "a slot is two lines");

typedef struct {
    bool host_up;
    bool link_up;
    int64_t heal_after_detect_ms; /* a disconnect that heals this long after its detection, -1 */
    int64_t last_hb_ms;           /* the last heartbeat given to the core, -1 none */
    bool declared_down;           /* the core declared it down since its link last went down */
    uint32_t rec_first, rec_last; /* recorders on it, by slot */
} sim_drv_server_t;

typedef struct {
    uint32_t core;       /* the core's session index, SIM_DRV_NONE before a start is accepted */
    uint32_t newest_rec; /* id of the recorder started last for it */
    char sid[HA_SID_LEN + 1];
    char cname[HA_CNAME_MAX + 1];
    uint32_t uid;        /* the recording UID the customer chose */
    ha_mode_t mode;
    bool webm, mp4;
    bool used;           /* a scenario session, or a REST one that was started */
    bool http;           /* started through a REST front */
    uint32_t users[HA_USERS_MAX];
    uint32_t users_count;
    uint32_t poll_stage; /* 404s in a row the poller has seen */
    bool poll_on;
    bool ended;
    bool had_task;       /* a start was accepted before: the next is a new task, with a new sid */
    uint32_t rec_first, rec_last; /* its recorders, by slot */
} sim_drv_session_t;

/* A recorder start, as the driver decided it (the draws are the driver's,
 * so that both platforms draw the same streams in the same order). */
typedef struct {
    uint32_t id, session, server, uid;
    int bak;               /* -1: ordinary names */
    bool reachable;        /* the order can reach the server */
    bool fail;             /* provisioning fails (provision-fail) */
    int64_t gop_ms;        /* video I-frame interval */
    int64_t latency_ms;    /* until it is in the channel (reachable only) */
} sim_drv_start_t;

/* The answer to the last API call. */
typedef struct {
    uint16_t http, code;
    int status;            /* query's serverResponse.status, -1 for other calls */
    char message[64];
    char file[HA_NAME_MAX];
} sim_drv_reply_t;

typedef struct sim_drv sim_drv_t;

/* The platform: what differs between virtual time and real processes. p is
 * the platform's context. Optional operations may be NULL. */
typedef struct {
    /* The core's timers: (re)arm slot to fire at at_ms; disarm it. */
    void (*timer_arm)(void *p, const ha_timer_t *t, int64_t at_ms);
    void (*timer_cancel)(void *p, uint32_t slot);
    /* Recorders. start: a new recorder (in the tables already). resume: a
     * reconnected server's recorder rejoins after latency_ms. stop: the
     * driver moved it from `was` to its new state (STOPPING for a flush of a
     * recording one, else STOPPED unless DEAD). kill: SIGKILL it; its host
     * agent reports the exit after report_ms. */
    void (*rec_start)(void *p, const sim_drv_start_t *st);
    void (*rec_resume)(void *p, uint32_t id, int64_t latency_ms);
    void (*rec_stop)(void *p, uint32_t id, ha_stop_how_t how, sim_rec_state_t was);
    void (*rec_kill)(void *p, uint32_t id, uint32_t session, int64_t report_ms);
    /* Links and hosts. cut: the server's link goes down now; the platform
     * calls sim_drv_cut_done() when it happened (now, or when a real agent
     * says so).
     * heal_at: the link comes back at at_ms (unless cut again since).
     * crash: the host dies, with every process on it; the driver then marks
     * its recorders dead. */
    void (*link_cut)(void *p, uint32_t server, uint32_t session, int64_t heal_ms,
                     bool heal_after_detection);
    void (*heal_at)(void *p, uint32_t server, int64_t at_ms);
    void (*host_crash)(void *p, uint32_t server);
    /* The channel. join: after the core heard of it; leave: before, and the
     * platform calls sim_drv_user_left() once the recorders uploaded the
     * user's last slices (now, or later). */
    void (*user_join)(void *p, uint32_t session, uint32_t uid);
    void (*user_leave)(void *p, uint32_t session, uint32_t uid);
    /* The polling client's next query of session is due at at_ms. */
    void (*poll_at)(void *p, uint32_t session, int64_t at_ms);
    /* Optional: a playlist opened or closed, a slice listed (storage). */
    void (*file)(void *p, const ha_cmd_t *cmd);
    /* Optional: before a host crash is traced (a real agent's last words
     * are read first). */
    void (*before_crash)(void *p, uint32_t server);
    /* Optional: the servers' wall clock jumps by step_ms (step-clock); the
     * driver's clock, and so every deadline, does not. A platform whose
     * recorders read the wall clock by sim_drv_wall_offset() needs none. */
    void (*clock_step)(void *p, int64_t step_ms);
} sim_drv_ops_t;

typedef struct {
    const scn_t *scn;
    uint64_t seed;
    int64_t utc0_ms;         /* UTC of t = 0 before the scenario's `clock` */
    uint32_t extra_sessions; /* slots beyond the scenario's, for a REST front */
    sim_tr_sink_fn *sink;    /* every trace event */
    void *sink_ctx;
    sim_tr_prefetch_fn *prefetch; /* the sink's cache hint (sink_ctx), or NULL */
    const sim_drv_ops_t *ops;
    void *platform;
} sim_drv_opts_t;

typedef struct {
    uint64_t inputs;         /* given to the core, duplicates included */
    uint64_t trace_events;
    uint32_t recs_live_max;  /* high-water mark of the recorder pool */
} sim_drv_stats_t;

/* The driver's tables are reused run after run: they grow to the largest
 * run and are kept, so a swarm allocates nothing in steady state. */
sim_drv_t *sim_drv_new(void);
void sim_drv_free(sim_drv_t *d);
/* Lays out tables, environment and core for a run of o->scn. 0, or -1
 * with err set (the sizes are refused, or memory ran out). */
int sim_drv_setup(sim_drv_t *d, const sim_drv_opts_t *o, char *err, size_t err_cap);

/* ---- what a platform reads ------------------------------------------- */
const sim_env_t *sim_drv_env(const sim_drv_t *d);
int64_t sim_drv_now(const sim_drv_t *d);
/* The platform's clock moved on (never back). */
void sim_drv_set_now(sim_drv_t *d, int64_t t_ms);
/* How far the scenario's clock steps moved the servers' wall clock from
 * utc0 + t (ms; 0 without steps). */
int64_t sim_drv_wall_offset(const sim_drv_t *d);
uint32_t sim_drv_timer_slots(const sim_drv_t *d);
uint32_t sim_drv_sessions(const sim_drv_t *d);  /* scenario's plus extra */
sim_drv_session_t *sim_drv_session(sim_drv_t *d, uint32_t session);
sim_drv_server_t *sim_drv_server(sim_drv_t *d, uint32_t server);
/* The recorder with this id, or NULL (never started, or released). */
sim_drv_rec_t *sim_drv_rec(sim_drv_t *d, uint32_t id);
/* The same, given the slot the recorder had (r->slot) when the caller last
 * held it: no index probe. NULL when the slot holds no recorder of that id
 * any more (released, perhaps reused), exactly when sim_drv_rec is NULL. */
sim_drv_rec_t *sim_drv_rec_in(sim_drv_t *d, uint32_t slot, uint32_t id);
/* A cache hint: the next event is about session ws (the core's session
 * core, or SIM_DRV_NONE) and recorder id in slot (as above; SIM_DRV_NONE
 * and 0: no recorder) -- a slice, a recorder's start or stop, a poll;
 * fetch what it will read, in stage (sim_prefetch_stage_t) RECORDS, then,
 * for a slice, LINKED once the current event is done. Changes nothing. */
void sim_drv_prefetch_event(const sim_drv_t *d, uint32_t slot, uint32_t id, uint32_t ws,
                            uint32_t core, int stage);
/* The platform's part of its slot (SIM_DRV_REC_PLATFORM_BYTES, zeroed
 * when the recorder is added). */
static inline void *sim_drv_rec_platform(sim_drv_rec_t *r) { return r->platform; }
/* Lists in start order: first on a server / of a session, and the next. */
sim_drv_rec_t *sim_drv_server_recs(sim_drv_t *d, uint32_t server);
sim_drv_rec_t *sim_drv_session_recs(sim_drv_t *d, uint32_t session);
sim_drv_rec_t *sim_drv_next_on_server(sim_drv_t *d, const sim_drv_rec_t *r);
sim_drv_rec_t *sim_drv_next_of_session(sim_drv_t *d, const sim_drv_rec_t *r);
/* The platform is done with it: nothing it will do names this id again. */
void sim_drv_rec_release(sim_drv_t *d, sim_drv_rec_t *r);
bool sim_drv_server_reachable(const sim_drv_t *d, uint32_t server);
/* The same, of a server's record (inline: a heartbeat tick asks it of
 * every server). */
static inline bool sim_drv_server_up(const sim_drv_server_t *sv)
{
    return sv->host_up && sv->link_up;
}
sim_drv_stats_t sim_drv_stats(const sim_drv_t *d);
ha_center_t *sim_drv_core(sim_drv_t *d);
/* The driver session the core's session index belongs to, or SIM_DRV_NONE. */
uint32_t sim_drv_session_of(const sim_drv_t *d, uint32_t core_session);
/* With `set hostile on`: the first lie the core answered wrongly (liar.h). */
const char *sim_drv_failure(const sim_drv_t *d);
/* A limit of the platform was hit (queue full, ...): the run stops. */
void sim_drv_fail(sim_drv_t *d, const char *msg);
const char *sim_drv_error(const sim_drv_t *d);
/* The text sim_drv_error() returns, "" while there is none: one buffer for
 * the driver's life, so that an event loop tests it without a call. */
const char *sim_drv_error_text(const sim_drv_t *d);
/* The core's state x event counts of this run, summed into table
 * (HA_ST_COUNT x HA_SEV_COUNT). */
void sim_drv_add_transitions(const sim_drv_t *d, uint64_t *table);

/* ---- what happened: the platform tells, the driver gives the core ---- */
void sim_drv_trace(sim_drv_t *d, sim_tr_ev_t *ev);
/* The run's first and last lines. */
void sim_drv_trace_run(sim_drv_t *d, const char *scenario_name);
void sim_drv_trace_run_end(sim_drv_t *d);
/* A scenario action (actions of kind END are the platform's); returns
 * false when the action is not done yet (a leave waits for the recorders'
 * last slices): call it again, same action, once sim_drv_user_left() came. */
bool sim_drv_act(sim_drv_t *d, const scn_action_t *a);
/* An API call of session (a REST front's, or the poller's); reply may be NULL. */
void sim_drv_call(sim_drv_t *d, uint32_t session, ha_call_t call, sim_by_t by, int expect,
                  sim_drv_reply_t *reply);
void sim_drv_poll_due(sim_drv_t *d, uint32_t session);
/* A REST front's start: a free session slot beyond the scenario's, laid out
 * for cname, uid and mode (its sid drawn); SIM_DRV_NONE when none is free. */
uint32_t sim_drv_rest_session(sim_drv_t *d, const char *cname, uint32_t uid, ha_mode_t mode);
/* The started session with this sid, or SIM_DRV_NONE. */
uint32_t sim_drv_session_by_sid(const sim_drv_t *d, const char *sid);
void sim_drv_timer_due(sim_drv_t *d, const ha_timer_t *t);
void sim_drv_heartbeat(sim_drv_t *d, uint32_t server);
/* The heartbeat tick: sim_drv_heartbeat of each server below n that is up
 * (sim_drv_server_up) when its turn comes, in order. */
void sim_drv_heartbeats(sim_drv_t *d, uint32_t n);
void sim_drv_exit_report(sim_drv_t *d, uint32_t id);
void sim_drv_rec_ready(sim_drv_t *d, uint32_t id);
void sim_drv_rec_failed(sim_drv_t *d, uint32_t id);
void sim_drv_rec_exited(sim_drv_t *d, uint32_t id);
/* The same three, given the recorder (a platform that holds it, found
 * through sim_drv_rec_in): no probe of the pool's index. */
void sim_drv_rec_ready_of(sim_drv_t *d, sim_drv_rec_t *r);
void sim_drv_rec_failed_of(sim_drv_t *d, sim_drv_rec_t *r);
void sim_drv_rec_exited_of(sim_drv_t *d, sim_drv_rec_t *r);
/* After a blip the core never noticed, the recorder rejoined the channel by
 * itself and records again: traced, nothing to tell the core. */
void sim_drv_rec_rejoined(sim_drv_t *d, uint32_t id);
/* A slice finished (given to the core) or cut short by a fault (traced). */
/* sim_drv_slice_done of a recorder the platform holds. */
void sim_drv_slice_done_of(sim_drv_t *d, const sim_drv_rec_t *r, uint32_t uid, ha_track_t track,
                           ha_fmt_t fmt, int64_t start_utc_ms, int64_t end_utc_ms);
void sim_drv_slice_done(sim_drv_t *d, uint32_t id, uint32_t uid, ha_track_t track, ha_fmt_t fmt,
                        int64_t start_utc_ms, int64_t end_utc_ms);
void sim_drv_slice_lost(sim_drv_t *d, uint32_t id, uint32_t uid, ha_track_t track, ha_fmt_t fmt,
                        int64_t start_utc_ms, int64_t end_utc_ms);
/* The platform cut server's link (asked by link_cut): the fault line, with
 * when the link heals (-1 never), traced before the cut's consequences;
 * then, after the platform's own cut, when the heal is due. */
void sim_drv_cut_done(sim_drv_t *d, uint32_t server, uint32_t session, int64_t heal_ms,
                      bool heal_after_detection);
void sim_drv_heal_schedule(sim_drv_t *d, uint32_t server, int64_t heal_ms,
                           bool heal_after_detection);
/* A disconnect of a server whose link is already being cut: the fault line
 * only. */
void sim_drv_trace_disconnect(sim_drv_t *d, uint32_t server, uint32_t session, int64_t heal_ms,
                              bool heal_after_detection);
/* A draw of how long a recorder takes to rejoin the channel (the rejoin
 * latency stream): a reconnected one the core resumes, or one whose link
 * came back before the core noticed, rejoining on its own. */
int64_t sim_drv_draw_rejoin(sim_drv_t *d);
/* The link of server came back: the heal line, and the state. */
void sim_drv_link_healed(sim_drv_t *d, uint32_t server);
/* A kill happened: the fault line (rec 0: nothing to kill). */
void sim_drv_trace_kill(sim_drv_t *d, uint32_t server, uint32_t session, uint32_t id);
/* The recorders uploaded a leaving user's last slices: the core hears of it. */
void sim_drv_user_left(sim_drv_t *d, uint32_t session, uint32_t uid);

#endif
