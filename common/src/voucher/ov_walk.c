/*
 * ov_walk.c - walking the entry chain (FDO 1.1 section 6.4), one entry at
 * a time so a device can verify entries as TO2.OVNextEntry delivers them.
 */
#include <string.h>

#include "zto/zto_util.h"
#include "zto/zto_voucher.h"

/* H(a || b) in both entry hash types. */
static zto_err_t
hash_both(const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
          struct zto_hash_buf *h256, struct zto_hash_buf *h384)
{
    struct zto_digest d;
    zto_err_t r;
    int32_t types[2] = {ZTO_HASH_SHA256, ZTO_HASH_SHA384};
    struct zto_hash_buf *outs[2] = {h256, h384};
    int i;

    for (i = 0; i < 2; i++) {
        if ((r = zto_digest_start(&d, types[i])) != ZTO_OK)
            return r;
        if ((r = zto_digest_update(&d, a, al)) != ZTO_OK ||
            (r = zto_digest_update(&d, b, bl)) != ZTO_OK) {
            zto_digest_abort(&d);
            return r;
        }
        if ((r = zto_digest_finish(&d, outs[i])) != ZTO_OK)
            return r;
    }
    return ZTO_OK;
}

static zto_err_t
set_key(struct zto_ov_walk *w, const struct zto_pubkey *pk)
{
    if (pk->raw.len == 0)
        return ZTO_E_INTERNAL;
    if (pk->raw.len > sizeof(w->key))
        return ZTO_E_TOO_BIG;
    memcpy(w->key, pk->raw.p, pk->raw.len);
    w->key_len = pk->raw.len;
    return ZTO_OK;
}

zto_err_t
zto_ov_walk_start(struct zto_ov_walk *w, struct zto_bytes header_raw,
                  struct zto_bytes hmac_raw)
{
    struct zto_ov_header h;
    zto_err_t r;

    memset(w, 0, sizeof(*w));
    if ((r = zto_ov_header_decode(header_raw.p, header_raw.len, &h)) !=
        ZTO_OK)
        return r;
    /* Entry 0 links to the header bytes followed by the HMac item. */
    if ((r = hash_both(header_raw.p, header_raw.len, hmac_raw.p, hmac_raw.len,
                       &w->prev256, &w->prev384)) != ZTO_OK)
        return r;
    /* HashHdrInfo = H(GUID || DeviceInfo), raw bytes, no CBOR framing. */
    if ((r = hash_both(h.guid.b, sizeof(h.guid.b), h.device_info.p,
                       h.device_info.len, &w->info256, &w->info384)) !=
        ZTO_OK)
        return r;
    return set_key(w, &h.mfg_key);
}

zto_err_t
zto_ov_walk_key(const struct zto_ov_walk *w, struct zto_pubkey *pk)
{
    return zto_pubkey_decode(w->key, w->key_len, pk);
}

static bool
hash_eq(const struct zto_hash *got, const struct zto_hash_buf *want)
{
    return got->type == want->type && got->value.len == want->len &&
           zto_ct_equal(got->value.p, want->value, want->len);
}

zto_err_t
zto_ov_walk_next(struct zto_ov_walk *w, struct zto_bytes entry_raw)
{
    struct zto_ov_entry e;
    struct zto_pubkey cur;
    const struct zto_hash_buf *prev, *info;
    struct zto_hash_buf h;
    zto_err_t r;

    if (w->next >= ZTO_MAX_OV_ENTRIES)
        return ZTO_E_VOUCHER;
    if ((r = zto_ov_entry_decode(entry_raw.p, entry_raw.len, &e)) != ZTO_OK)
        return r;
    /* Signed by the previous owner (the manufacturer for entry 0). */
    if ((r = zto_ov_walk_key(w, &cur)) != ZTO_OK ||
        (r = zto_cose_sign1_verify_pubkey(&e.cose, &cur)) != ZTO_OK)
        return r;
    /* Every entry uses the hash type entry 0 chose. */
    if (w->next == 0)
        w->hash_type = e.hash_prev.type;
    else if (e.hash_prev.type != w->hash_type)
        return ZTO_E_VOUCHER;
    prev = w->hash_type == ZTO_HASH_SHA256 ? &w->prev256 : &w->prev384;
    info = w->hash_type == ZTO_HASH_SHA256 ? &w->info256 : &w->info384;
    if (!hash_eq(&e.hash_prev, prev) || !hash_eq(&e.hash_hdr, info))
        return ZTO_E_HASH;
    /* The next entry links to this one's bytes, tag included. */
    if ((r = zto_hash(w->hash_type, entry_raw.p, entry_raw.len, &h)) !=
        ZTO_OK)
        return r;
    if ((r = set_key(w, &e.pubkey)) != ZTO_OK)
        return r;
    if (w->hash_type == ZTO_HASH_SHA256)
        w->prev256 = h;
    else
        w->prev384 = h;
    w->next++;
    return ZTO_OK;
}
