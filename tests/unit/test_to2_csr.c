/*
 * test_to2_csr.c - fdo.csr through whole TO2 runs in one process
 * (to2_rig.h): the device library with the POSIX fdo.download and
 * fdo.csr modules against the owner handler, on go-fdo's device
 * credentials and vouchers (P-256 and P-384):
 *
 *  - a plan of a download and a csr step: the device ends with the file,
 *    a new credential, and key + certificate + CA bundle whose
 *    certificate names the new GUID, is for the stored key and verifies
 *    against the stored bundle; the owner recorded it under the new
 *    GUID;
 *  - serverkeygen with every other message handled by a second owner
 *    process on the same database (the generated key lives only in the
 *    saved session until it is sent);
 *  - an owner without a CA key (error 2) and a device whose ServiceInfo
 *    limit is too small for the bundle: TO2 fails, the device writes
 *    nothing and keeps its credential.
 */
#include <sys/stat.h>

#include "csr_fixture.h"
#include "to2_rig.h"

struct csr_dev {
    struct zto_posix_csr c;
    struct zto_svi_module m;
    const struct zto_svi_module *mods[2];
    char dir[64];
};

static struct csr_dev *
add_csr(struct rig *r, int32_t type, bool keygen)
{
    struct csr_dev *d = calloc(1, sizeof(*d));

    snprintf(d->dir, sizeof(d->dir), "/tmp/zto_to2csr_XXXXXX");
    ASSERT_TRUE(mkdtemp(d->dir) != NULL);
    ASSERT_OK(zto_posix_csr_init(&d->c, d->dir, type, keygen, "rig", &d->m));
    d->mods[0] = &r->mod;
    d->mods[1] = &d->m;
    r->cfg.modules = d->mods;
    r->cfg.nmodules = 2;
    /* As fdo-device: a CA bundle or key + certificate in one value. */
    r->cfg.max_owner_svi_size = 8192;
    return d;
}

static void
free_csr(struct csr_dev *d)
{
    zto_posix_csr_free(&d->c);
    if (rm_walk(d->dir) != 0)
        fprintf(stderr, "cannot remove %s\n", d->dir);
    free(d);
}

/* The go-fdo vector set: credential, voucher, owner key. */
static int
rig_set(struct rig *r, const char *set, const char *dbpath)
{
    size_t cn, vn, kn;
    unsigned char *cred = rig_read(set, "device-credential.bin", &cn);
    unsigned char *ov = rig_read(set, "voucher-extended.cbor", &vn);
    unsigned char *key = rig_read(set, "owner2.key.pem", &kn);
    struct zto_guid g;
    char why[512];
    int rc = -1;

    if (rig_open(r, cred, cn) == 0) {
        if (dbpath != NULL) {
            zto_db_close(r->o.db);
            if (zto_db_open(dbpath, ZTO_DB_OWNER, NULL, &r->o.db) != ZTO_OK)
                goto out;
        }
        rig_owner_key(r, (const char *)key, kn);
        if (owner_import_one(&r->o, ov, vn, &g, why, sizeof(why)) == ZTO_OK)
            rc = 0;
    }
out:
    free(cred);
    free(ov);
    free(key);
    return rc;
}

static void
plan_csr(struct rig *r, const char *const *kv, size_t n)
{
    char why[256];

    ASSERT_OK(owner_plan_add(&r->o, "all", "", "csr", kv, n, false, NULL, why,
                             sizeof(why)));
}

static uint8_t *
slurp(const char *dir, const char *name, size_t *n, mode_t *mode)
{
    char path[128];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (stat(path, &st) != 0)
        return NULL;
    *mode = st.st_mode & 0777;
    return test_read_file(path, n);
}

