/* rt_clockshim.c -- libhasim-clock.so: steps the wall clock of every process
 * of a run (the scenario's step-clock), loaded by LD_PRELOAD *below*
 * libfaketime.
 *
 * libfaketime 0.9.10 reads its FAKETIME spec and its start time once, so a
 * running process's clock cannot be stepped through it. What it does call,
 * each time, is the next clock_gettime() in the preload order (dlsym
 * RTLD_NEXT of "__clock_gettime"): this shim. It adds the run's offset to
 * CLOCK_REALTIME (and its coarse variant) and to nothing else, so
 * libfaketime's faked, accelerated CLOCK_MONOTONIC -- every deadline of the
 * run -- does not move, while the faked wall clock jumps by the offset times
 * the speed. The offset is 8 bytes, nanoseconds of real time, in the file
 * HASIM_RT_CLOCK_FILE, mapped shared: the center writes it
 * (rt_clock_step()), every process reads it at its next clock_gettime().
 * Without the variable, or with the file gone, the offset is 0.
 *
 * Not threads' business: the runtime's processes are single-threaded, and
 * an aligned 8-byte load is atomic on the machines it runs on. Built with
 * -fPIC into a shared object by mk/runtime.mk; nothing else of the runtime
 * links it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int clock_fn(clockid_t, struct timespec *);

static clock_fn *next_clock_gettime, *next_clock_gettime_libc;
static const volatile int64_t *offset_ns;
static int mapped; /* 0 not tried, 1 mapped, -1 none */

static void map_offset(void)
{
    mapped = -1;
    const char *path = getenv("HASIM_RT_CLOCK_FILE");
    if (path == NULL || path[0] == '\0')
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    void *p = mmap(NULL, sizeof(int64_t), PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return;
    offset_ns = p;
    mapped = 1;
}

static void step(clockid_t id, struct timespec *ts)
{
    if (id != CLOCK_REALTIME && id != CLOCK_REALTIME_COARSE)
        return;
    if (mapped == 0)
        map_offset();
    if (mapped != 1)
        return;
    int64_t ns = (int64_t)ts->tv_nsec + *offset_ns % 1000000000;
    ts->tv_sec += (time_t)(*offset_ns / 1000000000 + ns / 1000000000);
    ns %= 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        ts->tv_sec--;
    }
    ts->tv_nsec = (long)ns;
}

int __clock_gettime(clockid_t id, struct timespec *ts);
int __clock_gettime(clockid_t id, struct timespec *ts)
{
    if (next_clock_gettime == NULL)
        next_clock_gettime = (clock_fn *)dlsym(RTLD_NEXT, "__clock_gettime");
    if (next_clock_gettime == NULL)
        return -1;
    int r = next_clock_gettime(id, ts);
    if (r == 0)
        step(id, ts);
    return r;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    if (next_clock_gettime_libc == NULL)
        next_clock_gettime_libc = (clock_fn *)dlsym(RTLD_NEXT, "clock_gettime");
    if (next_clock_gettime_libc == NULL)
        return -1;
    int r = next_clock_gettime_libc(id, ts);
    if (r == 0)
        step(id, ts);
    return r;
}
