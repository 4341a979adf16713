/* trace.c -- the names of kinds and faults. (The blank event, which every
 * trace line starts from, is inline in trace.h.) */
#include "trace.h"

static const char *const kind_names[SIM_TR_KIND_COUNT] = {
    [SIM_TR_RUN] = "run",
    [SIM_TR_SESSION] = "session",
    [SIM_TR_API] = "api",
    [SIM_TR_FAULT] = "fault",
    [SIM_TR_EXIT_REPORT] = "exit_report",
    [SIM_TR_USER] = "user",
    [SIM_TR_DETECT] = "detect",
    [SIM_TR_SERVER_DOWN] = "server_down",
    [SIM_TR_SERVER_UP] = "server_up",
    [SIM_TR_RECONNECTING] = "reconnecting",
    [SIM_TR_RECONNECTED] = "reconnected",
    [SIM_TR_SWITCH] = "switch",
    [SIM_TR_ATTEMPT_FAILED] = "attempt_failed",
    [SIM_TR_RECORDER_START] = "recorder_start",
    [SIM_TR_RECORDER_RESUME] = "recorder_resume",
    [SIM_TR_RECORDER_READY] = "recorder_ready",
    [SIM_TR_WAIT_CAPACITY] = "wait_capacity",
    [SIM_TR_RECORDER_REJOINED] = "recorder_rejoined",
    [SIM_TR_RECORDER_FAILED] = "recorder_failed",
    [SIM_TR_RECORDER_STOP] = "recorder_stop",
    [SIM_TR_RECORDER_EXITED] = "recorder_exited",
    [SIM_TR_STARTED] = "started",
    [SIM_TR_RESUME] = "resume",
    [SIM_TR_SLICE_DONE] = "slice_done",
    [SIM_TR_SLICE_LOST] = "slice_lost",
    [SIM_TR_PLAYLIST_OPEN] = "playlist_open",
    [SIM_TR_SLICE] = "slice",
    [SIM_TR_PLAYLIST_CLOSE] = "playlist_close",
    [SIM_TR_CALLBACK] = "callback",
    [SIM_TR_FENCED] = "fenced",
    [SIM_TR_GIVE_UP] = "give_up",
    [SIM_TR_END] = "end",
    [SIM_TR_RUN_END] = "run_end",
};

const char *sim_tr_kind_name(sim_tr_kind_t k)
{
    if ((int)k < 0 || k >= SIM_TR_KIND_COUNT)
        return "?";
    return kind_names[k];
}

const char *sim_fault_name(sim_fault_t f)
{
    switch (f) {
    case SIM_FAULT_NONE: return "none";
    case SIM_FAULT_KILL: return "kill";
    case SIM_FAULT_DISCONNECT: return "disconnect";
    case SIM_FAULT_HEAL: return "heal";
    case SIM_FAULT_CRASH: return "crash";
    case SIM_FAULT_PROVISION_FAIL: return "provision_fail";
    }
    return "?";
}
