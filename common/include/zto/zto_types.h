/*
 * zto_types.h - FDO 1.1 protocol constants and the small common types.
 *
 * Decoded structures hold views (struct zto_bytes) into the buffer they were
 * decoded from: THAT BUFFER MUST OUTLIVE THE DECODED STRUCTURE. Encoders take
 * the same structures, so a view can point at caller memory as well.
 */
#ifndef ZTO_TYPES_H
#define ZTO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zto_config.h"
#include "zto_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A read-only view of bytes owned by someone else. */
struct zto_bytes {
    const uint8_t *p;
    size_t len;
};

#define ZTO_BYTES(ptr, n) ((struct zto_bytes){(const uint8_t *)(ptr), (n)})
#define ZTO_BYTES_NULL ((struct zto_bytes){NULL, 0})

/* Protocol version (FDO 1.1). */
#define ZTO_PROTVER 101

#define ZTO_GUID_LEN 16
#define ZTO_NONCE_LEN 16

struct zto_guid {
    uint8_t b[ZTO_GUID_LEN];
};

struct zto_nonce {
    uint8_t b[ZTO_NONCE_LEN];
};

/* ---- Message types (FDO 1.1 section 4.0) ---- */
enum zto_msg_type {
    ZTO_MSG_DI_APP_START = 10,
    ZTO_MSG_DI_SET_CREDENTIALS = 11,
    ZTO_MSG_DI_SET_HMAC = 12,
    ZTO_MSG_DI_DONE = 13,
    ZTO_MSG_TO0_HELLO = 20,
    ZTO_MSG_TO0_HELLO_ACK = 21,
    ZTO_MSG_TO0_OWNER_SIGN = 22,
    ZTO_MSG_TO0_ACCEPT_OWNER = 23,
    ZTO_MSG_TO1_HELLO_RV = 30,
    ZTO_MSG_TO1_HELLO_RV_ACK = 31,
    ZTO_MSG_TO1_PROVE_TO_RV = 32,
    ZTO_MSG_TO1_RV_REDIRECT = 33,
    ZTO_MSG_TO2_HELLO_DEVICE = 60,
    ZTO_MSG_TO2_PROVE_OVHDR = 61,
    ZTO_MSG_TO2_GET_OVNEXT_ENTRY = 62,
    ZTO_MSG_TO2_OVNEXT_ENTRY = 63,
    ZTO_MSG_TO2_PROVE_DEVICE = 64,
    ZTO_MSG_TO2_SETUP_DEVICE = 65,
    ZTO_MSG_TO2_DEVICE_SVI_READY = 66,
    ZTO_MSG_TO2_OWNER_SVI_READY = 67,
    ZTO_MSG_TO2_DEVICE_SVI = 68,
    ZTO_MSG_TO2_OWNER_SVI = 69,
    ZTO_MSG_TO2_DONE = 70,
    ZTO_MSG_TO2_DONE2 = 71,
    ZTO_MSG_ERROR = 255
};

/* ---- ErrorMessage codes (section 4.5) ---- */
enum zto_wire_err {
    ZTO_WIRE_INVALID_JWT_TOKEN = 1,
    ZTO_WIRE_INVALID_OWNERSHIP_VOUCHER = 2,
    ZTO_WIRE_INVALID_OWNER_SIGN_BODY = 3,
    ZTO_WIRE_INVALID_IP_ADDRESS = 4,
    ZTO_WIRE_INVALID_GUID = 5,
    ZTO_WIRE_RESOURCE_NOT_FOUND = 6,
    ZTO_WIRE_MESSAGE_BODY_ERROR = 100,
    ZTO_WIRE_INVALID_MESSAGE_ERROR = 101,
    ZTO_WIRE_CRED_REUSE_ERROR = 102,
    ZTO_WIRE_INTERNAL_SERVER_ERROR = 500
};

/* ---- Hash / HMAC types (section 3) ---- */
enum zto_hash_type {
    ZTO_HASH_SHA256 = -16,
    ZTO_HASH_SHA384 = -43,
    ZTO_HMAC_SHA256 = 5,
    ZTO_HMAC_SHA384 = 6
};
#define ZTO_HASH_MAX_LEN 48

/* Hash = [hashtype, bstr]. `value` is a view. */
struct zto_hash {
    int32_t type;
    struct zto_bytes value;
};

/* A computed hash that owns its digest bytes. */
struct zto_hash_buf {
    int32_t type;
    size_t len;
    uint8_t value[ZTO_HASH_MAX_LEN];
};

/* ---- Public keys (section 3) ---- */
enum zto_pk_type {
    ZTO_PK_RSA2048RESTR = 1,
    ZTO_PK_RSAPKCS = 5,
    ZTO_PK_RSAPSS = 6,
    ZTO_PK_SECP256R1 = 10,
    ZTO_PK_SECP384R1 = 11
};

enum zto_pk_enc {
    ZTO_PKENC_CRYPTO = 0,
    ZTO_PKENC_X509 = 1,
    ZTO_PKENC_X5CHAIN = 2,
    ZTO_PKENC_COSEKEY = 3
};

