/*
 * certinfo.c - what a person needs to know about a certificate in a
 * voucher (device chain, X5CHAIN owner keys): names, validity, key.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "vt_int.h"

static void
name_text(const X509_NAME *nm, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    int n;

    out[0] = 0;
    if (b == NULL)
        return;
    /* RFC 2253 order and escaping, UTF-8 kept as is. */
    if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >=
        0) {
        n = BIO_read(b, out, (int)cap - 1);
        out[n > 0 ? n : 0] = 0;
    }
    BIO_free(b);
}

static void
time_text(const ASN1_TIME *t, char *out, size_t cap)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        snprintf(out, cap, "?");
        return;
    }
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

zto_err_t
vt_cert_info(struct zto_bytes der, struct vt_certinfo *ci)
{
    const unsigned char *p = der.p;
    struct zto_hash_buf h;
    struct zto_key k;
    char *hex = NULL, *q;
    BIGNUM *bn = NULL;
    X509 *x;
    zto_err_t r;

    memset(ci, 0, sizeof(*ci));
    if (der.len == 0 || der.len > LONG_MAX)
        return ZTO_E_CERT;
    if ((x = d2i_X509(NULL, &p, (long)der.len)) == NULL)
        return ZTO_E_CERT;
    if (p != der.p + der.len) {
        X509_free(x);
        return ZTO_E_CERT;
    }
    name_text(X509_get_subject_name(x), ci->subject, sizeof(ci->subject));
    name_text(X509_get_issuer_name(x), ci->issuer, sizeof(ci->issuer));
    time_text(X509_get0_notBefore(x), ci->not_before, sizeof(ci->not_before));
    time_text(X509_get0_notAfter(x), ci->not_after, sizeof(ci->not_after));
    if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
        ci->time_state = -1;
    else if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
        ci->time_state = 1;
    ci->self_signed = X509_check_issued(x, x) == X509_V_OK;
    if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) != NULL &&
        (hex = BN_bn2hex(bn)) != NULL)
        snprintf(ci->serial, sizeof(ci->serial), "%s", hex);
    for (q = ci->serial; *q != 0; q++)
        if (*q >= 'A' && *q <= 'F')
            *q = (char)(*q + ('a' - 'A'));
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(x);

    zto_key_init(&k);
    if (zto_key_from_cert_der(der.p, der.len, &k) == ZTO_OK)
        vt_name_curve(k.pk_type, k.bits, ci->key, sizeof(ci->key));
    else
        snprintf(ci->key, sizeof(ci->key), "unsupported");
    zto_key_free(&k);
    if ((r = zto_hash(ZTO_HASH_SHA256, der.p, der.len, &h)) != ZTO_OK)
        return r;
    vt_hex(h.value, h.len, ci->sha256);
    return ZTO_OK;
}
