/*
 * csr_pki.h - an operational PKI for the fdo.csr tests and fuzz target:
 * a root and an issuing CA under it, made in memory.
 */
#ifndef ZTO_CSR_PKI_H
#define ZTO_CSR_PKI_H

#include <string.h>
#include <time.h>

#include "zto/zto_crypto.h"

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

#endif
