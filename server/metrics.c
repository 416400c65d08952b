/*
 * metrics.c - the process's counters and their Prometheus text form
 * (https://prometheus.io/docs/instrumenting/exposition_formats/, version
 * 0.0.4). See zto_metrics.h for what is counted and by whom.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"
#include "zto/zto_cbor.h"
#include "zto_metrics.h"

#define ADD(p, n) __atomic_fetch_add((p), (n), __ATOMIC_RELAXED)
#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

#define NTRANSPORT 4
#define NPROTO 4
/* Sessions followed at once; the oldest is forgotten beyond that. */
#define NSESS 4096
/* A session silent this long is no longer counted as active. */
#define SESS_IDLE_MS (600u * 1000u)

static const char *const transport_names[NTRANSPORT] = {"http", "https", "coap",
                                                        "coaps"};
static const char *const proto_names[NPROTO] = {"di", "to0", "to1", "to2"};

/* ErrorMessage codes of FDO 1.1 section 4.5, then "other". */
static const unsigned err_codes[] = {1, 2, 3, 4, 5, 6, 100, 101, 102, 500};
#define NCODES (sizeof(err_codes) / sizeof(err_codes[0]) + 1)

/* Upper bounds (seconds) of the duration histograms. */
static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                 1,     2.5,  5,     10,   30,  60,   300};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct hist {
    uint64_t count[NBUCKETS + 1]; /* per bucket, not cumulative; +Inf last */
    uint64_t sum_us;
};

struct sess {
    uint64_t key; /* FNV-1a of the token; 0: free slot */
    uint64_t start_ms, last_ms;
    uint8_t proto;
};

/* Process-wide by design, like the log sink. */
static struct {
    uint64_t msgs[NTRANSPORT][256];
    uint64_t err_sent[NCODES];
    uint64_t err_recv[NCODES];
    uint64_t runs_ok[NPROTO];
    uint64_t runs_failed[NPROTO];
    struct hist proto_hist[NPROTO];
    uint64_t role[ZTO_METRIC_COUNT_];
    struct hist role_hist[ZTO_HIST_COUNT_];
    uint64_t admin_status[600];
    uint64_t admin_auth_failed;
    /* Event loop thread only. */
    struct sess sess[NSESS];
} m;

void
zto_metrics_reset(void)
{
    memset(&m, 0, sizeof(m));
}

void
zto_metrics_add(enum zto_metric id, uint64_t n)
{
    if ((unsigned)id < ZTO_METRIC_COUNT_)
        ADD(&m.role[id], n);
}

void
zto_metrics_inc(enum zto_metric id)
{
    zto_metrics_add(id, 1);
}

void
zto_metrics_set(enum zto_metric id, uint64_t v)
{
    if ((unsigned)id < ZTO_METRIC_COUNT_)
        STORE(&m.role[id], v);
}

uint64_t
zto_metrics_get(enum zto_metric id)
{
    return (unsigned)id < ZTO_METRIC_COUNT_ ? LOAD(&m.role[id]) : 0;
}

static void
hist_observe(struct hist *h, double s)
{
    size_t i;

    if (!(s >= 0))
        s = 0; /* also NaN */
    for (i = 0; i < NBUCKETS && s > buckets[i]; i++)
        ;
    ADD(&h->count[i], 1);
    ADD(&h->sum_us, s > 1e12 ? (uint64_t)1e18 : (uint64_t)(s * 1e6));
}

void
zto_metrics_observe(enum zto_metric_hist id, double seconds)
{
    if ((unsigned)id < ZTO_HIST_COUNT_)
        hist_observe(&m.role_hist[id], seconds);
}

void
zto_metrics_admin_request(int status, bool auth_failed)
{
    if (status >= 100 && status < 600)
        ADD(&m.admin_status[status], 1);
    if (auth_failed)
        ADD(&m.admin_auth_failed, 1);
}

/* ---- FDO exchanges ---- */

static int
proto_of(uint8_t type)
{
    if (type >= 10 && type <= 13)
        return 0;
    if (type >= 20 && type <= 23)
        return 1;
    if (type >= 30 && type <= 33)
        return 2;
    if (type >= 60 && type <= 71)
        return 3;
    return -1;
}

static bool
is_first(uint8_t t)
{
    return t == 10 || t == 20 || t == 30 || t == 60;
}

static bool
is_last(uint8_t t)
{
    return t == 13 || t == 23 || t == 33 || t == 71;
}

