/* liar.c -- the hostile driver's lies (see liar.h for what and why). */
#include "liar.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KIND_BIT(k) (1u << (unsigned)(k))

/* A lie, told seldom: out of line, so that the inputs that get none
 * (sim_liar_after) save no registers for it. */
#if defined(__GNUC__)
#define LIAR_RARE __attribute__((noinline))
#else
#define LIAR_RARE
#endif

/* What a lie may provoke at most: the center telling a recorder it does not
 * hold to stop, and the event that says so. */
#define FENCE_KINDS (KIND_BIT(HA_CMD_RECORDER_STOP) | KIND_BIT(HA_CMD_EVENT))

_Static_assert(HA_CMD_COUNT <= 32, "answer_kinds holds a bit per command kind");

void sim_liar_reset(sim_liar_t *l, ha_center_t *core, sim_rng_t *rng, uint32_t servers,
                    uint32_t sessions_max, ha_mode_t mode)
{
    memset(l, 0, sizeof(*l));
    l->core = core;
    l->rng = rng;
    l->servers = servers;
    l->sessions_max = sessions_max;
    l->mode = mode;
}

void sim_liar_note(sim_liar_t *l, const ha_cmd_t *cmd)
{
    assert(l->telling);
    assert((unsigned)cmd->kind < HA_CMD_COUNT);
    l->answers++;
    l->answer_kinds |= KIND_BIT(cmd->kind);
    if (cmd->kind == HA_CMD_REPLY)
        l->reply = cmd->u.reply;
    if (cmd->kind == HA_CMD_RECORDER_STOP) {
        l->stop_recorder = cmd->u.recorder.recorder;
        l->stop_how = cmd->u.recorder.how;
    }
}

static void fail(sim_liar_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(sim_liar_t *l, const char *fmt, ...)
{
    if (l->failure[0] != '\0')
        return; /* the first wrong answer is the one to read */
    int n = snprintf(l->failure, sizeof(l->failure), "hostile driver: after %s, ", l->lie);
    if (n < 0 || (size_t)n >= sizeof(l->failure))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->failure + n, sizeof(l->failure) - (size_t)n, fmt, ap);
    va_end(ap);
}

static void tell(sim_liar_t *l, const ha_input_t *lie, const char *what)
{
    assert(!l->telling);
    l->telling = true;
    l->lie = what;
    l->answers = 0;
    l->answer_kinds = 0;
    memset(&l->reply, 0, sizeof(l->reply));
    l->stop_recorder = 0;
    l->stop_how = HA_STOP_FLUSH;
    l->told++;
    ha_center_input(l->core, lie);
    l->telling = false;
}

static ha_state_t state_of(const sim_liar_t *l, uint32_t session)
{
    return ha_session_state(l->core, session);
}

static void expect_silence(sim_liar_t *l, uint32_t session, ha_state_t before)
{
    if (l->answers != 0)
        fail(l, "the center answered with %" PRIu32 " command(s); it must ignore it", l->answers);
    else if (state_of(l, session) != before)
        fail(l, "session %" PRIu32 " went from %s to %s; it must not move", session,
             ha_state_name(before), ha_state_name(state_of(l, session)));
}

/* At most a fence, and the session stays where it was. */
static void expect_harmless(sim_liar_t *l, uint32_t session, ha_state_t before)
{
    if ((l->answer_kinds & ~FENCE_KINDS) != 0)
        fail(l, "the center acted on it (command kinds 0x%" PRIx32 "); at most it may fence",
             l->answer_kinds);
    else if (state_of(l, session) != before)
        fail(l, "session %" PRIu32 " went from %s to %s; it must not move", session,
             ha_state_name(before), ha_state_name(state_of(l, session)));
}

/* ---- lies about who is talking ----------------------------------------- */

static uint32_t server_nobody_registered(sim_liar_t *l)
{
    return sim_rng_chance(l->rng, 1, 4) ? UINT32_MAX : l->servers + (uint32_t)sim_rng_below(l->rng, 3);
}

static uint32_t session_out_of_range(sim_liar_t *l)
{
    return sim_rng_chance(l->rng, 1, 4) ? UINT32_MAX
                                        : l->sessions_max + (uint32_t)sim_rng_below(l->rng, 3);
}

