/*
 * test_mod_csr.c - fdo.csr on a POSIX device (mod_csr.c), driven
 * message by message with this test as the owner:
 *
 *  - the device asks for the bundle (281), then sends a CSR for a fresh
 *    P-256 / P-384 key; key, certificate and bundle appear only when TO2
 *    completes (temporary files before; the key 0600), and match;
 *  - a failed TO2 leaves the directory as it was (old files kept, no
 *    temporary file);
 *  - refused, nothing written: a certificate for another key, one that
 *    does not verify against the bundle, fdo.csr:error, answers out of
 *    order, a bundle holding a non-CA certificate;
 *  - serverkeygen: PKCS#7 or bare certificate (go-fdo) with the key;
 *  - a bare DER bundle (go-fdo's answer to 281) is accepted;
 *  - a request that never fits the owner's limit fails after a few tries.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../device/src/svi_int.h"
#include "csr_pki.h"
#include "test.h"
#include "zto/zto_codec.h"
#include "zto/zto_util.h"
#include "zto_posix_modules.h"

struct dev {
    char dir[64];
    struct zto_posix_csr c;
    struct zto_svi_module m;
};

static void
dev_open(struct dev *d, int32_t type, bool keygen)
{
    snprintf(d->dir, sizeof(d->dir), "/tmp/zto_modcsr_XXXXXX");
    ASSERT_TRUE(mkdtemp(d->dir) != NULL);
    ASSERT_OK(zto_posix_csr_init(&d->c, d->dir, type, keygen, "SN-9", &d->m));
}

/* Files in the directory (names joined by spaces). */
static int
dir_list(const struct dev *d, char *names, size_t cap)
{
    DIR *dh = opendir(d->dir);
    struct dirent *e;
    int n = 0;

    names[0] = '\0';
    if (dh == NULL)
        return -1;
    while ((e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
                                    (e->d_name[1] == '.' && e->d_name[2] == 0)))
            continue;
        strncat(names, e->d_name, cap - strlen(names) - 2);
        strncat(names, " ", cap - strlen(names) - 1);
        n++;
    }
    closedir(dh);
    return n;
}

static void
dev_close(struct dev *d)
{
    char cmd[128];

    zto_posix_csr_free(&d->c);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", d->dir);
}

/* produce() into a message of `budget` bytes; the fdo.csr value of
 * message msg is copied to v. */
static zto_err_t
produce(struct dev *d, size_t budget, const char *msg, uint8_t *v, size_t cap,
        size_t *vl, bool *more)
{
    struct zto_svi_out o;
    struct zto_svi s;
    struct zto_svi_kv kv;
    struct zto_cbor_dec dec;
    uint8_t buf[8192];
    size_t pos = 0;
    zto_err_t r;

    zto_cbor_enc_init(&o.e, buf, sizeof(buf));
    o.e.len = SVI_OUT_GAP;
    memset(&o.m, 0, sizeof(o.m));
    o.count = 0;
    o.budget = budget;
    *vl = 0;
    if ((r = d->m.produce(d->m.ctx, &o, more)) != ZTO_OK)
        return r;
    if (o.count == 0)
        return ZTO_OK;
    /* The kvs follow the gap as an indefinite run: wrap them in an array
     * head to iterate. */
    {
        uint8_t arr[8192 + 8];
        struct zto_cbor_enc h;
        size_t hl = 0, body = o.e.len - SVI_OUT_GAP;
        zto_cbor_enc_init(&h, arr, sizeof(arr));
        zto_cbor_put_array(&h, o.count);
        zto_cbor_put_raw(&h, buf + SVI_OUT_GAP, body);
        ASSERT_OK(zto_cbor_enc_finish(&h, &hl));
        zto_cbor_dec_init(&dec, arr, hl);
        ASSERT_OK(zto_svi_dec(&dec, &s));
        while (zto_svi_next(&s, &pos, &kv) == ZTO_OK) {
            ASSERT_TRUE(kv.module.len == 7 &&
                        memcmp(kv.module.p, "fdo.csr", 7) == 0);
            if (kv.message.len == strlen(msg) &&
                memcmp(kv.message.p, msg, kv.message.len) == 0 &&
                kv.value.len <= cap) {
                memcpy(v, kv.value.p, kv.value.len);
                *vl = kv.value.len;
            }
        }
    }
    return ZTO_OK;
}

