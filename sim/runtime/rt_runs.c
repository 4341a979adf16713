/* rt_runs.c -- what a run leaves if it is killed, and who removes it.
 *
 * A run killed whole (SIGKILL of the supervisor and the center, a machine
 * that ran out of memory) cannot clean up after itself: its temporary work
 * directory, its temporary pid file and trace, libfaketime's
 * /dev/shm/faketime_* objects stay. So every run keeps a record of what it
 * created, RUNS_DIR/<pid>.run, one "KIND VALUE" a line, and holds an
 * exclusive flock(2) on it for as long as any process of the run lives:
 * the descriptor is inherited across fork and exec by the center, the
 * agents and the recorders, and the kernel drops the lock only when the last
 * of them is gone. A lock taken is therefore proof that the owner is dead,
 * and the next run (or `hasim-rt clean`) removes what the record lists --
 * and nothing of a run that still lives, whatever its pid.
 *
 * Kinds: "dir PATH" (a temporary work directory: removed with its slices),
 * "file PATH" (a temporary file: removed), "pid N" (a process of the run:
 * libfaketime's two objects of that pid are removed if no process has that
 * pid now; a pid reused since belongs to someone else).
 */
#define _DEFAULT_SOURCE
#include "rt_runs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_center_impl.h"

#define RUNS_LINE_MAX (PATH_MAX + 16)
/* Records looked at in one sweep, lines read from one: bounds, not limits
 * a run can reach (a run notes a few hundred pids). */
#define RUNS_SWEEP_MAX 4096
#define RUNS_LINES_MAX 100000
/* Far above the descriptors a run opens, so that no dup2() of ours onto a
 * small number closes the lock by accident. */
#define RUNS_FD_MIN 200

static char runs_record[PATH_MAX];
static int runs_fd = -1;

static int runs_dir(char *out, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    if (snprintf(out, cap, "%s/hasim-rt-runs-%u", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp",
                 (unsigned)getuid()) >= (int)cap)
        return -1;
    if (mkdir(out, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* No process has that pid, or a zombie (dead, its parent not yet waiting:
 * it holds no descriptor and no lock). Any other process with it is a
 * stranger who got the pid since. */
static bool pid_gone(long pid)
{
    if (kill((pid_t)pid, 0) != 0)
        return errno == ESRCH;
    char p[64], buf[256];
    snprintf(p, sizeof(p), "/proc/%ld/stat", pid);
    FILE *f = fopen(p, "r");
    if (f == NULL)
        return true;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')'); /* the name may hold spaces */
    return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

static int shm_unlink_of(long pid)
{
    char p[64];
    int n = 0;
    snprintf(p, sizeof(p), "/dev/shm/faketime_shm_%ld", pid);
    n += unlink(p) == 0;
    snprintf(p, sizeof(p), "/dev/shm/sem.faketime_sem_%ld", pid);
    n += unlink(p) == 0;
    return n;
}

typedef struct {
    int dirs, files, shms;
} swept_t;

/* Removes what one dead run's record lists. */
static void sweep_record(FILE *f, swept_t *sw)
{
    char line[RUNS_LINE_MAX];
    for (int i = 0; i < RUNS_LINES_MAX && fgets(line, sizeof(line), f) != NULL; i++) {
        line[strcspn(line, "\n")] = '\0';
        const char *v = strchr(line, ' ');
        if (v == NULL)
            continue;
        v++;
        struct stat st;
        if (strncmp(line, "dir ", 4) == 0 && lstat(v, &st) == 0 && S_ISDIR(st.st_mode)) {
            rt_remove_tree(v, 2);
            sw->dirs++;
        } else if (strncmp(line, "file ", 5) == 0 && unlink(v) == 0) {
            sw->files++;
        } else if (strncmp(line, "pid ", 4) == 0) {
            long pid = strtol(v, NULL, 10);
            if (pid > 0 && pid_gone(pid))
                sw->shms += shm_unlink_of(pid);
        }
    }
}

int rt_runs_sweep(bool verbose)
{
    char dir[PATH_MAX];
    if (runs_dir(dir, sizeof(dir)) != 0)
        return 0; /* nowhere to keep records: nothing was left there either */
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int runs = 0;
    struct dirent *e;
    for (int k = 0; k < RUNS_SWEEP_MAX && (e = readdir(d)) != NULL; k++) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".run") != 0)
            continue;
        char path[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
            strcmp(path, runs_record) == 0)
            continue;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd); /* a process of that run lives: not ours to touch */
            continue;
        }
        FILE *f = fdopen(fd, "r");
        if (f == NULL) {
            close(fd);
            continue;
        }
        swept_t sw = {0, 0, 0};
        sweep_record(f, &sw);
        (void)unlink(path); /* still locked: a sweep at the same time skips it */
        fclose(f);
        runs++;
        if (verbose)
            fprintf(stderr, "hasim-rt: removed what a dead run left (%.*s): %d work "
                            "director%s, %d file%s, %d /dev/shm/faketime_* object%s\n",
                    (int)(n - 4), e->d_name, sw.dirs, sw.dirs == 1 ? "y" : "ies", sw.files,
                    sw.files == 1 ? "" : "s", sw.shms, sw.shms == 1 ? "" : "s");
    }
    closedir(d);
    return runs;
}

