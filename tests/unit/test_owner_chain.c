/*
 * test_owner_chain.c - the owner's device certificate chain check with
 * CA certificates decoded once (owner/owner_chain.c): the same verdicts
 * as zto_cert_chain_verify() for every chain, the first time and from
 * the cache, with and without configured device_ca roots, and after the
 * cache has been turned over.
 */
#include <time.h>

#include "owner_int.h"
#include "test.h"

struct ca {
    struct zto_key key;
    uint8_t der[2048];
    size_t len;
};

static void
issue(const struct ca *parent, const struct zto_key *key, int profile,
      int64_t from, int64_t to, uint8_t *out, size_t *len)
{
    struct zto_cert_tmpl t;

    memset(&t, 0, sizeof(t));
    t.cn = profile == ZTO_CERT_CA ? "zto chain test CA" : "zto chain leaf";
    t.cn_len = strlen(t.cn);
    t.now = from;
    t.not_before = from;
    t.not_after = to;
    t.days = 1;
    t.profile = profile;
    ASSERT_OK(zto_cert_issue(parent != NULL ? &parent->key : key,
                             parent != NULL ? parent->der : NULL,
                             parent != NULL ? parent->len : 0, key, &t, out,
                             2048, len));
}

static void
make_ca(struct ca *c, const struct ca *parent)
{
    int64_t now = (int64_t)time(NULL);

    zto_key_init(&c->key);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &c->key));
    issue(parent, &c->key, ZTO_CERT_CA, now - 3600, now + 86400, c->der,
          &c->len);
}

/* owner_chain_verify() and zto_cert_chain_verify() agree; returns the
 * verdict. */
static zto_err_t
both(struct owner *o, const struct zto_bytes *chain, size_t n)
{
    struct zto_bytes roots[OWNER_MAX_ROOTS];
    size_t i;
    zto_err_t a, b;

    for (i = 0; i < o->nroots; i++)
        roots[i] = ZTO_BYTES(o->root_der[i], o->root_len[i]);
    a = owner_chain_verify(o, chain, n, NULL);
    b = zto_cert_chain_verify(chain, n, o->nroots > 0 ? roots : NULL,
                              o->nroots);
    ASSERT_EQ(a, b);
    return a;
}

