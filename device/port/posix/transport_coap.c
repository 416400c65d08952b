/*
 * transport_coap.c - FDO over CoAP(S) with libcoap 4.3.1, the project's
 * mapping (docs/transport.md):
 *
 *   CON POST coap://host:port/fdo/101/msg/<N>, Content-Format 60,
 *   FDO-Token (65001) replayed verbatim from the newest response;
 *   2.xx: the next message, type from FDO-Msg-Type (65004) or N+1;
 *   other codes: ErrorMessage when the payload is one, else failure.
 *
 * libcoap runs the Block1 / Block2 exchanges; each Block2 block is handed
 * to us and appended here, so a response over 65535 bytes is refused
 * without the library ever allocating what Size2 announces.
 *
 * One CoAP session (one local UDP port, one DTLS session) per FDO
 * sub-protocol: open() starts afresh. The exchange runs coap_io_process()
 * until the response, a NACK, or the overall timeout.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coap3/coap.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "zto/zto_util.h"
#include "zto_posix_port.h"
#include "zto_posix_transport.h"

#define DEF_ACK_TIMEOUT_MS 2000
#define DEF_MAX_RETRANSMIT 4
#define OPT_FDO_TOKEN 65001
#define OPT_FDO_MSG_TYPE 65004

static void detail(struct zto_coap_transport *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
detail(struct zto_coap_transport *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->detail, sizeof(t->detail), fmt, ap);
    va_end(ap);
}

void
zto_coap_transport_init(struct zto_coap_transport *t,
                        const struct zto_coap_opts *opts)
{
    memset(t, 0, sizeof(*t));
    if (opts != NULL)
        t->opts = *opts;
    if (t->opts.ack_timeout_ms == 0)
        t->opts.ack_timeout_ms = DEF_ACK_TIMEOUT_MS;
    /* libcoap 4.3.1 ignores an ACK_TIMEOUT below one second. */
    if (t->opts.ack_timeout_ms < 1000)
        t->opts.ack_timeout_ms = 1000;
    if (t->opts.max_retransmit == 0)
        t->opts.max_retransmit = DEF_MAX_RETRANSMIT;
    if (t->opts.timeout_ms == 0)
        t->opts.timeout_ms = ZTO_COAP_TIMEOUT_MS;
}

const char *
zto_coap_transport_detail(const struct zto_coap_transport *t)
{
    return t->detail;
}

static void
drop_session(struct zto_coap_transport *t)
{
    if (t->session != NULL) {
        coap_session_set_app_data(t->session, NULL);
        coap_session_release(t->session);
        t->session = NULL;
    }
    t->waiting = false;
}

void
zto_coap_transport_free(struct zto_coap_transport *t)
{
    struct zto_coap_opts o;

    if (t == NULL)
        return;
    drop_session(t);
    if (t->ctx != NULL)
        coap_free_context(t->ctx);
    o = t->opts;
    zto_zeroize(t->token, sizeof(t->token));
    memset(t, 0, sizeof(*t));
    t->opts = o;
}

/* ---- callbacks ---- */

static void
finish(struct zto_coap_transport *t, zto_err_t err)
{
    t->waiting = false;
    t->err = err;
    t->have_resp = err == ZTO_OK;
}

