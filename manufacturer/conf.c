/*
 * conf.c - fdo-manufacturer's configuration file, on the shared parser
 * (server/zto_conf.h). One addition to that syntax: "rv = ..." may be
 * given once per RendezvousInfo directive, in order; those lines are
 * taken out here (keeping line numbers) and parsed by mfg_rvconf.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mfg_conf.h"
#include "zto_log.h"

#define CONF_FILE_MAX (1u << 20)

/* clang-format off */
#define KW(name, type, field, def, min, max, req, help)                        \
    {name, type, offsetof(struct mfg_conf, field), def, min, max, 0, req,      \
     false, help}
#define KWL(name, field, transport, help)                                      \
    {name, ZTO_CONF_LISTEN, offsetof(struct mfg_conf, field), NULL, 0, 0,      \
     transport, false, false, help}

static const struct zto_conf_kw mfg_kw[] = {
    ZTO_SRV_CONF_KW(struct mfg_conf, srv, "http://127.0.0.1:8039"),
    KWL("http", http, ZTO_SRV_HTTP, "HTTP listener HOST:PORT (repeatable)"),
    KWL("https", https, ZTO_SRV_HTTPS, "HTTPS listener HOST:PORT"),
    KWL("coap", coap, ZTO_SRV_COAP, "CoAP listener HOST:PORT (repeatable)"),
    KWL("coaps", coaps, ZTO_SRV_COAPS, "CoAPS listener HOST:PORT"),
    KW("db", ZTO_CONF_STR, db, NULL, 0, 0, true, "SQLite database file"),
    KW("db_sync", ZTO_CONF_BOOL, db_sync, "yes", 0, 0, false,
       "fsync every commit (survives power loss)"),
    KW("manufacturer_key", ZTO_CONF_STR, mfg_key, NULL, 0, 0, true,
       "manufacturer private key (PEM)"),
    KW("device_ca_key", ZTO_CONF_STR, ca_key, NULL, 0, 0, true,
       "device-CA private key (PEM)"),
    KW("device_ca_chain", ZTO_CONF_STR, ca_chain, NULL, 0, 0, true,
       "device-CA certificate and its chain (PEM)"),
    KW("device_info", ZTO_CONF_STR, device_info, "zto-device", 0, 0, false,
       "OVDeviceInfo when the device sends no model"),
    KW("device_cert_days", ZTO_CONF_INT, cert_days, "3650", 1, 36500, false,
       "validity of device certificates, days"),
    KW("session_timeout", ZTO_CONF_INT, session_timeout, "300", 5, 86400,
       false, "seconds a device has between DI.AppStart and DI.SetHMAC"),
    KW("log_level", ZTO_CONF_STR, log_level, "info", 0, 0, false,
       "err, warn, info or debug"),
    KW("log_target", ZTO_CONF_STR, log_target, "auto", 0, 0, false,
       "auto (journald or stderr), stderr or syslog"),
    ZTO_ADMIN_CONF_KW(struct mfg_conf, admin),
};
/* clang-format on */

#define NKW (sizeof(mfg_kw) / sizeof(mfg_kw[0]))

static bool
is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The value of an "rv = ..." line, with the parser's quoting and
 * comment rules. */
static zto_err_t
rv_value(const char *p, const char *end, char **out)
{
    char *v = malloc((size_t)(end - p) + 1);
    size_t n = 0;

    if (v == NULL)
        return ZTO_E_NOMEM;
    while (p < end && is_space(*p))
        p++;
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
                p++;
            v[n++] = *p;
        }
        if (p >= end) {
            free(v);
            return ZTO_E_CONFIG;
        }
        for (p++; p < end && is_space(*p); p++)
            ;
        if (p < end && *p != '#') {
            free(v);
            return ZTO_E_CONFIG;
        }
    } else {
        for (; p < end; p++) {
            if (*p == '#' && (n == 0 || is_space(v[n - 1])))
                break;
            v[n++] = *p;
        }
        while (n > 0 && is_space(v[n - 1]))
            n--;
    }
    v[n] = '\0';
    *out = v;
    return ZTO_OK;
}

