/* cmd_drive.c -- hasim drive: a scenario against a running deployment,
 * judged from what a customer sees of it (blackbox/bb_drive.h,
 * docs/blackbox.md). */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "blackbox/bb_drive.h"
#include "blackbox/bb_http.h"
#include "blackbox/bb_plan.h"
#include "cmds.h"

static const char DRIVE_HELP[] =
    "usage: hasim drive --target BASE_URL [--faults FAULTS.conf] [options] SCENARIO...\n"
    "\n"
    "Runs each scenario against a live cloud recording API and judges what a\n"
    "customer sees: its calls go to BASE_URL (up to /cloud_recording) at their\n"
    "times, each fault runs the command FAULTS.conf gives for it, the integration\n"
    "guide's polling client queries every session, and the service's callbacks\n"
    "arrive on our own endpoint. The calls with their answers and the callbacks\n"
    "are logged as `hasim run --ncs-dir` logs them and judged as `hasim check\n"
    "--ncs` judges them (rules R1-R14, as far as such logs prove); `hasim import`\n"
    "turns a failing log into a scenario for the simulator. docs/blackbox.md.\n"
    "\n"
    "  --target URL          the API's base, e.g. https://api.example/v1/apps/APPID/cloud_recording\n"
    "  --faults FILE         how this deployment makes each fault (FAULTS.conf)\n"
    "  --notify-listen H:P   where the service POSTs its callbacks (default 127.0.0.1:8090)\n"
    "  --log-dir DIR         the observable logs, NAME.ncs.jsonl and NAME.api.jsonl\n"
    "                        (default drive-logs)\n"
    "  --timeout D           a scenario's run may take this long at most (default: its\n"
    "                        end + settle + 2m); past it: exit 2\n"
    "  --call-timeout D      one REST call may take this long (default 10s)\n"
    "  --settle D            after the timeline, wait this long for late callbacks (10s)\n"
    "  --skew MS             how far our clock may be from the service's (default 0)\n"
    "  --no-poll             no polling client\n"
    "  --strict              possible violations fail too\n"
    "  --dry-run             check the scenarios and FAULTS.conf only: print the plan\n"
    "  --junit FILE          JUnit XML, a test case per scenario\n"
    "  --json FILE           the verdicts as JSON\n"
    "  -q, --quiet           print failures and errors only\n"
    "\n"
    "Exit status: 0 every scenario passed, 1 a rule was broken, 2 usage or input\n"
    "error, or a run that did not happen as planned (a target that does not answer,\n"
    "a fault command that failed or timed out): never a verdict on the service.\n";

enum {
    OPT_TARGET = CLI_OPT_OWN,
    OPT_FAULTS_FILE,
    OPT_LISTEN,
    OPT_LOG_DIR,
    OPT_TIMEOUT,
    OPT_SETTLE,
    OPT_CALL_TIMEOUT,
    OPT_SKEW,
    OPT_NO_POLL,
    OPT_STRICT,
    OPT_DRY_RUN,
    OPT_JUNIT,
    OPT_JSON,
};

static const struct option DRIVE_LONGOPTS[] = {
    {"target", required_argument, NULL, OPT_TARGET},
    {"faults", required_argument, NULL, OPT_FAULTS_FILE},
    {"notify-listen", required_argument, NULL, OPT_LISTEN},
    {"log-dir", required_argument, NULL, OPT_LOG_DIR},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"settle", required_argument, NULL, OPT_SETTLE},
    {"call-timeout", required_argument, NULL, OPT_CALL_TIMEOUT},
    {"skew", required_argument, NULL, OPT_SKEW},
    {"no-poll", no_argument, NULL, OPT_NO_POLL},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"json", required_argument, NULL, OPT_JSON},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct {
    bb_opts_t o;
    const char *faults_path, *listen, *junit, *json;
    bool dry_run;
} drive_args_t;

static int duration(const char *opt, const char *val, int64_t *ms)
{
    char why[200];
    if (scn_duration_parse(val, strlen(val), ms, why, sizeof(why)) != 0)
        return cli_usage("drive", "%s: %s", opt, why);
    return 0;
}

