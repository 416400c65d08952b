/*
 * target.c - "scheme://host:port" <-> struct zto_target.
 *
 * Device rules: no heap, no stdio, bounded by the caller's buffers.
 * Schemes map to TransportProtocol (FDO 1.1 section 3.7, RVTO2Addr):
 * http 3, https 5, coap 4, coaps 6.
 */
#include <string.h>

#include "zto/zto_port.h"

struct scheme {
    const char *name;
    uint8_t protocol;
    uint16_t port;
};

static const struct scheme schemes[] = {
    {"http", ZTO_TPROT_HTTP, 80},
    {"https", ZTO_TPROT_HTTPS, 443},
    {"coap", ZTO_TPROT_COAP, 5683},
    {"coaps", ZTO_TPROT_COAPS, 5684},
};

#define NSCHEMES (sizeof(schemes) / sizeof(schemes[0]))

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_hex(char c)
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

static bool
is_name_char(char c)
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z') || c == '.' ||
           c == '-' || c == '_';
}

static const struct scheme *
scheme_by_protocol(uint8_t protocol)
{
    size_t i;

    for (i = 0; i < NSCHEMES; i++)
        if (schemes[i].protocol == protocol)
            return &schemes[i];
    return NULL;
}

/* Append s (n bytes) at *pos; false if it does not fit with a NUL. */
static bool
put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
    if (n >= cap - *pos)
        return false;
    memcpy(out + *pos, s, n);
    *pos += n;
    return true;
}

zto_err_t
zto_target_url(const struct zto_target *t, char *out, size_t cap)
{
    const struct scheme *sc;
    char digits[5];
    size_t hlen, pos = 0, nd = 0;
    unsigned port;
    bool v6;

    if (t == NULL || out == NULL || cap == 0)
        return ZTO_E_ARG;
    if ((sc = scheme_by_protocol(t->protocol)) == NULL)
        return ZTO_E_URL;
    hlen = strnlen(t->host, sizeof(t->host));
    if (hlen == 0 || hlen == sizeof(t->host))
        return ZTO_E_URL;
    v6 = memchr(t->host, ':', hlen) != NULL;
    port = t->port;
    do {
        digits[nd++] = (char)('0' + port % 10);
        port /= 10;
    } while (port > 0);

    if (!put(out, cap, &pos, sc->name, strlen(sc->name)) ||
        !put(out, cap, &pos, "://", 3) ||
        (v6 && !put(out, cap, &pos, "[", 1)) ||
        !put(out, cap, &pos, t->host, hlen) ||
        (v6 && !put(out, cap, &pos, "]", 1)) || !put(out, cap, &pos, ":", 1))
        return ZTO_E_BUF_TOO_SMALL;
    while (nd > 0) {
        if (!put(out, cap, &pos, &digits[--nd], 1))
            return ZTO_E_BUF_TOO_SMALL;
    }
    out[pos] = '\0';
    return ZTO_OK;
}

zto_err_t
zto_target_parse(const char *url, struct zto_target *t)
{
    const struct scheme *sc = NULL;
    struct zto_target r;
    const char *p, *h;
    size_t i, hlen = 0;
    unsigned long port;

    if (url == NULL || t == NULL)
        return ZTO_E_ARG;
    for (i = 0; i < NSCHEMES && sc == NULL; i++) {
        size_t n = strlen(schemes[i].name), k;
        bool same = true;

        for (k = 0; k < n && same; k++)
            same = lower(url[k]) == schemes[i].name[k];
        if (same && url[n] == ':' && url[n + 1] == '/' && url[n + 2] == '/')
            sc = &schemes[i];
    }
    if (sc == NULL)
        return ZTO_E_URL;
    p = url + strlen(sc->name) + 3;

    memset(&r, 0, sizeof(r));
    r.protocol = sc->protocol;
    r.port = sc->port;
    if (*p == '[') {
        bool colon = false;

        h = ++p;
        while (*p != ']') {
            if (*p == '\0' || !(is_hex(*p) || *p == ':' || *p == '.'))
                return ZTO_E_URL;
            colon = colon || *p == ':';
            p++;
        }
        hlen = (size_t)(p - h);
        if (!colon)
            return ZTO_E_URL;
        p++;
    } else {
        h = p;
        while (is_name_char(*p))
            p++;
        hlen = (size_t)(p - h);
    }
    if (hlen == 0 || hlen >= sizeof(r.host))
        return ZTO_E_URL;
    memcpy(r.host, h, hlen);
    r.host[hlen] = '\0';

    if (*p == ':') {
        p++;
        port = 0;
        for (i = 0; is_digit(p[i]); i++) {
            if (i >= 5)
                return ZTO_E_URL;
            port = port * 10 + (unsigned long)(p[i] - '0');
        }
        if (i == 0 || port == 0 || port > 65535)
            return ZTO_E_URL;
        r.port = (uint16_t)port;
        p += i;
    }
    /* FDO fixes the path; only an empty one or "/" is meaningful. */
    if (*p == '/')
        p++;
    if (*p != '\0')
        return ZTO_E_URL;
    *t = r;
    return ZTO_OK;
}
