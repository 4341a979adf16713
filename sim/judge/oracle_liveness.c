/* oracle_liveness.c -- recording goes on (R14).
 *
 * The other rules judge what the center did when something went wrong;
 * this one judges that, when nothing did, the recording is being made: a
 * session that records finishes a slice of each of its streams at least
 * once per slice length (plus ORC_SLICE_SLACK_MS). Without it a world whose
 * recorder silently stopped, or a center that never resumed one, passes as
 * long as nothing finished is lost.
 *
 * A stream is the mix (composite and web modes) or one user's audio or
 * video (individual mode, while the user is in the channel). MP4 files,
 * cut every 2 h, are not judged. Each finished slice of the serving
 * recorder owes the next by its end + the bound; the first one is owed from
 * the moment the session records (started, resumed, or its recorder back
 * from a blip the center never saw). A fault of the serving recorder (a
 * kill, a link down, a host crash), a detect, a stop or an end pauses the
 * judging: a generation number (live_gen) makes the obligations made before
 * it stale.
 */
#include <inttypes.h>

#include "oracle_impl.h"

static int64_t bound_ms(const orc_t *o, const sess_t *s, int track)
{
    if (track != SIM_TRACK_VIDEO)
        return ORC_SLICE_MS + ORC_SLICE_SLACK_MS;
    const rec_t *r = s->serving_rec < o->rec_hi ? &o->rec[s->serving_rec] : NULL;
    int64_t gop = r != NULL && r->gop_ms > 0 ? r->gop_ms : ORC_GOP_UNKNOWN_MS;
    /* A video slice ends at the first I-frame at or after 15 s. */
    int64_t len = (ORC_SLICE_MS + gop - 1) / gop * gop;
    return len + ORC_SLICE_SLACK_MS;
}

/* The session's stream (uid, track). The list is kept with the stream
 * found last at its end: streams finish slices in turn, so the one asked
 * for next is near the front. */
static live_t *stream_of(orc_t *o, sess_t *s, uint32_t uid, int track, bool add)
{
    uint32_t prev = 0;
    for (uint32_t i = s->lives; i != 0; prev = i, i = o->lives[i - 1].next) {
        live_t *l = &o->lives[i - 1];
        if (l->uid != uid || l->track != track)
            continue;
        if (l->next != 0) {
            if (prev == 0)
                s->lives = l->next;
            else
                o->lives[prev - 1].next = l->next;
            o->lives[s->lives_last - 1].next = i;
            l->next = 0;
            s->lives_last = i;
        }
        return l;
    }
    if (!add)
        return NULL;
    o->lives = orc_grow_lines(o->lives, &o->lives_cap, o->lives_n + 1, sizeof *o->lives);
    live_t *l = &o->lives[o->lives_n++];
    *l = (live_t){.uid = uid, .track = track, .next = s->lives};
    s->lives = (uint32_t)o->lives_n;
    if (s->lives_last == 0)
        s->lives_last = s->lives;
    return l;
}

static void owe_slice(orc_t *o, sess_t *s, live_t *l, int64_t t, int64_t extra_ms)
{
    l->line = o->line;
    orc_ob_add_aux(o, OB_LIVE, t + extra_ms + bound_ms(o, s, l->track), orc_sess_id(o, s),
                   (int)s->live_gen, l->slices, (uint32_t)(l - o->lives) + 1, o->line);
}

void orc_live_pause(sess_t *s)
{
    s->live_on = false;
    s->live_gen++;
}

void orc_live_begin(orc_t *o, sess_t *s, int64_t t, int64_t extra_ms)
{
    orc_live_pause(s); /* what was owed before is stale */
    s->live_on = true;
    if (s->mode != SIM_MODE_INDIVIDUAL) {
        live_t *l = stream_of(o, s, 0, SIM_TRACK_MIX, true);
        l->expected = true;
        owe_slice(o, s, l, t, extra_ms);
        return;
    }
    for (uint32_t i = s->users; i != 0; i = o->users[i - 1].next) {
        const user_t *u = &o->users[i - 1];
        for (int track = SIM_TRACK_AUDIO; track <= SIM_TRACK_VIDEO && u->in; track++) {
            live_t *l = stream_of(o, s, u->uid, track, true);
            l->expected = true;
            owe_slice(o, s, l, t, extra_ms);
        }
    }
}

void orc_live_slice(orc_t *o, sess_t *s, const rec_t *r, const sim_tr_ev_t *ev)
{
    (void)r;
    if (!s->live_on || ev->fmt == SIM_FMT_MP4)
        return;
    live_t *l = stream_of(o, s, ev->uid, ev->track, false);
    if (l == NULL)
        return; /* a stream it was not asked to record: R4/R8 judge its names */
    l->slices++;
    owe_slice(o, s, l, ev->t_ms, 0);
}

void orc_live_user(orc_t *o, sess_t *s, uint32_t uid, bool in, int64_t t)
{
    if (s->mode != SIM_MODE_INDIVIDUAL)
        return;
    for (int track = SIM_TRACK_AUDIO; track <= SIM_TRACK_VIDEO; track++) {
        live_t *l = stream_of(o, s, uid, track, in);
        if (l == NULL)
            continue;
        l->expected = in;
        if (in && s->live_on)
            owe_slice(o, s, l, t, 0);
    }
}

ORC_NOINLINE static void live_viol(orc_t *o, const ob_t *b, const sess_t *s, const live_t *l)
{
    orc_viol(o, 14, b->sess, b->due, b->line, 0, 0, 0,
             "session %" PRIu32 " records, but its %s stream%s%.0" PRIu32 " finished no slice "
             "from line %" PRIu64 " to %" PRId64 " ms; a recording goes on (a slice every %"
             PRId64 " ms)", b->sess, orc_track_word(l->track), l->uid ? " of uid " : "",
             l->uid, b->line, b->due, bound_ms(o, s, l->track));
}

void orc_live_ob_fire(orc_t *o, const ob_t *b, sess_t *s)
{
    if (b->aux == 0 || b->aux > o->lives_n)
        return;
    const live_t *l = &o->lives[b->aux - 1];
    if (!s->live_on || s->state != SS_RECORDING || (uint32_t)b->act != s->live_gen ||
        !l->expected)
        return;
    orc_chk(o, 14);
    if (l->slices != b->stamp)
        return; /* it finished one in time */
    live_viol(o, b, s, l);
}

void orc_on_recorder_rejoined(orc_t *o, const sim_tr_ev_t *ev)
{
    sess_t *s = orc_sess_of(o, ev->sess);
    if (s == NULL || s->state != SS_RECORDING || s->serving_rec != ev->rec)
        return;
    orc_live_begin(o, s, ev->t_ms, 0);
}
