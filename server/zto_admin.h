/*
 * zto_admin.h - the operators' REST API of every daemon (docs/admin-api.md,
 * docs/api/openapi.yaml).
 *
 * A listener of its own (HTTP or HTTPS, usually on loopback or a
 * management network) on the server's event loop, never on the FDO
 * listeners. It serves:
 *
 *   GET /health    unauthenticated: status, role, version, database
 *   GET /metrics   Prometheus text (zto_metrics.h); authenticated unless
 *                  admin_metrics_public = yes
 *   the role's routes, all authenticated, JSON in and out (PEM where a
 *   voucher or a key travels)
 *
 * Authentication, any configured method suffices:
 *   - a bearer token ("Authorization: Bearer <token>") whose SHA-256 is
 *     one of admin_token_sha256 (the token itself is never stored; the
 *     comparison runs in constant time);
 *   - a TLS client certificate that verifies against admin_client_ca
 *     (https listeners only).
 * A request without valid credentials gets 401, a JSON error body and a
 * WWW-Authenticate header, and one log line (peer, method, path, reason;
 * never the token).
 *
 * The HTTP/1.1 layer is our own (admin_http.c, admin_parse.c) so that
 * every refusal, 413 included, carries a JSON body: requests need a
 * Content-Length when they have a body (no chunked bodies), heads are at
 * most 16 KiB, bodies at most admin_max_body.
 *
 * Role routes: a table of method + path pattern + handler. A pattern's
 * "{name}" segments match one non-empty path segment each, handed to the
 * handler in req->param[] in pattern order:
 *
 *     static const struct zto_admin_route routes[] = {
 *         {ZTO_ADMIN_GET, "/api/v1/devices", 0, list_devices},
 *         {ZTO_ADMIN_GET, "/api/v1/vouchers/{guid}", 0, get_voucher},
 *         {ZTO_ADMIN_POST, "/api/v1/vouchers/{guid}/extend",
 *          ZTO_ADMIN_BODY_PEM, extend_voucher},
 *     };
 *     zto_admin_add_routes(adm, routes, 3, my_ctx);
 *
 * The framework answers 404 (no pattern matches), 405 with Allow (the
 * path matches under another method), 415 (a body of a type the route
 * does not take), 400 (a route that takes a body got none; malformed
 * JSON, which is parsed before the handler runs), 413 (too large). A
 * handler fills the response with zto_admin_json() / zto_admin_body() or
 * zto_admin_error(); one that leaves it empty produces a 500.
 *
 * Handlers run on the event loop thread, one at a time; they must not
 * block for long (the FDO listeners wait meanwhile).
 */
#ifndef ZTO_ADMIN_H
#define ZTO_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zto/zto_err.h"
#include "zto/zto_types.h"
#include "zto_conf.h"
#include "zto_json.h"
#include "zto_srv.h"

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/* Methods (bits, so that 405 answers can list what a path allows). */
enum zto_admin_method {
    ZTO_ADMIN_GET = 1,
    ZTO_ADMIN_POST = 2,
    ZTO_ADMIN_PUT = 4,
    ZTO_ADMIN_DELETE = 8
};

/* Request body types a route takes (bits). A route with 0 takes no body. */
enum zto_admin_body {
    ZTO_ADMIN_BODY_JSON = 1, /* application/json */
    /* application/x-pem-file, application/pem-certificate-chain,
     * text/plain */
    ZTO_ADMIN_BODY_PEM = 2,
    /* The body may be left out even though a type is accepted. */
    ZTO_ADMIN_BODY_OPTIONAL = 0x100
};

#define ZTO_ADMIN_MAX_TOKENS 8
#define ZTO_ADMIN_MAX_PARAMS 4
#define ZTO_ADMIN_MAX_QUERY 16
#define ZTO_ADMIN_DEF_MAX_BODY (1024 * 1024)
#define ZTO_ADMIN_DEF_MAX_CLIENTS 32
#define ZTO_ADMIN_DEF_TIMEOUT_S 30

