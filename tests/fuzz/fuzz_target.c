/*
 * fuzz_target.c - target URLs (device/src/target.c): whatever parses must
 * format, and the formatted URL must parse to the same target and format
 * to the same text.
 */
#include "fuzz_util.h"
#include "zto/zto_port.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zto_target a, b;
    char u1[ZTO_HOST_MAX + 32], u2[ZTO_HOST_MAX + 32];
    char *s;

    if (size > 4096)
        return 0;
    s = malloc(size + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    if (zto_target_parse(s, &a) == ZTO_OK) {
        FUZZ_CHECK(zto_target_url(&a, u1, sizeof(u1)) == ZTO_OK);
        FUZZ_CHECK(zto_target_parse(u1, &b) == ZTO_OK);
        FUZZ_CHECK(a.protocol == b.protocol && a.port == b.port &&
                   strcmp(a.host, b.host) == 0);
        FUZZ_CHECK(zto_target_url(&b, u2, sizeof(u2)) == ZTO_OK);
        FUZZ_CHECK(strcmp(u1, u2) == 0);
    }
    free(s);
    return 0;
}
