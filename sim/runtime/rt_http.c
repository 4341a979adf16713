/* rt_http.c -- the REST front: libmicrohttpd in the center's own loop.
 *
 * A request is routed by its path, its body (start only) read into one of a
 * fixed pool of connection contexts, then answered at once from the core's
 * reply: the handler runs inside rt_http_run(), on the loop's thread, so it
 * may give the core an input like any other source.
 */
#define _DEFAULT_SOURCE
#include "rt_http.h"
#include "rt_proto.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

/* Connections. Past HTTP_CONN_SOFT open ones a request is answered 503 at
 * once (and its connection closed), so a crowd of idle clients is told, not
 * waited on; past HTTP_CONN_HARD libmicrohttpd accepts nothing until idle
 * ones time out (HTTP_IDLE_REAL_S). Requests in progress each hold one of
 * HTTP_REQS_MAX contexts. */
#define HTTP_CONN_SOFT 32
#define HTTP_CONN_HARD 64
#define HTTP_REQS_MAX HTTP_CONN_SOFT
/* Real seconds a connection may say nothing; MHD counts them on a clock
 * libfaketime speeds up, so the option is this times the speed. */
#define HTTP_IDLE_REAL_S 3
/* A request's header and body in MHD's per-connection pool: more is 431. */
#define HTTP_CONN_MEMORY 32768
/* A body: at most this many bytes (413 beyond, told from Content-Length
 * before a byte is read), arriving within this many real ms (408). */
#define HTTP_BODY_MAX 4096
#define HTTP_BODY_REAL_MS 3000
#define HTTP_PATH_PARTS_MAX 16
#define HTTP_PATH_MAX 1024

typedef struct {
    bool used;
    int64_t since_ms; /* rt_now_ms() of the request's first call */
    size_t len;
    char body[HTTP_BODY_MAX];
} conn_t;

struct rt_http {
    struct MHD_Daemon *d;
    rt_http_api_fn *fn;
    void *ctx;
    uint16_t port;
    int fd;
    uint32_t speed;
    uint32_t open; /* connections, counted by MHD_OPTION_NOTIFY_CONNECTION */
    uint64_t requests, next_rid, refused;
    conn_t conns[HTTP_REQS_MAX];
};

static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL)
        return MHD_NO;
    size_t n = strlen(text);
    /* One line, as curl users like it. */
    char *line = realloc(text, n + 2);
    if (line == NULL) {
        free(text);
        return MHD_NO;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(n + 1, line, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(line);
        return MHD_NO;
    }
    (void)MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status, int code,
                                  const char *message)
{
    return send_json(conn, status, json_pack("{s:i, s:s}", "code", code, "message", message));
}

static bool mode_of(const char *s, ha_mode_t *m)
{
    if (strcmp(s, "mix") == 0)
        *m = HA_MODE_COMPOSITE;
    else if (strcmp(s, "individual") == 0)
        *m = HA_MODE_INDIVIDUAL;
    else if (strcmp(s, "web") == 0)
        *m = HA_MODE_WEB;
    else
        return false;
    return true;
}

static bool call_of(const char *s, ha_call_t *c)
{
    static const struct {
        const char *name;
        ha_call_t call;
    } calls[] = {{"query", HA_CALL_QUERY}, {"update", HA_CALL_UPDATE},
                 {"updateLayout", HA_CALL_UPDATE_LAYOUT}, {"stop", HA_CALL_STOP}};
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        if (strcmp(s, calls[i].name) == 0) {
            *c = calls[i].call;
            return true;
        }
    }
    return false;
}

/* A channel name as the service takes it (agora-facts.md): 1 to 64 bytes of
 * letters, digits, space and !#$%&()+-:;<=.>?@[]^_{}|~, -- no '/', so a
 * name can never leave the directory its files are written to. */
static bool cname_ok(const char *s)
{
    static const char punct[] = " !#$%&()+-:;<=.>?@[]^_{}|~,";
    size_t n = 0;
    if (s == NULL)
        return false;
    for (; s[n] != '\0'; n++) {
        char ch = s[n];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (n == HA_CNAME_MAX || (!alnum && strchr(punct, ch) == NULL))
            return false;
    }
    return n >= 1;
}

/* uid as Agora sends it: a string of digits (a number is accepted too). */
static bool uid_of(const json_t *v, uint32_t *uid)
{
    uint64_t x = 0;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 1 || i > (json_int_t)UINT32_MAX)
            return false;
        *uid = (uint32_t)i;
        return true;
    }
    const char *s = json_string_value(v);
    if (s == NULL || *s == '\0' || strlen(s) > 10)
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    if (x < 1 || x > UINT32_MAX)
        return false;
    *uid = (uint32_t)x;
    return true;
}

