/*
 * fuzz_csr_owner.c - fdo.csr on the owner (owner/svi_csr.c) fed
 * arbitrary device messages. Input: byte 0 selects the policy (bit 0:
 * subject from the request, bit 1: bare certificates, bit 2: no
 * serverkeygen, bit 3: no CA key), the rest is a ServiceInfo (CBOR
 * array of [key, bstr]) whose fdo.csr values go to the step in order,
 * then the step produces its answer.
 *
 * Oracles: no crash or over-read; the answer fits the budget; a
 * certificate is only ever issued for a request whose signature
 * verifies, for that request's key, and it chains to the CA; a
 * serverkeygen answer carries a key matching its certificate.
 */
#include "../unit/csr_fixture.h"
#include "fuzz_util.h"
#include "zto/zto_codec.h"

#define BUDGET 8192

static struct {
    bool ready;
    struct csr_pki pki;
    struct owner o[16];
} w;

static void
setup(void)
{
    struct svi_csr_conf c;
    char why[256];
    int i;

    if (w.ready)
        return;
    FUZZ_CHECK(csr_pki_make(&w.pki, ZTO_PK_SECP256R1) == ZTO_OK);
    for (i = 0; i < 16; i++) {
        owner_init(&w.o[i]);
        FUZZ_CHECK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &w.o[i].db) ==
                   ZTO_OK);
        memset(&c, 0, sizeof(c));
        c.days = 7;
        c.subject = (i & 1) != 0 ? "csr" : "guid";
        c.bare = (i & 2) != 0;
        c.keygen = (i & 4) == 0;
        FUZZ_CHECK(csr_pki_owner(&w.o[i], &w.pki, 2, (i & 8) == 0, &c, why,
                                 sizeof(why)) == ZTO_OK);
    }
    w.ready = true;
}

/* The last request's key (for enroll answers). */
struct seen {
    bool have_key;
    struct zto_key key;
};

/* A base64 text value into DER (heap); NULL if it is not one. */
static uint8_t *
b64_of(struct zto_bytes v, size_t *len)
{
    struct zto_cbor_dec d;
    struct zto_bytes t;
    uint8_t *out;

    zto_cbor_dec_init(&d, v.p, v.len);
    if (zto_cbor_get_tstr(&d, &t) != ZTO_OK || t.len == 0)
        return NULL;
    out = malloc(t.len);
    if (zto_base64_decode((const char *)t.p, t.len, out, t.len, len) !=
        ZTO_OK) {
        free(out);
        return NULL;
    }
    return out;
}

static void
check_cert(const uint8_t *der, size_t len, const struct zto_key *want)
{
    struct zto_bytes leaf = ZTO_BYTES(der, len), roots[2];
    struct zto_key pub;

    roots[0] = ZTO_BYTES(w.pki.ca_der, w.pki.ca_len);
    roots[1] = ZTO_BYTES(w.pki.root_der, w.pki.root_len);
    FUZZ_CHECK(zto_cert_chain_verify(&leaf, 1, roots, 2) == ZTO_OK);
    zto_key_init(&pub);
    FUZZ_CHECK(zto_key_from_cert_der(der, len, &pub) == ZTO_OK);
    FUZZ_CHECK(zto_key_equal(&pub, want) == ZTO_OK);
    zto_key_free(&pub);
}

/* Check what the step answered. */
static void
check_answer(const uint8_t *buf, size_t len, size_t count, const struct seen *s)
{
    uint8_t arr[BUDGET + 16], *der, key[1024], p7[8192], cb[8192];
    struct zto_cbor_enc e;
    struct zto_cbor_dec d;
    struct zto_svi svi;
    struct zto_svi_kv kv;
    struct zto_bytes certs[4];
    struct zto_key k;
    size_t al = 0, pos = 0, dl = 0, kl = 0, pl = 0, n = 0;

    zto_cbor_enc_init(&e, arr, sizeof(arr));
    zto_cbor_put_array(&e, count);
    zto_cbor_put_raw(&e, buf, len);
    FUZZ_CHECK(zto_cbor_enc_finish(&e, &al) == ZTO_OK);
    zto_cbor_dec_init(&d, arr, al);
    FUZZ_CHECK(zto_svi_dec(&d, &svi) == ZTO_OK);
    while (zto_svi_next(&svi, &pos, &kv) == ZTO_OK) {
        bool enroll = (kv.message.len == 16 &&
                       memcmp(kv.message.p, "simpleenroll-res", 16) == 0) ||
                      (kv.message.len == 18 &&
                       memcmp(kv.message.p, "simplereenroll-res", 18) == 0);
        bool keygen = kv.message.len == 16 &&
                      memcmp(kv.message.p, "serverkeygen-res", 16) == 0;
        if (!enroll && !keygen)
            continue;
        der = b64_of(kv.value, &dl);
        FUZZ_CHECK(der != NULL);
        if (enroll) {
            /* Only for a request that verified, and for its key. */
            FUZZ_CHECK(s->have_key);
            check_cert(der, dl, &s->key);
        } else {
            FUZZ_CHECK(zto_csr_mime_decode((const char *)der, dl, key,
                                           sizeof(key), &kl, p7, sizeof(p7),
                                           &pl) == ZTO_OK);
            zto_key_init(&k);
            FUZZ_CHECK(zto_key_from_private_der(key, kl, &k) == ZTO_OK);
            if (zto_p7_certs_decode(p7, pl, cb, sizeof(cb), certs, 4, &n) ==
                ZTO_OK) {
                FUZZ_CHECK(n == 1);
                check_cert(certs[0].p, certs[0].len, &k);
            } else {
                check_cert(p7, pl, &k); /* bare */
            }
            zto_key_free(&k);
        }
        free(der);
    }
}

