/*
 * srv_coap.c - the CoAP(S) adapter (libcoap 4.3.1), the project's CoAP
 * mapping of FDO (docs/transport.md):
 *
 *   CON POST fdo/101/msg/<N>, Content-Format 60, FDO-Token (65001)
 *   -> 2.04 + FDO-Msg-Type (65004) + FDO-Token, or
 *      5.00 + FDO-Msg-Type 255 + ErrorMessage.
 *   4.04 unknown path, 4.05 method, 4.15 content format, 4.13 + Size1 too
 *   large, 4.08 Block1 gap, 4.00 NON request or bad token, 5.03 busy.
 *
 * Block-wise: libcoap does the Block1 and Block2 exchanges
 * (COAP_BLOCK_USE_LIBCOAP) but hands each Block1 block to us, so the size
 * limit is enforced per block before anything is buffered (libcoap's
 * single-body mode would allocate whatever Size1 announces).
 *
 * Duplicates: a request whose response was lost comes again; it is
 * answered from dupcache.c, never handed to the role twice.
 *
 * The libcoap context lives on the server's libevent loop: its epoll fd
 * is watched for reading and a timer (armed from coap_io_prepare_epoll())
 * drives retransmissions and expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "srv_int.h"
#include "zto/zto_crypto.h"
#include "zto_log.h"

/* Assembly of one peer's Block1 body (CoAP session app data). */
struct coap_peer {
    struct srv_coap *c;
    struct coap_peer *next;
    coap_session_t *session;
    uint8_t *buf; /* ZTO_MAX_MSG_SIZE while assembling */
    size_t len;
    uint8_t type;
    uint64_t last_ms; /* last block received */
    /* The last body completed from blocks: a late retransmission of its
     * final block is recognised and answered from the cache. */
    bool have_last;
    uint8_t last_type;
    size_t last_off, last_total;
    uint8_t last_blk_hash[32];
    uint8_t last_body_hash[32];
};

struct srv_coap {
    struct zto_srv *srv;
    coap_context_t *ctx;
    coap_resource_t *res;
    struct event *io_ev;
    struct event *timer;
    struct srv_dupcache *cache;
    struct coap_peer *peers;
    unsigned assembling;
    bool pki_set;
    char tokbuf[ZTO_SRV_TOKEN_MAX];
};

/* ---- libcoap on the libevent loop ---- */

static void
coap_arm_timer(struct srv_coap *c)
{
    coap_tick_t now;
    unsigned ms;
    struct timeval tv;

    coap_ticks(&now);
    ms = coap_io_prepare_epoll(c->ctx, now);
    /* 0 means "nothing scheduled"; wake up anyway now and then so that
     * idle sessions are reaped even if libcoap's own timerfd is not
     * armed. */
    if (ms == 0 || ms > 1000)
        ms = 1000;
    tv.tv_sec = (time_t)(ms / 1000);
    tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
    evtimer_add(c->timer, &tv);
}

static void
on_coap_io(evutil_socket_t fd, short what, void *arg)
{
    struct srv_coap *c = arg;

    (void)fd;
    (void)what;
    if (coap_io_process(c->ctx, COAP_IO_NO_WAIT) < 0)
        log_err("coap: I/O processing failed");
    coap_arm_timer(c);
}

static void
on_coap_log(coap_log_t level, const char *message)
{
    char line[512];
    size_t n;
    int l;

    snprintf(line, sizeof(line), "%s", message);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (level <= LOG_ERR)
        l = ZTO_SRV_LOG_ERR;
    else if (level <= LOG_WARNING)
        l = ZTO_SRV_LOG_WARN;
    else if (level <= LOG_INFO)
        l = ZTO_SRV_LOG_INFO;
    else
        l = ZTO_SRV_LOG_DEBUG;
    ZTO_LOG_(l, NULL, false, ZTO_OK, "libcoap: %s", line);
}

/* ---- per-peer state ---- */

static void
peer_drop_buf(struct coap_peer *p)
{
    if (p->buf != NULL) {
        free(p->buf);
        p->buf = NULL;
        p->c->assembling--;
    }
    p->len = 0;
}

