/*
 * test_rv_handlers.c - the rendezvous protocol in-process (FDO 1.1
 * sections 4.2, 4.3) with the go-fdo vectors, P-256 and P-384:
 * TO0 through the real client library, every refusal with its
 * ErrorMessage code and an unchanged database, the re-registration rule,
 * TO1 returning the to1d byte for byte, expiry and purge.
 */
#include "rv_fixture.h"

enum build_mode { B_OK, B_BAD_HASH, B_HASH_OF_OTHER };

/* 20 -> 21; returns the nonce, the token is in f->token. */
static struct zto_nonce
start_to0(struct fx *f)
{
    static const uint8_t hello[] = {0x80};
    struct zto_msg_to0_hello_ack ack;

    memset(&ack, 0, sizeof(ack));
    f->token[0] = '\0';
    ASSERT_OK(fx_call(f, ZTO_MSG_TO0_HELLO, hello, 1, NULL));
    ASSERT_EQ(f->resp_type, ZTO_MSG_TO0_HELLO_ACK);
    ASSERT_EQ(strlen(f->token), 32);
    ASSERT_OK(zto_msg_to0_hello_ack_decode(f->resp, f->resp_len, &ack));
    return ack.nonce;
}

/* TO0.OwnerSign built by hand, so that it can be wrong on purpose. */
static size_t
build22(struct fx *f, const unsigned char *ov, size_t ov_len,
        const struct zto_signer *signer, const struct zto_nonce *nonce,
        uint32_t wait, enum build_mode mode, uint8_t *out, size_t cap)
{
    struct zto_to0d t;
    struct zto_hash_buf hb;
    struct zto_hash h;
    struct zto_msg_to0_owner_sign m;
    uint8_t *to0d = malloc(ov_len + 64), to1d[4096];
    size_t to0d_len = 0, to1d_len = 0, n = 0;

    t.voucher = ZTO_BYTES(ov, ov_len);
    t.wait_seconds = wait;
    t.nonce = *nonce;
    ASSERT_OK(zto_to0d_encode(&t, to0d, ov_len + 64, &to0d_len));
    if (mode == B_HASH_OF_OTHER) {
        /* A hash of a to0d with another WaitSeconds. */
        uint8_t *other = malloc(ov_len + 64);
        size_t on = 0;
        t.wait_seconds = wait + 1;
        ASSERT_OK(zto_to0d_encode(&t, other, ov_len + 64, &on));
        ASSERT_OK(zto_hash(ZTO_HASH_SHA256, other, on, &hb));
        free(other);
    } else {
        ASSERT_OK(zto_hash(f->set->sg == ZTO_SG_ES384 ? ZTO_HASH_SHA384
                                                      : ZTO_HASH_SHA256,
                           to0d, to0d_len, &hb));
    }
    if (mode == B_BAD_HASH)
        hb.value[0] ^= 1;
    h.type = hb.type;
    h.value = ZTO_BYTES(hb.value, hb.len);
    ASSERT_OK(
        zto_to1d_encode(&f->addr, &h, signer, to1d, sizeof(to1d), &to1d_len));
    m.to0d = ZTO_BYTES(to0d, to0d_len);
    m.to1d = ZTO_BYTES(to1d, to1d_len);
    ASSERT_OK(zto_msg_to0_owner_sign_encode(&m, out, cap, &n));
    free(to0d);
    return n;
}

/* What the registration of the vector GUID looks like now. */
struct snap {
    int stored;
    size_t to1d_len;
    uint8_t to1d[4096];
    int64_t expires;
};

static void
snap(struct fx *f, struct snap *s)
{
    memset(s, 0, sizeof(*s));
    s->stored = fx_stored(f);
    if (zto_db_rv_get(f->db, &f->guid, f->clock, s->to1d, sizeof(s->to1d),
                      &s->to1d_len, NULL, 0, NULL, &s->expires) != ZTO_OK)
        s->to1d_len = 0;
}

