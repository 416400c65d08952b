/*
 * test_cose_sign1.c - COSE_Sign1 (FDO 1.1 section 8.2): structure codec,
 * unprotected lookups, the Sig_structure bytes, in-place signing with
 * generated P-256 / P-384 / RSA keys, and verification of the real entry
 * signatures of the go-fdo vouchers in tests/vectors/interop.
 */
#include <stdlib.h>

#include "codec_rt.h"
#include "zto/zto_cose.h"
#include "zto/zto_codec.h"
#include "zto/zto_crypto.h"

#define SIG8 "1111111111111111"
#define SIG64 SIG8 SIG8 SIG8 SIG8 SIG8 SIG8 SIG8 SIG8

/* Decode, then sign the same payload/unprotected again with the fixed
 * signer: identical bytes when the input was made the same way. */
static zto_err_t
rt_sign1(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
         size_t *out_len)
{
    struct zto_cose_sign1 s;
    struct zto_signer signer;
    struct zto_cbor_enc e;
    zto_err_t r = zto_cose_sign1_decode(in, n, &s);

    if (r != ZTO_OK || out == NULL)
        return r;
    fixed_init(&signer, s.alg, s.signature.len);
    /* Only {1: alg} protected headers can be reproduced. */
    if (s.protected_hdr.len != 1 + 1 + zto_cbor_head_len(
                                            s.alg < 0 ? -1 - (int64_t)s.alg
                                                      : s.alg))
        return ZTO_E_UNSUPPORTED;
    zto_cbor_enc_init(&e, out, cap);
    if ((r = zto_cose_sign1_sign(&e, &signer, s.unprotected, s.payload)) !=
        ZTO_OK)
        return r;
    return zto_cbor_enc_finish(&e, out_len);
}

