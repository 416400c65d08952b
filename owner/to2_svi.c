/*
 * to2_svi.c - TO2 messages 66-71 on the owner (FDO 1.1 sections 4.4,
 * 9.3, 9.4, 10): size negotiation, the ServiceInfo rounds and the end of
 * TO2, where the voucher is replaced before Done2 goes out.
 *
 * Bodies here are plaintext: to2_handlers.c opens and seals the tunnel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svi_csr.h"
#include "to2_int.h"
#include "zto/zto_crashpoint.h"

/* 66 TO2.DeviceServiceInfoReady -> 67 TO2.OwnerServiceInfoReady */
zto_err_t
to2_svi_ready(struct to2_req *q)
{
    struct owner *o = q->o;
    struct to2_session *s = q->s;
    struct zto_msg_to2_device_svi_ready m;
    struct zto_msg_to2_owner_svi_ready a;
    struct zto_voucher v;
    struct zto_db_ov row;
    uint8_t *vbuf = NULL;
    char g[33];
    zto_err_t r;

    owner_guid_hex(&s->guid, g);
    if ((r = zto_msg_to2_device_svi_ready_decode(q->in, q->in_len, &m)) !=
        ZTO_OK)
        return r;
    if (m.has_hmac) {
        if (s->reuse_offered) {
            /* The header would not change: storing a zero-entry voucher
             * of the same GUID would only lose the entries. */
            snprintf(q->why, q->whycap,
                     "device answered a reuse offer with a new HMAC");
            return ZTO_E_PROTO;
        }
        if (m.hmac.type != ZTO_HMAC_SHA256 && m.hmac.type != ZTO_HMAC_SHA384) {
            snprintf(q->why, q->whycap, "ReplacementHMac is not an HMAC");
            return ZTO_E_PROTO;
        }
        s->has_hmac = true;
        s->repl_hmac.type = m.hmac.type;
        s->repl_hmac.len = m.hmac.value.len;
        memcpy(s->repl_hmac.value, m.hmac.value.p, m.hmac.value.len);
    } else {
        s->reuse = true;
        if (!s->reuse_offered)
            owner_logf(o, OWNER_LOG_WARN,
                       "TO2 GUID %s: device keeps its credential (null "
                       "ReplacementHMac without a reuse offer); the voucher "
                       "stays as it is",
                       g);
    }
    s->owner_svi_max = m.has_max ? m.max_owner_svi_size : ZTO_SVI_DEFAULT_MTU;
    if (s->owner_svi_max < OWNER_MIN_SANE_SVI) {
        owner_logf(o, OWNER_LOG_WARN,
                   "TO2 GUID %s: device's maxOwnerServiceInfoSz %u is "
                   "unusable; using %u",
                   g, (unsigned)s->owner_svi_max, ZTO_SVI_DEFAULT_MTU);
        s->owner_svi_max = ZTO_SVI_DEFAULT_MTU;
    }
    if ((r = to2_voucher(q, &vbuf, &v, &row)) != ZTO_OK)
        return r;
    r = svi_load_plan(o, &s->svi, &s->guid, &row.orig_guid, row.grp);
    free(vbuf);
    if (r != ZTO_OK) {
        snprintf(q->why, q->whycap, "ServiceInfo plan cannot be loaded");
        return r;
    }
    a.has_max = o->device_svi_mtu != 0;
    a.max_device_svi_size = o->device_svi_mtu;
    if ((r = zto_msg_to2_owner_svi_ready_encode(&a, q->out, q->cap,
                                                q->out_len)) != ZTO_OK)
        return r;
    s->state = TO2_S_SVI;
    *q->out_type = ZTO_MSG_TO2_OWNER_SVI_READY;
    owner_logf(o, OWNER_LOG_INFO,
               "TO2 GUID %s: 66 DeviceServiceInfoReady (%s, owner "
               "ServiceInfo up to %u bytes) -> 67 (%zu plan steps)",
               g, s->reuse ? "credential reuse" : "replacement HMAC",
               (unsigned)s->owner_svi_max, s->svi.nsteps);
    return ZTO_OK;
}

/* Largest 69 plaintext: the device's ServiceInfo limit, and its whole
 * message limit once the tunnel has wrapped it. */
static size_t
svi_budget(const struct to2_session *s)
{
    size_t budget = s->owner_svi_max, lim, ov;

    if (s->dev_max_msg >= OWNER_MIN_SANE_MSG) {
        lim = s->dev_max_msg;
        ov = zto_tunnel_overhead(s->cipher, lim);
        lim = lim > ov ? lim - ov : 0;
        if (lim < budget)
            budget = lim;
    }
    return budget;
}

