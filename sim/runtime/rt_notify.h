/* rt_notify.h -- hasim-rt's callbacks POSTed as the Notification Center
 * (NCS) delivers them (hasim-rt run --notify URL).
 *
 * The envelopes are ncs/ncs_write.c's, made from the run's trace events as
 * `hasim run --ncs-dir` makes them, with its misbehaviour on (some notices
 * repeated with a later notifyMs, some late), as the service's documentation
 * says NCS does. A separate poster process POSTs them one by one, each with
 * a few retries and a growing back-off, so that a slow or absent receiver
 * never stalls the center's loop: the center only writes each envelope into
 * a pipe. A receiver that stays away loses notices, as with NCS.
 */
#ifndef RT_NOTIFY_H
#define RT_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "trace/trace.h"

#define RT_NOTIFY_TRIES 5            /* a POST and four retries */
#define RT_NOTIFY_BACKOFF_MS 500     /* before the first retry; doubles each time */
#define RT_NOTIFY_TIMEOUT_MS 5000    /* one POST, connection included */
#define RT_NOTIFY_DRAIN_MS 30000     /* at the end: what is queued is sent within this */
#define RT_NOTIFY_PIPE_BYTES (1 << 20)
#define RT_NOTIFY_LATE_MS 3000       /* a notice held back to come late comes by then */

typedef struct rt_notify rt_notify_t;

/* Starts the poster process (its pid goes to *pid for the pid file). seed
 * != 0 draws the repeats and late notices. NULL with err set. */
rt_notify_t *rt_notify_start(const char *url, uint64_t seed, int32_t *pid, char *err,
                             size_t err_cap);
/* A sim_tr_sink_fn: every trace event of the run, in order. */
void rt_notify_event(void *n, const sim_tr_ev_t *ev);
/* Each turn of the center's loop: a notice held back to come late goes
 * once it waited RT_NOTIFY_LATE_MS (run clock), other notices or not. */
void rt_notify_tick(rt_notify_t *n, int64_t now_ms);
/* The last notices, then the poster's end: it gets RT_NOTIFY_DRAIN_MS (run
 * clock) to send what is queued, then SIGKILL; reaped either way. Counts
 * what was dropped (pipe full). NULL is fine. */
void rt_notify_finish(rt_notify_t *n);

#endif
