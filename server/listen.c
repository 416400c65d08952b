/*
 * listen.c - listen specs ("coap://[::1]:5683", "127.0.0.1:8080").
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "zto_srv.h"

static const struct {
    const char *prefix;
    int transport;
} schemes[] = {
    {"http://", ZTO_SRV_HTTP},
    {"https://", ZTO_SRV_HTTPS},
    {"coap://", ZTO_SRV_COAP},
    {"coaps://", ZTO_SRV_COAPS},
};

const char *
zto_srv_transport_name(int transport)
{
    switch (transport) {
    case ZTO_SRV_HTTP:
        return "http";
    case ZTO_SRV_HTTPS:
        return "https";
    case ZTO_SRV_COAP:
        return "coap";
    case ZTO_SRV_COAPS:
        return "coaps";
    default:
        return "?";
    }
}

static bool
valid_transport(int t)
{
    return t >= ZTO_SRV_HTTP && t <= ZTO_SRV_COAPS;
}

static bool
host_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

static zto_err_t
parse_port(const char *s, uint16_t *port)
{
    unsigned long v = 0;
    size_t i;

    if (s[0] == '\0')
        return ZTO_E_CONFIG;
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 5)
            return ZTO_E_CONFIG;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > 65535)
        return ZTO_E_CONFIG;
    *port = (uint16_t)v;
    return ZTO_OK;
}

zto_err_t
zto_listen_parse(const char *spec, int transport, struct zto_listen *out)
{
    struct zto_listen l;
    const char *p, *colon;
    size_t i, hlen;

    if (spec == NULL || out == NULL)
        return ZTO_E_ARG;
    memset(&l, 0, sizeof(l));
    l.transport = transport;
    p = spec;
    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        size_t n = strlen(schemes[i].prefix);
        if (strncasecmp(p, schemes[i].prefix, n) == 0) {
            l.transport = schemes[i].transport;
            p += n;
            break;
        }
    }
    if (!valid_transport(l.transport))
        return ZTO_E_CONFIG;

    if (p[0] == '[') {
        const char *end = strchr(p, ']');
        struct in6_addr a6;

        if (end == NULL || end[1] != ':')
            return ZTO_E_CONFIG;
        hlen = (size_t)(end - p - 1);
        if (hlen == 0 || hlen >= sizeof(l.host))
            return ZTO_E_CONFIG;
        memcpy(l.host, p + 1, hlen);
        l.host[hlen] = '\0';
        if (inet_pton(AF_INET6, l.host, &a6) != 1)
            return ZTO_E_CONFIG;
        colon = end + 1;
    } else {
        colon = strrchr(p, ':');
        if (colon == NULL)
            return ZTO_E_CONFIG;
        hlen = (size_t)(colon - p);
        if (hlen >= sizeof(l.host))
            return ZTO_E_CONFIG;
        if (!(hlen == 1 && p[0] == '*')) {
            for (i = 0; i < hlen; i++)
                if (!host_char_ok(p[i]))
                    return ZTO_E_CONFIG; /* also a v6 literal w/o [] */
            memcpy(l.host, p, hlen);
            l.host[hlen] = '\0';
        }
    }
    if (parse_port(colon + 1, &l.port) != ZTO_OK)
        return ZTO_E_CONFIG;
    *out = l;
    return ZTO_OK;
}

zto_err_t
zto_listen_format(const struct zto_listen *l, char *buf, size_t cap)
{
    const char *host = l->host[0] != '\0' ? l->host : "*";
    bool v6 = strchr(host, ':') != NULL;
    int n;

    n = snprintf(buf, cap, "%s://%s%s%s:%u",
                 zto_srv_transport_name(l->transport), v6 ? "[" : "", host,
                 v6 ? "]" : "", (unsigned)l->port);
    if (n < 0 || (size_t)n >= cap)
        return ZTO_E_BUF_TOO_SMALL;
    return ZTO_OK;
}
