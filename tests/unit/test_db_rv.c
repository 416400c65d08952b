/* test_db_rv.c - rendezvous registrations: put/get/replace, expiry
 * invisibility, purge, role check, buffer sizes. */
#include <stdlib.h>

#include "test.h"
#include "zto/zto_db_rv.h"

static struct zto_db_rv_reg
make_reg(uint8_t g, const char *to1d, const char *dk, uint8_t owner,
         int64_t expires)
{
    struct zto_db_rv_reg r;

    memset(&r, 0, sizeof(r));
    memset(r.guid.b, g, sizeof(r.guid.b));
    r.to1d = ZTO_BYTES(to1d, strlen(to1d));
    r.device_key = ZTO_BYTES(dk, strlen(dk));
    memset(r.owner_key_hash, owner, sizeof(r.owner_key_hash));
    r.expires = expires;
    return r;
}

static void
test_put_get(void)
{
    struct zto_db *db = NULL;
    struct zto_db_rv_reg a = make_reg(1, "to1d-A", "key-A", 0xaa, 1000);
    struct zto_db_rv_reg b = make_reg(2, "to1d-B", "key-B", 0xbb, 2000);
    uint8_t t[64], k[64], h[ZTO_DB_RV_OWNER_HASH_LEN], want[32];
    size_t tn = 0, kn = 0;
    int64_t exp = 0;
    int stored = -1, live = -1, n = -1;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_RENDEZVOUS, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_TRUE(zto_db_schema_version(db) >= 2);
    ASSERT_OK(zto_db_rv_put(db, &a));
    ASSERT_OK(zto_db_rv_put(db, &b));

    ASSERT_OK(zto_db_rv_get(db, &a.guid, 999, t, sizeof(t), &tn, k, sizeof(k),
                            &kn, &exp));
    ASSERT_EQ(tn, 6);
    ASSERT_MEM_EQ(t, "to1d-A", 6);
    ASSERT_EQ(kn, 5);
    ASSERT_MEM_EQ(k, "key-A", 5);
    ASSERT_EQ(exp, 1000);
    ASSERT_OK(zto_db_rv_owner(db, &a.guid, 999, h, &exp));
    memset(want, 0xaa, sizeof(want));
    ASSERT_MEM_EQ(h, want, sizeof(want));

    /* Expired at `now` == expires: invisible to every lookup. */
    ASSERT_ERR(zto_db_rv_get(db, &a.guid, 1000, t, sizeof(t), &tn, NULL, 0,
                             NULL, NULL),
               ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_db_rv_owner(db, &a.guid, 1000, h, NULL), ZTO_E_NOT_FOUND);
    ASSERT_OK(zto_db_rv_count(db, 1000, &stored, &live));
    ASSERT_EQ(stored, 2);
    ASSERT_EQ(live, 1);

    /* A buffer too small is an error, never a truncated blob. */
    ASSERT_ERR(zto_db_rv_get(db, &b.guid, 0, t, 3, &tn, NULL, 0, NULL, NULL),
               ZTO_E_BUF_TOO_SMALL);

    /* Replacement keeps one row per GUID. */
    b = make_reg(2, "to1d-B2", "key-B2", 0xcc, 3000);
    ASSERT_OK(zto_db_rv_put(db, &b));
    ASSERT_OK(
        zto_db_rv_get(db, &b.guid, 0, t, sizeof(t), &tn, NULL, 0, NULL, &exp));
    ASSERT_EQ(tn, 7);
    ASSERT_MEM_EQ(t, "to1d-B2", 7);
    ASSERT_EQ(exp, 3000);
    ASSERT_OK(zto_db_rv_count(db, 0, &stored, &live));
    ASSERT_EQ(stored, 2);

    /* Purge removes exactly the expired rows. */
    ASSERT_OK(zto_db_rv_purge(db, 1000, &n));
    ASSERT_EQ(n, 1);
    ASSERT_OK(zto_db_rv_count(db, 0, &stored, &live));
    ASSERT_EQ(stored, 1);
    ASSERT_EQ(live, 1);
    ASSERT_OK(zto_db_rv_purge(db, 1000, &n));
    ASSERT_EQ(n, 0);

    ASSERT_OK(zto_db_rv_del(db, &b.guid));
    ASSERT_ERR(
        zto_db_rv_get(db, &b.guid, 0, t, sizeof(t), &tn, NULL, 0, NULL, NULL),
        ZTO_E_NOT_FOUND);
    ASSERT_OK(zto_db_rv_del(db, &b.guid));

    /* Empty blobs are refused. */
    a.to1d = ZTO_BYTES_NULL;
    ASSERT_ERR(zto_db_rv_put(db, &a), ZTO_E_ARG);
    zto_db_close(db);
}

static void
test_wrong_role(void)
{
    struct zto_db *db = NULL;
    struct zto_db_rv_reg a = make_reg(1, "x", "y", 1, 10);

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_ERR(zto_db_rv_put(db, &a), ZTO_E_ARG);
    ASSERT_ERR(zto_db_rv_purge(db, 0, NULL), ZTO_E_ARG);
    zto_db_close(db);
}

int
main(void)
{
    TEST_START("db_rv");
    test_put_get();
    test_wrong_role();
    TEST_DONE();
}
