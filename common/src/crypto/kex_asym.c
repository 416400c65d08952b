/*
 * kex_asym.c - ASYMKEX2048 / ASYMKEX3072 key exchange (FDO 1.1 section
 * 8.4), for devices that cannot do Diffie-Hellman.
 *
 *   xA          = OwnerRandom (32 / 96 bytes), sent in the signed TO2.61
 *   xB          = RSA-OAEP(owner public key, DeviceRandom (32 / 96 bytes)),
 *                 SHA-256, MGF1-SHA-256, empty label
 *   ShSe        = DeviceRandom
 *   ContextRand = OwnerRandom
 *
 * The owner key must be RSA of the suite's size (2048 / 3072 bits).
 * State: k->secret holds our random (OwnerRandom or DeviceRandom).
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "kex_int.h"
#include "zto/zto_util.h"

#define RSA_MAX_BYTES 384

struct asym {
    size_t rlen;   /* random bytes */
    unsigned bits; /* owner RSA modulus */
};

static const struct asym a2048 = {32, 2048};
static const struct asym a3072 = {96, 3072};

static const struct asym *
asym_of(const struct zto_kex *k)
{
    if (k->suite == ZTO_KEX_ASYMKEX2048)
        return &a2048;
    if (k->suite == ZTO_KEX_ASYMKEX3072)
        return &a3072;
    return NULL;
}

static zto_err_t
check_key(const struct asym *a, const struct zto_key *key, bool priv)
{
    EVP_PKEY *pk;

    if (key == NULL || (pk = key->impl) == NULL)
        return ZTO_E_ARG;
    if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA ||
        EVP_PKEY_get_bits(pk) != (int)a->bits || (priv && !key->has_private))
        return ZTO_E_KEY;
    return ZTO_OK;
}

/* OAEP with SHA-256 for both the label hash and MGF1, empty label. */
static int
oaep_setup(EVP_PKEY_CTX *ctx)
{
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0;
}

zto_err_t
kex_asym_start(struct zto_kex *k)
{
    const struct asym *a = asym_of(k);
    zto_err_t r;

    if (a == NULL)
        return ZTO_E_UNSUPPORTED;
    if ((r = zto_random(k->secret, a->rlen)) != ZTO_OK)
        return r;
    k->secret_len = a->rlen;
    return ZTO_OK;
}

zto_err_t
kex_asym_param(const struct zto_kex *k, const struct zto_key *owner_pub,
               uint8_t *out, size_t cap, size_t *out_len)
{
    const struct asym *a = asym_of(k);
    zto_err_t r;
    EVP_PKEY_CTX *ctx = NULL;
    size_t n = cap;

    if (a == NULL || k->secret_len != a->rlen)
        return ZTO_E_STATE;
    if (k->role == ZTO_KEX_OWNER) {
        if (cap < a->rlen)
            return ZTO_E_BUF_TOO_SMALL;
        memcpy(out, k->secret, a->rlen);
        *out_len = a->rlen;
        return ZTO_OK;
    }
    if (k->role != ZTO_KEX_DEVICE)
        return ZTO_E_STATE;
    if ((r = check_key(a, owner_pub, false)) != ZTO_OK)
        return r;
    if (cap < a->bits / 8)
        return ZTO_E_BUF_TOO_SMALL;
    r = ZTO_E_CRYPTO;
    if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, owner_pub->impl, NULL)) ==
            NULL ||
        EVP_PKEY_encrypt_init(ctx) <= 0 || !oaep_setup(ctx) ||
        EVP_PKEY_encrypt(ctx, out, &n, k->secret, a->rlen) <= 0 ||
        n != a->bits / 8)
        goto out;
    *out_len = n;
    r = ZTO_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    return r;
}

/* Owner side: DeviceRandom = OAEP-decrypt(xB). */
static zto_err_t
decrypt_xb(const struct asym *a, const struct zto_key *owner_priv,
           const uint8_t *xb, size_t xb_len, uint8_t *dev_rand)
{
    zto_err_t r;
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t pt[RSA_MAX_BYTES];
    size_t n = sizeof(pt);

    if ((r = check_key(a, owner_priv, true)) != ZTO_OK)
        return r;
    if (xb_len != a->bits / 8)
        return ZTO_E_RANGE;
    r = ZTO_E_CRYPTO;
    if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, owner_priv->impl, NULL)) ==
            NULL ||
        EVP_PKEY_decrypt_init(ctx) <= 0 || !oaep_setup(ctx))
        goto out;
    /* A tampered or foreign xB fails the OAEP padding check. */
    if (EVP_PKEY_decrypt(ctx, pt, &n, xb, xb_len) <= 0 || n != a->rlen) {
        r = ZTO_E_MAC;
        goto out;
    }
    memcpy(dev_rand, pt, a->rlen);
    r = ZTO_OK;
out:
    zto_zeroize(pt, sizeof(pt));
    EVP_PKEY_CTX_free(ctx);
    return r;
}

zto_err_t
kex_asym_derive(const struct zto_kex *k, const uint8_t *peer, size_t peer_len,
                const struct zto_key *owner_priv, uint8_t *shse,
                size_t shse_cap, size_t *shse_len, uint8_t *ctx_rand,
                size_t ctx_cap, size_t *ctx_len)
{
    const struct asym *a = asym_of(k);
    zto_err_t r;

    if (a == NULL || k->secret_len != a->rlen)
        return ZTO_E_STATE;
    if (shse_cap < a->rlen || ctx_cap < a->rlen)
        return ZTO_E_BUF_TOO_SMALL;
    if (k->role == ZTO_KEX_OWNER) {
        if ((r = decrypt_xb(a, owner_priv, peer, peer_len, shse)) != ZTO_OK)
            return r;
        memcpy(ctx_rand, k->secret, a->rlen);
    } else if (k->role == ZTO_KEX_DEVICE) {
        if (peer_len != a->rlen)
            return ZTO_E_RANGE;
        memcpy(shse, k->secret, a->rlen);
        memcpy(ctx_rand, peer, a->rlen);
    } else {
        return ZTO_E_STATE;
    }
    *shse_len = a->rlen;
    *ctx_len = a->rlen;
    return ZTO_OK;
}
