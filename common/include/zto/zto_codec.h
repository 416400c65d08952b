/*
 * zto_codec.h - codecs of the shared FDO 1.1 types (section 3, 7, 10.3, 4.5).
 *
 * Decoders fill structures of views into the input buffer, which must
 * outlive them. `*_dec()` variants read from a cursor (an element inside a
 * larger message); whole-buffer variants also refuse trailing bytes.
 * Encoders append to a zto_cbor_enc (sticky errors, see zto_cbor.h).
 */
#ifndef ZTO_CODEC_H
#define ZTO_CODEC_H

#include "zto_cbor.h"
#include "zto_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Guid, Nonce: bstr .size 16 ---- */
ZTO_MUST_CHECK zto_err_t zto_guid_dec(struct zto_cbor_dec *d,
                                      struct zto_guid *g);
void zto_guid_enc(struct zto_cbor_enc *e, const struct zto_guid *g);
ZTO_MUST_CHECK zto_err_t zto_nonce_dec(struct zto_cbor_dec *d,
                                       struct zto_nonce *n);
void zto_nonce_enc(struct zto_cbor_enc *e, const struct zto_nonce *n);

/* ---- Hash / HMac = [hashtype, bstr] ----
 * Decoding checks the type is one of the four known and the length matches
 * it (32 or 48 bytes). */
ZTO_MUST_CHECK zto_err_t zto_hash_dec(struct zto_cbor_dec *d,
                                      struct zto_hash *h);
void zto_hash_enc(struct zto_cbor_enc *e, const struct zto_hash *h);
void zto_hash_buf_enc(struct zto_cbor_enc *e, const struct zto_hash_buf *h);

/* ---- PublicKey = [pkType, pkEnc, pkBody] ----
 * Accepts the pkTypes of zto_pk_type and encodings X509, X5CHAIN (array of
 * bstr, or a single bstr per RFC 9360), COSEKEY. Sets pk->raw. Encoding
 * copies pk->raw when set, else builds from type/enc/body. */
ZTO_MUST_CHECK zto_err_t zto_pubkey_dec(struct zto_cbor_dec *d,
                                        struct zto_pubkey *pk);
ZTO_MUST_CHECK zto_err_t zto_pubkey_decode(const uint8_t *buf, size_t len,
                                           struct zto_pubkey *pk);
void zto_pubkey_enc(struct zto_cbor_enc *e, const struct zto_pubkey *pk);
/* X5CHAIN body: the i-th certificate (0 = leaf). */
ZTO_MUST_CHECK zto_err_t zto_pubkey_x5chain_cert(const struct zto_pubkey *pk,
                                                 size_t i,
                                                 struct zto_bytes *der);

/* ---- SigInfo = [sgType, Info] ---- */
ZTO_MUST_CHECK zto_err_t zto_siginfo_dec(struct zto_cbor_dec *d,
                                         struct zto_siginfo *s);
void zto_siginfo_enc(struct zto_cbor_enc *e, const struct zto_siginfo *s);

/* ---- RendezvousInfo (section 7.1) ----
 * RendezvousInfo = [+ RendezvousDirective], directive = [+ [var, ?bstr]].
 * Kept raw on the wire (hashes cover it); a directive is interpreted with
 * zto_rv_directive_parse(). Flags are written as one-element instructions
 * and accepted with a value too. */
struct zto_rv_directive {
    bool dev_only, owner_only, bypass;
    bool has_ip, has_dns, has_dev_port, has_owner_port, has_protocol;
    bool has_delay, has_medium, has_user_input;
    uint8_t ip[16];
    size_t ip_len;           /* 4 or 16 */
    struct zto_bytes dns;    /* tstr content */
    uint16_t dev_port, owner_port;
    uint8_t protocol;        /* enum zto_rv_prot */
    uint32_t delaysec;
    uint8_t medium;
    bool user_input;
    struct zto_bytes sv_cert_hash, cl_cert_hash; /* raw Hash CBOR, if any */
    struct zto_bytes wifi_ssid, wifi_pw;         /* tstr content, if any */
    struct zto_bytes ext_rv;                     /* raw CBOR, if any */
    /* Variables in the order they appear (filled by the parser). When
     * ninstr > 0, zto_rvinfo_enc() writes the instructions in this order,
     * so a parsed directive re-encodes byte-identically; with ninstr == 0
     * (a zeroed struct) it uses variable-number order. */
    size_t ninstr;
    uint8_t order[ZTO_MAX_RV_INSTRS];
};

struct zto_rvinfo {
    struct zto_bytes raw;  /* whole RendezvousInfo as received */
    size_t ndirectives;
    struct zto_bytes directive[ZTO_MAX_RV_ENTRIES]; /* raw of each */
};

ZTO_MUST_CHECK zto_err_t zto_rvinfo_dec(struct zto_cbor_dec *d,
                                        struct zto_rvinfo *rv);
ZTO_MUST_CHECK zto_err_t zto_rvinfo_decode(const uint8_t *buf, size_t len,
                                           struct zto_rvinfo *rv);
/* Interpret one directive's raw bytes. Unknown variables and a variable
 * given twice are refused (ZTO_E_UNSUPPORTED: the device skips such a
 * directive); malformed values are ZTO_E_TYPE/ZTO_E_RANGE, a missing value
 * ZTO_E_MISSING. Flags (0, 1, 14) may carry a null or true value;
 * RVUserInput without a value means true. Tstr fields without a has_ flag
 * (wifi_ssid, wifi_pw) are set when .p is non-NULL, Hash and ext_rv fields
 * when .len > 0. */
ZTO_MUST_CHECK zto_err_t zto_rv_directive_parse(struct zto_bytes raw,
                                                struct zto_rv_directive *out);
