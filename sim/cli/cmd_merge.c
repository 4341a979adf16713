/* cmd_merge.c -- hasim merge: the JSON results of swarm shards as one.
 *
 * Every number in a swarm report is a sum over runs and the failing list is
 * ordered by run, so merging is summing and a merge sort. The output is
 * written by the same function as a swarm's own report, so the merge of the
 * shards of a swarm equals the report of the unsharded swarm byte for byte,
 * except elapsed_ms (the longest shard's), jobs (their sum) and shard.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ha.h"
#include "search/swarm.h"

static const char MERGE_HELP[] =
    "usage: hasim merge [-o OUT.json] [--partial] SHARD.json...\n"
    "\n"
    "Merges the --json results of the shards of one swarm (hasim swarm --shard\n"
    "i/n): counts and histograms are summed, failing runs listed in run order.\n"
    "Every shard 0..n-1 must be there exactly once, from the same seed and\n"
    "generator options.\n"
    "\n"
    "  -o FILE     write the merged JSON to FILE (default: stdout)\n"
    "  --partial   accept a missing shard (the result then covers fewer runs)\n"
    "  -h, --help  this text\n"
    "\n"
    "Exit status: 0 merged and no run failed, 1 merged and a run failed,\n"
    "2 usage error or a file that is not a swarm report.\n";

#define REPLAY_PREFIX "hasim replay --seed "

typedef struct {
    swarm_stats_t stats;
    uint64_t seed, shard_n;
    bool has_seed;
    unsigned jobs;
    int64_t elapsed_ms;
    swarm_fail_t *failing;
    size_t failing_count, failing_cap;
    char replay_args[128];
    bool has_replay_args;
    int fingerprints; /* shards with a trace_fingerprint (all or none) */
    int files;
    const char *path; /* of the file being read, for messages */
} merge_t;

static int bad(const merge_t *m, const char *what)
{
    fprintf(stderr, "%s: error: not a swarm report: %s\n", m->path, what);
    return 2;
}

static bool get_u64(json_t *obj, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* obj[name] summed into *into for each name. */
static bool add_counts(json_t *obj, const char *const *names, size_t n, uint64_t *const *into)
{
    if (!json_is_object(obj))
        return false;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        if (!get_u64(obj, names[i], &v))
            return false;
        *into[i] += v;
    }
    return true;
}

static int add_rules(merge_t *m, json_t *root)
{
    const char *names[ORC_RULES];
    uint64_t *into[ORC_RULES];
    size_t n = 0;
    for (int rule = 1; rule <= ORC_CONTRACT_RULES; rule++) {
        names[n] = orc_rule_name(rule);
        into[n++] = &m->stats.checked[rule];
    }
    if (!add_counts(json_object_get(root, "checked"), names, n, into))
        return bad(m, "\"checked\" needs R1..R14");
    for (size_t i = 0; i < n; i++)
        into[i] = &m->stats.violated[i + 1];
    names[n] = orc_rule_name(ORC_RULE_NCS);
    into[n++] = &m->stats.violated[ORC_RULE_NCS];
    names[n] = orc_rule_name(ORC_RULE_TRACE);
    into[n++] = &m->stats.violated[ORC_RULE_TRACE];
    if (!add_counts(json_object_get(root, "violated"), names, n, into))
        return bad(m, "\"violated\" needs R1..R14, NCS, TRACE");
    static const char *const notes[] = {"A1", "A2", "A3", "A4"};
    uint64_t *nin[4] = {&m->stats.notes[1], &m->stats.notes[2], &m->stats.notes[3],
                        &m->stats.notes[4]};
    if (!add_counts(json_object_get(root, "notes"), notes, 4, nin))
        return bad(m, "\"notes\" needs A1..A4");
    static const char *const poll[] = {"queries", "answers_404"};
    uint64_t *pin[2] = {&m->stats.poll_queries, &m->stats.poll_404};
    if (!add_counts(json_object_get(root, "poller"), poll, 2, pin))
        return bad(m, "\"poller\" needs queries and answers_404");
    return 0;
}

static bool counts_into(json_t *arr, uint64_t *into, size_t n)
{
    if (!json_is_array(arr) || json_array_size(arr) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return false;
        into[i] += (uint64_t)json_integer_value(v);
    }
    return true;
}

