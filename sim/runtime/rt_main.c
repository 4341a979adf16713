/* rt_main.c -- hasim-rt: the command line, and the supervisor of --speed.
 *
 *   hasim-rt run [--speed N] [--trace FILE] [--http PORT] [--workdir DIR]
 *                [--pids FILE] [-q] SCENARIO.scn
 *
 * With --speed N the command re-executes itself as a child under
 * LD_PRELOAD=libfaketimeMT.so.1 FAKETIME="+0 xN" (its children inherit both,
 * and the shared start time in FAKETIME_SHARED), and stays as a small
 * supervisor that is not under libfaketime itself: it forwards SIGINT,
 * SIGTERM and SIGHUP, adopts (PR_SET_CHILD_SUBREAPER) and SIGKILLs by pid
 * whatever of the run outlives the center, however the center ended (even by
 * SIGKILL), and removes the /dev/shm/faketime_* objects named after the pids
 * of the run -- libfaketime unlinks its own only at a normal exit().
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rt_center.h"
#include "rt_clock.h"
#include "rt_proto.h"
#include "rt_runs.h"
#include "drive/env.h"
#include "lang/scn.h"

#define RT_VERSION "0.1.0"
#define RT_SPEED_MAX 1000
#define RT_SPEED_AUTO UINT32_MAX /* --speed auto: the supervisor chooses */
#define RT_PIDS_MAX 65536
#define RT_SUPERVISE_REAP_MS 10000 /* real ms */
/* The center writes its pid first thing; a center that has not within this
 * (real ms) hangs in libfaketime's initialisation (docs/realtime.md). */
#define RT_SUPERVISE_START_MS 10000

static const char HELP[] =
    "usage: hasim-rt run [options] SCENARIO.scn\n"
    "       hasim-rt clean    remove what runs killed whole left (each run does at its start)\n"
    "\n"
    "Runs a scenario against real processes: a center running the HA core in an\n"
    "event loop, one host agent process per server, one recorder process per\n"
    "recording; kills are SIGKILLs, disconnects are the agent dropping the\n"
    "network, host crashes SIGKILL the agent's process group. Writes the trace of\n"
    "docs/trace.md and judges it like `hasim run` (`hasim check TRACE` agrees).\n"
    "\n"
    "  --speed N       run N times faster under libfaketime (FAKETIME=\"+0 xN\")\n"
    "  --speed auto    the fastest of x200, x100, x50, x20, x10, x5, x2, x1 whose run\n"
    "                  stays within the lateness budget\n"
    "  --trace FILE    write the trace (JSON Lines)\n"
    "  --http PORT     serve the REST API on 127.0.0.1:PORT (0: any free port)\n"
    "  --workdir DIR   keep the slice files and the storage in DIR\n"
    "                  (default: a temporary directory, removed when the run passes)\n"
    "  --pids FILE     write the pid of every process of the run, one a line\n"
    "  --junit FILE    the verdict as JUnit XML (inconclusive: a skipped test case)\n"
    "  --serve         be a black-box target (docs/blackbox.md): the scenario gives\n"
    "                  the world only; calls come through --http, faults from\n"
    "                  outside (pid files in WORKDIR/control/); runs until SIGTERM\n"
    "                  or SIGINT (exit 0), at most 10 min past the scenario's end\n"
    "  --notify URL    POST every callback to URL as NCS does (JSON envelopes,\n"
    "                  retried with back-off, some repeated or late)\n"
    "  --ncs-dir DIR   write the callbacks as the service delivers them and the\n"
    "                  REST calls with their answers (DIR/<name>.ncs.jsonl,\n"
    "                  DIR/<name>.api.jsonl), as `hasim run --ncs-dir` does: judge\n"
    "                  them with `hasim check --ncs`; written only with a verdict\n"
    "  -q, --quiet     print the verdict only when the run fails\n"
    "  -h, --help      this text\n"
    "\n"
    "Real time jitters: run the scenarios whose expectations have margins\n"
    "(docs/realtime.md). Exit status: 0 pass, 1 a check failed, 2 usage, input or\n"
    "environment error, or interrupted, 3 inconclusive: the harness fell more than\n"
    "2000 ms behind what was due (docs/realtime.md, \"Lateness\"), so nothing is judged.\n";

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hasim-rt: usage error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see 'hasim-rt run --help')\n", stderr);
    return 2;
}

