/*
 * extend.c - `fdo-voucher extend`: verify a voucher, check that the given
 * private key is its current owner, append an entry naming the next owner
 * (FDO 1.1 section 6.3), check the result and write it atomically.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vt_int.h"

static const char help[] =
    "usage: fdo-voucher extend --voucher IN --owner-key KEY\n"
    "                          --next-owner PUBKEY_OR_CERT -o OUT [options]\n"
    "\n"
    "Extend one voucher to the next owner (late binding at shipment). IN\n"
    "must hold exactly one voucher (PEM or CBOR). Before signing, the\n"
    "voucher is verified (as 'fdo-voucher verify') and KEY must be its\n"
    "current owner. The new entry names the next owner's key with the\n"
    "manufacturer key's encoding (X509 or COSEKEY; X5CHAIN when the voucher\n"
    "uses X5CHAIN, which needs a certificate chain). The result is verified\n"
    "again and written atomically: OUT is either absent, the old file, or\n"
    "the complete new voucher.\n"
    "\n"
    "  -i, --voucher IN        the voucher to extend\n"
    "  -k, --owner-key KEY     current owner's private key: PEM (PKCS#8,\n"
    "                          SEC1 'EC PRIVATE KEY', PKCS#1 'RSA PRIVATE\n"
    "                          KEY') or DER, unencrypted, mode 600 or\n"
    "                          stricter (PKCS#11 URIs are not supported)\n"
    "  -n, --next-owner PUB    next owner: PEM public key, or certificate\n"
    "                          chain leaf first (DER accepted too)\n"
    "  -o, --output OUT        where to write; refused if it exists unless\n"
    "                          --force, or OUT is literally the path IN\n"
    "                          (replace in place)\n"
    "  --format pem|cbor       output format (default: cbor if OUT ends in\n"
    "                          .cbor, else pem)\n"
    "  --extra KEY=HEX         OVEExtra entry (integer key, hex value); may\n"
    "                          repeat. Default: OVEExtra is null\n"
    "  --extra-empty           write OVEExtra as an empty map (as go-fdo)\n"
    "  --secret HEX | --secret-file F\n"
    "                          also check the header HMAC first\n"
    "  --ca CA.pem             roots for the device chain (may repeat)\n"
    "  --force                 replace OUT if it exists\n"
    "  --insecure-key-perms    accept a KEY file readable by group/others\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 written, 1 refused or failed (nothing written), 2\n"
    "usage.\n";

zto_err_t
vt_extra_build(char *const *kv, size_t n, bool empty, uint8_t *buf, size_t cap,
               struct zto_bytes *out, struct vt_err *e)
{
    struct zto_cbor_enc enc;
    struct zto_cbor_mark m;
    long long keys[VT_MAX_EXTRA];
    uint8_t val[1024];
    size_t i, k, len = 0, vl;
    zto_err_t r;

    if (n == 0 && !empty) {
        *out = ZTO_BYTES_NULL;
        return ZTO_OK;
    }
    if (n > VT_MAX_EXTRA)
        return vt_fail(e, ZTO_E_TOO_BIG, "more than %d --extra values",
                       VT_MAX_EXTRA);
    zto_cbor_enc_init(&enc, buf, cap);
    zto_cbor_bstr_open(&enc, &m);
    zto_cbor_put_map(&enc, n);
    for (i = 0; i < n; i++) {
        const char *eq = strchr(kv[i], '=');
        char *end = NULL;

        errno = 0;
        keys[i] = eq != NULL ? strtoll(kv[i], &end, 10) : 0;
        if (eq == NULL || end != eq || end == kv[i] || errno != 0 ||
            keys[i] < INT32_MIN || keys[i] > INT32_MAX)
            return vt_fail(e, ZTO_E_ARG,
                           "--extra %s: expected KEY=HEX with an integer "
                           "KEY",
                           kv[i]);
        for (k = 0; k < i; k++)
            if (keys[k] == keys[i])
                return vt_fail(e, ZTO_E_ARG, "--extra: key %lld given twice",
                               keys[i]);
        if ((r = zto_hex_decode(eq + 1, strlen(eq + 1), val, sizeof(val),
                                &vl)) != ZTO_OK)
            return vt_fail(e, ZTO_E_ARG,
                           "--extra %s: value must be hex (at most %zu "
                           "bytes)",
                           kv[i], sizeof(val));
        zto_cbor_put_int(&enc, keys[i]);
        zto_cbor_put_bstr(&enc, val, vl);
    }
    zto_cbor_bstr_close(&enc, &m);
    if ((r = zto_cbor_enc_finish(&enc, &len)) != ZTO_OK)
        return vt_fail(e, r, "--extra: too large");
    *out = ZTO_BYTES(buf, len);
    return ZTO_OK;
}

/* The COSE alg for entries signed by this voucher's owner keys (section
 * 6.3 step 4): PSS for RSAPSS, PKCS#1 v1.5 for the other RSA types. */
