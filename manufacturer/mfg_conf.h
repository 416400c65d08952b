/*
 * mfg_conf.h - fdo-manufacturer's configuration file (conf.c). Every
 * option is described in deploy/manufacturer.conf.example.
 */
#ifndef ZTO_MFG_CONF_H
#define ZTO_MFG_CONF_H

#include "mfg_int.h"
#include "zto_admin.h"
#include "zto_conf.h"

struct mfg_conf {
    struct zto_srv_conf srv; /* listen, tls_*, http_timeout, ... */
    struct zto_conf_listen http, https, coap, coaps;
    struct zto_conf_str db;
    struct zto_conf_bool db_sync;
    struct zto_conf_str mfg_key;
    struct zto_conf_str ca_key;
    struct zto_conf_str ca_chain;
    struct zto_conf_str device_info;
    struct zto_conf_int cert_days;
    struct zto_conf_int session_timeout;
    struct zto_conf_str log_level;
    struct zto_conf_str log_target;
    struct zto_admin_conf admin; /* admin_* keywords (zto_admin.h) */

    /* "rv = ..." lines (repeatable; parsed by mfg_rvconf.c). */
    size_t nrv;
    char *rv[ZTO_MAX_RV_ENTRIES];
    /* Their encoding, filled by mfg_conf_load(). */
    uint8_t rvinfo[MFG_MAX_RVINFO];
    size_t rvinfo_len;
};

/* Parse path, apply defaults, resolve relative file names against the
 * config file's directory, encode RendezvousInfo. err: one line,
 * "file:line: reason" where there is a line. */
ZTO_MUST_CHECK zto_err_t mfg_conf_load(struct mfg_conf *c, const char *path,
                                       char *err, size_t errcap);
void mfg_conf_free(struct mfg_conf *c);
/* SIGHUP: take the reloadable options of fresh (loaded with
 * mfg_conf_load()) into live, the "rv" lines included; the others keep
 * their running value and are named through restart(). Returns how many
 * need a restart; fresh is freed. */
size_t mfg_conf_reload(struct mfg_conf *live, struct mfg_conf *fresh,
                       void (*restart)(void *ctx, const char *name), void *ctx,
                       size_t *applied);
void mfg_conf_print(const struct mfg_conf *c, FILE *out);

/* Read a key or chain file named in the configuration (at most 1 MiB).
 * With private = true the file must not be accessible to group or
 * others. *out is heap, NUL-terminated. */
ZTO_MUST_CHECK zto_err_t mfg_conf_read_file(const char *what, const char *path,
                                            bool private_key, char **out,
                                            size_t *len, char *err,
                                            size_t errcap);

#endif
