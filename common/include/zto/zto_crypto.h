/*
 * zto_crypto.h - crypto primitives used by the protocol.
 *
 * One back end per build (crypto_openssl.c today). Key objects wrap a back
 * end handle: zto_key_free() releases it; the library itself never calls
 * malloc (the back end may). Everything secret is zeroized on release.
 *
 * ECDSA signatures are the COSE form: r || s, each left-padded to the curve
 * size (64 bytes for P-256, 96 for P-384), never DER.
 */
#ifndef ZTO_CRYPTO_H
#define ZTO_CRYPTO_H

#include "zto_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Randomness ---- */
ZTO_MUST_CHECK zto_err_t zto_random(uint8_t *out, size_t n);

/* ---- Hashes and HMACs ----
 * `type` is an enum zto_hash_type: SHA-256/384 for hashes, HMAC-SHA256/384
 * for HMACs. */
size_t zto_hash_size(int32_t type); /* 32, 48, or 0 if unknown */

struct zto_digest {
    int32_t type;
    void *impl;
};

ZTO_MUST_CHECK zto_err_t zto_digest_start(struct zto_digest *d, int32_t type);
ZTO_MUST_CHECK zto_err_t zto_digest_update(struct zto_digest *d,
                                           const void *p, size_t n);
/* Finishes and releases the context (also on failure). */
ZTO_MUST_CHECK zto_err_t zto_digest_finish(struct zto_digest *d,
                                           struct zto_hash_buf *out);
void zto_digest_abort(struct zto_digest *d);

ZTO_MUST_CHECK zto_err_t zto_hash(int32_t type, const void *p, size_t n,
                                  struct zto_hash_buf *out);
/* ZTO_OK if expected = H(p), ZTO_E_HASH if not, ZTO_E_UNSUPPORTED for an
 * unknown type. */
ZTO_MUST_CHECK zto_err_t zto_hash_check(const struct zto_hash *expected,
                                        const void *p, size_t n);

ZTO_MUST_CHECK zto_err_t zto_hmac(int32_t type, const uint8_t *key,
                                  size_t key_len, const void *p, size_t n,
                                  struct zto_hash_buf *out);
/* Constant-time compare; ZTO_E_MAC on mismatch. */
ZTO_MUST_CHECK zto_err_t zto_hmac_check(const struct zto_hash *expected,
                                        const uint8_t *key, size_t key_len,
                                        const void *p, size_t n);

/* ---- Keys ---- */
struct zto_key {
    void *impl;       /* back end handle (EVP_PKEY *) */
    int32_t pk_type;  /* enum zto_pk_type */
    unsigned bits;    /* 256, 384, 2048, 3072 */
    bool has_private;
};

void zto_key_init(struct zto_key *k);
void zto_key_free(struct zto_key *k);

/* From a wire PublicKey: X509 SPKI, leaf of X5CHAIN, or COSE_Key (EC2).
 * pk_type of the result is the PublicKey's pkType (checked against the
 * key: curve for EC, RSA for RSA types). */
ZTO_MUST_CHECK zto_err_t zto_key_from_pubkey(const struct zto_pubkey *pk,
                                             struct zto_key *out);
ZTO_MUST_CHECK zto_err_t zto_key_from_spki_der(const uint8_t *der, size_t n,
                                               struct zto_key *out);
ZTO_MUST_CHECK zto_err_t zto_key_from_cert_der(const uint8_t *der, size_t n,
                                               struct zto_key *out);
/* PKCS#8, SEC1 (EC) or PKCS#1 (RSA) DER private key. */
ZTO_MUST_CHECK zto_err_t zto_key_from_private_der(const uint8_t *der,
                                                  size_t n,
                                                  struct zto_key *out);
/* Any PEM the back end understands: private key, public key or
 * certificate (first block). */
ZTO_MUST_CHECK zto_err_t zto_key_from_pem(const char *pem, size_t n,
                                          struct zto_key *out);