static bool parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 10)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static const char *find_libfaketime(void)
{
    static const char *const places[] = {
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
        "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
        "/usr/lib/faketime/libfaketimeMT.so.1",
        "/usr/local/lib/faketime/libfaketimeMT.so.1",
    };
    const char *env = getenv("HASIM_RT_LIBFAKETIME");
    if (env != NULL && env[0] != '\0')
        return access(env, R_OK) == 0 ? env : NULL;
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        if (access(places[i], R_OK) == 0)
            return places[i];
    }
    return NULL;
}

static void shm_remove(int32_t pid)
{
    char p[2][64];
    snprintf(p[0], sizeof(p[0]), "/dev/shm/faketime_shm_%" PRId32, pid);
    snprintf(p[1], sizeof(p[1]), "/dev/shm/sem.faketime_sem_%" PRId32, pid);
    for (size_t i = 0; i < 2; i++) {
        if (unlink(p[i]) == 0)
            fprintf(stderr, "hasim-rt: removed %s, left by a killed process\n", p[i]);
    }
}

/* The supervisor's part after the center exited: nothing of the run may
 * survive it. Every survivor is our child by now (we are the subreaper),
 * so waitpid() on its pid is safe from pid reuse. */
static void supervise_cleanup(pid_t center, const char *pids_path)
{
    static int32_t pids[RT_PIDS_MAX];
    size_t n = 0;
    FILE *f = pids_path != NULL ? fopen(pids_path, "r") : NULL;
    if (f != NULL) {
        char line[128];
        while (n < RT_PIDS_MAX && fgets(line, sizeof(line), f) != NULL) {
            long v = strtol(line, NULL, 10);
            if (v > 0 && v <= INT32_MAX)
                pids[n++] = (int32_t)v;
        }
        fclose(f);
    }
    int killed = 0;
    for (size_t i = 0; i < n; i++) {
        if (pids[i] == (int32_t)center)
            continue;
        if (waitpid((pid_t)pids[i], NULL, WNOHANG) == 0) {
            (void)kill((pid_t)pids[i], SIGKILL);
            killed++;
        }
    }
    if (killed > 0)
        fprintf(stderr, "hasim-rt: SIGKILLed %d process(es) the run left behind\n", killed);
    int64_t until = rt_now_ms() + RT_SUPERVISE_REAP_MS;
    for (;;) {
        pid_t r = waitpid(-1, NULL, WNOHANG);
        if (r < 0 && errno != EINTR)
            break; /* ECHILD: nothing left */
        if (r == 0) {
            if (rt_now_ms() >= until) {
                fprintf(stderr, "hasim-rt: error: processes of the run would not die\n");
                break;
            }
            struct pollfd none;
            (void)rt_poll(&none, 0, 20);
        }
    }
    shm_remove((int32_t)center);
    for (size_t i = 0; i < n; i++)
        shm_remove(pids[i]);
}

/* The file the center writes the pids of the run to: --pids, else a new
 * temporary one, named in tmp for removal. NULL after a message. */
static const char *pids_file(const char *pids_opt, char *tmp, size_t cap)
{
    if (pids_opt != NULL)
        return pids_opt;
    const char *dir = getenv("TMPDIR");
    snprintf(tmp, cap, "%s/hasim-rt-pids.XXXXXX", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "hasim-rt: error: cannot create %s: %s\n", tmp, strerror(errno));
        return NULL;
    }
    close(fd);
    return tmp;
}

/* The wall-clock shim (libhasim-clock.so next to us) when the scenario
 * steps the clock, else empty: set by preflight(). */
static char shim_path[PATH_MAX];

