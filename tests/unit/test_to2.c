/*
 * test_to2.c - TO2 (FDO 1.1 section 4.4) with the device library and the
 * owner handler in one process, no sockets (to2_rig.h):
 *
 *  - the go-fdo vectors (a device credential and a 2-entry voucher made
 *    by another implementation) with every cipher suite, P-256 and P-384;
 *  - vouchers built here for RSA 2048/3072 owners (DHKEXid14/15,
 *    ASYMKEX2048/3072), a 3-entry chain, mixed curves;
 *  - ServiceInfo: a download larger than the negotiated size, in chunks,
 *    written atomically by the POSIX module; a name escaping the
 *    download directory fails TO2; a script downloaded, run with
 *    fdo.command (its output and the upload of the file it made span
 *    dozens of 200-byte rounds, served by two owner processes in turn)
 *    and its file uploaded to the owner byte for byte; a failing command
 *    and a missing upload end TO2 with the device's reason recorded by
 *    the owner, the credential and voucher unchanged;
 *  - credential replacement (device and owner agree on OVHeader': the
 *    device's HMAC verifies the owner's new voucher), a second TO2 then
 *    needs a resale, and the resold voucher onboards at a second owner;
 *  - credential reuse, accepted and refused (102);
 *  - a session carried on by a second owner process on the same database;
 *  - refusals: wrong HMAC secret, wrong device key, replayed and
 *    out-of-order messages, wrong tokens, truncated and oversized
 *    bodies, unsuitable suites -- each leaves the owner's voucher and
 *    the device credential exactly as they were.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "to2_rig.h"

static const int32_t all_ciphers[] = {
    ZTO_COSE_A128GCM,
    ZTO_COSE_A256GCM,
    ZTO_COSE_AES_CCM_16_128_128,
    ZTO_COSE_AES_CCM_16_128_256,
    ZTO_COSE_AES_CCM_64_128_128,
    ZTO_COSE_AES_CCM_64_128_256,
    ZTO_COSE_AES128CBC,
    ZTO_COSE_AES128CTR,
    ZTO_COSE_AES256CBC,
    ZTO_COSE_AES256CTR,
};
#define NCIPHERS (sizeof(all_ciphers) / sizeof(all_ciphers[0]))

/* ---- fixtures ---- */

struct src_file {
    char path[64];
    uint8_t *data;
    size_t len;
};

static void
make_file(struct src_file *f, size_t len)
{
    int fd;

    snprintf(f->path, sizeof(f->path), "/tmp/zto_to2_src_XXXXXX");
    fd = mkstemp(f->path);
    if (fd < 0)
        abort();
    f->len = len;
    f->data = malloc(len + 1);
    if (f->data == NULL || zto_random(f->data, len + 1) != ZTO_OK ||
        write(fd, f->data, len) != (ssize_t)len)
        abort();
    close(fd);
}

static void
free_file(struct src_file *f)
{
    unlink(f->path);
    free(f->data);
}

static void
plan_download(struct rig *r, const char *src, const char *name)
{
    const char *kv[4] = {"src", src, "name", name};
    char why[256];

    ASSERT_OK(owner_plan_add(&r->o, "all", "", "download", kv, 2, false, NULL,
                             why, sizeof(why)));
}

/* The device received `name` with f's bytes. */
static void
check_downloaded(struct rig *r, const char *name, const struct src_file *f)
{
    char path[256];
    size_t n = 0;
    unsigned char *got;
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", r->dldir, name);
    ASSERT_TRUE(stat(path, &st) == 0);
    if (stat(path, &st) != 0)
        return;
    ASSERT_EQ((st.st_mode & 0777), 0600);
    got = test_read_file(path, &n);
    ASSERT_EQ(n, f->len);
    if (n == f->len)
        ASSERT_MEM_EQ(got, f->data, n);
    free(got);
}

/* A rig on vector set `set`: its device credential, its 2-entry voucher
 * imported, owner2's key. */
static int
rig_vector(struct rig *r, const char *set)
{
    size_t cn, vn, kn;
    unsigned char *cred = rig_read(set, "device-credential.bin", &cn);
    unsigned char *ov = rig_read(set, "voucher-extended.cbor", &vn);
    unsigned char *key = rig_read(set, "owner2.key.pem", &kn);
    struct zto_guid g;
    char why[512];
    int rc = -1;

    if (rig_open(r, cred, cn) == 0) {
        /* Other keys first: the owner must pick the voucher's. */
        size_t on, xn;
        unsigned char *o1 = rig_read(set, "owner1.key.pem", &on);
        unsigned char *x = rig_read(strcmp(set, "p256") == 0 ? "p384" : "p256",
                                    "owner2.key.pem", &xn);
        rig_owner_key(r, (const char *)o1, on);
        rig_owner_key(r, (const char *)x, xn);
        free(o1);
        free(x);
        rig_owner_key(r, (const char *)key, kn);
        if (owner_import_one(&r->o, ov, vn, &g, why, sizeof(why)) == ZTO_OK)
            rc = 0;
        else
            fprintf(stderr, "import: %s\n", why);
    }
    free(cred);
    free(ov);
    free(key);
    return rc;
}

/* A voucher made here for the device of vector set `set` (its key,
 * certificate chain and HMAC secret): manufacturer key and `nentries`
 * owner keys of (type, bits), each entry signed by the previous key. */
struct built {
    uint8_t voucher[16384];
    size_t vlen;
    uint8_t cred[4096];
    size_t cred_len;
    char owner_pem[8192];
    size_t owner_pem_len;
    struct zto_guid guid;
};

static void
build(const char *set, int32_t type, unsigned bits, int nentries,
      struct built *b)
{
    size_t vn, cn, hlen = 0, pklen = 0, i;
    unsigned char *ovb = rig_read(set, "voucher.cbor", &vn);
    unsigned char *cb = rig_read(set, "device-credential.bin", &cn);
    static struct zto_device_cred c;
    struct zto_voucher v, cur;
    struct zto_ov_header h;
    struct zto_key keys[5];
    struct zto_pubkey pk;
    struct zto_signer sg;
    struct zto_hash_buf mac;
    struct zto_hash hm;
    struct zto_cbor_enc e;
    uint8_t kb[2048], hdr[4096], pkraw[2048], tmp[16384];
    size_t tlen = 0;

