/*
 * to2_session.c - the TO2 session blob stored in the database:
 *
 *   [1 (layout version), state, guid, voucher_hash, num_entries,
 *    kex_suite, cipher, kex_secret, kex_random, dev_max_msg, key_fp,
 *    nonce_prove_dv, nonce_setup_dv, tunnel_key, tunnel_mac_key,
 *    reuse_offered, reuse, new_guid, new_hdr, repl_hmac / null,
 *    owner_svi_max, svi_state]
 *
 * The decoder is strict (a blob from another layout version is refused,
 * so the session fails cleanly after an upgrade) and wipes what it read
 * when it fails.
 */
#include <stdlib.h>
#include <string.h>

#include "to2_int.h"

#define LAYOUT 1
#define NFIELDS 22

void
to2_session_init(struct to2_session *s)
{
    memset(s, 0, sizeof(*s));
    svi_state_init(&s->svi);
}

void
to2_session_free(struct to2_session *s)
{
    if (s == NULL)
        return;
    zto_kex_wipe(&s->kex);
    zto_tunnel_wipe(&s->tunnel);
    free(s->new_hdr);
    svi_state_free(&s->svi);
    zto_zeroize(s, sizeof(*s));
}

static void
encode(const struct to2_session *s, struct zto_cbor_enc *e)
{
    zto_cbor_put_array(e, NFIELDS);
    zto_cbor_put_uint(e, LAYOUT);
    zto_cbor_put_uint(e, s->state);
    zto_guid_enc(e, &s->guid);
    zto_cbor_put_bstr(e, s->voucher_hash, sizeof(s->voucher_hash));
    zto_cbor_put_uint(e, s->num_entries);
    zto_cbor_put_uint(e, (uint64_t)s->kex_suite);
    zto_cbor_put_int(e, s->cipher);
    zto_cbor_put_bstr(e, s->kex.secret, s->kex.secret_len);
    zto_cbor_put_bstr(e, s->kex.random, s->kex.random_len);
    zto_cbor_put_uint(e, s->dev_max_msg);
    zto_cbor_put_cstr(e, s->key_fp);
    zto_nonce_enc(e, &s->nonce_prove_dv);
    zto_nonce_enc(e, &s->nonce_setup_dv);
    zto_cbor_put_bstr(e, s->tunnel.key, s->tunnel.key_len);
    zto_cbor_put_bstr(e, s->tunnel.mac_key, s->tunnel.mac_key_len);
    zto_cbor_put_bool(e, s->reuse_offered);
    zto_cbor_put_bool(e, s->reuse);
    zto_guid_enc(e, &s->new_guid);
    zto_cbor_put_bstr(e, s->new_hdr, s->new_hdr_len);
    if (s->has_hmac)
        zto_hash_buf_enc(e, &s->repl_hmac);
    else
        zto_cbor_put_null(e);
    zto_cbor_put_uint(e, s->owner_svi_max);
    svi_state_encode(&s->svi, e);
}

zto_err_t
to2_session_encode(const struct to2_session *s, uint8_t **out, size_t *out_len)
{
    struct zto_cbor_enc e;
    uint8_t *buf = NULL;
    size_t cap = 1024 + s->new_hdr_len;
    size_t n = 0;
    zto_err_t r;

    /* Grow until it fits: the ServiceInfo state has no small bound. */
    for (;;) {
        if ((buf = malloc(cap)) == NULL)
            return ZTO_E_NOMEM;
        zto_cbor_enc_init(&e, buf, cap);
        encode(s, &e);
        r = zto_cbor_enc_finish(&e, &n);
        if (r != ZTO_E_BUF_TOO_SMALL || cap > (1u << 24))
            break;
        zto_zeroize(buf, cap);
        free(buf);
        buf = NULL;
        cap *= 4;
    }
    if (r != ZTO_OK) {
        zto_zeroize(buf, cap);
        free(buf);
        return r;
    }
    *out = buf;
    *out_len = n;
    return ZTO_OK;
}

static zto_err_t
get_fixed(struct zto_cbor_dec *d, uint8_t *out, size_t cap, size_t *len)
{
    struct zto_bytes b;
    zto_err_t r;

    if ((r = zto_cbor_get_bstr(d, &b)) != ZTO_OK)
        return r;
    if (b.len > cap)
        return ZTO_E_RANGE;
    if (b.len > 0)
        memcpy(out, b.p, b.len);
    *len = b.len;
    return ZTO_OK;
}

