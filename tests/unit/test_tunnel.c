/*
 * test_tunnel.c - the TO2 tunnel (FDO 1.1 section 8.6) and COSE_Mac0.
 *
 * Known answers were computed independently with python3 `cryptography`
 * (AESGCM, AESCCM with a 16-byte tag, AES-CBC with PKCS7 padding,
 * AES-CTR) and hmac/hashlib, building the COSE structures by hand from
 * RFC 9052: AAD = ["Encrypt0", protected, h''], MAC over ["MAC0",
 * protected, h'', payload]. The sealing side uses the fixed-IV hook
 * zto_tunnel_seal_iv() from tunnel_int.h.
 */
#include <stdlib.h>

#include <openssl/evp.h>

#include "../../common/src/crypto/tunnel_int.h"
#include "test.h"
#include "zto/zto_cose.h"
#include "zto/zto_kex.h"

/* TO2.Done-like body: [h'303132...3f'] */
static const char pt_hex[] = "8150303132333435363738393a3b3c3d3e3f";

static const char key16[] = "000102030405060708090a0b0c0d0e0f";
static const char key32[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

struct kat {
    int32_t cipher;
    const char *key, *mac_key, *iv, *out;
};

static const struct kat kats[] = {
    {ZTO_COSE_A128GCM, key16, NULL, "101112131415161718191a1b",
     "d08343a10101a1054c101112131415161718191a1b5822457e339e3d7c82da21ea65"
     "ccfd1cd70304839c3f6ac681dfd6e751659917026288e6"},
    {ZTO_COSE_A256GCM, key32, NULL, "101112131415161718191a1b",
     "d08343a10103a1054c101112131415161718191a1b5822fcaea8277bfa0e86fc4230"
     "243542556ee96fc30e0ae1785630bd30540eaa06c2e9bc"},
    {ZTO_COSE_AES_CCM_16_128_256, key32, NULL, "202122232425262728292a2b2c",
     "d08344a101181fa1054d202122232425262728292a2b2c5822492e2ab658fbc919cd"
     "a5347a78db22f20aee109cd38959a3ffc5b777ec747ef8a71c"},
    {ZTO_COSE_AES_CCM_64_128_128, key16, NULL, "20212223242526",
     "d08344a1011820a105472021222324252658220d7b5d50940a634cc2b142084dc076"
     "569306a4019a8d0af7708dfd612fb1a5a5dabc"},
    {ZTO_COSE_AES128CBC, key16, "404142434445464748494a4b4c4d4e4f",
     "505152535455565758595a5b5c5d5e5f",
     "d18443a10105a0583c8345a10139fffaa10550505152535455565758595a5b5c5d5e"
     "5f5820b58674b22d668fcb77b34fdaa848a68f2a8f49652a2d0c2b167fd32c01296d"
     "c5582044433f47b11d01ad9467a724ede7c624ecbafeeb53638d5d3a9228efd9fe5b"
     "90"},
    {ZTO_COSE_AES256CTR, key32,
     "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f",
     "606162636465666768696a6b6c6d6e6f",
     "d18443a10106a0582d8345a10139fffba10550606162636465666768696a6b6c6d6e"
     "6f5251f230cfc65a10918e1ac7c169b5fd8b83e7583099eeca48c89111b6bf466cfa"
     "dfa3951c7e5f14bf81db8fed55f5fe18f63a5274cd52ef7d01fec9ed09ddcd564a41"
     "e44a"},
};

static const int32_t all_ciphers[] = {
    ZTO_COSE_A128GCM,
    ZTO_COSE_A256GCM,
    ZTO_COSE_AES_CCM_16_128_128,
    ZTO_COSE_AES_CCM_16_128_256,
    ZTO_COSE_AES_CCM_64_128_128,
    ZTO_COSE_AES_CCM_64_128_256,
    ZTO_COSE_AES128CBC,
    ZTO_COSE_AES128CTR,
    ZTO_COSE_AES256CBC,
    ZTO_COSE_AES256CTR,
};
#define N_CIPHERS (sizeof(all_ciphers) / sizeof(all_ciphers[0]))

static const uint8_t shse_85[] = {
    0x08, 0xc9, 0xdc, 0x0c, 0xc5, 0xe9, 0xdd, 0x25, 0x58, 0xa1, 0x2a,
    0xe6, 0x0c, 0xd0, 0x06, 0x70, 0xd0, 0x1a, 0x09, 0xcc, 0xa5, 0x2b,
    0xae, 0x8a, 0x67, 0x1a, 0x21, 0xe1, 0xba, 0xbd, 0xb2, 0x5b, 0xc2,
    0x19, 0x63, 0xc4, 0x8b, 0x4a, 0xa7, 0x7b, 0xb8, 0xed, 0x33, 0x8f,
    0x0c, 0x5a, 0x15, 0xef, 0xee, 0x06, 0x9c, 0xe1, 0x0a, 0x09, 0xbe,
    0x2a, 0xac, 0xf8, 0x57, 0xb8, 0xdc, 0xd9, 0xdf, 0x8e};

static bool
is_etm(int32_t c)
{
    return c < 0;
}

static size_t
iv_len(int32_t c)
{
    switch (c) {
    case ZTO_COSE_A128GCM:
    case ZTO_COSE_A256GCM:
        return 12;
    case ZTO_COSE_AES_CCM_16_128_128:
    case ZTO_COSE_AES_CCM_16_128_256:
        return 13;
    case ZTO_COSE_AES_CCM_64_128_128:
    case ZTO_COSE_AES_CCM_64_128_256:
        return 7;
    default:
        return 16;
    }
}

static void
set_tunnel(struct zto_tunnel *t, int32_t cipher, const char *key,
           const char *mac_key)
{
    memset(t, 0, sizeof(*t));
    t->cipher = cipher;
    t->key_len = test_unhex(key, t->key, sizeof(t->key));
    if (mac_key != NULL)
        t->mac_key_len = test_unhex(mac_key, t->mac_key, sizeof(t->mac_key));
}

/* A tunnel for any suite, keyed from the section 8.5 ShSe. */
static void
setup(struct zto_tunnel *t, int32_t cipher)
{
    if (zto_tunnel_setup(t, cipher, shse_85, sizeof(shse_85), NULL, 0) !=
        ZTO_OK)
        abort();
}

/* Open from an exact-size heap copy. */
static zto_err_t
open_copy(const struct zto_tunnel *t, const uint8_t *in, size_t n, uint8_t *out,
          size_t cap, size_t *out_len)
{
    unsigned char *c = test_exact_copy(in, n);
    zto_err_t r = zto_tunnel_open(t, c, n, out, cap, out_len);
    free(c);
    return r;
}

static void
test_kats(void)
{
    uint8_t pt[64], want[256], out[256], iv[16], back[64];
    size_t pt_len = test_unhex(pt_hex, pt, sizeof(pt)), i;

    for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        struct zto_tunnel t;
        size_t n = test_unhex(kats[i].out, want, sizeof(want));
        size_t ivl = test_unhex(kats[i].iv, iv, sizeof(iv));
        size_t out_len = 0, back_len = 0;

        set_tunnel(&t, kats[i].cipher, kats[i].key, kats[i].mac_key);
        ASSERT_OK(zto_tunnel_seal_iv(&t, iv, ivl, pt, pt_len, out, sizeof(out),
                                     &out_len));
        ASSERT_EQ(out_len, n);
        ASSERT_MEM_EQ(out, want, n);
        ASSERT_EQ(zto_tunnel_overhead(kats[i].cipher, pt_len), n - pt_len);
        ASSERT_OK(open_copy(&t, want, n, back, sizeof(back), &back_len));
        ASSERT_EQ(back_len, pt_len);
        ASSERT_MEM_EQ(back, pt, pt_len);
        /* The hook only takes the suite's IV length. */
        ASSERT_ERR(zto_tunnel_seal_iv(&t, iv, ivl - 1, pt, pt_len, out,
                                      sizeof(out), &out_len),
                   ZTO_E_ARG);
    }
}