/* Take the rv lines out of text (blanking them) into c->rv. */
static zto_err_t
extract_rv(struct mfg_conf *c, const char *path, char *text, size_t len,
           char *err, size_t errcap)
{
    struct zto_rv_directive d[ZTO_MAX_RV_ENTRIES];
    char why[200];
    size_t pos = 0;
    unsigned line = 0;
    zto_err_t r;

    while (pos < len) {
        char *s = text + pos, *e = memchr(s, '\n', len - pos), *p = s, *q;
        char *end = e != NULL ? e : text + len;

        line++;
        pos = (size_t)(end - text) + 1;
        while (p < end && is_space(*p))
            p++;
        if (end - p < 2 || p[0] != 'r' || p[1] != 'v')
            continue;
        for (q = p + 2; q < end && is_space(*q); q++)
            ;
        if (q >= end || *q != '=')
            continue;
        if (end > s && end[-1] == '\r')
            end--;
        if (c->nrv == ZTO_MAX_RV_ENTRIES) {
            snprintf(err, errcap, "%s:%u: more than %d rv directives", path,
                     line, ZTO_MAX_RV_ENTRIES);
            return ZTO_E_CONFIG;
        }
        if ((r = rv_value(q + 1, end, &c->rv[c->nrv])) != ZTO_OK) {
            snprintf(err, errcap, "%s:%u: rv: bad quoting", path, line);
            return r;
        }
        if (mfg_rv_parse(c->rv[c->nrv], &d[c->nrv], why, sizeof(why)) !=
            ZTO_OK) {
            c->nrv++;
            snprintf(err, errcap, "%s:%u: %s", path, line, why);
            return ZTO_E_CONFIG;
        }
        c->nrv++;
        memset(s, ' ', (size_t)(end - s)); /* keep the line, empty it */
    }
    if (c->nrv == 0) {
        snprintf(err, errcap,
                 "%s: no 'rv = ...' line: devices need "
                 "RendezvousInfo",
                 path);
        return ZTO_E_CONFIG;
    }
    if ((r = mfg_rv_encode(d, c->nrv, c->rvinfo, sizeof(c->rvinfo),
                           &c->rvinfo_len)) != ZTO_OK) {
        snprintf(err, errcap, "%s: RendezvousInfo: %s", path, zto_strerror(r));
        return r;
    }
    return ZTO_OK;
}

/* Append the scheme-specific listener lists to srv.listen. */
static zto_err_t
merge_listen(struct mfg_conf *c, struct zto_conf_listen *l)
{
    char spec[ZTO_LISTEN_HOST_MAX + 32];
    size_t i;
    zto_err_t r;

    for (i = 0; l->set && i < l->n; i++)
        if ((r = zto_listen_format(&l->v[i], spec, sizeof(spec))) != ZTO_OK ||
            (r = zto_conf_add_listen(&c->srv.listen, spec, 0)) != ZTO_OK)
            return r;
    /* From now on they are listed once, under "listen" (also in -T). */
    free(l->v);
    memset(l, 0, sizeof(*l));
    return ZTO_OK;
}

zto_err_t
mfg_conf_load(struct mfg_conf *c, const char *path, char *err, size_t errcap)
{
    char *text = NULL;
    size_t len = 0;
    zto_err_t r;

    memset(c, 0, sizeof(*c));
    err[0] = '\0';
    if ((r = mfg_conf_read_file("config", path, false, &text, &len, err,
                                errcap)) != ZTO_OK)
        return r;
    if ((r = extract_rv(c, path, text, len, err, errcap)) != ZTO_OK ||
        (r = zto_conf_parse_text(mfg_kw, NKW, c, path, text, len, err,
                                 errcap)) != ZTO_OK)
        goto out;
    if ((r = merge_listen(c, &c->http)) != ZTO_OK ||
        (r = merge_listen(c, &c->https)) != ZTO_OK ||
        (r = merge_listen(c, &c->coap)) != ZTO_OK ||
        (r = merge_listen(c, &c->coaps)) != ZTO_OK) {
        snprintf(err, errcap, "%s: listeners: %s", path, zto_strerror(r));
        goto out;
    }
    if ((r = zto_conf_fill_defaults(mfg_kw, NKW, c, err, errcap)) != ZTO_OK)
        goto out;
    if ((r = zto_conf_check_log(&c->log_level, &c->log_target, path, err,
                                errcap)) != ZTO_OK)
        goto out;
    if ((r = zto_conf_resolve(&c->db, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->mfg_key, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->ca_key, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->ca_chain, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->srv.tls_cert, path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->srv.tls_key, path)) != ZTO_OK ||
        (r = zto_admin_conf_resolve(&c->admin, path)) != ZTO_OK)
        goto out;
out:
    free(text);
    if (r != ZTO_OK)
        mfg_conf_free(c);
    return r;
}

