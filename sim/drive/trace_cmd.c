/* trace_cmd.c -- how a command of the center reads in the trace.
 *
 * The trace has its own vocabulary (trace/trace.h): every value of the
 * core's enums is translated here by name, case by case, never by number,
 * so that a renumbered enum in the core cannot slip into the trace and be
 * read back by the judge as something else. Callback event types are the
 * service's public numbers and pass as they are: the judge knows them from
 * the service's documentation, not from the core.
 */
#include "trace_cmd.h"

#include <assert.h>

sim_mode_t sim_tr_mode(ha_mode_t m)
{
    switch (m) {
    case HA_MODE_COMPOSITE: return SIM_MODE_COMPOSITE;
    case HA_MODE_INDIVIDUAL: return SIM_MODE_INDIVIDUAL;
    case HA_MODE_WEB: return SIM_MODE_WEB;
    }
    assert(0 && "a mode the core does not have");
    return SIM_MODE_COMPOSITE;
}

sim_call_t sim_tr_call(ha_call_t c)
{
    switch (c) {
    case HA_CALL_START: return SIM_CALL_START;
    case HA_CALL_QUERY: return SIM_CALL_QUERY;
    case HA_CALL_UPDATE: return SIM_CALL_UPDATE;
    case HA_CALL_UPDATE_LAYOUT: return SIM_CALL_UPDATE_LAYOUT;
    case HA_CALL_STOP: return SIM_CALL_STOP;
    case HA_CALL_COUNT: break;
    }
    assert(0 && "a call the core does not have");
    return SIM_CALL_START;
}

sim_track_t sim_tr_track(ha_track_t t)
{
    switch (t) {
    case HA_TRACK_MIX: return SIM_TRACK_MIX;
    case HA_TRACK_AUDIO: return SIM_TRACK_AUDIO;
    case HA_TRACK_VIDEO: return SIM_TRACK_VIDEO;
    }
    assert(0 && "a track the core does not have");
    return SIM_TRACK_MIX;
}

sim_fmt_t sim_tr_fmt(ha_fmt_t f)
{
    switch (f) {
    case HA_FMT_TS: return SIM_FMT_TS;
    case HA_FMT_WEBM: return SIM_FMT_WEBM;
    case HA_FMT_MP4: return SIM_FMT_MP4;
    }
    assert(0 && "a format the core does not have");
    return SIM_FMT_TS;
}

static sim_cause_t tr_cause(ha_cause_t c)
{
    switch (c) {
    case HA_CAUSE_NONE: return SIM_CAUSE_NONE;
    case HA_CAUSE_KILL: return SIM_CAUSE_KILL;
    case HA_CAUSE_DISCONNECT: return SIM_CAUSE_DISCONNECT;
    }
    assert(0 && "a cause the core does not have");
    return SIM_CAUSE_NONE;
}

static sim_end_t tr_end(ha_end_reason_t r)
{
    switch (r) {
    case HA_END_NONE: return SIM_END_NONE;
    case HA_END_STOPPED: return SIM_END_STOPPED;
    case HA_END_ACTIVATIONS: return SIM_END_ACTIVATIONS;
    case HA_END_DEADLINE: return SIM_END_DEADLINE;
    case HA_END_START_FAILED: return SIM_END_START_FAILED;
    }
    assert(0 && "an end reason the core does not have");
    return SIM_END_NONE;
}

static sim_stop_how_t tr_how(ha_stop_how_t h)
{
    return h == HA_STOP_FENCE ? SIM_STOP_FENCE : SIM_STOP_FLUSH;
}

static uint32_t one_based(uint32_t index) { return index == UINT32_MAX ? 0 : index + 1; }

void sim_tr_of_file(sim_tr_ev_t *ev, int64_t t_ms, const ha_cmd_t *cmd, uint32_t sess)
{
    sim_tr_kind_t kind = cmd->kind == HA_CMD_PLAYLIST_OPEN    ? SIM_TR_PLAYLIST_OPEN
                         : cmd->kind == HA_CMD_PLAYLIST_CLOSE ? SIM_TR_PLAYLIST_CLOSE
                                                              : SIM_TR_SLICE;
    sim_tr_ev_init(ev, t_ms, kind);
    ev->sess = sess;
    ev->uid = cmd->u.file.uid;
    ev->track = (int)sim_tr_track(cmd->u.file.track);
    ev->bak = cmd->u.file.bak;
    ev->playlist = cmd->u.file.playlist;
    if (kind == SIM_TR_SLICE) {
        ev->srv = cmd->u.file.server + 1;
        ev->rec = cmd->u.file.recorder;
        ev->fmt = (int)sim_tr_fmt(cmd->u.file.fmt);
        ev->start_utc_ms = cmd->u.file.start_utc_ms;
        ev->end_utc_ms = cmd->u.file.end_utc_ms;
        ev->name = cmd->u.file.name;
    }
}

