/*
 * tunnel_etm.c - encrypt-then-MAC framing of TO2 messages 65..71 for the
 * suites COSEAES128CBC / CTR and COSEAES256CBC / CTR (FDO 1.1 section
 * 8.6), laid out as go-fdo does:
 *
 *   #6.17([ protected: bstr .cbor { 1: 5 | 6 },      ; HMAC 256 / 384
 *           unprotected: {},
 *           payload: bstr .cbor [                     ; untagged Encrypt0
 *               protected: bstr .cbor { 1: A128CBC (-65531) | A256CBC
 *                                         (-65529) | A128CTR (-65534) |
 *                                         A256CTR (-65532) },
 *               unprotected: { 5: IV (16 random bytes per message) },
 *               ciphertext: bstr ],                   ; CBC: PKCS#7 padded
 *           tag: bstr ])                              ; HMAC under SVK
 *   tag = HMAC(SVK, ["MAC0", protected, h'', payload])  (COSE MAC_structure)
 *
 * INTEROPERABILITY: public implementations disagree on almost every part
 * of this (inner tag, inner alg ids and header, MAC input, SVK size), so
 * these suites only work with go-fdo-style peers. A128GCM / A256GCM are
 * the default and the suites to offer. CTR uses a fresh random 16-byte
 * initial counter block per message (as go-fdo), not the session-wide
 * counter of the spec table; the IV travels in the header either way.
 */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "../cose/mac0_int.h"
#include "tunnel_int.h"
#include "zto/zto_util.h"

#define AES_BLOCK 16

static const EVP_CIPHER *
etm_cipher(const struct tunnel_suite *s)
{
    if (s->mode == TUNNEL_CBC)
        return s->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
    return s->key_len == 16 ? EVP_aes_128_ctr() : EVP_aes_256_ctr();
}

/* Raw AES-CBC (no padding) or AES-CTR over n bytes. */
static zto_err_t
aes_raw(const struct tunnel_suite *s, const uint8_t *key, const uint8_t *iv,
        const uint8_t *in, size_t n, uint8_t *out, bool enc)
{
    zto_err_t r = ZTO_E_CRYPTO;
    EVP_CIPHER_CTX *ctx;
    int len = 0, fin = 0;

    if (n == 0)
        return ZTO_OK;
    if (n > INT_MAX)
        return ZTO_E_TOO_BIG;
    if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
        return ZTO_E_CRYPTO;
    if (EVP_CipherInit_ex(ctx, etm_cipher(s), NULL, key, iv, enc) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
        EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 &&
        EVP_CipherFinal_ex(ctx, out + len, &fin) == 1 &&
        (size_t)len + (size_t)fin == n)
        r = ZTO_OK;
    EVP_CIPHER_CTX_free(ctx);
    return r;
}

/* CBC over the full blocks of pt, then the last block padded (PKCS#7). */
static zto_err_t
etm_encrypt(const struct tunnel_suite *s, const uint8_t *key, const uint8_t *iv,
            const uint8_t *pt, size_t pt_len, uint8_t *ct)
{
    uint8_t last[AES_BLOCK];
    size_t full, rest;
    zto_err_t r;

    if (s->mode == TUNNEL_CTR)
        return aes_raw(s, key, iv, pt, pt_len, ct, true);
    full = pt_len - pt_len % AES_BLOCK;
    rest = pt_len - full;
    if ((r = aes_raw(s, key, iv, pt, full, ct, true)) != ZTO_OK)
        return r;
    if (rest > 0)
        memcpy(last, pt + full, rest);
    memset(last + rest, (int)(AES_BLOCK - rest), AES_BLOCK - rest);
    /* Chaining continues from the previous ciphertext block. */
    r = aes_raw(s, key, full > 0 ? ct + full - AES_BLOCK : iv, last, AES_BLOCK,
                ct + full, true);
    zto_zeroize(last, sizeof(last));
    return r;
}

zto_err_t
tunnel_etm_seal(const struct tunnel_suite *s, const struct zto_tunnel *t,
                const uint8_t *iv, const uint8_t *pt, size_t pt_len,
                struct zto_cbor_enc *e)
{
    struct zto_cbor_mark m;
    uint8_t prot[8], inner_prot[8], tag[COSE_MAC0_TAG_MAX];
    size_t prot_len, inner_len, ct_len, body, head, tag_len = 0;
    uint8_t *ct;
    zto_err_t r;

