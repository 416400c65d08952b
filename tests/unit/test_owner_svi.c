/*
 * test_owner_svi.c - the owner's ServiceInfo engine (FDO 1.1 section
 * 10.4) against a scripted device: devmod (mandatory keys, split module
 * lists, sn as bytes), a download bigger than the negotiated size sent in
 * chunks that reassemble to the file with the announced SHA-384, every
 * OwnerServiceInfo within the limit, IsMore both ways, the state saved
 * and restored between rounds as the database would, and the failures:
 * missing devmod keys, unlisted modules, done = -1, wrong length, round
 * cap.
 */
#include <stdlib.h>
#include <unistd.h>

#include "owner_admin.h"
#include "svi_int.h"
#include "test.h"

struct kvs {
    uint8_t buf[8192];
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
};

static void
kvs_start(struct kvs *k)
{
    zto_cbor_enc_init(&k->e, k->buf, sizeof(k->buf));
    zto_svi_enc_open(&k->e, &k->m);
}

static void
kv_raw(struct kvs *k, const char *mod, const char *msg, const uint8_t *v,
       size_t n)
{
    zto_svi_enc_kv(&k->e, &k->m, mod, msg, v, n);
}

static void
kv_text(struct kvs *k, const char *mod, const char *msg, const char *s)
{
    uint8_t v[256];
    struct zto_cbor_enc e;
    size_t n = 0;

    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_cstr(&e, s);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, mod, msg, v, n);
}

static void
kv_int(struct kvs *k, const char *mod, const char *msg, int64_t x)
{
    uint8_t v[16];
    struct zto_cbor_enc e;
    size_t n = 0;

    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_int(&e, x);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, mod, msg, v, n);
}

static const uint8_t cbor_true = 0xf5;

/* A 68 body [is_more, kvs] decoded into m. */
static void
make_68(struct kvs *k, bool more, uint8_t *body, size_t cap,
        struct zto_msg_to2_device_svi *m)
{
    struct zto_cbor_enc e;
    size_t kl = 0, n = 0;

    zto_svi_enc_close(&k->e, &k->m);
    if (zto_cbor_enc_finish(&k->e, &kl) != ZTO_OK)
        abort();
    zto_cbor_enc_init(&e, body, cap);
    zto_cbor_put_array(&e, 2);
    zto_cbor_put_bool(&e, more);
    zto_cbor_put_raw(&e, k->buf, kl);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK ||
        zto_msg_to2_device_svi_decode(body, n, m) != ZTO_OK)
        abort();
}

/* devmod as a device sends it; modules split over two values. */
static void
devmod(struct kvs *k, bool with_os, bool with_download)
{
    uint8_t v[128];
    struct zto_cbor_enc e;
    size_t n = 0;

    kv_raw(k, "devmod", "active", &cbor_true, 1);
    if (with_os)
        kv_text(k, "devmod", "os", "linux");
    kv_text(k, "devmod", "arch", "x86_64");
    kv_text(k, "devmod", "version", "Debian 12");
    kv_text(k, "devmod", "device", "test box");
    kv_text(k, "devmod", "sep", ":");
    kv_text(k, "devmod", "bin", "x86_64");
    /* sn as bytes, as go-fdo sends it */
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_bstr(&e, (const uint8_t *)"\x01\x02", 2);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, "devmod", "sn", v, n);
    kv_int(k, "devmod", "nummodules", with_download ? 3 : 2);
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_array(&e, 3);
    zto_cbor_put_uint(&e, 0);
    zto_cbor_put_uint(&e, 1);
    zto_cbor_put_cstr(&e, "devmod");
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, "devmod", "modules", v, n);
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_array(&e, with_download ? 4 : 3);
    zto_cbor_put_uint(&e, 1);
    zto_cbor_put_uint(&e, with_download ? 2 : 1);
    zto_cbor_put_cstr(&e, "fdo.command");
    if (with_download)
        zto_cbor_put_cstr(&e, "fdo.download");
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, "devmod", "modules", v, n);
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
    ASSERT_OK(zto_cbor_dec_finish(&d));
    free(buf);
}

