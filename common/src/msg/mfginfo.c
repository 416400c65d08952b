/*
 * mfginfo.c - our DeviceMfgInfo, the content of DI.AppStart (FDO 1.1
 * section 4.1): [keyType, keyEnc, serialNumber: tstr, deviceInfo: tstr,
 * CSR: bstr (DER PKCS#10)].
 *
 * The content is manufacturer-defined; this is the leading part of the
 * array pri-fidoiot and client-sdk use, which is all our manufacturer
 * needs to issue the device certificate. keyType must be a pkType, keyEnc
 * a pkEnc other than Crypto.
 */
#include "zto/zto_msg.h"

#include "../codec/codec_int.h"

zto_err_t
zto_mfg_info_decode(const uint8_t *buf, size_t len, struct zto_mfg_info *m)
{
    struct zto_cbor_dec d;
    struct zto_mfg_info tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 5)) != ZTO_OK ||
        (r = zto_cbor_get_i32(&d, &tmp.key_type)) != ZTO_OK ||
        (r = zto_cbor_get_i32(&d, &tmp.key_enc)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(&d, &tmp.serial)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(&d, &tmp.device_info)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &tmp.csr)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    switch (tmp.key_type) {
    case ZTO_PK_RSA2048RESTR:
    case ZTO_PK_RSAPKCS:
    case ZTO_PK_RSAPSS:
    case ZTO_PK_SECP256R1:
    case ZTO_PK_SECP384R1:
        break;
    default:
        return ZTO_E_UNSUPPORTED;
    }
    if (tmp.key_enc < ZTO_PKENC_X509 || tmp.key_enc > ZTO_PKENC_COSEKEY)
        return ZTO_E_UNSUPPORTED;
    if (tmp.csr.len == 0)
        return ZTO_E_RANGE;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_mfg_info_encode(const struct zto_mfg_info *m, uint8_t *buf, size_t cap,
                    size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 5);
    zto_cbor_put_int(&e, m->key_type);
    zto_cbor_put_int(&e, m->key_enc);
    zto_cbor_put_tstr(&e, (const char *)m->serial.p, m->serial.len);
    zto_cbor_put_tstr(&e, (const char *)m->device_info.p, m->device_info.len);
    zto_cbor_put_bytes(&e, m->csr);
    return zto_cbor_enc_finish(&e, out_len);
}
