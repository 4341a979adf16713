/* rt_control.c -- pid files and session files for fault commands from
 * outside (rt_control.h). Small files rather than a socket: a shell line in
 * a FAULTS.conf reads them with cat and sed, as an operator's script reads
 * a systemd PIDFile, and nothing in the center's loop waits for a reader.
 */
#define _DEFAULT_SOURCE
#include "rt_control.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof(dir), "%s/control", c->workdir) >= (int)sizeof(dir) ||
        (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
        fprintf(stderr, "%s: error: cannot create: %s\n", dir, strerror(errno));
        return 2;
    }
    return 0;
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
