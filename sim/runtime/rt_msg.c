/* rt_msg.c -- the wire, the clock, the bounded poll and the self-pipe that
 * all three programs of the runtime share. */
#define _DEFAULT_SOURCE
#include "rt_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

rt_msg_t rt_msg(rt_msg_type_t type)
{
    rt_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = (uint32_t)type;
    m.bak = -1;
    return m;
}

const char *rt_msg_name(uint32_t type)
{
    static const char *const names[RT_M_COUNT] = {
        [RT_M_NONE] = "none",         [RT_M_START] = "start",
        [RT_M_RESUME] = "resume",     [RT_M_STOP] = "stop",
        [RT_M_GO] = "go",             [RT_M_PARTITION] = "partition",
        [RT_M_HEAL] = "heal",         [RT_M_KILL] = "kill",
        [RT_M_USER] = "user",         [RT_M_SHUTDOWN] = "shutdown",
        [RT_M_HEARTBEAT] = "heartbeat", [RT_M_EXIT_REPORT] = "exit_report",
        [RT_M_READY] = "ready",       [RT_M_FAILED] = "failed",
        [RT_M_EXITED] = "exited",     [RT_M_SLICE] = "slice",
        [RT_M_HELLO] = "hello",       [RT_M_SPAWNED] = "spawned",
        [RT_M_KILLED] = "killed",     [RT_M_LOST] = "lost",
        [RT_M_PARTITIONED] = "partitioned", [RT_M_HEALED] = "healed",
        [RT_M_USER_DONE] = "user_done",
        [RT_M_PAUSE] = "pause",       [RT_M_UNPAUSE] = "unpause",
        [RT_M_ZOMBIE] = "zombie",     [RT_M_STREAM] = "stream",
        [RT_M_STREAM_END] = "stream_end",
    };
    return type < RT_M_COUNT ? names[type] : "?";
}

int rt_send(int fd, const rt_msg_t *m)
{
    for (;;) {
        ssize_t n = send(fd, m, sizeof(*m), MSG_NOSIGNAL);
        if (n == (ssize_t)sizeof(*m))
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* The peer is slow to read: wait for room, boundedly. */
            struct pollfd p = {fd, POLLOUT, 0};
            if (rt_poll(&p, 1, RT_POLL_MAX_MS) <= 0)
                return -1;
            continue;
        }
        return -1;
    }
}

int rt_recv(int fd, rt_msg_t *m)
{
    for (;;) {
        ssize_t n = recv(fd, m, sizeof(*m), MSG_DONTWAIT);
        if (n == (ssize_t)sizeof(*m)) {
            if (m->type == RT_M_NONE || m->type >= RT_M_COUNT || m->users_count > RT_USERS_MAX ||
                m->follow > RT_FOLLOW_MAX) {
                errno = EPROTO;
                return -1;
            }
            return 1;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n > 0)
            errno = EPROTO; /* a packet of the wrong size: not ours */
        return -1;
    }
}

int rt_recv_wait(int fd, rt_msg_t *m, int64_t wait_ms)
{
    int64_t until = rt_now_ms() + wait_ms;
    for (;;) {
        int r = rt_recv(fd, m);
        if (r != 0)
            return r;
        int64_t left = until - rt_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, POLLIN, 0};
        (void)rt_poll(&p, 1, left);
    }
}

void rt_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

void rt_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int rt_socketpair(int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
        return -1;
    rt_cloexec(sv[0]);
    rt_cloexec(sv[1]);
    return 0;
}

int64_t rt_now_ms(void)
{
    struct timespec ts;
    /* Every deadline and schedule: a clock no wall-clock step moves (see
     * the top of rt_proto.h). */
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t rt_wall_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rt_poll(struct pollfd *fds, nfds_t n, int64_t wait_ms)
{
    if (wait_ms > RT_POLL_MAX_MS)
        wait_ms = RT_POLL_MAX_MS;
    if (wait_ms < RT_POLL_MIN_MS)
        wait_ms = RT_POLL_MIN_MS;
    int r = poll(fds, n, (int)wait_ms);
    if (r < 0 && errno == EINTR)
        return 0;
    return r;
}

static int sig_pipe_w = -1;

static void sig_handler(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    (void)!write(sig_pipe_w, &b, 1);
    errno = saved;
}

int rt_sig_init(const int *sigs, size_t n)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    rt_cloexec(p[0]);
    rt_cloexec(p[1]);
    rt_nonblock(p[0]);
    rt_nonblock(p[1]);
    sig_pipe_w = p[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sig_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < n; i++) {
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    return p[0];
}

int rt_sig_next(int fd)
{
    unsigned char b;
    for (;;) {
        ssize_t r = read(fd, &b, 1);
        if (r == 1)
            return b;
        if (r < 0 && errno == EINTR)
            continue;
        return 0;
    }
}

void rt_become_subreaper(void)
{
#ifdef PR_SET_CHILD_SUBREAPER
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
}

int rt_die_with_parent(int32_t parent_pid)
{
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    return getppid() == (pid_t)parent_pid ? 0 : -1;
}

int rt_self_dir(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1)
        return -1;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    return 0;
}