struct fixture {
    struct owner o;
    char path[64];
    uint8_t *file;
    size_t len;
};

static void
fixture(struct fixture *f, size_t len, bool optional, const char *name)
{
    const char *kv[4] = {"src", NULL, "name", name};
    char why[256];
    int fd;

    memset(f, 0, sizeof(*f));
    owner_init(&f->o);
    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &f->o.db));
    snprintf(f->path, sizeof(f->path), "/tmp/zto_svi_XXXXXX");
    fd = mkstemp(f->path);
    ASSERT_TRUE(fd >= 0);
    f->len = len;
    f->file = malloc(len + 1);
    ASSERT_OK(zto_random(f->file, len + 1));
    ASSERT_TRUE(write(fd, f->file, len) == (ssize_t)len);
    close(fd);
    kv[1] = f->path;
    ASSERT_OK(owner_plan_add(&f->o, "all", "", "download", kv, 2, optional,
                             NULL, why, sizeof(why)));
}

static void
fixture_free(struct fixture *f)
{
    unlink(f->path);
    free(f->file);
    zto_db_close(f->o.db);
    f->o.db = NULL;
    owner_free(&f->o);
}

/* What a device does with one 69: collect fdo.download data, check the
 * framing. Returns the number of kvs. */
struct dev {
    uint8_t *got;
    size_t got_len;
    bool header, active_seen, owner_more, owner_done;
    char name[64];
    uint64_t length;
    uint8_t sha[48];
};

static size_t
device_takes(struct dev *d, const uint8_t *body, size_t len, size_t budget)
{
    struct zto_msg_to2_owner_svi m;
    struct zto_svi_kv kv;
    struct zto_cbor_dec c;
    struct zto_bytes b;
    size_t pos = 0, n = 0;
    uint64_t u;

    ASSERT_TRUE(len <= budget);
    ASSERT_OK(zto_msg_to2_owner_svi_decode(body, len, &m));
    d->owner_more = m.is_more;
    d->owner_done = m.is_done;
    while (zto_svi_next(&m.svi, &pos, &kv) == ZTO_OK) {
        n++;
        ASSERT_TRUE(kv.module.len == 12 &&
                    memcmp(kv.module.p, "fdo.download", 12) == 0);
        zto_cbor_dec_init(&c, kv.value.p, kv.value.len);
        if (kv.message.len == 6 && memcmp(kv.message.p, "active", 6) == 0) {
            d->active_seen = true;
        } else if (kv.message.len == 4 &&
                   memcmp(kv.message.p, "name", 4) == 0) {
            ASSERT_OK(zto_cbor_get_tstr(&c, &b));
            ASSERT_TRUE(b.len < sizeof(d->name));
            memcpy(d->name, b.p, b.len);
            d->header = true;
        } else if (kv.message.len == 6 &&
                   memcmp(kv.message.p, "length", 6) == 0) {
            ASSERT_OK(zto_cbor_get_uint(&c, &u));
            d->length = u;
        } else if (kv.message.len == 7 &&
                   memcmp(kv.message.p, "sha-384", 7) == 0) {
            ASSERT_OK(zto_cbor_get_bstr(&c, &b));
            ASSERT_EQ(b.len, 48);
            memcpy(d->sha, b.p, 48);
        } else if (kv.message.len == 4 &&
                   memcmp(kv.message.p, "data", 4) == 0) {
            ASSERT_TRUE(d->header && d->active_seen);
            ASSERT_OK(zto_cbor_get_bstr(&c, &b));
            ASSERT_TRUE(b.len <= 1014);
            d->got = realloc(d->got, d->got_len + b.len + 1);
            memcpy(d->got + d->got_len, b.p, b.len);
            d->got_len += b.len;
        } else {
            ASSERT_TRUE(0);
        }
    }
    return n;
}