static zto_err_t
give(struct dev *d, const char *msg, const uint8_t *v, size_t n)
{
    return d->m.receive(d->m.ctx, msg, strlen(msg), v, n);
}

static zto_err_t
give_b64(struct dev *d, const char *msg, const uint8_t *der, size_t n)
{
    char *text = malloc(zto_base64_len(n) + 1);
    uint8_t *v = malloc(zto_base64_len(n) + 16);
    struct zto_cbor_enc e;
    size_t tl = 0, vl = 0;
    zto_err_t r;

    ASSERT_OK(zto_base64_encode(der, n, text, zto_base64_len(n) + 1, &tl));
    zto_cbor_enc_init(&e, v, zto_base64_len(n) + 16);
    zto_cbor_put_tstr(&e, text, tl);
    ASSERT_OK(zto_cbor_enc_finish(&e, &vl));
    r = give(d, msg, v, vl);
    free(text);
    free(v);
    return r;
}

/* The device's first message and the bundle back; PKCS#7 or bare. */
static void
bundle(struct dev *d, const struct csr_pki *p, bool bare)
{
    uint8_t v[64], p7[4096];
    struct zto_bytes certs[2];
    struct zto_cbor_dec dec;
    size_t vl = 0, n = 0;
    uint64_t fmt = 0;
    bool more = true;

    ASSERT_OK(produce(d, 1300, "cacerts-req", v, sizeof(v), &vl, &more));
    ASSERT_TRUE(!more);
    zto_cbor_dec_init(&dec, v, vl);
    ASSERT_OK(zto_cbor_get_uint(&dec, &fmt));
    ASSERT_EQ(fmt, 281);
    /* Nothing more until the bundle is there. */
    ASSERT_OK(produce(d, 1300, "simpleenroll-req", v, sizeof(v), &vl, &more));
    ASSERT_EQ(vl, 0);
    if (bare) {
        ASSERT_OK(give_b64(d, "cacerts-res", p->root_der, p->root_len));
        return;
    }
    certs[0] = ZTO_BYTES(p->ca_der, p->ca_len);
    certs[1] = ZTO_BYTES(p->root_der, p->root_len);
    ASSERT_OK(zto_p7_certs_encode(certs, 2, p7, sizeof(p7), &n));
    ASSERT_OK(give_b64(d, "cacerts-res", p7, n));
}

/* The request the device sends next: its key in *pub. */
static void
request(struct dev *d, const char *msg, struct zto_key *pub)
{
    uint8_t v[4096], der[2048], subj[256];
    struct zto_cbor_dec dec;
    struct zto_bytes t;
    size_t vl = 0, dl = 0, sl = 0;
    bool more = true;

    ASSERT_OK(produce(d, 1300, msg, v, sizeof(v), &vl, &more));
    ASSERT_TRUE(vl > 0 && !more);
    zto_cbor_dec_init(&dec, v, vl);
    ASSERT_OK(zto_cbor_get_tstr(&dec, &t));
    ASSERT_OK(
        zto_base64_decode((const char *)t.p, t.len, der, sizeof(der), &dl));
    ASSERT_OK(zto_csr_parse(der, dl, true, pub, subj, sizeof(subj), &sl));
}

static void
issue_for(const struct zto_key *issuer, const uint8_t *idr, size_t il,
          const struct zto_key *key, uint8_t *out, size_t *len)
{
    struct zto_cert_tmpl t;

    memset(&t, 0, sizeof(t));
    t.cn = "dev";
    t.cn_len = 3;
    t.now = (int64_t)time(NULL);
    t.days = 5;
    t.profile = ZTO_CERT_OPERATIONAL;
    ASSERT_OK(zto_cert_issue(issuer, idr, il, key, &t, out, 2048, len));
}

static uint8_t *
read_file(const struct dev *d, const char *name, size_t *n, mode_t *mode)
{
    char path[128];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", d->dir, name);
    if (stat(path, &st) != 0)
        return NULL;
    *mode = st.st_mode & 0777;
    return test_read_file(path, n);
}

