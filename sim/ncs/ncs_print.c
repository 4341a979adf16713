/* ncs_print.c -- an NCS verdict as text: what is proved, what is possible,
 * what the log says in passing, and which rules it decided and which it
 * could not, with why. Findings point at LOG:LINE (or APILOG:LINE), the
 * form editors and CI annotations jump to. */
#include "ncs_judge_impl.h"

#include <inttypes.h>

/* Why each rule cannot be decided from callbacks (and the API log). */
static const char *const UNDECIDED_WHY[15] = {
    [1] = "a kill and a disconnect look alike in callbacks, and detection is not notified",
    [2] = "only the reconnect's outer bound shows: detection and the link's return are "
          "not notified",
    [6] = "needs the API log (--api): which calls got 404 and when",
    [10] = "the session did not end abnormally in this log",
    [11] = "replacement attempts are not notified",
    [12] = "needs the API log (--api): when a stop was accepted",
    [13] = "needs the API log (--api): when the start was accepted",
    [14] = "slices are not notified one by one (recorder_slice_start comes only when "
           "slicing starts)",
};

static void where(FILE *f, const ncs_finding_t *x, const char *log, const char *api)
{
    if (x->line != 0)
        fprintf(f, "%s:%" PRIu64 ": ", log, x->line);
    if (x->api_line != 0)
        fprintf(f, "%s:%" PRIu64 ": ", api != NULL ? api : "API", x->api_line);
}

static void findings(FILE *f, const ncs_session_verdict_t *v, ncs_certainty_t c,
                     const char *log, const char *api)
{
    for (uint32_t i = 0; i < v->findings_n; i++) {
        const ncs_finding_t *x = &v->findings[i];
        if (x->certainty != c)
            continue;
        if (x->rule > 0)
            fprintf(f, "  R%-2d ", x->rule);
        else
            fprintf(f, "  log ");
        where(f, x, log, api);
        fprintf(f, "%s\n", x->text);
        if (x->alt != 0) {
            fprintf(f, "       (or");
            for (int r = 1; r <= 14; r++) {
                if (x->alt & (1u << r))
                    fprintf(f, " R%d", r);
            }
            fprintf(f, ": the log shows that one of these broke, not which)\n");
        }
        if (x->rests_on != NULL)
            fprintf(f, "       (rests on %s)\n", x->rests_on);
    }
}

void ncs_verdict_print(FILE *f, const ncs_session_verdict_t *v, const char *log, const char *api)
{
    uint32_t proved = ncs_verdict_count(v, NCS_PROVED);
    uint32_t possible = ncs_verdict_count(v, NCS_POSSIBLE);
    fprintf(f, "%s  session %s (channel %s): %" PRIu64 " notices, %" PRIu32 " recording%s, %"
               PRIu32 " switch%s, ",
            proved ? "FAIL" : "PASS", v->sid, v->cname, v->notices, v->recordings,
            v->recordings == 1 ? "" : "s", v->switches, v->switches == 1 ? "" : "es");
    if (v->exit_status < 0)
        fprintf(f, "no session_exit");
    else
        fprintf(f, "ended %s", v->exit_status == 0 ? "normally" : "abnormally");
    if (api != NULL)
        fprintf(f, ", %" PRIu32 " API calls", v->api_calls);
    fputc('\n', f);
    if (!v->complete)
        fprintf(f, "  the log has holes: %" PRIu64 " sequence number%s missing (NCS lost "
                   "them, or the log was cut); what rests on a notice being absent is only "
                   "possible\n",
                v->missing, v->missing == 1 ? "" : "s");
    if (proved) {
        fprintf(f, "  violations (proved by the log):\n");
        findings(f, v, NCS_PROVED, log, api);
    }
    if (possible) {
        fprintf(f, "  possible violations (the log allows them, but does not prove them):\n");
        findings(f, v, NCS_POSSIBLE, log, api);
    }
    if (ncs_verdict_count(v, NCS_INFO) > 0) {
        fprintf(f, "  notes:\n");
        findings(f, v, NCS_INFO, log, api);
    }
    if (v->findings_over > 0)
        fprintf(f, "  ... and %" PRIu64 " more findings not kept\n", v->findings_over);
    fprintf(f, "  decided from this log:");
    for (int r = 1; r <= 14; r++) {
        if (v->decided[r])
            fprintf(f, " R%d", r);
    }
    fprintf(f, "\n  not decidable from it:\n");
    for (int r = 1; r <= 14; r++) {
        if (!v->decided[r] && UNDECIDED_WHY[r] != NULL)
            fprintf(f, "    R%-2d %s\n", r, UNDECIDED_WHY[r]);
    }
}
