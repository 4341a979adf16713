/* test_blackbox.c -- hasim drive's inputs: FAULTS.conf (accepted, refused at
 * its line and column, placeholders filled in as single shell words) and
 * scenarios turned into a driver's steps or refused at the line the driver
 * cannot carry out (sim/blackbox/bb_faults.c, bb_plan.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blackbox/bb_faults.h"
#include "blackbox/bb_plan.h"

static bb_faults_t F;
static char err[1024];

static int parse(const char *text)
{
    err[0] = '\0';
    return bb_faults_parse(&F, "f.conf", text, strlen(text), err, sizeof(err));
}

static void test_faults_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse("# a comment\n\nworld scenario\ntimeout 1m30s\r\n"
                           "kill   kubectl delete pod -l sid={sid} # kept: shell's\n"
                           "disconnect  x ${HOME} {sid}\nheal  y {cut}\n"
                           "crash-host ssh h{server}\n"),
                     0);
    assert_true(F.world_scenario);
    assert_int_equal(F.timeout_ms, 90000);
    assert_true(F.cmds[BB_F_KILL].set);
    assert_int_equal(F.cmds[BB_F_KILL].line, 5);
    assert_string_equal(F.cmds[BB_F_KILL].cmd, "kubectl delete pod -l sid={sid} # kept: shell's");
    assert_false(F.cmds[BB_F_JOIN].set);
    assert_int_equal(parse(""), 0);
    assert_false(F.world_scenario);
    assert_int_equal(F.timeout_ms, BB_TIMEOUT_MS_DEFAULT);
}

static void test_faults_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"kil x\n", "f.conf:1:1: error: unknown key 'kil' (kill, disconnect"},
        {"kill\n", "f.conf:1:5: error: 'kill' needs a value"},
        {"kill a\nkill b\n", "f.conf:2:1: error: 'kill' is set twice (line 1)"},
        {"  kill x {pid}\n", "f.conf:1:10: error: unknown placeholder '{pid}'"},
        {"kill x {cut}\n", "f.conf:1:8: error: 'kill' has no placeholder {cut}"},
        {"crash-host x {sid}\n", "f.conf:1:14: error: 'crash-host' has no placeholder {sid}"},
        {"timeout 10\n", "f.conf:1:9: error: duration '10' needs a unit"},
        {"timeout 2h\n", "f.conf:1:9: error: a timeout is 1ms..1h"},
        {"world maybe\n", "f.conf:1:7: error: world is 'scenario' or 'deployment'"},
        {"disconnect x\n", "f.conf:1:1: error: 'disconnect' and 'heal' go together"},
        {"kill a\x01\n", "f.conf:1:7: error: a control character"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(bad[i].text), 2);
        if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("%s: got '%s', want '%s'", bad[i].text, err, bad[i].msg);
    }
    char nul[] = "kill a\0b\n";
    assert_int_equal(bb_faults_parse(&F, "f.conf", nul, sizeof(nul) - 1, err, sizeof(err)), 2);
    assert_string_equal(err, "f.conf:1:1: error: a NUL byte");
}

static void test_expand_quotes(void **state)
{
    (void)state;
    bb_values_t v = {.sid = "abc", .cname = "it's; rm -rf /", .cut = "42"};
    char out[256];
    assert_true(bb_expand("kill {sid} ${X} {cname}", &v, out, sizeof(out)));
    assert_string_equal(out, "kill 'abc' ${X} 'it'\\''s; rm -rf /'");
    assert_false(bb_expand("kill {sid} {cname}", &v, out, 12)); /* no room: refused */
    assert_false(bb_expand("kill {uid}", &v, out, sizeof(out)));  /* no value */
}

static scn_t *scenario(const char *text)
{
    scn_t *s = scn_new();
    assert_non_null(s);
    assert_int_equal(scn_parse(s, text, strlen(text), "s.scn", err, sizeof(err)), 0);
    return s;
}

static void test_plan(void **state)
{
    (void)state;
    static bb_plan_t p;
    assert_int_equal(parse("kill k\ndisconnect d\nheal h\n"), 0);
    scn_t *s = scenario("scenario \"x\"\nmode individual\nchannel c users 7\nsessions 2\nuid 9\n"
                        "set poll on\nat 0s start\nat 1m kill session 2\nat 2m disconnect\n"
                        "at 3m stop expect 200\nexpect exit normal\n");
    assert_int_equal(bb_plan_make(&p, s, &F, err, sizeof(err)), 0);
    assert_string_equal(p.mode_path, "individual");
    assert_string_equal(p.sess[1].cname, "c_2");
    assert_int_equal(p.sess[1].uid, 10);
    /* start x2, kill of session 2, disconnect x2, stop x2 */
    assert_int_equal(p.steps_n, 7);
    assert_int_equal(p.steps[2].kind, SCN_ACT_KILL);
    assert_int_equal(p.steps[2].session, 2);
    assert_int_equal(p.steps[6].expect_status, 200);
    assert_int_equal(p.expects_skipped, 1);
    scn_free(s);

    s = scenario("scenario \"x\"\nmode composite\nchannel c\nset start_latency 2s\nat 0s start\n");
    assert_int_equal(bb_plan_make(&p, s, &F, err, sizeof(err)), 2);
    assert_string_equal(err, "s.scn:4:5: error: 'set start_latency' is a property of the "
                             "deployment, which hasim drive cannot set; start the target with "
                             "this scenario's world and say 'world scenario' in f.conf");
    F.world_scenario = true;
    assert_int_equal(bb_plan_make(&p, s, &F, err, sizeof(err)), 0);
    scn_free(s);

    s = scenario("scenario \"x\"\nmode composite\nchannel c\nat 0s start\nat 1m crash host 2\n");
    assert_int_equal(bb_plan_make(&p, s, &F, err, sizeof(err)), 2);
    assert_string_equal(err, "s.scn:5:1: error: 'crash host' needs a 'crash-host' command in "
                             "f.conf (how this deployment makes it happen)");
    scn_free(s);

    /* a step of the clock is the deployment's, once, whatever the sessions */
    s = scenario("scenario \"x\"\nmode composite\nchannel c\nsessions 2\nat 0s start\n"
                 "at 1m step-clock -30s\n");
    assert_int_equal(bb_plan_make(&p, s, &F, err, sizeof(err)), 2);
    assert_non_null(strstr(err, "s.scn:6:1: error: "));
    assert_non_null(strstr(err, "needs a 'step-clock' command in f.conf"));
    assert_int_equal(parse("step-clock date -s @{step_ms}\n"), 0);
    assert_int_equal(bb_plan_make(&p, s, &F, err, sizeof(err)), 0);
    assert_int_equal(p.steps_n, 3); /* start x2, one step of the clock */
    assert_int_equal(p.steps[2].kind, SCN_ACT_STEP_CLOCK);
    assert_int_equal(p.steps[2].session, 0);
    assert_int_equal(p.steps[2].step_ms, -30000);
    assert_int_equal(bb_fault_of(SCN_ACT_STEP_CLOCK), BB_F_STEP_CLOCK);
    scn_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faults_accepted),
        cmocka_unit_test(test_faults_refused),
        cmocka_unit_test(test_expand_quotes),
        cmocka_unit_test(test_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
