/*
 * mod_download.c - fdo.download on a POSIX device (FSIM fdo.download,
 * docs/serviceinfo.md): files from the owner into a download directory.
 *
 *   owner:  name, length, sha-384 (optional), data x n
 *   device: done = bytes written, or -1 (hash mismatch, write failure)
 *
 * Names are relative to the configured directory; absolute names, ".."
 * and "." components are refused (done = -1) so an owner cannot write
 * outside it; missing parent directories below it are created. Data go
 * to a temporary file in the target's directory (mode 0600), which is
 * fsync'ed and renamed over the target only when length and SHA-384
 * match, and the directory is fsync'ed: the target is either the old
 * file or the complete new one. A transfer not finished when TO2 ends
 * is removed. Without `length` (streaming mode) an empty data value
 * ends the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zto/zto_cbor.h"
#include "zto/zto_codec.h"
#include "zto/zto_util.h"
#include "zto_posix_modules.h"
#include "zto_posix_port.h"

static void
discard(struct zto_posix_download *d)
{
    zto_posix_incoming_discard(&d->in);
}

static void
fail(struct zto_posix_download *d, const char *why)
{
    discard(d);
    d->done_pending = true;
    d->done_value = -1;
    snprintf(d->last_error, sizeof(d->last_error), "%s", why);
}

bool
zto_posix_name_ok(const char *p, size_t n)
{
    size_t i = 0, c;

    if (n == 0 || p[0] == '/' || memchr(p, '\0', n) != NULL)
        return false;
    while (i < n) {
        for (c = 0; i + c < n && p[i + c] != '/'; c++)
            ;
        if (c == 0 || (c == 1 && p[i] == '.') ||
            (c == 2 && p[i] == '.' && p[i + 1] == '.'))
            return false;
        i += c + 1;
    }
    return p[n - 1] != '/';
}

bool
zto_posix_make_parents(const char *dir, char *path)
{
    size_t base = strlen(dir) + 1, i;

    for (i = base; path[i] != '\0'; i++) {
        if (path[i] != '/')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            path[i] = '/';
            return false;
        }
        path[i] = '/';
    }
    return true;
}

static void
start_file(struct zto_posix_download *d, const uint8_t *name, size_t n)
{
    const char *why;

    discard(d);
    d->have_length = d->have_sha = false;
    d->length = d->written = 0;
    d->active = false;
    if (!zto_posix_name_ok((const char *)name, n)) {
        fail(d, "name outside the download directory");
        return;
    }
    if ((why = zto_posix_incoming_open(&d->in, d->dir, (const char *)name,
                                       n)) != NULL) {
        fail(d, why);
        return;
    }
    d->active = true;
}

static void
finish_file(struct zto_posix_download *d)
{
    const char *why;

    if (d->have_length && d->written != d->length) {
        fail(d, "length mismatch");
        return;
    }
    if ((why = zto_posix_incoming_keep(&d->in, d->have_sha ? d->sha : NULL)) !=
        NULL) {
        fail(d, why);
        return;
    }
    d->active = false;
    d->done_pending = true;
    d->done_value = (int64_t)d->written;
    d->files++;
    snprintf(d->last_file, sizeof(d->last_file), "%s", d->in.final);
}

static void
data(struct zto_posix_download *d, const uint8_t *p, size_t n)
{
    const char *why;

    if (!d->active)
        return; /* after a failure: wait for the next name */
    if (d->have_length && d->written + n > d->length) {
        fail(d, "more data than the announced length");
        return;
    }
    if ((why = zto_posix_incoming_write(&d->in, p, n)) != NULL) {
        fail(d, why);
        return;
    }
    d->written += n;
    if ((d->have_length && d->written == d->length) ||
        (!d->have_length && n == 0))
        finish_file(d);
}

/* A value that does not decode: TO2 fails, saying which. */
static zto_err_t
bad_value(struct zto_posix_download *d, zto_err_t r, const char *what)
{
    snprintf(d->last_error, sizeof(d->last_error), "fdo.download:%s", what);
    return r;
}

static const char *
dl_why(void *ctx)
{
    const struct zto_posix_download *d = ctx;

    return d->last_error;
}

static zto_err_t
dl_receive(void *ctx, const char *message, size_t mlen, const uint8_t *val,
           size_t len)
{
    struct zto_posix_download *d = ctx;
    struct zto_cbor_dec c;
    struct zto_bytes b;
    uint64_t u;
    zto_err_t r;

    zto_cbor_dec_init(&c, val, len);
    if (mlen == 4 && memcmp(message, "name", 4) == 0) {
        if ((r = zto_cbor_get_tstr(&c, &b)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&c)) != ZTO_OK)
            return bad_value(d, r, "name is not a text string");
        start_file(d, b.p, b.len);
    } else if (mlen == 6 && memcmp(message, "length", 6) == 0) {
        if ((r = zto_cbor_get_uint(&c, &u)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&c)) != ZTO_OK)
            return bad_value(d, r, "length is not an unsigned integer");
        d->have_length = true;
        d->length = u;
        /* An empty file has no data value to finish it. */
    } else if (mlen == 7 && memcmp(message, "sha-384", 7) == 0) {
        if ((r = zto_cbor_get_bstr_fixed(&c, d->sha, sizeof(d->sha))) !=
                ZTO_OK ||
            (r = zto_cbor_dec_finish(&c)) != ZTO_OK)
            return bad_value(d, r, "sha-384 is not 48 bytes");
        d->have_sha = true;
    } else if (mlen == 4 && memcmp(message, "data", 4) == 0) {
        if ((r = zto_cbor_get_bstr(&c, &b)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&c)) != ZTO_OK)
            return bad_value(d, r, "data is not a byte string");
        data(d, b.p, b.len);
    }
    /* Other messages are not defined for the device; ignore them. */
    return ZTO_OK;
}

static zto_err_t
dl_produce(void *ctx, struct zto_svi_out *out, bool *more)
{
    struct zto_posix_download *d = ctx;
    uint8_t v[16];
    struct zto_cbor_enc e;
    size_t n = 0;
    zto_err_t r;

    *more = false;
    if (!d->done_pending)
        return ZTO_OK;
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_int(&e, d->done_value);
    if ((r = zto_cbor_enc_finish(&e, &n)) != ZTO_OK)
        return r;
    r = zto_svi_out_put(out, "fdo.download", "done", v, n);
    if (r == ZTO_E_BUF_TOO_SMALL) {
        *more = true;
        return ZTO_OK;
    }
    if (r == ZTO_OK)
        d->done_pending = false;
    return r;
}

static void
dl_finish(void *ctx, bool done)
{
    struct zto_posix_download *d = ctx;

    (void)done;
    discard(d);
    d->active = false;
    d->done_pending = false;
}

zto_err_t
zto_posix_download_init(struct zto_posix_download *d, const char *dir,
                        struct zto_svi_module *m)
{
    memset(d, 0, sizeof(*d));
    zto_posix_incoming_init(&d->in);
    if (zto_dir_copy(d->dir, sizeof(d->dir), 2, dir) != ZTO_OK)
        return ZTO_E_ARG;
    *m = (struct zto_svi_module){.name = "fdo.download",
                                 .receive = dl_receive,
                                 .produce = dl_produce,
                                 .finish = dl_finish,
                                 .why = dl_why,
                                 .ctx = d};
    return ZTO_OK;
}

void
zto_posix_download_free(struct zto_posix_download *d)
{
    if (d == NULL)
        return;
    discard(d);
}
