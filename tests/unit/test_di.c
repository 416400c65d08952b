#define _GNU_SOURCE /* memmem */
/*
 * test_di.c - DI end to end in one process: the device library's step
 * functions and driver against the manufacturer's handler on an
 * in-memory database, for P-256 and P-384. The stored voucher must verify
 * with the secret the device stored and its chain must validate; every
 * rejected message must get an ErrorMessage and leave the database
 * unchanged.
 */
#include <stdlib.h>
#include <unistd.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "di_rig.h"

#define CAP ZTO_MAX_MSG_SIZE

/* A database snapshot good enough to prove "nothing changed". */
struct snap {
    int64_t changes, vouchers;
};

static struct snap
snap(struct rig *r)
{
    struct snap s;

    s.changes = zto_db_mfg_changes(r->db);
    if (zto_db_mfg_voucher_count(r->db, &s.vouchers) != ZTO_OK)
        s.vouchers = -1;
    return s;
}

static bool
snap_eq(struct snap a, struct snap b)
{
    return a.changes == b.changes && a.vouchers == b.vouchers;
}

/* The ErrorMessage code in (buf, len), or -1. */
static int
err_code(const uint8_t *buf, size_t len, uint8_t type, uint8_t prev)
{
    struct zto_error_msg e;

    if (type != ZTO_MSG_ERROR || zto_error_msg_decode(buf, len, &e) != ZTO_OK ||
        e.prev_msg != prev || e.text.len == 0)
        return -1;
    return e.code;
}

/* Voucher checks after a successful DI: everything the issue asks. */
static void
check_voucher(struct rig *r, const char *serial, int32_t hash_type)
{
    const struct zto_device_cred *c = zto_device_cred(&r->dev);
    struct zto_voucher v;
    struct zto_voucher_verify_opts o;
    struct zto_key devkey, certkey;
    struct zto_hash_buf h;
    static uint8_t ov[CAP];
    size_t len = 0;
    char cn[80] = "";
    const unsigned char *p;
    X509 *x;

    ASSERT_TRUE(c != NULL);
    if (c == NULL)
        return;
    ASSERT_OK(zto_db_mfg_voucher_get(r->db, &c->guid, ov, sizeof(ov), &len));
    ASSERT_OK(zto_voucher_decode(ov, len, &v));
    memset(&o, 0, sizeof(o));
    o.hmac_secret = c->hmac_secret;
    o.hmac_secret_len = c->hmac_secret_len;
    ASSERT_OK(zto_voucher_verify(&v, &o, NULL));
    ASSERT_EQ(v.nentries, 0);
    ASSERT_EQ(v.hmac.type,
              hash_type == ZTO_HASH_SHA384 ? ZTO_HMAC_SHA384 : ZTO_HMAC_SHA256);
    ASSERT_EQ(v.hdr.cert_hash.type, hash_type);
    ASSERT_MEM_EQ(v.hdr.guid.b, c->guid.b, 16);
    ASSERT_EQ(v.hdr.rvinfo.raw.len, c->rvinfo_len);
    ASSERT_MEM_EQ(v.hdr.rvinfo.raw.p, c->rvinfo, c->rvinfo_len);
    ASSERT_EQ(v.hdr.device_info.len, c->device_info_len);
    ASSERT_MEM_EQ(v.hdr.device_info.p, c->device_info, c->device_info_len);
    ASSERT_EQ(v.hdr.mfg_key.enc, ZTO_PKENC_X509);
    /* A wrong secret fails the HMAC check. */
    {
        uint8_t bad[64];
        memcpy(bad, c->hmac_secret, c->hmac_secret_len);
        bad[0] ^= 1;
        o.hmac_secret = bad;
        ASSERT_ERR(zto_voucher_verify(&v, &o, NULL), ZTO_E_MAC);
    }
    /* DCPubKeyHash covers the manufacturer key as encoded. */
    ASSERT_OK(zto_hash(c->pubkey_hash.type, v.hdr.mfg_key.raw.p,
                       v.hdr.mfg_key.raw.len, &h));
    ASSERT_EQ(c->pubkey_hash.type, hash_type);
    ASSERT_MEM_EQ(h.value, c->pubkey_hash.value, h.len);
    /* The chain: leaf = the device key kept in the credential, then the
     * CA; it validates up to the CA. */
    ASSERT_EQ(v.ncerts, 2);
    ASSERT_OK(zto_cert_chain_verify(v.cert, v.ncerts, &v.cert[1], 1));
    zto_key_init(&devkey);
    zto_key_init(&certkey);
    ASSERT_OK(zto_key_from_private_der(c->key_der, c->key_der_len, &devkey));
    ASSERT_OK(zto_key_from_cert_der(v.cert[0].p, v.cert[0].len, &certkey));
    ASSERT_OK(zto_key_equal(&devkey, &certkey));
    zto_key_free(&devkey);
    zto_key_free(&certkey);
    p = v.cert[0].p;
    x = d2i_X509(NULL, &p, (long)v.cert[0].len);
    ASSERT_TRUE(x != NULL);
    if (x != NULL) {
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
                                  sizeof(cn));
        ASSERT_EQ(X509_get_version(x), 2);
        ASSERT_TRUE(X509_check_ca(x) == 0);
        X509_free(x);
    }
    ASSERT_TRUE(strcmp(cn, serial) == 0);
}

