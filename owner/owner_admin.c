/*
 * owner_admin.c - what the operator sees and does besides import: the
 * device list, voucher export (resale, FDO 1.1 sections 6.3, 9.5) and
 * the ServiceInfo plan.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "owner_admin.h"
#include "svi_int.h"

static const char *
utc(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, cap, "-");
    return buf;
}

/* ---- list ---- */

struct list_ctx {
    struct owner *o;
    FILE *out;
    int64_t now;
};

static int
to0_row(void *ctx, const struct zto_db_to0 *s)
{
    struct list_ctx *c = ctx;
    char t[32];

    if (s->registered_until > c->now)
        fprintf(c->out, "    registered at %s until %s\n", s->rv,
                utc(s->registered_until, t, sizeof(t)));
    else
        fprintf(c->out, "    not registered at %s\n", s->rv);
    if (s->failures > 0)
        fprintf(c->out, "      %lld failure(s), last: %s\n",
                (long long)s->failures, s->last_error);
    return 0;
}

static int
list_row(void *ctx, const struct zto_db_ov *row)
{
    struct list_ctx *c = ctx;
    char g[33], p[33], t[32], t2[32];

    owner_guid_hex(&row->guid, g);
    switch (row->state) {
    case ZTO_DB_OV_ONBOARDED:
        if (row->reused)
            fprintf(c->out, "%s  onboarded at %s (credential reused)", g,
                    utc(row->onboarded_at, t, sizeof(t)));
        else
            fprintf(c->out, "%s  onboarded at %s (new GUID%s%s)", g,
                    utc(row->onboarded_at, t, sizeof(t)),
                    row->has_prev ? ", was " : "",
                    row->has_prev ? owner_guid_hex(&row->prev_guid, p) : "");
        break;
    case ZTO_DB_OV_EXPORTED:
        fprintf(c->out, "%s  exported (handed on to the next owner)", g);
        break;
    default:
        fprintf(c->out, "%s  imported at %s", g,
                utc(row->imported_at, t, sizeof(t)));
        break;
    }
    fprintf(c->out, "  \"%s\"%s%s\n", row->device_info,
            row->grp[0] != '\0' ? "  group " : "", row->grp);
    if (row->fail_reason[0] != '\0')
        fprintf(c->out, "    failed at %s: %s\n",
                utc(row->fail_at, t2, sizeof(t2)), row->fail_reason);
    if (zto_db_owner_to0_list(c->o->db, row->id, to0_row, c) != ZTO_OK)
        fprintf(c->out, "    (TO0 state unreadable)\n");
    return 0;
}

zto_err_t
owner_list(struct owner *o, FILE *out)
{
    struct list_ctx c;

    memset(&c, 0, sizeof(c));
    c.o = o;
    c.out = out;
    c.now = owner_now(o);
    return zto_db_owner_ov_list(o->db, list_row, &c);
}

/* ---- export ---- */

static zto_err_t
write_atomic(const char *path, const char *text, size_t len)
{
    char tmp[4096];
    size_t off = 0;
    ssize_t n;
    int fd;

    if (strcmp(path, "-") == 0)
        return fwrite(text, 1, len, stdout) == len ? ZTO_OK : ZTO_E_IO;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
        (int)sizeof(tmp))
        return ZTO_E_ARG;
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
        return ZTO_E_IO;
    while (off < len && (n = write(fd, text + off, len - off)) > 0)
        off += (size_t)n;
    if (off != len || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return ZTO_E_IO;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return ZTO_E_IO;
    }
    return ZTO_OK;
}

