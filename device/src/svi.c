/*
 * svi.c - the device's ServiceInfo engine (FDO 1.1 section 10; modules
 * in docs/serviceinfo.md) behind the zto_svi_module API of zto_device.h.
 *
 *  - The first DeviceServiceInfo (68) carries devmod from cfg.devmod:
 *    the mandatory keys always (empty text when not configured),
 *    optional ones when set, nummodules and modules ("devmod" and every
 *    registered module). What does not fit the owner's limit goes in the
 *    next 68 with IsMoreServiceInfo; a long module list is split into
 *    several [start, count, names...] values.
 *  - "<module>:active" = true from the owner is answered true for a
 *    registered module (which is then open) and false for any other; a
 *    module's other messages reach its receive() only while it is open,
 *    messages for anything else are ignored (section 3.8.3.1 of the
 *    spec asks devices to ignore unknown modules).
 *  - While the owner says IsMoreServiceInfo the device answers with an
 *    empty 68; otherwise it sends owed answers and what open modules
 *    produce, IsMoreServiceInfo when something did not fit.
 *  - Every 68 stays within the owner's maxDeviceServiceInfoSz (the
 *    whole plaintext body); rounds are capped (cfg.max_svi_rounds).
 */
#include "svi_int.h"

#define DEFAULT_ROUNDS 1000000u
#define MAX_MODULES 32
#define VAL_MAX 300

static const uint8_t cbor_true = 0xf5, cbor_false = 0xf4;

/* ---- output ---- */

/* 68 = [IsMoreServiceInfo, ServiceInfo]: array(2) head and a bool
 * before the ServiceInfo array. */
static struct zto_svi_fill
fill_of(const struct zto_svi_out *o)
{
    struct zto_svi_fill f = {2, o->count, o->e.len - SVI_OUT_GAP,
                             o->e.cap - o->e.len, o->budget};

    return f;
}

zto_err_t
zto_svi_out_put(struct zto_svi_out *o, const char *module, const char *message,
                const uint8_t *cbor_val, size_t len)
{
    struct zto_svi_fill f = fill_of(o);

    if (!zto_svi_fits(&f, zto_svi_kv_size(module, message, len)))
        return ZTO_E_BUF_TOO_SMALL;
    zto_svi_enc_kv(&o->e, &o->m, module, message, cbor_val, len);
    if (o->e.err != ZTO_OK)
        return o->e.err;
    o->count++;
    return ZTO_OK;
}

size_t
zto_svi_out_room(const struct zto_svi_out *o, const char *module,
                 const char *message)
{
    struct zto_svi_fill f = fill_of(o);

    return zto_svi_room(&f, module, message);
}

static void
out_init(struct zto_svi_out *o, uint8_t *buf, size_t cap, size_t budget)
{
    zto_cbor_enc_init(&o->e, buf, cap);
    o->e.len = SVI_OUT_GAP; /* room for [IsMore, array head] */
    memset(&o->m, 0, sizeof(o->m));
    o->count = 0;
    o->budget = budget;
}

/* [is_more, [kv...]]: write the heads in front of the key/values. */
static zto_err_t
out_finish(struct zto_svi_out *o, bool is_more, size_t *out_len)
{
    uint8_t head[SVI_OUT_GAP + 8];
    struct zto_cbor_enc h;
    size_t hl = 0, body;

    if (o->e.err != ZTO_OK)
        return o->e.err;
    zto_cbor_enc_init(&h, head, sizeof(head));
    zto_cbor_put_array(&h, 2);
    zto_cbor_put_bool(&h, is_more);
    zto_cbor_put_array(&h, o->count);
    if (zto_cbor_enc_finish(&h, &hl) != ZTO_OK || hl > SVI_OUT_GAP)
        return ZTO_E_INTERNAL;
    body = o->e.len - SVI_OUT_GAP;
    memmove(o->e.buf + hl, o->e.buf + SVI_OUT_GAP, body);
    memcpy(o->e.buf, head, hl);
    *out_len = hl + body;
    return *out_len <= o->budget ? ZTO_OK : ZTO_E_INTERNAL;
}

/* ---- devmod ---- */

enum dm_item {
    DM_ACTIVE = 0,
    DM_OS,
    DM_ARCH,
    DM_VERSION,
    DM_DEVICE,
    DM_SN,
    DM_PATHSEP,
    DM_SEP,
    DM_NL,
    DM_TMP,
    DM_DIR,
    DM_PROGENV,
    DM_BIN,
    DM_MUDURL,
    DM_NUMMODULES,
    DM_MODULES,
    DM_END
};

