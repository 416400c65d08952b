/*
 * msg_di.c - DI messages 10-12 (FDO 1.1 section 4.1). DI.Done (13) is the
 * empty body of msg_empty.c.
 *
 *   10 DI.AppStart       = [DeviceMfgInfo: bstr .cbor any]
 *   11 DI.SetCredentials = [OVHeader: bstr .cbor OVHeader]
 *   12 DI.SetHMAC        = [HMac]
 *
 * 11 is the 1.1 form GO, J, C and AS use; fido-device-onboard-rs sends the
 * bare header array instead (section 12 item 11), which is refused. The
 * header bytes are kept as received: the device computes its HMAC over
 * exactly them.
 */
#include "msg_int.h"

/* [bstr .cbor X] with X one well-formed item; *content views it. */
static zto_err_t
wrapped_dec(const uint8_t *buf, size_t len, struct zto_bytes *content)
{
    struct zto_cbor_dec d;
    struct zto_bytes c;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 1)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &c)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK ||
        (r = codec_check_wrapped(c)) != ZTO_OK)
        return r;
    *content = c;
    return ZTO_OK;
}

static zto_err_t
wrapped_enc(struct zto_bytes content, uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 1);
    zto_cbor_put_bytes(&e, content);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_msg_di_app_start_decode(const uint8_t *buf, size_t len,
                            struct zto_msg_di_app_start *m)
{
    struct zto_bytes c;
    zto_err_t r = wrapped_dec(buf, len, &c);

    if (r == ZTO_OK)
        m->mfg_info = c;
    return r;
}

zto_err_t
zto_msg_di_app_start_encode(const struct zto_msg_di_app_start *m, uint8_t *buf,
                            size_t cap, size_t *out_len)
{
    return wrapped_enc(m->mfg_info, buf, cap, out_len);
}

zto_err_t
zto_msg_di_set_credentials_decode(const uint8_t *buf, size_t len,
                                  struct zto_msg_di_set_credentials *m)
{
    struct zto_bytes c;
    zto_err_t r = wrapped_dec(buf, len, &c);

    if (r != ZTO_OK)
        return r;
    /* OVHeader is an array; its fields are the voucher code's business. */
    if ((c.p[0] >> 5) != ZTO_CBOR_ARRAY)
        return ZTO_E_TYPE;
    m->ovheader = c;
    return ZTO_OK;
}

zto_err_t
zto_msg_di_set_credentials_encode(const struct zto_msg_di_set_credentials *m,
                                  uint8_t *buf, size_t cap, size_t *out_len)
{
    return wrapped_enc(m->ovheader, buf, cap, out_len);
}

zto_err_t
zto_msg_di_set_hmac_decode(const uint8_t *buf, size_t len,
                           struct zto_msg_di_set_hmac *m)
{
    struct zto_cbor_dec d;
    struct zto_hash h;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 1)) != ZTO_OK ||
        (r = msg_hmac_dec(&d, &h)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    m->hmac = h;
    return ZTO_OK;
}

zto_err_t
zto_msg_di_set_hmac_encode(const struct zto_msg_di_set_hmac *m, uint8_t *buf,
                           size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 1);
    zto_hash_enc(&e, &m->hmac);
    return zto_cbor_enc_finish(&e, out_len);
}
