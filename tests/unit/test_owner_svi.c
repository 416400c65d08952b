/*
 * test_owner_svi.c - the owner's ServiceInfo engine (FDO 1.1 section
 * 10.4) against a scripted device: devmod (mandatory keys, split module
 * lists, sn as bytes), a download bigger than the negotiated size sent in
 * chunks that reassemble to the file with the announced SHA-384, every
 * OwnerServiceInfo within the limit, IsMore both ways, the state saved
 * and restored between rounds as the database would, and the failures:
 * missing devmod keys, unlisted modules, done = -1, wrong length, round
 * cap.
 *
 * The command and upload step kinds: parameters checked when a step is
 * added; the settings in order (args a bstr-wrapped array, "$(guid)"
 * replaced) across small messages; output logged line by line across
 * chunks and rounds, capped by svi_output_max; exit codes with and
 * without may_fail (the reason with the last stderr line); the timeout
 * (sig 9, then a failure); uploads stored under svi_upload_dir/GUID
 * after the SHA-384 matched, and every failure (hash, size cap, more
 * data than announced, order) keeping nothing; stale part files swept.
 * The state goes through svi_state_encode/decode between rounds.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "owner_admin.h"
#include "svi_int.h"
#include "test.h"
#include "owner_svi_rig.h"

static const uint8_t cbor_true = 0xf5;

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
    kv_int(k, "devmod", "nummodules", with_download ? 4 : 2);
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_array(&e, 3);
    zto_cbor_put_uint(&e, 0);
    zto_cbor_put_uint(&e, 1);
    zto_cbor_put_cstr(&e, "devmod");
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, "devmod", "modules", v, n);
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_array(&e, with_download ? 5 : 3);
    zto_cbor_put_uint(&e, 1);
    zto_cbor_put_uint(&e, with_download ? 3 : 1);
    zto_cbor_put_cstr(&e, "fdo.command");
    if (with_download) {
        zto_cbor_put_cstr(&e, "fdo.download");
        zto_cbor_put_cstr(&e, "fdo.upload");
    }
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, "devmod", "modules", v, n);
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

/* ---- command and upload steps ---- */

/* Owner log lines, for the tests that look at what was logged. */
static char logbuf[65536];
static size_t loglen;

static void
log_capture(void *ctx, int level, const char *line)
{
    size_t n = strlen(line);

    (void)ctx;
    (void)level;
    if (loglen + n + 2 < sizeof(logbuf)) {
        memcpy(logbuf + loglen, line, n);
        loglen += n;
        logbuf[loglen++] = '\n';
        logbuf[loglen] = '\0';
    }
}

static void
owner_open(struct owner *o)
{
    owner_init(o);
    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &o->db));
    o->log = log_capture;
    loglen = 0;
    logbuf[0] = '\0';
}

static void
owner_close(struct owner *o)
{
    zto_db_close(o->db);
    o->db = NULL;
    owner_free(o);
}

static zto_err_t
add_step(struct owner *o, const char *kind, const char *const *kv,
         size_t npairs, char *why, size_t cap)
{
    return owner_plan_add(o, "all", "", kind, kv, npairs, false, NULL, why,
                          cap);
}

