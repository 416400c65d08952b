/*
 * errmsg.c - ErrorMessage (FDO 1.1 section 4.5) on the device side:
 * building the one we send when a step function rejects a message, and
 * recording the one a server sends us.
 */
#include "device_int.h"

void
dev_error_msg(zto_err_t e, uint8_t prev_msg, const char *text, uint8_t *out,
              size_t cap, size_t *out_len, uint8_t *out_type)
{
    struct zto_error_msg m;
    size_t n = 0;

    if (text == NULL || text[0] == '\0')
        text = zto_strerror(e);

    *out_len = 0;
    memset(&m, 0, sizeof(m));
    m.code = (uint16_t)zto_err_wire_code(e);
    m.prev_msg = prev_msg;
    m.text = ZTO_BYTES(text, strlen(text));
    if (zto_error_msg_encode(&m, out, cap, &n) == ZTO_OK) {
        *out_len = n;
        *out_type = ZTO_MSG_ERROR;
    }
}

zto_err_t
dev_peer_error(struct zto_device *dev, const uint8_t *in, size_t len)
{
    struct zto_device_result *res = &dev->result;
    struct zto_error_msg m;
    const char *undecodable = "(ErrorMessage does not decode)";
    const uint8_t *text = (const uint8_t *)undecodable;
    size_t tlen = strlen(undecodable), i, n = 0;

    res->peer_error = 0;
    if (in != NULL && zto_error_msg_decode(in, len, &m) == ZTO_OK) {
        res->peer_error = m.code;
        text = m.text.p;
        tlen = m.text.len;
    }
    /* Keep printable ASCII only: the text ends up on consoles. */
    for (i = 0; i < tlen && n + 1 < sizeof(res->peer_error_text); i++)
        res->peer_error_text[n++] =
            text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] : '?';
    res->peer_error_text[n] = '\0';
    return ZTO_E_PEER_ERROR;
}