/* Fresh key: ZTO_PK_SECP256R1/384R1, RSA types with bits 2048/3072. */
ZTO_MUST_CHECK zto_err_t zto_key_generate(int32_t pk_type, unsigned bits,
                                          struct zto_key *out);

ZTO_MUST_CHECK zto_err_t zto_key_spki_der(const struct zto_key *k,
                                          uint8_t *buf, size_t cap,
                                          size_t *out_len);
ZTO_MUST_CHECK zto_err_t zto_key_private_der(const struct zto_key *k,
                                             uint8_t *buf, size_t cap,
                                             size_t *out_len);
/* PKCS#8 PEM of the private key / SPKI PEM of the public key. */
ZTO_MUST_CHECK zto_err_t zto_key_private_pem(const struct zto_key *k,
                                             char *buf, size_t cap,
                                             size_t *out_len);
ZTO_MUST_CHECK zto_err_t zto_key_public_pem(const struct zto_key *k,
                                            char *buf, size_t cap,
                                            size_t *out_len);

/* Encode k as a wire PublicKey with encoding X509 or COSEKEY; the body
 * lives in buf, pk views it (pk->raw stays empty). */
ZTO_MUST_CHECK zto_err_t zto_key_to_pubkey(const struct zto_key *k,
                                           int32_t enc, uint8_t *buf,
                                           size_t cap, struct zto_pubkey *pk);

/* ZTO_OK if both hold the same public key, ZTO_E_KEY_MISMATCH if not.
 * Compares keys, not encodings. */
ZTO_MUST_CHECK zto_err_t zto_key_equal(const struct zto_key *a,
                                       const struct zto_key *b);
/* Same for two wire PublicKeys (any encodings). */
ZTO_MUST_CHECK zto_err_t zto_pubkey_equal(const struct zto_pubkey *a,
                                          const struct zto_pubkey *b);

/* Default COSE signature alg for a key: ES256/ES384 for EC, RS256/RS384
 * for RSA2048RESTR/RSAPKCS by size, PS256/PS384 for RSAPSS. */
int32_t zto_key_sig_alg(const struct zto_key *k);
/* Hash (SHA-256/384) and HMAC types matching a key's strength. */
int32_t zto_key_hash_type(const struct zto_key *k);
int32_t zto_key_hmac_type(const struct zto_key *k);
/* SHA-256/384 used by a COSE signature alg; 0 if unknown. */
int32_t zto_alg_hash_type(int32_t alg);

/* ---- Signatures over a precomputed digest ---- */
ZTO_MUST_CHECK zto_err_t zto_sign_digest(const struct zto_key *k, int32_t alg,
                                         const uint8_t *dg, size_t dg_len,
                                         uint8_t *sig, size_t cap,
                                         size_t *sig_len);
/* ZTO_E_SIGNATURE when it does not verify, ZTO_E_KEY when alg does not fit
 * the key. */
ZTO_MUST_CHECK zto_err_t zto_verify_digest(const struct zto_key *k,
                                           int32_t alg, const uint8_t *dg,
                                           size_t dg_len, const uint8_t *sig,
                                           size_t sig_len);

/*
 * A signer signs digests with a key it may keep elsewhere (file, TPM,
 * secure element, another process). `alg` is the COSE alg it produces;
 * `pub` (optional) is its public key for checks such as "is this signer the
 * current owner".
 */
typedef zto_err_t (*zto_sign_fn)(void *ctx, int32_t alg, const uint8_t *dg,
                                 size_t dg_len, uint8_t *sig, size_t cap,
                                 size_t *sig_len);

struct zto_signer {
    zto_sign_fn sign;
    void *ctx;
    int32_t alg;
    const struct zto_key *pub;
};

/* A signer backed by an in-memory key (k must outlive the signer). */
void zto_signer_from_key(struct zto_signer *s, const struct zto_key *k);

