/* bb_listen.c -- the callback endpoint (bb_listen.h). */
#define _DEFAULT_SOURCE
#include "bb_listen.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#define EXITS_KEPT 64 /* sids whose session_exit came; the oldest forgotten first */

typedef struct {
    bool used, too_big;
    size_t len;
    char body[BB_LISTEN_BODY_MAX];
} conn_t;

struct bb_listen {
    struct MHD_Daemon *d;
    FILE *log;
    uint16_t port;
    int fd;
    bb_listen_stats_t st;
    char exits[EXITS_KEPT][128];
    unsigned exits_next;
    conn_t conns[BB_LISTEN_CONN_MAX];
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    (void)MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static void note_exit(bb_listen_t *l, json_t *env)
{
    json_t *payload = json_object_get(env, "payload");
    const char *sid = json_string_value(json_object_get(payload, "sid"));
    if (json_integer_value(json_object_get(env, "eventType")) != 11 || sid == NULL)
        return;
    snprintf(l->exits[l->exits_next++ % EXITS_KEPT], sizeof(l->exits[0]), "%s", sid);
}

/* One envelope, whole: a JSON object, written as one line. */
static enum MHD_Result take_envelope(bb_listen_t *l, struct MHD_Connection *conn, const conn_t *c)
{
    if (c->too_big) {
        l->st.refused_big++;
        return reply(conn, 413, "{\"code\":413,\"message\":\"body too large\"}\n");
    }
    json_error_t je;
    json_t *env = json_loadb(c->body, c->len, 0, &je);
    char *line = json_is_object(env) ? json_dumps(env, JSON_COMPACT) : NULL;
    if (line == NULL) {
        json_decref(env);
        l->st.refused_json++;
        return reply(conn, 400, "{\"code\":400,\"message\":\"not a JSON object\"}\n");
    }
    note_exit(l, env);
    json_decref(env);
    if (l->log != NULL) {
        fprintf(l->log, "%s\n", line);
        fflush(l->log);
    }
    free(line);
    l->st.taken++;
    return reply(conn, 200, "{\"code\":0}\n");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    bb_listen_t *l = cls;
    (void)url;
    (void)version;
    if (*con_cls == NULL) {
        conn_t *c = NULL;
        for (size_t i = 0; i < BB_LISTEN_CONN_MAX && c == NULL; i++) {
            if (!l->conns[i].used)
                c = &l->conns[i];
        }
        if (c == NULL) {
            l->st.refused_busy++;
            return reply(conn, 503, "{\"code\":503,\"message\":\"busy\"}\n");
        }
        c->used = true;
        c->too_big = false;
        c->len = 0;
        *con_cls = c;
        return MHD_YES;
    }
    conn_t *c = *con_cls;
    if (*upload_size > 0) {
        if (c->len + *upload_size > sizeof(c->body))
            c->too_big = true;
        else
            memcpy(c->body + c->len, upload, *upload_size);
        if (!c->too_big)
            c->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0)
        return reply(conn, 405, "{\"code\":405,\"message\":\"callbacks are POSTed\"}\n");
    return take_envelope(l, conn, c);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    conn_t *c = *con_cls;
    if (c != NULL)
        c->used = false;
    *con_cls = NULL;
}

static bool parse_host_port(const char *hp, struct sockaddr_in *sin)
{
    const char *colon = strrchr(hp, ':');
    char host[64];
    if (colon == NULL || (size_t)(colon - hp) >= sizeof(host))
        return false;
    memcpy(host, hp, (size_t)(colon - hp));
    host[colon - hp] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || port > 65535)
        return false;
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &sin->sin_addr) == 1;
}

bb_listen_t *bb_listen_start(const char *host_port, FILE *log, char *err, size_t cap)
{
    struct sockaddr_in sin;
    if (!parse_host_port(host_port, &sin)) {
        snprintf(err, cap, "--notify-listen takes IPv4:PORT (127.0.0.1:8090), not '%s'", host_port);
        return NULL;
    }
    bb_listen_t *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    l->log = log;
    l->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, ntohs(sin.sin_port), NULL, NULL,
                            handler, l, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned int)BB_LISTEN_CONN_MAX,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)BB_LISTEN_IDLE_S,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, l, MHD_OPTION_END);
    const union MHD_DaemonInfo *fdi =
        l->d != NULL ? MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    const union MHD_DaemonInfo *pi =
        l->d != NULL ? MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (fdi == NULL || pi == NULL) {
        snprintf(err, cap, "cannot listen on %s for callbacks (port taken?)", host_port);
        bb_listen_stop(l);
        return NULL;
    }
    l->fd = fdi->epoll_fd;
    l->port = pi->port;
    return l;
}

void bb_listen_set_log(bb_listen_t *l, FILE *log)
{
    l->log = log;
    memset(l->exits, 0, sizeof(l->exits));
}

uint16_t bb_listen_port(const bb_listen_t *l) { return l->port; }

int bb_listen_fd(const bb_listen_t *l) { return l->fd; }

int64_t bb_listen_timeout_ms(const bb_listen_t *l)
{
    MHD_UNSIGNED_LONG_LONG ms;
    if (MHD_get_timeout(l->d, &ms) != MHD_YES)
        return -1;
    return ms > INT64_MAX ? INT64_MAX : (int64_t)ms;
}

void bb_listen_run(bb_listen_t *l)
{
    /* A response queued in the handler is written by a later MHD_run, which
     * MHD_get_timeout() then says is due at once; the rest waits for the
     * loop's next turn (bounded by that timeout). */
    for (int i = 0; i < 8; i++) {
        (void)MHD_run(l->d);
        if (bb_listen_timeout_ms(l) != 0)
            return;
    }
}

int bb_listen_exit_seen(const bb_listen_t *l, const char *sid)
{
    for (unsigned i = 0; i < EXITS_KEPT; i++) {
        if (l->exits[i][0] != '\0' && strcmp(l->exits[i], sid) == 0)
            return 1;
    }
    return 0;
}

bb_listen_stats_t bb_listen_stats(const bb_listen_t *l) { return l->st; }

void bb_listen_stop(bb_listen_t *l)
{
    if (l == NULL)
        return;
    if (l->d != NULL)
        MHD_stop_daemon(l->d);
    free(l);
}
