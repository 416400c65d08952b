/*
 * test_rvinfo.c - RendezvousInfo (FDO 1.1 section 7.1, 7.2): structure
 * decoding, the per-directive parser for every variable 0..15, encoding
 * from parsed directives, and the RendezvousInfo inside the go-fdo
 * vouchers of tests/vectors/interop.
 */
#include <stdlib.h>

#include "codec_rt.h"
#include "zto/zto_codec.h"

#define H32A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define H32B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* go-fdo's RendezvousInfo in both interop vouchers:
 * [[[13, h'00']], [[12, h'01'], [5, h'696c6f63616c686f7374'],
 *  [3, h'1946a0']]] */
#define VOUCHER_RV                                                             \
    "82 81 82 0d 41 00"                                                        \
    " 83 82 0c 41 01 82 05 4a 69 6c6f63616c686f7374 82 03 43 19 46 a0"

/* One directive with every variable, in variable order. */
#define ALL_VARS                                                               \
    "81 90"                                                                    \
    " 81 00"                                                                   \
    " 81 01"                                                                   \
    " 82 02 45 44 7f000001"                                                    \
    " 82 03 43 19 1f90"                                                        \
    " 82 04 43 19 1f91"                                                        \
    " 82 05 4c 6b 6578616d706c652e636f6d"                                      \
    " 82 06 58 24 82 2f 58 20" H32A                                            \
    " 82 07 58 24 82 2f 58 20" H32B                                            \
    " 82 08 41 f5"                                                             \
    " 82 09 45 64 73736964"                                                    \
    " 82 0a 43 62 7077"                                                        \
    " 82 0b 41 14"                                                             \
    " 82 0c 41 02"                                                             \
    " 82 0d 42 18 78"                                                          \
    " 81 0e"                                                                   \
    " 82 0f 46 82 63 657874 01"

/* Structure only: decode, re-emit raw. */
static zto_err_t
rt_rvinfo_raw(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
              size_t *out_len)
{
    struct zto_rvinfo rv;
    struct zto_cbor_enc e;
    zto_err_t r = zto_rvinfo_decode(in, n, &rv);

    if (r != ZTO_OK || out == NULL)
        return r;
    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_raw(&e, rv.raw.p, rv.raw.len);
    return zto_cbor_enc_finish(&e, out_len);
}

/* Meaning: decode, parse every directive, encode from the parsed form. */
static zto_err_t
rt_rvinfo(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
          size_t *out_len)
{
    struct zto_rvinfo rv;
    struct zto_rv_directive dir[ZTO_MAX_RV_ENTRIES];
    struct zto_cbor_enc e;
    size_t i;
    zto_err_t r = zto_rvinfo_decode(in, n, &rv);

    if (r != ZTO_OK)
        return r;
    for (i = 0; i < rv.ndirectives; i++)
        if ((r = zto_rv_directive_parse(rv.directive[i], &dir[i])) != ZTO_OK)
            return r;
    if (out == NULL)
        return ZTO_OK;
    zto_cbor_enc_init(&e, out, cap);
    zto_rvinfo_enc(&e, dir, rv.ndirectives);
    return zto_cbor_enc_finish(&e, out_len);
}

static zto_err_t
parse_hex(const char *hex, struct zto_rv_directive *out)
{
    static uint8_t buf[512];
    size_t n = test_unhex(hex, buf, sizeof(buf));

    return zto_rv_directive_parse(ZTO_BYTES(buf, n), out);
}

