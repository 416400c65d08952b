/*
 * fuzz_owner_handler.c - the owner's TO2 handler (owner/to2_*.c) fed
 * arbitrary device messages. Input: byte 0 is the message type, the rest
 * its body. For the TO2 requests (60, 62, 64, 66, 68, 70) and 255 the
 * body replaces the first such message of a genuine session with the
 * device library (to2_fuzz.h), sealed with the session's keys for 66-70,
 * so every handler is reached with a live session behind it. Any other
 * type goes to the handler without a session. Oracles: no crash or
 * over-read; a refused message gets an ErrorMessage; the stored voucher
 * never changes.
 */
#include "to2_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[70000];
    uint8_t *body, type, ot = 0;
    char tok[OWNER_TOKEN_LEN + 1];
    size_t on = 0, vn = 0;
    uint8_t *v;
    zto_err_t r;

    if (size < 1 || size > 65536)
        return 0;
    if (size == 1 && data[0] == 0) {
        /* An untouched session must complete. */
        to2_fuzz_run(TO_OWNER, 0, NULL, 0);
        return 0;
    }
    tf_setup();
    type = data[0];
    body = malloc(size > 1 ? size - 1 : 1);
    memcpy(body, data + 1, size - 1);
    switch (type) {
    case 60:
    case 62:
    case 64:
    case 66:
    case 68:
    case 70:
    case 255:
        to2_fuzz_run(TO_OWNER, type, body, size - 1);
        break;
    default:
        r = owner_handle(&tf_world.r.o, type, body, size - 1, NULL, out,
                         sizeof(out), &on, &ot, tok, sizeof(tok));
        FUZZ_CHECK(r != ZTO_OK && ot == ZTO_MSG_ERROR && on > 0);
        v = rig_voucher(&tf_world.r, &tf_world.guid, &vn);
        FUZZ_CHECK(v != NULL && vn == tf_world.vlen &&
                   memcmp(v, tf_world.voucher, vn) == 0);
        free(v);
        break;
    }
    free(body);
    return 0;
}
