/*
 * cert_der.c - the key type of a DER certificate read from its
 * SubjectPublicKeyInfo, without a full decode (RFC 5280 section 4.1):
 *
 *   Certificate  = SEQUENCE { tbsCertificate, signatureAlgorithm, sig }
 *   tbsCertificate = SEQUENCE { [0] version OPTIONAL, serialNumber,
 *                    signature, issuer, validity, subject,
 *                    subjectPublicKeyInfo, ... }
 *   SubjectPublicKeyInfo = SEQUENCE { AlgorithmIdentifier, BIT STRING }
 *
 * Only EC P-256 and P-384 keys with a named curve are recognised (what
 * FDO devices use); callers decode anything else the general way. Only
 * what is needed is read; every length is checked against what
 * contains it. Used where a server must know the device key's type
 * before it verifies the certificate (TO2.HelloDevice), and to build EC
 * public keys without OSSL_DECODER (ossl_key.c).
 */
#include <string.h>

#include "crypto_int.h"

struct der {
    const uint8_t *p;
    size_t len;
};

/* One TLV with a low tag number; *v is its value, *d moves past it. */
static zto_err_t
tlv(struct der *d, uint8_t *tag, struct der *v)
{
    size_t n, k, i;

    if (d->len < 2 || (d->p[0] & 0x1f) == 0x1f)
        return ZTO_E_CERT;
    *tag = d->p[0];
    n = d->p[1];
    i = 2;
    if (n & 0x80) {
        k = n & 0x7f;
        if (k == 0 || k > 3 || d->len < 2 + k)
            return ZTO_E_CERT;
        for (n = 0; k > 0; k--)
            n = (n << 8) | d->p[i++];
    }
    if (n > d->len - i)
        return ZTO_E_CERT;
    v->p = d->p + i;
    v->len = n;
    d->p += i + n;
    d->len -= i + n;
    return ZTO_OK;
}

static zto_err_t
expect(struct der *d, uint8_t want, struct der *v)
{
    uint8_t tag;
    zto_err_t r;

    if ((r = tlv(d, &tag, v)) != ZTO_OK)
        return r;
    return tag == want ? ZTO_OK : ZTO_E_CERT;
}

#define SEQ 0x30
#define OID 0x06
#define BITS 0x03

static const uint8_t oid_ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_p256[] = {0x2a, 0x86, 0x48, 0xce,
                                   0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};

static bool
oid_is(const struct der *v, const uint8_t *oid, size_t n)
{
    return v->len == n && memcmp(v->p, oid, n) == 0;
}

/* The contents of a SubjectPublicKeyInfo of an EC P-256 / P-384 key with
 * a named curve: type, size and the point (BIT STRING content without
 * the unused-bits byte). ZTO_E_KEY for any other key. */
static zto_err_t
spki_ec(struct der spki, int32_t *pk_type, unsigned *bits,
        struct zto_bytes *point)
{
    struct der alg, id, param, key;

    if (expect(&spki, SEQ, &alg) != ZTO_OK ||
        expect(&alg, OID, &id) != ZTO_OK ||
        expect(&spki, BITS, &key) != ZTO_OK || spki.len != 0)
        return ZTO_E_CERT;
    if (!oid_is(&id, oid_ec, sizeof(oid_ec)) ||
        expect(&alg, OID, &param) != ZTO_OK || alg.len != 0 ||
        key.len < 2 || key.p[0] != 0)
        return ZTO_E_KEY;
    if (oid_is(&param, oid_p256, sizeof(oid_p256))) {
        *pk_type = ZTO_PK_SECP256R1;
        *bits = 256;
    } else if (oid_is(&param, oid_p384, sizeof(oid_p384))) {
        *pk_type = ZTO_PK_SECP384R1;
        *bits = 384;
    } else {
        return ZTO_E_KEY;
    }
    *point = ZTO_BYTES(key.p + 1, key.len - 1);
    return ZTO_OK;
}

zto_err_t
ossl_spki_ec_point(const uint8_t *der, size_t n, int32_t *pk_type,
                   unsigned *bits, struct zto_bytes *point)
{
    struct der d = {der, n}, spki;

    if (der == NULL || expect(&d, SEQ, &spki) != ZTO_OK || d.len != 0)
        return ZTO_E_KEY;
    return spki_ec(spki, pk_type, bits, point) == ZTO_OK ? ZTO_OK
                                                         : ZTO_E_KEY;
}

zto_err_t
zto_cert_key_type(const uint8_t *der, size_t n, int32_t *pk_type,
                  unsigned *bits)
{
    struct der d = {der, n}, cert, tbs, skip, spki;
    struct zto_bytes pt;
    uint8_t tag;
    int i;

    if (der == NULL || expect(&d, SEQ, &cert) != ZTO_OK || d.len != 0 ||
        expect(&cert, SEQ, &tbs) != ZTO_OK)
        return ZTO_E_CERT;
    /* [0] version (optional), serial, signature, issuer, validity,
     * subject: skipped. */
    if (tbs.len > 0 && tbs.p[0] == 0xa0 && tlv(&tbs, &tag, &skip) != ZTO_OK)
        return ZTO_E_CERT;
    for (i = 0; i < 5; i++)
        if (tlv(&tbs, &tag, &skip) != ZTO_OK)
            return ZTO_E_CERT;
    if (expect(&tbs, SEQ, &spki) != ZTO_OK)
        return ZTO_E_CERT;
    return spki_ec(spki, pk_type, bits, &pt);
}
