/* core_harness.c -- a small deterministic driver of the HA core for unit
 * tests, and the two checkers it runs on every input (core_harness.h says
 * what each does). Compiled once and linked into the tests that include
 * core_harness.h.
 */
#include "core_harness.h"

/* Names for failure logs. The core keeps only the names its drivers print
 * (states, session events, causes); these are the harness's own. */
static const char *h_event_name(ha_event_t e)
{
    static const char *const names[HA_EV_COUNT] = {
        "detect", "reconnecting", "reconnected", "switch", "attempt_failed", "resume",
        "give_up", "end", "fenced", "server_down", "server_up", "started", "wait_capacity",
    };
    return (unsigned)e < HA_EV_COUNT ? names[e] : "?";
}

static const char *h_end_reason_name(ha_end_reason_t r)
{
    static const char *const names[] = {"none", "stopped", "activations", "deadline", "start_failed"};
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* ---- failing with context ---------------------------------------------- */

static void h_dump(const h_t *h, uint32_t from);

void h_failf(const h_t *h, const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    print_error("%s:%d: at t=%lld ms: %s\n", file, line, (long long)h->now, msg);
    h_dump(h, h->n > 40 ? h->n - 40 : 0);
    _fail(file, line);
}

/* ---- text form of a command: for hashing and for failure dumps ---------- */

static int h_fmt_cmd(char *out, size_t cap, const h_rec_t *r)
{
    const ha_cmd_t *c = &r->cmd;
    long long t = (long long)r->t_ms;
    switch (c->kind) {
    case HA_CMD_REPLY:
        return snprintf(out, cap, "%lld reply req=%llu s=%u http=%u code=%u status=%u msg=%s file=%s",
                        t, (unsigned long long)c->u.reply.req_id, c->u.reply.session,
                        c->u.reply.http, c->u.reply.code, c->u.reply.status,
                        c->u.reply.message ? c->u.reply.message : "-",
                        c->u.reply.file ? c->u.reply.file : "-");
    case HA_CMD_TIMER_ARM:
        return snprintf(out, cap, "%lld arm slot=%u kind=%u index=%u gen=%u at=%lld", t,
                        c->u.arm.timer.slot, c->u.arm.timer.kind, c->u.arm.timer.index,
                        c->u.arm.timer.gen, (long long)c->u.arm.at_ms);
    case HA_CMD_TIMER_CANCEL:
        return snprintf(out, cap, "%lld cancel slot=%u", t, c->u.cancel.slot);
    case HA_CMD_RECORDER_START:
    case HA_CMD_RECORDER_RESUME:
    case HA_CMD_RECORDER_STOP:
        return snprintf(out, cap, "%lld %s s=%u srv=%u rec=%u uid=%u bak=%d how=%d", t,
                        c->kind == HA_CMD_RECORDER_START    ? "rec_start"
                        : c->kind == HA_CMD_RECORDER_RESUME ? "rec_resume"
                                                            : "rec_stop",
                        c->u.recorder.session, c->u.recorder.server, c->u.recorder.recorder,
                        c->u.recorder.uid, c->u.recorder.bak, (int)c->u.recorder.how);
    case HA_CMD_PLAYLIST_OPEN:
    case HA_CMD_PLAYLIST_CLOSE:
    case HA_CMD_SLICE_WRITE:
        return snprintf(out, cap,
                        "%lld %s s=%u srv=%u rec=%u uid=%u track=%d fmt=%d bak=%d %lld..%lld pl=%s name=%s",
                        t,
                        c->kind == HA_CMD_PLAYLIST_OPEN    ? "pl_open"
                        : c->kind == HA_CMD_PLAYLIST_CLOSE ? "pl_close"
                                                           : "slice",
                        c->u.file.session, c->u.file.server, c->u.file.recorder, c->u.file.uid,
                        (int)c->u.file.track, (int)c->u.file.fmt, c->u.file.bak,
                        (long long)c->u.file.start_utc_ms, (long long)c->u.file.end_utc_ms,
                        c->u.file.playlist ? c->u.file.playlist : "-",
                        c->u.file.name ? c->u.file.name : "-");
    case HA_CMD_NOTIFY:
        return snprintf(out, cap,
                        "%lld notify s=%u ev=%u uid=%u seq=%u id=%llu exit=%u new_uid=%u start=%lld disc=%lld leave=%u files=%u",
                        t, c->u.notify.session, c->u.notify.event_type, c->u.notify.uid,
                        c->u.notify.sequence, (unsigned long long)c->u.notify.notice_id,
                        c->u.notify.exit_status, c->u.notify.new_uid,
                        (long long)c->u.notify.start_utc_ms,
                        (long long)c->u.notify.discontinue_utc_ms, c->u.notify.leave_code,
                        c->u.notify.file_count);
    case HA_CMD_EVENT:
        return snprintf(out, cap,
                        "%lld event s=%u %s cause=%s srv=%u from=%u rec=%u uid=%u act=%d until=%lld reason=%s exit=%u",
                        t, c->u.event.session, h_event_name(c->u.event.what),
                        ha_cause_name(c->u.event.cause), c->u.event.server,
                        c->u.event.from_server, c->u.event.recorder, c->u.event.uid,
                        c->u.event.activation, (long long)c->u.event.until_ms,
                        h_end_reason_name(c->u.event.reason), c->u.event.exit_status);
    case HA_CMD_COUNT:
        break;
    }
    return snprintf(out, cap, "%lld ??? kind=%d", t, (int)c->kind);
}

static void h_dump(const h_t *h, uint32_t from)
{
    char line[1024];
    for (uint32_t i = from; i < h->n; i++) {
        h_fmt_cmd(line, sizeof(line), &h->rec[i]);
        print_error("  [%u] %s\n", i, line);
    }
}

/* FNV-1a over the text form of every command: equal hashes, equal streams. */
uint64_t h_hash(const h_t *h)
{
    uint64_t x = 0xcbf29ce484222325ull;
    char line[1024];
    for (uint32_t i = 0; i < h->n; i++) {
        int n = h_fmt_cmd(line, sizeof(line), &h->rec[i]);
        for (int k = 0; k < n && k < (int)sizeof(line); k++) {
            x ^= (unsigned char)line[k];
            x *= 0x100000001b3ull;
        }
        x ^= '\n';
        x *= 0x100000001b3ull;
    }
    return x;
}

/* ---- small lists ------------------------------------------------------- */

static bool h_in(const uint32_t *list, uint32_t n, uint32_t v)
{
    for (uint32_t i = 0; i < n; i++) {
        if (list[i] == v)
            return true;
    }
    return false;
}

static void h_add(uint32_t *list, uint32_t *n, uint32_t v)
{
    if (!h_in(list, *n, v) && *n < H_LIST_MAX)
        list[(*n)++] = v;
}

static const char *h_pool_copy(h_t *h, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t len = strlen(s) + 1;
    assert_true(len <= H_POOL_CHUNK);
    if (h->pool_chunks == 0 || h->pool_used + len > H_POOL_CHUNK) {
        assert_true(h->pool_chunks < H_POOL_CHUNKS_MAX);
        h->pool[h->pool_chunks] = malloc(H_POOL_CHUNK);
        assert_non_null(h->pool[h->pool_chunks]);
        h->pool_chunks++;
        h->pool_used = 0;
    }
    char *dst = h->pool[h->pool_chunks - 1] + h->pool_used;
    memcpy(dst, s, len);
    h->pool_used += len;
    return dst;
}

static bool h_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The name carries bak<k>_ exactly when k >= 0, and never another bak. */
static bool h_prefix_ok(const char *name, int bak)
{
    char want[16];
    if (bak < 0)
        return !h_starts_with(name, "bak");
    snprintf(want, sizeof(want), "bak%d_", bak);
    return h_starts_with(name, want) && !h_starts_with(name + strlen(want), "bak");
}

/* ---- timers ------------------------------------------------------------ */

/* One heartbeat timer serves every server: the server only says which
 * one a test means. */
uint32_t h_hb_slot(const h_t *h, uint32_t server)
{
    (void)h;
    (void)server;
    return 0;
}

uint32_t h_deadline_slot(const h_t *h, uint32_t session)
{
    (void)h;
    return 1 + 2 * session;
}

uint32_t h_step_slot(const h_t *h, uint32_t session)
{
    (void)h;
    return 2 + 2 * session;
}

bool h_armed(const h_t *h, uint32_t slot)
{
    return slot < h->nslots && h->slots[slot].armed;
}

int64_t h_at(const h_t *h, uint32_t slot)
{
    assert_true(h_armed(h, slot));
    return h->slots[slot].at_ms;
}

/* ---- the online oracle --------------------------------------------------- */

static h_track_t *h_tr(h_t *h, uint32_t session)
{
    H_CHECK(h, session < H_SESSIONS_MAX && session < h->cfg.sessions_max,
            "command names session %u out of range", session);
    return &h->track[session];
}

static bool h_open_find(const h_track_t *t, const char *name, uint32_t *at)
{
    for (uint32_t i = 0; i < t->n_open; i++) {
        if (strcmp(t->open[i], name) == 0) {
            if (at != NULL)
                *at = i;
            return true;
        }
    }
    return false;
}

static void h_online_event(h_t *h, const ha_event_info_t *ev)
{
    if (ev->what == HA_EV_SERVER_DOWN || ev->what == HA_EV_SERVER_UP) {
        H_CHECK(h, ev->server < h->nservers, "event names server %u", ev->server);
        if (ev->what == HA_EV_SERVER_DOWN) {
            int64_t due = h->last_hb[ev->server] + H_HB_TIMEOUT_MS;
            H_CHECK(h, h->strict ? h->now == due : h->now >= due,
                    "server %u declared down at %lld, last heartbeat %lld (timeout %d)", ev->server,
                    (long long)h->now, (long long)h->last_hb[ev->server], H_HB_TIMEOUT_MS);
        }
        return;
    }
    h_track_t *t = h_tr(h, ev->session);
    H_CHECK(h, t->started, "event %s for a session never started", h_event_name(ev->what));
    if (ev->what != HA_EV_FENCED)
        H_CHECK(h, !t->ended, "event %s after the session ended", h_event_name(ev->what));
    switch (ev->what) {
    case HA_EV_WAIT_CAPACITY:
        H_CHECK(h, ev->until_ms == h->now + H_NO_CAPACITY_RETRY_MS,
                "looks for capacity again at %lld", (long long)ev->until_ms);
        break;
    case HA_EV_STARTED:
        H_CHECK(h, !t->in_act && t->serving_rec == 0 && t->detections == 0, "started twice");
        H_CHECK(h, ev->uid == t->start_uid, "first recorder joins with uid %u, not %u", ev->uid,
                t->start_uid);
        t->serving_rec = ev->recorder;
        t->serving_server = ev->server;
        t->bak_cur = -1;
        break;
    case HA_EV_DETECTED:
        H_CHECK(h, !t->in_act, "R11: a fault inside an activation counted as a new one");
        H_CHECK(h, t->serving_rec != 0 && ev->recorder == t->serving_rec,
                "detected a fault of recorder %u, serving is %u", ev->recorder, t->serving_rec);
        H_CHECK(h, ev->activation == t->detections, "activation %d, expected %d", ev->activation,
                t->detections);
        H_CHECK(h, ev->until_ms == h->now + H_DEADLINE_MS, "deadline %lld",
                (long long)ev->until_ms);
        t->detections++;
        t->serving_rec = 0;
        if (ev->activation >= H_ACT_MAX)
            break; /* R5: a give-up must follow */
        t->in_act = true;
        t->act_cur = ev->activation;
        t->detect_ms = h->now;
        t->det_server = ev->server;
        t->det_rec = ev->recorder;
        t->det_rec_exited = false;
        t->resume_sent = false;
        t->deadline_arms = 0;
        t->cause = ev->cause;
        t->uid_before = t->uid_cur;
        t->n_avoid = 0;
        h_add(t->avoid, &t->n_avoid, ev->server);
        break;
    case HA_EV_RECONNECTING:
        H_CHECK(h, t->in_act && t->cause == HA_CAUSE_DISCONNECT, "reconnecting outside a disconnect");
        H_CHECK(h, ev->until_ms == t->detect_ms + H_RECONNECT_MS,
                "R2: reconnect window until %lld, detection %lld", (long long)ev->until_ms,
                (long long)t->detect_ms);
        break;
    case HA_EV_RECONNECTED:
        H_CHECK(h, t->in_act && ev->server == t->det_server, "reconnected to another server");
        H_CHECK(h, h->now <= t->detect_ms + H_RECONNECT_MS, "R2: reconnected %lld ms after detection",
                (long long)(h->now - t->detect_ms));
        break;
    case HA_EV_SWITCH:
        if (ev->activation < 0) {
            H_CHECK(h, !t->in_act && t->serving_rec == 0, "a first-start attempt while serving");
            H_CHECK(h, ev->from_server == UINT32_MAX, "first start from server %u", ev->from_server);
            break;
        }
        H_CHECK(h, t->in_act && ev->activation == t->act_cur, "switch outside its activation");
        H_CHECK(h, ev->from_server == t->det_server, "switch from server %u, the fault was on %u",
                ev->from_server, t->det_server);
        H_CHECK(h, !h_in(t->avoid, t->n_avoid, ev->server),
                "R1/R2/R11: switch to server %u, which faulted or failed in this activation",
                ev->server);
        if (t->cause == HA_CAUSE_DISCONNECT && h->strict)
            H_CHECK(h,
                    h->now >= t->detect_ms + H_RECONNECT_MS || t->det_rec_exited || t->resume_sent,
                    "R2: switched %lld ms after a disconnect, before 60000 ms",
                    (long long)(h->now - t->detect_ms));
        break;
    case HA_EV_ATTEMPT_FAILED:
        if (t->in_act)
            h_add(t->avoid, &t->n_avoid, ev->server);
        break;
    case HA_EV_RESUMED:
        H_CHECK(h, t->in_act && ev->activation == t->act_cur, "resumed outside an activation");
        H_CHECK(h, h->now - t->detect_ms <= H_DEADLINE_MS,
                "R3: resumed %lld ms after detection", (long long)(h->now - t->detect_ms));
        if (ev->recorder == t->det_rec) {
            H_CHECK(h, ev->server == t->det_server && ev->uid == t->uid_before,
                    "R2/R7: a reconnect must keep server %u and uid %u", t->det_server,
                    t->uid_before);
            H_CHECK(h, t->cause == HA_CAUSE_DISCONNECT && t->resume_sent,
                    "the faulted recorder resumed without a reconnect");
        } else {
            H_CHECK(h, ev->server != t->det_server, "R1/R2: resumed on the faulted server");
            H_CHECK(h, ev->uid != t->uid_before && ev->uid != 0, "R7: switch kept uid %u", ev->uid);
        }
        t->in_act = false;
        t->serving_rec = ev->recorder;
        t->serving_server = ev->server;
        t->bak_cur = t->act_cur;
        t->uid_cur = ev->uid;
        break;
    case HA_EV_GIVE_UP:
        if (ev->reason == HA_END_ACTIVATIONS)
            H_CHECK(h, t->detections == H_ACT_MAX + 1, "R5: gave up after %d faults",
                    t->detections);
        if (ev->reason == HA_END_DEADLINE) {
            int64_t due = t->detect_ms + H_DEADLINE_MS;
            H_CHECK(h, t->in_act && (h->strict ? h->now == due : h->now >= due),
                    "R10: gave up at %lld, deadline %lld", (long long)h->now, (long long)due);
        }
        if (ev->reason == HA_END_START_FAILED) {
            int64_t due = t->start_ms + H_START_DEADLINE_MS;
            H_CHECK(h, h->strict ? h->now == due : h->now >= due, "start failed at %lld, due %lld",
                    (long long)h->now, (long long)due);
        }
        break;
    case HA_EV_ENDED: {
        uint8_t want = ev->reason == HA_END_STOPPED ? 0 : 1;
        H_CHECK(h, ev->exit_status == want, "exit status %u for reason %s", ev->exit_status,
                h_end_reason_name(ev->reason));
        H_CHECK(h, t->exit_notified == (int)want, "R5/R10/R12: callback 11 said exit %d, want %u",
                t->exit_notified, want);
        H_CHECK(h, t->n_open == 0, "R12: the session ended with %u playlists open", t->n_open);
        t->ended = true;
        t->in_act = false;
        t->serving_rec = 0;
        t->serving_fenced = false;
        break;
    }
    case HA_EV_FENCED:
    case HA_EV_SERVER_DOWN:
    case HA_EV_SERVER_UP:
        break;
    }
}

static void h_online(h_t *h, const h_rec_t *r)
{
    const ha_cmd_t *cmd = &r->cmd;
    switch (cmd->kind) {
    case HA_CMD_REPLY: {
        const ha_reply_t *rp = &cmd->u.reply;
        if (rp->http == 404)
            H_CHECK(h, rp->message != NULL && strcmp(rp->message, H_NO_WORKER) == 0,
                    "R6: 404 without \"%s\"", H_NO_WORKER);
        if (rp->req_id == h->cur_req) {
            h->replies++;
            memset(&h->reply, 0, sizeof(h->reply));
            h->reply.req_id = rp->req_id;
            h->reply.session = rp->session;
            h->reply.http = rp->http;
            h->reply.code = rp->code;
            h->reply.status = rp->status;
            h->reply.has_message = rp->message != NULL;
            h->reply.has_file = rp->file != NULL;
            if (rp->message)
                snprintf(h->reply.message, sizeof(h->reply.message), "%s", rp->message);
            if (rp->file)
                snprintf(h->reply.file, sizeof(h->reply.file), "%s", rp->file);
        }
        if (h->cur_is_start && rp->req_id == h->cur_req && rp->http == 200) {
            h_track_t *t = h_tr(h, rp->session);
            H_CHECK(h, !t->started, "start reused session slot %u", rp->session);
            memset(t, 0, sizeof(*t));
            t->started = true;
            t->exit_notified = -1;
            t->start_uid = t->uid_cur = t->uid_before = h->cur_api.uid;
            t->start_ms = h->now;
            t->bak_cur = -1;
            t->act_cur = -1;
            h_add(t->used, &t->n_used, h->cur_api.uid);
        }
        break;
    }
    case HA_CMD_TIMER_ARM: {
        const ha_timer_t *tm = &cmd->u.arm.timer;
        H_CHECK(h, tm->slot < h->nslots, "timer slot %u out of range", tm->slot);
        H_CHECK(h, cmd->u.arm.at_ms >= h->now, "timer armed in the past");
        uint32_t want = tm->kind == HA_TIMER_HEARTBEATS ? h_hb_slot(h, tm->index)
                        : tm->kind == HA_TIMER_SESSION_DEADLINE ? h_deadline_slot(h, tm->index)
                                                                 : h_step_slot(h, tm->index);
        H_CHECK(h, tm->kind < HA_TIMER_KIND_COUNT && tm->slot == want, "timer slot %u for kind %u",
                tm->slot, tm->kind);
        if (tm->kind != HA_TIMER_HEARTBEATS) {
            h_track_t *t = h_tr(h, tm->index);
            H_CHECK(h, t->started && !t->ended, "session timer of a session not running");
            if (tm->kind == HA_TIMER_SESSION_DEADLINE && t->in_act) {
                t->deadline_arms++;
                H_CHECK(h, t->deadline_arms == 1, "R11: activation deadline re-armed");
                H_CHECK(h, cmd->u.arm.at_ms == t->detect_ms + H_DEADLINE_MS,
                        "R3: activation deadline at %lld, detection %lld",
                        (long long)cmd->u.arm.at_ms, (long long)t->detect_ms);
            }
        }
        h->slots[tm->slot].armed = true;
        h->slots[tm->slot].timer = *tm;
        h->slots[tm->slot].at_ms = cmd->u.arm.at_ms;
        break;
    }
    case HA_CMD_TIMER_CANCEL:
        H_CHECK(h, cmd->u.cancel.slot < h->nslots, "cancel of slot %u", cmd->u.cancel.slot);
        h->slots[cmd->u.cancel.slot].armed = false;
        break;
    case HA_CMD_RECORDER_START: {
        h_track_t *t = h_tr(h, cmd->u.recorder.session);
        uint32_t uid = cmd->u.recorder.uid;
        H_CHECK(h, t->started && !t->ended, "recorder started for a session not running");
        H_CHECK(h, cmd->u.recorder.recorder > h->last_recorder, "recorder id %u reused",
                cmd->u.recorder.recorder);
        h->last_recorder = cmd->u.recorder.recorder;
        H_CHECK(h, cmd->u.recorder.server < h->nservers, "recorder on server %u",
                cmd->u.recorder.server);
        H_CHECK(h, cmd->u.recorder.bak < H_ACT_MAX, "R5: recorder started with bak%d",
                cmd->u.recorder.bak);
        if (t->in_act) {
            H_CHECK(h, cmd->u.recorder.bak == t->act_cur, "R4: replacement with bak%d in activation %d",
                    cmd->u.recorder.bak, t->act_cur);
            H_CHECK(h, uid != 0, "R7: uid 0");
            H_CHECK(h, !h_in(t->used, t->n_used, uid), "R7: uid %u was used before", uid);
            H_CHECK(h, !h_in(t->users, t->n_users, uid), "R7: uid %u is a user in the channel", uid);
            H_CHECK(h, !h_in(t->avoid, t->n_avoid, cmd->u.recorder.server),
                    "R11: replacement on server %u, which faulted or failed", cmd->u.recorder.server);
            h_add(t->used, &t->n_used, uid);
        } else {
            H_CHECK(h, t->serving_rec == 0 && t->detections == 0,
                    "a recorder started outside an activation while one serves");
            H_CHECK(h, cmd->u.recorder.bak == -1 && uid == t->start_uid,
                    "first recorder: bak %d uid %u", cmd->u.recorder.bak, uid);
        }
        break;
    }
    case HA_CMD_RECORDER_RESUME: {
        h_track_t *t = h_tr(h, cmd->u.recorder.session);
        H_CHECK(h, t->in_act && t->cause == HA_CAUSE_DISCONNECT, "resume outside a disconnect");
        H_CHECK(h, cmd->u.recorder.recorder == t->det_rec && cmd->u.recorder.server == t->det_server,
                "R2: resume of another recorder");
        H_CHECK(h, cmd->u.recorder.uid == t->uid_before, "R7: a reconnect changed the uid");
        H_CHECK(h, cmd->u.recorder.bak == t->act_cur, "R4: resume with bak%d", cmd->u.recorder.bak);
        H_CHECK(h, !h_in(t->fenced, t->n_fenced, cmd->u.recorder.recorder),
                "R9: resume of a fenced recorder");
        t->resume_sent = true;
        break;
    }
    case HA_CMD_RECORDER_STOP: {
        h_track_t *t = h_tr(h, cmd->u.recorder.session);
        if (cmd->u.recorder.how == HA_STOP_FENCE) {
            /* Fencing the serving recorder is right only as part of
             * ending the session: checked when the input is done. */
            if (t->serving_rec != 0 && cmd->u.recorder.recorder == t->serving_rec)
                t->serving_fenced = true; /* drivers find recorders by id */
            h_add(t->fenced, &t->n_fenced, cmd->u.recorder.recorder);
        } else {
            H_CHECK(h, t->serving_rec != 0 && cmd->u.recorder.recorder == t->serving_rec,
                    "flush stop of a recorder that does not serve");
        }
        break;
    }
    case HA_CMD_PLAYLIST_OPEN: {
        h_track_t *t = h_tr(h, cmd->u.file.session);
        const char *name = cmd->u.file.playlist;
        H_CHECK(h, name != NULL && cmd->u.file.name != NULL && strcmp(name, cmd->u.file.name) == 0,
                "playlist open without a name");
        H_CHECK(h, t->started && !t->ended && !t->in_act && t->serving_rec != 0,
                "R4/R6: playlist opened while nothing records");
        H_CHECK(h, cmd->u.file.bak == t->bak_cur, "R4: playlist bak%d under prefix %d",
                cmd->u.file.bak, t->bak_cur);
        H_CHECK(h, h_prefix_ok(name, t->bak_cur), "R4: playlist %s under prefix %d", name, t->bak_cur);
        H_CHECK(h, !h_open_find(t, name, NULL), "playlist %s opened twice", name);
        H_CHECK(h, t->n_open < HA_STREAMS_MAX, "too many playlists open");
        snprintf(t->open[t->n_open++], HA_NAME_MAX, "%s", name);
        break;
    }
    case HA_CMD_PLAYLIST_CLOSE: {
        h_track_t *t = h_tr(h, cmd->u.file.session);
        uint32_t at = 0;
        H_CHECK(h, cmd->u.file.playlist != NULL && h_open_find(t, cmd->u.file.playlist, &at),
                "close of a playlist not open");
        memcpy(t->open[at], t->open[t->n_open - 1], HA_NAME_MAX);
        t->n_open--;
        break;
    }
    case HA_CMD_SLICE_WRITE: {
        h_track_t *t = h_tr(h, cmd->u.file.session);
        const char *name = cmd->u.file.name;
        H_CHECK(h, t->started && !t->ended && !t->in_act, "R4/R8: slice listed outside recording");
        H_CHECK(h, t->serving_rec != 0 && cmd->u.file.recorder == t->serving_rec &&
                       cmd->u.file.server == t->serving_server,
                "R9: slice from recorder %u listed, serving is %u", cmd->u.file.recorder,
                t->serving_rec);
        H_CHECK(h, !h_in(t->fenced, t->n_fenced, cmd->u.file.recorder),
                "R9: slice from a fenced recorder listed");
        H_CHECK(h, cmd->u.file.bak == t->bak_cur && name != NULL && h_prefix_ok(name, t->bak_cur),
                "R4: slice %s with bak %d under prefix %d", name ? name : "-", cmd->u.file.bak,
                t->bak_cur);
        if (cmd->u.file.fmt == HA_FMT_MP4) {
            H_CHECK(h, cmd->u.file.playlist == NULL, "an MP4 listed in a playlist");
        } else {
            const char *pl = cmd->u.file.playlist;
            H_CHECK(h, pl != NULL && h_open_find(t, pl, NULL), "R8: slice into a playlist not open");
            size_t base = strlen(pl) - strlen(".m3u8");
            H_CHECK(h, strncmp(name, pl, base) == 0 && name[base] == '_',
                    "R4: slice %s does not belong to playlist %s", name, pl);
        }
        t->slices++;
        break;
    }
    case HA_CMD_NOTIFY: {
        const ha_notify_t *nt = &cmd->u.notify;
        h_track_t *t = h_tr(h, nt->session);
        H_CHECK(h, t->started && !t->notify_closed, "callback %u after session_exit", nt->event_type);
        H_CHECK(h, nt->sequence == t->seq, "sequence %u, expected %u", nt->sequence, t->seq);
        t->seq++;
        H_CHECK(h, nt->notice_id > h->last_notice, "notice id %llu not fresh",
                (unsigned long long)nt->notice_id);
        h->last_notice = nt->notice_id;
        H_CHECK(h, nt->uid == t->uid_cur, "R7: callback %u carries uid %u, current %u",
                nt->event_type, nt->uid, t->uid_cur);
        if (nt->event_type == HA_NCS_SESSION_FAILOVER)
            H_CHECK(h, nt->new_uid == t->uid_cur && nt->new_uid != t->uid_before,
                    "R7: event 12 newUid %u", nt->new_uid);
        if (nt->event_type == HA_NCS_SESSION_EXIT) {
            t->notify_closed = true;
            t->exit_notified = nt->exit_status;
        }
        break;
    }
    case HA_CMD_EVENT:
        h_online_event(h, &cmd->u.event);
        break;
    case HA_CMD_COUNT:
        H_CHECK(h, false, "command kind %d", (int)cmd->kind);
        break;
    }
}

static void h_emit(void *ctx, const ha_cmd_t *cmd)
{
    h_t *h = ctx;
    if (h->n == h->cap) {
        uint32_t cap = h->cap ? 2 * h->cap : 1024;
        h_rec_t *p = realloc(h->rec, sizeof(*p) * cap);
        assert_non_null(p);
        h->rec = p;
        h->cap = cap;
    }
    h_rec_t *r = &h->rec[h->n++];
    r->t_ms = h->now;
    r->input = h->inputs;
    r->cmd = *cmd;
    switch (cmd->kind) {
    case HA_CMD_REPLY:
        r->cmd.u.reply.message = h_pool_copy(h, cmd->u.reply.message);
        r->cmd.u.reply.file = h_pool_copy(h, cmd->u.reply.file);
        break;
    case HA_CMD_PLAYLIST_OPEN:
    case HA_CMD_PLAYLIST_CLOSE:
    case HA_CMD_SLICE_WRITE:
        r->cmd.u.file.playlist = h_pool_copy(h, cmd->u.file.playlist);
        r->cmd.u.file.name = cmd->u.file.name == cmd->u.file.playlist
                                 ? r->cmd.u.file.playlist
                                 : h_pool_copy(h, cmd->u.file.name);
        break;
    default:
        break;
    }
    h_online(h, r);
}

static uint64_t h_random(void *ctx)
{
    h_t *h = ctx;
    h->draws++;
    if (h->forced_next < h->forced_count)
        return h->forced[h->forced_next++];
    uint64_t z = (h->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The next draws return these UIDs (in the high half, where the center
 * takes them; the low half is noise it must ignore). */
void h_force_uid(h_t *h, uint32_t uid)
{
    assert_true(h->forced_count < H_FORCED_MAX);
    h->forced[h->forced_count++] = ((uint64_t)uid << 32) | 0x9e3779b9u;
}

/* ---- the core checker ---------------------------------------------------- */

bool h_in_window(ha_state_t st)
{
    return st == HA_ST_FAILOVER || st == HA_ST_RECONNECTING || st == HA_ST_RESUMING ||
           st == HA_ST_SWITCHING;
}

bool h_ended(ha_state_t st)
{
    return st == HA_ST_ENDED_NORMAL || st == HA_ST_ENDED_ABNORMAL;
}

void h_check_core(h_t *h)
{
    const ha_center_t *c = h->c;
    uint32_t held[H_SERVERS_MAX] = {0};
    for (uint32_t si = 0; si < c->cfg.sessions_max; si++) {
        const ha_session_t *s = &c->sessions[si];
        const h_track_t *t = &h->track[si];
        ha_state_t st = s->state;
        H_CHECK(h, st < HA_ST_COUNT, "session %u in state %d", si, (int)st);
        H_CHECK(h, ha_session_state(c, si) == st, "view disagrees");
        H_CHECK(h, s->activations >= 0 && s->activations <= H_ACT_MAX,
                "R5: %d activations", s->activations);
        H_CHECK(h, ha_session_activations(c, si) == s->activations, "view disagrees");
        if (st == HA_ST_FREE) {
            H_CHECK(h, !t->started, "session %u free after its start was accepted", si);
            H_CHECK(h, !h_armed(h, h_deadline_slot(h, si)) && !h_armed(h, h_step_slot(h, si)),
                    "timers of a free session");
            continue;
        }
        H_CHECK(h, t->started, "session %u runs without an accepted start", si);
        H_CHECK(h, s->activations == (t->detections < 3 ? t->detections : 3),
                "activations %d after %d detections", s->activations, t->detections);
        H_CHECK(h, s->bak >= -1 && s->bak < H_ACT_MAX, "R5: prefix bak%d", s->bak);
        H_CHECK(h, s->uid != 0 && s->uid == t->uid_cur && ha_session_uid(c, si) == s->uid,
                "uid %u, callbacks carry %u", s->uid, t->uid_cur);
        H_CHECK(h, h_in_window(st) == t->in_act, "R6: state %s but oracle in_act=%d",
                ha_state_name(st), (int)t->in_act);
        H_CHECK(h, h_ended(st) == t->ended, "state %s, oracle ended=%d", ha_state_name(st),
                (int)t->ended);
        H_CHECK(h, !(s->has_serving && s->has_pending && s->serving.recorder == s->pending.recorder),
                "one recorder both serving and pending");
        /* R9 the other way round: a recorder the session still counts on
         * was never told to stop for good */
        if (s->has_pending)
            H_CHECK(h, !h_in(t->fenced, t->n_fenced, s->pending.recorder),
                    "pending recorder %u was fenced", s->pending.recorder);
        if (s->has_serving && !h_ended(st))
            H_CHECK(h, !h_in(t->fenced, t->n_fenced, s->serving.recorder),
                    "serving recorder %u was fenced", s->serving.recorder);
        switch (st) {
        case HA_ST_STARTING:
            H_CHECK(h, s->activations == 0 && s->bak == -1 && !s->has_serving, "starting: bad shape");
            break;
        case HA_ST_RECORDING:
        case HA_ST_STOPPING:
            H_CHECK(h, s->has_serving && !s->has_pending,
                    "%s without exactly one live serving recorder", ha_state_name(st));
            H_CHECK(h, s->bak == s->activations - 1, "prefix bak%d after %d activations", s->bak,
                    s->activations);
            H_CHECK(h, s->serving.recorder == t->serving_rec && s->serving.server == t->serving_server,
                    "serving recorder %u, the commands said %u", s->serving.recorder, t->serving_rec);
            break;
        case HA_ST_FAILOVER:
        case HA_ST_SWITCHING:
            H_CHECK(h, !s->has_serving, "%s still has a serving recorder", ha_state_name(st));
            break;
        case HA_ST_RECONNECTING:
        case HA_ST_RESUMING:
            H_CHECK(h, s->has_serving && !s->has_pending,
                    "%s without the disconnected recorder", ha_state_name(st));
            break;
        default:
            break;
        }
        if (h_in_window(st))
            H_CHECK(h, s->activations >= 1 && s->bak == s->activations - 2,
                    "window with bak%d after %d activations", s->bak, s->activations);
        if (h_ended(st))
            H_CHECK(h, !s->has_serving && !s->has_pending, "ended session holds a recorder");
        if (st != HA_ST_FREE && !h_ended(st)) {
            /* Task conflict: a live session is found by the UID it was
             * started with and by the one its recorder uses now. */
            uint32_t by_start = ha_tasks_find(c, s->cname, s->uids_used[0]);
            uint32_t by_now = ha_tasks_find(c, s->cname, s->uid);
            H_CHECK(h, by_start <= si && by_now <= si,
                    "a live session not in the task index (start uid %u: %u, uid %u: %u)",
                    s->uids_used[0], by_start, s->uid, by_now);
        }

        /* Timers: what the center thinks is armed is exactly what the
         * driver holds, and every live state has the timer it needs. */
        H_CHECK(h, s->deadline_armed == h_armed(h, h_deadline_slot(h, si)),
                "deadline armed %d, driver %d", (int)s->deadline_armed,
                (int)h_armed(h, h_deadline_slot(h, si)));
        H_CHECK(h, s->step_armed == h_armed(h, h_step_slot(h, si)), "step armed %d, driver %d",
                (int)s->step_armed, (int)h_armed(h, h_step_slot(h, si)));
        if (s->deadline_armed)
            H_CHECK(h, h->slots[h_deadline_slot(h, si)].timer.gen == s->deadline_gen, "deadline gen");
        if (s->step_armed)
            H_CHECK(h, h->slots[h_step_slot(h, si)].timer.gen == s->step_gen, "step gen");
        switch (st) {
        case HA_ST_STARTING:
        case HA_ST_FAILOVER:
        case HA_ST_SWITCHING:
            H_CHECK(h, s->deadline_armed, "%s without a deadline", ha_state_name(st));
            H_CHECK(h, s->step_armed || (!s->has_pending && s->attempt >= HA_ATTEMPTS_PER_ACTIVATION_MAX),
                    "%s stalls: no step timer", ha_state_name(st));
            if (st != HA_ST_STARTING)
                H_CHECK(h, h_at(h, h_deadline_slot(h, si)) == s->detect_ms + H_DEADLINE_MS,
                        "R3: deadline not detection + 90000");
            break;
        case HA_ST_RECONNECTING:
        case HA_ST_RESUMING:
            H_CHECK(h, s->deadline_armed && s->step_armed, "%s without its timers", ha_state_name(st));
            break;
        case HA_ST_STOPPING:
            H_CHECK(h, s->deadline_armed && !s->step_armed, "stopping timers");
            break;
        case HA_ST_RECORDING:
        case HA_ST_ENDED_NORMAL:
        case HA_ST_ENDED_ABNORMAL:
            H_CHECK(h, !s->deadline_armed && !s->step_armed, "%s with a timer armed", ha_state_name(st));
            break;
        default:
            break;
        }

        /* Playlists: open only while recording, under the current prefix,
         * and the same ones the commands opened. */
        uint32_t open = 0;
        for (uint32_t k = 0; k < s->streams_count; k++) {
            const ha_stream_t *sk = ha_stream_at(c, si, k);
            if (sk->open_bak == HA_NO_PLAYLIST)
                continue;
            open++;
            H_CHECK(h, sk->open_bak == s->bak, "R4: playlist open under bak%d, prefix %d",
                    sk->open_bak, s->bak);
        }
        H_CHECK(h, open == t->n_open, "%u playlists open, commands opened %u", open, t->n_open);
        if (open > 0)
            H_CHECK(h, st == HA_ST_RECORDING || st == HA_ST_STOPPING, "R4: playlist open in %s",
                    ha_state_name(st));

        /* Loads: a server's load counts the recorders the center holds
         * there: pending, live serving, and fenced ones awaiting their
         * server's return that were never told (one told into a cut link
         * gave its load back when it was told). */
        if (s->has_pending) {
            H_CHECK(h, s->pending.server < h->nservers, "pending on server %u", s->pending.server);
            held[s->pending.server]++;
        }
        if (s->has_serving) {
            H_CHECK(h, s->serving.server < h->nservers, "serving on server %u", s->serving.server);
            held[s->serving.server]++;
        }
        H_CHECK(h, s->fence_count <= HA_FENCE_MAX, "fence list overflow");
        for (uint32_t k = 0; k < s->fence_count; k++) {
            const ha_fence_t *f = ha_fence_at(c, si, k);
            H_CHECK(h, f->rec.server < h->nservers, "a fence on server %u", f->rec.server);
            if (f->owed)
                H_CHECK(h, c->servers[f->rec.server].down,
                        "a recorder awaits fencing on server %u, which is up", f->rec.server);
            else
                H_CHECK(h, !c->servers[f->rec.server].down && !f->load_held,
                        "a fence told to server %u, which is down, waits for its answer",
                        f->rec.server);
            if (f->load_held)
                held[f->rec.server]++;
        }
    }
    H_CHECK(h, c->servers_count == h->nservers, "server count");
    uint32_t watched = 0;
    for (uint32_t i = 0; i < c->servers_count; i++) {
        const ha_server_t *srv = &c->servers[i];
        H_CHECK(h, srv->load <= srv->capacity, "server %u load %u over capacity %u (negative?)", i,
                srv->load, srv->capacity);
        H_CHECK(h, srv->load == held[i], "server %u load %u, recorders held there %u", i, srv->load,
                held[i]);
        H_CHECK(h, !srv->down || srv->known, "unknown server %u down", i);
        if (srv->known && !srv->down) {
            watched++;
            H_CHECK(h, c->hb_armed && h->slots[0].at_ms <= srv->last_hb_ms + H_HB_TIMEOUT_MS,
                    "server %u heartbeat timer later than its timeout", i);
        }
    }
    /* The heartbeat timer is armed exactly while some server can time out. */
    H_CHECK(h, c->hb_armed == (watched > 0), "heartbeat timer armed with %u servers to watch",
            watched);
    H_CHECK(h, c->hb_armed == h_armed(h, h_hb_slot(h, 0)), "heartbeat timer slot");
    if (c->hb_armed) {
        H_CHECK(h, h->slots[0].timer.gen == c->hb_gen, "heartbeat timer gen");
        H_CHECK(h, h->slots[0].at_ms == c->hb_due_ms, "heartbeat timer due");
    }
}

/* ---- setup ----------------------------------------------------------------- */

/* offset: extra bytes (a multiple of 16) between the allocation and the
 * center, so two runs can place the center at different addresses. */
h_t *h_new_at(uint32_t servers_max, uint32_t sessions_max, uint64_t seed, size_t offset)
{
    assert_true(servers_max <= H_SERVERS_MAX && sessions_max <= H_SESSIONS_MAX);
    assert_true(offset % 16 == 0);
    h_t *h = calloc(1, sizeof(*h));
    assert_non_null(h);
    h->strict = true;
    h->rng = seed;
    h->cfg.servers_max = servers_max;
    h->cfg.sessions_max = sessions_max;
    h->cfg.emit = h_emit;
    h->cfg.emit_ctx = h;
    h->cfg.random = h_random;
    h->cfg.random_ctx = h;
    h->cfg.utc_at_zero_ms = 1560238366073LL; /* 2019-06-11T07:32:46.073Z */
    size_t size = ha_center_footprint(&h->cfg);
    h->mem = aligned_alloc(16, size + offset);
    assert_non_null(h->mem);
    h->c = ha_center_init(h->mem + offset, size, &h->cfg);
    assert_non_null(h->c);
    h->nslots = ha_center_timer_slots(h->c);
    assert_int_equal(h->nslots, 1 + 2 * sessions_max);
    h->slots = calloc(h->nslots, sizeof(*h->slots));
    assert_non_null(h->slots);
    h->next_req = 1;
    return h;
}

h_t *h_new(uint32_t servers_max, uint32_t sessions_max)
{
    return h_new_at(servers_max, sessions_max, 0x5eed, 0);
}

void h_free(h_t *h)
{
    if (h == NULL)
        return;
    for (uint32_t i = 0; i < h->pool_chunks; i++)
        free(h->pool[i]);
    free(h->rec);
    free(h->slots);
    free(h->mem);
    free(h);
}

/* Registers n servers with room for capacity recorders each; they are not
 * heartbeating yet (so not eligible): see h_heartbeat_all, h_revive_at. */
void h_add_servers(h_t *h, uint32_t n, uint32_t capacity)
{
    for (uint32_t i = 0; i < n; i++) {
        int idx = ha_center_add_server(h->c, capacity);
        assert_int_equal(idx, (int)h->nservers);
        h->capacity[h->nservers] = capacity;
        h->up[h->nservers] = false;
        h->next_hb[h->nservers] = INT64_MAX;
        h->last_hb[h->nservers] = INT64_MIN / 2;
        h->nservers++;
    }
}

/* ---- inputs -------------------------------------------------------------- */

void h_input(h_t *h, ha_input_t *in)
{
    in->t_ms = h->now;
    h->inputs++;
    h->replies = 0;
    h->cur_is_start = in->kind == HA_IN_API && in->u.api.call == HA_CALL_START;
    h->cur_req = in->kind == HA_IN_API ? in->u.api.req_id : UINT64_MAX;
    if (h->cur_is_start)
        h->cur_api = in->u.api;
    if (in->kind == HA_IN_HEARTBEAT && in->u.heartbeat.server < h->nservers)
        h->last_hb[in->u.heartbeat.server] = h->now;
    if ((in->kind == HA_IN_USER_JOINED || in->kind == HA_IN_USER_LEFT) &&
        in->u.user.session < h->cfg.sessions_max && h->track[in->u.user.session].started) {
        /* mirrors the center's bounded list: the oracle checks the UIDs it
         * could know of */
        h_track_t *t = &h->track[in->u.user.session];
        uint32_t i = 0;
        while (i < t->n_users && t->users[i] != in->u.user.uid)
            i++;
        if (in->kind == HA_IN_USER_LEFT && i < t->n_users)
            t->users[i] = t->users[--t->n_users];
        else if (in->kind == HA_IN_USER_JOINED && i == t->n_users && t->n_users < HA_USERS_MAX)
            t->users[t->n_users++] = in->u.user.uid;
    }
    if (in->kind == HA_IN_EXIT_REPORT && in->u.recorder.session < H_SESSIONS_MAX) {
        h_track_t *t = &h->track[in->u.recorder.session];
        if (t->in_act && in->u.recorder.recorder == t->det_rec && in->u.recorder.recorder != 0)
            t->det_rec_exited = true;
    }
    ha_center_input(h->c, in);
    for (uint32_t si = 0; si < H_SESSIONS_MAX; si++)
        H_CHECK(h, !h->track[si].serving_fenced,
                "R9: session %u fenced its serving recorder and goes on", si);
    h_check_core(h);
}

void h_heartbeat(h_t *h, uint32_t server)
{
    ha_input_t in = {.kind = HA_IN_HEARTBEAT};
    in.u.heartbeat.server = server;
    h_input(h, &in);
}

void h_fire_timer(h_t *h, ha_timer_t tm)
{
    ha_input_t in = {.kind = HA_IN_TIMER};
    in.u.timer = tm;
    h_input(h, &in);
}

/* Earliest thing due: a heartbeat of an up server (first on ties) or an
 * armed timer (lowest slot on ties). Returns false if nothing is. */
static bool h_next_due(const h_t *h, int64_t *t_ms, bool *is_hb, uint32_t *which)
{
    bool any = false;
    for (uint32_t i = 0; i < h->nservers; i++) {
        if (h->up[i] && (!any || h->next_hb[i] < *t_ms)) {
            any = true;
            *t_ms = h->next_hb[i];
            *is_hb = true;
            *which = i;
        }
    }
    for (uint32_t s = 0; s < h->nslots; s++) {
        if (h->slots[s].armed && (!any || h->slots[s].at_ms < *t_ms)) {
            any = true;
            *t_ms = h->slots[s].at_ms;
            *is_hb = false;
            *which = s;
        }
    }
    if (any && *t_ms < h->now)
        *t_ms = h->now; /* late (after h_fire): due now */
    return any;
}

static void h_step_one(h_t *h, int64_t t_ms, bool is_hb, uint32_t which)
{
    h->now = t_ms;
    if (is_hb) {
        h->next_hb[which] = t_ms + H_HB_MS;
        h_heartbeat(h, which);
    } else {
        ha_timer_t tm = h->slots[which].timer;
        h->slots[which].armed = false;
        h_fire_timer(h, tm);
    }
}

/* Runs everything due before t, then the heartbeats due at t, and stops at
 * t with t's timers still pending: the test's own inputs at t then come
 * before them, as a driver delivers inputs before timers in one ms. */
void h_goto(h_t *h, int64_t t)
{
    assert_true(t >= h->now);
    for (int guard = 0; guard < 10000000; guard++) {
        int64_t due = 0;
        bool is_hb = false;
        uint32_t which = 0;
        if (!h_next_due(h, &due, &is_hb, &which))
            break;
        if (due > t || (due == t && !is_hb))
            break;
        h_step_one(h, due, is_hb, which);
    }
    h->now = t;
}

/* h_goto(t), then t's timers too. */
void h_advance(h_t *h, int64_t t)
{
    h_goto(h, t);
    for (int guard = 0; guard < 100000; guard++) {
        int64_t due = 0;
        bool is_hb = false;
        uint32_t which = 0;
        if (!h_next_due(h, &due, &is_hb, &which) || due > t)
            break;
        h_step_one(h, due, is_hb, which);
    }
    h->now = t;
}

void h_advance_by(h_t *h, int64_t dt)
{
    h_advance(h, h->now + dt);
}

/* Every server heartbeats at t and from then on every 2000 ms. */
void h_heartbeat_all(h_t *h, int64_t t)
{
    for (uint32_t i = 0; i < h->nservers; i++) {
        if (!h->up[i] || h->next_hb[i] > t) {
            h->up[i] = true;
            h->next_hb[i] = t;
        }
    }
    h_goto(h, t);
}

/* The server stops heartbeating (crash or partition); its last heartbeat
 * stays what it was. */
void h_silence(h_t *h, uint32_t server)
{
    assert_true(server < h->nservers);
    h->up[server] = false;
}

/* The server heartbeats again from t (delivered at t before t's timers). */
void h_revive_at(h_t *h, uint32_t server, int64_t t)
{
    assert_true(server < h->nservers && t >= h->now);
    h->up[server] = true;
    h->next_hb[server] = t;
}

/* When the center will declare the silenced server down. */
int64_t h_detect_at(const h_t *h, uint32_t server)
{
    return h->last_hb[server] + H_HB_TIMEOUT_MS;
}

/* Fires one armed slot at its due time without running what is due before
 * it (those become late): for the state x event table, which must reach a
 * state's every event. Up servers heartbeat at that ms first. Leaves the
 * harness non-strict: bounds are then checked as "not early" only. */
void h_fire(h_t *h, uint32_t slot)
{
    assert_true(h_armed(h, slot));
    h->strict = false;
    int64_t t = h->slots[slot].at_ms > h->now ? h->slots[slot].at_ms : h->now;
    for (uint32_t i = 0; i < h->nservers; i++) {
        if (h->up[i] && h->next_hb[i] <= t) {
            h->now = t;
            h->next_hb[i] = t + H_HB_MS;
            h_heartbeat(h, i);
        }
    }
    h->now = t;
    if (!h_armed(h, slot))
        return; /* a heartbeat moved it */
    ha_timer_t tm = h->slots[slot].timer;
    h->slots[slot].armed = false;
    h_fire_timer(h, tm);
}

/* The center declares the server down now-ish: silences it and fires its
 * heartbeat timer (lazy re-arms included) until it is down. */
void h_force_down(h_t *h, uint32_t server)
{
    h_silence(h, server);
    for (int i = 0; i < 8 && !h->c->servers[server].down; i++)
        h_fire(h, h_hb_slot(h, server));
    assert_true(h->c->servers[server].down);
}

const h_reply_t *h_api(h_t *h, ha_call_t call, uint32_t session)
{
    ha_input_t in = {.kind = HA_IN_API};
    in.u.api.call = call;
    in.u.api.req_id = h->next_req++;
    in.u.api.session = session;
    h_input(h, &in);
    H_CHECK(h, h->replies == 1, "%u replies to one call", h->replies);
    return &h->reply;
}

const h_reply_t *h_query(h_t *h, uint32_t session)
{
    return h_api(h, HA_CALL_QUERY, session);
}

const h_reply_t *h_stop(h_t *h, uint32_t session)
{
    return h_api(h, HA_CALL_STOP, session);
}

const h_reply_t *h_start_api(h_t *h, const ha_api_in_t *api_in)
{
    ha_input_t in = {.kind = HA_IN_API};
    in.u.api = *api_in;
    in.u.api.call = HA_CALL_START;
    in.u.api.req_id = h->next_req++;
    h_input(h, &in);
    H_CHECK(h, h->replies == 1, "%u replies to one start", h->replies);
    return &h->reply;
}

ha_api_in_t h_start_params(ha_mode_t mode, uint32_t uid, const char *cname)
{
    ha_api_in_t a;
    memset(&a, 0, sizeof(a));
    a.call = HA_CALL_START;
    a.mode = mode;
    a.uid = uid;
    snprintf(a.sid, sizeof(a.sid), "%s", H_SID);
    snprintf(a.cname, sizeof(a.cname), "%s", cname);
    return a;
}

/* A composite start; returns the session index (asserts 200). */
uint32_t h_start(h_t *h, uint32_t uid, const char *cname)
{
    ha_api_in_t a = h_start_params(HA_MODE_COMPOSITE, uid, cname);
    const h_reply_t *r = h_start_api(h, &a);
    assert_int_equal(r->http, 200);
    return r->session;
}

void h_rec_input(h_t *h, ha_in_kind_t kind, uint32_t session, uint32_t server, uint32_t recorder)
{
    ha_input_t in = {.kind = kind};
    in.u.recorder.session = session;
    in.u.recorder.server = server;
    in.u.recorder.recorder = recorder;
    h_input(h, &in);
}

void h_ready(h_t *h, uint32_t session, uint32_t server, uint32_t recorder)
{
    h_rec_input(h, HA_IN_RECORDER_READY, session, server, recorder);
}

void h_exit_report(h_t *h, uint32_t session, uint32_t server, uint32_t recorder)
{
    h_rec_input(h, HA_IN_EXIT_REPORT, session, server, recorder);
}

void h_failed(h_t *h, uint32_t session, uint32_t server, uint32_t recorder)
{
    h_rec_input(h, HA_IN_RECORDER_FAILED, session, server, recorder);
}

void h_exited(h_t *h, uint32_t session, uint32_t server, uint32_t recorder)
{
    h_rec_input(h, HA_IN_RECORDER_EXITED, session, server, recorder);
}

void h_slice(h_t *h, uint32_t session, uint32_t server, uint32_t recorder,
             uint32_t uid, ha_track_t track, ha_fmt_t fmt, int64_t start_utc_ms,
             int64_t end_utc_ms)
{
    ha_input_t in = {.kind = HA_IN_SLICE};
    in.u.slice.session = session;
    in.u.slice.server = server;
    in.u.slice.recorder = recorder;
    in.u.slice.uid = uid;
    in.u.slice.track = track;
    in.u.slice.fmt = fmt;
    in.u.slice.start_utc_ms = start_utc_ms;
    in.u.slice.end_utc_ms = end_utc_ms;
    h_input(h, &in);
}

/* A composite TS slice of 15 s that starts at the harness's UTC of t_ms. */
void h_mix_slice(h_t *h, uint32_t session, uint32_t server, uint32_t recorder, int64_t t_ms)
{
    int64_t u = h->cfg.utc_at_zero_ms + t_ms;
    h_slice(h, session, server, recorder, 0, HA_TRACK_MIX, HA_FMT_TS, u, u + 15000);
}

void h_user(h_t *h, uint32_t session, uint32_t uid, bool joined)
{
    ha_input_t in = {.kind = joined ? HA_IN_USER_JOINED : HA_IN_USER_LEFT};
    in.u.user.session = session;
    in.u.user.uid = uid;
    h_input(h, &in);
}

/* ---- finders ------------------------------------------------------------- */

uint32_t h_mark(const h_t *h)
{
    return h->n;
}

typedef bool h_pred_fn(const ha_cmd_t *cmd, const void *arg);

/* Index of the first command at or after from of this kind that the
 * predicate (may be NULL) accepts; -1 if none. */
int h_find_cmd(const h_t *h, uint32_t from, ha_cmd_kind_t kind, h_pred_fn *pred,
               const void *arg)
{
    for (uint32_t i = from; i < h->n; i++) {
        if (h->rec[i].cmd.kind == kind && (pred == NULL || pred(&h->rec[i].cmd, arg)))
            return (int)i;
    }
    return -1;
}

uint32_t h_count_cmds(const h_t *h, uint32_t from, ha_cmd_kind_t kind)
{
    uint32_t n = 0;
    for (uint32_t i = from; i < h->n; i++)
        n += h->rec[i].cmd.kind == kind;
    return n;
}

/* Events of this kind since from (any session when session is UINT32_MAX). */
uint32_t h_count_events_since(const h_t *h, uint32_t from, ha_event_t what, uint32_t session)
{
    uint32_t n = 0;
    for (uint32_t i = from; i < h->n; i++) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        n += c->kind == HA_CMD_EVENT && c->u.event.what == what &&
             (session == UINT32_MAX || c->u.event.session == session);
    }
    return n;
}

uint32_t h_count_events(const h_t *h, ha_event_t what)
{
    return h_count_events_since(h, 0, what, UINT32_MAX);
}

/* The last event of this kind since from, or NULL; *t_ms gets its time. */
const ha_event_info_t *h_last_event(const h_t *h, uint32_t from, ha_event_t what,
                                    int64_t *t_ms)
{
    for (uint32_t i = h->n; i-- > from;) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        if (c->kind == HA_CMD_EVENT && c->u.event.what == what) {
            if (t_ms != NULL)
                *t_ms = h->rec[i].t_ms;
            return &c->u.event;
        }
    }
    return NULL;
}

const ha_notify_t *h_last_notify(const h_t *h, uint32_t from, uint32_t session,
                                  uint16_t event_type)
{
    for (uint32_t i = h->n; i-- > from;) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        if (c->kind == HA_CMD_NOTIFY && c->u.notify.session == session &&
            c->u.notify.event_type == event_type)
            return &c->u.notify;
    }
    return NULL;
}

