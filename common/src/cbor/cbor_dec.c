/*
 * cbor_dec.c - bounded CBOR decoding cursor (see zto_cbor.h).
 *
 * libcbor's streaming decoder reads one head at a time and reports it
 * through callbacks; we collect that into a zto_cbor_item. It checks that a
 * definite string's content is inside the buffer. We add what FDO needs on
 * top: no indefinite lengths, no unassigned simple values, counts that fit
 * in the bytes left, and a nesting limit.
 */
#include <string.h>

#include <cbor/callbacks.h>
#include <cbor/streaming.h>

#include "zto/zto_cbor.h"

struct head_ctx {
    struct zto_cbor_item *it;
    zto_err_t err;
};

static void
on_uint8(void *c, uint8_t v)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_UINT;
    h->it->val = v;
}

static void
on_uint16(void *c, uint16_t v)
{
    on_uint8(c, 0);
    ((struct head_ctx *)c)->it->val = v;
}

static void
on_uint32(void *c, uint32_t v)
{
    on_uint8(c, 0);
    ((struct head_ctx *)c)->it->val = v;
}

static void
on_uint64(void *c, uint64_t v)
{
    on_uint8(c, 0);
    ((struct head_ctx *)c)->it->val = v;
}

static void
on_neg64(void *c, uint64_t v)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_NEGINT;
    h->it->val = v;
}

static void
on_neg32(void *c, uint32_t v)
{
    on_neg64(c, v);
}

static void
on_neg16(void *c, uint16_t v)
{
    on_neg64(c, v);
}

static void
on_neg8(void *c, uint8_t v)
{
    on_neg64(c, v);
}

static void
on_bstr(void *c, cbor_data p, size_t n)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_BSTR;
    h->it->val = n;
    h->it->str.p = p;
    h->it->str.len = n;
}

static void
on_tstr(void *c, cbor_data p, size_t n)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_TSTR;
    h->it->val = n;
    h->it->str.p = p;
    h->it->str.len = n;
}

static void
on_indef(void *c)
{
    ((struct head_ctx *)c)->err = ZTO_E_INDEFINITE;
}

static void
on_array(void *c, size_t n)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_ARRAY;
    h->it->val = n;
}

static void
on_map(void *c, size_t n)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_MAP;
    h->it->val = n;
}

static void
on_tag(void *c, uint64_t v)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_TAG;
    h->it->val = v;
}

static void
on_float(void *c, float v)
{
    struct head_ctx *h = c;
    (void)v;
    h->it->major = ZTO_CBOR_SIMPLE;
    h->it->val = ZTO_CBOR_FLOAT;
}

static void
on_double(void *c, double v)
{
    on_float(c, (float)0);
    (void)v;
}

static void
on_null(void *c)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_SIMPLE;
    h->it->val = ZTO_CBOR_NULL;
}

static void
on_undef(void *c)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_SIMPLE;
    h->it->val = ZTO_CBOR_UNDEF;
}

static void
on_bool(void *c, bool v)
{
    struct head_ctx *h = c;
    h->it->major = ZTO_CBOR_SIMPLE;
    h->it->val = v ? ZTO_CBOR_TRUE : ZTO_CBOR_FALSE;
}

static const struct cbor_callbacks head_callbacks = {
    .uint8 = on_uint8,
    .uint16 = on_uint16,
    .uint32 = on_uint32,
    .uint64 = on_uint64,
    .negint8 = on_neg8,
    .negint16 = on_neg16,
    .negint32 = on_neg32,
    .negint64 = on_neg64,
    /* libcbor's naming: byte_string is the definite one, *_start the
     * indefinite opener. */
    .byte_string = on_bstr,
    .byte_string_start = on_indef,
    .string = on_tstr,
    .string_start = on_indef,
    .array_start = on_array,
    .indef_array_start = on_indef,
    .map_start = on_map,
    .indef_map_start = on_indef,
    .tag = on_tag,
    .float2 = on_float,
    .float4 = on_float,
    .float8 = on_double,
    .undefined = on_undef,
    .null = on_null,
    .boolean = on_bool,
    .indef_break = on_indef,
};

