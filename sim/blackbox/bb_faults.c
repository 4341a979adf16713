/* bb_faults.c -- reading FAULTS.conf and filling in its placeholders
 * (bb_faults.h has the format). */
#include "bb_faults.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lang/scn.h"

static const char *const FAULT_KEYS[BB_F_COUNT] = {
    "kill", "disconnect", "heal", "crash-host", "step-clock", "provision-fail", "join", "leave",
};

const char *bb_fault_name(bb_fault_t f)
{
    return f < BB_F_COUNT ? FAULT_KEYS[f] : "?";
}

/* Placeholders, and the keys that have each (a bit per bb_fault_t). */
#define SESSION_KEYS                                                                           \
    ((1u << BB_F_KILL) | (1u << BB_F_DISCONNECT) | (1u << BB_F_HEAL) | (1u << BB_F_JOIN) |     \
     (1u << BB_F_LEAVE))
static const struct {
    const char *name;
    unsigned keys;
} PLACEHOLDERS[] = {
    {"sid", SESSION_KEYS},
    {"cname", SESSION_KEYS},
    {"uid", SESSION_KEYS},
    {"mode", SESSION_KEYS},
    {"rid", SESSION_KEYS},
    {"cut", 1u << BB_F_HEAL},
    {"server", 1u << BB_F_CRASH_HOST},
    {"user", (1u << BB_F_JOIN) | (1u << BB_F_LEAVE)},
    {"count", 1u << BB_F_PROVISION_FAIL},
    {"step_ms", 1u << BB_F_STEP_CLOCK},
};
#define PLACEHOLDERS_N (sizeof(PLACEHOLDERS) / sizeof(PLACEHOLDERS[0]))

int bb_error_at(char *err, size_t cap, const char *path, int line, size_t col, const char *fmt,
                ...)
{
    int n = snprintf(err, cap, "%s:%d:%zu: error: ", path, line, col);
    if (n >= 0 && (size_t)n < cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return 2;
}

/* The placeholder at text (just after its `{`): its index, or -1; *len is
 * its name's length when a `}` closes it. */
static int placeholder_at(const char *text, size_t avail, size_t *len)
{
    const char *close = memchr(text, '}', avail);
    *len = close != NULL ? (size_t)(close - text) : 0;
    for (size_t i = 0; close != NULL && i < PLACEHOLDERS_N; i++) {
        if (strlen(PLACEHOLDERS[i].name) == *len && memcmp(PLACEHOLDERS[i].name, text, *len) == 0)
            return (int)i;
    }
    return -1;
}

/* Every `{` of a command (but the shell's `${`) opens a placeholder of its key. */
static int check_command(const char *path, int line, size_t col0, bb_fault_t key, const char *cmd,
                         char *err, size_t cap)
{
    size_t n = strlen(cmd);
    for (size_t i = 0; i < n; i++) {
        if (cmd[i] != '{' || (i > 0 && cmd[i - 1] == '$'))
            continue;
        size_t len;
        int ph = placeholder_at(cmd + i + 1, n - i - 1, &len);
        if (ph < 0)
            return bb_error_at(err, cap, path, line, col0 + i,
                        "unknown placeholder '{%.*s}' (write ${...} for the shell's)",
                        len > 0 && len < 40 ? (int)len : 0, cmd + i + 1);
        if (!(PLACEHOLDERS[ph].keys & (1u << key)))
            return bb_error_at(err, cap, path, line, col0 + i, "'%s' has no placeholder {%s}",
                        FAULT_KEYS[key], PLACEHOLDERS[ph].name);
        i += len + 1;
    }
    return 0;
}

static int setting(bb_faults_t *f, const char *key, const char *val, size_t vlen, int line,
                   size_t vcol, char *err, size_t cap)
{
    if (strcmp(key, "timeout") == 0) {
        char why[200];
        int64_t ms;
        if (scn_duration_parse(val, vlen, &ms, why, sizeof(why)) != 0)
            return bb_error_at(err, cap, f->path, line, vcol, "%s", why);
        if (ms < 1 || ms > BB_TIMEOUT_MS_MAX)
            return bb_error_at(err, cap, f->path, line, vcol, "a timeout is 1ms..1h");
        f->timeout_ms = ms;
        return 0;
    }
    if (vlen == 8 && memcmp(val, "scenario", 8) == 0)
        f->world_scenario = true;
    else if (vlen == 10 && memcmp(val, "deployment", 10) == 0)
        f->world_scenario = false;
    else
        return bb_error_at(err, cap, f->path, line, vcol, "world is 'scenario' or 'deployment'");
    return 0;
}

/* One line (no newline): blank, a comment, or KEY VALUE. */
static int parse_line(bb_faults_t *f, const char *s, size_t n, int line, char *err, size_t cap)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
            return bb_error_at(err, cap, f->path, line, i + 1, "a control character");
    }
    size_t i = strspn(s, " \t");
    if (i >= n || s[i] == '#')
        return 0;
    size_t k = i;
    while (k < n && s[k] != ' ' && s[k] != '\t')
        k++;
    char key[32];
    if (k - i >= sizeof(key))
        return bb_error_at(err, cap, f->path, line, i + 1, "unknown key '%.*s'", 31, s + i);
    memcpy(key, s + i, k - i);
    key[k - i] = '\0';
    size_t v = k + strspn(s + k, " \t");
    size_t vend = n;
    while (vend > v && (s[vend - 1] == ' ' || s[vend - 1] == '\t'))
        vend--;
    if (v >= vend)
        return bb_error_at(err, cap, f->path, line, k + 1, "'%s' needs a value", key);
    if (strcmp(key, "timeout") == 0 || strcmp(key, "world") == 0)
        return setting(f, key, s + v, vend - v, line, v + 1, err, cap);
    for (int q = 0; q < BB_F_COUNT; q++) {
        if (strcmp(key, FAULT_KEYS[q]) != 0)
            continue;
        bb_command_t *c = &f->cmds[q];
        if (c->set)
            return bb_error_at(err, cap, f->path, line, i + 1, "'%s' is set twice (line %d)", key,
                        c->line);
        if (vend - v >= sizeof(c->cmd))
            return bb_error_at(err, cap, f->path, line, v + 1, "a command longer than %d bytes",
                        BB_CMD_MAX - 1);
        memcpy(c->cmd, s + v, vend - v);
        c->cmd[vend - v] = '\0';
        c->set = true;
        c->line = line;
        return check_command(f->path, line, v + 1, (bb_fault_t)q, c->cmd, err, cap);
    }
    return bb_error_at(err, cap, f->path, line, i + 1,
                "unknown key '%s' (kill, disconnect, heal, crash-host, step-clock, "
                "provision-fail, join, leave, timeout, world)", key);
}

