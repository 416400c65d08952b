/*
 * fdo-bench - onboarding throughput and latency of the zto servers on
 * this machine, what they cost in CPU, what crypto alone would allow,
 * and how big the device side is (docs/benchmark.md).
 *
 *   fdo-bench [-n N] [-c C] [--key p256|p384|both]
 *             [--transport http|coap|both] [--verify] [--timeout S]
 *             [--device-build DIR] [--pin] [--no-heap] [--keep] [-v]
 *
 * For each key type x transport ("cell"): fresh keys (scripts/gen-pki),
 * fdo-rendezvous, fdo-owner and fdo-manufacturer on 127.0.0.1 with
 * their own SQLite files; N devices (the device library on C threads)
 * through DI; their vouchers exported extended to the owner key and
 * uploaded to the owner (admin API); the owner's TO0 thread registers
 * them; then N devices through TO1 + TO2, C at a time.
 *
 * --verify: exit 1 unless every DI, registration and onboarding
 * succeeded, every device ended with a new GUID and credential distinct
 * from every other, the owner counted N onboardings and every server
 * exited cleanly. fdo-bench always ends by itself (--timeout, default
 * 900 s) and kills its servers on every way out.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "zto/zto_crypto.h"
#include "zto/zto_util.h"

#define PROG "fdo-bench"

static const char *const phase_name[PH_N] = {"DI", "TO0", "TO1", "TO2"};

static void
usage(void)
{
    fprintf(stderr,
            "usage: " PROG " [-n N] [-c C] [--key p256|p384|both]\n"
            "       [--transport http|coap|both] [--verify] [--timeout S]\n"
            "       [--device-build DIR] [--bin-dir DIR] [--gen-pki PATH]\n"
            "       [--pin] [--no-heap] [--keep] [-v]\n");
    exit(2);
}

static unsigned
num(const char *opt, const char *v, unsigned lo, unsigned hi)
{
    char *e;
    unsigned long x;

    if (v == NULL)
        die("%s needs a value", opt);
    x = strtoul(v, &e, 10);
    if (*v == '\0' || *e != '\0' || x < lo || x > hi)
        die("%s: %s is not a number in %u..%u", opt, v, lo, hi);
    return (unsigned)x;
}

/* ---- one cell ---- */

struct cpu_mark {
    double srv[SRV_N];
    double self;
};

static void
cpu_mark(const struct cell *c, struct cpu_mark *m)
{
    int i;

    for (i = 0; i < SRV_N; i++)
        m->srv[i] = proc_cpu_s(c->srv[i].pid);
    m->self = self_cpu_s();
}

static void
lat(const struct cell *c, int ph, bool (*ok)(const struct bdev *), double *p50,
    double *p99, unsigned *n)
{
    double *v = malloc(sizeof(*v) * (c->n + 1));
    unsigned i, k = 0;

    if (v == NULL)
        die("out of memory");
    for (i = 0; i < c->n; i++)
        if (ok(&c->dev[i]))
            v[k++] = c->dev[i].ms[ph];
    sort_doubles(v, k);
    *p50 = percentile(v, k, 50);
    *p99 = percentile(v, k, 99);
    *n = k;
    free(v);
}

static bool
is_di(const struct bdev *d)
{
    return d->di_ok;
}

static bool
is_to0(const struct bdev *d)
{
    return d->di_ok && d->ms[PH_TO0] > 0;
}

static bool
is_onb(const struct bdev *d)
{
    return d->onb_ok;
}

static int
cmp16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

static int
cmp32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Distinct values among n fixed-size records (sorted in place). */
static unsigned
distinct(uint8_t *v, unsigned n, size_t sz,
         int (*cmp)(const void *, const void *))
{
    unsigned i, k = n > 0;

    qsort(v, n, sz, cmp);
    for (i = 1; i < n; i++)
        if (cmp(v + (size_t)i * sz, v + (size_t)(i - 1) * sz) != 0)
            k++;
    return k;
}

/* Every onboarded device has a new GUID, no two alike, none equal to any
 * GUID from DI; every new credential differs from every other. */
