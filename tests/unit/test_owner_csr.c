/*
 * test_owner_csr.c - fdo.csr on the owner (svi_csr.c) through the
 * ServiceInfo engine, against a scripted device, with the session state
 * saved and restored between rounds as the database does:
 *
 *  - cacerts-req 281: the PKCS#7 bundle (issuing CA + root); 287: one
 *    certificate, or error 5 when the bundle has several; other formats
 *    error 5; with csr_bare_certs the 281 answer is one certificate;
 *  - simpleenroll-req: a certificate for the request's key, CN = the
 *    GUID the device leaves TO2 with (or the request's subject), chained
 *    to the bundle, recorded in svi_certs; simplereenroll-req likewise;
 *  - refused with fdo.csr:error and TO2 going on: not base64, not a
 *    request, a wrong signature, a SHA-1 signature, a P-521 key (1), no
 *    CA key (2), serverkeygen off and csrattrs (3), a second request
 *    while one is pending (4);
 *  - serverkeygen-req: multipart key + PKCS#7 certificate, the key type
 *    taken from the request; prepared cert=/key= files delivered
 *    instead, a group-readable prepared key refused;
 *  - a device that asks nothing fails the step (or skips an optional
 *    one); an answer larger than the device's limit fails TO2 saying so;
 *  - plan parameters and CA configuration checked;
 *  - a certificate never outlives the issuing CA (notAfter cut to the
 *    CA's, logged at info; notBefore not before the CA's), and an
 *    expired or not yet valid CA fails TO2 saying so, issuing nothing.
 */
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "csr_fixture.h"
#include "owner_admin.h"
#include "test.h"

/* ---- a scripted device ---- */

struct kv {
    const char *msg;
    uint8_t v[4096];
    size_t n;
};

struct sim {
    struct owner o;
    struct svi_state s;
    struct zto_guid g, next;
    size_t budget;
    bool restore;
    bool devmod_sent;
    /* The last 69. */
    bool more, done;
    struct kv got[8];
    size_t ngot;
    char why[512];
    struct zto_key key; /* the device's enrollment key */
};

static void
kv_uint(struct kv *k, const char *msg, uint64_t u)
{
    struct zto_cbor_enc e;

    k->msg = msg;
    zto_cbor_enc_init(&e, k->v, sizeof(k->v));
    zto_cbor_put_uint(&e, u);
    ASSERT_OK(zto_cbor_enc_finish(&e, &k->n));
}

static void
kv_text(struct kv *k, const char *msg, const char *t, size_t n)
{
    struct zto_cbor_enc e;

    k->msg = msg;
    zto_cbor_enc_init(&e, k->v, sizeof(k->v));
    zto_cbor_put_tstr(&e, t, n);
    ASSERT_OK(zto_cbor_enc_finish(&e, &k->n));
}

static void
kv_b64(struct kv *k, const char *msg, const uint8_t *der, size_t n)
{
    char text[4096];
    size_t tl = 0;

    ASSERT_OK(zto_base64_encode(der, n, text, sizeof(text), &tl));
    kv_text(k, msg, text, tl);
}

/* A request for the sim's key (made on first use). */
static void
kv_csr(struct sim *m, struct kv *k, const char *msg, const char *cn)
{
    uint8_t der[2048];
    size_t n = 0;

    if (m->key.impl == NULL)
        ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &m->key));
    ASSERT_OK(zto_csr_create(&m->key, cn, strlen(cn), der, sizeof(der), &n));
    kv_b64(k, msg, der, n);
}

static void
save_restore(struct svi_state *s)
{
    uint8_t *buf = malloc(65536);
    struct zto_cbor_enc e;
    struct zto_cbor_dec d;
    size_t n = 0;

    zto_cbor_enc_init(&e, buf, 65536);
    svi_state_encode(s, &e);
    ASSERT_OK(zto_cbor_enc_finish(&e, &n));
    svi_state_free(s);
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(svi_state_decode(&d, s));
    free(buf);
}

static void
devmod(struct zto_cbor_enc *e, struct zto_cbor_mark *mk)
{
    static const uint8_t t = 0xf5;
    static const struct {
        const char *k, *v;
    } text[] = {{"os", "linux"},   {"arch", "x86_64"}, {"version", "1"},
                {"device", "sim"}, {"sep", ":"},       {"bin", "x86_64"}};
    uint8_t v[64];
    struct zto_cbor_enc ve;
    size_t n = 0, i;

    zto_svi_enc_kv(e, mk, "devmod", "active", &t, 1);
    for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
        zto_cbor_enc_init(&ve, v, sizeof(v));
        zto_cbor_put_cstr(&ve, text[i].v);
        ASSERT_OK(zto_cbor_enc_finish(&ve, &n));
        zto_svi_enc_kv(e, mk, "devmod", text[i].k, v, n);
    }
    zto_cbor_enc_init(&ve, v, sizeof(v));
    zto_cbor_put_uint(&ve, 2);
    ASSERT_OK(zto_cbor_enc_finish(&ve, &n));
    zto_svi_enc_kv(e, mk, "devmod", "nummodules", v, n);
    zto_cbor_enc_init(&ve, v, sizeof(v));
    zto_cbor_put_array(&ve, 4);
    zto_cbor_put_uint(&ve, 0);
    zto_cbor_put_uint(&ve, 2);
    zto_cbor_put_cstr(&ve, "devmod");
    zto_cbor_put_cstr(&ve, "fdo.csr");
    ASSERT_OK(zto_cbor_enc_finish(&ve, &n));
    zto_svi_enc_kv(e, mk, "devmod", "modules", v, n);
}