/* ---- Certification requests (PKCS#10, RFC 2986) ----
 * zto_csr_create(): a DER request with subject CN=cn (1..64 bytes UTF-8)
 * for k's public key, self-signed with k (ECDSA/RSA with SHA-256 or
 * SHA-384 by key strength). Used at DI (section 4.1) for DeviceMfgInfo.
 * zto_csr_verify(): parse a DER request (no trailing bytes), check its
 * self-signature and return its public key in out (ZTO_E_CERT when it
 * does not parse, ZTO_E_SIGNATURE when the signature is wrong). */
ZTO_MUST_CHECK zto_err_t zto_csr_create(const struct zto_key *k,
                                        const char *cn, size_t cn_len,
                                        uint8_t *buf, size_t cap,
                                        size_t *out_len);
ZTO_MUST_CHECK zto_err_t zto_csr_verify(const uint8_t *der, size_t n,
                                        struct zto_key *out);
/* zto_csr_parse(): a request from a peer asking for a certificate (the
 * fdo.csr ServiceInfo module): as zto_csr_verify(), and also the
 * signature must use SHA-256 or stronger (ZTO_E_UNSUPPORTED if not) and
 * the key must be one FDO knows (P-256, P-384, RSA 2048/3072; ZTO_E_KEY
 * if not). With check_sig false the signature is not checked at all
 * (server-side key generation ignores it). subj gets the DER subject
 * Name (may be an empty sequence). */
ZTO_MUST_CHECK zto_err_t zto_csr_parse(const uint8_t *der, size_t n,
                                       bool check_sig, struct zto_key *out,
                                       uint8_t *subj, size_t cap,
                                       size_t *subj_len);

/* ---- Certificates ---- */
/* Verify a chain (leaf first) up to one of the roots; with no roots, up to
 * its own last certificate (which must be self-signed). ZTO_E_CERT if not.
 * Validity periods are checked against the current time. The anchor's
 * own signature is checked too. */
ZTO_MUST_CHECK zto_err_t zto_cert_chain_verify(const struct zto_bytes *chain,
                                               size_t n,
                                               const struct zto_bytes *roots,
                                               size_t nroots);

/* A certificate decoded once, to be used many times: OpenSSL 3 spends
 * more on decoding an X.509 certificate (its key above all) than on
 * verifying one signature, so a server that checks the chains of many
 * devices keeps the CA certificates they share decoded. */
struct zto_cert {
    void *impl; /* back end handle (X509 *) */
};

void zto_cert_init(struct zto_cert *c);
void zto_cert_free(struct zto_cert *c);
/* One DER certificate, no trailing bytes (ZTO_E_CERT). */
ZTO_MUST_CHECK zto_err_t zto_cert_parse(const uint8_t *der, size_t n,
                                        struct zto_cert *out);
/* Its public key, as zto_key_from_cert_der() gives it. */
ZTO_MUST_CHECK zto_err_t zto_cert_key(const struct zto_cert *c,
                                      struct zto_key *out);
/* ZTO_OK if the certificate is self-issued and its signature verifies
 * with its own key; ZTO_E_CERT if not. */
ZTO_MUST_CHECK zto_err_t zto_cert_self_signed(const struct zto_cert *c);
/* Verify chain[0..n-1] (leaf first) up to one of the anchors, validity
 * periods against the current time. Anchors are trusted as given: their
 * own signatures are not checked here (check a self-signed anchor once
 * with zto_cert_self_signed()). ZTO_E_CERT if the chain does not
 * verify. */
ZTO_MUST_CHECK zto_err_t
zto_cert_chain_verify_parsed(const struct zto_cert *chain, size_t n,
                             const struct zto_cert *const *anchors,
                             size_t nanchors);

