/* test_csr.c - PKCS#10 requests for the device key (DI, section 4.1). */
#include <stdlib.h>

#include <openssl/x509.h>

#include "test.h"
#include "zto/zto_crypto.h"

/* The subject CN of a DER request, as text. */
static void
subject_cn(const uint8_t *der, size_t n, char *out, size_t cap)
{
    const unsigned char *p = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)n);

    out[0] = '\0';
    if (req == NULL)
        return;
    X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName,
                              out, (int)cap);
    X509_REQ_free(req);
}

static void
check_key(int32_t type, unsigned bits)
{
    struct zto_key k, got;
    uint8_t der[2048];
    size_t n = 0, i;
    char cn[80];
    unsigned char *c;
    int failed = 0;

    zto_key_init(&k);
    zto_key_init(&got);
    ASSERT_OK(zto_key_generate(type, bits, &k));
    ASSERT_OK(zto_csr_create(&k, "SN-0001", 7, der, sizeof(der), &n));
    ASSERT_TRUE(n > 100);
    subject_cn(der, n, cn, sizeof(cn));
    ASSERT_TRUE(strcmp(cn, "SN-0001") == 0);

    c = test_exact_copy(der, n);
    ASSERT_OK(zto_csr_verify(c, n, &got));
    ASSERT_OK(zto_key_equal(&k, &got));
    ASSERT_EQ(got.pk_type, type);
    ASSERT_TRUE(!got.has_private);
    zto_key_free(&got);
    free(c);

    /* Every truncation fails, and so does every single-byte change (for
     * the EC device keys; OpenSSL tolerates an altered NULL parameter in
     * the outer RSA signature algorithm, which is not signed). */
    for (i = 0; i < n; i++) {
        c = test_exact_copy(der, i);
        if (zto_csr_verify(c, i, &got) == ZTO_OK) {
            failed++;
            zto_key_free(&got);
        }
        free(c);
    }
    for (i = 0; i < n && bits <= 384; i++) {
        c = test_exact_copy(der, n);
        c[i] ^= 0x01;
        if (zto_csr_verify(c, n, &got) == ZTO_OK) {
            failed++;
            zto_key_free(&got);
        }
        free(c);
    }
    ASSERT_EQ(failed, 0);

    /* A trailing byte is refused. */
    c = malloc(n + 1);
    memcpy(c, der, n);
    c[n] = 0;
    ASSERT_ERR(zto_csr_verify(c, n + 1, &got), ZTO_E_CERT);
    free(c);

    /* Bounded output. */
    ASSERT_ERR(zto_csr_create(&k, "x", 1, der, n - 1 > 64 ? 64 : n - 1, &n),
               ZTO_E_BUF_TOO_SMALL);
    zto_key_free(&k);
}

static void
test_args(void)
{
    struct zto_key k, pub;
    uint8_t der[1024], spki[256];
    size_t n = 0;
    char longcn[65];

    zto_key_init(&k);
    zto_key_init(&pub);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &k));
    ASSERT_ERR(zto_csr_create(&k, "", 0, der, sizeof(der), &n), ZTO_E_ARG);
    memset(longcn, 'a', sizeof(longcn));
    ASSERT_ERR(zto_csr_create(&k, longcn, 65, der, sizeof(der), &n), ZTO_E_ARG);
    ASSERT_OK(zto_csr_create(&k, longcn, 64, der, sizeof(der), &n));
    /* A public key alone cannot sign a request. */
    ASSERT_OK(zto_key_spki_der(&k, spki, sizeof(spki), &n));
    ASSERT_OK(zto_key_from_spki_der(spki, n, &pub));
    ASSERT_ERR(zto_csr_create(&pub, "x", 1, der, sizeof(der), &n), ZTO_E_KEY);
    ASSERT_ERR(zto_csr_verify(der, 0, &pub), ZTO_E_CERT);
    zto_key_free(&pub);
    zto_key_free(&k);
}

int
main(void)
{
    TEST_START("csr");
    check_key(ZTO_PK_SECP256R1, 0);
    check_key(ZTO_PK_SECP384R1, 0);
    check_key(ZTO_PK_RSA2048RESTR, 2048);
    test_args();
    TEST_DONE();
}