    memset(b, 0, sizeof(*b));
    ASSERT_OK(zto_voucher_decode(ovb, vn, &v));
    ASSERT_OK(zto_cred_decode(cb, cn, &c));
    for (i = 0; i <= (size_t)nentries; i++) {
        zto_key_init(&keys[i]);
        ASSERT_OK(zto_key_generate(type, bits, &keys[i]));
    }
    ASSERT_OK(zto_key_to_pubkey(&keys[0], ZTO_PKENC_X509, kb, sizeof(kb), &pk));
    zto_cbor_enc_init(&e, pkraw, sizeof(pkraw));
    zto_pubkey_enc(&e, &pk);
    ASSERT_OK(zto_cbor_enc_finish(&e, &pklen));
    memset(&h, 0, sizeof(h));
    h.protver = ZTO_PROTVER;
    ASSERT_OK(zto_random(h.guid.b, ZTO_GUID_LEN));
    h.rvinfo = v.hdr.rvinfo;
    h.device_info = v.hdr.device_info;
    h.mfg_key = pk;
    h.has_cert_hash = true;
    h.cert_hash = v.hdr.cert_hash;
    ASSERT_OK(zto_ov_header_encode(&h, hdr, sizeof(hdr), &hlen));
    ASSERT_OK(zto_hmac(v.hmac.type, c.hmac_secret, c.hmac_secret_len, hdr, hlen,
                       &mac));
    hm.type = mac.type;
    hm.value = ZTO_BYTES(mac.value, mac.len);
    ASSERT_OK(zto_voucher_build(ZTO_BYTES(hdr, hlen), &hm, v.cert, v.ncerts,
                                b->voucher, sizeof(b->voucher), &b->vlen));
    for (i = 1; i <= (size_t)nentries; i++) {
        struct zto_pubkey next;
        uint8_t nb[2048];
        ASSERT_OK(zto_voucher_decode(b->voucher, b->vlen, &cur));
        ASSERT_OK(
            zto_key_to_pubkey(&keys[i], ZTO_PKENC_X509, nb, sizeof(nb), &next));
        zto_signer_from_key(&sg, &keys[i - 1]);
        ASSERT_OK(zto_voucher_extend(&cur, &sg, &next, ZTO_BYTES_NULL, tmp,
                                     sizeof(tmp), &tlen));
        memcpy(b->voucher, tmp, tlen);
        b->vlen = tlen;
    }
    c.guid = h.guid;
    b->guid = h.guid;
    ASSERT_OK(zto_hash(c.pubkey_hash.type, pkraw, pklen, &c.pubkey_hash));
    ASSERT_OK(zto_cred_encode(&c, b->cred, sizeof(b->cred), &b->cred_len));
    ASSERT_OK(zto_key_private_pem(&keys[nentries], b->owner_pem,
                                  sizeof(b->owner_pem), &b->owner_pem_len));
    for (i = 0; i <= (size_t)nentries; i++)
        zto_key_free(&keys[i]);
    zto_cred_wipe(&c);
    free(ovb);
    free(cb);
}

static int
rig_built(struct rig *r, const struct built *b)
{
    struct zto_guid g;
    char why[512];

    if (rig_open(r, b->cred, b->cred_len) != 0)
        return -1;
    rig_owner_key(r, b->owner_pem, b->owner_pem_len);
    if (owner_import_one(&r->o, b->voucher, b->vlen, &g, why, sizeof(why)) !=
        ZTO_OK) {
        fprintf(stderr, "import: %s\n", why);
        return -1;
    }
    return 0;
}

/* After a successful non-reuse TO2: the device's new credential and the
 * owner's new voucher belong together. */
static void
check_replaced(struct rig *r, const struct zto_guid *old)
{
    const struct zto_device_cred *c = zto_device_cred(&r->dev);
    const struct zto_device_result *res = zto_device_last_result(&r->dev);
    struct zto_voucher v;
    struct zto_voucher_verify_opts vo;
    struct zto_db_ov row;
    uint8_t *vb;
    size_t vl = 0;

    ASSERT_TRUE(res->cred_replaced);
    ASSERT_TRUE(!res->cred_reused);
    ASSERT_TRUE(c != NULL);
    if (c == NULL)
        return;
    ASSERT_TRUE(memcmp(c->guid.b, old->b, 16) != 0);
    ASSERT_MEM_EQ(res->guid.b, c->guid.b, 16);
    ASSERT_TRUE(rig_voucher(r, old, &vl) == NULL);
    vb = rig_voucher(r, &c->guid, &vl);
    ASSERT_TRUE(vb != NULL);
    if (vb == NULL)
        return;
    ASSERT_OK(zto_voucher_decode(vb, vl, &v));
    ASSERT_EQ(v.nentries, 0);
    /* The device's HMAC over its own OVHeader' verifies the owner's. */
    memset(&vo, 0, sizeof(vo));
    vo.hmac_secret = c->hmac_secret;
    vo.hmac_secret_len = c->hmac_secret_len;
    ASSERT_OK(zto_voucher_verify(&v, &vo, NULL));
    ASSERT_EQ(v.hdr.rvinfo.raw.len, c->rvinfo_len);
    ASSERT_MEM_EQ(v.hdr.rvinfo.raw.p, c->rvinfo, c->rvinfo_len);
    ASSERT_OK(zto_hash_check(
        &(struct zto_hash){c->pubkey_hash.type,
                           ZTO_BYTES(c->pubkey_hash.value, c->pubkey_hash.len)},
        v.hdr.mfg_key.raw.p, v.hdr.mfg_key.raw.len));
    /* The stored credential is the loaded one. */
    {
        static struct zto_device_cred s;
        ASSERT_OK(zto_cred_decode(r->store.data, r->store.len, &s));
        ASSERT_MEM_EQ(s.guid.b, c->guid.b, 16);
        zto_cred_wipe(&s);
    }
    ASSERT_OK(zto_db_owner_ov_get(r->o.db, &c->guid, vb, 65536, &row));
    ASSERT_EQ(row.state, ZTO_DB_OV_ONBOARDED);
    ASSERT_TRUE(row.has_prev);
    ASSERT_MEM_EQ(row.prev_guid.b, old->b, 16);
    free(vb);
}