/* One round: the device sends kvs (plus devmod the first time, plus
 * "active" when asked), the owner answers; its fdo.csr values land in
 * m->got. */
static zto_err_t
round_trip(struct sim *m, const struct kv *kvs, size_t n)
{
    static const uint8_t t = 0xf5;
    struct zto_cbor_enc e;
    struct zto_cbor_mark mk;
    struct zto_msg_to2_device_svi in;
    struct zto_msg_to2_owner_svi ans;
    struct zto_svi_kv kv;
    uint8_t *kvbuf = malloc(65536), *body = malloc(70000), *out = malloc(70000);
    size_t kl = 0, bl = 0, ol = 0, pos = 0, i;
    bool active = false;
    zto_err_t r;

    for (i = 0; i < m->ngot; i++)
        if (strcmp(m->got[i].msg, "active") == 0)
            active = true;
    zto_cbor_enc_init(&e, kvbuf, 65536);
    zto_svi_enc_open(&e, &mk);
    if (!m->devmod_sent)
        devmod(&e, &mk);
    m->devmod_sent = true;
    if (active)
        zto_svi_enc_kv(&e, &mk, "fdo.csr", "active", &t, 1);
    for (i = 0; i < n; i++)
        zto_svi_enc_kv(&e, &mk, "fdo.csr", kvs[i].msg, kvs[i].v, kvs[i].n);
    zto_svi_enc_close(&e, &mk);
    ASSERT_OK(zto_cbor_enc_finish(&e, &kl));
    zto_cbor_enc_init(&e, body, 70000);
    zto_cbor_put_array(&e, 2);
    zto_cbor_put_bool(&e, false);
    zto_cbor_put_raw(&e, kvbuf, kl);
    ASSERT_OK(zto_cbor_enc_finish(&e, &bl));
    ASSERT_OK(zto_msg_to2_device_svi_decode(body, bl, &in));
    if (m->restore)
        save_restore(&m->s);
    m->s.next_guid = m->next;
    m->ngot = 0;
    r = svi_round(&m->o, &m->s, &m->g, &in, m->budget, out, 70000, &ol, m->why,
                  sizeof(m->why));
    if (r == ZTO_OK) {
        ASSERT_TRUE(ol <= m->budget);
        ASSERT_OK(zto_msg_to2_owner_svi_decode(out, ol, &ans));
        m->more = ans.is_more;
        m->done = ans.is_done;
        while (zto_svi_next(&ans.svi, &pos, &kv) == ZTO_OK &&
               m->ngot < sizeof(m->got) / sizeof(m->got[0])) {
            struct kv *g = &m->got[m->ngot++];
            ASSERT_TRUE(kv.module.len == 7 &&
                        memcmp(kv.module.p, "fdo.csr", 7) == 0);
            g->msg =
                kv.message.len == 6 && memcmp(kv.message.p, "active", 6) == 0
                    ? "active"
                : kv.message.len == 5 && memcmp(kv.message.p, "error", 5) == 0
                    ? "error"
                : kv.message.len == 11 &&
                        memcmp(kv.message.p, "cacerts-res", 11) == 0
                    ? "cacerts-res"
                : kv.message.len == 16 &&
                        memcmp(kv.message.p, "simpleenroll-res", 16) == 0
                    ? "simpleenroll-res"
                : kv.message.len == 18 &&
                        memcmp(kv.message.p, "simplereenroll-res", 18) == 0
                    ? "simplereenroll-res"
                : kv.message.len == 16 &&
                        memcmp(kv.message.p, "serverkeygen-res", 16) == 0
                    ? "serverkeygen-res"
                    : "?";
            ASSERT_TRUE(kv.value.len <= sizeof(g->v));
            memcpy(g->v, kv.value.p, kv.value.len);
            g->n = kv.value.len;
        }
    }
    free(kvbuf);
    free(body);
    free(out);
    return r;
}

/* The value of message msg in the last answer, or NULL. */
static const struct kv *
got(const struct sim *m, const char *msg)
{
    size_t i;

    for (i = 0; i < m->ngot; i++)
        if (strcmp(m->got[i].msg, msg) == 0)
            return &m->got[i];
    return NULL;
}

static uint64_t
got_error(const struct sim *m)
{
    const struct kv *k = got(m, "error");
    struct zto_cbor_dec d;
    uint64_t u = 0;

    if (k == NULL)
        return 0;
    zto_cbor_dec_init(&d, k->v, k->n);
    ASSERT_OK(zto_cbor_get_uint(&d, &u));
    return u;
}

