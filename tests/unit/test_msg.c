/*
 * test_msg.c - every FDO 1.1 message body (zto_msg.h, section 4) from
 * hand-written encodings: byte-exact round trips, truncation, trailing
 * bytes, short buffers, bit flips, and the wrong shapes each decoder must
 * refuse. COSE-typed bodies are reproduced with a fixed-signature signer;
 * real signatures are in test_msg_signed.c.
 */
#include <stdlib.h>

#include "codec_rt.h"
#include "zto/zto_msg.h"

#define G16 "00112233445566778899aabbccddeeff"
#define N16 "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
#define M16 "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define H32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define SIG8 "1111111111111111"
#define SIG64 SIG8 SIG8 SIG8 SIG8 SIG8 SIG8 SIG8 SIG8
#define ES256 "43 a1 01 26"

/* [[h'7f000001', null, 8080, HTTP]] and H(to0d) */
#define TO1D_PAYLOAD                                                           \
    "82 81 84 44 7f000001 f6 19 1f90 03 82 2f 58 20" H32
#define TO1D "d2 84" ES256 " a0 58 31" TO1D_PAYLOAD " 58 40" SIG64
#define TO0D "83 81 00 1a 00015180 50" N16
#define EAT_PAYLOAD "a2 0a 50" N16 " 19 0100 51 01" G16
#define EAT32 "d2 84" ES256 " a0 58 28" EAT_PAYLOAD " 58 40" SIG64
#define EAT64_PAYLOAD                                                          \
    "a3 0a 50" N16 " 19 0100 51 01" G16 " 39 0100 81 44 01020304"
#define EAT64                                                                  \
    "d2 84" ES256 " a1 39 0102 50" M16 " 58 31" EAT64_PAYLOAD " 58 40" SIG64
#define PUBKEY "83 0a 01 43 010203"
#define RVINFO                                                                 \
    "82 81 82 0d 41 00"                                                        \
    " 83 82 0c 41 01 82 05 4a 69 6c6f63616c686f7374 82 03 43 19 46 a0"
#define OVHDR_UNPROT "a2 19 0100 50" M16 " 19 0101" PUBKEY
#define OVHDR_PAYLOAD                                                          \
    "88 44 83010203 01 82 05 58 20" H32 " 50" N16 " 82 26 40 44 aabbccdd"      \
    " 82 2f 58 20" H32 " 19 ffff"
#define OVHDR "d2 84" ES256 OVHDR_UNPROT " 58 6b" OVHDR_PAYLOAD " 58 40" SIG64
#define SETUP_PAYLOAD "84" RVINFO " 50" G16 " 50" M16 PUBKEY
#define SETUP "d2 84" ES256 " a0 58 48" SETUP_PAYLOAD " 58 40" SIG64
#define ENTRY "d2 84" ES256 " a0 44 01020304 58 40" SIG64
#define SVI1 "81 82 6d 6465766d6f643a616374697665 41 f5"

RT_MSG(di_app_start)
RT_MSG(di_set_credentials)
RT_MSG(di_set_hmac)
RT_MSG(to0_hello_ack)
RT_MSG(to0_owner_sign)
RT_MSG(to0_accept_owner)
RT_MSG(to1_hello_rv)
RT_MSG(to1_hello_rv_ack)
RT_MSG(to2_hello_device)
RT_MSG(to2_get_ovnext_entry)
RT_MSG(to2_ovnext_entry)
RT_MSG(to2_device_svi_ready)
RT_MSG(to2_owner_svi_ready)
RT_MSG(to2_device_svi)
RT_MSG(to2_owner_svi)
RT_MSG(to2_done)
RT_MSG(to2_done2)

static zto_err_t
rt_empty(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
         size_t *out_len)
{
    zto_err_t r = zto_msg_empty_decode(in, n);

    if (r != ZTO_OK || out == NULL)
        return r;
    return zto_msg_empty_encode(out, cap, out_len);
}

static zto_err_t
rt_mfg_info(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
            size_t *out_len)
{
    struct zto_mfg_info m;
    zto_err_t r = zto_mfg_info_decode(in, n, &m);

    if (r != ZTO_OK || out == NULL)
        return r;
    return zto_mfg_info_encode(&m, out, cap, out_len);
}

static zto_err_t
rt_to0d(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
        size_t *out_len)
{
    struct zto_to0d t;
    zto_err_t r = zto_to0d_decode(in, n, &t);

    if (r != ZTO_OK || out == NULL)
        return r;
    return zto_to0d_encode(&t, out, cap, out_len);
}

/* Signed bodies: re-signed with the fixed signer (same alg, same
 * signature length) reproduce the input. */
