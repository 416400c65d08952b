/*
 * show.c - `fdo-voucher show`: every voucher in a file, as text for a
 * person or as JSON (show_json.c) for scripts.
 */
#include <getopt.h>
#include <string.h>

#include "vt_int.h"

static const char help[] =
    "usage: fdo-voucher show FILE [--json]\n"
    "\n"
    "Print every voucher in FILE (PEM with one or more OWNERSHIP VOUCHER\n"
    "blocks, or raw CBOR; '-' reads stdin): GUID, protocol version,\n"
    "DeviceInfo, RendezvousInfo directives, manufacturer key, device\n"
    "certificate chain, hash and HMAC types, each entry and the current\n"
    "owner key. Key fingerprints are SHA-256 over the key's DER\n"
    "SubjectPublicKeyInfo (as 'openssl pkey -pubin -outform DER | "
    "sha256sum'),\n"
    "whatever the key's encoding in the voucher. Nothing is verified here:\n"
    "use 'fdo-voucher verify'.\n"
    "\n"
    "  --json      one JSON document: {\"file\", \"count\", \"vouchers\": "
    "[...]}\n"
    "              (fields in docs/voucher-tool.md)\n"
    "  -h, --help  this text\n"
    "\n"
    "Exit status: 0 when every voucher decodes, 1 otherwise, 2 usage.\n";

static void
label(const char *l)
{
    printf("%-19s", l);
}

static void
print_key(const char *l, const struct zto_pubkey *pk)
{
    struct vt_keydesc kd;

    vt_key_describe(pk, &kd);
    label(l);
    printf("%s, %s, fingerprint %s\n", kd.curve, vt_name_pk_enc(pk->enc),
           kd.fp);
}

static void
print_cert(const char *pre, size_t i, struct zto_bytes der)
{
    struct vt_certinfo ci;

    if (vt_cert_info(der, &ci) != ZTO_OK) {
        printf("%s[%zu] (not a parsable X.509 certificate, %zu bytes)\n", pre,
               i, der.len);
        return;
    }
    printf("%s[%zu] subject: ", pre, i);
    vt_print_safe(stdout, (const uint8_t *)ci.subject, strlen(ci.subject));
    printf("\n%s    issuer:  ", pre);
    vt_print_safe(stdout, (const uint8_t *)ci.issuer, strlen(ci.issuer));
    printf("%s\n%s    valid:   %s .. %s%s\n",
           ci.self_signed ? " (self-signed)" : "", pre, ci.not_before,
           ci.not_after,
           ci.time_state > 0   ? " (EXPIRED)"
           : ci.time_state < 0 ? " (NOT YET VALID)"
                               : "");
    printf("%s    key:     %s; certificate SHA-256 %s\n", pre, ci.key,
           ci.sha256);
}

static void
print_instr(const struct vt_rv_instr *ins)
{
    char m[16];

    printf("%s", vt_name_rv_var(ins->var));
    if (ins->var > ZTO_RV_EXT_RV)
        printf("(%u)", ins->var);
    switch (ins->kind) {
    case VT_RV_FLAG:
        break;
    case VT_RV_UINT:
        if (ins->var == ZTO_RV_PROTOCOL)
            printf(" = %s (%llu)", vt_name_rv_protocol(ins->u),
                   (unsigned long long)ins->u);
        else if (ins->var == ZTO_RV_MEDIUM)
            printf(" = %s (%llu)", vt_name_rv_medium(ins->u, m, sizeof(m)),
                   (unsigned long long)ins->u);
        else
            printf(" = %llu", (unsigned long long)ins->u);
        break;
    case VT_RV_BOOL:
        printf(" = %s", ins->b ? "true" : "false");
        break;
    case VT_RV_STR:
        printf(" = \"");
        vt_print_safe(stdout, ins->s.p, ins->s.len);
        printf("\"");
        break;
    case VT_RV_TEXT:
        printf(" = %s", ins->text);
        break;
    case VT_RV_HIDDEN:
        printf(" = (set, not shown)");
        break;
    case VT_RV_BAD:
        printf(" = (malformed: %s)", ins->text);
        break;
    }
    printf("\n");
}

static void
print_rvinfo(const struct zto_voucher *v)
{
    const struct zto_rvinfo *rv = &v->hdr.rvinfo;
    struct vt_rv_instr ins;
    size_t i, pos;
    zto_err_t r;

    label("Rendezvous info");
    printf("%zu directive%s\n", rv->ndirectives,
           rv->ndirectives == 1 ? "" : "s");
    for (i = 0; i < rv->ndirectives; i++) {
        pos = 0;
        printf("  [%zu]", i);
        if ((r = vt_directive_check(rv->directive[i])) != ZTO_OK)
            printf(" (devices skip this directive: %s)\n     ",
                   zto_strerror(r));
        else
            printf(" ");
        while ((r = vt_rv_next(rv->directive[i], &pos, &ins)) == ZTO_OK) {
            if (pos > 1)
                printf("      ");
            print_instr(&ins);
        }
        if (r != ZTO_E_NOT_FOUND)
            printf("(malformed directive: %s)\n", zto_strerror(r));
    }
}

