/*
 * svi_dev_rig.h - the device's ServiceInfo engine (device/src/svi.c)
 * with the POSIX modules, without TO2 around it: an owner's ServiceInfo
 * goes in as one 69 plaintext, the device's next 68 plaintext comes
 * out, within a chosen size. For the module tests and the module fuzz
 * target.
 *
 *   struct sdr r;
 *   sdr_open(&r, 300);              modules: download, upload, command,
 *                                   wget
 *                                   (sdr_open_in(): in a given directory)
 *   sdr_kv_*(&r, "fdo.command", "command", ...);   build a 69
 *   sdr_send(&r, false);            the device takes it (dev_svi_receive)
 *   sdr_answer(&r);                 the device's 68 -> r.got[]
 *   sdr_close(&r);
 */
#ifndef ZTO_SVI_DEV_RIG_H
#define ZTO_SVI_DEV_RIG_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../device/src/svi_int.h"
#include "zto/zto_codec.h"
#include "zto/zto_msg.h"
#include "zto_posix_modules.h"

#define SDR_MAX_GOT 256

/* A key/value of the device's last 68. */
struct sdr_kv {
    char module[32], message[32];
    uint8_t *val; /* heap copy of the CBOR value */
    size_t len;
};

struct sdr {
    struct zto_device dev;
    struct zto_device_cfg cfg;
    struct zto_devmod dm;
    uint8_t *work;
    char dir[64];
    bool own_dir; /* made by sdr_open(): removed by sdr_close() */
    struct zto_posix_download dl;
    struct zto_posix_command cmd;
    struct zto_posix_upload up;
    struct zto_posix_wget wg;
    struct zto_svi_module mdl, mcmd, mup, mwg;
    const struct zto_svi_module *mods[4];
    /* The 69 being built. */
    uint8_t kvbuf[16384];
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
    size_t nkv;
    /* The device's last 68. */
    uint8_t out[70000];
    size_t out_len;
    bool more; /* its IsMoreServiceInfo */
    struct sdr_kv got[SDR_MAX_GOT];
    size_t ngot;
};

static inline zto_err_t
sdr_st_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    (void)ctx;
    (void)name;
    (void)buf;
    (void)cap;
    (void)len;
    return ZTO_E_NOT_FOUND;
}

static inline zto_err_t
sdr_st_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)name;
    (void)buf;
    (void)len;
    return ZTO_E_IO;
}

static const struct zto_storage_ops sdr_store_ops = {sdr_st_read, sdr_st_write};

static inline void
sdr_begin(struct sdr *r)
{
    zto_cbor_enc_init(&r->e, r->kvbuf, sizeof(r->kvbuf));
    zto_svi_enc_open(&r->e, &r->m);
    r->nkv = 0;
}

static inline void
sdr_free_got(struct sdr *r)
{
    size_t i;

    for (i = 0; i < r->ngot; i++)
        free(r->got[i].val);
    r->ngot = 0;
}

/* A device working in the existing directory `dir` with the four
 * POSIX modules, the owner's limit for each 68 being out_max. Returns 0.
 * sdr_close() leaves the directory. */
static inline int
sdr_open_in(struct sdr *r, const char *dir, uint16_t out_max)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "%s", dir);
    if (zto_posix_download_init(&r->dl, r->dir, &r->mdl) != ZTO_OK ||
        zto_posix_command_init(&r->cmd, r->dir, &r->mcmd) != ZTO_OK ||
        zto_posix_upload_init(&r->up, r->dir, &r->mup) != ZTO_OK ||
        zto_posix_wget_init(&r->wg, r->dir, &r->mwg) != ZTO_OK)
        return -1;
    r->mods[0] = &r->mdl;
    r->mods[1] = &r->mup;
    r->mods[2] = &r->mcmd;
    r->mods[3] = &r->mwg;
    r->dm.os = "linux";
    r->dm.arch = "x86_64";
    r->dm.version = "test";
    r->dm.device = "sdr";
    r->dm.sep = ":";
    r->dm.bin = "x86_64";
    r->cfg.storage = &sdr_store_ops;
    r->cfg.devmod = &r->dm;
    r->cfg.modules = r->mods;
    r->cfg.nmodules = 4;
    if ((r->work = malloc(ZTO_DEVICE_WORK_MIN)) == NULL)
        return -1;
    zto_device_init(&r->dev);
    if (zto_device_setup(&r->dev, &r->cfg, r->work, ZTO_DEVICE_WORK_MIN) !=
            ZTO_OK ||
        dev_svi_start(&r->dev, out_max) != ZTO_OK)
        return -1;
    sdr_begin(r);
    return 0;
}

/* The same in a new temporary directory (r->dir), removed by
 * sdr_close(). */
static inline int
sdr_open(struct sdr *r, uint16_t out_max)
{
    char dir[64];

    snprintf(dir, sizeof(dir), "/tmp/zto_sdr_XXXXXX");
    if (mkdtemp(dir) == NULL || sdr_open_in(r, dir, out_max) != 0)
        return -1;
    r->own_dir = true;
    return 0;
}