/* A base64 text value, decoded (heap). */
static uint8_t *
got_b64(const struct sim *m, const char *msg, size_t *len)
{
    const struct kv *k = got(m, msg);
    struct zto_cbor_dec d;
    struct zto_bytes t;
    uint8_t *out;

    *len = 0;
    if (k == NULL)
        return NULL;
    zto_cbor_dec_init(&d, k->v, k->n);
    ASSERT_OK(zto_cbor_get_tstr(&d, &t));
    out = malloc(t.len + 1);
    ASSERT_OK(zto_base64_decode((const char *)t.p, t.len, out, t.len + 1, len));
    return out;
}

static void
sim_open(struct sim *m, const struct csr_pki *p, size_t chain_len,
         bool with_key, const struct svi_csr_conf *c, const char *const *kv,
         size_t npairs, bool optional)
{
    char why[256];

    memset(m, 0, sizeof(*m));
    zto_key_init(&m->key);
    owner_init(&m->o);
    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &m->o.db));
    ASSERT_OK(
        csr_pki_owner(&m->o, p, chain_len, with_key, c, why, sizeof(why)));
    ASSERT_OK(owner_plan_add(&m->o, "all", "", "csr", kv, npairs, optional,
                             NULL, why, sizeof(why)));
    memset(m->g.b, 0x42, sizeof(m->g.b));
    memset(m->next.b, 0x7e, sizeof(m->next.b));
    m->budget = 8192;
    m->restore = true;
    svi_state_init(&m->s);
    ASSERT_OK(svi_load_plan(&m->o, &m->s, &m->g, &m->g, ""));
}

static void
sim_close(struct sim *m)
{
    svi_state_free(&m->s);
    zto_key_free(&m->key);
    zto_db_close(m->o.db);
    m->o.db = NULL;
    owner_free(&m->o);
}

/* devmod in, "active" out. */
static void
sim_start(struct sim *m)
{
    ASSERT_OK(round_trip(m, NULL, 0));
    ASSERT_TRUE(got(m, "active") != NULL);
    ASSERT_TRUE(!m->more && !m->done);
}

/* The certificate answered (DER in a static buffer). */
static void
check_cert(const struct csr_pki *p, const uint8_t *der, size_t len,
           const struct zto_key *key, const char *subject)
{
    struct zto_bytes leaf = ZTO_BYTES(der, len), roots[2];
    struct zto_cert_info info;
    struct zto_key pub;

    roots[0] = ZTO_BYTES(p->ca_der, p->ca_len);
    roots[1] = ZTO_BYTES(p->root_der, p->root_len);
    zto_key_init(&pub);
    ASSERT_OK(zto_cert_info(der, len, &info));
    ASSERT_TRUE(!info.is_ca);
    ASSERT_TRUE(strcmp(info.subject, subject) == 0);
    ASSERT_TRUE(info.not_after - info.not_before <= 30 * 86400 + 3600);
    ASSERT_OK(zto_key_from_cert_der(der, len, &pub));
    ASSERT_OK(zto_key_equal(&pub, key));
    zto_key_free(&pub);
    ASSERT_OK(zto_cert_chain_verify(&leaf, 1, roots, 2));
    ASSERT_ERR(zto_cert_chain_verify(&leaf, 1, roots + 1, 1), ZTO_E_CERT);
}

struct rows {
    int n;
    struct zto_db_cert last;
};

static int
row_cb(void *ctx, const struct zto_db_cert *c)
{
    struct rows *r = ctx;

    r->n++;
    r->last = *c;
    r->last.cert = ZTO_BYTES_NULL;
    return 0;
}

/* ---- the normal flow ---- */

