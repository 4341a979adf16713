/* cmd_run.c -- hasim run: scenario files through the world and the oracle.
 *
 * Every scenario runs in a child process (contain.h), so a crash of the code
 * under test -- an assertion of the core, a sanitizer's report -- is a FAIL
 * of that scenario with the signal, the last trace lines and the command
 * that replays it, and the other scenarios still run. A file that does not
 * parse is reported (FILE:LINE:COL: error: ...) and the others still run;
 * the exit status is then 2 whatever they did, so CI never reports a library
 * with a broken file as green. The JSON and JUnit files are written to
 * FILE.tmp and renamed once complete: a reader finds the whole file or none.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "contain.h"
#include "ha.h"
#include "run/junit.h"
#include "run/results.h"
#include "run/runner.h"
#include "lang/scn.h"
#include "ncs/ncs.h"
#include "world/world.h"

static const char RUN_HELP[] =
    "usage: hasim run [options] SCENARIO|DIR...\n"
    "\n"
    "Runs scenario files (a directory: its *.scn, sorted) in the simulated world,\n"
    "checks every contract rule R1-R14 and each scenario's own `expect` lines,\n"
    "and prints one verdict per scenario. Each scenario runs in a child process:\n"
    "a crash is that scenario's FAIL (signal, last trace lines, replay command)\n"
    "and the others still run. A file that does not parse is reported as\n"
    "FILE:LINE:COL: error: ... and the others still run.\n"
    "\n"
    "  --seed N         override every scenario's seed\n"
    "  --trace FILE     write the trace (JSON Lines) of the one scenario given\n"
    "                   (-: to stdout, and the verdict to stderr)\n"
    "  --trace-dir DIR  write each scenario's trace to DIR/<name>.jsonl\n"
    "  --ncs-dir DIR    write each scenario's callbacks as the service delivers\n"
    "                   them (DIR/<name>.ncs.jsonl, one NCS envelope a line) and\n"
    "                   its REST calls with their answers (DIR/<name>.api.jsonl):\n"
    "                   judge them with `hasim check --ncs`, import them with\n"
    "                   `hasim import`\n"
    "  --ncs-resend     ... delivering some notices twice and some late, as the\n"
    "                   Notification Center may (drawn from the seed)\n"
    "  --json FILE      write verdicts, violations and timings as JSON\n"
    "  --junit FILE     write JUnit XML: a test case per scenario (file, line,\n"
    "                   time), a failure per first cause of a violation\n"
    "  --timeout S      a scenario running longer than S seconds is a crash\n"
    "                   (default 300; 0: no bound)\n"
    "  --no-fork        run in this process (for a debugger: a crash ends it)\n"
    "  -q, --quiet      print failures and the summary only\n"
    "  -h, --help       this text\n"
    "\n"
    "Exit status: 0 all passed; 1 a scenario failed or crashed; 2 usage or input\n"
    "error -- a file did not parse, even if every other one passed.\n";

#define RUN_TIMEOUT_S_DEFAULT 300
#define CRASH_TAIL_LINES 8

typedef struct {
    char **paths;
    int count, cap;
} path_list_t;

static int list_add(path_list_t *l, char *p)
{
    if (p == NULL)
        return -1;
    if (l->count == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        char **grown = realloc(l->paths, sizeof(char *) * (size_t)cap);
        if (grown == NULL) {
            free(p);
            return -1;
        }
        l->paths = grown;
        l->cap = cap;
    }
    l->paths[l->count++] = p;
    return 0;
}

static void list_free(path_list_t *l)
{
    for (int i = 0; i < l->count; i++)
        free(l->paths[i]);
    free(l->paths);
}

enum {
    OPT_TRACE = CLI_OPT_OWN,
    OPT_TRACE_DIR,
    OPT_JSON,
    OPT_JUNIT,
    OPT_TIMEOUT,
    OPT_NO_FORK,
    OPT_NCS_DIR,
    OPT_NCS_RESEND,
};

static const struct option RUN_LONGOPTS[] = {
    {"seed", required_argument, NULL, CLI_OPT_SEED},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"trace-dir", required_argument, NULL, OPT_TRACE_DIR},
    {"ncs-dir", required_argument, NULL, OPT_NCS_DIR},
    {"ncs-resend", no_argument, NULL, OPT_NCS_RESEND},
    {"json", required_argument, NULL, OPT_JSON},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"no-fork", no_argument, NULL, OPT_NO_FORK},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    uint64_t seed;
    bool has_seed, quiet, no_fork, ncs_resend;
    unsigned timeout_s;
    const char *trace_path, *trace_dir, *json_path, *junit_path, *ncs_dir;
    int trace_fd; /* "--trace -": the caller's stdout, kept aside; -1 otherwise */
} run_args_t;

