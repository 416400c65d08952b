/* test_rv_policy.c - loading the rendezvous trust policy: files with one
 * or several PEM blocks, directories, refusals (private keys, wrong block
 * types, broken armour), and the start-up rules. */
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "zto/zto.h"
#include "zto_rv.h"

static char *
vec(const char *set, const char *file, size_t *n)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s/%s", ZTO_VECTORS_DIR, set, file);
    return (char *)test_read_file(path, n);
}

static void
write_file(const char *path, const char *a, size_t an, const char *b, size_t bn)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL)
        abort();
    fwrite(a, 1, an, f);
    if (b != NULL)
        fwrite(b, 1, bn, f);
    fclose(f);
}

static void
test_start_rules(void)
{
    struct zto_rv_policy p;
    char err[256];
    size_t n;
    char *pem = vec("p256", "owner1.pub.pem", &n);

    zto_rv_policy_init(&p);
    ASSERT_TRUE(!zto_rv_policy_configured(&p));
    ASSERT_ERR(zto_rv_policy_validate(&p, err, sizeof(err)), ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(err, "allow_all") != NULL);
    p.allow_all = true;
    ASSERT_OK(zto_rv_policy_validate(&p, err, sizeof(err)));
    ASSERT_OK(zto_rv_policy_add_pem(&p, ZTO_RV_TRUST_OWNER, pem, n, "o", err,
                                    sizeof(err)));
    /* allow_all and an owner list contradict each other. */
    ASSERT_ERR(zto_rv_policy_validate(&p, err, sizeof(err)), ZTO_E_CONFIG);
    p.allow_all = false;
    ASSERT_OK(zto_rv_policy_validate(&p, err, sizeof(err)));
    ASSERT_EQ(zto_rv_policy_count(&p, ZTO_RV_TRUST_OWNER), 1);
    zto_rv_policy_free(&p);
    ASSERT_TRUE(!zto_rv_policy_configured(&p));
    free(pem);
}

