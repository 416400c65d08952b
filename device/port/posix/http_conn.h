/*
 * http_conn.h - the HTTP(S) connection set-up of transport_http.c,
 * shared with fdo.wget (mod_wget.c). Private to the POSIX port.
 */
#ifndef ZTO_POSIX_HTTP_CONN_H
#define ZTO_POSIX_HTTP_CONN_H

#include <stddef.h>

#include "zto_posix_transport.h"

struct event_base;
struct evhttp_connection;

/*
 * A libevent connection to tg on base: TLS for https, the peer's
 * certificate checked against o->ca_file (NULL: the system store) and
 * the host name or address unless o->insecure; no retries; bodies of
 * at most max_body bytes; o->io_timeout_ms without progress fails.
 * *ssl_ctx (SSL_CTX *) is made on first use and kept by the caller,
 * who frees it with SSL_CTX_free(). NULL on failure: *err, and why
 * when there is more to say.
 */
struct evhttp_connection *
zto_http_conn_new(const struct zto_http_opts *o, void **ssl_ctx,
                  const struct zto_target *tg, struct event_base *base,
                  size_t max_body, char *why, size_t whycap, zto_err_t *err);

#endif
