/* contain.c -- work in a child; its result through a pipe, its crash named. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "contain.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the parent keeps of a child's stderr for messages. */
#define STDERR_KEEP 4096

struct contain {
    bool fork_each;
    unsigned timeout_s;
    FILE *err;      /* the children's stderr, rewound for each */
    void *shared;
    size_t shared_bytes;
    char err_text[STDERR_KEEP];
};

contain_t *contain_new(bool fork_each, unsigned timeout_s, size_t shared_bytes)
{
    contain_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->fork_each = fork_each;
    c->timeout_s = timeout_s;
    c->shared_bytes = shared_bytes;
    if (shared_bytes > 0) {
        void *p = mmap(NULL, shared_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                       -1, 0);
        c->shared = p == MAP_FAILED ? NULL : p;
    }
    if ((fork_each && (c->err = tmpfile()) == NULL) || (shared_bytes > 0 && c->shared == NULL)) {
        contain_free(c);
        return NULL;
    }
    return c;
}

void contain_free(contain_t *c)
{
    if (c == NULL)
        return;
    if (c->err != NULL)
        fclose(c->err);
    if (c->shared != NULL)
        munmap(c->shared, c->shared_bytes);
    free(c);
}

void *contain_shared(contain_t *c) { return c->shared; }

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Everything until end of file, into a malloc'd buffer (NUL ended). */
static char *read_all(int fd, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (; buf != NULL;) {
        if (cap - n < 4096) {
            char *grown = realloc(buf, cap * 2);
            if (grown == NULL)
                break;
            buf = grown;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            buf[n] = '\0';
            *len = n;
            return buf;
        }
        n += (size_t)r;
    }
    free(buf);
    return NULL;
}

/* In the child: the work, its bytes to fd, and out with exit(). */
static void child(contain_t *c, contain_fn *fn, void *ctx, int fd)
{
    dup2(fileno(c->err), STDERR_FILENO);
    signal(SIGALRM, SIG_DFL);
    if (c->timeout_s > 0)
        alarm(c->timeout_s);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out == NULL)
        exit(3);
    fn(ctx, out);
    if (fclose(out) != 0 || write_all(fd, buf, len) != 0)
        exit(3);
    free(buf);
    close(fd);
    exit(0);
}

/* The child's stderr, copied to ours and kept (its end) for messages. The
 * child wrote through the same open file, so its offset is the length. */
static void take_stderr(contain_t *c)
{
    int fd = fileno(c->err);
    c->err_text[0] = '\0';
    off_t size = lseek(fd, 0, SEEK_CUR);
    if (size <= 0 || lseek(fd, 0, SEEK_SET) != 0)
        return;
    char chunk[4096];
    size_t keep = 0;
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        fflush(stderr);
        (void)write_all(STDERR_FILENO, chunk, (size_t)r);
        /* keep the last STDERR_KEEP - 1 bytes */
        size_t n = (size_t)r, room = STDERR_KEEP - 1;
        if (n >= room) {
            memcpy(c->err_text, chunk + n - room, room);
            keep = room;
        } else {
            size_t drop = keep + n > room ? keep + n - room : 0;
            memmove(c->err_text, c->err_text + drop, keep - drop);
            memcpy(c->err_text + keep - drop, chunk, n);
            keep = keep - drop + n;
        }
    }
    c->err_text[keep] = '\0';
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return;
}

static void describe(contain_t *c, int status, bool complete, contain_status_t *st)
{
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM && c->timeout_s > 0)
        snprintf(st->what, sizeof(st->what), "timed out after %u s (SIGALRM)", c->timeout_s);
    else if (WIFSIGNALED(status))
        snprintf(st->what, sizeof(st->what), "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status) && !complete)
        snprintf(st->what, sizeof(st->what), "exited with status %d before its result",
                 WEXITSTATUS(status));
    else
        snprintf(st->what, sizeof(st->what), "exited with status %d after its result",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    st->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    st->crashed = true;
}

int contain_call(contain_t *c, contain_fn *fn, void *ctx, char **result, size_t *len,
                 contain_status_t *st)
{
    memset(st, 0, sizeof(*st));
    st->stderr_text = c->err_text;
    c->err_text[0] = '\0';
    *result = NULL;
    *len = 0;
    int fds[2];
    pid_t pid = -1;
    fflush(NULL); /* nothing buffered is written twice */
    if (c->fork_each && pipe(fds) == 0 && (pid = fork()) < 0) {
        close(fds[0]);
        close(fds[1]);
    }
    if (pid < 0) {
        if (c->fork_each)
            return -1;
        FILE *out = open_memstream(result, len);
        if (out == NULL)
            return -1;
        fn(ctx, out);
        return fclose(out) == 0 ? 0 : -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child(c, fn, ctx, fds[1]);
    }
    close(fds[1]);
    char *buf = read_all(fds[0], len);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    take_stderr(c);
    if (buf != NULL && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        *result = buf;
        return 0;
    }
    describe(c, status, buf != NULL && *len > 0, st);
    free(buf);
    *len = 0;
    return 0;
}
