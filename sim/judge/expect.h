/* expect.h -- a scenario's own end expectations, judged from its trace.
 *
 * `expect activations | exit | file | no file | uid` lines are checked here
 * from the events of the run (the universal rules R1-R14 are the oracle's).
 * `expect violation Rn` is judged against the oracle's verdict by the
 * runner. */
#ifndef SIM_EXPECT_H
#define SIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/scn.h"
#include "trace/trace.h"

typedef struct sim_expect sim_expect_t;

sim_expect_t *sim_expect_new(void);
void sim_expect_free(sim_expect_t *x);
/* Prepares for a run of scn (which must outlive the run). */
int sim_expect_begin(sim_expect_t *x, const scn_t *scn);
void sim_expect_event(sim_expect_t *x, const sim_tr_ev_t *ev);
/* Checks every expectation but `violation`; writes one line per failed one
 * into out (FILE:LINE:COL: expectation failed: ...), returns how many failed. */
int sim_expect_finish(sim_expect_t *x, char *out, size_t out_cap);
/* The run's verdict from the oracle and the expectations: each `expect
 * violation Rn` must find Rn broken (a failure added to *expect_failed and a
 * line to msgs otherwise), and the rules it names are not held against the
 * run. Returns the violations that count. */
struct orc;
uint64_t sim_expect_verdict(const scn_t *scn, const struct orc *o, int *expect_failed,
                            char *msgs, size_t msgs_cap);
/* Activations seen for session (1-based), for summaries; 0 for a session
 * no expectation is about (nothing is kept for it). */
uint32_t sim_expect_activations(const sim_expect_t *x, uint32_t sess);

#endif
