/*
 * test_ov_replace.c - OVHeader' of TO2 (FDO 1.1 section 9.3) built by
 * zto_ov_header_replace() from the go-fdo voucher header and a
 * TO2.SetupDevice payload: field order, byte-exact splicing of the
 * payload's own encodings (even ones we would not write), strictness.
 */
#include <stdlib.h>

#include "test.h"
#include "zto/zto.h"

static unsigned char *
load(const char *file, size_t *n)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/p256/%s", ZTO_VECTORS_DIR, file);
    return test_read_file(path, n);
}

/* [RendezvousInfo, Guid, Nonce, PublicKey] from raw parts. */
static size_t
payload(uint8_t *out, size_t cap, const uint8_t *rv, size_t rvn,
        const uint8_t *guid, size_t gn, const uint8_t *key, size_t kn)
{
    struct zto_cbor_enc e;
    uint8_t nonce[16];
    size_t n = 0;

    memset(nonce, 0x77, sizeof(nonce));
    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_array(&e, 4);
    zto_cbor_put_raw(&e, rv, rvn);
    zto_cbor_put_raw(&e, guid, gn);
    zto_cbor_put_bstr(&e, nonce, sizeof(nonce));
    zto_cbor_put_raw(&e, key, kn);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    return n;
}

static void
test_splice(void)
{
    size_t vlen, klen, plen, hlen = 0, i;
    unsigned char *vb = load("voucher-extended.cbor", &vlen);
    unsigned char *kp = load("owner2.pub.pem", &klen);
    struct zto_voucher v;
    struct zto_ov_header h2;
    struct zto_key k;
    struct zto_pubkey pk;
    uint8_t keybuf[512], keyraw[600], pay[2048], hdr[2048], *copy;
    /* One directive [[RVDns "x"], [RVBypass]] with the flag written the
     * two-element way one implementation uses: must survive as is. */
    static const uint8_t rv[] = {0x81, 0x82, 0x82, 0x05, 0x42, 0x61,
                                 0x78, 0x82, 0x0e, 0x41, 0xf6};
    static const uint8_t guid[] = {0x50, 1,  2,  3,  4,  5,  6,  7, 8,
                                   9,    10, 11, 12, 13, 14, 15, 16};
    struct zto_cbor_enc e;
    struct zto_ov_header_kept kept;
    size_t kraw = 0;

    ASSERT_OK(zto_voucher_decode(vb, vlen, &v));
    ASSERT_OK(zto_ov_header_kept(v.header_raw, &kept));
    zto_key_init(&k);
    ASSERT_OK(zto_key_from_pem((const char *)kp, klen, &k));
    ASSERT_OK(
        zto_key_to_pubkey(&k, ZTO_PKENC_X509, keybuf, sizeof(keybuf), &pk));
    zto_cbor_enc_init(&e, keyraw, sizeof(keyraw));
    zto_pubkey_enc(&e, &pk);
    ASSERT_OK(zto_cbor_enc_finish(&e, &kraw));
    plen = payload(pay, sizeof(pay), rv, sizeof(rv), guid, sizeof(guid), keyraw,
                   kraw);

    ASSERT_OK(zto_ov_header_replace(&kept, ZTO_BYTES(pay, plen), hdr,
                                    sizeof(hdr), &hlen));
    ASSERT_OK(zto_ov_header_decode(hdr, hlen, &h2));
    ASSERT_EQ(h2.protver, 101);
    ASSERT_MEM_EQ(h2.guid.b, guid + 1, 16);
    ASSERT_EQ(h2.rvinfo.raw.len, sizeof(rv));
    ASSERT_MEM_EQ(h2.rvinfo.raw.p, rv, sizeof(rv));
    ASSERT_EQ(h2.device_info.len, v.hdr.device_info.len);
    ASSERT_MEM_EQ(h2.device_info.p, v.hdr.device_info.p, v.hdr.device_info.len);
    ASSERT_EQ(h2.mfg_key.raw.len, kraw);
    ASSERT_MEM_EQ(h2.mfg_key.raw.p, keyraw, kraw);
    ASSERT_TRUE(h2.has_cert_hash);
    ASSERT_EQ(h2.cert_hash.value.len, v.hdr.cert_hash.value.len);
    ASSERT_MEM_EQ(h2.cert_hash.value.p, v.hdr.cert_hash.value.p,
                  v.hdr.cert_hash.value.len);
    /* Exactly the six spans, in order, behind an array(6) head. */
    ASSERT_EQ(hdr[0], 0x86);
    ASSERT_MEM_EQ(hdr + 1 + 2, guid, sizeof(guid)); /* after 18 65 */
    ASSERT_EQ(hlen, v.header_raw.len - v.hdr.rvinfo.raw.len -
                        v.hdr.mfg_key.raw.len + sizeof(rv) + kraw);

    /* Too small an output, truncated inputs, wrong shapes: errors. */
    ASSERT_ERR(zto_ov_header_replace(&kept, ZTO_BYTES(pay, plen), hdr, hlen - 1,
                                     &hlen),
               ZTO_E_BUF_TOO_SMALL);
    for (i = 0; i < plen; i++) {
        copy = test_exact_copy(pay, i);
        ASSERT_FAILS(zto_ov_header_replace(&kept, ZTO_BYTES(copy, i), hdr,
                                           sizeof(hdr), &hlen));
        free(copy);
    }
    for (i = 0; i < v.header_raw.len; i++) {
        struct zto_ov_header_kept k2;
        copy = test_exact_copy(v.header_raw.p, i);
        ASSERT_FAILS(zto_ov_header_kept(ZTO_BYTES(copy, i), &k2));
        free(copy);
    }
    /* A 15-byte GUID or a non-key in the key slot. */
    plen = payload(pay, sizeof(pay), rv, sizeof(rv), guid, sizeof(guid) - 1,
                   keyraw, kraw);
    pay[0] = 0x84;
    ASSERT_FAILS(zto_ov_header_replace(&kept, ZTO_BYTES(pay, plen), hdr,
                                       sizeof(hdr), &hlen));
    plen = payload(pay, sizeof(pay), rv, sizeof(rv), guid, sizeof(guid), guid,
                   sizeof(guid));
    ASSERT_FAILS(zto_ov_header_replace(&kept, ZTO_BYTES(pay, plen), hdr,
                                       sizeof(hdr), &hlen));
    zto_key_free(&k);
    free(vb);
    free(kp);
}

int
main(void)
{
    TEST_START("ov_replace");
    test_splice();
    TEST_DONE();
}