/* In the child: hasim-rt again, as the center, under libfaketime. */
static void exec_under_faketime(char **argv, const char *lib, uint32_t speed,
                                int64_t start_utc_ms, const char *pids_path, pid_t supervisor)
{
    /* The center dies with its supervisor: SIGTERM, which it handles like
     * the user's (tears the run down, exits normally so that libfaketime
     * unlinks its shared memory). Kept across execv. A supervisor dead
     * before the prctl is seen in getppid(). */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0 || getppid() != supervisor)
        _exit(2);
    char super_s[24];
    snprintf(super_s, sizeof(super_s), "%ld", (long)supervisor);
    char preload[PATH_MAX * 3], faketime[64], speed_s[16];
    const char *old = getenv("LD_PRELOAD");
    /* The clock shim after libfaketime: libfaketime's real clock is the
     * shim's (rt_clockshim.c). */
    snprintf(preload, sizeof(preload), "%s%s%s%s%s", lib, shim_path[0] ? ":" : "", shim_path,
             old && *old ? ":" : "", old && *old ? old : "");
    if (start_utc_ms >= 0) {
        /* `set clock`: an absolute start with the rate, in UTC, continued
         * (not restarted) by every process the center execs. */
        time_t secs = (time_t)(start_utc_ms / 1000);
        struct tm tm;
        char date[32];
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", gmtime_r(&secs, &tm));
        snprintf(faketime, sizeof(faketime), "@%s x%" PRIu32, date, speed);
        if (setenv("TZ", "UTC0", 1) != 0 || setenv("FAKETIME_DONT_RESET", "1", 1) != 0)
            _exit(2);
    } else {
        snprintf(faketime, sizeof(faketime), "+0 x%" PRIu32, speed);
    }
    snprintf(speed_s, sizeof(speed_s), "%" PRIu32, speed);
    const char *asan = getenv("ASAN_OPTIONS");
    char asan_opts[1024];
    /* ASan wants to be first in the preload order; libfaketime is. */
    snprintf(asan_opts, sizeof(asan_opts), "%s%sverify_asan_link_order=0",
             asan && *asan ? asan : "", asan && *asan ? ":" : "");
    if (setenv("LD_PRELOAD", preload, 1) != 0 || setenv("FAKETIME", faketime, 1) != 0 ||
        setenv("HASIM_RT_SPEED", speed_s, 1) != 0 ||
        setenv("HASIM_RT_PIDS", pids_path, 1) != 0 ||
        setenv("HASIM_RT_SUPERVISOR", super_s, 1) != 0 ||
        setenv("ASAN_OPTIONS", asan_opts, 1) != 0)
        _exit(2);
    /* A fresh shared clock for this run, created by the child. */
    unsetenv("FAKETIME_SHARED");
    execv("/proc/self/exe", argv);
    fprintf(stderr, "hasim-rt: error: cannot re-execute myself: %s\n", strerror(errno));
    _exit(2);
}

/* Until the center exits, passing it the signals we get: its wait status. */
static int supervise_wait(pid_t child, int sig, const char *pids_path, int64_t t0)
{
    int status = 0;
    bool started = false;
    for (;;) {
        struct pollfd p = {sig, POLLIN, 0};
        (void)rt_poll(&p, 1, started ? RT_POLL_MAX_MS : 100);
        if (!started) {
            struct stat st;
            started = stat(pids_path, &st) == 0 && st.st_size > 0;
            if (!started && rt_now_ms() - t0 > RT_SUPERVISE_START_MS) {
                fprintf(stderr, "hasim-rt: error: the run did not start under libfaketime within "
                                "%d ms (a runtime that reads the clock before libfaketime is "
                                "ready deadlocks it: clang's -fsanitize=address does; use gcc, "
                                "or run without --speed)\n", RT_SUPERVISE_START_MS);
                (void)kill(child, SIGKILL);
                started = true; /* said once; the reaping follows */
            }
        }
        for (int s; (s = rt_sig_next(sig)) != 0;) {
            if (s != SIGCHLD)
                (void)kill(child, s); /* the center tears down and exits */
        }
        pid_t r = waitpid(child, &status, WNOHANG);
        if (r == child)
            return status;
        if (r < 0 && errno != EINTR)
            return 2 << 8;
    }
}

/* One run of the center at one speed, supervised to its end: its exit
 * status. */
static int supervise_one(char **argv, const char *lib, uint32_t speed, int64_t start_utc_ms,
                         const char *pids_path, int sig, bool quiet)
{
    int64_t t0 = rt_now_ms();
    (void)truncate(pids_path, 0); /* "started" is the center's first line in it */
    fflush(NULL);
    pid_t self = getpid();
    pid_t child = fork();
    if (child == 0)
        exec_under_faketime(argv, lib, speed, start_utc_ms, pids_path, self);
    if (child < 0) {
        fprintf(stderr, "hasim-rt: error: fork: %s\n", strerror(errno));
        return 2;
    }
    /* Its libfaketime objects are named after it from its first instant;
     * should both of us be killed before it notes itself, the record has it. */
    rt_runs_note("pid", (long)child, NULL);
    int status = supervise_wait(child, sig, pids_path, t0);
    supervise_cleanup(child, pids_path);
    if (!quiet)
        fprintf(stderr, "hasim-rt: x%" PRIu32 " run took %" PRId64 " ms of real time\n", speed,
                rt_now_ms() - t0);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    fprintf(stderr, "hasim-rt: error: the center died of signal %d\n", WTERMSIG(status));
    return 2;
}

