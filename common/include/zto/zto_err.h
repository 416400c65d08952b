/*
 * zto_err.h - the one error type of the suite.
 *
 * Every function that can fail returns zto_err_t. ZTO_OK is 0, errors are
 * negative and grouped by where they are decided (codec, crypto, transport,
 * storage, protocol, internal). zto_strerror() names them for logs and CLIs;
 * zto_err_wire_code() maps them to the ErrorMessage (type 255) codes of
 * FDO 1.1 section 4.5 that are sent to peers.
 */
#ifndef ZTO_ERR_H
#define ZTO_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ZTO_MUST_CHECK __attribute__((warn_unused_result))
#else
#define ZTO_MUST_CHECK
#endif

typedef enum zto_err {
    ZTO_OK = 0,
    /* Step functions: the sub-protocol completed. Not an error. */
    ZTO_DONE = 1,

    /* Flow control (not failures): a step function wants the peer's reply,
     * a non-blocking transport would block. */
    ZTO_E_WANT_INPUT = -1,
    ZTO_E_WANT_READ = -2,
    ZTO_E_WANT_WRITE = -3,

    /* Codec: the bytes are not what the CDDL says. */
    ZTO_E_CBOR = -100,          /* malformed CBOR */
    ZTO_E_TRUNCATED = -101,     /* input ends inside an item */
    ZTO_E_TYPE = -102,          /* item of the wrong major type */
    ZTO_E_MISSING = -103,       /* required field or element absent */
    ZTO_E_TRAILING = -104,      /* bytes after the top-level item */
    ZTO_E_TOO_BIG = -105,       /* length/count above a configured limit */
    ZTO_E_RANGE = -106,         /* integer out of range, wrong fixed size */
    ZTO_E_INDEFINITE = -107,    /* indefinite-length item (not accepted) */
    ZTO_E_DEPTH = -108,         /* nesting deeper than ZTO_CBOR_MAX_DEPTH */
    ZTO_E_UNKNOWN_KEY = -109,   /* unexpected map key */
    ZTO_E_UNSUPPORTED = -110,   /* known but unsupported value or algorithm */
    ZTO_E_BUF_TOO_SMALL = -111, /* output buffer too small; nothing usable */
    ZTO_E_PEM = -112,           /* PEM armour or base64 broken */

    /* Crypto. */
    ZTO_E_CRYPTO = -200,        /* back end failed */
    ZTO_E_SIGNATURE = -201,     /* signature does not verify */
    ZTO_E_MAC = -202,           /* HMAC / AEAD tag mismatch */
    ZTO_E_HASH = -203,          /* hash mismatch */
    ZTO_E_KEY = -204,           /* key unusable, wrong type or size */
    ZTO_E_KEY_MISMATCH = -205,  /* two keys that must be equal differ */
    ZTO_E_RNG = -206,           /* random generator failed */
    ZTO_E_CERT = -207,          /* certificate or chain invalid */

    /* Transport. */
    ZTO_E_CONNECT = -300,       /* cannot reach peer */
    ZTO_E_TIMEOUT = -301,       /* peer did not answer in time */
    ZTO_E_TRANSPORT = -302,     /* other transport failure */
    ZTO_E_PEER_ERROR = -303,    /* peer answered with ErrorMessage 255 */
    ZTO_E_URL = -304,           /* address or URL cannot be used */
    ZTO_E_HTTP = -305,          /* unexpected HTTP / CoAP status or header */

    /* Storage. */
    ZTO_E_IO = -400,            /* read/write/fsync/rename failed */
    ZTO_E_NOT_FOUND = -401,     /* no such record or file */
    ZTO_E_EXISTS = -402,        /* record already present */
    ZTO_E_DB = -403,            /* database failure */
    ZTO_E_CORRUPT = -404,       /* stored data does not decode */
    ZTO_E_PERM = -405,          /* permissions unsafe or denied */

    /* Protocol: well-formed input that fails validation. */
    ZTO_E_PROTO = -500,         /* message unexpected or invalid */
    ZTO_E_STATE = -501,         /* message out of order for the session */
    ZTO_E_NONCE = -502,         /* nonce mismatch */
    ZTO_E_TOKEN = -503,         /* session token missing/unknown/expired */
    ZTO_E_VOUCHER = -504,       /* ownership voucher invalid */
    ZTO_E_OWNER_SIGN = -505,    /* to1d signature invalid */
    ZTO_E_IPADDR = -506,        /* malformed IP address */
    ZTO_E_GUID = -507,          /* malformed or unexpected GUID */
    ZTO_E_NO_RESOURCE = -508,   /* no registration / voucher for GUID */
    ZTO_E_CRED_REUSE = -509,    /* credential reuse refused */
    ZTO_E_POLICY = -510,        /* refused by local trust policy */
    ZTO_E_LIMIT = -511,         /* protocol limit hit (rounds, sizes) */
    ZTO_E_SVI = -512,           /* ServiceInfo module failure */

    /* Internal. */
    ZTO_E_INTERNAL = -600,      /* bug or impossible state */
    ZTO_E_NOMEM = -601,         /* allocation failed (servers only) */
    ZTO_E_ARG = -602,           /* invalid argument from the caller */
    ZTO_E_CONFIG = -603,        /* configuration invalid */
    ZTO_E_NOT_SUPPORTED = -604  /* feature not built in */
} zto_err_t;

/* Human-readable name of an error ("signature does not verify"). Never NULL. */
const char *zto_strerror(zto_err_t e);

/* FDO ErrorMessage code (1..6, 100, 101, 102, 500) to send for error e. */
unsigned zto_err_wire_code(zto_err_t e);

/* Text of an FDO ErrorMessage code ("MESSAGE_BODY_ERROR"). Never NULL. */
const char *zto_wire_code_name(unsigned code);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_ERR_H */
