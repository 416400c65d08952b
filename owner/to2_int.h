/*
 * to2_int.h - the owner's TO2 session (FDO 1.1 section 4.4), private to
 * owner/.
 *
 * Everything the owner must remember between two TO2 messages is in
 * struct to2_session, which is serialised to CBOR (to2_session.c) and
 * stored in the database's sessions table under the session token after
 * every message: a restarted process or another replica sharing the
 * database continues the session. The blob holds secrets: the owner's
 * ephemeral key-exchange secret (until TO2.ProveDevice) and then the
 * tunnel keys. It lives only as long as the session (deleted at
 * TO2.Done2, on any error, and purged when idle past session_ttl), and
 * in memory it is zeroized after each message.
 */
#ifndef ZTO_OWNER_TO2_INT_H
#define ZTO_OWNER_TO2_INT_H

#include "svi_int.h"

/* What the session waits for next. */
enum to2_state {
    TO2_S_ENTRIES = 1, /* 61 sent: 62 (any entry) or 64 */
    TO2_S_SVI_READY,   /* 65 sent: 66 */
    TO2_S_SVI,         /* 67 or 69 sent: 68, or 70 after IsDone */
};

struct to2_session {
    uint8_t state;            /* enum to2_state */
    struct zto_guid guid;     /* the voucher's GUID */
    uint8_t voucher_hash[32]; /* SHA-256 of the voucher proved */
    uint8_t num_entries;
    int kex_suite;                     /* enum zto_kex_suite */
    int32_t cipher;                    /* COSE alg of the tunnel */
    struct zto_kex kex;                /* owner's ephemeral part, until 64 */
    uint16_t dev_max_msg;              /* device's receive limit, 0 = none */
    char key_fp[ZTO_DB_OWNER_KEY_HEX]; /* owner key that signed 61 */
    struct zto_nonce nonce_prove_dv;   /* sent in 61; back in 64, 70 */
    struct zto_nonce nonce_setup_dv;   /* from 64; back in 65, 71 */
    struct zto_tunnel tunnel;          /* from 64 on */
    bool reuse_offered;                /* 65 offered credential reuse */
    bool reuse;                        /* 66 accepted it (null HMAC) */
    struct zto_guid new_guid;
    uint8_t *new_hdr; /* OVHeader' (heap), non-reuse only */
    size_t new_hdr_len;
    bool has_hmac;
    struct zto_hash_buf repl_hmac; /* ReplacementHMac from 66 */
    uint16_t owner_svi_max;        /* limit of each 69 plaintext */
    struct svi_state svi;
};

void to2_session_init(struct to2_session *s);
/* Zeroizes the secrets and frees the heap parts. */
void to2_session_free(struct to2_session *s);
/* The blob written to the sessions table (heap, *out freed by caller
 * after zeroizing). */
ZTO_MUST_CHECK zto_err_t to2_session_encode(const struct to2_session *s,
                                            uint8_t **out, size_t *out_len);
ZTO_MUST_CHECK zto_err_t to2_session_decode(const uint8_t *buf, size_t len,
                                            struct to2_session *s);

/* One request being handled. For 66..70 `in` is the decrypted body and
 * the handlers write the plaintext answer: to2_handlers.c seals it. */
struct to2_req {
    struct owner *o;
    struct to2_session *s;
    const uint8_t *in;
    size_t in_len;
    uint8_t *out;
    size_t cap;
    size_t *out_len;
    uint8_t *out_type;
    char *why; /* failure detail for the log and the voucher row */
    size_t whycap;
    bool finished; /* TO2.Done2 produced: the session ends */
    const char *token;  /* the session's token */
    bool session_gone;  /* its row was deleted with the voucher's change */
};

/* to2_prove.c */
ZTO_MUST_CHECK zto_err_t to2_hello(struct to2_req *q);        /* 60 -> 61 */
ZTO_MUST_CHECK zto_err_t to2_next_entry(struct to2_req *q);   /* 62 -> 63 */
ZTO_MUST_CHECK zto_err_t to2_prove_device(struct to2_req *q); /* 64 -> 65 */
/* to2_svi.c */
ZTO_MUST_CHECK zto_err_t to2_svi_ready(struct to2_req *q); /* 66 -> 67 */
ZTO_MUST_CHECK zto_err_t to2_svi(struct to2_req *q);       /* 68 -> 69 */
ZTO_MUST_CHECK zto_err_t to2_done(struct to2_req *q);      /* 70 -> 71 */

/* The session's voucher from the database, decoded into v (viewing
 * *buf, heap, freed by the caller), checked to be the one the session
 * proved. row may be NULL. */
ZTO_MUST_CHECK zto_err_t to2_voucher(struct to2_req *q, uint8_t **buf,
                                     struct zto_voucher *v,
                                     struct zto_db_ov *row);

#endif
