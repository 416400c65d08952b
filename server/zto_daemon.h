/*
 * zto_daemon.h - the steps fdo-manufacturer, fdo-rendezvous and
 * fdo-owner take alike around their role: fatal start-up errors, the log
 * level and target, the admin API's options and listener, the lines
 * serve prints once it is ready, and the end of a SIGHUP reload.
 *
 * What differs between the roles (their configuration, database, keys,
 * handler, timers) stays in their main.c.
 */
#ifndef ZTO_DAEMON_H
#define ZTO_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "zto/zto_err.h"
#include "zto_admin.h"
#include "zto_conf.h"
#include "zto_log.h"
#include "zto_srv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "PROG: message" on stderr, then exit(1). */
void zto_daemon_die(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* A library's log callback (mfg, owner, rendezvous): the line goes to
 * the process log at its level. */
void zto_daemon_log_line(void *ctx, int level, const char *line);

/* The restart callback of zto_conf_reload(): a warning naming the option
 * that keeps its running value until the next restart. */
void zto_daemon_needs_restart(void *ctx, const char *name);

/* The log level (arg_level from --log-level, may be NULL, wins over
 * conf_level from the file) and target (conf_target) set. Fails with one
 * line in err when a value is not one zto_log knows. */
ZTO_MUST_CHECK zto_err_t zto_daemon_log_apply(const char *arg_level,
                                              const char *conf_level,
                                              const char *conf_target,
                                              char *err, size_t errcap);

/*
 * The admin API's options from a configuration: the --admin listener
 * (admin_arg, may be NULL) added to the admin listeners, then the admin
 * keywords applied to *ao (zto_admin_conf_apply). With check_keys (at
 * start, --check-config too, not on reload) also the modes of the
 * private key files: the FDO listeners' tls_key and the admin TLS key.
 * Fails with one line in err.
 */
ZTO_MUST_CHECK zto_err_t zto_daemon_admin_opts(struct zto_admin_conf *ac,
                                               const struct zto_srv_conf *sc,
                                               const char *admin_arg,
                                               bool check_keys,
                                               struct zto_admin_opts *ao,
                                               char *err, size_t errcap);

/* The admin API on the FDO server's event loop, when *ao names
 * listeners (else *out = NULL and ZTO_OK): role and database check set
 * in *ao, then zto_admin_new(). The caller adds its routes. */
ZTO_MUST_CHECK zto_err_t
zto_daemon_admin_start(struct zto_srv *srv, struct zto_admin_opts *ao,
                       const char *role, zto_err_t (*db_check)(void *ctx),
                       void *db_check_ctx, struct zto_admin **out);

/* On stdout: "listening on URL" per FDO listener, "admin on URL" per
 * admin listener (adm may be NULL), then "ready"; flushed. */
void zto_daemon_announce(const struct zto_srv *srv,
                         const struct zto_admin *adm);

/*
 * The end of a reload whose new configuration is in place: the log level
 * again (--log-level still wins), the admin tokens of *ao (adm may be
 * NULL), and one info line "reload: WHAT read again (APPLIED change(s)
 * applied, RESTART waiting for a restart), log level L".
 */
void zto_daemon_reloaded(const char *arg_level, const char *conf_level,
                         struct zto_admin *adm, const struct zto_admin_opts *ao,
                         const char *what, size_t applied, size_t restart);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_DAEMON_H */
