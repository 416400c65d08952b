/*
 * db_mfg.c - the manufacturer's voucher table (SQLite).
 */
#include <string.h>

#include "db_int.h"
#include "zto/zto_db_mfg.h"

zto_err_t
zto_db_mfg_voucher_put(struct zto_db *db, const struct zto_guid *guid,
                       const char *serial, size_t serial_len,
                       const char *device_info, size_t device_info_len,
                       const uint8_t *voucher, size_t len, int64_t created)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;
    int rc;

    if (db->role != ZTO_DB_MANUFACTURER)
        return ZTO_E_ARG;
    if (len == 0 || len > INT32_MAX || serial_len > ZTO_DB_MFG_TEXT_MAX ||
        device_info_len > ZTO_DB_MFG_TEXT_MAX)
        return ZTO_E_TOO_BIG;
    if ((r = db_prepare(db,
                        "INSERT INTO vouchers(guid, serial, device_info, "
                        "voucher, created) VALUES (?,?,?,?,?)",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_blob(st, 1, guid->b, ZTO_GUID_LEN, SQLITE_STATIC) !=
            SQLITE_OK ||
        sqlite3_bind_text(st, 2, serial, (int)serial_len, SQLITE_STATIC) !=
            SQLITE_OK ||
        sqlite3_bind_text(st, 3, device_info, (int)device_info_len,
                          SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_blob(st, 4, voucher, (int)len, SQLITE_STATIC) !=
            SQLITE_OK ||
        sqlite3_bind_int64(st, 5, created) != SQLITE_OK) {
        r = ZTO_E_DB;
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        r = ZTO_OK;
    else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        r = ZTO_E_EXISTS;
    else
        r = ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_mfg_voucher_get(struct zto_db *db, const struct zto_guid *guid,
                       uint8_t *buf, size_t cap, size_t *len)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;
    int rc;

    if ((r = db_prepare(db, "SELECT voucher FROM vouchers WHERE guid = ?",
                        &st)) != ZTO_OK)
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
    else
        r = db_column_blob(st, 0, buf, cap, len);
out:
    db_finish(db, st);
    return r;
}

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

zto_err_t
zto_db_mfg_voucher_list(struct zto_db *db,
                        zto_err_t (*fn)(void *ctx,
                                        const struct zto_db_mfg_row *row),
                        void *ctx)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_mfg_row row;
    zto_err_t r;
    int rc;

    if ((r = db_prepare(db,
                        "SELECT guid, serial, device_info, created, "
                        "length(voucher) FROM vouchers "
                        "ORDER BY created, rowid",
                        &st)) != ZTO_OK)
        return r;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&row, 0, sizeof(row));
        if (sqlite3_column_bytes(st, 0) != ZTO_GUID_LEN) {
            r = ZTO_E_CORRUPT;
            goto out;
        }
        memcpy(row.guid.b, sqlite3_column_blob(st, 0), ZTO_GUID_LEN);
        column_text(st, 1, row.serial);
        column_text(st, 2, row.device_info);
        row.created = sqlite3_column_int64(st, 3);
        row.voucher_len = (size_t)sqlite3_column_int64(st, 4);
        if ((r = fn(ctx, &row)) != ZTO_OK)
            goto out;
    }
    r = rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_mfg_voucher_count(struct zto_db *db, int64_t *n)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = db_prepare(db, "SELECT count(*) FROM vouchers", &st)) != ZTO_OK)
        return r;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        r = ZTO_OK;
    } else {
        r = ZTO_E_DB;
    }
    db_finish(db, st);
    return r;
}

int64_t
zto_db_mfg_changes(struct zto_db *db)
{
    return sqlite3_total_changes64(db->h);
}
