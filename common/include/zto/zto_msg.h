/*
 * zto_msg.h - FDO 1.1 message bodies (section 4): pure codecs.
 *
 * zto_msg_<name>_decode(buf, len, &m) is strict: wrong types, missing
 * elements, extra elements and trailing bytes are errors, nothing is read
 * past len. The decoded structure views `buf`, which must outlive it.
 *
 * zto_msg_<name>_encode(&m, buf, cap, &out_len) writes the body or returns
 * ZTO_E_BUF_TOO_SMALL. Messages that are COSE_Sign1 objects take a signer.
 * Encrypted messages (65..71) are encoded here in plaintext; the tunnel in
 * zto_kex.h wraps them.
 */
#ifndef ZTO_MSG_H
#define ZTO_MSG_H

#include "zto_codec.h"
#include "zto_cose.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZTO_MSG_CODEC(name)                                                    \
    ZTO_MUST_CHECK zto_err_t zto_msg_##name##_decode(                          \
        const uint8_t *buf, size_t len, struct zto_msg_##name *m);             \
    ZTO_MUST_CHECK zto_err_t zto_msg_##name##_encode(                          \
        const struct zto_msg_##name *m, uint8_t *buf, size_t cap,              \
        size_t *out_len)

#define ZTO_MSG_SIGNED_CODEC(name)                                             \
    ZTO_MUST_CHECK zto_err_t zto_msg_##name##_decode(                          \
        const uint8_t *buf, size_t len, struct zto_msg_##name *m);             \
    ZTO_MUST_CHECK zto_err_t zto_msg_##name##_encode(                          \
        const struct zto_msg_##name *m, const struct zto_signer *signer,       \
        uint8_t *buf, size_t cap, size_t *out_len)

/* Empty-array bodies: TO0.Hello (20), DI.Done (13). */
ZTO_MUST_CHECK zto_err_t zto_msg_empty_decode(const uint8_t *buf, size_t len);
ZTO_MUST_CHECK zto_err_t zto_msg_empty_encode(uint8_t *buf, size_t cap,
                                              size_t *out_len);

/* ===== DI (section 4.1) ===== */

/* 10 DI.AppStart = [DeviceMfgInfo: bstr .cbor any]. The content is
 * manufacturer-defined; ours is described by zto_mfg_info below. */
struct zto_msg_di_app_start {
    struct zto_bytes mfg_info; /* bstr content (CBOR) */
};
ZTO_MSG_CODEC(di_app_start);

/* Our DeviceMfgInfo: [keyType, keyEnc, serialNumber, deviceInfo, CSR]
 * (the layout pri-fidoiot and client-sdk use). The manufacturer issues the
 * device certificate from the CSR (DER PKCS#10). */
struct zto_mfg_info {
    int32_t key_type;          /* enum zto_pk_type */
    int32_t key_enc;           /* enum zto_pk_enc */
    struct zto_bytes serial;   /* tstr content */
    struct zto_bytes device_info; /* tstr content */
    struct zto_bytes csr;      /* DER */
};
ZTO_MUST_CHECK zto_err_t zto_mfg_info_decode(const uint8_t *buf, size_t len,
                                             struct zto_mfg_info *m);
ZTO_MUST_CHECK zto_err_t zto_mfg_info_encode(const struct zto_mfg_info *m,
                                             uint8_t *buf, size_t cap,
                                             size_t *out_len);

/* 11 DI.SetCredentials = [bstr .cbor OVHeader] */
struct zto_msg_di_set_credentials {
    struct zto_bytes ovheader; /* bstr content: the OVHeader bytes */
};
ZTO_MSG_CODEC(di_set_credentials);

/* 12 DI.SetHMAC = [HMac] */
struct zto_msg_di_set_hmac {
    struct zto_hash hmac;
};
ZTO_MSG_CODEC(di_set_hmac);

/* ===== TO0 (section 4.2) ===== */

/* 21 TO0.HelloAck = [NonceTO0Sign] */
struct zto_msg_to0_hello_ack {
    struct zto_nonce nonce;
};
ZTO_MSG_CODEC(to0_hello_ack);

