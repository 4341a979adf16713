/* oracle_files.c -- slices and playlists: every slice a recorder finished is
 * listed exactly once, in time order (R8), under the name and in the
 * playlist the oracle's own name builder gives (R4), and never a slice of a
 * recorder that does not serve the session (R9).
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "oracle_impl.h"

void orc_on_slice_done(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    rec_t *r;

    if (s == NULL || (r = orc_rec_of(o, ev->rec)) == NULL)
        return;
    bool legit = (s->state == SS_RECORDING || s->state == SS_STOPPING) &&
                 ev->rec == s->serving_rec && !r->fenced;
    if (legit)
        s->pending_slices++;
    orc_sl_add(o, ev, s->bak, legit);
    if (legit && s->state == SS_RECORDING)
        orc_live_slice(o, s, r, ev);
}

/* R4's name for the playlist an open names; true when it is that name. */
static bool open_name_check(orc_t *o, const sess_t *s, const sim_tr_ev_t *ev)
{
    char want[ORC_NAME_MAX];
    if (!s->names_ok) {
        o->unjudged++;
    } else if (!orc_name_playlist(want, sizeof want, s->mode, orc_sess_sid(o, s),
                                  orc_sess_cname(o, s), ev->uid, ev->track, ev->bak)) {
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " opens a %s playlist for uid %" PRIu32 " that its mode cannot "
                 "have", ev->sess, orc_track_word(ev->track), ev->uid);
    } else if (strcmp(want, ev->playlist) != 0) {
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " opens playlist %s; R4 names it %s", ev->sess, ev->playlist,
                 want);
    } else {
        return true;
    }
    return false;
}

void orc_on_playlist_open(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    int gen;
    pl_t *p;

    if (s == NULL)
        return;
    orc_chk(o, 4);
    gen = s->k_next - 1;
    if (ev->bak >= ORC_ACTIVATIONS_MAX && s->k_next > ORC_ACTIVATIONS_MAX) {
        orc_chk(o, 5);
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " opens playlist %s; R5 never makes a bak%d_ file", ev->sess,
                 ev->playlist, ORC_ACTIVATIONS_MAX);
    } else if (ev->bak != gen) {
        /* A wrong number is R4 whatever it is; R5 is only for a 4th
         * activation that was let happen. */
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " opens a playlist with bak %d after %d activations; it would "
                 "be bak %d (-1: ordinary)", ev->sess, ev->bak, s->k_next, gen);
    }
    bool name_is_r4 = open_name_check(o, s, ev);
    p = orc_pl_find(o, s, ev->uid, ev->track, ev->bak);
    if (p != NULL && p->open) {
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, p->open_line, 0, 0,
                 "session %" PRIu32 " opens playlist %s a second time while it is open",
                 ev->sess, ev->playlist);
        return;
    }
    if (p != NULL) {
        /* Closed and opened again in the same generation (a user left and
         * came back): the same file goes on, in time order after what it
         * has. An older generation's was refused above (bak != gen). */
        p->open = true;
        p->open_line = o->line;
        return;
    }
    o->pls = orc_grow_lines(o->pls, &o->pls_cap, o->pls_n + 1, sizeof *o->pls);
    p = &o->pls[o->pls_n];
    p->uid = ev->uid;
    p->track = ev->track;
    p->bak = ev->bak;
    p->open = true;
    p->last_end = INT64_MIN;
    p->open_line = o->line;
    p->close_line = 0;
    p->last_line = 0;
    /* Names go to an arena of their real length, not a 512-byte field per
     * playlist: a region's 100 000 sessions each open one. */
    size_t len = strnlen(ev->playlist, ORC_NAME_MAX - 1);
    o->pl_names = orc_grow(o->pl_names, &o->pl_names_cap, o->pl_names_n + len + 1, 1);
    memcpy(o->pl_names + o->pl_names_n, ev->playlist, len);
    o->pl_names[o->pl_names_n + len] = '\0';
    p->name = (uint32_t)o->pl_names_n;
    static_assert(ORC_NAME_MAX - 1 <= UINT16_MAX, "a playlist's length fits name_len");
    p->name_len = (uint16_t)len;
    p->name_is_r4 = name_is_r4 && len == strlen(ev->playlist);
    o->pl_names_n += len + 1;
    p->next = s->pls;
    s->pls = (uint32_t)++o->pls_n;
    s->pls_name = p->name;
}

