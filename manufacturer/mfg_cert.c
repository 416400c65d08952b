/*
 * mfg_cert.c - the device-CA: loading its key and chain, and issuing the
 * device attestation certificate from the key in the device's CSR (FDO
 * 1.1 sections 4.1 and 8.7). The certificate becomes OVDevCertChain[0];
 * owners and rendezvous servers verify the device's signatures with it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mfg_int.h"

void
mfg_ca_free(struct mfg_ca *ca)
{
    size_t i;

    zto_key_free(&ca->key);
    for (i = 0; i < ca->n; i++)
        free(ca->der[i]);
    memset(ca, 0, sizeof(*ca));
}

static X509 *
parse_der(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;

    return len > LONG_MAX ? NULL : d2i_X509(NULL, &p, (long)len);
}

zto_err_t
mfg_ca_load(struct mfg_ca *ca, const char *key_pem, size_t key_len,
            const char *chain_pem, size_t chain_len, char *err, size_t errcap)
{
    BIO *b = NULL;
    X509 *x = NULL, *first = NULL;
    unsigned char *p;
    int n;
    zto_err_t r = ZTO_E_CONFIG;

    memset(ca, 0, sizeof(*ca));
    zto_key_init(&ca->key);
    if (zto_key_from_pem(key_pem, key_len, &ca->key) != ZTO_OK ||
        !ca->key.has_private) {
        snprintf(err, errcap, "device CA key: not a PEM private key");
        goto out;
    }
    if (chain_len > INT_MAX ||
        (b = BIO_new_mem_buf(chain_pem, (int)chain_len)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (ca->n == MFG_MAX_CA_CERTS) {
            snprintf(err, errcap, "device CA chain: more than %d certificates",
                     MFG_MAX_CA_CERTS);
            goto out;
        }
        if ((n = i2d_X509(x, NULL)) <= 0 || (size_t)n > MFG_MAX_CERT ||
            (ca->der[ca->n] = malloc((size_t)n)) == NULL) {
            snprintf(err, errcap, "device CA chain: certificate %zu unusable",
                     ca->n + 1);
            goto out;
        }
        p = ca->der[ca->n];
        i2d_X509(x, &p);
        ca->len[ca->n++] = (size_t)n;
        X509_free(x);
    }
    x = NULL;
    if (ca->n == 0) {
        snprintf(err, errcap, "device CA chain: no PEM certificate");
        goto out;
    }
    first = parse_der(ca->der[0], ca->len[0]);
    if (first == NULL || X509_check_private_key(first, ca->key.impl) != 1) {
        snprintf(err, errcap,
                 "device CA key does not match the first "
                 "certificate of the chain");
        goto out;
    }
    if (X509_check_ca(first) == 0) {
        snprintf(err, errcap, "device CA certificate is not a CA");
        goto out;
    }
    r = ZTO_OK;
out:
    X509_free(x);
    X509_free(first);
    BIO_free(b);
    if (r != ZTO_OK)
        mfg_ca_free(ca);
    return r;
}

zto_err_t
mfg_cert_issue(const struct mfg_ca *ca, const struct zto_key *dev,
               const char *cn, size_t cn_len, int64_t now, unsigned days,
               uint8_t *out, size_t cap, size_t *out_len)
{
    struct zto_cert_tmpl t;

    if (ca->n == 0 || dev->impl == NULL || cn_len == 0 || cn_len > 64 ||
        days == 0)
        return ZTO_E_ARG;
    memset(&t, 0, sizeof(t));
    t.cn = cn;
    t.cn_len = cn_len;
    t.now = now;
    t.days = days;
    t.profile = ZTO_CERT_DEVICE;
    return zto_cert_issue(&ca->key, ca->der[0], ca->len[0], dev, &t, out, cap,
                          out_len);
}
