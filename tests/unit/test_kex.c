/*
 * test_kex.c - TO2 key exchange (FDO 1.1 sections 8.1, 8.4).
 *
 * Known answers: the ECDH shared x-coordinates were computed with python3
 * `cryptography` and checked with `openssl pkeyutl -derive` from PEM keys
 * built from the same scalars; xA/xB/ShSe bytes follow the section 8.4
 * layout from those values. DH results were computed with python3 pow()
 * over the RFC 3526 primes and are embedded as SHA-256 digests.
 */
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "test.h"
#include "zto/zto_kex.h"
#include "zto/zto_util.h"

/* ---- helpers ---- */

static void
set_state(struct zto_kex *k, int suite, int role, const char *secret_hex,
          const char *random_hex)
{
    memset(k, 0, sizeof(*k));
    k->suite = suite;
    k->role = role;
    k->secret_len = test_unhex(secret_hex, k->secret, sizeof(k->secret));
    if (random_hex != NULL)
        k->random_len = test_unhex(random_hex, k->random, sizeof(k->random));
}

/* Derive from an exact-size heap copy of the peer value. */
static zto_err_t
derive(const struct zto_kex *k, const uint8_t *peer, size_t n,
       const struct zto_key *priv, uint8_t *shse, size_t *shse_len,
       uint8_t *ctx, size_t *ctx_len)
{
    unsigned char *c = test_exact_copy(peer, n);
    zto_err_t r = zto_kex_derive(k, c, n, priv, shse, ZTO_KEX_SHSE_MAX,
                                 shse_len, ctx, 96, ctx_len);
    free(c);
    return r;
}

static void
sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    struct zto_hash_buf h;

    if (zto_hash(ZTO_HASH_SHA256, p, n, &h) != ZTO_OK || h.len != 32)
        abort();
    memcpy(out, h.value, 32);
}

/* ---- names and the section 8.1 table ---- */

static void
test_names(void)
{
    static const char *names[] = {"ECDH256",   "ECDH384",     "DHKEXid14",
                                  "DHKEXid15", "ASYMKEX2048", "ASYMKEX3072"};
    int suite = 0;
    size_t i;

    for (i = 0; i < 6; i++) {
        ASSERT_OK(zto_kex_suite_from_name((const uint8_t *)names[i],
                                          strlen(names[i]), &suite));
        ASSERT_EQ(suite, (int)i + 1);
        ASSERT_TRUE(strcmp(zto_kex_suite_name(suite), names[i]) == 0);
    }
    ASSERT_ERR(zto_kex_suite_from_name((const uint8_t *)"ecdh256", 7, &suite),
               ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_kex_suite_from_name((const uint8_t *)"ECDH2560", 8, &suite),
               ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_kex_suite_from_name((const uint8_t *)"ECDH25", 6, &suite),
               ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_kex_suite_from_name((const uint8_t *)"", 0, &suite),
               ZTO_E_UNSUPPORTED);
    ASSERT_TRUE(zto_kex_suite_name(0) == NULL);
    ASSERT_TRUE(zto_kex_suite_name(7) == NULL);
}

static struct zto_key ec256, ec384, rsa2048, rsa3072;

static void
test_allowed(void)
{
    /* Rows of the section 8.1 table: (device, owner) -> allowed suites. */
    struct {
        const struct zto_key *dev, *own;
        unsigned mask; /* bit (suite - 1) */
    } rows[] = {
        {&ec256, &rsa2048, 1u << 2 | 1u << 4},
        {&ec384, &rsa2048, 1u << 2 | 1u << 4},
        {&ec256, &rsa3072, 1u << 3 | 1u << 5},
        {&ec384, &rsa3072, 1u << 3 | 1u << 5},
        {&ec256, &ec256, 1u << 0},
        {&ec384, &ec256, 1u << 0},
        {&ec256, &ec384, 1u << 1},
        {&ec384, &ec384, 1u << 1},
    };
    size_t i;
    int s;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        for (s = 1; s <= 6; s++) {
            zto_err_t want = (rows[i].mask >> (s - 1)) & 1 ? ZTO_OK : ZTO_E_KEY;
            ASSERT_ERR(zto_kex_suite_allowed(s, rows[i].dev, rows[i].own),
                       want);
        }
    }
    ASSERT_ERR(zto_kex_suite_allowed(0, &ec256, &ec256), ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_kex_suite_allowed(7, &ec256, &ec256), ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_kex_suite_allowed(1, NULL, &ec256), ZTO_E_ARG);
}

/* ---- ECDH known answers ---- */

struct ecdh_kat {
    int suite;
    const char *da, *ra, *db, *rb, *xa, *xb, *shse;
};

