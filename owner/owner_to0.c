/*
 * owner_to0.c - the TO0 thread (owner_to0.h).
 *
 * A pass lists the vouchers, and for each one with entries that has not
 * been handed on, each usable directive of its RendezvousInfo (as the
 * owner reads it: RVOwnerPort, not RVDevOnly) is one rendezvous server.
 * When its registration is due (never done, renewal time reached, or
 * retry time after a failure) TO0 runs against the directive's targets
 * in order (DNS name, then IP address) until one answers. Success and
 * failure go through the TO0 scheduler (renewal at a share of the
 * granted time, doubling backoff with jitter) and are written to the
 * database; every outcome is one log line, and an unreachable
 * rendezvous server says so plainly.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "owner_to0.h"

#ifdef ZTO_OWNER_HAVE_TO0

#include "zto_log.h"
#include "zto_metrics.h"
#include "zto_posix_transport.h"
#include "zto_to0.h"
#include "zto/zto_crashpoint.h"

#define MAX_DIRECTIVES ZTO_MAX_RV_ENTRIES

struct owner_to0 {
    struct owner *o;
    struct owner_to0_cfg cfg;
    struct zto_rvto2addr addr;
    char hosts[ZTO_MAX_RVTO2_ENTRIES][ZTO_HOST_MAX];
    struct zto_to0_sched_cfg sched;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    bool done; /* thread_main returned (under mu) */
    struct zto_http_transport *http;
    struct zto_coap_transport *coap;
    struct zto_any_transport any; /* one of them by each target */
};

struct pass {
    struct owner_to0 *t;
    struct zto_db *db;
    int64_t now;
    /* rows are collected first: TO0 runs for seconds, and the list
     * statement should not stay open meanwhile */
    struct item {
        int64_t id;
        struct zto_guid guid;
        uint8_t *voucher;
        size_t len;
    } * items;
    size_t n, cap;
};

static int
collect(void *ctx, const struct zto_db_ov *row)
{
    struct pass *p = ctx;
    struct item *it;

    if (row->state == ZTO_DB_OV_EXPORTED)
        return 0;
    if (p->n == p->cap) {
        size_t nc = p->cap == 0 ? 16 : p->cap * 2;
        struct item *ni = realloc(p->items, nc * sizeof(*ni));
        if (ni == NULL)
            return 1;
        p->items = ni;
        p->cap = nc;
    }
    it = &p->items[p->n];
    if ((it->voucher = malloc(row->voucher.len)) == NULL)
        return 1;
    memcpy(it->voucher, row->voucher.p, row->voucher.len);
    it->len = row->voucher.len;
    it->id = row->id;
    it->guid = row->guid;
    p->n++;
    return 0;
}

static void
load_sched(const struct zto_db_to0 *s, struct zto_to0_sched *sc)
{
    memset(sc, 0, sizeof(*sc));
    sc->next_at = s->next_at;
    sc->expires_at = s->registered_until;
    sc->failures = (uint32_t)s->failures;
    sc->failing_since = s->failing_since;
    sc->granted = (uint32_t)s->granted;
    sc->last_err = s->failures > 0 ? ZTO_E_TRANSPORT : ZTO_OK;
}

