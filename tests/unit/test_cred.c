/*
 * test_cred.c - the device credential blob (FDO 1.1 section 9.1 in
 * go-fdo's layout): the go-fdo vectors decode, re-encode byte for byte,
 * match the voucher they came with; truncations, extra bytes and
 * out-of-range fields are refused.
 */
#include <stdlib.h>

#include "test.h"
#include "zto/zto.h"
#include "zto/zto_device.h"

struct set {
    const char *dir;
    int32_t hash;
};

static const struct set sets[] = {
    {"p256", ZTO_HASH_SHA256},
    {"p384", ZTO_HASH_SHA384},
};

static unsigned char *
load(const struct set *s, const char *file, size_t *n)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s/%s", ZTO_VECTORS_DIR, s->dir, file);
    return test_read_file(path, n);
}

static size_t
load_hex(const struct set *s, const char *file, uint8_t *out, size_t cap)
{
    size_t n, len = 0;
    unsigned char *t = load(s, file, &n);

    while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
        n--;
    if (zto_hex_decode((const char *)t, n, out, cap, &len) != ZTO_OK)
        len = 0;
    free(t);
    return len;
}

static void
test_vector(const struct set *s)
{
    static struct zto_device_cred c;
    struct zto_voucher v;
    struct zto_voucher_verify_opts o;
    struct zto_key k, want;
    struct zto_hash_buf h;
    uint8_t secret[64], guid[16], enc[4096];
    size_t n, vn, pn, len = 0, i;
    unsigned char *blob = load(s, "device-credential.bin", &n);
    unsigned char *ov = load(s, "voucher.cbor", &vn);
    unsigned char *pem = load(s, "device-key.pem", &pn);
    unsigned char *cp;
    int bad = 0;

    cp = test_exact_copy(blob, n);
    ASSERT_OK(zto_cred_decode(cp, n, &c));
    free(cp);
    ASSERT_TRUE(c.active);
    ASSERT_EQ(c.protver, 101);
    ASSERT_EQ(c.device_info_len, 6);
    ASSERT_MEM_EQ(c.device_info, "gotest", 6);
    ASSERT_EQ(load_hex(s, "guid.hex", guid, sizeof(guid)), 16);
    ASSERT_MEM_EQ(c.guid.b, guid, 16);
    ASSERT_EQ(load_hex(s, "device-hmac-secret.hex", secret, sizeof(secret)),
              32);
    ASSERT_EQ(c.hmac_secret_len, 32);
    ASSERT_MEM_EQ(c.hmac_secret, secret, 32);
    ASSERT_EQ(c.pubkey_hash.type, s->hash);

    /* The key is the device key of the set. */
    zto_key_init(&k);
    zto_key_init(&want);
    ASSERT_OK(zto_key_from_private_der(c.key_der, c.key_der_len, &k));
    ASSERT_OK(zto_key_from_pem((const char *)pem, pn, &want));
    ASSERT_OK(zto_key_equal(&k, &want));
    zto_key_free(&k);
    zto_key_free(&want);

    /* It belongs to the voucher: same GUID and RendezvousInfo, the
     * header HMAC verifies with the secret, DCPubKeyHash covers the
     * manufacturer key as encoded in the header. */
    ASSERT_OK(zto_voucher_decode(ov, vn, &v));
    ASSERT_MEM_EQ(v.hdr.guid.b, c.guid.b, 16);
    ASSERT_EQ(v.hdr.rvinfo.raw.len, c.rvinfo_len);
    ASSERT_MEM_EQ(v.hdr.rvinfo.raw.p, c.rvinfo, c.rvinfo_len);
    memset(&o, 0, sizeof(o));
    o.hmac_secret = c.hmac_secret;
    o.hmac_secret_len = c.hmac_secret_len;
    ASSERT_OK(zto_voucher_verify(&v, &o, NULL));
    ASSERT_OK(
        zto_hash(s->hash, v.hdr.mfg_key.raw.p, v.hdr.mfg_key.raw.len, &h));
    ASSERT_EQ(h.len, c.pubkey_hash.len);
    ASSERT_MEM_EQ(h.value, c.pubkey_hash.value, h.len);

    /* Re-encodes byte for byte; too small a buffer is refused. */
    ASSERT_OK(zto_cred_encode(&c, enc, sizeof(enc), &len));
    ASSERT_EQ(len, n);
    ASSERT_MEM_EQ(enc, blob, n);
    for (i = 0; i < n; i++)
        if (zto_cred_encode(&c, enc, i, &len) != ZTO_E_BUF_TOO_SMALL)
            bad++;
    ASSERT_EQ(bad, 0);

    /* Every proper prefix and one extra byte fail, and a failed decode
     * leaves the target untouched. */
    for (i = 0; i < n; i++) {
        struct zto_device_cred before = c;
        cp = test_exact_copy(blob, i);
        if (zto_cred_decode(cp, i, &c) == ZTO_OK ||
            memcmp(&before, &c, sizeof(c)) != 0)
            bad++;
        free(cp);
    }
    ASSERT_EQ(bad, 0);
    cp = malloc(n + 1);
    memcpy(cp, blob, n);
    cp[n] = 0xf6;
    ASSERT_ERR(zto_cred_decode(cp, n + 1, &c), ZTO_E_TRAILING);
    free(cp);

    zto_cred_wipe(&c);
    for (i = 0; i < sizeof(c); i++)
        if (((const uint8_t *)&c)[i] != 0)
            bad++;
    ASSERT_EQ(bad, 0);
    free(blob);
    free(ov);
    free(pem);
}

