/* swarm.c -- executor, statistics and worker pool of the swarm.
 *
 * Workers are forked processes fed through pipes: the parent writes a chunk
 * (first item, count) to a worker's command pipe and reads back one reply:
 * the chunk's statistics, its failures and its observations. Summing is
 * order-free and failures are sorted by item at the end, so the result does
 * not depend on how many workers there were or which chunk finished first.
 *
 * A worker that dies (a crash in the core, an assertion, the OOM killer)
 * closes its pipe: the parent reaps it, starts a fresh one and runs the lost
 * chunk again one item per chunk; the item that kills a worker on its own is
 * reported as a "crash" failure. The simulation is deterministic, so the
 * item that crashed in the chunk crashes again alone.
 */
#include "swarm.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/results.h"
#include "run/runner.h"
#include "trace/trace_json.h"
#include "world/world.h"

static const char *const HIST_NAMES[SWARM_HIST_COUNT] = {
    "kill_resume_ms", "reconnect_resume_ms", "switch_resume_ms",
    "total_resume_ms", "window_404_ms", "detect_ms",
};

const char *swarm_hist_name(swarm_hist_t h)
{
    return h >= 0 && h < SWARM_HIST_COUNT ? HIST_NAMES[h] : "?";
}

const char *swarm_rule_name(int rule)
{
    if (rule == SWARM_RULE_CRASH)
        return "crash";
    if (rule == SWARM_RULE_ERROR)
        return "error";
    return orc_rule_name(rule);
}

int64_t swarm_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

_Static_assert(sizeof(swarm_stats_t) % sizeof(uint64_t) == 0, "counters only");

void swarm_stats_merge(swarm_stats_t *into, const swarm_stats_t *from)
{
    /* The struct is nothing but uint64_t counters, and the goals' first
     * runs, which are kept by the smallest. */
    uint64_t *d = (uint64_t *)into;
    const uint64_t *s = (const uint64_t *)from;
    size_t first0 = offsetof(swarm_stats_t, goal_first) / sizeof(uint64_t);
    size_t first1 = first0 + SWARM_GOALS_MAX;
    for (size_t i = 0; i < sizeof(*into) / sizeof(uint64_t); i++) {
        if (i < first0 || i >= first1)
            d[i] += s[i];
        else if (s[i] != 0 && (d[i] == 0 || s[i] < d[i]))
            d[i] = s[i];
    }
}

void swarm_stats_goals(swarm_stats_t *st, const swarm_goalset_t *reached, uint64_t run)
{
    for (unsigned w = 0; w < SWARM_GOALS_WORDS; w++) {
        for (uint64_t bits = reached->w[w]; bits != 0; bits &= bits - 1) {
            unsigned id = w * 64 + (unsigned)__builtin_ctzll(bits);
            st->goals[id]++;
            if (st->goal_first[id] == 0 || run + 1 < st->goal_first[id])
                st->goal_first[id] = run + 1;
        }
    }
}

/* ---- the executor ------------------------------------------------------ */

struct swarm_exec {
    sim_world_t *world;
    orc_t *oracle;
    FILE *trace;
    bool trace_failed;
    bool fingerprint;      /* hash every run's JSONL text (costs formatting) */
    uint64_t hash;         /* FNV-1a 64 of the last run's JSONL text */
    char line[8192];
    uint64_t poll_queries;
    uint64_t poll_404;
    swarm_goals_t goals;
};

swarm_exec_t *swarm_exec_new(void)
{
    swarm_exec_t *x = calloc(1, sizeof(*x));
    if (x == NULL)
        return NULL;
    x->world = sim_world_new();
    x->oracle = orc_new();
    if (x->world == NULL || x->oracle == NULL) {
        swarm_exec_free(x);
        return NULL;
    }
    return x;
}

void swarm_exec_free(swarm_exec_t *x)
{
    if (x == NULL)
        return;
    sim_world_free(x->world);
    orc_free(x->oracle);
    free(x);
}