#define ASSERT_SNAP_EQ(a, b)                                                   \
    do {                                                                       \
        ASSERT_EQ((a)->stored, (b)->stored);                                   \
        ASSERT_EQ((a)->to1d_len, (b)->to1d_len);                               \
        ASSERT_EQ((a)->expires, (b)->expires);                                 \
        ASSERT_MEM_EQ((a)->to1d, (b)->to1d, (a)->to1d_len);                    \
    } while (0)

/* The to1d inside the last TO0.OwnerSign the transport carried. */
static struct zto_bytes
sent_to1d(struct fx *f)
{
    struct zto_msg_to0_owner_sign m;

    memset(&m, 0, sizeof(m));
    ASSERT_OK(zto_msg_to0_owner_sign_decode(f->last_req, f->last_req_len, &m));
    return m.to1d;
}

static void
test_to0_to1_success(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct zto_bytes to1d;
    struct zto_to1d dec;
    int64_t exp = 0;

    /* voucher-extended: final owner owner2. */
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 3600, &res));
    ASSERT_EQ(res.granted, 3600);
    ASSERT_EQ(res.peer_code, 0);
    ASSERT_EQ(fx_stored(f), 1);
    to1d = sent_to1d(f);
    ASSERT_OK(zto_db_rv_owner(f->db, &f->guid, f->clock, NULL, &exp));
    ASSERT_EQ(exp, f->clock + 3600);

    /* TO1 with the device key: 33 is the stored to1d, byte for byte. */
    ASSERT_OK(fx_to1(f, &f->guid, &f->guid, &f->s_device, false));
    ASSERT_EQ(f->resp_type, ZTO_MSG_TO1_RV_REDIRECT);
    ASSERT_EQ(f->resp_len, to1d.len);
    ASSERT_MEM_EQ(f->resp, to1d.p, to1d.len);
    ASSERT_OK(zto_to1d_decode(f->resp, f->resp_len, &dec));
    ASSERT_EQ(dec.addr.n, 2);
    ASSERT_EQ(dec.addr.e[0].port, 8042);
    /* Verifies with the owner key, as the device will in TO2. */
    ASSERT_OK(zto_cose_sign1_verify(&dec.cose, &f->owner2));

    /* voucher.cbor: final owner owner1 (the same GUID: descends? no -
     * owner1 is earlier in the extended chain, but this voucher does not
     * name owner2, so it is refused while owner2's registration lives). */
    ASSERT_ERR(fx_to0_client(f, f->ov1, f->ov1_len, &f->s_owner1, 3600, &res),
               ZTO_E_PEER_ERROR);
    ASSERT_EQ(res.peer_code, 2);
    fx_free(f);

    /* voucher.cbor on a fresh server. */
    f = fx_new(s);
    ASSERT_OK(fx_to0_client(f, f->ov1, f->ov1_len, &f->s_owner1, 100, &res));
    ASSERT_EQ(res.granted, 100);
    ASSERT_OK(fx_to1(f, &f->guid, &f->guid, &f->s_device, false));
    ASSERT_EQ(f->resp_type, ZTO_MSG_TO1_RV_REDIRECT);
    to1d = sent_to1d(f);
    ASSERT_EQ(f->resp_len, to1d.len);
    ASSERT_MEM_EQ(f->resp, to1d.p, to1d.len);
    fx_free(f);
}

static void
test_wait_cap(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct snap a, b;

    ASSERT_OK(
        fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 0xffffffffu, &res));
    ASSERT_EQ(res.granted, 86400);
    f->cfg.max_wait = 7;
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 8, &res));
    ASSERT_EQ(res.granted, 7);
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 6, &res));
    ASSERT_EQ(res.granted, 6);
    snap(f, &a);
    ASSERT_EQ(a.expires, f->clock + 6);
    /* 0 replaces the registration with one that is already over. */
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 0, &res));
    ASSERT_EQ(res.granted, 0);
    snap(f, &b);
    ASSERT_EQ(b.to1d_len, 0);
    ASSERT_ERR(fx_to1(f, &f->guid, &f->guid, &f->s_device, false),
               ZTO_E_NO_RESOURCE);
    ASSERT_WIRE(f, 6);
    fx_free(f);
}

