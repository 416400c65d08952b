/*
 * srv_int.h - internals shared by the runtime's files (not installed).
 */
#ifndef ZTO_SRV_INT_H
#define ZTO_SRV_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "zto_srv.h"

struct event;
struct srv_http;
struct srv_coap;
struct srv_dupcache;

struct zto_srv {
    struct zto_srv_opts opts;
    struct zto_listen *bound; /* nlisten entries, real ports */
    size_t nbound;
    struct event_base *base;
    struct event *sig[3];   /* TERM, INT, HUP */
    struct srv_http *http;  /* plain HTTP listeners (may be NULL) */
    struct srv_http *https; /* HTTPS listeners (may be NULL) */
    struct srv_coap *coap;  /* CoAP and CoAPS endpoints (may be NULL) */
    uint8_t *resp_buf;      /* ZTO_MAX_MSG_SIZE; handlers run serially */
    struct zto_srv_stats stats;
    zto_err_t exit_err;
};

/* Option values after defaults. */
#define SRV_DEF_HTTP_TIMEOUT_S 30
#define SRV_DEF_MAX_CLIENTS 256
#define SRV_DEF_CACHE_ENTRIES 1024
#define SRV_DEF_CACHE_TTL_S 247
/* First messages carry no token; their cache entries are keyed by the
 * peer address and live only as long as CoAP retransmits one message
 * (MAX_TRANSMIT_SPAN, 45 s, plus slack), so that a device retrying the
 * protocol later gets a fresh answer. */
#define SRV_CACHE_NOTOKEN_TTL_S 60
/* Bytes of responses the duplicate cache may hold. */
#define SRV_CACHE_MAX_BYTES (16u * 1024u * 1024u)

/*
 * Run the role's handler for a complete request and check what it left in
 * resp (which the caller set up with srv_resp_init()). A handler that
 * produced nothing usable is turned into ErrorMessage 500. For a received
 * ErrorMessage (type 255) the answer is always empty: a 255 is never
 * answered with a 255.
 */
void srv_resp_init(struct zto_srv *srv, struct zto_srv_resp *resp);
void srv_dispatch(struct zto_srv *srv, const struct zto_srv_req *req,
                  struct zto_srv_resp *resp);

/* Strict "/fdo/101/msg/<N>" (HTTP, leading '/') or "fdo/101/msg/<N>"
 * (CoAP Uri-Path joined by '/'). Returns 1 and *type for a match, 0 for
 * another path. */
int srv_parse_msg_path(const char *path, size_t len, uint8_t *type);

/* "1.2.3.4:5" / "[::1]:5". */
void srv_addr_str(const struct sockaddr *sa, char *buf, size_t cap);
/* Resolve a listen spec (passive, numeric port). */
ZTO_MUST_CHECK zto_err_t srv_resolve(const struct zto_listen *l, int socktype,
                                     struct sockaddr_storage *ss,
                                     socklen_t *len);

/* Token of a request as a C string, or rejection. Tokens are printable
 * ASCII without spaces (RFC 6750 b64token is a subset), at most
 * ZTO_SRV_TOKEN_MAX - 1 bytes. */
bool srv_token_ok(const char *tok, size_t len);

/* ErrorMessage [code, prev_msg, text (cut to 128 bytes at a UTF-8
 * boundary), ts, cid] via zto_error_msg_encode(). */
ZTO_MUST_CHECK zto_err_t srv_errmsg_encode(unsigned code, uint8_t prev_msg,
                                           const char *text, uint64_t ts,
                                           uint64_t cid, uint8_t *buf,
                                           size_t cap, size_t *out_len);

/* ---- adapters ---- */
ZTO_MUST_CHECK zto_err_t srv_http_new(struct zto_srv *srv, bool tls,
                                      struct srv_http **out);
ZTO_MUST_CHECK zto_err_t srv_http_listen(struct srv_http *h,
                                         struct zto_listen *l);
void srv_http_free(struct srv_http *h);
/* Connections counted against max_clients. */
size_t srv_http_connections(const struct srv_http *h);

ZTO_MUST_CHECK zto_err_t srv_coap_new(struct zto_srv *srv,
                                      struct srv_coap **out);
ZTO_MUST_CHECK zto_err_t srv_coap_listen(struct srv_coap *c,
                                         struct zto_listen *l);
void srv_coap_free(struct srv_coap *c);

/* ---- CoAP duplicate cache (dupcache.c) ----
 * One slot per session key (the FDO token, or the peer address for a
 * request without token) holding the last response, looked up by
 * (message type, SHA-256 of the request body). */
struct srv_cached {
    uint8_t code; /* CoAP response code */
    uint8_t msg_type;
    const uint8_t *body; /* valid until the next put/expire */
    size_t len;
    const char *token; /* "" if none */
};

ZTO_MUST_CHECK zto_err_t srv_dupcache_new(size_t max_entries, size_t max_bytes,
                                          unsigned ttl_s,
                                          struct srv_dupcache **out);
void srv_dupcache_free(struct srv_dupcache *c);
/* true and *out on a hit for (key, type, hash) still alive at now_ms. */
bool srv_dupcache_get(struct srv_dupcache *c, const char *key, uint8_t msg_type,
                      const uint8_t hash[32], uint64_t now_ms,
                      struct srv_cached *out);
/* Remember the answer; `keyed_by_peer` entries get the short lifetime. */
ZTO_MUST_CHECK zto_err_t srv_dupcache_put(struct srv_dupcache *c,
                                          const char *key, bool keyed_by_peer,
                                          uint8_t msg_type,
                                          const uint8_t hash[32],
                                          const struct srv_cached *resp,
                                          uint64_t now_ms);
/* A session ended with a response that carried `token`: drop the entry
 * of the first message that created it (keyed by peer), so a new run of
 * the protocol from the same address is not answered from the cache. */
void srv_dupcache_end(struct srv_dupcache *c, const char *token);
size_t srv_dupcache_count(const struct srv_dupcache *c);

#endif /* ZTO_SRV_INT_H */