void sim_tr_of_recorder(sim_tr_ev_t *ev, int64_t t_ms, const ha_cmd_t *cmd, uint32_t sess)
{
    sim_tr_ev_init(ev, t_ms,
                   cmd->kind == HA_CMD_RECORDER_START    ? SIM_TR_RECORDER_START
                   : cmd->kind == HA_CMD_RECORDER_RESUME ? SIM_TR_RECORDER_RESUME
                                                         : SIM_TR_RECORDER_STOP);
    ev->sess = sess;
    ev->srv = cmd->u.recorder.server + 1;
    ev->rec = cmd->u.recorder.recorder;
    if (cmd->kind == HA_CMD_RECORDER_START)
        ev->uid = cmd->u.recorder.uid;
    if (cmd->kind != HA_CMD_RECORDER_STOP)
        ev->bak = cmd->u.recorder.bak;
    else
        ev->how = (int)tr_how(cmd->u.recorder.how);
}

void sim_tr_of_reply(sim_tr_ev_t *ev, int64_t t_ms, const ha_reply_t *rep, uint32_t sess,
                     ha_call_t call, sim_by_t by, int expect)
{
    sim_tr_ev_init(ev, t_ms, SIM_TR_API);
    ev->sess = sess;
    ev->call = (int)sim_tr_call(call);
    ev->http = rep->http;
    ev->code = rep->code;
    ev->status = call == HA_CALL_QUERY ? rep->status : 0;
    ev->msg = rep->message;
    ev->by = by;
    ev->expect = expect;
}

void sim_tr_of_notify(sim_tr_ev_t *ev, int64_t t_ms, const ha_notify_t *n, uint32_t sess)
{
    sim_tr_ev_init(ev, t_ms, SIM_TR_CALLBACK);
    ev->sess = sess;
    ev->event_type = n->event_type;
    ev->uid = n->uid;
    ev->seq = n->sequence;
    ev->notice = n->notice_id;
    ev->exit_status = n->exit_status;
    ev->new_uid = n->new_uid;
    ev->start_utc_ms = n->start_utc_ms;
    ev->discontinue_utc_ms = n->discontinue_utc_ms;
    ev->leave_code = n->leave_code;
    ev->file_count = n->file_count;
}

void sim_tr_of_event(sim_tr_ev_t *ev, int64_t t_ms, const ha_event_info_t *e, uint32_t sess)
{
    static const sim_tr_kind_t kind_of[HA_EV_COUNT] = {
        [HA_EV_DETECTED] = SIM_TR_DETECT,
        [HA_EV_RECONNECTING] = SIM_TR_RECONNECTING,
        [HA_EV_RECONNECTED] = SIM_TR_RECONNECTED,
        [HA_EV_SWITCH] = SIM_TR_SWITCH,
        [HA_EV_ATTEMPT_FAILED] = SIM_TR_ATTEMPT_FAILED,
        [HA_EV_RESUMED] = SIM_TR_RESUME,
        [HA_EV_GIVE_UP] = SIM_TR_GIVE_UP,
        [HA_EV_ENDED] = SIM_TR_END,
        [HA_EV_FENCED] = SIM_TR_FENCED,
        [HA_EV_SERVER_DOWN] = SIM_TR_SERVER_DOWN,
        [HA_EV_SERVER_UP] = SIM_TR_SERVER_UP,
        [HA_EV_STARTED] = SIM_TR_STARTED,
        [HA_EV_WAIT_CAPACITY] = SIM_TR_WAIT_CAPACITY,
    };
    sim_tr_ev_init(ev, t_ms, kind_of[e->what]);
    if (e->what != HA_EV_SERVER_DOWN && e->what != HA_EV_SERVER_UP)
        ev->sess = sess;
    if (e->what != HA_EV_WAIT_CAPACITY)
        ev->srv = e->server + 1;
    switch (e->what) {
    case HA_EV_DETECTED:
        ev->rec = e->recorder;
        ev->cause = (int)tr_cause(e->cause);
        ev->activation = e->activation;
        ev->until_ms = e->until_ms;
        break;
    case HA_EV_RECONNECTING:
        ev->until_ms = e->until_ms;
        break;
    case HA_EV_SWITCH:
        ev->from_srv = one_based(e->from_server);
        ev->rec = e->recorder;
        ev->uid = e->uid;
        ev->attempt = e->attempt;
        break;
    case HA_EV_ATTEMPT_FAILED:
    case HA_EV_FENCED:
        ev->rec = e->recorder;
        break;
    case HA_EV_RESUMED:
        ev->activation = e->activation;
        ev->rec = e->recorder;
        ev->uid = e->uid;
        break;
    case HA_EV_STARTED:
        ev->rec = e->recorder;
        ev->uid = e->uid;
        break;
    case HA_EV_GIVE_UP:
        ev->srv = 0;
        ev->reason = (int)tr_end(e->reason);
        break;
    case HA_EV_ENDED:
        ev->srv = 0;
        ev->reason = (int)tr_end(e->reason);
        ev->exit_status = e->exit_status;
        break;
    case HA_EV_WAIT_CAPACITY:
        ev->activation = e->activation;
        ev->attempt = e->attempt;
        ev->until_ms = e->until_ms;
        break;
    case HA_EV_RECONNECTED:
    case HA_EV_SERVER_DOWN:
    case HA_EV_SERVER_UP:
        break;
    }
}