static void
test_voucher_rv(const char *path)
{
    unsigned char want[64], out[64];
    size_t n, wn, len;
    unsigned char *v = test_read_file(path, &n);
    struct zto_cbor_dec d, h;
    struct zto_bytes hdr;
    struct zto_guid g;
    struct zto_rvinfo rv;
    struct zto_rv_directive dir[2];
    struct zto_cbor_enc e;
    uint64_t u;

    /* voucher = [101, bstr .cbor OVHeader, ...];
     * OVHeader = [101, Guid, RendezvousInfo, ...] */
    zto_cbor_dec_init(&d, v, n);
    ASSERT_OK(zto_cbor_get_array_n(&d, 5));
    ASSERT_OK(zto_cbor_get_uint(&d, &u));
    ASSERT_OK(zto_cbor_get_bstr(&d, &hdr));
    zto_cbor_dec_init(&h, hdr.p, hdr.len);
    ASSERT_OK(zto_cbor_get_array_n(&h, 6));
    ASSERT_OK(zto_cbor_get_uint(&h, &u));
    ASSERT_OK(zto_guid_dec(&h, &g));
    ASSERT_OK(zto_rvinfo_dec(&h, &rv));
    ASSERT_EQ(h.off, rv.raw.p - hdr.p + rv.raw.len);

    wn = test_unhex(VOUCHER_RV, want, sizeof(want));
    ASSERT_EQ(rv.raw.len, wn);
    ASSERT_MEM_EQ(rv.raw.p, want, wn);
    ASSERT_EQ(rv.ndirectives, 2);
    ASSERT_EQ(rv.directive[0].len, 5);
    ASSERT_TRUE(rv.directive[1].p == rv.raw.p + 6);

    ASSERT_OK(zto_rv_directive_parse(rv.directive[0], &dir[0]));
    ASSERT_TRUE(dir[0].has_delay);
    ASSERT_EQ(dir[0].delaysec, 0);
    ASSERT_TRUE(!dir[0].has_dns && !dir[0].has_ip && !dir[0].bypass);
    ASSERT_OK(zto_rv_directive_parse(rv.directive[1], &dir[1]));
    ASSERT_TRUE(dir[1].has_protocol);
    ASSERT_EQ(dir[1].protocol, ZTO_RVPROT_HTTP);
    ASSERT_TRUE(dir[1].has_dns);
    ASSERT_EQ(dir[1].dns.len, 9);
    ASSERT_MEM_EQ(dir[1].dns.p, "localhost", 9);
    ASSERT_TRUE(dir[1].has_dev_port);
    ASSERT_EQ(dir[1].dev_port, 18080);
    ASSERT_TRUE(!dir[1].has_owner_port && !dir[1].dev_only);
    ASSERT_EQ(dir[1].ninstr, 3);
    ASSERT_EQ(dir[1].order[0], ZTO_RV_PROTOCOL);
    ASSERT_EQ(dir[1].order[1], ZTO_RV_DNS);
    ASSERT_EQ(dir[1].order[2], ZTO_RV_DEV_PORT);

    /* Re-encoded from the parsed directives: byte-identical. */
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, dir, 2);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    ASSERT_EQ(len, wn);
    ASSERT_MEM_EQ(out, want, wn);

    /* Without the remembered order: variable-number order. */
    dir[1].ninstr = 0;
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, dir, 2);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    wn = test_unhex("82 81 82 0d 41 00 83 82 03 43 19 46 a0"
                    " 82 05 4a 69 6c6f63616c686f7374 82 0c 41 01",
                    want, sizeof(want));
    ASSERT_EQ(len, wn);
    ASSERT_MEM_EQ(out, want, wn);
    free(v);
}

static void
test_all_vars(void)
{
    static uint8_t buf[512], out[512];
    struct zto_rvinfo rv;
    struct zto_rv_directive d;
    struct zto_cbor_enc e;
    size_t n, len, i;

    RT_HEX("all vars raw", rt_rvinfo_raw, ALL_VARS);
    RT_HEX("all vars", rt_rvinfo, ALL_VARS);

    n = test_unhex(ALL_VARS, buf, sizeof(buf));
    ASSERT_OK(zto_rvinfo_decode(buf, n, &rv));
    ASSERT_EQ(rv.ndirectives, 1);
    ASSERT_OK(zto_rv_directive_parse(rv.directive[0], &d));
    ASSERT_TRUE(d.dev_only && d.owner_only && d.bypass);
    ASSERT_TRUE(d.has_ip && d.ip_len == 4);
    ASSERT_MEM_EQ(d.ip, "\x7f\x00\x00\x01", 4);
    ASSERT_TRUE(d.has_dev_port && d.dev_port == 8080);
    ASSERT_TRUE(d.has_owner_port && d.owner_port == 8081);
    ASSERT_TRUE(d.has_dns && d.dns.len == 11);
    ASSERT_MEM_EQ(d.dns.p, "example.com", 11);
    ASSERT_EQ(d.sv_cert_hash.len, 36);
    ASSERT_EQ(d.sv_cert_hash.p[4], 0xaa);
    ASSERT_EQ(d.cl_cert_hash.len, 36);
    ASSERT_EQ(d.cl_cert_hash.p[35], 0xbb);
    ASSERT_TRUE(d.has_user_input && d.user_input);
    ASSERT_TRUE(d.wifi_ssid.len == 4);
    ASSERT_MEM_EQ(d.wifi_ssid.p, "ssid", 4);
    ASSERT_TRUE(d.wifi_pw.len == 2);
    ASSERT_MEM_EQ(d.wifi_pw.p, "pw", 2);
    ASSERT_TRUE(d.has_medium && d.medium == 20);
    ASSERT_TRUE(d.has_protocol && d.protocol == ZTO_RVPROT_HTTPS);
    ASSERT_TRUE(d.has_delay && d.delaysec == 120);
    ASSERT_EQ(d.ext_rv.len, 6);
    ASSERT_EQ(d.ext_rv.p[0], 0x82);
    ASSERT_EQ(d.ninstr, 16);
    for (i = 0; i < 16; i++)
        ASSERT_EQ(d.order[i], i);

    /* Built from a zeroed struct (no order): same bytes, as the variables
     * are in number order. */
    d.ninstr = 0;
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, &d, 1);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    ASSERT_EQ(len, n);
    ASSERT_MEM_EQ(out, buf, n);
    /* Measuring gives the same length. */
    zto_cbor_enc_init(&e, NULL, 0);
    zto_rvinfo_enc(&e, &d, 1);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    ASSERT_EQ(len, n);
}

