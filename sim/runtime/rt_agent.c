/* rt_agent.c -- hasim-agent: the host agent of one simulated server.
 *
 *   hasim-agent SERVER DIR RECORDER_PROGRAM CAPACITY ZOMBIE   (socket on fd 3)
 *
 * What a host agent does on a real server: it heartbeats to the fault
 * processing center every SIM_HEARTBEAT_INTERVAL_MS (on a grid from the
 * run's start), starts recorder processes when the center says so
 * (fork/exec of hasim-recorder, in the agent's process group, each with a
 * socket on fd 3), forwards their reports, and tells the center when one of
 * them exited without saying so (waitpid): the exit report that lets the
 * center detect a kill.
 *
 * The chaos test's hand is here too, because the agent is where the effects
 * are real. A "network partition" of the server is the agent dropping every
 * network message to and from the center (and pausing its recorders, which
 * then get no media); exit reports wait for the link. A kill is a real
 * SIGKILL by pid. A host crash is the center's SIGKILL of this process group.
 *
 * The agent follows each recorder's streams (it sees them begin and every
 * slice uploaded), so when a fault cuts a slice short it can say which:
 * RT_M_LOST, for the trace.
 *
 * Exit: on RT_M_SHUTDOWN or when the center's socket closes, it SIGKILLs its
 * recorders by pid, reaps them and exits 0. If the agent itself dies, its
 * recorders get SIGKILL from the kernel (PR_SET_PDEATHSIG).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ha.h"
#include "rt_proto.h"
#include "drive/env.h"

#define AGENT_RECS_MIN 16
#define AGENT_RECS_MAX 4096

typedef struct {
    uint32_t uid;
    uint8_t track, fmt;
    bool active;
    int64_t start_ms;   /* UTC: the slice's name (the recorder's wall clock) */
    int64_t start_mono; /* rt_now_ms(): how long it has run when a fault cuts it */
} astream_t;

typedef struct {
    bool used;
    uint32_t rec, session;
    pid_t pid;          /* > 0 until reaped */
    int fd;             /* -1 once closed */
    bool quiet;         /* its exit needs no report: stopped, failed or exited */
    bool killed;        /* by the chaos test */
    bool report_due;    /* an exit report waits for its time and the link */
    int64_t report_at_ms;
    bool owes_leave;    /* has not yet answered the pending leave */
    astream_t streams[RT_STREAMS_MAX];
} arec_t;

static struct {
    uint32_t server;
    char dir[PATH_MAX];
    char recorder[PATH_MAX];
    bool zombie;
    pid_t self;
    int center, sig;
    bool go, link_up;
    int64_t t0_ms, next_hb_ms;
    arec_t *recs;
    uint32_t recs_cap;
    /* The one leave in progress (the center sends the next only after
     * this one is answered): its number and the recorders yet to answer. */
    bool leave_pending;
    int64_t leave_seq;
    uint32_t leave_remaining;
} A;

static void agent_exit(int status);

static void to_center(rt_msg_t *m)
{
    m->server = A.server;
    if (rt_send(A.center, m) != 0)
        agent_exit(0); /* the center is gone */
}

static arec_t *rec_find(uint32_t rec)
{
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        if (A.recs[i].used && A.recs[i].rec == rec)
            return &A.recs[i];
    }
    return NULL;
}

static arec_t *rec_by_pid(pid_t pid)
{
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        if (A.recs[i].used && A.recs[i].pid == pid)
            return &A.recs[i];
    }
    return NULL;
}

static void rec_release_if_done(arec_t *r)
{
    if (r->pid <= 0 && r->fd < 0 && !r->report_due)
        r->used = false;
}

static uint32_t streams_active(const arec_t *r)
{
    uint32_t n = 0;
    for (size_t i = 0; i < RT_STREAMS_MAX; i++)
        n += r->streams[i].active;
    return n;
}

/* Streams a fault cut short: one RT_M_LOST each (the caller announced how
 * many in its own message's follow). */
static void streams_lost(arec_t *r, int64_t now)
{
    for (size_t i = 0; i < RT_STREAMS_MAX; i++) {
        astream_t *s = &r->streams[i];
        if (!s->active)
            continue;
        rt_msg_t m = rt_msg(RT_M_LOST);
        m.rec = r->rec;
        m.session = r->session;
        m.uid = s->uid;
        m.track = s->track;
        m.fmt = s->fmt;
        m.a_ms = s->start_ms;
        m.b_ms = s->start_ms + (now > s->start_mono ? now - s->start_mono : 0);
        to_center(&m);
        s->active = false;
    }
}

