/*
 * svi_csr.h - the owner's issuing CA for fdo.csr (svi_csr.c), private
 * to owner/. Configured by the csr_* options (deploy/owner.conf.example);
 * the plan's csr steps use it (docs/serviceinfo.md).
 */
#ifndef ZTO_OWNER_SVI_CSR_H
#define ZTO_OWNER_SVI_CSR_H

#include <stdio.h>

#include "svi_int.h"

/* Certificates in the issuing chain plus the extra bundle. */
#define SVI_CSR_MAX_CERTS 16
/* Largest certificate or request handled (DER). */
#define SVI_CSR_DER_MAX 8192

struct svi_csr_ca {
    bool has_key;
    struct owner_key key; /* the issuing CA's private key */
    /* cert[0] is the issuing CA, cert[1..nchain) its issuers, then the
     * extra bundle up to ncerts. Every one goes to devices as the CA
     * bundle (cacerts-res). Heap. */
    uint8_t *cert[SVI_CSR_MAX_CERTS];
    size_t len[SVI_CSR_MAX_CERTS];
    size_t nchain, ncerts;
    unsigned days;    /* validity of issued certificates */
    bool subject_csr; /* subject from the request; else CN = GUID */
    bool keygen;      /* serverkeygen-req answered */
    bool bare;        /* 281 and serverkeygen-res carry a bare DER
                         certificate instead of PKCS#7 (go-fdo devices) */
};

struct svi_csr_conf {
    const char *chain;  /* PEM: issuing CA first, then its issuers */
    const char *key;    /* PEM private key, mode 0600; NULL: none */
    const char *bundle; /* PEM: more CA certificates; NULL: none */
    unsigned days;
    const char *subject; /* "guid" or "csr" */
    bool keygen, bare;
};

/* Load the CA from files into o->csr_ca. The key must match the first
 * certificate, which must be a CA, and the bundle must let a device
 * verify certificates it issues. *err: one line. */
ZTO_MUST_CHECK zto_err_t svi_csr_setup(struct owner *o,
                                       const struct svi_csr_conf *c, char *err,
                                       size_t errcap);
/* Same from DER certificates and a loaded key (taken over; NULL: none),
 * for tests. The conf's file names are ignored. */
ZTO_MUST_CHECK zto_err_t svi_csr_setup_der(
    struct owner *o, struct owner_key *key, const struct zto_bytes *chain,
    size_t nchain, const struct zto_bytes *extra, size_t nextra,
    const struct svi_csr_conf *c, char *err, size_t errcap);
void svi_csr_ca_free(struct svi_csr_ca *ca);

/* The svi_certs row of the last certificate the csr steps of this TO2
 * delivered, 0 if none. */
int64_t svi_csr_last_row(const struct svi_state *sv);

/* The certificates fdo.csr delivered (all, or those of one GUID), one
 * line each: id, serial, GUID, origin, not-after, subject. */
ZTO_MUST_CHECK zto_err_t owner_certs_list(struct owner *o,
                                          const struct zto_guid *guid,
                                          FILE *out);

#endif
