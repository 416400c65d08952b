/*
 * fdo-owner - the owner: takes vouchers in, registers them at rendezvous
 * servers (TO0) and onboards devices (TO2 + ServiceInfo). See
 * docs/owner.md.
 *
 *   fdo-owner serve   --config F [--log-level L] [--check-config|-t]
 *                                [--print-config|-T] [--admin HOST:PORT]
 *   fdo-owner import  --config F FILE|DIR...
 *   fdo-owner list    --config F
 *   fdo-owner export  --config F --guid G [--extend-to PUBKEY_PEM] -o OUT
 *   fdo-owner plan    --config F add (--all | --group N | --guid G)
 *                                [--optional] download SRC NAME
 *   fdo-owner plan    --config F add (...) [--optional] [--may-fail]
 *                                [--stdout] [--stderr] [--timeout S]
 *                                command [--] PROGRAM [ARG...]
 *   fdo-owner plan    --config F add (...) [--optional] upload NAME [DEST]
 *   fdo-owner plan    --config F add (...) [--optional] csr [KEY=VALUE...]
 *   fdo-owner plan    --config F add (...) [--optional] [--sha384 HEX]
 *                                [--length N] wget URL NAME
 *   fdo-owner plan    --config F list | del ID
 *   fdo-owner group   --config F --guid G NAME
 *   fdo-owner certs   --config F [--guid G]
 *   fdo-owner hash-token [--generate]
 *
 * serve prints one "listening on URL" line per listener, "admin on URL"
 * per admin API listener (--admin HOST:PORT or "admin" in the config;
 * docs/admin-api.md) and "ready" on stdout once every listener is bound;
 * SIGTERM and SIGINT stop it.
 * import exits non-zero if any voucher failed (others are still stored).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "owner_admin.h"
#include "owner_api.h"
#include "owner_conf.h"
#include "owner_hook.h"
#include "owner_to0.h"
#include "svi_csr.h"
#include "zto_daemon.h"

#define PROG "fdo-owner"
/* SIGTERM: how long a TO0 exchange under way is waited for. */
#define TO0_STOP_WAIT_MS 2000
#define MAX_ARGS 64

struct args {
    const char *config;
    const char *log_level;
    const char *guid;
    const char *extend_to;
    const char *out;
    const char *group;
    const char *admin;
    /* plan add command */
    const char *timeout;
    const char *sha384, *length; /* wget */
    bool may_fail, want_stdout, want_stderr;
    bool all, optional, check, print, generate;
    const char *pos[MAX_ARGS]; /* positional arguments */
    size_t npos;
};

#define errx1(...) zto_daemon_die(PROG, __VA_ARGS__)

static void
guid_arg(const char *s, struct zto_guid *g)
{
    size_t n = 0;

    if (s == NULL || strlen(s) != 32 ||
        zto_hex_decode(s, 32, g->b, sizeof(g->b), &n) != ZTO_OK || n != 16)
        errx1("--guid needs 32 hex digits");
}

/* Configuration, database and keys: what every command needs. */
static void
setup(const struct args *a, struct owner_conf *c, struct owner *o,
      bool foreground)
{
    struct zto_db_opts dbo;
    char err[512];
    zto_err_t r;

    zto_log_setup(PROG, ZTO_SRV_LOG_INFO, foreground);
    if (a->config == NULL)
        errx1("--config FILE is required");
    if (owner_conf_load(c, a->config, err, sizeof(err)) != ZTO_OK ||
        zto_daemon_log_apply(a->log_level, c->log_level.v, c->log_target.v,
                             err, sizeof(err)) != ZTO_OK)
        errx1("%s", err);
    owner_init(o);
    o->log = zto_daemon_log_line;
    o->log_on = zto_log_enabled;
    if (owner_conf_apply(c, o, err, sizeof(err)) != ZTO_OK)
        errx1("%s: %s", a->config, err);
    if (a->check || a->print)
        return;
    /* The database holds session keys while devices onboard. */
    umask(077);
    memset(&dbo, 0, sizeof(dbo));
    dbo.sync_full = c->db_sync.v;
    if ((r = zto_db_open(c->db.v, ZTO_DB_OWNER, &dbo, &o->db)) != ZTO_OK)
        errx1("database %s: %s", c->db.v, zto_strerror(r));
}

