/* rt_control.c -- pid files and session files for fault commands from
 * outside (rt_control.h). Small files rather than a socket: a shell line in
 * a FAULTS.conf reads them with cat and sed, as an operator's script reads
 * a systemd PIDFile, and nothing in the center's loop waits for a reader.
 */
#define _DEFAULT_SOURCE
#include "rt_control.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CTL_LINE_MAX 256

/* The world's events from outside: the FIFO, and the one event being given
 * to the driver (a join or leave goes to every session of its channel, one
 * after the other: a leave may wait for the recorders). */
struct rt_ctl {
    int fd, keep_fd; /* read end; a write end of our own, so no EOF */
    char buf[CTL_LINE_MAX];
    size_t len;
    bool busy;
    scn_action_t act;
    char cname[HA_CNAME_MAX + 1];
    uint32_t next; /* the next driver session to look at */
};

static bool control_path(const rt_center_t *c, char *out, size_t cap, const char *prefix,
                         const char *name, const char *suffix)
{
    return snprintf(out, cap, "%s/control/%s%s%s", c->workdir, prefix, name, suffix) < (int)cap;
}

/* Writes text to path through path.tmp and a rename. */
static void write_whole(rt_center_t *c, const char *path, const char *text)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0 || rename(tmp, path) != 0) {
        if (!c->control_warned)
            fprintf(stderr, "hasim-rt: warning: cannot write %s: %s\n", path, strerror(errno));
        c->control_warned = true;
    }
}

