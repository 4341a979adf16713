/* rt_proto.h -- what hasim-rt (the center), hasim-agent (one per server) and
 * hasim-recorder say to each other, and the one clock they all read.
 *
 * The real-process runtime is the second driver of the sans-I/O core in
 * src/ (the simulator in sim/ is the first). It may read clocks and do I/O;
 * the core may not. docs/realtime.md describes the whole; this header is the
 * wire between the processes.
 *
 * Wire: AF_UNIX SOCK_SEQPACKET socket pairs, one message a packet, every
 * message one fixed-size rt_msg_t. Same binary build on both ends, so the
 * struct is sent as it is. A child finds its end on file descriptor RT_FD.
 *
 * Two kinds of traffic share a socket to a host agent:
 *  - the network: what a real server and the fault processing center would
 *    exchange (heartbeats, orders to recorders, their reports). A host agent
 *    whose server is "disconnected" drops all of it, both ways.
 *  - the harness: the hand of the chaos test (cut or heal the link, kill a
 *    process, a user joins the channel) and what it observes for the trace
 *    (a process was killed, a slice in progress was lost). Never dropped.
 *
 * Time: two clocks, as on a real server. Every deadline, schedule and time
 * on the wire is CLOCK_MONOTONIC (rt_now_ms()), which an NTP step (the
 * scenario's step-clock) never moves; under libfaketime it is faked,
 * accelerated and shared by all processes of a run (children inherit
 * FAKETIME_SHARED), in epoch-sized milliseconds, and without libfaketime it
 * is the machine's, shared as well. The center subtracts the run's start for
 * the trace's t_ms. CLOCK_REALTIME (rt_wall_ms()) names things only: a
 * recorder reads it when it begins recording and names its slices by it
 * from there (RT_M_SLICE and RT_M_STREAM carry those UTC times), and the
 * center takes the run's UTC at t = 0 from it.
 */
#ifndef RT_PROTO_H
#define RT_PROTO_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A child's end of the socket to its parent. */
#define RT_FD 3

/* libfaketime 0.9.10 divides a poll timeout by the speed in integer
 * arithmetic: below 10 ms at x10 it becomes 0, a busy loop. Every wait of
 * the runtime goes through rt_poll(), which never asks for less. The upper
 * bound only keeps a loop looking at its flags now and then. */
#define RT_POLL_MIN_MS 10
#define RT_POLL_MAX_MS 1000

#define RT_USERS_MAX 17                       /* as HA_USERS_MAX */
#define RT_STREAMS_MAX (2 * RT_USERS_MAX + 2) /* a recorder's streams at once */
/* Messages a batch may announce after its first (rt_msg_t.follow). */
#define RT_FOLLOW_MAX (RT_STREAMS_MAX * 64 + 64)

typedef enum {
    RT_M_NONE,
    /* center -> agent, network: dropped while the link is cut */
    RT_M_START,       /* rec, session, server, uid, bak, flags, a: start-up ms, b: GOP ms,
                       * c: when the center gave the order (epoch ms), users */
    RT_M_RESUME,      /* rec, a: rejoin ms, c: when ordered */
    RT_M_STOP,        /* rec, how (ha_stop_how_t) */
    /* center -> agent, harness */
    RT_M_GO,          /* a: the run's start (epoch ms); heartbeats from then on */
    RT_M_PARTITION,   /* cut the server off the center */
    RT_M_HEAL,        /* the link is back */
    RT_M_KILL,        /* rec: SIGKILL it; a: delay of its exit report (ms) */
    RT_M_USER,        /* session, uid, flags & RT_F_JOIN: the channel changed; a leave
                       * carries a: its number, answered by RT_M_USER_DONE */
    RT_M_SHUTDOWN,    /* end of run: kill every recorder, reap, exit */
    /* agent -> center, network */
    RT_M_HEARTBEAT,   /* c: when it was due (epoch ms), for the center's lateness */
    RT_M_EXIT_REPORT, /* rec: the process exited unannounced (waitpid) */
    RT_M_READY,       /* rec: joined the channel, records */
    RT_M_FAILED,      /* rec: could not start (provisioning) */
    RT_M_EXITED,      /* rec: stopped as asked, last slices uploaded */
    RT_M_SLICE,       /* rec, uid, track, fmt, a: start, b: end (UTC ms, the names'),
                       * c: end on rt_now_ms() */
    /* agent -> center, harness */
    RT_M_HELLO,       /* the agent runs; pid */
    RT_M_SPAWNED,     /* rec, pid: a recorder process exists */
    RT_M_KILLED,      /* rec, flags & RT_F_FOUND: the SIGKILL was sent; LOSTs follow */
    RT_M_LOST,        /* rec, uid, track, fmt, a: start, b: where the fault cut it (UTC) */
    RT_M_PARTITIONED, /* the agent drops the network from now on; LOSTs follow */
    RT_M_HEALED,      /* the agent passes the network again; held reports and a
                       * heartbeat follow */
    RT_M_USER_DONE,   /* a: the leave whose last slices every recorder of the session
                       * on this server has uploaded (recorder -> agent -> center) */
    /* agent <-> recorder (START, RESUME, STOP, USER, SLICE, READY, FAILED,
     * EXITED are forwarded as they are) */
    RT_M_PAUSE,       /* the link is cut: no media, no uploads */
    RT_M_UNPAUSE,     /* the link is back (a paused recorder waits for RESUME) */
    RT_M_ZOMBIE,      /* misbehave: record again without the center's word */
    RT_M_STREAM,      /* recorder -> agent: a stream began: uid, track, fmt, a: start (UTC),
                       * c: start on rt_now_ms() */
    RT_M_STREAM_END,  /* recorder -> agent: a user left, the stream ended: uid, track, fmt */
    RT_M_COUNT
} rt_msg_type_t;

