/* rt_http.h -- the REST front of the real-process runtime (libmicrohttpd).
 *
 * The cloud recording API on 127.0.0.1 (agora-facts.md):
 *   POST /v1/apps/{appid}/cloud_recording/acquire
 *   POST .../resourceid/{rid}/mode/{mode}/start          body {"cname","uid"}
 *   GET  .../resourceid/{rid}/sid/{sid}/mode/{mode}/query
 *   POST .../resourceid/{rid}/sid/{sid}/mode/{mode}/update
 *   POST .../resourceid/{rid}/sid/{sid}/mode/{mode}/updateLayout
 *   POST .../resourceid/{rid}/sid/{sid}/mode/{mode}/stop
 * mode is mix, individual or web. Every call but acquire goes through the HA
 * core, synchronously, and is answered with the core's status, code and
 * message as JSON.
 *
 * The daemon has no thread of its own: MHD runs in the center's event loop
 * (MHD_USE_EPOLL; the loop polls rt_http_fd() and calls rt_http_run()), so
 * a request is handled between two inputs of the core like any other.
 */
#ifndef RT_HTTP_H
#define RT_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "ha.h"

typedef struct {
    ha_call_t call;
    ha_mode_t mode;
    const char *sid;   /* not for start */
    const char *cname; /* start */
    uint32_t uid;      /* start */
} rt_http_req_t;

typedef struct {
    int http;     /* 200, 206, 400, 404, ... */
    int code;     /* the service's code, 0 none */
    int status;   /* query: serverResponse.status, -1 none */
    char message[128];
    char file[HA_NAME_MAX];
    char sid[HA_SID_LEN + 1];
} rt_http_resp_t;

/* Answers one call; resp comes zeroed with status -1. */
typedef void rt_http_api_fn(void *ctx, const rt_http_req_t *req, rt_http_resp_t *resp);

typedef struct rt_http rt_http_t;

/* Listens on 127.0.0.1:port (0: any free port). speed is libfaketime's
 * (1 without): the front's time limits are in real time. NULL with err set. */
rt_http_t *rt_http_start(uint16_t port, uint32_t speed, rt_http_api_fn *fn, void *ctx, char *err,
                         size_t err_cap);
uint16_t rt_http_port(const rt_http_t *h);
/* The descriptor to poll for POLLIN. */
int rt_http_fd(const rt_http_t *h);
/* Handles what is ready: call when rt_http_fd() polls readable or
 * rt_http_wait_ms() has passed. */
void rt_http_run(rt_http_t *h);
/* How long (ms, the process's clock) until rt_http_run() is due even with
 * nothing to read; 0: at once; INT64_MAX: not before rt_http_fd() says. */
int64_t rt_http_wait_ms(const rt_http_t *h);
/* Requests answered so far. */
uint64_t rt_http_requests(const rt_http_t *h);
void rt_http_stop(rt_http_t *h);

#endif
