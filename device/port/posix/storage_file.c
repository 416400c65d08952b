/*
 * storage_file.c - credential and file storage in a directory
 * (struct zto_storage_ops, zto_port.h).
 *
 * A write never leaves a half-written blob: the content goes to a fresh
 * temporary file next to the target (mkstemp, mode 0600), is fsync'ed,
 * renamed over the target (atomic on POSIX file systems) and the
 * directory is fsync'ed so the rename itself survives a power loss. A
 * process killed before the rename leaves the old blob and, at worst, a
 * stray ".<name>.tmp.XXXXXX" file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zto_posix_port.h"
#include "zto/zto_crashpoint.h"

zto_err_t
zto_file_store_init(struct zto_file_store *s, const char *dir)
{
    if (s == NULL)
        return ZTO_E_ARG;
    return zto_dir_copy(s->dir, sizeof(s->dir), 0, dir);
}

zto_err_t
zto_dir_copy(char *buf, size_t cap, size_t spare, const char *dir)
{
    size_t n;

    if (dir == NULL || (n = strlen(dir)) == 0 || n + spare >= cap)
        return ZTO_E_ARG;
    memcpy(buf, dir, n + 1);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    return ZTO_OK;
}

/* Relative, no "..", no empty components. */
static bool
name_ok(const char *name)
{
    const char *p = name;
    size_t n;

    if (name == NULL || name[0] == '\0' || name[0] == '/')
        return false;
    while (*p != '\0') {
        n = strcspn(p, "/");
        if (n == 0 || (n == 2 && p[0] == '.' && p[1] == '.') ||
            (n == 1 && p[0] == '.'))
            return false;
        p += n;
        if (*p == '/')
            p++;
    }
    return p[-1] != '/';
}

static zto_err_t
path_of(const struct zto_file_store *s, const char *name, char *out, size_t cap)
{
    int n;

    if (!name_ok(name))
        return ZTO_E_ARG;
    n = snprintf(out, cap, "%s/%s", s->dir, name);
    return n > 0 && (size_t)n < cap ? ZTO_OK : ZTO_E_ARG;
}

static zto_err_t
fs_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    char path[PATH_MAX];
    struct stat st;
    size_t got = 0;
    ssize_t n;
    uint8_t extra;
    int fd;
    zto_err_t r;

    if ((r = path_of(ctx, name, path, sizeof(path))) != ZTO_OK)
        return r;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return errno == ENOENT   ? ZTO_E_NOT_FOUND
               : errno == EACCES ? ZTO_E_PERM
                                 : ZTO_E_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        r = ZTO_E_IO;
        goto out;
    }
    if ((uintmax_t)st.st_size > cap) {
        *len = (size_t)st.st_size;
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    while (got < (size_t)st.st_size) {
        n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) { /* error, or the file shrank under us */
            r = ZTO_E_IO;
            goto out;
        }
        got += (size_t)n;
    }
    /* ... or grew: the size seen must be the whole file. */
    while ((n = read(fd, &extra, 1)) < 0 && errno == EINTR)
        ;
    if (n != 0) {
        r = ZTO_E_IO;
        goto out;
    }
    *len = got;
    r = ZTO_OK;
out:
    close(fd);
    return r;
}

static zto_err_t
write_all(int fd, const uint8_t *p, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ZTO_E_IO;
        p += n;
        len -= (size_t)n;
    }
    return ZTO_OK;
}

zto_err_t
zto_dir_sync(const char *dir)
{
    int fd;
    zto_err_t r = ZTO_OK;

    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return ZTO_E_IO;
    if (fsync(fd) != 0 && errno != EINVAL) /* some fs cannot sync dirs */
        r = ZTO_E_IO;
    close(fd);
    return r;
}

/* fsync the directory holding path, so a rename in it is durable. */
static zto_err_t
sync_parent(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash != NULL ? (size_t)(slash - path) : 0;

    if (n == 0) {
        memcpy(dir, slash != NULL ? "/" : ".", 2);
    } else if (n < sizeof(dir)) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    } else {
        return ZTO_E_ARG;
    }
    return zto_dir_sync(dir);
}

zto_err_t
zto_file_stage(const char *path, const uint8_t *data, size_t len, unsigned mode,
               char *tmp, size_t tmpcap)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    size_t dirlen = (size_t)(base - path);
    int fd = -1, n;
    zto_err_t r;

    n = snprintf(tmp, tmpcap, "%.*s.%s.tmp.XXXXXX", (int)dirlen, path, base);
    if (n <= 0 || (size_t)n >= tmpcap || base[0] == '\0') {
        if (tmpcap > 0)
            tmp[0] = '\0';
        return ZTO_E_ARG;
    }
    if ((fd = mkstemp(tmp)) < 0) {
        tmp[0] = '\0';
        return errno == EACCES ? ZTO_E_PERM : ZTO_E_IO;
    }
    /* In two halves, so the crash tests can stop between them. */
    if (fchmod(fd, (mode_t)mode) != 0 ||
        (r = write_all(fd, data, len / 2)) != ZTO_OK) {
        close(fd);
        zto_file_discard(tmp);
        return ZTO_E_IO;
    }
    ZTO_CRASHPOINT("device.store.partial");
    if ((r = write_all(fd, data + len / 2, len - len / 2)) != ZTO_OK ||
        fsync(fd) != 0) {
        close(fd);
        zto_file_discard(tmp);
        return ZTO_E_IO;
    }
    if (close(fd) != 0) {
        zto_file_discard(tmp);
        return ZTO_E_IO;
    }
    ZTO_CRASHPOINT("device.store.synced");
    return ZTO_OK;
}

zto_err_t
zto_file_commit(char *tmp, const char *path)
{
    if (tmp[0] == '\0')
        return ZTO_E_STATE;
    if (rename(tmp, path) != 0) {
        zto_file_discard(tmp);
        return ZTO_E_IO;
    }
    tmp[0] = '\0';
    ZTO_CRASHPOINT("device.store.renamed");
    /* The new content is in place; only its durability is at stake. */
    return sync_parent(path);
}

void
zto_file_discard(char *tmp)
{
    if (tmp == NULL || tmp[0] == '\0')
        return;
    unlink(tmp);
    tmp[0] = '\0';
}

static zto_err_t
fs_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    zto_err_t r;

    if ((r = path_of(ctx, name, path, sizeof(path))) != ZTO_OK)
        return r;
    if ((r = zto_file_stage(path, buf, len, S_IRUSR | S_IWUSR, tmp,
                            sizeof(tmp))) != ZTO_OK)
        return r;
    return zto_file_commit(tmp, path);
}

const struct zto_storage_ops zto_file_store_ops = {fs_read, fs_write};
