/* ha_files.c -- slices into playlists, under the names of R4.
 *
 * A stream's playlist is created by its first slice under the current
 * prefix: ordinary names before any activation, bak<k>_ after activation k
 * resumed. When an activation begins every open playlist is closed, so none
 * gets an entry recorded after a later activation began.
 */
#include "ha_internal.h"

#include <assert.h>
#include <string.h>

static ha_stream_name_t stream_name(const ha_session_t *s, uint32_t uid, ha_track_t track)
{
    ha_stream_name_t st = {s->mode, s->sid, s->cname, uid, track};
    return st;
}

static ha_stream_t *stream_find(ha_center_t *c, uint32_t si, uint32_t uid, ha_track_t track)
{
    ha_session_t *s = &c->sessions[si];
    for (uint32_t i = 0; i < s->streams_count; i++) {
        ha_stream_t *st = ha_stream_at(c, si, i);
        if (st->uid == uid && st->track == track)
            return st;
    }
    /* Streams are the mix, or two per user in the channel (a user's go
     * when they leave): never more than the table holds. */
    assert(s->streams_count < HA_STREAMS_MAX);
    ha_stream_t *st = ha_stream_at(c, si, s->streams_count++);
    st->uid = uid;
    st->track = track;
    st->open_bak = HA_NO_PLAYLIST;
    st->mp4_next = 0;
    st->mp4_bak = HA_NO_PLAYLIST;
    return st;
}

/* The name of the playlist of session si's stream (uid, track) under prefix
 * bak, from the entry its key maps to, built there when the entry holds
 * another. An individual session interleaves the slices of two streams a
 * user, up to HA_STREAMS_MAX: 64 entries keep most of them (a swarm run
 * builds one name in eight slices where a single entry built two in three).
 * The name stays valid until the next call: commands and replies carry it
 * out before that. */
static const char *playlist_name(ha_center_t *c, uint32_t si, uint32_t uid, ha_track_t track,
                                 int bak, size_t *len)
{
    uint32_t h = si * UINT32_C(0x9e3779b1) ^ uid * UINT32_C(0x85ebca77) ^
                 (uint32_t)track * UINT32_C(0xc2b2ae3d) ^ (uint32_t)bak;
    uint32_t i = (h ^ h >> 16) % HA_PLAYLIST_NAMES;
    ha_playlist_name_t *e = &c->playlist_names[i];
    char *text = c->playlist_text[i];
    if (e->len > 0 && e->session == si && e->uid == uid && e->track == track && e->bak == bak) {
        *len = e->len;
        return text;
    }
    ha_stream_name_t nm = stream_name(&c->sessions[si], uid, track);
    e->len = ha_name_playlist(text, HA_NAME_MAX, &nm, bak);
    assert(e->len > 0 && "names fit HA_NAME_MAX by construction");
    e->session = si;
    e->uid = uid;
    e->track = track;
    e->bak = bak;
    *len = e->len;
    return text;
}

/* Emits the playlist's command and returns its name and length (a slice
 * that follows is named from it). */
static const char *emit_playlist(ha_center_t *c, ha_cmd_kind_t kind, uint32_t si,
                                 const ha_stream_t *st, int bak, size_t *len)
{
    const char *name = playlist_name(c, si, st->uid, st->track, bak, len);
    ha_cmd_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.kind = kind;
    cmd.u.file.session = si;
    cmd.u.file.uid = st->uid;
    cmd.u.file.track = st->track;
    cmd.u.file.bak = bak;
    cmd.u.file.playlist = name;
    cmd.u.file.name = name;
    ha_emit(c, &cmd);
    return name;
}

static void close_playlist(ha_center_t *c, uint32_t si, const ha_stream_t *st)
{
    size_t len;
    (void)emit_playlist(c, HA_CMD_PLAYLIST_CLOSE, si, st, st->open_bak, &len);
}

static bool user_present(const ha_session_t *s, uint32_t uid)
{
    for (uint32_t i = 0; i < s->users_count; i++) {
        if (s->users[i] == uid)
            return true;
    }
    return false;
}

static bool slice_shape_valid(const ha_session_t *s, const ha_slice_in_t *sl)
{
    if (sl->start_utc_ms < 0 || sl->end_utc_ms < sl->start_utc_ms ||
        sl->end_utc_ms >= 253402300800000LL)
        return false;
    if (sl->fmt != HA_FMT_TS && sl->fmt != HA_FMT_WEBM && sl->fmt != HA_FMT_MP4)
        return false; /* ha_name_slice_of asserts on a format it does not know */
    /* Individual mode records the users in the channel, and a user's
     * slices arrive while the user is in it (A5): a stream of anyone else
     * is not this session's. */
    if (s->mode == HA_MODE_INDIVIDUAL)
        return (sl->track == HA_TRACK_AUDIO || sl->track == HA_TRACK_VIDEO) &&
               sl->fmt != HA_FMT_MP4 && user_present(s, sl->uid);
    return sl->track == HA_TRACK_MIX && sl->uid == 0 && sl->fmt != HA_FMT_WEBM;
}

