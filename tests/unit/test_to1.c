/*
 * test_to1.c - the device's TO1 (zto_to1_step) and its walk over
 * RendezvousInfo (zto_device_to1), against the rendezvous handler
 * in-process, with the go-fdo vector credentials (P-256, P-384):
 * the to1d arrives byte for byte; directives are skipped or tried in
 * order with their DNS and IP targets, RVDelaysec and the pass delay are
 * waited; refusals, malformed answers, out-of-order messages and a
 * blocking transport are handled. The onboarding mode of the walk (TO2
 * after TO1, RVBypass) is driven white-box through dev_rv_walk() with a
 * stand-in TO2 step function.
 */
#include "../../device/src/rvwalk_int.h"
#include "rv_fixture.h"
#include "zto/zto_device.h"

/* ---- the device's world: credential store, platform, transport ---- */

struct world {
    struct fx *f;
    /* storage */
    uint8_t cred[4096];
    size_t cred_len;
    /* platform */
    uint32_t slept[16];
    size_t nslept;
    /* transport: which hosts answer, what was tried */
    const char *up;       /* host name that reaches the handler */
    const char *owner_up; /* host name of the (stand-in) owner */
    bool to_owner;        /* the open target is the owner */
    char tried[16][ZTO_HOST_MAX + 8];
    size_t ntried;
    bool block; /* every call returns WANT_* once first */
    bool blocked;
    int wants;
    /* answers to tamper with */
    uint8_t tamper_type; /* replace the answer to this message */
    const uint8_t *tamper;
    size_t tamper_len;
    uint8_t tamper_as;
};

static zto_err_t
st_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct world *w = ctx;

    (void)name;
    *len = w->cred_len;
    if (w->cred_len > cap)
        return ZTO_E_BUF_TOO_SMALL;
    memcpy(buf, w->cred, w->cred_len);
    return ZTO_OK;
}

static zto_err_t
st_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)name;
    (void)buf;
    (void)len;
    return ZTO_E_IO; /* TO1 never writes */
}

static const struct zto_storage_ops store_ops = {st_read, st_write};

static uint64_t
pl_now(void *ctx)
{
    (void)ctx;
    return 0;
}

static void
pl_sleep(void *ctx, uint32_t ms)
{
    struct world *w = ctx;

    if (w->nslept < 16)
        w->slept[w->nslept++] = ms;
}

static void
pl_log(void *ctx, int level, const char *file, int line, const char *msg)
{
    (void)ctx;
    (void)file;
    (void)line;
    if (getenv("ZTO_TEST_VERBOSE") != NULL)
        fprintf(stderr, "  [dev %d] %s\n", level, msg);
}

static const struct zto_platform_ops platform_ops = {pl_now, pl_sleep, pl_log};

static bool
blocks(struct world *w, zto_err_t *r, zto_err_t want)
{
    if (!w->block)
        return false;
    w->blocked = !w->blocked;
    if (w->blocked) {
        w->wants++;
        *r = want;
        return true;
    }
    return false;
}

static zto_err_t
tp_open(void *ctx, const struct zto_target *t)
{
    struct world *w = ctx;
    zto_err_t r;

    if (blocks(w, &r, ZTO_E_WANT_WRITE))
        return r;
    if (w->ntried < 16)
        snprintf(w->tried[w->ntried++], ZTO_HOST_MAX + 8, "%s:%u", t->host,
                 (unsigned)t->port);
    w->to_owner = w->owner_up != NULL && strcmp(t->host, w->owner_up) == 0;
    if (w->to_owner)
        return ZTO_OK;
    if (w->up == NULL || strcmp(t->host, w->up) != 0)
        return ZTO_E_CONNECT;
    return fx_transport.open(w->f, t);
}

static zto_err_t
tp_send(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    struct world *w = ctx;
    zto_err_t r;

    if (blocks(w, &r, ZTO_E_WANT_WRITE))
        return r;
    if (w->to_owner) {
        /* The stand-in owner answers any TO2.HelloDevice with a 61. */
        (void)body;
        (void)len;
        w->f->resp[0] = 0x80;
        w->f->resp_len = 1;
        w->f->resp_type = type == ZTO_MSG_TO2_HELLO_DEVICE
                              ? ZTO_MSG_TO2_PROVE_OVHDR
                              : ZTO_MSG_ERROR;
        return ZTO_OK;
    }
    r = fx_transport.send(w->f, type, body, len);
    if (w->tamper != NULL && type == w->tamper_type) {
        memcpy(w->f->resp, w->tamper, w->tamper_len);
        w->f->resp_len = w->tamper_len;
        w->f->resp_type = w->tamper_as;
    }
    return r;
}

