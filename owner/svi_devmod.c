/*
 * svi_devmod.c - the devmod module on the owner: what the device says
 * about itself in its first DeviceServiceInfo (FDO 1.1 section 10.4;
 * keys in docs/serviceinfo.md).
 *
 * Mandatory keys must all arrive before the owner starts its plan;
 * devmod:sn is accepted as text or bytes; devmod:modules may be split
 * over several key/values ([start, count, name, ...] each) and wrong
 * start values are tolerated. Only modules listed here are ever opened.
 */
#include <stdio.h>
#include <string.h>

#include "svi_int.h"

enum dm_type { DM_BOOL, DM_TSTR, DM_UINT, DM_SN, DM_MODULES };

struct dm_key {
    const char *name;
    enum dm_type type;
    bool required;
};

static const struct dm_key devmod_keys[] = {
    {"active", DM_BOOL, true},     {"os", DM_TSTR, true},
    {"arch", DM_TSTR, true},       {"version", DM_TSTR, true},
    {"device", DM_TSTR, true},     {"sn", DM_SN, false},
    {"pathsep", DM_TSTR, false},   {"sep", DM_TSTR, true},
    {"nl", DM_TSTR, false},        {"tmp", DM_TSTR, false},
    {"dir", DM_TSTR, false},       {"progenv", DM_TSTR, false},
    {"bin", DM_TSTR, true},        {"mudurl", DM_TSTR, false},
    {"nummodules", DM_UINT, true}, {"modules", DM_MODULES, true},
};
#define NKEYS (sizeof(devmod_keys) / sizeof(devmod_keys[0]))

/* Printable copy of a text value, cut to fit. */
static void
keep_text(char *dst, size_t cap, struct zto_bytes t)
{
    size_t i, n = t.len < cap - 1 ? t.len : cap - 1;

    for (i = 0; i < n; i++)
        dst[i] = t.p[i] >= 0x20 && t.p[i] < 0x7f ? (char)t.p[i] : '?';
    dst[n] = '\0';
}

static bool
has_module(const struct svi_devmod *dm, struct zto_bytes name)
{
    size_t i;

    for (i = 0; i < dm->nmodules; i++)
        if (strlen(dm->modules[i]) == name.len &&
            memcmp(dm->modules[i], name.p, name.len) == 0)
            return true;
    return false;
}

/* [start, count, * tstr] */
static zto_err_t
modules(struct svi_devmod *dm, const uint8_t *v, size_t len, char *why,
        size_t whycap)
{
    struct zto_cbor_dec d;
    struct zto_bytes name;
    uint64_t start, count;
    size_t n, i;
    zto_err_t r;

    zto_cbor_dec_init(&d, v, len);
    if ((r = zto_cbor_get_array(&d, &n)) != ZTO_OK || n < 2 ||
        (r = zto_cbor_get_uint(&d, &start)) != ZTO_OK ||
        (r = zto_cbor_get_uint(&d, &count)) != ZTO_OK) {
        snprintf(why, whycap, "devmod:modules is not [start, count, ...]");
        return ZTO_E_SVI;
    }
    for (i = 2; i < n; i++) {
        if ((r = zto_cbor_get_tstr(&d, &name)) != ZTO_OK) {
            snprintf(why, whycap, "devmod:modules holds a non-text name");
            return ZTO_E_SVI;
        }
        if (name.len == 0 || name.len >= SVI_NAME_MAX ||
            memchr(name.p, ':', name.len) != NULL || has_module(dm, name))
            continue; /* unusable or repeated: never opened */
        if (dm->nmodules >= SVI_MAX_MODULES) {
            snprintf(why, whycap, "device lists more than %d modules",
                     SVI_MAX_MODULES);
            return ZTO_E_SVI;
        }
        memcpy(dm->modules[dm->nmodules], name.p, name.len);
        dm->modules[dm->nmodules][name.len] = '\0';
        dm->nmodules++;
    }
    if (zto_cbor_dec_finish(&d) != ZTO_OK) {
        snprintf(why, whycap, "devmod:modules has trailing bytes");
        return ZTO_E_SVI;
    }
    return ZTO_OK;
}