static void exec_sink(void *ctx, const sim_tr_ev_t *ev)
{
    swarm_exec_t *x = ctx;
    orc_event(x->oracle, ev);
    swarm_goals_event(&x->goals, ev);
    if (ev->kind == SIM_TR_API && ev->by == SIM_BY_POLLER) {
        x->poll_queries++;
        x->poll_404 += ev->http == 404;
    }
    if (x->fingerprint) {
        size_t n = sim_tr_json_format(x->line, sizeof(x->line), ev);
        assert(n < sizeof(x->line) && "trace events have bounded fields");
        x->hash = sim_fnv1a(x->hash, x->line, n);
    }
    if (x->trace != NULL && sim_tr_json_write(x->trace, ev) != 0)
        x->trace_failed = true;
}

void swarm_exec_fingerprint(swarm_exec_t *x, bool on) { x->fingerprint = on; }

/* A run's share of the swarm's fingerprint: its trace hash mixed with its
 * label (splitmix64's finaliser), so that the sum over runs, which does not
 * depend on the order runs finish in, still tells which run differs. */
static uint64_t fp_mix(uint64_t run, uint64_t hash)
{
    uint64_t z = hash ^ (run * 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int swarm_exec_run(swarm_exec_t *x, const scn_t *scn, uint64_t seed, FILE *trace,
                   const char *name, char *err, size_t err_cap)
{
    orc_reset(x->oracle);
    x->trace = trace;
    x->trace_failed = false;
    x->poll_queries = 0;
    x->poll_404 = 0;
    x->hash = SIM_FNV1A_INIT;
    swarm_goals_begin(&x->goals, scn);
    sim_world_opts_t wo = {.seed = seed, .utc0_ms = SIM_UTC0_MS_DEFAULT, .sink = exec_sink,
                           .sink_ctx = x, .scenario_path = name};
    int rc = sim_world_run(x->world, scn, &wo, err, err_cap);
    x->trace = NULL;
    if (rc != 0)
        return rc;
    if (x->trace_failed) {
        snprintf(err, err_cap, "%s: error: writing the trace failed", name ? name : scn->path);
        return 2;
    }
    orc_finish(x->oracle, sim_world_stats(x->world).end_t_ms);
    uint64_t transitions[HA_ST_COUNT * HA_SEV_COUNT] = {0};
    sim_world_add_transitions(x->world, transitions);
    swarm_goals_finish(&x->goals, transitions);
    return 0;
}

const swarm_goalset_t *swarm_exec_goals(const swarm_exec_t *x) { return &x->goals.reached; }

const orc_t *swarm_exec_oracle(const swarm_exec_t *x) { return x->oracle; }

bool swarm_exec_failed(const swarm_exec_t *x, int *rule, const char **msg)
{
    if (orc_violation_count(x->oracle) == 0)
        return false;
    /* The first cause, not merely the first found: a rule broken before a
     * trace inconsistency it caused is what a person must fix. */
    size_t n;
    const orc_violation_t *v = orc_violations(x->oracle, &n);
    orc_group_t g[ORC_GROUPS_MAX];
    size_t ng = orc_groups(x->oracle, g);
    *rule = ng > 0 ? v[g[0].first].rule : ORC_RULE_TRACE;
    *msg = ng > 0 ? v[g[0].first].msg : "violations counted but none kept";
    return true;
}

static void hist_add(uint64_t (*hist)[SWARM_HIST_BUCKETS], swarm_hist_t h, int64_t ms)
{
    int64_t b = ms < 0 ? 0 : ms / SWARM_HIST_BUCKET_MS;
    hist[h][b >= SWARM_HIST_BUCKETS ? SWARM_HIST_BUCKETS - 1 : b]++;
}

void swarm_exec_add(const swarm_exec_t *x, swarm_stats_t *st, uint64_t run)
{
    const orc_t *o = x->oracle;
    st->runs++;
    st->failures += orc_violation_count(o) > 0;
    for (int rule = 0; rule < ORC_RULES; rule++) {
        st->checked[rule] += orc_checked(o, rule);
        st->violated[rule] += orc_violated(o, rule);
    }
    size_t n;
    const orc_note_t *notes = orc_notes(o, &n);
    for (size_t i = 0; i < n; i++) {
        if (notes[i].assumption >= 1 && notes[i].assumption < ORC_ASSUMPTIONS)
            st->notes[notes[i].assumption]++;
    }
    const orc_activation_t *a = orc_activations(o, &n);
    for (size_t i = 0; i < n; i++) {
        const orc_activation_t *ac = &a[i];
        uint64_t (*hist)[SWARM_HIST_BUCKETS] = ac->assumptions ? st->hist_assumption : st->hist;
        if (ac->t_fault >= 0 && ac->t_detect >= 0)
            hist_add(hist, SWARM_HIST_DETECT, ac->t_detect - ac->t_fault);
        if (ac->window_404_ms >= 0)
            hist_add(hist, SWARM_HIST_WINDOW_404, ac->window_404_ms);
        if (ac->t_resume < 0 || ac->t_detect < 0)
            continue;
        hist_add(hist, SWARM_HIST_TOTAL_RESUME, ac->t_resume - ac->t_detect);
        if (ac->cause == SIM_CAUSE_KILL && !ac->same_server && ac->t_switch >= 0)
            hist_add(hist, SWARM_HIST_KILL_RESUME, ac->t_resume - ac->t_detect);
        else if (ac->cause == SIM_CAUSE_DISCONNECT && ac->same_server)
            hist_add(hist, SWARM_HIST_RECONNECT_RESUME, ac->t_resume - ac->t_detect);
        else if (ac->cause == SIM_CAUSE_DISCONNECT && ac->t_switch >= 0)
            hist_add(hist, SWARM_HIST_SWITCH_RESUME, ac->t_resume - ac->t_switch);
    }
    st->poll_queries += x->poll_queries;
    st->poll_404 += x->poll_404;
    sim_world_add_transitions(x->world, st->transitions);
    st->events += sim_world_stats(x->world).events;
    swarm_stats_goals(st, &x->goals.reached, run);
}

/* ---- one chunk, in whichever process ------------------------------------ */

typedef struct {
    uint64_t first, count;
} chunk_cmd_t;

typedef struct {
    uint64_t first, count, fails, observed;
} chunk_head_t;

typedef struct {
    const swarm_pool_t *p;
    scn_t *scn;
    swarm_exec_t *exec;
    swarm_stats_t stats;
    swarm_fail_t fails[SWARM_CHUNK_MAX];
    int64_t observed[SWARM_CHUNK_MAX * SWARM_OBSERVE_WORDS_MAX];
    chunk_head_t head;
    unsigned alarm_s;   /* in a worker: each run's time bound; 0 in this process */
} chunk_t;

static void fail_set(swarm_fail_t *f, uint64_t item, uint64_t run, uint64_t seed, int rule,
                     const char *msg)
{
    memset(f, 0, sizeof(*f));
    f->item = item;
    f->run = run;
    f->seed = seed;
    f->rule = rule;
    size_t n = strlen(msg);
    n = n < sizeof(f->msg) ? n : sizeof(f->msg) - 1; /* cut, as the oracle cuts its own */
    memcpy(f->msg, msg, n);
    f->msg[n] = '\0';
}

static void chunk_run(chunk_t *c, uint64_t first, uint64_t count)
{
    assert(count >= 1 && count <= SWARM_CHUNK_MAX);
    const swarm_pool_t *p = c->p;
    memset(&c->stats, 0, sizeof(c->stats));
    unsigned words = p->observe ? p->observe_words : 0;
    c->head = (chunk_head_t){first, count, 0, count * words};
    for (uint64_t i = 0; i < count; i++) {
        uint64_t item = first + i, seed = 0, run = item;
        if (c->alarm_s > 0)
            alarm(c->alarm_s);
        p->build(p->ctx, item, c->scn, &seed, &run);
        char err[512];
        int rule;
        const char *msg;
        if (swarm_exec_run(c->exec, c->scn, seed, NULL, NULL, err, sizeof(err)) != 0) {
            c->stats.runs++;
            c->stats.failures++;
            fail_set(&c->fails[c->head.fails++], item, run, seed, SWARM_RULE_ERROR, err);
            for (unsigned w = 0; w < words; w++)
                c->observed[i * words + w] = SWARM_OBSERVED_NONE;
            continue;
        }
        swarm_exec_add(c->exec, &c->stats, run);
        if (p->fingerprint)
            c->stats.trace_fingerprint += fp_mix(run, c->exec->hash);
        if (swarm_exec_failed(c->exec, &rule, &msg))
            fail_set(&c->fails[c->head.fails++], item, run, seed, rule, msg);
        if (p->observe)
            p->observe(p->ctx, item, c->exec, &c->observed[i * words]);
    }
}

static chunk_t *chunk_new(const swarm_pool_t *p)
{
    chunk_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->p = p;
    c->scn = scn_new();
    c->exec = swarm_exec_new();
    if (c->scn == NULL || c->exec == NULL) {
        scn_free(c->scn);
        swarm_exec_free(c->exec);
        free(c);
        return NULL;
    }
    c->exec->fingerprint = p->fingerprint;
    return c;
}

static void chunk_free(chunk_t *c)
{
    if (c == NULL)
        return;
    scn_free(c->scn);
    swarm_exec_free(c->exec);
    free(c);
}

/* ---- pipes ------------------------------------------------------------- */

static bool write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool chunk_send(int fd, const chunk_t *c)
{
    return write_full(fd, &c->head, sizeof(c->head)) &&
           write_full(fd, &c->stats, sizeof(c->stats)) &&
           write_full(fd, c->fails, sizeof(c->fails[0]) * c->head.fails) &&
           write_full(fd, c->observed, sizeof(c->observed[0]) * c->head.observed);
}

static bool chunk_recv(int fd, chunk_t *c)
{
    return read_full(fd, &c->head, sizeof(c->head)) && c->head.count >= 1 &&
           c->head.count <= SWARM_CHUNK_MAX && c->head.fails <= c->head.count &&
           c->head.observed <= c->head.count * SWARM_OBSERVE_WORDS_MAX &&
           read_full(fd, &c->stats, sizeof(c->stats)) &&
           read_full(fd, c->fails, sizeof(c->fails[0]) * c->head.fails) &&
           read_full(fd, c->observed, sizeof(c->observed[0]) * c->head.observed);
}

static void worker_main(const swarm_pool_t *p, int cmd_fd, int res_fd)
{
    chunk_t *c = chunk_new(p);
    if (c == NULL)
        _exit(3);
    chunk_cmd_t cmd;
    while (read_full(cmd_fd, &cmd, sizeof(cmd)) && cmd.count > 0) {
        /* A run that never ends (a loop in the core) must not hang the
         * swarm: SIGALRM ends the worker, and the run is reported like a
         * crash. The bound is per run, far above any run's real time. */
        c->alarm_s = p->run_seconds_max ? p->run_seconds_max : SWARM_RUN_SECONDS_MAX;
        chunk_run(c, cmd.first, cmd.count);
        alarm(0);
        if (!chunk_send(res_fd, c))
            break;
    }
    chunk_free(c);
    _exit(0);
}

/* ---- the parent -------------------------------------------------------- */

typedef struct {
    pid_t pid;
    int cmd_fd, res_fd;
    bool busy;
    chunk_cmd_t chunk;
} worker_t;

typedef struct {
    const swarm_pool_t *p;
    swarm_result_t *out;
    worker_t w[SWARM_JOBS_MAX];
    unsigned jobs;
    uint64_t next, chunk_len;
    uint64_t *retry;         /* single items of chunks whose worker died */
    size_t retry_count, retry_cap;
    size_t failing_cap_mem;
    bool stop;
    char *err;
    size_t err_cap;
} pool_t;

static int cmp_fail(const void *a, const void *b)
{
    const swarm_fail_t *x = a, *y = b;
    return x->item < y->item ? -1 : x->item > y->item;
}

/* Keeps the first failing_cap failures by item, whatever order they came in. */
static bool fail_keep(pool_t *pl, const swarm_fail_t *f)
{
    swarm_result_t *out = pl->out;
    size_t cap = pl->p->failing_cap;
    if (cap == 0)
        return true;
    /* Full: drop all but the first cap; grow only while that frees nothing,
     * so the array never holds more than about twice cap. */
    if (out->failing_count == pl->failing_cap_mem && out->failing_count > 0) {
        qsort(out->failing, out->failing_count, sizeof(*out->failing), cmp_fail);
        if (out->failing_count > cap)
            out->failing_count = cap;
    }
    if (out->failing_count == pl->failing_cap_mem) {
        size_t grown_cap = pl->failing_cap_mem ? pl->failing_cap_mem * 2 : 64;
        swarm_fail_t *g = realloc(out->failing, grown_cap * sizeof(*g));
        if (g == NULL)
            return false;
        out->failing = g;
        pl->failing_cap_mem = grown_cap;
    }
    out->failing[out->failing_count++] = *f;
    return true;
}

static bool merge_chunk(pool_t *pl, const chunk_t *c)
{
    swarm_stats_merge(&pl->out->stats, &c->stats);
    pl->out->done += c->head.count;
    for (uint64_t i = 0; i < c->head.fails; i++) {
        if (!fail_keep(pl, &c->fails[i]))
            return false;
    }
    if (c->head.fails > 0 && pl->p->fail_fast)
        pl->stop = true;
    if (pl->out->observed != NULL)
        memcpy(pl->out->observed + c->head.first * pl->p->observe_words, c->observed,
               sizeof(c->observed[0]) * c->head.observed);
    if (pl->p->progress != NULL)
        pl->p->progress(pl->p->progress_ctx, pl->out->done, pl->p->items, pl->out->stats.failures);
    return true;
}

static bool next_chunk(pool_t *pl, chunk_cmd_t *cmd)
{
    /* The runs of a chunk whose worker died were handed out already: they
     * run even after --fail-fast stopped the rest, so that the first
     * failure is the first (a crash early in a chunk must not hide it). */
    if (pl->retry_count > 0) {
        *cmd = (chunk_cmd_t){pl->retry[--pl->retry_count], 1};
        return true;
    }
    if (pl->stop)
        return false;
    if (pl->next >= pl->p->items)
        return false;
    uint64_t n = pl->p->items - pl->next;
    *cmd = (chunk_cmd_t){pl->next, n < pl->chunk_len ? n : pl->chunk_len};
    pl->next += cmd->count;
    return true;
}

static void worker_close(worker_t *w)
{
    if (w->cmd_fd >= 0)
        close(w->cmd_fd);
    if (w->res_fd >= 0)
        close(w->res_fd);
    w->cmd_fd = w->res_fd = -1;
}

static int worker_start(pool_t *pl, unsigned j)
{
    int cmd[2], res[2];
    if (pipe(cmd) != 0)
        goto fail;
    if (pipe(res) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        goto fail;
    }
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(cmd[0]);
        close(cmd[1]);
        close(res[0]);
        close(res[1]);
        goto fail;
    }
    if (pid == 0) {
        close(cmd[1]);
        close(res[0]);
        for (unsigned k = 0; k < pl->jobs; k++) {
            if (k != j)
                worker_close(&pl->w[k]);
        }
        worker_main(pl->p, cmd[0], res[1]);
    }
    close(cmd[0]);
    close(res[1]);
    pl->w[j] = (worker_t){.pid = pid, .cmd_fd = cmd[1], .res_fd = res[0]};
    return 0;
fail:
    snprintf(pl->err, pl->err_cap, "hasim: error: cannot start a worker: %s", strerror(errno));
    return -1;
}

static bool dispatch(pool_t *pl, unsigned j)
{
    worker_t *w = &pl->w[j];
    chunk_cmd_t cmd;
    if (!next_chunk(pl, &cmd))
        return false;
    w->chunk = cmd;
    w->busy = true;
    /* A write to a worker that just died fails with EPIPE (SIGPIPE is
     * ignored); its reply pipe then reads as closed, which handles it. */
    (void)write_full(w->cmd_fd, &cmd, sizeof(cmd));
    return true;
}

static void death_message(int status, unsigned seconds, char *buf, size_t cap)
{
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(buf, cap, "the run did not end in time (%u s): its worker was stopped",
                 seconds);
    else if (WIFSIGNALED(status))
        snprintf(buf, cap, "the run crashed its worker: signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(buf, cap, "the run ended its worker with exit status %d", WEXITSTATUS(status));
    else
        snprintf(buf, cap, "the run ended its worker");
}

/* Worker j closed its pipe: account for its chunk, start another. */
static int worker_lost(pool_t *pl, unsigned j, chunk_t *scratch)
{
    worker_t *w = &pl->w[j];
    int status = 0;
    worker_close(w);
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    pl->out->crashes++;
    if (w->busy && w->chunk.count == 1) {
        /* Alone, it still kills a worker: this item is the crash. */
        uint64_t item = w->chunk.first, seed = 0, run = item;
        pl->p->build(pl->p->ctx, item, scratch->scn, &seed, &run);
        memset(&scratch->stats, 0, sizeof(scratch->stats));
        scratch->stats.runs = 1;
        scratch->stats.failures = 1;
        unsigned words = pl->p->observe ? pl->p->observe_words : 0;
        scratch->head = (chunk_head_t){item, 1, 1, words};
        char msg[ORC_MSG_MAX];
        death_message(status,
                      pl->p->run_seconds_max ? pl->p->run_seconds_max : SWARM_RUN_SECONDS_MAX,
                      msg, sizeof(msg));
        fail_set(&scratch->fails[0], item, run, seed, SWARM_RULE_CRASH, msg);
        for (unsigned k = 0; k < words; k++)
            scratch->observed[k] = SWARM_OBSERVED_NONE;
        if (!merge_chunk(pl, scratch))
            return -1;
    } else if (w->busy) {
        /* Run it again item by item, lowest first. */
        size_t need = pl->retry_count + w->chunk.count;
        if (need > pl->retry_cap) {
            uint64_t *g = realloc(pl->retry, need * 2 * sizeof(*g));
            if (g == NULL)
                return -1;
            pl->retry = g;
            pl->retry_cap = need * 2;
        }
        for (uint64_t i = w->chunk.count; i-- > 0;)
            pl->retry[pl->retry_count++] = w->chunk.first + i;
    }
    w->busy = false;
    w->pid = 0;
    return worker_start(pl, j);
}

static int pool_forked(pool_t *pl, chunk_t *scratch)
{
    for (unsigned j = 0; j < pl->jobs; j++)
        pl->w[j] = (worker_t){.cmd_fd = -1, .res_fd = -1};
    for (unsigned j = 0; j < pl->jobs; j++) {
        if (worker_start(pl, j) != 0)
            return -1;
    }
    for (unsigned j = 0; j < pl->jobs; j++)
        (void)dispatch(pl, j);

    struct pollfd fds[SWARM_JOBS_MAX];
    unsigned who[SWARM_JOBS_MAX];
    for (;;) {
        nfds_t n = 0;
        for (unsigned j = 0; j < pl->jobs; j++) {
            if (pl->w[j].busy) {
                fds[n] = (struct pollfd){.fd = pl->w[j].res_fd, .events = POLLIN};
                who[n++] = j;
            }
        }
        if (n == 0)
            break;
        if (poll(fds, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            snprintf(pl->err, pl->err_cap, "hasim: error: poll: %s", strerror(errno));
            return -1;
        }
        for (nfds_t i = 0; i < n; i++) {
            if (fds[i].revents == 0)
                continue;
            unsigned j = who[i];
            worker_t *w = &pl->w[j];
            if (chunk_recv(w->res_fd, scratch) && scratch->head.first == w->chunk.first &&
                scratch->head.count == w->chunk.count) {
                w->busy = false;
                if (!merge_chunk(pl, scratch))
                    goto oom;
            } else if (worker_lost(pl, j, scratch) != 0) {
                if (pl->err[0] == '\0')
                    goto oom;
                return -1;
            }
            (void)dispatch(pl, j);
        }
    }
    return 0;
oom:
    snprintf(pl->err, pl->err_cap, "hasim: error: out of memory");
    return -1;
}

static void pool_reap(pool_t *pl)
{
    for (unsigned j = 0; j < pl->jobs; j++) {
        worker_t *w = &pl->w[j];
        if (w->pid <= 0)
            continue;
        chunk_cmd_t quit = {0, 0};
        (void)write_full(w->cmd_fd, &quit, sizeof(quit));
        worker_close(w);
        while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        w->pid = 0;
    }
}

void swarm_result_free(swarm_result_t *r)
{
    free(r->failing);
    free(r->observed);
    memset(r, 0, sizeof(*r));
}

int swarm_pool_run(const swarm_pool_t *p, swarm_result_t *out, char *err, size_t err_cap)
{
    assert(p != NULL && p->build != NULL && out != NULL && p->jobs <= SWARM_JOBS_MAX);
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    pool_t *pl = calloc(1, sizeof(*pl));
    chunk_t *scratch = chunk_new(p);
    int rc = 2;
    if (pl == NULL || scratch == NULL)
        goto oom;
    assert(p->observe == NULL || (p->observe_words >= 1 && p->observe_words <= SWARM_OBSERVE_WORDS_MAX));
    if (p->observe != NULL && p->items > 0) {
        uint64_t n = p->items * p->observe_words;
        out->observed = malloc(n * sizeof(*out->observed));
        if (out->observed == NULL)
            goto oom;
        for (uint64_t i = 0; i < n; i++)
            out->observed[i] = SWARM_OBSERVED_NONE;
    }
    pl->p = p;
    pl->out = out;
    pl->err = err;
    pl->err_cap = err_cap;
    pl->jobs = p->jobs;
    /* Chunks small enough to balance the load, large enough that the pipe
     * traffic (about 11 KiB of statistics a chunk) stays negligible. */
    unsigned ways = p->jobs ? p->jobs : 1;
    pl->chunk_len = p->items / ((uint64_t)ways * 16);
    pl->chunk_len = pl->chunk_len < 1 ? 1 : pl->chunk_len > SWARM_CHUNK_MAX ? SWARM_CHUNK_MAX
                                                                           : pl->chunk_len;

    if (p->jobs == 0) {
        chunk_cmd_t cmd;
        while (next_chunk(pl, &cmd)) {
            chunk_run(scratch, cmd.first, cmd.count);
            if (!merge_chunk(pl, scratch))
                goto oom;
        }
    } else {
        struct sigaction ign = {.sa_handler = SIG_IGN}, old;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, &old);
        int r = pool_forked(pl, scratch);
        pool_reap(pl);
        sigaction(SIGPIPE, &old, NULL);
        if (r != 0) {
            if (err[0] == '\0')
                goto oom;
            goto out;
        }
    }
    if (out->failing_count > 0)
        qsort(out->failing, out->failing_count, sizeof(*out->failing), cmp_fail);
    if (out->failing_count > p->failing_cap)
        out->failing_count = p->failing_cap;
    rc = 0;
    goto out;
oom:
    snprintf(err, err_cap, "hasim: error: out of memory");
out:
    if (rc != 0)
        swarm_result_free(out);
    if (pl != NULL)
        free(pl->retry);
    free(pl);
    chunk_free(scratch);
    return rc;
}

/* ---- results as JSON ---------------------------------------------------- */

static void json_rules(FILE *f, const char *key, const uint64_t *counts, bool extra)
{
    fprintf(f, ",\"%s\":{", key);
    for (int rule = 1; rule <= ORC_CONTRACT_RULES; rule++)
        fprintf(f, "%s\"R%d\":%" PRIu64, rule > 1 ? "," : "", rule, counts[rule]);
    if (extra) {
        fprintf(f, ",\"%s\":%" PRIu64, orc_rule_name(ORC_RULE_NCS), counts[ORC_RULE_NCS]);
        fprintf(f, ",\"%s\":%" PRIu64, orc_rule_name(ORC_RULE_TRACE), counts[ORC_RULE_TRACE]);
    }
    fputc('}', f);
}

static void json_hist(FILE *f, const char *key, const uint64_t (*hist)[SWARM_HIST_BUCKETS])
{
    fprintf(f, ",\"%s\":{", key);
    for (int h = 0; h < SWARM_HIST_COUNT; h++) {
        fprintf(f, "%s\"%s\":{\"bucket_ms\":%d,\"counts\":[", h ? "," : "",
                swarm_hist_name((swarm_hist_t)h), SWARM_HIST_BUCKET_MS);
        for (int b = 0; b < SWARM_HIST_BUCKETS; b++)
            fprintf(f, "%s%" PRIu64, b ? "," : "", hist[h][b]);
        fputs("]}", f);
    }
    fputc('}', f);
}

/* "goals":{"count":G,"reached":R,"runs":{name:n,...},"first":{name:k,...},
 * "what":{name:text,...}}: every goal in id order; first is the first run
 * that reached it, -1 none; what says what the goal is, for the report. */
static void json_goals(FILE *f, const swarm_stats_t *st)
{
    unsigned n = swarm_goals_count(), reached = 0;
    for (unsigned i = 0; i < n; i++)
        reached += st->goals[i] > 0;
    fprintf(f, ",\"goals\":{\"count\":%u,\"reached\":%u,\"runs\":{", n, reached);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s", i ? "," : "");
        sim_json_str(f, swarm_goal_name(i));
        fprintf(f, ":%" PRIu64, st->goals[i]);
    }
    fputs("},\"first\":{", f);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s", i ? "," : "");
        sim_json_str(f, swarm_goal_name(i));
        fprintf(f, ":%" PRId64, (int64_t)st->goal_first[i] - 1);
    }
    fputs("},\"what\":{", f);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s", i ? "," : "");
        sim_json_str(f, swarm_goal_name(i));
        fputc(':', f);
        sim_json_str(f, swarm_goal_what(i));
    }
    fputs("}}", f);
}

