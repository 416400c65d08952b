/*
 * admin_echo - the server runtime with the admin API and a test role, for
 * the admin framework's integration tests.
 *
 *   admin_echo --config FILE [--admin SPEC] [--exit-after S]
 *
 * FILE takes the shared transport keywords and the admin_* keywords
 * (zto_admin.h). Prints "fdo URL" per FDO listener, "admin URL" per admin
 * listener, then "ready".
 *
 * FDO handler (feeds the metrics): a request of type N whose body is the
 * CBOR text "fail" gets ErrorMessage 101; 10/20/30/60 start a session
 * with a new token; anything else needs that token (else ErrorMessage 1)
 * and gets N+1 with an empty array; 13/23/33/71 end the session.
 *
 * Admin routes (all under /api/v1):
 *   GET    /items               {"items": [...]}
 *   POST   /items               JSON {"name": str, "count"?: int} -> 201
 *   GET    /items/{id}          one item, 404 unless it exists
 *   DELETE /items/{id}          204
 *   PUT    /items/{id}/pem      PEM body: {"id", "blocks", "bytes"}
 *   POST   /any                 JSON or PEM or nothing: {"type": ...}
 *   GET    /echo                {"query": {...}, "principal": ...}
 *   GET    /broken              a handler that answers nothing (500)
 *   GET    /big?kib=N           a JSON string of N KiB
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "zto/zto_cbor.h"
#include "zto/zto_crypto.h"
#include "zto/zto_util.h"
#include "zto_admin.h"
#include "zto_conf.h"
#include "zto_log.h"
#include "zto_srv.h"

#define MAX_SESSIONS 64
#define MAX_ITEMS 16

struct conf {
    struct zto_srv_conf srv;
    struct zto_admin_conf admin;
};

static const struct zto_conf_kw kw[] = {
    ZTO_SRV_CONF_KW(struct conf, srv, "http://127.0.0.1:0"),
    ZTO_ADMIN_CONF_KW(struct conf, admin),
};
#define NKW (sizeof(kw) / sizeof(kw[0]))

struct echo {
    struct zto_srv *srv;
    char tokens[MAX_SESSIONS][40];
    size_t next_slot;
    char items[MAX_ITEMS][64];
    long long counts[MAX_ITEMS];
};

/* ---- FDO handler ---- */

static bool
is_first(uint8_t t)
{
    return t == 10 || t == 20 || t == 30 || t == 60;
}

static bool
is_last(uint8_t t)
{
    return t == 13 || t == 23 || t == 33 || t == 71;
}

static void
fdo_handler(void *ctx, const struct zto_srv_req *req, struct zto_srv_resp *resp)
{
    struct echo *e = ctx;
    struct zto_cbor_dec d;
    struct zto_bytes s;
    uint8_t rnd[16];
    int slot = -1, i;

    if (req->msg_type == ZTO_MSG_ERROR)
        return;
    zto_cbor_dec_init(&d, req->body, req->len);
    if (zto_cbor_get_tstr(&d, &s) == ZTO_OK && s.len == 4 &&
        memcmp(s.p, "fail", 4) == 0) {
        if (zto_srv_error(resp, ZTO_E_PROTO, req->msg_type, "asked to fail") !=
            ZTO_OK)
            abort();
        return;
    }
    for (i = 0; req->token != NULL && i < MAX_SESSIONS; i++)
        if (strcmp(e->tokens[i], req->token) == 0)
            slot = i;
    if (is_first(req->msg_type)) {
        slot = (int)(e->next_slot++ % MAX_SESSIONS);
        if (zto_random(rnd, sizeof(rnd)) != ZTO_OK ||
            zto_hex_encode(rnd, sizeof(rnd), e->tokens[slot], 40) != ZTO_OK)
            abort();
        snprintf(resp->token, sizeof(resp->token), "%s", e->tokens[slot]);
    } else if (slot < 0) {
        if (zto_srv_error(resp, ZTO_E_TOKEN, req->msg_type, "no session") !=
            ZTO_OK)
            abort();
        return;
    }
    resp->body[0] = 0x80; /* [] */
    resp->len = 1;
    resp->msg_type = (uint8_t)(req->msg_type + 1);
    if (is_last(resp->msg_type)) {
        e->tokens[slot][0] = '\0';
        resp->end_session = true;
    }
}

