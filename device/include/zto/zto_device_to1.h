/*
 * zto_device_to1.h - state of TO1 (FDO 1.1 section 4.3) inside struct
 * zto_device. Not an API: see zto_device_priv.h. Only the run state
 * exists so far; the TO1 implementation adds what it keeps (nonce,
 * the to1d blob for TO2, ...).
 */
#ifndef ZTO_DEVICE_TO1_H
#define ZTO_DEVICE_TO1_H

struct zto_device_to1 {
    uint8_t state; /* 0 = not running */
};

#endif
