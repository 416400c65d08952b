/*
 * test_codec.c - the shared FDO 1.1 types (zto_codec.h): Guid, Nonce,
 * Hash, PublicKey, SigInfo, RVTO2Addr, ServiceInfo, ErrorMessage.
 * RendezvousInfo has its own file (test_rvinfo.c).
 */
#include <stdlib.h>

#include "codec_rt.h"
#include "zto/zto_codec.h"

#define G16 "00112233445566778899aabbccddeeff"
#define H32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define H48 H32 "202122232425262728292a2b2c2d2e2f"

/* ---- adapters: cursor codecs as whole-buffer rt_fns ---- */

#define RT_CURSOR(name, type)                                                  \
    static zto_err_t rt_##name(const uint8_t *in, size_t n, uint8_t *out,      \
                               size_t cap, size_t *out_len)                    \
    {                                                                          \
        struct zto_cbor_dec d;                                                 \
        struct zto_cbor_enc e;                                                 \
        type v;                                                                \
        zto_err_t r;                                                           \
        zto_cbor_dec_init(&d, in, n);                                          \
        if ((r = zto_##name##_dec(&d, &v)) != ZTO_OK ||                        \
            (r = zto_cbor_dec_finish(&d)) != ZTO_OK || out == NULL)            \
            return r;                                                          \
        zto_cbor_enc_init(&e, out, cap);                                       \
        zto_##name##_enc(&e, &v);                                              \
        return zto_cbor_enc_finish(&e, out_len);                               \
    }

RT_CURSOR(guid, struct zto_guid)
RT_CURSOR(nonce, struct zto_nonce)
RT_CURSOR(hash, struct zto_hash)
RT_CURSOR(pubkey, struct zto_pubkey)
RT_CURSOR(siginfo, struct zto_siginfo)
RT_CURSOR(rvto2addr, struct zto_rvto2addr)

static zto_err_t
rt_errmsg(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
          size_t *out_len)
{
    struct zto_error_msg m;
    zto_err_t r = zto_error_msg_decode(in, n, &m);

    if (r != ZTO_OK || out == NULL)
        return r;
    return zto_error_msg_encode(&m, out, cap, out_len);
}

/* ServiceInfo: decode, then rebuild from the iterated kvs. */
static zto_err_t
rt_svi(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
       size_t *out_len)
{
    struct zto_cbor_dec d;
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
    struct zto_svi s;
    struct zto_svi_kv kv;
    size_t pos = 0, cnt = 0;
    char mod[256], msg[256];
    zto_err_t r;

    zto_cbor_dec_init(&d, in, n);
    if ((r = zto_svi_dec(&d, &s)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK || out == NULL)
        return r;
    zto_cbor_enc_init(&e, out, cap);
    zto_svi_enc_open(&e, &m);
    while ((r = zto_svi_next(&s, &pos, &kv)) == ZTO_OK) {
        if (kv.module.len >= sizeof(mod) || kv.message.len >= sizeof(msg) ||
            memchr(kv.module.p, 0, kv.module.len) != NULL ||
            memchr(kv.message.p, 0, kv.message.len) != NULL)
            return ZTO_E_ARG;
        memcpy(mod, kv.module.p, kv.module.len);
        mod[kv.module.len] = '\0';
        memcpy(msg, kv.message.p, kv.message.len);
        msg[kv.message.len] = '\0';
        zto_svi_enc_kv(&e, &m, mod, msg, kv.value.p, kv.value.len);
        cnt++;
    }
    if (r != ZTO_E_NOT_FOUND)
        return ZTO_E_INTERNAL;
    if (cnt != s.n)
        return ZTO_E_INTERNAL;
    zto_svi_enc_close(&e, &m);
    return zto_cbor_enc_finish(&e, out_len);
}

static void
test_guid_nonce(void)
{
    unsigned char buf[64];
    struct zto_cbor_dec d;
    struct zto_guid g;
    struct zto_nonce nn;
    size_t n;

    /* section 2.3: Nonce / GUID item = 50 + 16 bytes */
    RT_HEX("guid", rt_guid, "50" G16);
    RT_HEX("nonce", rt_nonce, "50" G16);
    n = test_unhex("50" G16, buf, sizeof(buf));
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(zto_guid_dec(&d, &g));
    ASSERT_EQ(g.b[0], 0x00);
    ASSERT_EQ(g.b[15], 0xff);
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(zto_nonce_dec(&d, &nn));
    ASSERT_EQ(nn.b[1], 0x11);

    /* exactly 16 bytes (section 5) */
    RT_BAD(rt_nonce, "4f" "112233445566778899aabbccddeeff", ZTO_E_RANGE);
    RT_BAD(rt_nonce, "51" G16 "00", ZTO_E_RANGE);
    RT_BAD(rt_guid, "70" G16, ZTO_E_TYPE);
    RT_BAD(rt_guid, "f6", ZTO_E_TYPE);
    RT_BAD(rt_guid, "", ZTO_E_TRUNCATED);
    /* a failing decode leaves the cursor where it was */
    n = test_unhex("4f" "112233445566778899aabbccddeeff", buf, sizeof(buf));
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_FAILS(zto_guid_dec(&d, &g));
    ASSERT_EQ(d.off, 0);
}

static void
test_hash(void)
{
    unsigned char buf[128];
    struct zto_cbor_dec d;
    struct zto_cbor_enc e;
    struct zto_hash h;
    struct zto_hash_buf hb;
    size_t n, len;

    RT_HEX("sha256", rt_hash, "822f5820" H32);
    RT_HEX("sha384", rt_hash, "82382a5830" H48);
    RT_HEX("hmac256", rt_hash, "82055820" H32);
    RT_HEX("hmac384", rt_hash, "82065830" H48);

    n = test_unhex("82382a5830" H48, buf, sizeof(buf));
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(zto_hash_dec(&d, &h));
    ASSERT_EQ(h.type, ZTO_HASH_SHA384);
    ASSERT_EQ(h.value.len, 48);
    ASSERT_TRUE(h.value.p == buf + 5);

    /* length must match the type */
    RT_BAD(rt_hash, "822f5830" H48, ZTO_E_RANGE);
    RT_BAD(rt_hash, "82065820" H32, ZTO_E_RANGE);
    RT_BAD(rt_hash, "82075820" H32, ZTO_E_UNSUPPORTED);
    RT_BAD(rt_hash, "82205820" H32, ZTO_E_UNSUPPORTED);
    RT_BAD(rt_hash, "832f5820" H32 "00", ZTO_E_TOO_BIG);
    RT_BAD(rt_hash, "812f", ZTO_E_MISSING);
    RT_BAD(rt_hash, "822f7820" H32, ZTO_E_TYPE);
    RT_BAD(rt_hash, "a12f5820" H32, ZTO_E_TYPE);
    RT_BAD(rt_hash, "82612f5820" H32, ZTO_E_TYPE);
    RT_BAD(rt_hash, "823a800000005820" H32, ZTO_E_RANGE);
    RT_BAD(rt_hash, "9a7fffffff2f", ZTO_E_TRUNCATED);
    RT_BAD(rt_hash, "9f2f5820" H32 "ff", ZTO_E_INDEFINITE);

    /* hash_buf encoder */
    hb.type = ZTO_HASH_SHA256;
    hb.len = 32;
    test_unhex(H32, hb.value, sizeof(hb.value));
    zto_cbor_enc_init(&e, buf, sizeof(buf));
    zto_hash_buf_enc(&e, &hb);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    n = test_unhex("822f5820" H32, buf + 64, 64);
    ASSERT_EQ(len, n);
    ASSERT_MEM_EQ(buf, buf + 64, n);
    hb.len = 49;
    zto_cbor_enc_init(&e, buf, sizeof(buf));
    zto_hash_buf_enc(&e, &hb);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);
}

static void
test_pubkey(void)
{
    static unsigned char big[8192];
    unsigned char buf[256], want[64];
    struct zto_pubkey pk;
    struct zto_bytes der;
    struct zto_cbor_enc e;
    size_t n, len, wn;

    RT_HEX("x509", rt_pubkey, "830a0143010203");
    RT_HEX("x509 p384", rt_pubkey, "830b0143010203");
    RT_HEX("rsa restr", rt_pubkey, "83010143010203");
    RT_HEX("rsa pkcs", rt_pubkey, "83050143010203");
    RT_HEX("rsa pss", rt_pubkey, "83060143010203");
    RT_HEX("x5chain", rt_pubkey, "830a0282423001423002");
    RT_HEX("x5chain single", rt_pubkey, "830a02433001ff");
    RT_HEX("x5chain rs", rt_pubkey, "830a02458143300102");
    RT_HEX("cosekey", rt_pubkey, "830b03a4010220022141012241aa");

    n = test_unhex("830a0282423001423002", buf, sizeof(buf));
    ASSERT_OK(zto_pubkey_decode(buf, n, &pk));
    ASSERT_EQ(pk.type, ZTO_PK_SECP256R1);
    ASSERT_EQ(pk.enc, ZTO_PKENC_X5CHAIN);
    ASSERT_TRUE(pk.raw.p == buf && pk.raw.len == n);
    ASSERT_TRUE(pk.body.p == buf + 3 && pk.body.len == 7);
    ASSERT_OK(zto_pubkey_x5chain_cert(&pk, 1, &der));
    ASSERT_EQ(der.len, 2);
    ASSERT_EQ(der.p[1], 0x02);
    ASSERT_ERR(zto_pubkey_x5chain_cert(&pk, 2, &der), ZTO_E_NOT_FOUND);

    /* RFC 9360 single certificate */
    n = test_unhex("830a02433001ff", buf, sizeof(buf));
    ASSERT_OK(zto_pubkey_decode(buf, n, &pk));
    ASSERT_TRUE(pk.body.p == buf + 3 && pk.body.len == 4);
    ASSERT_OK(zto_pubkey_x5chain_cert(&pk, 0, &der));
    ASSERT_EQ(der.len, 3);
    ASSERT_ERR(zto_pubkey_x5chain_cert(&pk, 1, &der), ZTO_E_NOT_FOUND);

    /* fido-device-onboard-rs: the array wrapped in a bstr; body is the
     * inner array, raw keeps the wrapping */
    n = test_unhex("830a02458143300102", buf, sizeof(buf));
    ASSERT_OK(zto_pubkey_decode(buf, n, &pk));
    ASSERT_TRUE(pk.body.p == buf + 4 && pk.body.len == 5);
    ASSERT_OK(zto_pubkey_x5chain_cert(&pk, 0, &der));
    ASSERT_EQ(der.len, 3);
    ASSERT_EQ(pk.raw.len, n);

    n = test_unhex("830a0143010203", buf, sizeof(buf));
    ASSERT_OK(zto_pubkey_decode(buf, n, &pk));
    ASSERT_TRUE(pk.body.p == buf + 4 && pk.body.len == 3);
    ASSERT_ERR(zto_pubkey_x5chain_cert(&pk, 0, &der), ZTO_E_ARG);

    RT_BAD(rt_pubkey, "83020143010203", ZTO_E_UNSUPPORTED);
    RT_BAD(rt_pubkey, "83290143010203", ZTO_E_UNSUPPORTED); /* -10 */
    RT_BAD(rt_pubkey, "830a0043010203", ZTO_E_UNSUPPORTED);
    RT_BAD(rt_pubkey, "830a0443010203", ZTO_E_UNSUPPORTED);
    RT_BAD(rt_pubkey, "830a0140", ZTO_E_RANGE);
    RT_BAD(rt_pubkey, "830a0181430102", ZTO_E_TYPE);
    RT_BAD(rt_pubkey, "830a0163010203", ZTO_E_TYPE);
    RT_BAD(rt_pubkey, "830a0280", ZTO_E_MISSING);
    RT_BAD(rt_pubkey, "830a028101", ZTO_E_TYPE);
    RT_BAD(rt_pubkey, "830a02824230010a", ZTO_E_TYPE);
    RT_BAD(rt_pubkey, "830a028140", ZTO_E_RANGE);
    RT_BAD(rt_pubkey, "830a0240", ZTO_E_RANGE);
    RT_BAD(rt_pubkey, "830a02a0", ZTO_E_TYPE);
    RT_BAD(rt_pubkey, "830a024681433001020a", ZTO_E_TRAILING);
    RT_BAD(rt_pubkey, "830a024180", ZTO_E_MISSING);
    RT_BAD(rt_pubkey, "830a02" "89" "413041304130413041304130413041304130",
           ZTO_E_TOO_BIG);
    RT_BAD(rt_pubkey, "830a0382010a", ZTO_E_TYPE);
    RT_BAD(rt_pubkey, "840a014301020300", ZTO_E_TOO_BIG);
    RT_BAD(rt_pubkey, "820a01", ZTO_E_MISSING);
    RT_BAD(rt_pubkey, "a0", ZTO_E_TYPE);

    /* raw larger than ZTO_MAX_PUBKEY_SIZE */
    n = test_unhex("830a015a00001000", big, sizeof(big));
    memset(big + n, 0x30, 4096);
    {
        unsigned char *c = test_exact_copy(big, n + 4096);
        ASSERT_ERR(zto_pubkey_decode(c, n + 4096, &pk), ZTO_E_TOO_BIG);
        free(c);
    }
    n = test_unhex("830a01590f00", big, sizeof(big));
    memset(big + n, 0x30, 0xf00);
    ASSERT_OK(zto_pubkey_decode(big, n + 0xf00, &pk));

    /* Building from fields (raw empty). */
    pk.type = ZTO_PK_SECP384R1;
    pk.enc = ZTO_PKENC_X509;
    pk.body = ZTO_BYTES("\x01\x02\x03", 3);
    pk.raw = ZTO_BYTES_NULL;
    zto_cbor_enc_init(&e, buf, sizeof(buf));
    zto_pubkey_enc(&e, &pk);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    wn = test_unhex("830b0143010203", want, sizeof(want));
    ASSERT_EQ(len, wn);
    ASSERT_MEM_EQ(buf, want, wn);
    pk.enc = ZTO_PKENC_X5CHAIN;
    pk.body = ZTO_BYTES("\x81\x42\x30\x01", 4);
    zto_cbor_enc_init(&e, buf, sizeof(buf));
    zto_pubkey_enc(&e, &pk);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    wn = test_unhex("830b028142" "3001", want, sizeof(want));
    ASSERT_EQ(len, wn);
    ASSERT_MEM_EQ(buf, want, wn);
    pk.enc = ZTO_PKENC_CRYPTO;
    zto_cbor_enc_init(&e, buf, sizeof(buf));
    zto_pubkey_enc(&e, &pk);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);
    pk.enc = ZTO_PKENC_X509;
    pk.type = 2;
    zto_cbor_enc_init(&e, buf, sizeof(buf));
    zto_pubkey_enc(&e, &pk);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);
}

