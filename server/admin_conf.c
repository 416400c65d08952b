/*
 * admin_conf.c - the admin_* configuration keywords (zto_admin.h) and
 * the hash-token command every daemon offers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "zto/zto_crypto.h"
#include "zto/zto_util.h"

/* Shortest token hash-token accepts (guessing must stay hopeless). */
#define TOKEN_MIN 16
#define TOKEN_LINE_MAX 1024

zto_err_t
zto_admin_conf_resolve(struct zto_admin_conf *c, const char *conf_path)
{
    zto_err_t r;

    if (conf_path == NULL)
        return ZTO_OK;
    if ((r = zto_conf_resolve(&c->tls_cert, conf_path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->tls_key, conf_path)) != ZTO_OK ||
        (r = zto_conf_resolve(&c->client_ca, conf_path)) != ZTO_OK)
        return r;
    return ZTO_OK;
}

zto_err_t
zto_admin_check_key_file(const struct zto_admin_conf *c,
                         const struct zto_admin_opts *o, char *err,
                         size_t errcap)
{
    size_t i;

    for (i = 0; i < o->nlisten; i++)
        if (o->listen[i].transport == ZTO_SRV_HTTPS && o->tls_key != NULL)
            return zto_conf_check_key_file(
                c->tls_key.set ? "admin_tls_key" : "tls_key", o->tls_key, err,
                errcap);
    return ZTO_OK;
}

zto_err_t
zto_admin_conf_apply(const struct zto_admin_conf *c,
                     const struct zto_srv_conf *srv, struct zto_admin_opts *o,
                     char *err, size_t errcap)
{
    bool any_tls = false, any_plain = false;
    size_t i;
    zto_err_t r;

    o->listen = c->listen.set ? c->listen.v : NULL;
    o->nlisten = c->listen.set ? c->listen.n : 0;
    for (i = 0; i < o->nlisten; i++) {
        int t = o->listen[i].transport;
        if (t != ZTO_SRV_HTTP && t != ZTO_SRV_HTTPS) {
            snprintf(err, errcap, "admin: listeners are http or https, not %s",
                     zto_srv_transport_name(t));
            return ZTO_E_CONFIG;
        }
        any_tls |= t == ZTO_SRV_HTTPS;
        any_plain |= t == ZTO_SRV_HTTP;
    }
    o->ntokens = 0;
    if (c->token_sha256.set && c->token_sha256.v != NULL) {
        r = admin_token_hashes_parse(c->token_sha256.v, o->token_sha256,
                                     ZTO_ADMIN_MAX_TOKENS, &o->ntokens);
        if (r != ZTO_OK) {
            snprintf(err, errcap, "admin_token_sha256: %s",
                     r == ZTO_E_TOO_BIG
                         ? "at most 8 hashes"
                         : "expected SHA-256 hashes in hex (64 digits), "
                           "comma-separated; see 'hash-token'");
            return ZTO_E_CONFIG;
        }
    }
    o->tls_cert = c->tls_cert.set                    ? c->tls_cert.v
                  : srv != NULL && srv->tls_cert.set ? srv->tls_cert.v
                                                     : NULL;
    o->tls_key = c->tls_key.set                    ? c->tls_key.v
                 : srv != NULL && srv->tls_key.set ? srv->tls_key.v
                                                   : NULL;
    o->client_ca = c->client_ca.set ? c->client_ca.v : NULL;
    o->metrics_public = c->metrics_public.set && c->metrics_public.v;
    if (c->max_body.set)
        o->max_body = (size_t)c->max_body.v;
    if (c->max_clients.set)
        o->max_clients = (unsigned)c->max_clients.v;
    if (c->timeout.set)
        o->timeout_s = (unsigned)c->timeout.v;
    if (o->nlisten == 0)
        return ZTO_OK;
    if (any_tls && (o->tls_cert == NULL || o->tls_key == NULL)) {
        snprintf(err, errcap,
                 "admin: an https listener needs admin_tls_cert and "
                 "admin_tls_key (or tls_cert and tls_key)");
        return ZTO_E_CONFIG;
    }
    if (o->client_ca != NULL && !any_tls) {
        snprintf(err, errcap, "admin_client_ca needs an https admin listener");
        return ZTO_E_CONFIG;
    }
    if (o->ntokens == 0 && (o->client_ca == NULL || any_plain)) {
        snprintf(err, errcap,
                 "admin: set admin_token_sha256 (see 'hash-token')%s",
                 o->client_ca != NULL
                     ? ": plain-HTTP admin listeners cannot check client "
                       "certificates"
                     : ", or admin_client_ca with https admin listeners");
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}

static void
trim(char *s)
{
    size_t n = strlen(s), i = 0;

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
                     s[n - 1] == '\t'))
        s[--n] = '\0';
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    memmove(s, s + i, n - i + 1);
}

int
zto_admin_hash_token_cmd(FILE *in, FILE *out, FILE *errf, bool generate)
{
    char tok[TOKEN_LINE_MAX + 2], hex[65];
    uint8_t rnd[32];
    struct zto_hash_buf h;
    size_t n = 0, i;
    int rc = 1;

    if (generate) {
        if (zto_random(rnd, sizeof(rnd)) != ZTO_OK ||
            zto_base64_encode(rnd, sizeof(rnd), tok, sizeof(tok), &n) !=
                ZTO_OK) {
            fprintf(errf, "hash-token: no randomness\n");
            goto out;
        }
        /* base64url without padding: no characters a shell or a header
         * would mind. */
        for (i = 0; i < n; i++) {
            if (tok[i] == '+')
                tok[i] = '-';
            else if (tok[i] == '/')
                tok[i] = '_';
            else if (tok[i] == '=')
                tok[i] = '\0';
        }
    } else {
        if (fgets(tok, sizeof(tok), in) == NULL) {
            fprintf(errf, "hash-token: reading the token from standard "
                          "input failed\n");
            goto out;
        }
        if (strchr(tok, '\n') == NULL && !feof(in)) {
            fprintf(errf, "hash-token: token longer than %d characters\n",
                    TOKEN_LINE_MAX);
            goto out;
        }
        trim(tok);
    }
    n = strlen(tok);
    if (n < TOKEN_MIN) {
        fprintf(errf,
                "hash-token: a token needs at least %d characters (try "
                "--generate)\n",
                TOKEN_MIN);
        goto out;
    }
    for (i = 0; i < n; i++) {
        char c = tok[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
              c == '~' || c == '+' || c == '/' || c == '=')) {
            fprintf(errf, "hash-token: tokens use letters, digits and "
                          "-._~+/= only\n");
            goto out;
        }
    }
    if (zto_hash(ZTO_HASH_SHA256, tok, n, &h) != ZTO_OK ||
        zto_hex_encode(h.value, 32, hex, sizeof(hex)) != ZTO_OK) {
        fprintf(errf, "hash-token: hashing failed\n");
        goto out;
    }
    if (generate)
        fprintf(out, "token: %s\n", tok);
    fprintf(out, "admin_token_sha256 = %s\n", hex);
    rc = 0;
out:
    zto_zeroize(tok, sizeof(tok));
    zto_zeroize(rnd, sizeof(rnd));
    return rc;
}