static struct zto_guid
cred_guid(const struct rig *r)
{
    static struct zto_device_cred c;
    struct zto_guid g;

    memset(&g, 0, sizeof(g));
    if (zto_cred_decode(r->store.data, r->store.len, &c) == ZTO_OK)
        g = c.guid;
    zto_cred_wipe(&c);
    return g;
}

/* ---- interop vectors, every cipher ---- */

static void
test_vectors(void)
{
    static const char *sets[] = {"p256", "p384"};
    struct src_file f;
    struct rig r;
    struct zto_guid g;
    size_t s, i;

    make_file(&f, 3000);
    for (s = 0; s < 2; s++) {
        for (i = 0; i < NCIPHERS; i++) {
            ASSERT_EQ(rig_vector(&r, sets[s]), 0);
            plan_download(&r, f.path, "op.bin");
            r.cfg.cipher = all_ciphers[i];
            g = cred_guid(&r);
            ASSERT_OK(rig_to2(&r));
            if (r.loop.owner_code != 0)
                fprintf(stderr, "%s cipher %d: owner said %u\n", sets[s],
                        (int)all_ciphers[i], r.loop.owner_code);
            check_replaced(&r, &g);
            check_downloaded(&r, "op.bin", &f);
            rig_close(&r);
        }
    }
    /* A suite the keys do not allow: refused at HelloDevice. */
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    r.cfg.kex_suite = ZTO_KEX_ECDH384;
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 101);
    r.cfg.kex_suite = ZTO_KEX_DHKEXID14;
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 101);
    rig_close(&r);
    free_file(&f);
}

/* ---- RSA owners, long chains, mixed curves ---- */

struct combo {
    const char *set;
    int32_t type;
    unsigned bits;
    int entries;
    int kex;
    int32_t cipher;
};

static void
test_generated(void)
{
    static const struct combo combos[] = {
        {"p256", ZTO_PK_RSA2048RESTR, 2048, 1, ZTO_KEX_DHKEXID14,
         ZTO_COSE_A128GCM},
        {"p256", ZTO_PK_RSA2048RESTR, 2048, 2, ZTO_KEX_ASYMKEX2048,
         ZTO_COSE_A256GCM},
        {"p384", ZTO_PK_RSA2048RESTR, 2048, 1, ZTO_KEX_DHKEXID14,
         ZTO_COSE_A256GCM},
        {"p256", ZTO_PK_RSAPKCS, 3072, 1, ZTO_KEX_DHKEXID15, ZTO_COSE_A256GCM},
        {"p384", ZTO_PK_RSAPKCS, 3072, 1, ZTO_KEX_ASYMKEX3072,
         ZTO_COSE_A128GCM},
        {"p256", ZTO_PK_RSAPSS, 2048, 1, ZTO_KEX_ASYMKEX2048, ZTO_COSE_A128GCM},
        {"p256", ZTO_PK_SECP256R1, 0, 3, ZTO_KEX_ECDH256, ZTO_COSE_A128GCM},
        {"p256", ZTO_PK_SECP384R1, 0, 1, ZTO_KEX_ECDH384, ZTO_COSE_A256GCM},
        {"p384", ZTO_PK_SECP256R1, 0, 2, ZTO_KEX_ECDH256, ZTO_COSE_A128GCM},
    };
    static struct built b;
    struct src_file f;
    struct rig r;
    size_t i;

    make_file(&f, 1500);
    for (i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
        const struct combo *c = &combos[i];
        build(c->set, c->type, c->bits, c->entries, &b);
        ASSERT_EQ(rig_built(&r, &b), 0);
        plan_download(&r, f.path, "x/y/op.bin");
        r.cfg.kex_suite = c->kex;
        r.cfg.cipher = c->cipher;
        ASSERT_OK(rig_to2(&r));
        if (r.loop.owner_code != 0)
            fprintf(stderr, "combo %zu: owner said %u\n", i, r.loop.owner_code);
        check_replaced(&r, &b.guid);
        check_downloaded(&r, "x/y/op.bin", &f);
        rig_close(&r);
    }
    free_file(&f);
}

/* ---- replacement, resale to a second owner ---- */

