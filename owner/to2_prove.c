/*
 * to2_prove.c - TO2 messages 60-65 on the owner (FDO 1.1 section 4.4):
 * the owner proves the voucher (61, 63), the device proves its key (64),
 * and the owner sets up the new credential (65).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "to2_int.h"

static const char *
guid_hex(const struct zto_guid *g, char *buf)
{
    return owner_guid_hex(g, buf);
}

zto_err_t
to2_voucher(struct to2_req *q, uint8_t **buf, struct zto_voucher *v,
            struct zto_db_ov *row)
{
    struct zto_db_ov tmp;
    struct zto_hash_buf h;
    uint8_t *b;
    zto_err_t r;

    *buf = NULL;
    if ((b = malloc(OWNER_MAX_VOUCHER)) == NULL)
        return ZTO_E_NOMEM;
    r = zto_db_owner_ov_get(q->o->db, &q->s->guid, b, OWNER_MAX_VOUCHER, &tmp);
    if (r == ZTO_E_NOT_FOUND) /* a run on a kept voucher (to2_hello) */
        r = zto_db_owner_ov_get_prev(q->o->db, &q->s->guid, b,
                                     OWNER_MAX_VOUCHER, &tmp);
    if (r != ZTO_OK)
        goto fail;
    /* Replaced or handed on since this session proved it. */
    if ((r = zto_hash(ZTO_HASH_SHA256, tmp.voucher.p, tmp.voucher.len, &h)) !=
        ZTO_OK)
        goto fail;
    if (!zto_ct_equal(h.value, q->s->voucher_hash, 32) ||
        tmp.state == ZTO_DB_OV_EXPORTED) {
        snprintf(q->why, q->whycap, "voucher changed during the session");
        r = ZTO_E_STATE;
        goto fail;
    }
    if ((r = zto_voucher_decode(tmp.voucher.p, tmp.voucher.len, v)) != ZTO_OK) {
        r = ZTO_E_CORRUPT;
        goto fail;
    }
    if (row != NULL)
        *row = tmp;
    *buf = b;
    return ZTO_OK;
fail:
    free(b);
    return r;
}

/* The sgType a device key signs with. */
static bool
siginfo_fits(const struct zto_siginfo *si, const struct zto_key *dev)
{
    switch (dev->pk_type) {
    case ZTO_PK_SECP256R1:
        return si->type == ZTO_SG_ES256;
    case ZTO_PK_SECP384R1:
        return si->type == ZTO_SG_ES384;
    default:
        return si->type == ZTO_SG_RS256 || si->type == ZTO_SG_RS384 ||
               si->type == ZTO_SG_PS256 || si->type == ZTO_SG_PS384;
    }
}

/* Type and size of the device key (the leaf of the voucher's chain) in
 * dev, without decoding the certificate when its key is one FDO names;
 * dev->impl stays NULL then. */
static zto_err_t
device_key_type(const struct zto_voucher *v, struct zto_key *dev)
{
    if (zto_cert_key_type(v->cert[0].p, v->cert[0].len, &dev->pk_type,
                          &dev->bits) == ZTO_OK)
        return ZTO_OK;
    return zto_key_from_cert_der(v->cert[0].p, v->cert[0].len, dev);
}

/* Hash type of helloDeviceHash: that of the voucher's cert-chain hash
 * (what go-fdo does), else the one matching the header HMAC. */
static int32_t
hello_hash_type(const struct zto_voucher *v)
{
    if (v->hdr.has_cert_hash)
        return v->hdr.cert_hash.type;
    return v->hmac.type == ZTO_HMAC_SHA384 ? ZTO_HASH_SHA384 : ZTO_HASH_SHA256;
}

