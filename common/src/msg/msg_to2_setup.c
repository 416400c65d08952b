/*
 * msg_to2_setup.c - TO2.SetupDevice (65) (FDO 1.1 section 4.4, 9.3).
 *
 *   #6.18([protected {1: alg}, unprotected, payload: bstr .cbor
 *          TO2SetupDevicePayload, signature])   ; signed with Owner2Key
 *   TO2SetupDevicePayload = [RendezvousInfo, Guid, NonceTO2SetupDv,
 *                            Owner2Key: PublicKey]
 *
 * RendezvousInfo and Owner2Key keep their received bytes: the device
 * splices them into the replacement OVHeader it HMACs, so that owner and
 * device build the same bytes (section 9.3).
 */
#include "msg_int.h"

zto_err_t
zto_msg_to2_setup_device_decode(const uint8_t *buf, size_t len,
                                struct zto_msg_to2_setup_device *m)
{
    struct zto_msg_to2_setup_device tmp;
    struct zto_cbor_dec d;
    zto_err_t r;

    if ((r = zto_cose_sign1_decode(buf, len, &tmp.cose)) != ZTO_OK)
        return r;
    zto_cbor_dec_init(&d, tmp.cose.payload.p, tmp.cose.payload.len);
    if ((r = zto_cbor_get_array_n(&d, 4)) != ZTO_OK ||
        (r = zto_rvinfo_dec(&d, &tmp.rvinfo)) != ZTO_OK ||
        (r = zto_guid_dec(&d, &tmp.guid)) != ZTO_OK ||
        (r = zto_nonce_dec(&d, &tmp.nonce_setup_dv)) != ZTO_OK ||
        (r = zto_pubkey_dec(&d, &tmp.owner2_key)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to2_setup_device_encode(const struct zto_msg_to2_setup_device *m,
                                const struct zto_signer *signer, uint8_t *buf,
                                size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;
    struct zto_cose_sign1_mark mk;
    zto_err_t r;

    if (m->rvinfo.raw.len == 0)
        return ZTO_E_ARG;
    zto_cbor_enc_init(&e, buf, cap);
    zto_cose_sign1_begin(&e, &mk, signer->alg, ZTO_BYTES_NULL);
    zto_cbor_put_array(&e, 4);
    zto_cbor_put_raw(&e, m->rvinfo.raw.p, m->rvinfo.raw.len);
    zto_guid_enc(&e, &m->guid);
    zto_nonce_enc(&e, &m->nonce_setup_dv);
    zto_pubkey_enc(&e, &m->owner2_key);
    if ((r = zto_cose_sign1_end(&e, &mk, signer)) != ZTO_OK)
        return r;
    return zto_cbor_enc_finish(&e, out_len);
}