static const char *const dm_names[DM_END] = {
    "active",  "os",     "arch",       "version", "device", "sn",
    "pathsep", "sep",    "nl",         "tmp",     "dir",    "progenv",
    "bin",     "mudurl", "nummodules", "modules",
};

/* Text of a devmod item; NULL = optional and not configured. */
static const char *
dm_text(const struct zto_devmod *d, int item)
{
    const char *v = NULL;
    bool required = false;

    switch (item) {
    case DM_OS:
        v = d != NULL ? d->os : NULL;
        required = true;
        break;
    case DM_ARCH:
        v = d != NULL ? d->arch : NULL;
        required = true;
        break;
    case DM_VERSION:
        v = d != NULL ? d->version : NULL;
        required = true;
        break;
    case DM_DEVICE:
        v = d != NULL ? d->device : NULL;
        required = true;
        break;
    case DM_SEP:
        v = d != NULL ? d->sep : NULL;
        required = true;
        break;
    case DM_BIN:
        v = d != NULL ? d->bin : NULL;
        required = true;
        break;
    case DM_SN:
        v = d != NULL ? d->sn : NULL;
        break;
    case DM_PATHSEP:
        v = d != NULL ? d->pathsep : NULL;
        break;
    case DM_NL:
        v = d != NULL ? d->nl : NULL;
        break;
    case DM_TMP:
        v = d != NULL ? d->tmp : NULL;
        break;
    case DM_DIR:
        v = d != NULL ? d->dir : NULL;
        break;
    case DM_PROGENV:
        v = d != NULL ? d->progenv : NULL;
        break;
    case DM_MUDURL:
        v = d != NULL ? d->mudurl : NULL;
        break;
    default:
        break;
    }
    if (v == NULL && required)
        v = "";
    return v;
}

/* Name i of devmod:modules: "devmod", then the registered modules. */
static const char *
module_name(const struct zto_device *dev, size_t i)
{
    return i == 0 ? "devmod" : dev->cfg->modules[i - 1]->name;
}

/* As many module names as fit, from devmod_module on. */
static zto_err_t
put_modules(struct zto_device *dev, struct zto_svi_out *o, bool *all)
{
    struct zto_device_svi *s = &dev->to2.svi;
    size_t total = dev->cfg->nmodules + 1, first = s->devmod_module;
    size_t room = zto_svi_out_room(o, "devmod", "modules"), n, k, len;
    uint8_t v[VAL_MAX + 64];
    struct zto_cbor_enc e;
    zto_err_t r;

    *all = false;
    /* Largest count of names whose encoding fits. */
    for (n = total - first; n > 0; n--) {
        zto_cbor_enc_init(&e, v, sizeof(v));
        zto_cbor_put_array(&e, n + 2);
        zto_cbor_put_uint(&e, first);
        zto_cbor_put_uint(&e, n);
        for (k = 0; k < n; k++)
            zto_cbor_put_cstr(&e, module_name(dev, first + k));
        if (zto_cbor_enc_finish(&e, &len) == ZTO_OK && len <= room)
            break;
    }
    if (n == 0)
        return ZTO_OK; /* next message */
    if ((r = zto_svi_out_put(o, "devmod", "modules", v, len)) != ZTO_OK)
        return r == ZTO_E_BUF_TOO_SMALL ? ZTO_OK : r;
    s->devmod_module = (uint8_t)(first + n);
    *all = s->devmod_module == total;
    return ZTO_OK;
}

