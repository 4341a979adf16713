/* ha_utc.c -- civil date from a day count (Howard Hinnant's algorithm).
 *
 * gmtime_r would do, but it is libc state we cannot see into and the core
 * promises to be pure arithmetic; this is forty lines and exhaustively tested
 * against known dates. */
#include "ha_utc.h"

#include <assert.h>
#include <string.h>

#define MS_PER_DAY 86400000LL

/* The last width digits of value. 32-bit: every part fits (a year below
 * 10000, a time of day below 86 400 000 ms), and every slice's name is
 * stamped here, so two digits at a time from a table of the hundred
 * pairs: half the divisions. */
static void put_digits(char *out, uint32_t value, int width)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    int i = width;
    for (; i >= 2; i -= 2) {
        memcpy(out + i - 2, pairs + 2 * (value % 100u), 2);
        value /= 100u;
    }
    if (i > 0)
        out[0] = (char)('0' + value % 10u);
}

static void check_range(int64_t utc_ms)
{
    assert(utc_ms >= 0);
    assert(utc_ms < 253402300800000LL); /* 10000-01-01 */
    (void)utc_ms;
}

/* YYYYMMDD of a day count >= 0: civil_from_days (no negative-era care). */
static void put_date(char *out, int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;                                  /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                  /* [0, 11] */
    int64_t d = doy - (153 * mp + 2) / 5 + 1;                          /* [1, 31] */
    int64_t m = mp < 10 ? mp + 3 : mp - 9;                             /* [1, 12] */
    if (m <= 2)
        y += 1;

    put_digits(out + 0, (uint32_t)y, 4);
    put_digits(out + 4, (uint32_t)m, 2);
    put_digits(out + 6, (uint32_t)d, 2);
}

/* hhmmssmmm, and the terminating NUL. */
static void put_time(char *out, uint32_t ms_of_day)
{
    put_digits(out + 8, ms_of_day / 3600000u, 2);
    put_digits(out + 10, ms_of_day / 60000u % 60u, 2);
    put_digits(out + 12, ms_of_day / 1000u % 60u, 2);
    put_digits(out + 14, ms_of_day % 1000u, 3);
    out[HA_UTC_LEN] = '\0';
}

void ha_utc_format_day(char out[HA_UTC_LEN + 1], int64_t utc_ms, ha_utc_day_t *day)
{
    assert(day != NULL);
    check_range(utc_ms);
    int64_t days = utc_ms / MS_PER_DAY;
    if (day->held && day->days == days) {
        memcpy(out, day->ymd, sizeof(day->ymd));
    } else {
        put_date(out, days);
        memcpy(day->ymd, out, sizeof(day->ymd));
        day->days = days;
        day->held = 1;
    }
    put_time(out, (uint32_t)(utc_ms % MS_PER_DAY));
}
