/* bb_http.c -- the REST calls (bb_http.h). One easy handle, reused: calls
 * are made one at a time from the driver's loop. */
#include "bb_http.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

struct bb_http {
    CURL *h;
    struct curl_slist *hdr;
    char base[BB_URL_MAX];
    char body[BB_HTTP_BODY_MAX + 1];
    size_t len;
    bool too_big;
};

int64_t bb_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t take(char *p, size_t size, size_t n, void *ctx)
{
    bb_http_t *h = ctx;
    size_t k = size * n;
    if (h->len + k > BB_HTTP_BODY_MAX) {
        h->too_big = true;
        return 0; /* curl stops: an answer that large is not the service's */
    }
    memcpy(h->body + h->len, p, k);
    h->len += k;
    return k;
}

bb_http_t *bb_http_new(const char *base, int64_t timeout_ms, char *err, size_t cap)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if ((strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) ||
        n + 1 >= BB_URL_MAX) {
        snprintf(err, cap, "--target takes an http:// or https:// URL (the API's base, up to "
                           "/cloud_recording), not '%s'", base);
        return NULL;
    }
    bb_http_t *h = calloc(1, sizeof(*h));
    if (h == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
        (h->h = curl_easy_init()) == NULL ||
        (h->hdr = curl_slist_append(NULL, "Content-Type: application/json")) == NULL) {
        snprintf(err, cap, "cannot set up libcurl");
        bb_http_free(h);
        return NULL;
    }
    memcpy(h->base, base, n);
    h->base[n] = '\0';
    curl_easy_setopt(h->h, CURLOPT_HTTPHEADER, h->hdr);
    curl_easy_setopt(h->h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h->h, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->h, CURLOPT_WRITEFUNCTION, take);
    curl_easy_setopt(h->h, CURLOPT_WRITEDATA, h);
    const char *auth = getenv("HASIM_DRIVE_AUTH");
    if (auth != NULL && auth[0] != '\0') {
        curl_easy_setopt(h->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h->h, CURLOPT_USERPWD, auth);
    }
    return h;
}

void bb_http_free(bb_http_t *h)
{
    if (h == NULL)
        return;
    if (h->h != NULL)
        curl_easy_cleanup(h->h);
    curl_slist_free_all(h->hdr);
    free(h);
}

const char *bb_call_name(bb_call_t call)
{
    static const char *const names[] = {"acquire", "start", "query",
                                        "update",  "updateLayout", "stop"};
    return call <= BB_STOP ? names[call] : "?";
}

/* The path after the base, and the body (NULL: GET). */
static const char *request(bb_call_t call, const bb_call_args_t *a, char *path, size_t cap)
{
    if (call == BB_ACQUIRE)
        snprintf(path, cap, "/acquire");
    else if (call == BB_START)
        snprintf(path, cap, "/resourceid/%s/mode/%s/start", a->rid, a->mode);
    else
        snprintf(path, cap, "/resourceid/%s/sid/%s/mode/%s/%s", a->rid, a->sid, a->mode,
                 bb_call_name(call));
    return call == BB_QUERY ? NULL : "";
}

static json_t *body_of(bb_call_t call, const bb_call_args_t *a)
{
    char uid[16];
    snprintf(uid, sizeof(uid), "%" PRIu32, a->uid);
    json_t *req = json_object();
    if (call == BB_UPDATE)
        json_object_set_new(req, "streamSubscribe",
                            json_pack("{s:{s:[s]}}", "audioUidList", "subscribeAudioUids", "#allstream#"));
    else if (call == BB_UPDATE_LAYOUT)
        json_object_set_new(req, "mixedVideoLayout", json_integer(1));
    return json_pack("{s:s, s:s, s:o}", "cname", a->cname, "uid", uid, "clientRequest", req);
}

static void read_answer(bb_http_t *h, bb_answer_t *out)
{
    json_error_t je;
    json_t *root = json_loadb(h->body, h->len, 0, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return; /* not JSON: the status is all there is */
    }
    json_t *code = json_object_get(root, "code");
    if (json_is_integer(code))
        out->code = (int)json_integer_value(code);
    const char *reason = json_string_value(json_object_get(root, "reason"));
    if (reason == NULL)
        reason = json_string_value(json_object_get(root, "message"));
    snprintf(out->reason, sizeof(out->reason), "%s", reason != NULL ? reason : "");
    const char *rid = json_string_value(json_object_get(root, "resourceId"));
    const char *sid = json_string_value(json_object_get(root, "sid"));
    snprintf(out->rid, sizeof(out->rid), "%s", rid != NULL ? rid : "");
    snprintf(out->sid, sizeof(out->sid), "%s", sid != NULL ? sid : "");
    json_t *st = json_object_get(json_object_get(root, "serverResponse"), "status");
    if (json_is_integer(st))
        out->status = (int)json_integer_value(st);
    json_decref(root);
}

void bb_http_call(bb_http_t *h, bb_call_t call, const bb_call_args_t *a, bb_answer_t *out)
{
    memset(out, 0, sizeof(*out));
    out->status = -1;
    char path[1024], url[BB_URL_MAX + 1024];
    const char *post = request(call, a, path, sizeof(path));
    snprintf(url, sizeof(url), "%s%s", h->base, path);
    char *text = NULL;
    if (post != NULL) {
        json_t *body = body_of(call, a);
        text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
    }
    curl_easy_setopt(h->h, CURLOPT_URL, url);
    if (text != NULL) {
        curl_easy_setopt(h->h, CURLOPT_POSTFIELDS, text);
        curl_easy_setopt(h->h, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
    } else {
        curl_easy_setopt(h->h, CURLOPT_HTTPGET, 1L);
    }
    h->len = 0;
    h->too_big = false;
    out->sent_utc_ms = bb_now_ms();
    CURLcode rc = curl_easy_perform(h->h);
    out->rtt_ms = bb_now_ms() - out->sent_utc_ms;
    free(text);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h->h, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status < 100 || status > 599) {
        snprintf(out->err, sizeof(out->err), "%s %.300s: %.150s", post != NULL ? "POST" : "GET", url,
                 h->too_big ? "an answer over 64 KiB" : curl_easy_strerror(rc));
        return;
    }
    out->http = (int)status;
    read_answer(h, out);
}
