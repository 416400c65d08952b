/*
 * fdo_relay - test helper for the operations tests: an FDO HTTP relay
 * that records the messages it forwards, can hold one message back, and
 * two readers for what it recorded.
 *
 *   fdo_relay serve --listen SPEC (--upstream URL | --upstream-file F)
 *                   [--record DIR] [--pause-before N] [--exit-after S]
 *       Serve SPEC (e.g. http://127.0.0.1:0) and forward every FDO message
 *       to URL with its session token, answering with the upstream's
 *       answer and token. --upstream-file: the URL is read from F at the
 *       first message (for a server started after the relay). Prints "listening
 * on URL" and "ready". With
 *       --record each request and answer body goes to
 *       DIR/NNNN-TYPE-req.cbor and DIR/NNNN-TYPE-resp.cbor. With
 *       --pause-before N, a message of type N is held: the relay prints
 *       "paused N" and forwards it only when a line arrives on standard
 *       input (the upstream may have been restarted meanwhile). Exits
 *       after S seconds (default 240) in any case.
 *   fdo_relay nonces FILE...
 *       Every 16-byte byte string in the CBOR of the files (also inside
 *       byte strings that hold CBOR, as COSE payloads do), in hex, one
 *       per line: the nonces and GUIDs that crossed the wire in clear.
 *   fdo_relay cred-secret CRED
 *       The HMAC secret of a device credential file, in hex.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "zto/zto_cbor.h"
#include "zto/zto_device.h"
#include "zto/zto_util.h"
#include "zto_log.h"
#include "zto_posix_transport.h"
#include "zto_srv.h"

#define FILE_MAX (1 << 20)

struct relay {
    struct zto_target up;
    bool have_up;
    const char *up_file;
    struct zto_http_transport *t;
    const char *record;
    int pause_before;
    unsigned seq;
};

static void
save(const struct relay *r, unsigned seq, unsigned type, const char *what,
     const uint8_t *body, size_t len)
{
    char path[4096];
    FILE *f;

    if (r->record == NULL)
        return;
    snprintf(path, sizeof(path), "%s/%04u-%03u-%s.cbor", r->record, seq, type,
             what);
    if ((f = fopen(path, "wb")) == NULL)
        return;
    if (len > 0)
        fwrite(body, 1, len, f);
    fclose(f);
}

static void
handle(void *ctx, const struct zto_srv_req *req, struct zto_srv_resp *resp)
{
    struct relay *r = ctx;
    const struct zto_transport_ops *ops = &zto_transport_http_ops;
    unsigned seq = ++r->seq;
    const char *tok;
    size_t n = 0;
    uint8_t type = 0;
    zto_err_t e;

    save(r, seq, req->msg_type, "req", req->body, req->len);
    if (r->pause_before >= 0 && req->msg_type == (uint8_t)r->pause_before) {
        char line[64];
        printf("paused %d\n", r->pause_before);
        fflush(stdout);
        if (fgets(line, sizeof(line), stdin) == NULL)
            exit(3); /* the test is gone */
    }
    if (!r->have_up) {
        char url[512] = "";
        FILE *f = fopen(r->up_file, "r");
        if (f != NULL) {
            if (fgets(url, sizeof(url), f) == NULL)
                url[0] = '\0';
            fclose(f);
        }
        url[strcspn(url, "\r\n")] = '\0';
        if (zto_target_parse(url, &r->up) != ZTO_OK) {
            e = ZTO_E_URL;
            goto fail;
        }
        r->have_up = true;
    }
    if ((e = ops->open(r->t, &r->up)) != ZTO_OK)
        goto fail;
    if (req->token != NULL)
        snprintf(r->t->auth, sizeof(r->t->auth), "Bearer %s", req->token);
    if ((e = ops->send(r->t, req->msg_type, req->body, req->len)) != ZTO_OK ||
        (e = ops->recv(r->t, resp->body, resp->cap, &n, &type)) != ZTO_OK)
        goto fail;
    resp->len = n;
    resp->msg_type = type;
    resp->end_session = type == ZTO_MSG_ERROR || type == 13 || type == 23 ||
                        type == 33 || type == 71;
    tok = r->t->auth;
    if (strncmp(tok, "Bearer ", 7) == 0)
        tok += 7;
    snprintf(resp->token, sizeof(resp->token), "%s", tok);
    ops->close(r->t);
    save(r, seq, type, "resp", resp->body, resp->len);
    return;
fail:
    ops->close(r->t);
    fprintf(stderr, "fdo_relay: upstream: %s %s\n", zto_strerror(e),
            zto_http_transport_detail(r->t));
    if (zto_srv_error(resp, ZTO_E_INTERNAL, req->msg_type,
                      "relay: upstream unreachable") != ZTO_OK)
        resp->len = 0;
}

static void
on_exit_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    zto_srv_stop(arg);
}

