/*
 * di.c - Device Initialize, device side (FDO 1.1 section 4.1).
 *
 *   step(NULL) -> 10 DI.AppStart [bstr DeviceMfgInfo]
 *   11 DI.SetCredentials -> 12 DI.SetHMAC [HMac]
 *   13 DI.Done -> credential stored, ZTO_DONE
 *
 * DeviceMfgInfo is [keyType, keyEnc, serial, model, CSR] (zto_msg.h):
 * the CSR carries the attestation key generated here (or cfg.csr_der for
 * a key held behind cfg.signer) and lets the manufacturer issue the
 * device certificate. On 11 the device keeps the header's GUID,
 * RendezvousInfo, DeviceInfo and protocol version, draws the HMAC
 * secret, MACs the header bytes exactly as received and hashes the
 * manufacturer key exactly as received (DCPubKeyHash, section 6.2).
 * Nothing is stored before 13: a DI that fails halfway leaves the old
 * credential, if any, untouched. The device authenticates nothing in DI
 * (factory network, section 4.1).
 */
#include "device_int.h"

#include "zto/zto_voucher.h"

enum di_state {
    DI_IDLE = 0,
    DI_WAIT_11, /* AppStart sent */
    DI_WAIT_13  /* SetHMAC sent */
};

/* go-fdo and the other implementations use 32 bytes for either HMAC. */
#define DI_SECRET_LEN 32
/* CN of the request when no usable serial number is configured; the
 * manufacturer names the certificate itself anyway. */
#define DI_DEFAULT_CN "fdo-device"

static void
di_reset(struct zto_device *dev)
{
    zto_key_free(&dev->di.key);
    zto_cred_wipe(&dev->di.pending);
    dev->di.state = DI_IDLE;
    dev->di.key_type = 0;
}

static bool
is_p384(int32_t key_type)
{
    return key_type == ZTO_PK_SECP384R1;
}

static size_t
cstr_len(const char *s)
{
    return s != NULL ? strlen(s) : 0;
}

/* 10 DI.AppStart. The scratch slot holds the CSR and DeviceMfgInfo. */
static zto_err_t
di_start(struct zto_device *dev, uint8_t *out, size_t cap, size_t *out_len,
         uint8_t *out_type)
{
    const struct zto_device_cfg *cfg = dev->cfg;
    struct zto_device_di *di = &dev->di;
    uint8_t *scratch = dev_slot(dev, DEV_SLOT_SCRATCH);
    struct zto_mfg_info mi;
    struct zto_msg_di_app_start m;
    size_t csr_len = 0, mi_len = 0, cn_len, n = 0;
    const char *cn;
    zto_err_t r;

    di_reset(dev);
    if (cfg->signer != NULL) {
        /* The key lives elsewhere; so does its certification request. */
        if (cfg->csr_der == NULL || cfg->csr_der_len == 0)
            return ZTO_E_CONFIG;
        di->key_type = cfg->signer->pub != NULL ? cfg->signer->pub->pk_type
                                                : cfg->key_type;
        if (di->key_type == 0)
            di->key_type = ZTO_PK_SECP256R1;
        if (di->key_type != ZTO_PK_SECP256R1 &&
            di->key_type != ZTO_PK_SECP384R1)
            return ZTO_E_KEY;
        if (cfg->csr_der_len > dev->slot / 2)
            return ZTO_E_TOO_BIG;
        memcpy(scratch, cfg->csr_der, cfg->csr_der_len);
        csr_len = cfg->csr_der_len;
    } else {
        di->key_type = cfg->key_type != 0 ? cfg->key_type : ZTO_PK_SECP256R1;
        if ((r = zto_key_generate(di->key_type, 0, &di->key)) != ZTO_OK)
            goto fail;
        if ((r = zto_key_private_der(&di->key, di->pending.key_der,
                                     sizeof(di->pending.key_der),
                                     &di->pending.key_der_len)) != ZTO_OK)
            goto fail;
        cn = cfg->serial;
        cn_len = cstr_len(cn);
        if (cn_len == 0 || cn_len > 64) {
            cn = DI_DEFAULT_CN;
            cn_len = strlen(cn);
        }
        if ((r = zto_csr_create(&di->key, cn, cn_len, scratch, dev->slot / 2,
                                &csr_len)) != ZTO_OK)
            goto fail;
    }

    memset(&mi, 0, sizeof(mi));
    mi.key_type = di->key_type;
    mi.key_enc = ZTO_PKENC_X509;
    mi.serial = ZTO_BYTES(cfg->serial != NULL ? cfg->serial : "",
                          cstr_len(cfg->serial));
    mi.device_info =
        ZTO_BYTES(cfg->model != NULL ? cfg->model : "", cstr_len(cfg->model));
    mi.csr = ZTO_BYTES(scratch, csr_len);
    if ((r = zto_mfg_info_encode(&mi, scratch + csr_len, dev->slot - csr_len,
                                 &mi_len)) != ZTO_OK)
        goto fail;
    m.mfg_info = ZTO_BYTES(scratch + csr_len, mi_len);
    if ((r = zto_msg_di_app_start_encode(&m, out, cap, &n)) != ZTO_OK)
        goto fail;
    di->state = DI_WAIT_11;
    *out_len = n;
    *out_type = ZTO_MSG_DI_APP_START;
    DEV_INFO(dev, "DI: sending DI.AppStart (",
             is_p384(di->key_type) ? "P-384" : "P-256", " device key)");
    return ZTO_OK;
fail:
    di_reset(dev);
    return r;
}