void ha_files_slice(ha_center_t *c, uint32_t si, const ha_slice_in_t *sl)
{
    ha_session_t *s = &c->sessions[si];
    if (!slice_shape_valid(s, sl))
        return; /* a recorder bug; nothing sensible to list */
    ha_stream_t *st = stream_find(c, si, sl->uid, sl->track);

    ha_cmd_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.kind = HA_CMD_SLICE_WRITE;
    cmd.u.file.session = si;
    cmd.u.file.server = sl->server;
    cmd.u.file.recorder = sl->recorder;
    cmd.u.file.uid = sl->uid;
    cmd.u.file.track = sl->track;
    cmd.u.file.fmt = sl->fmt;
    cmd.u.file.bak = s->bak;
    cmd.u.file.start_utc_ms = sl->start_utc_ms;
    cmd.u.file.end_utc_ms = sl->end_utc_ms;

    if (sl->fmt == HA_FMT_MP4) {
        /* MP4 files stand alone; their index counts from 0 per prefix. */
        if (st->mp4_bak != s->bak) {
            st->mp4_bak = s->bak;
            st->mp4_next = 0;
        }
        ha_stream_name_t nm = stream_name(s, sl->uid, sl->track);
        size_t n = ha_name_mp4(c->name_buf, sizeof(c->name_buf), &nm, s->bak, st->mp4_next++);
        assert(n > 0);
        (void)n;
        cmd.u.file.playlist = NULL;
        s->files_count++;
    } else {
        const char *pl;
        size_t pl_len;
        if (st->open_bak != s->bak) {
            assert(st->open_bak == HA_NO_PLAYLIST);
            st->open_bak = s->bak;
            pl = emit_playlist(c, HA_CMD_PLAYLIST_OPEN, si, st, s->bak, &pl_len);
            s->files_count++;
        } else {
            pl = playlist_name(c, si, sl->uid, sl->track, s->bak, &pl_len);
        }
        size_t n = ha_name_slice_of(c->name_buf, sizeof(c->name_buf), pl, pl_len, sl->fmt,
                                    sl->start_utc_ms, &c->slice_day);
        assert(n > 0);
        (void)n;
        cmd.u.file.playlist = pl;
    }
    cmd.u.file.name = c->name_buf;
    ha_emit(c, &cmd);
    if (sl->end_utc_ms > s->last_slice_end_utc_ms)
        s->last_slice_end_utc_ms = sl->end_utc_ms;
}

void ha_files_close_all(ha_center_t *c, uint32_t si)
{
    ha_session_t *s = &c->sessions[si];
    for (uint32_t i = 0; i < s->streams_count; i++) {
        ha_stream_t *st = ha_stream_at(c, si, i);
        if (st->open_bak != HA_NO_PLAYLIST) {
            close_playlist(c, si, st);
            st->open_bak = HA_NO_PLAYLIST;
        }
    }
}

/* A user who stopped publishing has no stream any more: close their
 * playlists and give the slots back, so that users coming and going over a
 * long session never exhaust the table. If they return, their stream starts
 * again under its name (the HLS playlist continues). */
void ha_files_user_left(ha_center_t *c, uint32_t si, uint32_t uid)
{
    assert(uid != 0 && "the center drops user inputs for UID 0, the mix's");
    ha_session_t *s = &c->sessions[si];
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->streams_count; i++) {
        ha_stream_t *st = ha_stream_at(c, si, i);
        if (st->uid == uid) {
            assert(st->track != HA_TRACK_MIX);
            if (st->open_bak != HA_NO_PLAYLIST)
                close_playlist(c, si, st);
            continue;
        }
        *ha_stream_at(c, si, kept++) = *st;
    }
    s->streams_count = kept;
}

const char *ha_files_newest_playlist(ha_center_t *c, uint32_t si)
{
    ha_session_t *s = &c->sessions[si];
    for (uint32_t i = 0; i < s->streams_count; i++) {
        const ha_stream_t *st = ha_stream_at(c, si, i);
        if (st->open_bak != HA_NO_PLAYLIST) {
            size_t len;
            return playlist_name(c, si, st->uid, st->track, st->open_bak, &len);
        }
    }
    return NULL;
}
