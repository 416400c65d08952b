/*
 * onboard.c - zto_device_onboard(): the whole journey from a DI
 * credential to an owner (FDO 1.1 sections 4.3, 4.4, 7.3). The walk over
 * RendezvousInfo is rvwalk.c; TO2 is zto_to2_step() (to2.c), which finds
 * the to1d to check in dev->to1 (empty after RVBypass).
 */
#include "rvwalk_int.h"

zto_err_t
zto_device_onboard(struct zto_device *dev)
{
    return dev_rv_walk(dev, zto_to2_step);
}
