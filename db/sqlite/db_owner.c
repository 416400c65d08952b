/*
 * db_owner.c - the owner's vouchers, TO0 state, ServiceInfo plan and
 * delivered certificates on SQLite (zto_db_owner.h).
 */
#include <stdio.h>
#include <string.h>

#include "db_int.h"
#include "zto/zto_crypto.h"
#include "zto/zto_db_owner.h"
#include "zto/zto_util.h"

static zto_err_t
check_role(struct zto_db *db)
{
    return db != NULL && db->role == ZTO_DB_OWNER ? ZTO_OK : ZTO_E_ARG;
}

static zto_err_t
bind_blob(sqlite3_stmt *st, int col, const void *p, size_t n)
{
    if (n > INT32_MAX)
        return ZTO_E_TOO_BIG;
    return sqlite3_bind_blob(st, col, n > 0 ? p : "", (int)n,
                             SQLITE_TRANSIENT) == SQLITE_OK
               ? ZTO_OK
               : ZTO_E_DB;
}

static zto_err_t
bind_text(sqlite3_stmt *st, int col, const char *s)
{
    return sqlite3_bind_text(st, col, s != NULL ? s : "", -1,
                             SQLITE_TRANSIENT) == SQLITE_OK
               ? ZTO_OK
               : ZTO_E_DB;
}

static zto_err_t
bind_i64(sqlite3_stmt *st, int col, int64_t v)
{
    return sqlite3_bind_int64(st, col, v) == SQLITE_OK ? ZTO_OK : ZTO_E_DB;
}

/* Copy a text column, cut to fit (always NUL-terminated). */
static void
col_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

static bool
col_guid(sqlite3_stmt *st, int col, struct zto_guid *g)
{
    const void *p = sqlite3_column_blob(st, col);

    if (p == NULL || sqlite3_column_bytes(st, col) != ZTO_GUID_LEN)
        return false;
    memcpy(g->b, p, ZTO_GUID_LEN);
    return true;
}

/* One statement that changes exactly one row. */
static zto_err_t
step_one(struct zto_db *db, sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_DONE)
        return ZTO_E_DB;
    return sqlite3_changes(db->h) == 1 ? ZTO_OK : ZTO_E_NOT_FOUND;
}

#define OV_COLS                                                                \
    "id, guid, voucher, state, device_info, owner_key, grp, orig_guid, "       \
    "prev_guid, imported_at, onboarded_at, fail_at, onboard_count, reused, "   \
    "fail_reason"

/* Fill row from a statement positioned on an OV_COLS row; the voucher
 * views SQLite's memory (valid until the next step/finalize). */
static zto_err_t
read_row(sqlite3_stmt *st, struct zto_db_ov *row)
{
    int n;

    memset(row, 0, sizeof(*row));
    row->id = sqlite3_column_int64(st, 0);
    if (!col_guid(st, 1, &row->guid) || !col_guid(st, 7, &row->orig_guid))
        return ZTO_E_CORRUPT;
    n = sqlite3_column_bytes(st, 2);
    row->voucher = ZTO_BYTES(sqlite3_column_blob(st, 2), (size_t)n);
    row->state = sqlite3_column_int(st, 3);
    col_text(st, 4, row->device_info, sizeof(row->device_info));
    col_text(st, 5, row->owner_key, sizeof(row->owner_key));
    col_text(st, 6, row->grp, sizeof(row->grp));
    row->has_prev = col_guid(st, 8, &row->prev_guid);
    row->imported_at = sqlite3_column_int64(st, 9);
    row->onboarded_at = sqlite3_column_int64(st, 10);
    row->fail_at = sqlite3_column_int64(st, 11);
    row->onboard_count = sqlite3_column_int64(st, 12);
    row->reused = sqlite3_column_int(st, 13) != 0;
    col_text(st, 14, row->fail_reason, sizeof(row->fail_reason));
    return ZTO_OK;
}

