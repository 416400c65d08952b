/*
 * rv_handlers.c - the rendezvous protocol: TO0 20-23 (FDO 1.1 section
 * 4.2) and TO1 30-33 (section 4.3). Message in, message out; the
 * database holds the sessions and the registrations.
 *
 * Sessions are single use: the message that continues a session takes it
 * out of the database before anything else is checked, so a replayed or
 * failed continuation never finds it again (any ErrorMessage ends the
 * sub-protocol).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "zto_rv.h"
#include "zto/zto_crashpoint.h"

#if defined(__GNUC__) || defined(__clang__)
#define RV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RV_PRINTF(a, b)
#endif

/* Session kinds (sessions.protocol) and their serialised state:
 * [next message type][nonce 16][GUID 16]. */
#define SESSION_TO0 ZTO_MSG_TO0_HELLO
#define SESSION_TO1 ZTO_MSG_TO1_HELLO_RV
#define SESSION_LEN (1 + ZTO_NONCE_LEN + ZTO_GUID_LEN)

/* The device key is a DER SPKI: about 91 bytes for P-256, 120 for P-384,
 * 422 for RSA-3072. */
#define DEVICE_KEY_MAX 2048
#define SPKI_MAX 2048

struct rv_session {
    uint8_t expect;
    struct zto_nonce nonce;
    struct zto_guid guid;
};

/* One request being handled. */
struct rq {
    const struct zto_rv_cfg *cfg;
    const struct zto_rv_req *req;
    struct zto_rv_resp *resp;
    int64_t now;
    unsigned code; /* wire code to send instead of the error's own */
    char why[160]; /* ErrorMessage text and log detail */
    bool has_guid;
    struct zto_guid guid;
};

static void rv_log(const struct rq *q, int level, const char *fmt, ...)
    RV_PRINTF(3, 4);

static void
rv_log(const struct rq *q, int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (q->cfg->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    q->cfg->log(q->cfg->log_ctx, level, line);
}

static void set_why(struct rq *q, const char *fmt, ...) RV_PRINTF(2, 3);

static void
set_why(struct rq *q, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q->why, sizeof(q->why), fmt, ap);
    va_end(ap);
}

static const char *
msg_name(uint8_t t)
{
    switch (t) {
    case ZTO_MSG_TO0_HELLO:
        return "TO0.Hello";
    case ZTO_MSG_TO0_OWNER_SIGN:
        return "TO0.OwnerSign";
    case ZTO_MSG_TO1_HELLO_RV:
        return "TO1.HelloRV";
    case ZTO_MSG_TO1_PROVE_TO_RV:
        return "TO1.ProveToRV";
    case ZTO_MSG_ERROR:
        return "ErrorMessage";
    default:
        return "message";
    }
}

static void
guid_hex(const struct rq *q, char out[2 * ZTO_GUID_LEN + 1])
{
    if (!q->has_guid || zto_hex_encode(q->guid.b, ZTO_GUID_LEN, out,
                                       2 * ZTO_GUID_LEN + 1) != ZTO_OK)
        memcpy(out, "-", 2);
}

static const char *
peer(const struct rq *q)
{
    return q->req->peer != NULL ? q->req->peer : "-";
}

static zto_err_t
rnd(const struct rq *q, uint8_t *out, size_t n)
{
    if (q->cfg->rng != NULL)
        return q->cfg->rng(q->cfg->rng_ctx, out, n);
    return zto_random(out, n);
}

/* ---- Sessions -------------------------------------------------------- */

static zto_err_t
session_new(struct rq *q, int protocol, const struct rv_session *s)
{
    uint8_t raw[16], data[SESSION_LEN];
    zto_err_t r;

    if ((r = rnd(q, raw, sizeof(raw))) != ZTO_OK ||
        (r = zto_hex_encode(raw, sizeof(raw), q->resp->token,
                            sizeof(q->resp->token))) != ZTO_OK)
        return r;
    data[0] = s->expect;
    memcpy(data + 1, s->nonce.b, ZTO_NONCE_LEN);
    memcpy(data + 1 + ZTO_NONCE_LEN, s->guid.b, ZTO_GUID_LEN);
    r = zto_db_session_put(q->cfg->db, q->resp->token, protocol, data,
                           sizeof(data), q->now + (int64_t)q->cfg->session_ttl);
    if (r != ZTO_OK)
        q->resp->token[0] = '\0';
    return r;
}