/* The A128GCM AAD is exactly the section 2.3 bytes: decrypt a sealed
 * message with OpenSSL directly using them. */
static void
test_aad_bytes(void)
{
    static const uint8_t aad[] = {0x83, 0x68, 0x45, 0x6e, 0x63,
                                  0x72, 0x79, 0x70, 0x74, 0x30,
                                  0x43, 0xa1, 0x01, 0x01, 0x40};
    struct zto_tunnel t;
    uint8_t pt[64], out[128], dec[64];
    size_t pt_len = test_unhex(pt_hex, pt, sizeof(pt)), out_len = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, ok;
    const uint8_t *iv, *ct;

    set_tunnel(&t, ZTO_COSE_A128GCM, key16, NULL);
    ASSERT_OK(zto_tunnel_seal(&t, pt, pt_len, out, sizeof(out), &out_len));
    /* d0 83 43a10101 a1 05 4c <12> 58 22 <ct 18> <tag 16> */
    ASSERT_EQ(out_len, 9 + 12 + 2 + pt_len + 16);
    ASSERT_MEM_EQ(out, "\xd0\x83\x43\xa1\x01\x01\xa1\x05\x4c", 9);
    iv = out + 9;
    ct = out + 23;
    ok = ctx != NULL &&
         EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, t.key, iv) == 1 &&
         EVP_DecryptUpdate(ctx, NULL, &len, aad, sizeof(aad)) == 1 &&
         EVP_DecryptUpdate(ctx, dec, &len, ct, (int)pt_len) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
                             (void *)(ct + pt_len)) == 1 &&
         EVP_DecryptFinal_ex(ctx, dec + len, &len) == 1;
    ASSERT_TRUE(ok);
    ASSERT_MEM_EQ(dec, pt, pt_len);
    EVP_CIPHER_CTX_free(ctx);
}