/* Key, certificate and bundle stored, agreeing, naming GUID g. */
static void
check_opcred(const struct csr_dev *d, const struct zto_guid *g, int32_t type)
{
    uint8_t *key, *cert, *ca, der[2048], store[4][2048];
    size_t kl = 0, cl = 0, al = 0, n = 0, pos = 0, cnt = 0;
    struct zto_key k, ck;
    struct zto_bytes leaf, roots[4];
    struct zto_cert_info info;
    mode_t km = 0, m = 0;
    char want[40], hex[33];

    key = slurp(d->dir, "opcred-key.pem", &kl, &km);
    cert = slurp(d->dir, "opcred-cert.pem", &cl, &m);
    ca = slurp(d->dir, "opcred-ca.pem", &al, &m);
    ASSERT_TRUE(key != NULL && cert != NULL && ca != NULL);
    if (key == NULL || cert == NULL || ca == NULL)
        goto out;
    ASSERT_EQ(km, 0600);
    zto_key_init(&k);
    zto_key_init(&ck);
    ASSERT_OK(zto_key_from_pem((const char *)key, kl, &k));
    ASSERT_EQ(k.pk_type, type);
    ASSERT_OK(zto_pem_find((const char *)cert, cl, &pos, "CERTIFICATE", der,
                           sizeof(der), &n));
    ASSERT_OK(zto_key_from_cert_der(der, n, &ck));
    ASSERT_OK(zto_key_equal(&k, &ck));
    ASSERT_OK(zto_cert_info(der, n, &info));
    owner_guid_hex(g, hex);
    snprintf(want, sizeof(want), "CN=%s", hex);
    ASSERT_TRUE(strcmp(info.subject, want) == 0);
    pos = 0;
    while (cnt < 4 &&
           zto_pem_find((const char *)ca, al, &pos, "CERTIFICATE", store[cnt],
                        sizeof(store[cnt]), &roots[cnt].len) == ZTO_OK) {
        roots[cnt].p = store[cnt];
        cnt++;
    }
    ASSERT_EQ(cnt, 2);
    leaf = ZTO_BYTES(der, n);
    ASSERT_OK(zto_cert_chain_verify(&leaf, 1, roots, cnt));
    zto_key_free(&k);
    zto_key_free(&ck);
out:
    free(key);
    free(cert);
    free(ca);
}

struct count {
    int n;
    struct zto_guid guid;
    char origin[16];
};

static int
count_cb(void *ctx, const struct zto_db_cert *c)
{
    struct count *k = ctx;

    k->n++;
    k->guid = c->guid;
    memcpy(k->origin, c->origin, sizeof(k->origin));
    return 0;
}

static void
test_enroll(const char *set, int32_t type, const struct csr_pki *p)
{
    struct rig r;
    struct csr_dev *d;
    const struct zto_device_cred *c;
    struct count k;
    char why[256], src[128];
    const char *dl[4] = {"src", src, "name", "etc/a.txt"};
    FILE *f;

    ASSERT_EQ(rig_set(&r, set, NULL), 0);
    ASSERT_OK(csr_pki_owner(&r.o, p, 2, true, NULL, why, sizeof(why)));
    d = add_csr(&r, type, false);
    snprintf(src, sizeof(src), "%s/src.txt", d->dir);
    f = fopen(src, "w");
    fputs("hello\n", f);
    fclose(f);
    ASSERT_OK(owner_plan_add(&r.o, "all", "", "download", dl, 2, false, NULL,
                             why, sizeof(why)));
    plan_csr(&r, NULL, 0);
    ASSERT_OK(rig_to2(&r));
    ASSERT_TRUE(zto_device_last_result(&r.dev)->cred_replaced);
    c = zto_device_cred(&r.dev);
    ASSERT_TRUE(d->c.stored);
    check_opcred(d, &c->guid, type);
    memset(&k, 0, sizeof(k));
    ASSERT_OK(zto_db_owner_cert_list(r.o.db, &c->guid, count_cb, &k));
    ASSERT_EQ(k.n, 1);
    ASSERT_TRUE(strcmp(k.origin, "enroll") == 0);
    {
        char path[128];
        struct stat st;
        snprintf(path, sizeof(path), "%s/etc/a.txt", r.dldir);
        ASSERT_TRUE(stat(path, &st) == 0);
    }
    free_csr(d);
    rig_close(&r);
}