static void
test_structure(void)
{
    static const char hex[] = "d2 84 43 a1 01 26 a0 44 01020304 58 40" SIG64;
    unsigned char buf[256];
    struct zto_cose_sign1 s;
    size_t n;

    RT_HEX("sign1", rt_sign1, hex);
    RT_HEX("sign1 es384", rt_sign1,
           "d2 84 44 a1 01 38 22 a1 19 0100 41 00 41 f6 58 60" SIG64 SIG8
           SIG8 SIG8 SIG8);
    n = test_unhex(hex, buf, sizeof(buf));
    ASSERT_OK(zto_cose_sign1_decode(buf, n, &s));
    ASSERT_EQ(s.alg, ZTO_COSE_ES256);
    ASSERT_TRUE(s.protected_hdr.p == buf + 3 && s.protected_hdr.len == 3);
    ASSERT_TRUE(s.unprotected.p == buf + 6 && s.unprotected.len == 1);
    ASSERT_TRUE(s.payload.p == buf + 8 && s.payload.len == 4);
    ASSERT_TRUE(s.signature.p == buf + 14 && s.signature.len == 64);
    ASSERT_TRUE(s.raw.p == buf && s.raw.len == n);

    /* Other protected labels are allowed, including text ones. */
    ASSERT_OK(rt_decode_hex(rt_sign1,
                            "d2 84 47 a2 01 26 04 42 6b31 a0 40 40"));
    ASSERT_OK(rt_decode_hex(rt_sign1,
                            "d2 84 48 a2 63 666f6f 00 01 26 a0 40 40"));
    /* Empty payload and signature are well-formed (verification fails). */
    ASSERT_OK(rt_decode_hex(rt_sign1, "d2 84 43 a1 01 26 a0 40 40"));

    RT_BAD(rt_sign1, "84 43 a1 01 26 a0 40 40", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d1 84 43 a1 01 26 a0 40 40", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d8 12 84 43 a1 01 26 a0 40 40", ZTO_OK);
    RT_BAD(rt_sign1, "d2 83 43 a1 01 26 a0 40", ZTO_E_MISSING);
    RT_BAD(rt_sign1, "d2 85 43 a1 01 26 a0 40 40 40", ZTO_E_TOO_BIG);
    RT_BAD(rt_sign1, "d2 a1 01 02", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d2 84 40 a0 40 40", ZTO_E_MISSING);
    RT_BAD(rt_sign1, "d2 84 41 a0 a0 40 40", ZTO_E_MISSING);
    RT_BAD(rt_sign1, "d2 84 43 a1 04 26 a0 40 40", ZTO_E_MISSING);
    RT_BAD(rt_sign1, "d2 84 43 a1 01 60 a0 40 40", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d2 84 48 a1 01 65 4553323536 a0 40 40", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d2 84 46 a2 01 26 02 81 01 a0 40 40",
           ZTO_E_UNSUPPORTED);
    RT_BAD(rt_sign1, "d2 84 45 a2 01 26 01 26 a0 40 40", ZTO_E_UNKNOWN_KEY);
    RT_BAD(rt_sign1, "d2 84 44 a1 01 26 00 a0 40 40", ZTO_E_TRAILING);
    RT_BAD(rt_sign1, "d2 84 42 81 26 a0 40 40", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d2 84 43 a1 01 26 80 40 40", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d2 84 43 a1 01 26 a0 f6 40", ZTO_E_MISSING);
    RT_BAD(rt_sign1, "d2 84 43 a1 01 26 a0 60 40", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d2 84 43 a1 01 26 a0 40 60", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d2 84 a1 01 26 a0 40 40", ZTO_E_TYPE);
    RT_BAD(rt_sign1, "d2 84 47 a1 01 3a 80000000 a0 40 40", ZTO_E_RANGE);
    RT_BAD(rt_sign1, "d2 9f 43 a1 01 26 a0 40 40 ff", ZTO_E_INDEFINITE);
}

static void
test_unprotected(void)
{
    static const char hex[] =
        "d2 84 43 a1 01 26"
        " a4 19 0100 50 000102030405060708090a0b0c0d0e0f 39 0102 41 00"
        " 63 616263 01 1b ffffffffffffffff 02"
        " 40 40";
    unsigned char buf[128];
    struct zto_cose_sign1 s;
    struct zto_bytes v;
    size_t n = test_unhex(hex, buf, sizeof(buf));

    ASSERT_OK(zto_cose_sign1_decode(buf, n, &s));
    ASSERT_OK(zto_cose_unprotected_get(&s, 256, &v));
    ASSERT_EQ(v.len, 17);
    ASSERT_EQ(v.p[0], 0x50);
    ASSERT_OK(zto_cose_unprotected_get(&s, -259, &v));
    ASSERT_EQ(v.len, 2);
    ASSERT_EQ(v.p[1], 0x00);
    ASSERT_ERR(zto_cose_unprotected_get(&s, 5, &v), ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_cose_unprotected_get(&s, -1, &v), ZTO_E_NOT_FOUND);

    n = test_unhex("d2 84 43 a1 01 26 a2 05 00 05 01 40 40", buf,
                   sizeof(buf));
    ASSERT_OK(zto_cose_sign1_decode(buf, n, &s));
    ASSERT_ERR(zto_cose_unprotected_get(&s, 5, &v), ZTO_E_UNKNOWN_KEY);
    ASSERT_ERR(zto_cose_unprotected_get(&s, 6, &v), ZTO_E_NOT_FOUND);
}

static void
test_reference_bytes(void)
{
    /* section 2.3: protected headers ES256 / ES384 / RS256 */
    static const struct {
        int32_t alg;
        const char *hex;
    } prot[] = {
        {ZTO_COSE_ES256, "d2 84 43 a1 01 26 a0"},
        {ZTO_COSE_ES384, "d2 84 44 a1 01 38 22 a0"},
        {ZTO_COSE_RS256, "d2 84 45 a1 01 39 01 00 a0"},
    };
    unsigned char out[256], want[256];
    struct zto_cbor_enc e;
    struct zto_cose_sign1_mark m;
    struct zto_signer signer;
    struct zto_hash_buf h;
    size_t i, wn, len;

    for (i = 0; i < sizeof(prot) / sizeof(prot[0]); i++) {
        fixed_init(&signer, prot[i].alg, 64);
        zto_cbor_enc_init(&e, out, sizeof(out));
        zto_cose_sign1_begin(&e, &m, prot[i].alg, ZTO_BYTES_NULL);
        zto_cbor_put_uint(&e, 7);
        ASSERT_OK(zto_cose_sign1_end(&e, &m, &signer));
        ASSERT_OK(zto_cbor_enc_finish(&e, &len));
        wn = test_unhex(prot[i].hex, want, sizeof(want));
        ASSERT_MEM_EQ(out, want, wn);
        /* payload bstr(1) {7}, then the signature */
        ASSERT_EQ(out[wn], 0x41);
        ASSERT_EQ(out[wn + 1], 0x07);
        ASSERT_EQ(out[wn + 2], 0x58);
        ASSERT_EQ(out[wn + 3], 64);
        ASSERT_EQ(len, wn + 4 + 64);
    }

    /* The signed digest is H(Sig_structure), which starts
     * 84 6a "Signature1" (section 2.3). */
    fixed_init(&signer, ZTO_COSE_ES256, 64);
    zto_cbor_enc_init(&e, out, sizeof(out));
    ASSERT_OK(zto_cose_sign1_sign(&e, &signer, ZTO_BYTES_NULL,
                                  ZTO_BYTES("\x01\x02\x03\x04", 4)));
    wn = test_unhex("84 6a 5369676e617475726531 43 a1 01 26 40 44 01020304",
                    want, sizeof(want));
    ASSERT_OK(zto_hash(ZTO_HASH_SHA256, want, wn, &h));
    ASSERT_EQ(fixed.dg_len, 32);
    ASSERT_MEM_EQ(fixed.dg, h.value, 32);
    ASSERT_EQ(fixed.alg, ZTO_COSE_ES256);

    /* ES384 digests with SHA-384, over a 300-byte payload (3-byte head). */
    fixed_init(&signer, ZTO_COSE_ES384, 96);
    {
        static unsigned char big[512], sig[1024], pl[300];
        memset(pl, 0xab, sizeof(pl));
        zto_cbor_enc_init(&e, sig, sizeof(sig));
        ASSERT_OK(zto_cose_sign1_sign(&e, &signer, ZTO_BYTES_NULL,
                                      ZTO_BYTES(pl, 300)));
        wn = test_unhex("84 6a 5369676e617475726531 44 a1 01 38 22 40"
                        " 59 012c",
                        big, sizeof(big));
        memset(big + wn, 0xab, 300);
        ASSERT_OK(zto_hash(ZTO_HASH_SHA384, big, wn + 300, &h));
        ASSERT_EQ(fixed.dg_len, 48);
        ASSERT_MEM_EQ(fixed.dg, h.value, 48);
    }
}

static void
test_encoder_errors(void)
{
    unsigned char out[256];
    struct zto_cbor_enc e;
    struct zto_cose_sign1_mark m;
    struct zto_signer signer;
    size_t len, need;

    /* signer alg must match the protected header */
    fixed_init(&signer, ZTO_COSE_ES256, 64);
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_cose_sign1_begin(&e, &m, ZTO_COSE_ES384, ZTO_BYTES_NULL);
    zto_cbor_put_uint(&e, 1);
    ASSERT_ERR(zto_cose_sign1_end(&e, &m, &signer), ZTO_E_ARG);
    ASSERT_ERR(zto_cbor_enc_finish(&e, &len), ZTO_E_ARG);
    /* unknown alg */
    fixed_init(&signer, 99, 64);
    zto_cbor_enc_init(&e, out, sizeof(out));
    ASSERT_ERR(zto_cose_sign1_sign(&e, &signer, ZTO_BYTES_NULL,
                                   ZTO_BYTES("\x01", 1)),
               ZTO_E_UNSUPPORTED);
    /* unprotected must be a map */
    fixed_init(&signer, ZTO_COSE_ES256, 64);
    zto_cbor_enc_init(&e, out, sizeof(out));
    ASSERT_ERR(zto_cose_sign1_sign(&e, &signer, ZTO_BYTES("\x80", 1),
                                   ZTO_BYTES("\x01", 1)),
               ZTO_E_ARG);
    /* too small: every shorter buffer fails, none truncates */
    zto_cbor_enc_init(&e, out, sizeof(out));
    ASSERT_OK(zto_cose_sign1_sign(&e, &signer, ZTO_BYTES_NULL,
                                  ZTO_BYTES("\x01", 1)));
    ASSERT_OK(zto_cbor_enc_finish(&e, &need));
    for (len = 0; len < need; len++) {
        zto_cbor_enc_init(&e, out, len);
        ASSERT_ERR(zto_cose_sign1_sign(&e, &signer, ZTO_BYTES_NULL,
                                       ZTO_BYTES("\x01", 1)),
                   ZTO_E_BUF_TOO_SMALL);
    }
    /* measuring */
    zto_cbor_enc_init(&e, NULL, 0);
    ASSERT_OK(zto_cose_sign1_sign(&e, &signer, ZTO_BYTES_NULL,
                                  ZTO_BYTES("\x01", 1)));
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    ASSERT_EQ(len, need);
    /* the signer's failure is reported and sticks */
    fixed_init(&signer, ZTO_COSE_ES256, 600);
    zto_cbor_enc_init(&e, out, sizeof(out));
    ASSERT_ERR(zto_cose_sign1_sign(&e, &signer, ZTO_BYTES_NULL,
                                   ZTO_BYTES("\x01", 1)),
               ZTO_E_BUF_TOO_SMALL);
    ASSERT_FAILS(zto_cbor_enc_finish(&e, &len));
}

/* Sign with a generated key, decode, verify; then break it. */
static void
sign_verify(int32_t pk_type, unsigned bits)
{
    static unsigned char out[2048], kb[1024];
    struct zto_key k, other;
    struct zto_signer signer;
    struct zto_cbor_enc e;
    struct zto_cose_sign1_mark m;
    struct zto_cose_sign1 s;
    struct zto_pubkey pk;
    size_t len, mlen;
    unsigned char *c;

    zto_key_init(&k);
    zto_key_init(&other);
    ASSERT_OK(zto_key_generate(pk_type, bits, &k));
    ASSERT_OK(zto_key_generate(pk_type, bits, &other));
    zto_signer_from_key(&signer, &k);

    /* In place: the payload is encoded straight into the output. */
    zto_cbor_enc_init(&e, out, sizeof(out));
    zto_cose_sign1_begin(&e, &m, signer.alg,
                         ZTO_BYTES("\xa1\x39\x01\x02\x41\x00", 6));
    zto_cbor_put_array(&e, 2);
    zto_cbor_put_cstr(&e, "payload");
    zto_cbor_put_uint(&e, 1234);
    ASSERT_OK(zto_cose_sign1_end(&e, &m, &signer));
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));

    /* Measuring gives the same size. */
    zto_cbor_enc_init(&e, NULL, 0);
    zto_cose_sign1_begin(&e, &m, signer.alg,
                         ZTO_BYTES("\xa1\x39\x01\x02\x41\x00", 6));
    zto_cbor_put_array(&e, 2);
    zto_cbor_put_cstr(&e, "payload");
    zto_cbor_put_uint(&e, 1234);
    ASSERT_OK(zto_cose_sign1_end(&e, &m, &signer));
    ASSERT_OK(zto_cbor_enc_finish(&e, &mlen));
    ASSERT_EQ(mlen, len);

    c = test_exact_copy(out, len);
    ASSERT_OK(zto_cose_sign1_decode(c, len, &s));
    ASSERT_EQ(s.alg, signer.alg);
    ASSERT_EQ(s.payload.len, 12);
    ASSERT_OK(zto_cose_sign1_verify(&s, &k));
    ASSERT_ERR(zto_cose_sign1_verify(&s, &other), ZTO_E_SIGNATURE);
    /* through wire PublicKeys in both encodings */
    ASSERT_OK(zto_key_to_pubkey(&k, ZTO_PKENC_X509, kb, sizeof(kb), &pk));
    ASSERT_OK(zto_cose_sign1_verify_pubkey(&s, &pk));
    ASSERT_OK(zto_key_to_pubkey(&k, ZTO_PKENC_COSEKEY, kb, sizeof(kb), &pk));
    ASSERT_OK(zto_cose_sign1_verify_pubkey(&s, &pk));
    ASSERT_OK(zto_key_to_pubkey(&other, ZTO_PKENC_X509, kb, sizeof(kb), &pk));
    ASSERT_ERR(zto_cose_sign1_verify_pubkey(&s, &pk), ZTO_E_SIGNATURE);
    /* the unprotected header is not signed */
    c[s.unprotected.p - c + 5] ^= 1;
    ASSERT_OK(zto_cose_sign1_verify(&s, &k));
    /* payload and signature are */
    c[s.payload.p - c + 3] ^= 1;
    ASSERT_ERR(zto_cose_sign1_verify(&s, &k), ZTO_E_SIGNATURE);
    c[s.payload.p - c + 3] ^= 1;
    c[s.signature.p - c + 10] ^= 0x80;
    ASSERT_ERR(zto_cose_sign1_verify(&s, &k), ZTO_E_SIGNATURE);
    c[s.signature.p - c + 10] ^= 0x80;
    ASSERT_OK(zto_cose_sign1_verify(&s, &k));
    /* a different alg in the header is refused for this key */
    s.alg = pk_type == ZTO_PK_SECP256R1 ? ZTO_COSE_ES384 : ZTO_COSE_ES256;
    ASSERT_ERR(zto_cose_sign1_verify(&s, &k), ZTO_E_KEY);
    s.alg = 77;
    ASSERT_ERR(zto_cose_sign1_verify(&s, &k), ZTO_E_UNSUPPORTED);
    free(c);
    zto_key_free(&k);
    zto_key_free(&other);
}

