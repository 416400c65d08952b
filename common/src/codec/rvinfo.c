/*
 * rvinfo.c - RendezvousInfo (FDO 1.1 section 7.1, 7.2).
 *
 *   RendezvousInfo      = [+ RendezvousDirective]
 *   RendezvousDirective = [+ RendezvousInstr]
 *   RendezvousInstr     = [RVVariable: uint8, ?RVValue: bstr .cbor any]
 *
 * Decoding checks the shape only and keeps the bytes: hashes and the
 * replacement header of TO2 (section 9.3) cover them, and a voucher must
 * stay readable even when one directive uses a variable we do not know.
 * zto_rv_directive_parse() gives the meaning of one directive.
 *
 * Flags (RVDevOnly, RVOwnerOnly, RVBypass) are written as one-element
 * instructions like go-fdo, pri-fidoiot and client-sdk do (client-sdk
 * cannot parse a flag with a value); fido-device-onboard-rs writes
 * [flag, h'f6'], so a null (or true) value is accepted on input.
 */
#include <string.h>

#include "zto/zto_codec.h"

#include "codec_int.h"

#define RV_VAR_MAX ZTO_RV_EXT_RV
#define RV_MEDIUM_MAX 21 /* RVMedWifiAll */

/* One instruction: variable number and, if present, the bstr content. */
static zto_err_t
instr_dec(struct zto_cbor_dec *d, uint8_t *var, bool *has_val,
          struct zto_bytes *val)
{
    size_t k;
    zto_err_t r;

    if ((r = zto_cbor_get_array(d, &k)) != ZTO_OK)
        return r;
    if (k == 0)
        return ZTO_E_MISSING;
    if (k > 2)
        return ZTO_E_TOO_BIG;
    if ((r = zto_cbor_get_u8(d, var)) != ZTO_OK)
        return r;
    *has_val = k == 2;
    *val = ZTO_BYTES_NULL;
    if (k == 1)
        return ZTO_OK;
    if ((r = zto_cbor_get_bstr(d, val)) != ZTO_OK)
        return r;
    return codec_check_wrapped(*val);
}

/* A directive's array head; returns its instruction count. */
static zto_err_t
directive_head(struct zto_cbor_dec *d, size_t *n)
{
    zto_err_t r = zto_cbor_get_array(d, n);

    if (r != ZTO_OK)
        return r;
    if (*n == 0)
        return ZTO_E_MISSING;
    if (*n > ZTO_MAX_RV_INSTRS)
        return ZTO_E_TOO_BIG;
    return ZTO_OK;
}

static zto_err_t
directive_check(struct zto_cbor_dec *d)
{
    size_t n, i;
    uint8_t var;
    bool has_val;
    struct zto_bytes val;
    zto_err_t r;

    if ((r = directive_head(d, &n)) != ZTO_OK)
        return r;
    for (i = 0; i < n; i++)
        if ((r = instr_dec(d, &var, &has_val, &val)) != ZTO_OK)
            return r;
    return ZTO_OK;
}

zto_err_t
zto_rvinfo_dec(struct zto_cbor_dec *d, struct zto_rvinfo *rv)
{
    struct zto_cbor_dec save = *d;
    struct zto_rvinfo tmp;
    size_t n, i, start;
    zto_err_t r = ZTO_E_INTERNAL;

    if ((r = zto_cbor_get_array(d, &n)) != ZTO_OK)
        goto out;
    if (n == 0) {
        r = ZTO_E_MISSING;
        goto out;
    }
    if (n > ZTO_MAX_RV_ENTRIES) {
        r = ZTO_E_TOO_BIG;
        goto out;
    }
    tmp.ndirectives = n;
    for (i = 0; i < n; i++) {
        start = d->off;
        if ((r = directive_check(d)) != ZTO_OK)
            goto out;
        tmp.directive[i] = ZTO_BYTES(d->buf + start, d->off - start);
    }
    tmp.raw = ZTO_BYTES(d->buf + save.off, d->off - save.off);
    *rv = tmp;
    r = ZTO_OK;
out:
    if (r != ZTO_OK)
        *d = save;
    return r;
}

