/* cmds.h -- hasim's subcommands. Each returns the process exit status:
 * 0 pass, 1 a check failed, 2 usage or input error. */
#ifndef SIM_CMDS_H
#define SIM_CMDS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "search/mutate.h"
#include "search/swarm_gen.h"

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_swarm(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_shrink(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_junit(int argc, char **argv);
int cmd_import(int argc, char **argv);

/* Shared helpers (cli_util.c). */
/* Parses a decimal uint64 with nothing after it; false on junk or overflow. */
bool cli_u64(const char *s, uint64_t *out);
/* Lists DIR's *.scn files, sorted by name, into a malloc'd array of
 * malloc'd paths; returns the count or -1 with errno. */
int cli_list_scn(const char *dir, char ***out);
bool cli_is_dir(const char *path);
/* "usage: hasim CMD ..." errors: prints to stderr, returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- options: one getopt_long(3) parser for every command ---------------- */

/* getopt_long values of the options without a short form. The ones below
 * CLI_OPT_OWN are shared (swarm_cli_opt); a command numbers its own from
 * CLI_OPT_OWN. */
enum {
    CLI_OPT_SEED = 0x100,
    CLI_OPT_FAULTS,
    CLI_OPT_DURATION,
    CLI_OPT_NO_BOUNDS,
    CLI_OPT_CHAIN,
    CLI_OPT_OWN
};

typedef struct {
    const char *cmd;               /* "run": for the messages */
    const char *help;              /* what -h and --help print */
    const char *shortopts;         /* as getopt_long(3) has them, with "h" */
    const struct option *longopts; /* with {"help", no_argument, NULL, 'h'}; ends with {0} */
    /* One option and its value (NULL for none): 0, or 2 after cli_usage().
     * NULL for a command with no option but --help. */
    int (*take)(void *args, int opt, const char *val);
} cli_cmd_t;

#define CLI_GO_ON (-1)
/* Parses the options of argv[1..] (argv[0] is the command's name) into args
 * through c->take, options and operands in any order: getopt_long moves the
 * operands, in their order, to argv[*first..argc-1]. Returns CLI_GO_ON, or
 * the status the command exits with: 0 after the help (stdout), 2 after a
 * usage error (stderr). */
int cli_parse(const cli_cmd_t *c, int argc, char **argv, void *args, int *first);

/* ---- command-line pieces shared by swarm, replay and shrink ------------- */

/* What a swarm run is regenerated from: its seed (or, for a guided run, its
 * chain) and the generator's options. */
typedef struct {
    uint64_t seed;
    bool has_seed;
    swarm_chain_t chain;
    bool has_chain;
    swarm_gen_opts_t gen;
} swarm_cli_t;

#define SWARM_CLI_LONGOPTS                                     \
    {"seed", required_argument, NULL, CLI_OPT_SEED},          \
    {"faults", required_argument, NULL, CLI_OPT_FAULTS},      \
    {"duration", required_argument, NULL, CLI_OPT_DURATION},  \
    {"no-bounds", no_argument, NULL, CLI_OPT_NO_BOUNDS},      \
    {"chain", required_argument, NULL, CLI_OPT_CHAIN}

/* --seed X, --chain C, --faults K, --duration D and --no-bounds, for a command whose table has
 * SWARM_CLI_LONGOPTS: 0, or 2 after a usage message for cmd. */
int swarm_cli_opt(const char *cmd, int opt, const char *val, swarm_cli_t *o);
/* " --faults K --duration D --no-bounds", only what differs from the
 * defaults; "" else. */
void swarm_cli_gen_args(const swarm_gen_opts_t *o, char *buf, size_t cap);
/* The scenario of o: its chain's when it has one, else its seed's. */
void swarm_cli_gen(scn_t *s, const swarm_cli_t *o);
/* "swarm run seed X" or "guided run --chain C" into buf. */
void swarm_cli_origin(const swarm_cli_t *o, char *buf, size_t cap);
/* --seed: 0..SWARM_SEED_MAX, else a usage message for cmd; 0 or 2. */
int swarm_cli_seed(const char *cmd, const char *val, uint64_t *out);

#endif
