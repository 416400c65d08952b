/*
 * test_owner_wget.c - the owner's fdo.wget step (owner/svi_wget.c)
 * against a scripted device, the engine's state saved and restored
 * between rounds as the database would:
 *
 *   - parameters checked when a step is added (url scheme, name,
 *     sha384 of 96 hex digits, length a number);
 *   - the messages in order: active, name, sha-384 (only when given),
 *     url last, all in one OwnerServiceInfo; "$(guid)" in the url
 *     replaced; the step waits (no IsDone) until the device answers;
 *   - done ends the step and IsDone follows; error, a negative done, a
 *     done whose count is not the step's length, and a malformed value
 *     fail TO2 with a reason naming fdo.wget;
 *   - a device that does not list fdo.wget: the step fails TO2, or is
 *     skipped when optional; a device answering active = false too;
 *   - a limit too small for the messages fails with ZTO_E_LIMIT.
 */
#include <stdlib.h>

#include "owner_admin.h"
#include "svi_int.h"
#include "test.h"
#include "owner_svi_rig.h"

#define ASSERT_STR_EQ(a, b) ASSERT_TRUE(strcmp((a), (b)) == 0)

#define SHA_HEX                                                                \
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"         \
    "202122232425262728292a2b2c2d2e2f"

static const uint8_t cbor_true = 0xf5;
static const uint8_t cbor_false = 0xf4;

static void
devmod(struct kvs *k, bool with_wget)
{
    uint8_t v[128];
    struct zto_cbor_enc e;
    size_t n = 0;

    kv_raw(k, "devmod", "active", &cbor_true, 1);
    kv_text(k, "devmod", "os", "linux");
    kv_text(k, "devmod", "arch", "x86_64");
    kv_text(k, "devmod", "version", "Debian 12");
    kv_text(k, "devmod", "device", "test box");
    kv_text(k, "devmod", "sep", ":");
    kv_text(k, "devmod", "bin", "x86_64");
    kv_int(k, "devmod", "nummodules", with_wget ? 3 : 2);
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_array(&e, with_wget ? 5 : 4);
    zto_cbor_put_uint(&e, 0);
    zto_cbor_put_uint(&e, with_wget ? 3 : 2);
    zto_cbor_put_cstr(&e, "devmod");
    zto_cbor_put_cstr(&e, "fdo.download");
    if (with_wget)
        zto_cbor_put_cstr(&e, "fdo.wget");
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    kv_raw(k, "devmod", "modules", v, n);
}

static void
open_owner(struct owner *o)
{
    memset(o, 0, sizeof(*o));
    owner_init(o);
    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &o->db));
}

static void
close_owner(struct owner *o)
{
    zto_db_close(o->db);
    o->db = NULL;
    owner_free(o);
}

/* plan add ... wget: kv pairs, NULL-terminated. */
static zto_err_t
add(struct owner *o, const char *const *kv, bool optional, char *why,
    size_t cap)
{
    size_t n = 0;

    while (kv[2 * n] != NULL)
        n++;
    return owner_plan_add(o, "all", "", "wget", kv, n, optional, NULL, why,
                          cap);
}

static void
test_plan_checks(void)
{
    struct owner o;
    char why[256];
    static const char *const good[] = {"url",    "http://127.0.0.1:8080/f.bin",
                                       "name",   "f.bin",
                                       "sha384", SHA_HEX,
                                       "length", "100",
                                       NULL};
    static const char *const ftp[] = {"url", "ftp://h/f", "name", "f", NULL};
    static const char *const nohost[] = {"url", "http:///f", "name", "f", NULL};
    static const char *const space[] = {"url", "http://h/a b", "name", "f",
                                        NULL};
    static const char *const noname[] = {"url", "http://h/f", NULL};
    static const char *const badsha[] = {"url",    "http://h/f", "name", "f",
                                         "sha384", "abcd",       NULL};
    static const char *const badlen[] = {"url",    "http://h/f", "name", "f",
                                         "length", "-1",         NULL};

    open_owner(&o);
    ASSERT_OK(add(&o, good, false, why, sizeof(why)));
    ASSERT_ERR(add(&o, ftp, false, why, sizeof(why)), ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(why, "url") != NULL);
    ASSERT_ERR(add(&o, nohost, false, why, sizeof(why)), ZTO_E_CONFIG);
    ASSERT_ERR(add(&o, space, false, why, sizeof(why)), ZTO_E_CONFIG);
    ASSERT_ERR(add(&o, noname, false, why, sizeof(why)), ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(why, "name") != NULL);
    ASSERT_ERR(add(&o, badsha, false, why, sizeof(why)), ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(why, "sha384") != NULL);
    ASSERT_ERR(add(&o, badlen, false, why, sizeof(why)), ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(why, "length") != NULL);
    close_owner(&o);
}

