/*
 * fuzz_rv_handler.c - the rendezvous handler (zto_rv_handle) on arbitrary
 * bytes, with an in-memory database.
 *
 * Input: first byte = message type, the rest = body. Before it, each run
 * opens a fresh database holding a registration of the go-fdo P-256
 * vector GUID by its owner2 and opens a TO0 and a TO1 session through the
 * handler itself, with a deterministic random source: call k of the source
 * fills its buffer with the byte k. So the TO0 session has nonce 01..01 and
 * token "0202...02", the TO1 session nonce 03..03 and token "0404...04".
 * A 22 is sent with the TO0 token, a 32 with the TO1 token, 20/30
 * without, anything else with the TO0 token (out of order).
 *
 * Seeds (corpus/rv_handler/): a valid 20, 30 and 255; a 22 carrying the
 * vector's voucher-extended.cbor signed by owner2 for nonce 01..01; a 32
 * (EAT by the vector device key over nonce 03..03); and variants.
 *
 * Oracle: every answer is either the protocol's next message, which must
 * decode, or an ErrorMessage that decodes and ends the session; a 33 is
 * the stored to1d byte for byte; nothing is answered to a 255.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "zto/zto.h"
#include "zto_rv.h"

/* go-fdo P-256 vector: GUID and the device key's DER SPKI. */
static const uint8_t vec_guid[16] = {0x3f, 0xb0, 0x68, 0xcc, 0x34, 0x96,
                                     0x7f, 0x7b, 0xce, 0x2a, 0xed, 0x40,
                                     0xdc, 0xf3, 0x4d, 0x94};
static const char vec_spki_hex[] =
    "3059301306072a8648ce3d020106082a8648ce3d030107034200042c5587c7850861fb"
    "9531e04bdccbf8c2b152ceddd75d5682823d20b3f44265479b3c6b02071073463e1b22"
    "c9d768a5284973ca9e19375d84de5440f4261af6f0";
/* SHA-256 of owner2's DER SPKI: the seeded registration is owner2's, so a
 * 22 from owner2 replaces it and one from anyone else is refused. */
static const char vec_owner2_hash_hex[] =
    "883e413d34e1524e311da3a4fda950128ef7323374f709c015d5ae4c5cbb30be";
/* Stored as the registration's to1d; returned verbatim by a good 32. */
static const uint8_t fake_to1d[] = {0xd2, 0x84, 0x43, 0xa1, 0x01,
                                    0x26, 0xa0, 0x41, 0x80, 0x40};

struct fz {
    uint8_t k;
};

static zto_err_t
fz_rng(void *ctx, uint8_t *out, size_t n)
{
    struct fz *z = ctx;

    memset(out, ++z->k, n);
    return ZTO_OK;
}

static int64_t
fz_now(void *ctx)
{
    (void)ctx;
    return 1800000000;
}

static void
check_answer(uint8_t type, zto_err_t r, const struct zto_rv_resp *resp)
{
    FUZZ_CHECK(resp->len <= resp->cap);
    if (type == ZTO_MSG_ERROR) {
        FUZZ_CHECK(r == ZTO_OK && resp->len == 0 && resp->msg_type == 0);
        return;
    }
    if (r != ZTO_OK) {
        struct zto_error_msg em;
        FUZZ_CHECK(resp->msg_type == ZTO_MSG_ERROR && resp->end_session &&
                   resp->token[0] == '\0');
        FUZZ_CHECK(zto_error_msg_decode(resp->body, resp->len, &em) == ZTO_OK);
        FUZZ_CHECK(em.code != 0 && em.prev_msg == type);
        return;
    }
    FUZZ_CHECK(resp->msg_type == (uint8_t)(type + 1));
    switch (resp->msg_type) {
    case ZTO_MSG_TO0_HELLO_ACK: {
        struct zto_msg_to0_hello_ack m;
        FUZZ_CHECK(zto_msg_to0_hello_ack_decode(resp->body, resp->len, &m) ==
                   ZTO_OK);
        FUZZ_CHECK(resp->token[0] != '\0');
        break;
    }
    case ZTO_MSG_TO0_ACCEPT_OWNER: {
        struct zto_msg_to0_accept_owner m;
        FUZZ_CHECK(zto_msg_to0_accept_owner_decode(resp->body, resp->len, &m) ==
                   ZTO_OK);
        FUZZ_CHECK(m.wait_seconds <= 86400 && resp->end_session);
        break;
    }
    case ZTO_MSG_TO1_HELLO_RV_ACK: {
        struct zto_msg_to1_hello_rv_ack m;
        FUZZ_CHECK(zto_msg_to1_hello_rv_ack_decode(resp->body, resp->len, &m) ==
                   ZTO_OK);
        break;
    }
    case ZTO_MSG_TO1_RV_REDIRECT:
        FUZZ_CHECK(resp->len == sizeof(fake_to1d) &&
                   memcmp(resp->body, fake_to1d, sizeof(fake_to1d)) == 0);
        FUZZ_CHECK(resp->end_session);
        break;
    default:
        FUZZ_CHECK(!"unexpected answer type");
    }
}

