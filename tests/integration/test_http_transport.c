/*
 * test_http_transport - the HTTP(S) client transport against srv_echo
 * (IPv4 and IPv6, 100 B to 60 kB, tokens, ErrorMessages, TLS
 * verification) and against a scripted fake server for what a correct
 * server never does (bare tokens, missing Message-Type, oversize, silence).
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "roundtrip.h"

static struct zto_http_transport ht;

static void
suite(const char *what, const struct zto_target *tg)
{
    rt_sizes(what, &zto_transport_http_ops, &ht, tg);
    rt_errors(what, &zto_transport_http_ops, &ht, tg);
}

/* ---- srv_echo over plain HTTP ---- */

static void
test_plain(void)
{
    static const char *const args[] = {"--http", "127.0.0.1:0", "--http",
                                       "[::1]:0", NULL};
    static const char *const rot[] = {"--http", "127.0.0.1:0",
                                      "--rotate-tokens", NULL};
    struct echo_proc p;
    struct zto_target t4, t6;
    struct echo_stats st;
    uint8_t body[64], type = 0;
    size_t blen, olen = 0;

    printf("http: plain\n");
    ASSERT_EQ(echo_start(&p, args), 0);
    ASSERT_EQ(echo_target(&p, "http://127.0.0.1:", &t4), 0);
    ASSERT_EQ(echo_target(&p, "http://[::1]:", &t6), 0);
    zto_http_transport_init(&ht, NULL);
    suite("http ipv4", &t4);
    suite("http ipv6", &t6);

    /* A device reporting its own failure: the answer is empty. */
    blen = make_text("device failed", body, sizeof(body));
    ASSERT_OK(zto_transport_http_ops.open(&ht, &t4));
    ASSERT_OK(xchg(&zto_transport_http_ops, &ht, 255, body, blen, rt_out,
                   sizeof(rt_out), &olen, &type));
    ASSERT_EQ(olen, 0);
    ASSERT_EQ(type, 0);
    ASSERT_EQ(rt_stats(&zto_transport_http_ops, &ht, &t4, &st), 0);
    ASSERT_EQ(st.errors, 1);
    /* Every exchange used its own connection, and all are closed. */
    ASSERT_TRUE(st.conns <= 1);
    zto_http_transport_free(&ht);
    echo_stop(&p);

    ASSERT_EQ(echo_start(&p, rot), 0);
    ASSERT_EQ(echo_target(&p, "http://127.0.0.1:", &t4), 0);
    zto_http_transport_init(&ht, NULL);
    rt_rotation("http", &zto_transport_http_ops, &ht, &t4);
    zto_http_transport_free(&ht);
    echo_stop(&p);
}

/* ---- HTTPS: verification against a CA, by address ---- */