static void
load_pub(const char *path, struct zto_key *k)
{
    size_t n;
    unsigned char *t = test_read_file(path, &n);

    zto_key_init(k);
    ASSERT_OK(zto_key_from_pem((const char *)t, n, k));
    free(t);
}

/* Entry `idx` of a go-fdo voucher, verified with the key that signed it. */
static void
interop_entry(const char *voucher, size_t idx, const char *signer_pem,
              int32_t alg)
{
    size_t n, cnt, i;
    unsigned char *v = test_read_file(voucher, &n);
    struct zto_cbor_dec d;
    struct zto_cose_sign1 s;
    struct zto_key k;

    zto_cbor_dec_init(&d, v, n);
    ASSERT_OK(zto_cbor_get_array_n(&d, 5));
    for (i = 0; i < 4; i++)
        ASSERT_OK(zto_cbor_skip(&d));
    ASSERT_OK(zto_cbor_get_array(&d, &cnt));
    ASSERT_TRUE(idx < cnt);
    for (i = 0; i < idx; i++)
        ASSERT_OK(zto_cbor_skip(&d));
    ASSERT_OK(zto_cose_sign1_dec(&d, &s));
    ASSERT_EQ(s.alg, alg);
    ASSERT_EQ(s.unprotected.len, 1); /* {} (section 6.7) */
    load_pub(signer_pem, &k);
    ASSERT_OK(zto_cose_sign1_verify(&s, &k));
    zto_key_free(&k);
    free(v);
}