/* ---- admin routes ---- */

static int
item_find(struct echo *e, const char *id)
{
    char *end;
    long k = strtol(id, &end, 10);

    if (*end != '\0' || k < 0 || k >= MAX_ITEMS || e->items[k][0] == '\0')
        return -1;
    return (int)k;
}

static void
item_json(struct zto_json *w, struct echo *e, int k)
{
    zto_json_obj(w);
    zto_json_kint(w, "id", k);
    zto_json_kstr(w, "name", e->items[k]);
    zto_json_kint(w, "count", e->counts[k]);
    zto_json_obj_end(w);
}

static void
items_list(void *ctx, const struct zto_admin_req *req,
           struct zto_admin_resp *resp)
{
    struct echo *e = ctx;
    struct zto_json *w = zto_admin_json(resp, 200);
    int k;

    (void)req;
    zto_json_obj(w);
    zto_json_karr(w, "items");
    for (k = 0; k < MAX_ITEMS; k++)
        if (e->items[k][0] != '\0')
            item_json(w, e, k);
    zto_json_arr_end(w);
    zto_json_obj_end(w);
}

static void
items_add(void *ctx, const struct zto_admin_req *req,
          struct zto_admin_resp *resp)
{
    static const char *const allowed[] = {"name", "count"};
    struct echo *e = ctx;
    size_t v, bad;
    int64_t count = 0;
    int k;

    if (zto_json_only(req->json, 0, allowed, 2, &bad) != ZTO_OK) {
        zto_admin_error(resp, 400, "bad_request",
                        "expected an object with name and count");
        return;
    }
    for (k = 0; k < MAX_ITEMS && e->items[k][0] != '\0'; k++)
        ;
    if (k == MAX_ITEMS) {
        zto_admin_error(resp, 409, "full", "no room for more items");
        return;
    }
    if (zto_json_member(req->json, 0, "name", &v) != ZTO_OK ||
        zto_json_get_str(req->json, v, e->items[k], sizeof(e->items[k]),
                         NULL) != ZTO_OK ||
        e->items[k][0] == '\0') {
        e->items[k][0] = '\0';
        zto_admin_error(resp, 400, "bad_request",
                        "name: a string of 1 to 63 bytes");
        return;
    }
    if (zto_json_member(req->json, 0, "count", &v) == ZTO_OK &&
        zto_json_get_int(req->json, v, &count) != ZTO_OK) {
        e->items[k][0] = '\0';
        zto_admin_error(resp, 400, "bad_request", "count: an integer");
        return;
    }
    e->counts[k] = count;
    item_json(zto_admin_json(resp, 201), e, k);
}

static void
items_get(void *ctx, const struct zto_admin_req *req,
          struct zto_admin_resp *resp)
{
    struct echo *e = ctx;
    int k = item_find(e, req->param[0]);

    if (k < 0) {
        zto_admin_error(resp, 404, "not_found", "no item %s", req->param[0]);
        return;
    }
    item_json(zto_admin_json(resp, 200), e, k);
}

static void
items_del(void *ctx, const struct zto_admin_req *req,
          struct zto_admin_resp *resp)
{
    struct echo *e = ctx;
    int k = item_find(e, req->param[0]);

    if (k < 0) {
        zto_admin_error(resp, 404, "not_found", "no item %s", req->param[0]);
        return;
    }
    e->items[k][0] = '\0';
    if (zto_admin_body(resp, 204, "application/json", "", 0) != ZTO_OK)
        return;
}

static void
items_pem(void *ctx, const struct zto_admin_req *req,
          struct zto_admin_resp *resp)
{
    struct zto_json *w;
    const char *p = req->body;
    int blocks = 0;

