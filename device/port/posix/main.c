/*
 * fdo-device - the FDO device client for POSIX systems, on the device
 * library (libzto_device) and the POSIX port.
 *
 *   fdo-device di --url URL --cred FILE [--key-type p256|p384]
 *                 [--serial S] [--model M] [--force] [common options]
 *   fdo-device show --cred FILE
 *
 * Common options: --ca FILE / --insecure (https, coaps), -v (info) or
 * -vv (debug) for the library's log lines on stderr.
 *
 * Subcommands live in one table (cmds[] below); each gets the parsed
 * options and returns the exit status. One line per step on stdout, one
 * line per error on stderr, exit status 0 only on success.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "zto/zto_device.h"
#include "zto/zto_util.h"
#include "zto_posix_port.h"
#include "zto_posix_transport.h"

#define PROG "fdo-device"

struct opts {
    const char *url;
    const char *cred;
    const char *key_type;
    const char *serial;
    const char *model;
    const char *ca;
    bool insecure;
    bool force;
    int verbose;
};

struct cmd {
    const char *name;
    int (*run)(const struct opts *o);
    const char *usage;
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, PROG ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

/* --cred FILE: the store's directory and the blob name in it. */
static int
split_cred(const char *path, struct zto_file_store *fs, const char **name)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    size_t n;

    if (path[0] == '\0' || (slash != NULL && slash[1] == '\0'))
        return fail("--cred needs a file name");
    if (slash == NULL) {
        memcpy(dir, ".", 2);
        *name = path;
    } else {
        n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof(dir))
            return fail("--cred: path too long");
        memcpy(dir, path, n);
        dir[n] = '\0';
        *name = slash + 1;
    }
    if (zto_file_store_init(fs, dir) != ZTO_OK)
        return fail("--cred: unusable path");
    return 0;
}

/* ---- di ---- */

/* The transport for a target; heap, freed by transport_free(). */
struct transport {
    int kind;
    struct zto_http_transport *http;
    struct zto_coap_transport *coap;
};

static int
transport_new(struct transport *t, const struct zto_target *tg,
              const struct opts *o, struct zto_device_cfg *cfg)
{
    memset(t, 0, sizeof(*t));
    t->kind = tg->protocol;
    if (tg->protocol == ZTO_TPROT_HTTP || tg->protocol == ZTO_TPROT_HTTPS) {
        struct zto_http_opts ho;
        memset(&ho, 0, sizeof(ho));
        ho.ca_file = o->ca;
        ho.insecure = o->insecure;
        if ((t->http = malloc(sizeof(*t->http))) == NULL)
            return fail("out of memory");
        zto_http_transport_init(t->http, &ho);
        cfg->transport = &zto_transport_http_ops;
        cfg->transport_ctx = t->http;
        return 0;
    }
    if (tg->protocol == ZTO_TPROT_COAP || tg->protocol == ZTO_TPROT_COAPS) {
        struct zto_coap_opts co;
        memset(&co, 0, sizeof(co));
        co.ca_file = o->ca;
        co.insecure = o->insecure;
        if ((t->coap = malloc(sizeof(*t->coap))) == NULL)
            return fail("out of memory");
        zto_coap_transport_init(t->coap, &co);
        cfg->transport = &zto_transport_coap_ops;
        cfg->transport_ctx = t->coap;
        return 0;
    }
    return fail("unsupported URL scheme");
}

static const char *
transport_detail(const struct transport *t)
{
    if (t->http != NULL)
        return zto_http_transport_detail(t->http);
    if (t->coap != NULL)
        return zto_coap_transport_detail(t->coap);
    return "";
}

static void
transport_free(struct transport *t)
{
    if (t->http != NULL) {
        zto_http_transport_free(t->http);
        free(t->http);
    }
    if (t->coap != NULL) {
        zto_coap_transport_free(t->coap);
        free(t->coap);
        coap_cleanup();
    }
    memset(t, 0, sizeof(*t));
}

