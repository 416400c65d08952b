/*
 * csr_fixture.h - an owner configured with a csr_pki.h PKI
 * (svi_csr_setup_der), for the fdo.csr tests and fuzz target.
 */
#ifndef ZTO_CSR_FIXTURE_H
#define ZTO_CSR_FIXTURE_H

#include "csr_pki.h"
#include "svi_csr.h"

/* The owner signs with p's issuing CA; the bundle is [CA, root]
 * (chain_len 2) or [CA] (1, which does not verify: no root). with_key
 * false: no CA key configured. */
static inline zto_err_t
csr_pki_owner(struct owner *o, const struct csr_pki *p, size_t chain_len,
              bool with_key, const struct svi_csr_conf *conf, char *err,
              size_t errcap)
{
    struct svi_csr_conf c;
    struct owner_key k;
    struct zto_bytes chain[2];
    char pem[1024];
    size_t n = 0;
    zto_err_t r;

    if (conf != NULL) {
        c = *conf;
    } else {
        memset(&c, 0, sizeof(c));
        c.days = 30;
        c.subject = "guid";
        c.keygen = true;
    }
    chain[0] = ZTO_BYTES(p->ca_der, p->ca_len);
    chain[1] = ZTO_BYTES(p->root_der, p->root_len);
    if (with_key) {
        if ((r = zto_key_private_pem(&p->ca, pem, sizeof(pem), &n)) != ZTO_OK ||
            (r = owner_key_from_pem(&k, "test CA", pem, n, err, errcap)) !=
                ZTO_OK)
            return r;
        zto_zeroize(pem, sizeof(pem));
    }
    return svi_csr_setup_der(o, with_key ? &k : NULL, chain, chain_len, NULL, 0,
                             &c, err, errcap);
}

#endif
