/*
 * db_rv_admin.c - the rendezvous server's admin queries (SQLite):
 * registrations without their keys and blobs, and the trust-list entries
 * managed through the admin API.
 */
#include <string.h>

#include "db_int.h"
#include "zto/zto_crypto.h"
#include "zto/zto_db_admin.h"

#define REG_COLUMNS                                                            \
    "SELECT guid, owner_key_hash, device_key, length(to1d), expires "          \
    "FROM rv_registrations "

static zto_err_t
reg_row(sqlite3_stmt *st, struct zto_db_rv_reg_info *r)
{
    struct zto_hash_buf h;
    const void *dk = sqlite3_column_blob(st, 2);
    int dkn = sqlite3_column_bytes(st, 2);

    memset(r, 0, sizeof(*r));
    if (sqlite3_column_bytes(st, 0) != ZTO_GUID_LEN ||
        sqlite3_column_bytes(st, 1) != ZTO_DB_RV_OWNER_HASH_LEN || dkn <= 0 ||
        dk == NULL)
        return ZTO_E_CORRUPT;
    memcpy(r->guid.b, sqlite3_column_blob(st, 0), ZTO_GUID_LEN);
    memcpy(r->owner_key_hash, sqlite3_column_blob(st, 1),
           ZTO_DB_RV_OWNER_HASH_LEN);
    if (zto_hash(ZTO_HASH_SHA256, dk, (size_t)dkn, &h) != ZTO_OK)
        return ZTO_E_CRYPTO;
    memcpy(r->device_key_hash, h.value, ZTO_DB_KEY_HASH_LEN);
    r->to1d_len = (size_t)sqlite3_column_int64(st, 3);
    r->expires = sqlite3_column_int64(st, 4);
    return ZTO_OK;
}

