/*
 * zto_rv.h - the rendezvous role (FDO 1.1 sections 4.2, 4.3): TO0 for
 * owners, TO1 for devices. Used by fdo-rendezvous (main.c), the tests and
 * the fuzz target; not installed.
 *
 * zto_rv_handle() is pure protocol: one request (type, body, session
 * token) in, one response out, with the database as its only state. It
 * knows nothing of HTTP or CoAP; main.c adapts it to the server runtime.
 *
 * What is stored about a device (db/include/zto/zto_db_rv.h): GUID, the
 * to1d blob, the device public key, the expiry and a hash of the
 * registering owner's key. Sessions hold a nonce (and for TO1 the GUID)
 * for at most session_ttl seconds.
 */
#ifndef ZTO_RV_H
#define ZTO_RV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zto/zto.h"
#include "zto/zto_db_rv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Trust policy (rv_policy.c) ------------------------------------- */

/*
 * Which owners may register. Each configured list is a requirement of
 * its own (all must hold):
 *   owner keys         the voucher's last entry key (the key that signs
 *                      to1d) is one of them;
 *   manufacturer keys  the voucher header's OVPubKey is one of them;
 *   device CAs         the device certificate chain verifies up to one of
 *                      these certificates (instead of up to its own
 *                      self-signed last certificate).
 * allow_all accepts any owner whose voucher verifies; it cannot be
 * combined with owner or manufacturer lists. A policy with no list and no
 * allow_all is "not configured": fdo-rendezvous refuses to start with it.
 */
enum zto_rv_trust_list {
    ZTO_RV_TRUST_OWNER = 0,
    ZTO_RV_TRUST_MFG = 1,
    ZTO_RV_TRUST_DEVICE_CA = 2
};

struct zto_rv_policy {
    bool allow_all;
    struct zto_key *owner;
    size_t nowner;
    struct zto_key *mfg;
    size_t nmfg;
    struct zto_bytes *roots; /* DER certificates (heap copies) */
    size_t nroots;
    bool has_list[3]; /* a list was configured (maybe empty) */
};

void zto_rv_policy_init(struct zto_rv_policy *p);
void zto_rv_policy_free(struct zto_rv_policy *p);

/* Add every PEM block of text to a list: public keys or certificates
 * (their key) for owner/manufacturer lists, certificates for device CAs.
 * A private key is refused. `name` is used in error messages. */
ZTO_MUST_CHECK zto_err_t zto_rv_policy_add_pem(struct zto_rv_policy *p,
                                               int list, const char *text,
                                               size_t len, const char *name,
                                               char *err, size_t errcap);
/* Same from a file, or from every *.pem / *.crt file of a directory. */
ZTO_MUST_CHECK zto_err_t zto_rv_policy_add_path(struct zto_rv_policy *p,
                                                int list, const char *path,
                                                char *err, size_t errcap);
/* Entries in a list. */
size_t zto_rv_policy_count(const struct zto_rv_policy *p, int list);
/* allow_all or at least one list configured. */
bool zto_rv_policy_configured(const struct zto_rv_policy *p);
/* ZTO_E_CONFIG (with a message) for contradictory settings. */
ZTO_MUST_CHECK zto_err_t zto_rv_policy_validate(const struct zto_rv_policy *p,
                                                char *err, size_t errcap);

/* Owner and manufacturer lists against a decoded voucher whose final
 * owner key is `owner`. ZTO_E_POLICY with *why set when refused. */
ZTO_MUST_CHECK zto_err_t zto_rv_policy_check(const struct zto_rv_policy *p,
                                             const struct zto_voucher *v,
                                             const struct zto_pubkey *owner,
                                             const char **why);

/* ---- The protocol handler (rv_handlers.c) ---------------------------- */

#define ZTO_RV_TOKEN_MAX 64

/* Log levels of zto_rv_cfg.log (same numbering as the daemons' log). */
enum zto_rv_log_level {
    ZTO_RV_LOG_ERR = 0,
    ZTO_RV_LOG_WARN = 1,
    ZTO_RV_LOG_INFO = 2,
    ZTO_RV_LOG_DEBUG = 3
};

struct zto_rv_cfg {
    struct zto_db *db;
    const struct zto_rv_policy *policy;
    /* Cap on the WaitSeconds granted in TO0.AcceptOwner. */
    uint32_t max_wait;
    /* Seconds a TO0/TO1 session stays valid after its first message. */
    uint32_t session_ttl;
    /* Unix seconds; NULL = the system clock. */
    int64_t (*now)(void *ctx);
    void *now_ctx;
    /* Nonces, session tokens, correlation ids; NULL = zto_random().
     * Only tests and the fuzz target replace it. */
    zto_err_t (*rng)(void *ctx, uint8_t *out, size_t n);
    void *rng_ctx;
    /* One line per failed request and per registration (no newline);
     * level as enum zto_rv_log_level. May be NULL. */
    void (*log)(void *ctx, int level, const char *line);
    void *log_ctx;
};

struct zto_rv_req {
    uint8_t msg_type;
    const uint8_t *body;
    size_t len;
    const char *token; /* NULL if none */
    const char *peer;  /* for logs; may be NULL */
};

struct zto_rv_resp {
    uint8_t msg_type; /* next message, 255, or 0 (nothing: after a 255) */
    uint8_t *body;    /* caller's buffer */
    size_t cap;       /* at least ZTO_MAX_MSG_SIZE for real traffic */
    size_t len;
    char token[ZTO_RV_TOKEN_MAX]; /* new session token, or "" */
    bool end_session;             /* 23, 33 or 255: the session is over */
};

/*
 * Handle one request. Always fills resp: the next message, an
 * ErrorMessage (FDO 1.1 section 4.5) or, for a received ErrorMessage,
 * nothing. Returns ZTO_OK for a normal answer, otherwise the error that
 * was reported to the peer (resp holds the ErrorMessage).
 *
 * Error codes sent (see docs/rendezvous.md for the full list):
 *   1   missing, unknown or expired session token
 *   2   voucher invalid, refused by the trust policy, or the GUID is
 *       registered by another owner the voucher does not descend from
 *   3   to1d not signed by the voucher's final owner key
 *   4   malformed IP address in RVTO2Addr;  5  malformed (all-zero) GUID
 *   6   TO1: no live registration for the GUID
 *   100 undecodable body, or a message out of order for the session
 *   101 nonce, to0d hash or EAT signature/GUID mismatch
 */
zto_err_t zto_rv_handle(const struct zto_rv_cfg *cfg,
                        const struct zto_rv_req *req, struct zto_rv_resp *resp);

/* Delete expired registrations and sessions. Counts may be NULL. */
ZTO_MUST_CHECK zto_err_t zto_rv_purge(const struct zto_rv_cfg *cfg,
                                      int *registrations, int *sessions);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_RV_H */
