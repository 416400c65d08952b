/* test_to0_sched.c - the owner's TO0 scheduling: which rendezvous servers
 * a RendezvousInfo names for the owner, renewal timing, exponential
 * backoff with its cap and jitter bounds, and the log lines. */
#include <stdlib.h>

#include "test.h"
#include "zto/zto.h"
#include "zto_to0.h"

#define CONTAINS(s, sub)                                                       \
    do {                                                                       \
        test_checks++;                                                         \
        if (strstr((s), (sub)) == NULL)                                        \
            TEST_FAIL_("'%s' lacks '%s'", (s), (sub));                         \
    } while (0)

static void
test_rv_list_vector(void)
{
    char path[512];
    size_t n = 0, nd = 0;
    unsigned char *buf;
    struct zto_voucher v;
    struct zto_to0_rv rv[8];

    snprintf(path, sizeof(path), "%s/p384/voucher.cbor", ZTO_VECTORS_DIR);
    buf = test_read_file(path, &n);
    ASSERT_OK(zto_voucher_decode(buf, n, &v));
    ASSERT_OK(
        zto_to0_rv_list(v.hdr.rvinfo.raw.p, v.hdr.rvinfo.raw.len, rv, 8, &nd));
    ASSERT_EQ(nd, 2);
    ASSERT_EQ(rv[0].status, ZTO_E_MISSING); /* only RVDelaysec */
    ASSERT_EQ(rv[0].ntargets, 0);
    ASSERT_EQ(rv[1].status, ZTO_OK);
    ASSERT_EQ(rv[1].directive, 1);
    ASSERT_EQ(rv[1].ntargets, 1);
    ASSERT_EQ(rv[1].target[0].protocol, ZTO_TPROT_HTTP);
    ASSERT_EQ(rv[1].target[0].port, 18080);
    ASSERT_TRUE(strcmp(rv[1].target[0].host, "localhost") == 0);
    ASSERT_ERR(
        zto_to0_rv_list(v.hdr.rvinfo.raw.p, v.hdr.rvinfo.raw.len, rv, 1, &nd),
        ZTO_E_BUF_TOO_SMALL);
    ASSERT_FAILS(zto_to0_rv_list(v.hdr.rvinfo.raw.p, v.hdr.rvinfo.raw.len - 1,
                                 rv, 8, &nd));
    free(buf);
}

static void
test_rv_list_built(void)
{
    struct zto_rv_directive d[4];
    struct zto_to0_rv rv[4];
    struct zto_cbor_enc e;
    uint8_t raw[512];
    size_t n = 0, nd = 0;

    memset(d, 0, sizeof(d));
    /* 0: device only -> skipped by the owner. */
    d[0].dev_only = true;
    d[0].has_dns = true;
    d[0].dns = ZTO_BYTES("dev.example", 11);
    /* 1: CoAP on an owner port, IP and DNS. */
    d[1].has_dns = true;
    d[1].dns = ZTO_BYTES("rv.example", 10);
    d[1].has_ip = true;
    d[1].ip_len = 4;
    d[1].ip[0] = 10;
    d[1].ip[3] = 9;
    d[1].has_protocol = true;
    d[1].protocol = ZTO_RVPROT_COAP_UDP;
    d[1].has_dev_port = true;
    d[1].dev_port = 5683;
    d[1].has_owner_port = true;
    d[1].owner_port = 15683;
    /* 2: TLS: no transport for it. */
    d[2].has_dns = true;
    d[2].dns = ZTO_BYTES("tls.example", 11);
    d[2].has_protocol = true;
    d[2].protocol = ZTO_RVPROT_TLS;
    /* 3: owner only, HTTPS by default. */
    d[3].owner_only = true;
    d[3].has_dns = true;
    d[3].dns = ZTO_BYTES("own.example", 11);
    zto_cbor_enc_init(&e, raw, sizeof(raw));
    zto_rvinfo_enc(&e, d, 4);
    ASSERT_OK(zto_cbor_enc_finish(&e, &n));
    ASSERT_OK(zto_to0_rv_list(raw, n, rv, 4, &nd));
    ASSERT_EQ(nd, 4);
    ASSERT_EQ(rv[0].status, ZTO_E_NOT_FOUND);
    ASSERT_EQ(rv[1].status, ZTO_OK);
    ASSERT_EQ(rv[1].ntargets, 2);
    ASSERT_EQ(rv[1].target[0].protocol, ZTO_TPROT_COAP);
    ASSERT_EQ(rv[1].target[0].port, 15683);
    ASSERT_TRUE(strcmp(rv[1].target[0].host, "rv.example") == 0);
    ASSERT_TRUE(strcmp(rv[1].target[1].host, "10.0.0.9") == 0);
    ASSERT_EQ(rv[2].status, ZTO_E_UNSUPPORTED);
    ASSERT_EQ(rv[3].status, ZTO_OK);
    ASSERT_EQ(rv[3].target[0].protocol, ZTO_TPROT_HTTPS);
    ASSERT_EQ(rv[3].target[0].port, 443);
}

