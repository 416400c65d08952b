/*
 * di_rig.h - a device and a manufacturer in one process for the DI
 * tests: the manufacturer handler on an in-memory database, the device
 * with an in-memory credential store and a loopback transport that hands
 * each message to the handler (and can pretend to block).
 */
#ifndef ZTO_DI_RIG_H
#define ZTO_DI_RIG_H

#include <stdlib.h>

#include "mfg_int.h"
#include "test.h"
#include "zto/zto_device.h"

/* ---- in-memory credential store ---- */
struct mem_store {
    uint8_t data[8192];
    size_t len;
    bool have;
    bool fail; /* next writes fail with ZTO_E_IO */
    int writes;
};

static zto_err_t
ms_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct mem_store *s = ctx;

    (void)name;
    if (!s->have)
        return ZTO_E_NOT_FOUND;
    *len = s->len;
    if (s->len > cap)
        return ZTO_E_BUF_TOO_SMALL;
    memcpy(buf, s->data, s->len);
    return ZTO_OK;
}

static zto_err_t
ms_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    struct mem_store *s = ctx;

    (void)name;
    if (s->fail || len > sizeof(s->data))
        return ZTO_E_IO;
    memcpy(s->data, buf, len);
    s->len = len;
    s->have = true;
    s->writes++;
    return ZTO_OK;
}

static const struct zto_storage_ops mem_store_ops = {ms_read, ms_write};

/* ---- loopback transport into mfg_handle() ---- */
struct loop {
    struct mfg *m;
    char token[MFG_TOKEN_LEN + 1];
    uint8_t resp[ZTO_MAX_MSG_SIZE];
    size_t resp_len;
    uint8_t resp_type;
    bool block; /* answer every call once with WANT_* first */
    bool blocked;
    int opens, closes, sends, wants;
    uint8_t sent[16];
    /* Replace the answer to message `tamper_type` by tamper[..]. */
    uint8_t tamper_type;
    const uint8_t *tamper;
    size_t tamper_len;
    uint8_t tamper_as;
};

static zto_err_t
lp_open(void *ctx, const struct zto_target *t)
{
    struct loop *l = ctx;

    (void)t;
    l->token[0] = '\0';
    l->opens++;
    return ZTO_OK;
}

static bool
lp_block(struct loop *l, zto_err_t *r, zto_err_t want)
{
    if (!l->block)
        return false;
    l->blocked = !l->blocked;
    if (l->blocked) {
        l->wants++;
        *r = want;
        return true;
    }
    return false;
}

static zto_err_t
lp_send(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    struct loop *l = ctx;
    char tok[MFG_TOKEN_LEN + 1];
    zto_err_t r;
    uint8_t *copy;

    if (lp_block(l, &r, ZTO_E_WANT_WRITE))
        return r;
    if (l->sends < 16)
        l->sent[l->sends] = type;
    l->sends++;
    copy = test_exact_copy(body, len);
    r = mfg_handle(l->m, type, copy, len, l->token[0] ? l->token : NULL,
                   l->resp, sizeof(l->resp), &l->resp_len, &l->resp_type, tok,
                   sizeof(tok));
    free(copy);
    (void)r;
    if (tok[0] != '\0')
        memcpy(l->token, tok, sizeof(tok));
    if (l->tamper != NULL && type == l->tamper_type) {
        memcpy(l->resp, l->tamper, l->tamper_len);
        l->resp_len = l->tamper_len;
        l->resp_type = l->tamper_as;
    }
    return ZTO_OK;
}

static zto_err_t
lp_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *type)
{
    struct loop *l = ctx;
    zto_err_t r;

    if (lp_block(l, &r, ZTO_E_WANT_READ))
        return r;
    if (l->resp_len > cap)
        return ZTO_E_TOO_BIG;
    memcpy(buf, l->resp, l->resp_len);
    *len = l->resp_len;
    *type = l->resp_type;
    return ZTO_OK;
}

static void
lp_close(void *ctx)
{
    ((struct loop *)ctx)->closes++;
}

static const struct zto_transport_ops loop_ops = {lp_open, lp_send, lp_recv,
                                                  lp_close};

/* ---- the rig ---- */
struct rig {
    struct zto_db *db;
    struct mfg m;
    struct mem_store store;
    struct loop loop;
    struct zto_device_cfg cfg;
    struct zto_device dev;
    uint8_t *work;
    size_t work_len;
};

static char *
rig_read(const char *set, const char *file, size_t *n)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s/%s", ZTO_VECTORS_DIR, set, file);
    return (char *)test_read_file(path, n);
}

/* The manufacturer of vector set `set` (its manufacturer key and device
 * CA) on a fresh in-memory database, and a device making a key of
 * dev_key_type. */
static int
rig_open(struct rig *r, const char *set, int32_t dev_key_type,
         const char *serial, const char *model)
{
    struct mfg_params p;
    struct zto_rv_directive d[2];
    uint8_t rv[256];
    size_t kn, cn, chn, rvn = 0;
    char err[256];
    char *key, *cakey, *chain;
    zto_err_t e;

    memset(r, 0, sizeof(*r));
    if (zto_db_open(":memory:", ZTO_DB_MANUFACTURER, NULL, &r->db) != ZTO_OK)
        return -1;
    if (mfg_rv_parse("dns=rv.example.com,port=8041,protocol=http", &d[0], err,
                     sizeof(err)) != ZTO_OK ||
        mfg_rv_parse("ip=127.0.0.1,port=8042,protocol=coap,bypass", &d[1], err,
                     sizeof(err)) != ZTO_OK ||
        mfg_rv_encode(d, 2, rv, sizeof(rv), &rvn) != ZTO_OK)
        return -1;
    key = rig_read(set, "manufacturer.key.pem", &kn);
    cakey = rig_read(set, "device-ca.key.pem", &cn);
    chain = rig_read(set, "device-ca.chain.pem", &chn);
    memset(&p, 0, sizeof(p));
    p.db = r->db;
    p.key_pem = key;
    p.key_pem_len = kn;
    p.ca_key_pem = cakey;
    p.ca_key_pem_len = cn;
    p.ca_chain_pem = chain;
    p.ca_chain_pem_len = chn;
    p.rvinfo = rv;
    p.rvinfo_len = rvn;
    mfg_init(&r->m);
    e = mfg_setup(&r->m, &p, err, sizeof(err));
    free(key);
    free(cakey);
    free(chain);
    if (e != ZTO_OK) {
        fprintf(stderr, "mfg_setup: %s\n", err);
        return -1;
    }

    r->loop.m = &r->m;
    r->cfg.transport = &loop_ops;
    r->cfg.transport_ctx = &r->loop;
    r->cfg.storage = &mem_store_ops;
    r->cfg.storage_ctx = &r->store;
    r->cfg.key_type = dev_key_type;
    r->cfg.serial = serial;
    r->cfg.model = model;
    r->work_len = 3 * 8192;
    r->work = malloc(r->work_len);
    zto_device_init(&r->dev);
    if (zto_device_setup(&r->dev, &r->cfg, r->work, r->work_len) != ZTO_OK)
        return -1;
    return 0;
}

static void
rig_close(struct rig *r)
{
    zto_device_free(&r->dev);
    free(r->work);
    mfg_free(&r->m);
    zto_db_close(r->db);
}

#endif
