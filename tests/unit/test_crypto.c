/* test_crypto.c - hashes, HMACs, keys, signatures, certificate chains. */
#include <stdlib.h>

#include "test.h"
#include "zto/zto_crypto.h"
#include "zto/zto_util.h"

#define V256 ZTO_VECTORS_DIR "/p256/"
#define V384 ZTO_VECTORS_DIR "/p384/"

static void
load_pem_key(const char *path, struct zto_key *k)
{
    size_t n;
    unsigned char *t = test_read_file(path, &n);

    zto_key_init(k);
    ASSERT_OK(zto_key_from_pem((const char *)t, n, k));
    free(t);
}

static void
test_hashes(void)
{
    unsigned char want[64];
    struct zto_hash_buf h;
    struct zto_hash exp;
    struct zto_digest d;
    static const char jefe[] = "Jefe";
    static const char msg[] = "what do ya want for nothing?";

    /* FIPS 180-2 "abc" */
    ASSERT_OK(zto_hash(ZTO_HASH_SHA256, "abc", 3, &h));
    test_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
               want, sizeof(want));
    ASSERT_EQ(h.len, 32);
    ASSERT_MEM_EQ(h.value, want, 32);
    ASSERT_OK(zto_hash(ZTO_HASH_SHA384, "abc", 3, &h));
    test_unhex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
               "8086072ba1e7cc2358baeca134c825a7",
               want, sizeof(want));
    ASSERT_EQ(h.len, 48);
    ASSERT_MEM_EQ(h.value, want, 48);

    /* Incremental equals one-shot. */
    ASSERT_OK(zto_digest_start(&d, ZTO_HASH_SHA384));
    ASSERT_OK(zto_digest_update(&d, "a", 1));
    ASSERT_OK(zto_digest_update(&d, "bc", 2));
    ASSERT_OK(zto_digest_finish(&d, &h));
    ASSERT_MEM_EQ(h.value, want, 48);
    ASSERT_ERR(zto_digest_start(&d, ZTO_HMAC_SHA256), ZTO_E_UNSUPPORTED);

    /* RFC 4231 test case 2 */
    ASSERT_OK(zto_hmac(ZTO_HMAC_SHA256, (const uint8_t *)jefe, 4, msg,
                       strlen(msg), &h));
    test_unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
               want, sizeof(want));
    ASSERT_MEM_EQ(h.value, want, 32);
    ASSERT_OK(zto_hmac(ZTO_HMAC_SHA384, (const uint8_t *)jefe, 4, msg,
                       strlen(msg), &h));
    test_unhex("af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
               "8e2240ca5e69e2c78b3239ecfab21649",
               want, sizeof(want));
    ASSERT_MEM_EQ(h.value, want, 48);

    exp.type = ZTO_HMAC_SHA384;
    exp.value = ZTO_BYTES(want, 48);
    ASSERT_OK(zto_hmac_check(&exp, (const uint8_t *)jefe, 4, msg,
                             strlen(msg)));
    want[47] ^= 1;
    ASSERT_ERR(zto_hmac_check(&exp, (const uint8_t *)jefe, 4, msg,
                              strlen(msg)),
               ZTO_E_MAC);
    exp.value.len = 47;
    ASSERT_ERR(zto_hmac_check(&exp, (const uint8_t *)jefe, 4, msg,
                              strlen(msg)),
               ZTO_E_MAC);
    exp.type = ZTO_HASH_SHA256;
    ASSERT_ERR(zto_hmac_check(&exp, (const uint8_t *)jefe, 4, msg, 1),
               ZTO_E_UNSUPPORTED);
}

