/*
 * test_srv_util - the runtime's pure parts: listen specs, FDO paths,
 * tokens, ErrorMessage encoding, the CoAP duplicate cache, log
 * redaction, the client's ErrorMessage sniffing.
 */
#include "srv_int.h"
#include "test.h"
#include "zto/zto_cbor.h"
#include "zto/zto_codec.h"
#include "zto_log.h"
#include "zto_posix_transport.h"

static void
test_listen(void)
{
    struct zto_listen l;
    char buf[300];

    ASSERT_OK(zto_listen_parse("127.0.0.1:8080", ZTO_SRV_HTTP, &l));
    ASSERT_EQ(l.transport, ZTO_SRV_HTTP);
    ASSERT_TRUE(strcmp(l.host, "127.0.0.1") == 0);
    ASSERT_EQ(l.port, 8080);
    ASSERT_OK(zto_listen_parse("coaps://[::1]:5684", ZTO_SRV_HTTP, &l));
    ASSERT_EQ(l.transport, ZTO_SRV_COAPS); /* the scheme wins */
    ASSERT_TRUE(strcmp(l.host, "::1") == 0);
    ASSERT_OK(zto_listen_format(&l, buf, sizeof(buf)));
    ASSERT_TRUE(strcmp(buf, "coaps://[::1]:5684") == 0);
    ASSERT_ERR(zto_listen_format(&l, buf, 10), ZTO_E_BUF_TOO_SMALL);
    ASSERT_OK(zto_listen_parse("*:0", ZTO_SRV_COAP, &l));
    ASSERT_TRUE(l.host[0] == '\0' && l.port == 0);
    ASSERT_OK(zto_listen_format(&l, buf, sizeof(buf)));
    ASSERT_TRUE(strcmp(buf, "coap://*:0") == 0);
    ASSERT_OK(zto_listen_parse("HTTPS://host.example:443", 0, &l));
    ASSERT_EQ(l.transport, ZTO_SRV_HTTPS);

    ASSERT_FAILS(zto_listen_parse("127.0.0.1:8080", 0, &l)); /* no scheme */
    ASSERT_FAILS(zto_listen_parse("127.0.0.1", ZTO_SRV_HTTP, &l));
    ASSERT_FAILS(zto_listen_parse("::1:80", ZTO_SRV_HTTP, &l));
    ASSERT_FAILS(zto_listen_parse("[::1]80", ZTO_SRV_HTTP, &l));
    ASSERT_FAILS(zto_listen_parse("[x::1]:80", ZTO_SRV_HTTP, &l));
    ASSERT_FAILS(zto_listen_parse("h:65536", ZTO_SRV_HTTP, &l));
    ASSERT_FAILS(zto_listen_parse("h:-1", ZTO_SRV_HTTP, &l));
    ASSERT_FAILS(zto_listen_parse("h:", ZTO_SRV_HTTP, &l));
    ASSERT_FAILS(zto_listen_parse("a b:1", ZTO_SRV_HTTP, &l));
    ASSERT_FAILS(zto_listen_parse("tcp://h:1", ZTO_SRV_HTTP, &l));
}

