/*
 * test_hostile.c - hostile peers against the three real servers
 * (fdo-manufacturer, fdo-rendezvous, fdo-owner) over one transport:
 *
 *   test_hostile http|coap BIN_DIR SOURCE_DIR
 *
 * One table of refusals, run over HTTP or CoAP: truncated bodies,
 * garbage, empty bodies, a message of another protocol at a server or
 * another message's body at a path, messages out of order, replays of
 * genuine messages after their session ended, session tokens that are
 * made up, of another session, of another protocol at the same server
 * and of another server. Each row names the answer it must get (an
 * ErrorMessage with its code and EMPrevMsgID, no new token) and checks
 * that what every server stores (vouchers, registrations) is byte for
 * byte what it was; rows whose refusal ends a session check that its
 * token opens nothing afterwards. Over CoAP an identical request within
 * EXCHANGE_LIFETIME is a retransmission: it gets the answer already
 * given from the duplicate cache and is not processed again.
 *
 * Then TO2.ProveDevice of another device's session and of an earlier
 * session of the same device (101, the session ends), and replayed after
 * SetupDevice (100); bodies over 65535 bytes (413 with ErrorMessage 100
 * over HTTP, 4.13 with Size1 65535 at the first CoAP block).
 *
 * Then slow clients while genuine clients (a whole DI, a whole TO0, the
 * first TO2 exchange) are served at once: over HTTP, one connection
 * stopped in the middle of the request head and one in the middle of
 * the body at every server, closed by the server after http_timeout
 * (3 s here) and not before; over CoAP, a Block1 transfer stopped
 * halfway at every server, which cannot be continued with a gap (4.08).
 *
 * Genuine messages come from the device library (DI, TO2) and the
 * owner's TO0 code over the POSIX transports; raw requests from
 * tests/integration/admin/hclient.h (HTTP) and libcoap (CoAP). Every
 * server must exit 0 on SIGTERM at the end.
 */
#include <arpa/inet.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <coap3/coap.h>

#include "../admin/hclient.h"
#include "test.h"
#include "zto/zto.h"
#include "zto/zto_device.h"
#include "zto_posix_port.h"
#include "zto_posix_transport.h"
#include "zto_to0.h"

enum { MFG, RV, OWN, NSRV };

static const char *const srv_name[NSRV] = {"manufacturer", "rendezvous",
                                           "owner"};

struct server {
    struct proc p;
    char conf[512], db[512], err[512];
    struct zto_target http, coap;
    char http_url[256];
};

static struct server srv[NSRV];
static bool use_coap;
static char tmp[] = "/tmp/zto-hostile-XXXXXX";
static const char *bin, *src;

/* ---- setup ---- */

static void
path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmp, name);
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static int
run(const char *cmd)
{
    int st = system(cmd);

    if (st != 0)
        fprintf(stderr, "failed (%d): %s\n", st, cmd);
    return st;
}

static int
start(int i, const char *prog, bool serve_cmd)
{
    struct server *s = &srv[i];
    const char *argv[8];
    const char *u;
    char exe[512];
    size_t n = 0;

    snprintf(exe, sizeof(exe), "%s/%s", bin, prog);
    argv[n++] = exe;
    if (serve_cmd)
        argv[n++] = "serve";
    argv[n++] = "--config";
    argv[n++] = s->conf;
    argv[n++] = "--log-level";
    argv[n++] = "err";
    argv[n] = NULL;
    if (proc_start(&s->p, argv, s->err) != 0)
        return -1;
    if ((u = proc_url(&s->p, "listening on http://")) == NULL)
        return -1;
    snprintf(s->http_url, sizeof(s->http_url), "http://%s", u);
    if (zto_target_parse(s->http_url, &s->http) != ZTO_OK)
        return -1;
    if ((u = proc_url(&s->p, "listening on coap://")) == NULL)
        return -1;
    {
        char url[256];
        snprintf(url, sizeof(url), "coap://%s", u);
        if (zto_target_parse(url, &s->coap) != ZTO_OK)
            return -1;
    }
    return 0;
}

static int
setup(void)
{
    char cmd[2048], text[4096];
    int i;

    if (mkdtemp(tmp) == NULL)
        return -1;
    snprintf(cmd, sizeof(cmd), "'%s/scripts/gen-pki' '%s/pki' p256 >/dev/null",
             src, tmp);
    if (run(cmd) != 0)
        return -1;
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s/trust' && cp '%s/pki/owner.pub.pem' '%s/trust/'",
             tmp, tmp, tmp);
    if (run(cmd) != 0)
        return -1;
    for (i = 0; i < NSRV; i++) {
        snprintf(srv[i].conf, sizeof(srv[i].conf), "%s/%s.conf", tmp,
                 srv_name[i]);
        snprintf(srv[i].db, sizeof(srv[i].db), "%s/%s.db", tmp, srv_name[i]);
        snprintf(srv[i].err, sizeof(srv[i].err), "%s/%s.err", tmp, srv_name[i]);
    }
    snprintf(text, sizeof(text),
             "listen = http://127.0.0.1:0 coap://127.0.0.1:0\n"
             "db = %s\ntrusted_owner_keys = %s/trust\n"
             "trusted_manufacturer_keys = %s/pki/manufacturer.pub.pem\n"
             "trusted_device_ca = %s/pki/device-ca.crt.pem\n"
             "http_timeout = 3\n",
             srv[RV].db, tmp, tmp, tmp);
    write_file(srv[RV].conf, text);
    if (start(RV, "fdo-rendezvous", false) != 0)
        return -1;
    snprintf(text, sizeof(text),
             "listen = http://127.0.0.1:0 coap://127.0.0.1:0\n"
             "db = %s\nmanufacturer_key = %s/pki/manufacturer.key.pem\n"
             "device_ca_key = %s/pki/device-ca.key.pem\n"
             "device_ca_chain = %s/pki/device-ca.crt.pem\n"
             "rv = ip=127.0.0.1,port=%u,protocol=http\n"
             "http_timeout = 3\n",
             srv[MFG].db, tmp, tmp, tmp, (unsigned)srv[RV].http.port);
    write_file(srv[MFG].conf, text);
    snprintf(text, sizeof(text),
             "listen = http://127.0.0.1:0 coap://127.0.0.1:0\n"
             "db = %s\nowner_keys = %s/pki/owner.key.pem\nto0 = no\n"
             "http_timeout = 3\n",
             srv[OWN].db, tmp);
    write_file(srv[OWN].conf, text);
    if (start(MFG, "fdo-manufacturer", true) != 0 ||
        start(OWN, "fdo-owner", true) != 0)
        return -1;
    return 0;
}

