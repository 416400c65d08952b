/*
 * mfg.c - the manufacturer context: keys, device-CA, RendezvousInfo and
 * the settings the DI handler works with.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mfg_int.h"

void
mfg_init(struct mfg *m)
{
    memset(m, 0, sizeof(*m));
    zto_key_init(&m->key);
    zto_key_init(&m->ca.key);
}

void
mfg_free(struct mfg *m)
{
    if (m == NULL)
        return;
    zto_key_free(&m->key);
    mfg_ca_free(&m->ca);
    mfg_init(m);
}

void
mfg_take(struct mfg *m, struct mfg *from)
{
    void (*log)(void *ctx, int level, const char *line) = m->log;
    void *log_ctx = m->log_ctx;
    int64_t clock = m->clock;

    zto_key_free(&m->key);
    mfg_ca_free(&m->ca);
    *m = *from;
    /* The signer points at the key it signs with. */
    zto_signer_from_key(&m->signer, &m->key);
    m->log = log;
    m->log_ctx = log_ctx;
    m->clock = clock;
    mfg_init(from);
}

int64_t
mfg_now(const struct mfg *m)
{
    return m->clock != 0 ? m->clock : (int64_t)time(NULL);
}

void
mfg_logf(const struct mfg *m, int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (m->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    m->log(m->log_ctx, level, line);
}

static bool
printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

zto_err_t
mfg_setup(struct mfg *m, const struct mfg_params *p, char *err, size_t errcap)
{
    struct zto_pubkey pk;
    struct zto_rvinfo rv;
    struct zto_cbor_enc e;
    uint8_t body[ZTO_MAX_PUBKEY_SIZE];
    const char *info = p->device_info != NULL ? p->device_info : "zto-device";
    zto_err_t r;

    err[0] = '\0';
    if (p->db == NULL) {
        snprintf(err, errcap, "no database");
        return ZTO_E_ARG;
    }
    if (zto_key_from_pem(p->key_pem, p->key_pem_len, &m->key) != ZTO_OK ||
        !m->key.has_private) {
        snprintf(err, errcap, "manufacturer key: not a PEM private key");
        r = ZTO_E_CONFIG;
        goto fail;
    }
    zto_signer_from_key(&m->signer, &m->key);
    /* OVPubKey in X509 encoding: every implementation reads it. */
    if ((r = zto_key_to_pubkey(&m->key, ZTO_PKENC_X509, body, sizeof(body),
                               &pk)) != ZTO_OK) {
        snprintf(err, errcap, "manufacturer key: cannot encode (%s)",
                 zto_strerror(r));
        goto fail;
    }
    zto_cbor_enc_init(&e, m->pubkey, sizeof(m->pubkey));
    zto_pubkey_enc(&e, &pk);
    if ((r = zto_cbor_enc_finish(&e, &m->pubkey_len)) != ZTO_OK)
        goto fail;
    if ((r = mfg_ca_load(&m->ca, p->ca_key_pem, p->ca_key_pem_len,
                         p->ca_chain_pem, p->ca_chain_pem_len, err, errcap)) !=
        ZTO_OK)
        goto fail;
    if (p->rvinfo_len == 0 || p->rvinfo_len > sizeof(m->rvinfo) ||
        zto_rvinfo_decode(p->rvinfo, p->rvinfo_len, &rv) != ZTO_OK) {
        snprintf(err, errcap, "RendezvousInfo missing or invalid");
        r = ZTO_E_CONFIG;
        goto fail;
    }
    memcpy(m->rvinfo, p->rvinfo, p->rvinfo_len);
    m->rvinfo_len = p->rvinfo_len;
    if (strlen(info) == 0 || strlen(info) > MFG_MAX_DEVINFO ||
        !printable(info)) {
        snprintf(err, errcap, "device_info: 1..%d printable ASCII characters",
                 MFG_MAX_DEVINFO);
        r = ZTO_E_CONFIG;
        goto fail;
    }
    memcpy(m->device_info, info, strlen(info) + 1);
    m->db = p->db;
    m->cert_days = p->cert_days != 0 ? p->cert_days : 3650;
    m->session_ttl = p->session_ttl != 0 ? p->session_ttl : 300;
    return ZTO_OK;
fail:
    zto_key_free(&m->key);
    mfg_ca_free(&m->ca);
    return r;
}
