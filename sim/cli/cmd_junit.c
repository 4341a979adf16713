/* cmd_junit.c -- hasim junit: swarm and explore failures as JUnit test cases.
 *
 * `hasim run --junit` covers the scenario library. A swarm's failing runs
 * (its --json, or hasim merge's of the shards) and the failing timelines of
 * hasim explore --out DIR become test cases too, each carrying the command
 * that replays it and the scenario the shrinker made of it (every candidate
 * in a child: a crash shrinks like any failure), so the CI page shows the
 * regression test to commit. It reads JSON the way hasim merge does.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "run/junit.h"
#include "search/shrink.h"
#include "search/swarm.h"
#include "search/swarm_gen.h"

static const char JUNIT_HELP[] =
    "usage: hasim junit -o FILE [--swarm SWARM.json]... [--explore DIR]... [options]\n"
    "\n"
    "Writes JUnit XML with a test case per failing run of a swarm (its --json,\n"
    "or hasim merge's) and per failing timeline of hasim explore --out DIR: the\n"
    "rule and message, the command that replays it, and the scenario the\n"
    "shrinker makes of it (a regression test to commit). A search with no\n"
    "failure is one passing test case.\n"
    "\n"
    "  -o FILE           the JUnit file (written whole or not at all)\n"
    "  --swarm FILE      a swarm's results\n"
    "  --explore DIR     the scenarios hasim explore --out DIR wrote\n"
    "  --shrink-max N    shrink at most N failures of each search (default 10;\n"
    "                    0: none); the others carry their replay command only\n"
    "  --max-runs N      runs each shrink may use (default 20000)\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 written and no failure in it, 1 written with failures,\n"
    "2 usage or input error.\n";

#define INPUTS_MAX 64

enum { OPT_SWARM = CLI_OPT_OWN, OPT_EXPLORE, OPT_SHRINK_MAX, OPT_MAX_RUNS };

static const struct option JUNIT_LONGOPTS[] = {
    {"swarm", required_argument, NULL, OPT_SWARM},
    {"explore", required_argument, NULL, OPT_EXPLORE},
    {"shrink-max", required_argument, NULL, OPT_SHRINK_MAX},
    {"max-runs", required_argument, NULL, OPT_MAX_RUNS},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    const char *out;
    const char *swarm[INPUTS_MAX], *explore[INPUTS_MAX];
    int swarm_n, explore_n;
    uint64_t shrink_max, runs_max;
} junit_args_t;

static int junit_take(void *args, int opt, const char *val)
{
    junit_args_t *a = args;
    switch (opt) {
    case 'o':
        a->out = val;
        return 0;
    case OPT_SWARM:
    case OPT_EXPLORE:
        if ((opt == OPT_SWARM ? a->swarm_n : a->explore_n) == INPUTS_MAX)
            return cli_usage("junit", "at most %d of each input", INPUTS_MAX);
        if (opt == OPT_SWARM)
            a->swarm[a->swarm_n++] = val;
        else
            a->explore[a->explore_n++] = val;
        return 0;
    case OPT_SHRINK_MAX:
    case OPT_MAX_RUNS:
        if (!cli_u64(val, opt == OPT_SHRINK_MAX ? &a->shrink_max : &a->runs_max))
            return cli_usage("junit", "%s takes a number, not '%s'",
                             opt == OPT_SHRINK_MAX ? "--shrink-max" : "--max-runs", val);
        return 0;
    }
    return 0;
}

static const cli_cmd_t JUNIT_CLI = {"junit", JUNIT_HELP, "ho:", JUNIT_LONGOPTS, junit_take};

typedef struct {
    const junit_args_t *a;
    FILE *body;
    junit_totals_t t;
    shrink_t *k;
    scn_t *s;
    uint64_t shrunk; /* in the current search */
} junit_ctx_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Shrinks c->s, which failed with rule, into *text (malloc'd) and a note on
 * what was kept; *text NULL when it was not shrunk (the note says why). */
static void shrink_text(junit_ctx_t *c, const char *rule, char **text, char *note, size_t cap)
{
    *text = NULL;
    if (c->shrunk >= c->a->shrink_max) {
        snprintf(note, cap, "not shrunk (--shrink-max %" PRIu64 "): hasim shrink does it",
                 c->a->shrink_max);
        return;
    }
    c->shrunk++;
    shrink_opts_t so = {.fork_each = true, .runs_max = c->a->runs_max};
    shrink_result_t res;
    char err[SCN_ERR_SIZE];
    int r = shrink_run(c->k, c->s, &so, &res, err, sizeof(err));
    if (r != 0) {
        snprintf(note, cap, "not shrunk: %.400s", r == 1 ? "the run passes here" : err);
        return;
    }
    char sig[320];
    shrink_sig_describe(&res.sig, sig, sizeof(sig));
    if (strcmp(rule, swarm_rule_name(res.signature)) != 0 &&
        !(res.signature == ORC_RULE_EXPECT && strcmp(rule, "EXPECT") == 0)) {
        snprintf(note, cap, "not shrunk: here the run fails with %s, not %s", sig, rule);
        return;
    }
    snprintf(note, cap, "shrunk from %zu actions to %zu in %" PRIu64 " runs; it fails the same "
             "way: %s", res.actions_before, res.actions_after, res.runs, sig);
    size_t len;
    FILE *f = open_memstream(text, &len);
    if (f != NULL) {
        scn_write(f, c->s);
        fclose(f);
    }
}

/* The generator's options of a replay command ("... --faults K --duration D"). */
static int gen_of_replay(const char *replay, swarm_gen_opts_t *gen)
{
    swarm_cli_t o = {.gen = swarm_gen_defaults()};
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", replay);
    char *save = NULL, *prev = NULL;
    for (char *w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        if (prev != NULL && strcmp(prev, "--faults") == 0 &&
            swarm_cli_opt("junit", CLI_OPT_FAULTS, w, &o) != 0)
            return 2;
        if (prev != NULL && strcmp(prev, "--duration") == 0 &&
            swarm_cli_opt("junit", CLI_OPT_DURATION, w, &o) != 0)
            return 2;
        prev = w;
    }
    *gen = o.gen;
    return 0;
}

static const char *str_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

/* One failing run of a swarm report. */
static void swarm_failure(junit_ctx_t *c, json_t *fl, const swarm_gen_opts_t *gen)
{
    double t0 = now_s();
    uint64_t seed = (uint64_t)json_integer_value(json_object_get(fl, "seed"));
    char name[96], note[512];
    snprintf(name, sizeof(name), "run %" JSON_INTEGER_FORMAT " seed %" PRIu64,
             json_integer_value(json_object_get(fl, "run")), seed);
    swarm_gen(c->s, seed, gen);
    char *text;
    shrink_text(c, str_of(fl, "rule"), &text, note, sizeof(note));
    junit_search_failure(c->body, "hasim.swarm", name, NULL, 0, now_s() - t0, str_of(fl, "rule"),
                         str_of(fl, "msg"), str_of(fl, "replay"), text, note, &c->t);
    free(text);
}

static int read_swarm(junit_ctx_t *c, const char *path)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (root == NULL) {
        fprintf(stderr, "%s:%d:%d: error: %s\n", path, je.line, je.column, je.text);
        return 2;
    }
    json_t *failing = json_object_get(root, "failing");
    if (!json_is_array(failing) || !json_is_integer(json_object_get(root, "runs"))) {
        fprintf(stderr, "%s: error: not a swarm report (no \"runs\" and \"failing\")\n", path);
        json_decref(root);
        return 2;
    }
    c->shrunk = 0;
    size_t i;
    json_t *fl;
    json_array_foreach(failing, i, fl) {
        swarm_gen_opts_t gen;
        if (gen_of_replay(str_of(fl, "replay"), &gen) != 0) {
            json_decref(root);
            return 2;
        }
        swarm_failure(c, fl, &gen);
    }
    if (json_array_size(failing) == 0) {
        char name[96];
        snprintf(name, sizeof(name), "swarm of %" JSON_INTEGER_FORMAT " runs from seed %"
                 JSON_INTEGER_FORMAT, json_integer_value(json_object_get(root, "runs")),
                 json_integer_value(json_object_get(root, "seed")));
        junit_search_pass(c->body, "hasim.swarm", name, 0.0, &c->t);
    }
    json_decref(root);
    return 0;
}