static void
test_step_checks(void)
{
    struct owner o;
    char why[512];
    size_t i;
    static const struct {
        const char *kind;
        const char *kv[8];
        size_t n;
        const char *says;
    } bad[] = {
        {"command", {"arg1", "x"}, 1, "needs the program"},
        {"command", {"command", ""}, 1, "1 to 1023 bytes"},
        {"command", {"command", "sh", "arg2", "x"}, 2, "with a gap"},
        {"command", {"command", "sh", "may_fail", "maybe"}, 2, "yes or no"},
        {"command", {"command", "sh", "timeout", "-1"}, 2, "timeout"},
        {"command", {"command", "sh", "timeout", "9999999"}, 2, "604800"},
        {"command", {"command", "sh", "colour", "red"}, 2, "unknown"},
        {"command", {"command", "sh", "arg33", "x"}, 2, "unknown"},
        {"upload", {"dest", "x"}, 1, "needs name"},
        {"upload", {"name", "var/log/"}, 1, "relative path"},
        {"upload", {"name", "x", "dest", "../x"}, 2, "relative path"},
        {"upload", {"name", "x", "dest", "/x"}, 2, "relative path"},
        {"upload", {"name", "x", "dest", "a//b"}, 2, "relative path"},
        {"upload", {"name", "x", "dest", "a/./b"}, 2, "relative path"},
        {"upload", {"name", "x", "dest", ".upload-1.part"}, 2, "relative"},
        {"upload", {"name", "x", "mode", "0600"}, 2, "unknown parameter"},
        {"csv", {"name", "x"}, 1, "download, command, upload"},
    };
    static const struct {
        const char *kind;
        const char *kv[10];
        size_t n;
    } good[] = {
        {"command",
         {"command", "sh", "arg1", "-c", "arg2", "echo", "may_fail", "yes",
          "timeout", "30"},
         5},
        {"command", {"command", "/bin/true", "return_stdout", "no"}, 2},
        {"upload", {"name", "/var/log/x.log"}, 1},
        {"upload", {"name", "a", "dest", "d/.e.txt"}, 2},
    };

    owner_open(&o);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        ASSERT_FAILS(
            add_step(&o, bad[i].kind, bad[i].kv, bad[i].n, why, sizeof(why)));
        if (strstr(why, bad[i].says) == NULL)
            fprintf(stderr, "step %zu: \"%s\" lacks \"%s\"\n", i, why,
                    bad[i].says);
        ASSERT_TRUE(strstr(why, bad[i].says) != NULL);
    }
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ASSERT_OK(add_step(&o, good[i].kind, good[i].kv, good[i].n, why,
                           sizeof(why)));
    }
    owner_close(&o);
}

/* One key/value of a 69, copied. */
struct said {
    char module[32], message[32];
    uint8_t val[2048];
    size_t len;
};

struct owner_msg {
    struct said kv[64];
    size_t n;
    bool more, done;
};

static void
owner_said(const uint8_t *body, size_t len, size_t budget, struct owner_msg *om)
{
    struct zto_msg_to2_owner_svi m;
    struct zto_svi_kv kv;
    size_t pos = 0;

    ASSERT_TRUE(len <= budget);
    ASSERT_OK(zto_msg_to2_owner_svi_decode(body, len, &m));
    om->more = m.is_more;
    om->done = m.is_done;
    om->n = 0;
    while (zto_svi_next(&m.svi, &pos, &kv) == ZTO_OK && om->n < 64) {
        struct said *s = &om->kv[om->n++];
        snprintf(s->module, sizeof(s->module), "%.*s", (int)kv.module.len,
                 (const char *)kv.module.p);
        snprintf(s->message, sizeof(s->message), "%.*s", (int)kv.message.len,
                 (const char *)kv.message.p);
        ASSERT_TRUE(kv.value.len <= sizeof(s->val));
        s->len = kv.value.len < sizeof(s->val) ? kv.value.len : 0;
        memcpy(s->val, kv.value.p, s->len);
    }
}

/* The device's side of a run: sees each 69, writes the next 68. */
typedef void (*device_fn)(void *ctx, const struct owner_msg *om, struct kvs *k);

/* devmod, then rounds until IsDone, an error or max_rounds; the state
 * saved and restored between rounds when `restore`. */
static zto_err_t
drive(struct owner *o, size_t budget, bool restore, device_fn fn, void *ctx,
      char *why, size_t cap, bool *done)
{
    static struct owner_msg om;
    struct svi_state s;
    struct zto_guid g;
    struct zto_msg_to2_device_svi m;
    struct kvs k;
    uint8_t body[8192], out[70000];
    size_t out_len = 0;
    int i;
    zto_err_t r;

    memset(&g, 0x5a, sizeof(g));
    svi_state_init(&s);
    *done = false;
    if ((r = svi_load_plan(o, &s, &g, &g, "")) != ZTO_OK)
        return r;
    kvs_start(&k);
    devmod(&k, true, true);
    make_68(&k, false, body, sizeof(body), &m);
    for (i = 0; i < 2000; i++) {
        if (restore)
            save_restore(&s);
        why[0] = '\0';
        r = svi_round(o, &s, &g, &m, budget, out, sizeof(out), &out_len, why,
                      cap);
        if (r != ZTO_OK)
            break;
        owner_said(out, out_len, budget, &om);
        if (om.done) {
            ASSERT_EQ(om.n, 0);
            *done = true;
            break;
        }
        kvs_start(&k);
        fn(ctx, &om, &k);
        make_68(&k, false, body, sizeof(body), &m);
    }
    svi_state_free(&s);
    return r;
}

