/*
 * mod_csr.c - fdo.csr on a POSIX device (FSIM fdo.csr, formats of RFC
 * 7030; docs/serviceinfo.md): the operational certificate, its key and
 * the CA bundle, into a directory.
 *
 *   device                               owner
 *   cacerts-req = 281                    cacerts-res (PKCS#7, or one
 *                                        certificate as go-fdo sends)
 *   simpleenroll-req = CSR of a key      simpleenroll-res (certificate)
 *     made here, or
 *   serverkeygen-req = CSR (a hint)      serverkeygen-res (multipart:
 *                                        PKCS#8 key + PKCS#7 or DER cert)
 *                                        error = 1..5: TO2 fails
 *
 * Values are text: base64 of DER. The request goes out only after the
 * bundle arrived, one request per round (go-fdo's owner answers one at
 * a time). A certificate is taken only if its public key is the
 * device's and it verifies against the bundle.
 *
 * The files switch as one set. Key, certificate and bundle are written
 * at once (each fsync'ed) into a fresh generation directory
 * DIR/.opcred-<n>/; when TO2 completes, one rename of a new symbolic
 * link over DIR/opcred (-> .opcred-<n>) puts them all in place, then
 * the previous generation is removed. The names users configure,
 * DIR/opcred-key.pem, opcred-cert.pem and opcred-ca.pem, are links
 * into opcred/ that never change. A failed TO2 removes the new
 * generation. After a crash at any point those names show the whole old
 * set (or nothing, the first time) or the whole new one; what a crash
 * left behind (".opcred-*" entries other than the current generation)
 * is removed when the module is set up again. The older layout, the
 * three files themselves in DIR, is taken over step by step the same
 * way: copied into a generation, then each name replaced by its link,
 * the content shown never changing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zto/zto_cbor.h"
#include "zto/zto_codec.h"
#include "zto/zto_crashpoint.h"
#include "zto/zto_util.h"
#include "zto_posix_modules.h"
#include "zto_posix_port.h"

#define MOD "fdo.csr"
#define DER_MAX 8192
#define B64_MAX 65536 /* largest text value taken from the owner */
#define TRIES_MAX 4   /* rounds the request may wait for room */

#define LINK "opcred"         /* DIR/opcred -> .opcred-<n> */
#define GEN ".opcred-"        /* generations; every leftover starts so */
#define TMP_LINK ".opcred-ln" /* a link being made */
#define FILE_MAX 65536        /* largest file taken over from the old layout */
#define NAME_CAP 256

enum { F_KEY, F_CERT, F_CA, NFILES };

static const char *const file_name[NFILES] = {
    "opcred-key.pem", "opcred-cert.pem", "opcred-ca.pem"};
static const unsigned file_mode[NFILES] = {0600, 0644, 0644};

enum csr_state {
    S_IDLE = 0, /* opened: ask for the bundle */
    S_WAIT_CA,
    S_SEND_REQ,
    S_WAIT_CERT,
    S_STAGED, /* files written, waiting for the end of TO2 */
    S_FAILED
};

static const char *const error_text[] = {"",
                                         "bad request",
                                         "unauthorized",
                                         "feature not supported",
                                         "rate exceeded, try later",
                                         "unsupported format"};

/* ---- the files ---- */

static bool
path_in(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);

    return n > 0 && (size_t)n < cap;
}

/* Remove a generation directory and its files, or a stray file. */
static void
remove_entry(const char *path)
{
    struct stat st;
    struct dirent *e;
    DIR *d;

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        (void)unlink(path);
        return;
    }
    if ((d = opendir(path)) != NULL) {
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                (void)unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    (void)rmdir(path);
}

/* Where DIR/opcred points ("" if nowhere). */
static void
current_gen(const struct zto_posix_csr *c, char *name, size_t cap)
{
    char path[PATH_MAX];
    ssize_t n = -1;

    if (path_in(path, sizeof(path), c->dir, LINK))
        n = readlink(path, name, cap - 1);
    name[n > 0 ? n : 0] = '\0';
}

