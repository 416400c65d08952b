/*
 * test_cert_issue.c - what the fdo.csr module builds on (common/'s
 * OpenSSL back end and codecs): certificates issued from a CA (device,
 * operational and CA profiles, subject from a request or a CN), what a
 * certificate says about itself, requests from a peer (signature,
 * digest and key checks), PKCS#7 certs-only bundles and the
 * multipart/mixed body of serverkeygen-res, including one written the
 * way go-fdo writes it.
 */
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "test.h"
#include "zto/zto_codec.h"
#include "zto/zto_crypto.h"
#include "zto/zto_util.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

struct ca {
    struct zto_key key;
    uint8_t der[2048];
    size_t len;
};

/* A CA: self-signed when parent is NULL. */
static void
make_ca(struct ca *c, int32_t type, const struct ca *parent, const char *cn)
{
    struct zto_cert_tmpl t;

    zto_key_init(&c->key);
    ASSERT_OK(zto_key_generate(type, 0, &c->key));
    memset(&t, 0, sizeof(t));
    t.cn = cn;
    t.cn_len = strlen(cn);
    t.now = NOW;
    t.days = 3650;
    t.profile = ZTO_CERT_CA;
    ASSERT_OK(zto_cert_issue(parent != NULL ? &parent->key : &c->key,
                             parent != NULL ? parent->der : NULL,
                             parent != NULL ? parent->len : 0, &c->key, &t,
                             c->der, sizeof(c->der), &c->len));
}

