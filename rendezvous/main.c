/*
 * fdo-rendezvous - the rendezvous server (FDO 1.1 sections 4.2, 4.3):
 * owners register where their devices can find them (TO0), devices ask
 * (TO1). Over HTTP and CoAP, on the shared server runtime.
 *
 *   fdo-rendezvous --config FILE [--log-level L] [--check-config|-t]
 *                  [--print-config|-T] [--admin HOST:PORT]
 *   fdo-rendezvous hash-token [--generate]
 *
 * Prints one "listening on URL" line per listener, "admin on URL" per
 * admin API listener (docs/admin-api.md) and "ready" on stdout once every
 * listener is bound. SIGHUP reads the configuration file again and applies
 * what can change while running (log level, trust lists with the entries
 * added through the admin API, registration and session timing, admin
 * tokens); SIGTERM and SIGINT stop. See docs/rendezvous.md and
 * docs/deploy.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "rv_admin.h"
#include "rv_conf.h"
#include "zto_daemon.h"
#include "zto_rv.h"

#define PROG "fdo-rendezvous"

struct args {
    const char *config;
    const char *log_level;
    const char *admin;
    bool check, print;
};

struct rv {
    const struct args *args;
    struct rv_conf conf;
    struct zto_rv_policy policy;
    struct zto_db *db;
    struct zto_rv_cfg cfg;
    struct event *purge_ev;
    struct rv_admin admin;
    struct zto_admin_opts admin_opts;
    struct zto_admin *adm;
};

#define errx1(...) zto_daemon_die(PROG, __VA_ARGS__)

static void
describe_policy(const struct zto_rv_policy *p)
{
    if (p->allow_all)
        log_warn("trust policy: allow_all - any owner whose voucher "
                 "verifies may register");
    if (p->has_list[ZTO_RV_TRUST_OWNER])
        log_info("trust policy: %zu trusted owner key(s)",
                 zto_rv_policy_count(p, ZTO_RV_TRUST_OWNER));
    if (p->has_list[ZTO_RV_TRUST_MFG])
        log_info("trust policy: %zu trusted manufacturer key(s)",
                 zto_rv_policy_count(p, ZTO_RV_TRUST_MFG));
    if (p->has_list[ZTO_RV_TRUST_DEVICE_CA])
        log_info("trust policy: %zu trusted device CA certificate(s)",
                 zto_rv_policy_count(p, ZTO_RV_TRUST_DEVICE_CA));
    if ((p->has_list[ZTO_RV_TRUST_OWNER] && p->nowner == 0) ||
        (p->has_list[ZTO_RV_TRUST_MFG] && p->nmfg == 0) ||
        (p->has_list[ZTO_RV_TRUST_DEVICE_CA] && p->nroots == 0))
        log_warn("trust policy: a configured list is empty: every TO0 is "
                 "refused until it holds a key (then send SIGHUP)");
}

/* Configuration, trust policy, key-file checks. Exits on any failure. */
static void
load(struct rv *rv, const struct args *a)
{
    char err[512];

    if (a->config == NULL)
        errx1("--config FILE is required");
    if (rv_conf_load(&rv->conf, a->config, err, sizeof(err)) != ZTO_OK ||
        zto_daemon_log_apply(a->log_level, rv->conf.log_level.v,
                             rv->conf.log_target.v, err,
                             sizeof(err)) != ZTO_OK)
        errx1("%s", err);
    if (rv_conf_policy(&rv->conf, &rv->policy, err, sizeof(err)) != ZTO_OK)
        errx1("%s: %s", a->config, err);
    if (zto_daemon_admin_opts(&rv->conf.admin, &rv->conf.srv, a->admin, true,
                              &rv->admin_opts, err, sizeof(err)) != ZTO_OK)
        errx1("%s", err);
}

static void
handle(void *ctx, const struct zto_srv_req *req, struct zto_srv_resp *resp)
{
    struct rv *rv = ctx;
    struct zto_rv_req q;
    struct zto_rv_resp a;

    memset(&q, 0, sizeof(q));
    q.msg_type = req->msg_type;
    q.body = req->body;
    q.len = req->len;
    q.token = req->token;
    q.peer = req->peer;
    memset(&a, 0, sizeof(a));
    a.body = resp->body;
    a.cap = resp->cap;
    (void)zto_rv_handle(&rv->cfg, &q, &a);
    resp->msg_type = a.msg_type;
    resp->len = a.len;
    resp->end_session = a.end_session;
    memcpy(resp->token, a.token, sizeof(a.token));
    if (a.msg_type == ZTO_MSG_ERROR && a.len == 0 &&
        zto_srv_error(resp, ZTO_E_INTERNAL, req->msg_type, "internal error") !=
            ZTO_OK)
        resp->len = 0;
}