static void
kv_bytes(struct kvs *k, const char *mod, const char *msg, const uint8_t *p,
         size_t n)
{
    static uint8_t v[4200];
    struct zto_cbor_enc e;
    size_t len = 0;

    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_bstr(&e, p, n);
    if (zto_cbor_enc_finish(&e, &len) != ZTO_OK)
        abort();
    kv_raw(k, mod, msg, v, len);
}

static bool
said_is(const struct said *s, const char *module, const char *message)
{
    return strcmp(s->module, module) == 0 && strcmp(s->message, message) == 0;
}

/* A device running one command: it checks the settings and answers
 * with the scripted output and exit code. */
struct cmd_dev {
    /* What the owner sent, in order. */
    char order[16][32];
    size_t norder;
    char command[64];
    char args[4][128];
    size_t nargs;
    bool may_fail, want_out, want_err, executed, answered;
    int64_t sig;
    unsigned rounds_after_exec;
    /* The script. */
    const char *const *out; /* stdout chunks, one per round */
    const char *const *err; /* stderr chunks, with the same index */
    size_t nout;
    int64_t exitcode;
    bool never_exit;
    bool exit_at_once; /* exitcode in the first answer */
    bool bad_stdout;
};

static void
cmd_device(void *ctx, const struct owner_msg *om, struct kvs *k)
{
    struct cmd_dev *d = ctx;
    struct zto_cbor_dec c, in;
    struct zto_bytes b;
    size_t i, n, j;

    for (i = 0; i < om->n; i++) {
        const struct said *s = &om->kv[i];
        ASSERT_TRUE(strcmp(s->module, "fdo.command") == 0);
        zto_cbor_dec_init(&c, s->val, s->len);
        if (d->norder < 16)
            snprintf(d->order[d->norder++], sizeof(d->order[0]), "%s",
                     s->message);
        if (said_is(s, "fdo.command", "command")) {
            ASSERT_OK(zto_cbor_get_tstr(&c, &b));
            snprintf(d->command, sizeof(d->command), "%.*s", (int)b.len,
                     (const char *)b.p);
        } else if (said_is(s, "fdo.command", "args")) {
            /* bstr .cbor [* tstr] */
            ASSERT_OK(zto_cbor_get_bstr(&c, &b));
            zto_cbor_dec_init(&in, b.p, b.len);
            ASSERT_OK(zto_cbor_get_array(&in, &n));
            for (j = 0; j < n && j < 4; j++) {
                ASSERT_OK(zto_cbor_get_tstr(&in, &b));
                snprintf(d->args[j], sizeof(d->args[0]), "%.*s", (int)b.len,
                         (const char *)b.p);
            }
            d->nargs = n;
            ASSERT_OK(zto_cbor_dec_finish(&in));
        } else if (said_is(s, "fdo.command", "may_fail")) {
            ASSERT_OK(zto_cbor_get_bool(&c, &d->may_fail));
        } else if (said_is(s, "fdo.command", "return_stdout")) {
            ASSERT_OK(zto_cbor_get_bool(&c, &d->want_out));
        } else if (said_is(s, "fdo.command", "return_stderr")) {
            ASSERT_OK(zto_cbor_get_bool(&c, &d->want_err));
        } else if (said_is(s, "fdo.command", "execute")) {
            ASSERT_OK(zto_cbor_get_null(&c));
            d->executed = true;
        } else if (said_is(s, "fdo.command", "sig")) {
            ASSERT_OK(zto_cbor_get_int(&c, &d->sig));
        }
    }
    if (!d->answered && om->n > 0) {
        kv_raw(k, "fdo.command", "active", &cbor_true, 1);
        d->answered = true;
    }
    if (d->exit_at_once && d->answered) {
        kv_int(k, "fdo.command", "exitcode", 0);
        return;
    }
    if (om->more || !d->executed)
        return;
    if (d->rounds_after_exec < d->nout) {
        const char *o = d->out[d->rounds_after_exec];
        const char *e = d->err != NULL ? d->err[d->rounds_after_exec] : NULL;
        if (d->bad_stdout)
            kv_int(k, "fdo.command", "stdout", 1);
        else if (o != NULL && o[0] != '\0')
            kv_bytes(k, "fdo.command", "stdout", (const uint8_t *)o, strlen(o));
        if (e != NULL && e[0] != '\0')
            kv_bytes(k, "fdo.command", "stderr", (const uint8_t *)e, strlen(e));
    } else if (!d->never_exit) {
        kv_int(k, "fdo.command", "exitcode", d->exitcode);
    }
    d->rounds_after_exec++;
}

