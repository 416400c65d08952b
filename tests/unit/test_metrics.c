/*
 * test_metrics.c - the metrics registry (zto_metrics.h): what the runtime
 * hook counts for each kind of exchange, role counters and histograms,
 * and the exposition text (checked with prom_check.h).
 */
#include <stdlib.h>
#include <string.h>

#include "prom_check.h"
#include "test.h"
#include "zto_metrics.h"
#include "zto_srv.h"

static uint8_t rbuf[256];

/* One exchange: request type/token, response type/token. */
static void
exchange(int transport, uint8_t type, const char *tok, uint8_t rtype,
         const char *rtok, const uint8_t *body, size_t blen)
{
    struct zto_srv_req req;
    struct zto_srv_resp resp;

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    req.msg_type = type;
    req.token = tok;
    req.transport = transport;
    req.body = type == 255 ? body : (const uint8_t *)"\x80";
    req.len = type == 255 ? blen : 1;
    req.peer = "test";
    resp.msg_type = rtype;
    resp.body = rbuf;
    resp.cap = sizeof(rbuf);
    if (rtype == 255) {
        memcpy(rbuf, body, blen);
        resp.len = blen;
    }
    snprintf(resp.token, sizeof(resp.token), "%s", rtok != NULL ? rtok : "");
    zto_metrics_fdo(&req, &resp, 0);
}

static char *
render(void)
{
    struct zto_metrics_info info;
    char *text = NULL;
    size_t len = 0;

    memset(&info, 0, sizeof(info));
    info.role = "te\"st\\";
    info.version = "1.2.3";
    info.db_up = -1;
    if (zto_metrics_render(&info, &text, &len) != ZTO_OK)
        return NULL;
    if (strlen(text) != len) {
        free(text);
        return NULL;
    }
    return text;
}