static void
test_issue(int32_t type)
{
    struct ca root, inter;
    struct zto_key dev, got;
    struct zto_cert_tmpl t;
    struct zto_cert_info info;
    struct zto_bytes chain[1], roots[2];
    uint8_t csr[1024], subj[512], leaf[2048];
    size_t csr_len = 0, subj_len = 0, leaf_len = 0;

    make_ca(&root, type, NULL, "zto test root");
    make_ca(&inter, type, &root, "zto test issuing CA");
    ASSERT_OK(zto_cert_info(root.der, root.len, &info));
    ASSERT_TRUE(info.is_ca);
    ASSERT_TRUE(strcmp(info.subject, "CN=zto test root") == 0);
    ASSERT_OK(zto_cert_info(inter.der, inter.len, &info));
    ASSERT_TRUE(info.is_ca);

    /* The device's request; the certificate takes its subject. */
    zto_key_init(&dev);
    zto_key_init(&got);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP384R1, 0, &dev));
    ASSERT_OK(zto_csr_create(&dev, "SN-42", 5, csr, sizeof(csr), &csr_len));
    ASSERT_OK(
        zto_csr_parse(csr, csr_len, true, &got, subj, sizeof(subj), &subj_len));
    ASSERT_OK(zto_key_equal(&got, &dev));
    memset(&t, 0, sizeof(t));
    t.subject = subj;
    t.subject_len = subj_len;
    t.now = NOW;
    t.days = 30;
    t.profile = ZTO_CERT_OPERATIONAL;
    ASSERT_OK(zto_cert_issue(&inter.key, inter.der, inter.len, &got, &t, leaf,
                             sizeof(leaf), &leaf_len));
    ASSERT_OK(zto_cert_info(leaf, leaf_len, &info));
    ASSERT_TRUE(!info.is_ca);
    ASSERT_TRUE(strcmp(info.subject, "CN=SN-42") == 0);
    ASSERT_EQ(info.serial_len, 16);
    ASSERT_EQ(info.not_before, NOW - 3600);
    ASSERT_EQ(info.not_after, NOW + 30 * 86400);
    zto_key_free(&got);
    ASSERT_OK(zto_key_from_cert_der(leaf, leaf_len, &got));
    ASSERT_OK(zto_key_equal(&got, &dev));
    zto_key_free(&got);

    /* It chains to the bundle (issuing CA + root) but not to the root
     * alone or to another CA. The validity is checked against the real
     * clock: issue one valid now for that. */
    t.now = (int64_t)time(NULL);
    ASSERT_OK(zto_cert_issue(&inter.key, inter.der, inter.len, &dev, &t, leaf,
                             sizeof(leaf), &leaf_len));
    chain[0] = ZTO_BYTES(leaf, leaf_len);
    roots[0] = ZTO_BYTES(inter.der, inter.len);
    roots[1] = ZTO_BYTES(root.der, root.len);
    ASSERT_OK(zto_cert_chain_verify(chain, 1, roots, 2));
    ASSERT_ERR(zto_cert_chain_verify(chain, 1, roots + 1, 1), ZTO_E_CERT);

    /* CN subject; bad arguments. */
    t.subject = NULL;
    t.subject_len = 0;
    t.cn = "0123456789abcdef0123456789abcdef";
    t.cn_len = 32;
    ASSERT_OK(zto_cert_issue(&inter.key, inter.der, inter.len, &dev, &t, leaf,
                             sizeof(leaf), &leaf_len));
    ASSERT_OK(zto_cert_info(leaf, leaf_len, &info));
    ASSERT_TRUE(strcmp(info.subject, "CN=0123456789abcdef0123456789abcdef") ==
                0);
    ASSERT_ERR(zto_cert_issue(&inter.key, inter.der, inter.len, &dev, &t, leaf,
                              100, &leaf_len),
               ZTO_E_BUF_TOO_SMALL);
    t.days = 0;
    ASSERT_ERR(zto_cert_issue(&inter.key, inter.der, inter.len, &dev, &t, leaf,
                              sizeof(leaf), &leaf_len),
               ZTO_E_ARG);
    t.days = 1;
    /* An explicit validity (an issuer's clamp) wins over now and days;
     * it must not be empty. */
    t.now = NOW;
    t.not_before = NOW + 60;
    t.not_after = NOW + 7200;
    ASSERT_OK(zto_cert_issue(&inter.key, inter.der, inter.len, &dev, &t, leaf,
                             sizeof(leaf), &leaf_len));
    ASSERT_OK(zto_cert_info(leaf, leaf_len, &info));
    ASSERT_EQ(info.not_before, NOW + 60);
    ASSERT_EQ(info.not_after, NOW + 7200);
    t.not_after = NOW + 60;
    ASSERT_ERR(zto_cert_issue(&inter.key, inter.der, inter.len, &dev, &t, leaf,
                              sizeof(leaf), &leaf_len),
               ZTO_E_ARG);
    t.not_before = 0;
    t.not_after = 0;
    t.profile = 7;
    ASSERT_ERR(zto_cert_issue(&inter.key, inter.der, inter.len, &dev, &t, leaf,
                              sizeof(leaf), &leaf_len),
               ZTO_E_ARG);
    t.profile = ZTO_CERT_OPERATIONAL;
    /* Self-signed needs the subject key to be the CA key. */
    ASSERT_ERR(zto_cert_issue(&inter.key, NULL, 0, &dev, &t, leaf, sizeof(leaf),
                              &leaf_len),
               ZTO_E_ARG);
    /* A subject that is not a DER Name. */
    t.subject = (const uint8_t *)"\x30\x05\x01";
    t.subject_len = 3;
    ASSERT_ERR(zto_cert_issue(&inter.key, inter.der, inter.len, &dev, &t, leaf,
                              sizeof(leaf), &leaf_len),
               ZTO_E_ARG);
    ASSERT_ERR(zto_cert_info(leaf, leaf_len - 1, &info), ZTO_E_CERT);

    zto_key_free(&dev);
    zto_key_free(&root.key);
    zto_key_free(&inter.key);
}

/* A request signed with OpenSSL directly: another digest or key type. */
/* A leaf for key `dev` issued by c, valid from now - 1 h for `days`
 * (negative: ended that many days ago). */
static size_t
leaf_for(const struct ca *c, const struct zto_key *dev, int days, uint8_t *out,
         size_t cap)
{
    struct zto_cert_tmpl t;
    size_t n = 0;

    memset(&t, 0, sizeof(t));
    t.cn = "leaf";
    t.cn_len = 4;
    t.now = (int64_t)time(NULL);
    t.days = 1;
    if (days < 0) {
        t.not_before = t.now + (int64_t)days * 86400 - 86400;
        t.not_after = t.now + (int64_t)days * 86400;
    } else {
        t.days = (unsigned)days;
    }
    t.profile = ZTO_CERT_DEVICE;
    ASSERT_OK(zto_cert_issue(&c->key, c->der, c->len, dev, &t, out, cap, &n));
    return n;
}

/* The key type read from the DER agrees with the decoded key; a cut or
 * bent certificate is refused without reading past its end. */
