/*
 * owner_svi_rig.h - what the owner ServiceInfo step tests share: a
 * device's ServiceInfo key/values built into a TO2.DeviceServiceInfo
 * (68) body, and the engine's state saved and restored as the database
 * would between rounds. Include after test.h and svi_int.h.
 */
#ifndef OWNER_SVI_RIG_H
#define OWNER_SVI_RIG_H

#include <stdlib.h>

struct kvs {
    uint8_t buf[8192];
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
};

static void
kvs_start(struct kvs *k)
{
    zto_cbor_enc_init(&k->e, k->buf, sizeof(k->buf));
    zto_svi_enc_open(&k->e, &k->m);
}

static void
kv_raw(struct kvs *k, const char *mod, const char *msg, const uint8_t *v,
       size_t n)
{
    zto_svi_enc_kv(&k->e, &k->m, mod, msg, v, n);
}

static void
kv_text(struct kvs *k, const char *mod, const char *msg, const char *s)
{
    uint8_t v[256];
    struct zto_cbor_enc e;
    size_t n = 0;

    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_cstr(&e, s);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, mod, msg, v, n);
}

static void
kv_int(struct kvs *k, const char *mod, const char *msg, int64_t x)
{
    uint8_t v[16];
    struct zto_cbor_enc e;
    size_t n = 0;

    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_int(&e, x);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, mod, msg, v, n);
}

/* A 68 body [is_more, kvs] decoded into m. */
static void
make_68(struct kvs *k, bool more, uint8_t *body, size_t cap,
        struct zto_msg_to2_device_svi *m)
{
    struct zto_cbor_enc e;
    size_t kl = 0, n = 0;

    zto_svi_enc_close(&k->e, &k->m);
    if (zto_cbor_enc_finish(&k->e, &kl) != ZTO_OK)
        abort();
    zto_cbor_enc_init(&e, body, cap);
    zto_cbor_put_array(&e, 2);
    zto_cbor_put_bool(&e, more);
    zto_cbor_put_raw(&e, k->buf, kl);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK ||
        zto_msg_to2_device_svi_decode(body, n, m) != ZTO_OK)
        abort();
}

static void
save_restore(struct svi_state *s)
{
    uint8_t *buf = malloc(65536);
    struct zto_cbor_enc e;
    struct zto_cbor_dec d;
    size_t n = 0;

    zto_cbor_enc_init(&e, buf, 65536);
    svi_state_encode(s, &e);
    ASSERT_OK(zto_cbor_enc_finish(&e, &n));
    svi_state_free(s);
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(svi_state_decode(&d, s));
    ASSERT_OK(zto_cbor_dec_finish(&d));
    free(buf);
}

#endif
