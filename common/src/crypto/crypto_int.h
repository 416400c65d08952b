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

#endif
