/*
 * rv_fixture.h - the rendezvous handler in-process, for tests: an
 * in-memory database, a fake clock, the go-fdo vectors (vouchers, owner
 * and device keys), a transport whose "server" is zto_rv_handle(), and a
 * minimal device side of TO1 built from the common codecs.
 */
#ifndef ZTO_RV_FIXTURE_H
#define ZTO_RV_FIXTURE_H

#include <stdlib.h>

#include "test.h"
#include "zto/zto.h"
#include "zto/zto_port.h"
#include "zto_rv.h"
#include "zto_to0.h"

struct fx_set {
    const char *dir;
    int32_t sg; /* device eASigInfo type */
};

static const struct fx_set fx_sets[] = {
    {"p256", ZTO_SG_ES256},
    {"p384", ZTO_SG_ES384},
};

struct fx {
    const struct fx_set *set;
    struct zto_db *db;
    struct zto_rv_policy policy;
    struct zto_rv_cfg cfg;
    int64_t clock;
    /* Vectors. */
    unsigned char *ov1, *ov2; /* voucher.cbor (owner1), -extended (owner2) */
    size_t ov1_len, ov2_len;
    struct zto_key owner1, owner2, device, mfg;
    struct zto_signer s_owner1, s_owner2, s_device;
    struct zto_guid guid;
    struct zto_rvto2addr addr; /* the owner's TO2 address */
    /* Transport state (the "network"). */
    char token[ZTO_RV_TOKEN_MAX];
    uint8_t resp[ZTO_MAX_MSG_SIZE];
    size_t resp_len;
    uint8_t resp_type;
    uint8_t last_req[ZTO_MAX_MSG_SIZE]; /* last 22 seen, for checks */
    size_t last_req_len;
    unsigned calls;
    int log_lines;
    bool quiet;
};

static int64_t
fx_now(void *ctx)
{
    return ((struct fx *)ctx)->clock;
}

static inline void
fx_log(void *ctx, int level, const char *line)
{
    struct fx *f = ctx;

    f->log_lines++;
    if (!f->quiet && getenv("ZTO_TEST_VERBOSE") != NULL)
        fprintf(stderr, "  [rv %d] %s\n", level, line);
}

static inline unsigned char *
fx_load(const struct fx_set *s, const char *file, size_t *n)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s/%s", ZTO_VECTORS_DIR, s->dir, file);
    return test_read_file(path, n);
}

static inline void
fx_key(const struct fx_set *s, const char *file, struct zto_key *k)
{
    size_t n;
    unsigned char *t = fx_load(s, file, &n);

    zto_key_init(k);
    if (zto_key_from_pem((const char *)t, n, k) != ZTO_OK) {
        fprintf(stderr, "cannot load %s/%s\n", s->dir, file);
        exit(2);
    }
    free(t);
}

/* Owner TO2 address: 127.0.0.1:8042 over HTTP, and a name over CoAP. */
static inline void
fx_addr(struct zto_rvto2addr *a, uint16_t port)
{
    memset(a, 0, sizeof(*a));
    a->n = 2;
    a->e[0].has_ip = true;
    a->e[0].ip_len = 4;
    a->e[0].ip[0] = 127;
    a->e[0].ip[3] = 1;
    a->e[0].port = port;
    a->e[0].protocol = ZTO_TPROT_HTTP;
    a->e[1].has_dns = true;
    a->e[1].dns = ZTO_BYTES("owner.example", 13);
    a->e[1].port = 5683;
    a->e[1].protocol = ZTO_TPROT_COAP;
}

