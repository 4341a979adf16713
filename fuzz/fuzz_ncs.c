/* fuzz_ncs.c -- libFuzzer target: a callback log (and the same bytes as an
 * API log) as `hasim check --ncs` and `hasim import` read it.
 *
 * Field logs come from anywhere: the reader, the NCS judge and the importer
 * must take any bytes -- a message with a line number, or a verdict and a
 * scenario. A scenario the importer writes for a log it accepted must
 * parse: one that does not is the importer's bug, and aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lang/scn.h"
#include "ncs/ncs_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void scenarios(const ncs_incident_t *in)
{
    char why[256];
    if (!ncs_incident_writable(in, why, sizeof(why)))
        return;
    static ncs_reading_t rs[16];
    size_t n = ncs_readings_all(in, rs, 16);
    for (size_t i = 0; i < n && i < 4; i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (m == NULL)
            return;
        int rc = ncs_scenario_write(m, in, &rs[i], "fuzz");
        fclose(m);
        scn_t *scn = scn_new();
        char err[SCN_ERR_SIZE];
        if (rc == 0 && scn != NULL && scn_parse(scn, text, len, "imported.scn", err,
                                                 sizeof(err)) != 0) {
            fprintf(stderr, "the importer wrote a scenario that does not parse: %s\n%s\n", err,
                    text);
            abort();
        }
        scn_free(scn);
        free(text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    static ncs_incident_t in;
    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
    char err[1024];
    ncs_call_t *calls = NULL;
    size_t calls_n = 0;
    (void)ncs_read_api_mem("api", (const char *)data, size, &calls, &calls_n, err, sizeof(err));
    ncs_judge_opts_t jo = {calls, calls_n, 1000};
    ncs_judge_t *j = ncs_judge_new(&jo);
    ncs_read_opts_t ro = {NULL, devnull};
    ncs_read_stats_t st;
    if (j != NULL &&
        ncs_read_mem("log", (const char *)data, size, &ro, ncs_judge_notice, j, &st, err,
                     sizeof(err)) == 0 &&
        ncs_judge_finish(j)) {
        for (size_t i = 0; i < ncs_judge_sessions(j) && i < 4; i++) {
            ncs_verdict_print(devnull, ncs_judge_verdict(j, i), "log", "api");
            ncs_incident_of(j, i, calls, calls_n, &in);
            scenarios(&in);
        }
    }
    ncs_judge_free(j);
    free(calls);
    return 0;
}
