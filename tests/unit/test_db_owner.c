/* test_db_owner.c - the owner's tables: vouchers, replacement in one
 * transaction, TO0 state, ServiceInfo plan, certificates
 * delivered by fdo.csr, onboardings reported to onboarded_hook. */
#include <stdlib.h>

#include "test.h"
#include "zto/zto_crypto.h"
#include "zto/zto_db_owner.h"

static struct zto_guid
guid_of(uint8_t b)
{
    struct zto_guid g;

    memset(g.b, b, sizeof(g.b));
    return g;
}

static void
sha(const uint8_t *p, size_t n, uint8_t out[32])
{
    struct zto_hash_buf h;

    if (zto_hash(ZTO_HASH_SHA256, p, n, &h) != ZTO_OK)
        abort();
    memcpy(out, h.value, 32);
}

static int
count_rows(void *ctx, const struct zto_db_ov *row)
{
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

static void
test_vouchers(void)
{
    struct zto_db *db = NULL;
    struct zto_guid g1 = guid_of(1), g2 = guid_of(2), g3 = guid_of(3);
    struct zto_db_ov row;
    uint8_t buf[64], h[32], wrong[32];
    const uint8_t v1[] = {0x85, 1, 2, 3}, v2[] = {0x85, 9, 9};
    int n = 0;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_OK(
        zto_db_owner_ov_add(db, &g1, v1, sizeof(v1), "dev one", "aa11", 100));
    /* Duplicate GUID: refused, the stored row unchanged. */
    ASSERT_ERR(zto_db_owner_ov_add(db, &g1, v2, sizeof(v2), "other", "bb", 200),
               ZTO_E_EXISTS);
    ASSERT_OK(zto_db_owner_ov_get(db, &g1, buf, sizeof(buf), &row));
    ASSERT_EQ(row.voucher.len, sizeof(v1));
    ASSERT_MEM_EQ(row.voucher.p, v1, sizeof(v1));
    ASSERT_TRUE(strcmp(row.device_info, "dev one") == 0);
    ASSERT_EQ(row.state, ZTO_DB_OV_IMPORTED);
    ASSERT_EQ(row.imported_at, 100);
    ASSERT_MEM_EQ(row.orig_guid.b, g1.b, 16);
    ASSERT_TRUE(!row.has_prev);
    ASSERT_ERR(zto_db_owner_ov_get(db, &g1, buf, 2, &row), ZTO_E_BUF_TOO_SMALL);
    ASSERT_EQ(row.voucher.len, sizeof(v1));
    ASSERT_ERR(zto_db_owner_ov_get(db, &g2, buf, sizeof(buf), &row),
               ZTO_E_NOT_FOUND);

    /* Replacement only while the voucher is the one the session saw;
     * the session row goes in the same commit, and only then. */
    sha(v1, sizeof(v1), h);
    memset(wrong, 0, sizeof(wrong));
    ASSERT_OK(
        zto_db_session_put(db, "sess", 60, (const uint8_t *)"s", 1, 1000));
    ASSERT_ERR(zto_db_owner_ov_replace(db, &g1, wrong, &g2, v2, sizeof(v2), 300,
                                       "sess", NULL),
               ZTO_E_STATE);
    ASSERT_OK(zto_db_owner_ov_get(db, &g1, buf, sizeof(buf), &row));
    ASSERT_MEM_EQ(row.voucher.p, v1, sizeof(v1));
    {
        int proto = 0;
        size_t sl = 0;
        ASSERT_OK(
            zto_db_session_get(db, "sess", 0, &proto, buf, sizeof(buf), &sl));
        ASSERT_OK(zto_db_owner_ov_failed(db, &g1, "went wrong", 250));
        ASSERT_OK(zto_db_owner_ov_replace(db, &g1, h, &g2, v2, sizeof(v2), 300,
                                          "sess", NULL));
        ASSERT_ERR(
            zto_db_session_get(db, "sess", 0, &proto, buf, sizeof(buf), &sl),
            ZTO_E_NOT_FOUND);
    }
    ASSERT_ERR(zto_db_owner_ov_get(db, &g1, buf, sizeof(buf), &row),
               ZTO_E_NOT_FOUND);
    ASSERT_OK(zto_db_owner_ov_get(db, &g2, buf, sizeof(buf), &row));
    ASSERT_MEM_EQ(row.voucher.p, v2, sizeof(v2));
    ASSERT_EQ(row.state, ZTO_DB_OV_ONBOARDED);
    ASSERT_TRUE(row.has_prev);
    ASSERT_MEM_EQ(row.prev_guid.b, g1.b, 16);
    ASSERT_MEM_EQ(row.orig_guid.b, g1.b, 16);
    ASSERT_EQ(row.onboarded_at, 300);
    ASSERT_EQ(row.onboard_count, 1);
    ASSERT_TRUE(row.fail_reason[0] == '\0');

    /* A new GUID already taken: nothing changes. */
    ASSERT_OK(zto_db_owner_ov_add(db, &g3, v1, sizeof(v1), "three", "cc", 400));
    sha(v2, sizeof(v2), h);
    ASSERT_ERR(zto_db_owner_ov_replace(db, &g2, h, &g3, v1, sizeof(v1), 500,
                                       NULL, NULL),
               ZTO_E_EXISTS);
    ASSERT_OK(zto_db_owner_ov_get(db, &g2, buf, sizeof(buf), &row));
    ASSERT_MEM_EQ(row.voucher.p, v2, sizeof(v2));

    ASSERT_OK(zto_db_owner_ov_reused(db, &g3, 600, NULL));
    ASSERT_OK(zto_db_owner_ov_get(db, &g3, buf, sizeof(buf), &row));
    ASSERT_TRUE(row.reused);
    ASSERT_EQ(row.onboard_count, 1);
    ASSERT_MEM_EQ(row.voucher.p, v1, sizeof(v1));
    ASSERT_OK(zto_db_owner_ov_set_state(db, &g3, ZTO_DB_OV_EXPORTED));
    ASSERT_OK(zto_db_owner_ov_set_group(db, &g3, "lab"));
    ASSERT_OK(zto_db_owner_ov_get(db, &g3, buf, sizeof(buf), &row));
    ASSERT_EQ(row.state, ZTO_DB_OV_EXPORTED);
    ASSERT_TRUE(strcmp(row.grp, "lab") == 0);
    {
        struct zto_guid unknown = guid_of(9);
        ASSERT_ERR(zto_db_owner_ov_reused(db, &unknown, 1, NULL),
                   ZTO_E_NOT_FOUND);
    }
    ASSERT_OK(zto_db_owner_ov_list(db, count_rows, &n));
    ASSERT_EQ(n, 2);

    /* Another role's database is refused. */
    {
        struct zto_db *rv = NULL;
        ASSERT_OK(zto_db_open(":memory:", ZTO_DB_RENDEZVOUS, NULL, &rv));
        ASSERT_ERR(zto_db_owner_ov_add(rv, &g1, v1, sizeof(v1), "", "", 1),
                   ZTO_E_ARG);
        zto_db_close(rv);
    }
    zto_db_close(db);
}

/* The voucher a TO2 replaced stays servable under its GUID until the
 * device shows it took the new credential (it never does) or the voucher
 * is handed on: a device that missed TO2.Done2 runs TO2 again. */
static void
test_kept_voucher(void)
{
    struct zto_db *db = NULL;
    struct zto_guid g1 = guid_of(1), g2 = guid_of(2), g3 = guid_of(3);
    struct zto_guid g4 = guid_of(4), g5 = guid_of(5), g6 = guid_of(6);
    struct zto_db_ov row;
    uint8_t buf[64], h1[32], h2[32], wrong[32];
    const uint8_t v1[] = {0x85, 1}, v2[] = {0x85, 2}, v3[] = {0x85, 3};
    const uint8_t v4[] = {0x85, 4};

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    if (db == NULL)
        return;
    sha(v1, sizeof(v1), h1);
    sha(v2, sizeof(v2), h2);
    memset(wrong, 0, sizeof(wrong));
    ASSERT_OK(zto_db_owner_ov_add(db, &g1, v1, sizeof(v1), "d", "aa", 1));
    ASSERT_ERR(zto_db_owner_ov_get_prev(db, &g1, buf, sizeof(buf), &row),
               ZTO_E_NOT_FOUND);
    ASSERT_OK(zto_db_owner_ov_replace(db, &g1, h1, &g2, v2, sizeof(v2), 10,
                                      NULL, NULL));
    /* The replaced voucher, under the GUID the device still holds. */
    ASSERT_OK(zto_db_owner_ov_get_prev(db, &g1, buf, sizeof(buf), &row));
    ASSERT_MEM_EQ(row.guid.b, g1.b, 16);
    ASSERT_EQ(row.voucher.len, sizeof(v1));
    ASSERT_MEM_EQ(row.voucher.p, v1, sizeof(v1));
    ASSERT_ERR(zto_db_owner_ov_get_prev(db, &g2, buf, sizeof(buf), &row),
               ZTO_E_NOT_FOUND);
    /* The device runs TO2 again on it: a new replacement, v1 kept. */
    ASSERT_ERR(zto_db_owner_ov_replace(db, &g1, wrong, &g3, v3, sizeof(v3), 20,
                                       NULL, NULL),
               ZTO_E_STATE);
    ASSERT_OK(zto_db_owner_ov_replace(db, &g1, h1, &g3, v3, sizeof(v3), 20,
                                      NULL, NULL));
    ASSERT_ERR(zto_db_owner_ov_get(db, &g2, buf, sizeof(buf), &row),
               ZTO_E_NOT_FOUND);
    ASSERT_OK(zto_db_owner_ov_get(db, &g3, buf, sizeof(buf), &row));
    ASSERT_MEM_EQ(row.voucher.p, v3, sizeof(v3));
    ASSERT_MEM_EQ(row.prev_guid.b, g1.b, 16);
    ASSERT_EQ(row.onboard_count, 2);
    ASSERT_OK(zto_db_owner_ov_get_prev(db, &g1, buf, sizeof(buf), &row));
    ASSERT_MEM_EQ(row.voucher.p, v1, sizeof(v1));
    /* A failure is recorded on the row either way. */
    ASSERT_OK(zto_db_owner_ov_failed(db, &g1, "lost", 25));
    ASSERT_OK(zto_db_owner_ov_get(db, &g3, buf, sizeof(buf), &row));
    ASSERT_TRUE(strcmp(row.fail_reason, "lost") == 0);
    /* Reuse on it: v1 is the current voucher again, nothing kept. */
    ASSERT_OK(zto_db_owner_ov_reused(db, &g1, 30, NULL));
    ASSERT_OK(zto_db_owner_ov_get(db, &g1, buf, sizeof(buf), &row));
    ASSERT_MEM_EQ(row.voucher.p, v1, sizeof(v1));
    ASSERT_TRUE(row.reused && !row.has_prev);
    ASSERT_ERR(zto_db_owner_ov_get(db, &g3, buf, sizeof(buf), &row),
               ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_db_owner_ov_get_prev(db, &g1, buf, sizeof(buf), &row),
               ZTO_E_NOT_FOUND);
    /* Handed on: the kept voucher is no longer served. */
    ASSERT_OK(zto_db_owner_ov_replace(db, &g1, h1, &g4, v4, sizeof(v4), 40,
                                      NULL, NULL));
    ASSERT_OK(zto_db_owner_ov_get_prev(db, &g1, buf, sizeof(buf), &row));
    ASSERT_OK(zto_db_owner_ov_set_state(db, &g4, ZTO_DB_OV_EXPORTED));
    ASSERT_ERR(zto_db_owner_ov_get_prev(db, &g1, buf, sizeof(buf), &row),
               ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_db_owner_ov_replace(db, &g1, h1, &g6, v4, sizeof(v4), 50,
                                       NULL, NULL),
               ZTO_E_NOT_FOUND);
    /* A GUID that is some row's current one is never served as kept. */
    ASSERT_OK(zto_db_owner_ov_add(db, &g5, v2, sizeof(v2), "e", "aa", 60));
    ASSERT_OK(zto_db_owner_ov_replace(db, &g5, h2, &g6, v3, sizeof(v3), 70,
                                      NULL, NULL));
    ASSERT_OK(zto_db_owner_ov_get_prev(db, &g5, buf, sizeof(buf), &row));
    ASSERT_OK(zto_db_owner_ov_add(db, &g5, v1, sizeof(v1), "f", "aa", 80));
    ASSERT_ERR(zto_db_owner_ov_get_prev(db, &g5, buf, sizeof(buf), &row),
               ZTO_E_NOT_FOUND);
    zto_db_close(db);
}

static int
to0_rows(void *ctx, const struct zto_db_to0 *s)
{
    (*(int *)ctx)++;
    return s->registered_until == 0;
}

static void
test_to0(void)
{
    struct zto_db *db = NULL;
    struct zto_guid g1 = guid_of(1), g2 = guid_of(2);
    struct zto_db_to0 s, got;
    struct zto_db_ov row;
    uint8_t buf[16], h[32];
    const uint8_t v[] = {0x85, 1};
    int n = 0;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_OK(zto_db_owner_ov_add(db, &g1, v, sizeof(v), "d", "k", 1));
    ASSERT_OK(zto_db_owner_ov_get(db, &g1, buf, sizeof(buf), &row));
    memset(&s, 0, sizeof(s));
    s.voucher_id = row.id;
    snprintf(s.rv, sizeof(s.rv), "http://rv:8041");
    s.registered_until = 5000;
    s.granted = 4000;
    s.next_at = 4200;
    ASSERT_OK(zto_db_owner_to0_put(db, &s));
    s.failures = 2;
    s.failing_since = 77;
    snprintf(s.last_error, sizeof(s.last_error), "cannot connect");
    ASSERT_OK(zto_db_owner_to0_put(db, &s)); /* replaces */
    ASSERT_OK(zto_db_owner_to0_get(db, row.id, "http://rv:8041", &got));
    ASSERT_EQ(got.registered_until, 5000);
    ASSERT_EQ(got.granted, 4000);
    ASSERT_EQ(got.failures, 2);
    ASSERT_EQ(got.failing_since, 77);
    ASSERT_TRUE(strcmp(got.last_error, "cannot connect") == 0);
    ASSERT_ERR(zto_db_owner_to0_get(db, row.id, "coap://x", &got),
               ZTO_E_NOT_FOUND);
    snprintf(s.rv, sizeof(s.rv), "coap://rv:5683");
    s.registered_until = 0;
    ASSERT_OK(zto_db_owner_to0_put(db, &s));
    ASSERT_OK(zto_db_owner_to0_list(db, row.id, to0_rows, &n));
    ASSERT_EQ(n, 1); /* coap:// sorts first and stops the walk */
    /* Unknown voucher: the foreign key refuses. */
    s.voucher_id = 999;
    ASSERT_FAILS(zto_db_owner_to0_put(db, &s));
    /* A replaced voucher loses its TO0 state. */
    sha(v, sizeof(v), h);
    ASSERT_OK(
        zto_db_owner_ov_replace(db, &g1, h, &g2, v, sizeof(v), 9, NULL, NULL));
    n = 0;
    ASSERT_OK(zto_db_owner_to0_list(db, row.id, to0_rows, &n));
    ASSERT_EQ(n, 0);
    zto_db_close(db);
}

struct plan_seen {
    int n;
    char kinds[8][320];
};

static int
plan_rows(void *ctx, const struct zto_db_plan_step *s)
{
    struct plan_seen *p = ctx;

    if (p->n < 8)
        snprintf(p->kinds[p->n], sizeof(p->kinds[0]), "%s:%s:%.*s", s->scope,
                 s->target, (int)s->params.len, (const char *)s->params.p);
    p->n++;
    return 0;
}

static void
test_plan(void)
{
    struct zto_db *db = NULL;
    struct zto_guid g = guid_of(0xab), o = guid_of(0xcd);
    struct plan_seen p;
    int64_t id = 0, first = 0;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_OK(zto_db_owner_plan_add(
        db, "guid", "abababababababababababababababab", "download",
        (const uint8_t *)"G1", 2, false, &first));
    ASSERT_OK(zto_db_owner_plan_add(db, "group", "lab", "download",
                                    (const uint8_t *)"L1", 2, false, NULL));
    ASSERT_OK(zto_db_owner_plan_add(db, "all", "ignored", "download",
                                    (const uint8_t *)"A1", 2, true, NULL));
    ASSERT_OK(zto_db_owner_plan_add(
        db, "guid", "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD", "download",
        (const uint8_t *)"O1", 2, false, NULL));
    ASSERT_OK(zto_db_owner_plan_add(db, "all", "", "download",
                                    (const uint8_t *)"A2", 2, false, &id));
    ASSERT_OK(zto_db_owner_plan_add(db, "group", "other", "download",
                                    (const uint8_t *)"X1", 2, false, NULL));
    ASSERT_ERR(zto_db_owner_plan_add(db, "nobody", "", "download",
                                     (const uint8_t *)"Z", 1, false, NULL),
               ZTO_E_ARG);

    memset(&p, 0, sizeof(p));
    ASSERT_OK(zto_db_owner_plan_for(db, &g, &o, "lab", plan_rows, &p));
    ASSERT_EQ(p.n, 5);
    ASSERT_TRUE(strcmp(p.kinds[0], "all::A1") == 0);
    ASSERT_TRUE(strcmp(p.kinds[1], "all::A2") == 0);
    ASSERT_TRUE(strcmp(p.kinds[2], "group:lab:L1") == 0);
    ASSERT_TRUE(
        strcmp(p.kinds[3], "guid:abababababababababababababababab:G1") == 0);
    ASSERT_TRUE(
        strcmp(p.kinds[4], "guid:CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD:O1") == 0);
    /* No group: only 'all' and the GUIDs. */
    memset(&p, 0, sizeof(p));
    ASSERT_OK(zto_db_owner_plan_for(db, &g, NULL, "", plan_rows, &p));
    ASSERT_EQ(p.n, 3);
    ASSERT_OK(zto_db_owner_plan_del(db, id));
    ASSERT_ERR(zto_db_owner_plan_del(db, id), ZTO_E_NOT_FOUND);
    memset(&p, 0, sizeof(p));
    ASSERT_OK(zto_db_owner_plan_list(db, plan_rows, &p));
    ASSERT_EQ(p.n, 5);
    ASSERT_TRUE(first > 0);
    zto_db_close(db);
}

struct cert_seen {
    int n;
    int64_t last_id;
    char serial[ZTO_DB_CERT_SERIAL_HEX];
};

static int
cert_cb(void *ctx, const struct zto_db_cert *c)
{
    struct cert_seen *s = ctx;

    s->n++;
    s->last_id = c->id;
    memcpy(s->serial, c->serial, sizeof(s->serial));
    return 0;
}

static void
test_certs(void)
{
    struct zto_db *db = NULL;
    struct zto_db_cert c, got;
    struct cert_seen seen;
    struct zto_guid other;
    uint8_t buf[16];
    int64_t id1 = 0, id2 = 0;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    memset(&c, 0, sizeof(c));
    memset(c.guid.b, 0x11, sizeof(c.guid.b));
    memset(c.to2_guid.b, 0x22, sizeof(c.to2_guid.b));
    snprintf(c.serial, sizeof(c.serial), "4a01");
    snprintf(c.subject, sizeof(c.subject), "CN=dev");
    snprintf(c.origin, sizeof(c.origin), "enroll");
    c.not_before = 100;
    c.not_after = 200;
    c.issued_at = 150;
    c.cert = ZTO_BYTES("\x30\x03\x02\x01\x05", 5);
    ASSERT_OK(zto_db_owner_cert_add(db, &c, &id1));
    snprintf(c.serial, sizeof(c.serial), "4a02");
    snprintf(c.origin, sizeof(c.origin), "file");
    memset(c.guid.b, 0x33, sizeof(c.guid.b));
    ASSERT_OK(zto_db_owner_cert_add(db, &c, &id2));
    ASSERT_TRUE(id2 > id1);
    snprintf(c.origin, sizeof(c.origin), "other");
    ASSERT_ERR(zto_db_owner_cert_add(db, &c, NULL), ZTO_E_ARG);

    ASSERT_OK(zto_db_owner_cert_get(db, id1, buf, sizeof(buf), &got));
    ASSERT_EQ(got.cert.len, 5);
    ASSERT_MEM_EQ(got.cert.p, "\x30\x03\x02\x01\x05", 5);
    ASSERT_TRUE(strcmp(got.serial, "4a01") == 0);
    ASSERT_TRUE(strcmp(got.origin, "enroll") == 0);
    ASSERT_EQ(got.not_after, 200);
    ASSERT_ERR(zto_db_owner_cert_get(db, id1, buf, 4, &got),
               ZTO_E_BUF_TOO_SMALL);
    ASSERT_EQ(got.cert.len, 5);
    ASSERT_ERR(zto_db_owner_cert_get(db, 999, buf, sizeof(buf), &got),
               ZTO_E_NOT_FOUND);

    /* All, by the GUID after TO2, by the GUID at its start. */
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_cert_list(db, NULL, cert_cb, &seen));
    ASSERT_EQ(seen.n, 2);
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_cert_list(db, &c.guid, cert_cb, &seen));
    ASSERT_EQ(seen.n, 1);
    ASSERT_EQ(seen.last_id, id2);
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_cert_list(db, &c.to2_guid, cert_cb, &seen));
    ASSERT_EQ(seen.n, 2);
    memset(other.b, 0x44, sizeof(other.b));
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_cert_list(db, &other, cert_cb, &seen));
    ASSERT_EQ(seen.n, 0);
    zto_db_close(db);
}