static int add_hist_of(merge_t *m, json_t *hs, uint64_t (*into)[SWARM_HIST_BUCKETS])
{
    for (int h = 0; h < SWARM_HIST_COUNT; h++) {
        json_t *o = json_object_get(hs, swarm_hist_name((swarm_hist_t)h));
        uint64_t bucket;
        if (!json_is_object(o) || !get_u64(o, "bucket_ms", &bucket) ||
            bucket != SWARM_HIST_BUCKET_MS ||
            !counts_into(json_object_get(o, "counts"), into[h], SWARM_HIST_BUCKETS))
            return bad(m, "a histogram is missing or has other buckets");
    }
    return 0;
}

/* The activations where the assumptions held, and those where one broke
 * (absent from a report older than that split: none). */
static int add_hist(merge_t *m, json_t *root)
{
    int rc = add_hist_of(m, json_object_get(root, "histograms"), m->stats.hist);
    json_t *apart = json_object_get(root, "histograms_assumption");
    if (rc == 0 && apart != NULL)
        rc = add_hist_of(m, apart, m->stats.hist_assumption);
    return rc;
}

static bool names_match(json_t *arr, const char *(*name)(int), int n)
{
    if (!json_is_array(arr) || json_array_size(arr) != (size_t)n)
        return false;
    for (int i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, (size_t)i));
        if (s == NULL || strcmp(s, name(i)) != 0)
            return false;
    }
    return true;
}

static const char *state_name(int i) { return ha_state_name((ha_state_t)i); }
static const char *sev_name(int i) { return ha_sev_name((ha_sev_t)i); }

static int add_transitions(merge_t *m, json_t *root)
{
    json_t *t = json_object_get(root, "transitions");
    json_t *counts = json_object_get(t, "counts");
    if (!names_match(json_object_get(t, "states"), state_name, HA_ST_COUNT) ||
        !names_match(json_object_get(t, "events"), sev_name, HA_SEV_COUNT))
        return bad(m, "\"transitions\" name other states or events than this build's");
    if (!json_is_array(counts) || json_array_size(counts) != HA_ST_COUNT)
        return bad(m, "\"transitions\" counts are not a states x events table");
    for (size_t st = 0; st < HA_ST_COUNT; st++) {
        if (!counts_into(json_array_get(counts, st), &m->stats.transitions[st * HA_SEV_COUNT],
                         HA_SEV_COUNT))
            return bad(m, "\"transitions\" counts are not a states x events table");
    }
    return 0;
}

/* Goals: runs summed, first runs kept by the earliest; the names must be
 * this build's, in its order. */
static int add_goals(merge_t *m, json_t *root)
{
    json_t *g = json_object_get(root, "goals");
    json_t *runs = json_object_get(g, "runs"), *first = json_object_get(g, "first");
    unsigned n = swarm_goals_count();
    uint64_t count;
    if (!json_is_object(runs) || !json_is_object(first) || !get_u64(g, "count", &count) ||
        count != n || json_object_size(runs) != n || json_object_size(first) != n)
        return bad(m, "\"goals\" name other goals than this build's");
    for (unsigned i = 0; i < n; i++) {
        const char *name = swarm_goal_name(i);
        json_t *r = json_object_get(runs, name), *f = json_object_get(first, name);
        if (!json_is_integer(r) || json_integer_value(r) < 0 || !json_is_integer(f) ||
            json_integer_value(f) < -1)
            return bad(m, "\"goals\" name other goals than this build's");
        m->stats.goals[i] += (uint64_t)json_integer_value(r);
        uint64_t k = (uint64_t)(json_integer_value(f) + 1);
        if (k != 0 && (m->stats.goal_first[i] == 0 || k < m->stats.goal_first[i]))
            m->stats.goal_first[i] = k;
    }
    return 0;
}

static int rule_of(const char *name)
{
    for (int r = SWARM_RULE_ERROR; r < ORC_RULES; r++) {
        if (strcmp(swarm_rule_name(r), name) == 0)
            return r;
    }
    return ORC_RULES;
}

