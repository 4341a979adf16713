/* ha_name.c -- building file names into caller buffers, never overflowing.
 *
 * A tiny bounded appender keeps every function below a straight list of the
 * name's parts, which is how the documentation states them. */
#include "ha_name.h"

#include <assert.h>
#include <string.h>

#include "ha_utc.h"

typedef struct {
    char *out;
    size_t cap;
    size_t len;
    int overflow;
} name_buf_t;

static void put_char(name_buf_t *b, char ch)
{
    if (b->len + 1 >= b->cap) {
        b->overflow = 1;
        return;
    }
    b->out[b->len++] = ch;
}

static void put_str(name_buf_t *b, const char *s)
{
    /* One bounds check and a copy: names are built for every slice. */
    size_t n = strlen(s);
    if (b->len + n >= b->cap) {
        b->overflow = 1;
        return;
    }
    memcpy(b->out + b->len, s, n);
    b->len += n;
}

static void put_u32(name_buf_t *b, uint32_t v)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        put_char(b, digits[--n]);
}

/* Web page recording: the documentation says special characters of the
 * channel name become '-'; we keep letters, digits, '-' and '_'. */
static int web_keeps(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
}

static void put_base(name_buf_t *b, const ha_stream_name_t *st, int bak)
{
    assert(st->sid != NULL && st->cname != NULL);
    if (bak >= 0) {
        put_str(b, "bak");
        put_u32(b, (uint32_t)bak);
        put_char(b, '_');
    }
    put_str(b, st->sid);
    put_char(b, '_');
    if (st->mode == HA_MODE_WEB) {
        for (const char *p = st->cname; *p != '\0'; p++)
            put_char(b, web_keeps(*p) ? *p : '-');
    } else {
        put_str(b, st->cname);
    }
    if (st->mode == HA_MODE_INDIVIDUAL) {
        assert(st->track == HA_TRACK_AUDIO || st->track == HA_TRACK_VIDEO);
        put_str(b, "__uid_s_");
        put_u32(b, st->uid);
        put_str(b, "__uid_e_");
        put_str(b, st->track == HA_TRACK_AUDIO ? "audio" : "video");
    }
}

static size_t finish(name_buf_t *b)
{
    if (b->overflow) {
        if (b->cap > 0)
            b->out[0] = '\0';
        return 0;
    }
    b->out[b->len] = '\0';
    return b->len;
}

size_t ha_name_playlist(char *out, size_t cap, const ha_stream_name_t *st, int bak)
{
    name_buf_t b = {out, cap, 0, cap == 0};
    put_base(&b, st, bak);
    put_str(&b, ".m3u8");
    return finish(&b);
}

size_t ha_name_slice(char *out, size_t cap, const ha_stream_name_t *st, int bak,
                     ha_fmt_t fmt, int64_t start_utc_ms)
{
    assert(fmt == HA_FMT_TS || fmt == HA_FMT_WEBM);
    char utc[HA_UTC_LEN + 1];
    ha_utc_format(utc, start_utc_ms);
    name_buf_t b = {out, cap, 0, cap == 0};
    put_base(&b, st, bak);
    put_char(&b, '_');
    put_str(&b, utc);
    put_str(&b, fmt == HA_FMT_TS ? ".ts" : ".webm");
    return finish(&b);
}

size_t ha_name_mp4(char *out, size_t cap, const ha_stream_name_t *st, int bak, uint32_t index)
{
    name_buf_t b = {out, cap, 0, cap == 0};
    put_base(&b, st, bak);
    put_char(&b, '_');
    put_u32(&b, index);
    put_str(&b, ".mp4");
    return finish(&b);
}
