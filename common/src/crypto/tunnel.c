/*
 * tunnel.c - the TO2 encrypted tunnel for messages 65..71 (FDO 1.1
 * section 8.6): cipher suite table, session key derivation, seal/open
 * dispatch.
 *
 * Keys come from the section 8.5 KDF over ShSe / ContextRand:
 *
 *   A128GCM, AES-CCM-*-128 (1, 30, 32)   HMAC-SHA256  L=128  SEVK 16
 *   A256GCM, AES-CCM-*-256 (3, 31, 33)   HMAC-SHA256  L=256  SEVK 32
 *   COSEAES128CBC / CTR                  HMAC-SHA256  L=256  SEK 16, SVK 16
 *   COSEAES256CBC / CTR                  HMAC-SHA384  L=512  SEK 32, SVK 32
 *
 * For the encrypt-then-MAC suites the sources disagree on SVK size and
 * order; this follows go-fdo: SEK first, then SVK sized as the HMAC key
 * go-fdo registers (16 bytes for HMAC-SHA256, 32 for HMAC-SHA384). Those
 * suites only interoperate with go-fdo-style peers (see tunnel_etm.c);
 * A128GCM/A256GCM are the interoperable default.
 */
#include <string.h>

#include "tunnel_int.h"
#include "zto/zto_util.h"

/* COSE ids go-fdo uses for the inner Encrypt0 of the CBC/CTR suites. */
#define COSE_A128CTR (-65534)
#define COSE_A256CTR (-65532)
#define COSE_A128CBC (-65531)
#define COSE_A256CBC (-65529)

static const struct tunnel_suite suites[] = {
    {ZTO_COSE_A128GCM, TUNNEL_GCM, 16, 0, ZTO_HMAC_SHA256, 12, 0, 0},
    {ZTO_COSE_A256GCM, TUNNEL_GCM, 32, 0, ZTO_HMAC_SHA256, 12, 0, 0},
    {ZTO_COSE_AES_CCM_16_128_128, TUNNEL_CCM, 16, 0, ZTO_HMAC_SHA256, 13, 0, 0},
    {ZTO_COSE_AES_CCM_16_128_256, TUNNEL_CCM, 32, 0, ZTO_HMAC_SHA256, 13, 0, 0},
    {ZTO_COSE_AES_CCM_64_128_128, TUNNEL_CCM, 16, 0, ZTO_HMAC_SHA256, 7, 0, 0},
    {ZTO_COSE_AES_CCM_64_128_256, TUNNEL_CCM, 32, 0, ZTO_HMAC_SHA256, 7, 0, 0},
    {ZTO_COSE_AES128CBC, TUNNEL_CBC, 16, 16, ZTO_HMAC_SHA256, 16,
     ZTO_COSE_HMAC256, COSE_A128CBC},
    {ZTO_COSE_AES128CTR, TUNNEL_CTR, 16, 16, ZTO_HMAC_SHA256, 16,
     ZTO_COSE_HMAC256, COSE_A128CTR},
    {ZTO_COSE_AES256CBC, TUNNEL_CBC, 32, 32, ZTO_HMAC_SHA384, 16,
     ZTO_COSE_HMAC384, COSE_A256CBC},
    {ZTO_COSE_AES256CTR, TUNNEL_CTR, 32, 32, ZTO_HMAC_SHA384, 16,
     ZTO_COSE_HMAC384, COSE_A256CTR},
};

