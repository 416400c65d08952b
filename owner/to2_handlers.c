/*
 * to2_handlers.c - the owner's TO2 entry point (FDO 1.1 section 4.4):
 * session lookup by token, message order, the tunnel for 65-71,
 * ErrorMessages, and saving the session after every message.
 *
 *   60 -> 61 (new session, token issued)
 *   62 -> 63 (any number, entries 0..n-1) | 64 -> 65
 *   66 -> 67, 68 -> 69 ... until IsDone, 70 -> 71 (session ends)
 *
 * Any failure ends the session: it is deleted, the reason is recorded on
 * the voucher's row (the voucher itself is never touched) and an
 * ErrorMessage goes back. 64 arrives in clear; 66, 68, 70 are opened
 * with the session's tunnel and 65, 67, 69, 71 sealed with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "to2_int.h"
#include "zto/zto_crashpoint.h"

#define SESSION_PROTO ZTO_MSG_TO2_HELLO_DEVICE

/* Clean-up on a path that already failed: its own result changes
 * nothing. */
static void
best_effort(zto_err_t r)
{
    (void)r;
}

static zto_err_t
new_token(char *out, size_t cap)
{
    uint8_t raw[OWNER_TOKEN_LEN / 2];
    zto_err_t r;

    if ((r = zto_random(raw, sizeof(raw))) != ZTO_OK)
        return r;
    return zto_hex_encode(raw, sizeof(raw), out, cap);
}

static zto_err_t
load(struct owner *o, const char *token, struct to2_session *s)
{
    uint8_t *buf = NULL;
    size_t cap = 16384, len = 0;
    int proto = 0;
    zto_err_t r;

    for (;;) {
        if ((buf = malloc(cap)) == NULL)
            return ZTO_E_NOMEM;
        r = zto_db_session_get(o->db, token, owner_now(o), &proto, buf, cap,
                               &len);
        if (r != ZTO_E_BUF_TOO_SMALL || len <= cap)
            break;
        free(buf);
        buf = NULL;
        cap = len;
    }
    if (r == ZTO_OK && proto != SESSION_PROTO)
        r = ZTO_E_NOT_FOUND;
    if (r == ZTO_OK)
        r = to2_session_decode(buf, len, s);
    if (buf != NULL) {
        zto_zeroize(buf, cap);
        free(buf);
    }
    if (r == ZTO_E_NOT_FOUND)
        return ZTO_E_TOKEN;
    return r == ZTO_OK || r == ZTO_E_DB || r == ZTO_E_NOMEM ? r : ZTO_E_CORRUPT;
}

static zto_err_t
save(struct owner *o, const char *token, const struct to2_session *s)
{
    uint8_t *blob = NULL;
    size_t len = 0;
    zto_err_t r;

    if ((r = to2_session_encode(s, &blob, &len)) != ZTO_OK)
        return r;
    r = zto_db_session_put(o->db, token, SESSION_PROTO, blob, len,
                           owner_now(o) + (int64_t)o->session_ttl);
    zto_zeroize(blob, len);
    free(blob);
    return r;
}

/* Which message a session in state st accepts. */
static bool
in_order(const struct to2_session *s, uint8_t type)
{
    switch (type) {
    case ZTO_MSG_TO2_GET_OVNEXT_ENTRY:
    case ZTO_MSG_TO2_PROVE_DEVICE:
        return s->state == TO2_S_ENTRIES;
    case ZTO_MSG_TO2_DEVICE_SVI_READY:
        return s->state == TO2_S_SVI_READY;
    case ZTO_MSG_TO2_DEVICE_SVI:
        return s->state == TO2_S_SVI && !s->svi.done_sent;
    case ZTO_MSG_TO2_DONE:
        return s->state == TO2_S_SVI && s->svi.done_sent;
    default:
        return false;
    }
}

static void
error_msg(struct owner *o, zto_err_t e, uint8_t prev, const char *text,
          uint8_t *out, size_t cap, size_t *out_len, uint8_t *out_type)
{
    struct zto_error_msg m;
    size_t n = 0;

    memset(&m, 0, sizeof(m));
    m.code = (uint16_t)zto_err_wire_code(e);
    m.prev_msg = prev;
    m.text = ZTO_BYTES(text, strnlen(text, 128));
    m.has_ts = true;
    m.ts = (uint64_t)owner_now(o);
    *out_len = 0;
    if (zto_error_msg_encode(&m, out, cap, &n) == ZTO_OK) {
        *out_len = n;
        *out_type = ZTO_MSG_ERROR;
    }
}

