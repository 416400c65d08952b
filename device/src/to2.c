/*
 * to2.c - TO2, device side (FDO 1.1 section 4.4).
 *
 *   step(NULL) -> 60 HelloDevice
 *   61 ProveOVHdr   -> 62 GetOVNextEntry [0]    (checks 1-7, 9)
 *   63 OVNextEntry  -> 62 [n+1] ... | 64 ProveDevice (check 8)
 *   65 SetupDevice  -> 66 DeviceServiceInfoReady
 *   67 OwnerServiceInfoReady -> 68 DeviceServiceInfo (devmod)
 *   69 OwnerServiceInfo -> 68 ... | 70 Done (after IsDone)
 *   71 Done2        -> new credential stored, ZTO_DONE
 *
 * Device checks on 61 (failures answer ErrorMessage 101, undecodable
 * messages 100): the COSE signature with CUPHOwnerPubKey; our nonce
 * echoed; helloDeviceHash over the 60 bytes as sent (SHA-256 or
 * SHA-384, as the owner wrote it); the header HMAC with our secret over
 * the header bytes as received; DCPubKeyHash over the header key as
 * received; the header GUID is ours; at least one entry; the TO1 blob's
 * signature when TO1 led here. Then every entry is walked as it arrives
 * (signature with the previous key, both hash links) and the last
 * entry's key must equal CUPHOwnerPubKey as a key. 65 is opened with the
 * tunnel, its nonce checked and its signature verified with Owner2Key;
 * the same GUID, RendezvousInfo and owner key mean credential reuse
 * (refused with 102 unless cfg.allow_cred_reuse). Otherwise OVHeader' is
 * spliced from received bytes and HMACed with our (unchanged) secret.
 * The new credential is written to storage only after a valid 71, in
 * one atomic write.
 *
 * Buffers: the receive slot holds a message as it came, the scratch slot
 * its plaintext (65-71) or what a message is built from, the send slot
 * the answer.
 */
#include "svi_int.h"

enum to2_state {
    TO2_IDLE = 0,
    TO2_WAIT_61,
    TO2_WAIT_63,
    TO2_WAIT_65,
    TO2_WAIT_67,
    TO2_WAIT_69,
    TO2_WAIT_71
};

/* Forget the run. keep_to1d: at the start, where zto_to2_begin() said
 * TO2 came from must survive; at the end it must not reach the next
 * run. */
static void
to2_reset(struct zto_device *dev, bool keep_to1d)
{
    const uint8_t *to1d = dev->to2.to1d;
    size_t to1d_len = dev->to2.to1d_len;
    bool set = dev->to2.to1d_set;

    zto_tunnel_wipe(&dev->to2.tunnel);
    zto_zeroize(&dev->to2, sizeof(dev->to2));
    if (keep_to1d) {
        dev->to2.to1d_set = set;
        dev->to2.to1d = to1d;
        dev->to2.to1d_len = to1d_len;
    }
}

void
zto_to2_begin(struct zto_device *dev, const uint8_t *to1d, size_t to1d_len)
{
    if (dev == NULL)
        return;
    dev->to2.to1d_set = true;
    dev->to2.to1d = to1d_len > 0 ? to1d : NULL;
    dev->to2.to1d_len = to1d != NULL ? to1d_len : 0;
}

/* The device key's type: the signer's, or the credential key's. */
static zto_err_t
device_key(struct zto_device *dev, struct zto_key *k, int32_t *type)
{
    const struct zto_device_cfg *cfg = dev->cfg;
    zto_err_t r;

    if (cfg->signer != NULL) {
        *type = cfg->signer->pub != NULL ? cfg->signer->pub->pk_type
                                         : cfg->key_type;
        if (*type == 0)
            *type = cfg->signer->alg == ZTO_SG_ES384 ? ZTO_PK_SECP384R1
                                                     : ZTO_PK_SECP256R1;
        return ZTO_OK;
    }
    if (dev->cred.key_der_len == 0)
        return ZTO_E_KEY;
    if ((r = zto_key_from_private_der(dev->cred.key_der, dev->cred.key_der_len,
                                      k)) != ZTO_OK)
        return r;
    *type = k->pk_type;
    return ZTO_OK;
}

