/* bb_proc.h -- one fault command at a time, run as `/bin/sh -c CMD` in its
 * own process group, watched from the driver's loop (never waited for
 * blindly): its first line of output is kept ({cut} for a heal), the end of
 * its error output is kept for the message, and past its time limit the
 * whole group gets SIGKILL and is reaped. */
#ifndef BB_PROC_H
#define BB_PROC_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BB_PROC_OUT_MAX 4096

typedef struct {
    pid_t pid;          /* 0: none running */
    int out_fd, err_fd; /* -1 once closed */
    int64_t deadline_ms;
    char out[BB_PROC_OUT_MAX], err[BB_PROC_OUT_MAX];
    size_t out_n, err_n;
    /* when done: */
    bool done, timed_out;
    int status; /* exit status, or 128 + signal */
} bb_proc_t;

/* Starts cmd; false with err set (fork, pipe). */
bool bb_proc_start(bb_proc_t *p, const char *cmd, int64_t now_ms, int64_t timeout_ms, char *err,
                   size_t cap);
/* Its descriptors for poll(); returns how many it filled (0..2). */
int bb_proc_fds(const bb_proc_t *p, struct pollfd *fds);
/* Reads what came, reaps it when it ended, kills it past its deadline.
 * true once it is done (p->done). */
bool bb_proc_step(bb_proc_t *p, int64_t now_ms);
/* The first line of its output (the cut a heal needs), trimmed. */
const char *bb_proc_first_line(bb_proc_t *p);
/* The last line of its error output, or "". */
const char *bb_proc_last_err(bb_proc_t *p);
/* Kills and reaps whatever runs (at an error's exit). */
void bb_proc_abort(bb_proc_t *p);

#endif
