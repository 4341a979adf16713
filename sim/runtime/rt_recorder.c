/* rt_recorder.c -- hasim-recorder: one recording process on one server.
 *
 *   hasim-recorder REC SERVER DIR      (socket to its host agent on fd 3)
 *
 * It gets its order (RT_M_START) from the agent, takes the start-up time the
 * center drew, then "joins the channel" (RT_M_READY) and records: each stream
 * is cut into slices by the clock -- audio every 15 s, video at the first
 * I-frame at or after 15 s, MP4 every 2 h, as the simulated world does
 * (sim/drive/env.h) -- every slice is written as a small file into DIR and
 * reported. A slice's times are its media times: it ends exactly where the
 * next begins, however late the process woke up to cut it.
 *
 * The link of its server is the agent's business: the agent says PAUSE when
 * the server is cut off (the streams in progress are lost; the agent, which
 * saw them begin, reports that) and UNPAUSE when it is back. A paused
 * recorder records again only when the center says RESUME, unless it plays
 * the zombie. STOP flush: the last slices end at the stop and are uploaded
 * after SIM_FLUSH_MS, then RT_M_EXITED and exit 0. STOP fence, or a stop of a
 * recorder that is not recording: exit 0 quietly. A SIGKILL is the chaos
 * test's; the agent reports it.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drive/env.h"
#include "ha.h"
#include "rt_proto.h"
#include "drive/env.h"

typedef enum { R_STARTING, R_RECORDING, R_PAUSED, R_REJOINING, R_STOPPING } rstate_t;

typedef struct {
    uint32_t uid;
    uint8_t track, fmt;
    bool active;
    int64_t start_ms; /* rt_now_ms(): start of the slice in progress */
} stream_t;

static struct {
    uint32_t rec, server;
    const char *dir;
    rt_msg_t order; /* the START */
    rstate_t st;
    bool paused;    /* the link is cut */
    int64_t ready_ms, stop_ms, flush_done_ms;
    /* UTC minus rt_now_ms() when recording began: the wall clock is read
     * once, and media time counts on from there, so a step of the wall
     * clock moves the names of the next recording, never a slice's length. */
    int64_t wall_off_ms;
    uint32_t users[RT_USERS_MAX];
    uint32_t users_count;
    stream_t streams[RT_STREAMS_MAX];
    bool write_warned;
} R;

static void say(int fd, rt_msg_t *m)
{
    m->rec = R.rec;
    m->session = R.order.session;
    m->server = R.server;
    if (rt_send(fd, m) != 0)
        exit(0); /* the agent is gone: so is the server */
}

static int64_t stream_len_ms(const stream_t *s)
{
    if (s->fmt == HA_FMT_MP4)
        return SIM_MP4_SEGMENT_MS;
    if (s->track == HA_TRACK_AUDIO)
        return SIM_SLICE_MS;
    return sim_env_video_slice_ms(R.order.b_ms > 0 ? R.order.b_ms : 1);
}

static const char *ext_of(uint8_t fmt)
{
    return fmt == HA_FMT_MP4 ? "mp4" : fmt == HA_FMT_WEBM ? "webm" : "ts";
}

static void write_slice_file(const stream_t *s, int64_t end_ms)
{
    char path[PATH_MAX];
    /* rt_center.c finds the file under this name to put it in storage. */
    int n = snprintf(path, sizeof(path), "%s/r%" PRIu32 "_%" PRIu32 "_%u_%" PRId64 ".%s", R.dir,
                     R.rec, s->uid, (unsigned)s->track, s->start_ms + R.wall_off_ms,
                     ext_of(s->fmt));
    if (n < 0 || (size_t)n >= sizeof(path))
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (!R.write_warned)
            fprintf(stderr, "hasim-recorder %" PRIu32 ": cannot write %s: %s\n", R.rec, path,
                    strerror(errno));
        R.write_warned = true;
        return;
    }
    char body[256];
    int len = snprintf(body, sizeof(body),
                       "hasim slice: recorder %" PRIu32 " server %" PRIu32 " uid %" PRIu32
                       " track %u fmt %u media %" PRId64 "..%" PRId64 " ms\n",
                       R.rec, R.server + 1, s->uid, (unsigned)s->track, (unsigned)s->fmt,
                       s->start_ms, end_ms);
    if (len > 0)
        (void)!write(fd, body, (size_t)len < sizeof(body) ? (size_t)len : sizeof(body) - 1);
    close(fd);
}

