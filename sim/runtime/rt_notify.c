/* rt_notify.c -- the callbacks of a run, POSTed to --notify URL by a
 * poster process (rt_notify.h says why a process).
 *
 * The center turns trace events into envelopes with ncs_writer, which
 * writes to a FILE: an open_memstream() buffer here, emptied into the pipe
 * after each event. The pipe is non-blocking and large (1 MiB): when the
 * poster falls that far behind, the notice is dropped and counted, as a
 * Notification Center under load loses notices -- the center never waits.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "rt_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ncs/ncs.h"
#include "rt_proto.h"

struct rt_notify {
    ncs_writer_t *w;
    FILE *mem;
    char *buf;
    size_t len;
    size_t sent; /* bytes of buf already passed on */
    int fd;      /* the pipe's write end */
    pid_t pid;
    uint64_t notices, dropped;
    int64_t held_since_ms; /* the writer holds a notice back since, -1 none */
    char partial[NCS_LINE_MAX]; /* a line the pipe took only part of */
    size_t partial_len, partial_off;
};

/* ---- the poster process ---------------------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* One notice, with retries: true when the receiver took it (2xx). */
static bool post_one(CURL *h, const char *url, const char *body, size_t len)
{
    int64_t backoff_ms = RT_NOTIFY_BACKOFF_MS;
    for (int i = 0; i < RT_NOTIFY_TRIES; i++) {
        if (i > 0) {
            struct pollfd none;
            for (int64_t until = rt_now_ms() + backoff_ms; rt_now_ms() < until;)
                (void)rt_poll(&none, 0, until - rt_now_ms());
            backoff_ms *= 2;
        }
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
        long code = 0;
        if (curl_easy_perform(h) == CURLE_OK &&
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code >= 200 &&
            code < 300)
            return true;
    }
    return false;
}

static CURL *poster_handle(struct curl_slist **hdr)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return NULL;
    CURL *h = curl_easy_init();
    *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (h == NULL || *hdr == NULL)
        return NULL;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdr);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)RT_NOTIFY_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)RT_NOTIFY_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    return h;
}

/* Reads envelopes, one a line, until the center closes the pipe. */
static void poster_main(int rfd, const char *url)
{
    static char buf[NCS_LINE_MAX * 2];
    struct curl_slist *hdr = NULL;
    CURL *h = poster_handle(&hdr);
    if (h == NULL) {
        fprintf(stderr, "hasim-rt: error: the notifier cannot set up libcurl\n");
        _exit(2);
    }
    uint64_t lost = 0;
    size_t have = 0;
    for (;;) {
        ssize_t n = read(rfd, buf + have, sizeof(buf) - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
        char *nl;
        while ((nl = memchr(buf, '\n', have)) != NULL) {
            size_t len = (size_t)(nl - buf);
            *nl = '\0';
            if (!post_one(h, url, buf, len))
                lost++;
            have -= len + 1;
            memmove(buf, nl + 1, have);
        }
        if (have == sizeof(buf))
            have = 0; /* a line longer than any envelope: not ours, dropped */
    }
    if (lost > 0)
        fprintf(stderr, "hasim-rt: warning: %" PRIu64 " notice(s) not taken by %s after %d tries\n",
                lost, url, RT_NOTIFY_TRIES);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    _exit(0);
}

/* ---- the center's side ------------------------------------------------------ */

rt_notify_t *rt_notify_start(const char *url, uint64_t seed, int32_t *pid, char *err,
                             size_t err_cap)
{
    rt_notify_t *n = calloc(1, sizeof(*n));
    int p[2] = {-1, -1};
    if (n == NULL || pipe(p) != 0) {
        snprintf(err, err_cap, "notifier: %s", n == NULL ? "out of memory" : strerror(errno));
        free(n);
        return NULL;
    }
    (void)fcntl(p[1], F_SETPIPE_SZ, RT_NOTIFY_PIPE_BYTES);
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        /* Nothing of the center's but the pipe's read end and stderr. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (int fd = 3; fd < 1024; fd++) {
            if (fd != p[0])
                (void)close(fd);
        }
        signal(SIGINT, SIG_IGN); /* the center says when: it closes the pipe */
        signal(SIGTERM, SIG_DFL);
        poster_main(p[0], url);
    }
    close(p[0]);
    if (child < 0) {
        snprintf(err, err_cap, "notifier: fork: %s", strerror(errno));
        close(p[1]);
        free(n);
        return NULL;
    }
    n->pid = child;
    n->held_since_ms = -1;
    *pid = (int32_t)child;
    n->fd = p[1];
    rt_nonblock(n->fd);
    n->mem = open_memstream(&n->buf, &n->len);
    n->w = n->mem != NULL ? ncs_writer_new(n->mem, NULL, seed) : NULL;
    if (n->w == NULL) {
        snprintf(err, err_cap, "notifier: out of memory");
        rt_notify_finish(n);
        return NULL;
    }
    return n;
}