/* DI through the step functions by hand. */
static void
test_steps(const char *set, int32_t dev_key, int32_t hash_type)
{
    struct rig r;
    static uint8_t a[CAP], b[CAP];
    size_t an = 0, bn = 0;
    uint8_t at = 0, bt = 0;
    char tok[64], tok2[64];
    struct snap s0;

    ASSERT_EQ(rig_open(&r, set, dev_key, "SN-42", "model-7"), 0);
    s0 = snap(&r);
    ASSERT_OK(zto_di_step(&r.dev, 0, NULL, 0, a, CAP, &an, &at));
    ASSERT_EQ(at, ZTO_MSG_DI_APP_START);
    ASSERT_OK(
        mfg_handle(&r.m, at, a, an, NULL, b, CAP, &bn, &bt, tok, sizeof(tok)));
    ASSERT_EQ(bt, ZTO_MSG_DI_SET_CREDENTIALS);
    ASSERT_EQ(strlen(tok), MFG_TOKEN_LEN);
    ASSERT_OK(zto_di_step(&r.dev, bt, b, bn, a, CAP, &an, &at));
    ASSERT_EQ(at, ZTO_MSG_DI_SET_HMAC);
    /* Nothing stored on the device before 13. */
    ASSERT_EQ(r.store.writes, 0);
    ASSERT_TRUE(zto_device_cred(&r.dev) == NULL);
    ASSERT_OK(
        mfg_handle(&r.m, at, a, an, tok, b, CAP, &bn, &bt, tok2, sizeof(tok2)));
    ASSERT_EQ(bt, ZTO_MSG_DI_DONE);
    ASSERT_EQ(bn, 1);
    ASSERT_EQ(tok2[0], '\0');
    ASSERT_ERR(zto_di_step(&r.dev, bt, b, bn, a, CAP, &an, &at), ZTO_DONE);
    ASSERT_EQ(an, 0);
    ASSERT_EQ(r.store.writes, 1);
    check_voucher(&r, "SN-42", hash_type);
    ASSERT_TRUE(!snap_eq(s0, snap(&r)));

    /* The stored blob loads back into a fresh device. */
    {
        struct zto_device d2;
        const struct zto_device_cred *c1 = zto_device_cred(&r.dev), *c2;
        uint8_t *w = malloc(3 * 4096);
        zto_device_init(&d2);
        ASSERT_OK(zto_device_setup(&d2, &r.cfg, w, 3 * 4096));
        ASSERT_TRUE(zto_device_cred(&d2) == NULL);
        ASSERT_OK(zto_device_load(&d2));
        c2 = zto_device_cred(&d2);
        ASSERT_TRUE(c2 != NULL && c1 != NULL);
        if (c1 != NULL && c2 != NULL) {
            ASSERT_MEM_EQ(c1->guid.b, c2->guid.b, 16);
            ASSERT_EQ(c1->hmac_secret_len, c2->hmac_secret_len);
            ASSERT_MEM_EQ(c1->hmac_secret, c2->hmac_secret,
                          c1->hmac_secret_len);
            ASSERT_TRUE(c2->active);
        }
        zto_device_free(&d2);
        free(w);
    }
    rig_close(&r);
}

/* DI through the driver and the loopback transport, with a transport
 * that blocks once at every call. */
