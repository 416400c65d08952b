/* test_db.c - database core: migrations, roles, sessions. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "zto/zto_db.h"

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
    test_file_mode();
    TEST_DONE();
}