/* The playlist a slice is listed in: the one R4 names for its stream and
 * activation, open, and in time order (R8). */
static void check_slice_playlist(orc_t *o, sess_t *s, const sim_tr_ev_t *ev, const sl_t *x,
                                 pl_t *p)
{
    if (ev->playlist == NULL) {
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " lists %s in no playlist", ev->sess, ev->name);
        return;
    }
    /* R4's name of the playlist is a function of the session and of (uid,
     * track, bak): when the playlist of those was opened under that very
     * name, its stored name is the answer and nothing is built again. */
    if (p == NULL || !p->name_is_r4 || strcmp(orc_pl_name(o, p), ev->playlist) != 0) {
        char want[ORC_NAME_MAX];
        (void)orc_name_playlist(want, sizeof want, s->mode, orc_sess_sid(o, s),
                                orc_sess_cname(o, s), ev->uid, ev->track, x->bak);
        if (strcmp(want, ev->playlist) != 0) {
            orc_viol(o, 4, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                     "session %" PRIu32 " lists %s in playlist %s; R4 lists it in %s", ev->sess,
                     ev->name, ev->playlist, want);
            return;
        }
    }
    if (p == NULL || !p->open) {
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, p != NULL ? p->close_line : 0, 0, 0,
                 "session %" PRIu32 " lists %s in playlist %s, which is %s", ev->sess, ev->name,
                 ev->playlist, p == NULL ? "not open (no playlist_open)" : "closed");
        return;
    }
    orc_chk(o, 8);
    if (ev->start_utc_ms < p->last_end)
        orc_viol(o, 8, ev->sess, ev->t_ms, o->line, p->last_line, 0, 0,
                 "session %" PRIu32 " lists %s out of time order in %s: it starts at %" PRId64
                 ", before the previous entry ends at %" PRId64, ev->sess, ev->name, orc_pl_name(o, p),
                 ev->start_utc_ms, p->last_end);
    if (ev->end_utc_ms > p->last_end)
        p->last_end = ev->end_utc_ms;
    p->last_line = o->line;
}

/* R4 names a .ts or .webm slice as its stream's playlist for the same bak,
 * with "_<utc>.ts" or ".webm" in place of ".m3u8". When that playlist was
 * opened under R4's name (p->name_is_r4: the oracle's own builder made the
 * same name then), the slice's name is checked against its stem and a tail
 * and the stem is not built again: a slice is named far more often than a
 * stream. *same tells whether the name is R4's; false when this cannot say
 * (then the whole name is built). */
static bool slice_name_by_stem(orc_t *o, const pl_t *p, const sim_tr_ev_t *ev, bool *same)
{
    static const char ext[] = ".m3u8";
    char tail[ORC_NAME_MAX];

    if (p == NULL || !p->name_is_r4 || (ev->fmt != SIM_FMT_TS && ev->fmt != SIM_FMT_WEBM) ||
        orc_name_slice_tail(tail, sizeof tail, ev->fmt, ev->start_utc_ms, &o->utc_day) == 0)
        return false;
    const char *pl = orc_pl_name(o, p);
    size_t stem = p->name_len;
    assert(stem > sizeof ext - 1 && pl[stem] == '\0' &&
           memcmp(pl + stem - (sizeof ext - 1), ext, sizeof ext - 1) == 0);
    stem -= sizeof ext - 1;
    *same = strncmp(ev->name, pl, stem) == 0 && strcmp(ev->name + stem, tail) == 0;
    return true;
}

