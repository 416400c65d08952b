/*
 * msg_int.h - helpers shared by the message codecs. Private.
 */
#ifndef ZTO_MSG_INT_H
#define ZTO_MSG_INT_H

#include "zto/zto_msg.h"

#include "../codec/codec_int.h"

/* Bodies that are [Nonce]: 21, 70, 71. */
static inline zto_err_t
msg_nonce_dec(const uint8_t *buf, size_t len, struct zto_nonce *n)
{
    struct zto_cbor_dec d;
    struct zto_nonce tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 1)) != ZTO_OK ||
        (r = zto_nonce_dec(&d, &tmp)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *n = tmp;
    return ZTO_OK;
}

static inline zto_err_t
msg_nonce_enc(const struct zto_nonce *n, uint8_t *buf, size_t cap,
              size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 1);
    zto_nonce_enc(&e, n);
    return zto_cbor_enc_finish(&e, out_len);
}

/* HMac with an HMAC type (5, 6), not a plain hash. */
static inline zto_err_t
msg_hmac_dec(struct zto_cbor_dec *d, struct zto_hash *h)
{
    struct zto_cbor_dec save = *d;
    zto_err_t r = zto_hash_dec(d, h);

    if (r == ZTO_OK && h->type != ZTO_HMAC_SHA256 &&
        h->type != ZTO_HMAC_SHA384) {
        *d = save;
        return ZTO_E_UNSUPPORTED;
    }
    return r;
}

/* Hash with a plain hash type (-16, -43). */
static inline zto_err_t
msg_sha_dec(struct zto_cbor_dec *d, struct zto_hash *h)
{
    struct zto_cbor_dec save = *d;
    zto_err_t r = zto_hash_dec(d, h);

    if (r == ZTO_OK && h->type != ZTO_HASH_SHA256 &&
        h->type != ZTO_HASH_SHA384) {
        *d = save;
        return ZTO_E_UNSUPPORTED;
    }
    return r;
}

#endif