/* 60 TO2.HelloDevice -> 61 TO2.ProveOVHdr */
zto_err_t
to2_hello(struct to2_req *q)
{
    struct owner *o = q->o;
    struct to2_session *s = q->s;
    struct zto_msg_to2_hello_device h;
    struct zto_msg_to2_prove_ovhdr p;
    struct zto_db_ov row;
    struct zto_voucher v;
    struct zto_pubkey owner_pk;
    struct owner_key *ok;
    struct zto_key dev;
    struct zto_hash_buf hh, vh;
    uint8_t xa[ZTO_KEX_PARAM_MAX];
    uint8_t *vbuf = NULL;
    size_t xa_len = 0;
    char g[33];
    int suite = 0;
    zto_err_t r;

    zto_key_init(&dev);
    if ((r = zto_msg_to2_hello_device_decode(q->in, q->in_len, &h)) != ZTO_OK)
        return r;
    s->guid = h.guid;
    if ((r = zto_kex_suite_from_name(h.kex_name.p, h.kex_name.len, &suite)) !=
        ZTO_OK) {
        snprintf(q->why, q->whycap, "unknown key exchange \"%.*s\"",
                 (int)(h.kex_name.len > 16 ? 16 : h.kex_name.len),
                 (const char *)h.kex_name.p);
        return ZTO_E_UNSUPPORTED;
    }
    if (!zto_tunnel_cipher_supported(h.cipher)) {
        snprintf(q->why, q->whycap, "unsupported cipher suite %ld",
                 (long)h.cipher);
        return ZTO_E_UNSUPPORTED;
    }
    if ((vbuf = malloc(OWNER_MAX_VOUCHER)) == NULL)
        return ZTO_E_NOMEM;
    r = zto_db_owner_ov_get(o->db, &h.guid, vbuf, OWNER_MAX_VOUCHER, &row);
    if (r == ZTO_E_NOT_FOUND) {
        /* A device that never got the Done2 of its last TO2 (the owner
         * stopped, the answer was lost) comes back with the credential
         * of before: serve the voucher that TO2 replaced. */
        r = zto_db_owner_ov_get_prev(o->db, &h.guid, vbuf, OWNER_MAX_VOUCHER,
                                     &row);
        if (r == ZTO_OK)
            owner_logf(o, OWNER_LOG_WARN,
                       "TO2 GUID %s: the device did not take the credential "
                       "of its last TO2; serving the voucher it replaced",
                       guid_hex(&h.guid, g));
    }
    if (r == ZTO_E_NOT_FOUND ||
        (r == ZTO_OK && row.state == ZTO_DB_OV_EXPORTED)) {
        snprintf(q->why, q->whycap, "no voucher for this GUID");
        r = ZTO_E_NO_RESOURCE;
        goto out;
    }
    if (r != ZTO_OK)
        goto out;
    if ((r = zto_voucher_decode(row.voucher.p, row.voucher.len, &v)) !=
        ZTO_OK) {
        r = ZTO_E_CORRUPT;
        goto out;
    }
    /* A zero-entry voucher (e.g. the replacement after a TO2) must be
     * extended before a device can be onboarded with it. */
    if (v.nentries == 0 || !v.has_chain || v.ncerts == 0) {
        snprintf(q->why, q->whycap, "voucher has no entries");
        r = ZTO_E_NO_RESOURCE;
        goto out;
    }
    if ((r = zto_voucher_owner_key(&v, &owner_pk)) != ZTO_OK)
        goto out;
    if ((ok = owner_key_find(o, &owner_pk)) == NULL) {
        snprintf(q->why, q->whycap,
                 "voucher's owner key is not one of this owner's keys");
        r = ZTO_E_NO_RESOURCE;
        goto out;
    }
    /* The device key's type is all 61 needs: its certificate is
     * decoded and verified at 64. */
    if ((r = device_key_type(&v, &dev)) != ZTO_OK)
        goto out;
    if ((r = zto_kex_suite_allowed(suite, &dev, &ok->key)) != ZTO_OK) {
        snprintf(q->why, q->whycap,
                 "key exchange %s does not fit the device and owner keys",
                 zto_kex_suite_name(suite));
        goto out;
    }
    if (!siginfo_fits(&h.siginfo, &dev)) {
        snprintf(q->why, q->whycap,
                 "eASigInfo %ld does not fit the device "
                 "key",
                 (long)h.siginfo.type);
        r = ZTO_E_UNSUPPORTED;
        goto out;
    }

    if ((r = zto_kex_start(&s->kex, suite, ZTO_KEX_OWNER)) != ZTO_OK ||
        (r = zto_kex_param(&s->kex, NULL, xa, sizeof(xa), &xa_len)) != ZTO_OK ||
        (r = zto_random(s->nonce_prove_dv.b, ZTO_NONCE_LEN)) != ZTO_OK ||
        (r = zto_hash(hello_hash_type(&v), q->in, q->in_len, &hh)) != ZTO_OK ||
        (r = zto_hash(ZTO_HASH_SHA256, row.voucher.p, row.voucher.len, &vh)) !=
            ZTO_OK)
        goto out;

    memset(&p, 0, sizeof(p));
    p.ovheader = v.header_raw;
    p.num_entries = (uint8_t)v.nentries;
    p.hmac = v.hmac;
    p.hmac_raw = v.hmac_raw;
    p.nonce_prove_ov = h.nonce;
    p.siginfo = h.siginfo; /* eBSigInfo echoes eASigInfo */
    p.xa = ZTO_BYTES(xa, xa_len);
    p.hello_hash.type = hh.type;
    p.hello_hash.value = ZTO_BYTES(hh.value, hh.len);
    p.max_owner_msg_size = ZTO_MAX_MSG_SIZE;
    p.nonce_prove_dv = s->nonce_prove_dv;
    p.owner_key = owner_pk; /* as the voucher has it */
    if ((r = zto_msg_to2_prove_ovhdr_encode(&p, &ok->signer, q->out, q->cap,
                                            q->out_len)) != ZTO_OK)
        goto out;

    s->state = TO2_S_ENTRIES;
    memcpy(s->voucher_hash, vh.value, 32);
    s->num_entries = (uint8_t)v.nentries;
    s->kex_suite = suite;
    s->cipher = h.cipher;
    s->dev_max_msg = h.max_msg_size;
    snprintf(s->key_fp, sizeof(s->key_fp), "%s", ok->fp);
    *q->out_type = ZTO_MSG_TO2_PROVE_OVHDR;
    owner_logf(o, OWNER_LOG_INFO,
               "TO2 GUID %s: 60 HelloDevice (%s, cipher %ld) -> 61 "
               "ProveOVHdr (%zu entries)",
               guid_hex(&h.guid, g), zto_kex_suite_name(suite), (long)h.cipher,
               v.nentries);
    if (h.max_msg_size != 0 && h.max_msg_size < OWNER_MIN_SANE_MSG)
        owner_logf(o, OWNER_LOG_WARN,
                   "TO2 GUID %s: device claims to receive at most %u "
                   "bytes; not believed (section 10.1)",
                   g, (unsigned)h.max_msg_size);
    r = ZTO_OK;
out:
    zto_zeroize(xa, sizeof(xa));
    zto_key_free(&dev);
    free(vbuf);
    return r;
}