static void
teardown(struct owner_conf *c, struct owner *o)
{
    zto_db_close(o->db);
    o->db = NULL;
    owner_free(o);
    owner_conf_free(c);
}

/* ---- serve ---- */

struct served {
    struct owner *o;
    struct zto_srv *srv;
    struct event *purge;
    const struct args *args;
    struct owner_conf *conf;
    struct zto_admin *adm;
};

/* SIGHUP: the configuration file (and the files it names) is read again.
 * Nothing changes unless all of it is valid; then the reloadable options
 * take effect for the next TO2 and the others are named as waiting for a
 * restart. */
static void
on_reload(void *ctx)
{
    struct served *s = ctx;
    const struct args *a = s->args;
    struct owner_conf fresh;
    struct owner tmp;
    struct zto_admin_opts ao;
    char err[512] = "";
    size_t applied = 0, restart;

    owner_init(&tmp);
    if (owner_conf_load(&fresh, a->config, err, sizeof(err)) != ZTO_OK) {
        log_err("reload: %s; keeping the running configuration", err);
        return;
    }
    if (zto_daemon_admin_opts(&fresh.admin, &fresh.srv, a->admin, false, &ao,
                              err, sizeof(err)) != ZTO_OK ||
        owner_conf_apply(&fresh, &tmp, err, sizeof(err)) != ZTO_OK) {
        owner_free(&tmp);
        owner_conf_free(&fresh);
        log_err("reload: %s; keeping the running configuration", err);
        return;
    }
    restart = owner_conf_reload(s->conf, &fresh, zto_daemon_needs_restart,
                                NULL, &applied);
    owner_take_settings(s->o, &tmp);
    owner_free(&tmp);
    zto_daemon_reloaded(a->log_level, s->conf->log_level.v, s->adm, &ao,
                        "configuration", applied, restart);
}

static void
handler(void *ctx, const struct zto_srv_req *req, struct zto_srv_resp *resp)
{
    struct served *s = ctx;
    zto_err_t r;

    r = owner_handle(s->o, req->msg_type, req->body, req->len, req->token,
                     resp->body, resp->cap, &resp->len, &resp->msg_type,
                     resp->token, sizeof(resp->token));
    if (r == ZTO_OK) {
        resp->end_session = resp->msg_type == ZTO_MSG_TO2_DONE2;
        return;
    }
    resp->end_session = true;
    resp->token[0] = '\0';
    if (req->msg_type != ZTO_MSG_ERROR && resp->len == 0 &&
        zto_srv_error(resp, r, req->msg_type, zto_strerror(r)) != ZTO_OK)
        resp->len = 0;
}

static void
on_purge(evutil_socket_t fd, short what, void *arg)
{
    struct served *s = arg;
    int n = 0;

    (void)fd;
    (void)what;
    if (zto_db_session_purge(s->o->db, owner_now(s->o), &n) == ZTO_OK && n > 0)
        log_debug("purged %d idle TO2 session(s)", n);
}

/* The owner's TO2 addresses: configured, or the concrete listeners. */
static void
to2_addresses(const struct owner_conf *c, struct zto_srv *srv,
              struct zto_rvto2addr *addr, char *hosts, size_t hcap)
{
    char text[4096], url[512], why[256];
    size_t i, n = 0;

