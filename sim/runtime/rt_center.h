/* rt_center.h -- one scenario run against real processes.
 *
 * The center process: the HA core (src/) in a poll() event loop, the
 * scenario's timeline, the polling client, the REST front, the trace. It
 * starts one hasim-agent per server, which start hasim-recorder processes;
 * docs/realtime.md describes the whole and its limits.
 */
#ifndef RT_CENTER_H
#define RT_CENTER_H

#include <stdbool.h>
#include <stdint.h>

/* How long a target outlives its scenario's end: a driver that forgets to
 * stop it does not leave it running for ever. */
#define RT_SERVE_EXTRA_MS 600000

typedef struct {
    const char *scenario_path;
    const char *trace_path; /* JSON Lines out, or NULL */
    const char *workdir;    /* kept; NULL: a temporary one, removed when the run passes */
    const char *pids_path;  /* every pid of the run, one a line, or NULL */
    const char *junit_path; /* the verdict as JUnit XML, or NULL */
    int http_port;          /* -1: no REST front; 0: any free port */
    uint32_t speed;         /* the libfaketime speed-up we run under, 1 when none */
    bool quiet;
    /* A black-box target (docs/blackbox.md): the scenario gives the world
     * only; calls come through the REST front and faults from outside
     * (rt_control.h); runs until SIGTERM or SIGINT, at most
     * RT_SERVE_EXTRA_MS past the scenario's end. */
    bool serve;
    const char *notify_url; /* POST callbacks there (rt_notify.h), or NULL */
    /* The run's callbacks as the service delivers them and its REST calls
     * with their answers, as `hasim run --ncs-dir` writes them:
     * DIR/<name>.ncs.jsonl and DIR/<name>.api.jsonl, for `hasim check
     * --ncs` and `hasim import`. NULL: none. */
    const char *ncs_dir;
} rt_run_opts_t;

/* The run could not be judged: the harness fell behind its budget
 * (rt_late.h). Neither a pass nor a broken rule. */
#define RT_EXIT_INCONCLUSIVE 3

/* Runs the scenario to its end and judges the trace in process with the
 * oracle and the scenario's expectations. Returns the exit status: 0 pass,
 * 1 a check failed, 2 usage, input or environment error (or interrupted),
 * 3 inconclusive. */
int rt_run(const rt_run_opts_t *opts);

#endif
