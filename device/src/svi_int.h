/*
 * svi_int.h - the device's ServiceInfo engine (svi.c), used by TO2
 * (to2.c). Private to the device library.
 */
#ifndef ZTO_DEVICE_SVI_INT_H
#define ZTO_DEVICE_SVI_INT_H

#include "device_int.h"

/* One DeviceServiceInfo being built: [IsMore, [kv...]]. The key/values
 * are written after a gap for the array heads, which finish() closes. */
#define SVI_OUT_GAP 4

struct zto_svi_out {
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
    size_t count;
    size_t budget; /* largest whole 68 plaintext */
};

/* Start ServiceInfo: out_max is the owner's limit for each 68. */
ZTO_MUST_CHECK zto_err_t dev_svi_start(struct zto_device *dev,
                                       uint16_t out_max);
/* One OwnerServiceInfo from the owner: module messages dispatched,
 * "<module>:active" answers queued. */
ZTO_MUST_CHECK zto_err_t dev_svi_receive(struct zto_device *dev,
                                         const struct zto_msg_to2_owner_svi *m);
/* The next DeviceServiceInfo plaintext into (buf, cap). */
ZTO_MUST_CHECK zto_err_t dev_svi_produce(struct zto_device *dev, uint8_t *buf,
                                         size_t cap, size_t *out_len);
/* TO2 ended: tell every module (done = success). */
void dev_svi_finish(struct zto_device *dev, bool done);

#endif