static coap_response_t
on_response(coap_session_t *s, const coap_pdu_t *sent, const coap_pdu_t *rcvd,
            const coap_mid_t mid)
{
    struct zto_coap_transport *t = coap_session_get_app_data(s);
    coap_bin_const_t tok = coap_pdu_get_token(rcvd);
    coap_opt_iterator_t it;
    coap_opt_t *opt;
    const uint8_t *data = NULL;
    size_t len = 0, offset = 0, total = 0;
    unsigned code;

    (void)sent;
    (void)mid;
    if (t == NULL || !t->waiting)
        return COAP_RESPONSE_OK;
    if (tok.length != t->ctok_len ||
        (tok.length > 0 && memcmp(tok.s, t->ctok, tok.length) != 0))
        return COAP_RESPONSE_OK; /* a late answer to an earlier request */

    code = coap_pdu_get_code(rcvd);
    t->code = code;
    /* Options are repeated on every block; keep the newest. */
    opt = coap_check_option(rcvd, OPT_FDO_TOKEN, &it);
    if (opt != NULL) {
        size_t n = coap_opt_length(opt);
        if (n == 0 || n > sizeof(t->token)) {
            detail(t, "FDO-Token option of %zu bytes", n);
            finish(t, ZTO_E_TOO_BIG);
            return COAP_RESPONSE_OK;
        }
        memcpy(t->token, coap_opt_value(opt), n);
        t->token_len = n;
    }
    opt = coap_check_option(rcvd, OPT_FDO_MSG_TYPE, &it);
    if (opt != NULL) {
        unsigned v =
            coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
        if (coap_opt_length(opt) > 1 || v > 255) {
            detail(t, "FDO-Msg-Type option out of range");
            finish(t, ZTO_E_HTTP);
            return COAP_RESPONSE_OK;
        }
        t->resp_type = (uint8_t)v;
        t->resp_type_opt = true;
    }

    if (!coap_get_data_large(rcvd, &len, &data, &offset, &total)) {
        len = 0;
        offset = 0;
        total = 0;
    }
    if (offset > ZTO_MAX_MSG_SIZE || len > ZTO_MAX_MSG_SIZE - offset ||
        total > ZTO_MAX_MSG_SIZE) {
        detail(t, "response over %d bytes", ZTO_MAX_MSG_SIZE);
        finish(t, ZTO_E_TOO_BIG);
        return COAP_RESPONSE_OK;
    }
    if (offset != t->resp_len) {
        detail(t, "Block2 out of order (%zu, expected %zu)", offset,
               t->resp_len);
        finish(t, ZTO_E_TRANSPORT);
        return COAP_RESPONSE_OK;
    }
    if (len > 0)
        memcpy(t->resp + offset, data, len);
    t->resp_len = offset + len;
    if (offset + len < total)
        return COAP_RESPONSE_OK; /* libcoap asks for the next block */

    if (COAP_RESPONSE_CLASS(code) == 2) {
        if (!t->resp_type_opt)
            t->resp_type = (uint8_t)(t->req_type + 1);
        finish(t, ZTO_OK);
    } else if (zto_transport_is_errmsg(t->resp, t->resp_len)) {
        t->resp_type = ZTO_MSG_ERROR;
        finish(t, ZTO_OK);
    } else {
        detail(t, "CoAP %u.%02u without an ErrorMessage%s%.*s", code >> 5,
               code & 31, t->resp_len > 0 ? ": " : "",
               (int)(t->resp_len < 80 ? t->resp_len : 80),
               (const char *)t->resp);
        finish(t, ZTO_E_HTTP);
    }
    return COAP_RESPONSE_OK;
}

static void
on_nack(coap_session_t *s, const coap_pdu_t *sent,
        const coap_nack_reason_t reason, const coap_mid_t mid)
{
    struct zto_coap_transport *t = coap_session_get_app_data(s);

    (void)sent;
    (void)mid;
    if (t == NULL || !t->waiting)
        return;
    switch (reason) {
    case COAP_NACK_TOO_MANY_RETRIES:
        detail(t, "no acknowledgement after %u retransmissions",
               t->opts.max_retransmit);
        finish(t, ZTO_E_TIMEOUT);
        break;
    case COAP_NACK_RST:
        detail(t, "peer reset the exchange");
        finish(t, ZTO_E_CONNECT);
        break;
    case COAP_NACK_TLS_FAILED:
        if (t->detail[0] == '\0')
            detail(t, "DTLS handshake failed");
        finish(t, ZTO_E_CERT);
        break;
    default:
        /* ICMP errors (nothing listening yet) are transient for UDP:
         * retransmission continues until MAX_RETRANSMIT. */
        break;
    }
}

