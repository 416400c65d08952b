/*
 * test_rv_e2e.c - fdo-rendezvous as a real process on loopback (ports
 * chosen by the kernel), over HTTP and CoAP, IPv4 and IPv6:
 *
 *  - TO0 with the owner's client library (zto_to0_run) over the POSIX
 *    HTTP and CoAP transports, go-fdo vectors P-256 and P-384;
 *  - TO1 by the device library (zto_device_to1: the device's credential,
 *    its RendezvousInfo walk, its TO1 step function), checking the to1d
 *    comes back byte for byte;
 *  - refusals across the wire: an owner outside the trust list (2), an
 *    unknown GUID (6);
 *  - the purge timer deleting an expired registration from the database
 *    file while the server runs;
 *  - start-up refusals (no trust policy, group-readable TLS key) and a
 *    clean exit on SIGTERM.
 *
 * Everything started is stopped; a server left behind by a crashed test
 * is killed with it (PR_SET_PDEATHSIG).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "zto/zto.h"
#include "zto/zto_db_rv.h"
#include "anyproto.h"
#include "zto/zto_device.h"
#include "zto_posix_transport.h"
#include "zto_to0.h"

#define MAX_URLS 8

struct proc {
    pid_t pid;
    int out, err;
    size_t n;
    char urls[MAX_URLS][1024];
    char errtext[2048];
};

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static char tmpdir[] = "/tmp/zto-rv-e2e-XXXXXX";

static void
path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmpdir, name);
}

static void
write_text(const char *name, const char *text, mode_t mode)
{
    char p[512];
    FILE *f;

    path_in(p, sizeof(p), name);
    f = fopen(p, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
    chmod(p, mode);
}

static void
copy_vec(const char *set, const char *file, const char *to)
{
    char p[512];
    size_t n;
    unsigned char *b;

    snprintf(p, sizeof(p), "%s/%s/%s", ZTO_VECTORS_DIR, set, file);
    b = test_read_file(p, &n);
    write_text(to, (const char *)b, 0644);
    free(b);
}

/* Read whatever the child wrote to fd (non-blocking) into buf. */
static void
drain(int fd, char *buf, size_t cap)
{
    size_t used = strlen(buf);
    ssize_t k;

    while (used + 1 < cap && (k = read(fd, buf + used, cap - 1 - used)) > 0)
        used += (size_t)k;
    buf[used] = '\0';
}

/* Start fdo-rendezvous with conf; 0 when "ready" came, -1 when it
 * exited (errtext holds its stderr) or did not start in 10 s. */
