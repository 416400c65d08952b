/*
 * kex.c - TO2 key exchange front end (FDO 1.1 sections 8.1, 8.4): suite
 * names, which suite fits which keys, and dispatch to the ECDH, DH and
 * ASYMKEX implementations.
 */
#include <string.h>

#include "kex_int.h"
#include "zto/zto_util.h"

static const struct {
    int suite;
    const char *name;
} suite_names[] = {
    {ZTO_KEX_ECDH256, "ECDH256"},         {ZTO_KEX_ECDH384, "ECDH384"},
    {ZTO_KEX_DHKEXID14, "DHKEXid14"},     {ZTO_KEX_DHKEXID15, "DHKEXid15"},
    {ZTO_KEX_ASYMKEX2048, "ASYMKEX2048"}, {ZTO_KEX_ASYMKEX3072, "ASYMKEX3072"},
};

#define N_SUITES (sizeof(suite_names) / sizeof(suite_names[0]))

zto_err_t
zto_kex_suite_from_name(const uint8_t *name, size_t len, int *suite)
{
    size_t i;

    if (name == NULL && len > 0)
        return ZTO_E_ARG;
    for (i = 0; i < N_SUITES; i++) {
        if (strlen(suite_names[i].name) == len &&
            memcmp(suite_names[i].name, name, len) == 0) {
            *suite = suite_names[i].suite;
            return ZTO_OK;
        }
    }
    return ZTO_E_UNSUPPORTED;
}

const char *
zto_kex_suite_name(int suite)
{
    size_t i;

    for (i = 0; i < N_SUITES; i++)
        if (suite_names[i].suite == suite)
            return suite_names[i].name;
    return NULL;
}

static bool
is_ec(const struct zto_key *k, unsigned bits)
{
    return (k->pk_type == ZTO_PK_SECP256R1 && bits == 256 && k->bits == 256) ||
           (k->pk_type == ZTO_PK_SECP384R1 && bits == 384 && k->bits == 384);
}

static bool
is_rsa(const struct zto_key *k, unsigned bits)
{
    return (k->pk_type == ZTO_PK_RSA2048RESTR || k->pk_type == ZTO_PK_RSAPKCS ||
            k->pk_type == ZTO_PK_RSAPSS) &&
           k->bits == bits;
}

/*
 * Section 8.1: the suite follows the owner key (P-256 -> ECDH256, P-384 ->
 * ECDH384, RSA-2048 -> DHKEXid14/ASYMKEX2048, RSA-3072 ->
 * DHKEXid15/ASYMKEX3072); the "not recommended" cross-size rows are
 * allowed. The table only lists EC device keys; RSA device keys (which
 * some owners accept) are let through and judged by the owner key alone.
 */
zto_err_t
zto_kex_suite_allowed(int suite, const struct zto_key *device,
                      const struct zto_key *owner)
{
    bool dev_ok, own_ok;

    if (device == NULL || owner == NULL)
        return ZTO_E_ARG;
    if (zto_kex_suite_name(suite) == NULL)
        return ZTO_E_UNSUPPORTED;
    dev_ok = is_ec(device, 256) || is_ec(device, 384) || is_rsa(device, 2048) ||
             is_rsa(device, 3072);
    switch (suite) {
    case ZTO_KEX_ECDH256:
        own_ok = is_ec(owner, 256);
        break;
    case ZTO_KEX_ECDH384:
        own_ok = is_ec(owner, 384);
        break;
    case ZTO_KEX_DHKEXID14:
    case ZTO_KEX_ASYMKEX2048:
        own_ok = is_rsa(owner, 2048);
        break;
    default: /* DHKEXid15, ASYMKEX3072 */
        own_ok = is_rsa(owner, 3072);
        break;
    }
    return dev_ok && own_ok ? ZTO_OK : ZTO_E_KEY;
}

zto_err_t
zto_kex_start(struct zto_kex *k, int suite, int role)
{
    zto_err_t r;

    if (k == NULL || (role != ZTO_KEX_OWNER && role != ZTO_KEX_DEVICE))
        return ZTO_E_ARG;
    zto_kex_wipe(k);
    k->suite = suite;
    k->role = role;
    switch (suite) {
    case ZTO_KEX_ECDH256:
    case ZTO_KEX_ECDH384:
        r = kex_ecdh_start(k);
        break;
    case ZTO_KEX_DHKEXID14:
    case ZTO_KEX_DHKEXID15:
        r = kex_dh_start(k);
        break;
    case ZTO_KEX_ASYMKEX2048:
    case ZTO_KEX_ASYMKEX3072:
        r = kex_asym_start(k);
        break;
    default:
        r = ZTO_E_UNSUPPORTED;
        break;
    }
    if (r != ZTO_OK)
        zto_kex_wipe(k);
    return r;
}

zto_err_t
zto_kex_param(const struct zto_kex *k, const struct zto_key *owner_pub,
              uint8_t *out, size_t cap, size_t *out_len)
{
    if (k == NULL || out == NULL || out_len == NULL)
        return ZTO_E_ARG;
    switch (k->suite) {
    case ZTO_KEX_ECDH256:
    case ZTO_KEX_ECDH384:
        return kex_ecdh_param(k, out, cap, out_len);
    case ZTO_KEX_DHKEXID14:
    case ZTO_KEX_DHKEXID15:
        return kex_dh_param(k, out, cap, out_len);
    case ZTO_KEX_ASYMKEX2048:
    case ZTO_KEX_ASYMKEX3072:
        return kex_asym_param(k, owner_pub, out, cap, out_len);
    default:
        return ZTO_E_STATE;
    }
}

zto_err_t
zto_kex_derive(const struct zto_kex *k, const uint8_t *peer, size_t peer_len,
               const struct zto_key *owner_priv, uint8_t *shse, size_t shse_cap,
               size_t *shse_len, uint8_t *ctx_rand, size_t ctx_cap,
               size_t *ctx_len)
{
    zto_err_t r;

    if (k == NULL || (peer == NULL && peer_len > 0) || shse == NULL ||
        shse_len == NULL || ctx_len == NULL ||
        (ctx_rand == NULL && ctx_cap > 0))
        return ZTO_E_ARG;
    switch (k->suite) {
    case ZTO_KEX_ECDH256:
    case ZTO_KEX_ECDH384:
        r = kex_ecdh_derive(k, peer, peer_len, shse, shse_cap, shse_len);
        break;
    case ZTO_KEX_DHKEXID14:
    case ZTO_KEX_DHKEXID15:
        r = kex_dh_derive(k, peer, peer_len, shse, shse_cap, shse_len);
        break;
    case ZTO_KEX_ASYMKEX2048:
    case ZTO_KEX_ASYMKEX3072:
        return kex_asym_derive(k, peer, peer_len, owner_priv, shse, shse_cap,
                               shse_len, ctx_rand, ctx_cap, ctx_len);
    default:
        return ZTO_E_STATE;
    }
    if (r == ZTO_OK)
        *ctx_len = 0; /* ContextRand is empty for ECDH and DH */
    return r;
}

void
zto_kex_wipe(struct zto_kex *k)
{
    zto_zeroize(k, k != NULL ? sizeof(*k) : 0);
}