/* Passes on the complete lines the writer produced; a line the pipe cannot
 * take whole is finished first next time (never interleaved). */
static void pass_on(rt_notify_t *n)
{
    if (fflush(n->mem) != 0)
        return;
    while (n->partial_len > 0) {
        ssize_t k = write(n->fd, n->partial + n->partial_off, n->partial_len - n->partial_off);
        if (k <= 0)
            break;
        n->partial_off += (size_t)k;
        if (n->partial_off == n->partial_len)
            n->partial_len = n->partial_off = 0;
    }
    char *nl;
    while ((nl = memchr(n->buf + n->sent, '\n', n->len - n->sent)) != NULL) {
        size_t len = (size_t)(nl - (n->buf + n->sent)) + 1;
        const char *line = n->buf + n->sent;
        n->sent += len;
        n->notices++;
        ssize_t k = n->partial_len == 0 ? write(n->fd, line, len) : 0;
        if (k == (ssize_t)len)
            continue;
        if (k > 0 && len <= sizeof(n->partial)) {
            memcpy(n->partial, line, len);
            n->partial_len = len;
            n->partial_off = (size_t)k;
        } else {
            n->dropped++;
        }
    }
    if (n->sent == n->len) {
        /* Start the buffer over; the stream writes at its position. */
        rewind(n->mem);
        n->sent = 0;
    }
}

void rt_notify_event(void *ctx, const sim_tr_ev_t *ev)
{
    rt_notify_t *n = ctx;
    ncs_writer_event(n->w, ev);
    if (!ncs_writer_holding(n->w))
        n->held_since_ms = -1;
    else if (n->held_since_ms < 0)
        n->held_since_ms = ev->t_ms;
    pass_on(n);
}

void rt_notify_tick(rt_notify_t *n, int64_t now_ms)
{
    if (n == NULL || n->held_since_ms < 0 || now_ms - n->held_since_ms < RT_NOTIFY_LATE_MS)
        return;
    ncs_writer_release(n->w);
    n->held_since_ms = -1;
    pass_on(n);
}

static bool poster_gone(pid_t pid)
{
    pid_t r = waitpid(pid, NULL, WNOHANG);
    return r == pid || (r < 0 && errno != EINTR);
}

void rt_notify_finish(rt_notify_t *n)
{
    if (n == NULL)
        return;
    if (n->w != NULL) {
        (void)ncs_writer_finish(n->w);
        pass_on(n);
        ncs_writer_free(n->w);
    }
    if (n->mem != NULL)
        fclose(n->mem);
    free(n->buf);
    close(n->fd); /* end of input: the poster sends what it has and exits */
    int64_t until = rt_now_ms() + RT_NOTIFY_DRAIN_MS;
    bool gone = poster_gone(n->pid);
    while (!gone && rt_now_ms() < until) {
        struct pollfd none;
        (void)rt_poll(&none, 0, 20);
        gone = poster_gone(n->pid);
    }
    if (!gone) {
        fprintf(stderr, "hasim-rt: warning: the notifier did not finish within %d ms: killed\n",
                RT_NOTIFY_DRAIN_MS);
        (void)kill(n->pid, SIGKILL);
        (void)waitpid(n->pid, NULL, 0);
    }
    if (n->dropped > 0)
        fprintf(stderr, "hasim-rt: warning: %" PRIu64 " of %" PRIu64
                        " notices dropped: the receiver was too slow\n", n->dropped, n->notices);
    free(n);
}
