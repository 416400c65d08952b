/*
 * zto_to0.h - the owner's TO0 client (FDO 1.1 section 4.2): register a
 * voucher's device at a rendezvous server, and decide when and where to
 * do it again.
 *
 *   zto_to0_run()       one TO0 run (20 -> 21 -> 22 -> 23) over a
 *                       transport (struct zto_transport_ops, HTTP or CoAP)
 *   zto_to0_rv_list()   the rendezvous servers of a voucher's
 *                       RendezvousInfo, as the owner must reach them
 *   zto_to0_sched_*()   pure timing: re-register before the granted time
 *                       runs out, back off exponentially on failure, and
 *                       describe the state in one log line
 *
 * The client blocks for the duration of the run (the POSIX transports
 * are synchronous): a server calls it outside its event loop.
 */
#ifndef ZTO_TO0_H
#define ZTO_TO0_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zto/zto.h"
#include "zto/zto_port.h"
#include "zto/zto_rvtarget.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- One TO0 run ------------------------------------------------------- */

struct zto_to0_params {
    const uint8_t *voucher; /* raw CBOR OwnershipVoucher, >= 1 entry */
    size_t voucher_len;
    /* The voucher's final owner key; signs to1d. When signer->pub is set
     * it is checked against the voucher before anything is sent. */
    const struct zto_signer *owner;
    /* Where devices reach this owner for TO2 (the to1d's RVTO2Addr). */
    const struct zto_rvto2addr *addr;
    /* Lifetime asked for, seconds (the server may grant less). */
    uint32_t wait_seconds;
    /* Hash type of to1dTo0dHash; 0 = the type of the voucher's entry 0
     * HashPrevEntry (what go-fdo does). */
    int32_t hash_type;
};

struct zto_to0_result {
    uint32_t granted;    /* WaitSeconds of TO0.AcceptOwner */
    uint8_t last_msg;    /* type of the last message received, or 0 */
    unsigned peer_code;  /* ErrorMessage code received, or 0 */
    char peer_text[128]; /* its text (printable ASCII, truncated) */
    char detail[160];    /* one phrase on what failed, "" on success */
};

/*
 * Build TO0.OwnerSign (22) = [bstr .cbor to0d, to1d] for the nonce of
 * TO0.HelloAck. The to0d is [voucher, wait_seconds, nonce]; to1d is
 * signed over [addr, H(to0d bytes)].
 * ZTO_E_VOUCHER: the voucher does not decode or has no entry;
 * ZTO_E_KEY_MISMATCH: the signer is not the voucher's final owner.
 */
ZTO_MUST_CHECK zto_err_t zto_to0_owner_sign_build(
    const struct zto_to0_params *p, const struct zto_nonce *nonce, uint8_t *buf,
    size_t cap, size_t *out_len);

/*
 * Run TO0 against `target`. On success res->granted is the lifetime the
 * server granted. Errors:
 *   ZTO_E_PEER_ERROR   the server answered with an ErrorMessage
 *                      (res->peer_code / peer_text say which)
 *   ZTO_E_CONNECT, ZTO_E_TIMEOUT, ZTO_E_TRANSPORT, ZTO_E_HTTP, ZTO_E_URL
 *                      the server could not be reached / spoke nonsense
 *   ZTO_E_PROTO        an answer of the wrong type or shape
 *   local errors (voucher, key mismatch) as for zto_to0_owner_sign_build
 * res->detail describes the failure in words in every case.
 */
ZTO_MUST_CHECK zto_err_t zto_to0_run(const struct zto_transport_ops *ops,
                                     void *transport_ctx,
                                     const struct zto_target *target,
                                     const struct zto_to0_params *p,
                                     struct zto_to0_result *res);

/* Did err come from not reaching the server (as opposed to a refusal or
 * a local problem)? */
bool zto_to0_unreachable(zto_err_t err);

/* ---- Where to register ------------------------------------------------- */

