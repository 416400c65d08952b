/*
 * db_core.c - SQLite connection, migrations, transactions, sessions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_int.h"

static const char *const role_names[] = {NULL, "manufacturer", "rendezvous",
                                         "owner"};

static const struct db_migration *
migrations_for(enum zto_db_role role)
{
    switch (role) {
    case ZTO_DB_MANUFACTURER:
        return db_manufacturer_migrations;
    case ZTO_DB_RENDEZVOUS:
        return db_rendezvous_migrations;
    case ZTO_DB_OWNER:
        return db_owner_migrations;
    default:
        return NULL;
    }
}

zto_err_t
db_prepare(struct zto_db *db, const char *sql, sqlite3_stmt **st)
{
    struct db_cached_stmt *c;
    size_t i;
    char *copy;

    *st = NULL;
    for (i = 0; i < db->ncache; i++) {
        c = &db->cache[i];
        if (!c->busy && strcmp(c->sql, sql) == 0) {
            c->busy = true;
            *st = c->st;
            return ZTO_OK;
        }
    }
    if (db->ncache == DB_STMT_CACHE || (copy = strdup(sql)) == NULL)
        return sqlite3_prepare_v2(db->h, sql, -1, st, NULL) == SQLITE_OK
                   ? ZTO_OK
                   : ZTO_E_DB;
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
                           NULL) != SQLITE_OK) {
        free(copy);
        sqlite3_finalize(*st);
        *st = NULL;
        return ZTO_E_DB;
    }
    c = &db->cache[db->ncache++];
    c->sql = copy;
    c->st = *st;
    c->busy = true;
    return ZTO_OK;
}

void
db_finish(struct zto_db *db, sqlite3_stmt *st)
{
    size_t i;

    if (st == NULL)
        return;
    for (i = 0; i < db->ncache; i++)
        if (db->cache[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            db->cache[i].busy = false;
            return;
        }
    sqlite3_finalize(st);
}

zto_err_t
db_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    return rc == SQLITE_DONE || rc == SQLITE_ROW ? ZTO_OK : ZTO_E_DB;
}

zto_err_t
db_column_blob(sqlite3_stmt *st, int col, uint8_t *buf, size_t cap,
               size_t *len)
{
    const void *p = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);

    if (n < 0)
        return ZTO_E_DB;
    *len = (size_t)n;
    if ((size_t)n > cap)
        return ZTO_E_BUF_TOO_SMALL;
    if (n > 0)
        memcpy(buf, p, (size_t)n);
    return ZTO_OK;
}

static zto_err_t
exec(struct zto_db *db, const char *sql)
{
    return sqlite3_exec(db->h, sql, NULL, NULL, NULL) == SQLITE_OK ? ZTO_OK
                                                                   : ZTO_E_DB;
}

/* Transaction control, run for every commit: from the statement cache
 * rather than parsed by sqlite3_exec() each time. (Not for pragmas that
 * change settings: SQLite prepares those again at every step.) */