static void
teardown(void)
{
    char cmd[600];
    int i;

    for (i = 0; i < NSRV; i++) {
        test_checks++;
        if (srv[i].p.pid > 0 && proc_stop(&srv[i].p) != 0)
            TEST_FAIL_("%s did not exit cleanly on SIGTERM", srv_name[i]);
    }
    if (test_failures == 0) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", tmp);
    } else {
        fprintf(stderr, "server logs kept in %s\n", tmp);
    }
}

/* ---- what a server stores ---- */

/* SHA-256 over the rows that must never change because of a refused
 * message (sessions and failure notes are not among them). */
static void
snapshot(int i, uint8_t out[32])
{
    static const char *const sql[NSRV] = {
        "SELECT guid, voucher FROM vouchers ORDER BY guid",
        "SELECT guid, to1d, device_key, owner_key_hash, expires "
        "FROM rv_registrations ORDER BY guid",
        "SELECT guid, voucher, state, prev_guid, prev_voucher "
        "FROM vouchers ORDER BY id"};
    struct zto_digest d;
    struct zto_hash_buf h;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int c;

    memset(out, 0, 32);
    if (sqlite3_open_v2(srv[i].db, &db, SQLITE_OPEN_READONLY, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(db, 2000) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK ||
        zto_digest_start(&d, ZTO_HASH_SHA256) != ZTO_OK)
        abort();
    while (sqlite3_step(st) == SQLITE_ROW)
        for (c = 0; c < sqlite3_column_count(st); c++) {
            const void *b = sqlite3_column_blob(st, c);
            int n = sqlite3_column_bytes(st, c);
            uint8_t sep[2] = {0xff, (uint8_t)c};
            if (zto_digest_update(&d, sep, 2) != ZTO_OK ||
                (n > 0 && zto_digest_update(&d, b, (size_t)n) != ZTO_OK))
                abort();
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (zto_digest_finish(&d, &h) != ZTO_OK)
        abort();
    memcpy(out, h.value, 32);
}

/* ---- one exchange over the chosen transport ---- */

static struct zto_http_transport ht;
static struct zto_coap_transport ct;

struct ans {
    zto_err_t r;
    uint8_t type;
    size_t len;
    uint8_t body[ZTO_MAX_MSG_SIZE];
    char token[ZTO_TRANSPORT_TOKEN_MAX];
    char detail[ZTO_TRANSPORT_DETAIL_MAX];
    unsigned code, prev; /* of an ErrorMessage answer */
};

static const struct zto_transport_ops *
ops(void **ctx)
{
    *ctx = use_coap ? (void *)&ct : (void *)&ht;
    return use_coap ? &zto_transport_coap_ops : &zto_transport_http_ops;
}

/* type/body to server i under token (NULL: none) on a fresh sub-protocol;
 * the answer, its token and any ErrorMessage in *a. */
static zto_err_t
xchg(int i, const char *token, uint8_t type, const uint8_t *body, size_t len,
     struct ans *a)
{
    void *ctx;
    const struct zto_transport_ops *o = ops(&ctx);
    const struct zto_target *t = use_coap ? &srv[i].coap : &srv[i].http;
    zto_err_t r;

    memset(a, 0, sizeof(*a));
    if ((r = o->open(ctx, t)) != ZTO_OK)
        return a->r = r;
    if (token != NULL) {
        size_t n = strlen(token);
        if (use_coap) {
            memcpy(ct.token, token, n);
            ct.token_len = n;
        } else {
            snprintf(ht.auth, sizeof(ht.auth), "%s", token);
        }
    }
    r = o->send(ctx, type, body, len);
    if (r == ZTO_OK)
        r = o->recv(ctx, a->body, sizeof(a->body), &a->len, &a->type);
    if (use_coap) {
        memcpy(a->token, ct.token, ct.token_len);
        a->token[ct.token_len] = '\0';
        snprintf(a->detail, sizeof(a->detail), "%s",
                 zto_coap_transport_detail(&ct));
    } else {
        snprintf(a->token, sizeof(a->token), "%s", ht.auth);
        snprintf(a->detail, sizeof(a->detail), "%s",
                 zto_http_transport_detail(&ht));
    }
    if (r == ZTO_OK && a->type == ZTO_MSG_ERROR) {
        struct zto_error_msg em;
        if (zto_error_msg_decode(a->body, a->len, &em) == ZTO_OK) {
            a->code = em.code;
            a->prev = em.prev_msg;
        }
    }
    o->close(ctx);
    return a->r = r;
}

/* ---- genuine protocol runs ---- */

struct dev {
    struct zto_file_store fs;
    struct zto_device_cfg cfg;
    struct zto_device d;
    uint8_t work[3 * 8192];
    struct zto_guid guid;
    char dir[600];
};

static void
dev_init(struct dev *v, const char *name)
{
    memset(v, 0, sizeof(*v));
    path_in(v->dir, sizeof(v->dir), name);
    mkdir(v->dir, 0700);
    if (zto_file_store_init(&v->fs, v->dir) != ZTO_OK)
        abort();
    v->cfg.storage = &zto_file_store_ops;
    v->cfg.storage_ctx = &v->fs;
    v->cfg.key_type = ZTO_PK_SECP256R1;
    v->cfg.serial = name;
    zto_device_init(&v->d);
    if (zto_device_setup(&v->d, &v->cfg, v->work, sizeof(v->work)) != ZTO_OK)
        abort();
}

/* What a genuine DI leaves for the replays. */
struct di_run {
    uint8_t m10[4096], m12[512];
    size_t n10, n12;
    char token[ZTO_TRANSPORT_TOKEN_MAX];
};

static struct ans a, b;

/* DI of v; stop after 11 when half is set (the session stays open). */
static int
di(struct dev *v, struct di_run *run, bool half)
{
    uint8_t t = 0;

    if (zto_di_step(&v->d, 0, NULL, 0, run->m10, sizeof(run->m10), &run->n10,
                    &t) != ZTO_OK ||
        xchg(MFG, NULL, t, run->m10, run->n10, &a) != ZTO_OK ||
        a.type != ZTO_MSG_DI_SET_CREDENTIALS)
        return -1;
    snprintf(run->token, sizeof(run->token), "%s", a.token);
    if (zto_di_step(&v->d, a.type, a.body, a.len, run->m12, sizeof(run->m12),
                    &run->n12, &t) != ZTO_OK)
        return -1;
    if (half)
        return 0;
    if (xchg(MFG, run->token, t, run->m12, run->n12, &a) != ZTO_OK ||
        a.type != ZTO_MSG_DI_DONE ||
        zto_di_step(&v->d, a.type, a.body, a.len, run->m10, sizeof(run->m10),
                    &run->n10, &t) != ZTO_DONE)
        return -1;
    v->guid = zto_device_cred(&v->d)->guid;
    return 0;
}

/* The device's voucher extended to the owner (CBOR, heap) and imported. */
static uint8_t *
voucher_to_owner(const struct dev *v, size_t *len)
{
    char cmd[3000], g[33], pem[700];
    uint8_t *out = NULL;
    unsigned char *text;
    size_t tn = 0, pos = 0;

    if (zto_hex_encode(v->guid.b, 16, g, sizeof(g)) != ZTO_OK)
        return NULL;
    snprintf(pem, sizeof(pem), "%s/%s.pem", tmp, g);
    snprintf(cmd, sizeof(cmd),
             "'%s/fdo-manufacturer' export --config '%s' --guid %s "
             "--extend-to '%s/pki/owner.pub.pem' -o '%s' 2>/dev/null && "
             "'%s/fdo-owner' import --config '%s' '%s' >/dev/null",
             bin, srv[MFG].conf, g, tmp, pem, bin, srv[OWN].conf, pem);
    if (run(cmd) != 0 || (text = test_read_file(pem, &tn)) == NULL)
        return NULL;
    if ((out = malloc(tn)) != NULL &&
        zto_voucher_pem_decode((const char *)text, tn, &pos, out, tn, len) !=
            ZTO_OK) {
        free(out);
        out = NULL;
    }
    free(text);
    return out;
}

struct owner_signer {
    struct zto_key key;
    struct zto_signer s;
};

static void
owner_signer_load(struct owner_signer *o)
{
    char p[600];
    size_t n;
    unsigned char *pem;

    path_in(p, sizeof(p), "pki/owner.key.pem");
    pem = test_read_file(p, &n);
    zto_key_init(&o->key);
    if (pem == NULL ||
        zto_key_from_pem((const char *)pem, n, &o->key) != ZTO_OK)
        abort();
    free(pem);
    zto_signer_from_key(&o->s, &o->key);
}

/* TO0 20 -> 21: the OwnerSign (22) for its nonce and the session token. */
static int
to0_start(const uint8_t *ov, size_t ov_len, const struct owner_signer *os,
          uint8_t *m22, size_t cap, size_t *n22, char *token, size_t tcap)
{
    static const uint8_t hello[] = {0x80};
    struct zto_msg_to0_hello_ack ack;
    struct zto_to0_params p;
    struct zto_rvto2addr addr;

    if (xchg(RV, NULL, ZTO_MSG_TO0_HELLO, hello, 1, &a) != ZTO_OK ||
        a.type != ZTO_MSG_TO0_HELLO_ACK ||
        zto_msg_to0_hello_ack_decode(a.body, a.len, &ack) != ZTO_OK)
        return -1;
    snprintf(token, tcap, "%s", a.token);
    memset(&addr, 0, sizeof(addr));
    addr.n = 1;
    addr.e[0].has_ip = true;
    addr.e[0].ip_len = 4;
    addr.e[0].ip[0] = 127;
    addr.e[0].ip[3] = 1;
    addr.e[0].port = srv[OWN].http.port;
    addr.e[0].protocol = ZTO_TPROT_HTTP;
    memset(&p, 0, sizeof(p));
    p.voucher = ov;
    p.voucher_len = ov_len;
    p.owner = &os->s;
    p.addr = &addr;
    p.wait_seconds = 3600;
    return zto_to0_owner_sign_build(&p, &ack.nonce, m22, cap, n22) == ZTO_OK
               ? 0
               : -1;
}

/* TO2 of v up to the owner's 61; *m60 the HelloDevice sent. */
static int
to2_start(struct dev *v, uint8_t *m60, size_t cap, size_t *n60, char *token,
          size_t tcap)
{
    uint8_t t = 0;

    if (zto_device_load(&v->d) != ZTO_OK)
        return -1;
    zto_to2_begin(&v->d, NULL, 0);
    if (zto_to2_step(&v->d, 0, NULL, 0, m60, cap, n60, &t) != ZTO_OK ||
        xchg(OWN, NULL, t, m60, *n60, &a) != ZTO_OK ||
        a.type != ZTO_MSG_TO2_PROVE_OVHDR)
        return -1;
    snprintf(token, tcap, "%s", a.token);
    return 0;
}

/* ---- the table ---- */

enum tok {
    T_NONE,
    T_OWN,
    T_BOGUS,
    T_DI,
    T_TO0,
    T_TO1,
    T_TO2,
    T_ENDED_DI,
    T_ENDED_TO0
};

enum body {
    B_GENUINE,
    B_TRUNC,
    B_GARBAGE,
    B_EMPTY,
    B_HELLO0,
    B_ENTRY9,
    B_SEALED_JUNK,
    B_APPSTART
};

struct row {
    const char *what;
    int server;
    uint8_t type;
    enum body body;
    enum tok tok;
    unsigned code; /* ErrorMessage code expected */
    /* A second message under the same token afterwards must find the
     * session gone (the refusal ended it): code 1. */
    bool ends_session;
    /* Over CoAP an identical request within EXCHANGE_LIFETIME is a
     * retransmission: answered from the duplicate cache with the answer
     * of this type already given, not processed again (nothing stored
     * changes). 0: not a replay. */
    uint8_t coap_cached;
};

/* Genuine material the rows draw on. */
static struct {
    struct di_run di_done, di_live;
    uint8_t m22[ZTO_MAX_MSG_SIZE], m60[4096];
    size_t n22, n60;
    char to0_live[ZTO_TRANSPORT_TOKEN_MAX], to0_ended[ZTO_TRANSPORT_TOKEN_MAX];
    char to1_live[ZTO_TRANSPORT_TOKEN_MAX], to2_live[ZTO_TRANSPORT_TOKEN_MAX];
    struct zto_guid known, unknown;
} g;

static const struct row rows[] = {
    /* manufacturer */
    {"DI.AppStart truncated", MFG, 10, B_TRUNC, T_NONE, 100, false, 0},
    {"DI.AppStart not CBOR", MFG, 10, B_GARBAGE, T_NONE, 100, false, 0},
    {"DI.AppStart empty", MFG, 10, B_EMPTY, T_NONE, 100, false, 0},
    {"DI.AppStart inside a live session", MFG, 10, B_GENUINE, T_DI, 100, false,
     0},
    {"TO0.Hello at the manufacturer", MFG, 20, B_HELLO0, T_NONE, 100, false, 0},
    {"DI.SetHMAC with no session", MFG, 12, B_GENUINE, T_NONE, 1, false, 0},
    {"DI.SetHMAC with a made-up token", MFG, 12, B_GENUINE, T_BOGUS, 1, false,
     0},
    {"DI.SetHMAC with a rendezvous token", MFG, 12, B_GENUINE, T_TO0, 1, false,
     0},
    {"DI.SetHMAC replayed after DI.Done", MFG, 12, B_GENUINE, T_ENDED_DI, 1,
     false, ZTO_MSG_DI_DONE},
    {"DI.SetHMAC truncated", MFG, 12, B_TRUNC, T_DI, 100, false, 0},
    {"a DI.AppStart body at DI.SetHMAC's path", MFG, 12, B_APPSTART, T_DI, 100,
     false, 0},
    {"DI.Done sent to the server", MFG, 13, B_EMPTY, T_DI, 100, false, 0},
    /* rendezvous */
    {"TO0.Hello not CBOR", RV, 20, B_GARBAGE, T_NONE, 100, false, 0},
    {"TO0.OwnerSign with no session", RV, 22, B_GENUINE, T_NONE, 1, false, 0},
    /* A token of this server's other protocol names a live session: the
     * message is out of order for it (100), and it is over. */
    {"TO0.OwnerSign with a TO1 token", RV, 22, B_GENUINE, T_TO1, 100, true, 0},
    {"TO0.OwnerSign with a DI token", RV, 22, B_GENUINE, T_DI, 1, false, 0},
    {"TO0.OwnerSign replayed after AcceptOwner", RV, 22, B_GENUINE, T_ENDED_TO0,
     1, false, ZTO_MSG_TO0_ACCEPT_OWNER},
    {"TO0.OwnerSign truncated", RV, 22, B_TRUNC, T_TO0, 100, true, 0},
    {"TO1.ProveToRV with a TO0 token", RV, 32, B_GARBAGE, T_TO0, 100, true, 0},
    {"TO2.HelloDevice at rendezvous", RV, 60, B_GARBAGE, T_NONE, 100, false, 0},
    {"DI.AppStart at rendezvous", RV, 10, B_GENUINE, T_NONE, 100, false, 0},
    /* owner */
    {"TO2.HelloDevice truncated", OWN, 60, B_TRUNC, T_NONE, 100, false, 0},
    {"TO2.HelloDevice not CBOR", OWN, 60, B_GARBAGE, T_NONE, 100, false, 0},
    {"TO2.GetOVNextEntry with no session", OWN, 62, B_ENTRY9, T_NONE, 1, false,
     0},
    {"TO2.GetOVNextEntry with a DI token", OWN, 62, B_ENTRY9, T_DI, 1, false,
     0},
    {"TO2.GetOVNextEntry with a TO0 token", OWN, 62, B_ENTRY9, T_TO0, 1, false,
     0},
    {"TO2.GetOVNextEntry past the last entry", OWN, 62, B_ENTRY9, T_TO2, 101,
     true, 0},
    {"TO2.DeviceServiceInfoReady before ProveDevice", OWN, 66, B_SEALED_JUNK,
     T_TO2, 100, true, 0},
    {"TO2.Done before anything", OWN, 70, B_SEALED_JUNK, T_TO2, 100, true, 0},
    {"DI.AppStart at the owner", OWN, 10, B_GENUINE, T_NONE, 100, false, 0},
    {"TO0.OwnerSign at the owner", OWN, 22, B_GENUINE, T_NONE, 100, false, 0},
};

static struct dev dmain;
static uint8_t *ov;
static size_t ov_len;
static struct owner_signer osig;
static uint8_t m22_done[ZTO_MAX_MSG_SIZE];
static size_t n22_done;

/* Open again the live sessions the rows spend: a DI stopped after 11, a
 * TO0 after 21, a TO1 after 31, a TO2 after 61. */
static void
refresh_sessions(void)
{
    static struct dev v;
    static int n;
    struct zto_msg_to1_hello_rv h;
    uint8_t m30[128];
    size_t n30 = 0;
    char name[32];

    snprintf(name, sizeof(name), "live-%d", n++);
    dev_init(&v, name);
    if (di(&v, &g.di_live, true) != 0)
        TEST_FAIL_("%s", "a genuine DI session could not be opened");
    zto_device_free(&v.d);
    if (to0_start(ov, ov_len, &osig, g.m22, sizeof(g.m22), &g.n22, g.to0_live,
                  sizeof(g.to0_live)) != 0)
        TEST_FAIL_("%s", "a genuine TO0 session could not be opened");
    memset(&h, 0, sizeof(h));
    h.guid = dmain.guid;
    h.siginfo.type = ZTO_SG_ES256;
    h.siginfo.info = ZTO_BYTES("", 0);
    if (zto_msg_to1_hello_rv_encode(&h, m30, sizeof(m30), &n30) != ZTO_OK ||
        xchg(RV, NULL, ZTO_MSG_TO1_HELLO_RV, m30, n30, &a) != ZTO_OK ||
        a.type != ZTO_MSG_TO1_HELLO_RV_ACK)
        TEST_FAIL_("%s", "a genuine TO1 session could not be opened");
    snprintf(g.to1_live, sizeof(g.to1_live), "%s", a.token);
    if (to2_start(&dmain, g.m60, sizeof(g.m60), &g.n60, g.to2_live,
                  sizeof(g.to2_live)) != 0)
        TEST_FAIL_("%s", "a genuine TO2 session could not be opened");
}

/* The genuine body of a message type (for B_GENUINE and B_TRUNC). */
static const uint8_t *
genuine(uint8_t type, enum tok tok, size_t *n)
{
    switch (type) {
    case ZTO_MSG_DI_APP_START:
        *n = g.di_done.n10;
        return g.di_done.m10;
    case ZTO_MSG_DI_SET_HMAC:
        if (tok == T_ENDED_DI) {
            *n = g.di_done.n12;
            return g.di_done.m12;
        }
        *n = g.di_live.n12;
        return g.di_live.m12;
    case ZTO_MSG_TO0_OWNER_SIGN:
        if (tok == T_ENDED_TO0) {
            *n = n22_done;
            return m22_done;
        }
        *n = g.n22;
        return g.m22;
    case ZTO_MSG_TO2_HELLO_DEVICE:
        *n = g.n60;
        return g.m60;
    default:
        abort();
    }
}

static const char *
token_of(enum tok t)
{
    switch (t) {
    case T_NONE:
        return NULL;
    case T_BOGUS:
        return "0123456789abcdef0123456789abcdef";
    case T_DI:
        return g.di_live.token;
    case T_TO0:
        return g.to0_live;
    case T_TO1:
        return g.to1_live;
    case T_TO2:
    case T_OWN:
        return g.to2_live;
    case T_ENDED_DI:
        return g.di_done.token;
    default:
        return g.to0_ended;
    }
}

static void
check_row(const struct row *r)
{
    static const uint8_t garbage[] = {0xff, 0x00, 0x13}, hello0[] = {0x80},
                         entry9[] = {0x81, 0x09},
                         junk[] = {0x83, 0x40, 0xa0, 0x40};
    uint8_t before[NSRV][32], after[32];
    const char *tok = token_of(r->tok);
    const uint8_t *body = NULL;
    size_t n = 0;
    int i;

    switch (r->body) {
    case B_GENUINE:
        body = genuine(r->type, r->tok, &n);
        break;
    case B_TRUNC:
        body = genuine(r->type, r->tok, &n);
        n /= 2;
        break;
    case B_GARBAGE:
        body = garbage;
        n = sizeof(garbage);
        break;
    case B_EMPTY:
        body = hello0;
        n = 0;
        break;
    case B_HELLO0:
        body = hello0;
        n = sizeof(hello0);
        break;
    case B_APPSTART:
        body = genuine(ZTO_MSG_DI_APP_START, r->tok, &n);
        break;
    case B_ENTRY9:
        body = entry9;
        n = sizeof(entry9);
        break;
    default:
        body = junk;
        n = sizeof(junk);
    }
    for (i = 0; i < NSRV; i++)
        snapshot(i, before[i]);
    xchg(r->server, tok, r->type, body, n, &b);
    test_checks++;
    if (use_coap && r->coap_cached != 0) {
        if (b.r != ZTO_OK || b.type != r->coap_cached)
            TEST_FAIL_("%s (%s, coap): got %s, message %u; want the cached "
                       "%u",
                       r->what, srv_name[r->server], zto_strerror(b.r), b.type,
                       r->coap_cached);
        else
            printf("ok: %s: a retransmission, answered %u from the cache\n",
                   r->what, b.type);
    } else if (b.r != ZTO_OK || b.type != ZTO_MSG_ERROR || b.code != r->code ||
               b.prev != r->type)
        TEST_FAIL_("%s (%s, %s): got %s, message %u, code %u, prev %u; "
                   "want ErrorMessage %u for %u",
                   r->what, srv_name[r->server], use_coap ? "coap" : "http",
                   zto_strerror(b.r), b.type, b.code, b.prev, r->code, r->type);
    else
        printf("ok: %s: ErrorMessage %u\n", r->what, b.code);
    /* No new token with an ErrorMessage (the transport keeps the one it
     * had when the answer carries none). */
    test_checks++;
    if (b.type == ZTO_MSG_ERROR && b.token[0] != '\0' &&
        (tok == NULL || strcmp(b.token, tok) != 0))
        TEST_FAIL_("%s: an ErrorMessage came with a new token", r->what);
    for (i = 0; i < NSRV; i++) {
        snapshot(i, after);
        test_checks++;
        if (memcmp(before[i], after, 32) != 0)
            TEST_FAIL_("%s: the %s's stored data changed", r->what,
                       srv_name[i]);
    }
    if (r->ends_session) {
        /* The refusal ended the session: its token opens nothing. (A
         * request of its own, not a retransmission of the refused one.) */
        static const uint8_t entry0[] = {0x81, 0x00};
        const uint8_t *fb = entry0;
        size_t fn = sizeof(entry0);
        uint8_t ft = ZTO_MSG_TO2_GET_OVNEXT_ENTRY;
        if (r->server == RV) {
            fb = garbage;
            fn = sizeof(garbage);
            ft = r->type == ZTO_MSG_TO0_OWNER_SIGN ? ZTO_MSG_TO1_PROVE_TO_RV
                                                   : ZTO_MSG_TO0_OWNER_SIGN;
        }
        xchg(r->server, tok, ft, fb, fn, &b);
        test_checks++;
        if (b.type != ZTO_MSG_ERROR || b.code != 1)
            TEST_FAIL_("%s: the session survived (answer %u, code %u)", r->what,
                       b.type, b.code);
    }
    if (r->tok == T_DI || r->tok == T_TO0 || r->tok == T_TO1 ||
        r->tok == T_TO2 || r->ends_session)
        refresh_sessions();
}

/* ---- TO2: ProveDevice replayed, and from another session ---- */

/* TO2 of v up to the 64 it would send (not sent); token of the session. */
static int
to2_until_64(struct dev *v, uint8_t *m64, size_t cap, size_t *n64, char *token,
             size_t tcap)
{
    uint8_t t = 0, m60[4096];
    size_t n60 = 0;
    int guard = 0;

    if (to2_start(v, m60, sizeof(m60), &n60, token, tcap) != 0)
        return -1;
    /* a holds 61; the device asks for entries until it proves itself. */
    for (;;) {
        if (zto_to2_step(&v->d, a.type, a.body, a.len, m64, cap, n64, &t) !=
                ZTO_OK ||
            guard++ > 20)
            return -1;
        if (t == ZTO_MSG_TO2_PROVE_DEVICE)
            return 0;
        if (xchg(OWN, token, t, m64, *n64, &a) != ZTO_OK)
            return -1;
    }
}

static void
to2_expect(const char *what, const char *token, const uint8_t *m, size_t n,
           unsigned code, uint8_t cached)
{
    uint8_t before[32], after[32];

    snapshot(OWN, before);
    xchg(OWN, token, ZTO_MSG_TO2_PROVE_DEVICE, m, n, &b);
    test_checks++;
    if (use_coap && cached != 0) {
        if (b.r != ZTO_OK || b.type != cached)
            TEST_FAIL_("%s (coap): answer %u, want the cached %u", what, b.type,
                       cached);
        else
            printf("ok: %s: a retransmission, answered %u from the cache\n",
                   what, b.type);
    } else if (b.r != ZTO_OK || b.type != ZTO_MSG_ERROR || b.code != code ||
               b.prev != ZTO_MSG_TO2_PROVE_DEVICE) {
        TEST_FAIL_("%s: answer %u code %u prev %u, want ErrorMessage %u", what,
                   b.type, b.code, b.prev, code);
    } else {
        printf("ok: %s: ErrorMessage %u\n", what, b.code);
    }
    snapshot(OWN, after);
    test_checks++;
    if (memcmp(before, after, 32) != 0)
        TEST_FAIL_("%s: the owner's stored data changed", what);
}

static void
test_to2_sessions(void)
{
    static struct dev v2;
    static uint8_t a64[8192], b64[8192];
    static const uint8_t entry0[] = {0x81, 0x00};
    char ta[ZTO_TRANSPORT_TOKEN_MAX], tb[ZTO_TRANSPORT_TOKEN_MAX];
    struct di_run run;
    size_t na = 0, nb = 0;
    uint8_t *ov2;
    size_t ov2_len = 0;

    /* A second device with its voucher at the owner. */
    dev_init(&v2, "second");
    if (di(&v2, &run, false) != 0 ||
        (ov2 = voucher_to_owner(&v2, &ov2_len)) == NULL) {
        TEST_FAIL_("%s", "second device: DI or import failed");
        return;
    }
    free(ov2);
    if (to2_until_64(&dmain, a64, sizeof(a64), &na, ta, sizeof(ta)) != 0 ||
        to2_until_64(&v2, b64, sizeof(b64), &nb, tb, sizeof(tb)) != 0) {
        TEST_FAIL_("%s", "genuine TO2 up to 64 failed");
        return;
    }
    /* Device B's proof in device A's session, A's in a session of its
     * own device opened later (its nonce differs): both refused. */
    to2_expect("TO2.ProveDevice of another device's session", ta, b64, nb, 101,
               0);
    to2_expect("... and that session is over", ta, entry0, 0, 1, 0);
    if (to2_until_64(&dmain, b64, sizeof(b64), &nb, tb, sizeof(tb)) != 0) {
        TEST_FAIL_("%s", "genuine TO2 up to 64 failed");
        return;
    }
    to2_expect("TO2.ProveDevice of an earlier session of the same device", tb,
               a64, na, 101, 0);
    /* Its own 64 goes through; sent again it is out of order. */
    if (to2_until_64(&dmain, a64, sizeof(a64), &na, ta, sizeof(ta)) != 0 ||
        xchg(OWN, ta, ZTO_MSG_TO2_PROVE_DEVICE, a64, na, &a) != ZTO_OK ||
        a.type != ZTO_MSG_TO2_SETUP_DEVICE) {
        TEST_FAIL_("genuine TO2.ProveDevice refused (%u, code %u)", a.type,
                   a.code);
        return;
    }
    to2_expect("TO2.ProveDevice replayed after SetupDevice", ta, a64, na, 100,
               ZTO_MSG_TO2_SETUP_DEVICE);
    zto_device_free(&v2.d);
}

/* ---- bodies over the limit ---- */

static unsigned raw_code;
static size_t raw_size1;

static coap_response_t
raw_response(coap_session_t *s, const coap_pdu_t *sent, const coap_pdu_t *rcvd,
             const coap_mid_t mid)
{
    coap_opt_iterator_t it;
    coap_opt_t *o;

    (void)s;
    (void)sent;
    (void)mid;
    raw_code = coap_pdu_get_code(rcvd);
    o = coap_check_option(rcvd, COAP_OPTION_SIZE1, &it);
    raw_size1 =
        o != NULL ? coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o))
                  : 0;
    return COAP_RESPONSE_OK;
}