/*
 * PublicKey = [pkType, pkEnc, pkBody].
 *   X509:    body = DER SubjectPublicKeyInfo (contents of the bstr)
 *   X5CHAIN: body = the CBOR array of bstr certificates, raw
 *   COSEKEY: body = the CBOR COSE_Key map, raw
 * `raw` is the whole PublicKey item as received (empty when built locally);
 * hashes such as DCPubKeyHash are taken over `raw` when it is set.
 */
struct zto_pubkey {
    int32_t type;
    int32_t enc;
    struct zto_bytes body;
    struct zto_bytes raw;
};

/* ---- SigInfo (section 3) ---- */
enum zto_sg_type {
    ZTO_SG_ES256 = -7,
    ZTO_SG_ES384 = -35,
    ZTO_SG_RS256 = -257,
    ZTO_SG_RS384 = -258,
    ZTO_SG_PS256 = -37,
    ZTO_SG_PS384 = -38,
    ZTO_SG_EPID10 = 90,
    ZTO_SG_EPID11 = 91
};

struct zto_siginfo {
    int32_t type;
    struct zto_bytes info;
};

/* ---- COSE algorithm ids (section 3, 8.6) ---- */
enum zto_cose_alg {
    ZTO_COSE_ES256 = -7,
    ZTO_COSE_ES384 = -35,
    ZTO_COSE_PS256 = -37,
    ZTO_COSE_PS384 = -38,
    ZTO_COSE_RS256 = -257,
    ZTO_COSE_RS384 = -258,
    ZTO_COSE_HMAC256 = 5,
    ZTO_COSE_HMAC384 = 6,
    ZTO_COSE_A128GCM = 1,
    ZTO_COSE_A256GCM = 3,
    ZTO_COSE_AES_CCM_16_128_128 = 30,
    ZTO_COSE_AES_CCM_16_128_256 = 31,
    ZTO_COSE_AES_CCM_64_128_128 = 32,
    ZTO_COSE_AES_CCM_64_128_256 = 33,
    ZTO_COSE_AES128CBC = -17760703,
    ZTO_COSE_AES128CTR = -17760704,
    ZTO_COSE_AES256CBC = -17760705,
    ZTO_COSE_AES256CTR = -17760706
};

/* COSE header labels used by FDO (section 3, 8.3). */
#define ZTO_COSE_HDR_ALG 1
#define ZTO_COSE_HDR_IV 5
#define ZTO_CUPH_NONCE 256
#define ZTO_CUPH_OWNER_PUBKEY 257
#define ZTO_EAT_NONCE 10
#define ZTO_EAT_UEID 256
#define ZTO_EAT_FDO (-257)
#define ZTO_EAT_MAROE_PREFIX (-258)
#define ZTO_EUPH_NONCE (-259)

/* CBOR tags. */
#define ZTO_TAG_COSE_SIGN1 18
#define ZTO_TAG_COSE_ENCRYPT0 16
#define ZTO_TAG_COSE_MAC0 17

/* ---- Key exchange suites (section 8.4) ---- */
enum zto_kex_suite {
    ZTO_KEX_NONE = 0,
    ZTO_KEX_ECDH256,
    ZTO_KEX_ECDH384,
    ZTO_KEX_DHKEXID14,
    ZTO_KEX_DHKEXID15,
    ZTO_KEX_ASYMKEX2048,
    ZTO_KEX_ASYMKEX3072
};

/* ---- Rendezvous (section 7) ---- */
enum zto_rv_var {
    ZTO_RV_DEV_ONLY = 0,
    ZTO_RV_OWNER_ONLY = 1,
    ZTO_RV_IP_ADDRESS = 2,
    ZTO_RV_DEV_PORT = 3,
    ZTO_RV_OWNER_PORT = 4,
    ZTO_RV_DNS = 5,
    ZTO_RV_SV_CERT_HASH = 6,
    ZTO_RV_CL_CERT_HASH = 7,
    ZTO_RV_USER_INPUT = 8,
    ZTO_RV_WIFI_SSID = 9,
    ZTO_RV_WIFI_PW = 10,
    ZTO_RV_MEDIUM = 11,
    ZTO_RV_PROTOCOL = 12,
    ZTO_RV_DELAYSEC = 13,
    ZTO_RV_BYPASS = 14,
    ZTO_RV_EXT_RV = 15
};

/* RVProtocolValue: protocol in RendezvousInfo. NOT TransportProtocol. */
enum zto_rv_prot {
    ZTO_RVPROT_REST = 0,
    ZTO_RVPROT_HTTP = 1,
    ZTO_RVPROT_HTTPS = 2,
    ZTO_RVPROT_TCP = 3,
    ZTO_RVPROT_TLS = 4,
    ZTO_RVPROT_COAP_TCP = 5,
    ZTO_RVPROT_COAP_UDP = 6
};

/* TransportProtocol: protocol in RVTO2Addr. NOT RVProtocolValue. */
enum zto_transport_prot {
    ZTO_TPROT_TCP = 1,
    ZTO_TPROT_TLS = 2,
    ZTO_TPROT_HTTP = 3,
    ZTO_TPROT_COAP = 4,
    ZTO_TPROT_HTTPS = 5,
    ZTO_TPROT_COAPS = 6
};

/* ServiceInfo default MTU when a peer sends null (section 10.2). */
#define ZTO_SVI_DEFAULT_MTU 1300

#ifdef __cplusplus
}
#endif
#endif /* ZTO_TYPES_H */