    if (c->to2_addresses.set) {
        if (owner_rvto2addr_parse(c->to2_addresses.v, addr, hosts, hcap, why,
                                  sizeof(why)) != ZTO_OK)
            errx1("to2_addresses: %s", why);
        return;
    }
    text[0] = '\0';
    for (i = 0; i < zto_srv_bound_count(srv); i++) {
        const struct zto_listen *l = zto_srv_bound(srv, i);
        if (l->host[0] == '\0' || strcmp(l->host, "::") == 0 ||
            strcmp(l->host, "0.0.0.0") == 0 || strcmp(l->host, "*") == 0)
            continue;
        if (zto_listen_format(l, url, sizeof(url)) != ZTO_OK ||
            n + strlen(url) + 2 > sizeof(text))
            continue;
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s ", url);
    }
    if (n == 0 || owner_rvto2addr_parse(text, addr, hosts, hcap, why,
                                        sizeof(why)) != ZTO_OK)
        errx1("set to2_addresses: the listeners do not say where devices "
              "reach this owner");
}

static int
cmd_serve(const struct args *a)
{
    struct owner_conf c;
    struct owner o;
    struct served s;
    struct zto_srv_opts so;
    struct zto_rvto2addr addr;
    struct owner_to0 *to0 = NULL;
    struct owner_to0_cfg tc;
    char hosts[ZTO_MAX_RVTO2_ENTRIES * ZTO_HOST_MAX];
    struct timeval every = {60, 0};
    struct zto_admin_opts ao;
    struct zto_admin *adm = NULL;
    struct owner_api api;
    struct owner_hook *hook = NULL;
    char err[512] = "";
    zto_err_t r;

    setup(a, &c, &o, true);
    if (zto_daemon_admin_opts(&c.admin, &c.srv, a->admin, true, &ao, err,
                              sizeof(err)) != ZTO_OK)
        errx1("%s", err);
    if (a->print) {
        owner_conf_print(&c, stdout);
        teardown(&c, &o);
        return 0;
    }
    if (a->check) {
        printf("%s: configuration OK (%zu owner key%s)\n", a->config, o.nkeys,
               o.nkeys == 1 ? "" : "s");
        teardown(&c, &o);
        return 0;
    }
    memset(&s, 0, sizeof(s));
    s.o = &o;
    s.args = a;
    s.conf = &c;
    memset(&so, 0, sizeof(so));
    zto_srv_conf_apply(&c.srv, &so);
    so.handler = handler;
    so.handler_ctx = &s;
    so.reload = on_reload;
    so.reload_ctx = &s;
    if ((r = zto_srv_new(&so, &s.srv)) != ZTO_OK)
        errx1("cannot listen: %s", zto_strerror(r));
    s.purge =
        event_new(zto_srv_event_base(s.srv), -1, EV_PERSIST, on_purge, &s);
    if (s.purge == NULL || event_add(s.purge, &every) != 0)
        errx1("cannot arm the session purge timer");
    if (c.onboarded_hook.set) {
        struct owner_hook_conf hc;
        memset(&hc, 0, sizeof(hc));
        hc.path = c.onboarded_hook.v;
        hc.timeout_s = (unsigned)c.onboarded_hook_timeout.v;
        hc.retries = (unsigned)c.onboarded_hook_retries.v;
        hc.backoff_s = 5;
#ifdef ZTO_TEST_HOOKS
        /* Tests: a short first wait between retries. */
        if (getenv("ZTO_TEST_HOOK_BACKOFF") != NULL)
            hc.backoff_s = (unsigned)strtoul(getenv("ZTO_TEST_HOOK_BACKOFF"),
                                             NULL, 10);
#endif
        if ((r = owner_hook_start(zto_srv_event_base(s.srv), &o, &hc,
                                  &hook)) != ZTO_OK)
            errx1("cannot start onboarded_hook: %s", zto_strerror(r));
    }
    if (c.to0.v) {
        to2_addresses(&c, s.srv, &addr, hosts, sizeof(hosts));
        memset(&tc, 0, sizeof(tc));
        tc.db_path = c.db.v;
        tc.db_sync = c.db_sync.v;
        tc.addr = &addr;
        tc.wait_seconds = (uint32_t)c.to0_wait.v;
        tc.renew_percent = (unsigned)c.to0_renew.v;
        tc.retry_first_s = (uint32_t)c.to0_retry_first.v;
        tc.retry_max_s = (uint32_t)c.to0_retry_max.v;
        tc.poll_s = (unsigned)c.to0_poll.v;
        tc.insecure = c.insecure.v;
        tc.ca_file = c.transport_ca.set ? c.transport_ca.v : NULL;
        if ((r = owner_to0_start(&o, &tc, &to0)) != ZTO_OK)
            errx1("cannot start TO0: %s", zto_strerror(r));
    }
    memset(&api, 0, sizeof(api));
    api.o = &o;
    api.to0_enabled = c.to0.v;
    api.to0_poll_s = (unsigned)c.to0_poll.v;
    if ((r = zto_daemon_admin_start(s.srv, &ao, "owner", owner_api_db_check,
                                    &api, &adm)) != ZTO_OK ||
        (adm != NULL && (r = owner_api_add_routes(adm, &api)) != ZTO_OK))
        errx1("cannot start the admin API: %s", zto_strerror(r));
    s.adm = adm;
    zto_daemon_announce(s.srv, adm);
    log_info("serving TO2 with %zu owner key(s)%s", o.nkeys,
             c.to0.v ? ", TO0 client running" : "");
    r = zto_srv_run(s.srv);
    owner_hook_stop(hook);
    zto_admin_free(adm);
    if (!owner_to0_stop(to0, TO0_STOP_WAIT_MS)) {
        /* The TO0 thread still holds the owner keys: end the process
         * without freeing them. Every protocol state is in the database
         * already (sessions, registrations). */
        event_free(s.purge);
        zto_srv_free(s.srv);
        zto_db_close(o.db);
        log_info("stopped");
        fflush(stdout);
        fflush(stderr);
        _exit(r == ZTO_OK ? 0 : 1);
    }
    event_free(s.purge);
    zto_srv_free(s.srv);
    teardown(&c, &o);
    coap_cleanup();
    if (r != ZTO_OK) {
        log_err_r(r, "stopped");
        return 1;
    }
    log_info("stopped");
    return 0;
}

