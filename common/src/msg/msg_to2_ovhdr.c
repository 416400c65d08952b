/*
 * msg_to2_ovhdr.c - TO2.ProveOVHdr (61) (FDO 1.1 section 4.4).
 *
 *   #6.18([protected {1: alg},
 *          unprotected {256 CUPHNonce: NonceTO2ProveDv,
 *                       257 CUPHOwnerPubKey: PublicKey},
 *          payload: bstr .cbor TO2ProveOVHdrPayload, signature])
 *   TO2ProveOVHdrPayload = [OVHeader: bstr .cbor OVHeader,
 *                           NumOVEntries: uint8, OVHeaderHMac: HMac,
 *                           NonceTO2ProveOV, eBSigInfo, xAKeyExchange: bstr,
 *                           helloDeviceHash: Hash,
 *                           maxOwnerMessageSize: uint16]
 *
 * Header bytes and HMac item are kept as received: the device checks the
 * HMAC over the former and starts the voucher walk with both (section
 * 6.4). CUPHNonce and CUPHOwnerPubKey are unprotected, hence not covered by
 * this signature; other unprotected labels are ignored.
 */
#include "msg_int.h"

static zto_err_t
payload_dec(struct zto_bytes p, struct zto_msg_to2_prove_ovhdr *m)
{
    struct zto_cbor_dec d;
    size_t hstart;
    zto_err_t r;

    zto_cbor_dec_init(&d, p.p, p.len);
    if ((r = zto_cbor_get_array_n(&d, 8)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &m->ovheader)) != ZTO_OK ||
        (r = codec_check_wrapped(m->ovheader)) != ZTO_OK)
        return r;
    if ((m->ovheader.p[0] >> 5) != ZTO_CBOR_ARRAY)
        return ZTO_E_TYPE;
    if ((r = zto_cbor_get_u8(&d, &m->num_entries)) != ZTO_OK)
        return r;
    hstart = d.off;
    if ((r = msg_hmac_dec(&d, &m->hmac)) != ZTO_OK)
        return r;
    m->hmac_raw = ZTO_BYTES(d.buf + hstart, d.off - hstart);
    if ((r = zto_nonce_dec(&d, &m->nonce_prove_ov)) != ZTO_OK ||
        (r = zto_siginfo_dec(&d, &m->siginfo)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &m->xa)) != ZTO_OK ||
        (r = msg_sha_dec(&d, &m->hello_hash)) != ZTO_OK ||
        (r = zto_cbor_get_u16(&d, &m->max_owner_msg_size)) != ZTO_OK)
        return r;
    return codec_dec_end(&d);
}

zto_err_t
zto_msg_to2_prove_ovhdr_decode(const uint8_t *buf, size_t len,
                               struct zto_msg_to2_prove_ovhdr *m)
{
    struct zto_msg_to2_prove_ovhdr tmp;
    struct zto_bytes v;
    struct zto_cbor_dec d;
    zto_err_t r;

    if ((r = zto_cose_sign1_decode(buf, len, &tmp.cose)) != ZTO_OK ||
        (r = payload_dec(tmp.cose.payload, &tmp)) != ZTO_OK)
        return r;
    if ((r = zto_cose_unprotected_get(&tmp.cose, ZTO_CUPH_NONCE, &v)) != ZTO_OK)
        return r == ZTO_E_NOT_FOUND ? ZTO_E_MISSING : r;
    zto_cbor_dec_init(&d, v.p, v.len);
    if ((r = zto_nonce_dec(&d, &tmp.nonce_prove_dv)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    if ((r = zto_cose_unprotected_get(&tmp.cose, ZTO_CUPH_OWNER_PUBKEY, &v)) !=
        ZTO_OK)
        return r == ZTO_E_NOT_FOUND ? ZTO_E_MISSING : r;
    if ((r = zto_pubkey_decode(v.p, v.len, &tmp.owner_key)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to2_prove_ovhdr_encode(const struct zto_msg_to2_prove_ovhdr *m,
                               const struct zto_signer *signer, uint8_t *buf,
                               size_t cap, size_t *out_len)
{
    /* The unprotected map goes in front of the payload; it is small but
     * for the owner key, bounded by ZTO_MAX_PUBKEY_SIZE. */
    uint8_t unprot[ZTO_MAX_PUBKEY_SIZE + 32];
    size_t ulen;
    struct zto_cbor_enc e;
    struct zto_cose_sign1_mark mk;
    zto_err_t r;

    if (m->ovheader.len == 0)
        return ZTO_E_ARG;
    zto_cbor_enc_init(&e, unprot, sizeof(unprot));
    zto_cbor_put_map(&e, 2);
    zto_cbor_put_uint(&e, ZTO_CUPH_NONCE);
    zto_nonce_enc(&e, &m->nonce_prove_dv);
    zto_cbor_put_uint(&e, ZTO_CUPH_OWNER_PUBKEY);
    zto_pubkey_enc(&e, &m->owner_key);
    if ((r = zto_cbor_enc_finish(&e, &ulen)) != ZTO_OK)
        return r == ZTO_E_BUF_TOO_SMALL ? ZTO_E_TOO_BIG : r;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cose_sign1_begin(&e, &mk, signer->alg, ZTO_BYTES(unprot, ulen));
    zto_cbor_put_array(&e, 8);
    zto_cbor_put_bytes(&e, m->ovheader);
    zto_cbor_put_uint(&e, m->num_entries);
    if (m->hmac_raw.len > 0)
        zto_cbor_put_raw(&e, m->hmac_raw.p, m->hmac_raw.len);
    else
        zto_hash_enc(&e, &m->hmac);
    zto_nonce_enc(&e, &m->nonce_prove_ov);
    zto_siginfo_enc(&e, &m->siginfo);
    zto_cbor_put_bytes(&e, m->xa);
    zto_hash_enc(&e, &m->hello_hash);
    zto_cbor_put_uint(&e, m->max_owner_msg_size);
    if ((r = zto_cose_sign1_end(&e, &mk, signer)) != ZTO_OK)
        return r;
    return zto_cbor_enc_finish(&e, out_len);
}