static void
peer_free(struct coap_peer *p)
{
    struct coap_peer **pp;

    for (pp = &p->c->peers; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    peer_drop_buf(p);
    free(p);
}

/* Assemblies a client abandoned hold a buffer until their CoAP session
 * expires; when buffers run out, those idle for longer than a client
 * could still be retransmitting go first. */
static void
reap_stale(struct srv_coap *c, uint64_t now)
{
    struct coap_peer *p;

    for (p = c->peers; p != NULL; p = p->next)
        if (p->buf != NULL &&
            now - p->last_ms > SRV_CACHE_NOTOKEN_TTL_S * 1000u)
            peer_drop_buf(p);
}

static struct coap_peer *
peer_get(struct srv_coap *c, coap_session_t *s)
{
    struct coap_peer *p = coap_session_get_app_data(s);

    if (p != NULL)
        return p;
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return NULL;
    p->c = c;
    p->session = s;
    p->next = c->peers;
    c->peers = p;
    coap_session_set_app_data(s, p);
    return p;
}

static int
on_coap_event(coap_session_t *s, const coap_event_t ev)
{
    if (ev == COAP_EVENT_SERVER_SESSION_DEL) {
        struct coap_peer *p = coap_session_get_app_data(s);
        if (p != NULL) {
            coap_session_set_app_data(s, NULL);
            peer_free(p);
        }
    }
    return 0;
}

/* ---- responses ---- */

static void
release_copy(coap_session_t *s, void *app_ptr)
{
    (void)s;
    free(app_ptr);
}

static void
log_failure(const char *peer, int msg, unsigned code, const char *why)
{
    log_warn("coap %s msg %d: %u.%02u %s", peer, msg, code >> 5, code & 31,
             why);
}

/* A transport-level refusal: code and a short diagnostic payload. A
 * 4.13 also says what would have been accepted (Size1, RFC 7959 4). */
static void
refuse(struct srv_coap *c, coap_pdu_t *resp, const char *peer, int msg,
       coap_pdu_code_t code, const char *why)
{
    uint8_t num[4];

    c->srv->stats.refused++;
    log_failure(peer, msg, (unsigned)code, why);
    coap_pdu_set_code(resp, code);
    if (code == COAP_RESPONSE_CODE_REQUEST_TOO_LARGE)
        coap_add_option(
            resp, COAP_OPTION_SIZE1,
            coap_encode_var_safe(num, sizeof(num), ZTO_MAX_MSG_SIZE), num);
    coap_add_data(resp, strlen(why), (const uint8_t *)why);
}

static bool
hash_body(const uint8_t *p, size_t n, uint8_t out[32])
{
    struct zto_hash_buf h;

    if (zto_hash(ZTO_HASH_SHA256, p, n, &h) != ZTO_OK || h.len != 32)
        return false;
    memcpy(out, h.value, 32);
    return true;
}

/* The ETag of a Block2 answer names its bytes. A request retransmitted
 * while the server was busy is answered twice, once by the handler and
 * once from the cache; libcoap would give each answer an ETag of its own
 * (a counter), and the client, seeing the ETag change between blocks,
 * would restart the request as if the body had changed (libcoap 4.3
 * resends it with a new token, which the session then refuses). Equal
 * bytes, equal ETag: the second answer is the same representation. */
static uint64_t
body_etag(const uint8_t *p, size_t n)
{
    uint8_t h[32];
    uint64_t e = 0;
    size_t i;

    if (!hash_body(p, n, h))
        return 0; /* libcoap picks one */
    for (i = 0; i < 8; i++)
        e = e << 8 | h[i];
    return e != 0 ? e : 1; /* 0 asks libcoap for its own */
}

static void
respond(struct srv_coap *c, coap_resource_t *res, coap_session_t *s,
        const coap_pdu_t *req, const coap_string_t *query, coap_pdu_t *resp,
        const struct srv_cached *a)
{
    uint8_t num[4];
    uint8_t *copy;

    (void)c;
    coap_pdu_set_code(resp, (coap_pdu_code_t)a->code);
    if (a->token != NULL && a->token[0] != '\0')
        coap_add_option(resp, ZTO_COAP_OPT_FDO_TOKEN, strlen(a->token),
                        (const uint8_t *)a->token);
    if (a->msg_type != 0 || a->len > 0)
        coap_add_option(resp, ZTO_COAP_OPT_FDO_MSG_TYPE,
                        coap_encode_var_safe(num, sizeof(num), a->msg_type),
                        num);
    if (a->len == 0)
        return;
    /* libcoap keeps the data until the last Block2 went out. */
    if ((copy = malloc(a->len)) == NULL) {
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_INTERNAL_ERROR);
        return;
    }
    memcpy(copy, a->body, a->len);
    if (!coap_add_data_large_response(
            res, s, req, resp, query, COAP_MEDIATYPE_APPLICATION_CBOR, -1,
            body_etag(a->body, a->len), a->len, copy, release_copy, copy))
        log_err("coap: cannot attach a %zu-byte response", a->len);
}

