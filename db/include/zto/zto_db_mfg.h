/*
 * zto_db_mfg.h - the manufacturer's tables (on top of zto_db.h): the
 * ownership vouchers DI produced. Open the database with role
 * ZTO_DB_MANUFACTURER.
 *
 * The DI handler inserts a voucher and deletes the DI session inside one
 * transaction (zto_db_begin() ... zto_db_commit()) and answers DI.Done
 * only after the commit.
 */
#ifndef ZTO_DB_MFG_H
#define ZTO_DB_MFG_H

#include "zto/zto_db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest serial number / DeviceInfo stored (DeviceMfgInfo strings). */
#define ZTO_DB_MFG_TEXT_MAX 255

/* Insert a voucher. ZTO_E_EXISTS when the GUID is already present. */
ZTO_MUST_CHECK zto_err_t zto_db_mfg_voucher_put(
    struct zto_db *db, const struct zto_guid *guid, const char *serial,
    size_t serial_len, const char *device_info, size_t device_info_len,
    const uint8_t *voucher, size_t len, int64_t created);

/* The voucher CBOR for a GUID. ZTO_E_NOT_FOUND if none; when cap is too
 * small ZTO_E_BUF_TOO_SMALL with *len set to the size needed. */
ZTO_MUST_CHECK zto_err_t zto_db_mfg_voucher_get(struct zto_db *db,
                                                const struct zto_guid *guid,
                                                uint8_t *buf, size_t cap,
                                                size_t *len);

/* One row of the listing (strings NUL-terminated, cut at
 * ZTO_DB_MFG_TEXT_MAX). */
struct zto_db_mfg_row {
    struct zto_guid guid;
    char serial[ZTO_DB_MFG_TEXT_MAX + 1];
    char device_info[ZTO_DB_MFG_TEXT_MAX + 1];
    int64_t created;
    size_t voucher_len;
};

/* Call fn for every voucher, oldest first; a non-OK return from fn stops
 * the walk and is returned. */
ZTO_MUST_CHECK zto_err_t zto_db_mfg_voucher_list(
    struct zto_db *db,
    zto_err_t (*fn)(void *ctx, const struct zto_db_mfg_row *row), void *ctx);

/* Number of vouchers stored. */
ZTO_MUST_CHECK zto_err_t zto_db_mfg_voucher_count(struct zto_db *db,
                                                  int64_t *n);

/* Rows inserted, updated or deleted through this connection since it was
 * opened (tests use it to prove a rejected message changed nothing). */
int64_t zto_db_mfg_changes(struct zto_db *db);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_DB_MFG_H */
