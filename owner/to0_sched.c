/*
 * to0_sched.c - where and when the owner runs TO0 (FDO 1.1 sections 4.2,
 * 7.2): the rendezvous servers of a voucher's RendezvousInfo, renewal
 * before the granted time runs out, exponential backoff on failure, and a
 * log line that says plainly when rendezvous cannot be reached. Pure: the
 * caller supplies the time and the randomness.
 */
#include <stdio.h>
#include <string.h>

#include "zto_to0.h"

#define DEF_RENEW_PERCENT 80
#define DEF_MIN_RENEW_S 60
#define DEF_BACKOFF_FIRST_S 10
#define DEF_BACKOFF_MAX_S 3600

zto_err_t
zto_to0_rv_list(const uint8_t *rvinfo, size_t len, struct zto_to0_rv *out,
                size_t cap, size_t *n)
{
    struct zto_rvinfo rv;
    size_t i;
    zto_err_t r;

    if (rvinfo == NULL || out == NULL || n == NULL)
        return ZTO_E_ARG;
    if ((r = zto_rvinfo_decode(rvinfo, len, &rv)) != ZTO_OK)
        return r;
    if (rv.ndirectives > cap)
        return ZTO_E_BUF_TOO_SMALL;
    for (i = 0; i < rv.ndirectives; i++) {
        struct zto_rv_directive d;
        struct zto_to0_rv *o = &out[i];

        memset(o, 0, sizeof(*o));
        o->directive = i;
        o->status = zto_rv_directive_parse(rv.directive[i], &d);
        if (o->status == ZTO_OK)
            o->status = zto_rv_directive_targets(&d, ZTO_RV_ROLE_OWNER,
                                                 o->target, &o->ntargets);
        if (o->status != ZTO_OK)
            o->ntargets = 0;
    }
    *n = rv.ndirectives;
    return ZTO_OK;
}

void
zto_to0_sched_init(struct zto_to0_sched *s, int64_t now)
{
    memset(s, 0, sizeof(*s));
    s->next_at = now;
}

bool
zto_to0_sched_due(const struct zto_to0_sched *s, int64_t now)
{
    return now >= s->next_at;
}

int64_t
zto_to0_sched_wait(const struct zto_to0_sched *s, int64_t now)
{
    return s->next_at > now ? s->next_at - now : 0;
}

bool
zto_to0_sched_registered(const struct zto_to0_sched *s, int64_t now)
{
    return s->expires_at > now;
}

void
zto_to0_sched_success(const struct zto_to0_sched_cfg *cfg,
                      struct zto_to0_sched *s, int64_t now, uint32_t granted)
{
    unsigned pct =
        cfg != NULL && cfg->renew_percent > 0 && cfg->renew_percent < 100
            ? cfg->renew_percent
            : DEF_RENEW_PERCENT;
    uint32_t min_s = cfg != NULL && cfg->min_renew_s > 0 ? cfg->min_renew_s
                                                         : DEF_MIN_RENEW_S;
    int64_t renew = (int64_t)granted * pct / 100;

    if (renew < (int64_t)min_s)
        renew = min_s;
    s->granted = granted;
    s->expires_at = now + (int64_t)granted;
    s->last_ok_at = now;
    s->failing_since = 0;
    s->failures = 0;
    s->last_err = ZTO_OK;
    s->last_peer_code = 0;
    s->next_at = now + renew;
}

void
zto_to0_sched_failure(const struct zto_to0_sched_cfg *cfg,
                      struct zto_to0_sched *s, int64_t now, zto_err_t err,
                      unsigned peer_code, uint32_t rnd)
{
    uint32_t first = cfg != NULL && cfg->backoff_first_s > 0
                         ? cfg->backoff_first_s
                         : DEF_BACKOFF_FIRST_S;
    uint32_t cap = cfg != NULL && cfg->backoff_max_s > 0 ? cfg->backoff_max_s
                                                         : DEF_BACKOFF_MAX_S;
    uint64_t delay = first;
    uint32_t i;

    if (cap < first)
        cap = first;
    if (s->failures < UINT32_MAX)
        s->failures++;
    if (s->failing_since == 0)
        s->failing_since = now;
    for (i = 1; i < s->failures && delay < cap; i++)
        delay *= 2;
    if (delay > cap)
        delay = cap;
    /* +-10 %, so that many vouchers failing together spread out. */
    delay = delay - delay / 10 + rnd % (delay / 5 + 1);
    if (delay < 1)
        delay = 1;
    s->last_err = err;
    s->last_peer_code = peer_code;
    s->next_at = now + (int64_t)delay;
}

const char *
zto_to0_sched_describe(const struct zto_to0_sched *s, int64_t now,
                       const char *url, const char *guid, const char *detail,
                       char *buf, size_t cap, int *level)
{
    char reg[96];
    const char *d = detail != NULL && detail[0] != '\0'
                        ? detail
                        : zto_strerror(s->last_err);

    if (cap == 0)
        return buf;
    if (s->last_err == ZTO_OK && s->failures == 0) {
        snprintf(buf, cap,
                 "registered GUID %s at rendezvous %s for %lu s; renewing "
                 "in %lld s",
                 guid, url, (unsigned long)s->granted,
                 (long long)zto_to0_sched_wait(s, now));
        if (level != NULL)
            *level = ZTO_LOG_INFO;
        return buf;
    }
    if (zto_to0_sched_registered(s, now))
        snprintf(reg, sizeof(reg), "registration still valid for %lld s",
                 (long long)(s->expires_at - now));
    else if (s->expires_at > 0)
        snprintf(reg, sizeof(reg),
                 "NOT REGISTERED (expired %lld s ago): devices cannot find "
                 "this owner",
                 (long long)(now - s->expires_at));
    else
        snprintf(reg, sizeof(reg),
                 "NOT REGISTERED: devices cannot find this owner");
    snprintf(buf, cap,
             "rendezvous %s %s for GUID %s (%s): %lu failure%s in %lld s; "
             "%s; next attempt in %lld s",
             url,
             zto_to0_unreachable(s->last_err)  ? "unreachable"
             : s->last_err == ZTO_E_PEER_ERROR ? "refused registration"
                                               : "registration failed",
             guid, d, (unsigned long)s->failures, s->failures == 1 ? "" : "s",
             (long long)(now - s->failing_since), reg,
             (long long)zto_to0_sched_wait(s, now));
    if (level != NULL)
        *level = zto_to0_sched_registered(s, now) ? ZTO_LOG_WARN : ZTO_LOG_ERR;
    return buf;
}
