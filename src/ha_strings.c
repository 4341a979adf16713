/* ha_strings.c -- names of the core's enums, as traces and reports print them.
 *
 * Total: a value outside its enum prints as "?" (a log line about a corrupt
 * value should still be written). Each table is checked complete at compile
 * time, so the only way to "?" is a value out of range. */
#include "ha.h"

#define COUNT_OF(table) (sizeof(table) / sizeof(table[0]))
#define NAME_OF(table, v) ((unsigned)(v) < COUNT_OF(table) ? table[v] : "?")

static const char *const state_names[] = {
    "free", "starting", "recording", "failover", "reconnecting",
    "resuming", "switching", "stopping", "ended_normal", "ended_abnormal",
};
_Static_assert(COUNT_OF(state_names) == HA_ST_COUNT, "a name for every state");

static const char *const sev_names[] = {
    "start", "query", "update", "updateLayout", "stop", "deadline", "step",
    "server_down", "server_up", "exit_report", "ready", "failed", "exited",
    "slice", "user", "stale",
};
_Static_assert(COUNT_OF(sev_names) == HA_SEV_COUNT, "a name for every session event");

static const char *const cause_names[] = {"none", "kill", "disconnect"};
_Static_assert(COUNT_OF(cause_names) == HA_CAUSE_DISCONNECT + 1, "a name for every cause");

const char *ha_state_name(ha_state_t st) { return NAME_OF(state_names, st); }

const char *ha_sev_name(ha_sev_t e) { return NAME_OF(sev_names, e); }

const char *ha_cause_name(ha_cause_t cause) { return NAME_OF(cause_names, cause); }
