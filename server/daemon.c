/*
 * daemon.c - what the three daemons' main.c share (zto_daemon.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zto_daemon.h"

void
zto_daemon_die(const char *prog, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void
zto_daemon_log_line(void *ctx, int level, const char *line)
{
    (void)ctx;
    ZTO_LOG_(level, NULL, false, ZTO_OK, "%s", line);
}

void
zto_daemon_needs_restart(void *ctx, const char *name)
{
    (void)ctx;
    log_warn("reload: '%s' changed; it takes effect at the next restart", name);
}

zto_err_t
zto_daemon_log_apply(const char *arg_level, const char *conf_level,
                     const char *conf_target, char *err, size_t errcap)
{
    int level, target;

    if (arg_level != NULL && zto_log_level_parse(arg_level, &level) != ZTO_OK) {
        snprintf(err, errcap, "--log-level must be err, warn, info or debug");
        return ZTO_E_ARG;
    }
    if (arg_level == NULL &&
        zto_log_level_parse(conf_level, &level) != ZTO_OK) {
        snprintf(err, errcap, "log_level must be err, warn, info or debug");
        return ZTO_E_CONFIG;
    }
    if (zto_log_target_parse(conf_target, &target) != ZTO_OK) {
        snprintf(err, errcap, "log_target must be auto, stderr or syslog");
        return ZTO_E_CONFIG;
    }
    zto_log_set_level(level);
    zto_log_set_target(target);
    return ZTO_OK;
}

zto_err_t
zto_daemon_admin_opts(struct zto_admin_conf *ac, const struct zto_srv_conf *sc,
                      const char *admin_arg, bool check_keys,
                      struct zto_admin_opts *ao, char *err, size_t errcap)
{
    zto_err_t r;

    memset(ao, 0, sizeof(*ao));
    if (admin_arg != NULL &&
        (r = zto_conf_add_listen(&ac->listen, admin_arg, ZTO_SRV_HTTP)) !=
            ZTO_OK) {
        snprintf(err, errcap,
                 "--admin: expected HOST:PORT or https://HOST:PORT");
        return r;
    }
    if ((r = zto_admin_conf_apply(ac, sc, ao, err, errcap)) != ZTO_OK ||
        !check_keys)
        return r;
    if (sc->tls_key.set &&
        (r = zto_conf_check_key_file("tls_key", sc->tls_key.v, err, errcap)) !=
            ZTO_OK)
        return r;
    return zto_admin_check_key_file(ac, ao, err, errcap);
}

zto_err_t
zto_daemon_admin_start(struct zto_srv *srv, struct zto_admin_opts *ao,
                       const char *role, zto_err_t (*db_check)(void *ctx),
                       void *db_check_ctx, struct zto_admin **out)
{
    *out = NULL;
    if (ao->nlisten == 0)
        return ZTO_OK;
    ao->role = role;
    ao->srv = srv;
    ao->db_check = db_check;
    ao->db_check_ctx = db_check_ctx;
    return zto_admin_new(zto_srv_event_base(srv), ao, out);
}

void
zto_daemon_announce(const struct zto_srv *srv, const struct zto_admin *adm)
{
    char url[ZTO_LISTEN_HOST_MAX + 32];
    size_t i;

    for (i = 0; i < zto_srv_bound_count(srv); i++)
        if (zto_listen_format(zto_srv_bound(srv, i), url, sizeof(url)) ==
            ZTO_OK)
            printf("listening on %s\n", url);
    for (i = 0; adm != NULL && i < zto_admin_bound_count(adm); i++)
        if (zto_listen_format(zto_admin_bound(adm, i), url, sizeof(url)) ==
            ZTO_OK)
            printf("admin on %s\n", url);
    printf("ready\n");
    fflush(stdout);
}

void
zto_daemon_reloaded(const char *arg_level, const char *conf_level,
                    struct zto_admin *adm, const struct zto_admin_opts *ao,
                    const char *what, size_t applied, size_t restart)
{
    int level;

    /* Both were checked at start and by the reload's load. */
    if (zto_log_level_parse(arg_level != NULL ? arg_level : conf_level,
                            &level) == ZTO_OK)
        zto_log_set_level(level);
    if (adm != NULL)
        zto_admin_set_tokens(adm, (const uint8_t(*)[32])ao->token_sha256,
                             ao->ntokens);
    log_info("reload: %s read again (%zu change(s) applied, %zu waiting for "
             "a restart), log level %s",
             what, applied, restart, zto_log_level_name(zto_log_get_level()));
}