static void
cache_key(char *key, size_t cap, const char *token, coap_session_t *s,
          const char *peer)
{
    if (token != NULL)
        snprintf(key, cap, "t:%s", token);
    else
        snprintf(key, cap, "p:%s:%s",
                 coap_session_get_proto(s) == COAP_PROTO_DTLS ? "coaps"
                                                              : "coap",
                 peer);
}

/* Answer a request already answered in this session from the cache. */
static bool
replay(struct srv_coap *c, coap_resource_t *res, coap_session_t *s,
       const coap_pdu_t *req, const coap_string_t *query, coap_pdu_t *resp,
       uint8_t type, const char *token, const char *peer,
       const uint8_t hash[32])
{
    struct srv_cached a;
    char key[ZTO_SRV_TOKEN_MAX + 80];

    cache_key(key, sizeof(key), token, s, peer);
    if (!srv_dupcache_get(c->cache, key, type, hash, zto_srv_now_ms(), &a))
        return false;
    c->srv->stats.coap_replayed++;
    log_debug("coap %s msg %u: retransmission, answered from cache", peer,
              (unsigned)type);
    respond(c, res, s, req, query, resp, &a);
    return true;
}

/* A complete request body: answer from the cache or run the handler. */
static void
serve(struct srv_coap *c, coap_resource_t *res, coap_session_t *s,
      const coap_pdu_t *req, const coap_string_t *query, coap_pdu_t *resp,
      uint8_t type, const char *token, const char *peer, const uint8_t *body,
      size_t len, const uint8_t hash[32])
{
    struct zto_srv *srv = c->srv;
    struct srv_cached a;
    struct zto_srv_req rq;
    struct zto_srv_resp r;
    char key[ZTO_SRV_TOKEN_MAX + 80];
    uint64_t now = zto_srv_now_ms();

    if (replay(c, res, s, req, query, resp, type, token, peer, hash))
        return;
    cache_key(key, sizeof(key), token, s, peer);

    memset(&rq, 0, sizeof(rq));
    rq.msg_type = type;
    rq.body = body;
    rq.len = len;
    rq.token = token;
    rq.peer = peer;
    rq.transport = coap_session_get_proto(s) == COAP_PROTO_DTLS ? ZTO_SRV_COAPS
                                                                : ZTO_SRV_COAP;
    srv_resp_init(srv, &r);
    srv_dispatch(srv, &rq, &r);

    a.code = r.msg_type == ZTO_MSG_ERROR ? COAP_RESPONSE_CODE_INTERNAL_ERROR
                                         : COAP_RESPONSE_CODE_CHANGED;
    a.msg_type = r.msg_type;
    a.body = r.body;
    a.len = r.len;
    /* An ErrorMessage ends the session (rule T7): no token to keep,
     * unless the role set one. */
    if (r.token[0] != '\0')
        a.token = r.token;
    else
        a.token = token != NULL && r.msg_type != ZTO_MSG_ERROR ? token : "";
    if (r.msg_type == ZTO_MSG_ERROR)
        log_failure(peer, type, a.code, "ErrorMessage");
    else
        log_debug("coap %s msg %u: %zu bytes -> msg %u, %zu bytes", peer,
                  (unsigned)type, len, (unsigned)r.msg_type, r.len);
    if (srv_dupcache_put(c->cache, key, token == NULL, type, hash, &a, now) !=
        ZTO_OK)
        log_warn("coap %s msg %u: response not cached", peer, (unsigned)type);
    if (r.end_session)
        srv_dupcache_end(c->cache, a.token);
    respond(c, res, s, req, query, resp, &a);
}