static zto_err_t
exec1(struct zto_db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;
    int rc;

    if ((r = db_prepare(db, sql, &st)) != ZTO_OK)
        return r;
    rc = sqlite3_step(st);
    db_finish(db, st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? ZTO_OK : ZTO_E_DB;
}

/*
 * Session rows are working state, not a promise to a peer: a session
 * lost with the machine's power only makes the peer start that
 * sub-protocol again from its first message. So commits that write
 * nothing but session rows skip the fsync even with sync_full
 * (synchronous=NORMAL in WAL mode: still durable against a killed
 * process, and visible at once to other processes sharing the file);
 * the next full commit syncs them along with everything before it.
 * Under load this takes several fsyncs per onboarding out of the
 * servers' event loops (docs/benchmark.md).
 */
static zto_err_t
relax(struct zto_db *db, bool on)
{
    if (!db->sync_full || db->relaxed == on)
        return ZTO_OK;
    if (exec(db, on ? "PRAGMA synchronous = NORMAL"
                    : "PRAGMA synchronous = FULL") != ZTO_OK)
        return ZTO_E_DB;
    db->relaxed = on;
    return ZTO_OK;
}

/* Step a statement on the sessions table: outside a transaction it
 * commits by itself, relaxed; inside one the transaction decides. */
static zto_err_t
session_step(struct zto_db *db, sqlite3_stmt *st)
{
    bool own = sqlite3_get_autocommit(db->h) != 0;
    zto_err_t r, r2;

    if (own && (r = relax(db, true)) != ZTO_OK)
        return r;
    r = db_step_done(st);
    if (own && (r2 = relax(db, false)) != ZTO_OK && r == ZTO_OK)
        r = r2;
    return r;
}

static int
user_version(struct zto_db *db)
{
    sqlite3_stmt *st = NULL;
    int v = -1;

    if (db_prepare(db, "PRAGMA user_version", &st) == ZTO_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    db_finish(db, st);
    return v;
}

/* The role recorded in the database, or "" for a fresh one. */
static zto_err_t
check_role(struct zto_db *db)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r = ZTO_E_DB;
    int rc;

    if (db_prepare(db, "SELECT value FROM zto_meta WHERE key = 'role'",
                   &st) != ZTO_OK)
        return ZTO_E_DB;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        r = v != NULL && strcmp(v, role_names[db->role]) == 0 ? ZTO_OK
                                                               : ZTO_E_CONFIG;
    } else if (rc == SQLITE_DONE) {
        db_finish(db, st);
        st = NULL;
        if (db_prepare(db,
                       "INSERT INTO zto_meta(key, value) VALUES ('role', ?)",
                       &st) == ZTO_OK &&
            sqlite3_bind_text(st, 1, role_names[db->role], -1,
                              SQLITE_STATIC) == SQLITE_OK)
            r = db_step_done(st);
    }
    db_finish(db, st);
    return r;
}

/* Apply every migration newer than the database, each in a transaction
 * together with its user_version bump, so a crash leaves a consistent
 * version. */
static zto_err_t
migrate(struct zto_db *db)
{
    const struct db_migration *m = migrations_for(db->role);
    int have, latest = 0;
    zto_err_t r;

    if (m == NULL)
        return ZTO_E_ARG;
    while (m[latest].sql != NULL)
        latest++;
    if ((r = exec(db, "BEGIN IMMEDIATE")) != ZTO_OK)
        return r;
    have = user_version(db);
    if (have < 0 || have > latest) {
        /* Newer than this build: refuse rather than guess. */
        zto_db_rollback(db);
        return have < 0 ? ZTO_E_DB : ZTO_E_CONFIG;
    }
    /* Another role's database: refuse it before any migration of this
     * role touches it (the version numbers alone cannot tell). */
    if (have > 0 && (r = check_role(db)) != ZTO_OK)
        goto fail;
    for (; have < latest; have++) {
        char pragma[64];
        if ((r = exec(db, m[have].sql)) != ZTO_OK)
            goto fail;
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
                 m[have].version);
        if ((r = exec(db, pragma)) != ZTO_OK)
            goto fail;
    }
    if ((r = check_role(db)) != ZTO_OK)
        goto fail;
    if ((r = exec(db, "COMMIT")) != ZTO_OK)
        goto fail;
    db->version = latest;
    return ZTO_OK;
fail:
    zto_db_rollback(db);
    return r;
}

/* A new database file is created mode 0600 whatever the umask: the owner's
 * holds TO2 session keys, and SQLite gives its -wal and -shm files the
 * mode of the database file. An existing file keeps its mode. */
static zto_err_t
create_private(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0)
        return errno == EEXIST ? ZTO_OK : ZTO_E_DB;
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
        close(fd);
        unlink(path);
        return ZTO_E_DB;
    }
    close(fd);
    return ZTO_OK;
}

