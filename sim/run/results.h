/* results.h -- machine-readable verdicts as JSON, for the reports (JUnit
 * XML for CI systems is junit.h's). */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include <stdio.h>

#include "judge/oracle.h"
#include "runner.h"
#include "lang/scn.h"

/* One run as a JSON object (no trailing newline). trace_path may be NULL;
 * with a world, the center's own end state of each session is included. */
void results_json_run(FILE *f, const char *path, const char *title, const sim_run_result_t *res,
                      const orc_t *o, const char *trace_path, const struct sim_world *w,
                      uint32_t sessions);
/* The center's own end state of each session, as a JSON array: what the
 * core believes, next to what the oracle judged. */
void results_json_sessions(FILE *f, const struct sim_world *w, uint32_t sessions);
/* The state x event table as a JSON object. */
void results_json_transitions(FILE *f, const uint64_t *table);

/* A run that crashed, as a JSON object like results_json_run's (pass false,
 * no verdict) with "crash": what happened, the last trace lines (text), the
 * crash's own message (the child's stderr, cut) and the replay command. */
void results_json_crash(FILE *f, const char *path, const char *title, uint64_t seed,
                        int signal, const char *what, const char *tail, const char *message,
                        const char *replay, const char *trace_path);
/* A file that did not parse: {"path", "line", "col", "error"}. */
void results_json_malformed(FILE *f, const char *path, int line, int col, const char *err);

#endif
