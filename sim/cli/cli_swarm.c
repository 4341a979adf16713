/* cli_swarm.c -- command-line pieces shared by swarm, replay and shrink:
 * the run seed and the generator's options. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "search/swarm.h"

int swarm_cli_seed(const char *cmd, const char *val, uint64_t *out)
{
    if (!cli_u64(val, out) || *out > SWARM_SEED_MAX)
        return cli_usage(cmd, "--seed takes a number 0..2^63-1, not '%s'", val);
    return 0;
}

static int faults_opt(const char *cmd, const char *val, swarm_gen_opts_t *o)
{
    uint64_t k;
    if (!cli_u64(val, &k) || k < 1 || k > SWARM_FAULTS_MAX)
        return cli_usage(cmd, "--faults takes a number 1..%d, not '%s'", SWARM_FAULTS_MAX, val);
    o->faults_min = (uint32_t)k;
    return 0;
}

static int duration_opt(const char *cmd, const char *val, swarm_gen_opts_t *o)
{
    char why[256];
    int64_t ms;
    if (scn_duration_parse(val, strlen(val), &ms, why, sizeof(why)) != 0)
        return cli_usage(cmd, "--duration: %s", why);
    if (ms < SWARM_DURATION_MS_MIN || ms > SWARM_DURATION_MS_MAX)
        return cli_usage(cmd, "--duration takes 1m..168h, not '%s'", val);
    o->duration_ms = ms;
    return 0;
}

int swarm_cli_opt(const char *cmd, int opt, const char *val, swarm_cli_t *o)
{
    switch (opt) {
    case CLI_OPT_SEED:
        o->has_seed = true;
        return swarm_cli_seed(cmd, val, &o->seed);
    case CLI_OPT_FAULTS:
        return faults_opt(cmd, val, &o->gen);
    case CLI_OPT_DURATION:
        return duration_opt(cmd, val, &o->gen);
    case CLI_OPT_NO_BOUNDS:
        o->gen.no_bounds = true;
        return 0;
    case CLI_OPT_CHAIN: {
        char why[256];
        if (swarm_chain_parse(val, &o->chain, why, sizeof(why)) != 0)
            return cli_usage(cmd, "--chain: %s", why);
        o->has_chain = true;
        return 0;
    }
    default:
        assert(!"an option in the table of cmd without a case in its take()");
        return 2;
    }
}

void swarm_cli_gen(scn_t *s, const swarm_cli_t *o)
{
    if (o->has_chain)
        swarm_chain_gen(s, &o->chain, &o->gen);
    else
        swarm_gen(s, o->seed, &o->gen);
}

void swarm_cli_origin(const swarm_cli_t *o, char *buf, size_t cap)
{
    if (!o->has_chain) {
        snprintf(buf, cap, "swarm run seed %" PRIu64, o->seed);
        return;
    }
    char text[SWARM_CHAIN_TEXT_MAX];
    swarm_chain_format(&o->chain, text, sizeof(text));
    snprintf(buf, cap, "guided run --chain %s", text);
}

void swarm_cli_gen_args(const swarm_gen_opts_t *o, char *buf, size_t cap)
{
    int n = 0;
    buf[0] = '\0';
    if (o->faults_min != SWARM_FAULTS_DEFAULT)
        n = snprintf(buf, cap, " --faults %" PRIu32, o->faults_min);
    if (o->duration_ms != SWARM_DURATION_MS_DEFAULT && n >= 0 && (size_t)n < cap) {
        char d[64];
        scn_duration_format(o->duration_ms, d, sizeof(d));
        n += snprintf(buf + n, cap - (size_t)n, " --duration %s", d);
    }
    if (o->no_bounds && n >= 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " --no-bounds");
}