static void
purge(struct rv *rv)
{
    int regs = 0, sess = 0;
    zto_err_t r = zto_rv_purge(&rv->cfg, &regs, &sess);

    if (r != ZTO_OK)
        log_err_r(r, "purge of expired registrations failed");
    else if (regs > 0 || sess > 0)
        log_info("purged %d expired registration(s), %d session(s)", regs,
                 sess);
}

static void
on_purge(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    purge(arg);
}

/* SIGHUP: the configuration file is read again. Nothing changes unless
 * all of it is valid (trust lists included); then the reloadable options
 * take effect and the others are named as waiting for a restart. */
static void
on_reload(void *ctx)
{
    struct rv *rv = ctx;
    const struct args *a = rv->args;
    struct rv_conf fresh;
    struct zto_rv_policy p;
    struct zto_admin_opts ao;
    struct timeval tv;
    long long purge_was = rv->conf.purge_interval.v;
    size_t applied = 0, restart;
    char err[512];

    err[0] = '\0';
    zto_rv_policy_init(&p);
    if (rv_conf_load(&fresh, a->config, err, sizeof(err)) != ZTO_OK) {
        log_err("reload: %s; keeping the running configuration", err);
        return;
    }
    if (zto_daemon_admin_opts(&fresh.admin, &fresh.srv, a->admin, false, &ao,
                              err, sizeof(err)) != ZTO_OK ||
        rv_conf_policy(&fresh, &p, err, sizeof(err)) != ZTO_OK ||
        rv_admin_merge(&rv->admin, &p, err, sizeof(err)) != ZTO_OK) {
        zto_rv_policy_free(&p);
        rv_conf_free(&fresh);
        log_err("reload: %s; keeping the running configuration", err);
        return;
    }
    restart = rv_conf_reload(&rv->conf, &fresh, zto_daemon_needs_restart, NULL,
                             &applied);
    zto_rv_policy_free(&rv->policy);
    rv->policy = p;
    rv->cfg.max_wait = (uint32_t)rv->conf.max_wait.v;
    rv->cfg.session_ttl = (uint32_t)rv->conf.session_timeout.v;
    if (rv->conf.purge_interval.v != purge_was && rv->purge_ev != NULL) {
        tv.tv_sec = (time_t)rv->conf.purge_interval.v;
        tv.tv_usec = 0;
        if (event_add(rv->purge_ev, &tv) != 0)
            log_err("reload: cannot re-arm the purge timer");
    }
    zto_daemon_reloaded(a->log_level, rv->conf.log_level.v, rv->adm, &ao,
                        "configuration", applied, restart);
    describe_policy(&rv->policy);
}