/* Take the request's session out of the database (get and delete in one
 * transaction, so two replicas cannot both continue it). */
static zto_err_t
session_take(struct rq *q, int protocol, uint8_t expect, struct rv_session *s)
{
    const char *tok = q->req->token;
    uint8_t data[SESSION_LEN];
    size_t len = 0;
    int proto = 0;
    zto_err_t r;

    if (tok == NULL || tok[0] == '\0') {
        set_why(q, "%s without a session token", msg_name(expect));
        return ZTO_E_TOKEN;
    }
    if (strlen(tok) >= ZTO_RV_TOKEN_MAX) {
        set_why(q, "unknown or expired session token");
        return ZTO_E_TOKEN;
    }
    if ((r = zto_db_begin(q->cfg->db)) != ZTO_OK)
        return r;
    r = zto_db_session_get(q->cfg->db, tok, q->now, &proto, data, sizeof(data),
                           &len);
    if (r == ZTO_OK || r == ZTO_E_BUF_TOO_SMALL)
        r = zto_db_session_del(q->cfg->db, tok);
    else if (r == ZTO_E_NOT_FOUND) {
        zto_db_rollback(q->cfg->db);
        set_why(q, "unknown or expired session token");
        return ZTO_E_TOKEN;
    }
    if (r != ZTO_OK || (r = zto_db_commit(q->cfg->db)) != ZTO_OK) {
        zto_db_rollback(q->cfg->db);
        return r;
    }
    if (len != SESSION_LEN)
        return ZTO_E_CORRUPT;
    if (proto != protocol || data[0] != expect) {
        set_why(q, "%s out of order for this session", msg_name(expect));
        return ZTO_E_STATE;
    }
    s->expect = data[0];
    memcpy(s->nonce.b, data + 1, ZTO_NONCE_LEN);
    memcpy(s->guid.b, data + 1 + ZTO_NONCE_LEN, ZTO_GUID_LEN);
    return ZTO_OK;
}

/* ---- Helpers ----------------------------------------------------------- */

/* DER SPKI of a wire PublicKey (for X5CHAIN: of its leaf). */
static zto_err_t
pubkey_spki(const struct zto_pubkey *pk, uint8_t *buf, size_t cap, size_t *len)
{
    struct zto_key k;
    zto_err_t r;

    zto_key_init(&k);
    if ((r = zto_key_from_pubkey(pk, &k)) == ZTO_OK)
        r = zto_key_spki_der(&k, buf, cap, len);
    zto_key_free(&k);
    return r;
}

/* SHA-256 over the key's DER SPKI: equal keys in any wire encoding give
 * the same hash. */
static zto_err_t
owner_hash(const struct zto_pubkey *pk, uint8_t out[ZTO_DB_RV_OWNER_HASH_LEN])
{
    uint8_t spki[SPKI_MAX];
    struct zto_hash_buf h;
    size_t n = 0;
    zto_err_t r;

    if ((r = pubkey_spki(pk, spki, sizeof(spki), &n)) != ZTO_OK ||
        (r = zto_hash(ZTO_HASH_SHA256, spki, n, &h)) != ZTO_OK)
        return r;
    memcpy(out, h.value, ZTO_DB_RV_OWNER_HASH_LEN);
    return ZTO_OK;
}

/* Does the voucher name the owner whose key hashes to `want` before its
 * final owner (as manufacturer or in an entry other than the last)? That
 * owner then signed ownership over, directly or through others. */
static bool
descends_from(const struct zto_voucher *v,
              const uint8_t want[ZTO_DB_RV_OWNER_HASH_LEN])
{
    uint8_t h[ZTO_DB_RV_OWNER_HASH_LEN];
    size_t i;

    if (owner_hash(&v->hdr.mfg_key, h) == ZTO_OK &&
        memcmp(h, want, sizeof(h)) == 0)
        return true;
    for (i = 0; i + 1 < v->nentries; i++) {
        struct zto_bytes raw;
        struct zto_ov_entry e;

        if (zto_voucher_entry(v, i, &raw) != ZTO_OK ||
            zto_ov_entry_decode(raw.p, raw.len, &e) != ZTO_OK)
            return false;
        if (owner_hash(&e.pubkey, h) == ZTO_OK &&
            memcmp(h, want, sizeof(h)) == 0)
            return true;
    }
    return false;
}

