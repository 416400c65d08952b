/*
 * ossl_key.c - keys: loading from DER/PEM/wire PublicKey, generation,
 * export, comparison and algorithm choice (FDO 1.1 sections 3, 8.1).
 */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto_int.h"
#include "zto/zto_cbor.h"
#include "zto/zto_util.h"

void
zto_key_init(struct zto_key *k)
{
    memset(k, 0, sizeof(*k));
}

void
zto_key_free(struct zto_key *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->impl); /* OpenSSL clears private key material */
    zto_key_init(k);
}

size_t
ossl_ec_field_len(unsigned bits)
{
    return (bits + 7) / 8;
}

/* Classify an EVP_PKEY into our pk_type and size. */
static zto_err_t
classify(EVP_PKEY *pk, int32_t *type, unsigned *bits)
{
    char group[64];
    size_t glen = 0;
    int id = EVP_PKEY_get_base_id(pk);

    *bits = (unsigned)EVP_PKEY_get_bits(pk);
    if (id == EVP_PKEY_EC) {
        if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof(group), &glen))
            return ZTO_E_KEY;
        if (strcmp(group, "prime256v1") == 0) {
            *type = ZTO_PK_SECP256R1;
            *bits = 256;
        } else if (strcmp(group, "secp384r1") == 0) {
            *type = ZTO_PK_SECP384R1;
            *bits = 384;
        } else {
            return ZTO_E_KEY;
        }
        return ZTO_OK;
    }
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
        if (*bits != 2048 && *bits != 3072)
            return ZTO_E_KEY;
        if (id == EVP_PKEY_RSA_PSS)
            *type = ZTO_PK_RSAPSS;
        else
            /* In practice RSA-2048 is written as RSA2048RESTR and
             * RSA-3072 as RSAPKCS (section 3 notes). */
            *type = *bits == 2048 ? ZTO_PK_RSA2048RESTR : ZTO_PK_RSAPKCS;
        return ZTO_OK;
    }
    return ZTO_E_KEY;
}

zto_err_t
ossl_key_wrap(EVP_PKEY *pk, bool has_private, struct zto_key *out)
{
    int32_t type;
    unsigned bits;
    zto_err_t r;

    if (pk == NULL)
        return ZTO_E_KEY;
    if ((r = classify(pk, &type, &bits)) != ZTO_OK) {
        EVP_PKEY_free(pk);
        return r;
    }
    out->impl = pk;
    out->pk_type = type;
    out->bits = bits;
    out->has_private = has_private;
    return ZTO_OK;
}

static zto_err_t ec_from_xy(const char *group, const uint8_t *x, size_t xl,
                            const uint8_t *y, size_t yl, size_t flen,
                            EVP_PKEY **out);

/* An EC P-256 / P-384 SPKI with an uncompressed point, built from the
 * point (which OpenSSL checks to be on the curve): d2i_PUBKEY() goes
 * through OSSL_DECODER, whose set-up costs several times what the key
 * is then used for. ZTO_E_UNSUPPORTED for any other SPKI. */
static zto_err_t
spki_ec(const uint8_t *der, size_t n, struct zto_key *out)
{
    struct zto_bytes pt;
    int32_t type = 0;
    unsigned bits = 0;
    size_t f;
    EVP_PKEY *pk = NULL;
    zto_err_t r;

    if (ossl_spki_ec_point(der, n, &type, &bits, &pt) != ZTO_OK)
        return ZTO_E_UNSUPPORTED;
    f = ossl_ec_field_len(bits);
    if (pt.len != 1 + 2 * f || pt.p[0] != 0x04)
        return ZTO_E_UNSUPPORTED;
    if ((r = ec_from_xy(type == ZTO_PK_SECP256R1 ? "prime256v1" : "secp384r1",
                        pt.p + 1, f, pt.p + 1 + f, f, f, &pk)) != ZTO_OK)
        return r;
    return ossl_key_wrap(pk, false, out);
}

