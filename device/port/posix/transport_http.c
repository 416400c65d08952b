/*
 * transport_http.c - FDO over HTTP(S): a libevent client on a private
 * event_base, synchronous for the caller (docs/transport.md, client
 * rules):
 *
 *   POST /fdo/101/msg/<N>, Content-Type: application/cbor, Content-Length,
 *   Authorization replayed verbatim from the newest response (none on the
 *   first message of a sub-protocol);
 *   200 needs Message-Type; any other status is decoded as ErrorMessage
 *   when the body is one, else fails; bodies over 65535 bytes are refused.
 *
 * Each message uses its own connection ("Connection: close"): FDO
 * sessions live behind the token, not the connection (rule T8), and a
 * POST is never resent on a stale kept-alive connection.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "http_conn.h"
#include "zto/zto_util.h"
#include "zto_posix_transport.h"

#define DEF_IO_TIMEOUT_MS 30000

/* State of one exchange, on the stack of send(). */
struct xchg {
    struct zto_http_transport *t;
    struct event_base *base;
    struct evhttp_request *req;
    bool done;
    enum evhttp_request_error fail;
    bool failed;
    bool timed_out;
};

static void detail(struct zto_http_transport *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
detail(struct zto_http_transport *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->detail, sizeof(t->detail), fmt, ap);
    va_end(ap);
}

void
zto_http_transport_init(struct zto_http_transport *t,
                        const struct zto_http_opts *opts)
{
    memset(t, 0, sizeof(*t));
    if (opts != NULL)
        t->opts = *opts;
    if (t->opts.io_timeout_ms == 0)
        t->opts.io_timeout_ms = DEF_IO_TIMEOUT_MS;
    if (t->opts.timeout_ms == 0)
        t->opts.timeout_ms = ZTO_HTTP_TIMEOUT_MS;
}

void
zto_http_transport_free(struct zto_http_transport *t)
{
    struct zto_http_opts o;

    if (t == NULL)
        return;
    if (t->ssl_ctx != NULL)
        SSL_CTX_free(t->ssl_ctx);
    o = t->opts;
    zto_zeroize(t->auth, sizeof(t->auth));
    memset(t, 0, sizeof(*t));
    t->opts = o;
}

const char *
zto_http_transport_detail(const struct zto_http_transport *t)
{
    return t->detail;
}

static zto_err_t
http_open(void *ctx, const struct zto_target *target)
{
    struct zto_http_transport *t = ctx;

    if (target == NULL || (target->protocol != ZTO_TPROT_HTTP &&
                           target->protocol != ZTO_TPROT_HTTPS))
        return ZTO_E_URL;
    if (strnlen(target->host, sizeof(target->host)) == 0 ||
        strnlen(target->host, sizeof(target->host)) == sizeof(target->host) ||
        target->port == 0)
        return ZTO_E_URL;
    t->target = *target;
    /* A new sub-protocol never reuses another one's token (rule T1). */
    zto_zeroize(t->auth, sizeof(t->auth));
    t->have_resp = false;
    t->detail[0] = '\0';
    t->opened = true;
    return ZTO_OK;
}

static void
http_close(void *ctx)
{
    struct zto_http_transport *t = ctx;

    zto_zeroize(t->auth, sizeof(t->auth));
    t->have_resp = false;
    t->opened = false;
}

static bool
is_ip_literal(const char *host)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, host, buf) == 1 ||
           inet_pton(AF_INET6, host, buf) == 1;
}

static zto_err_t
tls_ctx(const struct zto_http_opts *o, void **ssl_ctx, char *why, size_t cap)
{
    SSL_CTX *c;

    if (*ssl_ctx != NULL)
        return ZTO_OK;
    if ((c = SSL_CTX_new(TLS_client_method())) == NULL)
        return ZTO_E_CRYPTO;
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    if (o->insecure) {
        SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
    } else {
        int ok = o->ca_file != NULL
                     ? SSL_CTX_load_verify_locations(c, o->ca_file, NULL)
                     : SSL_CTX_set_default_verify_paths(c);
        if (ok != 1) {
            snprintf(why, cap, "cannot load CA file %s",
                     o->ca_file ? o->ca_file : "(system)");
            SSL_CTX_free(c);
            ERR_clear_error();
            return ZTO_E_CERT;
        }
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
    }
    *ssl_ctx = c;
    return ZTO_OK;
}

