/*
 * zto_db_admin.h - what the admin API (server/zto_admin.h) reads and
 * writes beyond the protocol tables: health, listings with paging, and
 * the operator's own records. One section per role; each role's
 * functions need a database opened with that role.
 */
#ifndef ZTO_DB_ADMIN_H
#define ZTO_DB_ADMIN_H

#include <stdbool.h>

#include "zto/zto_db.h"
#include "zto/zto_db_mfg.h"
#include "zto/zto_db_rv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ZTO_OK if the database answers a trivial query (for /health). */
ZTO_MUST_CHECK zto_err_t zto_db_check(struct zto_db *db);

/* ---- Manufacturer (db_mfg_admin.c; schema 003_extensions.sql) ---------- */

#define ZTO_DB_KEY_HASH_LEN 32

/* A device made by DI, and where its voucher went. */
struct zto_db_mfg_device {
    struct zto_db_mfg_row row;
    bool extended; /* handed to a first owner through the admin API */
    uint8_t owner_key[ZTO_DB_KEY_HASH_LEN]; /* SHA-256 of its DER SPKI */
    int64_t first_extended;
    int64_t last_extended;
    int64_t extensions; /* times extended (to that key) */
};

/* One device. ZTO_E_NOT_FOUND if there is no voucher for guid. */
ZTO_MUST_CHECK zto_err_t zto_db_mfg_device_get(struct zto_db *db,
                                               const struct zto_guid *guid,
                                               struct zto_db_mfg_device *out);
/*
 * Devices made at or after `since` (Unix seconds), oldest first, skipping
 * `offset` and at most `limit` of them; *total (may be NULL) gets the
 * number made since then. A non-OK return from fn stops the walk and is
 * returned.
 */
ZTO_MUST_CHECK zto_err_t zto_db_mfg_device_page(
    struct zto_db *db, int64_t since, int64_t offset, int64_t limit,
    zto_err_t (*fn)(void *ctx, const struct zto_db_mfg_device *d), void *ctx,
    int64_t *total);
/*
 * Record that guid's voucher was extended to the owner key with hash
 * `key` at `now`: the first time inserts, the same key again counts, a
 * different key replaces the record (the caller has decided to allow
 * that).
 */
ZTO_MUST_CHECK zto_err_t zto_db_mfg_extension_put(
    struct zto_db *db, const struct zto_guid *guid,
    const uint8_t key[ZTO_DB_KEY_HASH_LEN], int64_t now);

/* ---- Rendezvous (db_rv_admin.c; schema 003_trust.sql) ------------------ */

/* A registration as the admin API shows it: no key or blob in full. */
struct zto_db_rv_reg_info {
    struct zto_guid guid;
    uint8_t owner_key_hash[ZTO_DB_RV_OWNER_HASH_LEN];
    uint8_t device_key_hash[ZTO_DB_KEY_HASH_LEN]; /* SHA-256 of its SPKI */
    size_t to1d_len;
    int64_t expires;
};

/* The live registration of guid at `now` (ZTO_E_NOT_FOUND if none). */
ZTO_MUST_CHECK zto_err_t zto_db_rv_reg_info(struct zto_db *db,
                                            const struct zto_guid *guid,
                                            int64_t now,
                                            struct zto_db_rv_reg_info *out);
/* Registrations live at `now`, soonest expiry first, paged as
 * zto_db_mfg_device_page(); *total (may be NULL) counts all live ones. */
ZTO_MUST_CHECK zto_err_t zto_db_rv_reg_page(
    struct zto_db *db, int64_t now, int64_t offset, int64_t limit,
    zto_err_t (*fn)(void *ctx, const struct zto_db_rv_reg_info *r), void *ctx,
    int64_t *total);

#define ZTO_DB_RV_NOTE_MAX 255

/* A trust-list entry added through the admin API. */
struct zto_db_rv_trust {
    int list; /* enum zto_rv_trust_list: owner or manufacturer keys */
    uint8_t key_hash[ZTO_DB_KEY_HASH_LEN];
    struct zto_bytes spki; /* valid during the callback only */
    int64_t added;
    char note[ZTO_DB_RV_NOTE_MAX + 1];
};

/* Add an entry. ZTO_E_EXISTS if that key is already in that list. */
ZTO_MUST_CHECK zto_err_t zto_db_rv_trust_add(struct zto_db *db, int list,
                                             const uint8_t *key_hash,
                                             const uint8_t *spki, size_t len,
                                             int64_t added, const char *note);
/* Remove an entry. ZTO_E_NOT_FOUND if there is none. */
ZTO_MUST_CHECK zto_err_t zto_db_rv_trust_del(struct zto_db *db, int list,
                                             const uint8_t *key_hash);
/* Every entry (list -1: of both lists), oldest first. */
ZTO_MUST_CHECK zto_err_t zto_db_rv_trust_list(
    struct zto_db *db, int list,
    zto_err_t (*fn)(void *ctx, const struct zto_db_rv_trust *t), void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_DB_ADMIN_H */
