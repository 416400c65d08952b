/*
 * zto_srv.h - the runtime every FDO daemon runs on.
 *
 * One process, one libevent loop, any number of listeners: HTTP and HTTPS
 * (libevent evhttp) and CoAP and CoAPS (libcoap, UDP / DTLS). A role
 * (manufacturer, rendezvous, owner) supplies one handler; the adapters
 * only move bytes, the message type, the session token and the status
 * (see docs/transport.md for the wire mapping):
 *
 *     HTTP   POST /fdo/101/msg/<N>, Authorization: Bearer <token>
 *            200 + Message-Type: <M>   or   500 + Message-Type: 255
 *     CoAP   POST fdo/101/msg/<N> (CON), option FDO-Token (65001)
 *            2.04 + FDO-Msg-Type (65004)   or   5.00 + FDO-Msg-Type 255
 *
 * The handler is called on the event loop thread, once per complete
 * request body, and must always fill a response: the next message, or an
 * ErrorMessage built with zto_srv_error(). Requests that never reach the
 * handler (wrong path, method, content type, size) are answered by the
 * adapter itself.
 */
#ifndef ZTO_SRV_H
#define ZTO_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zto/zto_err.h"
#include "zto/zto_types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/* Longest session token accepted or issued (without "Bearer "). Tokens
 * of other implementations reach several hundred bytes. */
#define ZTO_SRV_TOKEN_MAX 2048

/* CoAP options of the project's mapping (experimental range, RFC 7252
 * section 12.2). */
#define ZTO_COAP_OPT_FDO_TOKEN 65001
#define ZTO_COAP_OPT_FDO_MSG_TYPE 65004

enum zto_srv_transport {
    ZTO_SRV_HTTP = 1,
    ZTO_SRV_HTTPS = 2,
    ZTO_SRV_COAP = 3,
    ZTO_SRV_COAPS = 4
};

/* Name of a transport ("http", "coaps"). */
const char *zto_srv_transport_name(int transport);

/* ---- Listen specs ---------------------------------------------------- */

#define ZTO_LISTEN_HOST_MAX 256

struct zto_listen {
    int transport;                  /* enum zto_srv_transport */
    char host[ZTO_LISTEN_HOST_MAX]; /* literal, name, or "" for any */
    uint16_t port;                  /* 0: the kernel picks (tests) */
};

/*
 * Parse "HOST:PORT", "[V6]:PORT" or "*:PORT", optionally prefixed by a
 * scheme ("coap://[::1]:5683"). The scheme, when present, overrides
 * `transport`; without a scheme `transport` must be set.
 */
ZTO_MUST_CHECK zto_err_t zto_listen_parse(const char *spec, int transport,
                                          struct zto_listen *out);
/* "coap://[::1]:5683". Returns ZTO_E_BUF_TOO_SMALL if it does not fit. */
ZTO_MUST_CHECK zto_err_t zto_listen_format(const struct zto_listen *l,
                                           char *buf, size_t cap);

/* ---- Requests and responses ------------------------------------------ */

struct zto_srv_req {
    uint8_t msg_type;
    const uint8_t *body; /* valid during the handler call only */
    size_t len;
    const char *token; /* NULL if none; "Bearer " already stripped */
    const char *peer;  /* "ip:port" for logs */
    int transport;     /* enum zto_srv_transport */
};

struct zto_srv_resp {
    uint8_t msg_type; /* next message type, or 255 */
    uint8_t *body;    /* owned by the adapter */
    size_t cap;       /* ZTO_MAX_MSG_SIZE */
    size_t len;
    /* Token to return (without "Bearer "). Empty: return the request's
     * token unchanged (none if it had none, and none with an
     * ErrorMessage, which ends the session). */
    char token[ZTO_SRV_TOKEN_MAX];
    /* The sub-protocol ended with this answer (13/23/33/71 or 255). */
    bool end_session;
};

typedef void (*zto_srv_handler_fn)(void *ctx, const struct zto_srv_req *req,
                                   struct zto_srv_resp *resp);

/*
 * Make resp an ErrorMessage (FDO 1.1 section 4.5): code from
 * zto_err_wire_code(e), prev_msg = the request's type, text (truncated to
 * 128 bytes), the current time and a random correlation id. Sets
 * msg_type = 255 and end_session. Fails only if resp->cap is too small.
 */
ZTO_MUST_CHECK zto_err_t zto_srv_error(struct zto_srv_resp *resp, zto_err_t e,
                                       uint8_t prev_msg, const char *text);
/* Same with an explicit wire code (1..6, 100, 101, 102, 500). */
ZTO_MUST_CHECK zto_err_t zto_srv_error_code(struct zto_srv_resp *resp,
                                            unsigned code, uint8_t prev_msg,
                                            const char *text);

/* ---- The server -------------------------------------------------------- */

struct zto_srv_opts {
    const struct zto_listen *listen;
    size_t nlisten;

    zto_srv_handler_fn handler;
    void *handler_ctx;
    /* SIGHUP. May be NULL. */
    void (*reload)(void *ctx);
    void *reload_ctx;

    /* PEM certificate chain and key for https and coaps listeners. */
    const char *tls_cert;
    const char *tls_key;

    /* HTTP: seconds a connection may stay silent while a request is read
     * or a response written, and between requests (0 = 30). */
    unsigned http_timeout_s;
    /* HTTP connections / CoAP bodies being assembled at once (0 = 256). */
    unsigned max_clients;
    /* CoAP duplicate cache: entries and their lifetime
     * (0 = 1024 entries, 247 s = EXCHANGE_LIFETIME of RFC 7252). */
    unsigned coap_cache_entries;
    unsigned coap_cache_ttl_s;
};

struct zto_srv;

/* Bind every listener. Fails (nothing left open) if any cannot be bound. */
ZTO_MUST_CHECK zto_err_t zto_srv_new(const struct zto_srv_opts *opts,
                                     struct zto_srv **out);
/* Serve until zto_srv_stop(), SIGTERM or SIGINT. */
ZTO_MUST_CHECK zto_err_t zto_srv_run(struct zto_srv *srv);
/* Make zto_srv_run() return after the current callback. */
void zto_srv_stop(struct zto_srv *srv);
void zto_srv_free(struct zto_srv *srv);

/* The loop, for a role's own timers (e.g. TO0 scheduling). */
struct event_base *zto_srv_event_base(struct zto_srv *srv);

/* Listeners as bound (port 0 replaced by the real port), in opts order. */
size_t zto_srv_bound_count(const struct zto_srv *srv);
const struct zto_listen *zto_srv_bound(const struct zto_srv *srv, size_t i);

/* Statistics (tests, logs). */
struct zto_srv_stats {
    unsigned long requests;         /* handed to the handler */
    unsigned long refused;          /* answered by an adapter (4xx, 413) */
    unsigned long coap_replayed;    /* answered from the duplicate cache */
    unsigned long http_connections; /* open now (counted from 1st request) */
};
void zto_srv_get_stats(const struct zto_srv *srv, struct zto_srv_stats *st);

/* Milliseconds of CLOCK_MONOTONIC: the one clock of the servers'
 * timeouts, caches and latency metrics. */
uint64_t zto_srv_now_ms(void);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_SRV_H */