zto_err_t
zto_rvinfo_decode(const uint8_t *buf, size_t len, struct zto_rvinfo *rv)
{
    struct zto_cbor_dec d;
    struct zto_rvinfo tmp;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_rvinfo_dec(&d, &tmp)) != ZTO_OK ||
        (r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *rv = tmp;
    return ZTO_OK;
}

/* Flag value: absent, null or true set the flag; false is contradictory. */
static zto_err_t
flag_value(bool has_val, struct zto_cbor_dec *v)
{
    bool b;

    if (!has_val || zto_cbor_peek_null(v))
        return has_val ? zto_cbor_get_null(v) : ZTO_OK;
    if (zto_cbor_get_bool(v, &b) != ZTO_OK)
        return ZTO_E_TYPE;
    return b ? ZTO_OK : ZTO_E_RANGE;
}

/* A tstr view that is non-NULL even when empty, so "set" is visible. */
static zto_err_t
get_text(struct zto_cbor_dec *v, struct zto_bytes *t)
{
    zto_err_t r = zto_cbor_get_tstr(v, t);

    if (r == ZTO_OK && t->p == NULL)
        t->p = v->buf;
    return r;
}

static zto_err_t
get_ext_rv(struct zto_cbor_dec *v, struct zto_bytes *raw)
{
    struct zto_cbor_dec c = *v;
    struct zto_bytes mech;
    size_t n;
    zto_err_t r;

    /* [mechanism: tstr, * any] */
    if ((r = zto_cbor_get_array(&c, &n)) != ZTO_OK)
        return r;
    if (n == 0)
        return ZTO_E_MISSING;
    if ((r = zto_cbor_get_tstr(&c, &mech)) != ZTO_OK)
        return r;
    return zto_cbor_get_raw(v, raw);
}

static zto_err_t
value_dec(struct zto_rv_directive *o, uint8_t var, struct zto_cbor_dec *v)
{
    struct zto_bytes ip;
    struct zto_hash h;
    struct zto_cbor_dec c;
    uint64_t u;
    zto_err_t r;

    switch (var) {
    case ZTO_RV_IP_ADDRESS:
        if ((r = zto_cbor_get_bstr(v, &ip)) != ZTO_OK)
            return r;
        if (ip.len != 4 && ip.len != 16)
            return ZTO_E_RANGE;
        memcpy(o->ip, ip.p, ip.len);
        o->ip_len = ip.len;
        o->has_ip = true;
        return ZTO_OK;
    case ZTO_RV_DEV_PORT:
        o->has_dev_port = true;
        return zto_cbor_get_u16(v, &o->dev_port);
    case ZTO_RV_OWNER_PORT:
        o->has_owner_port = true;
        return zto_cbor_get_u16(v, &o->owner_port);
    case ZTO_RV_DNS:
        o->has_dns = true;
        return get_text(v, &o->dns);
    case ZTO_RV_SV_CERT_HASH:
    case ZTO_RV_CL_CERT_HASH:
        c = *v;
        if ((r = zto_hash_dec(v, &h)) != ZTO_OK)
            return r;
        *(var == ZTO_RV_SV_CERT_HASH ? &o->sv_cert_hash : &o->cl_cert_hash) =
            ZTO_BYTES(c.buf + c.off, v->off - c.off);
        return ZTO_OK;
    case ZTO_RV_USER_INPUT:
        o->has_user_input = true;
        return zto_cbor_get_bool(v, &o->user_input);
    case ZTO_RV_WIFI_SSID:
        return get_text(v, &o->wifi_ssid);
    case ZTO_RV_WIFI_PW:
        return get_text(v, &o->wifi_pw);
    case ZTO_RV_MEDIUM:
        if ((r = zto_cbor_get_uint(v, &u)) != ZTO_OK)
            return r;
        if (u > RV_MEDIUM_MAX)
            return ZTO_E_RANGE;
        o->medium = (uint8_t)u;
        o->has_medium = true;
        return ZTO_OK;
    case ZTO_RV_PROTOCOL:
        if ((r = zto_cbor_get_uint(v, &u)) != ZTO_OK)
            return r;
        if (u > ZTO_RVPROT_COAP_UDP)
            return ZTO_E_RANGE;
        o->protocol = (uint8_t)u;
        o->has_protocol = true;
        return ZTO_OK;
    case ZTO_RV_DELAYSEC:
        o->has_delay = true;
        return zto_cbor_get_u32(v, &o->delaysec);
    case ZTO_RV_EXT_RV:
        return get_ext_rv(v, &o->ext_rv);
    default:
        return ZTO_E_INTERNAL;
    }
}