static void
test_enroll(const struct csr_pki *p, bool restore, bool reenroll)
{
    struct sim m;
    struct kv k;
    struct zto_bytes certs[4];
    struct rows rows;
    uint8_t *der, buf[8192];
    size_t len = 0, n = 0;
    char cn[33];

    sim_open(&m, p, 2, true, NULL, NULL, 0, false);
    m.restore = restore;
    sim_start(&m);

    /* The bundle: PKCS#7 of the issuing CA and the root. */
    kv_uint(&k, "cacerts-req", 281);
    ASSERT_OK(round_trip(&m, &k, 1));
    der = got_b64(&m, "cacerts-res", &len);
    ASSERT_TRUE(der != NULL);
    ASSERT_OK(zto_p7_certs_decode(der, len, buf, sizeof(buf), certs, 4, &n));
    ASSERT_EQ(n, 2);
    if (n == 2) {
        ASSERT_TRUE(certs[0].len == p->ca_len &&
                    memcmp(certs[0].p, p->ca_der, p->ca_len) == 0);
        ASSERT_TRUE(certs[1].len == p->root_len &&
                    memcmp(certs[1].p, p->root_der, p->root_len) == 0);
    }
    free(der);
    ASSERT_TRUE(!m.more && !m.done);

    /* The certificate, for the next GUID. */
    kv_csr(&m, &k, reenroll ? "simplereenroll-req" : "simpleenroll-req",
           "SN-1");
    ASSERT_OK(round_trip(&m, &k, 1));
    der =
        got_b64(&m, reenroll ? "simplereenroll-res" : "simpleenroll-res", &len);
    ASSERT_TRUE(der != NULL);
    owner_guid_hex(&m.next, cn);
    {
        char subj[40];
        snprintf(subj, sizeof(subj), "CN=%s", cn);
        if (der != NULL)
            check_cert(p, der, len, &m.key, subj);
    }
    ASSERT_TRUE(!m.done);
    /* Recorded: the GUID after TO2, the one it started with. */
    memset(&rows, 0, sizeof(rows));
    ASSERT_OK(zto_db_owner_cert_list(m.o.db, &m.next, row_cb, &rows));
    ASSERT_EQ(rows.n, 1);
    ASSERT_TRUE(memcmp(&rows.last.to2_guid, &m.g, sizeof(m.g)) == 0);
    ASSERT_TRUE(strcmp(rows.last.origin, reenroll ? "reenroll" : "enroll") ==
                0);
    free(der);

    /* Step finished: IsDone next. */
    ASSERT_OK(round_trip(&m, NULL, 0));
    ASSERT_TRUE(m.done);
    ASSERT_EQ(m.ngot, 0);
    sim_close(&m);
}

/* subject=csr: the request's subject; days=2. */
static void
test_subject(const struct csr_pki *p)
{
    const char *kv[] = {"subject", "csr", "days", "2"};
    struct sim m;
    struct kv k;
    struct zto_cert_info info;
    uint8_t *der;
    size_t len = 0;

    sim_open(&m, p, 2, true, NULL, kv, 2, false);
    sim_start(&m);
    kv_csr(&m, &k, "simpleenroll-req", "pump-17");
    ASSERT_OK(round_trip(&m, &k, 1));
    der = got_b64(&m, "simpleenroll-res", &len);
    ASSERT_TRUE(der != NULL);
    ASSERT_OK(zto_cert_info(der, len, &info));
    ASSERT_TRUE(strcmp(info.subject, "CN=pump-17") == 0);
    ASSERT_EQ(info.not_after - info.not_before, 2 * 86400 + 3600);
    free(der);
    sim_close(&m);
}

/* ---- refusals: fdo.csr:error, TO2 goes on ---- */

static size_t
raw_csr(EVP_PKEY *pk, const EVP_MD *md, uint8_t *out, size_t cap)
{
    X509_REQ *req = X509_REQ_new();
    unsigned char *w = out;
    int n;

    if (req == NULL || X509_REQ_set_pubkey(req, pk) != 1 ||
        X509_REQ_sign(req, pk, md) <= 0 || (n = i2d_X509_REQ(req, NULL)) <= 0 ||
        (size_t)n > cap || i2d_X509_REQ(req, &w) != n)
        abort();
    X509_REQ_free(req);
    return (size_t)n;
}

static void
expect_error(struct sim *m, const struct kv *k, size_t n, uint64_t code)
{
    ASSERT_OK(round_trip(m, k, n));
    ASSERT_EQ(got_error(m), code);
    ASSERT_TRUE(!m->done);
}

