/*
 * zto_kex.h - TO2 key exchange (FDO 1.1 section 8.4), the FDO KDF (8.5)
 * and the encrypted tunnel for messages 65..71 (8.6).
 *
 * Party A is the owner (sends xA in TO2.ProveOVHdr), party B the device
 * (sends xB in TO2.ProveDevice). All state is plain bytes so an owner can
 * keep a session in its database between messages; zto_kex_wipe() and
 * zto_tunnel_wipe() zeroize it.
 *
 * Widths on the wire: ECDH coordinates and Shx are fixed (32/48 bytes);
 * peer coordinates shorter than that are left-padded. DH xA/xB and ShSe
 * are left-padded to the modulus (256/384 bytes), as go-fdo does; a peer
 * that strips leading zeros from ShSe derives other keys in about 1 of
 * 256 sessions.
 */
#ifndef ZTO_KEX_H
#define ZTO_KEX_H

#include "zto_crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

enum zto_kex_role { ZTO_KEX_OWNER = 1, ZTO_KEX_DEVICE = 2 };

/* Largest xA / xB on the wire (DHKEXid15: 384 bytes; ASYMKEX3072: 384). */
#define ZTO_KEX_PARAM_MAX 400
/* Largest shared secret ShSe (DHKEXid15: 384 bytes). */
#define ZTO_KEX_SHSE_MAX 384

struct zto_kex {
    int suite;  /* enum zto_kex_suite */
    int role;   /* enum zto_kex_role */
    /* Own ephemeral secret: EC scalar, DH exponent (big-endian), or the
     * ASYMKEX random. */
    uint8_t secret[ZTO_KEX_SHSE_MAX];
    size_t secret_len;
    /* Own random for ECDH (16 or 48 bytes); unused otherwise. */
    uint8_t random[48];
    size_t random_len;
};

/* Suite name <-> id ("ECDH256", "ECDH384", "DHKEXid14", "DHKEXid15",
 * "ASYMKEX2048", "ASYMKEX3072", exact case). */
ZTO_MUST_CHECK zto_err_t zto_kex_suite_from_name(const uint8_t *name,
                                                 size_t len, int *suite);
const char *zto_kex_suite_name(int suite);

/* Whether a suite may be used between a device key and an owner key of
 * the given pk types/sizes (section 8.1 table): ZTO_OK, ZTO_E_KEY when the
 * keys do not fit the suite, ZTO_E_UNSUPPORTED for an unknown suite. */
ZTO_MUST_CHECK zto_err_t zto_kex_suite_allowed(int suite,
                                               const struct zto_key *device,
                                               const struct zto_key *owner);

/* Generate own ephemeral values for suite in role. */
ZTO_MUST_CHECK zto_err_t zto_kex_start(struct zto_kex *k, int suite,
                                       int role);

/* Own exchange parameter: xA (owner) or xB (device). For ASYMKEX the
 * device encrypts its random to the owner's RSA key `owner_pub`; other
 * suites ignore it. */
ZTO_MUST_CHECK zto_err_t zto_kex_param(const struct zto_kex *k,
                                       const struct zto_key *owner_pub,
                                       uint8_t *out, size_t cap,
                                       size_t *out_len);

/* Combine with the peer's parameter into ShSe and ContextRand.
 * For ASYMKEX the owner decrypts xB with `owner_priv`; the device passes
 * xA as the peer parameter. Peer values are validated (point on curve,
 * DH value in [2, p-2], sizes). */
ZTO_MUST_CHECK zto_err_t zto_kex_derive(const struct zto_kex *k,
                                        const uint8_t *peer, size_t peer_len,
                                        const struct zto_key *owner_priv,
                                        uint8_t *shse, size_t shse_cap,
                                        size_t *shse_len, uint8_t *ctx_rand,
                                        size_t ctx_cap, size_t *ctx_len);

void zto_kex_wipe(struct zto_kex *k);

/* FDO KDF: NIST SP 800-108 counter mode, 8-bit counter, L in bits as two
 * bytes, label "FIDO-KDF", context "AutomaticOnboardTunnel" || ctx_rand.
 * `prf` is ZTO_HMAC_SHA256 or ZTO_HMAC_SHA384. */
ZTO_MUST_CHECK zto_err_t zto_kdf(int32_t prf, const uint8_t *shse,
                                 size_t shse_len, const uint8_t *ctx_rand,
                                 size_t ctx_len, uint8_t *out, size_t out_len);

/* ---- Tunnel ----
 * Suites: A128GCM (1) and A256GCM (3), the interoperable default;
 * AES-CCM 30..33; COSEAES128CBC/CTR and COSEAES256CBC/CTR (-17760703 ..
 * -17760706) in go-fdo's Mac0-over-Encrypt0 layout, which only go-fdo-style
 * peers understand. Encrypt-then-MAC keys: SEK 16 + SVK 16 bytes
 * (HMAC-SHA256 KDF) or SEK 32 + SVK 32 bytes (HMAC-SHA384 KDF). */
struct zto_tunnel {
    int32_t cipher;     /* COSE alg id of the cipher suite */
    uint8_t key[32];    /* SEVK (AEAD) or SEK (encrypt-then-MAC) */
    size_t key_len;
    uint8_t mac_key[64]; /* SVK (encrypt-then-MAC only) */
    size_t mac_key_len;
};

/* Whether this build supports a cipher suite id. */
bool zto_tunnel_cipher_supported(int32_t cipher);

/* Derive session keys from ShSe / ContextRand for `cipher`. */
ZTO_MUST_CHECK zto_err_t zto_tunnel_setup(struct zto_tunnel *t, int32_t cipher,
                                          const uint8_t *shse, size_t shse_len,
                                          const uint8_t *ctx_rand,
                                          size_t ctx_len);

/* Wrap a plaintext message body into COSE_Encrypt0 (AEAD suites) or the
 * Mac0-over-Encrypt0 form (CBC/CTR suites). A fresh random IV per
 * message. `out` must not overlap `pt`. */
ZTO_MUST_CHECK zto_err_t zto_tunnel_seal(const struct zto_tunnel *t,
                                         const uint8_t *pt, size_t pt_len,
                                         uint8_t *out, size_t cap,
                                         size_t *out_len);
/* Verify and decrypt; checks the alg in the protected header equals the
 * negotiated suite (ZTO_E_PROTO if not). ZTO_E_MAC when authentication
 * fails; nothing unauthenticated is left in `out`. `out` must not overlap
 * `in`. */
ZTO_MUST_CHECK zto_err_t zto_tunnel_open(const struct zto_tunnel *t,
                                         const uint8_t *in, size_t in_len,
                                         uint8_t *out, size_t cap,
                                         size_t *out_len);
/* Bytes added by seal() to a plaintext of n bytes (upper bound). */
size_t zto_tunnel_overhead(int32_t cipher, size_t n);

void zto_tunnel_wipe(struct zto_tunnel *t);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_KEX_H */
