/*
 * zto_device_di.h - state of Device Initialize (DI, FDO 1.1 section 4.1)
 * inside struct zto_device. Not an API: see zto_device_priv.h.
 */
#ifndef ZTO_DEVICE_DI_H
#define ZTO_DEVICE_DI_H

struct zto_device_di {
    uint8_t state;    /* enum in di.c; 0 = not running */
    int32_t key_type; /* ZTO_PK_SECP256R1 / ZTO_PK_SECP384R1 */
    /* The attestation key generated for this run (unused with
     * cfg.signer); released when DI ends. */
    struct zto_key key;
    /* The credential being built; stored, and copied to the device's
     * credential, only when DI.Done arrives. */
    struct zto_device_cred pending;
};

#endif
