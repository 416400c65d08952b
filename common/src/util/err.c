/* err.c - error names and the error -> ErrorMessage code table. */
#include "zto/zto_err.h"
#include "zto/zto_types.h"

struct err_row {
    zto_err_t e;
    unsigned wire;
    const char *text;
};

/* One table: the text for logs and CLIs and the code sent to peers
 * (FDO 1.1 section 4.5). Codec failures are MESSAGE_BODY_ERROR, failed
 * validation is INVALID_MESSAGE_ERROR, anything local is INTERNAL. */
static const struct err_row rows[] = {
    {ZTO_OK, 0, "success"},
    {ZTO_DONE, 0, "done"},
    {ZTO_E_WANT_INPUT, 500, "waiting for peer input"},
    {ZTO_E_WANT_READ, 500, "transport would block (read)"},
    {ZTO_E_WANT_WRITE, 500, "transport would block (write)"},
    {ZTO_E_CBOR, 100, "malformed CBOR"},
    {ZTO_E_TRUNCATED, 100, "input truncated"},
    {ZTO_E_TYPE, 100, "unexpected CBOR type"},
    {ZTO_E_MISSING, 100, "required field missing"},
    {ZTO_E_TRAILING, 100, "trailing bytes after message"},
    {ZTO_E_TOO_BIG, 100, "item larger than allowed"},
    {ZTO_E_RANGE, 100, "value out of range"},
    {ZTO_E_INDEFINITE, 100, "indefinite-length CBOR not accepted"},
    {ZTO_E_DEPTH, 100, "CBOR nested too deeply"},
    {ZTO_E_UNKNOWN_KEY, 100, "unexpected map key"},
    {ZTO_E_UNSUPPORTED, 101, "unsupported algorithm or value"},
    {ZTO_E_BUF_TOO_SMALL, 500, "output buffer too small"},
    {ZTO_E_PEM, 100, "malformed PEM or base64"},
    {ZTO_E_CRYPTO, 500, "crypto back end failure"},
    {ZTO_E_SIGNATURE, 101, "signature does not verify"},
    {ZTO_E_MAC, 101, "MAC or HMAC mismatch"},
    {ZTO_E_HASH, 101, "hash mismatch"},
    {ZTO_E_KEY, 101, "unusable key"},
    {ZTO_E_KEY_MISMATCH, 101, "key does not match"},
    {ZTO_E_RNG, 500, "random generator failure"},
    {ZTO_E_CERT, 101, "certificate invalid"},
    {ZTO_E_CONNECT, 500, "cannot connect to peer"},
    {ZTO_E_TIMEOUT, 500, "peer timed out"},
    {ZTO_E_TRANSPORT, 500, "transport failure"},
    {ZTO_E_PEER_ERROR, 500, "peer sent an error message"},
    {ZTO_E_URL, 500, "unusable address or URL"},
    {ZTO_E_HTTP, 500, "unexpected transport status"},
    {ZTO_E_IO, 500, "I/O error"},
    {ZTO_E_NOT_FOUND, 6, "not found"},
    {ZTO_E_EXISTS, 500, "already exists"},
    {ZTO_E_DB, 500, "database error"},
    {ZTO_E_CORRUPT, 500, "stored data corrupt"},
    {ZTO_E_PERM, 500, "unsafe or denied permissions"},
    {ZTO_E_PROTO, 101, "invalid message"},
    {ZTO_E_STATE, 100, "message out of order"},
    {ZTO_E_NONCE, 101, "nonce mismatch"},
    {ZTO_E_TOKEN, 1, "invalid or expired session token"},
    {ZTO_E_VOUCHER, 2, "ownership voucher invalid"},
    {ZTO_E_OWNER_SIGN, 3, "owner signature invalid"},
    {ZTO_E_IPADDR, 4, "invalid IP address"},
    {ZTO_E_GUID, 5, "invalid GUID"},
    {ZTO_E_NO_RESOURCE, 6, "no registration or voucher for GUID"},
    {ZTO_E_CRED_REUSE, 102, "credential reuse refused"},
    {ZTO_E_POLICY, 101, "refused by trust policy"},
    {ZTO_E_LIMIT, 101, "protocol limit exceeded"},
    {ZTO_E_SVI, 101, "ServiceInfo module failure"},
    {ZTO_E_INTERNAL, 500, "internal error"},
    {ZTO_E_NOMEM, 500, "out of memory"},
    {ZTO_E_ARG, 500, "invalid argument"},
    {ZTO_E_CONFIG, 500, "invalid configuration"},
    {ZTO_E_NOT_SUPPORTED, 500, "not supported by this build"},
};

static const struct err_row *
find(zto_err_t e)
{
    size_t i;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (rows[i].e == e)
            return &rows[i];
    return NULL;
}

const char *
zto_strerror(zto_err_t e)
{
    const struct err_row *r = find(e);

    return r != NULL ? r->text : "unknown error";
}

unsigned
zto_err_wire_code(zto_err_t e)
{
    const struct err_row *r = find(e);

    return r != NULL && r->wire != 0 ? r->wire
                                     : ZTO_WIRE_INTERNAL_SERVER_ERROR;
}

const char *
zto_wire_code_name(unsigned code)
{
    switch (code) {
    case 1: return "INVALID_JWT_TOKEN";
    case 2: return "INVALID_OWNERSHIP_VOUCHER";
    case 3: return "INVALID_OWNER_SIGN_BODY";
    case 4: return "INVALID_IP_ADDRESS";
    case 5: return "INVALID_GUID";
    case 6: return "RESOURCE_NOT_FOUND";
    case 100: return "MESSAGE_BODY_ERROR";
    case 101: return "INVALID_MESSAGE_ERROR";
    case 102: return "CRED_REUSE_ERROR";
    case 500: return "INTERNAL_SERVER_ERROR";
    default: return "UNKNOWN_ERROR";
    }
}
