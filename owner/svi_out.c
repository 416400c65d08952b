/*
 * svi_out.c - one OwnerServiceInfo (69) = [IsMoreServiceInfo, IsDone,
 * ServiceInfo] kept within the size the device accepts (FDO 1.1 section
 * 10.2: the whole plaintext body, the safe reading of the limit).
 */
#include <string.h>

#include "svi_int.h"

/* [bool, bool, array head]: array(3) head + two bools + the ServiceInfo
 * array head for count items. */
static size_t
frame_size(size_t count)
{
    return 3 + zto_cbor_head_len(count);
}

void
svi_out_init(struct svi_out *o, uint8_t *buf, size_t cap, size_t budget)
{
    memset(o, 0, sizeof(*o));
    o->buf = buf;
    o->cap = cap;
    o->budget = budget;
}

static size_t
total_with(const struct svi_out *o, size_t kv)
{
    return frame_size(o->count + 1) + o->len + kv;
}

zto_err_t
svi_out_put(struct svi_out *o, const char *module, const char *message,
            const uint8_t *val, size_t len)
{
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
    size_t kv = zto_svi_kv_size(module, message, len), n = 0;
    zto_err_t r;

    if (o->count >= ZTO_MAX_SVI_ENTRIES || total_with(o, kv) > o->budget ||
        o->len + kv > o->cap)
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
    size_t lo = 0, hi, mid;

    if (o->count >= ZTO_MAX_SVI_ENTRIES ||
        total_with(o, zto_svi_kv_size(module, message, 0)) > o->budget)
        return 0;
    /* kv size grows with the value but not linearly (bstr head width):
     * search the largest value that fits. */
    hi = o->budget;
    while (lo < hi) {
        mid = lo + (hi - lo + 1) / 2;
        if (total_with(o, zto_svi_kv_size(module, message, mid)) <= o->budget &&
            o->len + zto_svi_kv_size(module, message, mid) <= o->cap)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
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
