/* trace_json.h -- the trace as JSON Lines: one event per line.
 *
 * The writer produces exactly the bytes docs/trace.md specifies (key order,
 * integers only, absent keys left out), so that two runs can be compared
 * byte for byte. The reader (jansson) turns each line back into an event and
 * hands it to a sink; whatever it cannot accept -- bad JSON, an unknown kind
 * or key, a missing key, a value of the wrong type or out of range, t_ms
 * going back, an empty line -- is input, not a bug: it stops with
 * "FILE:LINE:COL: error: MESSAGE" and returns 2.
 */
#ifndef SIM_TRACE_JSON_H
#define SIM_TRACE_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace.h"

/* Longest string value the reader accepts (bytes), and the most users a
 * session line may list; both far above anything the service allows. */
#define SIM_TR_JSON_STR_MAX 4096
#define SIM_TR_JSON_USERS_MAX 4096

/* Formats ev as one line, '\n' included, like snprintf: writes at most cap
 * bytes (NUL included, when cap > 0) and returns the length the line has;
 * the line is complete only when the return value is < cap.
 * The enums of ev must hold values the schema names, and seed, notice and
 * events must be <= INT64_MAX (jansson reads integers as long long). */
size_t sim_tr_json_format(char *buf, size_t cap, const sim_tr_ev_t *ev);

/* Writes one line to f. 0, or -1 when the stream failed. */
int sim_tr_json_write(FILE *f, const sim_tr_ev_t *ev);

/* A sim_tr_sink_fn that writes each event to the FILE * given as ctx. */
void sim_tr_json_sink(void *ctx, const sim_tr_ev_t *ev);

/* Reads a trace and calls sink once per line, in order. Strings and the
 * users array of an event are valid only during its sink call.
 * Returns 0 when every line was read, 2 on the first bad line (or when the
 * file cannot be opened), with err set to "FILE:LINE:COL: error: MESSAGE"
 * (truncated to err_cap). Lines before the bad one were delivered. */
int sim_tr_read_file(const char *path, sim_tr_sink_fn *sink, void *ctx, char *err,
                     size_t err_cap);

/* A log or trace to read: the file at *path, or standard input for "-"
 * (`hasim run --trace - X.scn | hasim check -`), then named in *path as
 * compilers name it in messages ("<stdin>"). NULL with errno set when the
 * file cannot be opened. Given back with sim_tr_close_input, which leaves
 * standard input open. */
FILE *sim_tr_open_input(const char **path);
void sim_tr_close_input(FILE *f);

/* The same for a trace in memory; name is what the messages call it. */
int sim_tr_read_mem(const char *name, const char *data, size_t len, sim_tr_sink_fn *sink,
                    void *ctx, char *err, size_t err_cap);

/* Writes s (NULL: "") as a JSON string literal, for the reports that are
 * not traces (run, swarm and merge results). */
void sim_json_str(FILE *f, const char *s);

#endif
