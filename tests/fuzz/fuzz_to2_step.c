/*
 * fuzz_to2_step.c - the device's TO2 step function (device/src/to2.c,
 * svi.c and the POSIX fdo.download module) fed arbitrary owner messages.
 * Input: byte 0 is the message type (61, 63, 65, 67, 69, 71, or 255 for
 * an ErrorMessage in place of the first answer), the rest its body; it
 * replaces the first such answer of a genuine session with the owner
 * handler (to2_fuzz.h), sealed with the session's keys for 65-71, so the
 * code behind the tunnel is reached. Oracles: no crash or over-read; the
 * device stores no credential unless the session completed; the owner's
 * voucher never changes.
 */
#include "to2_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *body, type;

    if (size < 1 || size > 65536)
        return 0;
    if (size == 1 && data[0] == 0) {
        /* An untouched session must complete. */
        to2_fuzz_run(TO_DEVICE, 0, NULL, 0);
        return 0;
    }
    type = data[0];
    if (type != 255 && (type < 61 || type > 71 || (type & 1) == 0))
        return 0;
    body = malloc(size > 1 ? size - 1 : 1);
    memcpy(body, data + 1, size - 1);
    to2_fuzz_run(TO_DEVICE, type, body, size - 1);
    free(body);
    return 0;
}
