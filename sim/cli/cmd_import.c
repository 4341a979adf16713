/* cmd_import.c -- hasim import: a field incident becomes a scenario.
 *
 * From a callback log (and an API log): the incident is read (ncs/), a
 * scenario written for the likeliest reading, run in the simulated world,
 * and its own callbacks compared with the log's: the user learns at once
 * whether the scenario reproduces what happened. --explore runs every
 * reading and says which reproduce it.
 *
 * From an engineer's notes (one timestamped event a line, ncs_notes.h):
 * the scenario of those events, checked by the scenario parser. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "lang/scn.h"
#include "ncs/ncs_import.h"
#include "ncs/ncs_notes.h"
#include "run/runner.h"

static const char IMPORT_HELP[] =
    "usage: hasim import LOG [--api APILOG] [--sid SID] [-o OUT.scn] [--explore]\n"
    "       hasim import NOTES.txt [-o OUT.scn]\n"
    "\n"
    "Turns a field incident into a scenario file (docs/incidents.md).\n"
    "\n"
    "LOG is the service's callback log, one NCS envelope a line: repeats are\n"
    "dropped by noticeId, notices ordered by sendts and sequence, notices of\n"
    "another product or session skipped (with a warning). The scenario rebuilds\n"
    "the session (mode, channel, sid, first UID, users), each activation and the\n"
    "end, with the log's expectations (activations, UIDs, files, exit). Callbacks\n"
    "cannot tell a kill from a disconnect or when the center detected a fault:\n"
    "the scenario takes the likeliest reading and says so in comments. It is run\n"
    "at once and its callbacks compared with the log's.\n"
    "\n"
    "NOTES.txt is an engineer's timeline, one event a line:\n"
    "  2026-11-02T10:00:03.120Z kill\n"
    "with any scenario action after the time, and scenario statements (mode,\n"
    "channel, servers, set, expect ...) on lines of their own.\n"
    "\n"
    "  --api APILOG  the client's REST calls with their answers\n"
    "  --sid SID     the session to import (default: the log's first)\n"
    "  -o OUT.scn    write the scenario there (default: standard output)\n"
    "  --explore     run every reading consistent with the log (kill or\n"
    "                disconnect for each switch, 3 seeds) and list which\n"
    "                reproduce it\n"
    "\n"
    "Exit status: 0 the scenario reproduces the log (notes: it parses); 1 it does\n"
    "not (with --explore: no reading does); 2 usage or input error\n"
    "(LOG:LINE: error: ...).\n";

enum { OPT_API = CLI_OPT_OWN, OPT_SID, OPT_EXPLORE };

static const struct option IMPORT_LONGOPTS[] = {
    {"api", required_argument, NULL, OPT_API},
    {"sid", required_argument, NULL, OPT_SID},
    {"explore", no_argument, NULL, OPT_EXPLORE},
    {"out", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    const char *api, *sid, *out;
    bool explore;
} import_args_t;

static int import_take(void *args, int opt, const char *val)
{
    import_args_t *a = args;
    switch (opt) {
    case OPT_API:
        a->api = val;
        break;
    case OPT_SID:
        a->sid = val;
        break;
    case OPT_EXPLORE:
        a->explore = true;
        break;
    default:
        a->out = val;
        break;
    }
    return 0;
}

static const cli_cmd_t IMPORT_CLI = {"import", IMPORT_HELP, "ho:", IMPORT_LONGOPTS,
                                     import_take};

/* The tolerance of a reproduction: a disconnect's detection depends on the
 * phase of the heartbeats (4..6 s), which the reading cannot know. */
#define IMPORT_TOL_MS 2500

/* ---- the log's incident ----------------------------------------------------- */

typedef struct {
    ncs_call_t *calls;
    size_t calls_n;
    ncs_incident_t in;
} source_t;

