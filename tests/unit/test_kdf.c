/*
 * test_kdf.c - the FDO KDF (FDO 1.1 section 8.5).
 *
 * L=256 is the value published with go-fdo's internal/nistkdf test; the
 * others were computed independently with a short python3 script using
 * hmac/hashlib over the section 8.5 formula (one-byte counter, "FIDO-KDF",
 * 0x00, "AutomaticOnboardTunnel" || ContextRand, L as two bytes).
 */
#include <stdlib.h>

#include "test.h"
#include "zto/zto_kex.h"

static const char shse_hex[] =
    "08c9dc0cc5e9dd2558a12ae60cd00670d01a09cca52bae8a671a21e1babdb25b"
    "c21963c48b4aa77bb8ed338f0c5a15efee069ce10a09be2aacf857b8dcd9df8e";

struct kat {
    int32_t prf;
    size_t ctx_len; /* ContextRand = 00 01 02 ... */
    const char *hex;
};

static const struct kat kats[] = {
    {ZTO_HMAC_SHA256, 0,
     "e5e959c8cbdd5989c819f7ea8c69bcb3f70a442830ba235c5aa0b4047d0cda0b"},
    {ZTO_HMAC_SHA256, 0, "4738aba03ce2a9c1d53e27a14e8cfcf8"},
    {ZTO_HMAC_SHA384, 0,
     "6e7dbf5d196daefa340f6210148e6dd782e73c5a333ae0f13584199cbb3e61e9"
     "93b7fae27052abdaa8ea7e6c5357b9f4"},
    {ZTO_HMAC_SHA384, 0,
     "1de9c7b6f5be17b523e5320f5e9c9c314d9a3471501b2ce7743f7711a7c11e73"
     "110addc262e8fcc784ee1521d9be42ab51dc18c68f103ebdda52484e45bd9b88"
     "e98f01ac21589d4ed1645634a7665a5e67d098d5d4fb2cb3ab9233c207d27d4f"},
    {ZTO_HMAC_SHA256, 32,
     "291a815cc78ee659308f25861dd8fd44c1cb240725bee65b9a81912ac554419d"},
    /* Two SHA-256 blocks (counter 1 and 2) with a ContextRand. */
    {ZTO_HMAC_SHA256, 32,
     "e2623699a8c48b729a2bf81b09fc9ed26ebde450eb8a9ec3800eda0ac2621e6f"
     "8ed3a596e97fd1135ec3e750dd3bf8d85f8e2d63c963efa07229b18a1040e920"},
};

static void
test_kats(void)
{
    uint8_t shse[64], want[96], ctx[32];
    size_t shse_len = test_unhex(shse_hex, shse, sizeof(shse)), i;

    for (i = 0; i < sizeof(ctx); i++)
        ctx[i] = (uint8_t)i;
    for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        size_t n = test_unhex(kats[i].hex, want, sizeof(want));
        unsigned char *key = test_exact_copy(shse, shse_len);
        unsigned char *c = test_exact_copy(ctx, kats[i].ctx_len);
        unsigned char *out = malloc(n);

        ASSERT_OK(zto_kdf(kats[i].prf, key, shse_len,
                          kats[i].ctx_len ? c : NULL, kats[i].ctx_len, out, n));
        ASSERT_MEM_EQ(out, want, n);
        free(out);
        free(c);
        free(key);
    }
}

static void
test_properties(void)
{
    uint8_t shse[64], k128[16], k256[32], k256b[32];
    size_t shse_len = test_unhex(shse_hex, shse, sizeof(shse));
    uint8_t ctx1[1] = {0};

    /* L is in every block: a 128-bit key is not half of a 256-bit one. */
    ASSERT_OK(zto_kdf(ZTO_HMAC_SHA256, shse, shse_len, NULL, 0, k128, 16));
    ASSERT_OK(zto_kdf(ZTO_HMAC_SHA256, shse, shse_len, NULL, 0, k256, 32));
    ASSERT_TRUE(memcmp(k128, k256, 16) != 0);
    /* ContextRand and the PRF change the output. */
    ASSERT_OK(zto_kdf(ZTO_HMAC_SHA256, shse, shse_len, ctx1, 1, k256b, 32));
    ASSERT_TRUE(memcmp(k256, k256b, 32) != 0);
    ASSERT_OK(zto_kdf(ZTO_HMAC_SHA384, shse, shse_len, NULL, 0, k256b, 32));
    ASSERT_TRUE(memcmp(k256, k256b, 32) != 0);
    /* One changed ShSe bit changes the key. */
    shse[63] ^= 1;
    ASSERT_OK(zto_kdf(ZTO_HMAC_SHA256, shse, shse_len, NULL, 0, k256b, 32));
    ASSERT_TRUE(memcmp(k256, k256b, 32) != 0);
}

static void
test_errors(void)
{
    uint8_t shse[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[16];
    static uint8_t big[8192];

    ASSERT_ERR(zto_kdf(ZTO_HASH_SHA256, shse, 8, NULL, 0, out, 16),
               ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_kdf(7, shse, 8, NULL, 0, out, 16), ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_kdf(ZTO_HMAC_SHA256, shse, 0, NULL, 0, out, 16), ZTO_E_ARG);
    ASSERT_ERR(zto_kdf(ZTO_HMAC_SHA256, shse, 8, NULL, 0, out, 0), ZTO_E_ARG);
    ASSERT_ERR(zto_kdf(ZTO_HMAC_SHA256, shse, 8, NULL, 4, out, 16), ZTO_E_ARG);
    /* L must fit two bytes (<= 8191 bytes) and the counter one byte. */
    ASSERT_ERR(zto_kdf(ZTO_HMAC_SHA256, shse, 8, NULL, 0, big, 8192),
               ZTO_E_RANGE);
    ASSERT_ERR(zto_kdf(ZTO_HMAC_SHA256, shse, 8, NULL, 0, big, 255 * 32 + 1),
               ZTO_E_RANGE);
    ASSERT_OK(zto_kdf(ZTO_HMAC_SHA256, shse, 8, NULL, 0, big, 255 * 32));
    ASSERT_OK(zto_kdf(ZTO_HMAC_SHA384, shse, 8, NULL, 0, big, 8191));
}

int
main(void)
{
    TEST_START("kdf");
    test_kats();
    test_properties();
    test_errors();
    TEST_DONE();
}