struct evhttp_connection *
zto_http_conn_new(const struct zto_http_opts *o, void **ssl_ctx,
                  const struct zto_target *tg, struct event_base *base,
                  size_t max_body, char *why, size_t whycap, zto_err_t *err)
{
    struct evhttp_connection *conn;
    struct bufferevent *bev = NULL;
    struct timeval tv;
    unsigned io_ms = o->io_timeout_ms != 0 ? o->io_timeout_ms
                                           : DEF_IO_TIMEOUT_MS;

    if (tg->protocol == ZTO_TPROT_HTTPS) {
        SSL *ssl;

        if ((*err = tls_ctx(o, ssl_ctx, why, whycap)) != ZTO_OK)
            return NULL;
        if ((ssl = SSL_new(*ssl_ctx)) == NULL) {
            *err = ZTO_E_CRYPTO;
            return NULL;
        }
        if (!o->insecure) {
            int ok;
            if (is_ip_literal(tg->host)) {
                ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
                                                   tg->host);
            } else {
                ok = SSL_set1_host(ssl, tg->host) == 1 &&
                     SSL_set_tlsext_host_name(ssl, tg->host) == 1;
            }
            if (ok != 1) {
                SSL_free(ssl);
                *err = ZTO_E_URL;
                return NULL;
            }
        }
        bev = bufferevent_openssl_socket_new(
            base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
            BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        if (bev == NULL) {
            SSL_free(ssl);
            *err = ZTO_E_NOMEM;
            return NULL;
        }
        /* Bodies are framed by Content-Length; a missing close_notify
         * loses nothing. */
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    }
    conn = evhttp_connection_base_bufferevent_new(base, NULL, bev, tg->host,
                                                  tg->port);
    if (conn == NULL) {
        if (bev != NULL)
            bufferevent_free(bev);
        *err = ZTO_E_NOMEM;
        return NULL;
    }
    evhttp_connection_set_family(conn, AF_UNSPEC);
    evhttp_connection_set_retries(conn, 0);
    evhttp_connection_set_max_body_size(conn, (ev_ssize_t)max_body);
    evhttp_connection_set_max_headers_size(conn,
                                           2 * ZTO_TRANSPORT_TOKEN_MAX + 8192);
    tv.tv_sec = (time_t)(io_ms / 1000);
    tv.tv_usec = (suseconds_t)((io_ms % 1000) * 1000);
    evhttp_connection_set_timeout_tv(conn, &tv);
    return conn;
}

static struct evhttp_connection *
make_conn(struct zto_http_transport *t, struct event_base *base, zto_err_t *err)
{
    return zto_http_conn_new(&t->opts, &t->ssl_ctx, &t->target, base,
                             ZTO_MAX_MSG_SIZE, t->detail, sizeof(t->detail),
                             err);
}

static void
on_error(enum evhttp_request_error e, void *arg)
{
    struct xchg *x = arg;

    x->failed = true;
    x->fail = e;
}

/* Decimal 0..255, nothing else. */
static bool
parse_msg_type(const char *s, uint8_t *out)
{
    unsigned v = 0;
    size_t i;

    if (s == NULL || s[0] == '\0')
        return false;
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 3)
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 255)
        return false;
    *out = (uint8_t)v;
    return true;
}

static void
on_done(struct evhttp_request *req, void *arg)
{
    struct xchg *x = arg;
    struct zto_http_transport *t = x->t;
    struct evkeyvalq *ih;
    struct evbuffer *in;
    const char *auth;
    int status;
    size_t len;

    x->done = true;
    event_base_loopbreak(x->base);
    if (req == NULL || (status = evhttp_request_get_response_code(req)) == 0) {
        if (x->failed && x->fail == EVREQ_HTTP_DATA_TOO_LONG) {
            t->err = ZTO_E_TOO_BIG;
            detail(t, "response over %d bytes", ZTO_MAX_MSG_SIZE);
        } else if (x->failed && x->fail == EVREQ_HTTP_TIMEOUT) {
            t->err = ZTO_E_TIMEOUT;
            detail(t, "no progress for %u ms", t->opts.io_timeout_ms);
        } else {
            t->err = ZTO_E_CONNECT;
            detail(t, "connection to %s port %u failed or closed",
                   t->target.host, (unsigned)t->target.port);
        }
        return;
    }
    ih = evhttp_request_get_input_headers(req);
    in = evhttp_request_get_input_buffer(req);
    len = evbuffer_get_length(in);
    if (len > ZTO_MAX_MSG_SIZE) {
        t->err = ZTO_E_TOO_BIG;
        detail(t, "response over %d bytes", ZTO_MAX_MSG_SIZE);
        return;
    }
    if (len > 0 && evbuffer_copyout(in, t->resp, len) != (ev_ssize_t)len) {
        t->err = ZTO_E_TRANSPORT;
        return;
    }
    /* Newest token wins, even on an error answer (rule T4). */
    auth = evhttp_find_header(ih, "Authorization");
    if (auth != NULL) {
        size_t n = strlen(auth);
        if (n >= sizeof(t->auth)) {
            t->err = ZTO_E_TOO_BIG;
            detail(t, "Authorization header of %zu bytes", n);
            return;
        }
        memcpy(t->auth, auth, n + 1);
    }
    if (status == 200 && t->req_type == ZTO_MSG_ERROR &&
        evhttp_find_header(ih, "Message-Type") == NULL) {
        /* Our ErrorMessage was taken; there is nothing to answer. */
        t->resp_type = 0;
    } else if (status == 200) {
        if (!parse_msg_type(evhttp_find_header(ih, "Message-Type"),
                            &t->resp_type)) {
            t->err = ZTO_E_HTTP;
            detail(t, "HTTP 200 without a valid Message-Type");
            return;
        }
    } else if (zto_transport_is_errmsg(t->resp, len)) {
        t->resp_type = ZTO_MSG_ERROR;
    } else {
        t->err = ZTO_E_HTTP;
        detail(t, "HTTP %d without an ErrorMessage", status);
        return;
    }
    t->resp_len = len;
    t->have_resp = true;
    t->err = ZTO_OK;
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct xchg *x = arg;

    (void)fd;
    (void)what;
    x->timed_out = true;
    event_base_loopbreak(x->base);
}

