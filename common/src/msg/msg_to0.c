/*
 * msg_to0.c - TO0 messages 21-23 and to0d (FDO 1.1 section 4.2, 7.4).
 * TO0.Hello (20) is the empty body of msg_empty.c.
 *
 *   21 TO0.HelloAck    = [NonceTO0Sign]
 *   22 TO0.OwnerSign   = [to0d: bstr .cbor to0d, to1d]
 *   23 TO0.AcceptOwner = [WaitSeconds: uint32]
 *   to0d               = [OwnershipVoucher, WaitSeconds: uint32,
 *                         NonceTO0Sign]
 *
 * The to0d bytes are kept exactly as received: to1d's to0dHash is taken
 * over them. pri-fidoiot also accepts a bare to0d array ("non-conformant");
 * we do not.
 */
#include "msg_int.h"

zto_err_t
zto_msg_to0_hello_ack_decode(const uint8_t *buf, size_t len,
                             struct zto_msg_to0_hello_ack *m)
{
    return msg_nonce_dec(buf, len, &m->nonce);
}

zto_err_t
zto_msg_to0_hello_ack_encode(const struct zto_msg_to0_hello_ack *m,
                             uint8_t *buf, size_t cap, size_t *out_len)
{
    return msg_nonce_enc(&m->nonce, buf, cap, out_len);
}

zto_err_t
zto_to0d_decode(const uint8_t *buf, size_t len, struct zto_to0d *t)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;
    struct zto_to0d tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 3)) != ZTO_OK ||
        (r = zto_cbor_peek(&d, &it)) != ZTO_OK)
        return r;
    /* The voucher is an array; zto_voucher_decode() checks the rest. */
    if (it.major != ZTO_CBOR_ARRAY)
        return ZTO_E_TYPE;
    if ((r = zto_cbor_get_raw(&d, &tmp.voucher)) != ZTO_OK ||
        (r = zto_cbor_get_u32(&d, &tmp.wait_seconds)) != ZTO_OK ||
        (r = zto_nonce_dec(&d, &tmp.nonce)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *t = tmp;
    return ZTO_OK;
}

zto_err_t
zto_to0d_encode(const struct zto_to0d *t, uint8_t *buf, size_t cap,
                size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    if (t->voucher.len == 0 || (t->voucher.p[0] >> 5) != ZTO_CBOR_ARRAY)
        return ZTO_E_ARG;
    zto_cbor_put_array(&e, 3);
    zto_cbor_put_raw(&e, t->voucher.p, t->voucher.len);
    zto_cbor_put_uint(&e, t->wait_seconds);
    zto_nonce_enc(&e, &t->nonce);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_msg_to0_owner_sign_decode(const uint8_t *buf, size_t len,
                              struct zto_msg_to0_owner_sign *m)
{
    struct zto_cbor_dec d;
    struct zto_msg_to0_owner_sign tmp;
    struct zto_to0d to0d;
    struct zto_to1d to1d;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 2)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &tmp.to0d)) != ZTO_OK ||
        (r = zto_cbor_get_raw(&d, &tmp.to1d)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    /* Both parts must be well-formed for the body to be (error 100 on the
     * RV); their meaning is checked by the caller. */
    if ((r = zto_to0d_decode(tmp.to0d.p, tmp.to0d.len, &to0d)) != ZTO_OK ||
        (r = zto_to1d_decode(tmp.to1d.p, tmp.to1d.len, &to1d)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to0_owner_sign_encode(const struct zto_msg_to0_owner_sign *m,
                              uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    if (m->to1d.len == 0)
        return ZTO_E_ARG;
    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 2);
    zto_cbor_put_bytes(&e, m->to0d);
    zto_cbor_put_raw(&e, m->to1d.p, m->to1d.len);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_msg_to0_accept_owner_decode(const uint8_t *buf, size_t len,
                                struct zto_msg_to0_accept_owner *m)
{
    struct zto_cbor_dec d;
    uint32_t w;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 1)) != ZTO_OK ||
        (r = zto_cbor_get_u32(&d, &w)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    m->wait_seconds = w;
    return ZTO_OK;
}

zto_err_t
zto_msg_to0_accept_owner_encode(const struct zto_msg_to0_accept_owner *m,
                                uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 1);
    zto_cbor_put_uint(&e, m->wait_seconds);
    return zto_cbor_enc_finish(&e, out_len);
}
