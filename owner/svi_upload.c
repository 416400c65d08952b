/*
 * svi_upload.c - fdo.upload on the owner: fetch a file from the device
 * and keep it (FSIM fdo.upload, docs/serviceinfo.md).
 *
 *   owner:  active = true, need-sha = true, name
 *   device: length, data x n, sha-384
 *
 * Plan parameters (text): name (the file on the device; "$(guid)"
 * becomes the device's GUID in hex) and dest (where to keep it,
 * relative, default the last component of name). The file lands in
 * svi_upload_dir/GUID/dest, GUID being the one the device used in this
 * TO2 (its voucher's GUID before any replacement). It is written to a
 * hidden part file in svi_upload_dir/GUID (mode 0600), at the offset
 * each data value says, so the session keeps only numbers; once the
 * device's SHA-384 matches the part file's it is fsync'ed and renamed
 * over dest (then the directory is fsync'ed). A file larger than
 * svi_upload_max, more data than the length, or a hash mismatch fails
 * TO2 and the part file is removed: nothing is kept. Part files left by
 * sessions that died are removed by the next upload step of the same
 * device once they are older than the session lifetime.
 *
 * State: u[0] phase, u[1] length, u[2] bytes received, u[3] the part
 * file's random name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svi_int.h"

#define MOD "fdo.upload"
#define PATH_CAP 1024
#define PART_PREFIX ".upload-"

enum up_phase {
    UP_NEED_SHA = 0, /* need-sha to send */
    UP_NAME,         /* name to send */
    UP_LENGTH,       /* waiting for length */
    UP_DATA,         /* receiving data, then sha-384 */
    UP_FINISHED
};

/* A relative path of non-empty components other than "." and "..",
 * none starting with PART_PREFIX. */
static bool
dest_ok(const char *p)
{
    size_t c;

    if (*p == '\0' || *p == '/')
        return false;
    while (*p != '\0') {
        c = strcspn(p, "/");
        if (c == 0 || (c == 1 && p[0] == '.') ||
            (c == 2 && p[0] == '.' && p[1] == '.') ||
            strncmp(p, PART_PREFIX, strlen(PART_PREFIX)) == 0)
            return false;
        p += c;
        if (*p == '/' && *++p == '\0')
            return false;
    }
    return true;
}

/* dest, or the last component of name. */
static zto_err_t
dest_of(const uint8_t *params, size_t len, char *out, size_t cap)
{
    char name[PATH_CAP];
    const char *base;
    zto_err_t r;

    r = svi_param_str(params, len, "dest", out, cap);
    if (r != ZTO_E_NOT_FOUND)
        return r;
    if ((r = svi_param_str(params, len, "name", name, sizeof(name))) != ZTO_OK)
        return r;
    base = strrchr(name, '/');
    base = base != NULL ? base + 1 : name;
    if (strlen(base) >= cap)
        return ZTO_E_TOO_BIG;
    snprintf(out, cap, "%s", base);
    return ZTO_OK;
}

