/* ha_utc.h -- UTC timestamps as the service writes them in file names. */
#ifndef HA_UTC_H
#define HA_UTC_H

#include <stdint.h>

#define HA_UTC_LEN 17 /* YYYYMMDDhhmmssmmm */

/* The date part (YYYYMMDD) of the last day formatted through it; a
 * zero-filled one holds none. Slices follow each other by seconds, so
 * their names' dates are mostly the one before. */
typedef struct {
    int64_t days; /* since 1970-01-01 */
    char ymd[8];
    int held;     /* days and ymd are set */
} ha_utc_day_t;

/* Formats utc_ms (milliseconds since 1970-01-01T00:00:00Z, >= 0, before
 * year 10000) as YYYYMMDDhhmmssmmm into out (HA_UTC_LEN + 1 bytes), the
 * date taken from *day when it is of utc_ms's day, else worked out and
 * left there. Pure arithmetic: no time zone, no locale, no libc time
 * functions. */
void ha_utc_format_day(char out[HA_UTC_LEN + 1], int64_t utc_ms, ha_utc_day_t *day);

#endif
