/*
 * fuzz_cred.c - the device credential blob decoder (device/src/cred.c):
 * whatever decodes re-encodes, and that encoding decodes to the same
 * credential and encodes to the same bytes.
 */
#include "fuzz_util.h"
#include "zto/zto_device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct zto_device_cred a, b;
    static uint8_t e1[8192], e2[8192];
    size_t n1 = 0, n2 = 0;

    if (zto_cred_decode(data, size, &a) != ZTO_OK)
        return 0;
    FUZZ_CHECK(zto_cred_encode(&a, e1, sizeof(e1), &n1) == ZTO_OK);
    FUZZ_CHECK(zto_cred_decode(e1, n1, &b) == ZTO_OK);
    FUZZ_CHECK(zto_cred_encode(&b, e2, sizeof(e2), &n2) == ZTO_OK);
    FUZZ_CHECK(n1 == n2 && memcmp(e1, e2, n1) == 0);
    FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
    zto_cred_wipe(&a);
    zto_cred_wipe(&b);
    return 0;
}
