/*
 * fuzz_errmsg.c - ErrorMessage: decode, encode, decode again; the fields
 * and both encodings must agree.
 */
#include "fuzz_util.h"
#include "zto/zto_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t o1[FUZZ_OUT_CAP], o2[FUZZ_OUT_CAP];
    struct zto_error_msg a, b;
    size_t l1 = 0, l2 = 0;
    uint8_t *copy;

    if (zto_error_msg_decode(data, size, &a) != ZTO_OK)
        return 0;
    FUZZ_CHECK(a.text.len <= size);
    FUZZ_CHECK(zto_error_msg_encode(&a, o1, sizeof(o1), &l1) == ZTO_OK);
    copy = malloc(l1 > 0 ? l1 : 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, o1, l1);
    FUZZ_CHECK(zto_error_msg_decode(copy, l1, &b) == ZTO_OK);
    FUZZ_CHECK(a.code == b.code && a.prev_msg == b.prev_msg);
    FUZZ_CHECK(a.text.len == b.text.len &&
               memcmp(a.text.p, b.text.p, a.text.len) == 0);
    FUZZ_CHECK(a.has_ts == b.has_ts && (!a.has_ts || a.ts == b.ts));
    FUZZ_CHECK(a.has_cid == b.has_cid && (!a.has_cid || a.cid == b.cid));
    FUZZ_CHECK(zto_error_msg_encode(&b, o2, sizeof(o2), &l2) == ZTO_OK);
    FUZZ_CHECK(l1 == l2 && memcmp(o1, o2, l1) == 0);
    free(copy);
    return 0;
}
