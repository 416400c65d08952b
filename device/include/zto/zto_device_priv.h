/*
 * zto_device_priv.h - layout of struct zto_device. Included by
 * zto_device.h so the size is public; the fields are not an API (their
 * names are mangled outside the library by ZTO_PRIVATE).
 *
 * The state of each sub-protocol lives in its own struct, declared in
 * its own header (zto_device_di.h, zto_device_to1.h, zto_device_to2.h),
 * so a protocol can grow without touching the others. What they share
 * is here: configuration, the work buffer, the loaded credential, the
 * result of the last run and the generic driver (device/src/driver.c)
 * that moves any step function's messages through the transport.
 */
#ifndef ZTO_DEVICE_PRIV_H
#define ZTO_DEVICE_PRIV_H

struct zto_device;

/* The shape of zto_di_step(), zto_to1_step(), zto_to2_step(). */
typedef zto_err_t (*zto_device_step_fn)(struct zto_device *dev, uint8_t in_type,
                                        const uint8_t *in, size_t in_len,
                                        uint8_t *out, size_t cap,
                                        size_t *out_len, uint8_t *out_type);

/* The generic driver: one sub-protocol run over the transport, kept here
 * so a driver call can return on WANT_READ / WANT_WRITE and resume. */
struct zto_device_drv {
    uint8_t phase; /* enum in driver.c; 0 = idle */
    bool opened;   /* transport open() succeeded */
    zto_device_step_fn step;
    const char *name; /* "DI", "TO1", "TO2" (logs) */
    struct zto_target target;
    uint8_t out_type; /* message waiting in the send slot */
    size_t out_len;
    zto_err_t failure; /* returned after our ErrorMessage went out */
};

#include "zto/zto_device_di.h"
#include "zto/zto_device_to1.h"
#include "zto/zto_device_to2.h"

struct zto_device {
    const struct zto_device_cfg *ZTO_PRIVATE(cfg);
    uint8_t *ZTO_PRIVATE(work);
    size_t ZTO_PRIVATE(work_len);
    /* Bytes per work slot: receive, plaintext scratch, send. */
    size_t ZTO_PRIVATE(slot);
    bool ZTO_PRIVATE(ready);     /* zto_device_setup() succeeded */
    bool ZTO_PRIVATE(have_cred); /* cred holds a loaded/stored credential */
    struct zto_device_cred ZTO_PRIVATE(cred);
    struct zto_device_result ZTO_PRIVATE(result);
    struct zto_device_drv ZTO_PRIVATE(drv);
    struct zto_device_di ZTO_PRIVATE(di);
    struct zto_device_to1 ZTO_PRIVATE(to1);
    struct zto_device_to2 ZTO_PRIVATE(to2);
};

#endif
