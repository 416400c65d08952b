/*
 * msg_to2.c - the unsigned TO2 messages (FDO 1.1 section 4.4): 60, 62, 63
 * and 66-71. 61 and 65 are COSE_Sign1 objects (msg_to2_ovhdr.c,
 * msg_to2_setup.c), 64 is an EAT (eat.c). 65-71 travel encrypted; these
 * are their plaintext bodies.
 *
 *   60 HelloDevice   = [maxDeviceMessageSize: uint16, Guid,
 *                       NonceTO2ProveOV, kexSuiteName: tstr,
 *                       cipherSuiteName: int, eASigInfo]
 *   62 GetOVNextEntry = [OVEntryNum: uint8]
 *   63 OVNextEntry    = [OVEntryNum: uint8, OVEntry]
 *   66 DeviceServiceInfoReady = [ReplacementHMac / null,
 *                                maxOwnerServiceInfoSz: uint16 / null]
 *   67 OwnerServiceInfoReady  = [maxDeviceServiceInfoSz: uint16 / null]
 *   68 DeviceServiceInfo = [IsMoreServiceInfo: bool, ServiceInfo]
 *   69 OwnerServiceInfo  = [IsMoreServiceInfo: bool, IsDone: bool,
 *                           ServiceInfo]
 *   70 Done  = [NonceTO2ProveDv]
 *   71 Done2 = [NonceTO2SetupDv]
 *
 * The kex suite name is kept as text: which names are usable is the key
 * exchange's decision (section 8.1), not the codec's.
 */
#include "msg_int.h"

zto_err_t
zto_msg_to2_hello_device_decode(const uint8_t *buf, size_t len,
                                struct zto_msg_to2_hello_device *m)
{
    struct zto_cbor_dec d;
    struct zto_msg_to2_hello_device tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 6)) != ZTO_OK ||
        (r = zto_cbor_get_u16(&d, &tmp.max_msg_size)) != ZTO_OK ||
        (r = zto_guid_dec(&d, &tmp.guid)) != ZTO_OK ||
        (r = zto_nonce_dec(&d, &tmp.nonce)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(&d, &tmp.kex_name)) != ZTO_OK ||
        (r = zto_cbor_get_i32(&d, &tmp.cipher)) != ZTO_OK ||
        (r = zto_siginfo_dec(&d, &tmp.siginfo)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to2_hello_device_encode(const struct zto_msg_to2_hello_device *m,
                                uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 6);
    zto_cbor_put_uint(&e, m->max_msg_size);
    zto_guid_enc(&e, &m->guid);
    zto_nonce_enc(&e, &m->nonce);
    zto_cbor_put_tstr(&e, (const char *)m->kex_name.p, m->kex_name.len);
    zto_cbor_put_int(&e, m->cipher);
    zto_siginfo_enc(&e, &m->siginfo);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_msg_to2_get_ovnext_entry_decode(const uint8_t *buf, size_t len,
                                    struct zto_msg_to2_get_ovnext_entry *m)
{
    struct zto_cbor_dec d;
    uint8_t n;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 1)) != ZTO_OK ||
        (r = zto_cbor_get_u8(&d, &n)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    m->entry_num = n;
    return ZTO_OK;
}

zto_err_t
zto_msg_to2_get_ovnext_entry_encode(
    const struct zto_msg_to2_get_ovnext_entry *m, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 1);
    zto_cbor_put_uint(&e, m->entry_num);
    return zto_cbor_enc_finish(&e, out_len);
}

/* The entry stays byte-exact: the next HashPrevEntry covers it. Its shape
 * is checked here, its payload by zto_ov_entry_decode(). */
zto_err_t
zto_msg_to2_ovnext_entry_decode(const uint8_t *buf, size_t len,
                                struct zto_msg_to2_ovnext_entry *m)
{
    struct zto_cbor_dec d;
    struct zto_msg_to2_ovnext_entry tmp;
    struct zto_cose_sign1 cose;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 2)) != ZTO_OK ||
        (r = zto_cbor_get_u8(&d, &tmp.entry_num)) != ZTO_OK ||
        (r = zto_cose_sign1_dec(&d, &cose)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    tmp.entry = cose.raw;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to2_ovnext_entry_encode(const struct zto_msg_to2_ovnext_entry *m,
                                uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    if (m->entry.len == 0)
        return ZTO_E_ARG;
    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 2);
    zto_cbor_put_uint(&e, m->entry_num);
    zto_cbor_put_raw(&e, m->entry.p, m->entry.len);
    return zto_cbor_enc_finish(&e, out_len);
}

/* uint16 / null */
static zto_err_t
opt_u16_dec(struct zto_cbor_dec *d, bool *has, uint16_t *v)
{
    if (zto_cbor_peek_null(d)) {
        *has = false;
        *v = 0;
        return zto_cbor_get_null(d);
    }
    *has = true;
    return zto_cbor_get_u16(d, v);
}

