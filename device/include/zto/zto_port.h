/*
 * zto_port.h - what a platform gives the device library: a transport to
 * exchange FDO messages, a store for the credential and files, and clock
 * and logging. All are passed in as ops + context; the library itself
 * opens no socket, file or clock.
 *
 * The POSIX port (device/port/posix) implements these with libevent HTTP,
 * libcoap and plain files; device/port/template is the empty skeleton a
 * firmware integrator fills in.
 */
#ifndef ZTO_PORT_H
#define ZTO_PORT_H

#include <stdarg.h>

#include "zto/zto_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where to send a sub-protocol's messages. Built by the library from
 * RendezvousInfo (TO1, or TO2 with RVBypass) or RVTO2Addr (TO2). */
#define ZTO_HOST_MAX 256

struct zto_target {
    uint8_t protocol;         /* enum zto_transport_prot: HTTP, HTTPS, COAP,
                                 COAPS (TCP/TLS are refused) */
    char host[ZTO_HOST_MAX];  /* DNS name or literal IPv4/IPv6 address */
    uint16_t port;
};

/* Format a target as a URL ("http://host:port", "coap://[::1]:5683"). */
ZTO_MUST_CHECK zto_err_t zto_target_url(const struct zto_target *t, char *out,
                                        size_t cap);
/* Parse "http://HOST:PORT", "https://", "coap://", "coaps://" into t.
 * The port defaults to 80/443/5683/5684. */
ZTO_MUST_CHECK zto_err_t zto_target_parse(const char *url,
                                          struct zto_target *t);

/*
 * Transport. One FDO sub-protocol (DI, TO0, TO1, TO2) runs inside one
 * open()/close() pair; the transport keeps that sub-protocol's session
 * token (HTTP Authorization / CoAP FDO-Token option, see
 * docs/transport.md) and forgets it on open().
 *
 * send() posts one message; recv() returns the peer's answer to it:
 * the body and its message type (255 for an ErrorMessage, which is
 * returned as ZTO_OK so the caller can decode and report it). A
 * non-blocking transport may return ZTO_E_WANT_WRITE / ZTO_E_WANT_READ;
 * the caller retries the same call later.
 */
struct zto_transport_ops {
    zto_err_t (*open)(void *ctx, const struct zto_target *target);
    zto_err_t (*send)(void *ctx, uint8_t msg_type, const uint8_t *body,
                      size_t len);
    zto_err_t (*recv)(void *ctx, uint8_t *buf, size_t cap, size_t *len,
                      uint8_t *msg_type);
    void (*close)(void *ctx);
};

/*
 * Storage. Named blobs ("credential", or a path for downloaded files).
 * write() must be atomic: afterwards the blob holds either the old or the
 * new content, never a mix, even after power loss (write new, sync,
 * rename). read() returns ZTO_E_NOT_FOUND for a missing blob and
 * ZTO_E_BUF_TOO_SMALL (with *len = needed size) when cap is too small.
 */
struct zto_storage_ops {
    zto_err_t (*read)(void *ctx, const char *name, uint8_t *buf, size_t cap,
                      size_t *len);
    zto_err_t (*write)(void *ctx, const char *name, const uint8_t *buf,
                       size_t len);
};

enum zto_log_level {
    ZTO_LOG_ERR = 0,
    ZTO_LOG_WARN = 1,
    ZTO_LOG_INFO = 2,
    ZTO_LOG_DEBUG = 3
};

/* Compile-time ceiling: messages above it are compiled out. */
#ifndef ZTO_LOG_MAX_LEVEL
#define ZTO_LOG_MAX_LEVEL ZTO_LOG_DEBUG
#endif

struct zto_platform_ops {
    /* Monotonic milliseconds (for delays and timeouts). */
    uint64_t (*now_ms)(void *ctx);
    /* Wait (RVDelaysec between rendezvous directives). May be NULL. */
    void (*sleep_ms)(void *ctx, uint32_t ms);
    /* One log line, without newline. May be NULL. */
    void (*log)(void *ctx, int level, const char *file, int line,
                const char *msg);
};

#ifdef __cplusplus
}
#endif
#endif /* ZTO_PORT_H */
