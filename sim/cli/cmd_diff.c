/* cmd_diff.c -- hasim diff: where two runs part in behaviour.
 *
 * Determinism bugs show up as two traces of the same scenario and seed that
 * differ; two seeds, or a core before and after a change, part somewhere
 * too. The `run` line (scenario, seed, world) is the header, not behaviour:
 * it is compared and reported apart, and the search starts after it. The
 * first event that differs is shown with the events both runs shared before
 * it and each run's own events after it, then a summary of how the rest
 * differs: events of each kind from there on, and how each session ended.
 * The files are read once, line by line: a trace of any length fits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

#define CONTEXT_LINES 3
#define KINDS_MAX 48
#define SESSIONS_SHOWN 8

static const char DIFF_HELP[] =
    "usage: hasim diff A.jsonl B.jsonl\n"
    "\n"
    "Finds the first event where two runs part in behaviour -- the header (the\n"
    "`run` line: scenario, seed, world) is compared apart -- and prints the\n"
    "events both shared before it, each run's own events from it on, the\n"
    "column of the first differing byte, and a summary of what differs after\n"
    "it: events of each kind, and how each session ended.\n"
    "\n"
    "Exit status: 0 the same behaviour (the headers may differ), 1 different,\n"
    "2 usage or read error.\n";

static const struct option DIFF_LONGOPTS[] = {
    {"help", no_argument, NULL, 'h'},
    {0},
};

static const cli_cmd_t DIFF_CLI = {"diff", DIFF_HELP, "h", DIFF_LONGOPTS, NULL};

/* The value of "kind" on a trace line into out ("?" when it has none). */
static void kind_of(const char *line, char *out, size_t cap)
{
    const char *k = strstr(line, "\"kind\":\"");
    if (k == NULL) {
        snprintf(out, cap, "?");
        return;
    }
    k += 8;
    size_t n = strcspn(k, "\"");
    snprintf(out, cap, "%.*s", (int)n, k);
}

/* Events of each kind on one side from the parting on, and each session's
 * `end` line. */
typedef struct {
    char kinds[KINDS_MAX][24];
    uint64_t count[KINDS_MAX][2];
    int kinds_n;
    char *ends[SESSIONS_SHOWN][2];
    uint64_t lines[2];
} tally_t;

static void tally_line(tally_t *t, int side, const char *line)
{
    char kind[24];
    kind_of(line, kind, sizeof(kind));
    int i = 0;
    while (i < t->kinds_n && strcmp(t->kinds[i], kind) != 0)
        i++;
    if (i == t->kinds_n && t->kinds_n < KINDS_MAX)
        snprintf(t->kinds[t->kinds_n++], sizeof(t->kinds[0]), "%s", kind);
    if (i < t->kinds_n)
        t->count[i][side]++;
    t->lines[side]++;
    const char *s = strstr(line, "\"sess\":");
    unsigned long sess = s != NULL ? strtoul(s + 7, NULL, 10) : 0;
    if (strcmp(kind, "end") == 0 && sess >= 1 && sess <= SESSIONS_SHOWN) {
        free(t->ends[sess - 1][side]);
        t->ends[sess - 1][side] = strdup(line);
    }
}

static void print_summary(const tally_t *t)
{
    printf("from there on: A has %" PRIu64 " lines, B %" PRIu64 "\n", t->lines[0], t->lines[1]);
    int differ = 0;
    for (int i = 0; i < t->kinds_n; i++) {
        if (t->count[i][0] == t->count[i][1])
            continue;
        if (differ++ == 0)
            printf("  events of a kind in other numbers:\n");
        printf("    %-18s A %6" PRIu64 "   B %6" PRIu64 "\n", t->kinds[i], t->count[i][0],
               t->count[i][1]);
    }
    if (differ == 0)
        printf("  the same number of events of every kind\n");
    differ = 0;
    for (int s = 0; s < SESSIONS_SHOWN; s++) {
        const char *a = t->ends[s][0], *b = t->ends[s][1];
        if ((a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0))
            continue;
        differ++;
        printf("  session %d ended otherwise:\n    A %s", s + 1, a ? a : "(not from there on)\n");
        printf("    B %s", b ? b : "(not from there on)\n");
    }
    if (differ == 0)
        printf("  every session ended the same way (or not after the parting)\n");
}

typedef struct {
    FILE *f[2];
    char *line[2];
    size_t cap[2];
    ssize_t len[2];
    uint64_t no; /* line number of the current pair */
} pair_t;