uint32_t h_count_notify(const h_t *h, uint32_t from, uint32_t session,
                        uint16_t event_type)
{
    uint32_t n = 0;
    for (uint32_t i = from; i < h->n; i++) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        n += c->kind == HA_CMD_NOTIFY && c->u.notify.session == session &&
             c->u.notify.event_type == event_type;
    }
    return n;
}

/* The last RECORDER_START for the session, or NULL. */
const ha_cmd_t *h_last_recorder_start(const h_t *h, uint32_t session)
{
    for (uint32_t i = h->n; i-- > 0;) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        if (c->kind == HA_CMD_RECORDER_START && c->u.recorder.session == session)
            return c;
    }
    return NULL;
}

/* READY from the last recorder started for the session; returns its id. */
uint32_t h_ready_last(h_t *h, uint32_t session, uint32_t *server)
{
    const ha_cmd_t *c = h_last_recorder_start(h, session);
    assert_non_null(c);
    uint32_t srv = c->u.recorder.server, rec = c->u.recorder.recorder;
    h_ready(h, session, srv, rec);
    if (server != NULL)
        *server = srv;
    return rec;
}

/* Was this recorder told to stop for good at or after from? */
bool h_fenced_since(const h_t *h, uint32_t from, uint32_t recorder)
{
    for (uint32_t i = from; i < h->n; i++) {
        const ha_cmd_t *c = &h->rec[i].cmd;
        if (c->kind == HA_CMD_RECORDER_STOP && c->u.recorder.how == HA_STOP_FENCE &&
            c->u.recorder.recorder == recorder)
            return true;
    }
    return false;
}

