/* junit.h -- JUnit XML as CI systems read it (GitHub, GitLab, Jenkins).
 *
 * One <testcase> per scenario (classname "hasim.run", name: the file's base
 * name without .scn), with `file`, `line` and `time` (seconds of wall
 * clock); one <failure> per violation group of the oracle (orc_groups():
 * the first cause of each session, with how many more came after it) and
 * per failed `expect` line. Each <failure> carries its own `file` and `line`
 * -- the scenario line it points at -- which ci/junit_annotate.py turns into
 * `::error file=,line=::` annotations; the testcase's `line` is its first
 * failure's. A crash is a failure of type "crash" (signal, last trace lines,
 * replay command); a malformed file an <error> at its FILE:LINE. Swarm and
 * explore failures are test cases of their own (classname "hasim.swarm",
 * "hasim.explore") carrying the replay command and the shrunk scenario.
 *
 * Which scenario line a violation points at: the violation's own when it is
 * a failed `expect` of an API call (the call at that time), else the last
 * action of its session at or before the violation's time -- the fault or
 * call that led to it -- and line 1 when there is none.
 */
#ifndef SIM_JUNIT_H
#define SIM_JUNIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "judge/oracle.h"
#include "lang/scn.h"
#include "runner.h"

/* Totals of a suite; the header needs them, so callers write the cases to
 * a memory stream first. */
typedef struct {
    unsigned tests, failures, errors;
    double time_s;
} junit_totals_t;

void junit_begin(FILE *f, const char *suite, const junit_totals_t *t);
void junit_end(FILE *f);

/* The scenario line behind a violation of rule on session sess at t_ms. */
int junit_scn_line(const scn_t *scn, int rule, uint32_t sess, int64_t t_ms);

/* A scenario's run: one test case; adds to *t. seed and time_s as run. */
void junit_scenario(FILE *f, const scn_t *scn, const sim_run_result_t *res, const orc_t *o,
                    double time_s, junit_totals_t *t);
/* A scenario whose run crashed: what (signal or timeout), the last trace
 * lines, the crash's own message (stderr), the replay command. */
void junit_crash(FILE *f, const scn_t *scn, int line, double time_s, const char *what,
                 const char *tail, const char *message, const char *replay, junit_totals_t *t);
/* A file that did not parse: err is its FILE:LINE:COL: error: line. */
void junit_malformed(FILE *f, const char *path, int line, const char *err, junit_totals_t *t);
/* A failing run found by a search: rule and msg of its first violation, the
 * replay command, the shrunk scenario's text (may be NULL) and what the
 * shrinker said; file and line when it has a file (NULL, 0 else). */
void junit_search_failure(FILE *f, const char *classname, const char *name, const char *file,
                          int line, double time_s, const char *rule, const char *msg,
                          const char *replay, const char *shrunk, const char *shrink_note,
                          junit_totals_t *t);
/* A search that found nothing: one passing case, so the suite shows it ran. */
void junit_search_pass(FILE *f, const char *classname, const char *name, double time_s,
                       junit_totals_t *t);

#endif
