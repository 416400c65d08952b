/*
 * test_db_admin.c - the admin API's queries (db/include/zto/zto_db_admin.h):
 * manufacturer device pages and extension records, rendezvous
 * registration pages (expiry respected, key hashes) and trust entries.
 */
#include <string.h>

#include "test.h"
#include "zto/zto_crypto.h"
#include "zto/zto_db_admin.h"

static struct zto_guid
guid_of(uint8_t n)
{
    struct zto_guid g;

    memset(&g, 0, sizeof(g));
    g.b[0] = 0xa0;
    g.b[15] = n;
    return g;
}

struct seen {
    uint8_t last[16];
    int n;
    struct zto_db_mfg_device d[8];
};

static zto_err_t
collect_dev(void *ctx, const struct zto_db_mfg_device *d)
{
    struct seen *s = ctx;

    if (s->n < 8)
        s->d[s->n] = *d;
    s->n++;
    return ZTO_OK;
}

static zto_err_t
stop_dev(void *ctx, const struct zto_db_mfg_device *d)
{
    (void)ctx;
    (void)d;
    return ZTO_E_LIMIT;
}

static void
test_mfg(void)
{
    struct zto_db *db = NULL;
    struct zto_db_mfg_device d;
    struct seen s;
    struct zto_guid g;
    uint8_t k1[32], k2[32];
    int64_t total = -1;
    uint8_t i;

    memset(k1, 0x11, sizeof(k1));
    memset(k2, 0x22, sizeof(k2));
    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_MANUFACTURER, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_OK(zto_db_check(db));
    /* Five devices made at t = 100, 200, ... 500. */
    for (i = 1; i <= 5; i++) {
        char serial[8];
        g = guid_of(i);
        snprintf(serial, sizeof(serial), "SN-%u", i);
        ASSERT_OK(zto_db_mfg_voucher_put(db, &g, serial, strlen(serial), "m", 1,
                                         (const uint8_t *)"\x80", 1,
                                         100 * (int64_t)i));
    }
    memset(&s, 0, sizeof(s));
    ASSERT_OK(zto_db_mfg_device_page(db, 0, 0, 100, collect_dev, &s, &total));
    ASSERT_EQ(total, 5);
    ASSERT_EQ(s.n, 5);
    ASSERT_EQ(s.d[0].row.guid.b[15], 1);
    ASSERT_EQ(s.d[4].row.created, 500);
    ASSERT_TRUE(strcmp(s.d[2].row.serial, "SN-3") == 0);
    ASSERT_TRUE(!s.d[0].extended);
    memset(&s, 0, sizeof(s));
    ASSERT_OK(zto_db_mfg_device_page(db, 250, 1, 1, collect_dev, &s, &total));
    ASSERT_EQ(total, 3); /* 300, 400, 500 */
    ASSERT_EQ(s.n, 1);
    ASSERT_EQ(s.d[0].row.created, 400);
    memset(&s, 0, sizeof(s));
    ASSERT_OK(zto_db_mfg_device_page(db, 999, 0, 10, collect_dev, &s, NULL));
    ASSERT_EQ(s.n, 0);
    ASSERT_ERR(zto_db_mfg_device_page(db, 0, 0, 10, stop_dev, NULL, NULL),
               ZTO_E_LIMIT);
    ASSERT_ERR(zto_db_mfg_device_page(db, 0, -1, 10, collect_dev, &s, NULL),
               ZTO_E_ARG);

    /* Extension records: same key counts, another key starts over. */
    g = guid_of(2);
    ASSERT_OK(zto_db_mfg_extension_put(db, &g, k1, 1000));
    ASSERT_OK(zto_db_mfg_extension_put(db, &g, k1, 1100));
    ASSERT_OK(zto_db_mfg_device_get(db, &g, &d));
    ASSERT_TRUE(d.extended);
    ASSERT_MEM_EQ(d.owner_key, k1, 32);
    ASSERT_EQ(d.first_extended, 1000);
    ASSERT_EQ(d.last_extended, 1100);
    ASSERT_EQ(d.extensions, 2);
    ASSERT_OK(zto_db_mfg_extension_put(db, &g, k2, 1200));
    ASSERT_OK(zto_db_mfg_device_get(db, &g, &d));
    ASSERT_MEM_EQ(d.owner_key, k2, 32);
    ASSERT_EQ(d.first_extended, 1200);
    ASSERT_EQ(d.extensions, 1);
    memset(&s, 0, sizeof(s));
    ASSERT_OK(zto_db_mfg_device_page(db, 0, 1, 1, collect_dev, &s, NULL));
    ASSERT_TRUE(s.n == 1 && s.d[0].extended);
    g = guid_of(9);
    ASSERT_ERR(zto_db_mfg_device_get(db, &g, &d), ZTO_E_NOT_FOUND);
    zto_db_close(db);

    /* Role checks. */
    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_RENDEZVOUS, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_ERR(zto_db_mfg_device_get(db, &g, &d), ZTO_E_ARG);
    zto_db_close(db);
}

struct regs {
    int n;
    struct zto_db_rv_reg_info r[8];
};

