/*
 * mfg_cert.c - the device-CA: loading its key and chain, and issuing the
 * device attestation certificate from the key in the device's CSR (FDO
 * 1.1 sections 4.1 and 8.7). The certificate becomes OVDevCertChain[0];
 * owners and rendezvous servers verify the device's signatures with it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mfg_int.h"

void
mfg_ca_free(struct mfg_ca *ca)
{
    size_t i;

    zto_key_free(&ca->key);
    for (i = 0; i < ca->n; i++)
        free(ca->der[i]);
    memset(ca, 0, sizeof(*ca));
}

static X509 *
parse_der(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;

    return len > LONG_MAX ? NULL : d2i_X509(NULL, &p, (long)len);
}

zto_err_t
mfg_ca_load(struct mfg_ca *ca, const char *key_pem, size_t key_len,
            const char *chain_pem, size_t chain_len, char *err, size_t errcap)
{
    BIO *b = NULL;
    X509 *x = NULL, *first = NULL;
    unsigned char *p;
    int n;
    zto_err_t r = ZTO_E_CONFIG;

    memset(ca, 0, sizeof(*ca));
    zto_key_init(&ca->key);
    if (zto_key_from_pem(key_pem, key_len, &ca->key) != ZTO_OK ||
        !ca->key.has_private) {
        snprintf(err, errcap, "device CA key: not a PEM private key");
        goto out;
    }
    if (chain_len > INT_MAX ||
        (b = BIO_new_mem_buf(chain_pem, (int)chain_len)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (ca->n == MFG_MAX_CA_CERTS) {
            snprintf(err, errcap, "device CA chain: more than %d certificates",
                     MFG_MAX_CA_CERTS);
            goto out;
        }
        if ((n = i2d_X509(x, NULL)) <= 0 || (size_t)n > MFG_MAX_CERT ||
            (ca->der[ca->n] = malloc((size_t)n)) == NULL) {
            snprintf(err, errcap, "device CA chain: certificate %zu unusable",
                     ca->n + 1);
            goto out;
        }
        p = ca->der[ca->n];
        i2d_X509(x, &p);
        ca->len[ca->n++] = (size_t)n;
        X509_free(x);
    }
    x = NULL;
    if (ca->n == 0) {
        snprintf(err, errcap, "device CA chain: no PEM certificate");
        goto out;
    }
    first = parse_der(ca->der[0], ca->len[0]);
    if (first == NULL || X509_check_private_key(first, ca->key.impl) != 1) {
        snprintf(err, errcap,
                 "device CA key does not match the first "
                 "certificate of the chain");
        goto out;
    }
    if (X509_check_ca(first) == 0) {
        snprintf(err, errcap, "device CA certificate is not a CA");
        goto out;
    }
    r = ZTO_OK;
out:
    X509_free(x);
    X509_free(first);
    BIO_free(b);
    if (r != ZTO_OK)
        mfg_ca_free(ca);
    return r;
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

zto_err_t
mfg_cert_issue(const struct mfg_ca *ca, const struct zto_key *dev,
               const char *cn, size_t cn_len, int64_t now, unsigned days,
               uint8_t *out, size_t cap, size_t *out_len)
{
    X509 *issuer = NULL, *x = NULL;
    X509_NAME *name = NULL;
    X509V3_CTX v3;
    const EVP_MD *md;
    unsigned char *p;
    time_t t = (time_t)now;
    int n;
    zto_err_t r = ZTO_E_CRYPTO;

    if (ca->n == 0 || dev->impl == NULL || cn_len == 0 || cn_len > 64 ||
        days == 0)
        return ZTO_E_ARG;
    md = zto_key_hash_type(&ca->key) == ZTO_HASH_SHA384 ? EVP_sha384()
                                                        : EVP_sha256();
    if ((issuer = parse_der(ca->der[0], ca->len[0])) == NULL ||
        (x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL)
        goto out;
    if (X509_set_version(x, 2) != 1 || !set_serial(x) ||
        X509_set_issuer_name(x, X509_get_subject_name(issuer)) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *)cn, (int)cn_len, -1,
                                   0) != 1 ||
        X509_set_subject_name(x, name) != 1 ||
        /* An hour of slack for verifiers whose clock is a little behind. */
        X509_time_adj_ex(X509_getm_notBefore(x), 0, -3600, &t) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, &t) == NULL ||
        X509_set_pubkey(x, dev->impl) != 1)
        goto out;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    if (!add_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x, &v3, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(x, &v3, NID_subject_key_identifier, "hash") ||
        !add_ext(x, &v3, NID_authority_key_identifier, "keyid:always"))
        goto out;
    if (X509_sign(x, ca->key.impl, md) <= 0)
        goto out;
    if ((n = i2d_X509(x, NULL)) <= 0)
        goto out;
    if ((size_t)n > cap) {
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    p = out;
    i2d_X509(x, &p);
    *out_len = (size_t)n;
    r = ZTO_OK;
out:
    X509_NAME_free(name);
    X509_free(x);
    X509_free(issuer);
    return r;
}
