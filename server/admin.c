/*
 * admin.c - the admin listener object: setup, routing, the built-in
 * /health and /metrics, authentication and the request log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "admin_int.h"
#include "srv_int.h"
#include "zto/zto_util.h"
#include "zto_log.h"
#include "zto_metrics.h"

#ifndef ZTO_VERSION
#define ZTO_VERSION "0"
#endif

#define PEM_TYPES                                                              \
    "application/x-pem-file, application/pem-certificate-chain, text/plain"

static const char *
method_name(int m)
{
    switch (m) {
    case ZTO_ADMIN_GET:
        return "GET";
    case ZTO_ADMIN_POST:
        return "POST";
    case ZTO_ADMIN_PUT:
        return "PUT";
    case ZTO_ADMIN_DELETE:
        return "DELETE";
    default:
        return "?";
    }
}

static void
allow_list(int methods, char *buf, size_t cap)
{
    static const int order[] = {ZTO_ADMIN_GET, ZTO_ADMIN_POST, ZTO_ADMIN_PUT,
                                ZTO_ADMIN_DELETE};
    size_t i, k = 0;

    buf[0] = '\0';
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if ((methods & order[i]) != 0)
            k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, "%s%s",
                                  k > 0 ? ", " : "", method_name(order[i]));
}

void
admin_conn_count_changed(struct zto_admin *a)
{
    if (a->nconns >= a->opts.max_clients && !a->paused)
        log_warn("admin: %zu connections open, not accepting more for now",
                 a->nconns);
    admin_http_pause(a, a->nconns >= a->opts.max_clients);
}

/* ---- built-in routes ---- */

static int64_t start_time;

static int
db_state(struct zto_admin *a)
{
    if (a->opts.db_check == NULL)
        return -1;
    return a->opts.db_check(a->opts.db_check_ctx) == ZTO_OK ? 1 : 0;
}

static const char *
version(const struct zto_admin *a)
{
    return a->opts.version != NULL ? a->opts.version : ZTO_VERSION;
}

static void
health(struct zto_admin *a, struct zto_admin_resp *resp)
{
    int db = db_state(a);
    struct zto_json *w = zto_admin_json(resp, db == 0 ? 503 : 200);

    zto_json_obj(w);
    zto_json_kstr(w, "status", db == 0 ? "degraded" : "ok");
    zto_json_kstr(w, "role", a->opts.role != NULL ? a->opts.role : "");
    zto_json_kstr(w, "version", version(a));
    if (db >= 0)
        zto_json_kstr(w, "db", db > 0 ? "ok" : "unreachable");
    zto_json_kint(w, "uptime_seconds",
                  start_time > 0 ? (int64_t)time(NULL) - start_time : 0);
    zto_json_obj_end(w);
}

static void
metrics(struct zto_admin *a, struct zto_admin_resp *resp)
{
    struct zto_metrics_info info;
    char *text = NULL;
    size_t len = 0;

    memset(&info, 0, sizeof(info));
    info.role = a->opts.role;
    info.version = version(a);
    info.srv = a->opts.srv;
    info.db_up = db_state(a);
    info.start_time = start_time;
    if (zto_metrics_render(&info, &text, &len) != ZTO_OK) {
        zto_admin_error(resp, 500, "internal", "metrics unavailable");
        return;
    }
    if (zto_admin_body(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
                       text, len) != ZTO_OK)
        zto_admin_error(resp, 500, "internal", "metrics unavailable");
    free(text);
}

/* ---- dispatch ---- */

static int
body_type_of(const char *media)
{
    if (strcmp(media, "application/json") == 0)
        return ZTO_ADMIN_BODY_JSON;
    if (strcmp(media, "application/x-pem-file") == 0 ||
        strcmp(media, "application/pem-certificate-chain") == 0 ||
        strcmp(media, "text/plain") == 0)
        return ZTO_ADMIN_BODY_PEM;
    return 0;
}

static void
unauthorized(struct zto_admin_resp *resp, const char *why, bool token_given)
{
    zto_admin_error(resp, 401, "unauthorized", "authentication required: %s",
                    why);
    if (zto_admin_header(resp, "WWW-Authenticate",
                         token_given ? "Bearer realm=\"zto-admin\", "
                                       "error=\"invalid_token\""
                                     : "Bearer realm=\"zto-admin\"") != ZTO_OK)
        resp->failed = true;
}

/* Find the route; 404/405 when there is none for this method. */
static const struct zto_admin_route *
route_find(struct zto_admin *a, int method, const char *path, char *store,
           size_t cap, struct zto_admin_req *req, void **ctx,
           struct zto_admin_resp *resp)
{
    int allowed = 0;
    size_t i, k;
    char allow[64];

