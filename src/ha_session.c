/* ha_session.c -- one recording session's state machine.
 *
 *            start                 ready
 *   FREE ----------> STARTING -------------> RECORDING <---------------+
 *                       | deadline            |  |  \ stop            |
 *                       v                kill |  |   v                 |
 *                 ENDED_ABNORMAL              |  |  STOPPING -> ENDED_NORMAL
 *                                             v  | disconnect          |
 *                                      FAILOVER  v                     |
 *                                         |   RECONNECTING --back--> RESUMING
 *                                         |      | 60 s                |  ready
 *                                         |      v                     +-------+
 *                                         |   SWITCHING                        |
 *                                         +------+--- replacement ready -------+
 *
 * An activation begins when the center detects a fault of the recorder that
 * serves the session (exit report: kill; heartbeat timeout: disconnect). From
 * then until a recorder records again the session answers 404 (R6), and it
 * has until detection + 90 s to resume (R3) or it ends abnormally (R10). A
 * fault of a replacement before it resumed is part of the same activation:
 * try another server under the same deadline (R11). The fourth fault of the
 * serving recorder gives up (R5).
 *
 * A recorder the session has let go of is fenced (R9): told to stop for good
 * if its server is reachable, or remembered and told when the server
 * returns; until then nothing it sends is accepted.
 */
#include "ha_internal.h"

#include <assert.h>
#include <string.h>

#include "ha_uid.h"

/* ---- timers ------------------------------------------------------------ */

static void arm_deadline(ha_center_t *c, uint32_t si, int64_t at_ms)
{
    ha_session_t *s = &c->sessions[si];
    s->deadline_gen++;
    s->deadline_armed = true;
    ha_timer_arm(c, HA_TIMER_SESSION_DEADLINE, si, s->deadline_gen, at_ms);
}

static void arm_step(ha_center_t *c, uint32_t si, int64_t at_ms)
{
    ha_session_t *s = &c->sessions[si];
    s->step_gen++;
    s->step_armed = true;
    ha_timer_arm(c, HA_TIMER_SESSION_STEP, si, s->step_gen, at_ms);
}

static void disarm_timers(ha_center_t *c, uint32_t si)
{
    ha_session_t *s = &c->sessions[si];
    if (s->deadline_armed) {
        s->deadline_armed = false;
        s->deadline_gen++;
        ha_timer_cancel(c, HA_TIMER_SESSION_DEADLINE, si);
    }
    if (s->step_armed) {
        s->step_armed = false;
        s->step_gen++;
        ha_timer_cancel(c, HA_TIMER_SESSION_STEP, si);
    }
}

/* ---- recorders and servers --------------------------------------------- */

static void release_load(ha_center_t *c, uint32_t server)
{
    assert(server < c->servers_count);
    assert(c->servers[server].load > 0);
    c->servers[server].load--;
    ha_server_changed(c, server);
}

static void emit_recorder_cmd(ha_center_t *c, ha_cmd_kind_t kind, uint32_t si, ha_rec_ref_t r,
                              uint32_t uid, int bak, ha_stop_how_t how)
{
    ha_cmd_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.kind = kind;
    cmd.u.recorder.session = si;
    cmd.u.recorder.server = r.server;
    cmd.u.recorder.recorder = r.recorder;
    cmd.u.recorder.uid = uid;
    cmd.u.recorder.bak = bak;
    cmd.u.recorder.how = how;
    ha_emit(c, &cmd);
}

static void fence_now(ha_center_t *c, uint32_t si, ha_rec_ref_t r)
{
    emit_recorder_cmd(c, HA_CMD_RECORDER_STOP, si, r, 0, -1, HA_STOP_FENCE);
    ha_event_info_t ev = ha_event_info(si, HA_EV_FENCED);
    ev.server = r.server;
    ev.recorder = r.recorder;
    ha_emit_event(c, &ev);
}

/* Drops the fences whose servers have answered since they were told: a
 * heartbeat after the order means the link was there to carry it. */