static zto_err_t
rt_to1d(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
        size_t *out_len)
{
    struct zto_to1d t;
    struct zto_signer s;
    zto_err_t r = zto_to1d_decode(in, n, &t);

    if (r != ZTO_OK || out == NULL)
        return r;
    fixed_init(&s, t.cose.alg, t.cose.signature.len);
    return zto_to1d_encode(&t.addr, &t.to0d_hash, &s, out, cap, out_len);
}

static zto_err_t
rt_eat(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
       size_t *out_len)
{
    struct zto_eat t;
    struct zto_signer s;
    zto_err_t r = zto_eat_decode(in, n, &t);

    if (r != ZTO_OK || out == NULL)
        return r;
    fixed_init(&s, t.cose.alg, t.cose.signature.len);
    return zto_eat_encode(&t.nonce, &t.guid,
                          t.has_fdo ? t.fdo : ZTO_BYTES_NULL,
                          t.has_euph_nonce ? &t.euph_nonce : NULL, &s, out,
                          cap, out_len);
}

static zto_err_t
rt_prove_ovhdr(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
               size_t *out_len)
{
    struct zto_msg_to2_prove_ovhdr m;
    struct zto_signer s;
    zto_err_t r = zto_msg_to2_prove_ovhdr_decode(in, n, &m);

    if (r != ZTO_OK || out == NULL)
        return r;
    fixed_init(&s, m.cose.alg, m.cose.signature.len);
    return zto_msg_to2_prove_ovhdr_encode(&m, &s, out, cap, out_len);
}

static zto_err_t
rt_setup_device(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                size_t *out_len)
{
    struct zto_msg_to2_setup_device m;
    struct zto_signer s;
    zto_err_t r = zto_msg_to2_setup_device_decode(in, n, &m);

    if (r != ZTO_OK || out == NULL)
        return r;
    fixed_init(&s, m.cose.alg, m.cose.signature.len);
    return zto_msg_to2_setup_device_encode(&m, &s, out, cap, out_len);
}

static void
test_di(void)
{
    unsigned char buf[64];
    struct zto_msg_di_app_start a;
    struct zto_msg_di_set_hmac h;
    struct zto_mfg_info mi;
    size_t n;

    /* section 2.3: empty-array bodies are 80 */
    RT_HEX("empty", rt_empty, "80");
    RT_BAD(rt_empty, "81 00", ZTO_E_TOO_BIG);
    RT_BAD(rt_empty, "a0", ZTO_E_TYPE);
    RT_BAD(rt_empty, "40", ZTO_E_TYPE);

    RT_HEX("10", rt_di_app_start, "81 49 85 0a 01 61 53 61 44 41 30");
    n = test_unhex("81 49 85 0a 01 61 53 61 44 41 30", buf, sizeof(buf));
    ASSERT_OK(zto_msg_di_app_start_decode(buf, n, &a));
    ASSERT_TRUE(a.mfg_info.p == buf + 2 && a.mfg_info.len == 9);
    ASSERT_OK(zto_mfg_info_decode(a.mfg_info.p, a.mfg_info.len, &mi));
    ASSERT_EQ(mi.key_type, ZTO_PK_SECP256R1);
    ASSERT_EQ(mi.key_enc, ZTO_PKENC_X509);
    ASSERT_MEM_EQ(mi.serial.p, "S", 1);
    ASSERT_MEM_EQ(mi.device_info.p, "D", 1);
    ASSERT_EQ(mi.csr.len, 1);
    RT_BAD(rt_di_app_start, "81 41 1c", ZTO_E_CBOR);
    RT_BAD(rt_di_app_start, "81 42 01 02", ZTO_E_TRAILING);
    RT_BAD(rt_di_app_start, "81 40", ZTO_E_TRUNCATED);
    RT_BAD(rt_di_app_start, "81 85 0a 01 61 53 61 44 41 30", ZTO_E_TYPE);
    RT_BAD(rt_di_app_start, "80", ZTO_E_MISSING);
    RT_BAD(rt_di_app_start, "82 41 00 41 00", ZTO_E_TOO_BIG);

    RT_HEX("mfginfo", rt_mfg_info, "85 0a 01 61 53 61 44 41 30");
    RT_HEX("mfginfo rsa", rt_mfg_info,
           "85 05 03 66 736572696131 60 43 308201");
    RT_BAD(rt_mfg_info, "85 02 01 61 53 61 44 41 30", ZTO_E_UNSUPPORTED);
    RT_BAD(rt_mfg_info, "85 0a 00 61 53 61 44 41 30", ZTO_E_UNSUPPORTED);
    RT_BAD(rt_mfg_info, "85 0a 04 61 53 61 44 41 30", ZTO_E_UNSUPPORTED);
    RT_BAD(rt_mfg_info, "85 0a 01 61 53 61 44 40", ZTO_E_RANGE);
    RT_BAD(rt_mfg_info, "85 0a 01 41 53 61 44 41 30", ZTO_E_TYPE);
    RT_BAD(rt_mfg_info, "86 0a 01 61 53 61 44 41 30 00", ZTO_E_TOO_BIG);
    RT_BAD(rt_mfg_info, "84 0a 01 61 53 61 44", ZTO_E_MISSING);

    RT_HEX("11", rt_di_set_credentials, "81 44 83 01 02 03");
    RT_BAD(rt_di_set_credentials, "81 41 00", ZTO_E_TYPE);
    /* fido-device-onboard-rs sends the bare header array */
    RT_BAD(rt_di_set_credentials, "86 18 65 50" G16 RVINFO " 60" PUBKEY " f6",
           ZTO_E_TOO_BIG);
    RT_BAD(rt_di_set_credentials, "81 83 01 02 03", ZTO_E_TYPE);

    RT_HEX("12", rt_di_set_hmac, "81 82 05 58 20" H32);
    n = test_unhex("81 82 05 58 20" H32, buf, sizeof(buf));
    ASSERT_OK(zto_msg_di_set_hmac_decode(buf, n, &h));
    ASSERT_EQ(h.hmac.type, ZTO_HMAC_SHA256);
    ASSERT_TRUE(h.hmac.value.p == buf + 5);
    RT_BAD(rt_di_set_hmac, "81 82 2f 58 20" H32, ZTO_E_UNSUPPORTED);
    RT_BAD(rt_di_set_hmac, "81 82 06 58 20" H32, ZTO_E_RANGE);
    RT_BAD(rt_di_set_hmac, "81 58 20" H32, ZTO_E_TYPE);
}

