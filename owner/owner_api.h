/*
 * owner_api.h - fdo-owner's admin API routes (owner_api.c).
 */
#ifndef ZTO_OWNER_API_H
#define ZTO_OWNER_API_H

#include "owner_admin.h"
#include "owner_int.h"
#include "zto_admin.h"
#include "zto/zto_db_admin.h"

struct owner_api {
    struct owner *o;
    bool to0_enabled;    /* the TO0 thread runs */
    unsigned to0_poll_s; /* how often it looks for due work */
};

/* Add the owner's routes; api (and its owner) must outlive a. */
ZTO_MUST_CHECK zto_err_t owner_api_add_routes(struct zto_admin *a,
                                              struct owner_api *api);
/* For zto_admin_opts.db_check (ctx: struct owner_api *). */
zto_err_t owner_api_db_check(void *ctx);

#endif