static int
cmd_di(const struct opts *o)
{
    struct zto_file_store fs;
    struct zto_posix_platform plat;
    struct zto_device_cfg cfg;
    struct zto_device dev;
    struct zto_target tg;
    struct transport tr;
    const struct zto_device_result *res;
    const char *name = NULL, *detail;
    char url[ZTO_HOST_MAX + 32], guid[33];
    size_t work_len = ZTO_DEVICE_WORK_SLOTS * (size_t)ZTO_MAX_MSG_SIZE;
    uint8_t *work = NULL;
    struct stat st;
    zto_err_t r;
    int rc = 1;

    if (o->url == NULL || o->cred == NULL)
        return fail("di needs --url URL and --cred FILE");
    if (zto_target_parse(o->url, &tg) != ZTO_OK)
        return fail("--url '%s': expected http://HOST:PORT or "
                    "coap://HOST:PORT (https, coaps too)",
                    o->url);
    if (split_cred(o->cred, &fs, &name) != 0)
        return 1;
    if (!o->force && stat(o->cred, &st) == 0)
        return fail("%s exists: it holds this device's credential (use "
                    "--force to replace it)",
                    o->cred);
    memset(&cfg, 0, sizeof(cfg));
    if (o->key_type == NULL || strcmp(o->key_type, "p256") == 0)
        cfg.key_type = ZTO_PK_SECP256R1;
    else if (strcmp(o->key_type, "p384") == 0)
        cfg.key_type = ZTO_PK_SECP384R1;
    else
        return fail("--key-type must be p256 or p384");
    if (transport_new(&tr, &tg, o, &cfg) != 0)
        return 1;
    zto_posix_platform_init(&plat, PROG,
                            o->verbose >= 2   ? ZTO_LOG_DEBUG
                            : o->verbose == 1 ? ZTO_LOG_INFO
                                              : -1);
    cfg.storage = &zto_file_store_ops;
    cfg.storage_ctx = &fs;
    cfg.platform = &zto_posix_platform_ops;
    cfg.platform_ctx = &plat;
    cfg.cred_name = name;
    cfg.serial = o->serial;
    cfg.model = o->model;
    zto_device_init(&dev);
    if ((work = malloc(work_len)) == NULL) {
        rc = fail("out of memory");
        goto out;
    }
    if ((r = zto_device_setup(&dev, &cfg, work, work_len)) != ZTO_OK) {
        rc = fail("device setup: %s", zto_strerror(r));
        goto out;
    }
    if (zto_target_url(&tg, url, sizeof(url)) != ZTO_OK)
        memcpy(url, "?", 2);
    printf("DI: contacting %s (%s device key)\n", url,
           cfg.key_type == ZTO_PK_SECP384R1 ? "P-384" : "P-256");
    fflush(stdout);
    do {
        r = zto_device_di(&dev, &tg);
    } while (r == ZTO_E_WANT_READ || r == ZTO_E_WANT_WRITE);
    res = zto_device_last_result(&dev);
    if (r != ZTO_OK) {
        detail = transport_detail(&tr);
        if (r == ZTO_E_PEER_ERROR)
            rc = fail("DI failed: manufacturer answered error %u (%s): %s",
                      res->peer_error, zto_wire_code_name(res->peer_error),
                      res->peer_error_text);
        else
            rc = fail("DI failed: %s%s%s", zto_strerror(r),
                      detail[0] != '\0' ? ": " : "", detail);
        goto out;
    }
    if (zto_hex_encode(res->guid.b, 16, guid, sizeof(guid)) != ZTO_OK)
        memcpy(guid, "?", 2);
    printf("DI: credential stored in %s, GUID %s\n", o->cred, guid);
    rc = 0;
out:
    zto_device_free(&dev);
    free(work);
    transport_free(&tr);
    return rc;
}

/* ---- show ---- */