static void fence_prune(ha_center_t *c, uint32_t si)
{
    ha_session_t *s = &c->sessions[si];
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->fence_count; i++) {
        ha_fence_t f = *ha_fence_at(c, si, i);
        if (f.owed || f.hb_count == c->servers[f.rec.server].hb_count)
            *ha_fence_at(c, si, kept++) = f;
    }
    s->fence_count = kept;
}

/* Lets a live recorder go for good (R9). It keeps its server's capacity
 * until it is told to stop. Told now or not, it is remembered until its
 * server has answered after the order: an order into a link that is cut
 * without the center knowing yet is lost, and is told again when the server
 * returns (ha_session_fences_unanswered). */
static void fence(ha_center_t *c, uint32_t si, ha_rec_ref_t r)
{
    ha_session_t *s = &c->sessions[si];
    fence_prune(c, si);
    assert(s->fence_count < HA_FENCE_MAX && "HA_FENCE_MAX bounds what a session lets go of");
    ha_fence_t *f = ha_fence_at(c, si, s->fence_count++);
    f->rec = r;
    f->hb_count = c->servers[r.server].hb_count;
    if (!c->servers[r.server].down) {
        fence_now(c, si, r);
        release_load(c, r.server);
        f->owed = false;
        f->load_held = false;
        return;
    }
    f->owed = true;
    f->load_held = true;
}

void ha_session_fences_unanswered(ha_center_t *c, uint32_t si, uint32_t server)
{
    ha_session_t *s = &c->sessions[si];
    const ha_server_t *srv = &c->servers[server];
    assert(srv->down);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->fence_count; i++) {
        ha_fence_t f = *ha_fence_at(c, si, i);
        if (!f.owed && f.rec.server == server) {
            if (f.hb_count != srv->hb_count)
                continue; /* answered after the order: it arrived */
            f.owed = true; /* it may have gone into the cut link */
        }
        *ha_fence_at(c, si, kept++) = f;
    }
    s->fence_count = kept;
}

static bool fence_forget(ha_center_t *c, uint32_t si, uint32_t recorder)
{
    ha_session_t *s = &c->sessions[si];
    for (uint32_t i = 0; i < s->fence_count; i++) {
        ha_fence_t *f = ha_fence_at(c, si, i);
        if (f->rec.recorder == recorder) {
            if (f->load_held)
                release_load(c, f->rec.server);
            *f = *ha_fence_at(c, si, --s->fence_count);
            return true;
        }
    }
    return false;
}

/* The server is back: what it is owed is told now. (Nothing told there is
 * still waiting for an answer: its going down settled each of those.) */
static void fence_flush(ha_center_t *c, uint32_t si, uint32_t server)
{
    ha_session_t *s = &c->sessions[si];
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->fence_count; i++) {
        ha_fence_t f = *ha_fence_at(c, si, i);
        if (f.rec.server != server || !f.owed) {
            *ha_fence_at(c, si, kept++) = f;
            continue;
        }
        fence_now(c, si, f.rec);
        if (f.load_held)
            release_load(c, server);
    }
    s->fence_count = kept;
}

/* A server is avoided once it failed: the failed one at detection (the list
 * is empty then), then each attempt's, which the pick never chose twice. */
static void avoid_add(ha_session_t *s, uint32_t server)
{
    /* Never twice (avoid_sorted asserts it). One entry per attempt plus
     * the failed server: never full. */
    assert(s->avoid_count < sizeof(s->avoid) / sizeof(s->avoid[0]));
    s->avoid[s->avoid_count++] = server;
}

/* The servers s avoids, in index order, into out; how many. */
static uint32_t avoid_sorted(const ha_session_t *s, uint32_t *out)
{
    for (uint32_t i = 0; i < s->avoid_count; i++) {
        uint32_t j = i;
        for (; j > 0 && out[j - 1] > s->avoid[i]; j--)
            out[j] = out[j - 1];
        assert((j == 0 || out[j - 1] != s->avoid[i]) && "a server avoided twice");
        out[j] = s->avoid[i];
    }
    return s->avoid_count;
}