static size_t
code_index(const uint8_t *body, size_t len)
{
    struct zto_cbor_dec d;
    uint64_t code = 0;
    size_t i;

    zto_cbor_dec_init(&d, body, len);
    if (zto_cbor_get_array_n(&d, 5) != ZTO_OK ||
        zto_cbor_get_uint(&d, &code) != ZTO_OK)
        return NCODES - 1;
    for (i = 0; i + 1 < NCODES; i++)
        if (err_codes[i] == code)
            return i;
    return NCODES - 1;
}

static uint64_t
token_key(const char *tok)
{
    uint64_t h = 0xcbf29ce484222325ull;

    if (tok == NULL || tok[0] == '\0')
        return 0;
    for (; *tok != '\0'; tok++) {
        h ^= (uint8_t)*tok;
        h *= 0x100000001b3ull;
    }
    return h != 0 ? h : 1;
}

static struct sess *
sess_find(uint64_t key)
{
    size_t i;

    if (key == 0)
        return NULL;
    for (i = 0; i < NSESS; i++)
        if (m.sess[i].key == key)
            return &m.sess[i];
    return NULL;
}

static struct sess *
sess_new(uint64_t key)
{
    struct sess *s = sess_find(key), *oldest = &m.sess[0];
    size_t i;

    if (s != NULL)
        return s;
    for (i = 0; i < NSESS; i++) {
        if (m.sess[i].key == 0)
            return &m.sess[i];
        if (m.sess[i].last_ms < oldest->last_ms)
            oldest = &m.sess[i];
    }
    return oldest; /* full: forget the longest-silent one */
}

void
zto_metrics_fdo(const struct zto_srv_req *req, const struct zto_srv_resp *resp,
                uint64_t t0_ms)
{
    int t = req->transport - 1, p = proto_of(req->msg_type);
    struct sess *s;
    uint64_t now;

    if (t >= 0 && t < NTRANSPORT)
        ADD(&m.msgs[t][req->msg_type], 1);
    s = sess_find(token_key(req->token));
    if (req->msg_type == ZTO_MSG_ERROR) {
        /* The peer gave up: the run it was in failed. */
        ADD(&m.err_recv[code_index(req->body, req->len)], 1);
        if (s != NULL) {
            ADD(&m.runs_failed[s->proto], 1);
            s->key = 0;
        }
        return;
    }
    if (resp->msg_type == ZTO_MSG_ERROR) {
        ADD(&m.err_sent[code_index(resp->body, resp->len)], 1);
        if (p >= 0)
            ADD(&m.runs_failed[p], 1);
        if (s != NULL)
            s->key = 0;
        return;
    }
    if (p < 0)
        return;
    now = zto_srv_now_ms();
    if (is_first(req->msg_type)) {
        uint64_t key = token_key(resp->token);
        if (key != 0) {
            s = sess_new(key);
            s->key = key;
            s->start_ms = t0_ms;
            s->last_ms = now;
            s->proto = (uint8_t)p;
        }
        return;
    }
    if (is_last(resp->msg_type)) {
        ADD(&m.runs_ok[p], 1);
        if (resp->msg_type == ZTO_MSG_TO0_ACCEPT_OWNER)
            zto_metrics_inc(ZTO_METRIC_TO0_REGISTERED);
        if (s != NULL) {
            hist_observe(&m.proto_hist[s->proto],
                         (double)(now - s->start_ms) / 1000.0);
            s->key = 0;
        }
        return;
    }
    if (s != NULL) {
        s->last_ms = now;
        if (resp->token[0] != '\0')
            s->key = token_key(resp->token); /* rotated token */
    }
}

uint64_t
zto_metrics_runs_completed(const char *protocol)
{
    size_t i;

    for (i = 0; i < NPROTO; i++)
        if (strcmp(proto_names[i], protocol) == 0)
            return LOAD(&m.runs_ok[i]);
    return 0;
}

