/*
 * kex_dh.c - DHKEXid14 / DHKEXid15 key exchange (FDO 1.1 section 8.4).
 *
 * RFC 3526 MODP groups 14 (2048-bit p) and 15 (3072-bit p), g = 2, random
 * exponents of 256 / 768 bits. xA = g^a mod p, xB = g^b mod p, ShSe =
 * peer^own mod p, ContextRand empty.
 *
 * Widths: our xA/xB and ShSe are written left-padded to the modulus
 * length (256 / 384 bytes). The padded ShSe follows go-fdo; the spec text
 * leaves the width open and other peers strip leading zeros, so with those
 * about one session in 256 would derive different keys. Peer values are
 * read as unsigned big-endian of any length (a leading 0x00 sign byte is
 * fine) and must lie in [2, p-2]; a shared value of 1 or p-1 is refused.
 *
 * State: k->secret holds the exponent (big-endian, 32 / 96 bytes).
 */
#include <openssl/bn.h>

#include "kex_int.h"
#include "zto/zto_util.h"

struct group {
    BIGNUM *(*prime)(BIGNUM *);
    size_t plen; /* modulus bytes */
    size_t elen; /* exponent bytes */
};

static const struct group g14 = {BN_get_rfc3526_prime_2048, 256, 32};
static const struct group g15 = {BN_get_rfc3526_prime_3072, 384, 96};

static const struct group *
group_of(const struct zto_kex *k)
{
    if (k->suite == ZTO_KEX_DHKEXID14)
        return &g14;
    if (k->suite == ZTO_KEX_DHKEXID15)
        return &g15;
    return NULL;
}

zto_err_t
kex_dh_start(struct zto_kex *k)
{
    const struct group *g = group_of(k);
    zto_err_t r;
    uint8_t acc = 0;
    size_t i;

    if (g == NULL)
        return ZTO_E_UNSUPPORTED;
    if ((r = zto_random(k->secret, g->elen)) != ZTO_OK)
        return r;
    /* An exponent of 0 or 1 would expose the shared value. */
    for (i = 0; i + 1 < g->elen; i++)
        acc |= k->secret[i];
    if (acc == 0 && k->secret[g->elen - 1] <= 1)
        return ZTO_E_RNG;
    k->secret_len = g->elen;
    return ZTO_OK;
}

/* out = base^secret mod p, left-padded to the modulus length. pm1 is
 * p - 1. */
static zto_err_t
modexp(const struct group *g, const struct zto_kex *k, const BIGNUM *base,
       const BIGNUM *p, const BIGNUM *pm1, BN_CTX *bctx, uint8_t *out)
{
    zto_err_t r = ZTO_E_CRYPTO;
    BIGNUM *x = BN_secure_new(), *res = BN_secure_new();

    if (x == NULL || res == NULL)
        goto out;
    BN_set_flags(x, BN_FLG_CONSTTIME);
    if (BN_bin2bn(k->secret, (int)g->elen, x) == NULL ||
        !BN_mod_exp_mont_consttime(res, base, x, p, bctx, NULL))
        goto out;
    /* A shared value of 0, 1 or p-1 reveals itself (SP 800-56A 5.7.1.1). */
    if (BN_cmp(res, BN_value_one()) <= 0 || BN_cmp(res, pm1) == 0) {
        r = ZTO_E_KEY;
        goto out;
    }
    if (BN_bn2binpad(res, out, (int)g->plen) != (int)g->plen)
        goto out;
    r = ZTO_OK;
out:
    BN_clear_free(res);
    BN_clear_free(x);
    return r;
}

/* p and p - 1 of the group. */
static zto_err_t
load_prime(const struct group *g, BIGNUM **p, BIGNUM **pm1)
{
    *pm1 = NULL;
    if ((*p = g->prime(NULL)) == NULL || (*pm1 = BN_dup(*p)) == NULL ||
        !BN_sub_word(*pm1, 1))
        return ZTO_E_CRYPTO;
    return ZTO_OK;
}

zto_err_t
kex_dh_param(const struct zto_kex *k, uint8_t *out, size_t cap, size_t *out_len)
{
    const struct group *g = group_of(k);
    zto_err_t r = ZTO_E_CRYPTO;
    BN_CTX *bctx = NULL;
    BIGNUM *p = NULL, *pm1 = NULL, *two = NULL;

    if (g == NULL || k->secret_len != g->elen)
        return ZTO_E_STATE;
    if (cap < g->plen)
        return ZTO_E_BUF_TOO_SMALL;
    if ((bctx = BN_CTX_new()) == NULL ||
        (r = load_prime(g, &p, &pm1)) != ZTO_OK)
        goto out;
    r = ZTO_E_CRYPTO;
    if ((two = BN_new()) == NULL || !BN_set_word(two, 2))
        goto out;
    if ((r = modexp(g, k, two, p, pm1, bctx, out)) != ZTO_OK)
        goto out;
    *out_len = g->plen;
out:
    BN_free(two);
    BN_free(pm1);
    BN_free(p);
    BN_CTX_free(bctx);
    return r;
}

zto_err_t
kex_dh_derive(const struct zto_kex *k, const uint8_t *peer, size_t peer_len,
              uint8_t *shse, size_t cap, size_t *shse_len)
{
    const struct group *g = group_of(k);
    zto_err_t r = ZTO_E_CRYPTO;
    BN_CTX *bctx = NULL;
    BIGNUM *p = NULL, *pm1 = NULL, *y = NULL;

    if (g == NULL || k->secret_len != g->elen)
        return ZTO_E_STATE;
    if (peer_len == 0 || peer_len > ZTO_KEX_PARAM_MAX)
        return ZTO_E_RANGE;
    if (cap < g->plen)
        return ZTO_E_BUF_TOO_SMALL;
    if ((bctx = BN_CTX_new()) == NULL ||
        (r = load_prime(g, &p, &pm1)) != ZTO_OK)
        goto out;
    r = ZTO_E_CRYPTO;
    if ((y = BN_bin2bn(peer, (int)peer_len, NULL)) == NULL)
        goto out;
    /* 2 <= y <= p-2 (SP 800-56A 5.6.2.3.1). */
    if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0) {
        r = ZTO_E_KEY;
        goto out;
    }
    if ((r = modexp(g, k, y, p, pm1, bctx, shse)) != ZTO_OK)
        goto out;
    *shse_len = g->plen;
out:
    BN_free(y);
    BN_free(pm1);
    BN_free(p);
    BN_CTX_free(bctx);
    return r;
}
