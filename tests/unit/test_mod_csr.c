/*
 * test_mod_csr.c - fdo.csr on a POSIX device (mod_csr.c), driven
 * message by message with this test as the owner:
 *
 *  - the device asks for the bundle (281), then sends a CSR for a fresh
 *    P-256 / P-384 key; key, certificate and bundle appear only when TO2
 *    completes (a generation directory before; the key 0600), and match;
 *    the names are links into DIR/opcred -> .opcred-<n>, a second
 *    onboarding moves to .opcred-<n+1> and removes the first;
 *  - the older layout (the files themselves in DIR) is taken over;
 *  - crash safety: the module, built with crash points (a ZTO_TEST_HOOKS
 *    build, zto_crashpoint.h), is stopped (ZTO_CRASH_AT=*:k, SIGKILL in a
 *    child) after each durable step of an onboarding, with
 *    no earlier set, with one, and with the older layout; every time the
 *    names show one complete, consistent set (old until the switch, new
 *    from it on, or none before a first switch), and the next onboarding
 *    removes what was left and succeeds;
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
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../device/src/svi_int.h"
#include "csr_pki.h"
#include "test.h"
#include "zto/zto_codec.h"
#include "zto/zto_util.h"
#include "zto_posix_modules.h"

static const char *const names3[3] = {"opcred-key.pem", "opcred-cert.pem",
                                      "opcred-ca.pem"};

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

/* Another onboarding in an existing directory. */
static void
dev_reopen(struct dev *d, const char *dir)
{
    if (d->dir != dir)
        snprintf(d->dir, sizeof(d->dir), "%s", dir);
    ASSERT_OK(zto_posix_csr_init(&d->c, d->dir, ZTO_PK_SECP256R1, false, "SN-9",
                                 &d->m));
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

/* DIR/name is a link to target. */
static bool
is_link(const char *dir, const char *name, const char *target)
{
    char path[128], got[128];
    ssize_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    n = readlink(path, got, sizeof(got) - 1);
    if (n < 0)
        return false;
    got[n] = '\0';
    return strcmp(got, target) == 0;
}

/* The generation DIR/opcred points at ("" if none). */
static void
current(const char *dir, char *gen, size_t cap)
{
    char path[128];
    ssize_t n;

    snprintf(path, sizeof(path), "%s/opcred", dir);
    n = readlink(path, gen, cap - 1);
    gen[n > 0 ? n : 0] = '\0';
}

/* Entries that should not be there: ".opcred-*" other than the current
 * generation, and anything but the three names and "opcred". */
static int
leftovers(const char *dir)
{
    char gen[64];
    DIR *dh = opendir(dir);
    struct dirent *e;
    int n = 0, i;
    bool known;

    current(dir, gen, sizeof(gen));
    if (dh == NULL)
        return -1;
    while ((e = readdir(dh)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        known = strcmp(e->d_name, "opcred") == 0 ||
                (gen[0] != '\0' && strcmp(e->d_name, gen) == 0);
        for (i = 0; i < 3; i++)
            known = known || strcmp(e->d_name, names3[i]) == 0;
        if (!known) {
            fprintf(stderr, "left over: %s/%s\n", dir, e->d_name);
            n++;
        }
    }
    closedir(dh);
    return n;
}

/* The completed layout: opcred -> .opcred-<n>, the names links into it. */
static void
check_layout(const char *dir)
{
    char gen[64], target[64];
    int i;

    current(dir, gen, sizeof(gen));
    ASSERT_TRUE(strncmp(gen, ".opcred-", 8) == 0);
    for (i = 0; i < 3; i++) {
        snprintf(target, sizeof(target), "opcred/%s", names3[i]);
        ASSERT_TRUE(is_link(dir, names3[i], target));
    }
    ASSERT_EQ(leftovers(dir), 0);
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
    /* The names are links into opcred/, which points at the one
     * generation left: nothing else. */
    ASSERT_EQ(dir_list(d, names, sizeof(names)), 5);
    check_layout(d->dir);
    zto_key_free(&k);
    zto_key_free(&ck);
    free(key);
    free(cert);
    free(ca);
}

/* One exchange up to the certificate (staged); the device's key in
 * *pub. */
static void
enroll(struct dev *d, const struct csr_pki *p, struct zto_key *pub)
{
    uint8_t cert[2048];
    size_t cl = 0;

    zto_key_init(pub);
    bundle(d, p, false);
    request(d, "simpleenroll-req", pub);
    issue_for(&p->ca, p->ca_der, p->ca_len, pub, cert, &cl);
    ASSERT_OK(give_b64(d, "simpleenroll-res", cert, cl));
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
    /* Staged: one generation directory holding the three, no name yet. */
    ASSERT_EQ(dir_list(&d, names, sizeof(names)), 1);
    ASSERT_TRUE(strcmp(names, ".opcred-1 ") == 0);
    {
        struct stat st;
        char path[128];
        int i;
        for (i = 0; i < 3; i++) {
            snprintf(path, sizeof(path), "%s/.opcred-1/%s", d.dir, names3[i]);
            ASSERT_TRUE(stat(path, &st) == 0);
            snprintf(path, sizeof(path), "%s/%s", d.dir, names3[i]);
            ASSERT_TRUE(lstat(path, &st) != 0);
        }
    }
    d.m.finish(d.m.ctx, true);
    check_stored(&d, p, &pub, type);
    ASSERT_TRUE(strcmp(d.c.subject, "CN=dev") == 0);
    zto_key_free(&pub);

    /* A second onboarding: generation 2 replaces generation 1. */
    {
        char dir[64], gen[64];
        snprintf(dir, sizeof(dir), "%s", d.dir);
        zto_posix_csr_free(&d.c);
        dev_reopen(&d, dir);
        enroll(&d, p, &pub);
        d.m.finish(d.m.ctx, true);
        check_stored(&d, p, &pub, ZTO_PK_SECP256R1);
        current(d.dir, gen, sizeof(gen));
        ASSERT_TRUE(strcmp(gen, ".opcred-2") == 0);
        zto_key_free(&pub);
        /* A third that fails: generation 2 stays, nothing added. */
        zto_posix_csr_free(&d.c);
        dev_reopen(&d, dir);
        enroll(&d, p, &pub);
        ASSERT_EQ(dir_list(&d, names, sizeof(names)), 6);
        d.m.finish(d.m.ctx, false);
        ASSERT_TRUE(!d.c.stored);
        ASSERT_EQ(dir_list(&d, names, sizeof(names)), 5);
        current(d.dir, gen, sizeof(gen));
        ASSERT_TRUE(strcmp(gen, ".opcred-2") == 0);
        check_layout(d.dir);
        zto_key_free(&pub);
    }
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

/* ---- the older layout, crashes ---- */

static void
put_file(const char *dir, const char *name, const uint8_t *data, size_t len,
         mode_t mode)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    ASSERT_TRUE(f != NULL);
    if (f == NULL)
        return;
    ASSERT_EQ(fwrite(data, 1, len, f), len);
    fclose(f);
    ASSERT_TRUE(chmod(path, mode) == 0);
}

/* What the three names show: 0 nothing at all, 1 a complete set that
 * agrees (a private key, mode 0600, its certificate, which verifies
 * against the bundle; the key in *key), -1 anything else. */
static int
visible(const char *dir, struct zto_key *key)
{
    uint8_t *f[3] = {NULL, NULL, NULL}, der[2048], store[4][2048];
    size_t len[3] = {0, 0, 0}, n = 0, pos = 0, cnt = 0;
    struct zto_bytes leaf, roots[4];
    struct zto_key ck;
    char path[128];
    struct stat st;
    int i, have = 0, r = -1;
    mode_t km = 0;

    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names3[i]);
        if (stat(path, &st) == 0) {
            if (i == 0)
                km = st.st_mode & 0777;
            f[i] = test_read_file(path, &len[i]);
            have++;
        }
    }
    if (have == 0)
        return 0;
    zto_key_init(&ck);
    if (have == 3 && km == 0600 &&
        zto_key_from_pem((const char *)f[0], len[0], key) == ZTO_OK &&
        key->has_private &&
        zto_pem_find((const char *)f[1], len[1], &pos, "CERTIFICATE", der,
                     sizeof(der), &n) == ZTO_OK &&
        zto_key_from_cert_der(der, n, &ck) == ZTO_OK &&
        zto_key_equal(key, &ck) == ZTO_OK) {
        pos = 0;
        while (cnt < 4 &&
               zto_pem_find((const char *)f[2], len[2], &pos, "CERTIFICATE",
                            store[cnt], sizeof(store[cnt]),
                            &roots[cnt].len) == ZTO_OK) {
            roots[cnt].p = store[cnt];
            cnt++;
        }
        leaf = ZTO_BYTES(der, n);
        if (cnt > 0 && zto_cert_chain_verify(&leaf, 1, roots, cnt) == ZTO_OK)
            r = 1;
    }
    zto_key_free(&ck);
    for (i = 0; i < 3; i++)
        free(f[i]);
    return r;
}

