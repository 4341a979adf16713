/* rt_procs.c -- the processes of a real-process run: one host agent per
 * server (its own process group, so a host crash is one kill(-pgid)), reaped
 * by pid; at the end, a shutdown, then SIGKILL by process group and a reap of
 * everything we adopted as subreaper. Never a kill by name. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_center_impl.h"
#include "rt_control.h"

int rt_spawn_agent(rt_center_t *c, uint32_t i)
{
    c_agent_t *ag = &c->agents[i];
    char dir[PATH_MAX], srv_s[16], cap_s[16], zombie_s[4];
    if (snprintf(dir, sizeof(dir), "%s/srv%" PRIu32, c->workdir, i + 1) >= (int)sizeof(dir) ||
        (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
        rt_die_env(c, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(srv_s, sizeof(srv_s), "%" PRIu32, i + 1);
    snprintf(cap_s, sizeof(cap_s), "%" PRIu32, c->scn->capacity);
    snprintf(zombie_s, sizeof(zombie_s), "%d", sim_drv_env(c->drv)->p_zombie ? 1 : 0);
    int sv_fd[2];
    if (rt_socketpair(sv_fd) != 0) {
        rt_die_env(c, "socketpair: %s", strerror(errno));
        return -1;
    }
    int32_t self = (int32_t)getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* Its own process group: a host crash is one kill(-pgid). */
        (void)setpgid(0, 0);
        if (rt_die_with_parent(self) != 0 || dup2(sv_fd[1], RT_FD) < 0)
            _exit(1);
        signal(SIGINT, SIG_IGN); /* the terminal's ^C is for hasim-rt to handle */
        char name[] = "hasim-agent";
        char *args[] = {name, srv_s, dir, c->recorder_path, cap_s, zombie_s, NULL};
        execv(c->agent_path, args);
        _exit(127);
    }
    close(sv_fd[1]);
    if (pid < 0) {
        close(sv_fd[0]);
        rt_die_env(c, "fork: %s", strerror(errno));
        return -1;
    }
    (void)setpgid(pid, pid); /* both sides, whichever runs first */
    rt_nonblock(sv_fd[0]);
    *ag = (c_agent_t){.pid = (int32_t)pid, .fd = sv_fd[0], .alive = true, .heal_due_ms = -1};
    rt_pid_note(c, (int32_t)pid, "agent", i + 1);
    if (c->opts->serve)
        rt_control_host(c, i, (int32_t)pid);
    return 0;
}