static void
test_ecdsa_known_answer(void)
{
    /* Made with `openssl dgst -sha256 -sign owner1.key.pem` over the text
     * "zto-known-answer"; r and s read back with asn1parse. */
    unsigned char dg[32], sig[64];
    struct zto_key pub;

    test_unhex("dc228f84d838ea6bb5736bed0cb9776db1b9bf05e86e787de50a73a3ecb06aaf",
               dg, sizeof(dg));
    test_unhex("acb8636c2490c2173e10c0b8a7f243a598f258aff7db99da7de9d08302d9256b"
               "c7b69a30f228f0f46a89bddc573b9e9ccaea4bfe6fee91a4587b953aca40e102",
               sig, sizeof(sig));
    load_pem_key(V256 "owner1.pub.pem", &pub);
    ASSERT_EQ(pub.pk_type, ZTO_PK_SECP256R1);
    ASSERT_TRUE(!pub.has_private);
    ASSERT_OK(zto_verify_digest(&pub, ZTO_COSE_ES256, dg, 32, sig, 64));
    sig[10] ^= 0x40;
    ASSERT_ERR(zto_verify_digest(&pub, ZTO_COSE_ES256, dg, 32, sig, 64),
               ZTO_E_SIGNATURE);
    /* Short (unpadded) signatures are not COSE. */
    ASSERT_ERR(zto_verify_digest(&pub, ZTO_COSE_ES256, dg, 32, sig, 63),
               ZTO_E_SIGNATURE);
    /* Wrong alg for the curve. */
    ASSERT_ERR(zto_verify_digest(&pub, ZTO_COSE_ES384, dg, 32, sig, 64),
               ZTO_E_ARG);
    zto_key_free(&pub);
}

static void
sign_verify_roundtrip(struct zto_key *priv, int32_t alg, size_t dglen)
{
    unsigned char dg[48], sig[512];
    size_t slen = 0;
    struct zto_signer s;

    memset(dg, 0x5a, sizeof(dg));
    zto_signer_from_key(&s, priv);
    ASSERT_OK(s.sign(s.ctx, alg, dg, dglen, sig, sizeof(sig), &slen));
    ASSERT_OK(zto_verify_digest(priv, alg, dg, dglen, sig, slen));
    dg[0] ^= 1;
    ASSERT_ERR(zto_verify_digest(priv, alg, dg, dglen, sig, slen),
               ZTO_E_SIGNATURE);
    ASSERT_ERR(zto_sign_digest(priv, alg, dg, dglen, sig, 10, &slen),
               ZTO_E_BUF_TOO_SMALL);
}

static void
test_keys(void)
{
    struct zto_key a, b, c;
    struct zto_pubkey pk;
    unsigned char buf[2048], der[2048];
    char pem[4096];
    size_t n, dn;

    load_pem_key(V384 "owner1.key.pem", &a);
    ASSERT_EQ(a.pk_type, ZTO_PK_SECP384R1);
    ASSERT_EQ(a.bits, 384);
    ASSERT_TRUE(a.has_private);
    ASSERT_EQ(zto_key_sig_alg(&a), ZTO_COSE_ES384);
    ASSERT_EQ(zto_key_hash_type(&a), ZTO_HASH_SHA384);
    ASSERT_EQ(zto_key_hmac_type(&a), ZTO_HMAC_SHA384);
    sign_verify_roundtrip(&a, ZTO_COSE_ES384, 48);

    /* Public halves match, other keys do not. */
    load_pem_key(V384 "owner1.pub.pem", &b);
    ASSERT_OK(zto_key_equal(&a, &b));
    load_pem_key(V384 "owner2.pub.pem", &c);
    ASSERT_ERR(zto_key_equal(&a, &c), ZTO_E_KEY_MISMATCH);
    zto_key_free(&c);

    /* X509 and COSE_Key wire forms decode back to the same key. */
    ASSERT_OK(zto_key_to_pubkey(&a, ZTO_PKENC_X509, buf, sizeof(buf), &pk));
    ASSERT_EQ(pk.type, ZTO_PK_SECP384R1);
    zto_key_init(&c);
    ASSERT_OK(zto_key_from_pubkey(&pk, &c));
    ASSERT_OK(zto_key_equal(&c, &b));
    zto_key_free(&c);
    ASSERT_OK(zto_key_to_pubkey(&a, ZTO_PKENC_COSEKEY, buf, sizeof(buf), &pk));
    ASSERT_EQ(buf[0], 0xa4); /* map(4) */
    ASSERT_OK(zto_key_from_pubkey(&pk, &c));
    ASSERT_OK(zto_key_equal(&c, &b));
    zto_key_free(&c);
    /* pkType must agree with the key. */
    pk.type = ZTO_PK_SECP256R1;
    ASSERT_ERR(zto_key_from_pubkey(&pk, &c), ZTO_E_KEY);

    /* PKCS#8 DER and PEM round trips. */
    ASSERT_OK(zto_key_private_der(&a, der, sizeof(der), &dn));
    ASSERT_OK(zto_key_from_private_der(der, dn, &c));
    ASSERT_TRUE(c.has_private);
    ASSERT_OK(zto_key_equal(&a, &c));
    zto_key_free(&c);
    ASSERT_OK(zto_key_private_pem(&a, pem, sizeof(pem), &n));
    ASSERT_TRUE(strstr(pem, "-----BEGIN PRIVATE KEY-----") == pem);
    ASSERT_OK(zto_key_public_pem(&a, pem, sizeof(pem), &n));
    ASSERT_OK(zto_key_from_pem(pem, n, &c));
    ASSERT_TRUE(!c.has_private);
    ASSERT_OK(zto_key_equal(&a, &c));
    zto_key_free(&c);
    ASSERT_ERR(zto_key_private_der(&b, der, sizeof(der), &dn), ZTO_E_KEY);
    ASSERT_ERR(zto_key_private_der(&a, der, 10, &dn), ZTO_E_BUF_TOO_SMALL);

    /* Garbage is refused, never crashes. */
    ASSERT_FAILS(zto_key_from_spki_der(der, 5, &c));
    ASSERT_FAILS(zto_key_from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n", 30,
                                  &c));
    ASSERT_FAILS(zto_key_from_private_der((const uint8_t *)"\x30\x03", 2,
                                          &c));
    zto_key_free(&a);
    zto_key_free(&b);
}

