#define _GNU_SOURCE /* memmem */
/*
 * test_voucher_vectors.c - the go-fdo vouchers in ZTO_VECTORS_DIR:
 * decode, verify (HMAC with the device secret, chain hash, entries),
 * re-encode byte-identically, reject every single-byte flip, reject every
 * truncation, extend like go-fdo did, and round-trip the PEM form.
 */
#include <stdlib.h>

#include "test.h"
#include "zto/zto.h"

struct set {
    const char *dir;
    int32_t hash;   /* entry hash type */
    int32_t hmac;   /* header HMAC type */
    int32_t pk;     /* key type of every voucher key */
    size_t siglen;  /* ES256: 64, ES384: 96 */
};

static const struct set sets[] = {
    {"p256", ZTO_HASH_SHA256, ZTO_HMAC_SHA256, ZTO_PK_SECP256R1, 64},
    {"p384", ZTO_HASH_SHA384, ZTO_HMAC_SHA384, ZTO_PK_SECP384R1, 96},
};

static unsigned char *
load(const struct set *s, const char *file, size_t *n)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s/%s", ZTO_VECTORS_DIR, s->dir, file);
    return test_read_file(path, n);
}

static size_t
load_hex(const struct set *s, const char *file, unsigned char *out,
         size_t cap)
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
load_key(const struct set *s, const char *file, struct zto_key *k)
{
    size_t n;
    unsigned char *t = load(s, file, &n);

    zto_key_init(k);
    ASSERT_OK(zto_key_from_pem((const char *)t, n, k));
    free(t);
}

/* Re-encode a voucher from its parsed fields: header from its fields
 * (RendezvousInfo from the parsed directives), entries from their parsed
 * COSE parts. Must give the input bytes back. */
static size_t
reencode(const struct zto_voucher *v, unsigned char *out, size_t cap)
{
    struct zto_ov_header h = v->hdr;
    struct zto_rv_directive dirs[ZTO_MAX_RV_ENTRIES];
    unsigned char hdr[4096], rv[1024];
    struct zto_cbor_enc e;
    size_t hn = 0, rn = 0, i, n = 0;

    for (i = 0; i < v->hdr.rvinfo.ndirectives; i++)
        ASSERT_OK(zto_rv_directive_parse(v->hdr.rvinfo.directive[i],
                                         &dirs[i]));
    zto_cbor_enc_init(&e, rv, sizeof(rv));
    zto_rvinfo_enc(&e, dirs, v->hdr.rvinfo.ndirectives);
    ASSERT_OK(zto_cbor_enc_finish(&e, &rn));
    h.rvinfo.raw = ZTO_BYTES(rv, rn);
    h.mfg_key.raw = ZTO_BYTES_NULL; /* force encoding from the fields */
    ASSERT_OK(zto_ov_header_encode(&h, hdr, sizeof(hdr), &hn));

    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_array(&e, 5);
    zto_cbor_put_uint(&e, v->protver);
    zto_cbor_put_bstr(&e, hdr, hn);
    zto_hash_enc(&e, &v->hmac);
    zto_cbor_put_array(&e, v->ncerts);
    for (i = 0; i < v->ncerts; i++)
        zto_cbor_put_bytes(&e, v->cert[i]);
    zto_cbor_put_array(&e, v->nentries);
    for (i = 0; i < v->nentries; i++) {
        struct zto_bytes raw;
        struct zto_ov_entry oe;
        unsigned char pl[2048];
        struct zto_cbor_enc pe;
        size_t pn = 0;
        struct zto_pubkey pk;

        ASSERT_OK(zto_voucher_entry(v, i, &raw));
        ASSERT_OK(zto_ov_entry_decode(raw.p, raw.len, &oe));
        pk = oe.pubkey;
        pk.raw = ZTO_BYTES_NULL;
        zto_cbor_enc_init(&pe, pl, sizeof(pl));
        zto_cbor_put_array(&pe, 4);
        zto_hash_enc(&pe, &oe.hash_prev);
        zto_hash_enc(&pe, &oe.hash_hdr);
        if (oe.has_extra)
            zto_cbor_put_raw(&pe, oe.extra.p, oe.extra.len);
        else
            zto_cbor_put_null(&pe);
        zto_pubkey_enc(&pe, &pk);
        ASSERT_OK(zto_cbor_enc_finish(&pe, &pn));
        ASSERT_EQ(pn, oe.cose.payload.len);
        zto_cbor_put_tag(&e, ZTO_TAG_COSE_SIGN1);
        zto_cbor_put_array(&e, 4);
        zto_cbor_put_bytes(&e, oe.cose.protected_hdr);
        zto_cbor_put_raw(&e, oe.cose.unprotected.p, oe.cose.unprotected.len);
        zto_cbor_put_bstr(&e, pl, pn);
        zto_cbor_put_bytes(&e, oe.cose.signature);
    }
    ASSERT_OK(zto_cbor_enc_finish(&e, &n));
    return n;
}

