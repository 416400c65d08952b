/*
 * hash.c - Hash / HMac = [hashtype: int, hash: bstr] (FDO 1.1 section 3).
 *
 * Only the four types FDO 1.1 defines are accepted, and the digest length
 * must be the one the type implies: a SHA-384 value of 32 bytes is
 * malformed, not a different hash.
 */
#include "zto/zto_codec.h"

#include "codec_int.h"

/* Digest length of a hash/HMAC type, 0 when the type is not FDO's. */
static size_t
type_len(int32_t type)
{
    switch (type) {
    case ZTO_HASH_SHA256:
    case ZTO_HMAC_SHA256:
        return 32;
    case ZTO_HASH_SHA384:
    case ZTO_HMAC_SHA384:
        return 48;
    default:
        return 0;
    }
}

zto_err_t
zto_hash_dec(struct zto_cbor_dec *d, struct zto_hash *h)
{
    struct zto_cbor_dec save = *d;
    struct zto_hash tmp;
    zto_err_t r = ZTO_E_INTERNAL;

    if ((r = zto_cbor_get_array_n(d, 2)) != ZTO_OK ||
        (r = zto_cbor_get_i32(d, &tmp.type)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(d, &tmp.value)) != ZTO_OK)
        goto out;
    if (type_len(tmp.type) == 0) {
        r = ZTO_E_UNSUPPORTED;
        goto out;
    }
    if (tmp.value.len != type_len(tmp.type)) {
        r = ZTO_E_RANGE;
        goto out;
    }
    *h = tmp;
    r = ZTO_OK;
out:
    if (r != ZTO_OK)
        *d = save;
    return r;
}

void
zto_hash_enc(struct zto_cbor_enc *e, const struct zto_hash *h)
{
    zto_cbor_put_array(e, 2);
    zto_cbor_put_int(e, h->type);
    zto_cbor_put_bytes(e, h->value);
}

void
zto_hash_buf_enc(struct zto_cbor_enc *e, const struct zto_hash_buf *h)
{
    if (h->len > ZTO_HASH_MAX_LEN) {
        codec_enc_fail(e, ZTO_E_ARG);
        return;
    }
    zto_cbor_put_array(e, 2);
    zto_cbor_put_int(e, h->type);
    zto_cbor_put_bstr(e, h->value, h->len);
}
