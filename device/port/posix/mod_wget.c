/*
 * mod_wget.c - fdo.wget on a POSIX device (FSIM fdo.wget,
 * docs/serviceinfo.md): the device fetches a file by URL, outside the
 * FDO tunnel.
 *
 *   owner:  name (optional), sha-384 (optional), url (starts the fetch)
 *   device: done = bytes retrieved, or error = a short reason
 *
 * The fetch is a GET over libevent's HTTP client (the connection set-up
 * of transport_http.c: TLS with the configured CA file or the system
 * store). It runs in produce(): each call turns the event loop for at
 * most wait_ms and then lets the DeviceServiceInfo go, so TO2 keeps
 * going round by round while a large file arrives. The body is
 * streamed into a temporary file next to the target (mode 0600) and
 * hashed on the way; the file is checked against the owner's SHA-384,
 * fsync'ed, renamed over the target and the directory fsync'ed. Status
 * 301, 302, 303, 307 and 308 are followed up to ZTO_POSIX_WGET_REDIRECTS
 * times (absolute URLs or absolute paths; never from https to http).
 * Any other status than 200, a body over max_size, a connection failure
 * or the total time running out ends the fetch with `error`, and the
 * temporary file is removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "http_conn.h"
#include "zto/zto_cbor.h"
#include "zto/zto_codec.h"
#include "zto/zto_util.h"
#include "zto_posix_modules.h"
#include "zto_posix_port.h"

#define MOD "fdo.wget"
#define COPY_BUF 16384

static void fail_fetch(struct zto_posix_wget *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static uint64_t
max_size(const struct zto_posix_wget *w)
{
    return w->max_size != 0 ? w->max_size : ZTO_POSIX_WGET_MAX_SIZE;
}

/* ---- URLs ---- */

/* Printable ASCII, no spaces. */
static bool
printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

zto_err_t
zto_posix_wget_url(const char *url, struct zto_target *t, char *path,
                   size_t cap)
{
    char base[ZTO_HOST_MAX + 32];
    const char *p, *rest;
    size_t n;
    int k;

    if (url == NULL || cap < 2 || !printable(url))
        return ZTO_E_URL;
    if ((p = strstr(url, "://")) == NULL)
        return ZTO_E_URL;
    rest = p + 3 + strcspn(p + 3, "/?#");
    n = (size_t)(rest - url);
    if (n >= sizeof(base))
        return ZTO_E_URL;
    memcpy(base, url, n);
    base[n] = '\0';
    if (zto_target_parse(base, t) != ZTO_OK ||
        (t->protocol != ZTO_TPROT_HTTP && t->protocol != ZTO_TPROT_HTTPS))
        return ZTO_E_URL;
    n = strcspn(rest, "#");
    k = snprintf(path, cap, "%s%.*s", rest[0] == '/' ? "" : "/", (int)n, rest);
    return k > 0 && (size_t)k < cap ? ZTO_OK : ZTO_E_URL;
}

/* The last segment of the request target's path ("" if none). */
static void
last_segment(const char *path, char *out, size_t cap)
{
    size_t n = strcspn(path, "?"), s = n;

    while (s > 0 && path[s - 1] != '/')
        s--;
    snprintf(out, cap, "%.*s", (int)(n - s), path + s);
}

/* ---- the fetch's resources ---- */

static void
end_request(struct zto_posix_wget *w)
{
    /* Freeing the connection cancels a request still running, without
     * calling its callback. */
    if (w->conn != NULL)
        evhttp_connection_free(w->conn);
    w->conn = NULL;
}

static void
cleanup(struct zto_posix_wget *w)
{
    end_request(w);
    if (w->slice != NULL)
        event_free(w->slice);
    w->slice = NULL;
    if (w->base != NULL)
        event_base_free(w->base);
    w->base = NULL;
    zto_posix_incoming_discard(&w->in);
    w->fetching = false;
}

/* The owner's settings are for one fetch. */
static void
reset_settings(struct zto_posix_wget *w)
{
    w->name[0] = '\0';
    w->have_name = w->have_sha = false;
    memset(w->sha, 0, sizeof(w->sha));
}

