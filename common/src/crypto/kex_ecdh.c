/*
 * kex_ecdh.c - ECDH256 / ECDH384 key exchange (FDO 1.1 section 8.4).
 *
 *   xA / xB = len(X) || X || len(Y) || Y || len(Random) || Random
 *   len()   = 2-byte big-endian byte count
 *   ShSe    = Shx || DeviceRandom || OwnerRandom   (same order both sides)
 *
 * Output is fixed width: 32/48-byte coordinates and Shx, 16/48-byte
 * randoms. On input the lengths are read and coordinates shorter than the
 * field are left-padded, because some peers strip leading zero bytes. A
 * short random is taken as sent: such a peer puts the same shortened
 * bytes into its own ShSe. The peer point must lie on the curve with
 * coordinates below p.
 *
 * State: k->secret holds the private scalar (field size, big-endian),
 * k->random our random.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "kex_int.h"
#include "zto/zto_util.h"

#define EC_MAX_FIELD 48

struct curve {
    const char *group; /* OpenSSL group name */
    int nid;
    size_t flen; /* coordinate / Shx bytes */
    size_t rlen; /* random bytes */
};

static const struct curve p256 = {"prime256v1", NID_X9_62_prime256v1, 32, 16};
static const struct curve p384 = {"secp384r1", NID_secp384r1, 48, 48};

static const struct curve *
curve_of(const struct zto_kex *k)
{
    if (k->suite == ZTO_KEX_ECDH256)
        return &p256;
    if (k->suite == ZTO_KEX_ECDH384)
        return &p384;
    return NULL;
}

/* Own public point from the stored scalar, as fixed-width X and Y. */
static zto_err_t
own_public(const struct curve *c, const struct zto_kex *k, uint8_t *x,
           uint8_t *y)
{
    zto_err_t r = ZTO_E_CRYPTO;
    EC_GROUP *g = NULL;
    EC_POINT *pt = NULL;
    BN_CTX *bctx = NULL;
    BIGNUM *d = NULL, *bx, *by;

    if (k->secret_len != c->flen)
        return ZTO_E_STATE;
    if ((g = EC_GROUP_new_by_curve_name(c->nid)) == NULL ||
        (pt = EC_POINT_new(g)) == NULL || (bctx = BN_CTX_new()) == NULL)
        goto out;
    BN_CTX_start(bctx);
    bx = BN_CTX_get(bctx);
    by = BN_CTX_get(bctx);
    if (by == NULL || (d = BN_secure_new()) == NULL)
        goto out;
    BN_set_flags(d, BN_FLG_CONSTTIME);
    if (BN_bin2bn(k->secret, (int)c->flen, d) == NULL)
        goto out;
    if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
        r = ZTO_E_STATE;
        goto out;
    }
    if (!EC_POINT_mul(g, pt, d, NULL, NULL, bctx) ||
        !EC_POINT_get_affine_coordinates(g, pt, bx, by, bctx) ||
        BN_bn2binpad(bx, x, (int)c->flen) != (int)c->flen ||
        BN_bn2binpad(by, y, (int)c->flen) != (int)c->flen)
        goto out;
    r = ZTO_OK;
out:
    BN_clear_free(d);
    if (bctx != NULL)
        BN_CTX_end(bctx);
    BN_CTX_free(bctx);
    EC_POINT_free(pt);
    EC_GROUP_free(g);
    return r;
}

zto_err_t
kex_ecdh_start(struct zto_kex *k)
{
    const struct curve *c = curve_of(k);
    zto_err_t r = ZTO_E_CRYPTO;
    EVP_PKEY *pk = NULL;
    BIGNUM *d = NULL;

    if (c == NULL)
        return ZTO_E_UNSUPPORTED;
    if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c->group)) == NULL ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) ||
        BN_bn2binpad(d, k->secret, (int)c->flen) != (int)c->flen)
        goto out;
    k->secret_len = c->flen;
    if ((r = zto_random(k->random, c->rlen)) != ZTO_OK)
        goto out;
    k->random_len = c->rlen;
    r = ZTO_OK;
out:
    BN_clear_free(d);
    EVP_PKEY_free(pk);
    return r;
}

static void
put_field(uint8_t *p, const uint8_t *v, size_t n)
{
    p[0] = (uint8_t)(n >> 8);
    p[1] = (uint8_t)n;
    memcpy(p + 2, v, n);
}

zto_err_t
kex_ecdh_param(const struct zto_kex *k, uint8_t *out, size_t cap,
               size_t *out_len)
{
    const struct curve *c = curve_of(k);
    uint8_t x[EC_MAX_FIELD], y[EC_MAX_FIELD];
    size_t n;
    zto_err_t r;

    if (c == NULL || k->random_len != c->rlen)
        return ZTO_E_STATE;
    n = 6 + 2 * c->flen + c->rlen;
    if (cap < n)
        return ZTO_E_BUF_TOO_SMALL;
    if ((r = own_public(c, k, x, y)) != ZTO_OK)
        return r;
    put_field(out, x, c->flen);
    put_field(out + 2 + c->flen, y, c->flen);
    put_field(out + 4 + 2 * c->flen, k->random, c->rlen);
    *out_len = n;
    return ZTO_OK;
}

