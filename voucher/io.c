/*
 * io.c - reading files with a size cap and writing them atomically: a
 * voucher file on disk is either the old one or the complete new one,
 * never a mix or a truncated file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_int.h"

static zto_err_t
read_fd(int fd, const char *path, size_t cap, uint8_t **out, size_t *out_len,
        struct vt_err *e)
{
    size_t len = 0, alloc = 4096;
    uint8_t *buf = malloc(alloc + 1), *nb;
    ssize_t n;

    if (buf == NULL)
        return vt_fail(e, ZTO_E_NOMEM, "%s: out of memory", path);
    for (;;) {
        if (len == alloc) {
            if (alloc > cap) {
                free(buf);
                return vt_fail(e, ZTO_E_TOO_BIG,
                               "%s: larger than the %zu-byte limit", path, cap);
            }
            alloc *= 2;
            if ((nb = realloc(buf, alloc + 1)) == NULL) {
                free(buf);
                return vt_fail(e, ZTO_E_NOMEM, "%s: out of memory", path);
            }
            buf = nb;
        }
        n = read(fd, buf + len, alloc - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            free(buf);
            return vt_fail(e, ZTO_E_IO, "%s: cannot read: %s", path,
                           strerror(err));
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > cap) {
            free(buf);
            return vt_fail(e, ZTO_E_TOO_BIG,
                           "%s: larger than the %zu-byte limit", path, cap);
        }
    }
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    return ZTO_OK;
}

zto_err_t
vt_file_read(const char *path, size_t cap, uint8_t **out, size_t *out_len,
             struct vt_err *e)
{
    return vt_file_read_mode(path, cap, out, out_len, NULL, e);
}

zto_err_t
vt_file_read_mode(const char *path, size_t cap, uint8_t **out, size_t *out_len,
                  unsigned *mode, struct vt_err *e)
{
    struct stat st;
    zto_err_t r;
    int fd;

    if (strcmp(path, "-") == 0) {
        if (mode != NULL)
            return vt_fail(e, ZTO_E_ARG, "a key cannot be read from stdin");
        return read_fd(STDIN_FILENO, "(stdin)", cap, out, out_len, e);
    }
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
        int err = errno;
        return vt_fail(e, err == ENOENT ? ZTO_E_NOT_FOUND : ZTO_E_IO,
                       "%s: cannot open: %s", path, strerror(err));
    }
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return vt_fail(e, ZTO_E_IO, "%s: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return vt_fail(e, ZTO_E_IO, "%s: not a regular file", path);
    }
    if ((uintmax_t)st.st_size > cap) {
        close(fd);
        return vt_fail(e, ZTO_E_TOO_BIG, "%s: larger than the %zu-byte limit",
                       path, cap);
    }
    if (mode != NULL)
        *mode = (unsigned)(st.st_mode & 07777);
    r = read_fd(fd, path, cap, out, out_len, e);
    close(fd);
    return r;
}

/* Split path into a malloc'd directory ("." when none) and its last
 * component (a pointer into path). */
static char *
dir_of(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    char *d;

    if (slash == NULL) {
        *base = path;
        return strdup(".");
    }
    *base = slash + 1;
    if (slash == path)
        return strdup("/");
    if ((d = malloc((size_t)(slash - path) + 1)) == NULL)
        return NULL;
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = 0;
    return d;
}

static zto_err_t
write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return ZTO_E_IO;
        p += w;
        n -= (size_t)w;
    }
    return ZTO_OK;
}

static void
sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        /* Some file systems refuse fsync on directories; the rename is
         * still atomic there. */
        (void)fsync(fd);
        close(fd);
    }
}

