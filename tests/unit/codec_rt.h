/*
 * codec_rt.h - round-trip and robustness checks shared by the codec,
 * message and COSE tests.
 *
 * A codec under test is wrapped in an rt_fn: decode exactly (in, n) and,
 * when out is not NULL, encode the decoded value into (out, cap). Then
 * rt_check() asserts, for a valid encoding v:
 *   - it decodes and re-encodes to the very same bytes;
 *   - every proper prefix fails to decode (exact-size heap copies);
 *   - one extra byte fails with ZTO_E_TRAILING;
 *   - every output buffer shorter than v gives ZTO_E_BUF_TOO_SMALL;
 *   - flipping any single bit never crashes, and whatever still decodes
 *     re-encodes to something that decodes and re-encodes identically.
 */
#ifndef ZTO_CODEC_RT_H
#define ZTO_CODEC_RT_H

#include <stdbool.h>
#include <stdint.h>

#include "test.h"
#include "zto/zto_crypto.h"

typedef zto_err_t (*rt_fn)(const uint8_t *in, size_t n, uint8_t *out,
                           size_t cap, size_t *out_len);

#define RT_CAP 16384

static inline int
rt_fail(const char *what, const char *why, size_t at, zto_err_t r)
{
    fprintf(stderr, "  [%s] %s (at %zu): %d %s\n", what, why, at, (int)r,
            zto_strerror(r));
    return 1;
}

/* Decode+encode c (n bytes) into out; then decode+encode that again and
 * require identical bytes. Returns problems found. */
static inline int
rt_idempotent(const char *what, rt_fn fn, const uint8_t *c, size_t n,
              size_t at)
{
    static uint8_t o1[RT_CAP], o2[RT_CAP];
    size_t l1 = 0, l2 = 0;
    unsigned char *x;
    zto_err_t r;
    int bad = 0;

    if (fn(c, n, o1, sizeof(o1), &l1) != ZTO_OK)
        return 0;
    x = test_exact_copy(o1, l1);
    r = fn(x, l1, o2, sizeof(o2), &l2);
    if (r != ZTO_OK)
        bad += rt_fail(what, "re-encoding does not decode", at, r);
    else if (l1 != l2 || memcmp(o1, o2, l1) != 0)
        bad += rt_fail(what, "second re-encoding differs", at, ZTO_OK);
    free(x);
    return bad;
}

static inline int
rt_check_opts(const char *what, rt_fn fn, const uint8_t *v, size_t n,
              bool same_bytes)
{
    static uint8_t out[RT_CAP];
    size_t olen = 0, len, i, ao;
    unsigned char *c;
    zto_err_t r;
    int bad = 0, bit;

    /* Valid: decode, re-encode, same bytes. */
    c = test_exact_copy(v, n);
    r = fn(c, n, out, sizeof(out), &olen);
    if (r != ZTO_OK)
        bad += rt_fail(what, "valid encoding rejected", 0, r);
    else if (same_bytes && (olen != n || memcmp(out, v, n) != 0))
        bad += rt_fail(what, "re-encoding differs", olen, ZTO_OK);
    /* Encoder never truncates. */
    if (r == ZTO_OK && same_bytes)
        for (len = 0; len < n; len++) {
            zto_err_t e = fn(c, n, out, len, &olen);
            if (e != ZTO_E_BUF_TOO_SMALL)
                bad += rt_fail(what, "short output buffer", len, e);
        }
    free(c);
    /* Every proper prefix fails. */
    for (len = 0; len < n; len++) {
        c = test_exact_copy(v, len);
        r = fn(c, len, NULL, 0, NULL);
        if (r >= 0)
            bad += rt_fail(what, "prefix accepted", len, r);
        free(c);
    }
    /* Trailing byte. */
    c = test_exact_copy(v, n + 1);
    memcpy(c, v, n);
    c[n] = 0x00;
    r = fn(c, n + 1, NULL, 0, NULL);
    if (r != ZTO_E_TRAILING)
        bad += rt_fail(what, "trailing byte", n, r);
    free(c);
    /* The outer array (inside tag 18 for COSE bodies) with one element
     * more than the body holds, and with a count no input could hold. */
    ao = n >= 2 && v[0] == 0xd2 ? 1 : 0;
    if (n > ao && v[ao] >= 0x80 && v[ao] <= 0x96) {
        c = test_exact_copy(v, n + 1);
        memcpy(c, v, n);
        c[ao]++;
        c[n] = 0x00;
        r = fn(c, n + 1, NULL, 0, NULL);
        if (r >= 0)
            bad += rt_fail(what, "extra element accepted", ao, r);
        free(c);
        c = test_exact_copy(v, n + 8);
        memcpy(c, v, ao);
        memcpy(c + ao, "\x9b\x00\x00\x00\x00\xff\xff\xff\xff", 9);
        memcpy(c + ao + 9, v + ao + 1, n - ao - 1);
        r = fn(c, n + 8, NULL, 0, NULL);
        if (r != ZTO_E_TRUNCATED)
            bad += rt_fail(what, "oversize count", ao, r);
        free(c);
    }
    /* Bit flips. */
    for (i = 0; i < n; i++)
        for (bit = 0; bit < 8; bit++) {
            c = test_exact_copy(v, n);
            c[i] ^= (uint8_t)(1u << bit);
            bad += rt_idempotent(what, fn, c, n, i);
            free(c);
        }
    return bad;
}

