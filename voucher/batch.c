/*
 * batch.c - `fdo-voucher extend-batch`: extend many vouchers at shipment,
 * each one on its own (a failure stops only that voucher, which is then
 * not written), with a summary and a non-zero exit if any failed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vt_int.h"

static const char help[] =
    "usage: fdo-voucher extend-batch --vouchers DIR --owner-key KEY -o OUTDIR\n"
    "           ( --next-owner PUB [--list GUIDS.txt]\n"
    "           | --manifest SHIPMENT.csv --buyers BUYERDIR ) [options]\n"
    "\n"
    "Extend many vouchers to their next owners. Each voucher is handled on\n"
    "its own, exactly like 'fdo-voucher extend' (verified, current owner\n"
    "checked, result verified, written atomically); one that fails is\n"
    "reported and not written, the others go on.\n"
    "\n"
    "Which vouchers, and to whom:\n"
    "  --next-owner PUB        every voucher in DIR goes to this key; with\n"
    "                          --list, only the GUIDs listed (one per line)\n"
    "  --manifest CSV --buyers BUYERDIR\n"
    "                          lines 'GUID,buyer': each listed voucher goes\n"
    "                          to the key in BUYERDIR/<buyer>.pem (public key\n"
    "                          or certificate chain). A first line\n"
    "                          'guid,buyer' and '#' comments are ignored.\n"
    "  GUIDs are 32 hex digits or 8-4-4-4-12. A GUID listed twice fails\n"
    "  (a device cannot ship twice). A malformed list or manifest stops the\n"
    "  run before anything is written.\n"
    "\n"
    "Where vouchers are found: DIR/<GUID>.pem or DIR/<GUID>.cbor (or .ov),\n"
    "else by reading every *.pem, *.cbor and *.ov file in DIR (a file may\n"
    "hold several vouchers). A GUID found in two places fails.\n"
    "\n"
    "Where they are written: OUTDIR/<GUID>.pem (or .cbor), and with a\n"
    "manifest OUTDIR/<buyer>/<GUID>.pem, one directory per buyer.\n"
    "OUTDIR is created if absent and must not be DIR. Existing outputs are\n"
    "not replaced unless --force.\n"
    "\n"
    "Options:\n"
    "  --vouchers DIR, --dir DIR   where the vouchers are\n"
    "  -k, --owner-key KEY     current owner's private key (as extend)\n"
    "  -o, --output OUTDIR     where the extended vouchers go\n"
    "  --format pem|cbor       output format (default pem)\n"
    "  --extra KEY=HEX, --extra-empty   OVEExtra, as extend\n"
    "  --ca CA.pem             roots for the device chains (may repeat)\n"
    "  --force                 replace existing outputs\n"
    "  --insecure-key-perms    accept a KEY file readable by group/others\n"
    "  -h, --help              this text\n"
    "\n"
    "Output: one line per voucher ('ok' or 'FAIL' with the reason), then a\n"
    "summary. Exit status: 0 all extended, 1 any failed, 2 usage.\n";

struct buyer {
    char name[VT_MAX_BUYER_NAME + 1];
    bool tried;
    bool ok;
    struct vt_next_owner key;
    struct vt_err why;
};

struct batch {
    const char *dir, *outdir, *buyers_dir, *list_path;
    struct vt_extend_job job;
    bool force;
    struct vt_next_owner single;
    struct buyer *buyers;
    size_t nbuyers, cap_buyers;
    struct vt_scan scan;
    bool scanned;
    zto_err_t scan_r;
    struct vt_err scan_err;
    size_t nok, nfail;
    char **failed;
    size_t nfailed_cap;
};

static void
record_fail(struct batch *b, const char *guid, const char *src, const char *msg)
{
    char line[1200];

    snprintf(line, sizeof(line), "%s  %s: %s",
             guid != NULL && guid[0] != 0 ? guid : "-", src, msg);
    printf("FAIL  %s\n", line);
    b->nfail++;
    if (b->nfail > b->nfailed_cap) {
        size_t nc = b->nfailed_cap == 0 ? 16 : b->nfailed_cap * 2;
        char **nf = realloc(b->failed, nc * sizeof(*nf));
        if (nf == NULL)
            return; /* the line was printed; the summary repeats fewer */
        b->failed = nf;
        b->nfailed_cap = nc;
    }
    b->failed[b->nfail - 1] = strdup(line);
}