/* The replacement: a server that is up, has room, and has not failed this
 * session in this activation -- never the failed one. Least loaded first
 * (a host crash spreads its sessions), lowest index on ties (determinism).
 * The pick index holds (load, index) of every server that may take one;
 * the few a session avoids cut its range into pieces, each asked for its
 * least: O(log servers), where looking at every server was O(servers). */
int ha_server_pick(const ha_center_t *c, const ha_session_t *s)
{
    uint32_t skip[sizeof(s->avoid) / sizeof(s->avoid[0])];
    uint32_t n = avoid_sorted(s, skip);
    uint64_t best = HA_PICK_NONE;
    for (uint32_t k = 0, lo = 0; k <= n; k++) {
        const uint32_t hi = k < n ? skip[k] : c->servers_count;
        assert(hi <= c->servers_count);
        const uint64_t m = ha_pick_min(&c->pick, lo, hi);
        best = m < best ? m : best;
        lo = hi + 1;
    }
    if (best == HA_PICK_NONE)
        return -1;
    assert(c->servers[(uint32_t)best].load == best >> 32 && "the pick index kept an old load");
    return (int)(uint32_t)best;
}

static bool in_activation(const ha_session_t *s)
{
    return s->state == HA_ST_FAILOVER || s->state == HA_ST_RECONNECTING ||
           s->state == HA_ST_RESUMING || s->state == HA_ST_SWITCHING;
}

static void start_attempt(ha_center_t *c, uint32_t si)
{
    ha_session_t *s = &c->sessions[si];
    assert(s->state == HA_ST_STARTING || s->state == HA_ST_FAILOVER || s->state == HA_ST_SWITCHING);
    assert(!s->has_pending);

    if (s->attempt >= HA_ATTEMPTS_PER_ACTIVATION_MAX)
        return; /* the deadline timer ends it */
    int pick = ha_server_pick(c, s);
    if (pick < 0) {
        /* No room now; capacity may free up or a server return before the
         * deadline. Look again shortly, and say so: an idle session and a
         * waiting one must look different from outside (R11). */
        arm_step(c, si, c->now_ms + HA_NO_CAPACITY_RETRY_MS);
        ha_event_info_t ev = ha_event_info(si, HA_EV_WAIT_CAPACITY);
        ev.until_ms = c->now_ms + HA_NO_CAPACITY_RETRY_MS;
        ev.attempt = s->attempt;
        ev.activation = s->state == HA_ST_STARTING ? -1 : s->activations - 1;
        ha_emit_event(c, &ev);
        return;
    }
    uint32_t server = (uint32_t)pick;
    s->attempt++;

    uint32_t uid = s->uid;
    if (s->state != HA_ST_STARTING) {
        /* R7: a switch rejoins with a fresh random UID. */
        uid = ha_uid_draw(c->cfg.random, c->cfg.random_ctx, s->uids_used, s->uids_used_count,
                          s->users, s->users_count);
        assert(s->uids_used_count < HA_SESSION_UIDS_MAX);
        s->uids_used[s->uids_used_count++] = uid;
    }
    assert(c->next_recorder != 0 && "recorder ids wrapped");
    s->pending.server = server;
    s->pending.recorder = c->next_recorder++;
    s->pending_uid = uid;
    s->has_pending = true;
    c->servers[server].load++;
    ha_server_changed(c, server);

    int bak = s->state == HA_ST_STARTING ? -1 : s->activations - 1;
    ha_event_info_t ev = ha_event_info(si, HA_EV_SWITCH);
    ev.server = server;
    ev.from_server = s->state == HA_ST_STARTING ? UINT32_MAX : s->avoid[0];
    ev.recorder = s->pending.recorder;
    ev.uid = uid;
    ev.activation = bak;
    ev.cause = s->cause;
    ev.attempt = s->attempt;
    ha_emit_event(c, &ev);
    emit_recorder_cmd(c, HA_CMD_RECORDER_START, si, s->pending, uid, bak, HA_STOP_FLUSH);
    arm_step(c, si, c->now_ms + HA_START_ATTEMPT_TIMEOUT_MS);
}