static bool
guid_is_nil(const struct zto_guid *g)
{
    static const struct zto_guid nil;

    return memcmp(g->b, nil.b, ZTO_GUID_LEN) == 0;
}

/* Store the registration, unless a live one of another owner stands in
 * the way (see docs/rendezvous.md, "Re-registration"). One transaction:
 * the check and the write cannot be separated by another replica. */
static zto_err_t
store(struct rq *q, const struct zto_voucher *v,
      const struct zto_db_rv_reg *reg, bool *replaced)
{
    uint8_t cur[ZTO_DB_RV_OWNER_HASH_LEN];
    struct zto_db *db = q->cfg->db;
    zto_err_t r;

    *replaced = false;
    if ((r = zto_db_begin(db)) != ZTO_OK)
        return r;
    r = zto_db_rv_owner(db, &reg->guid, q->now, cur, NULL);
    if (r == ZTO_OK) {
        *replaced = true;
        if (memcmp(cur, reg->owner_key_hash, sizeof(cur)) != 0 &&
            !descends_from(v, cur)) {
            zto_db_rollback(db);
            q->code = ZTO_WIRE_INVALID_OWNERSHIP_VOUCHER;
            set_why(q, "GUID is registered by another owner and this "
                       "voucher does not descend from it");
            return ZTO_E_POLICY;
        }
    } else if (r != ZTO_E_NOT_FOUND) {
        zto_db_rollback(db);
        return r;
    }
    if ((r = zto_db_rv_put(db, reg)) != ZTO_OK) {
        zto_db_rollback(db);
        return r;
    }
    ZTO_CRASHPOINT("rv.to0.before_commit");
    if ((r = zto_db_commit(db)) != ZTO_OK)
        return r;
    ZTO_CRASHPOINT("rv.to0.committed");
    return ZTO_OK;
}

/* ---- TO0 --------------------------------------------------------------- */

/* 20 TO0.Hello -> 21 TO0.HelloAck [NonceTO0Sign] */
static zto_err_t
to0_hello(struct rq *q)
{
    struct zto_msg_to0_hello_ack ack;
    struct rv_session s;
    zto_err_t r;

    if ((r = zto_msg_empty_decode(q->req->body, q->req->len)) != ZTO_OK) {
        set_why(q, "TO0.Hello must be an empty array");
        return r;
    }
    memset(&s, 0, sizeof(s));
    s.expect = ZTO_MSG_TO0_OWNER_SIGN;
    if ((r = rnd(q, s.nonce.b, ZTO_NONCE_LEN)) != ZTO_OK)
        return r;
    ack.nonce = s.nonce;
    if ((r = zto_msg_to0_hello_ack_encode(&ack, q->resp->body, q->resp->cap,
                                          &q->resp->len)) != ZTO_OK ||
        (r = session_new(q, SESSION_TO0, &s)) != ZTO_OK)
        return r;
    q->resp->msg_type = ZTO_MSG_TO0_HELLO_ACK;
    /* TO0.Hello carries nothing: the GUID comes with TO0.OwnerSign. */
    rv_log(q, ZTO_RV_LOG_INFO, "TO0 GUID -: 20 Hello -> 21 HelloAck, from %s",
           peer(q));
    return ZTO_OK;
}

/* Everything TO0.OwnerSign must prove, in the order of the section 4.2
 * table; on success *owner is the final owner key (a view into v). */
static zto_err_t
to0_verify(struct rq *q, const struct rv_session *s,
           const struct zto_msg_to0_owner_sign *m, struct zto_to0d *t,
           struct zto_voucher *v, struct zto_pubkey *owner)
{
    const struct zto_rv_policy *pol = q->cfg->policy;
    struct zto_voucher_verify_opts o;
    struct zto_to1d t1;
    const char *why = NULL;
    zto_err_t r;

