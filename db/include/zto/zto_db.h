/*
 * zto_db.h - the servers' storage interface. Only db/ contains SQL.
 *
 * One database per role (manufacturer, rendezvous, owner), migrated with
 * numbered schema files (db/schema/<role>/NNN_<what>.sql) tracked in
 * PRAGMA user_version. The SQLite back end (db/sqlite/) is the only one
 * today; a second back end implements this same header.
 *
 * Durability: every write that the protocol relies on (a voucher at
 * DI.Done, a registration at TO0.AcceptOwner, a replaced voucher at
 * TO2.Done2) is committed before the answer leaves the server.
 * Several processes may share one database (replicas): sessions live in
 * it too, so any of them can carry on a session. Session rows are
 * working state: their own commits are not fsync'ed even with sync_full
 * (a session lost with the power makes the peer start again), the next
 * full commit syncs them too.
 */
#ifndef ZTO_DB_H
#define ZTO_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zto/zto_err.h"
#include "zto/zto_types.h"

#ifdef __cplusplus
extern "C" {
#endif

enum zto_db_role {
    ZTO_DB_MANUFACTURER = 1,
    ZTO_DB_RENDEZVOUS = 2,
    ZTO_DB_OWNER = 3
};

struct zto_db;

struct zto_db_opts {
    /* true: fsync every commit (survives power loss); false: survives a
     * killed process only (SQLite WAL, synchronous=NORMAL). */
    bool sync_full;
    /* How long to wait for another process holding the write lock. */
    int busy_timeout_ms;
};

/* Open (creating if needed) and migrate. ":memory:" gives a private
 * in-memory database (tests, fuzzing). Refuses a database of another
 * role or one newer than this build. */
ZTO_MUST_CHECK zto_err_t zto_db_open(const char *path, enum zto_db_role role,
                                     const struct zto_db_opts *opts,
                                     struct zto_db **out);
void zto_db_close(struct zto_db *db);

/* Schema version after migration. */
int zto_db_schema_version(struct zto_db *db);

/* Transactions (BEGIN IMMEDIATE: take the write lock up front). */
ZTO_MUST_CHECK zto_err_t zto_db_begin(struct zto_db *db);
/* A transaction that writes only session rows (zto_db_session_*): its
 * commit is not fsync'ed, like a session statement outside a
 * transaction. */
ZTO_MUST_CHECK zto_err_t zto_db_begin_sessions(struct zto_db *db);
ZTO_MUST_CHECK zto_err_t zto_db_commit(struct zto_db *db);
void zto_db_rollback(struct zto_db *db);

/* ---- Protocol sessions (all roles) ----
 * Keyed by the opaque session token; `data` is the role's serialised
 * session state; `expires` in Unix seconds. put() inserts or replaces. */
ZTO_MUST_CHECK zto_err_t zto_db_session_put(struct zto_db *db,
                                            const char *token, int protocol,
                                            const uint8_t *data, size_t len,
                                            int64_t expires);
/* ZTO_E_NOT_FOUND for an unknown or expired token. When cap is too small
 * returns ZTO_E_BUF_TOO_SMALL with *len set to the needed size. */
ZTO_MUST_CHECK zto_err_t zto_db_session_get(struct zto_db *db,
                                            const char *token, int64_t now,
                                            int *protocol, uint8_t *buf,
                                            size_t cap, size_t *len);
ZTO_MUST_CHECK zto_err_t zto_db_session_del(struct zto_db *db,
                                            const char *token);
/* Remove sessions expired at `now`; *n (may be NULL) gets the count. */
ZTO_MUST_CHECK zto_err_t zto_db_session_purge(struct zto_db *db, int64_t now,
                                              int *n);

/* Role-specific tables are declared in zto_db_<role>.h next to this one. */

#ifdef __cplusplus
}
#endif
#endif /* ZTO_DB_H */