static void
test_resale(void)
{
    static struct built b;
    struct rig r, r2;
    struct zto_key o2, buyer;
    struct owner_key k;
    struct zto_guid g, g2;
    char pem[8192], bpem[4096], why[512], path[64];
    size_t n = 0, bn = 0;
    uint8_t *text;
    size_t tn = 0;
    int fd;

    build("p256", ZTO_PK_SECP256R1, 0, 1, &b);
    ASSERT_EQ(rig_built(&r, &b), 0);
    /* Owner2Key and replacement RendezvousInfo configured. */
    zto_key_init(&o2);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &o2));
    ASSERT_OK(zto_key_private_pem(&o2, pem, sizeof(pem), &n));
    ASSERT_OK(owner_key_from_pem(&r.o.owner2_store, "owner2", pem, n, why,
                                 sizeof(why)));
    r.o.has_owner2 = true;
    ASSERT_OK(owner_rvinfo_parse("dns=next.example,port=8041,protocol=http",
                                 r.o.rvinfo, sizeof(r.o.rvinfo),
                                 &r.o.rvinfo_len, why, sizeof(why)));
    ASSERT_OK(rig_to2(&r));
    check_replaced(&r, &b.guid);
    g = cred_guid(&r);
    {
        const struct zto_device_cred *c = zto_device_cred(&r.dev);
        ASSERT_EQ(c->rvinfo_len, r.o.rvinfo_len);
        ASSERT_MEM_EQ(c->rvinfo, r.o.rvinfo, r.o.rvinfo_len);
    }
    /* The replacement voucher has no entries: no second TO2 here. */
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 6);

    /* Resale: extend to a buyer, who onboards the device. */
    zto_key_init(&buyer);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &buyer));
    ASSERT_OK(zto_key_public_pem(&buyer, bpem, sizeof(bpem), &bn));
    snprintf(path, sizeof(path), "/tmp/zto_to2_ov_XXXXXX");
    fd = mkstemp(path);
    close(fd);
    ASSERT_OK(owner_export(&r.o, &g, bpem, bn, path, why, sizeof(why)));
    /* Not twice. */
    ASSERT_ERR(owner_export(&r.o, &g, bpem, bn, path, why, sizeof(why)),
               ZTO_E_STATE);
    text = test_read_file(path, &tn);
    unlink(path);
    ASSERT_EQ(rig_open(&r2, r.store.data, r.store.len), 0);
    ASSERT_OK(zto_key_private_pem(&buyer, pem, sizeof(pem), &n));
    ASSERT_OK(owner_key_from_pem(&k, "buyer", pem, n, why, sizeof(why)));
    ASSERT_OK(owner_key_add(&r2.o, &k));
    {
        uint8_t cbor[8192];
        size_t pos = 0, cl = 0;
        ASSERT_OK(zto_voucher_pem_decode((const char *)text, tn, &pos, cbor,
                                         sizeof(cbor), &cl));
        ASSERT_OK(owner_import_one(&r2.o, cbor, cl, &g2, why, sizeof(why)));
        ASSERT_MEM_EQ(g2.b, g.b, 16);
    }
    ASSERT_OK(rig_to2(&r2));
    check_replaced(&r2, &g);
    free(text);
    zto_key_free(&o2);
    zto_key_free(&buyer);
    rig_close(&r2);
    rig_close(&r);
}

/* ---- credential reuse ---- */

static void
test_reuse(void)
{
    struct rig r;
    struct zto_guid g;
    struct zto_db_ov row;
    uint8_t cred[8192], *before, *after, buf[65536];
    size_t cl, bl = 0, al = 0;

    ASSERT_EQ(rig_vector(&r, "p384"), 0);
    r.o.reuse = true;
    r.cfg.allow_cred_reuse = true;
    g = cred_guid(&r);
    cl = r.store.len;
    memcpy(cred, r.store.data, cl);
    before = rig_voucher(&r, &g, &bl);
    /* Twice: reuse keeps everything as it was. */
    ASSERT_OK(rig_to2(&r));
    ASSERT_TRUE(zto_device_last_result(&r.dev)->cred_reused);
    ASSERT_OK(rig_to2(&r));
    ASSERT_TRUE(zto_device_last_result(&r.dev)->cred_reused);
    ASSERT_EQ(r.store.writes, 0);
    ASSERT_EQ(r.store.len, cl);
    ASSERT_MEM_EQ(r.store.data, cred, cl);
    after = rig_voucher(&r, &g, &al);
    ASSERT_EQ(al, bl);
    if (after != NULL && before != NULL && al == bl)
        ASSERT_MEM_EQ(after, before, al);
    ASSERT_OK(zto_db_owner_ov_get(r.o.db, &g, buf, sizeof(buf), &row));
    ASSERT_TRUE(row.reused);
    ASSERT_EQ(row.onboard_count, 2);
    free(after);

    /* A device that does not accept reuse: 102, nothing changes. */
    r.cfg.allow_cred_reuse = false;
    ASSERT_ERR(rig_to2(&r), ZTO_E_CRED_REUSE);
    ASSERT_EQ(r.loop.device_code, 102);
    ASSERT_EQ(r.store.writes, 0);
    after = rig_voucher(&r, &g, &al);
    ASSERT_EQ(al, bl);
    if (after != NULL && before != NULL && al == bl)
        ASSERT_MEM_EQ(after, before, al);
    ASSERT_OK(zto_db_owner_ov_get(r.o.db, &g, buf, sizeof(buf), &row));
    ASSERT_TRUE(strstr(row.fail_reason, "ErrorMessage 102") != NULL);
    free(after);
    free(before);
    rig_close(&r);
}

/* ---- a session continued by another owner process ---- */

static void
test_replica(void)
{
    struct rig r;
    struct owner o2;
    struct zto_guid g;
    char dbpath[64], why[512];
    size_t vn, kn;
    unsigned char *ov = rig_read("p256", "voucher-extended.cbor", &vn);
    unsigned char *key = rig_read("p256", "owner2.key.pem", &kn);
    unsigned char *cred = rig_read("p256", "device-credential.bin", &kn);
    struct owner_key k;
    struct src_file f;
    int fd;

    free(key);
    key = rig_read("p256", "owner2.key.pem", &kn);
    snprintf(dbpath, sizeof(dbpath), "/tmp/zto_to2_db_XXXXXX");
    fd = mkstemp(dbpath);
    close(fd);
    {
        size_t cn;
        unsigned char *c = rig_read("p256", "device-credential.bin", &cn);
        ASSERT_EQ(rig_open(&r, c, cn), 0);
        free(c);
    }
    zto_db_close(r.o.db);
    ASSERT_OK(zto_db_open(dbpath, ZTO_DB_OWNER, NULL, &r.o.db));
    rig_owner_key(&r, (const char *)key, kn);
    ASSERT_OK(owner_import_one(&r.o, ov, vn, &g, why, sizeof(why)));
    make_file(&f, 4000);
    plan_download(&r, f.path, "op.bin");
    /* The second "process": its own connection, its own key copy. */
    owner_init(&o2);
    o2.log = rig_owner_log;
    ASSERT_OK(zto_db_open(dbpath, ZTO_DB_OWNER, NULL, &o2.db));
    ASSERT_OK(
        owner_key_from_pem(&k, "k", (const char *)key, kn, why, sizeof(why)));
    ASSERT_OK(owner_key_add(&o2, &k));
    /* Every other message goes to the other owner: the handler keeps
     * nothing between messages outside the database. */
    r.loop.alt = &o2;
    ASSERT_OK(rig_to2(&r));
    check_replaced(&r, &g);
    check_downloaded(&r, "op.bin", &f);
    zto_db_close(o2.db);
    o2.db = NULL;
    owner_free(&o2);
    rig_close(&r);
    unlink(dbpath);
    {
        char wal[80];
        snprintf(wal, sizeof(wal), "%s-wal", dbpath);
        unlink(wal);
        snprintf(wal, sizeof(wal), "%s-shm", dbpath);
        unlink(wal);
    }
    free_file(&f);
    free(ov);
    free(key);
    free(cred);
}

