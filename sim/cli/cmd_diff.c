/* cmd_diff.c -- hasim diff: where two traces part.
 *
 * Determinism bugs show up as two traces of the same scenario and seed that
 * differ; the first differing line, with what came before it, is where to
 * start looking. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

#define CONTEXT_LINES 3

static const char DIFF_HELP[] =
    "usage: hasim diff A.jsonl B.jsonl\n"
    "\n"
    "Prints the first line where two traces differ, the lines before it, and the\n"
    "column of the first differing byte.\n"
    "\n"
    "Exit status: 0 identical, 1 different, 2 usage or read error.\n";

static const struct option DIFF_LONGOPTS[] = {
    {"help", no_argument, NULL, 'h'},
    {0},
};

static const cli_cmd_t DIFF_CLI = {"diff", DIFF_HELP, "h", DIFF_LONGOPTS, NULL};

int cmd_diff(int argc, char **argv)
{
    int first;
    int rc = cli_parse(&DIFF_CLI, argc, argv, NULL, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - first != 2)
        return cli_usage("diff", "takes two trace files");
    const char *a = argv[first], *b = argv[first + 1];
    FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
    if (fa == NULL || fb == NULL) {
        fprintf(stderr, "%s: error: cannot read: %s\n", fa ? b : a, strerror(errno));
        if (fa)
            fclose(fa);
        if (fb)
            fclose(fb);
        return 2;
    }
    char *ring[CONTEXT_LINES] = {0};
    char *la = NULL, *lb = NULL;
    size_t ca = 0, cb = 0;
    uint64_t line = 0;
    rc = 0;
    for (;;) {
        ssize_t na = getline(&la, &ca, fa), nb = getline(&lb, &cb, fb);
        line++;
        if (na < 0 && nb < 0)
            break;
        if (na >= 0 && nb >= 0 && strcmp(la, lb) == 0) {
            free(ring[line % CONTEXT_LINES]);
            ring[line % CONTEXT_LINES] = strdup(la);
            continue;
        }
        printf("traces differ at line %" PRIu64 "\n", line);
        for (uint64_t k = line > CONTEXT_LINES ? line - CONTEXT_LINES : 1; k < line; k++)
            printf("  %" PRIu64 "  %s", k, ring[k % CONTEXT_LINES] ? ring[k % CONTEXT_LINES] : "\n");
        size_t col = 0;
        if (na >= 0 && nb >= 0) {
            while (la[col] != '\0' && la[col] == lb[col])
                col++;
        }
        printf("- %" PRIu64 "  %s", line, na >= 0 ? la : "(end of file)\n");
        printf("+ %" PRIu64 "  %s", line, nb >= 0 ? lb : "(end of file)\n");
        if (na >= 0 && nb >= 0)
            printf("first difference at column %zu\n", col + 1);
        rc = 1;
        break;
    }
    if (rc == 0)
        printf("traces are identical (%" PRIu64 " lines)\n", line - 1);
    for (int k = 0; k < CONTEXT_LINES; k++)
        free(ring[k]);
    free(la);
    free(lb);
    fclose(fa);
    fclose(fb);
    return rc;
}
