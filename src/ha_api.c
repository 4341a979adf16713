/* ha_api.c -- the REST calls as the service answers them (R6, R12).
 *
 * From detection until resume the fault processing center has no worker to
 * hand a call to, so query, update, updateLayout and stop get 404 "failed to
 * find worker"; after the session ended there is no task at all, same answer.
 */
#include "ha_internal.h"

#include <assert.h>
#include <string.h>

static const char NO_WORKER[] = "failed to find worker";

bool ha_session_in_window(const ha_session_t *s)
{
    return s->state == HA_ST_FAILOVER || s->state == HA_ST_RECONNECTING ||
           s->state == HA_ST_RESUMING || s->state == HA_ST_SWITCHING;
}

static void reply(ha_center_t *c, const ha_api_in_t *api, uint32_t session, uint16_t http,
                  uint16_t code, uint8_t status, const char *message, const char *file)
{
    ha_cmd_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.kind = HA_CMD_REPLY;
    cmd.u.reply.req_id = api->req_id;
    cmd.u.reply.session = session;
    cmd.u.reply.http = http;
    cmd.u.reply.code = code;
    cmd.u.reply.status = status;
    cmd.u.reply.message = message;
    cmd.u.reply.file = file;
    ha_emit(c, &cmd);
}

static bool sid_valid(const char *sid)
{
    size_t n = 0;
    for (; n <= HA_SID_LEN && sid[n] != '\0'; n++) {
        char ch = sid[n];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return false;
    }
    return n == HA_SID_LEN;
}

static bool cname_valid(const char *cname)
{
    size_t n = 0;
    while (n <= HA_CNAME_MAX && cname[n] != '\0')
        n++;
    return n >= 1 && n <= HA_CNAME_MAX;
}

static bool session_live(const ha_session_t *s)
{
    return s->state != HA_ST_FREE && s->state != HA_ST_ENDED_NORMAL &&
           s->state != HA_ST_ENDED_ABNORMAL;
}

/* ---- the task index: live sessions by (cname, uid) ---------------------- */

/* Slots of the index for this many sessions: a power of two, at least
 * twice as many, so probes stay short and the table is never full. */
uint32_t ha_tasks_size(uint32_t sessions_max)
{
    uint32_t size = 16;
    while (size < 2 * (uint64_t)sessions_max)
        size *= 2;
    return size;
}

/* FNV-1a of the channel name, then the UID mixed in: the key's bytes only,
 * never an address, so probing is the same on every machine. */
static uint32_t task_hash(const char *cname, uint32_t uid)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < HA_CNAME_MAX && cname[i] != '\0'; i++)
        h = (h ^ (unsigned char)cname[i]) * 16777619u;
    h ^= uid;
    h ^= h >> 16;
    h *= 0x7feb352dU;
    h ^= h >> 15;
    return h;
}

static uint32_t task_home(const ha_center_t *c, uint32_t si)
{
    const ha_session_t *s = &c->sessions[si];
    return task_hash(s->cname, s->uid) & c->tasks_mask;
}

/* The live session of (cname, uid) with the lowest index, or UINT32_MAX.
 * The key is the session's current UID, which a switch changes (R7): a new
 * random UID may, however rarely, equal another live session's of the same
 * channel, so the whole cluster is searched. */
static uint32_t task_find(const ha_center_t *c, const char *cname, uint32_t uid)
{
    uint32_t found = UINT32_MAX;
    for (uint32_t i = task_hash(cname, uid) & c->tasks_mask, n = 0; c->tasks[i] != 0;
         i = (i + 1) & c->tasks_mask, n++) {
        assert(n <= c->tasks_mask && "the task index is never full");
        uint32_t si = c->tasks[i] - 1;
        const ha_session_t *s = &c->sessions[si];
        if (si < found && s->uid == uid && strcmp(s->cname, cname) == 0)
            found = si;
    }
    return found;
}

void ha_tasks_add(ha_center_t *c, uint32_t si)
{
    uint32_t i = task_home(c, si);
    for (uint32_t n = 0; c->tasks[i] != 0; n++) {
        assert(n <= c->tasks_mask && "the task index is never full");
        i = (i + 1) & c->tasks_mask;
    }
    c->tasks[i] = si + 1;
}

/* Deletion by backward shift (Knuth's algorithm R): no tombstones, so a
 * long run of starts and ends never slows the probes down. */
