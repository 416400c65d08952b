/*
 * fuzz_to0_client.c - the owner's TO0 client (zto_to0_run) against a
 * hostile rendezvous server: the server's two answers come from the
 * input.
 *
 * Input: [type1] [len1: 2 bytes big-endian] [body1: len1 bytes]
 *        [type2] [body2: the rest]
 * type1/body1 answer TO0.Hello (20), type2/body2 answer TO0.OwnerSign
 * (22). The voucher is the go-fdo p256 vector extended to owner2, signed
 * for by owner2's key.
 *
 * Oracles: no crash or over-read (answers are exact-size copies); success
 * only for a 21 then a 23 that decode, with the granted time of the 23;
 * the TO0.OwnerSign sent carries the nonce of the 21 and a to1d that
 * verifies with owner2's key; a 255 answer is ZTO_E_PEER_ERROR with its
 * code and printable text; anything else fails with a detail.
 */
#include <ctype.h>

#include "fuzz_util.h"
#include "zto/zto.h"
#include "zto_to0.h"

struct script {
    uint8_t type[2];
    const uint8_t *body[2];
    size_t len[2];
    int recvs, sends;
    uint8_t sent22[8192];
    size_t sent22_len;
};

static zto_err_t
s_open(void *ctx, const struct zto_target *t)
{
    (void)ctx;
    (void)t;
    return ZTO_OK;
}

static zto_err_t
s_send(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    struct script *s = ctx;

    FUZZ_CHECK(type ==
               (s->sends == 0 ? ZTO_MSG_TO0_HELLO : ZTO_MSG_TO0_OWNER_SIGN));
    if (type == ZTO_MSG_TO0_OWNER_SIGN) {
        FUZZ_CHECK(len <= sizeof(s->sent22));
        memcpy(s->sent22, body, len);
        s->sent22_len = len;
    }
    s->sends++;
    return ZTO_OK;
}

static zto_err_t
s_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *type)
{
    struct script *s = ctx;
    int i = s->recvs++;

    FUZZ_CHECK(i < 2);
    if (s->len[i] > cap)
        return ZTO_E_TOO_BIG;
    memcpy(buf, s->body[i], s->len[i]);
    *len = s->len[i];
    *type = s->type[i];
    return ZTO_OK;
}

static void
s_close(void *ctx)
{
    (void)ctx;
}

static const struct zto_transport_ops script_ops = {s_open, s_send, s_recv,
                                                    s_close};

struct world {
    bool ready;
    uint8_t *voucher;
    size_t voucher_len;
    struct zto_key owner;
    struct zto_signer signer;
    struct zto_rvto2addr addr;
};

static struct world w;