static void
test_setup(void)
{
    static const char k128[] = "4738aba03ce2a9c1d53e27a14e8cfcf8";
    static const char k256[] =
        "e5e959c8cbdd5989c819f7ea8c69bcb3f70a442830ba235c5aa0b4047d0cda0b";
    static const char k512_384[] =
        "efbe60f0fd8537e5ac4c49f3e483c1764c4876a7d2809acbd1c152f930b6cdb8"
        "4a5c42fc37dd64fa79dbe20f13b9a7618a3efff14fab41bf432165ee56537397";
    uint8_t want[64];
    struct zto_tunnel t;
    size_t i;

    for (i = 0; i < N_CIPHERS; i++) {
        int32_t c = all_ciphers[i];

        ASSERT_TRUE(zto_tunnel_cipher_supported(c));
        setup(&t, c);
        ASSERT_EQ(t.cipher, c);
        switch (c) {
        case ZTO_COSE_A128GCM:
        case ZTO_COSE_AES_CCM_16_128_128:
        case ZTO_COSE_AES_CCM_64_128_128:
            test_unhex(k128, want, sizeof(want));
            ASSERT_EQ(t.key_len, 16);
            ASSERT_EQ(t.mac_key_len, 0);
            ASSERT_MEM_EQ(t.key, want, 16);
            break;
        case ZTO_COSE_A256GCM:
        case ZTO_COSE_AES_CCM_16_128_256:
        case ZTO_COSE_AES_CCM_64_128_256:
            test_unhex(k256, want, sizeof(want));
            ASSERT_EQ(t.key_len, 32);
            ASSERT_EQ(t.mac_key_len, 0);
            ASSERT_MEM_EQ(t.key, want, 32);
            break;
        case ZTO_COSE_AES128CBC:
        case ZTO_COSE_AES128CTR:
            /* HMAC-SHA256, L=256: SEK 16 then SVK 16. */
            test_unhex(k256, want, sizeof(want));
            ASSERT_EQ(t.key_len, 16);
            ASSERT_EQ(t.mac_key_len, 16);
            ASSERT_MEM_EQ(t.key, want, 16);
            ASSERT_MEM_EQ(t.mac_key, want + 16, 16);
            break;
        default:
            /* HMAC-SHA384, L=512: SEK 32 then SVK 32. */
            test_unhex(k512_384, want, sizeof(want));
            ASSERT_EQ(t.key_len, 32);
            ASSERT_EQ(t.mac_key_len, 32);
            ASSERT_MEM_EQ(t.key, want, 32);
            ASSERT_MEM_EQ(t.mac_key, want + 32, 32);
            break;
        }
    }
    ASSERT_TRUE(!zto_tunnel_cipher_supported(0));
    ASSERT_TRUE(!zto_tunnel_cipher_supported(2));
    ASSERT_TRUE(!zto_tunnel_cipher_supported(10));
    ASSERT_TRUE(!zto_tunnel_cipher_supported(-17760707));
    ASSERT_ERR(zto_tunnel_setup(&t, 2, shse_85, 64, NULL, 0),
               ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_tunnel_setup(&t, 1, shse_85, 0, NULL, 0), ZTO_E_ARG);
    ASSERT_EQ(zto_tunnel_overhead(2, 10), 0);
    /* Wipe zeroizes and leaves nothing usable. */
    setup(&t, ZTO_COSE_AES256CBC);
    zto_tunnel_wipe(&t);
    memset(want, 0, sizeof(want));
    ASSERT_MEM_EQ(&t, want, sizeof(t) < 64 ? sizeof(t) : 64);
    ASSERT_EQ(t.key_len + t.mac_key_len + (size_t)t.cipher, 0);
    zto_tunnel_wipe(NULL);
}

