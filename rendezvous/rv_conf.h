/*
 * rv_conf.h - fdo-rendezvous's configuration file (shared syntax of
 * server/zto_conf.h; every option is described in
 * deploy/rendezvous.conf.example).
 */
#ifndef ZTO_RV_CONF_H
#define ZTO_RV_CONF_H

#include <stdio.h>

#include "zto_admin.h"
#include "zto_conf.h"
#include "zto_rv.h"

struct rv_conf {
    struct zto_srv_conf srv;
    struct zto_conf_str db;
    struct zto_conf_bool db_sync;
    struct zto_conf_int max_wait;
    struct zto_conf_int session_timeout;
    struct zto_conf_int purge_interval;
    struct zto_conf_bool allow_all;
    struct zto_conf_str trusted_owner_keys;
    struct zto_conf_str trusted_manufacturer_keys;
    struct zto_conf_str trusted_device_ca;
    struct zto_conf_str log_level;
    struct zto_conf_str log_target;
    struct zto_admin_conf admin; /* admin_* keywords (zto_admin.h) */
};

/* Parse, apply defaults, check values and resolve relative paths against
 * the file's directory. On failure err holds "file:line: reason" or
 * similar and c is freed. */
ZTO_MUST_CHECK zto_err_t rv_conf_load(struct rv_conf *c, const char *path,
                                      char *err, size_t errcap);
void rv_conf_free(struct rv_conf *c);
/* SIGHUP: take the reloadable options of fresh (a configuration loaded
 * with rv_conf_load()) into live; the others keep their running value and
 * are named through restart(). Returns how many need a restart; fresh is
 * freed. The reloadable options are listed in docs/deploy.md. */
size_t rv_conf_reload(struct rv_conf *live, struct rv_conf *fresh,
                      void (*restart)(void *ctx, const char *name), void *ctx,
                      size_t *applied);
void rv_conf_print(const struct rv_conf *c, FILE *out);

/* The trust policy the configuration describes (lists read from their
 * files now). Refuses contradictory or missing policies. */
ZTO_MUST_CHECK zto_err_t rv_conf_policy(const struct rv_conf *c,
                                        struct zto_rv_policy *p, char *err,
                                        size_t errcap);


#endif
