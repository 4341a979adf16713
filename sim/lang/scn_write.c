/* scn_write.c -- a scn_t as canonical .scn text.
 *
 * Canonical: one tree always gives the same bytes, however the file it came
 * from was spelled. The statements of the world come first in a fixed order
 * and only when they differ from "not given", then the parameters, the
 * timeline with absolute times, and the end expectations; durations take
 * their shortest spelling (90s is written 1m30s). Swarm and shrinker save
 * scenarios this way, so two runs that found the same scenario save the same
 * file. The fuzzer holds it to parse(write(t)) == t for every t the parser
 * accepts, and to write being a fixed point.
 */
#include "scn.h"

#include <assert.h>
#include <inttypes.h>

/* "2562047788015h12m55s807ms" and a NUL fit. */
#define DURATION_TEXT_SIZE 32

static const char *duration_text(char buf[DURATION_TEXT_SIZE], int64_t ms)
{
    int n = scn_duration_format(ms, buf, DURATION_TEXT_SIZE);
    assert(n > 0 && n < DURATION_TEXT_SIZE);
    (void)n;
    return buf;
}

static void write_title(FILE *f, const char *title)
{
    fputs("scenario \"", f);
    for (const char *c = title; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            fputc('\\', f);
        fputc(*c, f);
    }
    fputs("\"\n", f);
}

static void write_param(FILE *f, const scn_param_t *prm)
{
    fprintf(f, "set %s ", scn_param_name(prm->id));
    if (scn_param_type(prm->id) == SCN_PTYPE_BOOL) {
        fputs(prm->lo != 0 ? "on" : "off", f);
        if (prm->hi != prm->lo)
            fputs(prm->hi != 0 ? "..on" : "..off", f);
    } else {
        char lo[DURATION_TEXT_SIZE];
        fputs(duration_text(lo, prm->lo), f);
        if (prm->hi != prm->lo) {
            char hi[DURATION_TEXT_SIZE];
            fprintf(f, "..%s", duration_text(hi, prm->hi));
        }
    }
    fputc('\n', f);
}

static void write_action(FILE *f, const scn_action_t *a)
{
    char at[DURATION_TEXT_SIZE];
    fprintf(f, "at %s %s", duration_text(at, a->at_ms), scn_act_name(a->kind));
    switch (a->kind) {
    case SCN_ACT_DISCONNECT:
        if (a->heal_ms >= 0) {
            char heal[DURATION_TEXT_SIZE];
            fprintf(f, " for %s", duration_text(heal, a->heal_ms));
            if (a->heal_after_detection)
                fputs(" after detection", f);
        }
        break;
    case SCN_ACT_CRASH_HOST:
        fprintf(f, " %" PRIu32, a->host);
        break;
    case SCN_ACT_PROVISION_FAIL:
        fprintf(f, " %" PRIu32, a->count);
        break;
    case SCN_ACT_JOIN:
    case SCN_ACT_LEAVE:
        fprintf(f, " %" PRIu32, a->uid);
        break;
    case SCN_ACT_STEP_CLOCK: {
        char d[DURATION_TEXT_SIZE];
        fprintf(f, " %c%s", a->step_ms < 0 ? '-' : '+',
                duration_text(d, a->step_ms < 0 ? -a->step_ms : a->step_ms));
        break;
    }
    default:
        break;
    }
    if (a->session != 0)
        fprintf(f, " session %" PRIu32, a->session);
    if (a->expect_status != 0)
        fprintf(f, " expect %d", a->expect_status);
    fputc('\n', f);
}

/* The event by its name where it has one: what a reader of an incident
 * knows it by (the importer's logs name it so too). */
static void write_callback(FILE *f, const scn_expect_t *e)
{
    const char *name = scn_callback_name(e->event);
    if (name != NULL)
        fprintf(f, " %s", name);
    else
        fprintf(f, " %d", e->event);
    if (e->has_at) {
        char at[DURATION_TEXT_SIZE];
        fprintf(f, " at %s", duration_text(at, e->at_ms));
    } else if (e->has_count) {
        fprintf(f, " count %" PRIu32, e->count);
    }
}

static void write_expect(FILE *f, const scn_expect_t *e)
{
    fprintf(f, "expect %s", scn_exp_name(e->kind));
    switch (e->kind) {
    case SCN_EXP_ACTIVATIONS:
        fprintf(f, " %" PRIu32, e->activations);
        break;
    case SCN_EXP_EXIT:
        fprintf(f, " %s", scn_exit_name(e->exit));
        break;
    case SCN_EXP_FILE:
    case SCN_EXP_NO_FILE:
        fprintf(f, " %s", e->file);
        break;
    case SCN_EXP_UID:
        fprintf(f, " %s", scn_uid_name(e->uid));
        break;
    case SCN_EXP_VIOLATION:
        fprintf(f, " R%d", e->rule);
        break;
    case SCN_EXP_CALLBACK:
        write_callback(f, e);
        break;
    case SCN_EXP_RESUME:
    case SCN_EXP_STARTED: {
        char within[DURATION_TEXT_SIZE];
        fprintf(f, " within %s", duration_text(within, e->within_ms));
        if (e->kind == SCN_EXP_RESUME && e->has_activation)
            fprintf(f, " activation %d", e->activation);
        break;
    }
    case SCN_EXP_COUNT:
        assert(false);
        break;
    }
    if (e->session != 0)
        fprintf(f, " session %" PRIu32, e->session);
    fputc('\n', f);
}

int scn_write(FILE *f, const scn_t *s)
{
    assert(f != NULL && s != NULL);
    write_title(f, s->title);
    fprintf(f, "mode %s\n", scn_mode_name(s->mode));
    fprintf(f, "channel %s", s->cname);
    for (size_t i = 0; i < s->users_count; i++)
        fprintf(f, "%s%" PRIu32, i == 0 ? " users " : ",", s->users[i]);
    fputc('\n', f);
    if (s->has_uid)
        fprintf(f, "uid %" PRIu32 "\n", s->uid);
    if (s->has_sid)
        fprintf(f, "sid %s\n", s->sid);
    if (s->has_seed)
        fprintf(f, "seed %" PRIu64 "\n", s->seed);
    if (s->has_servers)
        fprintf(f, "servers %" PRIu32 " capacity %" PRIu32 "\n", s->servers, s->capacity);
    if (s->sessions != SCN_SESSIONS_DEFAULT)
        fprintf(f, "sessions %" PRIu32 "\n", s->sessions);
    for (size_t i = 0; i < s->params_count; i++)
        write_param(f, &s->params[i]);

    if (s->actions_count > 0 || s->has_end)
        fputc('\n', f);
    for (size_t i = 0; i < s->actions_count; i++)
        write_action(f, &s->actions[i]);
    /* A tree built in memory may say has_end without an END action. */
    bool end_written = s->actions_count > 0 && s->actions[s->actions_count - 1].kind == SCN_ACT_END;
    if (s->has_end && !end_written) {
        char end[DURATION_TEXT_SIZE];
        fprintf(f, "at %s end\n", duration_text(end, s->end_ms));
    }

    if (s->expects_count > 0)
        fputc('\n', f);
    for (size_t i = 0; i < s->expects_count; i++)
        write_expect(f, &s->expects[i]);
    return ferror(f) ? -1 : 0;
}
