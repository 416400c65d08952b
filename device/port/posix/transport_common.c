/*
 * transport_common.c - what both clients share.
 */
#include "zto/zto_cbor.h"
#include "zto_posix_transport.h"

bool
zto_transport_is_errmsg(const uint8_t *body, size_t len)
{
    struct zto_cbor_dec d;
    uint64_t code, prev;

    /* Lenient on purpose (client rule 4): only the shape is checked here;
     * the caller decodes the message. EMErrorTs and EMErrorCID vary
     * between implementations (null, int, tagged). */
    if (body == NULL || len == 0)
        return false;
    zto_cbor_dec_init(&d, body, len);
    return zto_cbor_get_array_n(&d, 5) == ZTO_OK &&
           zto_cbor_get_uint(&d, &code) == ZTO_OK && code <= 0xffff &&
           zto_cbor_get_uint(&d, &prev) == ZTO_OK && prev <= 0xff &&
           zto_cbor_skip(&d) == ZTO_OK && zto_cbor_skip(&d) == ZTO_OK &&
           zto_cbor_skip(&d) == ZTO_OK && zto_cbor_dec_finish(&d) == ZTO_OK;
}