static void
test_roundtrip(void)
{
    static const size_t lens[] = {0,  1,  15,  16,   17,   31,
                                  32, 33, 100, 1000, 65000};
    uint8_t *pt = malloc(65000), *out = malloc(65200), *back = malloc(65000);
    size_t i, j, k;

    for (k = 0; k < 65000; k++)
        pt[k] = (uint8_t)(k * 7 + 3);
    for (i = 0; i < N_CIPHERS; i++) {
        struct zto_tunnel a, b;

        /* Two ends keyed independently from the same ShSe. */
        setup(&a, all_ciphers[i]);
        setup(&b, all_ciphers[i]);
        for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
            size_t n = lens[j], out_len = 0, back_len = 99, out2_len = 0;
            uint8_t first[64];

            ASSERT_OK(zto_tunnel_seal(&a, pt, n, out, 65200, &out_len));
            ASSERT_EQ(out_len, n + zto_tunnel_overhead(all_ciphers[i], n));
            ASSERT_OK(open_copy(&b, out, out_len, back, n, &back_len));
            ASSERT_EQ(back_len, n);
            ASSERT_MEM_EQ(back, pt, n);
            /* A fresh IV each time: the same message seals differently. */
            memcpy(first, out, out_len < 64 ? out_len : 64);
            ASSERT_OK(zto_tunnel_seal(&a, pt, n, out, 65200, &out2_len));
            ASSERT_EQ(out2_len, out_len);
            ASSERT_TRUE(memcmp(first, out, out_len < 64 ? out_len : 64) != 0);
            /* Output buffer one byte short; open into one byte short. */
            ASSERT_ERR(zto_tunnel_seal(&a, pt, n, out, out_len - 1, &out2_len),
                       ZTO_E_BUF_TOO_SMALL);
            ASSERT_OK(zto_tunnel_seal(&a, pt, n, out, out_len, &out2_len));
            if (n > 0)
                ASSERT_ERR(open_copy(&b, out, out_len, back, n - 1, &back_len),
                           ZTO_E_BUF_TOO_SMALL);
        }
    }
    free(back);
    free(out);
    free(pt);
}