static void
test_renewal(void)
{
    struct zto_to0_sched_cfg cfg;
    struct zto_to0_sched s;
    char line[512];
    int level = -1;
    int64_t now = 1000000;

    memset(&cfg, 0, sizeof(cfg));
    zto_to0_sched_init(&s, now);
    ASSERT_TRUE(zto_to0_sched_due(&s, now));
    ASSERT_TRUE(!zto_to0_sched_registered(&s, now));
    zto_to0_sched_success(&cfg, &s, now, 86400);
    ASSERT_EQ(s.next_at, now + 69120); /* 80 % */
    ASSERT_EQ(s.expires_at, now + 86400);
    ASSERT_TRUE(!zto_to0_sched_due(&s, now + 69119));
    ASSERT_TRUE(zto_to0_sched_due(&s, now + 69120));
    ASSERT_EQ(zto_to0_sched_wait(&s, now + 100), 69020);
    zto_to0_sched_describe(&s, now, "http://rv:8041", "3fb0", NULL, line,
                           sizeof(line), &level);
    ASSERT_EQ(level, ZTO_LOG_INFO);
    CONTAINS(line, "registered GUID 3fb0 at rendezvous http://rv:8041 for "
                   "86400 s; renewing in 69120 s");

    /* A custom share; and never sooner than min_renew_s. */
    cfg.renew_percent = 50;
    zto_to0_sched_success(&cfg, &s, now, 1000);
    ASSERT_EQ(s.next_at, now + 500);
    zto_to0_sched_success(&cfg, &s, now, 10);
    ASSERT_EQ(s.next_at, now + 60);
    cfg.min_renew_s = 5;
    zto_to0_sched_success(&cfg, &s, now, 10);
    ASSERT_EQ(s.next_at, now + 5);
    zto_to0_sched_success(&cfg, &s, now, 0);
    ASSERT_EQ(s.next_at, now + 5);
    ASSERT_TRUE(!zto_to0_sched_registered(&s, now));
}

static void
test_backoff(void)
{
    struct zto_to0_sched_cfg cfg;
    struct zto_to0_sched s;
    static const int64_t want[] = {10,  20,   40,   80,   160,  320,
                                   640, 1280, 2560, 3600, 3600, 3600};
    char line[512];
    int level = -1;
    int64_t now = 5000;
    size_t i;

    memset(&cfg, 0, sizeof(cfg));
    zto_to0_sched_init(&s, now);
    zto_to0_sched_success(&cfg, &s, now, 100);
    now += 80;
    /* Without jitter (rnd chosen to land in the middle): exact doubling
     * up to the cap. rnd % (d/5+1) == d/10 gives d exactly. */
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        int64_t d = want[i];
        zto_to0_sched_failure(&cfg, &s, now, ZTO_E_CONNECT, 0,
                              (uint32_t)(d / 10));
        ASSERT_EQ(s.next_at - now, d);
        ASSERT_EQ(s.failures, i + 1);
    }
    ASSERT_EQ(s.failing_since, 5080);
    /* Jitter stays within +-10 %. */
    for (i = 0; i < 1000; i++) {
        int64_t d;
        zto_to0_sched_failure(&cfg, &s, now, ZTO_E_TIMEOUT, 0,
                              (uint32_t)(i * 2654435761u));
        d = s.next_at - now;
        ASSERT_TRUE(d >= 3240 && d <= 3960);
    }
    /* The line says what is wrong and what it means for devices. */
    zto_to0_sched_describe(&s, now + 100, "coap://rv:5683", "3fb0",
                           "message 20: cannot connect to peer", line,
                           sizeof(line), &level);
    ASSERT_EQ(level, ZTO_LOG_ERR);
    CONTAINS(line, "rendezvous coap://rv:5683 unreachable for GUID 3fb0");
    CONTAINS(line, "cannot connect to peer");
    CONTAINS(line, "1012 failures in 100 s");
    CONTAINS(line, "NOT REGISTERED (expired 80 s ago)");
    CONTAINS(line, "next attempt in");

    /* While the registration still lives it is a warning. */
    zto_to0_sched_init(&s, now);
    zto_to0_sched_success(&cfg, &s, now, 1000);
    now += 800;
    zto_to0_sched_failure(&cfg, &s, now, ZTO_E_PEER_ERROR, 2, 1);
    zto_to0_sched_describe(&s, now + 5, "http://rv", "g", NULL, line,
                           sizeof(line), &level);
    ASSERT_EQ(level, ZTO_LOG_WARN);
    CONTAINS(line, "refused registration");
    CONTAINS(line, "1 failure in 5 s");
    CONTAINS(line, "registration still valid for 195 s");
    /* Success resets the streak. */
    zto_to0_sched_success(&cfg, &s, now, 1000);
    ASSERT_EQ(s.failures, 0);
    ASSERT_EQ(s.failing_since, 0);
    /* Never registered. */
    zto_to0_sched_init(&s, now);
    zto_to0_sched_failure(&cfg, &s, now, ZTO_E_VOUCHER, 0, 0);
    zto_to0_sched_describe(&s, now, "http://rv", "g", NULL, line, sizeof(line),
                           &level);
    CONTAINS(line, "registration failed");
    CONTAINS(line, "NOT REGISTERED: devices cannot find this owner");
    /* Custom bounds; a cap below the first delay is raised to it. */
    cfg.backoff_first_s = 2;
    cfg.backoff_max_s = 1;
    zto_to0_sched_init(&s, now);
    zto_to0_sched_failure(&cfg, &s, now, ZTO_E_CONNECT, 0, 0);
    zto_to0_sched_failure(&cfg, &s, now, ZTO_E_CONNECT, 0, 0);
    ASSERT_TRUE(s.next_at - now >= 1 && s.next_at - now <= 2);
    ASSERT_TRUE(zto_to0_unreachable(ZTO_E_CONNECT));
    ASSERT_TRUE(zto_to0_unreachable(ZTO_E_TIMEOUT));
    ASSERT_TRUE(!zto_to0_unreachable(ZTO_E_PEER_ERROR));
    ASSERT_TRUE(!zto_to0_unreachable(ZTO_OK));
}

int
main(void)
{
    TEST_START("to0_sched");
    test_rv_list_vector();
    test_rv_list_built();
    test_renewal();
    test_backoff();
    TEST_DONE();
}