/* Every ".opcred-*" entry but the current generation: generations
 * unfinished or replaced, a link half made, temporary files of the
 * older layout. */
static void
cleanup(const struct zto_posix_csr *c)
{
    char cur[NAME_CAP], path[PATH_MAX];
    struct dirent *e;
    DIR *d;

    current_gen(c, cur, sizeof(cur));
    if ((d = opendir(c->dir)) == NULL)
        return;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, GEN, strlen(GEN)) == 0 &&
            strcmp(e->d_name, cur) != 0 &&
            path_in(path, sizeof(path), c->dir, e->d_name))
            remove_entry(path);
    closedir(d);
}

/* A fresh generation directory, numbered after the current one. */
static zto_err_t
gen_create(const struct zto_posix_csr *c, char *gen, size_t cap)
{
    char cur[NAME_CAP];
    unsigned long n = 0;
    int i, k;

    current_gen(c, cur, sizeof(cur));
    if (strncmp(cur, GEN, strlen(GEN)) == 0)
        n = strtoul(cur + strlen(GEN), NULL, 10);
    for (i = 0; i < 64; i++) {
        n = n >= 999999999UL ? 1 : n + 1;
        k = snprintf(gen, cap, "%s/" GEN "%lu", c->dir, n);
        if (k <= 0 || (size_t)k >= cap)
            break;
        if (mkdir(gen, 0755) == 0)
            return ZTO_OK;
        if (errno != EEXIST)
            break;
    }
    gen[0] = '\0';
    return ZTO_E_IO;
}

/* File f of a generation: fsync'ed, and so is the generation. */
static zto_err_t
gen_write(const char *gen, int f, const uint8_t *data, size_t len)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    zto_err_t r;

    if (!path_in(path, sizeof(path), gen, file_name[f]))
        return ZTO_E_ARG;
    if ((r = zto_file_stage(path, data, len, file_mode[f], tmp, sizeof(tmp))) !=
        ZTO_OK)
        return r;
    return zto_file_commit(tmp, path);
}

/* DIR/name becomes a link to target in one step: a new link renamed
 * over it. errno tells why not. */
static zto_err_t
set_link(const struct zto_posix_csr *c, const char *name, const char *target)
{
    char tmp[PATH_MAX], path[PATH_MAX];
    int e;

    if (!path_in(tmp, sizeof(tmp), c->dir, TMP_LINK) ||
        !path_in(path, sizeof(path), c->dir, name)) {
        errno = ENAMETOOLONG;
        return ZTO_E_ARG;
    }
    (void)unlink(tmp);
    if (symlink(target, tmp) != 0)
        return ZTO_E_IO;
    if (rename(tmp, path) != 0) {
        e = errno;
        (void)unlink(tmp);
        errno = e;
        return ZTO_E_IO;
    }
    return ZTO_OK;
}

/* DIR/<file f>: 1 the link into opcred/, 0 missing, -1 anything else. */
static int
link_state(const struct zto_posix_csr *c, int f)
{
    char path[PATH_MAX], want[NAME_CAP], got[NAME_CAP];
    struct stat st;
    ssize_t n;

    if (!path_in(path, sizeof(path), c->dir, file_name[f]))
        return -1;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISLNK(st.st_mode) || (n = readlink(path, got, sizeof(got) - 1)) < 0)
        return -1;
    got[n] = '\0';
    snprintf(want, sizeof(want), LINK "/%s", file_name[f]);
    return strcmp(got, want) == 0 ? 1 : -1;
}

/* Make DIR/<file f> the link into opcred/. */
static zto_err_t
name_link(const struct zto_posix_csr *c, int f)
{
    char target[NAME_CAP];

    snprintf(target, sizeof(target), LINK "/%s", file_name[f]);
    return set_link(c, file_name[f], target);
}

