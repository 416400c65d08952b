/*
 * conf.c - fdo-rendezvous's options on the shared parser
 * (server/zto_conf.h): listeners, database, WaitSeconds cap, session and
 * purge timing, trust policy, log level.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rv_conf.h"
#include "zto_log.h"

/* clang-format off */
#define KW(name, type, field, def, min, max, help)                             \
    {name, type, offsetof(struct rv_conf, field), def, min, max, 0, false,     \
     false, help}

static const struct zto_conf_kw rv_kw[] = {
    ZTO_SRV_CONF_KW(struct rv_conf, srv, "http://*:8041 coap://*:5683"),
    {"db", ZTO_CONF_STR, offsetof(struct rv_conf, db), NULL, 0, 0, 0, true,
     false, "SQLite database file"},
    KW("db_sync", ZTO_CONF_BOOL, db_sync, "yes",
       0, 0, "fsync every commit (survives power loss)"),
    KW("max_wait_seconds", ZTO_CONF_INT, max_wait, "86400", 1, 4294967295LL,
       "longest registration granted in TO0.AcceptOwner, seconds"),
    KW("session_timeout", ZTO_CONF_INT, session_timeout, "120", 10, 3600,
       "seconds between the first and the last message of TO0 / TO1"),
    KW("purge_interval", ZTO_CONF_INT, purge_interval, "300", 1, 86400,
       "seconds between deletions of expired registrations and sessions"),
    KW("allow_all", ZTO_CONF_BOOL, allow_all, NULL, 0, 0,
       "accept every owner whose voucher verifies (no owner/manufacturer "
       "list)"),
    KW("trusted_owner_keys", ZTO_CONF_STR, trusted_owner_keys, NULL, 0, 0,
       "owner public keys allowed to register (PEM file or directory)"),
    KW("trusted_manufacturer_keys", ZTO_CONF_STR, trusted_manufacturer_keys,
       NULL, 0, 0,
       "manufacturer public keys whose vouchers are accepted (PEM file or "
       "directory)"),
    KW("trusted_device_ca", ZTO_CONF_STR, trusted_device_ca, NULL, 0, 0,
       "CA certificates the device chain must verify to (PEM file or "
       "directory)"),
    KW("log_level", ZTO_CONF_STR, log_level, "info", 0, 0,
       "err, warn, info or debug"),
    KW("log_target", ZTO_CONF_STR, log_target, "auto", 0, 0,
       "auto (journald or stderr), stderr or syslog"),
    ZTO_ADMIN_CONF_KW(struct rv_conf, admin),
};
/* clang-format on */

#define NKW (sizeof(rv_kw) / sizeof(rv_kw[0]))

zto_err_t
rv_conf_load(struct rv_conf *c, const char *path, char *err, size_t errcap)
{
    zto_err_t r;

    memset(c, 0, sizeof(*c));
    err[0] = '\0';
    if ((r = zto_conf_parse_file(rv_kw, NKW, c, path, err, errcap)) != ZTO_OK ||
        (r = zto_conf_fill_defaults(rv_kw, NKW, c, err, errcap)) != ZTO_OK)
        goto out;
    if ((r = zto_conf_check_log(&c->log_level, &c->log_target, path, err,
                                errcap)) != ZTO_OK)
        goto out;
    if (c->srv.tls_cert.set != c->srv.tls_key.set) {
        snprintf(err, errcap, "%s: tls_cert and tls_key go together", path);
        r = ZTO_E_CONFIG;
        goto out;
    }
    if ((r = zto_conf_resolve(&c->db, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->trusted_owner_keys, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->trusted_manufacturer_keys, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->trusted_device_ca, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->srv.tls_cert, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->srv.tls_key, path)) != ZTO_OK ||
        (r = zto_admin_conf_resolve(&c->admin, path)) != ZTO_OK)
        goto out;
out:
    if (r != ZTO_OK)
        rv_conf_free(c);
    return r;
}

void
rv_conf_free(struct rv_conf *c)
{
    zto_conf_free(rv_kw, NKW, c);
}

size_t
rv_conf_reload(struct rv_conf *live, struct rv_conf *fresh,
               void (*restart)(void *ctx, const char *name), void *ctx,
               size_t *applied)
{
    static const char *const reloadable[] = {
        "log_level",
        "max_wait_seconds",
        "session_timeout",
        "purge_interval",
        "allow_all",
        "trusted_owner_keys",
        "trusted_manufacturer_keys",
        "trusted_device_ca",
        "admin_token_sha256",
        NULL,
    };
    size_t n = zto_conf_reload(rv_kw, NKW, live, fresh, reloadable, restart,
                               ctx, applied);

    rv_conf_free(fresh);
    return n;
}

void
rv_conf_print(const struct rv_conf *c, FILE *out)
{
    zto_conf_print(rv_kw, NKW, c, out);
}

zto_err_t
rv_conf_policy(const struct rv_conf *c, struct zto_rv_policy *p, char *err,
               size_t errcap)
{
    static const struct {
        int list;
        size_t off;
        const char *name;
    } lists[] = {
        {ZTO_RV_TRUST_OWNER, offsetof(struct rv_conf, trusted_owner_keys),
         "trusted_owner_keys"},
        {ZTO_RV_TRUST_MFG, offsetof(struct rv_conf, trusted_manufacturer_keys),
         "trusted_manufacturer_keys"},
        {ZTO_RV_TRUST_DEVICE_CA, offsetof(struct rv_conf, trusted_device_ca),
         "trusted_device_ca"},
    };
    struct zto_rv_policy tmp;
    size_t i;
    zto_err_t r = ZTO_OK;

    zto_rv_policy_init(&tmp);
    tmp.allow_all = c->allow_all.set && c->allow_all.v;
    for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        const struct zto_conf_str *s =
            (const struct zto_conf_str *)((const char *)c + lists[i].off);
        char why[400];

        if (!s->set)
            continue;
        if ((r = zto_rv_policy_add_path(&tmp, lists[i].list, s->v, why,
                                        sizeof(why))) != ZTO_OK) {
            snprintf(err, errcap, "%s: %s", lists[i].name, why);
            goto out;
        }
    }
    if ((r = zto_rv_policy_validate(&tmp, err, errcap)) != ZTO_OK)
        goto out;
    *p = tmp;
    zto_rv_policy_init(&tmp);
out:
    zto_rv_policy_free(&tmp);
    return r;
}
