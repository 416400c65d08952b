/*
 * fuzz_util.h - helpers for the codec fuzz targets.
 *
 * The oracle of every target: whatever decodes must re-encode, the
 * re-encoding must decode, and encoding that again must give the very same
 * bytes. A broken promise aborts (a crash for libFuzzer, a failure for the
 * corpus replay in ctest).
 */
#ifndef ZTO_FUZZ_UTIL_H
#define ZTO_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zto/zto_cbor.h"
#include "zto/zto_crypto.h"

#define FUZZ_CHECK(c)                                                          \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #c);                                                       \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Encoded messages never grow much beyond their input; inputs are bounded
 * by the fuzzer's -max_len. */
#define FUZZ_OUT_CAP (256 * 1024)

/* A deterministic signer: the "signature" is a fixed pattern whose length
 * suits the alg, so signed structures re-encode identically. */
static inline zto_err_t
fuzz_sign(void *ctx, int32_t alg, const uint8_t *dg, size_t dg_len,
          uint8_t *sig, size_t cap, size_t *sig_len)
{
    size_t n = alg == -35 ? 96 : alg == -7 ? 64 : 256;

    (void)ctx;
    (void)dg;
    (void)dg_len;
    if (n > cap)
        return ZTO_E_BUF_TOO_SMALL;
    memset(sig, 0x5a, n);
    *sig_len = n;
    return ZTO_OK;
}

static inline void
fuzz_signer(struct zto_signer *s, int32_t alg)
{
    s->sign = fuzz_sign;
    s->ctx = NULL;
    s->alg = alg;
    s->pub = NULL;
}

/* An encoder may refuse a decoded value only when it cannot sign with the
 * alg the input named. */
static inline int
fuzz_enc_ok(zto_err_t r)
{
    if (r == ZTO_OK)
        return 1;
    FUZZ_CHECK(r == ZTO_E_UNSUPPORTED);
    return 0;
}

/* True when buf is one or more well-formed items, every head in its
 * shortest form. Used to tell inputs our encoders must reproduce exactly
 * from ones they are allowed to normalise. */
static inline int
fuzz_shortest(const uint8_t *buf, size_t len)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;
    size_t head;

    zto_cbor_dec_init(&d, buf, len);
    while (zto_cbor_dec_remaining(&d) > 0) {
        if (zto_cbor_peek(&d, &it) != ZTO_OK)
            return 0;
        head = it.head_len - it.str.len;
        if (it.major == ZTO_CBOR_SIMPLE) {
            if (it.val == ZTO_CBOR_FLOAT || head != 1)
                return 0;
        } else if (head != zto_cbor_head_len(it.val)) {
            return 0;
        }
        /* Descend into strings that hold CBOR is not needed: nested
         * items are checked where they are raw (arrays, maps, tags). */
        d.off += it.head_len;
    }
    return 1;
}

/* Same, also looking inside byte strings whose content is itself
 * shortest-form CBOR (bstr .cbor X); a bstr holding anything else is
 * taken as opaque bytes. */
static inline int
fuzz_shortest_deep(const uint8_t *buf, size_t len, int depth)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;

    if (!fuzz_shortest(buf, len))
        return 0;
    if (depth == 0)
        return 1;
    zto_cbor_dec_init(&d, buf, len);
    while (zto_cbor_dec_remaining(&d) > 0) {
        if (zto_cbor_peek(&d, &it) != ZTO_OK)
            return 0;
        if (it.major == ZTO_CBOR_BSTR && it.str.len > 0 &&
            zto_cbor_validate(it.str.p, it.str.len) == ZTO_OK &&
            !fuzz_shortest_deep(it.str.p, it.str.len, depth - 1))
            return 0;
        d.off += it.head_len;
    }
    return 1;
}

#endif