static zto_err_t
put_devmod(struct zto_device *dev, struct zto_svi_out *o, bool *more)
{
    struct zto_device_svi *s = &dev->to2.svi;
    const struct zto_devmod *d = dev->cfg->devmod;
    uint8_t v[VAL_MAX];
    struct zto_cbor_enc e;
    const char *t;
    size_t len = 0;
    bool all;
    zto_err_t r;

    while (s->devmod_next < DM_END) {
        zto_cbor_enc_init(&e, v, sizeof(v));
        if (s->devmod_next == DM_ACTIVE) {
            zto_cbor_put_bool(&e, true);
        } else if (s->devmod_next == DM_NUMMODULES) {
            zto_cbor_put_uint(&e, dev->cfg->nmodules + 1);
        } else if (s->devmod_next == DM_MODULES) {
            if ((r = put_modules(dev, o, &all)) != ZTO_OK)
                return r;
            if (!all)
                break;
            s->devmod_next++;
            continue;
        } else if ((t = dm_text(d, s->devmod_next)) != NULL) {
            if (strlen(t) > VAL_MAX - 8)
                return ZTO_E_CONFIG;
            zto_cbor_put_cstr(&e, t);
        } else {
            s->devmod_next++; /* optional, not configured */
            continue;
        }
        if ((r = zto_cbor_enc_finish(&e, &len)) != ZTO_OK)
            return r;
        r = zto_svi_out_put(o, "devmod", dm_names[s->devmod_next], v, len);
        if (r == ZTO_E_BUF_TOO_SMALL)
            break;
        if (r != ZTO_OK)
            return r;
        s->devmod_next++;
    }
    if (s->devmod_next < DM_END) {
        /* Not even one item fits: the owner's limit is unusable. */
        if (o->count == 0)
            return ZTO_E_LIMIT;
        *more = true;
        return ZTO_OK;
    }
    s->devmod_done = true;
    DEV_INFO(dev, "TO2: devmod sent", NULL, NULL);
    return ZTO_OK;
}

/* ---- engine ---- */

/* Module m failed: keep its reason (printable ASCII) for the
 * ErrorMessage, and log it. */
static void
module_failed(struct zto_device *dev, const struct zto_svi_module *m)
{
    struct zto_device_svi *s = &dev->to2.svi;
    const char *w = m->why != NULL ? m->why(m->ctx) : NULL;
    size_t i;

    s->why[0] = '\0';
    for (i = 0; w != NULL && w[i] != '\0' && i + 1 < sizeof(s->why); i++)
        s->why[i] = w[i] >= 0x20 && w[i] < 0x7f ? w[i] : '?';
    s->why[i] = '\0';
    DEV_ERR(dev, "TO2: module ", m->name,
            s->why[0] != '\0' ? " failed:" : " failed");
    if (s->why[0] != '\0')
        DEV_ERR(dev, "TO2: ", s->why, NULL);
}

zto_err_t
dev_svi_start(struct zto_device *dev, uint16_t out_max)
{
    struct zto_device_svi *s = &dev->to2.svi;
    size_t i;

    if (dev->cfg->nmodules > MAX_MODULES ||
        (dev->cfg->nmodules > 0 && dev->cfg->modules == NULL))
        return ZTO_E_CONFIG;
    for (i = 0; i < dev->cfg->nmodules; i++) {
        const struct zto_svi_module *m = dev->cfg->modules[i];
        if (m == NULL || m->name == NULL || m->name[0] == '\0' ||
            strlen(m->name) >= ZTO_DEV_SVI_NAME_MAX ||
            strchr(m->name, ':') != NULL || m->receive == NULL)
            return ZTO_E_CONFIG;
    }
    memset(s, 0, sizeof(*s));
    s->out_max = out_max;
    return ZTO_OK;
}

static int
find_module(const struct zto_device *dev, struct zto_bytes name)
{
    size_t i;

    for (i = 0; i < dev->cfg->nmodules; i++) {
        const char *n = dev->cfg->modules[i]->name;
        if (strlen(n) == name.len && memcmp(n, name.p, name.len) == 0)
            return (int)i;
    }
    return -1;
}

static zto_err_t
queue_answer(struct zto_device *dev, int idx, struct zto_bytes name)
{
    struct zto_device_svi *s = &dev->to2.svi;

    if (s->nanswers >= ZTO_DEV_SVI_ACTIVE_MAX)
        return ZTO_E_LIMIT;
    s->answer[s->nanswers].module = (int16_t)idx;
    s->answer[s->nanswers].name[0] = '\0';
    if (idx < 0) {
        if (name.len == 0 || name.len >= ZTO_DEV_SVI_NAME_MAX ||
            memchr(name.p, ':', name.len) != NULL ||
            memchr(name.p, '\0', name.len) != NULL)
            return ZTO_OK; /* not a name we could send back */
        memcpy(s->answer[s->nanswers].name, name.p, name.len);
        s->answer[s->nanswers].name[name.len] = '\0';
    }
    s->nanswers++;
    return ZTO_OK;
}