void ha_tasks_remove(ha_center_t *c, uint32_t si)
{
    uint32_t hole = task_home(c, si);
    while (c->tasks[hole] != si + 1) {
        assert(c->tasks[hole] != 0 && "a live session is in the task index");
        hole = (hole + 1) & c->tasks_mask;
    }
    for (uint32_t i = (hole + 1) & c->tasks_mask; c->tasks[i] != 0; i = (i + 1) & c->tasks_mask) {
        uint32_t home = task_home(c, c->tasks[i] - 1);
        /* Does home lie cyclically in (hole, i]? Then the entry stays. */
        bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
        if (!stays) {
            c->tasks[hole] = c->tasks[i];
            hole = i;
        }
    }
    c->tasks[hole] = 0;
}

static void api_start(ha_center_t *c, const ha_api_in_t *api)
{
    c->transitions[HA_ST_FREE][HA_SEV_API_START]++;
    if (api->uid == 0 || !sid_valid(api->sid) || !cname_valid(api->cname) ||
        (api->mode != HA_MODE_COMPOSITE && api->mode != HA_MODE_INDIVIDUAL &&
         api->mode != HA_MODE_WEB)) {
        reply(c, api, UINT32_MAX, 400, 2, 0, "invalid parameter", NULL);
        return;
    }
    uint32_t live = task_find(c, api->cname, api->uid);
    if (live != UINT32_MAX) {
        assert(session_live(&c->sessions[live]));
        reply(c, api, live, 400, 53, 0, "task conflict", NULL);
        return;
    }
    if (c->sessions_begun == c->cfg.sessions_max) {
        reply(c, api, UINT32_MAX, 429, 0, 0, "too many sessions", NULL);
        return;
    }
    uint32_t free_slot = c->sessions_begun++;
    assert(c->sessions[free_slot].state == HA_ST_FREE);
    /* Answer first: a trace then reads "start accepted", then what it led to. */
    reply(c, api, free_slot, 200, 0, 0, NULL, NULL);
    ha_session_begin(c, free_slot, api);
    ha_tasks_add(c, free_slot);
}

static const ha_sev_t sev_of_call[HA_CALL_COUNT] = {
    [HA_CALL_START] = HA_SEV_API_START,
    [HA_CALL_QUERY] = HA_SEV_API_QUERY,
    [HA_CALL_UPDATE] = HA_SEV_API_UPDATE,
    [HA_CALL_UPDATE_LAYOUT] = HA_SEV_API_UPDATE_LAYOUT,
    [HA_CALL_STOP] = HA_SEV_API_STOP,
};

void ha_api_handle(ha_center_t *c, const ha_api_in_t *api)
{
    if (api->call == HA_CALL_START) {
        api_start(c, api);
        return;
    }
    /* The call is the driver's own enum (an HTTP front maps paths to it),
     * not customer text: a value out of range is our bug. */
    assert(api->call < HA_CALL_COUNT);
    uint32_t si = api->session;
    if (si >= c->cfg.sessions_max) {
        reply(c, api, si, 404, 0, 0, NO_WORKER, NULL);
        return;
    }
    ha_session_t *s = &c->sessions[si];
    c->transitions[s->state][sev_of_call[api->call]]++;

    if (!session_live(s) || ha_session_in_window(s)) {
        reply(c, api, si, 404, 0, 0, NO_WORKER, NULL);
        return;
    }
    /* Live and outside a window: starting, recording or stopping. */
    if (s->state == HA_ST_STARTING) {
        if (api->call == HA_CALL_STOP) {
            /* Nothing was recorded yet: the service's 206, code 435. */
            reply(c, api, si, 206, 435, 0, "no recorded data", NULL);
            ha_session_stop(c, si);
        } else {
            reply(c, api, si, 200, 0, 2, NULL, NULL);
        }
    } else if (s->state == HA_ST_RECORDING) {
        if (api->call == HA_CALL_STOP) {
            reply(c, api, si, 200, 0, 6, NULL, ha_files_newest_playlist(c, si));
            ha_session_stop(c, si);
        } else {
            reply(c, api, si, 200, 0, 5, NULL,
                  api->call == HA_CALL_QUERY ? ha_files_newest_playlist(c, si) : NULL);
        }
    } else {
        assert(s->state == HA_ST_STOPPING);
        if (api->call == HA_CALL_QUERY)
            reply(c, api, si, 200, 0, 6, NULL, ha_files_newest_playlist(c, si));
        else
            reply(c, api, si, 400, 49, 0, "task is exiting", NULL);
    }
}
