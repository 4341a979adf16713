/* shrink.c -- ddmin over the timeline, then simplification passes.
 *
 * Three trees take turns: cur (the smallest failing scenario so far), cand
 * (cur with one change) and parsed (cand after scn_write + scn_parse, which
 * is what runs). When parsed fails the same way it becomes cur by a pointer
 * swap. A candidate that does not parse back -- a fault left before every
 * start, a host beyond the servers -- is dropped without a run.
 */
#include "shrink.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/runner.h"
#include "swarm.h"

#define TEXT_CAP ((size_t)SCN_FILE_BYTES_MAX)
/* Simplification rounds; each round that changes nothing ends the shrink. */
#define ROUNDS_MAX 16
#define GRIDS 3
static const int64_t GRID_MS[GRIDS] = {60000, 10000, 1000};

struct shrink {
    sim_runner_t *runner;
    scn_t *trees[3];
    scn_t *cur, *cand, *parsed;
    char *text;
    uint8_t keep[SCN_ACTIONS_MAX];
    /* for the run in progress */
    const shrink_opts_t *o;
    shrink_result_t *res;
    bool out_of_runs;
    /* The signature a candidate must show: res->sig, but while sessions are
     * renumbered, the kept one's new number. */
    shrink_sig_t want;
};

shrink_t *shrink_new(void)
{
    shrink_t *k = calloc(1, sizeof(*k));
    if (k == NULL)
        return NULL;
    k->runner = sim_runner_new();
    k->text = malloc(TEXT_CAP);
    bool ok = k->runner != NULL && k->text != NULL;
    for (int i = 0; i < 3; i++) {
        k->trees[i] = scn_new();
        ok = ok && k->trees[i] != NULL;
    }
    if (!ok) {
        shrink_free(k);
        return NULL;
    }
    return k;
}

void shrink_free(shrink_t *k)
{
    if (k == NULL)
        return;
    sim_runner_free(k->runner);
    for (int i = 0; i < 3; i++)
        scn_free(k->trees[i]);
    free(k->text);
    free(k);
}

size_t shrink_actions(const scn_t *s)
{
    size_t n = s->actions_count;
    return n > 0 && s->actions[n - 1].kind == SCN_ACT_END ? n - 1 : n;
}

/* ---- one run, and its signature ---------------------------------------- */

