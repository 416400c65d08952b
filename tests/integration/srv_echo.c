/*
 * srv_echo - the server runtime with a test handler, for the transport
 * integration tests.
 *
 *   srv_echo [--http SPEC] [--https SPEC] [--coap SPEC] [--coaps SPEC]
 *            [--cert PEM --key PEM] [--timeout S] [--max-clients N]
 *            [--rotate-tokens] [--coap-loss LIST] [--log-level L]
 *            [--exit-after S]
 *
 * Prints each bound listener ("coap://[::1]:40123") and then "ready" on
 * stdout. SPEC may use port 0.
 *
 * The handler, for a request of type N:
 *  - body not one well-formed CBOR item      -> ErrorMessage 100
 *  - N in {10, 20, 30, 60} starts a session: a new token is issued
 *  - any other N needs the session's current token, else ErrorMessage 1
 *  - body tstr "fail"                         -> ErrorMessage 101
 *  - body tstr "stats"                        -> N+1, [requests, replayed,
 *                                                refused, http conns, 255s,
 *                                                SIGHUP reloads]
 *  - body tstr "sleep:<ms>"                   -> waits, then answers
 *  - body tstr "sleep:<ms>,<n>"               -> waits, then answers with an
 *                                                n-byte bstr as the item (a
 *                                                slow answer in Block2)
 *  - otherwise N+1 with [seq, N, token-or-null, <request item>], where seq
 *    counts handler calls: a request processed twice shows a new seq.
 *  - 13/23/33/71 end the session.
 * With --rotate-tokens every answer carries a fresh token and only the
 * newest one is accepted (clients must replay the latest, rule T4).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "zto/zto_cbor.h"
#include "zto/zto_crypto.h"
#include "zto/zto_util.h"
#include "zto_log.h"
#include "zto_srv.h"

#define MAX_SESSIONS 64
#define MAX_LISTEN 16

struct echo {
    struct zto_srv *srv;
    bool rotate;
    unsigned long seq;
    unsigned long errors_received;
    unsigned long reloads;
    char tokens[MAX_SESSIONS][40];
    size_t next_slot;
};

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

static int
find_token(struct echo *e, const char *tok)
{
    int i;

    if (tok == NULL)
        return -1;
    for (i = 0; i < MAX_SESSIONS; i++)
        if (e->tokens[i][0] != '\0' && strcmp(e->tokens[i], tok) == 0)
            return i;
    return -1;
}

static void
new_token(char out[40])
{
    uint8_t r[16];

    if (zto_random(r, sizeof(r)) != ZTO_OK ||
        zto_hex_encode(r, sizeof(r), out, 40) != ZTO_OK)
        abort();
}

static bool
body_is_text(const struct zto_srv_req *req, const char *prefix,
             struct zto_bytes *rest)
{
    struct zto_cbor_dec d;
    struct zto_bytes s;
    size_t n = strlen(prefix);

    zto_cbor_dec_init(&d, req->body, req->len);
    if (zto_cbor_get_tstr(&d, &s) != ZTO_OK || s.len < n ||
        memcmp(s.p, prefix, n) != 0)
        return false;
    if (rest != NULL)
        *rest = ZTO_BYTES(s.p + n, s.len - n);
    return true;
}

static void
handler(void *ctx, const struct zto_srv_req *req, struct zto_srv_resp *resp)
{
    struct echo *e = ctx;
    struct zto_cbor_enc enc;
    struct zto_bytes arg;
    uint8_t next = (uint8_t)(req->msg_type + 1);
    int slot = find_token(e, req->token);
    size_t n = 0, pad = 0;
    zto_err_t r;

    e->seq++;
    if (req->msg_type == ZTO_MSG_ERROR) {
        e->errors_received++;
        return;
    }
    if (zto_cbor_validate(req->body, req->len) != ZTO_OK) {
        if (zto_srv_error(resp, ZTO_E_CBOR, req->msg_type,
                          "body is not CBOR") != ZTO_OK)
            abort();
        return;
    }
    if (is_first(req->msg_type)) {
        slot = (int)(e->next_slot++ % MAX_SESSIONS);
        new_token(e->tokens[slot]);
        snprintf(resp->token, sizeof(resp->token), "%s", e->tokens[slot]);
    } else if (slot < 0) {
        if (zto_srv_error(resp, ZTO_E_TOKEN, req->msg_type,
                          "unknown session token") != ZTO_OK)
            abort();
        return;
    } else if (e->rotate) {
        new_token(e->tokens[slot]);
        snprintf(resp->token, sizeof(resp->token), "%s", e->tokens[slot]);
    }

    if (body_is_text(req, "fail", NULL)) {
        e->tokens[slot][0] = '\0';
        if (zto_srv_error(resp, ZTO_E_PROTO, req->msg_type,
                          "requested failure") != ZTO_OK)
            abort();
        return;
    }
    if (body_is_text(req, "sleep:", &arg)) {
        char num[32] = "", *end = NULL;
        struct timespec ts;
        long ms;

        memcpy(num, arg.p, arg.len < 31 ? arg.len : 31);
        ms = strtol(num, &end, 10);
        if (*end == ',')
            pad = (size_t)strtoul(end + 1, NULL, 10);
        ts.tv_sec = ms / 1000;
        ts.tv_nsec = (ms % 1000) * 1000000L;
        nanosleep(&ts, NULL);
    }

    zto_cbor_enc_init(&enc, resp->body, resp->cap);
    if (body_is_text(req, "stats", NULL)) {
        struct zto_srv_stats st;

        zto_srv_get_stats(e->srv, &st);
        zto_cbor_put_array(&enc, 6);
        zto_cbor_put_uint(&enc, st.requests);
        zto_cbor_put_uint(&enc, st.coap_replayed);
        zto_cbor_put_uint(&enc, st.refused);
        zto_cbor_put_uint(&enc, st.http_connections);
        zto_cbor_put_uint(&enc, e->errors_received);
        zto_cbor_put_uint(&enc, e->reloads);
    } else {
        zto_cbor_put_array(&enc, 4);
        zto_cbor_put_uint(&enc, e->seq);
        zto_cbor_put_uint(&enc, req->msg_type);
        if (req->token != NULL)
            zto_cbor_put_cstr(&enc, req->token);
        else
            zto_cbor_put_null(&enc);
        if (pad > 0) {
            static const uint8_t zeros[ZTO_MAX_MSG_SIZE / 2];

            zto_cbor_put_bstr(&enc, zeros,
                              pad < sizeof(zeros) ? pad : sizeof(zeros));
        } else {
            zto_cbor_put_raw(&enc, req->body, req->len);
        }
    }
    if ((r = zto_cbor_enc_finish(&enc, &n)) != ZTO_OK) {
        if (zto_srv_error(resp, r, req->msg_type, "answer too large") != ZTO_OK)
            abort();
        return;
    }
    resp->len = n;
    resp->msg_type = next;
    if (is_last(req->msg_type)) {
        e->tokens[slot][0] = '\0';
        resp->end_session = true;
    }
}

static void
on_reload(void *ctx)
{
    struct echo *e = ctx;

    e->reloads++;
}

static void
on_exit_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fprintf(stderr, "srv_echo: --exit-after reached\n");
    zto_srv_stop(arg);
}

static void
usage(void)
{
    fprintf(stderr, "usage: srv_echo [--http|--https|--coap|--coaps SPEC]... "
                    "[--cert PEM --key PEM] [--timeout S] [--max-clients N] "
                    "[--rotate-tokens] [--coap-loss LIST] [--log-level L] "
                    "[--exit-after S]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    struct zto_listen listen[MAX_LISTEN];
    struct zto_srv_opts o;
    struct echo e;
    struct event *exit_ev = NULL;
    int level = ZTO_SRV_LOG_INFO;
    long exit_after = 300;
    size_t n = 0, i;
    int a;
    zto_err_t r;

    memset(&o, 0, sizeof(o));
    memset(&e, 0, sizeof(e));
    for (a = 1; a < argc; a++) {
        const char *opt = argv[a];
        const char *val = a + 1 < argc ? argv[a + 1] : NULL;
        int t = 0;

        if (strcmp(opt, "--rotate-tokens") == 0) {
            e.rotate = true;
            continue;
        }
        if (val == NULL)
            usage();
        a++;
        if (strcmp(opt, "--http") == 0)
            t = ZTO_SRV_HTTP;
        else if (strcmp(opt, "--https") == 0)
            t = ZTO_SRV_HTTPS;
        else if (strcmp(opt, "--coap") == 0)
            t = ZTO_SRV_COAP;
        else if (strcmp(opt, "--coaps") == 0)
            t = ZTO_SRV_COAPS;
        else if (strcmp(opt, "--cert") == 0)
            o.tls_cert = val;
        else if (strcmp(opt, "--key") == 0)
            o.tls_key = val;
        else if (strcmp(opt, "--timeout") == 0)
            o.http_timeout_s = (unsigned)strtoul(val, NULL, 10);
        else if (strcmp(opt, "--max-clients") == 0)
            o.max_clients = (unsigned)strtoul(val, NULL, 10);
        else if (strcmp(opt, "--exit-after") == 0)
            exit_after = strtol(val, NULL, 10);
        else if (strcmp(opt, "--coap-loss") == 0) {
            if (!coap_debug_set_packet_loss(val))
                usage();
        } else if (strcmp(opt, "--log-level") == 0) {
            if (zto_log_level_parse(val, &level) != ZTO_OK)
                usage();
        } else
            usage();
        if (t != 0) {
            if (n >= MAX_LISTEN ||
                zto_listen_parse(val, t, &listen[n]) != ZTO_OK) {
                fprintf(stderr, "srv_echo: bad listen spec '%s'\n", val);
                return 2;
            }
            n++;
        }
    }
    if (n == 0)
        usage();
    zto_log_setup("srv_echo", level, true);
    o.listen = listen;
    o.nlisten = n;
    o.handler = handler;
    o.handler_ctx = &e;
    o.reload = on_reload;
    o.reload_ctx = &e;
    if ((r = zto_srv_new(&o, &e.srv)) != ZTO_OK) {
        fprintf(stderr, "srv_echo: %s\n", zto_strerror(r));
        return 1;
    }
    for (i = 0; i < zto_srv_bound_count(e.srv); i++) {
        char name[300];
        if (zto_listen_format(zto_srv_bound(e.srv, i), name, sizeof(name)) ==
            ZTO_OK)
            printf("%s\n", name);
    }
    printf("ready\n");
    fflush(stdout);

    /* Never outlive a test that forgot us. */
    if (exit_after > 0) {
        struct timeval tv = {exit_after, 0};
        exit_ev = evtimer_new(zto_srv_event_base(e.srv), on_exit_timer, e.srv);
        if (exit_ev != NULL)
            evtimer_add(exit_ev, &tv);
    }
    r = zto_srv_run(e.srv);
    if (exit_ev != NULL)
        event_free(exit_ev);
    zto_srv_free(e.srv);
    coap_cleanup();
    return r == ZTO_OK ? 0 : 1;
}