static void streams_clear(arec_t *r)
{
    for (size_t i = 0; i < RT_STREAMS_MAX; i++)
        r->streams[i].active = false;
}

static astream_t *stream_find(arec_t *r, uint32_t uid, uint8_t track, uint8_t fmt)
{
    for (size_t i = 0; i < RT_STREAMS_MAX; i++) {
        astream_t *s = &r->streams[i];
        if (s->active && s->uid == uid && s->track == track && s->fmt == fmt)
            return s;
    }
    return NULL;
}

static void to_recorder(arec_t *r, const rt_msg_t *m)
{
    if (r->fd >= 0 && rt_send(r->fd, m) != 0) {
        /* It died; SIGCHLD will say how. */
    }
}

/* A recorder answered the leave, or can no longer: the last one to do so
 * lets the center know. */
static void leave_answered(arec_t *r)
{
    if (!r->owes_leave)
        return;
    r->owes_leave = false;
    if (A.leave_pending && --A.leave_remaining == 0) {
        A.leave_pending = false;
        rt_msg_t m = rt_msg(RT_M_USER_DONE);
        m.a_ms = A.leave_seq;
        to_center(&m);
    }
}

/* ---- recorders ----------------------------------------------------------- */

static void on_recorder_msg(arec_t *r, rt_msg_t *m)
{
    m->rec = r->rec;
    m->session = r->session;
    switch (m->type) {
    case RT_M_READY:
        if (A.link_up)
            to_center(m);
        break;
    case RT_M_FAILED:
    case RT_M_EXITED:
        r->quiet = true;
        if (A.link_up)
            to_center(m);
        break;
    case RT_M_STREAM:
        if (A.link_up) {
            for (size_t i = 0; i < RT_STREAMS_MAX; i++) {
                astream_t *s = &r->streams[i];
                if (!s->active) {
                    *s = (astream_t){m->uid, m->track, m->fmt, true, m->a_ms, m->c_ms};
                    break;
                }
            }
        }
        break;
    case RT_M_STREAM_END: {
        astream_t *s = stream_find(r, m->uid, m->track, m->fmt);
        if (s != NULL)
            s->active = false;
        break;
    }
    case RT_M_USER_DONE:
        leave_answered(r);
        break;
    case RT_M_SLICE:
        /* Cut off, the upload cannot happen: already counted as lost. */
        if (A.link_up) {
            astream_t *s = stream_find(r, m->uid, m->track, m->fmt);
            if (s != NULL) {
                s->start_ms = m->b_ms;
                s->start_mono = m->c_ms;
            }
            to_center(m);
        }
        break;
    default:
        fprintf(stderr, "hasim-agent %" PRIu32 ": recorder %" PRIu32 " sent %s\n", A.server + 1,
                r->rec, rt_msg_name(m->type));
        break;
    }
}

/* Everything the recorder said so far. ignore: it was killed, what it says
 * now did not happen in the world. */
static void drain(arec_t *r, bool ignore)
{
    rt_msg_t m;
    for (int i = 0; r->fd >= 0 && i < 4096; i++) {
        int got = rt_recv(r->fd, &m);
        if (got == 0)
            return;
        if (got < 0) {
            close(r->fd);
            r->fd = -1;
            return;
        }
        if (!ignore)
            on_recorder_msg(r, &m);
    }
}