static void
command_plan(struct owner *o, const char *may_fail, const char *timeout)
{
    const char *kv[] = {"command",       "sh",
                        "arg1",          "-c",
                        "arg2",          "echo $(guid) x",
                        "may_fail",      may_fail,
                        "return_stdout", "yes",
                        "return_stderr", "yes",
                        "timeout",       timeout};
    char why[256];

    ASSERT_OK(
        add_step(o, "command", kv, timeout != NULL ? 7 : 6, why, sizeof(why)));
}

static void
test_command_run(size_t budget, bool restore)
{
    static const char *const out[] = {"hello li", "ne\nsecond", "\n", ""};
    static const char *const err[] = {"", "oo", "ps\n", ""};
    static const char *const want_order[] = {
        "active",        "command",       "args",   "may_fail",
        "return_stdout", "return_stderr", "execute"};
    struct owner o;
    struct cmd_dev d;
    char why[256];
    bool done = false;
    size_t i;

    owner_open(&o);
    command_plan(&o, "no", NULL);
    memset(&d, 0, sizeof(d));
    d.out = out;
    d.err = err;
    d.nout = 4;
    d.exitcode = 0;
    ASSERT_OK(
        drive(&o, budget, restore, cmd_device, &d, why, sizeof(why), &done));
    ASSERT_TRUE(done);
    /* Everything, in order, execute last. */
    ASSERT_EQ(d.norder, 7);
    for (i = 0; i < 7 && i < d.norder; i++)
        ASSERT_TRUE(strcmp(d.order[i], want_order[i]) == 0);
    ASSERT_TRUE(strcmp(d.command, "sh") == 0);
    ASSERT_EQ(d.nargs, 2);
    ASSERT_TRUE(strcmp(d.args[0], "-c") == 0);
    ASSERT_TRUE(strcmp(d.args[1], "echo 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a x") ==
                0);
    ASSERT_TRUE(!d.may_fail && d.want_out && d.want_err);
    /* Lines put together across chunks (and rounds). */
    ASSERT_TRUE(strstr(logbuf, "fdo.command stdout: hello line\n") != NULL);
    ASSERT_TRUE(strstr(logbuf, "fdo.command stdout: second\n") != NULL);
    ASSERT_TRUE(strstr(logbuf, "fdo.command stderr: oops\n") != NULL);
    ASSERT_TRUE(strstr(logbuf, "sh exited with code 0 (18 bytes stdout, 5 "
                               "bytes stderr)") != NULL);
    owner_close(&o);
}