static void
test_to0_refusals(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct zto_signer wrong;
    struct zto_nonce nonce;
    struct snap before, after;
    uint8_t *msg = malloc(ZTO_MAX_MSG_SIZE);
    unsigned char *bad = test_exact_copy(f->ov2, f->ov2_len);
    size_t n;
    char tok[ZTO_RV_TOKEN_MAX];

    /* A registration to protect. */
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 3600, &res));
    snap(f, &before);
    ASSERT_TRUE(before.to1d_len > 0);

    /* to1d signed by a key that is not the final owner's -> 3. The
     * client refuses that itself when it knows the signer's key... */
    ASSERT_ERR(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner1, 3600, &res),
               ZTO_E_KEY_MISMATCH);
    ASSERT_TRUE(strstr(res.detail, "final owner") != NULL);
    /* ...so go around it. */
    wrong = f->s_owner1;
    wrong.pub = NULL;
    ASSERT_ERR(fx_to0_client(f, f->ov2, f->ov2_len, &wrong, 3600, &res),
               ZTO_E_PEER_ERROR);
    ASSERT_EQ(res.peer_code, 3);
    snap(f, &after);
    ASSERT_SNAP_EQ(&before, &after);

    /* Wrong nonce -> 101. */
    nonce = start_to0(f);
    nonce.b[0] ^= 1;
    n = build22(f, f->ov2, f->ov2_len, &f->s_owner2, &nonce, 3600, B_OK, msg,
                ZTO_MAX_MSG_SIZE);
    memcpy(tok, f->token, sizeof(tok));
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok), ZTO_E_NONCE);
    ASSERT_WIRE(f, 101);
    /* The session is gone: the same message again is a token error. */
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok), ZTO_E_TOKEN);
    ASSERT_WIRE(f, 1);

    /* to1dTo0dHash wrong -> 101 (a flipped bit; a hash of another to0d). */
    nonce = start_to0(f);
    n = build22(f, f->ov2, f->ov2_len, &f->s_owner2, &nonce, 3600, B_BAD_HASH,
                msg, ZTO_MAX_MSG_SIZE);
    memcpy(tok, f->token, sizeof(tok));
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok), ZTO_E_HASH);
    ASSERT_WIRE(f, 101);
    nonce = start_to0(f);
    n = build22(f, f->ov2, f->ov2_len, &f->s_owner2, &nonce, 3600,
                B_HASH_OF_OTHER, msg, ZTO_MAX_MSG_SIZE);
    memcpy(tok, f->token, sizeof(tok));
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok), ZTO_E_HASH);
    ASSERT_WIRE(f, 101);

    /* Corrupted voucher -> 2: a flipped byte in the last entry's
     * signature, and a voucher cut short inside a valid CBOR array. */
    bad[f->ov2_len - 5] ^= 0x20;
    nonce = start_to0(f);
    n = build22(f, bad, f->ov2_len, &f->s_owner2, &nonce, 3600, B_OK, msg,
                ZTO_MAX_MSG_SIZE);
    memcpy(tok, f->token, sizeof(tok));
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok), ZTO_E_VOUCHER);
    ASSERT_WIRE(f, 2);
    {
        static const uint8_t fake_ov[] = {0x83, 0x18, 0x65, 0x40, 0x80};
        nonce = start_to0(f);
        n = build22(f, fake_ov, sizeof(fake_ov), &f->s_owner2, &nonce, 3600,
                    B_OK, msg, ZTO_MAX_MSG_SIZE);
        memcpy(tok, f->token, sizeof(tok));
        ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok),
                   ZTO_E_VOUCHER);
        ASSERT_WIRE(f, 2);
    }
    /* A voucher with no entry cannot be registered (its "owner" is the
     * manufacturer): 2. Cut the entry array of voucher.cbor to []. */
    {
        struct zto_voucher v;
        unsigned char *z;
        size_t zn;

        ASSERT_OK(zto_voucher_decode(f->ov1, f->ov1_len, &v));
        zn = (size_t)(v.entries_raw.p - f->ov1) + 1;
        z = test_exact_copy(f->ov1, zn);
        z[zn - 1] = 0x80;
        nonce = start_to0(f);
        n = build22(f, z, zn, &f->s_owner1, &nonce, 3600, B_OK, msg,
                    ZTO_MAX_MSG_SIZE);
        memcpy(tok, f->token, sizeof(tok));
        ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok),
                   ZTO_E_VOUCHER);
        ASSERT_WIRE(f, 2);
        free(z);
    }
    snap(f, &after);
    ASSERT_SNAP_EQ(&before, &after);
    free(bad);
    free(msg);
    fx_free(f);
}