static int
start(struct proc *p, const char *conf)
{
    int o[2], e[2];
    char line[1024];
    size_t used = 0;
    uint64_t deadline;

    memset(p, 0, sizeof(*p));
    if (pipe(o) != 0 || pipe(e) != 0)
        abort();
    fflush(NULL);
    if ((p->pid = fork()) < 0)
        abort();
    if (p->pid == 0) {
        const char *lvl = getenv("ZTO_TEST_SRV_LOG");
        dup2(o[1], 1);
        dup2(e[1], 2);
        close(o[0]);
        close(e[0]);
        close(o[1]);
        close(e[1]);
        /* Never outlive the test. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execl(ZTO_FDO_RENDEZVOUS, ZTO_FDO_RENDEZVOUS, "--config", conf,
              "--log-level", lvl != NULL ? lvl : "warn", (char *)NULL);
        _exit(127);
    }
    close(o[1]);
    close(e[1]);
    p->out = o[0];
    p->err = e[0];
    fcntl(p->err, F_SETFL, O_NONBLOCK);
    deadline = now_ms() + 10000;
    for (;;) {
        struct pollfd pfd = {p->out, POLLIN, 0};
        uint64_t now = now_ms();
        char *nl;
        ssize_t k;

        if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) <= 0)
            break;
        k = read(p->out, line + used, sizeof(line) - 1 - used);
        if (k <= 0)
            break;
        used += (size_t)k;
        line[used] = '\0';
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = '\0';
            if (strcmp(line, "ready") == 0)
                return 0;
            if (strncmp(line, "listening on ", 13) == 0 && p->n < MAX_URLS)
                snprintf(p->urls[p->n++], sizeof(p->urls[0]), "%s", line + 13);
            used -= (size_t)(nl + 1 - line);
            memmove(line, nl + 1, used + 1);
        }
    }
    drain(p->err, p->errtext, sizeof(p->errtext));
    return -1;
}

/* SIGTERM; the exit status (-1 if it had to be killed). */
static int
stop(struct proc *p)
{
    uint64_t deadline = now_ms() + 5000;
    int st = 0, rc = -1;

    if (p->pid <= 0)
        return -1;
    kill(p->pid, SIGTERM);
    for (;;) {
        pid_t w = waitpid(p->pid, &st, WNOHANG);
        if (w == p->pid) {
            rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            break;
        }
        if (w < 0 || now_ms() > deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &st, 0);
            break;
        }
        usleep(10000);
    }
    drain(p->err, p->errtext, sizeof(p->errtext));
    close(p->out);
    close(p->err);
    p->pid = -1;
    return rc;
}

/* A process that must refuse to start: exit status and stderr. */
static int
run_refused(const char *conf, char *err, size_t cap)
{
    struct proc p;
    int st = 0;

    if (start(&p, conf) == 0) {
        stop(&p);
        return 0;
    }
    waitpid(p.pid, &st, 0);
    drain(p.err, p.errtext, sizeof(p.errtext));
    close(p.out);
    close(p.err);
    snprintf(err, cap, "%s", p.errtext);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
target_of(const struct proc *p, const char *prefix, struct zto_target *t)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        if (strncmp(p->urls[i], prefix, strlen(prefix)) == 0)
            return zto_target_parse(p->urls[i], t) == ZTO_OK ? 0 : -1;
    fprintf(stderr, "no listener %s\n", prefix);
    return -1;
}

/* ---- The two transports ---- */

struct net {
    struct zto_http_transport *http;
    struct zto_coap_transport *coap;
};

static void
net_ops(struct net *n, const struct zto_target *t,
        const struct zto_transport_ops **ops, void **ctx)
{
    if (t->protocol == ZTO_TPROT_COAP) {
        *ops = &zto_transport_coap_ops;
        *ctx = n->coap;
    } else {
        *ops = &zto_transport_http_ops;
        *ctx = n->http;
    }
}

/* ---- Vectors ---- */

struct set {
    const char *dir;
    unsigned char *ov1, *ov2;
    size_t ov1_len, ov2_len;
    struct zto_key owner1, owner2, device;
    struct zto_signer s_owner1, s_owner2, s_device;
    struct zto_guid guid;
};

static void
load_key(const char *set, const char *file, struct zto_key *k)
{
    char p[512];
    size_t n;
    unsigned char *b;

    snprintf(p, sizeof(p), "%s/%s/%s", ZTO_VECTORS_DIR, set, file);
    b = test_read_file(p, &n);
    zto_key_init(k);
    if (zto_key_from_pem((const char *)b, n, k) != ZTO_OK)
        abort();
    free(b);
}

static void
set_load(struct set *s, const char *dir)
{
    char p[512];
    size_t n, gl = 0;
    unsigned char *g;

    memset(s, 0, sizeof(*s));
    s->dir = dir;
    snprintf(p, sizeof(p), "%s/%s/voucher.cbor", ZTO_VECTORS_DIR, dir);
    s->ov1 = test_read_file(p, &s->ov1_len);
    snprintf(p, sizeof(p), "%s/%s/voucher-extended.cbor", ZTO_VECTORS_DIR, dir);
    s->ov2 = test_read_file(p, &s->ov2_len);
    load_key(dir, "owner1.key.pem", &s->owner1);
    load_key(dir, "owner2.key.pem", &s->owner2);
    load_key(dir, "device-key.pem", &s->device);
    zto_signer_from_key(&s->s_owner1, &s->owner1);
    zto_signer_from_key(&s->s_owner2, &s->owner2);
    zto_signer_from_key(&s->s_device, &s->device);
    snprintf(p, sizeof(p), "%s/%s/guid.hex", ZTO_VECTORS_DIR, dir);
    g = test_read_file(p, &n);
    if (zto_hex_decode((const char *)g, 32, s->guid.b, 16, &gl) != ZTO_OK)
        abort();
    free(g);
}

static void
set_free(struct set *s)
{
    zto_key_free(&s->owner1);
    zto_key_free(&s->owner2);
    zto_key_free(&s->device);
    free(s->ov1);
    free(s->ov2);
}

/* The owner's TO2 address written into to1d. */
static void
owner_addr(struct zto_rvto2addr *a, uint16_t port)
{
    memset(a, 0, sizeof(*a));
    a->n = 1;
    a->e[0].has_ip = true;
    a->e[0].ip_len = 16;
    a->e[0].ip[15] = 1;
    a->e[0].port = port;
    a->e[0].protocol = ZTO_TPROT_COAP;
}

/* A transport wrapper that keeps the last TO0.OwnerSign it carried, so
 * the to1d the server returns in TO1 can be compared byte for byte. */
struct rec {
    const struct zto_transport_ops *ops;
    void *ctx;
    uint8_t last22[8192];
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

    if (type == ZTO_MSG_TO0_OWNER_SIGN && len <= sizeof(r->last22)) {
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

static struct rec recorder;

static zto_err_t
to0(struct net *n, const struct zto_target *t, const unsigned char *ov,
    size_t ov_len, const struct zto_signer *owner,
    const struct zto_rvto2addr *addr, uint32_t wait, struct zto_to0_result *res)
{
    struct zto_to0_params p;
    zto_err_t r;

    memset(&p, 0, sizeof(p));
    p.voucher = ov;
    p.voucher_len = ov_len;
    p.owner = owner;
    p.addr = addr;
    p.wait_seconds = wait;
    net_ops(n, t, &recorder.ops, &recorder.ctx);
    recorder.last22_len = 0;
    r = zto_to0_run(&rec_ops, &recorder, t, &p, res);
    if (r != ZTO_OK)
        fprintf(stderr, "  TO0 to %s:%u: %s\n", t->host, (unsigned)t->port,
                res->detail);
    return r;
}

/* The to1d inside the last TO0.OwnerSign sent. */
static struct zto_bytes
sent_to1d(void)
{
    struct zto_msg_to0_owner_sign m;

    memset(&m, 0, sizeof(m));
    if (zto_msg_to0_owner_sign_decode(recorder.last22, recorder.last22_len,
                                      &m) != ZTO_OK)
        return ZTO_BYTES_NULL;
    return m.to1d;
}

/* ---- The device ---- */

struct devstore {
    uint8_t cred[4096];
    size_t len;
};

static zto_err_t
ds_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct devstore *d = ctx;

    (void)name;
    *len = d->len;
    if (d->len > cap)
        return ZTO_E_BUF_TOO_SMALL;
    memcpy(buf, d->cred, d->len);
    return ZTO_OK;
}

static zto_err_t
ds_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)name;
    (void)buf;
    (void)len;
    return ZTO_E_IO;
}