/* A received ErrorMessage: note it and drop the session. */
static zto_err_t
peer_error(struct owner *o, const uint8_t *in, size_t in_len, const char *token)
{
    struct to2_session s;
    struct zto_error_msg m;
    char why[200], g[33];

    if (token == NULL)
        return ZTO_E_PEER_ERROR;
    to2_session_init(&s);
    if (load(o, token, &s) == ZTO_OK) {
        if (zto_error_msg_decode(in, in_len, &m) == ZTO_OK)
            snprintf(why, sizeof(why),
                     "device sent ErrorMessage %u (%s): "
                     "%.*s",
                     (unsigned)m.code, zto_wire_code_name(m.code),
                     (int)(m.text.len > 100 ? 100 : m.text.len),
                     (const char *)m.text.p);
        else
            snprintf(why, sizeof(why), "device sent an ErrorMessage");
        owner_logf(o, OWNER_LOG_WARN, "TO2 GUID %s: %s",
                   owner_guid_hex(&s.guid, g), why);
        best_effort(zto_db_owner_ov_failed(o->db, &s.guid, why, owner_now(o)));
        best_effort(zto_db_session_del(o->db, token));
    }
    to2_session_free(&s);
    return ZTO_E_PEER_ERROR;
}

static zto_err_t
run(struct to2_req *q, uint8_t type)
{
    switch (type) {
    case ZTO_MSG_TO2_HELLO_DEVICE:
        return to2_hello(q);
    case ZTO_MSG_TO2_GET_OVNEXT_ENTRY:
        return to2_next_entry(q);
    case ZTO_MSG_TO2_PROVE_DEVICE:
        return to2_prove_device(q);
    case ZTO_MSG_TO2_DEVICE_SVI_READY:
        return to2_svi_ready(q);
    case ZTO_MSG_TO2_DEVICE_SVI:
        return to2_svi(q);
    case ZTO_MSG_TO2_DONE:
        return to2_done(q);
    default:
        return ZTO_E_STATE;
    }
}

/* Messages from 64 on that travel inside the tunnel. */
static bool
sealed_in(uint8_t type)
{
    return type >= ZTO_MSG_TO2_DEVICE_SVI_READY && type <= ZTO_MSG_TO2_DONE;
}

