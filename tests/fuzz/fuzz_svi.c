/*
 * fuzz_svi.c - ServiceInfo: decode, iterate every kv, rebuild with the
 * builder; the rebuild must decode to the same kvs and rebuild to the
 * same bytes.
 */
#include "fuzz_util.h"
#include "zto/zto_codec.h"

static zto_err_t
rebuild(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
        size_t *out_len)
{
    static char mod[65536], msg[65536];
    struct zto_cbor_dec d;
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
    struct zto_svi s;
    struct zto_svi_kv kv;
    size_t pos = 0, cnt = 0, sz = 1;
    zto_err_t r;

    zto_cbor_dec_init(&d, in, n);
    if ((r = zto_svi_dec(&d, &s)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    FUZZ_CHECK(s.raw.p == in && s.raw.len == n);
    zto_cbor_enc_init(&e, out, cap);
    zto_svi_enc_open(&e, &m);
    while ((r = zto_svi_next(&s, &pos, &kv)) == ZTO_OK) {
        FUZZ_CHECK(kv.module.p >= in && kv.value.p + kv.value.len <= in + n);
        FUZZ_CHECK(memchr(kv.module.p, ':', kv.module.len) == NULL);
        /* C strings cannot carry NUL; such keys are not rebuilt. */
        if (memchr(kv.module.p, 0, kv.module.len) != NULL ||
            memchr(kv.message.p, 0, kv.message.len) != NULL)
            return ZTO_E_ARG;
        memcpy(mod, kv.module.p, kv.module.len);
        mod[kv.module.len] = '\0';
        memcpy(msg, kv.message.p, kv.message.len);
        msg[kv.message.len] = '\0';
        zto_svi_enc_kv(&e, &m, mod, msg, kv.value.p, kv.value.len);
        sz += zto_svi_kv_size(mod, msg, kv.value.len);
        cnt++;
    }
    FUZZ_CHECK(r == ZTO_E_NOT_FOUND);
    FUZZ_CHECK(cnt == s.n);
    zto_svi_enc_close(&e, &m);
    r = zto_cbor_enc_finish(&e, out_len);
    FUZZ_CHECK(r == ZTO_OK);
    /* kv_size is exact: only the array head may differ from 1 byte. */
    FUZZ_CHECK(*out_len == sz - 1 + zto_cbor_head_len(cnt));
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t o1[FUZZ_OUT_CAP], o2[FUZZ_OUT_CAP];
    size_t l1 = 0, l2 = 0;
    uint8_t *copy;

    if (rebuild(data, size, o1, sizeof(o1), &l1) != ZTO_OK)
        return 0;
    copy = malloc(l1 > 0 ? l1 : 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, o1, l1);
    FUZZ_CHECK(rebuild(copy, l1, o2, sizeof(o2), &l2) == ZTO_OK);
    FUZZ_CHECK(l1 == l2 && memcmp(o1, o2, l1) == 0);
    free(copy);
    return 0;
}
