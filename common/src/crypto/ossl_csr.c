/*
 * ossl_csr.c - PKCS#10 certification requests (RFC 2986) for the device
 * attestation key. The device sends one inside DeviceMfgInfo at DI (FDO
 * 1.1 section 4.1) and the manufacturer issues the device certificate
 * from it; the request's self-signature proves the device holds the key.
 */
#include <limits.h>

#include <openssl/x509.h>

#include "crypto_int.h"

zto_err_t
zto_csr_create(const struct zto_key *k, const char *cn, size_t cn_len,
               uint8_t *buf, size_t cap, size_t *out_len)
{
    X509_REQ *req = NULL;
    X509_NAME *name = NULL;
    const EVP_MD *md;
    unsigned char *p;
    int n;
    zto_err_t r = ZTO_E_CRYPTO;

    if (k == NULL || k->impl == NULL || !k->has_private)
        return ZTO_E_KEY;
    if (cn == NULL || cn_len == 0 || cn_len > 64) /* ub-common-name */
        return ZTO_E_ARG;
    /* The digest follows the key's strength, as every FDO signature. */
    if ((md = ossl_md(zto_key_hash_type(k))) == NULL)
        return ZTO_E_KEY;
    if ((req = X509_REQ_new()) == NULL || (name = X509_NAME_new()) == NULL)
        goto out;
    if (X509_REQ_set_version(req, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *)cn, (int)cn_len, -1,
                                   0) != 1 ||
        X509_REQ_set_subject_name(req, name) != 1 ||
        X509_REQ_set_pubkey(req, k->impl) != 1 ||
        X509_REQ_sign(req, k->impl, md) <= 0)
        goto out;
    if ((n = i2d_X509_REQ(req, NULL)) <= 0)
        goto out;
    if ((size_t)n > cap) {
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    p = buf;
    if (i2d_X509_REQ(req, &p) != n)
        goto out;
    *out_len = (size_t)n;
    r = ZTO_OK;
out:
    X509_NAME_free(name);
    X509_REQ_free(req);
    return r;
}

/* Digests a request from a peer may be signed with. */
static bool
strong_sig(const X509_REQ *req)
{
    int md = NID_undef, pk = NID_undef;

    if (!OBJ_find_sigid_algs(X509_REQ_get_signature_nid(req), &md, &pk))
        return false;
    return md == NID_sha256 || md == NID_sha384 || md == NID_sha512;
}

/* The request in der (all of it) and its public key; with check_sig its
 * self-signature verified, and with strong a digest of SHA-256 or more. */
static zto_err_t
req_open(const uint8_t *der, size_t n, bool check_sig, bool strong,
         X509_REQ **req, EVP_PKEY **pk)
{
    const unsigned char *p = der;

    *req = NULL;
    *pk = NULL;
    if (n == 0 || n > LONG_MAX)
        return ZTO_E_CERT;
    if ((*req = d2i_X509_REQ(NULL, &p, (long)n)) == NULL || p != der + n ||
        (*pk = X509_REQ_get_pubkey(*req)) == NULL)
        return ZTO_E_CERT;
    if (check_sig && X509_REQ_verify(*req, *pk) != 1)
        return ZTO_E_SIGNATURE;
    if (check_sig && strong && !strong_sig(*req))
        return ZTO_E_UNSUPPORTED;
    return ZTO_OK;
}

zto_err_t
zto_csr_verify(const uint8_t *der, size_t n, struct zto_key *out)
{
    X509_REQ *req;
    EVP_PKEY *pk;
    zto_err_t r;

    if ((r = req_open(der, n, true, false, &req, &pk)) == ZTO_OK) {
        r = ossl_key_wrap(pk, false, out);
        pk = NULL; /* owned by out, or freed by ossl_key_wrap */
    }
    EVP_PKEY_free(pk);
    X509_REQ_free(req);
    return r;
}

zto_err_t
zto_csr_parse(const uint8_t *der, size_t n, bool check_sig, struct zto_key *out,
              uint8_t *subj, size_t cap, size_t *subj_len)
{
    X509_REQ *req;
    EVP_PKEY *pk;
    unsigned char *w;
    int len;
    zto_err_t r;

    if ((r = req_open(der, n, check_sig, true, &req, &pk)) != ZTO_OK)
        goto out;
    r = ZTO_E_CERT;
    if ((len = i2d_X509_NAME(X509_REQ_get_subject_name(req), NULL)) <= 0)
        goto out;
    if ((size_t)len > cap) {
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    w = subj;
    if (i2d_X509_NAME(X509_REQ_get_subject_name(req), &w) != len)
        goto out;
    *subj_len = (size_t)len;
    r = ossl_key_wrap(pk, false, out); /* ZTO_E_KEY for other key types */
    pk = NULL;
out:
    EVP_PKEY_free(pk);
    X509_REQ_free(req);
    return r;
}
