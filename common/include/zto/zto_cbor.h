/*
 * zto_cbor.h - bounded CBOR cursors over caller buffers.
 *
 * Built on libcbor's encoding.h and streaming.h only: no heap, no item trees.
 *
 * Decoder: a cursor over a read-only buffer. Each zto_cbor_get_*() checks the
 * next item's type, consumes it and returns views into the input (which must
 * outlive them). Nothing reads past `len`. Indefinite lengths are refused
 * (FDO 1.1 section 2.1), and so are containers whose declared element count
 * cannot fit in the bytes left, so a hostile count never drives a long loop.
 *
 * Encoder: writes into (buf, cap). Errors are sticky: after the first failure
 * every call is a no-op and zto_cbor_enc_finish() reports it, so callers may
 * emit a whole structure and check once. Shortest-form heads, definite
 * lengths. Byte strings and arrays whose size is only known afterwards can be
 * opened and closed; the head is inserted at close (a memmove).
 */
#ifndef ZTO_CBOR_H
#define ZTO_CBOR_H

#include "zto_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Decoder                                                              */
/* ------------------------------------------------------------------ */

enum zto_cbor_major {
    ZTO_CBOR_UINT = 0,
    ZTO_CBOR_NEGINT = 1,
    ZTO_CBOR_BSTR = 2,
    ZTO_CBOR_TSTR = 3,
    ZTO_CBOR_ARRAY = 4,
    ZTO_CBOR_MAP = 5,
    ZTO_CBOR_TAG = 6,
    ZTO_CBOR_SIMPLE = 7 /* false, true, null, undefined, floats */
};

/* Simple values reported in zto_cbor_item.val for ZTO_CBOR_SIMPLE. */
#define ZTO_CBOR_FALSE 20
#define ZTO_CBOR_TRUE 21
#define ZTO_CBOR_NULL 22
#define ZTO_CBOR_UNDEF 23
#define ZTO_CBOR_FLOAT 0x100

struct zto_cbor_dec {
    const uint8_t *buf;
    size_t len;
    size_t off;
};

/* The head of one item. For strings `str` views the content. */
struct zto_cbor_item {
    enum zto_cbor_major major;
    uint64_t val;           /* uint value, -1-n for negint, length, count,
                               tag number, or simple value */
    struct zto_bytes str;   /* BSTR / TSTR content */
    size_t head_len;        /* bytes of the head (and string content) */
};

void zto_cbor_dec_init(struct zto_cbor_dec *d, const uint8_t *buf, size_t len);

/* Bytes not yet consumed. */
size_t zto_cbor_dec_remaining(const struct zto_cbor_dec *d);

/* ZTO_OK if everything was consumed, ZTO_E_TRAILING otherwise. */
ZTO_MUST_CHECK zto_err_t zto_cbor_dec_finish(const struct zto_cbor_dec *d);

/* Decode the next head without consuming it. */
ZTO_MUST_CHECK zto_err_t zto_cbor_peek(const struct zto_cbor_dec *d,
                                       struct zto_cbor_item *it);

/* True when the next item is null (does not consume). */
bool zto_cbor_peek_null(const struct zto_cbor_dec *d);

ZTO_MUST_CHECK zto_err_t zto_cbor_get_uint(struct zto_cbor_dec *d,
                                           uint64_t *v);
/* Unsigned or negative integer that fits int64_t. */
ZTO_MUST_CHECK zto_err_t zto_cbor_get_int(struct zto_cbor_dec *d, int64_t *v);
/* Integer range-checked into int32_t / uint16_t / uint8_t / uint32_t. */
ZTO_MUST_CHECK zto_err_t zto_cbor_get_i32(struct zto_cbor_dec *d, int32_t *v);
ZTO_MUST_CHECK zto_err_t zto_cbor_get_u32(struct zto_cbor_dec *d, uint32_t *v);
ZTO_MUST_CHECK zto_err_t zto_cbor_get_u16(struct zto_cbor_dec *d, uint16_t *v);
ZTO_MUST_CHECK zto_err_t zto_cbor_get_u8(struct zto_cbor_dec *d, uint8_t *v);
ZTO_MUST_CHECK zto_err_t zto_cbor_get_bstr(struct zto_cbor_dec *d,
                                           struct zto_bytes *v);
/* Byte string of exactly n bytes, copied into out. */
ZTO_MUST_CHECK zto_err_t zto_cbor_get_bstr_fixed(struct zto_cbor_dec *d,
                                                 uint8_t *out, size_t n);
ZTO_MUST_CHECK zto_err_t zto_cbor_get_tstr(struct zto_cbor_dec *d,
                                           struct zto_bytes *v);
