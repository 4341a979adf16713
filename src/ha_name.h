/* ha_name.h -- the names of recording files (agora-facts.md, "File names").
 *
 *   composite  <sid>_<cname>.m3u8        <sid>_<cname>_<utc>.ts   <sid>_<cname>_<index>.mp4
 *   individual <sid>_<cname>__uid_s_<uid>__uid_e_<audio|video>.m3u8   ..._<utc>.ts|.webm
 *   web        as composite, with special characters of cname made '-'
 *
 * After the n-th activation of the HA mechanism (n from 0) every new file is
 * named "bak<n>_" + its ordinary name. bak < 0 means the ordinary name.
 */
#ifndef HA_NAME_H
#define HA_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "ha.h"
#include "ha_utc.h"

typedef struct {
    ha_mode_t mode;
    const char *sid;
    const char *cname;
    uint32_t uid;     /* stream owner, individual mode */
    ha_track_t track; /* MIX, or AUDIO/VIDEO in individual mode */
} ha_stream_name_t;

/* Each writes a NUL-terminated name into out, which must hold HA_NAME_MAX
 * bytes (cap, asserted), and returns its length. sid and cname must be as
 * the API gate admits them (at most HA_SID_LEN and HA_CNAME_MAX bytes): then
 * every name fits, which ha_name.c proves at compile time. */
size_t ha_name_playlist(char *out, size_t cap, const ha_stream_name_t *st, int bak);
/* A .ts or .webm slice starting at start_utc_ms, named from the name of its
 * stream's playlist for the same bak (as ha_name_playlist wrote it,
 * playlist_len bytes): the two share their base, "_<utc>.ts|.webm" takes
 * the place of ".m3u8". The date comes through *day (ha_utc_format_day). */
size_t ha_name_slice_of(char *out, size_t cap, const char *playlist, size_t playlist_len,
                        ha_fmt_t fmt, int64_t start_utc_ms, ha_utc_day_t *day);
size_t ha_name_mp4(char *out, size_t cap, const ha_stream_name_t *st, int bak, uint32_t index);

#endif