static void
test_trust_policy(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    char err[256] = "";
    unsigned char *pem;
    size_t n;

    /* Owner list holding owner1 only: owner2's voucher is refused with 2
     * and nothing is stored; owner1's is accepted. */
    f->policy.allow_all = false;
    pem = fx_load(s, "owner1.pub.pem", &n);
    ASSERT_OK(zto_rv_policy_add_pem(&f->policy, ZTO_RV_TRUST_OWNER,
                                    (const char *)pem, n, "owner1", err,
                                    sizeof(err)));
    free(pem);
    ASSERT_ERR(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 3600, &res),
               ZTO_E_PEER_ERROR);
    ASSERT_EQ(res.peer_code, 2);
    ASSERT_TRUE(strstr(res.peer_text, "trust") != NULL);
    ASSERT_EQ(fx_stored(f), 0);
    ASSERT_OK(fx_to0_client(f, f->ov1, f->ov1_len, &f->s_owner1, 3600, &res));
    ASSERT_EQ(fx_stored(f), 1);
    zto_rv_policy_free(&f->policy);
    zto_db_rv_del(f->db, &f->guid) == ZTO_OK ? (void)0 : abort();

    /* Manufacturer list: the real manufacturer passes, another key not. */
    pem = fx_load(s, "manufacturer.pub.pem", &n);
    ASSERT_OK(zto_rv_policy_add_pem(&f->policy, ZTO_RV_TRUST_MFG,
                                    (const char *)pem, n, "mfg", err,
                                    sizeof(err)));
    free(pem);
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 3600, &res));
    zto_rv_policy_free(&f->policy);
    zto_db_rv_del(f->db, &f->guid) == ZTO_OK ? (void)0 : abort();
    pem = fx_load(s, "owner2.pub.pem", &n);
    ASSERT_OK(zto_rv_policy_add_pem(&f->policy, ZTO_RV_TRUST_MFG,
                                    (const char *)pem, n, "not-mfg", err,
                                    sizeof(err)));
    free(pem);
    ASSERT_ERR(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 3600, &res),
               ZTO_E_PEER_ERROR);
    ASSERT_EQ(res.peer_code, 2);
    ASSERT_EQ(fx_stored(f), 0);
    zto_rv_policy_free(&f->policy);

    /* Device CA: the vector's CA passes; the other set's CA does not. */
    pem = fx_load(s, "device-ca.chain.pem", &n);
    f->policy.allow_all = true;
    ASSERT_OK(zto_rv_policy_add_pem(&f->policy, ZTO_RV_TRUST_DEVICE_CA,
                                    (const char *)pem, n, "ca", err,
                                    sizeof(err)));
    free(pem);
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 3600, &res));
    zto_rv_policy_free(&f->policy);
    zto_db_rv_del(f->db, &f->guid) == ZTO_OK ? (void)0 : abort();
    pem = fx_load(&fx_sets[s == &fx_sets[0] ? 1 : 0], "manufacturer.chain.pem",
                  &n);
    f->policy.allow_all = true;
    ASSERT_OK(zto_rv_policy_add_pem(&f->policy, ZTO_RV_TRUST_DEVICE_CA,
                                    (const char *)pem, n, "other-ca", err,
                                    sizeof(err)));
    free(pem);
    ASSERT_ERR(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 3600, &res),
               ZTO_E_PEER_ERROR);
    ASSERT_EQ(res.peer_code, 2);
    ASSERT_EQ(fx_stored(f), 0);
    zto_rv_policy_free(&f->policy);

    /* No policy at all refuses everything. */
    ASSERT_ERR(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 3600, &res),
               ZTO_E_PEER_ERROR);
    ASSERT_EQ(res.peer_code, 2);
    ASSERT_EQ(fx_stored(f), 0);
    fx_free(f);
}

