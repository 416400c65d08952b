/*
 * cryptolimit.c - what the owner's TO2 costs in public-key crypto alone,
 * measured on this machine with OpenSSL for the cell's curve.
 *
 * Per TO2 the owner (owner/to2_prove.c) performs, besides hashing and
 * the AES tunnel:
 *   61 ProveOVHdr:   an ephemeral ECDH key and one ECDSA signature;
 *   65 SetupDevice:  the ECDSA verification of the device's EAT, one
 *                    ECDSA verification per link of the device
 *                    certificate chain (the leaf by its CA, ...), one
 *                    ECDH derivation and one ECDSA signature.
 * (The self-signature of a chain's root is checked once per owner
 * process, not per TO2: owner/owner_chain.c.) So one TO2 is 2 sign +
 * (1 + links) verify + 1 ECDH key + 1 ECDH derive on the owner's one
 * event-loop thread.
 *
 * The operations are timed as OpenSSL performs them on keys already
 * loaded (like `openssl speed`), in CPU time of the measuring thread
 * (the owner's CPU comes from /proc, so both leave out time spent
 * waiting for a core), not through the zto back end: decoding
 * keys and certificates is not crypto, and the back end's own cost is
 * part of what the benchmark compares against this. The cost of decoding
 * one X.509 certificate (OpenSSL 3; the owner does it once per TO2, for
 * the device's leaf) is measured too, to show where the owner's time
 * goes besides crypto.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "bench.h"
#include "zto/zto_crypto.h"
#include "zto/zto_voucher.h"

#define ROUNDS 7
#define ROUND_S 0.04
#define ROUND_ITER 5

/* CPU seconds of the calling thread: like the servers' CPU from /proc,
 * time the thread was not running does not count. */
static double
thread_cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Microseconds of CPU per call of what (an int expression, 1 =
 * success): the best of ROUNDS rounds of at least ROUND_S and ROUND_ITER
 * calls each, so that other load on the machine (builds, the servers'
 * idle work) does not count as crypto cost. */
#define TIME_US(res_, what)                                                    \
    do {                                                                       \
        double best_ = 0;                                                      \
        unsigned r_;                                                           \
        for (r_ = 0; r_ < ROUNDS; r_++) {                                      \
            double t0_ = thread_cpu_s(), t1_, us_;                             \
            unsigned n_ = 0;                                                   \
            do {                                                               \
                if ((what) != 1)                                               \
                    goto out;                                                  \
                n_++;                                                          \
                t1_ = thread_cpu_s();                                          \
            } while (t1_ - t0_ < ROUND_S || n_ < ROUND_ITER);                  \
            us_ = (t1_ - t0_) * 1e6 / (double)n_;                              \
            if (r_ == 0 || us_ < best_)                                        \
                best_ = us_;                                                   \
        }                                                                      \
        (res_) = best_;                                                        \
    } while (0)

static int
sign1(EVP_PKEY_CTX *c, const uint8_t *dg, size_t dl, uint8_t *sig, size_t *sl)
{
    *sl = 512;
    return EVP_PKEY_sign(c, sig, sl, dg, dl) == 1;
}

static int
keygen1(EVP_PKEY_CTX *c)
{
    EVP_PKEY *k = NULL;
    int ok = EVP_PKEY_keygen(c, &k) == 1;

    EVP_PKEY_free(k);
    return ok;
}

static int
derive1(EVP_PKEY_CTX *c, uint8_t *out)
{
    size_t n = 64;

    return EVP_PKEY_derive(c, out, &n) == 1;
}

static int
decode1(const struct zto_bytes *der)
{
    struct zto_cert c;
    int ok;

    zto_cert_init(&c);
    ok = zto_cert_parse(der->p, der->len, &c) == ZTO_OK;
    zto_cert_free(&c);
    return ok;
}

static void
keep_min(double *have, double now)
{
    if (*have <= 0 || now < *have)
        *have = now;
}

int
crypto_measure(struct cell *c, const uint8_t *voucher, size_t vlen)
{
    const char *curve = c->key_type == ZTO_PK_SECP384R1 ? "P-384" : "P-256";
    EVP_PKEY *k = NULL, *peer = NULL;
    EVP_PKEY_CTX *sc = NULL, *vc = NULL, *gc = NULL, *dc = NULL;
    struct zto_voucher v;
    uint8_t dg[48], sig[512], shx[64];
    size_t dl = c->key_type == ZTO_PK_SECP384R1 ? 48 : 32, sl = 0;
    double us[5];
    int rc = -1;

    memset(dg, 0x5a, sizeof(dg));
    if (zto_voucher_decode(voucher, vlen, &v) != ZTO_OK || v.ncerts == 0)
        goto out;
    c->chain_links = (unsigned)v.ncerts - 1;
    if ((k = EVP_EC_gen(curve)) == NULL || (peer = EVP_EC_gen(curve)) == NULL ||
        (sc = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)) == NULL ||
        (vc = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)) == NULL ||
        (gc = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)) == NULL ||
        (dc = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)) == NULL ||
        EVP_PKEY_sign_init(sc) != 1 || EVP_PKEY_verify_init(vc) != 1 ||
        EVP_PKEY_keygen_init(gc) != 1 || EVP_PKEY_derive_init(dc) != 1 ||
        EVP_PKEY_derive_set_peer(dc, peer) != 1 ||
        sign1(sc, dg, dl, sig, &sl) != 1)
        goto out;
    TIME_US(us[0], sign1(sc, dg, dl, sig, &sl));
    TIME_US(us[1], EVP_PKEY_verify(vc, sig, sl, dg, dl));
    TIME_US(us[2], keygen1(gc));
    TIME_US(us[3], derive1(dc, shx));
    TIME_US(us[4], decode1(&v.cert[0]));
    /* Called more than once per cell: the best of all. */
    keep_min(&c->us_sign, us[0]);
    keep_min(&c->us_verify, us[1]);
    keep_min(&c->us_kex_start, us[2]);
    keep_min(&c->us_kex_derive, us[3]);
    keep_min(&c->us_cert_decode, us[4]);
    rc = 0;
out:
    EVP_PKEY_CTX_free(sc);
    EVP_PKEY_CTX_free(vc);
    EVP_PKEY_CTX_free(gc);
    EVP_PKEY_CTX_free(dc);
    EVP_PKEY_free(k);
    EVP_PKEY_free(peer);
    return rc;
}

double
crypto_owner_to2_us(const struct cell *c)
{
    return 2 * c->us_sign + (1 + c->chain_links) * c->us_verify +
           c->us_kex_start + c->us_kex_derive;
}