static void spawn(const rt_msg_t *order)
{
    if (rec_find(order->rec) != NULL)
        return; /* the center never reuses an id: a duplicate packet */
    arec_t *r = NULL;
    for (uint32_t i = 0; i < A.recs_cap && r == NULL; i++) {
        if (!A.recs[i].used)
            r = &A.recs[i];
    }
    rt_msg_t fail = *order;
    fail.type = RT_M_FAILED;
    if (r == NULL) {
        fprintf(stderr, "hasim-agent %" PRIu32 ": more than %" PRIu32 " recorders\n",
                A.server + 1, A.recs_cap);
        to_center(&fail);
        return;
    }
    int sv[2];
    if (rt_socketpair(sv) != 0) {
        fprintf(stderr, "hasim-agent %" PRIu32 ": socketpair: %s\n", A.server + 1, strerror(errno));
        to_center(&fail);
        return;
    }
    char rec_s[16], srv_s[16];
    snprintf(rec_s, sizeof(rec_s), "%" PRIu32, order->rec);
    snprintf(srv_s, sizeof(srv_s), "%" PRIu32, A.server + 1);
    pid_t pid = fork();
    if (pid == 0) {
        if (rt_die_with_parent(A.self) != 0)
            _exit(1);
        if (dup2(sv[1], RT_FD) < 0)
            _exit(1);
        signal(SIGCHLD, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        char name[] = "hasim-recorder";
        char *args[] = {name, rec_s, srv_s, A.dir, NULL};
        execv(A.recorder, args);
        _exit(127);
    }
    close(sv[1]);
    if (pid < 0) {
        fprintf(stderr, "hasim-agent %" PRIu32 ": fork: %s\n", A.server + 1, strerror(errno));
        close(sv[0]);
        to_center(&fail);
        return;
    }
    rt_nonblock(sv[0]);
    memset(r, 0, sizeof(*r));
    r->used = true;
    r->rec = order->rec;
    r->session = order->session;
    r->pid = pid;
    r->fd = sv[0];
    to_recorder(r, order);
    rt_msg_t m = rt_msg(RT_M_SPAWNED);
    m.rec = r->rec;
    m.session = r->session;
    m.pid = (int32_t)pid;
    to_center(&m);
}

static void reap(int64_t now)
{
    for (int i = 0; i < AGENT_RECS_MAX; i++) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            return;
        arec_t *r = rec_by_pid(pid);
        if (r == NULL)
            continue;
        r->pid = 0;
        drain(r, r->killed);
        if (r->fd >= 0) {
            close(r->fd);
            r->fd = -1;
        }
        leave_answered(r); /* a dead recorder uploads nothing more */
        if (!r->quiet && !r->killed) {
            /* Died by itself: a fault nobody planned; the center must know. */
            fprintf(stderr, "hasim-agent %" PRIu32 ": recorder %" PRIu32 " (pid %d) died: %s %d\n",
                    A.server + 1, r->rec, (int)pid, WIFSIGNALED(status) ? "signal" : "status",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            r->report_due = true;
            r->report_at_ms = now;
        }
        rec_release_if_done(r);
    }
}

static void send_reports(int64_t now, bool count_only, uint32_t *count)
{
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        arec_t *r = &A.recs[i];
        if (!r->used || !r->report_due || r->pid > 0 || now < r->report_at_ms)
            continue;
        if (count_only) {
            (*count)++;
            continue;
        }
        rt_msg_t m = rt_msg(RT_M_EXIT_REPORT);
        m.rec = r->rec;
        m.session = r->session;
        r->report_due = false;
        to_center(&m);
        rec_release_if_done(r);
    }
}

static void agent_exit(int status)
{
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        if (A.recs[i].used && A.recs[i].pid > 0)
            (void)kill(A.recs[i].pid, SIGKILL);
    }
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        if (A.recs[i].used && A.recs[i].pid > 0) {
            while (waitpid(A.recs[i].pid, NULL, 0) < 0 && errno == EINTR) {
            }
            A.recs[i].pid = 0;
        }
    }
    exit(status);
}

/* ---- the center ---------------------------------------------------------- */

static void partition(int64_t now)
{
    rt_msg_t m = rt_msg(RT_M_PARTITIONED);
    if (!A.link_up) {
        to_center(&m);
        return;
    }
    A.link_up = false;
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        if (A.recs[i].used && A.recs[i].pid > 0)
            m.follow += streams_active(&A.recs[i]);
    }
    to_center(&m);
    rt_msg_t pause = rt_msg(RT_M_PAUSE);
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        arec_t *r = &A.recs[i];
        if (!r->used || r->pid <= 0)
            continue;
        streams_lost(r, now);
        to_recorder(r, &pause);
    }
}

static void heal(int64_t now)
{
    if (A.link_up) {
        rt_msg_t m = rt_msg(RT_M_HEALED);
        to_center(&m);
        return;
    }
    A.link_up = true;
    /* First what could not be sent, then a heartbeat at once: one batch, so
     * the center learns of the link, the reports and the heartbeat at the
     * same moment. */
    uint32_t held = 0;
    send_reports(now, true, &held);
    rt_msg_t m = rt_msg(RT_M_HEALED);
    m.follow = held + (A.go ? 1 : 0);
    to_center(&m);
    send_reports(now, false, NULL);
    if (A.go) {
        rt_msg_t hb = rt_msg(RT_M_HEARTBEAT);
        hb.c_ms = now; /* due at the heal */
        to_center(&hb);
    }
    rt_msg_t un = rt_msg(RT_M_UNPAUSE), zo = rt_msg(RT_M_ZOMBIE);
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        arec_t *r = &A.recs[i];
        if (!r->used || r->pid <= 0)
            continue;
        to_recorder(r, &un);
        if (A.zombie)
            to_recorder(r, &zo);
    }
}

