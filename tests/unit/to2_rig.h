/*
 * to2_rig.h - a device and an owner in one process for the TO2 tests:
 * the owner handler on an in-memory database, the device library with
 * an in-memory credential store and a loopback transport that hands each
 * message to owner_handle(), the POSIX fdo.download, fdo.upload and
 * fdo.command modules working in a temporary directory (fdo.command is
 * last: cfg.nmodules = 2 leaves it out), and hooks to record, replace
 * or mangle what the device sends.
 */
#ifndef ZTO_TO2_RIG_H
#define ZTO_TO2_RIG_H

#include <stdlib.h>
#include <unistd.h>

#include "owner_admin.h"
#include "owner_int.h"
#include "test.h"
#include "zto/zto_device.h"
#include "zto_posix_modules.h"

/* ---- in-memory credential store ---- */
struct mem_store {
    uint8_t data[8192];
    size_t len;
    bool have;
    bool fail;
    int writes;
};

static inline zto_err_t
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

static inline zto_err_t
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

static const struct zto_storage_ops rig_store_ops = {ms_read, ms_write};

/* ---- a transcript of what the device sent ---- */
#define RIG_MAX_MSGS 256
struct rig_msg {
    uint8_t type;
    uint8_t *body;
    size_t len;
};

/* ---- loopback into owner_handle() ---- */
struct rig_loop {
    struct owner *o;
    struct owner *alt; /* if set: every other message goes here */
    char token[OWNER_TOKEN_LEN + 1];
    uint8_t *resp;
    size_t resp_len;
    uint8_t resp_type;
    int sends;
    uint8_t sent_types[RIG_MAX_MSGS];
    /* Record the device's messages. */
    struct rig_msg *record;
    size_t nrecord;
    /* Before handing message number `at` (0-based) to the owner, call
     * this; it may change type/body/len (body has room for 70000). */
    int at;
    void (*mangle)(void *ctx, uint8_t *type, uint8_t *body, size_t *len);
    void *mangle_ctx;
    /* Use this token instead of the current one for message `at`. */
    const char *token_at;
    size_t max_resp; /* largest answer of the owner */
    /* What the owner said last. */
    zto_err_t owner_err;
    unsigned owner_code;  /* code of the owner's ErrorMessage, or 0 */
    unsigned device_code; /* code of an ErrorMessage the device sent */
};

static inline zto_err_t
rl_open(void *ctx, const struct zto_target *t)
{
    struct rig_loop *l = ctx;

    (void)t;
    l->token[0] = '\0';
    return ZTO_OK;
}

static inline zto_err_t
rl_send(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    struct rig_loop *l = ctx;
    char tok[OWNER_TOKEN_LEN + 1];
    uint8_t *copy = malloc(70000);
    struct zto_error_msg em;
    const char *use;
    zto_err_t r;

    if (copy == NULL)
        abort();
    memcpy(copy, body, len);
    if (l->record != NULL && l->nrecord < RIG_MAX_MSGS) {
        struct rig_msg *m = &l->record[l->nrecord++];
        m->type = type;
        m->body = test_exact_copy(body, len);
        m->len = len;
    }
    use = l->token[0] != '\0' ? l->token : NULL;
    if (l->sends == l->at) {
        if (l->mangle != NULL)
            l->mangle(l->mangle_ctx, &type, copy, &len);
        if (l->token_at != NULL)
            use = l->token_at;
    }
    if (l->sends < RIG_MAX_MSGS)
        l->sent_types[l->sends] = type;
    l->sends++;
    if (type == ZTO_MSG_ERROR && zto_error_msg_decode(copy, len, &em) == ZTO_OK)
        l->device_code = em.code;
    /* Exact-size copy: ASan sees any over-read by the handler. */
    {
        uint8_t *exact = test_exact_copy(copy, len);
        struct owner *o = l->alt != NULL && (l->sends % 2) == 0 ? l->alt : l->o;
        r = owner_handle(o, type, exact, len, use, l->resp, 70000, &l->resp_len,
                         &l->resp_type, tok, sizeof(tok));
        free(exact);
    }
    free(copy);
    l->owner_err = r;
    if (l->resp_len > l->max_resp)
        l->max_resp = l->resp_len;
    if (r != ZTO_OK && l->resp_type == ZTO_MSG_ERROR &&
        zto_error_msg_decode(l->resp, l->resp_len, &em) == ZTO_OK)
        l->owner_code = em.code;
    if (tok[0] != '\0')
        memcpy(l->token, tok, sizeof(tok));
    return ZTO_OK;
}

static inline zto_err_t
rl_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len, uint8_t *type)
{
    struct rig_loop *l = ctx;

    if (l->resp_len > cap)
        return ZTO_E_TOO_BIG;
    memcpy(buf, l->resp, l->resp_len);
    *len = l->resp_len;
    *type = l->resp_type;
    return ZTO_OK;
}

static inline void
rl_close(void *ctx)
{
    (void)ctx;
}

static const struct zto_transport_ops rig_loop_ops = {rl_open, rl_send, rl_recv,
                                                      rl_close};

static inline void
rig_log(void *ctx, int level, const char *file, int line, const char *msg)
{
    (void)ctx;
    (void)file;
    (void)line;
    if (getenv("ZTO_TEST_LOG") != NULL)
        fprintf(stderr, "device[%d]: %s\n", level, msg);
}