static const struct ecdh_kat ecdh_kats[] = {
    {ZTO_KEX_ECDH256,
     "a56b42b10ef5cd3cbceb35302464f84595dd6fd6070accdfc3a44c34b9c6e3e7",
     "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "d129b8004f021eb83d458348e5f6f28c70113bcddf07a4f57c4010c965e10d6b",
     "101112131415161718191a1b1c1d1e1f",
     "0020e1530a31fce2677c710906e265e28ccf4839666f5f23207580bbe2403575ba42"
     "0020961b8efab6115115a3e537d8c234c8e0de34b9778516b3560a649cb08f84a640"
     "0010a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "0020bf79513104af33268b2195bb9d5b582851a6d984cc7ff40d0649d48529ddf510"
     "0020f6ee5c25490b1d5cb89b90eece7d824e17feed85847803fa7a2d436b7c662360"
     "0010101112131415161718191a1b1c1d1e1f",
     /* Shx || DeviceRandom || OwnerRandom */
     "dbc62216b8bdadf0eec8d1506f982b5bf96a9f79f5482b29bc719dd07d57591a"
     "101112131415161718191a1b1c1d1e1f"
     "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"},
    {ZTO_KEX_ECDH384,
     "9e9d1b43c0cf44f1519d166d50b637586a1eebfc181c1214112994f2a13158e9"
     "c3a700cf3056e2bf88131bef7c6e2cd8",
     "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
     "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
     "fd0a86ddd34ab19342ae0fb701d980060124528a31007bbf7dd2f74017a74f06"
     "5e186d35de40f6d68042ad3ce2d6c3e0",
     "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
     "303132333435363738393a3b3c3d3e3f",
     "00306e8c6c14f14b838aedf29449bff49deb6db7ea447ad4da0eb29d9f851c4409"
     "5ec19d6d8b57d306474d41d13cb139e9ff"
     "0030d91c1fb02ddb9a4aec5cb21dede7f2a1059b58154d1b7c249d9d4b2fec536c"
     "49d0a4b3b2ab46366169ce4009c90df24b"
     "0030a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbe"
     "bfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
     "0030100f931c73809fdb04f448df130c87d798d8847cbab4e66fab59018764fa2c"
     "fb94bb434803fee63a8b7469b13310eba3"
     "0030d1f382f065463407fca68df375585592a2cff56dbadb0ecca91d71c6fbc485"
     "a24e68df3191e508a188f49700b87bcb7d"
     "0030101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e"
     "2f303132333435363738393a3b3c3d3e3f",
     "5d5efff362ca8a0da36034f0b603ef4b9d802423adcd0ff6786dd2994ef85a38"
     "f28c3b4f61b16de21a7780f42f0816f3"
     "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
     "303132333435363738393a3b3c3d3e3f"
     "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
     "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"},
};

static void
test_ecdh_kat(void)
{
    size_t i;

    for (i = 0; i < 2; i++) {
        const struct ecdh_kat *v = &ecdh_kats[i];
        struct zto_kex own, dev;
        uint8_t xa[200], xb[200], want_xa[200], want_xb[200];
        uint8_t shse[ZTO_KEX_SHSE_MAX], want[200], ctx[96];
        size_t xa_len = 0, xb_len = 0, shse_len = 0, ctx_len = 99, n;

        set_state(&own, v->suite, ZTO_KEX_OWNER, v->da, v->ra);
        set_state(&dev, v->suite, ZTO_KEX_DEVICE, v->db, v->rb);
        ASSERT_OK(zto_kex_param(&own, NULL, xa, sizeof(xa), &xa_len));
        n = test_unhex(v->xa, want_xa, sizeof(want_xa));
        ASSERT_EQ(xa_len, n);
        ASSERT_EQ(xa_len, i == 0 ? 86 : 150);
        ASSERT_MEM_EQ(xa, want_xa, n);
        ASSERT_OK(zto_kex_param(&dev, NULL, xb, sizeof(xb), &xb_len));
        n = test_unhex(v->xb, want_xb, sizeof(want_xb));
        ASSERT_EQ(xb_len, n);
        ASSERT_MEM_EQ(xb, want_xb, n);

        n = test_unhex(v->shse, want, sizeof(want));
        ASSERT_OK(
            derive(&own, xb, xb_len, NULL, shse, &shse_len, ctx, &ctx_len));
        ASSERT_EQ(shse_len, n);
        ASSERT_EQ(shse_len, i == 0 ? 64 : 144);
        ASSERT_MEM_EQ(shse, want, n);
        ASSERT_EQ(ctx_len, 0);
        shse_len = 0;
        ASSERT_OK(
            derive(&dev, xa, xa_len, NULL, shse, &shse_len, ctx, &ctx_len));
        ASSERT_EQ(shse_len, n);
        ASSERT_MEM_EQ(shse, want, n);

        /* Too small output buffers. */
        ASSERT_ERR(zto_kex_param(&own, NULL, xa, xa_len - 1, &xa_len),
                   ZTO_E_BUF_TOO_SMALL);
        ASSERT_ERR(zto_kex_derive(&own, xb, xb_len, NULL, shse, n - 1,
                                  &shse_len, NULL, 0, &ctx_len),
                   ZTO_E_BUF_TOO_SMALL);
    }
}

