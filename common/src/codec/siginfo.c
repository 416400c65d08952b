/*
 * siginfo.c - SigInfo = [sgType: int, Info: bstr] (FDO 1.1 section 3).
 *
 * sgType must be one of the DeviceSgType values (ES256, ES384, RS256,
 * RS384, the PS256/PS384 values go-fdo adds, EPID 1.0/1.1); anything else
 * cannot name a device attestation and is refused here. Info is h'' for
 * ECDSA and RSA but carries a group id for EPID, so its content is kept.
 */
#include "zto/zto_codec.h"

static bool
known_sg_type(int32_t t)
{
    switch (t) {
    case ZTO_SG_ES256:
    case ZTO_SG_ES384:
    case ZTO_SG_RS256:
    case ZTO_SG_RS384:
    case ZTO_SG_PS256:
    case ZTO_SG_PS384:
    case ZTO_SG_EPID10:
    case ZTO_SG_EPID11:
        return true;
    default:
        return false;
    }
}

zto_err_t
zto_siginfo_dec(struct zto_cbor_dec *d, struct zto_siginfo *s)
{
    struct zto_cbor_dec save = *d;
    struct zto_siginfo tmp;
    zto_err_t r = ZTO_E_INTERNAL;

    if ((r = zto_cbor_get_array_n(d, 2)) != ZTO_OK ||
        (r = zto_cbor_get_i32(d, &tmp.type)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(d, &tmp.info)) != ZTO_OK)
        goto out;
    if (!known_sg_type(tmp.type)) {
        r = ZTO_E_UNSUPPORTED;
        goto out;
    }
    *s = tmp;
    r = ZTO_OK;
out:
    if (r != ZTO_OK)
        *d = save;
    return r;
}

void
zto_siginfo_enc(struct zto_cbor_enc *e, const struct zto_siginfo *s)
{
    zto_cbor_put_array(e, 2);
    zto_cbor_put_int(e, s->type);
    zto_cbor_put_bytes(e, s->info);
}