static zto_err_t
tp_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *type)
{
    struct world *w = ctx;
    zto_err_t r;

    if (blocks(w, &r, ZTO_E_WANT_READ))
        return r;
    return fx_transport.recv(w->f, buf, cap, len, type);
}

static void
tp_close(void *ctx)
{
    (void)ctx;
}

static const struct zto_transport_ops tp_ops = {tp_open, tp_send, tp_recv,
                                                tp_close};

/* ---- a device with the vector credential and our RendezvousInfo ---- */

struct devrig {
    struct world w;
    struct zto_device_cfg cfg;
    struct zto_device dev;
    uint8_t work[3 * 8192];
};

static void
dev_open(struct devrig *d, struct fx *f, const struct zto_rv_directive *dirs,
         size_t ndirs, uint32_t max_passes)
{
    struct zto_device_cred c;
    struct zto_cbor_enc e;
    size_t n, rvn = 0;
    unsigned char *blob = fx_load(f->set, "device-credential.bin", &n);

    memset(d, 0, sizeof(*d));
    d->w.f = f;
    ASSERT_OK(zto_cred_decode(blob, n, &c));
    free(blob);
    zto_cbor_enc_init(&e, c.rvinfo, sizeof(c.rvinfo));
    zto_rvinfo_enc(&e, dirs, ndirs);
    ASSERT_OK(zto_cbor_enc_finish(&e, &rvn));
    c.rvinfo_len = rvn;
    ASSERT_OK(
        zto_cred_encode(&c, d->w.cred, sizeof(d->w.cred), &d->w.cred_len));
    zto_cred_wipe(&c);
    d->cfg.transport = &tp_ops;
    d->cfg.transport_ctx = &d->w;
    d->cfg.storage = &store_ops;
    d->cfg.storage_ctx = &d->w;
    d->cfg.platform = &platform_ops;
    d->cfg.platform_ctx = &d->w;
    d->cfg.max_passes = max_passes;
    d->cfg.retry_delay_ms = 7000;
    zto_device_init(&d->dev);
    ASSERT_OK(zto_device_setup(&d->dev, &d->cfg, d->work, sizeof(d->work)));
    ASSERT_OK(zto_device_load(&d->dev));
}

static struct zto_rv_directive
dir_to(const char *dns, uint16_t port)
{
    struct zto_rv_directive d;

    memset(&d, 0, sizeof(d));
    d.has_dns = true;
    d.dns = ZTO_BYTES(dns, strlen(dns));
    d.has_protocol = true;
    d.protocol = ZTO_RVPROT_HTTP;
    d.has_dev_port = true;
    d.dev_port = port;
    return d;
}

/* The to1d inside the last TO0.OwnerSign the fixture carried. */
static struct zto_bytes
sent_to1d(struct fx *f)
{
    struct zto_msg_to0_owner_sign m;

    memset(&m, 0, sizeof(m));
    ASSERT_OK(zto_msg_to0_owner_sign_decode(f->last_req, f->last_req_len, &m));
    return m.to1d;
}

#define TRIED(w, i, want)                                                      \
    do {                                                                       \
        test_checks++;                                                         \
        if ((w)->ntried <= (i) || strcmp((w)->tried[i], (want)) != 0)          \
            TEST_FAIL_("target %d: '%s', want '%s'", (int)(i),                 \
                       (w)->ntried > (i) ? (w)->tried[i] : "(none)", (want));  \
    } while (0)

/* The walk: owner-only skipped, an unreachable directive (DNS then IP)
 * with RVDelaysec, then the good one; the to1d arrives intact. */
