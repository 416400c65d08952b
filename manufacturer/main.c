/*
 * fdo-manufacturer - the DI server (FDO 1.1 section 4.1) and its voucher
 * tools.
 *
 *   fdo-manufacturer [serve] --config FILE [--log-level L] [-t|-T]
 *                            [--admin HOST:PORT]
 *   fdo-manufacturer export --config FILE --guid GUID
 *                           [--extend-to OWNER_PEM] [-o OUT]
 *   fdo-manufacturer list --config FILE
 *   fdo-manufacturer hash-token [--generate]
 *
 * serve prints one "listening on URL" line per listener, "admin on URL"
 * per admin API listener (docs/admin-api.md) and "ready" on stdout once
 * every listener is bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "mfg_admin.h"
#include "mfg_conf.h"
#include "zto_daemon.h"

#define PROG "fdo-manufacturer"

struct args {
    const char *config;
    const char *log_level;
    const char *guid;
    const char *extend_to;
    const char *out;
    const char *admin;
    bool check, print, generate;
};

struct cmd {
    const char *name;
    int (*run)(const struct args *a);
    const char *usage;
};

#define errx1(...) zto_daemon_die(PROG, __VA_ARGS__)

/* ---- shared setup ---- */

struct ctx {
    struct mfg_conf conf;
    struct zto_db *db;
    struct mfg m;
    const struct args *args; /* serve: for SIGHUP */
    struct zto_admin *adm;   /* serve: NULL without admin listeners */
};

/* The key and chain files of a configuration, read. */
struct keyfiles {
    char *key, *cakey, *chain;
    size_t kn, cn, chn;
};

static void
keys_free(struct keyfiles *k)
{
    if (k->key != NULL)
        zto_zeroize(k->key, k->kn);
    if (k->cakey != NULL)
        zto_zeroize(k->cakey, k->cn);
    free(k->key);
    free(k->cakey);
    free(k->chain);
    memset(k, 0, sizeof(*k));
}

static zto_err_t
keys_read(const struct mfg_conf *conf, struct keyfiles *k, char *err,
          size_t errcap)
{
    zto_err_t r;

    memset(k, 0, sizeof(*k));
    if ((r = mfg_conf_read_file("manufacturer_key", conf->mfg_key.v, true,
                                &k->key, &k->kn, err, errcap)) != ZTO_OK ||
        (r = mfg_conf_read_file("device_ca_key", conf->ca_key.v, true,
                                &k->cakey, &k->cn, err, errcap)) != ZTO_OK ||
        (r = mfg_conf_read_file("device_ca_chain", conf->ca_chain.v, false,
                                &k->chain, &k->chn, err, errcap)) != ZTO_OK)
        keys_free(k);
    return r;
}

/* The manufacturer context a configuration describes. */
static zto_err_t
mfg_build(const struct mfg_conf *conf, const struct keyfiles *k,
          struct zto_db *db, struct mfg *m, char *err, size_t errcap)
{
    struct mfg_params p;

    memset(&p, 0, sizeof(p));
    p.db = db;
    p.key_pem = k->key;
    p.key_pem_len = k->kn;
    p.ca_key_pem = k->cakey;
    p.ca_key_pem_len = k->cn;
    p.ca_chain_pem = k->chain;
    p.ca_chain_pem_len = k->chn;
    p.rvinfo = conf->rvinfo;
    p.rvinfo_len = conf->rvinfo_len;
    p.device_info = conf->device_info.v;
    p.cert_days = (unsigned)conf->cert_days.v;
    p.session_ttl = (unsigned)conf->session_timeout.v;
    return mfg_setup(m, &p, err, errcap);
}

/* Config, database and keys; exits with a message on any failure. */
static void
ctx_open(struct ctx *c, const struct args *a)
{
    struct keyfiles k;
    struct zto_db_opts dbo;
    char err[512];
    zto_err_t r;

    memset(c, 0, sizeof(*c));
    mfg_init(&c->m);
    if (a->config == NULL)
        errx1("--config FILE is required");
    if (mfg_conf_load(&c->conf, a->config, err, sizeof(err)) != ZTO_OK ||
        zto_daemon_log_apply(a->log_level, c->conf.log_level.v,
                             c->conf.log_target.v, err, sizeof(err)) != ZTO_OK)
        errx1("%s", err);
    if (keys_read(&c->conf, &k, err, sizeof(err)) != ZTO_OK)
        errx1("%s", err);
    memset(&dbo, 0, sizeof(dbo));
    dbo.sync_full = c->conf.db_sync.v;
    if ((r = zto_db_open(c->conf.db.v, ZTO_DB_MANUFACTURER, &dbo, &c->db)) !=
        ZTO_OK)
        errx1("database %s: %s", c->conf.db.v, zto_strerror(r));
    c->m.log = zto_daemon_log_line;
    r = mfg_build(&c->conf, &k, c->db, &c->m, err, sizeof(err));
    keys_free(&k);
    if (r != ZTO_OK)
        errx1("%s", err);
}