/* Remember the key of a request that verifies, as the owner must
 * check it. */
static void
note_request(struct seen *s, const struct zto_svi_kv *kv)
{
    uint8_t *der, subj[1024];
    size_t dl = 0, sl = 0;
    struct zto_key k;

    der = b64_of(kv->value, &dl);
    if (der == NULL)
        return;
    zto_key_init(&k);
    if (zto_csr_parse(der, dl, true, &k, subj, sizeof(subj), &sl) == ZTO_OK) {
        zto_key_free(&s->key);
        s->key = k;
        s->have_key = true;
    } else {
        zto_key_free(&s->key);
        s->have_key = false;
    }
    free(der);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t obuf[BUDGET];
    struct svi_step st;
    struct svi_run run;
    struct svi_out out;
    struct zto_cbor_dec d;
    struct zto_svi svi;
    struct zto_svi_kv kv;
    struct zto_guid g, next;
    struct seen seen;
    char why[512], msg[64];
    uint8_t params[8];
    size_t pos = 0, pl = 0;
    bool more = false, done = false;
    zto_err_t r;

    if (size < 1 || size > 65536)
        return 0;
    setup();
    memset(&st, 0, sizeof(st));
    snprintf(st.kind, sizeof(st.kind), "csr");
    FUZZ_CHECK(svi_params_build(NULL, 0, params, sizeof(params), &pl) ==
               ZTO_OK);
    st.params = params;
    st.params_len = pl;
    memset(g.b, 0x11, sizeof(g.b));
    memset(next.b, 0x22, sizeof(next.b));
    memset(&run, 0, sizeof(run));
    run.o = &w.o[data[0] & 15];
    run.guid = &g;
    run.next_guid = &next;
    run.st = &st;
    run.why = why;
    run.whycap = sizeof(why);
    memset(&seen, 0, sizeof(seen));
    zto_key_init(&seen.key);
    FUZZ_CHECK(svi_kind_csr.start(&run) == ZTO_OK);
    svi_out_init(&out, obuf, sizeof(obuf), BUDGET);
    FUZZ_CHECK(svi_kind_csr.produce(&run, &out, &more, &done) == ZTO_OK);
    FUZZ_CHECK(out.count == 0 && !done);

    zto_cbor_dec_init(&d, data + 1, size - 1);
    if (zto_svi_dec(&d, &svi) != ZTO_OK)
        goto out;
    while (zto_svi_next(&svi, &pos, &kv) == ZTO_OK) {
        if (kv.module.len != 7 || memcmp(kv.module.p, "fdo.csr", 7) != 0 ||
            kv.message.len >= sizeof(msg) ||
            memchr(kv.message.p, 0, kv.message.len) != NULL)
            continue;
        memcpy(msg, kv.message.p, kv.message.len);
        msg[kv.message.len] = '\0';
        if (strcmp(msg, "simpleenroll-req") == 0 ||
            strcmp(msg, "simplereenroll-req") == 0)
            note_request(&seen, &kv);
        r = svi_kind_csr.receive(&run, msg, kv.value.p, kv.value.len);
        if (r != ZTO_OK) {
            FUZZ_CHECK(r == ZTO_E_LIMIT);
            goto out;
        }
        /* Answer after each message, as a round would. */
        svi_out_init(&out, obuf, sizeof(obuf), BUDGET);
        r = svi_kind_csr.produce(&run, &out, &more, &done);
        FUZZ_CHECK(r == ZTO_OK || r == ZTO_E_LIMIT || r == ZTO_E_SVI);
        if (r != ZTO_OK)
            goto out;
        FUZZ_CHECK(out.len + 8 <= BUDGET);
        check_answer(obuf, out.len, out.count, &seen);
        if (done) {
            /* A generated key never outlives its answer. */
            FUZZ_CHECK(st.blob_len == 0);
            break;
        }
    }
out:
    zto_key_free(&seen.key);
    return 0;
}