static inline void
fx_setup(struct fx *f, const struct fx_set *s)
{
    unsigned char *g;
    size_t n, gl = 0;

    memset(f, 0, sizeof(*f));
    f->set = s;
    f->clock = 1800000000;
    if (zto_db_open(":memory:", ZTO_DB_RENDEZVOUS, NULL, &f->db) != ZTO_OK)
        exit(2);
    zto_rv_policy_init(&f->policy);
    f->policy.allow_all = true;
    f->cfg.db = f->db;
    f->cfg.policy = &f->policy;
    f->cfg.max_wait = 86400;
    f->cfg.session_ttl = 60;
    f->cfg.now = fx_now;
    f->cfg.now_ctx = f;
    f->cfg.log = fx_log;
    f->cfg.log_ctx = f;
    f->ov1 = fx_load(s, "voucher.cbor", &f->ov1_len);
    f->ov2 = fx_load(s, "voucher-extended.cbor", &f->ov2_len);
    fx_key(s, "owner1.key.pem", &f->owner1);
    fx_key(s, "owner2.key.pem", &f->owner2);
    fx_key(s, "device-key.pem", &f->device);
    fx_key(s, "manufacturer.pub.pem", &f->mfg);
    zto_signer_from_key(&f->s_owner1, &f->owner1);
    zto_signer_from_key(&f->s_owner2, &f->owner2);
    zto_signer_from_key(&f->s_device, &f->device);
    g = fx_load(s, "guid.hex", &n);
    while (n > 0 && (g[n - 1] == '\n' || g[n - 1] == '\r'))
        n--;
    if (zto_hex_decode((const char *)g, n, f->guid.b, ZTO_GUID_LEN, &gl) !=
            ZTO_OK ||
        gl != ZTO_GUID_LEN)
        exit(2);
    free(g);
    fx_addr(&f->addr, 8042);
}

static inline void
fx_teardown(struct fx *f)
{
    zto_db_close(f->db);
    zto_rv_policy_free(&f->policy);
    zto_key_free(&f->owner1);
    zto_key_free(&f->owner2);
    zto_key_free(&f->device);
    zto_key_free(&f->mfg);
    free(f->ov1);
    free(f->ov2);
}

/* One request through the handler; the answer lands in f->resp. */
static inline zto_err_t
fx_call(struct fx *f, uint8_t type, const uint8_t *body, size_t len,
        const char *token)
{
    struct zto_rv_req req;
    struct zto_rv_resp resp;
    unsigned char *copy = test_exact_copy(body, len);
    zto_err_t r;

    memset(&req, 0, sizeof(req));
    req.msg_type = type;
    req.body = copy;
    req.len = len;
    req.token = token;
    req.peer = "test";
    memset(&resp, 0, sizeof(resp));
    resp.body = f->resp;
    resp.cap = sizeof(f->resp);
    r = zto_rv_handle(&f->cfg, &req, &resp);
    free(copy);
    f->calls++;
    f->resp_len = resp.len;
    f->resp_type = resp.msg_type;
    if (resp.token[0] != '\0')
        memcpy(f->token, resp.token, sizeof(f->token));
    /* The handler's contract: an error is always an ErrorMessage that
     * ends the session, and carries no token. */
    if (r != ZTO_OK && (resp.msg_type != ZTO_MSG_ERROR || !resp.end_session ||
                        resp.token[0] != '\0' || resp.len == 0))
        TEST_FAIL_("error %d answered without a proper ErrorMessage", r);
    return r;
}

/* The ErrorMessage code in f->resp (0 if it is not one). */
static inline unsigned
fx_err_code(const struct fx *f)
{
    struct zto_error_msg em;

    if (f->resp_type != ZTO_MSG_ERROR ||
        zto_error_msg_decode(f->resp, f->resp_len, &em) != ZTO_OK)
        return 0;
    return em.code;
}

#define ASSERT_WIRE(f, want)                                                   \
    do {                                                                       \
        unsigned got_ = fx_err_code(f);                                        \
        test_checks++;                                                         \
        if (got_ != (unsigned)(want))                                          \
            TEST_FAIL_("ErrorMessage code %u, want %u", got_,                  \
                       (unsigned)(want));                                      \
    } while (0)

/* ---- The in-process transport ---- */

static inline zto_err_t
fx_t_open(void *ctx, const struct zto_target *t)
{
    struct fx *f = ctx;

    (void)t;
    f->token[0] = '\0';
    return ZTO_OK;
}