int
main(void)
{
    /* ErrorMessage [101, 22, "x", 0, null] and [1, 62, "x", null, null]. */
    static const uint8_t em101[] = {0x85, 0x18, 0x65, 0x16,
                                    0x61, 0x78, 0x00, 0xf6};
    static const uint8_t em1[] = {0x85, 0x01, 0x18, 0x3e,
                                  0x61, 0x78, 0xf6, 0xf6};
    static const uint8_t em777[] = {0x85, 0x19, 0x03, 0x09, 0x16,
                                    0x61, 0x78, 0x00, 0xf6};
    char *t;

    TEST_START("metrics");
    zto_metrics_reset();

    /* DI run with a rotating token: completes, one duration. */
    exchange(ZTO_SRV_HTTP, 10, NULL, 11, "tokA", NULL, 0);
    exchange(ZTO_SRV_HTTP, 12, "tokA", 13, "", NULL, 0);
    /* TO2 with rotation mid-way. */
    exchange(ZTO_SRV_COAP, 60, NULL, 61, "t2a", NULL, 0);
    exchange(ZTO_SRV_COAP, 62, "t2a", 63, "t2b", NULL, 0);
    exchange(ZTO_SRV_COAP, 64, "t2b", 65, "", NULL, 0);
    t = render();
    ASSERT_TRUE(t != NULL && strstr(t, "zto_fdo_sessions_active{protocol="
                                       "\"to2\"} 1\n") != NULL);
    free(t);
    exchange(ZTO_SRV_COAP, 70, "t2b", 71, "", NULL, 0);
    /* A TO0 the server refuses; a TO1 the device gives up on; an old
     * token that started elsewhere completes without a duration. */
    exchange(ZTO_SRV_HTTPS, 20, NULL, 21, "t0", NULL, 0);
    exchange(ZTO_SRV_HTTPS, 22, "t0", 255, "", em101, sizeof(em101));
    exchange(ZTO_SRV_COAPS, 30, NULL, 31, "t1", NULL, 0);
    exchange(ZTO_SRV_COAPS, 255, "t1", 0, "", em1, sizeof(em1));
    exchange(ZTO_SRV_HTTP, 22, "elsewhere", 23, "", NULL, 0);
    exchange(ZTO_SRV_HTTP, 62, "nobody", 255, "", em777, sizeof(em777));
    /* Unknown message types are counted but start nothing. */
    exchange(ZTO_SRV_HTTP, 200, NULL, 201, "x", NULL, 0);

    zto_metrics_inc(ZTO_METRIC_VOUCHERS_IMPORTED);
    zto_metrics_add(ZTO_METRIC_VOUCHERS_IMPORTED, 4);
    zto_metrics_inc(ZTO_METRIC_COUNT_); /* ignored */
    zto_metrics_observe(ZTO_HIST_TO0_CLIENT, 0.007);
    zto_metrics_observe(ZTO_HIST_TO0_CLIENT, 1000);
    zto_metrics_observe(ZTO_HIST_TO0_CLIENT, -5);
    ASSERT_EQ(zto_metrics_get(ZTO_METRIC_VOUCHERS_IMPORTED), 5);
    ASSERT_EQ(zto_metrics_runs_completed("to2"), 1);
    ASSERT_EQ(zto_metrics_runs_completed("di"), 1);
    ASSERT_EQ(zto_metrics_runs_completed("to0"), 1);
    ASSERT_EQ(zto_metrics_runs_completed("nope"), 0);

    t = render();
    ASSERT_TRUE(t != NULL);
    if (t == NULL)
        return 1;
    ASSERT_EQ(prom_check(t), 0);
    ASSERT_EQ(prom_value(t, "zto_build_info{role=\"te\\\"st\\\\\","
                            "version=\"1.2.3\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_fdo_messages_total{transport=\"coap\","
                            "type=\"60\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_fdo_messages_total{transport=\"coaps\","
                            "type=\"255\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_fdo_messages_total{transport=\"http\","
                            "type=\"200\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_fdo_runs_total{protocol=\"to2\","
                            "result=\"completed\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_fdo_runs_total{protocol=\"to0\","
                            "result=\"failed\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_fdo_runs_total{protocol=\"to1\","
                            "result=\"failed\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_fdo_runs_total{protocol=\"to2\","
                            "result=\"failed\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_fdo_errors_sent_total{code=\"101\"}"), 1);
    ASSERT_EQ(prom_value(t, "zto_fdo_errors_sent_total{code=\"other\"}"), 1);
    ASSERT_EQ(prom_value(t, "zto_fdo_errors_received_total{code=\"1\"}"), 1);
    ASSERT_EQ(prom_value(t, "zto_fdo_run_duration_seconds_count{protocol="
                            "\"di\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_fdo_run_duration_seconds_count{protocol="
                            "\"to0\"}"),
              0);
    ASSERT_EQ(prom_value(t, "zto_to0_registrations_total"), 1);
    ASSERT_EQ(prom_value(t, "zto_onboardings_completed_total"), 1);
    ASSERT_EQ(prom_value(t, "zto_fdo_sessions_active{protocol=\"to2\"}"), 0);
    ASSERT_EQ(prom_value(t, "zto_fdo_sessions_active{protocol=\"to1\"}"), 0);
    ASSERT_EQ(prom_value(t, "zto_vouchers_imported_total"), 5);
    /* 0.007 s lands in le=0.01, -5 in le=0.005, 1000 only in +Inf. */
    ASSERT_EQ(prom_value(t, "zto_to0_client_duration_seconds_bucket{le="
                            "\"0.005\"}"),
              1);
    ASSERT_EQ(prom_value(t, "zto_to0_client_duration_seconds_bucket{le="
                            "\"0.01\"}"),
              2);
    ASSERT_EQ(prom_value(t, "zto_to0_client_duration_seconds_bucket{le="
                            "\"300\"}"),
              2);
    ASSERT_EQ(prom_value(t, "zto_to0_client_duration_seconds_bucket{le="
                            "\"+Inf\"}"),
              3);
    ASSERT_EQ(prom_value(t, "zto_to0_client_duration_seconds_count"), 3);
    ASSERT_TRUE(
        strstr(t, "zto_to0_client_duration_seconds_sum 1000.007000\n") != NULL);
    /* No srv: no transport families; db_up -1: not shown. */
    ASSERT_TRUE(strstr(t, "zto_transport_refused_total") == NULL);
    ASSERT_TRUE(strstr(t, "zto_db_up") == NULL);
    free(t);

    /* The checker itself rejects broken text. */
    ASSERT_EQ(prom_check("x 1\n"), -1); /* no TYPE */
    ASSERT_EQ(prom_check("# TYPE x counter\nx{a=\"1} 1\n"), -1);
    ASSERT_EQ(prom_check("# TYPE x counter\nx one\n"), -1);
    ASSERT_EQ(prom_check("# TYPE x counter\nx 1"), -1);
    ASSERT_EQ(prom_check("# TYPE x counter\n# TYPE y gauge\nx 1\ny 1\nx 2\n"),
              -1);
    ASSERT_EQ(prom_check("# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                         "h_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n"),
              -1);
    ASSERT_EQ(prom_check("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
                         "h_bucket{le=\"+Inf\"} 2\nh_sum 0\nh_count 3\n"),
              -1);
    ASSERT_EQ(prom_check("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
                         "h_bucket{le=\"+Inf\"} 2\nh_sum 0\nh_count 2\n"),
              0);
    TEST_DONE();
}
