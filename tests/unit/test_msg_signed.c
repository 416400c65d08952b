/*
 * test_msg_signed.c - the COSE_Sign1 messages signed and verified with
 * real keys: to1d (TO0.OwnerSign / TO1.RVRedirect), the EAT of 32 and 64,
 * TO2.ProveOVHdr (61) and TO2.SetupDevice (65), with generated P-256 and
 * P-384 keys (and RSA for to1d); and a TO0.OwnerSign over the go-fdo
 * interop voucher signed by its real current owner key.
 */
#include <stdlib.h>

#include "codec_rt.h"
#include "zto/zto_msg.h"
#include "zto/zto_util.h"

static const uint8_t guid[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
                                 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
                                 0x1c, 0x1d, 0x1e, 0x1f};

/* Does hay contain needle? */
static bool
contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    size_t i;

    for (i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

static bool
contains_hex(const uint8_t *hay, size_t n, const char *hex)
{
    uint8_t nd[128];
    size_t m = test_unhex(hex, nd, sizeof(nd));

    return contains(hay, n, nd, m);
}

/* Offset of the bytes in hex inside hay (aborts the test if absent). */
static size_t
find_hex(const uint8_t *hay, size_t n, const char *hex)
{
    uint8_t nd[128];
    size_t m = test_unhex(hex, nd, sizeof(nd)), i;

    for (i = 0; i + m <= n; i++)
        if (memcmp(hay + i, nd, m) == 0)
            return i;
    fprintf(stderr, "bytes %s not found\n", hex);
    abort();
}

static void
fill(void *p, size_t n, uint8_t v)
{
    memset(p, v, n);
}

static void
test_to1d(int32_t pk_type, unsigned bits)
{
    static uint8_t out[4096], to0d[64];
    struct zto_key k, other;
    struct zto_signer s;
    struct zto_rvto2addr addr;
    struct zto_hash_buf hb;
    struct zto_hash h;
    struct zto_to1d t;
    size_t len;
    uint8_t *c;

    zto_key_init(&k);
    zto_key_init(&other);
    ASSERT_OK(zto_key_generate(pk_type, bits, &k));
    ASSERT_OK(zto_key_generate(pk_type, bits, &other));
    zto_signer_from_key(&s, &k);

    memset(&addr, 0, sizeof(addr));
    addr.n = 2;
    addr.e[0].has_dns = true;
    addr.e[0].dns = ZTO_BYTES("owner.example", 13);
    addr.e[0].port = 8043;
    addr.e[0].protocol = ZTO_TPROT_HTTPS;
    addr.e[1].has_ip = true;
    addr.e[1].ip_len = 4;
    memcpy(addr.e[1].ip, "\x7f\x00\x00\x01", 4);
    addr.e[1].port = 8080;
    addr.e[1].protocol = ZTO_TPROT_HTTP;
    fill(to0d, sizeof(to0d), 0x5a);
    ASSERT_OK(zto_hash(zto_key_hash_type(&k), to0d, sizeof(to0d), &hb));
    h.type = hb.type;
    h.value = ZTO_BYTES(hb.value, hb.len);

    ASSERT_OK(zto_to1d_encode(&addr, &h, &s, out, sizeof(out), &len));
    ASSERT_ERR(zto_to1d_encode(&addr, &h, &s, out, len - 1, &len),
               ZTO_E_BUF_TOO_SMALL);
    ASSERT_OK(zto_to1d_encode(&addr, &h, &s, out, sizeof(out), &len));
    c = test_exact_copy(out, len);
    ASSERT_OK(zto_to1d_decode(c, len, &t));
    ASSERT_EQ(t.cose.alg, s.alg);
    ASSERT_OK(zto_cose_sign1_verify(&t.cose, &k));
    ASSERT_ERR(zto_cose_sign1_verify(&t.cose, &other), ZTO_E_SIGNATURE);
    ASSERT_EQ(t.addr.n, 2);
    ASSERT_MEM_EQ(t.addr.e[0].dns.p, "owner.example", 13);
    ASSERT_EQ(t.addr.e[0].protocol, ZTO_TPROT_HTTPS);
    ASSERT_EQ(t.addr.e[1].port, 8080);
    /* to1dTo0dHash binds the to0d bytes */
    ASSERT_OK(zto_hash_check(&t.to0d_hash, to0d, sizeof(to0d)));
    to0d[0] ^= 1;
    ASSERT_ERR(zto_hash_check(&t.to0d_hash, to0d, sizeof(to0d)),
               ZTO_E_HASH);
    /* change the port inside the signed payload */
    c[find_hex(c, len, "19 1f6b") + 2] ^= 1;
    ASSERT_OK(zto_to1d_decode(c, len, &t));
    ASSERT_EQ(t.addr.e[0].port, 8043 ^ 1);
    ASSERT_ERR(zto_cose_sign1_verify(&t.cose, &k), ZTO_E_SIGNATURE);
    free(c);
    zto_key_free(&k);
    zto_key_free(&other);
}

static void
test_eat(int32_t pk_type, unsigned bits)
{
    static uint8_t out[1024], fdo[160], xbv[86];
    struct zto_key k;
    struct zto_signer s;
    struct zto_nonce n1, n2;
    struct zto_guid g;
    struct zto_eat e;
    struct zto_bytes xb;
    struct zto_cbor_enc enc;
    size_t len, flen;
    uint8_t *c;
    char hex[128];

    zto_key_init(&k);
    ASSERT_OK(zto_key_generate(pk_type, bits, &k));
    zto_signer_from_key(&s, &k);
    fill(n1.b, 16, 0x31);
    fill(n2.b, 16, 0x32);
    memcpy(g.b, guid, 16);

    /* 32: no EAT-FDO, no EUPHNonce */
    ASSERT_OK(zto_eat_encode(&n1, &g, ZTO_BYTES_NULL, NULL, &s, out,
                             sizeof(out), &len));
    /* section 2.3: EAT-UEID = 19 0100 51 01 || GUID, empty unprotected */
    ASSERT_TRUE(contains_hex(out, len,
                             "19 0100 51 01 101112131415161718191a1b1c1d1e1f"));
    ASSERT_TRUE(contains_hex(out, len,
                             "0a 50 31313131313131313131313131313131"));
    ASSERT_EQ(out[0], 0xd2);
    c = test_exact_copy(out, len);
    ASSERT_OK(zto_eat_decode(c, len, &e));
    ASSERT_OK(zto_cose_sign1_verify(&e.cose, &k));
    ASSERT_MEM_EQ(e.nonce.b, n1.b, 16);
    ASSERT_MEM_EQ(e.guid.b, guid, 16);
    ASSERT_TRUE(!e.has_fdo && !e.has_euph_nonce);
    ASSERT_EQ(e.cose.unprotected.len, 1);
    free(c);

    /* 64: EAT-FDO [xB] (86 bytes, ECDH256 shape) and EUPHNonce */
    memset(xbv, 0x77, sizeof(xbv));
    zto_cbor_enc_init(&enc, fdo, sizeof(fdo));
    zto_cbor_put_array(&enc, 1);
    zto_cbor_put_bstr(&enc, xbv, sizeof(xbv));
    ASSERT_OK(zto_cbor_enc_finish(&enc, &flen));
    ASSERT_OK(zto_eat_encode(&n1, &g, ZTO_BYTES(fdo, flen), &n2, &s, out,
                             sizeof(out), &len));
    ASSERT_TRUE(contains_hex(out, len, "a1 39 0102 50 32323232"));
    ASSERT_TRUE(contains_hex(out, len, "39 0100 81 58 56"));
    snprintf(hex, sizeof(hex), "%s", s.alg == ZTO_COSE_ES256
                                          ? "d2 84 43 a1 01 26 a1"
                                          : "d2 84 44 a1 01 38 22 a1");
    ASSERT_TRUE(contains_hex(out, 8, hex));
    c = test_exact_copy(out, len);
    ASSERT_OK(zto_eat_decode(c, len, &e));
    ASSERT_OK(zto_cose_sign1_verify(&e.cose, &k));
    ASSERT_TRUE(e.has_fdo && e.has_euph_nonce);
    ASSERT_MEM_EQ(e.euph_nonce.b, n2.b, 16);
    ASSERT_OK(zto_eat_fdo_xb(&e, &xb));
    ASSERT_EQ(xb.len, 86);
    /* EUPHNonce is unprotected: changing it does not break the signature
     * (it is bound by the encrypted channel and 71 instead) */
    c[e.cose.unprotected.p - c + 5] ^= 1;
    ASSERT_OK(zto_eat_decode(c, len, &e));
    ASSERT_OK(zto_cose_sign1_verify(&e.cose, &k));
    /* the nonce claim is signed */
    c[e.cose.payload.p - c + 3] ^= 1;
    ASSERT_OK(zto_eat_decode(c, len, &e));
    ASSERT_ERR(zto_cose_sign1_verify(&e.cose, &k), ZTO_E_SIGNATURE);
    free(c);
    /* invalid EAT-FDO CBOR is refused */
    ASSERT_ERR(zto_eat_encode(&n1, &g, ZTO_BYTES("\x82\x01", 2), NULL, &s,
                              out, sizeof(out), &len),
               ZTO_E_ARG);
    zto_key_free(&k);
}

static void
test_prove_ovhdr(int32_t pk_type, unsigned bits)
{
    static uint8_t out[4096], kb[1024], hdr[8] = {0x83, 1, 2, 3};
    static uint8_t hm[48], xa[86], hh[48];
    struct zto_key k, other;
    struct zto_signer s;
    struct zto_msg_to2_prove_ovhdr m, d;
    struct zto_pubkey pk;
    size_t len;
    uint8_t *c;

    zto_key_init(&k);
    zto_key_init(&other);
    ASSERT_OK(zto_key_generate(pk_type, bits, &k));
    ASSERT_OK(zto_key_generate(pk_type, bits, &other));
    zto_signer_from_key(&s, &k);
    ASSERT_OK(zto_key_to_pubkey(&k, ZTO_PKENC_X509, kb, sizeof(kb), &pk));

    memset(&m, 0, sizeof(m));
    m.ovheader = ZTO_BYTES(hdr, 4);
    m.num_entries = 2;
    m.hmac.type = zto_key_hmac_type(&k);
    fill(hm, sizeof(hm), 0x44);
    m.hmac.value = ZTO_BYTES(hm, zto_hash_size(m.hmac.type));
    fill(m.nonce_prove_ov.b, 16, 0x55);
    m.siginfo.type = s.alg;
    fill(xa, sizeof(xa), 0x66);
    m.xa = ZTO_BYTES(xa, sizeof(xa));
    m.hello_hash.type = zto_key_hash_type(&k);
    fill(hh, sizeof(hh), 0x88);
    m.hello_hash.value = ZTO_BYTES(hh, zto_hash_size(m.hello_hash.type));
    m.max_owner_msg_size = 65535;
    fill(m.nonce_prove_dv.b, 16, 0x99);
    m.owner_key = pk;

    ASSERT_OK(zto_msg_to2_prove_ovhdr_encode(&m, &s, out, sizeof(out), &len));
    /* section 2.3: CUPHNonce 19 0100, CUPHOwnerPubKey 19 0101 */
    ASSERT_TRUE(contains_hex(out, 40, "a2 19 0100 50 9999"));
    ASSERT_TRUE(contains_hex(out, 40, "19 0101 83"));
    c = test_exact_copy(out, len);
    ASSERT_OK(zto_msg_to2_prove_ovhdr_decode(c, len, &d));
    /* verified with the key it carries, CUPHOwnerPubKey */
    ASSERT_OK(zto_cose_sign1_verify_pubkey(&d.cose, &d.owner_key));
    ASSERT_OK(zto_cose_sign1_verify(&d.cose, &k));
    ASSERT_ERR(zto_cose_sign1_verify(&d.cose, &other), ZTO_E_SIGNATURE);
    ASSERT_OK(zto_pubkey_equal(&d.owner_key, &pk));
    ASSERT_EQ(d.num_entries, 2);
    ASSERT_EQ(d.hmac.type, m.hmac.type);
    ASSERT_MEM_EQ(d.hmac.value.p, hm, d.hmac.value.len);
    ASSERT_EQ(d.hmac_raw.len, 2 + zto_cbor_head_len(d.hmac.value.len) +
                                  d.hmac.value.len);
    ASSERT_MEM_EQ(d.nonce_prove_ov.b, m.nonce_prove_ov.b, 16);
    ASSERT_EQ(d.xa.len, 86);
    ASSERT_MEM_EQ(d.hello_hash.value.p, hh, d.hello_hash.value.len);
    ASSERT_MEM_EQ(d.nonce_prove_dv.b, m.nonce_prove_dv.b, 16);
    ASSERT_EQ(d.max_owner_msg_size, 65535);
    ASSERT_EQ(d.siginfo.type, s.alg);
    /* the payload is signed */
    c[d.cose.payload.p - c + 6] ^= 1; /* NumOVEntries */
    ASSERT_OK(zto_msg_to2_prove_ovhdr_decode(c, len, &d));
    ASSERT_EQ(d.num_entries, 3);
    ASSERT_ERR(zto_cose_sign1_verify_pubkey(&d.cose, &d.owner_key),
               ZTO_E_SIGNATURE);
    free(c);
    zto_key_free(&k);
    zto_key_free(&other);
}

static void
test_setup_device(int32_t pk_type, unsigned bits)
{
    static uint8_t out[4096], kb[1024], rvb[64];
    struct zto_key k;
    struct zto_signer s;
    struct zto_msg_to2_setup_device m, d;
    struct zto_pubkey pk;
    struct zto_rv_directive dir;
    struct zto_cbor_enc e;
    size_t len, rvn;
    uint8_t *c;

    zto_key_init(&k);
    ASSERT_OK(zto_key_generate(pk_type, bits, &k));
    zto_signer_from_key(&s, &k);
    ASSERT_OK(zto_key_to_pubkey(&k, ZTO_PKENC_COSEKEY, kb, sizeof(kb), &pk));

    memset(&dir, 0, sizeof(dir));
    dir.has_dns = true;
    dir.dns = ZTO_BYTES("rv.example", 10);
    dir.has_dev_port = true;
    dir.dev_port = 8041;
    dir.has_protocol = true;
    dir.protocol = ZTO_RVPROT_HTTPS;
    zto_cbor_enc_init(&e, rvb, sizeof(rvb));
    zto_rvinfo_enc(&e, &dir, 1);
    ASSERT_OK(zto_cbor_enc_finish(&e, &rvn));

    memset(&m, 0, sizeof(m));
    ASSERT_OK(zto_rvinfo_decode(rvb, rvn, &m.rvinfo));
    memcpy(m.guid.b, guid, 16);
    fill(m.nonce_setup_dv.b, 16, 0x21);
    m.owner2_key = pk;
    ASSERT_OK(zto_msg_to2_setup_device_encode(&m, &s, out, sizeof(out),
                                              &len));
    c = test_exact_copy(out, len);
    ASSERT_OK(zto_msg_to2_setup_device_decode(c, len, &d));
    /* signed by Owner2Key's private key, verified with Owner2Key */
    ASSERT_OK(zto_cose_sign1_verify_pubkey(&d.cose, &d.owner2_key));
    ASSERT_EQ(d.owner2_key.enc, ZTO_PKENC_COSEKEY);
    ASSERT_EQ(d.rvinfo.raw.len, rvn);
    ASSERT_MEM_EQ(d.rvinfo.raw.p, rvb, rvn);
    ASSERT_MEM_EQ(d.guid.b, guid, 16);
    ASSERT_MEM_EQ(d.nonce_setup_dv.b, m.nonce_setup_dv.b, 16);
    c[find_hex(c, len, "43 19 1f69") + 3] ^= 1; /* RVDevPort */
    ASSERT_OK(zto_msg_to2_setup_device_decode(c, len, &d));
    ASSERT_ERR(zto_cose_sign1_verify_pubkey(&d.cose, &d.owner2_key),
               ZTO_E_SIGNATURE);
    free(c);
    /* an empty RendezvousInfo cannot be sent */
    m.rvinfo.raw = ZTO_BYTES_NULL;
    ASSERT_ERR(zto_msg_to2_setup_device_encode(&m, &s, out, sizeof(out),
                                               &len),
               ZTO_E_ARG);
    zto_key_free(&k);
}

/* Owner public key of the last entry of a voucher: entries are COSE_Sign1
 * over [HashPrev, HashHdrInfo, Extra, PubKey]. */
static void
last_owner_key(const uint8_t *v, size_t n, struct zto_pubkey *pk)
{
    struct zto_cbor_dec d, p;
    struct zto_cose_sign1 s;
    size_t cnt, i;

    zto_cbor_dec_init(&d, v, n);
    ASSERT_OK(zto_cbor_get_array_n(&d, 5));
    for (i = 0; i < 4; i++)
        ASSERT_OK(zto_cbor_skip(&d));
    ASSERT_OK(zto_cbor_get_array(&d, &cnt));
    for (i = 0; i < cnt; i++)
        ASSERT_OK(zto_cose_sign1_dec(&d, &s));
    zto_cbor_dec_init(&p, s.payload.p, s.payload.len);
    ASSERT_OK(zto_cbor_get_array_n(&p, 4));
    for (i = 0; i < 3; i++)
        ASSERT_OK(zto_cbor_skip(&p));
    ASSERT_OK(zto_pubkey_dec(&p, pk));
}

static void
test_owner_sign_interop(const char *dir)
{
    static uint8_t to0d[4096], to1d[1024], msg[8192];
    char path[512];
    size_t vn, kn, to0d_len, to1d_len, len;
    uint8_t *v, *kt, *c;
    struct zto_key owner;
    struct zto_signer s;
    struct zto_to0d t0, t0d;
    struct zto_hash_buf hb;
    struct zto_hash h;
    struct zto_rvto2addr addr;
    struct zto_msg_to0_owner_sign os, od;
    struct zto_to1d t1;
    struct zto_pubkey last;

    snprintf(path, sizeof(path), "%s/voucher.cbor", dir);
    v = test_read_file(path, &vn);
    snprintf(path, sizeof(path), "%s/owner1.key.pem", dir);
    kt = test_read_file(path, &kn);
    zto_key_init(&owner);
    ASSERT_OK(zto_key_from_pem((const char *)kt, kn, &owner));
    zto_signer_from_key(&s, &owner);

    /* to0d = [voucher, 3600, NonceTO0Sign] */
    t0.voucher = ZTO_BYTES(v, vn);
    t0.wait_seconds = 3600;
    fill(t0.nonce.b, 16, 0xc3);
    ASSERT_OK(zto_to0d_encode(&t0, to0d, sizeof(to0d), &to0d_len));
    ASSERT_EQ(to0d_len, 1 + vn + 3 + 17);
    ASSERT_OK(zto_hash(zto_key_hash_type(&owner), to0d, to0d_len, &hb));
    h.type = hb.type;
    h.value = ZTO_BYTES(hb.value, hb.len);
    memset(&addr, 0, sizeof(addr));
    addr.n = 1;
    addr.e[0].has_dns = true;
    addr.e[0].dns = ZTO_BYTES("localhost", 9);
    addr.e[0].port = 18081;
    addr.e[0].protocol = ZTO_TPROT_HTTP;
    ASSERT_OK(zto_to1d_encode(&addr, &h, &s, to1d, sizeof(to1d), &to1d_len));
    os.to0d = ZTO_BYTES(to0d, to0d_len);
    os.to1d = ZTO_BYTES(to1d, to1d_len);
    ASSERT_OK(zto_msg_to0_owner_sign_encode(&os, msg, sizeof(msg), &len));

    /* The RV side: decode, tie everything together. */
    c = test_exact_copy(msg, len);
    ASSERT_OK(zto_msg_to0_owner_sign_decode(c, len, &od));
    ASSERT_OK(zto_to0d_decode(od.to0d.p, od.to0d.len, &t0d));
    ASSERT_EQ(t0d.voucher.len, vn);
    ASSERT_MEM_EQ(t0d.voucher.p, v, vn);
    ASSERT_EQ(t0d.wait_seconds, 3600);
    ASSERT_OK(zto_to1d_decode(od.to1d.p, od.to1d.len, &t1));
    ASSERT_OK(zto_hash_check(&t1.to0d_hash, od.to0d.p, od.to0d.len));
    last_owner_key(t0d.voucher.p, t0d.voucher.len, &last);
    ASSERT_OK(zto_cose_sign1_verify_pubkey(&t1.cose, &last));
    free(c);
    free(v);
    free(kt);
    zto_key_free(&owner);
}

int
main(void)
{
    TEST_START("msg_signed");
    test_to1d(ZTO_PK_SECP256R1, 256);
    test_to1d(ZTO_PK_SECP384R1, 384);
    test_to1d(ZTO_PK_RSAPKCS, 2048);
    test_eat(ZTO_PK_SECP256R1, 256);
    test_eat(ZTO_PK_SECP384R1, 384);
    test_prove_ovhdr(ZTO_PK_SECP256R1, 256);
    test_prove_ovhdr(ZTO_PK_SECP384R1, 384);
    test_setup_device(ZTO_PK_SECP256R1, 256);
    test_setup_device(ZTO_PK_SECP384R1, 384);
    test_owner_sign_interop(ZTO_VECTORS_DIR "/p256");
    test_owner_sign_interop(ZTO_VECTORS_DIR "/p384");
    TEST_DONE();
}