zto_err_t
zto_key_from_spki_der(const uint8_t *der, size_t n, struct zto_key *out)
{
    const unsigned char *p = der;
    EVP_PKEY *pk;
    zto_err_t r;

    if (n == 0 || n > LONG_MAX)
        return ZTO_E_KEY;
    if ((r = spki_ec(der, n, out)) != ZTO_E_UNSUPPORTED)
        return r == ZTO_OK ? ZTO_OK : ZTO_E_KEY;
    pk = d2i_PUBKEY(NULL, &p, (long)n);
    if (pk == NULL)
        return ZTO_E_KEY;
    if (p != der + n) { /* trailing garbage after the SPKI */
        EVP_PKEY_free(pk);
        return ZTO_E_KEY;
    }
    return ossl_key_wrap(pk, false, out);
}

zto_err_t
zto_key_from_cert_der(const uint8_t *der, size_t n, struct zto_key *out)
{
    const unsigned char *p = der;
    X509 *x;
    EVP_PKEY *pk;

    if (n == 0 || n > LONG_MAX)
        return ZTO_E_CERT;
    if ((x = d2i_X509(NULL, &p, (long)n)) == NULL)
        return ZTO_E_CERT;
    if (p != der + n) {
        X509_free(x);
        return ZTO_E_CERT;
    }
    pk = X509_get_pubkey(x);
    X509_free(x);
    return ossl_key_wrap(pk, false, out);
}

zto_err_t
zto_key_from_private_der(const uint8_t *der, size_t n, struct zto_key *out)
{
    const unsigned char *p = der;
    EVP_PKEY *pk;

    if (n == 0 || n > LONG_MAX)
        return ZTO_E_KEY;
    /* Recognises PKCS#8, SEC1 ECPrivateKey and PKCS#1 RSAPrivateKey. */
    if ((pk = d2i_AutoPrivateKey(NULL, &p, (long)n)) == NULL)
        return ZTO_E_KEY;
    return ossl_key_wrap(pk, true, out);
}

zto_err_t
zto_key_from_pem(const char *pem, size_t n, struct zto_key *out)
{
    BIO *b = NULL;
    EVP_PKEY *pk = NULL;
    X509 *x = NULL;
    bool priv = false;

    if (n == 0 || n > INT_MAX)
        return ZTO_E_PEM;
    if ((b = BIO_new_mem_buf(pem, (int)n)) == NULL)
        return ZTO_E_CRYPTO;
    if ((pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) != NULL) {
        priv = true;
        goto done;
    }
    (void)BIO_reset(b);
    if ((pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL)) != NULL)
        goto done;
    (void)BIO_reset(b);
    if ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        pk = X509_get_pubkey(x);
        X509_free(x);
    }
done:
    BIO_free(b);
    if (pk == NULL)
        return ZTO_E_PEM;
    return ossl_key_wrap(pk, priv, out);
}

zto_err_t
zto_key_generate(int32_t pk_type, unsigned bits, struct zto_key *out)
{
    EVP_PKEY *pk = NULL;

    switch (pk_type) {
    case ZTO_PK_SECP256R1:
        pk = EVP_EC_gen("P-256");
        break;
    case ZTO_PK_SECP384R1:
        pk = EVP_EC_gen("P-384");
        break;
    case ZTO_PK_RSA2048RESTR:
    case ZTO_PK_RSAPKCS:
    case ZTO_PK_RSAPSS:
        if (bits != 2048 && bits != 3072)
            return ZTO_E_ARG;
        if (pk_type == ZTO_PK_RSA2048RESTR && bits != 2048)
            return ZTO_E_ARG;
        pk = EVP_RSA_gen(bits);
        break;
    default:
        return ZTO_E_UNSUPPORTED;
    }
    if (pk == NULL)
        return ZTO_E_CRYPTO;
    if (ossl_key_wrap(pk, true, out) != ZTO_OK)
        return ZTO_E_CRYPTO;
    /* Plain RSA keys are classified by size; keep what was asked for. */
    out->pk_type = pk_type;
    return ZTO_OK;
}

