/*
 * fuzz_kex.c - the TO2 key exchange fed a hostile peer parameter
 * (zto_kex_derive: xB at the owner, xA at the device) and the suite name
 * parser.
 *
 * Input: byte 0 selects what runs. Bit 7 set: the rest is a suite name
 * (zto_kex_suite_from_name); a name that parses must be exactly the
 * canonical name of its suite. Otherwise bits 0-2 pick the suite (1..6,
 * ECDH256 .. ASYMKEX3072), bit 3 the side (0 owner, 1 device), and the
 * rest is the peer's parameter. Own ephemeral state is made once per
 * suite and side, and the owner's RSA keys are fixed test keys
 * (tests/fuzz/keys/), so a run is deterministic.
 *
 * Oracles: no crash or over-read (exact-size copy); a parameter that is
 * accepted gives a ShSe and ContextRand of the sizes the suite fixes,
 * the same ones a second time, and tunnel keys for every AEAD suite.
 */
#include "fuzz_util.h"
#include "zto/zto_kex.h"
#include "zto/zto_util.h"

static struct zto_kex own_state[7][2];
static bool have_state[7][2];
static struct zto_key rsa[2];
static bool have_rsa[2];

static const struct zto_kex *
state(int suite, int side)
{
    if (!have_state[suite][side]) {
        FUZZ_CHECK(zto_kex_start(&own_state[suite][side], suite,
                                 side == 0 ? ZTO_KEX_OWNER : ZTO_KEX_DEVICE) ==
                   ZTO_OK);
        have_state[suite][side] = true;
    }
    return &own_state[suite][side];
}

/* The owner's RSA key for ASYMKEX: fixed test keys (tests/fuzz/keys/),
 * so seeds encrypted to them stay valid across runs. */
static const struct zto_key *
owner_key(int suite)
{
    int i = suite == ZTO_KEX_ASYMKEX3072 ? 1 : 0;

    if (suite != ZTO_KEX_ASYMKEX2048 && suite != ZTO_KEX_ASYMKEX3072)
        return NULL;
    if (!have_rsa[i]) {
        char path[512], pem[4096];
        size_t n;
        FILE *f;

        snprintf(path, sizeof(path), "%s/rsa%d.key.pem", ZTO_FUZZ_KEYS_DIR,
                 i == 0 ? 2048 : 3072);
        f = fopen(path, "rb");
        FUZZ_CHECK(f != NULL);
        n = fread(pem, 1, sizeof(pem), f);
        fclose(f);
        zto_key_init(&rsa[i]);
        FUZZ_CHECK(zto_key_from_pem(pem, n, &rsa[i]) == ZTO_OK);
        FUZZ_CHECK(rsa[i].bits == (i == 0 ? 2048u : 3072u));
        zto_zeroize(pem, sizeof(pem));
        have_rsa[i] = true;
    }
    return &rsa[i];
}

static void
names(const uint8_t *p, size_t n)
{
    const char *canon;
    int suite = 0;

    if (zto_kex_suite_from_name(p, n, &suite) != ZTO_OK)
        return;
    canon = zto_kex_suite_name(suite);
    FUZZ_CHECK(canon != NULL && strlen(canon) == n && memcmp(canon, p, n) == 0);
}

/* ZTO_FUZZ_SEEDS=DIR: a genuine peer parameter for every suite and side,
 * and every suite name. */
