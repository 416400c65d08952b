/*
 * zto_cose.h - the COSE profile FDO uses (FDO 1.1 section 8.2, 8.6;
 * RFC 9052): COSE_Sign1 (tag 18), COSE_Encrypt0 (tag 16), COSE_Mac0
 * (tag 17). Tags are mandatory on input and output.
 *
 * Signatures are computed over Sig_structure =
 *   ["Signature1", protected-bstr, h'', payload-bstr]
 * which is hashed as it is produced, so no scratch copy is needed, and
 * always over the bytes as received.
 */
#ifndef ZTO_COSE_H
#define ZTO_COSE_H

#include "zto_cbor.h"
#include "zto_crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct zto_cose_sign1 {
    struct zto_bytes protected_hdr; /* content of the protected bstr */
    int32_t alg;                    /* label 1 of the protected map */
    struct zto_bytes unprotected;   /* raw CBOR of the unprotected map */
    struct zto_bytes payload;       /* content of the payload bstr */
    struct zto_bytes signature;
    struct zto_bytes raw;           /* the whole tagged item */
};

/* Decode a tagged COSE_Sign1 from a cursor / a whole buffer. The
 * protected map must hold alg (label 1) and nothing the profile forbids;
 * the payload must be present (not detached). */
ZTO_MUST_CHECK zto_err_t zto_cose_sign1_dec(struct zto_cbor_dec *d,
                                            struct zto_cose_sign1 *s);
ZTO_MUST_CHECK zto_err_t zto_cose_sign1_decode(const uint8_t *buf, size_t len,
                                               struct zto_cose_sign1 *s);

/* Verify with a key / a wire PublicKey. The alg must suit the key (an
 * ES384 signature is refused for a P-256 key). */
ZTO_MUST_CHECK zto_err_t zto_cose_sign1_verify(const struct zto_cose_sign1 *s,
                                               const struct zto_key *key);
ZTO_MUST_CHECK zto_err_t zto_cose_sign1_verify_pubkey(
    const struct zto_cose_sign1 *s, const struct zto_pubkey *pk);

/* Look up an int label in the unprotected map; *value views its raw CBOR.
 * ZTO_E_NOT_FOUND if absent. */
ZTO_MUST_CHECK zto_err_t zto_cose_unprotected_get(
    const struct zto_cose_sign1 *s, int64_t label, struct zto_bytes *value);

/*
 * Produce a COSE_Sign1 in place:
 *   zto_cose_sign1_begin(e, &m, signer->alg, unprot_map_cbor);
 *   ... encode the payload CBOR with e ...
 *   zto_cose_sign1_end(e, &m, signer);
 * `unprotected` is the raw CBOR of the unprotected map (ZTO_BYTES_NULL
 * writes an empty map {}).
 */
struct zto_cose_sign1_mark {
    struct zto_cbor_mark payload;
    size_t prot_off, prot_len;
};

void zto_cose_sign1_begin(struct zto_cbor_enc *e,
                          struct zto_cose_sign1_mark *m, int32_t alg,
                          struct zto_bytes unprotected);
ZTO_MUST_CHECK zto_err_t zto_cose_sign1_end(struct zto_cbor_enc *e,
                                            struct zto_cose_sign1_mark *m,
                                            const struct zto_signer *signer);

/* One-shot form for a payload already encoded elsewhere. */
ZTO_MUST_CHECK zto_err_t zto_cose_sign1_sign(struct zto_cbor_enc *e,
                                             const struct zto_signer *signer,
                                             struct zto_bytes unprotected,
                                             struct zto_bytes payload);

/* ---- Mac0 (tag 17): ["MAC0", protected, h'', payload] under HMAC ---- */
ZTO_MUST_CHECK zto_err_t zto_cose_mac0_encode(struct zto_cbor_enc *e,
                                              int32_t alg, const uint8_t *key,
                                              size_t key_len,
                                              struct zto_bytes payload);
/* Verify (constant time) and return a view of the payload. */
ZTO_MUST_CHECK zto_err_t zto_cose_mac0_verify(const uint8_t *buf, size_t len,
                                              int32_t alg, const uint8_t *key,
                                              size_t key_len,
                                              struct zto_bytes *payload);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_COSE_H */