zto_err_t
zto_db_open(const char *path, enum zto_db_role role,
            const struct zto_db_opts *opts, struct zto_db **out)
{
    struct zto_db *db = NULL;
    char pragma[64];
    zto_err_t r = ZTO_E_DB;
    bool mem = strcmp(path, ":memory:") == 0;

    if (migrations_for(role) == NULL)
        return ZTO_E_ARG;
    if (!mem && (r = create_private(path)) != ZTO_OK)
        return r;
    if ((db = calloc(1, sizeof(*db))) == NULL)
        return ZTO_E_NOMEM;
    db->role = role;
    if (sqlite3_open_v2(path, &db->h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        goto fail;
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, opts != NULL && opts->busy_timeout_ms > 0
                                    ? opts->busy_timeout_ms
                                    : 5000);
    /* WAL: readers do not block the writer, and a killed process never
     * leaves a half-applied transaction. */
    if (!mem && exec(db, "PRAGMA journal_mode = WAL") != ZTO_OK)
        goto fail;
    db->sync_full = !mem && (opts == NULL || opts->sync_full);
    snprintf(pragma, sizeof(pragma), "PRAGMA synchronous = %s",
             opts == NULL || opts->sync_full ? "FULL" : "NORMAL");
    if (exec(db, pragma) != ZTO_OK || exec(db, "PRAGMA foreign_keys = ON") != ZTO_OK ||
        exec(db, "PRAGMA secure_delete = ON") != ZTO_OK)
        goto fail;
    if ((r = migrate(db)) != ZTO_OK)
        goto fail;
    *out = db;
    return ZTO_OK;
fail:
    zto_db_close(db);
    return r;
}

void
zto_db_close(struct zto_db *db)
{
    size_t i;

    if (db == NULL)
        return;
    for (i = 0; i < db->ncache; i++) {
        sqlite3_finalize(db->cache[i].st);
        free(db->cache[i].sql);
    }
    sqlite3_close_v2(db->h);
    free(db);
}

int
zto_db_schema_version(struct zto_db *db)
{
    return db->version;
}

zto_err_t
zto_db_begin(struct zto_db *db)
{
    return exec1(db, "BEGIN IMMEDIATE");
}

zto_err_t
zto_db_begin_sessions(struct zto_db *db)
{
    zto_err_t r;

    if ((r = relax(db, true)) != ZTO_OK)
        return r;
    if ((r = exec1(db, "BEGIN IMMEDIATE")) != ZTO_OK)
        (void)relax(db, false);
    return r;
}

zto_err_t
zto_db_commit(struct zto_db *db)
{
    zto_err_t r = exec1(db, "COMMIT");

    if (r != ZTO_OK)
        zto_db_rollback(db);
    else if ((r = relax(db, false)) != ZTO_OK)
        return r;
    return r;
}

void
zto_db_rollback(struct zto_db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        (void)exec1(db, "ROLLBACK");
    (void)relax(db, false);
}

zto_err_t
zto_db_session_put(struct zto_db *db, const char *token, int protocol,
                   const uint8_t *data, size_t len, int64_t expires)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if (len > INT32_MAX)
        return ZTO_E_TOO_BIG;
    /* An existing row is updated in place: INSERT OR REPLACE would
     * delete and insert it, rewriting the token index as well. */
    if ((r = db_prepare(db,
                        "INSERT INTO sessions(token, protocol, data, expires) "
                        "VALUES (?,?,?,?) ON CONFLICT(token) DO UPDATE SET "
                        "protocol = excluded.protocol, data = excluded.data, "
                        "expires = excluded.expires",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int(st, 2, protocol) != SQLITE_OK ||
        sqlite3_bind_blob(st, 3, data, (int)len, SQLITE_STATIC) !=
            SQLITE_OK ||
        sqlite3_bind_int64(st, 4, expires) != SQLITE_OK)
        r = ZTO_E_DB;
    else
        r = session_step(db, st);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_session_get(struct zto_db *db, const char *token, int64_t now,
                   int *protocol, uint8_t *buf, size_t cap, size_t *len)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;
    int rc;

    if ((r = db_prepare(db,
                        "SELECT protocol, data FROM sessions "
                        "WHERE token = ? AND expires > ?",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, now) != SQLITE_OK) {
        r = ZTO_E_DB;
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        r = ZTO_E_NOT_FOUND;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        r = ZTO_E_DB;
        goto out;
    }
    *protocol = sqlite3_column_int(st, 0);
    r = db_column_blob(st, 1, buf, cap, len);
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_session_del(struct zto_db *db, const char *token)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = db_prepare(db, "DELETE FROM sessions WHERE token = ?", &st)) !=
        ZTO_OK)
        return r;
    r = sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC) == SQLITE_OK
            ? session_step(db, st)
            : ZTO_E_DB;
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_session_purge(struct zto_db *db, int64_t now, int *n)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = db_prepare(db, "DELETE FROM sessions WHERE expires <= ?", &st)) !=
        ZTO_OK)
        return r;
    r = sqlite3_bind_int64(st, 1, now) == SQLITE_OK ? session_step(db, st)
                                                     : ZTO_E_DB;
    if (r == ZTO_OK && n != NULL)
        *n = sqlite3_changes(db->h);
    db_finish(db, st);
    return r;
}