static void
check_key_type(const uint8_t *der, size_t n)
{
    struct zto_key k;
    int32_t type = 0;
    unsigned bits = 0;
    size_t i;
    uint8_t *cut;

    zto_key_init(&k);
    ASSERT_OK(zto_key_from_cert_der(der, n, &k));
    ASSERT_OK(zto_cert_key_type(der, n, &type, &bits));
    ASSERT_EQ(type, k.pk_type);
    ASSERT_EQ(bits, k.bits);
    zto_key_free(&k);
    for (i = 0; i < n; i += i < 300 ? 1 : 37) {
        cut = test_exact_copy(der, i);
        ASSERT_TRUE(zto_cert_key_type(cut, i, &type, &bits) != ZTO_OK);
        free(cut);
    }
    cut = test_exact_copy(der, n);
    cut[1] ^= 0x01; /* outer length off by one */
    ASSERT_TRUE(zto_cert_key_type(cut, n, &type, &bits) != ZTO_OK);
    free(cut);
}

static void
test_parsed(int32_t type)
{
    struct ca root, inter, other;
    struct zto_key dev, got;
    struct zto_cert c[3], bad;
    const struct zto_cert *anchor[2];
    uint8_t leaf[2048], old[2048];
    size_t leaf_len, old_len;

    make_ca(&root, type, NULL, "zto test root");
    make_ca(&inter, type, &root, "zto test issuing CA");
    make_ca(&other, type, NULL, "zto other root");
    zto_key_init(&dev);
    zto_key_init(&got);
    ASSERT_OK(zto_key_generate(type, 0, &dev));
    leaf_len = leaf_for(&inter, &dev, 30, leaf, sizeof(leaf));
    old_len = leaf_for(&inter, &dev, -1, old, sizeof(old));
    check_key_type(leaf, leaf_len);
    check_key_type(root.der, root.len);

    ASSERT_OK(zto_cert_parse(leaf, leaf_len, &c[0]));
    ASSERT_OK(zto_cert_parse(inter.der, inter.len, &c[1]));
    ASSERT_OK(zto_cert_parse(root.der, root.len, &c[2]));
    ASSERT_ERR(zto_cert_parse(leaf, leaf_len - 1, &bad), ZTO_E_CERT);
    ASSERT_OK(zto_cert_key(&c[0], &got));
    ASSERT_OK(zto_key_equal(&got, &dev));
    zto_key_free(&got);
    ASSERT_OK(zto_cert_self_signed(&c[2]));
    ASSERT_ERR(zto_cert_self_signed(&c[1]), ZTO_E_CERT);
    ASSERT_ERR(zto_cert_self_signed(&c[0]), ZTO_E_CERT);

    /* Up to the root, given as anchor or found in the chain. */
    anchor[0] = &c[2];
    ASSERT_OK(zto_cert_chain_verify_parsed(c, 3, anchor, 1));
    ASSERT_OK(zto_cert_chain_verify_parsed(c, 2, anchor, 1));
    ASSERT_ERR(zto_cert_chain_verify_parsed(c, 2, anchor, 0), ZTO_E_CERT);
    ASSERT_ERR(zto_cert_chain_verify_parsed(c, 1, anchor, 1), ZTO_E_CERT);
    /* Another root, or the issuing CA (not self-signed), anchor nothing. */
    ASSERT_OK(zto_cert_parse(other.der, other.len, &bad));
    anchor[0] = &bad;
    ASSERT_ERR(zto_cert_chain_verify_parsed(c, 3, anchor, 1), ZTO_E_CERT);
    anchor[1] = &c[2];
    ASSERT_OK(zto_cert_chain_verify_parsed(c, 3, anchor, 2));
    zto_cert_free(&bad);
    anchor[0] = &c[1];
    ASSERT_ERR(zto_cert_chain_verify_parsed(c, 2, anchor, 1), ZTO_E_CERT);
    /* An expired leaf. */
    zto_cert_free(&c[0]);
    ASSERT_OK(zto_cert_parse(old, old_len, &c[0]));
    anchor[0] = &c[2];
    ASSERT_ERR(zto_cert_chain_verify_parsed(c, 3, anchor, 1), ZTO_E_CERT);
    /* A root whose signature was bent is not self-signed. */
    root.der[root.len - 3] ^= 0x5a;
    ASSERT_OK(zto_cert_parse(root.der, root.len, &bad));
    ASSERT_ERR(zto_cert_self_signed(&bad), ZTO_E_CERT);
    zto_cert_free(&bad);

    zto_cert_free(&c[0]);
    zto_cert_free(&c[1]);
    zto_cert_free(&c[2]);
    zto_cert_free(&c[2]); /* twice is harmless */
    zto_key_free(&dev);
    zto_key_free(&root.key);
    zto_key_free(&inter.key);
    zto_key_free(&other.key);
}

