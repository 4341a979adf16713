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
    "checks every contract rule R1-R12 and each scenario's own `expect` lines,\n"
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

int cmd_run(int argc, char **argv)
{
    uint64_t seed = 0;
    bool has_seed = false, quiet = false;
    const char *trace_path = NULL, *trace_dir = NULL, *json_path = NULL, *junit_path = NULL;
    path_list_t files = {0};
    int rc = 2;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(RUN_HELP, stdout);
            list_free(&files);
            return 0;
        } else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
            /* Traces are JSON read as signed 64-bit integers: 2^63-1 at most. */
            if (!cli_u64(argv[++i], &seed) || seed > INT64_MAX) {
                list_free(&files);
                return cli_usage("run", "--seed takes a number 0..2^63-1, not '%s'", argv[i]);
            }
            has_seed = true;
        } else if (strcmp(a, "--trace") == 0 && i + 1 < argc) {
            trace_path = argv[++i];
        } else if (strcmp(a, "--trace-dir") == 0 && i + 1 < argc) {
            trace_dir = argv[++i];
        } else if (strcmp(a, "--json") == 0 && i + 1 < argc) {
            json_path = argv[++i];
        } else if (strcmp(a, "--junit") == 0 && i + 1 < argc) {
            junit_path = argv[++i];
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (a[0] == '-') {
            list_free(&files);
            return cli_usage("run", "unknown option '%s'", a);
        } else if (cli_is_dir(a)) {
            char **found;
            int n = cli_list_scn(a, &found);
            if (n < 0) {
                list_free(&files);
                fprintf(stderr, "%s: error: cannot list: %s\n", a, strerror(errno));
                return 2;
            }
            for (int k = 0; k < n; k++)
                list_add(&files, found[k]);
            free(found);
        } else {
            list_add(&files, strdup(a));
        }
    }
    if (files.count == 0) {
        list_free(&files);
        return cli_usage("run", "no scenario given");
    }
    if (trace_path != NULL && files.count != 1) {
        list_free(&files);
        return cli_usage("run", "--trace takes one scenario; use --trace-dir for many");
    }

    scn_t *scn = scn_new();
    sim_runner_t *runner = sim_runner_new();
    char err[SCN_ERR_SIZE];
    FILE *json = NULL, *junit_body = NULL;
    char *junit_buf = NULL;
    size_t junit_len = 0;
    uint64_t *table = calloc((size_t)HA_ST_COUNT * HA_SEV_COUNT, sizeof(uint64_t));
    if (scn == NULL || runner == NULL || table == NULL) {
        fprintf(stderr, "hasim run: error: out of memory\n");
        goto out;
    }

    /* Parse everything first: nothing runs if anything is malformed. */
    int bad = 0;
    for (int i = 0; i < files.count; i++) {
        if (scn_parse_file(scn, files.paths[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            bad++;
        }
    }
    if (bad > 0)
        goto out;

    if (json_path != NULL && (json = fopen(json_path, "w")) == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", json_path, strerror(errno));
        goto out;
    }
    if (junit_path != NULL && (junit_body = open_memstream(&junit_buf, &junit_len)) == NULL)
        goto out;
    if (trace_dir != NULL && mkdir(trace_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot create: %s\n", trace_dir, strerror(errno));
        goto out;
    }
    if (json)
        fputs("{\"hasim\":\"run\",\"runs\":[\n", json);

    int passed = 0, failed = 0;
    unsigned junit_tests = 0, junit_failures = 0;
    for (int i = 0; i < files.count; i++) {
        if (scn_parse_file(scn, files.paths[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err); /* changed under our feet */
            goto out;
        }
        char tpath[4096];
        FILE *trace = NULL;
        const char *this_trace = NULL;
        if (trace_path != NULL) {
            this_trace = trace_path;
        } else if (trace_dir != NULL) {
            const char *b = base_name(files.paths[i]);
            snprintf(tpath, sizeof(tpath), "%s/%.*s.jsonl", trace_dir, (int)(strlen(b) - 4), b);
            this_trace = tpath;
        }
        if (this_trace != NULL && (trace = fopen(this_trace, "w")) == NULL) {
            fprintf(stderr, "%s: error: cannot write: %s\n", this_trace, strerror(errno));
            goto out;
        }
        sim_run_opts_t ro = {.trace = trace, .fingerprint = true};
        sim_run_result_t res;
        uint64_t s = has_seed ? seed : scn->seed;
        int r = sim_runner_run(runner, scn, s, &ro, &res, err, sizeof(err));
        if (trace != NULL && fclose(trace) != 0 && r == 0) {
            snprintf(err, sizeof(err), "%.1000s: error: writing the trace failed", this_trace);
            r = 2;
        }
        if (r != 0) {
            fprintf(stderr, "%s\n", err);
            goto out;
        }
        const orc_t *o = sim_runner_oracle(runner);
        sim_runner_add_transitions(runner, table);
        res.verdict.pass ? passed++ : failed++;
        if (!quiet || !res.verdict.pass) {
            printf("%s  %s  (seed %" PRIu64 ", %" PRIu64 " trace lines, trace %016" PRIx64 ")\n",
                   res.verdict.pass ? "PASS" : "FAIL", files.paths[i], res.seed, res.trace_lines,
                   res.fingerprint);
            if (!res.verdict.pass)
                sim_verdict_print(stdout, &res.verdict, o, false);
        }
        if (json) {
            fputs(i ? ",\n" : "", json);
            results_json_run(json, files.paths[i], scn->title, &res, o, this_trace,
                             sim_runner_world(runner), scn->sessions);
        }
        if (junit_body) {
            results_junit_run(junit_body, scn, &res, o);
            junit_tests += results_junit_cases();
            junit_failures += results_junit_failures(scn, &res, o);
        }
    }
    if (json) {
        fputs("\n],\"transitions\":", json);
        results_json_transitions(json, table);
        fputs("}\n", json);
    }
    if (junit_body) {
        fclose(junit_body);
        junit_body = NULL;
        FILE *jf = fopen(junit_path, "w");
        if (jf == NULL) {
            fprintf(stderr, "%s: error: cannot write: %s\n", junit_path, strerror(errno));
            goto out;
        }
        results_junit_begin(jf, "hasim.scenarios", junit_tests, junit_failures);
        fwrite(junit_buf, 1, junit_len, jf);
        results_junit_end(jf);
        fclose(jf);
    }
    printf("%d scenarios: %d passed, %d failed\n", passed + failed, passed, failed);
    rc = failed > 0 ? 1 : 0;
out:
    if (json != NULL && fclose(json) != 0)
        rc = 2;
    if (junit_body)
        fclose(junit_body);
    free(junit_buf);
    free(table);
    sim_runner_free(runner);
    scn_free(scn);
    list_free(&files);
    return rc;
}