static int
serve(const struct args *a)
{
    struct rv rv;
    struct zto_db_opts dbo;
    struct zto_srv_opts o;
    struct zto_srv *srv = NULL;
    struct zto_admin *adm = NULL;
    struct timeval tv;
    int stored = 0, live = 0;
    zto_err_t r;

    memset(&rv, 0, sizeof(rv));
    rv.args = a;
    zto_rv_policy_init(&rv.policy);
    zto_log_setup(PROG, ZTO_SRV_LOG_INFO, true);
    load(&rv, a);
    if (a->print)
        rv_conf_print(&rv.conf, stdout);
    if (a->check || a->print) {
        printf("%s: configuration OK\n", a->config);
        zto_rv_policy_free(&rv.policy);
        rv_conf_free(&rv.conf);
        return 0;
    }
    memset(&dbo, 0, sizeof(dbo));
    dbo.sync_full = rv.conf.db_sync.v;
    if ((r = zto_db_open(rv.conf.db.v, ZTO_DB_RENDEZVOUS, &dbo, &rv.db)) !=
        ZTO_OK)
        errx1("database %s: %s", rv.conf.db.v, zto_strerror(r));
    rv.cfg.db = rv.db;
    rv.cfg.policy = &rv.policy;
    rv.cfg.max_wait = (uint32_t)rv.conf.max_wait.v;
    rv.cfg.session_ttl = (uint32_t)rv.conf.session_timeout.v;
    rv.cfg.log = zto_daemon_log_line;
    rv.admin.conf = &rv.conf;
    rv.admin.db = rv.db;
    rv.admin.policy = &rv.policy;
    {
        char err[512] = "";
        if (rv_admin_merge(&rv.admin, &rv.policy, err, sizeof(err)) != ZTO_OK)
            errx1("%s", err);
    }
    describe_policy(&rv.policy);
    purge(&rv);
    if (zto_db_rv_count(rv.db, (int64_t)time(NULL), &stored, &live) == ZTO_OK)
        log_info("%d live registration(s); registrations granted for at most "
                 "%lld s",
                 live, rv.conf.max_wait.v);

    memset(&o, 0, sizeof(o));
    zto_srv_conf_apply(&rv.conf.srv, &o);
    o.handler = handle;
    o.handler_ctx = &rv;
    o.reload = on_reload;
    o.reload_ctx = &rv;
    if ((r = zto_srv_new(&o, &srv)) != ZTO_OK) {
        zto_db_close(rv.db);
        errx1("cannot start the listeners: %s", zto_strerror(r));
    }
    if ((r = zto_daemon_admin_start(srv, &rv.admin_opts, "rendezvous",
                                    rv_admin_db_check, &rv.admin, &adm)) !=
            ZTO_OK ||
        (adm != NULL && (r = rv_admin_add_routes(adm, &rv.admin)) != ZTO_OK))
        errx1("cannot start the admin API: %s", zto_strerror(r));
    rv.adm = adm;
    tv.tv_sec = (time_t)rv.conf.purge_interval.v;
    tv.tv_usec = 0;
    rv.purge_ev =
        event_new(zto_srv_event_base(srv), -1, EV_PERSIST, on_purge, &rv);
    if (rv.purge_ev == NULL || event_add(rv.purge_ev, &tv) != 0)
        errx1("cannot start the purge timer");
    zto_daemon_announce(srv, adm);
    r = zto_srv_run(srv);
    zto_admin_free(adm);
    event_free(rv.purge_ev);
    zto_srv_free(srv);
    zto_db_close(rv.db);
    zto_rv_policy_free(&rv.policy);
    rv_conf_free(&rv.conf);
    coap_cleanup();
    if (r != ZTO_OK)
        errx1("%s", zto_strerror(r));
    log_info("stopped");
    return 0;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: " PROG " --config FILE [--log-level err|warn|info|"
               "debug] [--check-config|-t] [--print-config|-T] "
               "[--admin HOST:PORT]\n"
               "       " PROG " hash-token [--generate]   (admin API token "
               "on standard input)\n");
}

/* -h / --help: the manual in short (docs/man/fdo-rendezvous.1). */
static void
help(void)
{
    usage(stdout);
    fputs(
        "\n"
        "The FDO 1.1 rendezvous server: owners register where their\n"
        "devices can find them (TO0), devices ask (TO1), over HTTP and\n"
        "CoAP. It refuses to start without a trust policy.\n"
        "\n"
        "Options:\n"
        "  -c, --config FILE     configuration file\n"
        "                        (deploy/rendezvous.conf.example)\n"
        "  --log-level L         err, warn, info or debug (overrides the\n"
        "                        file)\n"
        "  -t, --check-config    check the configuration and trust lists,\n"
        "                        then exit\n"
        "  -T, --print-config    print the effective configuration, exit\n"
        "  --admin HOST:PORT     an admin API listener (also https://)\n"
        "  -h, --help            this text\n"
        "\n"
        "Commands:\n"
        "  hash-token [--generate]  the admin_token_sha256 line of a token\n"
        "                        read on standard input, or of a new one\n"
        "\n"
        "It prints \"listening on URL\" per listener and \"ready\" on\n"
        "stdout. SIGHUP reads the configuration and trust lists again,\n"
        "SIGTERM and SIGINT stop. Exit status: 0 success, 1 failure, 2\n"
        "usage error. See fdo-rendezvous(1) and docs/rendezvous.md.\n",
        stdout);
}

int
main(int argc, char **argv)
{
    struct args a;
    int i;

    memset(&a, 0, sizeof(a));
    if (argc > 1 && strcmp(argv[1], "hash-token") == 0) {
        bool gen = false;
        for (i = 2; i < argc; i++) {
            if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
                help();
                return 0;
            }
            if (strcmp(argv[i], "--generate") != 0) {
                fprintf(stderr, PROG ": hash-token: unknown option '%s'\n",
                        argv[i]);
                usage(stderr);
                return 2;
            }
            gen = true;
        }
        return zto_admin_hash_token_cmd(stdin, stdout, stderr, gen);
    }
    for (i = 1; i < argc; i++) {
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
        } else if (strcmp(o, "--config") == 0 || strcmp(o, "-c") == 0) {
            dst = &a.config;
        } else if (strcmp(o, "--log-level") == 0) {
            dst = &a.log_level;
        } else if (strcmp(o, "--admin") == 0) {
            dst = &a.admin;
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
    return serve(&a);
}