static void
test_paths(void)
{
    static const struct {
        const char *path;
        int ok;
        unsigned type;
    } cases[] = {
        {"/fdo/101/msg/10", 1, 10},
        {"fdo/101/msg/10", 1, 10},
        {"/fdo/101/msg/0", 1, 0},
        {"/fdo/101/msg/255", 1, 255},
        {"/fdo/101/msg/256", 0, 0},
        {"/fdo/101/msg/010", 0, 0},
        {"/fdo/101/msg/", 0, 0},
        {"/fdo/101/msg/1a", 0, 0},
        {"/fdo/101/msg/-1", 0, 0},
        {"/fdo/100/msg/10", 0, 0},
        {"/fdo/101/msg/10/", 0, 0},
        {"//fdo/101/msg/10", 0, 0},
        {"/FDO/101/msg/10", 0, 0},
        {"/fdo/101/msg/1000", 0, 0},
        {"", 0, 0},
        {"/", 0, 0},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t t = 77;
        int ok = srv_parse_msg_path(cases[i].path, strlen(cases[i].path), &t);
        if (ok != cases[i].ok || (ok && t != cases[i].type))
            TEST_FAIL_("path '%s': %d/%u", cases[i].path, ok, (unsigned)t);
        test_checks++;
    }
    ASSERT_TRUE(srv_token_ok("abc-_.~+/=", 10));
    ASSERT_TRUE(!srv_token_ok("", 0));
    ASSERT_TRUE(!srv_token_ok("a b", 3));
    ASSERT_TRUE(!srv_token_ok("a\r\nX: y", 8));
    ASSERT_TRUE(!srv_token_ok("a\x7f", 2));
}

static void
test_errmsg(void)
{
    uint8_t buf[256];
    struct zto_srv_resp resp;
    struct zto_cbor_dec d;
    struct zto_bytes text;
    uint64_t code, prev, ts, cid;
    size_t n = 0, cap;
    char longtext[300];

    /* Known answer: [100, 10, "bad", 1700000000, 42] */
    static const uint8_t want[] = {0x85, 0x18, 0x64, 0x0a, 0x63, 'b',  'a', 'd',
                                   0x1a, 0x65, 0x53, 0xf1, 0x00, 0x18, 0x2a};
    ASSERT_OK(srv_errmsg_encode(100, 10, "bad", 1700000000u, 42, buf,
                                sizeof(buf), &n));
    ASSERT_EQ(n, sizeof(want));
    ASSERT_MEM_EQ(buf, want, sizeof(want));
    for (cap = 0; cap < sizeof(want); cap++)
        ASSERT_ERR(
            srv_errmsg_encode(100, 10, "bad", 1700000000u, 42, buf, cap, &n),
            ZTO_E_BUF_TOO_SMALL);

    memset(&resp, 0, sizeof(resp));
    resp.body = buf;
    resp.cap = sizeof(buf);
    ASSERT_OK(zto_srv_error(&resp, ZTO_E_SIGNATURE, 64, NULL));
    ASSERT_EQ(resp.msg_type, 255);
    ASSERT_TRUE(resp.end_session);
    zto_cbor_dec_init(&d, resp.body, resp.len);
    ASSERT_OK(zto_cbor_get_array_n(&d, 5));
    ASSERT_OK(zto_cbor_get_uint(&d, &code));
    ASSERT_OK(zto_cbor_get_uint(&d, &prev));
    ASSERT_OK(zto_cbor_get_tstr(&d, &text));
    ASSERT_OK(zto_cbor_get_uint(&d, &ts));
    ASSERT_OK(zto_cbor_get_uint(&d, &cid));
    ASSERT_OK(zto_cbor_dec_finish(&d));
    ASSERT_EQ(code, 101);
    ASSERT_EQ(prev, 64);
    ASSERT_TRUE(text.len == strlen(zto_strerror(ZTO_E_SIGNATURE)));
    ASSERT_TRUE(ts > 1600000000u);
    ASSERT_TRUE(zto_transport_is_errmsg(resp.body, resp.len));
    {
        /* What we send, the common codec reads back. */
        struct zto_error_msg em;
        ASSERT_OK(zto_error_msg_decode(resp.body, resp.len, &em));
        ASSERT_EQ(em.code, 101);
        ASSERT_EQ(em.prev_msg, 64);
        ASSERT_TRUE(em.has_ts && em.has_cid);
        ASSERT_EQ(em.cid, cid);
    }

    /* Text is cut to 128 bytes without splitting a UTF-8 sequence. */
    memset(longtext, 'a', sizeof(longtext));
    memcpy(longtext + 127, "\xc3\xa9", 2); /* e-acute across the cut */
    longtext[299] = '\0';
    ASSERT_OK(zto_srv_error_code(&resp, 500, 1, longtext));
    zto_cbor_dec_init(&d, resp.body, resp.len);
    ASSERT_OK(zto_cbor_get_array_n(&d, 5));
    ASSERT_OK(zto_cbor_get_uint(&d, &code));
    ASSERT_OK(zto_cbor_get_uint(&d, &prev));
    ASSERT_OK(zto_cbor_get_tstr(&d, &text));
    ASSERT_EQ(code, 500);
    ASSERT_EQ(text.len, 127);

    resp.cap = 10;
    ASSERT_ERR(zto_srv_error(&resp, ZTO_E_CBOR, 1, "x"), ZTO_E_BUF_TOO_SMALL);

    /* The client's sniffing: shape only, lenient on ts / cid. */
    {
        static const uint8_t nulls[] = {0x85, 0x01, 0x18, 0x3c,
                                        0x60, 0xf6, 0xf6};
        static const uint8_t four[] = {0x84, 0x01, 0x18, 0x3c, 0x60, 0xf6};
        static const uint8_t strcode[] = {0x85, 0x61, 'x',  0x18,
                                          0x3c, 0x60, 0xf6, 0xf6};
        static const uint8_t big_prev[] = {0x85, 0x01, 0x19, 0x01,
                                           0x00, 0x60, 0xf6, 0xf6};
        static const uint8_t trailing[] = {0x85, 0x01, 0x18, 0x3c,
                                           0x60, 0xf6, 0xf6, 0x00};
        ASSERT_TRUE(zto_transport_is_errmsg(nulls, sizeof(nulls)));
        ASSERT_TRUE(!zto_transport_is_errmsg(four, sizeof(four)));
        ASSERT_TRUE(!zto_transport_is_errmsg(strcode, sizeof(strcode)));
        ASSERT_TRUE(!zto_transport_is_errmsg(big_prev, sizeof(big_prev)));
        ASSERT_TRUE(!zto_transport_is_errmsg(trailing, sizeof(trailing)));
        ASSERT_TRUE(!zto_transport_is_errmsg(NULL, 0));
    }
}