/* Same owner replaces; another owner only if its voucher descends from
 * the registered one; anyone once the registration has expired. */
static void
test_reregistration(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct snap a, b;

    ASSERT_OK(fx_to0_client(f, f->ov1, f->ov1_len, &f->s_owner1, 1000, &res));
    snap(f, &a);
    /* Same owner, new address: the to1d is replaced. */
    fx_addr(&f->addr, 9000);
    f->clock += 10;
    ASSERT_OK(fx_to0_client(f, f->ov1, f->ov1_len, &f->s_owner1, 1000, &res));
    snap(f, &b);
    ASSERT_EQ(b.stored, 1);
    ASSERT_TRUE(a.to1d_len != b.to1d_len ||
                memcmp(a.to1d, b.to1d, a.to1d_len) != 0);
    ASSERT_EQ(b.expires, f->clock + 1000);
    /* owner2's voucher names owner1 (entry 0): the sale is proven. */
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 1000, &res));
    /* owner1 cannot take it back. */
    snap(f, &a);
    ASSERT_ERR(fx_to0_client(f, f->ov1, f->ov1_len, &f->s_owner1, 1000, &res),
               ZTO_E_PEER_ERROR);
    ASSERT_EQ(res.peer_code, 2);
    ASSERT_TRUE(strstr(res.peer_text, "another owner") != NULL);
    snap(f, &b);
    ASSERT_SNAP_EQ(&a, &b);
    /* After expiry it can. */
    f->clock += 1001;
    ASSERT_OK(fx_to0_client(f, f->ov1, f->ov1_len, &f->s_owner1, 1000, &res));
    fx_free(f);
}

static void
test_to1_refusals(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct zto_guid other = f->guid;
    struct snap a, b;

    other.b[15] ^= 0xff;
    /* Unknown GUID -> 6. */
    ASSERT_ERR(fx_to1(f, &f->guid, &f->guid, &f->s_device, false),
               ZTO_E_NO_RESOURCE);
    ASSERT_WIRE(f, 6);
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 600, &res));
    snap(f, &a);
    ASSERT_ERR(fx_to1(f, &other, &other, &f->s_device, false),
               ZTO_E_NO_RESOURCE);
    ASSERT_WIRE(f, 6);
    /* Wrong key (an owner key signs the EAT) -> 101. */
    ASSERT_ERR(fx_to1(f, &f->guid, &f->guid, &f->s_owner1, false),
               ZTO_E_SIGNATURE);
    ASSERT_WIRE(f, 101);
    /* Wrong nonce -> 101. */
    ASSERT_ERR(fx_to1(f, &f->guid, &f->guid, &f->s_device, true), ZTO_E_NONCE);
    ASSERT_WIRE(f, 101);
    /* UEID naming another GUID than HelloRV -> 101. */
    ASSERT_ERR(fx_to1(f, &f->guid, &other, &f->s_device, false), ZTO_E_PROTO);
    ASSERT_WIRE(f, 101);
    snap(f, &b);
    ASSERT_SNAP_EQ(&a, &b);
    /* Still fine with everything right. */
    ASSERT_OK(fx_to1(f, &f->guid, &f->guid, &f->s_device, false));
    /* Expired: invisible before the purge -> 6. */
    f->clock += 600;
    ASSERT_ERR(fx_to1(f, &f->guid, &f->guid, &f->s_device, false),
               ZTO_E_NO_RESOURCE);
    ASSERT_WIRE(f, 6);
    fx_free(f);
}