static int add_failing(merge_t *m, json_t *root)
{
    json_t *arr = json_object_get(root, "failing");
    if (!json_is_array(arr))
        return bad(m, "\"failing\" is not a list");
    size_t n = json_array_size(arr);
    if (m->failing_count + n > m->failing_cap) {
        size_t cap = (m->failing_count + n) * 2;
        swarm_fail_t *g = realloc(m->failing, cap * sizeof(*g));
        if (g == NULL) {
            fprintf(stderr, "hasim merge: error: out of memory\n");
            return 2;
        }
        m->failing = g;
        m->failing_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        swarm_fail_t *f = &m->failing[m->failing_count];
        memset(f, 0, sizeof(*f));
        const char *rule = json_string_value(json_object_get(o, "rule"));
        const char *msg = json_string_value(json_object_get(o, "msg"));
        const char *replay = json_string_value(json_object_get(o, "replay"));
        if (!get_u64(o, "run", &f->run) || !get_u64(o, "seed", &f->seed) || rule == NULL ||
            msg == NULL || replay == NULL || (f->rule = rule_of(rule)) == ORC_RULES)
            return bad(m, "a failing run lacks run, seed, rule, msg or replay");
        f->item = f->run;
        size_t len = strlen(msg);
        len = len < sizeof(f->msg) ? len : sizeof(f->msg) - 1;
        memcpy(f->msg, msg, len);
        /* "hasim replay --seed X" and the generator options, the same for all */
        char seed_text[32];
        snprintf(seed_text, sizeof(seed_text), "%" PRIu64, f->seed);
        size_t pre = strlen(REPLAY_PREFIX), sl = strlen(seed_text);
        if (strncmp(replay, REPLAY_PREFIX, pre) != 0 || strncmp(replay + pre, seed_text, sl) != 0)
            return bad(m, "a replay command does not replay its seed");
        const char *args = replay + pre + sl;
        if (strlen(args) >= sizeof(m->replay_args))
            return bad(m, "a replay command is too long");
        if (m->has_replay_args && strcmp(args, m->replay_args) != 0) {
            fprintf(stderr, "%s: error: shards of swarms with other options ('%s' and '%s')\n",
                    m->path, m->replay_args, args);
            return 2;
        }
        snprintf(m->replay_args, sizeof(m->replay_args), "%s", args);
        m->has_replay_args = true;
        m->failing_count++;
    }
    return 0;
}

static int cmp_run(const void *a, const void *b)
{
    const swarm_fail_t *x = a, *y = b;
    return x->run < y->run ? -1 : x->run > y->run;
}

/* The swarm's trace fingerprint is a sum over runs, so shards add up to it;
 * a shard without one makes the sum meaningless, so it is all or none. */
static int add_fingerprint(merge_t *m, json_t *root)
{
    const char *fp = json_string_value(json_object_get(root, "trace_fingerprint"));
    m->files++;
    if (fp == NULL)
        return m->fingerprints == 0 ? 0 : bad(m, "no trace_fingerprint, unlike the shards before");
    uint64_t v;
    char *end;
    v = strtoull(fp, &end, 16);
    if (strlen(fp) != 16 || *end != '\0')
        return bad(m, "trace_fingerprint is not 16 hex digits");
    if (m->fingerprints != m->files - 1)
        return bad(m, "a trace_fingerprint, unlike the shards before");
    m->fingerprints++;
    m->stats.trace_fingerprint += v;
    return 0;
}

static int merge_file(merge_t *m, const char *path, bool *seen)
{
    m->path = path;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (root == NULL) {
        fprintf(stderr, "%s:%d:%d: error: %s\n", path, je.line, je.column, je.text);
        return 2;
    }
    int rc = 2;
    const char *kind = json_string_value(json_object_get(root, "hasim"));
    const char *shard = json_string_value(json_object_get(root, "shard"));
    uint64_t seed, runs, failures, jobs, elapsed, si, sn;
    if (kind == NULL || strcmp(kind, "swarm") != 0 || shard == NULL ||
        sscanf(shard, "%" SCNu64 "/%" SCNu64, &si, &sn) != 2 || sn == 0 || si >= sn ||
        !get_u64(root, "seed", &seed) || !get_u64(root, "runs", &runs) ||
        !get_u64(root, "failures", &failures) || !get_u64(root, "jobs", &jobs) ||
        !get_u64(root, "elapsed_ms", &elapsed)) {
        rc = bad(m, "needs hasim, seed, runs, failures, jobs, shard i/n, elapsed_ms");
        goto out;
    }
    if (json_object_get(root, "guided") != NULL) {
        fprintf(stderr, "%s: error: a guided swarm runs in one process (no --shard): nothing to "
                "merge\n", path);
        goto out;
    }
    if (m->has_seed && (seed != m->seed || sn != m->shard_n)) {
        fprintf(stderr, "%s: error: shard %s of seed %" PRIu64 " does not go with shards of %"
                PRIu64 "/%" PRIu64 "\n", path, shard, seed, m->seed, m->shard_n);
        goto out;
    }
    if (!m->has_seed && sn > SWARM_SHARDS_MAX) {
        fprintf(stderr, "%s: error: more than %d shards\n", path, SWARM_SHARDS_MAX);
        goto out;
    }
    if (m->has_seed && seen[si]) {
        fprintf(stderr, "%s: error: shard %s given twice\n", path, shard);
        goto out;
    }
    m->seed = seed;
    m->shard_n = sn;
    m->has_seed = true;
    seen[si] = true;
    m->stats.runs += runs;
    m->stats.failures += failures;
    m->jobs += (unsigned)jobs;
    m->elapsed_ms = (int64_t)elapsed > m->elapsed_ms ? (int64_t)elapsed : m->elapsed_ms;
    if ((rc = add_rules(m, root)) == 0 && (rc = add_hist(m, root)) == 0 &&
        (rc = add_transitions(m, root)) == 0 && (rc = add_goals(m, root)) == 0 &&
        (rc = add_fingerprint(m, root)) == 0)
        rc = add_failing(m, root);
out:
    json_decref(root);
    return rc;
}

