/* judge.c -- the oracle and a scenario's expectations, combined into one
 * verdict (judge.h says why there is one place for it). */
#include "judge.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "judge/expect.h"

struct sim_judge {
    orc_t *oracle;
    sim_expect_t *expect;
    const scn_t *scn; /* NULL: a trace alone */
    int64_t last_t_ms;
};

sim_judge_t *sim_judge_new(void)
{
    sim_judge_t *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return NULL;
    j->oracle = orc_new();
    j->expect = sim_expect_new();
    if (j->oracle == NULL || j->expect == NULL) {
        sim_judge_free(j);
        return NULL;
    }
    return j;
}

void sim_judge_free(sim_judge_t *j)
{
    if (j == NULL)
        return;
    orc_free(j->oracle);
    sim_expect_free(j->expect);
    free(j);
}

int sim_judge_begin(sim_judge_t *j, const scn_t *scn)
{
    orc_reset(j->oracle);
    j->scn = scn;
    j->last_t_ms = 0;
    return scn != NULL ? sim_expect_begin(j->expect, scn) : 0;
}

void sim_judge_event(void *ctx, const sim_tr_ev_t *ev)
{
    sim_judge_t *j = ctx;
    if (ev->t_ms > j->last_t_ms)
        j->last_t_ms = ev->t_ms;
    orc_event(j->oracle, ev);
    if (j->scn != NULL)
        sim_expect_event(j->expect, ev);
}

void sim_judge_prefetch(void *ctx, uint32_t sess, uint32_t rec, int stage)
{
    const sim_judge_t *j = ctx;
    orc_prefetch(j->oracle, sess, rec, stage);
}

static void add_msg(sim_verdict_t *v, const char *where, const char *msg)
{
    size_t used = strlen(v->expect_msgs);
    snprintf(v->expect_msgs + used, sizeof(v->expect_msgs) - used, "%s: %s\n", where, msg);
}

void sim_judge_finish(sim_judge_t *j, int64_t end_t_ms, const char *driver_failure,
                      sim_verdict_t *out)
{
    memset(out, 0, sizeof(*out));
    orc_finish(j->oracle, end_t_ms);
    if (j->scn == NULL) {
        out->violations = orc_violation_count(j->oracle);
    } else {
        out->expect_failed = sim_expect_finish(j->expect, out->expect_msgs,
                                               sizeof(out->expect_msgs));
        out->violations = sim_expect_verdict(j->scn, j->oracle, &out->expect_failed,
                                             out->expect_msgs, sizeof(out->expect_msgs));
    }
    if (driver_failure != NULL) {
        /* The center mishandled input a driver must not send: a failed
         * check of the run, reported with the expectations. */
        out->expect_failed++;
        add_msg(out, j->scn != NULL && j->scn->path[0] ? j->scn->path : "<scenario>",
                driver_failure);
    }
    out->pass = out->violations == 0 && out->expect_failed == 0;
}

const orc_t *sim_judge_oracle(const sim_judge_t *j) { return j->oracle; }
int64_t sim_judge_last_t_ms(const sim_judge_t *j) { return j->last_t_ms; }

static void print_violation(FILE *f, const orc_violation_t *v)
{
    fprintf(f, "      %s [session %" PRIu32 ", t=%" PRId64 " ms, trace lines", v->msg, v->sess,
            v->t_ms);
    for (int l = 0; l < 4; l++) {
        if (v->lines[l])
            fprintf(f, " %" PRIu64, v->lines[l]);
    }
    fputs("]\n", f);
}

/* "(R4 x2, R8)": which rules the rest of a group broke. */
static void print_more(FILE *f, const orc_group_t *g)
{
    fprintf(f, "        and %" PRIu32 " more in session %" PRIu32 " after it (", g->more, g->sess);
    const char *sep = "";
    for (int r = 0; r < ORC_RULES; r++) {
        if (g->more_rules & (1u << r)) {
            fprintf(f, "%s%s", sep, orc_rule_name(r));
            sep = ", ";
        }
    }
    fputs("): fix the first and run it again\n", f);
}

void sim_verdict_print(FILE *f, const sim_verdict_t *v, const orc_t *o, bool notes)
{
    size_t n;
    const orc_violation_t *vi = orc_violations(o, &n);
    orc_group_t groups[ORC_GROUPS_MAX];
    size_t ng = v->pass ? 0 : orc_groups(o, groups);
    /* The first cause of each session, and how much followed it: one
     * mistake is one line, not thirty. */
    for (size_t k = 0; k < ng; k++) {
        print_violation(f, &vi[groups[k].first]);
        if (groups[k].more > 0)
            print_more(f, &groups[k]);
    }
    if (!v->pass && orc_violation_count(o) > n)
        fprintf(f, "      (%" PRIu64 " violations in all; the first %zu kept)\n",
                orc_violation_count(o), n);
    /* Each failed expectation on a line of its own, indented like the
     * violations above it. */
    for (const char *m = v->expect_msgs; *m != '\0';) {
        size_t len = strcspn(m, "\n");
        fprintf(f, "      %.*s\n", (int)len, m);
        m += len + (m[len] == '\n');
    }
    const orc_note_t *nt = orc_notes(o, &n);
    for (size_t k = 0; k < n && notes; k++)
        fprintf(f, "      note A%d: %s\n", nt[k].assumption, nt[k].msg);
}
