/*
 * ov_replace.c - the replacement OVHeader of TO2 (FDO 1.1 section 9.3).
 *
 *   OVHeader' = [OVHProtVer, Guid', RendezvousInfo', OVDeviceInfo,
 *                Owner2Key, OVDevCertChainHash]
 *
 * The device HMACs these bytes and the owner stores them with that HMAC,
 * so both must produce the same bytes. Neither re-encodes anything: the
 * unchanged fields are copied from the original header as they were
 * received, the new ones from the TO2.SetupDevice payload as it was
 * received (a peer that encodes, say, a flag instruction differently from
 * us still gets its own bytes back).
 */
#include <string.h>

#include "zto/zto_voucher.h"

#define HDR_FIELDS 6
#define SETUP_FIELDS 4

/* Split an array of exactly n items into the spans of its items. */
static zto_err_t
split(struct zto_bytes b, size_t n, struct zto_bytes *item)
{
    struct zto_cbor_dec d;
    size_t i;
    zto_err_t r;

    zto_cbor_dec_init(&d, b.p, b.len);
    if ((r = zto_cbor_get_array_n(&d, n)) != ZTO_OK)
        return r;
    for (i = 0; i < n; i++)
        if ((r = zto_cbor_get_raw(&d, &item[i])) != ZTO_OK)
            return r;
    return zto_cbor_dec_finish(&d);
}

zto_err_t
zto_ov_header_replace(struct zto_bytes header_raw,
                      struct zto_bytes setup_payload, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    struct zto_bytes h[HDR_FIELDS], s[SETUP_FIELDS];
    struct zto_ov_header hdr;
    struct zto_rvinfo rv;
    struct zto_guid guid;
    struct zto_pubkey key;
    struct zto_cbor_dec d;
    struct zto_cbor_enc e;
    zto_err_t r;

    /* Both inputs must be what they claim, not just arrays of the right
     * length: the result is HMACed and stored as a voucher header. */
    if ((r = zto_ov_header_decode(header_raw.p, header_raw.len, &hdr)) !=
            ZTO_OK ||
        (r = split(header_raw, HDR_FIELDS, h)) != ZTO_OK ||
        (r = split(setup_payload, SETUP_FIELDS, s)) != ZTO_OK)
        return r;
    zto_cbor_dec_init(&d, s[1].p, s[1].len);
    if ((r = zto_rvinfo_decode(s[0].p, s[0].len, &rv)) != ZTO_OK ||
        (r = zto_guid_dec(&d, &guid)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK ||
        (r = zto_pubkey_decode(s[3].p, s[3].len, &key)) != ZTO_OK)
        return r;

    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_array(&e, HDR_FIELDS);
    zto_cbor_put_raw(&e, h[0].p, h[0].len); /* OVHProtVer */
    zto_cbor_put_raw(&e, s[1].p, s[1].len); /* Guid' */
    zto_cbor_put_raw(&e, s[0].p, s[0].len); /* RendezvousInfo' */
    zto_cbor_put_raw(&e, h[3].p, h[3].len); /* OVDeviceInfo */
    zto_cbor_put_raw(&e, s[3].p, s[3].len); /* Owner2Key */
    zto_cbor_put_raw(&e, h[5].p, h[5].len); /* OVDevCertChainHash */
    return zto_cbor_enc_finish(&e, out_len);
}
