/* env.c -- parameters, defaults and random streams of a scenario. */
#include "env.h"

#include <assert.h>
#include <string.h>

static void range(const scn_t *scn, scn_param_id_t id, int64_t lo, int64_t hi, int64_t *out_lo,
                  int64_t *out_hi)
{
    const scn_param_t *p = scn_param_find(scn, id);
    *out_lo = p ? p->lo : lo;
    *out_hi = p ? p->hi : hi;
}

static bool flag(const scn_t *scn, scn_param_id_t id, bool dflt)
{
    const scn_param_t *p = scn_param_find(scn, id);
    return p ? p->lo != 0 : dflt;
}

void sim_env_init(sim_env_t *e, const scn_t *scn, uint64_t seed, int64_t utc_base_ms)
{
    /* One stream per purpose: one more kill does not shift start-ups. */
    sim_rng_stream(&e->rng_kill, seed, sim_rng_stream_id("kill_detect"));
    sim_rng_stream(&e->rng_start, seed, sim_rng_stream_id("start_latency"));
    sim_rng_stream(&e->rng_rejoin, seed, sim_rng_stream_id("rejoin_latency"));
    sim_rng_stream(&e->rng_gop, seed, sim_rng_stream_id("gop"));
    sim_rng_stream(&e->rng_uid, seed, sim_rng_stream_id("center_uid"));
    sim_rng_stream(&e->rng_sid, seed, sim_rng_stream_id("sid"));
    sim_rng_stream(&e->rng_hostile, seed, sim_rng_stream_id("hostile"));

    range(scn, SCN_PARAM_KILL_DETECT, 1000, 3000, &e->p_kill_lo, &e->p_kill_hi);
    range(scn, SCN_PARAM_START_LATENCY, 2000, 6000, &e->p_start_lo, &e->p_start_hi);
    range(scn, SCN_PARAM_REJOIN_LATENCY, 500, 2000, &e->p_rejoin_lo, &e->p_rejoin_hi);
    range(scn, SCN_PARAM_GOP, 1000, 4000, &e->p_gop_lo, &e->p_gop_hi);
    if (e->p_gop_lo < 1)
        e->p_gop_lo = 1;
    if (e->p_gop_hi < e->p_gop_lo)
        e->p_gop_hi = e->p_gop_lo;
    e->p_poll = flag(scn, SCN_PARAM_POLL, true);
    e->p_webm = flag(scn, SCN_PARAM_WEBM, false);
    e->p_mp4 = flag(scn, SCN_PARAM_MP4, false);
    e->p_zombie = flag(scn, SCN_PARAM_ZOMBIE, false);
    e->p_lazy_timers = flag(scn, SCN_PARAM_LAZY_TIMERS, false);
    e->p_hostile = flag(scn, SCN_PARAM_HOSTILE, false);

    int64_t clock_lo, clock_hi;
    range(scn, SCN_PARAM_CLOCK, 0, 0, &clock_lo, &clock_hi);
    sim_rng_t rng_clock;
    sim_rng_stream(&rng_clock, seed, sim_rng_stream_id("clock"));
    e->utc0_ms = utc_base_ms + sim_rng_range(&rng_clock, clock_lo, clock_hi);
}

void sim_env_sid(char out[HA_SID_LEN + 1], sim_rng_t *r)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < HA_SID_LEN; i += 16) {
        uint64_t v = sim_rng_next(r);
        for (int j = 0; j < 16; j++)
            out[i + j] = digits[(v >> (4 * j)) & 15];
    }
    out[HA_SID_LEN] = '\0';
}

void sim_env_action_sessions(const scn_t *scn, const scn_action_t *a, uint32_t *first,
                             uint32_t *last)
{
    *first = 0;
    *last = scn->sessions;
    if (a->session != 0) {
        *first = a->session - 1;
        *last = a->session;
    } else if (scn_act_is_fault(a->kind)) {
        *last = 1; /* an unnamed fault hits session 1 */
    }
}

ha_call_t sim_env_call_of(scn_act_kind_t kind)
{
    static const ha_call_t call_of[] = {
        [SCN_ACT_START] = HA_CALL_START, [SCN_ACT_QUERY] = HA_CALL_QUERY,
        [SCN_ACT_UPDATE] = HA_CALL_UPDATE, [SCN_ACT_UPDATE_LAYOUT] = HA_CALL_UPDATE_LAYOUT,
        [SCN_ACT_STOP] = HA_CALL_STOP,
    };
    assert(scn_act_is_api(kind));
    return call_of[kind];
}

int64_t sim_env_poll_next_ms(uint32_t *stage_404s, int http)
{
    if (http == 404 && *stage_404s < 3) {
        (*stage_404s)++;
        return 5000 * (int64_t)*stage_404s;
    }
    if (http != 404)
        *stage_404s = 0;
    return SIM_POLL_EVERY_MS;
}

int64_t sim_env_video_slice_ms(int64_t gop_ms)
{
    return (SIM_SLICE_MS + gop_ms - 1) / gop_ms * gop_ms;
}

ha_input_t sim_env_user_input(bool join, uint32_t core_session, uint32_t uid)
{
    ha_input_t in;
    memset(&in, 0, sizeof(in));
    in.kind = join ? HA_IN_USER_JOINED : HA_IN_USER_LEFT;
    in.u.user.session = core_session;
    in.u.user.uid = uid;
    return in;
}

ha_mode_t sim_env_mode(const scn_t *scn)
{
    return scn->mode == SCN_MODE_INDIVIDUAL ? HA_MODE_INDIVIDUAL
           : scn->mode == SCN_MODE_WEB      ? HA_MODE_WEB
                                            : HA_MODE_COMPOSITE;
}
