/* trace_cmd.h -- the HA center's commands as trace events.
 *
 * Every driver of the core (the simulated world, the real-process runtime)
 * reports what the center decided in the same C lines of the trace; this is
 * the one place that says how a command becomes an event. sess is the
 * one-based session number the trace uses for the command's session (0 when
 * the driver does not know it).
 */
#ifndef SIM_TRACE_CMD_H
#define SIM_TRACE_CMD_H

#include "ha.h"
#include "trace/trace.h"

/* The core's values in the trace's vocabulary, translated by name. */
sim_mode_t sim_tr_mode(ha_mode_t m);
sim_call_t sim_tr_call(ha_call_t c);
sim_track_t sim_tr_track(ha_track_t t);
sim_fmt_t sim_tr_fmt(ha_fmt_t f);

/* PLAYLIST_OPEN, SLICE_WRITE, PLAYLIST_CLOSE */
void sim_tr_of_file(sim_tr_ev_t *ev, int64_t t_ms, const ha_cmd_t *cmd, uint32_t sess);
/* RECORDER_START, RECORDER_RESUME, RECORDER_STOP */
void sim_tr_of_recorder(sim_tr_ev_t *ev, int64_t t_ms, const ha_cmd_t *cmd, uint32_t sess);
/* REPLY: the answer to a call, with what the driver knows of the call. */
void sim_tr_of_reply(sim_tr_ev_t *ev, int64_t t_ms, const ha_reply_t *rep, uint32_t sess,
                     ha_call_t call, sim_by_t by, int expect);
/* NOTIFY: a callback */
void sim_tr_of_notify(sim_tr_ev_t *ev, int64_t t_ms, const ha_notify_t *n, uint32_t sess);
/* EVENT: detect, switch, resume, end, ... (server-level ones carry no session) */
void sim_tr_of_event(sim_tr_ev_t *ev, int64_t t_ms, const ha_event_info_t *e, uint32_t sess);

#endif