static void agent_died(rt_center_t *c, uint32_t s, pid_t pid, int status)
{
    c_agent_t *ag = &c->agents[s];
    ag->alive = false;
    if (rt_control_host_lost(c, s))
        return;
    if (rt_host_up(c, s) && !c->tearing_down) {
        /* A host dying without the scenario's word: the run is void. */
        rt_die_env(c, "host agent %" PRIu32 " (pid %d) died: %s %d", s + 1, (int)pid,
                   WIFSIGNALED(status) ? "signal" : "exit status",
                   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
}

bool rt_reap(rt_center_t *c)
{
    for (int i = 0; i < 100000; i++) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            return errno != ECHILD;
        if (pid == 0)
            return true;
        c->reaped++;
        for (uint32_t s = 0; s < c->servers_n; s++) {
            if (c->agents[s].alive && c->agents[s].pid == (int32_t)pid)
                agent_died(c, s, pid, status);
        }
        /* Else a recorder orphaned by a host crash (we are its subreaper). */
    }
    return true;
}

/* Every agent said hello (its process runs and listens). */
static int hellos_read(rt_center_t *c)
{
    for (uint32_t i = 0; i < c->servers_n; i++) {
        rt_msg_t m;
        int got = rt_recv(c->agents[i].fd, &m);
        if (got == 1 && m.type == RT_M_HELLO)
            c->agents[i].hello = true;
        else if (got < 0) {
            rt_die_env(c, "host agent %" PRIu32 " did not start", i + 1);
            return -1;
        }
    }
    return 0;
}

int rt_await_agents(rt_center_t *c)
{
    int64_t until = rt_now_ms() + RT_HELLO_WAIT_MS;
    struct pollfd *fds = calloc((size_t)c->servers_n + 1, sizeof(*fds));
    if (fds == NULL)
        return 2;
    int rc = 0;
    for (;;) {
        uint32_t hellos = 0;
        for (uint32_t i = 0; i < c->servers_n; i++)
            hellos += c->agents[i].hello;
        if (hellos == c->servers_n)
            break;
        if (rt_now_ms() >= until || c->stop) {
            if (!c->stop)
                rt_die_env(c, "host agents did not start within %d ms", RT_HELLO_WAIT_MS);
            rc = 2;
            break;
        }
        for (uint32_t i = 0; i < c->servers_n; i++)
            fds[i] = (struct pollfd){c->agents[i].fd, POLLIN, 0};
        fds[c->servers_n] = (struct pollfd){c->sig, POLLIN, 0};
        (void)rt_poll(fds, c->servers_n + 1, 100);
        for (int s; (s = rt_sig_next(c->sig)) != 0;) {
            if (s == SIGCHLD) {
                rt_reap(c);
            } else {
                c->stop = true;
                c->stop_signal = s;
            }
        }
        if (hellos_read(c) != 0) {
            rc = 2;
            break;
        }
    }
    free(fds);
    return rc;
}

static void shm_forget(int32_t pid)
{
    char p[64];
    if (pid <= 0)
        return;
    snprintf(p, sizeof(p), "/dev/shm/faketime_shm_%" PRId32, pid);
    (void)unlink(p);
    snprintf(p, sizeof(p), "/dev/shm/sem.faketime_sem_%" PRId32, pid);
    (void)unlink(p);
}

/* Waits up to wait_ms (run clock) while done() is false, reaping. */
static bool wait_reaping(rt_center_t *c, int64_t wait_ms, bool (*done)(rt_center_t *c))
{
    int64_t until = rt_now_ms() + wait_ms;
    while (!done(c)) {
        if (rt_now_ms() >= until)
            return false;
        struct pollfd p = {c->sig, POLLIN, 0};
        (void)rt_poll(&p, 1, 20);
        while (rt_sig_next(c->sig) != 0) {
        }
    }
    return true;
}

static bool agents_gone(rt_center_t *c)
{
    rt_reap(c);
    for (uint32_t i = 0; i < c->servers_n; i++) {
        if (c->agents[i].alive)
            return false;
    }
    return true;
}

static bool all_reaped(rt_center_t *c) { return !rt_reap(c); }

void rt_teardown(rt_center_t *c)
{
    c->tearing_down = true;
    for (uint32_t i = 0; i < c->servers_n; i++) {
        rt_msg_t m = rt_msg(RT_M_SHUTDOWN);
        rt_to_agent(c, i, &m);
    }
    (void)wait_reaping(c, RT_SHUTDOWN_WAIT_MS, agents_gone);
    /* Whatever is left: SIGKILL by process group, never by name. */
    for (uint32_t i = 0; i < c->servers_n; i++) {
        c_agent_t *ag = &c->agents[i];
        if (ag->alive)
            (void)kill(-(pid_t)ag->pid, SIGKILL);
        if (ag->fd >= 0) {
            close(ag->fd);
            ag->fd = -1;
        }
    }
    if (!wait_reaping(c, RT_REAP_WAIT_MS, all_reaped)) {
        fprintf(stderr, "hasim-rt: error: processes of the run would not die\n");
        c->env_failed = true;
    }
    /* libfaketime's shared memory belongs to the process that created it;
     * ours inherit FAKETIME_SHARED and create none, but a killed one must
     * not leave any behind. Only names with our pids. */
    for (uint32_t i = 0; i < c->servers_n; i++) {
        for (sim_drv_rec_t *r = c->drv_ready ? sim_drv_server_recs(c->drv, i) : NULL; r != NULL;
             r = sim_drv_next_on_server(c->drv, r))
            shm_forget(((c_rec_t *)sim_drv_rec_platform(r))->pid);
        shm_forget(c->agents[i].pid);
    }
}

void rt_remove_tree(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[PATH_MAX];
        if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= (int)sizeof(p))
            continue;
        if (unlink(p) != 0 && errno == EISDIR && depth > 0)
            rt_remove_tree(p, depth - 1);
    }
    closedir(d);
    (void)rmdir(dir);
}
