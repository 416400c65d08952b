/*
 * rvtarget.c - RendezvousInfo directives and RVTO2Addr entries as
 * transport targets (FDO 1.1 sections 7.2-7.4); rules in zto_rvtarget.h.
 * Device rules: no heap, no stdio.
 */
#include <string.h>

#include "zto/zto_rvtarget.h"

#define PORT_HTTP 80
#define PORT_HTTPS 443
#define PORT_COAP 5683
#define PORT_COAPS 5684

static const char hexdig[] = "0123456789abcdef";

/* Append c at *pos if it fits with a NUL. */
static bool
putc_(char *out, size_t cap, size_t *pos, char c)
{
    if (*pos + 1 >= cap)
        return false;
    out[(*pos)++] = c;
    return true;
}

static bool
put_dec(char *out, size_t cap, size_t *pos, unsigned v)
{
    char d[3];
    size_t n = 0;

    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < sizeof(d));
    while (n > 0)
        if (!putc_(out, cap, pos, d[--n]))
            return false;
    return true;
}

static bool
put_v4(char *out, size_t cap, size_t *pos, const uint8_t *b)
{
    size_t i;

    for (i = 0; i < 4; i++)
        if ((i > 0 && !putc_(out, cap, pos, '.')) ||
            !put_dec(out, cap, pos, b[i]))
            return false;
    return true;
}

static bool
put_group(char *out, size_t cap, size_t *pos, unsigned g)
{
    int shift;
    bool started = false;

    for (shift = 12; shift >= 0; shift -= 4) {
        unsigned nib = (g >> shift) & 0xf;
        if (nib == 0 && !started && shift > 0)
            continue;
        started = true;
        if (!putc_(out, cap, pos, hexdig[nib]))
            return false;
    }
    return true;
}

static bool
is_v4_mapped(const uint8_t *ip)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0,    0,
                                       0, 0, 0, 0, 0xff, 0xff};

    return memcmp(ip, prefix, sizeof(prefix)) == 0;
}

