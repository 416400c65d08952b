/*
 * vt_gen.c - test helper for the fdo-voucher tests, built only on the
 * library (never on the tool's code):
 *
 *   vt_gen gen --out DIR --count N --mfg-key KEY.pem --owner PUB.pem
 *              --chain-from VOUCHER [--x5chain MFGCERT.pem]
 *              [--secrets DIR] [--cbor-every K] [--device-info TEXT]
 *              [--rv-rich] [--no-entry]
 *      N fresh vouchers (random GUID and HMAC secret each, the device
 *      chain of VOUCHER), each extended once by the manufacturer to
 *      the owner, as DIR/<GUID>.pem (every K-th as .cbor). With --x5chain
 *      the keys are X5CHAIN (manufacturer: MFGCERT, owner: the
 *      certificates in PUB.pem). --device-info sets DeviceInfo (any
 *      bytes); --rv-rich writes two directives using flags, an IP
 *      address, ports, a Wi-Fi password and a medium. --no-entry writes
 *      the vouchers as DI leaves them (no entries). Prints the GUIDs.
 *
 *   vt_gen check FILE PUB.pem [ENTRIES]
 *      exit 0 when every voucher in FILE verifies completely, its
 *      current owner is PUB.pem's key (and it has ENTRIES entries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zto/zto.h"

static unsigned char *
slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long len;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "vt_gen: cannot read %s\n", path);
        exit(2);
    }
    b = malloc((size_t)len + 1);
    if (b == NULL || fread(b, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "vt_gen: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    b[len] = 0;
    *n = (size_t)len;
    return b;
}

static void
die(const char *what, zto_err_t r)
{
    fprintf(stderr, "vt_gen: %s: %s\n", what, zto_strerror(r));
    exit(2);
}

static void
key_from_file(const char *path, struct zto_key *k)
{
    size_t n;
    unsigned char *t = slurp(path, &n);
    zto_err_t r;

    zto_key_init(k);
    if ((r = zto_key_from_pem((const char *)t, n, k)) != ZTO_OK)
        die(path, r);
    free(t);
}

/* The certificates of a PEM file as an X5CHAIN body (CBOR array). */
static void
x5chain(const char *path, int32_t type, uint8_t *buf, size_t cap,
        struct zto_pubkey *pk)
{
    size_t n, pos = 0, dl, len = 0, k = 0;
    unsigned char *t = slurp(path, &n);
    uint8_t der[8][4096];
    size_t dlen[8];
    struct zto_cbor_enc e;
    zto_err_t r;

    while (k < 8 && zto_pem_find((const char *)t, n, &pos, "CERTIFICATE",
                                 der[k], sizeof(der[k]), &dl) == ZTO_OK)
        dlen[k++] = dl;
    if (k == 0)
        die(path, ZTO_E_NOT_FOUND);
    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, k);
    for (n = 0; n < k; n++)
        zto_cbor_put_bstr(&e, der[n], dlen[n]);
    if ((r = zto_cbor_enc_finish(&e, &len)) != ZTO_OK)
        die("x5chain", r);
    pk->type = type;
    pk->enc = ZTO_PKENC_X5CHAIN;
    pk->body = ZTO_BYTES(buf, len);
    pk->raw = ZTO_BYTES_NULL;
    free(t);
}

static void
write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "vt_gen: cannot write %s\n", path);
        exit(2);
    }
}

