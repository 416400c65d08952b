/*
 * tunnel_aead.c - AEAD framing of TO2 messages 65..71 (FDO 1.1 section
 * 8.6; RFC 9052 section 5.2-5.3) for A128GCM, A256GCM and AES-CCM
 * 30..33:
 *
 *   #6.16([ protected: bstr .cbor { 1: alg }, unprotected: { 5: IV },
 *           ciphertext: bstr = AEAD output || 16-byte tag ])
 *   AAD = CBOR(["Encrypt0", protected-bstr, h''])
 *
 * IV: 12 bytes for GCM, 13 for AES-CCM-16-* (L = 2), 7 for AES-CCM-64-*
 * (L = 8). The receiver requires protected.alg to equal the negotiated
 * suite and the profile above exactly (no other header labels).
 */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "tunnel_int.h"
#include "zto/zto_util.h"

static const EVP_CIPHER *
aead_cipher(const struct tunnel_suite *s)
{
    if (s->mode == TUNNEL_GCM)
        return s->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
    return s->key_len == 16 ? EVP_aes_128_ccm() : EVP_aes_256_ccm();
}

/* Enc_structure ["Encrypt0", protected, h''] for a protected header. */
static size_t
enc_structure(const uint8_t *prot, size_t prot_len, uint8_t *buf, size_t cap)
{
    struct zto_cbor_enc e;
    size_t len = 0;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 3);
    zto_cbor_put_cstr(&e, "Encrypt0");
    zto_cbor_put_bstr(&e, prot, prot_len);
    zto_cbor_put_bstr(&e, NULL, 0);
    return zto_cbor_enc_finish(&e, &len) == ZTO_OK ? len : 0;
}

/*
 * One AEAD operation. Encrypting writes n bytes to out and the tag to
 * tag; decrypting reads the tag from tag and fails with ZTO_E_MAC when it
 * does not match.
 */
static zto_err_t
aead(const struct tunnel_suite *s, const uint8_t *key, const uint8_t *iv,
     const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t n,
     uint8_t *out, uint8_t *tag, bool enc)
{
    zto_err_t r = ZTO_E_CRYPTO;
    EVP_CIPHER_CTX *ctx = NULL;
    bool ccm = s->mode == TUNNEL_CCM;
    uint8_t dummy = 0;
    int len = 0;

    if (n > INT_MAX - TUNNEL_TAG_LEN || (ccm && s->iv_len == 13 && n > 0xffff))
        return ZTO_E_TOO_BIG;
    /* CCM computes the tag in the data call, which must get a buffer even
     * for an empty message. */
    if (n == 0) {
        in = &dummy;
        out = &dummy;
    }
    if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
        EVP_CipherInit_ex(ctx, aead_cipher(s), NULL, NULL, NULL, enc) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)s->iv_len,
                            NULL) != 1 ||
        (ccm && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TUNNEL_TAG_LEN,
                                    enc ? NULL : tag) != 1) ||
        (!ccm && !enc &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TUNNEL_TAG_LEN, tag) !=
             1) ||
        EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc) != 1 ||
        (ccm && EVP_CipherUpdate(ctx, NULL, &len, NULL, (int)n) != 1) ||
        EVP_CipherUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1)
        goto out;
    if (EVP_CipherUpdate(ctx, out, &len, in, (int)n) != 1 ||
        (!ccm && EVP_CipherFinal_ex(ctx, out + len, &len) != 1)) {
        r = enc ? ZTO_E_CRYPTO : ZTO_E_MAC;
        goto out;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TUNNEL_TAG_LEN,
                                   tag) != 1)
        goto out;
    r = ZTO_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    return r;
}

zto_err_t
tunnel_aead_seal(const struct tunnel_suite *s, const struct zto_tunnel *t,
                 const uint8_t *iv, const uint8_t *pt, size_t pt_len,
                 struct zto_cbor_enc *e)
{
    uint8_t prot[8], aad[32];
    size_t prot_len, aad_len;
    uint8_t *ct;

    if ((prot_len = tunnel_alg_header(s->id, prot, sizeof(prot))) == 0 ||
        (aad_len = enc_structure(prot, prot_len, aad, sizeof(aad))) == 0)
        return ZTO_E_INTERNAL;
    if (pt_len > SIZE_MAX - TUNNEL_TAG_LEN)
        return ZTO_E_TOO_BIG;
    zto_cbor_put_tag(e, ZTO_TAG_COSE_ENCRYPT0);
    zto_cbor_put_array(e, 3);
    zto_cbor_put_bstr(e, prot, prot_len);
    zto_cbor_put_map(e, 1);
    zto_cbor_put_int(e, ZTO_COSE_HDR_IV);
    zto_cbor_put_bstr(e, iv, s->iv_len);
    zto_cbor_put_bstr_head(e, pt_len + TUNNEL_TAG_LEN);
    if ((ct = tunnel_reserve(e, pt_len + TUNNEL_TAG_LEN)) == NULL)
        return e->err;
    return aead(s, t->key, iv, aad, aad_len, pt, pt_len, ct, ct + pt_len, true);
}

zto_err_t
tunnel_aead_open(const struct tunnel_suite *s, const struct zto_tunnel *t,
                 const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                 size_t *out_len)
{
    struct zto_cbor_dec d;
    struct zto_bytes prot, iv, ct;
    uint8_t aad[64], tag[TUNNEL_TAG_LEN];
    size_t n, aad_len, pt_len;
    int32_t alg = 0;
    int64_t label;
    zto_err_t r;

    zto_cbor_dec_init(&d, in, in_len);
    if ((r = zto_cbor_expect_tag(&d, ZTO_TAG_COSE_ENCRYPT0)) != ZTO_OK ||
        (r = zto_cbor_get_array_n(&d, 3)) != ZTO_OK ||
        (r = tunnel_get_alg(&d, &alg, &prot)) != ZTO_OK ||
        (r = zto_cbor_get_map(&d, &n)) != ZTO_OK)
        return r;
    if (n != 1)
        return n == 0 ? ZTO_E_MISSING : ZTO_E_UNKNOWN_KEY;
    if ((r = zto_cbor_get_int(&d, &label)) != ZTO_OK)
        return r;
    if (label != ZTO_COSE_HDR_IV)
        return ZTO_E_UNKNOWN_KEY;
    if ((r = zto_cbor_get_bstr(&d, &iv)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &ct)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (alg != s->id)
        return ZTO_E_PROTO;
    if (iv.len != s->iv_len || ct.len < TUNNEL_TAG_LEN)
        return ZTO_E_RANGE;
    pt_len = ct.len - TUNNEL_TAG_LEN;
    if (cap < pt_len)
        return ZTO_E_BUF_TOO_SMALL;
    /* Only a header with non-shortest heads can fail to fit. */
    if ((aad_len = enc_structure(prot.p, prot.len, aad, sizeof(aad))) == 0)
        return ZTO_E_RANGE;
    memcpy(tag, ct.p + pt_len, TUNNEL_TAG_LEN);
    if ((r = aead(s, t->key, iv.p, aad, aad_len, ct.p, pt_len, out, tag,
                  false)) != ZTO_OK) {
        /* Never leave unauthenticated plaintext behind. */
        zto_zeroize(out, pt_len);
        return r;
    }
    *out_len = pt_len;
    return ZTO_OK;
}
