/*
 * zto_util.h - small helpers with no I/O: secret wiping, constant-time
 * compare, hex and base64, PEM armour.
 */
#ifndef ZTO_UTIL_H
#define ZTO_UTIL_H

#include "zto_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Overwrite secrets in a way the compiler cannot drop. NULL is fine. */
void zto_zeroize(void *p, size_t n);

/* 1 if equal, 0 otherwise; time depends only on n. */
int zto_ct_equal(const void *a, const void *b, size_t n);

/* Lower-case hex of n bytes into out (needs 2n+1); always NUL-terminated. */
ZTO_MUST_CHECK zto_err_t zto_hex_encode(const uint8_t *in, size_t n, char *out,
                                        size_t cap);
/* Exactly `hexlen` hex digits (even) into out; *out_len bytes. */
ZTO_MUST_CHECK zto_err_t zto_hex_decode(const char *hex, size_t hexlen,
                                        uint8_t *out, size_t cap,
                                        size_t *out_len);

/* Standard base64 with padding. encode writes a NUL; decode skips ASCII
 * whitespace and rejects anything else outside the alphabet. */
ZTO_MUST_CHECK zto_err_t zto_base64_encode(const uint8_t *in, size_t n,
                                           char *out, size_t cap,
                                           size_t *out_len);
ZTO_MUST_CHECK zto_err_t zto_base64_decode(const char *in, size_t n,
                                           uint8_t *out, size_t cap,
                                           size_t *out_len);

/* Size of the base64 text for n bytes (without NUL). */
size_t zto_base64_len(size_t n);

/*
 * PEM: "-----BEGIN <label>-----", base64 in 64-column lines,
 * "-----END <label>-----\n".
 *
 * zto_pem_find() looks for the first block with that label at or after
 * `*pos` in text, decodes it into out and advances *pos past its END line.
 * It returns ZTO_E_NOT_FOUND when there is no further block with the label.
 */
ZTO_MUST_CHECK zto_err_t zto_pem_encode(const char *label, const uint8_t *der,
                                        size_t n, char *out, size_t cap,
                                        size_t *out_len);
ZTO_MUST_CHECK zto_err_t zto_pem_find(const char *text, size_t text_len,
                                      size_t *pos, const char *label,
                                      uint8_t *out, size_t cap,
                                      size_t *out_len);

/* Size of the PEM text zto_pem_encode() writes for n bytes (without NUL). */
size_t zto_pem_len(const char *label, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_UTIL_H */
