/* ncs_notes.c -- an engineer's timeline made a scenario (ncs_notes.h). */
#include "ncs_notes.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/scn.h"

#define CLOCK_ZERO_UTC_MS 1767225600000LL /* the language's `set clock` 0: 2026-01-01 */
#define SNIFF_BYTES 65536

int ncs_notes_sniff(const char *path)
{
    size_t plen = strlen(path);
    if ((plen >= 5 && strcmp(path + plen - 5, ".json") == 0) ||
        (plen >= 6 && strcmp(path + plen - 6, ".jsonl") == 0))
        return 0; /* named a log: judged as one, whatever is in it */
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    char buf[SNIFF_BYTES];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    bool line_start = true;
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (c == '\n') {
            line_start = true;
        } else if (line_start && c != ' ' && c != '\t' && c != '\r') {
            if (c != '#')
                return c == '{' || c == '[' ? 0 : 1;
            line_start = false; /* a comment: skip to its end */
        }
    }
    return 1;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* YYYY-MM-DDThh:mm:ss[.m[m[m]]]Z at s: the UTC ms and the length, or 0. */
static size_t parse_time(const char *s, size_t n, int64_t *utc_ms)
{
    int y, mo, d, h, mi, se, ms = 0;
    if (n < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
        return 0;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        int k = 0;
        for (i++; i < n && k < 3 && s[i] >= '0' && s[i] <= '9'; i++, k++)
            ms = ms * 10 + (s[i] - '0');
        if (k == 0)
            return 0;
        for (; k < 3; k++)
            ms *= 10;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (i >= n || s[i] != 'Z' || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || se > 59)
        return 0;
    *utc_ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + se * 1000 + ms;
    return i + 1;
}

static void dur(char *buf, size_t cap, int64_t ms)
{
    (void)scn_duration_format(ms < 0 ? 0 : ms, buf, cap);
}

typedef struct {
    const char *path;
    char *err;
    size_t err_cap;
    FILE *out;
    int64_t t0, last;
    uint64_t last_line;
    bool has_time, has_title, has_clock;
    /* per line: where the action starts in the notes and in the scenario */
    uint32_t *col_notes, *col_out;
    uint32_t lines;
} notes_t;

static bool starts_with_word(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n >= k && strncmp(s, w, k) == 0 && (n == k || s[k] == ' ' || s[k] == '\t');
}

/* w occurs in the n bytes at s (not a string: lines are not ended). */
static bool contains(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(s + i, w, k) == 0)
            return true;
    }
    return false;
}

static int one_line(notes_t *t, const char *s, size_t n, uint32_t line)
{
    size_t b = 0;
    while (b < n && (s[b] == ' ' || s[b] == '\t'))
        b++;
    int64_t utc;
    size_t k = b < n && s[b] >= '0' && s[b] <= '9' ? parse_time(s + b, n - b, &utc) : 0;
    if (b < n && s[b] >= '0' && s[b] <= '9' && k == 0) {
        snprintf(t->err, t->err_cap, "%s:%" PRIu32 ":%zu: error: a time is "
                 "YYYY-MM-DDThh:mm:ss[.mmm]Z (UTC), e.g. 2026-11-02T10:00:03.120Z", t->path,
                 line, b + 1);
        return 2;
    }
    if (k == 0) { /* a statement or a comment, as it is */
        t->has_title = t->has_title || starts_with_word(s + b, n - b, "scenario");
        t->has_clock = t->has_clock || (starts_with_word(s + b, n - b, "set") &&
                                        contains(s + b, n - b, "clock"));
        fprintf(t->out, "%.*s\n", (int)n, s);
        return 0;
    }
    if (!t->has_time) {
        t->has_time = true;
        t->t0 = t->last = utc;
    }
    if (utc < t->last) {
        snprintf(t->err, t->err_cap, "%s:%" PRIu32 ":%zu: error: time goes backwards: this "
                 "is before line %" PRIu64 "'s", t->path, line, b + 1, t->last_line);
        return 2;
    }
    t->last = utc;
    t->last_line = line;
    size_t a = b + k;
    while (a < n && (s[a] == ' ' || s[a] == '\t'))
        a++;
    char d[40];
    dur(d, sizeof(d), utc - t->t0);
    fprintf(t->out, "at %s %.*s\n", d, (int)(n - a), s + a);
    if (line < t->lines) {
        t->col_notes[line] = (uint32_t)a + 1;
        t->col_out[line] = (uint32_t)(5 + strlen(d)); /* "at " D " " */
    }
    return 0;
}

