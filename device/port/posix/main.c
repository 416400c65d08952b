/*
 * fdo-device - the FDO device client for POSIX systems, on the device
 * library (libzto_device) and the POSIX port.
 *
 *   fdo-device di --url URL --cred FILE [--key-type p256|p384]
 *                 [--serial S] [--model M] [--force] [common options]
 *   fdo-device show --cred FILE
 *   fdo-device onboard --cred FILE [--download-dir D] [--allow-reuse]
 *                      [--owner URL] [--kex NAME] [--cipher ID]
 *                      [--svi-size N] [--passes N] [--serial S]
 *                      [--model M] [--work-dir D]
 *                      [--no-command] [--command-timeout S]
 *                      [--upload-anywhere] [--opcred-dir D]
 *                      [--opcred-key p256|p384] [--opcred-serverkeygen]
 *                      [--no-wget] [--wget-max-size N] [--wget-timeout S]
 *                      [common options]
 *
 * Common options: --ca FILE / --insecure (https, coaps), --timeout S
 * (longest exchange with a server, default ZTO_HTTP_TIMEOUT_MS over HTTP
 * and ZTO_COAP_TIMEOUT_MS over CoAP), -v (info) or -vv (debug) for the
 * library's log lines on stderr. --help lists every option with its
 * default.
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
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>

#include <sys/utsname.h>

#include "zto/zto_device.h"
#include "zto/zto_util.h"
#include "zto_posix_modules.h"
#include "zto_posix_port.h"
#include "zto_posix_transport.h"

#define PROG "fdo-device"
/* onboard's defaults (--help prints these). */
#define SVI_SIZE_DEFAULT 8192 /* fits a P-384 CA bundle in one value */
#define PASSES_DEFAULT 1

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
    unsigned timeout_ms; /* 0: the transports' defaults */
    /* onboard */
    const char *download_dir;
    const char *owner;
    const char *kex;
    const char *cipher;
    const char *svi_size;
    const char *passes;
    bool allow_reuse;
    const char *work_dir;
    const char *command_timeout;
    bool no_command;
    bool upload_anywhere;
    const char *opcred_dir;
    const char *opcred_key;
    bool opcred_keygen;
    bool no_wget;
    const char *wget_max_size;
    const char *wget_timeout;
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
        ho.timeout_ms = o->timeout_ms;
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
        co.timeout_ms = o->timeout_ms;
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

/* ---- onboard ---- */

/* The HTTP and the CoAP transport of an onboarding, each target choosing
 * one (an owner on HTTP behind a CoAP rendezvous); NULL without memory. */
static struct zto_any_transport *
any_new(const struct opts *o)
{
    struct zto_any_transport *a = calloc(1, sizeof(*a));
    struct zto_http_opts ho;
    struct zto_coap_opts co;

    if (a == NULL)
        return NULL;
    a->http = malloc(sizeof(*a->http));
    a->coap = malloc(sizeof(*a->coap));
    if (a->http == NULL || a->coap == NULL) {
        free(a->http);
        free(a->coap);
        free(a);
        return NULL;
    }
    memset(&ho, 0, sizeof(ho));
    ho.ca_file = o->ca;
    ho.insecure = o->insecure;
    ho.timeout_ms = o->timeout_ms;
    zto_http_transport_init(a->http, &ho);
    memset(&co, 0, sizeof(co));
    co.ca_file = o->ca;
    co.insecure = o->insecure;
    co.timeout_ms = o->timeout_ms;
    zto_coap_transport_init(a->coap, &co);
    /* libcoap's process-wide state, released in any_free(). */
    coap_startup();
    return a;
}

static void
any_free(struct zto_any_transport *a)
{
    if (a == NULL)
        return;
    zto_http_transport_free(a->http);
    free(a->http);
    zto_coap_transport_free(a->coap);
    free(a->coap);
    free(a);
    coap_cleanup();
}

static bool
num_arg(const char *s, long min, long max, long *v)
{
    char *end;

    if (s == NULL)
        return false;
    errno = 0;
    *v = strtol(s, &end, 0);
    return errno == 0 && *end == '\0' && end != s && *v >= min && *v <= max;
}

/* mkdir -p, new directories 0700. */
static int
mkdir_p(const char *path)
{
    char p[PATH_MAX];
    size_t i, n = strlen(path);

    if (n == 0 || n >= sizeof(p))
        return -1;
    memcpy(p, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return -1;
        p[i] = i < n ? '/' : '\0';
    }
    return 0;
}