    if ((r = zto_to0d_decode(m->to0d.p, m->to0d.len, t)) != ZTO_OK ||
        (r = zto_to1d_decode(m->to1d.p, m->to1d.len, &t1)) != ZTO_OK) {
        set_why(q, "to0d/to1d does not decode");
        return r;
    }
    if (!zto_ct_equal(t->nonce.b, s->nonce.b, ZTO_NONCE_LEN)) {
        set_why(q, "NonceTO0Sign does not match TO0.HelloAck");
        return ZTO_E_NONCE;
    }
    if ((r = zto_voucher_decode(t->voucher.p, t->voucher.len, v)) != ZTO_OK) {
        set_why(q, "voucher does not decode: %s", zto_strerror(r));
        return ZTO_E_VOUCHER;
    }
    q->guid = v->hdr.guid;
    q->has_guid = true;
    if (guid_is_nil(&v->hdr.guid)) {
        set_why(q, "voucher GUID is all zeroes");
        return ZTO_E_GUID;
    }
    memset(&o, 0, sizeof(o));
    o.require_entries = true;
    if (pol != NULL && pol->has_list[ZTO_RV_TRUST_DEVICE_CA]) {
        o.roots = pol->roots;
        o.nroots = pol->nroots;
    }
    if (!v->has_chain || v->ncerts == 0) {
        set_why(q, "voucher has no device certificate chain");
        return ZTO_E_VOUCHER;
    }
    if (pol != NULL && pol->has_list[ZTO_RV_TRUST_DEVICE_CA] &&
        pol->nroots == 0) {
        q->code = ZTO_WIRE_INVALID_OWNERSHIP_VOUCHER;
        set_why(q, "refused by trust policy: trusted_device_ca is empty");
        return ZTO_E_POLICY;
    }
    if ((r = zto_voucher_verify(v, &o, owner)) != ZTO_OK) {
        set_why(q, "voucher does not verify: %s", zto_strerror(r));
        return ZTO_E_VOUCHER;
    }
    if ((r = zto_cose_sign1_verify_pubkey(&t1.cose, owner)) != ZTO_OK) {
        set_why(q, "to1d is not signed by the voucher's owner key: %s",
                zto_strerror(r));
        return ZTO_E_OWNER_SIGN;
    }
    /* Over the to0d bytes as received, with the type the owner wrote. */
    if ((r = zto_hash_check(&t1.to0d_hash, m->to0d.p, m->to0d.len)) != ZTO_OK) {
        set_why(q, "to1dTo0dHash does not match to0d");
        return r == ZTO_E_UNSUPPORTED ? r : ZTO_E_HASH;
    }
    if (pol == NULL || zto_rv_policy_check(pol, v, owner, &why) != ZTO_OK) {
        q->code = ZTO_WIRE_INVALID_OWNERSHIP_VOUCHER;
        set_why(q, "refused by trust policy: %s",
                why != NULL ? why : "no policy");
        return ZTO_E_POLICY;
    }
    return ZTO_OK;
}