/* 22 TO0.OwnerSign = [bstr .cbor to0d, to1d] */
struct zto_msg_to0_owner_sign {
    struct zto_bytes to0d; /* bstr content: the to0d bytes (hashed) */
    struct zto_bytes to1d; /* raw tagged COSE_Sign1 */
};
ZTO_MSG_CODEC(to0_owner_sign);

/* to0d = [OwnershipVoucher, WaitSeconds, NonceTO0Sign] */
struct zto_to0d {
    struct zto_bytes voucher; /* raw OwnershipVoucher */
    uint32_t wait_seconds;
    struct zto_nonce nonce;
};
ZTO_MUST_CHECK zto_err_t zto_to0d_decode(const uint8_t *buf, size_t len,
                                         struct zto_to0d *t);
ZTO_MUST_CHECK zto_err_t zto_to0d_encode(const struct zto_to0d *t,
                                         uint8_t *buf, size_t cap,
                                         size_t *out_len);

/* to1d = COSE_Sign1(to1dBlobPayload = [RVTO2Addr, to0dHash]) */
struct zto_to1d {
    struct zto_cose_sign1 cose;
    struct zto_rvto2addr addr;
    struct zto_hash to0d_hash;
};
ZTO_MUST_CHECK zto_err_t zto_to1d_decode(const uint8_t *buf, size_t len,
                                         struct zto_to1d *t);
/* Sign a to1d for addr and the hash of the to0d bytes. */
ZTO_MUST_CHECK zto_err_t zto_to1d_encode(const struct zto_rvto2addr *addr,
                                         const struct zto_hash *to0d_hash,
                                         const struct zto_signer *signer,
                                         uint8_t *buf, size_t cap,
                                         size_t *out_len);

/* 23 TO0.AcceptOwner = [WaitSeconds] */
struct zto_msg_to0_accept_owner {
    uint32_t wait_seconds;
};
ZTO_MSG_CODEC(to0_accept_owner);

/* ===== TO1 (section 4.3) ===== */

/* 30 TO1.HelloRV = [Guid, eASigInfo] */
struct zto_msg_to1_hello_rv {
    struct zto_guid guid;
    struct zto_siginfo siginfo;
};
ZTO_MSG_CODEC(to1_hello_rv);

/* 31 TO1.HelloRVAck = [NonceTO1Proof, eBSigInfo] */
struct zto_msg_to1_hello_rv_ack {
    struct zto_nonce nonce;
    struct zto_siginfo siginfo;
};
ZTO_MSG_CODEC(to1_hello_rv_ack);

/*
 * EAT (section 8.3): 32 TO1.ProveToRV and 64 TO2.ProveDevice.
 * Payload map {10: nonce, 256: 0x01||guid, ?-257: fdo}; other claims are
 * skipped. Unprotected: ?-259 EUPHNonce, ?-258 MAROE prefix.
 */
struct zto_eat {
    struct zto_cose_sign1 cose;
    struct zto_nonce nonce;
    struct zto_guid guid;       /* from the UEID (type byte 0x01 checked) */
    bool has_fdo;
    struct zto_bytes fdo;       /* raw CBOR of the EAT-FDO claim */
    bool has_euph_nonce;
    struct zto_nonce euph_nonce;
};
ZTO_MUST_CHECK zto_err_t zto_eat_decode(const uint8_t *buf, size_t len,
                                        struct zto_eat *m);
/* fdo: raw CBOR of the EAT-FDO claim or ZTO_BYTES_NULL; euph_nonce may be
 * NULL. */
ZTO_MUST_CHECK zto_err_t zto_eat_encode(const struct zto_nonce *nonce,
                                        const struct zto_guid *guid,
                                        struct zto_bytes fdo,
                                        const struct zto_nonce *euph_nonce,
                                        const struct zto_signer *signer,
                                        uint8_t *buf, size_t cap,
                                        size_t *out_len);

/* 33 TO1.RVRedirect = to1d (decoded with zto_to1d_decode). */

/* ===== TO2 (section 4.4) ===== */

/* 60 TO2.HelloDevice */
struct zto_msg_to2_hello_device {
    uint16_t max_msg_size;
    struct zto_guid guid;
    struct zto_nonce nonce;      /* NonceTO2ProveOV */
    struct zto_bytes kex_name;   /* tstr content */
    int32_t cipher;
    struct zto_siginfo siginfo;
};
ZTO_MSG_CODEC(to2_hello_device);