static void
test_driver(const char *set, int32_t dev_key, int32_t hash_type, bool block)
{
    struct rig r;
    struct zto_target t;
    const struct zto_device_result *res;
    zto_err_t e;
    int calls = 0;

    ASSERT_EQ(rig_open(&r, set, dev_key, "SN-7", NULL), 0);
    memset(&t, 0, sizeof(t));
    t.protocol = ZTO_TPROT_HTTP;
    memcpy(t.host, "127.0.0.1", 10);
    t.port = 8039;
    r.loop.block = block;
    do {
        e = zto_device_di(&r.dev, calls == 0 ? &t : NULL);
        calls++;
    } while ((e == ZTO_E_WANT_READ || e == ZTO_E_WANT_WRITE) && calls < 100);
    ASSERT_OK(e);
    ASSERT_EQ(r.loop.opens, 1);
    ASSERT_EQ(r.loop.closes, 1);
    ASSERT_EQ(r.loop.sends, 2);
    ASSERT_EQ(r.loop.sent[0], 10);
    ASSERT_EQ(r.loop.sent[1], 12);
    ASSERT_EQ(calls, block ? 5 : 1);
    res = zto_device_last_result(&r.dev);
    ASSERT_EQ(res->last_msg, 13);
    ASSERT_EQ(res->peer_error, 0);
    ASSERT_MEM_EQ(res->guid.b, zto_device_cred(&r.dev)->guid.b, 16);
    check_voucher(&r, "SN-7", hash_type);
    /* No model string: the manufacturer's default DeviceInfo. */
    ASSERT_EQ(zto_device_cred(&r.dev)->device_info_len, 10);
    ASSERT_MEM_EQ(zto_device_cred(&r.dev)->device_info, "zto-device", 10);
    rig_close(&r);
}

/* Messages captured from one run, for replaying mutated copies. */
struct capture {
    struct rig r;
    uint8_t m10[CAP], m12[CAP];
    size_t n10, n12;
    char tok[64];
};

/* Run 10 (and 11 on the device) and return the 12 the device made. */
static int
capture(struct capture *c, const char *set, int32_t dev_key)
{
    static uint8_t b[CAP];
    size_t bn = 0;
    uint8_t at = 0, bt = 0;

    if (rig_open(&c->r, set, dev_key, "SERIAL-1", "Model-X") != 0)
        return -1;
    if (zto_di_step(&c->r.dev, 0, NULL, 0, c->m10, CAP, &c->n10, &at) !=
            ZTO_OK ||
        mfg_handle(&c->r.m, 10, c->m10, c->n10, NULL, b, CAP, &bn, &bt, c->tok,
                   sizeof(c->tok)) != ZTO_OK ||
        zto_di_step(&c->r.dev, bt, b, bn, c->m12, CAP, &c->n12, &at) != ZTO_OK)
        return -1;
    return 0;
}

/* Send (msg, len) as type with token; expect an ErrorMessage with code
 * `code` (0: any) and an unchanged database. */
static void
expect_reject(struct rig *r, uint8_t type, const uint8_t *msg, size_t len,
              const char *token, int code, int line)
{
    static uint8_t out[CAP];
    size_t on = 0;
    uint8_t ot = 0;
    char tok[64] = "x";
    struct snap s0 = snap(r), s1;
    uint8_t *copy = test_exact_copy(msg, len);
    zto_err_t e;
    int got;

    e = mfg_handle(&r->m, type, copy, len, token, out, CAP, &on, &ot, tok,
                   sizeof(tok));
    free(copy);
    s1 = snap(r);
    got = err_code(out, on, ot, type);
    {
        struct zto_error_msg em;
        /* The manufacturer stamps time and a correlation id. */
        if (got >= 0 && (zto_error_msg_decode(out, on, &em) != ZTO_OK ||
                         !em.has_ts || !em.has_cid))
            got = -2;
    }
    if (e >= 0 || got < 0 || (code != 0 && got != code) || tok[0] != '\0' ||
        !snap_eq(s0, s1)) {
        test_failures++;
        fprintf(stderr,
                "%s:%d: FAIL: msg %u (%zu bytes): result %d, code %d "
                "(want %d), db %s\n",
                __FILE__, line, (unsigned)type, len, (int)e, got, code,
                snap_eq(s0, s1) ? "unchanged" : "CHANGED");
    }
    test_checks++;
}