    for (i = 0; i < a->nroutes; i++) {
        const struct admin_routes *rs = &a->routes[i];
        for (k = 0; k < rs->n; k++) {
            const struct zto_admin_route *rt = &rs->r[k];
            if (!admin_path_match(rt->pattern, path, store, cap, req->param,
                                  &req->nparam))
                continue;
            if (rt->method == method) {
                *ctx = rs->ctx;
                return rt;
            }
            allowed |= rt->method;
        }
    }
    if (allowed == 0) {
        zto_admin_error(resp, 404, "not_found", "no such endpoint: %s", path);
        return NULL;
    }
    allow_list(allowed, allow, sizeof(allow));
    zto_admin_error(resp, 405, "method_not_allowed",
                    "%s is not allowed here (allowed: %s)", method_name(method),
                    allow);
    if (zto_admin_header(resp, "Allow", allow) != ZTO_OK)
        resp->failed = true;
    return NULL;
}

/* Body type checks; the JSON document is parsed into doc. false: resp
 * holds the refusal. */
static bool
body_check(const struct zto_admin_route *rt, const struct admin_head *h,
           struct zto_admin_req *req, struct zto_json_doc *doc,
           struct zto_admin_resp *resp)
{
    char media[128];
    int want = rt->body & (ZTO_ADMIN_BODY_JSON | ZTO_ADMIN_BODY_PEM), type;
    size_t off = 0;
    zto_err_t r;

    if (req->len == 0) {
        if (want != 0 && (rt->body & ZTO_ADMIN_BODY_OPTIONAL) == 0) {
            zto_admin_error(resp, 400, "body_required",
                            "this endpoint needs a request body (%s)",
                            want == ZTO_ADMIN_BODY_JSON ? "application/json"
                                                        : PEM_TYPES);
            return false;
        }
        return true;
    }
    if (want == 0) {
        zto_admin_error(resp, 400, "unexpected_body",
                        "this endpoint takes no request body");
        return false;
    }
    if (!admin_head_media_type(h, media, sizeof(media))) {
        zto_admin_error(resp, 400, "bad_request", "malformed Content-Type");
        return false;
    }
    type = body_type_of(media);
    if ((type & want) == 0) {
        zto_admin_error(resp, 415, "unsupported_media_type",
                        "Content-Type '%s' not accepted here; send %s",
                        media[0] != '\0' ? media : "(none)",
                        want == ZTO_ADMIN_BODY_JSON  ? "application/json"
                        : want == ZTO_ADMIN_BODY_PEM ? PEM_TYPES
                                                     : "JSON or PEM");
        return false;
    }
    req->body_type = type;
    if (type == ZTO_ADMIN_BODY_JSON) {
        r = zto_json_parse(req->body, req->len, 0, doc, &off);
        if (r != ZTO_OK) {
            zto_admin_error(resp, 400, "bad_json",
                            "request body is not valid JSON (%s at byte %zu)",
                            r == ZTO_E_EXISTS    ? "duplicate member"
                            : r == ZTO_E_DEPTH   ? "nested too deeply"
                            : r == ZTO_E_TOO_BIG ? "too many values"
                                                 : "syntax error",
                            off);
            return false;
        }
        req->json = doc;
    }
    return true;
}

void
admin_handle_request(struct zto_admin *a, struct admin_conn *c,
                     const struct admin_head *h, const char *body, size_t len,
                     struct zto_admin_resp *resp)
{
    struct admin_target *t = NULL;
    struct zto_admin_req req;
    struct zto_json_doc doc;
    const struct zto_admin_route *rt;
    char principal[300] = "-", store[ADMIN_PATH_MAX];
    const char *why = NULL, *path = "?";
    bool token_given = false, auth_failed = false;
    void *ctx = NULL;
    uint64_t t0 = zto_srv_now_ms();

