/*
 * svi_engine.c - the owner's ServiceInfo engine: one DeviceServiceInfo
 * (68) in, one OwnerServiceInfo (69) out, following FDO 1.1 section
 * 10.4:
 *
 *  - the device's first DeviceServiceInfo (possibly spread over several
 *    68 with IsMoreServiceInfo) carries devmod; its mandatory keys must
 *    all be there before the plan starts;
 *  - while the device says IsMoreServiceInfo the owner answers
 *    [false, false, []] and waits;
 *  - the plan's steps run in order, one module at a time: the engine
 *    opens the step's module ("<module>:active" = true) only when the
 *    device listed it in devmod:modules, then lets the step produce
 *    output within the negotiated size; a step with output left sets
 *    IsMoreServiceInfo so the device answers with an empty message;
 *  - when every step is finished and nothing is left to say, IsDone.
 *
 * Device messages for a module that is not the running step are logged
 * and ignored. The number of rounds is capped (svi_max_rounds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svi_int.h"

static const struct svi_kind *const kinds[] = {
    &svi_kind_download,
    &svi_kind_command,
    &svi_kind_upload,
    &svi_kind_csr,
    &svi_kind_wget,
};

const struct svi_kind *
svi_kind_find(const char *kind)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i]->kind, kind) == 0)
            return kinds[i];
    return NULL;
}

const char *
svi_kind_names(char *buf, size_t cap)
{
    size_t i, n = 0;

    buf[0] = '\0';
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i > 0 ? ", " : "",
                              kinds[i]->kind);
    return buf;
}

/* ---- plan parameters: a CBOR map of text keys ---- */

zto_err_t
svi_param_str(const uint8_t *params, size_t len, const char *key, char *out,
              size_t cap)
{
    struct zto_cbor_dec d;
    struct zto_bytes k, v;
    size_t n, i;
    zto_err_t r;

    zto_cbor_dec_init(&d, params, len);
    if ((r = zto_cbor_get_map(&d, &n)) != ZTO_OK)
        return r;
    for (i = 0; i < n; i++) {
        if ((r = zto_cbor_get_tstr(&d, &k)) != ZTO_OK)
            return r;
        if (k.len == strlen(key) && memcmp(k.p, key, k.len) == 0) {
            if ((r = zto_cbor_get_tstr(&d, &v)) != ZTO_OK)
                return r;
            if (v.len >= cap || memchr(v.p, '\0', v.len) != NULL)
                return ZTO_E_TOO_BIG;
            memcpy(out, v.p, v.len);
            out[v.len] = '\0';
            return ZTO_OK;
        }
        if ((r = zto_cbor_skip(&d)) != ZTO_OK)
            return r;
    }
    return ZTO_E_NOT_FOUND;
}

zto_err_t
svi_params_build(const char *const *kv, size_t npairs, uint8_t *out, size_t cap,
                 size_t *out_len)
{
    struct zto_cbor_enc e;
    size_t i;

    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_map(&e, npairs);
    for (i = 0; i < 2 * npairs; i++)
        zto_cbor_put_cstr(&e, kv[i]);
    return zto_cbor_enc_finish(&e, out_len);
}

zto_err_t
svi_param_path(const struct svi_run *run, const char *key, char *path,
               size_t cap)
{
    char v[SVI_PARAMS_MAX];
    int n;

    if (svi_param_str(run->st->params, run->st->params_len, key, v,
                      sizeof(v)) != ZTO_OK ||
        v[0] == '\0')
        return ZTO_E_NOT_FOUND;
    if (v[0] == '/' || run->o->svi_dir[0] == '\0')
        n = snprintf(path, cap, "%s", v);
    else
        n = snprintf(path, cap, "%s/%s", run->o->svi_dir, v);
    return n > 0 && (size_t)n < cap ? ZTO_OK : ZTO_E_CONFIG;
}