/* step(NULL): 60 TO2.HelloDevice */
static zto_err_t
to2_start(struct zto_device *dev, uint8_t *out, size_t cap, size_t *out_len,
          uint8_t *out_type)
{
    const struct zto_device_cfg *cfg = dev->cfg;
    struct zto_device_to2 *t = &dev->to2;
    struct zto_msg_to2_hello_device m;
    struct zto_key k;
    const char *name;
    char guid[2 * ZTO_GUID_LEN + 1];
    int32_t type = 0;
    size_t n = 0;
    zto_err_t r;

    to2_reset(dev, true);
    if (!dev->have_cred)
        return ZTO_E_NOT_FOUND;
    /* Started by the onboarding walk: TO1 left its answer (or nothing,
     * after RVBypass) in the TO1 state. */
    if (!t->to1d_set && dev->to1.to1d_len > 0 &&
        dev->to1.to1d_len <= sizeof(dev->to1.to1d)) {
        t->to1d = dev->to1.to1d;
        t->to1d_len = dev->to1.to1d_len;
    }
    zto_key_init(&k);
    r = device_key(dev, &k, &type);
    zto_key_free(&k);
    if (r != ZTO_OK)
        return r;
    if (type != ZTO_PK_SECP256R1 && type != ZTO_PK_SECP384R1)
        return ZTO_E_KEY;
    t->kex_suite = cfg->kex_suite != 0        ? cfg->kex_suite
                   : type == ZTO_PK_SECP384R1 ? ZTO_KEX_ECDH384
                                              : ZTO_KEX_ECDH256;
    t->cipher = cfg->cipher != 0           ? cfg->cipher
                : type == ZTO_PK_SECP384R1 ? ZTO_COSE_A256GCM
                                           : ZTO_COSE_A128GCM;
    if ((name = zto_kex_suite_name(t->kex_suite)) == NULL ||
        !zto_tunnel_cipher_supported(t->cipher))
        return ZTO_E_CONFIG;
    if ((r = zto_random(t->nonce_prove_ov.b, ZTO_NONCE_LEN)) != ZTO_OK)
        return r;
    memset(&m, 0, sizeof(m));
    /* The largest message we can take: one work slot. */
    m.max_msg_size =
        (uint16_t)(dev->slot > ZTO_MAX_MSG_SIZE ? ZTO_MAX_MSG_SIZE : dev->slot);
    m.guid = dev->cred.guid;
    m.nonce = t->nonce_prove_ov;
    m.kex_name = ZTO_BYTES(name, strlen(name));
    m.cipher = t->cipher;
    m.siginfo.type = type == ZTO_PK_SECP384R1 ? ZTO_SG_ES384 : ZTO_SG_ES256;
    m.siginfo.info = ZTO_BYTES("", 0);
    if ((r = zto_msg_to2_hello_device_encode(&m, out, cap, &n)) != ZTO_OK)
        return r;
    /* helloDeviceHash comes back in 61 in the owner's choice of type. */
    if ((r = zto_hash(ZTO_HASH_SHA256, out, n, &t->hello256)) != ZTO_OK ||
        (r = zto_hash(ZTO_HASH_SHA384, out, n, &t->hello384)) != ZTO_OK)
        return r;
    t->state = TO2_WAIT_61;
    *out_len = n;
    *out_type = ZTO_MSG_TO2_HELLO_DEVICE;
    DEV_INFO(dev, "TO2: sending HelloDevice, GUID ",
             dev_guid_str(&dev->cred.guid, guid), NULL);
    return ZTO_OK;
}

static zto_err_t
keep(uint8_t *dst, size_t cap, size_t *len, struct zto_bytes b)
{
    if (b.len > cap)
        return ZTO_E_TOO_BIG;
    memcpy(dst, b.p, b.len);
    *len = b.len;
    return ZTO_OK;
}

static zto_err_t
ask_entry(struct zto_device *dev, uint8_t num, uint8_t *out, size_t cap,
          size_t *out_len, uint8_t *out_type)
{
    struct zto_msg_to2_get_ovnext_entry m;
    zto_err_t r;

    m.entry_num = num;
    if ((r = zto_msg_to2_get_ovnext_entry_encode(&m, out, cap, out_len)) !=
        ZTO_OK)
        return r;
    dev->to2.next_entry = num;
    dev->to2.state = TO2_WAIT_63;
    *out_type = ZTO_MSG_TO2_GET_OVNEXT_ENTRY;
    return ZTO_OK;
}

