/*
 * ov_extend.c - extending a voucher to the next owner (FDO 1.1 section
 * 6.3): late binding at shipment.
 */
#include <string.h>

#include "zto/zto_voucher.h"

zto_err_t
zto_voucher_extend(const struct zto_voucher *v,
                   const struct zto_signer *signer,
                   const struct zto_pubkey *next, struct zto_bytes extra,
                   uint8_t *out, size_t cap, size_t *out_len)
{
    struct zto_pubkey cur;
    struct zto_key cur_key, next_key, hdr_key;
    struct zto_hash_buf prev, info;
    struct zto_digest d;
    struct zto_cbor_enc e;
    struct zto_cose_sign1_mark m;
    struct zto_bytes last;
    int32_t ht;
    size_t head;
    zto_err_t r = ZTO_E_INTERNAL;

    zto_key_init(&cur_key);
    zto_key_init(&next_key);
    zto_key_init(&hdr_key);
    if (signer == NULL || signer->pub == NULL || next == NULL)
        return ZTO_E_ARG;
    if (v->nentries >= ZTO_MAX_OV_ENTRIES)
        return ZTO_E_TOO_BIG;

    /* Only the current owner may extend. */
    if ((r = zto_voucher_owner_key(v, &cur)) != ZTO_OK ||
        (r = zto_key_from_pubkey(&cur, &cur_key)) != ZTO_OK)
        goto out;
    if ((r = zto_key_equal(&cur_key, signer->pub)) != ZTO_OK)
        goto out;
    /* ECDSA keys sign with their one algorithm; RSA keys with RS or PS. */
    if (zto_alg_hash_type(signer->alg) == 0 ||
        ((cur_key.pk_type == ZTO_PK_SECP256R1 ||
          cur_key.pk_type == ZTO_PK_SECP384R1) &&
         signer->alg != zto_key_sig_alg(&cur_key))) {
        r = ZTO_E_KEY;
        goto out;
    }
    /* The next key has the manufacturer key's type, size and encoding. */
    if ((r = zto_key_from_pubkey(next, &next_key)) != ZTO_OK ||
        (r = zto_key_from_pubkey(&v->hdr.mfg_key, &hdr_key)) != ZTO_OK)
        goto out;
    if (next->type != v->hdr.mfg_key.type ||
        next->enc != v->hdr.mfg_key.enc || next_key.bits != hdr_key.bits) {
        r = ZTO_E_KEY;
        goto out;
    }

    /* Keep the hash type of the existing entries; else by key strength. */
    ht = zto_voucher_hash_type(v);
    if (v->nentries > 0) {
        struct zto_bytes raw0;
        struct zto_ov_entry e0;
        if ((r = zto_voucher_entry(v, 0, &raw0)) != ZTO_OK ||
            (r = zto_ov_entry_decode(raw0.p, raw0.len, &e0)) != ZTO_OK)
            goto out;
        ht = e0.hash_prev.type;
        if ((r = zto_voucher_entry(v, v->nentries - 1, &last)) != ZTO_OK ||
            (r = zto_hash(ht, last.p, last.len, &prev)) != ZTO_OK)
            goto out;
    } else {
        if ((r = zto_digest_start(&d, ht)) != ZTO_OK)
            goto out;
        if ((r = zto_digest_update(&d, v->header_raw.p, v->header_raw.len)) !=
                ZTO_OK ||
            (r = zto_digest_update(&d, v->hmac_raw.p, v->hmac_raw.len)) !=
                ZTO_OK) {
            zto_digest_abort(&d);
            goto out;
        }
        if ((r = zto_digest_finish(&d, &prev)) != ZTO_OK)
            goto out;
    }
    if ((r = zto_digest_start(&d, ht)) != ZTO_OK)
        goto out;
    if ((r = zto_digest_update(&d, v->hdr.guid.b, ZTO_GUID_LEN)) != ZTO_OK ||
        (r = zto_digest_update(&d, v->hdr.device_info.p,
                               v->hdr.device_info.len)) != ZTO_OK) {
        zto_digest_abort(&d);
        goto out;
    }
    if ((r = zto_digest_finish(&d, &info)) != ZTO_OK)
        goto out;

    /* Copy everything before the entries byte for byte; re-encode only
     * the entry array head, then append the new entry. */
    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_array(&e, 5);
    zto_cbor_put_uint(&e, ZTO_PROTVER);
    zto_cbor_put_bytes(&e, v->header_raw);
    zto_cbor_put_raw(&e, v->hmac_raw.p, v->hmac_raw.len);
    zto_cbor_put_raw(&e, v->chain_raw.p, v->chain_raw.len);
    zto_cbor_put_array(&e, v->nentries + 1);
    head = zto_cbor_head_len(v->nentries);
    zto_cbor_put_raw(&e, v->entries_raw.p + head, v->entries_raw.len - head);
    zto_cose_sign1_begin(&e, &m, signer->alg, ZTO_BYTES_NULL);
    zto_cbor_put_array(&e, 4);
    zto_hash_buf_enc(&e, &prev);
    zto_hash_buf_enc(&e, &info);
    if (extra.len > 0)
        zto_cbor_put_raw(&e, extra.p, extra.len);
    else
        zto_cbor_put_null(&e);
    zto_pubkey_enc(&e, next);
    if ((r = zto_cose_sign1_end(&e, &m, signer)) != ZTO_OK)
        goto out;
    r = zto_cbor_enc_finish(&e, out_len);
out:
    zto_key_free(&cur_key);
    zto_key_free(&next_key);
    zto_key_free(&hdr_key);
    return r;
}