/* A replacement (or the first recorder) failed before recording: R11, try
 * another server under the same deadline. */
static void attempt_failed(ha_center_t *c, uint32_t si, bool still_alive)
{
    ha_session_t *s = &c->sessions[si];
    assert(s->has_pending);
    ha_event_info_t ev = ha_event_info(si, HA_EV_ATTEMPT_FAILED);
    ev.server = s->pending.server;
    ev.recorder = s->pending.recorder;
    ev.activation = s->state == HA_ST_STARTING ? -1 : s->activations - 1;
    ha_emit_event(c, &ev);

    avoid_add(s, s->pending.server);
    s->has_pending = false;
    if (still_alive)
        fence(c, si, s->pending); /* it may come up later: it must not record */
    else
        release_load(c, s->pending.server);
    if (s->step_armed) {
        s->step_armed = false;
        s->step_gen++;
        ha_timer_cancel(c, HA_TIMER_SESSION_STEP, si);
    }
    start_attempt(c, si);
}

/* Leave the server the session was on (R2 after 60 s, or its process died
 * while disconnected) and start a replacement under the same deadline. */
static void go_switch(ha_center_t *c, uint32_t si)
{
    ha_session_t *s = &c->sessions[si];
    assert(s->state == HA_ST_RECONNECTING || s->state == HA_ST_RESUMING);
    if (s->has_serving) {
        fence(c, si, s->serving);
        s->has_serving = false;
    }
    if (s->step_armed) {
        s->step_armed = false;
        s->step_gen++;
        ha_timer_cancel(c, HA_TIMER_SESSION_STEP, si);
    }
    s->state = HA_ST_SWITCHING;
    start_attempt(c, si);
}

/* ---- callbacks --------------------------------------------------------- */

static void notify_recording(ha_center_t *c, uint32_t si, bool switched)
{
    ha_session_t *s = &c->sessions[si];
    ha_notify(c, si, ha_notify_of(HA_NCS_RECORDER_STARTED));
    if (switched) {
        ha_notify_t n = ha_notify_of(HA_NCS_SESSION_FAILOVER);
        n.new_uid = s->uid;
        ha_notify(c, si, n);
    }
    ha_notify_t n = ha_notify_of(HA_NCS_RECORDER_SLICE_START);
    n.start_utc_ms = c->cfg.utc_at_zero_ms + c->now_ms;
    n.discontinue_utc_ms = s->last_slice_end_utc_ms;
    ha_notify(c, si, n);
}

/* ---- transitions ------------------------------------------------------- */

void ha_session_begin(ha_center_t *c, uint32_t si, const ha_api_in_t *api)
{
    ha_session_t *s = &c->sessions[si];
    assert(s->state == HA_ST_FREE);
    memset(s, 0, sizeof(*s));
    s->mode = api->mode;
    s->webm = api->webm;
    s->mp4 = api->mp4;
    memcpy(s->sid, api->sid, sizeof(s->sid));
    memcpy(s->cname, api->cname, sizeof(s->cname));
    s->uid = api->uid;
    s->uids_used[0] = api->uid;
    s->uids_used_count = 1;
    s->bak = -1;
    s->cause = HA_CAUSE_NONE;
    s->state = HA_ST_STARTING;
    arm_deadline(c, si, c->now_ms + HA_INITIAL_START_DEADLINE_MS);
    start_attempt(c, si);
}

