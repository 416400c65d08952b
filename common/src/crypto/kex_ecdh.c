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
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "kex_int.h"
#include "zto/zto_util.h"

#define EC_MAX_FIELD 48

struct curve {
    int nid;
    size_t flen; /* coordinate / Shx bytes */
    size_t rlen; /* random bytes */
};

static const struct curve p256 = {NID_X9_62_prime256v1, 32, 16};
static const struct curve p384 = {NID_secp384r1, 48, 48};

static const struct curve *
curve_of(const struct zto_kex *k)
{
    if (k->suite == ZTO_KEX_ECDH256)
        return &p256;
    if (k->suite == ZTO_KEX_ECDH384)
        return &p384;
    return NULL;
}

/* The curve's group (a new object, freed by the caller). */
static EC_GROUP *
new_group(const struct curve *c)
{
    return EC_GROUP_new_by_curve_name(c->nid);
}

/* The stored scalar as a constant-time BIGNUM in [1, n-1]. */
static zto_err_t
own_scalar(const struct curve *c, const struct zto_kex *k, const EC_GROUP *g,
           BIGNUM **out)
{
    BIGNUM *d;

    *out = NULL;
    if (k->secret_len != c->flen)
        return ZTO_E_STATE;
    if ((d = BN_secure_new()) == NULL)
        return ZTO_E_CRYPTO;
    BN_set_flags(d, BN_FLG_CONSTTIME);
    if (BN_bin2bn(k->secret, (int)c->flen, d) == NULL) {
        BN_clear_free(d);
        return ZTO_E_CRYPTO;
    }
    if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
        BN_clear_free(d);
        return ZTO_E_STATE;
    }
    *out = d;
    return ZTO_OK;
}

/* Own public point d*G from the stored scalar, as fixed-width X and Y. */
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
    if ((g = new_group(c)) == NULL || (pt = EC_POINT_new(g)) == NULL ||
        (bctx = BN_CTX_new()) == NULL)
        goto out;
    if ((r = own_scalar(c, k, g, &d)) != ZTO_OK)
        goto out;
    r = ZTO_E_CRYPTO;
    BN_CTX_start(bctx);
    bx = BN_CTX_get(bctx);
    by = BN_CTX_get(bctx);
    if (by == NULL || !EC_POINT_mul(g, pt, d, NULL, NULL, bctx) ||
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

/* A fresh scalar uniform in [1, n-1], as OpenSSL's EC key generation
 * draws it; the public point is computed once, by kex_ecdh_param(). */
zto_err_t
kex_ecdh_start(struct zto_kex *k)
{
    const struct curve *c = curve_of(k);
    zto_err_t r = ZTO_E_CRYPTO;
    EC_GROUP *g = NULL;
    BIGNUM *d = NULL;

    if (c == NULL)
        return ZTO_E_UNSUPPORTED;
    if ((g = new_group(c)) == NULL || (d = BN_secure_new()) == NULL)
        goto out;
    BN_set_flags(d, BN_FLG_CONSTTIME);
    do {
        if (!BN_priv_rand_range_ex(d, EC_GROUP_get0_order(g), 0, NULL))
            goto out;
    } while (BN_is_zero(d));
    if (BN_bn2binpad(d, k->secret, (int)c->flen) != (int)c->flen)
        goto out;
    k->secret_len = c->flen;
    if ((r = zto_random(k->random, c->rlen)) != ZTO_OK)
        goto out;
    k->random_len = c->rlen;
    r = ZTO_OK;
out:
    BN_clear_free(d);
    EC_GROUP_free(g);
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

/*
 * Shx = x(d * Q) for the peer's point Q (what ECDH_compute_key does,
 * without building EVP_PKEY objects for both sides). Q must be a point
 * of the curve with coordinates below p (EC_POINT_oct2point refuses
 * anything else) and not at infinity; P-256 and P-384 have cofactor 1,
 * so every such point is in the prime-order group and this is the full
 * public-key validation of SP 800-56A section 5.6.2.3.3.
 */
zto_err_t
kex_ecdh_derive(const struct zto_kex *k, const uint8_t *peer, size_t peer_len,
                uint8_t *shse, size_t cap, size_t *shse_len)
{
    const struct curve *c = curve_of(k);
    zto_err_t r = ZTO_E_CRYPTO;
    struct zto_bytes px, py, prand;
    uint8_t peer_pt[1 + 2 * EC_MAX_FIELD];
    uint8_t shx[EC_MAX_FIELD];
    size_t off = 0, n;
    EC_GROUP *g = NULL;
    EC_POINT *q = NULL, *s = NULL;
    BN_CTX *bctx = NULL;
    BIGNUM *d = NULL, *sx;

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

    memset(peer_pt, 0, sizeof(peer_pt));
    peer_pt[0] = 0x04; /* uncompressed */
    memcpy(peer_pt + 1 + c->flen - px.len, px.p, px.len);
    memcpy(peer_pt + 1 + 2 * c->flen - py.len, py.p, py.len);
    r = ZTO_E_CRYPTO;
    if ((g = new_group(c)) == NULL || (q = EC_POINT_new(g)) == NULL ||
        (s = EC_POINT_new(g)) == NULL || (bctx = BN_CTX_new()) == NULL)
        goto out;
    if ((r = own_scalar(c, k, g, &d)) != ZTO_OK)
        goto out;
    if (EC_POINT_oct2point(g, q, peer_pt, 1 + 2 * c->flen, bctx) != 1 ||
        EC_POINT_is_at_infinity(g, q) ||
        EC_POINT_is_on_curve(g, q, bctx) != 1) {
        r = ZTO_E_KEY; /* not a point of this curve */
        goto out;
    }
    r = ZTO_E_CRYPTO;
    BN_CTX_start(bctx);
    if ((sx = BN_CTX_get(bctx)) == NULL ||
        !EC_POINT_mul(g, s, NULL, q, d, bctx) || EC_POINT_is_at_infinity(g, s) ||
        !EC_POINT_get_affine_coordinates(g, s, sx, NULL, bctx) ||
        BN_bn2binpad(sx, shx, (int)c->flen) != (int)c->flen) {
        BN_CTX_end(bctx);
        goto out;
    }
    BN_CTX_end(bctx);

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
    EC_POINT_clear_free(s);
    EC_POINT_free(q);
    BN_clear_free(d);
    BN_CTX_free(bctx);
    EC_GROUP_free(g);
    return r;
}