    memset(&req, 0, sizeof(req));
    memset(&doc, 0, sizeof(doc));
    if ((t = malloc(sizeof(*t))) == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        goto out;
    }
    if (admin_target_parse(h->target, h->target_len, t) != ZTO_OK) {
        zto_admin_error(resp, 400, "bad_request", "malformed request target");
        goto out;
    }
    path = t->path;
    if (h->method == 0) {
        zto_admin_error(resp, 501, "not_implemented",
                        "method %.*s is not served", (int)h->method_len,
                        h->method_s);
        goto out;
    }
    if (strcmp(path, "/health") == 0) {
        if (h->method != ZTO_ADMIN_GET) {
            zto_admin_error(resp, 405, "method_not_allowed",
                            "only GET is allowed here");
            if (zto_admin_header(resp, "Allow", "GET") != ZTO_OK)
                resp->failed = true;
        } else {
            health(a, resp);
        }
        goto out;
    }
    if (!(strcmp(path, "/metrics") == 0 && a->opts.metrics_public) &&
        !admin_auth_check(a, c, h, principal, sizeof(principal), &why,
                          &token_given)) {
        auth_failed = true;
        log_warn("admin %s %s %s: 401, %s", admin_conn_peer(c),
                 method_name(h->method), path, why);
        unauthorized(resp, why, token_given);
        goto out;
    }
    if (strcmp(path, "/metrics") == 0) {
        if (h->method != ZTO_ADMIN_GET) {
            zto_admin_error(resp, 405, "method_not_allowed",
                            "only GET is allowed here");
            if (zto_admin_header(resp, "Allow", "GET") != ZTO_OK)
                resp->failed = true;
        } else {
            metrics(a, resp);
        }
        goto out;
    }
    req.method = h->method;
    req.path = path;
    req.body = body;
    req.len = len;
    req.peer = admin_conn_peer(c);
    req.principal = principal;
    memcpy(req.qkey, t->qkey, sizeof(req.qkey));
    memcpy(req.qval, t->qval, sizeof(req.qval));
    req.nquery = t->nq;
    rt = route_find(a, h->method, path, store, sizeof(store), &req, &ctx, resp);
    if (rt == NULL || !body_check(rt, h, &req, &doc, resp))
        goto out;
    rt->fn(ctx, &req, resp);
out:
    admin_resp_finish(resp);
    zto_metrics_admin_request(resp->status, auth_failed);
    /* Probes and scrapes come every few seconds: debug when they work. */
    if (!auth_failed)
        ZTO_LOG_(resp->status >= 500 ? ZTO_SRV_LOG_ERR
                 : resp->status < 300 && h->method == ZTO_ADMIN_GET &&
                         (strcmp(path, "/health") == 0 ||
                          strcmp(path, "/metrics") == 0)
                     ? ZTO_SRV_LOG_DEBUG
                     : ZTO_SRV_LOG_INFO,
                 NULL, false, ZTO_OK, "admin %s %s %s %s: %d%s%s (%llu ms)",
                 admin_conn_peer(c), principal, method_name(h->method), path,
                 resp->status, resp->err_code[0] != '\0' ? " " : "",
                 resp->err_code, (unsigned long long)(zto_srv_now_ms() - t0));
    zto_json_doc_free(&doc);
    free(t);
}

/* ---- setup ---- */

static zto_err_t
tls_setup(struct zto_admin *a)
{
    const struct zto_admin_opts *o = &a->opts;
    SSL_CTX *ctx;
    STACK_OF(X509_NAME) *names = NULL;
    static const unsigned char sid[] = "zto-admin";
    unsigned long e;

    if (o->tls_cert == NULL || o->tls_key == NULL) {
        log_err("admin: an https listener needs admin_tls_cert and "
                "admin_tls_key (or tls_cert and tls_key)");
        return ZTO_E_CONFIG;
    }
    if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
        return ZTO_E_CRYPTO;
    a->ssl = ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, o->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, o->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        goto tls_err;
    if (o->client_ca != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, o->client_ca, NULL) != 1 ||
            (names = SSL_load_client_CA_file(o->client_ca)) == NULL)
            goto tls_err;
        SSL_CTX_set_client_CA_list(ctx, names);
        /* Ask for a certificate, do not require one: /health and token
         * users come without. A certificate that does not verify fails
         * the handshake. */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, NULL);
        SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
    }
    return ZTO_OK;
tls_err:
    e = ERR_get_error();
    log_err("admin: cannot load TLS files (%s, %s%s%s): %s", o->tls_cert,
            o->tls_key, o->client_ca != NULL ? ", " : "",
            o->client_ca != NULL ? o->client_ca : "",
            ERR_reason_error_string(e) != NULL ? ERR_reason_error_string(e)
                                               : "?");
    ERR_clear_error();
    return ZTO_E_CERT;
}

static bool
loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
           strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0;
}

zto_err_t
zto_admin_new(struct event_base *base, const struct zto_admin_opts *opts,
              struct zto_admin **out)
{
    struct zto_admin *a;
    bool any_tls = false;
    zto_err_t r = ZTO_E_CONFIG;
    size_t i;

