/*
 * ossl_p7.c - PKCS#7 "certs-only" bundles (RFC 2315 SignedData without
 * content or signers, RFC 8551 section 3.8): the CA bundle and the
 * server-generated certificate of the fdo.csr ServiceInfo module
 * ("application/pkcs7-mime; smime-type=certs-only", format 281).
 */
#include <limits.h>
#include <string.h>

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "crypto_int.h"

zto_err_t
zto_p7_certs_encode(const struct zto_bytes *certs, size_t n, uint8_t *out,
                    size_t cap, size_t *out_len)
{
    PKCS7 *p7 = NULL;
    X509 *x = NULL;
    const unsigned char *p;
    unsigned char *w;
    size_t i;
    int len;
    zto_err_t r = ZTO_E_CRYPTO;

    if (n == 0)
        return ZTO_E_ARG;
    if ((p7 = PKCS7_new()) == NULL || PKCS7_set_type(p7, NID_pkcs7_signed) != 1)
        goto out;
    /* encapContentInfo: type data, no content (as "openssl crl2pkcs7"). */
    p7->d.sign->contents->type = OBJ_nid2obj(NID_pkcs7_data);
    for (i = 0; i < n; i++) {
        p = certs[i].p;
        if (certs[i].len == 0 || certs[i].len > LONG_MAX ||
            (x = d2i_X509(NULL, &p, (long)certs[i].len)) == NULL ||
            p != certs[i].p + certs[i].len) {
            r = ZTO_E_CERT;
            goto out;
        }
        if (PKCS7_add_certificate(p7, x) != 1)
            goto out;
        X509_free(x); /* the bundle holds its own reference */
        x = NULL;
    }
    if ((len = i2d_PKCS7(p7, NULL)) <= 0)
        goto out;
    if ((size_t)len > cap) {
        r = ZTO_E_BUF_TOO_SMALL;
        goto out;
    }
    w = out;
    if (i2d_PKCS7(p7, &w) != len)
        goto out;
    *out_len = (size_t)len;
    r = ZTO_OK;
out:
    X509_free(x);
    PKCS7_free(p7);
    return r;
}

zto_err_t
zto_p7_certs_decode(const uint8_t *der, size_t n, uint8_t *buf, size_t cap,
                    struct zto_bytes *certs, size_t max, size_t *count)
{
    const unsigned char *p = der;
    STACK_OF(X509) * sk;
    PKCS7 *p7 = NULL;
    unsigned char *w;
    size_t used = 0;
    int i, num, len;
    zto_err_t r = ZTO_E_CERT;

    *count = 0;
    if (n == 0 || n > LONG_MAX)
        return ZTO_E_CERT;
    if ((p7 = d2i_PKCS7(NULL, &p, (long)n)) == NULL || p != der + n ||
        !PKCS7_type_is_signed(p7) || p7->d.sign == NULL)
        goto out;
    sk = p7->d.sign->cert;
    if ((num = sk != NULL ? sk_X509_num(sk) : 0) <= 0)
        goto out;
    if ((size_t)num > max) {
        r = ZTO_E_TOO_BIG;
        goto out;
    }
    for (i = 0; i < num; i++) {
        X509 *x = sk_X509_value(sk, i);
        if ((len = i2d_X509(x, NULL)) <= 0)
            goto out;
        if ((size_t)len > cap - used) {
            r = ZTO_E_BUF_TOO_SMALL;
            goto out;
        }
        w = buf + used;
        if (i2d_X509(x, &w) != len)
            goto out;
        certs[i] = ZTO_BYTES(buf + used, (size_t)len);
        used += (size_t)len;
    }
    *count = (size_t)num;
    r = ZTO_OK;
out:
    PKCS7_free(p7);
    return r;
}