static void check_slice_names(orc_t *o, sess_t *s, const sim_tr_ev_t *ev, const sl_t *x)
{
    char want[ORC_NAME_MAX];
    uint32_t index = 0;

    orc_chk(o, 4);
    if (ev->bak >= ORC_ACTIVATIONS_MAX && s->k_next > ORC_ACTIVATIONS_MAX) {
        orc_chk(o, 5);
        orc_viol(o, 5, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " lists %s; R5 never makes a bak%d_ file", ev->sess, ev->name,
                 ORC_ACTIVATIONS_MAX);
        return;
    }
    if (ev->bak != x->bak) {
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, x->line, 0, 0,
                 "session %" PRIu32 " lists %s with bak %d; it was recorded after %s, so bak %d",
                 ev->sess, ev->name, ev->bak,
                 x->bak < 0 ? "no activation" : "the last resume", x->bak);
        return;
    }
    if (s->k_next - 1 > x->bak) {
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, x->line, 0, 0,
                 "session %" PRIu32 " lists %s after activation %d began; that playlist takes no "
                 "more entries", ev->sess, ev->name, s->k_next - 1);
        return;
    }
    if (!s->names_ok || x->bak + 1 >= (int)(sizeof s->mp4_next / sizeof s->mp4_next[0])) {
        o->unjudged++;
        return;
    }
    pl_t *p = orc_pl_find(o, s, ev->uid, ev->track, x->bak);
    bool same = false;
    if (slice_name_by_stem(o, p, ev, &same) && same) {
        check_slice_playlist(o, s, ev, x, p);
        return;
    }
    if (ev->fmt == SIM_FMT_MP4)
        index = s->mp4_next[x->bak + 1]++;
    if (!orc_name_slice(want, sizeof want, s->mode, orc_sess_sid(o, s), orc_sess_cname(o, s),
                        ev->uid, ev->track, ev->fmt, x->bak, ev->start_utc_ms, index)) {
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, x->line, 0, 0,
                 "session %" PRIu32 " lists a %s slice its mode cannot have", ev->sess,
                 orc_track_word(ev->track));
        return;
    }
    if (strcmp(want, ev->name) != 0)
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, x->line, 0, 0,
                 "session %" PRIu32 " names a slice %s; R4 names it %s", ev->sess, ev->name, want);
    if (ev->fmt == SIM_FMT_MP4) {
        if (ev->playlist != NULL)
            orc_viol(o, 4, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                     "session %" PRIu32 " lists MP4 %s in playlist %s; an MP4 is in no playlist",
                     ev->sess, ev->name, ev->playlist);
        return;
    }
    check_slice_playlist(o, s, ev, x, p);
}

void orc_on_slice(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    sl_t *x;

    if (s == NULL)
        return;
    orc_chk(o, 8);
    x = orc_sl_find(o, ev);
    if (x == NULL) {
        orc_viol(o, 8, ev->sess, ev->t_ms, o->line, 0, 0, 0,
                 "session %" PRIu32 " lists %s (recorder %" PRIu32 ", %s %" PRId64 "..%" PRId64
                 "), a slice no recorder finished", ev->sess, ev->name, ev->rec,
                 orc_track_word(ev->track), ev->start_utc_ms, ev->end_utc_ms);
        return;
    }
    if (x->listed) {
        orc_viol(o, 8, ev->sess, ev->t_ms, o->line, x->list_line, x->line, 0,
                 "session %" PRIu32 " lists the slice finished at line %" PRIu64 " a second time, "
                 "as %s", ev->sess, x->line, ev->name);
        return;
    }
    x->listed = true;
    x->list_line = o->line;
    orc_chk(o, 9);
    if (!x->legit) {
        const rec_t *r = &o->rec[x->rec];
        if (r->fenced)
            orc_viol(o, 9, ev->sess, ev->t_ms, o->line, x->line, r->fence_line, 0,
                     "session %" PRIu32 " lists %s, written by recorder %" PRIu32
                     " on server %" PRIu32 " after the session switched away from it",
                     ev->sess, ev->name, x->rec, r->srv);
        else
            orc_viol(o, 9, ev->sess, ev->t_ms, o->line, x->line, 0, 0,
                     "session %" PRIu32 " lists %s, written by recorder %" PRIu32
                     ", which did not serve the session when it finished it", ev->sess, ev->name,
                     x->rec);
        return;
    }
    if (s->pending_slices > 0)
        s->pending_slices--;
    check_slice_names(o, s, ev, x);
}

void orc_on_playlist_close(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    pl_t *p;

    if (s == NULL)
        return;
    orc_chk(o, 4);
    p = orc_pl_find(o, s, ev->uid, ev->track, ev->bak);
    if (p == NULL || !p->open || strcmp(orc_pl_name(o, p), ev->playlist) != 0) {
        orc_viol(o, 4, ev->sess, ev->t_ms, o->line, p != NULL ? p->open_line : 0, 0, 0,
                 "session %" PRIu32 " closes playlist %s, which is not open", ev->sess,
                 ev->playlist);
        return;
    }
    p->open = false;
    p->close_line = o->line;
}