/* The buyer's key, loaded once (a failure is remembered too). */
static struct buyer *
buyer_get(struct batch *b, const char *name)
{
    struct buyer *by;
    char file[VT_MAX_BUYER_NAME + 8];
    char *path;
    size_t i;

    for (i = 0; i < b->nbuyers; i++)
        if (strcmp(b->buyers[i].name, name) == 0)
            return &b->buyers[i];
    if (b->nbuyers == b->cap_buyers) {
        size_t nc = b->cap_buyers == 0 ? 8 : b->cap_buyers * 2;
        struct buyer *nb = realloc(b->buyers, nc * sizeof(*nb));
        if (nb == NULL)
            return NULL;
        b->buyers = nb;
        b->cap_buyers = nc;
    }
    by = &b->buyers[b->nbuyers++];
    memset(by, 0, sizeof(*by));
    snprintf(by->name, sizeof(by->name), "%s", name);
    vt_next_owner_init(&by->key);
    snprintf(file, sizeof(file), "%s.pem", name);
    if ((path = vt_path_join(b->buyers_dir, file)) == NULL) {
        vt_fail(&by->why, ZTO_E_NOMEM, "out of memory");
        return by;
    }
    if (vt_next_owner_load(path, &by->key, &by->why) == ZTO_OK)
        by->ok = true;
    else
        vt_err_prefix(&by->why, "buyer '%s'", name);
    by->tried = true;
    free(path);
    return by;
}

static void
process(struct batch *b, const struct vt_blob *blob, const char *guid,
        const char *buyer, const char *src)
{
    struct vt_extend_job job = b->job;
    struct buyer *by = NULL;
    struct vt_err e;
    char name[48], got[33];
    char *dir = NULL, *out = NULL;

    if (buyer != NULL && buyer[0] != 0) {
        if ((by = buyer_get(b, buyer)) == NULL) {
            record_fail(b, guid, src, "out of memory");
            return;
        }
        if (!by->ok) {
            record_fail(b, guid, src, by->why.msg);
            return;
        }
        job.next = &by->key;
        dir = vt_path_join(b->outdir, buyer);
        if (dir != NULL && vt_mkdir(dir, &e) != ZTO_OK) {
            record_fail(b, guid, src, e.msg);
            free(dir);
            return;
        }
    } else {
        job.next = &b->single;
        dir = strdup(b->outdir);
    }
    snprintf(name, sizeof(name), "%s.%s", guid,
             job.format == VT_FMT_CBOR ? "cbor" : "pem");
    if (dir == NULL || (out = vt_path_join(dir, name)) == NULL) {
        record_fail(b, guid, src, "out of memory");
        goto done;
    }
    if (!b->force && vt_path_exists(out)) {
        vt_fail(&e, ZTO_E_EXISTS, "%s already exists (use --force)", out);
        record_fail(b, guid, src, e.msg);
        goto done;
    }
    job.replace = b->force;
    if (vt_extend_one(blob, &job, out, got, &e) != ZTO_OK) {
        record_fail(b, guid, src, e.msg);
        goto done;
    }
    b->nok++;
    printf("ok    %s  -> %s%s%s (next owner %.16s...)\n", guid, out,
           by != NULL ? ", buyer " : "", by != NULL ? by->name : "",
           job.next->fp);
done:
    free(out);
    free(dir);
}