/* A hand-made CoAP client: one session, Block1 blocks sent one by one. */
struct rawc {
    coap_context_t *ctx;
    coap_session_t *s;
};

static void
rawc_open(struct rawc *c, const struct zto_target *t)
{
    coap_address_t addr;

    c->ctx = coap_new_context(NULL);
    coap_register_response_handler(c->ctx, raw_response);
    coap_address_init(&addr);
    addr.addr.sin.sin_family = AF_INET;
    addr.addr.sin.sin_port = htons(t->port);
    addr.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.size = sizeof(addr.addr.sin);
    c->s = coap_new_client_session(c->ctx, NULL, &addr, COAP_PROTO_UDP);
    if (c->ctx == NULL || c->s == NULL)
        abort();
}

static void
rawc_close(struct rawc *c)
{
    coap_session_release(c->s);
    coap_free_context(c->ctx);
}

/* Block num (1024 bytes, more set unless last) of a body of `total`
 * bytes for message type; Size1 on block 0. The response code. */
static unsigned
rawc_block(struct rawc *c, uint8_t type, unsigned num, bool last, size_t total,
           const char *token)
{
    static uint8_t block[1024];
    coap_pdu_t *pdu;
    uint8_t buf[8], ts[4];
    int tl = snprintf((char *)ts, sizeof(ts), "%u", (unsigned)type);
    uint64_t deadline;

    memset(block, 0x41, sizeof(block));
    pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST,
                        coap_new_message_id(c->s),
                        coap_session_max_pdu_size(c->s));
    coap_add_token(pdu, 2, (const uint8_t *)"hz");
    coap_add_option(pdu, COAP_OPTION_URI_PATH, 3, (const uint8_t *)"fdo");
    coap_add_option(pdu, COAP_OPTION_URI_PATH, 3, (const uint8_t *)"101");
    coap_add_option(pdu, COAP_OPTION_URI_PATH, 3, (const uint8_t *)"msg");
    coap_add_option(pdu, COAP_OPTION_URI_PATH, (size_t)tl, ts);
    coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
                    coap_encode_var_safe(buf, sizeof(buf), 60), buf);
    /* Block1: NUM << 4 | M << 3 | SZX 6 (1024) */
    coap_add_option(pdu, COAP_OPTION_BLOCK1,
                    coap_encode_var_safe(buf, sizeof(buf),
                                         num << 4 | (last ? 0u : 8u) | 6u),
                    buf);
    if (num == 0)
        coap_add_option(pdu, COAP_OPTION_SIZE1,
                        coap_encode_var_safe(buf, sizeof(buf), (unsigned)total),
                        buf);
    if (token != NULL)
        coap_add_option(pdu, 65001, strlen(token), (const uint8_t *)token);
    coap_add_data(pdu, sizeof(block), block);
    raw_code = 0;
    coap_send(c->s, pdu);
    deadline = hc_now_ms() + 5000;
    while (raw_code == 0 && hc_now_ms() < deadline)
        coap_io_process(c->ctx, 50);
    return raw_code;
}