static void
test_files_and_dirs(void)
{
    struct zto_rv_policy p;
    char dir[] = "/tmp/zto-rvpol-XXXXXX";
    char path[600], err[256] = "";
    size_t n1, n2, nk, nc;
    char *o1 = vec("p256", "owner1.pub.pem", &n1);
    char *o2 = vec("p384", "owner2.pub.pem", &n2);
    char *key = vec("p256", "owner1.key.pem", &nk);
    char *chain = vec("p256", "device-ca.chain.pem", &nc);

    ASSERT_TRUE(mkdtemp(dir) != NULL);
    zto_rv_policy_init(&p);

    /* Two blocks in one file. */
    snprintf(path, sizeof(path), "%s/two.pem", dir);
    write_file(path, o1, n1, o2, n2);
    ASSERT_OK(
        zto_rv_policy_add_path(&p, ZTO_RV_TRUST_OWNER, path, err, sizeof(err)));
    ASSERT_EQ(zto_rv_policy_count(&p, ZTO_RV_TRUST_OWNER), 2);

    /* A directory: *.pem and *.crt only, hidden files skipped. */
    snprintf(path, sizeof(path), "%s/a.crt", dir);
    write_file(path, o1, n1, NULL, 0);
    snprintf(path, sizeof(path), "%s/notes.txt", dir);
    write_file(path, "hello", 5, NULL, 0);
    snprintf(path, sizeof(path), "%s/.hidden.pem", dir);
    write_file(path, "junk", 4, NULL, 0);
    ASSERT_OK(
        zto_rv_policy_add_path(&p, ZTO_RV_TRUST_MFG, dir, err, sizeof(err)));
    ASSERT_EQ(zto_rv_policy_count(&p, ZTO_RV_TRUST_MFG), 3);

    /* Device CAs take certificates only. */
    ASSERT_OK(zto_rv_policy_add_pem(&p, ZTO_RV_TRUST_DEVICE_CA, chain, nc,
                                    "chain", err, sizeof(err)));
    ASSERT_TRUE(zto_rv_policy_count(&p, ZTO_RV_TRUST_DEVICE_CA) >= 1);
    ASSERT_ERR(zto_rv_policy_add_pem(&p, ZTO_RV_TRUST_DEVICE_CA, o1, n1, "o1",
                                     err, sizeof(err)),
               ZTO_E_CONFIG);

    /* A private key is refused, with a message naming the file. */
    snprintf(path, sizeof(path), "%s/z-private.pem", dir);
    write_file(path, key, nk, NULL, 0);
    ASSERT_ERR(
        zto_rv_policy_add_path(&p, ZTO_RV_TRUST_OWNER, path, err, sizeof(err)),
        ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(err, "private key") != NULL);
    ASSERT_TRUE(strstr(err, "z-private.pem") != NULL);
    ASSERT_ERR(
        zto_rv_policy_add_path(&p, ZTO_RV_TRUST_OWNER, dir, err, sizeof(err)),
        ZTO_E_CONFIG);
    unlink(path);

    /* No PEM at all; broken armour; missing file. */
    ASSERT_ERR(zto_rv_policy_add_pem(&p, ZTO_RV_TRUST_OWNER, "nothing", 7, "x",
                                     err, sizeof(err)),
               ZTO_E_PEM);
    ASSERT_ERR(zto_rv_policy_add_pem(&p, ZTO_RV_TRUST_OWNER, "-----BEGIN \nabc",
                                     15, "x", err, sizeof(err)),
               ZTO_E_PEM);
    ASSERT_FAILS(zto_rv_policy_add_pem(
        &p, ZTO_RV_TRUST_OWNER,
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", 55, "x",
        err, sizeof(err)));
    ASSERT_ERR(zto_rv_policy_add_path(&p, ZTO_RV_TRUST_OWNER,
                                      "/nonexistent/zto", err, sizeof(err)),
               ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_rv_policy_add_path(&p, 7, dir, err, sizeof(err)), ZTO_E_ARG);
    zto_rv_policy_free(&p);

    snprintf(path, sizeof(path), "%s/two.pem", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/a.crt", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/notes.txt", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/.hidden.pem", dir);
    unlink(path);
    ASSERT_EQ(rmdir(dir), 0);
    free(o1);
    free(o2);
    free(key);
    free(chain);
}

/* The check itself: keys are compared as keys, not as encodings. */
static void
test_check(void)
{
    struct zto_rv_policy p;
    struct zto_voucher v;
    struct zto_pubkey owner;
    const char *why = NULL;
    char err[256];
    size_t n, no, nm;
    unsigned char *ov = (unsigned char *)vec("p256", "voucher.cbor", &n);
    char *o1 = vec("p256", "owner1.pub.pem", &no);
    char *mfg = vec("p256", "manufacturer.chain.pem", &nm);

    ASSERT_OK(zto_voucher_decode(ov, n, &v));
    ASSERT_OK(zto_voucher_owner_key(&v, &owner));
    zto_rv_policy_init(&p);
    ASSERT_ERR(zto_rv_policy_check(&p, &v, &owner, &why), ZTO_E_POLICY);
    ASSERT_OK(zto_rv_policy_add_pem(&p, ZTO_RV_TRUST_OWNER, o1, no, "o1", err,
                                    sizeof(err)));
    ASSERT_OK(zto_rv_policy_check(&p, &v, &owner, &why));
    /* The manufacturer as a certificate chain: its first certificate's
     * key is the voucher header key. */
    ASSERT_OK(zto_rv_policy_add_pem(&p, ZTO_RV_TRUST_MFG, mfg, nm, "mfg", err,
                                    sizeof(err)));
    ASSERT_OK(zto_rv_policy_check(&p, &v, &owner, &why));
    /* The manufacturer key is not an owner key. */
    ASSERT_ERR(zto_rv_policy_check(&p, &v, &v.hdr.mfg_key, &why), ZTO_E_POLICY);
    ASSERT_TRUE(strstr(why, "owner") != NULL);
    zto_rv_policy_free(&p);
    free(ov);
    free(o1);
    free(mfg);
}

int
main(void)
{
    TEST_START("rv_policy");
    test_start_rules();
    test_files_and_dirs();
    test_check();
    TEST_DONE();
}
