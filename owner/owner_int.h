/*
 * owner_int.h - fdo-owner, private to owner/.
 *
 *   owner.c          struct owner: keys, trust roots, policy, clock, logs
 *   owner_keys.c     the owner's private keys (PEM files, several types)
 *   owner_rvconf.c   "dns=..,port=..;..." text -> RendezvousInfo, and
 *                    TO2 addresses -> RVTO2Addr
 *   to2_session.c    TO2 session state <-> CBOR (kept in the database)
 *   to2_handlers.c   TO2 60-71: message in, message out, state in the DB
 *   svi_*.c          the ServiceInfo engine and its modules (svi_int.h;
 *                    svi_csr.h: the fdo.csr issuing CA)
 *   owner_import.c   import / list / export of vouchers
 *   owner_chain.c    device certificate chains, CA certificates decoded
 *                    once
 *   owner_to0.c      the TO0 thread (registers vouchers at rendezvous)
 *   conf.c, main.c   the fdo-owner process
 *
 * The handler does no I/O besides the database (and reading the files a
 * ServiceInfo plan names): the server runtime or a test hands it one
 * message and sends what it returns.
 */
#ifndef ZTO_OWNER_INT_H
#define ZTO_OWNER_INT_H

#include <stdarg.h>

#include "zto/zto.h"
#include "zto/zto_db_owner.h"

/* Private keys the owner may hold (P-256, P-384, RSA 2048/3072, ...). */
#define OWNER_MAX_KEYS 16
/* Trusted device-CA certificates. */
#define OWNER_MAX_ROOTS 32
/* Decoded CA certificates kept for chain checks (owner_chain.c). */
#define OWNER_CA_CACHE 64
/* Session tokens: 16 random bytes in hex. */
#define OWNER_TOKEN_LEN 32
/* RendezvousInfo / RVTO2Addr as configured. */
#define OWNER_MAX_RVINFO 1024
/* Largest voucher handled (a chain of X5CHAIN RSA-3072 keys and 255
 * entries does not fit; real vouchers are a few kB). */
#define OWNER_MAX_VOUCHER 65535
/* A device maxDeviceMessageSize below this is not believed (section
 * 10.1: one implementation sends 17); 0 means "no limit stated". */
#define OWNER_MIN_SANE_MSG 512
/* maxOwnerServiceInfoSz below this is not believed either. */
#define OWNER_MIN_SANE_SVI 128

enum owner_log_level {
    OWNER_LOG_ERR = 0,
    OWNER_LOG_WARN,
    OWNER_LOG_INFO,
    OWNER_LOG_DEBUG
};

struct owner_key {
    char name[256];     /* file it came from, for messages */
    struct zto_key key; /* private */
    struct zto_signer signer;
    char fp[ZTO_DB_OWNER_KEY_HEX]; /* SHA-256 hex of the DER SPKI */
};

struct svi_csr_ca;
struct owner_ca_cache;

struct owner {
    struct zto_db *db;
    struct owner_key keys[OWNER_MAX_KEYS];
    size_t nkeys;
    /* Owner2Key for SetupDevice (has_owner2); otherwise the key that
     * proved the voucher is kept. */
    struct owner_key owner2_store;
    bool has_owner2;
    /* Device certificate chain trust: DER roots (heap); none = the chain
     * must verify up to its own last certificate. */
    uint8_t *root_der[OWNER_MAX_ROOTS];
    size_t root_len[OWNER_MAX_ROOTS];
    uint8_t root_hash[OWNER_MAX_ROOTS][32]; /* SHA-256 of root_der */
    size_t nroots;
    /* Decoded CA certificates (owner_chain.c), or NULL. */
    struct owner_ca_cache *ca_cache;
    /* Replacement RendezvousInfo for SetupDevice; empty = the voucher's. */
    uint8_t rvinfo[OWNER_MAX_RVINFO];
    size_t rvinfo_len;
    bool reuse;               /* offer credential reuse (section 9.4) */
    unsigned session_ttl;     /* seconds of silence a session survives */
    uint16_t device_svi_mtu;  /* sent in 67; 0 = null (1300) */
    uint32_t svi_max_rounds;  /* DeviceServiceInfo messages per TO2 */
    char svi_dir[512];        /* base of relative plan file names */
    char svi_upload_dir[512]; /* fdo.upload files: DIR/GUID/NAME */
    uint64_t svi_upload_max;  /* largest file an upload step takes */
    uint32_t svi_output_max;  /* command output logged per step */
    /* onboarded_hook is set: every TO2's end adds a hook_events row
     * (owner_hook.c runs the program for it). */
    bool onboard_hook;
    int64_t clock; /* tests: fixed Unix time; 0 = now */
    void (*log)(void *ctx, int level, const char *line);
    void *log_ctx;
    /* Whether a level is logged at all (NULL: every level goes to log);
     * lines of other levels are not even formatted. */
    bool (*log_on)(int level);
    /* The fdo.csr issuing CA (svi_csr.h), or NULL. */
    struct svi_csr_ca *csr_ca;
};

void owner_init(struct owner *o);
void owner_free(struct owner *o);
/* SIGHUP: exchange with `from` (set up by owner_conf_apply()) what may
 * change while the server runs: device CA roots, replacement
 * RendezvousInfo, credential reuse, session and ServiceInfo limits,
 * svi_dir. Keys stay (the TO0 thread signs with them); free `from`
 * afterwards. */
