/*
 * fuzz_voucher.c - ownership voucher decoder and verifier on arbitrary
 * bytes: decode; if it decodes, walk/verify every entry (with no HMAC
 * secret) and try an extension-free owner-key lookup. Must never crash,
 * leak or read outside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zto/zto_voucher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zto_voucher v;
    struct zto_voucher_verify_opts o;
    struct zto_pubkey owner;
    struct zto_ov_walk w;
    size_t i;

    if (zto_voucher_decode(data, size, &v) != ZTO_OK)
        return 0;
    memset(&o, 0, sizeof(o));
    o.skip_chain_validation = size % 2 == 0;
    /* Results do not matter here, only that nothing breaks. */
    if (zto_voucher_verify(&v, &o, &owner) != ZTO_OK &&
        zto_voucher_owner_key(&v, &owner) != ZTO_OK)
        return 0;
    if (zto_ov_walk_start(&w, v.header_raw, v.hmac_raw) != ZTO_OK)
        return 0;
    for (i = 0; i < v.nentries; i++) {
        struct zto_bytes e;
        if (zto_voucher_entry(&v, i, &e) != ZTO_OK ||
            zto_ov_walk_next(&w, e) != ZTO_OK)
            break;
    }
    return 0;
}
