/* test_oracle.c -- the oracle against hand-written traces.
 *
 * Each base fixture in tests/traces/ is a run where the center kept the
 * contract; the oracle must find nothing in it. Each failing case patches a
 * base in one place, so that the center breaks exactly one rule there, and
 * the oracle must name that rule, with the numbers, in its message. Where a
 * rule has a boundary, both sides are tried.
 *
 * A patch addresses the lines of a given t_ms and kind (and, when that is
 * not unique, a substring of the line); the patched trace is then read by
 * the real JSONL reader, so the patches must keep it valid (t_ms never goes
 * back). run_end's count is fixed up after patching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "judge/oracle.h"
#include "judge/oracle_impl.h" /* orc_notice_seen, and the line it records */
#include "judge/oracle_names.h"
#include "trace/trace_json.h"

#ifndef TRACES_DIR
#define TRACES_DIR "tests/traces"
#endif

/* JSON text without escapes: J("srv":2) is the string "\"srv\":2". */
#define J(...) #__VA_ARGS__

typedef enum { OP_END, OP_SUB, OP_DEL, OP_AFTER, OP_BEFORE, OP_DUP, OP_DELALL, OP_CUT } op_t;

typedef struct {
    op_t op;
    long long t;      /* the lines of this t_ms ... */
    const char *kind; /* ... and kind (NULL: any) ... */
    const char *also; /* ... that contain this (NULL: any) */
    const char *a, *b;
} patch_t;

/* On every addressed line, a becomes b (all occurrences). */
#define SUB(t, kind, a, b) {OP_SUB, t, kind, NULL, a, b}
#define SUBW(t, kind, also, a, b) {OP_SUB, t, kind, also, a, b}
/* The single addressed line is deleted, duplicated, or gets a new line
 * after or before it. */
#define DEL(t, kind) {OP_DEL, t, kind, NULL, NULL, NULL}
#define DELW(t, kind, also) {OP_DEL, t, kind, also, NULL, NULL}
#define DUP(t, kind) {OP_DUP, t, kind, NULL, NULL, NULL}
#define AFTER(t, kind, line) {OP_AFTER, t, kind, NULL, line, NULL}
#define AFTERW(t, kind, also, line) {OP_AFTER, t, kind, also, line, NULL}
#define BEFORE(t, kind, line) {OP_BEFORE, t, kind, NULL, line, NULL}
/* Every line of a kind, at any time, that contains also: its a becomes b,
 * or it is deleted (the fixtures' steady slices, when a patch changes who
 * records them or whether anyone does). */
#define SUBALL(kind, also, a, b) {OP_SUB, -1, kind, also, a, b}
#define DELALL(kind, also) {OP_DELALL, -1, kind, also, NULL, NULL}
/* Every line after t_ms t but run_end: a run that ends earlier. */
#define CUT_AFTER(t) {OP_CUT, t, NULL, NULL, NULL, NULL}
#define END {OP_END, 0, NULL, NULL, NULL, NULL}

#define N "3141592653" /* the replacement's uid in the fixtures */
#define SID "38f8e3cfdc474cd56fc1ceba380d7e1a"

static orc_t *orc; /* one for all tests: orc_reset is exercised between them */

/* ---- patching ----------------------------------------------------------- */

#define LINES_MAX 256

typedef struct {
    char *line[LINES_MAX];
    int n;
} text_t;

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    assert_non_null(d);
    memcpy(d, s, n + 1);
    return d;
}

static void load(text_t *tx, const char *name)
{
    char path[512], buf[8192];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", TRACES_DIR, name);
    f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    tx->n = 0;
    while (fgets(buf, sizeof buf, f) != NULL) {
        buf[strcspn(buf, "\n")] = '\0';
        assert_true(tx->n < LINES_MAX);
        tx->line[tx->n++] = dup_str(buf);
    }
    fclose(f);
}

static bool addressed(const char *line, const patch_t *p)
{
    char head[128];

    if (p->t < 0) {
        snprintf(head, sizeof head, "\"kind\":\"%s\"", p->kind);
        return strstr(line, head) != NULL && (p->also == NULL || strstr(line, p->also));
    }
    if (p->kind != NULL)
        snprintf(head, sizeof head, "{\"t_ms\":%lld,\"kind\":\"%s\"", p->t, p->kind);
    else
        snprintf(head, sizeof head, "{\"t_ms\":%lld,", p->t);
    return strncmp(line, head, strlen(head)) == 0 && (p->also == NULL || strstr(line, p->also));
}

static char *replace_all(const char *s, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), n = 0;
    const char *p;
    char *out, *o;

    for (p = strstr(s, a); p != NULL; p = strstr(p + la, a))
        n++;
    out = malloc(strlen(s) + n * lb + 1);
    assert_non_null(out);
    o = out;
    for (p = strstr(s, a); p != NULL; p = strstr(s, a)) {
        memcpy(o, s, (size_t)(p - s));
        o += p - s;
        memcpy(o, b, lb);
        o += lb;
        s = p + la;
    }
    strcpy(o, s);
    return out;
}

static void insert(text_t *tx, int at, const char *line)
{
    assert_true(tx->n < LINES_MAX);
    memmove(&tx->line[at + 1], &tx->line[at], (size_t)(tx->n - at) * sizeof tx->line[0]);
    tx->line[at] = dup_str(line);
    tx->n++;
}

static void cut_after(text_t *tx, long long t)
{
    int w = 0;
    for (int i = 0; i < tx->n; i++) {
        long long ti = strtoll(tx->line[i] + strlen("{\"t_ms\":"), NULL, 10);
        if (ti > t && strstr(tx->line[i], "\"kind\":\"run_end\"") == NULL)
            free(tx->line[i]);
        else
            tx->line[w++] = tx->line[i];
    }
    tx->n = w;
}

static void apply(text_t *tx, const patch_t *p)
{
    int hits = 0, at = -1;

    if (p->op == OP_CUT) {
        cut_after(tx, p->t);
        return;
    }
    for (int i = 0; i < tx->n; i++) {
        if (!addressed(tx->line[i], p))
            continue;
        hits++;
        at = i;
        if (p->op == OP_SUB) {
            char *nl = replace_all(tx->line[i], p->a, p->b);
            if (strcmp(nl, tx->line[i]) == 0)
                fail_msg("patch: '%s' not on line %d", p->a, i + 1);
            free(tx->line[i]);
            tx->line[i] = nl;
        }
    }
    if (hits == 0)
        fail_msg("patch: no line t_ms %lld kind %s", p->t, p->kind ? p->kind : "*");
    if (p->op == OP_SUB)
        return;
    if (p->op == OP_DELALL) {
        int w = 0;
        for (int i = 0; i < tx->n; i++) {
            if (addressed(tx->line[i], p))
                free(tx->line[i]);
            else
                tx->line[w++] = tx->line[i];
        }
        tx->n = w;
        return;
    }
    if (hits != 1)
        fail_msg("patch: %d lines t_ms %lld kind %s; name one", hits, p->t,
                 p->kind ? p->kind : "*");
    switch (p->op) {
    case OP_DEL:
        free(tx->line[at]);
        memmove(&tx->line[at], &tx->line[at + 1], (size_t)(tx->n - at - 1) * sizeof tx->line[0]);
        tx->n--;
        break;
    case OP_DUP: insert(tx, at + 1, tx->line[at]); break;
    case OP_AFTER: insert(tx, at + 1, p->a); break;
    case OP_BEFORE: insert(tx, at, p->a); break;
    case OP_END:
    case OP_SUB:
    case OP_DELALL:
    case OP_CUT: break;
    }
}

typedef struct {
    orc_t *o;
    long long last_t;
} sink_ctx_t;

static void sink(void *ctx, const sim_tr_ev_t *ev)
{
    sink_ctx_t *c = ctx;
    c->last_t = ev->t_ms;
    orc_event(c->o, ev);
}

/* Reads base, applies the patches, and judges the result with orc. */
static orc_t *run(const char *base, const patch_t *patches)
{
    text_t tx;
    size_t len = 0;
    char *buf, err[512];
    sink_ctx_t c = {orc, 0};

    load(&tx, base);
    for (const patch_t *p = patches; p != NULL && p->op != OP_END; p++)
        apply(&tx, p);
    if (tx.n > 0 && strstr(tx.line[tx.n - 1], "\"kind\":\"run_end\"") != NULL) {
        long long t = strtoll(tx.line[tx.n - 1] + strlen("{\"t_ms\":"), NULL, 10);
        char line[96];
        snprintf(line, sizeof line, "{\"t_ms\":%lld,\"kind\":\"run_end\",\"events\":%d}", t,
                 tx.n - 1);
        free(tx.line[tx.n - 1]);
        tx.line[tx.n - 1] = dup_str(line);
    }
    for (int i = 0; i < tx.n; i++)
        len += strlen(tx.line[i]) + 1;
    buf = malloc(len + 1);
    assert_non_null(buf);
    buf[0] = '\0';
    len = 0;
    for (int i = 0; i < tx.n; i++) {
        size_t n = strlen(tx.line[i]);
        memcpy(buf + len, tx.line[i], n);
        buf[len + n] = '\n';
        len += n + 1;
        free(tx.line[i]);
    }
    orc_reset(orc);
    if (sim_tr_read_mem(base, buf, len, sink, &c, err, sizeof err) != 0)
        fail_msg("patched %s does not read: %s", base, err);
    free(buf);
    orc_finish(orc, c.last_t);
    return orc;
}

/* ---- expectations ------------------------------------------------------- */

static void show(const orc_t *o) { orc_print(o, stderr); }

static void expect_clean(const orc_t *o)
{
    if (orc_violation_count(o) != 0) {
        show(o);
        fail_msg("expected no violation");
    }
}

/* Some violation of rule whose message has every one of the words. */
static void expect_violation(const orc_t *o, int rule, const char *w1, const char *w2)
{
    size_t n;
    const orc_violation_t *v = orc_violations(o, &n);

    for (size_t i = 0; i < n; i++) {
        const char *id = orc_rule_name(rule);
        if (v[i].rule != rule || strncmp(v[i].msg, id, strlen(id)) != 0)
            continue;
        if ((w1 == NULL || strstr(v[i].msg, w1)) && (w2 == NULL || strstr(v[i].msg, w2))) {
            assert_true(v[i].lines[0] != 0);
            return;
        }
    }
    show(o);
    fail_msg("expected a %s violation with '%s' and '%s'", orc_rule_name(rule), w1 ? w1 : "",
             w2 ? w2 : "");
}

/* The run broke rule, and that is the first cause of every session it
 * found anything wrong in (what follows from it may break others). */
static void expect_only(const orc_t *o, int rule)
{
    size_t n;
    const orc_violation_t *v = orc_violations(o, &n);
    orc_group_t g[ORC_GROUPS_MAX];
    size_t ng = orc_groups(o, g);
    bool ok = orc_violated(o, rule) > 0 && ng > 0;
    for (size_t i = 0; i < ng; i++)
        ok &= v[g[i].first].rule == rule;
    if (!ok) {
        show(o);
        fail_msg("expected %s as the first cause of every violation", orc_rule_name(rule));
    }
}

/* The first violation of rule whose message has w; it must be there. */
static const orc_violation_t *find_violation(const orc_t *o, int rule, const char *w)
{
    size_t n;
    const orc_violation_t *v = orc_violations(o, &n);

    for (size_t i = 0; i < n; i++) {
        if (v[i].rule == rule && strstr(v[i].msg, w) != NULL)
            return &v[i];
    }
    show(o);
    fail_msg("expected a %s violation with '%s'", orc_rule_name(rule), w);
    return NULL;
}

static void expect_note(const orc_t *o, int assumption, const char *w1)
{
    size_t n;
    const orc_note_t *nt = orc_notes(o, &n);

    for (size_t i = 0; i < n; i++) {
        if (nt[i].assumption == assumption && (w1 == NULL || strstr(nt[i].msg, w1)))
            return;
    }
    show(o);
    fail_msg("expected an A%d note with '%s'", assumption, w1 ? w1 : "");
}

/* ---- every base fixture keeps the contract ------------------------------ */

static void fixtures_pass(void **state)
{
    static const char *const bases[] = {
        "kill.jsonl",       "kill_timing.jsonl",     "disconnect_reconnect.jsonl",
        "disconnect_switch.jsonl", "giveup_deadline.jsonl", "fourth_fault.jsonl",
        "replacement_fail.jsonl",  "individual.jsonl",      "web.jsonl",
        "capacity.jsonl",          "heal_before_detection.jsonl", "server_returns.jsonl",
        "stop_while_cut_off.jsonl", "link_flaps_during_rejoin.jsonl",
        "link_flap_within_minute.jsonl",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        orc_t *o = run(bases[i], NULL);
        expect_clean(o);
        assert_int_equal(orc_unjudged(o), 0);
    }
}

