/* bb_drive.h -- a scenario run against a live deployment, judged from what
 * a customer sees of it (hasim drive; docs/blackbox.md).
 *
 * The scenario's API calls go to the target's REST API at their times (the
 * run's clock: the wall clock from the moment the driver starts, so under
 * libfaketime the target's accelerated one when the two share it); each
 * fault runs its FAULTS.conf command; the polling client of the integration
 * guide queries every started session (5 s after its start, then every
 * 2 min, 5/10/15 s after a 404); callbacks arrive on the driver's own
 * endpoint. Everything is logged as `hasim run --ncs-dir` logs it -- the
 * callbacks as NCS delivered them (NAME.ncs.jsonl), the calls with their
 * answers and times (NAME.api.jsonl) -- and judged by the NCS judge
 * (ncs/ncs_judge.h), so `hasim check --ncs` and `hasim import` take the
 * same files.
 *
 * Never a verdict on a run that did not happen as planned: a target that
 * does not answer, a fault command that fails or outlives its timeout, a run
 * past --timeout: exit 2 with the message.
 */
#ifndef BB_DRIVE_H
#define BB_DRIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bb_faults.h"
#include "bb_listen.h"
#include "ncs/ncs_judge.h"

#define BB_POLL_FIRST_MS 5000    /* the integration guide: query from 5 s after start */
#define BB_POLL_EVERY_MS 120000  /* ... about every 2 minutes */
#define BB_POLL_404_MS 5000      /* ... on a 404, after 5, 10 and 15 s */
#define BB_PROBE_MS 500          /* `after detection`: a query this often after the cut */
#define BB_PROBE_FOR_MS 30000    /* ... until the first 404, at most this long */
#define BB_HEALS_MAX 64
#define BB_SETTLE_MS_DEFAULT 10000
#define BB_TIMEOUT_EXTRA_MS 120000 /* --timeout's default: the scenario's end plus this */
#define BB_MISMATCHES_MAX 64

typedef struct {
    const char *target;
    const bb_faults_t *faults;
    bb_listen_t *listen;
    const char *log_dir;
    int64_t timeout_ms; /* 0: the scenario's end + settle + BB_TIMEOUT_EXTRA_MS */
    int64_t settle_ms;
    int64_t skew_ms;
    int64_t call_timeout_ms; /* one REST call, connection included */
    bool poll, strict, quiet;
} bb_opts_t;

/* A call whose answer was not the scenario's `expect STATUS`. */
typedef struct {
    int line, want, got;
    int64_t t_ms;
} bb_mismatch_t;

/* One scenario's outcome, for the verdict line, JSON and JUnit. */
typedef struct {
    const char *path;
    int rc;                 /* 0 pass, 1 a rule broken, 2 not judged (error) */
    char error[2560];       /* rc 2: why */
    char ncs_log[1024], api_log[1024];
    uint64_t calls, notices;
    int64_t run_ms;
    int64_t rtt_max_ms;
    uint32_t mismatches_n;
    bb_mismatch_t mismatches[BB_MISMATCHES_MAX];
    size_t expects_skipped;
    ncs_judge_t *judge;     /* the verdicts (NULL when rc 2); freed by bb_result_free */
} bb_result_t;

/* Set (to the signal's number) by the command's SIGINT/SIGTERM handler: the
 * run stops at once -- the fault command running killed with its process
 * group, exit 2, no verdict. */
extern volatile sig_atomic_t bb_stop_signal;

/* Drives one scenario and judges it; fills r, prints the verdict. Returns r->rc. */
int bb_drive_scenario(const bb_opts_t *o, const char *scn_path, bb_result_t *r);
void bb_result_free(bb_result_t *r);

/* bb_verdict.c */
int bb_judge_logs(const bb_opts_t *o, bb_result_t *r);
void bb_print_verdict(FILE *f, const bb_opts_t *o, const bb_result_t *r);
int bb_write_json(const char *path, const bb_opts_t *o, const bb_result_t *rs, size_t n);
int bb_write_junit(const char *path, const bb_opts_t *o, const bb_result_t *rs, size_t n);

#endif
