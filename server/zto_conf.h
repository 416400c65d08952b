/*
 * zto_conf.h - the configuration file parser shared by the daemons.
 *
 * A role declares its options as a struct of typed cells and describes
 * them in a keyword table:
 *
 *     struct owner_conf {
 *         struct zto_conf_listen listen;
 *         struct zto_conf_str db;
 *         struct zto_conf_int http_timeout;
 *     };
 *     static const struct zto_conf_kw owner_kw[] = {
 *         {"listen", ZTO_CONF_LISTEN, offsetof(struct owner_conf, listen),
 *          "http://[::]:8042", 0, 0, 0, false, false, "where to serve"},
 *         {"db", ZTO_CONF_STR, offsetof(struct owner_conf, db), NULL,
 *          0, 0, 0, true, false, "SQLite database file"},
 *         {"http_timeout", ZTO_CONF_INT, offsetof(struct owner_conf,
 *          http_timeout), "30", 1, 3600, 0, false, false, "seconds"},
 *     };
 *
 * File syntax: one "name = value" per line; blank lines and lines
 * starting with '#' are ignored, and so is the rest of a line after a
 * '#' that follows whitespace. A value may be double-quoted (escapes \"
 * and \\) to keep leading/trailing spaces or a " #". Unknown keywords,
 * a scalar set twice, and malformed values are errors reported as
 * "file:line: ...".
 *
 * Every cell starts unset (zeroed struct). zto_conf_fill_defaults() then
 * applies the table's defaults to cells still unset and fails for
 * required ones without a value, so "set in the file" and "defaulted"
 * stay distinguishable until then.
 */
#ifndef ZTO_CONF_H
#define ZTO_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "zto/zto_err.h"
#include "zto_srv.h"