static void
opt_u16_enc(struct zto_cbor_enc *e, bool has, uint16_t v)
{
    if (has)
        zto_cbor_put_uint(e, v);
    else
        zto_cbor_put_null(e);
}

zto_err_t
zto_msg_to2_device_svi_ready_decode(const uint8_t *buf, size_t len,
                                    struct zto_msg_to2_device_svi_ready *m)
{
    struct zto_cbor_dec d;
    struct zto_msg_to2_device_svi_ready tmp = {0};
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 2)) != ZTO_OK)
        return r;
    if (zto_cbor_peek_null(&d)) {
        if ((r = zto_cbor_get_null(&d)) != ZTO_OK)
            return r;
    } else {
        if ((r = msg_hmac_dec(&d, &tmp.hmac)) != ZTO_OK)
            return r;
        tmp.has_hmac = true;
    }
    if ((r = opt_u16_dec(&d, &tmp.has_max, &tmp.max_owner_svi_size)) !=
            ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to2_device_svi_ready_encode(
    const struct zto_msg_to2_device_svi_ready *m, uint8_t *buf, size_t cap,
    size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 2);
    if (m->has_hmac)
        zto_hash_enc(&e, &m->hmac);
    else
        zto_cbor_put_null(&e);
    opt_u16_enc(&e, m->has_max, m->max_owner_svi_size);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_msg_to2_owner_svi_ready_decode(const uint8_t *buf, size_t len,
                                   struct zto_msg_to2_owner_svi_ready *m)
{
    struct zto_cbor_dec d;
    struct zto_msg_to2_owner_svi_ready tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 1)) != ZTO_OK ||
        (r = opt_u16_dec(&d, &tmp.has_max, &tmp.max_device_svi_size)) !=
            ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to2_owner_svi_ready_encode(const struct zto_msg_to2_owner_svi_ready *m,
                                   uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 1);
    opt_u16_enc(&e, m->has_max, m->max_device_svi_size);
    return zto_cbor_enc_finish(&e, out_len);
}

/* A ServiceInfo built elsewhere is copied; an empty view means []. */
static void
svi_put(struct zto_cbor_enc *e, const struct zto_svi *s)
{
    if (s->raw.len == 0)
        zto_cbor_put_array(e, 0);
    else
        zto_cbor_put_raw(e, s->raw.p, s->raw.len);
}

zto_err_t
zto_msg_to2_device_svi_decode(const uint8_t *buf, size_t len,
                              struct zto_msg_to2_device_svi *m)
{
    struct zto_cbor_dec d;
    struct zto_msg_to2_device_svi tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 2)) != ZTO_OK ||
        (r = zto_cbor_get_bool(&d, &tmp.is_more)) != ZTO_OK ||
        (r = zto_svi_dec(&d, &tmp.svi)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to2_device_svi_encode(const struct zto_msg_to2_device_svi *m,
                              uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 2);
    zto_cbor_put_bool(&e, m->is_more);
    svi_put(&e, &m->svi);
    return zto_cbor_enc_finish(&e, out_len);
}

/* IsMoreServiceInfo and IsDone together contradict each other (section
 * 10.4 item 5); client-sdk refuses it too. */
zto_err_t
zto_msg_to2_owner_svi_decode(const uint8_t *buf, size_t len,
                             struct zto_msg_to2_owner_svi *m)
{
    struct zto_cbor_dec d;
    struct zto_msg_to2_owner_svi tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 3)) != ZTO_OK ||
        (r = zto_cbor_get_bool(&d, &tmp.is_more)) != ZTO_OK ||
        (r = zto_cbor_get_bool(&d, &tmp.is_done)) != ZTO_OK ||
        (r = zto_svi_dec(&d, &tmp.svi)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    if (tmp.is_more && tmp.is_done)
        return ZTO_E_PROTO;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_msg_to2_owner_svi_encode(const struct zto_msg_to2_owner_svi *m,
                             uint8_t *buf, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    if (m->is_more && m->is_done)
        return ZTO_E_ARG;
    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 3);
    zto_cbor_put_bool(&e, m->is_more);
    zto_cbor_put_bool(&e, m->is_done);
    svi_put(&e, &m->svi);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_msg_to2_done_decode(const uint8_t *buf, size_t len,
                        struct zto_msg_to2_done *m)
{
    return msg_nonce_dec(buf, len, &m->nonce);
}

zto_err_t
zto_msg_to2_done_encode(const struct zto_msg_to2_done *m, uint8_t *buf,
                        size_t cap, size_t *out_len)
{
    return msg_nonce_enc(&m->nonce, buf, cap, out_len);
}

zto_err_t
zto_msg_to2_done2_decode(const uint8_t *buf, size_t len,
                         struct zto_msg_to2_done2 *m)
{
    return msg_nonce_dec(buf, len, &m->nonce);
}

zto_err_t
zto_msg_to2_done2_encode(const struct zto_msg_to2_done2 *m, uint8_t *buf,
                         size_t cap, size_t *out_len)
{
    return msg_nonce_enc(&m->nonce, buf, cap, out_len);
}