/* 22 TO0.OwnerSign -> 23 TO0.AcceptOwner [WaitSeconds] */
static zto_err_t
to0_owner_sign(struct rq *q)
{
    struct zto_msg_to0_owner_sign m;
    struct zto_msg_to0_accept_owner acc;
    struct zto_db_rv_reg reg;
    struct zto_voucher v;
    struct zto_pubkey owner;
    struct zto_to0d t;
    struct rv_session s;
    struct zto_key dk;
    uint8_t spki[DEVICE_KEY_MAX];
    size_t spki_len = 0;
    bool replaced = false;
    char g[2 * ZTO_GUID_LEN + 1];
    zto_err_t r;

    zto_key_init(&dk);
    if ((r = session_take(q, SESSION_TO0, ZTO_MSG_TO0_OWNER_SIGN, &s)) !=
        ZTO_OK)
        goto out;
    if ((r = zto_msg_to0_owner_sign_decode(q->req->body, q->req->len, &m)) !=
        ZTO_OK) {
        set_why(q, "TO0.OwnerSign does not decode: %s", zto_strerror(r));
        goto out;
    }
    if ((r = to0_verify(q, &s, &m, &t, &v, &owner)) != ZTO_OK)
        goto out;

    memset(&reg, 0, sizeof(reg));
    reg.guid = v.hdr.guid;
    reg.to1d = m.to1d;
    if ((r = zto_key_from_cert_der(v.cert[0].p, v.cert[0].len, &dk)) !=
            ZTO_OK ||
        (r = zto_key_spki_der(&dk, spki, sizeof(spki), &spki_len)) != ZTO_OK) {
        set_why(q, "device certificate key unusable: %s", zto_strerror(r));
        r = ZTO_E_VOUCHER;
        goto out;
    }
    reg.device_key = ZTO_BYTES(spki, spki_len);
    if ((r = owner_hash(&owner, reg.owner_key_hash)) != ZTO_OK)
        goto out;
    acc.wait_seconds =
        t.wait_seconds < q->cfg->max_wait ? t.wait_seconds : q->cfg->max_wait;
    reg.expires = q->now + (int64_t)acc.wait_seconds;
    if ((r = zto_msg_to0_accept_owner_encode(&acc, q->resp->body, q->resp->cap,
                                             &q->resp->len)) != ZTO_OK)
        goto out;
    if ((r = store(q, &v, &reg, &replaced)) != ZTO_OK)
        goto out;
    q->resp->msg_type = ZTO_MSG_TO0_ACCEPT_OWNER;
    q->resp->end_session = true;
    guid_hex(q, g);
    rv_log(q, ZTO_RV_LOG_INFO,
           "TO0 GUID %s: 22 OwnerSign -> 23 AcceptOwner: %s for %lu s "
           "(asked %lu, %zu entries), from %s",
           g, replaced ? "re-registered" : "registered",
           (unsigned long)acc.wait_seconds, (unsigned long)t.wait_seconds,
           v.nentries, peer(q));
out:
    zto_key_free(&dk);
    return r;
}

/* ---- TO1 --------------------------------------------------------------- */

static bool
device_sg_type(int32_t t)
{
    switch (t) {
    case ZTO_SG_ES256:
    case ZTO_SG_ES384:
    case ZTO_SG_RS256:
    case ZTO_SG_RS384:
    case ZTO_SG_PS256:
    case ZTO_SG_PS384:
        return true;
    default:
        return false;
    }
}

/* 30 TO1.HelloRV -> 31 TO1.HelloRVAck [NonceTO1Proof, eBSigInfo] */
static zto_err_t
to1_hello_rv(struct rq *q)
{
    struct zto_msg_to1_hello_rv m;
    struct zto_msg_to1_hello_rv_ack ack;
    struct rv_session s;
    char g[2 * ZTO_GUID_LEN + 1];
    zto_err_t r;

    if ((r = zto_msg_to1_hello_rv_decode(q->req->body, q->req->len, &m)) !=
        ZTO_OK) {
        set_why(q, "TO1.HelloRV does not decode: %s", zto_strerror(r));
        return r;
    }
    q->guid = m.guid;
    q->has_guid = true;
    r = zto_db_rv_owner(q->cfg->db, &m.guid, q->now, NULL, NULL);
    if (r == ZTO_E_NOT_FOUND) {
        set_why(q, "no registration for this GUID");
        return ZTO_E_NO_RESOURCE;
    }
    if (r != ZTO_OK)
        return r;
    /* EPID needs a verification service we do not have. */
    if (!device_sg_type(m.siginfo.type)) {
        set_why(q, "eASigInfo type %ld not supported", (long)m.siginfo.type);
        return ZTO_E_UNSUPPORTED;
    }
    memset(&s, 0, sizeof(s));
    s.expect = ZTO_MSG_TO1_PROVE_TO_RV;
    s.guid = m.guid;
    if ((r = rnd(q, s.nonce.b, ZTO_NONCE_LEN)) != ZTO_OK)
        return r;
    ack.nonce = s.nonce;
    ack.siginfo = m.siginfo; /* eBSigInfo echoes eASigInfo for ECDSA/RSA */
    if ((r = zto_msg_to1_hello_rv_ack_encode(&ack, q->resp->body, q->resp->cap,
                                             &q->resp->len)) != ZTO_OK ||
        (r = session_new(q, SESSION_TO1, &s)) != ZTO_OK)
        return r;
    q->resp->msg_type = ZTO_MSG_TO1_HELLO_RV_ACK;
    guid_hex(q, g);
    rv_log(q, ZTO_RV_LOG_INFO,
           "TO1 GUID %s: 30 HelloRV -> 31 HelloRVAck, from %s", g, peer(q));
    return ZTO_OK;
}

