/*
 * fuzz_to1_step.c - the device's TO1 step function (device/src/to1.c) fed
 * arbitrary rendezvous answers, with the go-fdo P-256 vector credential
 * (a throw-away test key, embedded below).
 *
 * Input: byte 0 picks the case, the rest is the body:
 *   0: the answer to HelloRV, as TO1.HelloRVAck (31)
 *   1: after a well-formed 31 (nonce = first 16 body bytes, if any), the
 *      rest as TO1.RVRedirect (33)
 *   2: an ErrorMessage (255) instead of 31
 *   3: byte 1 is the message type, the rest the body (any order)
 * Oracle: no crash or over-read; an accepted 31 yields a 32 whose EAT
 * verifies with the device key and names our GUID and the given nonce;
 * an accepted 33 is kept byte for byte; a rejected message yields an
 * ErrorMessage to send back, except for a 255, which is never answered.
 */
#include "fuzz_util.h"
#include "zto/zto_device.h"
#include "zto/zto_msg.h"
#include "zto/zto_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char cred_hex[] =
    "88f5186566676f74657374503fb068cc34967f7bce2aed40dcf34d948281820d4100"
    "83820c410182054a696c6f63616c686f73748203431946a0822f582082d3d30f6383"
    "8b668ed137f693cf00dceb4c338b4b74fa8563681d8619284ba9582073b6bf5d67c8"
    "7ec1cf993402c798d4a74e8b907bc6125f845929962b0a57fb31588a308187020100"
    "301306072a8648ce3d020106082a8648ce3d030107046d306b02010104203c8c45a0"
    "46b174d2388e8cdf2ca637507f2883a323594b1171b8783e2f30f994a14403420004"
    "2c5587c7850861fb9531e04bdccbf8c2b152ceddd75d5682823d20b3f44265479b3c"
    "6b02071073463e1b22c9d768a5284973ca9e19375d84de5440f4261af6f0";

static zto_err_t
st_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    (void)ctx, (void)name;
    return zto_hex_decode(cred_hex, sizeof(cred_hex) - 1, buf, cap, len);
}

static zto_err_t
st_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    (void)ctx, (void)name, (void)buf, (void)len;
    FUZZ_CHECK(!"TO1 never writes");
    return ZTO_E_IO;
}

static const struct zto_storage_ops store_ops = {st_read, st_write};

/* 31 with nonce n and the device's signature type. */
static size_t
make_31(const uint8_t *n, size_t nlen, uint8_t *out, size_t cap)
{
    struct zto_msg_to1_hello_rv_ack ack;
    size_t len = 0;

    memset(&ack, 0, sizeof(ack));
    memcpy(ack.nonce.b, n, nlen < 16 ? nlen : 16);
    ack.siginfo.type = ZTO_SG_ES256;
    ack.siginfo.info = ZTO_BYTES("", 0);
    FUZZ_CHECK(zto_msg_to1_hello_rv_ack_encode(&ack, out, cap, &len) == ZTO_OK);
    return len;
}

static void
check_reject(zto_err_t r, uint8_t in_type, size_t on, uint8_t ot,
             const uint8_t *out)
{
    struct zto_error_msg em;

    FUZZ_CHECK(r < 0);
    if (in_type == ZTO_MSG_ERROR) {
        FUZZ_CHECK(r == ZTO_E_PEER_ERROR && on == 0);
        return;
    }
    FUZZ_CHECK(on > 0 && ot == ZTO_MSG_ERROR);
    FUZZ_CHECK(zto_error_msg_decode(out, on, &em) == ZTO_OK);
    FUZZ_CHECK(em.prev_msg == in_type && em.code != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t work[3 * 8192], out[8192], m31[64];
    struct zto_device dev;
    struct zto_device_cfg cfg;
    const struct zto_device_cred *c;
    size_t on = 0, len;
    uint8_t ot = 0, kind, type;
    const uint8_t *p;
    uint8_t *body;
    zto_err_t r;

    if (size < 1)
        return 0;
    kind = data[0] % 4;
    p = data + 1;
    len = size - 1;
    memset(&cfg, 0, sizeof(cfg));
    cfg.storage = &store_ops;
    zto_device_init(&dev);
    FUZZ_CHECK(zto_device_setup(&dev, &cfg, work, sizeof(work)) == ZTO_OK);
    FUZZ_CHECK(zto_device_load(&dev) == ZTO_OK);
    c = zto_device_cred(&dev);
    FUZZ_CHECK(zto_to1_step(&dev, 0, NULL, 0, out, sizeof(out), &on, &ot) ==
                   ZTO_OK &&
               ot == ZTO_MSG_TO1_HELLO_RV);

    type = kind == 0   ? ZTO_MSG_TO1_HELLO_RV_ACK
           : kind == 1 ? ZTO_MSG_TO1_RV_REDIRECT
           : kind == 2 ? ZTO_MSG_ERROR
                       : (len > 0 ? p[0] : 0);
    if (kind == 3 && len > 0) {
        p++;
        len--;
    }
    if (kind == 1) {
        size_t n = make_31(p, len, m31, sizeof(m31));
        FUZZ_CHECK(zto_to1_step(&dev, ZTO_MSG_TO1_HELLO_RV_ACK, m31, n, out,
                                sizeof(out), &on, &ot) == ZTO_OK &&
                   ot == ZTO_MSG_TO1_PROVE_TO_RV);
        if (len > 16) {
            p += 16;
            len -= 16;
        }
    }
    /* Exact-size copy: ASan catches any read past the body. */
    body = malloc(len > 0 ? len : 1);
    FUZZ_CHECK(body != NULL);
    memcpy(body, p, len);
    on = 0;
    r = zto_to1_step(&dev, type, body, len, out, sizeof(out), &on, &ot);
    if (r == ZTO_OK) {
        /* Only a 31 continues: the EAT must be ours and verify. */
        struct zto_msg_to1_hello_rv_ack ack;
        struct zto_eat eat;
        struct zto_key k;

        FUZZ_CHECK(type == ZTO_MSG_TO1_HELLO_RV_ACK &&
                   ot == ZTO_MSG_TO1_PROVE_TO_RV);
        FUZZ_CHECK(zto_msg_to1_hello_rv_ack_decode(body, len, &ack) == ZTO_OK);
        FUZZ_CHECK(zto_eat_decode(out, on, &eat) == ZTO_OK);
        FUZZ_CHECK(memcmp(eat.nonce.b, ack.nonce.b, 16) == 0);
        FUZZ_CHECK(memcmp(eat.guid.b, c->guid.b, 16) == 0);
        zto_key_init(&k);
        FUZZ_CHECK(zto_key_from_private_der(c->key_der, c->key_der_len, &k) ==
                   ZTO_OK);
        FUZZ_CHECK(zto_cose_sign1_verify(&eat.cose, &k) == ZTO_OK);
        zto_key_free(&k);
    } else if (r == ZTO_DONE) {
        const uint8_t *t;
        size_t tl = 0;

        FUZZ_CHECK(type == ZTO_MSG_TO1_RV_REDIRECT && on == 0);
        t = zto_device_to1d(&dev, &tl);
        FUZZ_CHECK(t != NULL && tl == len && memcmp(t, body, len) == 0);
    } else {
        check_reject(r, type, on, ot, out);
        FUZZ_CHECK(zto_device_to1d(&dev, NULL) == NULL);
    }
    free(body);
    zto_device_free(&dev);
    return 0;
}
