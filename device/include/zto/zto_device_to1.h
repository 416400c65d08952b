/*
 * zto_device_to1.h - state of TO1 (FDO 1.1 section 4.3) inside struct
 * zto_device, and of the walk over RendezvousInfo that zto_device_to1()
 * and zto_device_onboard() run (section 7.3). Not an API: see
 * zto_device_priv.h.
 */
#ifndef ZTO_DEVICE_TO1_H
#define ZTO_DEVICE_TO1_H

#include "zto/zto_rvtarget.h"

struct zto_device_to1 {
    /* ---- The TO1 exchange (to1.c) ---- */
    uint8_t state;   /* enum in to1.c; 0 = not running */
    int32_t sg_type; /* eASigInfo sent in HelloRV, echoed in 31 */
    /* The to1d of TO1.RVRedirect, byte for byte: TO2 verifies it with
     * the owner key (section 4.4, message 61). Length 0 after a TO2
     * reached through RVBypass, which has no to1d to check. */
    size_t to1d_len;
    uint8_t to1d[ZTO_DEV_MAX_TO1D];

    /* ---- The walk over RendezvousInfo (rvwalk.c) ---- */
    uint8_t walk;  /* enum in rvwalk.c; 0 = idle */
    bool with_to2; /* zto_device_onboard(): TO2 follows */
    bool bypass;   /* the current directive has RVBypass */
    uint8_t dir;   /* directive being tried */
    uint8_t tgt;   /* its target (or RVTO2Addr entry) being tried */
    uint8_t ntgt;
    uint32_t pass;    /* completed passes over RendezvousInfo */
    uint32_t delay_s; /* RVDelaysec of the current directive */
    zto_err_t last;   /* last failure, returned when passes run out */
    struct zto_target t[ZTO_RV_DIRECTIVE_TARGETS];
};

#endif