static inline int
rt_check(const char *what, rt_fn fn, const uint8_t *v, size_t n)
{
    return rt_check_opts(what, fn, v, n, true);
}

/* Decode hex and expect error `want` (exact-size copy). */
static inline zto_err_t
rt_decode_hex(rt_fn fn, const char *hex)
{
    static uint8_t buf[RT_CAP];
    size_t n = test_unhex(hex, buf, sizeof(buf));
    unsigned char *c = test_exact_copy(buf, n);
    zto_err_t r = fn(c, n, NULL, 0, NULL);

    free(c);
    return r;
}

/* Valid hex vector: all rt_check() properties. */
#define RT_HEX(what, fn, hex)                                                  \
    do {                                                                       \
        static uint8_t v_[RT_CAP];                                             \
        size_t n_ = test_unhex((hex), v_, sizeof(v_));                         \
        ASSERT_EQ(rt_check((what), (fn), v_, n_), 0);                          \
    } while (0)

#define RT_BAD(fn, hex, want) ASSERT_ERR(rt_decode_hex((fn), (hex)), (want))

/* Declare an rt_fn for a whole-buffer message codec name. */
#define RT_MSG(name)                                                           \
    static zto_err_t rt_##name(const uint8_t *in, size_t n, uint8_t *out,      \
                               size_t cap, size_t *out_len)                    \
    {                                                                          \
        struct zto_msg_##name m;                                               \
        zto_err_t r = zto_msg_##name##_decode(in, n, &m);                      \
        if (r != ZTO_OK || out == NULL)                                        \
            return r;                                                          \
        return zto_msg_##name##_encode(&m, out, cap, out_len);                 \
    }

/* A signer that returns a fixed signature and remembers the digest, so
 * signed structures are byte-reproducible in tests. */
struct fixed_signer {
    uint8_t sig[512];
    size_t sig_len;
    uint8_t dg[64];
    size_t dg_len;
    int32_t alg;
};

static inline zto_err_t
fixed_sign(void *ctx, int32_t alg, const uint8_t *dg, size_t dg_len,
           uint8_t *sig, size_t cap, size_t *sig_len)
{
    struct fixed_signer *f = ctx;

    f->alg = alg;
    f->dg_len = dg_len < sizeof(f->dg) ? dg_len : sizeof(f->dg);
    memcpy(f->dg, dg, f->dg_len);
    if (f->sig_len > cap)
        return ZTO_E_BUF_TOO_SMALL;
    memcpy(sig, f->sig, f->sig_len);
    *sig_len = f->sig_len;
    return ZTO_OK;
}

/* One fixed signer's state per test program. */
static inline struct fixed_signer *
fixed_state(void)
{
    static struct fixed_signer f;
    return &f;
}
#define fixed (*fixed_state())

static inline void
fixed_init(struct zto_signer *s, int32_t alg, size_t sig_len)
{
    memset(&fixed, 0, sizeof(fixed));
    memset(fixed.sig, 0x11, sizeof(fixed.sig));
    fixed.sig_len = sig_len;
    s->sign = fixed_sign;
    s->ctx = &fixed;
    s->alg = alg;
    s->pub = NULL;
}

#endif