zto_err_t
zto_db_owner_ov_add(struct zto_db *db, const struct zto_guid *guid,
                    const uint8_t *voucher, size_t len, const char *device_info,
                    const char *owner_key, int64_t now)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;
    int rc;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if (guid == NULL || voucher == NULL || len == 0)
        return ZTO_E_ARG;
    if ((r = db_prepare(db,
                        "INSERT INTO vouchers(guid, voucher, device_info, "
                        "owner_key, orig_guid, imported_at) "
                        "VALUES (?,?,?,?,?,?)",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_blob(st, 1, guid->b, ZTO_GUID_LEN)) != ZTO_OK ||
        (r = bind_blob(st, 2, voucher, len)) != ZTO_OK ||
        (r = bind_text(st, 3, device_info)) != ZTO_OK ||
        (r = bind_text(st, 4, owner_key)) != ZTO_OK ||
        (r = bind_blob(st, 5, guid->b, ZTO_GUID_LEN)) != ZTO_OK ||
        (r = bind_i64(st, 6, now)) != ZTO_OK)
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        r = ZTO_E_EXISTS;
    else
        r = rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

/* The same columns for the voucher a TO2 replaced: its GUID and voucher
 * in place of the current ones. */
#define OV_PREV_COLS                                                           \
    "id, prev_guid, prev_voucher, state, device_info, owner_key, grp, "        \
    "orig_guid, prev_guid, imported_at, onboarded_at, fail_at, "               \
    "onboard_count, reused, fail_reason"

/* One row by a query on one GUID parameter. */
static zto_err_t
ov_get_sql(struct zto_db *db, const char *sql, const struct zto_guid *guid,
           uint8_t *buf, size_t cap, struct zto_db_ov *row)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_ov tmp;
    zto_err_t r;
    int rc;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db, sql, &st)) != ZTO_OK)
        return r;
    if ((r = bind_blob(st, 1, guid->b, ZTO_GUID_LEN)) != ZTO_OK)
        goto out;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        r = rc == SQLITE_DONE ? ZTO_E_NOT_FOUND : ZTO_E_DB;
        goto out;
    }
    if ((r = read_row(st, &tmp)) != ZTO_OK)
        goto out;
    if (tmp.voucher.len > cap) {
        row->voucher.len = tmp.voucher.len;
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    if (tmp.voucher.len > 0)
        memcpy(buf, tmp.voucher.p, tmp.voucher.len);
    tmp.voucher = ZTO_BYTES(buf, tmp.voucher.len);
    *row = tmp;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_ov_get(struct zto_db *db, const struct zto_guid *guid,
                    uint8_t *buf, size_t cap, struct zto_db_ov *row)
{
    return ov_get_sql(db, "SELECT " OV_COLS " FROM vouchers WHERE guid = ?",
                      guid, buf, cap, row);
}

/* A replaced voucher is served only while its row is onboarded (not
 * handed on) and no other row holds that GUID as its current one. */
#define PREV_WHERE                                                             \
    "prev_guid = ?1 AND prev_voucher IS NOT NULL AND state = 1 AND "           \
    "NOT EXISTS (SELECT 1 FROM vouchers c WHERE c.guid = ?1)"

zto_err_t
zto_db_owner_ov_get_prev(struct zto_db *db, const struct zto_guid *guid,
                         uint8_t *buf, size_t cap, struct zto_db_ov *row)
{
    return ov_get_sql(db,
                      "SELECT " OV_PREV_COLS " FROM vouchers WHERE " PREV_WHERE
                      " ORDER BY onboarded_at DESC LIMIT 1",
                      guid, buf, cap, row);
}

/* Add ev to hook_events (inside the caller's transaction); the serial
 * is that of svi_certs row ev->cert_row, if there is one. */
static zto_err_t
hook_add(struct zto_db *db, const struct zto_db_hook_ev *ev)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = db_prepare(db,
                        "INSERT INTO hook_events(guid, new_guid, reused, at, "
                        "serial, next_at) VALUES (?1, ?2, ?3, ?4, "
                        "COALESCE((SELECT serial FROM svi_certs WHERE "
                        "id = ?5), ''), 0)",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_blob(st, 1, ev->guid.b, ZTO_GUID_LEN)) == ZTO_OK &&
        (r = bind_blob(st, 2, ev->new_guid.b, ZTO_GUID_LEN)) == ZTO_OK &&
        (r = bind_i64(st, 3, ev->reused ? 1 : 0)) == ZTO_OK &&
        (r = bind_i64(st, 4, ev->at)) == ZTO_OK &&
        (r = bind_i64(st, 5, ev->cert_row)) == ZTO_OK)
        r = step_one(db, st);
    db_finish(db, st);
    return r == ZTO_E_NOT_FOUND ? ZTO_E_DB : r;
}

/* SHA-256 of the voucher stored for guid (the current one, or with
 * prev the one a TO2 replaced) equals hash? */
