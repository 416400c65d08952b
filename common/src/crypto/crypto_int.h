/*
 * crypto_int.h - private helpers shared by the OpenSSL back-end files.
 * Never installed; only common/src/crypto/ and common/src/cose/ use it.
 */
#ifndef ZTO_CRYPTO_INT_H
#define ZTO_CRYPTO_INT_H

#include <openssl/evp.h>

#include "zto/zto_crypto.h"

/* EVP digest for a hash or HMAC type (SHA-256 for -16 and 5, ...). */
const EVP_MD *ossl_md(int32_t type);

/* Fill the zto_key fields from an EVP_PKEY (takes ownership). */
zto_err_t ossl_key_wrap(EVP_PKEY *pk, bool has_private, struct zto_key *out);

/* Bytes of one ECDSA coordinate for a curve size in bits. */
size_t ossl_ec_field_len(unsigned bits);

/* A DER SubjectPublicKeyInfo (all n bytes) of an EC P-256 or P-384 key
 * with a named curve: its type, size and point (the BIT STRING's
 * content). ZTO_E_KEY for anything else. cert_der.c */
zto_err_t ossl_spki_ec_point(const uint8_t *der, size_t n, int32_t *pk_type,
                             unsigned *bits, struct zto_bytes *point);

#endif
