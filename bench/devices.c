/*
 * devices.c - fdo-bench's devices: the device library (libzto_device)
 * with the POSIX port's HTTP and CoAP clients, one device at a time per
 * thread, conc threads.
 *
 * Thread safety: the device library keeps no globals; each thread has
 * its own struct zto_device, work buffer and transport objects (the
 * transports are "one object per exchange, not thread-safe", and
 * libevent event bases and libcoap contexts are per object). libcoap's
 * process-wide coap_startup() runs once here before any thread starts.
 *
 * The credential lives in memory (struct bdev): storage is not what is
 * measured, and 1000 devices would otherwise mean 2000 fsync'ed files.
 * A wrapping transport picks HTTP or CoAP by target and times each
 * sub-protocol from open() to close(), by its first message: 10 (DI),
 * 30 (TO1), 60 (TO2).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "bench.h"
#include "zto_posix_port.h"
#include "zto_posix_transport.h"

#define DEVICE_NICE 10

/* 3 slots of 8 KiB: the largest TO2 message of these suites is ~3 KiB. */
#define WORK_LEN (ZTO_DEVICE_WORK_SLOTS * 8192)

/* ---- storage: the credential in struct bdev ---- */

static zto_err_t
mem_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct bdev *d = ctx;

    if (strcmp(name, "credential") != 0 || d->cred_len == 0)
        return ZTO_E_NOT_FOUND;
    *len = d->cred_len;
    if (cap < d->cred_len)
        return ZTO_E_BUF_TOO_SMALL;
    memcpy(buf, d->cred, d->cred_len);
    return ZTO_OK;
}

static zto_err_t
mem_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    struct bdev *d = ctx;

    if (strcmp(name, "credential") != 0)
        return ZTO_E_NOT_SUPPORTED;
    if (len > sizeof(d->cred))
        return ZTO_E_BUF_TOO_SMALL;
    memcpy(d->cred, buf, len);
    d->cred_len = len;
    return ZTO_OK;
}

static const struct zto_storage_ops mem_ops = {mem_read, mem_write};

/* ---- transport: HTTP or CoAP by target, timed ---- */

struct wrap {
    struct zto_any_transport any;
    struct bdev *d;
    double t_open;
    uint8_t first;
};

static zto_err_t
w_open(void *ctx, const struct zto_target *tg)
{
    struct wrap *w = ctx;

    w->first = 0;
    w->t_open = now_s();
    return zto_transport_any_ops.open(&w->any, tg);
}

static zto_err_t
w_send(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    struct wrap *w = ctx;

    if (w->first == 0)
        w->first = type;
    return zto_transport_any_ops.send(&w->any, type, body, len);
}

static zto_err_t
w_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *type)
{
    struct wrap *w = ctx;

    return zto_transport_any_ops.recv(&w->any, buf, cap, len, type);
}

static void
w_close(void *ctx)
{
    struct wrap *w = ctx;
    double ms;

    if (w->any.cur == NULL)
        return;
    zto_transport_any_ops.close(&w->any);
    ms = (now_s() - w->t_open) * 1000.0;
    switch (w->first) {
    case ZTO_MSG_DI_APP_START:
        w->d->ms[PH_DI] += ms;
        break;
    case ZTO_MSG_TO1_HELLO_RV:
        w->d->ms[PH_TO1] += ms;
        break;
    case ZTO_MSG_TO2_HELLO_DEVICE:
        w->d->ms[PH_TO2] += ms;
        break;
    default:
        break;
    }
}

static const struct zto_transport_ops wrap_ops = {w_open, w_send, w_recv,
                                                  w_close};

/* ---- one device ---- */

struct worker {
    struct cell *c;
    struct wrap w;
    struct zto_device dev;
    uint8_t *work;
    bool onboard;
};

static uint64_t
plat_now(void *ctx)
{
    (void)ctx;
    return (uint64_t)(now_s() * 1000.0);
}