/* Every cap below the needed size fails cleanly for a short message. */
static void
test_caps(void)
{
    uint8_t pt[40], out[200];
    size_t i, cap, out_len, need;

    memset(pt, 0x5a, sizeof(pt));
    for (i = 0; i < N_CIPHERS; i++) {
        struct zto_tunnel t;

        setup(&t, all_ciphers[i]);
        need = sizeof(pt) + zto_tunnel_overhead(all_ciphers[i], sizeof(pt));
        for (cap = 0; cap < need; cap++)
            ASSERT_ERR(zto_tunnel_seal(&t, pt, sizeof(pt), out, cap, &out_len),
                       ZTO_E_BUF_TOO_SMALL);
        ASSERT_OK(zto_tunnel_seal(&t, pt, sizeof(pt), out, need, &out_len));
        ASSERT_EQ(out_len, need);
    }
}

static void
test_tamper(void)
{
    uint8_t pt[64], out[256], bad[256], back[64];
    size_t pt_len = test_unhex(pt_hex, pt, sizeof(pt)), i, k;

    for (i = 0; i < N_CIPHERS; i++) {
        int32_t c = all_ciphers[i];
        struct zto_tunnel t;
        size_t out_len = 0, back_len;

        setup(&t, c);
        ASSERT_OK(zto_tunnel_seal(&t, pt, pt_len, out, sizeof(out), &out_len));
        for (k = 0; k < out_len; k++) {
            bool in_mac;
            zto_err_t r;

            if (!is_etm(c)) {
                /* d0 83 <43|44 prot> a1 05 <iv head> IV <ct head> ct||tag:
                 * the IV and ciphertext||tag are authenticated. */
                size_t iv_off = 2 + 1 + (out[2] & 0x1f) + 3;
                in_mac = (k >= iv_off && k < iv_off + iv_len(c)) ||
                         k >= out_len - pt_len - 16;
            } else {
                /* d1 84 43a1010X a0 <payload head> payload <tag head> tag:
                 * payload and tag contents are under the MAC. */
                size_t body = 7 + (out[7] == 0x58 ? 2 : 3);
                size_t tag = zto_hash_size(out[5]);
                in_mac =
                    (k >= body && k < out_len - tag - 2) || k >= out_len - tag;
            }
            memcpy(bad, out, out_len);
            bad[k] ^= 0x01;
            r = open_copy(&t, bad, out_len, back, sizeof(back), &back_len);
            if (in_mac)
                ASSERT_ERR(r, ZTO_E_MAC);
            else
                ASSERT_FAILS(r);
        }
    }
}

static void
test_truncation(void)
{
    uint8_t pt[64], out[256], back[64];
    size_t pt_len = test_unhex(pt_hex, pt, sizeof(pt)), i, n;

    for (i = 0; i < N_CIPHERS; i++) {
        struct zto_tunnel t;
        size_t out_len = 0, back_len;

        setup(&t, all_ciphers[i]);
        ASSERT_OK(zto_tunnel_seal(&t, pt, pt_len, out, sizeof(out), &out_len));
        for (n = 0; n < out_len; n++)
            ASSERT_FAILS(open_copy(&t, out, n, back, sizeof(back), &back_len));
        out[out_len] = 0x00;
        ASSERT_ERR(
            open_copy(&t, out, out_len + 1, back, sizeof(back), &back_len),
            ZTO_E_TRAILING);
    }
}