static inline zto_err_t
fx_t_send(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    struct fx *f = ctx;
    char tok[ZTO_RV_TOKEN_MAX];

    if (type == ZTO_MSG_TO0_OWNER_SIGN && len <= sizeof(f->last_req)) {
        memcpy(f->last_req, body, len);
        f->last_req_len = len;
    }
    memcpy(tok, f->token, sizeof(tok));
    (void)fx_call(f, type, body, len, tok[0] != '\0' ? tok : NULL);
    return ZTO_OK;
}

static inline zto_err_t
fx_t_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *type)
{
    struct fx *f = ctx;

    if (f->resp_len > cap)
        return ZTO_E_BUF_TOO_SMALL;
    memcpy(buf, f->resp, f->resp_len);
    *len = f->resp_len;
    *type = f->resp_type;
    return ZTO_OK;
}

static inline void
fx_t_close(void *ctx)
{
    (void)ctx;
}

static const struct zto_transport_ops fx_transport = {fx_t_open, fx_t_send,
                                                      fx_t_recv, fx_t_close};

/* ---- A minimal TO1 device ---- */

/* Run 30 -> 31 -> 32 -> 33 with a device key and GUIDs of our choice.
 * Returns the handler's result of the failing (or last) message; on
 * success f->resp holds the to1d. */
static inline zto_err_t
fx_to1(struct fx *f, const struct zto_guid *hello_guid,
       const struct zto_guid *ueid_guid, const struct zto_signer *signer,
       bool bad_nonce)
{
    struct zto_msg_to1_hello_rv hello;
    struct zto_msg_to1_hello_rv_ack ack;
    uint8_t msg[4096];
    char tok[ZTO_RV_TOKEN_MAX];
    size_t n = 0;
    zto_err_t r;

    memset(&hello, 0, sizeof(hello));
    hello.guid = *hello_guid;
    hello.siginfo.type = f->set->sg;
    hello.siginfo.info = ZTO_BYTES("", 0);
    if (zto_msg_to1_hello_rv_encode(&hello, msg, sizeof(msg), &n) != ZTO_OK)
        return ZTO_E_INTERNAL;
    f->token[0] = '\0';
    if ((r = fx_call(f, ZTO_MSG_TO1_HELLO_RV, msg, n, NULL)) != ZTO_OK)
        return r;
    ASSERT_EQ(f->resp_type, ZTO_MSG_TO1_HELLO_RV_ACK);
    ASSERT_OK(zto_msg_to1_hello_rv_ack_decode(f->resp, f->resp_len, &ack));
    ASSERT_EQ(ack.siginfo.type, f->set->sg);
    ASSERT_EQ(ack.siginfo.info.len, 0);
    if (bad_nonce)
        ack.nonce.b[3] ^= 0x40;
    if (zto_eat_encode(&ack.nonce, ueid_guid, ZTO_BYTES_NULL, NULL, signer, msg,
                       sizeof(msg), &n) != ZTO_OK)
        return ZTO_E_INTERNAL;
    memcpy(tok, f->token, sizeof(tok));
    return fx_call(f, ZTO_MSG_TO1_PROVE_TO_RV, msg, n, tok);
}

/* TO0 through the real client library over the in-process transport. */
static inline zto_err_t
fx_to0_client(struct fx *f, const unsigned char *ov, size_t ov_len,
              const struct zto_signer *signer, uint32_t wait,
              struct zto_to0_result *res)
{
    struct zto_to0_params p;
    struct zto_target t;

    memset(&p, 0, sizeof(p));
    memset(&t, 0, sizeof(t));
    p.voucher = ov;
    p.voucher_len = ov_len;
    p.owner = signer;
    p.addr = &f->addr;
    p.wait_seconds = wait;
    return zto_to0_run(&fx_transport, f, &t, &p, res);
}

static inline struct fx *
fx_new(const struct fx_set *s)
{
    struct fx *f = malloc(sizeof(*f));

    if (f == NULL)
        abort();
    fx_setup(f, s);
    return f;
}

static inline void
fx_free(struct fx *f)
{
    fx_teardown(f);
    free(f);
}

static inline int
fx_stored(struct fx *f)
{
    int stored = -1;

    if (zto_db_rv_count(f->db, f->clock, &stored, NULL) != ZTO_OK)
        return -1;
    return stored;
}

#endif