static zto_err_t
voucher_unchanged(struct zto_db *db, const struct zto_guid *guid,
                  const uint8_t hash[32], bool prev)
{
    sqlite3_stmt *st = NULL;
    struct zto_hash_buf h;
    zto_err_t r;
    int rc;

    if ((r = db_prepare(
             db,
             prev ? "SELECT prev_voucher FROM vouchers WHERE " PREV_WHERE
                    " ORDER BY onboarded_at DESC LIMIT 1"
                  : "SELECT voucher FROM vouchers WHERE guid = ?1",
             &st)) != ZTO_OK)
        return r;
    if ((r = bind_blob(st, 1, guid->b, ZTO_GUID_LEN)) != ZTO_OK)
        goto out;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        r = rc == SQLITE_DONE ? ZTO_E_NOT_FOUND : ZTO_E_DB;
        goto out;
    }
    if ((r = zto_hash(ZTO_HASH_SHA256, sqlite3_column_blob(st, 0),
                      (size_t)sqlite3_column_bytes(st, 0), &h)) != ZTO_OK)
        goto out;
    r = h.len == 32 && zto_ct_equal(h.value, hash, 32) ? ZTO_OK : ZTO_E_STATE;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_ov_replace(struct zto_db *db, const struct zto_guid *old_guid,
                        const uint8_t old_hash[32],
                        const struct zto_guid *new_guid,
                        const uint8_t *new_voucher, size_t new_len, int64_t now,
                        const char *session, const struct zto_db_hook_ev *ev)
{
    sqlite3_stmt *st = NULL;
    bool prev = false;
    zto_err_t r;
    int rc;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if (new_voucher == NULL || new_len == 0)
        return ZTO_E_ARG;
    if ((r = zto_db_begin(db)) != ZTO_OK)
        return r;
    /* Either the current voucher, or (a device that did not get the
     * Done2 of its last TO2 and ran it again) the one that TO2 replaced,
     * which stays kept: the device may miss this Done2 as well. */
    r = voucher_unchanged(db, old_guid, old_hash, false);
    if (r == ZTO_E_NOT_FOUND &&
        (r = voucher_unchanged(db, old_guid, old_hash, true)) == ZTO_OK)
        prev = true;
    if (r != ZTO_OK)
        goto fail;
    if ((r = db_prepare(db,
                        prev ? "DELETE FROM to0_status WHERE voucher_id IN "
                               "(SELECT id FROM vouchers WHERE " PREV_WHERE ")"
                             : "DELETE FROM to0_status WHERE voucher_id = "
                               "(SELECT id FROM vouchers WHERE guid = ?1)",
                        &st)) != ZTO_OK)
        goto fail;
    if ((r = bind_blob(st, 1, old_guid->b, ZTO_GUID_LEN)) != ZTO_OK ||
        (r = db_step_done(st)) != ZTO_OK)
        goto fail;
    db_finish(db, st);
    /* SQLite evaluates every right-hand side on the row as it was:
     * prev_guid and prev_voucher get the replaced pair. */
    if ((r = db_prepare(
             db,
             prev ? "UPDATE vouchers SET guid = ?2, voucher = ?3, "
                    "state = 1, onboarded_at = ?4, "
                    "onboard_count = onboard_count + 1, "
                    "reused = 0, fail_reason = '', fail_at = 0 "
                    "WHERE id = (SELECT id FROM vouchers WHERE " PREV_WHERE
                    " ORDER BY onboarded_at DESC LIMIT 1)"
                  : "UPDATE vouchers SET guid = ?2, voucher = ?3, "
                    "state = 1, prev_guid = guid, "
                    "prev_voucher = voucher, onboarded_at = ?4, "
                    "onboard_count = onboard_count + 1, "
                    "reused = 0, fail_reason = '', fail_at = 0 "
                    "WHERE guid = ?1",
             &st)) != ZTO_OK)
        goto fail;
    if ((r = bind_blob(st, 1, old_guid->b, ZTO_GUID_LEN)) != ZTO_OK ||
        (r = bind_blob(st, 2, new_guid->b, ZTO_GUID_LEN)) != ZTO_OK ||
        (r = bind_blob(st, 3, new_voucher, new_len)) != ZTO_OK ||
        (r = bind_i64(st, 4, now)) != ZTO_OK)
        goto fail;
    rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        r = ZTO_E_EXISTS;
        goto fail;
    }
    if (rc != SQLITE_DONE || sqlite3_changes(db->h) != 1) {
        r = ZTO_E_DB;
        goto fail;
    }
    db_finish(db, st);
    st = NULL;
    if (session != NULL && (r = zto_db_session_del(db, session)) != ZTO_OK)
        goto fail;
    if (ev != NULL && (r = hook_add(db, ev)) != ZTO_OK)
        goto fail;
    return zto_db_commit(db);
