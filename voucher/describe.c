/*
 * describe.c - facts about a voucher's parts that both renderers (text
 * and JSON) print: key descriptions, entry hash type, directive validity.
 */
#include <string.h>

#include "vt_int.h"

void
vt_key_describe(const struct zto_pubkey *pk, struct vt_keydesc *kd)
{
    struct zto_key k;

    memset(kd, 0, sizeof(*kd));
    zto_key_init(&k);
    if (zto_key_from_pubkey(pk, &k) == ZTO_OK &&
        vt_key_fingerprint(&k, kd->fp) == ZTO_OK) {
        kd->ok = true;
        kd->bits = k.bits;
        vt_name_curve(pk->type, k.bits, kd->curve, sizeof(kd->curve));
    } else {
        memcpy(kd->fp, "unreadable", 11);
        snprintf(kd->curve, sizeof(kd->curve), "%s (unreadable key)",
                 vt_name_pk_type(pk->type));
    }
    zto_key_free(&k);
}

int32_t
vt_entry_hash_type(const struct zto_voucher *v)
{
    struct zto_bytes raw;
    struct zto_ov_entry e;

    /* Entry 0 fixes the type for all (section 6.2); else what an
     * extension would choose. */
    if (v->nentries > 0 && zto_voucher_entry(v, 0, &raw) == ZTO_OK &&
        zto_ov_entry_decode(raw.p, raw.len, &e) == ZTO_OK)
        return e.hash_prev.type;
    return zto_voucher_hash_type(v);
}

zto_err_t
vt_directive_check(struct zto_bytes raw)
{
    struct zto_rv_directive d;

    return zto_rv_directive_parse(raw, &d);
}

void
vt_guid_hex(const struct zto_voucher *v, char out[33])
{
    vt_hex(v->hdr.guid.b, ZTO_GUID_LEN, out);
}
