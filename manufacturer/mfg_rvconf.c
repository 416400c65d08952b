/*
 * mfg_rvconf.c - RendezvousInfo (FDO 1.1 section 7) from the
 * manufacturer's configuration. Each "rv = ..." line is one directive, a
 * comma-separated list of instructions:
 *
 *   dns=NAME  ip=ADDR  port=N (device port; also dev_port=N)
 *   owner_port=N  protocol=rest|http|https|tcp|tls|coap|coap+tcp
 *   delay=SECONDS  medium=eth0..eth9|wifi0..wifi9|eth_all|wifi_all|N
 *   wifi_ssid=S  wifi_pw=S  user_input[=yes|no]
 *   bypass  dev_only  owner_only
 *
 * "coap" is RVProtCoapUdp (6), "coap+tcp" RVProtCoapTcp (5): the
 * RVProtocol numbering, not TransportProtocol (section 7.2).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfg_int.h"

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

/* Unsigned decimal in [min, max]. */
static bool
parse_num(const char *p, size_t n, unsigned long min, unsigned long max,
          unsigned long *out)
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
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool
parse_medium(const char *p, size_t n, uint8_t *out)
{
    unsigned long v;

    if (word_eq(p, n, "eth_all")) {
        *out = 20;
    } else if (word_eq(p, n, "wifi_all")) {
        *out = 21;
    } else if (n == 4 && strncmp(p, "eth", 3) == 0 &&
               isdigit((unsigned char)p[3])) {
        *out = (uint8_t)(p[3] - '0');
    } else if (n == 5 && strncmp(p, "wifi", 4) == 0 &&
               isdigit((unsigned char)p[4])) {
        *out = (uint8_t)(10 + p[4] - '0');
    } else if (parse_num(p, n, 0, 21, &v)) {
        *out = (uint8_t)v;
    } else {
        return false;
    }
    return true;
}

static bool
parse_bool(const char *p, size_t n, bool *out)
{
    if (n == 0 || word_eq(p, n, "yes") || word_eq(p, n, "true") ||
        word_eq(p, n, "1") || word_eq(p, n, "on"))
        *out = true;
    else if (word_eq(p, n, "no") || word_eq(p, n, "false") ||
             word_eq(p, n, "0") || word_eq(p, n, "off"))
        *out = false;
    else
        return false;
    return true;
}

