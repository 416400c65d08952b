/*
 * admin_int.h - internals of the admin API (not installed).
 *
 *   admin_parse.c     HTTP/1.1 request heads and targets (pure)
 *   admin_http.c      connections: bufferevents, TLS, reading, writing
 *   admin.c           the listener object, routing, /health, /metrics
 *   admin_auth.c      bearer tokens and client certificates
 *   admin_resp.c      the response builder of zto_admin.h
 *   admin_conf.c      configuration keywords, hash-token
 *   admin_json*.c     JSON writer and reader (zto_json.h)
 */
#ifndef ZTO_ADMIN_INT_H
#define ZTO_ADMIN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zto_admin.h"

/* ---- admin_json.c ---- */

/* Length of the UTF-8 sequence at p (1..4), or 0 if it is not a valid
 * one: no overlong forms, no surrogates, nothing above U+10FFFF. */
size_t admin_utf8_seq(const unsigned char *p, size_t n);

/* ---- admin_parse.c: request heads (RFC 9112) ---- */

#define ADMIN_HEAD_MAX (16 * 1024)
#define ADMIN_MAX_HEADERS 64
#define ADMIN_PATH_MAX 2048
#define ADMIN_QUERY_MAX 4096

struct admin_hdr {
    const char *name;
    size_t nlen;
    const char *val; /* surrounding whitespace removed */
    size_t vlen;
};

struct admin_head {
    int method; /* enum zto_admin_method; 0 for any other */
    const char *method_s;
    size_t method_len;
    const char *target;
    size_t target_len;
    int minor; /* HTTP/1.<minor> */
    struct admin_hdr hdr[ADMIN_MAX_HEADERS];
    size_t nhdr;
    size_t head_len; /* bytes up to and including the empty line */
};

/*
 * Parse the request head at the start of buf[0..len). Views into buf.
 *   ZTO_OK            complete; h->head_len bytes consumed
 *   ZTO_E_WANT_INPUT  incomplete so far
 *   ZTO_E_PROTO       malformed (400)
 *   ZTO_E_TOO_BIG     more than ADMIN_MAX_HEADERS fields (431)
 *   ZTO_E_UNSUPPORTED not HTTP/1.x (505)
 * The caller enforces ADMIN_HEAD_MAX (a head still incomplete after that
 * many bytes is a 431).
 */
ZTO_MUST_CHECK zto_err_t admin_parse_head(const char *buf, size_t len,
                                          struct admin_head *h);

/* Number of fields named `name` (case-insensitive); *val, *vlen: the
 * first (either may be NULL). */
size_t admin_head_find(const struct admin_head *h, const char *name,
                       const char **val, size_t *vlen);
/*
 * Body length from Content-Length (0 without one). ZTO_E_PROTO for a
 * malformed value or several different ones; ZTO_E_UNSUPPORTED when
 * Transfer-Encoding is present (411: only sized bodies are taken).
 */
ZTO_MUST_CHECK zto_err_t admin_head_body_len(const struct admin_head *h,
                                             uint64_t *n);
/* HTTP/1.1 without "Connection: close". */
bool admin_head_keep_alive(const struct admin_head *h);
/* "Expect: 100-continue". */
bool admin_head_expect_continue(const struct admin_head *h);
/* Media type of Content-Type, lower-cased, parameters removed, into buf;
 * "" when absent. false if malformed or too long. */
bool admin_head_media_type(const struct admin_head *h, char *buf, size_t cap);

struct admin_target {
    char path[ADMIN_PATH_MAX];
    char qbuf[ADMIN_QUERY_MAX];
    const char *qkey[ZTO_ADMIN_MAX_QUERY];
    const char *qval[ZTO_ADMIN_MAX_QUERY];
    size_t nq;
};

/*
 * Split an origin-form target ("/a/b?x=1&y") into a percent-decoded path
 * and query pairs ('+' is a space in the query). Refused (ZTO_E_PROTO):
 * no leading '/', a fragment, bad or NUL escapes, an encoded '/', control
 * or non-ASCII bytes in the decoded path, more than ZTO_ADMIN_MAX_QUERY
 * pairs, and anything too long.
 */