/* Every rule is actually checked somewhere in the passing fixtures. */
static void every_rule_checked(void **state)
{
    static const char *const bases[] = {"kill.jsonl", "disconnect_reconnect.jsonl",
                                        "disconnect_switch.jsonl", "giveup_deadline.jsonl",
                                        "fourth_fault.jsonl", "replacement_fail.jsonl"};
    uint64_t seen[ORC_RULES] = {0};
    (void)state;
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        orc_t *o = run(bases[i], NULL);
        for (int r = 0; r < ORC_RULES; r++)
            seen[r] += orc_checked(o, r);
    }
    for (int r = 0; r <= ORC_RULE_NCS; r++) {
        if (seen[r] == 0)
            fail_msg("%s never checked", orc_rule_name(r));
    }
}

/* ---- R1 ----------------------------------------------------------------- */

static void r1_resume_at_bound_passes(void **state)
{
    (void)state;
    expect_clean(run("kill_timing.jsonl", NULL)); /* resume at detection + 30000 */
}

static void r1_resume_one_ms_late_fails(void **state)
{
    static const patch_t p[] = {SUB(72000, NULL, J("t_ms":72000), J("t_ms":72001)), END};
    orc_t *o = run("kill_timing.jsonl", p);
    (void)state;
    expect_only(o, 1);
    expect_violation(o, 1, "session 1 resumed 30001 ms after detecting the kill",
                     "R1 allows 30000 ms");
}

static void r1_same_server_fails(void **state)
{
    static const patch_t p[] = {
        SUB(42000, "switch", J("from_srv":1,"srv":2), J("from_srv":1,"srv":1)),
        SUB(42000, "recorder_start", J("srv":2), J("srv":1)),
        SUB(50000, "recorder_ready", J("srv":2), J("srv":1)),
        SUB(72000, "resume", J("srv":2), J("srv":1)), END};
    orc_t *o = run("kill_timing.jsonl", p);
    (void)state;
    expect_only(o, 1);
    expect_violation(o, 1, "switches to server 1, the one that failed", NULL);
    expect_violation(o, 1, "resumes on server 1", "different server");
}

static void r1_undetected_kill_fails(void **state)
{
    /* Nothing is detected, so no replacement ever records. */
    static const patch_t p[] = {DEL(42000, "detect"), DEL(42000, "switch"),
                                DEL(42000, "recorder_start"), DEL(50000, "recorder_ready"),
                                DEL(72000, "resume"), DEL(72000, "callback"),
                                DELALL("slice_done", J("rec":2,)), DELALL("slice", J("rec":2,)),
                                DELALL("playlist_open", J("bak":0,)),
                                DELALL("playlist_close", NULL), END};
    orc_t *o = run("kill_timing.jsonl", p);
    (void)state;
    expect_only(o, 1);
    expect_violation(o, 1, "exit report of recorder 1", "was not followed by a detect");
}

static void r1_no_capacity_is_a_note(void **state)
{
    orc_t *o = run("capacity.jsonl", NULL); /* resumed 31000 ms after, with no free slot */
    (void)state;
    expect_clean(o);
    expect_note(o, 1, "no server that is up and has not failed in this activation had a free slot");
    expect_note(o, 1, "R1 not judged (A1 broke): session 1 resumed 31000 ms");
}

static void r1_provision_failure_is_a_note(void **state)
{
    /* The first replacement cannot start (A3); the second resumes late,
     * 38000 ms after detection: R1's bound is reported, not judged. */
    static const patch_t p[] = {
        AFTER(42000, "recorder_start", J({"t_ms":43000,"kind":"recorder_failed","sess":1,"srv":2,"rec":2})),
        AFTER(43000, "recorder_failed", J({"t_ms":43000,"kind":"attempt_failed","sess":1,"srv":2,"rec":2})),
        AFTER(43000, "attempt_failed", J({"t_ms":43000,"kind":"switch","sess":1,"from_srv":1,"srv":3,"rec":3,"uid":2718281828,"attempt":2})),
        AFTER(43000, "switch", J({"t_ms":43000,"kind":"recorder_start","sess":1,"srv":3,"rec":3,"uid":2718281828,"bak":0})),
        SUB(50000, "recorder_ready", J("t_ms":50000,"kind":"recorder_ready","sess":1,"srv":2,"rec":2,"uid":3141592653),
            J("t_ms":51000,"kind":"recorder_ready","sess":1,"srv":3,"rec":3,"uid":2718281828)),
        SUB(72000, "resume", J("t_ms":72000,"kind":"resume","sess":1,"srv":2,"rec":2,"uid":3141592653),
            J("t_ms":80000,"kind":"resume","sess":1,"srv":3,"rec":3,"uid":2718281828)),
        SUB(72000, "callback", J("t_ms":72000), J("t_ms":80000)),
        SUB(80000, "callback", "3141592653", "2718281828"),
        SUBALL("slice_done", J("rec":2,), J("srv":2,"rec":2,), J("srv":3,"rec":3,)),
        SUBALL("slice", J("rec":2,), J("srv":2,"rec":2,), J("srv":3,"rec":3,)),
        END};
    orc_t *o = run("kill_timing.jsonl", p);
    (void)state;
    expect_clean(o);
    expect_note(o, 3, "replacement recorder 2 on server 2 failed to start");
    expect_note(o, 3, "R1 not judged (A3 broke): session 1 resumed 38000 ms");
}

/* ---- R2 ----------------------------------------------------------------- */

static void r2_reconnect_passes(void **state)
{
    orc_t *o = run("disconnect_reconnect.jsonl", NULL);
    size_t n;
    const orc_activation_t *a = orc_activations(o, &n);
    (void)state;
    expect_clean(o);
    assert_int_equal(n, 1);
    assert_true(a[0].same_server);
    assert_int_equal(a[0].t_fault, 40500);
    assert_int_equal(a[0].t_detect, 46000);
    assert_int_equal(a[0].t_switch, -1);
    assert_int_equal(a[0].t_resume, 103000);
    assert_int_equal(a[0].window_404_ms, 57000);
}

static void r2_heal_at_60000_reconnects(void **state)
{
    /* The link is back at exactly detection + 60000: still a reconnect. */
    static const patch_t p[] = {SUB(40500, "fault", "101000", "106000"),
                                SUB(101000, NULL, J("t_ms":101000), J("t_ms":106000)),
                                SUB(103000, NULL, J("t_ms":103000), J("t_ms":108000)), END};
    (void)state;
    expect_clean(run("disconnect_reconnect.jsonl", p));
}