/* --speed auto tries these, fastest first, and keeps the first run that
 * stayed within the lateness budget (an inconclusive run stops as soon as
 * it is late, so a too-fast try costs little). */
static const uint32_t AUTO_SPEEDS[] = {200, 100, 50, 20, 10, 5, 2, 1};

static int supervise(char **argv, uint32_t speed, int64_t start_utc_ms, const char *pids_opt,
                     bool quiet)
{
    const char *lib = find_libfaketime();
    if (lib == NULL) {
        fprintf(stderr, "hasim-rt: error: --speed needs libfaketime (libfaketimeMT.so.1) and it "
                        "is not installed: apt-get install faketime libfaketime (ci/deps.sh), "
                        "or set HASIM_RT_LIBFAKETIME\n");
        return 2;
    }
    (void)rt_runs_sweep(!quiet);
    if (rt_runs_claim() != 0)
        return 2;
    char pids_tmp[PATH_MAX] = "";
    const char *pids_path = pids_file(pids_opt, pids_tmp, sizeof(pids_tmp));
    if (pids_path == NULL) {
        rt_runs_release();
        return 2;
    }
    if (pids_tmp[0] != '\0') {
        rt_runs_note("file", 0, pids_tmp);
        /* The center removes it when it outlives us. */
        (void)setenv("HASIM_RT_PIDS_TEMP", pids_tmp, 1);
    }
    static const int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};
    int sig = rt_sig_init(sigs, sizeof(sigs) / sizeof(sigs[0]));
    int rc = 2;
    char clock_file[PATH_MAX] = "";
    if (shim_path[0] != '\0' && rt_clock_file_create(clock_file, sizeof(clock_file)) != 0)
        sig = -1;
    if (sig >= 0) {
        rt_become_subreaper();
        size_t n = speed == RT_SPEED_AUTO ? sizeof(AUTO_SPEEDS) / sizeof(AUTO_SPEEDS[0]) : 1;
        for (size_t i = 0; i < n; i++) {
            uint32_t s = speed == RT_SPEED_AUTO ? AUTO_SPEEDS[i] : speed;
            rc = supervise_one(argv, lib, s, start_utc_ms, pids_path, sig, quiet);
            if (rc != RT_EXIT_INCONCLUSIVE || i + 1 == n)
                break;
            fprintf(stderr, "hasim-rt: --speed auto: x%" PRIu32 " was inconclusive; trying x%" PRIu32
                            "\n", s, AUTO_SPEEDS[i + 1]);
        }
    }
    if (pids_tmp[0] != '\0')
        unlink(pids_tmp);
    if (clock_file[0] != '\0')
        unlink(clock_file);
    rt_runs_release();
    return rc;
}

enum { OPT_SPEED = 0x100, OPT_TRACE, OPT_HTTP, OPT_WORKDIR, OPT_PIDS, OPT_JUNIT, OPT_SERVE,
       OPT_NOTIFY, OPT_NCS_DIR };

static const struct option RUN_LONGOPTS[] = {
    {"speed", required_argument, NULL, OPT_SPEED},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"http", required_argument, NULL, OPT_HTTP},
    {"workdir", required_argument, NULL, OPT_WORKDIR},
    {"pids", required_argument, NULL, OPT_PIDS},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"serve", no_argument, NULL, OPT_SERVE},
    {"notify", required_argument, NULL, OPT_NOTIFY},
    {"ncs-dir", required_argument, NULL, OPT_NCS_DIR},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static int run_take(int opt, const char *v, rt_run_opts_t *o, uint32_t *speed)
{
    uint32_t port;
    switch (opt) {
    case OPT_SPEED:
        if (strcmp(v, "auto") == 0)
            *speed = RT_SPEED_AUTO;
        else if (!parse_u32(v, RT_SPEED_MAX, speed) || *speed == 0)
            return usage("--speed takes a whole number 1..1000 or 'auto', not '%s'", v);
        break;
    case OPT_TRACE:
        o->trace_path = v;
        break;
    case OPT_HTTP:
        if (!parse_u32(v, 65535, &port))
            return usage("--http takes a port 0..65535, not '%s'", v);
        o->http_port = (int)port;
        break;
    case OPT_WORKDIR:
        o->workdir = v;
        break;
    case OPT_PIDS:
        o->pids_path = v;
        break;
    case OPT_JUNIT:
        o->junit_path = v;
        break;
    case OPT_SERVE:
        o->serve = true;
        break;
    case OPT_NOTIFY:
        if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
            return usage("--notify takes an http:// or https:// URL, not '%s'", v);
        o->notify_url = v;
        break;
    case OPT_NCS_DIR:
        o->ncs_dir = v;
        break;
    case 'q':
        o->quiet = true;
        break;
    }
    return 0;
}