static void kill_rec(const rt_msg_t *order, int64_t now)
{
    arec_t *r = rec_find(order->rec);
    rt_msg_t m = rt_msg(RT_M_KILLED);
    m.rec = order->rec;
    m.session = order->session;
    if (r == NULL || r->pid <= 0) {
        to_center(&m); /* nothing to kill: the order to start it never arrived */
        return;
    }
    /* What it finished before the signal is real; what it says after is not. */
    drain(r, false);
    if (r->pid <= 0) {
        to_center(&m);
        return;
    }
    (void)kill(r->pid, SIGKILL);
    r->killed = true;
    leave_answered(r);
    r->quiet = false;
    r->report_due = true;
    r->report_at_ms = now + (order->a_ms > 0 ? order->a_ms : 0);
    m.flags = RT_F_FOUND;
    m.pid = (int32_t)r->pid;
    m.follow = streams_active(r);
    to_center(&m);
    streams_lost(r, now);
}

static void on_center_msg(const rt_msg_t *m, int64_t now)
{
    arec_t *r;
    switch (m->type) {
    case RT_M_GO:
        A.go = true;
        A.t0_ms = m->a_ms;
        A.next_hb_ms = A.t0_ms;
        break;
    case RT_M_START:
        if (A.link_up)
            spawn(m);
        break;
    case RT_M_RESUME:
        if (!A.link_up || (r = rec_find(m->rec)) == NULL || r->pid <= 0)
            break;
        /* A zombie made to start over: what it had is cut. */
        streams_lost(r, now);
        to_recorder(r, m);
        break;
    case RT_M_STOP:
        if (!A.link_up || (r = rec_find(m->rec)) == NULL || r->pid <= 0)
            break;
        if (m->how == HA_STOP_FENCE && A.zombie)
            break; /* a zombie ignores the center: only refusing its uploads protects */
        r->quiet = true;
        if (m->how == HA_STOP_FENCE)
            streams_clear(r);
        to_recorder(r, m);
        break;
    case RT_M_PARTITION:
        partition(now);
        break;
    case RT_M_HEAL:
        heal(now);
        break;
    case RT_M_KILL:
        kill_rec(m, now);
        break;
    case RT_M_USER: {
        bool leave = !(m->flags & RT_F_JOIN);
        uint32_t told = 0;
        for (uint32_t i = 0; i < A.recs_cap; i++) {
            r = &A.recs[i];
            if (!r->used || r->pid <= 0 || r->fd < 0 || r->killed || r->session != m->session)
                continue;
            to_recorder(r, m);
            if (leave) {
                r->owes_leave = true;
                told++;
            }
        }
        if (leave) {
            A.leave_seq = m->a_ms;
            A.leave_remaining = told;
            A.leave_pending = told > 0;
            if (told == 0) {
                rt_msg_t done = rt_msg(RT_M_USER_DONE);
                done.a_ms = m->a_ms;
                to_center(&done);
            }
        }
        break;
    }
    case RT_M_SHUTDOWN:
        agent_exit(0);
        break;
    default:
        fprintf(stderr, "hasim-agent %" PRIu32 ": unexpected %s from the center\n",
                A.server + 1, rt_msg_name(m->type));
        break;
    }
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* The command line, the recorder table and the signals; then hello to the
 * center. 0, or 2 after a message. */
static int agent_setup(int argc, char **argv)
{
    uint32_t capacity = 0, zombie = 0;
    if (argc != 6 || !parse_u32(argv[1], &A.server) || A.server == 0 ||
        !parse_u32(argv[4], &capacity) || !parse_u32(argv[5], &zombie)) {
        fprintf(stderr, "usage: hasim-agent SERVER DIR RECORDER CAPACITY ZOMBIE  (started by "
                        "hasim-rt)\n");
        return 2;
    }
    A.server--;
    if (snprintf(A.dir, sizeof(A.dir), "%s", argv[2]) >= (int)sizeof(A.dir) ||
        snprintf(A.recorder, sizeof(A.recorder), "%s", argv[3]) >= (int)sizeof(A.recorder)) {
        fprintf(stderr, "hasim-agent: path too long\n");
        return 2;
    }
    A.zombie = zombie != 0;
    A.self = getpid();
    A.center = RT_FD;
    A.link_up = true;
    rt_cloexec(A.center);
    rt_nonblock(A.center);
    uint64_t cap = (uint64_t)capacity * 4 + AGENT_RECS_MIN;
    A.recs_cap = cap > AGENT_RECS_MAX ? AGENT_RECS_MAX : (uint32_t)cap;
    A.recs = calloc(A.recs_cap, sizeof(*A.recs));
    static const int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
    A.sig = rt_sig_init(sigs, sizeof(sigs) / sizeof(sigs[0]));
    if (A.recs == NULL || A.sig < 0) {
        fprintf(stderr, "hasim-agent %" PRIu32 ": cannot set up\n", A.server + 1);
        return 2;
    }
    rt_msg_t hello = rt_msg(RT_M_HELLO);
    hello.pid = (int32_t)A.self;
    to_center(&hello);
    return 0;
}

/* When the next heartbeat or held-back exit report is due; INT64_MAX for
 * never. */
static int64_t next_due_ms(void)
{
    int64_t due = A.go ? A.next_hb_ms : INT64_MAX;
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        const arec_t *r = &A.recs[i];
        if (r->used && r->report_due && r->pid <= 0 && A.link_up && r->report_at_ms < due)
            due = r->report_at_ms;
    }
    return due;
}