static enum MHD_Result answer(rt_http_t *h, struct MHD_Connection *conn, const char *rid,
                              const rt_http_req_t *req)
{
    rt_http_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.status = -1;
    h->fn(h->ctx, req, &resp);
    h->requests++;
    const char *sid = req->call == HA_CALL_START ? resp.sid : req->sid;
    json_t *body = json_pack("{s:s, s:s}", "resourceId", rid, "sid", sid);
    if (body == NULL)
        return MHD_NO;
    bool ok = resp.http == 200 || resp.http == 206;
    if (req->call == HA_CALL_START && ok) {
        char uid[16];
        snprintf(uid, sizeof(uid), "%" PRIu32, req->uid);
        json_object_set_new(body, "cname", json_string(req->cname));
        json_object_set_new(body, "uid", json_string(uid));
    }
    if (ok && (req->call == HA_CALL_QUERY || req->call == HA_CALL_STOP)) {
        json_t *sr = json_object();
        if (resp.status >= 0)
            json_object_set_new(sr, "status", json_integer(resp.status));
        json_object_set_new(sr, "fileListMode", json_string("string"));
        json_object_set_new(sr, "fileList", json_string(resp.file));
        if (req->call == HA_CALL_STOP)
            json_object_set_new(sr, "uploadingStatus", json_string("uploaded"));
        json_object_set_new(body, "serverResponse", sr);
    }
    if (!ok || resp.code != 0)
        json_object_set_new(body, "code", json_integer(resp.code != 0 ? resp.code : resp.http));
    if (resp.message[0] != '\0')
        json_object_set_new(body, "message", json_string(resp.message));
    return send_json(conn, (unsigned)resp.http, body);
}

static enum MHD_Result route(rt_http_t *h, struct MHD_Connection *conn, const char *url,
                             const char *method, const conn_t *c)
{
    char path[HTTP_PATH_MAX];
    char *part[HTTP_PATH_PARTS_MAX];
    size_t n = 0;
    if (snprintf(path, sizeof(path), "%s", url) >= (int)sizeof(path))
        return send_error(conn, 414, 414, "path too long");
    for (char *save = NULL, *tok = strtok_r(path, "/", &save); tok != NULL;
         tok = strtok_r(NULL, "/", &save)) {
        if (n == HTTP_PATH_PARTS_MAX)
            return send_error(conn, 404, 404, "no such resource");
        part[n++] = tok;
    }
    bool post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
    if (n < 5 || strcmp(part[0], "v1") != 0 || strcmp(part[1], "apps") != 0 ||
        strcmp(part[3], "cloud_recording") != 0)
        return send_error(conn, 404, 404, "no such resource");

    rt_http_req_t req;
    memset(&req, 0, sizeof(req));
    if (n == 5 && strcmp(part[4], "acquire") == 0) {
        if (!post)
            return send_error(conn, 405, 405, "use POST");
        /* Outside the HA core: a resource id is only a ticket. */
        char rid[40];
        snprintf(rid, sizeof(rid), "hasim-rt-resource-%" PRIu64, ++h->next_rid);
        h->requests++;
        return send_json(conn, 200, json_pack("{s:s}", "resourceId", rid));
    }
    if (n == 9 && strcmp(part[4], "resourceid") == 0 && strcmp(part[6], "mode") == 0 &&
        strcmp(part[8], "start") == 0) {
        if (!post)
            return send_error(conn, 405, 405, "use POST");
        if (!mode_of(part[7], &req.mode))
            return send_error(conn, 400, 2, "mode is mix, individual or web");
        json_error_t jerr;
        json_t *body = json_loadb(c->body, c->len, 0, &jerr);
        const char *cname = json_string_value(json_object_get(body, "cname"));
        char cname_copy[HA_CNAME_MAX + 1];
        bool good = cname_ok(cname) && uid_of(json_object_get(body, "uid"), &req.uid);
        if (good)
            snprintf(cname_copy, sizeof(cname_copy), "%s", cname);
        json_decref(body);
        if (!good)
            return send_error(conn, 400, 2,
                              "body needs cname (1-64 of a-z A-Z 0-9 space !#$%&()+-:;<=.>?@[]^_{}|~,)"
                              " and uid (\"1\"..\"4294967295\")");
        req.call = HA_CALL_START;
        req.cname = cname_copy;
        return answer(h, conn, part[5], &req);
    }
    if (n == 11 && strcmp(part[4], "resourceid") == 0 && strcmp(part[6], "sid") == 0 &&
        strcmp(part[8], "mode") == 0 && call_of(part[10], &req.call)) {
        if (req.call == HA_CALL_QUERY ? !get : !post)
            return send_error(conn, 405, 405, req.call == HA_CALL_QUERY ? "use GET" : "use POST");
        if (!mode_of(part[9], &req.mode))
            return send_error(conn, 400, 2, "mode is mix, individual or web");
        req.sid = part[7];
        return answer(h, conn, part[5], &req);
    }
    return send_error(conn, 404, 404, "no such resource");
}