/* 62 TO2.GetOVNextEntry -> 63 TO2.OVNextEntry */
zto_err_t
to2_next_entry(struct to2_req *q)
{
    struct zto_msg_to2_get_ovnext_entry m;
    struct zto_msg_to2_ovnext_entry a;
    struct zto_voucher v;
    uint8_t *vbuf = NULL;
    char g[33];
    zto_err_t r;

    if ((r = zto_msg_to2_get_ovnext_entry_decode(q->in, q->in_len, &m)) !=
        ZTO_OK)
        return r;
    /* 0 .. NumOVEntries - 1: no off-by-one. */
    if (m.entry_num >= q->s->num_entries) {
        snprintf(q->why, q->whycap, "entry %u asked, voucher has %u",
                 (unsigned)m.entry_num, (unsigned)q->s->num_entries);
        return ZTO_E_PROTO;
    }
    if ((r = to2_voucher(q, &vbuf, &v, NULL)) != ZTO_OK)
        return r;
    a.entry_num = m.entry_num;
    if ((r = zto_voucher_entry(&v, m.entry_num, &a.entry)) == ZTO_OK &&
        (r = zto_msg_to2_ovnext_entry_encode(&a, q->out, q->cap, q->out_len)) ==
            ZTO_OK) {
        *q->out_type = ZTO_MSG_TO2_OVNEXT_ENTRY;
        owner_logf(q->o, OWNER_LOG_INFO,
                   "TO2 GUID %s: 62 GetOVNextEntry -> 63 entry %u",
                   guid_hex(&q->s->guid, g), (unsigned)m.entry_num);
    }
    free(vbuf);
    return r;
}

