/*
 * errmsg.c - ErrorMessage (type 255) responses for handlers and adapters.
 *
 * ErrorMessage = [EMErrorCode, EMPrevMsgID, EMErrorStr, EMErrorTs,
 *                 EMErrorCID] (FDO 1.1 section 4.5). We emit the timestamp
 * as Unix seconds (uint) and a random uint64 correlation id, the form
 * every known implementation parses (see docs/transport.md).
 *
 * Encoding is zto_error_msg_encode() from common/; here only the text
 * is bounded and the time and correlation id are filled in.
 */
#include <string.h>
#include <time.h>

#include "zto/zto_codec.h"
#include "zto/zto_crypto.h"
#include "srv_int.h"

/* Longest EMErrorStr we send: enough for a diagnosis, short enough never
 * to need a second CoAP block. */
#define ERRMSG_TEXT_MAX 128

/* Cut at most max bytes without splitting a UTF-8 sequence. */
static size_t
utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

zto_err_t
srv_errmsg_encode(unsigned code, uint8_t prev_msg, const char *text,
                  uint64_t ts, uint64_t cid, uint8_t *buf, size_t cap,
                  size_t *out_len)
{
    struct zto_error_msg m;

    if (text == NULL)
        text = "";
    if (code > 0xffff)
        return ZTO_E_RANGE;
    memset(&m, 0, sizeof(m));
    m.code = (uint16_t)code;
    m.prev_msg = prev_msg;
    m.text = ZTO_BYTES(text, utf8_cut(text, ERRMSG_TEXT_MAX));
    m.has_ts = true;
    m.ts = ts;
    m.has_cid = true;
    m.cid = cid;
    return zto_error_msg_encode(&m, buf, cap, out_len);
}

zto_err_t
zto_srv_error_code(struct zto_srv_resp *resp, unsigned code, uint8_t prev_msg,
                   const char *text)
{
    uint8_t cidb[8];
    uint64_t cid = 0;
    time_t now = time(NULL);
    size_t i, n = 0;
    zto_err_t r;

    /* A failing RNG must not stop the error from going out; the id only
     * correlates logs. */
    if (zto_random(cidb, sizeof(cidb)) == ZTO_OK)
        for (i = 0; i < sizeof(cidb); i++)
            cid = (cid << 8) | cidb[i];
    r = srv_errmsg_encode(code, prev_msg, text, now > 0 ? (uint64_t)now : 0,
                          cid, resp->body, resp->cap, &n);
    if (r != ZTO_OK)
        return r;
    resp->len = n;
    resp->msg_type = ZTO_MSG_ERROR;
    resp->end_session = true;
    return ZTO_OK;
}

zto_err_t
zto_srv_error(struct zto_srv_resp *resp, zto_err_t e, uint8_t prev_msg,
              const char *text)
{
    return zto_srv_error_code(resp, zto_err_wire_code(e), prev_msg,
                              text != NULL ? text : zto_strerror(e));
}