/* The first call of a request (its header is in): a context, or a clear
 * answer why not. */
static enum MHD_Result request_begin(rt_http_t *h, struct MHD_Connection *conn, void **con_cls)
{
    conn_t *c = NULL;
    for (size_t i = 0; i < HTTP_REQS_MAX && c == NULL; i++) {
        if (!h->conns[i].used)
            c = &h->conns[i];
    }
    if (c == NULL || h->open > HTTP_CONN_SOFT) {
        h->refused++;
        return send_error(conn, 503, 503, "too many connections (at most 32 open at once)");
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl != NULL && strtoull(cl, NULL, 10) > HTTP_BODY_MAX)
        return send_error(conn, 413, 2, "body too large (at most 4096 bytes)");
    c->used = true;
    c->len = 0;
    c->since_ms = rt_now_ms();
    *con_cls = c;
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    rt_http_t *h = cls;
    (void)version;
    if (*con_cls == NULL)
        return request_begin(h, conn, con_cls);
    conn_t *c = *con_cls;
    if (*upload_size > 0) {
        /* Past a bound in the middle of a body: libmicrohttpd 0.9.75 cannot
         * queue an answer before the body is read (the 413 of a declared
         * Content-Length goes out before), so the connection is closed. */
        if (c->len + *upload_size > HTTP_BODY_MAX ||
            rt_now_ms() - c->since_ms > (int64_t)HTTP_BODY_REAL_MS * h->speed) {
            h->refused++;
            return MHD_NO;
        }
        memcpy(c->body + c->len, upload, *upload_size);
        c->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    return route(h, conn, url, method, c);
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

static void connection_note(void *cls, struct MHD_Connection *conn, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe)
{
    rt_http_t *h = cls;
    (void)conn;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        h->open++;
    else if (h->open > 0)
        h->open--;
}

rt_http_t *rt_http_start(uint16_t port, uint32_t speed, rt_http_api_fn *fn, void *ctx, char *err,
                         size_t err_cap)
{
    rt_http_t *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    h->fn = fn;
    h->ctx = ctx;
    h->speed = speed > 0 ? speed : 1;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* No thread: the center's loop runs the daemon (see rt_http.h). */
    h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, port, NULL, NULL, handler, h,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_HARD,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(HTTP_IDLE_REAL_S * h->speed),
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, h,
                            MHD_OPTION_NOTIFY_CONNECTION, connection_note, h,
                            MHD_OPTION_END);
    if (h->d == NULL) {
        snprintf(err, err_cap, "cannot listen on 127.0.0.1:%u (port taken?)", (unsigned)port);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *fdi = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    if (fdi == NULL || pi == NULL) {
        snprintf(err, err_cap, "libmicrohttpd gives no epoll descriptor");
        MHD_stop_daemon(h->d);
        free(h);
        return NULL;
    }
    h->fd = fdi->epoll_fd;
    h->port = pi->port;
    return h;
}

uint16_t rt_http_port(const rt_http_t *h) { return h->port; }

int rt_http_fd(const rt_http_t *h) { return h->fd; }

void rt_http_run(rt_http_t *h)
{
    /* One round. epoll is edge-triggered inside MHD: what one round did not
     * finish (a response queued by the handler, the rest of a large upload,
     * an idle connection to close) is not signalled on rt_http_fd() again;
     * MHD_get_timeout() says when the next round is due instead, and the
     * loop's poll honours it (rt_http_wait_ms()). */
    (void)MHD_run(h->d);
}

int64_t rt_http_wait_ms(const rt_http_t *h)
{
    MHD_UNSIGNED_LONG_LONG ms;
    if (MHD_get_timeout(h->d, &ms) != MHD_YES)
        return INT64_MAX; /* nothing timed: only rt_http_fd() wakes us */
    return ms > INT64_MAX ? INT64_MAX : (int64_t)ms;
}

uint64_t rt_http_requests(const rt_http_t *h) { return h->requests; }

void rt_http_stop(rt_http_t *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