void owner_take_settings(struct owner *o, struct owner *from);
int64_t owner_now(const struct owner *o);
void owner_logf(const struct owner *o, int level, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* GUID as 32 hex digits (buf >= 33). */
const char *owner_guid_hex(const struct zto_guid *g, char *buf);

/* ---- owner_keys.c ---- */

/* Load one PEM private key; refuses files readable by group or others
 * (ZTO_E_PERM) and keys of types FDO cannot use. *err: one line. */
ZTO_MUST_CHECK zto_err_t owner_key_load(struct owner_key *k, const char *path,
                                        char *err, size_t errcap);
/* Same from PEM text (tests, no permission check). */
ZTO_MUST_CHECK zto_err_t owner_key_from_pem(struct owner_key *k,
                                            const char *name, const char *pem,
                                            size_t len, char *err,
                                            size_t errcap);
void owner_key_free(struct owner_key *k);
/* SHA-256 hex of a key's DER SPKI. */
ZTO_MUST_CHECK zto_err_t owner_key_fingerprint(const struct zto_key *k,
                                               char fp[ZTO_DB_OWNER_KEY_HEX]);
/* The configured key equal to the wire key pk, or NULL. */
struct owner_key *owner_key_find(struct owner *o, const struct zto_pubkey *pk);
struct owner_key *owner_key_by_fp(struct owner *o, const char *fp);
/* Add a key (takes over k's handle). */
ZTO_MUST_CHECK zto_err_t owner_key_add(struct owner *o, struct owner_key *k);
/* Add a trusted device-CA certificate (DER, copied). */
ZTO_MUST_CHECK zto_err_t owner_root_add(struct owner *o, const uint8_t *der,
                                        size_t len);

/* ---- owner_chain.c ---- */

/* Verify a device certificate chain (leaf first) up to a configured
 * device_ca root, or with none up to its own self-signed last
 * certificate: ZTO_E_CERT if it does not verify. With leaf_key set, the
 * leaf's public key goes there. */
ZTO_MUST_CHECK zto_err_t owner_chain_verify(struct owner *o,
                                            const struct zto_bytes *chain,
                                            size_t n, struct zto_key *leaf_key);
void owner_ca_cache_free(struct owner *o);

/* ---- owner_rvconf.c ---- */

/*
 * RendezvousInfo from text: directives separated by ';', instructions
 * of a directive by ',':
 *   dns=NAME ip=ADDR port=N dev_port=N owner_port=N
 *   protocol=rest|http|https|tcp|tls|coap|coap+tcp delay=SECONDS
 *   bypass dev_only owner_only
 * (the words of the manufacturer's "rv" lines).
 */
ZTO_MUST_CHECK zto_err_t owner_rvinfo_parse(const char *text, uint8_t *out,
                                            size_t cap, size_t *out_len,
                                            char *err, size_t errcap);
/* RVTO2Addr from URLs separated by spaces or commas
 * ("http://owner.example:8042 coap://[::1]:5683"). */
ZTO_MUST_CHECK zto_err_t owner_rvto2addr_parse(const char *text,
                                               struct zto_rvto2addr *out,
                                               char *host_store,
                                               size_t host_cap, char *err,
                                               size_t errcap);

/* ---- to2_handlers.c ---- */

/*
 * One TO2 request. type/in/in_len: the message; token: the session
 * token the client sent (NULL if none). On ZTO_OK, out holds the answer
 * (*out_type 61..71) and out_token the token to return ("" = none).
 * Otherwise out holds an ErrorMessage (*out_type 255; *out_len 0 for a
 * received ErrorMessage, which is never answered), the session is gone
 * and stored vouchers are as they were.
 */
ZTO_MUST_CHECK zto_err_t owner_handle(struct owner *o, uint8_t type,
                                      const uint8_t *in, size_t in_len,
                                      const char *token, uint8_t *out,
                                      size_t cap, size_t *out_len,
                                      uint8_t *out_type, char *out_token,
                                      size_t token_cap);

/* ---- owner_import.c ---- */

struct owner_import_stats {
    unsigned ok, failed, duplicate;
};

/* A whole regular file of at most max bytes into *out (heap, NUL
 * appended, freed by the caller). ZTO_E_IO (errno says why), ZTO_E_NOMEM. */
ZTO_MUST_CHECK zto_err_t owner_file_read(const char *path, size_t max,
                                         uint8_t **out, size_t *len);

/* Import every voucher in the files (PEM with any number of voucher
 * blocks, or raw CBOR) and in every regular file of the directories
 * named. Each voucher is verified fully and must end in one of this
 * owner's keys; a voucher that fails is reported and skipped. The ones
 * that pass are then stored in ONE transaction: a crash stores none of
 * them, a second run stores them all. One line per voucher goes to
 * `report`. Returns ZTO_OK if nothing failed or was already present. */
ZTO_MUST_CHECK zto_err_t owner_import_paths(
    struct owner *o, const char *const *paths, size_t npaths,
    struct owner_import_stats *st, void (*report)(void *ctx, const char *line),
    void *report_ctx);
/* One voucher (raw CBOR). *why gets the reason on failure. */
ZTO_MUST_CHECK zto_err_t owner_import_one(struct owner *o, const uint8_t *cbor,
                                          size_t len, struct zto_guid *guid,
                                          char *why, size_t whycap);

#endif
