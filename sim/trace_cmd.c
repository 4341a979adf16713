/* trace_cmd.c -- how a command of the center reads in the trace. */
#include "trace_cmd.h"

static uint32_t one_based(uint32_t index) { return index == UINT32_MAX ? 0 : index + 1; }

sim_tr_ev_t sim_tr_of_file(int64_t t_ms, const ha_cmd_t *cmd, uint32_t sess)
{
    sim_tr_kind_t kind = cmd->kind == HA_CMD_PLAYLIST_OPEN    ? SIM_TR_PLAYLIST_OPEN
                         : cmd->kind == HA_CMD_PLAYLIST_CLOSE ? SIM_TR_PLAYLIST_CLOSE
                                                              : SIM_TR_SLICE;
    sim_tr_ev_t ev = sim_tr_ev(t_ms, kind);
    ev.sess = sess;
    ev.uid = cmd->u.file.uid;
    ev.track = (int)cmd->u.file.track;
    ev.bak = cmd->u.file.bak;
    ev.playlist = cmd->u.file.playlist;
    if (kind == SIM_TR_SLICE) {
        ev.srv = cmd->u.file.server + 1;
        ev.rec = cmd->u.file.recorder;
        ev.fmt = (int)cmd->u.file.fmt;
        ev.start_utc_ms = cmd->u.file.start_utc_ms;
        ev.end_utc_ms = cmd->u.file.end_utc_ms;
        ev.name = cmd->u.file.name;
    }
    return ev;
}

sim_tr_ev_t sim_tr_of_recorder(int64_t t_ms, const ha_cmd_t *cmd, uint32_t sess)
{
    sim_tr_ev_t ev = sim_tr_ev(t_ms, cmd->kind == HA_CMD_RECORDER_START    ? SIM_TR_RECORDER_START
                                     : cmd->kind == HA_CMD_RECORDER_RESUME ? SIM_TR_RECORDER_RESUME
                                                                           : SIM_TR_RECORDER_STOP);
    ev.sess = sess;
    ev.srv = cmd->u.recorder.server + 1;
    ev.rec = cmd->u.recorder.recorder;
    if (cmd->kind == HA_CMD_RECORDER_START)
        ev.uid = cmd->u.recorder.uid;
    if (cmd->kind != HA_CMD_RECORDER_STOP)
        ev.bak = cmd->u.recorder.bak;
    else
        ev.how = (int)cmd->u.recorder.how;
    return ev;
}

sim_tr_ev_t sim_tr_of_reply(int64_t t_ms, const ha_reply_t *rep, uint32_t sess, ha_call_t call,
                            sim_by_t by, int expect)
{
    sim_tr_ev_t ev = sim_tr_ev(t_ms, SIM_TR_API);
    ev.sess = sess;
    ev.call = (int)call;
    ev.http = rep->http;
    ev.code = rep->code;
    ev.status = call == HA_CALL_QUERY ? rep->status : 0;
    ev.msg = rep->message;
    ev.by = by;
    ev.expect = expect;
    return ev;
}

sim_tr_ev_t sim_tr_of_notify(int64_t t_ms, const ha_notify_t *n, uint32_t sess)
{
    sim_tr_ev_t ev = sim_tr_ev(t_ms, SIM_TR_CALLBACK);
    ev.sess = sess;
    ev.event_type = n->event_type;
    ev.uid = n->uid;
    ev.seq = n->sequence;
    ev.notice = n->notice_id;
    ev.exit_status = n->exit_status;
    ev.new_uid = n->new_uid;
    ev.start_utc_ms = n->start_utc_ms;
    ev.discontinue_utc_ms = n->discontinue_utc_ms;
    ev.leave_code = n->leave_code;
    ev.file_count = n->file_count;
    return ev;
}

sim_tr_ev_t sim_tr_of_event(int64_t t_ms, const ha_event_info_t *e, uint32_t sess)
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
    };
    sim_tr_ev_t ev = sim_tr_ev(t_ms, kind_of[e->what]);
    if (e->what != HA_EV_SERVER_DOWN && e->what != HA_EV_SERVER_UP)
        ev.sess = sess;
    ev.srv = e->server + 1;
    switch (e->what) {
    case HA_EV_DETECTED:
        ev.rec = e->recorder;
        ev.cause = (int)e->cause;
        ev.activation = e->activation;
        ev.until_ms = e->until_ms;
        break;
    case HA_EV_RECONNECTING:
        ev.until_ms = e->until_ms;
        break;
    case HA_EV_SWITCH:
        ev.from_srv = one_based(e->from_server);
        ev.rec = e->recorder;
        ev.uid = e->uid;
        ev.attempt = e->attempt;
        break;
    case HA_EV_ATTEMPT_FAILED:
    case HA_EV_FENCED:
        ev.rec = e->recorder;
        break;
    case HA_EV_RESUMED:
        ev.activation = e->activation;
        ev.rec = e->recorder;
        ev.uid = e->uid;
        break;
    case HA_EV_STARTED:
        ev.rec = e->recorder;
        ev.uid = e->uid;
        break;
    case HA_EV_GIVE_UP:
        ev.srv = 0;
        ev.reason = (int)e->reason;
        break;
    case HA_EV_ENDED:
        ev.srv = 0;
        ev.reason = (int)e->reason;
        ev.exit_status = e->exit_status;
        break;
    case HA_EV_RECONNECTED:
    case HA_EV_SERVER_DOWN:
    case HA_EV_SERVER_UP:
        break;
    }
    return ev;
}