zto_err_t
svi_subst_guid(const char *s, const struct zto_guid *g, char *out, size_t cap)
{
    char hex[33];
    size_t n = 0;

    owner_guid_hex(g, hex);
    while (*s != '\0') {
        if (strncmp(s, "$(guid)", 7) == 0) {
            if (n + 32 >= cap)
                return ZTO_E_TOO_BIG;
            memcpy(out + n, hex, 32);
            n += 32;
            s += 7;
            continue;
        }
        if (n + 1 >= cap)
            return ZTO_E_TOO_BIG;
        out[n++] = *s++;
    }
    out[n] = '\0';
    return ZTO_OK;
}

zto_err_t
svi_hash_fd(int fd, struct zto_hash_buf *h, uint64_t *total)
{
    struct zto_digest dg;
    uint8_t buf[8192];
    ssize_t n;
    zto_err_t r;

    *total = 0;
    if ((r = zto_digest_start(&dg, ZTO_HASH_SHA384)) != ZTO_OK)
        return r;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        *total += (uint64_t)n;
        if ((r = zto_digest_update(&dg, buf, (size_t)n)) != ZTO_OK)
            break;
    }
    if (r != ZTO_OK || n < 0) {
        zto_digest_abort(&dg);
        return r != ZTO_OK ? r : ZTO_E_IO;
    }
    return zto_digest_finish(&dg, h);
}

/* ---- state ---- */

void
svi_state_init(struct svi_state *s)
{
    memset(s, 0, sizeof(*s));
}

void
svi_state_free(struct svi_state *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nsteps; i++)
        free(s->step[i].params);
    free(s->step);
    memset(s, 0, sizeof(*s));
}

void
svi_state_encode(const struct svi_state *s, struct zto_cbor_enc *e)
{
    const struct svi_devmod *dm = &s->dm;
    size_t i, k;

    zto_cbor_put_array(e, 6);
    zto_cbor_put_bool(e, s->loaded);
    zto_cbor_put_array(e, 9);
    zto_cbor_put_uint(e, dm->seen);
    zto_cbor_put_uint(e, dm->nummodules);
    zto_cbor_put_array(e, dm->nmodules);
    for (i = 0; i < dm->nmodules; i++)
        zto_cbor_put_cstr(e, dm->modules[i]);
    zto_cbor_put_cstr(e, dm->os);
    zto_cbor_put_cstr(e, dm->arch);
    zto_cbor_put_cstr(e, dm->version);
    zto_cbor_put_cstr(e, dm->device);
    zto_cbor_put_cstr(e, dm->sn);
    zto_cbor_put_bool(e, dm->complete);
    zto_cbor_put_uint(e, s->cur);
    zto_cbor_put_uint(e, s->rounds);
    zto_cbor_put_bool(e, s->done_sent);
    zto_cbor_put_array(e, s->nsteps);
    for (i = 0; i < s->nsteps; i++) {
        const struct svi_step *st = &s->step[i];
        zto_cbor_put_array(e, 8);
        zto_cbor_put_cstr(e, st->kind);
        zto_cbor_put_bool(e, st->optional);
        zto_cbor_put_uint(e, st->phase);
        zto_cbor_put_bool(e, st->active_sent);
        zto_cbor_put_bool(e, st->active_ok);
        zto_cbor_put_bstr(e, st->params, st->params_len);
        zto_cbor_put_array(e, SVI_STATE_U);
        for (k = 0; k < SVI_STATE_U; k++)
            zto_cbor_put_uint(e, st->u[k]);
        zto_cbor_put_bstr(e, st->blob, st->blob_len);
    }
}

static zto_err_t
get_text(struct zto_cbor_dec *d, char *out, size_t cap)
{
    struct zto_bytes t;
    zto_err_t r;

    if ((r = zto_cbor_get_tstr(d, &t)) != ZTO_OK)
        return r;
    if (t.len >= cap || (t.len > 0 && memchr(t.p, '\0', t.len) != NULL))
        return ZTO_E_TOO_BIG;
    memcpy(out, t.p, t.len);
    out[t.len] = '\0';
    return ZTO_OK;
}

