/*
 * test_admin_parse.c - the admin API's pure parts: HTTP/1.1 request
 * heads, targets, path patterns, GUIDs, token hashes, the admin_*
 * configuration keywords and hash-token.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin_int.h"
#include "test.h"

/* SHA-256("test-token-0123456789") and SHA-256("other-token-abcdefghij"). */
#define HASH1 "93b01915ef217ed9eb776b2e473270b00418b7bfc8c89d30696ece5eb5d91240"
#define HASH2 "cafc89633be8a8d63faea20ede3863c1593738dd1e9d7a338eb45a18eddba311"

/* A literal and its length. */
#define S(lit) (lit), (sizeof(lit) - 1)

static zto_err_t
head_copy(const char *text, size_t len, struct admin_head *h, char **copy)
{
    *copy = malloc(len > 0 ? len : 1);
    memcpy(*copy, text, len);
    return admin_parse_head(*copy, len, h);
}

static zto_err_t
head_s(const char *text)
{
    struct admin_head h;
    char *copy;
    zto_err_t r = head_copy(text, strlen(text), &h, &copy);

    free(copy);
    return r;
}

static void
test_head_valid(void)
{
    static const char req[] =
        "POST /api/v1/vouchers?x=1 HTTP/1.1\r\n"
        "Host: 127.0.0.1:9000\r\n"
        "authorization:   Bearer abc  \r\n"
        "Content-Type: Application/JSON; charset=utf-8\r\n"
        "Content-Length: 12\r\n"
        "Content-length: 12\r\n"
        "Expect: 100-continue\r\n"
        "X-Empty:\r\n"
        "\r\n"
        "{\"a\":\"body\"}";
    struct admin_head h;
    char *copy = NULL, media[64];
    const char *v = NULL;
    size_t vlen = 0, k;
    uint64_t blen = 0;

    ASSERT_OK(head_copy(req, sizeof(req) - 1, &h, &copy));
    ASSERT_EQ(h.method, ZTO_ADMIN_POST);
    ASSERT_EQ(h.target_len, strlen("/api/v1/vouchers?x=1"));
    ASSERT_TRUE(memcmp(h.target, "/api/v1/vouchers?x=1", h.target_len) == 0);
    ASSERT_EQ(h.minor, 1);
    ASSERT_EQ(h.nhdr, 7);
    ASSERT_EQ(h.head_len, sizeof(req) - 1 - 12);
    ASSERT_EQ(admin_head_find(&h, "AUTHORIZATION", &v, &vlen), 1);
    ASSERT_TRUE(vlen == 10 && memcmp(v, "Bearer abc", 10) == 0);
    ASSERT_EQ(admin_head_find(&h, "x-empty", &v, &vlen), 1);
    ASSERT_EQ(vlen, 0);
    ASSERT_OK(admin_head_body_len(&h, &blen));
    ASSERT_EQ(blen, 12);
    ASSERT_TRUE(admin_head_keep_alive(&h));
    ASSERT_TRUE(admin_head_expect_continue(&h));
    ASSERT_TRUE(admin_head_media_type(&h, media, sizeof(media)));
    ASSERT_TRUE(strcmp(media, "application/json") == 0);
    ASSERT_TRUE(!admin_head_media_type(&h, media, 8)); /* too long */
    free(copy);

    /* Every proper prefix of the head is incomplete, never an error. */
    for (k = 0; k < sizeof(req) - 1 - 12; k++) {
        ASSERT_ERR(head_copy(req, k, &h, &copy), ZTO_E_WANT_INPUT);
        free(copy);
    }

    /* Bare LF, leading empty lines, HTTP/1.0, other methods. */
    ASSERT_OK(head_copy(S("\r\n\nGET / HTTP/1.0\nA: b\n\n"), &h, &copy));
    ASSERT_EQ(h.method, ZTO_ADMIN_GET);
    ASSERT_EQ(h.minor, 0);
    ASSERT_TRUE(!admin_head_keep_alive(&h));
    ASSERT_TRUE(!admin_head_expect_continue(&h));
    ASSERT_OK(admin_head_body_len(&h, &blen));
    ASSERT_EQ(blen, 0);
    ASSERT_TRUE(admin_head_media_type(&h, media, sizeof(media)));
    ASSERT_TRUE(media[0] == '\0');
    free(copy);
    ASSERT_OK(head_copy(
        S("PATCH /x HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n"), &h,
        &copy));
    ASSERT_EQ(h.method, 0);
    ASSERT_TRUE(!admin_head_keep_alive(&h));
    free(copy);
    ASSERT_OK(head_copy(S("DELETE /x HTTP/1.1\r\n\r\n"), &h, &copy));
    ASSERT_EQ(h.method, ZTO_ADMIN_DELETE);
    free(copy);
    ASSERT_OK(head_copy(S("PUT /x HTTP/1.1\r\n\r\n"), &h, &copy));
    ASSERT_EQ(h.method, ZTO_ADMIN_PUT);
    free(copy);
}