enum prior { P_NONE, P_SET, P_LEGACY };
static const char *const prior_name[] = {"no earlier set", "an earlier set",
                                         "the older layout"};

/* What the directory holds before the onboarding under test. */
static void
prepare(const char *dir, const struct csr_pki *p, enum prior prior)
{
    struct dev d;
    struct zto_key pub;
    uint8_t *data;
    size_t n = 0;
    char path[128];
    int i;

    if (prior == P_NONE)
        return;
    if (prior == P_SET)
        dev_reopen(&d, dir);
    else
        dev_open(&d, ZTO_PK_SECP256R1, false);
    enroll(&d, p, &pub);
    d.m.finish(d.m.ctx, true);
    ASSERT_TRUE(d.c.stored);
    zto_key_free(&pub);
    if (prior == P_SET) {
        zto_posix_csr_free(&d.c);
        return;
    }
    /* The older layout: the files themselves, and a temporary file it
     * could leave. */
    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", d.dir, names3[i]);
        data = test_read_file(path, &n);
        put_file(dir, names3[i], data, n, i == 0 ? 0600 : 0644);
        free(data);
    }
    put_file(dir, ".opcred-cert.pem.tmp.Ab12Cd", (const uint8_t *)"x", 1, 0600);
    dev_close(&d);
}