/* Every voucher of the directory to one key. */
static void
run_all(struct batch *b)
{
    size_t i;
    char src[1100];

    for (i = 0; i < b->scan.nfiles; i++)
        if (b->scan.files[i].failed)
            record_fail(b, NULL, b->scan.files[i].path,
                        b->scan.files[i].why.msg);
    for (i = 0; i < b->scan.n; i++) {
        const struct vt_scan_entry *x = &b->scan.e[i];
        const struct vt_scan_file *sf = &b->scan.files[x->file];

        if (sf->f.n > 1)
            snprintf(src, sizeof(src), "%s (voucher %zu)", sf->path,
                     x->index + 1);
        else
            snprintf(src, sizeof(src), "%s", sf->path);
        if (x->why != NULL)
            record_fail(b, NULL, src, x->why);
        else if (x->dup > 0)
            record_fail(b, x->guid, src,
                        "this GUID is in more than one voucher in the "
                        "directory; none of them is extended");
        else
            process(b, x->blob, x->guid, NULL, src);
    }
}

/* A voucher file named by its GUID, if there is one. */
static char *
named_file(const struct batch *b, const char *guid)
{
    static const char *const ext[] = {".pem", ".cbor", ".ov"};
    char name[48], upper[33];
    char *p;
    size_t i, k;

    for (k = 0; k < 33; k++)
        upper[k] =
            (char)(guid[k] >= 'a' && guid[k] <= 'f' ? guid[k] - 32 : guid[k]);
    for (k = 0; k < 2; k++) {
        for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
            snprintf(name, sizeof(name), "%s%s", k == 0 ? guid : upper, ext[i]);
            if ((p = vt_path_join(b->dir, name)) == NULL)
                return NULL;
            if (vt_path_exists(p))
                return p;
            free(p);
        }
    }
    return NULL;
}

static void
run_item(struct batch *b, const struct vt_list_item *it)
{
    char *path = named_file(b, it->guid);
    struct vt_file f;
    struct vt_err e;
    char g[33], src[1100];
    size_t i;
    long x;

    if (path != NULL) {
        if (vt_file_load(path, &f, &e) != ZTO_OK) {
            record_fail(b, it->guid, path, e.msg);
            free(path);
            return;
        }
        for (i = 0; i < f.n; i++) {
            if (vt_blob_guid(&f.v[i], g, &e) && strcmp(g, it->guid) == 0) {
                process(b, &f.v[i], it->guid, it->buyer, path);
                break;
            }
        }
        if (i == f.n) {
            if (f.n == 1 && !vt_blob_guid(&f.v[0], g, &e))
                record_fail(b, it->guid, path, e.msg);
            else
                record_fail(b, it->guid, path,
                            "the file does not hold this GUID's voucher");
        }
        vt_file_free(&f);
        free(path);
        return;
    }
    if (!b->scanned) {
        b->scan_r = vt_scan_dir(b->dir, &b->scan, &b->scan_err);
        b->scanned = true;
    }
    if (b->scan_r != ZTO_OK) {
        record_fail(b, it->guid, b->dir, b->scan_err.msg);
        return;
    }
    if ((x = vt_scan_find(&b->scan, it->guid)) < 0) {
        size_t bad = 0;
        for (i = 0; i < b->scan.nfiles; i++)
            bad += b->scan.files[i].failed;
        for (i = 0; i < b->scan.n; i++)
            bad += b->scan.e[i].why != NULL;
        snprintf(src, sizeof(src),
                 "unknown GUID: no voucher for it in this directory%s",
                 bad > 0 ? " (some files there could not be read)" : "");
        record_fail(b, it->guid, b->dir, src);
        return;
    }
    {
        const struct vt_scan_entry *se = &b->scan.e[x];
        const struct vt_scan_file *sf = &b->scan.files[se->file];
        if (se->dup > 0) {
            record_fail(b, it->guid, sf->path,
                        "this GUID is in more than one voucher in the "
                        "directory; not extended");
            return;
        }
        process(b, se->blob, it->guid, it->buyer, sf->path);
    }
}

static int
cmp_guid(const void *a, const void *b)
{
    const struct vt_list_item *x = *(const struct vt_list_item *const *)a;
    const struct vt_list_item *y = *(const struct vt_list_item *const *)b;

    return strcmp(x->guid, y->guid);
}

/* Mark items whose GUID is listed twice: shipping one device to two
 * buyers must not half-happen. Returns NULL only without memory. */