/* What the device saw of fdo.wget, in order. */
struct seen {
    char order[64]; /* first letters: a(ctive) n(ame) s(ha) u(rl) */
    char name[64], url[128];
    uint8_t sha[48];
    bool more, done;
    size_t nkv;
    int msgs;                /* 69s seen */
    int active_msg, url_msg; /* in which of them */
};

static void
device_takes(struct seen *d, const uint8_t *body, size_t len, size_t budget)
{
    struct zto_msg_to2_owner_svi m;
    struct zto_svi_kv kv;
    struct zto_cbor_dec c;
    struct zto_bytes b;
    size_t pos = 0, o;

    ASSERT_TRUE(len <= budget);
    ASSERT_OK(zto_msg_to2_owner_svi_decode(body, len, &m));
    d->more = m.is_more;
    d->done = m.is_done;
    d->nkv = 0;
    d->msgs++;
    while (zto_svi_next(&m.svi, &pos, &kv) == ZTO_OK) {
        d->nkv++;
        ASSERT_TRUE(kv.module.len == 8 &&
                    memcmp(kv.module.p, "fdo.wget", 8) == 0);
        o = strlen(d->order);
        if (o + 1 < sizeof(d->order))
            d->order[o] = (char)kv.message.p[0];
        zto_cbor_dec_init(&c, kv.value.p, kv.value.len);
        if (kv.message.p[0] == 'a')
            d->active_msg = d->msgs;
        if (kv.message.p[0] == 'u')
            d->url_msg = d->msgs;
        if (kv.message.len == 4 && memcmp(kv.message.p, "name", 4) == 0) {
            ASSERT_OK(zto_cbor_get_tstr(&c, &b));
            snprintf(d->name, sizeof(d->name), "%.*s", (int)b.len,
                     (const char *)b.p);
        } else if (kv.message.len == 3 && memcmp(kv.message.p, "url", 3) == 0) {
            ASSERT_OK(zto_cbor_get_tstr(&c, &b));
            snprintf(d->url, sizeof(d->url), "%.*s", (int)b.len,
                     (const char *)b.p);
        } else if (kv.message.len == 7 &&
                   memcmp(kv.message.p, "sha-384", 7) == 0) {
            ASSERT_OK(zto_cbor_get_bstr(&c, &b));
            ASSERT_EQ(b.len, 48);
            if (b.len == 48)
                memcpy(d->sha, b.p, 48);
        }
    }
}

/* How the scripted device answers once it has the url. */
enum reply { R_DONE, R_ERROR, R_NEGATIVE, R_NOT_INT, R_REFUSE, R_NONE };

/*
 * Run a plan of one wget step (kv) against a device with (or without)
 * fdo.wget in devmod, answering `reply` with `bytes`. The device waits
 * `delay` rounds after the url before it answers (a fetch taking time).
 */
static zto_err_t
run(const char *const *kv, bool optional, bool with_wget, enum reply reply,
    int64_t bytes, int delay, size_t budget, struct seen *d, char *why,
    size_t cap)
{
    struct owner o;
    struct svi_state s;
    struct zto_guid g;
    struct zto_msg_to2_device_svi m;
    struct kvs k;
    uint8_t body[8192], out[8192];
    size_t out_len = 0;
    int i, waited = 0;
    bool answered = false;
    zto_err_t r;

    open_owner(&o);
    memset(d, 0, sizeof(*d));
    if ((r = add(&o, kv, optional, why, cap)) != ZTO_OK) {
        close_owner(&o);
        return r;
    }
    memset(&g, 0xab, sizeof(g));
    svi_state_init(&s);
    ASSERT_OK(svi_load_plan(&o, &s, &g, &g, ""));
    kvs_start(&k);
    devmod(&k, with_wget);
    make_68(&k, false, body, sizeof(body), &m);
    for (i = 0; i < 50; i++) {
        save_restore(&s);
        r = svi_round(&o, &s, &g, &m, budget, out, sizeof(out), &out_len, why,
                      cap);
        if (r != ZTO_OK)
            break;
        device_takes(d, out, out_len, budget);
        if (d->done)
            break;
        kvs_start(&k);
        if (strchr(d->order, 'a') != NULL && i == 0 && reply == R_REFUSE)
            kv_raw(&k, "fdo.wget", "active", &cbor_false, 1);
        else if (strchr(d->order, 'a') != NULL && i == 0)
            kv_raw(&k, "fdo.wget", "active", &cbor_true, 1);
        if (strchr(d->order, 'u') != NULL && !d->more && !answered &&
            waited++ >= delay) {
            answered = true;
            if (reply == R_DONE)
                kv_int(&k, "fdo.wget", "done", bytes);
            else if (reply == R_NEGATIVE)
                kv_int(&k, "fdo.wget", "done", -1);
            else if (reply == R_ERROR)
                kv_text(&k, "fdo.wget", "error", "HTTP 404\x01");
            else if (reply == R_NOT_INT)
                kv_text(&k, "fdo.wget", "done", "12");
            else
                answered = false;
        }
        make_68(&k, false, body, sizeof(body), &m);
    }
    svi_state_free(&s);
    close_owner(&o);
    return r;
}