/* Why fdo.command or fdo.upload failed TO2, or NULL. */
static const char *
module_error(const struct zto_posix_command *c,
             const struct zto_posix_upload *u, const struct zto_posix_csr *csr)
{
    if (c->last_error[0] != '\0')
        return c->last_error;
    if (u->last_error[0] != '\0')
        return u->last_error;
    return csr->last_error[0] != '\0' ? csr->last_error : NULL;
}

static int
cmd_onboard(const struct opts *o)
{
    struct zto_file_store fs;
    struct zto_posix_platform plat;
    struct zto_device_cfg cfg;
    struct zto_device dev;
    struct zto_devmod dm;
    struct zto_posix_download dl;
    struct zto_posix_command cmd;
    struct zto_posix_upload up;
    struct zto_posix_csr *csr = NULL;
    struct zto_posix_wget *wg = NULL;
    struct zto_svi_module dlmod, cmdmod, upmod, csrmod, wgmod;
    const struct zto_svi_module *mods[5];
    const char *why;
    struct zto_target owner;
    struct zto_any_transport *any = NULL;
    struct utsname un;
    const struct zto_device_result *res;
    const char *name = NULL, *detail;
    char guid[33], url[ZTO_HOST_MAX + 32], os[65];
    size_t work_len = ZTO_DEVICE_WORK_SLOTS * (size_t)ZTO_MAX_MSG_SIZE, i, n;
    uint8_t *work = NULL;
    uint64_t wget_max = 0;
    unsigned wget_timeout = 0;
    long v;
    zto_err_t r;
    int rc = 1;

    if (o->cred == NULL)
        return fail("onboard needs --cred FILE");
    if (split_cred(o->cred, &fs, &name) != 0)
        return 1;
    memset(&cfg, 0, sizeof(cfg));
    memset(&dl, 0, sizeof(dl));
    zto_posix_incoming_init(&dl.in);
    memset(&cmd, 0, sizeof(cmd));
    cmd.fd_out = cmd.fd_err = -1;
    memset(&up, 0, sizeof(up));
    up.fd = -1;
    if (o->kex != NULL &&
        zto_kex_suite_from_name((const uint8_t *)o->kex, strlen(o->kex),
                                &cfg.kex_suite) != ZTO_OK)
        return fail("--kex: ECDH256, ECDH384, DHKEXid14, DHKEXid15, "
                    "ASYMKEX2048 or ASYMKEX3072");
    if (o->cipher != NULL) {
        if (!num_arg(o->cipher, -2147483647L - 1, 2147483647L, &v) ||
            !zto_tunnel_cipher_supported((int32_t)v))
            return fail("--cipher: a COSE algorithm id this build supports "
                        "(1 A128GCM, 3 A256GCM, 30..33 AES-CCM, ...)");
        cfg.cipher = (int32_t)v;
    }
    /* Large enough for a CA bundle or a certificate with its key in one
     * fdo.csr value (values cannot be split). */
    cfg.max_owner_svi_size = SVI_SIZE_DEFAULT;
    if (o->svi_size != NULL) {
        if (!num_arg(o->svi_size, 256, 65535, &v))
            return fail("--svi-size: 256..65535");
        cfg.max_owner_svi_size = (uint16_t)v;
    }
    cfg.max_passes = PASSES_DEFAULT;
    if (o->passes != NULL) {
        if (!num_arg(o->passes, 0, 1000000, &v))
            return fail("--passes: 0 (until it works) .. 1000000");
        cfg.max_passes = (uint32_t)v;
    }
    cfg.retry_delay_ms = 1000;
    if (o->owner != NULL && zto_target_parse(o->owner, &owner) != ZTO_OK)
        return fail("--owner '%s': expected http://HOST:PORT or "
                    "coap://HOST:PORT",
                    o->owner);
    if (o->download_dir != NULL && mkdir_p(o->download_dir) != 0)
        return fail("--download-dir %s: %s", o->download_dir, strerror(errno));
    if (zto_posix_download_init(
            &dl, o->download_dir != NULL ? o->download_dir : fs.dir, &dlmod) !=
        ZTO_OK)
        return fail("--download-dir: unusable path");
    /* Commands run, and uploads are read, in the working directory: the
     * download directory unless told otherwise. */
    if (o->work_dir != NULL && mkdir_p(o->work_dir) != 0)
        return fail("--work-dir %s: %s", o->work_dir, strerror(errno));
    if (zto_posix_command_init(&cmd, o->work_dir != NULL ? o->work_dir : dl.dir,
                               &cmdmod) != ZTO_OK ||
        zto_posix_upload_init(&up, o->work_dir != NULL ? o->work_dir : dl.dir,
                              &upmod) != ZTO_OK)
        return fail("--work-dir: unusable path");
    up.anywhere = o->upload_anywhere;
    if (o->command_timeout != NULL) {
        if (!num_arg(o->command_timeout, 1, 604800, &v))
            return fail("--command-timeout: 1..604800 seconds");
        cmd.timeout_s = (unsigned)v;
    }
    if (o->wget_max_size != NULL) {
        if (!num_arg(o->wget_max_size, 1, 2147483647L, &v))
            return fail("--wget-max-size: 1..2147483647 bytes");
        wget_max = (uint64_t)v;
    }
    if (o->wget_timeout != NULL) {
        if (!num_arg(o->wget_timeout, 1, 86400, &v))
            return fail("--wget-timeout: 1..86400 seconds");
        wget_timeout = (unsigned)v;
    }
    if (o->opcred_key != NULL && strcmp(o->opcred_key, "p256") != 0 &&
        strcmp(o->opcred_key, "p384") != 0)
        return fail("--opcred-key must be p256 or p384");
    if (o->opcred_dir != NULL && mkdir_p(o->opcred_dir) != 0)
        return fail("--opcred-dir %s: %s", o->opcred_dir, strerror(errno));
    /* Large (CA bundle): on the heap. The CN is a hint to the owner: the
     * serial number, or the GUID once the credential is loaded. */
    if ((csr = malloc(sizeof(*csr))) == NULL ||
        zto_posix_csr_init(csr, o->opcred_dir != NULL ? o->opcred_dir : fs.dir,
                           o->opcred_key != NULL &&
                                   strcmp(o->opcred_key, "p384") == 0
                               ? ZTO_PK_SECP384R1
                               : ZTO_PK_SECP256R1,
                           o->opcred_keygen,
                           o->serial != NULL && o->serial[0] != '\0' &&
                                   strlen(o->serial) < sizeof(csr->cn)
                               ? o->serial
                               : "device",
                           &csrmod) != ZTO_OK) {
        free(csr);
        return fail("--opcred-dir: unusable path");
    }

    /* fdo.wget: into the download directory; https checked against
     * --ca or the system store. */
    if ((wg = malloc(sizeof(*wg))) == NULL ||
        zto_posix_wget_init(wg, dl.dir, &wgmod) != ZTO_OK) {
        free(wg);
        zto_posix_csr_free(csr);
        free(csr);
        return fail("--download-dir: unusable path");
    }
    wg->ca_file = o->ca;
    wg->max_size = wget_max;
    wg->timeout_s = wget_timeout;

    /* What the device says about itself (devmod). */
    memset(&dm, 0, sizeof(dm));
    if (uname(&un) != 0)
        memset(&un, 0, sizeof(un));
    for (i = 0; i + 1 < sizeof(os) && un.sysname[i] != '\0'; i++)
        os[i] = (char)(un.sysname[i] >= 'A' && un.sysname[i] <= 'Z'
                           ? un.sysname[i] - 'A' + 'a'
                           : un.sysname[i]);
    os[i] = '\0';
    dm.os = os;
    dm.arch = un.machine;
    dm.version = un.release;
    dm.device = o->model != NULL ? o->model : "fdo-device";
    dm.sn = o->serial;
    dm.pathsep = "/";
    dm.sep = ":";
    dm.nl = "\n";
    dm.tmp = "/tmp";
    dm.dir = dl.dir;
    dm.bin = un.machine;
    /* A module left out is answered active = false and not listed in
     * devmod:modules. */
    n = 0;
    mods[n++] = &dlmod;
    mods[n++] = &upmod;
    mods[n++] = &csrmod;
    if (!o->no_wget)
        mods[n++] = &wgmod;
    if (!o->no_command)
        mods[n++] = &cmdmod;

    zto_posix_platform_init(&plat, PROG,
                            o->verbose >= 2   ? ZTO_LOG_DEBUG
                            : o->verbose == 1 ? ZTO_LOG_INFO
                                              : -1);
    cfg.transport = &zto_transport_any_ops;
    cfg.storage = &zto_file_store_ops;
    cfg.storage_ctx = &fs;
    cfg.platform = &zto_posix_platform_ops;
    cfg.platform_ctx = &plat;
    cfg.cred_name = name;
    cfg.allow_cred_reuse = o->allow_reuse;
    cfg.devmod = &dm;
    cfg.modules = mods;
    cfg.nmodules = n;
    zto_device_init(&dev);
    if ((any = any_new(o)) == NULL || (work = malloc(work_len)) == NULL) {
        rc = fail("out of memory");
        goto out;
    }
    cfg.transport_ctx = any;
    if ((r = zto_device_setup(&dev, &cfg, work, work_len)) != ZTO_OK) {
        rc = fail("device setup: %s", zto_strerror(r));
        goto out;
    }
    if ((r = zto_device_load(&dev)) != ZTO_OK) {
        rc = fail("%s: %s", o->cred,
                  r == ZTO_E_NOT_FOUND ? "no credential (run di first)"
                                       : zto_strerror(r));
        goto out;
    }
    if (zto_hex_encode(zto_device_cred(&dev)->guid.b, 16, guid, sizeof(guid)) !=
        ZTO_OK)
        memcpy(guid, "?", 2);
    if (strcmp(csr->cn, "device") == 0)
        memcpy(csr->cn, guid, sizeof(guid));
    if (o->owner != NULL) {
        if (zto_target_url(&owner, url, sizeof(url)) != ZTO_OK)
            memcpy(url, "?", 2);
        printf("onboard: GUID %s, TO2 straight to the owner at %s\n", guid,
               url);
    } else {
        printf("onboard: GUID %s, finding the owner through rendezvous\n",
               guid);
    }
    fflush(stdout);
    do {
        r = o->owner != NULL ? zto_device_to2(&dev, &owner, NULL, 0)
                             : zto_device_onboard(&dev);
    } while (r == ZTO_E_WANT_READ || r == ZTO_E_WANT_WRITE);
    res = zto_device_last_result(&dev);
    if (r != ZTO_OK) {
        detail = zto_any_transport_detail(any);
        if (r == ZTO_E_PEER_ERROR)
            rc = fail("onboarding failed: %s%s%speer answered error %u "
                      "(%s): %s",
                      dl.last_error[0] != '\0' ? "download refused (" : "",
                      dl.last_error, dl.last_error[0] != '\0' ? "); " : "",
                      res->peer_error, zto_wire_code_name(res->peer_error),
                      res->peer_error_text);
        else if (r == ZTO_E_SVI && (why = module_error(&cmd, &up, csr)) != NULL)
            rc = fail("onboarding failed: %s", why);
        else
            rc = fail("onboarding failed: %s%s%s", zto_strerror(r),
                      detail[0] != '\0' ? ": " : "", detail);
        goto out;
    }
    if (dl.files > 0)
        printf("onboard: received %u file%s, last %s\n", dl.files,
               dl.files == 1 ? "" : "s", dl.last_file);
    if (cmd.runs > 0)
        printf("onboard: ran %u command%s, last exit code %d\n", cmd.runs,
               cmd.runs == 1 ? "" : "s", cmd.last_exit);
    if (up.files > 0)
        printf("onboard: sent %u file%s, last %s\n", up.files,
               up.files == 1 ? "" : "s", up.last_file);
    if (wg->files > 0)
        printf("onboard: fetched %u file%s by URL, last %s\n", wg->files,
               wg->files == 1 ? "" : "s", wg->last_file);
    if (csr->stored) {
        char until[32];
        time_t t = (time_t)csr->not_after;
        struct tm tm;
        if (gmtime_r(&t, &tm) == NULL ||
            strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
            memcpy(until, "?", 2);
        printf("onboard: operational certificate \"%s\" valid until %s: "
               "%s, key %s, CA bundle %s\n",
               csr->subject, until, csr->cert_path, csr->key_path,
               csr->ca_path);
    } else if (csr->last_error[0] != '\0') {
        rc = fail("%s", csr->last_error);
        goto out;
    }
    if (zto_hex_encode(res->guid.b, 16, url, sizeof(url)) != ZTO_OK)
        memcpy(url, "?", 2);
    if (res->cred_replaced)
        printf("onboard: done; new credential stored in %s, GUID %s\n", o->cred,
               url);
    else
        printf("onboard: done; credential kept (reuse), GUID %s\n", url);
    rc = 0;
out:
    zto_device_free(&dev);
    free(work);
    zto_posix_download_free(&dl);
    zto_posix_command_free(&cmd);
    zto_posix_upload_free(&up);
    zto_posix_csr_free(csr);
    free(csr);
    zto_posix_wget_free(wg);
    free(wg);
    any_free(any);
    return rc;
}

/* ---- command line ---- */

static const struct cmd cmds[] = {
    {"di", cmd_di,
     "di --url http://HOST:PORT|coap://HOST:PORT --cred FILE "
     "[--key-type p256|p384] [--serial S] [--model M] [--force]"},
    {"show", cmd_show, "show --cred FILE"},
    {"onboard", cmd_onboard,
     "onboard --cred FILE [--download-dir D] [--allow-reuse] "
     "[--owner URL] [--kex NAME] [--cipher ID] [--svi-size N] "
     "[--passes N] [--serial S] [--model M]\n"
     "          [--work-dir D] [--no-command] [--command-timeout S] "
     "[--upload-anywhere]\n"
     "          [--opcred-dir D] [--opcred-key p256|p384] "
     "[--opcred-serverkeygen]\n"
     "          [--no-wget] [--wget-max-size N] [--wget-timeout S]"},
};

static void
usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage:\n");
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "  " PROG " %s\n", cmds[i].usage);
    fprintf(f, "options for every command: [--ca FILE] [--insecure] "
               "[--timeout SECONDS] [-v|-vv]\n");
    fprintf(f,
            "onboard: files arrive (fdo.download) in --download-dir "
            "(default: the\n"
            "  credential's directory); commands (fdo.command) run, without a "
            "shell,\n"
            "  in --work-dir (default: the download directory) and are killed "
            "after\n"
            "  --command-timeout seconds (default %d); --no-command refuses "
            "them;\n"
            "  uploads (fdo.upload) are read below --work-dir only, unless\n"
            "  --upload-anywhere; files fetched by URL (fdo.wget) go to the\n"
            "  download directory too.\n",
            ZTO_POSIX_CMD_TIMEOUT);
}