static zto_err_t
instr_apply(struct zto_rv_directive *o, uint8_t var, bool has_val,
            struct zto_bytes val)
{
    struct zto_cbor_dec v;
    zto_err_t r;

    zto_cbor_dec_init(&v, val.p, val.len);
    switch (var) {
    case ZTO_RV_DEV_ONLY:
        o->dev_only = true;
        r = flag_value(has_val, &v);
        break;
    case ZTO_RV_OWNER_ONLY:
        o->owner_only = true;
        r = flag_value(has_val, &v);
        break;
    case ZTO_RV_BYPASS:
        o->bypass = true;
        r = flag_value(has_val, &v);
        break;
    case ZTO_RV_USER_INPUT:
        if (!has_val) {
            /* fido-device-onboard-rs treats it as a flag. */
            o->has_user_input = true;
            o->user_input = true;
            return ZTO_OK;
        }
        r = value_dec(o, var, &v);
        break;
    default:
        if (!has_val)
            return ZTO_E_MISSING;
        r = value_dec(o, var, &v);
    }
    if (r != ZTO_OK)
        return r;
    return zto_cbor_dec_finish(&v);
}

zto_err_t
zto_rv_directive_parse(struct zto_bytes raw, struct zto_rv_directive *out)
{
    struct zto_cbor_dec d;
    struct zto_rv_directive tmp;
    struct zto_bytes val;
    uint32_t seen = 0;
    size_t n, i;
    uint8_t var;
    bool has_val;
    zto_err_t r;

    memset(&tmp, 0, sizeof(tmp));
    zto_cbor_dec_init(&d, raw.p, raw.len);
    if ((r = directive_head(&d, &n)) != ZTO_OK)
        return r;
    for (i = 0; i < n; i++) {
        if ((r = instr_dec(&d, &var, &has_val, &val)) != ZTO_OK)
            return r;
        if (var > RV_VAR_MAX || (seen & (1u << var)) != 0)
            return ZTO_E_UNSUPPORTED;
        seen |= 1u << var;
        tmp.order[tmp.ninstr++] = var;
        if ((r = instr_apply(&tmp, var, has_val, val)) != ZTO_OK)
            return r;
    }
    if ((r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    *out = tmp;
    return ZTO_OK;
}

/* ---- Encoding ---- */

static bool
is_set(const struct zto_rv_directive *o, unsigned var)
{
    switch (var) {
    case ZTO_RV_DEV_ONLY:
        return o->dev_only;
    case ZTO_RV_OWNER_ONLY:
        return o->owner_only;
    case ZTO_RV_IP_ADDRESS:
        return o->has_ip;
    case ZTO_RV_DEV_PORT:
        return o->has_dev_port;
    case ZTO_RV_OWNER_PORT:
        return o->has_owner_port;
    case ZTO_RV_DNS:
        return o->has_dns;
    case ZTO_RV_SV_CERT_HASH:
        return o->sv_cert_hash.len > 0;
    case ZTO_RV_CL_CERT_HASH:
        return o->cl_cert_hash.len > 0;
    case ZTO_RV_USER_INPUT:
        return o->has_user_input;
    case ZTO_RV_WIFI_SSID:
        return o->wifi_ssid.p != NULL;
    case ZTO_RV_WIFI_PW:
        return o->wifi_pw.p != NULL;
    case ZTO_RV_MEDIUM:
        return o->has_medium;
    case ZTO_RV_PROTOCOL:
        return o->has_protocol;
    case ZTO_RV_DELAYSEC:
        return o->has_delay;
    case ZTO_RV_BYPASS:
        return o->bypass;
    case ZTO_RV_EXT_RV:
        return o->ext_rv.len > 0;
    default:
        return false;
    }
}

static bool
is_flag(unsigned var)
{
    return var == ZTO_RV_DEV_ONLY || var == ZTO_RV_OWNER_ONLY ||
           var == ZTO_RV_BYPASS;
}

static void
value_enc(struct zto_cbor_enc *e, const struct zto_rv_directive *o,
          unsigned var)
{
    switch (var) {
    case ZTO_RV_IP_ADDRESS:
        if (o->ip_len != 4 && o->ip_len != 16)
            codec_enc_fail(e, ZTO_E_ARG);
        else
            zto_cbor_put_bstr(e, o->ip, o->ip_len);
        break;
    case ZTO_RV_DEV_PORT:
        zto_cbor_put_uint(e, o->dev_port);
        break;
    case ZTO_RV_OWNER_PORT:
        zto_cbor_put_uint(e, o->owner_port);
        break;
    case ZTO_RV_DNS:
        zto_cbor_put_tstr(e, (const char *)o->dns.p, o->dns.len);
        break;
    case ZTO_RV_SV_CERT_HASH:
        zto_cbor_put_raw(e, o->sv_cert_hash.p, o->sv_cert_hash.len);
        break;
    case ZTO_RV_CL_CERT_HASH:
        zto_cbor_put_raw(e, o->cl_cert_hash.p, o->cl_cert_hash.len);
        break;
    case ZTO_RV_USER_INPUT:
        zto_cbor_put_bool(e, o->user_input);
        break;
    case ZTO_RV_WIFI_SSID:
        zto_cbor_put_tstr(e, (const char *)o->wifi_ssid.p, o->wifi_ssid.len);
        break;
    case ZTO_RV_WIFI_PW:
        zto_cbor_put_tstr(e, (const char *)o->wifi_pw.p, o->wifi_pw.len);
        break;
    case ZTO_RV_MEDIUM:
        zto_cbor_put_uint(e, o->medium);
        break;
    case ZTO_RV_PROTOCOL:
        zto_cbor_put_uint(e, o->protocol);
        break;
    case ZTO_RV_DELAYSEC:
        zto_cbor_put_uint(e, o->delaysec);
        break;
    case ZTO_RV_EXT_RV:
        zto_cbor_put_raw(e, o->ext_rv.p, o->ext_rv.len);
        break;
    default:
        codec_enc_fail(e, ZTO_E_INTERNAL);
    }
}

static void
instr_enc(struct zto_cbor_enc *e, const struct zto_rv_directive *o,
          unsigned var)
{
    struct zto_cbor_mark m;

    zto_cbor_put_array(e, is_flag(var) ? 1 : 2);
    zto_cbor_put_uint(e, var);
    if (is_flag(var))
        return;
    zto_cbor_bstr_open(e, &m);
    value_enc(e, o, var);
    zto_cbor_bstr_close(e, &m);
}

/* The variables to write, in writing order; 0 on a bad `order`. */
static size_t
directive_vars(const struct zto_rv_directive *o, uint8_t *vars)
{
    uint32_t seen = 0;
    size_t n = 0, set = 0, i;
    unsigned v;

    for (v = 0; v <= RV_VAR_MAX; v++)
        if (is_set(o, v))
            set++;
    if (o->ninstr == 0) {
        for (v = 0; v <= RV_VAR_MAX; v++)
            if (is_set(o, v))
                vars[n++] = (uint8_t)v;
        return n;
    }
    if (o->ninstr > ZTO_MAX_RV_INSTRS)
        return 0;
    for (i = 0; i < o->ninstr; i++) {
        v = o->order[i];
        if (v > RV_VAR_MAX || (seen & (1u << v)) != 0 || !is_set(o, v))
            return 0;
        seen |= 1u << v;
        vars[n++] = (uint8_t)v;
    }
    return n == set ? n : 0;
}

void
zto_rvinfo_enc(struct zto_cbor_enc *e, const struct zto_rv_directive *dir,
               size_t n)
{
    uint8_t vars[RV_VAR_MAX + 1];
    size_t i, k, nv;

    if (n == 0 || n > ZTO_MAX_RV_ENTRIES) {
        codec_enc_fail(e, ZTO_E_ARG);
        return;
    }
    zto_cbor_put_array(e, n);
    for (i = 0; i < n; i++) {
        if ((nv = directive_vars(&dir[i], vars)) == 0 ||
            nv > ZTO_MAX_RV_INSTRS) {
            codec_enc_fail(e, ZTO_E_ARG);
            return;
        }
        zto_cbor_put_array(e, nv);
        for (k = 0; k < nv; k++)
            instr_enc(e, &dir[i], vars[k]);
    }
}