static void
test_legacy(const struct csr_pki *p)
{
    struct dev d;
    struct zto_key pub, old;
    char names[512];

    dev_open(&d, ZTO_PK_SECP256R1, false);
    prepare(d.dir, p, P_LEGACY);
    zto_key_init(&old);
    ASSERT_EQ(visible(d.dir, &old), 1);
    zto_posix_csr_free(&d.c);
    dev_reopen(&d, d.dir);
    /* Set up again: the stray temporary file is gone. */
    ASSERT_EQ(dir_list(&d, names, sizeof(names)), 3);
    enroll(&d, p, &pub);
    d.m.finish(d.m.ctx, true);
    check_stored(&d, p, &pub, ZTO_PK_SECP256R1);
    ASSERT_TRUE(zto_key_equal(&pub, &old) != ZTO_OK);
    zto_key_free(&pub);
    zto_key_free(&old);
    dev_close(&d);
}

#ifdef ZTO_TEST_HOOKS
/*
 * Read a child's stderr to its end: the name on its "crashpoint NAME"
 * line into what (empty when there is none), every other line passed on
 * to this process's stderr.
 */
static void
child_err(int fd, char *what, size_t cap)
{
    char buf[2048], sink[256], *line, *nl;
    size_t len = 0, room;
    ssize_t n;

    what[0] = '\0';
    /* To the end, so that the child never blocks on a full pipe. */
    do {
        room = sizeof(buf) - 1 - len;
        n = room > 0 ? read(fd, buf + len, room) : read(fd, sink, sizeof(sink));
        if (n > 0 && room > 0)
            len += (size_t)n;
    } while (n > 0);
    buf[len] = '\0';
    for (line = buf; *line != '\0'; line = nl) {
        nl = strchr(line, '\n');
        nl = nl != NULL ? nl + 1 : line + strlen(line);
        if (strncmp(line, "crashpoint ", 11) == 0)
            snprintf(what, cap, "%.*s", (int)strcspn(line + 11, "\n"),
                     line + 11);
        else
            fprintf(stderr, "%.*s", (int)(nl - line), line);
    }
}

/*
 * An onboarding stopped at its crash point k, for k = 1, 2, ... until
 * one runs to the end. After each: the names show the old set (or none,
 * when there was none) up to the switch and the new one from it on,
 * always complete and consistent; the next onboarding in the directory
 * removes what was left and succeeds.
 */