static void
test_siginfo(void)
{
    unsigned char buf[32];
    struct zto_cbor_dec d;
    struct zto_siginfo s;
    size_t n;

    RT_HEX("es256", rt_siginfo, "822640");
    RT_HEX("es384", rt_siginfo, "82382240");
    RT_HEX("rs256", rt_siginfo, "8239010040");
    RT_HEX("rs384", rt_siginfo, "8239010140");
    RT_HEX("ps256", rt_siginfo, "82382440");
    RT_HEX("epid10", rt_siginfo, "82185a4401020304");
    n = test_unhex("82382240", buf, sizeof(buf));
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(zto_siginfo_dec(&d, &s));
    ASSERT_EQ(s.type, ZTO_SG_ES384);
    ASSERT_EQ(s.info.len, 0);
    RT_BAD(rt_siginfo, "820040", ZTO_E_UNSUPPORTED);
    RT_BAD(rt_siginfo, "822660", ZTO_E_TYPE);
    RT_BAD(rt_siginfo, "82f640", ZTO_E_TYPE);
    RT_BAD(rt_siginfo, "83264000", ZTO_E_TOO_BIG);
    RT_BAD(rt_siginfo, "8126", ZTO_E_MISSING);
}

static void
test_rvto2addr(void)
{
    unsigned char buf[128];
    struct zto_cbor_dec d;
    struct zto_rvto2addr a;
    size_t n;

    RT_HEX("ipv4", rt_rvto2addr, "8184447f000001f6191f9003");
    RT_HEX("dns+ip6", rt_rvto2addr,
           "8284f6696c6f63616c686f7374191f9005"
           "8450" G16 "696c6f63616c686f73740001");
    n = test_unhex("8284f6696c6f63616c686f7374191f9005"
                   "8450" G16 "696c6f63616c686f73740001",
                   buf, sizeof(buf));
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(zto_rvto2addr_dec(&d, &a));
    ASSERT_EQ(a.n, 2);
    ASSERT_TRUE(!a.e[0].has_ip && a.e[0].has_dns);
    ASSERT_EQ(a.e[0].dns.len, 9);
    ASSERT_MEM_EQ(a.e[0].dns.p, "localhost", 9);
    ASSERT_EQ(a.e[0].port, 8080);
    ASSERT_EQ(a.e[0].protocol, ZTO_TPROT_HTTPS);
    ASSERT_TRUE(a.e[1].has_ip && a.e[1].ip_len == 16);
    ASSERT_EQ(a.e[1].ip[15], 0xff);
    ASSERT_EQ(a.e[1].port, 0);
    ASSERT_EQ(a.e[1].protocol, ZTO_TPROT_TCP);

    RT_BAD(rt_rvto2addr, "80", ZTO_E_MISSING);
    RT_BAD(rt_rvto2addr, "8184f6f6191f9003", ZTO_E_MISSING);
    RT_BAD(rt_rvto2addr, "8184450102030405f6191f9003", ZTO_E_IPADDR);
    RT_BAD(rt_rvto2addr, "8184447f000001f6191f9000", ZTO_E_RANGE);
    RT_BAD(rt_rvto2addr, "8184447f000001f6191f9007", ZTO_E_RANGE);
    RT_BAD(rt_rvto2addr, "8184447f000001f61a0001000003", ZTO_E_RANGE);
    RT_BAD(rt_rvto2addr, "8184447f000001f6191f90190100", ZTO_E_RANGE);
    RT_BAD(rt_rvto2addr, "8184447f00000141611f9003", ZTO_E_TYPE);
    RT_BAD(rt_rvto2addr, "8183447f000001f6191f90", ZTO_E_MISSING);
    RT_BAD(rt_rvto2addr, "8185447f000001f6191f900300", ZTO_E_TOO_BIG);
    RT_BAD(rt_rvto2addr, "8184647f000001f6191f9003", ZTO_E_TYPE);
    RT_BAD(rt_rvto2addr,
           "89" "844400000000f60003" "844400000000f60003"
           "844400000000f60003" "844400000000f60003" "844400000000f60003"
           "844400000000f60003" "844400000000f60003" "844400000000f60003"
           "844400000000f60003",
           ZTO_E_TOO_BIG);
}

