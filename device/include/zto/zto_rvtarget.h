/*
 * zto_rvtarget.h - where a RendezvousInfo directive or an RVTO2Addr entry
 * points, as transport targets (FDO 1.1 sections 7.2-7.4).
 *
 * Shared by the device (TO1, and TO2 with RVBypass or after TO1) and the
 * owner's TO0 client, so both read rendezvous data the same way:
 *
 *  - Two protocol enumerations: RVProtocol in RendezvousInfo (HTTP 1,
 *    HTTPS 2, CoapUdp 6) is not TransportProtocol in RVTO2Addr and in
 *    struct zto_target (HTTP 3, HTTPS 5, CoAP 4, CoAPS 6).
 *  - RVProtocol absent: HTTPS (what go-fdo and client-sdk-fidoiot
 *    assume). Rest, TCP, TLS and CoAP over TCP have no transport here and
 *    make the directive unusable. CoapUdp with port 5684 means CoAPS
 *    (project convention, docs/transport.md section 2.5).
 *  - Port: the device uses RVDevPort; the owner RVOwnerPort, else
 *    RVDevPort (go-fdo's owner does the same); absent, the protocol's
 *    default 80 / 443 / 5683.
 *  - Address: RVDns and/or RVIPAddress; with both, the name is tried
 *    first. A 16-byte IPv4-mapped address (::ffff:a.b.c.d, which go-fdo
 *    writes for IPv4) becomes the IPv4 literal.
 *
 * Device rules: no heap, no stdio.
 */
#ifndef ZTO_RVTARGET_H
#define ZTO_RVTARGET_H

#include "zto/zto_codec.h"
#include "zto/zto_port.h"

#ifdef __cplusplus
extern "C" {
#endif

enum zto_rv_role {
    ZTO_RV_ROLE_DEVICE = 0, /* TO1 (skips RVOwnerOnly directives) */
    ZTO_RV_ROLE_OWNER = 1   /* TO0 (skips RVDevOnly directives) */
};

/* A directive names at most a DNS name and an IP address. */
#define ZTO_RV_DIRECTIVE_TARGETS 2

/*
 * Targets of one parsed directive for a role, DNS first. Errors:
 *   ZTO_E_NOT_FOUND    the directive is not for this role
 *   ZTO_E_UNSUPPORTED  its protocol is one we cannot speak
 *   ZTO_E_MISSING      it names neither a DNS name nor an IP address
 *   ZTO_E_URL          the DNS name is empty or too long
 */
ZTO_MUST_CHECK zto_err_t zto_rv_directive_targets(
    const struct zto_rv_directive *d, int role,
    struct zto_target out[ZTO_RV_DIRECTIVE_TARGETS], size_t *n);

/* The target of one RVTO2Addr entry (DNS if present, else the IP; port 0
 * means the protocol's default). ZTO_E_UNSUPPORTED for TCP and TLS. */
ZTO_MUST_CHECK zto_err_t
zto_rvto2addr_target(const struct zto_rvto2addr_entry *e, struct zto_target *t);

/* Text form of a 4- or 16-byte address: dotted quad, or RFC 5952 IPv6
 * (lower case, longest zero run as "::"); IPv4-mapped IPv6 as the dotted
 * quad. Needs at most 40 bytes with the NUL. */
ZTO_MUST_CHECK zto_err_t zto_ip_format(const uint8_t *ip, size_t len, char *out,
                                       size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_RVTARGET_H */