/* The three files are there and agree. */
static void
check_stored(struct dev *d, const struct csr_pki *p, const struct zto_key *pub,
             int32_t type)
{
    uint8_t *key, *cert, *ca, der[2048];
    size_t kl = 0, cl = 0, al = 0, pos = 0, n = 0, cnt = 0;
    struct zto_key k, ck;
    struct zto_bytes leaf, roots[4];
    uint8_t store[4][2048];
    mode_t km = 0, cm = 0, am = 0;
    char names[512];

    key = read_file(d, "opcred-key.pem", &kl, &km);
    cert = read_file(d, "opcred-cert.pem", &cl, &cm);
    ca = read_file(d, "opcred-ca.pem", &al, &am);
    ASSERT_TRUE(key != NULL && cert != NULL && ca != NULL);
    if (key == NULL || cert == NULL || ca == NULL)
        return;
    ASSERT_EQ(km, 0600);
    ASSERT_EQ(cm, 0644);
    ASSERT_EQ(am, 0644);
    ASSERT_TRUE(d->c.stored);
    zto_key_init(&k);
    zto_key_init(&ck);
    ASSERT_OK(zto_key_from_pem((const char *)key, kl, &k));
    ASSERT_TRUE(k.has_private);
    ASSERT_EQ(k.pk_type, type);
    if (pub != NULL)
        ASSERT_OK(zto_key_equal(&k, pub));
    ASSERT_OK(zto_pem_find((const char *)cert, cl, &pos, "CERTIFICATE", der,
                           sizeof(der), &n));
    ASSERT_OK(zto_key_from_cert_der(der, n, &ck));
    ASSERT_OK(zto_key_equal(&k, &ck));
    pos = 0;
    while (cnt < 4 &&
           zto_pem_find((const char *)ca, al, &pos, "CERTIFICATE", store[cnt],
                        sizeof(store[cnt]), &roots[cnt].len) == ZTO_OK) {
        roots[cnt].p = store[cnt];
        cnt++;
    }
    ASSERT_TRUE(cnt >= 1);
    leaf = ZTO_BYTES(der, n);
    ASSERT_OK(zto_cert_chain_verify(&leaf, 1, roots, cnt));
    (void)p;
    /* No temporary file is left. */
    ASSERT_EQ(dir_list(d, names, sizeof(names)), 3);
    zto_key_free(&k);
    zto_key_free(&ck);
    free(key);
    free(cert);
    free(ca);
}

static void
test_enroll(const struct csr_pki *p, int32_t type)
{
    struct dev d;
    struct zto_key pub;
    uint8_t cert[2048];
    size_t cl = 0;
    char names[512];

    dev_open(&d, type, false);
    bundle(&d, p, false);
    zto_key_init(&pub);
    request(&d, "simpleenroll-req", &pub);
    ASSERT_EQ(pub.pk_type, type);
    issue_for(&p->ca, p->ca_der, p->ca_len, &pub, cert, &cl);
    ASSERT_OK(give_b64(&d, "simpleenroll-res", cert, cl));
    /* Staged: three temporary files, no target yet. */
    ASSERT_EQ(dir_list(&d, names, sizeof(names)), 3);
    ASSERT_TRUE(strstr(names, ".opcred-key.pem.tmp.") != NULL);
    {
        struct stat st;
        char path[128];
        snprintf(path, sizeof(path), "%s/opcred-cert.pem", d.dir);
        ASSERT_TRUE(stat(path, &st) != 0);
        snprintf(path, sizeof(path), "%s/opcred-key.pem", d.dir);
        ASSERT_TRUE(stat(path, &st) != 0);
    }
    d.m.finish(d.m.ctx, true);
    check_stored(&d, p, &pub, type);
    ASSERT_TRUE(strcmp(d.c.subject, "CN=dev") == 0);
    zto_key_free(&pub);
    dev_close(&d);
}