/* The option getopt_long(3) refused, as written: short ones are optopt (in
 * a cluster, "-qZ", getopt has not stepped past the argument yet), long ones
 * the whole argument. */
static int refuse(int got, char **argv)
{
    const char *arg = argv[optind - 1];
    if (got == ':')
        return usage("%s needs a value", arg); /* no short option takes one */
    if (optopt > 0 && optopt < 256 && strchr("hq", optopt) == NULL)
        return usage("unknown option '-%c'", optopt);
    if (optopt != 0)
        return usage("%.*s takes no value", (int)strcspn(arg, "="), arg);
    return usage("unknown option '%s'", arg);
}

/* hasim's cli_parse() in small (sim/cli/cli_util.c says why it is so;
 * hasim-rt may not include sim/cli/: tools/layers.sh). argv[0] is "run".
 * Returns -1 to go on with the operands at argv[*first..argc-1], else the
 * exit status. */
static int parse_run(int argc, char **argv, rt_run_opts_t *o, uint32_t *speed, int *first)
{
    opterr = 0;
    optind = 0;
    for (;;) {
        int which = -1;
        int opt = getopt_long(argc, argv, ":hq", RUN_LONGOPTS, &which);
        if (opt == -1)
            break;
        if (opt == '?' || opt == ':')
            return refuse(opt, argv);
        const char *arg = argv[optind - (optarg != NULL && optarg == argv[optind - 1] ? 2 : 1)];
        if (which >= 0 && strcspn(arg + 2, "=") != strlen(RUN_LONGOPTS[which].name))
            return usage("unknown option '%s'", arg);
        if (opt == 'h') {
            fputs(HELP, stdout);
            return 0;
        }
        int rc = run_take(opt, optarg, o, speed);
        if (rc != 0)
            return rc;
    }
    *first = optind;
    return -1;
}

/* In the center, at its end: a supervisor killed before us (we got its
 * PR_SET_PDEATHSIG) cannot remove its temporary pid file nor the run's
 * record; we do, as everything else of the run is gone by now. */
static void supervisor_gone(void)
{
    const char *sup = getenv("HASIM_RT_SUPERVISOR");
    if (sup == NULL || getppid() == (pid_t)strtol(sup, NULL, 10))
        return;
    const char *pids = getenv("HASIM_RT_PIDS_TEMP");
    if (pids != NULL && pids[0] != '\0')
        (void)unlink(pids);
    rt_runs_release();
}

/* A scenario marked "# simulator-only: WHY" (docs/realtime.md) expects what
 * real time cannot give, to the millisecond: said before the run, whose
 * rules are judged all the same. */
static void simulator_only_note(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    for (int n = 1; f != NULL && n <= 10000 && fgets(line, sizeof(line), f) != NULL; n++) {
        if (strncmp(line, "# simulator-only:", 17) == 0) {
            fprintf(stderr, "hasim-rt: note: %s:%d: this scenario is simulator-only:%s", path, n,
                    line + 17);
            break;
        }
    }
    if (f != NULL)
        fclose(f);
}

/* `set clock` and step-clock need libfaketime and, for steps, the shim:
 * both only under a supervisor (at --speed 1 when no speed was asked for). */
static int clock_preflight(const scn_t *scn, uint32_t *speed, int64_t *start_utc_ms)
{
    if (scn_param_find(scn, SCN_PARAM_CLOCK) != NULL) {
        /* The simulator's own draw from the scenario's seed: the same UTC. */
        sim_env_t env;
        sim_env_init(&env, scn, scn->seed, SIM_UTC0_MS_DEFAULT);
        *start_utc_ms = env.utc0_ms;
        if (*speed == 0)
            *speed = 1;
    }
    bool steps = false;
    for (size_t i = 0; i < scn->actions_count; i++)
        steps = steps || scn->actions[i].kind == SCN_ACT_STEP_CLOCK;
    if (!steps)
        return 0;
    size_t n;
    if (rt_self_dir(shim_path, sizeof(shim_path)) != 0 ||
        (n = strlen(shim_path)) + sizeof("/libhasim-clock.so") > sizeof(shim_path)) {
        fprintf(stderr, "hasim-rt: error: cannot find my own directory\n");
        return 2;
    }
    memcpy(shim_path + n, "/libhasim-clock.so", sizeof("/libhasim-clock.so"));
    if (access(shim_path, R_OK) != 0) {
        fprintf(stderr, "hasim-rt: error: %s steps the clock and %s is not built (make runtime)\n",
                scn->path, shim_path);
        return 2;
    }
    if (*speed == 0)
        *speed = 1;
    return 0;
}