struct hook_seen {
    int n;
    struct zto_db_hook_ev last;
};

static int
hook_cb(void *ctx, const struct zto_db_hook_ev *ev)
{
    struct hook_seen *s = ctx;

    s->n++;
    s->last = *ev;
    return 0;
}

static void
test_hooks(void)
{
    struct zto_db *db = NULL;
    struct zto_guid g1 = guid_of(1), g2 = guid_of(2), g3 = guid_of(3);
    struct zto_guid g4 = guid_of(4);
    const uint8_t v1[] = {0x85, 1}, v2[] = {0x85, 2}, v3[] = {0x85, 3};
    struct zto_db_hook_ev ev;
    struct zto_db_cert c;
    struct hook_seen seen;
    uint8_t h[32], wrong[32];
    int64_t cert_id = 0, pending = -1, failed = -1, n = -1, first;
    bool taken = false;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_OK(zto_db_owner_ov_add(db, &g1, v1, sizeof(v1), "", "aa", 1));
    ASSERT_OK(zto_db_owner_ov_add(db, &g3, v3, sizeof(v3), "", "aa", 1));
    memset(&c, 0, sizeof(c));
    c.guid = g2;
    c.to2_guid = g1;
    snprintf(c.serial, sizeof(c.serial), "0abc");
    snprintf(c.origin, sizeof(c.origin), "enroll");
    c.cert = ZTO_BYTES("\x30\x00", 2);
    ASSERT_OK(zto_db_owner_cert_add(db, &c, &cert_id));

    /* A replacement that fails (voucher changed) writes no row. */
    memset(&ev, 0, sizeof(ev));
    ev.guid = g1;
    ev.new_guid = g2;
    ev.at = 500;
    ev.cert_row = cert_id;
    memset(wrong, 0xee, sizeof(wrong));
    ASSERT_ERR(zto_db_owner_ov_replace(db, &g1, wrong, &g2, v2, sizeof(v2), 500,
                                       NULL, &ev),
               ZTO_E_STATE);
    ASSERT_OK(zto_db_owner_hook_count(db, &pending, &failed));
    ASSERT_EQ(pending, 0);
    /* The row is written with the replacement, the serial looked up. */
    sha(v1, sizeof(v1), h);
    ASSERT_OK(zto_db_owner_ov_replace(db, &g1, h, &g2, v2, sizeof(v2), 500,
                                      NULL, &ev));
    /* Reuse: a row too, with the same GUID twice, no certificate. */
    memset(&ev, 0, sizeof(ev));
    ev.guid = g3;
    ev.new_guid = g3;
    ev.reused = true;
    ev.at = 600;
    ASSERT_OK(zto_db_owner_ov_reused(db, &g3, 600, &ev));
    /* Unknown GUID: nothing changes, no row. */
    ev.guid = g4;
    ASSERT_ERR(zto_db_owner_ov_reused(db, &g4, 700, &ev), ZTO_E_NOT_FOUND);
    /* Without ev no row. */
    ASSERT_OK(zto_db_owner_ov_reused(db, &g2, 800, NULL));

    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, false, 0, hook_cb, &seen));
    ASSERT_EQ(seen.n, 2);
    ASSERT_MEM_EQ(seen.last.guid.b, g3.b, 16);
    ASSERT_MEM_EQ(seen.last.new_guid.b, g3.b, 16);
    ASSERT_TRUE(seen.last.reused);
    ASSERT_EQ(seen.last.at, 600);
    ASSERT_TRUE(seen.last.serial[0] == '\0');
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, true, 0, hook_cb, &seen));
    ASSERT_EQ(seen.n, 2);     /* both due at once */
    first = seen.last.id - 1; /* the replacement's row */

    /* A failure: not due before next_at; then marked failed. */
    ASSERT_OK(zto_db_owner_hook_failed(db, first, 1, 1000, false,
                                       "exit status 1\nsecond line"));
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, true, 999, hook_cb, &seen));
    ASSERT_EQ(seen.n, 1);
    ASSERT_TRUE(seen.last.reused); /* the other row */
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, true, 1000, hook_cb, &seen));
    ASSERT_EQ(seen.n, 2);
    ASSERT_OK(zto_db_owner_hook_failed(db, first, 2, 2000, true, "timeout"));
    ASSERT_OK(zto_db_owner_hook_count(db, &pending, &failed));
    ASSERT_EQ(pending, 1);
    ASSERT_EQ(failed, 1);
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, true, 5000, hook_cb, &seen));
    ASSERT_EQ(seen.n, 1); /* failed rows are never due */
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, false, 0, hook_cb, &seen));
    ASSERT_EQ(seen.n, 2);

    /* Retry: the failed row is pending again, due now. */
    ASSERT_OK(zto_db_owner_hook_retry(db, &n));
    ASSERT_EQ(n, 1);
    ASSERT_OK(zto_db_owner_hook_retry(db, &n));
    ASSERT_EQ(n, 0);
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, true, 0, hook_cb, &seen));
    ASSERT_EQ(seen.n, 2);

    /* Lease: taken once while due; a second taker (another owner process
     * on this database) gets nothing; not due until the lease runs out;
     * handed back it is due at once. Failed or gone rows are not taken. */
    ASSERT_OK(zto_db_owner_hook_lease(db, first, 100, 190, &taken));
    ASSERT_TRUE(taken);
    ASSERT_OK(zto_db_owner_hook_lease(db, first, 100, 190, &taken));
    ASSERT_TRUE(!taken);
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, true, 189, hook_cb, &seen));
    ASSERT_EQ(seen.n, 1);
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, true, 190, hook_cb, &seen));
    ASSERT_EQ(seen.n, 2);
    ASSERT_OK(zto_db_owner_hook_lease(db, first, INT64_MAX, 0, &taken));
    ASSERT_TRUE(taken);
    memset(&seen, 0, sizeof(seen));
    ASSERT_OK(zto_db_owner_hook_list(db, true, 0, hook_cb, &seen));
    ASSERT_EQ(seen.n, 2);
    ASSERT_OK(zto_db_owner_hook_lease(db, first + 1000, 100, 190, &taken));
    ASSERT_TRUE(!taken);

    /* Done: the row goes. */
    ASSERT_OK(zto_db_owner_hook_done(db, first));
    ASSERT_ERR(zto_db_owner_hook_done(db, first), ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_db_owner_hook_failed(db, first, 1, 1, false, "x"),
               ZTO_E_NOT_FOUND);
    ASSERT_OK(zto_db_owner_hook_count(db, &pending, &failed));
    ASSERT_EQ(pending, 1);
    ASSERT_EQ(failed, 0);
    zto_db_close(db);
}

