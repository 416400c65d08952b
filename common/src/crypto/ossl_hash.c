/* ossl_hash.c - SHA-256/384 and HMAC-SHA256/384 (FDO 1.1 section 3). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "crypto_int.h"
#include "zto/zto_util.h"

const EVP_MD *
ossl_md(int32_t type)
{
    switch (type) {
    case ZTO_HASH_SHA256:
    case ZTO_HMAC_SHA256:
        return EVP_sha256();
    case ZTO_HASH_SHA384:
    case ZTO_HMAC_SHA384:
        return EVP_sha384();
    default:
        return NULL;
    }
}

size_t
zto_hash_size(int32_t type)
{
    switch (type) {
    case ZTO_HASH_SHA256:
    case ZTO_HMAC_SHA256:
        return 32;
    case ZTO_HASH_SHA384:
    case ZTO_HMAC_SHA384:
        return 48;
    default:
        return 0;
    }
}

static bool
is_plain_hash(int32_t type)
{
    return type == ZTO_HASH_SHA256 || type == ZTO_HASH_SHA384;
}

static bool
is_hmac(int32_t type)
{
    return type == ZTO_HMAC_SHA256 || type == ZTO_HMAC_SHA384;
}

zto_err_t
zto_digest_start(struct zto_digest *d, int32_t type)
{
    EVP_MD_CTX *ctx = NULL;
    const EVP_MD *md = ossl_md(type);

    d->impl = NULL;
    d->type = type;
    if (md == NULL || !is_plain_hash(type))
        return ZTO_E_UNSUPPORTED;
    if ((ctx = EVP_MD_CTX_new()) == NULL)
        return ZTO_E_CRYPTO;
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return ZTO_E_CRYPTO;
    }
    d->impl = ctx;
    return ZTO_OK;
}

zto_err_t
zto_digest_update(struct zto_digest *d, const void *p, size_t n)
{
    if (d->impl == NULL)
        return ZTO_E_ARG;
    if (n == 0)
        return ZTO_OK;
    return EVP_DigestUpdate(d->impl, p, n) == 1 ? ZTO_OK : ZTO_E_CRYPTO;
}

zto_err_t
zto_digest_finish(struct zto_digest *d, struct zto_hash_buf *out)
{
    unsigned int len = 0;
    zto_err_t r = ZTO_E_CRYPTO;

    if (d->impl == NULL)
        return ZTO_E_ARG;
    if (EVP_DigestFinal_ex(d->impl, out->value, &len) == 1 &&
        len == zto_hash_size(d->type)) {
        out->type = d->type;
        out->len = len;
        r = ZTO_OK;
    }
    zto_digest_abort(d);
    return r;
}

void
zto_digest_abort(struct zto_digest *d)
{
    EVP_MD_CTX_free(d->impl);
    d->impl = NULL;
}

zto_err_t
zto_hash(int32_t type, const void *p, size_t n, struct zto_hash_buf *out)
{
    struct zto_digest d;
    zto_err_t r;

    if ((r = zto_digest_start(&d, type)) != ZTO_OK)
        return r;
    if ((r = zto_digest_update(&d, p, n)) != ZTO_OK) {
        zto_digest_abort(&d);
        return r;
    }
    return zto_digest_finish(&d, out);
}

zto_err_t
zto_hash_check(const struct zto_hash *expected, const void *p, size_t n)
{
    struct zto_hash_buf got;
    zto_err_t r;

    if (!is_plain_hash(expected->type))
        return ZTO_E_UNSUPPORTED;
    if ((r = zto_hash(expected->type, p, n, &got)) != ZTO_OK)
        return r;
    if (expected->value.len != got.len ||
        !zto_ct_equal(expected->value.p, got.value, got.len))
        return ZTO_E_HASH;
    return ZTO_OK;
}

zto_err_t
zto_hmac(int32_t type, const uint8_t *key, size_t key_len, const void *p,
         size_t n, struct zto_hash_buf *out)
{
    const char *mdname;
    size_t len = 0;

    if (!is_hmac(type))
        return ZTO_E_UNSUPPORTED;
    mdname = type == ZTO_HMAC_SHA256 ? "SHA256" : "SHA384";
    if (key_len == 0)
        return ZTO_E_KEY;
    if (EVP_Q_mac(NULL, "HMAC", NULL, mdname, NULL, key, key_len, p, n,
                  out->value, sizeof(out->value), &len) == NULL ||
        len != zto_hash_size(type))
        return ZTO_E_CRYPTO;
    out->type = type;
    out->len = len;
    return ZTO_OK;
}

zto_err_t
zto_hmac_check(const struct zto_hash *expected, const uint8_t *key,
               size_t key_len, const void *p, size_t n)
{
    struct zto_hash_buf got;
    zto_err_t r;

    if ((r = zto_hmac(expected->type, key, key_len, p, n, &got)) != ZTO_OK)
        return r;
    r = expected->value.len == got.len &&
                zto_ct_equal(expected->value.p, got.value, got.len)
            ? ZTO_OK
            : ZTO_E_MAC;
    zto_zeroize(&got, sizeof(got));
    return r;
}
