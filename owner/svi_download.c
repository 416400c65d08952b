/*
 * svi_download.c - fdo.download on the owner: send one file to the
 * device (FSIM fdo.download, docs/serviceinfo.md).
 *
 *   owner:  active = true, name, length, sha-384, data x n
 *   device: active = true, done = bytes written (or -1)
 *
 * Plan parameters: src (file on the owner; relative names are under the
 * configured svi_dir) and name (where the device puts it). The file's
 * length and SHA-384 are taken when the step starts; every data value
 * is read from the file at the offset reached so far, so the session
 * keeps only numbers, never file contents. Data values are at most
 * 1014 bytes (the FSIM text's limit) and as many as fit go into each
 * OwnerServiceInfo. A `done` other than the length fails TO2.
 *
 * State: u[0] phase, u[1] bytes sent, u[2] length; blob = SHA-384.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svi_int.h"

#define MOD "fdo.download"
#define CHUNK_MAX 1014
#define PATH_CAP 1024

enum dl_phase { DL_HEADER = 0, DL_DATA, DL_WAIT_DONE, DL_FINISHED };

static zto_err_t
src_path(struct svi_run *run, char *path, size_t cap)
{
    zto_err_t r = svi_param_path(run, "src", path, cap);

    if (r == ZTO_E_NOT_FOUND) {
        snprintf(run->why, run->whycap, "download step without src");
        return ZTO_E_CONFIG;
    }
    return r;
}

static zto_err_t
check(const uint8_t *params, size_t len, char *err, size_t errcap)
{
    char v[PATH_CAP];

    if (svi_param_str(params, len, "src", v, sizeof(v)) != ZTO_OK ||
        v[0] == '\0') {
        snprintf(err, errcap, "download needs src (a file on the owner)");
        return ZTO_E_CONFIG;
    }
    if (svi_param_str(params, len, "name", v, sizeof(v)) != ZTO_OK ||
        v[0] == '\0') {
        snprintf(err, errcap, "download needs name (the file on the device)");
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}

static zto_err_t
start(struct svi_run *run)
{
    struct svi_step *st = run->st;
    char path[PATH_CAP];
    struct zto_hash_buf h;
    struct stat sb;
    uint64_t total = 0;
    zto_err_t r;
    int fd;

    if ((r = src_path(run, path, sizeof(path))) != ZTO_OK)
        return r;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(run->why, run->whycap, "download source %s: %s", path,
                 strerror(errno));
        return ZTO_E_IO;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(run->why, run->whycap, "download source %s: not a file", path);
        close(fd);
        return ZTO_E_IO;
    }
    r = svi_hash_fd(fd, &h, &total);
    close(fd);
    if (r != ZTO_OK) {
        snprintf(run->why, run->whycap, "download source %s: read failed",
                 path);
        return r;
    }
    st->u[0] = DL_HEADER;
    st->u[1] = 0;
    st->u[2] = total;
    memcpy(st->blob, h.value, h.len);
    st->blob_len = h.len;
    return ZTO_OK;
}

static zto_err_t
receive(struct svi_run *run, const char *message, const uint8_t *val,
        size_t len)
{
    struct svi_step *st = run->st;
    struct zto_cbor_dec d;
    int64_t done;

    if (strcmp(message, "done") != 0)
        return ZTO_OK; /* nothing else is defined device -> owner */
    zto_cbor_dec_init(&d, val, len);
    if (zto_cbor_get_int(&d, &done) != ZTO_OK ||
        zto_cbor_dec_finish(&d) != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ":done is not an integer");
        return ZTO_E_SVI;
    }
    if (done < 0) {
        snprintf(run->why, run->whycap,
                 MOD ": device reported failure (done = %lld): hash "
                     "mismatch or write error",
                 (long long)done);
        return ZTO_E_SVI;
    }
    if (st->u[0] != DL_WAIT_DONE || (uint64_t)done != st->u[2]) {
        snprintf(run->why, run->whycap, MOD ": device wrote %lld bytes of %llu",
                 (long long)done, (unsigned long long)st->u[2]);
        return ZTO_E_SVI;
    }
    st->u[0] = DL_FINISHED;
    return ZTO_OK;
}