zto_err_t
owner_export(struct owner *o, const struct zto_guid *guid,
             const char *next_key_pem, size_t next_len, const char *out_path,
             char *why, size_t whycap)
{
    struct zto_db_ov row;
    struct zto_voucher v;
    struct zto_pubkey cur, next;
    struct zto_key nk;
    struct owner_key *k;
    uint8_t *vbuf = NULL, *ext = NULL, keybuf[ZTO_MAX_PUBKEY_SIZE];
    const uint8_t *cbor;
    size_t cbor_len, ext_len = 0, pem_len = 0, pem_cap;
    char *pem = NULL;
    zto_err_t r;

    zto_key_init(&nk);
    why[0] = '\0';
    if ((vbuf = malloc(OWNER_MAX_VOUCHER)) == NULL)
        return ZTO_E_NOMEM;
    if ((r = zto_db_owner_ov_get(o->db, guid, vbuf, OWNER_MAX_VOUCHER, &row)) !=
        ZTO_OK) {
        snprintf(why, whycap, "no voucher with this GUID");
        goto out;
    }
    cbor = row.voucher.p;
    cbor_len = row.voucher.len;
    if (next_key_pem != NULL) {
        if (row.state == ZTO_DB_OV_EXPORTED) {
            snprintf(why, whycap,
                     "voucher was already handed on; not extending twice");
            r = ZTO_E_STATE;
            goto out;
        }
        if ((r = zto_voucher_decode(cbor, cbor_len, &v)) != ZTO_OK ||
            (r = zto_voucher_owner_key(&v, &cur)) != ZTO_OK) {
            snprintf(why, whycap, "stored voucher unreadable");
            goto out;
        }
        if ((k = owner_key_find(o, &cur)) == NULL) {
            snprintf(why, whycap,
                     "the voucher's current owner key is not configured");
            r = ZTO_E_KEY_MISMATCH;
            goto out;
        }
        if ((r = zto_key_from_pem(next_key_pem, next_len, &nk)) != ZTO_OK) {
            snprintf(why, whycap, "next owner's key: not a PEM key");
            goto out;
        }
        /* Same encoding as the header key (section 6.3). */
        if ((r = zto_key_to_pubkey(&nk,
                                   v.hdr.mfg_key.enc == ZTO_PKENC_COSEKEY
                                       ? ZTO_PKENC_COSEKEY
                                       : ZTO_PKENC_X509,
                                   keybuf, sizeof(keybuf), &next)) != ZTO_OK)
            goto out;
        if ((ext = malloc(cbor_len + 8192)) == NULL) {
            r = ZTO_E_NOMEM;
            goto out;
        }
        if ((r = zto_voucher_extend(&v, &k->signer, &next, ZTO_BYTES_NULL, ext,
                                    cbor_len + 8192, &ext_len)) != ZTO_OK) {
            snprintf(why, whycap,
                     "cannot extend (%s): the next key must have the "
                     "voucher header key's type and size",
                     zto_strerror(r));
            goto out;
        }
        cbor = ext;
        cbor_len = ext_len;
    }
    pem_cap = zto_pem_len(ZTO_VOUCHER_PEM_LABEL, cbor_len) + 1;
    if ((pem = malloc(pem_cap)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    if ((r = zto_voucher_pem_encode(cbor, cbor_len, pem, pem_cap, &pem_len)) !=
        ZTO_OK)
        goto out;
    if ((r = write_atomic(out_path, pem, pem_len)) != ZTO_OK) {
        snprintf(why, whycap, "%s: %s", out_path, strerror(errno));
        goto out;
    }
    /* Sold: no more TO0 or TO2 for it here, and no second extension. */
    if (next_key_pem != NULL &&
        (r = zto_db_owner_ov_set_state(o->db, guid, ZTO_DB_OV_EXPORTED)) !=
            ZTO_OK)
        snprintf(why, whycap, "written, but marking it exported failed");
out:
    zto_key_free(&nk);
    free(vbuf);
    free(ext);
    free(pem);
    return r;
}

/* ---- plan ---- */

zto_err_t
owner_plan_add(struct owner *o, const char *scope, const char *target,
               const char *kind, const char *const *kv, size_t npairs,
               bool optional, int64_t *id, char *why, size_t whycap)
{
    const struct svi_kind *k = svi_kind_find(kind);
    uint8_t params[SVI_PARAMS_MAX];
    size_t n = 0;
    zto_err_t r;

    why[0] = '\0';
    if (k == NULL) {
        char known[128];
        snprintf(why, whycap, "unknown step kind \"%s\" (known: %s)", kind,
                 svi_kind_names(known, sizeof(known)));
        return ZTO_E_ARG;
    }
    if ((r = svi_params_build(kv, npairs, params, sizeof(params), &n)) !=
        ZTO_OK) {
        snprintf(why, whycap, "parameters too long");
        return r;
    }
    if ((r = k->check(params, n, why, whycap)) != ZTO_OK)
        return r;
    if (k == &svi_kind_csr && o->csr_ca == NULL) {
        snprintf(why, whycap,
                 "the configuration has no csr_ca_chain (the "
                 "CA that signs device certificates)");
        return ZTO_E_CONFIG;
    }
    if ((r = zto_db_owner_plan_add(o->db, scope, target, kind, params, n,
                                   optional, id)) != ZTO_OK)
        snprintf(why, whycap, "database: %s", zto_strerror(r));
    return r;
}

/* "  key=value" for each text parameter, in the order stored. */
static void
params_text(FILE *out, const struct zto_bytes *params)
{
    struct zto_cbor_dec d;
    struct zto_bytes k, v;
    size_t n = 0, i;

    zto_cbor_dec_init(&d, params->p, params->len);
    if (zto_cbor_get_map(&d, &n) != ZTO_OK)
        return;
    for (i = 0; i < n; i++) {
        if (zto_cbor_get_tstr(&d, &k) != ZTO_OK ||
            zto_cbor_get_tstr(&d, &v) != ZTO_OK)
            return;
        fprintf(out, "  %.*s=%.*s", (int)k.len, (const char *)k.p, (int)v.len,
                (const char *)v.p);
    }
}

static int
plan_row(void *ctx, const struct zto_db_plan_step *s)
{
    FILE *out = ctx;
    char src[1024], name[1024];

    if (svi_param_str(s->params.p, s->params.len, "src", src, sizeof(src)) !=
        ZTO_OK)
        src[0] = '\0';
    if (svi_param_str(s->params.p, s->params.len, "name", name, sizeof(name)) !=
        ZTO_OK)
        name[0] = '\0';
    fprintf(out, "%lld  %s%s%s  #%lld  %s", (long long)s->id, s->scope,
            s->target[0] != '\0' ? " " : "", s->target, (long long)s->seq,
            s->kind);
    if (strcmp(s->kind, "download") == 0) {
        if (src[0] != '\0' || name[0] != '\0')
            fprintf(out, "  %s -> %s", src, name);
    } else {
        params_text(out, &s->params);
    }
    fprintf(out, "%s\n", s->optional ? "  (optional)" : "");
    return 0;
}

zto_err_t
owner_plan_list(struct owner *o, FILE *out)
{
    return zto_db_owner_plan_list(o->db, plan_row, out);
}
