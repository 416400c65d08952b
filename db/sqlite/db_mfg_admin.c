/*
 * db_mfg_admin.c - the manufacturer's admin queries (SQLite): device
 * listings with their extension record, and that record.
 */
#include <string.h>

#include "db_int.h"
#include "zto/zto_db_admin.h"

#define DEVICE_COLUMNS                                                         \
    "SELECT v.guid, v.serial, v.device_info, v.created, length(v.voucher), "   \
    "e.owner_key, e.first_at, e.last_at, e.count "                             \
    "FROM vouchers v LEFT JOIN extensions e ON e.guid = v.guid "

static void
column_text(sqlite3_stmt *st, int col, char *out)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);

    if (t == NULL || n < 0)
        n = 0;
    if (n > ZTO_DB_MFG_TEXT_MAX)
        n = ZTO_DB_MFG_TEXT_MAX;
    if (n > 0)
        memcpy(out, t, (size_t)n);
    out[n] = '\0';
}

static zto_err_t
device_row(sqlite3_stmt *st, struct zto_db_mfg_device *d)
{
    memset(d, 0, sizeof(*d));
    if (sqlite3_column_bytes(st, 0) != ZTO_GUID_LEN)
        return ZTO_E_CORRUPT;
    memcpy(d->row.guid.b, sqlite3_column_blob(st, 0), ZTO_GUID_LEN);
    column_text(st, 1, d->row.serial);
    column_text(st, 2, d->row.device_info);
    d->row.created = sqlite3_column_int64(st, 3);
    d->row.voucher_len = (size_t)sqlite3_column_int64(st, 4);
    if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
        if (sqlite3_column_bytes(st, 5) != ZTO_DB_KEY_HASH_LEN)
            return ZTO_E_CORRUPT;
        d->extended = true;
        memcpy(d->owner_key, sqlite3_column_blob(st, 5), ZTO_DB_KEY_HASH_LEN);
        d->first_extended = sqlite3_column_int64(st, 6);
        d->last_extended = sqlite3_column_int64(st, 7);
        d->extensions = sqlite3_column_int64(st, 8);
    }
    return ZTO_OK;
}

zto_err_t
zto_db_mfg_device_get(struct zto_db *db, const struct zto_guid *guid,
                      struct zto_db_mfg_device *out)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_mfg_device d;
    zto_err_t r;
    int rc;

    if (db->role != ZTO_DB_MANUFACTURER)
        return ZTO_E_ARG;
    if ((r = db_prepare(db, DEVICE_COLUMNS "WHERE v.guid = ?", &st)) !=
        ZTO_OK)
        return r;
    if (sqlite3_bind_blob(st, 1, guid->b, ZTO_GUID_LEN, SQLITE_STATIC) !=
        SQLITE_OK) {
        r = ZTO_E_DB;
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        r = ZTO_E_NOT_FOUND;
    else if (rc != SQLITE_ROW)
        r = ZTO_E_DB;
    else if ((r = device_row(st, &d)) == ZTO_OK)
        *out = d;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_mfg_device_page(struct zto_db *db, int64_t since, int64_t offset,
                       int64_t limit,
                       zto_err_t (*fn)(void *ctx,
                                       const struct zto_db_mfg_device *d),
                       void *ctx, int64_t *total)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_mfg_device d;
    zto_err_t r;
    int rc;

    if (db->role != ZTO_DB_MANUFACTURER || offset < 0 || limit < 0)
        return ZTO_E_ARG;
    if (total != NULL) {
        if ((r = db_prepare(db,
                            "SELECT count(*) FROM vouchers WHERE created >= ?",
                            &st)) != ZTO_OK)
            return r;
        if (sqlite3_bind_int64(st, 1, since) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW) {
            db_finish(db, st);
            return ZTO_E_DB;
        }
        *total = sqlite3_column_int64(st, 0);
        db_finish(db, st);
        st = NULL;
    }
    if ((r = db_prepare(db,
                        DEVICE_COLUMNS "WHERE v.created >= ? "
                                       "ORDER BY v.created, v.rowid "
                                       "LIMIT ? OFFSET ?",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_int64(st, 1, since) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, limit) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, offset) != SQLITE_OK) {
        r = ZTO_E_DB;
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((r = device_row(st, &d)) != ZTO_OK || (r = fn(ctx, &d)) != ZTO_OK)
            goto out;
    }
    r = rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_mfg_extension_put(struct zto_db *db, const struct zto_guid *guid,
                         const uint8_t key[ZTO_DB_KEY_HASH_LEN], int64_t now)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if (db->role != ZTO_DB_MANUFACTURER)
        return ZTO_E_ARG;
    /* Same key: count it; another key: start over with that one. */
    if ((r = db_prepare(
             db,
             "INSERT INTO extensions(guid, owner_key, first_at, last_at, "
             "count) VALUES (?1, ?2, ?3, ?3, 1) "
             "ON CONFLICT(guid) DO UPDATE SET "
             "first_at = CASE WHEN owner_key = ?2 THEN first_at ELSE ?3 END, "
             "count = CASE WHEN owner_key = ?2 THEN count + 1 ELSE 1 END, "
             "owner_key = ?2, last_at = ?3",
             &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_blob(st, 1, guid->b, ZTO_GUID_LEN, SQLITE_STATIC) !=
            SQLITE_OK ||
        sqlite3_bind_blob(st, 2, key, ZTO_DB_KEY_HASH_LEN, SQLITE_STATIC) !=
            SQLITE_OK ||
        sqlite3_bind_int64(st, 3, now) != SQLITE_OK)
        r = ZTO_E_DB;
    else
        r = db_step_done(st);
    db_finish(db, st);
    return r;
}