static void
ctx_close(struct ctx *c)
{
    mfg_free(&c->m);
    zto_db_close(c->db);
    mfg_conf_free(&c->conf);
}

/* ---- serve ---- */

/* SIGHUP: the configuration file and the key files are read again.
 * Nothing changes unless all of it is valid; then the reloadable options
 * take effect for the next device and the others are named as waiting
 * for a restart. */
static void
on_reload(void *arg)
{
    struct ctx *c = arg;
    const struct args *a = c->args;
    struct mfg_conf fresh;
    struct keyfiles k;
    struct zto_admin_opts ao;
    struct mfg m;
    char err[512] = "";
    size_t applied = 0, restart;

    memset(&k, 0, sizeof(k));
    mfg_init(&m);
    if (mfg_conf_load(&fresh, a->config, err, sizeof(err)) != ZTO_OK) {
        log_err("reload: %s; keeping the running configuration", err);
        return;
    }
    if (zto_daemon_admin_opts(&fresh.admin, &fresh.srv, a->admin, false, &ao,
                              err, sizeof(err)) != ZTO_OK ||
        keys_read(&fresh, &k, err, sizeof(err)) != ZTO_OK ||
        mfg_build(&fresh, &k, c->db, &m, err, sizeof(err)) != ZTO_OK) {
        keys_free(&k);
        mfg_free(&m);
        mfg_conf_free(&fresh);
        log_err("reload: %s; keeping the running configuration", err);
        return;
    }
    keys_free(&k);
    restart = mfg_conf_reload(&c->conf, &fresh, zto_daemon_needs_restart, NULL,
                              &applied);
    mfg_take(&c->m, &m);
    zto_daemon_reloaded(a->log_level, c->conf.log_level.v, c->adm, &ao,
                        "configuration and keys", applied, restart);
}

static void
handle(void *ctx, const struct zto_srv_req *req, struct zto_srv_resp *resp)
{
    struct mfg *m = ctx;
    char tok[MFG_TOKEN_LEN + 1];
    size_t len = 0;
    uint8_t type = 0;
    zto_err_t r;

    r = mfg_handle(m, req->msg_type, req->body, req->len, req->token,
                   resp->body, resp->cap, &len, &type, tok, sizeof(tok));
    if (req->msg_type == ZTO_MSG_ERROR)
        return; /* never answered; the runtime sends an empty 200 */
    resp->len = len;
    resp->msg_type = type;
    if (r == ZTO_OK) {
        memcpy(resp->token, tok, sizeof(tok));
        resp->end_session = type == ZTO_MSG_DI_DONE;
        return;
    }
    resp->token[0] = '\0';
    resp->end_session = true;
    if (len == 0 &&
        zto_srv_error(resp, r, req->msg_type, zto_strerror(r)) != ZTO_OK)
        resp->len = 0;
}

static int
cmd_serve(const struct args *a)
{
    struct ctx c;
    struct zto_srv_opts o;
    struct zto_srv *srv = NULL;
    struct zto_admin_opts ao;
    struct zto_admin *adm = NULL;
    char err[512] = "";
    zto_err_t r;

    zto_log_setup(PROG, ZTO_SRV_LOG_INFO, true);
    ctx_open(&c, a);
    if (zto_daemon_admin_opts(&c.conf.admin, &c.conf.srv, a->admin, true, &ao,
                              err, sizeof(err)) != ZTO_OK) {
        ctx_close(&c);
        errx1("%s", err);
    }
    if (a->print)
        mfg_conf_print(&c.conf, stdout);
    if (a->check || a->print) {
        printf("%s: configuration OK\n", a->config);
        ctx_close(&c);
        return 0;
    }
    memset(&o, 0, sizeof(o));
    zto_srv_conf_apply(&c.conf.srv, &o);
    o.handler = handle;
    o.handler_ctx = &c.m;
    o.reload = on_reload;
    o.reload_ctx = &c;
    c.args = a;
    if ((r = zto_srv_new(&o, &srv)) != ZTO_OK) {
        ctx_close(&c);
        errx1("cannot start the listeners: %s", zto_strerror(r));
    }
    if ((r = zto_daemon_admin_start(srv, &ao, "manufacturer",
                                    mfg_admin_db_check, &c.m, &adm)) !=
            ZTO_OK ||
        (adm != NULL && (r = mfg_admin_add_routes(adm, &c.m)) != ZTO_OK)) {
        zto_admin_free(adm);
        zto_srv_free(srv);
        ctx_close(&c);
        errx1("cannot start the admin API: %s", zto_strerror(r));
    }
    c.adm = adm;
    zto_daemon_announce(srv, adm);
    r = zto_srv_run(srv);
    zto_admin_free(adm);
    zto_srv_free(srv);
    ctx_close(&c);
    coap_cleanup();
    if (r != ZTO_OK)
        errx1("%s", zto_strerror(r));
    log_info("stopped");
    return 0;
}

