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

/* "Task conflict" (400 code 53) is a start with the cname and uid of a task
 * that is live. The task is the one the customer started: its (cname, uid)
 * names it for as long as it lives, and a switch that gives its recorder a
 * new random UID (R7) does not set that pair free -- a second start of it
 * would be a second task of the same customer request, under a new sid,
 * recording the same channel beside the first. Its recorder's new UID is
 * taken in the channel too: a new task joining with it would clash with
 * that recorder, so a start with it is refused as well (as it was when the
 * index knew only the current UID). So a live session is filed under its
 * start UID and, once a switch changed it, under its current UID too: at
 * most two entries a session (CONTRACT.md, R6). */

/* An entry: the session index + 1, shifted left once; the low bit set when
 * it is filed under the current UID rather than the start UID. 0 is empty. */
#define TASK_BY_CURRENT 1u

static uint32_t task_entry(uint32_t si, uint32_t by_current)
{
    return (si + 1) << 1 | by_current;
}

static uint32_t task_si(uint32_t entry)
{
    return (entry >> 1) - 1;
}

/* The UID the task was started with: a session's first UID (R7 never gives
 * it back, so after a switch the current UID differs from it for good). */
static uint32_t task_start_uid(const ha_session_t *s)
{
    return s->uids_used[0];
}

/* Slots of the index for this many sessions: a power of two, at least four
 * times as many (two entries a session at most), so the table is at most
 * half full, probes stay short and it is never full. */
uint32_t ha_tasks_size(uint32_t sessions_max)
{
    uint32_t size = 16;
    while (size < 4 * (uint64_t)sessions_max)
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

static uint32_t entry_uid(const ha_center_t *c, uint32_t entry)
{
    const ha_session_t *s = &c->sessions[task_si(entry)];
    return entry & TASK_BY_CURRENT ? s->uid : task_start_uid(s);
}

static uint32_t entry_home(const ha_center_t *c, uint32_t entry)
{
    return task_hash(c->sessions[task_si(entry)].cname, entry_uid(c, entry)) & c->tasks_mask;
}

/* The live session with the lowest index filed under (cname, uid), or
 * UINT32_MAX. Two sessions may be filed under one pair (a random UID may,
 * however rarely, equal another live session's of the same channel), so the
 * whole cluster is searched: the answer does not depend on the order of
 * filing. */
uint32_t ha_tasks_find(const ha_center_t *c, const char *cname, uint32_t uid)
{
    uint32_t found = UINT32_MAX;
    for (uint32_t i = task_hash(cname, uid) & c->tasks_mask, n = 0; c->tasks[i] != 0;
         i = (i + 1) & c->tasks_mask, n++) {
        assert(n <= c->tasks_mask && "the task index is never full");
        uint32_t si = task_si(c->tasks[i]);
        if (si < found && entry_uid(c, c->tasks[i]) == uid &&
            strcmp(c->sessions[si].cname, cname) == 0)
            found = si;
    }
    return found;
}

static void task_file(ha_center_t *c, uint32_t entry)
{
    uint32_t i = entry_home(c, entry);
    for (uint32_t n = 0; c->tasks[i] != 0; n++) {
        assert(n <= c->tasks_mask && "the task index is never full");
        i = (i + 1) & c->tasks_mask;
    }
    c->tasks[i] = entry;
}

/* Deletion by backward shift (Knuth's algorithm R): no tombstones, so a
 * long run of starts and ends never slows the probes down. */
static void task_unfile(ha_center_t *c, uint32_t entry)
{
    uint32_t hole = entry_home(c, entry);
    while (c->tasks[hole] != entry) {
        assert(c->tasks[hole] != 0 && "a filed entry is in the task index");
        hole = (hole + 1) & c->tasks_mask;
    }
    for (uint32_t i = (hole + 1) & c->tasks_mask; c->tasks[i] != 0; i = (i + 1) & c->tasks_mask) {
        uint32_t home = entry_home(c, c->tasks[i]);
        /* Does home lie cyclically in (hole, i]? Then the entry stays. */
        bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
        if (!stays) {
            c->tasks[hole] = c->tasks[i];
            hole = i;
        }
    }
    c->tasks[hole] = 0;
}

/* A session whose start was accepted: its UID is still the start one. */
void ha_tasks_add(ha_center_t *c, uint32_t si)
{
    assert(c->sessions[si].uid == task_start_uid(&c->sessions[si]));
    task_file(c, task_entry(si, 0));
}

void ha_tasks_remove(ha_center_t *c, uint32_t si)
{
    if (c->sessions[si].uid != task_start_uid(&c->sessions[si]))
        task_unfile(c, task_entry(si, TASK_BY_CURRENT));
    task_unfile(c, task_entry(si, 0));
}

/* The entry under the current UID exists exactly while that UID is not the
 * start one. R7 says a switch never goes back to the start UID; the index
 * does not lean on it, so a core that broke R7 is judged by the oracle
 * rather than stopped here. */
void ha_tasks_set_uid(ha_center_t *c, uint32_t si, uint32_t uid)
{
    ha_session_t *s = &c->sessions[si];
    if (s->uid != task_start_uid(s))
        task_unfile(c, task_entry(si, TASK_BY_CURRENT));
    s->uid = uid;
    if (s->uid != task_start_uid(s))
        task_file(c, task_entry(si, TASK_BY_CURRENT));
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
    uint32_t live = ha_tasks_find(c, api->cname, api->uid);
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
