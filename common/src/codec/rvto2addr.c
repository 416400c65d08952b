/*
 * rvto2addr.c - RVTO2Addr (FDO 1.1 section 7.4).
 *
 *   RVTO2Addr      = [+ RVTO2AddrEntry]
 *   RVTO2AddrEntry = [RVIP: IPAddress / null, RVDNS: tstr / null,
 *                     RVPort: uint16, RVProtocol: TransportProtocol]
 *
 * At least one of IP and DNS must be present. RVProtocol here is the
 * TransportProtocol numbering (HTTP = 3, HTTPS = 5), not RVProtocolValue.
 * A malformed IP address is ZTO_E_IPADDR, which the rendezvous server
 * reports as INVALID_IP_ADDRESS (4) in TO0 (section 4.2).
 */
#include <string.h>

#include "zto/zto_codec.h"

#include "codec_int.h"

static zto_err_t
entry_dec(struct zto_cbor_dec *d, struct zto_rvto2addr_entry *a)
{
    struct zto_bytes ip;
    zto_err_t r;

    memset(a, 0, sizeof(*a));
    if ((r = zto_cbor_get_array_n(d, 4)) != ZTO_OK)
        return r;
    if (zto_cbor_peek_null(d)) {
        if ((r = zto_cbor_get_null(d)) != ZTO_OK)
            return r;
    } else {
        if ((r = zto_cbor_get_bstr(d, &ip)) != ZTO_OK)
            return r;
        if (ip.len != 4 && ip.len != 16)
            return ZTO_E_IPADDR;
        memcpy(a->ip, ip.p, ip.len);
        a->ip_len = ip.len;
        a->has_ip = true;
    }
    if (zto_cbor_peek_null(d)) {
        if ((r = zto_cbor_get_null(d)) != ZTO_OK)
            return r;
    } else {
        if ((r = zto_cbor_get_tstr(d, &a->dns)) != ZTO_OK)
            return r;
        a->has_dns = true;
    }
    if (!a->has_ip && !a->has_dns)
        return ZTO_E_MISSING;
    if ((r = zto_cbor_get_u16(d, &a->port)) != ZTO_OK ||
        (r = zto_cbor_get_u8(d, &a->protocol)) != ZTO_OK)
        return r;
    if (a->protocol < ZTO_TPROT_TCP || a->protocol > ZTO_TPROT_COAPS)
        return ZTO_E_RANGE;
    return ZTO_OK;
}

zto_err_t
zto_rvto2addr_dec(struct zto_cbor_dec *d, struct zto_rvto2addr *a)
{
    struct zto_cbor_dec save = *d;
    struct zto_rvto2addr tmp;
    size_t n, i;
    zto_err_t r = ZTO_E_INTERNAL;

    if ((r = zto_cbor_get_array(d, &n)) != ZTO_OK)
        goto out;
    if (n == 0) {
        r = ZTO_E_MISSING;
        goto out;
    }
    if (n > ZTO_MAX_RVTO2_ENTRIES) {
        r = ZTO_E_TOO_BIG;
        goto out;
    }
    tmp.n = n;
    for (i = 0; i < n; i++)
        if ((r = entry_dec(d, &tmp.e[i])) != ZTO_OK)
            goto out;
    *a = tmp;
    r = ZTO_OK;
out:
    if (r != ZTO_OK)
        *d = save;
    return r;
}

void
zto_rvto2addr_enc(struct zto_cbor_enc *e, const struct zto_rvto2addr *a)
{
    const struct zto_rvto2addr_entry *x;
    size_t i;

    if (a->n == 0 || a->n > ZTO_MAX_RVTO2_ENTRIES) {
        codec_enc_fail(e, ZTO_E_ARG);
        return;
    }
    zto_cbor_put_array(e, a->n);
    for (i = 0; i < a->n; i++) {
        x = &a->e[i];
        if ((!x->has_ip && !x->has_dns) ||
            (x->has_ip && x->ip_len != 4 && x->ip_len != 16)) {
            codec_enc_fail(e, ZTO_E_ARG);
            return;
        }
        zto_cbor_put_array(e, 4);
        if (x->has_ip)
            zto_cbor_put_bstr(e, x->ip, x->ip_len);
        else
            zto_cbor_put_null(e);
        if (x->has_dns)
            zto_cbor_put_tstr(e, (const char *)x->dns.p, x->dns.len);
        else
            zto_cbor_put_null(e);
        zto_cbor_put_uint(e, x->port);
        zto_cbor_put_uint(e, x->protocol);
    }
}