static void
fail_fetch(struct zto_posix_wget *w, const char *fmt, ...)
{
    va_list ap;

    cleanup(w);
    va_start(ap, fmt);
    vsnprintf(w->answer_err, sizeof(w->answer_err), fmt, ap);
    va_end(ap);
    w->answer_pending = true;
    w->answer_ok = false;
    snprintf(w->last_error, sizeof(w->last_error), MOD ": %s", w->answer_err);
    reset_settings(w);
}

/* ---- libevent callbacks (inside produce()) ---- */

static void
abort_with(struct zto_posix_wget *w, const char *why)
{
    if (!w->aborted)
        snprintf(w->fail, sizeof(w->fail), "%s", why);
    w->aborted = true;
    event_base_loopbreak(w->base);
}

static int
on_header(struct evhttp_request *req, void *arg)
{
    struct zto_posix_wget *w = arg;
    const char *cl;
    char why[64];

    w->status = evhttp_request_get_response_code(req);
    if (w->status != 200)
        return 0; /* the body is dropped; on_done decides */
    cl = evhttp_find_header(evhttp_request_get_input_headers(req),
                            "Content-Length");
    if (cl != NULL && strtoull(cl, NULL, 10) > max_size(w)) {
        snprintf(why, sizeof(why), "larger than %llu bytes",
                 (unsigned long long)max_size(w));
        abort_with(w, why);
        return -1;
    }
    return 0;
}

