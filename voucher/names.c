/*
 * names.c - names of the protocol numbers a person reads in a voucher
 * (FDO 1.1 sections 3 and 7.2).
 */
#include <stdio.h>

#include "vt_int.h"

const char *
vt_name_pk_type(int32_t t)
{
    switch (t) {
    case ZTO_PK_RSA2048RESTR:
        return "RSA2048RESTR";
    case ZTO_PK_RSAPKCS:
        return "RSAPKCS";
    case ZTO_PK_RSAPSS:
        return "RSAPSS";
    case ZTO_PK_SECP256R1:
        return "SECP256R1";
    case ZTO_PK_SECP384R1:
        return "SECP384R1";
    default:
        return "unknown";
    }
}

const char *
vt_name_pk_enc(int32_t enc)
{
    switch (enc) {
    case ZTO_PKENC_CRYPTO:
        return "Crypto";
    case ZTO_PKENC_X509:
        return "X509";
    case ZTO_PKENC_X5CHAIN:
        return "X5CHAIN";
    case ZTO_PKENC_COSEKEY:
        return "COSEKEY";
    default:
        return "unknown";
    }
}

const char *
vt_name_hash(int32_t t)
{
    switch (t) {
    case ZTO_HASH_SHA256:
        return "SHA-256";
    case ZTO_HASH_SHA384:
        return "SHA-384";
    case ZTO_HMAC_SHA256:
        return "HMAC-SHA256";
    case ZTO_HMAC_SHA384:
        return "HMAC-SHA384";
    default:
        return "unknown";
    }
}

const char *
vt_name_alg(int32_t alg)
{
    switch (alg) {
    case ZTO_COSE_ES256:
        return "ES256";
    case ZTO_COSE_ES384:
        return "ES384";
    case ZTO_COSE_PS256:
        return "PS256";
    case ZTO_COSE_PS384:
        return "PS384";
    case ZTO_COSE_RS256:
        return "RS256";
    case ZTO_COSE_RS384:
        return "RS384";
    default:
        return "unknown";
    }
}

static const char *const rv_vars[] = {
    "RVDevOnly",   "RVOwnerOnly", "RVIPAddress",  "RVDevPort",
    "RVOwnerPort", "RVDns",       "RVSvCertHash", "RVClCertHash",
    "RVUserInput", "RVWifiSsid",  "RVWifiPw",     "RVMedium",
    "RVProtocol",  "RVDelaysec",  "RVBypass",     "RVExtRV",
};

const char *
vt_name_rv_var(unsigned var)
{
    if (var < sizeof(rv_vars) / sizeof(rv_vars[0]))
        return rv_vars[var];
    return "unknown";
}

/* RVProtocolValue, not TransportProtocol (section 7.2). */
const char *
vt_name_rv_protocol(uint64_t p)
{
    static const char *const names[] = {"rest", "http",     "https", "tcp",
                                        "tls",  "coap+tcp", "coap"};

    if (p < sizeof(names) / sizeof(names[0]))
        return names[p];
    return "unknown";
}

const char *
vt_name_rv_medium(uint64_t m, char *buf, size_t cap)
{
    if (m <= 9)
        snprintf(buf, cap, "eth%u", (unsigned)m);
    else if (m <= 19)
        snprintf(buf, cap, "wifi%u", (unsigned)(m - 10));
    else if (m == 20)
        snprintf(buf, cap, "eth-all");
    else if (m == 21)
        snprintf(buf, cap, "wifi-all");
    else
        snprintf(buf, cap, "unknown");
    return buf;
}

const char *
vt_name_curve(int32_t t, unsigned bits, char *buf, size_t cap)
{
    if (t == ZTO_PK_SECP256R1)
        snprintf(buf, cap, "SECP256R1 (P-256)");
    else if (t == ZTO_PK_SECP384R1)
        snprintf(buf, cap, "SECP384R1 (P-384)");
    else
        snprintf(buf, cap, "%s (RSA %u)", vt_name_pk_type(t), bits);
    return buf;
}

void
vt_hex(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = 0;
}
