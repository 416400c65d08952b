/*
 * zto_device.h - the embeddable FDO device API.
 * (Filled in by the device issue; see docs/device.md.)
 */
#ifndef ZTO_DEVICE_H
#define ZTO_DEVICE_H

#include "zto/zto_port.h"

#ifdef __cplusplus
extern "C" {
#endif

const char *zto_device_version(void);

#ifdef __cplusplus
}
#endif
#endif
