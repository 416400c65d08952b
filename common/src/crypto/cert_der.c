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
 * Only what is needed is read; every length is checked against what
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
#define INT 0x02
#define BITS 0x03

static bool
oid_is(const struct der *v, const uint8_t *oid, size_t n)
{
    return v->len == n && memcmp(v->p, oid, n) == 0;
}

/* Bits of an RSAPublicKey's modulus (the BIT STRING's content). */
static zto_err_t
rsa_bits(struct der key, unsigned *bits)
{
    struct der seq, mod;
    size_t i = 0;
    uint8_t top;

    if (key.len < 1 || key.p[0] != 0) /* unused bits */
        return ZTO_E_KEY;
    key.p++;
    key.len--;
    if (expect(&key, SEQ, &seq) != ZTO_OK || expect(&seq, INT, &mod) != ZTO_OK)
        return ZTO_E_KEY;
    while (i < mod.len && mod.p[i] == 0)
        i++;
    if (i == mod.len || mod.len - i > 1024)
        return ZTO_E_KEY;
    *bits = (unsigned)(mod.len - i - 1) * 8;
    for (top = mod.p[i]; top != 0; top >>= 1)
        (*bits)++;
    return ZTO_OK;
}

static const uint8_t oid_ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_p256[] = {0x2a, 0x86, 0x48, 0xce,
                                   0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t oid_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_pss[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x01, 0x0a};

/* The contents of a SubjectPublicKeyInfo: algorithm OID, what follows
 * it in the AlgorithmIdentifier, and the BIT STRING. */
static zto_err_t
spki_parts(struct der spki, struct der *id, struct der *alg_rest,
           struct der *key)
{
    struct der alg;

    if (expect(&spki, SEQ, &alg) != ZTO_OK || expect(&alg, OID, id) != ZTO_OK ||
        expect(&spki, BITS, key) != ZTO_OK || spki.len != 0)
        return ZTO_E_CERT;
    *alg_rest = alg;
    return ZTO_OK;
}

/* P-256 or P-384 from an id-ecPublicKey's parameters. */
static zto_err_t
ec_curve(struct der param_rest, int32_t *pk_type, unsigned *bits)
{
    struct der param;

    if (expect(&param_rest, OID, &param) != ZTO_OK || param_rest.len != 0)
        return ZTO_E_KEY;
    if (oid_is(&param, oid_p256, sizeof(oid_p256))) {
        *pk_type = ZTO_PK_SECP256R1;
        *bits = 256;
        return ZTO_OK;
    }
    if (oid_is(&param, oid_p384, sizeof(oid_p384))) {
        *pk_type = ZTO_PK_SECP384R1;
        *bits = 384;
        return ZTO_OK;
    }
    return ZTO_E_KEY;
}

zto_err_t
ossl_spki_ec_point(const uint8_t *der, size_t n, int32_t *pk_type,
                   unsigned *bits, struct zto_bytes *point)
{
    struct der d = {der, n}, spki, id, rest, key;

    if (der == NULL || expect(&d, SEQ, &spki) != ZTO_OK || d.len != 0 ||
        spki_parts(spki, &id, &rest, &key) != ZTO_OK ||
        !oid_is(&id, oid_ec, sizeof(oid_ec)) ||
        ec_curve(rest, pk_type, bits) != ZTO_OK)
        return ZTO_E_KEY;
    /* No unused bits, then the point. */
    if (key.len < 2 || key.p[0] != 0)
        return ZTO_E_KEY;
    *point = ZTO_BYTES(key.p + 1, key.len - 1);
    return ZTO_OK;
}

zto_err_t
zto_cert_key_type(const uint8_t *der, size_t n, int32_t *pk_type,
                  unsigned *bits)
{
    struct der d = {der, n}, cert, tbs, skip, spki, id, rest, key;
    uint8_t tag;
    int i;
    unsigned b = 0;

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
    if (expect(&tbs, SEQ, &spki) != ZTO_OK ||
        spki_parts(spki, &id, &rest, &key) != ZTO_OK)
        return ZTO_E_CERT;
    if (oid_is(&id, oid_ec, sizeof(oid_ec)))
        return ec_curve(rest, pk_type, bits);
    if (!oid_is(&id, oid_rsa, sizeof(oid_rsa)) &&
        !oid_is(&id, oid_pss, sizeof(oid_pss)))
        return ZTO_E_KEY;
    if (rsa_bits(key, &b) != ZTO_OK || (b != 2048 && b != 3072))
        return ZTO_E_KEY;
    if (oid_is(&id, oid_pss, sizeof(oid_pss)))
        *pk_type = ZTO_PK_RSAPSS;
    else
        /* As zto_key_from_cert_der() names plain RSA keys by size. */
        *pk_type = b == 2048 ? ZTO_PK_RSA2048RESTR : ZTO_PK_RSAPKCS;
    *bits = b;
    return ZTO_OK;
}
