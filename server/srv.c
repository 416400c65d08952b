/*
 * srv.c - the server object: one libevent loop, the listeners, signals,
 * and the call into the role's handler.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "srv_int.h"
#include "zto_log.h"
#include "zto_metrics.h"

void
srv_addr_str(const struct sockaddr *sa, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
        snprintf(buf, cap, "%s:%u", host, (unsigned)ntohs(s4->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
        snprintf(buf, cap, "[%s]:%u", host, (unsigned)ntohs(s6->sin6_port));
    } else {
        snprintf(buf, cap, "?");
    }
}

zto_err_t
srv_resolve(const struct zto_listen *l, int socktype,
            struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints, *res = NULL;
    char port[8];
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%u", (unsigned)l->port);
    /* "any": the IPv6 wildcard, which also takes IPv4 on a dual-stack
     * host. */
    rc = getaddrinfo(l->host[0] != '\0' ? l->host : "::", port, &hints, &res);
    if (rc != 0 || res == NULL) {
        log_err("cannot resolve listen address '%s': %s", l->host,
                gai_strerror(rc));
        return ZTO_E_URL;
    }
    if (res->ai_addrlen > sizeof(*ss)) {
        freeaddrinfo(res);
        return ZTO_E_INTERNAL;
    }
    memset(ss, 0, sizeof(*ss));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = (socklen_t)res->ai_addrlen;
    freeaddrinfo(res);
    return ZTO_OK;
}