static void
on_chunk(struct evhttp_request *req, void *arg)
{
    struct zto_posix_wget *w = arg;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    uint8_t buf[COPY_BUF];
    const char *err;
    char why[64];
    size_t left;
    int n;

    if (w->status != 200 || w->aborted) {
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    while ((left = evbuffer_get_length(in)) > 0) {
        if (w->got + left > max_size(w)) {
            snprintf(why, sizeof(why), "larger than %llu bytes",
                     (unsigned long long)max_size(w));
            abort_with(w, why);
            evbuffer_drain(in, left);
            return;
        }
        if ((n = evbuffer_remove(in, buf, sizeof(buf))) <= 0) {
            abort_with(w, "read failed");
            return;
        }
        if ((err = zto_posix_incoming_write(&w->in, buf, (size_t)n)) != NULL) {
            abort_with(w, err);
            evbuffer_drain(in, evbuffer_get_length(in));
            return;
        }
        w->got += (uint64_t)n;
    }
}

static void
on_error(enum evhttp_request_error e, void *arg)
{
    struct zto_posix_wget *w = arg;

    w->conn_err = (int)e;
}

static void
on_done(struct evhttp_request *req, void *arg)
{
    struct zto_posix_wget *w = arg;
    const char *loc;

    w->req_done = true;
    event_base_loopbreak(w->base);
    if (req == NULL || evhttp_request_get_response_code(req) == 0) {
        w->req_failed = true;
        return;
    }
    w->status = evhttp_request_get_response_code(req);
    w->location[0] = '\0';
    loc = evhttp_find_header(evhttp_request_get_input_headers(req), "Location");
    if (loc != NULL && strlen(loc) < sizeof(w->location))
        memcpy(w->location, loc, strlen(loc) + 1);
}

static void
on_slice(evutil_socket_t fd, short what, void *arg)
{
    struct zto_posix_wget *w = arg;

    (void)fd;
    (void)what;
    w->slice_over = true;
    event_base_loopbreak(w->base);
}

/* ---- the fetch ---- */

/* A GET of w->path at w->target on a new connection. */
static bool
start_request(struct zto_posix_wget *w)
{
    struct zto_http_opts o;
    struct evhttp_request *req;
    struct evkeyvalq *oh;
    char host[ZTO_HOST_MAX + 16], why[ZTO_POSIX_WGET_ERR_MAX] = "";
    zto_err_t r = ZTO_E_INTERNAL;
    bool v6 = strchr(w->target.host, ':') != NULL;

    memset(&o, 0, sizeof(o));
    o.ca_file = w->ca_file;
    w->req_done = w->req_failed = w->aborted = false;
    w->status = 0;
    w->conn_err = -1;
    w->fail[0] = '\0';
    if ((w->conn = zto_http_conn_new(&o, &w->ssl_ctx, &w->target, w->base,
                                     (size_t)max_size(w), why, sizeof(why),
                                     &r)) == NULL) {
        fail_fetch(w, "%s", why[0] != '\0' ? why : zto_strerror(r));
        return false;
    }
    if ((req = evhttp_request_new(on_done, w)) == NULL) {
        fail_fetch(w, "out of memory");
        return false;
    }
    evhttp_request_set_header_cb(req, on_header);
    evhttp_request_set_chunked_cb(req, on_chunk);
    evhttp_request_set_error_cb(req, on_error);
    oh = evhttp_request_get_output_headers(req);
    snprintf(host, sizeof(host), "%s%s%s:%u", v6 ? "[" : "", w->target.host,
             v6 ? "]" : "", (unsigned)w->target.port);
    evhttp_add_header(oh, "Host", host);
    evhttp_add_header(oh, "Connection", "close");
    evhttp_add_header(oh, "User-Agent", "fdo-device (fdo.wget)");
    /* On failure evhttp_make_request() frees the request itself. */
    if (evhttp_make_request(w->conn, req, EVHTTP_REQ_GET, w->path) != 0) {
        fail_fetch(w, "cannot connect to %s port %u", w->target.host,
                   (unsigned)w->target.port);
        return false;
    }
    return true;
}

/* The reason a request failed without an HTTP answer. */
static void
conn_failure(struct zto_posix_wget *w)
{
    struct bufferevent *bev;
    unsigned long e = 0;

    if (w->target.protocol == ZTO_TPROT_HTTPS && w->conn != NULL &&
        (bev = evhttp_connection_get_bufferevent(w->conn)) != NULL)
        e = bufferevent_get_openssl_error(bev);
    if (w->conn_err == EVREQ_HTTP_TIMEOUT)
        fail_fetch(w, "no progress from %s for too long", w->target.host);
    else if (w->conn_err == EVREQ_HTTP_DATA_TOO_LONG)
        fail_fetch(w, "larger than %llu bytes",
                   (unsigned long long)max_size(w));
    else if (e != 0 && ERR_reason_error_string(e) != NULL)
        fail_fetch(w, "TLS with %s: %s", w->target.host,
                   ERR_reason_error_string(e));
    else
        fail_fetch(w, "connection to %s port %u failed or closed",
                   w->target.host, (unsigned)w->target.port);
    ERR_clear_error();
}

/* Status 3xx with a Location: the next request, or false when the
 * fetch has failed. */
static bool
redirect(struct zto_posix_wget *w)
{
    struct zto_target t;
    char path[sizeof(w->path)];
    int st = w->status;

    end_request(w);
    if (w->location[0] == '\0') {
        fail_fetch(w, "HTTP %d without Location", st);
        return false;
    }
    if (++w->redirects > ZTO_POSIX_WGET_REDIRECTS) {
        fail_fetch(w, "more than %d redirects", ZTO_POSIX_WGET_REDIRECTS);
        return false;
    }
    if (w->location[0] == '/' && w->location[1] != '/') {
        /* An absolute path on the same server. */
        t = w->target;
        if (!printable(w->location)) {
            fail_fetch(w, "redirect to an unusable location");
            return false;
        }
        snprintf(path, sizeof(path), "%.*s", (int)strcspn(w->location, "#"),
                 w->location);
    } else if (zto_posix_wget_url(w->location, &t, path, sizeof(path)) !=
               ZTO_OK) {
        fail_fetch(w, "redirect to an unusable location");
        return false;
    }
    if (w->target.protocol == ZTO_TPROT_HTTPS &&
        t.protocol != ZTO_TPROT_HTTPS) {
        fail_fetch(w, "redirect from https to http refused");
        return false;
    }
    w->target = t;
    memcpy(w->path, path, sizeof(path));
    return start_request(w);
}

/* Status 200, the body complete: check, keep, answer. */
static void
complete(struct zto_posix_wget *w)
{
    const char *why;

    end_request(w);
    if ((why = zto_posix_incoming_keep(&w->in, w->have_sha ? w->sha : NULL)) !=
        NULL) {
        fail_fetch(w, "%s", why);
        return;
    }
    cleanup(w);
    w->answer_pending = true;
    w->answer_ok = true;
    w->answer_bytes = w->got;
    w->files++;
    snprintf(w->last_file, sizeof(w->last_file), "%s", w->in.final);
    reset_settings(w);
}

/* The request ended (on_done ran, or a callback aborted it). */
static void
request_over(struct zto_posix_wget *w)
{
    if (w->aborted) {
        char why[sizeof(w->fail)];
        memcpy(why, w->fail, sizeof(why));
        fail_fetch(w, "%s", why);
    } else if (w->req_failed) {
        conn_failure(w);
    } else if (w->status == 200) {
        complete(w);
    } else if (w->status == 301 || w->status == 302 || w->status == 303 ||
               w->status == 307 || w->status == 308) {
        (void)redirect(w);
    } else {
        fail_fetch(w, "HTTP %d", w->status);
    }
}

/* url arrived: set everything up and send the first request. */
static void
begin(struct zto_posix_wget *w, const char *url)
{
    char name[PATH_MAX];
    const char *why;
    unsigned timeout =
        w->timeout_s != 0 ? w->timeout_s : ZTO_POSIX_WGET_TIMEOUT;

    cleanup(w);
    w->got = 0;
    w->redirects = 0;
    if (zto_posix_wget_url(url, &w->target, w->path, sizeof(w->path)) !=
        ZTO_OK) {
        fail_fetch(w, "unusable URL (http:// or https:// only)");
        return;
    }
    if (w->have_name)
        snprintf(name, sizeof(name), "%s", w->name);
    else
        last_segment(w->path, name, sizeof(name));
    if (!zto_posix_name_ok(name, strlen(name))) {
        fail_fetch(w, w->have_name ? "name outside the download directory"
                                   : "no file name in the URL; send name");
        return;
    }
    if ((why = zto_posix_incoming_open(&w->in, w->dir, name, strlen(name))) !=
        NULL) {
        fail_fetch(w, "%s", why);
        return;
    }
    if ((w->base = event_base_new()) == NULL ||
        (w->slice = evtimer_new(w->base, on_slice, w)) == NULL) {
        fail_fetch(w, "out of memory");
        return;
    }
    w->deadline_ms = zto_posix_now_ms() + (uint64_t)timeout * 1000u;
    w->fetching = true;
    (void)start_request(w);
}

/* Turn the event loop for at most wait_ms, or until the fetch ends. */
static void
run(struct zto_posix_wget *w)
{
    uint64_t start = zto_posix_now_ms(), t, wait, slice;
    struct timeval tv;

    wait = w->wait_ms != 0 ? w->wait_ms : ZTO_POSIX_WGET_WAIT_MS;
    while (w->fetching) {
        t = zto_posix_now_ms();
        if (t >= w->deadline_ms) {
            fail_fetch(w, "timed out after %u s",
                       w->timeout_s != 0 ? w->timeout_s
                                         : ZTO_POSIX_WGET_TIMEOUT);
            return;
        }
        if (t - start >= wait)
            return;
        slice = wait - (t - start);
        if (w->deadline_ms - t < slice)
            slice = w->deadline_ms - t;
        tv.tv_sec = (time_t)(slice / 1000);
        tv.tv_usec = (suseconds_t)((slice % 1000) * 1000);
        w->slice_over = false;
        evtimer_add(w->slice, &tv);
        while (!w->req_done && !w->aborted && !w->slice_over)
            if (event_base_loop(w->base, EVLOOP_ONCE) < 0)
                break;
        evtimer_del(w->slice);
        if (w->req_done || w->aborted)
            request_over(w);
        else if (!w->slice_over)
            fail_fetch(w, "event loop failed");
    }
}

/* ---- the module ---- */

/* A value that does not decode, or comes while a fetch runs: TO2 fails,
 * saying which. */
static zto_err_t
bad_value(struct zto_posix_wget *w, zto_err_t r, const char *what)
{
    snprintf(w->last_error, sizeof(w->last_error), MOD ": %s", what);
    return r;
}

static zto_err_t
wg_receive(void *ctx, const char *message, size_t mlen, const uint8_t *val,
           size_t len)
{
    struct zto_posix_wget *w = ctx;
    struct zto_cbor_dec c;
    struct zto_bytes b;
    char url[ZTO_POSIX_WGET_URL_MAX];
    zto_err_t r;
    bool name = mlen == 4 && memcmp(message, "name", 4) == 0,
         sha = mlen == 7 && memcmp(message, "sha-384", 7) == 0,
         is_url = mlen == 3 && memcmp(message, "url", 3) == 0;

    if (!name && !sha && !is_url)
        return ZTO_OK; /* not defined for the device; ignored */
    if (w->fetching || w->answer_pending)
        return bad_value(w, ZTO_E_SVI,
                         "a new request before the last one was answered");
    zto_cbor_dec_init(&c, val, len);
    if (name) {
        if ((r = zto_cbor_get_tstr(&c, &b)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&c)) != ZTO_OK)
            return bad_value(w, r, "name is not a text string");
        if (b.len >= sizeof(w->name) || memchr(b.p, '\0', b.len) != NULL)
            return bad_value(w, ZTO_E_TOO_BIG, "name too long");
        memcpy(w->name, b.p, b.len);
        w->name[b.len] = '\0';
        w->have_name = true;
    } else if (sha) {
        if ((r = zto_cbor_get_bstr_fixed(&c, w->sha, sizeof(w->sha))) !=
                ZTO_OK ||
            (r = zto_cbor_dec_finish(&c)) != ZTO_OK)
            return bad_value(w, r, "sha-384 is not 48 bytes");
        w->have_sha = true;
    } else {
        if ((r = zto_cbor_get_tstr(&c, &b)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&c)) != ZTO_OK)
            return bad_value(w, r, "url is not a text string");
        if (b.len >= sizeof(url) || memchr(b.p, '\0', b.len) != NULL) {
            fail_fetch(w, "URL too long");
            return ZTO_OK;
        }
        memcpy(url, b.p, b.len);
        url[b.len] = '\0';
        begin(w, url);
    }
    return ZTO_OK;
}