/* ---- export ---- */

static zto_err_t
parse_guid(const char *s, struct zto_guid *g)
{
    char hex[33];
    size_t n = 0, len = 0;

    for (; *s != '\0'; s++) {
        if (*s == '-')
            continue; /* 8-4-4-4-12 form */
        if (n == 32)
            return ZTO_E_GUID;
        hex[n++] = *s;
    }
    if (n != 32 ||
        zto_hex_decode(hex, 32, g->b, sizeof(g->b), &len) != ZTO_OK ||
        len != 16)
        return ZTO_E_GUID;
    return ZTO_OK;
}

/* Write text to path atomically (temp file, rename). */
static int
write_out(const char *path, const char *text, size_t len)
{
    char tmp[4096];
    FILE *f;
    int fd;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
        return -1;
    if ((fd = mkstemp(tmp)) < 0)
        return -1;
    if (fchmod(fd, 0644) != 0 || (f = fdopen(fd, "wb")) == NULL) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (fwrite(text, 1, len, f) != len || fflush(f) != 0 ||
        fsync(fileno(f)) != 0) {
        fclose(f);
        unlink(tmp);
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int
cmd_export(const struct args *a)
{
    struct ctx c;
    struct zto_guid g;
    char err[512];
    char *owner = NULL, *pem = NULL;
    size_t on = 0, pn = 0;
    int rc = 0;

    zto_log_setup(PROG, ZTO_SRV_LOG_WARN, true);
    if (a->guid == NULL || parse_guid(a->guid, &g) != ZTO_OK)
        errx1("--guid needs a GUID (32 hex digits)");
    if (a->extend_to != NULL &&
        mfg_conf_read_file("--extend-to", a->extend_to, false, &owner, &on, err,
                           sizeof(err)) != ZTO_OK)
        errx1("%s", err);
    ctx_open(&c, a);
    if (mfg_export(&c.m, &g, owner, on, &pem, &pn, err, sizeof(err)) !=
        ZTO_OK) {
        fprintf(stderr, PROG ": export %s: %s\n", a->guid, err);
        rc = 1;
    } else if (a->out != NULL) {
        if (write_out(a->out, pem, pn) != 0) {
            fprintf(stderr, PROG ": %s: %s\n", a->out, strerror(errno));
            rc = 1;
        } else {
            fprintf(stderr, PROG ": voucher %s%s written to %s\n", a->guid,
                    owner != NULL ? " (extended to the owner)" : "", a->out);
        }
    } else if (fwrite(pem, 1, pn, stdout) != pn || fflush(stdout) != 0) {
        rc = 1;
    }
    free(pem);
    free(owner);
    ctx_close(&c);
    return rc;
}

/* ---- list ---- */

static zto_err_t
print_row(void *ctx, const struct zto_db_mfg_row *row)
{
    char hex[33], when[32];
    time_t t = (time_t)row->created;
    struct tm tm;

    (void)ctx;
    if (zto_hex_encode(row->guid.b, 16, hex, sizeof(hex)) != ZTO_OK)
        return ZTO_E_INTERNAL;
    if (gmtime_r(&t, &tm) == NULL ||
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        memcpy(when, "?", 2);
    printf("%s  %-20s  %s  %s\n", hex, row->serial[0] ? row->serial : "-", when,
           row->device_info);
    return ZTO_OK;
}

static int
cmd_list(const struct args *a)
{
    struct ctx c;
    zto_err_t r;

    zto_log_setup(PROG, ZTO_SRV_LOG_WARN, true);
    ctx_open(&c, a);
    printf("%-32s  %-20s  %-20s  %s\n", "GUID", "SERIAL", "CREATED (UTC)",
           "DEVICE INFO");
    r = zto_db_mfg_voucher_list(c.db, print_row, NULL);
    ctx_close(&c);
    if (r != ZTO_OK)
        errx1("list: %s", zto_strerror(r));
    return 0;
}

/* ---- hash-token ---- */

static int
cmd_hash_token(const struct args *a)
{
    return zto_admin_hash_token_cmd(stdin, stdout, stderr, a->generate);
}

/* ---- command line ---- */

static const struct cmd cmds[] = {
    {"serve", cmd_serve,
     "serve --config FILE [--log-level L] [--check-config|-t] "
     "[--print-config|-T] "
     "[--admin HOST:PORT]"},
    {"export", cmd_export,
     "export --config FILE --guid GUID [--extend-to OWNER_PEM] [-o OUT]"},
    {"list", cmd_list, "list --config FILE"},
    {"hash-token", cmd_hash_token,
     "hash-token [--generate]   (admin API token on standard input)"},
};

static void
usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage:\n");
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "  " PROG " %s\n", cmds[i].usage);
    fprintf(f, "serve is the default command.\n");
}

/* -h / --help: the manual in short (docs/man/fdo-manufacturer.1). */
static void
help(void)
{
    usage(stdout);
    fputs(
        "\n"
        "The FDO 1.1 manufacturer: Device Initialize (DI) over HTTP and\n"
        "CoAP; keeps every voucher in its database.\n"
        "\n"
        "Commands:\n"
        "  serve       answer DI (the default command)\n"
        "  export      write a device's voucher as PEM, optionally\n"
        "              extended to an owner's public key\n"
        "  list        the devices made: GUID, serial, time, device info\n"
        "  hash-token  the admin_token_sha256 line of a token read on\n"
        "              standard input, or of a new one (--generate)\n"
        "\n"
        "Options:\n"
        "  -c, --config FILE     configuration file\n"
        "                        (deploy/manufacturer.conf.example)\n"
        "  --log-level L         err, warn, info or debug (overrides the\n"
        "                        file)\n"
        "  -t, --check-config    check the configuration, keys and\n"
        "                        database, then exit\n"
        "  -T, --print-config    print the effective configuration, exit\n"
        "  --admin HOST:PORT     an admin API listener (also https://)\n"
        "  --guid GUID           export: the device\n"
        "  --extend-to PEM       export: the owner's public key or\n"
        "                        certificate\n"
        "  -o, --output FILE     export: write here (default stdout)\n"
        "  --generate            hash-token: make a random token\n"
        "  -h, --help            this text\n"
        "\n"
        "serve prints \"listening on URL\" per listener and \"ready\" on\n"
        "stdout. SIGHUP reads the configuration and keys again, SIGTERM\n"
        "and SIGINT stop. Exit status: 0 success, 1 failure, 2 usage\n"
        "error. See fdo-manufacturer(1) and docs/deploy.md.\n",
        stdout);
}

int
main(int argc, char **argv)
{
    const struct cmd *cmd = &cmds[0];
    struct args a;
    int i = 1;
    size_t k;

    memset(&a, 0, sizeof(a));
    if (argc > 1 && argv[1][0] != '-') {
        for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
            if (strcmp(argv[1], cmds[k].name) == 0)
                break;
        if (k == sizeof(cmds) / sizeof(cmds[0])) {
            fprintf(stderr, PROG ": unknown command '%s'\n", argv[1]);
            usage(stderr);
            return 2;
        }
        cmd = &cmds[k];
        i = 2;
    }
    for (; i < argc; i++) {
        const char *o = argv[i];
        const char **dst = NULL;

        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
            help();
            return 0;
        } else if (strcmp(o, "--check-config") == 0 || strcmp(o, "-t") == 0) {
            a.check = true;
            continue;
        } else if (strcmp(o, "--print-config") == 0 || strcmp(o, "-T") == 0) {
            a.print = true;
            continue;
        } else if (strcmp(o, "--generate") == 0) {
            a.generate = true;
            continue;
        } else if (strcmp(o, "--admin") == 0) {
            dst = &a.admin;
        } else if (strcmp(o, "--config") == 0 || strcmp(o, "-c") == 0) {
            dst = &a.config;
        } else if (strcmp(o, "--log-level") == 0) {
            dst = &a.log_level;
        } else if (strcmp(o, "--guid") == 0) {
            dst = &a.guid;
        } else if (strcmp(o, "--extend-to") == 0) {
            dst = &a.extend_to;
        } else if (strcmp(o, "-o") == 0 || strcmp(o, "--output") == 0) {
            dst = &a.out;
        } else {
            fprintf(stderr, PROG ": unknown option '%s'\n", o);
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, PROG ": %s needs a value\n", o);
            return 2;
        }
        *dst = argv[++i];
    }
    return cmd->run(&a);
}