zto_err_t
zto_key_spki_der(const struct zto_key *k, uint8_t *buf, size_t cap,
                 size_t *out_len)
{
    int n;
    unsigned char *p = buf;

    if (k->impl == NULL)
        return ZTO_E_ARG;
    if ((n = i2d_PUBKEY(k->impl, NULL)) <= 0)
        return ZTO_E_CRYPTO;
    if ((size_t)n > cap)
        return ZTO_E_BUF_TOO_SMALL;
    if (i2d_PUBKEY(k->impl, &p) != n)
        return ZTO_E_CRYPTO;
    *out_len = (size_t)n;
    return ZTO_OK;
}

/* Serialise with an OSSL_ENCODER (format "DER"/"PEM", given structure). */
static zto_err_t
encode_key(const struct zto_key *k, int selection, const char *format,
           const char *structure, uint8_t *buf, size_t cap, size_t *out_len)
{
    OSSL_ENCODER_CTX *ctx = NULL;
    unsigned char *data = NULL;
    size_t len = 0;
    zto_err_t r = ZTO_E_CRYPTO;

    if (k->impl == NULL)
        return ZTO_E_ARG;
    ctx = OSSL_ENCODER_CTX_new_for_pkey(k->impl, selection, format, structure,
                                        NULL);
    if (ctx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0)
        goto out;
    if (OSSL_ENCODER_to_data(ctx, &data, &len) != 1)
        goto out;
    if (len > cap) {
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    memcpy(buf, data, len);
    *out_len = len;
    r = ZTO_OK;
out:
    if (data != NULL)
        OPENSSL_clear_free(data, len);
    OSSL_ENCODER_CTX_free(ctx);
    return r;
}

zto_err_t
zto_key_private_der(const struct zto_key *k, uint8_t *buf, size_t cap,
                    size_t *out_len)
{
    if (!k->has_private)
        return ZTO_E_KEY;
    return encode_key(k, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", buf, cap,
                      out_len);
}

/* PEM text plus a terminating NUL (not counted in *out_len). */
static zto_err_t
pem_text(const struct zto_key *k, int sel, const char *structure, char *buf,
         size_t cap, size_t *out_len)
{
    size_t n = 0;
    zto_err_t r;

    if (cap == 0)
        return ZTO_E_BUF_TOO_SMALL;
    r = encode_key(k, sel, "PEM", structure, (uint8_t *)buf, cap - 1, &n);
    if (r != ZTO_OK)
        return r;
    buf[n] = '\0';
    *out_len = n;
    return ZTO_OK;
}

zto_err_t
zto_key_private_pem(const struct zto_key *k, char *buf, size_t cap,
                    size_t *out_len)
{
    if (!k->has_private)
        return ZTO_E_KEY;
    return pem_text(k, EVP_PKEY_KEYPAIR, "PrivateKeyInfo", buf, cap, out_len);
}

zto_err_t
zto_key_public_pem(const struct zto_key *k, char *buf, size_t cap,
                   size_t *out_len)
{
    return pem_text(k, EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo", buf, cap,
                    out_len);
}

/* ---- COSE_Key (RFC 9052 section 7; EC2 kty 2, RSA kty 3) ---- */

enum { COSE_KTY = 1, COSE_EC2 = 2, COSE_RSA = 3 };
enum { COSE_P256 = 1, COSE_P384 = 2 };

static zto_err_t
ec_from_xy(const char *group, const uint8_t *x, size_t xl, const uint8_t *y,
           size_t yl, size_t flen, EVP_PKEY **out)
{
    uint8_t pt[1 + 2 * 48];
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    zto_err_t r = ZTO_E_KEY;

    /* An empty coordinate is no point (and an empty bstr may come as a
     * NULL view, which memcpy must not get). */
    if (xl == 0 || yl == 0 || xl > flen || yl > flen)
        return ZTO_E_KEY;
    /* Uncompressed point, coordinates left-padded to the field size. */
    memset(pt, 0, sizeof(pt));
    pt[0] = 0x04;
    memcpy(pt + 1 + flen - xl, x, xl);
    memcpy(pt + 1 + 2 * flen - yl, y, yl);
    if ((bld = OSSL_PARAM_BLD_new()) == NULL)
        return ZTO_E_CRYPTO;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                         group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
                                          1 + 2 * flen) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
        EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
        goto out;
    r = ZTO_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return r;
}