/* One timeline hasim explore wrote: "# hasim explore: RULE: MSG" on line 1. */
static int explore_failure(junit_ctx_t *c, const char *path)
{
    char head[512] = "", rule[32] = "?", err[SCN_ERR_SIZE];
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(head, sizeof(head), f) == NULL)
        head[0] = '\0';
    if (f != NULL)
        fclose(f);
    head[strcspn(head, "\n")] = '\0';
    const char *msg = head;
    if (sscanf(head, "# hasim explore: %31[^:]:", rule) == 1)
        msg = head + strlen("# hasim explore: ");
    if (scn_parse_file(c->s, path, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    double t0 = now_s();
    char replay[SCN_PATH_SIZE + 16], note[512];
    snprintf(replay, sizeof(replay), "hasim run %s", path);
    char *text;
    shrink_text(c, rule, &text, note, sizeof(note));
    junit_search_failure(c->body, "hasim.explore", path, path, 1, now_s() - t0, rule, msg,
                         replay, text, note, &c->t);
    free(text);
    return 0;
}

static int read_explore(junit_ctx_t *c, const char *dir)
{
    char **files;
    int n = cli_list_scn(dir, &files);
    if (n < 0) {
        fprintf(stderr, "%s: error: cannot list: %s\n", dir, strerror(errno));
        return 2;
    }
    int rc = 0;
    c->shrunk = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = explore_failure(c, files[i]);
        free(files[i]);
    }
    free(files);
    if (n == 0 && rc == 0) {
        char name[SCN_PATH_SIZE + 32];
        snprintf(name, sizeof(name), "explore %s: no failing timeline", dir);
        junit_search_pass(c->body, "hasim.explore", name, 0.0, &c->t);
    }
    return rc;
}