static void
test_real_header(void)
{
    size_t n, len;
    unsigned char *v = test_read_file(ZTO_VECTORS_DIR "/p256/voucher.cbor",
                                      &n);
    static unsigned char msg[2048], out[2048];
    struct zto_cbor_dec d;
    struct zto_bytes hdr;
    struct zto_msg_di_set_credentials sc;
    struct zto_cbor_enc e;
    uint64_t u;

    zto_cbor_dec_init(&d, v, n);
    ASSERT_OK(zto_cbor_get_array_n(&d, 5));
    ASSERT_OK(zto_cbor_get_uint(&d, &u));
    ASSERT_OK(zto_cbor_get_bstr(&d, &hdr));
    /* [bstr .cbor OVHeader], header bytes byte-exact */
    zto_cbor_enc_init(&e, msg, sizeof(msg));
    zto_cbor_put_array(&e, 1);
    zto_cbor_put_bytes(&e, hdr);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    ASSERT_EQ(rt_check("11 real", rt_di_set_credentials, msg, len), 0);
    ASSERT_OK(zto_msg_di_set_credentials_decode(msg, len, &sc));
    ASSERT_EQ(sc.ovheader.len, hdr.len);
    ASSERT_MEM_EQ(sc.ovheader.p, hdr.p, hdr.len);
    ASSERT_OK(zto_msg_di_set_credentials_encode(&sc, out, sizeof(out), &n));
    ASSERT_EQ(n, len);
    free(v);
}