static uint8_t *
read_vec(const char *file, size_t *n)
{
    char path[512];
    uint8_t *b;
    long sz;
    FILE *f;

    snprintf(path, sizeof(path), "%s/p256/%s", ZTO_VECTORS_DIR, file);
    f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) > 0);
    rewind(f);
    b = malloc((size_t)sz);
    FUZZ_CHECK(b != NULL && fread(b, 1, (size_t)sz, f) == (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return b;
}

static void
w_free(void)
{
    free(w.voucher);
    zto_key_free(&w.owner);
}

static void
setup(void)
{
    uint8_t *pem;
    size_t n;

    if (w.ready)
        return;
    w.voucher = read_vec("voucher-extended.cbor", &w.voucher_len);
    pem = read_vec("owner2.key.pem", &n);
    zto_key_init(&w.owner);
    FUZZ_CHECK(zto_key_from_pem((const char *)pem, n, &w.owner) == ZTO_OK);
    free(pem);
    zto_signer_from_key(&w.signer, &w.owner);
    w.signer.pub = &w.owner;
    w.addr.n = 1;
    w.addr.e[0].has_ip = true;
    w.addr.e[0].ip_len = 4;
    w.addr.e[0].ip[0] = 127;
    w.addr.e[0].ip[3] = 1;
    w.addr.e[0].port = 8043;
    w.addr.e[0].protocol = ZTO_TPROT_HTTP;
    w.ready = true;
    atexit(w_free);
}

/* What was sent as 22 answers the nonce of the 21 and verifies. */
static void
check_sent(const struct script *s, const struct zto_msg_to0_hello_ack *ack)
{
    struct zto_msg_to0_owner_sign m;
    struct zto_to0d t;
    struct zto_to1d d;

    FUZZ_CHECK(zto_msg_to0_owner_sign_decode(s->sent22, s->sent22_len, &m) ==
               ZTO_OK);
    FUZZ_CHECK(zto_to0d_decode(m.to0d.p, m.to0d.len, &t) == ZTO_OK);
    FUZZ_CHECK(memcmp(t.nonce.b, ack->nonce.b, sizeof(t.nonce.b)) == 0);
    FUZZ_CHECK(t.voucher.len == w.voucher_len &&
               memcmp(t.voucher.p, w.voucher, w.voucher_len) == 0);
    FUZZ_CHECK(zto_to1d_decode(m.to1d.p, m.to1d.len, &d) == ZTO_OK);
    FUZZ_CHECK(zto_cose_sign1_verify(&d.cose, &w.owner) == ZTO_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zto_to0_params p;
    struct zto_to0_result res;
    struct zto_target tg;
    struct zto_msg_to0_hello_ack ack;
    struct zto_msg_to0_accept_owner acc;
    struct script s;
    uint8_t *b1, *b2;
    size_t l1;
    zto_err_t r;

    if (size < 4)
        return 0;
    setup();
    memset(&s, 0, sizeof(s));
    l1 = (size_t)data[1] << 8 | data[2];
    if (l1 > size - 3)
        l1 = size - 3;
    s.type[0] = data[0];
    s.len[0] = l1;
    s.type[1] = 3 + l1 < size ? data[3 + l1] : 0;
    s.len[1] = 3 + l1 < size ? size - 4 - l1 : 0;
    b1 = malloc(s.len[0] > 0 ? s.len[0] : 1);
    b2 = malloc(s.len[1] > 0 ? s.len[1] : 1);
    FUZZ_CHECK(b1 != NULL && b2 != NULL);
    memcpy(b1, data + 3, s.len[0]);
    memcpy(b2, data + 4 + l1, s.len[1]);
    s.body[0] = b1;
    s.body[1] = b2;

    memset(&p, 0, sizeof(p));
    p.voucher = w.voucher;
    p.voucher_len = w.voucher_len;
    p.owner = &w.signer;
    p.addr = &w.addr;
    p.wait_seconds = 3600;
    memset(&tg, 0, sizeof(tg));
    tg.protocol = ZTO_TPROT_HTTP;
    memcpy(tg.host, "127.0.0.1", 10);
    tg.port = 8041;
    r = zto_to0_run(&script_ops, &s, &tg, &p, &res);
    if (getenv("ZTO_FUZZ_VERBOSE") != NULL)
        fprintf(stderr, "TO0 -> %s: %s\n", zto_strerror(r), res.detail);

    if (r == ZTO_OK) {
        FUZZ_CHECK(s.type[0] == ZTO_MSG_TO0_HELLO_ACK &&
                   s.type[1] == ZTO_MSG_TO0_ACCEPT_OWNER);
        FUZZ_CHECK(zto_msg_to0_hello_ack_decode(b1, s.len[0], &ack) == ZTO_OK);
        FUZZ_CHECK(zto_msg_to0_accept_owner_decode(b2, s.len[1], &acc) ==
                   ZTO_OK);
        FUZZ_CHECK(res.granted == acc.wait_seconds && res.detail[0] == '\0');
        check_sent(&s, &ack);
    } else {
        size_t i;

        FUZZ_CHECK(res.detail[0] != '\0');
        if (r == ZTO_E_PEER_ERROR)
            FUZZ_CHECK(res.last_msg == ZTO_MSG_ERROR);
        for (i = 0; res.peer_text[i] != '\0'; i++)
            FUZZ_CHECK(isprint((unsigned char)res.peer_text[i]));
        if (s.sent22_len > 0 &&
            zto_msg_to0_hello_ack_decode(b1, s.len[0], &ack) == ZTO_OK)
            check_sent(&s, &ack);
    }
    free(b1);
    free(b2);
    return 0;
}
