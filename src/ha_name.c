/* ha_name.c -- building file names into caller buffers of HA_NAME_MAX.
 *
 * A tiny appender keeps every function below a straight list of the name's
 * parts, which is how the documentation states them. Every part is bounded
 * (the API gate admits only 32-hex-digit sids and cnames up to 64 bytes), so
 * the longest name is a compile-time number: HA_NAME_LONGEST below, checked
 * against HA_NAME_MAX. A name that would not fit is therefore our bug, and
 * is asserted rather than handled.
 *
 * Every slice of every stream is named here, so the appender copies whole
 * parts of known length (memcpy) rather than a character at a time, and a
 * slice's name is its playlist's name with a tail in place of ".m3u8"
 * (ha_name_slice_of): one base is built per slice, not two. */
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

#define PLAYLIST_EXT ".m3u8"
#define PLAYLIST_EXT_LEN (sizeof(PLAYLIST_EXT) - 1)

typedef struct {
    char *out;
    size_t len;
} name_buf_t;

static void put_mem(name_buf_t *b, const char *s, size_t n)
{
    assert(b->len + n < HA_NAME_MAX);
    memcpy(b->out + b->len, s, n);
    b->len += n;
}

/* A string literal, whose length the compiler knows. */
#define put_lit(b, lit) put_mem((b), (lit), sizeof(lit) - 1)

static void put_char(name_buf_t *b, char ch)
{
    put_mem(b, &ch, 1);
}

static void put_u32(name_buf_t *b, uint32_t v)
{
    char digits[U32_DIGITS_MAX];
    size_t i = sizeof(digits);
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put_mem(b, digits + i, sizeof(digits) - i);
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
    size_t sid_len = strlen(st->sid);
    size_t cname_len = strlen(st->cname);
    assert(sid_len <= HA_SID_LEN && cname_len <= HA_CNAME_MAX);
    if (bak >= 0) {
        put_lit(b, "bak");
        put_u32(b, (uint32_t)bak);
        put_char(b, '_');
    }
    put_mem(b, st->sid, sid_len);
    put_char(b, '_');
    if (st->mode == HA_MODE_WEB) {
        assert(b->len + cname_len < HA_NAME_MAX);
        for (size_t i = 0; i < cname_len; i++)
            b->out[b->len + i] = web_keeps(st->cname[i]) ? st->cname[i] : '-';
        b->len += cname_len;
    } else {
        put_mem(b, st->cname, cname_len);
    }
    if (st->mode == HA_MODE_INDIVIDUAL) {
        assert(st->track == HA_TRACK_AUDIO || st->track == HA_TRACK_VIDEO);
        put_lit(b, "__uid_s_");
        put_u32(b, st->uid);
        if (st->track == HA_TRACK_AUDIO)
            put_lit(b, "__uid_e_audio");
        else
            put_lit(b, "__uid_e_video");
    }
}

/* "_" <utc> ".ts" | ".webm": what a slice adds to its stream's base. */
static void put_slice_tail(name_buf_t *b, ha_fmt_t fmt, int64_t start_utc_ms, ha_utc_day_t *day)
{
    assert(fmt == HA_FMT_TS || fmt == HA_FMT_WEBM);
    char utc[HA_UTC_LEN + 1];
    ha_utc_format_day(utc, start_utc_ms, day);
    put_char(b, '_');
    put_mem(b, utc, HA_UTC_LEN);
    if (fmt == HA_FMT_TS)
        put_lit(b, ".ts");
    else
        put_lit(b, ".webm");
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
    put_lit(&b, PLAYLIST_EXT);
    return finish(&b);
}

size_t ha_name_slice_of(char *out, size_t cap, const char *playlist, size_t playlist_len,
                        ha_fmt_t fmt, int64_t start_utc_ms, ha_utc_day_t *day)
{
    assert(playlist != NULL && playlist_len > PLAYLIST_EXT_LEN);
    assert(playlist_len < HA_NAME_MAX && playlist[playlist_len] == '\0');
    assert(memcmp(playlist + playlist_len - PLAYLIST_EXT_LEN, PLAYLIST_EXT, PLAYLIST_EXT_LEN) == 0);
    name_buf_t b = start(out, cap);
    put_mem(&b, playlist, playlist_len - PLAYLIST_EXT_LEN);
    put_slice_tail(&b, fmt, start_utc_ms, day);
    return finish(&b);
}

size_t ha_name_mp4(char *out, size_t cap, const ha_stream_name_t *st, int bak, uint32_t index)
{
    name_buf_t b = start(out, cap);
    put_base(&b, st, bak);
    put_char(&b, '_');
    put_u32(&b, index);
    put_lit(&b, ".mp4");
    return finish(&b);
}
