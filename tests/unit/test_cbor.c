/* test_cbor.c - the CBOR cursor and encoder. */
#include <stdlib.h>

#include "test.h"
#include "zto/zto_cbor.h"

static void
test_decode_scalars(void)
{
    /* [1, -1, 65535, -17760704, h'0102', "ab", true, null, 18(0)] */
    static const char hex[] = "89 01 20 19ffff 3a010f01bf 420102 626162"
                              " f5 f6 d2 00";
    unsigned char buf[64];
    size_t n = test_unhex(hex, buf, sizeof(buf)), cnt;
    unsigned char *c = test_exact_copy(buf, n);
    struct zto_cbor_dec d;
    uint64_t u;
    int64_t i;
    int32_t i32;
    uint16_t u16;
    struct zto_bytes b;
    bool t;

    zto_cbor_dec_init(&d, c, n);
    ASSERT_OK(zto_cbor_get_array(&d, &cnt));
    ASSERT_EQ(cnt, 9);
    ASSERT_OK(zto_cbor_get_uint(&d, &u));
    ASSERT_EQ(u, 1);
    ASSERT_OK(zto_cbor_get_int(&d, &i));
    ASSERT_EQ(i, -1);
    ASSERT_ERR(zto_cbor_get_u8(&d, &(uint8_t){0}), ZTO_E_RANGE);
    ASSERT_OK(zto_cbor_get_u16(&d, &u16));
    ASSERT_EQ(u16, 65535);
    ASSERT_OK(zto_cbor_get_i32(&d, &i32));
    ASSERT_EQ(i32, -17760704);
    ASSERT_ERR(zto_cbor_get_tstr(&d, &b), ZTO_E_TYPE);
    ASSERT_OK(zto_cbor_get_bstr(&d, &b));
    ASSERT_EQ(b.len, 2);
    ASSERT_EQ(b.p[1], 2);
    ASSERT_OK(zto_cbor_get_tstr(&d, &b));
    ASSERT_MEM_EQ(b.p, "ab", 2);
    ASSERT_OK(zto_cbor_get_bool(&d, &t));
    ASSERT_TRUE(t);
    ASSERT_TRUE(zto_cbor_peek_null(&d));
    ASSERT_OK(zto_cbor_get_null(&d));
    ASSERT_ERR(zto_cbor_expect_tag(&d, 16), ZTO_E_TYPE);
    ASSERT_OK(zto_cbor_expect_tag(&d, 18));
    ASSERT_OK(zto_cbor_get_uint(&d, &u));
    ASSERT_OK(zto_cbor_dec_finish(&d));
    ASSERT_ERR(zto_cbor_get_uint(&d, &u), ZTO_E_TRUNCATED);
    free(c);
}

static void
test_rejects(void)
{
    unsigned char buf[64];
    size_t n;
    struct zto_cbor_dec d;
    size_t cnt;
    struct zto_bytes b;

    /* indefinite array, indefinite bstr, break, reserved simple */
    static const char *bad[] = {"9f01ff", "5f4101ff", "ff", "f0", "f818",
                                "1c", "5c"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        n = test_unhex(bad[k], buf, sizeof(buf));
        ASSERT_FAILS(zto_cbor_validate(buf, n));
    }
    /* An array claiming more elements than bytes left. */
    n = test_unhex("9a 7fffffff 00", buf, sizeof(buf));
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_ERR(zto_cbor_get_array(&d, &cnt), ZTO_E_TRUNCATED);
    /* A bstr whose length runs past the end. */
    n = test_unhex("5b 0000000100000000 00", buf, sizeof(buf));
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_ERR(zto_cbor_get_bstr(&d, &b), ZTO_E_TRUNCATED);
    n = test_unhex("5b ffffffffffffffff 00", buf, sizeof(buf));
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_ERR(zto_cbor_get_bstr(&d, &b), ZTO_E_TRUNCATED);
    /* Trailing bytes. */
    n = test_unhex("01 02", buf, sizeof(buf));
    ASSERT_ERR(zto_cbor_validate(buf, n), ZTO_E_TRAILING);
    /* Nesting deeper than the limit. */
    memset(buf, 0x81, ZTO_CBOR_MAX_DEPTH + 2);
    buf[ZTO_CBOR_MAX_DEPTH + 2] = 0;
    ASSERT_ERR(zto_cbor_validate(buf, ZTO_CBOR_MAX_DEPTH + 3), ZTO_E_DEPTH);
    memset(buf, 0x81, ZTO_CBOR_MAX_DEPTH);
    buf[ZTO_CBOR_MAX_DEPTH] = 0;
    ASSERT_OK(zto_cbor_validate(buf, ZTO_CBOR_MAX_DEPTH + 1));
}

