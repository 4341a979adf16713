/* cmd_run.c -- hasim run: scenario files through the world and the oracle.
 *
 * Every file is parsed before anything runs: a bad file refuses the whole
 * invocation (exit 2), so CI never reports half a library as green. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "ha.h"
#include "run/results.h"
#include "run/runner.h"
#include "lang/scn.h"
#include "world/world.h"

static const char RUN_HELP[] =
    "usage: hasim run [options] SCENARIO|DIR...\n"
    "\n"
    "Runs scenario files (a directory: its *.scn, sorted) in the simulated world,\n"
    "checks every contract rule R1-R14 and each scenario's own `expect` lines,\n"
    "and prints one verdict per scenario.\n"
    "\n"
    "  --seed N         override every scenario's seed\n"
    "  --trace FILE     write the trace (JSON Lines) of the one scenario given\n"
    "  --trace-dir DIR  write each scenario's trace to DIR/<name>.jsonl\n"
    "  --json FILE      write verdicts, violations and timings as JSON\n"
    "  --junit FILE     write JUnit XML: one test case per scenario and rule\n"
    "  -q, --quiet      print failures and the summary only\n"
    "  -h, --help       this text\n"
    "\n"
    "Exit status: 0 all passed, 1 a scenario failed, 2 usage or input error.\n";

typedef struct {
    char **paths;
    int count, cap;
} path_list_t;

static int list_add(path_list_t *l, char *p)
{
    if (l->count == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        char **grown = realloc(l->paths, sizeof(char *) * (size_t)cap);
        if (grown == NULL)
            return -1;
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

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

enum { OPT_TRACE = CLI_OPT_OWN, OPT_TRACE_DIR, OPT_JSON, OPT_JUNIT };

static const struct option RUN_LONGOPTS[] = {
    {"seed", required_argument, NULL, CLI_OPT_SEED},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"trace-dir", required_argument, NULL, OPT_TRACE_DIR},
    {"json", required_argument, NULL, OPT_JSON},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    uint64_t seed;
    bool has_seed, quiet;
    const char *trace_path, *trace_dir, *json_path, *junit_path;
} run_args_t;

static int run_take(void *args, int opt, const char *val)
{
    run_args_t *a = args;
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
    case OPT_JSON:
        a->json_path = val;
        break;
    case OPT_JUNIT:
        a->junit_path = val;
        break;
    case 'q':
        a->quiet = true;
        break;
    }
    return 0;
}

static const cli_cmd_t RUN_CLI = {"run", RUN_HELP, "hq", RUN_LONGOPTS, run_take};

/* The files the operands name, a directory standing for its *.scn: 0, or 2
 * after a message. */
static int collect_files(char **operands, int n, path_list_t *files)
{
    for (int i = 0; i < n; i++) {
        const char *a = operands[i];
        if (!cli_is_dir(a)) {
            list_add(files, strdup(a));
            continue;
        }
        char **found;
        int count = cli_list_scn(a, &found);
        if (count < 0) {
            fprintf(stderr, "%s: error: cannot list: %s\n", a, strerror(errno));
            return 2;
        }
        for (int k = 0; k < count; k++)
            list_add(files, found[k]);
        free(found);
    }
    return 0;
}

/* One invocation: what every scenario's run shares, and the totals. */
typedef struct {
    const run_args_t *a;
    scn_t *scn;
    sim_runner_t *runner;
    uint64_t *table; /* transitions seen, HA_ST_COUNT x HA_SEV_COUNT */
    FILE *json, *junit_body;
    char *junit_buf; /* junit_body's text: the header needs the totals first */
    size_t junit_len;
    int passed, failed;
    unsigned junit_tests, junit_failures;
    char err[SCN_ERR_SIZE];
} run_ctx_t;

static int parse_all(run_ctx_t *c, const path_list_t *files)
{
    int bad = 0;
    for (int i = 0; i < files->count; i++) {
        if (scn_parse_file(c->scn, files->paths[i], c->err, sizeof(c->err)) != 0) {
            fprintf(stderr, "%s\n", c->err);
            bad++;
        }
    }
    return bad > 0 ? 2 : 0;
}

