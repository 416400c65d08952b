/*
 * test_admin_api.c - the admin framework end to end: admin_echo (runtime +
 * admin listener + a test role) on loopback with kernel-chosen ports,
 * driven over raw HTTP/1.1 and TLS (with and without client
 * certificates). Covers authentication (and its log lines), routing and
 * every refusal status, bodies, keep-alive and pipelining, timeouts,
 * /health, and /metrics before and after FDO runs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hclient.h"
#include "prom_check.h"
#include "test.h"
#include "zto_json.h"

#define TOKEN1 "test-token-0123456789"
#define TOKEN2 "other-token-abcdefghij"
#define HASH1 "93b01915ef217ed9eb776b2e473270b00418b7bfc8c89d30696ece5eb5d91240"
#define HASH2 "cafc89633be8a8d63faea20ede3863c1593738dd1e9d7a338eb45a18eddba311"
#define AUTH1 "Authorization: Bearer " TOKEN1 "\r\n"
#define AUTH2 "Authorization: Bearer " TOKEN2 "\r\n"
#define JSON "Content-Type: application/json\r\n"
/* A string body and its length. */
#define B(s) (s), strlen(s)
#define S_GET_ECHO "GET /api/v1/echo HTTP/1.1\r\n" AUTH1 "\r\n"
#define S_GET_HEALTH "GET /health HTTP/1.1\r\n\r\n"
#define S_CLOSE "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"

static char dir[256], errlog[300];
static const char *http_url, *https_url, *fdo_url;

static const struct hopts tls_plain = {ZTO_CERTS_DIR "/ca.pem", NULL, NULL};
static const struct hopts tls_client = {ZTO_CERTS_DIR "/ca.pem",
                                        ZTO_ADMIN_CERTS "/client.pem",
                                        ZTO_ADMIN_CERTS "/client.key.pem"};
static const struct hopts tls_rogue = {ZTO_CERTS_DIR "/ca.pem",
                                       ZTO_ADMIN_CERTS "/rogue.pem",
                                       ZTO_ADMIN_CERTS "/rogue.key.pem"};

/* A response header or "" (never NULL). */
static const char *
H(const struct hresp *r, const char *name)
{
    const char *v = hresp_header(r, name);

    return v != NULL ? v : "";
}

/* error.code of a JSON error body equals code (and status matches). */
static int
error_is(const struct hresp *r, int status, const char *code)
{
    struct zto_json_doc doc;
    size_t e, v;
    char s[64];
    int64_t st = 0;
    int ok = 0;

    if (r->status != status)
        return 0;
    if (zto_json_parse(r->body, r->len, 0, &doc, NULL) != ZTO_OK)
        return 0;
    if (zto_json_member(&doc, 0, "error", &e) == ZTO_OK &&
        zto_json_member(&doc, e, "code", &v) == ZTO_OK &&
        zto_json_get_str(&doc, v, s, sizeof(s), NULL) == ZTO_OK &&
        strcmp(s, code) == 0 &&
        zto_json_member(&doc, e, "status", &v) == ZTO_OK &&
        zto_json_get_int(&doc, v, &st) == ZTO_OK && st == status &&
        zto_json_member(&doc, e, "message", &v) == ZTO_OK)
        ok = 1;
    zto_json_doc_free(&doc);
    if (!ok)
        fprintf(stderr, "want %d %s, got %d %s\n", status, code, r->status,
                r->body != NULL ? r->body : "");
    return ok && strncmp(hresp_header(r, "Content-Type") != NULL
                             ? hresp_header(r, "Content-Type")
                             : "",
                         "application/json", 16) == 0;
}

/* String member `key` of the top-level object. */
static int
json_str_is(const struct hresp *r, const char *key, const char *want)
{
    struct zto_json_doc doc;
    size_t v;
    char s[512];
    int ok = 0;

    if (zto_json_parse(r->body, r->len, 0, &doc, NULL) != ZTO_OK)
        return 0;
    if (zto_json_member(&doc, 0, key, &v) == ZTO_OK &&
        zto_json_get_str(&doc, v, s, sizeof(s), NULL) == ZTO_OK)
        ok = want == NULL || strcmp(s, want) == 0;
    if (!ok)
        fprintf(stderr, "%s: want %s in %s\n", key, want ? want : "?", r->body);
    zto_json_doc_free(&doc);
    return ok;
}

