/* bb_proc.c -- a fault command's process (bb_proc.h). */
#define _DEFAULT_SOURCE
#include "bb_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

bool bb_proc_start(bb_proc_t *p, const char *cmd, int64_t now_ms, int64_t timeout_ms, char *err,
                   size_t cap)
{
    memset(p, 0, sizeof(*p));
    p->out_fd = p->err_fd = -1;
    int o[2], e[2];
    if (pipe(o) != 0) {
        snprintf(err, cap, "pipe: %s", strerror(errno));
        return false;
    }
    if (pipe(e) != 0) {
        snprintf(err, cap, "pipe: %s", strerror(errno));
        close(o[0]);
        close(o[1]);
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        (void)setpgid(0, 0); /* its own group: a time-out kills all it started */
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(o[1], 1);
        dup2(e[1], 2);
        for (int fd = 3; fd < 1024; fd++)
            (void)close(fd);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(o[1]);
    close(e[1]);
    if (pid < 0) {
        snprintf(err, cap, "fork: %s", strerror(errno));
        close(o[0]);
        close(e[0]);
        return false;
    }
    (void)setpgid(pid, pid); /* both sides, whichever runs first */
    p->pid = pid;
    p->out_fd = o[0];
    p->err_fd = e[0];
    fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
    p->deadline_ms = now_ms + timeout_ms;
    return true;
}

int bb_proc_fds(const bb_proc_t *p, struct pollfd *fds)
{
    int n = 0;
    if (p->pid != 0 && p->out_fd >= 0)
        fds[n++] = (struct pollfd){p->out_fd, POLLIN, 0};
    if (p->pid != 0 && p->err_fd >= 0)
        fds[n++] = (struct pollfd){p->err_fd, POLLIN, 0};
    return n;
}

/* What is there to read; the output beyond BB_PROC_OUT_MAX is read and
 * dropped (the first line of stdout and the last of stderr are what count). */
static void drain(int *fd, char *buf, size_t *n, bool keep_last)
{
    char tmp[1024];
    for (int i = 0; *fd >= 0 && i < 64; i++) {
        ssize_t k = read(*fd, tmp, sizeof(tmp));
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (k <= 0) {
            close_fd(fd);
            return;
        }
        size_t room = BB_PROC_OUT_MAX - 1 - *n;
        if (keep_last && (size_t)k > room) {
            /* keep the tail: shift out the oldest bytes */
            size_t drop = (size_t)k - room < *n ? (size_t)k - room : *n;
            memmove(buf, buf + drop, *n - drop);
            *n -= drop;
            room = BB_PROC_OUT_MAX - 1 - *n;
        }
        size_t take = (size_t)k < room ? (size_t)k : room;
        memcpy(buf + *n, keep_last ? tmp + (size_t)k - take : tmp, take);
        *n += take;
        buf[*n] = '\0';
    }
}

bool bb_proc_step(bb_proc_t *p, int64_t now_ms)
{
    if (p->pid == 0)
        return p->done;
    drain(&p->out_fd, p->out, &p->out_n, false);
    drain(&p->err_fd, p->err, &p->err_n, true);
    int st;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == 0 && now_ms >= p->deadline_ms) {
        (void)kill(-p->pid, SIGKILL);
        (void)kill(p->pid, SIGKILL);
        r = waitpid(p->pid, &st, 0);
        p->timed_out = true;
    }
    if (r != p->pid)
        return false;
    /* The group may hold what the shell left behind: not ours to wait for,
     * but not to outlive the fault either. */
    (void)kill(-p->pid, SIGKILL);
    drain(&p->out_fd, p->out, &p->out_n, false);
    drain(&p->err_fd, p->err, &p->err_n, true);
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
    p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    p->pid = 0;
    p->done = true;
    return true;
}

const char *bb_proc_first_line(bb_proc_t *p)
{
    p->out[strcspn(p->out, "\n")] = '\0';
    size_t n = strlen(p->out);
    while (n > 0 && (p->out[n - 1] == ' ' || p->out[n - 1] == '\t' || p->out[n - 1] == '\r'))
        p->out[--n] = '\0';
    return p->out;
}

const char *bb_proc_last_err(bb_proc_t *p)
{
    size_t n = p->err_n;
    while (n > 0 && (p->err[n - 1] == '\n' || p->err[n - 1] == '\r'))
        p->err[--n] = '\0';
    const char *nl = strrchr(p->err, '\n');
    return nl != NULL ? nl + 1 : p->err;
}

void bb_proc_abort(bb_proc_t *p)
{
    if (p->pid != 0) {
        (void)kill(-p->pid, SIGKILL);
        (void)kill(p->pid, SIGKILL);
        (void)waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
}