/* 61 TO2.ProveOVHdr -> 62 */
static zto_err_t
on_prove_ovhdr(struct zto_device *dev, const uint8_t *in, size_t in_len,
               uint8_t *out, size_t cap, size_t *out_len, uint8_t *out_type)
{
    struct zto_device_to2 *t = &dev->to2;
    const struct zto_device_cred *c = &dev->cred;
    struct zto_msg_to2_prove_ovhdr m;
    struct zto_ov_header h;
    struct zto_ov_header_kept kept;
    const struct zto_hash_buf *mine;
    zto_err_t r;

    if ((r = zto_msg_to2_prove_ovhdr_decode(in, in_len, &m)) != ZTO_OK)
        return r;
    /* 1. Signed by the key it names (trusted only once the walk ends in
     * it). */
    if ((r = zto_cose_sign1_verify_pubkey(&m.cose, &m.owner_key)) != ZTO_OK) {
        DEV_ERR(dev, "TO2: ProveOVHdr signature does not verify", NULL, NULL);
        return r == ZTO_E_SIGNATURE ? r : ZTO_E_KEY;
    }
    /* 2. Our nonce. */
    if (!zto_ct_equal(m.nonce_prove_ov.b, t->nonce_prove_ov.b, ZTO_NONCE_LEN)) {
        DEV_ERR(dev, "TO2: ProveOVHdr does not echo our nonce", NULL, NULL);
        return ZTO_E_NONCE;
    }
    /* 3. Our HelloDevice, as sent. */
    mine = m.hello_hash.type == ZTO_HASH_SHA384 ? &t->hello384 : &t->hello256;
    if (m.hello_hash.value.len != mine->len ||
        !zto_ct_equal(m.hello_hash.value.p, mine->value, mine->len)) {
        DEV_ERR(dev, "TO2: helloDeviceHash is not our HelloDevice", NULL, NULL);
        return ZTO_E_HASH;
    }
    /* 4. The header is the one made for us at DI. */
    if ((r = zto_hmac_check(&m.hmac, c->hmac_secret, c->hmac_secret_len,
                            m.ovheader.p, m.ovheader.len)) != ZTO_OK) {
        DEV_ERR(dev, "TO2: voucher header HMAC does not match our secret", NULL,
                NULL);
        return ZTO_E_MAC;
    }
    if ((r = zto_ov_header_decode(m.ovheader.p, m.ovheader.len, &h)) !=
            ZTO_OK ||
        (r = zto_ov_header_kept(m.ovheader, &kept)) != ZTO_OK)
        return r;
    if (h.protver != ZTO_PROTVER)
        return ZTO_E_UNSUPPORTED;
    /* 5. Its manufacturer key is the one we were given, its GUID ours. */
    if (h.mfg_key.raw.len == 0 ||
        (r = zto_hash_check(&(struct zto_hash){c->pubkey_hash.type,
                                               ZTO_BYTES(c->pubkey_hash.value,
                                                         c->pubkey_hash.len)},
                            h.mfg_key.raw.p, h.mfg_key.raw.len)) != ZTO_OK) {
        DEV_ERR(dev, "TO2: voucher header key is not DCPubKeyHash", NULL, NULL);
        return ZTO_E_HASH;
    }
    if (memcmp(h.guid.b, c->guid.b, ZTO_GUID_LEN) != 0)
        return ZTO_E_PROTO; /* 101: every failed check on 61 */
    /* 6. Someone must own it. */
    if (m.num_entries == 0) {
        DEV_ERR(dev, "TO2: voucher has no entries", NULL, NULL);
        return ZTO_E_PROTO;
    }
    /* 7. The rendezvous answer that sent us here is this owner's. */
    if (t->to1d != NULL) {
        struct zto_to1d to1d;
        if ((r = zto_to1d_decode(t->to1d, t->to1d_len, &to1d)) != ZTO_OK ||
            (r = zto_cose_sign1_verify_pubkey(&to1d.cose, &m.owner_key)) !=
                ZTO_OK) {
            DEV_ERR(dev, "TO2: TO1 redirect not signed by this owner", NULL,
                    NULL);
            return ZTO_E_SIGNATURE;
        }
    }
    if ((r = zto_ov_walk_start(&t->walk, m.ovheader, m.hmac_raw)) != ZTO_OK)
        return r;
    if (m.owner_key.raw.len == 0 ||
        (r = keep(t->owner_key, sizeof(t->owner_key), &t->owner_key_len,
                  m.owner_key.raw)) != ZTO_OK ||
        (r = keep(t->xa, sizeof(t->xa), &t->xa_len, m.xa)) != ZTO_OK ||
        (r = keep(t->kept_protver, sizeof(t->kept_protver),
                  &t->kept_protver_len, kept.protver)) != ZTO_OK ||
        (r = keep(t->kept_devinfo, sizeof(t->kept_devinfo),
                  &t->kept_devinfo_len, kept.device_info)) != ZTO_OK ||
        (r = keep(t->kept_certhash, sizeof(t->kept_certhash),
                  &t->kept_certhash_len, kept.cert_hash)) != ZTO_OK)
        return r;
    /* 9. For 64 and 70. */
    t->nonce_prove_dv = m.nonce_prove_dv;
    t->num_entries = m.num_entries;
    t->owner_max_msg = m.max_owner_msg_size;
    t->hmac_type = m.hmac.type;
    DEV_INFO(dev, "TO2: owner proved the voucher header", NULL, NULL);
    return ask_entry(dev, 0, out, cap, out_len, out_type);
}