#define REJECT(r, t, m, n, tok, code)                                          \
    expect_reject((r), (t), (m), (n), (tok), (code), __LINE__)

/* Every truncation and every single-byte change of 10 and 12. A change
 * may only be accepted where the message carries free data: the serial
 * and model text of 10 (a changed letter is another name) and the HMAC
 * bytes of 12 (the manufacturer cannot check them). */
static void
test_mutations(const char *set, int32_t dev_key)
{
    static struct capture c;
    static uint8_t m[CAP], out[CAP];
    const uint8_t *ser, *mod;
    size_t i, on, free_lo12, hlen;
    uint8_t ot;
    char tok[64];
    int accepted10 = 0, accepted12 = 0, bad = 0;
    unsigned f;
    static const uint8_t flips[] = {0x01, 0x80, 0xff};
    struct snap s0;

    ASSERT_EQ(capture(&c, set, dev_key), 0);
    ser = memmem(c.m10, c.n10, "SERIAL-1", 8);
    mod = memmem(c.m10, c.n10, "Model-X", 7);
    ASSERT_TRUE(ser != NULL && mod != NULL);
    hlen = dev_key == ZTO_PK_SECP384R1 ? 48 : 32;
    free_lo12 = c.n12 - hlen;

    for (i = 0; i < c.n10; i++)
        REJECT(&c.r, 10, c.m10, i, NULL, 100);
    for (i = 0; i < c.n12; i++)
        REJECT(&c.r, 12, c.m12, i, c.tok, 100);

    for (f = 0; f < sizeof(flips); f++) {
        for (i = 0; i < c.n10; i++) {
            bool text = (c.m10 + i >= ser && c.m10 + i < ser + 8) ||
                        (c.m10 + i >= mod && c.m10 + i < mod + 7);
            memcpy(m, c.m10, c.n10);
            m[i] ^= flips[f];
            s0 = snap(&c.r);
            if (mfg_handle(&c.r.m, 10, m, c.n10, NULL, out, CAP, &on, &ot, tok,
                           sizeof(tok)) == ZTO_OK) {
                accepted10++;
                if (!text || ot != 11)
                    bad++;
            } else if (!snap_eq(s0, snap(&c.r)) ||
                       err_code(out, on, ot, 10) < 0) {
                bad++;
            }
        }
        for (i = 0; i < c.n12; i++) {
            memcpy(m, c.m12, c.n12);
            m[i] ^= flips[f];
            s0 = snap(&c.r);
            if (mfg_handle(&c.r.m, 12, m, c.n12, c.tok, out, CAP, &on, &ot, tok,
                           sizeof(tok)) == ZTO_OK) {
                accepted12++;
                if (i < free_lo12 || ot != 13)
                    bad++;
                /* That consumed the session: start another one. */
                rig_close(&c.r);
                ASSERT_EQ(capture(&c, set, dev_key), 0);
            } else if (!snap_eq(s0, snap(&c.r)) ||
                       err_code(out, on, ot, 12) < 0) {
                bad++;
            }
        }
    }
    ASSERT_EQ(bad, 0);
    /* Sanity: the free fields really were exercised. */
    ASSERT_TRUE(accepted10 > 0 && accepted10 <= 2 * 15);
    ASSERT_EQ(accepted12, 3 * (int)hlen);
    rig_close(&c.r);
}