static zto_err_t
step_decode(struct zto_cbor_dec *d, struct svi_step *st)
{
    struct zto_bytes b;
    uint64_t v;
    size_t k;
    zto_err_t r;

    if ((r = zto_cbor_get_array_n(d, 8)) != ZTO_OK ||
        (r = get_text(d, st->kind, sizeof(st->kind))) != ZTO_OK ||
        (r = zto_cbor_get_bool(d, &st->optional)) != ZTO_OK ||
        (r = zto_cbor_get_uint(d, &v)) != ZTO_OK)
        return r;
    if (v > SVI_SKIPPED)
        return ZTO_E_RANGE;
    st->phase = (uint8_t)v;
    if ((r = zto_cbor_get_bool(d, &st->active_sent)) != ZTO_OK ||
        (r = zto_cbor_get_bool(d, &st->active_ok)) != ZTO_OK ||
        (r = zto_cbor_get_bstr(d, &b)) != ZTO_OK)
        return r;
    if (b.len == 0 || b.len > SVI_PARAMS_MAX)
        return ZTO_E_RANGE;
    if ((st->params = malloc(b.len)) == NULL)
        return ZTO_E_NOMEM;
    memcpy(st->params, b.p, b.len);
    st->params_len = b.len;
    if ((r = zto_cbor_get_array_n(d, SVI_STATE_U)) != ZTO_OK)
        return r;
    for (k = 0; k < SVI_STATE_U; k++)
        if ((r = zto_cbor_get_uint(d, &st->u[k])) != ZTO_OK)
            return r;
    if ((r = zto_cbor_get_bstr(d, &b)) != ZTO_OK)
        return r;
    if (b.len > sizeof(st->blob))
        return ZTO_E_RANGE;
    memcpy(st->blob, b.p, b.len);
    st->blob_len = b.len;
    return ZTO_OK;
}

zto_err_t
svi_state_decode(struct zto_cbor_dec *d, struct svi_state *s)
{
    struct svi_devmod *dm = &s->dm;
    uint64_t v;
    size_t n, i;
    zto_err_t r;

    svi_state_init(s);
    if ((r = zto_cbor_get_array_n(d, 6)) != ZTO_OK ||
        (r = zto_cbor_get_bool(d, &s->loaded)) != ZTO_OK ||
        (r = zto_cbor_get_array_n(d, 9)) != ZTO_OK ||
        (r = zto_cbor_get_uint(d, &v)) != ZTO_OK)
        goto fail;
    dm->seen = (uint32_t)v;
    if ((r = zto_cbor_get_uint(d, &dm->nummodules)) != ZTO_OK ||
        (r = zto_cbor_get_array(d, &n)) != ZTO_OK)
        goto fail;
    if (n > SVI_MAX_MODULES) {
        r = ZTO_E_TOO_BIG;
        goto fail;
    }
    for (i = 0; i < n; i++)
        if ((r = get_text(d, dm->modules[i], SVI_NAME_MAX)) != ZTO_OK)
            goto fail;
    dm->nmodules = n;
    if ((r = get_text(d, dm->os, sizeof(dm->os))) != ZTO_OK ||
        (r = get_text(d, dm->arch, sizeof(dm->arch))) != ZTO_OK ||
        (r = get_text(d, dm->version, sizeof(dm->version))) != ZTO_OK ||
        (r = get_text(d, dm->device, sizeof(dm->device))) != ZTO_OK ||
        (r = get_text(d, dm->sn, sizeof(dm->sn))) != ZTO_OK ||
        (r = zto_cbor_get_bool(d, &dm->complete)) != ZTO_OK ||
        (r = zto_cbor_get_uint(d, &v)) != ZTO_OK)
        goto fail;
    s->cur = (size_t)v;
    if ((r = zto_cbor_get_uint(d, &v)) != ZTO_OK)
        goto fail;
    s->rounds = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    if ((r = zto_cbor_get_bool(d, &s->done_sent)) != ZTO_OK ||
        (r = zto_cbor_get_array(d, &n)) != ZTO_OK)
        goto fail;
    if (n > SVI_MAX_STEPS || s->cur > n) {
        r = ZTO_E_RANGE;
        goto fail;
    }
    if (n > 0 && (s->step = calloc(n, sizeof(*s->step))) == NULL) {
        r = ZTO_E_NOMEM;
        goto fail;
    }
    for (i = 0; i < n; i++) {
        s->nsteps = i + 1; /* so a failure frees what was read */
        if ((r = step_decode(d, &s->step[i])) != ZTO_OK)
            goto fail;
    }
    s->nsteps = n;
    if (s->cur > s->nsteps) {
        r = ZTO_E_RANGE;
        goto fail;
    }
    return ZTO_OK;
fail:
    svi_state_free(s);
    return r;
}

