/*
 * mac0_int.h - the COSE_Mac0 tag computation, shared by mac0.c and the
 * encrypt-then-MAC tunnel (common/src/crypto/tunnel_etm.c), which writes
 * its payload in place and so cannot hand a finished payload to
 * zto_cose_mac0_encode(). Never installed.
 */
#ifndef ZTO_MAC0_INT_H
#define ZTO_MAC0_INT_H

#include "zto/zto_cose.h"

/* Largest tag (HMAC-SHA384). */
#define COSE_MAC0_TAG_MAX 48

/*
 * HMAC with `alg` (5 = HMAC 256/256, 6 = HMAC 384/384, RFC 9053 3.1) over
 * the MAC_structure ["MAC0", protected, h'', payload] (RFC 9052 6.3).
 * `prot` and `payload` are the contents of the two byte strings. Writes
 * zto_hash_size(alg) bytes to tag.
 */
zto_err_t cose_mac0_tag(int32_t alg, const uint8_t *key, size_t key_len,
                        const uint8_t *prot, size_t prot_len,
                        const uint8_t *payload, size_t payload_len,
                        uint8_t *tag, size_t *tag_len);

#endif
