/*
 * mfg_admin.h - fdo-manufacturer's admin API routes (mfg_admin.c).
 */
#ifndef ZTO_MFG_ADMIN_H
#define ZTO_MFG_ADMIN_H

#include "mfg_int.h"
#include "zto_admin.h"

/* Add the manufacturer's routes; m (and its database) must outlive a. */
ZTO_MUST_CHECK zto_err_t mfg_admin_add_routes(struct zto_admin *a,
                                              struct mfg *m);
/* For zto_admin_opts.db_check (ctx: struct mfg *). */
zto_err_t mfg_admin_db_check(void *ctx);

#endif
