/*
 * fuzz_tunnel.c - zto_tunnel_open() on arbitrary input (FDO 1.1 section
 * 8.6). The first byte picks the cipher suite; the rest is the message.
 * Keys are fixed (derived from ShSe = 00 01 .. 3f), so the seed corpus
 * holds real sealed messages and the fuzzer can reach the decryption and
 * MAC paths. Anything that opens must seal and open again to the same
 * plaintext.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zto/zto_kex.h"

static const int32_t ciphers[] = {
    ZTO_COSE_A128GCM,
    ZTO_COSE_A256GCM,
    ZTO_COSE_AES_CCM_16_128_128,
    ZTO_COSE_AES_CCM_16_128_256,
    ZTO_COSE_AES_CCM_64_128_128,
    ZTO_COSE_AES_CCM_64_128_256,
    ZTO_COSE_AES128CBC,
    ZTO_COSE_AES128CTR,
    ZTO_COSE_AES256CBC,
    ZTO_COSE_AES256CTR,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zto_tunnel t;
    uint8_t shse[64];
    uint8_t *pt, *again, *pt2;
    size_t i, pt_len = 0, again_len = 0, pt2_len = 0, cap;

    if (size < 1)
        return 0;
    for (i = 0; i < sizeof(shse); i++)
        shse[i] = (uint8_t)i;
    if (zto_tunnel_setup(&t, ciphers[data[0] % 10], shse, sizeof(shse), NULL,
                         0) != ZTO_OK)
        abort();
    cap = size; /* plaintext is never longer than the message */
    pt = malloc(cap + 1);
    if (pt == NULL)
        abort();
    if (zto_tunnel_open(&t, data + 1, size - 1, pt, cap, &pt_len) == ZTO_OK) {
        size_t need = pt_len + zto_tunnel_overhead(t.cipher, pt_len);

        again = malloc(need);
        pt2 = malloc(pt_len + 1);
        if (again == NULL || pt2 == NULL ||
            zto_tunnel_seal(&t, pt, pt_len, again, need, &again_len) !=
                ZTO_OK ||
            zto_tunnel_open(&t, again, again_len, pt2, pt_len, &pt2_len) !=
                ZTO_OK ||
            pt2_len != pt_len || memcmp(pt, pt2, pt_len) != 0)
            abort();
        free(pt2);
        free(again);
    }
    free(pt);
    zto_tunnel_wipe(&t);
    return 0;
}