static void
test_oversized(void)
{
    static char big[70000];
    int i;

    memset(big, 0x41, sizeof(big));
    for (i = 0; i < NSRV; i++) {
        uint8_t before[32], after[32];
        snapshot(i, before);
        if (use_coap) {
            struct rawc c;
            unsigned code;
            rawc_open(&c, &srv[i].coap);
            code = rawc_block(&c,
                              i == MFG  ? 10
                              : i == RV ? 22
                                        : 60,
                              0, false, sizeof(big), NULL);
            rawc_close(&c);
            test_checks++;
            if (code != COAP_RESPONSE_CODE_REQUEST_TOO_LARGE ||
                raw_size1 != ZTO_MAX_MSG_SIZE)
                TEST_FAIL_("%s: Size1 70000: code %u.%02u, Size1 %zu",
                           srv_name[i], code >> 5, code & 31, raw_size1);
            else
                printf("ok: %s: 70000 bytes announced: 4.13, Size1 65535\n",
                       srv_name[i]);
        } else {
            struct hconn c;
            struct hresp r;
            struct zto_error_msg em;
            char head[256];
            snprintf(head, sizeof(head),
                     "POST /fdo/101/msg/%d HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/cbor\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     i == MFG  ? 10
                     : i == RV ? 22
                               : 60,
                     sizeof(big));
            memset(&r, 0, sizeof(r));
            test_checks++;
            if (hc_connect(&c, srv[i].http_url, NULL, NULL, NULL) != 0 ||
                hc_send(&c, head, strlen(head)) != 0 ||
                hc_send(&c, big, sizeof(big)) != 0 || hc_read(&c, &r) != 0 ||
                r.status != 413 ||
                zto_error_msg_decode((const uint8_t *)r.body, r.len, &em) !=
                    ZTO_OK ||
                em.code != 100)
                TEST_FAIL_("%s: 70000-byte body: status %d", srv_name[i],
                           r.status);
            else
                printf("ok: %s: 70000-byte body: 413, ErrorMessage 100\n",
                       srv_name[i]);
            hresp_free(&r);
            hc_close(&c);
        }
        snapshot(i, after);
        test_checks++;
        if (memcmp(before, after, 32) != 0)
            TEST_FAIL_("%s: stored data changed by an oversized body",
                       srv_name[i]);
    }
}

