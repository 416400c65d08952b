/*
 * rv_tool - drive rendezvous protocols from the command line (tests and
 * demos; the owner server does TO0 itself).
 *
 *   rv_tool to0 --rv URL --voucher FILE --owner-key PEM --owner URL
 *               [--owner URL ...] [--wait SECONDS] [--insecure]
 *   rv_tool to1 --cred FILE [--passes N] [--insecure] [-v]
 *
 * to0: registers the voucher (PEM or raw CBOR) at the rendezvous server
 * URL (http://, https://, coap://, coaps://) so that devices are sent to
 * the owner URL(s). Prints "granted N" and "to1d SHA256-OF-TO1D".
 *
 * to1: runs TO1 as the device whose credential is FILE (the device
 * library's zto_device_to1(): RendezvousInfo directives in order, HTTP
 * or CoAP as each one says). Prints "to1d SHA256-OF-TO1D" and one
 * "owner URL" line per address the owner registered.
 *
 * Exit status: 0 success; 3 the server refused (prints "refused CODE
 * NAME: text"); 4 no server could be reached; 1 anything else; 2 usage.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coap3/coap.h>

#include "zto/zto.h"
#include "anyproto.h"
#include "zto/zto_device.h"
#include "zto_posix_port.h"
#include "zto_posix_transport.h"
#include "zto_to0.h"

#define MAX_OWNERS ZTO_MAX_RVTO2_ENTRIES

static char *
read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long sz;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
        sz <= 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)sz + 1)) != NULL) {
        if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
            free(buf);
            buf = NULL;
        } else {
            buf[sz] = '\0';
            *n = (size_t)sz;
        }
    }
    fclose(f);
    return buf;
}

/* An owner URL as an RVTO2Addr entry: IP literal or DNS name. */
static int
owner_entry(const char *url, struct zto_rvto2addr_entry *e)
{
    struct zto_target t;
    size_t n;

    memset(e, 0, sizeof(*e));
    if (zto_target_parse(url, &t) != ZTO_OK)
        return -1;
    e->port = t.port;
    e->protocol = t.protocol;
    if (inet_pton(AF_INET, t.host, e->ip) == 1) {
        e->has_ip = true;
        e->ip_len = 4;
    } else if (inet_pton(AF_INET6, t.host, e->ip) == 1) {
        e->has_ip = true;
        e->ip_len = 16;
    } else {
        /* The name must outlive the entry: keep the URL's copy. */
        n = strlen(t.host);
        e->has_dns = true;
        e->dns = ZTO_BYTES(strstr(url, t.host), n);
    }
    return 0;
}

static void
usage(void)
{
    fprintf(stderr, "usage: rv_tool to0 --rv URL --voucher FILE "
                    "--owner-key PEM --owner URL [--owner URL ...] "
                    "[--wait SECONDS] [--insecure]\n"
                    "       rv_tool to1 --cred FILE [--passes N] "
                    "[--insecure] [-v]\n");
    exit(2);
}

static void
print_to1d(const uint8_t *p, size_t n)
{
    struct zto_hash_buf h;
    char hex[2 * ZTO_HASH_MAX_LEN + 1];

    if (zto_hash(ZTO_HASH_SHA256, p, n, &h) == ZTO_OK &&
        zto_hex_encode(h.value, h.len, hex, sizeof(hex)) == ZTO_OK)
        printf("to1d %s\n", hex);
}

/* Keeps the TO0.OwnerSign sent, to print the hash of its to1d. */
struct rec {
    const struct zto_transport_ops *ops;
    void *ctx;
    uint8_t *last22;
    size_t last22_len;
};

static zto_err_t
rec_open(void *c, const struct zto_target *t)
{
    struct rec *r = c;
    return r->ops->open(r->ctx, t);
}

static zto_err_t
rec_send(void *c, uint8_t type, const uint8_t *body, size_t len)
{
    struct rec *r = c;

    if (type == ZTO_MSG_TO0_OWNER_SIGN && len <= ZTO_MAX_MSG_SIZE) {
        memcpy(r->last22, body, len);
        r->last22_len = len;
    }
    return r->ops->send(r->ctx, type, body, len);
}

static zto_err_t
rec_recv(void *c, uint8_t *buf, size_t cap, size_t *len, uint8_t *type)
{
    struct rec *r = c;
    return r->ops->recv(r->ctx, buf, cap, len, type);
}

static void
rec_close(void *c)
{
    struct rec *r = c;
    r->ops->close(r->ctx);
}

static const struct zto_transport_ops rec_ops = {rec_open, rec_send, rec_recv,
                                                 rec_close};

static void
print_owner(const struct zto_rvto2addr_entry *e)
{
    struct zto_target t;
    char url[ZTO_HOST_MAX + 32];

    if (zto_rvto2addr_target(e, &t) == ZTO_OK &&
        zto_target_url(&t, url, sizeof(url)) == ZTO_OK)
        printf("owner %s\n", url);
    else
        printf("owner (unsupported transport %u)\n", (unsigned)e->protocol);
}