static void
test_command_failures(void)
{
    static const char *const out[] = {"", "x\n"};
    static const char *const err[] = {"oops\nlast words\n", ""};
    static const char *const noise[] = {"0123456789012345678901234567890\n"};
    struct owner o;
    struct cmd_dev d;
    struct zto_db_ov row;
    char why[256];
    bool done = false;

    /* Non-zero without may_fail: fails, with the last stderr line. */
    owner_open(&o);
    command_plan(&o, "no", NULL);
    memset(&d, 0, sizeof(d));
    d.out = out;
    d.err = err;
    d.nout = 2;
    d.exitcode = 3;
    ASSERT_ERR(drive(&o, 1300, true, cmd_device, &d, why, sizeof(why), &done),
               ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "sh exited with code 3; stderr: last words") !=
                NULL);
    owner_close(&o);
    (void)row;

    /* may_fail: the step finishes, TO2 goes on. */
    owner_open(&o);
    command_plan(&o, "yes", NULL);
    memset(&d, 0, sizeof(d));
    d.out = out;
    d.err = err;
    d.nout = 2;
    d.exitcode = 3;
    ASSERT_OK(drive(&o, 1300, true, cmd_device, &d, why, sizeof(why), &done));
    ASSERT_TRUE(done && d.may_fail);
    ASSERT_TRUE(strstr(logbuf, "exited with code 3") != NULL &&
                strstr(logbuf, "may_fail") != NULL);
    owner_close(&o);

    /* exitcode before execute (a 128-byte limit: the settings take
     * several messages); stdout that is not a byte string. */
    owner_open(&o);
    command_plan(&o, "no", NULL);
    memset(&d, 0, sizeof(d));
    d.exit_at_once = true;
    ASSERT_ERR(drive(&o, 128, true, cmd_device, &d, why, sizeof(why), &done),
               ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "exitcode unexpected") != NULL);
    memset(&d, 0, sizeof(d));
    d.out = out;
    d.nout = 2;
    d.bad_stdout = true;
    ASSERT_ERR(drive(&o, 1300, true, cmd_device, &d, why, sizeof(why), &done),
               ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "stdout is not a byte string") != NULL);
    owner_close(&o);

    /* Output beyond svi_output_max is counted, not logged. */
    owner_open(&o);
    o.svi_output_max = 40;
    command_plan(&o, "no", NULL);
    memset(&d, 0, sizeof(d));
    d.out = (const char *const[]){noise[0], noise[0], noise[0]};
    d.nout = 3;
    ASSERT_OK(drive(&o, 1300, true, cmd_device, &d, why, sizeof(why), &done));
    ASSERT_TRUE(strstr(logbuf, "more output than svi_output_max (40 bytes)") !=
                NULL);
    ASSERT_TRUE(strstr(logbuf, "(96 bytes stdout") != NULL);
    owner_close(&o);
}

/* The owner's clock moves 5 s every round. */
struct clocked {
    struct cmd_dev d;
    struct owner *o;
};

static void
clocked_device(void *ctx, const struct owner_msg *om, struct kvs *k)
{
    struct clocked *c = ctx;

    c->o->clock += 5;
    cmd_device(&c->d, om, k);
}

static void
test_command_timeout(void)
{
    struct owner o;
    struct clocked c;
    char why[256];
    bool done = false;

    /* timeout 12 s: sig 9 after ~3 rounds; the device never stops: after
     * 60 more seconds TO2 fails. */
    owner_open(&o);
    o.clock = 1000000;
    command_plan(&o, "no", "12");
    memset(&c, 0, sizeof(c));
    c.o = &o;
    c.d.never_exit = true;
    ASSERT_ERR(
        drive(&o, 1300, true, clocked_device, &c, why, sizeof(why), &done),
        ZTO_E_SVI);
    ASSERT_EQ(c.d.sig, 9);
    ASSERT_TRUE(strstr(why, "timed out after 12 s") != NULL);
    ASSERT_TRUE(strstr(logbuf, "signal 9 sent") != NULL);
    ASSERT_TRUE(o.clock >= 1000000 + 12 + 60);
    owner_close(&o);

    /* The device stops it (137): without may_fail TO2 fails saying the
     * timeout did it. */
    owner_open(&o);
    o.clock = 1000000;
    command_plan(&o, "no", "12");
    memset(&c, 0, sizeof(c));
    c.o = &o;
    c.d.nout = 5;
    c.d.out = (const char *const[]){"", "", "", "", ""};
    c.d.exitcode = 137;
    ASSERT_ERR(
        drive(&o, 1300, true, clocked_device, &c, why, sizeof(why), &done),
        ZTO_E_SVI);
    ASSERT_EQ(c.d.sig, 9);
    ASSERT_TRUE(strstr(why, "code 137 after its timeout") != NULL);
    owner_close(&o);
}

/* ---- upload ---- */

struct up_dev {
    bool need_sha, answered, length_sent;
    size_t datas;
    char name[256];
    const uint8_t *file;
    size_t len, sent;
    size_t per_round; /* data values per 68 */
    size_t chunk;     /* bytes per data value */
    /* Misbehaviour. */
    bool bad_sha, data_first, extra_data, early_sha;
    uint64_t claim_len; /* length announced (0: the real one) */
    bool finished;
};