/* fds: the center, the signals, then each recorder's socket, whose
 * recorder goes to the same index of fd_rec. Returns how many. */
static nfds_t poll_set(struct pollfd *fds, arec_t **fd_rec)
{
    nfds_t n = 0;
    fds[n++] = (struct pollfd){A.center, POLLIN, 0};
    fds[n++] = (struct pollfd){A.sig, POLLIN, 0};
    for (uint32_t i = 0; i < A.recs_cap; i++) {
        if (A.recs[i].used && A.recs[i].fd >= 0) {
            fd_rec[n] = &A.recs[i];
            fds[n++] = (struct pollfd){A.recs[i].fd, POLLIN, 0};
        }
    }
    return n;
}

static void on_timers(int64_t now)
{
    if (A.go && now >= A.next_hb_ms) {
        if (A.link_up) {
            rt_msg_t hb = rt_msg(RT_M_HEARTBEAT);
            hb.c_ms = A.next_hb_ms; /* when it was due: the center measures lateness */
            to_center(&hb);
        }
        while (A.next_hb_ms <= now)
            A.next_hb_ms += SIM_HEARTBEAT_INTERVAL_MS;
    }
    if (A.link_up)
        send_reports(now, false, NULL);
}

/* What poll() found on the set poll_set() made. */
static void on_ready(const struct pollfd *fds, nfds_t n, arec_t *const *fd_rec, int64_t now)
{
    if (fds[1].revents) {
        for (int s; (s = rt_sig_next(A.sig)) != 0;) {
            if (s == SIGCHLD)
                reap(now);
            else
                agent_exit(0);
        }
    }
    for (nfds_t i = 2; i < n; i++) {
        if (fds[i].revents && fd_rec[i]->used && fd_rec[i]->fd == fds[i].fd)
            drain(fd_rec[i], fd_rec[i]->killed);
    }
    if (fds[0].revents) {
        rt_msg_t m;
        for (int i = 0; i < 4096; i++) {
            int got = rt_recv(A.center, &m);
            if (got < 0)
                agent_exit(0);
            if (got == 0)
                break;
            on_center_msg(&m, now);
        }
    }
}

int main(int argc, char **argv)
{
    if (agent_setup(argc, argv) != 0)
        return 2;
    struct pollfd *fds = calloc((size_t)A.recs_cap + 2, sizeof(*fds));
    arec_t **fd_rec = calloc((size_t)A.recs_cap + 2, sizeof(*fd_rec));
    if (fds == NULL || fd_rec == NULL)
        return 2;
    for (;;) {
        int64_t now = rt_now_ms();
        int64_t due = next_due_ms();
        nfds_t n = poll_set(fds, fd_rec);
        (void)rt_poll(fds, n, due == INT64_MAX ? INT64_MAX : due - now);
        now = rt_now_ms();
        /* Timers first: a heartbeat due before an order arrived went out
         * before it. */
        on_timers(now);
        on_ready(fds, n, fd_rec, now);
    }
}