static void
test_flags_and_forms(void)
{
    struct zto_rv_directive d;
    unsigned char out[64], want[64];
    struct zto_cbor_enc e;
    size_t len, wn;

    /* fido-device-onboard-rs writes flags with a bstr-wrapped null; a true
     * value is accepted too. Re-encoded as one-element instructions. */
    ASSERT_OK(parse_hex("83 82 00 41 f6 82 0e 41 f5 82 01 41 f6", &d));
    ASSERT_TRUE(d.dev_only && d.bypass && d.owner_only);
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, &d, 1);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    wn = test_unhex("81 83 81 00 81 0e 81 01", want, sizeof(want));
    ASSERT_EQ(len, wn);
    ASSERT_MEM_EQ(out, want, wn);
    ASSERT_ERR(parse_hex("81 82 00 41 f4", &d), ZTO_E_RANGE);
    ASSERT_ERR(parse_hex("81 82 0e 41 01", &d), ZTO_E_TYPE);

    /* RVUserInput as a flag (fido-device-onboard-rs) means true. */
    ASSERT_OK(parse_hex("81 81 08", &d));
    ASSERT_TRUE(d.has_user_input && d.user_input);
    ASSERT_OK(parse_hex("81 82 08 41 f4", &d));
    ASSERT_TRUE(d.has_user_input && !d.user_input);

    /* IPv6 and go-fdo's IPv4-mapped form (16 bytes). */
    ASSERT_OK(parse_hex("81 82 02 51 50 00000000000000000000ffff7f000001",
                        &d));
    ASSERT_TRUE(d.has_ip && d.ip_len == 16);
    ASSERT_EQ(d.ip[15], 1);

    /* Empty text values are still "set". */
    ASSERT_OK(parse_hex("82 82 09 41 60 82 05 41 60", &d));
    ASSERT_TRUE(d.wifi_ssid.p != NULL && d.wifi_ssid.len == 0);
    ASSERT_TRUE(d.has_dns && d.dns.len == 0);
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, &d, 1);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    wn = test_unhex("81 82 82 09 41 60 82 05 41 60", want, sizeof(want));
    ASSERT_EQ(len, wn);
    ASSERT_MEM_EQ(out, want, wn);

    /* RVProtocol and RVMedium limits; RVDelaysec is a uint32. */
    ASSERT_OK(parse_hex("81 82 0c 41 06", &d));
    ASSERT_EQ(d.protocol, ZTO_RVPROT_COAP_UDP);
    ASSERT_ERR(parse_hex("81 82 0c 41 07", &d), ZTO_E_RANGE);
    ASSERT_OK(parse_hex("81 82 0b 41 15", &d));
    ASSERT_ERR(parse_hex("81 82 0b 41 16", &d), ZTO_E_RANGE);
    ASSERT_OK(parse_hex("81 82 0d 45 1a ffffffff", &d));
    ASSERT_EQ(d.delaysec, 0xffffffffu);
    ASSERT_ERR(parse_hex("81 82 0d 49 1b 0000000100000000", &d),
               ZTO_E_RANGE);
}

