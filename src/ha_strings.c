/* ha_strings.c -- names of the core's enums, as traces and reports print them. */
#include "ha.h"

#define NAME_OF(table, v) ((unsigned)(v) < sizeof(table) / sizeof(table[0]) && table[v] ? table[v] : "?")

const char *ha_state_name(ha_state_t st)
{
    static const char *const names[HA_ST_COUNT] = {
        "free", "starting", "recording", "failover", "reconnecting",
        "resuming", "switching", "stopping", "ended_normal", "ended_abnormal",
    };
    return NAME_OF(names, st);
}

const char *ha_in_kind_name(ha_in_kind_t k)
{
    static const char *const names[HA_IN_COUNT] = {
        "api", "timer", "heartbeat", "exit_report", "recorder_ready",
        "recorder_failed", "recorder_exited", "slice", "user_joined", "user_left",
    };
    return NAME_OF(names, k);
}

const char *ha_sev_name(ha_sev_t e)
{
    static const char *const names[HA_SEV_COUNT] = {
        "start", "query", "update", "updateLayout", "stop", "deadline", "step",
        "server_down", "server_up", "exit_report", "ready", "failed", "exited",
        "slice", "user", "stale",
    };
    return NAME_OF(names, e);
}

const char *ha_event_name(ha_event_t e)
{
    static const char *const names[HA_EV_COUNT] = {
        "detect", "reconnecting", "reconnected", "switch", "attempt_failed", "resume",
        "give_up", "end", "fenced", "server_down", "server_up", "started",
    };
    return NAME_OF(names, e);
}

const char *ha_call_name(ha_call_t call)
{
    static const char *const names[HA_CALL_COUNT] = {"start", "query", "update", "updateLayout", "stop"};
    return NAME_OF(names, call);
}

const char *ha_cause_name(ha_cause_t cause)
{
    static const char *const names[] = {"none", "kill", "disconnect"};
    return NAME_OF(names, cause);
}

const char *ha_end_reason_name(ha_end_reason_t r)
{
    static const char *const names[] = {"none", "stopped", "activations", "deadline", "start_failed"};
    return NAME_OF(names, r);
}

const char *ha_track_name(ha_track_t t)
{
    static const char *const names[] = {"mix", "audio", "video"};
    return NAME_OF(names, t);
}

const char *ha_mode_name(ha_mode_t m)
{
    static const char *const names[] = {"composite", "individual", "web"};
    return NAME_OF(names, m);
}