/* rt_msg_t.flags */
#define RT_F_FAIL 1u       /* START: provisioning fails this recorder */
#define RT_F_WEBM 2u       /* START: individual-mode video as WebM */
#define RT_F_MP4 4u        /* START: MP4 files as well */
#define RT_F_INDIVIDUAL 8u /* START: one audio and one video stream per user */
#define RT_F_JOIN 16u      /* USER: joined (else left) */
#define RT_F_FOUND 32u     /* KILLED: there was a process to kill */

typedef struct {
    uint32_t type;    /* rt_msg_type_t */
    uint32_t follow;  /* messages sent right after this one that belong with it */
    uint32_t rec;     /* recorder id the center gave, from 1 */
    uint32_t session; /* the center's (core's) session index */
    uint32_t server;  /* zero-based */
    uint32_t uid;
    int32_t bak;
    int32_t pid;
    uint8_t track, fmt, how, flags;
    int64_t a_ms, b_ms, c_ms;
    uint32_t users_count;
    uint32_t users[RT_USERS_MAX];
} rt_msg_t;

/* A blank message of a type. */
rt_msg_t rt_msg(rt_msg_type_t type);
const char *rt_msg_name(uint32_t type);

/* 0, or -1 when the peer is gone (EPIPE, ECONNRESET) or another error. */
int rt_send(int fd, const rt_msg_t *m);
/* 1 with *m filled, 0 when nothing is waiting, -1 at end of stream or on a
 * malformed packet (errno EPROTO). Never blocks. */
int rt_recv(int fd, rt_msg_t *m);
/* The same, waiting up to wait_ms for a message that is known to come (the
 * rest of a batch). 0 when it did not. */
int rt_recv_wait(int fd, rt_msg_t *m, int64_t wait_ms);

/* A SEQPACKET socket pair, both ends close-on-exec. 0 or -1. */
int rt_socketpair(int sv[2]);
void rt_cloexec(int fd);
void rt_nonblock(int fd);

/* The clock of deadlines: CLOCK_MONOTONIC in milliseconds (faked and
 * accelerated under libfaketime, epoch-sized then). */
int64_t rt_now_ms(void);
/* The wall clock, for names: CLOCK_REALTIME in epoch milliseconds (faked
 * under libfaketime, stepped by the run's clock shim). */
int64_t rt_wall_ms(void);
/* poll() with wait_ms clamped to [RT_POLL_MIN_MS, RT_POLL_MAX_MS]: what is
 * overdue waits the minimum, nothing due (INT64_MAX) the maximum. EINTR is
 * not an error (returns 0). */
int rt_poll(struct pollfd *fds, nfds_t n, int64_t wait_ms);

/* Signals through a self-pipe: the handler writes the signal number, the
 * loop polls the returned descriptor. Sets SIGPIPE to ignored. -1 on error. */
int rt_sig_init(const int *sigs, size_t n);
/* The next signal number caught, or 0 when none is pending. */
int rt_sig_next(int fd);

/* Linux: this process adopts its orphaned descendants (so that it can reap
 * them), and a child dies with its parent. */
void rt_become_subreaper(void);
/* In a forked child: SIGKILL when the parent dies; returns -1 when the parent
 * already died (the caller then _exits). */
int rt_die_with_parent(int32_t parent_pid);

/* The directory of the running executable, to find its sibling programs. */
int rt_self_dir(char *out, size_t cap);

#endif