static const char *
rv_protocol_name(uint8_t p)
{
    static const char *const names[] = {"rest", "http",     "https", "tcp",
                                        "tls",  "coap+tcp", "coap"};
    return p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

/* One directive in the manufacturer's config syntax. */
static void
print_directive(struct zto_bytes raw)
{
    struct zto_rv_directive d;
    char ip[64];
    const char *sep = "";

    if (zto_rv_directive_parse(raw, &d) != ZTO_OK) {
        printf("(not understood by this device)\n");
        return;
    }
#define ITEM(...)                                                              \
    do {                                                                       \
        printf("%s", sep);                                                     \
        printf(__VA_ARGS__);                                                   \
        sep = ",";                                                             \
    } while (0)
    if (d.has_dns)
        ITEM("dns=%.*s", (int)d.dns.len, (const char *)d.dns.p);
    if (d.has_ip && inet_ntop(d.ip_len == 4 ? AF_INET : AF_INET6, d.ip, ip,
                              sizeof(ip)) != NULL)
        ITEM("ip=%s", ip);
    if (d.has_dev_port)
        ITEM("port=%u", d.dev_port);
    if (d.has_owner_port)
        ITEM("owner_port=%u", d.owner_port);
    if (d.has_protocol)
        ITEM("protocol=%s", rv_protocol_name(d.protocol));
    if (d.has_delay)
        ITEM("delay=%u", (unsigned)d.delaysec);
    if (d.has_medium)
        ITEM("medium=%u", d.medium);
    if (d.bypass)
        ITEM("bypass");
    if (d.dev_only)
        ITEM("dev_only");
    if (d.owner_only)
        ITEM("owner_only");
    if (d.wifi_ssid.p != NULL)
        ITEM("wifi_ssid=%.*s", (int)d.wifi_ssid.len,
             (const char *)d.wifi_ssid.p);
    if (d.wifi_pw.p != NULL)
        ITEM("wifi_pw=(hidden)");
#undef ITEM
    printf("\n");
}

static int
cmd_show(const struct opts *o)
{
    static struct zto_device_cred c;
    struct zto_file_store fs;
    struct zto_rvinfo rv;
    struct zto_key k;
    const char *name = NULL;
    uint8_t *buf = NULL;
    char hex[2 * ZTO_HASH_MAX_LEN + 1];
    size_t len = 0, i;
    zto_err_t r;
    int rc = 1;

    if (o->cred == NULL)
        return fail("show needs --cred FILE");
    if (split_cred(o->cred, &fs, &name) != 0)
        return 1;
    if ((buf = malloc(ZTO_MAX_MSG_SIZE)) == NULL)
        return fail("out of memory");
    r = zto_file_store_ops.read(&fs, name, buf, ZTO_MAX_MSG_SIZE, &len);
    if (r != ZTO_OK) {
        rc = fail("%s: %s", o->cred,
                  r == ZTO_E_NOT_FOUND ? "no credential (run di first)"
                                       : zto_strerror(r));
        goto out;
    }
    if ((r = zto_cred_decode(buf, len, &c)) != ZTO_OK) {
        rc = fail("%s: not a device credential (%s)", o->cred, zto_strerror(r));
        goto out;
    }
    printf("credential   %s\n", o->cred);
    printf("active       %s\n", c.active ? "yes" : "no");
    printf("protocol     %u\n", c.protver);
    if (zto_hex_encode(c.guid.b, 16, hex, sizeof(hex)) == ZTO_OK)
        printf("GUID         %s\n", hex);
    printf("device info  \"%.*s\"\n", (int)c.device_info_len, c.device_info);
    zto_key_init(&k);
    if (c.key_der_len == 0)
        printf("device key   held outside the credential\n");
    else if (zto_key_from_private_der(c.key_der, c.key_der_len, &k) == ZTO_OK)
        printf("device key   %s (ECDSA), in the credential\n",
               k.pk_type == ZTO_PK_SECP384R1   ? "P-384"
               : k.pk_type == ZTO_PK_SECP256R1 ? "P-256"
                                               : "other");
    else
        printf("device key   (does not load)\n");
    zto_key_free(&k);
    if (zto_hex_encode(c.pubkey_hash.value, c.pubkey_hash.len, hex,
                       sizeof(hex)) == ZTO_OK)
        printf("owner key    %s %s\n",
               c.pubkey_hash.type == ZTO_HASH_SHA384 ? "SHA-384" : "SHA-256",
               hex);
    if (zto_rvinfo_decode(c.rvinfo, c.rvinfo_len, &rv) == ZTO_OK) {
        for (i = 0; i < rv.ndirectives; i++) {
            printf("rendezvous   %zu: ", i + 1);
            print_directive(rv.directive[i]);
        }
    }
    rc = 0;
out:
    zto_cred_wipe(&c);
    if (buf != NULL)
        zto_zeroize(buf, ZTO_MAX_MSG_SIZE);
    free(buf);
    return rc;
}

/* ---- command line ---- */

static const struct cmd cmds[] = {
    {"di", cmd_di,
     "di --url http://HOST:PORT|coap://HOST:PORT --cred FILE "
     "[--key-type p256|p384] [--serial S] [--model M] [--force]"},
    {"show", cmd_show, "show --cred FILE"},
};

static void
usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage:\n");
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "  " PROG " %s\n", cmds[i].usage);
    fprintf(f, "options for every command: [--ca FILE] [--insecure] "
               "[-v|-vv]\n");
}

int
main(int argc, char **argv)
{
    const struct cmd *cmd = NULL;
    struct opts o;
    size_t k;
    int i;

    memset(&o, 0, sizeof(o));
    if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
        if (strcmp(argv[1], cmds[k].name) == 0)
            cmd = &cmds[k];
    if (cmd == NULL) {
        fprintf(stderr, PROG ": unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;

        if (strcmp(a, "--insecure") == 0) {
            o.insecure = true;
            continue;
        } else if (strcmp(a, "--force") == 0) {
            o.force = true;
            continue;
        } else if (strcmp(a, "-v") == 0) {
            o.verbose = 1;
            continue;
        } else if (strcmp(a, "-vv") == 0) {
            o.verbose = 2;
            continue;
        } else if (strcmp(a, "--url") == 0) {
            dst = &o.url;
        } else if (strcmp(a, "--cred") == 0) {
            dst = &o.cred;
        } else if (strcmp(a, "--key-type") == 0) {
            dst = &o.key_type;
        } else if (strcmp(a, "--serial") == 0) {
            dst = &o.serial;
        } else if (strcmp(a, "--model") == 0) {
            dst = &o.model;
        } else if (strcmp(a, "--ca") == 0) {
            dst = &o.ca;
        } else {
            fprintf(stderr, PROG ": unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, PROG ": %s needs a value\n", a);
            return 2;
        }
        *dst = argv[++i];
    }
    return cmd->run(&o);
}
