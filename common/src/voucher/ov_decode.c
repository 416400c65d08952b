/*
 * ov_decode.c - ownership voucher structure (FDO 1.1 section 6.1):
 * header, entries and the voucher itself, plus building a fresh voucher.
 */
#include <string.h>

#include "zto/zto_util.h"
#include "zto/zto_voucher.h"

/* OVHeader = [OVHProtVer, OVGuid, OVRVInfo, OVDeviceInfo, OVPubKey,
 *             OVDevCertChainHash / null]   (section 6.1) */
zto_err_t
zto_ov_header_decode(const uint8_t *buf, size_t len, struct zto_ov_header *h)
{
    struct zto_cbor_dec d;
    zto_err_t r;

    memset(h, 0, sizeof(*h));
    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 6)) != ZTO_OK ||
        (r = zto_cbor_get_u16(&d, &h->protver)) != ZTO_OK ||
        (r = zto_guid_dec(&d, &h->guid)) != ZTO_OK ||
        (r = zto_rvinfo_dec(&d, &h->rvinfo)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(&d, &h->device_info)) != ZTO_OK ||
        (r = zto_pubkey_dec(&d, &h->mfg_key)) != ZTO_OK)
        return r;
    if (zto_cbor_peek_null(&d)) {
        if ((r = zto_cbor_get_null(&d)) != ZTO_OK)
            return r;
    } else {
        if ((r = zto_hash_dec(&d, &h->cert_hash)) != ZTO_OK)
            return r;
        h->has_cert_hash = true;
    }
    if ((r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (h->protver != ZTO_PROTVER)
        return ZTO_E_UNSUPPORTED;
    return ZTO_OK;
}

zto_err_t
zto_ov_header_encode(const struct zto_ov_header *h, uint8_t *buf, size_t cap,
                     size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 6);
    zto_cbor_put_uint(&e, h->protver);
    zto_guid_enc(&e, &h->guid);
    zto_cbor_put_raw(&e, h->rvinfo.raw.p, h->rvinfo.raw.len);
    zto_cbor_put_tstr(&e, (const char *)h->device_info.p, h->device_info.len);
    zto_pubkey_enc(&e, &h->mfg_key);
    if (h->has_cert_hash)
        zto_hash_enc(&e, &h->cert_hash);
    else
        zto_cbor_put_null(&e);
    return zto_cbor_enc_finish(&e, out_len);
}

/* OVEntry = COSE_Sign1 with payload [HashPrevEntry, HashHdrInfo, Extra,
 * PubKey] (section 6.1). The unprotected map must be empty (section 6.7):
 * devices that re-encode entries before hashing would break otherwise. */
