/*
 * show_json.c - the JSON form of a voucher for `show --json`. The field
 * names are a stable interface (docs/voucher-tool.md): add fields, never
 * rename or retype them.
 */
#include <string.h>

#include "vt_int.h"

static void
json_cert(struct vt_json *j, struct zto_bytes der)
{
    struct vt_certinfo ci;

    vt_json_obj(j, NULL);
    if (vt_cert_info(der, &ci) != ZTO_OK) {
        vt_json_cstr(j, "error", "not a parsable X.509 certificate");
        vt_json_hex(j, "der", der.p, der.len);
        vt_json_obj_end(j);
        return;
    }
    vt_json_cstr(j, "subject", ci.subject);
    vt_json_cstr(j, "issuer", ci.issuer);
    vt_json_cstr(j, "serial", ci.serial);
    vt_json_cstr(j, "not_before", ci.not_before);
    vt_json_cstr(j, "not_after", ci.not_after);
    vt_json_cstr(j, "validity",
                 ci.time_state > 0   ? "expired"
                 : ci.time_state < 0 ? "not_yet_valid"
                                     : "valid");
    vt_json_bool(j, "self_signed", ci.self_signed);
    vt_json_cstr(j, "key", ci.key);
    vt_json_cstr(j, "sha256", ci.sha256);
    vt_json_obj_end(j);
}

static void
json_key(struct vt_json *j, const char *name, const struct zto_pubkey *pk)
{
    struct vt_keydesc kd;
    struct zto_bytes der;
    size_t i;

    vt_key_describe(pk, &kd);
    vt_json_obj(j, name);
    vt_json_int(j, "type", pk->type);
    vt_json_cstr(j, "type_name", vt_name_pk_type(pk->type));
    vt_json_int(j, "encoding", pk->enc);
    vt_json_cstr(j, "encoding_name", vt_name_pk_enc(pk->enc));
    if (kd.ok) {
        vt_json_uint(j, "bits", kd.bits);
        vt_json_cstr(j, "fingerprint_sha256", kd.fp);
    } else {
        vt_json_null(j, "bits");
        vt_json_null(j, "fingerprint_sha256");
    }
    if (pk->enc == ZTO_PKENC_X5CHAIN) {
        vt_json_arr(j, "certificates");
        for (i = 0; zto_pubkey_x5chain_cert(pk, i, &der) == ZTO_OK; i++)
            json_cert(j, der);
        vt_json_arr_end(j);
    }
    vt_json_obj_end(j);
}

static void
json_hash(struct vt_json *j, const char *name, const struct zto_hash *h)
{
    vt_json_obj(j, name);
    vt_json_int(j, "type", h->type);
    vt_json_cstr(j, "type_name", vt_name_hash(h->type));
    vt_json_hex(j, "value", h->value.p, h->value.len);
    vt_json_obj_end(j);
}

static void
json_instr(struct vt_json *j, const struct vt_rv_instr *ins)
{
    char m[16];

    vt_json_obj(j, NULL);
    vt_json_uint(j, "variable", ins->var);
    vt_json_cstr(j, "name", vt_name_rv_var(ins->var));
    switch (ins->kind) {
    case VT_RV_FLAG:
        vt_json_bool(j, "value", true);
        break;
    case VT_RV_UINT:
        vt_json_uint(j, "value", ins->u);
        if (ins->var == ZTO_RV_PROTOCOL)
            vt_json_cstr(j, "value_name", vt_name_rv_protocol(ins->u));
        else if (ins->var == ZTO_RV_MEDIUM)
            vt_json_cstr(j, "value_name",
                         vt_name_rv_medium(ins->u, m, sizeof(m)));
        break;
    case VT_RV_BOOL:
        vt_json_bool(j, "value", ins->b);
        break;
    case VT_RV_STR:
        vt_json_str(j, "value", ins->s.p, ins->s.len);
        break;
    case VT_RV_TEXT:
        vt_json_cstr(j, "value", ins->text);
        break;
    case VT_RV_HIDDEN:
        vt_json_null(j, "value");
        vt_json_bool(j, "hidden", true);
        break;
    case VT_RV_BAD:
        vt_json_null(j, "value");
        vt_json_cstr(j, "malformed", ins->text);
        break;
    }
    vt_json_obj_end(j);
}

