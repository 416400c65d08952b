/*
 * zto_device_to2.h - state of TO2 (FDO 1.1 section 4.4) inside struct
 * zto_device. Not an API: see zto_device_priv.h. Only the run state
 * exists so far; the TO2 implementation adds what it keeps (nonces,
 * voucher walk, key exchange, tunnel, replacement credential, ...).
 */
#ifndef ZTO_DEVICE_TO2_H
#define ZTO_DEVICE_TO2_H

struct zto_device_to2 {
    uint8_t state; /* 0 = not running */
};

#endif