/* The scenario parser's "PATH:LINE:COL: error: ..." with COL moved back
 * onto the notes' text. */
static void fix_column(const notes_t *t)
{
    size_t pl = strlen(t->path);
    unsigned long line, col;
    int used = 0;
    if (strncmp(t->err, t->path, pl) != 0 ||
        sscanf(t->err + pl, ":%lu:%lu:%n", &line, &col, &used) != 2 || used == 0 ||
        line >= t->lines || t->col_out[line] == 0)
        return;
    unsigned long fixed = col >= t->col_out[line] ? col - t->col_out[line] + t->col_notes[line]
                                                  : 1;
    char rest[SCN_ERR_SIZE];
    snprintf(rest, sizeof(rest), "%s", t->err + pl + (size_t)used);
    snprintf(t->err, t->err_cap, "%s:%lu:%lu:%s", t->path, line, fixed, rest);
}

static int read_all(const char *path, char **data, size_t *n, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    *data = NULL;
    *n = 0;
    if (f == NULL) {
        snprintf(err, cap, "%s: error: cannot read: %s", path, strerror(errno));
        return 2;
    }
    *data = malloc(NCS_NOTES_MAX + 1);
    if (*data != NULL)
        *n = fread(*data, 1, NCS_NOTES_MAX + 1, f);
    fclose(f);
    if (*data == NULL || *n > NCS_NOTES_MAX) {
        snprintf(err, cap, "%s: error: %s", path,
                 *data == NULL ? "out of memory" : "notes larger than 4 MiB");
        return 2;
    }
    return 0;
}

static int convert(notes_t *t, const char *data, size_t n)
{
    uint32_t line = 0;
    for (size_t at = 0; at < n;) {
        const char *nl = memchr(data + at, '\n', n - at);
        size_t end = nl ? (size_t)(nl - data) : n;
        size_t len = end - at;
        if (len > 0 && data[end - 1] == '\r')
            len--;
        if (one_line(t, data + at, len, ++line) != 0)
            return 2;
        at = end + 1;
    }
    if (!t->has_time) {
        snprintf(t->err, t->err_cap, "%s:1:1: error: no timed event (a line like "
                 "2026-11-02T10:00:03.120Z kill)", t->path);
        return 2;
    }
    if (!t->has_title) {
        const char *b = strrchr(t->path, '/');
        fprintf(t->out, "scenario \"notes: %.100s\"\n", b ? b + 1 : t->path);
    }
    if (!t->has_clock && t->t0 >= CLOCK_ZERO_UTC_MS) {
        char d[40];
        dur(d, sizeof(d), t->t0 - CLOCK_ZERO_UTC_MS);
        fprintf(t->out, "set clock %s\n", d);
    }
    return 0;
}

int ncs_notes_import_mem(const char *path, const char *data, size_t n, char **text,
                         size_t *len, char *err, size_t err_cap)
{
    *text = NULL;
    *len = 0;
    if (n > NCS_NOTES_MAX) {
        snprintf(err, err_cap, "%s: error: notes larger than 4 MiB", path);
        return 2;
    }
    notes_t t = {.path = path, .err = err, .err_cap = err_cap};
    for (size_t i = 0; i < n; i++)
        t.lines += data[i] == '\n';
    t.lines += 2;
    t.col_notes = calloc(t.lines, sizeof(uint32_t));
    t.col_out = calloc(t.lines, sizeof(uint32_t));
    t.out = open_memstream(text, len);
    int rc = t.col_notes == NULL || t.col_out == NULL || t.out == NULL ? 2 : convert(&t, data, n);
    if (t.out != NULL && fclose(t.out) != 0)
        rc = 2;
    if (rc == 0) {
        scn_t *scn = scn_new();
        if (scn == NULL || scn_parse(scn, *text, *len, path, err, err_cap) != 0) {
            if (scn == NULL)
                snprintf(err, err_cap, "%s: error: out of memory", path);
            fix_column(&t);
            rc = 2;
        }
        scn_free(scn);
    }
    free(t.col_notes);
    free(t.col_out);
    return rc;
}

int ncs_notes_import(const char *path, char **text, size_t *len, char *err, size_t err_cap)
{
    char *data;
    size_t n;
    *text = NULL;
    *len = 0;
    int rc = read_all(path, &data, &n, err, err_cap);
    if (rc == 0)
        rc = ncs_notes_import_mem(path, data, n, text, len, err, err_cap);
    free(data);
    return rc;
}
