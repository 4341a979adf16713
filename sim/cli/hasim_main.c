/* hasim_main.c -- the command line: hasim COMMAND [options] ARGS. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

#define HASIM_VERSION "0.1.0"

static const char HELP[] =
    "usage: hasim COMMAND [options] ARGS\n"
    "\n"
    "Deterministic simulation and chaos tests of the cloud recording service's\n"
    "high-availability mechanism (rules R1-R14, src/CONTRACT.md).\n"
    "\n"
    "commands:\n"
    "  run      run scenario files and check every rule          hasim run scenarios/\n"
    "  check    check a trace file (from hasim or real processes)  hasim check t.jsonl\n"
    "           ... or a field callback log (and API log)      hasim check --ncs cb.jsonl\n"
    "  import   a field incident (callback log, notes) as a scenario  hasim import cb.jsonl\n"
    "  diff     where two traces part                           hasim diff a.jsonl b.jsonl\n"
    "  swarm    random fault timelines, many seeds              hasim swarm --runs 10000\n"
    "  replay   one swarm run again, byte for byte              hasim replay --seed 42\n"
    "  shrink   a failing run reduced to a small scenario       hasim shrink --seed 42\n"
    "  explore  every placement of up to K faults on a grid     hasim explore -k 2\n"
    "  merge    swarm results of shards as one                  hasim merge s0.json s1.json\n"
    "  junit    swarm/explore failures as JUnit, shrunk         hasim junit -o j.xml --swarm s.json\n"
    "\n"
    "'hasim COMMAND --help' describes a command; man hasim (docs/hasim.1) the lot.\n"
    "Exit status: 0 pass, 1 a check failed, 2 usage or input error.\n";

int main(int argc, char **argv)
{
    char *sub[3] = {NULL, "--help", NULL};
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc >= 3 && strcmp(argv[1], "help") == 0) {
            sub[0] = argv[2];
            argv = sub;
            argc = 2;
        } else {
            fputs(HELP, argc < 2 ? stderr : stdout);
            return argc < 2 ? 2 : 0;
        }
    } else {
        argv++;
        argc--;
    }
    if (strcmp(argv[0], "--version") == 0) {
        printf("hasim %s\n", HASIM_VERSION);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"run", cmd_run},       {"check", cmd_check},   {"diff", cmd_diff},
        {"swarm", cmd_swarm},   {"replay", cmd_replay}, {"shrink", cmd_shrink},
        {"explore", cmd_explore}, {"merge", cmd_merge},     {"junit", cmd_junit},
        {"import", cmd_import},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(argv[0], cmds[i].name) == 0)
            return cmds[i].fn(argc, argv);
    }
    fprintf(stderr, "hasim: error: unknown command '%s'\n(see 'hasim --help')\n", argv[0]);
    return 2;
}