static void
trim(const char **p, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

/* Remember the order instructions were written in, so the encoding
 * follows the operator's text. */
static bool
note(struct zto_rv_directive *d, uint8_t var)
{
    size_t i;

    for (i = 0; i < d->ninstr; i++)
        if (d->order[i] == var)
            return false; /* given twice */
    if (d->ninstr >= ZTO_MAX_RV_INSTRS)
        return false;
    d->order[d->ninstr++] = var;
    return true;
}

static zto_err_t
item(struct zto_rv_directive *d, const char *k, size_t kn, const char *v,
     size_t vn, bool has_v, char *err, size_t errcap)
{
    unsigned long num;
    char ip[64];
    size_t i;
    uint8_t var;

#define BAD(...)                                                               \
    do {                                                                       \
        snprintf(err, errcap, __VA_ARGS__);                                    \
        return ZTO_E_CONFIG;                                                   \
    } while (0)

    if (word_eq(k, kn, "dns")) {
        if (!has_v || vn == 0 || vn > 255)
            BAD("rv: dns needs a host name");
        for (i = 0; i < vn; i++)
            if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '.' &&
                v[i] != '_')
                BAD("rv: dns '%.*s' is not a host name", (int)vn, v);
        var = ZTO_RV_DNS;
        d->has_dns = true;
        d->dns = ZTO_BYTES(v, vn);
    } else if (word_eq(k, kn, "ip")) {
        if (!has_v || vn == 0 || vn >= sizeof(ip))
            BAD("rv: ip needs an address");
        memcpy(ip, v, vn);
        ip[vn] = '\0';
        if (inet_pton(AF_INET, ip, d->ip) == 1)
            d->ip_len = 4;
        else if (inet_pton(AF_INET6, ip, d->ip) == 1)
            d->ip_len = 16;
        else
            BAD("rv: ip '%s' is not an IPv4 or IPv6 address", ip);
        var = ZTO_RV_IP_ADDRESS;
        d->has_ip = true;
    } else if (word_eq(k, kn, "port") || word_eq(k, kn, "dev_port")) {
        if (!has_v || !parse_num(v, vn, 1, 65535, &num))
            BAD("rv: port must be 1..65535");
        var = ZTO_RV_DEV_PORT;
        d->has_dev_port = true;
        d->dev_port = (uint16_t)num;
    } else if (word_eq(k, kn, "owner_port")) {
        if (!has_v || !parse_num(v, vn, 1, 65535, &num))
            BAD("rv: owner_port must be 1..65535");
        var = ZTO_RV_OWNER_PORT;
        d->has_owner_port = true;
        d->owner_port = (uint16_t)num;
    } else if (word_eq(k, kn, "protocol")) {
        for (i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
            if (has_v && word_eq(v, vn, protocols[i].name))
                break;
        if (i == sizeof(protocols) / sizeof(protocols[0]))
            BAD("rv: protocol must be rest, http, https, tcp, tls, coap or "
                "coap+tcp");
        var = ZTO_RV_PROTOCOL;
        d->has_protocol = true;
        d->protocol = (uint8_t)protocols[i].val;
    } else if (word_eq(k, kn, "delay")) {
        if (!has_v || !parse_num(v, vn, 0, 0xffffffffUL, &num))
            BAD("rv: delay must be a number of seconds");
        var = ZTO_RV_DELAYSEC;
        d->has_delay = true;
        d->delaysec = (uint32_t)num;
    } else if (word_eq(k, kn, "medium")) {
        if (!has_v || !parse_medium(v, vn, &d->medium))
            BAD("rv: medium must be eth0..eth9, wifi0..wifi9, eth_all, "
                "wifi_all or 0..21");
        var = ZTO_RV_MEDIUM;
        d->has_medium = true;
    } else if (word_eq(k, kn, "wifi_ssid") || word_eq(k, kn, "wifi_pw")) {
        bool ssid = k[5] == 's';
        if (!has_v || vn == 0)
            BAD("rv: %.*s needs a value", (int)kn, k);
        var = ssid ? ZTO_RV_WIFI_SSID : ZTO_RV_WIFI_PW;
        if (ssid)
            d->wifi_ssid = ZTO_BYTES(v, vn);
        else
            d->wifi_pw = ZTO_BYTES(v, vn);
    } else if (word_eq(k, kn, "user_input")) {
        if (!parse_bool(v, has_v ? vn : 0, &d->user_input))
            BAD("rv: user_input must be yes or no");
        var = ZTO_RV_USER_INPUT;
        d->has_user_input = true;
    } else if (word_eq(k, kn, "bypass") || word_eq(k, kn, "dev_only") ||
               word_eq(k, kn, "owner_only")) {
        if (has_v)
            BAD("rv: %.*s takes no value", (int)kn, k);
        if (k[0] == 'b') {
            var = ZTO_RV_BYPASS;
            d->bypass = true;
        } else if (k[0] == 'd') {
            var = ZTO_RV_DEV_ONLY;
            d->dev_only = true;
        } else {
            var = ZTO_RV_OWNER_ONLY;
            d->owner_only = true;
        }
    } else {
        BAD("rv: unknown instruction '%.*s'", (int)kn, k);
    }
    if (!note(d, var))
        BAD("rv: '%.*s' given twice (or too many instructions)", (int)kn, k);
    return ZTO_OK;
#undef BAD
}

zto_err_t
mfg_rv_parse(const char *text, struct zto_rv_directive *d, char *err,
             size_t errcap)
{
    struct zto_rv_directive tmp;
    const char *p = text, *comma, *eq;
    size_t n, kn, vn;
    zto_err_t r;

    memset(&tmp, 0, sizeof(tmp));
    for (;;) {
        comma = strchr(p, ',');
        n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        trim(&p, &n);
        if (n == 0) {
            snprintf(err, errcap, "rv: empty instruction in '%s'", text);
            return ZTO_E_CONFIG;
        }
        eq = memchr(p, '=', n);
        kn = eq != NULL ? (size_t)(eq - p) : n;
        {
            const char *k = p, *v = eq != NULL ? eq + 1 : NULL;
            vn = eq != NULL ? n - kn - 1 : 0;
            trim(&k, &kn);
            if (v != NULL)
                trim(&v, &vn);
            if ((r = item(&tmp, k, kn, v, vn, eq != NULL, err, errcap)) !=
                ZTO_OK)
                return r;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    if (tmp.dev_only && tmp.owner_only) {
        snprintf(err, errcap, "rv: dev_only and owner_only exclude each other");
        return ZTO_E_CONFIG;
    }
    *d = tmp;
    return ZTO_OK;
}

zto_err_t
mfg_rv_encode(const struct zto_rv_directive *d, size_t n, uint8_t *buf,
              size_t cap, size_t *out_len)
{
    struct zto_cbor_enc e;
    struct zto_rvinfo check;
    size_t len = 0;
    zto_err_t r;

    if (n == 0 || n > ZTO_MAX_RV_ENTRIES)
        return ZTO_E_ARG;
    zto_cbor_enc_init(&e, buf, cap);
    zto_rvinfo_enc(&e, d, n);
    if ((r = zto_cbor_enc_finish(&e, &len)) != ZTO_OK)
        return r;
    /* What devices will parse must parse here first. */
    if ((r = zto_rvinfo_decode(buf, len, &check)) != ZTO_OK)
        return r;
    *out_len = len;
    return ZTO_OK;
}