static void
test_wrong_alg(void)
{
    uint8_t pt[64], out[256], back[64];
    size_t pt_len = test_unhex(pt_hex, pt, sizeof(pt)), out_len, back_len;
    struct zto_tunnel t, u;

    /* Protected alg 1 -> 3, the tunnel negotiated A128GCM. */
    setup(&t, ZTO_COSE_A128GCM);
    ASSERT_OK(zto_tunnel_seal(&t, pt, pt_len, out, sizeof(out), &out_len));
    out[5] = 0x03;
    ASSERT_ERR(open_copy(&t, out, out_len, back, sizeof(back), &back_len),
               ZTO_E_PROTO);
    /* An A256GCM message to an A128GCM tunnel. */
    setup(&u, ZTO_COSE_A256GCM);
    ASSERT_OK(zto_tunnel_seal(&u, pt, pt_len, out, sizeof(out), &out_len));
    ASSERT_ERR(open_copy(&t, out, out_len, back, sizeof(back), &back_len),
               ZTO_E_PROTO);
    /* CCM-64 (7-byte IV) to a CCM-16 tunnel with the same key. */
    setup(&t, ZTO_COSE_AES_CCM_64_128_128);
    setup(&u, ZTO_COSE_AES_CCM_16_128_128);
    ASSERT_OK(zto_tunnel_seal(&t, pt, pt_len, out, sizeof(out), &out_len));
    ASSERT_ERR(open_copy(&u, out, out_len, back, sizeof(back), &back_len),
               ZTO_E_PROTO);
    /* A Mac0 to an AEAD tunnel and an Encrypt0 to an ETM tunnel. */
    setup(&t, ZTO_COSE_AES128CBC);
    ASSERT_OK(zto_tunnel_seal(&t, pt, pt_len, out, sizeof(out), &out_len));
    setup(&u, ZTO_COSE_A128GCM);
    ASSERT_ERR(open_copy(&u, out, out_len, back, sizeof(back), &back_len),
               ZTO_E_TYPE);
    ASSERT_OK(zto_tunnel_seal(&u, pt, pt_len, out, sizeof(out), &out_len));
    ASSERT_ERR(open_copy(&t, out, out_len, back, sizeof(back), &back_len),
               ZTO_E_TYPE);
    /* Same SEK/SVK, CBC message to a CTR tunnel: the MAC verifies, the
     * inner alg does not match. */
    ASSERT_OK(zto_tunnel_seal(&t, pt, pt_len, out, sizeof(out), &out_len));
    setup(&u, ZTO_COSE_AES128CTR);
    ASSERT_ERR(open_copy(&u, out, out_len, back, sizeof(back), &back_len),
               ZTO_E_PROTO);
    /* HMAC 256 outer header to a 384 tunnel. */
    setup(&u, ZTO_COSE_AES256CBC);
    ASSERT_ERR(open_copy(&u, out, out_len, back, sizeof(back), &back_len),
               ZTO_E_PROTO);
    /* A tunnel whose key sizes do not fit its suite. */
    setup(&t, ZTO_COSE_A128GCM);
    t.key_len = 32;
    ASSERT_ERR(zto_tunnel_seal(&t, pt, pt_len, out, sizeof(out), &out_len),
               ZTO_E_STATE);
    ASSERT_ERR(zto_tunnel_open(&t, out, out_len, back, sizeof(back), &back_len),
               ZTO_E_STATE);
}

