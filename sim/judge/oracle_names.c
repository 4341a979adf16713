/* oracle_names.c -- recording file names, built the oracle's own way.
 *
 * No libc time functions: the UTC stamp comes from days since the epoch by
 * the civil-from-days arithmetic (H. Hinnant's algorithm), so the result
 * does not depend on TZ, the C library or the host.
 */
#include "oracle_names.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "trace/trace.h" /* the trace's vocabulary: modes, tracks, formats */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void orc_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    /* Shift the epoch to 0000-03-01 so leap days fall at the end of a year;
     * an era is 400 years, 146097 days. */
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                   /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                 /* [0, 11], March = 0 */
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);

    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = m;
    *year = yoe + era * 400 + (m <= 2);
}

/* Unsigned 32-bit: each part is below 10 000 or a time of day in ms. */
static void put_digits(char *out, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

/* Two digits of v < 100 from a table: every slice's stamp takes four. */
static void put_pair(char *out, uint32_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    assert(v < 100);
    memcpy(out, pairs + 2 * v, 2);
}

bool orc_utc_format(char out[ORC_UTC_LEN + 1], int64_t utc_ms, orc_utc_day_t *day)
{
    int64_t days = floor_div(utc_ms, 86400000);
    int64_t ms_of_day = utc_ms - days * 86400000;

    out[0] = '\0';
    if (day != NULL && day->valid && day->days == days) {
        memcpy(out, day->ymd, sizeof day->ymd);
    } else {
        int64_t year;
        int month, mday;
        /* Beyond this the day count below would overflow long before a
         * year leaves 0..9999; both are far outside any recording. */
        if (days < -800000 || days > 3000000)
            return false;
        orc_civil_from_days(days, &year, &month, &mday);
        if (year < 0 || year > 9999)
            return false;
        put_digits(out, (uint32_t)year, 4);
        put_digits(out + 4, (uint32_t)month, 2);
        put_digits(out + 6, (uint32_t)mday, 2);
        if (day != NULL) {
            memcpy(day->ymd, out, sizeof day->ymd);
            day->days = days;
            day->valid = true;
        }
    }
    uint32_t ms = (uint32_t)ms_of_day; /* [0, 86 400 000) */
    put_pair(out + 8, ms / 3600000u);
    put_pair(out + 10, ms / 60000u % 60u);
    put_pair(out + 12, ms / 1000u % 60u);
    out[14] = (char)('0' + ms / 100u % 10u);
    put_pair(out + 15, ms % 100u);
    out[ORC_UTC_LEN] = '\0';
    return true;
}

/* A name built piece by piece, without printf: the oracle names every
 * slice of every run, and formatting was a fifth of a swarm's time. ok
 * turns false, for good, when a piece does not fit (with its NUL). */
typedef struct {
    char *buf;
    size_t cap, n;
    bool ok;
} nb_t;

static void nb_str(nb_t *b, const char *s)
{
    size_t k = strlen(s);
    if (!b->ok || k >= b->cap - b->n) {
        b->ok = false;
        return;
    }
    memcpy(b->buf + b->n, s, k + 1);
    b->n += k;
}

static void nb_u64(nb_t *b, uint64_t v)
{
    char d[24];
    size_t i = sizeof d;
    d[--i] = '\0';
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    nb_str(b, d + i);
}

bool orc_name_cname(char *out, size_t cap, int mode, const char *cname)
{
    size_t n = 0;
    if (cap == 0)
        return false;
    for (const char *c = cname; *c != '\0'; c++) {
        unsigned char u = (unsigned char)*c;
        if (mode == SIM_MODE_WEB) {
            /* Web page recording: every cname character outside
             * [A-Za-z0-9_-] becomes '-'; a character, so a multi-byte UTF-8
             * one becomes one '-' (its continuation bytes are dropped). */
            bool ok = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                      (u >= '0' && u <= '9') || u == '_' || u == '-';
            if ((u & 0xC0) == 0x80)
                continue;
            u = ok ? u : (unsigned char)'-';
        }
        if (n + 1 >= cap) {
            out[n] = '\0';
            return false;
        }
        out[n++] = (char)u;
    }
    out[n] = '\0';
    return true;
}

/* "<sid>_<cname>" with web mode's cname rule, then the individual stream
 * part; returns false when it cannot name the stream. */
static bool stem(nb_t *b, int mode, const char *sid, const char *cname, uint32_t uid, int track,
                 int bak)
{
    if (bak >= 0) {
        nb_str(b, "bak");
        nb_u64(b, (uint64_t)bak);
        nb_str(b, "_");
    }
    nb_str(b, sid);
    nb_str(b, "_");
    if (!b->ok || !orc_name_cname(b->buf + b->n, b->cap - b->n, mode, cname))
        return false;
    b->n += strlen(b->buf + b->n);
    if (mode == SIM_MODE_COMPOSITE || mode == SIM_MODE_WEB)
        return track == SIM_TRACK_MIX;
    if (mode != SIM_MODE_INDIVIDUAL || (track != SIM_TRACK_AUDIO && track != SIM_TRACK_VIDEO))
        return false;
    nb_str(b, "__uid_s_");
    nb_u64(b, uid);
    nb_str(b, "__uid_e_");
    nb_str(b, track == SIM_TRACK_AUDIO ? "audio" : "video");
    return b->ok;
}

bool orc_name_playlist(char *buf, size_t cap, int mode, const char *sid, const char *cname,
                       uint32_t uid, int track, int bak)
{
    if (cap == 0)
        return false;
    buf[0] = '\0';
    nb_t b = {buf, cap, 0, true};
    if (!stem(&b, mode, sid, cname, uid, track, bak) || (nb_str(&b, ".m3u8"), !b.ok)) {
        buf[0] = '\0';
        return false;
    }
    return true;
}

size_t orc_name_slice_tail(char *buf, size_t cap, int fmt, int64_t start_utc_ms,
                           orc_utc_day_t *day)
{
    /* Written in place, not with nb_str: the oracle builds one for every
     * slice it checks. */
    static const char ts[] = ".ts", webm[] = ".webm";
    size_t n = 1 + ORC_UTC_LEN + (fmt == SIM_FMT_TS ? sizeof ts - 1 : sizeof webm - 1);

    if (cap == 0)
        return 0;
    buf[0] = '\0';
    if ((fmt != SIM_FMT_TS && fmt != SIM_FMT_WEBM) || n >= cap)
        return 0;
    if (!orc_utc_format(buf + 1, start_utc_ms, day))
        return 0;
    buf[0] = '_';
    if (fmt == SIM_FMT_TS)
        memcpy(buf + 1 + ORC_UTC_LEN, ts, sizeof ts);
    else
        memcpy(buf + 1 + ORC_UTC_LEN, webm, sizeof webm);
    return n;
}

bool orc_name_slice(char *buf, size_t cap, int mode, const char *sid, const char *cname,
                    uint32_t uid, int track, int fmt, int bak, int64_t start_utc_ms,
                    uint32_t mp4_index)
{
    char tail[ORC_NAME_MAX];

    if (cap == 0)
        return false;
    buf[0] = '\0';
    if (fmt == SIM_FMT_MP4) {
        if (mode == SIM_MODE_INDIVIDUAL)
            return false;
    } else if (orc_name_slice_tail(tail, sizeof tail, fmt, start_utc_ms, NULL) == 0) {
        return false;
    }
    nb_t b = {buf, cap, 0, true};
    if (!stem(&b, mode, sid, cname, uid, track, bak)) {
        buf[0] = '\0';
        return false;
    }
    if (fmt == SIM_FMT_MP4) {
        nb_str(&b, "_");
        nb_u64(&b, mp4_index);
        nb_str(&b, ".mp4");
    } else {
        nb_str(&b, tail);
    }
    if (!b.ok) {
        buf[0] = '\0';
        return false;
    }
    return true;
}