fail:
    db_finish(db, st);
    zto_db_rollback(db);
    return r;
}

zto_err_t
zto_db_owner_ov_reused(struct zto_db *db, const struct zto_guid *guid,
                       int64_t now, const struct zto_db_hook_ev *ev)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = zto_db_begin(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        "UPDATE vouchers SET state = 1, reused = 1, "
                        "onboarded_at = ?2, onboard_count = onboard_count + 1,"
                        " fail_reason = '', fail_at = 0, prev_voucher = NULL "
                        "WHERE guid = ?1",
                        &st)) != ZTO_OK)
        goto fail;
    if ((r = bind_blob(st, 1, guid->b, ZTO_GUID_LEN)) == ZTO_OK &&
        (r = bind_i64(st, 2, now)) == ZTO_OK)
        r = step_one(db, st);
    db_finish(db, st);
    st = NULL;
    if (r == ZTO_E_NOT_FOUND) {
        /* Reuse offered to a device back with the credential of before
         * its last TO2: that credential stays, so the voucher it belongs
         * to becomes the current one again. */
        if ((r = db_prepare(db,
                            "UPDATE vouchers SET guid = prev_guid, "
                            "voucher = prev_voucher, prev_guid = NULL, "
                            "prev_voucher = NULL, state = 1, reused = 1, "
                            "onboarded_at = ?2, "
                            "onboard_count = onboard_count + 1, "
                            "fail_reason = '', fail_at = 0 WHERE id = "
                            "(SELECT id FROM vouchers WHERE " PREV_WHERE
                            " ORDER BY onboarded_at DESC LIMIT 1)",
                            &st)) != ZTO_OK)
            goto fail;
        if ((r = bind_blob(st, 1, guid->b, ZTO_GUID_LEN)) == ZTO_OK &&
            (r = bind_i64(st, 2, now)) == ZTO_OK)
            r = step_one(db, st);
        db_finish(db, st);
        st = NULL;
    }
    if (r != ZTO_OK)
        goto fail;
    if (ev != NULL && (r = hook_add(db, ev)) != ZTO_OK)
        goto fail;
    return zto_db_commit(db);
fail:
    db_finish(db, st);
    zto_db_rollback(db);
    return r;
}