static zto_err_t
check(const uint8_t *params, size_t len, char *err, size_t errcap)
{
    struct zto_cbor_dec d;
    struct zto_bytes k, v;
    char dest[PATH_CAP];
    size_t n, i;

    zto_cbor_dec_init(&d, params, len);
    if (zto_cbor_get_map(&d, &n) != ZTO_OK)
        goto bad;
    for (i = 0; i < n; i++) {
        if (zto_cbor_get_tstr(&d, &k) != ZTO_OK ||
            zto_cbor_get_tstr(&d, &v) != ZTO_OK)
            goto bad;
        if (!((k.len == 4 && memcmp(k.p, "name", 4) == 0) ||
              (k.len == 4 && memcmp(k.p, "dest", 4) == 0))) {
            snprintf(err, errcap,
                     "upload: unknown parameter \"%.*s\" (name, dest)",
                     (int)(k.len > 40 ? 40 : k.len), (const char *)k.p);
            return ZTO_E_CONFIG;
        }
    }
    if (svi_param_str(params, len, "name", dest, sizeof(dest)) != ZTO_OK ||
        dest[0] == '\0') {
        snprintf(err, errcap, "upload needs name (the file on the device)");
        return ZTO_E_CONFIG;
    }
    if (dest_of(params, len, dest, sizeof(dest)) != ZTO_OK || !dest_ok(dest)) {
        snprintf(err, errcap,
                 "upload: dest must be a relative path without \".\" or "
                 "\"..\" components (and name must end in a file name "
                 "when there is no dest)");
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
bad:
    snprintf(err, errcap, "upload: parameters must be text");
    return ZTO_E_CONFIG;
}

/* svi_upload_dir/GUID[/tail] */
static zto_err_t
dev_path(const struct svi_run *run, const char *tail, char *out, size_t cap)
{
    char g[33];
    int n;

    n = snprintf(out, cap, "%s/%s%s%s", run->o->svi_upload_dir,
                 owner_guid_hex(run->guid, g), tail != NULL ? "/" : "",
                 tail != NULL ? tail : "");
    return n > 0 && (size_t)n < cap ? ZTO_OK : ZTO_E_TOO_BIG;
}

static zto_err_t
part_path(const struct svi_run *run, char *out, size_t cap)
{
    char tail[64];

    snprintf(tail, sizeof(tail), PART_PREFIX "%016" PRIx64 ".part",
             run->st->u[3]);
    return dev_path(run, tail, out, cap);
}

static void
drop_part(const struct svi_run *run)
{
    char p[PATH_CAP];

    if (part_path(run, p, sizeof(p)) == ZTO_OK)
        (void)unlink(p);
}

static zto_err_t
fail(struct svi_run *run, zto_err_t r, const char *what)
{
    char g[33];

    drop_part(run);
    snprintf(run->why, run->whycap, MOD ": %s; nothing kept", what);
    owner_logf(run->o, OWNER_LOG_ERR, "GUID %s: %s",
               owner_guid_hex(run->guid, g), run->why);
    return r;
}

/* Part files of dead sessions of this device. */
static void
sweep(const struct svi_run *run)
{
    char dir[PATH_CAP], p[PATH_CAP];
    struct dirent *de;
    struct stat sb;
    int64_t now = owner_now(run->o);
    DIR *dp;

    if (dev_path(run, NULL, dir, sizeof(dir)) != ZTO_OK ||
        (dp = opendir(dir)) == NULL)
        return;
    while ((de = readdir(dp)) != NULL) {
        if (strncmp(de->d_name, PART_PREFIX, strlen(PART_PREFIX)) != 0 ||
            snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p))
            continue;
        if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
            (int64_t)sb.st_mtime + (int64_t)run->o->session_ttl < now)
            (void)unlink(p);
    }
    closedir(dp);
}

