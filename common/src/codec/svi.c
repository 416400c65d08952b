/*
 * svi.c - ServiceInfo (FDO 1.1 section 10.3).
 *
 *   ServiceInfo   = [* ServiceInfoKV]
 *   ServiceInfoKV = [ServiceInfoKey: tstr "module:message",
 *                    ServiceInfoVal: bstr .cbor any]
 *
 * The key is split at its first ':' and a key without one is refused. The
 * value's content is NOT checked to be one complete CBOR item: go-fdo
 * splits a value longer than the MTU across consecutive KVs with the same
 * key (section 10.4 item 7), so a single KV may hold a fragment. The module
 * that consumes a value decodes it.
 */
#include <string.h>

#include "zto/zto_codec.h"

#include "codec_int.h"

/* One kv at the cursor. */
static zto_err_t
kv_dec(struct zto_cbor_dec *d, struct zto_svi_kv *kv)
{
    struct zto_bytes key;
    const uint8_t *colon;
    zto_err_t r;

    if ((r = zto_cbor_get_array_n(d, 2)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(d, &key)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(d, &kv->value)) != ZTO_OK)
        return r;
    colon = key.len > 0 ? memchr(key.p, ':', key.len) : NULL;
    if (colon == NULL)
        return ZTO_E_MISSING;
    kv->module = ZTO_BYTES(key.p, (size_t)(colon - key.p));
    kv->message = ZTO_BYTES(colon + 1, key.len - (size_t)(colon - key.p) - 1);
    return ZTO_OK;
}

zto_err_t
zto_svi_dec(struct zto_cbor_dec *d, struct zto_svi *s)
{
    struct zto_cbor_dec save = *d;
    struct zto_svi tmp;
    struct zto_svi_kv kv;
    size_t n, i;
    zto_err_t r = ZTO_E_INTERNAL;

    if ((r = zto_cbor_get_array(d, &n)) != ZTO_OK)
        goto out;
    if (n > ZTO_MAX_SVI_ENTRIES) {
        r = ZTO_E_TOO_BIG;
        goto out;
    }
    for (i = 0; i < n; i++)
        if ((r = kv_dec(d, &kv)) != ZTO_OK)
            goto out;
    tmp.n = n;
    tmp.raw = ZTO_BYTES(d->buf + save.off, d->off - save.off);
    *s = tmp;
    r = ZTO_OK;
out:
    if (r != ZTO_OK)
        *d = save;
    return r;
}

/* *pos is a byte offset into s->raw: 0 before the array head, then the
 * offset of the next kv. */
zto_err_t
zto_svi_next(const struct zto_svi *s, size_t *pos, struct zto_svi_kv *kv)
{
    struct zto_cbor_dec d;
    struct zto_svi_kv tmp;
    size_t n;
    zto_err_t r;

    zto_cbor_dec_init(&d, s->raw.p, s->raw.len);
    if (*pos == 0) {
        if ((r = zto_cbor_get_array(&d, &n)) != ZTO_OK)
            return r;
    } else {
        if (*pos > s->raw.len)
            return ZTO_E_ARG;
        d.off = *pos;
    }
    if (zto_cbor_dec_remaining(&d) == 0)
        return ZTO_E_NOT_FOUND;
    if ((r = kv_dec(&d, &tmp)) != ZTO_OK)
        return r;
    *kv = tmp;
    *pos = d.off;
    return ZTO_OK;
}

void
zto_svi_enc_open(struct zto_cbor_enc *e, struct zto_cbor_mark *m)
{
    zto_cbor_array_open(e, m);
}

/* Head of a text string of n bytes: the uint head with major type 3. */
static void
put_tstr_head(struct zto_cbor_enc *e, size_t n)
{
    uint8_t h[9];
    struct zto_cbor_enc t;
    size_t hl;

    zto_cbor_enc_init(&t, h, sizeof(h));
    zto_cbor_put_uint(&t, n);
    if (zto_cbor_enc_finish(&t, &hl) != ZTO_OK) {
        codec_enc_fail(e, ZTO_E_INTERNAL);
        return;
    }
    h[0] |= (uint8_t)(ZTO_CBOR_TSTR << 5);
    zto_cbor_put_raw(e, h, hl);
}

void
zto_svi_enc_kv(struct zto_cbor_enc *e, struct zto_cbor_mark *m,
               const char *module, const char *message, const uint8_t *val,
               size_t val_len)
{
    size_t ml = strlen(module), gl = strlen(message);

    /* The receiver splits at the first ':'; one in the module name would
     * move the split. */
    if (memchr(module, ':', ml) != NULL) {
        codec_enc_fail(e, ZTO_E_ARG);
        return;
    }
    zto_cbor_put_array(e, 2);
    put_tstr_head(e, ml + 1 + gl);
    zto_cbor_put_raw(e, (const uint8_t *)module, ml);
    zto_cbor_put_raw(e, (const uint8_t *)":", 1);
    zto_cbor_put_raw(e, (const uint8_t *)message, gl);
    zto_cbor_put_bstr(e, val, val_len);
    zto_cbor_mark_item(m);
}

void
zto_svi_enc_close(struct zto_cbor_enc *e, struct zto_cbor_mark *m)
{
    zto_cbor_array_close(e, m);
}

size_t
zto_svi_kv_size(const char *module, const char *message, size_t val_len)
{
    size_t kl = strlen(module) + 1 + strlen(message);

    return 1 + zto_cbor_head_len(kl) + kl + zto_cbor_head_len(val_len) +
           val_len;
}

bool
zto_svi_fits(const struct zto_svi_fill *f, size_t kv)
{
    return f->count < ZTO_MAX_SVI_ENTRIES && kv <= f->buf_left &&
           f->frame + zto_cbor_head_len(f->count + 1) + f->used + kv <=
               f->budget;
}

size_t
zto_svi_room(const struct zto_svi_fill *f, const char *module,
             const char *message)
{
    size_t lo = 0, hi = f->budget, mid;

    if (!zto_svi_fits(f, zto_svi_kv_size(module, message, 0)))
        return 0;
    /* kv size grows with the value but not linearly (bstr head width):
     * search the largest value that fits. */
    while (lo < hi) {
        mid = lo + (hi - lo + 1) / 2;
        if (zto_svi_fits(f, zto_svi_kv_size(module, message, mid)))
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}
