/*
 * zto_voucher.h - the ownership voucher (FDO 1.1 section 6): decode,
 * verify, walk, extend, build and the PEM text form.
 *
 * Every hash and HMAC is taken over the bytes as received (OVHeader bstr
 * content, the HMac item, each tagged OVEntry), never over a re-encoding.
 * Decoded structures view the input buffer, which must outlive them.
 */
#ifndef ZTO_VOUCHER_H
#define ZTO_VOUCHER_H

#include "zto_codec.h"
#include "zto_cose.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZTO_VOUCHER_PEM_LABEL "OWNERSHIP VOUCHER"

/* OVHeader = [ProtVer, Guid, RendezvousInfo, DeviceInfo, PubKey,
 *             CertChainHash / null] */
struct zto_ov_header {
    uint16_t protver;
    struct zto_guid guid;
    struct zto_rvinfo rvinfo;
    struct zto_bytes device_info; /* tstr content */
    struct zto_pubkey mfg_key;
    bool has_cert_hash;
    struct zto_hash cert_hash;
};

ZTO_MUST_CHECK zto_err_t zto_ov_header_decode(const uint8_t *buf, size_t len,
                                              struct zto_ov_header *h);
/* Encodes rvinfo.raw and mfg_key (raw if set) as given. */
ZTO_MUST_CHECK zto_err_t zto_ov_header_encode(const struct zto_ov_header *h,
                                              uint8_t *buf, size_t cap,
                                              size_t *out_len);

/* OVEntry payload = [HashPrevEntry, HashHdrInfo, Extra, PubKey] */
struct zto_ov_entry {
    struct zto_cose_sign1 cose;
    struct zto_hash hash_prev;
    struct zto_hash hash_hdr;
    bool has_extra;
    struct zto_bytes extra;    /* raw CBOR of OVEExtra (bstr or map) */
    struct zto_pubkey pubkey;
};

ZTO_MUST_CHECK zto_err_t zto_ov_entry_decode(const uint8_t *buf, size_t len,
                                             struct zto_ov_entry *e);

/* OwnershipVoucher = [ProtVer, bstr .cbor OVHeader, HMac, DevCertChain /
 *                     null, [* OVEntry]] */
struct zto_voucher {
    uint16_t protver;
    struct zto_bytes header_raw;  /* OVHeader bytes (bstr content) */
    struct zto_ov_header hdr;
    struct zto_hash hmac;
    struct zto_bytes hmac_raw;    /* raw CBOR of the HMac item */
    bool has_chain;
    size_t ncerts;
    struct zto_bytes cert[ZTO_MAX_CERT_CHAIN_LEN]; /* DER, leaf first */
    struct zto_bytes chain_raw;   /* raw CBOR of OVDevCertChain */
    size_t nentries;
    struct zto_bytes entries_raw; /* raw CBOR of the entry array */
    struct zto_bytes raw;         /* the whole voucher */
};

/* Decodes the structure and every entry's shape (not signatures). */
ZTO_MUST_CHECK zto_err_t zto_voucher_decode(const uint8_t *buf, size_t len,
                                            struct zto_voucher *v);
/* Raw tagged bytes of entry i. */
ZTO_MUST_CHECK zto_err_t zto_voucher_entry(const struct zto_voucher *v,
                                           size_t i, struct zto_bytes *entry);

/*
 * Incremental chain walk (section 6.4), usable one entry at a time as the
 * device receives them in TO2.OVNextEntry. The walk copies what it needs,
 * so the buffers of earlier entries may be reused.
 */
struct zto_ov_walk {
    size_t next;                   /* index of the next entry */
    int32_t hash_type;             /* entry hash type, fixed by entry 0 */
    struct zto_hash_buf prev256, prev384; /* expected HashPrevEntry */
    struct zto_hash_buf info256, info384; /* expected HashHdrInfo */
    uint8_t key[ZTO_MAX_PUBKEY_SIZE]; /* raw PublicKey of current owner */
    size_t key_len;
};

ZTO_MUST_CHECK zto_err_t zto_ov_walk_start(struct zto_ov_walk *w,
                                           struct zto_bytes header_raw,
                                           struct zto_bytes hmac_raw);
/* Verify entry `next` (signature with the current key, both hashes) and
 * make its key current. ZTO_E_VOUCHER / ZTO_E_SIGNATURE / ZTO_E_HASH. */
ZTO_MUST_CHECK zto_err_t zto_ov_walk_next(struct zto_ov_walk *w,
                                          struct zto_bytes entry_raw);