void
mfg_conf_free(struct mfg_conf *c)
{
    size_t i;

    zto_conf_free(mfg_kw, NKW, c);
    for (i = 0; i < c->nrv; i++)
        free(c->rv[i]);
    c->nrv = 0;
}

size_t
mfg_conf_reload(struct mfg_conf *live, struct mfg_conf *fresh,
                void (*restart)(void *ctx, const char *name), void *ctx,
                size_t *applied)
{
    static const char *const reloadable[] = {
        "log_level",       "manufacturer_key",   "device_ca_key",
        "device_ca_chain", "device_info",        "device_cert_days",
        "session_timeout", "admin_token_sha256", NULL,
    };
    size_t n, nrv;
    char *rv[ZTO_MAX_RV_ENTRIES];
    uint8_t rvinfo[MFG_MAX_RVINFO];
    size_t rvinfo_len;

    n = zto_conf_reload(mfg_kw, NKW, live, fresh, reloadable, restart, ctx,
                        applied);
    if (live->rvinfo_len != fresh->rvinfo_len ||
        memcmp(live->rvinfo, fresh->rvinfo, live->rvinfo_len) != 0) {
        nrv = live->nrv;
        memcpy(rv, live->rv, sizeof(rv));
        memcpy(rvinfo, live->rvinfo, sizeof(rvinfo));
        rvinfo_len = live->rvinfo_len;
        live->nrv = fresh->nrv;
        memcpy(live->rv, fresh->rv, sizeof(rv));
        memcpy(live->rvinfo, fresh->rvinfo, sizeof(rvinfo));
        live->rvinfo_len = fresh->rvinfo_len;
        fresh->nrv = nrv;
        memcpy(fresh->rv, rv, sizeof(rv));
        memcpy(fresh->rvinfo, rvinfo, sizeof(rvinfo));
        fresh->rvinfo_len = rvinfo_len;
        if (applied != NULL)
            (*applied)++;
    }
    mfg_conf_free(fresh);
    return n;
}

void
mfg_conf_print(const struct mfg_conf *c, FILE *out)
{
    size_t i;

    zto_conf_print(mfg_kw, NKW, c, out);
    for (i = 0; i < c->nrv; i++)
        fprintf(out, "rv = %s\n", c->rv[i]);
}

zto_err_t
mfg_conf_read_file(const char *what, const char *path, bool private_key,
                   char **out, size_t *len, char *err, size_t errcap)
{
    struct stat st;
    FILE *f = NULL;
    char *buf = NULL;
    zto_err_t r = ZTO_E_IO;

    if ((f = fopen(path, "rb")) == NULL) {
        snprintf(err, errcap, "%s %s: %s", what, path, strerror(errno));
        return errno == ENOENT ? ZTO_E_NOT_FOUND : ZTO_E_IO;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errcap, "%s %s: not a regular file", what, path);
        goto out;
    }
    if (private_key &&
        (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) != 0) {
        snprintf(err, errcap,
                 "%s %s: readable or writable by group/others (mode %03o); "
                 "refusing to use it (chmod 600)",
                 what, path, (unsigned)(st.st_mode & 0777));
        r = ZTO_E_PERM;
        goto out;
    }
    if ((uintmax_t)st.st_size > CONF_FILE_MAX) {
        snprintf(err, errcap, "%s %s: larger than 1 MiB", what, path);
        r = ZTO_E_TOO_BIG;
        goto out;
    }
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        snprintf(err, errcap, "%s %s: read error", what, path);
        goto out;
    }
    buf[st.st_size] = '\0';
    *out = buf;
    *len = (size_t)st.st_size;
    buf = NULL;
    r = ZTO_OK;
out:
    if (buf != NULL) {
        /* A key file half read on a failed path. */
        zto_zeroize(buf, (size_t)st.st_size + 1);
        free(buf);
    }
    fclose(f);
    return r;
}