static void cut(int fd, stream_t *s, int64_t end_ms)
{
    write_slice_file(s, end_ms);
    rt_msg_t m = rt_msg(RT_M_SLICE);
    m.uid = s->uid;
    m.track = s->track;
    m.fmt = s->fmt;
    m.a_ms = s->start_ms + R.wall_off_ms;
    m.b_ms = end_ms + R.wall_off_ms;
    m.c_ms = end_ms;
    say(fd, &m);
    s->start_ms = end_ms;
}

static void stream_add(int fd, uint32_t uid, ha_track_t track, ha_fmt_t fmt, int64_t now)
{
    for (size_t i = 0; i < RT_STREAMS_MAX; i++) {
        stream_t *s = &R.streams[i];
        if (s->active)
            continue;
        *s = (stream_t){uid, (uint8_t)track, (uint8_t)fmt, true, now};
        rt_msg_t m = rt_msg(RT_M_STREAM);
        m.uid = uid;
        m.track = s->track;
        m.fmt = s->fmt;
        m.a_ms = now + R.wall_off_ms;
        m.c_ms = now;
        say(fd, &m);
        return;
    }
    /* Beyond the service's 17 recorded users: not recorded, as in reality. */
}

static void streams_drop(void)
{
    for (size_t i = 0; i < RT_STREAMS_MAX; i++)
        R.streams[i].active = false;
}

static void user_streams(int fd, uint32_t uid, int64_t now)
{
    stream_add(fd, uid, HA_TRACK_AUDIO, HA_FMT_TS, now);
    stream_add(fd, uid, HA_TRACK_VIDEO, (R.order.flags & RT_F_WEBM) ? HA_FMT_WEBM : HA_FMT_TS,
               now);
}

static void record_begin(int fd, int64_t now)
{
    streams_drop();
    R.st = R_RECORDING;
    R.wall_off_ms = rt_wall_ms() - rt_now_ms();
    if (R.order.flags & RT_F_INDIVIDUAL) {
        for (uint32_t u = 0; u < R.users_count; u++)
            user_streams(fd, R.users[u], now);
    } else {
        stream_add(fd, 0, HA_TRACK_MIX, HA_FMT_TS, now);
        if (R.order.flags & RT_F_MP4)
            stream_add(fd, 0, HA_TRACK_MIX, HA_FMT_MP4, now);
    }
}

static void user_change(int fd, uint32_t uid, bool join, int64_t now)
{
    uint32_t at = UINT32_MAX;
    for (uint32_t i = 0; i < R.users_count; i++) {
        if (R.users[i] == uid)
            at = i;
    }
    if (join == (at != UINT32_MAX) || (join && R.users_count == RT_USERS_MAX))
        return;
    if (join)
        R.users[R.users_count++] = uid;
    else
        R.users[at] = R.users[--R.users_count];
    if (R.st != R_RECORDING || !(R.order.flags & RT_F_INDIVIDUAL))
        return;
    if (join) {
        user_streams(fd, uid, now);
        return;
    }
    /* A user who leaves ends their streams: what they published is a slice. */
    for (size_t i = 0; i < RT_STREAMS_MAX; i++) {
        stream_t *s = &R.streams[i];
        if (!s->active || s->uid != uid)
            continue;
        if (now > s->start_ms)
            cut(fd, s, now);
        s->active = false;
        rt_msg_t m = rt_msg(RT_M_STREAM_END);
        m.uid = uid;
        m.track = s->track;
        m.fmt = s->fmt;
        say(fd, &m);
    }
}

static void on_order(int fd, const rt_msg_t *m, int64_t now)
{
    switch (m->type) {
    case RT_M_PAUSE:
        R.paused = true;
        if (R.st == R_RECORDING || R.st == R_STOPPING) {
            streams_drop(); /* lost with the link; the agent says so */
            R.st = R_PAUSED;
        }
        break;
    case RT_M_UNPAUSE:
        R.paused = false;
        break;
    case RT_M_ZOMBIE:
        if (R.st == R_PAUSED && !R.paused)
            record_begin(fd, now);
        break;
    case RT_M_RESUME:
        if (R.st == R_PAUSED || R.st == R_RECORDING) {
            streams_drop();
            R.st = R_REJOINING;
            R.ready_ms = m->c_ms + m->a_ms;
        }
        break;
    case RT_M_STOP:
        if (m->how == HA_STOP_FLUSH && R.st == R_RECORDING) {
            R.st = R_STOPPING;
            R.stop_ms = now;
            R.flush_done_ms = now + SIM_FLUSH_MS;
            break;
        }
        exit(0);
    case RT_M_USER:
        user_change(fd, m->uid, (m->flags & RT_F_JOIN) != 0, now);
        if (!(m->flags & RT_F_JOIN)) {
            /* The last slices went out above; the center may now hear of it. */
            rt_msg_t done = rt_msg(RT_M_USER_DONE);
            done.uid = m->uid;
            done.a_ms = m->a_ms;
            say(fd, &done);
        }
        break;
    default:
        break;
    }
}