void swarm_report_replay(const swarm_report_t *r, size_t i, char *buf, size_t cap)
{
    if (r->chains != NULL)
        snprintf(buf, cap, "hasim replay --chain %s%s", r->chains[i], r->replay_args);
    else
        snprintf(buf, cap, "hasim replay --seed %" PRIu64 "%s", r->failing[i].seed,
                 r->replay_args);
}

void swarm_json_write(FILE *f, const swarm_report_t *r)
{
    const swarm_stats_t *st = r->stats;
    fprintf(f,
            "{\"hasim\":\"swarm\",\"seed\":%" PRIu64 ",\"runs\":%" PRIu64
            ",\"failures\":%" PRIu64 ",\"jobs\":%u,\"shard\":\"%" PRIu64 "/%" PRIu64
            "\",\"elapsed_ms\":%" PRId64,
            r->seed, st->runs, st->failures, r->jobs, r->shard_i, r->shard_n, r->elapsed_ms);
    if (r->guided)
        fprintf(f, ",\"guided\":{\"batch\":%u,\"generations\":%" PRIu64 ",\"corpus\":%" PRIu64
                   "}",
                r->batch, r->generations, r->corpus);
    fputs(",\"failing\":[", f);
    for (size_t i = 0; i < r->failing_count; i++) {
        const swarm_fail_t *fl = &r->failing[i];
        fprintf(f, "%s{\"run\":%" PRIu64 ",\"seed\":%" PRIu64 ",\"rule\":", i ? "," : "",
                fl->run, fl->seed);
        sim_json_str(f, swarm_rule_name(fl->rule));
        fputs(",\"msg\":", f);
        sim_json_str(f, fl->msg);
        char replay[SWARM_REPLAY_MAX];
        swarm_report_replay(r, i, replay, sizeof(replay));
        fputs(",\"replay\":", f);
        sim_json_str(f, replay);
        fputc('}', f);
    }
    fputc(']', f);
    json_rules(f, "checked", st->checked, false);
    json_rules(f, "violated", st->violated, true);
    fputs(",\"notes\":{", f);
    for (int a = 1; a < ORC_ASSUMPTIONS; a++)
        fprintf(f, "%s\"A%d\":%" PRIu64, a > 1 ? "," : "", a, st->notes[a]);
    fputc('}', f);
    json_hist(f, "histograms", st->hist);
    json_hist(f, "histograms_assumption", st->hist_assumption);
    fprintf(f, ",\"poller\":{\"queries\":%" PRIu64 ",\"answers_404\":%" PRIu64 "}",
            st->poll_queries, st->poll_404);
    if (r->fingerprint)
        fprintf(f, ",\"trace_fingerprint\":\"%016" PRIx64 "\"", st->trace_fingerprint);
    fputs(",\"transitions\":", f);
    results_json_transitions(f, st->transitions);
    json_goals(f, st);
    fputs("}\n", f);
}