static void
check_one(const struct set *s, const char *file, size_t want_entries,
          const uint8_t *secret, size_t secret_len)
{
    size_t n, rn, i, flipped_ok = 0;
    unsigned char *buf = load(s, file, &n);
    unsigned char *c = test_exact_copy(buf, n);
    unsigned char *re = malloc(n + 64);
    unsigned char guid[16];
    struct zto_voucher v;
    struct zto_voucher_verify_opts o = {0};
    struct zto_pubkey owner;
    struct zto_key ok, want;

    o.hmac_secret = secret;
    o.hmac_secret_len = secret_len;
    o.require_entries = true;

    ASSERT_OK(zto_voucher_decode(c, n, &v));
    ASSERT_EQ(v.protver, 101);
    ASSERT_EQ(v.nentries, want_entries);
    ASSERT_EQ(v.ncerts, 2);
    ASSERT_EQ(v.hmac.type, s->hmac);
    ASSERT_EQ(v.hdr.mfg_key.type, s->pk);
    ASSERT_EQ(v.hdr.mfg_key.enc, ZTO_PKENC_X509);
    ASSERT_EQ(v.hdr.cert_hash.type, s->hash);
    ASSERT_EQ(v.hdr.rvinfo.ndirectives, 2);
    ASSERT_EQ(v.hdr.device_info.len, 6);
    ASSERT_MEM_EQ(v.hdr.device_info.p, "gotest", 6);
    ASSERT_EQ(load_hex(s, "guid.hex", guid, sizeof(guid)), 16);
    ASSERT_MEM_EQ(v.hdr.guid.b, guid, 16);
    ASSERT_EQ(zto_voucher_hash_type(&v), s->hash);

    /* Verifies, and the last owner is the expected key. */
    ASSERT_OK(zto_voucher_verify(&v, &o, &owner));
    load_key(s, want_entries == 1 ? "owner1.pub.pem" : "owner2.pub.pem",
             &want);
    zto_key_init(&ok);
    ASSERT_OK(zto_key_from_pubkey(&owner, &ok));
    ASSERT_OK(zto_key_equal(&ok, &want));
    zto_key_free(&ok);
    zto_key_free(&want);

    /* A wrong secret fails the HMAC. */
    {
        uint8_t bad[64];
        memcpy(bad, secret, secret_len);
        bad[0] ^= 1;
        o.hmac_secret = bad;
        ASSERT_ERR(zto_voucher_verify(&v, &o, NULL), ZTO_E_MAC);
        o.hmac_secret = secret;
    }

    /* Byte-identical re-encoding from parsed fields. */
    rn = reencode(&v, re, n + 64);
    ASSERT_EQ(rn, n);
    ASSERT_MEM_EQ(re, buf, n);

    /* Any single flipped byte is rejected (decode or verify). */
    for (i = 0; i < n; i++) {
        struct zto_voucher fv;
        memcpy(c, buf, n);
        c[i] ^= 0x01;
        if (zto_voucher_decode(c, n, &fv) == ZTO_OK &&
            zto_voucher_verify(&fv, &o, NULL) == ZTO_OK) {
            flipped_ok++;
            fprintf(stderr, "%s/%s: flip at %zu accepted\n", s->dir, file, i);
        }
    }
    ASSERT_EQ(flipped_ok, 0);
    memcpy(c, buf, n);

    /* Every truncation fails cleanly, from an exact-size buffer. */
    for (i = 0; i < n; i++) {
        struct zto_voucher tv;
        unsigned char *t = test_exact_copy(buf, i);
        ASSERT_FAILS(zto_voucher_decode(t, i, &tv));
        free(t);
    }
    free(re);
    free(c);
    free(buf);
}