/* ---- import / list / export / plan / group ---- */

static void
print_line(void *ctx, const char *line)
{
    (void)ctx;
    printf("%s\n", line);
}

static int
cmd_import(const struct args *a)
{
    struct owner_conf c;
    struct owner o;
    struct owner_import_stats st;
    int rc = 0;

    if (a->npos == 0)
        errx1("import: name at least one FILE or DIR");
    setup(a, &c, &o, true);
    memset(&st, 0, sizeof(st));
    if (owner_import_paths(&o, (const char *const *)a->pos, a->npos, &st,
                           print_line, NULL) != ZTO_OK)
        rc = 1;
    printf("%u imported, %u already present, %u failed\n", st.ok, st.duplicate,
           st.failed);
    teardown(&c, &o);
    return rc != 0 || st.failed > 0 || st.duplicate > 0 ? 1 : 0;
}

static int
cmd_list(const struct args *a)
{
    struct owner_conf c;
    struct owner o;
    zto_err_t r;

    setup(a, &c, &o, true);
    r = owner_list(&o, stdout);
    teardown(&c, &o);
    if (r != ZTO_OK)
        errx1("list: %s", zto_strerror(r));
    return 0;
}

static char *
read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL)
        errx1("%s: cannot open", path);
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > 1 << 20 ||
        fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
        fread(buf, 1, (size_t)n, f) != (size_t)n)
        errx1("%s: cannot read", path);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int