static void
test_svi(void)
{
    static const char hex[] = "82 826d6465766d6f643a61637469766541f5"
                              " 82696465766d6f643a6f7346654c696e7578";
    static char many[4096];
    unsigned char buf[128], out[128];
    struct zto_cbor_dec d;
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
    struct zto_svi s;
    struct zto_svi_kv kv;
    size_t n, len, pos = 0, i, k;
    char *p;

    RT_HEX("svi", rt_svi, hex);
    RT_HEX("svi empty", rt_svi, "80");
    /* A kv with a colon in the message and an empty module. */
    RT_HEX("svi colons", rt_svi, "8182643a613a6241f6");
    /* A value fragment (not a whole CBOR item) is kept: go-fdo splits long
     * values across kvs. */
    RT_HEX("svi fragment", rt_svi, "818263613a62421a00");

    n = test_unhex(hex, buf, sizeof(buf));
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(zto_svi_dec(&d, &s));
    ASSERT_EQ(s.n, 2);
    ASSERT_OK(zto_svi_next(&s, &pos, &kv));
    ASSERT_EQ(kv.module.len, 6);
    ASSERT_MEM_EQ(kv.module.p, "devmod", 6);
    ASSERT_EQ(kv.message.len, 6);
    ASSERT_MEM_EQ(kv.message.p, "active", 6);
    ASSERT_EQ(kv.value.len, 1);
    ASSERT_EQ(kv.value.p[0], 0xf5);
    ASSERT_OK(zto_svi_next(&s, &pos, &kv));
    ASSERT_MEM_EQ(kv.message.p, "os", 2);
    ASSERT_EQ(kv.value.len, 6);
    ASSERT_ERR(zto_svi_next(&s, &pos, &kv), ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_svi_next(&s, &pos, &kv), ZTO_E_NOT_FOUND);

    /* Builder produces the same bytes; kv_size is exact. */
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_svi_enc_open(&e, &m);
    zto_svi_enc_kv(&e, &m, "devmod", "active", (const uint8_t *)"\xf5", 1);
    len = e.len;
    zto_svi_enc_kv(&e, &m, "devmod", "os", (const uint8_t *)"\x65Linux", 6);
    ASSERT_EQ(e.len - len, zto_svi_kv_size("devmod", "os", 6));
    zto_svi_enc_close(&e, &m);
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    ASSERT_EQ(len, n);
    ASSERT_MEM_EQ(out, buf, n);
    ASSERT_EQ(zto_svi_kv_size("devmod", "active", 1), 17);
    /* A 300-byte value needs a 3-byte head, a 24-char key a 2-byte one. */
    ASSERT_EQ(zto_svi_kv_size("fdo.download", "data12345678", 300),
              1 + 2 + 25 + 3 + 300);
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_svi_enc_open(&e, &m);
    zto_svi_enc_kv(&e, &m, "a:b", "c", (const uint8_t *)"\xf6", 1);
    zto_svi_enc_close(&e, &m);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);

    RT_BAD(rt_svi, "8182666465766d6f6441f5", ZTO_E_MISSING);
    RT_BAD(rt_svi, "818260" "41f5", ZTO_E_MISSING);
    RT_BAD(rt_svi, "818263613a6261f5", ZTO_E_TYPE);
    RT_BAD(rt_svi, "818243613a6241f5", ZTO_E_TYPE);
    RT_BAD(rt_svi, "818363613a6241f500", ZTO_E_TOO_BIG);
    RT_BAD(rt_svi, "818163613a62", ZTO_E_MISSING);
    RT_BAD(rt_svi, "a0", ZTO_E_TYPE);
    /* 65 kvs: one more than ZTO_MAX_SVI_ENTRIES; 64 are fine */
    for (k = 64; k <= 65; k++) {
        p = many;
        p += snprintf(p, 8, "98%02zx", k);
        for (i = 0; i < k; i++)
            p += snprintf(p, 16, "8263613a6241f6");
        if (k == 64)
            ASSERT_OK(rt_decode_hex(rt_svi, many));
        else
            RT_BAD(rt_svi, many, ZTO_E_TOO_BIG);
    }
}