/* ---- big download, path escape ---- */

static void
test_download(void)
{
    struct src_file f;
    struct rig r;
    struct zto_guid g;
    size_t bl = 0, al = 0;
    uint8_t *before, *after;
    char outside[128];
    struct stat st;

    /* 40 kB through a 600-byte ServiceInfo limit: dozens of rounds. */
    make_file(&f, 40000);
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    plan_download(&r, f.path, "deep/er/op.bin");
    r.cfg.max_owner_svi_size = 600;
    g = cred_guid(&r);
    ASSERT_OK(rig_to2(&r));
    check_replaced(&r, &g);
    check_downloaded(&r, "deep/er/op.bin", &f);
    ASSERT_TRUE(r.loop.sends > 40000 / 600);
    rig_close(&r);

    /* A name outside the download directory: the device reports -1, the
     * owner fails TO2, nothing is written and nothing replaced. */
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    snprintf(outside, sizeof(outside), "../%s.escape",
             strrchr(f.path, '/') + 1);
    plan_download(&r, f.path, outside);
    g = cred_guid(&r);
    before = rig_voucher(&r, &g, &bl);
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 101);
    ASSERT_EQ(r.store.writes, 0);
    after = rig_voucher(&r, &g, &al);
    ASSERT_TRUE(before != NULL && after != NULL && al == bl &&
                memcmp(before, after, al) == 0);
    {
        char p[256];
        snprintf(p, sizeof(p), "/tmp/%s.escape", strrchr(f.path, '/') + 1);
        ASSERT_TRUE(stat(p, &st) != 0);
    }
    free(before);
    free(after);
    rig_close(&r);
    free_file(&f);
}

/* ---- download a script, run it, upload its result ---- */

static const char setup_script[] =
    "#!/bin/sh\n"
    "i=0\n"
    "while [ $i -lt 80 ]; do\n"
    "    echo \"setup: line $i of the script's output\"\n"
    "    i=$((i + 1))\n"
    "done\n"
    "echo \"made for $1\" > made.bin\n"
    "head -c 6000 /dev/urandom >> made.bin\n"
    "echo finished >&2\n";

static void
plan_kind(struct owner *o, const char *kind, const char *const *kv, size_t n)
{
    char why[256];

    ASSERT_OK(owner_plan_add(o, "all", "", kind, kv, n, false, NULL, why,
                             sizeof(why)));
    if (why[0] != '\0')
        fprintf(stderr, "plan add %s: %s\n", kind, why);
}

/* The owner's failure reason recorded for GUID g. */
static void
fail_reason(struct rig *r, const struct zto_guid *g, char *out, size_t cap)
{
    struct zto_db_ov row;
    uint8_t *buf = malloc(65536);

    out[0] = '\0';
    if (buf != NULL &&
        zto_db_owner_ov_get(r->o.db, g, buf, 65536, &row) == ZTO_OK)
        snprintf(out, cap, "%s", row.fail_reason);
    free(buf);
}

