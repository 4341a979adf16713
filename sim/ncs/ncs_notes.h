/* ncs_notes.h -- an incident known only from an engineer's notes: one
 * timestamped event a line, made a scenario.
 *
 *   # what the ticket says
 *   mode composite
 *   channel room1 users 1001
 *   2026-11-02T10:00:00.000Z start
 *   2026-11-02T10:00:03.120Z kill
 *   2026-11-02T10:05:00Z     stop
 *   expect activations 1
 *
 * A line that starts with a time (ISO 8601, UTC, `Z`, milliseconds
 * optional) is an action of the scenario language at that time; any other
 * line is a statement of the language, kept as it is. Times are made
 * offsets from the first, and `set clock` the first's date (when the notes
 * do not set it). Each line of the notes stays on its line of the scenario,
 * so an error the scenario parser finds is reported at the notes' line,
 * and the column is moved back onto the notes' text. */
#ifndef SIM_NCS_NOTES_H
#define SIM_NCS_NOTES_H

#include <stddef.h>

#define NCS_NOTES_MAX (4u << 20) /* bytes of notes taken */

/* 0 a callback log (named *.json or *.jsonl, or its first line of content
 * starts with '{' or '['), 1 notes,
 * -1 the file cannot be read (errno). */
int ncs_notes_sniff(const char *path);

/* The scenario of the notes at path into *text (malloc'd, *len bytes),
 * checked by the scenario parser. 0, or 2 with err set
 * ("NOTES:LINE:COL: error: ..."). */
int ncs_notes_import(const char *path, char **text, size_t *len, char *err, size_t err_cap);

/* The same from memory (data, n bytes), named path in messages. */
int ncs_notes_import_mem(const char *path, const char *data, size_t n, char **text,
                         size_t *len, char *err, size_t err_cap);

#endif