zto_err_t
zto_ov_entry_decode(const uint8_t *buf, size_t len, struct zto_ov_entry *e)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;
    zto_err_t r;

    memset(e, 0, sizeof(*e));
    if ((r = zto_cose_sign1_decode(buf, len, &e->cose)) != ZTO_OK)
        return r;
    if (e->cose.unprotected.len != 1 || e->cose.unprotected.p[0] != 0xa0)
        return ZTO_E_VOUCHER;
    zto_cbor_dec_init(&d, e->cose.payload.p, e->cose.payload.len);
    if ((r = zto_cbor_get_array_n(&d, 4)) != ZTO_OK ||
        (r = zto_hash_dec(&d, &e->hash_prev)) != ZTO_OK ||
        (r = zto_hash_dec(&d, &e->hash_hdr)) != ZTO_OK)
        return r;
    /* OVEExtra: null, or bstr .cbor map; a bare map (one implementation
     * writes that) is tolerated. */
    if ((r = zto_cbor_peek(&d, &it)) != ZTO_OK)
        return r;
    if (it.major == ZTO_CBOR_SIMPLE && it.val == ZTO_CBOR_NULL) {
        if ((r = zto_cbor_get_null(&d)) != ZTO_OK)
            return r;
    } else if (it.major == ZTO_CBOR_BSTR || it.major == ZTO_CBOR_MAP) {
        if ((r = zto_cbor_get_raw(&d, &e->extra)) != ZTO_OK)
            return r;
        e->has_extra = true;
    } else {
        return ZTO_E_TYPE;
    }
    if ((r = zto_pubkey_dec(&d, &e->pubkey)) != ZTO_OK)
        return r;
    if ((r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (e->hash_prev.type != ZTO_HASH_SHA256 &&
        e->hash_prev.type != ZTO_HASH_SHA384)
        return ZTO_E_VOUCHER;
    if (e->hash_hdr.type != e->hash_prev.type)
        return ZTO_E_VOUCHER;
    return ZTO_OK;
}

/* OwnershipVoucher = [OVProtVer, OVHeaderTag, OVHeaderHMac,
 *                     OVDevCertChain / null, OVEntryArray] (section 6.1) */
zto_err_t
zto_voucher_decode(const uint8_t *buf, size_t len, struct zto_voucher *v)
{
    struct zto_cbor_dec d;
    size_t i, n;
    zto_err_t r;

    memset(v, 0, sizeof(*v));
    v->raw = ZTO_BYTES(buf, len);
    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 5)) != ZTO_OK ||
        (r = zto_cbor_get_u16(&d, &v->protver)) != ZTO_OK)
        return r;
    if (v->protver != ZTO_PROTVER)
        return ZTO_E_UNSUPPORTED;
    if ((r = zto_cbor_get_bstr(&d, &v->header_raw)) != ZTO_OK ||
        (r = zto_ov_header_decode(v->header_raw.p, v->header_raw.len,
                                  &v->hdr)) != ZTO_OK)
        return r;
    {
        size_t start = d.off;
        if ((r = zto_hash_dec(&d, &v->hmac)) != ZTO_OK)
            return r;
        v->hmac_raw = ZTO_BYTES(buf + start, d.off - start);
    }
    if (v->hmac.type != ZTO_HMAC_SHA256 && v->hmac.type != ZTO_HMAC_SHA384)
        return ZTO_E_VOUCHER;

    /* OVDevCertChain: X5CHAIN (array of DER bstr), or null (EPID only). */
    if (zto_cbor_peek_null(&d)) {
        size_t start = d.off;
        if ((r = zto_cbor_get_null(&d)) != ZTO_OK)
            return r;
        v->chain_raw = ZTO_BYTES(buf + start, 1);
    } else {
        size_t start = d.off;
        if ((r = zto_cbor_get_array(&d, &n)) != ZTO_OK)
            return r;
        if (n == 0)
            return ZTO_E_MISSING;
        if (n > ZTO_MAX_CERT_CHAIN_LEN)
            return ZTO_E_TOO_BIG;
        for (i = 0; i < n; i++)
            if ((r = zto_cbor_get_bstr(&d, &v->cert[i])) != ZTO_OK)
                return r;
        v->ncerts = n;
        v->has_chain = true;
        v->chain_raw = ZTO_BYTES(buf + start, d.off - start);
    }

    /* Entries: check each one's shape now, signatures in verify(). */
    {
        size_t start = d.off;
        if ((r = zto_cbor_get_array(&d, &n)) != ZTO_OK)
            return r;
        if (n > ZTO_MAX_OV_ENTRIES)
            return ZTO_E_TOO_BIG;
        for (i = 0; i < n; i++) {
            struct zto_bytes raw;
            struct zto_ov_entry e;
            if ((r = zto_cbor_get_raw(&d, &raw)) != ZTO_OK ||
                (r = zto_ov_entry_decode(raw.p, raw.len, &e)) != ZTO_OK)
                return r;
        }
        v->nentries = n;
        v->entries_raw = ZTO_BYTES(buf + start, d.off - start);
    }
    return zto_cbor_dec_finish(&d);
}