/* Extend voucher.cbor with owner1's key to owner2, as go-fdo did to make
 * voucher-extended.cbor: the bytes must match except the signature (ECDSA
 * is randomised), and ours must verify. */
static void
check_extend(const struct set *s, const uint8_t *secret, size_t secret_len)
{
    size_t n, xn, on = 0, pn;
    unsigned char *in = load(s, "voucher.cbor", &n);
    unsigned char *ref = load(s, "voucher-extended.cbor", &xn);
    unsigned char out[8192], pkbuf[1024];
    struct zto_voucher v, ov;
    struct zto_key owner1, owner2, other;
    struct zto_signer sg;
    struct zto_pubkey next;
    struct zto_voucher_verify_opts o = {0};
    static const uint8_t extra[] = {0x41, 0xa0}; /* bstr(h'a0') */

    o.hmac_secret = secret;
    o.hmac_secret_len = secret_len;
    ASSERT_OK(zto_voucher_decode(in, n, &v));
    load_key(s, "owner1.key.pem", &owner1);
    load_key(s, "owner2.pub.pem", &owner2);
    ASSERT_OK(zto_key_to_pubkey(&owner2, ZTO_PKENC_X509, pkbuf,
                                sizeof(pkbuf), &next));
    zto_signer_from_key(&sg, &owner1);
    ASSERT_OK(zto_voucher_extend(&v, &sg, &next, ZTO_BYTES(extra, 2), out,
                                 sizeof(out), &on));
    ASSERT_EQ(on, xn);
    if (on == xn) {
        ASSERT_MEM_EQ(out, ref, xn - s->siglen);
        ASSERT_TRUE(memcmp(out + xn - s->siglen, ref + xn - s->siglen,
                           s->siglen) != 0);
    }
    ASSERT_OK(zto_voucher_decode(out, on, &ov));
    ASSERT_EQ(ov.nentries, 2);
    ASSERT_OK(zto_voucher_verify(&ov, &o, NULL));

    /* Only the current owner may extend: the manufacturer key may not. */
    load_key(s, "manufacturer.key.pem", &other);
    zto_signer_from_key(&sg, &other);
    ASSERT_ERR(zto_voucher_extend(&v, &sg, &next, ZTO_BYTES_NULL, out,
                                  sizeof(out), &on),
               ZTO_E_KEY_MISMATCH);
    zto_key_free(&other);
    /* A next key of another curve is refused. */
    ASSERT_OK(zto_key_generate(s->pk == ZTO_PK_SECP256R1 ? ZTO_PK_SECP384R1
                                                         : ZTO_PK_SECP256R1,
                               0, &other));
    ASSERT_OK(zto_key_to_pubkey(&other, ZTO_PKENC_X509, pkbuf, sizeof(pkbuf),
                                &next));
    zto_signer_from_key(&sg, &owner1);
    ASSERT_ERR(zto_voucher_extend(&v, &sg, &next, ZTO_BYTES_NULL, out,
                                  sizeof(out), &on),
               ZTO_E_KEY);
    /* Output buffer too small: an error, never a partial voucher. */
    ASSERT_OK(zto_key_to_pubkey(&owner2, ZTO_PKENC_X509, pkbuf,
                                sizeof(pkbuf), &next));
    pn = n;
    ASSERT_ERR(zto_voucher_extend(&v, &sg, &next, ZTO_BYTES_NULL, out, pn,
                                  &on),
               ZTO_E_BUF_TOO_SMALL);
    zto_key_free(&other);
    zto_key_free(&owner1);
    zto_key_free(&owner2);
    free(in);
    free(ref);
}

