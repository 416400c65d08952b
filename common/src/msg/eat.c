/*
 * eat.c - the Entity Attestation Token of TO1.ProveToRV (32) and
 * TO2.ProveDevice (64) (FDO 1.1 section 8.3, 4.3, 4.4).
 *
 *   EAToken = #6.18([protected {1: alg}, unprotected {? -259: Nonce,
 *                    ? -258: bstr}, payload: bstr .cbor EATPayload, sig])
 *   EATPayload = {10: Nonce, 256: bstr .size 17, ? -257: any, * other}
 *
 * EAT-UEID (256) is 0x01 (RAND type) followed by the GUID. The label is
 * 256 everywhere except fido-device-onboard-rs, which uses 11 (section 12
 * item 4); such a token has no UEID for us and is refused. Other claims
 * are allowed by EAT and skipped. Map order is not canonical across
 * implementations (client-sdk writes {256, 10, -257}), so nothing here
 * depends on it; we write {10, 256, -257}. Unprotected labels other than
 * -259 and -258 carry nothing FDO defines and are not signed: ignored.
 */
#include <string.h>

#include "zto/zto_msg.h"

#include "../codec/codec_int.h"

#define UEID_LEN (1 + ZTO_GUID_LEN)
#define UEID_TYPE_RAND 0x01

