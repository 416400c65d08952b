/*
 * roundtrip.h - the exchanges every transport must get right against
 * srv_echo, written once for HTTP(S) and CoAP(S).
 */
#ifndef ZTO_ROUNDTRIP_H
#define ZTO_ROUNDTRIP_H

#include "itest.h"

static uint8_t rt_out[ZTO_MAX_MSG_SIZE];

/* Sizes 100 B, 5 kB (several CoAP blocks) and 60 kB: each goes out and
 * comes back inside the echo's answer; the token issued on the first
 * message is carried on the next ones. */
static inline void
rt_sizes(const char *what, const struct zto_transport_ops *ops, void *t,
         const struct zto_target *tg)
{
    static const size_t sizes[] = {100, 5000, 60000};
    size_t i;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct echo_ans a;
        size_t blen = 0, olen = 0;
        uint8_t *body = make_body(sizes[i], (unsigned)i, &blen);
        uint8_t type = 0;
        uint64_t seq1;

        printf("  %s: %zu-byte round trip\n", what, blen);
        ASSERT_OK(ops->open(t, tg));
        ASSERT_OK(
            xchg(ops, t, 20, body, blen, rt_out, sizeof(rt_out), &olen, &type));
        ASSERT_EQ(type, 21);
        ASSERT_EQ(echo_decode(rt_out, olen, &a), 0);
        ASSERT_EQ(a.type, 20);
        ASSERT_TRUE(!a.has_token); /* first message: no token sent */
        ASSERT_EQ(a.item.len, blen);
        ASSERT_TRUE(a.item.len == blen && memcmp(a.item.p, body, blen) == 0);
        seq1 = a.seq;

        body[blen - 1] ^= 0x5a; /* a different second message */
        ASSERT_OK(
            xchg(ops, t, 22, body, blen, rt_out, sizeof(rt_out), &olen, &type));
        ASSERT_EQ(type, 23);
        ASSERT_EQ(echo_decode(rt_out, olen, &a), 0);
        ASSERT_EQ(a.type, 22);
        ASSERT_TRUE(a.has_token); /* the issued token came back */
        ASSERT_EQ(a.token.len, 32);
        ASSERT_EQ(a.seq, seq1 + 1);
        ASSERT_TRUE(a.item.len == blen && memcmp(a.item.p, body, blen) == 0);
        ops->close(t);
        free(body);
    }
}

/* ErrorMessage paths: requested failure, missing token, bad CBOR, and a
 * device-sent 255. */
static inline void
rt_errors(const char *what, const struct zto_transport_ops *ops, void *t,
          const struct zto_target *tg)
{
    uint8_t body[64], type = 0;
    size_t blen, olen = 0;
    uint64_t code = 0, prev = 0;
    static const uint8_t not_cbor[] = {0xff, 0x00, 0x01};

    printf("  %s: error paths\n", what);
    blen = make_text("hello", body, sizeof(body));
    ASSERT_OK(ops->open(t, tg));
    ASSERT_OK(
        xchg(ops, t, 20, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 21);
    blen = make_text("fail", body, sizeof(body));
    ASSERT_OK(
        xchg(ops, t, 22, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 255);
    ASSERT_EQ(errmsg_decode(rt_out, olen, &code, &prev), 0);
    ASSERT_EQ(code, 101);
    ASSERT_EQ(prev, 22);

    /* A new sub-protocol forgets the token: message 22 is refused. */
    ASSERT_OK(ops->open(t, tg));
    blen = make_text("hello", body, sizeof(body));
    ASSERT_OK(
        xchg(ops, t, 22, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 255);
    ASSERT_EQ(errmsg_decode(rt_out, olen, &code, &prev), 0);
    ASSERT_EQ(code, 1);

    ASSERT_OK(ops->open(t, tg));
    ASSERT_OK(xchg(ops, t, 10, not_cbor, sizeof(not_cbor), rt_out,
                   sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 255);
    ASSERT_EQ(errmsg_decode(rt_out, olen, &code, &prev), 0);
    ASSERT_EQ(code, 100);
    ASSERT_EQ(prev, 10);

    /* recv() with too small a buffer reports the size needed. */
    blen = make_text("hello", body, sizeof(body));
    ASSERT_OK(ops->send(t, 30, body, blen));
    ASSERT_ERR(ops->recv(t, rt_out, 3, &olen, &type), ZTO_E_BUF_TOO_SMALL);
    ASSERT_TRUE(olen > 3);
    ops->close(t);
}

/* Tokens rotated on every answer: only the newest is accepted, so this
 * passes only if the client always replays the latest (rule T4). */
static inline void
rt_rotation(const char *what, const struct zto_transport_ops *ops, void *t,
            const struct zto_target *tg)
{
    uint8_t body[64], type = 0;
    size_t blen, olen = 0;
    struct echo_ans a;
    char first[40] = "";
    int i;

    printf("  %s: rotating tokens\n", what);
    blen = make_text("rotate", body, sizeof(body));
    ASSERT_OK(ops->open(t, tg));
    ASSERT_OK(
        xchg(ops, t, 60, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 61);
    for (i = 0; i < 4; i++) {
        ASSERT_OK(
            xchg(ops, t, 62, body, blen, rt_out, sizeof(rt_out), &olen, &type));
        ASSERT_EQ(type, 63);
        ASSERT_EQ(echo_decode(rt_out, olen, &a), 0);
        ASSERT_TRUE(a.has_token && a.token.len == 32);
        if (i == 0 && a.token.len == 32)
            memcpy(first, a.token.p, 32);
        else if (a.token.len == 32)
            ASSERT_TRUE(memcmp(first, a.token.p, 32) != 0);
    }
    ops->close(t);
}

/* Stats of a server (a "stats" request opens a session of its own). */
static inline int
rt_stats(const struct zto_transport_ops *ops, void *t,
         const struct zto_target *tg, struct echo_stats *st)
{
    uint8_t body[32], type = 0;
    size_t blen = make_text("stats", body, sizeof(body)), olen = 0;

    if (ops->open(t, tg) != ZTO_OK ||
        xchg(ops, t, 20, body, blen, rt_out, sizeof(rt_out), &olen, &type) !=
            ZTO_OK ||
        type != 21)
        return -1;
    ops->close(t);
    return stats_decode(rt_out, olen, st);
}

#endif /* ZTO_ROUNDTRIP_H */
