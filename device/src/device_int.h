/*
 * device_int.h - private to the device library: field access, the work
 * buffer slots, logging and the generic driver shared by DI, TO1, TO2.
 * Include it first in every device/src file.
 */
#ifndef ZTO_DEVICE_INT_H
#define ZTO_DEVICE_INT_H

#ifndef ZTO_DEVICE_BUILD
#define ZTO_DEVICE_BUILD 1 /* unmangled field names (zto_device.h) */
#endif

#include <string.h>

#include "zto/zto_device.h"
#include "zto/zto_msg.h"
#include "zto/zto_util.h"

/* Work buffer slots (ZTO_DEVICE_WORK_SLOTS). */
enum { DEV_SLOT_RECV = 0, DEV_SLOT_SCRATCH = 1, DEV_SLOT_SEND = 2 };

static inline uint8_t *
dev_slot(struct zto_device *dev, int i)
{
    return dev->work + (size_t)i * dev->slot;
}

/* ---- Logging ----
 * Messages are concatenated from constant parts (no printf in the
 * library). The level test is a constant expression, so with
 * -DZTO_LOG_MAX_LEVEL=n (0 = errors only) the calls and their strings
 * above n are dropped by the compiler. */
void dev_log(const struct zto_device *dev, int level, const char *file,
             int line, const char *a, const char *b, const char *c);

#define DEV_LOG_(dev, lvl, a, b, c)                                            \
    do {                                                                       \
        if ((int)(lvl) <= (int)ZTO_LOG_MAX_LEVEL)                              \
            dev_log((dev), (lvl), __FILE__, __LINE__, (a), (b), (c));          \
    } while (0)
#define DEV_ERR(dev, a, b, c) DEV_LOG_(dev, ZTO_LOG_ERR, a, b, c)
#define DEV_WARN(dev, a, b, c) DEV_LOG_(dev, ZTO_LOG_WARN, a, b, c)
#define DEV_INFO(dev, a, b, c) DEV_LOG_(dev, ZTO_LOG_INFO, a, b, c)
#define DEV_DEBUG(dev, a, b, c) DEV_LOG_(dev, ZTO_LOG_DEBUG, a, b, c)

/* Decimal text of v into buf (at least 11 bytes); returns buf. */
const char *dev_u32_str(uint32_t v, char *buf);
/* Lower-case hex GUID into buf (at least 33 bytes); returns buf. */
const char *dev_guid_str(const struct zto_guid *g, char *buf);

/* ---- Messages shared by the step functions ---- */

/* An ErrorMessage (section 4.5) for error e, answering prev_msg, into
 * (out, cap); sets *out_len and *out_type = 255, or leaves *out_len 0
 * when it does not fit. Its text is `text`, or e's when NULL or empty.
 * The device has no wall clock: timestamp and correlation id are null. */
void dev_error_msg(zto_err_t e, uint8_t prev_msg, const char *text,
                   uint8_t *out, size_t cap, size_t *out_len,
                   uint8_t *out_type);
/* Record a received ErrorMessage in dev->result (code 0 and a note when
 * it does not decode). Always returns ZTO_E_PEER_ERROR. */
zto_err_t dev_peer_error(struct zto_device *dev, const uint8_t *in, size_t len);

/* ---- The generic driver (driver.c) ----
 * dev_drv_start() arms a run of `step` against target and clears the
 * result; dev_drv_run() advances it: open the transport, step(NULL),
 * then send/recv/step until the step function returns ZTO_DONE. A
 * failure the step function decides is reported to the peer with its
 * ErrorMessage (best effort); a received ErrorMessage is never answered.
 * Returns ZTO_OK when the protocol completed, ZTO_E_WANT_READ/WRITE to
 * be called again, or the error; afterwards the driver is idle. */
void dev_drv_start(struct zto_device *dev, const struct zto_target *target,
                   zto_device_step_fn step, const char *name);
ZTO_MUST_CHECK zto_err_t dev_drv_run(struct zto_device *dev);
bool dev_drv_busy(const struct zto_device *dev);

/* Credential blob name in storage. */
const char *dev_cred_name(const struct zto_device *dev);

#endif