cmd_export(const struct args *a)
{
    struct owner_conf c;
    struct owner o;
    struct zto_guid g;
    char *key = NULL, why[512];
    size_t klen = 0;
    zto_err_t r;

    guid_arg(a->guid, &g);
    if (a->out == NULL)
        errx1("export: -o OUT is required (- for stdout)");
    if (a->extend_to != NULL)
        key = read_text(a->extend_to, &klen);
    setup(a, &c, &o, true);
    r = owner_export(&o, &g, key, klen, a->out, why, sizeof(why));
    teardown(&c, &o);
    free(key);
    if (r != ZTO_OK)
        errx1("export: %s", why[0] != '\0' ? why : zto_strerror(r));
    if (strcmp(a->out, "-") != 0)
        fprintf(stderr, "%s: voucher %s written to %s\n", PROG,
                a->extend_to != NULL ? "extended and" : "", a->out);
    return 0;
}

/* Parameters of "plan add KIND ..." from the words after KIND; NULL
 * when they do not fit the kind. vals holds generated keys. */
#define PLAN_KV_MAX (2 * (MAX_ARGS + 8))
static const char *
plan_params(const struct args *a, const char *kind, const char **kv, size_t *np,
            char (*keys)[8])
{
    size_t n = 0, i;
    bool cmd = strcmp(kind, "command") == 0;

    if (!cmd &&
        (a->may_fail || a->want_stdout || a->want_stderr || a->timeout != NULL))
        return "--may-fail, --stdout, --stderr and --timeout go with "
               "command";
    if (strcmp(kind, "wget") != 0 && (a->sha384 != NULL || a->length != NULL))
        return "--sha384 and --length go with wget";
    if (strcmp(kind, "download") == 0) {
        if (a->npos != 4)
            return "download SRC NAME";
        kv[n++] = "src";
        kv[n++] = a->pos[2];
        kv[n++] = "name";
        kv[n++] = a->pos[3];
    } else if (cmd) {
        if (a->npos < 3)
            return "command [--] PROGRAM [ARG...]";
        if (a->npos - 3 > 32)
            return "command: at most 32 arguments";
        kv[n++] = "command";
        kv[n++] = a->pos[2];
        for (i = 3; i < a->npos; i++) {
            snprintf(keys[i - 3], sizeof(keys[0]), "arg%zu", i - 2);
            kv[n++] = keys[i - 3];
            kv[n++] = a->pos[i];
        }
        kv[n++] = "may_fail";
        kv[n++] = a->may_fail ? "yes" : "no";
        kv[n++] = "return_stdout";
        kv[n++] = a->want_stdout ? "yes" : "no";
        kv[n++] = "return_stderr";
        kv[n++] = a->want_stderr ? "yes" : "no";
        if (a->timeout != NULL) {
            kv[n++] = "timeout";
            kv[n++] = a->timeout;
        }
    } else if (strcmp(kind, "upload") == 0) {
        if (a->npos != 3 && a->npos != 4)
            return "upload NAME [DEST]";
        kv[n++] = "name";
        kv[n++] = a->pos[2];
        if (a->npos == 4) {
            kv[n++] = "dest";
            kv[n++] = a->pos[3];
        }
    } else if (strcmp(kind, "wget") == 0) {
        if (a->npos != 4)
            return "[--sha384 HEX] [--length N] wget URL NAME";
        kv[n++] = "url";
        kv[n++] = a->pos[2];
        kv[n++] = "name";
        kv[n++] = a->pos[3];
        if (a->sha384 != NULL) {
            kv[n++] = "sha384";
            kv[n++] = a->sha384;
        }
        if (a->length != NULL) {
            kv[n++] = "length";
            kv[n++] = a->length;
        }
    } else if (strcmp(kind, "csr") == 0) {
        /* csr [KEY=VALUE...]: days, subject, keygen, cert, key. */
        for (i = 2; i < a->npos; i++) {
            const char *eq = strchr(a->pos[i], '=');
            size_t kl = eq != NULL ? (size_t)(eq - a->pos[i]) : 0;
            if (kl == 0 || kl >= sizeof(keys[0]))
                return "csr [days=N] [subject=guid|csr] [keygen=yes|no] "
                       "[cert=FILE key=FILE]";
            memcpy(keys[i - 2], a->pos[i], kl);
            keys[i - 2][kl] = '\0';
            kv[n++] = keys[i - 2];
            kv[n++] = eq + 1;
        }
    }
    /* Unknown kinds: owner_plan_add() names the known ones. */
    *np = n / 2;
    return NULL;
}

