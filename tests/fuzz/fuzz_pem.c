/*
 * fuzz_pem.c - PEM and base64 decoding on arbitrary text: every voucher
 * block in the input is decoded in turn; decoded bytes re-encode to PEM
 * and decode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zto/zto_util.h"
#include "zto/zto_voucher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[70000], back[70000];
    static char text[100000];
    size_t pos = 0, n, tn, bn, guard = 0;

    while (guard++ < 64 &&
           zto_voucher_pem_decode((const char *)data, size, &pos, out,
                                  sizeof(out), &n) == ZTO_OK) {
        if (zto_voucher_pem_encode(out, n, text, sizeof(text), &tn) !=
            ZTO_OK)
            abort();
        {
            size_t p2 = 0;
            if (zto_pem_find(text, tn, &p2, ZTO_VOUCHER_PEM_LABEL, back,
                             sizeof(back), &bn) != ZTO_OK ||
                bn != n || memcmp(back, out, n) != 0)
                abort();
        }
        if (pos >= size)
            break;
    }
    /* Only must not crash; the result does not matter. */
    if (zto_base64_decode((const char *)data, size, out, sizeof(out), &n) !=
        ZTO_OK)
        return 0;
    return 0;
}