static void
test_tls(void)
{
    static const char *const args[] = {
        "--https", "127.0.0.1:0",
        "--https", "[::1]:0",
        "--cert",  ZTO_CERTS_DIR "/server.pem",
        "--key",   ZTO_CERTS_DIR "/server.key.pem",
        NULL};
    static const char *const wrong[] = {
        "--https", "127.0.0.1:0",
        "--cert",  ZTO_CERTS_DIR "/wrongname.pem",
        "--key",   ZTO_CERTS_DIR "/wrongname.key.pem",
        NULL};
    struct zto_http_opts o;
    struct echo_proc p;
    struct zto_target t4, t6, tw;
    uint8_t body[32], type = 0;
    size_t blen = make_text("tls", body, sizeof(body)), olen = 0;

    printf("http: tls\n");
    memset(&o, 0, sizeof(o));
    o.ca_file = ZTO_CERTS_DIR "/ca.pem";
    ASSERT_EQ(echo_start(&p, args), 0);
    ASSERT_EQ(echo_target(&p, "https://127.0.0.1:", &t4), 0);
    ASSERT_EQ(echo_target(&p, "https://[::1]:", &t6), 0);
    zto_http_transport_init(&ht, &o);
    suite("https ipv4", &t4);
    suite("https ipv6", &t6);
    zto_http_transport_free(&ht);

    /* Another CA: the handshake fails. */
    o.ca_file = ZTO_CERTS_DIR "/other-ca.pem";
    zto_http_transport_init(&ht, &o);
    ASSERT_OK(zto_transport_http_ops.open(&ht, &t4));
    ASSERT_FAILS(xchg(&zto_transport_http_ops, &ht, 20, body, blen, rt_out,
                      sizeof(rt_out), &olen, &type));
    zto_http_transport_free(&ht);
    echo_stop(&p);

    /* Right CA, wrong name: the certificate is for other.example. */
    ASSERT_EQ(echo_start(&p, wrong), 0);
    ASSERT_EQ(echo_target(&p, "https://127.0.0.1:", &tw), 0);
    o.ca_file = ZTO_CERTS_DIR "/ca.pem";
    zto_http_transport_init(&ht, &o);
    ASSERT_OK(zto_transport_http_ops.open(&ht, &tw));
    ASSERT_FAILS(xchg(&zto_transport_http_ops, &ht, 20, body, blen, rt_out,
                      sizeof(rt_out), &olen, &type));
    zto_http_transport_free(&ht);
    /* ... unless verification is off (demo mode). */
    o.insecure = true;
    zto_http_transport_init(&ht, &o);
    ASSERT_OK(zto_transport_http_ops.open(&ht, &tw));
    ASSERT_OK(xchg(&zto_transport_http_ops, &ht, 20, body, blen, rt_out,
                   sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 21);
    zto_http_transport_free(&ht);
    echo_stop(&p);
}

/* ---- a scripted server ---- */

struct canned {
    const char *head;
    const uint8_t *body;
    size_t blen;
};

static const uint8_t empty_map[] = {0xa0};
/* [6, 12, "no voucher", null, null] */
static const uint8_t errmsg6[] = {0x85, 0x06, 0x0c, 0x6a, 'n', 'o', ' ',  'v',
                                  'o',  'u',  'c',  'h',  'e', 'r', 0xf6, 0xf6};
static uint8_t filler[1000];

static const struct canned script[] = {
    /* pri DI/TO2 style: a token without "Bearer " */
    {"HTTP/1.1 200 OK\r\nMessage-Type: 11\r\nAuthorization: abcdef0123\r\n"
     "Content-Type: application/cbor\r\nContent-Length: 1\r\n\r\n",
     empty_map, 1},
    /* rotated */
    {"HTTP/1.1 200 OK\r\nMessage-Type: 13\r\nAuthorization: Bearer NEWTOK\r\n"
     "Content-Length: 1\r\n\r\n",
     empty_map, 1},
    /* no Authorization: keep the last one */
    {"HTTP/1.1 200 OK\r\nMessage-Type: 13\r\nContent-Length: 1\r\n\r\n",
     empty_map, 1},
    /* 200 without Message-Type */
    {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", empty_map, 1},
    /* 404 from some web server */
    {"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
     "Content-Length: 9\r\n\r\n",
     (const uint8_t *)"not found", 9},
    /* fdo-rs style error: 500, no Content-Type, ErrorMessage with nulls */
    {"HTTP/1.1 500 Internal Server Error\r\nMessage-Type: 255\r\n"
     "Content-Length: 16\r\n\r\n",
     errmsg6, sizeof(errmsg6)},
    /* a body over 65535 bytes */
    {"HTTP/1.1 200 OK\r\nMessage-Type: 13\r\nContent-Length: 70000\r\n\r\n",
     filler, sizeof(filler)},
    /* never answers */
    {NULL, NULL, 0},
};
#define NSCRIPT (sizeof(script) / sizeof(script[0]))

/* Read one request; report its Authorization value (or "-") on rep. */
static void
fake_serve_one(int c, int rep)
{
    char buf[8192], auth[600] = "-";
    size_t used = 0, need = 0;
    char *end = NULL, *a;
    ssize_t k;

    while (end == NULL && used < sizeof(buf) - 1) {
        if ((k = read(c, buf + used, sizeof(buf) - 1 - used)) <= 0)
            return;
        used += (size_t)k;
        buf[used] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (end == NULL)
        return;
    if ((a = strcasestr(buf, "\r\nContent-Length:")) != NULL && a < end)
        need = (size_t)strtoul(a + 17, NULL, 10);
    if ((a = strcasestr(buf, "\r\nAuthorization: ")) != NULL && a < end) {
        char *e = strstr(a + 2, "\r\n");
        size_t n = (size_t)(e - (a + 17));
        if (n < sizeof(auth)) {
            memcpy(auth, a + 17, n);
            auth[n] = '\0';
        }
    }
    used -= (size_t)(end + 4 - buf);
    while (used < need) {
        if ((k = read(c, buf, sizeof(buf))) <= 0)
            return;
        used += (size_t)k;
    }
    dprintf(rep, "%s\n", auth);
}

static pid_t
fake_start(int *port, int *rep)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int l = socket(AF_INET, SOCK_STREAM, 0), fds[2], one = 1;
    pid_t pid;
    size_t i;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(l, 8) != 0 || getsockname(l, (struct sockaddr *)&sa, &sl) ||
        pipe(fds) != 0)
        return -1;
    *port = ntohs(sa.sin_port);
    fflush(NULL);
    if ((pid = fork()) != 0) {
        close(l);
        close(fds[1]);
        *rep = fds[0];
        return pid;
    }
    close(fds[0]);
    alarm(60);
    for (i = 0; i < NSCRIPT; i++) {
        int c = accept(l, NULL, NULL);
        if (c < 0)
            _exit(1);
        fake_serve_one(c, fds[1]);
        if (script[i].head == NULL) {
            sleep(30);
            _exit(0);
        }
        if (write(c, script[i].head, strlen(script[i].head)) < 0 ||
            write(c, script[i].body, script[i].blen) < 0)
            _exit(1);
        close(c);
    }
    _exit(0);
}

static void
test_fake(void)
{
    struct zto_http_opts o;
    struct zto_target tg;
    uint8_t type = 0;
    size_t olen = 0;
    uint64_t code = 0, prev = 0, t0;
    char seen[NSCRIPT][600];
    FILE *f;
    int port = 0, rep = -1, st;
    size_t i;
    pid_t pid;

    printf("http: scripted server\n");
    pid = fake_start(&port, &rep);
    ASSERT_TRUE(pid > 0);
    if (pid <= 0)
        return;
    memset(&tg, 0, sizeof(tg));
    tg.protocol = ZTO_TPROT_HTTP;
    snprintf(tg.host, sizeof(tg.host), "127.0.0.1");
    tg.port = (uint16_t)port;
    memset(&o, 0, sizeof(o));
    o.timeout_ms = 1500;
    zto_http_transport_init(&ht, &o);

    ASSERT_OK(zto_transport_http_ops.open(&ht, &tg));
    ASSERT_OK(xchg(&zto_transport_http_ops, &ht, 10, empty_map, 1, rt_out,
                   sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 11);
    ASSERT_OK(xchg(&zto_transport_http_ops, &ht, 12, empty_map, 1, rt_out,
                   sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 13);
    ASSERT_OK(xchg(&zto_transport_http_ops, &ht, 12, empty_map, 1, rt_out,
                   sizeof(rt_out), &olen, &type));
    ASSERT_ERR(xchg(&zto_transport_http_ops, &ht, 12, empty_map, 1, rt_out,
                    sizeof(rt_out), &olen, &type),
               ZTO_E_HTTP);
    ASSERT_ERR(xchg(&zto_transport_http_ops, &ht, 12, empty_map, 1, rt_out,
                    sizeof(rt_out), &olen, &type),
               ZTO_E_HTTP);
    ASSERT_TRUE(strstr(zto_http_transport_detail(&ht), "404") != NULL);
    ASSERT_OK(xchg(&zto_transport_http_ops, &ht, 12, empty_map, 1, rt_out,
                   sizeof(rt_out), &olen, &type));
    ASSERT_EQ(type, 255);
    ASSERT_EQ(errmsg_decode(rt_out, olen, &code, &prev), 0);
    ASSERT_EQ(code, 6);
    ASSERT_ERR(xchg(&zto_transport_http_ops, &ht, 12, empty_map, 1, rt_out,
                    sizeof(rt_out), &olen, &type),
               ZTO_E_TOO_BIG);
    ASSERT_OK(zto_transport_http_ops.open(&ht, &tg));
    t0 = itest_now_ms();
    ASSERT_ERR(xchg(&zto_transport_http_ops, &ht, 10, empty_map, 1, rt_out,
                    sizeof(rt_out), &olen, &type),
               ZTO_E_TIMEOUT);
    ASSERT_TRUE(itest_now_ms() - t0 < 5000);
    zto_http_transport_free(&ht);

    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    f = fdopen(rep, "r");
    for (i = 0; i < NSCRIPT; i++) {
        seen[i][0] = '\0';
        if (f == NULL || fgets(seen[i], sizeof(seen[i]), f) == NULL)
            break;
        seen[i][strcspn(seen[i], "\n")] = '\0';
    }
    if (f != NULL)
        fclose(f);
    ASSERT_EQ(i, NSCRIPT);
    /* What the client sent as Authorization, request by request. */
    ASSERT_TRUE(strcmp(seen[0], "-") == 0);
    ASSERT_TRUE(strcmp(seen[1], "abcdef0123") == 0);    /* verbatim (T2) */
    ASSERT_TRUE(strcmp(seen[2], "Bearer NEWTOK") == 0); /* newest (T4) */
    ASSERT_TRUE(strcmp(seen[3], "Bearer NEWTOK") == 0); /* kept */
    ASSERT_TRUE(strcmp(seen[7], "-") == 0);             /* open() forgets */
}

int
main(void)
{
    TEST_START("http_transport");
    signal(SIGPIPE, SIG_IGN);
    memset(filler, 0x41, sizeof(filler));
    test_plain();
    test_tls();
    test_fake();
    TEST_DONE();
}
