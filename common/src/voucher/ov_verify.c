/*
 * ov_verify.c - full voucher verification (FDO 1.1 sections 6.2, 6.4):
 * what an owner checks on import and a rendezvous server at TO0.
 */
#include <string.h>

#include "zto/zto_voucher.h"

/* OVDevCertChainHash covers the concatenated DER certificates, without
 * CBOR framing (section 6.2, row 3). */
static zto_err_t
check_chain_hash(const struct zto_voucher *v)
{
    struct zto_digest d;
    struct zto_hash_buf got;
    struct zto_hash want = v->hdr.cert_hash;
    size_t i;
    zto_err_t r;

    if (!v->hdr.has_cert_hash)
        /* Only EPID vouchers omit it, and they have no chain either. */
        return v->has_chain ? ZTO_E_VOUCHER : ZTO_OK;
    if (!v->has_chain)
        return ZTO_E_VOUCHER;
    if ((r = zto_digest_start(&d, want.type)) != ZTO_OK)
        return r == ZTO_E_UNSUPPORTED ? ZTO_E_VOUCHER : r;
    for (i = 0; i < v->ncerts; i++) {
        if ((r = zto_digest_update(&d, v->cert[i].p, v->cert[i].len)) !=
            ZTO_OK) {
            zto_digest_abort(&d);
            return r;
        }
    }
    if ((r = zto_digest_finish(&d, &got)) != ZTO_OK)
        return r;
    if (want.value.len != got.len ||
        memcmp(want.value.p, got.value, got.len) != 0)
        return ZTO_E_HASH;
    return ZTO_OK;
}

/* Every owner key has the manufacturer key's type, size and encoding, so
 * a device can check the whole chain with one algorithm (section 6.3). */
static zto_err_t
check_uniform(const struct zto_pubkey *hdr, const struct zto_pubkey *k)
{
    struct zto_key a, b;
    zto_err_t r;

    if (hdr->type != k->type || hdr->enc != k->enc)
        return ZTO_E_KEY;
    zto_key_init(&a);
    zto_key_init(&b);
    if ((r = zto_key_from_pubkey(hdr, &a)) == ZTO_OK &&
        (r = zto_key_from_pubkey(k, &b)) == ZTO_OK)
        r = a.bits == b.bits ? ZTO_OK : ZTO_E_KEY;
    zto_key_free(&a);
    zto_key_free(&b);
    return r;
}

zto_err_t
zto_voucher_verify(const struct zto_voucher *v,
                   const struct zto_voucher_verify_opts *o,
                   struct zto_pubkey *owner)
{
    static const struct zto_voucher_verify_opts none;
    struct zto_ov_walk w;
    size_t i;
    zto_err_t r;

    if (o == NULL)
        o = &none;
    if (o->hmac_secret != NULL &&
        (r = zto_hmac_check(&v->hmac, o->hmac_secret, o->hmac_secret_len,
                            v->header_raw.p, v->header_raw.len)) != ZTO_OK)
        return r;
    if ((r = check_chain_hash(v)) != ZTO_OK)
        return r;
    if (v->has_chain && !o->skip_chain_validation &&
        (r = zto_cert_chain_verify(v->cert, v->ncerts, o->roots,
                                   o->nroots)) != ZTO_OK)
        return r;
    if (o->require_entries && v->nentries == 0)
        return ZTO_E_VOUCHER;

    if ((r = zto_ov_walk_start(&w, v->header_raw, v->hmac_raw)) != ZTO_OK)
        return r;
    for (i = 0; i < v->nentries; i++) {
        struct zto_bytes raw;
        struct zto_ov_entry e;
        if ((r = zto_voucher_entry(v, i, &raw)) != ZTO_OK ||
            (r = zto_ov_walk_next(&w, raw)) != ZTO_OK)
            return r;
        if ((r = zto_ov_entry_decode(raw.p, raw.len, &e)) != ZTO_OK ||
            (r = check_uniform(&v->hdr.mfg_key, &e.pubkey)) != ZTO_OK)
            return r;
    }
    if (owner != NULL)
        return zto_voucher_owner_key(v, owner);
    return ZTO_OK;
}