ZTO_MUST_CHECK zto_err_t admin_target_parse(const char *t, size_t n,
                                            struct admin_target *out);

/*
 * Match path against a pattern with "{name}" segments. On a match,
 * copies the captured segments into store (NUL-separated) and points
 * param[] at them.
 */
bool admin_path_match(const char *pattern, const char *path, char *store,
                      size_t cap, const char **param, size_t *nparam);

/* ---- admin_resp.c ---- */

#define ADMIN_MAX_RESP_HEADERS 8
/* Largest response body (a list of many devices, many vouchers). */
#define ADMIN_MAX_RESP (64u * 1024u * 1024u)

struct zto_admin_resp {
    int status; /* 0: nothing set yet */
    char ctype[64];
    char *body; /* heap */
    size_t len, cap;
    bool json_mode;
    struct zto_json json;
    char *hname[ADMIN_MAX_RESP_HEADERS];
    char *hval[ADMIN_MAX_RESP_HEADERS];
    size_t nhdr;
    bool failed;       /* out of memory or misuse: becomes a 500 */
    char err_code[48]; /* error code of an error response, for metrics */
};

void admin_resp_init(struct zto_admin_resp *r);
void admin_resp_free(struct zto_admin_resp *r);
/* Close the JSON document (if any) and turn any failure into a 500. */
void admin_resp_finish(struct zto_admin_resp *r);
const char *admin_status_text(int status);

/* ---- admin_auth.c ---- */

struct admin_conn;

/* The credentials of a request: true if they are good; *principal gets a
 * name for logs, *why a reason on failure (and *token_given whether a
 * token was offered, for the WWW-Authenticate error attribute). */
bool admin_auth_check(struct zto_admin *a, struct admin_conn *c,
                      const struct admin_head *h, char *principal, size_t pcap,
                      const char **why, bool *token_given);
/* SHA-256 of the token against each configured hash, constant time. */
int admin_token_match(const uint8_t (*hashes)[32], size_t n, const char *token,
                      size_t len);
/* "hex[,hex...]" -> hashes. */
ZTO_MUST_CHECK zto_err_t admin_token_hashes_parse(const char *s,
                                                  uint8_t (*out)[32],
                                                  size_t max, size_t *n);

/* ---- admin_http.c: connections ---- */

/* Bind l (its port is updated) into a->lst[a->nbound]. */
ZTO_MUST_CHECK zto_err_t admin_http_listen(struct zto_admin *a,
                                           struct zto_listen *l);
/* Stop or restart accepting (connection limit). */
void admin_http_pause(struct zto_admin *a, bool pause);
/* Close every connection and listener. */
void admin_http_close_all(struct zto_admin *a);
/* Peer "ip:port" of a connection. */
const char *admin_conn_peer(const struct admin_conn *c);
/* The verified client certificate's subject (one line), or NULL. */
bool admin_conn_client_cert(struct admin_conn *c, char *subject, size_t cap);

/* ---- admin.c: the object ---- */

struct admin_routes {
    const struct zto_admin_route *r;
    size_t n;
    void *ctx;
};

struct evconnlistener;
struct ssl_ctx_st;

struct zto_admin {
    struct zto_admin_opts opts;
    struct event_base *base;
    struct zto_listen *bound;
    size_t nbound;
    struct evconnlistener **lst; /* one per bound listener */
    struct ssl_ctx_st *ssl;      /* SSL_CTX of https listeners */
    struct admin_routes *routes;
    size_t nroutes;
    /* Connections (admin_http.c owns them). */
    struct admin_conn *conns;
    size_t nconns;
    bool paused;
};

void admin_handle_request(struct zto_admin *a, struct admin_conn *c,
                          const struct admin_head *h, const char *body,
                          size_t len, struct zto_admin_resp *resp);
/* Called by admin_http.c as connections come and go. */
void admin_conn_count_changed(struct zto_admin *a);

#endif /* ZTO_ADMIN_INT_H */