static void r2_switch_when_back_at_60000_fails(void **state)
{
    static const patch_t p[] = {
        BEFORE(106000, "switch", J({"t_ms":106000,"kind":"fault","fault":"heal","srv":1})),
        BEFORE(106000, "switch", J({"t_ms":106000,"kind":"server_up","srv":1})), END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    (void)state;
    expect_only(o, 2);
    expect_violation(o, 2, "switches although server 1 came back 60000 ms after detection",
                     "R2 reconnects within 60000 ms");
}

static void r2_back_at_60001_switch_passes(void **state)
{
    /* Back 1 ms too late: the switch at 60000 was right, and the recorder
     * it let go of is fenced as the server returns (R9). (Each AFTER goes
     * right after recorder_start, so the heal is inserted last.) */
    static const patch_t p[] = {
        AFTER(106000, "recorder_start", J({"t_ms":106001,"kind":"fenced","sess":1,"srv":1,"rec":1})),
        AFTER(106000, "recorder_start", J({"t_ms":106001,"kind":"recorder_stop","sess":1,"srv":1,"rec":1,"how":"fence"})),
        AFTER(106000, "recorder_start", J({"t_ms":106001,"kind":"server_up","srv":1})),
        AFTER(106000, "recorder_start", J({"t_ms":106001,"kind":"fault","fault":"heal","srv":1})),
        END};
    (void)state;
    expect_clean(run("disconnect_switch.jsonl", p));
}

static void r2_early_switch_fails(void **state)
{
    static const patch_t p[] = {SUB(106000, NULL, J("t_ms":106000), J("t_ms":105999)), END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    (void)state;
    expect_only(o, 2);
    expect_violation(o, 2, "switches 59999 ms after detecting the disconnect",
                     "R2 waits 60000 ms");
}

static void r2_late_switch_fails(void **state)
{
    static const patch_t p[] = {SUB(106000, NULL, J("t_ms":106000), J("t_ms":106001)), END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    (void)state;
    expect_only(o, 2);
    expect_violation(o, 2, "had not switched away from server 1 60000 ms after detecting",
                     NULL);
}

static void r2_killed_while_cut_off_switches_at_once(void **state)
{
    /* Killed while disconnected: the exit report comes with the link at
     * 70000, and the center may switch then, before 60 s. */
    static const patch_t p[] = {
        AFTER(46000, "reconnecting", J({"t_ms":50000,"kind":"fault","fault":"kill","srv":1,"sess":1,"rec":1})),
        BEFORE(106000, "switch", J({"t_ms":70000,"kind":"fault","fault":"heal","srv":1})),
        BEFORE(106000, "switch", J({"t_ms":70000,"kind":"exit_report","srv":1,"rec":1})),
        BEFORE(106000, "switch", J({"t_ms":70000,"kind":"server_up","srv":1})),
        SUB(106000, NULL, J("t_ms":106000), J("t_ms":70000)),
        DEL(145000, "fault"), DEL(145000, "server_up"), DEL(145000, "recorder_stop"),
        DEL(145000, "fenced"), DEL(146000, "slice_done"), DEL(146500, "recorder_exited"), END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    size_t n;
    const orc_activation_t *a;
    (void)state;
    expect_clean(o);
    a = orc_activations(o, &n);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].t_switch, 70000);
}

static void r2_killed_while_cut_off_must_switch_at_once(void **state)
{
    static const patch_t p[] = {
        AFTER(46000, "reconnecting", J({"t_ms":50000,"kind":"fault","fault":"kill","srv":1,"sess":1,"rec":1})),
        BEFORE(106000, "switch", J({"t_ms":70000,"kind":"fault","fault":"heal","srv":1})),
        BEFORE(106000, "switch", J({"t_ms":70000,"kind":"exit_report","srv":1,"rec":1})),
        BEFORE(106000, "switch", J({"t_ms":70000,"kind":"server_up","srv":1})),
        DEL(145000, "fault"), DEL(145000, "server_up"), DEL(145000, "recorder_stop"),
        DEL(145000, "fenced"), DEL(146000, "slice_done"), DEL(146500, "recorder_exited"), END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    (void)state;
    expect_only(o, 2);
    expect_violation(o, 2, "when the exit report of its killed recorder 1 arrived",
                     "R2 switches at once");
}

static void r2_reconnect_window_wrong_fails(void **state)
{
    static const patch_t p[] = {SUB(46000, "reconnecting", "106000", "100000"), END};
    orc_t *o = run("disconnect_reconnect.jsonl", p);
    (void)state;
    expect_only(o, 2);
    expect_violation(o, 2, "waits for server 1 until 100000 ms",
                     "until detection + 60000 = 106000 ms");
}

/* ---- R2: detection, exactly 6000 ms after the last heartbeat ------------ */

/* disconnect_switch.jsonl: the link is cut at 40500 after the heartbeat of
 * 40000 (line 11), and the server is declared down at 46000 (line 13). */
#define CUT_HB(l) SUB(40500, "fault", J("last_hb_ms":40000), "\"last_hb_ms\":" l)

static void r2_detection_at_last_heartbeat_plus_6000_passes(void **state)
{
    orc_t *o = run("disconnect_switch.jsonl", NULL);
    size_t n;
    (void)state;
    expect_clean(o);
    (void)orc_notes(o, &n);
    assert_int_equal(n, 0); /* the exact check replaces A2's 4000..6000 window */
    assert_true(orc_checked(o, 2) > 0);
}

static void r2_detection_one_ms_early_fails(void **state)
{
    static const patch_t p[] = {CUT_HB("40001"), END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    const orc_violation_t *v;
    (void)state;
    expect_only(o, 2);
    assert_int_equal(orc_violation_count(o), 1);
    v = find_violation(o, 2, "server 1 was declared down 5999 ms after its last heartbeat "
                             "reached the center (at 40001 ms)");
    expect_violation(o, 2, "R2 declares a disconnected server down exactly 6000 ms after it",
                     NULL);
    assert_int_equal(v->lines[0], 14); /* the fault */
    assert_int_equal(v->lines[1], 16); /* the server_down */
    assert_int_equal(v->t_ms, 46000);
}

static void r2_detection_one_ms_late_fails(void **state)
{
    static const patch_t p[] = {CUT_HB("39999"), END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    const orc_violation_t *v;
    (void)state;
    expect_only(o, 2);
    assert_int_equal(orc_violation_count(o), 1);
    v = find_violation(o, 2, "server 1 was not declared down 6000 ms after its last heartbeat "
                             "reached the center (at 39999 ms, link cut at 40500 ms)");
    assert_int_equal(v->lines[0], 14);
    assert_int_equal(v->lines[1], 16); /* the late server_down found the time past */
    assert_int_equal(v->t_ms, 45999);
}

static void r2_no_detection_when_healed_in_time_passes(void **state)
{
    /* Cut at 40500 after the heartbeat of 40000, back at 45000: nothing is
     * declared down. Back at exactly 46000 still counts (the heal's
     * heartbeat comes before the center's timer in that millisecond). */
    static const patch_t at_6000[] = {SUB(40500, "fault", "45000", "46000"),
                                      SUB(45000, NULL, J("t_ms":45000), J("t_ms":46000)), END};
    (void)state;
    expect_clean(run("heal_before_detection.jsonl", NULL));
    expect_clean(run("heal_before_detection.jsonl", at_6000));
}

static void r2_not_declared_down_when_not_healed_fails(void **state)
{
    static const patch_t at_6001[] = {SUB(40500, "fault", "45000", "46001"),
                                      SUB(45000, NULL, J("t_ms":45000), J("t_ms":46001)),
                                      DEL(46000, "recorder_rejoined"), END};
    orc_t *o = run("heal_before_detection.jsonl", at_6001);
    (void)state;
    expect_only(o, 2);
    expect_violation(o, 2, "server 1 was not declared down 6000 ms after its last heartbeat",
                     "R2's minute counts from that moment");
}

static void r2_detection_after_the_heal_fails(void **state)
{
    /* Healed at 45000, declared down (and detected) at 46000 anyway. */
    static const patch_t p[] = {
        AFTER(45000, "fault", J({"t_ms":46000,"kind":"reconnecting","sess":1,"srv":1,"until_ms":106000})),
        AFTER(45000, "fault", J({"t_ms":46000,"kind":"detect","sess":1,"srv":1,"rec":1,"cause":"disconnect","activation":0,"until_ms":136000})),
        AFTER(45000, "fault", J({"t_ms":46000,"kind":"server_down","srv":1})),
        BEFORE(46000, "reconnecting", J({"t_ms":46000,"kind":"playlist_close","sess":1,"uid":0,"track":"mix","bak":-1,"playlist":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1.m3u8"})),
        DEL(46000, "recorder_rejoined"), DEL(50000, "api"), END};
    orc_t *o = run("heal_before_detection.jsonl", p);
    const orc_violation_t *v;
    (void)state;
    expect_only(o, 2);
    v = find_violation(o, 2, "server 1 was declared down at 46000 ms, but its link is up and "
                             "its host alive: the center declared a live server dead");
    assert_int_equal(v->lines[0], 17); /* the server_down */
    assert_int_equal(v->lines[1], 16); /* the heal */
}

static void r2_detection_before_the_heal_fails(void **state)
{
    /* Declared down at 44000, 4000 ms after the last heartbeat, while cut
     * off: too early, even though the link is not back. */
    static const patch_t p[] = {
        BEFORE(45000, "fault", J({"t_ms":44000,"kind":"server_down","srv":1})), END};
    orc_t *o = run("heal_before_detection.jsonl", p);
    (void)state;
    expect_only(o, 2);
    expect_violation(o, 2, "server 1 was declared down 4000 ms after its last heartbeat", NULL);
}

static void r2_live_server_declared_down_fails(void **state)
{
    /* Server 2 was never cut off. */
    static const patch_t p[] = {
        BEFORE(50000, "api", J({"t_ms":50000,"kind":"server_down","srv":2})), END};
    orc_t *o = run("heal_before_detection.jsonl", p);
    (void)state;
    expect_only(o, 2);
    assert_int_equal(orc_violation_count(o), 1);
    expect_violation(o, 2, "server 2 was declared down at 50000 ms",
                     "the center declared a live server dead");
}

static void r2_detection_unjudged_when_the_run_ends_first(void **state)
{
    /* Never healed; the run ends at 46000 (the timer may still fire) or
     * 46001 (it should have). */
    static const patch_t at_6000[] = {DEL(45000, "fault"), DEL(50000, "api"),
                                      SUB(60000, NULL, J("t_ms":60000), J("t_ms":46000)), END};
    static const patch_t at_6001[] = {DEL(45000, "fault"), DEL(50000, "api"),
                                      SUB(60000, NULL, J("t_ms":60000), J("t_ms":46001)), END};
    orc_t *o;
    (void)state;
    o = run("heal_before_detection.jsonl", at_6000);
    expect_clean(o);
    assert_int_equal(orc_unjudged(o), 1);
    o = run("heal_before_detection.jsonl", at_6001);
    expect_only(o, 2);
    expect_violation(o, 2, "server 1 was not declared down 6000 ms after its last heartbeat",
                     NULL);
}

static void r2_detection_without_last_heartbeat_keeps_a2_window(void **state)
{
    /* No last_hb_ms (unknown): only A2's note, whatever the detection. */
    static const patch_t p[] = {SUB(40500, "fault", ",\"last_hb_ms\":40000", ""),
                                SUB(40500, "fault", J("t_ms":40500), J("t_ms":39000)), END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    (void)state;
    expect_clean(o);
    expect_note(o, 2, "detected 7000 ms later");
}

/* ---- R3 ----------------------------------------------------------------- */

static void r3_deadline_wrong_fails(void **state)
{
    static const patch_t p[] = {SUB(42000, "detect", "132000", "130000"), END};
    orc_t *o = run("kill_timing.jsonl", p);
    (void)state;
    expect_only(o, 3);
    expect_violation(o, 3, "deadline of session 1 at 130000 ms",
                     "detection + 90000 = 132000 ms");
}

static void r3_resume_at_90000_passes(void **state)
{
    /* The steady slice that came 15 s after the resume comes later too. */
    static const patch_t p[] = {SUB(110000, "resume", J("t_ms":110000), J("t_ms":136000)),
                                SUB(110000, "callback", J("t_ms":110000), J("t_ms":136000)),
                                DEL(125000, "slice_done"), DEL(125000, "slice"),
                                SUB(125000, "playlist_open", J("t_ms":125000), J("t_ms":141000)),
                                END};
    (void)state;
    expect_clean(run("disconnect_switch.jsonl", p));
}

static void r3_resume_at_90001_fails(void **state)
{
    /* The steady slice that came 15 s after the resume comes later too. */
    static const patch_t p[] = {SUB(110000, "resume", J("t_ms":110000), J("t_ms":136001)),
                                SUB(110000, "callback", J("t_ms":110000), J("t_ms":136001)),
                                DEL(125000, "slice_done"), DEL(125000, "slice"),
                                SUB(125000, "playlist_open", J("t_ms":125000), J("t_ms":141000)),
                                END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    (void)state;
    expect_only(o, 3);
    expect_violation(o, 3, "session 1 resumed 90001 ms after detection", "R3 allows 90000 ms");
}

static void r3_still_open_at_run_end_fails(void **state)
{
    static const patch_t p[] = {DEL(136000, "give_up"), DEL(136000, "end"),
                                DEL(136000, "callback"), END};
    orc_t *o = run("giveup_deadline.jsonl", p);
    (void)state;
    expect_only(o, 3);
    expect_violation(o, 3, "neither resumed nor ended by the deadline", NULL);
}

static void r3_ending_late_fails(void **state)
{
    static const patch_t p[] = {SUB(136000, NULL, J("t_ms":136000), J("t_ms":136001)), END};
    orc_t *o = run("giveup_deadline.jsonl", p);
    (void)state;
    expect_only(o, 3);
    expect_violation(o, 3, "it ended 90001 ms after detection", "R3 allows 90000 ms");
}

static void r3_run_ending_early_is_unjudged(void **state)
{
    static const patch_t p[] = {CUT_AFTER(120000), SUB(150000, "run_end", "150000", "120000"),
                                END};
    orc_t *o = run("giveup_deadline.jsonl", p);
    (void)state;
    expect_clean(o);
    assert_true(orc_unjudged(o) > 0);
}

/* ---- R4 ----------------------------------------------------------------- */

static void r4_names_pass(void **state)
{
    (void)state;
    expect_clean(run("kill.jsonl", NULL));
    expect_clean(run("individual.jsonl", NULL));
    expect_clean(run("web.jsonl", NULL));
}

static void r4_slice_without_bak_prefix_fails(void **state)
{
    static const patch_t p[] = {
        SUB(60000, "slice", J("bak":0), J("bak":-1)),
        SUB(60000, "slice", "bak0_" SID, SID), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 4);
    expect_violation(o, 4, "with bak -1; it was recorded after the last resume, so bak 0", NULL);
}

static void r4_wrong_slice_name_fails(void **state)
{
    static const patch_t p[] = {
        SUB(60000, "slice", "bak0_" SID "_room1_20260101000045000.ts",
            "bak0_" SID "_room1_20260101000045001.ts"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 4);
    expect_violation(o, 4, "names a slice bak0_" SID "_room1_20260101000045001.ts",
                     "R4 names it bak0_" SID "_room1_20260101000045000.ts");
}

/* The oracle checks a slice's name against the stem of its verified
 * playlist: a wrong stem with a right time is R4 too, and so are a stem one
 * character short (the name a prefix of R4's) and a name with more after
 * R4's. */
static void r4_wrong_slice_stem_fails(void **state)
{
    static const char *const bad[][2] = {
        {"bak0_" SID "_room2_20260101000045000.ts", "room2 for room1"},
        {"bak0_" SID "_room_20260101000045000.ts", "stem one short"},
        {"bak0_" SID "_room1_20260101000045000.tsx", "longer than R4's"},
        {"bak0_" SID "_room1_20260101000045000.webm", "the wrong format"},
        /* The slices before it left 2026-01-01 in the oracle's date cache:
         * a name with another date is still R4's to refuse. */
        {"bak0_" SID "_room1_20260102000045000.ts", "a day late"},
        {"bak0_" SID "_room1_20251231000045000.ts", "a day early"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const patch_t p[] = {
            SUB(60000, "slice", "bak0_" SID "_room1_20260101000045000.ts", bad[i][0]), END};
        orc_t *o = run("kill.jsonl", p);
        char want[300];
        snprintf(want, sizeof want, "names a slice %s", bad[i][0]);
        print_message("%s\n", bad[i][1]);
        expect_only(o, 4);
        expect_violation(o, 4, want, "R4 names it bak0_" SID "_room1_20260101000045000.ts");
    }
}

static void r4_wrong_playlist_name_fails(void **state)
{
    static const patch_t p[] = {SUB(60000, "playlist_open", "bak0_", "bak1_"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    /* The misnamed playlist is also never closed: R12 follows from it. */
    expect_violation(o, 4, "opens playlist bak1_" SID "_room1.m3u8",
                     "R4 names it bak0_" SID "_room1.m3u8");
    assert_int_equal(orc_violations(o, &(size_t){0})[0].rule, 4);
}

static void r4_no_playlist_open_fails(void **state)
{
    static const patch_t p[] = {DEL(60000, "playlist_open"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 4);
    expect_violation(o, 4, "which is not open (no playlist_open)", NULL);
}

static void r4_old_playlist_after_activation_fails(void **state)
{
    /* A slice finished before the kill is listed after the detect. */
    static const patch_t p[] = {
        AFTER(32000, "slice", J({"t_ms":39000,"kind":"slice_done","sess":1,"srv":1,"rec":1,"uid":0,"track":"mix","fmt":"ts","start_utc_ms":1767225632000,"end_utc_ms":1767225639000})),
        AFTER(42000, "detect", J({"t_ms":42000,"kind":"slice","sess":1,"srv":1,"rec":1,"uid":0,"track":"mix","fmt":"ts","bak":-1,"start_utc_ms":1767225632000,"end_utc_ms":1767225639000,"name":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1_20260101000032000.ts","playlist":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1.m3u8"})),
        END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 4);
    expect_violation(o, 4, "after activation 0 began", "takes no more entries");
}

static void r4_playlist_reopened_in_generation_passes(void **state)
{
    /* User 2001 leaves after the first slices and comes back: its playlists
     * close and open again under the same names, and go on in time order. */
    static const patch_t p[] = {
        AFTER(17500, "slice", J({"t_ms":18000,"kind":"playlist_close","sess":1,"uid":2001,"track":"video","bak":-1,"playlist":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1__uid_s_2001__uid_e_video.m3u8"})),
        AFTER(17500, "slice", J({"t_ms":18000,"kind":"playlist_close","sess":1,"uid":2001,"track":"audio","bak":-1,"playlist":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1__uid_s_2001__uid_e_audio.m3u8"})),
        AFTER(17500, "slice", J({"t_ms":18000,"kind":"user","sess":1,"uid":2001,"joined":false})),
        BEFORE(20000, "fault", J({"t_ms":18500,"kind":"user","sess":1,"uid":2001,"joined":true})),
        BEFORE(20000, "fault", J({"t_ms":19500,"kind":"slice_done","sess":1,"srv":1,"rec":1,"uid":2001,"track":"audio","fmt":"ts","start_utc_ms":1767225618500,"end_utc_ms":1767225619500})),
        BEFORE(20000, "fault", J({"t_ms":19500,"kind":"playlist_open","sess":1,"uid":2001,"track":"audio","bak":-1,"playlist":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1__uid_s_2001__uid_e_audio.m3u8"})),
        BEFORE(20000, "fault", J({"t_ms":19500,"kind":"slice","sess":1,"srv":1,"rec":1,"uid":2001,"track":"audio","fmt":"ts","bak":-1,"start_utc_ms":1767225618500,"end_utc_ms":1767225619500,"name":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1__uid_s_2001__uid_e_audio_20260101000018500.ts","playlist":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1__uid_s_2001__uid_e_audio.m3u8"})),
        /* its video playlist was not opened again: nothing to close at the detect */
        DELW(21000, "playlist_close", "video"),
        END};
    /* The same, but the playlist is opened again while still open. */
    static const patch_t q[] = {
        AFTER(17500, "slice", J({"t_ms":18000,"kind":"playlist_open","sess":1,"uid":2001,"track":"audio","bak":-1,"playlist":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1__uid_s_2001__uid_e_audio.m3u8"})),
        END};
    orc_t *o;
    (void)state;
    expect_clean(run("individual.jsonl", p));
    o = run("individual.jsonl", q);
    expect_only(o, 4);
    expect_violation(o, 4, "a second time while it is open", NULL);
}

static void r4_detect_numbering_fails(void **state)
{
    static const patch_t p[] = {SUB(42000, "detect", J("activation":0), J("activation":1)), END};
    orc_t *o = run("kill_timing.jsonl", p);
    (void)state;
    expect_only(o, 4);
    expect_violation(o, 4, "numbers activation 1; it is activation 0", "bak0_");
}

static void r4_individual_name_fails(void **state)
{
    static const patch_t p[] = {SUBW(39000, "slice", "__uid_e_audio_2026", "__uid_e_audio_2026",
                                     "__uid_e_video_2026"), END};
    orc_t *o = run("individual.jsonl", p);
    (void)state;
    expect_only(o, 4);
    expect_violation(o, 4, "R4 names it bak0_" SID "_room1__uid_s_2001__uid_e_audio_20260101000024000.ts",
                     NULL);
}

/* R14 in individual mode: a session's streams are its users' audio and
 * video, each owing its own slices (in a list the oracle reorders as they
 * finish, stream_of). A stream that stops finishing slices breaks R14
 * whichever it is, the first made or not. The run
 * ends at 60 s, and the replacement's video has a 2 s GOP: after the
 * resume at 24 s the audio owes a slice by 49 s and the video by 50 s,
 * and after the slices at 39 s neither owes one before 64 s. */
static void r14_individual_stream_stops_fails(void **state)
{
    static const patch_t clean[] = {
        SUB(50000, "run_end", J("t_ms":50000), J("t_ms":60000)),
        SUB(24000, "recorder_ready", "}", J(,"gop_ms":2000})), END};
    static const patch_t audio[] = {
        SUB(50000, "run_end", J("t_ms":50000), J("t_ms":60000)),
        SUB(24000, "recorder_ready", "}", J(,"gop_ms":2000})),
        DELW(39000, "slice_done", "audio"), DELW(39000, "playlist_open", "audio"),
        DELW(39000, "slice", "audio"), END};
    static const patch_t video[] = {
        SUB(50000, "run_end", J("t_ms":50000), J("t_ms":60000)),
        SUB(24000, "recorder_ready", "}", J(,"gop_ms":2000})),
        DELW(39000, "slice_done", "video"), DELW(39000, "playlist_open", "video"),
        DELW(39000, "slice", "video"), END};
    static const struct {
        const patch_t *patches;
        const char *what, *until;
    } stops[] = {{audio, "its audio stream of uid 2001 finished no slice", "to 49000 ms"},
                 {video, "its video stream of uid 2001 finished no slice", "to 50000 ms"}};
    (void)state;
    expect_clean(run("individual.jsonl", clean));
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        orc_t *o = run("individual.jsonl", stops[i].patches);
        expect_only(o, 14);
        expect_violation(o, 14, stops[i].what, stops[i].until);
    }
}

static void r4_web_cname_fails(void **state)
{
    static const patch_t p[] = {SUB(17000, "slice", "room-1-a_2026", "room 1#a_2026"), END};
    orc_t *o = run("web.jsonl", p);
    (void)state;
    expect_only(o, 4);
    expect_violation(o, 4, "R4 names it " SID "_room-1-a_20260101000002000.ts", NULL);
}

static void r4_mp4_rules_fail(void **state)
{
    static const patch_t in_playlist[] = {
        SUB(20000, "slice", ".mp4\"}", ".mp4\",\"playlist\":\"x.m3u8\"}"), END};
    static const patch_t index[] = {SUB(20000, "slice", "_0.mp4", "_1.mp4"), END};
    orc_t *o;
    (void)state;
    o = run("web.jsonl", in_playlist);
    expect_only(o, 4);
    expect_violation(o, 4, "in playlist x.m3u8", "an MP4 is in no playlist");
    o = run("web.jsonl", index);
    expect_only(o, 4);
    expect_violation(o, 4, "R4 names it " SID "_room-1-a_0.mp4", NULL);
}

/* ---- R5 ----------------------------------------------------------------- */

static void r5_fourth_fault_gives_up_passes(void **state)
{
    orc_t *o = run("fourth_fault.jsonl", NULL);
    size_t n;
    const orc_activation_t *a = orc_activations(o, &n);
    (void)state;
    expect_clean(o);
    assert_int_equal(n, 4);
    assert_int_equal(a[3].k, 3);
    assert_int_equal(a[3].t_end, 81000);
}

static void r5_switch_after_fourth_fails(void **state)
{
    static const patch_t p[] = {
        BEFORE(81000, "give_up", J({"t_ms":81000,"kind":"switch","sess":1,"from_srv":4,"srv":1,"rec":5,"uid":500004,"attempt":1})),
        END};
    orc_t *o = run("fourth_fault.jsonl", p);
    (void)state;
    expect_only(o, 5);
    expect_violation(o, 5, "switches to server 1 after it gave up or ended", NULL);
}

static void r5_bak3_fails(void **state)
{
    static const patch_t p[] = {
        AFTER(81000, "detect", J({"t_ms":81000,"kind":"playlist_open","sess":1,"uid":0,"track":"mix","bak":3,"playlist":"bak3_38f8e3cfdc474cd56fc1ceba380d7e1a_room1.m3u8"})),
        END};
    orc_t *o = run("fourth_fault.jsonl", p);
    (void)state;
    expect_only(o, 5);
    expect_violation(o, 5, "opens playlist bak3_", "never makes a bak3_ file");
}

static void r5_not_ended_at_once_fails(void **state)
{
    static const patch_t p[] = {SUB(81000, "give_up", J("t_ms":81000), J("t_ms":82000)),
                                SUB(81000, "end", J("t_ms":81000), J("t_ms":82000)),
                                SUB(81000, "callback", J("t_ms":81000), J("t_ms":82000)), END};
    orc_t *o = run("fourth_fault.jsonl", p);
    (void)state;
    expect_only(o, 5);
    expect_violation(o, 5, "was not ended when its 4th fault was detected",
                     "allows 3 activations");
}

static void r5_normal_exit_fails(void **state)
{
    static const patch_t p[] = {SUB(81000, "end", J("exit_status":1), J("exit_status":0)), END};
    orc_t *o = run("fourth_fault.jsonl", p);
    (void)state;
    /* Exit 0 with no stop is R12's too. */
    expect_violation(o, 5, "ends with exit 0 after its 4th fault", NULL);
    expect_violation(o, 12, "ends normally with no accepted stop", NULL);
}

static void r5_detect_without_fault_fails(void **state)
{
    static const patch_t p[] = {DEL(42000, "exit_report"), END};
    orc_t *o = run("kill_timing.jsonl", p);
    (void)state;
    expect_only(o, 5);
    expect_violation(o, 5, "counts a kill of recorder 1 that no exit report", NULL);
}

/* ---- R6 ----------------------------------------------------------------- */

static void r6_window_passes(void **state)
{
    orc_t *o = run("kill.jsonl", NULL);
    (void)state;
    expect_clean(o);
    assert_true(orc_checked(o, 6) >= 6);
}

static void r6_no_404_in_window_fails(void **state)
{
    static const patch_t p[] = {
        SUB(43000, "api", J("http":404,"code":0,"status":0,"msg":"failed to find worker","by":"scenario","expect":404),
            J("http":200,"code":0,"status":5,"by":"scenario")), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 6);
    expect_violation(o, 6, "query of session 1 got 200", "between detection and resume");
}

static void r6_404_after_resume_fails(void **state)
{
    static const patch_t p[] = {
        SUB(50000, "api", J("http":200,"code":0,"status":5,"by":"scenario","expect":200),
            J("http":404,"code":0,"status":0,"msg":"failed to find worker","by":"scenario")), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 6);
    expect_violation(o, 6, "query of session 1 got 404 while no HA window was open", NULL);
}

static void r6_after_end_fails(void **state)
{
    static const patch_t p[] = {
        SUB(80000, "api", J("http":404,"code":0,"status":0,"msg":"failed to find worker","by":"scenario","expect":404),
            J("http":200,"code":0,"status":7,"by":"scenario")), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 6);
    expect_violation(o, 6, "got 200", "after the session ended");
}

static void r6_wrong_message_fails(void **state)
{
    static const patch_t p[] = {SUB(43000, "api", "failed to find worker", "not found"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 6);
    expect_violation(o, 6, "got 404 \"not found\"", "failed to find worker");
}

static void r6_line_order_at_detection(void **state)
{
    /* Same millisecond as the detect: before its line, the normal answer;
     * after it, 404. */
    static const patch_t before_ok[] = {
        AFTER(42000, "exit_report", J({"t_ms":42000,"kind":"api","sess":1,"call":"query","http":200,"code":0,"status":5,"by":"poller"})),
        END};
    static const patch_t after_bad[] = {
        AFTER(42000, "detect", J({"t_ms":42000,"kind":"api","sess":1,"call":"query","http":200,"code":0,"status":5,"by":"poller"})),
        END};
    static const patch_t resume_bad[] = {
        AFTER(45000, "resume", J({"t_ms":45000,"kind":"api","sess":1,"call":"update","http":404,"code":0,"msg":"failed to find worker","by":"scenario"})),
        END};
    orc_t *o;
    (void)state;
    expect_clean(run("kill.jsonl", before_ok));
    o = run("kill.jsonl", after_bad);
    expect_only(o, 6);
    expect_violation(o, 6, "between detection and resume", NULL);
    o = run("kill.jsonl", resume_bad);
    expect_only(o, 6);
    expect_violation(o, 6, "update of session 1 got 404 while no HA window was open", NULL);
}

static void r6_normal_answers_fail(void **state)
{
    static const patch_t stopping[] = {SUB(71000, "api", J("status":6), J("status":5)), END};
    static const patch_t starting[] = {
        AFTER(0, "api", J({"t_ms":1000,"kind":"api","sess":1,"call":"query","http":200,"code":0,"status":5,"by":"poller"})),
        END};
    static const patch_t starting_ok[] = {
        AFTER(0, "api", J({"t_ms":1000,"kind":"api","sess":1,"call":"query","http":200,"code":0,"status":2,"by":"poller"})),
        END};
    orc_t *o;
    (void)state;
    o = run("kill.jsonl", stopping);
    expect_only(o, 6);
    expect_violation(o, 6, "while it stops got 200 status 5", "200 status 6");
    o = run("kill.jsonl", starting);
    expect_only(o, 6);
    expect_violation(o, 6, "before its first recorder started got 200 status 5", NULL);
    expect_clean(run("kill.jsonl", starting_ok));
}

/* A start of a live task -- same session, so the cname and uid it was
 * started with -- gets "task conflict", after a switch changed its UID, in
 * a window and while it stops too; only the 200 its session line recorded
 * is not judged. (fuzz_run found the core accepting it after a switch.) */
static void r6_start_of_live_task_is_a_conflict(void **state)
{
#define START(t, rest) "{\"t_ms\":" #t ",\"kind\":\"api\",\"sess\":1,\"call\":\"start\"," rest "}"
    static const patch_t refused[] = {
        AFTER(43000, "api", START(43000, J("http":400,"code":53,"msg":"task conflict","by":"scenario"))),
        AFTER(50000, "api", START(50000, J("http":400,"code":53,"msg":"task conflict","by":"scenario","expect":400))),
        AFTER(71000, "api", START(71000, J("http":400,"code":53,"msg":"task conflict","by":"scenario"))),
        END};
    static const patch_t recording[] = {
        AFTER(50000, "api", START(50000, J("http":200,"code":0,"by":"scenario"))), END};
    static const patch_t window[] = {
        AFTER(43000, "api", START(43000, J("http":200,"code":0,"by":"scenario"))), END};
    static const patch_t stopping[] = {
        AFTER(71000, "api", START(71000, J("http":429,"code":0,"msg":"too many sessions","by":"scenario"))),
        END};
    static const patch_t after_end[] = {
        AFTER(80000, "api", START(80000, J("http":429,"code":0,"msg":"too many sessions","by":"scenario"))),
        END};
#undef START
    orc_t *o;
    uint64_t checked;
    (void)state;
    o = run("kill.jsonl", NULL);
    checked = orc_checked(o, 6);
    o = run("kill.jsonl", refused);
    expect_clean(o);
    assert_int_equal(orc_checked(o, 6), checked + 3);
    o = run("kill.jsonl", recording);
    expect_only(o, 6);
    expect_violation(o, 6, "start of session 1 got 200 code 0 while it recorded",
                     "(room1, uid 1001, uid 3141592653 now); the normal answer is 400 code 53");
    o = run("kill.jsonl", window);
    expect_only(o, 6);
    expect_violation(o, 6, "start of session 1 got 200 code 0 inside an HA window", "(room1, uid 1001)");
    o = run("kill.jsonl", stopping);
    expect_only(o, 6);
    expect_violation(o, 6, "start of session 1 got 429 code 0 while it stopped", "task conflict");
    expect_clean(run("kill.jsonl", after_end)); /* no live task: not this rule's */
}

/* ---- R7 ----------------------------------------------------------------- */

static void r7_reused_uid_fails(void **state)
{
    static const patch_t p[] = {SUB(42000, "switch", N, "1001"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 7);
    expect_violation(o, 7, "switches with uid 1001, which it used before", NULL);
}

static void r7_user_uid_fails(void **state)
{
    static const patch_t p[] = {SUB(42000, "switch", N, "2003"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 7);
    expect_violation(o, 7, "switches with uid 2003, which a user in the channel has", NULL);
}

static void r7_uid_zero_fails(void **state)
{
    static const patch_t p[] = {SUB(42000, "switch", N, "0"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 7);
    expect_violation(o, 7, "switches with uid 0", "1..4294967295");
}

static void r7_no_failover_callback_fails(void **state)
{
    static const patch_t p[] = {DEL(45000, "callback"), SUB(72000, "callback", J("seq":2), J("seq":1)),
                                END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 7);
    expect_violation(o, 7, "resumed on another server as uid " N,
                     "sent no callback 12 (session_failover) before it ended");
}

static void r7_wrong_new_uid_fails(void **state)
{
    static const patch_t p[] = {SUB(45000, "callback", J("new_uid":3141592653), J("new_uid":42)),
                                END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 7);
    expect_violation(o, 7, "announces uid 42", "resumed as uid " N);
}

static void r7_old_uid_after_switch_fails(void **state)
{
    static const patch_t p[] = {SUB(72000, "callback", J("uid":3141592653), J("uid":1001)), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 7);
    expect_violation(o, 7, "callback 11 of session 1 carries uid 1001",
                     "records as uid " N);
}

static void r7_reconnect_changes_uid_fails(void **state)
{
    static const patch_t p[] = {SUB(103000, "resume", J("uid":1001), J("uid":1002)), END};
    orc_t *o = run("disconnect_reconnect.jsonl", p);
    (void)state;
    expect_only(o, 7);
    expect_violation(o, 7, "reconnects as uid 1002; a reconnect keeps uid 1001", NULL);
}

static void r7_reconnect_with_failover_callback_fails(void **state)
{
    static const patch_t p[] = {
        AFTER(103000, "resume", J({"t_ms":103000,"kind":"callback","sess":1,"event":12,"uid":1001,"seq":1,"notice":2,"new_uid":1001})),
        END};
    orc_t *o = run("disconnect_reconnect.jsonl", p);
    (void)state;
    expect_only(o, 7);
    expect_violation(o, 7, "callback 12 (session_failover) with no switch", "keeps the UID");
}

/* ---- R8 ----------------------------------------------------------------- */

static void r8_unlisted_slice_fails(void **state)
{
    static const patch_t p[] = {DEL(32000, "slice"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 8);
    expect_violation(o, 8, "slice 1767225617000..1767225632000 that recorder 1 finished",
                     "was never listed");
}

static void r8_listed_twice_fails(void **state)
{
    static const patch_t p[] = {DUP(32000, "slice"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 8);
    expect_violation(o, 8, "lists the slice finished at line 14 a second time", NULL);
}

/* The oracle drops listed slices when its room for them is full, and a
 * slice listed again after that is "a slice no recorder finished" rather
 * than listed "a second time". Which one a run says must depend on that
 * run alone: the same oracle, after a run that left 40 slices unlisted
 * (and grew its tables), words the 15th slice listed again after the 20th
 * as a fresh one did. A room kept from the run before would put the drop
 * elsewhere, and did. */
static void violations_text(const orc_t *o, char *buf, size_t cap)
{
    size_t n, used = 0;
    const orc_violation_t *v = orc_violations(o, &n);
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s\n", v[i].msg);
}

static void r8_word_does_not_depend_on_runs_before(void **state)
{
    static const patch_t again[] = {
        AFTER(307357, "slice", J({"t_ms":307357,"kind":"slice","sess":1,"srv":1,"rec":1,"uid":0,"track":"mix","fmt":"ts","bak":-1,"start_utc_ms":1767225816157,"end_utc_ms":1767225831357,"name":"0cf62b826d06faa044eb7e540a210cad_room1_20260101000336157.ts","playlist":"0cf62b826d06faa044eb7e540a210cad_room1.m3u8"})),
        END};
    static const patch_t unlisted[] = {DELALL("slice", NULL), END};
    static char first[8192], later[8192];
    (void)state;

    orc_t *o = run("long_recording.jsonl", again);
    expect_violation(o, 8, "a slice no recorder finished", NULL);
    violations_text(o, first, sizeof first);
    expect_violation(run("long_recording.jsonl", unlisted), 8, "was never listed", NULL);
    violations_text(run("long_recording.jsonl", again), later, sizeof later);
    assert_string_equal(later, first);
}

static void r8_slice_nobody_finished_fails(void **state)
{
    static const patch_t p[] = {
        AFTER(32000, "slice", J({"t_ms":32000,"kind":"slice","sess":1,"srv":1,"rec":1,"uid":0,"track":"mix","fmt":"ts","bak":-1,"start_utc_ms":1767225632000,"end_utc_ms":1767225647000,"name":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1_20260101000032000.ts","playlist":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1.m3u8"})),
        END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 8);
    expect_violation(o, 8, "a slice no recorder finished", NULL);
}

static void r8_out_of_order_fails(void **state)
{
    /* The center holds the first slice back and lists it after the second. */
    static const patch_t p[] = {
        DEL(17000, "slice"),
        AFTER(32000, "slice", J({"t_ms":32000,"kind":"slice","sess":1,"srv":1,"rec":1,"uid":0,"track":"mix","fmt":"ts","bak":-1,"start_utc_ms":1767225602000,"end_utc_ms":1767225617000,"name":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1_20260101000002000.ts","playlist":"38f8e3cfdc474cd56fc1ceba380d7e1a_room1.m3u8"})),
        END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 8);
    expect_violation(o, 8, "out of time order", "before the previous entry ends at 1767225632000");
}

/* ---- R9 ----------------------------------------------------------------- */

static void r9_zombie_not_listed_passes(void **state)
{
    (void)state;
    expect_clean(run("disconnect_switch.jsonl", NULL));
}

static void r9_zombie_listed_fails(void **state)
{
    static const patch_t p[] = {
        AFTER(146000, "slice_done", J({"t_ms":146000,"kind":"slice","sess":1,"srv":1,"rec":1,"uid":0,"track":"mix","fmt":"ts","bak":0,"start_utc_ms":1767225731000,"end_utc_ms":1767225746000,"name":"bak0_38f8e3cfdc474cd56fc1ceba380d7e1a_room1_20260101000131000.ts","playlist":"bak0_38f8e3cfdc474cd56fc1ceba380d7e1a_room1.m3u8"})),
        END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    (void)state;
    expect_only(o, 9);
    expect_violation(o, 9, "written by recorder 1 on server 1",
                     "after the session switched away from it");
}

static void r9_zombie_resumes_fails(void **state)
{
    /* The old server is back just after the switch, and the center lets
     * its old recorder serve again instead of the replacement. */
    static const patch_t p[] = {
        AFTER(106000, "recorder_start", J({"t_ms":107000,"kind":"fault","fault":"heal","srv":1})),
        SUB(110000, "resume", J("srv":2,"rec":2,"uid":3141592653), J("srv":1,"rec":1,"uid":1001)),
        END};
    orc_t *o = run("disconnect_switch.jsonl", p);
    (void)state;
    expect_violation(o, 9, "resumes with recorder 1 on server 1", "which it had switched away from");
}

/* R9 when a server comes back: server_returns.jsonl has server 1 back at
 * 145000 (line 33), with recorder 1 that session 1 switched away from at
 * 106000 (line 21) fenced then, and recorder 2 of session 2, killed while
 * cut off, whose exit report came with the link: dead, no fence owed. */

static void r9_returning_server_fenced_passes(void **state)
{
    orc_t *o = run("server_returns.jsonl", NULL);
    (void)state;
    expect_clean(o);
    assert_true(orc_checked(o, 9) > 0);
}

static void r9_returning_server_not_fenced_fails(void **state)
{
    static const patch_t p[] = {DEL(145000, "recorder_stop"), DEL(145000, "fenced"), END};
    orc_t *o = run("server_returns.jsonl", p);
    const orc_violation_t *v;
    (void)state;
    expect_only(o, 9);
    assert_int_equal(orc_violation_count(o), 1);
    v = find_violation(o, 9, "server 1 came back at 145000 ms but recorder 1 of session 1, "
                             "which the session had let go of, got no recorder_stop how=fence");
    expect_violation(o, 9, "R9 stops it for good as soon as its server is reachable", NULL);
    assert_int_equal(v->sess, 1);
    assert_int_equal(v->lines[0], 57); /* server_up */
    assert_int_equal(v->lines[1], 35); /* the switch that let it go */
}

static void r9_fence_one_ms_late_fails(void **state)
{
    static const patch_t p[] = {SUB(145000, "recorder_stop", J("t_ms":145000), J("t_ms":145001)),
                                SUB(145000, "fenced", J("t_ms":145000), J("t_ms":145001)), END};
    orc_t *o = run("server_returns.jsonl", p);
    (void)state;
    expect_only(o, 9);
    expect_violation(o, 9, "recorder 1 of session 1", "got no recorder_stop how=fence");
}

static void r9_fence_without_fenced_line_fails(void **state)
{
    static const patch_t p[] = {DEL(145000, "fenced"), END};
    orc_t *o = run("server_returns.jsonl", p);
    (void)state;
    expect_only(o, 9);
    expect_violation(o, 9, "recorder 1 of session 1", "got no fenced line");
}

/* A fence written while the world's lines say the server's link is down
 * went into the cut link: it does not count, and is owed at the return
 * (m83: the center fences recorder 1 at the switch, with server 1 cut off
 * since 40500, and forgets it). Repeated at the return, it counts. */
#define FENCE_AT_SWITCH                                                                            \
    AFTERW(106000, "recorder_start", J("rec":3), J({"t_ms":106000,"kind":"fenced","sess":1,"srv":1,"rec":1})), \
    AFTERW(106000, "recorder_start", J("rec":3), J({"t_ms":106000,"kind":"recorder_stop","sess":1,"srv":1,"rec":1,"how":"fence"}))

static void r9_fence_into_a_cut_link_does_not_count(void **state)
{
    static const patch_t lost[] = {DEL(145000, "recorder_stop"), DEL(145000, "fenced"),
                                   FENCE_AT_SWITCH, END};
    static const patch_t repeated[] = {FENCE_AT_SWITCH, END};
    orc_t *o = run("server_returns.jsonl", lost);
    const orc_violation_t *v;
    (void)state;
    expect_only(o, 9);
    assert_int_equal(orc_violation_count(o), 1);
    v = find_violation(o, 9, "server 1 came back at 145000 ms but recorder 1 of session 1, "
                             "which the session had let go of, got no recorder_stop how=fence "
                             "(the one sent before went into its cut link)");
    assert_int_equal(v->lines[0], 59); /* server_up */
    assert_int_equal(v->lines[3], 37); /* the lost recorder_stop */
    expect_clean(run("server_returns.jsonl", repeated));
}

static void r9_dead_recorder_needs_no_fence(void **state)
{
    /* Recorder 2 is dead by its exit report; without the report the center
     * cannot know, and must fence it too. */
    static const patch_t no_report[] = {DEL(145000, "exit_report"), END};
    orc_t *o;
    (void)state;
    expect_clean(run("server_returns.jsonl", NULL));
    o = run("server_returns.jsonl", no_report);
    expect_only(o, 9);
    assert_int_equal(orc_violation_count(o), 1);
    expect_violation(o, 9, "recorder 2 of session 2", "got no recorder_stop how=fence");
}

static void r9_ended_session_recorder_fenced_on_return(void **state)
{
    /* stop_while_cut_off.jsonl: stopped at 42000 while cut off, the session
     * ended at the detection (46000) with its recorder alive; fenced when
     * its server is back at 60500. */
    static const patch_t p[] = {DEL(60500, "recorder_stop"), DEL(60500, "fenced"), END};
    orc_t *o;
    (void)state;
    expect_clean(run("stop_while_cut_off.jsonl", NULL));
    o = run("stop_while_cut_off.jsonl", p);
    expect_only(o, 9);
    expect_violation(o, 9, "server 1 came back at 60500 ms but recorder 1 of session 1",
                     "got no recorder_stop how=fence");
}

/* ---- R10 ---------------------------------------------------------------- */

static void r10_give_up_at_deadline_passes(void **state)
{
    orc_t *o = run("giveup_deadline.jsonl", NULL);
    size_t n;
    const orc_activation_t *a = orc_activations(o, &n);
    (void)state;
    expect_clean(o);
    expect_note(o, 3, "replacement recorder 2 on server 2 failed to start");
    assert_int_equal(n, 1);
    assert_int_equal(a[0].t_end, 136000);
    assert_int_equal(a[0].attempts, 3);
    assert_int_equal(a[0].window_404_ms, 90000);
}

static void r10_early_give_up_fails(void **state)
{
    static const patch_t p[] = {SUB(136000, NULL, J("t_ms":136000), J("t_ms":135999)), END};
    orc_t *o = run("giveup_deadline.jsonl", p);
    (void)state;
    expect_only(o, 10);
    expect_violation(o, 10, "gives up 89999 ms after detection",
                     "R10 gives up at the 90000 ms deadline");
}

static void r10_callback_exit_status_fails(void **state)
{
    static const patch_t p[] = {SUB(136000, "callback", J("exit_status":1), J("exit_status":0)),
                                END};
    orc_t *o = run("giveup_deadline.jsonl", p);
    (void)state;
    expect_only(o, 10);
    expect_violation(o, 10, "callback 11 of session 1 says exitStatus 0",
                     "ended with exit 1");
}

static void r10_no_callback_fails(void **state)
{
    static const patch_t p[] = {DEL(136000, "callback"), END};
    orc_t *o = run("giveup_deadline.jsonl", p);
    (void)state;
    expect_only(o, 10);
    expect_violation(o, 10, "with no callback 11 (session_exit)", NULL);
}

static void r10_recorded_slices_kept(void **state)
{
    /* "Nothing recorded before is lost": an unlisted slice is R8's. */
    static const patch_t p[] = {DEL(17000, "slice"), END};
    orc_t *o = run("giveup_deadline.jsonl", p);
    (void)state;
    expect_only(o, 8);
    expect_violation(o, 8, "was never listed before the session ended", NULL);
}

/* ---- R11 ---------------------------------------------------------------- */

static void r11_replacement_fault_passes(void **state)
{
    orc_t *o = run("replacement_fail.jsonl", NULL);
    size_t n;
    const orc_activation_t *a = orc_activations(o, &n);
    (void)state;
    expect_clean(o);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].attempts, 2);
    expect_note(o, 3, "replacement recorder 2 on server 2 was killed");
}

static void r11_replacement_fault_counted_fails(void **state)
{
    static const patch_t p[] = {
        SUB(44000, "attempt_failed", J("kind":"attempt_failed","sess":1,"srv":2,"rec":2),
            J("kind":"detect","sess":1,"srv":2,"rec":2,"cause":"kill","activation":1,"until_ms":134000)),
        END};
    orc_t *o = run("replacement_fail.jsonl", p);
    (void)state;
    expect_only(o, 11);
    expect_violation(o, 11, "counts a fault of recorder 2 while activation 0 is open",
                     "not a new activation");
}

static void r11_attempt_number_fails(void **state)
{
    static const patch_t p[] = {SUB(44000, "switch", J("attempt":2), J("attempt":1)), END};
    orc_t *o = run("replacement_fail.jsonl", p);
    (void)state;
    expect_only(o, 11);
    expect_violation(o, 11, "numbers this switch attempt 1; it is attempt 2", NULL);
}

static void r11_same_failed_server_fails(void **state)
{
    static const patch_t p[] = {SUB(44000, "switch", J("srv":3), J("srv":2)),
                                SUB(44000, "recorder_start", J("srv":3), J("srv":2)),
                                SUB(47000, "recorder_ready", J("srv":3), J("srv":2)),
                                SUB(47000, "resume", J("srv":3), J("srv":2)), END};
    orc_t *o = run("replacement_fail.jsonl", p);
    (void)state;
    expect_only(o, 11);
    expect_violation(o, 11, "retries on server 2, whose attempt just failed", NULL);
}

/* The center picks a replacement among the servers it believes up: server 3
 * is cut off at 90000 (last heartbeat 89000) and declared down at 95000;
 * session 2's switch to it at 106000 is R11's (m87: a pick that ignores
 * `down`). Seen back first, it may be picked. */
static void r11_switch_to_a_server_declared_down_fails(void **state)
{
    static const patch_t down[] = {
        AFTER(50000, "fault", J({"t_ms":95000,"kind":"server_down","srv":3})),
        AFTER(50000, "fault", J({"t_ms":90000,"kind":"fault","fault":"disconnect","srv":3,"heal_ms":-1,"last_hb_ms":89000})),
        END};
    static const patch_t back[] = {
        AFTER(50000, "fault", J({"t_ms":100000,"kind":"server_up","srv":3})),
        AFTER(50000, "fault", J({"t_ms":100000,"kind":"fault","fault":"heal","srv":3})),
        AFTER(50000, "fault", J({"t_ms":95000,"kind":"server_down","srv":3})),
        AFTER(50000, "fault", J({"t_ms":90000,"kind":"fault","fault":"disconnect","srv":3,"heal_ms":100000,"last_hb_ms":89000})),
        END};
    orc_t *o = run("server_returns.jsonl", down);
    const orc_violation_t *v;
    (void)state;
    expect_only(o, 11);
    assert_int_equal(orc_violation_count(o), 1);
    v = find_violation(o, 11, "session 2 switches to server 3, which the center declared down "
                              "at 95000 ms and has not seen back; R11 picks a server that is up");
    assert_int_equal(v->sess, 2);
    expect_clean(run("server_returns.jsonl", back));
}

static void r11_first_recorder_retry_passes(void **state)
{
    /* The first recorder (rec 5 on server 3) fails to start: a retry on
     * server 1, attempt 2, with the customer's uid -- not an activation. */
    static const patch_t p[] = {
        SUB(0, "switch", J("srv":1,"rec":1), J("srv":3,"rec":5)),
        SUB(0, "recorder_start", J("srv":1,"rec":1), J("srv":3,"rec":5)),
        AFTER(0, "api", J({"t_ms":1000,"kind":"recorder_failed","sess":1,"srv":3,"rec":5})),
        AFTER(1000, "recorder_failed", J({"t_ms":1000,"kind":"attempt_failed","sess":1,"srv":3,"rec":5})),
        AFTER(1000, "attempt_failed", J({"t_ms":1000,"kind":"switch","sess":1,"srv":1,"rec":1,"uid":1001,"attempt":2})),
        AFTER(1000, "switch", J({"t_ms":1000,"kind":"recorder_start","sess":1,"srv":1,"rec":1,"uid":1001,"bak":-1})),
        END};
    orc_t *o = run("kill.jsonl", p);
    size_t n;
    (void)state;
    expect_clean(o);
    (void)orc_activations(o, &n);
    assert_int_equal(n, 1);
}

static void r11_first_recorder_fault_counted_fails(void **state)
{
    static const patch_t p[] = {
        AFTER(0, "api", J({"t_ms":1000,"kind":"detect","sess":1,"srv":1,"rec":1,"cause":"kill","activation":0,"until_ms":91000})),
        END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_violation(o, 11, "before its first recorder started", "not an activation");
}

/* ---- R12 ---------------------------------------------------------------- */

static void r12_stop_passes(void **state)
{
    orc_t *o = run("kill.jsonl", NULL);
    (void)state;
    expect_clean(o);
    assert_true(orc_checked(o, 12) > 0);
}

static void r12_end_at_5000_passes(void **state)
{
    static const patch_t p[] = {SUB(72000, NULL, J("t_ms":72000), J("t_ms":75000)), END};
    (void)state;
    expect_clean(run("kill.jsonl", p));
}

static void r12_end_at_5001_fails(void **state)
{
    static const patch_t p[] = {SUB(72000, NULL, J("t_ms":72000), J("t_ms":75001)), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 12);
    expect_violation(o, 12, "ended 5001 ms after the stop was accepted", "R12 allows 5000 ms");
}

static void r12_playlist_left_open_fails(void **state)
{
    static const patch_t p[] = {DELW(72000, "playlist_close", "bak0_"), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 12);
    expect_violation(o, 12, "playlist bak0_" SID "_room1.m3u8", "R12 closes every playlist");
}

static void r12_abnormal_exit_fails(void **state)
{
    static const patch_t p[] = {SUB(72000, "end", J("exit_status":0), J("exit_status":1)),
                                SUB(72000, "callback", J("exit_status":0), J("exit_status":1)),
                                END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, 12);
    expect_violation(o, 12, "ends with exit 1 after a stop", "normally (exit 0)");
}

static void r12_stop_404_changes_nothing_fails(void **state)
{
    /* The stop in the window got 404, yet the session ends normally. */
    static const patch_t p[] = {
        AFTER(44000, "api", J({"t_ms":44000,"kind":"end","sess":1,"exit_status":0,"reason":"stopped"})),
        AFTER(44000, "api", J({"t_ms":44000,"kind":"callback","sess":1,"event":11,"uid":1001,"seq":1,"notice":9,"exit_status":0})),
        END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_violation(o, 12, "ends normally with no accepted stop", "404 changes nothing");
}

static void r12_end_without_stop_fails(void **state)
{
    /* The stop is refused with 404 outside any window (R6), and the session
     * ends normally all the same (R12). */
    static const patch_t p[] = {
        SUB(70000, "api", J("http":200,"code":0,"by":"scenario","expect":200),
            J("http":404,"code":0,"msg":"failed to find worker","by":"scenario")),
        SUB(71000, "api", J("status":6), J("status":5)), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_violation(o, 6, "stop of session 1 got 404 while no HA window was open", NULL);
    expect_violation(o, 12, "ends normally with no accepted stop", NULL);
}

/* ---- the rest ----------------------------------------------------------- */

static void expectation_fails(void **state)
{
    static const patch_t p[] = {SUB(50000, "api", J("expect":200), J("expect":404)), END};
    orc_t *o = run("kill.jsonl", p);
    (void)state;
    expect_only(o, ORC_RULE_EXPECT);
    expect_violation(o, ORC_RULE_EXPECT, "query of session 1 got 200 while it recorded; the scenario expected 404",
                     NULL);
}

static void callback_integrity_fails(void **state)
{
    static const patch_t seq[] = {SUB(45000, "callback", J("seq":1), J("seq":2)),
                                  SUB(72000, "callback", J("seq":2), J("seq":3)), END};
    static const patch_t notice[] = {SUB(72000, "callback", J("notice":3), J("notice":1)), END};
    orc_t *o;
    (void)state;
    o = run("kill.jsonl", seq);
    expect_only(o, ORC_RULE_NCS);
    expect_violation(o, ORC_RULE_NCS, "has sequence 2; the next is 1", NULL);
    o = run("kill.jsonl", notice);
    expect_only(o, ORC_RULE_NCS);
    expect_violation(o, ORC_RULE_NCS, "reuses notice id 1", NULL);
}

/* The notice index against what it must remember: ids counted up (as the
 * center makes them), random ids, and ids a power of two apart (they share
 * their low bits, the home's four), across the table's growth; a new run,
 * after a large one (whose table is given back) or a small one (cleared),
 * remembers none of the last. */
static void notice_index_remembers_each_id(void **state)
{
    enum { IDS = 20000 };
    static uint64_t ids[3 * IDS];
    static const size_t sizes[] = {3 * IDS, 3 * IDS, 100, 100, 3 * IDS};
    uint64_t x = UINT64_C(88172645463325252);
    size_t n = 0;
    (void)state;
    for (size_t i = 0; i < IDS; i++)
        ids[n++] = 1000 + i;
    for (size_t i = 0; i < IDS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ids[n++] = x;
    }
    for (size_t i = 0; i < IDS; i++)
        ids[n++] = (uint64_t)(i + 1) << 20;
    orc_t *o = orc_new();
    assert_non_null(o);
    for (size_t r = 0; r < sizeof sizes / sizeof sizes[0]; r++) {
        orc_reset(o);
        for (size_t i = 0; i < sizes[r]; i++) {
            o->line = 10 + i;
            assert_int_equal(orc_notice_seen(o, ids[i]), 0);
        }
        for (size_t i = sizes[r]; i-- > 0;) {
            o->line = 10 + sizes[r] + i;
            assert_int_equal(orc_notice_seen(o, ids[i]), 10 + i);
        }
    }
    orc_free(o);
}

static void trace_inconsistency_fails(void **state)
{
    static const patch_t beyond_run[] = {
        AFTER(2000, "started", J({"t_ms":2000,"kind":"started","sess":7,"srv":1,"rec":1,"uid":1001})),
        END};
    static const patch_t not_started[] = {
        SUB(0, "run", J("sessions":1), J("sessions":2)),
        AFTER(2000, "started", J({"t_ms":2000,"kind":"started","sess":2,"srv":1,"rec":1,"uid":1001})),
        END};
    orc_t *o;
    (void)state;
    o = run("kill_timing.jsonl", beyond_run);
    expect_only(o, ORC_RULE_TRACE);
    expect_violation(o, ORC_RULE_TRACE, "line 7 names session 7, outside 1..1", NULL);
    o = run("kill_timing.jsonl", not_started);
    expect_only(o, ORC_RULE_TRACE);
    expect_violation(o, ORC_RULE_TRACE, "session 2, which has no session line", NULL);
}

static void a2_slow_detection_is_a_note(void **state)
{
    static const patch_t kill[] = {SUB(40000, "fault", J("t_ms":40000), J("t_ms":38000)), END};
    static const patch_t down[] = {SUB(40500, "fault", J("t_ms":40500), J("t_ms":39000)), END};
    orc_t *o;
    (void)state;
    o = run("kill_timing.jsonl", kill);
    expect_clean(o);
    expect_note(o, 2, "came 4000 ms after it was killed");
    o = run("disconnect_reconnect.jsonl", down);
    expect_clean(o);
    expect_note(o, 2, "detected 7000 ms later");
}

static void a4_slow_rejoin_is_a_note(void **state)
{
    /* Asked to rejoin at 101000, the recorder is back 9001 ms later. */
    static const patch_t p[] = {SUB(103000, NULL, J("t_ms":103000), J("t_ms":110001)),
                                SUB(110000, "api", J("t_ms":110000), J("t_ms":110002)), END};
    orc_t *o = run("disconnect_reconnect.jsonl", p);
    (void)state;
    expect_clean(o);
    expect_note(o, 4, "rejoined 9001 ms after it was asked to");
}

/* The reconnected recorder never rejoins; the center gives up on it and
 * switches at recorder_resume + t. */
static orc_t *rejoin_never(const char *t, const char *t_ready)
{
    char sw[160], start[160], ready[160], resume[160], cb[200];
    patch_t p[16];
    size_t k = 0;

    snprintf(sw, sizeof sw, "{\"t_ms\":%s,\"kind\":\"switch\",\"sess\":1,\"from_srv\":1,\"srv\":2,"
             "\"rec\":2,\"uid\":" N ",\"attempt\":1}", t);
    snprintf(start, sizeof start, "{\"t_ms\":%s,\"kind\":\"recorder_start\",\"sess\":1,\"srv\":2,"
             "\"rec\":2,\"uid\":" N ",\"bak\":0}", t);
    snprintf(ready, sizeof ready, "{\"t_ms\":%s,\"kind\":\"recorder_ready\",\"sess\":1,\"srv\":2,"
             "\"rec\":2,\"uid\":" N "}", t_ready);
    snprintf(resume, sizeof resume, "{\"t_ms\":%s,\"kind\":\"resume\",\"sess\":1,\"srv\":2,"
             "\"rec\":2,\"uid\":" N ",\"activation\":0}", t_ready);
    snprintf(cb, sizeof cb, "{\"t_ms\":%s,\"kind\":\"callback\",\"sess\":1,\"event\":12,\"uid\":" N
             ",\"seq\":1,\"notice\":2,\"new_uid\":" N "}", t_ready);
    p[k++] = (patch_t)DEL(103000, "recorder_ready");
    p[k++] = (patch_t)DEL(103000, "resume");
    p[k++] = (patch_t)DEL(110000, "api");
    p[k++] = (patch_t)DEL(118000, "slice_done");
    p[k++] = (patch_t)DEL(118000, "playlist_open");
    p[k++] = (patch_t)DEL(118000, "slice");
    p[k++] = (patch_t)AFTER(101000, "recorder_resume", cb);
    p[k++] = (patch_t)AFTER(101000, "recorder_resume", resume);
    p[k++] = (patch_t)AFTER(101000, "recorder_resume", ready);
    p[k++] = (patch_t)AFTER(101000, "recorder_resume", start);
    p[k++] = (patch_t)AFTER(101000, "recorder_resume", sw);
    p[k] = (patch_t)END;
    return run("disconnect_reconnect.jsonl", p);
}

static void a4_rejoin_timeout_excuses_switch(void **state)
{
    orc_t *o = rejoin_never("110000", "115000"); /* 9000 ms after recorder_resume */
    (void)state;
    expect_clean(o);
    expect_note(o, 4, "recorder 1 had not rejoined 9000 ms after it was asked to");
}

static void a4_switch_before_rejoin_bound_fails(void **state)
{
    orc_t *o = rejoin_never("109999", "115000"); /* 8999 ms: too soon to give up */
    (void)state;
    expect_only(o, 2);
    expect_violation(o, 2, "switches although server 1 came back 55000 ms after detection",
                     NULL);
}

static void r2_link_drops_again_while_rejoining_passes(void **state)
{
    /* Back at det+57546, asked to rejoin; the link drops again before the
     * rejoin, and the center learns at the next heartbeat timeout, after
     * det+60000: its switch then is right (a swarm case). */
    static const patch_t p[] = {
        SUB(40500, "fault", "101000", "103546"),
        SUB(101000, NULL, J("t_ms":101000), J("t_ms":103546)),
        DEL(103000, "recorder_ready"), DEL(103000, "resume"), DEL(110000, "api"),
        DEL(118000, "slice_done"), DEL(118000, "playlist_open"), DEL(118000, "slice"),
        AFTER(103546, "recorder_resume", J({"t_ms":112000,"kind":"callback","sess":1,"event":12,"uid":3141592653,"seq":1,"notice":2,"new_uid":3141592653})),
        AFTER(103546, "recorder_resume", J({"t_ms":112000,"kind":"resume","sess":1,"srv":2,"rec":2,"uid":3141592653,"activation":0})),
        AFTER(103546, "recorder_resume", J({"t_ms":112000,"kind":"recorder_ready","sess":1,"srv":2,"rec":2,"uid":3141592653})),
        AFTER(103546, "recorder_resume", J({"t_ms":110000,"kind":"recorder_start","sess":1,"srv":2,"rec":2,"uid":3141592653,"bak":0})),
        AFTER(103546, "recorder_resume", J({"t_ms":110000,"kind":"switch","sess":1,"from_srv":1,"srv":2,"rec":2,"uid":3141592653,"attempt":1})),
        AFTER(103546, "recorder_resume", J({"t_ms":110000,"kind":"server_down","srv":1})),
        AFTER(103546, "recorder_resume", J({"t_ms":105999,"kind":"fault","fault":"disconnect","srv":1,"heal_ms":-1})),
        END};
    (void)state;
    expect_clean(run("disconnect_reconnect.jsonl", p));
}

static void r2_return_cut_short_owes_no_reconnect(void **state)
{
    /* link_flaps_during_rejoin.jsonl (scenarios/r02_link_flaps_during_rejoin.scn):
     * back at detection + 59998, cut again 2 ms later while the recorder
     * rejoins, back once more after the window; one server, so the session
     * looks for another every second and ends at the deadline. The return
     * did not hold: no reconnect owed. Without the second cut the server
     * stayed back, and giving up on it is R2's violation. */
    static const patch_t held[] = {DEL(70000, "fault"), DEL(75998, "server_down"),
                                   DEL(76000, "fault"), DEL(76000, "server_up"),
                                   DEL(76000, "recorder_stop"), DEL(76000, "fenced"), END};
    orc_t *o;
    (void)state;
    expect_clean(run("link_flaps_during_rejoin.jsonl", NULL));
    o = run("link_flaps_during_rejoin.jsonl", held);
    expect_violation(o, 2, "server 1 came back 59998 ms after detection with recorder 1 alive",
                     "never resumed there");
}

static void r2_return_cut_short_after_the_minute_switches_at_once(void **state)
{
    /* The center learns of the second cut at 75998, after the minute: the
     * switch (here: a look, no other server) is due at once. */
    static const patch_t idle[] = {DEL(75998, "wait_capacity"), END};
    orc_t *o = run("link_flaps_during_rejoin.jsonl", idle);
    (void)state;
    expect_violation(o, 11, "session 1 neither switched away from server 1 nor looked for a "
                            "server at 75998 ms, 65998 ms after detecting the disconnect", NULL);
}

/* link_flap_within_minute.jsonl (scenarios/r02_link_flap_within_minute.scn):
 * detected at 36000, back at 56000 and asked to rejoin, cut again at 58500
 * and declared down at 64000, with 32 s of the minute left. R2 waits out the
 * minute for the server and switches at detection + 60000 = 96000: not when
 * it learns of the drop, not a millisecond earlier or later. */
static orc_t *flap_switch_at(const char *t)
{
    static char sw[40], start[40];
    patch_t p[3];
    snprintf(sw, sizeof sw, "\"t_ms\":%s", t);
    snprintf(start, sizeof start, "\"t_ms\":%s", t);
    p[0] = (patch_t)SUB(96000, "switch", J("t_ms":96000), sw);
    p[1] = (patch_t)SUB(96000, "recorder_start", J("t_ms":96000), start);
    p[2] = (patch_t)END;
    return run("link_flap_within_minute.jsonl", p);
}

static void r2_return_cut_short_switch_waits_for_the_minute(void **state)
{
    orc_t *o;
    (void)state;
    expect_clean(run("link_flap_within_minute.jsonl", NULL));
    o = flap_switch_at("95999");
    expect_only(o, 2);
    expect_violation(o, 2, "session 1 switches 59999 ms after detecting the disconnect",
                     "R2 waits 60000 ms for the server");
    o = flap_switch_at("64000"); /* when the center learns of the drop */
    expect_only(o, 2);
    expect_violation(o, 2, "session 1 switches 28000 ms after detecting the disconnect", NULL);
    o = flap_switch_at("96001");
    expect_only(o, 2);
    expect_violation(o, 2, "session 1 had not switched away from server 1 at 96000 ms; its return "
                           "was cut short (declared down again at 64000 ms)", NULL);
}

static void reset_reuses_memory(void **state)
{
    /* Many runs through one oracle: results do not leak between them. */
    static const patch_t bad[] = {SUB(72000, NULL, J("t_ms":72000), J("t_ms":72001)), END};
    (void)state;
    for (int i = 0; i < 50; i++) {
        orc_t *o = run("kill_timing.jsonl", (i & 1) ? bad : NULL);
        assert_int_equal(orc_violation_count(o), (i & 1) ? 1u : 0u);
    }
}

static void many_violations_are_bounded(void **state)
{
    orc_t *o;
    size_t n;
    (void)state;
    orc_reset(orc);
    o = orc;
    for (int i = 0; i < 200; i++) {
        sim_tr_ev_t ev = sim_tr_ev(i, SIM_TR_STARTED);
        ev.sess = 9;
        ev.srv = 1;
        ev.rec = 1;
        orc_event(o, &ev);
    }
    orc_finish(o, 200);
    (void)orc_violations(o, &n);
    assert_int_equal(n, ORC_KEPT_MAX);
    assert_int_equal(orc_violation_count(o), 200);
}

/* ---- the name builder --------------------------------------------------- */

static void utc_format(void **state)
{
    char out[ORC_UTC_LEN + 1];
    (void)state;
    assert_true(orc_utc_format(out, 1560238366073, NULL)); /* agora-facts.md's example */
    assert_string_equal(out, "20190611073246073");
    assert_true(orc_utc_format(out, 0, NULL));
    assert_string_equal(out, "19700101000000000");
    assert_true(orc_utc_format(out, 951782400000, NULL)); /* 2000-02-29, a leap day */
    assert_string_equal(out, "20000229000000000");
    assert_true(orc_utc_format(out, 4107542399999, NULL));
    assert_string_equal(out, "21000228235959999");
    assert_true(orc_utc_format(out, -1, NULL));
    assert_string_equal(out, "19691231235959999");
    assert_false(orc_utc_format(out, 253402300800000, NULL)); /* year 10000 */
}

/* The date cache answers for its own day only: each stamp is right
 * whatever the cache held, and a cache holding a wrong date for another
 * day is never read. */
static void utc_format_day_cache(void **state)
{
    char out[ORC_UTC_LEN + 1];
    orc_utc_day_t day = {0};
    (void)state;
    assert_true(orc_utc_format(out, 1560238366073, &day));
    assert_string_equal(out, "20190611073246073");
    assert_true(day.valid);
    assert_true(orc_utc_format(out, 1560297599999, &day)); /* the same day's last ms */
    assert_string_equal(out, "20190611235959999");
    assert_true(orc_utc_format(out, 1560297600000, &day)); /* the next day's first */
    assert_string_equal(out, "20190612000000000");
    assert_true(orc_utc_format(out, 1560297599999, &day)); /* and back */
    assert_string_equal(out, "20190611235959999");
    assert_true(orc_utc_format(out, 0, &day));
    assert_string_equal(out, "19700101000000000");
    assert_true(orc_utc_format(out, -1, &day)); /* the day before day 0 */
    assert_string_equal(out, "19691231235959999");
    /* A year out of range is refused with a day cached, and leaves it. */
    assert_false(orc_utc_format(out, 253402300800000, &day));
    assert_string_equal(out, "");
    assert_true(day.valid && day.days == -1);
    /* Planted: a wrong date for day 5 is not taken for day 0 ... */
    day = (orc_utc_day_t){.valid = true, .days = 5};
    memcpy(day.ymd, "99999999", sizeof day.ymd);
    assert_true(orc_utc_format(out, 1000, &day));
    assert_string_equal(out, "19700101000001000");
    /* ... and the cache is read for its own day (so the check above meant
     * something): a planted date comes out as it is. */
    memcpy(day.ymd, "ABCDEFGH", sizeof day.ymd);
    assert_true(orc_utc_format(out, 2000, &day));
    assert_string_equal(out, "ABCDEFGH000002000");
    /* Not valid: the days field is not looked at. */
    day = (orc_utc_day_t){.valid = false, .days = 0};
    memcpy(day.ymd, "ABCDEFGH", sizeof day.ymd);
    assert_true(orc_utc_format(out, 3000, &day));
    assert_string_equal(out, "19700101000003000");
}

static void civil_dates_walk(void **state)
{
    /* Day by day over 1970..2400, the date advances like a calendar. */
    int64_t y0, y;
    int m0, d0, m, d;
    (void)state;
    orc_civil_from_days(0, &y0, &m0, &d0);
    for (int64_t day = 1; day < 157000; day++) {
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int len;
        orc_civil_from_days(day, &y, &m, &d);
        len = mdays[m0 - 1] +
              (m0 == 2 && (y0 % 4 == 0 && (y0 % 100 != 0 || y0 % 400 == 0)) ? 1 : 0);
        if (d0 < len)
            assert_true(y == y0 && m == m0 && d == d0 + 1);
        else if (m0 < 12)
            assert_true(y == y0 && m == m0 + 1 && d == 1);
        else
            assert_true(y == y0 + 1 && m == 1 && d == 1);
        y0 = y;
        m0 = m;
        d0 = d;
    }
}

static void names(void **state)
{
    char b[ORC_NAME_MAX];
    (void)state;
    assert_true(orc_name_playlist(b, sizeof b, 0, "sid", "room1", 0, 0, -1));
    assert_string_equal(b, "sid_room1.m3u8");
    assert_true(orc_name_playlist(b, sizeof b, 0, "sid", "room1", 0, 0, 0));
    assert_string_equal(b, "bak0_sid_room1.m3u8");
    assert_true(orc_name_playlist(b, sizeof b, 1, "sid", "c", 4294967295u, 2, 2));
    assert_string_equal(b, "bak2_sid_c__uid_s_4294967295__uid_e_video.m3u8");
    assert_false(orc_name_playlist(b, sizeof b, 1, "sid", "c", 7, 0, -1)); /* mix, individual */
    assert_true(orc_name_slice(b, sizeof b, 1, "sid", "c", 7, 1, 0, 1, 1560238366073, 0));
    assert_string_equal(b, "bak1_sid_c__uid_s_7__uid_e_audio_20190611073246073.ts");
    assert_true(orc_name_slice(b, sizeof b, 1, "sid", "c", 7, 2, 1, -1, 1560238366073, 0));
    assert_string_equal(b, "sid_c__uid_s_7__uid_e_video_20190611073246073.webm");
    assert_true(orc_name_slice_tail(b, sizeof b, 0, 1560238366073, NULL));
    assert_string_equal(b, "_20190611073246073.ts");
    assert_true(orc_name_slice_tail(b, sizeof b, 1, 0, NULL));
    assert_string_equal(b, "_19700101000000000.webm");
    assert_false(orc_name_slice_tail(b, sizeof b, 2, 0, NULL)); /* an MP4 has an index */
    assert_false(orc_name_slice_tail(b, 10, 0, 0, NULL));        /* does not fit */
    assert_true(orc_name_slice(b, sizeof b, 0, "sid", "c", 0, 0, 2, 0, 0, 3));
    assert_string_equal(b, "bak0_sid_c_3.mp4");
    /* Web page recording: one '-' per character, multi-byte ones too. */
    assert_true(orc_name_playlist(b, sizeof b, 2, "sid", "a b#c_d-e\xc3\xa9z", 0, 0, -1));
    assert_string_equal(b, "sid_a-b-c_d-e-z.m3u8");
    assert_true(orc_name_playlist(b, sizeof b, 0, "sid", "a b", 0, 0, -1));
    assert_string_equal(b, "sid_a b.m3u8");
    assert_false(orc_name_playlist(b, 10, 0, "sid", "room1", 0, 0, -1)); /* does not fit */
}

static int setup(void **state)
{
    (void)state;
    orc = orc_new();
    return orc == NULL;
}

static int teardown(void **state)
{
    (void)state;
    orc_free(orc);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_pass),
        cmocka_unit_test(every_rule_checked),
        cmocka_unit_test(r1_resume_at_bound_passes),
        cmocka_unit_test(r1_resume_one_ms_late_fails),
        cmocka_unit_test(r1_same_server_fails),
        cmocka_unit_test(r1_undetected_kill_fails),
        cmocka_unit_test(r1_no_capacity_is_a_note),
        cmocka_unit_test(r1_provision_failure_is_a_note),
        cmocka_unit_test(r2_reconnect_passes),
        cmocka_unit_test(r2_heal_at_60000_reconnects),
        cmocka_unit_test(r2_switch_when_back_at_60000_fails),
        cmocka_unit_test(r2_back_at_60001_switch_passes),
        cmocka_unit_test(r2_early_switch_fails),
        cmocka_unit_test(r2_late_switch_fails),
        cmocka_unit_test(r2_killed_while_cut_off_switches_at_once),
        cmocka_unit_test(r2_killed_while_cut_off_must_switch_at_once),
        cmocka_unit_test(r2_reconnect_window_wrong_fails),
        cmocka_unit_test(r2_detection_at_last_heartbeat_plus_6000_passes),
        cmocka_unit_test(r2_detection_one_ms_early_fails),
        cmocka_unit_test(r2_detection_one_ms_late_fails),
        cmocka_unit_test(r2_no_detection_when_healed_in_time_passes),
        cmocka_unit_test(r2_not_declared_down_when_not_healed_fails),
        cmocka_unit_test(r2_detection_after_the_heal_fails),
        cmocka_unit_test(r2_detection_before_the_heal_fails),
        cmocka_unit_test(r2_live_server_declared_down_fails),
        cmocka_unit_test(r2_detection_unjudged_when_the_run_ends_first),
        cmocka_unit_test(r2_detection_without_last_heartbeat_keeps_a2_window),
        cmocka_unit_test(r3_deadline_wrong_fails),
        cmocka_unit_test(r3_resume_at_90000_passes),
        cmocka_unit_test(r3_resume_at_90001_fails),
        cmocka_unit_test(r3_still_open_at_run_end_fails),
        cmocka_unit_test(r3_ending_late_fails),
        cmocka_unit_test(r3_run_ending_early_is_unjudged),
        cmocka_unit_test(r4_names_pass),
        cmocka_unit_test(r4_slice_without_bak_prefix_fails),
        cmocka_unit_test(r4_wrong_slice_name_fails),
        cmocka_unit_test(r4_wrong_slice_stem_fails),
        cmocka_unit_test(r4_wrong_playlist_name_fails),
        cmocka_unit_test(r4_no_playlist_open_fails),
        cmocka_unit_test(r4_old_playlist_after_activation_fails),
        cmocka_unit_test(r4_playlist_reopened_in_generation_passes),
        cmocka_unit_test(r4_detect_numbering_fails),
        cmocka_unit_test(r4_individual_name_fails),
        cmocka_unit_test(r14_individual_stream_stops_fails),
        cmocka_unit_test(r4_web_cname_fails),
        cmocka_unit_test(r4_mp4_rules_fail),
        cmocka_unit_test(r5_fourth_fault_gives_up_passes),
        cmocka_unit_test(r5_switch_after_fourth_fails),
        cmocka_unit_test(r5_bak3_fails),
        cmocka_unit_test(r5_not_ended_at_once_fails),
        cmocka_unit_test(r5_normal_exit_fails),
        cmocka_unit_test(r5_detect_without_fault_fails),
        cmocka_unit_test(r6_window_passes),
        cmocka_unit_test(r6_no_404_in_window_fails),
        cmocka_unit_test(r6_404_after_resume_fails),
        cmocka_unit_test(r6_after_end_fails),
        cmocka_unit_test(r6_wrong_message_fails),
        cmocka_unit_test(r6_line_order_at_detection),
        cmocka_unit_test(r6_normal_answers_fail),
        cmocka_unit_test(r6_start_of_live_task_is_a_conflict),
        cmocka_unit_test(r7_reused_uid_fails),
        cmocka_unit_test(r7_user_uid_fails),
        cmocka_unit_test(r7_uid_zero_fails),
        cmocka_unit_test(r7_no_failover_callback_fails),
        cmocka_unit_test(r7_wrong_new_uid_fails),
        cmocka_unit_test(r7_old_uid_after_switch_fails),
        cmocka_unit_test(r7_reconnect_changes_uid_fails),
        cmocka_unit_test(r7_reconnect_with_failover_callback_fails),
        cmocka_unit_test(r8_unlisted_slice_fails),
        cmocka_unit_test(r8_listed_twice_fails),
        cmocka_unit_test(r8_word_does_not_depend_on_runs_before),
        cmocka_unit_test(r8_slice_nobody_finished_fails),
        cmocka_unit_test(r8_out_of_order_fails),
        cmocka_unit_test(r9_zombie_not_listed_passes),
        cmocka_unit_test(r9_zombie_listed_fails),
        cmocka_unit_test(r9_zombie_resumes_fails),
        cmocka_unit_test(r9_returning_server_fenced_passes),
        cmocka_unit_test(r9_returning_server_not_fenced_fails),
        cmocka_unit_test(r9_fence_one_ms_late_fails),
        cmocka_unit_test(r9_fence_without_fenced_line_fails),
        cmocka_unit_test(r9_fence_into_a_cut_link_does_not_count),
        cmocka_unit_test(r9_dead_recorder_needs_no_fence),
        cmocka_unit_test(r9_ended_session_recorder_fenced_on_return),
        cmocka_unit_test(r10_give_up_at_deadline_passes),
        cmocka_unit_test(r10_early_give_up_fails),
        cmocka_unit_test(r10_callback_exit_status_fails),
        cmocka_unit_test(r10_no_callback_fails),
        cmocka_unit_test(r10_recorded_slices_kept),
        cmocka_unit_test(r11_replacement_fault_passes),
        cmocka_unit_test(r11_replacement_fault_counted_fails),
        cmocka_unit_test(r11_attempt_number_fails),
        cmocka_unit_test(r11_same_failed_server_fails),
        cmocka_unit_test(r11_switch_to_a_server_declared_down_fails),
        cmocka_unit_test(r11_first_recorder_retry_passes),
        cmocka_unit_test(r11_first_recorder_fault_counted_fails),
        cmocka_unit_test(r12_stop_passes),
        cmocka_unit_test(r12_end_at_5000_passes),
        cmocka_unit_test(r12_end_at_5001_fails),
        cmocka_unit_test(r12_playlist_left_open_fails),
        cmocka_unit_test(r12_abnormal_exit_fails),
        cmocka_unit_test(r12_stop_404_changes_nothing_fails),
        cmocka_unit_test(r12_end_without_stop_fails),
        cmocka_unit_test(expectation_fails),
        cmocka_unit_test(callback_integrity_fails),
        cmocka_unit_test(notice_index_remembers_each_id),
        cmocka_unit_test(trace_inconsistency_fails),
        cmocka_unit_test(a2_slow_detection_is_a_note),
        cmocka_unit_test(a4_slow_rejoin_is_a_note),
        cmocka_unit_test(a4_rejoin_timeout_excuses_switch),
        cmocka_unit_test(a4_switch_before_rejoin_bound_fails),
        cmocka_unit_test(r2_link_drops_again_while_rejoining_passes),
        cmocka_unit_test(r2_return_cut_short_owes_no_reconnect),
        cmocka_unit_test(r2_return_cut_short_after_the_minute_switches_at_once),
        cmocka_unit_test(r2_return_cut_short_switch_waits_for_the_minute),
        cmocka_unit_test(reset_reuses_memory),
        cmocka_unit_test(many_violations_are_bounded),
        cmocka_unit_test(utc_format),
        cmocka_unit_test(utc_format_day_cache),
        cmocka_unit_test(civil_dates_walk),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