/* The cases, then the file: 0, 1 (failures in it) or 2. */
static int write_junit(junit_ctx_t *c, char *buf, size_t len)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", c->a->out);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "%s: error: cannot write: %s\n", tmp, strerror(errno));
        return 2;
    }
    junit_begin(f, "hasim search", &c->t);
    fwrite(buf, 1, len, f);
    junit_end(f);
    if (fclose(f) != 0 || rename(tmp, c->a->out) != 0) {
        fprintf(stderr, "%s: error: writing failed\n", c->a->out);
        remove(tmp);
        return 2;
    }
    printf("%s: %u test cases, %u failures\n", c->a->out, c->t.tests, c->t.failures);
    return c->t.failures > 0 ? 1 : 0;
}

int cmd_junit(int argc, char **argv)
{
    junit_args_t a = {.shrink_max = 10, .runs_max = 20000};
    int first;
    int rc = cli_parse(&JUNIT_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (first < argc)
        return cli_usage("junit", "unexpected argument '%s'", argv[first]);
    if (a.out == NULL || a.swarm_n + a.explore_n == 0)
        return cli_usage("junit", "give -o FILE and at least one --swarm or --explore");
    junit_ctx_t c = {.a = &a, .k = shrink_new(), .s = scn_new()};
    char *buf = NULL;
    size_t len = 0;
    c.body = open_memstream(&buf, &len);
    rc = 2;
    if (c.k == NULL || c.s == NULL || c.body == NULL) {
        fprintf(stderr, "hasim junit: error: out of memory\n");
    } else {
        rc = 0;
        for (int i = 0; i < a.swarm_n && rc == 0; i++)
            rc = read_swarm(&c, a.swarm[i]);
        for (int i = 0; i < a.explore_n && rc == 0; i++)
            rc = read_explore(&c, a.explore[i]);
    }
    if (c.body != NULL)
        fclose(c.body);
    if (rc == 0)
        rc = write_junit(&c, buf, len);
    free(buf);
    scn_free(c.s);
    shrink_free(c.k);
    return rc;
}