static void
test_refusals(const struct csr_pki *p)
{
    struct sim m;
    struct kv k[2];
    uint8_t der[2048];
    size_t n = 0;
    EVP_PKEY *pk;

    sim_open(&m, p, 2, true, NULL, NULL, 0, false);
    sim_start(&m);
    /* Formats. */
    kv_uint(&k[0], "cacerts-req", 287); /* two certificates configured */
    expect_error(&m, k, 1, 5);
    kv_uint(&k[0], "cacerts-req", 999);
    expect_error(&m, k, 1, 5);
    kv_text(&k[0], "cacerts-req", "281", 3);
    expect_error(&m, k, 1, 1);
    /* Not base64, not a request, a wrong signature. */
    kv_text(&k[0], "simpleenroll-req", "not base64!", 11);
    expect_error(&m, k, 1, 1);
    kv_b64(&k[0], "simpleenroll-req", (const uint8_t *)"\x30\x03\x02\x01\x00",
           5);
    expect_error(&m, k, 1, 1);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &m.key));
    ASSERT_OK(zto_csr_create(&m.key, "x", 1, der, sizeof(der), &n));
    der[n - 5] ^= 0x40;
    kv_b64(&k[0], "simpleenroll-req", der, n);
    expect_error(&m, k, 1, 1);
    /* SHA-1, P-521. */
    pk = EVP_EC_gen("P-256");
    n = raw_csr(pk, EVP_sha1(), der, sizeof(der));
    EVP_PKEY_free(pk);
    kv_b64(&k[0], "simpleenroll-req", der, n);
    expect_error(&m, k, 1, 1);
    pk = EVP_EC_gen("P-521");
    n = raw_csr(pk, EVP_sha512(), der, sizeof(der));
    EVP_PKEY_free(pk);
    kv_b64(&k[0], "simpleenroll-req", der, n);
    expect_error(&m, k, 1, 1);
    /* CSR attributes are not offered. */
    kv_uint(&k[0], "csrattrs-req", 0);
    expect_error(&m, k, 1, 3);
    /* Nothing was issued. */
    {
        struct rows rows;
        memset(&rows, 0, sizeof(rows));
        ASSERT_OK(zto_db_owner_cert_list(m.o.db, NULL, row_cb, &rows));
        ASSERT_EQ(rows.n, 0);
    }
    /* A good request still works, a second one at once is refused (4)
     * and the first answered. */
    kv_csr(&m, &k[0], "simpleenroll-req", "x");
    kv_csr(&m, &k[1], "simpleenroll-req", "y");
    ASSERT_OK(round_trip(&m, k, 2));
    ASSERT_EQ(got_error(&m), 4);
    ASSERT_TRUE(got(&m, "simpleenroll-res") != NULL);
    ASSERT_OK(round_trip(&m, NULL, 0));
    ASSERT_TRUE(m.done);
    sim_close(&m);

    /* No CA key: unauthorized (2). Serverkeygen off: 3. */
    sim_open(&m, p, 2, false, NULL, NULL, 0, false);
    sim_start(&m);
    kv_csr(&m, &k[0], "simpleenroll-req", "x");
    expect_error(&m, k, 1, 2);
    sim_close(&m);
    {
        const char *kv[] = {"keygen", "no"};
        sim_open(&m, p, 2, true, NULL, kv, 1, false);
        sim_start(&m);
        kv_csr(&m, &k[0], "serverkeygen-req", "x");
        expect_error(&m, k, 1, 3);
        sim_close(&m);
    }
}

/* ---- serverkeygen ---- */

static void
test_serverkeygen(const struct csr_pki *p, int32_t hint)
{
    struct sim m;
    struct kv k;
    struct zto_key key, hk;
    struct zto_bytes certs[2];
    uint8_t *body, kd[512], p7[4096], buf[4096], csr[1024];
    size_t bl = 0, kl = 0, pl = 0, n = 0, cl = 0;
    struct rows rows;
    char cn[33], subj[40];

    sim_open(&m, p, 2, true, NULL, NULL, 0, false);
    sim_start(&m);
    zto_key_init(&hk);
    ASSERT_OK(zto_key_generate(hint, 0, &hk));
    ASSERT_OK(zto_csr_create(&hk, "x", 1, csr, sizeof(csr), &cl));
    csr[cl - 4] ^= 0x10; /* its signature is ignored */
    kv_b64(&k, "serverkeygen-req", csr, cl);
    ASSERT_OK(round_trip(&m, &k, 1));
    body = got_b64(&m, "serverkeygen-res", &bl);
    ASSERT_TRUE(body != NULL);
    ASSERT_TRUE(bl > 5 && memcmp(body, "--fdo", 5) == 0);
    ASSERT_OK(zto_csr_mime_decode((const char *)body, bl, kd, sizeof(kd), &kl,
                                  p7, sizeof(p7), &pl));
    zto_key_init(&key);
    ASSERT_OK(zto_key_from_private_der(kd, kl, &key));
    ASSERT_EQ(key.pk_type, hint);
    ASSERT_OK(zto_p7_certs_decode(p7, pl, buf, sizeof(buf), certs, 2, &n));
    ASSERT_EQ(n, 1);
    owner_guid_hex(&m.next, cn);
    snprintf(subj, sizeof(subj), "CN=%s", cn);
    check_cert(p, certs[0].p, certs[0].len, &key, subj);
    /* The key left the step state once sent. */
    ASSERT_EQ(m.s.step[0].blob_len, 0);
    memset(&rows, 0, sizeof(rows));
    ASSERT_OK(zto_db_owner_cert_list(m.o.db, NULL, row_cb, &rows));
    ASSERT_EQ(rows.n, 1);
    ASSERT_TRUE(strcmp(rows.last.origin, "serverkeygen") == 0);
    free(body);
    zto_key_free(&key);
    zto_key_free(&hk);
    sim_close(&m);
}