static zto_err_t
rsa_from_ne(const uint8_t *n, size_t nl, const uint8_t *e, size_t el,
            EVP_PKEY **out)
{
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    BIGNUM *bn = NULL, *be = NULL;
    zto_err_t r = ZTO_E_KEY;

    if ((bn = BN_bin2bn(n, (int)nl, NULL)) == NULL ||
        (be = BN_bin2bn(e, (int)el, NULL)) == NULL ||
        (bld = OSSL_PARAM_BLD_new()) == NULL)
        goto out;
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
        EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
        goto out;
    r = ZTO_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    return r;
}

static zto_err_t
key_from_cose(struct zto_bytes body, EVP_PKEY **out)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;
    /* EC2: -1 crv (int), -2 x, -3 y.  RSA: -1 n, -2 e. */
    struct zto_bytes m1 = ZTO_BYTES_NULL, m2 = ZTO_BYTES_NULL;
    struct zto_bytes m3 = ZTO_BYTES_NULL;
    int64_t kty = 0, crv = 0, label;
    size_t n, i;

    zto_cbor_dec_init(&d, body.p, body.len);
    if (zto_cbor_get_map(&d, &n) != ZTO_OK)
        return ZTO_E_KEY;
    for (i = 0; i < n; i++) {
        zto_err_t r;
        if (zto_cbor_get_int(&d, &label) != ZTO_OK)
            return ZTO_E_KEY;
        if (label == COSE_KTY)
            r = zto_cbor_get_int(&d, &kty);
        else if (label == -1 && zto_cbor_peek(&d, &it) == ZTO_OK &&
                 it.major != ZTO_CBOR_BSTR)
            r = zto_cbor_get_int(&d, &crv);
        else if (label == -1)
            r = zto_cbor_get_bstr(&d, &m1);
        else if (label == -2)
            r = zto_cbor_get_bstr(&d, &m2);
        else if (label == -3)
            r = zto_cbor_get_bstr(&d, &m3);
        else
            r = zto_cbor_skip(&d);
        if (r != ZTO_OK)
            return ZTO_E_KEY;
    }
    if (zto_cbor_dec_finish(&d) != ZTO_OK)
        return ZTO_E_KEY;
    if (kty == COSE_EC2 && crv == COSE_P256)
        return ec_from_xy("prime256v1", m2.p, m2.len, m3.p, m3.len, 32, out);
    if (kty == COSE_EC2 && crv == COSE_P384)
        return ec_from_xy("secp384r1", m2.p, m2.len, m3.p, m3.len, 48, out);
    if (kty == COSE_RSA && m1.len > 0 && m2.len > 0 && m1.len <= 512 &&
        m2.len <= 8)
        return rsa_from_ne(m1.p, m1.len, m2.p, m2.len, out);
    return ZTO_E_KEY;
}

/* Leaf of an X5CHAIN body: an array of bstr, or one bstr (RFC 9360). */
static zto_err_t
x5chain_leaf(struct zto_bytes body, struct zto_bytes *der)
{
    struct zto_cbor_dec d;
    struct zto_cbor_item it;
    size_t n;

    zto_cbor_dec_init(&d, body.p, body.len);
    if (zto_cbor_peek(&d, &it) != ZTO_OK)
        return ZTO_E_KEY;
    if (it.major == ZTO_CBOR_ARRAY) {
        if (zto_cbor_get_array(&d, &n) != ZTO_OK || n == 0)
            return ZTO_E_KEY;
    }
    return zto_cbor_get_bstr(&d, der) == ZTO_OK ? ZTO_OK : ZTO_E_KEY;
}

