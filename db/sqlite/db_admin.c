/*
 * db_admin.c - admin queries every role shares (SQLite).
 */
#include "db_int.h"
#include "zto/zto_db_admin.h"

zto_err_t
zto_db_check(struct zto_db *db)
{
    sqlite3_stmt *st = NULL;
    zto_err_t r;

    if (db == NULL)
        return ZTO_E_ARG;
    if ((r = db_prepare(db, "SELECT count(*) FROM zto_meta", &st)) != ZTO_OK)
        return r;
    r = sqlite3_step(st) == SQLITE_ROW ? ZTO_OK : ZTO_E_DB;
    db_finish(db, st);
    return r;
}
