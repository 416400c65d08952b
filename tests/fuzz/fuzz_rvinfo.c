/*
 * fuzz_rvinfo.c - RendezvousInfo: structure decoder, per-directive parser
 * and the encoder from parsed directives. A RendezvousInfo whose
 * directives all parse is re-encoded from the parsed form; that must
 * decode and parse again and re-encode to identical bytes.
 */
#include "fuzz_util.h"
#include "zto/zto_codec.h"

static zto_err_t
reencode(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
         size_t *out_len)
{
    struct zto_rvinfo rv;
    struct zto_rv_directive dir[ZTO_MAX_RV_ENTRIES];
    struct zto_cbor_enc e;
    size_t i;
    zto_err_t r;

    if ((r = zto_rvinfo_decode(in, n, &rv)) != ZTO_OK)
        return r;
    FUZZ_CHECK(rv.raw.p == in && rv.raw.len == n);
    FUZZ_CHECK(rv.ndirectives >= 1 && rv.ndirectives <= ZTO_MAX_RV_ENTRIES);
    for (i = 0; i < rv.ndirectives; i++) {
        FUZZ_CHECK(rv.directive[i].p >= in &&
                   rv.directive[i].p + rv.directive[i].len <= in + n);
        if ((r = zto_rv_directive_parse(rv.directive[i], &dir[i])) != ZTO_OK)
            return r;
        FUZZ_CHECK(dir[i].ninstr >= 1 && dir[i].ninstr <= 16);
        FUZZ_CHECK(!dir[i].has_ip || dir[i].ip_len == 4 ||
                   dir[i].ip_len == 16);
    }
    zto_cbor_enc_init(&e, out, cap);
    zto_rvinfo_enc(&e, dir, rv.ndirectives);
    r = zto_cbor_enc_finish(&e, out_len);
    FUZZ_CHECK(r == ZTO_OK);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t o1[FUZZ_OUT_CAP], o2[FUZZ_OUT_CAP];
    struct zto_rv_directive d;
    size_t l1 = 0, l2 = 0;
    uint8_t *copy;

    /* The parser also sees arbitrary bytes directly. */
    if (zto_rv_directive_parse(ZTO_BYTES(data, size), &d) == ZTO_OK)
        FUZZ_CHECK(d.ninstr >= 1);
    if (reencode(data, size, o1, sizeof(o1), &l1) != ZTO_OK)
        return 0;
    copy = malloc(l1 > 0 ? l1 : 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, o1, l1);
    FUZZ_CHECK(reencode(copy, l1, o2, sizeof(o2), &l2) == ZTO_OK);
    FUZZ_CHECK(l1 == l2 && memcmp(o1, o2, l1) == 0);
    free(copy);
    return 0;
}
