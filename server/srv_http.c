/*
 * srv_http.c - the HTTP(S) adapter (libevent evhttp), FDO 1.1 HTTP binding
 * as described in docs/transport.md:
 *
 *   POST /fdo/101/msg/<N>, Content-Type: application/cbor, Content-Length
 *   -> 200 + Message-Type + Authorization: Bearer <token>, or
 *      500 + Message-Type: 255 + ErrorMessage.
 *
 * Requests that cannot reach the handler get an ErrorMessage too (code
 * 100, Message-Type 255) with a diagnostic status: 404 unknown path or
 * protocol version, 405 method, 411 no Content-Length or a chunked body,
 * 415 content type, 503 connection limit, 413 for a body over
 * ZTO_MAX_MSG_SIZE. evhttp itself refuses a body from Content-Length
 * alone, before buffering it, but then sends its own HTML 413 (libevent
 * 2.1 has no hook to replace it). So its limit is set to twice ours:
 * anything an FDO peer could plausibly send gets an ErrorMessage from us,
 * and only absurd bodies (over HTTP_BODY_HARD_CAP) get evhttp's bare 413.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "srv_int.h"
#include "zto/zto_cbor.h"
#include "zto_log.h"

#define HTTP_MAX_HEADERS_SIZE (16 * 1024)
/* evhttp's own refusal threshold; see the top comment. At most this much
 * is buffered per connection (times max_clients). */
#define HTTP_BODY_HARD_CAP (2 * (size_t)ZTO_MAX_MSG_SIZE)
#define HTTP_BACKLOG 128

struct srv_http {
    struct zto_srv *srv;
    bool tls;
    struct evhttp *http;
    SSL_CTX *ssl;
    struct evconnlistener **lst;
    size_t nlst;
    /* Connections that have sent a request, until they close. */
    struct evhttp_connection **conns;
    size_t nconns;
    bool paused;
    char tokbuf[ZTO_SRV_TOKEN_MAX];
};

/* ---- connection accounting ---- */

static void
listeners_enable(struct srv_http *h, bool on)
{
    size_t i;

    if (h->paused == !on)
        return;
    for (i = 0; i < h->nlst; i++) {
        if (on)
            evconnlistener_enable(h->lst[i]);
        else
            evconnlistener_disable(h->lst[i]);
    }
    h->paused = !on;
    if (!on)
        log_warn("%s: %zu connections open, not accepting more for now",
                 h->tls ? "https" : "http", h->nconns);
}

static void
on_conn_close(struct evhttp_connection *evcon, void *arg)
{
    struct srv_http *h = arg;
    size_t i;

    for (i = 0; i < h->nconns; i++) {
        if (h->conns[i] == evcon) {
            h->conns[i] = h->conns[--h->nconns];
            break;
        }
    }
    if (h->paused && h->nconns < h->srv->opts.max_clients)
        listeners_enable(h, true);
}

/* Count a connection from its first request on (evhttp 2.1 has no accept
 * hook); silent connections are closed by the timeout. false: over the
 * limit. */
static bool
conn_track(struct srv_http *h, struct evhttp_connection *evcon)
{
    size_t i, max = h->srv->opts.max_clients;

    for (i = 0; i < h->nconns; i++)
        if (h->conns[i] == evcon)
            return true;
    if (h->nconns >= max)
        return false;
    h->conns[h->nconns++] = evcon;
    evhttp_connection_set_closecb(evcon, on_conn_close, h);
    if (h->nconns >= max)
        listeners_enable(h, false);
    return true;
}

/* ---- replies ---- */

static void
log_failure(const char *scheme, const char *peer, int msg, int status,
            const uint8_t *body, size_t len)
{
    struct zto_cbor_dec d;
    uint64_t code = 0;
    struct zto_bytes text = ZTO_BYTES_NULL;

    /* Our own ErrorMessage: show its code and text. */
    zto_cbor_dec_init(&d, body, len);
    if (zto_cbor_get_array_n(&d, 5) != ZTO_OK ||
        zto_cbor_get_uint(&d, &code) != ZTO_OK || zto_cbor_skip(&d) != ZTO_OK ||
        zto_cbor_get_tstr(&d, &text) != ZTO_OK)
        text = ZTO_BYTES_NULL;
    log_warn("%s %s msg %d: %d, ErrorMessage %u: %.*s", scheme, peer, msg,
             status, (unsigned)code, (int)text.len,
             text.p != NULL ? (const char *)text.p : "");
}

static void
send_fdo(struct evhttp_request *req, int status, uint8_t msg_type,
         const uint8_t *body, size_t len, const char *token)
{
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    struct evbuffer *buf = evhttp_request_get_output_buffer(req);
    char num[24];

    if (msg_type != 0 || len > 0) {
        evhttp_add_header(oh, "Content-Type", "application/cbor");
        snprintf(num, sizeof(num), "%u", (unsigned)msg_type);
        evhttp_add_header(oh, "Message-Type", num);
    }
    if (token != NULL && token[0] != '\0') {
        char *v = malloc(strlen(token) + 8);
        if (v != NULL) {
            memcpy(v, "Bearer ", 7);
            memcpy(v + 7, token, strlen(token) + 1);
            evhttp_add_header(oh, "Authorization", v);
            free(v);
        }
    }
    snprintf(num, sizeof(num), "%zu", len);
    evhttp_add_header(oh, "Content-Length", num);
    if (len > 0)
        evbuffer_add(buf, body, len);
    evhttp_send_reply(req, status, NULL, NULL);
}

