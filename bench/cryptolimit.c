/*
 * cryptolimit.c - what the owner's TO2 costs in public-key crypto alone,
 * measured on this machine with the project's crypto back end
 * (common/src/crypto, OpenSSL 3) for the cell's suite.
 *
 * Per TO2 the owner (owner/to2_prove.c) does, besides hashing and the
 * AES tunnel:
 *   61 ProveOVHdr:   ephemeral ECDH key (zto_kex_start + zto_kex_param)
 *                    and one COSE signature;
 *   65 SetupDevice:  verify the device's EAT signature, verify the
 *                    device certificate chain (leaf and self-signed
 *                    root), ECDH derive (zto_kex_derive), and one COSE
 *                    signature.
 * So one TO2 = 2 sign + 1 verify + 1 chain verify + 1 key generation +
 * 1 derive, on the owner's single event-loop thread.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "zto/zto_crypto.h"
#include "zto/zto_kex.h"
#include "zto/zto_voucher.h"

#define ROUNDS 7
#define ROUND_S 0.04
#define ROUND_ITER 5

/* Microseconds per call of what: the best of ROUNDS rounds of at least
 * ROUND_S and ROUND_ITER calls each, so that other load on the machine
 * (builds, the servers' idle work) does not count as crypto cost. */
#define TIME_US(res_, what)                                                    \
    do {                                                                       \
        double best_ = 0;                                                      \
        unsigned r_;                                                           \
        for (r_ = 0; r_ < ROUNDS; r_++) {                                      \
            double t0_ = now_s(), t1_, us_;                                    \
            unsigned n_ = 0;                                                   \
            do {                                                               \
                if ((what) != ZTO_OK)                                          \
                    goto out;                                                  \
                n_++;                                                          \
                t1_ = now_s();                                                 \
            } while (t1_ - t0_ < ROUND_S || n_ < ROUND_ITER);                  \
            us_ = (t1_ - t0_) * 1e6 / (double)n_;                              \
            if (r_ == 0 || us_ < best_)                                        \
                best_ = us_;                                                   \
        }                                                                      \
        (res_) = best_;                                                        \
    } while (0)

static zto_err_t
kex_start_param(struct zto_kex *k, int suite, uint8_t *x, size_t cap,
                size_t *len)
{
    zto_err_t r;

    if ((r = zto_kex_start(k, suite, ZTO_KEX_OWNER)) != ZTO_OK)
        return r;
    return zto_kex_param(k, NULL, x, cap, len);
}

int
crypto_measure(struct cell *c, const uint8_t *voucher, size_t vlen)
{
    struct zto_key k;
    struct zto_kex ko, kd;
    struct zto_voucher v;
    uint8_t dg[48], sig[512], xa[ZTO_KEX_PARAM_MAX], xb[ZTO_KEX_PARAM_MAX];
    uint8_t shse[ZTO_KEX_SHSE_MAX], cr[64];
    size_t dlen, sl = 0, xal = 0, xbl = 0, shl = 0, crl = 0;
    int suite =
        c->key_type == ZTO_PK_SECP384R1 ? ZTO_KEX_ECDH384 : ZTO_KEX_ECDH256;
    int32_t alg;
    int rc = -1;

    zto_key_init(&k);
    memset(&ko, 0, sizeof(ko));
    memset(&kd, 0, sizeof(kd));
    if (zto_key_generate(c->key_type, 0, &k) != ZTO_OK)
        goto out;
    alg = zto_key_sig_alg(&k);
    dlen = zto_hash_size(zto_alg_hash_type(alg));
    if (dlen == 0 || dlen > sizeof(dg) || zto_random(dg, dlen) != ZTO_OK)
        goto out;
    TIME_US(c->us_sign,
            zto_sign_digest(&k, alg, dg, dlen, sig, sizeof(sig), &sl));
    TIME_US(c->us_verify, zto_verify_digest(&k, alg, dg, dlen, sig, sl));
    TIME_US(c->us_kex_start, kex_start_param(&ko, suite, xa, sizeof(xa), &xal));
    if (zto_kex_start(&kd, suite, ZTO_KEX_DEVICE) != ZTO_OK ||
        zto_kex_param(&kd, NULL, xb, sizeof(xb), &xbl) != ZTO_OK)
        goto out;
    TIME_US(c->us_kex_derive,
            zto_kex_derive(&ko, xb, xbl, &k, shse, sizeof(shse), &shl, cr,
                           sizeof(cr), &crl));
    if (zto_voucher_decode(voucher, vlen, &v) != ZTO_OK || v.ncerts == 0)
        goto out;
    TIME_US(c->us_chain, zto_cert_chain_verify(v.cert, v.ncerts, NULL, 0));
    rc = 0;
out:
    zto_kex_wipe(&ko);
    zto_kex_wipe(&kd);
    zto_key_free(&k);
    return rc;
}

double
crypto_owner_to2_us(const struct cell *c)
{
    return 2 * c->us_sign + c->us_verify + c->us_chain + c->us_kex_start +
           c->us_kex_derive;
}