/* The scenario, read before any process starts: bad input (exit 2), what
 * hasim-rt cannot run, and `set clock`, which needs libfaketime's absolute
 * start (at --speed 1 when no speed was asked for). */
static int preflight(const char *path, uint32_t *speed, int64_t *start_utc_ms)
{
    scn_t *scn = scn_new();
    char err[SCN_ERR_SIZE];
    int rc = scn == NULL ? 2 : scn_parse_file(scn, path, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "%s\n", scn == NULL ? "hasim-rt: error: out of memory" : err);
        scn_free(scn);
        return 2;
    }
    simulator_only_note(path);
    const scn_param_t *hostile = scn_param_find(scn, SCN_PARAM_HOSTILE);
    if (hostile != NULL && hostile->lo != 0) {
        fprintf(stderr, "%s:%d:%d: error: 'set hostile on' is the simulator's: its lies are "
                        "inputs no real host agent or recorder sends (run it with hasim run)\n",
                path, hostile->line, hostile->col);
        rc = 2;
    } else {
        rc = clock_preflight(scn, speed, start_utc_ms);
    }
    scn_free(scn);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    rt_run_opts_t o = {.http_port = -1, .speed = 1};
    uint32_t speed = 0;
    /* From "run" on; the supervisor of --speed runs the whole argv again. */
    char **args = argv + 1;
    int nargs = argc - 1, first = 0;
    int rc = parse_run(nargs, args, &o, &speed, &first);
    if (rc != -1)
        return rc;
    if (first == nargs)
        return usage("no scenario given");
    if (nargs - first > 1)
        return usage("one scenario per run; '%s' is a second", args[first + 1]);
    const char *scenario = args[first];
    o.scenario_path = scenario;
    if (o.serve && o.http_port < 0)
        return usage("--serve needs --http PORT: a target is reached through its REST API");

    const char *under = getenv("HASIM_RT_SPEED");
    if (under == NULL || under[0] == '\0') {
        /* Bad input is refused before any process starts; what the
         * scenario asks of the clock decides how we start. */
        int64_t start_utc_ms = -1;
        rc = preflight(scenario, &speed, &start_utc_ms);
        if (rc != 0)
            return rc;
        if (speed > 0)
            return supervise(argv, speed, start_utc_ms, o.pids_path, o.quiet);
    }
    if (under != NULL && under[0] != '\0') {
        uint32_t s;
        if (parse_u32(under, RT_SPEED_MAX, &s) && s > 0)
            o.speed = s;
        if (o.pids_path == NULL) {
            const char *p = getenv("HASIM_RT_PIDS");
            o.pids_path = p != NULL && p[0] != '\0' ? p : NULL;
        }
        /* Our children need libfaketime but not our bookkeeping. */
        unsetenv("HASIM_RT_SPEED");
        unsetenv("HASIM_RT_PIDS");
        rt_runs_adopt();
        /* Not "exe" (we were exec'ed as /proc/self/exe) in ps and top. */
        (void)prctl(PR_SET_NAME, "hasim-center", 0, 0, 0);
        rc = rt_run(&o);
        supervisor_gone();
        return rc;
    }
    /* No supervisor: this process keeps the record itself. */
    (void)rt_runs_sweep(!o.quiet);
    if (rt_runs_claim() != 0)
        return 2;
    rc = rt_run(&o);
    rt_runs_release();
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("hasim-rt %s\n", RT_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(argv[1], "clean") == 0 && argc == 2) {
        /* What runs killed whole left, as every run does at its start. */
        int n = rt_runs_sweep(true);
        printf("hasim-rt: %d dead run%s cleaned up\n", n, n == 1 ? "" : "s");
        return 0;
    }
    fprintf(stderr, "hasim-rt: error: unknown command '%s' (see 'hasim-rt --help')\n", argv[1]);
    return 2;
}