static void
test_walk(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct zto_rv_directive dirs[4];
    struct devrig *d = malloc(sizeof(*d));
    struct zto_bytes want;
    const uint8_t *to1d;
    size_t len = 0;

    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 600, &res));
    want = sent_to1d(f);
    dirs[0] = dir_to("owner-only.example", 1);
    dirs[0].owner_only = true;
    dirs[1] = dir_to("down.example", 2);
    dirs[1].has_ip = true;
    dirs[1].ip_len = 16;
    memset(dirs[1].ip, 0, 16);
    dirs[1].ip[10] = dirs[1].ip[11] = 0xff;
    dirs[1].ip[12] = 192;
    dirs[1].ip[13] = 0;
    dirs[1].ip[14] = 2;
    dirs[1].ip[15] = 9;
    dirs[1].has_delay = true;
    dirs[1].delaysec = 3;
    dirs[2] = dir_to("bypass.example", 3);
    dirs[2].bypass = true; /* not for a TO1-only run */
    dirs[3] = dir_to("rv.example", 8041);
    dev_open(d, f, dirs, 4, 1);
    d->w.up = "rv.example";

    ASSERT_OK(zto_device_to1(&d->dev));
    ASSERT_EQ(d->w.ntried, 3);
    TRIED(&d->w, 0, "down.example:2");
    TRIED(&d->w, 1, "192.0.2.9:2");
    TRIED(&d->w, 2, "rv.example:8041");
    ASSERT_EQ(d->w.nslept, 1);
    ASSERT_EQ(d->w.slept[0], 3000);
    to1d = zto_device_to1d(&d->dev, &len);
    ASSERT_TRUE(to1d != NULL);
    ASSERT_EQ(len, want.len);
    if (to1d != NULL)
        ASSERT_MEM_EQ(to1d, want.p, want.len);
    ASSERT_EQ(zto_device_last_result(&d->dev)->last_msg,
              ZTO_MSG_TO1_RV_REDIRECT);
    ASSERT_MEM_EQ(zto_device_last_result(&d->dev)->guid.b, f->guid.b, 16);

    /* Again, through a transport that blocks once at every call. */
    d->w.ntried = 0;
    d->w.nslept = 0;
    d->w.block = true;
    {
        zto_err_t r;
        int rounds = 0;
        while ((r = zto_device_to1(&d->dev)) == ZTO_E_WANT_READ ||
               r == ZTO_E_WANT_WRITE)
            rounds++;
        ASSERT_OK(r);
        ASSERT_EQ(rounds, 7); /* 3 opens, 2 sends, 2 receives */
        ASSERT_EQ(rounds, d->w.wants);
    }
    to1d = zto_device_to1d(&d->dev, &len);
    ASSERT_EQ(len, want.len);
    zto_device_free(&d->dev);
    free(d);
    fx_free(f);
}

/* Nothing registered: error 6 from every pass, the pass delay between. */
static void
test_not_registered(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_rv_directive dirs[1];
    struct devrig *d = malloc(sizeof(*d));
    size_t len = 9;

    dirs[0] = dir_to("rv.example", 8041);
    dev_open(d, f, dirs, 1, 3);
    d->w.up = "rv.example";
    ASSERT_ERR(zto_device_to1(&d->dev), ZTO_E_PEER_ERROR);
    ASSERT_EQ(zto_device_last_result(&d->dev)->peer_error, 6);
    ASSERT_TRUE(strstr(zto_device_last_result(&d->dev)->peer_error_text,
                       "registration") != NULL);
    ASSERT_EQ(d->w.ntried, 3);
    ASSERT_EQ(d->w.nslept, 2);
    ASSERT_EQ(d->w.slept[0], 7000);
    ASSERT_TRUE(zto_device_to1d(&d->dev, &len) == NULL);
    ASSERT_EQ(len, 0);
    /* Nothing reachable at all. */
    d->w.up = NULL;
    d->w.ntried = 0;
    ASSERT_ERR(zto_device_to1(&d->dev), ZTO_E_CONNECT);
    ASSERT_EQ(d->w.ntried, 3);
    zto_device_free(&d->dev);
    free(d);
    fx_free(f);
}

/* Bad answers from the server: the device reports them with its own
 * ErrorMessage and keeps no to1d. */
