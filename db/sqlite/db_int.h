/* db_int.h - private to the SQLite back end. */
#ifndef ZTO_DB_INT_H
#define ZTO_DB_INT_H

#include <stdbool.h>

#include <sqlite3.h>

#include "zto/zto_db.h"

struct db_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct db_migration db_manufacturer_migrations[];
extern const struct db_migration db_rendezvous_migrations[];
extern const struct db_migration db_owner_migrations[];

/* Prepared statements kept for reuse, per connection. */
#define DB_STMT_CACHE 48

struct db_cached_stmt {
    char *sql;        /* its text (heap copy) */
    sqlite3_stmt *st;
    bool busy;        /* handed out by db_prepare(), not yet finished */
};

struct zto_db {
    sqlite3 *h;
    enum zto_db_role role;
    int version;
    bool sync_full; /* fsync every commit (opts.sync_full) */
    bool relaxed;   /* synchronous is NORMAL for session rows just now */
    struct db_cached_stmt cache[DB_STMT_CACHE];
    size_t ncache;
};

/* Prepare, or log-free failure as ZTO_E_DB. A statement with the same
 * text prepared before on this connection and finished since is reused
 * (parsing a statement costs more than running most of ours); every
 * statement from db_prepare() is given back with db_finish(). */
zto_err_t db_prepare(struct zto_db *db, const char *sql, sqlite3_stmt **st);
/* Reset a cached statement for its next use, or finalize any other.
 * NULL is fine. */
void db_finish(struct zto_db *db, sqlite3_stmt *st);
/* Map a sqlite3_step() result: SQLITE_DONE/ROW -> OK, else ZTO_E_DB. */
zto_err_t db_step_done(sqlite3_stmt *st);
/* Copy a BLOB column into buf (ZTO_E_BUF_TOO_SMALL with *len = size). */
zto_err_t db_column_blob(sqlite3_stmt *st, int col, uint8_t *buf, size_t cap,
                         size_t *len);

#endif
