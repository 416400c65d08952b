/*
 * fuzz_cose.c - the COSE_Sign1 structure decoder, unprotected lookups,
 * verification against a fixed key, and the EAT and to1d decoders built on
 * it. Every input goes through all of them. A Sign1 whose protected header
 * is the FDO form {1: alg} is re-signed with a deterministic signer; the
 * result must decode to the same unprotected map and payload, and signing
 * again must give the same bytes. EAT and to1d get the same round trip.
 */
#include "fuzz_util.h"
#include "zto/zto_msg.h"

typedef zto_err_t (*rt_fn)(const uint8_t *in, size_t n, uint8_t *out,
                           size_t cap, size_t *out_len);

static zto_err_t
rt_sign1(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
         size_t *out_len)
{
    struct zto_cose_sign1 s;
    struct zto_signer signer;
    struct zto_cbor_enc e;
    zto_err_t r = zto_cose_sign1_decode(in, n, &s);
    int64_t a = s.alg;

    if (r != ZTO_OK)
        return r;
    if (s.protected_hdr.len !=
        2 + zto_cbor_head_len(a < 0 ? (uint64_t)(-1 - a) : (uint64_t)a))
        return ZTO_E_UNSUPPORTED;
    fuzz_signer(&signer, s.alg);
    zto_cbor_enc_init(&e, out, cap);
    r = zto_cose_sign1_sign(&e, &signer, s.unprotected, s.payload);
    if (!fuzz_enc_ok(r))
        return ZTO_E_UNSUPPORTED;
    r = zto_cbor_enc_finish(&e, out_len);
    FUZZ_CHECK(r == ZTO_OK);
    {
        struct zto_cose_sign1 t;
        FUZZ_CHECK(zto_cose_sign1_decode(out, *out_len, &t) == ZTO_OK);
        FUZZ_CHECK(t.alg == s.alg);
        FUZZ_CHECK(t.unprotected.len == s.unprotected.len &&
                   memcmp(t.unprotected.p, s.unprotected.p,
                          s.unprotected.len) == 0);
        FUZZ_CHECK(t.payload.len == s.payload.len &&
                   memcmp(t.payload.p, s.payload.p, s.payload.len) == 0);
    }
    return ZTO_OK;
}

static zto_err_t
rt_eat(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
       size_t *out_len)
{
    struct zto_eat t;
    struct zto_signer s;
    struct zto_bytes xb;
    zto_err_t r = zto_eat_decode(in, n, &t);

    if (r != ZTO_OK)
        return r;
    if (zto_eat_fdo_xb(&t, &xb) == ZTO_OK)
        FUZZ_CHECK(xb.p >= in && xb.p + xb.len <= in + n);
    fuzz_signer(&s, t.cose.alg);
    r = zto_eat_encode(&t.nonce, &t.guid, t.has_fdo ? t.fdo : ZTO_BYTES_NULL,
                       t.has_euph_nonce ? &t.euph_nonce : NULL, &s, out, cap,
                       out_len);
    return fuzz_enc_ok(r) ? ZTO_OK : ZTO_E_UNSUPPORTED;
}

static zto_err_t
rt_to1d(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
        size_t *out_len)
{
    struct zto_to1d t;
    struct zto_signer s;
    zto_err_t r = zto_to1d_decode(in, n, &t);

    if (r != ZTO_OK)
        return r;
    fuzz_signer(&s, t.cose.alg);
    r = zto_to1d_encode(&t.addr, &t.to0d_hash, &s, out, cap, out_len);
    return fuzz_enc_ok(r) ? ZTO_OK : ZTO_E_UNSUPPORTED;
}

static void
round_trip(rt_fn fn, const uint8_t *data, size_t size)
{
    static uint8_t o1[FUZZ_OUT_CAP], o2[FUZZ_OUT_CAP];
    size_t l1 = 0, l2 = 0;
    uint8_t *copy;

    if (fn(data, size, o1, sizeof(o1), &l1) != ZTO_OK)
        return;
    copy = malloc(l1 > 0 ? l1 : 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, o1, l1);
    FUZZ_CHECK(fn(copy, l1, o2, sizeof(o2), &l2) == ZTO_OK);
    FUZZ_CHECK(l1 == l2 && memcmp(o1, o2, l1) == 0);
    free(copy);
}

/* One P-256 key for the life of the process, to run verification over
 * hostile structures. */
static const struct zto_key *
fuzz_key(void)
{
    static struct zto_key k;
    static int ready;

    if (!ready) {
        zto_key_init(&k);
        FUZZ_CHECK(zto_key_generate(ZTO_PK_SECP256R1, 256, &k) == ZTO_OK);
        ready = 1;
    }
    return &k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t labels[] = {1, 256, 257, -257, -258, -259};
    struct zto_cose_sign1 s;
    struct zto_bytes v;
    size_t i;

    if (zto_cose_sign1_decode(data, size, &s) == ZTO_OK) {
        FUZZ_CHECK(s.raw.p == data && s.raw.len == size);
        for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
            if (zto_cose_unprotected_get(&s, labels[i], &v) == ZTO_OK)
                FUZZ_CHECK(v.p >= s.unprotected.p &&
                           v.p + v.len <= s.unprotected.p + s.unprotected.len);
        /* Nobody signed this with our key. */
        FUZZ_CHECK(zto_cose_sign1_verify(&s, fuzz_key()) != ZTO_OK);
    }
    round_trip(rt_sign1, data, size);
    round_trip(rt_eat, data, size);
    round_trip(rt_to1d, data, size);
    return 0;
}
