/* results.h -- machine-readable verdicts: JSON for the reports, JUnit XML
 * for CI systems. */
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

/* JUnit: one <testcase> per rule R1-R14 and one for the scenario's own
 * expectations. Call begin, then case per run, then end. */
void results_junit_begin(FILE *f, const char *suite, unsigned tests, unsigned failures);
void results_junit_run(FILE *f, const scn_t *scn, const sim_run_result_t *res, const orc_t *o);
void results_junit_end(FILE *f);
/* How many <testcase>s results_junit_run writes and how many fail. */
unsigned results_junit_cases(void);
unsigned results_junit_failures(const scn_t *scn, const sim_run_result_t *res, const orc_t *o);

#endif