static void
test_raw_and_truncation(void)
{
    /* {1: [h'00', {2: 3}], -1: "x"} followed by 7 */
    static const char hex[] = "a2 01 82 4100 a1 02 03 20 6178 07";
    unsigned char buf[64];
    size_t n = test_unhex(hex, buf, sizeof(buf)), len;
    struct zto_cbor_dec d;
    struct zto_bytes raw;
    uint64_t u;

    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(zto_cbor_get_raw(&d, &raw));
    ASSERT_EQ(raw.len, n - 1);
    ASSERT_TRUE(raw.p == buf);
    ASSERT_OK(zto_cbor_get_uint(&d, &u));
    ASSERT_EQ(u, 7);
    /* Every proper prefix of the map fails cleanly, from exact buffers. */
    for (len = 0; len < n - 1; len++) {
        unsigned char *c = test_exact_copy(buf, len);
        ASSERT_FAILS(zto_cbor_validate(c, len));
        free(c);
    }
}

static void
test_encode(void)
{
    unsigned char buf[64], want[64];
    struct zto_cbor_enc e;
    struct zto_cbor_mark m, a;
    size_t n, wn;

    zto_cbor_enc_init(&e, buf, sizeof(buf));
    zto_cbor_put_array(&e, 6);
    zto_cbor_put_uint(&e, 24);
    zto_cbor_put_int(&e, -17760704);
    zto_cbor_put_cstr(&e, "ab");
    zto_cbor_put_tag(&e, 18);
    zto_cbor_put_bool(&e, false);
    zto_cbor_bstr_open(&e, &m);
    zto_cbor_array_open(&e, &a);
    zto_cbor_put_null(&e);
    zto_cbor_mark_item(&a);
    zto_cbor_put_int(&e, -1);
    zto_cbor_mark_item(&a);
    zto_cbor_array_close(&e, &a);
    zto_cbor_bstr_close(&e, &m);
    ASSERT_OK(zto_cbor_enc_finish(&e, &n));
    wn = test_unhex("86 1818 3a010f01bf 626162 d2 f4 43 82 f6 20", want,
                    sizeof(want));
    ASSERT_EQ(n, wn);
    ASSERT_MEM_EQ(buf, want, wn);

    /* Measuring mode counts the same bytes. */
    zto_cbor_enc_init(&e, NULL, 0);
    zto_cbor_put_array(&e, 6);
    zto_cbor_put_uint(&e, 24);
    zto_cbor_put_int(&e, -17760704);
    zto_cbor_put_cstr(&e, "ab");
    zto_cbor_put_tag(&e, 18);
    zto_cbor_put_bool(&e, false);
    zto_cbor_bstr_open(&e, &m);
    zto_cbor_put_array(&e, 2);
    zto_cbor_put_null(&e);
    zto_cbor_put_int(&e, -1);
    zto_cbor_bstr_close(&e, &m);
    ASSERT_OK(zto_cbor_enc_finish(&e, &n));
    ASSERT_EQ(n, wn);

    /* Too small: sticky error, never a partial success. */
    for (size_t cap = 0; cap < wn; cap++) {
        zto_cbor_enc_init(&e, buf, cap);
        zto_cbor_put_array(&e, 2);
        zto_cbor_put_cstr(&e, "hello");
        zto_cbor_bstr_open(&e, &m);
        zto_cbor_put_uint(&e, 1000);
        zto_cbor_bstr_close(&e, &m);
        if (cap < 11)
            ASSERT_ERR(zto_cbor_enc_finish(&e, &n), ZTO_E_BUF_TOO_SMALL);
    }

    /* A bstr of 300 bytes gets a 3-byte head after close. */
    {
        unsigned char big[400];
        struct zto_cbor_dec d;
        struct zto_bytes b;
        zto_cbor_enc_init(&e, big, sizeof(big));
        zto_cbor_bstr_open(&e, &m);
        for (int i = 0; i < 300; i++)
            zto_cbor_put_raw(&e, (const uint8_t *)"\x07", 1);
        zto_cbor_bstr_close(&e, &m);
        ASSERT_OK(zto_cbor_enc_finish(&e, &n));
        ASSERT_EQ(n, 303);
        zto_cbor_dec_init(&d, big, n);
        ASSERT_OK(zto_cbor_get_bstr(&d, &b));
        ASSERT_EQ(b.len, 300);
        ASSERT_EQ(b.p[299], 7);
    }
}

int
main(void)
{
    TEST_START("cbor");
    test_decode_scalars();
    test_rejects();
    test_raw_and_truncation();
    test_encode();
    TEST_DONE();
}