zto_err_t
zto_db_owner_ov_failed(struct zto_db *db, const struct zto_guid *guid,
                       const char *reason, int64_t now)
{
    sqlite3_stmt *st = NULL;
    char text[ZTO_DB_TEXT_MAX];
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    snprintf(text, sizeof(text), "%s", reason != NULL ? reason : "");
    if ((r = db_prepare(db,
                        "UPDATE vouchers SET fail_reason = ?2, fail_at = ?3 "
                        "WHERE id = (SELECT id FROM vouchers WHERE guid = ?1 "
                        "UNION ALL SELECT id FROM vouchers WHERE " PREV_WHERE
                        " LIMIT 1)",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_blob(st, 1, guid->b, ZTO_GUID_LEN)) == ZTO_OK &&
        (r = bind_text(st, 2, text)) == ZTO_OK &&
        (r = bind_i64(st, 3, now)) == ZTO_OK)
        r = step_one(db, st);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_ov_set_state(struct zto_db *db, const struct zto_guid *guid,
                          int state)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if (state < ZTO_DB_OV_IMPORTED || state > ZTO_DB_OV_EXPORTED)
        return ZTO_E_ARG;
    /* Handed on: the voucher a TO2 replaced is no longer ours to serve. */
    if ((r = db_prepare(db,
                        "UPDATE vouchers SET state = ?1, prev_voucher = "
                        "CASE WHEN ?1 = 2 THEN NULL ELSE prev_voucher END "
                        "WHERE guid = ?2",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_i64(st, 1, state)) == ZTO_OK &&
        (r = bind_blob(st, 2, guid->b, ZTO_GUID_LEN)) == ZTO_OK)
        r = step_one(db, st);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_ov_set_group(struct zto_db *db, const struct zto_guid *guid,
                          const char *grp)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if (grp == NULL || strlen(grp) >= ZTO_DB_TEXT_MAX)
        return ZTO_E_ARG;
    if ((r = db_prepare(db, "UPDATE vouchers SET grp = ? WHERE guid = ?",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_text(st, 1, grp)) == ZTO_OK &&
        (r = bind_blob(st, 2, guid->b, ZTO_GUID_LEN)) == ZTO_OK)
        r = step_one(db, st);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_ov_list(struct zto_db *db, zto_db_ov_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_ov row;
    zto_err_t r;
    int rc;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db, "SELECT " OV_COLS " FROM vouchers ORDER BY id",
                        &st)) != ZTO_OK)
        return r;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((r = read_row(st, &row)) != ZTO_OK)
            goto out;
        if (fn(ctx, &row) != 0)
            break;
    }
    r = rc == SQLITE_ROW || rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

/* ---- TO0 ---- */

static void
read_to0(sqlite3_stmt *st, struct zto_db_to0 *s)
{
    memset(s, 0, sizeof(*s));
    s->voucher_id = sqlite3_column_int64(st, 0);
    col_text(st, 1, s->rv, sizeof(s->rv));
    s->registered_until = sqlite3_column_int64(st, 2);
    s->granted = sqlite3_column_int64(st, 3);
    s->last_attempt = sqlite3_column_int64(st, 4);
    s->next_at = sqlite3_column_int64(st, 5);
    s->failures = sqlite3_column_int64(st, 6);
    s->failing_since = sqlite3_column_int64(st, 7);
    col_text(st, 8, s->last_error, sizeof(s->last_error));
}

#define TO0_COLS                                                               \
    "voucher_id, rv, registered_until, granted, last_attempt, next_at, "       \
    "failures, failing_since, last_error"

zto_err_t
zto_db_owner_to0_put(struct zto_db *db, const struct zto_db_to0 *s)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        "INSERT OR REPLACE INTO to0_status(" TO0_COLS
                        ") VALUES (?,?,?,?,?,?,?,?,?)",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_i64(st, 1, s->voucher_id)) == ZTO_OK &&
        (r = bind_text(st, 2, s->rv)) == ZTO_OK &&
        (r = bind_i64(st, 3, s->registered_until)) == ZTO_OK &&
        (r = bind_i64(st, 4, s->granted)) == ZTO_OK &&
        (r = bind_i64(st, 5, s->last_attempt)) == ZTO_OK &&
        (r = bind_i64(st, 6, s->next_at)) == ZTO_OK &&
        (r = bind_i64(st, 7, s->failures)) == ZTO_OK &&
        (r = bind_i64(st, 8, s->failing_since)) == ZTO_OK &&
        (r = bind_text(st, 9, s->last_error)) == ZTO_OK)
        r = step_one(db, st);
    db_finish(db, st);
    /* A voucher deleted meanwhile fails the foreign key. */
    return r == ZTO_E_NOT_FOUND ? ZTO_E_DB : r;
}

zto_err_t
zto_db_owner_to0_get(struct zto_db *db, int64_t voucher_id, const char *rv,
                     struct zto_db_to0 *s)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;
    int rc;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        "SELECT " TO0_COLS " FROM to0_status "
                        "WHERE voucher_id = ? AND rv = ?",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_i64(st, 1, voucher_id)) != ZTO_OK ||
        (r = bind_text(st, 2, rv)) != ZTO_OK)
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_to0(st, s);
    r = rc == SQLITE_ROW    ? ZTO_OK
        : rc == SQLITE_DONE ? ZTO_E_NOT_FOUND
                            : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_to0_list(struct zto_db *db, int64_t voucher_id, zto_db_to0_fn fn,
                      void *ctx)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_to0 s;
    zto_err_t r;
    int rc;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        "SELECT " TO0_COLS " FROM to0_status "
                        "WHERE voucher_id = ? ORDER BY rv",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_i64(st, 1, voucher_id)) != ZTO_OK)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_to0(st, &s);
        if (fn(ctx, &s) != 0)
            break;
    }
    r = rc == SQLITE_ROW || rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

/* ---- plan ---- */

static bool
scope_ok(const char *scope)
{
    return scope != NULL &&
           (strcmp(scope, "all") == 0 || strcmp(scope, "group") == 0 ||
            strcmp(scope, "guid") == 0);
}