/* Out of order, wrong token, oversized, wrong types. */
static void
test_protocol_errors(void)
{
    static struct capture c;
    static uint8_t big[CAP + 1], out[CAP];
    struct snap s0;
    size_t on;
    uint8_t ot;
    char tok[64];
    static const uint8_t empty[] = {0x80};

    ASSERT_EQ(capture(&c, "p256", ZTO_PK_SECP256R1), 0);
    /* 12 with no session (before 10) or someone else's token. */
    REJECT(&c.r, 12, c.m12, c.n12, NULL, 1);
    REJECT(&c.r, 12, c.m12, c.n12, "00112233445566778899aabbccddeeff", 1);
    REJECT(&c.r, 12, c.m12, c.n12, "", 1);
    /* 10 again inside the running session. */
    REJECT(&c.r, 10, c.m10, c.n10, c.tok, 100);
    /* Messages that are not DI requests. */
    REJECT(&c.r, 11, c.m10, c.n10, NULL, 100);
    REJECT(&c.r, 13, empty, 1, c.tok, 100);
    REJECT(&c.r, 30, c.m10, c.n10, NULL, 100);
    REJECT(&c.r, 60, c.m10, c.n10, NULL, 100);
    /* Oversized: over the message limit, and trailing bytes. */
    memcpy(big, c.m10, c.n10);
    REJECT(&c.r, 10, big, CAP + 1, NULL, 100);
    REJECT(&c.r, 10, big, c.n10 + 1, NULL, 100);
    memcpy(big, c.m12, c.n12);
    big[c.n12] = 0;
    REJECT(&c.r, 12, big, c.n12 + 1, c.tok, 100);
    /* An HMAC of the wrong type for a P-256 device: 12 = [[5, bstr32]]
     * -> [[6, bstr32]] fails decoding (length), so build one. */
    {
        struct zto_msg_di_set_hmac h;
        uint8_t v[48], m12[80];
        size_t n = 0;
        memset(v, 7, sizeof(v));
        h.hmac.type = ZTO_HMAC_SHA384;
        h.hmac.value = ZTO_BYTES(v, 48);
        ASSERT_OK(zto_msg_di_set_hmac_encode(&h, m12, sizeof(m12), &n));
        REJECT(&c.r, 12, m12, n, c.tok, 101);
    }
    /* An expired session is unknown. */
    c.r.m.clock = mfg_now(&c.r.m) + 301;
    REJECT(&c.r, 12, c.m12, c.n12, c.tok, 1);
    c.r.m.clock = 0;
    /* After all that the session still completes. */
    s0 = snap(&c.r);
    ASSERT_OK(mfg_handle(&c.r.m, 12, c.m12, c.n12, c.tok, out, CAP, &on, &ot,
                         tok, sizeof(tok)));
    ASSERT_EQ(ot, 13);
    ASSERT_TRUE(!snap_eq(s0, snap(&c.r)));
    /* Replaying 12: the session is gone. */
    REJECT(&c.r, 12, c.m12, c.n12, c.tok, 1);
    rig_close(&c.r);

    /* A CSR whose key is not the announced type, a bad CSR. */
    ASSERT_EQ(capture(&c, "p256", ZTO_PK_SECP256R1), 0);
    {
        struct zto_msg_di_app_start as;
        struct zto_mfg_info mi;
        uint8_t inner[4096], msg[4200];
        size_t n = 0, mn = 0;
        ASSERT_OK(zto_msg_di_app_start_decode(c.m10, c.n10, &as));
        ASSERT_OK(zto_mfg_info_decode(as.mfg_info.p, as.mfg_info.len, &mi));
        mi.key_type = ZTO_PK_SECP384R1;
        ASSERT_OK(zto_mfg_info_encode(&mi, inner, sizeof(inner), &n));
        as.mfg_info = ZTO_BYTES(inner, n);
        ASSERT_OK(zto_msg_di_app_start_encode(&as, msg, sizeof(msg), &mn));
        REJECT(&c.r, 10, msg, mn, NULL, 101);
        mi.key_type = ZTO_PK_RSA2048RESTR;
        ASSERT_OK(zto_mfg_info_encode(&mi, inner, sizeof(inner), &n));
        as.mfg_info = ZTO_BYTES(inner, n);
        ASSERT_OK(zto_msg_di_app_start_encode(&as, msg, sizeof(msg), &mn));
        REJECT(&c.r, 10, msg, mn, NULL, 101);
        /* Serial of 300 characters. */
        mi.key_type = ZTO_PK_SECP256R1;
        memset(big, 'A', 300);
        mi.serial = ZTO_BYTES(big, 300);
        ASSERT_OK(zto_mfg_info_encode(&mi, inner, sizeof(inner), &n));
        as.mfg_info = ZTO_BYTES(inner, n);
        ASSERT_OK(zto_msg_di_app_start_encode(&as, msg, sizeof(msg), &mn));
        REJECT(&c.r, 10, msg, mn, NULL, 100);
        /* Non-printable model. */
        mi.serial = ZTO_BYTES("S", 1);
        mi.device_info = ZTO_BYTES("a\nb", 3);
        ASSERT_OK(zto_mfg_info_encode(&mi, inner, sizeof(inner), &n));
        as.mfg_info = ZTO_BYTES(inner, n);
        ASSERT_OK(zto_msg_di_app_start_encode(&as, msg, sizeof(msg), &mn));
        REJECT(&c.r, 10, msg, mn, NULL, 101);
    }
    rig_close(&c.r);
}

