/*
 * dupcache.c - answers for retransmitted CoAP requests.
 *
 * FDO messages are not idempotent (the 68/69 loop and TO2.GetOVNextEntry
 * advance state), so a request whose response was lost must be answered
 * with the response already given, never processed twice. Each session
 * key holds its last response; a lookup matches on message type and the
 * SHA-256 of the request body. Bounded in entries and bytes; the oldest
 * entries go first.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srv_int.h"
#include "zto/zto_util.h"

struct dup_entry {
    char *key; /* NULL: free slot */
    bool by_peer;
    uint8_t req_type;
    uint8_t req_hash[32];
    uint64_t expires_ms;
    uint64_t stored_ms;
    uint8_t code;
    uint8_t msg_type;
    uint8_t *body;
    size_t len;
    char *token;
};

struct srv_dupcache {
    struct dup_entry *e;
    size_t n;
    size_t max_bytes;
    size_t bytes;
    uint64_t ttl_ms;
};

uint64_t
zto_srv_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Keys and tokens carry session tokens, which are bearer secrets: they
 * are compared in constant time (for strings of one length) and wiped
 * when dropped. */
static bool
secret_equal(const char *a, const char *b)
{
    size_t n = strlen(a);

    return n == strlen(b) && zto_ct_equal(a, b, n);
}

static void
secret_free(char *s)
{
    if (s != NULL)
        zto_zeroize(s, strlen(s));
    free(s);
}

static void
entry_clear(struct srv_dupcache *c, struct dup_entry *d)
{
    if (d->key == NULL)
        return;
    c->bytes -= d->len;
    secret_free(d->key);
    free(d->body);
    secret_free(d->token);
    memset(d, 0, sizeof(*d));
}

zto_err_t
srv_dupcache_new(size_t max_entries, size_t max_bytes, unsigned ttl_s,
                 struct srv_dupcache **out)
{
    struct srv_dupcache *c;

    if (max_entries == 0 || max_bytes == 0)
        return ZTO_E_ARG;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return ZTO_E_NOMEM;
    if ((c->e = calloc(max_entries, sizeof(*c->e))) == NULL) {
        free(c);
        return ZTO_E_NOMEM;
    }
    c->n = max_entries;
    c->max_bytes = max_bytes;
    c->ttl_ms = (uint64_t)ttl_s * 1000u;
    *out = c;
    return ZTO_OK;
}

void
srv_dupcache_free(struct srv_dupcache *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->n; i++)
        entry_clear(c, &c->e[i]);
    free(c->e);
    free(c);
}

static struct dup_entry *
find(struct srv_dupcache *c, const char *key)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        if (c->e[i].key != NULL && secret_equal(c->e[i].key, key))
            return &c->e[i];
    return NULL;
}

static void
expire(struct srv_dupcache *c, uint64_t now_ms)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        if (c->e[i].key != NULL && c->e[i].expires_ms <= now_ms)
            entry_clear(c, &c->e[i]);
}

static struct dup_entry *
oldest(struct srv_dupcache *c)
{
    struct dup_entry *o = NULL;
    size_t i;

    for (i = 0; i < c->n; i++) {
        struct dup_entry *d = &c->e[i];
        if (d->key != NULL && (o == NULL || d->stored_ms < o->stored_ms))
            o = d;
    }
    return o;
}

bool
srv_dupcache_get(struct srv_dupcache *c, const char *key, uint8_t msg_type,
                 const uint8_t hash[32], uint64_t now_ms,
                 struct srv_cached *out)
{
    struct dup_entry *d = find(c, key);

    if (d == NULL || d->expires_ms <= now_ms || d->req_type != msg_type ||
        memcmp(d->req_hash, hash, 32) != 0)
        return false;
    out->code = d->code;
    out->msg_type = d->msg_type;
    out->body = d->body;
    out->len = d->len;
    out->token = d->token != NULL ? d->token : "";
    return true;
}

zto_err_t
srv_dupcache_put(struct srv_dupcache *c, const char *key, bool keyed_by_peer,
                 uint8_t msg_type, const uint8_t hash[32],
                 const struct srv_cached *resp, uint64_t now_ms)
{
    struct dup_entry *d;
    struct dup_entry n;
    uint64_t ttl = c->ttl_ms;
    size_t i;

    if (resp->len > c->max_bytes)
        return ZTO_E_TOO_BIG;
    memset(&n, 0, sizeof(n));
    n.key = strdup(key);
    n.token = strdup(resp->token != NULL ? resp->token : "");
    n.body = malloc(resp->len > 0 ? resp->len : 1);
    if (n.key == NULL || n.token == NULL || n.body == NULL) {
        free(n.key);
        free(n.token);
        free(n.body);
        return ZTO_E_NOMEM;
    }
    if (resp->len > 0)
        memcpy(n.body, resp->body, resp->len);
    n.len = resp->len;
    n.by_peer = keyed_by_peer;
    n.req_type = msg_type;
    memcpy(n.req_hash, hash, 32);
    if (keyed_by_peer && ttl > SRV_CACHE_NOTOKEN_TTL_S * 1000u)
        ttl = SRV_CACHE_NOTOKEN_TTL_S * 1000u;
    n.expires_ms = now_ms + ttl;
    n.stored_ms = now_ms;
    n.code = resp->code;
    n.msg_type = resp->msg_type;

    expire(c, now_ms);
    /* The session's previous answer is replaced: one slot per key. */
    if ((d = find(c, key)) != NULL)
        entry_clear(c, d);
    while (c->bytes + n.len > c->max_bytes && (d = oldest(c)) != NULL)
        entry_clear(c, d);
    d = NULL;
    for (i = 0; i < c->n && d == NULL; i++)
        if (c->e[i].key == NULL)
            d = &c->e[i];
    if (d == NULL) {
        d = oldest(c);
        entry_clear(c, d);
    }
    *d = n;
    c->bytes += n.len;
    return ZTO_OK;
}

void
srv_dupcache_end(struct srv_dupcache *c, const char *token)
{
    size_t i;

    if (token == NULL || token[0] == '\0')
        return;
    for (i = 0; i < c->n; i++) {
        struct dup_entry *d = &c->e[i];
        if (d->key != NULL && d->by_peer && d->token != NULL &&
            secret_equal(d->token, token))
            entry_clear(c, d);
    }
}

size_t
srv_dupcache_count(const struct srv_dupcache *c)
{
    size_t i, k = 0;

    for (i = 0; i < c->n; i++)
        if (c->e[i].key != NULL)
            k++;
    return k;
}