zto_err_t
zto_db_owner_plan_add(struct zto_db *db, const char *scope, const char *target,
                      const char *kind, const uint8_t *params, size_t len,
                      bool optional, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if (!scope_ok(scope) || kind == NULL || kind[0] == '\0' ||
        strlen(kind) >= sizeof(((struct zto_db_plan_step *)0)->kind) ||
        params == NULL || len == 0 ||
        (target != NULL && strlen(target) >= ZTO_DB_TEXT_MAX))
        return ZTO_E_ARG;
    if (strcmp(scope, "all") == 0)
        target = "";
    if ((r = db_prepare(db,
                        "INSERT INTO svi_plan(scope, target, seq, kind, "
                        "params, optional) VALUES (?1, ?2, "
                        "(SELECT coalesce(max(seq), 0) + 1 FROM svi_plan "
                        "WHERE scope = ?1 AND target = ?2), ?3, ?4, ?5)",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_text(st, 1, scope)) == ZTO_OK &&
        (r = bind_text(st, 2, target)) == ZTO_OK &&
        (r = bind_text(st, 3, kind)) == ZTO_OK &&
        (r = bind_blob(st, 4, params, len)) == ZTO_OK &&
        (r = bind_i64(st, 5, optional ? 1 : 0)) == ZTO_OK)
        r = step_one(db, st);
    if (r == ZTO_OK && id != NULL)
        *id = sqlite3_last_insert_rowid(db->h);
    db_finish(db, st);
    return r == ZTO_E_NOT_FOUND ? ZTO_E_DB : r;
}

/* One statement with the row id as its only parameter. */
static zto_err_t
exec_id(struct zto_db *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db, sql, &st)) != ZTO_OK)
        return r;
    if ((r = bind_i64(st, 1, id)) == ZTO_OK)
        r = step_one(db, st);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_plan_del(struct zto_db *db, int64_t id)
{
    return exec_id(db, "DELETE FROM svi_plan WHERE id = ?", id);
}

#define PLAN_COLS "id, scope, target, seq, kind, params, optional"

static zto_err_t
plan_rows(sqlite3_stmt *st, zto_db_plan_fn fn, void *ctx)
{
    struct zto_db_plan_step s;
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&s, 0, sizeof(s));
        s.id = sqlite3_column_int64(st, 0);
        col_text(st, 1, s.scope, sizeof(s.scope));
        col_text(st, 2, s.target, sizeof(s.target));
        s.seq = sqlite3_column_int64(st, 3);
        col_text(st, 4, s.kind, sizeof(s.kind));
        s.params = ZTO_BYTES(sqlite3_column_blob(st, 5),
                             (size_t)sqlite3_column_bytes(st, 5));
        s.optional = sqlite3_column_int(st, 6) != 0;
        if (fn(ctx, &s) != 0)
            return ZTO_OK;
    }
    return rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
}

zto_err_t
zto_db_owner_plan_list(struct zto_db *db, zto_db_plan_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        "SELECT " PLAN_COLS " FROM svi_plan ORDER BY "
                        "CASE scope WHEN 'all' THEN 0 WHEN 'group' THEN 1 "
                        "ELSE 2 END, target, seq",
                        &st)) != ZTO_OK)
        return r;
    r = plan_rows(st, fn, ctx);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_plan_for(struct zto_db *db, const struct zto_guid *guid,
                      const struct zto_guid *orig, const char *grp,
                      zto_db_plan_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    char g[2 * ZTO_GUID_LEN + 1], o[2 * ZTO_GUID_LEN + 1];
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = zto_hex_encode(guid->b, ZTO_GUID_LEN, g, sizeof(g))) != ZTO_OK ||
        (r = zto_hex_encode((orig != NULL ? orig : guid)->b, ZTO_GUID_LEN, o,
                            sizeof(o))) != ZTO_OK)
        return r;
    /* A step naming both the current and the original GUID runs once. */
    if ((r = db_prepare(db,
                        "SELECT " PLAN_COLS " FROM svi_plan WHERE "
                        "scope = 'all' OR "
                        "(scope = 'group' AND ?1 != '' AND target = ?1) OR "
                        "(scope = 'guid' AND lower(target) IN (?2, ?3)) "
                        "ORDER BY CASE scope WHEN 'all' THEN 0 "
                        "WHEN 'group' THEN 1 ELSE 2 END, seq, id",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_text(st, 1, grp != NULL ? grp : "")) == ZTO_OK &&
        (r = bind_text(st, 2, g)) == ZTO_OK &&
        (r = bind_text(st, 3, o)) == ZTO_OK)
        r = plan_rows(st, fn, ctx);
    db_finish(db, st);
    return r;
}

/* ---- certificates delivered by fdo.csr ---- */

static bool
origin_ok(const char *o)
{
    return strcmp(o, "enroll") == 0 || strcmp(o, "reenroll") == 0 ||
           strcmp(o, "serverkeygen") == 0 || strcmp(o, "file") == 0;
}