/* ---- the request handler ---- */

static void
on_request(coap_resource_t *res, coap_session_t *s, const coap_pdu_t *req,
           const coap_string_t *query, coap_pdu_t *resp)
{
    struct srv_coap *c = coap_resource_get_userdata(res);
    coap_string_t *path = coap_get_uri_path(req);
    coap_opt_iterator_t it;
    coap_opt_t *opt;
    coap_block_b_t b1;
    struct coap_peer *p;
    const char *token = NULL;
    const uint8_t *data = NULL;
    size_t len = 0, offset = 0, total = 0;
    uint8_t type = 0, hash[32];
    char peer[64] = "?";
    const coap_address_t *ra = coap_session_get_addr_remote(s);

    if (ra != NULL)
        srv_addr_str(&ra->addr.sa, peer, sizeof(peer));

    if (path == NULL ||
        !srv_parse_msg_path((const char *)path->s, path->length, &type)) {
        refuse(c, resp, peer, -1, COAP_RESPONSE_CODE_NOT_FOUND,
               "no such FDO endpoint");
        goto out;
    }
    if (coap_pdu_get_code(req) != COAP_REQUEST_CODE_POST) {
        refuse(c, resp, peer, type, COAP_RESPONSE_CODE_NOT_ALLOWED,
               "POST only");
        goto out;
    }
    if (coap_pdu_get_type(req) != COAP_MESSAGE_CON) {
        /* A lost NON request or response would desynchronise the
         * session silently. */
        refuse(c, resp, peer, type, COAP_RESPONSE_CODE_BAD_REQUEST,
               "Confirmable requests only");
        goto out;
    }
    opt = coap_check_option(req, COAP_OPTION_CONTENT_FORMAT, &it);
    if (opt == NULL ||
        coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt)) !=
            COAP_MEDIATYPE_APPLICATION_CBOR) {
        refuse(c, resp, peer, type,
               COAP_RESPONSE_CODE_UNSUPPORTED_CONTENT_FORMAT,
               "Content-Format must be 60 (application/cbor)");
        goto out;
    }
    opt = coap_check_option(req, ZTO_COAP_OPT_FDO_TOKEN, &it);
    if (opt != NULL) {
        size_t tl = coap_opt_length(opt);
        if (!srv_token_ok((const char *)coap_opt_value(opt), tl)) {
            refuse(c, resp, peer, type, COAP_RESPONSE_CODE_BAD_REQUEST,
                   "malformed FDO-Token");
            goto out;
        }
        memcpy(c->tokbuf, coap_opt_value(opt), tl);
        c->tokbuf[tl] = '\0';
        token = c->tokbuf;
    }

    coap_get_data_large(req, &len, &data, &offset, &total);
    if (!coap_get_block_b(s, req, COAP_OPTION_BLOCK1, &b1) ||
        (b1.num == 0 && !b1.m)) {
        /* The whole body in one datagram. */
        if (len > ZTO_MAX_MSG_SIZE) {
            refuse(c, resp, peer, type, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE,
                   "message too large");
            goto out;
        }
        if (!hash_body(data, len, hash)) {
            refuse(c, resp, peer, type, COAP_RESPONSE_CODE_INTERNAL_ERROR,
                   "hash failed");
            goto out;
        }
        serve(c, res, s, req, query, resp, type, token, peer,
              len > 0 ? data : (const uint8_t *)"", len, hash);
        goto out;
    }

    /* Block1: check the announced and the actual size before keeping
     * anything. */
    opt = coap_check_option(req, COAP_OPTION_SIZE1, &it);
    if ((opt != NULL &&
         coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt)) >
             ZTO_MAX_MSG_SIZE) ||
        offset > ZTO_MAX_MSG_SIZE || len > ZTO_MAX_MSG_SIZE - offset) {
        if ((p = coap_session_get_app_data(s)) != NULL)
            peer_drop_buf(p);
        refuse(c, resp, peer, type, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE,
               "message too large");
        goto out;
    }
    if ((p = peer_get(c, s)) == NULL) {
        refuse(c, resp, peer, type, COAP_RESPONSE_CODE_INTERNAL_ERROR,
               "out of memory");
        goto out;
    }
    if (offset == 0) {
        if (p->buf == NULL) {
            if (c->assembling >= c->srv->opts.max_clients)
                reap_stale(c, zto_srv_now_ms());
            if (c->assembling >= c->srv->opts.max_clients) {
                refuse(c, resp, peer, type,
                       COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE,
                       "too many transfers");
                goto out;
            }
            if ((p->buf = malloc(ZTO_MAX_MSG_SIZE)) == NULL) {
                refuse(c, resp, peer, type, COAP_RESPONSE_CODE_INTERNAL_ERROR,
                       "out of memory");
                goto out;
            }
            c->assembling++;
        }
        p->len = 0;
        p->type = type;
    } else if (p->buf == NULL || p->type != type) {
        uint8_t bh[32];

        /* Not assembling: the final block of a body already answered,
         * sent again because our answer was lost? */
        if (!b1.m && p->have_last && p->last_type == type &&
            p->last_off == offset && p->last_total == offset + len &&
            hash_body(data, len, bh) && memcmp(bh, p->last_blk_hash, 32) == 0 &&
            replay(c, res, s, req, query, resp, type, token, peer,
                   p->last_body_hash))
            goto out;
        refuse(c, resp, peer, type, COAP_RESPONSE_CODE_INCOMPLETE,
               "Block1 transfer not started");
        goto out;
    }
    if (offset < p->len && b1.m && offset + len <= p->len &&
        memcmp(p->buf + offset, data, len) == 0) {
        /* A block we already have (its 2.31 was lost). */
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTINUE);
        goto out;
    }
    if (offset != p->len) {
        peer_drop_buf(p);
        refuse(c, resp, peer, type, COAP_RESPONSE_CODE_INCOMPLETE,
               "Block1 out of order");
        goto out;
    }
    memcpy(p->buf + p->len, data, len);
    p->len += len;
    p->last_ms = zto_srv_now_ms();
    if (b1.m) {
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTINUE);
        goto out;
    }

    /* Last block: the body is complete. */
    p->have_last = hash_body(data, len, p->last_blk_hash) &&
                   hash_body(p->buf, p->len, p->last_body_hash);
    if (!p->have_last) {
        peer_drop_buf(p);
        refuse(c, resp, peer, type, COAP_RESPONSE_CODE_INTERNAL_ERROR,
               "hash failed");
        goto out;
    }
    p->last_type = type;
    p->last_off = offset;
    p->last_total = p->len;
    serve(c, res, s, req, query, resp, type, token, peer, p->buf, p->len,
          p->last_body_hash);
    peer_drop_buf(p);
    goto out;