zto_err_t
svi_devmod_receive(struct svi_devmod *dm, const struct zto_svi_kv *kv,
                   char *why, size_t whycap)
{
    struct zto_cbor_dec d;
    struct zto_bytes t;
    uint64_t u;
    bool b;
    size_t i;
    const struct dm_key *k = NULL;
    zto_err_t r = ZTO_OK;

    for (i = 0; i < NKEYS; i++)
        if (strlen(devmod_keys[i].name) == kv->message.len &&
            memcmp(devmod_keys[i].name, kv->message.p, kv->message.len) == 0) {
            k = &devmod_keys[i];
            break;
        }
    if (k == NULL)
        return ZTO_OK; /* keys added by later versions: not ours to judge */
    zto_cbor_dec_init(&d, kv->value.p, kv->value.len);
    switch (k->type) {
    case DM_BOOL:
        if ((r = zto_cbor_get_bool(&d, &b)) == ZTO_OK && !b)
            r = ZTO_E_RANGE; /* devmod is always active */
        break;
    case DM_TSTR:
        if ((r = zto_cbor_get_tstr(&d, &t)) != ZTO_OK)
            break;
        if (strcmp(k->name, "os") == 0)
            keep_text(dm->os, sizeof(dm->os), t);
        else if (strcmp(k->name, "arch") == 0)
            keep_text(dm->arch, sizeof(dm->arch), t);
        else if (strcmp(k->name, "version") == 0)
            keep_text(dm->version, sizeof(dm->version), t);
        else if (strcmp(k->name, "device") == 0)
            keep_text(dm->device, sizeof(dm->device), t);
        break;
    case DM_SN:
        /* Text for most devices, bytes for go-fdo's. */
        if (zto_cbor_get_tstr(&d, &t) == ZTO_OK) {
            keep_text(dm->sn, sizeof(dm->sn), t);
        } else if ((r = zto_cbor_get_bstr(&d, &t)) == ZTO_OK) {
            size_t n = t.len > (sizeof(dm->sn) - 1) / 2
                           ? (sizeof(dm->sn) - 1) / 2
                           : t.len;
            if (zto_hex_encode(t.p, n, dm->sn, sizeof(dm->sn)) != ZTO_OK)
                dm->sn[0] = '\0';
        }
        break;
    case DM_UINT:
        if ((r = zto_cbor_get_uint(&d, &u)) == ZTO_OK)
            dm->nummodules = u;
        break;
    case DM_MODULES:
        if ((r = modules(dm, kv->value.p, kv->value.len, why, whycap)) !=
            ZTO_OK)
            return r;
        d.off = d.len;
        break;
    }
    if (r == ZTO_OK)
        r = zto_cbor_dec_finish(&d);
    if (r != ZTO_OK) {
        snprintf(why, whycap, "devmod:%s has a value of the wrong type",
                 k->name);
        return ZTO_E_SVI;
    }
    dm->seen |= 1u << (unsigned)(k - devmod_keys);
    return ZTO_OK;
}

zto_err_t
svi_devmod_check(const struct svi_devmod *dm, char *why, size_t whycap)
{
    size_t i, n = 0;
    int w;

    for (i = 0; i < NKEYS; i++) {
        if (!devmod_keys[i].required || (dm->seen & (1u << i)) != 0)
            continue;
        w = snprintf(why + n, whycap - n, "%sdevmod:%s",
                     n == 0 ? "device did not send " : ", ",
                     devmod_keys[i].name);
        if (w < 0 || (size_t)w >= whycap - n)
            break;
        n += (size_t)w;
    }
    return n == 0 ? ZTO_OK : ZTO_E_SVI;
}

bool
svi_devmod_has_module(const struct svi_devmod *dm, const char *name)
{
    return has_module(dm, ZTO_BYTES(name, strlen(name)));
}
