/*
 * mod_upload.c - fdo.upload on a POSIX device (FSIM fdo.upload,
 * docs/serviceinfo.md): send a file to the owner.
 *
 *   owner:  need-sha (bool, optional), name (tstr: starts the transfer)
 *   device: length (uint), data (bstr) x n, sha-384 (48 bytes, when
 *           need-sha was true)
 *
 * Names are relative to the module's directory. Unless `anywhere` is
 * set, absolute names and ".." components are refused, and so is a file
 * whose real path (symbolic links resolved) is outside the directory.
 * Only regular files are sent. The length is taken when the transfer
 * starts; data values (at most 1014 bytes, the FSIM's size, as many as
 * the negotiated size allows in each message) are read at the offset
 * reached, so a file that shrinks meanwhile fails TO2 instead of
 * sending something else. An empty file still gets one empty data
 * value. The FSIM has no message for "cannot send it": a missing or
 * refused file fails TO2 with an ErrorMessage whose text names it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zto/zto_cbor.h"
#include "zto/zto_codec.h"
#include "zto_posix_modules.h"
#include "zto_posix_port.h"

#define MOD "fdo.upload"
#define CHUNK_MAX 1014

static zto_err_t failed(struct zto_posix_upload *u, zto_err_t r,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static zto_err_t
failed(struct zto_posix_upload *u, zto_err_t r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(u->last_error, sizeof(u->last_error), fmt, ap);
    va_end(ap);
    return r;
}

static void
stop(struct zto_posix_upload *u)
{
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
    if (u->hashing)
        zto_digest_abort(&u->dg);
    u->hashing = false;
    u->sending = u->length_sent = false;
    u->length = u->sent = 0;
}

/* No ".." component (and not empty). */
static bool
no_dotdot(const char *p)
{
    size_t c;

    while (*p != '\0') {
        c = strcspn(p, "/");
        if (c == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += c;
        while (*p == '/')
            p++;
    }
    return true;
}

/* The file's real path is dir itself or below it. */
static bool
inside(const char *dir, const char *path)
{
    char rd[PATH_MAX], rp[PATH_MAX];
    size_t n;

    if (realpath(dir, rd) == NULL || realpath(path, rp) == NULL)
        return false;
    n = strlen(rd);
    if (n == 1 && rd[0] == '/')
        return true;
    return strncmp(rd, rp, n) == 0 && rp[n] == '/';
}

static zto_err_t
start(struct zto_posix_upload *u, const uint8_t *name, size_t n)
{
    struct stat st;
    int len;

    if (n == 0 || n >= PATH_MAX || memchr(name, '\0', n) != NULL)
        return failed(u, ZTO_E_RANGE,
                      MOD ":name is empty, too long or has "
                          "a NUL");
    if (name[0] == '/' && u->anywhere)
        len = snprintf(u->path, sizeof(u->path), "%.*s", (int)n,
                       (const char *)name);
    else
        len = snprintf(u->path, sizeof(u->path), "%s/%.*s", u->dir, (int)n,
                       (const char *)name);
    if (len < 0 || (size_t)len >= sizeof(u->path))
        return failed(u, ZTO_E_RANGE, MOD ": %.60s: name too long",
                      (const char *)name);
    if (!u->anywhere &&
        (name[0] == '/' || !no_dotdot(u->path + strlen(u->dir))))
        return failed(u, ZTO_E_POLICY,
                      MOD ": %.*s: outside the upload directory (refused)",
                      (int)(n > 80 ? 80 : n), (const char *)name);
    if ((u->fd = open(u->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) <
        0)
        return failed(u, ZTO_E_NOT_FOUND, MOD ": %.*s: %s",
                      (int)(n > 80 ? 80 : n), (const char *)name,
                      strerror(errno));
    if (fstat(u->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        stop(u);
        return failed(u, ZTO_E_IO, MOD ": %.*s: not a regular file",
                      (int)(n > 80 ? 80 : n), (const char *)name);
    }
    if (!u->anywhere && !inside(u->dir, u->path)) {
        stop(u);
        return failed(u, ZTO_E_POLICY,
                      MOD ": %.*s: leads outside the upload directory "
                          "(refused)",
                      (int)(n > 80 ? 80 : n), (const char *)name);
    }
    if (zto_digest_start(&u->dg, ZTO_HASH_SHA384) != ZTO_OK) {
        stop(u);
        return failed(u, ZTO_E_CRYPTO, MOD ": cannot hash");
    }
    u->hashing = true;
    u->length = (uint64_t)st.st_size;
    u->sent = 0;
    u->sending = true;
    u->length_sent = false;
    return ZTO_OK;
}

static zto_err_t
up_receive(void *ctx, const char *message, size_t mlen, const uint8_t *val,
           size_t len)
{
    struct zto_posix_upload *u = ctx;
    struct zto_cbor_dec d;
    struct zto_bytes t;
    bool on = false;
    zto_err_t r;

    zto_cbor_dec_init(&d, val, len);
    if (mlen == 8 && memcmp(message, "need-sha", 8) == 0) {
        if ((r = zto_cbor_get_bool(&d, &on)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
            return failed(u, r, MOD ":need-sha is not a bool");
        u->need_sha = on;
    } else if (mlen == 4 && memcmp(message, "name", 4) == 0) {
        if ((r = zto_cbor_get_tstr(&d, &t)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
            return failed(u, r, MOD ":name is not a text string");
        if (u->sending)
            return failed(u, ZTO_E_PROTO,
                          MOD ": a new name while a file is being sent");
        return start(u, t.p, t.len);
    }
    /* Other messages are not defined for the device: ignored. */
    return ZTO_OK;
}

static zto_err_t
put_uint(struct zto_svi_out *out, const char *message, uint64_t v)
{
    uint8_t b[16];
    struct zto_cbor_enc e;
    size_t n = 0;
    zto_err_t r;

    zto_cbor_enc_init(&e, b, sizeof(b));
    zto_cbor_put_uint(&e, v);
    if ((r = zto_cbor_enc_finish(&e, &n)) != ZTO_OK)
        return r;
    return zto_svi_out_put(out, MOD, message, b, n);
}

static zto_err_t
up_produce(void *ctx, struct zto_svi_out *out, bool *more)
{
    struct zto_posix_upload *u = ctx;
    uint8_t data[CHUNK_MAX], v[CHUNK_MAX + 3];
    struct zto_cbor_enc e;
    struct zto_hash_buf h;
    size_t room, chunk, w = 0;
    uint64_t left;
    ssize_t n;
    zto_err_t r;

    *more = false;
    if (!u->sending)
        return ZTO_OK;
    if (!u->length_sent) {
        r = put_uint(out, "length", u->length);
        if (r == ZTO_E_BUF_TOO_SMALL) {
            *more = true;
            return ZTO_OK;
        }
        if (r != ZTO_OK)
            return r;
        u->length_sent = true;
        /* At least one data value, even for an empty file: the loop runs
         * once with left == 0. */
        u->sent = 0;
    }
    while (u->fd >= 0) {
        left = u->length - u->sent;
        room = zto_svi_out_room(out, MOD, "data");
        if (room < (left > 0 ? 2u : 1u)) {
            *more = true;
            return ZTO_OK;
        }
        chunk = room - zto_cbor_head_len(room);
        if (chunk > CHUNK_MAX)
            chunk = CHUNK_MAX;
        if (chunk > left)
            chunk = (size_t)left;
        n = 0;
        if (chunk > 0) {
            do
                n = pread(u->fd, data, chunk, (off_t)u->sent);
            while (n < 0 && errno == EINTR);
            if (n <= 0) {
                r = failed(u, ZTO_E_IO,
                           MOD ": %.80s shrank or cannot be read while "
                               "being sent",
                           u->path);
                stop(u);
                return r;
            }
        }
        zto_cbor_enc_init(&e, v, sizeof(v));
        zto_cbor_put_bstr(&e, data, (size_t)n);
        if ((r = zto_cbor_enc_finish(&e, &w)) != ZTO_OK ||
            (r = zto_svi_out_put(out, MOD, "data", v, w)) != ZTO_OK)
            return r; /* cannot happen: room was checked */
        if ((r = zto_digest_update(&u->dg, data, (size_t)n)) != ZTO_OK)
            return failed(u, r, MOD ": cannot hash");
        u->sent += (uint64_t)n;
        if (u->sent == u->length) {
            close(u->fd);
            u->fd = -1;
        }
    }
    if (u->need_sha) {
        uint8_t hv[64];

        if (zto_svi_out_room(out, MOD, "sha-384") < 50) {
            *more = true;
            return ZTO_OK;
        }
        u->hashing = false;
        if ((r = zto_digest_finish(&u->dg, &h)) != ZTO_OK)
            return failed(u, r, MOD ": cannot hash");
        zto_cbor_enc_init(&e, hv, sizeof(hv));
        zto_cbor_put_bstr(&e, h.value, h.len);
        if ((r = zto_cbor_enc_finish(&e, &w)) != ZTO_OK ||
            (r = zto_svi_out_put(out, MOD, "sha-384", hv, w)) != ZTO_OK)
            return r;
    }
    u->files++;
    snprintf(u->last_file, sizeof(u->last_file), "%s", u->path);
    stop(u);
    return ZTO_OK;
}

static void
up_finish(void *ctx, bool done)
{
    struct zto_posix_upload *u = ctx;

    (void)done;
    stop(u);
    u->need_sha = false;
}

static const char *
up_why(void *ctx)
{
    const struct zto_posix_upload *u = ctx;

    return u->last_error;
}

zto_err_t
zto_posix_upload_init(struct zto_posix_upload *u, const char *dir,
                      struct zto_svi_module *m)
{
    memset(u, 0, sizeof(*u));
    u->fd = -1;
    if (zto_dir_copy(u->dir, sizeof(u->dir), 2, dir) != ZTO_OK)
        return ZTO_E_ARG;
    *m = (struct zto_svi_module){.name = MOD,
                                 .receive = up_receive,
                                 .produce = up_produce,
                                 .finish = up_finish,
                                 .why = up_why,
                                 .ctx = u};
    return ZTO_OK;
}

void
zto_posix_upload_free(struct zto_posix_upload *u)
{
    if (u == NULL)
        return;
    stop(u);
}