static void
test_command_upload(void)
{
    static const char *const run_kv[] = {
        "command",       "sh",  "arg1",          "setup.sh", "arg2", "$(guid)",
        "return_stdout", "yes", "return_stderr", "yes"};
    static const char *const up_kv[] = {"name", "made.bin", "dest",
                                        "from-device/made.bin"};
    static const char *const fail_kv[] = {
        "command",       "sh", "arg1", "-c", "arg2", "echo nope >&2; exit 4",
        "return_stderr", "yes"};
    static const char *const missing_kv[] = {"name", "not-there.bin"};
    struct src_file f;
    struct rig r;
    struct owner o2;
    struct owner_key k;
    struct zto_guid g;
    struct snapshot_lite {
        uint8_t cred[8192];
        size_t len;
    } before;
    char dbpath[64], updir[64], path[256], why[512], g_hex[33], reason[512];
    unsigned char *dev_file, *own_file, *key;
    size_t dn = 0, on = 0, kn = 0, vn = 0;
    unsigned char *ov;
    int fd;

    /* The script, as a file on the owner. */
    snprintf(f.path, sizeof(f.path), "/tmp/zto_to2_src_XXXXXX");
    fd = mkstemp(f.path);
    ASSERT_TRUE(fd >= 0);
    ASSERT_TRUE(write(fd, setup_script, strlen(setup_script)) ==
                (ssize_t)strlen(setup_script));
    close(fd);
    f.data = NULL;
    snprintf(updir, sizeof(updir), "/tmp/zto_to2_up_XXXXXX");
    ASSERT_TRUE(mkdtemp(updir) != NULL);

    /* Two owner processes on one database file, taking turns; small
     * ServiceInfo sizes both ways so everything spans many rounds. */
    snprintf(dbpath, sizeof(dbpath), "/tmp/zto_to2_db_XXXXXX");
    fd = mkstemp(dbpath);
    close(fd);
    {
        size_t cn;
        unsigned char *c = rig_read("p256", "device-credential.bin", &cn);
        ASSERT_EQ(rig_open(&r, c, cn), 0);
        free(c);
    }
    zto_db_close(r.o.db);
    ASSERT_OK(zto_db_open(dbpath, ZTO_DB_OWNER, NULL, &r.o.db));
    key = rig_read("p256", "owner2.key.pem", &kn);
    ov = rig_read("p256", "voucher-extended.cbor", &vn);
    rig_owner_key(&r, (const char *)key, kn);
    ASSERT_OK(owner_import_one(&r.o, ov, vn, &g, why, sizeof(why)));
    owner_init(&o2);
    o2.log = rig_owner_log;
    ASSERT_OK(zto_db_open(dbpath, ZTO_DB_OWNER, NULL, &o2.db));
    ASSERT_OK(
        owner_key_from_pem(&k, "k", (const char *)key, kn, why, sizeof(why)));
    ASSERT_OK(owner_key_add(&o2, &k));
    snprintf(r.o.svi_upload_dir, sizeof(r.o.svi_upload_dir), "%s", updir);
    snprintf(o2.svi_upload_dir, sizeof(o2.svi_upload_dir), "%s", updir);
    r.o.device_svi_mtu = 200;
    o2.device_svi_mtu = 200;
    r.cfg.max_owner_svi_size = 300;
    r.loop.alt = &o2;
    {
        const char *dl_kv[4] = {"src", f.path, "name", "setup.sh"};
        plan_kind(&r.o, "download", dl_kv, 2);
    }
    plan_kind(&r.o, "command", run_kv, 5);
    plan_kind(&r.o, "upload", up_kv, 2);
    ASSERT_OK(rig_to2(&r));
    check_replaced(&r, &g);
    /* About 3 kB of output through 200-byte messages and a 6 kB file:
     * dozens of rounds. */
    ASSERT_TRUE(r.loop.sends > 40);
    ASSERT_EQ(r.cmd.runs, 1);
    ASSERT_EQ(r.cmd.last_exit, 0);
    ASSERT_EQ(r.up.files, 1);
    snprintf(path, sizeof(path), "%s/made.bin", r.dldir);
    dev_file = test_read_file(path, &dn);
    owner_guid_hex(&g, g_hex);
    snprintf(path, sizeof(path), "%s/%s/from-device/made.bin", updir, g_hex);
    own_file = test_read_file(path, &on);
    ASSERT_TRUE(dn > 6000 && dn == on);
    if (dn == on)
        ASSERT_MEM_EQ(dev_file, own_file, dn);
    /* The script got the GUID ($(guid)) as its argument. */
    ASSERT_TRUE(dn > 42 && memcmp(dev_file, "made for ", 9) == 0 &&
                memcmp(dev_file + 9, g_hex, 32) == 0);
    free(dev_file);
    free(own_file);
    r.loop.alt = NULL;
    rig_close(&r);
    zto_db_close(o2.db);
    o2.db = NULL;
    owner_free(&o2);
    unlink(dbpath);
    {
        char wal[80];
        snprintf(wal, sizeof(wal), "%s-wal", dbpath);
        unlink(wal);
        snprintf(wal, sizeof(wal), "%s-shm", dbpath);
        unlink(wal);
    }

    /* A command that fails without may_fail: the device ends TO2 with
     * an ErrorMessage saying why, the credential and the voucher stay,
     * the owner records the reason. */
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    plan_kind(&r.o, "command", fail_kv, 4);
    g = cred_guid(&r);
    before.len = r.store.len;
    memcpy(before.cred, r.store.data, before.len);
    ASSERT_ERR(rig_to2(&r), ZTO_E_SVI);
    ASSERT_EQ(r.loop.device_code, 101);
    ASSERT_EQ(r.store.writes, 0);
    ASSERT_TRUE(r.store.len == before.len &&
                memcmp(r.store.data, before.cred, before.len) == 0);
    {
        uint8_t *v = rig_voucher(&r, &g, &vn);
        ASSERT_TRUE(v != NULL);
        free(v);
    }
    fail_reason(&r, &g, reason, sizeof(reason));
    ASSERT_TRUE(strstr(reason, "fdo.command: sh exited with code 4") != NULL);
    rig_close(&r);

    /* An upload of a file the device does not have: the same, the
     * reason naming the file; nothing stored on the owner. */
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    snprintf(r.o.svi_upload_dir, sizeof(r.o.svi_upload_dir), "%s", updir);
    plan_kind(&r.o, "upload", missing_kv, 1);
    g = cred_guid(&r);
    ASSERT_ERR(rig_to2(&r), ZTO_E_SVI);
    ASSERT_EQ(r.loop.device_code, 101);
    ASSERT_EQ(r.store.writes, 0);
    fail_reason(&r, &g, reason, sizeof(reason));
    ASSERT_TRUE(strstr(reason, "not-there.bin") != NULL &&
                strstr(reason, "No such file") != NULL);
    owner_guid_hex(&g, g_hex);
    snprintf(path, sizeof(path), "%s/%s/not-there.bin", updir, g_hex);
    ASSERT_TRUE(access(path, F_OK) != 0);
    rig_close(&r);

    rm_walk(updir);
    unlink(f.path);
    free(key);
    free(ov);
}

/* ---- refusals that must leave everything as it was ---- */

struct snapshot {
    uint8_t cred[8192];
    size_t cred_len;
    uint8_t *voucher;
    size_t vlen;
    struct zto_guid guid;
};

static void
snap(struct rig *r, struct snapshot *s)
{
    s->cred_len = r->store.len;
    memcpy(s->cred, r->store.data, s->cred_len);
    s->guid = cred_guid(r);
    s->voucher = rig_voucher(r, &s->guid, &s->vlen);
}

static void
unchanged(struct rig *r, struct snapshot *s, const char *what)
{
    size_t n = 0;
    uint8_t *v = rig_voucher(r, &s->guid, &n);
    bool same = v != NULL && s->voucher != NULL && n == s->vlen &&
                memcmp(v, s->voucher, n) == 0 && r->store.len == s->cred_len &&
                memcmp(r->store.data, s->cred, s->cred_len) == 0;

    if (!same)
        fprintf(stderr, "stored data changed after: %s\n", what);
    ASSERT_TRUE(same);
    free(v);
    free(s->voucher);
    s->voucher = NULL;
}

struct swap {
    uint8_t type;
    const uint8_t *body;
    size_t len;
};

static void
do_swap(void *ctx, uint8_t *type, uint8_t *body, size_t *len)
{
    const struct swap *s = ctx;

    *type = s->type;
    memcpy(body, s->body, s->len);
    *len = s->len;
}

static void
do_truncate(void *ctx, uint8_t *type, uint8_t *body, size_t *len)
{
    (void)ctx;
    (void)type;
    (void)body;
    *len = *len / 2;
}

