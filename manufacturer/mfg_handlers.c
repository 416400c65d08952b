/*
 * mfg_handlers.c - DI on the manufacturer side (FDO 1.1 section 4.1).
 *
 *   10 DI.AppStart [DeviceMfgInfo]  -> 11 DI.SetCredentials [OVHeader]
 *   12 DI.SetHMAC [HMac]            -> 13 DI.Done []
 *   255 ErrorMessage                -> session dropped, no answer
 *
 * On 10 the device's CSR is checked and its certificate issued by the
 * device-CA; the OVHeader gets a fresh random GUID, the configured
 * RendezvousInfo, the DeviceInfo, the manufacturer key (X509 encoding)
 * and the hash of the device chain. Everything 12 needs is kept in the
 * sessions table under a random token, so any process sharing the
 * database can take 12. On 12 the voucher is assembled and stored in the
 * same transaction that deletes the session; 13 is returned only after
 * the commit, so a device never holds a credential whose voucher was
 * not stored.
 *
 * A rejected request changes nothing in the database: the session, if
 * any, stays until it expires, and the answer is an ErrorMessage with
 * the code of zto_err_wire_code() (100 body, 101 validation, 1 token,
 * 500 internal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfg_int.h"
#include "zto/zto_crashpoint.h"

/* Sessions of this protocol are stored with protocol = 10. */
#define MFG_SESSION_PROTO ZTO_MSG_DI_APP_START
#define MFG_SESSION_FORMAT 1
/* Largest session record (header + device chain + strings). */
#define MFG_SESSION_MAX (ZTO_MAX_MSG_SIZE)

/* What 12 needs from 10. Views into the session record. */
struct di_session {
    int32_t hmac_type;
    struct zto_bytes serial, device_info;
    struct zto_guid guid;
    struct zto_bytes header;
    size_t ncerts;
    struct zto_bytes cert[ZTO_MAX_CERT_CHAIN_LEN];
};

static zto_err_t
session_encode(const struct di_session *s, uint8_t *buf, size_t cap,
               size_t *out_len)
{
    struct zto_cbor_enc e;
    size_t i;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 7);
    zto_cbor_put_uint(&e, MFG_SESSION_FORMAT);
    zto_cbor_put_int(&e, s->hmac_type);
    zto_cbor_put_tstr(&e, (const char *)s->serial.p, s->serial.len);
    zto_cbor_put_tstr(&e, (const char *)s->device_info.p, s->device_info.len);
    zto_guid_enc(&e, &s->guid);
    zto_cbor_put_bytes(&e, s->header);
    zto_cbor_put_array(&e, s->ncerts);
    for (i = 0; i < s->ncerts; i++)
        zto_cbor_put_bytes(&e, s->cert[i]);
    return zto_cbor_enc_finish(&e, out_len);
}

static zto_err_t
session_decode(const uint8_t *buf, size_t len, struct di_session *s)
{
    struct zto_cbor_dec d;
    uint64_t format;
    size_t i, n;
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 7)) != ZTO_OK ||
        (r = zto_cbor_get_uint(&d, &format)) != ZTO_OK ||
        (r = zto_cbor_get_i32(&d, &s->hmac_type)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(&d, &s->serial)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(&d, &s->device_info)) != ZTO_OK ||
        (r = zto_guid_dec(&d, &s->guid)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(&d, &s->header)) != ZTO_OK ||
        (r = zto_cbor_get_array(&d, &n)) != ZTO_OK)
        return r;
    if (format != MFG_SESSION_FORMAT || n == 0 || n > ZTO_MAX_CERT_CHAIN_LEN)
        return ZTO_E_CORRUPT;
    for (i = 0; i < n; i++)
        if ((r = zto_cbor_get_bstr(&d, &s->cert[i])) != ZTO_OK)
            return r;
    s->ncerts = n;
    return zto_cbor_dec_finish(&d);
}

static bool
printable(struct zto_bytes b)
{
    size_t i;

    for (i = 0; i < b.len; i++)
        if (b.p[i] < 0x20 || b.p[i] > 0x7e)
            return false;
    return true;
}