/* ---- plan ---- */

struct plan_load {
    struct svi_state *s;
    zto_err_t r;
    char bad_kind[SVI_KIND_MAX];
};

static int
plan_step(void *ctx, const struct zto_db_plan_step *p)
{
    struct plan_load *pl = ctx;
    struct svi_state *s = pl->s;
    struct svi_step *st;

    if (svi_kind_find(p->kind) == NULL) {
        snprintf(pl->bad_kind, sizeof(pl->bad_kind), "%s", p->kind);
        pl->r = ZTO_E_CONFIG;
        return 1;
    }
    if (s->nsteps >= SVI_MAX_STEPS || p->params.len == 0 ||
        p->params.len > SVI_PARAMS_MAX) {
        pl->r = ZTO_E_TOO_BIG;
        return 1;
    }
    st = &s->step[s->nsteps];
    memset(st, 0, sizeof(*st));
    snprintf(st->kind, sizeof(st->kind), "%s", p->kind);
    st->optional = p->optional;
    if ((st->params = malloc(p->params.len)) == NULL) {
        pl->r = ZTO_E_NOMEM;
        return 1;
    }
    memcpy(st->params, p->params.p, p->params.len);
    st->params_len = p->params.len;
    s->nsteps++;
    return 0;
}

zto_err_t
svi_load_plan(struct owner *o, struct svi_state *s, const struct zto_guid *guid,
              const struct zto_guid *orig, const char *grp)
{
    struct plan_load pl;
    char g[33];
    zto_err_t r;

    svi_state_free(s);
    if ((s->step = calloc(SVI_MAX_STEPS, sizeof(*s->step))) == NULL)
        return ZTO_E_NOMEM;
    memset(&pl, 0, sizeof(pl));
    pl.s = s;
    pl.r = ZTO_OK;
    r = zto_db_owner_plan_for(o->db, guid, orig, grp, plan_step, &pl);
    if (r == ZTO_OK)
        r = pl.r;
    if (r != ZTO_OK) {
        if (pl.bad_kind[0] != '\0')
            owner_logf(o, OWNER_LOG_ERR,
                       "GUID %s: plan has a step of unknown kind \"%s\"",
                       owner_guid_hex(guid, g), pl.bad_kind);
        svi_state_free(s);
        return r;
    }
    s->loaded = true;
    return ZTO_OK;
}

/* ---- one round ---- */

static void
copy_name(char *dst, size_t cap, struct zto_bytes b)
{
    size_t n = b.len < cap - 1 ? b.len : cap - 1;

    memcpy(dst, b.p, n);
    dst[n] = '\0';
    /* A NUL inside the name would make two names look equal. */
    if (memchr(b.p, '\0', b.len) != NULL || b.len >= cap)
        dst[0] = '\0';
}