/* The owner key of 61 as a wire key (views t->owner_key). */
static zto_err_t
owner_pubkey(const struct zto_device_to2 *t, struct zto_pubkey *pk)
{
    return zto_pubkey_decode(t->owner_key, t->owner_key_len, pk);
}

/* 64 TO2.ProveDevice: our key exchange value in an EAT. */
static zto_err_t
prove_device(struct zto_device *dev, uint8_t *out, size_t cap, size_t *out_len,
             uint8_t *out_type)
{
    const struct zto_device_cfg *cfg = dev->cfg;
    struct zto_device_to2 *t = &dev->to2;
    struct zto_kex kex;
    struct zto_key owner, mine;
    struct zto_pubkey opk;
    struct zto_signer own_signer;
    const struct zto_signer *signer = cfg->signer;
    uint8_t xb[ZTO_KEX_PARAM_MAX], shse[ZTO_KEX_SHSE_MAX], ctx[96];
    uint8_t fdo[ZTO_KEX_PARAM_MAX + 8];
    size_t xb_len = 0, shse_len = 0, ctx_len = 0, fdo_len = 0;
    struct zto_cbor_enc e;
    int32_t type = 0;
    zto_err_t r;

    memset(&kex, 0, sizeof(kex));
    zto_key_init(&owner);
    zto_key_init(&mine);
    if ((r = owner_pubkey(t, &opk)) != ZTO_OK ||
        (r = zto_key_from_pubkey(&opk, &owner)) != ZTO_OK ||
        (r = device_key(dev, &mine, &type)) != ZTO_OK)
        goto out;
    /* The suite must suit the owner's key (section 8.1). */
    if (mine.impl != NULL &&
        (r = zto_kex_suite_allowed(t->kex_suite, &mine, &owner)) != ZTO_OK) {
        DEV_ERR(dev, "TO2: owner key does not fit the key exchange ",
                zto_kex_suite_name(t->kex_suite), NULL);
        goto out;
    }
    if ((r = zto_kex_start(&kex, t->kex_suite, ZTO_KEX_DEVICE)) != ZTO_OK ||
        (r = zto_kex_param(&kex, &owner, xb, sizeof(xb), &xb_len)) != ZTO_OK ||
        (r = zto_kex_derive(&kex, t->xa, t->xa_len, NULL, shse, sizeof(shse),
                            &shse_len, ctx, sizeof(ctx), &ctx_len)) != ZTO_OK ||
        (r = zto_tunnel_setup(&t->tunnel, t->cipher, shse, shse_len, ctx,
                              ctx_len)) != ZTO_OK)
        goto out;
    if ((r = zto_random(t->nonce_setup_dv.b, ZTO_NONCE_LEN)) != ZTO_OK)
        goto out;
    /* EAT-FDO = [xB] */
    zto_cbor_enc_init(&e, fdo, sizeof(fdo));
    zto_cbor_put_array(&e, 1);
    zto_cbor_put_bstr(&e, xb, xb_len);
    if ((r = zto_cbor_enc_finish(&e, &fdo_len)) != ZTO_OK)
        goto out;
    if (signer == NULL) {
        zto_signer_from_key(&own_signer, &mine);
        signer = &own_signer;
    }
    if ((r = zto_eat_encode(&t->nonce_prove_dv, &dev->cred.guid,
                            ZTO_BYTES(fdo, fdo_len), &t->nonce_setup_dv, signer,
                            out, cap, out_len)) != ZTO_OK)
        goto out;
    t->state = TO2_WAIT_65;
    *out_type = ZTO_MSG_TO2_PROVE_DEVICE;
    DEV_INFO(dev, "TO2: voucher walked to the owner's key; proving the ",
             "device", NULL);
out:
    zto_kex_wipe(&kex);
    zto_zeroize(shse, sizeof(shse));
    zto_zeroize(ctx, sizeof(ctx));
    zto_key_free(&owner);
    zto_key_free(&mine);
    return r;
}