static void
token_new(char *tok)
{
    uint8_t rnd[MFG_TOKEN_LEN / 2];

    if (zto_random(rnd, sizeof(rnd)) != ZTO_OK ||
        zto_hex_encode(rnd, sizeof(rnd), tok, MFG_TOKEN_LEN + 1) != ZTO_OK)
        tok[0] = '\0';
}

/* SHA-384 only when both the device and the manufacturer key are of
 * that strength; otherwise SHA-256 (the weaker of the two, as go-fdo). */
static int32_t
chain_hash_type(const struct mfg *m, int32_t dev_type)
{
    return dev_type == ZTO_PK_SECP384R1 &&
                   zto_key_hash_type(&m->key) == ZTO_HASH_SHA384
               ? ZTO_HASH_SHA384
               : ZTO_HASH_SHA256;
}

static zto_err_t
chain_hash(int32_t type, const struct zto_bytes *cert, size_t n,
           struct zto_hash_buf *out)
{
    struct zto_digest d;
    size_t i;
    zto_err_t r;

    if ((r = zto_digest_start(&d, type)) != ZTO_OK)
        return r;
    for (i = 0; i < n; i++)
        if ((r = zto_digest_update(&d, cert[i].p, cert[i].len)) != ZTO_OK) {
            zto_digest_abort(&d);
            return r;
        }
    return zto_digest_finish(&d, out);
}

/* Scratch for one request. */
struct di_work {
    uint8_t cert[MFG_MAX_CERT];
    uint8_t header[MFG_MAX_RVINFO + ZTO_MAX_PUBKEY_SIZE + 512];
    uint8_t session[MFG_SESSION_MAX];
    uint8_t voucher[ZTO_MAX_MSG_SIZE];
};