static void next_pair(pair_t *p)
{
    for (int s = 0; s < 2; s++)
        p->len[s] = getline(&p->line[s], &p->cap[s], p->f[s]);
    p->no++;
}

static bool same(const pair_t *p)
{
    return p->len[0] >= 0 && p->len[1] >= 0 && strcmp(p->line[0], p->line[1]) == 0;
}

/* The run lines: compared apart; the pair after them is read. */
static void headers(pair_t *p)
{
    next_pair(p);
    char ka[24], kb[24];
    kind_of(p->len[0] >= 0 ? p->line[0] : "", ka, sizeof(ka));
    kind_of(p->len[1] >= 0 ? p->line[1] : "", kb, sizeof(kb));
    if (strcmp(ka, "run") != 0 || strcmp(kb, "run") != 0)
        return; /* no header: line 1 is behaviour */
    if (!same(p))
        printf("headers (the run lines) differ; compared apart:\n- 1  %s+ 1  %s", p->line[0],
               p->line[1]);
    next_pair(p);
}

/* The parting: the shared lines before it (ring), each side from it on. */
static void show_parting(pair_t *p, char *ring[CONTEXT_LINES], uint64_t shared_from)
{
    printf("runs part in behaviour at line %" PRIu64 "\n", p->no);
    for (uint64_t k = p->no > CONTEXT_LINES ? p->no - CONTEXT_LINES : 1; k < p->no; k++) {
        if (k >= shared_from && ring[k % CONTEXT_LINES] != NULL)
            printf("  %" PRIu64 "  %s", k, ring[k % CONTEXT_LINES]);
    }
    if (p->len[0] >= 0 && p->len[1] >= 0) {
        size_t col = 0;
        while (p->line[0][col] != '\0' && p->line[0][col] == p->line[1][col])
            col++;
        printf("first difference at column %zu\n", col + 1);
    }
}

/* Each side's lines from the parting on: the first CONTEXT_LINES printed,
 * all of them tallied. */
static void rest_of(pair_t *p, int side, tally_t *t)
{
    const char mark = side == 0 ? '-' : '+';
    uint64_t no = p->no;
    for (ssize_t len = p->len[side]; len >= 0; no++) {
        if (no < p->no + CONTEXT_LINES)
            printf("%c %" PRIu64 "  %s", mark, no, p->line[side]);
        tally_line(t, side, p->line[side]);
        len = getline(&p->line[side], &p->cap[side], p->f[side]);
    }
    if (no < p->no + CONTEXT_LINES)
        printf("%c %" PRIu64 "  (end of file)\n", mark, no);
}

static int compare(pair_t *p)
{
    char *ring[CONTEXT_LINES] = {0};
    headers(p);
    uint64_t shared_from = p->no;
    for (; same(p); next_pair(p)) {
        free(ring[p->no % CONTEXT_LINES]);
        ring[p->no % CONTEXT_LINES] = strdup(p->line[0]);
    }
    int rc = 0;
    if (p->len[0] < 0 && p->len[1] < 0) {
        printf("the runs behave the same (%" PRIu64 " lines after the header)\n",
               p->no - shared_from);
    } else {
        tally_t t;
        memset(&t, 0, sizeof(t));
        show_parting(p, ring, shared_from);
        rest_of(p, 0, &t);
        rest_of(p, 1, &t);
        print_summary(&t);
        for (int s = 0; s < SESSIONS_SHOWN; s++)
            free(t.ends[s][0]), free(t.ends[s][1]);
        rc = 1;
    }
    for (int k = 0; k < CONTEXT_LINES; k++)
        free(ring[k]);
    return rc;
}

int cmd_diff(int argc, char **argv)
{
    int first;
    int rc = cli_parse(&DIFF_CLI, argc, argv, NULL, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - first != 2)
        return cli_usage("diff", "takes two trace files");
    pair_t p;
    memset(&p, 0, sizeof(p));
    for (int s = 0; s < 2; s++) {
        if ((p.f[s] = fopen(argv[first + s], "r")) == NULL) {
            fprintf(stderr, "%s: error: cannot read: %s\n", argv[first + s], strerror(errno));
            if (s == 1)
                fclose(p.f[0]);
            return 2;
        }
    }
    rc = compare(&p);
    for (int s = 0; s < 2; s++) {
        free(p.line[s]);
        fclose(p.f[s]);
    }
    return rc;
}