/* EC SPKIs are built from their point (ossl_key.c): the same keys as
 * OpenSSL's decoder gives, and the same refusals. */
static void
test_spki_ec(int32_t type)
{
    struct zto_key k, back;
    unsigned char der[512], *cut;
    size_t n = 0, i, f = type == ZTO_PK_SECP256R1 ? 32 : 48;

    zto_key_init(&k);
    zto_key_init(&back);
    ASSERT_OK(zto_key_generate(type, 0, &k));
    ASSERT_OK(zto_key_spki_der(&k, der, sizeof(der), &n));
    ASSERT_OK(zto_key_from_spki_der(der, n, &back));
    ASSERT_EQ(back.pk_type, type);
    ASSERT_EQ(back.bits, (unsigned)(f * 8));
    ASSERT_TRUE(!back.has_private);
    ASSERT_OK(zto_key_equal(&k, &back));
    zto_key_free(&back);
    /* Every truncation, and a trailing byte, are refused (exact-size
     * copies for ASan). */
    for (i = 0; i < n; i++) {
        cut = test_exact_copy(der, i);
        ASSERT_FAILS(zto_key_from_spki_der(cut, i, &back));
        free(cut);
    }
    der[n] = 0;
    ASSERT_FAILS(zto_key_from_spki_der(der, n + 1, &back));
    /* A point off the curve (last byte of y changed). */
    der[n - 1] ^= 0x01;
    ASSERT_FAILS(zto_key_from_spki_der(der, n, &back));
    der[n - 1] ^= 0x01;
    /* A compressed point goes to OpenSSL's decoder: x of the same key,
     * either y; one of the two is this key. */
    {
        unsigned char c[512];
        size_t hl = n - 2 * f - 1, cn = 0;
        int ok = 0, j;
        memcpy(c, der, hl);
        c[1] = (unsigned char)(c[1] - f);         /* SPKI length */
        c[hl - 2] = (unsigned char)(c[hl - 2] - f); /* BIT STRING length */
        for (j = 2; j <= 3; j++) {
            c[hl] = (unsigned char)j;
            memcpy(c + hl + 1, der + hl + 1, f);
            cn = hl + 1 + f;
            if (zto_key_from_spki_der(c, cn, &back) == ZTO_OK) {
                ok += zto_key_equal(&k, &back) == ZTO_OK;
                zto_key_free(&back);
            }
        }
        ASSERT_EQ(ok, 1);
    }
    zto_key_free(&k);
}

