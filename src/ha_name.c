/* ha_name.c -- building file names into caller buffers of HA_NAME_MAX.
 *
 * A tiny appender keeps every function below a straight list of the name's
 * parts, which is how the documentation states them. Every part is bounded
 * (the API gate admits only 32-hex-digit sids and cnames up to 64 bytes), so
 * the longest name is a compile-time number: HA_NAME_LONGEST below, checked
 * against HA_NAME_MAX. A name that would not fit is therefore our bug, and
 * is asserted rather than handled. */
#include "ha_name.h"

#include <assert.h>
#include <string.h>

#include "ha_utc.h"

#define U32_DIGITS_MAX 10
/* "bak<n>_" <sid> "_" <cname> "__uid_s_" <uid> "__uid_e_" "audio" then the
 * longest tail: "_" <utc> ".webm" (a slice) or "_" <index> ".mp4". */
#define TAIL_SLICE_MAX (1 + HA_UTC_LEN + sizeof(".webm") - 1)
#define TAIL_MP4_MAX (1 + U32_DIGITS_MAX + sizeof(".mp4") - 1)
#define HA_NAME_LONGEST                                                                            \
    (3 + U32_DIGITS_MAX + 1 + HA_SID_LEN + 1 + HA_CNAME_MAX + 8 + U32_DIGITS_MAX + 8 + 5 +        \
     (TAIL_SLICE_MAX > TAIL_MP4_MAX ? TAIL_SLICE_MAX : TAIL_MP4_MAX))
_Static_assert(HA_NAME_LONGEST < HA_NAME_MAX, "the longest file name must fit HA_NAME_MAX");

typedef struct {
    char *out;
    size_t len;
} name_buf_t;

static void put_char(name_buf_t *b, char ch)
{
    assert(b->len + 1 < HA_NAME_MAX);
    b->out[b->len++] = ch;
}

static void put_str(name_buf_t *b, const char *s)
{
    size_t n = strlen(s);
    assert(b->len + n < HA_NAME_MAX);
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
    assert(strlen(st->sid) <= HA_SID_LEN && strlen(st->cname) <= HA_CNAME_MAX);
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
    assert(b->len > 0 && b->len <= HA_NAME_LONGEST);
    b->out[b->len] = '\0';
    return b->len;
}

static name_buf_t start(char *out, size_t cap)
{
    assert(out != NULL && cap >= HA_NAME_MAX);
    (void)cap;
    name_buf_t b = {out, 0};
    return b;
}

size_t ha_name_playlist(char *out, size_t cap, const ha_stream_name_t *st, int bak)
{
    name_buf_t b = start(out, cap);
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
    name_buf_t b = start(out, cap);
    put_base(&b, st, bak);
    put_char(&b, '_');
    put_str(&b, utc);
    put_str(&b, fmt == HA_FMT_TS ? ".ts" : ".webm");
    return finish(&b);
}

size_t ha_name_mp4(char *out, size_t cap, const ha_stream_name_t *st, int bak, uint32_t index)
{
    name_buf_t b = start(out, cap);
    put_base(&b, st, bak);
    put_char(&b, '_');
    put_u32(&b, index);
    put_str(&b, ".mp4");
    return finish(&b);
}
