/*
 * admin_http.c - connections of the admin listener: accept, TLS, read a
 * request head and a sized body, hand them to admin.c, write the answer
 * (RFC 9112). One request at a time per connection; keep-alive and
 * pipelining work, chunked bodies do not (411).
 *
 * Bounded everywhere: heads ADMIN_HEAD_MAX, bodies opts.max_body (413
 * before any of it is read; the rest of an announced body is read and
 * dropped so that the client sees the answer, not a reset), connections
 * opts.max_clients (the listeners pause at the limit), silence
 * opts.timeout_s, queued output ADMIN_OUT_HIGH (reading pauses until the
 * peer takes its answers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "admin_int.h"
#include "zto/zto_util.h"
#include "srv_int.h"
#include "zto_log.h"
#include "zto_metrics.h"

#define ADMIN_BACKLOG 64
/* Answers queued for a pipelining client before reading pauses. */
#define ADMIN_OUT_HIGH (4u * 1024u * 1024u)
/* Bytes of a refused body read and dropped before simply closing. */
#define ADMIN_DISCARD_MAX (256u * 1024u * 1024u)

enum conn_state {
    C_HEAD = 0, /* reading a request head */
    C_BODY,     /* head parsed, waiting for the whole body */
    C_CLOSING,  /* answer queued; close once it is written */
    C_DISCARD   /* answer queued; dropping an announced body, then close */
};

struct admin_conn {
    struct zto_admin *a;
    struct admin_conn *prev, *next;
    struct bufferevent *bev;
    bool tls;
    char peer[64];
    enum conn_state state;
    size_t head_len;
    uint64_t body_len;
    uint64_t discard_left;
    bool keep_alive;
    bool paused;      /* reading stopped until output drains */
    uint64_t head_t0; /* first byte of the head being read (ms) */
};

const char *
admin_conn_peer(const struct admin_conn *c)
{
    return c->peer;
}

bool
admin_conn_client_cert(struct admin_conn *c, char *subject, size_t cap)
{
    SSL *ssl;
    X509 *x;
    bool ok = false;

    if (!c->tls || (ssl = bufferevent_openssl_get_ssl(c->bev)) == NULL)
        return false;
    /* Present and verified against admin_client_ca during the
     * handshake. */
    if ((x = SSL_get1_peer_certificate(ssl)) == NULL)
        return false;
    if (SSL_get_verify_result(ssl) == X509_V_OK) {
        X509_NAME_oneline(X509_get_subject_name(x), subject, (int)cap);
        ok = true;
    }
    X509_free(x);
    return ok;
}

static void
conn_free(struct admin_conn *c)
{
    struct zto_admin *a = c->a;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        a->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    a->nconns--;
    if (c->bev != NULL)
        bufferevent_free(c->bev);
    free(c);
    admin_conn_count_changed(a);
}

static void
http_date(char *buf, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        snprintf(buf, cap, "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* Queue resp on the connection. */
static void
write_resp(struct admin_conn *c, const struct zto_admin_resp *r, bool close)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    char date[64];
    size_t i;

    /* 204 has neither body nor the headers describing one. */
    bool nobody = r->status == 204;

    http_date(date, sizeof(date));
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\n"
                        "Date: %s\r\n"
                        "Cache-Control: no-store\r\n"
                        "X-Content-Type-Options: nosniff\r\n",
                        r->status, admin_status_text(r->status), date);
    if (!nobody)
        evbuffer_add_printf(out, "Content-Length: %zu\r\n", r->len);
    if (!nobody && r->ctype[0] != '\0')
        evbuffer_add_printf(out, "Content-Type: %s\r\n", r->ctype);
    for (i = 0; i < r->nhdr; i++)
        evbuffer_add_printf(out, "%s: %s\r\n", r->hname[i], r->hval[i]);
    if (close)
        evbuffer_add_printf(out, "Connection: close\r\n");
    evbuffer_add(out, "\r\n", 2);
    if (r->len > 0 && !nobody)
        evbuffer_add(out, r->body, r->len);
}

/* Refuse at the HTTP level: JSON error, then close. */
static void
refuse(struct admin_conn *c, int status, const char *code, const char *msg,
       const char *allow)
{
    struct zto_admin_resp r;

    admin_resp_init(&r);
    zto_admin_error(&r, status, code, "%s", msg);
    if (allow != NULL && zto_admin_header(&r, "Allow", allow) != ZTO_OK)
        r.failed = true;
    admin_resp_finish(&r);
    write_resp(c, &r, true);
    admin_resp_free(&r);
    log_warn("admin %s: %d %s", c->peer, status, msg);
    zto_metrics_admin_request(status, false);
    c->state = C_CLOSING;
    bufferevent_disable(c->bev, EV_READ);
}

static void process(struct admin_conn *c);

