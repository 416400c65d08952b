/*
 * heap.c - peak heap of one device run, counted by an allocator that
 * wraps glibc's (malloc, calloc, realloc and free are defined here and
 * call __libc_*; glibc supports replacing them this way).
 *
 * Counting is per thread: only allocations made by the thread between
 * heap_begin() and heap_end() are counted, with their requested sizes,
 * and a block counts until that thread frees it. OpenSSL's allocations
 * go through CRYPTO_set_mem_functions() (set before OpenSSL allocates
 * anything) and are counted apart, so the result says how much heap the
 * device side needs besides the crypto library: the device core itself
 * allocates nothing (scripts/check-device), so what remains is the
 * POSIX port's transports (libevent, libcoap, getaddrinfo).
 *
 * Not in sanitizer builds: ASan replaces the allocator itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bench.h"

#ifndef ZTO_SANITIZE

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t sz);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

#define SLOTS 65536u /* power of two */
#define TOMB ((void *)1)

struct slot {
    void *p;
    size_t sz;
    int cls; /* 0: outside OpenSSL, 1: OpenSSL */
};

static __thread volatile int h_on;   /* this thread is counted */
static __thread volatile int h_ossl; /* inside an OpenSSL allocation */
static struct slot tab[SLOTS];
static size_t cur[2], peak[2], calls[2];
static bool overflow, ossl_hooked;

static size_t
hash_ptr(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;

    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & (SLOTS - 1);
}

static void
track(void *p, size_t sz)
{
    size_t i = hash_ptr(p), k;
    int cls = h_ossl > 0;

    for (k = 0; k < SLOTS; k++, i = (i + 1) & (SLOTS - 1))
        if (tab[i].p == NULL || tab[i].p == TOMB) {
            tab[i].p = p;
            tab[i].sz = sz;
            tab[i].cls = cls;
            cur[cls] += sz;
            calls[cls]++;
            if (cur[cls] > peak[cls])
                peak[cls] = cur[cls];
            return;
        }
    overflow = true;
}

static void
untrack(void *p)
{
    size_t i = hash_ptr(p), k;

    for (k = 0; k < SLOTS; k++, i = (i + 1) & (SLOTS - 1)) {
        if (tab[i].p == NULL)
            return; /* allocated before counting began */
        if (tab[i].p == p) {
            cur[tab[i].cls] -= tab[i].sz;
            tab[i].p = TOMB;
            return;
        }
    }
}

void *
malloc(size_t n)
{
    void *p = __libc_malloc(n);

    if (h_on && p != NULL)
        track(p, n);
    return p;
}

void *
calloc(size_t n, size_t sz)
{
    void *p = __libc_calloc(n, sz);

    if (h_on && p != NULL)
        track(p, n * sz);
    return p;
}

void *
realloc(void *p, size_t n)
{
    void *q;

    if (!h_on)
        return __libc_realloc(p, n);
    q = __libc_realloc(p, n);
    if (q == NULL)
        return NULL;
    if (p != NULL)
        untrack(p);
    track(q, n);
    return q;
}

void
free(void *p)
{
    if (h_on && p != NULL)
        untrack(p);
    __libc_free(p);
}

static void *
ossl_malloc(size_t n, const char *file, int line)
{
    void *p;

    (void)file;
    (void)line;
    h_ossl++;
    p = malloc(n);
    h_ossl--;
    return p;
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
    void *q;

    (void)file;
    (void)line;
    h_ossl++;
    q = realloc(p, n);
    h_ossl--;
    return q;
}

static void
ossl_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

void
heap_init(void)
{
    ossl_hooked =
        CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) == 1;
}

void
heap_begin(void)
{
    memset(tab, 0, sizeof(tab));
    memset(cur, 0, sizeof(cur));
    memset(peak, 0, sizeof(peak));
    memset(calls, 0, sizeof(calls));
    overflow = false;
    h_on = 1;
}

void
heap_end(struct heap_stats *s)
{
    h_on = 0;
    memset(s, 0, sizeof(*s));
    s->available = !overflow;
    s->ossl_apart = ossl_hooked;
    s->peak = peak[0];
    s->peak_ossl = peak[1];
    s->calls = calls[0];
    s->calls_ossl = calls[1];
}

#else /* ZTO_SANITIZE */

void
heap_init(void)
{
}

void
heap_begin(void)
{
}

void
heap_end(struct heap_stats *s)
{
    memset(s, 0, sizeof(*s));
}

#endif