static void
test_bad_answers(const struct fx_set *s)
{
    static const uint8_t not_to1d[] = {0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40};
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct zto_rv_directive dirs[1];
    struct devrig *d = malloc(sizeof(*d));
    struct zto_msg_to1_hello_rv_ack ack;
    uint8_t ackbuf[64], out[4096], type = 0;
    size_t n = 0, out_len = 0;

    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 600, &res));
    dirs[0] = dir_to("rv.example", 8041);
    dev_open(d, f, dirs, 1, 1);
    d->w.up = "rv.example";

    /* A 33 that is not a to1d. */
    d->w.tamper_type = ZTO_MSG_TO1_PROVE_TO_RV;
    d->w.tamper = not_to1d;
    d->w.tamper_len = sizeof(not_to1d);
    d->w.tamper_as = ZTO_MSG_TO1_RV_REDIRECT;
    ASSERT_FAILS(zto_device_to1(&d->dev));
    ASSERT_TRUE(zto_device_to1d(&d->dev, NULL) == NULL);

    /* eBSigInfo that does not echo eASigInfo. */
    memset(&ack, 0, sizeof(ack));
    ack.siginfo.type = s->sg == ZTO_SG_ES256 ? ZTO_SG_ES384 : ZTO_SG_ES256;
    ack.siginfo.info = ZTO_BYTES("", 0);
    ASSERT_OK(
        zto_msg_to1_hello_rv_ack_encode(&ack, ackbuf, sizeof(ackbuf), &n));
    d->w.tamper_type = ZTO_MSG_TO1_HELLO_RV;
    d->w.tamper = ackbuf;
    d->w.tamper_len = n;
    d->w.tamper_as = ZTO_MSG_TO1_HELLO_RV_ACK;
    ASSERT_ERR(zto_device_to1(&d->dev), ZTO_E_PROTO);
    d->w.tamper = NULL;

    /* The step function directly: out of order, and a peer's 255. */
    ASSERT_OK(
        zto_to1_step(&d->dev, 0, NULL, 0, out, sizeof(out), &out_len, &type));
    ASSERT_EQ(type, ZTO_MSG_TO1_HELLO_RV);
    ASSERT_ERR(zto_to1_step(&d->dev, ZTO_MSG_TO1_RV_REDIRECT, not_to1d,
                            sizeof(not_to1d), out, sizeof(out), &out_len,
                            &type),
               ZTO_E_STATE);
    ASSERT_EQ(type, ZTO_MSG_ERROR);
    ASSERT_TRUE(out_len > 0);
    {
        struct zto_error_msg em;
        ASSERT_OK(zto_error_msg_decode(out, out_len, &em));
        ASSERT_EQ(em.code, 100);
        ASSERT_EQ(em.prev_msg, ZTO_MSG_TO1_RV_REDIRECT);
    }
    ASSERT_OK(
        zto_to1_step(&d->dev, 0, NULL, 0, out, sizeof(out), &out_len, &type));
    {
        struct zto_error_msg em;
        uint8_t eb[64];
        size_t en = 0;
        memset(&em, 0, sizeof(em));
        em.code = 6;
        em.prev_msg = 30;
        em.text = ZTO_BYTES("gone", 4);
        ASSERT_OK(zto_error_msg_encode(&em, eb, sizeof(eb), &en));
        ASSERT_ERR(zto_to1_step(&d->dev, ZTO_MSG_ERROR, eb, en, out,
                                sizeof(out), &out_len, &type),
                   ZTO_E_PEER_ERROR);
        ASSERT_EQ(out_len, 0);
        ASSERT_EQ(zto_device_last_result(&d->dev)->peer_error, 6);
    }
    /* Every prefix of a good 31 fails cleanly with an ErrorMessage. */
    memset(&ack, 0, sizeof(ack));
    ack.siginfo.type = s->sg;
    ack.siginfo.info = ZTO_BYTES("", 0);
    ASSERT_OK(
        zto_msg_to1_hello_rv_ack_encode(&ack, ackbuf, sizeof(ackbuf), &n));
    {
        size_t cut;
        for (cut = 0; cut < n; cut++) {
            uint8_t *c = test_exact_copy(ackbuf, cut);
            ASSERT_OK(zto_to1_step(&d->dev, 0, NULL, 0, out, sizeof(out),
                                   &out_len, &type));
            ASSERT_FAILS(zto_to1_step(&d->dev, ZTO_MSG_TO1_HELLO_RV_ACK, c, cut,
                                      out, sizeof(out), &out_len, &type));
            ASSERT_EQ(type, ZTO_MSG_ERROR);
            free(c);
        }
        ASSERT_OK(zto_to1_step(&d->dev, 0, NULL, 0, out, sizeof(out), &out_len,
                               &type));
        ASSERT_OK(zto_to1_step(&d->dev, ZTO_MSG_TO1_HELLO_RV_ACK, ackbuf, n,
                               out, sizeof(out), &out_len, &type));
        ASSERT_EQ(type, ZTO_MSG_TO1_PROVE_TO_RV);
        /* The EAT verifies with the device key over our nonce (zero). */
        {
            struct zto_eat eat;
            ASSERT_OK(zto_eat_decode(out, out_len, &eat));
            ASSERT_OK(zto_cose_sign1_verify(&eat.cose, &f->device));
            ASSERT_MEM_EQ(eat.guid.b, f->guid.b, 16);
            ASSERT_EQ(eat.has_fdo, 0);
        }
    }
    zto_device_free(&d->dev);
    free(d);
    fx_free(f);
}

