/* env.h -- the environment a scenario describes, as every driver
 * builds it: the world parameters (`set ...`) with their defaults, and the
 * random streams that draw from them, one per purpose.
 *
 * The simulated world and the real-process runtime must put the same
 * scenario and seed in the same environment, so this is defined once.
 */
#ifndef SIM_DRIVE_ENV_H
#define SIM_DRIVE_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "ha.h"
#include "engine/rng.h"
#include "lang/scn.h"

/* Constants of the environment: how host agents, recorders and clocks
 * behave, as the simulated world and the real processes both build it. They
 * describe the environment, not the HA center (whose numbers are in
 * src/ha_policy.h); the contract's assumptions A1-A5 say which of them the
 * promises rely on. */
#define SIM_HEARTBEAT_INTERVAL_MS 2000   /* host agents, common grid from t=0 */
#define SIM_MP4_SEGMENT_MS 7200000       /* MP4 cut every 2 h */
#define SIM_FLUSH_MS 500                 /* a stopping recorder's last upload */
#define SIM_UTC0_MS_DEFAULT 1767225600000LL /* 2026-01-01T00:00:00Z */
#define SIM_RECORDER_UID_BASE 1000000u   /* session i records as UID base + i */

typedef struct {
    /* ranges drawn per use, in ms */
    int64_t p_kill_lo, p_kill_hi;     /* a kill until its exit report reaches the center */
    int64_t p_start_lo, p_start_hi;   /* a recorder's start-up */
    int64_t p_rejoin_lo, p_rejoin_hi; /* a reconnected recorder rejoining */
    int64_t p_gop_lo, p_gop_hi;       /* video I-frame interval, >= 1 */
    bool p_poll, p_webm, p_mp4, p_zombie, p_lazy_timers, p_hostile;
    /* UTC at t = 0 in the simulator: the base plus the scenario's `clock`
     * (the real-process runtime uses its own, faked, wall clock instead) */
    int64_t utc0_ms;
    sim_rng_t rng_kill, rng_start, rng_rejoin, rng_gop, rng_uid, rng_sid, rng_hostile;
} sim_env_t;

void sim_env_init(sim_env_t *e, const scn_t *scn, uint64_t seed, int64_t utc_base_ms);
/* A session id: 32 lowercase hex digits drawn from r. */
void sim_env_sid(char out[HA_SID_LEN + 1], sim_rng_t *r);
/* Video: a slice is cut at the first I-frame at or after 15 s, I-frames
 * every gop_ms from the start of recording. */
int64_t sim_env_video_slice_ms(int64_t gop_ms);

#define SIM_SLICE_MS 15000 /* audio slices; video: the first I-frame after */

/* The sessions [*first, *last) (zero-based) an action addresses: the one it
 * names; else every session for API calls and channel changes, and session
 * 1 for a fault (the scenario language's rule). */
void sim_env_action_sessions(const scn_t *scn, const scn_action_t *a, uint32_t *first,
                             uint32_t *last);
/* The input telling the center that uid joined (or left) the channel of its
 * session core_session: for every join and leave, and, when a session's
 * start is accepted, for each user already in the channel (R7: a
 * replacement's new UID must avoid them). */
ha_input_t sim_env_user_input(bool join, uint32_t core_session, uint32_t uid);
/* The center's recording mode for the scenario's `mode`. */
ha_mode_t sim_env_mode(const scn_t *scn);
/* The REST call of an API action (start, query, update, updateLayout, stop). */
ha_call_t sim_env_call_of(scn_act_kind_t kind);

/* The polling client of the integration guide: first query 5 s after the
 * start, then about every 2 minutes; after a 404 retry in 5, 10 and 15 s,
 * then back to the usual pace. Given the answer it got and its count of
 * 404s in a row (updated), the wait before its next query. */
#define SIM_POLL_FIRST_MS 5000
#define SIM_POLL_EVERY_MS 120000
int64_t sim_env_poll_next_ms(uint32_t *stage_404s, int http);

#endif