/* -h / --help: the whole manual in short (docs/man/fdo-device.1). */
static void
help(void)
{
    usage(stdout);
    printf(
        "\n"
        "The FDO 1.1 device on a POSIX system: Device Initialize at the\n"
        "factory, onboarding (TO1, TO2, ServiceInfo) in the field.\n"
        "\n"
        "Commands:\n"
        "  di       Device Initialize at the manufacturer; writes the\n"
        "           credential (mode 0600, atomically)\n"
        "  show     the credential: GUID, RendezvousInfo, device info,\n"
        "           key type (never the secrets)\n"
        "  onboard  find the owner through rendezvous (or --owner), run\n"
        "           TO2 and store the new credential\n"
        "\n"
        "Options:\n"
        "  --url URL            the manufacturer: http://HOST:PORT or\n"
        "                       coap://HOST:PORT (https, coaps too)\n"
        "  --cred FILE          the credential file\n"
        "  --key-type p256|p384 device key made at DI (default p256)\n"
        "  --serial S           serial number: sent at DI, in devmod and\n"
        "                       as the fdo.csr request's name\n"
        "  --model M            model: sent at DI (the voucher's device\n"
        "                       info) and in devmod (there by default\n"
        "                       fdo-device)\n"
        "  --force              di: replace an existing credential\n"
        "  --download-dir D     where fdo.download files go, never outside\n"
        "                       D (default: the credential's directory)\n"
        "  --owner URL          skip rendezvous: TO2 at this owner\n"
        "  --allow-reuse        accept the owner's credential-reuse offer\n"
        "  --kex NAME           ECDH256, ECDH384, DHKEXid14, DHKEXid15,\n"
        "                       ASYMKEX2048, ASYMKEX3072\n"
        "  --cipher ID          COSE id of the tunnel cipher (1 A128GCM,\n"
        "                       3 A256GCM, 30..33 AES-CCM, ...)\n"
        "  --svi-size N         largest owner ServiceInfo accepted per\n"
        "                       message, 256..65535 (default %d)\n"
        "  --passes N           passes over RendezvousInfo before giving\n"
        "                       up (default %d, 0 = until it works)\n"
        "  --work-dir D         where fdo.command runs and fdo.upload reads\n"
        "                       (default: the download directory)\n"
        "  --no-command         refuse fdo.command (the owner is told the\n"
        "                       module is not available)\n"
        "  --command-timeout S  kill a command's process group after S\n"
        "                       seconds, 1..604800 (default %d)\n"
        "  --upload-anywhere    fdo.upload may read files outside --work-dir\n"
        "  --opcred-dir D       where fdo.csr puts the operational key,\n"
        "                       certificate and CA bundle (default: the\n"
        "                       credential's directory)\n"
        "  --opcred-key p256|p384  operational key made on the device\n"
        "                       (default p256)\n"
        "  --opcred-serverkeygen  ask the owner to make the operational key\n"
        "  --no-wget            refuse fdo.wget (fetching files by URL)\n"
        "  --wget-max-size N    largest file fdo.wget fetches, in bytes\n"
        "                       (default %llu)\n"
        "  --wget-timeout S     longest fdo.wget fetch, 1..86400 seconds\n"
        "                       (default %d)\n"
        "  --ca FILE            trusted CAs for https and coaps\n"
        "  --insecure           accept any server certificate (tests)\n"
        "  --timeout S          longest exchange with a server, 1..3600\n"
        "                       (default %d s over HTTP, %d s over CoAP)\n"
        "  -v, -vv              the library's log lines (info, debug)\n"
        "  -h, --help           this text\n"
        "\n"
        "Exit status: 0 success, 1 failure (one line on stderr), 2 usage\n"
        "error. See fdo-device(1) and docs/device.md.\n",
        SVI_SIZE_DEFAULT, PASSES_DEFAULT, ZTO_POSIX_CMD_TIMEOUT,
        (unsigned long long)ZTO_POSIX_WGET_MAX_SIZE, ZTO_POSIX_WGET_TIMEOUT,
        ZTO_HTTP_TIMEOUT_MS / 1000, ZTO_COAP_TIMEOUT_MS / 1000);
}