static void
test_chains(void)
{
    struct owner o;
    struct ca root, inter, other;
    struct zto_key dev, got;
    struct zto_bytes chain[3];
    uint8_t leaf[2048], old[2048], bent[2048];
    size_t leaf_len = 0, old_len = 0;
    int64_t now = (int64_t)time(NULL);
    int round;

    owner_init(&o);
    make_ca(&root, NULL);
    make_ca(&inter, &root);
    make_ca(&other, NULL);
    zto_key_init(&dev);
    zto_key_init(&got);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &dev));
    issue(&inter, &dev, ZTO_CERT_DEVICE, now - 3600, now + 86400, leaf,
          &leaf_len);
    issue(&inter, &dev, ZTO_CERT_DEVICE, now - 7200, now - 3600, old, &old_len);
    chain[0] = ZTO_BYTES(leaf, leaf_len);
    chain[1] = ZTO_BYTES(inter.der, inter.len);
    chain[2] = ZTO_BYTES(root.der, root.len);

    /* No roots: up to the chain's own self-signed end; twice (the second
     * time from the cache). */
    for (round = 0; round < 2; round++) {
        ASSERT_OK(both(&o, chain, 3));
        ASSERT_ERR(both(&o, chain, 2), ZTO_E_CERT); /* ends at inter */
        ASSERT_ERR(both(&o, chain, 1), ZTO_E_CERT);
        ASSERT_OK(both(&o, chain + 2, 1)); /* the root alone */
    }
    ASSERT_OK(owner_chain_verify(&o, chain, 3, &got));
    ASSERT_OK(zto_key_equal(&got, &dev));
    zto_key_free(&got);
    /* The leaf is checked each time: expired, or not by this CA. */
    chain[0] = ZTO_BYTES(old, old_len);
    ASSERT_ERR(both(&o, chain, 3), ZTO_E_CERT);
    chain[0] = ZTO_BYTES(leaf, leaf_len);
    chain[1] = ZTO_BYTES(other.der, other.len);
    ASSERT_ERR(both(&o, chain, 2), ZTO_E_CERT);
    chain[1] = ZTO_BYTES(inter.der, inter.len);
    /* A bent root signature: other bytes, another cache entry, refused;
     * the good root still anchors. */
    memcpy(bent, root.der, root.len);
    bent[root.len - 3] ^= 0x5a;
    chain[2] = ZTO_BYTES(bent, root.len);
    ASSERT_ERR(both(&o, chain, 3), ZTO_E_CERT);
    ASSERT_ERR(both(&o, chain + 2, 1), ZTO_E_CERT);
    chain[2] = ZTO_BYTES(root.der, root.len);
    ASSERT_OK(both(&o, chain, 3));
    /* Garbage where a CA certificate should be. */
    chain[1] = ZTO_BYTES(leaf, 20);
    ASSERT_ERR(owner_chain_verify(&o, chain, 3, NULL), ZTO_E_CERT);
    chain[1] = ZTO_BYTES(inter.der, inter.len);

    /* Configured roots: the chain needs to reach one of them. */
    ASSERT_OK(owner_root_add(&o, other.der, other.len));
    ASSERT_ERR(both(&o, chain, 3), ZTO_E_CERT);
    ASSERT_OK(owner_root_add(&o, root.der, root.len));
    for (round = 0; round < 2; round++) {
        ASSERT_OK(both(&o, chain, 3));
        ASSERT_OK(both(&o, chain, 2)); /* root from the configuration */
        ASSERT_ERR(both(&o, chain, 1), ZTO_E_CERT);
    }
    /* A configured root that is not self-signed anchors nothing, and a
     * bent one neither. */
    owner_free(&o);
    owner_init(&o);
    ASSERT_OK(owner_root_add(&o, inter.der, inter.len));
    ASSERT_OK(owner_root_add(&o, bent, root.len));
    ASSERT_ERR(both(&o, chain, 2), ZTO_E_CERT);
    ASSERT_ERR(both(&o, chain, 3), ZTO_E_CERT);

    owner_free(&o);
    zto_key_free(&dev);
    zto_key_free(&root.key);
    zto_key_free(&inter.key);
    zto_key_free(&other.key);
}

/* More CAs than the cache holds: every chain still verifies, old ones
 * again after their entries went. */
static void
test_turnover(void)
{
    enum { N = OWNER_CA_CACHE + 8 };
    static struct ca cas[N];
    struct owner o;
    struct zto_key dev;
    struct zto_bytes chain[2];
    uint8_t leaf[2048];
    size_t leaf_len = 0, i;
    int64_t now = (int64_t)time(NULL);

    owner_init(&o);
    zto_key_init(&dev);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP256R1, 0, &dev));
    for (i = 0; i < N; i++)
        make_ca(&cas[i], NULL);
    for (i = 0; i < N + 4; i++) {
        struct ca *c = &cas[i % N];
        issue(c, &dev, ZTO_CERT_DEVICE, now - 3600, now + 86400, leaf,
              &leaf_len);
        chain[0] = ZTO_BYTES(leaf, leaf_len);
        chain[1] = ZTO_BYTES(c->der, c->len);
        ASSERT_OK(owner_chain_verify(&o, chain, 2, NULL));
        /* Another CA's certificate does not anchor this leaf. */
        chain[1] = ZTO_BYTES(cas[(i + 1) % N].der, cas[(i + 1) % N].len);
        ASSERT_ERR(owner_chain_verify(&o, chain, 2, NULL), ZTO_E_CERT);
    }
    for (i = 0; i < N; i++)
        zto_key_free(&cas[i].key);
    zto_key_free(&dev);
    owner_free(&o);
}

int
main(void)
{
    TEST_START("owner_chain");
    test_chains();
    test_turnover();
    TEST_DONE();
}
