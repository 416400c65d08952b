/* test_rvtarget.c - RendezvousInfo directives and RVTO2Addr entries as
 * transport targets: address text, protocol and port rules, role skips,
 * and the go-fdo voucher's RendezvousInfo. */
#include <stdlib.h>

#include "test.h"
#include "zto/zto.h"
#include "zto/zto_rvtarget.h"

static void
check_ip(const uint8_t *ip, size_t len, const char *want)
{
    char buf[48];

    memset(buf, 'x', sizeof(buf));
    ASSERT_OK(zto_ip_format(ip, len, buf, sizeof(buf)));
    if (strcmp(buf, want) != 0)
        TEST_FAIL_("ip '%s' != '%s'", buf, want);
    /* Exactly enough room works, one byte less does not. */
    ASSERT_OK(zto_ip_format(ip, len, buf, strlen(want) + 1));
    ASSERT_ERR(zto_ip_format(ip, len, buf, strlen(want)), ZTO_E_BUF_TOO_SMALL);
}

static void
test_ip_format(void)
{
    static const uint8_t v4[4] = {192, 168, 122, 1};
    static const uint8_t zero4[4] = {0, 0, 0, 0};
    static const uint8_t mapped[16] = {0, 0, 0,    0,    0,   0, 0, 0,
                                       0, 0, 0xff, 0xff, 127, 0, 0, 1};
    static const uint8_t loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t any6[16] = {0};
    static const uint8_t doc6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,    0,
                                     0,    0,    0,    0,    0, 0, 0x00, 0x10};
    static const uint8_t mid6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                     0,    1,    0,    0,    0, 0, 0, 1};
    static const uint8_t long6[16] = {0x20, 0x01, 0, 0, 0, 0, 0, 1,
                                      0,    0,    0, 0, 0, 0, 0, 1};
    static const uint8_t one0[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
                                     0,    1,    0,    1,    0, 1, 0, 1};
    static const uint8_t tail6[16] = {0xfe, 0x80, 0, 1, 0, 2, 0, 3,
                                      0,    4,    0, 5, 0, 0, 0, 0};
    static const uint8_t full6[16] = {0xab, 0xcd, 0x12, 0x34, 0, 0x0f, 0x10, 0,
                                      0xff, 0xff, 0,    1,    0, 2,    0,    3};
    char buf[64];

    check_ip(v4, 4, "192.168.122.1");
    check_ip(zero4, 4, "0.0.0.0");
    check_ip(mapped, 16, "127.0.0.1");
    check_ip(loop6, 16, "::1");
    check_ip(any6, 16, "::");
    check_ip(doc6, 16, "2001:db8::10");
    /* Two runs of zeroes: the longer one (the first on a tie) is "::". */
    check_ip(mid6, 16, "2001:db8::1:0:0:1");
    check_ip(long6, 16, "2001:0:0:1::1");
    /* A single zero group is written as 0. */
    check_ip(one0, 16, "2001:db8:0:1:1:1:1:1");
    check_ip(tail6, 16, "fe80:1:2:3:4:5::");
    check_ip(full6, 16, "abcd:1234:f:1000:ffff:1:2:3");
    ASSERT_ERR(zto_ip_format(v4, 5, buf, sizeof(buf)), ZTO_E_IPADDR);
    ASSERT_ERR(zto_ip_format(v4, 0, buf, sizeof(buf)), ZTO_E_IPADDR);
}

static struct zto_rv_directive
dir_dns(const char *dns)
{
    struct zto_rv_directive d;

    memset(&d, 0, sizeof(d));
    d.has_dns = true;
    d.dns = ZTO_BYTES(dns, strlen(dns));
    return d;
}

static void
check_target(const struct zto_target *t, uint8_t prot, const char *host,
             uint16_t port)
{
    ASSERT_EQ(t->protocol, prot);
    ASSERT_EQ(t->port, port);
    if (strcmp(t->host, host) != 0)
        TEST_FAIL_("host '%s' != '%s'", t->host, host);
}

