/* rt_runs.h -- records of runs, so that what a killed run left is found and
 * removed by the next one, under a lock that proves its owner dead
 * (rt_runs.c says how). */
#ifndef RT_RUNS_H
#define RT_RUNS_H

#include <stdbool.h>

/* Removes what every dead run's record lists, and the record; says so on
 * stderr when verbose. Returns the number of dead runs cleaned. */
int rt_runs_sweep(bool verbose);
/* This process starts a run: a record named after its pid, locked, the lock
 * inherited by every process it starts (and HASIM_RT_RECORD set for the
 * center it execs). 0, or -1 after a message. */
int rt_runs_claim(void);
/* In the center started by a supervisor: note into the supervisor's record. */
void rt_runs_adopt(void);
/* One line "KIND PATH" (path not NULL) or "KIND PID" into the record. */
void rt_runs_note(const char *kind, long pid, const char *path);
/* The run ended and cleaned up after itself: the record goes. */
void rt_runs_release(void);

#endif
