/* ha_utc.h -- UTC timestamps as the service writes them in file names. */
#ifndef HA_UTC_H
#define HA_UTC_H

#include <stdint.h>

#define HA_UTC_LEN 17 /* YYYYMMDDhhmmssmmm */

/* Formats utc_ms (milliseconds since 1970-01-01T00:00:00Z, >= 0, before
 * year 10000) as YYYYMMDDhhmmssmmm into out (HA_UTC_LEN + 1 bytes). Pure
 * arithmetic: no time zone, no locale, no libc time functions. */
void ha_utc_format(char out[HA_UTC_LEN + 1], int64_t utc_ms);

#endif