int rt_runs_claim(void)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    if (runs_dir(dir, sizeof(dir)) != 0) {
        fprintf(stderr, "hasim-rt: error: cannot create the directory of run records in %s: %s\n",
                getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", strerror(errno));
        return -1;
    }
    if (snprintf(runs_record, sizeof(runs_record), "%s/%ld.run", dir, (long)getpid()) >=
            (int)sizeof(runs_record) ||
        snprintf(tmp, sizeof(tmp), "%s/%ld.new", dir, (long)getpid()) >= (int)sizeof(tmp)) {
        runs_record[0] = '\0';
        return -1;
    }
    /* Locked under another name, then renamed: a sweep running at the same
     * time never finds our record unlocked (and takes us for dead). Not
     * close-on-exec: every process of the run holds the lock. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0 || rename(tmp, runs_record) != 0) {
        fprintf(stderr, "hasim-rt: error: cannot lock %s: %s\n", runs_record, strerror(errno));
        if (fd >= 0) {
            close(fd);
            (void)unlink(tmp);
        }
        runs_record[0] = '\0';
        return -1;
    }
    int high = fcntl(fd, F_DUPFD, RUNS_FD_MIN);
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    runs_fd = fd;
    if (setenv("HASIM_RT_RECORD", runs_record, 1) != 0)
        return -1;
    rt_runs_note("pid", (long)getpid(), NULL);
    return 0;
}

void rt_runs_adopt(void)
{
    const char *p = getenv("HASIM_RT_RECORD");
    if (p != NULL && p[0] != '\0' && strlen(p) < sizeof(runs_record))
        snprintf(runs_record, sizeof(runs_record), "%s", p);
}

void rt_runs_note(const char *kind, long pid, const char *path)
{
    if (runs_record[0] == '\0')
        return;
    /* Appended by whichever process of the run notes it: O_APPEND writes of
     * one line do not interleave. */
    int fd = open(runs_record, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return;
    char line[RUNS_LINE_MAX];
    int n = path != NULL ? snprintf(line, sizeof(line), "%s %s\n", kind, path)
                         : snprintf(line, sizeof(line), "%s %ld\n", kind, pid);
    if (n > 0 && n < (int)sizeof(line))
        (void)!write(fd, line, (size_t)n);
    close(fd);
}

void rt_runs_release(void)
{
    if (runs_record[0] != '\0')
        (void)unlink(runs_record);
    runs_record[0] = '\0';
    if (runs_fd >= 0)
        close(runs_fd);
    runs_fd = -1;
}
