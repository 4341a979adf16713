/* junit.c -- JUnit XML: a test case per scenario, a failure per first cause. */
#include "junit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "trace/xml_text.h"

void junit_begin(FILE *f, const char *suite, const junit_totals_t *t)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"", f);
    sim_xml_text(f, suite);
    fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"0\" time=\"%.3f\">\n",
            t->tests, t->failures, t->errors, t->time_s);
}

void junit_end(FILE *f) { fputs("</testsuite>\n</testsuites>\n", f); }

int junit_scn_line(const scn_t *scn, int rule, uint32_t sess, int64_t t_ms)
{
    int line = 0;
    for (size_t i = 0; i < scn->actions_count; i++) {
        const scn_action_t *a = &scn->actions[i];
        if (a->at_ms > t_ms)
            break;
        if (a->kind == SCN_ACT_END || (sess != 0 && a->session != 0 && a->session != sess))
            continue;
        /* A failed expectation of a call points at the call itself. */
        if (rule == ORC_RULE_EXPECT && a->expect_status != 0 && a->at_ms == t_ms)
            return a->line;
        line = a->line;
    }
    return line > 0 ? line : 1;
}

/* The scenario's name in a report: its file's base name without ".scn". */
static void case_open(FILE *f, const char *classname, const char *path, const char *file,
                      int line, double time_s)
{
    const char *base = scn_base_name(path);
    size_t len = scn_stem_len(base);
    fprintf(f, "  <testcase classname=\"%s\" name=\"", classname);
    char name[SCN_PATH_SIZE];
    snprintf(name, sizeof(name), "%.*s", (int)len, base);
    sim_xml_text(f, name);
    fputc('"', f);
    if (file != NULL) {
        fputs(" file=\"", f);
        sim_xml_text(f, file);
        fprintf(f, "\" line=\"%d\"", line);
    }
    fprintf(f, " time=\"%.3f\">", time_s);
}

static void failure_open(FILE *f, const char *type, const char *message, const char *file,
                         int line)
{
    fputs("\n    <failure type=\"", f);
    sim_xml_text(f, type);
    fputs("\" message=\"", f);
    sim_xml_text(f, message);
    fputc('"', f);
    if (file != NULL) {
        fputs(" file=\"", f);
        sim_xml_text(f, file);
        fprintf(f, "\" line=\"%d\"", line);
    }
    fputc('>', f);
}

static void end_failure(FILE *f, const char *replay)
{
    fputc('\n', f);
    sim_xml_text(f, replay);
    fputs("</failure>", f);
}

static bool expected_rule(const scn_t *scn, int rule)
{
    for (size_t i = 0; i < scn->expects_count; i++) {
        if (scn->expects[i].kind == SCN_EXP_VIOLATION && scn->expects[i].rule == rule)
            return true;
    }
    return false;
}

/* Does group g hold a violation the scenario does not expect? */
static bool group_counts(const scn_t *scn, const orc_group_t *g, const orc_violation_t *first)
{
    if (!expected_rule(scn, first->rule))
        return true;
    for (int r = 0; r < ORC_RULES; r++) {
        if ((g->more_rules & (1u << r)) && !expected_rule(scn, r))
            return true;
    }
    return false;
}

/* The line an expectation message names ("PATH:LINE:COL: ..."), else 1. */
static int expect_msg_line(const scn_t *scn, const char *msg)
{
    size_t n = strlen(scn->path);
    if (n == 0 || strncmp(msg, scn->path, n) != 0 || msg[n] != ':')
        return 1;
    int line = atoi(msg + n + 1);
    return line > 0 ? line : 1;
}

/* Failures of a failed run, in order: the groups, then the expectations.
 * With f NULL only counts them and finds the first one's line. */
