/* bb_http.h -- the service's REST API as a client calls it (libcurl):
 * acquire, start, query, update, updateLayout, stop, with the service's
 * paths and bodies (docs/agora-facts.md), each bounded in time.
 *
 * libcurl rather than a socket client of our own: a staging deployment is
 * HTTPS behind a gateway, with Basic authentication (the customer's key and
 * secret) -- HASIM_DRIVE_AUTH="key:secret" in the environment, never on the
 * command line where ps shows it.
 */
#ifndef BB_HTTP_H
#define BB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_HTTP_BODY_MAX 65536   /* an answer's bytes we keep; more is an error */
#define BB_HTTP_TIMEOUT_MS 10000 /* one call, connection included */
#define BB_URL_MAX 2048

typedef enum { BB_ACQUIRE, BB_START, BB_QUERY, BB_UPDATE, BB_UPDATE_LAYOUT, BB_STOP } bb_call_t;

typedef struct bb_http bb_http_t;

/* An answer. http 0: no answer at all (err says why: refused, timed out). */
typedef struct {
    int http;
    int code;           /* body's "code", 0 none */
    int status;         /* query, stop: serverResponse.status, -1 none */
    char reason[128];   /* body's "reason", else "message" */
    char rid[128];      /* acquire, start: resourceId */
    char sid[128];      /* start: sid */
    int64_t sent_utc_ms, rtt_ms;
    char err[512];
} bb_answer_t;

typedef struct {
    const char *rid, *sid, *mode, *cname;
    uint32_t uid;
} bb_call_args_t;

/* base: BASE_URL up to and including /cloud_recording (no trailing /).
 * NULL with err set. */
bb_http_t *bb_http_new(const char *base, int64_t timeout_ms, char *err, size_t cap);
void bb_http_free(bb_http_t *h);
void bb_http_call(bb_http_t *h, bb_call_t call, const bb_call_args_t *a, bb_answer_t *out);
const char *bb_call_name(bb_call_t call);
/* The wall clock in epoch ms (CLOCK_REALTIME: libfaketime's when run under it). */
int64_t bb_now_ms(void);

#endif