static void
test_head_invalid(void)
{
    static const char *const bad[] = {
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "GET /\r\n\r\n",
        "GET / HTTP/1.\r\n\r\n",
        "GET / HTTP/1.10\r\n\r\n",
        "GET / http/1.1\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nName : v\r\n\r\n",
        "GET / HTTP/1.1\r\n: v\r\n\r\n",
        "GET / HTTP/1.1\r\nNa me: v\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n",
        "GET / HTTP/1.1\rA: b\r\n\r\n",
        "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    };
    size_t i;
    char big[4096];
    size_t n = 0;
    int k;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        zto_err_t r = head_s(bad[i]);
        ASSERT_ERR(r, ZTO_E_PROTO);
        if (r != ZTO_E_PROTO)
            fprintf(stderr, "case %zu: %s\n", i, bad[i]);
    }
    ASSERT_ERR(head_s("GET / HTTP/2.0\r\n\r\n"), ZTO_E_UNSUPPORTED);
    ASSERT_ERR(head_s("GET / HTTP/0.9\r\n\r\n"), ZTO_E_UNSUPPORTED);

    /* 64 fields fine, 65 too many. */
    n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\n");
    for (k = 0; k < 64; k++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "X-%d: v\r\n", k);
    snprintf(big + n, sizeof(big) - n, "\r\n");
    ASSERT_OK(head_s(big));
    snprintf(big + n, sizeof(big) - n, "X-last: v\r\n\r\n");
    ASSERT_ERR(head_s(big), ZTO_E_TOO_BIG);
}

static zto_err_t
body_len_of(const char *fields, uint64_t *n)
{
    char req[512];
    struct admin_head h;
    zto_err_t r;

    snprintf(req, sizeof(req), "POST / HTTP/1.1\r\n%s\r\n", fields);
    if ((r = admin_parse_head(req, strlen(req), &h)) != ZTO_OK)
        return r;
    return admin_head_body_len(&h, n);
}

static void
test_body_len(void)
{
    uint64_t n = 99;

    ASSERT_OK(body_len_of("", &n));
    ASSERT_EQ(n, 0);
    ASSERT_OK(body_len_of("Content-Length: 0\r\n", &n));
    ASSERT_EQ(n, 0);
    ASSERT_OK(body_len_of("Content-Length: 999999999999999\r\n", &n));
    ASSERT_EQ(n, 999999999999999ull);
    ASSERT_ERR(body_len_of("Content-Length: 1000000000000000\r\n", &n),
               ZTO_E_PROTO);
    ASSERT_ERR(body_len_of("Content-Length: 5\r\nContent-Length: 6\r\n", &n),
               ZTO_E_PROTO);
    ASSERT_ERR(body_len_of("Content-Length: 5, 5\r\n", &n), ZTO_E_PROTO);
    ASSERT_ERR(body_len_of("Content-Length: -1\r\n", &n), ZTO_E_PROTO);
    ASSERT_ERR(body_len_of("Content-Length: +1\r\n", &n), ZTO_E_PROTO);
    ASSERT_ERR(body_len_of("Content-Length:\r\n", &n), ZTO_E_PROTO);
    ASSERT_ERR(body_len_of("Content-Length: 0x10\r\n", &n), ZTO_E_PROTO);
    ASSERT_ERR(body_len_of("Transfer-Encoding: chunked\r\n", &n),
               ZTO_E_UNSUPPORTED);
    ASSERT_ERR(body_len_of("Content-Length: 5\r\n"
                           "Transfer-Encoding: chunked\r\n",
                           &n),
               ZTO_E_UNSUPPORTED);
}