static void
test_key_type_other(void)
{
    struct ca rsa;
    int32_t type = 0;
    unsigned bits = 0;

    struct zto_cert_tmpl t;

    /* RSA-2048: not read from the DER (the owner decodes it instead). */
    zto_key_init(&rsa.key);
    ASSERT_OK(zto_key_generate(ZTO_PK_RSA2048RESTR, 2048, &rsa.key));
    memset(&t, 0, sizeof(t));
    t.cn = "zto rsa root";
    t.cn_len = 12;
    t.now = NOW;
    t.days = 30;
    t.profile = ZTO_CERT_CA;
    ASSERT_OK(zto_cert_issue(&rsa.key, NULL, 0, &rsa.key, &t, rsa.der,
                             sizeof(rsa.der), &rsa.len));
    ASSERT_ERR(zto_cert_key_type(rsa.der, rsa.len, &type, &bits), ZTO_E_KEY);
    zto_key_free(&rsa.key);
    ASSERT_ERR(zto_cert_key_type(NULL, 0, &type, &bits), ZTO_E_CERT);
    ASSERT_ERR(zto_cert_key_type((const uint8_t *)"\x30\x00", 2, &type, &bits),
               ZTO_E_CERT);
}

static size_t
raw_csr(EVP_PKEY *pk, const EVP_MD *md, uint8_t *out, size_t cap)
{
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char *p = out;
    int n;

    if (req == NULL || name == NULL ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *)"x", 1, -1, 0) != 1 ||
        X509_REQ_set_subject_name(req, name) != 1 ||
        X509_REQ_set_pubkey(req, pk) != 1 || X509_REQ_sign(req, pk, md) <= 0 ||
        (n = i2d_X509_REQ(req, NULL)) <= 0 || (size_t)n > cap ||
        i2d_X509_REQ(req, &p) != n)
        abort();
    X509_NAME_free(name);
    X509_REQ_free(req);
    return (size_t)n;
}

static void
test_csr_parse(void)
{
    struct zto_key k, got;
    uint8_t csr[2048], subj[256];
    size_t n = 0, sl = 0, i;
    EVP_PKEY *pk;
    unsigned char *c;
    int bad = 0;

    zto_key_init(&k);
    zto_key_init(&got);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &k));
    ASSERT_OK(zto_csr_create(&k, "dev", 3, csr, sizeof(csr), &n));
    /* The signature is the last bytes: a change there is caught only
     * when it is checked. */
    csr[n - 3] ^= 0x01;
    ASSERT_ERR(zto_csr_parse(csr, n, true, &got, subj, sizeof(subj), &sl),
               ZTO_E_SIGNATURE);
    ASSERT_OK(zto_csr_parse(csr, n, false, &got, subj, sizeof(subj), &sl));
    zto_key_free(&got);
    csr[n - 3] ^= 0x01;
    ASSERT_ERR(zto_csr_parse(csr, n, true, &got, subj, 4, &sl),
               ZTO_E_BUF_TOO_SMALL);
    /* Every truncation is refused. */
    for (i = 0; i < n; i++) {
        c = test_exact_copy(csr, i);
        if (zto_csr_parse(c, i, true, &got, subj, sizeof(subj), &sl) ==
            ZTO_OK) {
            bad++;
            zto_key_free(&got);
        }
        free(c);
    }
    ASSERT_EQ(bad, 0);
    zto_key_free(&k);

    /* SHA-1 signature: refused; a P-521 or RSA-1024 key: refused. */
    pk = EVP_EC_gen("P-256");
    n = raw_csr(pk, EVP_sha1(), csr, sizeof(csr));
    ASSERT_ERR(zto_csr_parse(csr, n, true, &got, subj, sizeof(subj), &sl),
               ZTO_E_UNSUPPORTED);
    n = raw_csr(pk, EVP_sha256(), csr, sizeof(csr));
    ASSERT_OK(zto_csr_parse(csr, n, true, &got, subj, sizeof(subj), &sl));
    zto_key_free(&got);
    EVP_PKEY_free(pk);
    pk = EVP_EC_gen("P-521");
    n = raw_csr(pk, EVP_sha512(), csr, sizeof(csr));
    ASSERT_ERR(zto_csr_parse(csr, n, true, &got, subj, sizeof(subj), &sl),
               ZTO_E_KEY);
    EVP_PKEY_free(pk);
    pk = EVP_RSA_gen(1024);
    n = raw_csr(pk, EVP_sha256(), csr, sizeof(csr));
    ASSERT_ERR(zto_csr_parse(csr, n, true, &got, subj, sizeof(subj), &sl),
               ZTO_E_KEY);
    EVP_PKEY_free(pk);
}

