/*
 * mfg_int.h - the manufacturer (DI server, FDO 1.1 section 4.1), private
 * to manufacturer/.
 *
 *   mfg_handlers.c  DI 10-13: message in, message out, state in the DB
 *   mfg_cert.c      device certificates from the device's CSR
 *   mfg_rvconf.c    "rv = dns=...,port=..." lines -> RendezvousInfo
 *   mfg_export.c    voucher export as PEM, optionally extended
 *   conf.c, main.c  the fdo-manufacturer process
 *
 * The handler does no I/O besides the database: the server runtime (or a
 * test) hands it a message and sends what it returns.
 */
#ifndef ZTO_MFG_INT_H
#define ZTO_MFG_INT_H

#include <stdarg.h>

#include "zto/zto.h"
#include "zto/zto_db_mfg.h"

/* Session tokens: 16 random bytes in hex. */
#define MFG_TOKEN_LEN 32
/* Largest CSR and device certificate accepted / produced. */
#define MFG_MAX_CSR 4096
#define MFG_MAX_CERT 4096
/* Certificates of the device-CA chain (the device certificate is added
 * in front of them in the voucher). */
#define MFG_MAX_CA_CERTS (ZTO_MAX_CERT_CHAIN_LEN - 1)
/* OVDeviceInfo: printable ASCII, at most this long (the device keeps
 * it in its credential, see ZTO_DEV_MAX_DEVINFO). */
#define MFG_MAX_DEVINFO 128
/* RendezvousInfo as configured. */
#define MFG_MAX_RVINFO 1024

enum mfg_log_level {
    MFG_LOG_ERR = 0,
    MFG_LOG_WARN,
    MFG_LOG_INFO,
    MFG_LOG_DEBUG
};

/* The device-CA: key and chain (DER, CA certificate first). */
struct mfg_ca {
    struct zto_key key;
    size_t n;
    uint8_t *der[MFG_MAX_CA_CERTS]; /* heap */
    size_t len[MFG_MAX_CA_CERTS];
};

struct mfg {
    struct zto_db *db;
    struct zto_key key;                  /* manufacturer key (private) */
    struct zto_signer signer;            /* over key */
    uint8_t pubkey[ZTO_MAX_PUBKEY_SIZE]; /* OVPubKey: CBOR PublicKey, X509 */
    size_t pubkey_len;
    struct mfg_ca ca;
    uint8_t rvinfo[MFG_MAX_RVINFO]; /* CBOR RendezvousInfo */
    size_t rvinfo_len;
    char device_info[MFG_MAX_DEVINFO + 1]; /* when the device sends none */
    unsigned cert_days;                    /* device certificate validity */
    unsigned session_ttl;                  /* seconds between 10 and 12 */
    int64_t clock;                         /* tests: fixed Unix time; 0 = now */
    void (*log)(void *ctx, int level, const char *line);
    void *log_ctx;
};

struct mfg_params {
    struct zto_db *db;
    const char *key_pem; /* manufacturer private key, PEM text */
    size_t key_pem_len;
    const char *ca_key_pem; /* device-CA private key */
    size_t ca_key_pem_len;
    const char *ca_chain_pem; /* device-CA certificate (+ its chain) */
    size_t ca_chain_pem_len;
    const uint8_t *rvinfo; /* CBOR RendezvousInfo (mfg_rv_encode) */
    size_t rvinfo_len;
    const char *device_info; /* NULL: "zto-device" */
    unsigned cert_days;      /* 0: 3650 */
    unsigned session_ttl;    /* 0: 300 */
};

void mfg_init(struct mfg *m);
/* Load keys and chain, check they fit together (CA key matches the first
 * certificate, key types usable), encode OVPubKey. *err gets a one-line
 * reason on failure. */
ZTO_MUST_CHECK zto_err_t mfg_setup(struct mfg *m, const struct mfg_params *p,
                                   char *err, size_t errcap);
void mfg_free(struct mfg *m);
/* SIGHUP: replace m's keys, chain and settings by those of `from` (set up
 * with mfg_setup()), keeping m's log sink and clock; from is left empty.
 * Sessions under way keep what they started with (it is in the
 * database). */
void mfg_take(struct mfg *m, struct mfg *from);

int64_t mfg_now(const struct mfg *m);
void mfg_logf(const struct mfg *m, int level, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * One DI request. type/in/in_len: the message; token: the session token
 * the client sent (NULL if none). On ZTO_OK, out holds the answer
 * (*out_type 11 or 13) and out_token the token to return ("" = none).
 * Any other result: out holds an ErrorMessage (*out_type 255, unless
 * *out_len is 0 for a received ErrorMessage, which is never answered)
 * and the database is as it was before the request.
 */
ZTO_MUST_CHECK zto_err_t mfg_handle(struct mfg *m, uint8_t type,
                                    const uint8_t *in, size_t in_len,
                                    const char *token, uint8_t *out, size_t cap,
                                    size_t *out_len, uint8_t *out_type,
                                    char *out_token, size_t token_cap);

/* ---- mfg_cert.c ---- */

/* Read a PEM chain (CA certificate first) and the CA key; check they
 * match. */
ZTO_MUST_CHECK zto_err_t mfg_ca_load(struct mfg_ca *ca, const char *key_pem,
                                     size_t key_len, const char *chain_pem,
                                     size_t chain_len, char *err,
                                     size_t errcap);
void mfg_ca_free(struct mfg_ca *ca);
/* An X.509 v3 end-entity certificate for dev (public key) with subject
 * CN=cn, valid from an hour before `now` for `days` days, signed by the
 * CA. DER into out. */
ZTO_MUST_CHECK zto_err_t mfg_cert_issue(const struct mfg_ca *ca,
                                        const struct zto_key *dev,
                                        const char *cn, size_t cn_len,
                                        int64_t now, unsigned days,
                                        uint8_t *out, size_t cap,
                                        size_t *out_len);

/* ---- mfg_rvconf.c ---- */

/* One directive from its config text, e.g.
 * "dns=rv.example.com,port=8041,protocol=http" (see
 * deploy/manufacturer.conf.example). Views into text are kept in d. */
ZTO_MUST_CHECK zto_err_t mfg_rv_parse(const char *text,
                                      struct zto_rv_directive *d, char *err,
                                      size_t errcap);
ZTO_MUST_CHECK zto_err_t mfg_rv_encode(const struct zto_rv_directive *d,
                                       size_t n, uint8_t *buf, size_t cap,
                                       size_t *out_len);

/* ---- mfg_export.c ---- */

/* The stored voucher of guid as PEM text (NUL-terminated) into a heap
 * buffer *out. With next_owner_pem (a public key or certificate, PEM),
 * first extend it with the manufacturer key to that owner (entry 0). */
ZTO_MUST_CHECK zto_err_t mfg_export(struct mfg *m, const struct zto_guid *guid,
                                    const char *next_owner_pem,
                                    size_t next_owner_len, char **out,
                                    size_t *out_len, char *err, size_t errcap);

#endif