/* A request the adapter refuses itself: ErrorMessage 100 with a
 * diagnostic status. */
static void
refuse(struct srv_http *h, struct evhttp_request *req, const char *peer,
       int status, int msg, const char *text)
{
    struct zto_srv_resp resp;

    h->srv->stats.refused++;
    srv_resp_init(h->srv, &resp);
    if (zto_srv_error_code(&resp, ZTO_WIRE_MESSAGE_BODY_ERROR,
                           msg >= 0 ? (uint8_t)msg : 0, text) != ZTO_OK)
        resp.len = 0;
    log_failure(h->tls ? "https" : "http", peer, msg, status, resp.body,
                resp.len);
    send_fdo(req, status, ZTO_MSG_ERROR, resp.body, resp.len, NULL);
}

static bool
content_type_ok(const char *ct)
{
    static const char want[] = "application/cbor";
    size_t n = sizeof(want) - 1;

    /* Exact value expected; case and parameters are tolerated because
     * they change nothing about the body. */
    if (ct == NULL || strncasecmp(ct, want, n) != 0)
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

/* "Bearer <t>" or a bare "<t>" (rule T3); NULL for none, "" when the
 * header cannot be a token. */
static const char *
token_of(const char *auth, char *buf, size_t cap)
{
    size_t n;

    if (auth == NULL)
        return NULL;
    while (*auth == ' ' || *auth == '\t')
        auth++;
    if (strncasecmp(auth, "Bearer", 6) == 0 &&
        (auth[6] == ' ' || auth[6] == '\t')) {
        auth += 7;
        while (*auth == ' ' || *auth == '\t')
            auth++;
    }
    n = strlen(auth);
    while (n > 0 && (auth[n - 1] == ' ' || auth[n - 1] == '\t'))
        n--;
    if (n == 0)
        return NULL;
    if (n >= cap || !srv_token_ok(auth, n))
        return "";
    memcpy(buf, auth, n);
    buf[n] = '\0';
    return buf;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
    struct srv_http *h = arg;
    struct zto_srv *srv = h->srv;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    struct evkeyvalq *ih = evhttp_request_get_input_headers(req);
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    const struct sockaddr *sa;
    struct zto_srv_req rq;
    struct zto_srv_resp resp;
    char peer[64] = "?";
    uint8_t type = 0;
    size_t len;

    sa = evcon != NULL ? evhttp_connection_get_addr(evcon) : NULL;
    if (sa != NULL)
        srv_addr_str(sa, peer, sizeof(peer));
    if (evcon != NULL && !conn_track(h, evcon)) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
                          "close");
        refuse(h, req, peer, 503, -1, "too many connections");
        return;
    }
    if (path == NULL || !srv_parse_msg_path(path, strlen(path), &type)) {
        refuse(h, req, peer, 404, -1, "no such FDO endpoint");
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
                          "POST");
        refuse(h, req, peer, 405, type, "method not allowed");
        return;
    }
    if (!content_type_ok(evhttp_find_header(ih, "Content-Type"))) {
        refuse(h, req, peer, 415, type,
               "Content-Type must be "
               "application/cbor");
        return;
    }
    if (evhttp_find_header(ih, "Content-Length") == NULL ||
        evhttp_find_header(ih, "Transfer-Encoding") != NULL) {
        refuse(h, req, peer, 411, type, "Content-Length required");
        return;
    }
    len = evbuffer_get_length(in);
    if (len > ZTO_MAX_MSG_SIZE) {
        refuse(h, req, peer, 413, type, "message too large");
        return;
    }

    memset(&rq, 0, sizeof(rq));
    rq.msg_type = type;
    rq.len = len;
    rq.body = len > 0 ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
    rq.token = token_of(evhttp_find_header(ih, "Authorization"), h->tokbuf,
                        sizeof(h->tokbuf));
    rq.peer = peer;
    rq.transport = h->tls ? ZTO_SRV_HTTPS : ZTO_SRV_HTTP;
    if (rq.token != NULL && rq.token[0] == '\0') {
        refuse(h, req, peer, 500, type, "malformed Authorization header");
        return;
    }
    if (rq.body == NULL) {
        refuse(h, req, peer, 500, type, "out of memory");
        return;
    }

    srv_resp_init(srv, &resp);
    srv_dispatch(srv, &rq, &resp);
    if (resp.msg_type == ZTO_MSG_ERROR)
        log_failure(h->tls ? "https" : "http", peer, type, 500, resp.body,
                    resp.len);
    else
        log_debug("%s %s msg %u: %zu bytes -> msg %u, %zu bytes",
                  h->tls ? "https" : "http", peer, (unsigned)type, len,
                  (unsigned)resp.msg_type, resp.len);
    send_fdo(req, resp.msg_type == ZTO_MSG_ERROR ? 500 : 200, resp.msg_type,
             resp.body, resp.len,
             resp.token[0] != '\0'            ? resp.token
             : resp.msg_type == ZTO_MSG_ERROR ? NULL
                                              : rq.token);
}