/* ---- Exposition ---- */

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \\, \" and \n escaped. */
static void
label_value(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s != NULL && *s != '\0'; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void
hist_write(FILE *f, const char *name, const char *label, const char *lv,
           const struct hist *h)
{
    uint64_t cum = 0, sum_us = LOAD(&h->sum_us);
    char lb[64] = "", only[64] = "";
    size_t i;

    if (label != NULL) {
        snprintf(lb, sizeof(lb), "%s=\"%s\",", label, lv);
        snprintf(only, sizeof(only), "{%s=\"%s\"}", label, lv);
    }
    for (i = 0; i <= NBUCKETS; i++) {
        cum += LOAD(&h->count[i]);
        if (i < NBUCKETS)
            fprintf(f, "%s_bucket{%sle=\"%g\"} %" PRIu64 "\n", name, lb,
                    buckets[i], cum);
        else
            fprintf(f, "%s_bucket{%sle=\"+Inf\"} %" PRIu64 "\n", name, lb, cum);
    }
    fprintf(f, "%s_sum%s %" PRIu64 ".%06" PRIu64 "\n", name, only,
            sum_us / 1000000u, sum_us % 1000000u);
    fprintf(f, "%s_count%s %" PRIu64 "\n", name, only, cum);
}

static void
codes_write(FILE *f, const char *name, const uint64_t *v)
{
    size_t i;

    for (i = 0; i < NCODES; i++) {
        uint64_t x = LOAD(&v[i]);
        if (x == 0)
            continue;
        if (i + 1 < NCODES)
            fprintf(f, "%s{code=\"%u\"} %" PRIu64 "\n", name, err_codes[i], x);
        else
            fprintf(f, "%s{code=\"other\"} %" PRIu64 "\n", name, x);
    }
}

static void
render(FILE *f, const struct zto_metrics_info *info)
{
    uint64_t now = zto_srv_now_ms();
    unsigned active[NPROTO] = {0, 0, 0, 0};
    size_t i, j;

    family(f, "zto_build_info", "gauge", "Role and version of this server.");
    fputs("zto_build_info{role=", f);
    label_value(f, info->role != NULL ? info->role : "");
    fputs(",version=", f);
    label_value(f, info->version != NULL ? info->version : "");
    fputs("} 1\n", f);
    if (info->start_time > 0) {
        family(f, "zto_start_time_seconds", "gauge",
               "When the server started, in Unix seconds.");
        fprintf(f, "zto_start_time_seconds %" PRId64 "\n", info->start_time);
    }
    if (info->db_up >= 0) {
        family(f, "zto_db_up", "gauge",
               "1 if the database answered the last check.");
        fprintf(f, "zto_db_up %d\n", info->db_up > 0 ? 1 : 0);
    }

    family(f, "zto_fdo_messages_total", "counter",
           "FDO requests handled, by transport and message type.");
    for (i = 0; i < NTRANSPORT; i++)
        for (j = 0; j < 256; j++) {
            uint64_t x = LOAD(&m.msgs[i][j]);
            if (x > 0)
                fprintf(f,
                        "zto_fdo_messages_total{transport=\"%s\","
                        "type=\"%zu\"} %" PRIu64 "\n",
                        transport_names[i], j, x);
        }
    family(f, "zto_fdo_errors_sent_total", "counter",
           "ErrorMessages (type 255) sent, by FDO error code.");
    codes_write(f, "zto_fdo_errors_sent_total", m.err_sent);
    family(f, "zto_fdo_errors_received_total", "counter",
           "ErrorMessages (type 255) received from peers, by error code.");
    codes_write(f, "zto_fdo_errors_received_total", m.err_recv);

    family(f, "zto_fdo_runs_total", "counter",
           "Protocol runs that ended, by protocol and result.");
    for (i = 0; i < NPROTO; i++)
        fprintf(f,
                "zto_fdo_runs_total{protocol=\"%s\",result=\"completed\"} "
                "%" PRIu64 "\n"
                "zto_fdo_runs_total{protocol=\"%s\",result=\"failed\"} "
                "%" PRIu64 "\n",
                proto_names[i], LOAD(&m.runs_ok[i]), proto_names[i],
                LOAD(&m.runs_failed[i]));
    family(f, "zto_onboardings_completed_total", "counter",
           "TO2 runs completed (TO2.Done2 sent).");
    fprintf(f, "zto_onboardings_completed_total %" PRIu64 "\n",
            LOAD(&m.runs_ok[3]));
    family(f, "zto_fdo_run_duration_seconds", "histogram",
           "First request to last answer of completed runs, by protocol.");
    for (i = 0; i < NPROTO; i++)
        hist_write(f, "zto_fdo_run_duration_seconds", "protocol",
                   proto_names[i], &m.proto_hist[i]);

    for (i = 0; i < NSESS; i++) {
        struct sess *s = &m.sess[i];
        if (s->key == 0)
            continue;
        if (now - s->last_ms > SESS_IDLE_MS)
            s->key = 0; /* abandoned */
        else
            active[s->proto]++;
    }
    family(f, "zto_fdo_sessions_active", "gauge",
           "Protocol runs in progress (silent ones drop out after 10 "
           "minutes).");
    for (i = 0; i < NPROTO; i++)
        fprintf(f, "zto_fdo_sessions_active{protocol=\"%s\"} %u\n",
                proto_names[i], active[i]);

    family(f, "zto_to0_registrations_total", "counter",
           "TO0 registrations accepted by a rendezvous server.");
    fprintf(f, "zto_to0_registrations_total %" PRIu64 "\n",
            LOAD(&m.role[ZTO_METRIC_TO0_REGISTERED]));
    family(f, "zto_to0_failures_total", "counter",
           "TO0 attempts of this owner that failed.");
    fprintf(f, "zto_to0_failures_total %" PRIu64 "\n",
            LOAD(&m.role[ZTO_METRIC_TO0_FAILED]));
    family(f, "zto_to0_client_duration_seconds", "histogram",
           "TO0 exchanges of this owner with a rendezvous server.");
    hist_write(f, "zto_to0_client_duration_seconds", NULL, NULL,
               &m.role_hist[ZTO_HIST_TO0_CLIENT]);
    family(f, "zto_vouchers_imported_total", "counter",
           "Vouchers stored by imports and uploads.");
    fprintf(f, "zto_vouchers_imported_total %" PRIu64 "\n",
            LOAD(&m.role[ZTO_METRIC_VOUCHERS_IMPORTED]));
    family(f, "zto_vouchers_rejected_total", "counter",
           "Vouchers refused by imports and uploads.");
    fprintf(f, "zto_vouchers_rejected_total %" PRIu64 "\n",
            LOAD(&m.role[ZTO_METRIC_VOUCHERS_REJECTED]));
    family(f, "zto_vouchers_exported_total", "counter",
           "Vouchers handed out (export, extension, resale).");
    fprintf(f, "zto_vouchers_exported_total %" PRIu64 "\n",
            LOAD(&m.role[ZTO_METRIC_VOUCHERS_EXPORTED]));
    if (info->role != NULL && strcmp(info->role, "owner") == 0) {
        family(f, "zto_onboarded_hook_runs_total", "counter",
               "Runs of onboarded_hook, by result.");
        fprintf(f,
                "zto_onboarded_hook_runs_total{result=\"ok\"} %" PRIu64 "\n"
                "zto_onboarded_hook_runs_total{result=\"failed\"} %" PRIu64 "\n"
                "zto_onboarded_hook_runs_total{result=\"timeout\"} %" PRIu64
                "\n",
                LOAD(&m.role[ZTO_METRIC_HOOK_OK]),
                LOAD(&m.role[ZTO_METRIC_HOOK_FAILED]),
                LOAD(&m.role[ZTO_METRIC_HOOK_TIMEOUT]));
        family(f, "zto_onboarded_hook_pending", "gauge",
               "Onboardings waiting for onboarded_hook (not failed).");
        fprintf(f, "zto_onboarded_hook_pending %" PRIu64 "\n",
                LOAD(&m.role[ZTO_METRIC_HOOK_PENDING]));
    }

    if (info->srv != NULL) {
        struct zto_srv_stats st;
        zto_srv_get_stats(info->srv, &st);
        family(f, "zto_transport_refused_total", "counter",
               "FDO requests refused by a transport adapter (path, method, "
               "content type, size, connection limit).");
        fprintf(f, "zto_transport_refused_total %lu\n", st.refused);
        family(f, "zto_coap_replayed_total", "counter",
               "CoAP requests answered from the duplicate cache.");
        fprintf(f, "zto_coap_replayed_total %lu\n", st.coap_replayed);
        family(f, "zto_http_connections", "gauge",
               "FDO HTTP connections open.");
        fprintf(f, "zto_http_connections %lu\n", st.http_connections);
    }

    family(f, "zto_admin_requests_total", "counter",
           "Admin API requests answered, by HTTP status.");
    for (i = 100; i < 600; i++) {
        uint64_t x = LOAD(&m.admin_status[i]);
        if (x > 0)
            fprintf(f, "zto_admin_requests_total{code=\"%zu\"} %" PRIu64 "\n",
                    i, x);
    }
    family(f, "zto_admin_auth_failures_total", "counter",
           "Admin API requests refused for missing or bad credentials.");
    fprintf(f, "zto_admin_auth_failures_total %" PRIu64 "\n",
            LOAD(&m.admin_auth_failed));
}

zto_err_t
zto_metrics_render(const struct zto_metrics_info *info, char **out, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f;

    if ((f = open_memstream(&buf, &n)) == NULL)
        return ZTO_E_NOMEM;
    render(f, info);
    if (ferror(f) != 0) {
        fclose(f);
        free(buf);
        return ZTO_E_NOMEM;
    }
    if (fclose(f) != 0) {
        free(buf);
        return ZTO_E_NOMEM;
    }
    *out = buf;
    *len = n;
    return ZTO_OK;
}