static bool *
duplicates(const struct vt_list *l)
{
    const struct vt_list_item **s = malloc(l->n * sizeof(*s));
    bool *dup = calloc(l->n, sizeof(*dup));
    size_t i;

    if (s == NULL || dup == NULL) {
        free(s);
        free(dup);
        return NULL;
    }
    for (i = 0; i < l->n; i++)
        s[i] = &l->item[i];
    qsort(s, l->n, sizeof(*s), cmp_guid);
    for (i = 1; i < l->n; i++) {
        if (strcmp(s[i]->guid, s[i - 1]->guid) == 0) {
            dup[s[i] - l->item] = true;
            dup[s[i - 1] - l->item] = true;
        }
    }
    free(s);
    return dup;
}

static void
run_list(struct batch *b, const struct vt_list *l)
{
    bool *dup = duplicates(l);
    char src[1100];
    size_t i;

    for (i = 0; i < l->n; i++) {
        snprintf(src, sizeof(src), "%s:%zu", b->list_path, l->item[i].line);
        if (dup == NULL)
            record_fail(b, l->item[i].guid, src, "out of memory");
        else if (dup[i])
            record_fail(b, l->item[i].guid, src,
                        "GUID listed more than once; not extended");
        else
            run_item(b, &l->item[i]);
    }
    free(dup);
}