/* ---- onboarding mode of the walk, with a stand-in for TO2 ---- */

static size_t to2_runs;
static size_t to2_to1d_len[8];

static zto_err_t
fake_to2(struct zto_device *dev, uint8_t in_type, const uint8_t *in,
         size_t in_len, uint8_t *out, size_t cap, size_t *out_len,
         uint8_t *out_type)
{
    (void)in_len;
    (void)cap;
    if (in == NULL) {
        /* What TO2 would check in 61: the to1d (none after RVBypass). */
        if (to2_runs < 8)
            to2_to1d_len[to2_runs] = dev->to1.to1d_len;
        to2_runs++;
        out[0] = 0x80;
        *out_len = 1;
        *out_type = ZTO_MSG_TO2_HELLO_DEVICE;
        return ZTO_OK;
    }
    return in_type == ZTO_MSG_TO2_PROVE_OVHDR ? ZTO_DONE : ZTO_E_STATE;
}

static void
test_onboard_walk(const struct fx_set *s)
{
    struct fx *f = fx_new(s);
    struct zto_to0_result res;
    struct zto_rv_directive dirs[3];
    struct devrig *d = malloc(sizeof(*d));

    ASSERT_OK(fx_to0_client(f, f->ov2, f->ov2_len, &f->s_owner2, 600, &res));

    /* TO1 at the rendezvous server, then TO2 to the to1d's addresses:
     * 127.0.0.1:8042 (HTTP) is down, owner.example:5683 (CoAP) is up. */
    dirs[0] = dir_to("rv.example", 8041);
    dev_open(d, f, dirs, 1, 1);
    d->w.up = "rv.example";
    d->w.owner_up = "owner.example";
    to2_runs = 0;
    ASSERT_OK(dev_rv_walk(&d->dev, fake_to2));
    ASSERT_EQ(d->w.ntried, 3);
    TRIED(&d->w, 0, "rv.example:8041");
    TRIED(&d->w, 1, "127.0.0.1:8042");
    TRIED(&d->w, 2, "owner.example:5683");
    /* (The step starts only once the transport is open.) */
    ASSERT_EQ(to2_runs, 1);
    ASSERT_EQ(to2_to1d_len[0], sent_to1d(f).len);
    /* The public TO1-only entry point refuses to resume another walk,
     * and works once the walk is idle again. */
    ASSERT_OK(zto_device_to1(&d->dev));
    zto_device_free(&d->dev);

    /* Every owner address down: the directive failed, its delay, then
     * the next directive (RVBypass straight to an owner, no to1d). */
    dirs[0].has_delay = true;
    dirs[0].delaysec = 5000; /* capped at 3600 s */
    dirs[1] = dir_to("owner-direct.example", 8043);
    dirs[1].bypass = true;
    dev_open(d, f, dirs, 2, 1);
    d->w.up = "rv.example";
    d->w.owner_up = "owner-direct.example";
    to2_runs = 0;
    ASSERT_OK(dev_rv_walk(&d->dev, fake_to2));
    ASSERT_EQ(d->w.ntried, 4);
    TRIED(&d->w, 3, "owner-direct.example:8043");
    ASSERT_EQ(d->w.nslept, 1);
    ASSERT_EQ(d->w.slept[0], 3600000);
    ASSERT_EQ(to2_runs, 1);
    ASSERT_EQ(to2_to1d_len[0], 0);
    ASSERT_TRUE(zto_device_to1d(&d->dev, NULL) == NULL);
    zto_device_free(&d->dev);

    /* The TO1-only walk skips the bypass directive without waiting. */
    dirs[0] = dirs[1];
    dirs[1] = dir_to("rv.example", 8041);
    dev_open(d, f, dirs, 2, 1);
    d->w.up = "rv.example";
    ASSERT_OK(zto_device_to1(&d->dev));
    ASSERT_EQ(d->w.ntried, 1);
    ASSERT_EQ(d->w.nslept, 0);
    zto_device_free(&d->dev);
    free(d);
    fx_free(f);
}

int
main(void)
{
    size_t i;

    TEST_START("to1");
    for (i = 0; i < sizeof(fx_sets) / sizeof(fx_sets[0]); i++) {
        test_walk(&fx_sets[i]);
        test_not_registered(&fx_sets[i]);
        test_bad_answers(&fx_sets[i]);
        test_onboard_walk(&fx_sets[i]);
    }
    TEST_DONE();
}