/* 10 DI.AppStart -> 11 DI.SetCredentials */
static zto_err_t
app_start(struct mfg *m, struct di_work *w, const uint8_t *in, size_t in_len,
          const char *token, uint8_t *out, size_t cap, size_t *out_len,
          char *tok, struct zto_guid *guid, const char **why)
{
    struct zto_msg_di_app_start msg;
    struct zto_msg_di_set_credentials reply;
    struct zto_mfg_info mi;
    struct zto_key dev;
    struct zto_ov_header hdr;
    struct zto_hash_buf ch;
    struct di_session s;
    int64_t now = mfg_now(m);
    char guid_hex[2 * ZTO_GUID_LEN + 1], cn[65];
    size_t cert_len = 0, hdr_len = 0, sess_len = 0, n = 0, cn_len, i;
    int proto;
    zto_err_t r;

    zto_key_init(&dev);
    if (token != NULL &&
        zto_db_session_get(m->db, token, now, &proto, w->session,
                           sizeof(w->session), &n) != ZTO_E_NOT_FOUND) {
        /* A token of a live session: the device is mid-DI. An unknown
         * one is a leftover of an earlier run and does no harm. */
        *why = "DI.AppStart inside a running session";
        return ZTO_E_STATE;
    }
    if ((r = zto_msg_di_app_start_decode(in, in_len, &msg)) != ZTO_OK ||
        (r = zto_mfg_info_decode(msg.mfg_info.p, msg.mfg_info.len, &mi)) !=
            ZTO_OK) {
        *why = "DI.AppStart does not decode";
        return r;
    }
    if (mi.key_type != ZTO_PK_SECP256R1 && mi.key_type != ZTO_PK_SECP384R1) {
        *why = "device key type not supported (P-256 and P-384 are)";
        return ZTO_E_UNSUPPORTED;
    }
    if (mi.serial.len > ZTO_DB_MFG_TEXT_MAX ||
        mi.device_info.len > MFG_MAX_DEVINFO || mi.csr.len > MFG_MAX_CSR) {
        *why = "serial number, model or CSR too long";
        return ZTO_E_TOO_BIG;
    }
    if (!printable(mi.serial) || !printable(mi.device_info)) {
        *why = "serial number or model not printable ASCII";
        return ZTO_E_PROTO;
    }
    if ((r = zto_csr_verify(mi.csr.p, mi.csr.len, &dev)) != ZTO_OK) {
        *why = "CSR invalid";
        return r;
    }
    if (dev.pk_type != mi.key_type) {
        *why = "CSR key does not match the announced key type";
        r = ZTO_E_KEY_MISMATCH;
        goto out;
    }

    memset(&s, 0, sizeof(s));
    if ((r = zto_random(s.guid.b, ZTO_GUID_LEN)) != ZTO_OK)
        goto out;
    if (zto_hex_encode(s.guid.b, ZTO_GUID_LEN, guid_hex, sizeof(guid_hex)) !=
        ZTO_OK)
        goto out;
    /* The certificate is named after the serial number when there is a
     * usable one, else after the GUID. */
    if (mi.serial.len > 0 && mi.serial.len < sizeof(cn)) {
        memcpy(cn, mi.serial.p, mi.serial.len);
        cn_len = mi.serial.len;
    } else {
        memcpy(cn, guid_hex, sizeof(guid_hex));
        cn_len = strlen(guid_hex);
    }
    if ((r = mfg_cert_issue(&m->ca, &dev, cn, cn_len, now, m->cert_days,
                            w->cert, sizeof(w->cert), &cert_len)) != ZTO_OK) {
        *why = "issuing the device certificate failed";
        goto out;
    }
    s.cert[0] = ZTO_BYTES(w->cert, cert_len);
    for (i = 0; i < m->ca.n; i++)
        s.cert[i + 1] = ZTO_BYTES(m->ca.der[i], m->ca.len[i]);
    s.ncerts = m->ca.n + 1;

    memset(&hdr, 0, sizeof(hdr));
    hdr.protver = ZTO_PROTVER;
    hdr.guid = s.guid;
    hdr.rvinfo.raw = ZTO_BYTES(m->rvinfo, m->rvinfo_len);
    hdr.device_info = mi.device_info.len > 0
                          ? mi.device_info
                          : ZTO_BYTES(m->device_info, strlen(m->device_info));
    if ((r = zto_pubkey_decode(m->pubkey, m->pubkey_len, &hdr.mfg_key)) !=
            ZTO_OK ||
        (r = chain_hash(chain_hash_type(m, mi.key_type), s.cert, s.ncerts,
                        &ch)) != ZTO_OK)
        goto out;
    hdr.has_cert_hash = true;
    hdr.cert_hash.type = ch.type;
    hdr.cert_hash.value = ZTO_BYTES(ch.value, ch.len);
    if ((r = zto_ov_header_encode(&hdr, w->header, sizeof(w->header),
                                  &hdr_len)) != ZTO_OK)
        goto out;

    s.hmac_type =
        mi.key_type == ZTO_PK_SECP384R1 ? ZTO_HMAC_SHA384 : ZTO_HMAC_SHA256;
    s.serial = mi.serial;
    s.device_info = hdr.device_info;
    s.header = ZTO_BYTES(w->header, hdr_len);
    if ((r = session_encode(&s, w->session, sizeof(w->session), &sess_len)) !=
        ZTO_OK)
        goto out;
    reply.ovheader = s.header;
    if ((r = zto_msg_di_set_credentials_encode(&reply, out, cap, &n)) != ZTO_OK)
        goto out;

    token_new(tok);
    if (tok[0] == '\0') {
        r = ZTO_E_RNG;
        goto out;
    }
    /* Expired sessions go in the same transaction (session rows only:
     * not fsync'ed, zto_db.h). */
    if ((r = zto_db_begin_sessions(m->db)) != ZTO_OK)
        goto out;
    if ((r = zto_db_session_purge(m->db, now, NULL)) != ZTO_OK ||
        (r = zto_db_session_put(m->db, tok, MFG_SESSION_PROTO, w->session,
                                sess_len, now + m->session_ttl)) != ZTO_OK ||
        (r = zto_db_commit(m->db)) != ZTO_OK) {
        zto_db_rollback(m->db);
        *why = "storing the session failed";
        goto out;
    }
    *guid = s.guid;
    *out_len = n;
    mfg_logf(m, MFG_LOG_INFO,
             "DI GUID %s: 10 AppStart (serial \"%.*s\", %s device key) -> "
             "11 SetCredentials",
             guid_hex, (int)mi.serial.len, (const char *)mi.serial.p,
             mi.key_type == ZTO_PK_SECP384R1 ? "P-384" : "P-256");
    r = ZTO_OK;
out:
    if (r != ZTO_OK)
        tok[0] = '\0';
    zto_key_free(&dev);
    return r;
}

