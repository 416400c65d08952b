/*
 * fuzz_msg.c - every message decoder of zto_msg.h.
 *
 * The first input byte selects the body type (the FDO message number; 1 is
 * to0d, 2 DeviceMfgInfo), the rest is the body. What decodes is encoded,
 * decoded again and encoded again; both encodings must be identical.
 */
#include "fuzz_util.h"
#include "zto/zto_msg.h"

typedef zto_err_t (*rt_fn)(const uint8_t *in, size_t n, uint8_t *out,
                           size_t cap, size_t *out_len);

#define RT_MSG(name)                                                           \
    static zto_err_t rt_##name(const uint8_t *in, size_t n, uint8_t *out,      \
                               size_t cap, size_t *out_len)                    \
    {                                                                          \
        struct zto_msg_##name m;                                               \
        zto_err_t r = zto_msg_##name##_decode(in, n, &m);                      \
        if (r != ZTO_OK)                                                       \
            return r;                                                          \
        r = zto_msg_##name##_encode(&m, out, cap, out_len);                    \
        FUZZ_CHECK(r == ZTO_OK);                                               \
        return r;                                                              \
    }

#define RT_SIGNED(name)                                                        \
    static zto_err_t rt_##name(const uint8_t *in, size_t n, uint8_t *out,      \
                               size_t cap, size_t *out_len)                    \
    {                                                                          \
        struct zto_msg_##name m;                                               \
        struct zto_signer s;                                                   \
        zto_err_t r = zto_msg_##name##_decode(in, n, &m);                      \
        if (r != ZTO_OK)                                                       \
            return r;                                                          \
        fuzz_signer(&s, m.cose.alg);                                           \
        r = zto_msg_##name##_encode(&m, &s, out, cap, out_len);                \
        return fuzz_enc_ok(r) ? ZTO_OK : ZTO_E_UNSUPPORTED;                    \
    }

RT_MSG(di_app_start)
RT_MSG(di_set_credentials)
RT_MSG(di_set_hmac)
RT_MSG(to0_hello_ack)
RT_MSG(to0_owner_sign)
RT_MSG(to0_accept_owner)
RT_MSG(to1_hello_rv)
RT_MSG(to1_hello_rv_ack)
RT_MSG(to2_hello_device)
RT_MSG(to2_get_ovnext_entry)
RT_MSG(to2_ovnext_entry)
RT_MSG(to2_device_svi_ready)
RT_MSG(to2_owner_svi_ready)
RT_MSG(to2_device_svi)
RT_MSG(to2_owner_svi)
RT_MSG(to2_done)
RT_MSG(to2_done2)
RT_SIGNED(to2_prove_ovhdr)
RT_SIGNED(to2_setup_device)

static zto_err_t
rt_empty(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
         size_t *out_len)
{
    zto_err_t r = zto_msg_empty_decode(in, n);

    if (r != ZTO_OK)
        return r;
    r = zto_msg_empty_encode(out, cap, out_len);
    FUZZ_CHECK(r == ZTO_OK);
    return r;
}

static zto_err_t
rt_to0d(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
        size_t *out_len)
{
    struct zto_to0d t;
    zto_err_t r = zto_to0d_decode(in, n, &t);

    if (r != ZTO_OK)
        return r;
    r = zto_to0d_encode(&t, out, cap, out_len);
    FUZZ_CHECK(r == ZTO_OK);
    return r;
}

static zto_err_t
rt_mfg_info(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
            size_t *out_len)
{
    struct zto_mfg_info m;
    zto_err_t r = zto_mfg_info_decode(in, n, &m);

    if (r != ZTO_OK)
        return r;
    r = zto_mfg_info_encode(&m, out, cap, out_len);
    FUZZ_CHECK(r == ZTO_OK);
    return r;
}

static zto_err_t
rt_to1d(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
        size_t *out_len)
{
    struct zto_to1d t;
    struct zto_signer s;
    zto_err_t r = zto_to1d_decode(in, n, &t);

    if (r != ZTO_OK)
        return r;
    fuzz_signer(&s, t.cose.alg);
    r = zto_to1d_encode(&t.addr, &t.to0d_hash, &s, out, cap, out_len);
    return fuzz_enc_ok(r) ? ZTO_OK : ZTO_E_UNSUPPORTED;
}

static zto_err_t
rt_eat(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
       size_t *out_len)
{
    struct zto_eat t;
    struct zto_signer s;
    struct zto_bytes xb;
    zto_err_t r = zto_eat_decode(in, n, &t);

    if (r != ZTO_OK)
        return r;
    if (zto_eat_fdo_xb(&t, &xb) == ZTO_OK)
        FUZZ_CHECK(xb.p >= in && xb.p + xb.len <= in + n);
    fuzz_signer(&s, t.cose.alg);
    r = zto_eat_encode(&t.nonce, &t.guid, t.has_fdo ? t.fdo : ZTO_BYTES_NULL,
                       t.has_euph_nonce ? &t.euph_nonce : NULL, &s, out, cap,
                       out_len);
    return fuzz_enc_ok(r) ? ZTO_OK : ZTO_E_UNSUPPORTED;
}

