/*
 * to0_client.c - TO0 from the owner's side (FDO 1.1 section 4.2):
 *
 *   20 TO0.Hello []  ->  21 TO0.HelloAck [NonceTO0Sign]
 *   22 TO0.OwnerSign [bstr .cbor to0d, to1d]  ->  23 TO0.AcceptOwner [s]
 *
 * to0d = [voucher, WaitSeconds, NonceTO0Sign] is built once and hashed as
 * built; to1d binds those bytes (to1dTo0dHash) to the owner's TO2
 * addresses under the owner's signature.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zto_to0.h"

/* Room for the to0d around the voucher: array head, uint32, nonce. */
#define TO0D_OVERHEAD 32
/* to1d: a few addresses, a hash and a signature (RSA-3072: 384 bytes). */
#define TO1D_MAX 4096

static void detail(struct zto_to0_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
detail(struct zto_to0_result *res, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
    va_end(ap);
}

/* The final owner key of the voucher, with a first sanity check. */
static zto_err_t
check_voucher(const struct zto_to0_params *p, struct zto_voucher *v,
              struct zto_pubkey *owner)
{
    zto_err_t r;

    if (p == NULL || p->voucher == NULL || p->owner == NULL ||
        p->owner->sign == NULL || p->addr == NULL)
        return ZTO_E_ARG;
    if (zto_voucher_decode(p->voucher, p->voucher_len, v) != ZTO_OK ||
        v->nentries == 0)
        return ZTO_E_VOUCHER;
    if ((r = zto_voucher_owner_key(v, owner)) != ZTO_OK)
        return ZTO_E_VOUCHER;
    if (p->owner->pub != NULL) {
        struct zto_key k;

        zto_key_init(&k);
        r = zto_key_from_pubkey(owner, &k);
        if (r == ZTO_OK)
            r = zto_key_equal(&k, p->owner->pub);
        zto_key_free(&k);
        if (r != ZTO_OK)
            return ZTO_E_KEY_MISMATCH;
    }
    return ZTO_OK;
}

/* Hash type for to1dTo0dHash: asked, or entry 0's HashPrevEntry type. */
static int32_t
to0d_hash_type(const struct zto_to0_params *p, const struct zto_voucher *v)
{
    struct zto_bytes raw;
    struct zto_ov_entry e;

    if (p->hash_type != 0)
        return p->hash_type;
    if (zto_voucher_entry(v, 0, &raw) == ZTO_OK &&
        zto_ov_entry_decode(raw.p, raw.len, &e) == ZTO_OK &&
        (e.hash_prev.type == ZTO_HASH_SHA256 ||
         e.hash_prev.type == ZTO_HASH_SHA384))
        return e.hash_prev.type;
    return zto_voucher_hash_type(v);
}

zto_err_t
zto_to0_owner_sign_build(const struct zto_to0_params *p,
                         const struct zto_nonce *nonce, uint8_t *buf,
                         size_t cap, size_t *out_len)
{
    struct zto_voucher v;
    struct zto_pubkey owner;
    struct zto_to0d t;
    struct zto_msg_to0_owner_sign m;
    struct zto_hash_buf hb;
    struct zto_hash h;
    uint8_t *to0d = NULL, *to1d = NULL;
    size_t to0d_len = 0, to1d_len = 0, to0d_cap;
    zto_err_t r;

    if (nonce == NULL || buf == NULL || out_len == NULL)
        return ZTO_E_ARG;
    if ((r = check_voucher(p, &v, &owner)) != ZTO_OK)
        return r;
    to0d_cap = p->voucher_len + TO0D_OVERHEAD;
    if ((to0d = malloc(to0d_cap)) == NULL ||
        (to1d = malloc(TO1D_MAX)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    t.voucher = ZTO_BYTES(p->voucher, p->voucher_len);
    t.wait_seconds = p->wait_seconds;
    t.nonce = *nonce;
    if ((r = zto_to0d_encode(&t, to0d, to0d_cap, &to0d_len)) != ZTO_OK)
        goto out;
    /* Hash exactly the bytes that go into the bstr. */
    if ((r = zto_hash(to0d_hash_type(p, &v), to0d, to0d_len, &hb)) != ZTO_OK)
        goto out;
    h.type = hb.type;
    h.value = ZTO_BYTES(hb.value, hb.len);
    if ((r = zto_to1d_encode(p->addr, &h, p->owner, to1d, TO1D_MAX,
                             &to1d_len)) != ZTO_OK)
        goto out;
    m.to0d = ZTO_BYTES(to0d, to0d_len);
    m.to1d = ZTO_BYTES(to1d, to1d_len);
    r = zto_msg_to0_owner_sign_encode(&m, buf, cap, out_len);
out:
    free(to0d);
    free(to1d);
    return r;
}

bool
zto_to0_unreachable(zto_err_t err)
{
    return err == ZTO_E_CONNECT || err == ZTO_E_TIMEOUT ||
           err == ZTO_E_TRANSPORT || err == ZTO_E_HTTP || err == ZTO_E_URL ||
           err == ZTO_E_WANT_READ || err == ZTO_E_WANT_WRITE;
}

/* Keep a peer's ErrorMessage text printable for logs. */
static void
copy_text(char *out, size_t cap, struct zto_bytes t)
{
    size_t n = t.len < cap - 1 ? t.len : cap - 1, i;

    for (i = 0; i < n; i++)
        out[i] = t.p[i] >= 0x20 && t.p[i] < 0x7f ? (char)t.p[i] : '?';
    out[n] = '\0';
}

/* One exchange; an ErrorMessage answer becomes ZTO_E_PEER_ERROR. */
static zto_err_t
exchange(const struct zto_transport_ops *ops, void *ctx, uint8_t type,
         const uint8_t *body, size_t len, uint8_t expect, uint8_t *in,
         size_t cap, size_t *in_len, struct zto_to0_result *res)
{
    uint8_t t = 0;
    zto_err_t r;

    if ((r = ops->send(ctx, type, body, len)) != ZTO_OK ||
        (r = ops->recv(ctx, in, cap, in_len, &t)) != ZTO_OK) {
        snprintf(res->detail, sizeof(res->detail), "message %u: %s",
                 (unsigned)type, zto_strerror(r));
        return r;
    }
    res->last_msg = t;
    if (t == ZTO_MSG_ERROR) {
        struct zto_error_msg em;

        if (zto_error_msg_decode(in, *in_len, &em) != ZTO_OK) {
            detail(res, "%s", "undecodable ErrorMessage");
            return ZTO_E_PROTO;
        }
        res->peer_code = em.code;
        copy_text(res->peer_text, sizeof(res->peer_text), em.text);
        snprintf(res->detail, sizeof(res->detail),
                 "refused: ErrorMessage %u %s: %s", (unsigned)em.code,
                 zto_wire_code_name(em.code), res->peer_text);
        return ZTO_E_PEER_ERROR;
    }
    if (t != expect) {
        snprintf(res->detail, sizeof(res->detail),
                 "answer to message %u has type %u, expected %u",
                 (unsigned)type, (unsigned)t, (unsigned)expect);
        return ZTO_E_PROTO;
    }
    return ZTO_OK;
}

zto_err_t
zto_to0_run(const struct zto_transport_ops *ops, void *transport_ctx,
            const struct zto_target *target, const struct zto_to0_params *p,
            struct zto_to0_result *res)
{
    static const uint8_t hello[] = {0x80};
    struct zto_msg_to0_hello_ack ack;
    struct zto_msg_to0_accept_owner acc;
    struct zto_voucher v;
    struct zto_pubkey owner;
    uint8_t *out = NULL, *in = NULL;
    size_t out_len = 0, in_len = 0, out_cap;
    bool opened = false;
    zto_err_t r;

    if (res == NULL)
        return ZTO_E_ARG;
    memset(res, 0, sizeof(*res));
    if (ops == NULL || target == NULL)
        return ZTO_E_ARG;
    /* Refuse locally what the server would refuse anyway, with a reason
     * the operator can act on. */
    if ((r = check_voucher(p, &v, &owner)) != ZTO_OK) {
        detail(res, "%s",
               r == ZTO_E_KEY_MISMATCH
                   ? "the owner key is not the voucher's final owner key"
               : r == ZTO_E_VOUCHER ? "voucher does not decode or has no entry"
                                    : "invalid arguments");
        return r;
    }
    out_cap = p->voucher_len + TO0D_OVERHEAD + TO1D_MAX + 16;
    if (out_cap > ZTO_MAX_MSG_SIZE)
        out_cap = ZTO_MAX_MSG_SIZE;
    if ((out = malloc(out_cap)) == NULL ||
        (in = malloc(ZTO_MAX_MSG_SIZE)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    if ((r = ops->open(transport_ctx, target)) != ZTO_OK) {
        detail(res, "cannot open transport: %s", zto_strerror(r));
        goto out;
    }
    opened = true;
    if ((r = exchange(ops, transport_ctx, ZTO_MSG_TO0_HELLO, hello,
                      sizeof(hello), ZTO_MSG_TO0_HELLO_ACK, in,
                      ZTO_MAX_MSG_SIZE, &in_len, res)) != ZTO_OK)
        goto out;
    if (zto_msg_to0_hello_ack_decode(in, in_len, &ack) != ZTO_OK) {
        detail(res, "%s", "TO0.HelloAck does not decode");
        r = ZTO_E_PROTO;
        goto out;
    }
    if ((r = zto_to0_owner_sign_build(p, &ack.nonce, out, out_cap, &out_len)) !=
        ZTO_OK) {
        detail(res, "cannot build TO0.OwnerSign: %s", zto_strerror(r));
        goto out;
    }
    if ((r = exchange(ops, transport_ctx, ZTO_MSG_TO0_OWNER_SIGN, out, out_len,
                      ZTO_MSG_TO0_ACCEPT_OWNER, in, ZTO_MAX_MSG_SIZE, &in_len,
                      res)) != ZTO_OK)
        goto out;
    if (zto_msg_to0_accept_owner_decode(in, in_len, &acc) != ZTO_OK) {
        detail(res, "%s", "TO0.AcceptOwner does not decode");
        r = ZTO_E_PROTO;
        goto out;
    }
    res->granted = acc.wait_seconds;
    r = ZTO_OK;
out:
    if (opened)
        ops->close(transport_ctx);
    free(out);
    free(in);
    return r;
}