static inline void
sdr_close(struct sdr *r)
{
    char cmd[128];

    dev_svi_finish(&r->dev, false);
    zto_posix_command_free(&r->cmd);
    zto_posix_upload_free(&r->up);
    zto_posix_download_free(&r->dl);
    zto_posix_wget_free(&r->wg);
    zto_device_free(&r->dev);
    free(r->work);
    sdr_free_got(r);
    if (r->own_dir && r->dir[0] != '\0') {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", r->dir);
    }
}

/* ---- the owner's side: key/values of the next 69 ---- */

static inline void
sdr_kv_raw(struct sdr *r, const char *mod, const char *msg, const uint8_t *v,
           size_t n)
{
    zto_svi_enc_kv(&r->e, &r->m, mod, msg, v, n);
    r->nkv++;
}

static inline void
sdr_kv_bool(struct sdr *r, const char *mod, const char *msg, bool b)
{
    uint8_t v = b ? 0xf5 : 0xf4;

    sdr_kv_raw(r, mod, msg, &v, 1);
}

static inline void
sdr_kv_text(struct sdr *r, const char *mod, const char *msg, const char *s)
{
    uint8_t v[2048];
    struct zto_cbor_enc e;
    size_t n = 0;

    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_cstr(&e, s);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    sdr_kv_raw(r, mod, msg, v, n);
}

static inline void
sdr_kv_int(struct sdr *r, const char *mod, const char *msg, int64_t x)
{
    uint8_t v[16];
    struct zto_cbor_enc e;
    size_t n = 0;

    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_int(&e, x);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    sdr_kv_raw(r, mod, msg, v, n);
}

/* fdo.command:args as go-fdo sends it: bstr wrapping [* tstr]. With
 * wrap false: the plain array. */
static inline void
sdr_kv_args(struct sdr *r, const char *const *args, size_t n, bool wrap)
{
    uint8_t v[8192];
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
    size_t len = 0, i;

    zto_cbor_enc_init(&e, v, sizeof(v));
    memset(&m, 0, sizeof(m));
    if (wrap)
        zto_cbor_bstr_open(&e, &m);
    zto_cbor_put_array(&e, n);
    for (i = 0; i < n; i++)
        zto_cbor_put_cstr(&e, args[i]);
    if (wrap)
        zto_cbor_bstr_close(&e, &m);
    if (zto_cbor_enc_finish(&e, &len) != ZTO_OK)
        abort();
    sdr_kv_raw(r, "fdo.command", "args", v, len);
}

/* The 69 built so far goes to the device. */
static inline zto_err_t
sdr_send(struct sdr *r, bool is_more)
{
    uint8_t body[16500];
    struct zto_cbor_enc e;
    struct zto_msg_to2_owner_svi m;
    size_t kl = 0, n = 0;
    zto_err_t err;

    zto_svi_enc_close(&r->e, &r->m);
    if (zto_cbor_enc_finish(&r->e, &kl) != ZTO_OK)
        abort();
    zto_cbor_enc_init(&e, body, sizeof(body));
    zto_cbor_put_array(&e, 3);
    zto_cbor_put_bool(&e, is_more);
    zto_cbor_put_bool(&e, false);
    zto_cbor_put_raw(&e, r->kvbuf, kl);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    sdr_begin(r);
    if ((err = zto_msg_to2_owner_svi_decode(body, n, &m)) != ZTO_OK)
        return err;
    return dev_svi_receive(&r->dev, &m);
}

/* The device's next 68, its key/values copied into r->got. */
static inline zto_err_t
sdr_answer(struct sdr *r)
{
    struct zto_msg_to2_device_svi m;
    struct zto_svi_kv kv;
    size_t pos = 0;
    zto_err_t err;

    sdr_free_got(r);
    if ((err = dev_svi_produce(&r->dev, r->out, sizeof(r->out), &r->out_len)) !=
        ZTO_OK)
        return err;
    if ((err = zto_msg_to2_device_svi_decode(r->out, r->out_len, &m)) != ZTO_OK)
        return err;
    r->more = m.is_more;
    while (zto_svi_next(&m.svi, &pos, &kv) == ZTO_OK && r->ngot < SDR_MAX_GOT) {
        struct sdr_kv *g = &r->got[r->ngot++];
        snprintf(g->module, sizeof(g->module), "%.*s", (int)kv.module.len,
                 (const char *)kv.module.p);
        snprintf(g->message, sizeof(g->message), "%.*s", (int)kv.message.len,
                 (const char *)kv.message.p);
        g->val = malloc(kv.value.len > 0 ? kv.value.len : 1);
        if (g->val == NULL)
            abort();
        memcpy(g->val, kv.value.p, kv.value.len);
        g->len = kv.value.len;
    }
    return ZTO_OK;
}

/* Past devmod: answer until the device has sent all of it. */
static inline zto_err_t
sdr_devmod(struct sdr *r)
{
    zto_err_t err;
    int i;

    for (i = 0; i < 20 && !r->dev.to2.svi.devmod_done; i++)
        if ((err = sdr_answer(r)) != ZTO_OK)
            return err;
    return r->dev.to2.svi.devmod_done ? ZTO_OK : ZTO_E_LIMIT;
}

/* The device's reason for a module failure ("" if none). */
static inline const char *
sdr_why(const struct sdr *r)
{
    return r->dev.to2.svi.why;
}

#endif
