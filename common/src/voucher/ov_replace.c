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
zto_ov_header_kept(struct zto_bytes header_raw, struct zto_ov_header_kept *k)
{
    struct zto_bytes h[HDR_FIELDS];
    struct zto_ov_header hdr;
    zto_err_t r;

    /* Fully decoded: the kept bytes become part of a stored header. */
    if ((r = zto_ov_header_decode(header_raw.p, header_raw.len, &hdr)) !=
            ZTO_OK ||
        (r = split(header_raw, HDR_FIELDS, h)) != ZTO_OK)
        return r;
    k->protver = h[0];
    k->device_info = h[3];
    k->cert_hash = h[5];
    return ZTO_OK;
}

zto_err_t
zto_ov_header_replace(const struct zto_ov_header_kept *k,
                      struct zto_bytes setup_payload, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    struct zto_bytes s[SETUP_FIELDS];
    struct zto_rvinfo rv;
    struct zto_guid guid;
    struct zto_pubkey key;
    struct zto_cbor_dec d;
    struct zto_cbor_enc e;
    zto_err_t r;

    if ((r = split(setup_payload, SETUP_FIELDS, s)) != ZTO_OK)
        return r;
    zto_cbor_dec_init(&d, s[1].p, s[1].len);
    if ((r = zto_rvinfo_decode(s[0].p, s[0].len, &rv)) != ZTO_OK ||
        (r = zto_guid_dec(&d, &guid)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK ||
        (r = zto_pubkey_decode(s[3].p, s[3].len, &key)) != ZTO_OK)
        return r;
    if (k->protver.len == 0 || k->device_info.len == 0 || k->cert_hash.len == 0)
        return ZTO_E_ARG;

    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_array(&e, HDR_FIELDS);
    zto_cbor_put_raw(&e, k->protver.p, k->protver.len);         /* kept */
    zto_cbor_put_raw(&e, s[1].p, s[1].len);                     /* Guid' */
    zto_cbor_put_raw(&e, s[0].p, s[0].len);                     /* RVInfo' */
    zto_cbor_put_raw(&e, k->device_info.p, k->device_info.len); /* kept */
    zto_cbor_put_raw(&e, s[3].p, s[3].len);                     /* Owner2 */
    zto_cbor_put_raw(&e, k->cert_hash.p, k->cert_hash.len);     /* kept */
    return zto_cbor_enc_finish(&e, out_len);
}