static zto_err_t
call(const struct zto_rv_cfg *cfg, uint8_t type, const uint8_t *body,
     size_t len, const char *token, struct zto_rv_resp *resp, char *tok_out)
{
    struct zto_rv_req req;
    zto_err_t r;

    memset(&req, 0, sizeof(req));
    req.msg_type = type;
    req.body = body;
    req.len = len;
    req.token = token;
    resp->len = 0;
    r = zto_rv_handle(cfg, &req, resp);
    if (tok_out != NULL)
        memcpy(tok_out, resp->token, ZTO_RV_TOKEN_MAX);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t hello0[] = {0x80};
    uint8_t hello1[64];
    struct zto_db *db = NULL;
    struct zto_rv_policy pol;
    struct zto_rv_cfg cfg;
    struct zto_rv_resp resp;
    struct zto_db_rv_reg reg;
    struct zto_msg_to1_hello_rv h;
    struct fz z = {0};
    uint8_t spki[128], *out = malloc(ZTO_MAX_MSG_SIZE);
    char tok0[ZTO_RV_TOKEN_MAX], tok1[ZTO_RV_TOKEN_MAX];
    const char *tok;
    size_t spki_len = 0, n = 0;
    uint8_t type;
    zto_err_t r;

    FUZZ_CHECK(out != NULL);
    if (size < 1 || size - 1 > ZTO_MAX_MSG_SIZE) {
        free(out);
        return 0;
    }
    type = data[0];
    FUZZ_CHECK(zto_db_open(":memory:", ZTO_DB_RENDEZVOUS, NULL, &db) == ZTO_OK);
    zto_rv_policy_init(&pol);
    pol.allow_all = true;
    memset(&cfg, 0, sizeof(cfg));
    cfg.db = db;
    cfg.policy = &pol;
    cfg.max_wait = 86400;
    cfg.session_ttl = 60;
    cfg.now = fz_now;
    cfg.rng = fz_rng;
    cfg.rng_ctx = &z;
    memset(&resp, 0, sizeof(resp));
    resp.body = out;
    resp.cap = ZTO_MAX_MSG_SIZE;

    memset(&reg, 0, sizeof(reg));
    memcpy(reg.guid.b, vec_guid, 16);
    FUZZ_CHECK(zto_hex_decode(vec_spki_hex, strlen(vec_spki_hex), spki,
                              sizeof(spki), &spki_len) == ZTO_OK);
    FUZZ_CHECK(zto_hex_decode(vec_owner2_hash_hex, 64, reg.owner_key_hash,
                              sizeof(reg.owner_key_hash), &n) == ZTO_OK);
    reg.to1d = ZTO_BYTES(fake_to1d, sizeof(fake_to1d));
    reg.device_key = ZTO_BYTES(spki, spki_len);
    reg.expires = fz_now(NULL) + 3600;
    FUZZ_CHECK(zto_db_rv_put(db, &reg) == ZTO_OK);

    /* Sessions: TO0 (rng calls 1, 2), TO1 (3, 4). */
    FUZZ_CHECK(call(&cfg, ZTO_MSG_TO0_HELLO, hello0, 1, NULL, &resp, tok0) ==
               ZTO_OK);
    memset(&h, 0, sizeof(h));
    memcpy(h.guid.b, vec_guid, 16);
    h.siginfo.type = ZTO_SG_ES256;
    h.siginfo.info = ZTO_BYTES("", 0);
    FUZZ_CHECK(zto_msg_to1_hello_rv_encode(&h, hello1, sizeof(hello1), &n) ==
               ZTO_OK);
    FUZZ_CHECK(call(&cfg, ZTO_MSG_TO1_HELLO_RV, hello1, n, NULL, &resp, tok1) ==
               ZTO_OK);

    switch (type) {
    case ZTO_MSG_TO0_HELLO:
    case ZTO_MSG_TO1_HELLO_RV:
        tok = NULL;
        break;
    case ZTO_MSG_TO1_PROVE_TO_RV:
        tok = tok1;
        break;
    default:
        tok = tok0;
    }
    {
        /* Exact-size copy: ASan catches any read past the body. */
        uint8_t *body = malloc(size > 1 ? size - 1 : 1);
        FUZZ_CHECK(body != NULL);
        memcpy(body, data + 1, size - 1);
        r = call(&cfg, type, body, size - 1, tok, &resp, NULL);
        if (getenv("ZTO_FUZZ_VERBOSE") != NULL)
            fprintf(stderr, "msg %u -> %s, answer %u (%zu bytes)\n",
                    (unsigned)type, zto_strerror(r), (unsigned)resp.msg_type,
                    resp.len);
        check_answer(type, r, &resp);
        free(body);
    }
    /* A successful TO0 stored what TO1 can find. */
    if (type == ZTO_MSG_TO0_OWNER_SIGN && r == ZTO_OK) {
        int stored = 0, live = 0;
        FUZZ_CHECK(zto_db_rv_count(db, fz_now(NULL), &stored, &live) == ZTO_OK);
        FUZZ_CHECK(live >= 1);
    }
    FUZZ_CHECK(zto_rv_purge(&cfg, NULL, NULL) == ZTO_OK);
    zto_db_close(db);
    zto_rv_policy_free(&pol);
    free(out);
    return 0;
}