    if (base == NULL || opts == NULL || opts->nlisten == 0 ||
        opts->listen == NULL || opts->ntokens > ZTO_ADMIN_MAX_TOKENS)
        return ZTO_E_ARG;
    for (i = 0; i < opts->nlisten; i++) {
        int tr = opts->listen[i].transport;
        if (tr != ZTO_SRV_HTTP && tr != ZTO_SRV_HTTPS) {
            log_err("admin: listeners must be http or https");
            return ZTO_E_CONFIG;
        }
        any_tls |= tr == ZTO_SRV_HTTPS;
    }
    if (opts->ntokens == 0 && (opts->client_ca == NULL || !any_tls)) {
        log_err("admin: no authentication configured (set "
                "admin_token_sha256, or admin_client_ca with an https "
                "listener)");
        return ZTO_E_CONFIG;
    }
    if ((a = calloc(1, sizeof(*a))) == NULL)
        return ZTO_E_NOMEM;
    a->opts = *opts;
    a->opts.listen = NULL;
    a->base = base;
    if (a->opts.max_body == 0)
        a->opts.max_body = ZTO_ADMIN_DEF_MAX_BODY;
    if (a->opts.max_clients == 0)
        a->opts.max_clients = ZTO_ADMIN_DEF_MAX_CLIENTS;
    if (a->opts.timeout_s == 0)
        a->opts.timeout_s = ZTO_ADMIN_DEF_TIMEOUT_S;
    a->bound = calloc(opts->nlisten, sizeof(*a->bound));
    a->lst = calloc(opts->nlisten, sizeof(*a->lst));
    if (a->bound == NULL || a->lst == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    if (any_tls && (r = tls_setup(a)) != ZTO_OK)
        goto out;
    for (i = 0; i < opts->nlisten; i++) {
        struct zto_listen *l = &a->bound[a->nbound];
        char name[ZTO_LISTEN_HOST_MAX + 32];

        *l = opts->listen[i];
        if ((r = admin_http_listen(a, l)) != ZTO_OK) {
            if (zto_listen_format(l, name, sizeof(name)) != ZTO_OK)
                snprintf(name, sizeof(name), "?");
            log_err_r(r, "admin: cannot listen on %s", name);
            goto out;
        }
        a->nbound++;
        if (zto_listen_format(l, name, sizeof(name)) != ZTO_OK)
            snprintf(name, sizeof(name), "?");
        log_info("admin API on %s", name);
        if (l->transport == ZTO_SRV_HTTP && !loopback(l->host))
            log_warn("admin: %s is plain HTTP off loopback: tokens travel "
                     "in clear; prefer https",
                     name);
    }
    if (start_time == 0)
        start_time = (int64_t)time(NULL);
    *out = a;
    return ZTO_OK;
out:
    zto_admin_free(a);
    return r;
}

zto_err_t
zto_admin_add_routes(struct zto_admin *a, const struct zto_admin_route *routes,
                     size_t n, void *ctx)
{
    struct admin_routes *nr;
    size_t i;

    for (i = 0; i < n; i++)
        if (routes[i].fn == NULL || routes[i].pattern == NULL ||
            routes[i].pattern[0] != '/' ||
            (routes[i].method != ZTO_ADMIN_GET &&
             routes[i].method != ZTO_ADMIN_POST &&
             routes[i].method != ZTO_ADMIN_PUT &&
             routes[i].method != ZTO_ADMIN_DELETE))
            return ZTO_E_ARG;
    nr = realloc(a->routes, (a->nroutes + 1) * sizeof(*nr));
    if (nr == NULL)
        return ZTO_E_NOMEM;
    a->routes = nr;
    a->routes[a->nroutes].r = routes;
    a->routes[a->nroutes].n = n;
    a->routes[a->nroutes].ctx = ctx;
    a->nroutes++;
    return ZTO_OK;
}

void
zto_admin_set_tokens(struct zto_admin *a, const uint8_t (*sha256)[32], size_t n)
{
    if (n > ZTO_ADMIN_MAX_TOKENS)
        n = ZTO_ADMIN_MAX_TOKENS;
    zto_zeroize(a->opts.token_sha256, sizeof(a->opts.token_sha256));
    if (n > 0)
        memcpy(a->opts.token_sha256, sha256, n * 32);
    a->opts.ntokens = n;
}

void
zto_admin_free(struct zto_admin *a)
{
    if (a == NULL)
        return;
    admin_http_close_all(a);
    if (a->ssl != NULL)
        SSL_CTX_free(a->ssl);
    free(a->bound);
    free(a->lst);
    free(a->routes);
    free(a);
}

size_t
zto_admin_bound_count(const struct zto_admin *a)
{
    return a->nbound;
}

const struct zto_listen *
zto_admin_bound(const struct zto_admin *a, size_t i)
{
    return i < a->nbound ? &a->bound[i] : NULL;
}