/* 11 DI.SetCredentials -> 12 DI.SetHMAC */
static zto_err_t
di_set_credentials(struct zto_device *dev, const uint8_t *in, size_t in_len,
                   uint8_t *out, size_t cap, size_t *out_len, uint8_t *out_type)
{
    struct zto_device_di *di = &dev->di;
    struct zto_device_cred *c = &di->pending;
    struct zto_msg_di_set_credentials m;
    struct zto_msg_di_set_hmac reply;
    struct zto_ov_header hdr;
    struct zto_hash_buf mac;
    bool p384 = is_p384(di->key_type);
    size_t n = 0;
    zto_err_t r;

    if ((r = zto_msg_di_set_credentials_decode(in, in_len, &m)) != ZTO_OK ||
        (r = zto_ov_header_decode(m.ovheader.p, m.ovheader.len, &hdr)) !=
            ZTO_OK)
        return r;
    if (hdr.protver != ZTO_PROTVER)
        return ZTO_E_UNSUPPORTED;
    if (hdr.device_info.len > sizeof(c->device_info) ||
        hdr.rvinfo.raw.len > sizeof(c->rvinfo))
        return ZTO_E_TOO_BIG;
    if (hdr.mfg_key.raw.len == 0)
        return ZTO_E_INTERNAL;

    if ((r = zto_random(c->hmac_secret, DI_SECRET_LEN)) != ZTO_OK)
        return r;
    c->hmac_secret_len = DI_SECRET_LEN;
    /* HMAC over the header bytes inside the bstr, as received. */
    if ((r = zto_hmac(p384 ? ZTO_HMAC_SHA384 : ZTO_HMAC_SHA256, c->hmac_secret,
                      c->hmac_secret_len, m.ovheader.p, m.ovheader.len,
                      &mac)) != ZTO_OK)
        return r;
    /* DCPubKeyHash: the whole PublicKey item, as received. */
    if ((r = zto_hash(p384 ? ZTO_HASH_SHA384 : ZTO_HASH_SHA256,
                      hdr.mfg_key.raw.p, hdr.mfg_key.raw.len,
                      &c->pubkey_hash)) != ZTO_OK)
        return r;
    c->active = true;
    c->protver = hdr.protver;
    memcpy(c->device_info, hdr.device_info.p, hdr.device_info.len);
    c->device_info_len = hdr.device_info.len;
    c->guid = hdr.guid;
    memcpy(c->rvinfo, hdr.rvinfo.raw.p, hdr.rvinfo.raw.len);
    c->rvinfo_len = hdr.rvinfo.raw.len;

    reply.hmac.type = mac.type;
    reply.hmac.value = ZTO_BYTES(mac.value, mac.len);
    r = zto_msg_di_set_hmac_encode(&reply, out, cap, &n);
    zto_zeroize(&mac, sizeof(mac));
    if (r != ZTO_OK)
        return r;
    di->state = DI_WAIT_13;
    *out_len = n;
    *out_type = ZTO_MSG_DI_SET_HMAC;
    return ZTO_OK;
}

