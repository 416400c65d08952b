/*
 * admin_util.c - small parsers the role handlers share: query
 * parameters, times, public keys sent as PEM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin_int.h"
#include "zto/zto_crypto.h"
#include "zto/zto_util.h"

static bool
parse_i64(const char *s, int64_t *out)
{
    bool neg = false;
    uint64_t v = 0, lim;

    if (*s == '-') {
        neg = true;
        s++;
    }
    if (*s == '\0')
        return false;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *s != '\0'; s++) {
        unsigned d;
        if (*s < '0' || *s > '9')
            return false;
        d = (unsigned)(*s - '0');
        if (v > (lim - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v)
               : (int64_t)v;
    return true;
}

zto_err_t
zto_admin_query_int(const struct zto_admin_req *req, const char *name,
                    int64_t def, int64_t min, int64_t max, int64_t *out)
{
    const char *v = zto_admin_query(req, name);
    int64_t x;

    if (v == NULL) {
        *out = def;
        return ZTO_OK;
    }
    if (!parse_i64(v, &x) || x < min || x > max)
        return ZTO_E_RANGE;
    *out = x;
    return ZTO_OK;
}

zto_err_t
zto_admin_query_bool(const struct zto_admin_req *req, const char *name,
                     bool def, bool *out)
{
    const char *v = zto_admin_query(req, name);

    if (v == NULL) {
        *out = def;
        return ZTO_OK;
    }
    if (*v == '\0' || strcasecmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
        strcasecmp(v, "yes") == 0) {
        *out = true;
        return ZTO_OK;
    }
    if (strcasecmp(v, "0") == 0 || strcasecmp(v, "false") == 0 ||
        strcasecmp(v, "no") == 0) {
        *out = false;
        return ZTO_OK;
    }
    return ZTO_E_RANGE;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool
digits(const char *s, size_t n, unsigned *v)
{
    size_t i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (unsigned)(s[i] - '0');
    }
    return true;
}

zto_err_t
zto_admin_time_parse(const char *s, int64_t *t)
{
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    unsigned y, mo, d, h, mi, se;

    if (s == NULL)
        return ZTO_E_RANGE;
    if (parse_i64(s, t))
        return *t >= 0 ? ZTO_OK : ZTO_E_RANGE;
    /* YYYY-MM-DDTHH:MM:SSZ */
    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
        (s[19] != 'Z' && s[19] != 'z') || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &se))
        return ZTO_E_RANGE;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 &&
         !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) ||
        h > 23 || mi > 59 || se > 60)
        return ZTO_E_RANGE;
    *t = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
         (int64_t)mi * 60 + (int64_t)(se == 60 ? 59 : se);
    return ZTO_OK;
}

const char *
zto_admin_key_type(const struct zto_key *k, char *buf, size_t cap)
{
    switch (k->pk_type) {
    case ZTO_PK_SECP256R1:
        snprintf(buf, cap, "ecdsa-p256");
        break;
    case ZTO_PK_SECP384R1:
        snprintf(buf, cap, "ecdsa-p384");
        break;
    case ZTO_PK_RSAPSS:
        snprintf(buf, cap, "rsa-pss-%u", k->bits);
        break;
    default:
        snprintf(buf, cap, "rsa-%u", k->bits);
        break;
    }
    return buf;
}

zto_err_t
zto_admin_key_sha256(const struct zto_key *k, uint8_t fp[32])
{
    uint8_t der[4096];
    struct zto_hash_buf h;
    size_t n = 0;
    zto_err_t r;

    if ((r = zto_key_spki_der(k, der, sizeof(der), &n)) != ZTO_OK ||
        (r = zto_hash(ZTO_HASH_SHA256, der, n, &h)) != ZTO_OK)
        return r;
    memcpy(fp, h.value, 32);
    return ZTO_OK;
}

zto_err_t
zto_admin_pubkey_pem(const char *pem, size_t len, struct zto_key *key,
                     uint8_t fp[32])
{
    struct zto_key k;
    zto_err_t r;

    /* memmem is not in POSIX; the body is NUL-terminated. */
    if (strstr(pem, "PRIVATE KEY-----") != NULL)
        return ZTO_E_PERM;
    zto_key_init(&k);
    if (len == 0 || zto_key_from_pem(pem, len, &k) != ZTO_OK) {
        r = ZTO_E_PEM;
        goto out;
    }
    if (k.has_private) {
        r = ZTO_E_PERM;
        goto out;
    }
    if ((r = zto_admin_key_sha256(&k, fp)) != ZTO_OK)
        goto out;
    *key = k;
    zto_key_init(&k);
out:
    zto_key_free(&k);
    return r;
}