/* The device's side of failures. */
static void
test_device_errors(void)
{
    static struct capture c;
    static uint8_t out[CAP], b[CAP];
    struct zto_error_msg em;
    size_t on = 0, bn = 0;
    uint8_t ot = 0, bt = 0;
    char tok[64];
    const struct zto_device_result *res;
    static const uint8_t errmsg[] = {0x85, 0x18, 0x64, 0x0a, 0x63,
                                     'b',  'a',  'd',  0xf6, 0xf6};

    /* An ErrorMessage from the manufacturer is recorded, not answered. */
    ASSERT_EQ(rig_open(&c.r, "p256", 0, "S", "M"), 0);
    ASSERT_OK(zto_di_step(&c.r.dev, 0, NULL, 0, out, CAP, &on, &ot));
    ASSERT_ERR(
        zto_di_step(&c.r.dev, 255, errmsg, sizeof(errmsg), out, CAP, &on, &ot),
        ZTO_E_PEER_ERROR);
    ASSERT_EQ(on, 0);
    res = zto_device_last_result(&c.r.dev);
    ASSERT_EQ(res->peer_error, 100);
    ASSERT_TRUE(strcmp(res->peer_error_text, "bad") == 0);
    /* A message out of order gets our ErrorMessage 100. */
    ASSERT_OK(zto_di_step(&c.r.dev, 0, NULL, 0, out, CAP, &on, &ot));
    ASSERT_ERR(zto_di_step(&c.r.dev, 13, (const uint8_t *)"\x80", 1, out, CAP,
                           &on, &ot),
               ZTO_E_STATE);
    ASSERT_EQ(ot, 255);
    ASSERT_OK(zto_error_msg_decode(out, on, &em));
    ASSERT_EQ(em.code, 100);
    ASSERT_EQ(em.prev_msg, 13);
    /* A broken 11: error 100, nothing stored. */
    ASSERT_OK(zto_di_step(&c.r.dev, 0, NULL, 0, out, CAP, &on, &ot));
    ASSERT_ERR(zto_di_step(&c.r.dev, 11, (const uint8_t *)"\x81\x41\x80", 3,
                           out, CAP, &on, &ot),
               ZTO_E_MISSING);
    ASSERT_EQ(err_code(out, on, ot, 11), 100);
    ASSERT_EQ(c.r.store.writes, 0);
    rig_close(&c.r);

    /* Storage failing at 13: no credential, no reply, the old one kept. */
    ASSERT_EQ(capture(&c, "p256", ZTO_PK_SECP256R1), 0);
    c.r.store.have = true;
    c.r.store.len = 3;
    memcpy(c.r.store.data, "old", 3);
    c.r.store.fail = true;
    ASSERT_OK(mfg_handle(&c.r.m, 12, c.m12, c.n12, c.tok, b, CAP, &bn, &bt, tok,
                         sizeof(tok)));
    ASSERT_ERR(zto_di_step(&c.r.dev, bt, b, bn, out, CAP, &on, &ot), ZTO_E_IO);
    ASSERT_EQ(on, 0);
    ASSERT_TRUE(zto_device_cred(&c.r.dev) == NULL);
    ASSERT_MEM_EQ(c.r.store.data, "old", 3);
    rig_close(&c.r);

    /* Through the driver: the manufacturer rejects 12 (its answer is
     * replaced by an ErrorMessage): the run fails with the peer's code
     * and the device does not answer it. */
    {
        struct rig r;
        struct zto_target t;
        ASSERT_EQ(rig_open(&r, "p256", 0, "S", "M"), 0);
        memset(&t, 0, sizeof(t));
        t.protocol = ZTO_TPROT_COAP;
        r.loop.tamper_type = 12;
        r.loop.tamper = errmsg;
        r.loop.tamper_len = sizeof(errmsg);
        r.loop.tamper_as = 255;
        ASSERT_ERR(zto_device_di(&r.dev, &t), ZTO_E_PEER_ERROR);
        ASSERT_EQ(r.loop.sends, 2);
        ASSERT_EQ(r.loop.closes, 1);
        ASSERT_EQ(zto_device_last_result(&r.dev)->peer_error, 100);
        ASSERT_EQ(r.store.writes, 0);
        /* A garbage 11: the device sends ErrorMessage 100 and fails. */
        r.loop.tamper_type = 10;
        r.loop.tamper = (const uint8_t *)"\x81\x41\x80";
        r.loop.tamper_len = 3;
        r.loop.tamper_as = 11;
        r.loop.sends = 0;
        ASSERT_ERR(zto_device_di(&r.dev, &t), ZTO_E_MISSING);
        ASSERT_EQ(r.loop.sends, 2);
        ASSERT_EQ(r.loop.sent[1], 255);
        ASSERT_EQ(r.loop.closes, 2);
        /* The manufacturer dropped that session when told. */
        {
            uint8_t buf[16];
            size_t n = 0;
            int proto = 0;
            ASSERT_TRUE(r.loop.token[0] != '\0');
            ASSERT_ERR(zto_db_session_get(r.db, r.loop.token, mfg_now(&r.m),
                                          &proto, buf, sizeof(buf), &n),
                       ZTO_E_NOT_FOUND);
        }
        rig_close(&r);
    }
}