void
zto_cbor_dec_init(struct zto_cbor_dec *d, const uint8_t *buf, size_t len)
{
    d->buf = buf;
    d->len = buf != NULL ? len : 0;
    d->off = 0;
}

size_t
zto_cbor_dec_remaining(const struct zto_cbor_dec *d)
{
    return d->len - d->off;
}

zto_err_t
zto_cbor_dec_finish(const struct zto_cbor_dec *d)
{
    return d->off == d->len ? ZTO_OK : ZTO_E_TRAILING;
}

zto_err_t
zto_cbor_peek(const struct zto_cbor_dec *d, struct zto_cbor_item *it)
{
    const uint8_t *p = d->buf + d->off;
    size_t left = d->len - d->off;
    struct head_ctx h = {it, ZTO_OK};
    struct cbor_decoder_result res;

    memset(it, 0, sizeof(*it));
    /* Sentinel: some heads (unassigned simple values) reach no callback. */
    it->major = (enum zto_cbor_major)99;
    if (left == 0)
        return ZTO_E_TRUNCATED;
    /* libcbor 0.8 (Debian 12) reports the one-byte tag heads 0xc6..0xd4 as
     * errors ("unassigned"); they include the COSE tags 16, 17 and 18. */
    if (p[0] >= 0xc6 && p[0] <= 0xd4) {
        it->major = ZTO_CBOR_TAG;
        it->val = (uint64_t)(p[0] - 0xc0);
        it->head_len = 1;
        return ZTO_OK;
    }
    /* A string with a 64-bit length could wrap size_t on 32-bit targets
     * inside the library; anything that long cannot be in our buffers. */
    if ((p[0] == 0x5b || p[0] == 0x7b) && left >= 5 &&
        (p[1] | p[2] | p[3] | p[4]) != 0)
        return ZTO_E_TRUNCATED;
    res = cbor_stream_decode(p, left, &head_callbacks, &h);
    if (res.status == CBOR_DECODER_NEDATA)
        return ZTO_E_TRUNCATED;
    if (res.status != CBOR_DECODER_FINISHED)
        return ZTO_E_CBOR;
    if (h.err != ZTO_OK)
        return h.err;
    if ((int)it->major == 99)
        return ZTO_E_CBOR;
    if (res.read == 0 || res.read > left)
        return ZTO_E_CBOR;
    it->head_len = res.read;
    /* Every element of a container takes at least one byte. */
    if (it->major == ZTO_CBOR_ARRAY && it->val > left - res.read)
        return ZTO_E_TRUNCATED;
    if (it->major == ZTO_CBOR_MAP &&
        (it->val > (left - res.read) / 2))
        return ZTO_E_TRUNCATED;
    return ZTO_OK;
}

bool
zto_cbor_peek_null(const struct zto_cbor_dec *d)
{
    return d->off < d->len && d->buf[d->off] == 0xf6;
}

/* Peek, require a major type, consume. */
static zto_err_t
take(struct zto_cbor_dec *d, enum zto_cbor_major major,
     struct zto_cbor_item *it)
{
    zto_err_t r = zto_cbor_peek(d, it);

    if (r != ZTO_OK)
        return r;
    if (it->major != major)
        return ZTO_E_TYPE;
    d->off += it->head_len;
    return ZTO_OK;
}

zto_err_t
zto_cbor_get_uint(struct zto_cbor_dec *d, uint64_t *v)
{
    struct zto_cbor_item it;
    zto_err_t r = take(d, ZTO_CBOR_UINT, &it);

    if (r == ZTO_OK)
        *v = it.val;
    return r;
}

