/* rt_clock.c -- step-clock on real processes: the offset file that the
 * clock shim (rt_clockshim.c, preloaded below libfaketime in every process
 * of the run) adds to CLOCK_REALTIME. The supervisor creates it, zero; the
 * center adds each step to it. The offset is in nanoseconds of *real* time:
 * libfaketime multiplies what the shim adds by the speed, so a step of D of
 * run time is D / speed. */
#define _DEFAULT_SOURCE
#include "rt_clock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_center_impl.h"
#include "rt_runs.h"

int rt_clock_file_create(char *path, size_t cap)
{
    const char *dir = getenv("TMPDIR");
    if (snprintf(path, cap, "%s/hasim-rt-clock.XXXXXX",
                 dir != NULL && dir[0] != '\0' ? dir : "/tmp") >= (int)cap)
        return -1;
    int fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "hasim-rt: error: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    int64_t zero = 0;
    bool ok = write(fd, &zero, sizeof(zero)) == (ssize_t)sizeof(zero);
    close(fd);
    rt_runs_note("file", 0, path);
    if (!ok || setenv("HASIM_RT_CLOCK_FILE", path, 1) != 0) {
        fprintf(stderr, "hasim-rt: error: cannot write %s\n", path);
        (void)unlink(path);
        return -1;
    }
    return 0;
}

void rt_clock_step(void *p, int64_t step_ms)
{
    rt_center_t *c = p;
    const char *path = getenv("HASIM_RT_CLOCK_FILE");
    int fd = path != NULL && path[0] != '\0' ? open(path, O_RDWR | O_CLOEXEC) : -1;
    int64_t off = 0;
    if (fd < 0 || pread(fd, &off, sizeof(off), 0) != (ssize_t)sizeof(off)) {
        if (fd >= 0)
            close(fd);
        rt_die_env(c, "step-clock: no clock shim file (HASIM_RT_CLOCK_FILE): the run was not "
                      "started with the shim (a bug of hasim-rt)");
        return;
    }
    off += step_ms * 1000000 / (int64_t)c->opts->speed;
    if (pwrite(fd, &off, sizeof(off), 0) != (ssize_t)sizeof(off))
        rt_die_env(c, "step-clock: cannot write %s: %s", path, strerror(errno));
    close(fd);
}