void ha_session_stop(ha_center_t *c, uint32_t si)
{
    ha_session_t *s = &c->sessions[si];
    if (s->state == HA_ST_STARTING) {
        ha_session_end(c, si, HA_END_STOPPED);
        return;
    }
    assert(s->state == HA_ST_RECORDING && s->has_serving);
    assert(!s->step_armed && "recording has no step pending");
    s->state = HA_ST_STOPPING;
    emit_recorder_cmd(c, HA_CMD_RECORDER_STOP, si, s->serving, s->uid, s->bak, HA_STOP_FLUSH);
    arm_deadline(c, si, c->now_ms + HA_STOP_FLUSH_TIMEOUT_MS);
}

void ha_session_end(ha_center_t *c, uint32_t si, ha_end_reason_t reason)
{
    ha_session_t *s = &c->sessions[si];
    assert(s->state != HA_ST_FREE && s->state != HA_ST_ENDED_NORMAL &&
           s->state != HA_ST_ENDED_ABNORMAL);
    uint8_t exit_status = reason == HA_END_STOPPED ? 0 : 1;

    disarm_timers(c, si);
    ha_files_close_all(c, si);
    if (s->has_pending) {
        fence(c, si, s->pending);
        s->has_pending = false;
    }
    if (s->has_serving) {
        fence(c, si, s->serving);
        s->has_serving = false;
    }

    ha_notify_t up = ha_notify_of(HA_NCS_UPLOADED);
    up.file_count = s->files_count;
    ha_notify(c, si, up);
    if (reason == HA_END_STOPPED)
        ha_notify(c, si, ha_notify_of(HA_NCS_RECORDER_LEAVE));
    ha_notify_t ex = ha_notify_of(HA_NCS_SESSION_EXIT);
    ex.exit_status = exit_status;
    ha_notify(c, si, ex);

    ha_event_info_t ev = ha_event_info(si, HA_EV_ENDED);
    ev.reason = reason;
    ev.exit_status = exit_status;
    ev.activation = s->activations - 1;
    ha_emit_event(c, &ev);
    s->state = exit_status == 0 ? HA_ST_ENDED_NORMAL : HA_ST_ENDED_ABNORMAL;
    ha_tasks_remove(c, si);
}

static void give_up(ha_center_t *c, uint32_t si, ha_end_reason_t reason)
{
    ha_event_info_t ev = ha_event_info(si, HA_EV_GIVE_UP);
    ev.reason = reason;
    ev.activation = c->sessions[si].activations - 1;
    ha_emit_event(c, &ev);
    ha_session_end(c, si, reason);
}

static void begin_activation(ha_center_t *c, uint32_t si, ha_cause_t cause)
{
    ha_session_t *s = &c->sessions[si];
    assert(s->state == HA_ST_RECORDING && s->has_serving);
    int k = s->activations;

    ha_event_info_t ev = ha_event_info(si, HA_EV_DETECTED);
    ev.cause = cause;
    ev.server = s->serving.server;
    ev.recorder = s->serving.recorder;
    ev.activation = k;
    ev.until_ms = c->now_ms + HA_ACTIVATION_DEADLINE_MS;
    ha_emit_event(c, &ev);

    uint32_t failed_server = s->serving.server;
    if (cause == HA_CAUSE_KILL)
        s->has_serving = false; /* its process is gone: nothing to fence */
    if (k >= HA_ACTIVATIONS_MAX) {
        give_up(c, si, HA_END_ACTIVATIONS); /* R5 */
        return;
    }
    s->activations = k + 1;
    s->cause = cause;
    s->detect_ms = c->now_ms;
    s->deadline_ms = c->now_ms + HA_ACTIVATION_DEADLINE_MS;
    s->attempt = 0;
    s->avoid_count = 0;
    avoid_add(s, failed_server);
    ha_files_close_all(c, si); /* R4: no entries once a later activation began */
    arm_deadline(c, si, s->deadline_ms);

    if (cause == HA_CAUSE_KILL) {
        s->state = HA_ST_FAILOVER;
        start_attempt(c, si);
    } else {
        s->state = HA_ST_RECONNECTING;
        ha_event_info_t rv = ha_event_info(si, HA_EV_RECONNECTING);
        rv.server = s->serving.server;
        rv.activation = k;
        rv.until_ms = s->detect_ms + HA_RECONNECT_WINDOW_MS;
        ha_emit_event(c, &rv);
        /* Fires at exactly detection + 60 000; a heartbeat in that same
         * millisecond is delivered first (drivers run inputs before timers
         * within a millisecond), so "within 60 s" includes 60 000. */
        arm_step(c, si, rv.until_ms);
    }
}

