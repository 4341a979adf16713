/* cmd_check.c -- hasim check: judge a trace file, wherever it came from,
 * or what a customer sees of any implementation of the service.
 *
 * A trace: the same oracle that runs inside `hasim run`, fed from JSON
 * Lines: a trace written by the simulator, or by the real-process runtime
 * under libfaketime, gets the same verdict.
 *
 * --ncs: a callback log (and an API log), judged by ncs/ncs_judge.h as far
 * as such logs can prove; every session in the log gets its verdict. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "judge/judge.h"
#include "ncs/ncs_judge.h"
#include "trace/trace_json.h"

static const char CHECK_HELP[] =
    "usage: hasim check [-q] TRACE.jsonl...\n"
    "       hasim check --ncs LOG [--api APILOG] [--sid SID] [--skew MS] [--strict]\n"
    "\n"
    "Checks every contract rule R1-R14 on trace files (docs/trace.md) and prints\n"
    "the verdict with the violations and the trace lines that prove them.\n"
    "\n"
    "With --ncs, judges what a customer sees instead: the service's callback log\n"
    "(one NCS envelope a line, as the Notification Center delivered it: repeats\n"
    "are dropped by noticeId, notices ordered by sendts and sequence) and, with\n"
    "--api, the client's log of REST calls and answers (docs/incidents.md). Each\n"
    "session gets a verdict: the violations the logs prove, with LOG:LINE, the\n"
    "possible ones, and the rules they cannot decide, with why.\n"
    "\n"
    "A TRACE, LOG or APILOG given as - is read from standard input (once).\n"
    "\n"
    "  --ncs LOG     the callback log\n"
    "  --api APILOG  the REST calls with their answers\n"
    "  --sid SID     judge this session only (default: every session in LOG)\n"
    "  --skew MS     the API log's clock may be this far from the service's\n"
    "                (default 0: hasim's own logs share one clock)\n"
    "  --strict      possible violations fail too\n"
    "  -q, --quiet   print failures only\n"
    "\n"
    "Exit status: 0 no violation, 1 a violation, 2 usage error or a malformed\n"
    "trace or log (LOG:LINE: error: ...).\n";

enum { OPT_NCS = CLI_OPT_OWN, OPT_API, OPT_SID, OPT_SKEW, OPT_STRICT };

static const struct option CHECK_LONGOPTS[] = {
    {"ncs", required_argument, NULL, OPT_NCS},
    {"api", required_argument, NULL, OPT_API},
    {"sid", required_argument, NULL, OPT_SID},
    {"skew", required_argument, NULL, OPT_SKEW},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    bool quiet, strict;
    const char *ncs, *api, *sid;
    int64_t skew_ms;
} check_args_t;

static int check_take(void *args, int opt, const char *val)
{
    check_args_t *a = args;
    uint64_t n;
    switch (opt) {
    case OPT_NCS:
        a->ncs = val;
        break;
    case OPT_API:
        a->api = val;
        break;
    case OPT_SID:
        a->sid = val;
        break;
    case OPT_SKEW:
        if (!cli_u64(val, &n) || n > 3600000)
            return cli_usage("check", "--skew takes 0..3600000 ms, not '%s'", val);
        a->skew_ms = (int64_t)n;
        break;
    case OPT_STRICT:
        a->strict = true;
        break;
    default:
        assert(opt == 'q');
        a->quiet = true;
        break;
    }
    return 0;
}

static const cli_cmd_t CHECK_CLI = {"check", CHECK_HELP, "hq", CHECK_LONGOPTS, check_take};

/* The API log, read whole (bounded by NCS_API_MAX). 0, or 2 after a message. */
static int read_api(const check_args_t *a, ncs_call_t **calls, size_t *n)
{
    char err[1024];
    *calls = NULL;
    *n = 0;
    if (a->api == NULL)
        return 0;
    if (ncs_read_api(a->api, calls, n, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    return 0;
}

/* A file as messages name it: standard input as the readers name it. */
static const char *shown(const char *path)
{
    return path != NULL && strcmp(path, "-") == 0 ? "<stdin>" : path;
}

static int check_ncs(const check_args_t *a)
{
    ncs_call_t *calls;
    size_t calls_n;
    if (read_api(a, &calls, &calls_n) != 0)
        return 2;
    ncs_judge_opts_t jo = {calls, calls_n, a->skew_ms};
    ncs_judge_t *j = ncs_judge_new(&jo);
    if (j == NULL) {
        free(calls);
        fprintf(stderr, "hasim check: error: out of memory\n");
        return 2;
    }
    ncs_read_opts_t ro = {a->sid, NULL};
    ncs_read_stats_t st;
    char err[1024];
    int rc = ncs_read_file(a->ncs, &ro, ncs_judge_notice, j, &st, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
    } else if (!ncs_judge_finish(j)) {
        fprintf(stderr, "%s: error: more than %d sessions; judge one with --sid\n", shown(a->ncs),
                NCS_JUDGE_SESSIONS);
        rc = 2;
    } else if (ncs_judge_sessions(j) == 0) {
        fprintf(stderr, "%s: error: no notice of cloud recording%s%s in it\n", shown(a->ncs),
                a->sid ? " for session " : "", a->sid ? a->sid : "");
        rc = 2;
    }
    for (size_t i = 0; rc != 2 && i < ncs_judge_sessions(j); i++) {
        const ncs_session_verdict_t *v = ncs_judge_verdict(j, i);
        bool fail = ncs_verdict_count(v, NCS_PROVED) > 0 ||
                    (a->strict && ncs_verdict_count(v, NCS_POSSIBLE) > 0);
        if (fail || !a->quiet)
            ncs_verdict_print(stdout, v, shown(a->ncs), shown(a->api));
        if (fail)
            rc = 1;
    }
    if (rc != 2 && !a->quiet)
        printf("%s: %" PRIu64 " lines, %" PRIu64 " notices judged, %" PRIu64
               " repeats dropped, %" PRIu64 " skipped (another product %" PRIu64
               ", unknown event %" PRIu64 ", too late %" PRIu64 ")\n",
               shown(a->ncs), st.lines, st.notices, st.duplicates,
               st.other_product + st.unknown_event + st.late, st.other_product,
               st.unknown_event, st.late);
    ncs_judge_free(j);
    free(calls);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    check_args_t a = {0};
    int first;
    int rc = cli_parse(&CHECK_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (a.ncs != NULL) {
        if (first != argc)
            return cli_usage("check", "--ncs judges a callback log; give trace files apart");
        if (a.api != NULL && strcmp(a.ncs, "-") == 0 && strcmp(a.api, "-") == 0)
            return cli_usage("check", "standard input (-) is one file: not --ncs and --api both");
        return check_ncs(&a);
    }
    if (a.api != NULL || a.sid != NULL || a.strict || a.skew_ms != 0)
        return cli_usage("check", "--api, --sid, --skew and --strict go with --ncs");
    if (first == argc)
        return cli_usage("check", "no trace file given");
    int stdin_n = 0;
    for (int i = first; i < argc; i++)
        stdin_n += strcmp(argv[i], "-") == 0;
    if (stdin_n > 1)
        return cli_usage("check", "standard input (-) is one trace: give it once");
    bool quiet = a.quiet;

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
               v.pass ? "PASS" : "FAIL", shown(argv[i]), orc_lines(o), orc_violation_count(o),
               orc_note_count(o));
        if (!v.pass || !quiet)
            orc_print(o, stdout);
        if (!v.pass)
            rc = 1;
    }
    sim_judge_free(j);
    return rc;
}