static zto_err_t
start(struct svi_run *run)
{
    struct svi_step *st = run->st;
    struct stat sb;
    uint8_t rnd[8];
    zto_err_t r;
    int i;

    if (run->o->svi_upload_dir[0] == '\0') {
        snprintf(run->why, run->whycap,
                 MOD ": svi_upload_dir is not set: uploads have nowhere to "
                     "go");
        return ZTO_E_CONFIG;
    }
    if (stat(run->o->svi_upload_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(run->why, run->whycap,
                 MOD ": svi_upload_dir %.100s is not a directory",
                 run->o->svi_upload_dir);
        return ZTO_E_CONFIG;
    }
    memset(st->u, 0, sizeof(st->u));
    st->blob_len = 0;
    if ((r = zto_random(rnd, sizeof(rnd))) != ZTO_OK)
        return r;
    for (i = 0; i < 8; i++)
        st->u[3] = st->u[3] << 8 | rnd[i];
    st->u[0] = UP_NEED_SHA;
    sweep(run);
    return ZTO_OK;
}

/* The device's file name, "$(guid)" replaced. */
static zto_err_t
device_name(const struct svi_run *run, char *out, size_t cap)
{
    char name[PATH_CAP];
    zto_err_t r;

    if ((r = svi_param_str(run->st->params, run->st->params_len, "name", name,
                           sizeof(name))) != ZTO_OK)
        return r;
    return svi_subst_guid(name, run->guid, out, cap);
}

static zto_err_t
produce(struct svi_run *run, struct svi_out *out, bool *more, bool *done)
{
    struct svi_step *st = run->st;
    static const uint8_t cbor_true = 0xf5;
    char name[PATH_CAP];
    uint8_t v[PATH_CAP + 8];
    struct zto_cbor_enc e;
    size_t n = 0;
    zto_err_t r;

    *more = false;
    *done = st->u[0] == UP_FINISHED;
    if (st->u[0] == UP_NEED_SHA) {
        r = svi_out_put(out, MOD, "need-sha", &cbor_true, 1);
        if (r == ZTO_E_BUF_TOO_SMALL)
            goto full;
        if (r != ZTO_OK)
            return r;
        st->u[0] = UP_NAME;
    }
    if (st->u[0] == UP_NAME) {
        if ((r = device_name(run, name, sizeof(name))) != ZTO_OK) {
            snprintf(run->why, run->whycap, MOD ": name too long");
            return r;
        }
        zto_cbor_enc_init(&e, v, sizeof(v));
        zto_cbor_put_cstr(&e, name);
        if ((r = zto_cbor_enc_finish(&e, &n)) != ZTO_OK)
            return r;
        r = svi_out_put(out, MOD, "name", v, n);
        if (r == ZTO_E_BUF_TOO_SMALL)
            goto full;
        if (r != ZTO_OK)
            return r;
        st->u[0] = UP_LENGTH;
    }
    return ZTO_OK;
full:
    if (out->count == 0) {
        snprintf(run->why, run->whycap,
                 MOD ": the request does not fit the device's ServiceInfo "
                     "size");
        return ZTO_E_LIMIT;
    }
    *more = true; /* need-sha and name before the device answers */
    return ZTO_OK;
}

/* mkdir -p of the directories of path below base (mode 0700). */
static bool
make_dirs(const char *base, char *path)
{
    size_t i;

    for (i = strlen(base) + 1; path[i] != '\0'; i++) {
        if (path[i] != '/')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            path[i] = '/';
            return false;
        }
        path[i] = '/';
    }
    return true;
}