static int
serve(int argc, char **argv)
{
    struct relay r;
    struct zto_listen l;
    struct zto_srv_opts o;
    struct zto_srv *srv = NULL;
    struct event *ev = NULL;
    struct timeval tv = {240, 0};
    const char *listen = NULL, *upstream = NULL;
    char url[ZTO_LISTEN_HOST_MAX + 32];
    int i;

    memset(&r, 0, sizeof(r));
    r.pause_before = -1;
    for (i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--listen") == 0)
            listen = argv[i + 1];
        else if (strcmp(argv[i], "--upstream") == 0)
            upstream = argv[i + 1];
        else if (strcmp(argv[i], "--upstream-file") == 0)
            r.up_file = argv[i + 1];
        else if (strcmp(argv[i], "--record") == 0)
            r.record = argv[i + 1];
        else if (strcmp(argv[i], "--pause-before") == 0)
            r.pause_before = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--exit-after") == 0)
            tv.tv_sec = strtol(argv[i + 1], NULL, 10);
        else
            break;
    }
    r.have_up = upstream != NULL;
    if (i != argc || listen == NULL ||
        (upstream == NULL) == (r.up_file == NULL) ||
        zto_listen_parse(listen, ZTO_SRV_HTTP, &l) != ZTO_OK ||
        (upstream != NULL && zto_target_parse(upstream, &r.up) != ZTO_OK)) {
        fprintf(stderr, "fdo_relay serve: bad arguments\n");
        return 2;
    }
    zto_log_setup("fdo_relay", ZTO_SRV_LOG_WARN, true);
    if ((r.t = malloc(sizeof(*r.t))) == NULL)
        return 1;
    zto_http_transport_init(r.t, NULL);
    memset(&o, 0, sizeof(o));
    o.listen = &l;
    o.nlisten = 1;
    o.handler = handle;
    o.handler_ctx = &r;
    if (zto_srv_new(&o, &srv) != ZTO_OK) {
        fprintf(stderr, "fdo_relay: cannot listen on %s\n", listen);
        return 1;
    }
    ev = evtimer_new(zto_srv_event_base(srv), on_exit_timer, srv);
    if (ev == NULL || evtimer_add(ev, &tv) != 0)
        return 1;
    if (zto_listen_format(zto_srv_bound(srv, 0), url, sizeof(url)) == ZTO_OK)
        printf("listening on %s\n", url);
    printf("ready\n");
    fflush(stdout);
    if (zto_srv_run(srv) != ZTO_OK)
        fprintf(stderr, "fdo_relay: loop failed\n");
    event_free(ev);
    zto_srv_free(srv);
    zto_http_transport_free(r.t);
    free(r.t);
    coap_cleanup();
    return 0;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = malloc(FILE_MAX);

    *len = 0;
    if (f == NULL || b == NULL) {
        if (f != NULL)
            fclose(f);
        free(b);
        return NULL;
    }
    *len = fread(b, 1, FILE_MAX, f);
    fclose(f);
    return b;
}

static void
print_hex(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
    putchar('\n');
}

/* Walk one item; depth bounds nesting (the messages are shallow). */
static zto_err_t
walk(struct zto_cbor_dec *d, int depth)
{
    struct zto_cbor_item it;
    struct zto_bytes b;
    size_t n, i;
    uint64_t tag;
    zto_err_t r;

    if (depth > 32)
        return ZTO_E_CBOR;
    if ((r = zto_cbor_peek(d, &it)) != ZTO_OK)
        return r;
    switch (it.major) {
    case ZTO_CBOR_BSTR:
        if ((r = zto_cbor_get_bstr(d, &b)) != ZTO_OK)
            return r;
        if (b.len == 16)
            print_hex(b.p, b.len);
        if (b.len > 0 && zto_cbor_validate(b.p, b.len) == ZTO_OK) {
            struct zto_cbor_dec in;
            zto_cbor_dec_init(&in, b.p, b.len);
            (void)walk(&in, depth + 1);
        }
        return ZTO_OK;
    case ZTO_CBOR_ARRAY:
        if ((r = zto_cbor_get_array(d, &n)) != ZTO_OK)
            return r;
        for (i = 0; i < n; i++)
            if ((r = walk(d, depth + 1)) != ZTO_OK)
                return r;
        return ZTO_OK;
    case ZTO_CBOR_MAP:
        if ((r = zto_cbor_get_map(d, &n)) != ZTO_OK)
            return r;
        for (i = 0; i < 2 * n; i++)
            if ((r = walk(d, depth + 1)) != ZTO_OK)
                return r;
        return ZTO_OK;
    case ZTO_CBOR_TAG:
        if ((r = zto_cbor_get_tag(d, &tag)) != ZTO_OK)
            return r;
        return walk(d, depth + 1);
    default:
        return zto_cbor_skip(d);
    }
}

static int
nonces(int argc, char **argv)
{
    int i;

    for (i = 2; i < argc; i++) {
        struct zto_cbor_dec d;
        size_t len;
        uint8_t *b = slurp(argv[i], &len);

        if (b == NULL) {
            fprintf(stderr, "fdo_relay: cannot read %s\n", argv[i]);
            return 1;
        }
        zto_cbor_dec_init(&d, b, len);
        (void)walk(&d, 0);
        free(b);
    }
    return 0;
}

static int
cred_secret(const char *path)
{
    static struct zto_device_cred c;
    size_t len;
    uint8_t *b = slurp(path, &len);
    int rc = 1;

    if (b != NULL && zto_cred_decode(b, len, &c) == ZTO_OK &&
        c.hmac_secret_len > 0) {
        print_hex(c.hmac_secret, c.hmac_secret_len);
        rc = 0;
    } else {
        fprintf(stderr, "fdo_relay: %s: not a credential\n", path);
    }
    zto_cred_wipe(&c);
    free(b);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return serve(argc, argv);
    if (argc > 2 && strcmp(argv[1], "nonces") == 0)
        return nonces(argc, argv);
    if (argc == 3 && strcmp(argv[1], "cred-secret") == 0)
        return cred_secret(argv[2]);
    fprintf(stderr, "usage: fdo_relay serve|nonces|cred-secret ...\n");
    return 2;
}