/* The failed row's text keeps one line and the serial of the delivered
 * certificate. */
static int
hook_first_cb(void *ctx, const struct zto_db_hook_ev *ev)
{
    *(struct zto_db_hook_ev *)ctx = *ev;
    return 1;
}

static void
test_hook_row_text(void)
{
    struct zto_db *db = NULL;
    struct zto_guid g1 = guid_of(7), g2 = guid_of(8);
    const uint8_t v1[] = {0x85, 7}, v2[] = {0x85, 8};
    struct zto_db_hook_ev ev, got;
    struct zto_db_cert c;
    uint8_t h[32];
    int64_t cert_id = 0;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_OK(zto_db_owner_ov_add(db, &g1, v1, sizeof(v1), "", "aa", 1));
    memset(&c, 0, sizeof(c));
    c.guid = g2;
    c.to2_guid = g1;
    snprintf(c.serial, sizeof(c.serial), "01f2");
    snprintf(c.origin, sizeof(c.origin), "serverkeygen");
    c.cert = ZTO_BYTES("\x30\x00", 2);
    ASSERT_OK(zto_db_owner_cert_add(db, &c, &cert_id));
    memset(&ev, 0, sizeof(ev));
    ev.guid = g1;
    ev.new_guid = g2;
    ev.at = 42;
    ev.cert_row = cert_id;
    sha(v1, sizeof(v1), h);
    ASSERT_OK(zto_db_owner_ov_replace(db, &g1, h, &g2, v2, sizeof(v2), 42, NULL,
                                      &ev));
    memset(&got, 0, sizeof(got));
    ASSERT_OK(zto_db_owner_hook_list(db, false, 0, hook_first_cb, &got));
    ASSERT_TRUE(strcmp(got.serial, "01f2") == 0);
    ASSERT_MEM_EQ(got.guid.b, g1.b, 16);
    ASSERT_MEM_EQ(got.new_guid.b, g2.b, 16);
    ASSERT_TRUE(!got.reused && !got.failed);
    ASSERT_EQ(got.attempts, 0);
    ASSERT_OK(zto_db_owner_hook_failed(db, got.id, 1, 9, false,
                                       "exit status 3\nmore"));
    ASSERT_OK(zto_db_owner_hook_list(db, false, 0, hook_first_cb, &got));
    ASSERT_TRUE(strcmp(got.last_result, "exit status 3") == 0);
    ASSERT_EQ(got.attempts, 1);
    ASSERT_EQ(got.next_at, 9);
    zto_db_close(db);
}

int
main(void)
{
    TEST_START("db_owner");
    test_vouchers();
    test_kept_voucher();
    test_to0();
    test_plan();
    test_certs();
    test_hooks();
    test_hook_row_text();
    TEST_DONE();
}
