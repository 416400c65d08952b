/* test_db.c - database core: migrations, roles, sessions. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "zto/zto_db.h"
/* White box: the connection's synchronous setting (sessions_unsynced)
 * and the statement cache */
#include "../../db/sqlite/db_int.h"

static void
test_sessions(void)
{
    struct zto_db *db = NULL;
    uint8_t buf[16];
    size_t len = 0;
    int proto = 0, n = 0;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_TRUE(zto_db_schema_version(db) >= 1);
    ASSERT_OK(zto_db_session_put(db, "tok1", 60, (const uint8_t *)"abc", 3,
                                 1000));
    ASSERT_OK(zto_db_session_get(db, "tok1", 999, &proto, buf, sizeof(buf),
                                 &len));
    ASSERT_EQ(proto, 60);
    ASSERT_EQ(len, 3);
    ASSERT_MEM_EQ(buf, "abc", 3);
    /* Expired sessions are invisible, then purged. */
    ASSERT_ERR(zto_db_session_get(db, "tok1", 1000, &proto, buf, sizeof(buf),
                                  &len),
               ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_db_session_get(db, "nope", 0, &proto, buf, sizeof(buf),
                                  &len),
               ZTO_E_NOT_FOUND);
    /* Replace, and a buffer too small reports the size. */
    ASSERT_OK(zto_db_session_put(db, "tok1", 61, (const uint8_t *)"abcdef", 6,
                                 2000));
    ASSERT_ERR(zto_db_session_get(db, "tok1", 0, &proto, buf, 4, &len),
               ZTO_E_BUF_TOO_SMALL);
    ASSERT_EQ(len, 6);
    ASSERT_OK(zto_db_session_purge(db, 2000, &n));
    ASSERT_EQ(n, 1);
    ASSERT_OK(zto_db_session_put(db, "tok2", 30, (const uint8_t *)"x", 1, 50));
    ASSERT_OK(zto_db_session_del(db, "tok2"));
    ASSERT_ERR(zto_db_session_get(db, "tok2", 0, &proto, buf, sizeof(buf),
                                  &len),
               ZTO_E_NOT_FOUND);
    /* Rolled-back writes vanish. */
    ASSERT_OK(zto_db_begin(db));
    ASSERT_OK(zto_db_session_put(db, "tok3", 30, (const uint8_t *)"x", 1,
                                 5000));
    zto_db_rollback(db);
    ASSERT_ERR(zto_db_session_get(db, "tok3", 0, &proto, buf, sizeof(buf),
                                  &len),
               ZTO_E_NOT_FOUND);
    zto_db_close(db);
}

static void
test_file_roles(void)
{
    char path[] = "/tmp/zto-test-db-XXXXXX";
    int fd = mkstemp(path);
    struct zto_db *db = NULL;
    struct zto_db_opts o = {.sync_full = false, .busy_timeout_ms = 100};
    char wal[64], shm[64];

    ASSERT_TRUE(fd >= 0);
    close(fd);
    ASSERT_OK(zto_db_open(path, ZTO_DB_RENDEZVOUS, &o, &db));
    zto_db_close(db);
    /* Re-open: already migrated, same role. */
    ASSERT_OK(zto_db_open(path, ZTO_DB_RENDEZVOUS, &o, &db));
    zto_db_close(db);
    /* Another role's database is refused. */
    db = NULL;
    ASSERT_ERR(zto_db_open(path, ZTO_DB_OWNER, &o, &db), ZTO_E_CONFIG);
    ASSERT_TRUE(db == NULL);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    snprintf(shm, sizeof(shm), "%s-shm", path);
    unlink(path);
    unlink(wal);
    unlink(shm);
    /* A path that cannot be created fails cleanly. */
    ASSERT_FAILS(zto_db_open("/nonexistent-dir/x.db", ZTO_DB_OWNER, &o, &db));
}