/* ---- slow clients ---- */

/* A genuine exchange with every server, each answered within ms. */
static void
serve_others(const char *while_what, uint64_t ms)
{
    static struct dev v;
    static int n;
    struct di_run run;
    char name[32], tok[ZTO_TRANSPORT_TOKEN_MAX];
    uint8_t m22[ZTO_MAX_MSG_SIZE], m60[4096];
    size_t n22 = 0, n60 = 0;
    uint64_t t0;

    snprintf(name, sizeof(name), "meanwhile-%d", n++);
    dev_init(&v, name);
    t0 = hc_now_ms();
    test_checks++;
    if (di(&v, &run, false) != 0)
        TEST_FAIL_("%s: a whole DI failed", while_what);
    if (to0_start(ov, ov_len, &osig, m22, sizeof(m22), &n22, tok,
                  sizeof(tok)) != 0 ||
        xchg(RV, tok, ZTO_MSG_TO0_OWNER_SIGN, m22, n22, &a) != ZTO_OK ||
        a.type != ZTO_MSG_TO0_ACCEPT_OWNER)
        TEST_FAIL_("%s: a whole TO0 failed (%u)", while_what, a.type);
    if (to2_start(&dmain, m60, sizeof(m60), &n60, tok, sizeof(tok)) != 0)
        TEST_FAIL_("%s: TO2 up to 61 failed", while_what);
    zto_device_free(&v.d);
    test_checks++;
    if (hc_now_ms() - t0 > ms)
        TEST_FAIL_("%s: the others took %llu ms", while_what,
                   (unsigned long long)(hc_now_ms() - t0));
    else
        printf("ok: %s: DI, TO0 and TO2's first exchange served in %llu ms\n",
               while_what, (unsigned long long)(hc_now_ms() - t0));
}

