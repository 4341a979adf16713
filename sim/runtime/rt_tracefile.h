/* rt_tracefile.h -- a trace file that appears whole or not at all. */
#ifndef RT_TRACEFILE_H
#define RT_TRACEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Opens PATH.tmp-XXXXXX for writing (its name in tmp, noted in the run
 * record). NULL with errno set. */
FILE *rt_trace_open(const char *path, char *tmp, size_t cap);
/* Closes f; when keep (and the close went well) renames tmp to path, else
 * removes tmp. 0, or -1 after a message (nothing at path changed). */
int rt_trace_commit(FILE *f, const char *tmp, const char *path, bool keep);

#endif