struct zto_admin_req {
    int method;       /* enum zto_admin_method */
    const char *path; /* percent-decoded */
    /* "{name}" segments of the matched pattern, in order. */
    const char *param[ZTO_ADMIN_MAX_PARAMS];
    size_t nparam;
    /* Query parameters, decoded; see zto_admin_query(). */
    const char *qkey[ZTO_ADMIN_MAX_QUERY];
    const char *qval[ZTO_ADMIN_MAX_QUERY];
    size_t nquery;
    /* The body, NUL-terminated (body[len] == 0); "" when there is none. */
    const char *body;
    size_t len;
    int body_type; /* enum zto_admin_body bit, 0 without a body */
    /* The parsed body when body_type is JSON (else NULL). */
    const struct zto_json_doc *json;
    const char *peer;      /* "ip:port" */
    const char *principal; /* "token#1", "cert:CN=ops", for logs */
};

struct zto_admin_resp;

typedef void (*zto_admin_fn)(void *ctx, const struct zto_admin_req *req,
                             struct zto_admin_resp *resp);

struct zto_admin_route {
    int method; /* one enum zto_admin_method */
    const char *pattern;
    int body; /* enum zto_admin_body bits */
    zto_admin_fn fn;
};

/* Value of query parameter `name` (the first if repeated), or NULL. */
const char *zto_admin_query(const struct zto_admin_req *req, const char *name);

/* ---- Responses --------------------------------------------------------
 * Start a JSON body with `status` and return its writer (never NULL);
 * the framework finishes it after the handler returns (an unfinished or
 * overflowing document becomes a 500). */
struct zto_json *zto_admin_json(struct zto_admin_resp *resp, int status);
/* A complete body of the given content type (copied). */
ZTO_MUST_CHECK zto_err_t zto_admin_body(struct zto_admin_resp *resp, int status,
                                        const char *content_type, const void *p,
                                        size_t n);
/* Append to the body started by zto_admin_body() (e.g. one PEM voucher
 * after another). */
ZTO_MUST_CHECK zto_err_t zto_admin_body_append(struct zto_admin_resp *resp,
                                               const void *p, size_t n);
/* Extra response header (name and value: visible ASCII, no CR/LF). */
ZTO_MUST_CHECK zto_err_t zto_admin_header(struct zto_admin_resp *resp,
                                          const char *name, const char *value);
/*
 * The JSON error body every refusal uses, replacing anything written so
 * far:
 *   {"error": {"status": 404, "code": "not_found", "message": "..."}}
 * `code` is a stable machine-readable word (docs/api/openapi.yaml lists
 * them); the message is for people.
 */
