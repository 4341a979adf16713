/* bb_drive.c -- one scenario against a live deployment: the loop that
 * makes its calls, runs its fault commands, polls as a client would and
 * takes the callbacks (bb_drive.h).
 *
 * One thread, one poll() loop, as hasim-rt's (docs/realtime.md): under
 * libfaketime no wait is shorter than 10 ms, and none longer than 1 s, so
 * a due step is late by at most a loop turn. Steps run in the scenario's
 * order: a step waits while the fault command before it still runs, so
 * "kill, then query" queries after the kill happened. Calls are made from
 * the loop, one at a time, each bounded by its time-out.
 */
#define _DEFAULT_SOURCE
#include "bb_drive.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "bb_http.h"
#include "bb_plan.h"
#include "bb_proc.h"

typedef struct {
    char rid[128], sid[128];
    bool polling;
    int64_t poll_due;
    uint32_t poll_404s;
    bool probing; /* `after detection`: querying until the first 404 */
    int64_t probe_due, probe_until, probe_heal_ms;
    int probe_line;
    char probe_cut[256];
} sess_t;

typedef struct {
    bool used;
    int64_t at_ms;
    uint32_t session;
    int line;
    char cut[256];
} heal_t;

typedef struct {
    const bb_opts_t *o;
    bb_result_t *r;
    const bb_plan_t *plan;
    bb_http_t *http;
    FILE *api, *ncs;
    int64_t t0, deadline;
    size_t next;
    sess_t sess[BB_SESSIONS_MAX];
    heal_t heals[BB_HEALS_MAX];
    bb_proc_t proc;
    const bb_step_t *proc_step; /* the step whose command runs, or NULL (a heal) */
    int proc_heal;              /* the heal's index, or -1 */
    bool failed;
} run_t;

volatile sig_atomic_t bb_stop_signal;

static int64_t now_t(const run_t *R) { return bb_now_ms() - R->t0; }

