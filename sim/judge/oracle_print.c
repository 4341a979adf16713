/* oracle_print.c -- the oracle's findings, for a person.
 *
 * Only the public accessors are used, so what is printed is exactly what a
 * caller of oracle.h could see.
 */
#include <inttypes.h>

#include "oracle.h"

static void print_lines(FILE *f, const uint64_t lines[4])
{
    const char *sep = " line";

    for (int i = 0; i < 4; i++) {
        if (lines[i] == 0)
            continue;
        fprintf(f, "%s %" PRIu64, sep, lines[i]);
        sep = ",";
    }
}

static void print_time(FILE *f, int64_t t)
{
    if (t < 0)
        fputs("       -", f);
    else
        fprintf(f, " %7" PRId64, t);
}

void orc_print(const orc_t *o, FILE *f)
{
    size_t nv, nn, na;
    const orc_violation_t *v = orc_violations(o, &nv);
    const orc_note_t *nt = orc_notes(o, &nn);
    const orc_activation_t *a = orc_activations(o, &na);
    uint64_t total = orc_violation_count(o);

    fprintf(f, "oracle: %s: %" PRIu64 " violation%s, %" PRIu64 " note%s, %" PRIu64 " events\n",
            total == 0 ? "PASS" : "FAIL", total, total == 1 ? "" : "s", orc_note_count(o),
            orc_note_count(o) == 1 ? "" : "s", orc_lines(o));
    for (size_t i = 0; i < nv; i++) {
        fprintf(f, "  %-6s t=%" PRId64 " ms", orc_rule_name(v[i].rule), v[i].t_ms);
        print_lines(f, v[i].lines);
        fprintf(f, ": %s\n", v[i].msg);
    }
    if (total > nv)
        fprintf(f, "  ... and %" PRIu64 " more violations\n", total - nv);
    if (nn > 0)
        fputs("notes (assumptions of the contract that did not hold):\n", f);
    for (size_t i = 0; i < nn; i++) {
        fprintf(f, "  A%d     t=%" PRId64 " ms", nt[i].assumption, nt[i].t_ms);
        print_lines(f, nt[i].lines);
        fprintf(f, ": %s\n", nt[i].msg);
    }
    if (orc_note_count(o) > nn)
        fprintf(f, "  ... and %" PRIu64 " more notes\n", orc_note_count(o) - nn);
    if (na > 0)
        fputs("activations (ms):\n"
              "  sess k cause        fault  detect  switch  resume     end    404w  tries same\n",
              f);
    for (size_t i = 0; i < na; i++) {
        fprintf(f, "  %4" PRIu32 " %d %-10s", a[i].sess, a[i].k,
                a[i].cause == 1 ? "kill" : a[i].cause == 2 ? "disconnect" : "?");
        print_time(f, a[i].t_fault);
        print_time(f, a[i].t_detect);
        print_time(f, a[i].t_switch);
        print_time(f, a[i].t_resume);
        print_time(f, a[i].t_end);
        print_time(f, a[i].window_404_ms);
        fprintf(f, " %6" PRIu32 " %s\n", a[i].attempts, a[i].same_server ? "yes" : "no");
    }
    fputs("checked:", f);
    for (int r = 0; r < ORC_RULES; r++)
        fprintf(f, " %s %" PRIu64, orc_rule_name(r), orc_checked(o, r));
    fputc('\n', f);
    if (orc_unjudged(o) > 0)
        fprintf(f, "unjudged: %" PRIu64 " (the run ended before they were due)\n",
                orc_unjudged(o));
}