    (void)ctx;
    while ((p = strstr(p, "-----BEGIN ")) != NULL) {
        blocks++;
        p++;
    }
    w = zto_admin_json(resp, 200);
    zto_json_obj(w);
    zto_json_kstr(w, "id", req->param[0]);
    zto_json_kint(w, "blocks", blocks);
    zto_json_kuint(w, "bytes", req->len);
    zto_json_obj_end(w);
}

static void
any_body(void *ctx, const struct zto_admin_req *req,
         struct zto_admin_resp *resp)
{
    struct zto_json *w = zto_admin_json(resp, 200);

    (void)ctx;
    zto_json_obj(w);
    zto_json_kstr(w, "type",
                  req->body_type == ZTO_ADMIN_BODY_JSON  ? "json"
                  : req->body_type == ZTO_ADMIN_BODY_PEM ? "pem"
                                                         : "none");
    zto_json_kuint(w, "bytes", req->len);
    zto_json_obj_end(w);
}

static void
echo_query(void *ctx, const struct zto_admin_req *req,
           struct zto_admin_resp *resp)
{
    struct zto_json *w = zto_admin_json(resp, 200);
    size_t i;

    (void)ctx;
    zto_json_obj(w);
    zto_json_kobj(w, "query");
    for (i = 0; i < req->nquery; i++)
        if (zto_admin_query(req, req->qkey[i]) == req->qval[i])
            zto_json_kstr(w, req->qkey[i], req->qval[i]);
    zto_json_obj_end(w);
    zto_json_kstr(w, "principal", req->principal);
    zto_json_kstr(w, "path", req->path);
    zto_json_obj_end(w);
}

static void
broken(void *ctx, const struct zto_admin_req *req, struct zto_admin_resp *resp)
{
    (void)ctx;
    (void)req;
    (void)resp;
}

static void
big(void *ctx, const struct zto_admin_req *req, struct zto_admin_resp *resp)
{
    const char *kib = zto_admin_query(req, "kib");
    long n = kib != NULL ? strtol(kib, NULL, 10) : 1;
    struct zto_json *w;
    char *s;

    (void)ctx;
    if (n < 0 || n > 65536) {
        zto_admin_error(resp, 400, "bad_request", "kib: 0..65536");
        return;
    }
    if ((s = malloc((size_t)n * 1024 + 1)) == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    memset(s, 'x', (size_t)n * 1024);
    s[n * 1024] = '\0';
    w = zto_admin_json(resp, 200);
    zto_json_obj(w);
    zto_json_kstr(w, "data", s);
    zto_json_obj_end(w);
    free(s);
}

static const struct zto_admin_route routes[] = {
    {ZTO_ADMIN_GET, "/api/v1/items", 0, items_list},
    {ZTO_ADMIN_POST, "/api/v1/items", ZTO_ADMIN_BODY_JSON, items_add},
    {ZTO_ADMIN_GET, "/api/v1/items/{id}", 0, items_get},
    {ZTO_ADMIN_DELETE, "/api/v1/items/{id}", 0, items_del},
    {ZTO_ADMIN_PUT, "/api/v1/items/{id}/pem", ZTO_ADMIN_BODY_PEM, items_pem},
    {ZTO_ADMIN_POST, "/api/v1/any",
     ZTO_ADMIN_BODY_JSON | ZTO_ADMIN_BODY_PEM | ZTO_ADMIN_BODY_OPTIONAL,
     any_body},
    {ZTO_ADMIN_GET, "/api/v1/echo", 0, echo_query},
    {ZTO_ADMIN_GET, "/api/v1/broken", 0, broken},
    {ZTO_ADMIN_GET, "/api/v1/big", 0, big},
};

static zto_err_t
db_ok(void *ctx)
{
    (void)ctx;
    return ZTO_OK;
}

static void
on_exit_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fprintf(stderr, "admin_echo: --exit-after reached\n");
    zto_srv_stop(arg);
}