static void
test_crash(const struct csr_pki *p, enum prior prior, unsigned min_points)
{
    unsigned k;
    bool switched = false, finished = false;

    for (k = 1; k < 64 && !finished; k++) {
        struct dev d;
        struct zto_key old, seen, pub;
        char dir[64], what[64];
        int fds[2], status = 0, before, v;
        pid_t pid;

        snprintf(dir, sizeof(dir), "/tmp/zto_modcsr_XXXXXX");
        ASSERT_TRUE(mkdtemp(dir) != NULL);
        prepare(dir, p, prior);
        zto_key_init(&old);
        zto_key_init(&seen);
        before = visible(dir, &old);
        ASSERT_EQ(before, prior == P_NONE ? 0 : 1);
        ASSERT_TRUE(pipe(fds) == 0);
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
            int failed = test_failures;
            char at[16];
            close(fds[0]);
            dev_reopen(&d, dir);
            /* The crash point's line goes to the parent. */
            if (dup2(fds[1], 2) < 0)
                _exit(4);
            snprintf(at, sizeof(at), "*:%u", k);
            setenv("ZTO_CRASH_AT", at, 1);
            enroll(&d, p, &pub);
            d.m.finish(d.m.ctx, true);
            _exit(d.c.stored && test_failures == failed ? 0 : 3);
        }
        ASSERT_TRUE(pid > 0);
        close(fds[1]);
        child_err(fds[0], what, sizeof(what));
        close(fds[0]);
        waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFEXITED(status) ||
                    (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
        v = visible(dir, &seen);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            /* Past the last point: the onboarding completed. */
            finished = true;
            ASSERT_EQ(v, 1);
            ASSERT_TRUE(before == 0 || zto_key_equal(&seen, &old) != ZTO_OK);
            check_layout(dir);
        } else {
            /* Killed at its k-th crash point, and said which. */
            ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
            ASSERT_TRUE(strncmp(what, "device.", 7) == 0);
            if (v == 1 &&
                (before == 0 || zto_key_equal(&seen, &old) != ZTO_OK)) {
                /* The new set: from the switch on. */
                if (!switched)
                    ASSERT_TRUE(strcmp(what, "device.csr.switched") == 0);
                switched = true;
            } else if (v == before) {
                ASSERT_TRUE(!switched);
            } else {
                TEST_FAIL_("%s, crash after \"%s\" (point %u): the names "
                           "show a partial or mismatched set",
                           prior_name[prior], what, k);
            }
            /* The next onboarding: leftovers removed at set-up, what is
             * shown unchanged, then the new set. */
            dev_reopen(&d, dir);
            ASSERT_EQ(leftovers(dir), 0);
            zto_key_free(&seen);
            zto_key_init(&seen);
            ASSERT_EQ(visible(dir, &seen), v);
            enroll(&d, p, &pub);
            d.m.finish(d.m.ctx, true);
            ASSERT_TRUE(d.c.stored);
            zto_key_free(&seen);
            zto_key_init(&seen);
            ASSERT_EQ(visible(dir, &seen), 1);
            ASSERT_OK(zto_key_equal(&seen, &pub));
            check_layout(dir);
            zto_key_free(&pub);
            zto_posix_csr_free(&d.c);
        }
        zto_key_free(&old);
        zto_key_free(&seen);
        snprintf(d.dir, sizeof(d.dir), "%s", dir);
        memset(&d.c, 0, sizeof(d.c));
        zto_key_init(&d.c.key);
        dev_close(&d);
    }
    ASSERT_TRUE(finished && switched);
    printf("mod_csr: %s: %u crash points checked\n", prior_name[prior], k - 2);
    ASSERT_TRUE(k - 2 >= min_points);
}
#endif

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
    test_legacy(&p);
    /* Generation made, 3 files, generation durable, then the names (3
     * links the first time; old layout: copied, adopted, 3 links), the
     * switch, its fsync, the removal of the previous generation; on top,
     * the points inside each file write (storage_file.c). */
#ifdef ZTO_TEST_HOOKS
    test_crash(&p, P_NONE, 11);
    test_crash(&p, P_SET, 8);
    test_crash(&p, P_LEGACY, 13);
#else
    printf("mod_csr: crash points not compiled in (ZTO_TEST_HOOKS off)\n");
#endif
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