/* One length-prefixed field of a peer parameter. */
static zto_err_t
get_field(const uint8_t *p, size_t len, size_t *off, size_t max,
          struct zto_bytes *v)
{
    size_t n;

    if (len - *off < 2)
        return ZTO_E_TRUNCATED;
    n = ((size_t)p[*off] << 8) | p[*off + 1];
    *off += 2;
    if (n > len - *off)
        return ZTO_E_TRUNCATED;
    if (n == 0 || n > max)
        return ZTO_E_RANGE;
    v->p = p + *off;
    v->len = n;
    *off += n;
    return ZTO_OK;
}

static EVP_PKEY *
key_from_params(const struct curve *c, const uint8_t *pub, size_t pub_len,
                const BIGNUM *priv)
{
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pk = NULL;

    if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                         c->group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
                                          pub_len) ||
        (priv != NULL &&
         !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
        EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pk,
                          priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                          params) <= 0)
        pk = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params) /* secure BNs are cleared */;
    OSSL_PARAM_BLD_free(bld);
    return pk;
}

/* The peer point must be on the curve, not at infinity, coordinates < p. */
static zto_err_t
check_peer(EVP_PKEY *peer)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
    int ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;

    EVP_PKEY_CTX_free(ctx);
    return ok ? ZTO_OK : ZTO_E_KEY;
}

zto_err_t
kex_ecdh_derive(const struct zto_kex *k, const uint8_t *peer, size_t peer_len,
                uint8_t *shse, size_t cap, size_t *shse_len)
{
    const struct curve *c = curve_of(k);
    zto_err_t r = ZTO_E_CRYPTO;
    struct zto_bytes px, py, prand;
    uint8_t own_pt[1 + 2 * EC_MAX_FIELD], peer_pt[1 + 2 * EC_MAX_FIELD];
    uint8_t shx[EC_MAX_FIELD];
    size_t off = 0, ptlen, shx_len, n;
    EVP_PKEY *own = NULL, *other = NULL;
    EVP_PKEY_CTX *dctx = NULL;
    BIGNUM *d = NULL;

    if (c == NULL || k->random_len != c->rlen ||
        (k->role != ZTO_KEX_OWNER && k->role != ZTO_KEX_DEVICE))
        return ZTO_E_STATE;
    if ((r = get_field(peer, peer_len, &off, c->flen, &px)) != ZTO_OK ||
        (r = get_field(peer, peer_len, &off, c->flen, &py)) != ZTO_OK ||
        (r = get_field(peer, peer_len, &off, c->rlen, &prand)) != ZTO_OK)
        return r;
    if (off != peer_len)
        return ZTO_E_TRAILING;
    n = c->flen + c->rlen + prand.len;
    if (cap < n)
        return ZTO_E_BUF_TOO_SMALL;

    ptlen = 1 + 2 * c->flen;
    memset(peer_pt, 0, sizeof(peer_pt));
    peer_pt[0] = 0x04; /* uncompressed */
    memcpy(peer_pt + 1 + c->flen - px.len, px.p, px.len);
    memcpy(peer_pt + 1 + 2 * c->flen - py.len, py.p, py.len);
    own_pt[0] = 0x04;
    r = ZTO_E_CRYPTO;
    if ((r = own_public(c, k, own_pt + 1, own_pt + 1 + c->flen)) != ZTO_OK)
        goto out;
    r = ZTO_E_CRYPTO;
    if ((d = BN_secure_new()) == NULL)
        goto out;
    BN_set_flags(d, BN_FLG_CONSTTIME);
    if (BN_bin2bn(k->secret, (int)c->flen, d) == NULL ||
        (own = key_from_params(c, own_pt, ptlen, d)) == NULL)
        goto out;
    if ((other = key_from_params(c, peer_pt, ptlen, NULL)) == NULL) {
        r = ZTO_E_KEY; /* not a point of this curve */
        goto out;
    }
    if ((r = check_peer(other)) != ZTO_OK)
        goto out;
    r = ZTO_E_CRYPTO;
    shx_len = sizeof(shx);
    if ((dctx = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL)) == NULL ||
        EVP_PKEY_derive_init(dctx) <= 0 ||
        EVP_PKEY_derive_set_peer_ex(dctx, other, 1) <= 0 ||
        EVP_PKEY_derive(dctx, shx, &shx_len) <= 0 || shx_len != c->flen)
        goto out;

    memcpy(shse, shx, c->flen);
    if (k->role == ZTO_KEX_DEVICE) {
        memcpy(shse + c->flen, k->random, c->rlen);
        memcpy(shse + c->flen + c->rlen, prand.p, prand.len);
    } else {
        memcpy(shse + c->flen, prand.p, prand.len);
        memcpy(shse + c->flen + prand.len, k->random, c->rlen);
    }
    *shse_len = n;
    r = ZTO_OK;
out:
    zto_zeroize(shx, sizeof(shx));
    EVP_PKEY_CTX_free(dctx);
    EVP_PKEY_free(other);
    EVP_PKEY_free(own);
    BN_clear_free(d);
    return r;
}