/* R6 over every session: 404 exactly in the window, after the end, and for
 * slots never started; the normal answer otherwise. */
void h_check_queries(h_t *h)
{
    for (uint32_t si = 0; si < h->cfg.sessions_max; si++) {
        ha_state_t st = ha_session_state(h->c, si);
        const h_reply_t *r = h_query(h, si);
        if (st == HA_ST_FREE || h_in_window(st) || h_ended(st)) {
            H_CHECK(h, r->http == 404 && strcmp(r->message, H_NO_WORKER) == 0,
                    "R6: session %u in %s answered %u", si, ha_state_name(st), r->http);
        } else {
            uint8_t want = st == HA_ST_STARTING ? 2 : st == HA_ST_RECORDING ? 5 : 6;
            H_CHECK(h, r->http == 200 && r->status == want,
                    "R6: session %u in %s answered %u status %u", si, ha_state_name(st), r->http,
                    r->status);
        }
    }
}

/* Every slice write of the run names a distinct file (R8: listed once). */
void h_check_slices_unique(h_t *h)
{
    for (uint32_t i = 0; i < h->n; i++) {
        const ha_cmd_t *a = &h->rec[i].cmd;
        if (a->kind != HA_CMD_SLICE_WRITE)
            continue;
        for (uint32_t j = i + 1; j < h->n; j++) {
            const ha_cmd_t *b = &h->rec[j].cmd;
            if (b->kind == HA_CMD_SLICE_WRITE && a->u.file.session == b->u.file.session)
                H_CHECK(h, strcmp(a->u.file.name, b->u.file.name) != 0,
                        "R8: %s listed twice", a->u.file.name);
        }
    }
}

uint64_t h_transitions_sum(const h_t *h)
{
    uint64_t n = 0;
    for (int st = 0; st < HA_ST_COUNT; st++) {
        for (int ev = 0; ev < HA_SEV_COUNT; ev++)
            n += ha_center_transitions(h->c, (ha_state_t)st, (ha_sev_t)ev);
    }
    return n;
}
