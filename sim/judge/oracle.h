/* oracle.h -- judges one run against the HA contract, from its trace alone.
 *
 * The oracle reads the events of a run in trace order (the simulator feeds
 * them in process; `hasim check` feeds them from a JSONL file) and decides,
 * for each rule R1-R14 of the contract, whether the center's decisions (C
 * lines) were right given the world's facts (W lines). It computes what is
 * expected -- windows, deadlines, file names, UIDs -- by itself, from
 * oracle_contract.h and oracle_names.h, never by calling the center.
 *
 * Findings are of two sorts. A violation: the center broke a rule. A note:
 * an assumption of the contract about the environment (A1-A4) did not hold,
 * so a bound that depends on it is reported instead of judged.
 *
 * Line numbers are 1-based positions of events in the trace: the oracle
 * counts the events it is given, so they match a trace file's lines.
 *
 * Memory: tables grow when a run is bigger than any before and are kept
 * across orc_reset(), so judging run after run allocates nothing.
 */
#ifndef SIM_ORACLE_H
#define SIM_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace/trace.h"

/* Rule ids of findings. 1..ORC_CONTRACT_RULES are the contract's R1..R14
 * (src/CONTRACT.md). */
#define ORC_CONTRACT_RULES 14
#define ORC_RULE_EXPECT 0 /* an api line's `expect` (the scenario's) was not met */
#define ORC_RULE_NCS 15   /* callback integrity: seq per session, notice ids unique */
#define ORC_RULE_TRACE 16 /* the trace contradicts itself (unknown session, ...) */
#define ORC_RULES 17

#define ORC_ASSUMPTIONS 5 /* A1..A4; index 0 unused */

#define ORC_MSG_MAX 240
#define ORC_KEPT_MAX 64 /* violations (and notes) stored; the rest are counted */

typedef struct {
    int rule;          /* ORC_RULE_* or 1..ORC_CONTRACT_RULES */
    uint32_t sess;     /* 1-based, 0 when not about one session */
    int64_t t_ms;      /* when the rule was broken */
    uint64_t lines[4]; /* evidence: 1-based trace lines, 0 unused */
    char msg[ORC_MSG_MAX];
} orc_violation_t;

typedef struct {
    int assumption;    /* 1..4: A1..A4 */
    uint32_t sess;
    int64_t t_ms;
    uint64_t lines[4];
    char msg[ORC_MSG_MAX];
} orc_note_t;

/* One activation (or the 4th fault, k == 3, which gives up at once). */
typedef struct {
    uint32_t sess;
    int k;              /* 0, 1, 2; 3 for the fault that gave up */
    int cause;          /* sim_cause_t */
    int64_t t_fault;    /* the world's fault (kill, disconnect, crash); -1 unknown */
    int64_t t_detect;
    int64_t t_switch;   /* first switch to another server, -1 none */
    int64_t t_resume;   /* -1 never */
    bool same_server;   /* resumed on the server that failed (a reconnect) */
    int64_t t_end;      /* the session ended during the activation, else -1 */
    int64_t window_404_ms; /* detection to resume or end; -1 still open at finish */
    uint32_t attempts;  /* switches in this activation */
    unsigned assumptions; /* bit a set: assumption Aa broke during it (a note):
                           * its timing is the environment's, not the rule's */
} orc_activation_t;

typedef struct orc orc_t;

orc_t *orc_new(void);
void orc_free(orc_t *o);
/* Forgets the run, keeps the memory. */
void orc_reset(orc_t *o);

/* Feeds the next event of the trace. */
void orc_event(orc_t *o, const sim_tr_ev_t *ev);
/* The same, as a sim_tr_sink_fn: ctx is the orc_t. */
void orc_sink(void *ctx, const sim_tr_ev_t *ev);
/* A cache hint (sim_tr_prefetch_fn): the next events are likely about
 * session sess and recorder rec; stage is a sim_prefetch_stage_t.
 * Changes nothing. */
void orc_prefetch(const orc_t *o, uint32_t sess, uint32_t rec, int stage);
/* End of the run at end_t_ms: judges what was still pending. A bound that
 * the run ended too early to judge is counted by orc_unjudged(). */
void orc_finish(orc_t *o, int64_t end_t_ms);

/* Stored findings, in the order found, and their full counts. */
const orc_violation_t *orc_violations(const orc_t *o, size_t *n);
const orc_note_t *orc_notes(const orc_t *o, size_t *n);
uint64_t orc_violation_count(const orc_t *o);
uint64_t orc_note_count(const orc_t *o);
/* Violations of one rule (all, not only the stored). */
uint64_t orc_violated(const orc_t *o, int rule);
/* How many times a rule was actually checked in this run. */
uint64_t orc_checked(const orc_t *o, int rule);
/* Bounds still open when the run ended before they were due. */
uint64_t orc_unjudged(const orc_t *o);
/* Events seen. */
uint64_t orc_lines(const orc_t *o);

const orc_activation_t *orc_activations(const orc_t *o, size_t *n);

/* The stored violations grouped by their first cause: per session (and one
 * group for those about no session), the earliest violation -- at equal
 * times, a broken contract rule before an expectation, a callback or a
 * trace inconsistency -- and how many more of the session's stored
 * violations came with it (its consequences, or further mistakes; a person
 * fixes the first and looks again). Groups are in the order of their first
 * cause's time. */
typedef struct {
    size_t first;        /* index in orc_violations() */
    uint32_t sess;
    uint32_t more;       /* other stored violations of the session */
    uint32_t more_rules; /* bit r set: rule r among them */
} orc_group_t;
#define ORC_GROUPS_MAX ORC_KEPT_MAX
size_t orc_groups(const orc_t *o, orc_group_t *out);

/* "R1".."R14", "EXPECT", "NCS", "TRACE". */
const char *orc_rule_name(int rule);

/* Human-readable report: verdict, violations, notes, activations. */
void orc_print(const orc_t *o, FILE *f);

#endif