static int open_outputs(run_ctx_t *c)
{
    const run_args_t *a = c->a;
    if (a->json_path != NULL && (c->json = fopen(a->json_path, "w")) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", a->json_path, strerror(errno));
        return 2;
    }
    if (a->junit_path != NULL &&
        (c->junit_body = open_memstream(&c->junit_buf, &c->junit_len)) == NULL)
        return 2;
    if (a->trace_dir != NULL && mkdir(a->trace_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot create: %s\n", a->trace_dir, strerror(errno));
        return 2;
    }
    if (c->json)
        fputs("{\"hasim\":\"run\",\"runs\":[\n", c->json);
    return 0;
}

/* The trace file of the scenario at path, NULL for none: --trace, or
 * DIR/<name>.jsonl under --trace-dir (into buf). */
static const char *trace_path_of(const run_args_t *a, const char *path, char *buf, size_t cap)
{
    if (a->trace_path != NULL)
        return a->trace_path;
    if (a->trace_dir == NULL)
        return NULL;
    const char *b = base_name(path);
    snprintf(buf, cap, "%s/%.*s.jsonl", a->trace_dir, (int)(strlen(b) - 4), b);
    return buf;
}

static void report_one(run_ctx_t *c, int i, const char *path, const sim_run_result_t *res,
                       const char *trace)
{
    const orc_t *o = sim_runner_oracle(c->runner);
    sim_runner_add_transitions(c->runner, c->table);
    res->verdict.pass ? c->passed++ : c->failed++;
    if (!c->a->quiet || !res->verdict.pass) {
        printf("%s  %s  (seed %" PRIu64 ", %" PRIu64 " trace lines, trace %016" PRIx64 ")\n",
               res->verdict.pass ? "PASS" : "FAIL", path, res->seed, res->trace_lines,
               res->fingerprint);
        if (!res->verdict.pass)
            sim_verdict_print(stdout, &res->verdict, o, false);
    }
    if (c->json) {
        fputs(i ? ",\n" : "", c->json);
        results_json_run(c->json, path, c->scn->title, res, o, trace,
                         sim_runner_world(c->runner), c->scn->sessions);
    }
    if (c->junit_body) {
        results_junit_run(c->junit_body, c->scn, res, o);
        c->junit_tests += results_junit_cases();
        c->junit_failures += results_junit_failures(c->scn, res, o);
    }
}

/* Runs the i-th scenario, at path: 0, or 2 after a message. */
static int run_one(run_ctx_t *c, int i, const char *path)
{
    if (scn_parse_file(c->scn, path, c->err, sizeof(c->err)) != 0) {
        fprintf(stderr, "%s\n", c->err); /* changed under our feet */
        return 2;
    }
    char buf[4096];
    const char *trace_path = trace_path_of(c->a, path, buf, sizeof(buf));
    FILE *trace = NULL;
    if (trace_path != NULL && (trace = fopen(trace_path, "w")) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", trace_path, strerror(errno));
        return 2;
    }
    sim_run_opts_t ro = {.trace = trace, .fingerprint = true};
    sim_run_result_t res;
    uint64_t seed = c->a->has_seed ? c->a->seed : c->scn->seed;
    int r = sim_runner_run(c->runner, c->scn, seed, &ro, &res, c->err, sizeof(c->err));
    if (trace != NULL && fclose(trace) != 0 && r == 0) {
        snprintf(c->err, sizeof(c->err), "%.1000s: error: writing the trace failed", trace_path);
        r = 2;
    }
    if (r != 0) {
        fprintf(stderr, "%s\n", c->err);
        return 2;
    }
    report_one(c, i, path, &res, trace_path);
    return 0;
}

static int finish_outputs(run_ctx_t *c)
{
    if (c->json) {
        fputs("\n],\"transitions\":", c->json);
        results_json_transitions(c->json, c->table);
        fputs("}\n", c->json);
    }
    if (c->junit_body == NULL)
        return 0;
    fclose(c->junit_body);
    c->junit_body = NULL;
    FILE *jf = fopen(c->a->junit_path, "w");
    if (jf == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", c->a->junit_path, strerror(errno));
        return 2;
    }
    results_junit_begin(jf, "hasim.scenarios", c->junit_tests, c->junit_failures);
    fwrite(c->junit_buf, 1, c->junit_len, jf);
    results_junit_end(jf);
    fclose(jf);
    return 0;
}

/* Runs every file, once all of them parsed; the exit status. */
static int run_files(run_ctx_t *c, const path_list_t *files)
{
    c->scn = scn_new();
    c->runner = sim_runner_new();
    c->table = calloc((size_t)HA_ST_COUNT * HA_SEV_COUNT, sizeof(uint64_t));
    if (c->scn == NULL || c->runner == NULL || c->table == NULL) {
        fprintf(stderr, "hasim run: error: out of memory\n");
        return 2;
    }
    if (parse_all(c, files) != 0 || open_outputs(c) != 0)
        return 2;
    for (int i = 0; i < files->count; i++) {
        if (run_one(c, i, files->paths[i]) != 0)
            return 2;
    }
    if (finish_outputs(c) != 0)
        return 2;
    printf("%d scenarios: %d passed, %d failed\n", c->passed + c->failed, c->passed, c->failed);
    return c->failed > 0 ? 1 : 0;
}

int cmd_run(int argc, char **argv)
{
    run_args_t a = {0};
    int first;
    int rc = cli_parse(&RUN_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    path_list_t files = {0};
    if (collect_files(argv + first, argc - first, &files) != 0) {
        list_free(&files);
        return 2;
    }
    if (files.count == 0) {
        list_free(&files);
        return cli_usage("run", "no scenario given");
    }
    if (a.trace_path != NULL && files.count != 1) {
        list_free(&files);
        return cli_usage("run", "--trace takes one scenario; use --trace-dir for many");
    }
    run_ctx_t c = {.a = &a};
    rc = run_files(&c, &files);
    if (c.json != NULL && fclose(c.json) != 0)
        rc = 2;
    if (c.junit_body)
        fclose(c.junit_body);
    free(c.junit_buf);
    free(c.table);
    sim_runner_free(c.runner);
    scn_free(c.scn);
    list_free(&files);
    return rc;
}