/* 68 TO2.DeviceServiceInfo -> 69 TO2.OwnerServiceInfo */
zto_err_t
to2_svi(struct to2_req *q)
{
    struct to2_session *s = q->s;
    struct zto_msg_to2_device_svi m;
    char g[33];
    zto_err_t r;

    if ((r = zto_msg_to2_device_svi_decode(q->in, q->in_len, &m)) != ZTO_OK)
        return r;
    /* fdo.csr names the device by the GUID it leaves TO2 with. */
    s->svi.next_guid = s->reuse || s->reuse_offered ? s->guid : s->new_guid;
    if ((r = svi_round(q->o, &s->svi, &s->guid, &m, svi_budget(s), q->out,
                       q->cap, q->out_len, q->why, q->whycap)) != ZTO_OK)
        return r;
    *q->out_type = ZTO_MSG_TO2_OWNER_SVI;
    owner_logf(q->o, OWNER_LOG_DEBUG,
               "TO2 GUID %s: 68 DeviceServiceInfo (%zu values%s) -> 69 "
               "(%zu bytes%s)",
               owner_guid_hex(&s->guid, g), m.svi.n, m.is_more ? ", more" : "",
               *q->out_len, s->svi.done_sent ? ", done" : "");
    if (s->svi.done_sent)
        owner_logf(q->o, OWNER_LOG_INFO,
                   "TO2 GUID %s: ServiceInfo complete after %u rounds", g,
                   (unsigned)s->svi.rounds);
    return ZTO_OK;
}

/* 70 TO2.Done -> 71 TO2.Done2. The voucher is replaced (or marked
 * reused) and committed before the answer exists. */
zto_err_t
to2_done(struct to2_req *q)
{
    struct owner *o = q->o;
    struct to2_session *s = q->s;
    struct zto_msg_to2_done m;
    struct zto_msg_to2_done2 a;
    struct zto_db_hook_ev ev, *evp = NULL;
    struct zto_voucher v;
    struct zto_hash hm;
    uint8_t *vbuf = NULL, *nv = NULL;
    size_t nv_cap, nv_len = 0;
    char g[33], ng[33];
    zto_err_t r;

    owner_guid_hex(&s->guid, g);
    if ((r = zto_msg_to2_done_decode(q->in, q->in_len, &m)) != ZTO_OK)
        return r;
    if (!zto_ct_equal(m.nonce.b, s->nonce_prove_dv.b, ZTO_NONCE_LEN)) {
        snprintf(q->why, q->whycap, "Done nonce is not NonceTO2ProveDv");
        return ZTO_E_NONCE;
    }
    a.nonce = s->nonce_setup_dv;
    if ((r = zto_msg_to2_done2_encode(&a, q->out, q->cap, q->out_len)) !=
        ZTO_OK)
        return r;
    /* The report for onboarded_hook goes in the same commit. */
    if (o->onboard_hook) {
        memset(&ev, 0, sizeof(ev));
        ev.guid = s->guid;
        ev.new_guid = s->reuse ? s->guid : s->new_guid;
        ev.reused = s->reuse;
        ev.at = owner_now(o);
        ev.cert_row = svi_csr_last_row(&s->svi);
        evp = &ev;
    }
    if (s->reuse) {
        if ((r = zto_db_owner_ov_reused(o->db, &s->guid, owner_now(o),
                                        evp)) != ZTO_OK)
            return r;
        ZTO_CRASHPOINT("owner.to2.done.committed");
        owner_logf(o, OWNER_LOG_INFO,
                   "TO2 GUID %s: 70 Done -> 71 Done2: onboarded, credential "
                   "reused",
                   g);
    } else {
        if (!s->has_hmac || s->new_hdr_len == 0)
            return ZTO_E_INTERNAL;
        if ((r = to2_voucher(q, &vbuf, &v, NULL)) != ZTO_OK)
            return r;
        /* [101, bstr(OVHeader'), ReplacementHMac, same chain, []] */
        nv_cap = s->new_hdr_len + v.chain_raw.len + 128;
        if ((nv = malloc(nv_cap)) == NULL) {
            r = ZTO_E_NOMEM;
            goto out;
        }
        hm.type = s->repl_hmac.type;
        hm.value = ZTO_BYTES(s->repl_hmac.value, s->repl_hmac.len);
        if ((r = zto_voucher_build(ZTO_BYTES(s->new_hdr, s->new_hdr_len), &hm,
                                   v.cert, v.ncerts, nv, nv_cap, &nv_len)) !=
            ZTO_OK)
            goto out;
        /* The session row goes in the same commit. */
        if ((r = zto_db_owner_ov_replace(o->db, &s->guid, s->voucher_hash,
                                         &s->new_guid, nv, nv_len,
                                         owner_now(o), q->token, evp)) !=
            ZTO_OK) {
            snprintf(q->why, q->whycap,
                     "storing the replacement voucher "
                     "failed (%s)",
                     zto_strerror(r));
            goto out;
        }
        ZTO_CRASHPOINT("owner.to2.done.committed");
        owner_logf(o, OWNER_LOG_INFO,
                   "TO2 GUID %s: 70 Done -> 71 Done2: onboarded, new GUID "
                   "%s, replacement voucher stored",
                   g, owner_guid_hex(&s->new_guid, ng));
        q->session_gone = q->token != NULL;
    }
    q->finished = true;
    *q->out_type = ZTO_MSG_TO2_DONE2;
    r = ZTO_OK;
out:
    free(vbuf);
    free(nv);
    return r;
}
