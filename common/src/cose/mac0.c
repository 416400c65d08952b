/*
 * mac0.c - COSE_Mac0 (tag 17) with HMAC 256/256 and 384/384 (RFC 9052
 * section 6.2-6.3, RFC 9053 section 3.1; FDO 1.1 section 8.6).
 *
 *   COSE_Mac0 = #6.17([ protected: bstr .cbor { 1: alg }, unprotected: {},
 *                       payload: bstr, tag: bstr ])
 *   tag = HMAC(key, CBOR(["MAC0", protected-bstr, h'', payload-bstr]))
 *
 * The MAC_structure is streamed into the HMAC, so no copy of the payload
 * is made. Only the profile FDO uses is accepted: protected holds exactly
 * {1: alg}, unprotected is empty, the tag has the full hash length.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mac0_int.h"
#include "zto/zto_util.h"

static bool
mac_alg_ok(int32_t alg)
{
    return alg == ZTO_COSE_HMAC256 || alg == ZTO_COSE_HMAC384;
}

/* Head of a byte string of n bytes (at most 9 bytes). */
static size_t
bstr_head(size_t n, uint8_t *buf, size_t cap)
{
    struct zto_cbor_enc e;
    size_t len = 0;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_bstr_head(&e, n);
    return zto_cbor_enc_finish(&e, &len) == ZTO_OK ? len : 0;
}

zto_err_t
cose_mac0_tag(int32_t alg, const uint8_t *key, size_t key_len,
              const uint8_t *prot, size_t prot_len, const uint8_t *payload,
              size_t payload_len, uint8_t *tag, size_t *tag_len)
{
    /* 84 64 "MAC0": array of four, then the context string. */
    static const uint8_t start[] = {0x84, 0x64, 'M', 'A', 'C', '0'};
    static const uint8_t empty_bstr = 0x40;
    zto_err_t r = ZTO_E_CRYPTO;
    EVP_MAC *mac = NULL;
    EVP_MAC_CTX *ctx = NULL;
    OSSL_PARAM params[2];
    uint8_t ph[9], yh[9];
    size_t phl, yhl, want = zto_hash_size(alg), got = 0;

    if (!mac_alg_ok(alg))
        return ZTO_E_UNSUPPORTED;
    if (key == NULL || key_len == 0)
        return ZTO_E_KEY;
    if ((phl = bstr_head(prot_len, ph, sizeof(ph))) == 0 ||
        (yhl = bstr_head(payload_len, yh, sizeof(yh))) == 0)
        return ZTO_E_INTERNAL;
    params[0] = OSSL_PARAM_construct_utf8_string(
        OSSL_MAC_PARAM_DIGEST, alg == ZTO_COSE_HMAC256 ? "SHA256" : "SHA384",
        0);
    params[1] = OSSL_PARAM_construct_end();
    if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
        (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
        !EVP_MAC_init(ctx, key, key_len, params) ||
        !EVP_MAC_update(ctx, start, sizeof(start)) ||
        !EVP_MAC_update(ctx, ph, phl) ||
        (prot_len > 0 && !EVP_MAC_update(ctx, prot, prot_len)) ||
        !EVP_MAC_update(ctx, &empty_bstr, 1) || !EVP_MAC_update(ctx, yh, yhl) ||
        (payload_len > 0 && !EVP_MAC_update(ctx, payload, payload_len)) ||
        !EVP_MAC_final(ctx, tag, &got, COSE_MAC0_TAG_MAX) || got != want)
        goto out;
    *tag_len = got;
    r = ZTO_OK;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return r;
}

/* Content of the protected bstr for {1: alg}. */
static size_t
alg_header(int32_t alg, uint8_t *buf, size_t cap)
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
zto_cose_mac0_encode(struct zto_cbor_enc *e, int32_t alg, const uint8_t *key,
                     size_t key_len, struct zto_bytes payload)
{
    uint8_t prot[8], tag[COSE_MAC0_TAG_MAX];
    size_t prot_len, tag_len = 0;
    zto_err_t r;

    if (e->err != ZTO_OK)
        return e->err;
    if (payload.p == NULL && payload.len > 0)
        return ZTO_E_ARG;
    if ((prot_len = alg_header(alg, prot, sizeof(prot))) == 0)
        return ZTO_E_INTERNAL;
    if ((r = cose_mac0_tag(alg, key, key_len, prot, prot_len, payload.p,
                           payload.len, tag, &tag_len)) != ZTO_OK)
        return r;
    zto_cbor_put_tag(e, ZTO_TAG_COSE_MAC0);
    zto_cbor_put_array(e, 4);
    zto_cbor_put_bstr(e, prot, prot_len);
    zto_cbor_put_map(e, 0);
    zto_cbor_put_bytes(e, payload);
    zto_cbor_put_bstr(e, tag, tag_len);
    zto_zeroize(tag, sizeof(tag));
    return e->err;
}

/* The protected header must be exactly {1: alg}. */
static zto_err_t
get_alg_header(struct zto_bytes prot, int32_t *alg)
{
    struct zto_cbor_dec d;
    size_t n;
    int64_t label;
    zto_err_t r;

    zto_cbor_dec_init(&d, prot.p, prot.len);
    if ((r = zto_cbor_get_map(&d, &n)) != ZTO_OK)
        return r;
    if (n != 1)
        return n == 0 ? ZTO_E_MISSING : ZTO_E_UNKNOWN_KEY;
    if ((r = zto_cbor_get_int(&d, &label)) != ZTO_OK)
        return r;
    if (label != ZTO_COSE_HDR_ALG)
        return ZTO_E_UNKNOWN_KEY;
    if ((r = zto_cbor_get_i32(&d, alg)) != ZTO_OK)
        return r;
    return zto_cbor_dec_finish(&d);
}

zto_err_t
zto_cose_mac0_verify(const uint8_t *buf, size_t len, int32_t alg,
                     const uint8_t *key, size_t key_len,
                     struct zto_bytes *payload)
{
    struct zto_cbor_dec d;
    struct zto_bytes prot, body, tag;
    uint8_t want[COSE_MAC0_TAG_MAX];
    size_t n, want_len = 0;
    int32_t got_alg = 0;
    zto_err_t r;

    if (!mac_alg_ok(alg))
        return ZTO_E_UNSUPPORTED;
    if (buf == NULL && len > 0)
        return ZTO_E_ARG;
    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_expect_tag(&d, ZTO_TAG_COSE_MAC0)) != ZTO_OK ||
        (r = zto_cbor_get_array_n(&d, 4)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &prot)) != ZTO_OK ||
        (r = get_alg_header(prot, &got_alg)) != ZTO_OK ||
        (r = zto_cbor_get_map(&d, &n)) != ZTO_OK)
        return r;
    if (n != 0)
        return ZTO_E_UNKNOWN_KEY;
    if ((r = zto_cbor_get_bstr(&d, &body)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &tag)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (got_alg != alg)
        return ZTO_E_PROTO;
    if ((r = cose_mac0_tag(alg, key, key_len, prot.p, prot.len, body.p,
                           body.len, want, &want_len)) != ZTO_OK)
        return r;
    r = tag.len == want_len && zto_ct_equal(tag.p, want, want_len) ? ZTO_OK
                                                                   : ZTO_E_MAC;
    zto_zeroize(want, sizeof(want));
    if (r == ZTO_OK)
        *payload = body;
    return r;
}