/* name, length, sha-384: all in the same message. */
static zto_err_t
header(struct svi_run *run, struct svi_out *out, bool *full)
{
    struct svi_step *st = run->st;
    char name[PATH_CAP];
    uint8_t v[PATH_CAP + 16];
    struct zto_cbor_enc e;
    size_t nl = 0, ll = 0, hl = 0, need;
    uint8_t lenv[9], hashv[50];
    zto_err_t r;

    if ((r = svi_param_str(st->params, st->params_len, "name", name,
                           sizeof(name))) != ZTO_OK) {
        snprintf(run->why, run->whycap, "download step without name");
        return ZTO_E_CONFIG;
    }
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_cstr(&e, name);
    if ((r = zto_cbor_enc_finish(&e, &nl)) != ZTO_OK)
        return r;
    zto_cbor_enc_init(&e, lenv, sizeof(lenv));
    zto_cbor_put_uint(&e, st->u[2]);
    if ((r = zto_cbor_enc_finish(&e, &ll)) != ZTO_OK)
        return r;
    zto_cbor_enc_init(&e, hashv, sizeof(hashv));
    zto_cbor_put_bstr(&e, st->blob, st->blob_len);
    if ((r = zto_cbor_enc_finish(&e, &hl)) != ZTO_OK)
        return r;
    need = zto_svi_kv_size(MOD, "name", nl) +
           zto_svi_kv_size(MOD, "length", ll) +
           zto_svi_kv_size(MOD, "sha-384", hl);
    if (svi_out_room(out, MOD, "name") < need) {
        *full = true;
        return ZTO_OK;
    }
    if ((r = svi_out_put(out, MOD, "name", v, nl)) != ZTO_OK ||
        (r = svi_out_put(out, MOD, "length", lenv, ll)) != ZTO_OK ||
        (r = svi_out_put(out, MOD, "sha-384", hashv, hl)) != ZTO_OK) {
        *full = true;
        return r == ZTO_E_BUF_TOO_SMALL ? ZTO_OK : r;
    }
    st->u[0] = DL_DATA;
    return ZTO_OK;
}

/* As many data values as fit. */
static zto_err_t
data(struct svi_run *run, struct svi_out *out, bool *full)
{
    struct svi_step *st = run->st;
    char path[PATH_CAP];
    uint8_t v[CHUNK_MAX + 3];
    size_t room, chunk, hl;
    uint64_t left;
    ssize_t n;
    zto_err_t r = ZTO_OK;
    int fd = -1;

    for (;;) {
        left = st->u[2] - st->u[1];
        room = svi_out_room(out, MOD, "data");
        if (room < (left > 0 ? 2u : 1u)) {
            *full = true;
            break;
        }
        chunk = left < CHUNK_MAX ? (size_t)left : CHUNK_MAX;
        if (chunk + zto_cbor_head_len(chunk) > room)
            chunk = room - zto_cbor_head_len(room);
        hl = zto_cbor_head_len(chunk);
        if (chunk > 0) {
            if (fd < 0) {
                if ((r = src_path(run, path, sizeof(path))) != ZTO_OK)
                    break;
                if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
                    snprintf(run->why, run->whycap, "download source %s: %s",
                             path, strerror(errno));
                    r = ZTO_E_IO;
                    break;
                }
            }
            n = pread(fd, v + hl, chunk, (off_t)st->u[1]);
            if (n != (ssize_t)chunk) {
                snprintf(run->why, run->whycap,
                         "download source %s changed while sending", path);
                r = ZTO_E_IO;
                break;
            }
        }
        /* The value is the CBOR bstr holding the chunk. */
        {
            struct zto_cbor_enc e;
            size_t w = 0;
            zto_cbor_enc_init(&e, v, hl);
            zto_cbor_put_bstr_head(&e, chunk);
            if ((r = zto_cbor_enc_finish(&e, &w)) != ZTO_OK)
                break;
        }
        if ((r = svi_out_put(out, MOD, "data", v, hl + chunk)) != ZTO_OK) {
            if (r == ZTO_E_BUF_TOO_SMALL) {
                *full = true;
                r = ZTO_OK;
            }
            break;
        }
        st->u[1] += chunk;
        /* An empty file still gets one (empty) data value. */
        if (st->u[1] == st->u[2]) {
            st->u[0] = DL_WAIT_DONE;
            break;
        }
    }
    if (fd >= 0)
        close(fd);
    return r;
}

static zto_err_t
produce(struct svi_run *run, struct svi_out *out, bool *more, bool *done)
{
    struct svi_step *st = run->st;
    bool full = false;
    zto_err_t r = ZTO_OK;

    *more = false;
    *done = false;
    if (st->u[0] == DL_HEADER && (r = header(run, out, &full)) != ZTO_OK)
        return r;
    if (!full && st->u[0] == DL_DATA && (r = data(run, out, &full)) != ZTO_OK)
        return r;
    if (st->u[0] == DL_DATA || st->u[0] == DL_HEADER) {
        /* The rest of the file must arrive before the device answers. */
        *more = out->count > 0;
        if (out->count == 0 && full) {
            snprintf(run->why, run->whycap,
                     MOD ": the device's ServiceInfo size is too small "
                         "for a single chunk");
            return ZTO_E_LIMIT;
        }
    }
    *done = st->u[0] == DL_FINISHED;
    return ZTO_OK;
}

const struct svi_kind svi_kind_download = {
    "download", MOD, check, start, receive, produce,
};
