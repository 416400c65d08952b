/*
 * zto_device.h - the embeddable FDO 1.1 device library.
 *
 * The caller owns every byte: a struct zto_device (size public, fields
 * private), a work buffer for messages, and the platform back ends
 * (transport, storage, clock/log, device-key signer) passed in through
 * struct zto_device_cfg. The library calls no malloc, opens no file or
 * socket and keeps no globals, so several devices can run in one process
 * (the load test does) and firmware links it without libevent or SQLite.
 *
 * Two layers:
 *  - drivers: zto_device_di() and zto_device_onboard() run whole
 *    sub-protocols over the transport (TO1 then TO2, following
 *    RendezvousInfo directive order and RVDelaysec). They return
 *    ZTO_E_WANT_READ / ZTO_E_WANT_WRITE when a non-blocking transport
 *    would block: call the same function again when it can progress.
 *  - step functions: zto_di_step(), zto_to1_step(), zto_to2_step() take
 *    the peer's message and produce the next one, with no I/O at all, for
 *    integrators with their own networking.
 *
 * The credential is stored through storage ops as a blob named
 * cfg.cred_name ("credential" by default), in the layout go-fdo uses
 * ([active, 101, deviceInfo, guid, rvinfo, pubKeyHash, hmacSecret,
 * deviceKey]), written atomically, and replaced only after TO2.Done2
 * proved the new owner.
 */
#ifndef ZTO_DEVICE_H
#define ZTO_DEVICE_H

#include "zto/zto_crypto.h"
#include "zto/zto_device_config.h"
#include "zto/zto_kex.h"
#include "zto/zto_port.h"
#include "zto/zto_voucher.h"

