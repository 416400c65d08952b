/*
 * to1.c - TO1, device side (FDO 1.1 section 4.3): prove the device key
 * to the rendezvous server and receive the owner's to1d.
 *
 *   step(NULL) -> 30 TO1.HelloRV [GUID, eASigInfo]
 *   31 TO1.HelloRVAck [NonceTO1Proof, eBSigInfo]
 *               -> 32 TO1.ProveToRV: EAT {EAT-NONCE, EAT-UEID 01||GUID}
 *                  signed with the device attestation key
 *   33 TO1.RVRedirect (to1d) -> kept byte for byte, ZTO_DONE
 *
 * The to1d's signature cannot be checked here (the owner key is not yet
 * known); TO2 does it with the key the owner proves in 61. Here it only
 * has to decode as a tagged COSE_Sign1 over [RVTO2Addr, Hash].
 */
#include "device_int.h"
#include "rvwalk_int.h"

enum to1_state {
    TO1_IDLE = 0,
    TO1_WAIT_31, /* HelloRV sent */
    TO1_WAIT_33  /* ProveToRV sent */
};

/* The device attestation key as a signer: cfg.signer, or the PKCS#8 key
 * of the credential loaded into k (free it after use). */
static zto_err_t
device_signer(struct zto_device *dev, struct zto_key *k, struct zto_signer *s)
{
    const struct zto_device_cfg *cfg = dev->cfg;
    zto_err_t r;

    zto_key_init(k);
    if (cfg->signer != NULL) {
        *s = *cfg->signer;
        return ZTO_OK;
    }
    if (dev->cred.key_der_len == 0)
        return ZTO_E_KEY;
    if ((r = zto_key_from_private_der(dev->cred.key_der, dev->cred.key_der_len,
                                      k)) != ZTO_OK)
        return r;
    zto_signer_from_key(s, k);
    return ZTO_OK;
}

/* -> 30 TO1.HelloRV */
static zto_err_t
to1_start(struct zto_device *dev, uint8_t *out, size_t cap, size_t *out_len,
          uint8_t *out_type)
{
    struct zto_device_to1 *st = &dev->to1;
    struct zto_msg_to1_hello_rv m;
    struct zto_signer s;
    struct zto_key k;
    zto_err_t r;

    st->state = TO1_IDLE;
    st->to1d_len = 0;
    if ((r = device_signer(dev, &k, &s)) != ZTO_OK)
        goto out;
    /* DeviceSgType uses the COSE numbers (ES256 -7, ES384 -35, ...). */
    st->sg_type = s.alg;
    memset(&m, 0, sizeof(m));
    m.guid = dev->cred.guid;
    m.siginfo.type = st->sg_type;
    m.siginfo.info = ZTO_BYTES("", 0);
    if ((r = zto_msg_to1_hello_rv_encode(&m, out, cap, out_len)) != ZTO_OK)
        goto out;
    *out_type = ZTO_MSG_TO1_HELLO_RV;
    st->state = TO1_WAIT_31;
out:
    zto_key_free(&k);
    return r;
}

/* 31 TO1.HelloRVAck -> 32 TO1.ProveToRV */
static zto_err_t
to1_prove(struct zto_device *dev, const uint8_t *in, size_t in_len,
          uint8_t *out, size_t cap, size_t *out_len, uint8_t *out_type)
{
    struct zto_msg_to1_hello_rv_ack ack;
    struct zto_signer s;
    struct zto_key k;
    zto_err_t r;

    zto_key_init(&k);
    if ((r = zto_msg_to1_hello_rv_ack_decode(in, in_len, &ack)) != ZTO_OK)
        goto out;
    /* eBSigInfo echoes eASigInfo for ECDSA and RSA devices. */
    if (ack.siginfo.type != dev->to1.sg_type) {
        r = ZTO_E_PROTO;
        goto out;
    }
    if ((r = device_signer(dev, &k, &s)) != ZTO_OK)
        goto out;
    if ((r = zto_eat_encode(&ack.nonce, &dev->cred.guid, ZTO_BYTES_NULL, NULL,
                            &s, out, cap, out_len)) != ZTO_OK)
        goto out;
    *out_type = ZTO_MSG_TO1_PROVE_TO_RV;
    dev->to1.state = TO1_WAIT_33;
out:
    zto_key_free(&k);
    return r;
}

/* 33 TO1.RVRedirect: keep the to1d for TO2. */
static zto_err_t
to1_redirect(struct zto_device *dev, const uint8_t *in, size_t in_len)
{
    struct zto_device_to1 *st = &dev->to1;
    struct zto_to1d d;
    char url[ZTO_HOST_MAX + 32];
    struct zto_target t;
    zto_err_t r;

    if ((r = zto_to1d_decode(in, in_len, &d)) != ZTO_OK)
        return r;
    if (in_len > sizeof(st->to1d))
        return ZTO_E_TOO_BIG;
    memcpy(st->to1d, in, in_len);
    st->to1d_len = in_len;
    st->state = TO1_IDLE;
    dev->result.guid = dev->cred.guid;
    if (zto_rvto2addr_target(&d.addr.e[0], &t) == ZTO_OK &&
        zto_target_url(&t, url, sizeof(url)) == ZTO_OK)
        DEV_INFO(dev, "TO1: owner at ", url, NULL);
    else
        DEV_INFO(dev, "TO1: owner address received", NULL, NULL);
    return ZTO_DONE;
}

zto_err_t
zto_to1_step(struct zto_device *dev, uint8_t in_type, const uint8_t *in,
             size_t in_len, uint8_t *out, size_t cap, size_t *out_len,
             uint8_t *out_type)
{
    struct zto_device_to1 *st;
    zto_err_t r;

    if (dev == NULL || !dev->ready || out == NULL || out_len == NULL ||
        out_type == NULL)
        return ZTO_E_ARG;
    st = &dev->to1;
    *out_len = 0;
    if (!dev->have_cred)
        return ZTO_E_NOT_FOUND;
    if (in == NULL) {
        r = to1_start(dev, out, cap, out_len, out_type);
        if (r != ZTO_OK)
            DEV_ERR(dev, "TO1: cannot start: ", zto_strerror(r), NULL);
        return r;
    }
    dev->result.last_msg = in_type;
    if (in_type == ZTO_MSG_ERROR) {
        st->state = TO1_IDLE;
        return dev_peer_error(dev, in, in_len);
    }
    if (st->state == TO1_WAIT_31 && in_type == ZTO_MSG_TO1_HELLO_RV_ACK)
        r = to1_prove(dev, in, in_len, out, cap, out_len, out_type);
    else if (st->state == TO1_WAIT_33 && in_type == ZTO_MSG_TO1_RV_REDIRECT)
        r = to1_redirect(dev, in, in_len);
    else
        r = ZTO_E_STATE;
    if (r == ZTO_OK || r == ZTO_DONE)
        return r;
    st->state = TO1_IDLE;
    DEV_ERR(dev, "TO1: ", zto_strerror(r), NULL);
    dev_error_msg(r, in_type, NULL, out, cap, out_len, out_type);
    return r;
}

const uint8_t *
zto_device_to1d(const struct zto_device *dev, size_t *len)
{
    if (dev == NULL || dev->to1.to1d_len == 0) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (len != NULL)
        *len = dev->to1.to1d_len;
    return dev->to1.to1d;
}

zto_err_t
zto_device_to1(struct zto_device *dev)
{
    return dev_rv_walk(dev, NULL);
}