static void
test_errmsg(void)
{
    unsigned char buf[128];
    struct zto_error_msg m;
    size_t n;

    /* go-fdo style: seconds, null CID */
    RT_HEX("errmsg", rt_errmsg,
           "85 1864 183c 6a736f6d65206572726f72 1a6553f100 f6");
    /* fido-device-onboard-rs style: null timestamp, uint64 CID */
    RT_HEX("errmsg rs", rt_errmsg,
           "85 1901f4 00 60 f6 1b0102030405060708");

    n = test_unhex("85 1864 183c 6a736f6d65206572726f72 1a6553f100 f6", buf,
                   sizeof(buf));
    ASSERT_OK(zto_error_msg_decode(buf, n, &m));
    ASSERT_EQ(m.code, 100);
    ASSERT_EQ(m.prev_msg, 60);
    ASSERT_EQ(m.text.len, 10);
    ASSERT_MEM_EQ(m.text.p, "some error", 10);
    ASSERT_TRUE(m.has_ts);
    ASSERT_EQ(m.ts, 1700000000);
    ASSERT_TRUE(!m.has_cid);

    /* Tagged forms are unwrapped: tag 1 (CDDL), tag 6 (astarte), and an
     * RFC 3339 string under tag 0 or bare. */
    static const char *const ts_forms[] = {
        "c11a6553f100",
        "c61a6553f100",
        "c074323032332d31312d31345432323a31333a32305a",
        "c67819323032332d31312d31345432333a31333a32302b30313a3030",
        "7818323032332d31312d31345432323a31333a32302e3132355a",
        "c074323032332d31312d31347432323a31333a32307a",
    };
    for (size_t i = 0; i < sizeof(ts_forms) / sizeof(ts_forms[0]); i++) {
        char hex[256];
        snprintf(hex, sizeof(hex), "85 1864 183c 60 %s f6", ts_forms[i]);
        n = test_unhex(hex, buf, sizeof(buf));
        ASSERT_OK(zto_error_msg_decode(buf, n, &m));
        ASSERT_TRUE(m.has_ts);
        ASSERT_EQ(m.ts, 1700000000);
    }
    /* 2024-02-29 leap day, offset west of UTC */
    n = test_unhex("85 01 0a 60 7819323032342d30322d32395430303a30303a30302d30"
                   "353a3330 f6", buf, sizeof(buf));
    ASSERT_OK(zto_error_msg_decode(buf, n, &m));
    ASSERT_EQ(m.ts, 1709164800 + 5 * 3600 + 1800);

    RT_BAD(rt_errmsg, "85 1864 183c 60 3903e7 f6", ZTO_E_RANGE);
    RT_BAD(rt_errmsg, "85 1864 183c 60 fb41d954fc40000000 f6", ZTO_E_TYPE);
    RT_BAD(rt_errmsg, "85 1864 183c 60 c1c11a6553f100 f6", ZTO_E_TYPE);
    RT_BAD(rt_errmsg, "85 1864 183c 60 c06a323032332d31312d31 f6",
           ZTO_E_RANGE);
    /* 2023-02-29 does not exist */
    RT_BAD(rt_errmsg,
           "85 1864 183c 60 c074323032332d30322d32395432323a31333a32305a f6",
           ZTO_E_RANGE);
    /* no zone */
    RT_BAD(rt_errmsg,
           "85 1864 183c 60 c073323032332d31312d31345432323a31333a3230 f6",
           ZTO_E_RANGE);
    RT_BAD(rt_errmsg, "85 1a00011170 183c 60 f6 f6", ZTO_E_RANGE);
    RT_BAD(rt_errmsg, "85 1864 190100 60 f6 f6", ZTO_E_RANGE);
    RT_BAD(rt_errmsg, "85 1864 183c 40 f6 f6", ZTO_E_TYPE);
    RT_BAD(rt_errmsg, "85 1864 183c 60 f6 20", ZTO_E_TYPE);
    RT_BAD(rt_errmsg, "85 1864 183c 60 f6 c2420102", ZTO_E_TYPE);
    RT_BAD(rt_errmsg, "84 1864 183c 60 f6", ZTO_E_MISSING);
    RT_BAD(rt_errmsg, "86 1864 183c 60 f6 f6 f6", ZTO_E_TOO_BIG);
    RT_BAD(rt_errmsg, "a0", ZTO_E_TYPE);

    /* encoder: plain seconds and null */
    m.code = 101;
    m.prev_msg = 61;
    m.text = ZTO_BYTES("x", 1);
    m.has_ts = false;
    m.has_cid = true;
    m.cid = 24;
    ASSERT_OK(zto_error_msg_encode(&m, buf, sizeof(buf), &n));
    {
        unsigned char want[16];
        size_t wn = test_unhex("851865183d6178f61818", want, sizeof(want));
        ASSERT_EQ(n, wn);
        ASSERT_MEM_EQ(buf, want, wn);
    }
    ASSERT_ERR(zto_error_msg_encode(&m, buf, 9, &n), ZTO_E_BUF_TOO_SMALL);
}

int
main(void)
{
    TEST_START("codec");
    test_guid_nonce();
    test_hash();
    test_pubkey();
    test_siginfo();
    test_rvto2addr();
    test_svi();
    test_errmsg();
    TEST_DONE();
}