static void
test_target(void)
{
    struct admin_target *t = malloc(sizeof(*t));
    char q[64];
    int k;
    size_t n;

    ASSERT_OK(admin_target_parse("/a/b", 4, t));
    ASSERT_TRUE(strcmp(t->path, "/a/b") == 0);
    ASSERT_EQ(t->nq, 0);
    ASSERT_OK(
        admin_target_parse("/a%2db?x=1&y=hello+world&z=%41%2F&&e", 36, t));
    ASSERT_TRUE(strcmp(t->path, "/a-b") == 0);
    ASSERT_EQ(t->nq, 4);
    ASSERT_TRUE(strcmp(t->qkey[0], "x") == 0 && strcmp(t->qval[0], "1") == 0);
    ASSERT_TRUE(strcmp(t->qval[1], "hello world") == 0);
    ASSERT_TRUE(strcmp(t->qval[2], "A/") == 0);
    ASSERT_TRUE(strcmp(t->qkey[3], "e") == 0 && t->qval[3][0] == '\0');
    ASSERT_OK(admin_target_parse("/?", 2, t));
    ASSERT_TRUE(strcmp(t->path, "/") == 0);

    ASSERT_ERR(admin_target_parse("", 0, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("a/b", 3, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("http://x/a", 10, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/a#f", 4, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/a%2fb", 6, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/a%00b", 6, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/a%20b", 6, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/a%c3%a9", 8, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/a%4", 4, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/a%", 3, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/a%zz", 5, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/?a=%00", 7, t), ZTO_E_PROTO);
    ASSERT_ERR(admin_target_parse("/?a=%0a", 7, t), ZTO_E_PROTO);
    /* 16 parameters fine, 17 not. */
    n = (size_t)snprintf(q, sizeof(q), "/?");
    for (k = 0; k < 16; k++)
        n += (size_t)snprintf(q + n, sizeof(q) - n, "a&");
    ASSERT_OK(admin_target_parse(q, n, t));
    ASSERT_EQ(t->nq, 16);
    n += (size_t)snprintf(q + n, sizeof(q) - n, "b");
    ASSERT_ERR(admin_target_parse(q, n, t), ZTO_E_PROTO);
    /* Too long a path. */
    {
        size_t L = ADMIN_PATH_MAX + 10;
        char *p = malloc(L);
        memset(p, 'a', L);
        p[0] = '/';
        ASSERT_ERR(admin_target_parse(p, L, t), ZTO_E_PROTO);
        ASSERT_OK(admin_target_parse(p, ADMIN_PATH_MAX - 1, t));
        free(p);
    }
    free(t);
}

static void
test_path_match(void)
{
    const char *param[ZTO_ADMIN_MAX_PARAMS];
    size_t np = 0;
    char store[128];

    ASSERT_TRUE(admin_path_match("/api/v1/devices", "/api/v1/devices", store,
                                 sizeof(store), param, &np));
    ASSERT_EQ(np, 0);
    ASSERT_TRUE(admin_path_match("/api/v1/vouchers/{guid}/extend",
                                 "/api/v1/vouchers/abc/extend", store,
                                 sizeof(store), param, &np));
    ASSERT_EQ(np, 1);
    ASSERT_TRUE(strcmp(param[0], "abc") == 0);
    ASSERT_TRUE(admin_path_match("/t/{list}/{id}", "/t/owner/12", store,
                                 sizeof(store), param, &np));
    ASSERT_EQ(np, 2);
    ASSERT_TRUE(strcmp(param[0], "owner") == 0 && strcmp(param[1], "12") == 0);
    ASSERT_TRUE(
        !admin_path_match("/a/{x}", "/a/", store, sizeof(store), param, &np));
    ASSERT_TRUE(
        !admin_path_match("/a/{x}", "/a/b/", store, sizeof(store), param, &np));
    ASSERT_TRUE(!admin_path_match("/a/{x}", "/a/b/c", store, sizeof(store),
                                  param, &np));
    ASSERT_TRUE(
        !admin_path_match("/a", "/a/", store, sizeof(store), param, &np));
    ASSERT_TRUE(
        !admin_path_match("/a/b", "/a", store, sizeof(store), param, &np));
    ASSERT_TRUE(!admin_path_match("/a/{x}", "/a/bbbbbb", store, 4, param, &np));
}

static void
test_guid_and_tokens(void)
{
    struct zto_guid g;
    char s[33];
    uint8_t h[ZTO_ADMIN_MAX_TOKENS][32];
    size_t n = 0;

    ASSERT_OK(zto_admin_guid_parse("00112233445566778899aabbccddeeff", &g));
    ASSERT_EQ(g.b[0], 0x00);
    ASSERT_EQ(g.b[15], 0xff);
    ASSERT_TRUE(strcmp(zto_admin_guid_str(&g, s),
                       "00112233445566778899aabbccddeeff") == 0);
    ASSERT_OK(zto_admin_guid_parse("00112233-4455-6677-8899-AABBCCDDEEFF", &g));
    ASSERT_EQ(g.b[10], 0xaa);
    ASSERT_ERR(zto_admin_guid_parse("00112233445566778899aabbccddeef", &g),
               ZTO_E_GUID);
    ASSERT_ERR(zto_admin_guid_parse("00112233445566778899aabbccddeefg", &g),
               ZTO_E_GUID);
    ASSERT_ERR(zto_admin_guid_parse("001122334-455-6677-8899-aabbccddeeff", &g),
               ZTO_E_GUID);
    ASSERT_ERR(zto_admin_guid_parse("", &g), ZTO_E_GUID);
    ASSERT_ERR(zto_admin_guid_parse(NULL, &g), ZTO_E_GUID);

    ASSERT_OK(admin_token_hashes_parse(HASH1 ", " HASH2, h, 8, &n));
    ASSERT_EQ(n, 2);
    ASSERT_EQ(admin_token_match((const uint8_t(*)[32])h, n,
                                "test-token-0123456789", 21),
              1);
    ASSERT_EQ(admin_token_match((const uint8_t(*)[32])h, n,
                                "other-token-abcdefghij", 22),
              2);
    ASSERT_EQ(admin_token_match((const uint8_t(*)[32])h, n,
                                "test-token-012345678", 20),
              0);
    ASSERT_EQ(admin_token_match((const uint8_t(*)[32])h, 0,
                                "test-token-0123456789", 21),
              0);
    ASSERT_ERR(admin_token_hashes_parse("", h, 8, &n), ZTO_E_RANGE);
    ASSERT_ERR(admin_token_hashes_parse("abcd", h, 8, &n), ZTO_E_RANGE);
    ASSERT_ERR(admin_token_hashes_parse(HASH1 "0", h, 8, &n), ZTO_E_RANGE);
    ASSERT_ERR(admin_token_hashes_parse(HASH1 "," HASH2, h, 1, &n),
               ZTO_E_TOO_BIG);
}

struct conf {
    struct zto_srv_conf srv;
    struct zto_admin_conf admin;
};

static const struct zto_conf_kw kw[] = {
    ZTO_SRV_CONF_KW(struct conf, srv, "http://127.0.0.1:0"),
    ZTO_ADMIN_CONF_KW(struct conf, admin),
};
#define NKW (sizeof(kw) / sizeof(kw[0]))

/* Copies of the file names apply() saw (the conf is freed after). */
static char last_ca[256], last_key[256];

static zto_err_t
apply(const char *text, struct zto_admin_opts *o, char *err, size_t cap)
{
    struct conf c;
    zto_err_t r;

    memset(&c, 0, sizeof(c));
    memset(o, 0, sizeof(*o));
    err[0] = '\0';
    r = zto_conf_parse_text(kw, NKW, &c, "t.conf", text, strlen(text), err,
                            cap);
    if (r == ZTO_OK)
        r = zto_conf_fill_defaults(kw, NKW, &c, err, cap);
    if (r == ZTO_OK)
        r = zto_admin_conf_resolve(&c.admin, "/etc/zto/owner.conf");
    if (r == ZTO_OK)
        r = zto_admin_conf_apply(&c.admin, &c.srv, o, err, cap);
    if (r == ZTO_OK && o->tls_cert != NULL &&
        strcmp(o->tls_cert, "/etc/zto/a.pem") != 0 &&
        strcmp(o->tls_cert, "/srv.pem") != 0)
        r = ZTO_E_INTERNAL;
    snprintf(last_ca, sizeof(last_ca), "%s",
             r == ZTO_OK && o->client_ca ? o->client_ca : "");
    snprintf(last_key, sizeof(last_key), "%s",
             r == ZTO_OK && o->tls_key ? o->tls_key : "");
    zto_conf_free(kw, NKW, &c);
    o->listen = NULL;
    o->tls_cert = o->tls_key = o->client_ca = NULL;
    return r;
}

static void
test_conf(void)
{
    struct zto_admin_opts o;
    char err[256];

    ASSERT_OK(apply("", &o, err, sizeof(err)));
    ASSERT_EQ(o.nlisten, 0);
    ASSERT_EQ(o.max_body, 1048576);
    ASSERT_OK(apply("admin = 127.0.0.1:9000\nadmin_token_sha256 = " HASH1
                    "\nadmin_max_body = 2048\nadmin_metrics_public = yes\n",
                    &o, err, sizeof(err)));
    ASSERT_EQ(o.nlisten, 1);
    ASSERT_EQ(o.ntokens, 1);
    ASSERT_EQ(o.max_body, 2048);
    ASSERT_TRUE(o.metrics_public);
    /* No way to authenticate. */
    ASSERT_ERR(apply("admin = 127.0.0.1:9000\n", &o, err, sizeof(err)),
               ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(err, "admin_token_sha256") != NULL);
    /* A client CA needs https. */
    ASSERT_ERR(apply("admin = 127.0.0.1:9000\nadmin_client_ca = ca.pem\n", &o,
                     err, sizeof(err)),
               ZTO_E_CONFIG);
    /* https with a CA alone is fine; files default to the server's. */
    ASSERT_OK(apply("admin = https://127.0.0.1:9000\nadmin_client_ca = ca.pem"
                    "\ntls_cert = /srv.pem\ntls_key = /srv.key\n",
                    &o, err, sizeof(err)));
    ASSERT_TRUE(strcmp(last_ca, "/etc/zto/ca.pem") == 0);
    ASSERT_TRUE(strcmp(last_key, "/srv.key") == 0);
    ASSERT_OK(apply("admin = https://127.0.0.1:9000\nadmin_client_ca = ca.pem"
                    "\nadmin_tls_cert = a.pem\nadmin_tls_key = a.key\n",
                    &o, err, sizeof(err)));
    /* https without any certificate. */
    ASSERT_ERR(
        apply("admin = https://127.0.0.1:9000\nadmin_token_sha256 = " HASH1
              "\n",
              &o, err, sizeof(err)),
        ZTO_E_CONFIG);
    /* A CA with a mix of http and https and no token. */
    ASSERT_ERR(apply("admin = https://127.0.0.1:9000 127.0.0.1:9001\n"
                     "admin_client_ca = ca.pem\ntls_cert = /c\ntls_key = /k\n",
                     &o, err, sizeof(err)),
               ZTO_E_CONFIG);
    /* CoAP makes no sense here; bad hashes. */
    ASSERT_ERR(
        apply("admin = coap://127.0.0.1:9000\nadmin_token_sha256 = " HASH1 "\n",
              &o, err, sizeof(err)),
        ZTO_E_CONFIG);
    ASSERT_ERR(apply("admin = 127.0.0.1:9000\nadmin_token_sha256 = "
                     "secret-token\n",
                     &o, err, sizeof(err)),
               ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(err, "hash-token") != NULL);
    ASSERT_FAILS(apply("admin_max_body = 10\n", &o, err, sizeof(err)));
}

static int
run_hash(const char *input, bool generate, char *out, size_t cap)
{
    FILE *in = fmemopen((void *)input, strlen(input), "r");
    FILE *o = fmemopen(out, cap, "w");
    FILE *e = fopen("/dev/null", "w");
    int rc = zto_admin_hash_token_cmd(in, o, e, generate);

    fclose(in);
    fclose(o);
    fclose(e);
    return rc;
}

static void
test_hash_token(void)
{
    char out[256];
    char *tok, *line;

    memset(out, 0, sizeof(out));
    ASSERT_EQ(run_hash("  test-token-0123456789 \n", false, out, sizeof(out)),
              0);
    ASSERT_TRUE(strcmp(out, "admin_token_sha256 = " HASH1 "\n") == 0);
    ASSERT_EQ(run_hash("short\n", false, out, sizeof(out)), 1);
    ASSERT_EQ(run_hash("has space inside it\n", false, out, sizeof(out)), 1);
    ASSERT_EQ(run_hash("", false, out, sizeof(out)), 1);
    memset(out, 0, sizeof(out));
    ASSERT_EQ(run_hash("", true, out, sizeof(out)), 0);
    /* "token: T\nadmin_token_sha256 = H\n", and H is the hash of T. */
    tok = strstr(out, "token: ");
    line = strstr(out, "admin_token_sha256 = ");
    ASSERT_TRUE(tok == out && line != NULL);
    if (tok == out && line != NULL) {
        char t[128], again[256];
        size_t tl = (size_t)(strchr(tok, '\n') - tok) - 7;
        ASSERT_EQ(tl, 43);
        memcpy(t, tok + 7, tl);
        t[tl] = '\n';
        t[tl + 1] = '\0';
        memset(again, 0, sizeof(again));
        ASSERT_EQ(run_hash(t, false, again, sizeof(again)), 0);
        ASSERT_TRUE(strcmp(again, line) == 0);
    }
}

int
main(void)
{
    TEST_START("admin_parse");
    test_head_valid();
    test_head_invalid();
    test_body_len();
    test_target();
    test_path_match();
    test_guid_and_tokens();
    test_conf();
    test_hash_token();
    TEST_DONE();
}