static void copy_msg(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t n = strcspn(src, "\n");
    n = n < cap ? n : cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* A failed API `expect`, as the oracle words it (oracle_api.c: "EXPECT: CALL
 * of session S got X PHASE; the scenario expected Y"): the call, the two
 * statuses and the phase of the session it was answered in (a query
 * answered 404 inside an HA window is not one answered 404 before any
 * start), and the session apart (renumbering moves it). */
static void sig_of_api_expect(shrink_sig_t *sig, const char *msg)
{
    char call[32], phase[96];
    int got, want;
    uint32_t sess;
    if (sscanf(msg, "EXPECT: %31s of session %" SCNu32 " got %d %95[^;]; the scenario expected %d",
               call, &sess, &got, phase, &want) == 5) {
        snprintf(sig->what, sizeof(sig->what), "%s got %d %s, expected %d", call, got, phase,
                 want);
        sig->sess = sess;
    } else {
        copy_msg(sig->what, sizeof(sig->what), msg);
    }
}

/* A failed `expect` line ("PATH:L:C: expectation failed: session S: ...",
 * or a driver's failure "PATH: ..."): its complaint without its position.
 * An expectation's message says what it claims, then after "; " what was
 * seen instead (send times, a measured delay, the files written): only the
 * claim is the failure, the rest changes as the scenario shrinks. */
static void sig_of_expect_line(shrink_sig_t *sig, const char *msgs)
{
    const char *m = strstr(msgs, "expectation failed: ");
    bool expectation = m != NULL;
    if (expectation) {
        m += strlen("expectation failed: ");
    } else {
        m = strstr(msgs, ": ");
        m = m != NULL ? m + 2 : msgs;
    }
    uint32_t sess;
    int used = 0;
    if (sscanf(m, "session %" SCNu32 ": %n", &sess, &used) == 1 && used > 0) {
        sig->sess = sess;
        m += used;
    }
    copy_msg(sig->what, sizeof(sig->what), m);
    char *seen = expectation ? strstr(sig->what, "; ") : NULL;
    if (seen != NULL)
        *seen = '\0';
}

static int signature_here(shrink_t *k, const scn_t *s, shrink_sig_t *sig, char *msg, size_t cap)
{
    memset(sig, 0, sizeof(*sig));
    sim_run_opts_t ro = {.trace = NULL, .fingerprint = false};
    sim_run_result_t res;
    char err[SCN_ERR_SIZE];
    if (sim_runner_run(k->runner, s, s->seed, &ro, &res, err, sizeof(err)) != 0) {
        copy_msg(msg, cap, err);
        return sig->rule = SWARM_RULE_ERROR;
    }
    if (res.verdict.pass)
        return sig->rule = SHRINK_PASS;
    bool expected[ORC_RULES] = {false};
    for (size_t i = 0; i < s->expects_count; i++) {
        if (s->expects[i].kind == SCN_EXP_VIOLATION)
            expected[s->expects[i].rule] = true;
    }
    const orc_t *o = sim_runner_oracle(k->runner);
    size_t n;
    const orc_violation_t *v = orc_violations(o, &n);
    for (size_t i = 0; i < n; i++) {
        if (!expected[v[i].rule]) {
            copy_msg(msg, cap, v[i].msg);
            sig->rule = v[i].rule;
            sig->sess = v[i].sess;
            if (v[i].rule == ORC_RULE_EXPECT)
                sig_of_api_expect(sig, v[i].msg);
            return sig->rule;
        }
    }
    for (int rule = 0; rule < ORC_RULES; rule++) {
        if (!expected[rule] && orc_violated(o, rule) > 0) {
            copy_msg(msg, cap, "(violation counted, not kept)");
            return sig->rule = rule;
        }
    }
    copy_msg(msg, cap, res.verdict.expect_msgs);
    sig_of_expect_line(sig, res.verdict.expect_msgs);
    return sig->rule = SHRINK_EXPECTS;
}

/* What a child sends back. */
typedef struct {
    shrink_sig_t sig;
    char msg[256];
} child_msg_t;

static int signature_forked(shrink_t *k, const scn_t *s, shrink_sig_t *sig, char *msg,
                            size_t cap)
{
    int fds[2];
    if (pipe(fds) != 0)
        return signature_here(k, s, sig, msg, cap);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return signature_here(k, s, sig, msg, cap);
    }
    if (pid == 0) {
        close(fds[0]);
        child_msg_t m;
        memset(&m, 0, sizeof(m));
        signature_here(k, s, &m.sig, m.msg, sizeof(m.msg));
        ssize_t w = write(fds[1], &m, sizeof(m));
        (void)w;
        _exit(0);
    }
    close(fds[1]);
    child_msg_t m;
    size_t got = 0;
    while (got < sizeof(m)) {
        ssize_t r = read(fds[0], (char *)&m + got, sizeof(m) - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && got == sizeof(m)) {
        m.msg[sizeof(m.msg) - 1] = '\0';
        m.sig.what[sizeof(m.sig.what) - 1] = '\0';
        *sig = m.sig;
        copy_msg(msg, cap, m.msg);
        return sig->rule;
    }
    char why[128];
    memset(sig, 0, sizeof(*sig));
    if (WIFSIGNALED(status)) {
        snprintf(why, sizeof(why), "the run crashed: signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        snprintf(sig->what, sizeof(sig->what), "signal %d", WTERMSIG(status));
    } else {
        snprintf(why, sizeof(why), "the run ended the process (status %d)", status);
    }
    copy_msg(msg, cap, why);
    return sig->rule = SWARM_RULE_CRASH;
}

int shrink_signature_of(shrink_t *k, const scn_t *s, bool fork_each, shrink_sig_t *sig,
                        char *msg, size_t msg_cap)
{
    return fork_each ? signature_forked(k, s, sig, msg, msg_cap)
                     : signature_here(k, s, sig, msg, msg_cap);
}

int shrink_signature(shrink_t *k, const scn_t *s, bool fork_each, char *msg, size_t msg_cap)
{
    shrink_sig_t sig;
    return shrink_signature_of(k, s, fork_each, &sig, msg, msg_cap);
}

bool shrink_sig_equal(const shrink_sig_t *a, const shrink_sig_t *b)
{
    return a->rule == b->rule && a->sess == b->sess && strcmp(a->what, b->what) == 0;
}

void shrink_sig_describe(const shrink_sig_t *sig, char *buf, size_t cap)
{
    const char *name = sig->rule == SHRINK_EXPECTS ? "an `expect` line"
                       : sig->rule == SHRINK_PASS  ? "pass"
                                                   : swarm_rule_name(sig->rule);
    int n = snprintf(buf, cap, "%s", name);
    if (sig->sess != 0 && n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " on session %" PRIu32, sig->sess);
    if (sig->what[0] != '\0' && n >= 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, ": %s", sig->what);
}

/* ---- candidates -------------------------------------------------------- */

/* cand through the writer and the parser into parsed; false when it does
 * not parse back (then it is not a scenario anyone could commit). */
static bool round_trip(shrink_t *k)
{
    FILE *f = fmemopen(k->text, TEXT_CAP, "w");
    if (f == NULL)
        return false;
    int w = scn_write(f, k->cand);
    long len = ftell(f);
    fclose(f);
    if (w != 0 || len <= 0 || (size_t)len >= TEXT_CAP)
        return false;
    return scn_parse(k->parsed, k->text, (size_t)len, k->cur->path, NULL, 0) == 0;
}

static void begin(shrink_t *k) { *k->cand = *k->cur; }

/* Runs the candidate; keeps it when it fails the same way. */
static bool try_cand(shrink_t *k, const char *phase)
{
    if (k->out_of_runs || !round_trip(k))
        return false;
    if (scn_equal(k->parsed, k->cur))
        return false;
    if (k->o->runs_max > 0 && k->res->runs >= k->o->runs_max) {
        k->out_of_runs = true;
        return false;
    }
    k->res->runs++;
    char msg[8];
    shrink_sig_t sig;
    shrink_signature_of(k, k->parsed, k->o->fork_each, &sig, msg, sizeof(msg));
    if (!shrink_sig_equal(&sig, &k->want)) {
        k->res->refused += sig.rule != SHRINK_PASS;
        return false;
    }
    k->res->sig = k->want;
    scn_t *t = k->cur;
    k->cur = k->parsed;
    k->parsed = t;
    k->res->steps++;
    if (k->o->progress != NULL)
        k->o->progress(k->o->ctx, phase, k->cur, k->res->runs, k->res->steps);
    return true;
}

/* cand = cur with only the actions marked in keep (the final `end` stays). */
static void cand_keep(shrink_t *k, size_t n)
{
    begin(k);
    scn_t *c = k->cand;
    const scn_t *s = k->cur;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (k->keep[i])
            c->actions[j++] = s->actions[i];
    }
    for (size_t i = n; i < s->actions_count; i++)
        c->actions[j++] = s->actions[i];
    c->actions_count = j;
}

/* ---- 1. ddmin over the actions ------------------------------------------ */

static bool try_chunks(shrink_t *k, size_t len, size_t n, bool complement)
{
    for (size_t i = 0; i < n; i++) {
        size_t lo = i * len / n, hi = (i + 1) * len / n;
        for (size_t a = 0; a < len; a++)
            k->keep[a] = (a >= lo && a < hi) != complement;
        cand_keep(k, len);
        if (try_cand(k, "ddmin"))
            return true;
    }
    return false;
}

static bool ddmin(shrink_t *k)
{
    bool any = false;
    size_t n = 2;
    for (;;) {
        size_t len = shrink_actions(k->cur);
        if (len == 0)
            break;
        if (len == 1) {
            k->keep[0] = 0;
            cand_keep(k, 1);
            any |= try_cand(k, "ddmin");
            break;
        }
        if (n > len)
            n = len;
        if (n > 2 && try_chunks(k, len, n, false)) {
            n = 2;
            any = true;
        } else if (try_chunks(k, len, n, true)) {
            n = n > 2 ? n - 1 : 2;
            any = true;
        } else if (n >= len) {
            break;
        } else {
            n = n * 2 < len ? n * 2 : len;
        }
        if (k->out_of_runs)
            break;
    }
    return any;
}

/* ---- 2. simplifications ------------------------------------------------- */

static void drop_action(scn_t *c, size_t i)
{
    memmove(&c->actions[i], &c->actions[i + 1], (c->actions_count - i - 1) * sizeof(c->actions[0]));
    c->actions_count--;
}

static void drop_expect(scn_t *c, size_t i)
{
    memmove(&c->expects[i], &c->expects[i + 1], (c->expects_count - i - 1) * sizeof(c->expects[0]));
    c->expects_count--;
}

/* Only session `keep` remains and becomes the only one (0: drop the last). */
static void cand_sessions(shrink_t *k, uint32_t keep)
{
    begin(k);
    scn_t *c = k->cand;
    uint32_t last = c->sessions;
    for (size_t i = c->actions_count; i-- > 0;) {
        uint32_t s = c->actions[i].session;
        if (keep != 0 && s != 0 && s != keep)
            drop_action(c, i);
        else if (keep != 0)
            c->actions[i].session = 0;
        else if (s == last)
            drop_action(c, i);
    }
    for (size_t i = c->expects_count; i-- > 0;) {
        uint32_t s = c->expects[i].session;
        if (keep != 0 && s != 0 && s != keep)
            drop_expect(c, i);
        else if (keep != 0)
            c->expects[i].session = 0;
        else if (s == last)
            drop_expect(c, i);
    }
    c->sessions = keep != 0 ? 1 : last - 1;
}

/* The failure's session after cand_sessions(k, keep): 1 when it is the one
 * kept, unchanged when the last one goes; false when it goes itself. */
static bool want_sessions(shrink_t *k, uint32_t keep)
{
    uint32_t sess = k->res->sig.sess;
    k->want = k->res->sig;
    if (sess == 0)
        return true;
    if (keep != 0) {
        k->want.sess = 1;
        return sess == keep;
    }
    return sess != k->cur->sessions;
}

static bool pass_sessions(shrink_t *k)
{
    bool any = false;
    for (uint32_t s = 1; k->cur->sessions > 1 && s <= k->cur->sessions; s++) {
        cand_sessions(k, s);
        if (want_sessions(k, s) && try_cand(k, "sessions")) {
            any = true;
            break;
        }
    }
    while (k->cur->sessions > 1) {
        cand_sessions(k, 0);
        if (!want_sessions(k, 0) || !try_cand(k, "sessions"))
            break;
        any = true;
    }
    k->want = k->res->sig;
    return any;
}

static uint32_t max_host(const scn_t *s)
{
    uint32_t m = 0;
    for (size_t i = 0; i < s->actions_count; i++) {
        if (s->actions[i].kind == SCN_ACT_CRASH_HOST && s->actions[i].host > m)
            m = s->actions[i].host;
    }
    return m;
}

static bool pass_servers(shrink_t *k)
{
    bool any = false;
    /* Each change makes the world smaller, or drops a line that states a
     * world at least as large as the default one: no change undoes another. */
    if (k->cur->has_servers && k->cur->servers >= SCN_SERVERS_DEFAULT &&
        k->cur->capacity >= SCN_CAPACITY_DEFAULT && max_host(k->cur) <= SCN_SERVERS_DEFAULT) {
        begin(k);
        k->cand->has_servers = false;
        k->cand->servers = SCN_SERVERS_DEFAULT;
        k->cand->capacity = SCN_CAPACITY_DEFAULT;
        any |= try_cand(k, "servers");
    }
    while (k->cur->servers > 1) {
        begin(k);
        scn_t *c = k->cand;
        c->has_servers = true;
        c->servers--;
        for (size_t i = c->actions_count; i-- > 0;) {
            if (c->actions[i].kind == SCN_ACT_CRASH_HOST && c->actions[i].host > c->servers)
                drop_action(c, i);
        }
        if (!try_cand(k, "servers"))
            break;
        any = true;
    }
    if (k->cur->has_servers && k->cur->capacity > 1) {
        begin(k);
        k->cand->capacity = 1;
        any |= try_cand(k, "servers");
    }
    return any;
}

static bool pass_users(shrink_t *k)
{
    bool any = false;
    for (size_t u = k->cur->users_count; u-- > 0;) {
        begin(k);
        scn_t *c = k->cand;
        memmove(&c->users[u], &c->users[u + 1], (c->users_count - u - 1) * sizeof(c->users[0]));
        c->users_count--;
        any |= try_cand(k, "users");
    }
    return any;
}

/* v on a coarser grid: down, or to the nearest point; false when it is on
 * that grid already. */
static bool on_grid(int64_t v, int g, bool nearest, int64_t *out)
{
    int64_t step = GRID_MS[g];
    *out = nearest ? (v + step / 2) / step * step : v - v % step;
    return *out != v;
}

/* A duration parameter set to one value: a rounder value. */
static bool round_param(shrink_t *k, size_t p)
{
    const scn_param_t prm = k->cur->params[p];
    if (prm.lo != prm.hi || scn_param_type(prm.id) != SCN_PTYPE_DURATION)
        return false;
    for (int g = 0; g < GRIDS; g++) {
        for (int nearest = 0; nearest < 2; nearest++) {
            int64_t v;
            if (!on_grid(prm.lo, g, nearest, &v) || (prm.id == SCN_PARAM_GOP && v < 1))
                continue;
            begin(k);
            k->cand->params[p].lo = k->cand->params[p].hi = v;
            if (try_cand(k, "params"))
                return true;
        }
    }
    return false;
}

static bool pass_params(shrink_t *k)
{
    bool any = false;
    for (size_t p = k->cur->params_count; p-- > 0;) {
        begin(k);
        scn_t *c = k->cand;
        memmove(&c->params[p], &c->params[p + 1], (c->params_count - p - 1) * sizeof(c->params[0]));
        c->params_count--;
        if (try_cand(k, "params")) {
            any = true;
            continue;
        }
        const scn_param_t prm = k->cur->params[p];
        if (prm.lo != prm.hi) {
            int64_t one[2] = {prm.lo, prm.hi};
            for (int i = 0; i < 2; i++) {
                begin(k);
                k->cand->params[p].lo = k->cand->params[p].hi = one[i];
                if (try_cand(k, "params")) {
                    any = true;
                    break;
                }
            }
        }
        any |= round_param(k, p);
    }
    return any;
}

static bool pass_world(shrink_t *k)
{
    bool any = false;
    if (k->cur->mode != SCN_MODE_COMPOSITE) {
        begin(k);
        k->cand->mode = SCN_MODE_COMPOSITE;
        any |= try_cand(k, "mode");
    }
    if (strcmp(k->cur->cname, "room1") != 0) {
        begin(k);
        snprintf(k->cand->cname, sizeof(k->cand->cname), "room1");
        any |= try_cand(k, "channel");
    }
    if (k->cur->has_sid) {
        begin(k);
        k->cand->has_sid = false;
        k->cand->sid[0] = '\0';
        any |= try_cand(k, "sid");
    }
    if (k->cur->has_uid) {
        begin(k);
        k->cand->has_uid = false;
        k->cand->uid = 0;
        any |= try_cand(k, "uid");
    }
    return any;
}

static bool pass_expects(shrink_t *k)
{
    bool any = false;
    for (size_t e = k->cur->expects_count; e-- > 0;) {
        begin(k);
        drop_expect(k->cand, e);
        any |= try_cand(k, "expects");
    }
    for (size_t i = 0; i < k->cur->actions_count; i++) {
        if (k->cur->actions[i].expect_status == 0)
            continue;
        begin(k);
        k->cand->actions[i].expect_status = 0;
        any |= try_cand(k, "expects");
    }
    return any;
}

/* Smaller arguments: provision-fail 1, crash host 1, a disconnect that
 * never heals or heals at a round delay. */
static bool pass_args(shrink_t *k)
{
    bool any = false;
    for (size_t i = 0; i < shrink_actions(k->cur); i++) {
        const scn_action_t a = k->cur->actions[i];
        if (a.kind == SCN_ACT_PROVISION_FAIL && a.count > 1) {
            begin(k);
            k->cand->actions[i].count = 1;
            any |= try_cand(k, "args");
        } else if (a.kind == SCN_ACT_CRASH_HOST && a.host > 1) {
            begin(k);
            k->cand->actions[i].host = 1;
            any |= try_cand(k, "args");
        } else if (a.kind == SCN_ACT_DISCONNECT && a.heal_ms >= 0) {
            begin(k);
            k->cand->actions[i].heal_ms = -1;
            k->cand->actions[i].heal_after_detection = false;
            if (try_cand(k, "args")) {
                any = true;
                continue;
            }
            bool done = false;
            for (int g = 0; g < GRIDS && !done; g++) {
                for (int nearest = 0; nearest < 2 && !done; nearest++) {
                    int64_t v;
                    if (!on_grid(a.heal_ms, g, nearest, &v))
                        continue;
                    begin(k);
                    k->cand->actions[i].heal_ms = v;
                    done = try_cand(k, "args");
                }
            }
            any |= done;
        }
    }
    return any;
}

/* Moves action i and everything after it d earlier. */
static void cand_shift(shrink_t *k, size_t i, int64_t d)
{
    begin(k);
    scn_t *c = k->cand;
    for (size_t j = i; j < c->actions_count; j++)
        c->actions[j].at_ms -= d;
    if (c->has_end)
        c->end_ms -= d;
}

static bool pass_earlier(shrink_t *k)
{
    bool any = false;
    for (size_t i = 0; i < shrink_actions(k->cur); i++) {
        int64_t prev = i > 0 ? k->cur->actions[i - 1].at_ms : 0;
        int64_t gap = k->cur->actions[i].at_ms - prev;
        if (gap <= 0)
            continue;
        /* The whole gap first, then gaps that leave round numbers. */
        int64_t tries[GRIDS + 2] = {gap, 0, 0, 0, gap / 2};
        for (int g = 0; g < GRIDS; g++)
            tries[1 + g] = gap - gap % GRID_MS[g];
        for (int t = 0; t < GRIDS + 2; t++) {
            if (tries[t] <= 0 || (t > 0 && tries[t] == tries[t - 1]))
                continue;
            cand_shift(k, i, tries[t]);
            if (try_cand(k, "earlier")) {
                any = true;
                break;
            }
        }
    }
    return any;
}

static bool pass_round(shrink_t *k)
{
    bool any = false;
    for (size_t i = 0; i < shrink_actions(k->cur); i++) {
        int64_t prev = i > 0 ? k->cur->actions[i - 1].at_ms : 0;
        int64_t t = k->cur->actions[i].at_ms, tried = -1;
        for (int g = 0; g < GRIDS; g++) {
            int64_t r = t - t % GRID_MS[g];
            if (r == t)
                break; /* already on this grid, so on the finer ones */
            if (r < prev || r == tried)
                continue;
            tried = r;
            begin(k);
            k->cand->actions[i].at_ms = r;
            if (try_cand(k, "round")) {
                any = true;
                break;
            }
        }
    }
    return any;
}

static bool pass_end(shrink_t *k)
{
    size_t n = shrink_actions(k->cur);
    int64_t last = n > 0 ? k->cur->actions[n - 1].at_ms : 0;
    static const int64_t after[] = {10000, 60000, 120000};
    for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
        int64_t end = last + after[i];
        if (end >= k->cur->end_ms)
            break;
        begin(k);
        scn_t *c = k->cand;
        if (c->has_end) {
            c->actions[c->actions_count - 1].at_ms = end;
        } else {
            assert(c->actions_count < SCN_ACTIONS_MAX);
            c->actions[c->actions_count++] =
                (scn_action_t){.at_ms = end, .kind = SCN_ACT_END, .heal_ms = -1};
            c->has_end = true;
        }
        c->end_ms = end;
        if (try_cand(k, "end"))
            return true;
    }
    return false;
}

/* ---- driver ------------------------------------------------------------ */

int shrink_run(shrink_t *k, scn_t *s, const shrink_opts_t *o, shrink_result_t *res, char *err,
               size_t err_cap)
{
    memset(res, 0, sizeof(*res));
    k->o = o;
    k->res = res;
    k->out_of_runs = false;
    k->cur = k->trees[0];
    k->cand = k->trees[1];
    k->parsed = k->trees[2];

    /* Start from the canonical form of s: what the shrinker keeps is
     * always something the parser accepts. */
    *k->cur = *s;
    *k->cand = *s;
    if (!round_trip(k)) {
        snprintf(err, err_cap, "%s: error: the scenario does not survive scn_write + scn_parse",
                 s->path[0] ? s->path : "<scenario>");
        return 2;
    }
    scn_t *t = k->cur;
    k->cur = k->parsed;
    k->parsed = t;
    res->actions_before = shrink_actions(k->cur);
    res->signature =
        shrink_signature_of(k, k->cur, o->fork_each, &res->sig, res->msg, sizeof(res->msg));
    k->want = res->sig;
    res->runs = 1;
    if (res->signature == SHRINK_PASS) {
        res->actions_after = res->actions_before;
        return 1;
    }
    if (res->signature == SWARM_RULE_ERROR) {
        snprintf(err, err_cap, "%s", res->msg);
        return 2;
    }

    for (int round = 0; round < ROUNDS_MAX && !k->out_of_runs; round++) {
        bool any = ddmin(k);
        any |= pass_sessions(k);
        any |= pass_servers(k);
        any |= pass_users(k);
        any |= pass_params(k);
        any |= pass_world(k);
        any |= pass_expects(k);
        any |= pass_args(k);
        any |= pass_earlier(k);
        any |= pass_round(k);
        any |= pass_end(k);
        if (!any)
            break;
    }
    *s = *k->cur;
    res->actions_after = shrink_actions(s);
    return 0;
}