/* The attestation key held outside the library (secure element): DI
 * with cfg.signer and cfg.csr_der; the credential carries no key and
 * the certificate names the external key. */
static void
test_external_key(void)
{
    struct rig r;
    struct zto_key k, certkey;
    struct zto_signer signer;
    struct zto_voucher v;
    struct zto_target t;
    static uint8_t ov[CAP];
    uint8_t csr[1024];
    size_t csr_len = 0, len = 0;
    const struct zto_device_cred *c;

    zto_key_init(&k);
    zto_key_init(&certkey);
    ASSERT_OK(zto_key_generate(ZTO_PK_SECP384R1, 0, &k));
    ASSERT_OK(zto_csr_create(&k, "SE-1", 4, csr, sizeof(csr), &csr_len));
    zto_signer_from_key(&signer, &k);
    ASSERT_EQ(rig_open(&r, "p384", 0, "SE-1", NULL), 0);
    /* Setup checked the config already; these fields are read at DI. */
    r.cfg.signer = &signer;
    r.cfg.csr_der = csr;
    r.cfg.csr_der_len = csr_len;
    memset(&t, 0, sizeof(t));
    ASSERT_OK(zto_device_di(&r.dev, &t));
    c = zto_device_cred(&r.dev);
    ASSERT_TRUE(c != NULL);
    if (c != NULL) {
        ASSERT_EQ(c->key_der_len, 0);
        /* P-384 from the signer's key: SHA-384 everywhere. */
        ASSERT_EQ(c->pubkey_hash.type, ZTO_HASH_SHA384);
        ASSERT_OK(zto_db_mfg_voucher_get(r.db, &c->guid, ov, sizeof(ov), &len));
        ASSERT_OK(zto_voucher_decode(ov, len, &v));
        ASSERT_EQ(v.hmac.type, ZTO_HMAC_SHA384);
        ASSERT_OK(zto_key_from_cert_der(v.cert[0].p, v.cert[0].len, &certkey));
        ASSERT_OK(zto_key_equal(&k, &certkey));
    }
    /* A signer without a CSR cannot do DI. */
    r.cfg.csr_der = NULL;
    r.cfg.csr_der_len = 0;
    ASSERT_ERR(zto_device_di(&r.dev, &t), ZTO_E_CONFIG);
    zto_key_free(&certkey);
    zto_key_free(&k);
    rig_close(&r);
}

/* Two manufacturer processes on one database file: 10 on one, 12 on
 * the other (the session lives in the database). */