static int
gen(int argc, char **argv)
{
    const char *out = NULL, *mfgf = NULL, *ownf = NULL, *chainf = NULL;
    const char *x5 = NULL, *secrets = NULL, *devinfo = NULL;
    bool rich = false, no_entry = false;
    long count = 0, cbor_every = 0;
    struct zto_key mfg, own;
    struct zto_pubkey mpk, opk;
    struct zto_voucher cv;
    struct zto_signer sg;
    unsigned char *chainbuf;
    uint8_t mbuf[8192], obuf[8192];
    size_t cn, i;
    int a;
    zto_err_t r;

    for (a = 0; a < argc; a += 2) {
        if (strcmp(argv[a], "--rv-rich") == 0 ||
            strcmp(argv[a], "--no-entry") == 0) {
            if (argv[a][2] == 'r')
                rich = true;
            else
                no_entry = true;
            a--;
            continue;
        }
        if (a + 1 == argc)
            break;
        if (strcmp(argv[a], "--out") == 0)
            out = argv[a + 1];
        else if (strcmp(argv[a], "--count") == 0)
            count = strtol(argv[a + 1], NULL, 10);
        else if (strcmp(argv[a], "--mfg-key") == 0)
            mfgf = argv[a + 1];
        else if (strcmp(argv[a], "--owner") == 0)
            ownf = argv[a + 1];
        else if (strcmp(argv[a], "--chain-from") == 0)
            chainf = argv[a + 1];
        else if (strcmp(argv[a], "--x5chain") == 0)
            x5 = argv[a + 1];
        else if (strcmp(argv[a], "--secrets") == 0)
            secrets = argv[a + 1];
        else if (strcmp(argv[a], "--device-info") == 0)
            devinfo = argv[a + 1];
        else if (strcmp(argv[a], "--cbor-every") == 0)
            cbor_every = strtol(argv[a + 1], NULL, 10);
        else
            break;
    }
    if (a != argc || out == NULL || count <= 0 || mfgf == NULL ||
        ownf == NULL || chainf == NULL) {
        fprintf(stderr, "vt_gen gen: bad arguments\n");
        return 2;
    }
    key_from_file(mfgf, &mfg);
    key_from_file(ownf, &own);
    if (x5 != NULL) {
        x5chain(x5, mfg.pk_type, mbuf, sizeof(mbuf), &mpk);
        x5chain(ownf, mfg.pk_type, obuf, sizeof(obuf), &opk);
    } else {
        if ((r = zto_key_to_pubkey(&mfg, ZTO_PKENC_X509, mbuf, sizeof(mbuf),
                                   &mpk)) != ZTO_OK ||
            (r = zto_key_to_pubkey(&own, ZTO_PKENC_X509, obuf, sizeof(obuf),
                                   &opk)) != ZTO_OK)
            die("pubkey", r);
        opk.type = mpk.type;
    }
    chainbuf = slurp(chainf, &cn);
    if ((r = zto_voucher_decode(chainbuf, cn, &cv)) != ZTO_OK)
        die(chainf, r);
    zto_signer_from_key(&sg, &mfg);

    for (i = 0; i < (size_t)count; i++) {
        struct zto_ov_header h;
        struct zto_rv_directive dir[2];
        struct zto_cbor_enc e;
        struct zto_hash_buf ch, mac;
        struct zto_hash hm;
        struct zto_voucher v;
        struct zto_digest d;
        uint8_t rv[256], hdr[8192], v0[32768], v1[40000], secret[32];
        char text[60000], info[32], path[4096], guid[33];
        size_t rn = 0, hn = 0, n0 = 0, n1 = 0, tn = 0, k;
        bool cbor = cbor_every > 0 && i % (size_t)cbor_every == 0;

        memset(&h, 0, sizeof(h));
        memset(dir, 0, sizeof(dir));
        dir[0].has_dns = true;
        dir[0].dns = ZTO_BYTES("localhost", 9);
        dir[0].has_dev_port = true;
        dir[0].dev_port = 8080;
        dir[0].has_protocol = true;
        dir[0].protocol = ZTO_RVPROT_HTTP;
        if (rich) {
            static const uint8_t ip[4] = {127, 0, 0, 1};
            dir[0].dev_only = true;
            dir[0].has_ip = true;
            memcpy(dir[0].ip, ip, 4);
            dir[0].ip_len = 4;
            dir[0].has_owner_port = true;
            dir[0].owner_port = 8043;
            dir[1].bypass = true;
            dir[1].has_dns = true;
            dir[1].dns = ZTO_BYTES("owner.example", 13);
            dir[1].has_dev_port = true;
            dir[1].dev_port = 443;
            dir[1].has_protocol = true;
            dir[1].protocol = ZTO_RVPROT_HTTPS;
            dir[1].wifi_ssid = ZTO_BYTES("plant-7", 7);
            dir[1].wifi_pw = ZTO_BYTES("hunter2-secret", 14);
            dir[1].has_medium = true;
            dir[1].medium = 10;
            dir[1].has_delay = true;
            dir[1].delaysec = 30;
        }
        zto_cbor_enc_init(&e, rv, sizeof(rv));
        zto_rvinfo_enc(&e, dir, rich ? 2 : 1);
        if ((r = zto_cbor_enc_finish(&e, &rn)) != ZTO_OK)
            die("rvinfo", r);
        if ((r = zto_random(h.guid.b, sizeof(h.guid.b))) != ZTO_OK ||
            (r = zto_random(secret, sizeof(secret))) != ZTO_OK)
            die("random", r);
        snprintf(info, sizeof(info), "gen-%zu", i);
        h.protver = ZTO_PROTVER;
        h.rvinfo.raw = ZTO_BYTES(rv, rn);
        h.device_info = devinfo != NULL ? ZTO_BYTES(devinfo, strlen(devinfo))
                                        : ZTO_BYTES(info, strlen(info));
        h.mfg_key = mpk;
        /* Cert-chain hash: SHA over the concatenated DER (6.2). */
        if ((r = zto_digest_start(&d, zto_key_hash_type(&mfg))) != ZTO_OK)
            die("digest", r);
        for (k = 0; k < cv.ncerts; k++)
            if ((r = zto_digest_update(&d, cv.cert[k].p, cv.cert[k].len)) !=
                ZTO_OK)
                die("digest", r);
        if ((r = zto_digest_finish(&d, &ch)) != ZTO_OK)
            die("digest", r);
        h.has_cert_hash = true;
        h.cert_hash.type = ch.type;
        h.cert_hash.value = ZTO_BYTES(ch.value, ch.len);
        if ((r = zto_ov_header_encode(&h, hdr, sizeof(hdr), &hn)) != ZTO_OK)
            die("header", r);
        if ((r = zto_hmac(zto_key_hmac_type(&mfg), secret, sizeof(secret), hdr,
                          hn, &mac)) != ZTO_OK)
            die("hmac", r);
        hm.type = mac.type;
        hm.value = ZTO_BYTES(mac.value, mac.len);
        if ((r = zto_voucher_build(ZTO_BYTES(hdr, hn), &hm, cv.cert, cv.ncerts,
                                   v0, sizeof(v0), &n0)) != ZTO_OK ||
            (r = zto_voucher_decode(v0, n0, &v)) != ZTO_OK ||
            (!no_entry &&
             (r = zto_voucher_extend(&v, &sg, &opk, ZTO_BYTES_NULL, v1,
                                     sizeof(v1), &n1)) != ZTO_OK))
            die("voucher", r);
        if (no_entry) {
            memcpy(v1, v0, n0);
            n1 = n0;
        }
        if ((r = zto_hex_encode(h.guid.b, 16, guid, sizeof(guid))) != ZTO_OK)
            die("hex", r);
        snprintf(path, sizeof(path), "%s/%s.%s", out, guid,
                 cbor ? "cbor" : "pem");
        if (cbor) {
            write_file(path, v1, n1);
        } else {
            if ((r = zto_voucher_pem_encode(v1, n1, text, sizeof(text), &tn)) !=
                ZTO_OK)
                die("pem", r);
            write_file(path, text, tn);
        }
        if (secrets != NULL) {
            char hx[65];
            if ((r = zto_hex_encode(secret, 32, hx, sizeof(hx))) != ZTO_OK)
                die("hex", r);
            snprintf(path, sizeof(path), "%s/%s.hex", secrets, guid);
            write_file(path, hx, 64);
        }
        printf("%s\n", guid);
    }
    free(chainbuf);
    zto_key_free(&mfg);
    zto_key_free(&own);
    return 0;
}

