/*
 * admin_auth.c - who may use the admin API: bearer tokens (RFC 6750)
 * checked against their SHA-256, and TLS client certificates.
 *
 * Only hashes are configured, so a leaked config file does not leak a
 * usable token. A presented token is hashed and compared with every
 * configured hash in constant time. A request that offers a token must
 * offer a good one, even over a connection with a client certificate:
 * a wrong credential is refused rather than silently ignored.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "admin_int.h"
#include "zto/zto_crypto.h"
#include "zto/zto_util.h"

/* Longest token accepted (b64token of RFC 6750 section 2.1). */
#define TOKEN_MAX 1024

int
admin_token_match(const uint8_t (*hashes)[32], size_t n, const char *token,
                  size_t len)
{
    struct zto_hash_buf h;
    size_t i;
    int found = 0;

    if (n == 0 || zto_hash(ZTO_HASH_SHA256, token, len, &h) != ZTO_OK ||
        h.len != 32)
        return 0;
    /* Look at every hash whatever matched, so timing tells nothing. */
    for (i = 0; i < n; i++)
        if (zto_ct_equal(h.value, hashes[i], 32) && found == 0)
            found = (int)i + 1;
    zto_zeroize(&h, sizeof(h));
    return found;
}

static bool
b64token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~' || c == '+' || c == '/' || c == '=';
}

bool
admin_auth_check(struct zto_admin *a, struct admin_conn *c,
                 const struct admin_head *h, char *principal, size_t pcap,
                 const char **why, bool *token_given)
{
    const char *v = NULL;
    size_t vlen = 0, n, i;
    char subject[256];
    int idx;

    *token_given = false;
    n = admin_head_find(h, "Authorization", &v, &vlen);
    if (n > 1) {
        *why = "several Authorization headers";
        *token_given = true;
        return false;
    }
    if (n == 1) {
        *token_given = true;
        if (vlen < 7 || strncasecmp(v, "Bearer ", 7) != 0) {
            *why = "Authorization is not a Bearer token";
            return false;
        }
        v += 7;
        vlen -= 7;
        while (vlen > 0 && *v == ' ') {
            v++;
            vlen--;
        }
        if (vlen == 0 || vlen > TOKEN_MAX) {
            *why = "malformed bearer token";
            return false;
        }
        for (i = 0; i < vlen; i++)
            if (!b64token_char(v[i])) {
                *why = "malformed bearer token";
                return false;
            }
        if (a->opts.ntokens == 0) {
            *why = "token authentication is not configured";
            return false;
        }
        idx = admin_token_match((const uint8_t(*)[32])a->opts.token_sha256,
                                a->opts.ntokens, v, vlen);
        if (idx == 0) {
            *why = "token does not match";
            return false;
        }
        snprintf(principal, pcap, "token#%d", idx);
        return true;
    }
    if (a->opts.client_ca != NULL &&
        admin_conn_client_cert(c, subject, sizeof(subject))) {
        snprintf(principal, pcap, "cert:%s", subject);
        return true;
    }
    *why = "no credentials";
    return false;
}

zto_err_t
admin_token_hashes_parse(const char *s, uint8_t (*out)[32], size_t max,
                         size_t *n)
{
    size_t k = 0, len = 0;

    *n = 0;
    while (*s != '\0') {
        const char *e;
        size_t l;

        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        if (*s == '\0')
            break;
        for (e = s; *e != '\0' && *e != ',' && *e != ' ' && *e != '\t'; e++)
            ;
        l = (size_t)(e - s);
        if (k == max)
            return ZTO_E_TOO_BIG;
        if (l != 64 || zto_hex_decode(s, 64, out[k], 32, &len) != ZTO_OK ||
            len != 32)
            return ZTO_E_RANGE;
        k++;
        s = e;
    }
    *n = k;
    return k > 0 ? ZTO_OK : ZTO_E_RANGE;
}