int
main(int argc, char **argv)
{
    const struct cmd *cmd = NULL;
    struct opts o;
    size_t k;
    int i;

    memset(&o, 0, sizeof(o));
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help();
            return 0;
        }
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
        } else if (strcmp(a, "--allow-reuse") == 0) {
            o.allow_reuse = true;
            continue;
        } else if (strcmp(a, "--no-command") == 0) {
            o.no_command = true;
            continue;
        } else if (strcmp(a, "--upload-anywhere") == 0) {
            o.upload_anywhere = true;
            continue;
        } else if (strcmp(a, "--opcred-serverkeygen") == 0) {
            o.opcred_keygen = true;
            continue;
        } else if (strcmp(a, "--no-wget") == 0) {
            o.no_wget = true;
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
        } else if (strcmp(a, "--timeout") == 0) {
            char *end = NULL;
            unsigned long s = i + 1 < argc ? strtoul(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= argc || end == argv[i + 1] || *end != '\0' || s < 1 ||
                s > 3600) {
                fprintf(stderr, PROG ": --timeout needs 1..3600 seconds\n");
                return 2;
            }
            o.timeout_ms = (unsigned)s * 1000u;
            i++;
            continue;
        } else if (strcmp(a, "--download-dir") == 0) {
            dst = &o.download_dir;
        } else if (strcmp(a, "--owner") == 0) {
            dst = &o.owner;
        } else if (strcmp(a, "--kex") == 0) {
            dst = &o.kex;
        } else if (strcmp(a, "--cipher") == 0) {
            dst = &o.cipher;
        } else if (strcmp(a, "--svi-size") == 0) {
            dst = &o.svi_size;
        } else if (strcmp(a, "--passes") == 0) {
            dst = &o.passes;
        } else if (strcmp(a, "--work-dir") == 0) {
            dst = &o.work_dir;
        } else if (strcmp(a, "--command-timeout") == 0) {
            dst = &o.command_timeout;
        } else if (strcmp(a, "--opcred-dir") == 0) {
            dst = &o.opcred_dir;
        } else if (strcmp(a, "--opcred-key") == 0) {
            dst = &o.opcred_key;
        } else if (strcmp(a, "--wget-max-size") == 0) {
            dst = &o.wget_max_size;
        } else if (strcmp(a, "--wget-timeout") == 0) {
            dst = &o.wget_timeout;
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
    /* libcoap writes its own warnings (an ICMP error from a server that
     * went away, ...) to stderr: only with -v, so that a failure stays
     * one line. */
    coap_set_log_level(o.verbose > 0 ? LOG_WARNING : LOG_EMERG);
    coap_dtls_set_log_level(o.verbose > 0 ? LOG_WARNING : LOG_EMERG);
    return cmd->run(&o);
}
