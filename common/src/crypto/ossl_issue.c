/*
 * ossl_issue.c - issuing X.509 certificates: the device attestation
 * certificate at DI (FDO 1.1 sections 4.1, 8.7) and operational
 * certificates delivered by the fdo.csr ServiceInfo module.
 */
#include <limits.h>

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto_int.h"

static X509 *
parse_der(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x;

    if (len == 0 || len > LONG_MAX)
        return NULL;
    x = d2i_X509(NULL, &p, (long)len);
    if (x != NULL && p != der + len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Add one extension in OpenSSL config syntax. */
static bool
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    bool ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;

    X509_EXTENSION_free(ext);
    return ok;
}

/* 128-bit positive random serial number (RFC 5280 allows 20 bytes). */
static bool
set_serial(X509 *x)
{
    uint8_t rnd[16];
    BIGNUM *bn = NULL;
    bool ok = false;

    if (zto_random(rnd, sizeof(rnd)) != ZTO_OK)
        return false;
    rnd[0] = (uint8_t)((rnd[0] & 0x7f) | 0x40); /* positive, 16 bytes */
    if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) != NULL &&
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
        ok = true;
    BN_free(bn);
    return ok;
}

static bool
set_subject(X509 *x, const struct zto_cert_tmpl *t)
{
    const unsigned char *p = t->subject;
    X509_NAME *name = NULL;
    bool ok;

    if (t->subject_len > 0) {
        if (t->subject_len > LONG_MAX ||
            (name = d2i_X509_NAME(NULL, &p, (long)t->subject_len)) == NULL ||
            p != t->subject + t->subject_len) {
            X509_NAME_free(name);
            return false;
        }
    } else if ((name = X509_NAME_new()) == NULL ||
               X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                          (const unsigned char *)t->cn,
                                          (int)t->cn_len, -1, 0) != 1) {
        X509_NAME_free(name);
        return false;
    }
    ok = X509_set_subject_name(x, name) == 1;
    X509_NAME_free(name);
    return ok;
}

static bool
add_profile(X509 *x, X509V3_CTX *v3, const struct zto_key *subject_key,
            int profile)
{
    bool rsa = subject_key->pk_type != ZTO_PK_SECP256R1 &&
               subject_key->pk_type != ZTO_PK_SECP384R1;

    switch (profile) {
    case ZTO_CERT_DEVICE:
        return add_ext(x, v3, NID_basic_constraints, "critical,CA:FALSE") &&
               add_ext(x, v3, NID_key_usage, "critical,digitalSignature");
    case ZTO_CERT_OPERATIONAL:
        return add_ext(x, v3, NID_basic_constraints, "critical,CA:FALSE") &&
               add_ext(x, v3, NID_key_usage,
                       rsa ? "critical,digitalSignature,keyEncipherment"
                           : "critical,digitalSignature") &&
               add_ext(x, v3, NID_ext_key_usage, "clientAuth");
    case ZTO_CERT_CA:
        return add_ext(x, v3, NID_basic_constraints, "critical,CA:TRUE") &&
               add_ext(x, v3, NID_key_usage, "critical,keyCertSign,cRLSign");
    default:
        return false;
    }
}

zto_err_t
zto_cert_issue(const struct zto_key *ca_key, const uint8_t *ca_der,
               size_t ca_len, const struct zto_key *subject_key,
               const struct zto_cert_tmpl *t, uint8_t *out, size_t cap,
               size_t *out_len)
{
    X509 *issuer = NULL, *x = NULL;
    X509V3_CTX v3;
    const EVP_MD *md;
    unsigned char *p;
    time_t now, nb, na;
    int n;
    zto_err_t r = ZTO_E_CRYPTO;

    if (ca_key == NULL || ca_key->impl == NULL || !ca_key->has_private ||
        subject_key == NULL || subject_key->impl == NULL || t == NULL ||
        t->days == 0 || t->days > 36500 || t->profile < ZTO_CERT_DEVICE ||
        t->profile > ZTO_CERT_CA ||
        (t->subject_len == 0 &&
         (t->cn == NULL || t->cn_len == 0 || t->cn_len > 64)))
        return ZTO_E_ARG;
    if (ca_der == NULL && zto_key_equal(ca_key, subject_key) != ZTO_OK)
        return ZTO_E_ARG;
    now = (time_t)t->now;
    nb = t->not_before > 0 ? (time_t)t->not_before : now - 3600;
    na =
        t->not_after > 0 ? (time_t)t->not_after : now + (time_t)t->days * 86400;
    if (na <= nb)
        return ZTO_E_ARG;
    md = zto_key_hash_type(ca_key) == ZTO_HASH_SHA384 ? EVP_sha384()
                                                      : EVP_sha256();
    if (ca_der != NULL && (issuer = parse_der(ca_der, ca_len)) == NULL)
        return ZTO_E_CERT;
    if ((x = X509_new()) == NULL)
        goto out;
    if (X509_set_version(x, 2) != 1 || !set_serial(x) || !set_subject(x, t) ||
        X509_set_issuer_name(
            x, X509_get_subject_name(issuer != NULL ? issuer : x)) != 1 ||
        /* By default an hour of slack for verifiers whose clock is a
         * little behind. */
        X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na) == NULL ||
        X509_set_pubkey(x, subject_key->impl) != 1) {
        r = t->subject_len > 0 ? ZTO_E_ARG : ZTO_E_CRYPTO;
        goto out;
    }
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    if (!add_profile(x, &v3, subject_key, t->profile) ||
        !add_ext(x, &v3, NID_subject_key_identifier, "hash") ||
        !add_ext(x, &v3, NID_authority_key_identifier, "keyid:always"))
        goto out;
    if (X509_sign(x, ca_key->impl, md) <= 0)
        goto out;
    if ((n = i2d_X509(x, NULL)) <= 0)
        goto out;
    if ((size_t)n > cap) {
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    p = out;
    if (i2d_X509(x, &p) != n)
        goto out;
    *out_len = (size_t)n;
    r = ZTO_OK;
out:
    X509_free(x);
    X509_free(issuer);
    return r;
}