static void fail(run_t *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(run_t *R, const char *fmt, ...)
{
    if (R->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(R->r->error, sizeof(R->r->error), fmt, ap);
    va_end(ap);
    R->failed = true;
}

/* ---- calls ------------------------------------------------------------------ */

static void log_call(run_t *R, const sess_t *s, bb_call_t call, const bb_answer_t *a,
                     const char *by, int line)
{
    if (call == BB_ACQUIRE)
        return; /* the API log holds the five calls of the HA contract */
    json_t *o = json_pack("{s:I, s:s, s:s, s:i, s:i, s:s, s:I, s:s}", "utc_ms",
                          (json_int_t)a->sent_utc_ms, "call", bb_call_name(call), "sid", s->sid,
                          "http", a->http, "code", a->code < 0 ? 0 : a->code, "reason", a->reason,
                          "rtt_ms", (json_int_t)a->rtt_ms, "by", by);
    if (o != NULL && a->status >= 0 && a->status <= 20 && call == BB_QUERY && a->http == 200)
        json_object_set_new(o, "status", json_integer(a->status));
    if (o != NULL && line > 0)
        json_object_set_new(o, "line", json_integer(line));
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    if (text == NULL || fprintf(R->api, "%s\n", text) < 0)
        fail(R, "%s: error: cannot write", R->r->api_log);
    fflush(R->api);
    free(text);
    json_decref(o);
    R->r->calls++;
    if (a->rtt_ms > R->r->rtt_max_ms)
        R->r->rtt_max_ms = a->rtt_ms;
}

/* One call of session k (0-based); false when the target gave no answer. */
static bool call(run_t *R, uint32_t k, bb_call_t c, const char *by, int line, bb_answer_t *a)
{
    sess_t *s = &R->sess[k];
    const bb_session_plan_t *sp = &R->plan->sess[k];
    bb_call_args_t args = {s->rid[0] ? s->rid : "none",
                           s->sid[0] ? s->sid : "00000000000000000000000000000000",
                           R->plan->mode_path, sp->cname, sp->uid};
    bb_http_call(R->http, c, &args, a);
    if (a->http == 0) {
        fail(R, "%s:%d: error: the target did not answer the %s%s: %s", R->plan->scn->path, line,
             strcmp(by, "scenario") == 0 ? "" : "polling client's ", bb_call_name(c), a->err);
        return false;
    }
    if (c == BB_START && a->http == 200 && a->sid[0] != '\0')
        snprintf(s->sid, sizeof(s->sid), "%s", a->sid); /* the start's line names it too */
    log_call(R, s, c, a, by, line);
    return !R->failed;
}

static void expect_status(run_t *R, const bb_step_t *st, int got)
{
    if (st->expect_status == 0 || st->expect_status == got)
        return;
    bb_result_t *r = R->r;
    if (r->mismatches_n < BB_MISMATCHES_MAX)
        r->mismatches[r->mismatches_n++] =
            (bb_mismatch_t){st->line, st->expect_status, got, now_t(R)};
}

/* acquire, then start: the session's resource id and sid. */
static void do_start(run_t *R, const bb_step_t *st)
{
    uint32_t k = st->session - 1;
    sess_t *s = &R->sess[k];
    bb_answer_t a;
    if (!call(R, k, BB_ACQUIRE, "scenario", st->line, &a))
        return;
    if (a.http != 200 || a.rid[0] == '\0') {
        fprintf(stderr, "%s:%d: warning: acquire answered %d (%s): start not sent\n",
                R->plan->scn->path, st->line, a.http, a.reason);
        expect_status(R, st, a.http);
        return;
    }
    snprintf(s->rid, sizeof(s->rid), "%s", a.rid);
    s->sid[0] = '\0'; /* a new task: its own sid */
    if (!call(R, k, BB_START, "scenario", st->line, &a))
        return;
    expect_status(R, st, a.http);
    if (a.http != 200 || a.sid[0] == '\0')
        return;
    s->polling = R->o->poll;
    s->poll_due = now_t(R) + BB_POLL_FIRST_MS;
    s->poll_404s = 0;
}

static bb_call_t call_of(scn_act_kind_t k)
{
    switch (k) {
    case SCN_ACT_QUERY: return BB_QUERY;
    case SCN_ACT_UPDATE: return BB_UPDATE;
    case SCN_ACT_UPDATE_LAYOUT: return BB_UPDATE_LAYOUT;
    case SCN_ACT_STOP: return BB_STOP;
    default: return BB_START;
    }
}

static void do_call(run_t *R, const bb_step_t *st)
{
    if (st->kind == SCN_ACT_START) {
        do_start(R, st);
        return;
    }
    bb_answer_t a;
    bb_call_t c = call_of(st->kind);
    if (!call(R, st->session - 1, c, "scenario", st->line, &a))
        return;
    expect_status(R, st, a.http);
    if (c == BB_STOP && (a.http == 200 || a.http == 206))
        R->sess[st->session - 1].polling = false;
}

/* The polling client, and the probes of `after detection`. */
static void polls_due(run_t *R, int64_t t)
{
    for (uint32_t k = 0; k < R->plan->sessions && !R->failed; k++) {
        sess_t *s = &R->sess[k];
        bb_answer_t a;
        if (s->polling && s->sid[0] != '\0' && bb_listen_exit_seen(R->o->listen, s->sid))
            s->polling = false; /* the client saw session_exit */
        if (s->polling && t >= s->poll_due && call(R, k, BB_QUERY, "client", 0, &a)) {
            bool in404 = a.http == 404 && s->poll_404s < 3;
            s->poll_404s = in404 ? s->poll_404s + 1 : 0;
            s->poll_due = t + (in404 ? BB_POLL_404_MS * s->poll_404s : BB_POLL_EVERY_MS);
        }
        if (!s->probing || t < s->probe_due || !call(R, k, BB_QUERY, "probe", s->probe_line, &a))
            continue;
        s->probe_due = t + BB_PROBE_MS;
        if (a.http != 404 && t < s->probe_until)
            continue;
        if (a.http != 404)
            fprintf(stderr, "%s:%d: warning: no 404 within %d ms of the disconnect: healed as if "
                            "detected now\n", R->plan->scn->path, s->probe_line, BB_PROBE_FOR_MS);
        s->probing = false;
        for (int i = 0; i < BB_HEALS_MAX; i++) {
            if (!R->heals[i].used) {
                R->heals[i] = (heal_t){true, t + s->probe_heal_ms, k, s->probe_line, ""};
                memcpy(R->heals[i].cut, s->probe_cut, sizeof(R->heals[i].cut));
                break;
            }
        }
    }
}

/* ---- fault commands ----------------------------------------------------------- */

static void start_command(run_t *R, bb_fault_t f, uint32_t session, const bb_step_t *st,
                          const char *cut, int line)
{
    const bb_command_t *c = &R->o->faults->cmds[f];
    char uid[16], server[16], user[16], count[16], step[24], cmd[BB_CMD_MAX * 4], err[256];
    const sess_t *s = session > 0 ? &R->sess[session - 1] : NULL;
    const bb_session_plan_t *sp = session > 0 ? &R->plan->sess[session - 1] : NULL;
    snprintf(uid, sizeof(uid), "%" PRIu32, sp != NULL ? sp->uid : 0);
    snprintf(server, sizeof(server), "%" PRIu32, st != NULL ? st->host : 0);
    snprintf(user, sizeof(user), "%" PRIu32, st != NULL ? st->uid : 0);
    snprintf(count, sizeof(count), "%" PRIu32, st != NULL ? st->count : 0);
    snprintf(step, sizeof(step), "%" PRId64, st != NULL ? st->step_ms : 0);
    bb_values_t v = {s ? s->sid : "", sp ? sp->cname : "", uid, R->plan->mode_path,
                     s ? s->rid : "", cut ? cut : "", server, user, count, step};
    if (!bb_expand(c->cmd, &v, cmd, sizeof(cmd))) {
        fail(R, "%s:%d: error: the '%s' command is too long once filled in", R->o->faults->path,
             c->line, bb_fault_name(f));
        return;
    }
    if (!bb_proc_start(&R->proc, cmd, now_t(R), R->o->faults->timeout_ms, err, sizeof(err)))
        fail(R, "%s:%d: error: cannot run the '%s' command for %s:%d: %s", R->o->faults->path,
             c->line, bb_fault_name(f), R->plan->scn->path, line, err);
    R->proc_step = st;
}

static void add_heal(run_t *R, int64_t at, uint32_t session, int line, const char *cut)
{
    for (int i = 0; i < BB_HEALS_MAX; i++) {
        if (!R->heals[i].used) {
            R->heals[i] = (heal_t){true, at, session - 1, line, ""};
            snprintf(R->heals[i].cut, sizeof(R->heals[i].cut), "%s", cut);
            return;
        }
    }
    fail(R, "%s:%d: error: more than %d links cut at once", R->plan->scn->path, line,
         BB_HEALS_MAX);
}

/* A disconnect that went through: when its link comes back. */
static void disconnected(run_t *R, const bb_step_t *st, const char *cut)
{
    if (st->heal_ms < 0)
        return;
    if (!st->heal_after_detection) {
        add_heal(R, now_t(R) + st->heal_ms, st->session, st->line, cut);
        return;
    }
    sess_t *s = &R->sess[st->session - 1];
    s->probing = true;
    s->probe_due = now_t(R);
    s->probe_until = now_t(R) + BB_PROBE_FOR_MS;
    s->probe_heal_ms = st->heal_ms;
    s->probe_line = st->line;
    snprintf(s->probe_cut, sizeof(s->probe_cut), "%s", cut);
}

static void command_done(run_t *R)
{
    bb_proc_t *p = &R->proc;
    const bb_step_t *st = R->proc_step;
    bb_fault_t f = st != NULL ? (bb_fault_t)bb_fault_of(st->kind) : BB_F_HEAL;
    int line = st != NULL ? st->line : R->heals[R->proc_heal].line;
    if (p->timed_out || p->status != 0) {
        char why[64];
        if (p->timed_out)
            snprintf(why, sizeof(why), "did not finish within %" PRId64 " ms",
                     R->o->faults->timeout_ms);
        else
            snprintf(why, sizeof(why), "failed (exit %d)", p->status);
        fail(R, "%s:%d: error: the '%s' command for %s:%d %s: %s", R->o->faults->path,
             R->o->faults->cmds[f].line, bb_fault_name(f), R->plan->scn->path, line, why,
             bb_proc_last_err(p)[0] ? bb_proc_last_err(p) : "(no message)");
    } else if (st != NULL && st->kind == SCN_ACT_DISCONNECT) {
        disconnected(R, st, bb_proc_first_line(p));
    }
    if (R->proc_heal >= 0)
        R->heals[R->proc_heal].used = false;
    R->proc_step = NULL;
    R->proc_heal = -1;
    p->done = false;
}

/* The heal due first (all of them at the end: nothing stays cut). */
static void heals_due(run_t *R, int64_t t, bool all)
{
    int best = -1;
    for (int i = 0; i < BB_HEALS_MAX; i++) {
        const heal_t *h = &R->heals[i];
        if (h->used && (all || h->at_ms <= t) && (best < 0 || h->at_ms < R->heals[best].at_ms))
            best = i;
    }
    if (best < 0)
        return;
    heal_t *h = &R->heals[best];
    R->proc_heal = best;
    start_command(R, BB_F_HEAL, h->session + 1, NULL, h->cut, h->line);
}

static void steps_due(run_t *R, int64_t t)
{
    const bb_plan_t *P = R->plan;
    while (!R->failed && R->proc.pid == 0 && R->next < P->steps_n && P->steps[R->next].at_ms <= t) {
        const bb_step_t *st = &P->steps[R->next++];
        if (scn_act_is_api(st->kind)) {
            do_call(R, st);
            continue;
        }
        /* bb_plan_make refused what no FAULTS.conf command makes */
        assert(bb_fault_of(st->kind) >= 0);
        R->proc_heal = -1;
        start_command(R, (bb_fault_t)bb_fault_of(st->kind), st->session, st, NULL, st->line);
    }
}

/* ---- the loop ------------------------------------------------------------------- */

static int64_t next_due(const run_t *R)
{
    const bb_plan_t *P = R->plan;
    int64_t due = P->end_ms;
    if (R->next < P->steps_n && P->steps[R->next].at_ms < due)
        due = P->steps[R->next].at_ms;
    for (uint32_t k = 0; k < P->sessions; k++) {
        const sess_t *s = &R->sess[k];
        if (s->polling && s->poll_due < due)
            due = s->poll_due;
        if (s->probing && s->probe_due < due)
            due = s->probe_due;
    }
    for (int i = 0; i < BB_HEALS_MAX; i++) {
        if (R->heals[i].used && R->heals[i].at_ms < due)
            due = R->heals[i].at_ms;
    }
    return due;
}

/* Waits for the callbacks, the fault command or the next due time, at
 * most until `until` (run time), and hands the callbacks in. */
static void wait_turn(run_t *R, int64_t until)
{
    struct pollfd fds[3];
    int n = 0;
    fds[n++] = (struct pollfd){bb_listen_fd(R->o->listen), POLLIN, 0};
    n += bb_proc_fds(&R->proc, fds + n);
    int64_t wait = until - now_t(R);
    int64_t mhd = bb_listen_timeout_ms(R->o->listen);
    if (mhd >= 0 && mhd < wait)
        wait = mhd;
    if (R->proc.pid != 0 && wait > 50)
        wait = 50; /* its exit shows in waitpid, not on a descriptor we hold */
    /* libfaketime divides waits by the speed: never under 10 ms (realtime.md) */
    wait = wait < 10 ? 10 : wait > 1000 ? 1000 : wait;
    if (poll(fds, (nfds_t)n, (int)wait) < 0 && errno != EINTR)
        fail(R, "hasim drive: error: poll: %s", strerror(errno));
    bb_listen_run(R->o->listen);
}

/* true while the timeline has something left to do at time t */
static bool busy(const run_t *R, int64_t t)
{
    if (t < R->plan->end_ms || R->next < R->plan->steps_n || R->proc.pid != 0)
        return true;
    for (int i = 0; i < BB_HEALS_MAX; i++) {
        if (R->heals[i].used)
            return true;
    }
    return false;
}

static void loop(run_t *R)
{
    for (;;) {
        int64_t t = now_t(R);
        if (t > R->deadline)
            fail(R, "%s: error: the run did not finish within --timeout (%" PRId64 " ms)",
                 R->plan->scn->path, R->deadline);
        if (bb_stop_signal != 0)
            fail(R, "hasim drive: interrupted by signal %d at %" PRId64 " ms of the run",
                 (int)bb_stop_signal, t);
        if (R->failed)
            return;
        if (R->proc.pid != 0 && bb_proc_step(&R->proc, t))
            command_done(R);
        bool end = t >= R->plan->end_ms && R->next == R->plan->steps_n;
        if (R->proc.pid == 0 && !R->failed)
            heals_due(R, t, end);
        steps_due(R, t);
        if (!end)
            polls_due(R, t);
        if (!busy(R, t) || R->failed)
            return;
        wait_turn(R, next_due(R));
    }
}

/* Late callbacks (NCS retries) after the timeline: settle_ms more. */
static void settle(run_t *R)
{
    int64_t until = now_t(R) + R->o->settle_ms;
    while (!R->failed && now_t(R) < until && bb_stop_signal == 0)
        wait_turn(R, until);
    if (bb_stop_signal != 0)
        fail(R, "hasim drive: interrupted by signal %d", (int)bb_stop_signal);
}

/* ---- a scenario ---------------------------------------------------------------- */

static FILE *open_log(run_t *R, const char *dir, const char *base, const char *ext, char *path,
                      size_t cap)
{
    if (snprintf(path, cap, "%s/%s.%s.jsonl", dir, base, ext) >= (int)cap) {
        fail(R, "%s: error: path too long", dir);
        return NULL;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fail(R, "%s: error: cannot write: %s", path, strerror(errno));
    return f;
}

/* The target answers at all (any HTTP status), before anything is sent. */
static void reachable(run_t *R)
{
    bb_call_args_t a = {"hasim-drive-probe", "00000000000000000000000000000000",
                        R->plan->mode_path, R->plan->sess[0].cname, R->plan->sess[0].uid};
    bb_answer_t ans;
    bb_http_call(R->http, BB_QUERY, &a, &ans);
    if (ans.http == 0)
        fail(R, "hasim drive: error: the target %s does not answer: %s", R->o->target, ans.err);
}

static int run_plan(run_t *R, const char *scn_path)
{
    const bb_opts_t *o = R->o;
    bb_result_t *r = R->r;
    char base[256], err[512];
    const char *b = scn_base_name(scn_path);
    snprintf(base, sizeof(base), "%.*s", (int)scn_stem_len(b), b);
    if (mkdir(o->log_dir, 0755) != 0 && errno != EEXIST)
        fail(R, "%s: error: cannot create: %s", o->log_dir, strerror(errno));
    R->ncs = R->failed ? NULL : open_log(R, o->log_dir, base, "ncs", r->ncs_log, sizeof(r->ncs_log));
    R->api = R->failed ? NULL : open_log(R, o->log_dir, base, "api", r->api_log, sizeof(r->api_log));
    R->http = R->failed ? NULL : bb_http_new(o->target, o->call_timeout_ms, err, sizeof(err));
    if (!R->failed && R->http == NULL)
        fail(R, "hasim drive: error: %s", err);
    if (!R->failed)
        reachable(R);
    if (R->failed)
        return 2;
    bb_listen_set_log(o->listen, R->ncs);
    R->t0 = bb_now_ms();
    R->deadline = o->timeout_ms > 0 ? o->timeout_ms
                                    : R->plan->end_ms + o->settle_ms + BB_TIMEOUT_EXTRA_MS;
    R->proc_heal = -1;
    loop(R);
    if (!R->failed)
        settle(R);
    r->run_ms = now_t(R);
    bb_proc_abort(&R->proc);
    bb_listen_set_log(o->listen, NULL);
    return R->failed ? 2 : 0;
}

int bb_drive_scenario(const bb_opts_t *o, const char *scn_path, bb_result_t *r)
{
    static bb_plan_t plan; /* large (the steps), and one scenario at a time */
    static run_t run;
    memset(r, 0, sizeof(*r));
    memset(&run, 0, sizeof(run));
    r->path = scn_path;
    run.o = o;
    run.r = r;
    run.plan = &plan;
    scn_t *scn = scn_new();
    char err[SCN_ERR_SIZE];
    if (scn == NULL)
        fail(&run, "hasim drive: error: out of memory");
    else if (scn_parse_file(scn, scn_path, err, sizeof(err)) != 0 ||
             bb_plan_make(&plan, scn, o->faults, err, sizeof(err)) != 0)
        fail(&run, "%s", err);
    r->rc = run.failed ? 2 : run_plan(&run, scn_path);
    r->expects_skipped = plan.expects_skipped;
    if (run.api != NULL && fclose(run.api) != 0 && r->rc == 0)
        fail(&run, "%s: error: cannot write", r->api_log);
    if (run.ncs != NULL && fclose(run.ncs) != 0 && r->rc == 0)
        fail(&run, "%s: error: cannot write", r->ncs_log);
    bb_http_free(run.http);
    scn_free(scn);
    if (run.failed)
        r->rc = 2;
    if (r->rc == 0)
        r->rc = bb_judge_logs(o, r);
    bb_print_verdict(stdout, o, r);
    return r->rc;
}