/* Leading zero bytes: fixed width out, left-padding in. */
static void
test_ecdh_zero_bytes(void)
{
    /* This P-256 scalar has a public x starting with 0x00. */
    static const char zx_d[] =
        "e2981a5e23b60f3203e01b154361311bb9473752dc4447cf0cc0d7ffe41a5c76";
    static const char zx_x[] =
        "004a742726e8f3d42e1388653e572152b9f1a57cda30884be949d0e33588e725";
    static const char zx_y[] =
        "8b1831efd156567bb9207f533bdbeacde83b74f69bdec5c8e5b91f3b5b9cb573";
    /* With the KAT owner scalar this device scalar gives Shx = 00a4... */
    static const char zs_db[] =
        "ce110f97d5482189d35a41c6b2d5bd959449c255ab4289ce8879b1126672c009";
    static const char zs_shx[] =
        "00a4011bd7710cab169c44b10d60f634e2a14c6e62340a8e25b7a474b2d171a4";
    const struct ecdh_kat *v = &ecdh_kats[0];
    struct zto_kex own, dev;
    uint8_t xa[100], xb[100], minimal[100], shse[ZTO_KEX_SHSE_MAX];
    uint8_t shse2[ZTO_KEX_SHSE_MAX], want[64], ctx[96];
    size_t xa_len, xb_len, shse_len, shse2_len, ctx_len;

    /* Own x = 00 4a ...: still 32 bytes with length 0x0020. */
    set_state(&dev, ZTO_KEX_ECDH256, ZTO_KEX_DEVICE, zx_d, v->rb);
    ASSERT_OK(zto_kex_param(&dev, NULL, xb, sizeof(xb), &xb_len));
    ASSERT_EQ(xb_len, 86);
    test_unhex(zx_x, want, sizeof(want));
    ASSERT_TRUE(xb[0] == 0x00 && xb[1] == 0x20 && xb[2] == 0x00);
    ASSERT_MEM_EQ(xb + 2, want, 32);
    test_unhex(zx_y, want, sizeof(want));
    ASSERT_TRUE(xb[34] == 0x00 && xb[35] == 0x20);
    ASSERT_MEM_EQ(xb + 36, want, 32);

    /* A peer that strips the zero (31-byte x) derives the same ShSe. */
    set_state(&own, ZTO_KEX_ECDH256, ZTO_KEX_OWNER, v->da, v->ra);
    ASSERT_OK(derive(&own, xb, xb_len, NULL, shse, &shse_len, ctx, &ctx_len));
    minimal[0] = 0x00;
    minimal[1] = 31;
    memcpy(minimal + 2, xb + 3, 31);
    memcpy(minimal + 33, xb + 34, xb_len - 34);
    ASSERT_OK(derive(&own, minimal, xb_len - 1, NULL, shse2, &shse2_len, ctx,
                     &ctx_len));
    ASSERT_EQ(shse2_len, shse_len);
    ASSERT_MEM_EQ(shse2, shse, shse_len);

    /* Shx = 00 a4 ...: ShSe keeps all 32 bytes of it on both sides. */
    set_state(&dev, ZTO_KEX_ECDH256, ZTO_KEX_DEVICE, zs_db, v->rb);
    ASSERT_OK(zto_kex_param(&own, NULL, xa, sizeof(xa), &xa_len));
    ASSERT_OK(zto_kex_param(&dev, NULL, xb, sizeof(xb), &xb_len));
    ASSERT_OK(derive(&own, xb, xb_len, NULL, shse, &shse_len, ctx, &ctx_len));
    ASSERT_OK(derive(&dev, xa, xa_len, NULL, shse2, &shse2_len, ctx, &ctx_len));
    test_unhex(zs_shx, want, sizeof(want));
    ASSERT_EQ(shse_len, 64);
    ASSERT_EQ(shse2_len, 64);
    ASSERT_MEM_EQ(shse, want, 32);
    ASSERT_MEM_EQ(shse2, shse, 64);
    ASSERT_EQ(shse[0], 0x00);
}