/* 32 TO1.ProveToRV (EAT) -> 33 TO1.RVRedirect (the stored to1d) */
static zto_err_t
to1_prove(struct rq *q)
{
    struct rv_session s;
    struct zto_eat eat;
    struct zto_key dk;
    uint8_t spki[DEVICE_KEY_MAX];
    size_t spki_len = 0, to1d_len = 0;
    char g[2 * ZTO_GUID_LEN + 1];
    zto_err_t r;

    zto_key_init(&dk);
    if ((r = session_take(q, SESSION_TO1, ZTO_MSG_TO1_PROVE_TO_RV, &s)) !=
        ZTO_OK)
        goto out;
    q->guid = s.guid;
    q->has_guid = true;
    if ((r = zto_eat_decode(q->req->body, q->req->len, &eat)) != ZTO_OK) {
        set_why(q, "TO1.ProveToRV does not decode: %s", zto_strerror(r));
        goto out;
    }
    /* The answer is the to1d itself: read it straight into the body. */
    r = zto_db_rv_get(q->cfg->db, &s.guid, q->now, q->resp->body, q->resp->cap,
                      &to1d_len, spki, sizeof(spki), &spki_len, NULL);
    if (r == ZTO_E_NOT_FOUND) {
        set_why(q, "registration expired");
        r = ZTO_E_NO_RESOURCE;
        goto out;
    }
    if (r != ZTO_OK)
        goto out;
    if ((r = zto_key_from_spki_der(spki, spki_len, &dk)) != ZTO_OK)
        goto out;
    if ((r = zto_cose_sign1_verify(&eat.cose, &dk)) != ZTO_OK) {
        set_why(q, "EAT signature does not verify with the device key: %s",
                zto_strerror(r));
        if (r != ZTO_E_CRYPTO)
            r = ZTO_E_SIGNATURE;
        goto out;
    }
    if (!zto_ct_equal(eat.nonce.b, s.nonce.b, ZTO_NONCE_LEN)) {
        set_why(q, "EAT-NONCE does not match NonceTO1Proof");
        r = ZTO_E_NONCE;
        goto out;
    }
    if (memcmp(eat.guid.b, s.guid.b, ZTO_GUID_LEN) != 0) {
        set_why(q, "EAT-UEID does not name the GUID of TO1.HelloRV");
        r = ZTO_E_PROTO;
        goto out;
    }
    q->resp->len = to1d_len;
    q->resp->msg_type = ZTO_MSG_TO1_RV_REDIRECT;
    q->resp->end_session = true;
    guid_hex(q, g);
    rv_log(q, ZTO_RV_LOG_INFO,
           "TO1 GUID %s: 32 ProveToRV -> 33 RVRedirect: redirected, from %s", g,
           peer(q));
out:
    zto_key_free(&dk);
    return r;
}

/* ---- Errors ------------------------------------------------------------ */

/* A peer's ErrorMessage ends its session; it gets no answer. */
static void
peer_error(struct rq *q)
{
    struct zto_error_msg em;
    char text[128] = "";

    if (zto_error_msg_decode(q->req->body, q->req->len, &em) == ZTO_OK) {
        size_t n =
            em.text.len < sizeof(text) - 1 ? em.text.len : sizeof(text) - 1;
        size_t i;

        for (i = 0; i < n; i++) {
            char c = (char)em.text.p[i];
            text[i] = c >= 0x20 && c < 0x7f ? c : '?';
        }
        text[n] = '\0';
        rv_log(q, ZTO_RV_LOG_WARN,
               "ErrorMessage from %s: code %u after msg %u: %s", peer(q),
               (unsigned)em.code, (unsigned)em.prev_msg, text);
    } else {
        rv_log(q, ZTO_RV_LOG_WARN, "undecodable ErrorMessage from %s", peer(q));
    }
    if (q->req->token != NULL && q->req->token[0] != '\0' &&
        strlen(q->req->token) < ZTO_RV_TOKEN_MAX &&
        zto_db_session_del(q->cfg->db, q->req->token) != ZTO_OK)
        rv_log(q, ZTO_RV_LOG_ERR, "cannot drop session after ErrorMessage");
    q->resp->msg_type = 0;
    q->resp->len = 0;
    q->resp->token[0] = '\0';
    q->resp->end_session = true;
}