static void on_time(int fd, int64_t now)
{
    if ((R.st == R_STARTING || R.st == R_REJOINING) && now >= R.ready_ms) {
        if (R.paused) {
            R.st = R_PAUSED; /* up, but can reach neither the channel nor the center */
        } else if (R.order.flags & RT_F_FAIL) {
            rt_msg_t m = rt_msg(RT_M_FAILED);
            say(fd, &m);
            exit(0);
        } else {
            rt_msg_t m = rt_msg(RT_M_READY);
            m.uid = R.order.uid;
            say(fd, &m);
            record_begin(fd, now);
        }
    }
    if (R.st == R_RECORDING) {
        for (size_t i = 0; i < RT_STREAMS_MAX; i++) {
            stream_t *s = &R.streams[i];
            int64_t len = stream_len_ms(s);
            /* Late wake-ups catch up: every due cut, at its media time. */
            while (s->active && s->start_ms + len <= now)
                cut(fd, s, s->start_ms + len);
        }
    }
    if (R.st == R_STOPPING && now >= R.flush_done_ms) {
        for (size_t i = 0; i < RT_STREAMS_MAX; i++) {
            stream_t *s = &R.streams[i];
            if (s->active && R.stop_ms > s->start_ms)
                cut(fd, s, R.stop_ms);
            s->active = false;
        }
        rt_msg_t m = rt_msg(RT_M_EXITED);
        say(fd, &m);
        exit(0);
    }
}

static int64_t next_due(void)
{
    int64_t due = INT64_MAX;
    if (R.st == R_STARTING || R.st == R_REJOINING)
        due = R.ready_ms;
    if (R.st == R_STOPPING)
        due = R.flush_done_ms;
    if (R.st == R_RECORDING) {
        for (size_t i = 0; i < RT_STREAMS_MAX; i++) {
            const stream_t *s = &R.streams[i];
            if (s->active && s->start_ms + stream_len_ms(s) < due)
                due = s->start_ms + stream_len_ms(s);
        }
    }
    return due;
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

int main(int argc, char **argv)
{
    if (argc != 4 || !parse_u32(argv[1], &R.rec) || !parse_u32(argv[2], &R.server) ||
        R.server == 0) {
        fprintf(stderr, "usage: hasim-recorder REC SERVER DIR  (started by hasim-agent)\n");
        return 2;
    }
    R.server--;
    R.dir = argv[3];
    signal(SIGPIPE, SIG_IGN);
    const int fd = RT_FD;
    rt_cloexec(fd);

    /* The order comes right after the fork. */
    rt_msg_t m;
    if (rt_recv_wait(fd, &m, 30000) != 1 || m.type != RT_M_START) {
        fprintf(stderr, "hasim-recorder %" PRIu32 ": no start order\n", R.rec);
        return 2;
    }
    R.order = m;
    R.users_count = m.users_count;
    memcpy(R.users, m.users, sizeof(R.users));
    R.st = R_STARTING;
    /* The start-up counts from the center's order, not from our exec. */
    R.ready_ms = m.c_ms + m.a_ms;

    for (;;) {
        int64_t now = rt_now_ms();
        on_time(fd, now);
        int64_t due = next_due();
        struct pollfd p = {fd, POLLIN, 0};
        (void)rt_poll(&p, 1, due == INT64_MAX ? INT64_MAX : due - now);
        now = rt_now_ms();
        /* Cuts due before the order arrived come first. */
        on_time(fd, now);
        for (int i = 0; i < 256; i++) {
            int r = rt_recv(fd, &m);
            if (r < 0)
                return 0; /* the agent is gone */
            if (r == 0)
                break;
            on_order(fd, &m, now);
        }
    }
}