/* 63 TO2.OVNextEntry -> 62 | 64 */
static zto_err_t
on_next_entry(struct zto_device *dev, const uint8_t *in, size_t in_len,
              uint8_t *out, size_t cap, size_t *out_len, uint8_t *out_type)
{
    struct zto_device_to2 *t = &dev->to2;
    struct zto_msg_to2_ovnext_entry m;
    struct zto_pubkey last, opk;
    zto_err_t r;

    if ((r = zto_msg_to2_ovnext_entry_decode(in, in_len, &m)) != ZTO_OK)
        return r;
    if (m.entry_num != t->next_entry)
        return ZTO_E_PROTO;
    if ((r = zto_ov_walk_next(&t->walk, m.entry)) != ZTO_OK) {
        DEV_ERR(dev, "TO2: voucher entry does not verify", NULL, NULL);
        return r;
    }
    if (t->next_entry + 1 < t->num_entries)
        return ask_entry(dev, (uint8_t)(t->next_entry + 1), out, cap, out_len,
                         out_type);
    /* 8. The chain ends in the key that signed 61 (as keys). */
    if ((r = zto_ov_walk_key(&t->walk, &last)) != ZTO_OK ||
        (r = owner_pubkey(t, &opk)) != ZTO_OK)
        return r;
    if ((r = zto_pubkey_equal(&last, &opk)) != ZTO_OK) {
        DEV_ERR(dev, "TO2: voucher does not end in the owner's key", NULL,
                NULL);
        return r == ZTO_E_KEY_MISMATCH ? r : ZTO_E_KEY;
    }
    return prove_device(dev, out, cap, out_len, out_type);
}

/* Open a tunnelled message into the scratch slot. */
static zto_err_t
open_msg(struct zto_device *dev, const uint8_t *in, size_t in_len, uint8_t **pt,
         size_t *pt_len)
{
    uint8_t *s = dev_slot(dev, DEV_SLOT_SCRATCH);
    zto_err_t r;

    if ((r = zto_tunnel_open(&dev->to2.tunnel, in, in_len, s, dev->slot,
                             pt_len)) != ZTO_OK) {
        DEV_ERR(dev, "TO2: message does not decrypt", NULL, NULL);
        return r == ZTO_E_MAC || r == ZTO_E_PROTO ? ZTO_E_PROTO : r;
    }
    *pt = s;
    return ZTO_OK;
}

/* Seal the plaintext in the scratch slot into out. */
static zto_err_t
seal_msg(struct zto_device *dev, size_t pt_len, uint8_t *out, size_t cap,
         size_t *out_len)
{
    uint8_t *s = dev_slot(dev, DEV_SLOT_SCRATCH);
    zto_err_t r;

    r = zto_tunnel_seal(&dev->to2.tunnel, s, pt_len, out, cap, out_len);
    zto_zeroize(s, pt_len);
    return r;
}

/* Largest plaintext that still fits the owner's message limit and ours
 * once sealed. */
static size_t
seal_room(const struct zto_device *dev)
{
    size_t lim = dev->slot, ov;

    if (dev->to2.owner_max_msg >= 512 && dev->to2.owner_max_msg < lim)
        lim = dev->to2.owner_max_msg;
    ov = zto_tunnel_overhead(dev->to2.cipher, lim);
    return lim > ov ? lim - ov : 0;
}