static void
test_to0(void)
{
    unsigned char buf[256];
    struct zto_msg_to0_owner_sign os;
    struct zto_to0d t;
    struct zto_msg_to0_accept_owner ao;
    size_t n;

    RT_HEX("21", rt_to0_hello_ack, "81 50" N16);
    RT_BAD(rt_to0_hello_ack, "81 4f" "a1a2a3a4a5a6a7a8a9aaabacadaeaf",
           ZTO_E_RANGE);
    RT_BAD(rt_to0_hello_ack, "82 50" N16 "00", ZTO_E_TOO_BIG);

    RT_HEX("to0d", rt_to0d, TO0D);
    n = test_unhex(TO0D, buf, sizeof(buf));
    ASSERT_OK(zto_to0d_decode(buf, n, &t));
    ASSERT_TRUE(t.voucher.p == buf + 1 && t.voucher.len == 2);
    ASSERT_EQ(t.wait_seconds, 86400);
    ASSERT_EQ(t.nonce.b[0], 0xa0);
    RT_BAD(rt_to0d, "83 00 1a 00015180 50" N16, ZTO_E_TYPE);
    RT_BAD(rt_to0d, "83 81 00 1b 0000000100000000 50" N16, ZTO_E_RANGE);
    RT_BAD(rt_to0d, "82 81 00 1a 00015180", ZTO_E_MISSING);

    RT_HEX("to1d", rt_to1d, TO1D);
    RT_BAD(rt_to1d, "d2 84" ES256 " a0 58 31 82 81 84 44 7f000001 f6 19 1f90"
                    " 03 82 05 58 20" H32 " 58 40" SIG64,
           ZTO_E_UNSUPPORTED);
    RT_BAD(rt_to1d, "d2 84" ES256 " a0 58 26 82 80 82 2f 58 20" H32
                    " 58 40" SIG64,
           ZTO_E_MISSING);
    RT_BAD(rt_to1d, "d2 84" ES256 " a0 58 32" TO1D_PAYLOAD " 00 58 40" SIG64,
           ZTO_E_TRAILING);
    RT_BAD(rt_to1d, "d2 84" ES256 " a0 58 31 82 81 84 45 7f00000100 19 1f90"
                    " 03 82 2f 58 20" H32 " 58 40" SIG64,
           ZTO_E_IPADDR);
    RT_BAD(rt_to1d, "84" ES256 " a0 58 31" TO1D_PAYLOAD " 58 40" SIG64,
           ZTO_E_TYPE);

    RT_HEX("22", rt_to0_owner_sign, "82 58 19" TO0D TO1D);
    n = test_unhex("82 58 19" TO0D TO1D, buf, sizeof(buf));
    ASSERT_OK(zto_msg_to0_owner_sign_decode(buf, n, &os));
    ASSERT_TRUE(os.to0d.p == buf + 3 && os.to0d.len == 25);
    ASSERT_TRUE(os.to1d.p == buf + 28 && os.to1d.len == n - 28);
    /* bare to0d array (pri-fidoiot "non-conformant") */
    RT_BAD(rt_to0_owner_sign, "82" TO0D TO1D, ZTO_E_TYPE);
    RT_BAD(rt_to0_owner_sign, "82 58 19 83 00 1a 00015180 50" N16 TO1D,
           ZTO_E_TYPE);
    RT_BAD(rt_to0_owner_sign, "82 58 19" TO0D ENTRY, ZTO_E_TYPE);
    RT_BAD(rt_to0_owner_sign, "82 58 19" TO0D "80", ZTO_E_TYPE);
    RT_BAD(rt_to0_owner_sign, "81 58 19" TO0D, ZTO_E_MISSING);

    RT_HEX("23", rt_to0_accept_owner, "81 1a 00015180");
    RT_HEX("23 max", rt_to0_accept_owner, "81 1a ffffffff");
    n = test_unhex("81 1a ffffffff", buf, sizeof(buf));
    ASSERT_OK(zto_msg_to0_accept_owner_decode(buf, n, &ao));
    ASSERT_EQ(ao.wait_seconds, 0xffffffffu);
    RT_BAD(rt_to0_accept_owner, "81 1b 0000000100000000", ZTO_E_RANGE);
    RT_BAD(rt_to0_accept_owner, "81 20", ZTO_E_TYPE);
}

static void
test_to1(void)
{
    unsigned char buf[256];
    struct zto_msg_to1_hello_rv h;
    struct zto_eat eat;
    struct zto_bytes xb;
    size_t n;

    RT_HEX("30", rt_to1_hello_rv, "82 50" G16 " 82 26 40");
    n = test_unhex("82 50" G16 " 82 26 40", buf, sizeof(buf));
    ASSERT_OK(zto_msg_to1_hello_rv_decode(buf, n, &h));
    ASSERT_EQ(h.guid.b[15], 0xff);
    ASSERT_EQ(h.siginfo.type, ZTO_SG_ES256);
    RT_BAD(rt_to1_hello_rv, "82 50" G16 " 82 00 40", ZTO_E_UNSUPPORTED);
    RT_BAD(rt_to1_hello_rv, "81 50" G16, ZTO_E_MISSING);
    RT_HEX("31", rt_to1_hello_rv_ack, "82 50" N16 " 82 38 22 40");
    RT_BAD(rt_to1_hello_rv_ack, "82 50" N16 " 82 38 22 60", ZTO_E_TYPE);

    /* 32 TO1.ProveToRV */
    RT_HEX("32", rt_eat, EAT32);
    n = test_unhex(EAT32, buf, sizeof(buf));
    ASSERT_OK(zto_eat_decode(buf, n, &eat));
    ASSERT_EQ(eat.nonce.b[15], 0xaf);
    ASSERT_EQ(eat.guid.b[0], 0x00);
    ASSERT_EQ(eat.guid.b[15], 0xff);
    ASSERT_TRUE(!eat.has_fdo && !eat.has_euph_nonce);
    ASSERT_ERR(zto_eat_fdo_xb(&eat, &xb), ZTO_E_MISSING);
    /* 33 TO1.RVRedirect is a to1d, tested above */
}