/* PRAGMA synchronous of the connection: 2 FULL, 1 NORMAL. */
static int
sync_mode(struct zto_db *db)
{
    sqlite3_stmt *st = NULL;
    int v = -1;

    if (sqlite3_prepare_v2(db->h, "PRAGMA synchronous", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* With sync_full, commits of session rows alone skip the fsync
 * (synchronous NORMAL just for them), everything else stays FULL, and
 * the rows are there after a reopen. */
static void
test_sessions_unsynced(void)
{
    char path[] = "/tmp/zto-test-db-XXXXXX";
    int fd = mkstemp(path);
    struct zto_db *db = NULL;
    struct zto_db_opts o = {.sync_full = true, .busy_timeout_ms = 100};
    char wal[64], shm[64];
    uint8_t buf[16];
    size_t len = 0;
    int proto = 0;

    ASSERT_TRUE(fd >= 0);
    close(fd);
    ASSERT_OK(zto_db_open(path, ZTO_DB_MANUFACTURER, &o, &db));
    if (db == NULL)
        return;
    ASSERT_EQ(sync_mode(db), 2);
    /* a session statement on its own: back to FULL afterwards */
    ASSERT_OK(zto_db_session_put(db, "a", 1, (const uint8_t *)"x", 1, 100));
    ASSERT_EQ(sync_mode(db), 2);
    ASSERT_OK(zto_db_session_del(db, "a"));
    ASSERT_EQ(sync_mode(db), 2);
    /* a sessions-only transaction is NORMAL until it ends */
    ASSERT_OK(zto_db_begin_sessions(db));
    ASSERT_EQ(sync_mode(db), 1);
    ASSERT_OK(zto_db_session_purge(db, 0, NULL));
    ASSERT_OK(zto_db_session_put(db, "b", 1, (const uint8_t *)"yy", 2, 100));
    ASSERT_OK(zto_db_commit(db));
    ASSERT_EQ(sync_mode(db), 2);
    ASSERT_OK(zto_db_begin_sessions(db));
    ASSERT_OK(zto_db_session_put(db, "c", 1, (const uint8_t *)"z", 1, 100));
    zto_db_rollback(db);
    ASSERT_EQ(sync_mode(db), 2);
    /* session rows inside an ordinary transaction: FULL throughout */
    ASSERT_OK(zto_db_begin(db));
    ASSERT_OK(zto_db_session_put(db, "d", 1, (const uint8_t *)"w", 1, 100));
    ASSERT_EQ(sync_mode(db), 2);
    ASSERT_OK(zto_db_commit(db));
    ASSERT_EQ(sync_mode(db), 2);
    zto_db_close(db);
    db = NULL;
    ASSERT_OK(zto_db_open(path, ZTO_DB_MANUFACTURER, &o, &db));
    if (db != NULL) {
        ASSERT_OK(zto_db_session_get(db, "b", 0, &proto, buf, sizeof(buf),
                                     &len));
        ASSERT_EQ(len, 2);
        ASSERT_ERR(zto_db_session_get(db, "c", 0, &proto, buf, sizeof(buf),
                                      &len),
                   ZTO_E_NOT_FOUND);
        ASSERT_OK(zto_db_session_get(db, "d", 0, &proto, buf, sizeof(buf),
                                     &len));
        zto_db_close(db);
    }
    /* without sync_full nothing changes: NORMAL all along */
    o.sync_full = false;
    db = NULL;
    ASSERT_OK(zto_db_open(path, ZTO_DB_MANUFACTURER, &o, &db));
    if (db != NULL) {
        ASSERT_EQ(sync_mode(db), 1);
        ASSERT_OK(zto_db_session_put(db, "e", 1, (const uint8_t *)"v", 1,
                                     100));
        ASSERT_EQ(sync_mode(db), 1);
        zto_db_close(db);
    }
    snprintf(wal, sizeof(wal), "%s-wal", path);
    snprintf(shm, sizeof(shm), "%s-shm", path);
    unlink(path);
    unlink(wal);
    unlink(shm);
}

/* The statement cache: the same text gives back the same statement once
 * finished, a statement in use is never handed out twice, and more
 * distinct statements than the cache holds still work. */
static void
test_stmt_cache(void)
{
    struct zto_db *db = NULL;
    sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
    char sql[64];
    int i;

    ASSERT_OK(zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &db));
    if (db == NULL)
        return;
    ASSERT_OK(db_prepare(db, "SELECT ?", &a));
    ASSERT_EQ(sqlite3_bind_int(a, 1, 7), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(a), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(a, 0), 7);
    /* in use: a second one */
    ASSERT_OK(db_prepare(db, "SELECT ?", &b));
    ASSERT_TRUE(a != b);
    db_finish(db, b);
    db_finish(db, a);
    /* finished: the same one again, reset with no bindings */
    ASSERT_OK(db_prepare(db, "SELECT ?", &c));
    ASSERT_TRUE(c == a);
    ASSERT_EQ(sqlite3_step(c), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_type(c, 0), SQLITE_NULL);
    db_finish(db, c);
    for (i = 0; i < DB_STMT_CACHE + 10; i++) {
        snprintf(sql, sizeof(sql), "SELECT %d", i);
        ASSERT_OK(db_prepare(db, sql, &a));
        ASSERT_EQ(sqlite3_step(a), SQLITE_ROW);
        ASSERT_EQ(sqlite3_column_int(a, 0), i);
        db_finish(db, a);
    }
    ASSERT_EQ(db->ncache, DB_STMT_CACHE);
    ASSERT_FAILS(db_prepare(db, "SELEKT nonsense", &a));
    ASSERT_TRUE(a == NULL);
    db_finish(db, NULL);
    /* the public calls still work with a full cache */
    for (i = 0; i < 3; i++)
        ASSERT_OK(zto_db_session_put(db, "t", 1, (const uint8_t *)"x", 1,
                                     100));
    zto_db_close(db);
}

/* A new database and its WAL are private whatever the umask; an
 * existing file keeps the mode the operator gave it. */
static void
test_file_mode(void)
{
    char dir[] = "/tmp/zto-test-dbmode-XXXXXX", path[64], wal[96], shm[96];
    struct zto_db *db = NULL;
    struct stat st;
    mode_t old;

    ASSERT_TRUE(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/owner.db", dir);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    snprintf(shm, sizeof(shm), "%s-shm", path);
    old = umask(0);
    ASSERT_OK(zto_db_open(path, ZTO_DB_OWNER, NULL, &db));
    ASSERT_OK(zto_db_session_put(db, "t", 60, (const uint8_t *)"k", 1, 99));
    ASSERT_TRUE(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    ASSERT_TRUE(stat(wal, &st) == 0 && (st.st_mode & 0777) == 0600);
    ASSERT_TRUE(stat(shm, &st) == 0 && (st.st_mode & 0777) == 0600);
    zto_db_close(db);
    /* An owner-only umask that also strips the owner's bits. */
    unlink(path);
    unlink(wal);
    unlink(shm);
    umask(0277);
    ASSERT_OK(zto_db_open(path, ZTO_DB_RENDEZVOUS, NULL, &db));
    ASSERT_TRUE(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    zto_db_close(db);
    umask(old);
    ASSERT_TRUE(chmod(path, 0640) == 0);
    ASSERT_OK(zto_db_open(path, ZTO_DB_RENDEZVOUS, NULL, &db));
    ASSERT_TRUE(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    zto_db_close(db);
    unlink(path);
    unlink(wal);
    unlink(shm);
    ASSERT_EQ(rmdir(dir), 0);
}

int
main(void)
{
    TEST_START("db");
    test_sessions();
    test_file_roles();
    test_sessions_unsynced();
    test_stmt_cache();
    test_file_mode();
    TEST_DONE();
}
