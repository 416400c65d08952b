/*
 * pubkey.c - PublicKey = [pkType, pkEnc, pkBody] (FDO 1.1 section 3).
 *
 * pkBody by encoding:
 *   X509 (1)    bstr holding a DER SubjectPublicKeyInfo; body = content.
 *   X5CHAIN (2) COSE_X509: an array of DER certificates, leaf first, or a
 *               single bstr certificate (RFC 9360); body = that raw item.
 *               fido-device-onboard-rs wraps the array in a bstr (section 3
 *               notes, section 12 item 14). A DER certificate starts with a
 *               SEQUENCE (0x30), never with a CBOR array head, so a bstr whose
 *               content opens an array is taken as that wrapped form and body
 *               is the inner array. raw keeps the bytes as received, so the
 *               key re-encodes byte-identically; built locally it is written
 *               unwrapped.
 *   COSEKEY (3) a COSE_Key map; body = the raw map.
 * Crypto (0, Intel EPID) is refused: nothing in this suite can use it.
 */
#include "zto/zto_codec.h"

#include "codec_int.h"

static bool
known_type(int32_t t)
{
    return t == ZTO_PK_RSA2048RESTR || t == ZTO_PK_RSAPKCS ||
           t == ZTO_PK_RSAPSS || t == ZTO_PK_SECP256R1 || t == ZTO_PK_SECP384R1;
}

/* COSE_X509 array form: 1..ZTO_MAX_CERT_CHAIN_LEN non-empty bstrs. */
static zto_err_t
cert_array_dec(struct zto_cbor_dec *d, struct zto_bytes *body)
{
    size_t start = d->off, n, i;
    struct zto_bytes der;
    zto_err_t r;

    if ((r = zto_cbor_get_array(d, &n)) != ZTO_OK)
        return r;
    if (n == 0)
        return ZTO_E_MISSING;
    if (n > ZTO_MAX_CERT_CHAIN_LEN)
        return ZTO_E_TOO_BIG;
    for (i = 0; i < n; i++) {
        if ((r = zto_cbor_get_bstr(d, &der)) != ZTO_OK)
            return r;
        if (der.len == 0)
            return ZTO_E_RANGE;
    }
    *body = ZTO_BYTES(d->buf + start, d->off - start);
    return ZTO_OK;
}

static zto_err_t
x5chain_dec(struct zto_cbor_dec *d, struct zto_bytes *body)
{
    struct zto_cbor_item it;
    struct zto_cbor_dec inner;
    struct zto_bytes content;
    size_t start = d->off;
    zto_err_t r;

    if ((r = zto_cbor_peek(d, &it)) != ZTO_OK)
        return r;
    if (it.major == ZTO_CBOR_ARRAY)
        return cert_array_dec(d, body);
    if (it.major != ZTO_CBOR_BSTR)
        return ZTO_E_TYPE;
    if ((r = zto_cbor_get_bstr(d, &content)) != ZTO_OK)
        return r;
    if (content.len == 0)
        return ZTO_E_RANGE;
    if ((content.p[0] >> 5) == ZTO_CBOR_ARRAY) {
        zto_cbor_dec_init(&inner, content.p, content.len);
        if ((r = cert_array_dec(&inner, body)) != ZTO_OK)
            return r;
        return zto_cbor_dec_finish(&inner);
    }
    *body = ZTO_BYTES(d->buf + start, d->off - start);
    return ZTO_OK;
}

zto_err_t
zto_pubkey_dec(struct zto_cbor_dec *d, struct zto_pubkey *pk)
{
    struct zto_cbor_dec save = *d;
    struct zto_pubkey tmp;
    struct zto_cbor_item it;
    zto_err_t r = ZTO_E_INTERNAL;

    if ((r = zto_cbor_get_array_n(d, 3)) != ZTO_OK ||
        (r = zto_cbor_get_i32(d, &tmp.type)) != ZTO_OK ||
        (r = zto_cbor_get_i32(d, &tmp.enc)) != ZTO_OK)
        goto out;
    if (!known_type(tmp.type)) {
        r = ZTO_E_UNSUPPORTED;
        goto out;
    }
    switch (tmp.enc) {
    case ZTO_PKENC_X509:
        if ((r = zto_cbor_get_bstr(d, &tmp.body)) != ZTO_OK)
            goto out;
        if (tmp.body.len == 0)
            r = ZTO_E_RANGE;
        break;
    case ZTO_PKENC_X5CHAIN:
        r = x5chain_dec(d, &tmp.body);
        break;
    case ZTO_PKENC_COSEKEY:
        if ((r = zto_cbor_peek(d, &it)) != ZTO_OK)
            goto out;
        if (it.major != ZTO_CBOR_MAP) {
            r = ZTO_E_TYPE;
            goto out;
        }
        r = zto_cbor_get_raw(d, &tmp.body);
        break;
    default:
        r = ZTO_E_UNSUPPORTED;
    }
    if (r != ZTO_OK)
        goto out;
    tmp.raw = ZTO_BYTES(d->buf + save.off, d->off - save.off);
    if (tmp.raw.len > ZTO_MAX_PUBKEY_SIZE) {
        r = ZTO_E_TOO_BIG;
        goto out;
    }
    *pk = tmp;
    r = ZTO_OK;
out:
    if (r != ZTO_OK)
        *d = save;
    return r;
}

zto_err_t
zto_pubkey_decode(const uint8_t *buf, size_t len, struct zto_pubkey *pk)
{
    struct zto_cbor_dec d;
    struct zto_pubkey tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_pubkey_dec(&d, &tmp)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *pk = tmp;
    return ZTO_OK;
}

void
zto_pubkey_enc(struct zto_cbor_enc *e, const struct zto_pubkey *pk)
{
    if (pk->raw.len > 0) {
        zto_cbor_put_raw(e, pk->raw.p, pk->raw.len);
        return;
    }
    if (!known_type(pk->type) || pk->body.len == 0) {
        codec_enc_fail(e, ZTO_E_ARG);
        return;
    }
    zto_cbor_put_array(e, 3);
    zto_cbor_put_int(e, pk->type);
    zto_cbor_put_int(e, pk->enc);
    switch (pk->enc) {
    case ZTO_PKENC_X509:
        zto_cbor_put_bytes(e, pk->body);
        break;
    case ZTO_PKENC_X5CHAIN:
    case ZTO_PKENC_COSEKEY:
        zto_cbor_put_raw(e, pk->body.p, pk->body.len);
        break;
    default:
        codec_enc_fail(e, ZTO_E_ARG);
    }
}

zto_err_t
zto_pubkey_x5chain_cert(const struct zto_pubkey *pk, size_t i,
                        struct zto_bytes *der)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;
    size_t n, k;
    zto_err_t r;

    if (pk->enc != ZTO_PKENC_X5CHAIN)
        return ZTO_E_ARG;
    zto_cbor_dec_init(&d, pk->body.p, pk->body.len);
    if ((r = zto_cbor_peek(&d, &it)) != ZTO_OK)
        return r;
    if (it.major == ZTO_CBOR_BSTR)
        return i == 0 ? zto_cbor_get_bstr(&d, der) : ZTO_E_NOT_FOUND;
    if ((r = zto_cbor_get_array(&d, &n)) != ZTO_OK)
        return r;
    if (i >= n)
        return ZTO_E_NOT_FOUND;
    for (k = 0; k < i; k++)
        if ((r = zto_cbor_skip(&d)) != ZTO_OK)
            return r;
    return zto_cbor_get_bstr(&d, der);
}
