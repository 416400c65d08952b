/*
 * test_mfg_rv.c - the manufacturer's "rv = ..." directive syntax and the
 * device certificates it issues. The RendezvousInfo of go-fdo's vectors,
 * written in our syntax, encodes byte for byte like go-fdo's.
 */
#include <stdlib.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mfg_int.h"
#include "test.h"

static size_t
encode(const char *const *lines, size_t n, uint8_t *buf, size_t cap)
{
    struct zto_rv_directive d[ZTO_MAX_RV_ENTRIES];
    char err[200];
    size_t i, len = 0;

    for (i = 0; i < n; i++)
        if (mfg_rv_parse(lines[i], &d[i], err, sizeof(err)) != ZTO_OK) {
            fprintf(stderr, "%s: %s\n", lines[i], err);
            return 0;
        }
    if (mfg_rv_encode(d, n, buf, cap, &len) != ZTO_OK)
        return 0;
    return len;
}

static void
test_vector(void)
{
    static const char *const lines[] = {
        "delay=0", " protocol = http , dns=localhost,port=18080 "};
    char path[512];
    struct zto_voucher v;
    uint8_t buf[256];
    size_t n, len;
    unsigned char *ov;

    snprintf(path, sizeof(path), "%s/p256/voucher.cbor", ZTO_VECTORS_DIR);
    ov = test_read_file(path, &n);
    ASSERT_OK(zto_voucher_decode(ov, n, &v));
    len = encode(lines, 2, buf, sizeof(buf));
    ASSERT_EQ(len, v.hdr.rvinfo.raw.len);
    ASSERT_MEM_EQ(buf, v.hdr.rvinfo.raw.p, len);
    free(ov);
}

static void
test_syntax(void)
{
    struct zto_rv_directive d, back;
    struct zto_rvinfo rv;
    uint8_t buf[512];
    char err[200];
    size_t len;
    static const char *const all[] = {
        "dns=rv.example.com,ip=2001:db8::1,port=8041,owner_port=8043,"
        "protocol=coap+tcp,delay=60,medium=wifi3,wifi_ssid=factory,"
        "wifi_pw=secret,user_input=no,dev_only"};
    static const char *const bad[] = {
        "",
        "dns=",
        "port=0",
        "port=65536",
        "port=x",
        "owner_port=-1",
        "protocol=ftp",
        "delay=-5",
        "bogus=1",
        "bypass=yes",
        "dns=a b",
        "ip=1.2.3",
        "dns=a,dns=b",
        "dev_only,owner_only",
        "medium=wifi10",
        "port=80,,dns=x",
        "user_input=maybe",
        "delay=4294967296",
    };
    size_t i;

    len = encode(all, 1, buf, sizeof(buf));
    ASSERT_TRUE(len > 0);
    ASSERT_OK(zto_rvinfo_decode(buf, len, &rv));
    ASSERT_EQ(rv.ndirectives, 1);
    ASSERT_OK(zto_rv_directive_parse(rv.directive[0], &back));
    ASSERT_TRUE(back.has_dns && back.dns.len == 14);
    ASSERT_TRUE(back.has_ip && back.ip_len == 16 && back.ip[0] == 0x20);
    ASSERT_EQ(back.dev_port, 8041);
    ASSERT_EQ(back.owner_port, 8043);
    ASSERT_EQ(back.protocol, ZTO_RVPROT_COAP_TCP);
    ASSERT_EQ(back.delaysec, 60);
    ASSERT_EQ(back.medium, 13);
    ASSERT_TRUE(back.has_user_input && !back.user_input);
    ASSERT_TRUE(back.dev_only && !back.owner_only && !back.bypass);
    ASSERT_TRUE(back.wifi_ssid.len == 7 && back.wifi_pw.len == 6);

    ASSERT_OK(mfg_rv_parse("ip=192.0.2.1,port=80,protocol=coap,bypass", &d, err,
                           sizeof(err)));
    ASSERT_TRUE(d.has_ip && d.ip_len == 4 && d.bypass);
    ASSERT_EQ(d.protocol, ZTO_RVPROT_COAP_UDP);
    /* Flags are one-element instructions: [14]. */
    len = 0;
    ASSERT_OK(mfg_rv_encode(&d, 1, buf, sizeof(buf), &len));
    ASSERT_TRUE(len > 3 && buf[len - 2] == 0x81 && buf[len - 1] == 0x0e);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (mfg_rv_parse(bad[i], &d, err, sizeof(err)) != ZTO_E_CONFIG ||
            strncmp(err, "rv: ", 4) != 0) {
            test_failures++;
            fprintf(stderr, "FAIL: '%s' accepted or no message\n", bad[i]);
        }
        test_checks++;
    }
    ASSERT_ERR(mfg_rv_encode(&d, 0, buf, sizeof(buf), &len), ZTO_E_ARG);
}

