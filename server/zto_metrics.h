/*
 * zto_metrics.h - the counters behind GET /metrics (Prometheus text
 * exposition format 0.0.4).
 *
 * Process-wide, like the log: a daemon has one set. Two sources feed it:
 *
 *  - the runtime, for every FDO request handed to a role's handler
 *    (srv.c calls zto_metrics_fdo()): messages per transport and type,
 *    ErrorMessages sent and received per code, protocol runs completed
 *    or failed, their duration from the first request to the last answer
 *    (TO2: HelloDevice to Done2, the owner's onboarding latency), and
 *    sessions in progress. Sessions are followed by their token inside
 *    one process; a run that a replica started elsewhere counts as
 *    completed without a duration.
 *  - the roles, for what the runtime cannot see, through
 *    zto_metrics_inc() / zto_metrics_add() / zto_metrics_observe():
 *    the owner's TO0 client results and its TO0 exchange times, vouchers
 *    imported, rejected and handed out, the runs of onboarded_hook.
 *
 * inc/add/observe are safe from any thread (atomic adds). zto_metrics_fdo()
 * and zto_metrics_render() run on the event loop thread.
 */
#ifndef ZTO_METRICS_H
#define ZTO_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zto/zto_err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct zto_srv;
struct zto_srv_req;
struct zto_srv_resp;

/* Counters the roles feed. */
enum zto_metric {
    /* A rendezvous server accepted a registration: TO0.AcceptOwner
     * received (owner) or sent (rendezvous; counted by the runtime). */
    ZTO_METRIC_TO0_REGISTERED = 0,
    /* Owner: a TO0 attempt failed (transport, ErrorMessage, refusal). */
    ZTO_METRIC_TO0_FAILED,
    /* Owner: vouchers stored by an import or upload. */
    ZTO_METRIC_VOUCHERS_IMPORTED,
    /* Owner: vouchers refused by an import or upload. */
    ZTO_METRIC_VOUCHERS_REJECTED,
    /* Manufacturer / owner: vouchers handed out (export, extension,
     * resale). */
    ZTO_METRIC_VOUCHERS_EXPORTED,
    /* Owner: runs of onboarded_hook that exited 0, failed (non-zero
     * exit, a signal, not started) or were killed on timeout. */
    ZTO_METRIC_HOOK_OK,
    ZTO_METRIC_HOOK_FAILED,
    ZTO_METRIC_HOOK_TIMEOUT,
    /* Owner: onboardings waiting for onboarded_hook (a gauge: set with
     * zto_metrics_set()). */
    ZTO_METRIC_HOOK_PENDING,
    ZTO_METRIC_COUNT_
};

/* Histograms (seconds) the roles feed. */
enum zto_metric_hist {
    /* Owner: one TO0 exchange with one rendezvous server. */
    ZTO_HIST_TO0_CLIENT = 0,
    ZTO_HIST_COUNT_
};

void zto_metrics_inc(enum zto_metric m);
void zto_metrics_add(enum zto_metric m, uint64_t n);
void zto_metrics_observe(enum zto_metric_hist h, double seconds);
/* For the gauges among them. */
void zto_metrics_set(enum zto_metric m, uint64_t v);
/* Current value (tests). */
uint64_t zto_metrics_get(enum zto_metric m);

/* ---- Runtime hooks ------------------------------------------------------
 * srv.c: one request went through the role's handler; t0_ms is
 * zto_srv_now_ms() before the handler ran. */
void zto_metrics_fdo(const struct zto_srv_req *req,
                     const struct zto_srv_resp *resp, uint64_t t0_ms);
/* The admin listener answered with `status`; auth_failed for a 401. */
void zto_metrics_admin_request(int status, bool auth_failed);

/* Runs completed so far for a protocol ("di", "to0", "to1", "to2");
 * tests. */
uint64_t zto_metrics_runs_completed(const char *protocol);

struct zto_metrics_info {
    const char *role;          /* "owner" */
    const char *version;       /* "0.1.0" */
    const struct zto_srv *srv; /* transport counters; NULL: not shown */
    int db_up;                 /* 1, 0, or -1: not shown */
    int64_t start_time;        /* Unix seconds the server started; 0: not
                                  shown */
};

/* The exposition text (heap, NUL-terminated; free()). */
ZTO_MUST_CHECK zto_err_t zto_metrics_render(const struct zto_metrics_info *info,
                                            char **out, size_t *len);

/* Forget everything (tests). */
void zto_metrics_reset(void);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_METRICS_H */
