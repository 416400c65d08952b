/*
 * kdf.c - the FDO key derivation function (FDO 1.1 section 8.5).
 *
 * NIST SP 800-108 counter mode with HMAC as the PRF:
 *
 *   K(i) = HMAC(ShSe, [i]1 || "FIDO-KDF" || 0x00 ||
 *                     "AutomaticOnboardTunnel" || ContextRand || [L]2)
 *
 * The counter is ONE byte and L (in bits) two bytes big-endian. OpenSSL's
 * KBKDF fixes a 32-bit counter and would produce different keys, so the
 * construction is written out here over plain HMAC blocks.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "kex_int.h"
#include "zto/zto_util.h"

static const uint8_t kdf_label[] = {'F', 'I', 'D', 'O', '-', 'K', 'D', 'F'};
static const char kdf_context[] = "AutomaticOnboardTunnel";

zto_err_t
zto_kdf(int32_t prf, const uint8_t *shse, size_t shse_len,
        const uint8_t *ctx_rand, size_t ctx_len, uint8_t *out, size_t out_len)
{
    zto_err_t r = ZTO_E_CRYPTO;
    EVP_MAC *mac = NULL;
    EVP_MAC_CTX *mctx = NULL;
    OSSL_PARAM params[2];
    uint8_t block[EVP_MAX_MD_SIZE];
    uint8_t lbits[2], sep = 0x00;
    size_t h = zto_hash_size(prf), done = 0, got = 0;
    unsigned i;

    if (prf != ZTO_HMAC_SHA256 && prf != ZTO_HMAC_SHA384)
        return ZTO_E_UNSUPPORTED;
    if (shse == NULL || shse_len == 0 || out == NULL || out_len == 0 ||
        (ctx_rand == NULL && ctx_len > 0))
        return ZTO_E_ARG;
    /* L is carried in 16 bits and the counter in 8: at most 8191 bytes
     * and 255 blocks. */
    if (out_len > 0xffff / 8 || (out_len + h - 1) / h > 255)
        return ZTO_E_RANGE;
    lbits[0] = (uint8_t)((out_len * 8) >> 8);
    lbits[1] = (uint8_t)(out_len * 8);

    params[0] = OSSL_PARAM_construct_utf8_string(
        OSSL_MAC_PARAM_DIGEST, prf == ZTO_HMAC_SHA256 ? "SHA256" : "SHA384", 0);
    params[1] = OSSL_PARAM_construct_end();
    if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
        (mctx = EVP_MAC_CTX_new(mac)) == NULL)
        goto out;

    for (i = 1; done < out_len; i++) {
        uint8_t ctr = (uint8_t)i;
        size_t take;

        if (!EVP_MAC_init(mctx, shse, shse_len, params) ||
            !EVP_MAC_update(mctx, &ctr, 1) ||
            !EVP_MAC_update(mctx, kdf_label, sizeof(kdf_label)) ||
            !EVP_MAC_update(mctx, &sep, 1) ||
            !EVP_MAC_update(mctx, (const uint8_t *)kdf_context,
                            sizeof(kdf_context) - 1) ||
            (ctx_len > 0 && !EVP_MAC_update(mctx, ctx_rand, ctx_len)) ||
            !EVP_MAC_update(mctx, lbits, sizeof(lbits)) ||
            !EVP_MAC_final(mctx, block, &got, sizeof(block)) || got != h)
            goto out;
        take = out_len - done < h ? out_len - done : h;
        memcpy(out + done, block, take);
        done += take;
    }
    r = ZTO_OK;
out:
    if (r != ZTO_OK)
        zto_zeroize(out, out_len);
    zto_zeroize(block, sizeof(block));
    EVP_MAC_CTX_free(mctx);
    EVP_MAC_free(mac);
    return r;
}
