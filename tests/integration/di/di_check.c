/*
 * di_check - check a voucher against a device credential, for the DI
 * end-to-end tests:
 *
 *   di_check VOUCHER_PEM CRED_FILE ENTRIES [OWNER_PUB_PEM]
 *
 * The voucher (PEM, as fdo-manufacturer export writes it) must verify
 * completely with the HMAC secret stored in the credential (header HMAC,
 * cert-chain hash, device chain up to its self-signed CA, every entry),
 * carry the credential's GUID, RendezvousInfo and DeviceInfo, hash to
 * the credential's DCPubKeyHash, name the credential's device key in its
 * leaf certificate, and have ENTRIES entries; with OWNER_PUB_PEM the
 * final owner key must be that key. Prints "ok" or the first problem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zto/zto.h"
#include "zto/zto_device.h"

static unsigned char *
slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = malloc(1 << 20);

    if (f == NULL || b == NULL) {
        fprintf(stderr, "di_check: cannot read %s\n", path);
        exit(2);
    }
    *n = fread(b, 1, (1 << 20) - 1, f);
    b[*n] = 0;
    fclose(f);
    return b;
}

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "di_check: %s\n", what);                           \
            return 1;                                                          \
        }                                                                      \
    } while (0)

int
main(int argc, char **argv)
{
    static struct zto_device_cred c;
    static uint8_t ov[ZTO_MAX_MSG_SIZE];
    struct zto_voucher v;
    struct zto_voucher_verify_opts o;
    struct zto_pubkey owner;
    struct zto_key a, b;
    struct zto_hash_buf h;
    size_t pn, cn, ovn = 0, pos = 0;
    unsigned char *pem, *cred;
    zto_err_t r;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: di_check VOUCHER_PEM CRED ENTRIES [OWNER]\n");
        return 2;
    }
    pem = slurp(argv[1], &pn);
    cred = slurp(argv[2], &cn);
    CHECK(zto_voucher_pem_decode((const char *)pem, pn, &pos, ov, sizeof(ov),
                                 &ovn) == ZTO_OK,
          "voucher PEM does not parse");
    CHECK(zto_voucher_decode(ov, ovn, &v) == ZTO_OK, "voucher does not decode");
    CHECK(zto_cred_decode(cred, cn, &c) == ZTO_OK,
          "credential does not decode");
    memset(&o, 0, sizeof(o));
    o.hmac_secret = c.hmac_secret;
    o.hmac_secret_len = c.hmac_secret_len;
    r = zto_voucher_verify(&v, &o, &owner);
    if (r != ZTO_OK) {
        fprintf(stderr, "di_check: voucher does not verify: %s\n",
                zto_strerror(r));
        return 1;
    }
    CHECK(v.nentries == (size_t)strtoul(argv[3], NULL, 10),
          "wrong number of entries");
    CHECK(memcmp(v.hdr.guid.b, c.guid.b, 16) == 0, "GUID differs");
    CHECK(v.hdr.rvinfo.raw.len == c.rvinfo_len &&
              memcmp(v.hdr.rvinfo.raw.p, c.rvinfo, c.rvinfo_len) == 0,
          "RendezvousInfo differs");
    CHECK(v.hdr.device_info.len == c.device_info_len &&
              memcmp(v.hdr.device_info.p, c.device_info, c.device_info_len) ==
                  0,
          "DeviceInfo differs");
    CHECK(zto_hash(c.pubkey_hash.type, v.hdr.mfg_key.raw.p,
                   v.hdr.mfg_key.raw.len, &h) == ZTO_OK &&
              h.len == c.pubkey_hash.len &&
              memcmp(h.value, c.pubkey_hash.value, h.len) == 0,
          "DCPubKeyHash does not match the manufacturer key");
    zto_key_init(&a);
    zto_key_init(&b);
    CHECK(v.ncerts >= 2 &&
              zto_key_from_cert_der(v.cert[0].p, v.cert[0].len, &a) == ZTO_OK &&
              zto_key_from_private_der(c.key_der, c.key_der_len, &b) ==
                  ZTO_OK &&
              zto_key_equal(&a, &b) == ZTO_OK,
          "leaf certificate does not hold the device key");
    zto_key_free(&a);
    zto_key_free(&b);
    if (argc == 5) {
        size_t kn;
        unsigned char *kp = slurp(argv[4], &kn);
        CHECK(zto_key_from_pem((const char *)kp, kn, &a) == ZTO_OK &&
                  zto_key_from_pubkey(&owner, &b) == ZTO_OK &&
                  zto_key_equal(&a, &b) == ZTO_OK,
              "final owner key is not the expected owner");
        zto_key_free(&a);
        zto_key_free(&b);
        free(kp);
    }
    zto_cred_wipe(&c);
    free(pem);
    free(cred);
    printf("ok\n");
    return 0;
}
