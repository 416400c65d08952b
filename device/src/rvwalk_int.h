/*
 * rvwalk_int.h - private to the device library: the walk over the
 * credential's RendezvousInfo shared by zto_device_to1() and
 * zto_device_onboard() (rvwalk.c).
 */
#ifndef ZTO_RVWALK_INT_H
#define ZTO_RVWALK_INT_H

#include "device_int.h"

/*
 * Try the directives in order (FDO 1.1 section 7.3), each one's targets
 * (DNS name, then IP address) in turn, waiting RVDelaysec after a
 * directive that failed and cfg.retry_delay_ms after a whole pass, for
 * at most cfg.max_passes passes (0: until one works).
 *
 * to2 == NULL: TO1 only; done when a rendezvous server answered with a
 * to1d (kept in dev->to1). RVBypass directives are skipped.
 * to2 != NULL: onboarding; after TO1, TO2 runs with `to2` against the
 * to1d's RVTO2Addr entries in order; a directive with RVBypass runs TO2
 * against its own targets instead, with dev->to1.to1d_len = 0 (no to1d
 * to check in TO2.ProveOVHdr). Done when TO2 completed.
 *
 * Resumable: ZTO_E_WANT_READ / ZTO_E_WANT_WRITE from the transport are
 * returned and the same call continues where it stopped.
 */
ZTO_MUST_CHECK zto_err_t dev_rv_walk(struct zto_device *dev,
                                     zto_device_step_fn to2);

#endif