/* 65 TO2.SetupDevice -> 66 TO2.DeviceServiceInfoReady */
static zto_err_t
on_setup_device(struct zto_device *dev, const uint8_t *in, size_t in_len,
                uint8_t *out, size_t cap, size_t *out_len, uint8_t *out_type)
{
    const struct zto_device_cfg *cfg = dev->cfg;
    const struct zto_device_cred *c = &dev->cred;
    struct zto_device_to2 *t = &dev->to2;
    struct zto_msg_to2_setup_device m;
    struct zto_msg_to2_device_svi_ready a;
    struct zto_ov_header_kept kept;
    struct zto_pubkey opk;
    struct zto_hash_buf mac;
    uint8_t *pt = NULL, *hdr = dev_slot(dev, DEV_SLOT_RECV);
    size_t pt_len = 0, hdr_len = 0, n = 0, room;
    zto_err_t r;

    memset(&mac, 0, sizeof(mac));
    if ((r = open_msg(dev, in, in_len, &pt, &pt_len)) != ZTO_OK)
        return r;
    if ((r = zto_msg_to2_setup_device_decode(pt, pt_len, &m)) != ZTO_OK)
        return r;
    if (!zto_ct_equal(m.nonce_setup_dv.b, t->nonce_setup_dv.b, ZTO_NONCE_LEN)) {
        DEV_ERR(dev, "TO2: SetupDevice does not echo our nonce", NULL, NULL);
        return ZTO_E_NONCE;
    }
    if ((r = zto_cose_sign1_verify_pubkey(&m.cose, &m.owner2_key)) != ZTO_OK) {
        DEV_ERR(dev, "TO2: SetupDevice not signed by Owner2Key", NULL, NULL);
        return r == ZTO_E_SIGNATURE ? r : ZTO_E_KEY;
    }
    if ((r = owner_pubkey(t, &opk)) != ZTO_OK)
        return r;
    /* Credential reuse: same GUID, RendezvousInfo and owner key. */
    t->reuse = memcmp(m.guid.b, c->guid.b, ZTO_GUID_LEN) == 0 &&
               m.rvinfo.raw.len == c->rvinfo_len &&
               memcmp(m.rvinfo.raw.p, c->rvinfo, c->rvinfo_len) == 0 &&
               zto_pubkey_equal(&m.owner2_key, &opk) == ZTO_OK;
    memset(&a, 0, sizeof(a));
    if (t->reuse) {
        if (!cfg->allow_cred_reuse) {
            DEV_ERR(dev, "TO2: owner offers credential reuse, which this ",
                    "device does not allow", NULL);
            return ZTO_E_CRED_REUSE;
        }
        DEV_INFO(dev, "TO2: owner offers credential reuse: accepted", NULL,
                 NULL);
    } else {
        if (m.rvinfo.raw.len > sizeof(t->new_rvinfo))
            return ZTO_E_TOO_BIG;
        /* OVHeader' from the bytes received, into the receive slot
         * (its ciphertext is no longer needed). */
        kept.protver = ZTO_BYTES(t->kept_protver, t->kept_protver_len);
        kept.device_info = ZTO_BYTES(t->kept_devinfo, t->kept_devinfo_len);
        kept.cert_hash = ZTO_BYTES(t->kept_certhash, t->kept_certhash_len);
        if ((r = zto_ov_header_replace(&kept, m.cose.payload, hdr, dev->slot,
                                       &hdr_len)) != ZTO_OK)
            return r;
        /* The secret stays: owners cannot tell, and fewer writes. */
        r = zto_hmac(t->hmac_type, c->hmac_secret, c->hmac_secret_len, hdr,
                     hdr_len, &mac);
        zto_zeroize(hdr, hdr_len);
        if (r != ZTO_OK)
            return r;
        t->new_guid = m.guid;
        memcpy(t->new_rvinfo, m.rvinfo.raw.p, m.rvinfo.raw.len);
        t->new_rvinfo_len = m.rvinfo.raw.len;
        if ((r = zto_hash(c->pubkey_hash.type, m.owner2_key.raw.p,
                          m.owner2_key.raw.len, &t->new_pubkey_hash)) != ZTO_OK)
            return r;
        a.has_hmac = true;
        a.hmac.type = mac.type;
        a.hmac.value = ZTO_BYTES(mac.value, mac.len);
    }
    /* Largest OwnerServiceInfo we take: configured, and what a slot can
     * hold once sealed. */
    room = seal_room(dev);
    a.has_max = true;
    a.max_owner_svi_size = cfg->max_owner_svi_size != 0
                               ? cfg->max_owner_svi_size
                               : ZTO_SVI_DEFAULT_MTU;
    if (a.max_owner_svi_size > room)
        a.max_owner_svi_size = (uint16_t)room;
    /* The 65 plaintext is done with: build 66 over it. */
    r = zto_msg_to2_device_svi_ready_encode(&a, pt, dev->slot, &n);
    zto_zeroize(&mac, sizeof(mac));
    if (r != ZTO_OK || (r = seal_msg(dev, n, out, cap, out_len)) != ZTO_OK)
        return r;
    t->state = TO2_WAIT_67;
    *out_type = ZTO_MSG_TO2_DEVICE_SVI_READY;
    return ZTO_OK;
}

/* The next 68 from the ServiceInfo engine, sealed. */
static zto_err_t
device_svi(struct zto_device *dev, uint8_t *out, size_t cap, size_t *out_len,
           uint8_t *out_type)
{
    size_t n = 0;
    zto_err_t r;

    if ((r = dev_svi_produce(dev, dev_slot(dev, DEV_SLOT_SCRATCH), dev->slot,
                             &n)) != ZTO_OK ||
        (r = seal_msg(dev, n, out, cap, out_len)) != ZTO_OK)
        return r;
    dev->to2.state = TO2_WAIT_69;
    *out_type = ZTO_MSG_TO2_DEVICE_SVI;
    return ZTO_OK;
}

/* 67 TO2.OwnerServiceInfoReady -> 68 (devmod) */
static zto_err_t
on_owner_svi_ready(struct zto_device *dev, const uint8_t *in, size_t in_len,
                   uint8_t *out, size_t cap, size_t *out_len, uint8_t *out_type)
{
    struct zto_msg_to2_owner_svi_ready m;
    uint8_t *pt = NULL;
    size_t pt_len = 0, room = seal_room(dev), lim;
    zto_err_t r;

    if ((r = open_msg(dev, in, in_len, &pt, &pt_len)) != ZTO_OK ||
        (r = zto_msg_to2_owner_svi_ready_decode(pt, pt_len, &m)) != ZTO_OK)
        return r;
    /* null is 1300; a limit too small to carry anything is not believed
     * (section 10.1). */
    lim = m.has_max ? m.max_device_svi_size : ZTO_SVI_DEFAULT_MTU;
    if (lim < 128)
        lim = ZTO_SVI_DEFAULT_MTU;
    if (lim > room)
        lim = room;
    if ((r = dev_svi_start(dev, (uint16_t)lim)) != ZTO_OK)
        return r;
    DEV_INFO(dev, "TO2: ServiceInfo starts", NULL, NULL);
    return device_svi(dev, out, cap, out_len, out_type);
}

