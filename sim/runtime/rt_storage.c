/* rt_storage.c -- the cloud storage of a real-process run: playlists and
 * slices under the names the core gave them, so that a run leaves what the
 * service would have uploaded (workdir/storage). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rt_center_impl.h"

static void storage_append(rt_center_t *c, const char *name, const char *text)
{
    char path[PATH_MAX];
    if (name == NULL ||
        snprintf(path, sizeof(path), "%s/storage/%s", c->workdir, name) >= (int)sizeof(path))
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        if (!c->storage_warned)
            fprintf(stderr, "hasim-rt: warning: cannot write %s: %s\n", path, strerror(errno));
        c->storage_warned = true;
    }
    if (fd >= 0)
        close(fd);
}

static void storage_slice(rt_center_t *c, const ha_cmd_t *cmd)
{
    char src[PATH_MAX], dst[PATH_MAX];
    const char *ext = cmd->u.file.fmt == HA_FMT_MP4    ? "mp4"
                      : cmd->u.file.fmt == HA_FMT_WEBM ? "webm"
                                                       : "ts";
    /* The recorder's own name for it (rt_recorder.c). */
    if (snprintf(src, sizeof(src), "%s/srv%" PRIu32 "/r%" PRIu32 "_%" PRIu32 "_%u_%" PRId64 ".%s",
                 c->workdir, cmd->u.file.server + 1, cmd->u.file.recorder, cmd->u.file.uid,
                 (unsigned)cmd->u.file.track, cmd->u.file.start_utc_ms, ext) >= (int)sizeof(src) ||
        snprintf(dst, sizeof(dst), "%s/storage/%s", c->workdir, cmd->u.file.name) >=
            (int)sizeof(dst))
        return;
    if (link(src, dst) != 0 && errno != EEXIST)
        storage_append(c, cmd->u.file.name, "hasim: the recorder's file was not found\n");
    c->slices_stored++;
    if (cmd->u.file.playlist != NULL) {
        char entry[HA_NAME_MAX + 64];
        int64_t d = cmd->u.file.end_utc_ms - cmd->u.file.start_utc_ms;
        snprintf(entry, sizeof(entry), "#EXTINF:%" PRId64 ".%03" PRId64 ",\n%s\n", d / 1000,
                 d % 1000, cmd->u.file.name);
        storage_append(c, cmd->u.file.playlist, entry);
    }
}

void rt_storage_file(void *p, const ha_cmd_t *cmd)
{
    rt_center_t *c = p;
    if (cmd->kind == HA_CMD_PLAYLIST_OPEN)
        storage_append(c, cmd->u.file.playlist, "#EXTM3U\n#EXT-X-VERSION:3\n");
    else if (cmd->kind == HA_CMD_PLAYLIST_CLOSE)
        storage_append(c, cmd->u.file.playlist, "#EXT-X-ENDLIST\n");
    else
        storage_slice(c, cmd);
}