/* 12 DI.SetHMAC -> 13 DI.Done */
static zto_err_t
set_hmac(struct mfg *m, struct di_work *w, const uint8_t *in, size_t in_len,
         const char *token, uint8_t *out, size_t cap, size_t *out_len,
         struct zto_guid *guid, const char **why)
{
    struct zto_msg_di_set_hmac msg;
    struct di_session s;
    struct zto_voucher v;
    int64_t now = mfg_now(m);
    size_t sess_len = 0, ov_len = 0, n = 0;
    int proto = 0;
    zto_err_t r;

    if (token == NULL) {
        *why = "DI.SetHMAC without a session token";
        return ZTO_E_TOKEN;
    }
    if ((r = zto_msg_di_set_hmac_decode(in, in_len, &msg)) != ZTO_OK) {
        *why = "DI.SetHMAC does not decode";
        return r;
    }
    if ((r = zto_msg_empty_encode(out, cap, &n)) != ZTO_OK)
        return r;
    /* Read, check, store and drop inside one transaction: a second
     * process racing on the same session finds it gone. */
    if ((r = zto_db_begin(m->db)) != ZTO_OK)
        return r;
    r = zto_db_session_get(m->db, token, now, &proto, w->session,
                           sizeof(w->session), &sess_len);
    if (r == ZTO_E_NOT_FOUND || (r == ZTO_OK && proto != MFG_SESSION_PROTO)) {
        *why = "unknown or expired session token";
        r = ZTO_E_TOKEN;
        goto fail;
    }
    if (r != ZTO_OK)
        goto fail;
    if (session_decode(w->session, sess_len, &s) != ZTO_OK) {
        *why = "stored session does not decode";
        r = ZTO_E_CORRUPT;
        goto fail;
    }
    *guid = s.guid;
    if (msg.hmac.type != s.hmac_type) {
        *why = "HMAC type does not match the device key";
        r = ZTO_E_PROTO;
        goto fail;
    }
    if ((r = zto_voucher_build(s.header, &msg.hmac, s.cert, s.ncerts,
                               w->voucher, sizeof(w->voucher), &ov_len)) !=
            ZTO_OK ||
        (r = zto_voucher_decode(w->voucher, ov_len, &v)) != ZTO_OK) {
        *why = "assembling the voucher failed";
        goto fail;
    }
    if ((r = zto_db_mfg_voucher_put(m->db, &s.guid, (const char *)s.serial.p,
                                    s.serial.len, (const char *)s.device_info.p,
                                    s.device_info.len, w->voucher, ov_len,
                                    now)) != ZTO_OK ||
        (r = zto_db_session_del(m->db, token)) != ZTO_OK) {
        *why = "storing the voucher failed";
        goto fail;
    }
    ZTO_CRASHPOINT("mfg.di.before_commit");
    if ((r = zto_db_commit(m->db)) != ZTO_OK) {
        *why = "committing the voucher failed";
        return r; /* commit rolled back */
    }
    ZTO_CRASHPOINT("mfg.di.committed");
    *out_len = n;
    return ZTO_OK;
fail:
    zto_db_rollback(m->db);
    return r;
}

/* 255 from the device: its DI failed; the session is over. */
static void
peer_error(struct mfg *m, struct di_work *w, const uint8_t *in, size_t in_len,
           const char *token)
{
    struct zto_error_msg e;
    size_t len = 0;
    int proto = 0;

    if (zto_error_msg_decode(in, in_len, &e) == ZTO_OK)
        mfg_logf(m, MFG_LOG_WARN, "DI: device reported error %u (%s): %.*s",
                 (unsigned)e.code, zto_wire_code_name(e.code),
                 (int)(e.text.len > 128 ? 128 : e.text.len),
                 (const char *)e.text.p);
    else
        mfg_logf(m, MFG_LOG_WARN,
                 "DI: device sent an undecodable "
                 "ErrorMessage");
    if (token != NULL &&
        zto_db_session_get(m->db, token, mfg_now(m), &proto, w->session,
                           sizeof(w->session), &len) == ZTO_OK &&
        proto == MFG_SESSION_PROTO &&
        zto_db_session_del(m->db, token) != ZTO_OK)
        mfg_logf(m, MFG_LOG_ERR, "DI: dropping a failed session: %s",
                 zto_strerror(ZTO_E_DB));
}