/* One directive of RendezvousInfo as seen by the owner. */
struct zto_to0_rv {
    size_t directive; /* index in RendezvousInfo */
    /* ZTO_OK: usable, targets in order of preference (DNS, then IP).
     * Otherwise why it is skipped: ZTO_E_NOT_FOUND (RVDevOnly),
     * ZTO_E_UNSUPPORTED (protocol), ZTO_E_MISSING (no address), or the
     * directive's parse error. */
    zto_err_t status;
    size_t ntargets;
    struct zto_target target[ZTO_RV_DIRECTIVE_TARGETS];
};

/* Every directive of a RendezvousInfo (raw CBOR, e.g. a voucher header's
 * hdr.rvinfo.raw), usable or not, in order. *n directives are written;
 * ZTO_E_BUF_TOO_SMALL if cap is below their number. */
ZTO_MUST_CHECK zto_err_t zto_to0_rv_list(const uint8_t *rvinfo, size_t len,
                                         struct zto_to0_rv *out, size_t cap,
                                         size_t *n);

/* ---- When to register -------------------------------------------------- */

struct zto_to0_sched_cfg {
    /* Re-register when this share of the granted time has passed
     * (percent, 1..99; 0 = 80). */
    unsigned renew_percent;
    /* Never re-register sooner than this after a success (0 = 60 s), so
     * a server granting almost nothing is not hammered. */
    uint32_t min_renew_s;
    /* Backoff after consecutive failures: first delay, and the cap
     * (0 = 10 s and 3600 s); doubled per failure, +-10 % jitter. */
    uint32_t backoff_first_s;
    uint32_t backoff_max_s;
};

/* State of one (voucher, rendezvous server) pair. */
struct zto_to0_sched {
    int64_t next_at;       /* run TO0 at or after this time (Unix s) */
    int64_t expires_at;    /* end of the current registration, 0 if none */
    int64_t last_ok_at;    /* last success, 0 if never */
    int64_t failing_since; /* first failure of the current streak, or 0 */
    uint32_t failures;     /* consecutive failures */
    uint32_t granted;      /* last granted lifetime */
    zto_err_t last_err;    /* ZTO_OK after a success */
    unsigned last_peer_code;
};

/* Due at once. */
void zto_to0_sched_init(struct zto_to0_sched *s, int64_t now);
bool zto_to0_sched_due(const struct zto_to0_sched *s, int64_t now);
/* Seconds until due (0 if due). */
int64_t zto_to0_sched_wait(const struct zto_to0_sched *s, int64_t now);
void zto_to0_sched_success(const struct zto_to0_sched_cfg *cfg,
                           struct zto_to0_sched *s, int64_t now,
                           uint32_t granted);
/* rnd: any random value, for the jitter. */
void zto_to0_sched_failure(const struct zto_to0_sched_cfg *cfg,
                           struct zto_to0_sched *s, int64_t now, zto_err_t err,
                           unsigned peer_code, uint32_t rnd);
/* Is the registration still live at now? */
bool zto_to0_sched_registered(const struct zto_to0_sched *s, int64_t now);

/*
 * One log line on the outcome just recorded, e.g.
 *   "rendezvous http://rv:8041 unreachable (cannot connect to peer) for
 *    GUID 3fb0...: 3 failures since 120 s; registration expired; next
 *    attempt in 40 s"
 *   "registered GUID 3fb0... at http://rv:8041 for 86400 s; renewing in
 *    69120 s"
 * `url` and `guid` are free text. Returns a line that the caller logs at
 * *level (enum zto_log_level: WARN for failures, ERR once the
 * registration has lapsed, INFO for success).
 */
const char *zto_to0_sched_describe(const struct zto_to0_sched *s, int64_t now,
                                   const char *url, const char *guid,
                                   const char *detail, char *buf, size_t cap,
                                   int *level);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_TO0_H */
