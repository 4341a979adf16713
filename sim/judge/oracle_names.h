/* oracle_names.h -- the oracle's own builder of recording file names (R4).
 *
 * Written from agora-facts.md, independently of src/: if the center and the
 * oracle disagree on a name, one of them is wrong, and a report says which
 * line. Modes, tracks and formats take the ha.h enum values.
 */
#ifndef SIM_ORACLE_NAMES_H
#define SIM_ORACLE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORC_UTC_LEN 17   /* YYYYMMDDhhmmssmmm */
#define ORC_NAME_MAX 512 /* room for any name the builder makes, NUL included */

/* The date part of the last day orc_utc_format wrote with it: a run's
 * slices come 15 s apart, so nearly every stamp is of the day before it
 * and its calendar date need not be worked out again. Keyed by the exact
 * day number; zeroed (valid false) it holds nothing. */
typedef struct {
    bool valid;
    int64_t days;   /* days since 1970-01-01 */
    char ymd[8];    /* its YYYYMMDD, no NUL */
} orc_utc_day_t;

/* Writes utc_ms (ms since 1970, UTC) as YYYYMMDDhhmmssmmm and a NUL into
 * out. false, with out empty, for a time outside the years 0000-9999.
 * day: NULL, or the cache of the date part it reads and updates. */
bool orc_utc_format(char out[ORC_UTC_LEN + 1], int64_t utc_ms, orc_utc_day_t *day);

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
void orc_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* The cname as file names spell it: as it is, but in web mode every
 * character outside [A-Za-z0-9_-] becomes '-' (a multi-byte UTF-8 character
 * one '-'). false, with out cut, when it does not fit in cap. */
bool orc_name_cname(char *out, size_t cap, int mode, const char *cname);

/* Playlist of a stream: bak < 0 for the ordinary name, else bak<k>_.
 * uid and track matter in individual mode only. false when the arguments
 * name nothing (a mix track in individual mode, an unknown mode) or the
 * name does not fit in cap. */
bool orc_name_playlist(char *buf, size_t cap, int mode, const char *sid, const char *cname,
                       uint32_t uid, int track, int bak);

/* Slice file: .ts and .webm carry the UTC of start_utc_ms; an .mp4 carries
 * mp4_index instead. */
bool orc_name_slice(char *buf, size_t cap, int mode, const char *sid, const char *cname,
                    uint32_t uid, int track, int fmt, int bak, int64_t start_utc_ms,
                    uint32_t mp4_index);

/* What a .ts or .webm slice's name adds to its stream's stem, the stem
 * being the playlist's name without ".m3u8": "_" <utc> ".ts" or ".webm".
 * Returns its length; 0, with buf empty, for another format, a time
 * outside the years 0000-9999 or a cap too small. day as orc_utc_format's. */
size_t orc_name_slice_tail(char *buf, size_t cap, int fmt, int64_t start_utc_ms,
                           orc_utc_day_t *day);

#endif
