/* rt_control.h -- what fault commands from outside need to find the
 * processes of a run (hasim-rt as a black-box target: docs/blackbox.md).
 *
 * In WORKDIR/control/, kept current during the run:
 *
 *   host-N.pid        the host agent of server N (1-based), also its process
 *                     group: `kill -KILL -PID` crashes the host (dash takes no `--`)
 *   rec-ID.pid        recorder ID's process
 *   session-SID       the recorder a fault of session SID aims at (the
 *                     newest one of the session: a replacement being started
 *                     counts), as lines "recorder ID", "pid PID",
 *                     "server N", "host_pid PID"; replaced whole (rename),
 *                     so a reader never sees half of it
 *
 *   world             a FIFO taking the world's events, one a line:
 *                     "join CNAME UID", "leave CNAME UID" (a user of that
 *                     channel starts or stops publishing: every session in
 *                     it hears of it), "provision-fail N" (the next N
 *                     replacement recorders fail to start), "step-clock MS"
 *                     (every server's wall clock jumps by MS, signed, as a
 *                     scenario's step-clock does); what does not parse is
 *                     said on stderr and dropped
 *
 * An agent takes SIGUSR1 as "cut my link to the center" and SIGUSR2 as
 * "heal it" (rt_agent.c), which is what a `disconnect` and a `heal` command
 * send. ci/hasim-rt.faults.conf is the FAULTS.conf that uses all this.
 */
#ifndef RT_CONTROL_H
#define RT_CONTROL_H

#include <stdint.h>

#include "rt_center_impl.h"

/* Creates WORKDIR/control. 0, or 2 after a message. */
int rt_control_init(rt_center_t *c);
void rt_control_host(rt_center_t *c, uint32_t server, int32_t pid);
/* A recorder's process exists: its pid file, and its session's file when
 * it is the one a fault would hit. */
void rt_control_recorder(rt_center_t *c, uint32_t id, int32_t pid);

/* The world FIFO's descriptor to poll (-1: not serving), its reading, and
 * the events read given to the driver in order, from the loop's world turn:
 * false while a leave waits for the recorders' last slices. */
int rt_control_world_fd(const rt_center_t *c);
void rt_control_world_read(rt_center_t *c);
bool rt_control_world_due(rt_center_t *c);
void rt_control_free(rt_center_t *c);

/* A target's host agent died or hung up without the center's word: with
 * --serve, a host crashed from outside (crash host) -- the world's fault,
 * given to the driver; true then. false without --serve (the run is void). */
bool rt_control_host_lost(rt_center_t *c, uint32_t server);

#endif
