/*
 * fuzz_csr_mime.c - the multipart body of fdo.csr serverkeygen-res
 * (common/src/codec/csr_mime.c), which a device decodes from its owner.
 * Whatever decodes re-encodes, and the encoding decodes to the same key
 * and certificate bytes.
 */
#include "fuzz_util.h"
#include "zto/zto_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t key[4096], p7[65536], key2[4096], p72[65536];
    static char body[200000];
    size_t kl = 0, pl = 0, kl2 = 0, pl2 = 0, bl = 0;
    char *in;

    if (size > 65536)
        return 0;
    /* Exact-size copy: an over-read is an ASan report. */
    in = malloc(size > 0 ? size : 1);
    FUZZ_CHECK(in != NULL);
    memcpy(in, data, size);
    if (zto_csr_mime_decode(in, size, key, sizeof(key), &kl, p7, sizeof(p7),
                            &pl) == ZTO_OK) {
        FUZZ_CHECK(kl > 0 && pl > 0);
        FUZZ_CHECK(zto_csr_mime_len(kl, pl) < sizeof(body));
        FUZZ_CHECK(zto_csr_mime_encode(key, kl, p7, pl, body, sizeof(body),
                                       &bl) == ZTO_OK);
        FUZZ_CHECK(bl == zto_csr_mime_len(kl, pl));
        FUZZ_CHECK(zto_csr_mime_decode(body, bl, key2, sizeof(key2), &kl2, p72,
                                       sizeof(p72), &pl2) == ZTO_OK);
        FUZZ_CHECK(kl2 == kl && memcmp(key2, key, kl) == 0);
        FUZZ_CHECK(pl2 == pl && memcmp(p72, p7, pl) == 0);
    }
    free(in);
    return 0;
}
