/*
 * incoming.c - a file arriving into a module's directory, shared by
 * fdo.download and fdo.wget: written to a temporary file next to its
 * final name (so the rename stays on one file system) while SHA-384
 * runs over it, then checked, fsync'ed and renamed into place, or
 * removed. A file is there whole or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zto_posix_modules.h"
#include "zto_posix_port.h"
#include "zto/zto_util.h"

void
zto_posix_incoming_init(struct zto_posix_incoming *f)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
}

void
zto_posix_incoming_discard(struct zto_posix_incoming *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->tmp[0] != '\0')
        (void)unlink(f->tmp);
    f->tmp[0] = '\0';
    if (f->hashing)
        zto_digest_abort(&f->dg);
    f->hashing = false;
}

const char *
zto_posix_incoming_open(struct zto_posix_incoming *f, const char *dir,
                        const char *name, size_t n)
{
    char *slash;
    int len;

    zto_posix_incoming_discard(f);
    len = snprintf(f->final, sizeof(f->final), "%s/%.*s", dir, (int)n, name);
    if (len < 0 || (size_t)len >= sizeof(f->final) ||
        !zto_posix_make_parents(dir, f->final))
        return "cannot create the target directory";
    slash = strrchr(f->final, '/');
    len = snprintf(f->tmp, sizeof(f->tmp), "%.*s/.%s.XXXXXX",
                   (int)(slash - f->final), f->final, slash + 1);
    if (len < 0 || (size_t)len >= sizeof(f->tmp)) {
        f->tmp[0] = '\0';
        return "name too long";
    }
    if ((f->fd = mkstemp(f->tmp)) < 0) {
        f->tmp[0] = '\0';
        return "cannot create a temporary file";
    }
    if (zto_digest_start(&f->dg, ZTO_HASH_SHA384) != ZTO_OK)
        return "cannot hash";
    f->hashing = true;
    return NULL;
}

const char *
zto_posix_incoming_write(struct zto_posix_incoming *f, const uint8_t *p,
                         size_t n)
{
    size_t off;
    ssize_t k;

    for (off = 0; off < n; off += (size_t)k)
        if ((k = write(f->fd, p + off, n - off)) <= 0)
            return "write failed";
    if (zto_digest_update(&f->dg, p, n) != ZTO_OK)
        return "cannot hash";
    return NULL;
}

const char *
zto_posix_incoming_keep(struct zto_posix_incoming *f, const uint8_t *sha)
{
    struct zto_hash_buf h;
    int fd = f->fd;
    char *slash;
    zto_err_t r;

    f->hashing = false;
    if (zto_digest_finish(&f->dg, &h) != ZTO_OK)
        return "cannot hash";
    if (sha != NULL && !zto_ct_equal(h.value, sha, 48))
        return "SHA-384 mismatch";
    f->fd = -1;
    if (fsync(fd) != 0) {
        close(fd);
        return "write failed";
    }
    if (close(fd) != 0)
        return "write failed";
    if (rename(f->tmp, f->final) != 0)
        return "rename failed";
    f->tmp[0] = '\0';
    /* The file is in place; a directory that cannot be synced only puts
     * its durability at stake, and is not reported. */
    slash = strrchr(f->final, '/');
    *slash = '\0';
    r = zto_dir_sync(f->final);
    *slash = '/';
    (void)r;
    return NULL;
}
