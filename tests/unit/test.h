/*
 * test.h - the small unit-test harness.
 *
 *   TEST_START("cbor");
 *   ASSERT_OK(f());
 *   ASSERT_EQ(a, b);  ASSERT_ERR(f(), ZTO_E_TYPE);  ASSERT_MEM_EQ(p, q, n);
 *   TEST_DONE();      -- returns non-zero from main if anything failed
 *
 * A failed assertion reports file:line and continues with the next
 * statement, so one run shows every failure.
 */
#ifndef ZTO_TEST_H
#define ZTO_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zto/zto_err.h"

static int test_failures;
static int test_checks;
static const char *test_name;

#define TEST_START(name)                                                       \
    do {                                                                       \
        test_name = (name);                                                    \
        test_failures = 0;                                                     \
        test_checks = 0;                                                       \
    } while (0)

#define TEST_FAIL_(fmt, ...)                                                   \
    do {                                                                       \
        test_failures++;                                                       \
        fprintf(stderr, "%s:%d: FAIL: " fmt "\n", __FILE__, __LINE__,          \
                __VA_ARGS__);                                                  \
    } while (0)

#define ASSERT_TRUE(c)                                                         \
    do {                                                                       \
        test_checks++;                                                         \
        if (!(c))                                                              \
            TEST_FAIL_("%s", #c);                                              \
    } while (0)

#define ASSERT_EQ(a, b)                                                        \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        test_checks++;                                                         \
        if (a_ != b_)                                                          \
            TEST_FAIL_("%s == %s (%lld != %lld)", #a, #b, a_, b_);             \
    } while (0)

#define ASSERT_ERR(expr, want)                                                 \
    do {                                                                       \
        zto_err_t r_ = (expr);                                                 \
        test_checks++;                                                         \
        if (r_ != (want))                                                      \
            TEST_FAIL_("%s -> %d (%s), want %d (%s)", #expr, (int)r_,          \
                       zto_strerror(r_), (int)(want), zto_strerror(want));     \
    } while (0)

#define ASSERT_OK(expr) ASSERT_ERR(expr, ZTO_OK)

/* Any failure (negative result). */
#define ASSERT_FAILS(expr)                                                     \
    do {                                                                       \
        zto_err_t r_ = (expr);                                                 \
        test_checks++;                                                         \
        if (r_ >= 0)                                                           \
            TEST_FAIL_("%s succeeded, expected failure", #expr);               \
    } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                 \
    do {                                                                       \
        test_checks++;                                                         \
        if (memcmp((a), (b), (n)) != 0)                                        \
            TEST_FAIL_("%s == %s (%zu bytes)", #a, #b, (size_t)(n));           \
    } while (0)

#define TEST_DONE()                                                            \
    do {                                                                       \
        printf("%s: %d checks, %d failed\n", test_name, test_checks,           \
               test_failures);                                                 \
        return test_failures == 0 ? 0 : 1;                                     \
    } while (0)

/* Copy into an exact-size heap buffer so ASan catches any over-read. */
static inline unsigned char *
test_exact_copy(const void *p, size_t n)
{
    unsigned char *c = malloc(n > 0 ? n : 1);
    if (c == NULL)
        abort();
    if (n > 0)
        memcpy(c, p, n);
    return c;
}

/* Hex string to bytes (test data only; aborts on bad input). */
static inline size_t
test_unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = 0;
    while (hex[0] != '\0') {
        unsigned v;
        if (hex[0] == ' ' || hex[0] == '\n') {
            hex++;
            continue;
        }
        if (n >= cap || sscanf(hex, "%2x", &v) != 1)
            abort();
        out[n++] = (unsigned char)v;
        hex += 2;
    }
    return n;
}

/* Read a whole file (test data); returns malloc'd buffer, size in *n. */
static inline unsigned char *
test_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long sz;
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)sz + 1);
    if (buf == NULL || fread(buf, 1, (size_t)sz, f) != (size_t)sz)
        exit(2);
    buf[sz] = 0;
    fclose(f);
    *n = (size_t)sz;
    return buf;
}

#endif