static void
verify_cell(struct cell *c)
{
    uint8_t *g = malloc((size_t)c->n * 2 * 16 + 1);
    uint8_t *h = malloc((size_t)c->n * 32 + 1);
    unsigned i, ng = 0, nh = 0, nnew = 0;

    if (g == NULL || h == NULL)
        die("out of memory");
    for (i = 0; i < c->n; i++) {
        const struct bdev *d = &c->dev[i];
        struct zto_hash_buf hb;
        if (!d->onb_ok)
            continue;
        nnew++;
        memcpy(g + (size_t)ng++ * 16, d->guid1.b, 16);
        if (zto_hash(ZTO_HASH_SHA256, d->cred, d->cred_len, &hb) == ZTO_OK)
            memcpy(h + (size_t)nh++ * 32, hb.value, 32);
    }
    c->distinct_creds = distinct(h, nh, 32, cmp32);
    for (i = 0; i < c->n; i++)
        if (c->dev[i].di_ok)
            memcpy(g + (size_t)ng++ * 16, c->dev[i].guid0.b, 16);
    /* new GUIDs distinct among themselves and from the old ones */
    c->distinct_guids = distinct(g, ng, 16, cmp16) - (ng - nnew);
    free(g);
    free(h);
}

static void
print_failures(const struct cell *c)
{
    unsigned i, shown = 0, bad = 0;

    for (i = 0; i < c->n; i++)
        if (c->dev[i].why[0] != '\0') {
            if (shown++ < 5)
                printf("   device %u: %s\n", i, c->dev[i].why);
            bad++;
        }
    if (bad > shown)
        printf("   ... %u devices failed in all\n", bad);
}

static void
print_heap(const char *what, const struct heap_stats *h)
{
    if (!h->available) {
        printf("   device heap, %s: not measured (sanitizer build)\n", what);
        return;
    }
    printf("   device heap, %s: peak %zu bytes in %zu allocations outside "
           "OpenSSL%s; OpenSSL: peak %zu bytes in %zu\n",
           what, h->peak, h->calls,
           h->ossl_apart ? "" : " (OpenSSL could not be told apart)",
           h->peak_ossl, h->calls_ossl);
}

struct result {
    char name[32];
    unsigned n, conc;
    double rate[PH_N], p50[PH_N], p99[PH_N];
    double onb_rate, cpu_ms[SRV_N];
    double owner_ms; /* owner CPU per TO2, TO1+TO2 phase */
    /* Owner TO2 per second on one core: what crypto alone allows, what
     * the owner's measured CPU allows; what the machine allows when the
     * devices and other servers share it. */
    double crypto_rate, owner_rate, machine_rate;
    double owner_busy, rest_busy; /* share of their cores kept busy */
    struct heap_stats heap_di, heap_onb;
    bool ok;
};

/* The owner's TO2 against the crypto limit, and why the wall-clock rate
 * is what it is. m2, m3: CPU marks around TO1 + TO2. */
static void
owner_report(const struct cell *c, const struct opts *o,
             const struct cpu_mark *m2, const struct cpu_mark *m3,
             unsigned nonb, struct result *res)
{
    double per = nonb > 0 ? 1000.0 / nonb : 0, wall = c->wall_s[PH_TO2];
    double own = (m3->srv[SRV_OWNER] - m2->srv[SRV_OWNER]) * per;
    double devs = (m3->self - m2->self) * per, others = 0, all, us;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int i;

    for (i = 0; i < SRV_N; i++)
        if (i != SRV_OWNER)
            others += (m3->srv[i] - m2->srv[i]) * per;
    all = own + devs + others;
    res->owner_ms = own;
    res->owner_rate = own > 0 ? 1000.0 / own : 0;
    res->machine_rate = all > 0 ? 1000.0 * (double)ncpu / all : 0;
    if (wall > 0 && nonb > 0) {
        res->owner_busy = own * nonb / 1000.0 / wall;
        res->rest_busy = (devs + others) * nonb / 1000.0 / wall /
                         (double)(o->pin ? ncpu - 1 : ncpu);
    }
    printf("   owner TO2 on one core (one event-loop thread):\n");
    if (c->us_sign > 0) {
        us = crypto_owner_to2_us(c);
        res->crypto_rate = 1e6 / us;
        printf("     crypto alone (OpenSSL on loaded keys, CPU time, best of "
               "14 rounds): 2 sign x %.0f us + %u verify x %.0f us + ECDH "
               "key %.0f us + ECDH derive %.0f us = %.0f us: %.0f TO2/s\n",
               c->us_sign, 1 + c->chain_links, c->us_verify, c->us_kex_start,
               c->us_kex_derive, us, res->crypto_rate);
    }
    printf("     owner's CPU per TO2 (/proc, user + system): %.3f ms: %.0f "
           "TO2/s",
           own, res->owner_rate);
    if (res->crypto_rate > 0)
        printf(" = %.0f %% of crypto alone (target >= 50 %%: %s)",
               100.0 * res->owner_rate / res->crypto_rate,
               res->owner_rate * 2 >= res->crypto_rate ? "met" : "NOT met");
    printf("\n");
    if (c->us_cert_decode > 0)
        printf("     not crypto, for comparison: decoding the device "
               "certificate (OpenSSL 3, once per TO2) %.0f us\n",
               c->us_cert_decode);
    printf("   wall clock: %.1f onboardings/s with %u in flight, the owner "
           "busy %.0f %% of the time",
           res->onb_rate, c->conc, 100.0 * res->owner_busy);
    if (res->crypto_rate > 0)
        printf(" (%.0f %% of crypto alone)",
               100.0 * res->onb_rate / res->crypto_rate);
    printf(";\n");
    if (o->pin)
        printf("     the owner had CPU %ld to itself; the devices (%.2f ms CPU "
               "per onboarding) and the other servers (%.2f ms) had the "
               "other %ld, busy %.0f %%\n",
               ncpu - 1, devs, others, ncpu - 1, 100.0 * res->rest_busy);
    else
        printf("     the %ld cores are shared with the devices (%.2f ms CPU "
               "per onboarding) and the other servers (%.2f ms): %.2f ms CPU "
               "per onboarding in all, at most %.0f/s on this machine\n",
               ncpu, devs, others, all, res->machine_rate);
}