static int
get(const char *url, const struct hopts *o, const char *path, const char *extra,
    struct hresp *r)
{
    return hc_request(url, o, "GET", path, extra, NULL, 0, r);
}

static void
test_health(void)
{
    struct hresp r;

    ASSERT_EQ(get(http_url, NULL, "/health", NULL, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(json_str_is(&r, "status", "ok"));
    ASSERT_TRUE(json_str_is(&r, "role", "echo"));
    ASSERT_TRUE(json_str_is(&r, "db", "ok"));
    ASSERT_TRUE(json_str_is(&r, "version", NULL));
    ASSERT_TRUE(strcmp(H(&r, "Cache-Control"), "no-store") == 0);
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/health", NULL, B("x"), &r),
              0);
    ASSERT_TRUE(error_is(&r, 405, "method_not_allowed"));
    ASSERT_TRUE(strcmp(H(&r, "Allow"), "GET") == 0);
    hresp_free(&r);
}

static void
test_auth(void)
{
    struct hresp r;

    /* Nothing, wrong token, wrong scheme, malformed, good tokens. */
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items", NULL, &r), 0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    ASSERT_TRUE(
        strcmp(H(&r, "WWW-Authenticate"), "Bearer realm=\"zto-admin\"") == 0);
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items",
                  "Authorization: Bearer wrong-token-0123456789\r\n", &r),
              0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    ASSERT_TRUE(strstr(H(&r, "WWW-Authenticate"), "error=\"invalid_token\"") !=
                NULL);
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items",
                  "Authorization: Basic b3BzOnNlY3JldA==\r\n", &r),
              0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items",
                  "Authorization: Bearer bad\"token\r\n", &r),
              0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items", AUTH1 AUTH2, &r), 0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    hresp_free(&r);
    /* A prefix of a good token is a wrong token. */
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items",
                  "Authorization: Bearer test-token-012345678\r\n", &r),
              0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    hresp_free(&r);
    /* Unknown paths ask for credentials first: no probing of routes. */
    ASSERT_EQ(get(http_url, NULL, "/api/v1/nothing-here", NULL, &r), 0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    hresp_free(&r);

    ASSERT_EQ(get(http_url, NULL, "/api/v1/echo", AUTH1, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(json_str_is(&r, "principal", "token#1"));
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/echo",
                  "authorization: bearer " TOKEN2 "\r\n", &r),
              0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(json_str_is(&r, "principal", "token#2"));
    hresp_free(&r);
}

static void
test_routing_and_refusals(void)
{
    struct hresp r;
    char *big;

    ASSERT_EQ(get(http_url, NULL, "/api/v1/nothing", AUTH1, &r), 0);
    ASSERT_TRUE(error_is(&r, 404, "not_found"));
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items/", AUTH1, &r), 0);
    ASSERT_TRUE(error_is(&r, 404, "not_found"));
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "DELETE", "/api/v1/items", AUTH1, NULL,
                         0, &r),
              0);
    ASSERT_TRUE(error_is(&r, 405, "method_not_allowed"));
    ASSERT_TRUE(strcmp(H(&r, "Allow"), "GET, POST") == 0);
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "PATCH", "/api/v1/items", AUTH1, NULL,
                         0, &r),
              0);
    ASSERT_TRUE(error_is(&r, 501, "not_implemented"));
    hresp_free(&r);
    /* Bodies: wrong type, none, malformed, unknown member, unexpected. */
    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/api/v1/items",
                         AUTH1 "Content-Type: text/plain\r\n", B("{}"), &r),
              0);
    ASSERT_TRUE(error_is(&r, 415, "unsupported_media_type"));
    hresp_free(&r);
    ASSERT_EQ(
        hc_request(http_url, NULL, "POST", "/api/v1/items", AUTH1, B("{}"), &r),
        0);
    ASSERT_TRUE(error_is(&r, 415, "unsupported_media_type"));
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/api/v1/items", AUTH1 JSON,
                         NULL, 0, &r),
              0);
    ASSERT_TRUE(error_is(&r, 400, "body_required"));
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/api/v1/items", AUTH1 JSON,
                         B("{\"name\": \"a\",}"), &r),
              0);
    ASSERT_TRUE(error_is(&r, 400, "bad_json"));
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/api/v1/items", AUTH1 JSON,
                         B("{\"name\":\"a\",\"name\":\"b\"}"), &r),
              0);
    ASSERT_TRUE(error_is(&r, 400, "bad_json"));
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/api/v1/items", AUTH1 JSON,
                         B("{\"nmae\": \"a\"}"), &r),
              0);
    ASSERT_TRUE(error_is(&r, 400, "bad_request"));
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "GET", "/api/v1/items", AUTH1 JSON,
                         B("{}"), &r),
              0);
    ASSERT_TRUE(error_is(&r, 400, "unexpected_body"));
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items%00", AUTH1, &r), 0);
    ASSERT_TRUE(error_is(&r, 400, "bad_request"));
    hresp_free(&r);
    /* A handler that answers nothing. */
    ASSERT_EQ(get(http_url, NULL, "/api/v1/broken", AUTH1, &r), 0);
    ASSERT_TRUE(error_is(&r, 500, "internal"));
    hresp_free(&r);

    /* 413: max_body is 4096; the answer is JSON and comes before the
     * body is read. */
    big = malloc(8192);
    memset(big, 'x', 8192);
    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/api/v1/items", AUTH1 JSON,
                         big, 4097, &r),
              0);
    ASSERT_TRUE(error_is(&r, 413, "too_large"));
    ASSERT_TRUE(strcmp(H(&r, "Connection"), "close") == 0);
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "PUT", "/api/v1/items/1/pem",
                         AUTH1 "Content-Type: text/plain\r\n", big, 4096, &r),
              0);
    ASSERT_EQ(r.status, 200); /* exactly the limit is fine */
    hresp_free(&r);
    free(big);
}