/* 61 TO2.ProveOVHdr: COSE_Sign1 by the owner key with unprotected
 * {256: NonceTO2ProveDv, 257: owner PublicKey}. */
struct zto_msg_to2_prove_ovhdr {
    struct zto_cose_sign1 cose;  /* filled by decode */
    struct zto_bytes ovheader;   /* OVHeader bytes (bstr content) */
    uint8_t num_entries;
    struct zto_hash hmac;
    struct zto_bytes hmac_raw;   /* raw CBOR of the HMac (hashed in walks) */
    struct zto_nonce nonce_prove_ov;
    struct zto_siginfo siginfo;
    struct zto_bytes xa;
    struct zto_hash hello_hash;
    uint16_t max_owner_msg_size;
    struct zto_nonce nonce_prove_dv; /* CUPHNonce */
    struct zto_pubkey owner_key;     /* CUPHOwnerPubKey */
};
ZTO_MSG_SIGNED_CODEC(to2_prove_ovhdr);

/* 62 TO2.GetOVNextEntry = [OVEntryNum] */
struct zto_msg_to2_get_ovnext_entry {
    uint8_t entry_num;
};
ZTO_MSG_CODEC(to2_get_ovnext_entry);

/* 63 TO2.OVNextEntry = [OVEntryNum, OVEntry] */
struct zto_msg_to2_ovnext_entry {
    uint8_t entry_num;
    struct zto_bytes entry; /* raw tagged COSE_Sign1, byte-exact */
};
ZTO_MSG_CODEC(to2_ovnext_entry);

/* 64 TO2.ProveDevice: an EAT whose EAT-FDO claim is [xB] and which
 * carries EUPHNonce. */
ZTO_MUST_CHECK zto_err_t zto_eat_fdo_xb(const struct zto_eat *m,
                                        struct zto_bytes *xb);

/* 65 TO2.SetupDevice: COSE_Sign1 by Owner2Key over
 * [RendezvousInfo, Guid, NonceTO2SetupDv, Owner2Key]. */
struct zto_msg_to2_setup_device {
    struct zto_cose_sign1 cose;
    struct zto_rvinfo rvinfo;   /* rvinfo.raw is spliced into OVHeader' */
    struct zto_guid guid;
    struct zto_nonce nonce_setup_dv;
    struct zto_pubkey owner2_key;
};
ZTO_MSG_SIGNED_CODEC(to2_setup_device);

/* 66 TO2.DeviceServiceInfoReady = [HMac / null, uint16 / null] */
struct zto_msg_to2_device_svi_ready {
    bool has_hmac;          /* false: credential reuse */
    struct zto_hash hmac;
    bool has_max;
    uint16_t max_owner_svi_size;
};
ZTO_MSG_CODEC(to2_device_svi_ready);

/* 67 TO2.OwnerServiceInfoReady = [uint16 / null] */
struct zto_msg_to2_owner_svi_ready {
    bool has_max;
    uint16_t max_device_svi_size;
};
ZTO_MSG_CODEC(to2_owner_svi_ready);

/* 68 TO2.DeviceServiceInfo = [IsMoreServiceInfo, ServiceInfo] */
struct zto_msg_to2_device_svi {
    bool is_more;
    struct zto_svi svi;
};
ZTO_MSG_CODEC(to2_device_svi);

/* 69 TO2.OwnerServiceInfo = [IsMoreServiceInfo, IsDone, ServiceInfo];
 * is_more and is_done both true is refused. */
struct zto_msg_to2_owner_svi {
    bool is_more;
    bool is_done;
    struct zto_svi svi;
};
ZTO_MSG_CODEC(to2_owner_svi);

/* 70 TO2.Done = [NonceTO2ProveDv], 71 TO2.Done2 = [NonceTO2SetupDv] */
struct zto_msg_to2_done {
    struct zto_nonce nonce;
};
ZTO_MSG_CODEC(to2_done);
struct zto_msg_to2_done2 {
    struct zto_nonce nonce;
};
ZTO_MSG_CODEC(to2_done2);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_MSG_H */