zto_err_t
owner_handle(struct owner *o, uint8_t type, const uint8_t *in, size_t in_len,
             const char *token, uint8_t *out, size_t cap, size_t *out_len,
             uint8_t *out_type, char *out_token, size_t token_cap)
{
    struct to2_session s;
    struct to2_req q;
    uint8_t *pt = NULL, *ans = NULL;
    size_t pt_len = 0, ans_len = 0, ans_cap = 0;
    char why[256], tok[OWNER_TOKEN_LEN + 1], g[33];
    bool have = false, guid_known = false;
    zto_err_t r;

    *out_len = 0;
    *out_type = 0;
    if (token_cap > 0)
        out_token[0] = '\0';
    why[0] = '\0';
    to2_session_init(&s);
    if (type == ZTO_MSG_ERROR)
        return peer_error(o, in, in_len, token);
    if (type != ZTO_MSG_TO2_HELLO_DEVICE &&
        type != ZTO_MSG_TO2_GET_OVNEXT_ENTRY &&
        type != ZTO_MSG_TO2_PROVE_DEVICE &&
        type != ZTO_MSG_TO2_DEVICE_SVI_READY &&
        type != ZTO_MSG_TO2_DEVICE_SVI && type != ZTO_MSG_TO2_DONE) {
        /* Not a request of TO2: no session is looked at or touched. */
        snprintf(why, sizeof(why), "message %u is not served here",
                 (unsigned)type);
        error_msg(o, ZTO_E_STATE, type, why, out, cap, out_len, out_type);
        return ZTO_E_STATE;
    }

    if (type == ZTO_MSG_TO2_HELLO_DEVICE) {
        /* A new session whatever the client sent as token. */
        if ((r = new_token(tok, sizeof(tok))) != ZTO_OK)
            goto fail;
    } else {
        if (token == NULL || strlen(token) >= sizeof(tok)) {
            r = ZTO_E_TOKEN;
            goto fail;
        }
        snprintf(tok, sizeof(tok), "%s", token);
        if ((r = load(o, tok, &s)) != ZTO_OK)
            goto fail;
        have = guid_known = true;
        if (!in_order(&s, type)) {
            snprintf(why, sizeof(why), "message %u out of order",
                     (unsigned)type);
            r = ZTO_E_STATE;
            goto fail;
        }
    }
#ifdef ZTO_TEST_HOOKS
    {
        char cp[32];
        snprintf(cp, sizeof(cp), "owner.to2.in.%u", (unsigned)type);
        ZTO_CRASHPOINT(cp);
    }
#endif

    memset(&q, 0, sizeof(q));
    q.o = o;
    q.s = &s;
    q.in = in;
    q.in_len = in_len;
    q.why = why;
    q.whycap = sizeof(why);
    q.token = tok;
    if (sealed_in(type)) {
        if ((pt = malloc(in_len > 0 ? in_len : 1)) == NULL) {
            r = ZTO_E_NOMEM;
            goto fail;
        }
        if ((r = zto_tunnel_open(&s.tunnel, in, in_len, pt, in_len, &pt_len)) !=
            ZTO_OK) {
            snprintf(why, sizeof(why), "message %u does not decrypt",
                     (unsigned)type);
            goto fail;
        }
        q.in = pt;
        q.in_len = pt_len;
    }
    /* 65 onward are sealed: the handler writes plaintext aside. */
    if (type >= ZTO_MSG_TO2_PROVE_DEVICE) {
        ans_cap = cap;
        if ((ans = malloc(ans_cap)) == NULL) {
            r = ZTO_E_NOMEM;
            goto fail;
        }
        q.out = ans;
        q.cap = ans_cap;
        q.out_len = &ans_len;
    } else {
        q.out = out;
        q.cap = cap;
        q.out_len = out_len;
    }
    q.out_type = out_type;
    r = run(&q, type);
    guid_known = guid_known || type == ZTO_MSG_TO2_HELLO_DEVICE;
    if (r != ZTO_OK)
        goto fail;
    if (ans != NULL && (r = zto_tunnel_seal(&s.tunnel, ans, ans_len, out, cap,
                                            out_len)) != ZTO_OK)
        goto fail;
    /* The device said how much it can take (section 10.1); values too
     * small to be true are not believed. */
    if (s.dev_max_msg >= OWNER_MIN_SANE_MSG && *out_len > s.dev_max_msg) {
        snprintf(why, sizeof(why),
                 "answer of %zu bytes exceeds the device's limit of %u",
                 *out_len, (unsigned)s.dev_max_msg);
        r = ZTO_E_LIMIT;
        goto fail;
    }
    if (q.finished) {
        if (!q.session_gone)
            best_effort(zto_db_session_del(o->db, tok));
    } else if ((r = save(o, tok, &s)) != ZTO_OK) {
        snprintf(why, sizeof(why), "session cannot be stored");
        goto fail;
    }
    if (token_cap > 0)
        snprintf(out_token, token_cap, "%s", q.finished ? "" : tok);
#ifdef ZTO_TEST_HOOKS
    {
        char cp[32];
        snprintf(cp, sizeof(cp), "owner.to2.out.%u", (unsigned)*out_type);
        ZTO_CRASHPOINT(cp);
    }
#endif
    r = ZTO_OK;
    goto out;

fail:
    if (have)
        best_effort(zto_db_session_del(o->db, tok));
    if (guid_known && r != ZTO_E_TOKEN && r != ZTO_E_NO_RESOURCE) {
        char reason[300];
        snprintf(reason, sizeof(reason), "TO2 message %u: %s", (unsigned)type,
                 why[0] != '\0' ? why : zto_strerror(r));
        best_effort(
            zto_db_owner_ov_failed(o->db, &s.guid, reason, owner_now(o)));
    }
    owner_logf(o, r == ZTO_E_TOKEN ? OWNER_LOG_WARN : OWNER_LOG_ERR,
               "TO2 GUID %s: message %u refused: %s%s%s (%s)",
               guid_known ? owner_guid_hex(&s.guid, g) : "?", (unsigned)type,
               zto_strerror(r), why[0] != '\0' ? ": " : "", why,
               zto_wire_code_name(zto_err_wire_code(r)));
    error_msg(o, r, type, why[0] != '\0' ? why : zto_strerror(r), out, cap,
              out_len, out_type);
out:
    if (pt != NULL) {
        zto_zeroize(pt, pt_len);
        free(pt);
    }
    if (ans != NULL) {
        zto_zeroize(ans, ans_cap);
        free(ans);
    }
    to2_session_free(&s);
    return r;
}