static void
up_device(void *ctx, const struct owner_msg *om, struct kvs *k)
{
    struct up_dev *d = ctx;
    struct zto_cbor_dec c;
    struct zto_bytes b;
    struct zto_hash_buf h;
    size_t i, n;

    for (i = 0; i < om->n; i++) {
        const struct said *s = &om->kv[i];
        ASSERT_TRUE(strcmp(s->module, "fdo.upload") == 0);
        zto_cbor_dec_init(&c, s->val, s->len);
        if (said_is(s, "fdo.upload", "need-sha")) {
            ASSERT_OK(zto_cbor_get_bool(&c, &d->need_sha));
        } else if (said_is(s, "fdo.upload", "name")) {
            ASSERT_TRUE(d->need_sha); /* asked before the name */
            ASSERT_OK(zto_cbor_get_tstr(&c, &b));
            snprintf(d->name, sizeof(d->name), "%.*s", (int)b.len,
                     (const char *)b.p);
        }
    }
    if (!d->answered && om->n > 0) {
        kv_raw(k, "fdo.upload", "active", &cbor_true, 1);
        d->answered = true;
    }
    if (d->name[0] == '\0' || om->more || d->finished)
        return;
    if (!d->length_sent && !d->data_first)
        kv_int(k, "fdo.upload", "length",
               (int64_t)(d->claim_len != 0 ? d->claim_len : d->len));
    d->length_sent = true;
    if (d->early_sha) {
        kv_bytes(k, "fdo.upload", "sha-384", (const uint8_t *)d->name, 48);
        d->finished = true;
        return;
    }
    for (n = 0; n < d->per_round && (d->sent < d->len || d->datas == 0); n++) {
        size_t c2 = d->len - d->sent < d->chunk ? d->len - d->sent : d->chunk;
        kv_bytes(k, "fdo.upload", "data", d->file + d->sent, c2);
        d->sent += c2;
        d->datas++;
    }
    if (d->sent == d->len && d->datas > 0) {
        if (d->extra_data)
            kv_bytes(k, "fdo.upload", "data", (const uint8_t *)"x", 1);
        ASSERT_OK(zto_hash(ZTO_HASH_SHA384, d->file, d->len, &h));
        if (d->bad_sha)
            h.value[7] ^= 1;
        kv_bytes(k, "fdo.upload", "sha-384", h.value, 48);
        d->finished = true;
    }
}