int rt_control_init(rt_center_t *c)
{
    char dir[PATH_MAX], fifo[PATH_MAX + 8];
    if (snprintf(dir, sizeof(dir), "%s/control", c->workdir) >= (int)sizeof(dir) ||
        (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
        fprintf(stderr, "%s: error: cannot create: %s\n", dir, strerror(errno));
        return 2;
    }
    snprintf(fifo, sizeof(fifo), "%s/world", dir);
    c->ctl = calloc(1, sizeof(*c->ctl));
    if (c->ctl == NULL || ((unlink(fifo) != 0 && errno != ENOENT) || mkfifo(fifo, 0600) != 0) ||
        (c->ctl->fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
        (c->ctl->keep_fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        fprintf(stderr, "%s: error: cannot make the world FIFO: %s\n", fifo, strerror(errno));
        return 2;
    }
    return 0;
}

int rt_control_world_fd(const rt_center_t *c)
{
    /* not while an event is being given: what waits in the FIFO would
     * wake the loop at once, over and over */
    return c->ctl != NULL && !c->ctl->busy ? c->ctl->fd : -1;
}

void rt_control_free(rt_center_t *c)
{
    if (c->ctl == NULL)
        return;
    close(c->ctl->fd);
    close(c->ctl->keep_fd);
    free(c->ctl);
    c->ctl = NULL;
}

/* One line: an event to give the driver, or false after a message. */
static bool ctl_parse(struct rt_ctl *t, const char *line)
{
    char word[32], cname[HA_CNAME_MAX + 2];
    unsigned long n = 0;
    long long step = 0;
    int end = 0;
    memset(&t->act, 0, sizeof(t->act));
    t->cname[0] = '\0';
    if (sscanf(line, "provision-fail %lu", &n) == 1 && n >= 1 && n <= SCN_PROVISION_FAIL_MAX) {
        t->act.kind = SCN_ACT_PROVISION_FAIL;
        t->act.count = (uint32_t)n;
        return true;
    }
    if (sscanf(line, "step-clock %lld%n", &step, &end) == 1 && line[end] == '\0' && step != 0 &&
        step >= -SCN_STEP_CLOCK_MS_MAX && step <= SCN_STEP_CLOCK_MS_MAX) {
        t->act.kind = SCN_ACT_STEP_CLOCK;
        t->act.step_ms = step;
        return true;
    }
    if (sscanf(line, "%31s %65s %lu", word, cname, &n) == 3 && n >= 1 && n <= UINT32_MAX &&
        strlen(cname) <= HA_CNAME_MAX && (strcmp(word, "join") == 0 || strcmp(word, "leave") == 0)) {
        t->act.kind = strcmp(word, "join") == 0 ? SCN_ACT_JOIN : SCN_ACT_LEAVE;
        t->act.uid = (uint32_t)n;
        snprintf(t->cname, sizeof(t->cname), "%s", cname);
        t->next = 0;
        return true;
    }
    fprintf(stderr, "hasim-rt: warning: control/world: '%s' is not \"join CNAME UID\", "
                    "\"leave CNAME UID\", \"provision-fail N\" or \"step-clock MS\" (MS signed, "
                    "not 0, within %d): dropped\n", line, SCN_STEP_CLOCK_MS_MAX);
    return false;
}

/* Reads a line when no event is being given (the rest waits in the FIFO). */
void rt_control_world_read(rt_center_t *c)
{
    struct rt_ctl *t = c->ctl;
    for (int i = 0; t != NULL && !t->busy && i < 64; i++) {
        char *nl = memchr(t->buf, '\n', t->len);
        if (nl == NULL) {
            if (t->len == sizeof(t->buf))
                t->len = 0; /* a line longer than any event: dropped */
            ssize_t k = read(t->fd, t->buf + t->len, sizeof(t->buf) - t->len);
            if (k <= 0)
                return;
            t->len += (size_t)k;
            continue;
        }
        *nl = '\0';
        t->busy = ctl_parse(t, t->buf);
        t->len -= (size_t)(nl + 1 - t->buf);
        memmove(t->buf, nl + 1, t->len);
    }
}

bool rt_control_world_due(rt_center_t *c)
{
    struct rt_ctl *t = c->ctl;
    if (t == NULL || !t->busy)
        return true;
    t->act.at_ms = rt_run_now(c);
    if (t->act.kind == SCN_ACT_PROVISION_FAIL || t->act.kind == SCN_ACT_STEP_CLOCK) {
        /* the deployment's, whatever the sessions */
        (void)sim_drv_act(c->drv, &t->act);
        t->busy = false;
        return true;
    }
    for (; t->next < sim_drv_sessions(c->drv); t->next++) {
        const sim_drv_session_t *s = sim_drv_session(c->drv, t->next);
        bool in = t->next < c->scn->sessions || s->used;
        if (!in || strcmp(s->cname, t->cname) != 0)
            continue;
        t->act.session = t->next + 1;
        if (!sim_drv_act(c->drv, &t->act))
            return false; /* the same action again, once the leave is done */
    }
    t->busy = false;
    rt_control_world_read(c); /* the next event may wait in the buffer */
    return true;
}

void rt_control_host(rt_center_t *c, uint32_t server, int32_t pid)
{
    char name[16], path[PATH_MAX], text[32];
    snprintf(name, sizeof(name), "%" PRIu32, server + 1);
    if (!control_path(c, path, sizeof(path), "host-", name, ".pid"))
        return;
    snprintf(text, sizeof(text), "%" PRId32 "\n", pid);
    write_whole(c, path, text);
}

void rt_control_recorder(rt_center_t *c, uint32_t id, int32_t pid)
{
    char name[16], path[PATH_MAX], text[160];
    snprintf(name, sizeof(name), "%" PRIu32, id);
    if (control_path(c, path, sizeof(path), "rec-", name, ".pid")) {
        snprintf(text, sizeof(text), "%" PRId32 "\n", pid);
        write_whole(c, path, text);
    }
    sim_drv_rec_t *r = c->drv_ready ? sim_drv_rec(c->drv, id) : NULL;
    if (r == NULL)
        return;
    const sim_drv_session_t *s = sim_drv_session(c->drv, r->session);
    if (s->newest_rec != id || s->sid[0] == '\0' ||
        !control_path(c, path, sizeof(path), "session-", s->sid, ""))
        return;
    snprintf(text, sizeof(text),
             "recorder %" PRIu32 "\npid %" PRId32 "\nserver %" PRIu32 "\nhost_pid %" PRId32 "\n",
             id, pid, r->server + 1, c->agents[r->server].pid);
    write_whole(c, path, text);
}

bool rt_control_host_lost(rt_center_t *c, uint32_t server)
{
    if (!c->opts->serve || !c->drv_ready || c->tearing_down)
        return false;
    if (rt_host_up(c, server)) {
        scn_action_t crash = {.at_ms = rt_run_now(c), .kind = SCN_ACT_CRASH_HOST,
                              .host = server + 1};
        (void)sim_drv_act(c->drv, &crash);
    }
    return true;
}
