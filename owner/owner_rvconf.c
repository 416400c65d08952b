/*
 * owner_rvconf.c - rendezvous data from the owner's configuration:
 *
 *  - the replacement RendezvousInfo the device gets in TO2.SetupDevice
 *    (FDO 1.1 sections 7.1, 9.3): directives separated by ';', the
 *    instructions of one directive by ',', with the words the
 *    manufacturer's "rv" lines use;
 *  - the owner's own TO2 addresses (RVTO2Addr, section 7.4) that TO0
 *    registers, as URLs.
 *
 * RVProtocol (in RendezvousInfo: http 1, https 2, coap 6) and
 * TransportProtocol (in RVTO2Addr: HTTP 3, CoAP 4, HTTPS 5, CoAPS 6) are
 * different numberings; each parser only produces its own.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owner_int.h"
#include "zto/zto_port.h"

struct name_val {
    const char *name;
    int val;
};

static const struct name_val protocols[] = {
    {"rest", ZTO_RVPROT_REST},     {"http", ZTO_RVPROT_HTTP},
    {"https", ZTO_RVPROT_HTTPS},   {"tcp", ZTO_RVPROT_TCP},
    {"tls", ZTO_RVPROT_TLS},       {"coap+tcp", ZTO_RVPROT_COAP_TCP},
    {"coap", ZTO_RVPROT_COAP_UDP}, {"coap+udp", ZTO_RVPROT_COAP_UDP},
};

static bool
word_eq(const char *p, size_t n, const char *w)
{
    return strlen(w) == n && strncmp(p, w, n) == 0;
}

static bool
parse_num(const char *p, size_t n, unsigned long max, unsigned long *out)
{
    char buf[16];
    char *end;
    unsigned long v;

    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (!isdigit((unsigned char)buf[0]))
        return false;
    errno = 0;
    v = strtoul(buf, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static const char *
trim(const char *p, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)p[0])) {
        p++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)p[*n - 1]))
        (*n)--;
    return p;
}

/* One "name[=value]" instruction into d. */
static bool
instr(struct zto_rv_directive *d, const char *p, size_t n, char *err,
      size_t errcap)
{
    const char *eq = memchr(p, '=', n);
    size_t kn = eq != NULL ? (size_t)(eq - p) : n;
    const char *v = eq != NULL ? eq + 1 : NULL;
    size_t vn = eq != NULL ? n - kn - 1 : 0;
    unsigned long num;
    size_t i;
    char ip[64];

    if (v == NULL) {
        if (word_eq(p, kn, "bypass"))
            return d->bypass = true;
        if (word_eq(p, kn, "dev_only"))
            return d->dev_only = true;
        if (word_eq(p, kn, "owner_only"))
            return d->owner_only = true;
    } else if (word_eq(p, kn, "dns")) {
        if (vn == 0 || vn > 255)
            goto bad;
        d->dns = ZTO_BYTES(v, vn);
        return d->has_dns = true;
    } else if (word_eq(p, kn, "ip")) {
        if (vn >= sizeof(ip))
            goto bad;
        memcpy(ip, v, vn);
        ip[vn] = '\0';
        if (inet_pton(AF_INET, ip, d->ip) == 1)
            d->ip_len = 4;
        else if (inet_pton(AF_INET6, ip, d->ip) == 1)
            d->ip_len = 16;
        else
            goto bad;
        return d->has_ip = true;
    } else if (word_eq(p, kn, "port") || word_eq(p, kn, "dev_port")) {
        if (!parse_num(v, vn, 65535, &num))
            goto bad;
        d->dev_port = (uint16_t)num;
        return d->has_dev_port = true;
    } else if (word_eq(p, kn, "owner_port")) {
        if (!parse_num(v, vn, 65535, &num))
            goto bad;
        d->owner_port = (uint16_t)num;
        return d->has_owner_port = true;
    } else if (word_eq(p, kn, "delay")) {
        if (!parse_num(v, vn, 0xffffffffUL, &num))
            goto bad;
        d->delaysec = (uint32_t)num;
        return d->has_delay = true;
    } else if (word_eq(p, kn, "protocol")) {
        for (i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
            if (word_eq(v, vn, protocols[i].name)) {
                d->protocol = (uint8_t)protocols[i].val;
                return d->has_protocol = true;
            }
        goto bad;
    }
    snprintf(err, errcap, "unknown rendezvous instruction \"%.*s\"",
             (int)(n > 40 ? 40 : n), p);
    return false;
bad:
    snprintf(err, errcap, "bad value in rendezvous instruction \"%.*s\"",
             (int)(n > 40 ? 40 : n), p);
    return false;
}

zto_err_t
owner_rvinfo_parse(const char *text, uint8_t *out, size_t cap, size_t *out_len,
                   char *err, size_t errcap)
{
    struct zto_rv_directive dir[ZTO_MAX_RV_ENTRIES];
    struct zto_cbor_enc e;
    const char *p = text, *dend, *iend;
    size_t nd = 0;
    zto_err_t r;

    memset(dir, 0, sizeof(dir));
    while (*p != '\0') {
        dend = strchr(p, ';');
        if (dend == NULL)
            dend = p + strlen(p);
        {
            const char *q = p;
            size_t ninstr = 0;
            if (nd >= ZTO_MAX_RV_ENTRIES) {
                snprintf(err, errcap, "more than %d rendezvous directives",
                         ZTO_MAX_RV_ENTRIES);
                return ZTO_E_CONFIG;
            }
            while (q < dend) {
                size_t in;
                const char *w;
                iend = memchr(q, ',', (size_t)(dend - q));
                if (iend == NULL)
                    iend = dend;
                in = (size_t)(iend - q);
                w = trim(q, &in);
                if (in > 0) {
                    if (!instr(&dir[nd], w, in, err, errcap))
                        return ZTO_E_CONFIG;
                    ninstr++;
                }
                q = iend + (iend < dend ? 1 : 0);
            }
            if (ninstr > 0)
                nd++;
        }
        p = *dend == ';' ? dend + 1 : dend;
    }
    if (nd == 0) {
        snprintf(err, errcap, "no rendezvous directive");
        return ZTO_E_CONFIG;
    }
    zto_cbor_enc_init(&e, out, cap);
    zto_rvinfo_enc(&e, dir, nd);
    if ((r = zto_cbor_enc_finish(&e, out_len)) != ZTO_OK)
        snprintf(err, errcap, "rendezvous info cannot be encoded (%s)",
                 zto_strerror(r));
    return r == ZTO_OK ? ZTO_OK : ZTO_E_CONFIG;
}

zto_err_t
owner_rvto2addr_parse(const char *text, struct zto_rvto2addr *out,
                      char *host_store, size_t host_cap, char *err,
                      size_t errcap)
{
    const char *p = text;
    char url[ZTO_HOST_MAX + 32];
    struct zto_target t;
    size_t n, used = 0;
    zto_err_t r;

    memset(out, 0, sizeof(*out));
    for (;;) {
        struct zto_rvto2addr_entry *e;
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        n = strcspn(p, " ,\t");
        if (n >= sizeof(url)) {
            snprintf(err, errcap, "address too long");
            return ZTO_E_CONFIG;
        }
        memcpy(url, p, n);
        url[n] = '\0';
        p += n;
        if ((r = zto_target_parse(url, &t)) != ZTO_OK) {
            snprintf(err, errcap, "\"%s\": not an http/https/coap/coaps URL",
                     url);
            return ZTO_E_CONFIG;
        }
        if (out->n >= ZTO_MAX_RVTO2_ENTRIES) {
            snprintf(err, errcap, "more than %d TO2 addresses",
                     ZTO_MAX_RVTO2_ENTRIES);
            return ZTO_E_CONFIG;
        }
        e = &out->e[out->n];
        memset(e, 0, sizeof(*e));
        e->port = t.port;
        e->protocol = t.protocol;
        if (inet_pton(AF_INET, t.host, e->ip) == 1) {
            e->has_ip = true;
            e->ip_len = 4;
        } else if (inet_pton(AF_INET6, t.host, e->ip) == 1) {
            e->has_ip = true;
            e->ip_len = 16;
        } else {
            size_t hl = strlen(t.host);
            if (used + hl > host_cap) {
                snprintf(err, errcap, "too many host names");
                return ZTO_E_CONFIG;
            }
            memcpy(host_store + used, t.host, hl);
            e->has_dns = true;
            e->dns = ZTO_BYTES(host_store + used, hl);
            used += hl;
        }
        out->n++;
    }
    if (out->n == 0) {
        snprintf(err, errcap, "no TO2 address");
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}