#ifdef __cplusplus
extern "C" {
#endif

const char *zto_device_version(void);

/* ---------------------------------------------------------------- */
/* Device credential (FDO 1.1 section 9)                             */
/* ---------------------------------------------------------------- */

struct zto_device_cred {
    bool active;
    uint16_t protver;
    uint8_t hmac_secret[ZTO_DEV_MAX_HMAC_SECRET];
    size_t hmac_secret_len;
    char device_info[ZTO_DEV_MAX_DEVINFO]; /* not NUL-terminated */
    size_t device_info_len;
    struct zto_guid guid;
    uint8_t rvinfo[ZTO_DEV_MAX_RVINFO];    /* raw RendezvousInfo */
    size_t rvinfo_len;
    struct zto_hash_buf pubkey_hash;       /* H(CBOR(OVPubKey)) */
    /* PKCS#8 DER of the device attestation key; empty when the key is
     * held elsewhere (secure element, TPM) behind cfg.signer. */
    uint8_t key_der[ZTO_DEV_MAX_KEY_DER];
    size_t key_der_len;
};

ZTO_MUST_CHECK zto_err_t zto_cred_encode(const struct zto_device_cred *c,
                                         uint8_t *buf, size_t cap,
                                         size_t *out_len);
ZTO_MUST_CHECK zto_err_t zto_cred_decode(const uint8_t *buf, size_t len,
                                         struct zto_device_cred *c);
/* Zeroizes the secret fields. */
void zto_cred_wipe(struct zto_device_cred *c);

/* ---------------------------------------------------------------- */
/* ServiceInfo modules on the device (FDO 1.1 section 10, FSIMs)     */
/* ---------------------------------------------------------------- */

/* Output side of one DeviceServiceInfo (68): modules append key/values
 * here; a put that does not fit the negotiated size returns
 * ZTO_E_BUF_TOO_SMALL and the module tries again in the next message. */
struct zto_svi_out;

ZTO_MUST_CHECK zto_err_t zto_svi_out_put(struct zto_svi_out *o,
                                         const char *module,
                                         const char *message,
                                         const uint8_t *cbor_val, size_t len);
/* Bytes a value may still take in this message for a given key. */
size_t zto_svi_out_room(const struct zto_svi_out *o, const char *module,
                        const char *message);

/*
 * A device module. The library handles "<name>:active" itself (answering
 * true for registered modules, false otherwise) and devmod entirely.
 *  receive(): one owner key/value for this module, value = CBOR bytes.
 *             Returning an error aborts TO2 with ErrorMessage.
 *  produce(): called before each DeviceServiceInfo; queue replies with
 *             zto_svi_out_put(). Set *more when output remains that did
 *             not fit (the library sets IsMoreServiceInfo).
 *  finish():  TO2 ended (done = true on success) - e.g. to drop partial
 *             downloads. May be NULL.
 *  why():     after receive() or produce() failed: one line saying why,
 *             sent as the text of the ErrorMessage (the library keeps
 *             printable ASCII, at most ZTO_DEV_SVI_WHY_MAX - 1 bytes).
 *             May be NULL (the text is then the error code's).
 */
struct zto_svi_module {
    const char *name;
    zto_err_t (*receive)(void *ctx, const char *message, size_t message_len,
                         const uint8_t *val, size_t val_len);
    zto_err_t (*produce)(void *ctx, struct zto_svi_out *out, bool *more);
    void (*finish)(void *ctx, bool done);
    void *ctx;
    const char *(*why)(void *ctx);
};

/* devmod values (section 3.4 of the transport/ServiceInfo doc); NULL
 * entries are omitted where optional. */
struct zto_devmod {
    const char *os, *arch, *version, *device, *sn, *pathsep, *sep, *nl,
        *tmp, *dir, *progenv, *bin, *mudurl;
};

/* ---------------------------------------------------------------- */
/* Configuration and context                                         */
/* ---------------------------------------------------------------- */

struct zto_device_cfg {
    const struct zto_transport_ops *transport;
    void *transport_ctx;
    const struct zto_storage_ops *storage;
    void *storage_ctx;
    const struct zto_platform_ops *platform;
    void *platform_ctx;
    /* Credential blob name in storage; NULL = "credential". */
    const char *cred_name;

    /* Device attestation key. NULL: the library signs with the PKCS#8
     * key kept in the credential (generated at DI). */
    const struct zto_signer *signer;
    /* DER PKCS#10 request made for an externally held key (sent at DI
     * in place of the CSR the library makes for its own key). */
    const uint8_t *csr_der;
    size_t csr_der_len;

    /* DI: key type to generate (ZTO_PK_SECP256R1 or ZTO_PK_SECP384R1;
     * 0 = P-256; with cfg.signer the signer's key type), serial number
     * (also the CN of the CSR) and model string reported in
     * DeviceMfgInfo. The manufacturer makes the model the OVDeviceInfo. */
    int32_t key_type;
    const char *serial;
    const char *model;

    /* TO2 choices; 0 = pick by key types (ECDH256/384, A128GCM). */
    int kex_suite;
    int32_t cipher;
    /* Largest ServiceInfo the device accepts in one OwnerServiceInfo
     * (sent in 66); 0 = the default 1300. */
    uint16_t max_owner_svi_size;
    /* Accept the owner's credential-reuse offer (section 9.4). */
    bool allow_cred_reuse;
    /* Abort TO2 after this many ServiceInfo rounds (0 = 1,000,000). */
    uint32_t max_svi_rounds;
    /* Wait between failed RendezvousInfo passes, ms (0 = 120 s). */
    uint32_t retry_delay_ms;
    /* Give up onboarding after this many passes over RendezvousInfo
     * (0 = keep trying). */
    uint32_t max_passes;

    const struct zto_devmod *devmod;
    const struct zto_svi_module *const *modules;
    size_t nmodules;
};

/* Largest message the library can send or receive is bounded by the
 * work buffer: work_len / ZTO_DEVICE_WORK_SLOTS bytes per message. */
#define ZTO_DEVICE_WORK_SLOTS 3
/* Smallest useful work buffer. */
#define ZTO_DEVICE_WORK_MIN (ZTO_DEVICE_WORK_SLOTS * 2048)

#ifdef ZTO_DEVICE_BUILD
#define ZTO_PRIVATE(x) x
#else
#define ZTO_PRIVATE(x) zto_private_##x
#endif

/* What a sub-protocol reports when it ends. */
struct zto_device_result {
    int last_msg;              /* last message type handled */
    unsigned peer_error;       /* ErrorMessage code received, or 0 */
    char peer_error_text[96];  /* its text (truncated) */
    bool cred_replaced;        /* TO2 installed a new credential */
    bool cred_reused;          /* TO2 ended with credential reuse */
    struct zto_guid guid;      /* GUID after the protocol */
};

#include "zto/zto_device_priv.h"

/* Zero the context. Cannot fail. */
void zto_device_init(struct zto_device *dev);
/* Attach configuration and the work buffer (both must outlive dev). */
ZTO_MUST_CHECK zto_err_t zto_device_setup(struct zto_device *dev,
                                          const struct zto_device_cfg *cfg,
                                          uint8_t *work, size_t work_len);
/* Wipe secrets and release crypto handles. Safe on an init'd dev. */
void zto_device_free(struct zto_device *dev);

/* Load the stored credential (ZTO_E_NOT_FOUND before DI, ZTO_E_CORRUPT
 * when the blob does not decode). After a failure no credential is
 * loaded. */
ZTO_MUST_CHECK zto_err_t zto_device_load(struct zto_device *dev);
/* The loaded credential (read-only view); NULL when none is loaded. DI
 * sets it when it stores a new one. */
const struct zto_device_cred *zto_device_cred(const struct zto_device *dev);

/* Run DI against a manufacturer; stores the credential on success.
 * After ZTO_E_WANT_READ/WRITE call it again to resume (mfg is then
 * ignored and may be NULL). ZTO_E_PEER_ERROR: the manufacturer sent an
 * ErrorMessage (code and text in zto_device_last_result()). */
ZTO_MUST_CHECK zto_err_t zto_device_di(struct zto_device *dev,
                                       const struct zto_target *mfg);
/*
 * Run TO2 alone against the owner at `owner` (a known address, or one
 * found by the integrator's own means). to1d is the TO1.RVRedirect blob
 * that named this owner (its signature is checked with the owner's key
 * in TO2.ProveOVHdr); NULL when rendezvous was bypassed. to1d must stay
 * valid until the call returns something other than WANT_READ/WRITE.
 * On success the new credential (or, with reuse, the old one) is
 * stored and loaded; zto_device_last_result() says which.
 */
ZTO_MUST_CHECK zto_err_t zto_device_to2(struct zto_device *dev,
                                        const struct zto_target *owner,
                                        const uint8_t *to1d,
                                        size_t to1d_len);
/* Run TO1 (unless RVBypass) and TO2 per the stored RendezvousInfo:
 * directives in order, RVOwnerOnly ones skipped, RVDelaysec waited after
 * a directive that failed, cfg.retry_delay_ms after a failed pass, at
 * most cfg.max_passes passes. */
ZTO_MUST_CHECK zto_err_t zto_device_onboard(struct zto_device *dev);
/* Run TO1 only, following RendezvousInfo the same way (RVBypass
 * directives are skipped); on success the owner's to1d is kept for TO2
 * and readable with zto_device_to1d(). */
ZTO_MUST_CHECK zto_err_t zto_device_to1(struct zto_device *dev);
/* The to1d of the last successful TO1, or NULL (*len = 0). */
const uint8_t *zto_device_to1d(const struct zto_device *dev, size_t *len);
/* Outcome of the last driver call (also after a failure). */
const struct zto_device_result *
zto_device_last_result(const struct zto_device *dev);

/* ---- Step functions (no I/O) ----
 * Start a sub-protocol with in = NULL; each call returns the next message
 * to send in (out, cap) with its type. Returns ZTO_OK (send *out_type),
 * ZTO_DONE (protocol complete, nothing to send) or an error; on an error
 * caused by the peer, out holds an ErrorMessage (type 255) to send back
 * when *out_len > 0. */
ZTO_MUST_CHECK zto_err_t zto_di_step(struct zto_device *dev, uint8_t in_type,
                                     const uint8_t *in, size_t in_len,
                                     uint8_t *out, size_t cap,
                                     size_t *out_len, uint8_t *out_type);
ZTO_MUST_CHECK zto_err_t zto_to1_step(struct zto_device *dev, uint8_t in_type,
                                      const uint8_t *in, size_t in_len,
                                      uint8_t *out, size_t cap,
                                      size_t *out_len, uint8_t *out_type);
/* Before zto_to2_step(dev, 0, NULL, ...): the TO1.RVRedirect blob that
 * led to this owner (checked in 61), or NULL after RVBypass. */
void zto_to2_begin(struct zto_device *dev, const uint8_t *to1d,
                   size_t to1d_len);
ZTO_MUST_CHECK zto_err_t zto_to2_step(struct zto_device *dev, uint8_t in_type,
                                      const uint8_t *in, size_t in_len,
                                      uint8_t *out, size_t cap,
                                      size_t *out_len, uint8_t *out_type);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_DEVICE_H */
