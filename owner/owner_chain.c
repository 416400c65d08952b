/*
 * owner_chain.c - the device certificate chain check of voucher import
 * and TO2.ProveDevice, with CA certificates decoded once.
 *
 * Every chain is verified in full each time: each certificate's
 * signature by its issuer, validity periods against the current time,
 * CA constraints, up to a configured device_ca root or, with none, to
 * the chain's own self-signed last certificate. What is kept between
 * chains is only what cannot change for the same bytes: the decoded CA
 * certificates (the devices of one manufacturer share them, and OpenSSL 3
 * spends more on decoding a certificate than on checking a signature)
 * and whether a self-issued one's own signature verifies. They are keyed
 * by the SHA-256 of their DER; the least recently used goes first.
 * Leaves (one per device) are decoded for each check and not kept.
 *
 * Used on the server's event-loop thread only (TO2 and the admin API's
 * uploads) and by the single-threaded commands.
 */
#include <stdlib.h>
#include <string.h>

#include "owner_int.h"

/* Every entry one check touches stays until it is done: the check looks
 * up at most all roots and a whole chain, and eviction takes the least
 * recently used entry. */
typedef char owner_ca_cache_fits
    [OWNER_CA_CACHE >= OWNER_MAX_ROOTS + ZTO_MAX_CERT_CHAIN_LEN ? 1 : -1];

struct owner_ca {
    uint8_t hash[32];
    struct zto_cert cert;
    int self; /* self-signature: 0 not checked yet, 1 valid, -1 not */
    uint64_t used;
};

struct owner_ca_cache {
    struct owner_ca e[OWNER_CA_CACHE];
    size_t n;
    uint64_t tick;
};

void
owner_ca_cache_free(struct owner *o)
{
    size_t i;

    if (o->ca_cache == NULL)
        return;
    for (i = 0; i < o->ca_cache->n; i++)
        zto_cert_free(&o->ca_cache->e[i].cert);
    free(o->ca_cache);
    o->ca_cache = NULL;
}

/* The decoded certificate of `der` (hash: its SHA-256, or NULL to
 * compute it), from the cache or decoded now. */
static zto_err_t
ca_get(struct owner *o, const uint8_t *der, size_t len, const uint8_t *hash,
       struct owner_ca **out)
{
    struct owner_ca_cache *c = o->ca_cache;
    struct owner_ca *e = NULL;
    struct zto_hash_buf h;
    struct zto_cert cert;
    size_t i;
    zto_err_t r;

    if (c == NULL) {
        if ((c = calloc(1, sizeof(*c))) == NULL)
            return ZTO_E_NOMEM;
        o->ca_cache = c;
    }
    if (hash == NULL) {
        if ((r = zto_hash(ZTO_HASH_SHA256, der, len, &h)) != ZTO_OK)
            return r;
        hash = h.value;
    }
    for (i = 0; i < c->n; i++)
        if (memcmp(c->e[i].hash, hash, 32) == 0) {
            c->e[i].used = ++c->tick;
            *out = &c->e[i];
            return ZTO_OK;
        }
    zto_cert_init(&cert);
    if ((r = zto_cert_parse(der, len, &cert)) != ZTO_OK)
        return r;
    if (c->n < OWNER_CA_CACHE) {
        e = &c->e[c->n++];
    } else {
        e = &c->e[0];
        for (i = 1; i < c->n; i++)
            if (c->e[i].used < e->used)
                e = &c->e[i];
        zto_cert_free(&e->cert);
    }
    memcpy(e->hash, hash, 32);
    e->cert = cert;
    e->self = 0;
    e->used = ++c->tick;
    *out = e;
    return ZTO_OK;
}

/* Whether a cached certificate may anchor a chain: self-issued with a
 * valid signature of its own (checked once per certificate). */
static bool
ca_anchor(struct owner_ca *e)
{
    if (e->self == 0)
        e->self = zto_cert_self_signed(&e->cert) == ZTO_OK ? 1 : -1;
    return e->self > 0;
}

zto_err_t
owner_chain_verify(struct owner *o, const struct zto_bytes *chain, size_t n,
                   struct zto_key *leaf_key)
{
    struct zto_cert certs[ZTO_MAX_CERT_CHAIN_LEN];
    const struct zto_cert *anchors[OWNER_MAX_ROOTS];
    struct owner_ca *e = NULL;
    size_t i, na = 0;
    zto_err_t r;

    if (n == 0 || n > ZTO_MAX_CERT_CHAIN_LEN)
        return ZTO_E_CERT;
    zto_cert_init(&certs[0]);
    if ((r = zto_cert_parse(chain[0].p, chain[0].len, &certs[0])) != ZTO_OK)
        return r;
    /* The cache lends its certificates: only certs[0] is freed here. */
    for (i = 1; i < n; i++) {
        if ((r = ca_get(o, chain[i].p, chain[i].len, NULL, &e)) != ZTO_OK)
            goto out;
        certs[i] = e->cert;
    }
    if (o->nroots > 0) {
        for (i = 0; i < o->nroots; i++) {
            struct owner_ca *re;
            /* A root that does not parse anchors nothing. */
            if (ca_get(o, o->root_der[i], o->root_len[i], o->root_hash[i],
                       &re) == ZTO_OK &&
                ca_anchor(re))
                anchors[na++] = &re->cert;
        }
    } else if (n > 1) {
        /* No configured roots: the chain must end in a self-signed
         * certificate, which is taken as the anchor. e is its entry. */
        if (ca_anchor(e))
            anchors[na++] = &e->cert;
    } else if (zto_cert_self_signed(&certs[0]) == ZTO_OK) {
        anchors[na++] = &certs[0];
    }
    r = na > 0 ? zto_cert_chain_verify_parsed(certs, n, anchors, na)
               : ZTO_E_CERT;
    if (r == ZTO_OK && leaf_key != NULL)
        r = zto_cert_key(&certs[0], leaf_key);
out:
    zto_cert_free(&certs[0]);
    return r;
}