static void
do_oversize(void *ctx, uint8_t *type, uint8_t *body, size_t *len)
{
    (void)ctx;
    (void)type;
    memset(body + *len, 0xff, 65535 - *len);
    *len = 65535;
}

static void
do_retype(void *ctx, uint8_t *type, uint8_t *body, size_t *len)
{
    (void)ctx;
    (void)body;
    (void)len;
    *type = ZTO_MSG_TO2_DEVICE_SVI_READY;
}

static void
test_refusals(void)
{
    static struct zto_device_cred c;
    struct rig r;
    struct snapshot s;
    struct rig_msg rec[RIG_MAX_MSGS];
    struct swap sw;
    char old_token[OWNER_TOKEN_LEN + 1];
    size_t nmsgs, i, idx64 = 0, idx66 = 0;
    struct src_file f;

    make_file(&f, 2000);

    /* A wrong HMAC secret: the device refuses the owner's header (101). */
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    ASSERT_OK(zto_cred_decode(r.store.data, r.store.len, &c));
    c.hmac_secret[0] ^= 1;
    ASSERT_OK(
        zto_cred_encode(&c, r.store.data, sizeof(r.store.data), &r.store.len));
    snap(&r, &s);
    ASSERT_ERR(rig_to2(&r), ZTO_E_MAC);
    ASSERT_EQ(r.loop.device_code, 101);
    unchanged(&r, &s, "wrong HMAC secret");
    rig_close(&r);

    /* A wrong device key: the owner refuses ProveDevice (101). */
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    ASSERT_OK(zto_cred_decode(r.store.data, r.store.len, &c));
    {
        struct zto_key k;
        zto_key_init(&k);
        ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &k));
        ASSERT_OK(zto_key_private_der(&k, c.key_der, sizeof(c.key_der),
                                      &c.key_der_len));
        zto_key_free(&k);
    }
    ASSERT_OK(
        zto_cred_encode(&c, r.store.data, sizeof(r.store.data), &r.store.len));
    snap(&r, &s);
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 101);
    ASSERT_EQ(zto_device_last_result(&r.dev)->peer_error, 101);
    unchanged(&r, &s, "wrong device key");
    rig_close(&r);
    zto_cred_wipe(&c);

    /* Record a whole session (reuse, so it can run again). */
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    plan_download(&r, f.path, "op.bin");
    r.o.reuse = true;
    r.cfg.allow_cred_reuse = true;
    r.loop.record = rec;
    ASSERT_OK(rig_to2(&r));
    r.loop.record = NULL;
    nmsgs = r.loop.nrecord;
    memcpy(old_token, r.loop.token, sizeof(old_token));
    for (i = 0; i < nmsgs; i++) {
        if (rec[i].type == ZTO_MSG_TO2_PROVE_DEVICE)
            idx64 = i;
        if (rec[i].type == ZTO_MSG_TO2_DEVICE_SVI_READY)
            idx66 = i;
    }
    ASSERT_TRUE(idx64 > 0 && idx66 > idx64);

    /* Replays from that session into a new one: 64 (signed for other
     * nonces) and 66 (sealed with other keys). */
    r.o.reuse = false;
    r.cfg.allow_cred_reuse = false;
    snap(&r, &s);
    sw.type = rec[idx64].type;
    sw.body = rec[idx64].body;
    sw.len = rec[idx64].len;
    r.loop.at = (int)idx64;
    r.loop.mangle = do_swap;
    r.loop.mangle_ctx = &sw;
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 101);
    unchanged(&r, &s, "replayed 64");
    snap(&r, &s);
    sw.type = rec[idx66].type;
    sw.body = rec[idx66].body;
    sw.len = rec[idx66].len;
    r.loop.at = (int)idx66;
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 101);
    unchanged(&r, &s, "replayed 66");
    /* The old session's token is gone. */
    {
        uint8_t out[512];
        size_t ol = 0;
        uint8_t ot = 0;
        char tok[OWNER_TOKEN_LEN + 1];
        static const uint8_t get0[] = {0x81, 0x00};
        ASSERT_ERR(owner_handle(&r.o, ZTO_MSG_TO2_GET_OVNEXT_ENTRY, get0,
                                sizeof(get0), old_token, out, sizeof(out), &ol,
                                &ot, tok, sizeof(tok)),
                   ZTO_E_TOKEN);
        ASSERT_EQ(ot, ZTO_MSG_ERROR);
        /* And an unknown message type touches nothing. */
        ASSERT_ERR(owner_handle(&r.o, 30, get0, sizeof(get0), NULL, out,
                                sizeof(out), &ol, &ot, tok, sizeof(tok)),
                   ZTO_E_STATE);
    }

    /* A wrong token on the second message: 1. */
    snap(&r, &s);
    r.loop.at = 1;
    r.loop.mangle = NULL;
    r.loop.token_at = "00112233445566778899aabbccddeeff";
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 1);
    unchanged(&r, &s, "wrong token");
    r.loop.token_at = NULL;

    /* Out of order: the second message sent as 66. */
    snap(&r, &s);
    r.loop.at = 1;
    r.loop.mangle = do_retype;
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 100);
    unchanged(&r, &s, "out of order");

    /* Every message of the session truncated, or padded to 65535. */
    for (i = 0; i < nmsgs; i++) {
        snap(&r, &s);
        r.loop.at = (int)i;
        r.loop.mangle = do_truncate;
        ASSERT_FAILS(rig_to2(&r));
        ASSERT_TRUE(r.loop.owner_code != 0 || r.loop.device_code != 0);
        unchanged(&r, &s, "truncated message");
        snap(&r, &s);
        r.loop.mangle = do_oversize;
        ASSERT_FAILS(rig_to2(&r));
        ASSERT_TRUE(r.loop.owner_code != 0);
        unchanged(&r, &s, "oversized message");
    }
    r.loop.at = -1;
    r.loop.mangle = NULL;
    /* After all that, an honest run still works. */
    ASSERT_OK(rig_to2(&r));
    for (i = 0; i < nmsgs; i++)
        free(rec[i].body);
    r.loop.nrecord = 0;
    rig_close(&r);
    free_file(&f);
}

