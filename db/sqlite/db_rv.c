/*
 * db_rv.c - rendezvous registrations on SQLite (zto_db_rv.h).
 */
#include <string.h>

#include "db_int.h"
#include "zto/zto_db_rv.h"

static zto_err_t
check_role(struct zto_db *db)
{
    return db != NULL && db->role == ZTO_DB_RENDEZVOUS ? ZTO_OK : ZTO_E_ARG;
}

static zto_err_t
bind_blob(sqlite3_stmt *st, int col, const void *p, size_t n)
{
    if (n > INT32_MAX)
        return ZTO_E_TOO_BIG;
    /* A zero-length blob must still bind as a blob, not as NULL. */
    return sqlite3_bind_blob(st, col, n > 0 ? p : "", (int)n, SQLITE_STATIC) ==
                   SQLITE_OK
               ? ZTO_OK
               : ZTO_E_DB;
}

zto_err_t
zto_db_rv_put(struct zto_db *db, const struct zto_db_rv_reg *reg)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if (reg == NULL || reg->to1d.len == 0 || reg->device_key.len == 0)
        return ZTO_E_ARG;
    if ((r = db_prepare(db,
                        "INSERT OR REPLACE INTO rv_registrations"
                        "(guid, to1d, device_key, owner_key_hash, expires)"
                        " VALUES (?,?,?,?,?)",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_blob(st, 1, reg->guid.b, ZTO_GUID_LEN)) != ZTO_OK ||
        (r = bind_blob(st, 2, reg->to1d.p, reg->to1d.len)) != ZTO_OK ||
        (r = bind_blob(st, 3, reg->device_key.p, reg->device_key.len)) !=
            ZTO_OK ||
        (r = bind_blob(st, 4, reg->owner_key_hash, ZTO_DB_RV_OWNER_HASH_LEN)) !=
            ZTO_OK)
        goto out;
    if (sqlite3_bind_int64(st, 5, reg->expires) != SQLITE_OK) {
        r = ZTO_E_DB;
        goto out;
    }
    r = db_step_done(st);
out:
    db_finish(db, st);
    return r;
}

/* Prepare a lookup of the live row of guid; returns ZTO_OK with *st on
 * the row, ZTO_E_NOT_FOUND, or ZTO_E_DB. */
static zto_err_t
select_live(struct zto_db *db, const char *sql, const struct zto_guid *guid,
            int64_t now, sqlite3_stmt **st)
{
    zto_err_t r;
    int rc;

    if ((r = db_prepare(db, sql, st)) != ZTO_OK)
        return r;
    if ((r = bind_blob(*st, 1, guid->b, ZTO_GUID_LEN)) != ZTO_OK)
        return r;
    if (sqlite3_bind_int64(*st, 2, now) != SQLITE_OK)
        return ZTO_E_DB;
    rc = sqlite3_step(*st);
    if (rc == SQLITE_DONE)
        return ZTO_E_NOT_FOUND;
    return rc == SQLITE_ROW ? ZTO_OK : ZTO_E_DB;
}

zto_err_t
zto_db_rv_owner(struct zto_db *db, const struct zto_guid *guid, int64_t now,
                uint8_t hash[ZTO_DB_RV_OWNER_HASH_LEN], int64_t *expires)
{
    sqlite3_stmt *st = NULL;
    uint8_t h[ZTO_DB_RV_OWNER_HASH_LEN];
    size_t n = 0;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = select_live(db,
                         "SELECT owner_key_hash, expires FROM rv_registrations"
                         " WHERE guid = ? AND expires > ?",
                         guid, now, &st)) != ZTO_OK)
        goto out;
    if ((r = db_column_blob(st, 0, h, sizeof(h), &n)) != ZTO_OK)
        goto out;
    if (n != sizeof(h)) {
        r = ZTO_E_CORRUPT;
        goto out;
    }
    if (hash != NULL)
        memcpy(hash, h, sizeof(h));
    if (expires != NULL)
        *expires = sqlite3_column_int64(st, 1);
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_rv_get(struct zto_db *db, const struct zto_guid *guid, int64_t now,
              uint8_t *to1d, size_t to1d_cap, size_t *to1d_len,
              uint8_t *device_key, size_t dk_cap, size_t *dk_len,
              int64_t *expires)
{
    sqlite3_stmt *st = NULL;
    size_t tn = 0, dn = 0;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = select_live(db,
                         "SELECT to1d, device_key, expires"
                         " FROM rv_registrations"
                         " WHERE guid = ? AND expires > ?",
                         guid, now, &st)) != ZTO_OK)
        goto out;
    if (to1d != NULL &&
        (r = db_column_blob(st, 0, to1d, to1d_cap, &tn)) != ZTO_OK)
        goto out;
    if (device_key != NULL &&
        (r = db_column_blob(st, 1, device_key, dk_cap, &dn)) != ZTO_OK)
        goto out;
    if (to1d_len != NULL)
        *to1d_len = tn;
    if (dk_len != NULL)
        *dk_len = dn;
    if (expires != NULL)
        *expires = sqlite3_column_int64(st, 2);
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_rv_del(struct zto_db *db, const struct zto_guid *guid)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db, "DELETE FROM rv_registrations WHERE guid = ?",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_blob(st, 1, guid->b, ZTO_GUID_LEN)) == ZTO_OK)
        r = db_step_done(st);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_rv_purge(struct zto_db *db, int64_t now, int *n)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db, "DELETE FROM rv_registrations WHERE expires <= ?",
                        &st)) != ZTO_OK)
        return r;
    r = sqlite3_bind_int64(st, 1, now) == SQLITE_OK ? db_step_done(st)
                                                    : ZTO_E_DB;
    if (r == ZTO_OK && n != NULL)
        *n = sqlite3_changes(db->h);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_rv_count(struct zto_db *db, int64_t now, int *stored, int *live)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        "SELECT count(*), coalesce(sum(expires > ?), 0)"
                        " FROM rv_registrations",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        r = ZTO_E_DB;
        goto out;
    }
    if (stored != NULL)
        *stored = sqlite3_column_int(st, 0);
    if (live != NULL)
        *live = sqlite3_column_int(st, 1);
out:
    db_finish(db, st);
    return r;
}
