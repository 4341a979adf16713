/* bb_verdict.c -- the observable log judged by the NCS judge, and the
 * verdict printed as `hasim run` prints its own, with JSON and JUnit. */
#include "bb_drive.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lang/scn.h"

int bb_judge_logs(const bb_opts_t *o, bb_result_t *r)
{
    ncs_call_t *calls = NULL;
    size_t calls_n = 0;
    char err[1024];
    if (ncs_read_api(r->api_log, &calls, &calls_n, err, sizeof(err)) != 0) {
        snprintf(r->error, sizeof(r->error), "%s", err);
        return 2;
    }
    /* A call's answer was given somewhere between its sending and its
     * return: the service gets the longest round trip as benefit. */
    ncs_judge_opts_t jo = {calls, calls_n, o->skew_ms + r->rtt_max_ms};
    r->judge = ncs_judge_new(&jo);
    ncs_read_stats_t st;
    int rc = r->judge == NULL ? 2 : 0;
    if (rc == 0) {
        ncs_read_opts_t ro = {NULL, NULL};
        rc = ncs_read_file(r->ncs_log, &ro, ncs_judge_notice, r->judge, &st, err, sizeof(err));
    }
    free(calls);
    if (rc != 0) {
        snprintf(r->error, sizeof(r->error), "%s", r->judge == NULL ? "out of memory" : err);
        return 2;
    }
    r->notices = st.notices;
    if (!ncs_judge_finish(r->judge)) {
        snprintf(r->error, sizeof(r->error), "%s: error: more than %d sessions", r->ncs_log,
                 NCS_JUDGE_SESSIONS);
        return 2;
    }
    if (ncs_judge_sessions(r->judge) == 0) {
        snprintf(r->error, sizeof(r->error),
                 "%s: error: no callback arrived (is the target's notification URL the "
                 "driver's --notify-listen endpoint?): nothing to judge", r->ncs_log);
        return 2;
    }
    for (size_t i = 0; i < ncs_judge_sessions(r->judge); i++) {
        const ncs_session_verdict_t *v = ncs_judge_verdict(r->judge, i);
        if (ncs_verdict_count(v, NCS_PROVED) > 0 ||
            (o->strict && ncs_verdict_count(v, NCS_POSSIBLE) > 0))
            return 1;
    }
    return 0;
}

static void hms(char *out, size_t cap, int64_t ms)
{
    scn_duration_format(ms < 0 ? 0 : ms, out, cap);
}

void bb_print_verdict(FILE *f, const bb_opts_t *o, const bb_result_t *r)
{
    if (r->rc == 2) {
        fprintf(f, "ERROR  %s  (not judged: the run did not happen as planned)\n  %s\n", r->path,
                r->error);
        return;
    }
    if (o->quiet && r->rc == 0)
        return;
    size_t n = ncs_judge_sessions(r->judge);
    fprintf(f, "%s  %s  (target %s, %zu session%s judged, %" PRIu64 " calls, %" PRIu64
               " notices, %" PRId64 " ms of run time)\n",
            r->rc == 0 ? "PASS" : "FAIL", r->path, o->target, n, n == 1 ? "" : "s", r->calls,
            r->notices, r->run_ms);
    for (size_t i = 0; i < n; i++) {
        const ncs_session_verdict_t *v = ncs_judge_verdict(r->judge, i);
        if (!o->quiet || ncs_verdict_count(v, NCS_PROVED) > 0)
            ncs_verdict_print(f, v, r->ncs_log, r->api_log);
    }
    if (r->mismatches_n > 0)
        fprintf(f, "  answers other than the scenario's `expect STATUS` (its simulated timing; "
                   "not a rule of the contract):\n");
    for (uint32_t i = 0; i < r->mismatches_n; i++) {
        char t[32];
        hms(t, sizeof(t), r->mismatches[i].t_ms);
        fprintf(f, "    %s:%d: expected %d, got %d at %s\n", r->path, r->mismatches[i].line,
                r->mismatches[i].want, r->mismatches[i].got, t);
    }
    if (r->expects_skipped > 0 && !o->quiet)
        fprintf(f, "  not judged here: %zu end expectation%s (the simulator's: hasim run)\n",
                r->expects_skipped, r->expects_skipped == 1 ? "" : "s");
    fprintf(f, "  logs: %s %s\n", r->ncs_log, r->api_log);
}

void bb_result_free(bb_result_t *r)
{
    ncs_judge_free(r->judge);
    r->judge = NULL;
}

/* ---- JSON ----------------------------------------------------------------------- */

static json_t *findings_json(const ncs_session_verdict_t *v)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < v->findings_n; i++) {
        const ncs_finding_t *fd = &v->findings[i];
        if (fd->certainty == NCS_INFO)
            continue;
        json_array_append_new(
            a, json_pack("{s:i, s:s, s:I, s:I, s:s}", "rule", fd->rule, "certainty",
                         fd->certainty == NCS_PROVED ? "proved" : "possible", "line",
                         (json_int_t)fd->line, "api_line", (json_int_t)fd->api_line, "text",
                         fd->text));
    }
    return a;
}

static json_t *result_json(const bb_result_t *r)
{
    json_t *o = json_pack("{s:s, s:b, s:i, s:I, s:I, s:I, s:s, s:s}", "path", r->path, "pass",
                          r->rc == 0, "exit", r->rc, "calls", (json_int_t)r->calls, "notices",
                          (json_int_t)r->notices, "run_ms", (json_int_t)r->run_ms, "ncs_log",
                          r->ncs_log, "api_log", r->api_log);
    if (r->rc == 2)
        json_object_set_new(o, "error", json_string(r->error));
    json_t *sessions = json_array();
    for (size_t i = 0; r->judge != NULL && i < ncs_judge_sessions(r->judge); i++) {
        const ncs_session_verdict_t *v = ncs_judge_verdict(r->judge, i);
        json_array_append_new(sessions, json_pack("{s:s, s:i, s:o}", "sid", v->sid, "recordings",
                                                  (int)v->recordings, "findings",
                                                  findings_json(v)));
    }
    json_object_set_new(o, "sessions", sessions);
    json_t *mm = json_array();
    for (uint32_t i = 0; i < r->mismatches_n; i++)
        json_array_append_new(mm, json_pack("{s:i, s:i, s:i, s:I}", "line", r->mismatches[i].line,
                                            "expected", r->mismatches[i].want, "got",
                                            r->mismatches[i].got, "t_ms",
                                            (json_int_t)r->mismatches[i].t_ms));
    json_object_set_new(o, "expect_mismatches", mm);
    return o;
}

int bb_write_json(const char *path, const bb_opts_t *o, const bb_result_t *rs, size_t n)
{
    json_t *runs = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(runs, result_json(&rs[i]));
    json_t *doc = json_pack("{s:s, s:s, s:o}", "tool", "hasim drive", "target", o->target,
                            "runs", runs);
    /* whole or not at all: a temporary file renamed */
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int rc = doc != NULL && json_dump_file(doc, tmp, JSON_INDENT(1)) == 0 && rename(tmp, path) == 0
                 ? 0
                 : 2;
    json_decref(doc);
    if (rc != 0)
        fprintf(stderr, "%s: error: cannot write\n", path);
    return rc;
}