static int
check(int argc, char **argv)
{
    size_t n, pos = 0, on = 0, nv = 0;
    unsigned char *t;
    static uint8_t buf[1 << 20];
    struct zto_key want, got;
    long entries = argc > 2 ? strtol(argv[2], NULL, 10) : -1;
    int bad = 0;
    zto_err_t r;

    if (argc < 2) {
        fprintf(stderr, "vt_gen check: bad arguments\n");
        return 2;
    }
    t = slurp(argv[0], &n);
    key_from_file(argv[1], &want);
    for (;;) {
        struct zto_voucher v;
        struct zto_voucher_verify_opts o;
        struct zto_pubkey owner;

        r = zto_voucher_pem_decode((const char *)t, n, &pos, buf, sizeof(buf),
                                   &on);
        if (r == ZTO_E_NOT_FOUND && nv > 0)
            break;
        memset(&o, 0, sizeof(o));
        o.require_entries = true;
        if (r != ZTO_OK || (r = zto_voucher_decode(buf, on, &v)) != ZTO_OK ||
            (r = zto_voucher_verify(&v, &o, &owner)) != ZTO_OK) {
            fprintf(stderr, "vt_gen check: %s: %s\n", argv[0], zto_strerror(r));
            return 1;
        }
        zto_key_init(&got);
        if ((r = zto_key_from_pubkey(&owner, &got)) != ZTO_OK ||
            (r = zto_key_equal(&got, &want)) != ZTO_OK) {
            fprintf(stderr, "vt_gen check: %s: owner is not %s\n", argv[0],
                    argv[1]);
            bad = 1;
        }
        zto_key_free(&got);
        if (entries >= 0 && v.nentries != (size_t)entries) {
            fprintf(stderr, "vt_gen check: %s: %zu entries, want %ld\n",
                    argv[0], v.nentries, entries);
            bad = 1;
        }
        nv++;
        if (pos >= n)
            break;
    }
    zto_key_free(&want);
    free(t);
    return bad;
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "gen") == 0)
        return gen(argc - 2, argv + 2);
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return check(argc - 2, argv + 2);
    fprintf(stderr, "usage: vt_gen gen ... | vt_gen check FILE PUB\n");
    return 2;
}