/* Does the declared pkType agree with the key we found? */
static bool
type_fits(int32_t declared, const struct zto_key *k)
{
    switch (declared) {
    case ZTO_PK_SECP256R1:
    case ZTO_PK_SECP384R1:
        return k->pk_type == declared;
    case ZTO_PK_RSA2048RESTR:
        return (k->pk_type == ZTO_PK_RSA2048RESTR ||
                k->pk_type == ZTO_PK_RSAPSS) && k->bits == 2048;
    case ZTO_PK_RSAPKCS:
    case ZTO_PK_RSAPSS:
        return k->pk_type == ZTO_PK_RSA2048RESTR ||
               k->pk_type == ZTO_PK_RSAPKCS || k->pk_type == ZTO_PK_RSAPSS;
    default:
        return false;
    }
}

zto_err_t
zto_key_from_pubkey(const struct zto_pubkey *pk, struct zto_key *out)
{
    struct zto_key k;
    struct zto_bytes der;
    EVP_PKEY *ep = NULL;
    zto_err_t r;

    zto_key_init(&k);
    switch (pk->enc) {
    case ZTO_PKENC_X509:
        r = zto_key_from_spki_der(pk->body.p, pk->body.len, &k);
        break;
    case ZTO_PKENC_X5CHAIN:
        if ((r = x5chain_leaf(pk->body, &der)) == ZTO_OK)
            r = zto_key_from_cert_der(der.p, der.len, &k);
        break;
    case ZTO_PKENC_COSEKEY:
        if ((r = key_from_cose(pk->body, &ep)) == ZTO_OK)
            r = ossl_key_wrap(ep, false, &k);
        break;
    default:
        r = ZTO_E_UNSUPPORTED;
    }
    if (r != ZTO_OK)
        return r == ZTO_E_UNSUPPORTED ? r : ZTO_E_KEY;
    if (!type_fits(pk->type, &k)) {
        zto_key_free(&k);
        return ZTO_E_KEY;
    }
    k.pk_type = pk->type;
    *out = k;
    return ZTO_OK;
}

/* Big-endian bytes of a BIGNUM key parameter into buf (fixed width if
 * width > 0). */
