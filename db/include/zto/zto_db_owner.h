/*
 * zto_db_owner.h - the owner's devices, TO0 state, ServiceInfo plan and
 * the operational certificates it delivered, the onboardings it reports
 * to the operator's program (schema db/schema/owner/).
 *
 * Vouchers are keyed by the device's current GUID. TO2 replaces GUID and
 * voucher together in one transaction (zto_db_owner_ov_replace), so a
 * reader sees either the old pair or the new one.
 */
#ifndef ZTO_DB_OWNER_H
#define ZTO_DB_OWNER_H

#include "zto/zto_db.h"

#ifdef __cplusplus
extern "C" {
#endif

enum zto_db_ov_state {
    ZTO_DB_OV_IMPORTED = 0,
    ZTO_DB_OV_ONBOARDED = 1,
    ZTO_DB_OV_EXPORTED = 2
};

#define ZTO_DB_OWNER_KEY_HEX 65   /* SHA-256 hex + NUL */
#define ZTO_DB_TEXT_MAX 256       /* device_info, fail_reason, group, URL */
#define ZTO_DB_CERT_SERIAL_HEX 41 /* 20 bytes in hex + NUL */

/* One voucher row. `voucher` views memory owned by whoever filled it
 * (the caller's buffer for _get, a temporary for _list callbacks). */
struct zto_db_ov {
    int64_t id;
    struct zto_guid guid;
    struct zto_bytes voucher;
    int state; /* enum zto_db_ov_state */
    char device_info[ZTO_DB_TEXT_MAX];
    char owner_key[ZTO_DB_OWNER_KEY_HEX];
    char grp[ZTO_DB_TEXT_MAX];
    struct zto_guid orig_guid;
    bool has_prev;
    struct zto_guid prev_guid;
    int64_t imported_at, onboarded_at, fail_at;
    int64_t onboard_count;
    bool reused;
    char fail_reason[ZTO_DB_TEXT_MAX];
};

/* Add a voucher (state imported). ZTO_E_EXISTS when the GUID is already
 * stored (nothing is changed then). */
ZTO_MUST_CHECK zto_err_t zto_db_owner_ov_add(
    struct zto_db *db, const struct zto_guid *guid, const uint8_t *voucher,
    size_t len, const char *device_info, const char *owner_key, int64_t now);

/* The row of the current GUID guid; the voucher is copied into buf.
 * ZTO_E_NOT_FOUND if none; ZTO_E_BUF_TOO_SMALL (with row->voucher.len =
 * the size needed) if cap is too small. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_ov_get(struct zto_db *db,
                                             const struct zto_guid *guid,
                                             uint8_t *buf, size_t cap,
                                             struct zto_db_ov *row);

/* The voucher a TO2 replaced, found by the GUID it had (prev_guid):
 * row->guid is that GUID, row->voucher that voucher. Only while the row
 * is onboarded (not handed on, not ended with reuse) and no row has that
 * GUID as its current one; else ZTO_E_NOT_FOUND. A device that did not
 * receive TO2.Done2 still holds the credential of this voucher. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_ov_get_prev(struct zto_db *db,
                                                  const struct zto_guid *guid,
                                                  uint8_t *buf, size_t cap,
                                                  struct zto_db_ov *row);

/* An onboarding to report to the operator's program (onboarded_hook,
 * 006_hook_events.sql). */
struct zto_db_hook_ev {
    int64_t id;
    struct zto_guid guid;     /* GUID when the TO2 started */
    struct zto_guid new_guid; /* GUID after it */
    bool reused;
    int64_t at;
    char serial[ZTO_DB_CERT_SERIAL_HEX]; /* last fdo.csr certificate, or "" */
    int64_t cert_row; /* in: svi_certs row whose serial is taken, 0 none */
    int64_t attempts; /* failed runs so far */
    int64_t next_at;  /* not run before */
    bool failed;      /* retries used up */
    char last_result[ZTO_DB_TEXT_MAX];
};

/*
 * End of a TO2 that replaced the credential (section 9.3), in one
 * transaction: the row of old_guid gets new_guid and new_voucher, state
 * onboarded, prev_guid = old_guid and the replaced voucher kept with it,
 * onboarded_at = now, one more onboarding, no failure, and its TO0 state
 * is dropped. When old_guid is the kept prev_guid of a row (the device
 * ran TO2 again with the credential of before), that row gets new_guid
 * and new_voucher and keeps its prev_guid and kept voucher. It happens
 * only if the voucher's SHA-256 still equals old_hash (the voucher the
 * session proved); otherwise ZTO_E_STATE and nothing changes.
 * ZTO_E_EXISTS if new_guid is taken. With session set, that session row
 * is deleted in the same transaction (one commit ends the TO2); with ev
 * set, ev (guid, new_guid, reused, at, cert_row) is added to the hook
 * events in it too.
 */
ZTO_MUST_CHECK zto_err_t zto_db_owner_ov_replace(
    struct zto_db *db, const struct zto_guid *old_guid,
    const uint8_t old_hash[32], const struct zto_guid *new_guid,
    const uint8_t *new_voucher, size_t new_len, int64_t now,
    const char *session, const struct zto_db_hook_ev *ev);

/* End of a TO2 with credential reuse (section 9.4): state onboarded,
 * reused, onboarded_at = now, one more onboarding, no failure, no kept
 * voucher. For the prev_guid of a row (see _get_prev) the kept voucher
 * becomes the current one again, under that GUID. One transaction, which
 * adds ev (may be NULL) to the hook events as well. */
ZTO_MUST_CHECK zto_err_t
zto_db_owner_ov_reused(struct zto_db *db, const struct zto_guid *guid,
                       int64_t now, const struct zto_db_hook_ev *ev);

/* Record why a TO2 failed (reason: one line, cut to fit), on the row of
 * guid as current GUID or as kept prev_guid. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_ov_failed(struct zto_db *db,
                                                const struct zto_guid *guid,
                                                const char *reason,
                                                int64_t now);

ZTO_MUST_CHECK zto_err_t zto_db_owner_ov_set_state(struct zto_db *db,
                                                   const struct zto_guid *guid,
                                                   int state);
ZTO_MUST_CHECK zto_err_t zto_db_owner_ov_set_group(struct zto_db *db,
                                                   const struct zto_guid *guid,
                                                   const char *grp);

/* Every row in import order; stop early when fn returns non-zero. */
typedef int (*zto_db_ov_fn)(void *ctx, const struct zto_db_ov *row);
ZTO_MUST_CHECK zto_err_t zto_db_owner_ov_list(struct zto_db *db,
                                              zto_db_ov_fn fn, void *ctx);

/* ---- TO0 state ---- */

struct zto_db_to0 {
    int64_t voucher_id;
    char rv[ZTO_DB_TEXT_MAX];
    int64_t registered_until, granted, last_attempt, next_at;
    int64_t failures, failing_since;
    char last_error[ZTO_DB_TEXT_MAX];
};

/* Insert or replace the state of (voucher_id, rv). */
ZTO_MUST_CHECK zto_err_t zto_db_owner_to0_put(struct zto_db *db,
                                              const struct zto_db_to0 *s);
/* ZTO_E_NOT_FOUND if there is none yet. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_to0_get(struct zto_db *db,
                                              int64_t voucher_id,
                                              const char *rv,
                                              struct zto_db_to0 *s);
typedef int (*zto_db_to0_fn)(void *ctx, const struct zto_db_to0 *s);
/* The rows of one voucher, by URL. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_to0_list(struct zto_db *db,
                                               int64_t voucher_id,
                                               zto_db_to0_fn fn, void *ctx);

/* ---- ServiceInfo plan ---- */

struct zto_db_plan_step {
    int64_t id;
    char scope[8];                /* "all", "group", "guid" */
    char target[ZTO_DB_TEXT_MAX]; /* group name, GUID hex, or "" */
    int64_t seq;
    char kind[32];
    struct zto_bytes params; /* CBOR map, valid during the callback */
    bool optional;
};

/* Append a step (seq = last seq of that scope/target + 1); *id (may be
 * NULL) gets its id. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_plan_add(
    struct zto_db *db, const char *scope, const char *target, const char *kind,
    const uint8_t *params, size_t len, bool optional, int64_t *id);
/* ZTO_E_NOT_FOUND if there is no such step. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_plan_del(struct zto_db *db, int64_t id);
typedef int (*zto_db_plan_fn)(void *ctx, const struct zto_db_plan_step *s);
/* Every step, by scope, target, seq. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_plan_list(struct zto_db *db,
                                                zto_db_plan_fn fn, void *ctx);
/* The plan of one device in execution order: scope 'all', then group
 * grp (if non-empty), then target = hex of guid or of orig_guid. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_plan_for(struct zto_db *db,
                                               const struct zto_guid *guid,
                                               const struct zto_guid *orig,
                                               const char *grp,
                                               zto_db_plan_fn fn, void *ctx);

/* ---- Certificates delivered by fdo.csr (003_svi_certs.sql) ---- */

struct zto_db_cert {
    int64_t id;
    struct zto_guid guid;     /* the device's GUID after the TO2 */
    struct zto_guid to2_guid; /* its GUID when the TO2 started */
    char serial[ZTO_DB_CERT_SERIAL_HEX];
    char subject[ZTO_DB_TEXT_MAX];
    char origin[16]; /* enroll, reenroll, serverkeygen, file */
    int64_t not_before, not_after, issued_at;
    struct zto_bytes cert; /* DER; see _get and _list for its memory */
};

/* Record a certificate; *id (may be NULL) gets its row id. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_cert_add(struct zto_db *db,
                                               const struct zto_db_cert *c,
                                               int64_t *id);
/* Row `id`, the certificate copied into buf (ZTO_E_BUF_TOO_SMALL with
 * row->cert.len = the size needed; ZTO_E_NOT_FOUND). */
ZTO_MUST_CHECK zto_err_t zto_db_owner_cert_get(struct zto_db *db, int64_t id,
                                               uint8_t *buf, size_t cap,
                                               struct zto_db_cert *row);
typedef int (*zto_db_cert_fn)(void *ctx, const struct zto_db_cert *c);
/* Every row (guid NULL) or those naming guid as guid or to2_guid, in
 * issue order; cert views SQLite's memory during the callback. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_cert_list(struct zto_db *db,
                                                const struct zto_guid *guid,
                                                zto_db_cert_fn fn, void *ctx);

/* ---- Onboardings reported to onboarded_hook (006_hook_events.sql) ---- */

/* Rows in id order: every row (due false), or with due those not failed
 * whose next_at <= now. Stop early when fn returns non-zero. */
typedef int (*zto_db_hook_fn)(void *ctx, const struct zto_db_hook_ev *ev);
ZTO_MUST_CHECK zto_err_t zto_db_owner_hook_list(struct zto_db *db, bool due,
                                                int64_t now, zto_db_hook_fn fn,
                                                void *ctx);
/* The program reported row id: it goes. ZTO_E_NOT_FOUND if gone. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_hook_done(struct zto_db *db, int64_t id);
/* A run of row id failed: set attempts, next_at, failed and last_result
 * (one line, cut to fit). ZTO_E_NOT_FOUND if gone. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_hook_failed(struct zto_db *db, int64_t id,
                                                  int64_t attempts,
                                                  int64_t next_at, bool failed,
                                                  const char *result);
/* Takes row id for a run: when it is pending and due at `now`, its
 * next_at becomes `until` and *taken is true; otherwise (another process
 * sharing the database took it, it failed or went) *taken is false. A
 * lease that is not ended by _done or _failed (the process died) runs
 * out at `until`. With now = INT64_MAX and until = 0 it hands the row
 * back, due at once. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_hook_lease(struct zto_db *db, int64_t id,
                                                 int64_t now, int64_t until,
                                                 bool *taken);
/* Failed rows become pending again (attempts 0, due now); *n (may be
 * NULL) gets how many. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_hook_retry(struct zto_db *db, int64_t *n);
/* How many rows are pending and how many failed. */
ZTO_MUST_CHECK zto_err_t zto_db_owner_hook_count(struct zto_db *db,
                                                 int64_t *pending,
                                                 int64_t *failed);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_DB_OWNER_H */
