/*
 * rvwalk.c - follow the credential's RendezvousInfo (FDO 1.1 section
 * 7.3): directive by directive, TO1 to the rendezvous server it names
 * (or, with RVBypass, TO2 straight to the owner it names), then TO2 to
 * the owner the to1d names. Rules in rvwalk_int.h and zto_rvtarget.h.
 *
 * Every position lives in dev->to1 so that a transport returning
 * ZTO_E_WANT_READ / ZTO_E_WANT_WRITE can be resumed by calling again.
 */
#include "rvwalk_int.h"

#include "zto/zto_rvtarget.h"

enum walk_phase {
    W_IDLE = 0,
    W_DIRECTIVE, /* pick the next directive */
    W_TO1,       /* TO1 running against t[tgt] */
    W_TO2,       /* TO2 running against a bypass target / RVTO2Addr */
    W_DELAY,     /* the directive failed: RVDelaysec, then the next */
    W_PASS_DELAY /* every directive failed: wait, start over */
};

/* C devices replace longer delays with their default too: a mistaken
 * value must not park a device for days. */
#define WALK_MAX_DELAY_S 3600
#define WALK_DEFAULT_RETRY_MS 120000u

static void
walk_sleep(struct zto_device *dev, uint32_t ms)
{
    const struct zto_platform_ops *p = dev->cfg->platform;

    if (ms > 0 && p != NULL && p->sleep_ms != NULL)
        p->sleep_ms(dev->cfg->platform_ctx, ms);
}

static const char *
dir_str(const struct zto_device *dev, char *num)
{
    return dev_u32_str((uint32_t)dev->to1.dir + 1, num);
}

/* Start TO1 or TO2 against t; the driver copies the target. */
static void
run(struct zto_device *dev, const struct zto_target *t, zto_device_step_fn step,
    const char *name)
{
    char url[ZTO_HOST_MAX + 32];

    if (zto_target_url(t, url, sizeof(url)) == ZTO_OK)
        DEV_INFO(dev, name, ": trying ", url);
    dev_drv_start(dev, t, step, name);
}

/* Pick directive dev->to1.dir; sets the phase to W_TO1/W_TO2/W_DELAY or
 * moves on to the next directive. */
static void
directive(struct zto_device *dev, zto_device_step_fn to2)
{
    struct zto_device_to1 *w = &dev->to1;
    struct zto_rvinfo rv;
    struct zto_rv_directive d;
    size_t n = 0;
    char num[12];
    zto_err_t r;

    w->delay_s = 0;
    if (zto_rvinfo_decode(dev->cred.rvinfo, dev->cred.rvinfo_len, &rv) !=
            ZTO_OK ||
        w->dir >= rv.ndirectives) {
        w->walk = W_PASS_DELAY;
        return;
    }
    if ((r = zto_rv_directive_parse(rv.directive[w->dir], &d)) != ZTO_OK) {
        DEV_WARN(dev, "RendezvousInfo directive ", dir_str(dev, num),
                 ": unreadable, skipped");
        w->last = r;
        w->walk = W_DELAY;
        return;
    }
    if (d.has_delay)
        w->delay_s =
            d.delaysec < WALK_MAX_DELAY_S ? d.delaysec : WALK_MAX_DELAY_S;
    r = zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, w->t, &n);
    if (r == ZTO_E_NOT_FOUND || (d.bypass && to2 == NULL)) {
        /* RVOwnerOnly, or a bypass while only TO1 is wanted: not ours,
         * and not a failure to wait for. */
        DEV_DEBUG(dev, "RendezvousInfo directive ", dir_str(dev, num),
                  ": not for this run, skipped");
        w->dir++;
        return;
    }
    if (r != ZTO_OK) {
        if (r != ZTO_E_MISSING || !d.has_delay)
            DEV_WARN(dev, "RendezvousInfo directive ", dir_str(dev, num),
                     r == ZTO_E_UNSUPPORTED ? ": protocol not supported"
                     : r == ZTO_E_MISSING   ? ": no address"
                                            : ": address unusable");
        if (r != ZTO_E_MISSING)
            w->last = r;
        w->walk = W_DELAY;
        return;
    }
    w->ntgt = (uint8_t)n;
    w->tgt = 0;
    w->bypass = d.bypass;
    if (d.bypass) {
        DEV_INFO(dev, "RendezvousInfo directive ", dir_str(dev, num),
                 ": RVBypass, TO2 without TO1");
        w->to1d_len = 0;
        run(dev, &w->t[0], to2, "TO2");
        w->walk = W_TO2;
    } else {
        run(dev, &w->t[0], zto_to1_step, "TO1");
        w->walk = W_TO1;
    }
}