/* serverkeygen, every other message to a second owner process. */
static void
test_keygen_replica(const struct csr_pki *p)
{
    struct rig r;
    struct csr_dev *d;
    struct owner o2;
    struct owner_key ok;
    char dbpath[64], why[256], wal[80];
    size_t kn;
    unsigned char *key = rig_read("p384", "owner2.key.pem", &kn);
    int fd;

    snprintf(dbpath, sizeof(dbpath), "/tmp/zto_to2csr_db_XXXXXX");
    fd = mkstemp(dbpath);
    close(fd);
    ASSERT_EQ(rig_set(&r, "p384", dbpath), 0);
    ASSERT_OK(csr_pki_owner(&r.o, p, 2, true, NULL, why, sizeof(why)));
    d = add_csr(&r, ZTO_PK_SECP384R1, true);
    plan_csr(&r, NULL, 0);
    owner_init(&o2);
    o2.log = rig_owner_log;
    ASSERT_OK(zto_db_open(dbpath, ZTO_DB_OWNER, NULL, &o2.db));
    ASSERT_OK(
        owner_key_from_pem(&ok, "k", (const char *)key, kn, why, sizeof(why)));
    ASSERT_OK(owner_key_add(&o2, &ok));
    ASSERT_OK(csr_pki_owner(&o2, p, 2, true, NULL, why, sizeof(why)));
    r.loop.alt = &o2;
    ASSERT_OK(rig_to2(&r));
    ASSERT_TRUE(d->c.stored);
    check_opcred(d, &zto_device_cred(&r.dev)->guid, ZTO_PK_SECP384R1);
    free_csr(d);
    zto_db_close(o2.db);
    o2.db = NULL;
    owner_free(&o2);
    rig_close(&r);
    unlink(dbpath);
    snprintf(wal, sizeof(wal), "%s-wal", dbpath);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", dbpath);
    unlink(wal);
    free(key);
}

/* Failures: nothing written, the credential unchanged. */
static void
test_refused(const struct csr_pki *p)
{
    struct rig r;
    struct csr_dev *d;
    char why[256];
    zto_err_t e;

    /* No CA key: the owner answers error 2, the device gives up. */
    ASSERT_EQ(rig_set(&r, "p256", NULL), 0);
    ASSERT_OK(csr_pki_owner(&r.o, p, 2, false, NULL, why, sizeof(why)));
    d = add_csr(&r, ZTO_PK_SECP256R1, false);
    plan_csr(&r, NULL, 0);
    e = rig_to2(&r);
    ASSERT_TRUE(e != ZTO_OK);
    ASSERT_TRUE(strstr(d->c.last_error, "error 2") != NULL);
    ASSERT_EQ(r.loop.device_code, 101);
    ASSERT_EQ(r.store.writes, 0);
    ASSERT_TRUE(!d->c.stored);
    {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", d->dir);
        ASSERT_EQ(system(cmd), 0);
    }
    free_csr(d);
    rig_close(&r);

    /* The bundle does not fit the device's limit: the owner fails TO2. */
    ASSERT_EQ(rig_set(&r, "p256", NULL), 0);
    ASSERT_OK(csr_pki_owner(&r.o, p, 2, true, NULL, why, sizeof(why)));
    d = add_csr(&r, ZTO_PK_SECP256R1, false);
    r.cfg.max_owner_svi_size = 600;
    plan_csr(&r, NULL, 0);
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 101);
    ASSERT_EQ(r.store.writes, 0);
    ASSERT_TRUE(!d->c.stored);
    free_csr(d);
    rig_close(&r);
}

int
main(void)
{
    struct csr_pki p256, p384;

    TEST_START("to2_csr");
    ASSERT_OK(csr_pki_make(&p256, ZTO_PK_SECP256R1));
    ASSERT_OK(csr_pki_make(&p384, ZTO_PK_SECP384R1));
    test_enroll("p256", ZTO_PK_SECP256R1, &p256);
    test_enroll("p384", ZTO_PK_SECP384R1, &p384);
    test_enroll("p256", ZTO_PK_SECP384R1, &p384);
    test_keygen_replica(&p256);
    test_refused(&p256);
    csr_pki_free(&p256);
    csr_pki_free(&p384);
    TEST_DONE();
}
