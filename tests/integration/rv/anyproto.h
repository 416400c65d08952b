/*
 * anyproto.h - one zto_transport_ops that speaks HTTP(S) or CoAP(S)
 * depending on the target it is opened for: what a device following
 * RendezvousInfo (and then RVTO2Addr) needs, since each directive may
 * name another protocol. Tests and rv_tool only.
 */
#ifndef ZTO_ANYPROTO_H
#define ZTO_ANYPROTO_H

#include <stdlib.h>
#include <string.h>

#include "zto_posix_transport.h"

struct anyproto {
    struct zto_http_transport *http;
    struct zto_coap_transport *coap;
    const struct zto_transport_ops *cur;
    void *cur_ctx;
};

static inline int
anyproto_init(struct anyproto *a, bool insecure)
{
    struct zto_http_opts ho;
    struct zto_coap_opts co;

    memset(a, 0, sizeof(*a));
    memset(&ho, 0, sizeof(ho));
    memset(&co, 0, sizeof(co));
    ho.insecure = insecure;
    co.insecure = insecure;
    a->http = malloc(sizeof(*a->http));
    a->coap = malloc(sizeof(*a->coap));
    if (a->http == NULL || a->coap == NULL)
        return -1;
    zto_http_transport_init(a->http, &ho);
    zto_coap_transport_init(a->coap, &co);
    return 0;
}

static inline void
anyproto_free(struct anyproto *a)
{
    if (a->http != NULL)
        zto_http_transport_free(a->http);
    if (a->coap != NULL)
        zto_coap_transport_free(a->coap);
    free(a->http);
    free(a->coap);
    memset(a, 0, sizeof(*a));
}

static inline const char *
anyproto_detail(const struct anyproto *a)
{
    if (a->cur == &zto_transport_http_ops)
        return zto_http_transport_detail(a->http);
    if (a->cur == &zto_transport_coap_ops)
        return zto_coap_transport_detail(a->coap);
    return "";
}

static inline zto_err_t
ap_open(void *ctx, const struct zto_target *t)
{
    struct anyproto *a = ctx;

    if (t->protocol == ZTO_TPROT_COAP || t->protocol == ZTO_TPROT_COAPS) {
        a->cur = &zto_transport_coap_ops;
        a->cur_ctx = a->coap;
    } else {
        a->cur = &zto_transport_http_ops;
        a->cur_ctx = a->http;
    }
    return a->cur->open(a->cur_ctx, t);
}

static inline zto_err_t
ap_send(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    struct anyproto *a = ctx;

    return a->cur != NULL ? a->cur->send(a->cur_ctx, type, body, len)
                          : ZTO_E_STATE;
}

static inline zto_err_t
ap_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *type)
{
    struct anyproto *a = ctx;

    return a->cur != NULL ? a->cur->recv(a->cur_ctx, buf, cap, len, type)
                          : ZTO_E_STATE;
}

static inline void
ap_close(void *ctx)
{
    struct anyproto *a = ctx;

    if (a->cur != NULL)
        a->cur->close(a->cur_ctx);
}

static const struct zto_transport_ops anyproto_ops = {ap_open, ap_send, ap_recv,
                                                      ap_close};

#endif