/* cert= and key=: those files, for serverkeygen only. */
static void
test_premade(const struct csr_pki *p)
{
    char dir[] = "/tmp/zto_csr_XXXXXX", cpath[64], kpath[64], why[256];
    const char *kv[] = {"cert", cpath, "key", kpath};
    struct zto_key devkey, key;
    struct zto_cert_tmpl t;
    struct zto_bytes certs[2];
    uint8_t der[2048], *body, kd[512], p7[4096], buf[4096];
    size_t dl = 0, bl = 0, kl = 0, pl = 0, n = 0;
    char pem[4096];
    struct sim m;
    struct kv k;
    FILE *f;

    ASSERT_TRUE(mkdtemp(dir) != NULL);
    snprintf(cpath, sizeof(cpath), "%s/dev.crt", dir);
    snprintf(kpath, sizeof(kpath), "%s/dev.key", dir);
    zto_key_init(&devkey);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP384R1, 0, &devkey));
    memset(&t, 0, sizeof(t));
    t.cn = "prepared";
    t.cn_len = 8;
    t.now = (int64_t)time(NULL);
    t.days = 10;
    t.profile = ZTO_CERT_OPERATIONAL;
    ASSERT_OK(zto_cert_issue(&p->ca, p->ca_der, p->ca_len, &devkey, &t, der,
                             sizeof(der), &dl));
    ASSERT_OK(zto_pem_encode("CERTIFICATE", der, dl, pem, sizeof(pem), &n));
    f = fopen(cpath, "w");
    fwrite(pem, 1, n, f);
    fclose(f);
    ASSERT_OK(zto_key_private_pem(&devkey, pem, sizeof(pem), &n));
    f = fopen(kpath, "w");
    fwrite(pem, 1, n, f);
    fclose(f);
    chmod(kpath, 0600);

    sim_open(&m, p, 2, true, NULL, kv, 2, false);
    sim_start(&m);
    /* Enrolling its own key is not what this step is for. */
    kv_csr(&m, &k, "simpleenroll-req", "x");
    expect_error(&m, &k, 1, 2);
    kv_csr(&m, &k, "serverkeygen-req", "x");
    ASSERT_OK(round_trip(&m, &k, 1));
    body = got_b64(&m, "serverkeygen-res", &bl);
    ASSERT_TRUE(body != NULL);
    ASSERT_OK(zto_csr_mime_decode((const char *)body, bl, kd, sizeof(kd), &kl,
                                  p7, sizeof(p7), &pl));
    zto_key_init(&key);
    ASSERT_OK(zto_key_from_private_der(kd, kl, &key));
    ASSERT_OK(zto_key_equal(&key, &devkey));
    ASSERT_OK(zto_p7_certs_decode(p7, pl, buf, sizeof(buf), certs, 2, &n));
    ASSERT_TRUE(n == 1 && certs[0].len == dl &&
                memcmp(certs[0].p, der, dl) == 0);
    zto_key_free(&key);
    free(body);
    sim_close(&m);

    /* A prepared key others can read: the step fails at its start. */
    chmod(kpath, 0640);
    sim_open(&m, p, 2, true, NULL, kv, 2, false);
    ASSERT_ERR(round_trip(&m, NULL, 0), ZTO_E_PERM);
    ASSERT_TRUE(strstr(m.why, "group or others") != NULL);
    sim_close(&m);

    /* Plan checks: cert without key. */
    {
        struct owner o;
        const char *bad[] = {"cert", cpath};
        owner_init(&o);
        ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &o.db));
        ASSERT_ERR(owner_plan_add(&o, "all", "", "csr", bad, 1, false, NULL,
                                  why, sizeof(why)),
                   ZTO_E_CONFIG);
        zto_db_close(o.db);
        o.db = NULL;
        owner_free(&o);
    }
    unlink(cpath);
    unlink(kpath);
    rmdir(dir);
    zto_key_free(&devkey);
}

/* ---- formats and configuration ---- */

static void
test_formats(const struct csr_pki *p)
{
    struct svi_csr_conf c;
    struct sim m;
    struct kv k;
    uint8_t *der;
    size_t len = 0;

    /* A self-signed issuing CA: one certificate, which 287 gets. */
    sim_open(&m, p, 2, true, NULL, NULL, 0, false);
    {
        struct owner_key ok;
        struct zto_bytes root = ZTO_BYTES(p->root_der, p->root_len);
        char pem[1024], why[256];
        size_t n = 0;
        memset(&c, 0, sizeof(c));
        c.days = 30;
        c.subject = "guid";
        ASSERT_OK(zto_key_private_pem(&p->root, pem, sizeof(pem), &n));
        ASSERT_OK(owner_key_from_pem(&ok, "root", pem, n, why, sizeof(why)));
        ASSERT_OK(svi_csr_setup_der(&m.o, &ok, &root, 1, NULL, 0, &c, why,
                                    sizeof(why)));
    }
    sim_start(&m);
    kv_uint(&k, "cacerts-req", 287);
    ASSERT_OK(round_trip(&m, &k, 1));
    der = got_b64(&m, "cacerts-res", &len);
    ASSERT_TRUE(der != NULL && len == p->root_len &&
                memcmp(der, p->root_der, len) == 0);
    free(der);
    sim_close(&m);

    /* csr_bare_certs: 281 is answered with the issuing CA alone. */
    memset(&c, 0, sizeof(c));
    c.days = 30;
    c.subject = "guid";
    c.keygen = true;
    c.bare = true;
    sim_open(&m, p, 2, true, &c, NULL, 0, false);
    sim_start(&m);
    kv_uint(&k, "cacerts-req", 281);
    ASSERT_OK(round_trip(&m, &k, 1));
    der = got_b64(&m, "cacerts-res", &len);
    ASSERT_TRUE(der != NULL && len == p->ca_len &&
                memcmp(der, p->ca_der, len) == 0);
    free(der);
    sim_close(&m);
}