static int drive_take(void *args, int opt, const char *val)
{
    drive_args_t *a = args;
    uint64_t n;
    switch (opt) {
    case OPT_TARGET: a->o.target = val; break;
    case OPT_FAULTS_FILE: a->faults_path = val; break;
    case OPT_LISTEN: a->listen = val; break;
    case OPT_LOG_DIR: a->o.log_dir = val; break;
    case OPT_TIMEOUT: return duration("--timeout", val, &a->o.timeout_ms);
    case OPT_SETTLE: return duration("--settle", val, &a->o.settle_ms);
    case OPT_CALL_TIMEOUT:
        if (duration("--call-timeout", val, &a->o.call_timeout_ms) != 0)
            return 2;
        if (a->o.call_timeout_ms < 1)
            return cli_usage("drive", "--call-timeout must be at least 1ms");
        break;
    case OPT_SKEW:
        if (!cli_u64(val, &n) || n > 3600000)
            return cli_usage("drive", "--skew takes 0..3600000 ms, not '%s'", val);
        a->o.skew_ms = (int64_t)n;
        break;
    case OPT_NO_POLL: a->o.poll = false; break;
    case OPT_STRICT: a->o.strict = true; break;
    case OPT_DRY_RUN: a->dry_run = true; break;
    case OPT_JUNIT: a->junit = val; break;
    case OPT_JSON: a->json = val; break;
    default:
        assert(opt == 'q');
        a->o.quiet = true;
        break;
    }
    return 0;
}

static const cli_cmd_t DRIVE_CLI = {"drive", DRIVE_HELP, "hq", DRIVE_LONGOPTS, drive_take};

/* --dry-run: each scenario's plan, or why it cannot be driven. */
static int dry_run(const bb_faults_t *f, char **paths, int n)
{
    static bb_plan_t plan;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        scn_t *scn = scn_new();
        char err[SCN_ERR_SIZE];
        if (scn == NULL || scn_parse_file(scn, paths[i], err, sizeof(err)) != 0 ||
            bb_plan_make(&plan, scn, f, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", scn == NULL ? "hasim drive: error: out of memory" : err);
            rc = 2;
        } else {
            printf("%s: %zu steps, %" PRIu32 " session%s, ends at %" PRId64 " ms\n", paths[i],
                   plan.steps_n, plan.sessions, plan.sessions == 1 ? "" : "s", plan.end_ms);
        }
        scn_free(scn);
    }
    return rc;
}

static void on_stop(int sig) { bb_stop_signal = sig; }

static int drive_all(drive_args_t *a, char **paths, int n)
{
    /* no SA_RESTART: a wait in the loop returns, and the loop stops the run */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
    char err[512];
    FILE *none = NULL;
    a->o.listen = bb_listen_start(a->listen, none, err, sizeof(err));
    if (a->o.listen == NULL) {
        fprintf(stderr, "hasim drive: error: %s\n", err);
        return 2;
    }
    bb_result_t *rs = calloc((size_t)n, sizeof(*rs));
    if (rs == NULL) {
        bb_listen_stop(a->o.listen);
        fprintf(stderr, "hasim drive: error: out of memory\n");
        return 2;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (bb_stop_signal != 0) {
            n = i; /* the rest were not driven */
            break;
        }
        int r = bb_drive_scenario(&a->o, paths[i], &rs[i]);
        rc = r > rc ? r : rc;
    }
    if (a->json != NULL && bb_write_json(a->json, &a->o, rs, (size_t)n) != 0)
        rc = 2;
    if (a->junit != NULL && bb_write_junit(a->junit, &a->o, rs, (size_t)n) != 0)
        rc = 2;
    size_t passed = 0, failed = 0, errors = 0;
    for (int i = 0; i < n; i++) {
        passed += rs[i].rc == 0;
        failed += rs[i].rc == 1;
        errors += rs[i].rc == 2;
        bb_result_free(&rs[i]);
    }
    if (n > 1 || !a->o.quiet)
        printf("%d scenario%s driven: %zu passed, %zu failed, %zu not judged\n", n,
               n == 1 ? "" : "s", passed, failed, errors);
    free(rs);
    bb_listen_stop(a->o.listen);
    return rc;
}

int cmd_drive(int argc, char **argv)
{
    static bb_faults_t faults;
    drive_args_t a = {.o = {.faults = &faults, .log_dir = "drive-logs",
                            .settle_ms = BB_SETTLE_MS_DEFAULT,
                            .call_timeout_ms = BB_HTTP_TIMEOUT_MS, .poll = true},
                      .listen = "127.0.0.1:8090"};
    int first;
    int rc = cli_parse(&DRIVE_CLI, argc, argv, &a, &first);
    if (rc != CLI_GO_ON)
        return rc;
    if (first == argc)
        return cli_usage("drive", "no scenario given");
    char err[BB_ERR_SIZE];
    if (a.faults_path != NULL && bb_faults_load(&faults, a.faults_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (a.faults_path == NULL)
        (void)bb_faults_parse(&faults, "(no --faults)", "", 0, err, sizeof(err));
    if (a.dry_run)
        return dry_run(&faults, argv + first, argc - first);
    if (a.o.target == NULL)
        return cli_usage("drive", "--target BASE_URL is needed (the API's base URL)");
    return drive_all(&a, argv + first, argc - first);
}
