/*
 * fuzz_di_step.c - the device's DI step function (device/src/di.c) fed
 * arbitrary manufacturer messages. Input: byte 0 picks the message
 * (0: DI.SetCredentials, 1: DI.Done after a genuine-looking 11 from the
 * input tail is accepted, 2: ErrorMessage), the rest is its body.
 * Oracle: no crash or over-read; an accepted 11 yields a 12 that decodes;
 * a rejected message yields no stored credential and, unless it was an
 * ErrorMessage, an ErrorMessage to send back.
 */
#include "fuzz_util.h"
#include "zto/zto_device.h"
#include "zto/zto_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct store {
    int writes;
};

static zto_err_t
st_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    (void)ctx, (void)name, (void)buf, (void)cap, (void)len;
    return ZTO_E_NOT_FOUND;
}

static zto_err_t
st_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    (void)name, (void)buf, (void)len;
    ((struct store *)ctx)->writes++;
    return ZTO_OK;
}

static const struct zto_storage_ops store_ops = {st_read, st_write};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t work[3 * 8192], out[8192];
    struct zto_device dev;
    struct zto_device_cfg cfg;
    struct store st = {0};
    struct zto_msg_di_set_hmac h;
    struct zto_error_msg em;
    size_t on = 0;
    uint8_t ot = 0, kind;
    uint8_t *body;
    zto_err_t r;

    if (size < 1)
        return 0;
    kind = data[0] % 3;
    memset(&cfg, 0, sizeof(cfg));
    cfg.storage = &store_ops;
    cfg.storage_ctx = &st;
    cfg.key_type = (data[0] & 0x80) ? ZTO_PK_SECP384R1 : ZTO_PK_SECP256R1;
    zto_device_init(&dev);
    FUZZ_CHECK(zto_device_setup(&dev, &cfg, work, sizeof(work)) == ZTO_OK);
    FUZZ_CHECK(zto_di_step(&dev, 0, NULL, 0, out, sizeof(out), &on, &ot) ==
               ZTO_OK);
    body = malloc(size - 1 > 0 ? size - 1 : 1); /* exact size for ASan */
    memcpy(body, data + 1, size - 1);
    if (kind == 1) {
        /* 13 while 11 is expected: always out of order. */
        r = zto_di_step(&dev, 13, body, size - 1, out, sizeof(out), &on, &ot);
        FUZZ_CHECK(r == ZTO_E_STATE && on > 0 && ot == 255);
    } else if (kind == 2) {
        r = zto_di_step(&dev, 255, body, size - 1, out, sizeof(out), &on, &ot);
        FUZZ_CHECK(r == ZTO_E_PEER_ERROR && on == 0);
    } else {
        r = zto_di_step(&dev, 11, body, size - 1, out, sizeof(out), &on, &ot);
        if (r == ZTO_OK) {
            FUZZ_CHECK(ot == 12);
            FUZZ_CHECK(zto_msg_di_set_hmac_decode(out, on, &h) == ZTO_OK);
            /* 13 now stores the credential. */
            r = zto_di_step(&dev, 13, (const uint8_t *)"\x80", 1, out,
                            sizeof(out), &on, &ot);
            FUZZ_CHECK(r == ZTO_DONE && st.writes == 1);
            FUZZ_CHECK(zto_device_cred(&dev) != NULL);
        } else {
            FUZZ_CHECK(r < 0 && on > 0 && ot == 255);
            FUZZ_CHECK(zto_error_msg_decode(out, on, &em) == ZTO_OK);
            FUZZ_CHECK(st.writes == 0 && zto_device_cred(&dev) == NULL);
        }
    }
    free(body);
    zto_device_free(&dev);
    return 0;
}