static void
test_ecdh_reject(void)
{
    const struct ecdh_kat *v = &ecdh_kats[0];
    struct zto_kex own;
    uint8_t xb[100], bad[160], shse[ZTO_KEX_SHSE_MAX], ctx[96];
    size_t xb_len, n, shse_len, ctx_len;

    set_state(&own, ZTO_KEX_ECDH256, ZTO_KEX_OWNER, v->da, v->ra);
    xb_len = test_unhex(v->xb, xb, sizeof(xb));

    /* Off the curve: change one bit of y. */
    memcpy(bad, xb, xb_len);
    bad[36 + 31] ^= 1;
    ASSERT_ERR(derive(&own, bad, xb_len, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    /* (0, 0) and x = y = p - 1 are not points. */
    memset(bad + 2, 0, 32);
    memset(bad + 36, 0, 32);
    ASSERT_ERR(derive(&own, bad, xb_len, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    memset(bad + 2, 0xff, 32);
    memset(bad + 36, 0xff, 32);
    ASSERT_ERR(derive(&own, bad, xb_len, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    /* A P-384 parameter given to a P-256 exchange. */
    n = test_unhex(ecdh_kats[1].xb, bad, sizeof(bad));
    ASSERT_ERR(derive(&own, bad, n, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_RANGE);

    /* Every truncation fails cleanly. */
    for (n = 0; n < xb_len; n++)
        ASSERT_FAILS(derive(&own, xb, n, NULL, shse, &shse_len, ctx, &ctx_len));
    /* Trailing byte. */
    memcpy(bad, xb, xb_len);
    bad[xb_len] = 0;
    ASSERT_ERR(
        derive(&own, bad, xb_len + 1, NULL, shse, &shse_len, ctx, &ctx_len),
        ZTO_E_TRAILING);
    /* Coordinate of 33 bytes (0x00 prefix), random of 17, empty fields. */
    bad[0] = 0;
    bad[1] = 33;
    bad[2] = 0;
    memcpy(bad + 3, xb + 2, xb_len - 2);
    ASSERT_ERR(
        derive(&own, bad, xb_len + 1, NULL, shse, &shse_len, ctx, &ctx_len),
        ZTO_E_RANGE);
    memcpy(bad, xb, xb_len);
    bad[69] = 17;
    bad[xb_len] = 0x20;
    ASSERT_ERR(
        derive(&own, bad, xb_len + 1, NULL, shse, &shse_len, ctx, &ctx_len),
        ZTO_E_RANGE);
    memcpy(bad, xb, 68);
    bad[68] = 0;
    bad[69] = 0;
    ASSERT_ERR(derive(&own, bad, 70, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_RANGE);
    bad[0] = 0;
    bad[1] = 0;
    ASSERT_ERR(derive(&own, bad, 2, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_RANGE);
    /* A shorter random (a peer that dropped a leading zero) is used as
     * sent: ShSe = Shx || DeviceRandom(15) || OwnerRandom. */
    memcpy(bad, xb, xb_len);
    bad[69] = 15;
    ASSERT_OK(
        derive(&own, bad, xb_len - 1, NULL, shse, &shse_len, ctx, &ctx_len));
    ASSERT_EQ(shse_len, 32 + 15 + 16);
    ASSERT_MEM_EQ(shse + 32, xb + 70, 15);
    ASSERT_MEM_EQ(shse + 47, own.random, 16);

    /* Corrupt state: a scalar of 0 or the wrong size. */
    memset(own.secret, 0, 32);
    ASSERT_ERR(derive(&own, xb, xb_len, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_STATE);
    own.secret_len = 31;
    ASSERT_ERR(zto_kex_param(&own, NULL, bad, sizeof(bad), &n), ZTO_E_STATE);
}

/* ---- DH ---- */

static const char p14_hex[] =
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
    "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff";

struct dh_kat {
    int suite;
    size_t plen;
    const char *a, *b, *xa_sha, *xb_sha, *shse_sha;
};

static const struct dh_kat dh_kats[] = {
    {ZTO_KEX_DHKEXID14, 256,
     "112233445566778899aabbccddeeff112233445566778899aabbccddeeff1122",
     "3c434a51585f666d747b828990979ea5acb3bac1c8cfd6dde4ebf2f900070e15",
     "a60750e9c903011d5651733999c8c42594600ab5ce133de7f7c5ebb7671bee96",
     "ec225dd313ec678ed268999c9f47070c2461f641533e3d7a8c9362076e59a09a",
     "595a234c9b7708baf677568bf886676a93af2926c6e5ec5e779e794be1a739fb"},
    {ZTO_KEX_DHKEXID15, 384,
     "112233445566778899aabbccddeeff112233445566778899aabbccddeeff1122"
     "33445566778899aabbccddeeff112233445566778899aabbccddeeff11223344"
     "5566778899aabbccddeeff112233445566778899aabbccddeeff112233445566",
     "3c434a51585f666d747b828990979ea5acb3bac1c8cfd6dde4ebf2f900070e15"
     "1c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef5"
     "fc030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5",
     "5b68b514fa7d0f3778e4ccb6d33067c3e9fbbaaae35c3feb3934c4e9a872d17a",
     "d0764583feb798ea4abc589433f84aa769d28ecc3ea3f3bc6df7415189e0c541",
     "42d38d533b6a71f2d08e46c30fabbcf49ac17783c28fadcb062cf4f276711024"},
};

static void
test_dh_kat(void)
{
    size_t i;

    for (i = 0; i < 2; i++) {
        const struct dh_kat *v = &dh_kats[i];
        struct zto_kex own, dev;
        uint8_t xa[400], xb[400], shse[ZTO_KEX_SHSE_MAX], shse2[400];
        uint8_t dg[32], want[32], ctx[96];
        size_t xa_len, xb_len, shse_len, shse2_len, ctx_len = 9;

        set_state(&own, v->suite, ZTO_KEX_OWNER, v->a, NULL);
        set_state(&dev, v->suite, ZTO_KEX_DEVICE, v->b, NULL);
        ASSERT_OK(zto_kex_param(&own, NULL, xa, sizeof(xa), &xa_len));
        ASSERT_EQ(xa_len, v->plen);
        sha256(xa, xa_len, dg);
        test_unhex(v->xa_sha, want, sizeof(want));
        ASSERT_MEM_EQ(dg, want, 32);
        ASSERT_OK(zto_kex_param(&dev, NULL, xb, sizeof(xb), &xb_len));
        ASSERT_EQ(xb_len, v->plen);
        sha256(xb, xb_len, dg);
        test_unhex(v->xb_sha, want, sizeof(want));
        ASSERT_MEM_EQ(dg, want, 32);

        ASSERT_OK(
            derive(&own, xb, xb_len, NULL, shse, &shse_len, ctx, &ctx_len));
        ASSERT_EQ(shse_len, v->plen);
        ASSERT_EQ(ctx_len, 0);
        sha256(shse, shse_len, dg);
        test_unhex(v->shse_sha, want, sizeof(want));
        ASSERT_MEM_EQ(dg, want, 32);
        ASSERT_OK(
            derive(&dev, xa, xa_len, NULL, shse2, &shse2_len, ctx, &ctx_len));
        ASSERT_EQ(shse2_len, v->plen);
        ASSERT_MEM_EQ(shse2, shse, shse_len);

        /* A leading 0x00 (two's complement style) reads the same. */
        shse2[0] = 0;
        memcpy(shse2 + 1, xb, xb_len);
        ASSERT_OK(derive(&own, shse2, xb_len + 1, NULL, shse2, &shse2_len, ctx,
                         &ctx_len));
        ASSERT_MEM_EQ(shse2, shse, shse_len);
    }
}

static void
test_dh_edges(void)
{
    /* With exponent a of the group 14 KAT, this b gives ShSe = 00 97 64..
     * (python3 pow()), which must stay 256 bytes wide. */
    static const char zb[] =
        "90f6cbb62510a2ee993b0f5ce517695cf1d0bb1556d330ad9e61597377879824";
    static const char z_sha[] =
        "32ffc7fa70f02e6a1ed4419e4942855a689f27f4a9356453d53b37fa275aa0dc";
    struct zto_kex own, dev;
    uint8_t p[256], v[257], xa[300], shse[ZTO_KEX_SHSE_MAX], dg[32];
    uint8_t want[32], ctx[96];
    size_t xa_len, shse_len, ctx_len;
    int i;

    set_state(&own, ZTO_KEX_DHKEXID14, ZTO_KEX_OWNER, dh_kats[0].a, NULL);
    set_state(&dev, ZTO_KEX_DHKEXID14, ZTO_KEX_DEVICE, zb, NULL);
    ASSERT_OK(zto_kex_param(&own, NULL, xa, sizeof(xa), &xa_len));
    ASSERT_OK(derive(&dev, xa, xa_len, NULL, shse, &shse_len, ctx, &ctx_len));
    ASSERT_EQ(shse_len, 256);
    ASSERT_EQ(shse[0], 0x00);
    ASSERT_EQ(shse[1], 0x97);
    sha256(shse, 256, dg);
    test_unhex(z_sha, want, sizeof(want));
    ASSERT_MEM_EQ(dg, want, 32);

    /* Peer values 0, 1, p-1, p and 2^2048-1 are refused; 2 and p-2
     * are in range. */
    test_unhex(p14_hex, p, sizeof(p));
    memset(v, 0, sizeof(v));
    ASSERT_ERR(derive(&own, v, 256, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    ASSERT_ERR(derive(&own, v, 1, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    v[255] = 1;
    ASSERT_ERR(derive(&own, v, 256, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    v[255] = 2;
    ASSERT_OK(derive(&own, v, 256, NULL, shse, &shse_len, ctx, &ctx_len));
    ASSERT_OK(derive(&own, v + 255, 1, NULL, shse, &shse_len, ctx, &ctx_len));
    memcpy(v, p, 256);
    v[255] -= 1;
    ASSERT_ERR(derive(&own, v, 256, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    v[255] -= 1;
    ASSERT_OK(derive(&own, v, 256, NULL, shse, &shse_len, ctx, &ctx_len));
    memcpy(v, p, 256);
    ASSERT_ERR(derive(&own, v, 256, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    memset(v, 0xff, 256);
    ASSERT_ERR(derive(&own, v, 256, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    /* p with a leading 0x00 is still p. */
    v[0] = 0;
    memcpy(v + 1, p, 256);
    ASSERT_ERR(derive(&own, v, 257, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_KEY);
    ASSERT_ERR(derive(&own, v, 0, NULL, shse, &shse_len, ctx, &ctx_len),
               ZTO_E_RANGE);
    /* Buffers and state. */
    ASSERT_ERR(zto_kex_param(&own, NULL, xa, 255, &xa_len),
               ZTO_E_BUF_TOO_SMALL);
    ASSERT_ERR(zto_kex_derive(&own, xa, xa_len, NULL, shse, 255, &shse_len,
                              NULL, 0, &ctx_len),
               ZTO_E_BUF_TOO_SMALL);
    own.secret_len = 31;
    ASSERT_ERR(zto_kex_param(&own, NULL, xa, sizeof(xa), &xa_len), ZTO_E_STATE);
    /* Fresh exponents are 32 / 96 bytes and differ run to run. */
    for (i = 0; i < 2; i++) {
        ASSERT_OK(zto_kex_start(&own, ZTO_KEX_DHKEXID14 + i, ZTO_KEX_OWNER));
        ASSERT_EQ(own.secret_len, i == 0 ? 32 : 96);
        ASSERT_OK(zto_kex_start(&dev, ZTO_KEX_DHKEXID14 + i, ZTO_KEX_OWNER));
        ASSERT_TRUE(memcmp(own.secret, dev.secret, own.secret_len) != 0);
    }
}

/* ---- ASYMKEX ---- */

/* Independent OAEP-SHA256 decryption with OpenSSL. */
static size_t
oaep_decrypt(const struct zto_key *key, const uint8_t *in, size_t n,
             uint8_t *out, size_t cap)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key->impl, NULL);
    size_t len = cap;

    if (ctx == NULL || EVP_PKEY_decrypt_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0 ||
        EVP_PKEY_decrypt(ctx, out, &len, in, n) <= 0)
        len = 0;
    EVP_PKEY_CTX_free(ctx);
    return len;
}

static void
test_asym(void)
{
    int i;

    for (i = 0; i < 2; i++) {
        int suite = i == 0 ? ZTO_KEX_ASYMKEX2048 : ZTO_KEX_ASYMKEX3072;
        const struct zto_key *key = i == 0 ? &rsa2048 : &rsa3072;
        const struct zto_key *other = i == 0 ? &rsa3072 : &rsa2048;
        size_t rlen = i == 0 ? 32 : 96, mlen = i == 0 ? 256 : 384;
        struct zto_kex own, dev;
        struct zto_key pub_only = *key;
        uint8_t xa[400], xb[400], bad[400], plain[400];
        uint8_t s1[ZTO_KEX_SHSE_MAX], s2[ZTO_KEX_SHSE_MAX], c1[96], c2[96];
        size_t xa_len, xb_len, l1, l2, cl1, cl2, k;

        ASSERT_OK(zto_kex_start(&own, suite, ZTO_KEX_OWNER));
        ASSERT_OK(zto_kex_start(&dev, suite, ZTO_KEX_DEVICE));
        ASSERT_EQ(own.secret_len, rlen);
        ASSERT_EQ(dev.secret_len, rlen);

        /* xA is OwnerRandom itself. */
        ASSERT_OK(zto_kex_param(&own, NULL, xa, sizeof(xa), &xa_len));
        ASSERT_EQ(xa_len, rlen);
        ASSERT_MEM_EQ(xa, own.secret, rlen);
        /* xB is OAEP(DeviceRandom) under the owner key. */
        ASSERT_OK(zto_kex_param(&dev, key, xb, sizeof(xb), &xb_len));
        ASSERT_EQ(xb_len, mlen);
        ASSERT_EQ(oaep_decrypt(key, xb, xb_len, plain, sizeof(plain)), rlen);
        ASSERT_MEM_EQ(plain, dev.secret, rlen);

        /* ShSe = DeviceRandom, ContextRand = OwnerRandom on both sides. */
        ASSERT_OK(derive(&own, xb, xb_len, key, s1, &l1, c1, &cl1));
        ASSERT_OK(derive(&dev, xa, xa_len, NULL, s2, &l2, c2, &cl2));
        ASSERT_EQ(l1, rlen);
        ASSERT_EQ(l2, rlen);
        ASSERT_EQ(cl1, rlen);
        ASSERT_EQ(cl2, rlen);
        ASSERT_MEM_EQ(s1, dev.secret, rlen);
        ASSERT_MEM_EQ(s2, dev.secret, rlen);
        ASSERT_MEM_EQ(c1, own.secret, rlen);
        ASSERT_MEM_EQ(c2, own.secret, rlen);

        /* Tampered xB fails OAEP. */
        for (k = 0; k < xb_len; k += 37) {
            memcpy(bad, xb, xb_len);
            bad[k] ^= 0x40;
            ASSERT_FAILS(derive(&own, bad, xb_len, key, s1, &l1, c1, &cl1));
        }
        memcpy(bad, xb, xb_len);
        bad[xb_len - 1] ^= 1;
        ASSERT_FAILS(derive(&own, bad, xb_len, key, s1, &l1, c1, &cl1));
        ASSERT_ERR(derive(&own, xb, xb_len - 1, key, s1, &l1, c1, &cl1),
                   ZTO_E_RANGE);
        /* Wrong key size, no private key, no key. */
        ASSERT_ERR(derive(&own, xb, xb_len, other, s1, &l1, c1, &cl1),
                   ZTO_E_KEY);
        ASSERT_ERR(derive(&own, xb, xb_len, &ec256, s1, &l1, c1, &cl1),
                   ZTO_E_KEY);
        pub_only.has_private = false;
        ASSERT_ERR(derive(&own, xb, xb_len, &pub_only, s1, &l1, c1, &cl1),
                   ZTO_E_KEY);
        ASSERT_ERR(derive(&own, xb, xb_len, NULL, s1, &l1, c1, &cl1),
                   ZTO_E_ARG);
        ASSERT_ERR(zto_kex_param(&dev, other, xb, sizeof(xb), &xb_len),
                   ZTO_E_KEY);
        ASSERT_ERR(zto_kex_param(&dev, NULL, xb, sizeof(xb), &xb_len),
                   ZTO_E_ARG);
        ASSERT_ERR(zto_kex_param(&dev, key, xb, mlen - 1, &xb_len),
                   ZTO_E_BUF_TOO_SMALL);
        /* Device: xA must be exactly the random size. */
        ASSERT_ERR(derive(&dev, xa, xa_len - 1, NULL, s2, &l2, c2, &cl2),
                   ZTO_E_RANGE);
        ASSERT_ERR(derive(&dev, xb, xa_len + 1, NULL, s2, &l2, c2, &cl2),
                   ZTO_E_RANGE);
        ASSERT_ERR(zto_kex_derive(&dev, xa, xa_len, NULL, s2, sizeof(s2), &l2,
                                  c2, rlen - 1, &cl2),
                   ZTO_E_BUF_TOO_SMALL);
    }
}

/* ---- every suite, fresh keys, both sides agree ---- */

static void
test_agreement(void)
{
    int suite, round;

    for (suite = ZTO_KEX_ECDH256; suite <= ZTO_KEX_ASYMKEX3072; suite++) {
        const struct zto_key *okey = suite == ZTO_KEX_ASYMKEX2048   ? &rsa2048
                                     : suite == ZTO_KEX_ASYMKEX3072 ? &rsa3072
                                                                    : NULL;
        for (round = 0; round < 3; round++) {
            struct zto_kex own, dev;
            uint8_t xa[400], xb[400];
            uint8_t s1[ZTO_KEX_SHSE_MAX], s2[ZTO_KEX_SHSE_MAX];
            uint8_t c1[96], c2[96], k1[32], k2[32];
            size_t xa_len, xb_len, l1 = 0, l2 = 1, cl1 = 0, cl2 = 1;

            ASSERT_OK(zto_kex_start(&own, suite, ZTO_KEX_OWNER));
            ASSERT_OK(zto_kex_start(&dev, suite, ZTO_KEX_DEVICE));
            ASSERT_OK(zto_kex_param(&own, NULL, xa, sizeof(xa), &xa_len));
            ASSERT_OK(zto_kex_param(&dev, okey, xb, sizeof(xb), &xb_len));
            ASSERT_TRUE(xa_len <= ZTO_KEX_PARAM_MAX);
            ASSERT_TRUE(xb_len <= ZTO_KEX_PARAM_MAX);
            ASSERT_OK(derive(&own, xb, xb_len, okey, s1, &l1, c1, &cl1));
            ASSERT_OK(derive(&dev, xa, xa_len, NULL, s2, &l2, c2, &cl2));
            ASSERT_EQ(l1, l2);
            ASSERT_MEM_EQ(s1, s2, l1);
            ASSERT_EQ(cl1, cl2);
            ASSERT_MEM_EQ(c1, c2, cl1);
            ASSERT_OK(zto_kdf(ZTO_HMAC_SHA256, s1, l1, c1, cl1, k1, 32));
            ASSERT_OK(zto_kdf(ZTO_HMAC_SHA256, s2, l2, c2, cl2, k2, 32));
            ASSERT_MEM_EQ(k1, k2, 32);
            /* Expected sizes (section 8.4). */
            switch (suite) {
            case ZTO_KEX_ECDH256:
                ASSERT_TRUE(xa_len == 86 && xb_len == 86 && l1 == 64);
                break;
            case ZTO_KEX_ECDH384:
                ASSERT_TRUE(xa_len == 150 && xb_len == 150 && l1 == 144);
                break;
            case ZTO_KEX_DHKEXID14:
                ASSERT_TRUE(xa_len == 256 && xb_len == 256 && l1 == 256);
                break;
            case ZTO_KEX_DHKEXID15:
                ASSERT_TRUE(xa_len == 384 && xb_len == 384 && l1 == 384);
                break;
            case ZTO_KEX_ASYMKEX2048:
                ASSERT_TRUE(xa_len == 32 && xb_len == 256 && l1 == 32);
                break;
            default:
                ASSERT_TRUE(xa_len == 96 && xb_len == 384 && l1 == 96);
                break;
            }
            zto_kex_wipe(&own);
            zto_kex_wipe(&dev);
        }
    }
}

static void
test_misc(void)
{
    struct zto_kex k;
    uint8_t zero[sizeof(k)], buf[16], s[ZTO_KEX_SHSE_MAX];
    size_t n, cn;

    ASSERT_ERR(zto_kex_start(&k, 0, ZTO_KEX_OWNER), ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_kex_start(&k, 7, ZTO_KEX_OWNER), ZTO_E_UNSUPPORTED);
    ASSERT_ERR(zto_kex_start(&k, ZTO_KEX_ECDH256, 3), ZTO_E_ARG);
    ASSERT_ERR(zto_kex_start(NULL, ZTO_KEX_ECDH256, 1), ZTO_E_ARG);
    /* A wiped state cannot be used. */
    ASSERT_OK(zto_kex_start(&k, ZTO_KEX_ECDH384, ZTO_KEX_DEVICE));
    zto_kex_wipe(&k);
    memset(zero, 0, sizeof(zero));
    ASSERT_MEM_EQ(&k, zero, sizeof(k));
    ASSERT_ERR(zto_kex_param(&k, NULL, buf, sizeof(buf), &n), ZTO_E_STATE);
    ASSERT_ERR(zto_kex_derive(&k, buf, 1, NULL, s, sizeof(s), &n, NULL, 0, &cn),
               ZTO_E_STATE);
    zto_kex_wipe(NULL);
}

int
main(void)
{
    TEST_START("kex");
    zto_key_init(&ec256);
    zto_key_init(&ec384);
    zto_key_init(&rsa2048);
    zto_key_init(&rsa3072);
    if (zto_key_generate(ZTO_PK_SECP256R1, 256, &ec256) != ZTO_OK ||
        zto_key_generate(ZTO_PK_SECP384R1, 384, &ec384) != ZTO_OK ||
        zto_key_generate(ZTO_PK_RSA2048RESTR, 2048, &rsa2048) != ZTO_OK ||
        zto_key_generate(ZTO_PK_RSAPKCS, 3072, &rsa3072) != ZTO_OK) {
        fprintf(stderr, "key generation failed\n");
        return 2;
    }
    test_names();
    test_allowed();
    test_ecdh_kat();
    test_ecdh_zero_bytes();
    test_ecdh_reject();
    test_dh_kat();
    test_dh_edges();
    test_asym();
    test_agreement();
    test_misc();
    zto_key_free(&ec256);
    zto_key_free(&ec384);
    zto_key_free(&rsa2048);
    zto_key_free(&rsa3072);
    TEST_DONE();
}
