/*
 * device.c - life cycle of struct zto_device: init, setup (checks the
 * configuration and carves the work buffer), free, loading the stored
 * credential and the read-only accessors.
 */
#include "device_int.h"

void
zto_device_init(struct zto_device *dev)
{
    memset(dev, 0, sizeof(*dev));
}

static bool
transport_ok(const struct zto_transport_ops *t)
{
    return t == NULL || (t->open != NULL && t->send != NULL &&
                         t->recv != NULL && t->close != NULL);
}

zto_err_t
zto_device_setup(struct zto_device *dev, const struct zto_device_cfg *cfg,
                 uint8_t *work, size_t work_len)
{
    size_t slot;

    if (dev == NULL || cfg == NULL || work == NULL)
        return ZTO_E_ARG;
    if (dev->ready)
        return ZTO_E_STATE; /* free (and init) before a new setup */
    if (work_len < ZTO_DEVICE_WORK_MIN)
        return ZTO_E_BUF_TOO_SMALL;
    /* The credential has to live somewhere; the transport is only
     * needed by the drivers, the platform only for logging and delays. */
    if (cfg->storage == NULL || cfg->storage->read == NULL ||
        cfg->storage->write == NULL || !transport_ok(cfg->transport))
        return ZTO_E_CONFIG;
    if (cfg->key_type != 0 && cfg->key_type != ZTO_PK_SECP256R1 &&
        cfg->key_type != ZTO_PK_SECP384R1)
        return ZTO_E_CONFIG;
    if (cfg->signer != NULL && cfg->signer->sign == NULL)
        return ZTO_E_CONFIG;
    if (cfg->csr_der_len > 0 && cfg->csr_der == NULL)
        return ZTO_E_CONFIG;
    if (cfg->cred_name != NULL && cfg->cred_name[0] == '\0')
        return ZTO_E_CONFIG;

    slot = work_len / ZTO_DEVICE_WORK_SLOTS;
    if (slot > ZTO_MAX_MSG_SIZE)
        slot = ZTO_MAX_MSG_SIZE;
    dev->cfg = cfg;
    dev->work = work;
    dev->work_len = work_len;
    dev->slot = slot;
    dev->ready = true;
    return ZTO_OK;
}

void
zto_device_free(struct zto_device *dev)
{
    if (dev == NULL)
        return;
    zto_key_free(&dev->di.key);
    /* The work buffer held the credential and protocol secrets. */
    if (dev->work != NULL)
        zto_zeroize(dev->work, dev->work_len);
    zto_zeroize(dev, sizeof(*dev));
}

const char *
dev_cred_name(const struct zto_device *dev)
{
    return dev->cfg->cred_name != NULL ? dev->cfg->cred_name : "credential";
}

zto_err_t
zto_device_load(struct zto_device *dev)
{
    uint8_t *buf;
    size_t len = 0;
    zto_err_t r;

    if (dev == NULL || !dev->ready)
        return ZTO_E_ARG;
    if (dev_drv_busy(dev))
        return ZTO_E_STATE;
    dev->have_cred = false;
    zto_cred_wipe(&dev->cred);
    buf = dev_slot(dev, DEV_SLOT_SCRATCH);
    r = dev->cfg->storage->read(dev->cfg->storage_ctx, dev_cred_name(dev), buf,
                                dev->slot, &len);
    if (r == ZTO_E_BUF_TOO_SMALL) {
        r = ZTO_E_CORRUPT; /* no credential is that large */
        goto out;
    }
    if (r != ZTO_OK)
        goto out;
    if (len > dev->slot) {
        r = ZTO_E_INTERNAL; /* storage back end overran the buffer */
        goto out;
    }
    if (zto_cred_decode(buf, len, &dev->cred) != ZTO_OK) {
        r = ZTO_E_CORRUPT;
        goto out;
    }
    dev->have_cred = true;
    r = ZTO_OK;
out:
    zto_zeroize(buf, dev->slot);
    if (r != ZTO_OK)
        DEV_ERR(dev, "credential: ", zto_strerror(r), NULL);
    return r;
}

const struct zto_device_cred *
zto_device_cred(const struct zto_device *dev)
{
    return dev != NULL && dev->have_cred ? &dev->cred : NULL;
}

const struct zto_device_result *
zto_device_last_result(const struct zto_device *dev)
{
    return &dev->result;
}