static void
test_slow_http(void)
{
    struct hconn head[NSRV], body[NSRV];
    uint64_t t0 = hc_now_ms();
    int i;

    for (i = 0; i < NSRV; i++) {
        static const char partial_head[] =
            "POST /fdo/101/msg/20 HTTP/1.1\r\nHost: x\r\nContent-Le";
        static const char partial_body[] =
            "POST /fdo/101/msg/20 HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/cbor\r\nContent-Length: 100\r\n\r\n"
            "0123456789";
        test_checks++;
        if (hc_connect(&head[i], srv[i].http_url, NULL, NULL, NULL) != 0 ||
            hc_send(&head[i], partial_head, strlen(partial_head)) != 0 ||
            hc_connect(&body[i], srv[i].http_url, NULL, NULL, NULL) != 0 ||
            hc_send(&body[i], partial_body, strlen(partial_body)) != 0)
            TEST_FAIL_("%s: cannot start the slow clients", srv_name[i]);
    }
    serve_others("3 servers, each with a client stopped mid-head and one "
                 "mid-body",
                 2500);
    /* Served while the stalled ones were still open (http_timeout = 3),
     * which are closed after 3 s of silence, not before. */
    for (i = 0; i < NSRV; i++) {
        test_checks++;
        if (hc_now_ms() - t0 < 2800 && hc_closed_within(&head[i], 1))
            TEST_FAIL_("%s: a stalled connection closed early", srv_name[i]);
    }
    for (i = 0; i < NSRV; i++) {
        test_checks++;
        if (!hc_closed_within(&head[i], 8000) ||
            !hc_closed_within(&body[i], 2000))
            TEST_FAIL_("%s: a stalled connection stayed open", srv_name[i]);
        hc_close(&head[i]);
        hc_close(&body[i]);
    }
    test_checks++;
    if (hc_now_ms() - t0 < 2800)
        TEST_FAIL_("%s", "stalled connections closed before http_timeout");
    else
        printf("ok: the 6 stalled connections closed after %llu ms "
               "(http_timeout 3 s)\n",
               (unsigned long long)(hc_now_ms() - t0));
}