/* 13 DI.Done: store the credential, then make it the device's. */
static zto_err_t
di_done(struct zto_device *dev, const uint8_t *in, size_t in_len)
{
    const struct zto_device_cfg *cfg = dev->cfg;
    uint8_t *scratch = dev_slot(dev, DEV_SLOT_SCRATCH);
    char guid[2 * ZTO_GUID_LEN + 1];
    size_t n = 0;
    zto_err_t r;

    if ((r = zto_msg_empty_decode(in, in_len)) != ZTO_OK)
        return r;
    if ((r = zto_cred_encode(&dev->di.pending, scratch, dev->slot, &n)) ==
        ZTO_OK)
        r = cfg->storage->write(cfg->storage_ctx, dev_cred_name(dev), scratch,
                                n);
    zto_zeroize(scratch, n);
    if (r != ZTO_OK) {
        DEV_ERR(dev, "DI: storing the credential failed: ", zto_strerror(r),
                NULL);
        return r;
    }
    dev->cred = dev->di.pending;
    dev->have_cred = true;
    dev->result.guid = dev->cred.guid;
    DEV_INFO(dev, "DI: credential stored, GUID ",
             dev_guid_str(&dev->cred.guid, guid), NULL);
    return ZTO_DONE;
}

zto_err_t
zto_di_step(struct zto_device *dev, uint8_t in_type, const uint8_t *in,
            size_t in_len, uint8_t *out, size_t cap, size_t *out_len,
            uint8_t *out_type)
{
    struct zto_device_di *di;
    bool reply = true;
    zto_err_t r;

    if (dev == NULL || !dev->ready || out == NULL || out_len == NULL ||
        out_type == NULL)
        return ZTO_E_ARG;
    di = &dev->di;
    *out_len = 0;
    if (in == NULL) {
        r = di_start(dev, out, cap, out_len, out_type);
        if (r != ZTO_OK)
            DEV_ERR(dev, "DI: cannot start: ", zto_strerror(r), NULL);
        return r;
    }

    dev->result.last_msg = in_type;
    if (in_type == ZTO_MSG_ERROR) {
        di_reset(dev);
        return dev_peer_error(dev, in, in_len);
    }
    if (di->state == DI_WAIT_11 && in_type == ZTO_MSG_DI_SET_CREDENTIALS) {
        r = di_set_credentials(dev, in, in_len, out, cap, out_len, out_type);
    } else if (di->state == DI_WAIT_13 && in_type == ZTO_MSG_DI_DONE) {
        r = di_done(dev, in, in_len);
        /* The manufacturer's session is over; nobody to tell. */
        reply = r == ZTO_DONE || (r <= ZTO_E_CBOR && r >= ZTO_E_PEM);
    } else {
        r = ZTO_E_STATE;
        reply = di->state != DI_IDLE;
    }
    if (r == ZTO_OK)
        return r;
    di_reset(dev);
    if (r == ZTO_DONE)
        return r;
    DEV_ERR(dev, "DI: ", zto_strerror(r), NULL);
    if (reply)
        dev_error_msg(r, in_type, NULL, out, cap, out_len, out_type);
    return r;
}

zto_err_t
zto_device_di(struct zto_device *dev, const struct zto_target *mfg)
{
    if (dev == NULL || !dev->ready)
        return ZTO_E_ARG;
    if (!dev_drv_busy(dev)) {
        if (mfg == NULL)
            return ZTO_E_ARG;
        if (dev->cfg->transport == NULL)
            return ZTO_E_CONFIG;
        dev_drv_start(dev, mfg, zto_di_step, "DI");
    } else if (dev->drv.step != zto_di_step) {
        return ZTO_E_STATE; /* another sub-protocol is running */
    }
    return dev_drv_run(dev);
}