static void
test_download(size_t len, size_t budget, bool restore)
{
    struct fixture f;
    struct svi_state s;
    struct zto_guid g;
    struct zto_msg_to2_device_svi m;
    struct kvs k;
    struct dev d;
    uint8_t body[8192], out[70000];
    struct zto_hash_buf h;
    size_t out_len = 0, rounds = 0, n;
    char why[256];
    bool reported = false;

    fixture(&f, len, false, "etc/op.pem");
    memset(&g, 0x42, sizeof(g));
    memset(&d, 0, sizeof(d));
    svi_state_init(&s);
    ASSERT_OK(svi_load_plan(&f.o, &s, &g, &g, ""));
    ASSERT_EQ(s.nsteps, 1);

    /* devmod in two messages, the first with IsMore: the owner waits. */
    kvs_start(&k);
    devmod(&k, true, true);
    make_68(&k, true, body, sizeof(body), &m);
    ASSERT_OK(svi_round(&f.o, &s, &g, &m, budget, out, sizeof(out), &out_len,
                        why, sizeof(why)));
    ASSERT_EQ(device_takes(&d, out, out_len, budget), 0);
    ASSERT_TRUE(!d.owner_more && !d.owner_done);
    kvs_start(&k);
    make_68(&k, false, body, sizeof(body), &m);
    for (;;) {
        if (restore)
            save_restore(&s);
        ASSERT_OK(svi_round(&f.o, &s, &g, &m, budget, out, sizeof(out),
                            &out_len, why, sizeof(why)));
        n = device_takes(&d, out, out_len, budget);
        if (d.owner_done) {
            ASSERT_EQ(n, 0);
            break;
        }
        if (++rounds > 10000)
            break;
        kvs_start(&k);
        /* The device answers active once, and done when all arrived and
         * the owner has no more for it; under the owner's IsMore it sends
         * nothing. */
        if (d.active_seen && rounds == 1)
            kv_raw(&k, "fdo.download", "active", &cbor_true, 1);
        if (!d.owner_more && d.header && d.got_len == d.length && !reported) {
            kv_int(&k, "fdo.download", "done", (int64_t)d.got_len);
            reported = true;
        }
        make_68(&k, false, body, sizeof(body), &m);
    }
    ASSERT_TRUE(d.owner_done);
    ASSERT_TRUE(strcmp(d.name, "etc/op.pem") == 0);
    ASSERT_EQ(d.length, len);
    ASSERT_EQ(d.got_len, len);
    if (d.got_len == len)
        ASSERT_MEM_EQ(d.got, f.file, len);
    ASSERT_OK(zto_hash(ZTO_HASH_SHA384, f.file, len, &h));
    ASSERT_MEM_EQ(d.sha, h.value, 48);
    /* More rounds than one chunk per message would need is a bug; a
     * small budget needs about len / budget of them. */
    ASSERT_TRUE(rounds <= len / (budget / 2) + 4);
    /* After IsDone the engine refuses more rounds. */
    ASSERT_ERR(svi_round(&f.o, &s, &g, &m, budget, out, sizeof(out), &out_len,
                         why, sizeof(why)),
               ZTO_E_STATE);
    svi_state_free(&s);
    free(d.got);
    fixture_free(&f);
}

/* Run rounds until an error or IsDone; the device answers the first
 * round with devmod and then `reply` every round. */