static const struct zto_storage_ops ds_ops = {ds_read, ds_write};

static uint64_t
dp_now(void *ctx)
{
    (void)ctx;
    return now_ms();
}

static void
dp_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    usleep(ms * 1000u);
}

static void
dp_log(void *ctx, int level, const char *file, int line, const char *msg)
{
    (void)ctx;
    (void)file;
    (void)line;
    if (getenv("ZTO_TEST_VERBOSE") != NULL)
        fprintf(stderr, "  [device %d] %s\n", level, msg);
}

static const struct zto_platform_ops dp_ops = {dp_now, dp_sleep, dp_log};

/* A RendezvousInfo directive pointing at t (an IP literal). */
static void
directive_for(const struct zto_target *t, struct zto_rv_directive *d)
{
    memset(d, 0, sizeof(*d));
    if (inet_pton(AF_INET, t->host, d->ip) == 1)
        d->ip_len = 4;
    else if (inet_pton(AF_INET6, t->host, d->ip) == 1)
        d->ip_len = 16;
    d->has_ip = d->ip_len > 0;
    d->has_protocol = true;
    d->protocol =
        t->protocol == ZTO_TPROT_COAP ? ZTO_RVPROT_COAP_UDP : ZTO_RVPROT_HTTP;
    d->has_dev_port = true;
    d->dev_port = t->port;
}