zto_err_t
vt_file_write_atomic(const char *path, const uint8_t *data, size_t len,
                     bool replace, struct vt_err *e)
{
    const char *base = NULL;
    char *dir = NULL, *tmp = NULL;
    size_t tl;
    mode_t um;
    int fd = -1, err;
    zto_err_t r = ZTO_E_INTERNAL;

    if ((dir = dir_of(path, &base)) == NULL)
        return vt_fail(e, ZTO_E_NOMEM, "%s: out of memory", path);
    if (*base == 0) {
        r = vt_fail(e, ZTO_E_ARG, "%s: not a file name", path);
        goto out;
    }
    tl = strlen(dir) + strlen(base) + 16;
    if ((tmp = malloc(tl)) == NULL) {
        r = vt_fail(e, ZTO_E_NOMEM, "%s: out of memory", path);
        goto out;
    }
    snprintf(tmp, tl, "%s/.%s.XXXXXX", dir, base);
    if ((fd = mkstemp(tmp)) < 0) {
        err = errno;
        free(tmp);
        tmp = NULL;
        r = vt_fail(e, ZTO_E_IO, "%s: cannot create a file in %s: %s", path,
                    dir, strerror(err));
        goto out;
    }
    /* mkstemp makes 0600; a voucher is not secret, so use the usual
     * mode for new files. */
    um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) != 0 || write_all(fd, data, len) != ZTO_OK ||
        fsync(fd) != 0) {
        err = errno;
        r = vt_fail(e, ZTO_E_IO, "%s: cannot write: %s", path, strerror(err));
        goto out;
    }
    err = close(fd);
    fd = -1;
    if (err != 0) {
        r = vt_fail(e, ZTO_E_IO, "%s: cannot write: %s", path, strerror(errno));
        goto out;
    }
    if (replace) {
        if (rename(tmp, path) != 0) {
            r = vt_fail(e, ZTO_E_IO, "%s: cannot replace: %s", path,
                        strerror(errno));
            goto out;
        }
    } else if (link(tmp, path) != 0) {
        /* link() never replaces an existing file; that is the point. */
        err = errno;
        if (err == EEXIST) {
            r = vt_fail(e, ZTO_E_EXISTS,
                        "%s: already exists (not replaced; use --force)", path);
            goto out;
        }
        if (err != EPERM && err != ENOTSUP && err != EXDEV) {
            r = vt_fail(e, ZTO_E_IO, "%s: cannot create: %s", path,
                        strerror(err));
            goto out;
        }
        /* No hard links on this file system: check, then rename. */
        if (vt_path_exists(path)) {
            r = vt_fail(e, ZTO_E_EXISTS,
                        "%s: already exists (not replaced; use --force)", path);
            goto out;
        }
        if (rename(tmp, path) != 0) {
            r = vt_fail(e, ZTO_E_IO, "%s: cannot create: %s", path,
                        strerror(errno));
            goto out;
        }
    } else {
        (void)unlink(tmp);
    }
    free(tmp);
    tmp = NULL;
    sync_dir(dir);
    r = ZTO_OK;
out:
    if (fd >= 0)
        close(fd);
    if (tmp != NULL) {
        (void)unlink(tmp);
        free(tmp);
    }
    free(dir);
    return r;
}

zto_err_t
vt_out_dir_check(const char *path, struct vt_err *e)
{
    const char *base = NULL;
    char *dir = dir_of(path, &base);
    struct stat st;
    zto_err_t r = ZTO_OK;

    if (dir == NULL)
        return vt_fail(e, ZTO_E_NOMEM, "out of memory");
    if (*base == 0)
        r = vt_fail(e, ZTO_E_ARG, "%s: not a file name", path);
    else if (stat(dir, &st) != 0)
        r = vt_fail(e, ZTO_E_IO, "cannot write %s: %s: %s", path, dir,
                    strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        r = vt_fail(e, ZTO_E_IO, "cannot write %s: %s is not a directory", path,
                    dir);
    else if (access(dir, W_OK | X_OK) != 0)
        r = vt_fail(e, ZTO_E_IO, "cannot write %s: %s: %s", path, dir,
                    strerror(errno));
    free(dir);
    return r;
}

int
vt_same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    if (stat(a, &sa) != 0)
        return -1;
    if (stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool
vt_path_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

zto_err_t
vt_mkdir(const char *path, struct vt_err *e)
{
    struct stat st;
    int err;

    if (mkdir(path, 0777) == 0)
        return ZTO_OK;
    err = errno;
    if (err == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return ZTO_OK;
    if (err == EEXIST)
        return vt_fail(e, ZTO_E_IO, "%s: exists and is not a directory", path);
    return vt_fail(e, ZTO_E_IO, "%s: cannot create directory: %s", path,
                   strerror(err));
}

char *
vt_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}