static bool
run_cell(struct cell *c, const struct opts *o, struct result *res)
{
    struct cpu_mark m0, m1, m2, m3;
    double t0, t1, *up = NULL, *reg = NULL, deadline, last = 0;
    double p50, p99;
    uint8_t vbuf[ZTO_MAX_MSG_SIZE];
    size_t vlen = 0;
    unsigned i, k, ndi = 0, nreg = 0, nonb = 0, first = 0;
    bool ok = false, stopped;
    int ph;

    memset(res, 0, sizeof(*res));
    snprintf(res->name, sizeof(res->name), "%s %s",
             c->key_type == ZTO_PK_SECP384R1 ? "P-384" : "P-256",
             c->coap ? "CoAP" : "HTTP");
    res->n = c->n;
    res->conc = c->conc;
    printf("\n== %s: %u devices, %u in flight\n", res->name, c->n, c->conc);
    fflush(stdout);
    if ((c->dev = calloc(c->n, sizeof(*c->dev))) == NULL ||
        (up = calloc(c->n, sizeof(*up))) == NULL ||
        (reg = calloc(c->n + 1, sizeof(*reg))) == NULL)
        die("out of memory");
    for (i = 0; i < c->n; i++)
        c->dev[i].idx = i;
    if (cell_setup(c, o) != 0 || cell_start(c, o) != 0) {
        printf("   servers did not start\n");
        goto out;
    }
    printf("   rendezvous %s, owner %s, manufacturer %s\n", c->srv[SRV_RV].url,
           c->srv[SRV_OWNER].url, c->srv[SRV_MFG].url);
    if (o->pin) {
        long cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
        if (pin_process(c->srv[SRV_OWNER].pid, (int)cpu, (int)cpu) != 0) {
            printf("   cannot pin the owner to CPU %ld\n", cpu);
            goto out;
        }
    }
    cpu_mark(c, &m0);

    /* DI. With heap counting, device 0 runs alone first (outside the
     * timed part). */
    if (o->heap) {
        device_one(c, &c->dev[0], false, &res->heap_di);
        first = 1;
    }
    t0 = now_s();
    devices_run(c, false, first, o->verbose);
    t1 = now_s();
    c->wall_s[PH_DI] = t1 - t0;
    for (i = 0; i < c->n; i++)
        ndi += c->dev[i].di_ok;
    cpu_mark(c, &m1);

    /* Shipment and TO0: export + extend + upload in batches; the owner's
     * TO0 thread registers them. The k-th registration (owner metric
     * zto_to0_registrations_total) is matched with the k-th voucher
     * uploaded: the thread takes them in import order. */
    t0 = now_s();
    if (ndi > 0 && vouchers_move(c, 0, c->n, up) != 0) {
        printf("   voucher export/upload failed\n");
        goto out;
    }
    deadline = now_s() + 60 + (double)c->n / 10;
    while (nreg < ndi && now_s() < deadline) {
        double v = metric(c, SRV_OWNER, "zto_to0_registrations_total");
        double t = now_s();
        while (v >= 0 && nreg < (unsigned)v && nreg < ndi)
            reg[nreg++] = t;
        if (nreg < ndi)
            usleep(20000);
    }
    for (i = 0, k = 0; i < c->n && k < nreg; i++)
        if (c->dev[i].di_ok) {
            c->dev[i].ms[PH_TO0] = (reg[k] - up[i]) * 1000.0;
            last = reg[k++];
        }
    c->wall_s[PH_TO0] = nreg > 0 ? last - t0 : now_s() - t0;
    {
        double s = metric(c, SRV_OWNER, "zto_to0_client_duration_seconds_sum");
        double n =
            metric(c, SRV_OWNER, "zto_to0_client_duration_seconds_count");
        double f = metric(c, SRV_OWNER, "zto_to0_failures_total");
        c->to0_exchange_ms = n > 0 ? s * 1000.0 / n : 0;
        c->to0_failures = f > 0 ? (unsigned)f : 0;
    }

    /* The crypto limit, measured while the servers are idle (and
     * outside the CPU marks). */
    if (o->verbose)
        fprintf(stderr, "fdo-bench: %s: TO0 done, timing crypto\n",
                res->name);
    if (voucher_sample(c, vbuf, sizeof(vbuf), &vlen) != 0 ||
        crypto_measure(c, vbuf, vlen) != 0)
        printf("   crypto measurement failed\n");
    cpu_mark(c, &m2);

    /* TO1 + TO2 */
    if (o->verbose)
        fprintf(stderr, "fdo-bench: %s: TO1 + TO2 starting\n", res->name);
    first = 0;
    if (o->heap && c->dev[0].di_ok) {
        device_one(c, &c->dev[0], true, &res->heap_onb);
        first = 1;
    }
    t0 = now_s();
    devices_run(c, true, first, o->verbose);
    t1 = now_s();
    c->wall_s[PH_TO1] = c->wall_s[PH_TO2] = t1 - t0;
    for (i = 0; i < c->n; i++)
        nonb += c->dev[i].onb_ok;
    cpu_mark(c, &m3);
    /* Crypto once more, servers idle again: the best of both counts
     * (the machine is shared; a slow moment must not lower the
     * limit). */
    if (c->us_sign > 0 && crypto_measure(c, vbuf, vlen) != 0)
        printf("   crypto measurement failed\n");
    {
        double done = metric(c, SRV_OWNER, "zto_onboardings_completed_total");
        if (done != (double)nonb)
            printf("   the owner counted %.0f onboardings, devices %u\n", done,
                   nonb);
        else
            ok = true;
    }

    /* ---- report ---- */
    verify_cell(c);
    printf("   phase  done/n     wall s   per s    p50 ms    p99 ms\n");
    for (ph = 0; ph < PH_N; ph++) {
        unsigned n = 0, timed;
        lat(c, ph,
            ph == PH_DI    ? is_di
            : ph == PH_TO0 ? is_to0
                           : is_onb,
            &p50, &p99, &n);
        /* rates count only the devices of the timed, concurrent part */
        if (ph == PH_DI)
            timed = ndi - (o->heap && c->dev[0].di_ok);
        else if (ph == PH_TO0)
            timed = nreg;
        else
            timed = nonb - (first > 0 && c->dev[0].onb_ok);
        res->rate[ph] = c->wall_s[ph] > 0 ? (double)timed / c->wall_s[ph] : 0;
        res->p50[ph] = p50;
        res->p99[ph] = p99;
        printf("   %-5s  %5u/%-5u %7.2f  %7.1f  %8.1f  %8.1f\n", phase_name[ph],
               n, c->n, c->wall_s[ph], res->rate[ph], p50, p99);
    }
    res->onb_rate = res->rate[PH_TO2];
    printf("   TO0: import -> registered (owner's TO0 thread, polls every "
           "1 s); one TO0 exchange of the owner's client: %.1f ms mean; "
           "%u failed\n",
           c->to0_exchange_ms, c->to0_failures);
    printf("   onboardings per second (TO1 + TO2, %u in flight): %.1f\n",
           c->conc, res->onb_rate);
    printf("   CPU ms per device     DI    TO0  TO1+TO2  total\n");
    for (i = 0; i < SRV_N; i++) {
        double a = (m1.srv[i] - m0.srv[i]) * 1000.0 / (ndi ? ndi : 1);
        double b = (m2.srv[i] - m1.srv[i]) * 1000.0 / (ndi ? ndi : 1);
        double d = (m3.srv[i] - m2.srv[i]) * 1000.0 / (nonb ? nonb : 1);
        res->cpu_ms[i] = a + b + d;
        printf("   %-16s %7.2f %6.2f %8.2f %6.2f\n", c->srv[i].name, a, b, d,
               a + b + d);
    }
    printf("   %-16s %7.2f %6.2f %8.2f\n", "devices (bench)",
           (m1.self - m0.self) * 1000.0 / (ndi ? ndi : 1),
           (m2.self - m1.self) * 1000.0 / (ndi ? ndi : 1),
           (m3.self - m2.self) * 1000.0 / (nonb ? nonb : 1));
    owner_report(c, o, &m2, &m3, nonb, res);
    if (o->heap) {
        size_t peak = res->heap_di.peak > res->heap_onb.peak
                          ? res->heap_di.peak
                          : res->heap_onb.peak;
        print_heap("DI", &res->heap_di);
        print_heap("TO1+TO2", &res->heap_onb);
        if (res->heap_di.available && res->heap_onb.available)
            printf("   device heap, whole onboarding outside OpenSSL: peak "
                   "%zu bytes (target < 65536: %s); the device core "
                   "itself allocates nothing\n",
                   peak, peak < 65536 ? "met" : "NOT met");
    }
    printf("   verify: DI %u/%u, TO0 %u/%u, onboarded %u/%u, new GUIDs "
           "distinct %u, credentials distinct %u\n",
           ndi, c->n, nreg, ndi, nonb, c->n, c->distinct_guids,
           c->distinct_creds);
    print_failures(c);
    ok = ok && ndi == c->n && nreg == ndi && nonb == c->n &&
         c->distinct_guids == c->n && c->distinct_creds == c->n;
out:
    stopped = cell_stop(c);
    if (!stopped)
        ok = false;
    if (o->keep)
        printf("   files kept in %s\n", c->dir);
    else
        rm_tree(c->dir);
    free(up);
    free(reg);
    free(c->dev);
    c->dev = NULL;
    res->ok = ok;
    fflush(stdout);
    return ok;
}

