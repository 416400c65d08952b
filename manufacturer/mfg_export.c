/*
 * mfg_export.c - hand a voucher to its first owner: the stored voucher
 * as PEM (FDO 1.1 section 6.6), optionally extended first by the
 * manufacturer to the owner's public key (section 6.3, entry 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfg_int.h"

zto_err_t
mfg_export(struct mfg *m, const struct zto_guid *guid,
           const char *next_owner_pem, size_t next_owner_len, char **out,
           size_t *out_len, char *err, size_t errcap)
{
    uint8_t *ov = NULL, *ext = NULL;
    uint8_t body[ZTO_MAX_PUBKEY_SIZE];
    struct zto_voucher v;
    struct zto_key next;
    struct zto_pubkey pk;
    size_t len = 0, ext_len = 0, pem_cap, pem_len = 0;
    char *pem = NULL;
    zto_err_t r;

    zto_key_init(&next);
    if ((ov = malloc(ZTO_MAX_MSG_SIZE)) == NULL ||
        (ext = malloc(ZTO_MAX_MSG_SIZE)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    if ((r = zto_db_mfg_voucher_get(m->db, guid, ov, ZTO_MAX_MSG_SIZE, &len)) !=
        ZTO_OK) {
        snprintf(err, errcap, "%s",
                 r == ZTO_E_NOT_FOUND ? "no voucher for this GUID"
                                      : "reading the voucher failed");
        goto out;
    }
    if ((r = zto_voucher_decode(ov, len, &v)) != ZTO_OK) {
        snprintf(err, errcap, "stored voucher does not decode");
        goto out;
    }
    if (next_owner_pem != NULL) {
        if ((r = zto_key_from_pem(next_owner_pem, next_owner_len, &next)) !=
            ZTO_OK) {
            snprintf(err, errcap,
                     "owner key: not a PEM public key, private "
                     "key or certificate");
            goto out;
        }
        /* Same type, size and encoding as the manufacturer key (X509):
         * the device checks every entry with one algorithm. */
        if ((r = zto_key_to_pubkey(&next, ZTO_PKENC_X509, body, sizeof(body),
                                   &pk)) != ZTO_OK) {
            snprintf(err, errcap, "owner key: cannot encode");
            goto out;
        }
        if ((r = zto_voucher_extend(&v, &m->signer, &pk, ZTO_BYTES_NULL, ext,
                                    ZTO_MAX_MSG_SIZE, &ext_len)) != ZTO_OK) {
            snprintf(err, errcap,
                     "extending failed (the owner key must have the "
                     "manufacturer key's type and size): %s",
                     zto_strerror(r));
            goto out;
        }
        memcpy(ov, ext, ext_len);
        len = ext_len;
    }
    pem_cap = zto_pem_len(ZTO_VOUCHER_PEM_LABEL, len) + 1;
    if ((pem = malloc(pem_cap)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    if ((r = zto_voucher_pem_encode(ov, len, pem, pem_cap, &pem_len)) !=
        ZTO_OK) {
        snprintf(err, errcap, "PEM encoding failed");
        goto out;
    }
    *out = pem;
    *out_len = pem_len;
    pem = NULL;
out:
    zto_key_free(&next);
    free(pem);
    free(ov);
    free(ext);
    return r;
}