static void
test_slow_coap(void)
{
    struct rawc c[NSRV];
    int i;
    unsigned k;

    /* Blocks 0-2 of a 5-block body, then silence. */
    for (i = 0; i < NSRV; i++) {
        rawc_open(&c[i], &srv[i].coap);
        for (k = 0; k < 3; k++) {
            unsigned code =
                rawc_block(&c[i], i == MFG ? 10 : 20, k, false, 5 * 1024, NULL);
            test_checks++;
            if (code != COAP_RESPONSE_CODE_CONTINUE)
                TEST_FAIL_("%s: block %u answered %u.%02u", srv_name[i], k,
                           code >> 5, code & 31);
        }
    }
    serve_others("3 servers, each with a Block1 transfer stopped halfway",
                 5000);
    /* The abandoned transfer cannot go on with a gap. */
    for (i = 0; i < NSRV; i++) {
        unsigned code =
            rawc_block(&c[i], i == MFG ? 10 : 20, 4, true, 5 * 1024, NULL);
        test_checks++;
        if (code != COAP_RESPONSE_CODE_INCOMPLETE)
            TEST_FAIL_("%s: block 4 after 2: %u.%02u, want 4.08", srv_name[i],
                       code >> 5, code & 31);
        else
            printf("ok: %s: the stalled transfer resumed with a gap: 4.08\n",
                   srv_name[i]);
        rawc_close(&c[i]);
    }
}