/* 69 TO2.OwnerServiceInfo -> 68 | 70 */
static zto_err_t
on_owner_svi(struct zto_device *dev, const uint8_t *in, size_t in_len,
             uint8_t *out, size_t cap, size_t *out_len, uint8_t *out_type)
{
    struct zto_msg_to2_owner_svi m;
    struct zto_msg_to2_done d;
    uint8_t *pt = NULL;
    size_t pt_len = 0, n = 0;
    zto_err_t r;

    if ((r = open_msg(dev, in, in_len, &pt, &pt_len)) != ZTO_OK ||
        (r = zto_msg_to2_owner_svi_decode(pt, pt_len, &m)) != ZTO_OK ||
        (r = dev_svi_receive(dev, &m)) != ZTO_OK)
        return r;
    if (!m.is_done)
        return device_svi(dev, out, cap, out_len, out_type);
    d.nonce = dev->to2.nonce_prove_dv;
    if ((r = zto_msg_to2_done_encode(&d, pt, dev->slot, &n)) != ZTO_OK ||
        (r = seal_msg(dev, n, out, cap, out_len)) != ZTO_OK)
        return r;
    dev->to2.state = TO2_WAIT_71;
    *out_type = ZTO_MSG_TO2_DONE;
    DEV_INFO(dev, "TO2: ServiceInfo done; sending Done", NULL, NULL);
    return ZTO_OK;
}

static void
swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
    size_t i;
    uint8_t x;

    for (i = 0; i < n; i++) {
        x = a[i];
        a[i] = b[i];
        b[i] = x;
    }
}

/* Exchange GUID, RendezvousInfo and DCPubKeyHash of the credential with
 * the replacement kept in the TO2 state. */
static void
swap_new(struct zto_device *dev)
{
    struct zto_device_to2 *t = &dev->to2;
    struct zto_device_cred *c = &dev->cred;
    size_t len;

    swap_bytes(c->guid.b, t->new_guid.b, ZTO_GUID_LEN);
    swap_bytes(c->rvinfo, t->new_rvinfo, sizeof(c->rvinfo));
    len = c->rvinfo_len;
    c->rvinfo_len = t->new_rvinfo_len;
    t->new_rvinfo_len = len;
    swap_bytes((uint8_t *)&c->pubkey_hash, (uint8_t *)&t->new_pubkey_hash,
               sizeof(c->pubkey_hash));
}

/* 71 TO2.Done2: the owner proved Owner2Key's session; commit. */
static zto_err_t
on_done2(struct zto_device *dev, const uint8_t *in, size_t in_len)
{
    const struct zto_device_cfg *cfg = dev->cfg;
    struct zto_device_to2 *t = &dev->to2;
    struct zto_msg_to2_done2 m;
    uint8_t *pt = NULL, *buf;
    size_t pt_len = 0, n = 0;
    char guid[2 * ZTO_GUID_LEN + 1];
    zto_err_t r;

    if ((r = open_msg(dev, in, in_len, &pt, &pt_len)) != ZTO_OK ||
        (r = zto_msg_to2_done2_decode(pt, pt_len, &m)) != ZTO_OK)
        return r;
    if (!zto_ct_equal(m.nonce.b, t->nonce_setup_dv.b, ZTO_NONCE_LEN)) {
        DEV_ERR(dev, "TO2: Done2 does not echo our nonce", NULL, NULL);
        return ZTO_E_NONCE;
    }
    if (!t->reuse) {
        /* Swap the new values into the credential, store it, and swap
         * back if storage fails: no second credential in memory. */
        swap_new(dev);
        buf = dev_slot(dev, DEV_SLOT_SCRATCH);
        if ((r = zto_cred_encode(&dev->cred, buf, dev->slot, &n)) == ZTO_OK)
            r = cfg->storage->write(cfg->storage_ctx, dev_cred_name(dev), buf,
                                    n);
        zto_zeroize(buf, n);
        if (r != ZTO_OK) {
            swap_new(dev);
            DEV_ERR(dev,
                    "TO2: storing the new credential failed: ", zto_strerror(r),
                    NULL);
            return r;
        }
        dev->result.cred_replaced = true;
        DEV_INFO(dev, "TO2: done; new credential stored, GUID ",
                 dev_guid_str(&dev->cred.guid, guid), NULL);
    } else {
        dev->result.cred_reused = true;
        DEV_INFO(dev, "TO2: done; credential kept (reuse)", NULL, NULL);
    }
    dev->result.guid = dev->cred.guid;
    return ZTO_DONE;
}