static void
summary(const struct result *r, size_t n)
{
    size_t i;

    printf("\n== Summary (markdown)\n\n");
    printf("| cell | devices / in flight | DI/s | onboardings/s | "
           "DI p50/p99 ms | TO0 p50/p99 ms | TO1 p50/p99 ms | "
           "TO2 p50/p99 ms | CPU ms/device mfg, rv, owner | "
           "owner CPU ms per TO2 | owner TO2/s on one core: crypto alone, "
           "owner CPU | owner CPU / crypto alone |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (i = 0; i < n; i++)
        printf("| %s | %u / %u | %.0f | %.1f | %.0f / %.0f | %.0f / %.0f | "
               "%.0f / %.0f | %.0f / %.0f | %.2f, %.2f, %.2f | %.2f | "
               "%.0f, %.0f | %.0f %% |\n",
               r[i].name, r[i].n, r[i].conc, r[i].rate[PH_DI], r[i].onb_rate,
               r[i].p50[PH_DI], r[i].p99[PH_DI], r[i].p50[PH_TO0],
               r[i].p99[PH_TO0], r[i].p50[PH_TO1], r[i].p99[PH_TO1],
               r[i].p50[PH_TO2], r[i].p99[PH_TO2], r[i].cpu_ms[SRV_MFG],
               r[i].cpu_ms[SRV_RV], r[i].cpu_ms[SRV_OWNER], r[i].owner_ms,
               r[i].crypto_rate, r[i].owner_rate,
               r[i].crypto_rate > 0
                   ? 100.0 * r[i].owner_rate / r[i].crypto_rate
                   : 0);
}

int
main(int argc, char **argv)
{
    static char bindir[PATH_MAX];
    struct opts o;
    struct result res[4];
    size_t nres = 0;
    int keys = 3, tps = 3, i, kt, tp;
    bool all_ok = true;
    size_t sdev, swork, shttp, scoap;

    heap_init(); /* before OpenSSL allocates anything */
    memset(&o, 0, sizeof(o));
    o.n = 200;
    o.conc = 20;
    o.timeout_s = 900;
    o.heap = true;
    o.db_sync = true;
    o.gen_pki = ZTO_SOURCE_DIR "/scripts/gen-pki";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-n") == 0) {
            o.n = num(a, v, 1, 20000);
            i++;
        } else if (strcmp(a, "-c") == 0) {
            o.conc = num(a, v, 1, 1000);
            i++;
        } else if (strcmp(a, "--timeout") == 0) {
            o.timeout_s = num(a, v, 10, 86400);
            i++;
        } else if (strcmp(a, "--key") == 0 && v != NULL) {
            keys = strcmp(v, "p256") == 0   ? 1
                   : strcmp(v, "p384") == 0 ? 2
                   : strcmp(v, "both") == 0 ? 3
                                            : 0;
            if (keys == 0)
                die("--key: p256, p384 or both, not %s", v);
            i++;
        } else if (strcmp(a, "--transport") == 0 && v != NULL) {
            tps = strcmp(v, "http") == 0   ? 1
                  : strcmp(v, "coap") == 0 ? 2
                  : strcmp(v, "both") == 0 ? 3
                                           : 0;
            if (tps == 0)
                die("--transport: http, coap or both, not %s", v);
            i++;
        } else if (strcmp(a, "--bin-dir") == 0 && v != NULL) {
            o.bin_dir = v;
            i++;
        } else if (strcmp(a, "--gen-pki") == 0 && v != NULL) {
            o.gen_pki = v;
            i++;
        } else if (strcmp(a, "--device-build") == 0 && v != NULL) {
            o.device_build = v;
            i++;
        } else if (strcmp(a, "--db-sync") == 0 && v != NULL) {
            if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
                die("--db-sync: yes or no, not %s", v);
            o.db_sync = strcmp(v, "yes") == 0;
            i++;
        } else if (strcmp(a, "--verify") == 0) {
            o.verify = true;
        } else if (strcmp(a, "--pin") == 0) {
            o.pin = true;
        } else if (strcmp(a, "--no-heap") == 0) {
            o.heap = false;
        } else if (strcmp(a, "--keep") == 0) {
            o.keep = true;
        } else if (strcmp(a, "-v") == 0) {
            o.verbose = true;
        } else {
            usage();
        }
    }
    if (o.bin_dir == NULL) {
        ssize_t n = readlink("/proc/self/exe", bindir, sizeof(bindir) - 1);
        char *slash;
        if (n <= 0)
            die("cannot find my own directory: give --bin-dir");
        bindir[n] = '\0';
        if ((slash = strrchr(bindir, '/')) != NULL)
            *slash = '\0';
        o.bin_dir = bindir;
    }
    if (access(o.gen_pki, R_OK) != 0)
        die("%s not found: give --gen-pki PATH", o.gen_pki);
    if (o.pin) {
        /* Before any thread or server starts: they all inherit CPUs
         * 0..n-2; the owner is moved to the last one once it runs. */
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        if (ncpu < 2)
            die("--pin needs at least 2 CPUs");
        if (pin_self(0, (int)ncpu - 2) != 0)
            die("--pin: cannot set the CPU affinity");
    }
    servers_guard_init(o.timeout_s);
    devices_global_init();
    setvbuf(stdout, NULL, _IOLBF, 0);

    printf("fdo-bench: %u devices per cell, %u in flight, %ld CPUs online\n",
           o.n, o.conc, sysconf(_SC_NPROCESSORS_ONLN));
    device_sizes(&sdev, &swork, &shttp, &scoap);
    printf("device memory owned by the caller (not heap): struct zto_device "
           "%zu bytes, work buffer %zu; POSIX transport objects: HTTP %zu, "
           "CoAP %zu\n",
           sdev, swork, shttp, scoap);
    for (kt = 0; kt < 2; kt++)
        for (tp = 0; tp < 2; tp++) {
            struct cell c;
            if (!(keys & (1 << kt)) || !(tps & (1 << tp)))
                continue;
            memset(&c, 0, sizeof(c));
            c.key_type = kt == 0 ? ZTO_PK_SECP256R1 : ZTO_PK_SECP384R1;
            c.coap = tp == 1;
            c.n = o.n;
            c.conc = o.conc;
            if (!run_cell(&c, &o, &res[nres++]))
                all_ok = false;
        }
    summary(res, nres);
    if (o.device_build != NULL)
        size_report(o.device_build);
    if (o.verify) {
        printf("\nverify: %s\n", all_ok ? "every onboarding succeeded, "
                                          "every credential distinct"
                                        : "FAILED");
        return all_ok ? 0 : 1;
    }
    return 0;
}