static int
cmd_plan(const struct args *a)
{
    struct owner_conf c;
    struct owner o;
    char why[512], target[33];
    const char *scope, *tgt = "";
    int64_t id = 0;
    zto_err_t r = ZTO_OK;

    if (a->npos == 0)
        errx1("plan: add, list or del");
    setup(a, &c, &o, true);
    if (strcmp(a->pos[0], "list") == 0) {
        r = owner_plan_list(&o, stdout);
    } else if (strcmp(a->pos[0], "del") == 0 && a->npos == 2) {
        r = zto_db_owner_plan_del(o.db, strtoll(a->pos[1], NULL, 10));
        if (r == ZTO_E_NOT_FOUND)
            errx1("plan del: no step %s", a->pos[1]);
    } else if (strcmp(a->pos[0], "add") == 0 && a->npos >= 2) {
        const char *kv[PLAN_KV_MAX], *bad;
        char keys[MAX_ARGS][8];
        size_t np = 0;
        if ((bad = plan_params(a, a->pos[1], kv, &np, keys)) != NULL)
            errx1("plan add: %s", bad);
        if (a->guid != NULL) {
            struct zto_guid g;
            guid_arg(a->guid, &g);
            owner_guid_hex(&g, target);
            scope = "guid";
            tgt = target;
        } else if (a->group != NULL) {
            scope = "group";
            tgt = a->group;
        } else if (a->all) {
            scope = "all";
        } else {
            errx1("plan add: say --all, --group NAME or --guid GUID");
        }
        r = owner_plan_add(&o, scope, tgt, a->pos[1], kv, np, a->optional,
                           &id, why, sizeof(why));
        if (r != ZTO_OK)
            errx1("plan add: %s", why);
        printf("step %lld added\n", (long long)id);
    } else {
        errx1("plan: add (--all|--group N|--guid G) [--optional] KIND ... "
              "| list | del ID (see --help)");
    }
    teardown(&c, &o);
    if (r != ZTO_OK)
        errx1("plan: %s", zto_strerror(r));
    return 0;
}

static int
cmd_group(const struct args *a)
{
    struct owner_conf c;
    struct owner o;
    struct zto_guid g;
    zto_err_t r;

    guid_arg(a->guid, &g);
    if (a->npos != 1)
        errx1("group: --guid G NAME");
    setup(a, &c, &o, true);
    r = zto_db_owner_ov_set_group(o.db, &g, a->pos[0]);
    teardown(&c, &o);
    if (r != ZTO_OK)
        errx1("group: %s", r == ZTO_E_NOT_FOUND ? "no voucher with this GUID"
                                                : zto_strerror(r));
    return 0;
}

static int
cmd_certs(const struct args *a)
{
    struct owner_conf c;
    struct owner o;
    struct zto_guid g;
    zto_err_t r;

    if (a->guid != NULL)
        guid_arg(a->guid, &g);
    setup(a, &c, &o, true);
    r = owner_certs_list(&o, a->guid != NULL ? &g : NULL, stdout);
    teardown(&c, &o);
    if (r != ZTO_OK)
        errx1("certs: %s", zto_strerror(r));
    return 0;
}

static int
cmd_hash_token(const struct args *a)
{
    return zto_admin_hash_token_cmd(stdin, stdout, stderr, a->generate);
}

struct cmd {
    const char *name;
    int (*run)(const struct args *a);
};

