/*
 * ossl_sig.c - signatures over precomputed digests (FDO 1.1 section 8.2).
 *
 * COSE wants ECDSA as fixed-width r || s; OpenSSL speaks DER, so both
 * directions convert. A short r||s (as some device SDKs emit) is refused:
 * the width is part of the format.
 */
#include <limits.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto_int.h"
#include "zto/zto_util.h"

/* Is `alg` usable with key k, and which digest does it need? */
static zto_err_t
alg_check(const struct zto_key *k, int32_t alg, size_t dg_len)
{
    int32_t ht = zto_alg_hash_type(alg);

    if (k->impl == NULL)
        return ZTO_E_ARG;
    if (ht == 0)
        return ZTO_E_UNSUPPORTED;
    if (dg_len != zto_hash_size(ht))
        return ZTO_E_ARG;
    switch (alg) {
    case ZTO_COSE_ES256:
        return k->pk_type == ZTO_PK_SECP256R1 ? ZTO_OK : ZTO_E_KEY;
    case ZTO_COSE_ES384:
        return k->pk_type == ZTO_PK_SECP384R1 ? ZTO_OK : ZTO_E_KEY;
    default: /* RS / PS: any RSA key of our sizes */
        return k->pk_type == ZTO_PK_RSA2048RESTR ||
                       k->pk_type == ZTO_PK_RSAPKCS ||
                       k->pk_type == ZTO_PK_RSAPSS
                   ? ZTO_OK
                   : ZTO_E_KEY;
    }
}

static bool
is_ecdsa(int32_t alg)
{
    return alg == ZTO_COSE_ES256 || alg == ZTO_COSE_ES384;
}

static bool
is_pss(int32_t alg)
{
    return alg == ZTO_COSE_PS256 || alg == ZTO_COSE_PS384;
}

/* Padding and digest identity for RSA; nothing to do for ECDSA. */
static zto_err_t
setup_ctx(EVP_PKEY_CTX *ctx, int32_t alg)
{
    const EVP_MD *md = ossl_md(zto_alg_hash_type(alg));

    if (is_ecdsa(alg))
        return ZTO_OK;
    if (EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0)
        return ZTO_E_CRYPTO;
    if (is_pss(alg)) {
        /* Salt = hash length, MGF1 with the same hash (section 8.1). */
        if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) <= 0)
            return ZTO_E_CRYPTO;
    } else if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
        return ZTO_E_CRYPTO;
    }
    return ZTO_OK;
}

zto_err_t
zto_sign_digest(const struct zto_key *k, int32_t alg, const uint8_t *dg,
                size_t dg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t der[EVP_MAX_MD_SIZE * 2 + 16 + 512];
    size_t dlen = sizeof(der);
    ECDSA_SIG *es = NULL;
    zto_err_t r;

    if ((r = alg_check(k, alg, dg_len)) != ZTO_OK)
        return r;
    if (!k->has_private)
        return ZTO_E_KEY;
    r = ZTO_E_CRYPTO;
    if ((ctx = EVP_PKEY_CTX_new(k->impl, NULL)) == NULL ||
        EVP_PKEY_sign_init(ctx) != 1 || setup_ctx(ctx, alg) != ZTO_OK)
        goto out;
    if (EVP_PKEY_sign(ctx, NULL, &dlen, dg, dg_len) != 1 ||
        dlen > sizeof(der))
        goto out;
    if (EVP_PKEY_sign(ctx, der, &dlen, dg, dg_len) != 1)
        goto out;
    if (!is_ecdsa(alg)) {
        if (dlen > cap) {
            r = ZTO_E_BUF_TOO_SMALL;
            goto out;
        }
        memcpy(sig, der, dlen);
        *sig_len = dlen;
        r = ZTO_OK;
        goto out;
    } else {
        const unsigned char *p = der;
        const BIGNUM *br, *bs;
        size_t f = ossl_ec_field_len(k->bits);

        if (2 * f > cap) {
            r = ZTO_E_BUF_TOO_SMALL;
            goto out;
        }
        if ((es = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) == NULL)
            goto out;
        ECDSA_SIG_get0(es, &br, &bs);
        if (BN_bn2binpad(br, sig, (int)f) != (int)f ||
            BN_bn2binpad(bs, sig + f, (int)f) != (int)f)
            goto out;
        *sig_len = 2 * f;
        r = ZTO_OK;
    }
out:
    ECDSA_SIG_free(es);
    EVP_PKEY_CTX_free(ctx);
    return r;
}

/* r || s (fixed width) to DER; *der_len in/out. */
static zto_err_t
raw_to_der(const uint8_t *sig, size_t f, uint8_t *der, size_t *der_len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *br = NULL, *bs = NULL;
    unsigned char *p = der;
    int n;
    zto_err_t r = ZTO_E_CRYPTO;

    if (es == NULL)
        return ZTO_E_CRYPTO;
    br = BN_bin2bn(sig, (int)f, NULL);
    bs = BN_bin2bn(sig + f, (int)f, NULL);
    if (br == NULL || bs == NULL || ECDSA_SIG_set0(es, br, bs) != 1) {
        BN_free(br);
        BN_free(bs);
        goto out;
    }
    if ((n = i2d_ECDSA_SIG(es, NULL)) <= 0 || (size_t)n > *der_len)
        goto out;
    if (i2d_ECDSA_SIG(es, &p) != n)
        goto out;
    *der_len = (size_t)n;
    r = ZTO_OK;
out:
    ECDSA_SIG_free(es);
    return r;
}

zto_err_t
zto_verify_digest(const struct zto_key *k, int32_t alg, const uint8_t *dg,
                  size_t dg_len, const uint8_t *sig, size_t sig_len)
{
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t der[2 * 48 + 16];
    size_t dlen = sizeof(der);
    const uint8_t *s = sig;
    zto_err_t r;
    int v;

    if ((r = alg_check(k, alg, dg_len)) != ZTO_OK)
        return r;
    if (is_ecdsa(alg)) {
        size_t f = ossl_ec_field_len(k->bits);
        if (sig_len != 2 * f)
            return ZTO_E_SIGNATURE;
        if ((r = raw_to_der(sig, f, der, &dlen)) != ZTO_OK)
            return r;
        s = der;
        sig_len = dlen;
    } else if (sig_len != (size_t)EVP_PKEY_get_size(k->impl)) {
        return ZTO_E_SIGNATURE;
    }
    r = ZTO_E_CRYPTO;
    if ((ctx = EVP_PKEY_CTX_new(k->impl, NULL)) == NULL ||
        EVP_PKEY_verify_init(ctx) != 1 || setup_ctx(ctx, alg) != ZTO_OK)
        goto out;
    v = EVP_PKEY_verify(ctx, s, sig_len, dg, dg_len);
    r = v == 1 ? ZTO_OK : ZTO_E_SIGNATURE;
out:
    EVP_PKEY_CTX_free(ctx);
    return r;
}

static zto_err_t
key_sign(void *ctx, int32_t alg, const uint8_t *dg, size_t dg_len,
         uint8_t *sig, size_t cap, size_t *sig_len)
{
    return zto_sign_digest(ctx, alg, dg, dg_len, sig, cap, sig_len);
}

void
zto_signer_from_key(struct zto_signer *s, const struct zto_key *k)
{
    s->sign = key_sign;
    s->ctx = (void *)k;
    s->alg = zto_key_sig_alg(k);
    s->pub = k;
}