static int run_take(void *args, int opt, const char *val)
{
    run_args_t *a = args;
    uint64_t n;
    switch (opt) {
    case CLI_OPT_SEED:
        a->has_seed = true;
        return swarm_cli_seed("run", val, &a->seed);
    case OPT_TRACE:
        a->trace_path = val;
        break;
    case OPT_TRACE_DIR:
        a->trace_dir = val;
        break;
    case OPT_NCS_DIR:
        a->ncs_dir = val;
        break;
    case OPT_NCS_RESEND:
        a->ncs_resend = true;
        break;
    case OPT_JSON:
        a->json_path = val;
        break;
    case OPT_JUNIT:
        a->junit_path = val;
        break;
    case OPT_TIMEOUT:
        if (!cli_u64(val, &n) || n > 86400)
            return cli_usage("run", "--timeout takes 0..86400 seconds, not '%s'", val);
        a->timeout_s = (unsigned)n;
        break;
    case OPT_NO_FORK:
        a->no_fork = true;
        break;
    case 'q':
        a->quiet = true;
        break;
    }
    return 0;
}

static const cli_cmd_t RUN_CLI = {"run", RUN_HELP, "hq", RUN_LONGOPTS, run_take};

/* The files the operands name, a directory standing for its *.scn. An
 * operand that names nothing to run is counted in *empty after a message. */
static int collect_files(char **operands, int n, path_list_t *files, int *empty)
{
    for (int i = 0; i < n; i++) {
        const char *a = operands[i];
        if (!cli_is_dir(a)) {
            if (list_add(files, strdup(a)) != 0)
                return 2;
            continue;
        }
        char **found;
        int count = cli_list_scn(a, &found);
        if (count < 0) {
            fprintf(stderr, "%s: error: cannot list: %s\n", a, strerror(errno));
            (*empty)++;
            continue;
        }
        if (count == 0) {
            fprintf(stderr, "%s: error: the directory has no scenarios (*.scn files)\n", a);
            (*empty)++;
        }
        for (int k = 0; k < count; k++) {
            if (list_add(files, found[k]) != 0) {
                for (int j = k + 1; j < count; j++)
                    free(found[j]);
                free(found);
                return 2;
            }
        }
        free(found);
    }
    return 0;
}

/* One invocation: what every scenario's run shares, and the totals. */
typedef struct {
    const run_args_t *a;
    scn_t *scn;
    sim_runner_t *runner;
    contain_t *contain;
    sim_run_tail_t *tail;  /* in memory the children share */
    uint64_t *table;       /* transitions seen, HA_ST_COUNT x HA_SEV_COUNT */
    const char *path;      /* of the scenario being run */
    FILE *json, *junit_body;
    char *junit_buf;       /* junit_body's text: the header needs the totals first */
    size_t junit_len;
    FILE *malformed;       /* JSON objects of the files that did not parse */
    char *malformed_buf;
    size_t malformed_len;
    junit_totals_t jt;
    int passed, failed, crashed, json_runs;
    int malformed_n, not_run, empty; /* input errors: exit status 2 */
    char json_tmp[4096], junit_tmp[4096];
    char err[SCN_ERR_SIZE];
} run_ctx_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- outputs ------------------------------------------------------------ */

static int open_outputs(run_ctx_t *c)
{
    const run_args_t *a = c->a;
    if (a->json_path != NULL) {
        snprintf(c->json_tmp, sizeof(c->json_tmp), "%s.tmp", a->json_path);
        if ((c->json = fopen(c->json_tmp, "w")) == NULL) {
            fprintf(stderr, "%s: error: cannot write: %s\n", c->json_tmp, strerror(errno));
            return 2;
        }
        fputs("{\"hasim\":\"run\",\"runs\":[\n", c->json);
    }
    if (a->junit_path != NULL &&
        (c->junit_body = open_memstream(&c->junit_buf, &c->junit_len)) == NULL)
        return 2;
    if ((c->malformed = open_memstream(&c->malformed_buf, &c->malformed_len)) == NULL)
        return 2;
    const char *dirs[2] = {a->trace_dir, a->ncs_dir};
    for (int i = 0; i < 2; i++) {
        if (dirs[i] != NULL && mkdir(dirs[i], 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: error: cannot create: %s\n", dirs[i], strerror(errno));
            return 2;
        }
    }
    return 0;
}

/* tmp, complete, becomes path: 0, or 2 after a message. */
static int commit_file(FILE *f, const char *tmp, const char *path)
{
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: error: writing failed\n", tmp);
        return 2;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "%s: error: cannot rename %s: %s\n", path, tmp, strerror(errno));
        return 2;
    }
    return 0;
}