zto_err_t
to2_session_decode(const uint8_t *buf, size_t len, struct to2_session *s)
{
    struct zto_cbor_dec d;
    struct zto_bytes b;
    struct zto_hash h;
    uint64_t v;
    int64_t iv;
    size_t n = 0;
    zto_err_t r;

    to2_session_init(s);
    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, NFIELDS)) != ZTO_OK ||
        (r = zto_cbor_get_uint(&d, &v)) != ZTO_OK)
        goto fail;
    if (v != LAYOUT) {
        r = ZTO_E_CORRUPT;
        goto fail;
    }
    if ((r = zto_cbor_get_uint(&d, &v)) != ZTO_OK)
        goto fail;
    if (v < TO2_S_ENTRIES || v > TO2_S_SVI) {
        r = ZTO_E_CORRUPT;
        goto fail;
    }
    s->state = (uint8_t)v;
    if ((r = zto_guid_dec(&d, &s->guid)) != ZTO_OK ||
        (r = zto_cbor_get_bstr_fixed(&d, s->voucher_hash, 32)) != ZTO_OK ||
        (r = zto_cbor_get_u8(&d, &s->num_entries)) != ZTO_OK ||
        (r = zto_cbor_get_uint(&d, &v)) != ZTO_OK)
        goto fail;
    if (zto_kex_suite_name((int)v) == NULL) {
        r = ZTO_E_CORRUPT;
        goto fail;
    }
    s->kex_suite = (int)v;
    if ((r = zto_cbor_get_int(&d, &iv)) != ZTO_OK)
        goto fail;
    if (!zto_tunnel_cipher_supported((int32_t)iv) || iv != (int32_t)iv) {
        r = ZTO_E_CORRUPT;
        goto fail;
    }
    s->cipher = (int32_t)iv;
    s->kex.suite = s->kex_suite;
    s->kex.role = ZTO_KEX_OWNER;
    if ((r = get_fixed(&d, s->kex.secret, sizeof(s->kex.secret),
                       &s->kex.secret_len)) != ZTO_OK ||
        (r = get_fixed(&d, s->kex.random, sizeof(s->kex.random),
                       &s->kex.random_len)) != ZTO_OK ||
        (r = zto_cbor_get_u16(&d, &s->dev_max_msg)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(&d, &b)) != ZTO_OK)
        goto fail;
    if (b.len >= sizeof(s->key_fp)) {
        r = ZTO_E_CORRUPT;
        goto fail;
    }
    memcpy(s->key_fp, b.p, b.len);
    s->key_fp[b.len] = '\0';
    if ((r = zto_nonce_dec(&d, &s->nonce_prove_dv)) != ZTO_OK ||
        (r = zto_nonce_dec(&d, &s->nonce_setup_dv)) != ZTO_OK ||
        (r = get_fixed(&d, s->tunnel.key, sizeof(s->tunnel.key),
                       &s->tunnel.key_len)) != ZTO_OK ||
        (r = get_fixed(&d, s->tunnel.mac_key, sizeof(s->tunnel.mac_key),
                       &s->tunnel.mac_key_len)) != ZTO_OK ||
        (r = zto_cbor_get_bool(&d, &s->reuse_offered)) != ZTO_OK ||
        (r = zto_cbor_get_bool(&d, &s->reuse)) != ZTO_OK ||
        (r = zto_guid_dec(&d, &s->new_guid)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &b)) != ZTO_OK)
        goto fail;
    s->tunnel.cipher = s->cipher;
    if (b.len > 0) {
        if ((s->new_hdr = malloc(b.len)) == NULL) {
            r = ZTO_E_NOMEM;
            goto fail;
        }
        memcpy(s->new_hdr, b.p, b.len);
        s->new_hdr_len = b.len;
    }
    if (zto_cbor_peek_null(&d)) {
        if ((r = zto_cbor_get_null(&d)) != ZTO_OK)
            goto fail;
    } else {
        if ((r = zto_hash_dec(&d, &h)) != ZTO_OK)
            goto fail;
        s->has_hmac = true;
        s->repl_hmac.type = h.type;
        s->repl_hmac.len = h.value.len;
        memcpy(s->repl_hmac.value, h.value.p, h.value.len);
    }
    if ((r = zto_cbor_get_u16(&d, &s->owner_svi_max)) != ZTO_OK ||
        (r = svi_state_decode(&d, &s->svi)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        goto fail;
    (void)n;
    return ZTO_OK;
fail:
    to2_session_free(s);
    return r;
}