static int
fail(const char *what, const char *why)
{
    fprintf(stderr, "admin_echo: %s: %s\n", what, why);
    return 1;
}

int
main(int argc, char **argv)
{
    struct conf c;
    struct zto_srv_opts so;
    struct zto_admin_opts ao;
    struct zto_admin *adm = NULL;
    struct echo e;
    struct event *exit_ev = NULL;
    const char *config = NULL;
    long exit_after = 120;
    char err[512];
    size_t i;
    int a, rc = 1;
    zto_err_t r;

    memset(&c, 0, sizeof(c));
    memset(&e, 0, sizeof(e));
    zto_log_setup("admin_echo", ZTO_SRV_LOG_INFO, true);
    for (a = 1; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--config") == 0) {
            config = argv[a + 1];
        } else if (strcmp(argv[a], "--admin") == 0) {
            if (zto_conf_add_listen(&c.admin.listen, argv[a + 1],
                                    ZTO_SRV_HTTP) != ZTO_OK)
                return fail("--admin", "bad listen spec");
        } else if (strcmp(argv[a], "--exit-after") == 0) {
            exit_after = strtol(argv[a + 1], NULL, 10);
        } else {
            return fail(argv[a], "unknown option");
        }
    }
    if (a != argc || config == NULL)
        return fail("usage", "admin_echo --config FILE [--admin SPEC] "
                             "[--exit-after S]");
    if (zto_conf_parse_file(kw, NKW, &c, config, err, sizeof(err)) != ZTO_OK ||
        zto_conf_fill_defaults(kw, NKW, &c, err, sizeof(err)) != ZTO_OK)
        return fail("config", err);
    if (zto_admin_conf_resolve(&c.admin, config) != ZTO_OK)
        return fail("config", "out of memory");
    memset(&so, 0, sizeof(so));
    memset(&ao, 0, sizeof(ao));
    zto_srv_conf_apply(&c.srv, &so);
    if (zto_admin_conf_apply(&c.admin, &c.srv, &ao, err, sizeof(err)) != ZTO_OK)
        return fail("config", err);
    so.handler = fdo_handler;
    so.handler_ctx = &e;
    if ((r = zto_srv_new(&so, &e.srv)) != ZTO_OK)
        return fail("server", zto_strerror(r));
    ao.role = "echo";
    ao.srv = e.srv;
    ao.db_check = db_ok;
    if (ao.nlisten > 0) {
        if ((r = zto_admin_new(zto_srv_event_base(e.srv), &ao, &adm)) !=
            ZTO_OK) {
            fail("admin", zto_strerror(r));
            goto out;
        }
        if ((r = zto_admin_add_routes(adm, routes,
                                      sizeof(routes) / sizeof(routes[0]),
                                      &e)) != ZTO_OK) {
            fail("admin routes", zto_strerror(r));
            goto out;
        }
    }
    for (i = 0; i < zto_srv_bound_count(e.srv); i++) {
        char name[300];
        if (zto_listen_format(zto_srv_bound(e.srv, i), name, sizeof(name)) ==
            ZTO_OK)
            printf("fdo %s\n", name);
    }
    for (i = 0; adm != NULL && i < zto_admin_bound_count(adm); i++) {
        char name[300];
        if (zto_listen_format(zto_admin_bound(adm, i), name, sizeof(name)) ==
            ZTO_OK)
            printf("admin %s\n", name);
    }
    printf("ready\n");
    fflush(stdout);
    if (exit_after > 0) {
        struct timeval tv = {exit_after, 0};
        exit_ev = evtimer_new(zto_srv_event_base(e.srv), on_exit_timer, e.srv);
        if (exit_ev != NULL)
            evtimer_add(exit_ev, &tv);
    }
    r = zto_srv_run(e.srv);
    rc = r == ZTO_OK ? 0 : 1;
out:
    if (exit_ev != NULL)
        event_free(exit_ev);
    zto_admin_free(adm);
    zto_srv_free(e.srv);
    zto_conf_free(kw, NKW, &c);
    coap_cleanup();
    return rc;
}