/* ---- TLS ---- */

static struct bufferevent *
make_tls_bev(struct event_base *base, void *arg)
{
    struct srv_http *h = arg;
    SSL *ssl = SSL_new(h->ssl);

    if (ssl == NULL)
        return NULL;
    return bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static zto_err_t
tls_setup(struct srv_http *h)
{
    const struct zto_srv_opts *o = &h->srv->opts;

    if (o->tls_cert == NULL || o->tls_key == NULL) {
        log_err("https listener needs a certificate and a key");
        return ZTO_E_CONFIG;
    }
    if ((h->ssl = SSL_CTX_new(TLS_server_method())) == NULL)
        return ZTO_E_CRYPTO;
    SSL_CTX_set_min_proto_version(h->ssl, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(h->ssl, o->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(h->ssl, o->tls_key, SSL_FILETYPE_PEM) !=
            1 ||
        SSL_CTX_check_private_key(h->ssl) != 1) {
        unsigned long e = ERR_get_error();
        log_err("https: cannot load %s / %s: %s", o->tls_cert, o->tls_key,
                ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "?");
        ERR_clear_error();
        return ZTO_E_CERT;
    }
    evhttp_set_bevcb(h->http, make_tls_bev, h);
    return ZTO_OK;
}

/* ---- setup ---- */

zto_err_t
srv_http_new(struct zto_srv *srv, bool tls, struct srv_http **out)
{
    struct srv_http *h;
    zto_err_t r = ZTO_E_NOMEM;

    if ((h = calloc(1, sizeof(*h))) == NULL)
        return ZTO_E_NOMEM;
    h->srv = srv;
    h->tls = tls;
    h->conns = calloc(srv->opts.max_clients, sizeof(*h->conns));
    if (h->conns == NULL || (h->http = evhttp_new(srv->base)) == NULL)
        goto out;
    evhttp_set_allowed_methods(
        h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                     EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                     EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_max_headers_size(h->http, HTTP_MAX_HEADERS_SIZE);
    evhttp_set_max_body_size(h->http, HTTP_BODY_HARD_CAP);
    evhttp_set_timeout(h->http, (int)srv->opts.http_timeout_s);
    /* Read and drop an oversized body before answering 413, so the
     * client sees the answer instead of a reset. */
    evhttp_set_flags(h->http, EVHTTP_SERVER_LINGERING_CLOSE);
    /* Our answers set their own Content-Type; an empty one has none. */
    evhttp_set_default_content_type(h->http, NULL);
    evhttp_set_gencb(h->http, on_request, h);
    if (tls && (r = tls_setup(h)) != ZTO_OK)
        goto out;
    *out = h;
    return ZTO_OK;
out:
    srv_http_free(h);
    return r;
}

zto_err_t
srv_http_listen(struct srv_http *h, struct zto_listen *l)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    struct evconnlistener *lst, **nl;
    unsigned flags =
        LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
    zto_err_t r;

    if ((r = srv_resolve(l, SOCK_STREAM, &ss, &sslen)) != ZTO_OK)
        return r;
    /* An explicit IPv6 address means only IPv6; "any" is dual-stack. */
    if (ss.ss_family == AF_INET6 && l->host[0] != '\0')
        flags |= LEV_OPT_BIND_IPV6ONLY;
    nl = realloc(h->lst, (h->nlst + 1) * sizeof(*nl));
    if (nl == NULL)
        return ZTO_E_NOMEM;
    h->lst = nl;
    lst = evconnlistener_new_bind(h->srv->base, NULL, NULL, flags, HTTP_BACKLOG,
                                  (struct sockaddr *)&ss, (int)sslen);
    if (lst == NULL)
        return ZTO_E_CONNECT;
    if (evhttp_bind_listener(h->http, lst) == NULL) {
        evconnlistener_free(lst);
        return ZTO_E_INTERNAL;
    }
    h->lst[h->nlst++] = lst;
    sslen = sizeof(ss);
    if (getsockname(evconnlistener_get_fd(lst), (struct sockaddr *)&ss,
                    &sslen) == 0) {
        if (ss.ss_family == AF_INET)
            l->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            l->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return ZTO_OK;
}

void
srv_http_free(struct srv_http *h)
{
    if (h == NULL)
        return;
    /* Frees the listeners bound to it and every connection (whose close
     * callbacks still see h). */
    if (h->http != NULL)
        evhttp_free(h->http);
    if (h->ssl != NULL)
        SSL_CTX_free(h->ssl);
    free(h->lst);
    free(h->conns);
    free(h);
}

size_t
srv_http_connections(const struct srv_http *h)
{
    return h != NULL ? h->nconns : 0;
}