static int finish_outputs(run_ctx_t *c)
{
    int rc = 0;
    fclose(c->malformed);
    c->malformed = NULL;
    if (c->json != NULL) {
        fputs("\n],\"malformed\":[", c->json);
        if (c->malformed_len > 0)
            fwrite(c->malformed_buf, 1, c->malformed_len, c->json);
        fputs("],\"transitions\":", c->json);
        results_json_transitions(c->json, c->table);
        fputs("}\n", c->json);
        rc = commit_file(c->json, c->json_tmp, c->a->json_path);
        c->json = NULL;
    }
    if (c->junit_body == NULL)
        return rc;
    fclose(c->junit_body);
    c->junit_body = NULL;
    snprintf(c->junit_tmp, sizeof(c->junit_tmp), "%s.tmp", c->a->junit_path);
    FILE *jf = fopen(c->junit_tmp, "w");
    if (jf == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", c->junit_tmp, strerror(errno));
        return 2;
    }
    junit_begin(jf, "hasim run", &c->jt);
    fwrite(c->junit_buf, 1, c->junit_len, jf);
    junit_end(jf);
    return commit_file(jf, c->junit_tmp, c->a->junit_path) != 0 ? 2 : rc;
}

static void json_sep(run_ctx_t *c)
{
    if (c->json)
        fputs(c->json_runs++ ? ",\n" : "", c->json);
}

/* ---- one scenario, in the child ---------------------------------------- */

/* What a child sends back: this, then its stdout, JSON and JUnit texts. */
#define RUN_MSG_MAGIC 0x68617331u
typedef struct {
    uint32_t magic;
    int32_t rc;   /* 0 ran, 2 could not run (its message went to stderr) */
    int32_t pass;
    junit_totals_t jt;
    uint64_t len[3];
    uint64_t table[HA_ST_COUNT * HA_SEV_COUNT];
} run_msg_t;

/* The trace file of the scenario at path, NULL for none: --trace, or
 * DIR/<name>.jsonl under --trace-dir (into buf). */
static const char *trace_path_of(const run_args_t *a, const char *path, char *buf, size_t cap)
{
    if (a->trace_path != NULL)
        return a->trace_path;
    if (a->trace_dir == NULL)
        return NULL;
    const char *b = scn_base_name(path);
    snprintf(buf, cap, "%s/%.*s.jsonl", a->trace_dir, (int)(strlen(b) - 4), b);
    return buf;
}

static uint64_t seed_of(const run_ctx_t *c)
{
    return c->a->has_seed ? c->a->seed : c->scn->seed;
}

/* The callback and API logs of one scenario under --ncs-dir. */
typedef struct {
    FILE *f[2];
    char path[2][4096];
    ncs_writer_t *w;
} ncs_out_t;

static int ncs_open(const run_ctx_t *c, ncs_out_t *o)
{
    static const char *const ext[2] = {"ncs", "api"};
    memset(o, 0, sizeof(*o));
    if (c->a->ncs_dir == NULL)
        return 0;
    const char *b = scn_base_name(c->path);
    for (int i = 0; i < 2; i++) {
        snprintf(o->path[i], sizeof(o->path[i]), "%s/%.*s.%s.jsonl", c->a->ncs_dir,
                 (int)(strlen(b) - 4), b, ext[i]);
        if ((o->f[i] = fopen(o->path[i], "w")) == NULL) {
            fprintf(stderr, "%s: error: cannot write: %s\n", o->path[i], strerror(errno));
            return 2;
        }
    }
    /* the misbehaviour's own stream: never 0 (0 means none) */
    uint64_t resend = c->a->ncs_resend ? seed_of(c) * 2 + 1 : 0;
    if ((o->w = ncs_writer_new(o->f[0], o->f[1], resend)) == NULL) {
        fprintf(stderr, "hasim run: error: out of memory\n");
        return 2;
    }
    return 0;
}