static void resumed(ha_center_t *c, uint32_t si, bool switched)
{
    ha_session_t *s = &c->sessions[si];
    disarm_timers(c, si);
    s->state = HA_ST_RECORDING;
    s->bak = s->activations - 1;
    ha_event_info_t ev = ha_event_info(si, HA_EV_RESUMED);
    ev.server = s->serving.server;
    ev.recorder = s->serving.recorder;
    ev.uid = s->uid;
    ev.activation = s->bak;
    ev.cause = s->cause;
    ha_emit_event(c, &ev);
    notify_recording(c, si, switched);
}

static void on_ready(ha_center_t *c, uint32_t si, const ha_recorder_in_t *r)
{
    ha_session_t *s = &c->sessions[si];
    if (s->has_pending && s->pending.recorder == r->recorder && s->pending.server == r->server) {
        assert(s->state == HA_ST_STARTING || s->state == HA_ST_FAILOVER ||
               s->state == HA_ST_SWITCHING);
        s->serving = s->pending;
        s->has_serving = true;
        s->has_pending = false;
        if (s->state == HA_ST_STARTING) {
            disarm_timers(c, si);
            s->state = HA_ST_RECORDING;
            ha_event_info_t ev = ha_event_info(si, HA_EV_STARTED);
            ev.server = s->serving.server;
            ev.recorder = s->serving.recorder;
            ev.uid = s->uid;
            ha_emit_event(c, &ev);
            notify_recording(c, si, false);
        } else {
            ha_tasks_set_uid(c, si, s->pending_uid);
            resumed(c, si, true);
        }
        return;
    }
    if (s->state == HA_ST_RESUMING) {
        assert(s->has_serving && "resuming is the held recorder rejoining");
        if (s->serving.recorder == r->recorder) {
            resumed(c, si, false); /* same server, same UID */
            return;
        }
    }
    if (!(s->has_serving && s->serving.recorder == r->recorder) &&
        !(s->has_pending && s->pending.recorder == r->recorder)) {
        /* A recorder we let go of (or never knew) is recording for us. Ids
         * are unique, so one we hold, misreported, is not a stranger. */
        ha_rec_ref_t ref = {r->server, r->recorder};
        fence_now(c, si, ref);
    }
}

static void on_exit_report(ha_center_t *c, uint32_t si, const ha_recorder_in_t *r)
{
    ha_session_t *s = &c->sessions[si];
    if (s->has_serving && s->serving.recorder == r->recorder) {
        /* A live serving recorder exists only while recording, waiting for
         * its server, rejoining, or flushing a stop. */
        release_load(c, s->serving.server);
        if (s->state == HA_ST_RECORDING) {
            begin_activation(c, si, HA_CAUSE_KILL);
        } else if (s->state == HA_ST_RECONNECTING || s->state == HA_ST_RESUMING) {
            /* Died while cut off: nothing to wait for; same activation. */
            s->has_serving = false;
            go_switch(c, si);
        } else {
            assert(s->state == HA_ST_STOPPING);
            s->has_serving = false;
            ha_session_end(c, si, HA_END_STOPPED);
        }
        return;
    }
    if (s->has_pending && s->pending.recorder == r->recorder) {
        attempt_failed(c, si, false);
        return;
    }
    (void)fence_forget(c, si, r->recorder);
}

/* Only sessions with their serving or pending recorder on the server are
 * told (ha_center.c): a pending one is an attempt that failed; a serving one
 * is recording, rejoining, or flushing a stop. */