static const struct cmd cmds[] = {
    {"serve", cmd_serve},   {"import", cmd_import}, {"list", cmd_list},
    {"export", cmd_export}, {"plan", cmd_plan},     {"group", cmd_group},
    {"hash-token", cmd_hash_token},
    {"certs", cmd_certs},
};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " serve  --config F [--log-level L] "
            "[--check-config|-t] [--print-config|-T] [--admin HOST:PORT]\n"
            "       " PROG " import --config F FILE|DIR...\n"
            "       " PROG " list   --config F\n"
            "       " PROG " export --config F --guid G [--extend-to PEM] "
            "-o OUT\n"
            "       " PROG " plan   --config F add (--all|--group N|--guid G)"
            " [--optional] STEP\n"
            "         STEP: download SRC NAME        (owner file SRC -> device "
            "NAME)\n"
            "               [--may-fail] [--stdout] [--stderr] [--timeout S]\n"
            "               command [--] PROGRAM [ARG...]   (run on the "
            "device, no shell)\n"
            "               upload NAME [DEST]       (device file NAME -> "
            "svi_upload_dir/GUID/DEST)\n"
            "               csr [days=N] [subject=guid|csr] [keygen=yes|no]\n"
            "                   [cert=FILE key=FILE]  (fdo.csr: operational "
            "certificate)\n"
            "               [--sha384 HEX] [--length N] wget URL NAME\n"
            "                                        (the device fetches URL "
            "into NAME)\n"
            "       " PROG " plan   --config F list | del ID\n"
            "       " PROG " group  --config F --guid G NAME\n"
            "       " PROG " certs  --config F [--guid G]   (certificates "
            "fdo.csr delivered)\n"
            "       " PROG " hash-token [--generate]   (admin API token on "
            "standard input)\n");
}

static void
bad_usage(const char *what, const char *arg)
{
    if (what != NULL)
        fprintf(stderr, PROG ": %s '%s'\n", what, arg);
    usage(stderr);
    exit(2);
}

/* -h / --help: the manual in short (docs/man/fdo-owner.1). */
static void
help(void)
{
    usage(stdout);
    fputs(
        "\n"
        "The FDO 1.1 owner: imports the vouchers it bought, registers them\n"
        "at their rendezvous servers (TO0) and onboards the devices (TO2,\n"
        "ServiceInfo) over HTTP and CoAP.\n"
        "\n"
        "Commands:\n"
        "  serve       answer TO2 and run the TO0 thread (the default)\n"
        "  import      verify vouchers (PEM or CBOR files, directories)\n"
        "              and store them; non-zero if any was refused\n"
        "  list        vouchers, their state and their registrations\n"
        "  export      a voucher as PEM (- for stdout), extended to the\n"
        "              next owner's key with --extend-to (resale)\n"
        "  plan        the ServiceInfo plan: add a step (download,\n"
        "              command, upload, csr or wget) for all devices, a\n"
        "              group or one device; list; delete\n"
        "  group       put a device in a ServiceInfo group\n"
        "  certs       the certificates csr steps issued or delivered\n"
        "  hash-token  the admin_token_sha256 line of a token read on\n"
        "              standard input, or of a new one (--generate)\n"
        "\n"
        "Options:\n"
        "  -c, --config F        configuration file\n"
        "                        (deploy/owner.conf.example)\n"
        "  --log-level L         err, warn, info or debug (overrides the\n"
        "                        file)\n"
        "  -t, --check-config    check the configuration and keys, exit\n"
        "  -T, --print-config    print the effective configuration, exit\n"
        "  --admin HOST:PORT     serve: an admin API listener (also\n"
        "                        https://)\n"
        "  --guid G              the device (32 hex digits)\n"
        "  --extend-to PEM       export: the next owner's public key\n"
        "  -o, --out OUT         export: where to write (- for stdout;\n"
        "                        --output too)\n"
        "  --all, --group N      plan add: every device, or a group\n"
        "  --optional            plan add: skip the step when the device\n"
        "                        lacks the module\n"
        "  --may-fail            plan add command: a non-zero exit code\n"
        "                        does not fail TO2\n"
        "  --stdout, --stderr    plan add command: the device sends the\n"
        "                        program's output back (logged)\n"
        "  --timeout S           plan add command: have the device kill\n"
        "                        the program after S seconds (0: never)\n"
        "  --sha384 HEX          plan add wget: the file's SHA-384 (96 hex\n"
        "                        digits), checked by the device\n"
        "  --length N            plan add wget: the file's size in bytes\n"
        "  --generate            hash-token: make a random token\n"
        "  -h, --help            this text\n"
        "\n"
        "serve prints \"listening on URL\" per listener and \"ready\" on\n"
        "stdout. SIGHUP reads the configuration again, SIGTERM and SIGINT\n"
        "stop. Exit status: 0 success, 1 failure, 2 usage error. See\n"
        "fdo-owner(1), docs/owner.md and docs/deploy.md.\n",
        stdout);
}

