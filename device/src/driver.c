/*
 * driver.c - run one sub-protocol (DI, TO1 or TO2) over the transport:
 *
 *   open(target) -> step(NULL) -> send -> recv -> step -> send -> ...
 *
 * until the step function says ZTO_DONE. Every protocol plugs its step
 * function in through dev_drv_start(); the driver knows nothing about
 * message contents except the ErrorMessage rules of FDO 1.1 section 4.5:
 * a failure the step function decided is reported to the peer with the
 * ErrorMessage it built (best effort: the run fails either way), and an
 * ErrorMessage received is recorded, never answered.
 *
 * The transport may return ZTO_E_WANT_READ / ZTO_E_WANT_WRITE at any of
 * its calls; the position is kept in dev->drv and the same call is
 * repeated when the caller runs the driver again.
 */
#include "device_int.h"

enum drv_phase {
    DRV_IDLE = 0,
    DRV_OPEN,    /* transport open() */
    DRV_FIRST,   /* step(NULL): first message */
    DRV_SEND,    /* send the message in the send slot */
    DRV_RECV,    /* receive the answer and step it */
    DRV_SEND_ERR /* send our ErrorMessage, then fail */
};

static bool
would_block(zto_err_t r)
{
    return r == ZTO_E_WANT_READ || r == ZTO_E_WANT_WRITE;
}

bool
dev_drv_busy(const struct zto_device *dev)
{
    return dev->drv.phase != DRV_IDLE;
}

void
dev_drv_start(struct zto_device *dev, const struct zto_target *target,
              zto_device_step_fn step, const char *name)
{
    memset(&dev->drv, 0, sizeof(dev->drv));
    memset(&dev->result, 0, sizeof(dev->result));
    dev->drv.target = *target;
    dev->drv.step = step;
    dev->drv.name = name;
    dev->drv.phase = DRV_OPEN;
}

/* End the run: close the transport, log, return r. */
static zto_err_t
finish(struct zto_device *dev, zto_err_t r)
{
    const struct zto_device_cfg *cfg = dev->cfg;
    char num[12];

    if (dev->drv.opened)
        cfg->transport->close(cfg->transport_ctx);
    if (r == ZTO_OK) {
        DEV_INFO(dev, dev->drv.name, ": completed", NULL);
    } else if (r == ZTO_E_PEER_ERROR) {
        DEV_ERR(dev, dev->drv.name, ": peer sent ErrorMessage ",
                dev_u32_str(dev->result.peer_error, num));
    } else {
        DEV_ERR(dev, dev->drv.name, ": ", zto_strerror(r));
    }
    dev->drv.phase = DRV_IDLE;
    dev->drv.opened = false;
    dev->drv.out_len = 0;
    return r;
}

/* The step function returned r for input in_type. */
static zto_err_t
stepped(struct zto_device *dev, zto_err_t r, int in_type)
{
    struct zto_device_drv *drv = &dev->drv;

    if (r == ZTO_OK) {
        if (drv->out_len == 0 || drv->out_len > dev->slot)
            return finish(dev, ZTO_E_INTERNAL);
        drv->phase = DRV_SEND;
        return ZTO_OK;
    }
    if (r == ZTO_DONE)
        return finish(dev, in_type < 0 ? ZTO_E_INTERNAL : ZTO_OK);
    if (in_type == ZTO_MSG_ERROR) {
        /* Whatever the step function made of it: never answer a 255. */
        if (r != ZTO_E_PEER_ERROR)
            (void)dev_peer_error(dev, NULL, 0);
        return finish(dev, ZTO_E_PEER_ERROR);
    }
    if (would_block(r) || r >= 0)
        r = ZTO_E_INTERNAL; /* step functions do not block */
    if (drv->out_len > 0 && drv->out_len <= dev->slot &&
        drv->out_type == ZTO_MSG_ERROR && drv->opened) {
        drv->failure = r;
        drv->phase = DRV_SEND_ERR;
        return ZTO_OK;
    }
    return finish(dev, r);
}

zto_err_t
dev_drv_run(struct zto_device *dev)
{
    struct zto_device_drv *drv = &dev->drv;
    const struct zto_transport_ops *t = dev->cfg->transport;
    void *tc = dev->cfg->transport_ctx;
    uint8_t *rx = dev_slot(dev, DEV_SLOT_RECV);
    uint8_t *tx = dev_slot(dev, DEV_SLOT_SEND);
    uint8_t in_type = 0;
    size_t in_len = 0;
    char num[12];
    zto_err_t r;

    for (;;) {
        switch (drv->phase) {
        case DRV_OPEN:
            r = t->open(tc, &drv->target);
            if (would_block(r))
                return r;
            if (r != ZTO_OK)
                return finish(dev, r);
            drv->opened = true;
            drv->phase = DRV_FIRST;
            break;
        case DRV_FIRST:
            drv->out_len = 0;
            r = drv->step(dev, 0, NULL, 0, tx, dev->slot, &drv->out_len,
                          &drv->out_type);
            if ((r = stepped(dev, r, -1)) != ZTO_OK)
                return r;
            break;
        case DRV_SEND:
            r = t->send(tc, drv->out_type, tx, drv->out_len);
            if (would_block(r))
                return r;
            if (r != ZTO_OK)
                return finish(dev, r);
            DEV_DEBUG(dev, drv->name, ": sent message ",
                      dev_u32_str(drv->out_type, num));
            drv->phase = DRV_RECV;
            break;
        case DRV_RECV:
            r = t->recv(tc, rx, dev->slot, &in_len, &in_type);
            if (would_block(r))
                return r;
            if (r != ZTO_OK)
                return finish(dev, r);
            if (in_len > dev->slot)
                return finish(dev, ZTO_E_INTERNAL);
            dev->result.last_msg = in_type;
            DEV_DEBUG(dev, drv->name, ": received message ",
                      dev_u32_str(in_type, num));
            drv->out_len = 0;
            r = drv->step(dev, in_type, rx, in_len, tx, dev->slot,
                          &drv->out_len, &drv->out_type);
            if ((r = stepped(dev, r, in_type)) != ZTO_OK ||
                drv->phase == DRV_IDLE)
                return r;
            break;
        case DRV_SEND_ERR:
            r = t->send(tc, ZTO_MSG_ERROR, tx, drv->out_len);
            if (would_block(r))
                return r;
            /* Best effort: the run has failed whatever happens here. */
            return finish(dev, drv->failure);
        default:
            return ZTO_E_STATE;
        }
    }
}