/* ---- entry bounds, the TO1 blob ---- */

static void
entry_2(void *ctx, uint8_t *type, uint8_t *body, size_t *len)
{
    (void)ctx;
    (void)type;
    body[0] = 0x81; /* [2]: the voucher has entries 0 and 1 only */
    body[1] = 0x02;
    *len = 2;
}

/* A to1d naming the owner at owner.test:8042, signed by key_pem. */
static size_t
make_to1d(const char *key_pem, size_t key_len, uint8_t *out, size_t cap)
{
    struct zto_key k;
    struct zto_signer sg;
    struct zto_rvto2addr a;
    struct zto_hash_buf h;
    struct zto_hash hh;
    size_t n = 0;

    zto_key_init(&k);
    ASSERT_OK(zto_key_from_pem(key_pem, key_len, &k));
    zto_signer_from_key(&sg, &k);
    memset(&a, 0, sizeof(a));
    a.n = 1;
    a.e[0].has_dns = true;
    a.e[0].dns = ZTO_BYTES("owner.test", 10);
    a.e[0].port = 8042;
    a.e[0].protocol = ZTO_TPROT_HTTP;
    ASSERT_OK(zto_hash(ZTO_HASH_SHA256, "to0d", 4, &h));
    hh.type = h.type;
    hh.value = ZTO_BYTES(h.value, h.len);
    ASSERT_OK(zto_to1d_encode(&a, &hh, &sg, out, cap, &n));
    zto_key_free(&k);
    return n;
}

static void
test_entries_and_to1d(void)
{
    struct rig r;
    struct snapshot s;
    uint8_t to1d[2048];
    size_t kn, n;
    unsigned char *owner_key = rig_read("p256", "owner2.key.pem", &kn);
    unsigned char *other_key;
    size_t on;

    /* GetOVNextEntry past the last entry: 101, no off-by-one. */
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    snap(&r, &s);
    r.loop.at = 1;
    r.loop.mangle = entry_2;
    ASSERT_ERR(rig_to2(&r), ZTO_E_PEER_ERROR);
    ASSERT_EQ(r.loop.owner_code, 101);
    unchanged(&r, &s, "entry out of range");
    r.loop.at = -1;
    r.loop.mangle = NULL;

    /* TO1 led here: the blob must be signed by the owner's key. */
    other_key = rig_read("p256", "owner1.key.pem", &on);
    n = make_to1d((const char *)other_key, on, to1d, sizeof(to1d));
    snap(&r, &s);
    ASSERT_OK(zto_device_load(&r.dev));
    ASSERT_ERR(zto_device_to2(&r.dev, &r.target, to1d, n), ZTO_E_SIGNATURE);
    ASSERT_EQ(r.loop.device_code, 101);
    unchanged(&r, &s, "to1d by another key");
    n = make_to1d((const char *)owner_key, kn, to1d, sizeof(to1d));
    ASSERT_OK(zto_device_load(&r.dev));
    ASSERT_OK(zto_device_to2(&r.dev, &r.target, to1d, n));
    ASSERT_TRUE(zto_device_last_result(&r.dev)->cred_replaced);
    free(owner_key);
    free(other_key);
    rig_close(&r);
}

/* ---- size limits ---- */

static void
test_sizes(void)
{
    static struct zto_device dev2;
    struct rig r;
    struct src_file f;
    struct zto_msg_to2_hello_device h;
    uint8_t body[256], out[8192], *work;
    size_t n = 0, on = 0;
    uint8_t ot = 0;
    char tok[OWNER_TOKEN_LEN + 1];

    make_file(&f, 6000);
    /* The smallest work buffer: the device takes 2048-byte messages and
     * says so; every answer of the owner stays within it. */
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    plan_download(&r, f.path, "op.bin");
    work = malloc(ZTO_DEVICE_WORK_MIN);
    zto_device_init(&dev2);
    ASSERT_OK(zto_device_setup(&dev2, &r.cfg, work, ZTO_DEVICE_WORK_MIN));
    ASSERT_OK(zto_device_load(&dev2));
    ASSERT_OK(zto_device_to2(&dev2, &r.target, NULL, 0));
    ASSERT_TRUE(r.loop.max_resp > 0 &&
                r.loop.max_resp <= ZTO_DEVICE_WORK_MIN / 3);
    check_downloaded(&r, "op.bin", &f);
    zto_device_free(&dev2);
    free(work);
    rig_close(&r);

    /* Absurd limits from a peer are not believed: maxOwnerServiceInfoSz
     * 17 (the device's), maxDeviceMessageSize 17 (in a HelloDevice). */
    ASSERT_EQ(rig_vector(&r, "p384"), 0);
    plan_download(&r, f.path, "op.bin");
    r.cfg.max_owner_svi_size = 17;
    ASSERT_OK(rig_to2(&r));
    check_downloaded(&r, "op.bin", &f);
    rig_close(&r);
    ASSERT_EQ(rig_vector(&r, "p256"), 0);
    memset(&h, 0, sizeof(h));
    h.max_msg_size = 17;
    h.guid = cred_guid(&r);
    h.kex_name = ZTO_BYTES("ECDH256", 7);
    h.cipher = ZTO_COSE_A128GCM;
    h.siginfo.type = ZTO_SG_ES256;
    h.siginfo.info = ZTO_BYTES("", 0);
    ASSERT_OK(zto_msg_to2_hello_device_encode(&h, body, sizeof(body), &n));
    ASSERT_OK(owner_handle(&r.o, ZTO_MSG_TO2_HELLO_DEVICE, body, n, NULL, out,
                           sizeof(out), &on, &ot, tok, sizeof(tok)));
    ASSERT_EQ(ot, ZTO_MSG_TO2_PROVE_OVHDR);
    ASSERT_TRUE(on > 17);
    rig_close(&r);
    free_file(&f);
}

int
main(void)
{
    TEST_START("to2");
    test_sizes();
    test_entries_and_to1d();
    test_vectors();
    test_generated();
    test_resale();
    test_reuse();
    test_replica();
    test_download();
    test_command_upload();
    test_refusals();
    TEST_DONE();
}