zto_err_t
zto_db_owner_cert_add(struct zto_db *db, const struct zto_db_cert *c,
                      int64_t *id)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if (c == NULL || !origin_ok(c->origin) || c->cert.len == 0 ||
        c->serial[0] == '\0')
        return ZTO_E_ARG;
    if ((r = db_prepare(db,
                        "INSERT INTO svi_certs(guid, to2_guid, serial, "
                        "subject, origin, not_before, not_after, issued_at, "
                        "cert) VALUES (?,?,?,?,?,?,?,?,?)",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_blob(st, 1, c->guid.b, ZTO_GUID_LEN)) == ZTO_OK &&
        (r = bind_blob(st, 2, c->to2_guid.b, ZTO_GUID_LEN)) == ZTO_OK &&
        (r = bind_text(st, 3, c->serial)) == ZTO_OK &&
        (r = bind_text(st, 4, c->subject)) == ZTO_OK &&
        (r = bind_text(st, 5, c->origin)) == ZTO_OK &&
        (r = bind_i64(st, 6, c->not_before)) == ZTO_OK &&
        (r = bind_i64(st, 7, c->not_after)) == ZTO_OK &&
        (r = bind_i64(st, 8, c->issued_at)) == ZTO_OK &&
        (r = bind_blob(st, 9, c->cert.p, c->cert.len)) == ZTO_OK)
        r = step_one(db, st);
    if (r == ZTO_OK && id != NULL)
        *id = sqlite3_last_insert_rowid(db->h);
    db_finish(db, st);
    return r == ZTO_E_NOT_FOUND ? ZTO_E_DB : r;
}

#define CERT_COLS                                                              \
    "id, guid, to2_guid, serial, subject, origin, not_before, not_after, "     \
    "issued_at, cert"

/* A CERT_COLS row; cert views SQLite's memory. */
static zto_err_t
cert_row(sqlite3_stmt *st, struct zto_db_cert *c)
{
    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(st, 0);
    if (!col_guid(st, 1, &c->guid) || !col_guid(st, 2, &c->to2_guid))
        return ZTO_E_CORRUPT;
    col_text(st, 3, c->serial, sizeof(c->serial));
    col_text(st, 4, c->subject, sizeof(c->subject));
    col_text(st, 5, c->origin, sizeof(c->origin));
    c->not_before = sqlite3_column_int64(st, 6);
    c->not_after = sqlite3_column_int64(st, 7);
    c->issued_at = sqlite3_column_int64(st, 8);
    c->cert = ZTO_BYTES(sqlite3_column_blob(st, 9),
                        (size_t)sqlite3_column_bytes(st, 9));
    return ZTO_OK;
}

zto_err_t
zto_db_owner_cert_get(struct zto_db *db, int64_t id, uint8_t *buf, size_t cap,
                      struct zto_db_cert *row)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_cert tmp;
    zto_err_t r;
    int rc;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db, "SELECT " CERT_COLS " FROM svi_certs WHERE id = ?",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_i64(st, 1, id)) != ZTO_OK)
        goto out;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        r = rc == SQLITE_DONE ? ZTO_E_NOT_FOUND : ZTO_E_DB;
        goto out;
    }
    if ((r = cert_row(st, &tmp)) != ZTO_OK)
        goto out;
    if (tmp.cert.len > cap) {
        row->cert.len = tmp.cert.len;
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    if (tmp.cert.len > 0)
        memcpy(buf, tmp.cert.p, tmp.cert.len);
    tmp.cert = ZTO_BYTES(buf, tmp.cert.len);
    *row = tmp;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_cert_list(struct zto_db *db, const struct zto_guid *guid,
                       zto_db_cert_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_cert c;
    zto_err_t r;
    int rc;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        guid != NULL
                            ? "SELECT " CERT_COLS " FROM svi_certs WHERE "
                              "guid = ?1 OR to2_guid = ?1 ORDER BY id"
                            : "SELECT " CERT_COLS " FROM svi_certs ORDER BY id",
                        &st)) != ZTO_OK)
        return r;
    if (guid != NULL && (r = bind_blob(st, 1, guid->b, ZTO_GUID_LEN)) != ZTO_OK)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((r = cert_row(st, &c)) != ZTO_OK)
            goto out;
        if (fn(ctx, &c) != 0)
            goto out;
    }
    r = rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

/* ---- onboardings reported to onboarded_hook ---- */