static void
run_request(struct admin_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t total = c->head_len + (size_t)c->body_len;
    struct admin_head h;
    struct zto_admin_resp resp;
    unsigned char *raw;
    const char *p;
    char *body = NULL;

    raw = evbuffer_pullup(in, (ev_ssize_t)total);
    p = (const char *)raw;
    /* The head parsed before; parse the same bytes again for views. */
    if (p == NULL || admin_parse_head(p, c->head_len, &h) != ZTO_OK ||
        (body = malloc((size_t)c->body_len + 1)) == NULL) {
        refuse(c, 500, "internal", "out of memory", NULL);
        return;
    }
    memcpy(body, p + c->head_len, (size_t)c->body_len);
    body[c->body_len] = '\0';
    c->keep_alive = admin_head_keep_alive(&h);

    admin_resp_init(&resp);
    admin_handle_request(c->a, c, &h, body, (size_t)c->body_len, &resp);
    /* The request held a bearer token and may hold a key pasted by
     * mistake (refused, but it was here): wipe both copies. */
    zto_zeroize(body, (size_t)c->body_len + 1);
    zto_zeroize(raw, total);
    evbuffer_drain(in, total);
    free(body);
    write_resp(c, &resp, !c->keep_alive);
    admin_resp_free(&resp);
    if (!c->keep_alive) {
        c->state = C_CLOSING;
        bufferevent_disable(c->bev, EV_READ);
        return;
    }
    c->state = C_HEAD;
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) > ADMIN_OUT_HIGH) {
        c->paused = true;
        bufferevent_disable(c->bev, EV_READ);
    }
}

/* The next step for whatever input is buffered. */
static void
process(struct admin_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    uint64_t max_body = c->a->opts.max_body;

    while (!c->paused && (c->state == C_HEAD || c->state == C_BODY)) {
        size_t avail = evbuffer_get_length(in);

        if (c->state == C_HEAD) {
            struct admin_head h;
            size_t look = avail < ADMIN_HEAD_MAX ? avail : ADMIN_HEAD_MAX;
            const char *p;
            zto_err_t r;

            if (avail == 0)
                return;
            /* A head trickling in forever would hold a connection slot:
             * it gets the timeout once, not per byte. */
            if (c->head_t0 == 0)
                c->head_t0 = zto_srv_now_ms();
            else if (zto_srv_now_ms() - c->head_t0 >
                     (uint64_t)c->a->opts.timeout_s * 1000u) {
                refuse(c, 408, "timeout", "request head too slow", NULL);
                return;
            }
            p = (const char *)evbuffer_pullup(in, (ev_ssize_t)look);
            if (p == NULL) {
                refuse(c, 500, "internal", "out of memory", NULL);
                return;
            }
            r = admin_parse_head(p, look, &h);
            if (r == ZTO_E_WANT_INPUT) {
                if (look >= ADMIN_HEAD_MAX)
                    refuse(c, 431, "header_too_large",
                           "request head larger than 16 KiB", NULL);
                return;
            }
            if (r == ZTO_E_TOO_BIG) {
                refuse(c, 431, "header_too_large", "too many header fields",
                       NULL);
                return;
            }
            if (r == ZTO_E_UNSUPPORTED) {
                refuse(c, 505, "http_version", "only HTTP/1.x is served", NULL);
                return;
            }
            if (r != ZTO_OK) {
                refuse(c, 400, "bad_request", "malformed HTTP request", NULL);
                return;
            }
            r = admin_head_body_len(&h, &c->body_len);
            if (r == ZTO_E_UNSUPPORTED) {
                refuse(c, 411, "length_required",
                       "send a Content-Length (chunked bodies are not taken)",
                       NULL);
                return;
            }
            if (r != ZTO_OK) {
                refuse(c, 400, "bad_request", "malformed Content-Length", NULL);
                return;
            }
            c->head_len = h.head_len;
            c->head_t0 = 0;
            if (c->body_len > max_body) {
                bool expect = admin_head_expect_continue(&h);
                char msg[96];

                snprintf(msg, sizeof(msg),
                         "request body larger than %llu bytes",
                         (unsigned long long)max_body);
                evbuffer_drain(in, c->head_len);
                refuse(c, 413, "too_large", msg, NULL);
                /* A client told to wait (100-continue) sends nothing
                 * more; otherwise read and drop what it is sending so it
                 * can read the answer. */
                if (!expect) {
                    c->state = C_DISCARD;
                    c->discard_left = c->body_len;
                    bufferevent_enable(c->bev, EV_READ);
                }
                return;
            }
            c->state = C_BODY;
            if (c->body_len > 0 && avail < c->head_len + c->body_len &&
                admin_head_expect_continue(&h))
                evbuffer_add_printf(bufferevent_get_output(c->bev),
                                    "HTTP/1.1 100 Continue\r\n\r\n");
            continue;
        }
        /* C_BODY */
        if (avail < c->head_len + c->body_len)
            return;
        run_request(c);
    }
}

