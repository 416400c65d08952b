/*
 * db_check - what a crash must never leave behind, checked on a server's
 * database file (read-only; the server may be running):
 *
 *   db_check DB [OWNER_PUB.pem]
 *
 * SQLite's integrity_check passes, and every voucher stored (the
 * manufacturer's, or the owner's current and kept ones) decodes, carries
 * the GUID of its row (a replacement voucher the GUID it replaced to),
 * and verifies completely: device chain up to its own root, cert-chain
 * hash, every entry's signature and hash links. With OWNER_PUB, a
 * voucher with entries must end in that key. A rendezvous database: every
 * registration's to1d decodes and is signed by that key. Prints the
 * number checked; exit 0 only if all passed.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zto/zto.h"

static int
check_one(const void *p, int n, const void *guid, int glen,
          const struct zto_key *owner, const char *what)
{
    struct zto_voucher v;
    struct zto_voucher_verify_opts o;
    struct zto_pubkey last;
    struct zto_key k;
    zto_err_t r;

    if (n <= 0 || zto_voucher_decode(p, (size_t)n, &v) != ZTO_OK) {
        fprintf(stderr, "db_check: %s: voucher does not decode\n", what);
        return -1;
    }
    if (glen != ZTO_GUID_LEN || memcmp(guid, v.hdr.guid.b, ZTO_GUID_LEN) != 0) {
        fprintf(stderr, "db_check: %s: row GUID is not the voucher's\n", what);
        return -1;
    }
    memset(&o, 0, sizeof(o));
    if ((r = zto_voucher_verify(&v, &o, &last)) != ZTO_OK) {
        fprintf(stderr, "db_check: %s: voucher does not verify: %s\n", what,
                zto_strerror(r));
        return -1;
    }
    if (owner == NULL || v.nentries == 0)
        return 0;
    zto_key_init(&k);
    r = zto_key_from_pubkey(&last, &k);
    if (r == ZTO_OK)
        r = zto_key_equal(&k, owner);
    zto_key_free(&k);
    if (r != ZTO_OK) {
        fprintf(stderr, "db_check: %s: voucher does not end in the owner\n",
                what);
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct zto_key owner;
    const char *sql;
    int bad = 0, n = 0, rc;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: db_check DB [OWNER_PUB.pem]\n");
        return 2;
    }
    zto_key_init(&owner);
    if (argc == 3) {
        FILE *f = fopen(argv[2], "rb");
        char pem[8192];
        size_t len = f != NULL ? fread(pem, 1, sizeof(pem), f) : 0;
        if (f != NULL)
            fclose(f);
        if (zto_key_from_pem(pem, len, &owner) != ZTO_OK) {
            fprintf(stderr, "db_check: %s: not a key\n", argv[2]);
            return 2;
        }
    }
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
            SQLITE_OK) {
        fprintf(stderr, "db_check: %s: cannot open\n", argv[1]);
        return 1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (t == NULL || strcmp((const char *)t, "ok") != 0) {
            fprintf(stderr, "db_check: integrity: %s\n",
                    t != NULL ? (const char *)t : "?");
            bad = 1;
        }
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT guid, to1d FROM rv_registrations", -1,
                           &st, NULL) == SQLITE_OK) {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct zto_to1d t;
            int tl = sqlite3_column_bytes(st, 1);
            n++;
            if (sqlite3_column_bytes(st, 0) != ZTO_GUID_LEN || tl <= 0 ||
                zto_to1d_decode(sqlite3_column_blob(st, 1), (size_t)tl, &t) !=
                    ZTO_OK ||
                (argc == 3 &&
                 zto_cose_sign1_verify(&t.cose, &owner) != ZTO_OK)) {
                fprintf(stderr, "db_check: a registration is broken\n");
                bad = 1;
            }
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        zto_key_free(&owner);
        printf("%d registrations checked\n", n);
        return bad;
    }
    /* The owner's table has the kept voucher; the manufacturer's not. */
    sql = "SELECT guid, voucher, prev_guid, prev_voucher FROM vouchers";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sql = "SELECT guid, voucher, NULL, NULL FROM vouchers";
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
            fprintf(stderr, "db_check: no vouchers table\n");
            return 1;
        }
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        if (check_one(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1),
                      sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0),
                      argc == 3 ? &owner : NULL, "current voucher") != 0)
            bad = 1;
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            n++;
            if (check_one(
                    sqlite3_column_blob(st, 3), sqlite3_column_bytes(st, 3),
                    sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2),
                    argc == 3 ? &owner : NULL, "kept voucher") != 0)
                bad = 1;
        }
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "db_check: %s\n", sqlite3_errmsg(db));
        bad = 1;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    zto_key_free(&owner);
    printf("%d vouchers checked\n", n);
    return bad;
}