static void
test_p7(void)
{
    struct ca a, b;
    struct zto_bytes in[2], out[4];
    uint8_t p7[4096], buf[4096];
    size_t n = 0, cnt = 0, i;
    unsigned char *c;
    int bad = 0;

    make_ca(&a, ZTO_PK_SECP256R1, NULL, "a");
    make_ca(&b, ZTO_PK_SECP384R1, NULL, "b");
    in[0] = ZTO_BYTES(a.der, a.len);
    in[1] = ZTO_BYTES(b.der, b.len);
    ASSERT_OK(zto_p7_certs_encode(in, 2, p7, sizeof(p7), &n));
    ASSERT_OK(zto_p7_certs_decode(p7, n, buf, sizeof(buf), out, 4, &cnt));
    ASSERT_EQ(cnt, 2);
    for (i = 0; i < cnt && i < 2; i++) {
        ASSERT_EQ(out[i].len, in[i].len);
        ASSERT_MEM_EQ(out[i].p, in[i].p, in[i].len);
    }
    ASSERT_ERR(zto_p7_certs_decode(p7, n, buf, sizeof(buf), out, 1, &cnt),
               ZTO_E_TOO_BIG);
    ASSERT_ERR(zto_p7_certs_decode(p7, n, buf, 100, out, 4, &cnt),
               ZTO_E_BUF_TOO_SMALL);
    ASSERT_ERR(zto_p7_certs_encode(in, 2, p7, 100, &n), ZTO_E_BUF_TOO_SMALL);
    ASSERT_ERR(zto_p7_certs_encode(in, 0, p7, sizeof(p7), &n), ZTO_E_ARG);
    /* A certificate is not a bundle, nor is a truncated bundle. */
    ASSERT_ERR(
        zto_p7_certs_decode(a.der, a.len, buf, sizeof(buf), out, 4, &cnt),
        ZTO_E_CERT);
    ASSERT_OK(zto_p7_certs_encode(in, 1, p7, sizeof(p7), &n));
    for (i = 0; i < n; i++) {
        c = test_exact_copy(p7, i);
        if (zto_p7_certs_decode(c, i, buf, sizeof(buf), out, 4, &cnt) == ZTO_OK)
            bad++;
        free(c);
    }
    ASSERT_EQ(bad, 0);
    zto_key_free(&a.key);
    zto_key_free(&b.key);
}

/* Decode a NUL-terminated body into fixed buffers. */
static zto_err_t
mime(const char *s)
{
    uint8_t k[64], c[64];
    size_t kl = 0, cl = 0;
    unsigned char *t = test_exact_copy(s, strlen(s));
    zto_err_t r;

    r = zto_csr_mime_decode((const char *)t, strlen(s), k, sizeof(k), &kl, c,
                            sizeof(c), &cl);
    free(t);
    return r;
}

