/*
 * cbor_enc.c - bounded CBOR encoder with sticky errors (see zto_cbor.h).
 *
 * Heads are written by libcbor's encoding.h, which always picks the
 * shortest form. A NULL buffer measures: lengths are counted, nothing is
 * written, and capacity never runs out.
 */
#include <string.h>

#include <cbor/encoding.h>

#include "zto/zto_cbor.h"

enum { MARK_BSTR = 1, MARK_ARRAY = 2 };

void
zto_cbor_enc_init(struct zto_cbor_enc *e, uint8_t *buf, size_t cap)
{
    e->buf = buf;
    e->cap = buf != NULL ? cap : SIZE_MAX;
    e->len = 0;
    e->err = ZTO_OK;
}

zto_err_t
zto_cbor_enc_finish(const struct zto_cbor_enc *e, size_t *out_len)
{
    if (e->err != ZTO_OK)
        return e->err;
    if (out_len != NULL)
        *out_len = e->len;
    return ZTO_OK;
}

size_t
zto_cbor_head_len(uint64_t n)
{
    if (n < 24)
        return 1;
    if (n <= UINT8_MAX)
        return 2;
    if (n <= UINT16_MAX)
        return 3;
    if (n <= UINT32_MAX)
        return 5;
    return 9;
}

/* Reserve n bytes; returns where to write them, or NULL (measuring or
 * failed). */
static uint8_t *
reserve(struct zto_cbor_enc *e, size_t n)
{
    uint8_t *p;

    if (e->err != ZTO_OK)
        return NULL;
    if (n > e->cap - e->len) {
        e->err = ZTO_E_BUF_TOO_SMALL;
        return NULL;
    }
    p = e->buf != NULL ? e->buf + e->len : NULL;
    e->len += n;
    return p;
}

typedef size_t (*head_fn)(uint64_t, unsigned char *, size_t);

static size_t
enc_bstr_head(uint64_t n, unsigned char *b, size_t c)
{
    return cbor_encode_bytestring_start((size_t)n, b, c);
}

static size_t
enc_tstr_head(uint64_t n, unsigned char *b, size_t c)
{
    return cbor_encode_string_start((size_t)n, b, c);
}

static size_t
enc_array_head(uint64_t n, unsigned char *b, size_t c)
{
    return cbor_encode_array_start((size_t)n, b, c);
}

static size_t
enc_map_head(uint64_t n, unsigned char *b, size_t c)
{
    return cbor_encode_map_start((size_t)n, b, c);
}

static void
put_head(struct zto_cbor_enc *e, head_fn fn, uint64_t v)
{
    size_t n = zto_cbor_head_len(v);
    uint8_t *p = reserve(e, n);

    if (p != NULL && fn(v, p, n) != n)
        e->err = ZTO_E_INTERNAL;
}

void
zto_cbor_put_uint(struct zto_cbor_enc *e, uint64_t v)
{
    put_head(e, cbor_encode_uint, v);
}

void
zto_cbor_put_int(struct zto_cbor_enc *e, int64_t v)
{
    if (v >= 0)
        put_head(e, cbor_encode_uint, (uint64_t)v);
    else
        put_head(e, cbor_encode_negint, (uint64_t)(-1 - v));
}

void
zto_cbor_put_bstr_head(struct zto_cbor_enc *e, size_t n)
{
    put_head(e, enc_bstr_head, n);
}

void
zto_cbor_put_raw(struct zto_cbor_enc *e, const uint8_t *p, size_t n)
{
    uint8_t *w = reserve(e, n);

    if (w != NULL && n > 0)
        memcpy(w, p, n);
}

void
zto_cbor_put_bstr(struct zto_cbor_enc *e, const uint8_t *p, size_t n)
{
    put_head(e, enc_bstr_head, n);
    zto_cbor_put_raw(e, p, n);
}

void
zto_cbor_put_bytes(struct zto_cbor_enc *e, struct zto_bytes b)
{
    zto_cbor_put_bstr(e, b.p, b.len);
}

void
zto_cbor_put_tstr(struct zto_cbor_enc *e, const char *s, size_t n)
{
    put_head(e, enc_tstr_head, n);
    zto_cbor_put_raw(e, (const uint8_t *)s, n);
}

void
zto_cbor_put_cstr(struct zto_cbor_enc *e, const char *s)
{
    zto_cbor_put_tstr(e, s, strlen(s));
}

void
zto_cbor_put_array(struct zto_cbor_enc *e, size_t n)
{
    put_head(e, enc_array_head, n);
}

void
zto_cbor_put_map(struct zto_cbor_enc *e, size_t n)
{
    put_head(e, enc_map_head, n);
}

void
zto_cbor_put_tag(struct zto_cbor_enc *e, uint64_t tag)
{
    put_head(e, cbor_encode_tag, tag);
}

void
zto_cbor_put_bool(struct zto_cbor_enc *e, bool v)
{
    uint8_t *p = reserve(e, 1);

    if (p != NULL && cbor_encode_bool(v, p, 1) != 1)
        e->err = ZTO_E_INTERNAL;
}

void
zto_cbor_put_null(struct zto_cbor_enc *e)
{
    uint8_t *p = reserve(e, 1);

    if (p != NULL && cbor_encode_null(p, 1) != 1)
        e->err = ZTO_E_INTERNAL;
}

static void
mark_open(struct zto_cbor_enc *e, struct zto_cbor_mark *m, int kind)
{
    m->start = e->len;
    m->count = 0;
    m->kind = kind;
}

/* Insert the head for `v` in front of everything written since m->start. */
static void
mark_close(struct zto_cbor_enc *e, struct zto_cbor_mark *m, head_fn fn,
           uint64_t v)
{
    size_t body = e->len - m->start;
    size_t h = zto_cbor_head_len(v);

    if (e->err != ZTO_OK)
        return;
    if (h > e->cap - e->len) {
        e->err = ZTO_E_BUF_TOO_SMALL;
        return;
    }
    if (e->buf != NULL) {
        memmove(e->buf + m->start + h, e->buf + m->start, body);
        if (fn(v, e->buf + m->start, h) != h)
            e->err = ZTO_E_INTERNAL;
    }
    e->len += h;
}

void
zto_cbor_bstr_open(struct zto_cbor_enc *e, struct zto_cbor_mark *m)
{
    mark_open(e, m, MARK_BSTR);
}

void
zto_cbor_bstr_close(struct zto_cbor_enc *e, struct zto_cbor_mark *m)
{
    if (m->kind != MARK_BSTR) {
        e->err = ZTO_E_INTERNAL;
        return;
    }
    mark_close(e, m, enc_bstr_head, e->len - m->start);
}

void
zto_cbor_array_open(struct zto_cbor_enc *e, struct zto_cbor_mark *m)
{
    mark_open(e, m, MARK_ARRAY);
}

void
zto_cbor_mark_item(struct zto_cbor_mark *m)
{
    m->count++;
}

void
zto_cbor_array_close(struct zto_cbor_enc *e, struct zto_cbor_mark *m)
{
    if (m->kind != MARK_ARRAY) {
        e->err = ZTO_E_INTERNAL;
        return;
    }
    mark_close(e, m, enc_array_head, m->count);
}