/* EAT payload p inside an ES256 EAT with the fixed signature. */
static zto_err_t
eat_payload(const char *p, const char *unprot)
{
    static unsigned char pl[256], buf[512];
    static char hex[2048];
    size_t pn = test_unhex(p, pl, sizeof(pl)), n, i;
    char *h = hex;

    h += snprintf(h, sizeof(hex), "d2 84 43 a1 01 26 %s 58 %02zx ", unprot,
                  pn);
    for (i = 0; i < pn; i++)
        h += snprintf(h, 4, "%02x", pl[i]);
    snprintf(h, 8, " 40");
    n = test_unhex(hex, buf, sizeof(buf));
    {
        unsigned char *c = test_exact_copy(buf, n);
        struct zto_eat e;
        zto_err_t r = zto_eat_decode(c, n, &e);
        free(c);
        return r;
    }
}

static void
test_eat(void)
{
    unsigned char buf[256];
    struct zto_eat e;
    struct zto_bytes xb;
    size_t n;

    /* 64 TO2.ProveDevice: EAT-FDO [xB] and EUPHNonce */
    RT_HEX("64", rt_eat, EAT64);
    n = test_unhex(EAT64, buf, sizeof(buf));
    ASSERT_OK(zto_eat_decode(buf, n, &e));
    ASSERT_TRUE(e.has_fdo && e.has_euph_nonce);
    ASSERT_EQ(e.euph_nonce.b[0], 0xb0);
    ASSERT_OK(zto_eat_fdo_xb(&e, &xb));
    ASSERT_EQ(xb.len, 4);
    ASSERT_EQ(xb.p[3], 4);

    /* client-sdk order {256, 10, -257}, other claims, text keys and an
     * MAROE prefix are all accepted. */
    ASSERT_OK(eat_payload("a3 19 0100 51 01" G16 " 0a 50" N16
                          " 39 0100 81 40",
                          "a0"));
    ASSERT_OK(eat_payload("a4 0b 41 00 0a 50" N16 " 63 666f6f 01"
                          " 19 0100 51 01" G16,
                          "a2 39 0101 42 0102 04 41 00"));
    n = test_unhex("d2 84 43 a1 01 26 a0 58 2d a3 19 0100 51 01" G16
                   " 0a 50" N16 " 39 0100 81 40 40",
                   buf, sizeof(buf));
    ASSERT_OK(zto_eat_decode(buf, n, &e));
    ASSERT_EQ(e.guid.b[1], 0x11);
    ASSERT_OK(zto_eat_fdo_xb(&e, &xb));
    ASSERT_EQ(xb.len, 0);
    ASSERT_EQ(rt_check_opts("eat c order", rt_eat, buf, n, false), 0);

    /* UEID: label 256, 17 bytes, type 0x01 */
    ASSERT_ERR(eat_payload("a2 0a 50" N16 " 19 0100 50" G16, "a0"),
               ZTO_E_RANGE);
    ASSERT_ERR(eat_payload("a2 0a 50" N16 " 19 0100 51 02" G16, "a0"),
               ZTO_E_RANGE);
    ASSERT_ERR(eat_payload("a2 0a 50" N16 " 19 0100 71 01" G16, "a0"),
               ZTO_E_TYPE);
    /* fido-device-onboard-rs label 11: no UEID */
    ASSERT_ERR(eat_payload("a2 0a 50" N16 " 0b 51 01" G16, "a0"),
               ZTO_E_MISSING);
    ASSERT_ERR(eat_payload("a1 19 0100 51 01" G16, "a0"), ZTO_E_MISSING);
    ASSERT_ERR(eat_payload("a3 0a 50" N16 " 0a 50" N16 " 19 0100 51 01" G16,
                           "a0"),
               ZTO_E_UNKNOWN_KEY);
    ASSERT_ERR(eat_payload("a3 0a 50" N16 " 19 0100 51 01" G16
                           " 19 0100 51 01" G16,
                           "a0"),
               ZTO_E_UNKNOWN_KEY);
    ASSERT_ERR(eat_payload("a3 0a 50" N16 " 19 0100 51 01" G16
                           " 39 0100 80 39 0100 80",
                           "a0"),
               ZTO_E_TRAILING);
    ASSERT_ERR(eat_payload("a4 0a 50" N16 " 19 0100 51 01" G16
                           " 39 0100 80 39 0100 80",
                           "a0"),
               ZTO_E_UNKNOWN_KEY);
    ASSERT_ERR(eat_payload("a2 0a 4f" "a1a2a3a4a5a6a7a8a9aaabacadaeaf"
                           " 19 0100 51 01" G16,
                           "a0"),
               ZTO_E_RANGE);
    ASSERT_ERR(eat_payload("82 0a 50" N16, "a0"), ZTO_E_TYPE);
    ASSERT_ERR(eat_payload(EAT_PAYLOAD " 00", "a0"), ZTO_E_TRAILING);
    /* unprotected: EUPHNonce 16 bytes, MAROE prefix a bstr, no repeats */
    ASSERT_ERR(eat_payload(EAT_PAYLOAD, "a1 39 0102 41 00"), ZTO_E_RANGE);
    ASSERT_ERR(eat_payload(EAT_PAYLOAD, "a1 39 0101 61 00"), ZTO_E_TYPE);
    ASSERT_ERR(eat_payload(EAT_PAYLOAD, "a2 39 0102 50" M16 " 39 0102 50" M16),
               ZTO_E_UNKNOWN_KEY);

    /* EAT-FDO must be [bstr] for 64 */
    n = test_unhex("d2 84 43 a1 01 26 a0 58 2e a3 0a 50" N16
                   " 19 0100 51 01" G16 " 39 0100 82 40 40 40",
                   buf, sizeof(buf));
    ASSERT_OK(zto_eat_decode(buf, n, &e));
    ASSERT_ERR(zto_eat_fdo_xb(&e, &xb), ZTO_E_TOO_BIG);
    n = test_unhex("d2 84 43 a1 01 26 a0 58 2c a3 0a 50" N16
                   " 19 0100 51 01" G16 " 39 0100 40 40",
                   buf, sizeof(buf));
    ASSERT_OK(zto_eat_decode(buf, n, &e));
    ASSERT_ERR(zto_eat_fdo_xb(&e, &xb), ZTO_E_TYPE);
}