/*
 * TO1 as the device library runs it (zto_device_to1): the go-fdo
 * credential of the set, with GUID `guid` and a RendezvousInfo of two
 * directives - an owner-only one that must be skipped, then the
 * listener t - over a transport that picks HTTP or CoAP per target.
 */
static zto_err_t
device_to1(struct net *n, const struct zto_target *t, const struct set *s,
           const struct zto_guid *guid, uint8_t *to1d, size_t cap,
           size_t *to1d_len, unsigned *peer_code)
{
    struct zto_device_cred c;
    struct zto_rv_directive d[2];
    struct zto_cbor_enc e;
    struct devstore *ds = malloc(sizeof(*ds));
    struct zto_any_transport ap;
    struct zto_device_cfg cfg;
    struct zto_device dev;
    size_t rvn = 0, wl = 3 * ZTO_MAX_MSG_SIZE, len = 0;
    uint8_t *work = malloc(wl);
    const uint8_t *got;
    char p[512];
    unsigned char *blob;
    zto_err_t r;

    *peer_code = 0;
    snprintf(p, sizeof(p), "%s/%s/device-credential.bin", ZTO_VECTORS_DIR,
             s->dir);
    blob = test_read_file(p, &len);
    if (zto_cred_decode(blob, len, &c) != ZTO_OK)
        abort();
    free(blob);
    c.guid = *guid;
    directive_for(t, &d[1]);
    d[0] = d[1];
    d[0].owner_only = true;
    d[0].dev_port = 1;
    zto_cbor_enc_init(&e, c.rvinfo, sizeof(c.rvinfo));
    zto_rvinfo_enc(&e, d, 2);
    if (zto_cbor_enc_finish(&e, &rvn) != ZTO_OK)
        abort();
    c.rvinfo_len = rvn;
    if (zto_cred_encode(&c, ds->cred, sizeof(ds->cred), &ds->len) != ZTO_OK)
        abort();
    zto_cred_wipe(&c);

    memset(&ap, 0, sizeof(ap));
    ap.http = n->http;
    ap.coap = n->coap;
    memset(&cfg, 0, sizeof(cfg));
    cfg.transport = &zto_transport_any_ops;
    cfg.transport_ctx = &ap;
    cfg.storage = &ds_ops;
    cfg.storage_ctx = ds;
    cfg.platform = &dp_ops;
    cfg.max_passes = 1;
    zto_device_init(&dev);
    if ((r = zto_device_setup(&dev, &cfg, work, wl)) != ZTO_OK ||
        (r = zto_device_load(&dev)) != ZTO_OK)
        goto out;
    r = zto_device_to1(&dev);
    if (r == ZTO_E_PEER_ERROR)
        *peer_code = zto_device_last_result(&dev)->peer_error;
    if (r != ZTO_OK)
        goto out;
    got = zto_device_to1d(&dev, &len);
    if (got == NULL || len > cap) {
        r = ZTO_E_PROTO;
        goto out;
    }
    memcpy(to1d, got, len);
    *to1d_len = len;
out:
    zto_device_free(&dev);
    free(work);
    free(ds);
    return r;
}

/* TO0 then TO1 against one listener, for one vector set. */
static void
round_trip(struct net *n, const struct proc *p, const char *prefix,
           struct set *s, uint16_t port)
{
    struct zto_target t;
    struct zto_to0_result res;
    struct zto_rvto2addr addr;
    struct zto_to1d d;
    struct zto_bytes sent;
    uint8_t to1d[4096];
    size_t to1d_len = 0;
    unsigned code = 0;