static zto_err_t
rt_errmsg(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
          size_t *out_len)
{
    struct zto_error_msg m;
    zto_err_t r = zto_error_msg_decode(in, n, &m);

    if (r != ZTO_OK)
        return r;
    r = zto_error_msg_encode(&m, out, cap, out_len);
    FUZZ_CHECK(r == ZTO_OK);
    return r;
}

static rt_fn
pick(uint8_t type)
{
    switch (type) {
    case 1:
        return rt_to0d;
    case 2:
        return rt_mfg_info;
    case ZTO_MSG_DI_APP_START:
        return rt_di_app_start;
    case ZTO_MSG_DI_SET_CREDENTIALS:
        return rt_di_set_credentials;
    case ZTO_MSG_DI_SET_HMAC:
        return rt_di_set_hmac;
    case ZTO_MSG_DI_DONE:
    case ZTO_MSG_TO0_HELLO:
        return rt_empty;
    case ZTO_MSG_TO0_HELLO_ACK:
        return rt_to0_hello_ack;
    case ZTO_MSG_TO0_OWNER_SIGN:
        return rt_to0_owner_sign;
    case ZTO_MSG_TO0_ACCEPT_OWNER:
        return rt_to0_accept_owner;
    case ZTO_MSG_TO1_HELLO_RV:
        return rt_to1_hello_rv;
    case ZTO_MSG_TO1_HELLO_RV_ACK:
        return rt_to1_hello_rv_ack;
    case ZTO_MSG_TO1_PROVE_TO_RV:
    case ZTO_MSG_TO2_PROVE_DEVICE:
        return rt_eat;
    case ZTO_MSG_TO1_RV_REDIRECT:
        return rt_to1d;
    case ZTO_MSG_TO2_HELLO_DEVICE:
        return rt_to2_hello_device;
    case ZTO_MSG_TO2_PROVE_OVHDR:
        return rt_to2_prove_ovhdr;
    case ZTO_MSG_TO2_GET_OVNEXT_ENTRY:
        return rt_to2_get_ovnext_entry;
    case ZTO_MSG_TO2_OVNEXT_ENTRY:
        return rt_to2_ovnext_entry;
    case ZTO_MSG_TO2_SETUP_DEVICE:
        return rt_to2_setup_device;
    case ZTO_MSG_TO2_DEVICE_SVI_READY:
        return rt_to2_device_svi_ready;
    case ZTO_MSG_TO2_OWNER_SVI_READY:
        return rt_to2_owner_svi_ready;
    case ZTO_MSG_TO2_DEVICE_SVI:
        return rt_to2_device_svi;
    case ZTO_MSG_TO2_OWNER_SVI:
        return rt_to2_owner_svi;
    case ZTO_MSG_TO2_DONE:
        return rt_to2_done;
    case ZTO_MSG_TO2_DONE2:
        return rt_to2_done2;
    case ZTO_MSG_ERROR:
        return rt_errmsg;
    default:
        return NULL;
    }
}

/* Types whose encoding is a function of the decoded value alone. Not:
 * the signed ones (our deterministic signature replaces theirs), the EAT
 * (other claims are dropped, claim order normalised) and ErrorMessage
 * (tagged and text timestamps become plain seconds). */
static int
exact(uint8_t type)
{
    switch (type) {
    case ZTO_MSG_TO1_PROVE_TO_RV:
    case ZTO_MSG_TO2_PROVE_DEVICE:
    case ZTO_MSG_TO1_RV_REDIRECT:
    case ZTO_MSG_TO2_PROVE_OVHDR:
    case ZTO_MSG_TO2_SETUP_DEVICE:
    case ZTO_MSG_ERROR:
        return 0;
    default:
        return 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t o1[FUZZ_OUT_CAP], o2[FUZZ_OUT_CAP];
    size_t l1 = 0, l2 = 0;
    rt_fn fn;
    uint8_t *copy;

    if (size < 1 || (fn = pick(data[0])) == NULL)
        return 0;
    if (fn(data + 1, size - 1, o1, sizeof(o1), &l1) != ZTO_OK)
        return 0;
    /* Exact-size copy of the re-encoding: its decode must stay inside. */
    copy = malloc(l1 > 0 ? l1 : 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, o1, l1);
    FUZZ_CHECK(fn(copy, l1, o2, sizeof(o2), &l2) == ZTO_OK);
    FUZZ_CHECK(l1 == l2 && memcmp(o1, o2, l1) == 0);
    /* Encoders that only copy or re-emit what they decoded must
     * reproduce an input that is already in shortest form. */
    if (exact(data[0]) && fuzz_shortest_deep(data + 1, size - 1, 4))
        FUZZ_CHECK(l1 == size - 1 && memcmp(o1, data + 1, l1) == 0);
    free(copy);
    return 0;
}