static zto_err_t
on_length(struct svi_run *run, const uint8_t *val, size_t len)
{
    struct svi_step *st = run->st;
    struct zto_cbor_dec d;
    char p[PATH_CAP], why[160];
    uint64_t n;
    int fd;

    zto_cbor_dec_init(&d, val, len);
    if (zto_cbor_get_uint(&d, &n) != ZTO_OK ||
        zto_cbor_dec_finish(&d) != ZTO_OK)
        return fail(run, ZTO_E_SVI, "length is not an unsigned integer");
    if (st->u[0] != UP_LENGTH)
        return fail(run, ZTO_E_SVI,
                    "length unexpected (before the request, "
                    "or twice)");
    if (n > run->o->svi_upload_max) {
        snprintf(why, sizeof(why),
                 "file of %" PRIu64 " bytes is larger than svi_upload_max "
                 "(%" PRIu64 ")",
                 n, run->o->svi_upload_max);
        return fail(run, ZTO_E_SVI, why);
    }
    if (dev_path(run, NULL, p, sizeof(p)) != ZTO_OK ||
        (mkdir(p, 0700) != 0 && errno != EEXIST))
        return fail(run, ZTO_E_IO,
                    "cannot create the device's directory "
                    "under svi_upload_dir");
    if (part_path(run, p, sizeof(p)) != ZTO_OK ||
        (fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        return fail(run, ZTO_E_IO,
                    "cannot create a file under "
                    "svi_upload_dir");
    close(fd);
    st->u[1] = n;
    st->u[2] = 0;
    st->u[0] = UP_DATA;
    return ZTO_OK;
}

static zto_err_t
on_data(struct svi_run *run, const uint8_t *val, size_t len)
{
    struct svi_step *st = run->st;
    struct zto_cbor_dec d;
    struct zto_bytes b;
    char p[PATH_CAP];
    size_t off = 0;
    ssize_t w;
    int fd;

    zto_cbor_dec_init(&d, val, len);
    if (zto_cbor_get_bstr(&d, &b) != ZTO_OK ||
        zto_cbor_dec_finish(&d) != ZTO_OK)
        return fail(run, ZTO_E_SVI, "data is not a byte string");
    if (st->u[0] != UP_DATA)
        return fail(run, ZTO_E_SVI, "data before length");
    if (b.len > st->u[1] - st->u[2])
        return fail(run, ZTO_E_SVI, "more data than the announced length");
    if (b.len == 0)
        return ZTO_OK;
    if (part_path(run, p, sizeof(p)) != ZTO_OK ||
        (fd = open(p, O_WRONLY | O_CLOEXEC)) < 0)
        return fail(run, ZTO_E_IO, "the part file is gone");
    while (off < b.len) {
        w = pwrite(fd, b.p + off, b.len - off, (off_t)(st->u[2] + off));
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            close(fd);
            return fail(run, ZTO_E_IO, "writing under svi_upload_dir failed");
        }
        off += (size_t)w;
    }
    close(fd);
    st->u[2] += b.len;
    return ZTO_OK;
}

/* SHA-384 of the part file, which must hold len bytes. */
static zto_err_t
hash_file(const char *path, uint64_t len, struct zto_hash_buf *h)
{
    uint64_t total = 0;
    zto_err_t r;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return ZTO_E_IO;
    r = svi_hash_fd(fd, h, &total);
    close(fd);
    return r == ZTO_OK && total != len ? ZTO_E_IO : r;
}

static zto_err_t
on_sha(struct svi_run *run, const uint8_t *val, size_t len)
{
    struct svi_step *st = run->st;
    struct zto_cbor_dec d;
    struct zto_hash_buf h;
    uint8_t want[48];
    char part[PATH_CAP], dest[PATH_CAP], final[PATH_CAP], dir[PATH_CAP],
        why[160], g[33], *slash;
    int fd;

    zto_cbor_dec_init(&d, val, len);
    if (zto_cbor_get_bstr_fixed(&d, want, sizeof(want)) != ZTO_OK ||
        zto_cbor_dec_finish(&d) != ZTO_OK)
        return fail(run, ZTO_E_SVI, "sha-384 is not 48 bytes");
    if (st->u[0] != UP_DATA || st->u[2] != st->u[1]) {
        snprintf(why, sizeof(why),
                 "sha-384 after %" PRIu64 " of %" PRIu64 " bytes", st->u[2],
                 st->u[1]);
        return fail(run, ZTO_E_SVI, why);
    }
    if (part_path(run, part, sizeof(part)) != ZTO_OK ||
        hash_file(part, st->u[1], &h) != ZTO_OK)
        return fail(run, ZTO_E_IO, "the part file cannot be read back");
    if (h.len != sizeof(want) || !zto_ct_equal(h.value, want, sizeof(want)))
        return fail(run, ZTO_E_SVI, "SHA-384 mismatch");
    if (dest_of(st->params, st->params_len, dest, sizeof(dest)) != ZTO_OK ||
        !dest_ok(dest) || dev_path(run, dest, final, sizeof(final)) != ZTO_OK ||
        dev_path(run, NULL, dir, sizeof(dir)) != ZTO_OK ||
        !make_dirs(dir, final))
        return fail(run, ZTO_E_IO, "the destination cannot be created");
    if ((fd = open(part, O_WRONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        return fail(run, ZTO_E_IO, "fsync under svi_upload_dir failed");
    }
    close(fd);
    if (rename(part, final) != 0)
        return fail(run, ZTO_E_IO, "rename under svi_upload_dir failed");
    slash = strrchr(final, '/');
    *slash = '\0';
    if ((fd = open(final, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    *slash = '/';
    st->u[0] = UP_FINISHED;
    owner_logf(run->o, OWNER_LOG_INFO,
               "GUID %s: " MOD ": stored %s (%" PRIu64 " bytes, SHA-384 "
               "checked)",
               owner_guid_hex(run->guid, g), final, st->u[1]);
    return ZTO_OK;
}

static zto_err_t
receive(struct svi_run *run, const char *message, const uint8_t *val,
        size_t len)
{
    if (strcmp(message, "length") == 0)
        return on_length(run, val, len);
    if (strcmp(message, "data") == 0)
        return on_data(run, val, len);
    if (strcmp(message, "sha-384") == 0)
        return on_sha(run, val, len);
    return ZTO_OK; /* nothing else is defined device -> owner */
}

const struct svi_kind svi_kind_upload = {
    "upload", MOD, check, start, receive, produce,
};