zto_err_t
zto_voucher_entry(const struct zto_voucher *v, size_t i,
                  struct zto_bytes *entry)
{
    struct zto_cbor_dec d;
    size_t n, k;
    zto_err_t r;

    if (i >= v->nentries)
        return ZTO_E_NOT_FOUND;
    zto_cbor_dec_init(&d, v->entries_raw.p, v->entries_raw.len);
    if ((r = zto_cbor_get_array(&d, &n)) != ZTO_OK)
        return r;
    for (k = 0; k < i; k++)
        if ((r = zto_cbor_skip(&d)) != ZTO_OK)
            return r;
    return zto_cbor_get_raw(&d, entry);
}

zto_err_t
zto_voucher_owner_key(const struct zto_voucher *v, struct zto_pubkey *owner)
{
    struct zto_bytes raw;
    struct zto_ov_entry e;
    zto_err_t r;

    if (v->nentries == 0) {
        *owner = v->hdr.mfg_key;
        return ZTO_OK;
    }
    if ((r = zto_voucher_entry(v, v->nentries - 1, &raw)) != ZTO_OK ||
        (r = zto_ov_entry_decode(raw.p, raw.len, &e)) != ZTO_OK)
        return r;
    *owner = e.pubkey;
    return ZTO_OK;
}

int32_t
zto_voucher_hash_type(const struct zto_voucher *v)
{
    int32_t t = v->hdr.mfg_key.type;

    if (t == ZTO_PK_SECP384R1)
        return ZTO_HASH_SHA384;
    if (t == ZTO_PK_SECP256R1 || t == ZTO_PK_RSA2048RESTR)
        return ZTO_HASH_SHA256;
    /* RSAPKCS/RSAPSS come in 2048 and 3072: decide by the HMAC the
     * manufacturer chose, which follows the same strength. */
    return v->hmac.type == ZTO_HMAC_SHA384 ? ZTO_HASH_SHA384
                                           : ZTO_HASH_SHA256;
}

zto_err_t
zto_voucher_build(struct zto_bytes header_raw, const struct zto_hash *hmac,
                  const struct zto_bytes *certs, size_t ncerts, uint8_t *out,
                  size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;
    size_t i;

    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_array(&e, 5);
    zto_cbor_put_uint(&e, ZTO_PROTVER);
    zto_cbor_put_bytes(&e, header_raw);
    zto_hash_enc(&e, hmac);
    if (ncerts == 0) {
        zto_cbor_put_null(&e);
    } else {
        zto_cbor_put_array(&e, ncerts);
        for (i = 0; i < ncerts; i++)
            zto_cbor_put_bytes(&e, certs[i]);
    }
    zto_cbor_put_array(&e, 0);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_voucher_pem_encode(const uint8_t *cbor, size_t len, char *out, size_t cap,
                       size_t *out_len)
{
    return zto_pem_encode(ZTO_VOUCHER_PEM_LABEL, cbor, len, out, cap,
                          out_len);
}

zto_err_t
zto_voucher_pem_decode(const char *text, size_t text_len, size_t *pos,
                       uint8_t *out, size_t cap, size_t *out_len)
{
    size_t p = pos != NULL ? *pos : 0;
    zto_err_t r;

    /* Raw CBOR: a 1.1 voucher starts with array(5), uint 101 (85 18 65). */
    if (p == 0 && text_len >= 3 && (uint8_t)text[0] == 0x85 &&
        (uint8_t)text[1] == 0x18 && (uint8_t)text[2] == 0x65) {
        if (text_len > cap)
            return ZTO_E_BUF_TOO_SMALL;
        memcpy(out, text, text_len);
        *out_len = text_len;
        if (pos != NULL)
            *pos = text_len;
        return ZTO_OK;
    }
    r = zto_pem_find(text, text_len, &p, ZTO_VOUCHER_PEM_LABEL, out, cap,
                     out_len);
    if (r == ZTO_OK && pos != NULL)
        *pos = p;
    return r;
}