static zto_err_t
wg_produce(void *ctx, struct zto_svi_out *out, bool *more)
{
    struct zto_posix_wget *w = ctx;
    uint8_t v[ZTO_POSIX_WGET_ERR_MAX + 16];
    struct zto_cbor_enc e;
    size_t n = 0;
    zto_err_t r;

    *more = false;
    if (w->fetching)
        run(w);
    if (!w->answer_pending)
        return ZTO_OK;
    zto_cbor_enc_init(&e, v, sizeof(v));
    if (w->answer_ok)
        zto_cbor_put_uint(&e, w->answer_bytes);
    else
        zto_cbor_put_cstr(&e, w->answer_err);
    if ((r = zto_cbor_enc_finish(&e, &n)) != ZTO_OK)
        return r;
    r = zto_svi_out_put(out, MOD, w->answer_ok ? "done" : "error", v, n);
    if (r == ZTO_E_BUF_TOO_SMALL) {
        *more = true;
        return ZTO_OK;
    }
    if (r == ZTO_OK)
        w->answer_pending = false;
    return r;
}

static void
wg_finish(void *ctx, bool done)
{
    struct zto_posix_wget *w = ctx;

    (void)done;
    cleanup(w);
    reset_settings(w);
    w->answer_pending = false;
}

static const char *
wg_why(void *ctx)
{
    const struct zto_posix_wget *w = ctx;

    return w->last_error;
}

zto_err_t
zto_posix_wget_init(struct zto_posix_wget *w, const char *dir,
                    struct zto_svi_module *m)
{
    memset(w, 0, sizeof(*w));
    zto_posix_incoming_init(&w->in);
    if (zto_dir_copy(w->dir, sizeof(w->dir), 2, dir) != ZTO_OK)
        return ZTO_E_ARG;
    *m = (struct zto_svi_module){.name = MOD,
                                 .receive = wg_receive,
                                 .produce = wg_produce,
                                 .finish = wg_finish,
                                 .why = wg_why,
                                 .ctx = w};
    return ZTO_OK;
}

void
zto_posix_wget_free(struct zto_posix_wget *w)
{
    if (w == NULL)
        return;
    cleanup(w);
    if (w->ssl_ctx != NULL)
        SSL_CTX_free(w->ssl_ctx);
    w->ssl_ctx = NULL;
}
