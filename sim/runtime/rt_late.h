/* rt_late.h -- the harness judges itself: how late the center handled what
 * was due (a timer of the core, an action of the scenario, a heal, a poll,
 * a host agent's heartbeat), against when it was due, in the run's clock.
 *
 * A run whose worst lateness passed the budget is *inconclusive* (exit 3):
 * the machine, not the core, failed the run's assumptions, so no rule may be
 * called broken on its account (docs/realtime.md, "Lateness").
 *
 * The budget is A2's margin halved. Host agents heartbeat every 2 000 ms and
 * the center declares a server down 6 000 ms after the last heartbeat: a
 * heartbeat 4 000 ms late declares a live server dead (R2 "declared down,
 * but its link is up"), the tightest margin any rule has against the
 * harness's own lateness -- the core's deadlines are stamped at their exact
 * due times and do not move with it. Half of it is allowed.
 */
#ifndef RT_LATE_H
#define RT_LATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ha_policy.h"

#define RT_LATE_BUDGET_MS ((HA_HEARTBEAT_TIMEOUT_MS - HA_HEARTBEAT_INTERVAL_MS) / 2)

typedef struct {
    int64_t max_ms;  /* the worst lateness seen, 0 none */
    int64_t max_t_ms; /* the run time it was seen at */
    char what[96];   /* what it was */
    bool over;       /* max_ms > RT_LATE_BUDGET_MS */
    uint64_t count;  /* things measured */
} rt_late_t;

/* Something due at due_ms (run time) handled at now_ms; what names it (a
 * printf format with one %u, and id). True when this made the run go over. */
bool rt_late_note(rt_late_t *l, int64_t due_ms, int64_t now_ms, const char *what, uint32_t id);
/* "how late it got", for the verdict line: "worst lateness 12 ms (a timer
 * of the core at t=4000 ms), budget 2000 ms". */
void rt_late_format(const rt_late_t *l, char *out, unsigned cap);

#endif