zto_err_t
zto_cbor_get_int(struct zto_cbor_dec *d, int64_t *v)
{
    struct zto_cbor_item it;
    zto_err_t r = zto_cbor_peek(d, &it);

    if (r != ZTO_OK)
        return r;
    if (it.major != ZTO_CBOR_UINT && it.major != ZTO_CBOR_NEGINT)
        return ZTO_E_TYPE;
    if (it.val > (uint64_t)INT64_MAX)
        return ZTO_E_RANGE;
    d->off += it.head_len;
    *v = it.major == ZTO_CBOR_UINT ? (int64_t)it.val : -1 - (int64_t)it.val;
    return ZTO_OK;
}

zto_err_t
zto_cbor_get_i32(struct zto_cbor_dec *d, int32_t *v)
{
    struct zto_cbor_dec save = *d;
    int64_t x;
    zto_err_t r = zto_cbor_get_int(d, &x);

    if (r != ZTO_OK)
        return r;
    if (x < INT32_MIN || x > INT32_MAX) {
        *d = save;
        return ZTO_E_RANGE;
    }
    *v = (int32_t)x;
    return ZTO_OK;
}

static zto_err_t
get_uint_max(struct zto_cbor_dec *d, uint64_t max, uint64_t *v)
{
    struct zto_cbor_dec save = *d;
    zto_err_t r = zto_cbor_get_uint(d, v);

    if (r == ZTO_OK && *v > max) {
        *d = save;
        return ZTO_E_RANGE;
    }
    return r;
}

zto_err_t
zto_cbor_get_u32(struct zto_cbor_dec *d, uint32_t *v)
{
    uint64_t x;
    zto_err_t r = get_uint_max(d, UINT32_MAX, &x);

    if (r == ZTO_OK)
        *v = (uint32_t)x;
    return r;
}

zto_err_t
zto_cbor_get_u16(struct zto_cbor_dec *d, uint16_t *v)
{
    uint64_t x;
    zto_err_t r = get_uint_max(d, UINT16_MAX, &x);

    if (r == ZTO_OK)
        *v = (uint16_t)x;
    return r;
}

zto_err_t
zto_cbor_get_u8(struct zto_cbor_dec *d, uint8_t *v)
{
    uint64_t x;
    zto_err_t r = get_uint_max(d, UINT8_MAX, &x);

    if (r == ZTO_OK)
        *v = (uint8_t)x;
    return r;
}

zto_err_t
zto_cbor_get_bstr(struct zto_cbor_dec *d, struct zto_bytes *v)
{
    struct zto_cbor_item it;
    zto_err_t r = take(d, ZTO_CBOR_BSTR, &it);

    if (r == ZTO_OK)
        *v = it.str;
    return r;
}

zto_err_t
zto_cbor_get_bstr_fixed(struct zto_cbor_dec *d, uint8_t *out, size_t n)
{
    struct zto_cbor_item it;
    zto_err_t r = zto_cbor_peek(d, &it);

    if (r != ZTO_OK)
        return r;
    if (it.major != ZTO_CBOR_BSTR)
        return ZTO_E_TYPE;
    if (it.str.len != n)
        return ZTO_E_RANGE;
    d->off += it.head_len;
    if (n > 0)
        memcpy(out, it.str.p, n);
    return ZTO_OK;
}

zto_err_t
zto_cbor_get_tstr(struct zto_cbor_dec *d, struct zto_bytes *v)
{
    struct zto_cbor_item it;
    zto_err_t r = take(d, ZTO_CBOR_TSTR, &it);

    if (r == ZTO_OK)
        *v = it.str;
    return r;
}

zto_err_t
zto_cbor_get_array(struct zto_cbor_dec *d, size_t *n)
{
    struct zto_cbor_item it;
    zto_err_t r = take(d, ZTO_CBOR_ARRAY, &it);

    if (r == ZTO_OK)
        *n = (size_t)it.val;
    return r;
}

zto_err_t
zto_cbor_get_array_n(struct zto_cbor_dec *d, size_t n)
{
    struct zto_cbor_dec save = *d;
    size_t got;
    zto_err_t r = zto_cbor_get_array(d, &got);

    if (r != ZTO_OK)
        return r;
    if (got != n) {
        *d = save;
        return got < n ? ZTO_E_MISSING : ZTO_E_TOO_BIG;
    }
    return ZTO_OK;
}

