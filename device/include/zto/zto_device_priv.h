/*
 * zto_device_priv.h - layout of struct zto_device. Included by
 * zto_device.h so the size is public; the fields are not an API (their
 * names are mangled outside the library by ZTO_PRIVATE).
 */
#ifndef ZTO_DEVICE_PRIV_H
#define ZTO_DEVICE_PRIV_H

struct zto_device {
    const struct zto_device_cfg *ZTO_PRIVATE(cfg);
    uint8_t *ZTO_PRIVATE(work);
    size_t ZTO_PRIVATE(work_len);
    /* Filled in by the device implementation. */
};

#endif