static void
print_entries(const struct zto_voucher *v)
{
    size_t i;

    label("Entries");
    printf("%zu", v->nentries);
    if (v->nentries > 0)
        printf(" (hash %s)", vt_name_hash(vt_entry_hash_type(v)));
    printf("\n");
    for (i = 0; i < v->nentries; i++) {
        struct zto_bytes raw;
        struct zto_ov_entry e;
        struct vt_keydesc kd;
        char hx[2 * 64 + 1];

        if (zto_voucher_entry(v, i, &raw) != ZTO_OK ||
            zto_ov_entry_decode(raw.p, raw.len, &e) != ZTO_OK) {
            printf("  [%zu] (malformed entry)\n", i);
            continue;
        }
        vt_key_describe(&e.pubkey, &kd);
        printf("  [%zu] signed %s by the %s key; hashes %s/%s; extra ", i,
               vt_name_alg(e.cose.alg),
               i == 0 ? "manufacturer" : "previous owner",
               vt_name_hash(e.hash_prev.type), vt_name_hash(e.hash_hdr.type));
        if (!e.has_extra) {
            printf("null\n");
        } else if (e.extra.len <= 64) {
            vt_hex(e.extra.p, e.extra.len, hx);
            printf("%s\n", hx);
        } else {
            printf("(%zu bytes)\n", e.extra.len);
        }
        printf("      next owner: %s, %s, fingerprint %s\n", kd.curve,
               vt_name_pk_enc(e.pubkey.enc), kd.fp);
        if (e.pubkey.enc == ZTO_PKENC_X5CHAIN) {
            struct zto_bytes der;
            size_t k;
            for (k = 0; zto_pubkey_x5chain_cert(&e.pubkey, k, &der) == ZTO_OK;
                 k++)
                print_cert("      ", k, der);
        }
    }
}

static void
print_voucher(const struct zto_voucher *v)
{
    struct zto_pubkey owner;
    char hx[2 * ZTO_HASH_MAX_LEN + 1], guid[33];
    size_t i;

    vt_guid_hex(v, guid);
    label("GUID");
    printf("%s\n", guid);
    label("Protocol version");
    printf("%u\n", (unsigned)v->protver);
    label("Device info");
    printf("\"");
    vt_print_safe(stdout, v->hdr.device_info.p, v->hdr.device_info.len);
    printf("\"\n");
    print_rvinfo(v);
    print_key("Manufacturer key", &v->hdr.mfg_key);
    if (v->hdr.mfg_key.enc == ZTO_PKENC_X5CHAIN) {
        struct zto_bytes der;
        for (i = 0; zto_pubkey_x5chain_cert(&v->hdr.mfg_key, i, &der) == ZTO_OK;
             i++)
            print_cert("  ", i, der);
    }
    vt_hex(v->hmac.value.p, v->hmac.value.len, hx);
    label("Header HMAC");
    printf("%s %s\n", vt_name_hash(v->hmac.type), hx);
    label("Cert chain hash");
    if (v->hdr.has_cert_hash) {
        vt_hex(v->hdr.cert_hash.value.p, v->hdr.cert_hash.value.len, hx);
        printf("%s %s\n", vt_name_hash(v->hdr.cert_hash.type), hx);
    } else {
        printf("none\n");
    }
    label("Device cert chain");
    if (!v->has_chain) {
        printf("none\n");
    } else {
        printf("%zu certificate%s\n", v->ncerts, v->ncerts == 1 ? "" : "s");
        for (i = 0; i < v->ncerts; i++)
            print_cert("  ", i, v->cert[i]);
    }
    print_entries(v);
    if (zto_voucher_owner_key(v, &owner) == ZTO_OK)
        print_key("Current owner key", &owner);
}

int
vt_cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct vt_file f;
    struct vt_err e;
    struct vt_json j;
    bool json = false;
    size_t i, bad = 0;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(help, stdout);
            return VT_EXIT_OK;
        default:
            vt_opt_error("show", c, optopt, argv, optind);
            return VT_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        vt_usage_err("show", "expected one FILE");
        return VT_EXIT_USAGE;
    }
    if (vt_file_load(argv[optind], &f, &e) != ZTO_OK) {
        vt_print_err("show", &e);
        return VT_EXIT_FAIL;
    }
    if (json) {
        vt_json_init(&j, stdout);
        vt_json_obj(&j, NULL);
        vt_json_cstr(&j, "file", f.path);
        vt_json_uint(&j, "count", f.n);
        vt_json_arr(&j, "vouchers");
    }
    for (i = 0; i < f.n; i++) {
        struct zto_voucher v;
        zto_err_t r = vt_voucher_decode(&f.v[i], &v, &e);
        if (r != ZTO_OK) {
            bad++;
            /* Stderr names the block; stdout keeps the other vouchers. */
            fprintf(stderr, "fdo-voucher show: %s: voucher %zu: %s\n", f.path,
                    i + 1, e.msg);
        }
        if (json) {
            if (r == ZTO_OK) {
                vt_show_json_voucher(&j, &v, i);
            } else {
                vt_json_obj(&j, NULL);
                vt_json_uint(&j, "index", i);
                vt_json_cstr(&j, "error", e.msg);
                vt_json_obj_end(&j);
            }
            continue;
        }
        if (f.n > 1)
            printf("%s== voucher %zu of %zu in %s ==\n", i > 0 ? "\n" : "",
                   i + 1, f.n, f.path);
        if (r == ZTO_OK)
            print_voucher(&v);
        else
            printf("(unreadable: %s)\n", e.msg);
    }
    if (json) {
        vt_json_arr_end(&j);
        vt_json_obj_end(&j);
        vt_json_end(&j);
    }
    vt_file_free(&f);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "fdo-voucher show: cannot write the output\n");
        return VT_EXIT_FAIL;
    }
    return bad > 0 ? VT_EXIT_FAIL : VT_EXIT_OK;
}