/* Encode a RendezvousInfo from parsed directives (only the fields marked
 * has_ / true, in `order` or else variable-number order). Flags are written
 * as one-element instructions, every value bstr-wrapped. */
void zto_rvinfo_enc(struct zto_cbor_enc *e, const struct zto_rv_directive *dir,
                    size_t n);

/* ---- RVTO2Addr (section 7.4) ---- */
struct zto_rvto2addr_entry {
    bool has_ip, has_dns;
    uint8_t ip[16];
    size_t ip_len;
    struct zto_bytes dns;
    uint16_t port;
    uint8_t protocol; /* enum zto_transport_prot */
};

struct zto_rvto2addr {
    size_t n;
    struct zto_rvto2addr_entry e[ZTO_MAX_RVTO2_ENTRIES];
};

ZTO_MUST_CHECK zto_err_t zto_rvto2addr_dec(struct zto_cbor_dec *d,
                                           struct zto_rvto2addr *a);
void zto_rvto2addr_enc(struct zto_cbor_enc *e, const struct zto_rvto2addr *a);

/* ---- ServiceInfo = [* [key: tstr, value: bstr .cbor any]] (section 10.3)
 * A decoded ServiceInfo is validated and iterated in place. */
struct zto_svi {
    struct zto_bytes raw;
    size_t n;
};

struct zto_svi_kv {
    struct zto_bytes module;  /* key before the first ':' */
    struct zto_bytes message; /* key after it */
    struct zto_bytes value;   /* bstr content: the CBOR of the value */
};

ZTO_MUST_CHECK zto_err_t zto_svi_dec(struct zto_cbor_dec *d,
                                     struct zto_svi *s);
/* Iterate: *pos starts at 0; returns ZTO_E_NOT_FOUND after the last kv. */
ZTO_MUST_CHECK zto_err_t zto_svi_next(const struct zto_svi *s, size_t *pos,
                                      struct zto_svi_kv *kv);
/* Build: open the array, add kvs (value = CBOR bytes of the value), close. */
void zto_svi_enc_open(struct zto_cbor_enc *e, struct zto_cbor_mark *m);
void zto_svi_enc_kv(struct zto_cbor_enc *e, struct zto_cbor_mark *m,
                    const char *module, const char *message,
                    const uint8_t *val, size_t val_len);
void zto_svi_enc_close(struct zto_cbor_enc *e, struct zto_cbor_mark *m);
/* Encoded size of one kv, to fit chunks within the negotiated MTU. */
size_t zto_svi_kv_size(const char *module, const char *message,
                       size_t val_len);
/* A ServiceInfo message being filled (68 or 69), for the size checks
 * both sides make against the peer's limit. */
struct zto_svi_fill {
    size_t frame;    /* the message's array head and flags: 68 2, 69 3 */
    size_t count;    /* key/values so far */
    size_t used;     /* their encoded bytes */
    size_t buf_left; /* free bytes of the buffer */
    size_t budget;   /* largest whole message */
};
/* One more key/value of kv bytes fits: at most ZTO_MAX_SVI_ENTRIES, the
 * whole message (with the ServiceInfo array head for count + 1) within
 * budget, kv within buf_left. */
bool zto_svi_fits(const struct zto_svi_fill *f, size_t kv);
/* The largest value of "module:message" that still fits (0 if none). */
size_t zto_svi_room(const struct zto_svi_fill *f, const char *module,
                    const char *message);

/* ---- fdo.csr serverkeygen-res body (RFC 7030 section 4.4.2) ----
 * A multipart/mixed MIME body with boundary "fdo": an application/pkcs8
 * part (the private key, DER PrivateKeyInfo) and then an
 * application/pkcs7-mime; smime-type=certs-only part (the certificate),
 * each base64 in 76-column CRLF lines.
 * decode is lenient about what other implementations write: the
 * boundary is the one on the first delimiter line, LF or CRLF, headers
 * in any order and case, parts in any order, unknown parts ignored.
 * Both parts must be there exactly once, Content-Transfer-Encoding
 * base64 (or absent). Errors: ZTO_E_MISSING (no delimiter, or a part
 * missing), ZTO_E_TRUNCATED (no closing delimiter), ZTO_E_PROTO (a part
 * twice), ZTO_E_UNSUPPORTED (another transfer encoding), ZTO_E_PEM
 * (base64), ZTO_E_BUF_TOO_SMALL. */
#define ZTO_CSR_MIME_BOUNDARY "fdo"
size_t zto_csr_mime_len(size_t key_len, size_t p7_len);
ZTO_MUST_CHECK zto_err_t zto_csr_mime_encode(const uint8_t *key,
                                             size_t key_len, const uint8_t *p7,
                                             size_t p7_len, char *out,
                                             size_t cap, size_t *out_len);
ZTO_MUST_CHECK zto_err_t zto_csr_mime_decode(const char *in, size_t n,
                                             uint8_t *key, size_t key_cap,
                                             size_t *key_len, uint8_t *p7,
                                             size_t p7_cap, size_t *p7_len);

/* ---- ErrorMessage (section 4.5) ---- */
struct zto_error_msg {
    uint16_t code;
    uint8_t prev_msg;
    struct zto_bytes text;  /* tstr content */
    bool has_ts;
    uint64_t ts;            /* seconds; tagged values are unwrapped,
                               RFC 3339 text is converted */
    bool has_cid;
    uint64_t cid;
};

ZTO_MUST_CHECK zto_err_t zto_error_msg_decode(const uint8_t *buf, size_t len,
                                              struct zto_error_msg *m);
ZTO_MUST_CHECK zto_err_t zto_error_msg_encode(const struct zto_error_msg *m,
                                              uint8_t *buf, size_t cap,
                                              size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_CODEC_H */
