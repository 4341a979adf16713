/* cli_util.c -- small things every subcommand needs. */
#include "cmds.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool cli_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s == '\0')
        return false;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool cli_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_list_scn(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    char **list = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".scn") != 0 || e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = realloc(list, sizeof(*list) * (size_t)cap);
            if (grown == NULL)
                goto fail;
            list = grown;
        }
        size_t need = strlen(dir) + len + 2;
        list[n] = malloc(need);
        if (list[n] == NULL)
            goto fail;
        snprintf(list[n], need, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        n++;
    }
    closedir(d);
    /* readdir order depends on the file system: sort, for determinism. */
    qsort(list, (size_t)n, sizeof(*list), cmp_str);
    *out = list;
    return n;
fail:
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
    closedir(d);
    errno = ENOMEM;
    return -1;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hasim %s: error: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'hasim %s --help')\n", cmd);
    return 2;
}

/* The option getopt_long(3) refused, as it was written. A short one is
 * optopt: its argument may be a cluster ("-qZ") that getopt has not stepped
 * past yet. A long one is the whole argument, which getopt has stepped past;
 * optopt is then the option's value when it was given a value it does not
 * take ("--quiet=1"), 0 when getopt knows no such option. */
static int refuse(const cli_cmd_t *c, int got, char **argv)
{
    const char *arg = argv[optind - 1];
    bool short_unknown = got == '?' && optopt > 0 && optopt < 256 &&
                         (optopt == ':' || strchr(c->shortopts, optopt) == NULL);
    if (strncmp(arg, "--", 2) != 0 || short_unknown) {
        if (got == ':')
            return cli_usage(c->cmd, "-%c needs a value", optopt);
        return cli_usage(c->cmd, "unknown option '-%c'", optopt);
    }
    if (got == ':')
        return cli_usage(c->cmd, "%s needs a value", arg);
    if (optopt != 0)
        return cli_usage(c->cmd, "%.*s takes no value", (int)strcspn(arg, "="), arg);
    return cli_usage(c->cmd, "unknown option '%s'", arg);
}

/* Whether the long option getopt_long(3) just took was written with a
 * shorter name: getopt takes "--fail" for "--fail-fast". We take whole names
 * only, so that a new option never makes a command line that worked
 * ambiguous. *arg is the argument that named it; the value was the next
 * argument, or the part after '='. */
static bool abbreviated(const struct option *o, char **argv, const char *val, const char **arg)
{
    *arg = argv[optind - (val != NULL && val == argv[optind - 1] ? 2 : 1)];
    return strcspn(*arg + 2, "=") != strlen(o->name);
}

int cli_parse(const cli_cmd_t *c, int argc, char **argv, void *args, int *first)
{
    /* The ':' tells a missing value (':') from an unknown option ('?'). */
    char shortopts[64];
    assert(strlen(c->shortopts) + 1 < sizeof(shortopts));
    snprintf(shortopts, sizeof(shortopts), ":%s", c->shortopts);
    opterr = 0;
    optind = 0; /* a fresh start, also of getopt's own state: tests run many commands */
    for (;;) {
        int which = -1;
        const char *arg;
        int opt = getopt_long(argc, argv, shortopts, c->longopts, &which);
        if (opt == -1)
            break;
        if (opt == '?' || opt == ':')
            return refuse(c, opt, argv);
        if (which >= 0 && abbreviated(&c->longopts[which], argv, optarg, &arg))
            return cli_usage(c->cmd, "unknown option '%s'", arg);
        if (opt == 'h') {
            fputs(c->help, stdout);
            return 0;
        }
        assert(c->take != NULL);
        int rc = c->take(args, opt, optarg);
        if (rc != 0)
            return rc;
    }
    *first = optind;
    return CLI_GO_ON;
}