#ifdef __cplusplus
extern "C" {
#endif

enum zto_conf_type {
    ZTO_CONF_STR = 1, /* struct zto_conf_str */
    ZTO_CONF_INT,     /* struct zto_conf_int, min..max */
    ZTO_CONF_BOOL,    /* struct zto_conf_bool: yes/no true/false on/off 1/0 */
    ZTO_CONF_LISTEN   /* struct zto_conf_listen: specs separated by spaces
                         or commas; repeated lines append */
};

struct zto_conf_str {
    bool set;
    char *v; /* heap, freed by zto_conf_free() */
};

struct zto_conf_int {
    bool set;
    long long v;
};

struct zto_conf_bool {
    bool set;
    bool v;
};

struct zto_conf_listen {
    bool set;
    struct zto_listen *v; /* heap, freed by zto_conf_free() */
    size_t n;
};

struct zto_conf_kw {
    const char *name;
    enum zto_conf_type type;
    size_t off;         /* offsetof() the cell in the options struct */
    const char *def;    /* default, in file syntax; NULL: none */
    long long min, max; /* ZTO_CONF_INT */
    int transport;      /* ZTO_CONF_LISTEN: for specs without a scheme
                           (enum zto_srv_transport); 0: scheme needed */
    bool required;      /* must be set (in the file or by a default) */
    bool secret;        /* printed as "(hidden)" */
    const char *help;
};

/* Longest line accepted. */
#define ZTO_CONF_LINE_MAX 4096

ZTO_MUST_CHECK zto_err_t zto_conf_parse_file(const struct zto_conf_kw *kw,
                                             size_t nkw, void *opts,
                                             const char *path, char *err,
                                             size_t errcap);
/* `name` is used in error messages only. */
ZTO_MUST_CHECK zto_err_t zto_conf_parse_text(const struct zto_conf_kw *kw,
                                             size_t nkw, void *opts,
                                             const char *name, const char *text,
                                             size_t len, char *err,
                                             size_t errcap);
/* Set one keyword (e.g. from the command line); replaces a scalar
 * already set, appends to a listen list. */
ZTO_MUST_CHECK zto_err_t zto_conf_set(const struct zto_conf_kw *kw, size_t nkw,
                                      void *opts, const char *name,
                                      const char *value, char *err,
                                      size_t errcap);
ZTO_MUST_CHECK zto_err_t zto_conf_fill_defaults(const struct zto_conf_kw *kw,
                                                size_t nkw, void *opts,
                                                char *err, size_t errcap);
/* The effective configuration in file syntax (for "-T"). */
void zto_conf_print(const struct zto_conf_kw *kw, size_t nkw, const void *opts,
                    FILE *out);
/* Free heap values and mark everything unset. */
void zto_conf_free(const struct zto_conf_kw *kw, size_t nkw, void *opts);

/*
 * SIGHUP: `fresh` is the file read again (parsed, defaults filled, checked
 * by the role). Every keyword named in `reloadable` (NULL-terminated) has
 * its cell exchanged between live and fresh: live then holds the new value
 * and fresh the old one, for zto_conf_free(). Every other keyword whose
 * value differs keeps its running value; `restart` (may be NULL) is called
 * with its name. *applied (may be NULL) counts the reloadable keywords
 * whose value changed; the result is the number of keywords that need a
 * restart.
 */
size_t zto_conf_reload(const struct zto_conf_kw *kw, size_t nkw, void *live,
                       void *fresh, const char *const *reloadable,
                       void (*restart)(void *ctx, const char *name), void *ctx,
                       size_t *applied);
/* Same value (both unset, or equal) in a and b. */
bool zto_conf_equal(const struct zto_conf_kw *k, const void *a, const void *b);

/*
 * Transport settings every daemon has, under the same names
 * (docs/transport.md section 3.2). A role embeds the struct in its
 * options and the keywords in its table:
 *
 *     struct owner_conf { struct zto_srv_conf srv; ... };
 *     static const struct zto_conf_kw owner_kw[] = {
 *         ZTO_SRV_CONF_KW(struct owner_conf, srv, "http://[::]:8042"),
 *         ...
 *     };
 *
 * and after zto_conf_fill_defaults() copies them into its server options
 * with zto_srv_conf_apply() (the listener array stays owned by the conf).
 */
struct zto_srv_conf {
    struct zto_conf_listen listen;
    struct zto_conf_str tls_cert;
    struct zto_conf_str tls_key;
    struct zto_conf_int http_timeout;
    struct zto_conf_int max_clients;
    struct zto_conf_int coap_cache_entries;
    struct zto_conf_int coap_cache_ttl;
};

/* clang-format off */
#define ZTO_SRV_CONF_KW_(name, type, off, def, min, max, help)                 \
    {name, type, off, def, min, max, 0, false, false, help}
#define ZTO_SRV_CONF_KW(T, m, default_listen)                                  \
    {"listen", ZTO_CONF_LISTEN, offsetof(T, m.listen), default_listen,         \
     0, 0, 0, true, false, "listeners: SCHEME://HOST:PORT ..."},               \
    ZTO_SRV_CONF_KW_("tls_cert", ZTO_CONF_STR, offsetof(T, m.tls_cert),        \
        NULL, 0, 0, "PEM certificate chain for https/coaps listeners"),        \
    ZTO_SRV_CONF_KW_("tls_key", ZTO_CONF_STR, offsetof(T, m.tls_key),          \
        NULL, 0, 0, "PEM private key for https/coaps listeners"),              \
    ZTO_SRV_CONF_KW_("http_timeout", ZTO_CONF_INT,                             \
        offsetof(T, m.http_timeout), "30", 1, 3600,                            \
        "HTTP: seconds of silence before a connection is closed"),             \
    ZTO_SRV_CONF_KW_("max_clients", ZTO_CONF_INT,                              \
        offsetof(T, m.max_clients), "256", 1, 65535,                           \
        "HTTP connections / CoAP block-wise bodies at once"),                  \
    ZTO_SRV_CONF_KW_("coap_cache_entries", ZTO_CONF_INT,                       \
        offsetof(T, m.coap_cache_entries), "1024", 16, 1000000,                \
        "CoAP duplicate cache: sessions remembered"),                          \
    ZTO_SRV_CONF_KW_("coap_cache_ttl", ZTO_CONF_INT,                           \
        offsetof(T, m.coap_cache_ttl), "247", 10, 3600,                        \
        "CoAP duplicate cache: seconds an answer is kept")
/* clang-format on */

void zto_srv_conf_apply(const struct zto_srv_conf *c, struct zto_srv_opts *o);

/* Append one listen spec to a list, for command-line flags such as
 * "--coap [::1]:5683" (transport applies when spec has no scheme). */
ZTO_MUST_CHECK zto_err_t zto_conf_add_listen(struct zto_conf_listen *c,
                                             const char *spec, int transport);

/* A private key file (TLS key, admin TLS key) must be a regular file
 * that neither group nor others may read or write: ZTO_OK, else
 * ZTO_E_PERM (or ZTO_E_IO when it cannot be examined) with one line in
 * err naming `what`, the path and its mode. */
ZTO_MUST_CHECK zto_err_t zto_conf_check_key_file(const char *what,
                                                 const char *path, char *err,
                                                 size_t errcap);

/* A relative file name made relative to the directory of the
 * configuration file conf_path. Unset, absolute and ":memory:" values
 * stay as they are, and so does everything when conf_path names no
 * directory. */
ZTO_MUST_CHECK zto_err_t zto_conf_resolve(struct zto_conf_str *s,
                                          const char *conf_path);

/* The log_level and log_target keywords hold values zto_log knows;
 * else one line "PATH: log_level must be ..." in err. */
ZTO_MUST_CHECK zto_err_t zto_conf_check_log(const struct zto_conf_str *level,
                                            const struct zto_conf_str *target,
                                            const char *path, char *err,
                                            size_t errcap);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_CONF_H */