static void on_server_down(ha_center_t *c, uint32_t si, uint32_t server)
{
    ha_session_t *s = &c->sessions[si];
    if (s->has_pending) {
        /* A session holds a pending recorder only with no serving one (the
         * first start, or a replacement after the old one was let go). */
        assert(!s->has_serving && s->pending.server == server);
        attempt_failed(c, si, true);
        return;
    }
    assert(s->has_serving && s->serving.server == server);
    if (s->state == HA_ST_RECORDING) {
        begin_activation(c, si, HA_CAUSE_DISCONNECT);
    } else if (s->state == HA_ST_RESUMING) {
        /* The link flapped before the recorder rejoined: the server is
         * not back after all. The minute is the time R2 gives the server
         * to return (CONTRACT.md): wait out the rest of it, as before. */
        s->state = HA_ST_RECONNECTING;
        int64_t until_ms = s->detect_ms + HA_RECONNECT_WINDOW_MS;
        arm_step(c, si, until_ms > c->now_ms ? until_ms : c->now_ms);
    } else {
        assert(s->state == HA_ST_STOPPING);
        ha_session_end(c, si, HA_END_STOPPED);
    }
}

static void on_server_up(ha_center_t *c, uint32_t si, uint32_t server)
{
    ha_session_t *s = &c->sessions[si];
    fence_flush(c, si, server);
    if (s->state != HA_ST_RECONNECTING)
        return;
    assert(s->has_serving && "reconnecting keeps the recorder it waits for");
    if (s->serving.server != server)
        return; /* a server it left earlier: fenced above, nothing to resume */
    /* R2: back within the minute -- resume on the same server, same UID. */
    ha_event_info_t ev = ha_event_info(si, HA_EV_RECONNECTED);
    ev.server = server;
    ev.recorder = s->serving.recorder;
    ev.activation = s->activations - 1;
    ha_emit_event(c, &ev);
    s->state = HA_ST_RESUMING;
    emit_recorder_cmd(c, HA_CMD_RECORDER_RESUME, si, s->serving, s->uid, s->activations - 1,
                      HA_STOP_FLUSH);
    arm_step(c, si, c->now_ms + HA_REJOIN_TIMEOUT_MS);
}

/* The step timer is armed only while waiting: for the server (60 s), for a
 * rejoin, for an attempt, or for capacity. */
static void on_step(ha_center_t *c, uint32_t si)
{
    ha_session_t *s = &c->sessions[si];
    if (s->state == HA_ST_RECONNECTING || s->state == HA_ST_RESUMING) {
        /* R2: 60 s passed without the server; A4: it came back but could
         * not rejoin. */
        go_switch(c, si);
        return;
    }
    assert(s->state == HA_ST_STARTING || s->state == HA_ST_FAILOVER ||
           s->state == HA_ST_SWITCHING);
    if (s->has_pending)
        attempt_failed(c, si, true); /* attempt timed out */
    else
        start_attempt(c, si); /* capacity retry */
}

static void on_deadline(ha_center_t *c, uint32_t si)
{
    ha_session_t *s = &c->sessions[si];
    if (s->state == HA_ST_STARTING)
        give_up(c, si, HA_END_START_FAILED);
    else if (in_activation(s))
        give_up(c, si, HA_END_DEADLINE); /* R3, R10 */
    else {
        /* The only other state with a deadline armed: resuming, ending and
         * recording disarm it. */
        assert(s->state == HA_ST_STOPPING);
        ha_session_end(c, si, HA_END_STOPPED); /* flush never confirmed */
    }
}