/* TO2 failed after the certificate arrived: old files stay. */
static void
test_failed_to2(const struct csr_pki *p)
{
    struct dev d;
    struct zto_key pub;
    uint8_t cert[2048], *got;
    size_t cl = 0, n = 0;
    char path[128], names[512];
    mode_t mode = 0;
    FILE *f;

    dev_open(&d, ZTO_PK_SECP256R1, false);
    snprintf(path, sizeof(path), "%s/opcred-cert.pem", d.dir);
    f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    bundle(&d, p, false);
    zto_key_init(&pub);
    request(&d, "simpleenroll-req", &pub);
    issue_for(&p->ca, p->ca_der, p->ca_len, &pub, cert, &cl);
    ASSERT_OK(give_b64(&d, "simpleenroll-res", cert, cl));
    d.m.finish(d.m.ctx, false);
    ASSERT_TRUE(!d.c.stored);
    ASSERT_EQ(dir_list(&d, names, sizeof(names)), 1);
    got = read_file(&d, "opcred-cert.pem", &n, &mode);
    ASSERT_TRUE(got != NULL && n == 4 && memcmp(got, "old\n", 4) == 0);
    free(got);
    zto_key_free(&pub);
    dev_close(&d);
}

static void
test_refused(const struct csr_pki *p)
{
    struct dev d;
    struct zto_key pub, other;
    struct csr_pki q;
    uint8_t cert[2048], v[16];
    size_t cl = 0;
    char names[512];
    struct zto_cbor_enc e;
    size_t vl = 0;

    /* A certificate for another key. */
    dev_open(&d, ZTO_PK_SECP256R1, false);
    bundle(&d, p, false);
    zto_key_init(&pub);
    zto_key_init(&other);
    request(&d, "simpleenroll-req", &pub);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &other));
    issue_for(&p->ca, p->ca_der, p->ca_len, &other, cert, &cl);
    ASSERT_ERR(give_b64(&d, "simpleenroll-res", cert, cl), ZTO_E_SVI);
    ASSERT_TRUE(strstr(d.c.last_error, "not for this device's key") != NULL);
    d.m.finish(d.m.ctx, true); /* even a "completed" TO2 writes nothing */
    ASSERT_EQ(dir_list(&d, names, sizeof(names)), 0);
    ASSERT_TRUE(!d.c.stored);
    zto_key_free(&pub);
    zto_key_free(&other);
    dev_close(&d);

    /* A certificate from another CA. */
    ASSERT_OK(csr_pki_make(&q, ZTO_PK_SECP256R1));
    dev_open(&d, ZTO_PK_SECP256R1, false);
    bundle(&d, p, false);
    request(&d, "simpleenroll-req", &pub);
    issue_for(&q.ca, q.ca_der, q.ca_len, &pub, cert, &cl);
    ASSERT_ERR(give_b64(&d, "simpleenroll-res", cert, cl), ZTO_E_SVI);
    ASSERT_TRUE(strstr(d.c.last_error, "does not verify") != NULL);
    ASSERT_EQ(dir_list(&d, names, sizeof(names)), 0);
    zto_key_free(&pub);
    dev_close(&d);
    csr_pki_free(&q);

    /* The owner refuses. */
    dev_open(&d, ZTO_PK_SECP256R1, false);
    bundle(&d, p, false);
    request(&d, "simpleenroll-req", &pub);
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_uint(&e, 2);
    ASSERT_OK(zto_cbor_enc_finish(&e, &vl));
    ASSERT_ERR(give(&d, "error", v, vl), ZTO_E_SVI);
    ASSERT_TRUE(strstr(d.c.last_error, "error 2 (unauthorized)") != NULL);
    zto_key_free(&pub);
    dev_close(&d);

    /* Out of order: a certificate before the bundle; a bundle holding a
     * certificate that is not a CA. */
    dev_open(&d, ZTO_PK_SECP256R1, false);
    ASSERT_ERR(give_b64(&d, "simpleenroll-res", p->ca_der, p->ca_len),
               ZTO_E_SVI);
    dev_close(&d);
    dev_open(&d, ZTO_PK_SECP256R1, false);
    ASSERT_OK(
        produce(&d, 1300, "cacerts-req", v, sizeof(v), &vl, &(bool){false}));
    issue_for(&p->ca, p->ca_der, p->ca_len, &p->root, cert, &cl);
    ASSERT_ERR(give_b64(&d, "cacerts-res", cert, cl), ZTO_E_SVI);
    ASSERT_TRUE(strstr(d.c.last_error, "not a CA") != NULL);
    dev_close(&d);
    /* Not base64. */
    dev_open(&d, ZTO_PK_SECP256R1, false);
    ASSERT_OK(
        produce(&d, 1300, "cacerts-req", v, sizeof(v), &vl, &(bool){false}));
    ASSERT_ERR(give(&d, "cacerts-res", (const uint8_t *)"\x63\x21\x21\x21", 4),
               ZTO_E_SVI);
    dev_close(&d);
}