enum { OPT_PARTIAL = CLI_OPT_OWN };

static const struct option MERGE_LONGOPTS[] = {
    {"partial", no_argument, NULL, OPT_PARTIAL},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    const char *out_path;
    bool partial;
} merge_args_t;

static int merge_take(void *args, int opt, const char *val)
{
    merge_args_t *a = args;
    if (opt == 'o')
        a->out_path = val;
    if (opt == OPT_PARTIAL)
        a->partial = true;
    return 0;
}

static const cli_cmd_t MERGE_CLI = {"merge", MERGE_HELP, "ho:", MERGE_LONGOPTS, merge_take};

/* The merged report of m, which covers missing fewer shards than its
 * swarm has, to -o or stdout: 0, or 2 after a message. */
static int merge_write(merge_t *m, uint64_t missing, const char *out_path)
{
    if (m->failing_count > 0)
        qsort(m->failing, m->failing_count, sizeof(*m->failing), cmp_run);
    size_t keep = m->failing_count < SWARM_FAILING_KEEP ? m->failing_count : SWARM_FAILING_KEEP;
    swarm_report_t rep = {.seed = m->seed, .jobs = m->jobs, .shard_i = 0, .shard_n = 1,
                          .elapsed_ms = m->elapsed_ms, .stats = &m->stats,
                          .failing = m->failing, .failing_count = keep,
                          .replay_args = m->replay_args,
                          .fingerprint = m->fingerprints > 0};
    if (missing > 0) {
        /* Not the whole swarm: say which part it is not. */
        rep.shard_i = 0;
        rep.shard_n = 0;
    }
    FILE *f = out_path ? fopen(out_path, "w") : stdout;
    if (f == NULL) {
        fprintf(stderr, "%s: error: cannot write\n", out_path);
        return 2;
    }
    swarm_json_write(f, &rep);
    bool failed_write = ferror(f) != 0;
    if (out_path != NULL)
        failed_write |= fclose(f) != 0;
    else
        failed_write |= fflush(f) != 0;
    if (failed_write) {
        fprintf(stderr, "%s: error: writing failed\n", out_path ? out_path : "<stdout>");
        return 2;
    }
    return 0;
}

/* Merges the reports at paths[0..n-1]: the exit status. */
static int merge_files(merge_t *m, bool *seen, char **paths, int n, const merge_args_t *a)
{
    for (int i = 0; i < n; i++) {
        if (merge_file(m, paths[i], seen) != 0)
            return 2;
    }
    uint64_t missing = 0;
    for (uint64_t i = 0; i < m->shard_n; i++)
        missing += !seen[i];
    if (missing > 0 && !a->partial) {
        fprintf(stderr, "hasim merge: error: %" PRIu64 " of %" PRIu64
                " shards missing (--partial merges them anyway)\n", missing, m->shard_n);
        return 2;
    }
    if (merge_write(m, missing, a->out_path) != 0)
        return 2;
    return m->stats.failures > 0 ? 1 : 0;
}

int cmd_merge(int argc, char **argv)
{
    merge_args_t a = {0};
    int first;
    int rc = cli_parse(&MERGE_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (first == argc)
        return cli_usage("merge", "no report given");

    merge_t *m = calloc(1, sizeof(*m));
    bool *seen = calloc(SWARM_SHARDS_MAX, sizeof(bool));
    rc = 2;
    if (m == NULL || seen == NULL)
        fprintf(stderr, "hasim merge: error: out of memory\n");
    else
        rc = merge_files(m, seen, argv + first, argc - first, &a);
    if (m != NULL)
        free(m->failing);
    free(m);
    free(seen);
    return rc;
}