static unsigned scenario_failures(FILE *f, const scn_t *scn, const sim_run_result_t *res,
                                  const orc_t *o, int *first_line)
{
    size_t n;
    const orc_violation_t *v = orc_violations(o, &n);
    orc_group_t g[ORC_GROUPS_MAX];
    size_t ng = orc_groups(o, g);
    unsigned count = 0;
    char replay[SCN_PATH_SIZE + 96];
    snprintf(replay, sizeof(replay), "replay: hasim run --seed %" PRIu64 " --trace t.jsonl %s",
             res->seed, scn->path);
    for (size_t k = 0; k < ng; k++) {
        const orc_violation_t *x = &v[g[k].first];
        if (!group_counts(scn, &g[k], x))
            continue;
        int line = junit_scn_line(scn, x->rule, x->sess, x->t_ms);
        if (count++ == 0)
            *first_line = line;
        if (f == NULL)
            continue;
        failure_open(f, orc_rule_name(x->rule), x->msg, scn->path, line);
        sim_xml_text(f, scn->path);
        fprintf(f, ":%d: ", line);
        sim_xml_text(f, x->msg);
        fprintf(f, "\nsession %" PRIu32 ", t=%" PRId64 " ms, trace lines", x->sess, x->t_ms);
        for (int l = 0; l < 4; l++) {
            if (x->lines[l])
                fprintf(f, " %" PRIu64, x->lines[l]);
        }
        if (g[k].more > 0) {
            fprintf(f, "\nand %" PRIu32 " more in session %" PRIu32 " after it (", g[k].more,
                    g[k].sess);
            const char *sep = "";
            for (int r = 0; r < ORC_RULES; r++) {
                if (g[k].more_rules & (1u << r)) {
                    fprintf(f, "%s%s", sep, orc_rule_name(r));
                    sep = ", ";
                }
            }
            fputs("): fix the first and run it again", f);
        }
        end_failure(f, replay);
    }
    /* One line per failed `expect` (and a driver's failure). */
    for (const char *m = res->verdict.expect_msgs; *m != '\0';) {
        size_t len = strcspn(m, "\n");
        char one[1024];
        snprintf(one, sizeof(one), "%.*s", (int)len, m);
        m += len + (m[len] == '\n');
        int line = expect_msg_line(scn, one);
        if (count++ == 0)
            *first_line = line;
        if (f == NULL)
            continue;
        failure_open(f, "expect", one, scn->path, line);
        sim_xml_text(f, one);
        end_failure(f, replay);
    }
    if (count == 0 && !res->verdict.pass) {
        /* Violations counted but none kept: still a failure, on line 1. */
        count = 1;
        if (f != NULL) {
            failure_open(f, "violation", "the run failed", scn->path, 1);
            fprintf(f, "%" PRIu64 " violations", orc_violation_count(o));
            end_failure(f, replay);
        }
    }
    return count;
}

void junit_scenario(FILE *f, const scn_t *scn, const sim_run_result_t *res, const orc_t *o,
                    double time_s, junit_totals_t *t)
{
    int line = 1;
    unsigned failures = res->verdict.pass ? 0 : scenario_failures(NULL, scn, res, o, &line);
    case_open(f, "hasim.run", scn->path, scn->path, line, time_s);
    if (failures > 0)
        scenario_failures(f, scn, res, o, &line);
    fputs(failures > 0 ? "\n  </testcase>\n" : "</testcase>\n", f);
    t->tests++;
    t->failures += failures > 0;
    t->time_s += time_s;
}

void junit_crash(FILE *f, const scn_t *scn, int line, double time_s, const char *what,
                 const char *tail, const char *message, const char *replay, junit_totals_t *t)
{
    case_open(f, "hasim.run", scn->path, scn->path, line, time_s);
    char msg[512];
    snprintf(msg, sizeof(msg), "the run crashed: %s", what);
    failure_open(f, "crash", msg, scn->path, line);
    sim_xml_text(f, scn->path);
    fprintf(f, ":%d: ", line);
    sim_xml_text(f, msg);
    fputc('\n', f);
    if (message != NULL && message[0] != '\0') {
        sim_xml_text(f, message);
        fputc('\n', f);
    }
    fputs("last trace lines:\n", f);
    sim_xml_text(f, tail);
    fputs("replay: ", f);
    sim_xml_text(f, replay);
    fputs("</failure>\n  </testcase>\n", f);
    t->tests++;
    t->failures++;
    t->time_s += time_s;
}

void junit_malformed(FILE *f, const char *path, int line, const char *err, junit_totals_t *t)
{
    case_open(f, "hasim.run", path, path, line > 0 ? line : 1, 0.0);
    fputs("\n    <error type=\"malformed\" message=\"", f);
    sim_xml_text(f, err);
    fprintf(f, "\" file=\"");
    sim_xml_text(f, path);
    fprintf(f, "\" line=\"%d\">", line > 0 ? line : 1);
    sim_xml_text(f, err);
    fputs("</error>\n  </testcase>\n", f);
    t->tests++;
    t->errors++;
}

void junit_search_failure(FILE *f, const char *classname, const char *name, const char *file,
                          int line, double time_s, const char *rule, const char *msg,
                          const char *replay, const char *shrunk, const char *shrink_note,
                          junit_totals_t *t)
{
    case_open(f, classname, name, file, line, time_s);
    failure_open(f, rule, msg, file, line);
    sim_xml_text(f, msg);
    fputs("\nreplay: ", f);
    sim_xml_text(f, replay);
    if (shrink_note != NULL && shrink_note[0] != '\0') {
        fputc('\n', f);
        sim_xml_text(f, shrink_note);
    }
    if (shrunk != NULL) {
        fputs("\nshrunk scenario (a regression test: it must pass on a fixed core):\n", f);
        sim_xml_text(f, shrunk);
    }
    fputs("</failure>", f);
    if (shrunk != NULL) {
        fputs("\n    <system-out>", f);
        sim_xml_text(f, shrunk);
        fputs("</system-out>", f);
    }
    fputs("\n  </testcase>\n", f);
    t->tests++;
    t->failures++;
    t->time_s += time_s;
}

void junit_search_pass(FILE *f, const char *classname, const char *name, double time_s,
                       junit_totals_t *t)
{
    case_open(f, classname, name, NULL, 0, time_s);
    fputs("</testcase>\n", f);
    t->tests++;
    t->time_s += time_s;
}