static void
write_seeds(const char *dir)
{
    int suite, side;

    for (suite = ZTO_KEX_ECDH256; suite <= ZTO_KEX_ASYMKEX3072; suite++) {
        const char *name = zto_kex_suite_name(suite);
        char path[512];
        FILE *f;

        for (side = 0; side < 2; side++) {
            struct zto_kex peer;
            uint8_t x[ZTO_KEX_PARAM_MAX];
            size_t n = 0;

            FUZZ_CHECK(zto_kex_start(&peer, suite,
                                     side == 0 ? ZTO_KEX_DEVICE
                                               : ZTO_KEX_OWNER) == ZTO_OK);
            FUZZ_CHECK(zto_kex_param(&peer, owner_key(suite), x, sizeof(x),
                                     &n) == ZTO_OK);
            zto_kex_wipe(&peer);
            snprintf(path, sizeof(path), "%s/%s_%s", dir, name,
                     side == 0 ? "xB" : "xA");
            if ((f = fopen(path, "wb")) == NULL)
                continue;
            fputc((suite - 1) | side << 3, f);
            fwrite(x, 1, n, f);
            fclose(f);
        }
        snprintf(path, sizeof(path), "%s/name_%s", dir, name);
        if ((f = fopen(path, "wb")) == NULL)
            continue;
        fputc(0x80, f);
        fputs(name, f);
        fclose(f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t s1[ZTO_KEX_SHSE_MAX], s2[ZTO_KEX_SHSE_MAX];
    static uint8_t c1[96], c2[96];
    static const int32_t aead[] = {1, 3, 30, 31, 32, 33};
    const struct zto_kex *k;
    const struct zto_key *ok;
    uint8_t *peer;
    size_t l1 = 0, l2 = 0, cl1 = 0, cl2 = 0, i;
    int suite, side;
    zto_err_t r;

    static bool seeded;

    if (!seeded && getenv("ZTO_FUZZ_SEEDS") != NULL)
        write_seeds(getenv("ZTO_FUZZ_SEEDS"));
    seeded = true;
    if (size < 1)
        return 0;
    peer = malloc(size > 1 ? size - 1 : 1);
    FUZZ_CHECK(peer != NULL);
    memcpy(peer, data + 1, size - 1);
    if (data[0] & 0x80) {
        names(peer, size - 1);
        free(peer);
        return 0;
    }
    suite = (data[0] & 7) % 6 + 1;
    side = (data[0] >> 3) & 1;
    k = state(suite, side);
    ok = side == 0 ? owner_key(suite) : NULL;
    r = zto_kex_derive(k, peer, size - 1, ok, s1, sizeof(s1), &l1, c1,
                       sizeof(c1), &cl1);
    if (r == ZTO_OK) {
        /* ContextRand: OwnerRandom for ASYMKEX, empty otherwise. */
        FUZZ_CHECK(l1 > 0 && l1 <= sizeof(s1) && cl1 <= sizeof(c1));
        FUZZ_CHECK((cl1 > 0) == (suite >= ZTO_KEX_ASYMKEX2048));
        FUZZ_CHECK(size - 1 <= ZTO_KEX_PARAM_MAX);
        switch (suite) {
        case ZTO_KEX_ECDH256:
            /* Shx, own random, the peer's random as sent (1..16). */
            FUZZ_CHECK(l1 > 32 + 16 && l1 <= 32 + 16 + 16);
            break;
        case ZTO_KEX_ECDH384:
            FUZZ_CHECK(l1 > 48 + 48 && l1 <= 48 + 48 + 48);
            break;
        case ZTO_KEX_DHKEXID14:
            FUZZ_CHECK(l1 == 256);
            break;
        case ZTO_KEX_DHKEXID15:
            FUZZ_CHECK(l1 == 384);
            break;
        default:
            FUZZ_CHECK(l1 == (suite == ZTO_KEX_ASYMKEX2048 ? 32u : 96u));
        }
        FUZZ_CHECK(zto_kex_derive(k, peer, size - 1, ok, s2, sizeof(s2), &l2,
                                  c2, sizeof(c2), &cl2) == ZTO_OK);
        FUZZ_CHECK(l1 == l2 && cl1 == cl2 && memcmp(s1, s2, l1) == 0 &&
                   memcmp(c1, c2, cl1) == 0);
        for (i = 0; i < sizeof(aead) / sizeof(aead[0]); i++) {
            struct zto_tunnel t;
            FUZZ_CHECK(zto_tunnel_setup(&t, aead[i], s1, l1, c1, cl1) ==
                       ZTO_OK);
            zto_tunnel_wipe(&t);
        }
    }
    zto_zeroize(s1, sizeof(s1));
    zto_zeroize(s2, sizeof(s2));
    free(peer);
    return 0;
}
