/*
 * zto_posix_transport.h - the POSIX port's FDO clients: HTTP(S) over
 * libevent and CoAP(S) over libcoap, both implementing
 * struct zto_transport_ops (zto_port.h). The owner server uses them as its
 * TO0 client too.
 *
 * Both are synchronous from the caller's view: send() performs the whole
 * exchange (connect, request, response, block-wise transfers, retries of
 * the transport itself) and keeps the answer; recv() hands it out. The
 * session token (HTTP Authorization value, CoAP FDO-Token option) is kept
 * from open() to open(): the newest value received is replayed verbatim
 * (rule T4 of docs/transport.md).
 *
 *     struct zto_http_transport *t = malloc(sizeof(*t));   (about 66 KiB)
 *     zto_http_transport_init(t, NULL);
 *     cfg.transport = &zto_transport_http_ops;  cfg.transport_ctx = t;
 *     ...
 *     zto_http_transport_free(t);
 *
 * One object serves one exchange at a time and is not thread-safe. The
 * calling thread is blocked for the exchange: a server using these (the
 * owner's TO0 client) calls them outside its event loop.
 *
 * libcoap keeps process-wide state: the CoAP transport calls
 * coap_startup(); the log level and handler (coap_set_log_level(),
 * coap_set_log_handler()) and coap_cleanup() at exit are the
 * application's choice.
 */
#ifndef ZTO_POSIX_TRANSPORT_H
#define ZTO_POSIX_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zto/zto_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest token kept and replayed (other servers issue several hundred
 * bytes). */
#define ZTO_TRANSPORT_TOKEN_MAX 2048
/* Diagnostic text of the last failure. */
#define ZTO_TRANSPORT_DETAIL_MAX 160

/* ---- HTTP / HTTPS (libevent) ---- */

/* Default of zto_http_opts.timeout_ms. */
#define ZTO_HTTP_TIMEOUT_MS 60000

struct zto_http_opts {
    /* No progress (connect, send, receive) for this long fails the
     * exchange (0 = 30000). */
    unsigned io_timeout_ms;
    /* Whole exchange, connect included (0 = ZTO_HTTP_TIMEOUT_MS). */
    unsigned timeout_ms;
    /* HTTPS: trusted CAs (PEM file); NULL = the system store. The server
     * name or address is checked against the certificate. */
    const char *ca_file;
    /* HTTPS: accept any certificate. Tests and demos only. */
    bool insecure;
};

struct zto_http_transport {
    struct zto_http_opts opts;
    struct zto_target target;
    bool opened;
    void *ssl_ctx;                      /* SSL_CTX * (HTTPS) */
    char auth[ZTO_TRANSPORT_TOKEN_MAX]; /* Authorization, verbatim */
    char detail[ZTO_TRANSPORT_DETAIL_MAX];
    /* The last exchange. */
    uint8_t req_type;
    bool have_resp;
    zto_err_t err;
    uint8_t resp_type;
    size_t resp_len;
    uint8_t resp[ZTO_MAX_MSG_SIZE];
};

/* Zero t and copy opts (NULL = defaults). Cannot fail. */
void zto_http_transport_init(struct zto_http_transport *t,
                             const struct zto_http_opts *opts);
/* Release everything; t can be init'd again. Safe on an init'd t. */
void zto_http_transport_free(struct zto_http_transport *t);

extern const struct zto_transport_ops zto_transport_http_ops;

/* ---- CoAP / CoAPS (libcoap) ---- */

/* Default of zto_coap_opts.timeout_ms. */
#define ZTO_COAP_TIMEOUT_MS 120000

struct zto_coap_opts {
    /* RFC 7252 ACK_TIMEOUT (0 = 2000, at least 1000 with libcoap 4.3.1)
     * and MAX_RETRANSMIT (0 = 4). */
    unsigned ack_timeout_ms;
    unsigned max_retransmit;
    /* Whole exchange including every block and retransmission
     * (0 = ZTO_COAP_TIMEOUT_MS: the default CON parameters alone
     * allow 93 s). */
    unsigned timeout_ms;
    /* CoAPS (DTLS, PKI): trusted CAs (PEM file, required unless
     * insecure) and an optional client certificate and key. The server
     * name or address is checked against the certificate. */
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
    bool insecure;
};

struct zto_coap_transport {
    struct zto_coap_opts opts;
    struct zto_target target;
    bool opened;
    void *ctx;                              /* coap_context_t * */
    void *session;                          /* coap_session_t * */
    uint8_t token[ZTO_TRANSPORT_TOKEN_MAX]; /* FDO-Token, verbatim */
    size_t token_len;
    char detail[ZTO_TRANSPORT_DETAIL_MAX];
    char sni[ZTO_HOST_MAX];
    /* The exchange in progress / last exchange. */
    uint8_t ctok[8]; /* CoAP token of the request */
    size_t ctok_len;
    bool waiting;
    uint8_t req_type;
    bool have_resp;
    zto_err_t err;
    unsigned code; /* CoAP response code */
    uint8_t resp_type;
    bool resp_type_opt; /* FDO-Msg-Type was present */
    size_t resp_len;
    uint8_t resp[ZTO_MAX_MSG_SIZE];
    uint8_t req[ZTO_MAX_MSG_SIZE]; /* libcoap sends blocks from here */
};

void zto_coap_transport_init(struct zto_coap_transport *t,
                             const struct zto_coap_opts *opts);
void zto_coap_transport_free(struct zto_coap_transport *t);

extern const struct zto_transport_ops zto_transport_coap_ops;

/* ---- either, by target ---- */

/*
 * HTTP(S) or CoAP(S), chosen by the protocol of each target it is
 * opened for: what a device following RendezvousInfo and then RVTO2Addr
 * needs (TO1 and TO2 may use different protocols). The two transports
 * are the caller's, set before use; one left NULL makes targets of its
 * protocols fail with ZTO_E_URL. Nothing is allocated here.
 */
struct zto_any_transport {
    struct zto_http_transport *http;
    struct zto_coap_transport *coap;
    const struct zto_transport_ops *cur; /* of the last open() */
    void *cur_ctx;
};

extern const struct zto_transport_ops zto_transport_any_ops;

/* ---- both ---- */

/* What went wrong in the last failed call, for logs ("HTTP 404 without
 * ErrorMessage", "CoAP 4.13", "certificate verify failed"); "" if
 * nothing. */
const char *zto_http_transport_detail(const struct zto_http_transport *t);
const char *zto_coap_transport_detail(const struct zto_coap_transport *t);
const char *zto_any_transport_detail(const struct zto_any_transport *t);

/* True if body is shaped like an ErrorMessage (a 5-element array starting
 * with a uint code and a uint message id). */
bool zto_transport_is_errmsg(const uint8_t *body, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_POSIX_TRANSPORT_H */