out:
    coap_delete_string(path);
}

/* ---- setup ---- */

static zto_err_t
pki_setup(struct srv_coap *c)
{
    const struct zto_srv_opts *o = &c->srv->opts;
    coap_dtls_pki_t pki;

    if (c->pki_set)
        return ZTO_OK;
    if (o->tls_cert == NULL || o->tls_key == NULL) {
        log_err("coaps listener needs a certificate and a key");
        return ZTO_E_CONFIG;
    }
    if (!coap_dtls_is_supported()) {
        log_err("libcoap was built without DTLS");
        return ZTO_E_NOT_SUPPORTED;
    }
    memset(&pki, 0, sizeof(pki));
    pki.version = COAP_DTLS_PKI_SETUP_VERSION;
    /* Devices authenticate inside FDO, not with client certificates. */
    pki.verify_peer_cert = 0;
    pki.pki_key.key_type = COAP_PKI_KEY_PEM;
    pki.pki_key.key.pem.public_cert = o->tls_cert;
    pki.pki_key.key.pem.private_key = o->tls_key;
    if (!coap_context_set_pki(c->ctx, &pki)) {
        log_err("coaps: cannot load %s / %s", o->tls_cert, o->tls_key);
        return ZTO_E_CERT;
    }
    c->pki_set = true;
    return ZTO_OK;
}