/* Hand-made AEAD messages that break the profile. */
static void
test_strict(void)
{
    static const struct {
        const char *hex;
        zto_err_t want;
    } cases[] = {
        /* extra unprotected label 4 */
        {"d08343a10101a205"
         "4c000102030405060708090a0b"
         "0440"
         "5000000000000000000000000000000000",
         ZTO_E_UNKNOWN_KEY},
        /* no IV */
        {"d08343a10101a0"
         "5000000000000000000000000000000000",
         ZTO_E_MISSING},
        /* IV of 11 bytes */
        {"d08343a10101a1054b000102030405060708090a"
         "5000000000000000000000000000000000",
         ZTO_E_RANGE},
        /* ciphertext shorter than a tag */
        {"d08343a10101a1054c000102030405060708090a0b"
         "4f000000000000000000000000000000",
         ZTO_E_RANGE},
        /* empty protected map */
        {"d08341a0a1054c000102030405060708090a0b"
         "5000000000000000000000000000000000",
         ZTO_E_MISSING},
        /* protected with a second label */
        {"d08345a2010104f6a1054c000102030405060708090a0b"
         "5000000000000000000000000000000000",
         ZTO_E_UNKNOWN_KEY},
        /* unprotected label 6 instead of 5 */
        {"d08343a10101a1064c000102030405060708090a0b"
         "5000000000000000000000000000000000",
         ZTO_E_UNKNOWN_KEY},
        /* tag 17 / 18 and untagged */
        {"d18343a10101a1054c000102030405060708090a0b"
         "5000000000000000000000000000000000",
         ZTO_E_TYPE},
        {"8343a10101a1054c000102030405060708090a0b"
         "5000000000000000000000000000000000",
         ZTO_E_TYPE},
        /* four elements (any error) */
        {"d08443a10101a1054c000102030405060708090a0b"
         "5000000000000000000000000000000000f6",
         ZTO_OK},
        /* IV as a text string */
        {"d08343a10101a1056c000102030405060708090a0b"
         "5000000000000000000000000000000000",
         ZTO_E_TYPE},
        /* well-formed, wrong tag */
        {"d08343a10101a1054c000102030405060708090a0b"
         "5000000000000000000000000000000000",
         ZTO_E_MAC},
    };
    struct zto_tunnel t;
    uint8_t in[128], back[64];
    size_t i, n, back_len;

    setup(&t, ZTO_COSE_A128GCM);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = test_unhex(cases[i].hex, in, sizeof(in));
        if (cases[i].want == ZTO_OK)
            ASSERT_FAILS(open_copy(&t, in, n, back, sizeof(back), &back_len));
        else
            ASSERT_ERR(open_copy(&t, in, n, back, sizeof(back), &back_len),
                       cases[i].want);
    }
    ASSERT_ERR(zto_tunnel_open(&t, NULL, 0, back, sizeof(back), &back_len),
               ZTO_E_TRUNCATED);
    ASSERT_ERR(zto_tunnel_open(NULL, in, n, back, sizeof(back), &back_len),
               ZTO_E_ARG);
}

/* ---- COSE_Mac0 ---- */

