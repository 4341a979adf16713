/* clock.c -- the servers' wall clock, which a scenario may step (an NTP
 * step: `at 1m step-clock -30s`), and the planted bug that proves the
 * harness sees a deadline kept on it.
 *
 * The core's deadlines run on the driver's clock (t_ms), which a step never
 * moves: that is the contract. What moves is the wall clock the servers
 * name files by: a recorder takes the wall clock when it begins recording
 * and counts media time from there (sim/world/world.c, rt_recorder.c), so
 * the slices of a recorder that starts after a step carry the stepped time.
 *
 * SIM_WALL_DEADLINES (make WALLBUG=1) plants the bug a service makes when
 * its timer service follows the wall clock: a timer armed to fire at a wall
 * time fires when the stepped clock reaches it -- 30 s late after a step of
 * -30 s, 30 s early after +30 s. The driver knows every step and every armed
 * timer, so it re-arms them shifted on both platforms alike; the trace keeps
 * the driver's clock, so the oracle sees the stretched or shortened window
 * (tests/checks.d/rt_clock_step.sh, scenarios/clock_step_*.scn).
 */
#include <assert.h>
#include <stdlib.h>

#include "driver_impl.h"

int64_t sim_drv_wall_offset(const sim_drv_t *d) { return d->wall_offset_ms; }

#ifdef SIM_WALL_DEADLINES
void drv_clock_armed(sim_drv_t *d, const ha_timer_t *t, int64_t at_ms)
{
    assert(t->slot < d->wall_timers_n);
    d->wall_timers[t->slot] = (drv_wall_timer_t){true, at_ms, *t};
}

void drv_clock_disarmed(sim_drv_t *d, uint32_t slot)
{
    if (slot < d->wall_timers_n)
        d->wall_timers[slot].armed = false;
}

static void wall_deadlines_step(sim_drv_t *d, int64_t step_ms)
{
    for (uint32_t i = 0; i < d->wall_timers_n; i++) {
        drv_wall_timer_t *w = &d->wall_timers[i];
        if (!w->armed)
            continue;
        int64_t at = w->at_ms - step_ms;
        w->at_ms = at > d->now_ms ? at : d->now_ms;
        d->ops->timer_arm(d->p, &w->t, w->at_ms);
    }
}
#endif

void drv_clock_step(sim_drv_t *d, int64_t step_ms)
{
    d->wall_offset_ms += step_ms;
#ifdef SIM_WALL_DEADLINES
    wall_deadlines_step(d, step_ms);
#endif
    if (d->ops->clock_step != NULL)
        d->ops->clock_step(d->p, step_ms);
}