/* A credential of our own with every field set, encoded and patched. */
static size_t
make(struct zto_device_cred *c, uint8_t *buf, size_t cap)
{
    static const uint8_t rv[] = {0x81, 0x81, 0x82, 0x03, 0x43,
                                 0x19, 0x1f, 0x92}; /* [[[3, h'191f92']]] */
    size_t len = 0;

    memset(c, 0, sizeof(*c));
    c->active = true;
    c->protver = 101;
    memcpy(c->device_info, "model", 5);
    c->device_info_len = 5;
    memset(c->guid.b, 0x42, 16);
    memcpy(c->rvinfo, rv, sizeof(rv));
    c->rvinfo_len = sizeof(rv);
    c->pubkey_hash.type = ZTO_HASH_SHA256;
    c->pubkey_hash.len = 32;
    memset(c->pubkey_hash.value, 0x11, 32);
    memset(c->hmac_secret, 0x22, 32);
    c->hmac_secret_len = 32;
    c->key_der_len = 0; /* key held elsewhere */
    if (zto_cred_encode(c, buf, cap, &len) != ZTO_OK)
        return 0;
    return len;
}

static void
test_fields(void)
{
    static struct zto_device_cred c, d;
    uint8_t buf[512], tmp[512];
    size_t n = make(&c, buf, sizeof(buf));
    uint8_t *p;

    ASSERT_TRUE(n > 0);
    ASSERT_OK(zto_cred_decode(buf, n, &d));
    ASSERT_EQ(d.key_der_len, 0);
    ASSERT_EQ(d.rvinfo_len, 8);
    ASSERT_MEM_EQ(&d.guid, &c.guid, 16);

    /* protver is the second element: 0x18 0x65 -> 0x18 0x64 (100). */
    memcpy(tmp, buf, n);
    p = memchr(tmp, 0x65, n);
    ASSERT_TRUE(p != NULL && p[-1] == 0x18);
    p[0] = 0x64;
    ASSERT_ERR(zto_cred_decode(tmp, n, &d), ZTO_E_UNSUPPORTED);

    /* An HMAC type where the hash belongs. */
    make(&c, buf, sizeof(buf));
    c.pubkey_hash.type = ZTO_HMAC_SHA256;
    ASSERT_OK(zto_cred_encode(&c, buf, sizeof(buf), &n));
    ASSERT_ERR(zto_cred_decode(buf, n, &d), ZTO_E_RANGE);

    /* A secret shorter than 16 bytes. */
    make(&c, buf, sizeof(buf));
    c.hmac_secret_len = 15;
    ASSERT_OK(zto_cred_encode(&c, buf, sizeof(buf), &n));
    ASSERT_ERR(zto_cred_decode(buf, n, &d), ZTO_E_RANGE);

    /* A missing RendezvousInfo cannot be encoded. */
    make(&c, buf, sizeof(buf));
    c.rvinfo_len = 0;
    ASSERT_ERR(zto_cred_encode(&c, buf, sizeof(buf), &n), ZTO_E_ARG);

    /* A 7-element array (the key missing). */
    n = make(&c, buf, sizeof(buf));
    buf[0] = 0x87;
    ASSERT_FAILS(zto_cred_decode(buf, n - 1, &d));
    zto_cred_wipe(&c);
    zto_cred_wipe(&d);
}

/* Fields longer than the compile-time limits are refused, not cut. */
static void
test_limits(void)
{
    static struct zto_device_cred c, d;
    static uint8_t buf[8192];
    struct zto_cbor_enc e;
    uint8_t big[ZTO_DEV_MAX_KEY_DER + 1];
    char info[ZTO_DEV_MAX_DEVINFO + 1];
    size_t n = 0;
    int which;

    memset(big, 0x30, sizeof(big));
    memset(info, 'a', sizeof(info));
    for (which = 0; which < 3; which++) {
        make(&c, buf, sizeof(buf));
        zto_cbor_enc_init(&e, buf, sizeof(buf));
        zto_cbor_put_array(&e, 8);
        zto_cbor_put_bool(&e, true);
        zto_cbor_put_uint(&e, 101);
        zto_cbor_put_tstr(&e, info, which == 0 ? sizeof(info) : 5);
        zto_cbor_put_bstr(&e, c.guid.b, 16);
        zto_cbor_put_raw(&e, c.rvinfo, c.rvinfo_len);
        zto_hash_buf_enc(&e, &c.pubkey_hash);
        zto_cbor_put_bstr(&e, big,
                          which == 1 ? ZTO_DEV_MAX_HMAC_SECRET + 1 : 32);
        zto_cbor_put_bstr(&e, big, which == 2 ? sizeof(big) : 10);
        ASSERT_OK(zto_cbor_enc_finish(&e, &n));
        ASSERT_ERR(zto_cred_decode(buf, n, &d), ZTO_E_TOO_BIG);
    }
}

int
main(void)
{
    size_t i;

    TEST_START("cred");
    for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
        test_vector(&sets[i]);
    test_fields();
    test_limits();
    TEST_DONE();
}
