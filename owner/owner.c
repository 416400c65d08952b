/*
 * owner.c - life cycle of struct owner, its clock and its log lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svi_csr.h"

void
owner_init(struct owner *o)
{
    memset(o, 0, sizeof(*o));
    o->session_ttl = 600;
    o->svi_max_rounds = 100000;
    o->svi_upload_max = 16777216;
    o->svi_output_max = 65536;
}

void
owner_free(struct owner *o)
{
    size_t i;

    if (o == NULL)
        return;
    for (i = 0; i < o->nkeys; i++)
        owner_key_free(&o->keys[i]);
    owner_key_free(&o->owner2_store);
    for (i = 0; i < o->nroots; i++)
        free(o->root_der[i]);
    owner_ca_cache_free(o);
    svi_csr_ca_free(o->csr_ca);
    free(o->csr_ca);
    memset(o, 0, sizeof(*o));
}

void
owner_take_settings(struct owner *o, struct owner *from)
{
    uint8_t *der[OWNER_MAX_ROOTS];
    size_t len[OWNER_MAX_ROOTS], n;
    uint8_t hash[OWNER_MAX_ROOTS][32];

    /* The decoded CA certificates stay: they are keyed by content. */
    memcpy(der, o->root_der, sizeof(der));
    memcpy(len, o->root_len, sizeof(len));
    memcpy(hash, o->root_hash, sizeof(hash));
    n = o->nroots;
    memcpy(o->root_der, from->root_der, sizeof(der));
    memcpy(o->root_len, from->root_len, sizeof(len));
    memcpy(o->root_hash, from->root_hash, sizeof(hash));
    o->nroots = from->nroots;
    memcpy(from->root_der, der, sizeof(der));
    memcpy(from->root_len, len, sizeof(len));
    memcpy(from->root_hash, hash, sizeof(hash));
    from->nroots = n;
    memcpy(o->rvinfo, from->rvinfo, from->rvinfo_len);
    o->rvinfo_len = from->rvinfo_len;
    o->reuse = from->reuse;
    o->session_ttl = from->session_ttl;
    o->device_svi_mtu = from->device_svi_mtu;
    o->svi_max_rounds = from->svi_max_rounds;
    memcpy(o->svi_dir, from->svi_dir, sizeof(o->svi_dir));
}

int64_t
owner_now(const struct owner *o)
{
    return o->clock != 0 ? o->clock : (int64_t)time(NULL);
}

void
owner_logf(const struct owner *o, int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (o->log == NULL || (o->log_on != NULL && !o->log_on(level)))
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    o->log(o->log_ctx, level, line);
}

const char *
owner_guid_hex(const struct zto_guid *g, char *buf)
{
    if (zto_hex_encode(g->b, ZTO_GUID_LEN, buf, 2 * ZTO_GUID_LEN + 1) != ZTO_OK)
        buf[0] = '\0';
    return buf;
}