static zto_err_t
run_until(struct fixture *f, bool with_os, bool with_download,
          const char *reply_msg, int64_t reply_val, char *why, size_t cap,
          bool *done)
{
    struct svi_state s;
    struct zto_guid g;
    struct zto_msg_to2_device_svi m;
    struct kvs k;
    struct dev d;
    uint8_t body[8192], out[4096];
    size_t out_len = 0;
    int i;
    zto_err_t r = ZTO_OK;

    memset(&g, 7, sizeof(g));
    memset(&d, 0, sizeof(d));
    svi_state_init(&s);
    if ((r = svi_load_plan(&f->o, &s, &g, &g, "")) != ZTO_OK)
        return r;
    kvs_start(&k);
    devmod(&k, with_os, with_download);
    make_68(&k, false, body, sizeof(body), &m);
    *done = false;
    for (i = 0; i < 100; i++) {
        r = svi_round(&f->o, &s, &g, &m, 1300, out, sizeof(out), &out_len, why,
                      cap);
        if (r != ZTO_OK)
            break;
        (void)device_takes(&d, out, out_len, 1300);
        if (d.owner_done) {
            *done = true;
            break;
        }
        kvs_start(&k);
        if (reply_msg != NULL && !d.owner_more && d.got_len == d.length)
            kv_int(&k, "fdo.download", reply_msg, reply_val);
        make_68(&k, false, body, sizeof(body), &m);
    }
    svi_state_free(&s);
    free(d.got);
    return r;
}

static void
test_errors(void)
{
    struct fixture f;
    char why[256];
    bool done = false;

    /* A mandatory devmod key missing. */
    fixture(&f, 10, false, "a");
    ASSERT_ERR(run_until(&f, false, true, NULL, 0, why, sizeof(why), &done),
               ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "devmod:os") != NULL);
    /* The device does not list fdo.download. */
    ASSERT_ERR(run_until(&f, true, false, NULL, 0, why, sizeof(why), &done),
               ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "fdo.download") != NULL);
    /* The device reports failure, or a wrong length. */
    ASSERT_ERR(run_until(&f, true, true, "done", -1, why, sizeof(why), &done),
               ZTO_E_SVI);
    ASSERT_ERR(run_until(&f, true, true, "done", 9, why, sizeof(why), &done),
               ZTO_E_SVI);
    /* Never answering: the round cap stops it. */
    f.o.svi_max_rounds = 20;
    ASSERT_ERR(run_until(&f, true, true, NULL, 0, why, sizeof(why), &done),
               ZTO_E_LIMIT);
    fixture_free(&f);

    /* Optional step, module missing: skipped, TO2 completes. */
    fixture(&f, 10, true, "a");
    ASSERT_OK(run_until(&f, true, false, NULL, 0, why, sizeof(why), &done));
    ASSERT_TRUE(done);
    fixture_free(&f);
}

static void
test_state_codec(void)
{
    struct fixture f;
    struct svi_state s;
    struct zto_guid g;
    struct zto_cbor_enc e;
    struct zto_cbor_dec d;
    uint8_t buf[8192], *copy;
    size_t n = 0, i;

    fixture(&f, 3000, false, "x");
    memset(&g, 1, sizeof(g));
    svi_state_init(&s);
    ASSERT_OK(svi_load_plan(&f.o, &s, &g, &g, ""));
    s.step[0].u[1] = 1234;
    s.step[0].blob_len = 3;
    memcpy(s.step[0].blob, "abc", 3);
    zto_cbor_enc_init(&e, buf, sizeof(buf));
    svi_state_encode(&s, &e);
    ASSERT_OK(zto_cbor_enc_finish(&e, &n));
    svi_state_free(&s);
    for (i = 0; i < n; i++) {
        copy = test_exact_copy(buf, i);
        zto_cbor_dec_init(&d, copy, i);
        ASSERT_FAILS(svi_state_decode(&d, &s));
        free(copy);
    }
    zto_cbor_dec_init(&d, buf, n);
    ASSERT_OK(svi_state_decode(&d, &s));
    ASSERT_EQ(s.nsteps, 1);
    ASSERT_EQ(s.step[0].u[1], 1234);
    ASSERT_EQ(s.step[0].blob_len, 3);
    svi_state_free(&s);
    fixture_free(&f);
}

int
main(void)
{
    TEST_START("owner_svi");
    test_download(5000, 1300, false);
    test_download(5000, 1300, true);
    test_download(100000, 8000, true);
    test_download(0, 1300, false);
    test_download(3000, 200, true);
    test_errors();
    test_state_codec();
    TEST_DONE();
}