int bb_faults_parse(bb_faults_t *f, const char *path, const char *text, size_t len, char *err,
                    size_t cap)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "%s", path != NULL ? path : "<faults>");
    f->timeout_ms = BB_TIMEOUT_MS_DEFAULT;
    if (len > BB_FAULTS_FILE_MAX)
        return bb_error_at(err, cap, f->path, 1, 1, "more than %d bytes", BB_FAULTS_FILE_MAX);
    if (memchr(text, '\0', len) != NULL)
        return bb_error_at(err, cap, f->path, 1, 1, "a NUL byte");
    int line = 0;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        size_t n = end - at;
        if (n > 0 && text[at + n - 1] == '\r')
            n--;
        char buf[BB_CMD_MAX + 64];
        line++;
        if (n >= sizeof(buf))
            return bb_error_at(err, cap, f->path, line, 1, "a line longer than %zu bytes",
                        sizeof(buf) - 1);
        memcpy(buf, text + at, n);
        buf[n] = '\0';
        int rc = parse_line(f, buf, n, line, err, cap);
        if (rc != 0)
            return rc;
        at = end + 1;
    }
    if (f->cmds[BB_F_DISCONNECT].set != f->cmds[BB_F_HEAL].set) {
        bb_fault_t has = f->cmds[BB_F_HEAL].set ? BB_F_HEAL : BB_F_DISCONNECT;
        return bb_error_at(err, cap, f->path, f->cmds[has].line, 1,
                    "'disconnect' and 'heal' go together: a cut link must be healed");
    }
    return 0;
}

int bb_faults_load(bb_faults_t *f, const char *path, char *err, size_t cap)
{
    static char text[BB_FAULTS_FILE_MAX + 1];
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        snprintf(err, cap, "%s: error: cannot read: %s", path, strerror(errno));
        return 2;
    }
    size_t n = fread(text, 1, sizeof(text), in);
    bool bad = ferror(in) != 0;
    fclose(in);
    if (bad) {
        snprintf(err, cap, "%s: error: cannot read", path);
        return 2;
    }
    return bb_faults_parse(f, path, text, n, err, cap);
}

static const char *value_of(const bb_values_t *v, int ph)
{
    const char *const vals[PLACEHOLDERS_N] = {v->sid, v->cname, v->uid,  v->mode,  v->rid,
                                              v->cut, v->server, v->user, v->count, v->step_ms};
    return vals[ph];
}

bool bb_expand(const char *cmd, const bb_values_t *v, char *out, size_t cap)
{
    size_t o = 0, n = strlen(cmd);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        int ph = cmd[i] == '{' && (i == 0 || cmd[i - 1] != '$')
                     ? placeholder_at(cmd + i + 1, n - i - 1, &len)
                     : -1;
        if (ph < 0) {
            if (o + 1 >= cap)
                return false;
            out[o++] = cmd[i];
            continue;
        }
        const char *val = value_of(v, ph);
        if (val == NULL)
            return false;
        /* 'value', with each ' written '\'' */
        if (o + 1 >= cap)
            return false;
        out[o++] = '\'';
        for (const char *p = val; *p != '\0'; p++) {
            const char *piece = *p == '\'' ? "'\\''" : NULL;
            size_t pl = piece != NULL ? 4 : 1;
            if (o + pl + 2 >= cap)
                return false;
            memcpy(out + o, piece != NULL ? piece : p, pl);
            o += pl;
        }
        out[o++] = '\'';
        i += len + 1;
    }
    if (o >= cap)
        return false;
    out[o] = '\0';
    return true;
}