static void
test_to2(void)
{
    unsigned char buf[512];
    struct zto_msg_to2_hello_device hd;
    struct zto_msg_to2_prove_ovhdr ph;
    struct zto_msg_to2_ovnext_entry ne;
    struct zto_msg_to2_setup_device sd;
    struct zto_msg_to2_device_svi_ready dr;
    struct zto_msg_to2_owner_svi os;
    struct zto_rv_directive dir;
    size_t n;

    /* 60 */
    RT_HEX("60", rt_to2_hello_device,
           "86 19 ffff 50" G16 " 50" N16 " 67 45434448323536 01 82 26 40");
    RT_HEX("60 ecdh384", rt_to2_hello_device,
           "86 19 07d0 50" G16 " 50" N16 " 67 45434448333834 03 82 38 22 40");
    n = test_unhex("86 19 ffff 50" G16 " 50" N16
                   " 67 45434448323536 3a 010f01bf 82 26 40",
                   buf, sizeof(buf));
    ASSERT_OK(zto_msg_to2_hello_device_decode(buf, n, &hd));
    ASSERT_EQ(hd.max_msg_size, 65535);
    ASSERT_EQ(hd.kex_name.len, 7);
    ASSERT_MEM_EQ(hd.kex_name.p, "ECDH256", 7);
    ASSERT_EQ(hd.cipher, ZTO_COSE_AES128CTR);
    ASSERT_EQ(hd.nonce.b[0], 0xa0);
    RT_BAD(rt_to2_hello_device,
           "86 1a 00010000 50" G16 " 50" N16 " 67 45434448323536 01 82 26 40",
           ZTO_E_RANGE);
    RT_BAD(rt_to2_hello_device,
           "86 19 ffff 50" G16 " 50" N16 " 47 45434448323536 01 82 26 40",
           ZTO_E_TYPE);
    RT_BAD(rt_to2_hello_device,
           "86 19 ffff 50" G16 " 50" N16
           " 67 45434448323536 3b 0000000100000000 82 26 40",
           ZTO_E_RANGE);
    /* the 1.0 body had five elements */
    RT_BAD(rt_to2_hello_device,
           "85 50" G16 " 50" N16 " 67 45434448323536 01 82 26 40",
           ZTO_E_MISSING);

    /* 61 */
    RT_HEX("61", rt_prove_ovhdr, OVHDR);
    n = test_unhex(OVHDR, buf, sizeof(buf));
    ASSERT_OK(zto_msg_to2_prove_ovhdr_decode(buf, n, &ph));
    ASSERT_EQ(ph.ovheader.len, 4);
    ASSERT_EQ(ph.num_entries, 1);
    ASSERT_EQ(ph.hmac.type, ZTO_HMAC_SHA256);
    ASSERT_EQ(ph.hmac_raw.len, 36);
    ASSERT_EQ(ph.hmac_raw.p[0], 0x82);
    ASSERT_EQ(ph.nonce_prove_ov.b[0], 0xa0);
    ASSERT_EQ(ph.siginfo.type, ZTO_SG_ES256);
    ASSERT_EQ(ph.xa.len, 4);
    ASSERT_EQ(ph.hello_hash.type, ZTO_HASH_SHA256);
    ASSERT_EQ(ph.max_owner_msg_size, 65535);
    ASSERT_EQ(ph.nonce_prove_dv.b[0], 0xb0);
    ASSERT_EQ(ph.owner_key.type, ZTO_PK_SECP256R1);
    ASSERT_EQ(ph.owner_key.raw.len, 7);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 " a1 19 0101" PUBKEY " 58 6b" OVHDR_PAYLOAD
           " 58 40" SIG64,
           ZTO_E_MISSING);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 " a1 19 0100 50" M16 " 58 6b" OVHDR_PAYLOAD
           " 58 40" SIG64,
           ZTO_E_MISSING);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 " a2 19 0100 51" M16 "00 19 0101" PUBKEY
           " 58 6b" OVHDR_PAYLOAD " 58 40" SIG64,
           ZTO_E_RANGE);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 " a2 19 0100 50" M16 " 19 0101 83 0a 01 f6"
           " 58 6b" OVHDR_PAYLOAD " 58 40" SIG64,
           ZTO_E_TYPE);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 OVHDR_UNPROT
           " 58 6b 88 44 83010203 01 82 2f 58 20" H32 " 50" N16
           " 82 26 40 44 aabbccdd 82 2f 58 20" H32 " 19 ffff 58 40" SIG64,
           ZTO_E_UNSUPPORTED);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 OVHDR_UNPROT
           " 58 6b 88 44 83010203 01 82 05 58 20" H32 " 50" N16
           " 82 26 40 44 aabbccdd 82 05 58 20" H32 " 19 ffff 58 40" SIG64,
           ZTO_E_UNSUPPORTED);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 OVHDR_UNPROT
           " 58 6c 88 44 83010203 19 0100 82 05 58 20" H32 " 50" N16
           " 82 26 40 44 aabbccdd 82 2f 58 20" H32 " 18 ff 58 40" SIG64,
           ZTO_E_RANGE);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 OVHDR_UNPROT
           " 58 6b 88 44 a3010203 01 82 05 58 20" H32 " 50" N16
           " 82 26 40 44 aabbccdd 82 2f 58 20" H32 " 19 ffff 58 40" SIG64,
           ZTO_E_TRUNCATED);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 OVHDR_UNPROT
           " 58 6b 88 44 81010203 01 82 05 58 20" H32 " 50" N16
           " 82 26 40 44 aabbccdd 82 2f 58 20" H32 " 19 ffff 58 40" SIG64,
           ZTO_E_TRAILING);
    RT_BAD(rt_prove_ovhdr,
           "d2 84" ES256 OVHDR_UNPROT
           " 58 68 87 44 83010203 01 82 05 58 20" H32 " 50" N16
           " 82 26 40 44 aabbccdd 82 2f 58 20" H32 " 58 40" SIG64,
           ZTO_E_MISSING);

    /* 62, 63 */
    RT_HEX("62", rt_to2_get_ovnext_entry, "81 00");
    RT_HEX("62 max", rt_to2_get_ovnext_entry, "81 18 fe");
    RT_BAD(rt_to2_get_ovnext_entry, "81 19 0100", ZTO_E_RANGE);
    RT_BAD(rt_to2_get_ovnext_entry, "81 20", ZTO_E_TYPE);
    RT_HEX("63", rt_to2_ovnext_entry, "82 03" ENTRY);
    n = test_unhex("82 03" ENTRY, buf, sizeof(buf));
    ASSERT_OK(zto_msg_to2_ovnext_entry_decode(buf, n, &ne));
    ASSERT_EQ(ne.entry_num, 3);
    ASSERT_TRUE(ne.entry.p == buf + 2 && ne.entry.len == n - 2);
    ASSERT_EQ(ne.entry.p[0], 0xd2);
    RT_BAD(rt_to2_ovnext_entry, "82 03 84" ES256 " a0 40 40", ZTO_E_TYPE);
    RT_BAD(rt_to2_ovnext_entry, "82 19 0100" ENTRY, ZTO_E_RANGE);
    RT_BAD(rt_to2_ovnext_entry, "81 03", ZTO_E_MISSING);

    /* 64 is an EAT (test_eat) */

    /* 65 */
    RT_HEX("65", rt_setup_device, SETUP);
    n = test_unhex(SETUP, buf, sizeof(buf));
    ASSERT_OK(zto_msg_to2_setup_device_decode(buf, n, &sd));
    ASSERT_EQ(sd.rvinfo.ndirectives, 2);
    ASSERT_EQ(sd.rvinfo.raw.len, 30);
    ASSERT_OK(zto_rv_directive_parse(sd.rvinfo.directive[1], &dir));
    ASSERT_EQ(dir.dev_port, 18080);
    ASSERT_EQ(sd.guid.b[0], 0x00);
    ASSERT_EQ(sd.nonce_setup_dv.b[0], 0xb0);
    ASSERT_EQ(sd.owner2_key.raw.len, 7);
    RT_BAD(rt_setup_device,
           "d2 84" ES256 " a0 58 2b 84 80 50" G16 " 50" M16 PUBKEY " 58 40"
           SIG64,
           ZTO_E_MISSING);
    RT_BAD(rt_setup_device,
           "d2 84" ES256 " a0 58 41 83" RVINFO " 50" G16 " 50" M16 " 58 40"
           SIG64,
           ZTO_E_MISSING);
    RT_BAD(rt_setup_device,
           "d2 84" ES256 " a0 58 48 84" RVINFO " 50" G16 " 50" M16
           " 83 0a 00 43 010203 58 40" SIG64,
           ZTO_E_UNSUPPORTED);

    /* 66, 67 */
    RT_HEX("66", rt_to2_device_svi_ready, "82 82 05 58 20" H32 " 19 0514");
    RT_HEX("66 reuse", rt_to2_device_svi_ready, "82 f6 f6");
    n = test_unhex("82 f6 19 0514", buf, sizeof(buf));
    ASSERT_OK(zto_msg_to2_device_svi_ready_decode(buf, n, &dr));
    ASSERT_TRUE(!dr.has_hmac && dr.has_max);
    ASSERT_EQ(dr.max_owner_svi_size, 1300);
    RT_BAD(rt_to2_device_svi_ready, "82 82 2f 58 20" H32 " f6",
           ZTO_E_UNSUPPORTED);
    RT_BAD(rt_to2_device_svi_ready, "82 f6 1a 00010000", ZTO_E_RANGE);
    RT_BAD(rt_to2_device_svi_ready, "82 f5 f6", ZTO_E_TYPE);
    RT_BAD(rt_to2_device_svi_ready, "81 f6", ZTO_E_MISSING);
    RT_HEX("67", rt_to2_owner_svi_ready, "81 19 0514");
    RT_HEX("67 null", rt_to2_owner_svi_ready, "81 f6");
    RT_BAD(rt_to2_owner_svi_ready, "81 60", ZTO_E_TYPE);
    RT_BAD(rt_to2_owner_svi_ready, "80", ZTO_E_MISSING);

    /* 68, 69 */
    RT_HEX("68", rt_to2_device_svi, "82 f4" SVI1);
    RT_HEX("68 more", rt_to2_device_svi, "82 f5 80");
    RT_BAD(rt_to2_device_svi, "82 01 80", ZTO_E_TYPE);
    RT_BAD(rt_to2_device_svi, "82 f4 81 82 63 616263 41 f5", ZTO_E_MISSING);
    RT_BAD(rt_to2_device_svi, "83 f4 f4 80", ZTO_E_TOO_BIG);
    RT_HEX("69", rt_to2_owner_svi, "83 f4 f5 80");
    RT_HEX("69 svi", rt_to2_owner_svi, "83 f5 f4" SVI1);
    n = test_unhex("83 f4 f5 80", buf, sizeof(buf));
    ASSERT_OK(zto_msg_to2_owner_svi_decode(buf, n, &os));
    ASSERT_TRUE(!os.is_more && os.is_done && os.svi.n == 0);
    RT_BAD(rt_to2_owner_svi, "83 f5 f5 80", ZTO_E_PROTO);
    RT_BAD(rt_to2_owner_svi, "82 f4 80", ZTO_E_MISSING);
    os.is_more = os.is_done = true;
    ASSERT_ERR(zto_msg_to2_owner_svi_encode(&os, buf, sizeof(buf), &n),
               ZTO_E_ARG);
    /* an unset ServiceInfo encodes as [] */
    memset(&os, 0, sizeof(os));
    ASSERT_OK(zto_msg_to2_owner_svi_encode(&os, buf, sizeof(buf), &n));
    ASSERT_EQ(n, 4);
    ASSERT_MEM_EQ(buf, "\x83\xf4\xf4\x80", 4);

    /* 70, 71 */
    RT_HEX("70", rt_to2_done, "81 50" N16);
    RT_HEX("71", rt_to2_done2, "81 50" M16);
    RT_BAD(rt_to2_done, "81 51" N16 "00", ZTO_E_RANGE);
    RT_BAD(rt_to2_done2, "81 70" M16, ZTO_E_TYPE);
}

int
main(void)
{
    TEST_START("msg");
    test_di();
    test_real_header();
    test_to0();
    test_to1();
    test_eat();
    test_to2();
    TEST_DONE();
}