static void
guid_text(const struct zto_guid *g, char *out)
{
    if (zto_hex_encode(g->b, ZTO_GUID_LEN, out, 2 * ZTO_GUID_LEN + 1) != ZTO_OK)
        memcpy(out, "-", 2);
}

static void
error_msg(const struct mfg *m, zto_err_t e, uint8_t prev, const char *text,
          uint8_t *out, size_t cap, size_t *out_len, uint32_t *cid)
{
    struct zto_error_msg em;
    size_t n = 0;

    memset(&em, 0, sizeof(em));
    em.code = (uint16_t)zto_err_wire_code(e);
    em.prev_msg = prev;
    em.text = ZTO_BYTES(text, strlen(text) > 128 ? 128 : strlen(text));
    em.has_ts = true;
    em.ts = (uint64_t)mfg_now(m);
    em.has_cid = zto_random((uint8_t *)cid, sizeof(*cid)) == ZTO_OK;
    em.cid = *cid;
    if (zto_error_msg_encode(&em, out, cap, &n) == ZTO_OK)
        *out_len = n;
}

zto_err_t
mfg_handle(struct mfg *m, uint8_t type, const uint8_t *in, size_t in_len,
           const char *token, uint8_t *out, size_t cap, size_t *out_len,
           uint8_t *out_type, char *out_token, size_t token_cap)
{
    struct di_work *w = NULL;
    struct zto_guid guid, zero;
    char tok[MFG_TOKEN_LEN + 1] = "", gh[2 * ZTO_GUID_LEN + 1] = "-";
    const char *why = NULL;
    uint32_t cid = 0;
    zto_err_t r;

    *out_len = 0;
    *out_type = 0;
    if (token_cap > 0)
        out_token[0] = '\0';
    memset(&guid, 0, sizeof(guid));
    memset(&zero, 0, sizeof(zero));
    if (token != NULL && token[0] == '\0')
        token = NULL;
    if (token_cap <= MFG_TOKEN_LEN) {
        r = ZTO_E_ARG;
        goto fail;
    }
    if (in == NULL || in_len > ZTO_MAX_MSG_SIZE) {
        why = "message too large";
        r = ZTO_E_TOO_BIG;
        goto fail;
    }
    if ((w = malloc(sizeof(*w))) == NULL) {
        r = ZTO_E_NOMEM;
        goto fail;
    }
    switch (type) {
    case ZTO_MSG_DI_APP_START:
        r = app_start(m, w, in, in_len, token, out, cap, out_len, tok, &guid,
                      &why);
        if (r == ZTO_OK) {
            *out_type = ZTO_MSG_DI_SET_CREDENTIALS;
            memcpy(out_token, tok, sizeof(tok));
        }
        break;
    case ZTO_MSG_DI_SET_HMAC:
        r = set_hmac(m, w, in, in_len, token, out, cap, out_len, &guid, &why);
        if (r == ZTO_OK) {
            *out_type = ZTO_MSG_DI_DONE;
            guid_text(&guid, gh);
            mfg_logf(m, MFG_LOG_INFO,
                     "DI GUID %s: 12 SetHMAC -> 13 Done: voucher stored", gh);
        }
        break;
    case ZTO_MSG_ERROR:
        peer_error(m, w, in, in_len, token);
        free(w);
        return ZTO_E_PEER_ERROR;
    default:
        why = "not a DI request";
        r = ZTO_E_STATE;
        break;
    }
    free(w);
    if (r == ZTO_OK)
        return r;
fail:
    *out_len = 0;
    error_msg(m, r, type, why != NULL ? why : zto_strerror(r), out, cap,
              out_len, &cid);
    *out_type = ZTO_MSG_ERROR;
    if (token_cap > 0)
        out_token[0] = '\0';
    if (!zto_ct_equal(guid.b, zero.b, ZTO_GUID_LEN))
        guid_text(&guid, gh);
    /* The runtime logs the refusal with the peer at WARN; this adds the
     * GUID, the local reason and the correlation id. */
    mfg_logf(m, MFG_LOG_INFO,
             "DI GUID %s: %u rejected with %u: %s: %s (cid %u)", gh,
             (unsigned)type, zto_err_wire_code(r), why != NULL ? why : "-",
             zto_strerror(r), (unsigned)cid);
    return r;
}