static void
test_replicas(void)
{
    struct rig a, b;
    char path[] = "/tmp/zto-test-mfg-XXXXXX";
    static uint8_t m[CAP], o[CAP], m12[CAP];
    size_t mn = 0, on = 0, n12 = 0;
    uint8_t mt = 0, ot = 0;
    char tok[64], tok2[64];
    int fd = mkstemp(path);
    int64_t n = 0;

    ASSERT_TRUE(fd >= 0);
    close(fd);
    ASSERT_EQ(rig_open(&a, "p256", 0, "R-1", NULL), 0);
    ASSERT_EQ(rig_open(&b, "p256", 0, "R-1", NULL), 0);
    zto_db_close(a.db);
    zto_db_close(b.db);
    a.db = b.db = NULL;
    ASSERT_OK(zto_db_open(path, ZTO_DB_MANUFACTURER, NULL, &a.db));
    ASSERT_OK(zto_db_open(path, ZTO_DB_MANUFACTURER, NULL, &b.db));
    a.m.db = a.db;
    b.m.db = b.db;
    ASSERT_OK(zto_di_step(&a.dev, 0, NULL, 0, m, CAP, &mn, &mt));
    ASSERT_OK(
        mfg_handle(&a.m, mt, m, mn, NULL, o, CAP, &on, &ot, tok, sizeof(tok)));
    ASSERT_OK(zto_di_step(&a.dev, ot, o, on, m, CAP, &mn, &mt));
    memcpy(m12, m, mn);
    n12 = mn;
    ASSERT_OK(
        mfg_handle(&b.m, mt, m, mn, tok, o, CAP, &on, &ot, tok2, sizeof(tok2)));
    ASSERT_EQ(ot, ZTO_MSG_DI_DONE);
    ASSERT_ERR(zto_di_step(&a.dev, ot, o, on, m, CAP, &mn, &mt), ZTO_DONE);
    ASSERT_OK(zto_db_mfg_voucher_count(a.db, &n));
    ASSERT_EQ(n, 1);
    /* The first process cannot finish it a second time. */
    REJECT(&a, 12, m12, n12, tok, 1);
    rig_close(&a);
    rig_close(&b);
    unlink(path);
    {
        char side[64];
        snprintf(side, sizeof(side), "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", path);
        unlink(side);
    }
}

static void
test_setup(void)
{
    struct zto_device dev;
    struct zto_device_cfg cfg;
    struct mem_store st;
    static uint8_t work[3 * 65536 + 30];

    memset(&cfg, 0, sizeof(cfg));
    memset(&st, 0, sizeof(st));
    zto_device_init(&dev);
    ASSERT_ERR(zto_device_setup(&dev, &cfg, work, sizeof(work)), ZTO_E_CONFIG);
    cfg.storage = &mem_store_ops;
    cfg.storage_ctx = &st;
    ASSERT_ERR(zto_device_setup(&dev, &cfg, work, ZTO_DEVICE_WORK_MIN - 1),
               ZTO_E_BUF_TOO_SMALL);
    cfg.key_type = ZTO_PK_RSA2048RESTR;
    ASSERT_ERR(zto_device_setup(&dev, &cfg, work, sizeof(work)), ZTO_E_CONFIG);
    cfg.key_type = 0;
    ASSERT_OK(zto_device_setup(&dev, &cfg, work, sizeof(work)));
    ASSERT_ERR(zto_device_setup(&dev, &cfg, work, sizeof(work)), ZTO_E_STATE);
    ASSERT_ERR(zto_device_load(&dev), ZTO_E_NOT_FOUND);
    st.have = true;
    st.len = 4;
    memcpy(st.data, "\x83\x01\x02\x03", 4);
    ASSERT_ERR(zto_device_load(&dev), ZTO_E_CORRUPT);
    ASSERT_TRUE(zto_device_cred(&dev) == NULL);
    /* No transport: the driver refuses, the step functions work. */
    {
        struct zto_target t;
        uint8_t out[4096];
        size_t on = 0;
        uint8_t ot = 0;
        memset(&t, 0, sizeof(t));
        ASSERT_ERR(zto_device_di(&dev, &t), ZTO_E_CONFIG);
        ASSERT_OK(zto_di_step(&dev, 0, NULL, 0, out, sizeof(out), &on, &ot));
        ASSERT_EQ(ot, 10);
    }
    zto_device_free(&dev);
    ASSERT_EQ(work[100], 0);
}

int
main(void)
{
    TEST_START("di");
    test_setup();
    test_steps("p256", ZTO_PK_SECP256R1, ZTO_HASH_SHA256);
    test_steps("p384", ZTO_PK_SECP384R1, ZTO_HASH_SHA384);
    /* P-384 device, P-256 manufacturer: SHA-256, HMAC-SHA384. */
    test_driver("p256", ZTO_PK_SECP256R1, ZTO_HASH_SHA256, false);
    test_driver("p384", ZTO_PK_SECP384R1, ZTO_HASH_SHA384, true);
    test_mutations("p256", ZTO_PK_SECP256R1);
    test_mutations("p384", ZTO_PK_SECP384R1);
    test_protocol_errors();
    test_device_errors();
    test_external_key();
    test_replicas();
    TEST_DONE();
}