static void
test_generate_and_rsa(void)
{
    struct zto_key k, r2, r3, pss;
    struct zto_pubkey pk;
    unsigned char buf[2048];

    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &k));
    ASSERT_EQ(k.pk_type, ZTO_PK_SECP256R1);
    sign_verify_roundtrip(&k, ZTO_COSE_ES256, 32);
    zto_key_free(&k);

    ASSERT_OK(zto_key_generate(ZTO_PK_RSA2048RESTR, 2048, &r2));
    ASSERT_EQ(zto_key_sig_alg(&r2), ZTO_COSE_RS256);
    sign_verify_roundtrip(&r2, ZTO_COSE_RS256, 32);
    sign_verify_roundtrip(&r2, ZTO_COSE_PS256, 32);
    ASSERT_OK(zto_key_to_pubkey(&r2, ZTO_PKENC_COSEKEY, buf, sizeof(buf),
                                &pk));
    ASSERT_OK(zto_key_from_pubkey(&pk, &k));
    ASSERT_OK(zto_key_equal(&k, &r2));
    zto_key_free(&k);

    ASSERT_OK(zto_key_generate(ZTO_PK_RSAPKCS, 3072, &r3));
    ASSERT_EQ(r3.bits, 3072);
    ASSERT_EQ(zto_key_sig_alg(&r3), ZTO_COSE_RS384);
    ASSERT_EQ(zto_key_hash_type(&r3), ZTO_HASH_SHA384);
    sign_verify_roundtrip(&r3, ZTO_COSE_RS384, 48);

    ASSERT_OK(zto_key_generate(ZTO_PK_RSAPSS, 2048, &pss));
    ASSERT_EQ(zto_key_sig_alg(&pss), ZTO_COSE_PS256);
    sign_verify_roundtrip(&pss, ZTO_COSE_PS256, 32);

    /* An ECDSA alg is refused on an RSA key. */
    ASSERT_ERR(zto_sign_digest(&r2, ZTO_COSE_ES256, buf, 32, buf + 64, 512,
                               &(size_t){0}),
               ZTO_E_KEY);
    ASSERT_ERR(zto_key_generate(ZTO_PK_RSA2048RESTR, 3072, &k), ZTO_E_ARG);
    zto_key_free(&r2);
    zto_key_free(&r3);
    zto_key_free(&pss);
}

static size_t
pem_cert(const char *path, unsigned char *out, size_t cap, size_t *pos)
{
    size_t n, len = 0;
    unsigned char *t = test_read_file(path, &n);
    zto_err_t r = zto_pem_find((const char *)t, n, pos, "CERTIFICATE", out,
                               cap, &len);
    free(t);
    return r == ZTO_OK ? len : 0;
}

static void
test_cert_chain(void)
{
    unsigned char ca[2048];
    size_t pos = 0, n = pem_cert(V256 "device-ca.chain.pem", ca, sizeof(ca),
                                 &pos);
    struct zto_bytes chain[1];
    struct zto_key k;

    ASSERT_TRUE(n > 0);
    chain[0] = ZTO_BYTES(ca, n);
    /* A self-signed CA verifies as its own anchor. */
    ASSERT_OK(zto_cert_chain_verify(chain, 1, NULL, 0));
    ASSERT_OK(zto_cert_chain_verify(chain, 1, chain, 1));
    ASSERT_OK(zto_key_from_cert_der(ca, n, &k));
    ASSERT_EQ(k.pk_type, ZTO_PK_SECP384R1);
    zto_key_free(&k);
    ca[n - 5] ^= 0xff; /* break the signature */
    ASSERT_ERR(zto_cert_chain_verify(chain, 1, NULL, 0), ZTO_E_CERT);
    chain[0].len = 20;
    ASSERT_ERR(zto_cert_chain_verify(chain, 1, NULL, 0), ZTO_E_CERT);
}

int
main(void)
{
    TEST_START("crypto");
    test_hashes();
    test_ecdsa_known_answer();
    test_keys();
    test_generate_and_rsa();
    test_spki_ec(ZTO_PK_SECP256R1);
    test_spki_ec(ZTO_PK_SECP384R1);
    test_cert_chain();
    TEST_DONE();
}
