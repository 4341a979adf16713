/* fuzz_run.c -- libFuzzer target: any scenario that parses, run.
 *
 * Parsing alone cannot find the input that parses and then crashes the
 * world (a seed past 2^63-1 once did). Small scenarios are run through the
 * world and the oracle with the real core: a crash, or a broken rule
 * (R1-R12, callbacks, trace consistency) is a finding. The scenario's own
 * `expect` lines may fail -- the fuzzer writes nonsense expectations --
 * and notes (broken environment assumptions) are not findings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "judge/oracle.h"
#include "run/runner.h"
#include "lang/scn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static scn_t *scn;
    static sim_runner_t *runner;
    if (scn == NULL) {
        scn = scn_new();
        runner = sim_runner_new();
    }
    char err[SCN_ERR_SIZE];
    if (scn_parse(scn, (const char *)data, size, "fuzz.scn", err, sizeof(err)) != 0)
        return 0;
    /* Keep runs short: the fuzzer wants many of them. */
    if (scn->sessions > 8 || scn->servers > 16 || scn->end_ms > 2 * 3600 * 1000 ||
        scn->actions_count > 200)
        return 0;
    sim_run_opts_t opts = {.trace = NULL, .fingerprint = false};
    sim_run_result_t res;
    if (sim_runner_run(runner, scn, scn->seed, &opts, &res, err, sizeof(err)) != 0)
        return 0; /* a world too big is an input error, not a crash */
    const orc_t *o = sim_runner_oracle(runner);
    for (int rule = 1; rule < ORC_RULES; rule++) {
        if (orc_violated(o, rule) == 0)
            continue;
        size_t n;
        const orc_violation_t *v = orc_violations(o, &n);
        for (size_t i = 0; i < n; i++) {
            if (v[i].rule != ORC_RULE_EXPECT)
                fprintf(stderr, "fuzz_run: %s\n", v[i].msg);
        }
        abort();
    }
    return 0;
}