int
main(int argc, char **argv)
{
    struct args a;
    const struct cmd *cmd = &cmds[0];
    size_t i;
    int k = 1;

    memset(&a, 0, sizeof(a));
    if (argc > 1 && argv[1][0] != '-') {
        for (i = 0, cmd = NULL; i < sizeof(cmds) / sizeof(cmds[0]); i++)
            if (strcmp(argv[1], cmds[i].name) == 0)
                cmd = &cmds[i];
        if (cmd == NULL) {
            if (strcmp(argv[1], "help") == 0) {
                help();
                return 0;
            }
            bad_usage("unknown command", argv[1]);
        }
        k = 2;
    }
    for (; k < argc; k++) {
        const char *o = argv[k];
        const char *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (strcmp(o, "--") == 0) {
            /* The rest are words (a command's own options). */
            while (++k < argc)
                if (a.npos < MAX_ARGS)
                    a.pos[a.npos++] = argv[k];
                else
                    errx1("too many arguments");
            break;
        }
#define VAL(field)                                                             \
    do {                                                                       \
        if (v == NULL)                                                         \
            bad_usage("a value is needed after", o);                           \
        a.field = v;                                                           \
        k++;                                                                   \
    } while (0)
        if (strcmp(o, "--config") == 0 || strcmp(o, "-c") == 0)
            VAL(config);
        else if (strcmp(o, "--log-level") == 0)
            VAL(log_level);
        else if (strcmp(o, "--guid") == 0)
            VAL(guid);
        else if (strcmp(o, "--extend-to") == 0)
            VAL(extend_to);
        else if (strcmp(o, "-o") == 0 || strcmp(o, "--out") == 0 ||
                 strcmp(o, "--output") == 0)
            VAL(out);
        else if (strcmp(o, "--group") == 0)
            VAL(group);
        else if (strcmp(o, "--admin") == 0)
            VAL(admin);
        else if (strcmp(o, "--generate") == 0)
            a.generate = true;
        else if (strcmp(o, "--all") == 0)
            a.all = true;
        else if (strcmp(o, "--optional") == 0)
            a.optional = true;
        else if (strcmp(o, "--may-fail") == 0)
            a.may_fail = true;
        else if (strcmp(o, "--stdout") == 0)
            a.want_stdout = true;
        else if (strcmp(o, "--stderr") == 0)
            a.want_stderr = true;
        else if (strcmp(o, "--timeout") == 0)
            VAL(timeout);
        else if (strcmp(o, "--sha384") == 0)
            VAL(sha384);
        else if (strcmp(o, "--length") == 0)
            VAL(length);
        else if (strcmp(o, "--check-config") == 0 || strcmp(o, "-t") == 0)
            a.check = true;
        else if (strcmp(o, "--print-config") == 0 || strcmp(o, "-T") == 0)
            a.print = true;
        else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            help();
            return 0;
        } else if (o[0] == '-' && o[1] != '\0')
            bad_usage("unknown option", o);
        else if (a.npos < MAX_ARGS)
            a.pos[a.npos++] = o;
        else
            errx1("too many arguments");
#undef VAL
    }
    return cmd->run(&a);
}