static void
test_sequence(void)
{
    static const char *const with_sha[] = {
        "url",    "http://127.0.0.1:8080/$(guid)/f.bin",
        "name",   "dir/f.bin",
        "sha384", SHA_HEX,
        "length", "300000",
        NULL};
    static const char *const plain[] = {"url", "https://example.org/x", "name",
                                        "x", NULL};
    struct seen d;
    char why[256];
    size_t i;

    /* Everything in one message, url last; the step waits 3 rounds for
     * the fetch, then done = length: IsDone. */
    ASSERT_OK(run(with_sha, false, true, R_DONE, 300000, 3, 1300, &d, why,
                  sizeof(why)));
    ASSERT_TRUE(d.done);
    ASSERT_STR_EQ(d.order, "ansu");
    ASSERT_STR_EQ(d.name, "dir/f.bin");
    ASSERT_STR_EQ(d.url, "http://127.0.0.1:8080/"
                         "abababababababababababababababab/f.bin");
    for (i = 0; i < 48; i++)
        ASSERT_EQ(d.sha[i], i);
    ASSERT_EQ(d.url_msg, d.active_msg);
    /* Without sha384 no sha-384 message; without length any count. */
    ASSERT_OK(
        run(plain, false, true, R_DONE, 12345, 0, 1300, &d, why, sizeof(why)));
    ASSERT_TRUE(d.done);
    ASSERT_STR_EQ(d.order, "anu");
    ASSERT_STR_EQ(d.url, "https://example.org/x");
    /* A tight limit: active alone first, the rest under IsMore next. */
    ASSERT_OK(run(with_sha, false, true, R_DONE, 300000, 0, 195, &d, why,
                  sizeof(why)));
    ASSERT_TRUE(d.done);
    ASSERT_STR_EQ(d.order, "ansu");
    ASSERT_EQ(d.url_msg, d.active_msg + 1);
    /* Too small for name + sha-384 + url at all. */
    ASSERT_ERR(run(with_sha, false, true, R_DONE, 300000, 0, 128, &d, why,
                   sizeof(why)),
               ZTO_E_LIMIT);
    ASSERT_TRUE(strstr(why, "fdo.wget") != NULL);
}

static void
test_step_failures(void)
{
    static const char *const kv[] = {
        "url", "http://127.0.0.1/f", "name", "f", "length", "10", NULL};
    struct seen d;
    char why[256];

    ASSERT_ERR(run(kv, false, true, R_ERROR, 0, 1, 1300, &d, why, sizeof(why)),
               ZTO_E_SVI);
    /* The device's text, control characters replaced. */
    ASSERT_STR_EQ(why, "fdo.wget: device reported: HTTP 404?");
    ASSERT_ERR(
        run(kv, false, true, R_NEGATIVE, 0, 0, 1300, &d, why, sizeof(why)),
        ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "fdo.wget") != NULL);
    ASSERT_ERR(run(kv, false, true, R_DONE, 9, 0, 1300, &d, why, sizeof(why)),
               ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "9 bytes, expected 10") != NULL);
    ASSERT_ERR(
        run(kv, false, true, R_NOT_INT, 0, 0, 1300, &d, why, sizeof(why)),
        ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "fdo.wget:done") != NULL);
    /* The right count passes. */
    ASSERT_OK(run(kv, false, true, R_DONE, 10, 0, 1300, &d, why, sizeof(why)));
    ASSERT_TRUE(d.done);

    /* Module not listed: fails, or skipped when optional (nothing of
     * fdo.wget sent then). */
    ASSERT_ERR(run(kv, false, false, R_DONE, 10, 0, 1300, &d, why, sizeof(why)),
               ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "fdo.wget") != NULL);
    ASSERT_OK(run(kv, true, false, R_DONE, 10, 0, 1300, &d, why, sizeof(why)));
    ASSERT_TRUE(d.done);
    ASSERT_STR_EQ(d.order, "");
    /* The device answers active = false. */
    ASSERT_ERR(
        run(kv, false, true, R_REFUSE, 10, 0, 1300, &d, why, sizeof(why)),
        ZTO_E_SVI);
    ASSERT_TRUE(strstr(why, "refused module fdo.wget") != NULL);
    /* A device that never answers: the round cap (50 here) ends it
     * without IsDone. */
    ASSERT_OK(run(kv, false, true, R_NONE, 0, 0, 1300, &d, why, sizeof(why)));
    ASSERT_TRUE(!d.done);
}

int
main(void)
{
    TEST_START("owner_wget");
    test_plan_checks();
    test_sequence();
    test_step_failures();
    TEST_DONE();
}