static struct svi_step *
running(struct svi_state *s)
{
    if (s->cur < s->nsteps && s->step[s->cur].phase == SVI_RUNNING)
        return &s->step[s->cur];
    return NULL;
}

/* Hand every key/value of the device's message to its receiver. */
static zto_err_t
dispatch(struct owner *o, struct svi_state *s, const struct zto_guid *guid,
         const struct zto_svi *svi, char *why, size_t whycap)
{
    struct zto_svi_kv kv;
    char module[SVI_NAME_MAX], message[SVI_NAME_MAX], g[33];
    struct svi_step *st;
    const struct svi_kind *k;
    struct svi_run run;
    size_t pos = 0;
    zto_err_t r;

    run = (struct svi_run){.o = o,
                           .guid = guid,
                           .next_guid = &s->next_guid,
                           .why = why,
                           .whycap = whycap};
    while ((r = zto_svi_next(svi, &pos, &kv)) == ZTO_OK) {
        copy_name(module, sizeof(module), kv.module);
        copy_name(message, sizeof(message), kv.message);
        if (strcmp(module, "devmod") == 0) {
            if ((r = svi_devmod_receive(&s->dm, &kv, why, whycap)) != ZTO_OK)
                return r;
            continue;
        }
        st = running(s);
        k = st != NULL ? svi_kind_find(st->kind) : NULL;
        if (k == NULL || module[0] == '\0' || strcmp(module, k->module) != 0) {
            owner_logf(o, OWNER_LOG_WARN,
                       "GUID %s: ignoring ServiceInfo %s:%s (no step of "
                       "that module is running)",
                       owner_guid_hex(guid, g), module, message);
            continue;
        }
        if (strcmp(message, "active") == 0) {
            struct zto_cbor_dec d;
            bool on = false;
            zto_cbor_dec_init(&d, kv.value.p, kv.value.len);
            if (zto_cbor_get_bool(&d, &on) != ZTO_OK ||
                zto_cbor_dec_finish(&d) != ZTO_OK) {
                snprintf(why, whycap, "%s:active is not a bool", module);
                return ZTO_E_SVI;
            }
            if (on) {
                st->active_ok = true;
                continue;
            }
            if (!st->optional) {
                snprintf(why, whycap, "device refused module %s", module);
                return ZTO_E_SVI;
            }
            owner_logf(o, OWNER_LOG_WARN,
                       "GUID %s: device refused module %s; optional step "
                       "skipped",
                       owner_guid_hex(guid, g), module);
            st->phase = SVI_SKIPPED;
            s->cur++;
            continue;
        }
        run.st = st;
        if ((r = k->receive(&run, message, kv.value.p, kv.value.len)) !=
            ZTO_OK) {
            if (why[0] == '\0')
                snprintf(why, whycap, "%s:%s: %s", module, message,
                         zto_strerror(r));
            return r;
        }
    }
    return r == ZTO_E_NOT_FOUND ? ZTO_OK : r;
}

static const uint8_t cbor_true = 0xf5;

/* Let the steps fill `out`; *more when output is left over. */
static zto_err_t
produce(struct owner *o, struct svi_state *s, const struct zto_guid *guid,
        struct svi_out *out, bool *more, char *why, size_t whycap)
{
    struct svi_step *st;
    const struct svi_kind *k;
    struct svi_run run;
    bool m, d;
    char g[33];
    zto_err_t r;

