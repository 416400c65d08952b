/*
 * svi_out.c - one OwnerServiceInfo (69) = [IsMoreServiceInfo, IsDone,
 * ServiceInfo] kept within the size the device accepts (FDO 1.1 section
 * 10.2: the whole plaintext body, the safe reading of the limit).
 */
#include <string.h>

#include "svi_int.h"

/* 69 = [IsMoreServiceInfo, IsDone, ServiceInfo]: array(3) head and two
 * bools before the ServiceInfo array. */
static struct zto_svi_fill
fill_of(const struct svi_out *o)
{
    struct zto_svi_fill f = {3, o->count, o->len, o->cap - o->len, o->budget};

    return f;
}

void
svi_out_init(struct svi_out *o, uint8_t *buf, size_t cap, size_t budget)
{
    memset(o, 0, sizeof(*o));
    o->buf = buf;
    o->cap = cap;
    o->budget = budget;
}

zto_err_t
svi_out_put(struct svi_out *o, const char *module, const char *message,
            const uint8_t *val, size_t len)
{
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
    struct zto_svi_fill f = fill_of(o);
    size_t n = 0;
    zto_err_t r;

    if (!zto_svi_fits(&f, zto_svi_kv_size(module, message, len)))
        return ZTO_E_BUF_TOO_SMALL;
    memset(&m, 0, sizeof(m));
    zto_cbor_enc_init(&e, o->buf + o->len, o->cap - o->len);
    zto_svi_enc_kv(&e, &m, module, message, val, len);
    if ((r = zto_cbor_enc_finish(&e, &n)) != ZTO_OK)
        return r;
    o->len += n;
    o->count++;
    return ZTO_OK;
}

size_t
svi_out_room(const struct svi_out *o, const char *module, const char *message)
{
    struct zto_svi_fill f = fill_of(o);

    return zto_svi_room(&f, module, message);
}

zto_err_t
svi_out_finish(const struct svi_out *o, bool is_more, bool is_done,
               uint8_t *out, size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_array(&e, 3);
    zto_cbor_put_bool(&e, is_more);
    zto_cbor_put_bool(&e, is_done);
    zto_cbor_put_array(&e, o->count);
    zto_cbor_put_raw(&e, o->buf, o->len);
    return zto_cbor_enc_finish(&e, out_len);
}