zto_err_t
zto_db_rv_reg_info(struct zto_db *db, const struct zto_guid *guid, int64_t now,
                   struct zto_db_rv_reg_info *out)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_rv_reg_info ri;
    zto_err_t r;
    int rc;

    if (db->role != ZTO_DB_RENDEZVOUS)
        return ZTO_E_ARG;
    if ((r = db_prepare(db, REG_COLUMNS "WHERE guid = ? AND expires > ?",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_blob(st, 1, guid->b, ZTO_GUID_LEN, SQLITE_STATIC) !=
            SQLITE_OK ||
        sqlite3_bind_int64(st, 2, now) != SQLITE_OK) {
        r = ZTO_E_DB;
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        r = ZTO_E_NOT_FOUND;
    else if (rc != SQLITE_ROW)
        r = ZTO_E_DB;
    else if ((r = reg_row(st, &ri)) == ZTO_OK)
        *out = ri;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_rv_reg_page(struct zto_db *db, int64_t now, int64_t offset,
                   int64_t limit,
                   zto_err_t (*fn)(void *ctx,
                                   const struct zto_db_rv_reg_info *r),
                   void *ctx, int64_t *total)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_rv_reg_info ri;
    zto_err_t r;
    int rc;

    if (db->role != ZTO_DB_RENDEZVOUS || offset < 0 || limit < 0)
        return ZTO_E_ARG;
    if (total != NULL) {
        if ((r = db_prepare(db,
                            "SELECT count(*) FROM rv_registrations "
                            "WHERE expires > ?",
                            &st)) != ZTO_OK)
            return r;
        if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW) {
            db_finish(db, st);
            return ZTO_E_DB;
        }
        *total = sqlite3_column_int64(st, 0);
        db_finish(db, st);
        st = NULL;
    }
    if ((r = db_prepare(db,
                        REG_COLUMNS "WHERE expires > ? "
                                    "ORDER BY expires, guid LIMIT ? OFFSET ?",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, limit) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, offset) != SQLITE_OK) {
        r = ZTO_E_DB;
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((r = reg_row(st, &ri)) != ZTO_OK || (r = fn(ctx, &ri)) != ZTO_OK)
            goto out;
    r = rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

static bool
list_ok(int list)
{
    return list == 0 || list == 1;
}

zto_err_t
zto_db_rv_trust_add(struct zto_db *db, int list, const uint8_t *key_hash,
                    const uint8_t *spki, size_t len, int64_t added,
                    const char *note)
{
    sqlite3_stmt *st = NULL;
    size_t nl = note != NULL ? strlen(note) : 0;
    zto_err_t r;
    int rc;

    if (db->role != ZTO_DB_RENDEZVOUS || !list_ok(list) || len == 0 ||
        len > 65535 || nl > ZTO_DB_RV_NOTE_MAX)
        return ZTO_E_ARG;
    if ((r = db_prepare(db,
                        "INSERT INTO rv_trust(list, key_hash, spki, added, "
                        "note) VALUES (?,?,?,?,?)",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_int(st, 1, list) != SQLITE_OK ||
        sqlite3_bind_blob(st, 2, key_hash, ZTO_DB_KEY_HASH_LEN,
                          SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_blob(st, 3, spki, (int)len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 4, added) != SQLITE_OK ||
        sqlite3_bind_text(st, 5, nl > 0 ? note : "", (int)nl, SQLITE_STATIC) !=
            SQLITE_OK) {
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
zto_db_rv_trust_del(struct zto_db *db, int list, const uint8_t *key_hash)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if (db->role != ZTO_DB_RENDEZVOUS || !list_ok(list))
        return ZTO_E_ARG;
    if ((r = db_prepare(db,
                        "DELETE FROM rv_trust WHERE list = ? AND key_hash = ?",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_int(st, 1, list) != SQLITE_OK ||
        sqlite3_bind_blob(st, 2, key_hash, ZTO_DB_KEY_HASH_LEN,
                          SQLITE_STATIC) != SQLITE_OK)
        r = ZTO_E_DB;
    else if ((r = db_step_done(st)) == ZTO_OK && sqlite3_changes(db->h) == 0)
        r = ZTO_E_NOT_FOUND;
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_rv_trust_list(struct zto_db *db, int list,
                     zto_err_t (*fn)(void *ctx,
                                     const struct zto_db_rv_trust *t),
                     void *ctx)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_rv_trust t;
    zto_err_t r;
    int rc;

    if (db->role != ZTO_DB_RENDEZVOUS || (list != -1 && !list_ok(list)))
        return ZTO_E_ARG;
    if ((r = db_prepare(db,
                        "SELECT list, key_hash, spki, added, note FROM "
                        "rv_trust WHERE ?1 = -1 OR list = ?1 "
                        "ORDER BY added, rowid",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_bind_int(st, 1, list) != SQLITE_OK) {
        r = ZTO_E_DB;
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *note = sqlite3_column_text(st, 4);
        int nn = sqlite3_column_bytes(st, 4);

        memset(&t, 0, sizeof(t));
        t.list = sqlite3_column_int(st, 0);
        if (sqlite3_column_bytes(st, 1) != ZTO_DB_KEY_HASH_LEN ||
            sqlite3_column_bytes(st, 2) <= 0) {
            r = ZTO_E_CORRUPT;
            goto out;
        }
        memcpy(t.key_hash, sqlite3_column_blob(st, 1), ZTO_DB_KEY_HASH_LEN);
        t.spki = ZTO_BYTES(sqlite3_column_blob(st, 2),
                           (size_t)sqlite3_column_bytes(st, 2));
        t.added = sqlite3_column_int64(st, 3);
        if (note != NULL && nn > 0) {
            if (nn > ZTO_DB_RV_NOTE_MAX)
                nn = ZTO_DB_RV_NOTE_MAX;
            memcpy(t.note, note, (size_t)nn);
        }
        if ((r = fn(ctx, &t)) != ZTO_OK)
            goto out;
    }
    r = rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}