static void
test_dupcache(void)
{
    struct srv_dupcache *c = NULL;
    struct srv_cached a, got;
    uint8_t h1[32], h2[32];
    static const uint8_t body[] = {1, 2, 3};
    uint64_t now = 1000000;

    memset(h1, 1, sizeof(h1));
    memset(h2, 2, sizeof(h2));
    memset(&a, 0, sizeof(a));
    a.code = 0x44;
    a.msg_type = 61;
    a.body = body;
    a.len = sizeof(body);
    a.token = "tok1";
    ASSERT_OK(srv_dupcache_new(4, 100, 247, &c));
    ASSERT_TRUE(!srv_dupcache_get(c, "t:x", 60, h1, now, &got));
    ASSERT_OK(srv_dupcache_put(c, "t:x", false, 60, h1, &a, now));
    ASSERT_TRUE(srv_dupcache_get(c, "t:x", 60, h1, now + 1000, &got));
    ASSERT_EQ(got.code, 0x44);
    ASSERT_EQ(got.msg_type, 61);
    ASSERT_EQ(got.len, 3);
    ASSERT_MEM_EQ(got.body, body, 3);
    ASSERT_TRUE(strcmp(got.token, "tok1") == 0);
    /* Other type, other body, other session: misses. */
    ASSERT_TRUE(!srv_dupcache_get(c, "t:x", 62, h1, now, &got));
    ASSERT_TRUE(!srv_dupcache_get(c, "t:x", 60, h2, now, &got));
    ASSERT_TRUE(!srv_dupcache_get(c, "t:y", 60, h1, now, &got));
    /* Expiry after the TTL. */
    ASSERT_TRUE(!srv_dupcache_get(c, "t:x", 60, h1, now + 247000, &got));
    /* One slot per session: the next answer replaces the previous. */
    ASSERT_OK(srv_dupcache_put(c, "t:x", false, 62, h2, &a, now));
    ASSERT_TRUE(!srv_dupcache_get(c, "t:x", 60, h1, now, &got));
    ASSERT_TRUE(srv_dupcache_get(c, "t:x", 62, h2, now, &got));
    ASSERT_EQ(srv_dupcache_count(c), 1);
    /* Entries keyed by peer live at most 60 s. */
    ASSERT_OK(srv_dupcache_put(c, "p:1.2.3.4:5", true, 60, h1, &a, now));
    ASSERT_TRUE(srv_dupcache_get(c, "p:1.2.3.4:5", 60, h1, now + 59000, &got));
    ASSERT_TRUE(!srv_dupcache_get(c, "p:1.2.3.4:5", 60, h1, now + 60000, &got));
    /* The end of session tok1 drops the peer entry that created it. */
    ASSERT_OK(srv_dupcache_put(c, "p:1.2.3.4:5", true, 60, h1, &a, now));
    srv_dupcache_end(c, "tok1");
    ASSERT_TRUE(!srv_dupcache_get(c, "p:1.2.3.4:5", 60, h1, now, &got));
    ASSERT_TRUE(srv_dupcache_get(c, "t:x", 62, h2, now, &got));
    /* Bounded: 4 entries, 100 bytes. */
    ASSERT_OK(srv_dupcache_put(c, "t:a", false, 1, h1, &a, now + 1));
    ASSERT_OK(srv_dupcache_put(c, "t:b", false, 1, h1, &a, now + 2));
    ASSERT_OK(srv_dupcache_put(c, "t:c", false, 1, h1, &a, now + 3));
    ASSERT_OK(srv_dupcache_put(c, "t:d", false, 1, h1, &a, now + 4));
    ASSERT_EQ(srv_dupcache_count(c), 4);
    ASSERT_TRUE(!srv_dupcache_get(c, "t:x", 62, h2, now, &got)); /* oldest */
    {
        uint8_t big[90];
        struct srv_cached b = a;
        memset(big, 9, sizeof(big));
        b.body = big;
        b.len = sizeof(big);
        ASSERT_OK(srv_dupcache_put(c, "t:e", false, 1, h1, &b, now + 5));
        ASSERT_TRUE(srv_dupcache_get(c, "t:e", 1, h1, now + 5, &got));
        ASSERT_EQ(got.len, 90);
        /* 90 + 3 * 3 > 100: older ones went */
        ASSERT_TRUE(srv_dupcache_count(c) <= 4);
        b.len = 101;
        ASSERT_ERR(srv_dupcache_put(c, "t:f", false, 1, h1, &b, now + 6),
                   ZTO_E_TOO_BIG);
    }
    srv_dupcache_free(c);
}

static void
test_redact(void)
{
    char buf[ZTO_LOG_REDACT_MAX];

    zto_log_redact("0123456789abcdef0123", buf, sizeof(buf));
    ASSERT_TRUE(strcmp(buf, "0123...(20)") == 0);
    zto_log_redact("short", buf, sizeof(buf));
    ASSERT_TRUE(strcmp(buf, "...(5)") == 0);
    zto_log_redact(NULL, buf, sizeof(buf));
    ASSERT_TRUE(strcmp(buf, "(none)") == 0);
    {
        int lvl = -1;
        ASSERT_OK(zto_log_level_parse("WARNING", &lvl));
        ASSERT_EQ(lvl, ZTO_SRV_LOG_WARN);
        ASSERT_OK(zto_log_level_parse("debug", &lvl));
        ASSERT_EQ(lvl, ZTO_SRV_LOG_DEBUG);
        ASSERT_ERR(zto_log_level_parse("loud", &lvl), ZTO_E_CONFIG);
    }
}

int
main(void)
{
    TEST_START("srv_util");
    test_listen();
    test_paths();
    test_errmsg();
    test_dupcache();
    test_redact();
    TEST_DONE();
}
