/*
 * cred.c - the stored device credential (FDO 1.1 section 9.1) in the
 * blob layout go-fdo uses, so credentials move between the two:
 *
 *   [active: bool, protver: uint, deviceInfo: tstr, guid: bstr .size 16,
 *    rvinfo: RendezvousInfo, pubKeyHash: Hash, hmacSecret: bstr,
 *    deviceKey: bstr (PKCS#8 DER; empty when the key is held elsewhere)]
 *
 * The decoder is strict (exact shape, sizes within the compile-time
 * limits, no trailing bytes) and copies into the caller's struct only
 * when everything checked out.
 */
#include "device_int.h"

#include "zto/zto_codec.h"

/* Shortest HMAC secret accepted from storage (go-fdo and we write 32). */
#define CRED_MIN_SECRET 16

zto_err_t
zto_cred_encode(const struct zto_device_cred *c, uint8_t *buf, size_t cap,
                size_t *out_len)
{
    struct zto_cbor_enc e;

    if (c->rvinfo_len == 0 || c->rvinfo_len > sizeof(c->rvinfo) ||
        c->device_info_len > sizeof(c->device_info) ||
        c->hmac_secret_len > sizeof(c->hmac_secret) ||
        c->key_der_len > sizeof(c->key_der) ||
        c->pubkey_hash.len > sizeof(c->pubkey_hash.value))
        return ZTO_E_ARG;
    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 8);
    zto_cbor_put_bool(&e, c->active);
    zto_cbor_put_uint(&e, c->protver);
    zto_cbor_put_tstr(&e, c->device_info, c->device_info_len);
    zto_guid_enc(&e, &c->guid);
    zto_cbor_put_raw(&e, c->rvinfo, c->rvinfo_len);
    zto_hash_buf_enc(&e, &c->pubkey_hash);
    zto_cbor_put_bstr(&e, c->hmac_secret, c->hmac_secret_len);
    zto_cbor_put_bstr(&e, c->key_der, c->key_der_len);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_cred_decode(const uint8_t *buf, size_t len, struct zto_device_cred *c)
{
    struct zto_cbor_dec d;
    struct zto_rvinfo rv;
    struct zto_hash h;
    struct zto_bytes info, secret, key;
    struct zto_guid guid;
    bool active;
    uint16_t protver;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 8)) != ZTO_OK ||
        (r = zto_cbor_get_bool(&d, &active)) != ZTO_OK ||
        (r = zto_cbor_get_u16(&d, &protver)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(&d, &info)) != ZTO_OK ||
        (r = zto_guid_dec(&d, &guid)) != ZTO_OK ||
        (r = zto_rvinfo_dec(&d, &rv)) != ZTO_OK ||
        (r = zto_hash_dec(&d, &h)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &secret)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &key)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (protver != ZTO_PROTVER)
        return ZTO_E_UNSUPPORTED;
    /* DCPubKeyHash is a plain hash; an HMAC type here is corruption. */
    if (h.type != ZTO_HASH_SHA256 && h.type != ZTO_HASH_SHA384)
        return ZTO_E_RANGE;
    if (secret.len < CRED_MIN_SECRET)
        return ZTO_E_RANGE;
    if (info.len > sizeof(c->device_info) || rv.raw.len > sizeof(c->rvinfo) ||
        secret.len > sizeof(c->hmac_secret) || key.len > sizeof(c->key_der))
        return ZTO_E_TOO_BIG;

    zto_cred_wipe(c);
    c->active = active;
    c->protver = protver;
    memcpy(c->device_info, info.p, info.len);
    c->device_info_len = info.len;
    c->guid = guid;
    memcpy(c->rvinfo, rv.raw.p, rv.raw.len);
    c->rvinfo_len = rv.raw.len;
    c->pubkey_hash.type = h.type;
    c->pubkey_hash.len = h.value.len;
    memcpy(c->pubkey_hash.value, h.value.p, h.value.len);
    memcpy(c->hmac_secret, secret.p, secret.len);
    c->hmac_secret_len = secret.len;
    if (key.len > 0)
        memcpy(c->key_der, key.p, key.len);
    c->key_der_len = key.len;
    return ZTO_OK;
}

void
zto_cred_wipe(struct zto_device_cred *c)
{
    if (c == NULL)
        return;
    /* Everything, not only the secret and key: a wiped credential must
     * not look like a valid one. */
    zto_zeroize(c, sizeof(*c));
}