/* Replacement values and the SetupDevice signer (sections 4.4, 9.3,
 * 9.4): reuse keeps GUID, RendezvousInfo and owner key; otherwise a new
 * random GUID, the configured RendezvousInfo (or the voucher's) and
 * Owner2Key (the configured replacement key, or the current owner key).
 */
static zto_err_t
setup_device(struct to2_req *q, const struct zto_voucher *v,
             struct owner_key *cur)
{
    struct owner *o = q->o;
    struct to2_session *s = q->s;
    struct zto_msg_to2_setup_device m, back;
    struct zto_ov_header_kept kept;
    const struct zto_signer *signer = &cur->signer;
    uint8_t keybuf[ZTO_MAX_PUBKEY_SIZE];
    size_t hdr_cap;
    zto_err_t r;

    memset(&m, 0, sizeof(m));
    m.nonce_setup_dv = s->nonce_setup_dv;
    if ((r = zto_voucher_owner_key(v, &m.owner2_key)) != ZTO_OK)
        return r;
    if (o->reuse) {
        m.guid = s->guid;
        m.rvinfo = v->hdr.rvinfo;
        s->reuse_offered = true;
    } else {
        if ((r = zto_random(m.guid.b, ZTO_GUID_LEN)) != ZTO_OK)
            return r;
        if (o->rvinfo_len > 0) {
            if ((r = zto_rvinfo_decode(o->rvinfo, o->rvinfo_len, &m.rvinfo)) !=
                ZTO_OK)
                return r;
        } else {
            m.rvinfo = v->hdr.rvinfo;
        }
        if (o->has_owner2) {
            if ((r = zto_key_to_pubkey(&o->owner2_store.key, ZTO_PKENC_X509,
                                       keybuf, sizeof(keybuf),
                                       &m.owner2_key)) != ZTO_OK)
                return r;
            signer = &o->owner2_store.signer;
        }
        s->new_guid = m.guid;
    }
    if ((r = zto_msg_to2_setup_device_encode(&m, signer, q->out, q->cap,
                                             q->out_len)) != ZTO_OK)
        return r;
    if (s->reuse_offered)
        return ZTO_OK;
    /* OVHeader' from the bytes just produced, as the device will build
     * it from the bytes it receives. */
    if ((r = zto_msg_to2_setup_device_decode(q->out, *q->out_len, &back)) !=
        ZTO_OK)
        return r;
    if ((r = zto_ov_header_kept(v->header_raw, &kept)) != ZTO_OK)
        return r;
    hdr_cap = v->header_raw.len + back.cose.payload.len;
    if ((s->new_hdr = malloc(hdr_cap)) == NULL)
        return ZTO_E_NOMEM;
    return zto_ov_header_replace(&kept, back.cose.payload, s->new_hdr, hdr_cap,
                                 &s->new_hdr_len);
}

