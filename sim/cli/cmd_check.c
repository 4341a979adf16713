/* cmd_check.c -- hasim check: judge a trace file, wherever it came from.
 *
 * The same oracle that runs inside `hasim run`, fed from JSON Lines: a
 * trace written by the simulator, or by the real-process runtime under
 * libfaketime, gets the same verdict. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "judge/judge.h"
#include "trace/trace_json.h"

static const char CHECK_HELP[] =
    "usage: hasim check [-q] TRACE.jsonl...\n"
    "\n"
    "Checks every contract rule R1-R14 on trace files (docs/trace.md) and prints\n"
    "the verdict with the violations and the trace lines that prove them.\n"
    "\n"
    "Exit status: 0 no violation, 1 a violation, 2 usage error or a malformed trace.\n";

static const struct option CHECK_LONGOPTS[] = {
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static int check_take(void *args, int opt, const char *val)
{
    (void)val;
    assert(opt == 'q');
    *(bool *)args = true;
    return 0;
}

static const cli_cmd_t CHECK_CLI = {"check", CHECK_HELP, "hq", CHECK_LONGOPTS, check_take};

int cmd_check(int argc, char **argv)
{
    bool quiet = false;
    int first;
    int rc = cli_parse(&CHECK_CLI, argc, argv, &quiet, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (first == argc)
        return cli_usage("check", "no trace file given");

    sim_judge_t *j = sim_judge_new();
    if (j == NULL)
        return 2;
    rc = 0;
    char err[1024];
    for (int i = first; i < argc; i++) {
        (void)sim_judge_begin(j, NULL);
        if (sim_tr_read_file(argv[i], sim_judge_event, j, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            rc = 2;
            break;
        }
        sim_verdict_t v;
        sim_judge_finish(j, sim_judge_last_t_ms(j), NULL, &v);
        const orc_t *o = sim_judge_oracle(j);
        printf("%s  %s  (%" PRIu64 " lines, %" PRIu64 " violations, %" PRIu64 " notes)\n",
               v.pass ? "PASS" : "FAIL", argv[i], orc_lines(o), orc_violation_count(o),
               orc_note_count(o));
        if (!v.pass || !quiet)
            orc_print(o, stdout);
        if (!v.pass)
            rc = 1;
    }
    sim_judge_free(j);
    return rc;
}
