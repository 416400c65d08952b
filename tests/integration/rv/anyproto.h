/*
 * anyproto.h - a zto_any_transport (HTTP(S) or CoAP(S) by target) with
 * both transports allocated, for rv_tool and the tests.
 */
#ifndef ZTO_ANYPROTO_H
#define ZTO_ANYPROTO_H

#include <stdlib.h>
#include <string.h>

#include "zto_posix_transport.h"

static inline int
anyproto_init(struct zto_any_transport *a, bool insecure)
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
anyproto_free(struct zto_any_transport *a)
{
    if (a->http != NULL)
        zto_http_transport_free(a->http);
    if (a->coap != NULL)
        zto_coap_transport_free(a->coap);
    free(a->http);
    free(a->coap);
    memset(a, 0, sizeof(*a));
}

#endif
