/* rt_clock.h -- the wall-clock offset of step-clock on real processes
 * (rt_clock.c; the shim that applies it: rt_clockshim.c). */
#ifndef RT_CLOCK_H
#define RT_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* The supervisor: a new offset file, 0, named in HASIM_RT_CLOCK_FILE and in
 * the run record. 0, or -1 after a message. */
int rt_clock_file_create(char *path, size_t cap);
/* The center (a sim_drv_ops_t clock_step; p is the rt_center_t): the wall
 * clock of every process of the run jumps by step_ms of run time. */
void rt_clock_step(void *p, int64_t step_ms);

#endif