static void
json_rvinfo(struct vt_json *j, const struct zto_rvinfo *rv)
{
    struct vt_rv_instr ins;
    size_t i, pos;
    zto_err_t r;

    vt_json_arr(j, "rendezvous_info");
    for (i = 0; i < rv->ndirectives; i++) {
        vt_json_obj(j, NULL);
        r = vt_directive_check(rv->directive[i]);
        vt_json_bool(j, "usable", r == ZTO_OK);
        if (r != ZTO_OK)
            vt_json_cstr(j, "error", zto_strerror(r));
        vt_json_arr(j, "instructions");
        pos = 0;
        while (vt_rv_next(rv->directive[i], &pos, &ins) == ZTO_OK)
            json_instr(j, &ins);
        vt_json_arr_end(j);
        vt_json_obj_end(j);
    }
    vt_json_arr_end(j);
}

static void
json_entries(struct vt_json *j, const struct zto_voucher *v)
{
    size_t i;

    vt_json_arr(j, "entries");
    for (i = 0; i < v->nentries; i++) {
        struct zto_bytes raw;
        struct zto_ov_entry e;

        vt_json_obj(j, NULL);
        vt_json_uint(j, "index", i);
        if (zto_voucher_entry(v, i, &raw) != ZTO_OK ||
            zto_ov_entry_decode(raw.p, raw.len, &e) != ZTO_OK) {
            vt_json_cstr(j, "error", "malformed entry");
            vt_json_obj_end(j);
            continue;
        }
        vt_json_int(j, "signature_alg", e.cose.alg);
        vt_json_cstr(j, "signature_alg_name", vt_name_alg(e.cose.alg));
        vt_json_cstr(j, "signed_by",
                     i == 0 ? "manufacturer" : "previous_owner");
        vt_json_int(j, "hash_prev_entry_type", e.hash_prev.type);
        vt_json_int(j, "hash_header_info_type", e.hash_hdr.type);
        if (e.has_extra)
            vt_json_hex(j, "extra_cbor", e.extra.p, e.extra.len);
        else
            vt_json_null(j, "extra_cbor");
        json_key(j, "next_owner_key", &e.pubkey);
        vt_json_obj_end(j);
    }
    vt_json_arr_end(j);
}

void
vt_show_json_voucher(struct vt_json *j, const struct zto_voucher *v,
                     size_t index)
{
    struct zto_pubkey owner;
    char guid[33];
    int32_t ht = vt_entry_hash_type(v);
    size_t i;

    vt_guid_hex(v, guid);
    vt_json_obj(j, NULL);
    vt_json_uint(j, "index", index);
    vt_json_uint(j, "protocol_version", v->protver);
    vt_json_cstr(j, "guid", guid);
    vt_json_str(j, "device_info", v->hdr.device_info.p, v->hdr.device_info.len);
    json_rvinfo(j, &v->hdr.rvinfo);
    json_key(j, "manufacturer_key", &v->hdr.mfg_key);
    json_hash(j, "header_hmac", &v->hmac);
    if (v->hdr.has_cert_hash)
        json_hash(j, "cert_chain_hash", &v->hdr.cert_hash);
    else
        vt_json_null(j, "cert_chain_hash");
    if (v->has_chain) {
        vt_json_arr(j, "cert_chain");
        for (i = 0; i < v->ncerts; i++)
            json_cert(j, v->cert[i]);
        vt_json_arr_end(j);
    } else {
        vt_json_null(j, "cert_chain");
    }
    vt_json_int(j, "entry_hash_type", ht);
    vt_json_cstr(j, "entry_hash_type_name", vt_name_hash(ht));
    vt_json_uint(j, "entry_count", v->nentries);
    json_entries(j, v);
    if (zto_voucher_owner_key(v, &owner) == ZTO_OK)
        json_key(j, "owner_key", &owner);
    else
        vt_json_null(j, "owner_key");
    vt_json_obj_end(j);
}
