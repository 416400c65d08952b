/*
 * servers.c - fdo-bench's servers: a temporary directory with keys
 * (scripts/gen-pki), configuration files and SQLite files, the three
 * daemons on loopback with kernel-chosen ports, and their admin APIs
 * (voucher export and upload, /metrics).
 *
 * Every server is killed on every way out: normal exit (atexit),
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT (the handler kills them, the watchdog
 * thread then removes the directory and exits), the overall timeout (the
 * watchdog thread), and the death of this process (PR_SET_PDEATHSIG, set
 * by proc_start()).
 */
#define HC_TIMEOUT_MS 120000 /* an upload of many vouchers under ASan */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hclient.h"

#include "bench.h"
#include "zto/zto_crypto.h"
#include "zto/zto_util.h"
#include "zto/zto_voucher.h"

#define TOKEN "fdo-bench-admin-token-0123456789abcdef"
#define BATCH 100

/* ---- guard: kill the servers on any exit ---- */

#define GUARD_MAX 16
static volatile pid_t guard_pid[GUARD_MAX];
static char guard_dir[256];
static unsigned guard_timeout;
static int guard_pipe[2] = {-1, -1};

static void
guard_kill_all(void)
{
    size_t i;

    for (i = 0; i < GUARD_MAX; i++)
        if (guard_pid[i] > 0)
            kill(guard_pid[i], SIGKILL);
}

/* Kill the servers at once (async-signal-safe), and let the watchdog
 * thread remove the directory and exit. */
static void
on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;

    guard_kill_all();
    if (write(guard_pipe[1], &b, 1) != 1)
        _exit(128 + sig);
}

static void *
watchdog(void *arg)
{
    struct pollfd pfd;
    unsigned char sig = 0;
    int rc;

    (void)arg;
    pfd.fd = guard_pipe[0];
    pfd.events = POLLIN;
    do
        rc = poll(&pfd, 1, guard_timeout > 0 ? (int)guard_timeout * 1000 : -1);
    while (rc < 0 && errno == EINTR);
    guard_kill_all();
    if (rc > 0 && read(guard_pipe[0], &sig, 1) == 1)
        fprintf(stderr, "fdo-bench: signal %d: servers killed\n", sig);
    else
        fprintf(stderr, "fdo-bench: overall timeout (%u s): servers killed\n",
                guard_timeout);
    if (guard_dir[0] != '\0')
        rm_tree(guard_dir);
    _exit(sig != 0 ? 128 + sig : 3);
}

static void
guard_atexit(void)
{
    guard_kill_all();
}

void
servers_guard_init(unsigned timeout_s)
{
    struct sigaction sa;
    pthread_t th;

    if (pipe(guard_pipe) != 0)
        die("pipe: %s", strerror(errno));
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    atexit(guard_atexit);
    guard_timeout = timeout_s;
    if (pthread_create(&th, NULL, watchdog, NULL) != 0)
        die("cannot start the watchdog thread");
    pthread_detach(th);
}

static void
guard_add(pid_t pid)
{
    size_t i;

    for (i = 0; i < GUARD_MAX; i++)
        if (guard_pid[i] <= 0) {
            guard_pid[i] = pid;
            return;
        }
}

static void
guard_del(pid_t pid)
{
    size_t i;

    for (i = 0; i < GUARD_MAX; i++)
        if (guard_pid[i] == pid)
            guard_pid[i] = 0;
}

/* ---- setup ---- */

static const char *const role_name[SRV_N] = {"rendezvous", "owner",
                                             "manufacturer"};

static int
copy_file(const char *from, const char *to)
{
    char *s = slurp(from);
    int rc;

    if (s == NULL)
        return -1;
    rc = write_file(to, s);
    free(s);
    return rc;
}

