/*
 * rvinfo.c - RendezvousInfo instructions as a person reads them (FDO 1.1
 * sections 7.1, 7.2): each value is bstr-wrapped CBOR whose type depends
 * on the variable. Values that do not decode are shown, marked bad, rather
 * than hidden: this is an inspection tool.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "vt_int.h"

static void
hex_text(struct vt_rv_instr *ins, struct zto_bytes b)
{
    size_t n = b.len;

    /* Keep the line readable: long values are cut (marked by "..."). */
    if (n > 100)
        n = 100;
    vt_hex(b.p, n, ins->text);
    if (n < b.len)
        memcpy(ins->text + 2 * n, "...", 4);
}

static void
decode_value(struct vt_rv_instr *ins, struct zto_bytes v)
{
    struct zto_cbor_dec d;
    struct zto_bytes s;
    struct zto_hash h;
    char hx[2 * ZTO_HASH_MAX_LEN + 1];
    uint64_t u;
    bool b;

    zto_cbor_dec_init(&d, v.p, v.len);
    switch (ins->var) {
    case ZTO_RV_DEV_ONLY:
    case ZTO_RV_OWNER_ONLY:
    case ZTO_RV_BYPASS:
        /* Flags may carry null or true (section 7.1). */
        if (zto_cbor_peek_null(&d) && zto_cbor_get_null(&d) == ZTO_OK &&
            zto_cbor_dec_finish(&d) == ZTO_OK)
            return;
        zto_cbor_dec_init(&d, v.p, v.len);
        if (zto_cbor_get_bool(&d, &b) == ZTO_OK && b &&
            zto_cbor_dec_finish(&d) == ZTO_OK)
            return;
        break;
    case ZTO_RV_DEV_PORT:
    case ZTO_RV_OWNER_PORT:
    case ZTO_RV_MEDIUM:
    case ZTO_RV_PROTOCOL:
    case ZTO_RV_DELAYSEC:
        if (zto_cbor_get_uint(&d, &u) == ZTO_OK &&
            zto_cbor_dec_finish(&d) == ZTO_OK) {
            ins->kind = VT_RV_UINT;
            ins->u = u;
            return;
        }
        break;
    case ZTO_RV_DNS:
    case ZTO_RV_WIFI_SSID:
    case ZTO_RV_WIFI_PW:
        if (zto_cbor_get_tstr(&d, &s) == ZTO_OK &&
            zto_cbor_dec_finish(&d) == ZTO_OK) {
            ins->kind = ins->var == ZTO_RV_WIFI_PW ? VT_RV_HIDDEN : VT_RV_STR;
            ins->s = s;
            return;
        }
        break;
    case ZTO_RV_IP_ADDRESS:
        if (zto_cbor_get_bstr(&d, &s) == ZTO_OK &&
            zto_cbor_dec_finish(&d) == ZTO_OK && (s.len == 4 || s.len == 16)) {
            uint8_t a[16];
            memcpy(a, s.p, s.len);
            ins->kind = VT_RV_TEXT;
            if (inet_ntop(s.len == 4 ? AF_INET : AF_INET6, a, ins->text,
                          sizeof(ins->text)) != NULL)
                return;
        }
        break;
    case ZTO_RV_SV_CERT_HASH:
    case ZTO_RV_CL_CERT_HASH:
        if (zto_hash_dec(&d, &h) == ZTO_OK &&
            zto_cbor_dec_finish(&d) == ZTO_OK) {
            vt_hex(h.value.p, h.value.len, hx);
            ins->kind = VT_RV_TEXT;
            snprintf(ins->text, sizeof(ins->text), "%s:%s",
                     vt_name_hash(h.type), hx);
            return;
        }
        break;
    case ZTO_RV_USER_INPUT:
        if (zto_cbor_get_bool(&d, &b) == ZTO_OK &&
            zto_cbor_dec_finish(&d) == ZTO_OK) {
            ins->kind = VT_RV_BOOL;
            ins->b = b;
            return;
        }
        break;
    case ZTO_RV_EXT_RV:
        if (zto_cbor_validate(v.p, v.len) == ZTO_OK) {
            ins->kind = VT_RV_TEXT;
            hex_text(ins, v);
            return;
        }
        break;
    default:
        ins->kind = VT_RV_TEXT;
        hex_text(ins, v);
        return;
    }
    ins->kind = VT_RV_BAD;
    hex_text(ins, v);
}

zto_err_t
vt_rv_next(struct zto_bytes directive, size_t *pos, struct vt_rv_instr *ins)
{
    struct zto_cbor_dec d;
    struct zto_bytes v;
    size_t n, m, i;
    uint8_t var;
    zto_err_t r;

    zto_cbor_dec_init(&d, directive.p, directive.len);
    if ((r = zto_cbor_get_array(&d, &n)) != ZTO_OK)
        return r;
    if (*pos >= n)
        return ZTO_E_NOT_FOUND;
    for (i = 0; i < *pos; i++)
        if ((r = zto_cbor_skip(&d)) != ZTO_OK)
            return r;
    memset(ins, 0, sizeof(*ins));
    if ((r = zto_cbor_get_array(&d, &m)) != ZTO_OK)
        return r;
    if (m != 1 && m != 2)
        return ZTO_E_RANGE;
    if ((r = zto_cbor_get_u8(&d, &var)) != ZTO_OK)
        return r;
    ins->var = var;
    ins->kind = VT_RV_FLAG;
    if (m == 2) {
        if ((r = zto_cbor_get_bstr(&d, &v)) != ZTO_OK)
            return r;
        decode_value(ins, v);
    } else if (var != ZTO_RV_DEV_ONLY && var != ZTO_RV_OWNER_ONLY &&
               var != ZTO_RV_BYPASS && var != ZTO_RV_USER_INPUT) {
        ins->kind = VT_RV_BAD;
        snprintf(ins->text, sizeof(ins->text), "(value missing)");
    } else if (var == ZTO_RV_USER_INPUT) {
        ins->kind = VT_RV_BOOL;
        ins->b = true;
    }
    (*pos)++;
    return ZTO_OK;
}