static void
test_directives(void)
{
    struct zto_target t[ZTO_RV_DIRECTIVE_TARGETS];
    struct zto_rv_directive d;
    size_t n = 99;
    char big[300];

    /* No protocol: HTTPS on 443, for both roles. */
    d = dir_dns("rv.example");
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n));
    ASSERT_EQ(n, 1);
    check_target(&t[0], ZTO_TPROT_HTTPS, "rv.example", 443);
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_OWNER, t, &n));
    check_target(&t[0], ZTO_TPROT_HTTPS, "rv.example", 443);

    /* RVProtocol HTTP (1) is TransportProtocol HTTP (3); ports by role. */
    d.has_protocol = true;
    d.protocol = ZTO_RVPROT_HTTP;
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n));
    check_target(&t[0], ZTO_TPROT_HTTP, "rv.example", 80);
    d.has_dev_port = true;
    d.dev_port = 8041;
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_OWNER, t, &n));
    check_target(&t[0], ZTO_TPROT_HTTP, "rv.example", 8041);
    d.has_owner_port = true;
    d.owner_port = 8043;
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_OWNER, t, &n));
    check_target(&t[0], ZTO_TPROT_HTTP, "rv.example", 8043);
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n));
    check_target(&t[0], ZTO_TPROT_HTTP, "rv.example", 8041);

    /* DNS and IP: two targets, the name first; IPv4-mapped as IPv4. */
    d.has_ip = true;
    d.ip_len = 16;
    memset(d.ip, 0, sizeof(d.ip));
    d.ip[10] = d.ip[11] = 0xff;
    d.ip[12] = 10;
    d.ip[15] = 7;
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n));
    ASSERT_EQ(n, 2);
    check_target(&t[0], ZTO_TPROT_HTTP, "rv.example", 8041);
    check_target(&t[1], ZTO_TPROT_HTTP, "10.0.0.7", 8041);

    /* IP only, IPv6. */
    d.has_dns = false;
    memset(d.ip, 0, sizeof(d.ip));
    d.ip[15] = 1;
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n));
    ASSERT_EQ(n, 1);
    check_target(&t[0], ZTO_TPROT_HTTP, "::1", 8041);

    /* CoapUdp (6): CoAP (4) on 5683, CoAPS (6) on 5684. */
    d = dir_dns("rv.example");
    d.has_protocol = true;
    d.protocol = ZTO_RVPROT_COAP_UDP;
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n));
    check_target(&t[0], ZTO_TPROT_COAP, "rv.example", 5683);
    d.has_dev_port = true;
    d.dev_port = 5684;
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n));
    check_target(&t[0], ZTO_TPROT_COAPS, "rv.example", 5684);
    /* Port 0 means the default. */
    d.dev_port = 0;
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n));
    check_target(&t[0], ZTO_TPROT_COAP, "rv.example", 5683);

    /* Protocols without a transport. */
    d.protocol = ZTO_RVPROT_REST;
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n),
               ZTO_E_UNSUPPORTED);
    d.protocol = ZTO_RVPROT_TCP;
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n),
               ZTO_E_UNSUPPORTED);
    d.protocol = ZTO_RVPROT_COAP_TCP;
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n),
               ZTO_E_UNSUPPORTED);

    /* Role skips. */
    d = dir_dns("rv.example");
    d.owner_only = true;
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n),
               ZTO_E_NOT_FOUND);
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_OWNER, t, &n));
    d.owner_only = false;
    d.dev_only = true;
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_OWNER, t, &n),
               ZTO_E_NOT_FOUND);
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n));

    /* No address; a bad name. */
    memset(&d, 0, sizeof(d));
    d.has_delay = true;
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n),
               ZTO_E_MISSING);
    d = dir_dns("");
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n),
               ZTO_E_URL);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    d = dir_dns(big);
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n),
               ZTO_E_URL);
    d.dns = ZTO_BYTES("a\0b", 3);
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &n),
               ZTO_E_URL);
    ASSERT_ERR(zto_rv_directive_targets(&d, 7, t, &n), ZTO_E_ARG);
}

/* The go-fdo voucher's RendezvousInfo: [[RVDelaysec 0]],
 * [[RVProtocol 1], [RVDns "localhost"], [RVDevPort 18080]]. */
static void
test_vector_rvinfo(void)
{
    char path[512];
    unsigned char *buf;
    size_t n = 0, nt = 0;
    struct zto_voucher v;
    struct zto_rv_directive d;
    struct zto_target t[ZTO_RV_DIRECTIVE_TARGETS];

    snprintf(path, sizeof(path), "%s/p256/voucher.cbor", ZTO_VECTORS_DIR);
    buf = test_read_file(path, &n);
    ASSERT_OK(zto_voucher_decode(buf, n, &v));
    ASSERT_EQ(v.hdr.rvinfo.ndirectives, 2);
    ASSERT_OK(zto_rv_directive_parse(v.hdr.rvinfo.directive[0], &d));
    ASSERT_ERR(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &nt),
               ZTO_E_MISSING);
    ASSERT_TRUE(d.has_delay);
    ASSERT_OK(zto_rv_directive_parse(v.hdr.rvinfo.directive[1], &d));
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_DEVICE, t, &nt));
    ASSERT_EQ(nt, 1);
    check_target(&t[0], ZTO_TPROT_HTTP, "localhost", 18080);
    /* The owner falls back to RVDevPort as go-fdo's owner does. */
    ASSERT_OK(zto_rv_directive_targets(&d, ZTO_RV_ROLE_OWNER, t, &nt));
    check_target(&t[0], ZTO_TPROT_HTTP, "localhost", 18080);
    free(buf);
}

static void
test_rvto2addr(void)
{
    struct zto_rvto2addr_entry e;
    struct zto_target t;

    memset(&e, 0, sizeof(e));
    e.has_ip = true;
    e.ip_len = 4;
    e.ip[0] = 127;
    e.ip[3] = 1;
    e.port = 8042;
    e.protocol = ZTO_TPROT_HTTP;
    ASSERT_OK(zto_rvto2addr_target(&e, &t));
    check_target(&t, ZTO_TPROT_HTTP, "127.0.0.1", 8042);
    e.has_dns = true;
    e.dns = ZTO_BYTES("owner.example", 13);
    e.protocol = ZTO_TPROT_COAPS;
    e.port = 0;
    ASSERT_OK(zto_rvto2addr_target(&e, &t));
    check_target(&t, ZTO_TPROT_COAPS, "owner.example", 5684);
    e.protocol = ZTO_TPROT_HTTPS;
    ASSERT_OK(zto_rvto2addr_target(&e, &t));
    check_target(&t, ZTO_TPROT_HTTPS, "owner.example", 443);
    e.protocol = ZTO_TPROT_TCP;
    ASSERT_ERR(zto_rvto2addr_target(&e, &t), ZTO_E_UNSUPPORTED);
    e.protocol = ZTO_TPROT_TLS;
    ASSERT_ERR(zto_rvto2addr_target(&e, &t), ZTO_E_UNSUPPORTED);
    e.protocol = ZTO_TPROT_COAP;
    e.has_dns = e.has_ip = false;
    ASSERT_ERR(zto_rvto2addr_target(&e, &t), ZTO_E_MISSING);
}

int
main(void)
{
    TEST_START("rvtarget");
    test_ip_format();
    test_directives();
    test_vector_rvinfo();
    test_rvto2addr();
    TEST_DONE();
}