/* Files in dir (recursively), as "find" lists them; count only. */
static int
count_files(const char *dir)
{
    char cmd[512];
    FILE *f;
    int n = -1;

    snprintf(cmd, sizeof(cmd), "find '%s' -type f | wc -l", dir);
    if ((f = popen(cmd, "r")) != NULL) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static void
rm_rf(const char *dir)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

static void
upload_plan(struct owner *o, char *dir, size_t dircap)
{
    const char *kv[4] = {"name", "var/$(guid).log", "dest", "logs/x.log"};
    char why[256];

    snprintf(dir, dircap, "/tmp/zto_up_XXXXXX");
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    snprintf(o->svi_upload_dir, sizeof(o->svi_upload_dir), "%s", dir);
    ASSERT_OK(add_step(o, "upload", kv, 2, why, sizeof(why)));
}

static void
test_upload_run(size_t len, size_t budget, size_t per_round, bool restore)
{
    static uint8_t file[20000];
    struct owner o;
    struct up_dev d;
    char dir[64], path[256], why[256];
    unsigned char *got;
    struct stat st;
    size_t n = 0;
    bool done = false;

    ASSERT_OK(zto_random(file, len));
    owner_open(&o);
    upload_plan(&o, dir, sizeof(dir));
    memset(&d, 0, sizeof(d));
    d.file = file;
    d.len = len;
    d.per_round = per_round;
    d.chunk = 1014;
    ASSERT_OK(
        drive(&o, budget, restore, up_device, &d, why, sizeof(why), &done));
    ASSERT_TRUE(done);
    ASSERT_TRUE(strcmp(d.name, "var/5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a.log") ==
                0);
    snprintf(path, sizeof(path),
             "%s/5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a/logs/x.log", dir);
    ASSERT_TRUE(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    got = test_read_file(path, &n);
    ASSERT_EQ(n, len);
    if (got != NULL && n == len)
        ASSERT_MEM_EQ(got, file, len);
    free(got);
    ASSERT_EQ(count_files(dir), 1); /* no part file left */
    ASSERT_TRUE(strstr(logbuf, "fdo.upload: stored") != NULL);
    rm_rf(dir);
    owner_close(&o);
}

/* Upload with the device misbehaving as d says: fails, nothing kept. */
static void
upload_fails(struct up_dev *d, uint64_t max, const char *says)
{
    static uint8_t file[5000];
    struct owner o;
    char dir[64], why[256];
    bool done = false;

    owner_open(&o);
    upload_plan(&o, dir, sizeof(dir));
    if (max > 0)
        o.svi_upload_max = max;
    d->file = file;
    d->len = sizeof(file);
    d->per_round = 2;
    d->chunk = 1014;
    ASSERT_FAILS(drive(&o, 1300, true, up_device, d, why, sizeof(why), &done));
    if (strstr(why, says) == NULL)
        fprintf(stderr, "upload: \"%s\" lacks \"%s\"\n", why, says);
    ASSERT_TRUE(strstr(why, says) != NULL);
    ASSERT_EQ(count_files(dir), 0);
    rm_rf(dir);
    owner_close(&o);
}

static void
test_upload_failures(void)
{
    struct up_dev d;
    struct owner o;
    char dir[64], p[256], why[256];
    bool done = false;
    struct timeval old[2] = {{1000, 0}, {1000, 0}};
    int fd;

    memset(&d, 0, sizeof(d));
    d.bad_sha = true;
    upload_fails(&d, 0, "SHA-384 mismatch; nothing kept");
    memset(&d, 0, sizeof(d));
    upload_fails(&d, 4999, "larger than svi_upload_max (4999)");
    memset(&d, 0, sizeof(d));
    d.claim_len = 3000;
    upload_fails(&d, 0, "more data than the announced length");
    memset(&d, 0, sizeof(d));
    d.data_first = true;
    upload_fails(&d, 0, "data before length");
    memset(&d, 0, sizeof(d));
    d.early_sha = true;
    upload_fails(&d, 0, "sha-384 after 0 of 5000 bytes");
    memset(&d, 0, sizeof(d));
    d.extra_data = true;
    upload_fails(&d, 0, "more data than the announced length");

    /* No svi_upload_dir: the step cannot start. */
    owner_open(&o);
    {
        const char *kv[2] = {"name", "x"};
        ASSERT_OK(add_step(&o, "upload", kv, 1, why, sizeof(why)));
    }
    memset(&d, 0, sizeof(d));
    ASSERT_FAILS(drive(&o, 1300, true, up_device, &d, why, sizeof(why), &done));
    ASSERT_TRUE(strstr(why, "svi_upload_dir is not set") != NULL);
    owner_close(&o);

    /* Part files of dead sessions go; a fresh one stays. */
    owner_open(&o);
    upload_plan(&o, dir, sizeof(dir));
    snprintf(p, sizeof(p), "%s/5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", dir);
    ASSERT_TRUE(mkdir(p, 0700) == 0);
    snprintf(p, sizeof(p),
             "%s/5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a/.upload-dead.part", dir);
    fd = open(p, O_WRONLY | O_CREAT, 0600);
    ASSERT_TRUE(fd >= 0 && close(fd) == 0 && utimes(p, old) == 0);
    snprintf(p, sizeof(p),
             "%s/5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a/.upload-live.part", dir);
    fd = open(p, O_WRONLY | O_CREAT, 0600);
    ASSERT_TRUE(fd >= 0 && close(fd) == 0);
    memset(&d, 0, sizeof(d));
    d.file = (const uint8_t *)"abc";
    d.len = 3;
    d.per_round = 1;
    d.chunk = 1014;
    ASSERT_OK(drive(&o, 1300, true, up_device, &d, why, sizeof(why), &done));
    ASSERT_EQ(count_files(dir), 2); /* x.log and the live part */
    ASSERT_TRUE(access(p, F_OK) == 0);
    rm_rf(dir);
    owner_close(&o);
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
    test_step_checks();
    test_command_run(1300, false);
    test_command_run(128, true);
    test_command_failures();
    test_command_timeout();
    test_upload_run(9000, 1300, 3, true);
    test_upload_run(9000, 300, 1, false);
    test_upload_run(0, 1300, 1, true);
    test_upload_failures();
    TEST_DONE();
}
