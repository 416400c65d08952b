/*
 * verify.c - `fdo-voucher verify`: run every check on every voucher in a
 * file and say what was checked. Exit 0 only when all of them pass.
 */
#include <getopt.h>
#include <string.h>

#include "vt_int.h"

static const char help[] =
    "usage: fdo-voucher verify FILE [--secret HEX | --secret-file F]\n"
    "                          [--ca CA.pem ...] [--owner PUBKEY_OR_CERT]\n"
    "\n"
    "Check every voucher in FILE (PEM or CBOR; '-' reads stdin):\n"
    "  - the header HMAC, when the device HMAC secret is given;\n"
    "  - the device certificate chain hash (over the DER certificates);\n"
    "  - the device certificate chain up to a --ca root, or up to its own\n"
    "    self-signed last certificate when no --ca is given (validity\n"
    "    periods are checked against the current time);\n"
    "  - every entry: signature by the previous owner (the manufacturer\n"
    "    for entry 0), previous-entry and header-info hashes, and that\n"
    "    each owner key has the manufacturer key's type, size and\n"
    "    encoding;\n"
    "  - with --owner, that the current owner is that key.\n"
    "Each check is printed as ok, skip or FAIL.\n"
    "\n"
    "  --secret HEX        device HMAC secret, hex (visible in the\n"
    "                      process list: prefer --secret-file)\n"
    "  --secret-file F     file with the secret as hex text, or raw bytes\n"
    "  --ca CA.pem         trusted root(s) for the device chain, PEM, may\n"
    "                      repeat (up to 16 files, 64 certificates)\n"
    "  --owner PUB         the expected current owner: public key or\n"
    "                      certificate, PEM (or DER)\n"
    "  -q, --quiet         print only failures\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 when every voucher passes every check that ran, 1\n"
    "otherwise, 2 usage.\n";

int
vt_cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"secret", required_argument, NULL, 's'},
        {"secret-file", required_argument, NULL, 'S'},
        {"ca", required_argument, NULL, 'c'},
        {"owner", required_argument, NULL, 'O'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint8_t secret[VT_MAX_SECRET];
    size_t secret_len = 0, i, nok = 0;
    bool has_secret = false, quiet = false;
    const char *secret_hex = NULL, *secret_file = NULL, *owner = NULL;
    struct vt_roots roots;
    struct vt_next_owner want;
    struct vt_check_opts co;
    struct vt_file f;
    struct vt_err e;
    int c, rc = VT_EXIT_FAIL;

    memset(&roots, 0, sizeof(roots));
    memset(&f, 0, sizeof(f));
    vt_next_owner_init(&want);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            secret_hex = optarg;
            break;
        case 'S':
            secret_file = optarg;
            break;
        case 'c':
            if (vt_roots_add_file(&roots, optarg, &e) != ZTO_OK) {
                vt_print_err("verify", &e);
                goto out;
            }
            break;
        case 'O':
            owner = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(help, stdout);
            rc = VT_EXIT_OK;
            goto out;
        default:
            vt_opt_error("verify", c, optopt, argv, optind);
            rc = VT_EXIT_USAGE;
            goto out;
        }
    }
    if (optind + 1 != argc) {
        vt_usage_err("verify", "expected one FILE");
        rc = VT_EXIT_USAGE;
        goto out;
    }
    if (secret_hex != NULL && secret_file != NULL) {
        vt_usage_err("verify", "give --secret or --secret-file, not both");
        rc = VT_EXIT_USAGE;
        goto out;
    }
    if ((secret_hex != NULL &&
         vt_secret_from_hex(secret_hex, secret, &secret_len, &e) != ZTO_OK) ||
        (secret_file != NULL &&
         vt_secret_from_file(secret_file, secret, &secret_len, &e) != ZTO_OK) ||
        (owner != NULL && vt_next_owner_load(owner, &want, &e) != ZTO_OK)) {
        vt_print_err("verify", &e);
        goto out;
    }
    has_secret = secret_hex != NULL || secret_file != NULL;
    if (vt_file_load(argv[optind], &f, &e) != ZTO_OK) {
        vt_print_err("verify", &e);
        goto out;
    }
    memset(&co, 0, sizeof(co));
    co.secret = has_secret ? secret : NULL;
    co.secret_len = secret_len;
    co.roots = roots.n > 0 ? roots.cert : NULL;
    co.nroots = roots.n;
    co.expect_owner = owner != NULL ? &want.key : NULL;

    for (i = 0; i < f.n; i++) {
        struct zto_voucher v;
        char guid[33] = "?";
        zto_err_t r;

        if ((r = vt_voucher_decode(&f.v[i], &v, &e)) == ZTO_OK)
            vt_guid_hex(&v, guid);
        if (!quiet)
            printf("%s: voucher %zu of %zu, GUID %s\n", f.path, i + 1, f.n,
                   guid);
        if (r == ZTO_OK)
            r = vt_check_voucher(&v, &co, quiet ? NULL : stdout, &e);
        else if (!quiet)
            printf("  FAIL  %s\n", e.msg);
        if (r == ZTO_OK) {
            nok++;
            if (!quiet)
                printf("  => VERIFIED\n");
        } else {
            if (!quiet)
                printf("  => FAILED\n");
            fprintf(stderr,
                    "fdo-voucher verify: %s: voucher %zu (GUID %s): "
                    "%s\n",
                    f.path, i + 1, guid, e.msg);
        }
    }
    if (!quiet)
        printf("%zu of %zu voucher%s verified\n", nok, f.n,
               f.n == 1 ? "" : "s");
    rc = nok == f.n ? VT_EXIT_OK : VT_EXIT_FAIL;
out:
    zto_zeroize(secret, sizeof(secret));
    vt_file_free(&f);
    vt_roots_free(&roots);
    vt_next_owner_free(&want);
    if (fflush(stdout) != 0 && rc == VT_EXIT_OK)
        rc = VT_EXIT_FAIL;
    return rc;
}