int
main(void)
{
    TEST_START("cose_sign1");
    test_structure();
    test_unprotected();
    test_reference_bytes();
    test_encoder_errors();
    sign_verify(ZTO_PK_SECP256R1, 256);
    sign_verify(ZTO_PK_SECP384R1, 384);
    sign_verify(ZTO_PK_RSAPKCS, 2048);
    sign_verify(ZTO_PK_RSAPSS, 2048);
    interop_entry(ZTO_VECTORS_DIR "/p256/voucher.cbor", 0,
                  ZTO_VECTORS_DIR "/p256/manufacturer.pub.pem",
                  ZTO_COSE_ES256);
    interop_entry(ZTO_VECTORS_DIR "/p256/voucher-extended.cbor", 1,
                  ZTO_VECTORS_DIR "/p256/owner1.pub.pem", ZTO_COSE_ES256);
    interop_entry(ZTO_VECTORS_DIR "/p384/voucher.cbor", 0,
                  ZTO_VECTORS_DIR "/p384/manufacturer.pub.pem",
                  ZTO_COSE_ES384);
    interop_entry(ZTO_VECTORS_DIR "/p384/voucher-extended.cbor", 1,
                  ZTO_VECTORS_DIR "/p384/owner1.pub.pem", ZTO_COSE_ES384);
    TEST_DONE();
}