static int32_t
sig_alg(int32_t voucher_type, const struct zto_key *k)
{
    if (voucher_type == ZTO_PK_RSAPSS)
        return k->bits >= 3072 ? ZTO_COSE_PS384 : ZTO_COSE_PS256;
    if (voucher_type == ZTO_PK_RSA2048RESTR || voucher_type == ZTO_PK_RSAPKCS)
        return k->bits >= 3072 ? ZTO_COSE_RS384 : ZTO_COSE_RS256;
    return zto_key_sig_alg(k);
}

/* The key of the voucher's current owner must be the one given. */
static zto_err_t
check_owner(const struct zto_voucher *v, const struct zto_key *owner,
            struct zto_pubkey *cur, struct vt_err *e)
{
    struct zto_key ck;
    char have[65], want[65];
    zto_err_t r;

    zto_key_init(&ck);
    if ((r = zto_voucher_owner_key(v, cur)) != ZTO_OK ||
        (r = zto_key_from_pubkey(cur, &ck)) != ZTO_OK)
        return vt_fail(e, r, "the voucher's current owner key is unusable");
    r = zto_key_equal(&ck, owner);
    zto_key_free(&ck);
    if (r == ZTO_OK)
        return ZTO_OK;
    if (vt_key_fingerprint(owner, have) != ZTO_OK)
        memcpy(have, "?", 2);
    if (vt_pubkey_fingerprint(cur, want) != ZTO_OK)
        memcpy(want, "?", 2);
    return vt_fail(e, ZTO_E_KEY_MISMATCH,
                   "owner key does not match the voucher's current owner "
                   "(fingerprint %s, expected %s)",
                   have, want);
}

/* The written voucher is checked like any other before it leaves. */
static zto_err_t
check_result(const uint8_t *buf, size_t len, const struct vt_extend_job *j,
             size_t want_entries, struct vt_err *e)
{
    struct zto_voucher ov;
    struct zto_pubkey last;
    struct vt_check_opts co = *j->check;
    struct zto_key lk;
    zto_err_t r;

    co.expect_owner = &j->next->key;
    if ((r = zto_voucher_decode(buf, len, &ov)) != ZTO_OK)
        return vt_fail(e, r, "the extended voucher does not decode: %s",
                       zto_strerror(r));
    if (ov.nentries != want_entries)
        return vt_fail(e, ZTO_E_INTERNAL,
                       "the extended voucher has %zu "
                       "entries, expected %zu",
                       ov.nentries, want_entries);
    if ((r = vt_check_voucher(&ov, &co, NULL, e)) != ZTO_OK) {
        vt_err_prefix(e, "the extended voucher does not verify");
        return r;
    }
    zto_key_init(&lk);
    if ((r = zto_voucher_owner_key(&ov, &last)) == ZTO_OK &&
        (r = zto_key_from_pubkey(&last, &lk)) == ZTO_OK)
        r = zto_key_equal(&lk, &j->next->key);
    zto_key_free(&lk);
    if (r != ZTO_OK)
        return vt_fail(e, r,
                       "the extended voucher does not name the next "
                       "owner");
    return ZTO_OK;
}