/* The registration expires between 31 and 32. */
static void
test_to1_expires_midway(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct zto_msg_to1_hello_rv hello;
    struct zto_msg_to1_hello_rv_ack ack;
    uint8_t msg[2048];
    char tok[ZTO_RV_TOKEN_MAX];
    size_t n = 0;

    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 30, &res));
    memset(&hello, 0, sizeof(hello));
    hello.guid = f->guid;
    hello.siginfo.type = s->sg;
    hello.siginfo.info = ZTO_BYTES("", 0);
    ASSERT_OK(zto_msg_to1_hello_rv_encode(&hello, msg, sizeof(msg), &n));
    ASSERT_OK(fx_call(f, ZTO_MSG_TO1_HELLO_RV, msg, n, NULL));
    memcpy(tok, f->token, sizeof(tok));
    ASSERT_OK(zto_msg_to1_hello_rv_ack_decode(f->resp, f->resp_len, &ack));
    ASSERT_OK(zto_eat_encode(&ack.nonce, &f->guid, ZTO_BYTES_NULL, NULL,
                             &f->s_device, msg, sizeof(msg), &n));
    f->clock += 30;
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO1_PROVE_TO_RV, msg, n, tok),
               ZTO_E_NO_RESOURCE);
    ASSERT_WIRE(f, 6);
    /* An EPID eASigInfo is refused at 30. */
    f->clock -= 30;
    hello.siginfo.type = ZTO_SG_EPID10;
    ASSERT_OK(zto_msg_to1_hello_rv_encode(&hello, msg, sizeof(msg), &n));
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO1_HELLO_RV, msg, n, NULL),
               ZTO_E_UNSUPPORTED);
    ASSERT_WIRE(f, 101);
    /* A session outlives its TTL only in the database's memory. */
    hello.siginfo.type = s->sg;
    ASSERT_OK(zto_msg_to1_hello_rv_encode(&hello, msg, sizeof(msg), &n));
    ASSERT_OK(fx_call(f, ZTO_MSG_TO1_HELLO_RV, msg, n, NULL));
    memcpy(tok, f->token, sizeof(tok));
    ASSERT_OK(zto_msg_to1_hello_rv_ack_decode(f->resp, f->resp_len, &ack));
    ASSERT_OK(zto_eat_encode(&ack.nonce, &f->guid, ZTO_BYTES_NULL, NULL,
                             &f->s_device, msg, sizeof(msg), &n));
    f->clock += 61;
    f->cfg.max_wait = 86400;
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO1_PROVE_TO_RV, msg, n, tok), ZTO_E_TOKEN);
    ASSERT_WIRE(f, 1);
    fx_free(f);
}

/* Malformed, truncated, oversized, out-of-order and wrong-token messages
 * are ErrorMessages and change nothing stored. */
