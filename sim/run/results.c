/* results.c -- JSON and JUnit XML from a runner's verdict and its oracle. */
#include "results.h"

#include <inttypes.h>
#include <string.h>

#include "trace/trace_json.h"
#include "ha.h"
#include "world/world.h"

static void json_lines(FILE *f, const uint64_t lines[4])
{
    fputc('[', f);
    bool first = true;
    for (int i = 0; i < 4; i++) {
        if (lines[i] == 0)
            continue;
        fprintf(f, "%s%" PRIu64, first ? "" : ",", lines[i]);
        first = false;
    }
    fputc(']', f);
}

void results_json_run(FILE *f, const char *path, const char *title, const sim_run_result_t *res,
                      const orc_t *o, const char *trace_path, const struct sim_world *w,
                      uint32_t sessions)
{
    fputs("{\"path\":", f);
    sim_json_str(f, path);
    fputs(",\"title\":", f);
    sim_json_str(f, title);
    fprintf(f, ",\"seed\":%" PRIu64 ",\"pass\":%s,\"fingerprint\":\"%016" PRIx64 "\""
               ",\"trace_lines\":%" PRIu64 ",\"events\":%" PRIu64 ",\"end_t_ms\":%" PRId64,
            res->seed, res->verdict.pass ? "true" : "false", res->fingerprint, res->trace_lines,
            res->events, res->end_t_ms);
    fputs(",\"trace\":", f);
    if (trace_path)
        sim_json_str(f, trace_path);
    else
        fputs("null", f);

    size_t n;
    const orc_violation_t *v = orc_violations(o, &n);
    fprintf(f, ",\"violation_count\":%" PRIu64 ",\"violations\":[", orc_violation_count(o));
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"rule\":\"%s\",\"sess\":%" PRIu32 ",\"t_ms\":%" PRId64 ",\"lines\":",
                i ? "," : "", orc_rule_name(v[i].rule), v[i].sess, v[i].t_ms);
        json_lines(f, v[i].lines);
        fputs(",\"msg\":", f);
        sim_json_str(f, v[i].msg);
        fputc('}', f);
    }
    const orc_note_t *nt = orc_notes(o, &n);
    fputs("],\"notes\":[", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"assumption\":\"A%d\",\"sess\":%" PRIu32 ",\"t_ms\":%" PRId64 ",\"lines\":",
                i ? "," : "", nt[i].assumption, nt[i].sess, nt[i].t_ms);
        json_lines(f, nt[i].lines);
        fputs(",\"msg\":", f);
        sim_json_str(f, nt[i].msg);
        fputc('}', f);
    }
    fputs("],\"expect_failures\":", f);
    sim_json_str(f, res->verdict.expect_msgs);
    fputs(",\"checked\":{", f);
    for (int rule = 0; rule < ORC_RULES; rule++)
        fprintf(f, "%s\"%s\":%" PRIu64, rule ? "," : "", orc_rule_name(rule), orc_checked(o, rule));
    fputs("},\"violated\":{", f);
    for (int rule = 0; rule < ORC_RULES; rule++)
        fprintf(f, "%s\"%s\":%" PRIu64, rule ? "," : "", orc_rule_name(rule), orc_violated(o, rule));
    const orc_activation_t *a = orc_activations(o, &n);
    fputs("},\"activations\":[", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f,
                "%s{\"sess\":%" PRIu32 ",\"k\":%d,\"cause\":\"%s\",\"t_fault\":%" PRId64
                ",\"t_detect\":%" PRId64 ",\"t_switch\":%" PRId64 ",\"t_resume\":%" PRId64
                ",\"same_server\":%s,\"t_end\":%" PRId64 ",\"window_404_ms\":%" PRId64
                ",\"attempts\":%" PRIu32 ",\"assumptions\":[",
                i ? "," : "", a[i].sess, a[i].k, ha_cause_name((ha_cause_t)a[i].cause),
                a[i].t_fault, a[i].t_detect, a[i].t_switch, a[i].t_resume,
                a[i].same_server ? "true" : "false", a[i].t_end, a[i].window_404_ms,
                a[i].attempts);
        for (int k = 1, first = 1; k < ORC_ASSUMPTIONS; k++) {
            if (a[i].assumptions & (1u << k)) {
                fprintf(f, "%s\"A%d\"", first ? "" : ",", k);
                first = 0;
            }
        }
        fputs("]}", f);
    }
    fputc(']', f);
    if (w != NULL) {
        fputs(",\"sessions\":", f);
        results_json_sessions(f, w, sessions);
    }
    fputc('}', f);
}

void results_json_sessions(FILE *f, const struct sim_world *w, uint32_t sessions)
{
    fputc('[', f);
    for (uint32_t ws = 0; ws < sessions; ws++) {
        sim_world_session_t v = sim_world_session(w, ws);
        fprintf(f, "%s{\"sess\":%" PRIu32 ",\"state\":\"%s\",\"activations\":%d,\"uid\":%" PRIu32 "}",
                ws ? "," : "", ws + 1, ha_state_name((ha_state_t)v.state), v.activations, v.uid);
    }
    fputc(']', f);
}

void results_json_transitions(FILE *f, const uint64_t *table)
{
    fputs("{\"states\":[", f);
    for (int st = 0; st < HA_ST_COUNT; st++)
        fprintf(f, "%s\"%s\"", st ? "," : "", ha_state_name((ha_state_t)st));
    fputs("],\"events\":[", f);
    for (int e = 0; e < HA_SEV_COUNT; e++)
        fprintf(f, "%s\"%s\"", e ? "," : "", ha_sev_name((ha_sev_t)e));
    fputs("],\"counts\":[", f);
    for (int st = 0; st < HA_ST_COUNT; st++) {
        fputs(st ? ",[" : "[", f);
        for (int e = 0; e < HA_SEV_COUNT; e++)
            fprintf(f, "%s%" PRIu64, e ? "," : "", table[st * HA_SEV_COUNT + e]);
        fputc(']', f);
    }
    fputs("]}", f);
}

void results_json_crash(FILE *f, const char *path, const char *title, uint64_t seed,
                        int signal, const char *what, const char *tail, const char *message,
                        const char *replay, const char *trace_path)
{
    fputs("{\"path\":", f);
    sim_json_str(f, path);
    fputs(",\"title\":", f);
    sim_json_str(f, title);
    fprintf(f, ",\"seed\":%" PRIu64 ",\"pass\":false,\"trace\":", seed);
    if (trace_path)
        sim_json_str(f, trace_path);
    else
        fputs("null", f);
    fprintf(f, ",\"crash\":{\"signal\":%d,\"what\":", signal);
    sim_json_str(f, what);
    fputs(",\"message\":", f);
    sim_json_str(f, message);
    fputs(",\"last_trace_lines\":", f);
    sim_json_str(f, tail);
    fputs(",\"replay\":", f);
    sim_json_str(f, replay);
    fputs("},\"violation_count\":0,\"violations\":[],\"notes\":[],\"expect_failures\":\"\""
          ",\"checked\":{},\"violated\":{},\"activations\":[]}", f);
}

void results_json_malformed(FILE *f, const char *path, int line, int col, const char *err)
{
    fputs("{\"path\":", f);
    sim_json_str(f, path);
    fprintf(f, ",\"line\":%d,\"col\":%d,\"error\":", line, col);
    sim_json_str(f, err);
    fputc('}', f);
}