static void
pl_log(void *ctx, int level, const char *file, int line, const char *msg)
{
    int max = *(const int *)ctx;

    (void)file;
    (void)line;
    if (level <= max)
        fprintf(stderr, "rv_tool: %s\n", msg);
}

static uint64_t
pl_now(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
pl_sleep(void *ctx, uint32_t ms)
{
    struct timespec ts;

    (void)ctx;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static const struct zto_platform_ops platform = {pl_now, pl_sleep, pl_log};

static int
cmd_to1(int argc, char **argv)
{
    const char *cred = NULL, *name;
    char dir[PATH_MAX];
    unsigned long passes = 1;
    bool insecure = false;
    int level = ZTO_LOG_ERR, a, rc = 1;
    struct zto_any_transport ap;
    struct zto_file_store fs;
    struct zto_device_cfg cfg;
    struct zto_device dev;
    const struct zto_device_result *res;
    const uint8_t *to1d;
    size_t work_len = 3 * ZTO_MAX_MSG_SIZE, len = 0, i;
    uint8_t *work = malloc(work_len);
    zto_err_t r;

    for (a = 0; a < argc; a++) {
        if (strcmp(argv[a], "--insecure") == 0)
            insecure = true;
        else if (strcmp(argv[a], "-v") == 0)
            level = ZTO_LOG_INFO;
        else if (strcmp(argv[a], "-vv") == 0)
            level = ZTO_LOG_DEBUG;
        else if (a + 1 < argc && strcmp(argv[a], "--cred") == 0)
            cred = argv[++a];
        else if (a + 1 < argc && strcmp(argv[a], "--passes") == 0)
            passes = strtoul(argv[++a], NULL, 10);
        else
            usage();
    }
    if (cred == NULL || work == NULL)
        usage();
    name = strrchr(cred, '/');
    if (name == NULL) {
        snprintf(dir, sizeof(dir), ".");
        name = cred;
    } else {
        snprintf(dir, sizeof(dir), "%.*s", (int)(name - cred), cred);
        name++;
    }
    if (zto_file_store_init(&fs, dir[0] != '\0' ? dir : "/") != ZTO_OK ||
        anyproto_init(&ap, insecure) != 0) {
        fprintf(stderr, "rv_tool: cannot set up\n");
        free(work);
        return 1;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.transport = &zto_transport_any_ops;
    cfg.transport_ctx = &ap;
    cfg.storage = &zto_file_store_ops;
    cfg.storage_ctx = &fs;
    cfg.platform = &platform;
    cfg.platform_ctx = &level;
    cfg.cred_name = name;
    cfg.max_passes = (uint32_t)passes;
    cfg.retry_delay_ms = 1000;
    zto_device_init(&dev);
    if ((r = zto_device_setup(&dev, &cfg, work, work_len)) != ZTO_OK ||
        (r = zto_device_load(&dev)) != ZTO_OK) {
        fprintf(stderr, "rv_tool: %s: %s\n", cred, zto_strerror(r));
        goto out;
    }
    r = zto_device_to1(&dev);
    res = zto_device_last_result(&dev);
    if (r == ZTO_OK && (to1d = zto_device_to1d(&dev, &len)) != NULL) {
        struct zto_to1d d;
        print_to1d(to1d, len);
        if (zto_to1d_decode(to1d, len, &d) == ZTO_OK)
            for (i = 0; i < d.addr.n; i++)
                print_owner(&d.addr.e[i]);
        rc = 0;
    } else if (r == ZTO_E_PEER_ERROR) {
        printf("refused %u %s: %s\n", res->peer_error,
               zto_wire_code_name(res->peer_error), res->peer_error_text);
        rc = 3;
    } else {
        printf("failed: %s %s\n", zto_strerror(r),
               zto_any_transport_detail(&ap));
        rc = zto_to0_unreachable(r) ? 4 : 1;
    }
out:
    zto_device_free(&dev);
    anyproto_free(&ap);
    free(work);
    return rc;
}

static int
cmd_to0(int argc, char **argv)
{
    const char *rv = NULL, *voucher = NULL, *key = NULL;
    const char *owners[MAX_OWNERS];
    size_t nowners = 0, tn = 0, kn = 0, ovn = 0, i;
    unsigned long wait = 86400;
    bool insecure = false;
    struct zto_target target;
    struct zto_rvto2addr addr;
    struct zto_to0_params p;
    struct zto_to0_result res;
    struct zto_key k;
    struct zto_signer s;
    struct zto_http_transport *http = NULL;
    struct zto_coap_transport *coap = NULL;
    const struct zto_transport_ops *ops;
    void *ctx;
    char *text = NULL, *pem = NULL;
    uint8_t *ov = NULL;
    int a, rc = 1;
    zto_err_t r;

    for (a = 0; a < argc; a++) {
        if (strcmp(argv[a], "--insecure") == 0) {
            insecure = true;
            continue;
        }
        if (a + 1 >= argc)
            usage();
        if (strcmp(argv[a], "--rv") == 0)
            rv = argv[++a];
        else if (strcmp(argv[a], "--voucher") == 0)
            voucher = argv[++a];
        else if (strcmp(argv[a], "--owner-key") == 0)
            key = argv[++a];
        else if (strcmp(argv[a], "--owner") == 0 && nowners < MAX_OWNERS)
            owners[nowners++] = argv[++a];
        else if (strcmp(argv[a], "--wait") == 0)
            wait = strtoul(argv[++a], NULL, 10);
        else
            usage();
    }
    if (rv == NULL || voucher == NULL || key == NULL || nowners == 0)
        usage();
    if (zto_target_parse(rv, &target) != ZTO_OK) {
        fprintf(stderr, "rv_tool: bad --rv URL %s\n", rv);
        return 2;
    }
    memset(&addr, 0, sizeof(addr));
    for (i = 0; i < nowners; i++)
        if (owner_entry(owners[i], &addr.e[i]) != 0) {
            fprintf(stderr, "rv_tool: bad --owner URL %s\n", owners[i]);
            return 2;
        }
    addr.n = nowners;

    zto_key_init(&k);
    if ((text = read_file(voucher, &tn)) == NULL ||
        (ov = malloc(tn + 1)) == NULL) {
        fprintf(stderr, "rv_tool: cannot read %s\n", voucher);
        goto out;
    }
    {
        size_t pos = 0;
        bool raw = tn > 0 && ((uint8_t)text[0] >> 5) == ZTO_CBOR_ARRAY;
        if ((r = zto_voucher_pem_decode(text, tn, raw ? NULL : &pos, ov, tn,
                                        &ovn)) != ZTO_OK) {
            fprintf(stderr, "rv_tool: %s: %s\n", voucher, zto_strerror(r));
            goto out;
        }
    }
    if ((pem = read_file(key, &kn)) == NULL ||
        (r = zto_key_from_pem(pem, kn, &k)) != ZTO_OK || !k.has_private) {
        fprintf(stderr, "rv_tool: %s: not a private key\n", key);
        goto out;
    }
    zto_signer_from_key(&s, &k);

    memset(&p, 0, sizeof(p));
    p.voucher = ov;
    p.voucher_len = ovn;
    p.owner = &s;
    p.addr = &addr;
    p.wait_seconds = wait > 0xffffffffUL ? 0xffffffffu : (uint32_t)wait;
    if (target.protocol == ZTO_TPROT_COAP ||
        target.protocol == ZTO_TPROT_COAPS) {
        struct zto_coap_opts co;
        memset(&co, 0, sizeof(co));
        co.insecure = insecure;
        coap = malloc(sizeof(*coap));
        if (coap == NULL)
            goto out;
        zto_coap_transport_init(coap, &co);
        ops = &zto_transport_coap_ops;
        ctx = coap;
    } else {
        struct zto_http_opts ho;
        memset(&ho, 0, sizeof(ho));
        ho.insecure = insecure;
        http = malloc(sizeof(*http));
        if (http == NULL)
            goto out;
        zto_http_transport_init(http, &ho);
        ops = &zto_transport_http_ops;
        ctx = http;
    }
    {
        struct rec rc_ = {ops, ctx, NULL, 0};
        if ((rc_.last22 = malloc(ZTO_MAX_MSG_SIZE)) == NULL)
            goto out;
        r = zto_to0_run(&rec_ops, &rc_, &target, &p, &res);
        if (r == ZTO_OK) {
            struct zto_msg_to0_owner_sign m;
            printf("granted %lu\n", (unsigned long)res.granted);
            if (zto_msg_to0_owner_sign_decode(rc_.last22, rc_.last22_len, &m) ==
                ZTO_OK)
                print_to1d(m.to1d.p, m.to1d.len);
        }
        free(rc_.last22);
    }
    if (r == ZTO_OK) {
        rc = 0;
    } else if (r == ZTO_E_PEER_ERROR) {
        printf("refused %u %s: %s\n", res.peer_code,
               zto_wire_code_name(res.peer_code), res.peer_text);
        rc = 3;
    } else {
        printf("failed: %s (%s%s%s)\n", res.detail, zto_strerror(r),
               http != NULL   ? " "
               : coap != NULL ? " "
                              : "",
               http != NULL   ? zto_http_transport_detail(http)
               : coap != NULL ? zto_coap_transport_detail(coap)
                              : "");
        rc = zto_to0_unreachable(r) ? 4 : 1;
    }
out:
    if (http != NULL) {
        zto_http_transport_free(http);
        free(http);
    }
    if (coap != NULL) {
        zto_coap_transport_free(coap);
        free(coap);
    }
    zto_key_free(&k);
    if (pem != NULL) {
        zto_zeroize(pem, kn);
        free(pem);
    }
    free(text);
    free(ov);
    return rc;
}

int
main(int argc, char **argv)
{
    int rc;

    if (argc < 2)
        usage();
    if (strcmp(argv[1], "to0") == 0)
        rc = cmd_to0(argc - 2, argv + 2);
    else if (strcmp(argv[1], "to1") == 0)
        rc = cmd_to1(argc - 2, argv + 2);
    else
        usage();
    coap_cleanup();
    return rc;
}
