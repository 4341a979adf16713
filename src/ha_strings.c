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

const char *ha_sev_name(ha_sev_t e)
{
    static const char *const names[HA_SEV_COUNT] = {
        "start", "query", "update", "updateLayout", "stop", "deadline", "step",
        "server_down", "server_up", "exit_report", "ready", "failed", "exited",
        "slice", "user", "stale",
    };
    return NAME_OF(names, e);
}


const char *ha_cause_name(ha_cause_t cause)
{
    static const char *const names[] = {"none", "kill", "disconnect"};
    return NAME_OF(names, cause);
}