/* 0, or 2 after a message; closes in any case. */
static int ncs_close(ncs_out_t *o, int rc)
{
    if (o->w != NULL && ncs_writer_finish(o->w) != 0 && rc == 0) {
        fprintf(stderr, "%s: error: writing the callbacks failed\n", o->path[0]);
        rc = 2;
    }
    ncs_writer_free(o->w);
    for (int i = 0; i < 2; i++) {
        if (o->f[i] != NULL && fclose(o->f[i]) != 0 && rc == 0) {
            fprintf(stderr, "%s: error: writing failed\n", o->path[i]);
            rc = 2;
        }
    }
    return rc;
}

/* The trace's stream: a file, or a copy of the stdout "--trace -" kept aside
 * (a copy, so that closing it leaves the kept one for the next scenario). */
static FILE *trace_open(const run_args_t *a, const char *path)
{
    if (a->trace_fd < 0)
        return fopen(path, "w");
    int fd = dup(a->trace_fd);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (f == NULL)
        close(fd);
    return f;
}

/* Runs c->scn, writing the verdict (out[0]), its JSON (out[1]) and its JUnit
 * (out[2]). 0, or 2 after a message. */
static int run_scenario(run_ctx_t *c, FILE *out[3], run_msg_t *m)
{
    char buf[4096];
    const char *trace_path = trace_path_of(c->a, c->path, buf, sizeof(buf));
    FILE *trace = NULL;
    if (trace_path != NULL && (trace = trace_open(c->a, trace_path)) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", trace_path, strerror(errno));
        return 2;
    }
    ncs_out_t ncs;
    if (ncs_open(c, &ncs) != 0) {
        if (trace != NULL)
            fclose(trace);
        return ncs_close(&ncs, 2);
    }
    double t0 = now_s();
    sim_run_opts_t ro = {.trace = trace, .fingerprint = true, .tail = c->tail,
                         .also = ncs.w != NULL ? ncs_writer_event : NULL, .also_ctx = ncs.w};
    sim_run_result_t res;
    int r = sim_runner_run(c->runner, c->scn, seed_of(c), &ro, &res, c->err, sizeof(c->err));
    if (ncs_close(&ncs, 0) != 0)
        r = r != 0 ? r : 3; /* said already */
    if (trace != NULL && fclose(trace) != 0 && r == 0) {
        snprintf(c->err, sizeof(c->err), "%.1000s: error: writing the trace failed", trace_path);
        r = 2;
    }
    if (r != 0) {
        if (r != 3)
            fprintf(stderr, "%s\n", c->err);
        return 2;
    }
    double secs = now_s() - t0;
    const orc_t *o = sim_runner_oracle(c->runner);
    sim_runner_add_transitions(c->runner, m->table);
    m->pass = res.verdict.pass;
    if (!c->a->quiet || !res.verdict.pass) {
        fprintf(out[0], "%s  %s  (seed %" PRIu64 ", %" PRIu64 " trace lines, trace %016" PRIx64 ")\n",
                res.verdict.pass ? "PASS" : "FAIL", c->path, res.seed, res.trace_lines,
                res.fingerprint);
        if (!res.verdict.pass)
            sim_verdict_print(out[0], &res.verdict, o, false);
    }
    results_json_run(out[1], c->path, c->scn->title, &res, o, trace_path,
                     sim_runner_world(c->runner), c->scn->sessions);
    junit_scenario(out[2], c->scn, &res, o, secs, &m->jt);
    return 0;
}

