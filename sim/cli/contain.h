/* contain.h -- a piece of work in a child process, so that a crash of the
 * code under test ends the child and not the command.
 *
 * The child runs fn, which writes its result to a memory stream; the bytes
 * reach the parent through a pipe once fn returned, and the child leaves
 * with exit(0) -- not _exit(): a coverage build writes its counters at exit.
 * What the child writes to stderr goes to a temporary file, which the parent
 * copies to its own stderr afterwards and keeps for the crash's message.
 * A child that dies by a signal, that outlives the time bound (SIGALRM), or
 * that leaves without its result is a crash, described in contain_status_t.
 *
 * Without fork (contain_new(false, ...)) fn runs in this process: the same
 * bytes, no protection; for a debugger.
 */
#ifndef SIM_CONTAIN_H
#define SIM_CONTAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct contain contain_t;

/* Writes the work's result to out. */
typedef void contain_fn(void *ctx, FILE *out);

typedef struct {
    bool crashed;
    int signal;          /* the signal that ended the child, 0 none */
    char what[160];      /* "killed by signal 6 (Aborted)", "timed out after 300 s", ... */
    const char *stderr_text; /* what the child wrote to stderr (owned by the contain_t) */
} contain_status_t;

/* timeout_s: each child's bound, 0 none; shared_bytes: a zeroed block that
 * the children write and the parent reads, even after a crash (memory
 * shared across fork). NULL when out of resources. */
contain_t *contain_new(bool fork_each, unsigned timeout_s, size_t shared_bytes);
void *contain_shared(contain_t *c);
void contain_free(contain_t *c);
/* Runs fn(ctx, ...). *result (malloc'd, NUL ended, *len bytes) holds what it
 * wrote, or NULL after a crash. 0, or -1 when no child could be made and
 * the work could not run at all (errno set). */
int contain_call(contain_t *c, contain_fn *fn, void *ctx, char **result, size_t *len,
                 contain_status_t *st);

#endif