zto_err_t
vt_extend_one(const struct vt_blob *in, const struct vt_extend_job *j,
              const char *out_path, char guid_hex[33], struct vt_err *e)
{
    struct zto_voucher v;
    struct zto_pubkey cur, next;
    struct zto_signer sg;
    uint8_t *pkbuf = NULL, *out = NULL, *text = NULL;
    size_t cap, olen = 0, tlen = 0;
    zto_err_t r;

    guid_hex[0] = 0;
    if ((r = vt_voucher_decode(in, &v, e)) != ZTO_OK)
        return r;
    vt_guid_hex(&v, guid_hex);
    if ((r = vt_check_voucher(&v, j->check, NULL, e)) != ZTO_OK) {
        vt_err_prefix(e, "voucher does not verify");
        return r;
    }
    if (v.nentries >= ZTO_MAX_OV_ENTRIES)
        return vt_fail(e, ZTO_E_TOO_BIG, "the voucher already has %d entries",
                       ZTO_MAX_OV_ENTRIES);
    if ((r = check_owner(&v, j->owner, &cur, e)) != ZTO_OK)
        return r;
    cap = in->len + 2 * ZTO_MAX_PUBKEY_SIZE + j->extra.len + 4096;
    if ((pkbuf = malloc(ZTO_MAX_PUBKEY_SIZE)) == NULL ||
        (out = malloc(cap)) == NULL) {
        r = vt_fail(e, ZTO_E_NOMEM, "out of memory");
        goto out;
    }
    if ((r = vt_next_owner_pubkey(j->next, &v.hdr.mfg_key, pkbuf,
                                  ZTO_MAX_PUBKEY_SIZE, &next, e)) != ZTO_OK)
        goto out;
    zto_signer_from_key(&sg, j->owner);
    sg.alg = sig_alg(cur.type, j->owner);
    if ((r = zto_voucher_extend(&v, &sg, &next, j->extra, out, cap, &olen)) !=
        ZTO_OK) {
        r = vt_fail(e, r, "cannot extend: %s", zto_strerror(r));
        goto out;
    }
    if ((r = check_result(out, olen, j, v.nentries + 1, e)) != ZTO_OK ||
        (r = vt_voucher_encode(out, olen, j->format, &text, &tlen, e)) !=
            ZTO_OK ||
        (r = vt_file_write_atomic(out_path, text, tlen, j->replace, e)) !=
            ZTO_OK)
        goto out;
    r = ZTO_OK;
out:
    free(text);
    free(out);
    free(pkbuf);
    return r;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int
vt_cmd_extend(int argc, char **argv)
{
    static const struct option opts[] = {
        {"voucher", required_argument, NULL, 'i'},
        {"owner-key", required_argument, NULL, 'k'},
        {"next-owner", required_argument, NULL, 'n'},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"extra", required_argument, NULL, 'x'},
        {"extra-empty", no_argument, NULL, 'X'},
        {"secret", required_argument, NULL, 's'},
        {"secret-file", required_argument, NULL, 'S'},
        {"ca", required_argument, NULL, 'c'},
        {"force", no_argument, NULL, 'F'},
        {"insecure-key-perms", no_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *in = NULL, *keyf = NULL, *nextf = NULL, *outp = NULL;
    const char *secret_hex = NULL, *secret_file = NULL;
    char *extra_kv[VT_MAX_EXTRA + 1];
    size_t nextra = 0, secret_len = 0;
    bool extra_empty = false, force = false, insecure = false, fmt_set = false;
    uint8_t secret[VT_MAX_SECRET], extra_buf[VT_MAX_EXTRA * 1100 + 64];
    enum vt_format fmt = VT_FMT_PEM;
    struct vt_roots roots;
    struct vt_next_owner next;
    struct vt_check_opts co;
    struct vt_extend_job job;
    struct zto_key owner;
    struct vt_file f;
    struct vt_err e;
    char guid[33];
    int c, same, rc = VT_EXIT_FAIL;

    memset(&roots, 0, sizeof(roots));
    memset(&f, 0, sizeof(f));
    memset(&job, 0, sizeof(job));
    vt_next_owner_init(&next);
    zto_key_init(&owner);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":i:k:n:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            in = optarg;
            break;
        case 'k':
            keyf = optarg;
            break;
        case 'n':
            nextf = optarg;
            break;
        case 'o':
            outp = optarg;
            break;
        case 'f':
            if (!vt_format_parse(optarg, &fmt)) {
                vt_usage_err("extend", "--format must be pem or cbor");
                rc = VT_EXIT_USAGE;
                goto out;
            }
            fmt_set = true;
            break;
        case 'x':
            if (nextra == VT_MAX_EXTRA) {
                vt_usage_err("extend", "at most %d --extra values",
                             VT_MAX_EXTRA);
                rc = VT_EXIT_USAGE;
                goto out;
            }
            extra_kv[nextra++] = optarg;
            break;
        case 'X':
            extra_empty = true;
            break;
        case 's':
            secret_hex = optarg;
            break;
        case 'S':
            secret_file = optarg;
            break;
        case 'c':
            if (vt_roots_add_file(&roots, optarg, &e) != ZTO_OK) {
                vt_print_err("extend", &e);
                goto out;
            }
            break;
        case 'F':
            force = true;
            break;
        case 'I':
            insecure = true;
            break;
        case 'h':
            fputs(help, stdout);
            rc = VT_EXIT_OK;
            goto out;
        default:
            vt_opt_error("extend", c, optopt, argv, optind);
            rc = VT_EXIT_USAGE;
            goto out;
        }
    }
    if (optind != argc) {
        vt_usage_err("extend", "unexpected argument '%s'", argv[optind]);
        rc = VT_EXIT_USAGE;
        goto out;
    }
    if (in == NULL || keyf == NULL || nextf == NULL || outp == NULL) {
        vt_usage_err("extend", "--voucher, --owner-key, --next-owner and -o "
                               "are required");
        rc = VT_EXIT_USAGE;
        goto out;
    }
    if ((secret_hex != NULL && secret_file != NULL) ||
        (nextra > 0 && extra_empty)) {
        vt_usage_err("extend", "--secret and --secret-file, or --extra and "
                               "--extra-empty, exclude each other");
        rc = VT_EXIT_USAGE;
        goto out;
    }
    if (!fmt_set)
        fmt = ends_with(outp, ".cbor") ? VT_FMT_CBOR : VT_FMT_PEM;

    /* Decide about OUT before any work: never clobber by surprise. */
    if (vt_out_dir_check(outp, &e) != ZTO_OK) {
        vt_print_err("extend", &e);
        goto out;
    }
    same = vt_same_file(outp, in);
    if (same == 1 && strcmp(outp, in) != 0) {
        vt_fail(&e, ZTO_E_EXISTS,
                "%s is the input voucher under another name; to replace "
                "the input, give the same path to --voucher and -o",
                outp);
        vt_print_err("extend", &e);
        goto out;
    }
    job.replace = same == 1 || force;
    if (same != 1 && !force && vt_path_exists(outp)) {
        vt_fail(&e, ZTO_E_EXISTS,
                "%s: already exists (use --force to "
                "replace it)",
                outp);
        vt_print_err("extend", &e);
        goto out;
    }

    if (vt_extra_build(extra_kv, nextra, extra_empty, extra_buf,
                       sizeof(extra_buf), &job.extra, &e) != ZTO_OK ||
        (secret_hex != NULL &&
         vt_secret_from_hex(secret_hex, secret, &secret_len, &e) != ZTO_OK) ||
        (secret_file != NULL &&
         vt_secret_from_file(secret_file, secret, &secret_len, &e) != ZTO_OK) ||
        vt_file_load(in, &f, &e) != ZTO_OK) {
        vt_print_err("extend", &e);
        goto out;
    }
    if (f.n != 1) {
        vt_fail(&e, ZTO_E_ARG,
                "%s holds %zu vouchers; extend takes a file with one (use "
                "extend-batch for several)",
                in, f.n);
        vt_print_err("extend", &e);
        goto out;
    }
    if (vt_private_key_load(keyf, insecure, &owner, &e) != ZTO_OK ||
        vt_next_owner_load(nextf, &next, &e) != ZTO_OK) {
        vt_print_err("extend", &e);
        goto out;
    }
    memset(&co, 0, sizeof(co));
    co.secret = secret_hex != NULL || secret_file != NULL ? secret : NULL;
    co.secret_len = secret_len;
    co.roots = roots.n > 0 ? roots.cert : NULL;
    co.nroots = roots.n;
    job.owner = &owner;
    job.next = &next;
    job.check = &co;
    job.format = fmt;
    if (vt_extend_one(&f.v[0], &job, outp, guid, &e) != ZTO_OK) {
        if (guid[0] != 0)
            vt_err_prefix(&e, "%s (GUID %s)", in, guid);
        else
            vt_err_prefix(&e, "%s", in);
        vt_print_err("extend", &e);
        goto out;
    }
    printf("extended %s: next owner fingerprint %s; wrote %s (%s)\n", guid,
           next.fp, outp, fmt == VT_FMT_PEM ? "PEM" : "CBOR");
    rc = VT_EXIT_OK;
out:
    zto_zeroize(secret, sizeof(secret));
    vt_file_free(&f);
    vt_roots_free(&roots);
    vt_next_owner_free(&next);
    zto_key_free(&owner);
    return rc;
}
