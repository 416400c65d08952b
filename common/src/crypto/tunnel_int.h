/*
 * tunnel_int.h - private interface of the TO2 tunnel: the cipher suite
 * table (tunnel.c) and the two framings, COSE_Encrypt0 for AEAD suites
 * (tunnel_aead.c) and Mac0-over-Encrypt0 for encrypt-then-MAC suites
 * (tunnel_etm.c). Never installed; tests include it for the fixed-IV
 * hook.
 */
#ifndef ZTO_TUNNEL_INT_H
#define ZTO_TUNNEL_INT_H

#include "zto/zto_cbor.h"
#include "zto/zto_kex.h"

enum tunnel_mode { TUNNEL_GCM = 1, TUNNEL_CCM, TUNNEL_CBC, TUNNEL_CTR };

#define TUNNEL_TAG_LEN 16 /* AEAD tag */
#define TUNNEL_IV_MAX 16

struct tunnel_suite {
    int32_t id;         /* cipherSuiteName (section 8.6) */
    int mode;           /* enum tunnel_mode */
    size_t key_len;     /* SEVK or SEK */
    size_t mac_key_len; /* SVK; 0 for AEAD */
    int32_t prf;        /* KDF PRF: ZTO_HMAC_SHA256 / ZTO_HMAC_SHA384 */
    size_t iv_len;      /* nonce / IV bytes in header label 5 */
    int32_t mac_alg;    /* outer Mac0 alg (encrypt-then-MAC only) */
    int32_t inner_alg;  /* inner Encrypt0 alg (encrypt-then-MAC only) */
};

/* The suite for a cipherSuiteName, or NULL. */
const struct tunnel_suite *tunnel_suite_of(int32_t id);

/* Reserve n bytes at the end of the encoder's output and return them for
 * the caller to fill (ciphertext written in place); NULL on failure, with
 * the encoder's sticky error set. */
uint8_t *tunnel_reserve(struct zto_cbor_enc *e, size_t n);

/* Decode a protected header bstr that must be exactly {1: alg}. */
zto_err_t tunnel_get_alg(struct zto_cbor_dec *d, int32_t *alg,
                         struct zto_bytes *prot);
/* Content of the protected bstr {1: alg}; returns its length or 0. */
size_t tunnel_alg_header(int32_t alg, uint8_t *buf, size_t cap);

zto_err_t tunnel_aead_seal(const struct tunnel_suite *s,
                           const struct zto_tunnel *t, const uint8_t *iv,
                           const uint8_t *pt, size_t pt_len,
                           struct zto_cbor_enc *e);
zto_err_t tunnel_aead_open(const struct tunnel_suite *s,
                           const struct zto_tunnel *t, const uint8_t *in,
                           size_t in_len, uint8_t *out, size_t cap,
                           size_t *out_len);
zto_err_t tunnel_etm_seal(const struct tunnel_suite *s,
                          const struct zto_tunnel *t, const uint8_t *iv,
                          const uint8_t *pt, size_t pt_len,
                          struct zto_cbor_enc *e);
zto_err_t tunnel_etm_open(const struct tunnel_suite *s,
                          const struct zto_tunnel *t, const uint8_t *in,
                          size_t in_len, uint8_t *out, size_t cap,
                          size_t *out_len);

/*
 * zto_tunnel_seal() with a caller-chosen IV of the suite's IV length.
 * For known-answer tests only: reusing an IV under one key breaks GCM
 * and CCM completely.
 */
zto_err_t zto_tunnel_seal_iv(const struct zto_tunnel *t, const uint8_t *iv,
                             size_t iv_len, const uint8_t *pt, size_t pt_len,
                             uint8_t *out, size_t cap, size_t *out_len);

#endif