void zto_admin_error(struct zto_admin_resp *resp, int status, const char *code,
                     const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Write a JSON error object {"code": .., "message": ..} into w, for
 * per-item results (e.g. one voucher of an upload). */
void zto_admin_json_error(struct zto_json *w, const char *code,
                          const char *message);

/* Integer query parameter `name`: def when absent; ZTO_E_RANGE when it is
 * not a decimal integer within [min, max]. */
ZTO_MUST_CHECK zto_err_t zto_admin_query_int(const struct zto_admin_req *req,
                                             const char *name, int64_t def,
                                             int64_t min, int64_t max,
                                             int64_t *out);
/* Boolean query parameter: 1/true/yes or 0/false/no (or just "?name");
 * def when absent; ZTO_E_RANGE otherwise. */
ZTO_MUST_CHECK zto_err_t zto_admin_query_bool(const struct zto_admin_req *req,
                                              const char *name, bool def,
                                              bool *out);
/* A time: Unix seconds, or RFC 3339 UTC "2025-01-31T12:00:00Z". */
ZTO_MUST_CHECK zto_err_t zto_admin_time_parse(const char *s, int64_t *t);

/*
 * The public key of a PEM body (public key, or certificate chain: the
 * first certificate's key) into *key, and the SHA-256 of its DER
 * SubjectPublicKeyInfo into fp. A body holding a private key is refused
 * (ZTO_E_PERM): nobody should send one over an API. Other failures:
 * ZTO_E_PEM (nothing usable).
 */
struct zto_key;
ZTO_MUST_CHECK zto_err_t zto_admin_pubkey_pem(const char *pem, size_t len,
                                              struct zto_key *key,
                                              uint8_t fp[32]);

/* "ecdsa-p256", "ecdsa-p384", "rsa-2048", ... for a key. */
const char *zto_admin_key_type(const struct zto_key *k, char *buf,
                               size_t cap);
/* SHA-256 of a key's DER SubjectPublicKeyInfo. */
ZTO_MUST_CHECK zto_err_t zto_admin_key_sha256(const struct zto_key *k,
                                              uint8_t fp[32]);

/* ---- GUIDs in paths and bodies ----------------------------------------
 * 32 hex digits, or the 8-4-4-4-12 form; either case. */
ZTO_MUST_CHECK zto_err_t zto_admin_guid_parse(const char *s,
                                              struct zto_guid *g);
/* 32 lower-case hex digits (buf >= 33). */
const char *zto_admin_guid_str(const struct zto_guid *g, char buf[33]);

/* ---- The listener ---------------------------------------------------- */

struct zto_admin_opts {
    const struct zto_listen *listen; /* ZTO_SRV_HTTP or ZTO_SRV_HTTPS */
    size_t nlisten;
    const char *tls_cert; /* https: PEM chain */
    const char *tls_key;  /* https: PEM key */
    /* https: PEM CA certificates that client certificates must verify
     * against; NULL: no client-certificate authentication. */
    const char *client_ca;
    /* SHA-256 of the accepted bearer tokens. */
    uint8_t token_sha256[ZTO_ADMIN_MAX_TOKENS][32];
    size_t ntokens;
    bool metrics_public; /* /metrics without authentication */
    size_t max_body;     /* 0: ZTO_ADMIN_DEF_MAX_BODY */
    unsigned max_clients;
    unsigned timeout_s; /* silence before a connection is closed */

    const char *role;    /* "owner", for /health and zto_build_info */
    const char *version; /* NULL: the suite's version */
    /* The FDO server, for its transport counters in /metrics (NULL: none). */
    struct zto_srv *srv;
    /* /health: ZTO_OK if the role's database answers (NULL: not shown). */
    zto_err_t (*db_check)(void *ctx);
    void *db_check_ctx;
};

struct zto_admin;

/* Check the options, bind every listener (port 0: the kernel picks), load
 * TLS material. Fails (nothing left open) on any problem, including no
 * authentication method configured. */
ZTO_MUST_CHECK zto_err_t zto_admin_new(struct event_base *base,
                                       const struct zto_admin_opts *opts,
                                       struct zto_admin **out);
/* Add routes (the table must outlive the listener). Paths are tried in
 * the order added; /health and /metrics are built in. */
ZTO_MUST_CHECK zto_err_t
zto_admin_add_routes(struct zto_admin *a, const struct zto_admin_route *routes,
                     size_t n, void *ctx);
/* Replace the accepted token hashes (e.g. after SIGHUP). */
void zto_admin_set_tokens(struct zto_admin *a, const uint8_t (*sha256)[32],
                          size_t n);
void zto_admin_free(struct zto_admin *a);

size_t zto_admin_bound_count(const struct zto_admin *a);
const struct zto_listen *zto_admin_bound(const struct zto_admin *a, size_t i);

/* ---- Configuration ----------------------------------------------------
 * Keywords every daemon has under the same names (docs/admin-api.md):
 *
 *     struct owner_conf { struct zto_srv_conf srv;
 *                         struct zto_admin_conf admin; ... };
 *     static const struct zto_conf_kw kw[] = {
 *         ZTO_SRV_CONF_KW(struct owner_conf, srv, "http://[::]:8042"),
 *         ZTO_ADMIN_CONF_KW(struct owner_conf, admin),
 *         ...
 *     };
 *
 * "--admin HOST:PORT" on a command line: zto_conf_add_listen(
 * &conf.admin.listen, spec, ZTO_SRV_HTTP).
 */
struct zto_admin_conf {
    struct zto_conf_listen listen;
    struct zto_conf_str token_sha256;
    struct zto_conf_str tls_cert;
    struct zto_conf_str tls_key;
    struct zto_conf_str client_ca;
    struct zto_conf_bool metrics_public;
    struct zto_conf_int max_body;
    struct zto_conf_int max_clients;
    struct zto_conf_int timeout;
};

/* clang-format off */
#define ZTO_ADMIN_CONF_KW_(name, type, off, def, min, max, secret, help)       \
    {name, type, off, def, min, max, ZTO_SRV_HTTP, false, secret, help}
#define ZTO_ADMIN_CONF_KW(T, m)                                                \
    ZTO_ADMIN_CONF_KW_("admin", ZTO_CONF_LISTEN, offsetof(T, m.listen),        \
        NULL, 0, 0, false,                                                     \
        "admin API listeners: HOST:PORT or https://HOST:PORT (none: off)"),    \
    ZTO_ADMIN_CONF_KW_("admin_token_sha256", ZTO_CONF_STR,                     \
        offsetof(T, m.token_sha256), NULL, 0, 0, false,                        \
        "SHA-256 (hex) of accepted bearer tokens, comma-separated"),           \
    ZTO_ADMIN_CONF_KW_("admin_tls_cert", ZTO_CONF_STR,                         \
        offsetof(T, m.tls_cert), NULL, 0, 0, false,                            \
        "PEM certificate chain of https admin listeners (default tls_cert)"),  \
    ZTO_ADMIN_CONF_KW_("admin_tls_key", ZTO_CONF_STR, offsetof(T, m.tls_key),  \
        NULL, 0, 0, false,                                                     \
        "PEM private key of https admin listeners (default tls_key)"),         \
    ZTO_ADMIN_CONF_KW_("admin_client_ca", ZTO_CONF_STR,                        \
        offsetof(T, m.client_ca), NULL, 0, 0, false,                           \
        "PEM CA certificates: client certificates they verify are accepted"),  \
    ZTO_ADMIN_CONF_KW_("admin_metrics_public", ZTO_CONF_BOOL,                  \
        offsetof(T, m.metrics_public), "no", 0, 0, false,                      \
        "serve /metrics without authentication"),                              \
    ZTO_ADMIN_CONF_KW_("admin_max_body", ZTO_CONF_INT,                         \
        offsetof(T, m.max_body), "1048576", 1024, 67108864, false,             \
        "largest admin request body in bytes"),                                \
    ZTO_ADMIN_CONF_KW_("admin_max_clients", ZTO_CONF_INT,                      \
        offsetof(T, m.max_clients), "32", 1, 4096, false,                      \
        "admin connections at once"),                                          \
    ZTO_ADMIN_CONF_KW_("admin_timeout", ZTO_CONF_INT, offsetof(T, m.timeout),  \
        "30", 1, 3600, false,                                                  \
        "seconds of silence before an admin connection is closed")
/* clang-format on */

/* Make the admin file names relative to the config file's directory. */
ZTO_MUST_CHECK zto_err_t zto_admin_conf_resolve(struct zto_admin_conf *c,
                                                const char *conf_path);
/*
 * Fill o from the configuration (TLS files default to the server's
 * tls_cert / tls_key). Fails with a one-line reason for a malformed token
 * hash, and when an admin listener is configured without any way to
 * authenticate, or with a client CA on a plain-HTTP listener.
 * Returns ZTO_OK with o->nlisten == 0 when no admin listener is set.
 */
ZTO_MUST_CHECK zto_err_t zto_admin_conf_apply(const struct zto_admin_conf *c,
                                              const struct zto_srv_conf *srv,
                                              struct zto_admin_opts *o,
                                              char *err, size_t errcap);
/* With an https admin listener, its private key (admin_tls_key, else
 * tls_key) must not be readable by group or others
 * (zto_conf_check_key_file). Every daemon calls this after
 * zto_admin_conf_apply(), in --check-config too. */
ZTO_MUST_CHECK zto_err_t zto_admin_check_key_file(
    const struct zto_admin_conf *c, const struct zto_admin_opts *o, char *err,
    size_t errcap);

/*
 * "fdo-<role> hash-token": read a token from `in` (one line; surrounding
 * whitespace removed) and print its SHA-256 in hex to `out`, as the
 * admin_token_sha256 line it belongs on. With generate, make a new random
 * token (32 bytes, base64url) instead, and print the token first. Tokens
 * shorter than 16 characters are refused. Returns a process exit code.
 */
int zto_admin_hash_token_cmd(FILE *in, FILE *out, FILE *errf, bool generate);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_ADMIN_H */