    *more = false;
    run = (struct svi_run){.o = o,
                           .guid = guid,
                           .next_guid = &s->next_guid,
                           .why = why,
                           .whycap = whycap};
    while (s->cur < s->nsteps) {
        st = &s->step[s->cur];
        if ((k = svi_kind_find(st->kind)) == NULL) {
            snprintf(why, whycap, "plan step of unknown kind %s", st->kind);
            return ZTO_E_SVI;
        }
        run.st = st;
        if (st->phase == SVI_PENDING) {
            if (!svi_devmod_has_module(&s->dm, k->module)) {
                if (!st->optional) {
                    snprintf(why, whycap,
                             "device does not support module %s (step %zu, "
                             "%s)",
                             k->module, s->cur + 1, st->kind);
                    return ZTO_E_SVI;
                }
                owner_logf(o, OWNER_LOG_WARN,
                           "GUID %s: device lacks module %s; optional step "
                           "%zu skipped",
                           owner_guid_hex(guid, g), k->module, s->cur + 1);
                st->phase = SVI_SKIPPED;
                s->cur++;
                continue;
            }
            if ((r = k->start(&run)) != ZTO_OK)
                return r;
            st->phase = SVI_RUNNING;
            owner_logf(o, OWNER_LOG_INFO, "GUID %s: ServiceInfo step %zu: %s",
                       owner_guid_hex(guid, g), s->cur + 1, st->kind);
        }
        if (!st->active_sent) {
            if ((r = svi_out_put(out, k->module, "active", &cbor_true, 1)) !=
                ZTO_OK) {
                *more = out->count > 0;
                return r == ZTO_E_BUF_TOO_SMALL ? ZTO_OK : r;
            }
            st->active_sent = true;
        }
        m = d = false;
        if ((r = k->produce(&run, out, &m, &d)) != ZTO_OK)
            return r;
        if (d) {
            st->phase = SVI_DONE;
            owner_logf(o, OWNER_LOG_INFO,
                       "GUID %s: ServiceInfo step %zu (%s) finished",
                       owner_guid_hex(guid, g), s->cur + 1, st->kind);
            s->cur++;
            continue;
        }
        *more = m;
        break; /* the step waits for the device, or for room */
    }
    return ZTO_OK;
}

zto_err_t
svi_round(struct owner *o, struct svi_state *s, const struct zto_guid *guid,
          const struct zto_msg_to2_device_svi *in, size_t budget, uint8_t *out,
          size_t cap, size_t *out_len, char *why, size_t whycap)
{
    struct svi_out so;
    uint8_t *kvbuf = NULL;
    bool more = false, done = false;
    char g[33];
    zto_err_t r;

    why[0] = '\0';
    if (s->done_sent)
        return ZTO_E_STATE;
    if (++s->rounds > o->svi_max_rounds) {
        snprintf(why, whycap, "more than %u ServiceInfo rounds",
                 (unsigned)o->svi_max_rounds);
        return ZTO_E_LIMIT;
    }
    if ((r = dispatch(o, s, guid, &in->svi, why, whycap)) != ZTO_OK)
        return r;
    if ((kvbuf = malloc(budget)) == NULL)
        return ZTO_E_NOMEM;
    svi_out_init(&so, kvbuf, budget, budget);
    if (in->is_more)
        goto answer; /* the device has more to say: listen */
    if (!s->dm.complete) {
        if ((r = svi_devmod_check(&s->dm, why, whycap)) != ZTO_OK)
            goto out;
        s->dm.complete = true;
        owner_logf(o, OWNER_LOG_INFO,
                   "GUID %s: devmod: os=%s arch=%s version=%s device=%s "
                   "sn=%s, %zu modules",
                   owner_guid_hex(guid, g), s->dm.os, s->dm.arch, s->dm.version,
                   s->dm.device, s->dm.sn[0] != '\0' ? s->dm.sn : "-",
                   s->dm.nmodules);
    }
    if ((r = produce(o, s, guid, &so, &more, why, whycap)) != ZTO_OK)
        goto out;
    /* IsDone only with an empty ServiceInfo: some devices drop what comes
     * with it. */
    done = s->cur >= s->nsteps && so.count == 0 && !more;
answer:
    if ((r = svi_out_finish(&so, more, done, out, cap, out_len)) != ZTO_OK)
        goto out;
    if (*out_len > budget) {
        r = ZTO_E_INTERNAL;
        goto out;
    }
    s->done_sent = done;
out:
    free(kvbuf);
    return r;
}
