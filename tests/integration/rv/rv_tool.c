/*
 * rv_tool - drive rendezvous protocols from the command line (tests and
 * demos; the owner server does TO0 itself).
 *
 *   rv_tool to0 --rv URL --voucher FILE --owner-key PEM --owner URL
 *               [--owner URL ...] [--wait SECONDS] [--insecure]
 *
 * to0: registers the voucher (PEM or raw CBOR) at the rendezvous server
 * URL (http://, https://, coap://, coaps://) so that devices are sent to
 * the owner URL(s). Prints "granted N" and exits 0; a refusal prints
 * "refused CODE NAME: text" and exits 3; an unreachable server exits 4;
 * anything else 1 (usage 2).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>

#include "zto/zto.h"
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
                    "[--wait SECONDS] [--insecure]\n");
    exit(2);
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
    r = zto_to0_run(ops, ctx, &target, &p, &res);
    if (r == ZTO_OK) {
        printf("granted %lu\n", (unsigned long)res.granted);
        rc = 0;
    } else if (r == ZTO_E_PEER_ERROR) {
        printf("refused %u %s: %s\n", res.peer_code,
               zto_wire_code_name(res.peer_code), res.peer_text);
        rc = 3;
    } else {
        printf("failed: %s (%s%s%s)\n", res.detail, zto_strerror(r),
               http != NULL ? " " : coap != NULL ? " " : "",
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
    else
        usage();
    coap_cleanup();
    return rc;
}