zto_err_t
zto_cbor_get_map(struct zto_cbor_dec *d, size_t *n)
{
    struct zto_cbor_item it;
    zto_err_t r = take(d, ZTO_CBOR_MAP, &it);

    if (r == ZTO_OK)
        *n = (size_t)it.val;
    return r;
}

zto_err_t
zto_cbor_get_tag(struct zto_cbor_dec *d, uint64_t *tag)
{
    struct zto_cbor_item it;
    zto_err_t r = take(d, ZTO_CBOR_TAG, &it);

    if (r == ZTO_OK)
        *tag = it.val;
    return r;
}

zto_err_t
zto_cbor_expect_tag(struct zto_cbor_dec *d, uint64_t tag)
{
    struct zto_cbor_dec save = *d;
    uint64_t got;
    zto_err_t r = zto_cbor_get_tag(d, &got);

    if (r != ZTO_OK)
        return r;
    if (got != tag) {
        *d = save;
        return ZTO_E_TYPE;
    }
    return ZTO_OK;
}

zto_err_t
zto_cbor_get_bool(struct zto_cbor_dec *d, bool *v)
{
    struct zto_cbor_item it;
    zto_err_t r = zto_cbor_peek(d, &it);

    if (r != ZTO_OK)
        return r;
    if (it.major != ZTO_CBOR_SIMPLE ||
        (it.val != ZTO_CBOR_TRUE && it.val != ZTO_CBOR_FALSE))
        return ZTO_E_TYPE;
    d->off += it.head_len;
    *v = it.val == ZTO_CBOR_TRUE;
    return ZTO_OK;
}

zto_err_t
zto_cbor_get_null(struct zto_cbor_dec *d)
{
    struct zto_cbor_item it;
    zto_err_t r = zto_cbor_peek(d, &it);

    if (r != ZTO_OK)
        return r;
    if (it.major != ZTO_CBOR_SIMPLE || it.val != ZTO_CBOR_NULL)
        return ZTO_E_TYPE;
    d->off += it.head_len;
    return ZTO_OK;
}

/*
 * Walk one complete item without recursion. stack[i] counts the items still
 * owed at nesting level i; a tag owes one item at a new level, so runs of
 * tags count against the depth limit too.
 */
zto_err_t
zto_cbor_get_raw(struct zto_cbor_dec *d, struct zto_bytes *raw)
{
    size_t stack[ZTO_CBOR_MAX_DEPTH + 1];
    size_t depth = 0;
    size_t off = d->off;
    struct zto_cbor_dec c = *d;
    struct zto_cbor_item it;
    zto_err_t r;

    stack[0] = 1;
    for (;;) {
        while (stack[depth] == 0) {
            if (depth == 0)
                goto done;
            depth--;
        }
        stack[depth]--;
        if ((r = zto_cbor_peek(&c, &it)) != ZTO_OK)
            return r;
        c.off += it.head_len;
        if (it.major == ZTO_CBOR_ARRAY || it.major == ZTO_CBOR_MAP ||
            it.major == ZTO_CBOR_TAG) {
            uint64_t owed = it.major == ZTO_CBOR_ARRAY ? it.val
                            : it.major == ZTO_CBOR_MAP ? it.val * 2
                                                       : 1;
            if (owed == 0)
                continue;
            if (depth == ZTO_CBOR_MAX_DEPTH)
                return ZTO_E_DEPTH;
            stack[++depth] = (size_t)owed;
        }
    }
done:
    if (raw != NULL) {
        raw->p = d->buf + off;
        raw->len = c.off - off;
    }
    d->off = c.off;
    return ZTO_OK;
}

zto_err_t
zto_cbor_skip(struct zto_cbor_dec *d)
{
    return zto_cbor_get_raw(d, NULL);
}

zto_err_t
zto_cbor_validate(const uint8_t *buf, size_t len)
{
    struct zto_cbor_dec d;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_skip(&d)) != ZTO_OK)
        return r;
    return zto_cbor_dec_finish(&d);
}