    if (target_of(p, prefix, &t) != 0) {
        TEST_FAIL_("no %s listener", prefix);
        return;
    }
    owner_addr(&addr, port);
    ASSERT_OK(to0(n, &t, s->ov2, s->ov2_len, &s->s_owner2, &addr, 600, &res));
    ASSERT_EQ(res.granted, 600);
    sent = sent_to1d();
    ASSERT_OK(
        device_to1(n, &t, s, &s->guid, to1d, sizeof(to1d), &to1d_len, &code));
    /* What came back is the owner's to1d, byte for byte; it names the
     * address just registered and verifies with the owner key (as in
     * TO2). */
    ASSERT_EQ(to1d_len, sent.len);
    ASSERT_TRUE(sent.len > 0 && memcmp(to1d, sent.p, sent.len) == 0);
    ASSERT_OK(zto_to1d_decode(to1d, to1d_len, &d));
    ASSERT_EQ(d.addr.n, 1);
    ASSERT_EQ(d.addr.e[0].port, port);
    ASSERT_EQ(d.addr.e[0].protocol, ZTO_TPROT_COAP);
    ASSERT_OK(zto_cose_sign1_verify(&d.cose, &s->owner2));
    printf("ok: %s %s: TO0 granted %lu s, TO1 returned %zu-byte to1d\n", prefix,
           s->dir, (unsigned long)res.granted, to1d_len);
}

static void
test_refusals(struct net *n, const struct proc *p, struct set *s)
{
    struct zto_target t;
    struct zto_to0_result res;
    struct zto_rvto2addr addr;
    struct zto_guid unknown = s->guid;
    uint8_t to1d[4096];
    size_t len = 0;
    unsigned code = 0;

    owner_addr(&addr, 1);
    if (target_of(p, "http://127.0.0.1", &t) != 0)
        return;
    /* owner1 is not in trusted_owner_keys. */
    ASSERT_ERR(to0(n, &t, s->ov1, s->ov1_len, &s->s_owner1, &addr, 600, &res),
               ZTO_E_PEER_ERROR);
    ASSERT_EQ(res.peer_code, 2);
    ASSERT_TRUE(strstr(res.detail, "trust") != NULL);
    /* A GUID nobody registered. */
    unknown.b[0] ^= 0x55;
    if (target_of(p, "coap://[::1]", &t) != 0)
        return;
    ASSERT_ERR(device_to1(n, &t, s, &unknown, to1d, sizeof(to1d), &len, &code),
               ZTO_E_PEER_ERROR);
    ASSERT_EQ(code, 6);
    printf("ok: refusals across the wire (2 at TO0, 6 at TO1)\n");
}

/* rv_tool, the command-line TO0 driver: exit status and output for a
 * registration, a refusal and an unreachable server. */
