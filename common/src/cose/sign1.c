/*
 * sign1.c - COSE_Sign1 as FDO profiles it (FDO 1.1 section 8.2; RFC 9052
 * section 4.2, 4.4).
 *
 *   COSE_Sign1 = #6.18([protected: bstr .cbor {1: alg, ...},
 *                       unprotected: {...}, payload: bstr, signature: bstr])
 *
 * Tag 18 is mandatory (C, GO and CT require it). The protected map must
 * carry alg as an integer; `crit` is refused since we honour no critical
 * header; other protected labels are allowed and ignored. A detached (null)
 * payload is refused: FDO never detaches.
 *
 * The signature covers Sig_structure = ["Signature1", protected, h'',
 * payload]. It is never materialised: its framing and the received (or
 * just written) protected and payload bytes are fed to the digest in
 * pieces, so signing needs no copy of the payload and verification always
 * covers the bytes as they are on the wire.
 */
#include <string.h>

#include "zto/zto_codec.h"
#include "zto/zto_cose.h"

#include "../codec/codec_int.h"

#define COSE_HDR_CRIT 2
#define SIG_MAX 512 /* RSA-4096; ES384 needs 96 */

/* Protected map: find alg, refuse crit and a repeated alg. */
static zto_err_t
protected_dec(struct zto_bytes p, int32_t *alg)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;
    int64_t label;
    size_t n, i;
    bool seen = false;
    int32_t a = 0;
    zto_err_t r;

    zto_cbor_dec_init(&d, p.p, p.len);
    if (p.len == 0)
        return ZTO_E_MISSING;
    if ((r = zto_cbor_get_map(&d, &n)) != ZTO_OK)
        return r;
    for (i = 0; i < n; i++) {
        if ((r = zto_cbor_peek(&d, &it)) != ZTO_OK)
            return r;
        if (it.major == ZTO_CBOR_TSTR) {
            if ((r = zto_cbor_skip(&d)) != ZTO_OK ||
                (r = zto_cbor_skip(&d)) != ZTO_OK)
                return r;
            continue;
        }
        if ((r = zto_cbor_get_int(&d, &label)) != ZTO_OK)
            return r;
        if (label == ZTO_COSE_HDR_ALG) {
            if (seen)
                return ZTO_E_UNKNOWN_KEY;
            if ((r = zto_cbor_get_i32(&d, &a)) != ZTO_OK)
                return r;
            seen = true;
        } else if (label == COSE_HDR_CRIT) {
            return ZTO_E_UNSUPPORTED;
        } else if ((r = zto_cbor_skip(&d)) != ZTO_OK) {
            return r;
        }
    }
    if ((r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (!seen)
        return ZTO_E_MISSING;
    *alg = a;
    return ZTO_OK;
}

zto_err_t
zto_cose_sign1_dec(struct zto_cbor_dec *d, struct zto_cose_sign1 *s)
{
    struct zto_cbor_dec save = *d;
    struct zto_cose_sign1 tmp;
    struct zto_cbor_item it;
    zto_err_t r = ZTO_E_INTERNAL;

    if ((r = zto_cbor_expect_tag(d, ZTO_TAG_COSE_SIGN1)) != ZTO_OK ||
        (r = zto_cbor_get_array_n(d, 4)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(d, &tmp.protected_hdr)) != ZTO_OK ||
        (r = protected_dec(tmp.protected_hdr, &tmp.alg)) != ZTO_OK ||
        (r = zto_cbor_peek(d, &it)) != ZTO_OK)
        goto out;
    if (it.major != ZTO_CBOR_MAP) {
        r = ZTO_E_TYPE;
        goto out;
    }
    if ((r = zto_cbor_get_raw(d, &tmp.unprotected)) != ZTO_OK)
        goto out;
    if (zto_cbor_peek_null(d)) {
        r = ZTO_E_MISSING; /* detached payload */
        goto out;
    }
    if ((r = zto_cbor_get_bstr(d, &tmp.payload)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(d, &tmp.signature)) != ZTO_OK)
        goto out;
    tmp.raw = ZTO_BYTES(d->buf + save.off, d->off - save.off);
    *s = tmp;
    r = ZTO_OK;
out:
    if (r != ZTO_OK)
        *d = save;
    return r;
}

zto_err_t
zto_cose_sign1_decode(const uint8_t *buf, size_t len, struct zto_cose_sign1 *s)
{
    struct zto_cbor_dec d;
    struct zto_cose_sign1 tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cose_sign1_dec(&d, &tmp)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *s = tmp;
    return ZTO_OK;
}

zto_err_t
zto_cose_unprotected_get(const struct zto_cose_sign1 *s, int64_t label,
                         struct zto_bytes *value)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;
    struct zto_bytes v = ZTO_BYTES_NULL;
    bool found = false, match;
    int64_t k;
    size_t n, i;
    zto_err_t r;

    zto_cbor_dec_init(&d, s->unprotected.p, s->unprotected.len);
    if ((r = zto_cbor_get_map(&d, &n)) != ZTO_OK)
        return r;
    for (i = 0; i < n; i++) {
        if ((r = zto_cbor_peek(&d, &it)) != ZTO_OK)
            return r;
        match = false;
        if ((it.major == ZTO_CBOR_UINT || it.major == ZTO_CBOR_NEGINT) &&
            it.val <= (uint64_t)INT64_MAX) {
            if ((r = zto_cbor_get_int(&d, &k)) != ZTO_OK)
                return r;
            match = k == label;
        } else if ((r = zto_cbor_skip(&d)) != ZTO_OK) {
            return r;
        }
        if (match && found)
            return ZTO_E_UNKNOWN_KEY; /* the same label twice */
        if ((r = zto_cbor_get_raw(&d, match ? &v : NULL)) != ZTO_OK)
            return r;
        found |= match;
    }
    if ((r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (!found)
        return ZTO_E_NOT_FOUND;
    *value = v;
    return ZTO_OK;
}

/* Digest of Sig_structure = ["Signature1", protected, h'', payload]. */
static zto_err_t
sig_structure_digest(int32_t alg, struct zto_bytes prot,
                     struct zto_bytes payload, struct zto_hash_buf *out)
{
    static const uint8_t context[] = {0x84, 0x6a, 'S', 'i', 'g', 'n',
                                      'a',  't',  'u', 'r', 'e', '1'};
    static const uint8_t empty_aad = 0x40;
    uint8_t ph[9], lh[9];
    size_t phl = 0, lhl = 0;
    struct zto_cbor_enc e;
    struct zto_digest dg;
    int32_t ht = zto_alg_hash_type(alg);
    zto_err_t r;

    if (ht == 0)
        return ZTO_E_UNSUPPORTED;
    zto_cbor_enc_init(&e, ph, sizeof(ph));
    zto_cbor_put_bstr_head(&e, prot.len);
    if ((r = zto_cbor_enc_finish(&e, &phl)) != ZTO_OK)
        return r;
    zto_cbor_enc_init(&e, lh, sizeof(lh));
    zto_cbor_put_bstr_head(&e, payload.len);
    if ((r = zto_cbor_enc_finish(&e, &lhl)) != ZTO_OK)
        return r;
    if ((r = zto_digest_start(&dg, ht)) != ZTO_OK)
        return r;
    if ((r = zto_digest_update(&dg, context, sizeof(context))) != ZTO_OK ||
        (r = zto_digest_update(&dg, ph, phl)) != ZTO_OK ||
        (r = zto_digest_update(&dg, prot.p, prot.len)) != ZTO_OK ||
        (r = zto_digest_update(&dg, &empty_aad, 1)) != ZTO_OK ||
        (r = zto_digest_update(&dg, lh, lhl)) != ZTO_OK ||
        (r = zto_digest_update(&dg, payload.p, payload.len)) != ZTO_OK) {
        zto_digest_abort(&dg);
        return r;
    }
    return zto_digest_finish(&dg, out);
}

zto_err_t
zto_cose_sign1_verify(const struct zto_cose_sign1 *s, const struct zto_key *key)
{
    struct zto_hash_buf dg;
    zto_err_t r;

    if ((r = sig_structure_digest(s->alg, s->protected_hdr, s->payload, &dg)) !=
        ZTO_OK)
        return r;
    return zto_verify_digest(key, s->alg, dg.value, dg.len, s->signature.p,
                             s->signature.len);
}

zto_err_t
zto_cose_sign1_verify_pubkey(const struct zto_cose_sign1 *s,
                             const struct zto_pubkey *pk)
{
    struct zto_key key;
    zto_err_t r;

    zto_key_init(&key);
    if ((r = zto_key_from_pubkey(pk, &key)) == ZTO_OK)
        r = zto_cose_sign1_verify(s, &key);
    zto_key_free(&key);
    return r;
}

/* Bytes of the int head for v. */
static size_t
int_len(int64_t v)
{
    return zto_cbor_head_len(v >= 0 ? (uint64_t)v : (uint64_t)(-1 - v));
}

void
zto_cose_sign1_begin(struct zto_cbor_enc *e, struct zto_cose_sign1_mark *m,
                     int32_t alg, struct zto_bytes unprotected)
{
    /* protected = bstr .cbor {1: alg}: map head, label 1, alg */
    size_t plen = 1 + 1 + int_len(alg);

    memset(m, 0, sizeof(*m));
    if (unprotected.len > 0 && (unprotected.p[0] >> 5) != ZTO_CBOR_MAP) {
        codec_enc_fail(e, ZTO_E_ARG);
        return;
    }
    zto_cbor_put_tag(e, ZTO_TAG_COSE_SIGN1);
    zto_cbor_put_array(e, 4);
    zto_cbor_put_bstr_head(e, plen);
    m->prot_off = e->len;
    m->prot_len = plen;
    zto_cbor_put_map(e, 1);
    zto_cbor_put_uint(e, ZTO_COSE_HDR_ALG);
    zto_cbor_put_int(e, alg);
    if (e->err == ZTO_OK && e->len - m->prot_off != plen)
        codec_enc_fail(e, ZTO_E_INTERNAL);
    if (unprotected.len > 0)
        zto_cbor_put_raw(e, unprotected.p, unprotected.len);
    else
        zto_cbor_put_map(e, 0);
    zto_cbor_bstr_open(e, &m->payload);
}

/* Signature size for measuring; 0 if it cannot be known. */
static size_t
sig_len_for(const struct zto_signer *signer)
{
    switch (signer->alg) {
    case ZTO_COSE_ES256:
        return 64;
    case ZTO_COSE_ES384:
        return 96;
    default:
        return signer->pub != NULL ? signer->pub->bits / 8 : 0;
    }
}

zto_err_t
zto_cose_sign1_end(struct zto_cbor_enc *e, struct zto_cose_sign1_mark *m,
                   const struct zto_signer *signer)
{
    uint8_t sig[SIG_MAX];
    size_t sig_len = 0, content_len, hl;
    struct zto_bytes prot, payload;
    struct zto_hash_buf dg;
    int32_t alg = 0;
    zto_err_t r = ZTO_E_INTERNAL;

    if (e->err != ZTO_OK)
        return e->err;
    content_len = e->len - m->payload.start;
    hl = zto_cbor_head_len(content_len);
    zto_cbor_bstr_close(e, &m->payload);
    if (e->err != ZTO_OK)
        return e->err;
    if (e->buf == NULL) {
        /* Measuring: reserve the signature's size. */
        if ((sig_len = sig_len_for(signer)) == 0) {
            r = ZTO_E_ARG;
            goto out;
        }
        zto_cbor_put_bstr_head(e, sig_len);
        zto_cbor_put_raw(e, NULL, sig_len);
        return zto_cbor_enc_finish(e, NULL);
    }
    prot = ZTO_BYTES(e->buf + m->prot_off, m->prot_len);
    payload = ZTO_BYTES(e->buf + m->payload.start + hl, content_len);
    if ((r = protected_dec(prot, &alg)) != ZTO_OK)
        goto out;
    if (alg != signer->alg) {
        r = ZTO_E_ARG;
        goto out;
    }
    if ((r = sig_structure_digest(alg, prot, payload, &dg)) != ZTO_OK ||
        (r = signer->sign(signer->ctx, alg, dg.value, dg.len, sig, sizeof(sig),
                          &sig_len)) != ZTO_OK)
        goto out;
    if (sig_len > sizeof(sig)) {
        r = ZTO_E_INTERNAL;
        goto out;
    }
    zto_cbor_put_bstr(e, sig, sig_len);
    r = zto_cbor_enc_finish(e, NULL);
out:
    if (r != ZTO_OK)
        codec_enc_fail(e, r);
    return r;
}

zto_err_t
zto_cose_sign1_sign(struct zto_cbor_enc *e, const struct zto_signer *signer,
                    struct zto_bytes unprotected, struct zto_bytes payload)
{
    struct zto_cose_sign1_mark m;

    zto_cose_sign1_begin(e, &m, signer->alg, unprotected);
    zto_cbor_put_raw(e, payload.p, payload.len);
    return zto_cose_sign1_end(e, &m, signer);
}