static int read_source(const char *log, const import_args_t *a, source_t *src)
{
    char err[1024];
    memset(src, 0, sizeof(*src));
    if (a->api != NULL && ncs_read_api(a->api, &src->calls, &src->calls_n, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    ncs_judge_opts_t jo = {src->calls, src->calls_n, 0};
    ncs_judge_t *j = ncs_judge_new(&jo);
    if (j == NULL)
        return 2;
    ncs_read_opts_t ro = {a->sid, NULL};
    ncs_read_stats_t st;
    int rc = ncs_read_file(log, &ro, ncs_judge_notice, j, &st, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
    } else if (!ncs_judge_finish(j) || ncs_judge_sessions(j) == 0) {
        if (ncs_judge_sessions(j) != 0)
            fprintf(stderr, "%s: error: too many sessions; import one with --sid\n", log);
        else if (a->sid != NULL)
            fprintf(stderr, "%s: error: no notice of cloud recording for session %s in it\n",
                    log, a->sid);
        else
            fprintf(stderr, "%s: error: no notice of cloud recording in it\n", log);
        rc = 2;
    } else {
        size_t n = ncs_judge_sessions(j);
        if (n > 1)
            fprintf(stderr, "%s: warning: %zu sessions in the log; importing %s (--sid picks "
                            "another)\n", log, n, ncs_judge_verdict(j, 0)->sid);
        ncs_incident_of(j, 0, src->calls, src->calls_n, &src->in);
        char why[256];
        if (!ncs_incident_writable(&src->in, why, sizeof(why))) {
            fprintf(stderr, "%s: error: %s\n", log, why);
            rc = 2;
        }
    }
    ncs_judge_free(j);
    return rc;
}

/* ---- a reading, run -------------------------------------------------------- */

/* The scenario text of a reading into *text (malloc'd). */
static int reading_text(const source_t *src, const ncs_reading_t *r, const char *log,
                        char **text, size_t *len)
{
    FILE *m = open_memstream(text, len);
    if (m == NULL)
        return -1;
    int rc = ncs_scenario_write(m, &src->in, r, log);
    return fclose(m) != 0 || rc != 0 ? -1 : 0;
}

/* Runs the scenario text and reads its callbacks back into *got. 0, or 2
 * after a message (the text does not parse: a bug of the importer). */
static int run_text(sim_runner_t *runner, const char *text, size_t len, ncs_incident_t *got,
                    bool *pass)
{
    char err[SCN_ERR_SIZE];
    scn_t *scn = scn_new();
    if (scn == NULL || scn_parse(scn, text, len, "imported.scn", err, sizeof(err)) != 0) {
        fprintf(stderr, "hasim import: error: the scenario written does not parse: %s\n%s",
                scn ? err : "out of memory", text);
        scn_free(scn);
        return 2;
    }
    char *cb = NULL;
    size_t cb_len = 0;
    FILE *m = open_memstream(&cb, &cb_len);
    ncs_writer_t *w = m ? ncs_writer_new(m, NULL, 0) : NULL;
    sim_run_opts_t ro = {.also = ncs_writer_event, .also_ctx = w};
    sim_run_result_t res;
    int rc = w == NULL ? 2 : sim_runner_run(runner, scn, scn->seed, &ro, &res, err, sizeof(err));
    if (w != NULL)
        ncs_writer_finish(w);
    ncs_writer_free(w);
    if (m != NULL)
        fclose(m);
    if (rc == 0) {
        *pass = res.verdict.pass;
        ncs_judge_t *j = ncs_judge_new(NULL);
        ncs_read_stats_t st;
        FILE *quiet = fopen("/dev/null", "w");
        ncs_read_opts_t rdo = {NULL, quiet};
        rc = j == NULL || ncs_read_mem("run", cb, cb_len, &rdo, ncs_judge_notice, j, &st, err,
                                       sizeof(err)) != 0 || !ncs_judge_finish(j) ||
                     ncs_judge_sessions(j) == 0
                 ? 2
                 : 0;
        if (rc == 0)
            ncs_incident_of(j, 0, NULL, 0, got);
        else
            fprintf(stderr, "hasim import: error: the run's callbacks could not be read back\n");
        if (quiet != NULL)
            fclose(quiet);
        ncs_judge_free(j);
    } else {
        fprintf(stderr, "%s\n", err);
    }
    free(cb);
    scn_free(scn);
    return rc;
}

/* 0 reproduces, 1 does not, 2 error; why says how. */
static int try_reading(sim_runner_t *runner, const source_t *src, const ncs_reading_t *r,
                       const char *log, char **text, size_t *len, char *why, size_t cap)
{
    if (reading_text(src, r, log, text, len) != 0) {
        fprintf(stderr, "hasim import: error: out of memory\n");
        return 2;
    }
    ncs_incident_t *got = malloc(sizeof(*got));
    bool pass = false;
    int rc = got == NULL ? 2 : run_text(runner, *text, *len, got, &pass);
    if (rc == 0) {
        ncs_likeness_t l = ncs_incident_compare(&src->in, got, IMPORT_TOL_MS, why, cap);
        if (l != NCS_DIFFERENT && !pass && src->in.proved == 0) {
            snprintf(why, cap, "the same callbacks, but the run fails a rule or an expectation "
                               "the log did not (run it with hasim run)");
            l = NCS_DIFFERENT;
        }
        /* A log that breaks the contract cannot be matched in time by a run
         * that keeps it: the same story told right is the reproduction. */
        if (l == NCS_SAME_BUT_TIMING && src->in.proved > 0) {
            char t[256];
            snprintf(t, sizeof(t), "the same recordings, switches, UIDs and playlists; %s -- "
                                   "the log breaks the contract there, the run keeps it", why);
            snprintf(why, cap, "%s", t);
            l = NCS_SAME;
        }
        rc = l == NCS_SAME ? 0 : 1;
    }
    free(got);
    return rc;
}

static int write_out(const char *path, const char *text, size_t len)
{
    if (path == NULL) {
        fwrite(text, 1, len, stdout);
        return 0;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "%s: error: cannot write: %s\n", path, strerror(errno));
        return 2;
    }
    return 0;
}

static int explore(sim_runner_t *runner, const source_t *src, const char *log)
{
    ncs_reading_t rs[3 << NCS_IMPORT_ACTS];
    size_t n = ncs_readings_all(&src->in, rs, sizeof(rs) / sizeof(rs[0]));
    size_t good = 0;
    printf("readings of %s (session %s):\n", log, src->in.sid);
    for (size_t i = 0; i < n; i++) {
        char *text = NULL, why[256], name[160];
        size_t len = 0;
        int rc = try_reading(runner, src, &rs[i], log, &text, &len, why, sizeof(why));
        free(text);
        if (rc == 2)
            return 2;
        ncs_reading_name(&src->in, &rs[i], name, sizeof(name));
        printf("  %-12s %s%s%s\n", rc == 0 ? "reproduces" : "differs", name, rc ? ": " : "",
               rc ? why : "");
        good += rc == 0;
    }
    printf("%zu of %zu readings reproduce the log\n", good, n);
    return good > 0 ? 0 : 1;
}

static int import_ncs(const char *log, const import_args_t *a)
{
    source_t *src = malloc(sizeof(*src));
    sim_runner_t *runner = sim_runner_new();
    int rc = src == NULL || runner == NULL ? 2 : read_source(log, a, src);
    if (rc == 0 && a->explore) {
        rc = explore(runner, src, log);
    } else if (rc == 0) {
        ncs_reading_t r;
        ncs_reading_best(&src->in, &r);
        char *text = NULL, why[256];
        size_t len = 0;
        rc = try_reading(runner, src, &r, log, &text, &len, why, sizeof(why));
        if (rc != 2 && write_out(a->out, text, len) != 0)
            rc = 2;
        if (rc != 2)
            fprintf(stderr, "%s: %s the log: %s\n", a->out ? a->out : "the scenario",
                    rc == 0 ? "reproduces" : "does NOT reproduce", why);
        free(text);
    }
    sim_runner_free(runner);
    if (src != NULL)
        free(src->calls);
    free(src);
    return rc;
}

/* ---- notes ---------------------------------------------------------------------- */

static int import_notes(const char *path, const import_args_t *a)
{
    if (a->api || a->sid || a->explore)
        return cli_usage("import", "--api, --sid and --explore go with a callback log");
    char *text = NULL, err[SCN_ERR_SIZE];
    size_t len = 0;
    int rc = ncs_notes_import(path, &text, &len, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        free(text);
        return 2;
    }
    rc = write_out(a->out, text, len);
    free(text);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    import_args_t a = {0};
    int first;
    int rc = cli_parse(&IMPORT_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - first != 1)
        return cli_usage("import", "give one log or notes file");
    /* Import tells a log from notes by reading the file's start, then reads
     * it again from the top: standard input cannot be read twice. */
    if (strcmp(argv[first], "-") == 0)
        return cli_usage("import", "reads a file, not standard input (-): save the log first");
    int kind = ncs_notes_sniff(argv[first]);
    if (kind < 0) {
        fprintf(stderr, "%s: error: cannot read: %s\n", argv[first], strerror(errno));
        return 2;
    }
    return kind == 1 ? import_notes(argv[first], &a) : import_ncs(argv[first], &a);
}