/* Register one voucher at one rendezvous server if it is due. */
static void
one_server(struct pass *p, const struct item *it, const struct zto_to0_rv *rv,
           const struct owner_key *k)
{
    struct owner_to0 *t = p->t;
    struct zto_db_to0 st;
    struct zto_to0_sched sc;
    struct zto_to0_params prm;
    struct zto_to0_result res;
    char url[ZTO_HOST_MAX + 32], line[512], g[33];
    const char *detail = "";
    size_t i;
    uint32_t rnd = 0;
    int level = ZTO_LOG_INFO;
    zto_err_t r = ZTO_E_CONNECT;
    struct timespec t0, t1;

    if (zto_target_url(&rv->target[0], url, sizeof(url)) != ZTO_OK)
        return;
    /* The key of its row in the database (a column of bounded text). */
    url[ZTO_DB_TEXT_MAX - 1] = '\0';
    memset(&st, 0, sizeof(st));
    if (zto_db_owner_to0_get(p->db, it->id, url, &st) == ZTO_OK)
        load_sched(&st, &sc);
    else
        zto_to0_sched_init(&sc, p->now);
    if (!zto_to0_sched_due(&sc, p->now))
        return;
    memset(&prm, 0, sizeof(prm));
    prm.voucher = it->voucher;
    prm.voucher_len = it->len;
    prm.owner = &k->signer;
    prm.addr = &t->addr;
    prm.wait_seconds = t->cfg.wait_seconds;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < rv->ntargets; i++) {
        memset(&res, 0, sizeof(res));
        r = zto_to0_run(&zto_transport_any_ops, &t->any, &rv->target[i], &prm,
                        &res);
        if (r == ZTO_OK || !zto_to0_unreachable(r))
            break; /* an answer, good or bad, ends the search */
    }
    p->now = (int64_t)time(NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    zto_metrics_inc(r == ZTO_OK ? ZTO_METRIC_TO0_REGISTERED
                                : ZTO_METRIC_TO0_FAILED);
    zto_metrics_observe(ZTO_HIST_TO0_CLIENT,
                        (double)(t1.tv_sec - t0.tv_sec) +
                            (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (r == ZTO_OK) {
        ZTO_CRASHPOINT("owner.to0.registered");
        zto_to0_sched_success(&t->sched, &sc, p->now, res.granted);
    } else {
        if (zto_random((uint8_t *)&rnd, sizeof(rnd)) != ZTO_OK)
            rnd = 0;
        zto_to0_sched_failure(&t->sched, &sc, p->now, r, res.peer_code, rnd);
        detail = res.detail;
    }
    owner_guid_hex(&it->guid, g);
    zto_to0_sched_describe(&sc, p->now, url, g, detail, line, sizeof(line),
                           &level);
    ZTO_LOG_(level, NULL, false, ZTO_OK, "TO0: %s", line);

    memset(&st, 0, sizeof(st));
    st.voucher_id = it->id;
    snprintf(st.rv, sizeof(st.rv), "%.*s", (int)sizeof(st.rv) - 1, url);
    st.registered_until = sc.expires_at;
    st.granted = sc.granted;
    st.last_attempt = p->now;
    st.next_at = sc.next_at;
    st.failures = sc.failures;
    st.failing_since = sc.failing_since;
    if (r != ZTO_OK)
        snprintf(st.last_error, sizeof(st.last_error), "%s",
                 detail[0] != '\0' ? detail : zto_strerror(r));
    if (zto_db_owner_to0_put(p->db, &st) != ZTO_OK)
        log_warn("TO0: GUID %s: state for %s not stored", g, url);
}

static void
one_voucher(struct pass *p, const struct item *it)
{
    struct owner_to0 *t = p->t;
    struct zto_voucher v;
    struct zto_pubkey last;
    struct zto_to0_rv rv[MAX_DIRECTIVES];
    struct owner_key *k;
    size_t n = 0, i;
    char g[33];

    owner_guid_hex(&it->guid, g);
    if (zto_voucher_decode(it->voucher, it->len, &v) != ZTO_OK ||
        v.nentries == 0)
        return; /* nothing to prove ownership with */
    if (zto_voucher_owner_key(&v, &last) != ZTO_OK ||
        (k = owner_key_find(t->o, &last)) == NULL) {
        log_warn("TO0: GUID %s: its owner key is not configured", g);
        return;
    }
    if (zto_to0_rv_list(v.hdr.rvinfo.raw.p, v.hdr.rvinfo.raw.len, rv,
                        MAX_DIRECTIVES, &n) != ZTO_OK) {
        log_warn("TO0: GUID %s: RendezvousInfo unusable", g);
        return;
    }
    for (i = 0; i < n; i++) {
        if (rv[i].status != ZTO_OK || rv[i].ntargets == 0)
            continue;
        pthread_mutex_lock(&t->mu);
        if (t->stop) {
            pthread_mutex_unlock(&t->mu);
            return;
        }
        pthread_mutex_unlock(&t->mu);
        one_server(p, it, &rv[i], k);
    }
}

static void
pass_run(struct owner_to0 *t, struct zto_db *db)
{
    struct pass p;
    size_t i;

    memset(&p, 0, sizeof(p));
    p.t = t;
    p.db = db;
    p.now = (int64_t)time(NULL);
    if (zto_db_owner_ov_list(db, collect, &p) != ZTO_OK)
        log_warn("TO0: cannot list vouchers");
    for (i = 0; i < p.n; i++) {
        one_voucher(&p, &p.items[i]);
        free(p.items[i].voucher);
    }
    free(p.items);
}

static void *
thread_main(void *arg)
{
    struct owner_to0 *t = arg;
    struct zto_db *db = NULL;
    struct zto_db_opts dbo;
    struct timespec until;
    zto_err_t r;

    memset(&dbo, 0, sizeof(dbo));
    dbo.sync_full = t->cfg.db_sync;
    if ((r = zto_db_open(t->cfg.db_path, ZTO_DB_OWNER, &dbo, &db)) != ZTO_OK) {
        log_err("TO0: database %s: %s; TO0 stopped", t->cfg.db_path,
                zto_strerror(r));
        return NULL;
    }
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        pthread_mutex_unlock(&t->mu);
        pass_run(t, db);
        pthread_mutex_lock(&t->mu);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += t->cfg.poll_s > 0 ? t->cfg.poll_s : 5;
        while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&t->mu);
    zto_db_close(db);
    pthread_mutex_lock(&t->mu);
    t->done = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

zto_err_t
owner_to0_start(struct owner *o, const struct owner_to0_cfg *cfg,
                struct owner_to0 **out)
{
    struct owner_to0 *t;
    struct zto_http_opts ho;
    struct zto_coap_opts co;
    size_t i;

    if ((t = calloc(1, sizeof(*t))) == NULL)
        return ZTO_E_NOMEM;
    t->o = o;
    t->cfg = *cfg;
    t->addr = *cfg->addr;
    for (i = 0; i < t->addr.n; i++) {
        struct zto_rvto2addr_entry *e = &t->addr.e[i];
        if (e->has_dns) {
            size_t n = e->dns.len < ZTO_HOST_MAX ? e->dns.len : 0;
            memcpy(t->hosts[i], e->dns.p, n);
            e->dns = ZTO_BYTES(t->hosts[i], n);
        }
    }
    t->sched.renew_percent = cfg->renew_percent;
    t->sched.backoff_first_s = cfg->retry_first_s;
    t->sched.backoff_max_s = cfg->retry_max_s;
    t->http = calloc(1, sizeof(*t->http));
    t->coap = calloc(1, sizeof(*t->coap));
    if (t->http == NULL || t->coap == NULL) {
        free(t->http);
        free(t->coap);
        free(t);
        return ZTO_E_NOMEM;
    }
    memset(&ho, 0, sizeof(ho));
    ho.ca_file = cfg->ca_file;
    ho.insecure = cfg->insecure;
    memset(&co, 0, sizeof(co));
    co.ca_file = cfg->ca_file;
    co.insecure = cfg->insecure;
    zto_http_transport_init(t->http, &ho);
    zto_coap_transport_init(t->coap, &co);
    t->any.http = t->http;
    t->any.coap = t->coap;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if (pthread_create(&t->th, NULL, thread_main, t) != 0) {
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        zto_http_transport_free(t->http);
        zto_coap_transport_free(t->coap);
        free(t->http);
        free(t->coap);
        free(t);
        return ZTO_E_INTERNAL;
    }
    *out = t;
    return ZTO_OK;
}

bool
owner_to0_stop(struct owner_to0 *t, unsigned wait_ms)
{
    struct timespec until;
    bool done;

    if (t == NULL)
        return true;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(wait_ms / 1000);
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_broadcast(&t->cv);
    while (!t->done && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0)
        ;
    done = t->done;
    pthread_mutex_unlock(&t->mu);
    if (!done) {
        log_warn("TO0: an exchange with a rendezvous server is still under "
                 "way; not waiting for it");
        pthread_detach(t->th);
        return false; /* t stays: the thread still uses it */
    }
    pthread_join(t->th, NULL);
    zto_http_transport_free(t->http);
    zto_coap_transport_free(t->coap);
    free(t->http);
    free(t->coap);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
    return true;
}

#else /* built without the TO0 client library */

zto_err_t
owner_to0_start(struct owner *o, const struct owner_to0_cfg *cfg,
                struct owner_to0 **out)
{
    (void)o;
    (void)cfg;
    *out = NULL;
    return ZTO_E_NOT_SUPPORTED;
}

bool
owner_to0_stop(struct owner_to0 *t, unsigned wait_ms)
{
    (void)t;
    (void)wait_ms;
    return true;
}

#endif
