/*
 * msg_empty.c - the empty-array bodies TO0.Hello (20) and DI.Done (13)
 * (FDO 1.1 section 4.1, 4.2): exactly `80`. pri-fidoiot refuses a longer
 * TO0.Hello, so nothing else is written or accepted.
 */
#include "zto/zto_msg.h"

#include "../codec/codec_int.h"

zto_err_t
zto_msg_empty_decode(const uint8_t *buf, size_t len)
{
    struct zto_cbor_dec d;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 0)) != ZTO_OK)
        return r;
    return codec_dec_end(&d);
}

zto_err_t
zto_msg_empty_encode(uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 0);
    return zto_cbor_enc_finish(&e, out_len);
}
