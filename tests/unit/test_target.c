/*
 * test_target - zto_target_parse() / zto_target_url() (device/src/target.c).
 */
#include "test.h"
#include "zto/zto_port.h"

static void
good(const char *url, uint8_t proto, const char *host, uint16_t port,
     const char *canonical)
{
    struct zto_target t;
    char out[300];
    size_t n, cap;

    ASSERT_OK(zto_target_parse(url, &t));
    ASSERT_EQ(t.protocol, proto);
    ASSERT_TRUE(strcmp(t.host, host) == 0);
    ASSERT_EQ(t.port, port);
    ASSERT_OK(zto_target_url(&t, out, sizeof(out)));
    if (strcmp(out, canonical) != 0)
        TEST_FAIL_("%s -> %s, want %s", url, out, canonical);
    /* Every buffer too small by one or more fails cleanly. */
    n = strlen(canonical);
    for (cap = 1; cap <= n; cap++) {
        char *small = (char *)test_exact_copy(out, cap);
        ASSERT_ERR(zto_target_url(&t, small, cap), ZTO_E_BUF_TOO_SMALL);
        free(small);
    }
}

static void
bad(const char *url)
{
    struct zto_target t;

    memset(&t, 0x5a, sizeof(t));
    if (zto_target_parse(url, &t) != ZTO_E_URL)
        TEST_FAIL_("'%s' accepted", url);
    test_checks++;
    /* Output untouched on failure. */
    ASSERT_EQ(t.port, 0x5a5a);
}

int
main(void)
{
    struct zto_target t;
    char out[300];
    char longhost[400];

    TEST_START("target");
    good("http://example.com", ZTO_TPROT_HTTP, "example.com", 80,
         "http://example.com:80");
    good("https://rv.example.org:8443/", ZTO_TPROT_HTTPS, "rv.example.org",
         8443, "https://rv.example.org:8443");
    good("coap://[::1]:5683", ZTO_TPROT_COAP, "::1", 5683, "coap://[::1]:5683");
    good("COAPS://[2001:db8::7]", ZTO_TPROT_COAPS, "2001:db8::7", 5684,
         "coaps://[2001:db8::7]:5684");
    good("coap://10.0.0.1", ZTO_TPROT_COAP, "10.0.0.1", 5683,
         "coap://10.0.0.1:5683");
    good("http://127.0.0.1:1", ZTO_TPROT_HTTP, "127.0.0.1", 1,
         "http://127.0.0.1:1");
    good("http://h:65535", ZTO_TPROT_HTTP, "h", 65535, "http://h:65535");
    good("https://[::ffff:1.2.3.4]:9", ZTO_TPROT_HTTPS, "::ffff:1.2.3.4", 9,
         "https://[::ffff:1.2.3.4]:9");

    bad("");
    bad("ftp://x");
    bad("http:/x");
    bad("http//x");
    bad("tcp://x:1");
    bad("http://");
    bad("http://:80");
    bad("http://x:0");
    bad("http://x:65536");
    bad("http://x:123456");
    bad("http://x:");
    bad("http://x:8a");
    bad("http://x/fdo/101/msg/10");
    bad("http://x?y");
    bad("http://user@x");
    bad("http://[::1");
    bad("http://[::1]x");
    bad("http://[1.2.3.4]");
    bad("http://[zz::1]");
    bad("http://::1:80");
    bad("http://a b");
    memset(longhost, 'a', sizeof(longhost));
    memcpy(longhost, "http://", 7);
    longhost[ZTO_HOST_MAX + 7] = '\0';
    bad(longhost);

    /* Formatting refuses what cannot be a target. */
    memset(&t, 0, sizeof(t));
    t.protocol = ZTO_TPROT_TCP;
    snprintf(t.host, sizeof(t.host), "x");
    ASSERT_ERR(zto_target_url(&t, out, sizeof(out)), ZTO_E_URL);
    t.protocol = ZTO_TPROT_HTTP;
    t.host[0] = '\0';
    ASSERT_ERR(zto_target_url(&t, out, sizeof(out)), ZTO_E_URL);
    memset(t.host, 'h', sizeof(t.host)); /* not terminated */
    ASSERT_ERR(zto_target_url(&t, out, sizeof(out)), ZTO_E_URL);
    ASSERT_ERR(zto_target_parse(NULL, &t), ZTO_E_ARG);
    TEST_DONE();
}