static zto_err_t
collect_reg(void *ctx, const struct zto_db_rv_reg_info *r)
{
    struct regs *s = ctx;

    if (s->n < 8)
        s->r[s->n] = *r;
    s->n++;
    return ZTO_OK;
}

struct trusts {
    int n;
    struct zto_db_rv_trust t[8];
    size_t spki_len[8];
};

static zto_err_t
collect_trust(void *ctx, const struct zto_db_rv_trust *t)
{
    struct trusts *s = ctx;

    if (s->n < 8) {
        s->t[s->n] = *t;
        s->spki_len[s->n] = t->spki.len;
        s->t[s->n].spki = ZTO_BYTES_NULL; /* valid in the callback only */
    }
    s->n++;
    return ZTO_OK;
}

static void
test_rv(void)
{
    struct zto_db *db = NULL;
    struct zto_db_rv_reg reg;
    struct zto_db_rv_reg_info ri;
    struct zto_hash_buf h;
    struct regs s;
    struct trusts t;
    struct zto_guid g;
    uint8_t dk[3] = {1, 2, 3}, to1d[5] = {9, 9, 9, 9, 9}, kh[32], kh2[32];
    int64_t total = -1;
    uint8_t i;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_RENDEZVOUS, NULL, &db));
    if (db == NULL)
        return;
    /* Registrations expiring at 1000, 2000, 3000. */
    for (i = 1; i <= 3; i++) {
        memset(&reg, 0, sizeof(reg));
        reg.guid = guid_of(i);
        reg.to1d = ZTO_BYTES(to1d, sizeof(to1d));
        reg.device_key = ZTO_BYTES(dk, sizeof(dk));
        memset(reg.owner_key_hash, i, sizeof(reg.owner_key_hash));
        reg.expires = 1000 * (int64_t)(4 - i);
        ASSERT_OK(zto_db_rv_put(db, &reg));
    }
    memset(&s, 0, sizeof(s));
    ASSERT_OK(zto_db_rv_reg_page(db, 1500, 0, 10, collect_reg, &s, &total));
    ASSERT_EQ(total, 2); /* the one expiring at 1000 is gone */
    ASSERT_EQ(s.n, 2);
    ASSERT_EQ(s.r[0].expires, 2000); /* soonest first */
    ASSERT_EQ(s.r[0].guid.b[15], 2);
    ASSERT_EQ(s.r[0].to1d_len, 5);
    ASSERT_EQ(s.r[0].owner_key_hash[0], 2);
    ASSERT_OK(zto_hash(ZTO_HASH_SHA256, dk, sizeof(dk), &h));
    ASSERT_MEM_EQ(s.r[0].device_key_hash, h.value, 32);
    memset(&s, 0, sizeof(s));
    ASSERT_OK(zto_db_rv_reg_page(db, 0, 2, 5, collect_reg, &s, &total));
    ASSERT_EQ(total, 3);
    ASSERT_EQ(s.n, 1);
    g = guid_of(1);
    ASSERT_OK(zto_db_rv_reg_info(db, &g, 2999, &ri));
    ASSERT_EQ(ri.expires, 3000);
    ASSERT_ERR(zto_db_rv_reg_info(db, &g, 3000, &ri), ZTO_E_NOT_FOUND);

    /* Trust entries. */
    memset(kh, 0xab, sizeof(kh));
    memset(kh2, 0xcd, sizeof(kh2));
    ASSERT_OK(zto_db_rv_trust_add(db, 0, kh, dk, sizeof(dk), 10, "first"));
    ASSERT_ERR(zto_db_rv_trust_add(db, 0, kh, dk, sizeof(dk), 11, ""),
               ZTO_E_EXISTS);
    ASSERT_OK(zto_db_rv_trust_add(db, 1, kh, dk, sizeof(dk), 12, NULL));
    ASSERT_OK(zto_db_rv_trust_add(db, 0, kh2, dk, 2, 13, "second"));
    ASSERT_ERR(zto_db_rv_trust_add(db, 2, kh2, dk, 2, 13, ""), ZTO_E_ARG);
    memset(&t, 0, sizeof(t));
    ASSERT_OK(zto_db_rv_trust_list(db, -1, collect_trust, &t));
    ASSERT_EQ(t.n, 3);
    memset(&t, 0, sizeof(t));
    ASSERT_OK(zto_db_rv_trust_list(db, 0, collect_trust, &t));
    ASSERT_EQ(t.n, 2);
    ASSERT_TRUE(strcmp(t.t[0].note, "first") == 0);
    ASSERT_EQ(t.t[1].added, 13);
    ASSERT_EQ(t.spki_len[1], 2);
    ASSERT_MEM_EQ(t.t[1].key_hash, kh2, 32);
    ASSERT_OK(zto_db_rv_trust_del(db, 0, kh));
    ASSERT_ERR(zto_db_rv_trust_del(db, 0, kh), ZTO_E_NOT_FOUND);
    memset(&t, 0, sizeof(t));
    ASSERT_OK(zto_db_rv_trust_list(db, -1, collect_trust, &t));
    ASSERT_EQ(t.n, 2);
    ASSERT_OK(zto_db_check(db));
    zto_db_close(db);
}

int
main(void)
{
    TEST_START("db_admin");
    test_mfg();
    test_rv();
    TEST_DONE();
}