static void
test_mime(void)
{
    static const uint8_t key[] = {0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x99};
    uint8_t p7[300], k[64], c[400];
    char body[2048];
    size_t n = 0, kl = 0, cl = 0, i;
    char *t;
    int bad = 0;
    /* As go-fdo's owner writes it (Go's multipart writer: sorted header
     * names, base64 on one line, CRLF), parts in its order. */
    static const char go[] =
        "--fdo\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Type: application/pkcs8\r\n"
        "\r\n"
        "MIGHAgEAmQ==\r\n"
        "--fdo\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Type: application/pkcs7-mime; smime-type=certs-only\r\n"
        "\r\n"
        "AQID\r\n"
        "--fdo--\r\n";
    /* Another boundary, LF only, parts swapped, an extra part, a folded
     * header and a preamble. */
    static const char other[] = "preamble\n"
                                "--b0und4ry\n"
                                "content-type: application/pkcs7-mime;\n"
                                "  smime-type=certs-only\n"
                                "\n"
                                "AQ\n"
                                "ID\n"
                                "--b0und4ry\n"
                                "Content-Type: text/plain\n"
                                "\n"
                                "hello\n"
                                "--b0und4ry\n"
                                "Content-Type: APPLICATION/PKCS8\n"
                                "\n"
                                "MIGHAgEAmQ==\n"
                                "--b0und4ry--\n";

    for (i = 0; i < sizeof(p7); i++)
        p7[i] = (uint8_t)i;
    ASSERT_OK(zto_csr_mime_encode(key, sizeof(key), p7, sizeof(p7), body,
                                  sizeof(body), &n));
    ASSERT_EQ(n, zto_csr_mime_len(sizeof(key), sizeof(p7)));
    ASSERT_TRUE(
        memcmp(body, "--fdo\r\nContent-Type: application/pkcs8\r\n", 40) == 0);
    /* 76-column base64 lines. */
    ASSERT_TRUE(strstr(body, "\r\n--fdo--\r\n") == body + n - 11);
    ASSERT_OK(
        zto_csr_mime_decode(body, n, k, sizeof(k), &kl, c, sizeof(c), &cl));
    ASSERT_EQ(kl, sizeof(key));
    ASSERT_MEM_EQ(k, key, sizeof(key));
    ASSERT_EQ(cl, sizeof(p7));
    ASSERT_MEM_EQ(c, p7, sizeof(p7));
    ASSERT_ERR(
        zto_csr_mime_encode(key, sizeof(key), p7, sizeof(p7), body, n - 1, &n),
        ZTO_E_BUF_TOO_SMALL);
    /* No truncation decodes (but the CRLF after the closing delimiter
     * is optional). */
    ASSERT_OK(zto_csr_mime_encode(key, sizeof(key), p7, sizeof(p7), body,
                                  sizeof(body), &n));
    for (i = 0; i + 2 < n; i++) {
        t = (char *)test_exact_copy(body, i);
        if (zto_csr_mime_decode(t, i, k, sizeof(k), &kl, c, sizeof(c), &cl) ==
            ZTO_OK)
            bad++;
        free(t);
    }
    ASSERT_EQ(bad, 0);

    ASSERT_OK(zto_csr_mime_decode(go, sizeof(go) - 1, k, sizeof(k), &kl, c,
                                  sizeof(c), &cl));
    ASSERT_EQ(kl, sizeof(key));
    ASSERT_MEM_EQ(k, key, sizeof(key));
    ASSERT_EQ(cl, 3);
    ASSERT_MEM_EQ(c, "\x01\x02\x03", 3);
    ASSERT_OK(zto_csr_mime_decode(other, sizeof(other) - 1, k, sizeof(k), &kl,
                                  c, sizeof(c), &cl));
    ASSERT_EQ(kl, sizeof(key));
    ASSERT_EQ(cl, 3);

    /* A missing part, a part twice, another transfer encoding, no
     * delimiter at all, bad base64, no room. */
    ASSERT_ERR(mime("--x\r\nContent-Type: application/pkcs8\r\n\r\nAA==\r\n"
                    "--x--\r\n"),
               ZTO_E_MISSING);
    ASSERT_ERR(mime("--x\nContent-Type: application/pkcs8\n\nAA==\n"
                    "--x\nContent-Type: application/pkcs8\n\nAA==\n--x--\n"),
               ZTO_E_PROTO);
    ASSERT_ERR(mime("--x\nContent-Type: application/pkcs8\n"
                    "Content-Transfer-Encoding: binary\n\nAA==\n--x--\n"),
               ZTO_E_UNSUPPORTED);
    ASSERT_ERR(mime("hello\n"), ZTO_E_MISSING);
    ASSERT_ERR(mime("--x--\n"), ZTO_E_MISSING);
    ASSERT_ERR(mime("--x\nContent-Type: application/pkcs8\n\nAA==\n"),
               ZTO_E_TRUNCATED);
    ASSERT_ERR(mime("--x\nContent-Type: application/pkcs8\n\nA!==\n--x--\n"),
               ZTO_E_PEM);
    ASSERT_ERR(
        zto_csr_mime_decode(go, sizeof(go) - 1, k, 2, &kl, c, sizeof(c), &cl),
        ZTO_E_BUF_TOO_SMALL);
}

int
main(void)
{
    TEST_START("cert_issue");
    test_issue(ZTO_PK_SECP256R1);
    test_issue(ZTO_PK_SECP384R1);
    test_parsed(ZTO_PK_SECP256R1);
    test_parsed(ZTO_PK_SECP384R1);
    test_key_type_other();
    test_csr_parse();
    test_p7();
    test_mime();
    TEST_DONE();
}
