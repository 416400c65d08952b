/*
 * codec_int.h - helpers shared by the codec, message and COSE sources.
 * Private: never installed.
 */
#ifndef ZTO_CODEC_INT_H
#define ZTO_CODEC_INT_H

#include "zto/zto_cbor.h"

/* Make an encoder fail with r unless it already failed (errors are sticky,
 * the first one is the one reported). */
static inline void
codec_enc_fail(struct zto_cbor_enc *e, zto_err_t r)
{
    if (e->err == ZTO_OK)
        e->err = r;
}

/* Finish a whole-buffer decode: nothing may follow the item. */
static inline zto_err_t
codec_dec_end(const struct zto_cbor_dec *d)
{
    return zto_cbor_dec_finish(d);
}

/* The content of a bstr must be exactly one well-formed CBOR item
 * (`bstr .cbor X`); the type of X is checked by whoever decodes it. */
static inline zto_err_t
codec_check_wrapped(struct zto_bytes content)
{
    return zto_cbor_validate(content.p, content.len);
}

#endif