static void
test_config(const struct csr_pki *p)
{
    struct owner o;
    struct svi_csr_conf c;
    struct owner_key k;
    struct zto_bytes chain[2];
    char pem[1024], why[512];
    size_t n = 0;
    const char *badkv[][2] = {{"days", "0"},
                              {"days", "x"},
                              {"subject", "cn"},
                              {"keygen", "maybe"},
                              {"color", "red"}};
    size_t i;

    owner_init(&o);
    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &o.db));
    memset(&c, 0, sizeof(c));
    c.days = 30;
    c.subject = "guid";
    /* The root's key for the issuing CA's certificate. */
    chain[0] = ZTO_BYTES(p->ca_der, p->ca_len);
    chain[1] = ZTO_BYTES(p->root_der, p->root_len);
    ASSERT_OK(zto_key_private_pem(&p->root, pem, sizeof(pem), &n));
    ASSERT_OK(owner_key_from_pem(&k, "k", pem, n, why, sizeof(why)));
    ASSERT_ERR(
        svi_csr_setup_der(&o, &k, chain, 2, NULL, 0, &c, why, sizeof(why)),
        ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(why, "does not match") != NULL);
    /* Missing root. */
    ASSERT_ERR(
        svi_csr_setup_der(&o, NULL, chain, 1, NULL, 0, &c, why, sizeof(why)),
        ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(why, "self-signed root") != NULL);
    /* ... given as the extra bundle instead: fine. */
    ASSERT_OK(svi_csr_setup_der(&o, NULL, chain, 1, chain + 1, 1, &c, why,
                                sizeof(why)));
    ASSERT_EQ(o.csr_ca->ncerts, 2);
    c.subject = "cn";
    ASSERT_ERR(
        svi_csr_setup_der(&o, NULL, chain, 2, NULL, 0, &c, why, sizeof(why)),
        ZTO_E_CONFIG);
    for (i = 0; i < sizeof(badkv) / sizeof(badkv[0]); i++)
        ASSERT_ERR(owner_plan_add(&o, "all", "", "csr", badkv[i], 1, false,
                                  NULL, why, sizeof(why)),
                   ZTO_E_CONFIG);
    zto_db_close(o.db);
    o.db = NULL;
    owner_free(&o);
}

/* ---- silence and size ---- */

static void
test_idle_and_size(const struct csr_pki *p)
{
    struct sim m;
    struct kv k;
    int i;
    zto_err_t r = ZTO_OK;

    /* Never asking: the step fails after a few rounds... */
    sim_open(&m, p, 2, true, NULL, NULL, 0, false);
    sim_start(&m);
    for (i = 0; i < 10 && (r = round_trip(&m, NULL, 0)) == ZTO_OK; i++)
        ;
    ASSERT_ERR(r, ZTO_E_SVI);
    ASSERT_TRUE(i <= 4);
    ASSERT_TRUE(strstr(m.why, "asked for no certificate") != NULL);
    sim_close(&m);
    /* ... or is given up when optional. */
    sim_open(&m, p, 2, true, NULL, NULL, 0, true);
    sim_start(&m);
    for (i = 0; i < 10 && !m.done; i++)
        ASSERT_OK(round_trip(&m, NULL, 0));
    ASSERT_TRUE(m.done);
    sim_close(&m);

    /* The session continued by a process configured without the CA. */
    sim_open(&m, p, 2, true, NULL, NULL, 0, false);
    sim_start(&m);
    svi_csr_ca_free(m.o.csr_ca);
    free(m.o.csr_ca);
    m.o.csr_ca = NULL;
    kv_uint(&k, "cacerts-req", 281);
    ASSERT_ERR(round_trip(&m, &k, 1), ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(m.why, "no issuing CA") != NULL);
    sim_close(&m);

    /* A bundle bigger than the device takes. */
    sim_open(&m, p, 2, true, NULL, NULL, 0, false);
    m.budget = 600;
    sim_start(&m);
    kv_uint(&k, "cacerts-req", 281);
    ASSERT_ERR(round_trip(&m, &k, 1), ZTO_E_LIMIT);
    ASSERT_TRUE(strstr(m.why, "cacerts-res does not fit") != NULL);
    sim_close(&m);
}

/* ---- the issuing CA's own validity ---- */

struct logs {
    char text[4096];
};

static void
log_line(void *ctx, int level, const char *line)
{
    struct logs *l = ctx;
    size_t n = strlen(l->text);

    if (level == OWNER_LOG_INFO)
        snprintf(l->text + n, sizeof(l->text) - n, "%s\n", line);
}

/* An enrollment with the owner's clock at `at`; the certificate's
 * validity in *info (zeroed when none was issued). */