zto_err_t
zto_db_owner_hook_list(struct zto_db *db, bool due, int64_t now,
                       zto_db_hook_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    struct zto_db_hook_ev ev;
    zto_err_t r;
    int rc;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        due ? "SELECT id, guid, new_guid, reused, at, serial, "
                              "attempts, next_at, failed, last_result FROM "
                              "hook_events WHERE failed = 0 AND next_at <= ?1 "
                              "ORDER BY id"
                            : "SELECT id, guid, new_guid, reused, at, serial, "
                              "attempts, next_at, failed, last_result FROM "
                              "hook_events ORDER BY id",
                        &st)) != ZTO_OK)
        return r;
    if (due && (r = bind_i64(st, 1, now)) != ZTO_OK)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&ev, 0, sizeof(ev));
        ev.id = sqlite3_column_int64(st, 0);
        if (!col_guid(st, 1, &ev.guid) || !col_guid(st, 2, &ev.new_guid)) {
            r = ZTO_E_CORRUPT;
            goto out;
        }
        ev.reused = sqlite3_column_int64(st, 3) != 0;
        ev.at = sqlite3_column_int64(st, 4);
        col_text(st, 5, ev.serial, sizeof(ev.serial));
        ev.attempts = sqlite3_column_int64(st, 6);
        ev.next_at = sqlite3_column_int64(st, 7);
        ev.failed = sqlite3_column_int64(st, 8) != 0;
        col_text(st, 9, ev.last_result, sizeof(ev.last_result));
        if (fn(ctx, &ev) != 0)
            goto out;
    }
    r = rc == SQLITE_DONE ? ZTO_OK : ZTO_E_DB;
out:
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_hook_lease(struct zto_db *db, int64_t id, int64_t now,
                        int64_t until, bool *taken)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    *taken = false;
    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        "UPDATE hook_events SET next_at = ?3 WHERE id = ?1 "
                        "AND failed = 0 AND next_at <= ?2",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_i64(st, 1, id)) == ZTO_OK &&
        (r = bind_i64(st, 2, now)) == ZTO_OK &&
        (r = bind_i64(st, 3, until)) == ZTO_OK)
        r = step_one(db, st);
    if (r == ZTO_OK)
        *taken = true;
    db_finish(db, st);
    return r == ZTO_E_NOT_FOUND ? ZTO_OK : r;
}

zto_err_t
zto_db_owner_hook_done(struct zto_db *db, int64_t id)
{
    return exec_id(db, "DELETE FROM hook_events WHERE id = ?", id);
}

zto_err_t
zto_db_owner_hook_failed(struct zto_db *db, int64_t id, int64_t attempts,
                         int64_t next_at, bool failed, const char *result)
{
    sqlite3_stmt *st = NULL;
    char text[ZTO_DB_TEXT_MAX];
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    snprintf(text, sizeof(text), "%s", result != NULL ? result : "");
    text[strcspn(text, "\r\n")] = '\0';
    if ((r = db_prepare(db,
                        "UPDATE hook_events SET attempts = ?2, next_at = ?3, "
                        "failed = ?4, last_result = ?5 WHERE id = ?1",
                        &st)) != ZTO_OK)
        return r;
    if ((r = bind_i64(st, 1, id)) == ZTO_OK &&
        (r = bind_i64(st, 2, attempts)) == ZTO_OK &&
        (r = bind_i64(st, 3, next_at)) == ZTO_OK &&
        (r = bind_i64(st, 4, failed ? 1 : 0)) == ZTO_OK &&
        (r = bind_text(st, 5, text)) == ZTO_OK)
        r = step_one(db, st);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_hook_retry(struct zto_db *db, int64_t *n)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        "UPDATE hook_events SET failed = 0, attempts = 0, "
                        "next_at = 0 WHERE failed = 1",
                        &st)) != ZTO_OK)
        return r;
    r = db_step_done(st);
    if (r == ZTO_OK && n != NULL)
        *n = sqlite3_changes(db->h);
    db_finish(db, st);
    return r;
}

zto_err_t
zto_db_owner_hook_count(struct zto_db *db, int64_t *pending, int64_t *failed)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if ((r = check_role(db)) != ZTO_OK)
        return r;
    if ((r = db_prepare(db,
                        "SELECT COALESCE(SUM(failed = 0), 0), "
                        "COALESCE(SUM(failed = 1), 0) FROM hook_events",
                        &st)) != ZTO_OK)
        return r;
    if (sqlite3_step(st) != SQLITE_ROW) {
        r = ZTO_E_DB;
        goto out;
    }
    *pending = sqlite3_column_int64(st, 0);
    *failed = sqlite3_column_int64(st, 1);
out:
    db_finish(db, st);
    return r;
}