/* A slot no session was ever started in, or UINT32_MAX. Looks at a few
 * slots from the end only: the world starts sessions from the front. */
static uint32_t session_never_started(const sim_liar_t *l)
{
    for (uint32_t k = 0; k < 4 && k < l->sessions_max; k++) {
        uint32_t si = l->sessions_max - 1 - k;
        if (state_of(l, si) == HA_ST_FREE)
            return si;
    }
    return UINT32_MAX;
}

LIAR_RARE static void lie_heartbeat(sim_liar_t *l, const ha_input_t *in)
{
    ha_input_t lie = *in;
    lie.u.heartbeat.server = server_nobody_registered(l);
    tell(l, &lie, "a heartbeat from a server nobody registered");
    expect_silence(l, UINT32_MAX, HA_ST_FREE);
}

LIAR_RARE static void lie_recorder(sim_liar_t *l, const ha_input_t *in)
{
    const ha_recorder_in_t *r = &in->u.recorder;
    ha_state_t before = state_of(l, r->session);
    ha_input_t lie = *in;
    switch (sim_rng_below(l->rng, 6)) {
    case 0:
        lie.u.recorder.session = session_out_of_range(l);
        tell(l, &lie, "a recorder report naming a session that does not exist");
        expect_silence(l, r->session, before);
        break;
    case 1:
        lie.u.recorder.server = server_nobody_registered(l);
        tell(l, &lie, "a recorder report from a server nobody registered");
        expect_silence(l, r->session, before);
        break;
    case 2:
        lie.u.recorder.recorder = 0;
        tell(l, &lie, "a recorder report with recorder id 0");
        expect_silence(l, r->session, before);
        break;
    case 3: {
        uint32_t free_si = session_never_started(l);
        if (free_si == UINT32_MAX)
            break;
        lie.u.recorder.session = free_si;
        tell(l, &lie, "a recorder report for a session never started");
        expect_silence(l, free_si, HA_ST_FREE);
        break;
    }
    case 4: {
        /* Ids are the center's: this one it never gave out. */
        lie.kind = HA_IN_RECORDER_READY;
        lie.u.recorder.recorder = UINT32_MAX - (uint32_t)sim_rng_below(l->rng, 1000);
        tell(l, &lie, "a READY from a recorder nobody started");
        if (before == HA_ST_FREE) {
            expect_silence(l, r->session, before);
        } else if (l->answers != 2 || l->answer_kinds != FENCE_KINDS ||
                   l->stop_recorder != lie.u.recorder.recorder || l->stop_how != HA_STOP_FENCE) {
            fail(l, "the center answered %" PRIu32 " command(s) (kinds 0x%" PRIx32 "); it must "
                 "fence that recorder and do nothing else", l->answers, l->answer_kinds);
        } else {
            expect_harmless(l, r->session, before);
        }
        break;
    }
    default:
        if (in->kind != HA_IN_RECORDER_READY)
            break;
        before = state_of(l, r->session); /* after the honest READY */
        tell(l, &lie, "a second READY, delivered twice by the network");
        expect_harmless(l, r->session, before);
        break;
    }
}

/* Corrupts upload x in one of eleven ways; returns what it is (NULL: not
 * this time) and whether nothing at all may follow it (*strict: not even a
 * fence, since the upload names nothing that exists). */