/* TO2 against the next usable RVTO2Addr entry of the to1d, starting at
 * entry w->tgt. False when none is left. */
static bool
next_owner(struct zto_device *dev, zto_device_step_fn to2)
{
    struct zto_device_to1 *w = &dev->to1;
    struct zto_to1d d;
    struct zto_target t;

    if (zto_to1d_decode(w->to1d, w->to1d_len, &d) != ZTO_OK)
        return false;
    for (; w->tgt < d.addr.n; w->tgt++) {
        if (zto_rvto2addr_target(&d.addr.e[w->tgt], &t) == ZTO_OK) {
            run(dev, &t, to2, "TO2");
            return true;
        }
        DEV_WARN(dev,
                 "TO2: owner address with an unsupported protocol "
                 "skipped",
                 NULL, NULL);
    }
    return false;
}

zto_err_t
dev_rv_walk(struct zto_device *dev, zto_device_step_fn to2)
{
    struct zto_device_to1 *w;
    const struct zto_device_cfg *cfg;
    char num[12];
    zto_err_t r;

    if (dev == NULL || !dev->ready)
        return ZTO_E_ARG;
    w = &dev->to1;
    cfg = dev->cfg;
    if (w->walk == W_IDLE) {
        if (!dev->have_cred)
            return ZTO_E_NOT_FOUND;
        if (cfg->transport == NULL)
            return ZTO_E_CONFIG;
        if (dev_drv_busy(dev))
            return ZTO_E_STATE; /* another sub-protocol is running */
        w->with_to2 = to2 != NULL;
        w->dir = 0;
        w->pass = 0;
        w->last = ZTO_E_NO_RESOURCE;
        w->walk = W_DIRECTIVE;
    } else if (w->with_to2 != (to2 != NULL)) {
        return ZTO_E_STATE; /* the other entry point is mid-walk */
    }

    for (;;) {
        switch (w->walk) {
        case W_DIRECTIVE:
            directive(dev, to2);
            break;
        case W_TO1:
            r = dev_drv_run(dev);
            if (r == ZTO_E_WANT_READ || r == ZTO_E_WANT_WRITE)
                return r;
            if (r == ZTO_OK && to2 == NULL) {
                w->walk = W_IDLE;
                return ZTO_OK;
            }
            if (r == ZTO_OK) {
                w->tgt = 0;
                if (next_owner(dev, to2)) {
                    w->walk = W_TO2;
                } else {
                    DEV_WARN(dev, "TO1: the owner gave no usable address", NULL,
                             NULL);
                    w->last = ZTO_E_UNSUPPORTED;
                    w->walk = W_DELAY;
                }
                break;
            }
            w->last = r;
            if (++w->tgt < w->ntgt)
                run(dev, &w->t[w->tgt], zto_to1_step, "TO1");
            else
                w->walk = W_DELAY;
            break;
        case W_TO2:
            r = dev_drv_run(dev);
            if (r == ZTO_E_WANT_READ || r == ZTO_E_WANT_WRITE)
                return r;
            if (r == ZTO_OK) {
                w->walk = W_IDLE;
                return ZTO_OK;
            }
            w->last = r;
            w->tgt++;
            if (w->bypass) {
                if (w->tgt < w->ntgt) {
                    run(dev, &w->t[w->tgt], to2, "TO2");
                    break;
                }
            } else if (next_owner(dev, to2)) {
                break;
            }
            w->walk = W_DELAY;
            break;
        case W_DELAY:
            if (w->delay_s > 0) {
                DEV_INFO(dev, "RendezvousInfo directive ", dir_str(dev, num),
                         " failed; waiting RVDelaysec");
                walk_sleep(dev, w->delay_s * 1000u);
            }
            w->dir++;
            w->walk = W_DIRECTIVE;
            break;
        case W_PASS_DELAY:
            w->pass++;
            if (cfg->max_passes != 0 && w->pass >= cfg->max_passes) {
                DEV_ERR(dev,
                        "rendezvous: every directive failed, giving up "
                        "after pass ",
                        dev_u32_str(w->pass, num), NULL);
                w->walk = W_IDLE;
                return w->last;
            }
            DEV_WARN(dev, "rendezvous: every directive failed in pass ",
                     dev_u32_str(w->pass, num), "; starting over");
            walk_sleep(dev, cfg->retry_delay_ms != 0 ? cfg->retry_delay_ms
                                                     : WALK_DEFAULT_RETRY_MS);
            w->dir = 0;
            w->walk = W_DIRECTIVE;
            break;
        default:
            w->walk = W_IDLE;
            return ZTO_E_STATE;
        }
    }
}