static int
on_event(coap_session_t *s, const coap_event_t ev)
{
    struct zto_coap_transport *t = coap_session_get_app_data(s);

    if (t == NULL || !t->waiting)
        return 0;
    if (ev == COAP_EVENT_DTLS_ERROR || ev == COAP_EVENT_DTLS_CLOSED) {
        if (t->detail[0] == '\0') /* keep a certificate complaint */
            detail(t, "DTLS session failed");
        finish(t, ZTO_E_CERT);
    } else if (ev == COAP_EVENT_XMIT_BLOCK_FAIL) {
        detail(t, "block-wise transfer failed");
        finish(t, ZTO_E_TRANSPORT);
    } else if (ev == COAP_EVENT_PARTIAL_BLOCK) {
        /* Blocks missing, or the answer's ETag changed halfway: libcoap
         * would then send the request again under a new token, and FDO
         * messages are not idempotent (the session would refuse it, or
         * the answer would never match). Stop here, clearly. */
        detail(t, "answer incomplete or changed during its block-wise "
                  "transfer");
        finish(t, ZTO_E_TRANSPORT);
    }
    return 0;
}

/* ---- DTLS ---- */

static bool
is_ip_literal(const char *host)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, host, buf) == 1 ||
           inet_pton(AF_INET6, host, buf) == 1;
}

/* Called by libcoap for each certificate of the server's chain once
 * OpenSSL has checked it against the CA: at depth 0 (the server's own
 * certificate) check the name or address the device was sent to. */
static int
on_peer_cert(const char *cn, const uint8_t *der, size_t der_len,
             coap_session_t *s, unsigned depth, int validated, void *arg)
{
    struct zto_coap_transport *t = arg;
    const unsigned char *p = der;
    X509 *x;
    int ok;

    (void)cn;
    (void)s;
    if (t == NULL || t->opts.insecure || depth != 0)
        return 1;
    if (!validated || der_len > 65536 ||
        (x = d2i_X509(NULL, &p, (long)der_len)) == NULL)
        return 0;
    if (is_ip_literal(t->target.host))
        ok = X509_check_ip_asc(x, t->target.host, 0) == 1;
    else
        ok = X509_check_host(x, t->target.host, 0, 0, NULL) == 1;
    X509_free(x);
    if (!ok)
        detail(t, "certificate is not for %s", t->target.host);
    return ok;
}

/* ---- session ---- */

static zto_err_t
ensure_ctx(struct zto_coap_transport *t)
{
    coap_context_t *ctx;

    if (t->ctx != NULL)
        return ZTO_OK;
    coap_startup();
    if ((ctx = coap_new_context(NULL)) == NULL)
        return ZTO_E_NOMEM;
    coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP);
    coap_register_option(ctx, OPT_FDO_TOKEN);
    coap_register_option(ctx, OPT_FDO_MSG_TYPE);
    coap_register_response_handler(ctx, on_response);
    coap_register_nack_handler(ctx, on_nack);
    coap_register_event_handler(ctx, on_event);
    t->ctx = ctx;
    return ZTO_OK;
}