/* The older layout kept the files themselves in DIR (or something else
 * stands under one of the names): what each name shows is copied into
 * a generation of its own, DIR/opcred points there, then each name is
 * replaced by its link. Every step shows the same content. */
static zto_err_t
adopt(const struct zto_posix_csr *c)
{
    char gen[PATH_MAX];
    struct zto_file_store fs;
    uint8_t *buf;
    size_t len = 0;
    int f;
    zto_err_t r;

    if ((buf = malloc(FILE_MAX)) == NULL)
        return ZTO_E_NOMEM;
    if ((r = zto_file_store_init(&fs, c->dir)) != ZTO_OK ||
        (r = gen_create(c, gen, sizeof(gen))) != ZTO_OK)
        goto out;
    for (f = 0; f < NFILES && r == ZTO_OK; f++) {
        r = zto_file_store_ops.read(&fs, file_name[f], buf, FILE_MAX, &len);
        if (r == ZTO_OK)
            r = gen_write(gen, f, buf, len);
        else if (r == ZTO_E_NOT_FOUND)
            r = ZTO_OK;
    }
    if (r == ZTO_OK)
        r = zto_dir_sync(c->dir);
    if (r != ZTO_OK) {
        remove_entry(gen);
        goto out;
    }
    ZTO_CRASHPOINT("device.csr.old_copied");
    if ((r = set_link(c, LINK, strrchr(gen, '/') + 1)) != ZTO_OK ||
        (r = zto_dir_sync(c->dir)) != ZTO_OK)
        goto out;
    ZTO_CRASHPOINT("device.csr.old_adopted");
    for (f = 0; f < NFILES; f++) {
        if (link_state(c, f) == 1)
            continue;
        if ((r = name_link(c, f)) != ZTO_OK)
            goto out;
        ZTO_CRASHPOINT("device.csr.old_linked");
    }
    r = zto_dir_sync(c->dir);
out:
    zto_zeroize(buf, FILE_MAX);
    free(buf);
    return r;
}

/* Put the staged generation in place (TO2 completed). */
static zto_err_t
commit(struct zto_posix_csr *c)
{
    bool legacy = false;
    int f;
    zto_err_t r;

    /* The generation's own entry is durable before anything names it. */
    if ((r = zto_dir_sync(c->dir)) != ZTO_OK)
        return r;
    ZTO_CRASHPOINT("device.csr.gen_durable");
    for (f = 0; f < NFILES; f++)
        if (link_state(c, f) < 0)
            legacy = true;
    if (legacy && (r = adopt(c)) != ZTO_OK)
        return r;
    /* Names not there yet (the first time): links that show nothing
     * until DIR/opcred exists. */
    for (f = 0; f < NFILES; f++) {
        if (link_state(c, f) == 1)
            continue;
        if ((r = name_link(c, f)) != ZTO_OK)
            return r;
        ZTO_CRASHPOINT("device.csr.link_made");
    }
    if ((r = zto_dir_sync(c->dir)) != ZTO_OK)
        return r;
    /* The switch, all three at once. */
    if ((r = set_link(c, LINK, strrchr(c->gen, '/') + 1)) != ZTO_OK)
        return r;
    c->gen[0] = '\0'; /* in place: no longer ours to remove */
    ZTO_CRASHPOINT("device.csr.switched");
    r = zto_dir_sync(c->dir);
    ZTO_CRASHPOINT("device.csr.switch_durable");
    cleanup(c); /* the previous generation */
    ZTO_CRASHPOINT("device.csr.old_removed");
    return r;
}

static void
discard(struct zto_posix_csr *c)
{
    if (c->gen[0] == '\0')
        return;
    remove_entry(c->gen);
    c->gen[0] = '\0';
}

static void
reset(struct zto_posix_csr *c)
{
    discard(c);
    zto_key_free(&c->key);
    c->state = S_IDLE;
    c->tries = 0;
    c->nca = 0;
}