const struct tunnel_suite *
tunnel_suite_of(int32_t id)
{
    size_t i;

    for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

uint8_t *
tunnel_reserve(struct zto_cbor_enc *e, size_t n)
{
    uint8_t *p;

    if (e->err != ZTO_OK)
        return NULL;
    if (e->buf == NULL) {
        e->err = ZTO_E_ARG;
        return NULL;
    }
    if (n > e->cap - e->len) {
        e->err = ZTO_E_BUF_TOO_SMALL;
        return NULL;
    }
    p = e->buf + e->len;
    e->len += n;
    return p;
}

size_t
tunnel_alg_header(int32_t alg, uint8_t *buf, size_t cap)
{
    struct zto_cbor_enc e;
    size_t len = 0;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_map(&e, 1);
    zto_cbor_put_int(&e, ZTO_COSE_HDR_ALG);
    zto_cbor_put_int(&e, alg);
    return zto_cbor_enc_finish(&e, &len) == ZTO_OK ? len : 0;
}

zto_err_t
tunnel_get_alg(struct zto_cbor_dec *d, int32_t *alg, struct zto_bytes *prot)
{
    struct zto_cbor_dec h;
    size_t n;
    int64_t label;
    zto_err_t r;

    if ((r = zto_cbor_get_bstr(d, prot)) != ZTO_OK)
        return r;
    zto_cbor_dec_init(&h, prot->p, prot->len);
    if ((r = zto_cbor_get_map(&h, &n)) != ZTO_OK)
        return r;
    if (n != 1)
        return n == 0 ? ZTO_E_MISSING : ZTO_E_UNKNOWN_KEY;
    if ((r = zto_cbor_get_int(&h, &label)) != ZTO_OK)
        return r;
    if (label != ZTO_COSE_HDR_ALG)
        return ZTO_E_UNKNOWN_KEY;
    if ((r = zto_cbor_get_i32(&h, alg)) != ZTO_OK)
        return r;
    return zto_cbor_dec_finish(&h);
}

bool
zto_tunnel_cipher_supported(int32_t cipher)
{
    return tunnel_suite_of(cipher) != NULL;
}

zto_err_t
zto_tunnel_setup(struct zto_tunnel *t, int32_t cipher, const uint8_t *shse,
                 size_t shse_len, const uint8_t *ctx_rand, size_t ctx_len)
{
    const struct tunnel_suite *s = tunnel_suite_of(cipher);
    uint8_t km[sizeof(t->key) + sizeof(t->mac_key)];
    zto_err_t r;

    if (t == NULL)
        return ZTO_E_ARG;
    if (s == NULL)
        return ZTO_E_UNSUPPORTED;
    if ((r = zto_kdf(s->prf, shse, shse_len, ctx_rand, ctx_len, km,
                     s->key_len + s->mac_key_len)) != ZTO_OK)
        return r;
    zto_tunnel_wipe(t);
    t->cipher = cipher;
    memcpy(t->key, km, s->key_len);
    t->key_len = s->key_len;
    memcpy(t->mac_key, km + s->key_len, s->mac_key_len);
    t->mac_key_len = s->mac_key_len;
    zto_zeroize(km, sizeof(km));
    return ZTO_OK;
}

/* The suite of a set-up tunnel, checking the key sizes match it. */
static const struct tunnel_suite *
suite_of_tunnel(const struct zto_tunnel *t)
{
    const struct tunnel_suite *s = tunnel_suite_of(t->cipher);

    if (s == NULL || t->key_len != s->key_len ||
        t->mac_key_len != s->mac_key_len)
        return NULL;
    return s;
}

zto_err_t
zto_tunnel_seal_iv(const struct zto_tunnel *t, const uint8_t *iv, size_t iv_len,
                   const uint8_t *pt, size_t pt_len, uint8_t *out, size_t cap,
                   size_t *out_len)
{
    const struct tunnel_suite *s;
    struct zto_cbor_enc e;
    zto_err_t r;

    if (t == NULL || iv == NULL || out == NULL || out_len == NULL ||
        (pt == NULL && pt_len > 0))
        return ZTO_E_ARG;
    if ((s = suite_of_tunnel(t)) == NULL)
        return ZTO_E_STATE;
    if (iv_len != s->iv_len)
        return ZTO_E_ARG;
    zto_cbor_enc_init(&e, out, cap);
    if (s->mode == TUNNEL_GCM || s->mode == TUNNEL_CCM)
        r = tunnel_aead_seal(s, t, iv, pt, pt_len, &e);
    else
        r = tunnel_etm_seal(s, t, iv, pt, pt_len, &e);
    if (r == ZTO_OK)
        r = zto_cbor_enc_finish(&e, out_len);
    if (r != ZTO_OK)
        zto_zeroize(out, e.len < cap ? e.len : cap);
    return r;
}

zto_err_t
zto_tunnel_seal(const struct zto_tunnel *t, const uint8_t *pt, size_t pt_len,
                uint8_t *out, size_t cap, size_t *out_len)
{
    const struct tunnel_suite *s;
    uint8_t iv[TUNNEL_IV_MAX];
    zto_err_t r;

    if (t == NULL)
        return ZTO_E_ARG;
    if ((s = suite_of_tunnel(t)) == NULL)
        return ZTO_E_STATE;
    /* A fresh random IV per message; 96-bit GCM nonces stay well below
     * the collision bound for the few messages of one TO2 session. */
    if ((r = zto_random(iv, s->iv_len)) != ZTO_OK)
        return r;
    return zto_tunnel_seal_iv(t, iv, s->iv_len, pt, pt_len, out, cap, out_len);
}

zto_err_t
zto_tunnel_open(const struct zto_tunnel *t, const uint8_t *in, size_t in_len,
                uint8_t *out, size_t cap, size_t *out_len)
{
    const struct tunnel_suite *s;

    if (t == NULL || (in == NULL && in_len > 0) || (out == NULL && cap > 0) ||
        out_len == NULL)
        return ZTO_E_ARG;
    if ((s = suite_of_tunnel(t)) == NULL)
        return ZTO_E_STATE;
    if (s->mode == TUNNEL_GCM || s->mode == TUNNEL_CCM)
        return tunnel_aead_open(s, t, in, in_len, out, cap, out_len);
    return tunnel_etm_open(s, t, in, in_len, out, cap, out_len);
}

/* Bytes of the CBOR encoding of an int. */
static size_t
int_len(int32_t v)
{
    return zto_cbor_head_len(v >= 0 ? (uint64_t)v
                                    : (uint64_t)(-1 - (int64_t)v));
}

size_t
zto_tunnel_overhead(int32_t cipher, size_t n)
{
    const struct tunnel_suite *s = tunnel_suite_of(cipher);
    size_t prot, unprot, ct, inner, outer_prot, tag;

    if (s == NULL || n > SIZE_MAX / 2)
        return 0;
    unprot = 2 + zto_cbor_head_len(s->iv_len) + s->iv_len; /* {5: iv} */
    if (s->mode == TUNNEL_GCM || s->mode == TUNNEL_CCM) {
        prot = 2 + int_len(s->id); /* {1: alg} */
        ct = n + TUNNEL_TAG_LEN;
        /* tag 16, array(3), protected, unprotected, ciphertext */
        return 2 + zto_cbor_head_len(prot) + prot + unprot +
               zto_cbor_head_len(ct) + ct - n;
    }
    prot = 2 + int_len(s->inner_alg);
    ct = s->mode == TUNNEL_CBC ? (n / 16 + 1) * 16 : n;
    inner = 1 + zto_cbor_head_len(prot) + prot + unprot +
            zto_cbor_head_len(ct) + ct;
    outer_prot = 2 + int_len(s->mac_alg);
    tag = zto_hash_size(s->mac_alg);
    /* tag 17, array(4), protected, {}, payload, tag */
    return 2 + zto_cbor_head_len(outer_prot) + outer_prot + 1 +
           zto_cbor_head_len(inner) + inner + zto_cbor_head_len(tag) + tag - n;
}

void
zto_tunnel_wipe(struct zto_tunnel *t)
{
    zto_zeroize(t, t != NULL ? sizeof(*t) : 0);
}