zto_err_t
zto_ip_format(const uint8_t *ip, size_t len, char *out, size_t cap)
{
    unsigned g[8];
    size_t pos = 0, i;
    int best = -1, best_len = 0, run = -1, run_len = 0;
    bool ok = true;

    if (ip == NULL || out == NULL || cap == 0)
        return ZTO_E_ARG;
    if (len == 4 || (len == 16 && is_v4_mapped(ip))) {
        if (!put_v4(out, cap, &pos, len == 4 ? ip : ip + 12))
            return ZTO_E_BUF_TOO_SMALL;
        out[pos] = '\0';
        return ZTO_OK;
    }
    if (len != 16)
        return ZTO_E_IPADDR;
    for (i = 0; i < 8; i++) {
        g[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
        if (g[i] == 0) {
            if (run < 0) {
                run = (int)i;
                run_len = 0;
            }
            if (++run_len > best_len) {
                best = run;
                best_len = run_len;
            }
        } else {
            run = -1;
        }
    }
    /* RFC 5952 4.2.2: a single zero group is not shortened. */
    if (best_len < 2)
        best = -1;
    i = 0;
    while (i < 8 && ok) {
        if (best >= 0 && i == (size_t)best) {
            ok = putc_(out, cap, &pos, ':') && putc_(out, cap, &pos, ':');
            i += (size_t)best_len;
            continue;
        }
        if (i > 0 && !(best >= 0 && i == (size_t)(best + best_len)))
            ok = putc_(out, cap, &pos, ':');
        ok = ok && put_group(out, cap, &pos, g[i]);
        i++;
    }
    if (!ok)
        return ZTO_E_BUF_TOO_SMALL;
    out[pos] = '\0';
    return ZTO_OK;
}

/* RVProtocol -> TransportProtocol and default port. */
static zto_err_t
map_protocol(const struct zto_rv_directive *d, uint8_t *prot,
             uint16_t *def_port)
{
    uint8_t p = d->has_protocol ? d->protocol : ZTO_RVPROT_HTTPS;

    switch (p) {
    case ZTO_RVPROT_HTTP:
        *prot = ZTO_TPROT_HTTP;
        *def_port = PORT_HTTP;
        return ZTO_OK;
    case ZTO_RVPROT_HTTPS:
        *prot = ZTO_TPROT_HTTPS;
        *def_port = PORT_HTTPS;
        return ZTO_OK;
    case ZTO_RVPROT_COAP_UDP:
        *prot = ZTO_TPROT_COAP;
        *def_port = PORT_COAP;
        return ZTO_OK;
    default:
        return ZTO_E_UNSUPPORTED;
    }
}

static zto_err_t
copy_host(struct zto_target *t, const uint8_t *p, size_t n)
{
    if (n == 0 || n >= sizeof(t->host) || memchr(p, '\0', n) != NULL)
        return ZTO_E_URL;
    memcpy(t->host, p, n);
    t->host[n] = '\0';
    return ZTO_OK;
}

zto_err_t
zto_rv_directive_targets(const struct zto_rv_directive *d, int role,
                         struct zto_target out[ZTO_RV_DIRECTIVE_TARGETS],
                         size_t *n)
{
    struct zto_target t[ZTO_RV_DIRECTIVE_TARGETS];
    uint16_t port, def_port = 0;
    uint8_t prot = 0;
    size_t k = 0, i;
    zto_err_t r;

    if (d == NULL || out == NULL || n == NULL ||
        (role != ZTO_RV_ROLE_DEVICE && role != ZTO_RV_ROLE_OWNER))
        return ZTO_E_ARG;
    if ((role == ZTO_RV_ROLE_DEVICE && d->owner_only) ||
        (role == ZTO_RV_ROLE_OWNER && d->dev_only))
        return ZTO_E_NOT_FOUND;
    if ((r = map_protocol(d, &prot, &def_port)) != ZTO_OK)
        return r;
    if (!d->has_dns && !d->has_ip)
        return ZTO_E_MISSING;
    if (role == ZTO_RV_ROLE_OWNER && d->has_owner_port)
        port = d->owner_port;
    else if (d->has_dev_port)
        port = d->dev_port;
    else
        port = def_port;
    if (port == 0)
        port = def_port;
    if (prot == ZTO_TPROT_COAP && port == PORT_COAPS)
        prot = ZTO_TPROT_COAPS;

    memset(t, 0, sizeof(t));
    if (d->has_dns) {
        if ((r = copy_host(&t[k], d->dns.p, d->dns.len)) != ZTO_OK)
            return r;
        k++;
    }
    if (d->has_ip) {
        if ((r = zto_ip_format(d->ip, d->ip_len, t[k].host,
                               sizeof(t[k].host))) != ZTO_OK)
            return r;
        k++;
    }
    for (i = 0; i < k; i++) {
        t[i].protocol = prot;
        t[i].port = port;
        out[i] = t[i];
    }
    *n = k;
    return ZTO_OK;
}

zto_err_t
zto_rvto2addr_target(const struct zto_rvto2addr_entry *e, struct zto_target *t)
{
    struct zto_target r;
    uint16_t def_port;
    zto_err_t err;

    if (e == NULL || t == NULL)
        return ZTO_E_ARG;
    memset(&r, 0, sizeof(r));
    switch (e->protocol) {
    case ZTO_TPROT_HTTP:
        def_port = PORT_HTTP;
        break;
    case ZTO_TPROT_HTTPS:
        def_port = PORT_HTTPS;
        break;
    case ZTO_TPROT_COAP:
        def_port = PORT_COAP;
        break;
    case ZTO_TPROT_COAPS:
        def_port = PORT_COAPS;
        break;
    default:
        return ZTO_E_UNSUPPORTED;
    }
    if (e->has_dns)
        err = copy_host(&r, e->dns.p, e->dns.len);
    else if (e->has_ip)
        err = zto_ip_format(e->ip, e->ip_len, r.host, sizeof(r.host));
    else
        err = ZTO_E_MISSING;
    if (err != ZTO_OK)
        return err;
    r.protocol = e->protocol;
    r.port = e->port != 0 ? e->port : def_port;
    *t = r;
    return ZTO_OK;
}
