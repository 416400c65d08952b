/*
 * conf.c - "name = value" configuration files (see zto_conf.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "zto_conf.h"
#include "zto_log.h"

/* Largest configuration file read (a config, not a data file). */
#define CONF_FILE_MAX (1024 * 1024)

static void conf_err(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conf_err(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || cap == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

static void *
cell(void *opts, const struct zto_conf_kw *k)
{
    return (char *)opts + k->off;
}

static const void *
ccell(const void *opts, const struct zto_conf_kw *k)
{
    return (const char *)opts + k->off;
}

static const struct zto_conf_kw *
lookup(const struct zto_conf_kw *kw, size_t nkw, const char *name)
{
    size_t i;

    for (i = 0; i < nkw; i++)
        if (strcmp(kw[i].name, name) == 0)
            return &kw[i];
    return NULL;
}

static bool
cell_is_set(const void *opts, const struct zto_conf_kw *k)
{
    /* Every cell type starts with `bool set`. */
    return *(const bool *)ccell(opts, k);
}

/* Parse `value` into k's cell. `where` prefixes error messages. */
static zto_err_t
assign(const struct zto_conf_kw *k, void *opts, const char *value,
       const char *where, char *err, size_t errcap)
{
    switch (k->type) {
    case ZTO_CONF_STR: {
        struct zto_conf_str *c = cell(opts, k);
        const char *p;
        char *dup;

        for (p = value; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20 && *p != '\t') {
                conf_err(err, errcap, "%s: control character in '%s'", where,
                         k->name);
                return ZTO_E_CONFIG;
            }
        }
        if ((dup = strdup(value)) == NULL)
            return ZTO_E_NOMEM;
        free(c->v);
        c->v = dup;
        c->set = true;
        return ZTO_OK;
    }
    case ZTO_CONF_INT: {
        struct zto_conf_int *c = cell(opts, k);
        char *end = NULL;
        long long v;

        errno = 0;
        v = strtoll(value, &end, 10);
        if (value[0] == '\0' || end == NULL || *end != '\0' || errno != 0 ||
            (value[0] != '-' && (value[0] < '0' || value[0] > '9'))) {
            conf_err(err, errcap, "%s: '%s' needs an integer, not '%s'", where,
                     k->name, value);
            return ZTO_E_CONFIG;
        }
        if (v < k->min || v > k->max) {
            conf_err(err, errcap, "%s: '%s' must be between %lld and %lld",
                     where, k->name, k->min, k->max);
            return ZTO_E_RANGE;
        }
        c->v = v;
        c->set = true;
        return ZTO_OK;
    }
    case ZTO_CONF_BOOL: {
        static const char *const yes[] = {"yes", "true", "on", "1"};
        static const char *const no[] = {"no", "false", "off", "0"};
        struct zto_conf_bool *c = cell(opts, k);
        size_t i;

        for (i = 0; i < 4; i++) {
            if (strcasecmp(value, yes[i]) == 0 ||
                strcasecmp(value, no[i]) == 0) {
                c->v = strcasecmp(value, yes[i]) == 0;
                c->set = true;
                return ZTO_OK;
            }
        }
        conf_err(err, errcap, "%s: '%s' needs yes or no, not '%s'", where,
                 k->name, value);
        return ZTO_E_CONFIG;
    }
    case ZTO_CONF_LISTEN: {
        struct zto_conf_listen *c = cell(opts, k);
        const char *p = value;
        size_t added = 0;

        while (*p != '\0') {
            char spec[ZTO_LISTEN_HOST_MAX + 32];
            struct zto_listen l, *nv;
            size_t n = strcspn(p, " \t,");

            if (n == 0) {
                p++;
                continue;
            }
            if (n >= sizeof(spec)) {
                conf_err(err, errcap, "%s: listen spec too long", where);
                return ZTO_E_CONFIG;
            }
            memcpy(spec, p, n);
            spec[n] = '\0';
            p += n;
            if (zto_listen_parse(spec, k->transport, &l) != ZTO_OK) {
                conf_err(err, errcap,
                         "%s: '%s': bad listen spec '%s' (want "
                         "%sHOST:PORT or [V6]:PORT)",
                         where, k->name, spec,
                         k->transport == 0 ? "SCHEME://" : "");
                return ZTO_E_CONFIG;
            }
            nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
            if (nv == NULL)
                return ZTO_E_NOMEM;
            c->v = nv;
            c->v[c->n++] = l;
            added++;
        }
        if (added == 0) {
            conf_err(err, errcap, "%s: '%s' is empty", where, k->name);
            return ZTO_E_CONFIG;
        }
        c->set = true;
        return ZTO_OK;
    }
    }
    return ZTO_E_INTERNAL;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Value after '=': quoted or plain, comment stripped. Written to out. */
static zto_err_t
parse_value(const char *p, char *out, size_t cap, const char *where, char *err,
            size_t errcap)
{
    size_t n = 0;

    while (is_space(*p))
        p++;
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (*p == '\0') {
                conf_err(err, errcap, "%s: unterminated quote", where);
                return ZTO_E_CONFIG;
            }
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            if (n + 1 >= cap)
                return ZTO_E_TOO_BIG;
            out[n++] = *p;
        }
        p++;
        while (is_space(*p))
            p++;
        if (*p != '\0' && *p != '#') {
            conf_err(err, errcap, "%s: text after the closing quote", where);
            return ZTO_E_CONFIG;
        }
        out[n] = '\0';
        return ZTO_OK;
    }
    for (; *p != '\0'; p++) {
        if (*p == '#' && (n == 0 || is_space(out[n - 1])))
            break;
        if (n + 1 >= cap)
            return ZTO_E_TOO_BIG;
        out[n++] = *p;
    }
    while (n > 0 && is_space(out[n - 1]))
        n--;
    out[n] = '\0';
    if (n == 0) {
        conf_err(err, errcap, "%s: missing value (use \"\" for empty)", where);
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}

zto_err_t
zto_conf_parse_text(const struct zto_conf_kw *kw, size_t nkw, void *opts,
                    const char *name, const char *text, size_t len, char *err,
                    size_t errcap)
{
    char *line = NULL, *value = NULL;
    unsigned *set_at = NULL;
    size_t pos = 0;
    unsigned lineno = 0;
    zto_err_t r = ZTO_E_NOMEM;

    line = malloc(ZTO_CONF_LINE_MAX + 1);
    value = malloc(ZTO_CONF_LINE_MAX + 1);
    set_at = calloc(nkw > 0 ? nkw : 1, sizeof(*set_at));
    if (line == NULL || value == NULL || set_at == NULL)
        goto out;

    while (pos < len) {
        const struct zto_conf_kw *k;
        char where[300], *p, *eq, *e;
        size_t n = 0;

        lineno++;
        snprintf(where, sizeof(where), "%s:%u", name, lineno);
        while (pos < len && text[pos] != '\n') {
            if (text[pos] == '\0') {
                conf_err(err, errcap, "%s: NUL byte", where);
                r = ZTO_E_CONFIG;
                goto out;
            }
            if (n >= ZTO_CONF_LINE_MAX) {
                conf_err(err, errcap, "%s: line longer than %d bytes", where,
                         ZTO_CONF_LINE_MAX);
                r = ZTO_E_CONFIG;
                goto out;
            }
            line[n++] = text[pos++];
        }
        pos++; /* the '\n' */
        if (n > 0 && line[n - 1] == '\r')
            n--;
        line[n] = '\0';

        p = line;
        while (is_space(*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if ((eq = strchr(p, '=')) == NULL) {
            conf_err(err, errcap, "%s: expected 'name = value'", where);
            r = ZTO_E_CONFIG;
            goto out;
        }
        e = eq;
        while (e > p && is_space(e[-1]))
            e--;
        *e = '\0';
        for (e = p; *e != '\0'; e++) {
            if (!((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') ||
                  *e == '_' || *e == '-' || *e == '.')) {
                conf_err(err, errcap, "%s: bad keyword '%s'", where, p);
                r = ZTO_E_CONFIG;
                goto out;
            }
        }
        if ((k = lookup(kw, nkw, p)) == NULL) {
            conf_err(err, errcap, "%s: unknown keyword '%s'", where, p);
            r = ZTO_E_UNKNOWN_KEY;
            goto out;
        }
        if (k->type != ZTO_CONF_LISTEN && set_at[k - kw] != 0) {
            conf_err(err, errcap, "%s: '%s' already set on line %u", where,
                     k->name, set_at[k - kw]);
            r = ZTO_E_CONFIG;
            goto out;
        }
        if ((r = parse_value(eq + 1, value, ZTO_CONF_LINE_MAX + 1, where, err,
                             errcap)) != ZTO_OK)
            goto out;
        if ((r = assign(k, opts, value, where, err, errcap)) != ZTO_OK)
            goto out;
        set_at[k - kw] = lineno;
    }
    r = ZTO_OK;
out:
    free(line);
    free(value);
    free(set_at);
    return r;
}

zto_err_t
zto_conf_parse_file(const struct zto_conf_kw *kw, size_t nkw, void *opts,
                    const char *path, char *err, size_t errcap)
{
    FILE *f;
    char *buf = NULL;
    size_t len = 0;
    zto_err_t r;

    if ((f = fopen(path, "rb")) == NULL) {
        conf_err(err, errcap, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? ZTO_E_NOT_FOUND : ZTO_E_IO;
    }
    if ((buf = malloc(CONF_FILE_MAX + 1)) == NULL) {
        fclose(f);
        return ZTO_E_NOMEM;
    }
    len = fread(buf, 1, CONF_FILE_MAX + 1, f);
    if (ferror(f)) {
        conf_err(err, errcap, "%s: read error", path);
        r = ZTO_E_IO;
    } else if (len > CONF_FILE_MAX) {
        conf_err(err, errcap, "%s: larger than %d bytes", path, CONF_FILE_MAX);
        r = ZTO_E_TOO_BIG;
    } else {
        r = zto_conf_parse_text(kw, nkw, opts, path, buf, len, err, errcap);
    }
    fclose(f);
    free(buf);
    return r;
}

zto_err_t
zto_conf_set(const struct zto_conf_kw *kw, size_t nkw, void *opts,
             const char *name, const char *value, char *err, size_t errcap)
{
    const struct zto_conf_kw *k = lookup(kw, nkw, name);
    char where[300];

    if (k == NULL) {
        conf_err(err, errcap, "unknown option '%s'", name);
        return ZTO_E_UNKNOWN_KEY;
    }
    snprintf(where, sizeof(where), "option %s", name);
    return assign(k, opts, value, where, err, errcap);
}

zto_err_t
zto_conf_fill_defaults(const struct zto_conf_kw *kw, size_t nkw, void *opts,
                       char *err, size_t errcap)
{
    size_t i;
    zto_err_t r;

    for (i = 0; i < nkw; i++) {
        const struct zto_conf_kw *k = &kw[i];
        char where[300];

        if (cell_is_set(opts, k))
            continue;
        if (k->def != NULL) {
            snprintf(where, sizeof(where), "default of %s", k->name);
            if ((r = assign(k, opts, k->def, where, err, errcap)) != ZTO_OK)
                return r;
        } else if (k->required) {
            conf_err(err, errcap, "'%s' must be set (%s)", k->name,
                     k->help != NULL ? k->help : "no default");
            return ZTO_E_CONFIG;
        }
    }
    return ZTO_OK;
}

static void
print_quoted(FILE *out, const char *s)
{
    bool plain = s[0] != '\0' && !is_space(s[0]) && s[0] != '"' &&
                 s[0] != '#' && !is_space(s[strlen(s) - 1]) &&
                 strstr(s, " #") == NULL && strstr(s, "\t#") == NULL;

    if (plain) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void
zto_conf_print(const struct zto_conf_kw *kw, size_t nkw, const void *opts,
               FILE *out)
{
    size_t i, j;

    for (i = 0; i < nkw; i++) {
        const struct zto_conf_kw *k = &kw[i];

        if (k->help != NULL)
            fprintf(out, "# %s\n", k->help);
        if (!cell_is_set(opts, k)) {
            fprintf(out, "# %s = (unset)\n", k->name);
            continue;
        }
        fprintf(out, "%s = ", k->name);
        if (k->secret) {
            fputs("(hidden)", out);
        } else if (k->type == ZTO_CONF_STR) {
            print_quoted(out, ((const struct zto_conf_str *)ccell(opts, k))->v);
        } else if (k->type == ZTO_CONF_INT) {
            fprintf(out, "%lld",
                    ((const struct zto_conf_int *)ccell(opts, k))->v);
        } else if (k->type == ZTO_CONF_BOOL) {
            fputs(((const struct zto_conf_bool *)ccell(opts, k))->v ? "yes"
                                                                    : "no",
                  out);
        } else if (k->type == ZTO_CONF_LISTEN) {
            const struct zto_conf_listen *c = ccell(opts, k);
            for (j = 0; j < c->n; j++) {
                char spec[ZTO_LISTEN_HOST_MAX + 32];
                if (zto_listen_format(&c->v[j], spec, sizeof(spec)) != ZTO_OK)
                    continue;
                fprintf(out, "%s%s", j > 0 ? " " : "", spec);
            }
        }
        fputc('\n', out);
    }
}

void
zto_conf_free(const struct zto_conf_kw *kw, size_t nkw, void *opts)
{
    size_t i;

    for (i = 0; i < nkw; i++) {
        const struct zto_conf_kw *k = &kw[i];

        if (k->type == ZTO_CONF_STR) {
            struct zto_conf_str *c = cell(opts, k);
            free(c->v);
            c->v = NULL;
            c->set = false;
        } else if (k->type == ZTO_CONF_LISTEN) {
            struct zto_conf_listen *c = cell(opts, k);
            free(c->v);
            c->v = NULL;
            c->n = 0;
            c->set = false;
        } else {
            *(bool *)cell(opts, k) = false;
        }
    }
}

bool
zto_conf_equal(const struct zto_conf_kw *k, const void *a, const void *b)
{
    size_t i;

    if (cell_is_set(a, k) != cell_is_set(b, k))
        return false;
    if (!cell_is_set(a, k))
        return true;
    switch (k->type) {
    case ZTO_CONF_STR: {
        const struct zto_conf_str *x = ccell(a, k), *y = ccell(b, k);
        return x->v != NULL && y->v != NULL ? strcmp(x->v, y->v) == 0
                                            : x->v == y->v;
    }
    case ZTO_CONF_INT:
        return ((const struct zto_conf_int *)ccell(a, k))->v ==
               ((const struct zto_conf_int *)ccell(b, k))->v;
    case ZTO_CONF_BOOL:
        return ((const struct zto_conf_bool *)ccell(a, k))->v ==
               ((const struct zto_conf_bool *)ccell(b, k))->v;
    case ZTO_CONF_LISTEN: {
        const struct zto_conf_listen *x = ccell(a, k), *y = ccell(b, k);
        if (x->n != y->n)
            return false;
        for (i = 0; i < x->n; i++)
            if (x->v[i].transport != y->v[i].transport ||
                x->v[i].port != y->v[i].port ||
                strcmp(x->v[i].host, y->v[i].host) != 0)
                return false;
        return true;
    }
    }
    return false;
}

static bool
listed(const char *const *names, const char *name)
{
    for (; names != NULL && *names != NULL; names++)
        if (strcmp(*names, name) == 0)
            return true;
    return false;
}

size_t
zto_conf_reload(const struct zto_conf_kw *kw, size_t nkw, void *live,
                void *fresh, const char *const *reloadable,
                void (*restart)(void *ctx, const char *name), void *ctx,
                size_t *applied)
{
    /* Large enough for every cell type. */
    union {
        struct zto_conf_str s;
        struct zto_conf_int i;
        struct zto_conf_bool b;
        struct zto_conf_listen l;
    } tmp;
    size_t i, n = 0, sz = 0, changed = 0;

    for (i = 0; i < nkw; i++) {
        const struct zto_conf_kw *k = &kw[i];

        if (zto_conf_equal(k, live, fresh))
            continue;
        if (!listed(reloadable, k->name)) {
            if (restart != NULL)
                restart(ctx, k->name);
            n++;
            continue;
        }
        switch (k->type) {
        case ZTO_CONF_STR:
            sz = sizeof(struct zto_conf_str);
            break;
        case ZTO_CONF_INT:
            sz = sizeof(struct zto_conf_int);
            break;
        case ZTO_CONF_BOOL:
            sz = sizeof(struct zto_conf_bool);
            break;
        case ZTO_CONF_LISTEN:
            sz = sizeof(struct zto_conf_listen);
            break;
        }
        memcpy(&tmp, cell(live, k), sz);
        memcpy(cell(live, k), cell(fresh, k), sz);
        memcpy(cell(fresh, k), &tmp, sz);
        changed++;
    }
    if (applied != NULL)
        *applied = changed;
    return n;
}

void
zto_srv_conf_apply(const struct zto_srv_conf *c, struct zto_srv_opts *o)
{
    o->listen = c->listen.v;
    o->nlisten = c->listen.n;
    o->tls_cert = c->tls_cert.set ? c->tls_cert.v : NULL;
    o->tls_key = c->tls_key.set ? c->tls_key.v : NULL;
    if (c->http_timeout.set)
        o->http_timeout_s = (unsigned)c->http_timeout.v;
    if (c->max_clients.set)
        o->max_clients = (unsigned)c->max_clients.v;
    if (c->coap_cache_entries.set)
        o->coap_cache_entries = (unsigned)c->coap_cache_entries.v;
    if (c->coap_cache_ttl.set)
        o->coap_cache_ttl_s = (unsigned)c->coap_cache_ttl.v;
}

zto_err_t
zto_conf_add_listen(struct zto_conf_listen *c, const char *spec, int transport)
{
    struct zto_listen l, *nv;
    zto_err_t r;

    if ((r = zto_listen_parse(spec, transport, &l)) != ZTO_OK)
        return r;
    if ((nv = realloc(c->v, (c->n + 1) * sizeof(*nv))) == NULL)
        return ZTO_E_NOMEM;
    c->v = nv;
    c->v[c->n++] = l;
    c->set = true;
    return ZTO_OK;
}

zto_err_t
zto_conf_check_key_file(const char *what, const char *path, char *err,
                        size_t errcap)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        snprintf(err, errcap, "%s %s: %s", what, path, strerror(errno));
        return ZTO_E_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errcap, "%s %s: not a regular file", what, path);
        return ZTO_E_IO;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        snprintf(err, errcap,
                 "%s %s: readable or writable by group/others (mode %03o); "
                 "refusing to use it (chmod 600)",
                 what, path, (unsigned)(st.st_mode & 0777));
        return ZTO_E_PERM;
    }
    return ZTO_OK;
}

zto_err_t
zto_conf_resolve(struct zto_conf_str *s, const char *conf_path)
{
    const char *slash = conf_path != NULL ? strrchr(conf_path, '/') : NULL;
    size_t dl, fl;
    char *p;

    if (!s->set || s->v == NULL || s->v[0] == '/' || slash == NULL ||
        strcmp(s->v, ":memory:") == 0)
        return ZTO_OK;
    dl = (size_t)(slash - conf_path) + 1;
    fl = strlen(s->v);
    if ((p = malloc(dl + fl + 1)) == NULL)
        return ZTO_E_NOMEM;
    memcpy(p, conf_path, dl);
    memcpy(p + dl, s->v, fl + 1);
    free(s->v);
    s->v = p;
    return ZTO_OK;
}

zto_err_t
zto_conf_check_log(const struct zto_conf_str *level,
                   const struct zto_conf_str *target, const char *path,
                   char *err, size_t errcap)
{
    int v;

    if (zto_log_level_parse(level->v, &v) != ZTO_OK) {
        conf_err(err, errcap, "%s: log_level must be err, warn, info or debug",
                 path);
        return ZTO_E_CONFIG;
    }
    if (zto_log_target_parse(target->v, &v) != ZTO_OK) {
        conf_err(err, errcap, "%s: log_target must be auto, stderr or syslog",
                 path);
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}