static zto_err_t
payload_dec(struct zto_bytes p, struct zto_eat *m)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;
    struct zto_bytes ueid;
    bool has_nonce = false, has_ueid = false;
    int64_t label;
    size_t n, i;
    zto_err_t r;

    zto_cbor_dec_init(&d, p.p, p.len);
    if ((r = zto_cbor_get_map(&d, &n)) != ZTO_OK)
        return r;
    for (i = 0; i < n; i++) {
        if ((r = zto_cbor_peek(&d, &it)) != ZTO_OK)
            return r;
        if ((it.major != ZTO_CBOR_UINT && it.major != ZTO_CBOR_NEGINT) ||
            it.val > (uint64_t)INT64_MAX) {
            if ((r = zto_cbor_skip(&d)) != ZTO_OK ||
                (r = zto_cbor_skip(&d)) != ZTO_OK)
                return r;
            continue;
        }
        if ((r = zto_cbor_get_int(&d, &label)) != ZTO_OK)
            return r;
        switch (label) {
        case ZTO_EAT_NONCE:
            if (has_nonce)
                return ZTO_E_UNKNOWN_KEY;
            if ((r = zto_nonce_dec(&d, &m->nonce)) != ZTO_OK)
                return r;
            has_nonce = true;
            break;
        case ZTO_EAT_UEID:
            if (has_ueid)
                return ZTO_E_UNKNOWN_KEY;
            if ((r = zto_cbor_get_bstr(&d, &ueid)) != ZTO_OK)
                return r;
            if (ueid.len != UEID_LEN || ueid.p[0] != UEID_TYPE_RAND)
                return ZTO_E_RANGE;
            memcpy(m->guid.b, ueid.p + 1, ZTO_GUID_LEN);
            has_ueid = true;
            break;
        case ZTO_EAT_FDO:
            if (m->has_fdo)
                return ZTO_E_UNKNOWN_KEY;
            if ((r = zto_cbor_get_raw(&d, &m->fdo)) != ZTO_OK)
                return r;
            m->has_fdo = true;
            break;
        default:
            if ((r = zto_cbor_skip(&d)) != ZTO_OK)
                return r;
        }
    }
    if ((r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    return has_nonce && has_ueid ? ZTO_OK : ZTO_E_MISSING;
}

/* One item of an unprotected label's raw value, exactly. */
static zto_err_t
unprot_dec(const struct zto_cose_sign1 *s, int64_t label, bool *has,
           struct zto_cbor_dec *v)
{
    struct zto_bytes raw;
    zto_err_t r = zto_cose_unprotected_get(s, label, &raw);

    *has = false;
    if (r == ZTO_E_NOT_FOUND)
        return ZTO_OK;
    if (r != ZTO_OK)
        return r;
    zto_cbor_dec_init(v, raw.p, raw.len);
    *has = true;
    return ZTO_OK;
}

zto_err_t
zto_eat_decode(const uint8_t *buf, size_t len, struct zto_eat *m)
{
    struct zto_eat tmp;
    struct zto_cbor_dec v;
    struct zto_bytes prefix;
    bool has;
    zto_err_t r;

    memset(&tmp, 0, sizeof(tmp));
    if ((r = zto_cose_sign1_decode(buf, len, &tmp.cose)) != ZTO_OK ||
        (r = payload_dec(tmp.cose.payload, &tmp)) != ZTO_OK)
        return r;
    if ((r = unprot_dec(&tmp.cose, ZTO_EUPH_NONCE, &has, &v)) != ZTO_OK)
        return r;
    if (has) {
        if ((r = zto_nonce_dec(&v, &tmp.euph_nonce)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&v)) != ZTO_OK)
            return r;
        tmp.has_euph_nonce = true;
    }
    if ((r = unprot_dec(&tmp.cose, ZTO_EAT_MAROE_PREFIX, &has, &v)) != ZTO_OK)
        return r;
    if (has && ((r = zto_cbor_get_bstr(&v, &prefix)) != ZTO_OK ||
                (r = zto_cbor_dec_finish(&v)) != ZTO_OK))
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_eat_encode(const struct zto_nonce *nonce, const struct zto_guid *guid,
               struct zto_bytes fdo, const struct zto_nonce *euph_nonce,
               const struct zto_signer *signer, uint8_t *buf, size_t cap,
               size_t *out_len)
{
    static const uint8_t ueid_type = UEID_TYPE_RAND;
    uint8_t unprot[32];
    size_t ulen = 0;
    struct zto_cbor_enc e;
    struct zto_cose_sign1_mark m;
    zto_err_t r;

    if (fdo.len > 0 && zto_cbor_validate(fdo.p, fdo.len) != ZTO_OK)
        return ZTO_E_ARG;
    if (euph_nonce != NULL) {
        zto_cbor_enc_init(&e, unprot, sizeof(unprot));
        zto_cbor_put_map(&e, 1);
        zto_cbor_put_int(&e, ZTO_EUPH_NONCE);
        zto_nonce_enc(&e, euph_nonce);
        if ((r = zto_cbor_enc_finish(&e, &ulen)) != ZTO_OK)
            return r;
    }
    zto_cbor_enc_init(&e, buf, cap);
    zto_cose_sign1_begin(&e, &m, signer->alg, ZTO_BYTES(unprot, ulen));
    zto_cbor_put_map(&e, fdo.len > 0 ? 3 : 2);
    zto_cbor_put_uint(&e, ZTO_EAT_NONCE);
    zto_nonce_enc(&e, nonce);
    zto_cbor_put_uint(&e, ZTO_EAT_UEID);
    zto_cbor_put_bstr_head(&e, UEID_LEN);
    zto_cbor_put_raw(&e, &ueid_type, 1);
    zto_cbor_put_raw(&e, guid->b, ZTO_GUID_LEN);
    if (fdo.len > 0) {
        zto_cbor_put_int(&e, ZTO_EAT_FDO);
        zto_cbor_put_raw(&e, fdo.p, fdo.len);
    }
    if ((r = zto_cose_sign1_end(&e, &m, signer)) != ZTO_OK)
        return r;
    return zto_cbor_enc_finish(&e, out_len);
}

/* TO2.ProveDevice: EAT-FDO = [xBKeyExchange: bstr] (section 4.4). */
zto_err_t
zto_eat_fdo_xb(const struct zto_eat *m, struct zto_bytes *xb)
{
    struct zto_cbor_dec d;
    struct zto_bytes b;
    zto_err_t r;

    if (!m->has_fdo)
        return ZTO_E_MISSING;
    zto_cbor_dec_init(&d, m->fdo.p, m->fdo.len);
    if ((r = zto_cbor_get_array_n(&d, 1)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &b)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    *xb = b;
    return ZTO_OK;
}