static zto_err_t
ensure_session(struct zto_coap_transport *t)
{
    struct addrinfo hints, *res = NULL, *ai;
    coap_address_t dst;
    coap_session_t *s = NULL;
    coap_fixed_point_t ack;
    char port[8];
    bool dtls = t->target.protocol == ZTO_TPROT_COAPS;
    zto_err_t r;
    int rc;

    if (t->session != NULL)
        return ZTO_OK;
    if ((r = ensure_ctx(t)) != ZTO_OK)
        return r;
    if (dtls && !coap_dtls_is_supported()) {
        detail(t, "libcoap built without DTLS");
        return ZTO_E_NOT_SUPPORTED;
    }
    if (dtls && !t->opts.insecure && t->opts.ca_file == NULL) {
        detail(t, "coaps needs a CA file (or insecure)");
        return ZTO_E_CONFIG;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%u", (unsigned)t->target.port);
    rc = getaddrinfo(t->target.host, port, &hints, &res);
    if (rc != 0 || res == NULL) {
        detail(t, "cannot resolve %s: %s", t->target.host, gai_strerror(rc));
        return ZTO_E_CONNECT;
    }
    for (ai = res; ai != NULL && s == NULL; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(dst.addr))
            continue;
        coap_address_init(&dst);
        memcpy(&dst.addr, ai->ai_addr, ai->ai_addrlen);
        dst.size = (socklen_t)ai->ai_addrlen;
        if (!dtls) {
            s = coap_new_client_session(t->ctx, NULL, &dst, COAP_PROTO_UDP);
        } else {
            coap_dtls_pki_t pki;

            memset(&pki, 0, sizeof(pki));
            pki.version = COAP_DTLS_PKI_SETUP_VERSION;
            if (t->opts.insecure) {
                pki.verify_peer_cert = 0;
                pki.allow_self_signed = 1;
                pki.allow_expired_certs = 1;
            } else {
                pki.verify_peer_cert = 1;
                /* libcoap 4.3.1 (OpenSSL) trusts ca_file only in this
                 * mode: the peer must chain to it. */
                pki.check_common_ca = 1;
                pki.cert_chain_validation = 1;
                pki.cert_chain_verify_depth = 4;
            }
            pki.validate_cn_call_back = on_peer_cert;
            pki.cn_call_back_arg = t;
            if (!is_ip_literal(t->target.host)) {
                snprintf(t->sni, sizeof(t->sni), "%s", t->target.host);
                pki.client_sni = t->sni;
            }
            pki.pki_key.key_type = COAP_PKI_KEY_PEM;
            pki.pki_key.key.pem.ca_file = t->opts.ca_file;
            pki.pki_key.key.pem.public_cert = t->opts.cert_file;
            pki.pki_key.key.pem.private_key = t->opts.key_file;
            s = coap_new_client_session_pki(t->ctx, NULL, &dst, COAP_PROTO_DTLS,
                                            &pki);
        }
    }
    freeaddrinfo(res);
    if (s == NULL) {
        detail(t, "cannot open a CoAP session to %s port %u", t->target.host,
               (unsigned)t->target.port);
        return ZTO_E_CONNECT;
    }
    ack.integer_part = (uint16_t)(t->opts.ack_timeout_ms / 1000);
    ack.fractional_part = (uint16_t)(t->opts.ack_timeout_ms % 1000);
    coap_session_set_ack_timeout(s, ack);
    coap_session_set_max_retransmit(s, (uint16_t)t->opts.max_retransmit);
    coap_session_set_app_data(s, t);
    t->session = s;
    return ZTO_OK;
}

/* ---- ops ---- */

static zto_err_t
ct_open(void *ctx, const struct zto_target *target)
{
    struct zto_coap_transport *t = ctx;
    size_t hl;

    if (target == NULL || (target->protocol != ZTO_TPROT_COAP &&
                           target->protocol != ZTO_TPROT_COAPS))
        return ZTO_E_URL;
    hl = strnlen(target->host, sizeof(target->host));
    if (hl == 0 || hl == sizeof(target->host) || target->port == 0)
        return ZTO_E_URL;
    drop_session(t);
    t->target = *target;
    zto_zeroize(t->token, sizeof(t->token));
    t->token_len = 0;
    t->have_resp = false;
    t->detail[0] = '\0';
    t->opened = true;
    return ZTO_OK;
}

static void
ct_close(void *ctx)
{
    struct zto_coap_transport *t = ctx;

    drop_session(t);
    zto_zeroize(t->token, sizeof(t->token));
    t->token_len = 0;
    t->have_resp = false;
    t->opened = false;
}

