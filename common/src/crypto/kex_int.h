/*
 * kex_int.h - private interface between kex.c (suite dispatch) and the
 * per-family files kex_ecdh.c, kex_dh.c and kex_asym.c. Never installed.
 *
 * Each family fills the plain-bytes state of struct zto_kex in start(),
 * writes its own exchange parameter in param() and combines it with the
 * peer's in derive(). kex.c has already checked suite, role and the
 * output pointers.
 */
#ifndef ZTO_KEX_INT_H
#define ZTO_KEX_INT_H

#include "zto/zto_kex.h"

zto_err_t kex_ecdh_start(struct zto_kex *k);
zto_err_t kex_ecdh_param(const struct zto_kex *k, uint8_t *out, size_t cap,
                         size_t *out_len);
zto_err_t kex_ecdh_derive(const struct zto_kex *k, const uint8_t *peer,
                          size_t peer_len, uint8_t *shse, size_t cap,
                          size_t *shse_len);

zto_err_t kex_dh_start(struct zto_kex *k);
zto_err_t kex_dh_param(const struct zto_kex *k, uint8_t *out, size_t cap,
                       size_t *out_len);
zto_err_t kex_dh_derive(const struct zto_kex *k, const uint8_t *peer,
                        size_t peer_len, uint8_t *shse, size_t cap,
                        size_t *shse_len);

zto_err_t kex_asym_start(struct zto_kex *k);
zto_err_t kex_asym_param(const struct zto_kex *k,
                         const struct zto_key *owner_pub, uint8_t *out,
                         size_t cap, size_t *out_len);
zto_err_t kex_asym_derive(const struct zto_kex *k, const uint8_t *peer,
                          size_t peer_len, const struct zto_key *owner_priv,
                          uint8_t *shse, size_t shse_cap, size_t *shse_len,
                          uint8_t *ctx_rand, size_t ctx_cap, size_t *ctx_len);

#endif