static void
discard_input(struct admin_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t n = evbuffer_get_length(in);

    if (n > c->discard_left)
        n = (size_t)c->discard_left;
    evbuffer_drain(in, n);
    c->discard_left -= n;
    if (c->discard_left == 0 ||
        c->body_len - c->discard_left > ADMIN_DISCARD_MAX) {
        evbuffer_drain(in, evbuffer_get_length(in));
        c->state = C_CLOSING;
        bufferevent_disable(c->bev, EV_READ);
        if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
            conn_free(c);
    }
}

static void
on_read(struct bufferevent *bev, void *arg)
{
    struct admin_conn *c = arg;

    (void)bev;
    if (c->state == C_DISCARD) {
        discard_input(c);
        return;
    }
    if (c->state == C_CLOSING) {
        struct evbuffer *in = bufferevent_get_input(c->bev);
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    process(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
    struct admin_conn *c = arg;

    (void)bev;
    /* Called when the output buffer is empty. */
    if (c->state == C_CLOSING) {
        conn_free(c);
        return;
    }
    if (c->paused) {
        c->paused = false;
        bufferevent_enable(c->bev, EV_READ);
        process(c);
    }
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
    struct admin_conn *c = arg;

    (void)bev;
    if (what == BEV_EVENT_CONNECTED)
        return; /* TLS handshake done */
    if ((what & BEV_EVENT_EOF) != 0 && c->state != C_DISCARD &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
        /* The client stopped sending but may still read its answer. */
        c->state = C_CLOSING;
        bufferevent_disable(c->bev, EV_READ);
        return;
    }
    if ((what & BEV_EVENT_TIMEOUT) != 0)
        log_debug("admin %s: idle, closing", c->peer);
    conn_free(c);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
          int salen, void *arg)
{
    struct zto_admin *a = arg;
    struct admin_conn *c;
    struct timeval tv;
    bool tls = false;
    size_t i;

    (void)salen;
    for (i = 0; i < a->nbound; i++)
        if (a->lst[i] == l)
            tls = a->bound[i].transport == ZTO_SRV_HTTPS;
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        evutil_closesocket(fd);
        return;
    }
    c->a = a;
    c->tls = tls;
    srv_addr_str(sa, c->peer, sizeof(c->peer));
    if (tls) {
        SSL *ssl = SSL_new((SSL_CTX *)a->ssl);
        if (ssl != NULL)
            c->bev = bufferevent_openssl_socket_new(a->base, fd, ssl,
                                                    BUFFEREVENT_SSL_ACCEPTING,
                                                    BEV_OPT_CLOSE_ON_FREE);
        if (c->bev != NULL)
            bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
        else if (ssl != NULL)
            SSL_free(ssl);
    } else {
        c->bev = bufferevent_socket_new(a->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (c->bev == NULL) {
        evutil_closesocket(fd);
        free(c);
        return;
    }
    c->next = a->conns;
    if (a->conns != NULL)
        a->conns->prev = c;
    a->conns = c;
    a->nconns++;
    admin_conn_count_changed(a);

    tv.tv_sec = (time_t)a->opts.timeout_s;
    tv.tv_usec = 0;
    bufferevent_set_timeouts(c->bev, &tv, &tv);
    /* Never buffer more than one request head and body ahead. */
    bufferevent_setwatermark(c->bev, EV_READ, 0,
                             ADMIN_HEAD_MAX + a->opts.max_body + 1);
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

zto_err_t
admin_http_listen(struct zto_admin *a, struct zto_listen *l)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    struct evconnlistener *lst;
    unsigned flags =
        LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
    zto_err_t r;

    if ((r = srv_resolve(l, SOCK_STREAM, &ss, &sslen)) != ZTO_OK)
        return r;
    if (ss.ss_family == AF_INET6 && l->host[0] != '\0')
        flags |= LEV_OPT_BIND_IPV6ONLY;
    lst = evconnlistener_new_bind(a->base, on_accept, a, flags, ADMIN_BACKLOG,
                                  (struct sockaddr *)&ss, (int)sslen);
    if (lst == NULL)
        return ZTO_E_CONNECT;
    a->lst[a->nbound] = lst;
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
admin_http_pause(struct zto_admin *a, bool pause)
{
    size_t i;

    if (a->paused == pause)
        return;
    for (i = 0; i < a->nbound; i++) {
        if (pause)
            evconnlistener_disable(a->lst[i]);
        else
            evconnlistener_enable(a->lst[i]);
    }
    a->paused = pause;
}

void
admin_http_close_all(struct zto_admin *a)
{
    size_t i;

    while (a->conns != NULL)
        conn_free(a->conns);
    for (i = 0; i < a->nbound; i++)
        if (a->lst[i] != NULL)
            evconnlistener_free(a->lst[i]);
    a->nbound = 0;
}
