/* cmds.h -- hasim's subcommands. Each returns the process exit status:
 * 0 pass, 1 a check failed, 2 usage or input error. */
#ifndef SIM_CMDS_H
#define SIM_CMDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_swarm(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_shrink(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/* Shared helpers (cli_util.c). */
/* Parses a decimal uint64 with nothing after it; false on junk or overflow. */
bool cli_u64(const char *s, uint64_t *out);
/* Writes s as a JSON string literal. */
void cli_json_str(FILE *f, const char *s);
/* Lists DIR's *.scn files, sorted by name, into a malloc'd array of
 * malloc'd paths; returns the count or -1 with errno. */
int cli_list_scn(const char *dir, char ***out);
bool cli_is_dir(const char *path);
/* "usage: hasim CMD ..." errors: prints to stderr, returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
