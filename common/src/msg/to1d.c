/*
 * to1d.c - the to1d blob (FDO 1.1 section 4.2, 7.4): a COSE_Sign1 by the
 * owner key over to1dBlobPayload = [to1dRV: RVTO2Addr, to1dTo0dHash: Hash].
 *
 * Produced in TO0.OwnerSign (22), stored and returned verbatim by the RV
 * in TO1.RVRedirect (33), verified by the device in TO2 with
 * CUPHOwnerPubKey. to0dHash is a plain hash (SHA-256/384) of the to0d
 * bstr content.
 */
#include "msg_int.h"

zto_err_t
zto_to1d_decode(const uint8_t *buf, size_t len, struct zto_to1d *t)
{
    struct zto_cbor_dec d;
    struct zto_to1d tmp;
    zto_err_t r;

    if ((r = zto_cose_sign1_decode(buf, len, &tmp.cose)) != ZTO_OK)
        return r;
    zto_cbor_dec_init(&d, tmp.cose.payload.p, tmp.cose.payload.len);
    if ((r = zto_cbor_get_array_n(&d, 2)) != ZTO_OK ||
        (r = zto_rvto2addr_dec(&d, &tmp.addr)) != ZTO_OK ||
        (r = msg_sha_dec(&d, &tmp.to0d_hash)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *t = tmp;
    return ZTO_OK;
}

zto_err_t
zto_to1d_encode(const struct zto_rvto2addr *addr,
                const struct zto_hash *to0d_hash,
                const struct zto_signer *signer, uint8_t *buf, size_t cap,
                size_t *out_len)
{
    struct zto_cbor_enc e;
    struct zto_cose_sign1_mark m;
    zto_err_t r;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cose_sign1_begin(&e, &m, signer->alg, ZTO_BYTES_NULL);
    zto_cbor_put_array(&e, 2);
    zto_rvto2addr_enc(&e, addr);
    zto_hash_enc(&e, to0d_hash);
    if ((r = zto_cose_sign1_end(&e, &m, signer)) != ZTO_OK)
        return r;
    return zto_cbor_enc_finish(&e, out_len);
}
