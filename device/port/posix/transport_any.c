/*
 * transport_any.c - zto_transport_any_ops: the HTTP or the CoAP
 * transport, chosen by the protocol of each target opened.
 */
#include "zto_posix_transport.h"

static zto_err_t
any_open(void *ctx, const struct zto_target *t)
{
    struct zto_any_transport *a = ctx;

    a->cur = NULL;
    a->cur_ctx = NULL;
    if ((t->protocol == ZTO_TPROT_HTTP || t->protocol == ZTO_TPROT_HTTPS) &&
        a->http != NULL) {
        a->cur = &zto_transport_http_ops;
        a->cur_ctx = a->http;
    } else if ((t->protocol == ZTO_TPROT_COAP ||
                t->protocol == ZTO_TPROT_COAPS) &&
               a->coap != NULL) {
        a->cur = &zto_transport_coap_ops;
        a->cur_ctx = a->coap;
    } else {
        return ZTO_E_URL;
    }
    return a->cur->open(a->cur_ctx, t);
}

static zto_err_t
any_send(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    struct zto_any_transport *a = ctx;

    return a->cur != NULL ? a->cur->send(a->cur_ctx, type, body, len)
                          : ZTO_E_STATE;
}

static zto_err_t
any_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *type)
{
    struct zto_any_transport *a = ctx;

    return a->cur != NULL ? a->cur->recv(a->cur_ctx, buf, cap, len, type)
                          : ZTO_E_STATE;
}

static void
any_close(void *ctx)
{
    struct zto_any_transport *a = ctx;

    if (a->cur != NULL)
        a->cur->close(a->cur_ctx);
}

const struct zto_transport_ops zto_transport_any_ops = {any_open, any_send,
                                                        any_recv, any_close};

const char *
zto_any_transport_detail(const struct zto_any_transport *a)
{
    if (a->cur == &zto_transport_http_ops)
        return zto_http_transport_detail(a->http);
    if (a->cur == &zto_transport_coap_ops)
        return zto_coap_transport_detail(a->coap);
    return "";
}