static void on_slice(ha_center_t *c, uint32_t si, const ha_slice_in_t *sl)
{
    ha_session_t *s = &c->sessions[si];
    bool from_serving = s->has_serving && s->serving.recorder == sl->recorder &&
                        s->serving.server == sl->server;
    if (from_serving && (s->state == HA_ST_RECORDING || s->state == HA_ST_STOPPING)) {
        ha_files_slice(c, si, sl);
        return;
    }
    bool from_pending = s->has_pending && s->pending.recorder == sl->recorder;
    bool held = from_pending || (s->has_serving && s->serving.recorder == sl->recorder);
    if (!held) {
        /* R9: a recorder the session let go of is writing. Refuse, and tell
         * it again to stop. */
        ha_rec_ref_t ref = {sl->server, sl->recorder};
        fence_now(c, si, ref);
    }
}

static void on_user(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    ha_session_t *s = &c->sessions[si];
    uint32_t uid = in->u.user.uid;
    if (in->kind == HA_IN_USER_LEFT)
        ha_files_user_left(c, si, uid);
    for (uint32_t i = 0; i < s->users_count; i++) {
        if (s->users[i] == uid) {
            if (in->kind == HA_IN_USER_LEFT)
                s->users[i] = s->users[--s->users_count];
            return;
        }
    }
    if (in->kind == HA_IN_USER_JOINED && s->users_count < HA_USERS_MAX)
        s->users[s->users_count++] = uid;
}

static void h_deadline(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    (void)in;
    on_deadline(c, si);
}

static void h_step(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    (void)in;
    on_step(c, si);
}

static void h_server_down(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    on_server_down(c, si, in->u.heartbeat.server);
}

static void h_server_up(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    on_server_up(c, si, in->u.heartbeat.server);
}

static void h_exit_report(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    on_exit_report(c, si, &in->u.recorder);
}

static void h_ready(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    ha_session_t *s = &c->sessions[si];
    if (s->state != HA_ST_ENDED_NORMAL && s->state != HA_ST_ENDED_ABNORMAL)
        on_ready(c, si, &in->u.recorder);
    else
        fence_now(c, si, (ha_rec_ref_t){in->u.recorder.server, in->u.recorder.recorder});
}

static void h_failed(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    ha_session_t *s = &c->sessions[si];
    if (s->has_pending && s->pending.recorder == in->u.recorder.recorder)
        attempt_failed(c, si, false);
}

static void h_exited(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    ha_session_t *s = &c->sessions[si];
    if (s->state == HA_ST_STOPPING) {
        assert(s->has_serving && "stopping flushes the recorder it holds");
        if (s->serving.recorder == in->u.recorder.recorder) {
            release_load(c, s->serving.server);
            s->has_serving = false;
            ha_session_end(c, si, HA_END_STOPPED);
            return;
        }
    }
    (void)fence_forget(c, si, in->u.recorder.recorder);
}

static void h_slice(ha_center_t *c, uint32_t si, const ha_input_t *in)
{
    on_slice(c, si, &in->u.slice);
}

typedef void sev_handler_fn(ha_center_t *c, uint32_t si, const ha_input_t *in);

/* API calls go through ha_api.c and stale timers are dropped before they get
 * here: those have no handler. */
static sev_handler_fn *const sev_handlers[HA_SEV_COUNT] = {
    [HA_SEV_DEADLINE] = h_deadline,       [HA_SEV_STEP] = h_step,
    [HA_SEV_SERVER_DOWN] = h_server_down, [HA_SEV_SERVER_UP] = h_server_up,
    [HA_SEV_EXIT_REPORT] = h_exit_report, [HA_SEV_READY] = h_ready,
    [HA_SEV_FAILED] = h_failed,           [HA_SEV_EXITED] = h_exited,
    [HA_SEV_SLICE] = h_slice,             [HA_SEV_USER] = on_user,
};

void ha_session_handle(ha_center_t *c, uint32_t si, ha_sev_t sev, const ha_input_t *in)
{
    assert(si < c->cfg.sessions_max);
    assert(sev < HA_SEV_COUNT && sev_handlers[sev] != NULL);
    ha_session_t *s = &c->sessions[si];
    c->transitions[s->state][sev]++;
    if (s->state == HA_ST_FREE)
        return; /* an input about a session never started */
    sev_handlers[sev](c, si, in);
}