static inline void
rig_owner_log(void *ctx, int level, const char *line)
{
    (void)ctx;
    if (getenv("ZTO_TEST_LOG") != NULL)
        fprintf(stderr, "owner[%d]: %s\n", level, line);
}

static const struct zto_platform_ops rig_platform = {NULL, NULL, rig_log};

/* ---- the rig ---- */
struct rig {
    struct owner o;
    struct mem_store store;
    struct rig_loop loop;
    struct zto_device_cfg cfg;
    struct zto_device dev;
    uint8_t *work;
    struct zto_devmod devmod;
    struct zto_posix_download dl;
    struct zto_posix_upload up;
    struct zto_posix_command cmd;
    struct zto_svi_module mod, upmod, cmdmod;
    const struct zto_svi_module *mods[3];
    char dldir[64];
    struct zto_target target;
};

static inline unsigned char *
rig_read(const char *set, const char *file, size_t *n)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s/%s", ZTO_VECTORS_DIR, set, file);
    return test_read_file(path, n);
}

/* An owner with no keys yet and a device with credential blob `cred`. */
static inline int
rig_open(struct rig *r, const uint8_t *cred, size_t cred_len)
{
    memset(r, 0, sizeof(*r));
    owner_init(&r->o);
    r->o.log = rig_owner_log;
    if (zto_db_open(":memory:", ZTO_DB_OWNER, NULL, &r->o.db) != ZTO_OK)
        return -1;
    memcpy(r->store.data, cred, cred_len);
    r->store.len = cred_len;
    r->store.have = true;
    snprintf(r->dldir, sizeof(r->dldir), "/tmp/zto_to2_XXXXXX");
    if (mkdtemp(r->dldir) == NULL)
        return -1;
    if (zto_posix_download_init(&r->dl, r->dldir, &r->mod) != ZTO_OK ||
        zto_posix_upload_init(&r->up, r->dldir, &r->upmod) != ZTO_OK ||
        zto_posix_command_init(&r->cmd, r->dldir, &r->cmdmod) != ZTO_OK)
        return -1;
    r->cmd.wait_ms = 50;
    r->mods[0] = &r->mod;
    r->mods[1] = &r->upmod;
    r->mods[2] = &r->cmdmod;
    r->devmod.os = "linux";
    r->devmod.arch = "x86_64";
    r->devmod.version = "test";
    r->devmod.device = "rig";
    r->devmod.sep = ":";
    r->devmod.bin = "x86_64";
    r->devmod.sn = "SN-1";
    r->loop.o = &r->o;
    r->loop.at = -1;
    if ((r->loop.resp = malloc(70000)) == NULL)
        return -1;
    r->cfg.transport = &rig_loop_ops;
    r->cfg.transport_ctx = &r->loop;
    r->cfg.storage = &rig_store_ops;
    r->cfg.storage_ctx = &r->store;
    r->cfg.platform = &rig_platform;
    r->cfg.devmod = &r->devmod;
    r->cfg.modules = r->mods;
    r->cfg.nmodules = 3;
    if ((r->work = malloc(3 * ZTO_MAX_MSG_SIZE)) == NULL)
        return -1;
    zto_device_init(&r->dev);
    if (zto_device_setup(&r->dev, &r->cfg, r->work, 3 * ZTO_MAX_MSG_SIZE) !=
        ZTO_OK)
        return -1;
    r->target.protocol = ZTO_TPROT_HTTP;
    snprintf(r->target.host, sizeof(r->target.host), "owner.test");
    r->target.port = 8042;
    return 0;
}

static inline int
rm_walk(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static inline void
rig_close(struct rig *r)
{
    size_t i;

    zto_device_free(&r->dev);
    free(r->work);
    zto_posix_download_free(&r->dl);
    zto_posix_upload_free(&r->up);
    zto_posix_command_free(&r->cmd);
    if (r->dldir[0] != '\0' && rm_walk(r->dldir) != 0)
        fprintf(stderr, "cannot remove %s\n", r->dldir);
    zto_db_close(r->o.db);
    r->o.db = NULL;
    owner_free(&r->o);
    for (i = 0; i < r->loop.nrecord; i++)
        free(r->loop.record[i].body);
    free(r->loop.resp);
}

/* Add an owner key from PEM text. */
static inline void
rig_owner_key(struct rig *r, const char *pem, size_t len)
{
    struct owner_key k;
    char err[256];

    ASSERT_OK(owner_key_from_pem(&k, "test key", pem, len, err, sizeof(err)));
    ASSERT_OK(owner_key_add(&r->o, &k));
}

/* Run TO2 from (re)loading the credential. */
static inline zto_err_t
rig_to2(struct rig *r)
{
    zto_err_t e;

    r->loop.sends = 0;
    r->loop.owner_code = r->loop.device_code = 0;
    if ((e = zto_device_load(&r->dev)) != ZTO_OK)
        return e;
    return zto_device_to2(&r->dev, &r->target, NULL, 0);
}

/* The stored voucher of a GUID (heap copy), or NULL. */
static inline uint8_t *
rig_voucher(struct rig *r, const struct zto_guid *g, size_t *len)
{
    struct zto_db_ov row;
    uint8_t *buf = malloc(65536);

    if (buf == NULL ||
        zto_db_owner_ov_get(r->o.db, g, buf, 65536, &row) != ZTO_OK) {
        free(buf);
        return NULL;
    }
    *len = row.voucher.len;
    return buf;
}

#endif