int
cell_setup(struct cell *c, const struct opts *o)
{
    char path[512], pki[300];
    const char *curve = c->key_type == ZTO_PK_SECP384R1 ? "p384" : "p256";
    const char *argv[5];

    snprintf(c->dir, sizeof(c->dir), "%s/fdo-bench-XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(c->dir) == NULL)
        return -1;
    snprintf(guard_dir, sizeof(guard_dir), "%s", c->dir);
    snprintf(pki, sizeof(pki), "%s/pki", c->dir);
    argv[0] = "/bin/sh";
    argv[1] = o->gen_pki;
    argv[2] = pki;
    argv[3] = curve;
    argv[4] = NULL;
    snprintf(path, sizeof(path), "%s/gen-pki.out", c->dir);
    if (run_cmd(argv, path) != 0) {
        fprintf(stderr, "fdo-bench: %s failed (see %s)\n", o->gen_pki, path);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/trust", c->dir);
    if (mkdir(path, 0700) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/trust/owner.pub.pem", c->dir);
    snprintf(c->owner_pub, sizeof(c->owner_pub), "%s/owner.pub.pem", pki);
    return copy_file(c->owner_pub, path);
}

static int
token_hash(char *hex, size_t cap)
{
    struct zto_hash_buf h;

    if (zto_hash(ZTO_HASH_SHA256, TOKEN, strlen(TOKEN), &h) != ZTO_OK ||
        zto_hex_encode(h.value, h.len, hex, cap) != ZTO_OK)
        return -1;
    return 0;
}

static int
start_one(struct cell *c, const struct opts *o, int role, const char *conf,
          const char *bin)
{
    struct server *s = &c->srv[role];
    struct proc p;
    char exe[512], cpath[512];
    const char *argv[8], *u;
    size_t n = 0;

    snprintf(cpath, sizeof(cpath), "%s/%s.conf", c->dir, role_name[role]);
    if (write_file(cpath, conf) != 0)
        return -1;
    snprintf(exe, sizeof(exe), "%s/%s", o->bin_dir, bin);
    snprintf(s->log, sizeof(s->log), "%s/%s.log", c->dir, role_name[role]);
    s->name = role_name[role];
    argv[n++] = exe;
    if (role != SRV_RV)
        argv[n++] = "serve";
    argv[n++] = "--config";
    argv[n++] = cpath;
    argv[n++] = "--log-level";
    argv[n++] = o->verbose ? "info" : "warn";
    argv[n] = NULL;
    if (proc_start(&p, argv, s->log) != 0) {
        char *log = slurp(s->log);
        fprintf(stderr, "fdo-bench: %s did not start:\n%s\n", exe,
                log != NULL ? log : "");
        free(log);
        if (p.pid > 0) {
            kill(p.pid, SIGKILL);
            waitpid(p.pid, NULL, 0);
        }
        return -1;
    }
    s->pid = p.pid;
    s->out = p.out;
    guard_add(p.pid);
    u = proc_url(&p, "listening on ");
    snprintf(s->url, sizeof(s->url), "%s", u != NULL ? u : "");
    u = proc_url(&p, "admin on ");
    snprintf(s->admin, sizeof(s->admin), "%s", u != NULL ? u : "");
    if (s->url[0] == '\0' || (role != SRV_RV && s->admin[0] == '\0')) {
        fprintf(stderr, "fdo-bench: %s printed no listener\n", exe);
        return -1;
    }
    return 0;
}

int
cell_start(struct cell *c, const struct opts *o)
{
    char conf[4096], hash[65], host[64];
    const char *proto = c->coap ? "coap" : "http";
    unsigned port = 0;
    int tls = 0;

    if (token_hash(hash, sizeof(hash)) != 0)
        return -1;
    snprintf(conf, sizeof(conf),
             "listen = %s://127.0.0.1:0\n"
             "db = %s/rv.db\n"
             "trusted_owner_keys = %s/trust\n"
             "trusted_manufacturer_keys = %s/pki/manufacturer.pub.pem\n"
             "trusted_device_ca = %s/pki/device-ca.crt.pem\n"
             "db_sync = %s\n",
             proto, c->dir, c->dir, c->dir, c->dir, o->db_sync ? "yes" : "no");
    if (start_one(c, o, SRV_RV, conf, "fdo-rendezvous") != 0)
        return -1;
    if (hc_parse_url(c->srv[SRV_RV].url, host, sizeof(host), &port, &tls) != 0)
        return -1;

    snprintf(conf, sizeof(conf),
             "listen = %s://127.0.0.1:0\n"
             "db = %s/owner.db\n"
             "owner_keys = %s/pki/owner.key.pem\n"
             "to0 = yes\n"
             "to0_poll = 1\n"
             "to0_wait_seconds = 3600\n"
             "to0_retry_first = 1\n"
             "admin = 127.0.0.1:0\n"
             "admin_token_sha256 = %s\n"
             "db_sync = %s\n",
             proto, c->dir, c->dir, hash, o->db_sync ? "yes" : "no");
    if (start_one(c, o, SRV_OWNER, conf, "fdo-owner") != 0)
        return -1;

    snprintf(conf, sizeof(conf),
             "listen = %s://127.0.0.1:0\n"
             "db = %s/mfg.db\n"
             "manufacturer_key = %s/pki/manufacturer.key.pem\n"
             "device_ca_key = %s/pki/device-ca.key.pem\n"
             "device_ca_chain = %s/pki/device-ca.crt.pem\n"
             "rv = ip=127.0.0.1,port=%u,protocol=%s\n"
             "admin = 127.0.0.1:0\n"
             "admin_token_sha256 = %s\n"
             "db_sync = %s\n",
             proto, c->dir, c->dir, c->dir, c->dir, port, proto, hash,
             o->db_sync ? "yes" : "no");
    return start_one(c, o, SRV_MFG, conf, "fdo-manufacturer");
}

bool
cell_stop(struct cell *c)
{
    bool ok = true;
    int i;

    for (i = SRV_N - 1; i >= 0; i--) {
        struct server *s = &c->srv[i];
        struct proc p;

        if (s->pid <= 0)
            continue;
        memset(&p, 0, sizeof(p));
        p.pid = s->pid;
        p.out = s->out;
        if (proc_stop(&p) != 0) {
            fprintf(stderr, "fdo-bench: %s did not exit cleanly (log: %s)\n",
                    s->name, s->log);
            ok = false;
        }
        guard_del(s->pid);
        s->pid = 0;
    }
    return ok;
}

void
cell_kill(struct cell *c)
{
    int i;

    for (i = 0; i < SRV_N; i++)
        if (c->srv[i].pid > 0) {
            kill(c->srv[i].pid, SIGKILL);
            waitpid(c->srv[i].pid, NULL, 0);
            guard_del(c->srv[i].pid);
            close(c->srv[i].out);
            c->srv[i].pid = 0;
        }
}

/* ---- admin API ---- */

static int
admin_req(struct cell *c, int role, const char *method, const char *path,
          const char *ctype, const char *body, size_t blen, struct hresp *r)
{
    char extra[256];

    snprintf(extra, sizeof(extra), "Authorization: Bearer " TOKEN "\r\n%s%s%s",
             ctype ? "Content-Type: " : "", ctype ? ctype : "",
             ctype ? "\r\n" : "");
    return hc_request(c->srv[role].admin, NULL, method, path, extra, body, blen,
                      r);
}

/* PEM text as a JSON string (escaped newlines). */
static size_t
json_str(const char *s, char *out, size_t cap)
{
    size_t n = 0;

    if (cap < 3)
        return 0;
    out[n++] = '"';
    for (; *s != '\0' && n + 4 < cap; s++) {
        if (*s == '\n') {
            out[n++] = '\\';
            out[n++] = 'n';
        } else if (*s != '\r') {
            out[n++] = *s;
        }
    }
    out[n++] = '"';
    out[n] = '\0';
    return n;
}

int
vouchers_move(struct cell *c, unsigned from, unsigned to, double *uploaded_at)
{
    char *pem = slurp(c->owner_pub), *body = NULL, key[2048];
    size_t cap = 256 + 40 * BATCH + 2048, n;
    struct hresp r;
    unsigned i, j;
    int rc = -1;

    memset(&r, 0, sizeof(r));
    if (pem == NULL || (body = malloc(cap)) == NULL)
        goto out;
    json_str(pem, key, sizeof(key));
    for (i = from; i < to; i = j) {
        char want[48];
        unsigned k = 0;

        n = (size_t)snprintf(body, cap, "{\"guids\": [");
        for (j = i; j < to && j < i + BATCH; j++) {
            char g[33];
            if (!c->dev[j].di_ok)
                continue;
            if (zto_hex_encode(c->dev[j].guid0.b, 16, g, sizeof(g)) != ZTO_OK)
                goto out;
            n += (size_t)snprintf(body + n, cap - n, "%s\"%s\"",
                                  k++ > 0 ? ", " : "", g);
        }
        if (k == 0)
            continue;
        n += (size_t)snprintf(body + n, cap - n, "], \"owner_key\": %s}", key);
        if (admin_req(c, SRV_MFG, "POST",
                      "/api/v1/manufacturer/vouchers/export",
                      "application/json", body, n, &r) != 0 ||
            r.status != 200) {
            fprintf(stderr, "fdo-bench: voucher export: HTTP %d %s\n", r.status,
                    r.body != NULL ? r.body : "");
            goto out;
        }
        {
            struct hresp u;
            if (admin_req(c, SRV_OWNER, "POST", "/api/v1/owner/vouchers",
                          "application/x-pem-file", r.body, r.len, &u) != 0 ||
                u.status != 200) {
                fprintf(stderr, "fdo-bench: voucher upload: HTTP %d %s\n",
                        u.status, u.body != NULL ? u.body : "");
                hresp_free(&u);
                goto out;
            }
            snprintf(want, sizeof(want), "\"imported\":%u", k);
            if (strstr(u.body, want) == NULL) {
                fprintf(stderr, "fdo-bench: voucher upload: %s\n", u.body);
                hresp_free(&u);
                goto out;
            }
            hresp_free(&u);
        }
        hresp_free(&r);
        for (k = i; k < j; k++)
            uploaded_at[k] = now_s();
    }
    rc = 0;
out:
    hresp_free(&r);
    free(body);
    free(pem);
    return rc;
}

double
metric(struct cell *c, int role, const char *name)
{
    struct hresp r;
    const char *p;
    size_t nl = strlen(name);
    double sum = -1;

    if (admin_req(c, role, "GET", "/metrics", NULL, NULL, 0, &r) != 0 ||
        r.status != 200) {
        hresp_free(&r);
        return -1;
    }
    for (p = r.body; p != NULL && *p != '\0';) {
        if (strncmp(p, name, nl) == 0 && (p[nl] == ' ' || p[nl] == '{')) {
            const char *v = strchr(p, ' ');
            if (p[nl] == '{') {
                const char *e = strchr(p, '}');
                v = e != NULL ? strchr(e, ' ') : NULL;
            }
            if (v != NULL)
                sum = (sum < 0 ? 0 : sum) + strtod(v, NULL);
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    hresp_free(&r);
    return sum;
}

int
voucher_sample(struct cell *c, uint8_t *buf, size_t cap, size_t *len)
{
    char path[128], g[33];
    struct hresp r;
    size_t pos = 0;
    unsigned i;
    int rc = -1;

    for (i = 0; i < c->n && !c->dev[i].di_ok; i++)
        ;
    if (i == c->n ||
        zto_hex_encode(c->dev[i].guid0.b, 16, g, sizeof(g)) != ZTO_OK)
        return -1;
    snprintf(path, sizeof(path), "/api/v1/manufacturer/vouchers/%s", g);
    if (admin_req(c, SRV_MFG, "GET", path, NULL, NULL, 0, &r) == 0 &&
        r.status == 200 &&
        zto_voucher_pem_decode(r.body, r.len, &pos, buf, cap, len) == ZTO_OK)
        rc = 0;
    hresp_free(&r);
    return rc;
}