static int
tool(const char *const *args, char *out, size_t cap)
{
    const char *argv[24];
    int fds[2], st = 0;
    size_t n = 0, used = 0;
    ssize_t k;
    pid_t pid;

    argv[n++] = ZTO_RV_TOOL;
    while (*args != NULL && n < 23)
        argv[n++] = *args++;
    argv[n] = NULL;
    if (pipe(fds) != 0)
        abort();
    fflush(NULL);
    if ((pid = fork()) == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    while (used + 1 < cap && (k = read(fds[0], out + used, cap - 1 - used)) > 0)
        used += (size_t)k;
    out[used] = '\0';
    close(fds[0]);
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_tool(const struct proc *p)
{
    char url[1100], ov2[512], ov1[512], k2[512], k1[512], out[512];
    struct zto_target t;

    if (target_of(p, "coap://127.0.0.1", &t) != 0 ||
        zto_target_url(&t, url, sizeof(url)) != ZTO_OK)
        return;
    snprintf(ov2, sizeof(ov2), "%s/p256/voucher-extended.pem", ZTO_VECTORS_DIR);
    snprintf(ov1, sizeof(ov1), "%s/p256/voucher.cbor", ZTO_VECTORS_DIR);
    snprintf(k2, sizeof(k2), "%s/p256/owner2.key.pem", ZTO_VECTORS_DIR);
    snprintf(k1, sizeof(k1), "%s/p256/owner1.key.pem", ZTO_VECTORS_DIR);
    {
        const char *a[] = {"to0",
                           "--rv",
                           url,
                           "--voucher",
                           ov2,
                           "--owner-key",
                           k2,
                           "--owner",
                           "http://owner.example:8042",
                           "--owner",
                           "coap://[::1]:5683",
                           "--wait",
                           "77",
                           NULL};
        ASSERT_EQ(tool(a, out, sizeof(out)), 0);
        ASSERT_TRUE(strncmp(out, "granted 77\nto1d ", 16) == 0);
    }
    {
        const char *a[] = {"to0",       "--rv",    url,
                           "--voucher", ov1,       "--owner-key",
                           k1,          "--owner", "http://127.0.0.1:8042",
                           NULL};
        ASSERT_EQ(tool(a, out, sizeof(out)), 3);
        ASSERT_TRUE(strncmp(out, "refused 2 INVALID_OWNERSHIP_VOUCHER", 35) ==
                    0);
    }
    {
        /* Port 1 on loopback: nobody there (connection refused). */
        const char *a[] = {"to0",       "--rv",    "http://127.0.0.1:1",
                           "--voucher", ov2,       "--owner-key",
                           k2,          "--owner", "http://127.0.0.1:8042",
                           NULL};
        ASSERT_EQ(tool(a, out, sizeof(out)), 4);
        ASSERT_TRUE(strncmp(out, "failed: message 20", 18) == 0);
    }
    printf("ok: rv_tool to0 (granted, refused, unreachable)\n");
}

/* A registration of 1 s is purged by the server's timer (1 s). */
static void
test_purge(struct net *n, const struct proc *p, struct set *s,
           const char *db_path)
{
    struct zto_target t;
    struct zto_to0_result res;
    struct zto_rvto2addr addr;
    struct zto_db *db = NULL;
    struct zto_db_opts o = {false, 2000};
    uint64_t deadline;
    int stored = -1, live = -1;

    owner_addr(&addr, 2);
    if (target_of(p, "http://[::1]", &t) != 0)
        return;
    ASSERT_OK(to0(n, &t, s->ov2, s->ov2_len, &s->s_owner2, &addr, 1, &res));
    ASSERT_EQ(res.granted, 1);
    ASSERT_OK(zto_db_open(db_path, ZTO_DB_RENDEZVOUS, &o, &db));
    if (db == NULL)
        return;
    deadline = now_ms() + 10000;
    do {
        usleep(200000);
        ASSERT_OK(zto_db_rv_count(db, (int64_t)time(NULL), &stored, &live));
        /* Only this set's GUID was registered for 1 s; the other set's
         * registration (600 s) stays. */
    } while (stored > 1 && now_ms() < deadline);
    ASSERT_EQ(stored, 1);
    zto_db_close(db);
    printf("ok: expired registration purged by the running server\n");
}

static void
test_startup_refusals(void)
{
    char conf[512], err[2048] = "";
    int rc;

    write_text("none.conf", "listen = http://127.0.0.1:0\ndb = none.db\n",
               0644);
    path_in(conf, sizeof(conf), "none.conf");
    rc = run_refused(conf, err, sizeof(err));
    ASSERT_EQ(rc, 1);
    ASSERT_TRUE(strstr(err, "no trust policy") != NULL);

    write_text("tls.key", "not really a key\n", 0644);
    write_text("tls.conf",
               "listen = http://127.0.0.1:0\ndb = tls.db\nallow_all = yes\n"
               "tls_cert = tls.key\ntls_key = tls.key\n",
               0644);
    path_in(conf, sizeof(conf), "tls.conf");
    err[0] = '\0';
    rc = run_refused(conf, err, sizeof(err));
    ASSERT_EQ(rc, 1);
    ASSERT_TRUE(strstr(err, "group/others") != NULL);
    printf("ok: start-up refusals\n");
}

/* deploy/rendezvous.conf.example with every commented setting switched
 * on parses: the only complaint left is the example's trust list path,
 * which does not exist here (parse errors would name file:line first). */
static void
test_example_config(void)
{
    char src[512], conf[512], err[2048] = "", *out;
    unsigned char *text;
    size_t n, used = 0, pos = 0;
    int rc;

    snprintf(src, sizeof(src), "%s/deploy/rendezvous.conf.example",
             ZTO_SOURCE_DIR);
    text = test_read_file(src, &n);
    out = malloc(n + 1);
    while (pos < n) {
        const char *line = (const char *)text + pos;
        const char *nl = memchr(line, '\n', n - pos);
        size_t len = nl != NULL ? (size_t)(nl - line) + 1 : n - pos, k = 1;

        pos += len;
        /* "#name = value": a setting, not prose. */
        while (line[0] == '#' && k < len &&
               ((line[k] >= 'a' && line[k] <= 'z') || line[k] == '_'))
            k++;
        if (line[0] == '#' && k > 1 && k + 3 <= len &&
            memcmp(line + k, " = ", 3) == 0 &&
            strncmp(line + 1, "listen", 6) != 0) {
            line++;
            len--;
        }
        memcpy(out + used, line, len);
        used += len;
    }
    out[used] = '\0';
    write_text("example.conf", out, 0644);
    path_in(conf, sizeof(conf), "example.conf");
    rc = run_refused(conf, err, sizeof(err));
    ASSERT_EQ(rc, 1);
    if (strstr(err, "trusted_owner_keys: /etc/zto/rv-trust/owners: does "
                    "not exist") == NULL)
        TEST_FAIL_("example config: %s", err);
    free(out);
    free(text);
    printf("ok: every setting of deploy/rendezvous.conf.example parses\n");
}

int
main(void)
{
    struct proc p;
    struct net n;
    struct set sets[2];
    char conf[512], db[512], owners[512];
    size_t i;

    TEST_START("rv_e2e");
    signal(SIGPIPE, SIG_IGN);
    if (mkdtemp(tmpdir) == NULL)
        abort();
    path_in(owners, sizeof(owners), "owners");
    mkdir(owners, 0755);
    copy_vec("p256", "owner2.pub.pem", "owners/p256-owner2.pem");
    copy_vec("p384", "owner2.pub.pem", "owners/p384-owner2.pem");
    write_text("rv.conf",
               "# test configuration\n"
               "listen = http://127.0.0.1:0 http://[::1]:0\n"
               "listen = coap://127.0.0.1:0 coap://[::1]:0\n"
               "db = rv.db\n"
               "trusted_owner_keys = owners\n"
               "max_wait_seconds = 3600\n"
               "purge_interval = 1\n"
               "session_timeout = 30\n",
               0644);
    path_in(conf, sizeof(conf), "rv.conf");
    path_in(db, sizeof(db), "rv.db");

    set_load(&sets[0], "p256");
    set_load(&sets[1], "p384");
    n.http = malloc(sizeof(*n.http));
    n.coap = malloc(sizeof(*n.coap));
    zto_http_transport_init(n.http, NULL);
    zto_coap_transport_init(n.coap, NULL);

    if (start(&p, conf) != 0) {
        TEST_FAIL_("fdo-rendezvous did not start: %s", p.errtext);
    } else {
        ASSERT_EQ(p.n, 4);
        for (i = 0; i < 2; i++) {
            round_trip(&n, &p, "http://127.0.0.1", &sets[i], 8042);
            round_trip(&n, &p, "http://[::1]", &sets[i], 8043);
            round_trip(&n, &p, "coap://127.0.0.1", &sets[i], 5683);
            round_trip(&n, &p, "coap://[::1]", &sets[i], 5684);
        }
        test_refusals(&n, &p, &sets[0]);
        test_tool(&p);
        test_purge(&n, &p, &sets[1], db);
        ASSERT_EQ(stop(&p), 0);
        if (getenv("ZTO_TEST_VERBOSE") != NULL)
            fprintf(stderr, "%s", p.errtext);
    }
    test_startup_refusals();
    test_example_config();

    zto_http_transport_free(n.http);
    zto_coap_transport_free(n.coap);
    free(n.http);
    free(n.coap);
    for (i = 0; i < 2; i++)
        set_free(&sets[i]);
    {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", tmpdir);
    }
    TEST_DONE();
}
