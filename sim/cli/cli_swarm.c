/* cli_swarm.c -- command-line pieces shared by swarm, replay and shrink:
 * the run seed and the generator's options. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "search/swarm.h"

bool swarm_cli_seed(const char *s, uint64_t *out)
{
    return cli_u64(s, out) && *out <= SWARM_SEED_MAX;
}

int swarm_cli_gen_opt(const char *cmd, int argc, char **argv, int *i, swarm_gen_opts_t *o)
{
    const char *a = argv[*i];
    bool faults = strcmp(a, "--faults") == 0, duration = strcmp(a, "--duration") == 0;
    if (!faults && !duration)
        return 0;
    if (*i + 1 >= argc)
        return cli_usage(cmd, "%s needs a value", a);
    const char *v = argv[++*i];
    if (faults) {
        uint64_t k;
        if (!cli_u64(v, &k) || k < 1 || k > SWARM_FAULTS_MAX)
            return cli_usage(cmd, "--faults takes a number 1..%d, not '%s'", SWARM_FAULTS_MAX, v);
        o->faults_min = (uint32_t)k;
        return 1;
    }
    char why[256];
    int64_t ms;
    if (scn_duration_parse(v, strlen(v), &ms, why, sizeof(why)) != 0)
        return cli_usage(cmd, "--duration: %s", why);
    if (ms < SWARM_DURATION_MS_MIN || ms > SWARM_DURATION_MS_MAX)
        return cli_usage(cmd, "--duration takes 1m..168h, not '%s'", v);
    o->duration_ms = ms;
    return 1;
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
        snprintf(buf + n, cap - (size_t)n, " --duration %s", d);
    }
}
