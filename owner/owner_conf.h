/*
 * owner_conf.h - fdo-owner's configuration (conf.c); every option is
 * described in deploy/owner.conf.example.
 */
#ifndef ZTO_OWNER_CONF_H
#define ZTO_OWNER_CONF_H

#include <stdio.h>

#include "owner_int.h"
#include "zto/zto_port.h"
#include "zto_admin.h"
#include "zto_conf.h"

struct owner_conf {
    struct zto_srv_conf srv;
    struct zto_conf_str db;
    struct zto_conf_bool db_sync;
    struct zto_conf_str log_level;
    struct zto_conf_str log_target;
    struct zto_conf_str owner_keys;
    struct zto_conf_str owner2_key;
    struct zto_conf_str device_ca;
    struct zto_conf_str replacement_rv;
    struct zto_conf_bool reuse;
    struct zto_conf_int session_ttl;
    struct zto_conf_int device_svi_mtu;
    struct zto_conf_int svi_max_rounds;
    struct zto_conf_str svi_dir;
    struct zto_conf_str svi_upload_dir;
    struct zto_conf_int svi_upload_max;
    struct zto_conf_int svi_output_max;
    struct zto_conf_str csr_ca_chain;
    struct zto_conf_str csr_ca_key;
    struct zto_conf_str csr_ca_bundle;
    struct zto_conf_int csr_days;
    struct zto_conf_str csr_subject;
    struct zto_conf_bool csr_serverkeygen;
    struct zto_conf_bool csr_bare_certs;
    struct zto_conf_str to2_addresses;
    struct zto_conf_bool to0;
    struct zto_conf_int to0_wait;
    struct zto_conf_int to0_renew;
    struct zto_conf_int to0_retry_first;
    struct zto_conf_int to0_retry_max;
    struct zto_conf_int to0_poll;
    struct zto_conf_bool insecure;
    struct zto_conf_str transport_ca;
    struct zto_conf_str onboarded_hook;
    struct zto_conf_int onboarded_hook_timeout;
    struct zto_conf_int onboarded_hook_retries;
    struct zto_admin_conf admin; /* admin_* keywords (zto_admin.h) */
};

/* Parse the file, apply defaults, check the log keywords. On failure
 * err holds one line and c is freed. */
ZTO_MUST_CHECK zto_err_t owner_conf_load(struct owner_conf *c, const char *path,
                                         char *err, size_t errcap);
void owner_conf_print(const struct owner_conf *c, FILE *out);
void owner_conf_free(struct owner_conf *c);
/* SIGHUP: take the reloadable options of fresh (loaded with
 * owner_conf_load()) into live; the others keep their running value and
 * are named through restart(). Returns how many need a restart; fresh is
 * freed. */
size_t owner_conf_reload(struct owner_conf *live, struct owner_conf *fresh,
                         void (*restart)(void *ctx, const char *name),
                         void *ctx, size_t *applied);
/* Load keys, roots, replacement RendezvousInfo, policy into o (whose db
 * the caller opens). Checks everything a running server needs. */
ZTO_MUST_CHECK zto_err_t owner_conf_apply(const struct owner_conf *c,
                                          struct owner *o, char *err,
                                          size_t errcap);

#endif