/* serverkeygen: the owner's key and certificate, as PKCS#7 or bare. */
static void
test_serverkeygen(const struct csr_pki *p, bool bare)
{
    struct dev d;
    struct zto_key hint, key;
    struct zto_bytes one;
    uint8_t cert[2048], kd[512], p7[4096];
    char body[8192];
    size_t cl = 0, kl = 0, pl = 0, bl = 0;

    dev_open(&d, ZTO_PK_SECP384R1, true);
    bundle(&d, p, bare);
    zto_key_init(&hint);
    zto_key_init(&key);
    request(&d, "serverkeygen-req", &hint);
    ASSERT_EQ(hint.pk_type, ZTO_PK_SECP384R1);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP384R1, 0, &key));
    if (bare)
        issue_for(&p->root, p->root_der, p->root_len, &key, cert, &cl);
    else
        issue_for(&p->ca, p->ca_der, p->ca_len, &key, cert, &cl);
    ASSERT_OK(zto_key_private_der(&key, kd, sizeof(kd), &kl));
    one = ZTO_BYTES(cert, cl);
    if (bare) {
        memcpy(p7, cert, cl);
        pl = cl;
    } else {
        ASSERT_OK(zto_p7_certs_encode(&one, 1, p7, sizeof(p7), &pl));
    }
    ASSERT_OK(zto_csr_mime_encode(kd, kl, p7, pl, body, sizeof(body), &bl));
    ASSERT_OK(give_b64(&d, "serverkeygen-res", (const uint8_t *)body, bl));
    d.m.finish(d.m.ctx, true);
    check_stored(&d, p, &key, ZTO_PK_SECP384R1);
    zto_key_free(&hint);
    zto_key_free(&key);
    dev_close(&d);
}

static void
test_no_room(const struct csr_pki *p)
{
    struct dev d;
    uint8_t v[64];
    size_t vl = 0;
    bool more = false;
    int i;
    zto_err_t r = ZTO_OK;

    dev_open(&d, ZTO_PK_SECP256R1, false);
    bundle(&d, p, false);
    for (i = 0; i < 10; i++) {
        if ((r = produce(&d, 128, "simpleenroll-req", v, sizeof(v), &vl,
                         &more)) != ZTO_OK)
            break;
        ASSERT_TRUE(more);
    }
    ASSERT_ERR(r, ZTO_E_SVI);
    ASSERT_TRUE(i >= 3);
    ASSERT_TRUE(strstr(d.c.last_error, "too small") != NULL);
    dev_close(&d);
}

int
main(void)
{
    struct csr_pki p;
    struct dev d;

    TEST_START("mod_csr");
    ASSERT_OK(csr_pki_make(&p, ZTO_PK_SECP384R1));
    test_enroll(&p, ZTO_PK_SECP256R1);
    test_enroll(&p, ZTO_PK_SECP384R1);
    test_failed_to2(&p);
    test_refused(&p);
    test_serverkeygen(&p, false);
    test_serverkeygen(&p, true);
    test_no_room(&p);
    /* Arguments. */
    ASSERT_ERR(
        zto_posix_csr_init(&d.c, "/tmp", ZTO_PK_RSA2048RESTR, false, "x", &d.m),
        ZTO_E_ARG);
    ASSERT_ERR(
        zto_posix_csr_init(&d.c, "/tmp", ZTO_PK_SECP256R1, false, "", &d.m),
        ZTO_E_ARG);
    csr_pki_free(&p);
    TEST_DONE();
}