static void
check_pem(const struct set *s, const char *pemfile, const char *cborfile)
{
    size_t pn, cn, on = 0, pos = 0, tn = 0;
    unsigned char *pem = load(s, pemfile, &pn);
    unsigned char *cbor = load(s, cborfile, &cn);
    unsigned char out[8192];
    char text[12000];

    ASSERT_OK(zto_voucher_pem_decode((const char *)pem, pn, &pos, out,
                                     sizeof(out), &on));
    ASSERT_EQ(on, cn);
    ASSERT_MEM_EQ(out, cbor, cn);
    ASSERT_ERR(zto_voucher_pem_decode((const char *)pem, pn, &pos, out,
                                      sizeof(out), &on),
               ZTO_E_NOT_FOUND);
    /* Raw CBOR is accepted as well. */
    ASSERT_OK(zto_voucher_pem_decode((const char *)cbor, cn, NULL, out,
                                     sizeof(out), &on));
    ASSERT_EQ(on, cn);
    /* Our PEM text is the same text go-fdo wrote. */
    ASSERT_OK(zto_voucher_pem_encode(cbor, cn, text, sizeof(text), &tn));
    ASSERT_EQ(tn, pn);
    ASSERT_MEM_EQ(text, pem, pn);
    /* Corrupted base64 is an error, not a crash. */
    pem[40] = '*';
    pos = 0;
    ASSERT_ERR(zto_voucher_pem_decode((const char *)pem, pn, &pos, out,
                                      sizeof(out), &on),
               ZTO_E_PEM);
    free(pem);
    free(cbor);
}

/* The credential blob: DCPubKeyHash = H(CBOR(OVPubKey)) and the secret. */
static void
check_credential(const struct set *s, const uint8_t *secret, size_t sl)
{
    size_t n, cn;
    unsigned char *buf = load(s, "voucher.cbor", &n);
    unsigned char *cred = load(s, "device-credential.bin", &cn);
    struct zto_voucher v;
    struct zto_hash_buf h;

    ASSERT_OK(zto_voucher_decode(buf, n, &v));
    ASSERT_OK(zto_hash(s->hash, v.hdr.mfg_key.raw.p, v.hdr.mfg_key.raw.len,
                       &h));
    /* The blob holds [.., pubKeyHash, hmacSecret, key]; find both. */
    ASSERT_TRUE(memmem(cred, cn, h.value, h.len) != NULL);
    ASSERT_TRUE(memmem(cred, cn, secret, sl) != NULL);
    free(buf);
    free(cred);
}

int
main(void)
{
    size_t i;

    TEST_START("voucher_vectors");
    for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        const struct set *s = &sets[i];
        uint8_t secret[64];
        size_t sl = load_hex(s, "device-hmac-secret.hex", secret,
                             sizeof(secret));
        ASSERT_EQ(sl, 32);
        check_one(s, "voucher.cbor", 1, secret, sl);
        check_one(s, "voucher-extended.cbor", 2, secret, sl);
        check_extend(s, secret, sl);
        check_pem(s, "voucher.pem", "voucher.cbor");
        check_pem(s, "voucher-extended.pem", "voucher-extended.cbor");
        check_credential(s, secret, sl);
    }
    TEST_DONE();
}