static void
test_mac0(void)
{
    static const char kat5[] =
        "d18443a10105a0468201636162635820b5d7d526c4211aa6752d7a611740422b"
        "81a1d88d674628a97dd6e85b97f88ca7";
    static const char kat6[] =
        "d18443a10106a0468201636162635830b470cea92142911af71f3531988ff5a1"
        "e47cefaf434da8567bb544bcf5925365696fca75f6ca1fafdb08d48adadf1993";
    static const uint8_t payload[] = {0x82, 0x01, 0x63, 'a', 'b', 'c'};
    uint8_t key[32], buf[128], want[128], bad[128];
    struct zto_cbor_enc e;
    struct zto_bytes got;
    size_t len = 0, n, k;
    int a;

    for (k = 0; k < sizeof(key); k++)
        key[k] = (uint8_t)(0x80 + k);
    for (a = 0; a < 2; a++) {
        int32_t alg = a == 0 ? ZTO_COSE_HMAC256 : ZTO_COSE_HMAC384;
        unsigned char *c;

        n = test_unhex(a == 0 ? kat5 : kat6, want, sizeof(want));
        zto_cbor_enc_init(&e, buf, sizeof(buf));
        ASSERT_OK(zto_cose_mac0_encode(&e, alg, key, sizeof(key),
                                       ZTO_BYTES(payload, sizeof(payload))));
        ASSERT_OK(zto_cbor_enc_finish(&e, &len));
        ASSERT_EQ(len, n);
        ASSERT_MEM_EQ(buf, want, n);

        c = test_exact_copy(want, n);
        ASSERT_OK(zto_cose_mac0_verify(c, n, alg, key, sizeof(key), &got));
        ASSERT_EQ(got.len, sizeof(payload));
        ASSERT_TRUE(got.p == c + 8);
        ASSERT_MEM_EQ(got.p, payload, sizeof(payload));
        free(c);

        /* Every flipped byte fails; payload and tag flips as ZTO_E_MAC. */
        for (k = 0; k < n; k++) {
            zto_err_t r;

            memcpy(bad, want, n);
            bad[k] ^= 0x01;
            c = test_exact_copy(bad, n);
            r = zto_cose_mac0_verify(c, n, alg, key, sizeof(key), &got);
            if ((k >= 8 && k < 14) || k >= 16)
                ASSERT_ERR(r, ZTO_E_MAC);
            else
                ASSERT_FAILS(r);
            free(c);
        }
        /* Truncations, trailing data. */
        for (k = 0; k < n; k++) {
            c = test_exact_copy(want, k);
            ASSERT_FAILS(
                zto_cose_mac0_verify(c, k, alg, key, sizeof(key), &got));
            free(c);
        }
        memcpy(bad, want, n);
        bad[n] = 0;
        ASSERT_ERR(
            zto_cose_mac0_verify(bad, n + 1, alg, key, sizeof(key), &got),
            ZTO_E_TRAILING);
        /* Wrong key, wrong expected alg. */
        key[0] ^= 1;
        ASSERT_ERR(zto_cose_mac0_verify(want, n, alg, key, sizeof(key), &got),
                   ZTO_E_MAC);
        key[0] ^= 1;
        ASSERT_ERR(zto_cose_mac0_verify(
                       want, n, a == 0 ? ZTO_COSE_HMAC384 : ZTO_COSE_HMAC256,
                       key, sizeof(key), &got),
                   ZTO_E_PROTO);
        /* Encoder into a short buffer. */
        zto_cbor_enc_init(&e, buf, n - 1);
        ASSERT_ERR(zto_cose_mac0_encode(&e, alg, key, sizeof(key),
                                        ZTO_BYTES(payload, sizeof(payload))),
                   ZTO_E_BUF_TOO_SMALL);
    }
    /* Unsupported algs; a non-empty unprotected map. */
    zto_cbor_enc_init(&e, buf, sizeof(buf));
    ASSERT_ERR(zto_cose_mac0_encode(&e, 7, key, sizeof(key),
                                    ZTO_BYTES(payload, sizeof(payload))),
               ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_cose_mac0_verify(want, n, -43, key, sizeof(key), &got),
               ZTO_E_UNSUPPORTED);
    n = test_unhex("d18443a10105a1040046820163616263"
                   "5820b5d7d526c4211aa6752d7a611740422b"
                   "81a1d88d674628a97dd6e85b97f88ca7",
                   bad, sizeof(bad));
    ASSERT_ERR(
        zto_cose_mac0_verify(bad, n, ZTO_COSE_HMAC256, key, sizeof(key), &got),
        ZTO_E_UNKNOWN_KEY);
    /* Empty payload round trip. */
    zto_cbor_enc_init(&e, buf, sizeof(buf));
    ASSERT_OK(
        zto_cose_mac0_encode(&e, ZTO_COSE_HMAC256, key, 16, ZTO_BYTES_NULL));
    ASSERT_OK(zto_cbor_enc_finish(&e, &len));
    ASSERT_OK(zto_cose_mac0_verify(buf, len, ZTO_COSE_HMAC256, key, 16, &got));
    ASSERT_EQ(got.len, 0);
}

int
main(void)
{
    TEST_START("tunnel");
    test_kats();
    test_aad_bytes();
    test_setup();
    test_roundtrip();
    test_caps();
    test_tamper();
    test_truncation();
    test_wrong_alg();
    test_strict();
    test_mac0();
    TEST_DONE();
}
