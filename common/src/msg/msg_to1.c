/*
 * msg_to1.c - TO1 messages 30 and 31 (FDO 1.1 section 4.3). 32 is an EAT
 * (eat.c), 33 a to1d (to1d.c).
 *
 *   30 TO1.HelloRV    = [Guid, eASigInfo]
 *   31 TO1.HelloRVAck = [NonceTO1Proof, eBSigInfo]
 */
#include "zto/zto_msg.h"

#include "../codec/codec_int.h"

zto_err_t
zto_msg_to1_hello_rv_decode(const uint8_t *buf, size_t len,
                            struct zto_msg_to1_hello_rv *m)
{
    struct zto_cbor_dec d;
    struct zto_msg_to1_hello_rv tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 2)) != ZTO_OK ||
        (r = zto_guid_dec(&d, &tmp.guid)) != ZTO_OK ||
        (r = zto_siginfo_dec(&d, &tmp.siginfo)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to1_hello_rv_encode(const struct zto_msg_to1_hello_rv *m, uint8_t *buf,
                            size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 2);
    zto_guid_enc(&e, &m->guid);
    zto_siginfo_enc(&e, &m->siginfo);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_msg_to1_hello_rv_ack_decode(const uint8_t *buf, size_t len,
                                struct zto_msg_to1_hello_rv_ack *m)
{
    struct zto_cbor_dec d;
    struct zto_msg_to1_hello_rv_ack tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 2)) != ZTO_OK ||
        (r = zto_nonce_dec(&d, &tmp.nonce)) != ZTO_OK ||
        (r = zto_siginfo_dec(&d, &tmp.siginfo)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to1_hello_rv_ack_encode(const struct zto_msg_to1_hello_rv_ack *m,
                                uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 2);
    zto_nonce_enc(&e, &m->nonce);
    zto_siginfo_enc(&e, &m->siginfo);
    return zto_cbor_enc_finish(&e, out_len);
}
