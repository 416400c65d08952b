/*
 * ossl_cert.c - certificate chain verification (device attestation chain,
 * FDO 1.1 section 8.7; operational certificates of fdo.csr) and what a
 * certificate says about itself (serial, validity, subject).
 */
#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "crypto_int.h"

static X509 *
parse(const struct zto_bytes *b)
{
    const unsigned char *p = b->p;
    X509 *x;

    if (b->len == 0 || b->len > LONG_MAX)
        return NULL;
    x = d2i_X509(NULL, &p, (long)b->len);
    if (x != NULL && p != b->p + b->len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

void
zto_cert_init(struct zto_cert *c)
{
    c->impl = NULL;
}

void
zto_cert_free(struct zto_cert *c)
{
    if (c == NULL)
        return;
    X509_free(c->impl);
    c->impl = NULL;
}

zto_err_t
zto_cert_parse(const uint8_t *der, size_t n, struct zto_cert *out)
{
    struct zto_bytes b = ZTO_BYTES(der, n);

    out->impl = parse(&b);
    return out->impl != NULL ? ZTO_OK : ZTO_E_CERT;
}

zto_err_t
zto_cert_key(const struct zto_cert *c, struct zto_key *out)
{
    if (c->impl == NULL)
        return ZTO_E_ARG;
    return ossl_key_wrap(X509_get_pubkey(c->impl), false, out);
}

zto_err_t
zto_cert_self_signed(const struct zto_cert *c)
{
    if (c->impl == NULL)
        return ZTO_E_ARG;
    return X509_self_signed(c->impl, 1) == 1 ? ZTO_OK : ZTO_E_CERT;
}

zto_err_t
zto_cert_chain_verify_parsed(const struct zto_cert *chain, size_t n,
                             const struct zto_cert *const *anchors,
                             size_t nanchors)
{
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    STACK_OF(X509) *untrusted = NULL;
    size_t i;
    zto_err_t r = ZTO_E_CRYPTO;

    if (n == 0 || chain[0].impl == NULL)
        return ZTO_E_CERT;
    if ((store = X509_STORE_new()) == NULL ||
        (untrusted = sk_X509_new_null()) == NULL)
        goto out;
    /* The stack borrows the certificates: sk_X509_free() below. */
    for (i = 1; i < n; i++)
        if (chain[i].impl == NULL || !sk_X509_push(untrusted, chain[i].impl))
            goto out;
    for (i = 0; i < nanchors; i++)
        if (anchors[i]->impl == NULL ||
            X509_STORE_add_cert(store, anchors[i]->impl) != 1)
            goto out;
    if ((ctx = X509_STORE_CTX_new()) == NULL ||
        X509_STORE_CTX_init(ctx, store, chain[0].impl, untrusted) != 1)
        goto out;
    r = X509_verify_cert(ctx) == 1 ? ZTO_OK : ZTO_E_CERT;
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    return r;
}

zto_err_t
zto_cert_chain_verify(const struct zto_bytes *chain, size_t n,
                      const struct zto_bytes *roots, size_t nroots)
{
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    STACK_OF(X509) *untrusted = NULL;
    X509 *leaf = NULL, *x;
    size_t i;
    zto_err_t r = ZTO_E_CERT;

    if (n == 0)
        return ZTO_E_CERT;
    if ((store = X509_STORE_new()) == NULL ||
        (untrusted = sk_X509_new_null()) == NULL) {
        r = ZTO_E_CRYPTO;
        goto out;
    }
    /* Also check the anchor's own signature: a corrupted self-signed root
     * must not pass just because it is the anchor. */
    X509_STORE_set_flags(store, X509_V_FLAG_CHECK_SS_SIGNATURE);
    if ((leaf = parse(&chain[0])) == NULL)
        goto out;
    for (i = 1; i < n; i++) {
        if ((x = parse(&chain[i])) == NULL)
            goto out;
        if (!sk_X509_push(untrusted, x)) {
            X509_free(x);
            goto out;
        }
    }
    if (nroots > 0) {
        for (i = 0; i < nroots; i++) {
            if ((x = parse(&roots[i])) == NULL)
                goto out;
            if (X509_STORE_add_cert(store, x) != 1) {
                X509_free(x);
                goto out;
            }
            X509_free(x);
        }
    } else {
        /* No configured roots: the chain must end in a self-signed
         * certificate, which is taken as the anchor. */
        x = n > 1 ? sk_X509_value(untrusted, (int)(n - 2)) : leaf;
        if (X509_check_issued(x, x) != X509_V_OK ||
            X509_STORE_add_cert(store, x) != 1)
            goto out;
    }
    if ((ctx = X509_STORE_CTX_new()) == NULL ||
        X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1) {
        r = ZTO_E_CRYPTO;
        goto out;
    }
    if (X509_verify_cert(ctx) == 1)
        r = ZTO_OK;
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
    X509_STORE_free(store);
    return r;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian calendar). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool
unix_time(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return false;
    *out = days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                           (unsigned)tm.tm_mday) *
               86400 +
           (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return true;
}

zto_err_t
zto_cert_info(const uint8_t *der, size_t n, struct zto_cert_info *info)
{
    struct zto_bytes b = ZTO_BYTES(der, n);
    X509 *x;
    BIGNUM *bn = NULL;
    BIO *bio = NULL;
    int len;
    zto_err_t r = ZTO_E_CERT;

    memset(info, 0, sizeof(*info));
    if ((x = parse(&b)) == NULL)
        return ZTO_E_CERT;
    if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL ||
        BN_is_negative(bn) || (len = BN_num_bytes(bn)) > 20 ||
        BN_bn2bin(bn, info->serial) != len)
        goto out;
    info->serial_len = (size_t)len;
    if (!unix_time(X509_get0_notBefore(x), &info->not_before) ||
        !unix_time(X509_get0_notAfter(x), &info->not_after))
        goto out;
    info->is_ca = X509_check_ca(x) != 0;
    if ((bio = BIO_new(BIO_s_mem())) == NULL) {
        r = ZTO_E_CRYPTO;
        goto out;
    }
    if (X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
                           XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
        r = ZTO_E_CRYPTO;
        goto out;
    }
    len = BIO_read(bio, info->subject, (int)sizeof(info->subject) - 1);
    info->subject[len > 0 ? len : 0] = '\0';
    r = ZTO_OK;
out:
    BIO_free(bio);
    BN_free(bn);
    X509_free(x);
    return r;
}