zto_err_t
dev_svi_receive(struct zto_device *dev, const struct zto_msg_to2_owner_svi *m)
{
    struct zto_device_svi *s = &dev->to2.svi;
    struct zto_svi_kv kv;
    size_t pos = 0;
    int idx;
    zto_err_t r;

    s->owner_more = m->is_more;
    while ((r = zto_svi_next(&m->svi, &pos, &kv)) == ZTO_OK) {
        if (kv.module.len == 6 && memcmp(kv.module.p, "devmod", 6) == 0)
            continue; /* the device's own module */
        idx = find_module(dev, kv.module);
        if (kv.message.len == 6 && memcmp(kv.message.p, "active", 6) == 0) {
            struct zto_cbor_dec d;
            bool on = false;
            zto_cbor_dec_init(&d, kv.value.p, kv.value.len);
            if ((r = zto_cbor_get_bool(&d, &on)) != ZTO_OK ||
                (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
                return r;
            if (!on) {
                if (idx >= 0)
                    s->active &= ~(1u << (unsigned)idx);
                continue;
            }
            if (idx >= 0) {
                s->active |= 1u << (unsigned)idx;
                DEV_INFO(dev, "TO2: module ", dev->cfg->modules[idx]->name,
                         " opened");
            } else {
                DEV_WARN(dev, "TO2: owner opened a module this device ",
                         "does not have", NULL);
            }
            if ((r = queue_answer(dev, idx, kv.module)) != ZTO_OK)
                return r;
            continue;
        }
        if (idx < 0 || (s->active & (1u << (unsigned)idx)) == 0) {
            DEV_DEBUG(dev, "TO2: ignoring ServiceInfo for a module that is ",
                      "not open", NULL);
            continue;
        }
        r = dev->cfg->modules[idx]->receive(
            dev->cfg->modules[idx]->ctx, (const char *)kv.message.p,
            kv.message.len, kv.value.p, kv.value.len);
        if (r != ZTO_OK) {
            module_failed(dev, dev->cfg->modules[idx]);
            return r < 0 ? ZTO_E_SVI : ZTO_E_INTERNAL;
        }
    }
    return r == ZTO_E_NOT_FOUND ? ZTO_OK : r;
}

zto_err_t
dev_svi_produce(struct zto_device *dev, uint8_t *buf, size_t cap,
                size_t *out_len)
{
    struct zto_device_svi *s = &dev->to2.svi;
    uint32_t max_rounds = dev->cfg->max_svi_rounds != 0
                              ? dev->cfg->max_svi_rounds
                              : DEFAULT_ROUNDS;
    struct zto_svi_out o;
    bool more = false, m;
    size_t i, done;
    zto_err_t r;

    if (++s->rounds > max_rounds)
        return ZTO_E_LIMIT;
    out_init(&o, buf, cap, s->out_max);
    if (!s->devmod_done) {
        if ((r = put_devmod(dev, &o, &more)) != ZTO_OK)
            return r;
        return out_finish(&o, more, out_len);
    }
    /* The owner has more for us: pull it with an empty message. */
    if (s->owner_more)
        return out_finish(&o, false, out_len);
    for (done = 0; done < s->nanswers; done++) {
        const char *name = s->answer[done].module >= 0
                               ? dev->cfg->modules[s->answer[done].module]->name
                               : s->answer[done].name;
        bool on = s->answer[done].module >= 0;
        r = zto_svi_out_put(&o, name, "active", on ? &cbor_true : &cbor_false,
                            1);
        if (r == ZTO_E_BUF_TOO_SMALL) {
            more = true;
            break;
        }
        if (r != ZTO_OK)
            return r;
    }
    memmove(s->answer, s->answer + done,
            (s->nanswers - done) * sizeof(s->answer[0]));
    s->nanswers -= done;
    for (i = 0; i < dev->cfg->nmodules && !more; i++) {
        const struct zto_svi_module *mod = dev->cfg->modules[i];
        if ((s->active & (1u << (unsigned)i)) == 0 || mod->produce == NULL)
            continue;
        m = false;
        if ((r = mod->produce(mod->ctx, &o, &m)) != ZTO_OK) {
            module_failed(dev, mod);
            return r < 0 ? ZTO_E_SVI : ZTO_E_INTERNAL;
        }
        more = more || m;
    }
    return out_finish(&o, more, out_len);
}

void
dev_svi_finish(struct zto_device *dev, bool done)
{
    size_t i;

    if (dev->cfg == NULL || dev->cfg->nmodules > MAX_MODULES)
        return;
    for (i = 0; i < dev->cfg->nmodules; i++) {
        const struct zto_svi_module *m = dev->cfg->modules[i];
        if (m != NULL && m->finish != NULL)
            m->finish(m->ctx, done);
    }
    dev->to2.svi.active = 0;
}