static zto_err_t
enroll_at(const struct csr_pki *p, int64_t at, struct zto_cert_info *info,
          struct logs *logs, char *why, size_t whycap)
{
    struct sim m;
    struct kv k;
    struct rows rows;
    uint8_t *der;
    size_t len = 0;
    zto_err_t r;

    memset(info, 0, sizeof(*info));
    memset(logs, 0, sizeof(*logs));
    sim_open(&m, p, 2, true, NULL, NULL, 0, false);
    m.o.log = log_line;
    m.o.log_ctx = logs;
    m.o.clock = at;
    sim_start(&m);
    kv_csr(&m, &k, "simpleenroll-req", "SN-1");
    r = round_trip(&m, &k, 1);
    snprintf(why, whycap, "%s", m.why);
    der = got_b64(&m, "simpleenroll-res", &len);
    if (der != NULL) {
        ASSERT_OK(zto_cert_info(der, len, info));
        /* Verified at the real time: only what is valid now. */
        if (info->not_before <= (int64_t)time(NULL))
            check_cert(p, der, len, &m.key, info->subject);
    }
    free(der);
    /* Recorded only when issued. */
    memset(&rows, 0, sizeof(rows));
    ASSERT_OK(zto_db_owner_cert_list(m.o.db, NULL, row_cb, &rows));
    ASSERT_EQ(rows.n, der != NULL ? 1 : 0);
    if (rows.n == 1)
        ASSERT_EQ(rows.last.not_after, info->not_after);
    sim_close(&m);
    return r;
}

/* csr_pki's CA is valid from an hour ago for 365 days; certificates are
 * asked for 30. */
static void
test_ca_validity(const struct csr_pki *p)
{
    struct zto_cert_info ca, info;
    struct logs logs;
    char why[512];
    int64_t now = (int64_t)time(NULL), at;

    ASSERT_OK(zto_cert_info(p->ca_der, p->ca_len, &ca));
    /* Well inside: 30 days and an hour, nothing logged about it. */
    ASSERT_OK(enroll_at(p, now, &info, &logs, why, sizeof(why)));
    ASSERT_EQ(info.not_after - info.not_before, 30 * 86400 + 3600);
    ASSERT_TRUE(strstr(logs.text, "cut") == NULL);
    /* Ten days before the CA ends: notAfter is the CA's, logged at info. */
    at = ca.not_after - 10 * 86400;
    ASSERT_OK(enroll_at(p, at, &info, &logs, why, sizeof(why)));
    ASSERT_EQ(info.not_after, ca.not_after);
    ASSERT_EQ(info.not_before, at - 3600);
    ASSERT_TRUE(strstr(logs.text, "validity cut to the issuing CA's "
                                  "notAfter") != NULL);
    ASSERT_TRUE(strstr(logs.text, "30 days asked") != NULL);
    /* The CA's last second still issues, for that second. */
    at = ca.not_after - 1;
    ASSERT_OK(enroll_at(p, at, &info, &logs, why, sizeof(why)));
    ASSERT_EQ(info.not_after, ca.not_after);
    /* Expired: TO2 fails saying so, nothing issued or recorded. */
    ASSERT_ERR(enroll_at(p, ca.not_after, &info, &logs, why, sizeof(why)),
               ZTO_E_CONFIG);
    ASSERT_EQ(info.not_after, 0);
    ASSERT_TRUE(strstr(why, "the issuing CA (CN=test issuing CA) expired "
                            "on ") != NULL);
    ASSERT_ERR(enroll_at(p, now + 400 * 86400, &info, &logs, why, sizeof(why)),
               ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(why, "expired on") != NULL);
    /* Not valid yet. */
    ASSERT_ERR(enroll_at(p, ca.not_before - 1, &info, &logs, why, sizeof(why)),
               ZTO_E_CONFIG);
    ASSERT_EQ(info.not_after, 0);
    ASSERT_TRUE(strstr(why, "is not valid before") != NULL);
    /* Within the CA's first hour: notBefore is the CA's, not earlier. */
    at = ca.not_before + 60;
    ASSERT_OK(enroll_at(p, at, &info, &logs, why, sizeof(why)));
    ASSERT_EQ(info.not_before, ca.not_before);
}

int
main(void)
{
    struct csr_pki p256, p384;

    TEST_START("owner_csr");
    ASSERT_OK(csr_pki_make(&p256, ZTO_PK_SECP256R1));
    ASSERT_OK(csr_pki_make(&p384, ZTO_PK_SECP384R1));
    test_enroll(&p256, false, false);
    test_enroll(&p384, true, false);
    test_enroll(&p256, true, true);
    test_subject(&p256);
    test_refusals(&p256);
    test_serverkeygen(&p256, ZTO_PK_SECP256R1);
    test_serverkeygen(&p384, ZTO_PK_SECP384R1);
    test_premade(&p256);
    test_formats(&p256);
    test_config(&p384);
    test_idle_and_size(&p256);
    test_ca_validity(&p256);
    csr_pki_free(&p256);
    csr_pki_free(&p384);
    TEST_DONE();
}