static const char *corrupt_slice(sim_liar_t *l, ha_slice_in_t *x, bool *strict)
{
    bool individual = l->mode == HA_MODE_INDIVIDUAL;
    *strict = false;
    switch (sim_rng_below(l->rng, 11)) {
    case 0:
        x->session = session_out_of_range(l);
        *strict = true;
        return "an upload naming a session that does not exist";
    case 1:
        x->server = server_nobody_registered(l);
        *strict = true;
        return "an upload from a server nobody registered";
    case 2:
        x->recorder = 0;
        *strict = true;
        return "an upload from recorder id 0";
    case 3:
        x->start_utc_ms = -1 - (int64_t)sim_rng_below(l->rng, 1000);
        return "an upload that starts before 1970";
    case 4:
        x->end_utc_ms = x->start_utc_ms - 1;
        return "an upload that ends before it starts";
    case 5:
        x->end_utc_ms = 253402300800000LL; /* 10000-01-01: no 17-digit name */
        return "an upload that ends after the year 9999";
    case 6:
        x->fmt = (ha_fmt_t)7;
        return "an upload in a format that does not exist";
    case 7:
        x->track = individual ? HA_TRACK_MIX : HA_TRACK_AUDIO;
        return "an upload of a track this mode does not record";
    case 8:
        if (!individual) {
            x->uid = 4321;
            return "a mixed upload with a user's UID";
        }
        if (sim_rng_chance(l->rng, 1, 2)) {
            x->uid = 0;
            return "a user's upload without a UID";
        }
        x->uid = 0x7fff0000u + (uint32_t)sim_rng_below(l->rng, 64);
        return "an upload for someone who is not in the channel";
    case 9:
        x->fmt = individual ? HA_FMT_MP4 : HA_FMT_WEBM;
        return "an upload in a format this mode does not write";
    default:
        if (l->servers < 2)
            return NULL;
        x->server = (x->server + 1) % l->servers;
        return "an upload from its recorder, reported by another server";
    }
}

LIAR_RARE static void lie_slice(sim_liar_t *l, const ha_input_t *in)
{
    const ha_slice_in_t *sl = &in->u.slice;
    ha_state_t before = state_of(l, sl->session);
    ha_input_t lie = *in;
    bool strict;
    const char *what = corrupt_slice(l, &lie.u.slice, &strict);
    if (what == NULL)
        return;
    tell(l, &lie, what);
    if (strict)
        expect_silence(l, sl->session, before);
    else
        expect_harmless(l, sl->session, before);
}

LIAR_RARE static void lie_user(sim_liar_t *l, const ha_input_t *in)
{
    ha_state_t before = state_of(l, in->u.user.session);
    ha_input_t lie = *in;
    if (sim_rng_chance(l->rng, 1, 2)) {
        lie.u.user.uid = 0;
        tell(l, &lie, "a channel event for UID 0, which is the mix's");
    } else {
        lie.u.user.session = session_out_of_range(l);
        tell(l, &lie, "a channel event for a session that does not exist");
    }
    expect_silence(l, in->u.user.session, before);
}

void sim_liar_after(sim_liar_t *l, const ha_input_t *in)
{
    assert(l->core != NULL && !l->telling);
    /* Whether to lie is drawn here, what to tell out of line: most inputs
     * get no lie, and then this saves no registers. */
    switch (in->kind) {
    case HA_IN_HEARTBEAT:
        if (sim_rng_chance(l->rng, 1, 64))
            lie_heartbeat(l, in);
        break;
    case HA_IN_EXIT_REPORT:
    case HA_IN_RECORDER_READY:
    case HA_IN_RECORDER_FAILED:
    case HA_IN_RECORDER_EXITED:
        if (sim_rng_chance(l->rng, 1, 4))
            lie_recorder(l, in);
        break;
    case HA_IN_SLICE:
        if (sim_rng_chance(l->rng, 1, 8))
            lie_slice(l, in);
        break;
    case HA_IN_USER_JOINED:
    case HA_IN_USER_LEFT:
        if (sim_rng_chance(l->rng, 1, 2))
            lie_user(l, in);
        break;
    case HA_IN_API:
    case HA_IN_TIMER:
        break; /* timers are the center's own tokens; starts: sim_liar_bad_start */
    }
}

/* ---- a clumsy client ---------------------------------------------------- */