    if ((prot_len = tunnel_alg_header(s->mac_alg, prot, sizeof(prot))) == 0 ||
        (inner_len = tunnel_alg_header(s->inner_alg, inner_prot,
                                       sizeof(inner_prot))) == 0)
        return ZTO_E_INTERNAL;
    if (pt_len > SIZE_MAX - 2 * AES_BLOCK)
        return ZTO_E_TOO_BIG;
    ct_len =
        s->mode == TUNNEL_CBC ? (pt_len / AES_BLOCK + 1) * AES_BLOCK : pt_len;
    zto_cbor_put_tag(e, ZTO_TAG_COSE_MAC0);
    zto_cbor_put_array(e, 4);
    zto_cbor_put_bstr(e, prot, prot_len);
    zto_cbor_put_map(e, 0);
    zto_cbor_bstr_open(e, &m);
    zto_cbor_put_array(e, 3);
    zto_cbor_put_bstr(e, inner_prot, inner_len);
    zto_cbor_put_map(e, 1);
    zto_cbor_put_int(e, ZTO_COSE_HDR_IV);
    zto_cbor_put_bstr(e, iv, s->iv_len);
    zto_cbor_put_bstr_head(e, ct_len);
    if ((ct = tunnel_reserve(e, ct_len)) == NULL)
        return e->err;
    if ((r = etm_encrypt(s, t->key, iv, pt, pt_len, ct)) != ZTO_OK)
        return r;
    body = e->len - m.start;
    zto_cbor_bstr_close(e, &m);
    if (e->err != ZTO_OK)
        return e->err;
    head = zto_cbor_head_len(body);
    if ((r = cose_mac0_tag(s->mac_alg, t->mac_key, t->mac_key_len, prot,
                           prot_len, e->buf + m.start + head, body, tag,
                           &tag_len)) != ZTO_OK)
        return r;
    zto_cbor_put_bstr(e, tag, tag_len);
    return e->err;
}

/* Inner Encrypt0: [ {1: alg}, {5: IV}, ciphertext ]. */
static zto_err_t
decode_inner(const struct tunnel_suite *s, struct zto_bytes payload,
             struct zto_bytes *iv, struct zto_bytes *ct)
{
    struct zto_cbor_dec d;
    struct zto_bytes prot;
    size_t n;
    int32_t alg = 0;
    int64_t label;
    zto_err_t r;

    zto_cbor_dec_init(&d, payload.p, payload.len);
    if ((r = zto_cbor_get_array_n(&d, 3)) != ZTO_OK ||
        (r = tunnel_get_alg(&d, &alg, &prot)) != ZTO_OK ||
        (r = zto_cbor_get_map(&d, &n)) != ZTO_OK)
        return r;
    if (n != 1)
        return n == 0 ? ZTO_E_MISSING : ZTO_E_UNKNOWN_KEY;
    if ((r = zto_cbor_get_int(&d, &label)) != ZTO_OK)
        return r;
    if (label != ZTO_COSE_HDR_IV)
        return ZTO_E_UNKNOWN_KEY;
    if ((r = zto_cbor_get_bstr(&d, iv)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, ct)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (alg != s->inner_alg)
        return ZTO_E_PROTO;
    if (iv->len != s->iv_len)
        return ZTO_E_RANGE;
    if (s->mode == TUNNEL_CBC && (ct->len == 0 || ct->len % AES_BLOCK != 0))
        return ZTO_E_RANGE;
    return ZTO_OK;
}

/* CBC-decrypt and strip PKCS#7 padding; writes exactly the plaintext. */
static zto_err_t
decrypt_cbc(const struct tunnel_suite *s, const uint8_t *key,
            struct zto_bytes iv, struct zto_bytes ct, uint8_t *out, size_t cap,
            size_t *out_len)
{
    uint8_t last[AES_BLOCK], bad = 0, pad;
    size_t full = ct.len - AES_BLOCK, i;
    zto_err_t r;

    if ((r = aes_raw(s, key, full > 0 ? ct.p + full - AES_BLOCK : iv.p,
                     ct.p + full, AES_BLOCK, last, false)) != ZTO_OK)
        goto out;
    /* The MAC already authenticated these bytes, so the padding check
     * cannot serve as an oracle; it only rejects a malformed sender. */
    pad = last[AES_BLOCK - 1];
    bad |= (uint8_t)(pad == 0) | (uint8_t)(pad > AES_BLOCK);
    for (i = 0; i < AES_BLOCK; i++)
        if (i >= AES_BLOCK - (size_t)pad)
            bad |= (uint8_t)(last[i] ^ pad);
    if (bad != 0) {
        r = ZTO_E_PROTO;
        goto out;
    }
    if (cap < full + AES_BLOCK - pad) {
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    if ((r = aes_raw(s, key, iv.p, ct.p, full, out, false)) != ZTO_OK)
        goto out;
    memcpy(out + full, last, AES_BLOCK - pad);
    *out_len = full + AES_BLOCK - pad;
out:
    zto_zeroize(last, sizeof(last));
    return r;
}

zto_err_t
tunnel_etm_open(const struct tunnel_suite *s, const struct zto_tunnel *t,
                const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                size_t *out_len)
{
    struct zto_bytes payload, iv, ct;
    zto_err_t r;

    if ((r = zto_cose_mac0_verify(in, in_len, s->mac_alg, t->mac_key,
                                  t->mac_key_len, &payload)) != ZTO_OK ||
        (r = decode_inner(s, payload, &iv, &ct)) != ZTO_OK)
        return r;
    if (s->mode == TUNNEL_CBC)
        return decrypt_cbc(s, t->key, iv, ct, out, cap, out_len);
    if (cap < ct.len)
        return ZTO_E_BUF_TOO_SMALL;
    if ((r = aes_raw(s, t->key, iv.p, ct.p, ct.len, out, false)) != ZTO_OK)
        return r;
    *out_len = ct.len;
    return ZTO_OK;
}