/* 64 TO2.ProveDevice -> 65 TO2.SetupDevice (plaintext; sealed by the
 * caller) */
zto_err_t
to2_prove_device(struct to2_req *q)
{
    struct owner *o = q->o;
    struct to2_session *s = q->s;
    struct zto_eat eat;
    struct zto_voucher v;
    struct zto_key dev;
    struct zto_bytes xb;
    struct owner_key *cur;
    uint8_t shse[ZTO_KEX_SHSE_MAX], ctx[96];
    size_t shse_len = 0, ctx_len = 0;
    uint8_t *vbuf = NULL;
    char g[33];
    zto_err_t r;

    zto_key_init(&dev);
    if ((r = zto_eat_decode(q->in, q->in_len, &eat)) != ZTO_OK)
        return r;
    if ((r = to2_voucher(q, &vbuf, &v, NULL)) != ZTO_OK)
        return r;
    if ((cur = owner_key_by_fp(o, s->key_fp)) == NULL) {
        snprintf(q->why, q->whycap, "owner key no longer configured");
        r = ZTO_E_NO_RESOURCE;
        goto out;
    }
    /* The device key is the leaf of the voucher's device chain; the
     * chain must satisfy this owner's trust policy. One decoding of the
     * leaf gives both. */
    if ((r = owner_chain_verify(o, v.cert, v.ncerts, &dev)) != ZTO_OK) {
        if (r == ZTO_E_CERT)
            snprintf(q->why, q->whycap, "device certificate chain not trusted");
        goto out;
    }
    if ((r = zto_cose_sign1_verify(&eat.cose, &dev)) != ZTO_OK) {
        snprintf(q->why, q->whycap, "device signature does not verify");
        goto out;
    }
    if (!zto_ct_equal(eat.nonce.b, s->nonce_prove_dv.b, ZTO_NONCE_LEN)) {
        snprintf(q->why, q->whycap, "EAT nonce is not NonceTO2ProveDv");
        r = ZTO_E_NONCE;
        goto out;
    }
    if (memcmp(eat.guid.b, s->guid.b, ZTO_GUID_LEN) != 0) {
        snprintf(q->why, q->whycap, "EAT UEID is not the session's GUID");
        r = ZTO_E_PROTO;
        goto out;
    }
    if (!eat.has_euph_nonce) {
        snprintf(q->why, q->whycap, "EAT without EUPHNonce");
        r = ZTO_E_MISSING;
        goto out;
    }
    if ((r = zto_eat_fdo_xb(&eat, &xb)) != ZTO_OK)
        goto out;
    if ((r = zto_kex_derive(&s->kex, xb.p, xb.len, &cur->key, shse,
                            sizeof(shse), &shse_len, ctx, sizeof(ctx),
                            &ctx_len)) != ZTO_OK ||
        (r = zto_tunnel_setup(&s->tunnel, s->cipher, shse, shse_len, ctx,
                              ctx_len)) != ZTO_OK) {
        snprintf(q->why, q->whycap, "key exchange failed");
        goto out;
    }
    zto_kex_wipe(&s->kex);
    s->kex.suite = s->kex_suite;
    s->kex.role = ZTO_KEX_OWNER;
    s->nonce_setup_dv = eat.euph_nonce;
    if ((r = setup_device(q, &v, cur)) != ZTO_OK)
        goto out;
    s->state = TO2_S_SVI_READY;
    *q->out_type = ZTO_MSG_TO2_SETUP_DEVICE;
    owner_logf(o, OWNER_LOG_INFO,
               "TO2 GUID %s: 64 ProveDevice verified -> 65 SetupDevice (%s)",
               guid_hex(&s->guid, g),
               s->reuse_offered ? "credential reuse offered"
                                : "new credential");
out:
    zto_zeroize(shse, sizeof(shse));
    zto_zeroize(ctx, sizeof(ctx));
    zto_key_free(&dev);
    free(vbuf);
    return r;
}