/* contain_fn: the run, and its texts behind a run_msg_t. */
static void run_child(void *ctx, FILE *out)
{
    run_ctx_t *c = ctx;
    run_msg_t m;
    memset(&m, 0, sizeof(m));
    m.magic = RUN_MSG_MAGIC;
    char *text[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    FILE *s[3];
    for (int i = 0; i < 3; i++)
        s[i] = open_memstream(&text[i], &len[i]);
    if (s[0] == NULL || s[1] == NULL || s[2] == NULL) {
        fprintf(stderr, "hasim run: error: out of memory\n");
        m.rc = 2;
    } else {
        m.rc = run_scenario(c, s, &m);
    }
    for (int i = 0; i < 3; i++) {
        if (s[i] != NULL)
            fclose(s[i]);
        m.len[i] = text[i] != NULL ? len[i] : 0;
    }
    fwrite(&m, sizeof(m), 1, out);
    for (int i = 0; i < 3; i++) {
        if (m.len[i] > 0)
            fwrite(text[i], 1, len[i], out);
        free(text[i]);
    }
}

/* ---- one scenario, in the parent --------------------------------------- */

/* A child's message into the totals and the outputs; false if it is not
 * a whole message. */
static bool take_result(run_ctx_t *c, const char *buf, size_t n)
{
    run_msg_t m;
    if (n < sizeof(m))
        return false;
    memcpy(&m, buf, sizeof(m));
    if (m.magic != RUN_MSG_MAGIC || n != sizeof(m) + m.len[0] + m.len[1] + m.len[2])
        return false;
    if (m.rc != 0) {
        c->not_run++;
        return true;
    }
    const char *text = buf + sizeof(m);
    fwrite(text, 1, m.len[0], stdout);
    if (c->json) {
        json_sep(c);
        fwrite(text + m.len[0], 1, m.len[1], c->json);
    }
    if (c->junit_body)
        fwrite(text + m.len[0] + m.len[1], 1, m.len[2], c->junit_body);
    for (size_t k = 0; k < (size_t)HA_ST_COUNT * HA_SEV_COUNT; k++)
        c->table[k] += m.table[k];
    c->jt.tests += m.jt.tests;
    c->jt.failures += m.jt.failures;
    c->jt.time_s += m.jt.time_s;
    m.pass ? c->passed++ : c->failed++;
    return true;
}

/* The last line of text that is not empty, into out. */
static void last_line(const char *text, char *out, size_t cap)
{
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == '\n')
        n--;
    size_t start = n;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    snprintf(out, cap, "%.*s", (int)(n - start), text + start);
}

/* A child that crashed: a FAIL with what it died of, where, and how to
 * replay it. */
static void take_crash(run_ctx_t *c, const contain_status_t *st, double secs)
{
    char tail[4096], message[512], replay[SCN_PATH_SIZE + 96], trace_buf[4096];
    size_t lines = sim_run_tail_lines(c->tail, CRASH_TAIL_LINES, tail, sizeof(tail));
    last_line(st->stderr_text, message, sizeof(message));
    snprintf(replay, sizeof(replay), "hasim run --seed %" PRIu64 " %s", seed_of(c), c->path);
    /* The scenario line: the last action at or before the last line's time. */
    char last[512];
    int64_t t_ms = 0;
    last_line(tail, last, sizeof(last));
    if (sscanf(last, "{\"t_ms\":%" SCNd64, &t_ms) != 1)
        t_ms = 0;
    int line = junit_scn_line(c->scn, -1, 0, t_ms);
    printf("FAIL  %s  (seed %" PRIu64 ", crashed: %s)\n", c->path, seed_of(c), st->what);
    if (message[0] != '\0')
        printf("      crash: %s\n", message);
    printf("      %s:%d: the last action before it; the last %zu trace lines (of %" PRIu64 "):\n",
           c->path, line, lines, c->tail->lines);
    for (const char *p = tail; *p != '\0';) {
        size_t len = strcspn(p, "\n");
        printf("        %.*s\n", (int)len, p);
        p += len + (p[len] == '\n');
    }
    printf("      replay: %s   (--no-fork to crash in a debugger)\n", replay);
    if (c->json) {
        json_sep(c);
        results_json_crash(c->json, c->path, c->scn->title, seed_of(c), st->signal, st->what,
                           tail, message, replay,
                           trace_path_of(c->a, c->path, trace_buf, sizeof(trace_buf)));
    }
    if (c->junit_body)
        junit_crash(c->junit_body, c->scn, line, secs, st->what, tail, message, replay, &c->jt);
    c->failed++;
    c->crashed++;
}

/* "FILE:LINE:COL: error: ..." into its line and column (0 when it has none). */
static void err_position(const char *path, const char *err, int *line, int *col)
{
    size_t n = strlen(path);
    *line = *col = 0;
    if (strncmp(err, path, n) == 0 && err[n] == ':' && sscanf(err + n, ":%d:%d:", line, col) < 1)
        *line = 0;
}

static void take_malformed(run_ctx_t *c)
{
    int line, col;
    fprintf(stderr, "%s\n", c->err);
    err_position(c->path, c->err, &line, &col);
    fputs(c->malformed_n++ ? "," : "", c->malformed);
    results_json_malformed(c->malformed, c->path, line, col, c->err);
    if (c->junit_body)
        junit_malformed(c->junit_body, c->path, line, c->err, &c->jt);
}