zto_err_t
srv_coap_new(struct zto_srv *srv, struct srv_coap **out)
{
    static const coap_request_t methods[] = {
        COAP_REQUEST_GET,    COAP_REQUEST_POST,  COAP_REQUEST_PUT,
        COAP_REQUEST_DELETE, COAP_REQUEST_FETCH, COAP_REQUEST_PATCH,
        COAP_REQUEST_IPATCH};
    struct srv_coap *c;
    zto_err_t r = ZTO_E_NOMEM;
    size_t i;
    int fd;

    if ((c = calloc(1, sizeof(*c))) == NULL)
        return ZTO_E_NOMEM;
    c->srv = srv;
    coap_startup();
    coap_set_log_handler(on_coap_log);
    coap_set_log_level(zto_log_enabled(ZTO_SRV_LOG_DEBUG) ? LOG_INFO
                                                          : LOG_WARNING);
    if ((r = srv_dupcache_new(srv->opts.coap_cache_entries, SRV_CACHE_MAX_BYTES,
                              srv->opts.coap_cache_ttl_s, &c->cache)) != ZTO_OK)
        goto out;
    r = ZTO_E_NOMEM;
    if ((c->ctx = coap_new_context(NULL)) == NULL)
        goto out;
    coap_context_set_block_mode(c->ctx, COAP_BLOCK_USE_LIBCOAP);
    coap_register_option(c->ctx, ZTO_COAP_OPT_FDO_TOKEN);
    coap_register_option(c->ctx, ZTO_COAP_OPT_FDO_MSG_TYPE);
    coap_register_event_handler(c->ctx, on_coap_event);

    /* One catch-all resource: the path is checked in on_request(), so
     * unknown paths get 4.04 and wrong methods 4.05 consistently. */
    if ((c->res = coap_resource_unknown_init2(on_request, 0)) == NULL)
        goto out;
    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        coap_register_request_handler(c->res, methods[i], on_request);
    coap_resource_set_userdata(c->res, c);
    coap_add_resource(c->ctx, c->res);

    fd = coap_context_get_coap_fd(c->ctx);
    if (fd < 0) {
        log_err("libcoap built without epoll: cannot share the event loop");
        r = ZTO_E_NOT_SUPPORTED;
        goto out;
    }
    c->io_ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_coap_io, c);
    c->timer = evtimer_new(srv->base, on_coap_io, c);
    if (c->io_ev == NULL || c->timer == NULL || event_add(c->io_ev, NULL))
        goto out;
    coap_arm_timer(c);
    *out = c;
    return ZTO_OK;
out:
    srv_coap_free(c);
    return r;
}

zto_err_t
srv_coap_listen(struct srv_coap *c, struct zto_listen *l)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    coap_address_t addr;
    coap_endpoint_t *ep;
    const char *name, *colon;
    bool dtls = l->transport == ZTO_SRV_COAPS;
    zto_err_t r;

    if (dtls && (r = pki_setup(c)) != ZTO_OK)
        return r;
    if ((r = srv_resolve(l, SOCK_DGRAM, &ss, &sslen)) != ZTO_OK)
        return r;
    coap_address_init(&addr);
    memcpy(&addr.addr, &ss, sslen);
    addr.size = sslen;
    ep = coap_new_endpoint(c->ctx, &addr,
                           dtls ? COAP_PROTO_DTLS : COAP_PROTO_UDP);
    if (ep == NULL)
        return ZTO_E_CONNECT;
    /* Port 0: learn the one the kernel chose ("[::1]:40123 UDP"). */
    name = coap_endpoint_str(ep);
    if (name != NULL && (colon = strrchr(name, ':')) != NULL) {
        unsigned long port = strtoul(colon + 1, NULL, 10);
        if (port > 0 && port <= 65535)
            l->port = (uint16_t)port;
    }
    coap_arm_timer(c);
    return ZTO_OK;
}

void
srv_coap_free(struct srv_coap *c)
{
    if (c == NULL)
        return;
    if (c->io_ev != NULL)
        event_free(c->io_ev);
    if (c->timer != NULL)
        event_free(c->timer);
    if (c->ctx != NULL)
        coap_free_context(c->ctx); /* also frees the resource */
    while (c->peers != NULL)
        peer_free(c->peers);
    srv_dupcache_free(c->cache);
    free(c);
}
