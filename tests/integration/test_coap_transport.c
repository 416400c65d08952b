/*
 * test_coap_transport - the CoAP(S) client transport against srv_echo:
 * round trips over IPv4 and IPv6 (60 kB means about 60 Block1 and 60
 * Block2 exchanges), tokens, ErrorMessages, duplicates answered from the
 * server's cache (also with the server dropping its answers), DTLS
 * verification; and against a small libcoap server for answers srv_echo
 * never gives (oversize, no FDO-Msg-Type, 4.04 without ErrorMessage).
 */
#include <coap3/coap.h>

#include "roundtrip.h"

static struct zto_coap_transport ct;
static const struct zto_transport_ops *ops = &zto_transport_coap_ops;

static void
suite(const char *what, const struct zto_target *tg)
{
    rt_sizes(what, ops, &ct, tg);
    rt_errors(what, ops, &ct, tg);
}

static void
test_plain(void)
{
    static const char *const args[] = {"--coap", "127.0.0.1:0", "--coap",
                                       "[::1]:0", NULL};
    static const char *const rot[] = {"--coap", "[::1]:0", "--rotate-tokens",
                                      NULL};
    struct echo_proc p;
    struct zto_target t4, t6;
    struct echo_stats st;
    uint8_t body[64], type = 0;
    size_t blen, olen = 0;

    printf("coap: plain\n");
    ASSERT_EQ(echo_start(&p, args), 0);
    ASSERT_EQ(echo_target(&p, "coap://127.0.0.1:", &t4), 0);
    ASSERT_EQ(echo_target(&p, "coap://[::1]:", &t6), 0);
    zto_coap_transport_init(&ct, NULL);
    suite("coap ipv4", &t4);
    suite("coap ipv6", &t6);

    blen = make_text("device failed", body, sizeof(body));
    ASSERT_OK(ops->open(&ct, &t6));
    ASSERT_OK(
        xchg(ops, &ct, 255, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(olen, 0);
    ASSERT_EQ(rt_stats(ops, &ct, &t4, &st), 0);
    ASSERT_EQ(st.errors, 1);
    zto_coap_transport_free(&ct);
    echo_stop(&p);

    ASSERT_EQ(echo_start(&p, rot), 0);
    ASSERT_EQ(echo_target(&p, "coap://[::1]:", &t6), 0);
    zto_coap_transport_init(&ct, NULL);
    rt_rotation("coap", ops, &ct, &t6);
    zto_coap_transport_free(&ct);
    echo_stop(&p);
}

/* The same message sent twice in one session is answered once. */
static void
test_duplicate(void)
{
    static const char *const args[] = {"--coap", "127.0.0.1:0", NULL};
    struct echo_proc p;
    struct zto_target tg;
    struct echo_stats before, after;
    struct echo_ans a1, a2;
    uint8_t out2[ZTO_MAX_MSG_SIZE];
    uint8_t body[64], *big, type = 0;
    size_t blen, biglen = 0, olen = 0, olen2 = 0;

    printf("coap: duplicate requests\n");
    ASSERT_EQ(echo_start(&p, args), 0);
    ASSERT_EQ(echo_target(&p, "coap://127.0.0.1:", &tg), 0);
    zto_coap_transport_init(&ct, NULL);
    ASSERT_EQ(rt_stats(ops, &ct, &tg, &before), 0);

    blen = make_text("hello", body, sizeof(body));
    ASSERT_OK(ops->open(&ct, &tg));
    ASSERT_OK(
        xchg(ops, &ct, 20, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    blen = make_text("once", body, sizeof(body));
    ASSERT_OK(
        xchg(ops, &ct, 22, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 23);
    ASSERT_EQ(echo_decode(rt_out, olen, &a1), 0);
    ASSERT_OK(
        xchg(ops, &ct, 22, body, blen, out2, sizeof(out2), &olen2, &type));
    ASSERT_EQ(type, 23);
    ASSERT_EQ(echo_decode(out2, olen2, &a2), 0);
    ASSERT_EQ(a2.seq, a1.seq); /* not processed again */
    ASSERT_TRUE(olen == olen2 && memcmp(rt_out, out2, olen) == 0);

    /* The same for a body that needs block-wise transfer both ways. */
    big = make_body(20000, 7, &biglen);
    ASSERT_OK(
        xchg(ops, &ct, 24, big, biglen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(echo_decode(rt_out, olen, &a1), 0);
    ASSERT_OK(
        xchg(ops, &ct, 24, big, biglen, out2, sizeof(out2), &olen2, &type));
    ASSERT_EQ(echo_decode(out2, olen2, &a2), 0);
    ASSERT_EQ(a2.seq, a1.seq);
    ASSERT_TRUE(olen == olen2 && memcmp(rt_out, out2, olen) == 0);

    /* A different body is a new message. */
    big[biglen - 1] ^= 1;
    ASSERT_OK(
        xchg(ops, &ct, 24, big, biglen, out2, sizeof(out2), &olen2, &type));
    ASSERT_EQ(echo_decode(out2, olen2, &a2), 0);
    ASSERT_EQ(a2.seq, a1.seq + 1);
    ops->close(&ct);
    free(big);

    ASSERT_EQ(rt_stats(ops, &ct, &tg, &after), 0);
    /* hello, once, big, big', stats: five handler calls; two replays. */
    ASSERT_EQ(after.requests - before.requests, 5);
    ASSERT_EQ(after.replayed - before.replayed, 2);
    zto_coap_transport_free(&ct);
    echo_stop(&p);
}

/* srv_echo with ARGS on 127.0.0.1 and the client with a one-second
 * ACK_TIMEOUT, so retransmissions come soon. */
static void
quick_retransmit(const char *const *args, struct echo_proc *p,
                 struct zto_target *tg)
{
    struct zto_coap_opts o;

    ASSERT_EQ(echo_start(p, args), 0);
    ASSERT_EQ(echo_target(p, "coap://127.0.0.1:", tg), 0);
    memset(&o, 0, sizeof(o));
    o.ack_timeout_ms = 1000;
    o.timeout_ms = 30000;
    zto_coap_transport_init(&ct, &o);
}

/* The server drops its own answer; the client retransmits the request;
 * the server must answer it without running the handler again. */
static void
lossy(const char *loss, size_t size, uint8_t first_type)
{
    const char *args[] = {"--coap", "127.0.0.1:0", "--coap-loss", loss, NULL};
    struct echo_proc p;
    struct zto_target tg;
    struct echo_stats st;
    struct echo_ans a;
    uint8_t *body, type = 0;
    size_t blen = 0, olen = 0;
    uint64_t t0;

    printf("  server drops packet %s, %zu-byte request\n", loss, size);
    quick_retransmit(args, &p, &tg);
    body = make_body(size, 3, &blen);
    ASSERT_OK(ops->open(&ct, &tg));
    t0 = itest_now_ms();
    ASSERT_OK(xchg(ops, &ct, first_type, body, blen, rt_out, sizeof(rt_out),
                   &olen, &type));
    ASSERT_EQ(type, first_type + 1);
    ASSERT_EQ(echo_decode(rt_out, olen, &a), 0);
    ASSERT_EQ(a.seq, 1);
    ASSERT_TRUE(a.item.len == blen && memcmp(a.item.p, body, blen) == 0);
    /* One retransmission happened (the answer took at least one
     * ACK_TIMEOUT). */
    ASSERT_TRUE(itest_now_ms() - t0 >= 900);
    ops->close(&ct);
    free(body);
    ASSERT_EQ(rt_stats(ops, &ct, &tg, &st), 0);
    ASSERT_EQ(st.requests, 2); /* the request once, then "stats" */
    printf("    (answered from the duplicate cache: %llu)\n",
           (unsigned long long)st.replayed);
    zto_coap_transport_free(&ct);
    echo_stop(&p);
}

/* The handler takes longer than the client's ACK_TIMEOUT and its answer
 * needs Block2: the client retransmits while the server is busy, so the
 * server sees the request twice and answers the second from its cache.
 * Both answers must be the same representation (same ETag), or the
 * client takes the second for a changed body and restarts the request. */
static void
slow_big(size_t pad, size_t reqpad)
{
    static const char *const args[] = {"--coap", "127.0.0.1:0", NULL};
    struct echo_proc p;
    struct zto_target tg;
    struct echo_stats st;
    struct echo_ans a;
    uint8_t *body, type = 0;
    char *text;
    size_t blen, n, olen = 0, cap = reqpad + 64;

    printf("  a %zu-byte answer after 2.5 s to a %zu-byte request, "
           "request retransmitted\n",
           pad, reqpad + 16);
    body = malloc(cap);
    text = malloc(cap);
    ASSERT_TRUE(body != NULL && text != NULL);
    quick_retransmit(args, &p, &tg);
    n = (size_t)snprintf(text, cap, "sleep:2500,%zu ", pad);
    memset(text + n, 'x', reqpad);
    text[n + reqpad] = '\0';
    blen = make_text(text, body, cap);
    ASSERT_OK(ops->open(&ct, &tg));
    ASSERT_OK(
        xchg(ops, &ct, 60, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 61);
    ASSERT_EQ(echo_decode(rt_out, olen, &a), 0);
    ASSERT_EQ(a.seq, 1);
    ASSERT_EQ(a.item.len, pad + 3); /* bstr head of 3 bytes, pad >= 256 */
    /* The session goes on with the token of that answer. */
    blen = make_text("next", body, cap);
    ASSERT_OK(
        xchg(ops, &ct, 62, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 63);
    ASSERT_EQ(echo_decode(rt_out, olen, &a), 0);
    ASSERT_EQ(a.seq, 2);
    ops->close(&ct);
    ASSERT_EQ(rt_stats(ops, &ct, &tg, &st), 0);
    ASSERT_EQ(st.requests, 3); /* each message once, then "stats" */
    ASSERT_TRUE(st.replayed >= 1);
    zto_coap_transport_free(&ct);
    echo_stop(&p);
    free(body);
    free(text);
}

static void
test_loss(void)
{
    printf("coap: lost responses\n");
    /* The first packet the server sends is the answer. */
    lossy("1", 100, 10);
    /* 5000 bytes = 5 Block1 blocks: four 2.31 Continue, then the answer
     * to the last block is packet 5. */
    lossy("5", 5000, 60);
    /* A lost 2.31 in the middle of a Block1 transfer. */
    lossy("2", 5000, 30);
    slow_big(3000, 0);
    slow_big(300, 0);
    slow_big(3000, 4000); /* Block1 too: the last block is resent */
}

static void
test_dtls(void)
{
    static const char *const args[] = {
        "--coaps", "127.0.0.1:0",
        "--coaps", "[::1]:0",
        "--cert",  ZTO_CERTS_DIR "/server.pem",
        "--key",   ZTO_CERTS_DIR "/server.key.pem",
        NULL};
    static const char *const wrong[] = {
        "--coaps", "127.0.0.1:0",
        "--cert",  ZTO_CERTS_DIR "/wrongname.pem",
        "--key",   ZTO_CERTS_DIR "/wrongname.key.pem",
        NULL};
    struct zto_coap_opts o;
    struct echo_proc p;
    struct zto_target t4, t6, tw;
    uint8_t body[32], type = 0;
    size_t blen = make_text("dtls", body, sizeof(body)), olen = 0;

    printf("coap: dtls\n");
    memset(&o, 0, sizeof(o));
    o.ca_file = ZTO_CERTS_DIR "/ca.pem";
    o.ack_timeout_ms = 1000;
    o.max_retransmit = 2;
    o.timeout_ms = 10000;
    ASSERT_EQ(echo_start(&p, args), 0);
    ASSERT_EQ(echo_target(&p, "coaps://127.0.0.1:", &t4), 0);
    ASSERT_EQ(echo_target(&p, "coaps://[::1]:", &t6), 0);
    zto_coap_transport_init(&ct, &o);
    suite("coaps ipv4", &t4);
    suite("coaps ipv6", &t6);
    zto_coap_transport_free(&ct);

    o.ca_file = ZTO_CERTS_DIR "/other-ca.pem";
    zto_coap_transport_init(&ct, &o);
    ASSERT_OK(ops->open(&ct, &t4));
    ASSERT_FAILS(
        xchg(ops, &ct, 20, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    printf("    other CA: %s\n", zto_coap_transport_detail(&ct));
    zto_coap_transport_free(&ct);
    echo_stop(&p);

    ASSERT_EQ(echo_start(&p, wrong), 0);
    ASSERT_EQ(echo_target(&p, "coaps://127.0.0.1:", &tw), 0);
    o.ca_file = ZTO_CERTS_DIR "/ca.pem";
    zto_coap_transport_init(&ct, &o);
    ASSERT_OK(ops->open(&ct, &tw));
    ASSERT_FAILS(
        xchg(ops, &ct, 20, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    printf("    wrong name: %s\n", zto_coap_transport_detail(&ct));
    zto_coap_transport_free(&ct);
    o.insecure = true;
    zto_coap_transport_init(&ct, &o);
    ASSERT_OK(ops->open(&ct, &tw));
    ASSERT_OK(
        xchg(ops, &ct, 20, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 21);
    zto_coap_transport_free(&ct);
    echo_stop(&p);
}

/* ---- the limit on bodies being assembled ---- */

static unsigned raw_code;

static coap_response_t
raw_response(coap_session_t *s, const coap_pdu_t *sent, const coap_pdu_t *rcvd,
             const coap_mid_t mid)
{
    (void)s;
    (void)sent;
    (void)mid;
    raw_code = coap_pdu_get_code(rcvd);
    return COAP_RESPONSE_OK;
}

/* Send only the first Block1 block of a body, the way a client that
 * then disappears would. Returns the response code. */
static unsigned
first_block_only(const struct zto_target *tg)
{
    static uint8_t block[1024];
    coap_context_t *ctx = coap_new_context(NULL);
    coap_session_t *s;
    coap_address_t a;
    coap_pdu_t *pdu;
    uint8_t buf[4];
    uint64_t deadline;

    coap_address_init(&a);
    a.addr.sin.sin_family = AF_INET;
    a.addr.sin.sin_port = htons(tg->port);
    a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.size = sizeof(a.addr.sin);
    raw_code = 0;
    coap_register_response_handler(ctx, raw_response);
    s = coap_new_client_session(ctx, NULL, &a, COAP_PROTO_UDP);
    pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST,
                        coap_new_message_id(s), coap_session_max_pdu_size(s));
    coap_add_token(pdu, 2, (const uint8_t *)"ab");
    coap_add_option(pdu, COAP_OPTION_URI_PATH, 3, (const uint8_t *)"fdo");
    coap_add_option(pdu, COAP_OPTION_URI_PATH, 3, (const uint8_t *)"101");
    coap_add_option(pdu, COAP_OPTION_URI_PATH, 3, (const uint8_t *)"msg");
    coap_add_option(pdu, COAP_OPTION_URI_PATH, 2, (const uint8_t *)"20");
    coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
                    coap_encode_var_safe(buf, sizeof(buf), 60), buf);
    /* Block1: num 0, more, 1024-byte blocks */
    coap_add_option(pdu, COAP_OPTION_BLOCK1,
                    coap_encode_var_safe(buf, sizeof(buf), 0x0e), buf);
    coap_add_data(pdu, sizeof(block), block);
    coap_send(s, pdu);
    deadline = itest_now_ms() + 5000;
    while (raw_code == 0 && itest_now_ms() < deadline)
        coap_io_process(ctx, 100);
    coap_session_release(s);
    coap_free_context(ctx);
    return raw_code;
}

static void
test_busy(void)
{
    static const char *const args[] = {"--coap", "127.0.0.1:0", "--max-clients",
                                       "1", NULL};
    struct echo_proc p;
    struct zto_target tg;
    uint8_t *body, type = 0;
    size_t blen = 0, olen = 0;

    printf("coap: bodies being assembled at once\n");
    ASSERT_EQ(echo_start(&p, args), 0);
    ASSERT_EQ(echo_target(&p, "coap://127.0.0.1:", &tg), 0);
    /* An abandoned transfer holds the only assembly slot ... */
    ASSERT_EQ(first_block_only(&tg), COAP_RESPONSE_CODE_CONTINUE);
    zto_coap_transport_init(&ct, NULL);
    body = make_body(5000, 1, &blen);
    ASSERT_OK(ops->open(&ct, &tg));
    ASSERT_ERR(
        xchg(ops, &ct, 20, body, blen, rt_out, sizeof(rt_out), &olen, &type),
        ZTO_E_HTTP);
    ASSERT_TRUE(strstr(zto_coap_transport_detail(&ct), "5.03") != NULL);
    /* ... single-datagram messages still go through. */
    blen = make_text("small", body, blen);
    ASSERT_OK(
        xchg(ops, &ct, 20, body, blen, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 21);
    free(body);
    zto_coap_transport_free(&ct);
    echo_stop(&p);
}

/* ---- a scripted libcoap server (child process) ---- */

static uint8_t huge[70000];

static void
fake_handler(coap_resource_t *res, coap_session_t *s, const coap_pdu_t *req,
             const coap_string_t *query, coap_pdu_t *resp)
{
    /* [6, 12, "x", null, null] */
    static const uint8_t em[] = {0x85, 0x06, 0x0c, 0x61, 'x', 0xf6, 0xf6};
    coap_string_t *path = coap_get_uri_path(req);
    const char *last = path ? strrchr((const char *)path->s, '/') : NULL;
    int n = last ? (int)strtol(last + 1, NULL, 10) : 0;

    if (n == 10) { /* too large */
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CHANGED);
        coap_add_data_large_response(res, s, req, resp, query, 60, -1, 0,
                                     sizeof(huge), huge, NULL, NULL);
    } else if (n == 12) { /* no FDO-Msg-Type: implied 13 */
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CHANGED);
        coap_add_data_large_response(res, s, req, resp, query, 60, -1, 0, 1,
                                     (const uint8_t *)"\xa0", NULL, NULL);
    } else if (n == 18) {
        /* Slower than the client's ACK_TIMEOUT, so the request arrives
         * twice, and each copy is answered in Block2 with an ETag of
         * libcoap's counter: a changed body halfway through. */
        usleep(2500 * 1000);
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CHANGED);
        coap_add_data_large_response(res, s, req, resp, query, 60, -1, 0, 3000,
                                     huge, NULL, NULL);
    } else if (n == 14) { /* a plain CoAP error */
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_NOT_FOUND);
        coap_add_data(resp, 5, (const uint8_t *)"nope!");
    } else { /* 5.00 with an ErrorMessage, no FDO-Msg-Type */
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_INTERNAL_ERROR);
        coap_add_data_large_response(res, s, req, resp, query, 60, -1, 0,
                                     sizeof(em), em, NULL, NULL);
    }
    coap_delete_string(path);
}

static pid_t
fake_start(int *port)
{
    int fds[2];
    pid_t pid;

    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    if ((pid = fork()) != 0) {
        char buf[16] = "";
        struct pollfd pfd = {fds[0], POLLIN, 0};
        close(fds[1]);
        if (poll(&pfd, 1, 5000) == 1 && read(fds[0], buf, 15) > 0)
            *port = (int)strtol(buf, NULL, 10);
        close(fds[0]);
        return pid;
    }
    {
        coap_context_t *ctx;
        coap_address_t a;
        coap_endpoint_t *ep;
        coap_resource_t *r;
        const char *name, *colon;

        alarm(60);
        close(fds[0]);
        coap_startup();
        coap_set_log_level(LOG_EMERG);
        ctx = coap_new_context(NULL);
        coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP);
        coap_address_init(&a);
        a.addr.sin.sin_family = AF_INET;
        a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.size = sizeof(a.addr.sin);
        ep = coap_new_endpoint(ctx, &a, COAP_PROTO_UDP);
        r = coap_resource_unknown_init2(fake_handler, 0);
        coap_register_request_handler(r, COAP_REQUEST_POST, fake_handler);
        coap_add_resource(ctx, r);
        name = ep ? coap_endpoint_str(ep) : "x:0";
        colon = strrchr(name, ':');
        dprintf(fds[1], "%d\n", colon ? (int)strtol(colon + 1, NULL, 10) : 0);
        close(fds[1]);
        for (;;)
            coap_io_process(ctx, 1000);
    }
}

static void
test_fake(void)
{
    struct zto_coap_opts o;
    struct zto_target tg;
    uint8_t type = 0;
    size_t olen = 0;
    uint64_t code = 0, prev = 0, t0;
    int port = 0, st, hole = -1;
    pid_t pid;

    printf("coap: scripted server\n");
    pid = fake_start(&port);
    ASSERT_TRUE(pid > 0 && port > 0);
    if (pid <= 0 || port <= 0)
        return;
    memset(&tg, 0, sizeof(tg));
    tg.protocol = ZTO_TPROT_COAP;
    snprintf(tg.host, sizeof(tg.host), "127.0.0.1");
    tg.port = (uint16_t)port;
    memset(&o, 0, sizeof(o));
    o.ack_timeout_ms = 1000;
    o.timeout_ms = 10000;
    zto_coap_transport_init(&ct, &o);
    ASSERT_OK(ops->open(&ct, &tg));
    ASSERT_ERR(
        xchg(ops, &ct, 10, huge, 1, rt_out, sizeof(rt_out), &olen, &type),
        ZTO_E_TOO_BIG);
    ASSERT_OK(
        xchg(ops, &ct, 12, huge, 1, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 13);
    ASSERT_EQ(olen, 1);
    ASSERT_ERR(
        xchg(ops, &ct, 14, huge, 1, rt_out, sizeof(rt_out), &olen, &type),
        ZTO_E_HTTP);
    ASSERT_TRUE(strstr(zto_coap_transport_detail(&ct), "4.04") != NULL);
    ASSERT_OK(
        xchg(ops, &ct, 16, huge, 1, rt_out, sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 255);
    ASSERT_EQ(errmsg_decode(rt_out, olen, &code, &prev), 0);
    ASSERT_EQ(code, 6);
    /* An answer that changes during its block-wise transfer: libcoap
     * would send the request again, and FDO messages are not
     * idempotent, so the exchange fails at once. */
    t0 = itest_now_ms();
    ASSERT_ERR(
        xchg(ops, &ct, 18, huge, 1, rt_out, sizeof(rt_out), &olen, &type),
        ZTO_E_TRANSPORT);
    ASSERT_TRUE(strstr(zto_coap_transport_detail(&ct), "changed") != NULL);
    ASSERT_TRUE(itest_now_ms() - t0 < 8000);
    zto_coap_transport_free(&ct);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);

    /* A peer that never answers (a socket of ours that nobody reads, so
     * no other test's server can be hit): retransmissions run out
     * (1.0-1.5 s, then 2-3 s after the one retransmission). */
    {
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);

        hole = socket(AF_INET, SOCK_DGRAM, 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_TRUE(hole >= 0 &&
                    bind(hole, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
                    getsockname(hole, (struct sockaddr *)&sa, &sl) == 0);
        tg.port = ntohs(sa.sin_port);
    }
    o.max_retransmit = 1;
    zto_coap_transport_init(&ct, &o);
    ASSERT_OK(ops->open(&ct, &tg));
    t0 = itest_now_ms();
    ASSERT_ERR(
        xchg(ops, &ct, 10, huge, 1, rt_out, sizeof(rt_out), &olen, &type),
        ZTO_E_TIMEOUT);
    ASSERT_TRUE(itest_now_ms() - t0 < 8000);
    zto_coap_transport_free(&ct);
    close(hole);
}

int
main(void)
{
    TEST_START("coap_transport");
    signal(SIGPIPE, SIG_IGN);
    coap_startup();
    /* Retransmissions and ICMP errors are expected here. */
    coap_set_log_level(LOG_ERR);
    memset(huge, 0x42, sizeof(huge));
    test_plain();
    test_duplicate();
    test_loss();
    test_busy();
    test_dtls();
    test_fake();
    TEST_DONE();
}
