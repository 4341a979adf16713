/* rt_tracefile.c -- the trace is written to a temporary file beside the one
 * asked for and renamed over it only at the end, after every check that can
 * fail. So a run that cannot start (a port taken), is interrupted or killed
 * never truncates an earlier trace of the same name, and a process of an
 * earlier run that still writes can only write into its own temporary file
 * (listed in its run record, rt_runs.c, and removed when it is dead). */
#define _DEFAULT_SOURCE
#include "rt_tracefile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_runs.h"

FILE *rt_trace_open(const char *path, char *tmp, size_t cap)
{
    if (snprintf(tmp, cap, "%s.tmp-XXXXXX", path) >= (int)cap) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    int fd = mkstemp(tmp);
    if (fd < 0)
        return NULL;
    (void)fchmod(fd, 0644); /* as a plain open() would leave a trace */
    rt_runs_note("file", 0, tmp);
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        unlink(tmp);
    }
    return f;
}

int rt_trace_commit(FILE *f, const char *tmp, const char *path, bool keep)
{
    int rc = 0;
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: error: writing the trace failed: %s\n", path, strerror(errno));
        keep = false;
        rc = -1;
    }
    if (keep && rename(tmp, path) != 0) {
        fprintf(stderr, "%s: error: cannot put the trace in place: %s\n", path, strerror(errno));
        rc = -1;
    }
    if (!keep || rc != 0)
        (void)unlink(tmp);
    return rc;
}