static zto_err_t
ct_send(void *ctx, uint8_t msg_type, const uint8_t *body, size_t len)
{
    struct zto_coap_transport *t = ctx;
    coap_optlist_t *opts = NULL;
    coap_pdu_t *pdu = NULL;
    char num[4];
    uint8_t cf[2];
    uint64_t deadline;
    zto_err_t r;
    int n;

    if (!t->opened)
        return ZTO_E_STATE;
    if (len > ZTO_MAX_MSG_SIZE || (body == NULL && len > 0))
        return ZTO_E_ARG;
    t->have_resp = false;
    t->detail[0] = '\0';
    t->req_type = msg_type;
    t->resp_len = 0;
    t->resp_type = 0;
    t->resp_type_opt = false;
    t->code = 0;
    if ((r = ensure_session(t)) != ZTO_OK)
        goto fail;

    pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST,
                        coap_new_message_id(t->session),
                        coap_session_max_pdu_size(t->session));
    if (pdu == NULL) {
        r = ZTO_E_NOMEM;
        goto fail;
    }
    coap_session_new_token(t->session, &t->ctok_len, t->ctok);
    n = snprintf(num, sizeof(num), "%u", (unsigned)msg_type);
    if (!coap_add_token(pdu, t->ctok_len, t->ctok) ||
        !coap_insert_optlist(&opts, coap_new_optlist(COAP_OPTION_URI_PATH, 3,
                                                     (const uint8_t *)"fdo")) ||
        !coap_insert_optlist(&opts, coap_new_optlist(COAP_OPTION_URI_PATH, 3,
                                                     (const uint8_t *)"101")) ||
        !coap_insert_optlist(&opts, coap_new_optlist(COAP_OPTION_URI_PATH, 3,
                                                     (const uint8_t *)"msg")) ||
        !coap_insert_optlist(&opts,
                             coap_new_optlist(COAP_OPTION_URI_PATH, (size_t)n,
                                              (const uint8_t *)num)) ||
        !coap_insert_optlist(
            &opts, coap_new_optlist(
                       COAP_OPTION_CONTENT_FORMAT,
                       coap_encode_var_safe(cf, sizeof(cf),
                                            COAP_MEDIATYPE_APPLICATION_CBOR),
                       cf)) ||
        (t->token_len > 0 &&
         !coap_insert_optlist(
             &opts, coap_new_optlist(OPT_FDO_TOKEN, t->token_len, t->token))) ||
        !coap_add_optlist_pdu(pdu, &opts)) {
        r = ZTO_E_NOMEM;
        goto fail;
    }
    /* libcoap reads the blocks from t->req while it sends them. */
    if (len > 0) {
        memcpy(t->req, body, len);
        if (!coap_add_data_large_request(t->session, pdu, len, t->req, NULL,
                                         NULL)) {
            r = ZTO_E_TRANSPORT;
            detail(t, "cannot attach a %zu-byte request", len);
            goto fail;
        }
    }
    t->waiting = true;
    t->err = ZTO_E_INTERNAL;
    if (coap_send(t->session, pdu) == COAP_INVALID_MID) {
        pdu = NULL; /* coap_send() always takes the PDU */
        t->waiting = false;
        r = ZTO_E_CONNECT;
        detail(t, "cannot send to %s port %u", t->target.host,
               (unsigned)t->target.port);
        goto fail;
    }
    pdu = NULL;

    deadline = zto_posix_now_ms() + t->opts.timeout_ms;
    while (t->waiting) {
        uint64_t now = zto_posix_now_ms();
        uint32_t wait;

        if (now >= deadline) {
            t->waiting = false;
            r = ZTO_E_TIMEOUT;
            detail(t, "no answer within %u ms", t->opts.timeout_ms);
            goto fail;
        }
        wait = (uint32_t)(deadline - now < 1000 ? deadline - now : 1000);
        if (coap_io_process(t->ctx, wait) < 0) {
            t->waiting = false;
            r = ZTO_E_TRANSPORT;
            detail(t, "CoAP I/O failed");
            goto fail;
        }
    }
    if ((r = t->err) != ZTO_OK)
        goto fail;
    coap_delete_optlist(opts);
    return ZTO_OK;
fail:
    coap_delete_optlist(opts);
    if (pdu != NULL)
        coap_delete_pdu(pdu);
    /* Leave nothing half-done in libcoap: the next message starts on a
     * new session (the FDO token is kept). */
    drop_session(t);
    t->have_resp = false;
    t->err = r;
    return r;
}

static zto_err_t
ct_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *msg_type)
{
    struct zto_coap_transport *t = ctx;

    if (!t->have_resp)
        return t->err != ZTO_OK ? t->err : ZTO_E_STATE;
    if (t->resp_len > cap) {
        *len = t->resp_len;
        return ZTO_E_BUF_TOO_SMALL;
    }
    if (t->resp_len > 0)
        memcpy(buf, t->resp, t->resp_len);
    *len = t->resp_len;
    *msg_type = t->resp_type;
    t->have_resp = false;
    return ZTO_OK;
}

const struct zto_transport_ops zto_transport_coap_ops = {
    ct_open,
    ct_send,
    ct_recv,
    ct_close,
};
