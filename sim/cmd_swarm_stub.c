/* cmd_swarm_stub.c -- placeholder until the swarm lands: says so, exit 2. */
#include <stdio.h>

#include "cmds.h"

static int not_yet(const char *cmd)
{
    fprintf(stderr, "hasim %s: error: not built into this version yet\n", cmd);
    return 2;
}

int cmd_swarm(int argc, char **argv) { (void)argc; (void)argv; return not_yet("swarm"); }
int cmd_replay(int argc, char **argv) { (void)argc; (void)argv; return not_yet("replay"); }
int cmd_shrink(int argc, char **argv) { (void)argc; (void)argv; return not_yet("shrink"); }
int cmd_explore(int argc, char **argv) { (void)argc; (void)argv; return not_yet("explore"); }