static void
fail(struct rq *q, zto_err_t r)
{
    struct zto_error_msg em;
    const char *text = q->why[0] != '\0' ? q->why : zto_strerror(r);
    char g[2 * ZTO_GUID_LEN + 1];
    uint8_t cid[8];
    size_t i;

    memset(&em, 0, sizeof(em));
    em.code = (uint16_t)(q->code != 0 ? q->code : zto_err_wire_code(r));
    em.prev_msg = q->req->msg_type;
    em.text = ZTO_BYTES(text, strlen(text));
    em.has_ts = q->now > 0;
    em.ts = (uint64_t)q->now;
    if (rnd(q, cid, sizeof(cid)) == ZTO_OK) {
        em.has_cid = true;
        for (i = 0; i < sizeof(cid); i++)
            em.cid = em.cid << 8 | cid[i];
    }
    q->resp->token[0] = '\0';
    q->resp->msg_type = ZTO_MSG_ERROR;
    q->resp->end_session = true;
    if (zto_error_msg_encode(&em, q->resp->body, q->resp->cap, &q->resp->len) !=
        ZTO_OK)
        q->resp->len = 0;
    guid_hex(q, g);
    rv_log(q,
           em.code == ZTO_WIRE_INTERNAL_SERVER_ERROR ? ZTO_RV_LOG_ERR
                                                     : ZTO_RV_LOG_WARN,
           "%s (msg %u) from %s, GUID %s: ErrorMessage %u %s: %s (%s)",
           msg_name(q->req->msg_type), (unsigned)q->req->msg_type, peer(q), g,
           (unsigned)em.code, zto_wire_code_name(em.code), text,
           zto_strerror(r));
}

/* ---- Entry points ------------------------------------------------------ */

zto_err_t
zto_rv_handle(const struct zto_rv_cfg *cfg, const struct zto_rv_req *req,
              struct zto_rv_resp *resp)
{
    struct rq q;
    zto_err_t r;

    memset(&q, 0, sizeof(q));
    q.cfg = cfg;
    q.req = req;
    q.resp = resp;
    q.now = cfg->now != NULL ? cfg->now(cfg->now_ctx) : (int64_t)time(NULL);
    resp->msg_type = 0;
    resp->len = 0;
    resp->token[0] = '\0';
    resp->end_session = false;

    if (req->msg_type == ZTO_MSG_ERROR) {
        peer_error(&q);
        return ZTO_OK;
    }
    if (req->len > ZTO_MAX_MSG_SIZE || (req->body == NULL && req->len > 0)) {
        set_why(&q, "message larger than %u bytes", ZTO_MAX_MSG_SIZE);
        r = ZTO_E_TOO_BIG;
    } else {
        switch (req->msg_type) {
        case ZTO_MSG_TO0_HELLO:
            r = to0_hello(&q);
            break;
        case ZTO_MSG_TO0_OWNER_SIGN:
            r = to0_owner_sign(&q);
            break;
        case ZTO_MSG_TO1_HELLO_RV:
            r = to1_hello_rv(&q);
            break;
        case ZTO_MSG_TO1_PROVE_TO_RV:
            r = to1_prove(&q);
            break;
        default:
            set_why(&q, "message %u is not served by a rendezvous server",
                    (unsigned)req->msg_type);
            r = ZTO_E_STATE;
        }
    }
    if (r != ZTO_OK)
        fail(&q, r);
    return r;
}

zto_err_t
zto_rv_purge(const struct zto_rv_cfg *cfg, int *registrations, int *sessions)
{
    int64_t now =
        cfg->now != NULL ? cfg->now(cfg->now_ctx) : (int64_t)time(NULL);
    zto_err_t r;

    if ((r = zto_db_rv_purge(cfg->db, now, registrations)) != ZTO_OK)
        return r;
    return zto_db_session_purge(cfg->db, now, sessions);
}
