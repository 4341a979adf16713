/* bb_plan.h -- a scenario as what a black-box driver does: API calls and
 * fault commands at times of the run, per session, or a refusal naming the
 * line the driver cannot carry out against a deployment it reaches only
 * through its REST API and the operator's fault commands.
 *
 * What cannot be expressed (docs/blackbox.md lists each with why):
 *  - `set hostile`: lies told to the core from inside its own driver;
 *  - other `set` lines and `servers`: the deployment's own properties
 *    (start-up latencies, I-frame interval, ...), unless FAULTS.conf says
 *    `world scenario` (the target was started with this scenario's world,
 *    as `hasim-rt --serve SCENARIO` is);
 *  - a fault FAULTS.conf has no command for (kill, disconnect/heal, crash
 *    host, provision-fail, join/leave).
 * `disconnect for D after detection` is carried out with the detection a
 * client sees: the driver queries the session every BB_PROBE_MS after the
 * cut, and the first 404 is the detection (at most BB_PROBE_FOR_MS; then
 * the heal comes D after that). End `expect` lines and `sid` are the
 * simulator's: not judged, said so in the output.
 */
#ifndef BB_PLAN_H
#define BB_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bb_faults.h"
#include "lang/scn.h"

#define BB_SESSIONS_MAX 256       /* sessions of one scenario driven at once (hasim-rt: RT_SESSIONS_MAX) */
#define BB_STEPS_MAX (SCN_ACTIONS_MAX * 4)
#define BB_UID_DEFAULT 1000000    /* the simulator's first recording UID (scenario-language.md) */

typedef struct {
    int64_t at_ms;
    scn_act_kind_t kind;
    uint32_t session;      /* 1-based; 0 for crash host, provision-fail */
    int expect_status;     /* 0 none */
    int64_t heal_ms;       /* DISCONNECT: -1 never */
    bool heal_after_detection;
    uint32_t host, count, uid;
    int64_t step_ms;       /* STEP_CLOCK: the jump, +-ms */
    int line, col;
} bb_step_t;

typedef struct {
    char cname[SCN_CNAME_SIZE];
    uint32_t uid;
} bb_session_plan_t;

typedef struct {
    const scn_t *scn;
    const char *mode_path; /* "mix", "individual", "web" */
    uint32_t sessions;
    bb_session_plan_t sess[BB_SESSIONS_MAX];
    bb_step_t steps[BB_STEPS_MAX];
    size_t steps_n;
    int64_t end_ms;
    size_t expects_skipped; /* end expectations, the simulator's */
} bb_plan_t;

/* The FAULTS.conf command an action needs (a bb_fault_t), or -1 for an
 * API call or the end. */
int bb_fault_of(scn_act_kind_t k);

/* 0, or 2 with err "SCN:LINE:COL: error: ..." naming what cannot be driven. */
int bb_plan_make(bb_plan_t *p, const scn_t *scn, const bb_faults_t *f, char *err, size_t cap);

#endif