static bool
expected(uint8_t state, uint8_t type)
{
    switch (state) {
    case TO2_WAIT_61:
        return type == ZTO_MSG_TO2_PROVE_OVHDR;
    case TO2_WAIT_63:
        return type == ZTO_MSG_TO2_OVNEXT_ENTRY;
    case TO2_WAIT_65:
        return type == ZTO_MSG_TO2_SETUP_DEVICE;
    case TO2_WAIT_67:
        return type == ZTO_MSG_TO2_OWNER_SVI_READY;
    case TO2_WAIT_69:
        return type == ZTO_MSG_TO2_OWNER_SVI;
    case TO2_WAIT_71:
        return type == ZTO_MSG_TO2_DONE2;
    default:
        return false;
    }
}

zto_err_t
zto_to2_step(struct zto_device *dev, uint8_t in_type, const uint8_t *in,
             size_t in_len, uint8_t *out, size_t cap, size_t *out_len,
             uint8_t *out_type)
{
    struct zto_device_to2 *t;
    char why[ZTO_DEV_SVI_WHY_MAX];
    bool svi_started;
    uint8_t state;
    zto_err_t r;

    if (dev == NULL || !dev->ready || out == NULL || out_len == NULL ||
        out_type == NULL)
        return ZTO_E_ARG;
    t = &dev->to2;
    *out_len = 0;
    if (in == NULL) {
        r = to2_start(dev, out, cap, out_len, out_type);
        if (r != ZTO_OK) {
            DEV_ERR(dev, "TO2: cannot start: ", zto_strerror(r), NULL);
            to2_reset(dev, false);
        }
        return r;
    }
    dev->result.last_msg = in_type;
    state = t->state;
    svi_started = state == TO2_WAIT_69 || state == TO2_WAIT_71;
    if (in_type == ZTO_MSG_ERROR) {
        if (svi_started)
            dev_svi_finish(dev, false);
        to2_reset(dev, false);
        return dev_peer_error(dev, in, in_len);
    }
    if (!expected(state, in_type)) {
        r = ZTO_E_STATE;
    } else {
        switch (in_type) {
        case ZTO_MSG_TO2_PROVE_OVHDR:
            r = on_prove_ovhdr(dev, in, in_len, out, cap, out_len, out_type);
            break;
        case ZTO_MSG_TO2_OVNEXT_ENTRY:
            r = on_next_entry(dev, in, in_len, out, cap, out_len, out_type);
            break;
        case ZTO_MSG_TO2_SETUP_DEVICE:
            r = on_setup_device(dev, in, in_len, out, cap, out_len, out_type);
            break;
        case ZTO_MSG_TO2_OWNER_SVI_READY:
            r = on_owner_svi_ready(dev, in, in_len, out, cap, out_len,
                                   out_type);
            break;
        case ZTO_MSG_TO2_OWNER_SVI:
            r = on_owner_svi(dev, in, in_len, out, cap, out_len, out_type);
            break;
        default: /* TO2_WAIT_71 */
            r = on_done2(dev, in, in_len);
            break;
        }
    }
    if (r == ZTO_OK)
        return r;
    /* A module's reason outlives the reset: it goes to the owner. */
    memcpy(why, t->svi.why, sizeof(why));
    why[sizeof(why) - 1] = '\0';
    if (r != ZTO_E_SVI)
        why[0] = '\0';
    if (svi_started || t->state == TO2_WAIT_69)
        dev_svi_finish(dev, r == ZTO_DONE);
    to2_reset(dev, false);
    if (r == ZTO_DONE)
        return r;
    DEV_ERR(dev, "TO2: ", zto_strerror(r), NULL);
    /* Nothing was running: no session to tell. */
    if (state != TO2_IDLE)
        dev_error_msg(r, in_type, why, out, cap, out_len, out_type);
    return r;
}

zto_err_t
zto_device_to2(struct zto_device *dev, const struct zto_target *owner,
               const uint8_t *to1d, size_t to1d_len)
{
    if (dev == NULL || !dev->ready)
        return ZTO_E_ARG;
    if (!dev_drv_busy(dev)) {
        if (owner == NULL)
            return ZTO_E_ARG;
        if (dev->cfg->transport == NULL)
            return ZTO_E_CONFIG;
        if (!dev->have_cred)
            return ZTO_E_NOT_FOUND;
        zto_to2_begin(dev, to1d, to1d_len);
        dev_drv_start(dev, owner, zto_to2_step, "TO2");
    } else if (dev->drv.step != zto_to2_step) {
        return ZTO_E_STATE; /* another sub-protocol is running */
    }
    return dev_drv_run(dev);
}