void sim_liar_bad_start(sim_liar_t *l, const ha_input_t *in)
{
    assert(in->kind == HA_IN_API && in->u.api.call == HA_CALL_START);
    ha_input_t lie = *in;
    ha_api_in_t *a = &lie.u.api;
    a->req_id = UINT64_MAX; /* not one of the world's requests */
    const char *what;
    switch (sim_rng_below(l->rng, 11)) {
    case 0:
        a->uid = 0;
        what = "a start with recording UID 0";
        break;
    case 1:
        snprintf(a->sid, sizeof(a->sid), "%s", "0123456789abcdef");
        what = "a start with a 16-digit sid";
        break;
    case 2:
        memset(a->sid, 'a', sizeof(a->sid)); /* 33 digits, no terminator */
        what = "a start with a 33-digit sid";
        break;
    case 3:
        a->sid[7] = 'A';
        what = "a start with an upper-case sid";
        break;
    case 4:
        a->sid[9] = 'g';
        what = "a start with a sid that is not hex";
        break;
    case 5:
        a->sid[3] = '/';
        what = "a start with a '/' in the sid";
        break;
    case 6:
        a->sid[30] = ':';
        what = "a start with a ':' in the sid";
        break;
    case 7:
        a->sid[0] = '`';
        what = "a start with a '`' in the sid";
        break;
    case 8:
        a->cname[0] = '\0';
        what = "a start with an empty channel name";
        break;
    case 9:
        memset(a->cname, 'x', sizeof(a->cname)); /* 65 bytes, no terminator */
        what = "a start with a 65-byte channel name";
        break;
    default:
        a->mode = (ha_mode_t)7;
        what = "a start in a mode that does not exist";
        break;
    }
    tell(l, &lie, what);
    if (l->answers != 1 || l->answer_kinds != KIND_BIT(HA_CMD_REPLY) || l->reply.http != 400 ||
        l->reply.code != 2)
        fail(l, "the center answered %" PRIu32 " command(s), reply %u code %u; it must refuse it "
             "with 400, code 2, and start nothing", l->answers, (unsigned)l->reply.http,
             (unsigned)l->reply.code);
}

/* ---- configurations ----------------------------------------------------- */

static void no_emit(void *ctx, const ha_cmd_t *cmd)
{
    (void)ctx;
    (void)cmd;
    assert(0 && "a center being configured emits nothing");
}

static uint64_t no_random(void *ctx)
{
    (void)ctx;
    return 1;
}

static void refused(sim_liar_t *l, unsigned char *mem, size_t size, const ha_config_t *cfg,
                    const char *what)
{
    mem[0] = 0xa5;
    mem[size - 1] = 0x5a;
    l->lie = what;
    l->told++;
    if (ha_center_init(mem, size, cfg) != NULL)
        fail(l, "the center accepted it; it must refuse it (NULL)");
    else if (mem[0] != 0xa5 || mem[size - 1] != 0x5a)
        fail(l, "the center refused it but wrote to the memory it was given");
}

int sim_liar_probe_config(sim_liar_t *l, void *mem, size_t mem_size)
{
    ha_config_t ok = {.servers_max = 1, .sessions_max = 1, .emit = no_emit, .random = no_random};
    size_t need = ha_center_footprint(&ok);
    assert(mem != NULL && mem_size >= need && need > 1);
    unsigned char *m = mem;
    ha_config_t bad = ok;
    bad.servers_max = 0;
    refused(l, m, mem_size, &bad, "a configuration with no servers");
    bad = ok;
    bad.sessions_max = 0;
    refused(l, m, mem_size, &bad, "a configuration with no sessions");
    bad = ok;
    bad.servers_max = HA_SERVERS_LIMIT + 1;
    refused(l, m, mem_size, &bad, "a configuration with more servers than HA_SERVERS_LIMIT");
    bad = ok;
    bad.sessions_max = HA_SESSIONS_LIMIT + 1;
    refused(l, m, mem_size, &bad, "a configuration with more sessions than HA_SESSIONS_LIMIT");
    refused(l, m, need - 1, &ok, "memory one byte short of the footprint");

    l->lie = "registering servers beyond servers_max, or with no capacity";
    l->told++;
    ha_center_t *c = ha_center_init(mem, need, &ok);
    if (c == NULL)
        fail(l, "a valid configuration was refused");
    else if (ha_center_add_server(c, 0) != -1)
        fail(l, "a server with capacity 0 was registered");
    else if (ha_center_add_server(c, 1) != 0)
        fail(l, "the first server did not get index 0");
    else if (ha_center_add_server(c, 1) != -1)
        fail(l, "a second server was registered in a center for one");
    return l->failure[0] != '\0' ? -1 : 0;
}

void sim_liar_probe_full(sim_liar_t *l)
{
    l->lie = "registering one server more than servers_max";
    l->told++;
    if (ha_center_add_server(l->core, 1) != -1)
        fail(l, "the center registered it; it must refuse it (-1)");
}
