/* bb_faults.h -- FAULTS.conf: how a deployment's faults are made, one shell
 * command per kind of fault (docs/blackbox.md has the format and examples).
 *
 *   # hasim-rt as the target (ci/hasim-rt.faults.conf)
 *   world       scenario
 *   timeout     20s
 *   kill        kill -KILL "$(sed -n 's/^pid //p' "$RT_DIR/control/session-{sid}")"
 *   disconnect  ...; echo "$host"        # what it prints is {cut} for heal
 *   heal        kill -USR2 {cut}
 *   crash-host  kill -KILL "-$(cat "$RT_DIR/control/host-"{server}.pid)"
 *
 * One statement a line: a key, blanks, then the rest of the line. `#`
 * starts a comment only at the start of a line (a shell command may hold
 * one). The command keys take a shell command, run as `/bin/sh -c` with
 * the placeholders replaced, each by its value in single quotes (one shell
 * word whatever it holds). A `{` right after `$` is the shell's, left
 * alone; any other `{` must open a placeholder the key has:
 *
 *   {sid} {cname} {uid} {mode} {rid}   every session fault (kill,
 *                                       disconnect, heal, join, leave)
 *   {cut}                               heal: the first line disconnect printed
 *   {server}                            crash-host: the scenario's host number
 *   {user}                              join, leave: the user's UID
 *   {count}                             provision-fail
 *   {step_ms}                           step-clock: signed milliseconds
 *
 * Settings: `timeout D` (each command's limit, default 30s), `world
 * scenario|deployment` (whether the target runs each scenario's world --
 * its `set` lines and servers -- or its own; default deployment).
 * Errors are FILE:LINE:COL: error: MESSAGE.
 */
#ifndef BB_FAULTS_H
#define BB_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_CMD_MAX 2048          /* a command's bytes, placeholders unexpanded */
#define BB_FAULTS_FILE_MAX 65536 /* a FAULTS.conf's bytes */
#define BB_TIMEOUT_MS_DEFAULT 30000
#define BB_TIMEOUT_MS_MAX 3600000
#define BB_ERR_SIZE 512

typedef enum {
    BB_F_KILL,
    BB_F_DISCONNECT,
    BB_F_HEAL,
    BB_F_CRASH_HOST,
    BB_F_STEP_CLOCK,
    BB_F_PROVISION_FAIL,
    BB_F_JOIN,
    BB_F_LEAVE,
    BB_F_COUNT
} bb_fault_t;

typedef struct {
    bool set;
    int line;
    char cmd[BB_CMD_MAX];
} bb_command_t;

typedef struct {
    char path[512];
    bb_command_t cmds[BB_F_COUNT];
    int64_t timeout_ms;
    bool world_scenario;
} bb_faults_t;

const char *bb_fault_name(bb_fault_t f);

/* "PATH:LINE:COL: error: MESSAGE" into err; returns 2 (the exit status). */
int bb_error_at(char *err, size_t cap, const char *path, int line, size_t col, const char *fmt,
                ...) __attribute__((format(printf, 6, 7)));

/* Parses a FAULTS.conf held in memory (len bytes; path names it in
 * messages). 0, or 2 with err set to "PATH:LINE:COL: error: ...". */
int bb_faults_parse(bb_faults_t *f, const char *path, const char *text, size_t len, char *err,
                    size_t err_cap);
int bb_faults_load(bb_faults_t *f, const char *path, char *err, size_t err_cap);

/* The values a command's placeholders take; NULL ones are absent. */
typedef struct {
    const char *sid, *cname, *uid, *mode, *rid, *cut, *server, *user, *count, *step_ms;
} bb_values_t;

/* cmd with its placeholders replaced (single-quoted) into out. false when
 * out is too small or a value is absent (the parser checked the names). */
bool bb_expand(const char *cmd, const bb_values_t *v, char *out, size_t cap);

#endif