static zto_err_t
get_bn(EVP_PKEY *pk, const char *name, uint8_t *buf, size_t cap,
       size_t width, size_t *len)
{
    BIGNUM *bn = NULL;
    int n;
    zto_err_t r = ZTO_E_CRYPTO;

    if (!EVP_PKEY_get_bn_param(pk, name, &bn))
        return ZTO_E_CRYPTO;
    n = width > 0 ? (int)width : BN_num_bytes(bn);
    if ((size_t)n > cap) {
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    if (BN_bn2binpad(bn, buf, n) != n)
        goto out;
    *len = (size_t)n;
    r = ZTO_OK;
out:
    BN_free(bn);
    return r;
}

static zto_err_t
cose_key_encode(const struct zto_key *k, uint8_t *buf, size_t cap,
                size_t *out_len)
{
    uint8_t a[512], b[512];
    size_t al = 0, bl = 0;
    struct zto_cbor_enc e;
    zto_err_t r;

    if (k->pk_type == ZTO_PK_SECP256R1 || k->pk_type == ZTO_PK_SECP384R1) {
        size_t f = ossl_ec_field_len(k->bits);
        if ((r = get_bn(k->impl, OSSL_PKEY_PARAM_EC_PUB_X, a, sizeof(a), f,
                        &al)) != ZTO_OK ||
            (r = get_bn(k->impl, OSSL_PKEY_PARAM_EC_PUB_Y, b, sizeof(b), f,
                        &bl)) != ZTO_OK)
            return r;
        zto_cbor_enc_init(&e, buf, cap);
        zto_cbor_put_map(&e, 4);
        zto_cbor_put_int(&e, COSE_KTY);
        zto_cbor_put_int(&e, COSE_EC2);
        zto_cbor_put_int(&e, -1);
        zto_cbor_put_int(&e, k->bits == 256 ? COSE_P256 : COSE_P384);
        zto_cbor_put_int(&e, -2);
        zto_cbor_put_bstr(&e, a, al);
        zto_cbor_put_int(&e, -3);
        zto_cbor_put_bstr(&e, b, bl);
        return zto_cbor_enc_finish(&e, out_len);
    }
    if ((r = get_bn(k->impl, OSSL_PKEY_PARAM_RSA_N, a, sizeof(a), 0,
                    &al)) != ZTO_OK ||
        (r = get_bn(k->impl, OSSL_PKEY_PARAM_RSA_E, b, sizeof(b), 0,
                    &bl)) != ZTO_OK)
        return r;
    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_map(&e, 3);
    zto_cbor_put_int(&e, COSE_KTY);
    zto_cbor_put_int(&e, COSE_RSA);
    zto_cbor_put_int(&e, -1);
    zto_cbor_put_bstr(&e, a, al);
    zto_cbor_put_int(&e, -2);
    zto_cbor_put_bstr(&e, b, bl);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
zto_key_to_pubkey(const struct zto_key *k, int32_t enc, uint8_t *buf,
                  size_t cap, struct zto_pubkey *pk)
{
    size_t n = 0;
    zto_err_t r;

    if (k->impl == NULL)
        return ZTO_E_ARG;
    if (enc == ZTO_PKENC_X509)
        r = zto_key_spki_der(k, buf, cap, &n);
    else if (enc == ZTO_PKENC_COSEKEY)
        r = cose_key_encode(k, buf, cap, &n);
    else
        return ZTO_E_UNSUPPORTED;
    if (r != ZTO_OK)
        return r;
    pk->type = k->pk_type;
    pk->enc = enc;
    pk->body = ZTO_BYTES(buf, n);
    pk->raw = ZTO_BYTES_NULL;
    return ZTO_OK;
}

zto_err_t
zto_key_equal(const struct zto_key *a, const struct zto_key *b)
{
    if (a->impl == NULL || b->impl == NULL)
        return ZTO_E_ARG;
    return EVP_PKEY_eq(a->impl, b->impl) == 1 ? ZTO_OK : ZTO_E_KEY_MISMATCH;
}

zto_err_t
zto_pubkey_equal(const struct zto_pubkey *a, const struct zto_pubkey *b)
{
    struct zto_key ka, kb;
    zto_err_t r;

    zto_key_init(&ka);
    zto_key_init(&kb);
    if ((r = zto_key_from_pubkey(a, &ka)) == ZTO_OK &&
        (r = zto_key_from_pubkey(b, &kb)) == ZTO_OK)
        r = zto_key_equal(&ka, &kb);
    zto_key_free(&ka);
    zto_key_free(&kb);
    return r;
}

int32_t
zto_key_sig_alg(const struct zto_key *k)
{
    switch (k->pk_type) {
    case ZTO_PK_SECP256R1:
        return ZTO_COSE_ES256;
    case ZTO_PK_SECP384R1:
        return ZTO_COSE_ES384;
    case ZTO_PK_RSAPSS:
        return k->bits >= 3072 ? ZTO_COSE_PS384 : ZTO_COSE_PS256;
    case ZTO_PK_RSA2048RESTR:
    case ZTO_PK_RSAPKCS:
        return k->bits >= 3072 ? ZTO_COSE_RS384 : ZTO_COSE_RS256;
    default:
        return 0;
    }
}

int32_t
zto_key_hash_type(const struct zto_key *k)
{
    return (k->pk_type == ZTO_PK_SECP384R1 || k->bits >= 3072)
               ? ZTO_HASH_SHA384
               : ZTO_HASH_SHA256;
}

int32_t
zto_key_hmac_type(const struct zto_key *k)
{
    return zto_key_hash_type(k) == ZTO_HASH_SHA384 ? ZTO_HMAC_SHA384
                                                   : ZTO_HMAC_SHA256;
}

int32_t
zto_alg_hash_type(int32_t alg)
{
    switch (alg) {
    case ZTO_COSE_ES256:
    case ZTO_COSE_RS256:
    case ZTO_COSE_PS256:
        return ZTO_HASH_SHA256;
    case ZTO_COSE_ES384:
    case ZTO_COSE_RS384:
    case ZTO_COSE_PS384:
        return ZTO_HASH_SHA384;
    default:
        return 0;
    }
}
