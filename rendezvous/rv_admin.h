/*
 * rv_admin.h - fdo-rendezvous's admin API routes (rv_admin.c):
 * registrations, and the trust lists' API-managed entries.
 *
 * Trust entries added through the API live in the database (table
 * rv_trust) and extend the lists the configuration declares
 * (trusted_owner_keys, trusted_manufacturer_keys); the running policy is
 * the configured files plus these entries, rebuilt after every change, at
 * start and on SIGHUP (so replicas sharing a database pick up each
 * other's changes on SIGHUP).
 */
#ifndef ZTO_RV_ADMIN_H
#define ZTO_RV_ADMIN_H

#include "rv_conf.h"
#include "zto_admin.h"
#include "zto_rv.h"

struct rv_admin {
    const struct rv_conf *conf;
    struct zto_db *db;
    struct zto_rv_policy *policy; /* the running policy, replaced in place */
    /* Keys of the owner / manufacturer lists that came from the files:
     * the first nfile[list] entries of the policy's arrays. */
    size_t nfile[2];
    int64_t (*now)(void); /* NULL: the system clock */
};

/* Add the database entries to a policy built from the configuration
 * (lists the configuration does not declare are left alone, with a
 * warning), and remember how many entries came from the files. */
ZTO_MUST_CHECK zto_err_t rv_admin_merge(struct rv_admin *ra,
                                        struct zto_rv_policy *p, char *err,
                                        size_t errcap);
/* Add the routes; ra must outlive a. */
ZTO_MUST_CHECK zto_err_t rv_admin_add_routes(struct zto_admin *a,
                                             struct rv_admin *ra);
/* For zto_admin_opts.db_check (ctx: struct rv_admin *). */
zto_err_t rv_admin_db_check(void *ctx);

#endif