/* Record why and give up this TO2: the module's error fails it. */
static zto_err_t
fail(struct zto_posix_csr *c, const char *why, const char *detail)
{
    snprintf(c->last_error, sizeof(c->last_error), "%.100s%.120s", why,
             detail != NULL ? detail : "");
    discard(c);
    c->state = S_FAILED;
    return ZTO_E_SVI;
}

/* A text value holding base64: decoded into *out (heap). */
static zto_err_t
get_b64(const uint8_t *val, size_t len, uint8_t **out, size_t *out_len)
{
    struct zto_cbor_dec d;
    struct zto_bytes t;
    size_t cap;
    zto_err_t r;

    zto_cbor_dec_init(&d, val, len);
    if ((r = zto_cbor_get_tstr(&d, &t)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (t.len == 0 || t.len > B64_MAX)
        return ZTO_E_TOO_BIG;
    cap = t.len / 4 * 3 + 3;
    if ((*out = malloc(cap)) == NULL)
        return ZTO_E_NOMEM;
    if ((r = zto_base64_decode((const char *)t.p, t.len, *out, cap, out_len)) !=
            ZTO_OK ||
        *out_len == 0) {
        free(*out);
        *out = NULL;
        return r != ZTO_OK ? r : ZTO_E_PEM;
    }
    return ZTO_OK;
}

/* ---- the bundle ---- */

static zto_err_t
take_bundle(struct zto_posix_csr *c, const uint8_t *der, size_t len)
{
    struct zto_cert_info info;
    size_t i;

    c->nca = 0;
    if (zto_p7_certs_decode(der, len, c->ca_buf, sizeof(c->ca_buf), c->ca,
                            ZTO_POSIX_CSR_MAX_CA, &c->nca) != ZTO_OK) {
        /* One certificate (287, and go-fdo's answer to 281). */
        if (len > sizeof(c->ca_buf) || zto_cert_info(der, len, &info) != ZTO_OK)
            return fail(c,
                        MOD ": the CA bundle is neither PKCS#7 nor a "
                            "certificate",
                        NULL);
        memcpy(c->ca_buf, der, len);
        c->ca[0] = ZTO_BYTES(c->ca_buf, len);
        c->nca = 1;
    }
    for (i = 0; i < c->nca; i++)
        if (zto_cert_info(c->ca[i].p, c->ca[i].len, &info) != ZTO_OK ||
            !info.is_ca)
            return fail(c,
                        MOD ": the CA bundle holds a certificate that "
                            "is not a CA",
                        NULL);
    return ZTO_OK;
}

/* ---- staging the files ---- */

static zto_err_t
stage_pem(const char *gen, int f, const char *label,
          const struct zto_bytes *ders, size_t n)
{
    size_t cap = 1, used = 0, len = 0, i;
    char *text;
    zto_err_t r = ZTO_OK;

    for (i = 0; i < n; i++)
        cap += zto_pem_len(label, ders[i].len) + 1;
    if ((text = malloc(cap)) == NULL)
        return ZTO_E_NOMEM;
    for (i = 0; i < n && r == ZTO_OK; i++) {
        r = zto_pem_encode(label, ders[i].p, ders[i].len, text + used,
                           cap - used, &len);
        used += len;
    }
    if (r == ZTO_OK)
        r = gen_write(gen, f, (const uint8_t *)text, used);
    free(text);
    return r;
}

/* The certificate is for our key and verifies against the bundle: write
 * key, certificate and bundle into a new generation. */
static zto_err_t
accept_cert(struct zto_posix_csr *c, const uint8_t *der, size_t len)
{
    struct zto_key pub;
    struct zto_cert_info info;
    struct zto_bytes leaf = ZTO_BYTES(der, len);
    char *pem = NULL;
    size_t pl = 0, cap = 8192;
    zto_err_t r;

    zto_key_init(&pub);
    if (zto_cert_info(der, len, &info) != ZTO_OK)
        return fail(c, MOD ": the certificate does not parse", NULL);
    r = zto_key_from_cert_der(der, len, &pub);
    if (r == ZTO_OK)
        r = zto_key_equal(&pub, &c->key);
    zto_key_free(&pub);
    if (r != ZTO_OK)
        return fail(c, MOD ": the certificate is not for this device's key",
                    NULL);
    if (zto_cert_chain_verify(&leaf, 1, c->ca, c->nca) != ZTO_OK)
        return fail(c,
                    MOD ": the certificate does not verify against the "
                        "CA bundle (",
                    info.subject[0] != '\0' ? "wrong issuer or expired)"
                                            : "no subject)");
    if ((pem = malloc(cap)) == NULL)
        return fail(c, MOD ": out of memory", NULL);
    r = zto_key_private_pem(&c->key, pem, cap, &pl);
    if (r == ZTO_OK && (r = gen_create(c, c->gen, sizeof(c->gen))) == ZTO_OK)
        ZTO_CRASHPOINT("device.csr.gen_made");
    if (r == ZTO_OK &&
        (r = gen_write(c->gen, F_KEY, (const uint8_t *)pem, pl)) == ZTO_OK)
        ZTO_CRASHPOINT("device.csr.key_written");
    zto_zeroize(pem, cap);
    free(pem);
    if (r == ZTO_OK &&
        (r = stage_pem(c->gen, F_CERT, "CERTIFICATE", &leaf, 1)) == ZTO_OK)
        ZTO_CRASHPOINT("device.csr.cert_written");
    if (r == ZTO_OK &&
        (r = stage_pem(c->gen, F_CA, "CERTIFICATE", c->ca, c->nca)) == ZTO_OK)
        ZTO_CRASHPOINT("device.csr.bundle_written");
    if (r != ZTO_OK)
        return fail(c, MOD ": cannot write to ", c->dir);
    snprintf(c->subject, sizeof(c->subject), "%s", info.subject);
    c->not_after = info.not_after;
    c->state = S_STAGED;
    return ZTO_OK;
}

/* serverkeygen-res: key and certificate from the multipart body. */
static zto_err_t
take_keygen(struct zto_posix_csr *c, const uint8_t *body, size_t len)
{
    struct zto_bytes certs[ZTO_POSIX_CSR_MAX_CA];
    struct zto_key pub;
    uint8_t *key = NULL, *p7 = NULL, *buf = NULL;
    size_t kl = 0, pl = 0, n = 0, i;
    zto_err_t r;

    if ((key = malloc(DER_MAX)) == NULL || (p7 = malloc(B64_MAX)) == NULL ||
        (buf = malloc(B64_MAX)) == NULL) {
        r = fail(c, MOD ": out of memory", NULL);
        goto out;
    }
    if (zto_csr_mime_decode((const char *)body, len, key, DER_MAX, &kl, p7,
                            B64_MAX, &pl) != ZTO_OK) {
        r = fail(c, MOD ": serverkeygen-res is not a key and a certificate",
                 NULL);
        goto out;
    }
    zto_key_free(&c->key);
    if (zto_key_from_private_der(key, kl, &c->key) != ZTO_OK) {
        r = fail(c, MOD ": the owner's key is not a usable private key", NULL);
        goto out;
    }
    /* PKCS#7 (the FSIM), or the bare certificate go-fdo's owner sends:
     * the one for our new key. */
    if (zto_p7_certs_decode(p7, pl, buf, B64_MAX, certs, ZTO_POSIX_CSR_MAX_CA,
                            &n) != ZTO_OK) {
        certs[0] = ZTO_BYTES(p7, pl);
        n = 1;
    }
    for (i = 0; i < n; i++) {
        zto_key_init(&pub);
        r = zto_key_from_cert_der(certs[i].p, certs[i].len, &pub);
        if (r == ZTO_OK)
            r = zto_key_equal(&pub, &c->key);
        zto_key_free(&pub);
        if (r == ZTO_OK)
            break;
    }
    r = accept_cert(c, certs[i < n ? i : 0].p, certs[i < n ? i : 0].len);
out:
    if (key != NULL)
        zto_zeroize(key, DER_MAX);
    free(key);
    free(p7);
    free(buf);
    return r;
}

/* ---- the module ---- */

static bool
is(const char *m, size_t n, const char *w)
{
    return n == strlen(w) && memcmp(m, w, n) == 0;
}

static zto_err_t
csr_receive(void *ctx, const char *message, size_t mlen, const uint8_t *val,
            size_t len)
{
    struct zto_posix_csr *c = ctx;
    struct zto_cbor_dec d;
    uint8_t *der = NULL;
    size_t dl = 0;
    uint64_t code;
    char detail[48];
    bool enroll_res = is(message, mlen, "simpleenroll-res") ||
                      is(message, mlen, "simplereenroll-res");
    zto_err_t r;

    if (c->state == S_FAILED)
        return ZTO_E_SVI;
    if (is(message, mlen, "error")) {
        zto_cbor_dec_init(&d, val, len);
        if (zto_cbor_get_uint(&d, &code) != ZTO_OK ||
            zto_cbor_dec_finish(&d) != ZTO_OK)
            return fail(c, MOD ": the owner sent a malformed error", NULL);
        snprintf(detail, sizeof(detail), "%llu (%s)", (unsigned long long)code,
                 code < sizeof(error_text) / sizeof(error_text[0])
                     ? error_text[code]
                     : "unknown");
        return fail(c, MOD ": the owner refused with error ", detail);
    }
    if (!is(message, mlen, "cacerts-res") && !enroll_res &&
        !is(message, mlen, "serverkeygen-res"))
        return ZTO_OK; /* nothing else is defined owner -> device */
    if ((r = get_b64(val, len, &der, &dl)) != ZTO_OK)
        return fail(c, MOD ": an answer that is not base64 text", NULL);
    if (is(message, mlen, "cacerts-res")) {
        r = c->state == S_WAIT_CA
                ? take_bundle(c, der, dl)
                : fail(c, MOD ": cacerts-res that was not asked for", NULL);
        if (r == ZTO_OK)
            c->state = S_SEND_REQ;
    } else if (c->state != S_WAIT_CERT || enroll_res == c->serverkeygen) {
        r = fail(c, MOD ": an answer to a request not made", NULL);
    } else if (enroll_res) {
        r = accept_cert(c, der, dl);
    } else {
        r = take_keygen(c, der, dl);
    }
    free(der);
    return r;
}

/* The PKCS#10 request as a text value of base64. */
static zto_err_t
request_value(struct zto_posix_csr *c, uint8_t *v, size_t cap, size_t *vl)
{
    struct zto_key tmp, *k = &c->key;
    struct zto_cbor_enc e;
    uint8_t der[2048];
    char text[2 * sizeof(der)];
    size_t dl = 0, tl = 0;
    zto_err_t r;

    zto_key_init(&tmp);
    if (c->serverkeygen) {
        /* The owner ignores this key; it only tells which type we want. */
        if ((r = zto_key_generate(c->key_type, 0, &tmp)) != ZTO_OK)
            return r;
        k = &tmp;
    } else if (c->key.impl == NULL &&
               (r = zto_key_generate(c->key_type, 0, &c->key)) != ZTO_OK) {
        return r;
    }
    r = zto_csr_create(k, c->cn, strlen(c->cn), der, sizeof(der), &dl);
    zto_key_free(&tmp);
    if (r != ZTO_OK ||
        (r = zto_base64_encode(der, dl, text, sizeof(text), &tl)) != ZTO_OK)
        return r;
    zto_cbor_enc_init(&e, v, cap);
    zto_cbor_put_tstr(&e, text, tl);
    return zto_cbor_enc_finish(&e, vl);
}

static zto_err_t
csr_produce(void *ctx, struct zto_svi_out *out, bool *more)
{
    struct zto_posix_csr *c = ctx;
    struct zto_cbor_enc e;
    uint8_t v[4096];
    size_t n = 0;
    const char *msg;
    zto_err_t r;

    *more = false;
    if (c->state == S_IDLE) {
        /* 281: application/pkcs7-mime; smime-type=certs-only */
        zto_cbor_enc_init(&e, v, sizeof(v));
        zto_cbor_put_uint(&e, 281);
        if ((r = zto_cbor_enc_finish(&e, &n)) != ZTO_OK)
            return r;
        msg = "cacerts-req";
        r = zto_svi_out_put(out, MOD, msg, v, n);
    } else if (c->state == S_SEND_REQ) {
        if ((r = request_value(c, v, sizeof(v), &n)) != ZTO_OK)
            return fail(c, MOD ": cannot make a request: ", zto_strerror(r));
        msg = c->serverkeygen ? "serverkeygen-req" : "simpleenroll-req";
        r = zto_svi_out_put(out, MOD, msg, v, n);
    } else {
        return ZTO_OK;
    }
    if (r == ZTO_E_BUF_TOO_SMALL) {
        if (++c->tries > TRIES_MAX)
            return fail(c,
                        MOD ": the owner's ServiceInfo limit is too small "
                            "for ",
                        msg);
        *more = true;
        return ZTO_OK;
    }
    if (r != ZTO_OK)
        return fail(c, MOD ": ", zto_strerror(r));
    c->tries = 0;
    c->state = c->state == S_IDLE ? S_WAIT_CA : S_WAIT_CERT;
    return ZTO_OK;
}

static void
csr_finish(void *ctx, bool done)
{
    struct zto_posix_csr *c = ctx;
    zto_err_t r = ZTO_OK;

    if (done && c->state == S_STAGED) {
        errno = 0;
        if ((r = commit(c)) == ZTO_OK)
            c->stored = true;
        else
            snprintf(c->last_error, sizeof(c->last_error),
                     MOD ": cannot put the files in place in %.120s: %s",
                     c->dir, errno != 0 ? strerror(errno) : zto_strerror(r));
    }
    reset(c);
}

/* The reason the device sends in its ErrorMessage when fdo.csr fails. */
static const char *
csr_why(void *ctx)
{
    const struct zto_posix_csr *c = ctx;

    return c->last_error[0] != '\0' ? c->last_error : NULL;
}

zto_err_t
zto_posix_csr_init(struct zto_posix_csr *c, const char *dir, int32_t key_type,
                   bool serverkeygen, const char *cn, struct zto_svi_module *m)
{
    int a, b, d;

    memset(c, 0, sizeof(*c));
    zto_key_init(&c->key);
    if (zto_dir_copy(c->dir, sizeof(c->dir), 64, dir) != ZTO_OK || cn == NULL ||
        cn[0] == '\0' || strlen(cn) >= sizeof(c->cn) ||
        (key_type != ZTO_PK_SECP256R1 && key_type != ZTO_PK_SECP384R1))
        return ZTO_E_ARG;
    memcpy(c->cn, cn, strlen(cn) + 1);
    c->key_type = key_type;
    c->serverkeygen = serverkeygen;
    a = snprintf(c->key_path, sizeof(c->key_path), "%s/opcred-key.pem", c->dir);
    b = snprintf(c->cert_path, sizeof(c->cert_path), "%s/opcred-cert.pem",
                 c->dir);
    d = snprintf(c->ca_path, sizeof(c->ca_path), "%s/opcred-ca.pem", c->dir);
    if (a < 0 || b < 0 || d < 0)
        return ZTO_E_ARG;
    /* What an earlier run left half done. */
    cleanup(c);
    *m = (struct zto_svi_module){.name = MOD,
                                 .receive = csr_receive,
                                 .produce = csr_produce,
                                 .finish = csr_finish,
                                 .why = csr_why,
                                 .ctx = c};
    return ZTO_OK;
}

void
zto_posix_csr_free(struct zto_posix_csr *c)
{
    if (c == NULL)
        return;
    reset(c);
}
