/* judge.h -- one run's verdict, wherever the run came from.
 *
 * The judge is the oracle (every rule R1-R14 on every event), the
 * scenario's own `expect` lines, and the rule that combines them: a rule the
 * scenario says it breaks (`expect violation Rn`) must be broken and is not
 * held against it; a lie of the hostile driver answered wrongly fails the
 * run too. `hasim run`, `hasim check` and `hasim-rt` all judge through it,
 * so a trace gets the same verdict in process, from a file, or from real
 * processes.
 *
 * The judge knows the trace and the scenario language, never the core: it
 * is built without src/ on the include path (tools/layers.sh, Makefile).
 */
#ifndef SIM_JUDGE_H
#define SIM_JUDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "judge/oracle.h"
#include "lang/scn.h"
#include "trace/trace.h"

/* Room for a few failed expectations with what was seen instead. */
#define SIM_VERDICT_MSGS 4096

typedef struct {
    bool pass;
    uint64_t violations;         /* broken rules, but those the scenario expects */
    int expect_failed;           /* failed `expect` lines, and a driver's failure */
    char expect_msgs[SIM_VERDICT_MSGS]; /* one line each: FILE:LINE:COL: expectation failed: ... */
} sim_verdict_t;

typedef struct sim_judge sim_judge_t;

sim_judge_t *sim_judge_new(void);
void sim_judge_free(sim_judge_t *j);
/* Prepares for a run: of scn (which must outlive the run), or, with NULL,
 * of a trace alone (the rules, no expectations). 0, or -1 out of memory. */
int sim_judge_begin(sim_judge_t *j, const scn_t *scn);
/* Every event of the run, in order (a sim_tr_sink_fn with j as context). */
void sim_judge_event(void *j, const sim_tr_ev_t *ev);
/* A sim_tr_prefetch_fn: passes the hint to the oracle. */
void sim_judge_prefetch(void *j, uint32_t sess, uint32_t rec, int stage);
/* The run ended at end_t_ms; driver_failure is what a driver says went
 * wrong that the trace cannot show (a lie answered wrongly), or NULL. */
void sim_judge_finish(sim_judge_t *j, int64_t end_t_ms, const char *driver_failure,
                      sim_verdict_t *out);
const orc_t *sim_judge_oracle(const sim_judge_t *j);
/* The last event's time (a trace's end when nothing else says). */
int64_t sim_judge_last_t_ms(const sim_judge_t *j);

/* The verdict's details, indented under a PASS/FAIL line: each violation
 * with its session, time and trace lines; each failed expectation; with
 * notes, the assumptions that did not hold. */
void sim_verdict_print(FILE *f, const sim_verdict_t *v, const orc_t *o, bool notes);

#endif