/* Current owner key (views w->key). */
ZTO_MUST_CHECK zto_err_t zto_ov_walk_key(const struct zto_ov_walk *w,
                                         struct zto_pubkey *pk);

struct zto_voucher_verify_opts {
    /* Device HMAC secret: when set the header HMAC is checked. */
    const uint8_t *hmac_secret;
    size_t hmac_secret_len;
    /* Require at least one entry (TO0 / owner import). */
    bool require_entries;
    /* Trusted roots for the device certificate chain (DER). With none,
     * the chain must verify up to its own last certificate. */
    const struct zto_bytes *roots;
    size_t nroots;
    bool skip_chain_validation;
};

/*
 * Full verification: header fields, cert-chain hash over the concatenated
 * DER certificates, device chain signatures, every entry's signature and
 * hash links, key uniformity (every entry key has the header key's type,
 * size and encoding), and the HMAC if a secret is given. On success
 * `owner` (may be NULL) views the final owner PublicKey inside v.
 */
ZTO_MUST_CHECK zto_err_t zto_voucher_verify(
    const struct zto_voucher *v, const struct zto_voucher_verify_opts *o,
    struct zto_pubkey *owner);

/* Current owner key: last entry's key, or the header key with no entries. */
ZTO_MUST_CHECK zto_err_t zto_voucher_owner_key(const struct zto_voucher *v,
                                               struct zto_pubkey *owner);

/*
 * Extend (section 6.3): append an entry signed by the current owner naming
 * `next`. The signer's public key (signer->pub, required) must be the
 * current owner key; `next` must have the header key's type, size and
 * encoding. `extra` is raw CBOR of OVEExtra (a bstr) or ZTO_BYTES_NULL for
 * null. Writes the new voucher into out; the input is left untouched.
 */
ZTO_MUST_CHECK zto_err_t zto_voucher_extend(const struct zto_voucher *v,
                                            const struct zto_signer *signer,
                                            const struct zto_pubkey *next,
                                            struct zto_bytes extra,
                                            uint8_t *out, size_t cap,
                                            size_t *out_len);

/* Build a fresh zero-entry voucher (DI, and the replacement after TO2). */
ZTO_MUST_CHECK zto_err_t zto_voucher_build(struct zto_bytes header_raw,
                                           const struct zto_hash *hmac,
                                           const struct zto_bytes *certs,
                                           size_t ncerts, uint8_t *out,
                                           size_t cap, size_t *out_len);

/*
 * The replacement header OVHeader' of TO2 (section 9.3):
 *   [OVHProtVer, Guid', RendezvousInfo', OVDeviceInfo, Owner2Key,
 *    OVDevCertChainHash]
 * Device and owner both build it from bytes as received, so that the
 * device's ReplacementHMac matches the header the owner stores: the kept
 * fields are copied from the current OVHeader, the new ones from the
 * TO2.SetupDevice payload ([RendezvousInfo, Guid, NonceTO2SetupDv,
 * Owner2Key]). zto_ov_header_kept() decodes a header fully and returns
 * the raw spans of the kept fields (views into header_raw; a device may
 * copy them and build the views again later); zto_ov_header_replace()
 * decodes the payload fully and writes OVHeader'.
 */
struct zto_ov_header_kept {
    struct zto_bytes protver;     /* raw CBOR of OVHProtVer */
    struct zto_bytes device_info; /* raw CBOR of OVDeviceInfo */
    struct zto_bytes cert_hash;   /* raw CBOR of OVDevCertChainHash */
};

ZTO_MUST_CHECK zto_err_t zto_ov_header_kept(struct zto_bytes header_raw,
                                            struct zto_ov_header_kept *k);
ZTO_MUST_CHECK zto_err_t zto_ov_header_replace(
    const struct zto_ov_header_kept *k, struct zto_bytes setup_payload,
    uint8_t *out, size_t cap, size_t *out_len);

/* Hash type entries should use for a voucher: SHA-384 when the header key
 * is P-384 or RSA-3072 class, else SHA-256. */
int32_t zto_voucher_hash_type(const struct zto_voucher *v);

/* PEM text form (section 6.6). decode accepts PEM (first voucher block at
 * or after *pos, which advances) or raw CBOR (pos NULL or text starting
 * with the CBOR array head). */
ZTO_MUST_CHECK zto_err_t zto_voucher_pem_encode(const uint8_t *cbor,
                                                size_t len, char *out,
                                                size_t cap, size_t *out_len);
ZTO_MUST_CHECK zto_err_t zto_voucher_pem_decode(const char *text,
                                                size_t text_len, size_t *pos,
                                                uint8_t *out, size_t cap,
                                                size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_VOUCHER_H */