int
vt_cmd_extend_batch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vouchers", required_argument, NULL, 'd'},
        {"dir", required_argument, NULL, 'd'},
        {"owner-key", required_argument, NULL, 'k'},
        {"output", required_argument, NULL, 'o'},
        {"next-owner", required_argument, NULL, 'n'},
        {"list", required_argument, NULL, 'l'},
        {"manifest", required_argument, NULL, 'm'},
        {"buyers", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'},
        {"extra", required_argument, NULL, 'x'},
        {"extra-empty", no_argument, NULL, 'X'},
        {"ca", required_argument, NULL, 'c'},
        {"force", no_argument, NULL, 'F'},
        {"insecure-key-perms", no_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct batch b;
    const char *keyf = NULL, *nextf = NULL, *listf = NULL, *manif = NULL;
    char *extra_kv[VT_MAX_EXTRA + 1];
    uint8_t extra_buf[VT_MAX_EXTRA * 1100 + 64];
    size_t nextra = 0, i;
    bool extra_empty = false, insecure = false;
    enum vt_format fmt = VT_FMT_PEM;
    struct vt_roots roots;
    struct vt_check_opts co;
    struct zto_key owner;
    struct vt_list list;
    struct vt_err e;
    int c, rc = VT_EXIT_FAIL;

    memset(&b, 0, sizeof(b));
    memset(&roots, 0, sizeof(roots));
    memset(&list, 0, sizeof(list));
    memset(&co, 0, sizeof(co));
    vt_next_owner_init(&b.single);
    zto_key_init(&owner);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":k:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            b.dir = optarg;
            break;
        case 'k':
            keyf = optarg;
            break;
        case 'o':
            b.outdir = optarg;
            break;
        case 'n':
            nextf = optarg;
            break;
        case 'l':
            listf = optarg;
            break;
        case 'm':
            manif = optarg;
            break;
        case 'b':
            b.buyers_dir = optarg;
            break;
        case 'f':
            if (!vt_format_parse(optarg, &fmt)) {
                vt_usage_err("extend-batch", "--format must be pem or cbor");
                rc = VT_EXIT_USAGE;
                goto out;
            }
            break;
        case 'x':
            if (nextra == VT_MAX_EXTRA) {
                vt_usage_err("extend-batch", "at most %d --extra values",
                             VT_MAX_EXTRA);
                rc = VT_EXIT_USAGE;
                goto out;
            }
            extra_kv[nextra++] = optarg;
            break;
        case 'X':
            extra_empty = true;
            break;
        case 'c':
            if (vt_roots_add_file(&roots, optarg, &e) != ZTO_OK) {
                vt_print_err("extend-batch", &e);
                goto out;
            }
            break;
        case 'F':
            b.force = true;
            break;
        case 'I':
            insecure = true;
            break;
        case 'h':
            fputs(help, stdout);
            rc = VT_EXIT_OK;
            goto out;
        default:
            vt_opt_error("extend-batch", c, optopt, argv, optind);
            rc = VT_EXIT_USAGE;
            goto out;
        }
    }
    rc = VT_EXIT_USAGE;
    if (optind != argc) {
        vt_usage_err("extend-batch", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (b.dir == NULL || keyf == NULL || b.outdir == NULL) {
        vt_usage_err("extend-batch",
                     "--vouchers, --owner-key and -o are required");
        goto out;
    }
    if ((nextf == NULL) == (manif == NULL)) {
        vt_usage_err("extend-batch",
                     "give either --next-owner or --manifest with --buyers");
        goto out;
    }
    if ((manif != NULL && (b.buyers_dir == NULL || listf != NULL)) ||
        (manif == NULL && b.buyers_dir != NULL)) {
        vt_usage_err("extend-batch", "--manifest needs --buyers (and no "
                                     "--list); --buyers needs --manifest");
        goto out;
    }
    if (nextra > 0 && extra_empty) {
        vt_usage_err("extend-batch", "--extra and --extra-empty exclude each "
                                     "other");
        goto out;
    }
    rc = VT_EXIT_FAIL;
    if (vt_same_file(b.outdir, b.dir) == 1) {
        vt_fail(&e, ZTO_E_ARG,
                "the output directory must not be the voucher directory");
        vt_print_err("extend-batch", &e);
        goto out;
    }
    /* Everything shared is checked before the first voucher is touched. */
    if (vt_extra_build(extra_kv, nextra, extra_empty, extra_buf,
                       sizeof(extra_buf), &b.job.extra, &e) != ZTO_OK ||
        vt_private_key_load(keyf, insecure, &owner, &e) != ZTO_OK ||
        (nextf != NULL && vt_next_owner_load(nextf, &b.single, &e) != ZTO_OK) ||
        (listf != NULL && vt_list_load(listf, false, &list, &e) != ZTO_OK) ||
        (manif != NULL && vt_list_load(manif, true, &list, &e) != ZTO_OK) ||
        vt_mkdir(b.outdir, &e) != ZTO_OK) {
        vt_print_err("extend-batch", &e);
        goto out;
    }
    co.roots = roots.n > 0 ? roots.cert : NULL;
    co.nroots = roots.n;
    b.job.owner = &owner;
    b.job.check = &co;
    b.job.format = fmt;
    b.list_path = listf != NULL ? listf : manif;

    if (b.list_path != NULL) {
        run_list(&b, &list);
    } else {
        if (vt_scan_dir(b.dir, &b.scan, &e) != ZTO_OK) {
            vt_print_err("extend-batch", &e);
            goto out;
        }
        b.scanned = true;
        if (b.scan.nfiles == 0) {
            vt_fail(&e, ZTO_E_NOT_FOUND,
                    "%s: no voucher files (*.pem, *.cbor, *.ov)", b.dir);
            vt_print_err("extend-batch", &e);
            goto out;
        }
        run_all(&b);
    }
    printf("\nsummary: %zu extended, %zu failed\n", b.nok, b.nfail);
    for (i = 0; i < b.nfail && i < b.nfailed_cap; i++)
        if (b.failed[i] != NULL)
            printf("  failed: %s\n", b.failed[i]);
    if (b.nfail > 0)
        fprintf(stderr,
                "fdo-voucher extend-batch: %zu of %zu vouchers "
                "failed (listed above; they were not written)\n",
                b.nfail, b.nok + b.nfail);
    rc = b.nfail == 0 ? VT_EXIT_OK : VT_EXIT_FAIL;
out:
    for (i = 0; i < b.nfail && i < b.nfailed_cap; i++)
        free(b.failed[i]);
    free(b.failed);
    for (i = 0; i < b.nbuyers; i++)
        vt_next_owner_free(&b.buyers[i].key);
    free(b.buyers);
    if (b.scanned)
        vt_scan_free(&b.scan);
    vt_next_owner_free(&b.single);
    vt_list_free(&list);
    vt_roots_free(&roots);
    zto_key_free(&owner);
    if (fflush(stdout) != 0 && rc == VT_EXIT_OK)
        rc = VT_EXIT_FAIL;
    return rc;
}