/* The device certificate: v3, positive 128-bit serial, subject CN,
 * validity, end-entity extensions, signed by the CA. */
static void
test_cert(void)
{
    struct mfg_ca ca;
    struct zto_key dev;
    struct zto_bytes chain[2];
    char path[512], cn[80], err[200];
    uint8_t der[MFG_MAX_CERT];
    size_t kn, cn_len, n = 0;
    unsigned char *key, *pem;
    const unsigned char *p;
    const ASN1_INTEGER *serial;
    X509 *x;
    int64_t now = 1700000000;
    int days = 0, secs = 0;

    snprintf(path, sizeof(path), "%s/p384/device-ca.key.pem", ZTO_VECTORS_DIR);
    key = test_read_file(path, &kn);
    snprintf(path, sizeof(path), "%s/p384/device-ca.chain.pem",
             ZTO_VECTORS_DIR);
    pem = test_read_file(path, &cn_len);
    ASSERT_OK(mfg_ca_load(&ca, (const char *)key, kn, (const char *)pem, cn_len,
                          err, sizeof(err)));
    /* A key that does not belong to the chain is refused. */
    {
        struct mfg_ca other;
        char *k2;
        size_t k2n;
        snprintf(path, sizeof(path), "%s/p256/device-ca.key.pem",
                 ZTO_VECTORS_DIR);
        k2 = (char *)test_read_file(path, &k2n);
        ASSERT_ERR(mfg_ca_load(&other, k2, k2n, (const char *)pem, cn_len, err,
                               sizeof(err)),
                   ZTO_E_CONFIG);
        free(k2);
    }
    zto_key_init(&dev);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &dev));
    ASSERT_OK(
        mfg_cert_issue(&ca, &dev, "SN-9", 4, now, 30, der, sizeof(der), &n));
    ASSERT_ERR(mfg_cert_issue(&ca, &dev, "SN-9", 4, now, 30, der, 100, &n),
               ZTO_E_BUF_TOO_SMALL);
    p = der;
    x = d2i_X509(NULL, &p, (long)n);
    ASSERT_TRUE(x != NULL);
    if (x != NULL) {
        ASSERT_EQ(X509_get_version(x), 2);
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
                                  sizeof(cn));
        ASSERT_TRUE(strcmp(cn, "SN-9") == 0);
        serial = X509_get0_serialNumber(x);
        ASSERT_EQ(serial->length, 16);
        ASSERT_TRUE(serial->type == V_ASN1_INTEGER);
        ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
                                 X509_get0_notAfter(x)),
                  1);
        ASSERT_EQ(days, 30);
        ASSERT_EQ(secs, 3600);
        ASSERT_EQ(X509_check_ca(x), 0);
        ASSERT_TRUE((X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE) != 0);
        ASSERT_TRUE((X509_get_key_usage(x) & KU_KEY_CERT_SIGN) == 0);
        ASSERT_TRUE(X509_get0_subject_key_id(x) != NULL);
        ASSERT_TRUE(X509_get0_authority_key_id(x) != NULL);
        X509_free(x);
    }
    chain[0] = ZTO_BYTES(der, n);
    chain[1] = ZTO_BYTES(ca.der[0], ca.len[0]);
    /* Valid now (issued "now" = 2023 with 30 days would have expired:
     * issue for the real clock to check the chain). */
    ASSERT_OK(mfg_cert_issue(&ca, &dev, "SN-9", 4, (int64_t)time(NULL), 1, der,
                             sizeof(der), &n));
    chain[0] = ZTO_BYTES(der, n);
    ASSERT_OK(zto_cert_chain_verify(chain, 2, NULL, 0));
    ASSERT_ERR(mfg_cert_issue(&ca, &dev, "", 0, now, 30, der, sizeof(der), &n),
               ZTO_E_ARG);
    zto_key_free(&dev);
    mfg_ca_free(&ca);
    free(key);
    free(pem);
}

int
main(void)
{
    TEST_START("mfg_rv");
    test_vector();
    test_syntax();
    test_cert();
    TEST_DONE();
}
