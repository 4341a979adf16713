/* cmd_check.c -- hasim check: judge a trace file, wherever it came from.
 *
 * The same oracle that runs inside `hasim run`, fed from JSON Lines: a
 * trace written by the simulator, or by the real-process runtime under
 * libfaketime, gets the same verdict. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "oracle.h"
#include "trace_json.h"

static const char CHECK_HELP[] =
    "usage: hasim check [-q] TRACE.jsonl...\n"
    "\n"
    "Checks every contract rule R1-R12 on trace files (docs/trace.md) and prints\n"
    "the verdict with the violations and the trace lines that prove them.\n"
    "\n"
    "Exit status: 0 no violation, 1 a violation, 2 usage error or a malformed trace.\n";

typedef struct {
    orc_t *o;
    int64_t last_t_ms;
} check_ctx_t;

static void check_sink(void *ctx, const sim_tr_ev_t *ev)
{
    check_ctx_t *c = ctx;
    if (ev->t_ms > c->last_t_ms)
        c->last_t_ms = ev->t_ms;
    orc_event(c->o, ev);
}

int cmd_check(int argc, char **argv)
{
    bool quiet = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "-h") == 0 || strcmp(argv[first], "--help") == 0) {
            fputs(CHECK_HELP, stdout);
            return 0;
        }
        if (strcmp(argv[first], "-q") == 0 || strcmp(argv[first], "--quiet") == 0) {
            quiet = true;
            continue;
        }
        return cli_usage("check", "unknown option '%s'", argv[first]);
    }
    if (first == argc)
        return cli_usage("check", "no trace file given");

    check_ctx_t c = {orc_new(), 0};
    if (c.o == NULL)
        return 2;
    int rc = 0;
    char err[1024];
    for (int i = first; i < argc; i++) {
        orc_reset(c.o);
        c.last_t_ms = 0;
        if (sim_tr_read_file(argv[i], check_sink, &c, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            rc = 2;
            break;
        }
        orc_finish(c.o, c.last_t_ms);
        bool ok = orc_violation_count(c.o) == 0;
        printf("%s  %s  (%" PRIu64 " lines, %" PRIu64 " violations, %" PRIu64 " notes)\n",
               ok ? "PASS" : "FAIL", argv[i], orc_lines(c.o), orc_violation_count(c.o),
               orc_note_count(c.o));
        if (!ok || !quiet)
            orc_print(c.o, stdout);
        if (!ok)
            rc = 1;
    }
    orc_free(c.o);
    return rc;
}
