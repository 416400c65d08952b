/*
 * guid.c - Guid and Nonce: bstr .size 16 (FDO 1.1 section 3, section 5).
 *
 * A receiver must refuse any other length (section 5), so a 15- or 17-byte
 * string is ZTO_E_RANGE, not a truncated or padded value.
 */
#include "zto/zto_codec.h"

zto_err_t
zto_guid_dec(struct zto_cbor_dec *d, struct zto_guid *g)
{
    struct zto_guid tmp;
    zto_err_t r = zto_cbor_get_bstr_fixed(d, tmp.b, ZTO_GUID_LEN);

    if (r == ZTO_OK)
        *g = tmp;
    return r;
}

void
zto_guid_enc(struct zto_cbor_enc *e, const struct zto_guid *g)
{
    zto_cbor_put_bstr(e, g->b, ZTO_GUID_LEN);
}

zto_err_t
zto_nonce_dec(struct zto_cbor_dec *d, struct zto_nonce *n)
{
    struct zto_nonce tmp;
    zto_err_t r = zto_cbor_get_bstr_fixed(d, tmp.b, ZTO_NONCE_LEN);

    if (r == ZTO_OK)
        *n = tmp;
    return r;
}

void
zto_nonce_enc(struct zto_cbor_enc *e, const struct zto_nonce *n)
{
    zto_cbor_put_bstr(e, n->b, ZTO_NONCE_LEN);
}