/* Raw bytes on one connection, one response back. */
static int
raw(const char *url, const char *req, struct hresp *r)
{
    struct hconn c;
    int rc = -1;

    if (hc_connect(&c, url, NULL, NULL, NULL) == 0 &&
        hc_send(&c, req, strlen(req)) == 0 && hc_read(&c, r) == 0)
        rc = 0;
    hc_close(&c);
    return rc;
}

static void
test_http_layer(void)
{
    struct hresp r;
    struct hconn c;
    char *hdr;
    size_t i;

    ASSERT_EQ(raw(http_url, "GET / HTTP/2.0\r\n\r\n", &r), 0);
    ASSERT_TRUE(error_is(&r, 505, "http_version"));
    hresp_free(&r);
    ASSERT_EQ(raw(http_url, "GET /  HTTP/1.1\r\n\r\n", &r), 0);
    ASSERT_TRUE(error_is(&r, 400, "bad_request"));
    hresp_free(&r);
    ASSERT_EQ(raw(http_url, "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", &r), 0);
    ASSERT_TRUE(error_is(&r, 400, "bad_request"));
    hresp_free(&r);
    ASSERT_EQ(raw(http_url,
                  "POST /api/v1/items HTTP/1.1\r\n" AUTH1
                  "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                  &r),
              0);
    ASSERT_TRUE(error_is(&r, 411, "length_required"));
    hresp_free(&r);
    ASSERT_EQ(raw(http_url,
                  "POST /api/v1/items HTTP/1.1\r\nContent-Length: 2\r\n"
                  "Content-Length: 3\r\n\r\n{}",
                  &r),
              0);
    ASSERT_TRUE(error_is(&r, 400, "bad_request"));
    hresp_free(&r);
    /* A 20 KiB head. */
    hdr = malloc(21000);
    i = (size_t)snprintf(hdr, 21000, "GET /health HTTP/1.1\r\nX-Big: ");
    memset(hdr + i, 'a', 20480);
    memcpy(hdr + i + 20480, "\r\n\r\n", 5);
    ASSERT_EQ(raw(http_url, hdr, &r), 0);
    ASSERT_TRUE(error_is(&r, 431, "header_too_large"));
    hresp_free(&r);
    free(hdr);

    /* Keep-alive: two requests, one connection; then two pipelined. */
    ASSERT_EQ(hc_connect(&c, http_url, NULL, NULL, NULL), 0);
    ASSERT_EQ(hc_send(&c, S_GET_ECHO, strlen(S_GET_ECHO)), 0);
    ASSERT_EQ(hc_read(&c, &r), 0);
    ASSERT_EQ(r.status, 200);
    hresp_free(&r);
    ASSERT_EQ(
        hc_send(&c, S_GET_ECHO S_GET_HEALTH, strlen(S_GET_ECHO S_GET_HEALTH)),
        0);
    ASSERT_EQ(hc_read(&c, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(json_str_is(&r, "principal", "token#1"));
    hresp_free(&r);
    ASSERT_EQ(hc_read(&c, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(json_str_is(&r, "status", "ok"));
    hresp_free(&r);
    /* Connection: close is honoured. */
    ASSERT_EQ(hc_send(&c, S_CLOSE, strlen(S_CLOSE)), 0);
    ASSERT_EQ(hc_read(&c, &r), 0);
    ASSERT_EQ(r.status, 200);
    hresp_free(&r);
    ASSERT_TRUE(hc_closed_within(&c, 2000));
    hc_close(&c);

    /* A head trickling in gets admin_timeout once, not per byte. */
    ASSERT_EQ(hc_connect(&c, http_url, NULL, NULL, NULL), 0);
    {
        static const char slow[] = "GET /health HTTP/1.1\r\nX-Slow: aaaaaaa";
        size_t k;
        int got = 0;
        for (k = 0; k < sizeof(slow) - 1 && !got; k++) {
            struct pollfd pfd = {c.fd, POLLIN, 0};
            if (hc_send(&c, slow + k, 1) != 0)
                break;
            got = poll(&pfd, 1, 400) > 0;
        }
        ASSERT_TRUE(got);
        ASSERT_EQ(hc_read(&c, &r), 0);
        ASSERT_TRUE(error_is(&r, 408, "timeout"));
        hresp_free(&r);
    }
    hc_close(&c);

    /* Idle connections are closed after admin_timeout (2 s). */
    ASSERT_EQ(hc_connect(&c, http_url, NULL, NULL, NULL), 0);
    ASSERT_TRUE(hc_closed_within(&c, 5000));
    hc_close(&c);

    /* Expect: 100-continue: "100 Continue" first, then the body. */
    ASSERT_EQ(hc_connect(&c, http_url, NULL, NULL, NULL), 0);
    {
        static const char head[] = "POST /api/v1/any HTTP/1.1\r\n" AUTH1 JSON
                                   "Expect: 100-continue\r\n"
                                   "Content-Length: 2\r\n\r\n";
        uint64_t deadline = hc_now_ms() + 5000;
        ASSERT_EQ(hc_send(&c, head, sizeof(head) - 1), 0);
        while (c.have < 25 && hc_fill(&c, deadline) > 0)
            ;
        ASSERT_TRUE(c.have >= 25 &&
                    memcmp(c.buf, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0);
        ASSERT_EQ(hc_send(&c, "{}", 2), 0);
        ASSERT_EQ(hc_read(&c, &r), 0);
        ASSERT_EQ(r.status, 200);
        ASSERT_TRUE(json_str_is(&r, "type", "json"));
        hresp_free(&r);
    }
    hc_close(&c);
    /* ... and an oversized one is refused without sending the body. */
    ASSERT_EQ(hc_connect(&c, http_url, NULL, NULL, NULL), 0);
    {
        static const char head[] = "POST /api/v1/any HTTP/1.1\r\n" AUTH1 JSON
                                   "Expect: 100-continue\r\n"
                                   "Content-Length: 999999\r\n\r\n";
        ASSERT_EQ(hc_send(&c, head, sizeof(head) - 1), 0);
        ASSERT_EQ(hc_read(&c, &r), 0);
        ASSERT_TRUE(error_is(&r, 413, "too_large"));
        hresp_free(&r);
        ASSERT_TRUE(hc_closed_within(&c, 2000));
    }
    hc_close(&c);
}

static void
test_crud(void)
{
    struct hresp r;

    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/api/v1/items", AUTH1 JSON,
                         B("{\"name\": \"caf\\u00e9\", \"count\": -3}"), &r),
              0);
    ASSERT_EQ(r.status, 201);
    ASSERT_TRUE(json_str_is(&r, "name", "caf\xc3\xa9"));
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items/0", AUTH1, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(strstr(r.body, "\"count\":-3") != NULL);
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items", AUTH1, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(strstr(r.body, "\"items\":[{\"id\":0") != NULL);
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "DELETE", "/api/v1/items/0", AUTH1,
                         NULL, 0, &r),
              0);
    ASSERT_EQ(r.status, 204);
    ASSERT_TRUE(hresp_header(&r, "Content-Length") == NULL);
    ASSERT_EQ(r.len, 0);
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/api/v1/items/0", AUTH1, &r), 0);
    ASSERT_TRUE(error_is(&r, 404, "not_found"));
    hresp_free(&r);

    ASSERT_EQ(hc_request(http_url, NULL, "PUT", "/api/v1/items/7/pem",
                         AUTH1 "Content-Type: application/x-pem-file\r\n",
                         B("-----BEGIN A-----\nAA==\n-----END A-----\n"
                           "-----BEGIN B-----\nAA==\n-----END B-----\n"),
                         &r),
              0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(strstr(r.body, "\"blocks\":2") != NULL);
    ASSERT_TRUE(json_str_is(&r, "id", "7"));
    hresp_free(&r);
    ASSERT_EQ(
        hc_request(http_url, NULL, "POST", "/api/v1/any", AUTH1, NULL, 0, &r),
        0);
    ASSERT_TRUE(json_str_is(&r, "type", "none"));
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/api/v1/any",
                         AUTH1 "Content-Type: Application/JSON; charset=utf-8"
                               "\r\n",
                         B("[]"), &r),
              0);
    ASSERT_TRUE(json_str_is(&r, "type", "json"));
    hresp_free(&r);
    ASSERT_EQ(hc_request(http_url, NULL, "POST", "/api/v1/any",
                         AUTH1 "Content-Type: application/pem-certificate-"
                               "chain\r\n",
                         B("x"), &r),
              0);
    ASSERT_TRUE(json_str_is(&r, "type", "pem"));
    hresp_free(&r);

    ASSERT_EQ(get(http_url, NULL, "/api/v1/echo?a=1&b=hello+world&c=%2F&a=2",
                  AUTH1, &r),
              0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(strstr(r.body, "{\"a\":\"1\",\"b\":\"hello world\","
                               "\"c\":\"/\"}") != NULL);
    hresp_free(&r);

    /* A 2 MiB answer arrives whole. */
    ASSERT_EQ(get(http_url, NULL, "/api/v1/big?kib=2048", AUTH1, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.len, 2048 * 1024 + strlen("{\"data\":\"\"}\n"));
    hresp_free(&r);
}

static void
test_tls(void)
{
    struct hresp r;

    ASSERT_EQ(get(https_url, &tls_plain, "/health", NULL, &r), 0);
    ASSERT_EQ(r.status, 200);
    hresp_free(&r);
    ASSERT_EQ(get(https_url, &tls_plain, "/api/v1/echo", NULL, &r), 0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    hresp_free(&r);
    ASSERT_EQ(get(https_url, &tls_plain, "/api/v1/echo", AUTH2, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(json_str_is(&r, "principal", "token#2"));
    hresp_free(&r);
    /* A client certificate of the configured CA is enough. */
    ASSERT_EQ(get(https_url, &tls_client, "/api/v1/echo", NULL, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(strstr(r.body, "\"principal\":\"cert:") != NULL &&
                strstr(r.body, "CN=ops") != NULL);
    hresp_free(&r);
    /* ... but a wrong token next to it is still refused. */
    ASSERT_EQ(get(https_url, &tls_client, "/api/v1/echo",
                  "Authorization: Bearer nope-nope-nope-nope\r\n", &r),
              0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    hresp_free(&r);
    /* A certificate of another CA fails the handshake. */
    ASSERT_EQ(get(https_url, &tls_rogue, "/health", NULL, &r), -1);
    hresp_free(&r);
    /* Certificates mean nothing on the plain listener. */
    ASSERT_EQ(get(http_url, NULL, "/api/v1/echo", NULL, &r), 0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    hresp_free(&r);
}

/* One FDO message to the FDO listener; *tok in/out ("" = none). */
static int
fdo(int type, const char *body, size_t blen, char *tok, size_t cap)
{
    char path[32], extra[256];
    struct hresp r;
    const char *a;
    int st;

    snprintf(path, sizeof(path), "/fdo/101/msg/%d", type);
    snprintf(extra, sizeof(extra), "Content-Type: application/cbor\r\n%s%s%s",
             tok[0] ? "Authorization: Bearer " : "", tok, tok[0] ? "\r\n" : "");
    if (hc_request(fdo_url, NULL, "POST", path, extra, body, blen, &r) != 0)
        return -1;
    st = r.status;
    a = hresp_header(&r, "Authorization");
    if (a != NULL && strncmp(a, "Bearer ", 7) == 0 && strlen(a + 7) < cap)
        memcpy(tok, a + 7, strlen(a + 7) + 1);
    hresp_free(&r);
    return st;
}

static double
metric(const char *text, const char *series)
{
    double v = prom_value(text, series);

    if (v < 0)
        fprintf(stderr, "no sample %s\n", series);
    return v;
}

static void
test_metrics(void)
{
    struct hresp r;
    char tok[256];
    int t;

    ASSERT_EQ(get(http_url, NULL, "/metrics", NULL, &r), 0);
    ASSERT_TRUE(error_is(&r, 401, "unauthorized"));
    hresp_free(&r);
    ASSERT_EQ(get(http_url, NULL, "/metrics", AUTH1, &r), 0);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(strcmp(H(&r, "Content-Type"),
                       "text/plain; version=0.0.4; charset=utf-8") == 0);
    ASSERT_EQ(prom_check(r.body), 0);
    ASSERT_EQ(metric(r.body, "zto_onboardings_completed_total"), 0);
    ASSERT_EQ(metric(r.body, "zto_db_up"), 1);
    ASSERT_TRUE(metric(r.body, "zto_admin_auth_failures_total") >= 8);
    ASSERT_TRUE(metric(r.body, "zto_admin_requests_total{code=\"401\"}") >= 8);
    ASSERT_TRUE(
        prom_value(r.body,
                   "zto_build_info{role=\"echo\",version=\"" ZTO_VERSION_STR
                   "\"}") == 1);
    hresp_free(&r);

    /* A DI-like run, a TO2-like run, a failed TO0 and a TO1 left open. */
    tok[0] = '\0';
    ASSERT_EQ(fdo(10, "\x80", 1, tok, sizeof(tok)), 200);
    ASSERT_TRUE(tok[0] != '\0');
    ASSERT_EQ(fdo(12, "\x80", 1, tok, sizeof(tok)), 200);
    tok[0] = '\0';
    ASSERT_EQ(fdo(60, "\x80", 1, tok, sizeof(tok)), 200);
    for (t = 62; t <= 70; t += 2)
        ASSERT_EQ(fdo(t, "\x80", 1, tok, sizeof(tok)), 200);
    tok[0] = '\0';
    ASSERT_EQ(fdo(20, "\x80", 1, tok, sizeof(tok)), 200);
    ASSERT_EQ(fdo(22,
                  "\x64"
                  "fail",
                  5, tok, sizeof(tok)),
              500);
    tok[0] = '\0';
    ASSERT_EQ(fdo(20, "\x80", 1, tok, sizeof(tok)), 200);
    ASSERT_EQ(fdo(22, "\x80", 1, tok, sizeof(tok)), 200);
    tok[0] = '\0';
    ASSERT_EQ(fdo(30, "\x80", 1, tok, sizeof(tok)), 200);
    /* Wrong path: refused by the adapter. */
    ASSERT_EQ(hc_request(fdo_url, NULL, "POST", "/fdo/100/msg/10",
                         "Content-Type: application/cbor\r\n", B("\x80"), &r),
              0);
    ASSERT_EQ(r.status, 404);
    hresp_free(&r);

    ASSERT_EQ(get(http_url, NULL, "/metrics", AUTH1, &r), 0);
    ASSERT_EQ(prom_check(r.body), 0);
    ASSERT_EQ(metric(r.body,
                     "zto_fdo_messages_total{transport=\"http\",type=\"10\"}"),
              1);
    ASSERT_EQ(metric(r.body,
                     "zto_fdo_messages_total{transport=\"http\",type=\"22\"}"),
              2);
    ASSERT_EQ(metric(r.body, "zto_fdo_runs_total{protocol=\"di\","
                             "result=\"completed\"}"),
              1);
    ASSERT_EQ(metric(r.body, "zto_fdo_runs_total{protocol=\"to0\","
                             "result=\"failed\"}"),
              1);
    ASSERT_EQ(metric(r.body, "zto_fdo_runs_total{protocol=\"to0\","
                             "result=\"completed\"}"),
              1);
    ASSERT_EQ(metric(r.body, "zto_to0_registrations_total"), 1);
    ASSERT_EQ(metric(r.body, "zto_onboardings_completed_total"), 1);
    ASSERT_EQ(metric(r.body, "zto_fdo_errors_sent_total{code=\"101\"}"), 1);
    ASSERT_EQ(
        metric(r.body, "zto_fdo_run_duration_seconds_count{protocol=\"to2\"}"),
        1);
    ASSERT_EQ(metric(r.body, "zto_fdo_run_duration_seconds_bucket{protocol="
                             "\"to2\",le=\"+Inf\"}"),
              1);
    ASSERT_EQ(metric(r.body, "zto_fdo_sessions_active{protocol=\"to1\"}"), 1);
    ASSERT_EQ(metric(r.body, "zto_fdo_sessions_active{protocol=\"to2\"}"), 0);
    ASSERT_EQ(metric(r.body, "zto_transport_refused_total"), 1);
    hresp_free(&r);
}

static void
test_log(void)
{
    char *log = slurp(errlog);

    ASSERT_TRUE(log != NULL);
    if (log == NULL)
        return;
    /* One line per refusal with peer, method, path and reason. */
    ASSERT_TRUE(strstr(log, "admin 127.0.0.1:") != NULL);
    ASSERT_TRUE(strstr(log, "GET /api/v1/items: 401, no credentials") != NULL);
    ASSERT_TRUE(strstr(log, "GET /api/v1/items: 401, token does not match") !=
                NULL);
    ASSERT_TRUE(strstr(log, "GET /metrics: 401, no credentials") != NULL);
    /* Never a token, good or bad. */
    ASSERT_TRUE(strstr(log, TOKEN1) == NULL);
    ASSERT_TRUE(strstr(log, TOKEN2) == NULL);
    ASSERT_TRUE(strstr(log, "wrong-token") == NULL);
    ASSERT_TRUE(strstr(log, "nope-nope") == NULL);
    /* Successful calls are logged with who made them. */
    ASSERT_TRUE(strstr(log, "token#1 GET /api/v1/echo: 200") != NULL);
    ASSERT_TRUE(strstr(log, "cert:") != NULL);
    free(log);
}

int
main(void)
{
    struct proc p;
    char conf[300];
    FILE *f;
    const char *argv[] = {ZTO_ADMIN_ECHO, "--config", conf, NULL};
    int rc;

    TEST_START("admin_api");
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof(dir), "/tmp/zto-admin-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 2;
    snprintf(conf, sizeof(conf), "%s/echo.conf", dir);
    snprintf(errlog, sizeof(errlog), "%s/stderr.log", dir);
    f = fopen(conf, "w");
    fprintf(f,
            "listen = http://127.0.0.1:0\n"
            "admin = 127.0.0.1:0\n"
            "admin = https://127.0.0.1:0\n"
            "admin_token_sha256 = " HASH1 "," HASH2 "\n"
            "admin_tls_cert = %s/server.pem\n"
            "admin_tls_key = %s/server.key.pem\n"
            "admin_client_ca = %s/client-ca.pem\n"
            "admin_max_body = 4096\n"
            "admin_timeout = 2\n",
            ZTO_CERTS_DIR, ZTO_CERTS_DIR, ZTO_ADMIN_CERTS);
    fclose(f);
    if (proc_start(&p, argv, errlog) != 0) {
        char *log = slurp(errlog);
        fprintf(stderr, "%s\n", log != NULL ? log : "");
        free(log);
        return 1;
    }
    http_url = proc_url(&p, "admin http://");
    https_url = proc_url(&p, "admin https://");
    fdo_url = proc_url(&p, "fdo http://");
    http_url = http_url != NULL ? http_url - strlen("http://") : NULL;
    https_url = https_url != NULL ? https_url - strlen("https://") : NULL;
    fdo_url = fdo_url != NULL ? fdo_url - strlen("http://") : NULL;
    ASSERT_TRUE(http_url != NULL && https_url != NULL && fdo_url != NULL);
    if (http_url != NULL && https_url != NULL && fdo_url != NULL) {
        test_health();
        test_auth();
        test_routing_and_refusals();
        test_http_layer();
        test_crud();
        test_tls();
        test_metrics();
    }
    rc = proc_stop(&p);
    ASSERT_EQ(rc, 0);
    test_log();
    if (test_failures == 0) {
        unlink(conf);
        unlink(errlog);
        rmdir(dir);
    } else {
        fprintf(stderr, "server log kept in %s\n", errlog);
    }
    TEST_DONE();
}