static void
test_bad(void)
{
    struct zto_rv_directive d;
    struct zto_cbor_enc e;
    unsigned char out[64];
    size_t len;

    /* Structure (zto_rvinfo_decode). */
    RT_BAD(rt_rvinfo_raw, "80", ZTO_E_MISSING);
    RT_BAD(rt_rvinfo_raw, "81 80", ZTO_E_MISSING);
    RT_BAD(rt_rvinfo_raw, "81 81 80", ZTO_E_MISSING);
    RT_BAD(rt_rvinfo_raw, "81 81 83 03 41 01 00", ZTO_E_TOO_BIG);
    RT_BAD(rt_rvinfo_raw, "81 81 82 03 01", ZTO_E_TYPE);
    RT_BAD(rt_rvinfo_raw, "81 81 82 03 63 191f90", ZTO_E_TYPE);
    RT_BAD(rt_rvinfo_raw, "81 81 82 19 0100 41 00", ZTO_E_RANGE);
    RT_BAD(rt_rvinfo_raw, "81 81 82 20 41 00", ZTO_E_TYPE);
    /* RVValue must be exactly one CBOR item */
    RT_BAD(rt_rvinfo_raw, "81 81 82 03 44 191f9000", ZTO_E_TRAILING);
    RT_BAD(rt_rvinfo_raw, "81 81 82 03 42 191f", ZTO_E_TRUNCATED);
    RT_BAD(rt_rvinfo_raw, "81 81 82 03 40", ZTO_E_TRUNCATED);
    RT_BAD(rt_rvinfo_raw, "81 81 82 03 41 ff", ZTO_E_INDEFINITE);
    RT_BAD(rt_rvinfo_raw, "a0", ZTO_E_TYPE);
    RT_BAD(rt_rvinfo_raw, "81 a0", ZTO_E_TYPE);
    RT_BAD(rt_rvinfo_raw,
           "89 818100 818100 818100 818100 818100 818100 818100 818100"
           " 818100",
           ZTO_E_TOO_BIG);
    RT_BAD(rt_rvinfo_raw,
           "81 91 8100 8100 8100 8100 8100 8100 8100 8100 8100 8100 8100"
           " 8100 8100 8100 8100 8100 8100",
           ZTO_E_TOO_BIG);
    /* Unknown variables keep the voucher readable ... */
    ASSERT_OK(rt_decode_hex(rt_rvinfo_raw, "81 81 82 10 41 00"));
    ASSERT_OK(rt_decode_hex(rt_rvinfo_raw, "81 81 81 18 ff"));
    /* ... but the directive cannot be used. */
    RT_BAD(rt_rvinfo, "81 81 82 10 41 00", ZTO_E_UNSUPPORTED);

    /* Meaning (zto_rv_directive_parse). */
    ASSERT_ERR(parse_hex("82 82 05 41 60 82 05 41 60", &d),
               ZTO_E_UNSUPPORTED);
    ASSERT_ERR(parse_hex("82 81 00 81 00", &d), ZTO_E_UNSUPPORTED);
    ASSERT_ERR(parse_hex("81 81 03", &d), ZTO_E_MISSING);
    ASSERT_ERR(parse_hex("81 81 05", &d), ZTO_E_MISSING);
    ASSERT_ERR(parse_hex("81 82 02 46 45 0102030405", &d), ZTO_E_RANGE);
    ASSERT_ERR(parse_hex("81 82 02 44 63 010203", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 03 45 1a 00010000", &d), ZTO_E_RANGE);
    ASSERT_ERR(parse_hex("81 82 04 41 20", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 05 42 41 61", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 06 43 82 2f 40", &d), ZTO_E_RANGE);
    ASSERT_ERR(parse_hex("81 82 07 41 f6", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 08 41 01", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 09 41 01", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 0a 41 f6", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 0b 41 20", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 0c 41 60", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 0f 41 80", &d), ZTO_E_MISSING);
    ASSERT_ERR(parse_hex("81 82 0f 43 82 01 02", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 0f 41 a0", &d), ZTO_E_TYPE);
    ASSERT_ERR(parse_hex("81 82 10 41 00", &d), ZTO_E_UNSUPPORTED);
    ASSERT_ERR(parse_hex("81 82 03 43 19 1f 90 00", &d), ZTO_E_TRAILING);
    ASSERT_ERR(parse_hex("80", &d), ZTO_E_MISSING);

    /* Encoder refuses what it could not write correctly. */
    memset(&d, 0, sizeof(d));
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, &d, 1);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, &d, 0);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);
    d.has_ip = true;
    d.ip_len = 5;
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, &d, 1);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);
    d.ip_len = 4;
    d.ninstr = 1;
    d.order[0] = ZTO_RV_DNS; /* not set */
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, &d, 1);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);
    d.order[0] = ZTO_RV_IP_ADDRESS;
    d.has_dns = true; /* set but missing from order */
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, &d, 1);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);
    d.has_dns = false;
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_rvinfo_enc(&e, &d, 1);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    ASSERT_EQ(len, 10);
}

int
main(void)
{
    TEST_START("rvinfo");
    RT_HEX("voucher rv raw", rt_rvinfo_raw, VOUCHER_RV);
    RT_HEX("voucher rv", rt_rvinfo, VOUCHER_RV);
    test_voucher_rv(ZTO_VECTORS_DIR "/p256/voucher.cbor");
    test_voucher_rv(ZTO_VECTORS_DIR "/p384/voucher.cbor");
    test_voucher_rv(ZTO_VECTORS_DIR "/p256/voucher-extended.cbor");
    test_all_vars();
    test_flags_and_forms();
    test_bad();
    TEST_DONE();
}