static void
test_malformed(const struct fx_set *s)
{
    static const uint8_t hello[] = {0x80};
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct zto_nonce nonce;
    struct snap a, b;
    uint8_t *msg = malloc(ZTO_MAX_MSG_SIZE + 2);
    char tok[ZTO_RV_TOKEN_MAX];
    size_t n, cut;
    static const uint8_t others[] = {10, 11, 12, 13, 21, 23, 31,
                                     33, 60, 61, 70, 0,  254};
    size_t i;

    f->quiet = true;
    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 600, &res));
    snap(f, &a);

    /* Every prefix of a valid TO0.OwnerSign (fresh session each). */
    for (cut = 0; cut < 600; cut++) {
        nonce = start_to0(f);
        n = build22(f, f->ov2, f->ov2_len, &f->s_owner2, &nonce, 600, B_OK, msg,
                    ZTO_MAX_MSG_SIZE);
        memcpy(tok, f->token, sizeof(tok));
        /* All short prefixes, then a stride through the rest. */
        {
            size_t len = cut < 300 ? cut : 300 + (cut - 300) * (n / 300);
            if (len >= n)
                len = n - 1;
            ASSERT_FAILS(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, len, tok));
            ASSERT_EQ(f->resp_type, ZTO_MSG_ERROR);
            ASSERT_TRUE(fx_err_code(f) == 100 || fx_err_code(f) == 2);
        }
    }
    /* Trailing byte. */
    nonce = start_to0(f);
    n = build22(f, f->ov2, f->ov2_len, &f->s_owner2, &nonce, 600, B_OK, msg,
                ZTO_MAX_MSG_SIZE);
    msg[n] = 0x00;
    memcpy(tok, f->token, sizeof(tok));
    ASSERT_FAILS(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n + 1, tok));
    ASSERT_WIRE(f, 100);
    /* Oversized. */
    nonce = start_to0(f);
    memset(msg, 0, ZTO_MAX_MSG_SIZE + 1);
    memcpy(tok, f->token, sizeof(tok));
    ASSERT_ERR(
        fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, ZTO_MAX_MSG_SIZE + 1, tok),
        ZTO_E_TOO_BIG);
    ASSERT_WIRE(f, 100);
    /* TO0.Hello with a body. */
    ASSERT_FAILS(
        fx_call(f, ZTO_MSG_TO0_HELLO, (const uint8_t *)"\x81\x00", 2, NULL));
    ASSERT_WIRE(f, 100);
    ASSERT_FAILS(fx_call(f, ZTO_MSG_TO0_HELLO, hello, 0, NULL));
    ASSERT_WIRE(f, 100);
    /* 22 without a token, with an unknown one, with an overlong one. */
    n = build22(f, f->ov2, f->ov2_len, &f->s_owner2, &nonce, 600, B_OK, msg,
                ZTO_MAX_MSG_SIZE);
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, NULL), ZTO_E_TOKEN);
    ASSERT_WIRE(f, 1);
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, ""), ZTO_E_TOKEN);
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n,
                       "0123456789abcdef0123456789abcdef"),
               ZTO_E_TOKEN);
    ASSERT_WIRE(f, 1);
    {
        char longtok[200];
        memset(longtok, 'a', sizeof(longtok) - 1);
        longtok[sizeof(longtok) - 1] = '\0';
        ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, longtok),
                   ZTO_E_TOKEN);
    }
    /* Out of order: a TO1 message on a TO0 session, and the reverse. */
    nonce = start_to0(f);
    memcpy(tok, f->token, sizeof(tok));
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO1_PROVE_TO_RV, msg, n, tok), ZTO_E_STATE);
    ASSERT_WIRE(f, 100);
    /* ...which ended that session. */
    ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok), ZTO_E_TOKEN);
    {
        struct zto_msg_to1_hello_rv h;
        uint8_t hb[128];
        size_t hn = 0;

        memset(&h, 0, sizeof(h));
        h.guid = f->guid;
        h.siginfo.type = s->sg;
        h.siginfo.info = ZTO_BYTES("", 0);
        ASSERT_OK(zto_msg_to1_hello_rv_encode(&h, hb, sizeof(hb), &hn));
        ASSERT_OK(fx_call(f, ZTO_MSG_TO1_HELLO_RV, hb, hn, NULL));
        memcpy(tok, f->token, sizeof(tok));
        ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok),
                   ZTO_E_STATE);
        ASSERT_WIRE(f, 100);
        /* Truncated HelloRV prefixes. */
        for (cut = 0; cut < hn; cut++) {
            ASSERT_FAILS(fx_call(f, ZTO_MSG_TO1_HELLO_RV, hb, cut, NULL));
            ASSERT_WIRE(f, 100);
        }
    }
    /* Messages a rendezvous server never receives. */
    for (i = 0; i < sizeof(others); i++) {
        ASSERT_ERR(fx_call(f, others[i], hello, 1, NULL), ZTO_E_STATE);
        ASSERT_WIRE(f, 100);
    }
    /* A TO1.ProveToRV that is not an EAT. */
    {
        struct zto_msg_to1_hello_rv h;
        uint8_t hb[128];
        size_t hn = 0;

        memset(&h, 0, sizeof(h));
        h.guid = f->guid;
        h.siginfo.type = s->sg;
        h.siginfo.info = ZTO_BYTES("", 0);
        ASSERT_OK(zto_msg_to1_hello_rv_encode(&h, hb, sizeof(hb), &hn));
        ASSERT_OK(fx_call(f, ZTO_MSG_TO1_HELLO_RV, hb, hn, NULL));
        memcpy(tok, f->token, sizeof(tok));
        ASSERT_FAILS(fx_call(f, ZTO_MSG_TO1_PROVE_TO_RV, hb, hn, tok));
        ASSERT_WIRE(f, 100);
    }
    /* An ErrorMessage from the peer ends its session and gets nothing. */
    {
        struct zto_error_msg em;
        uint8_t eb[128];
        size_t en = 0;

        memset(&em, 0, sizeof(em));
        em.code = 101;
        em.prev_msg = 21;
        em.text = ZTO_BYTES("bad nonce\x01", 10);
        ASSERT_OK(zto_error_msg_encode(&em, eb, sizeof(eb), &en));
        nonce = start_to0(f);
        memcpy(tok, f->token, sizeof(tok));
        ASSERT_OK(fx_call(f, ZTO_MSG_ERROR, eb, en, tok));
        ASSERT_EQ(f->resp_type, 0);
        ASSERT_EQ(f->resp_len, 0);
        n = build22(f, f->ov2, f->ov2_len, &f->s_owner2, &nonce, 600, B_OK, msg,
                    ZTO_MAX_MSG_SIZE);
        ASSERT_ERR(fx_call(f, ZTO_MSG_TO0_OWNER_SIGN, msg, n, tok),
                   ZTO_E_TOKEN);
        ASSERT_OK(fx_call(f, ZTO_MSG_ERROR, hello, 1, NULL));
        ASSERT_EQ(f->resp_len, 0);
    }
    snap(f, &b);
    ASSERT_SNAP_EQ(&a, &b);
    free(msg);
    fx_free(f);
}

