/*
 * csr_fixture.h - an operational PKI for the fdo.csr tests and fuzz
 * target: a root and an issuing CA under it, made in memory, and an
 * owner configured with them (svi_csr_setup_der).
 */
#ifndef ZTO_CSR_FIXTURE_H
#define ZTO_CSR_FIXTURE_H

#include <string.h>
#include <time.h>

#include "svi_csr.h"

struct csr_pki {
    struct zto_key root, ca;
    uint8_t root_der[2048], ca_der[2048];
    size_t root_len, ca_len;
};

static inline zto_err_t
csr_pki_cert(const struct zto_key *issuer, const uint8_t *issuer_der,
             size_t issuer_len, const struct zto_key *subject, const char *cn,
             uint8_t *out, size_t cap, size_t *len)
{
    struct zto_cert_tmpl t;

    memset(&t, 0, sizeof(t));
    t.cn = cn;
    t.cn_len = strlen(cn);
    t.now = (int64_t)time(NULL);
    t.days = 365;
    t.profile = ZTO_CERT_CA;
    return zto_cert_issue(issuer, issuer_der, issuer_len, subject, &t, out, cap,
                          len);
}

/* Root and issuing CA, both of key type `type`. */
static inline zto_err_t
csr_pki_make(struct csr_pki *p, int32_t type)
{
    zto_err_t r;

    memset(p, 0, sizeof(*p));
    zto_key_init(&p->root);
    zto_key_init(&p->ca);
    if ((r = zto_key_generate(type, 0, &p->root)) != ZTO_OK ||
        (r = zto_key_generate(type, 0, &p->ca)) != ZTO_OK ||
        (r = csr_pki_cert(&p->root, NULL, 0, &p->root, "test root", p->root_der,
                          sizeof(p->root_der), &p->root_len)) != ZTO_OK)
        return r;
    return csr_pki_cert(&p->root, p->root_der, p->root_len, &p->ca,
                        "test issuing CA", p->ca_der, sizeof(p->ca_der),
                        &p->ca_len);
}

static inline void
csr_pki_free(struct csr_pki *p)
{
    zto_key_free(&p->root);
    zto_key_free(&p->ca);
}

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
