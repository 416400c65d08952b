/* ossl_rand.c - random bytes from OpenSSL's DRBG. */
#include <limits.h>

#include <openssl/rand.h>

#include "crypto_int.h"

zto_err_t
zto_random(uint8_t *out, size_t n)
{
    if (n > INT_MAX)
        return ZTO_E_ARG;
    if (n == 0)
        return ZTO_OK;
    return RAND_bytes(out, (int)n) == 1 ? ZTO_OK : ZTO_E_RNG;
}
