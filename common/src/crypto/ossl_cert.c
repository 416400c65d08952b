/*
 * ossl_cert.c - certificate chain verification (device attestation chain,
 * FDO 1.1 section 8.7).
 */
#include <limits.h>

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
