/* bb_junit.c -- hasim drive's verdicts as JUnit XML: a test case per
 * scenario, a failure per proved finding (the rule, the log line), an error
 * for a run that did not happen as planned (exit 2), never a failure. */
#include "bb_drive.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lang/scn.h"
#include "trace/xml_text.h"

static void failures(FILE *f, const bb_result_t *r)
{
    for (size_t i = 0; i < ncs_judge_sessions(r->judge); i++) {
        const ncs_session_verdict_t *v = ncs_judge_verdict(r->judge, i);
        for (uint32_t k = 0; k < v->findings_n; k++) {
            const ncs_finding_t *fd = &v->findings[k];
            if (fd->certainty != NCS_PROVED)
                continue;
            char msg[512];
            snprintf(msg, sizeof(msg), "R%d: %s", fd->rule, fd->text);
            fputs("    <failure type=\"violation\" message=\"", f);
            sim_xml_text(f, msg);
            fprintf(f, "\">%s:%" PRIu64 ": ", r->ncs_log, fd->line);
            sim_xml_text(f, msg);
            fputs("</failure>\n", f);
        }
    }
}

static void testcase(FILE *f, const bb_result_t *r)
{
    fputs("  <testcase classname=\"drive\" name=\"", f);
    sim_xml_text(f, scn_base_name(r->path));
    fputs("\" file=\"", f);
    sim_xml_text(f, r->path);
    fprintf(f, "\" time=\"%.3f\">\n", (double)r->run_ms / 1000.0);
    if (r->rc == 2) {
        fputs("    <error type=\"not judged\" message=\"", f);
        sim_xml_text(f, r->error);
        fputs("\"/>\n", f);
    } else if (r->rc == 1) {
        failures(f, r);
    }
    fputs("  </testcase>\n", f);
}

int bb_write_junit(const char *path, const bb_opts_t *o, const bb_result_t *rs, size_t n)
{
    (void)o;
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "%s: error: cannot write\n", path);
        return 2;
    }
    size_t failed = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        failed += rs[i].rc == 1;
        errors += rs[i].rc == 2;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuite name=\"hasim drive\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
            n, failed, errors);
    for (size_t i = 0; i < n; i++)
        testcase(f, &rs[i]);
    fputs("</testsuite>\n", f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: error: cannot write\n", path);
        return 2;
    }
    return 0;
}