static zto_err_t
http_send(void *ctx, uint8_t msg_type, const uint8_t *body, size_t len)
{
    struct zto_http_transport *t = ctx;
    struct event_base *base = NULL;
    struct evhttp_connection *conn = NULL;
    struct event *deadline = NULL;
    struct evkeyvalq *oh;
    struct xchg x;
    struct timeval tv;
    char path[32], num[24], host[ZTO_HOST_MAX + 16];
    zto_err_t r = ZTO_E_INTERNAL;
    bool v6;

    if (!t->opened)
        return ZTO_E_STATE;
    if (len > ZTO_MAX_MSG_SIZE || (body == NULL && len > 0))
        return ZTO_E_ARG;
    t->have_resp = false;
    t->detail[0] = '\0';
    t->req_type = msg_type;
    memset(&x, 0, sizeof(x));
    x.t = t;
    t->err = ZTO_E_INTERNAL;

    if ((base = event_base_new()) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    x.base = base;
    if ((conn = make_conn(t, base, &r)) == NULL)
        goto out;
    if ((x.req = evhttp_request_new(on_done, &x)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    evhttp_request_set_error_cb(x.req, on_error);
    oh = evhttp_request_get_output_headers(x.req);
    v6 = strchr(t->target.host, ':') != NULL;
    snprintf(host, sizeof(host), "%s%s%s:%u", v6 ? "[" : "", t->target.host,
             v6 ? "]" : "", (unsigned)t->target.port);
    snprintf(num, sizeof(num), "%zu", len);
    evhttp_add_header(oh, "Host", host);
    evhttp_add_header(oh, "Content-Type", "application/cbor");
    evhttp_add_header(oh, "Content-Length", num);
    evhttp_add_header(oh, "Connection", "close");
    if (t->auth[0] != '\0')
        evhttp_add_header(oh, "Authorization", t->auth);
    if (len > 0 &&
        evbuffer_add(evhttp_request_get_output_buffer(x.req), body, len)) {
        evhttp_request_free(x.req);
        r = ZTO_E_NOMEM;
        goto out;
    }
    snprintf(path, sizeof(path), "/fdo/%u/msg/%u", (unsigned)ZTO_PROTVER,
             (unsigned)msg_type);
    /* On failure evhttp_make_request() frees the request itself. */
    if (evhttp_make_request(conn, x.req, EVHTTP_REQ_POST, path) != 0) {
        r = ZTO_E_CONNECT;
        detail(t, "cannot start a request to %s port %u", t->target.host,
               (unsigned)t->target.port);
        goto out;
    }
    if ((deadline = evtimer_new(base, on_deadline, &x)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    tv.tv_sec = (time_t)(t->opts.timeout_ms / 1000);
    tv.tv_usec = (suseconds_t)((t->opts.timeout_ms % 1000) * 1000);
    evtimer_add(deadline, &tv);

    while (!x.done && !x.timed_out)
        if (event_base_dispatch(base) < 0)
            break;
    if (!x.done) {
        /* Freeing the connection below cancels the request without
         * calling on_done. */
        r = ZTO_E_TIMEOUT;
        detail(t, "no answer within %u ms", t->opts.timeout_ms);
        goto out;
    }
    r = t->err;
out:
    if (deadline != NULL)
        event_free(deadline);
    if (conn != NULL)
        evhttp_connection_free(conn);
    if (base != NULL)
        event_base_free(base);
    if (r != ZTO_OK)
        t->have_resp = false;
    t->err = r;
    return r;
}

static zto_err_t
http_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *msg_type)
{
    struct zto_http_transport *t = ctx;

    if (!t->have_resp)
        return t->err != ZTO_OK ? t->err : ZTO_E_STATE;
    if (t->resp_len > cap) {
        *len = t->resp_len;
        return ZTO_E_BUF_TOO_SMALL;
    }
    if (t->resp_len > 0)
        memcpy(buf, t->resp, t->resp_len);
    *len = t->resp_len;
    *msg_type = t->resp_type;
    t->have_resp = false;
    return ZTO_OK;
}

const struct zto_transport_ops zto_transport_http_ops = {
    http_open,
    http_send,
    http_recv,
    http_close,
};