/* The type and size of a DER certificate's key (pk_type and bits as
 * zto_key_from_cert_der() would set them) read from its
 * SubjectPublicKeyInfo without decoding the certificate, for EC P-256
 * and P-384 keys with a named curve. ZTO_E_KEY for another key (decode
 * the certificate then), ZTO_E_CERT if the DER does not go as far; the
 * certificate is not checked beyond that (zto_cert_parse() does). */
ZTO_MUST_CHECK zto_err_t zto_cert_key_type(const uint8_t *der, size_t n,
                                           int32_t *pk_type, unsigned *bits);

/* What a certificate says about itself. */
struct zto_cert_info {
    uint8_t serial[20]; /* big-endian, without leading zero bytes */
    size_t serial_len;
    int64_t not_before, not_after; /* Unix seconds */
    bool is_ca;                    /* basicConstraints CA (or v1 root) */
    char subject[256];             /* RFC 2253 text, cut to fit */
};

/* Parse one DER certificate (no trailing bytes; ZTO_E_CERT if it does
 * not parse or its serial is longer than 20 bytes). */
ZTO_MUST_CHECK zto_err_t zto_cert_info(const uint8_t *der, size_t n,
                                       struct zto_cert_info *info);

/* Profiles of certificates this suite issues. */
enum zto_cert_profile {
    /* FDO device attestation (DI): digitalSignature. */
    ZTO_CERT_DEVICE = 0,
    /* Operational device certificate (fdo.csr): digitalSignature (and
     * keyEncipherment for RSA keys), extendedKeyUsage clientAuth. */
    ZTO_CERT_OPERATIONAL = 1,
    /* A CA (tests and demos): keyCertSign, cRLSign, CA:TRUE. */
    ZTO_CERT_CA = 2
};

struct zto_cert_tmpl {
    /* Subject: a DER Name (subject_len > 0), else CN = cn (1..64 bytes
     * UTF-8). */
    const uint8_t *subject;
    size_t subject_len;
    const char *cn;
    size_t cn_len;
    int64_t now;   /* Unix seconds; notBefore is an hour earlier */
    unsigned days; /* notAfter = now + days */
    int profile;   /* enum zto_cert_profile */
    /* When > 0, used instead of the above (an issuer clamps the
     * validity to its own); notAfter must be later than notBefore. */
    int64_t not_before, not_after;
};

/*
 * Issue an X.509 v3 certificate for subject_key's public key, signed by
 * ca_key (SHA-256, or SHA-384 for P-384 and RSA-3072 issuers) with a
 * random 128-bit serial, subject and authority key identifiers. The
 * issuer is the subject of ca_der, or the new certificate itself when
 * ca_der is NULL (self-signed: subject_key must be ca_key). DER into out.
 */
ZTO_MUST_CHECK zto_err_t zto_cert_issue(const struct zto_key *ca_key,
                                        const uint8_t *ca_der, size_t ca_len,
                                        const struct zto_key *subject_key,
                                        const struct zto_cert_tmpl *t,
                                        uint8_t *out, size_t cap,
                                        size_t *out_len);

/* ---- PKCS#7 "certs-only" (RFC 8551 section 3.8: a SignedData with no
 * content and no signers; application/pkcs7-mime; smime-type=certs-only)
 * ----
 * encode: the n DER certificates, in order.
 * decode: DER without trailing bytes; each certificate is re-encoded
 * into buf back to back and certs[i] views it; at most max of them
 * (ZTO_E_TOO_BIG beyond), at least one (ZTO_E_CERT if none). */
ZTO_MUST_CHECK zto_err_t zto_p7_certs_encode(const struct zto_bytes *certs,
                                             size_t n, uint8_t *out,
                                             size_t cap, size_t *out_len);
ZTO_MUST_CHECK zto_err_t zto_p7_certs_decode(const uint8_t *der, size_t n,
                                             uint8_t *buf, size_t cap,
                                             struct zto_bytes *certs,
                                             size_t max, size_t *count);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_CRYPTO_H */