/* Parses and runs the scenario at path, contained: 0, or 2 when nothing
 * can run any more (no process, no memory). */
static int run_one(run_ctx_t *c, const char *path)
{
    c->path = path;
    if (scn_parse_file(c->scn, path, c->err, sizeof(c->err)) != 0) {
        take_malformed(c);
        return 0;
    }
    memset(c->tail, 0, sizeof(*c->tail));
    char *buf;
    size_t n;
    contain_status_t st;
    double t0 = now_s();
    if (contain_call(c->contain, run_child, c, &buf, &n, &st) != 0) {
        fprintf(stderr, "hasim run: error: cannot run %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (st.crashed) {
        take_crash(c, &st, now_s() - t0);
    } else if (!take_result(c, buf, n)) {
        snprintf(st.what, sizeof(st.what), "its result did not arrive whole");
        st.crashed = true;
        take_crash(c, &st, now_s() - t0);
    }
    free(buf);
    return 0;
}

/* Runs every file; the exit status. */
static int run_files(run_ctx_t *c, const path_list_t *files)
{
    c->scn = scn_new();
    c->runner = sim_runner_new();
    c->table = calloc((size_t)HA_ST_COUNT * HA_SEV_COUNT, sizeof(uint64_t));
    c->contain = contain_new(!c->a->no_fork, c->a->timeout_s, sizeof(sim_run_tail_t));
    if (c->scn == NULL || c->runner == NULL || c->table == NULL || c->contain == NULL) {
        fprintf(stderr, "hasim run: error: out of memory\n");
        return 2;
    }
    c->tail = contain_shared(c->contain);
    if (open_outputs(c) != 0)
        return 2;
    for (int i = 0; i < files->count; i++) {
        if (run_one(c, files->paths[i]) != 0)
            return 2;
    }
    if (finish_outputs(c) != 0)
        return 2;
    int all = c->passed + c->failed + c->malformed_n + c->not_run;
    printf("%d scenario%s: %d passed, %d failed", all, all == 1 ? "" : "s", c->passed, c->failed);
    if (c->crashed > 0)
        printf(" (%d crashed)", c->crashed);
    if (c->malformed_n > 0)
        printf(", %d malformed", c->malformed_n);
    if (c->not_run > 0)
        printf(", %d not run", c->not_run);
    putchar('\n');
    return c->malformed_n + c->not_run + c->empty > 0 ? 2 : c->failed > 0 ? 1 : 0;
}

int cmd_run(int argc, char **argv)
{
    run_args_t a = {.timeout_s = RUN_TIMEOUT_S_DEFAULT, .trace_fd = -1};
    int first;
    int rc = cli_parse(&RUN_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (first == argc)
        return cli_usage("run", "no scenario given");
    path_list_t files = {0};
    run_ctx_t c = {.a = &a};
    if (collect_files(argv + first, argc - first, &files, &c.empty) != 0) {
        fprintf(stderr, "hasim run: error: out of memory\n");
        list_free(&files);
        return 2;
    }
    if (a.trace_path != NULL && files.count != 1) {
        list_free(&files);
        return cli_usage("run", "--trace takes one scenario; use --trace-dir for many");
    }
    if (a.trace_path != NULL && strcmp(a.trace_path, "-") == 0) {
        /* The trace keeps stdout; everything said about the run goes to
         * stderr, so that `--trace - | jq` reads a trace and nothing else. */
        fflush(stdout);
        a.trace_fd = dup(STDOUT_FILENO);
        if (a.trace_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
            fprintf(stderr, "hasim run: error: --trace -: %s\n", strerror(errno));
            list_free(&files);
            return 2;
        }
    }
    rc = run_files(&c, &files);
    if (c.json != NULL) { /* not committed: no half file left behind */
        fclose(c.json);
        remove(c.json_tmp);
    }
    if (c.junit_body)
        fclose(c.junit_body);
    if (c.malformed)
        fclose(c.malformed);
    free(c.junit_buf);
    free(c.malformed_buf);
    free(c.table);
    contain_free(c.contain);
    sim_runner_free(c.runner);
    scn_free(c.scn);
    list_free(&files);
    if (a.trace_fd >= 0)
        close(a.trace_fd);
    return rc;
}