int
main(int argc, char **argv)
{
    struct zto_http_opts ho;
    struct zto_coap_opts co;
    struct di_run run;
    size_t i;

    TEST_START("hostile");
    signal(SIGPIPE, SIG_IGN);
    if (argc != 4 ||
        (strcmp(argv[1], "http") != 0 && strcmp(argv[1], "coap") != 0)) {
        fprintf(stderr, "usage: test_hostile http|coap BIN_DIR SOURCE_DIR\n");
        return 2;
    }
    use_coap = strcmp(argv[1], "coap") == 0;
    bin = argv[2];
    src = argv[3];
    coap_startup();
    coap_set_log_level(LOG_EMERG);
    memset(&ho, 0, sizeof(ho));
    memset(&co, 0, sizeof(co));
    ho.timeout_ms = 10000;
    co.timeout_ms = 10000;
    zto_http_transport_init(&ht, &ho);
    zto_coap_transport_init(&ct, &co);
    if (setup() != 0) {
        fprintf(stderr, "setup failed\n");
        teardown();
        return 1;
    }
    /* The device every row is about: DI done, voucher at the owner,
     * registered at rendezvous. */
    owner_signer_load(&osig);
    dev_init(&dmain, "main");
    if (di(&dmain, &g.di_done, false) != 0 ||
        (ov = voucher_to_owner(&dmain, &ov_len)) == NULL ||
        to0_start(ov, ov_len, &osig, m22_done, sizeof(m22_done), &n22_done,
                  g.to0_ended, sizeof(g.to0_ended)) != 0 ||
        xchg(RV, g.to0_ended, ZTO_MSG_TO0_OWNER_SIGN, m22_done, n22_done, &a) !=
            ZTO_OK ||
        a.type != ZTO_MSG_TO0_ACCEPT_OWNER) {
        fprintf(stderr, "genuine DI/TO0 failed (%s)\n", a.detail);
        test_failures++;
    } else {
        (void)run;
        refresh_sessions();
        for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
            check_row(&rows[i]);
        test_to2_sessions();
        test_oversized();
        if (use_coap)
            test_slow_coap();
        else
            test_slow_http();
    }
    zto_device_free(&dmain.d);
    zto_key_free(&osig.key);
    free(ov);
    zto_http_transport_free(&ht);
    zto_coap_transport_free(&ct);
    teardown();
    coap_cleanup();
    TEST_DONE();
}