/* Array head; *n is the element count (already checked against the bytes
 * left: each element needs at least one byte). */
ZTO_MUST_CHECK zto_err_t zto_cbor_get_array(struct zto_cbor_dec *d, size_t *n);
/* Array head that must have exactly n elements. */
ZTO_MUST_CHECK zto_err_t zto_cbor_get_array_n(struct zto_cbor_dec *d,
                                              size_t n);
ZTO_MUST_CHECK zto_err_t zto_cbor_get_map(struct zto_cbor_dec *d, size_t *n);
ZTO_MUST_CHECK zto_err_t zto_cbor_get_tag(struct zto_cbor_dec *d,
                                          uint64_t *tag);
/* A tag that must equal `tag`. */
ZTO_MUST_CHECK zto_err_t zto_cbor_expect_tag(struct zto_cbor_dec *d,
                                             uint64_t tag);
ZTO_MUST_CHECK zto_err_t zto_cbor_get_bool(struct zto_cbor_dec *d, bool *v);
ZTO_MUST_CHECK zto_err_t zto_cbor_get_null(struct zto_cbor_dec *d);

/* Consume one complete item (with everything nested in it) and return the
 * span of its encoding in *raw (may be NULL). */
ZTO_MUST_CHECK zto_err_t zto_cbor_get_raw(struct zto_cbor_dec *d,
                                          struct zto_bytes *raw);
ZTO_MUST_CHECK zto_err_t zto_cbor_skip(struct zto_cbor_dec *d);

/* Check that buf holds exactly one well-formed item within the depth limit. */
ZTO_MUST_CHECK zto_err_t zto_cbor_validate(const uint8_t *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Encoder                                                              */
/* ------------------------------------------------------------------ */

struct zto_cbor_enc {
    uint8_t *buf;
    size_t cap;
    size_t len;
    zto_err_t err;
};

/* A position remembered by *_open() and completed by *_close(). */
struct zto_cbor_mark {
    size_t start;
    size_t count; /* elements written since open (arrays/maps) */
    int kind;
};

void zto_cbor_enc_init(struct zto_cbor_enc *e, uint8_t *buf, size_t cap);

/* Sticky status and final length. */
ZTO_MUST_CHECK zto_err_t zto_cbor_enc_finish(const struct zto_cbor_enc *e,
                                             size_t *out_len);

void zto_cbor_put_uint(struct zto_cbor_enc *e, uint64_t v);
void zto_cbor_put_int(struct zto_cbor_enc *e, int64_t v);
void zto_cbor_put_bstr(struct zto_cbor_enc *e, const uint8_t *p, size_t n);
void zto_cbor_put_bytes(struct zto_cbor_enc *e, struct zto_bytes b);
void zto_cbor_put_tstr(struct zto_cbor_enc *e, const char *s, size_t n);
void zto_cbor_put_cstr(struct zto_cbor_enc *e, const char *s);
void zto_cbor_put_array(struct zto_cbor_enc *e, size_t n);
void zto_cbor_put_map(struct zto_cbor_enc *e, size_t n);
void zto_cbor_put_tag(struct zto_cbor_enc *e, uint64_t tag);
void zto_cbor_put_bool(struct zto_cbor_enc *e, bool v);
void zto_cbor_put_null(struct zto_cbor_enc *e);
/* Copy already-encoded CBOR (one or more items) verbatim. */
void zto_cbor_put_raw(struct zto_cbor_enc *e, const uint8_t *p, size_t n);
/* Head of a byte string of n bytes whose content the caller writes next
 * with zto_cbor_put_raw(). */
void zto_cbor_put_bstr_head(struct zto_cbor_enc *e, size_t n);

/* Open a byte string whose content is written next (typically the CBOR of a
 * nested structure: `bstr .cbor X`); close inserts the head. */
void zto_cbor_bstr_open(struct zto_cbor_enc *e, struct zto_cbor_mark *m);
void zto_cbor_bstr_close(struct zto_cbor_enc *e, struct zto_cbor_mark *m);

/* Open an array whose element count is only known at the end. The caller
 * calls zto_cbor_mark_item() once per element written. */
void zto_cbor_array_open(struct zto_cbor_enc *e, struct zto_cbor_mark *m);
void zto_cbor_mark_item(struct zto_cbor_mark *m);
void zto_cbor_array_close(struct zto_cbor_enc *e, struct zto_cbor_mark *m);

/* Number of bytes a head for `n` takes (1, 2, 3, 5 or 9). */
size_t zto_cbor_head_len(uint64_t n);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_CBOR_H */