static void
test_purge(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    int regs = -1, sess = -1, stored = -1, live = -1;

    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 120, &res));
    (void)start_to0(f); /* a session left open */
    ASSERT_OK(zto_rv_purge(&f->cfg, &regs, &sess));
    ASSERT_EQ(regs, 0);
    ASSERT_EQ(sess, 0);
    f->clock += 119;
    ASSERT_OK(zto_rv_purge(&f->cfg, &regs, &sess));
    ASSERT_EQ(regs, 0);
    ASSERT_EQ(sess, 1);
    f->clock += 1;
    ASSERT_OK(zto_db_rv_count(f->db, f->clock, &stored, &live));
    ASSERT_EQ(stored, 1);
    ASSERT_EQ(live, 0);
    ASSERT_OK(zto_rv_purge(&f->cfg, &regs, &sess));
    ASSERT_EQ(regs, 1);
    ASSERT_OK(zto_db_rv_count(f->db, 0, &stored, &live));
    ASSERT_EQ(stored, 0);
    fx_free(f);
}

int
main(void)
{
    size_t i;

    TEST_START("rv_handlers");
    for (i = 0; i < sizeof(fx_sets) / sizeof(fx_sets[0]); i++) {
        const struct fx_set *s = &fx_sets[i];

        test_to0_to1_success(s);
        test_wait_cap(s);
        test_to0_refusals(s);
        test_trust_policy(s);
        test_reregistration(s);
        test_to1_refusals(s);
        test_to1_expires_midway(s);
        test_malformed(s);
        test_purge(s);
    }
    TEST_DONE();
}