int
srv_parse_msg_path(const char *path, size_t len, uint8_t *type)
{
    static const char prefix[] = "fdo/101/msg/";
    size_t plen = sizeof(prefix) - 1, i;
    unsigned v = 0;

    if (len > 0 && path[0] == '/') {
        path++;
        len--;
    }
    if (len <= plen || memcmp(path, prefix, plen) != 0)
        return 0;
    path += plen;
    len -= plen;
    /* Decimal, no sign, no leading zero (except "0"), at most 255. */
    if (len > 3 || (len > 1 && path[0] == '0'))
        return 0;
    for (i = 0; i < len; i++) {
        if (path[i] < '0' || path[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(path[i] - '0');
    }
    if (v > 255)
        return 0;
    *type = (uint8_t)v;
    return 1;
}

bool
srv_token_ok(const char *tok, size_t len)
{
    size_t i;

    if (len == 0 || len >= ZTO_SRV_TOKEN_MAX)
        return false;
    for (i = 0; i < len; i++)
        if (tok[i] <= 0x20 || tok[i] >= 0x7f)
            return false;
    return true;
}

void
srv_resp_init(struct zto_srv *srv, struct zto_srv_resp *resp)
{
    resp->msg_type = 0;
    resp->body = srv->resp_buf;
    resp->cap = ZTO_MAX_MSG_SIZE;
    resp->len = 0;
    resp->token[0] = '\0';
    resp->end_session = false;
}

void
srv_dispatch(struct zto_srv *srv, const struct zto_srv_req *req,
             struct zto_srv_resp *resp)
{
    size_t tlen;
    uint64_t t0 = zto_srv_now_ms();

    srv->stats.requests++;
    srv->opts.handler(srv->opts.handler_ctx, req, resp);

    if (req->msg_type == ZTO_MSG_ERROR) {
        /* The peer reported its failure; the session is over. */
        resp->msg_type = 0;
        resp->len = 0;
        resp->token[0] = '\0';
        resp->end_session = true;
        zto_metrics_fdo(req, resp, t0);
        return;
    }
    tlen = strnlen(resp->token, sizeof(resp->token));
    if (resp->len > resp->cap || resp->body != srv->resp_buf ||
        tlen >= sizeof(resp->token) ||
        (tlen > 0 && !srv_token_ok(resp->token, tlen)) ||
        (resp->msg_type == 0 && resp->len == 0)) {
        /* A handler bug must not put garbage (or a header injection)
         * on the wire. */
        log_err("handler for msg %u from %s left an invalid response",
                (unsigned)req->msg_type, req->peer);
        srv_resp_init(srv, resp);
        if (zto_srv_error(resp, ZTO_E_INTERNAL, req->msg_type,
                          "internal error") != ZTO_OK)
            resp->len = 0;
    }
    zto_metrics_fdo(req, resp, t0);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct zto_srv *srv = arg;

    (void)what;
    if (sig == SIGHUP) {
        log_info("SIGHUP: reloading");
        if (srv->opts.reload != NULL)
            srv->opts.reload(srv->opts.reload_ctx);
        return;
    }
    log_info("signal %d: stopping", (int)sig);
    event_base_loopbreak(srv->base);
}

static bool
is_http(int t)
{
    return t == ZTO_SRV_HTTP || t == ZTO_SRV_HTTPS;
}

zto_err_t
zto_srv_new(const struct zto_srv_opts *opts, struct zto_srv **out)
{
    static const int sigs[3] = {SIGTERM, SIGINT, SIGHUP};
    struct zto_srv *srv = NULL;
    struct event_config *cfg = NULL;
    zto_err_t r = ZTO_E_INTERNAL;
    size_t i;

    if (opts == NULL || opts->handler == NULL || opts->nlisten == 0 ||
        opts->listen == NULL)
        return ZTO_E_ARG;
    if ((srv = calloc(1, sizeof(*srv))) == NULL)
        return ZTO_E_NOMEM;
    srv->opts = *opts;
    if (srv->opts.http_timeout_s == 0)
        srv->opts.http_timeout_s = SRV_DEF_HTTP_TIMEOUT_S;
    if (srv->opts.max_clients == 0)
        srv->opts.max_clients = SRV_DEF_MAX_CLIENTS;
    if (srv->opts.coap_cache_entries == 0)
        srv->opts.coap_cache_entries = SRV_DEF_CACHE_ENTRIES;
    if (srv->opts.coap_cache_ttl_s == 0)
        srv->opts.coap_cache_ttl_s = SRV_DEF_CACHE_TTL_S;

    srv->bound = calloc(opts->nlisten, sizeof(*srv->bound));
    srv->resp_buf = malloc(ZTO_MAX_MSG_SIZE);
    if (srv->bound == NULL || srv->resp_buf == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    srv->opts.listen = NULL; /* the caller's array need not outlive us */
    /* The epoll changelist folds the add/delete pairs libevent's HTTP
     * code makes within one loop pass into one epoll_ctl (or none): with
     * a connection per FDO message that was eight calls per message.
     * Its one restriction, no dup()ed descriptors, holds here. */
    if ((cfg = event_config_new()) == NULL ||
        event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) !=
            0 ||
        (srv->base = event_base_new_with_config(cfg)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    /* A peer closing mid-response must not kill the daemon. */
    signal(SIGPIPE, SIG_IGN);
    for (i = 0; i < 3; i++) {
        srv->sig[i] = evsignal_new(srv->base, sigs[i], on_signal, srv);
        if (srv->sig[i] == NULL || evsignal_add(srv->sig[i], NULL) != 0) {
            r = ZTO_E_INTERNAL;
            goto out;
        }
    }

    for (i = 0; i < opts->nlisten; i++) {
        struct zto_listen *l = &srv->bound[i];
        char name[300];

        *l = opts->listen[i];
        if (is_http(l->transport)) {
            struct srv_http **h =
                l->transport == ZTO_SRV_HTTPS ? &srv->https : &srv->http;
            if (*h == NULL &&
                (r = srv_http_new(srv, l->transport == ZTO_SRV_HTTPS, h)) !=
                    ZTO_OK)
                goto out;
            r = srv_http_listen(*h, l);
        } else if (l->transport == ZTO_SRV_COAP ||
                   l->transport == ZTO_SRV_COAPS) {
            if (srv->coap == NULL &&
                (r = srv_coap_new(srv, &srv->coap)) != ZTO_OK)
                goto out;
            r = srv_coap_listen(srv->coap, l);
        } else {
            r = ZTO_E_CONFIG;
        }
        if (zto_listen_format(l, name, sizeof(name)) != ZTO_OK)
            snprintf(name, sizeof(name), "?");
        if (r != ZTO_OK) {
            log_err_r(r, "cannot listen on %s", name);
            goto out;
        }
        srv->nbound++;
        log_info("listening on %s", name);
    }
    *out = srv;
    srv = NULL;
    r = ZTO_OK;
out:
    if (cfg != NULL)
        event_config_free(cfg);
    zto_srv_free(srv);
    return r;
}

zto_err_t
zto_srv_run(struct zto_srv *srv)
{
    if (event_base_dispatch(srv->base) < 0)
        return ZTO_E_INTERNAL;
    return srv->exit_err;
}

void
zto_srv_stop(struct zto_srv *srv)
{
    event_base_loopbreak(srv->base);
}

void
zto_srv_free(struct zto_srv *srv)
{
    size_t i;

    if (srv == NULL)
        return;
    srv_coap_free(srv->coap);
    srv_http_free(srv->http);
    srv_http_free(srv->https);
    for (i = 0; i < 3; i++)
        if (srv->sig[i] != NULL)
            event_free(srv->sig[i]);
    if (srv->base != NULL)
        event_base_free(srv->base);
    free(srv->bound);
    free(srv->resp_buf);
    free(srv);
}

struct event_base *
zto_srv_event_base(struct zto_srv *srv)
{
    return srv->base;
}

size_t
zto_srv_bound_count(const struct zto_srv *srv)
{
    return srv->nbound;
}

const struct zto_listen *
zto_srv_bound(const struct zto_srv *srv, size_t i)
{
    return i < srv->nbound ? &srv->bound[i] : NULL;
}

void
zto_srv_get_stats(const struct zto_srv *srv, struct zto_srv_stats *st)
{
    *st = srv->stats;
    st->http_connections =
        srv_http_connections(srv->http) + srv_http_connections(srv->https);
}