static void
plat_sleep(void *ctx, uint32_t ms)
{
    struct timespec ts;

    (void)ctx;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static const struct zto_platform_ops plat_ops = {plat_now, plat_sleep, NULL};

static int
worker_init(struct worker *k, struct cell *c, bool onboard)
{
    memset(k, 0, sizeof(*k));
    k->c = c;
    k->onboard = onboard;
    k->w.any.http = malloc(sizeof(*k->w.any.http));
    k->w.any.coap = malloc(sizeof(*k->w.any.coap));
    k->work = malloc(WORK_LEN);
    if (k->w.any.http == NULL || k->w.any.coap == NULL || k->work == NULL)
        return -1;
    zto_http_transport_init(k->w.any.http, NULL);
    zto_coap_transport_init(k->w.any.coap, NULL);
    return 0;
}

static void
worker_free(struct worker *k)
{
    if (k->w.any.http != NULL)
        zto_http_transport_free(k->w.any.http);
    if (k->w.any.coap != NULL)
        zto_coap_transport_free(k->w.any.coap);
    free(k->w.any.http);
    free(k->w.any.coap);
    free(k->work);
}

static void
fail(struct bdev *d, const char *what, zto_err_t r,
     const struct zto_device_result *res, const char *detail)
{
    if (res != NULL && res->peer_error != 0)
        snprintf(d->why, sizeof(d->why), "%s: %s: peer error %u %s", what,
                 zto_strerror(r), res->peer_error, res->peer_error_text);
    else
        snprintf(d->why, sizeof(d->why), "%s: %s%s%s", what, zto_strerror(r),
                 detail[0] != '\0' ? ": " : "", detail);
}

static void
run_device(struct worker *k, struct bdev *d)
{
    struct cell *c = k->c;
    struct zto_device_cfg cfg;
    struct zto_target tg;
    const struct zto_device_result *res;
    struct zto_devmod dm;
    char serial[32];
    zto_err_t r;

    memset(&cfg, 0, sizeof(cfg));
    cfg.transport = &wrap_ops;
    cfg.transport_ctx = &k->w;
    cfg.storage = &mem_ops;
    cfg.storage_ctx = d;
    cfg.platform = &plat_ops;
    cfg.key_type = c->key_type;
    snprintf(serial, sizeof(serial), "BENCH-%06u", d->idx);
    cfg.serial = serial;
    cfg.model = "bench";
    memset(&dm, 0, sizeof(dm));
    dm.os = "Linux";
    dm.arch = "x86_64";
    dm.version = zto_device_version();
    dm.device = "fdo-bench";
    dm.sn = serial;
    cfg.devmod = &dm;
    /* one pass: a device that does not make it is a failure, not a
     * retry two minutes later */
    cfg.max_passes = 1;
    cfg.retry_delay_ms = 1000;
    k->w.d = d;
    k->w.any.cur = NULL;
    zto_device_init(&k->dev);
    if ((r = zto_device_setup(&k->dev, &cfg, k->work, WORK_LEN)) != ZTO_OK) {
        fail(d, "setup", r, NULL, "");
        goto out;
    }
    if (!k->onboard) {
        if ((r = zto_target_parse(c->srv[SRV_MFG].url, &tg)) != ZTO_OK) {
            fail(d, "DI", r, NULL, c->srv[SRV_MFG].url);
            goto out;
        }
        r = zto_device_di(&k->dev, &tg);
        res = zto_device_last_result(&k->dev);
        if (r != ZTO_OK) {
            fail(d, "DI", r, res, zto_any_transport_detail(&k->w.any));
            goto out;
        }
        d->guid0 = res->guid;
        memcpy(d->cred0, d->cred, d->cred_len);
        d->cred0_len = d->cred_len;
        d->di_ok = true;
    } else {
        if ((r = zto_device_load(&k->dev)) != ZTO_OK) {
            fail(d, "load", r, NULL, "");
            goto out;
        }
        r = zto_device_onboard(&k->dev);
        res = zto_device_last_result(&k->dev);
        if (r != ZTO_OK) {
            fail(d, "onboard", r, res, zto_any_transport_detail(&k->w.any));
            goto out;
        }
        if (!res->cred_replaced) {
            snprintf(d->why, sizeof(d->why),
                     "onboard: credential not replaced");
            goto out;
        }
        d->guid1 = res->guid;
        d->onb_ok = true;
    }
out:
    zto_device_free(&k->dev);
}

/* ---- the pool ---- */

struct pool {
    struct cell *c;
    bool onboard, verbose;
    pthread_mutex_t mu;
    unsigned next, end;
};

static void *
pool_main(void *arg)
{
    struct pool *p = arg;
    struct worker k;

    /* Devices are other machines: their work must not take CPU time
     * from the single-threaded servers (100 device threads at equal
     * priority would get 100 shares to a server's one). Linux applies
     * nice per thread. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), DEVICE_NICE) !=
        0) {
        /* measured anyway, at equal priority */
    }
    if (worker_init(&k, p->c, p->onboard) != 0) {
        worker_free(&k);
        return NULL;
    }
    for (;;) {
        unsigned i;
        struct bdev *d;

        pthread_mutex_lock(&p->mu);
        i = p->next < p->end ? p->next++ : p->end;
        pthread_mutex_unlock(&p->mu);
        if (i == p->end)
            break;
        d = &p->c->dev[i];
        run_device(&k, d);
        if (p->verbose && d->why[0] != '\0')
            fprintf(stderr, "device %u: %s\n", d->idx, d->why);
    }
    worker_free(&k);
    return NULL;
}

void
devices_global_init(void)
{
    coap_startup();
    coap_set_log_level(LOG_EMERG);
}

void
devices_run(struct cell *c, bool onboard, unsigned from, bool verbose)
{
    struct pool p;
    pthread_t *th;
    pthread_attr_t attr;
    unsigned i, nth = c->conc, started = 0;

    if (from >= c->n)
        return;
    if (nth > c->n - from)
        nth = c->n - from;
    memset(&p, 0, sizeof(p));
    p.c = c;
    p.onboard = onboard;
    p.verbose = verbose;
    p.next = from;
    p.end = c->n;
    pthread_mutex_init(&p.mu, NULL);
    if ((th = calloc(nth, sizeof(*th))) == NULL)
        die("out of memory");
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1u << 20);
    for (i = 0; i < nth; i++)
        if (pthread_create(&th[started], &attr, pool_main, &p) == 0)
            started++;
    if (started == 0)
        die("cannot start device threads");
    for (i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_attr_destroy(&attr);
    pthread_mutex_destroy(&p.mu);
    free(th);
}

void
device_one(struct cell *c, struct bdev *d, bool onboard, struct heap_stats *hs)
{
    struct worker k;

    /* The context, work buffer and transport objects are the caller's
     * memory (reported apart); the count covers the run itself. */
    if (worker_init(&k, c, onboard) == 0) {
        if (hs != NULL)
            heap_begin();
        run_device(&k, d);
        if (hs != NULL)
            heap_end(hs);
    } else {
        snprintf(d->why, sizeof(d->why), "out of memory");
    }
    worker_free(&k);
}

void
device_sizes(size_t *dev, size_t *work, size_t *http, size_t *coap)
{
    *dev = sizeof(struct zto_device);
    *work = WORK_LEN;
    *http = sizeof(struct zto_http_transport);
    *coap = sizeof(struct zto_coap_transport);
}
