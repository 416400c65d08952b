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
 * device's and it verifies against the bundle; then key, certificate and
 * bundle are written to temporary files next to their targets
 * (zto_file_stage) and renamed into place when TO2 completes. A failed
 * TO2 removes them: the directory keeps what it had.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zto/zto_cbor.h"
#include "zto/zto_codec.h"
#include "zto/zto_util.h"
#include "zto_posix_modules.h"
#include "zto_posix_port.h"

#define MOD "fdo.csr"
#define DER_MAX 8192
#define B64_MAX 65536 /* largest text value taken from the owner */
#define TRIES_MAX 4   /* rounds the request may wait for room */

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

static void
discard(struct zto_posix_csr *c)
{
    zto_file_discard(c->tmp_key);
    zto_file_discard(c->tmp_cert);
    zto_file_discard(c->tmp_ca);
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
stage_pem(const char *path, const char *label, const struct zto_bytes *ders,
          size_t n, unsigned mode, char *tmp)
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
        r = zto_file_stage(path, (const uint8_t *)text, used, mode, tmp,
                           PATH_MAX);
    free(text);
    return r;
}

/* The certificate is for our key and verifies against the bundle: write
 * key, certificate and bundle to temporary files. */
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
    if (r == ZTO_OK)
        r = zto_file_stage(c->key_path, (const uint8_t *)pem, pl,
                           S_IRUSR | S_IWUSR, c->tmp_key, sizeof(c->tmp_key));
    zto_zeroize(pem, cap);
    free(pem);
    if (r == ZTO_OK)
        r = stage_pem(c->cert_path, "CERTIFICATE", &leaf, 1, 0644, c->tmp_cert);
    if (r == ZTO_OK)
        r = stage_pem(c->ca_path, "CERTIFICATE", c->ca, c->nca, 0644,
                      c->tmp_ca);
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
        /* Bundle, key, certificate: the certificate last, so a new
         * certificate never stands next to an old key. */
        if ((r = zto_file_commit(c->tmp_ca, c->ca_path)) == ZTO_OK &&
            (r = zto_file_commit(c->tmp_key, c->key_path)) == ZTO_OK)
            r = zto_file_commit(c->tmp_cert, c->cert_path);
        if (r == ZTO_OK)
            c->stored = true;
        else
            snprintf(c->last_error, sizeof(c->last_error),
                     MOD ": cannot put the files in place in %.120s: %s",
                     c->dir, zto_strerror(r));
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
    size_t n;
    int a, b, d;

    memset(c, 0, sizeof(*c));
    zto_key_init(&c->key);
    if (dir == NULL || (n = strlen(dir)) == 0 || n >= sizeof(c->dir) - 32 ||
        cn == NULL || cn[0] == '\0' || strlen(cn) >= sizeof(c->cn) ||
        (key_type != ZTO_PK_SECP256R1 && key_type != ZTO_PK_SECP384R1))
        return ZTO_E_ARG;
    memcpy(c->dir, dir, n + 1);
    while (n > 1 && c->dir[n - 1] == '/')
        c->dir[--n] = '\0';
    memcpy(c->cn, cn, strlen(cn) + 1);
    c->key_type = key_type;
    c->serverkeygen = serverkeygen;
    a = snprintf(c->key_path, sizeof(c->key_path), "%s/opcred-key.pem", c->dir);
    b = snprintf(c->cert_path, sizeof(c->cert_path), "%s/opcred-cert.pem",
                 c->dir);
    d = snprintf(c->ca_path, sizeof(c->ca_path), "%s/opcred-ca.pem", c->dir);
    if (a < 0 || b < 0 || d < 0)
        return ZTO_E_ARG;
    memset(m, 0, sizeof(*m));
    m->name = MOD;
    m->receive = csr_receive;
    m->produce = csr_produce;
    m->finish = csr_finish;
    m->why = csr_why;
    m->ctx = c;
    return ZTO_OK;
}

void
zto_posix_csr_free(struct zto_posix_csr *c)
{
    if (c == NULL)
        return;
    reset(c);
}
