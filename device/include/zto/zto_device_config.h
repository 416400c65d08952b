/*
 * zto_device_config.h - compile-time sizes of the device library.
 * Override with -DZTO_CONFIG_FILE="my_limits.h" (see zto_config.h);
 * zto_check_config.h refuses values the protocol cannot work with.
 */
#ifndef ZTO_DEVICE_CONFIG_H
#define ZTO_DEVICE_CONFIG_H

#include "zto/zto_config.h"

/* HMAC secret (32 bytes for HMAC-SHA256 devices, up to 64). */
#ifndef ZTO_DEV_MAX_HMAC_SECRET
#define ZTO_DEV_MAX_HMAC_SECRET 64
#endif
/* DeviceInfo string. */
#ifndef ZTO_DEV_MAX_DEVINFO
#define ZTO_DEV_MAX_DEVINFO 128
#endif
/* Raw RendezvousInfo kept in the credential. */
#ifndef ZTO_DEV_MAX_RVINFO
#define ZTO_DEV_MAX_RVINFO 1024
#endif
/* PKCS#8 DER of the device key (P-384 is about 185 bytes). */
#ifndef ZTO_DEV_MAX_KEY_DER
#define ZTO_DEV_MAX_KEY_DER 256
#endif
/* The to1d blob from TO1, kept until TO2 verifies it. */
#ifndef ZTO_DEV_MAX_TO1D
#define ZTO_DEV_MAX_TO1D 2048
#endif

#if ZTO_DEV_MAX_HMAC_SECRET < 32
#error "ZTO_DEV_MAX_HMAC_SECRET must be at least 32"
#endif
#if ZTO_DEV_MAX_RVINFO < 64 || ZTO_DEV_MAX_KEY_DER < 200
#error "device credential buffers too small"
#endif

#endif
