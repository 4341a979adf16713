/* rt_late.c -- the center's lateness (rt_late.h says why it is measured and
 * what the budget is). */
#include "rt_late.h"

#include <inttypes.h>
#include <stdio.h>

bool rt_late_note(rt_late_t *l, int64_t due_ms, int64_t now_ms, const char *what, uint32_t id)
{
    int64_t late = now_ms - due_ms;
    l->count++;
    if (late <= l->max_ms)
        return false;
    l->max_ms = late;
    l->max_t_ms = due_ms;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(l->what, sizeof(l->what), what, (unsigned)id);
#pragma GCC diagnostic pop
    bool was = l->over;
    l->over = late > RT_LATE_BUDGET_MS;
    return l->over && !was;
}

void rt_late_format(const rt_late_t *l, char *out, unsigned cap)
{
    snprintf(out, cap, "worst lateness %" PRId64 " ms (%s, due at t=%" PRId64 " ms), budget %d ms",
             l->max_ms, l->max_ms > 0 ? l->what : "nothing late", l->max_t_ms, RT_LATE_BUDGET_MS);
}
