/*
 * zto_db_rv.h - the rendezvous server's registrations (FDO 1.1 sections
 * 4.2, 4.3; schema db/schema/rendezvous/002_registrations.sql).
 *
 * One row per device GUID with the to1d blob, the device's public key, a
 * hash of the owner key that registered it and the expiry. A row whose
 * expiry has passed is invisible to every lookup here, whether or not the
 * purge has removed it yet.
 */
#ifndef ZTO_DB_RV_H
#define ZTO_DB_RV_H

#include "zto/zto_db.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZTO_DB_RV_OWNER_HASH_LEN 32

struct zto_db_rv_reg {
    struct zto_guid guid;
    struct zto_bytes to1d;       /* tagged COSE_Sign1 as received */
    struct zto_bytes device_key; /* DER SubjectPublicKeyInfo */
    uint8_t owner_key_hash[ZTO_DB_RV_OWNER_HASH_LEN];
    int64_t expires; /* Unix seconds */
};

/* Insert, or replace the row of the same GUID. */
ZTO_MUST_CHECK zto_err_t zto_db_rv_put(struct zto_db *db,
                                       const struct zto_db_rv_reg *reg);

/* Owner key hash and expiry of the live registration of guid
 * (ZTO_E_NOT_FOUND if none is live at `now`). Either output may be NULL. */
ZTO_MUST_CHECK zto_err_t zto_db_rv_owner(struct zto_db *db,
                                         const struct zto_guid *guid,
                                         int64_t now,
                                         uint8_t hash[ZTO_DB_RV_OWNER_HASH_LEN],
                                         int64_t *expires);

/*
 * The live registration of guid: to1d and device key copied into the
 * caller's buffers (either may be NULL with cap 0 to skip it).
 * ZTO_E_NOT_FOUND if none is live at `now`; ZTO_E_BUF_TOO_SMALL if a
 * buffer is too small (nothing usable is returned then).
 */
ZTO_MUST_CHECK zto_err_t zto_db_rv_get(struct zto_db *db,
                                       const struct zto_guid *guid, int64_t now,
                                       uint8_t *to1d, size_t to1d_cap,
                                       size_t *to1d_len, uint8_t *device_key,
                                       size_t dk_cap, size_t *dk_len,
                                       int64_t *expires);

/* Remove guid's row (ZTO_OK also when there is none). */
ZTO_MUST_CHECK zto_err_t zto_db_rv_del(struct zto_db *db,
                                       const struct zto_guid *guid);

/* Delete registrations expired at `now`; *n (may be NULL) gets the count. */
ZTO_MUST_CHECK zto_err_t zto_db_rv_purge(struct zto_db *db, int64_t now,
                                         int *n);

/* Rows stored (live or not yet purged) and rows live at `now`. */
ZTO_MUST_CHECK zto_err_t zto_db_rv_count(struct zto_db *db, int64_t now,
                                         int *stored, int *live);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_DB_RV_H */
