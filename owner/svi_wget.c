/*
 * svi_wget.c - fdo.wget on the owner: the device fetches a file itself,
 * outside the FDO tunnel (FSIM fdo.wget, docs/serviceinfo.md).
 *
 *   owner:  active = true, name, sha-384 (when known), url
 *   device: done = bytes retrieved, or error = text
 *
 * Plan parameters (text): url (http:// or https://; "$(guid)" becomes
 * the device's GUID in hex), name (where the device puts the file),
 * sha384 (optional, 96 hex digits: the device checks the file against
 * it) and length (optional, bytes: a `done` with another count fails
 * the step). name, sha-384 and url go out in one message, url last: it
 * starts the fetch. The step then waits for the device's answer; an
 * `error` fails TO2 with the device's text.
 *
 * State: u[0] phase. Nothing else: the parameters say everything.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "svi_int.h"

#define MOD "fdo.wget"
#define URL_CAP 2048
#define NAME_CAP 1024
#define ERR_SHOWN 120 /* bytes of the device's error text kept */

enum wg_phase { WG_SEND = 0, WG_WAIT, WG_FINISHED };

/* http:// or https://, a host, printable ASCII without spaces. */
static bool
url_ok(const char *u)
{
    size_t i, skip;

    if (strncasecmp(u, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(u, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    if (u[skip] == '\0' || u[skip] == '/')
        return false;
    for (i = 0; u[i] != '\0'; i++)
        if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
            return false;
    return true;
}

/* The optional length parameter: ZTO_E_NOT_FOUND when absent. */
static zto_err_t
param_length(const uint8_t *params, size_t len, uint64_t *out)
{
    char v[32], *end = NULL;
    unsigned long long n;
    zto_err_t r;

    if ((r = svi_param_str(params, len, "length", v, sizeof(v))) != ZTO_OK)
        return r;
    if (v[0] < '0' || v[0] > '9')
        return ZTO_E_CONFIG;
    n = strtoull(v, &end, 10);
    if (end == NULL || *end != '\0')
        return ZTO_E_CONFIG;
    *out = n;
    return ZTO_OK;
}

/* The optional sha384 parameter: 48 bytes, ZTO_E_NOT_FOUND when
 * absent. */
static zto_err_t
param_sha(const uint8_t *params, size_t len, uint8_t out[48])
{
    char v[128];
    size_t n = 0;
    zto_err_t r;

    if ((r = svi_param_str(params, len, "sha384", v, sizeof(v))) != ZTO_OK)
        return r == ZTO_E_TOO_BIG ? ZTO_E_CONFIG : r;
    if (strlen(v) != 96 || zto_hex_decode(v, 96, out, 48, &n) != ZTO_OK ||
        n != 48)
        return ZTO_E_CONFIG;
    return ZTO_OK;
}

static zto_err_t
check(const uint8_t *params, size_t len, char *err, size_t errcap)
{
    char v[URL_CAP];
    uint8_t sha[48];
    uint64_t n;
    zto_err_t r;

    if (svi_param_str(params, len, "url", v, sizeof(v)) != ZTO_OK ||
        !url_ok(v)) {
        snprintf(err, errcap,
                 "wget needs url: http://HOST[:PORT]/PATH or https://..., "
                 "printable ASCII without spaces, at most %d bytes",
                 URL_CAP - 1);
        return ZTO_E_CONFIG;
    }
    if (svi_param_str(params, len, "name", v, NAME_CAP) != ZTO_OK ||
        v[0] == '\0') {
        snprintf(err, errcap, "wget needs name (the file on the device)");
        return ZTO_E_CONFIG;
    }
    r = param_sha(params, len, sha);
    if (r != ZTO_OK && r != ZTO_E_NOT_FOUND) {
        snprintf(err, errcap, "wget: sha384 must be 96 hex digits");
        return ZTO_E_CONFIG;
    }
    r = param_length(params, len, &n);
    if (r != ZTO_OK && r != ZTO_E_NOT_FOUND) {
        snprintf(err, errcap, "wget: length must be a number of bytes");
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}

static zto_err_t
start(struct svi_run *run)
{
    run->st->u[0] = WG_SEND;
    return ZTO_OK;
}

/* The device's text, printable ASCII only, cut to ERR_SHOWN bytes. */
static void
shown(const struct zto_bytes *t, char *out, size_t cap)
{
    size_t i, n = t->len < ERR_SHOWN ? t->len : ERR_SHOWN;

    if (n >= cap)
        n = cap - 1;
    for (i = 0; i < n; i++)
        out[i] = t->p[i] >= 0x20 && t->p[i] < 0x7f ? (char)t->p[i] : '?';
    out[n] = '\0';
}

static zto_err_t
receive(struct svi_run *run, const char *message, const uint8_t *val,
        size_t len)
{
    struct svi_step *st = run->st;
    struct zto_cbor_dec d;
    struct zto_bytes t;
    char text[ERR_SHOWN + 1];
    uint64_t want = 0;
    int64_t done;

    zto_cbor_dec_init(&d, val, len);
    if (strcmp(message, "error") == 0) {
        if (zto_cbor_get_tstr(&d, &t) != ZTO_OK ||
            zto_cbor_dec_finish(&d) != ZTO_OK) {
            snprintf(run->why, run->whycap, MOD ":error is not a text");
            return ZTO_E_SVI;
        }
        shown(&t, text, sizeof(text));
        snprintf(run->why, run->whycap, MOD ": device reported: %s", text);
        return ZTO_E_SVI;
    }
    if (strcmp(message, "done") != 0)
        return ZTO_OK; /* nothing else is defined device -> owner */
    if (zto_cbor_get_int(&d, &done) != ZTO_OK ||
        zto_cbor_dec_finish(&d) != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ":done is not an integer");
        return ZTO_E_SVI;
    }
    if (st->u[0] != WG_WAIT) {
        snprintf(run->why, run->whycap, MOD ":done before url went out");
        return ZTO_E_SVI;
    }
    if (done < 0) {
        snprintf(run->why, run->whycap,
                 MOD ": device reported failure (done = %lld)",
                 (long long)done);
        return ZTO_E_SVI;
    }
    if (param_length(st->params, st->params_len, &want) == ZTO_OK &&
        (uint64_t)done != want) {
        snprintf(run->why, run->whycap,
                 MOD ": device retrieved %lld bytes, expected %llu",
                 (long long)done, (unsigned long long)want);
        return ZTO_E_SVI;
    }
    owner_logf(run->o, OWNER_LOG_INFO, "GUID %s: " MOD ": %lld bytes retrieved",
               owner_guid_hex(run->guid, text), (long long)done);
    st->u[0] = WG_FINISHED;
    return ZTO_OK;
}

/* A text value into v (CBOR), its length in *n. */
static zto_err_t
text_value(const char *s, uint8_t *v, size_t cap, size_t *n)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, v, cap);
    zto_cbor_put_cstr(&e, s);
    return zto_cbor_enc_finish(&e, n);
}

/* name, sha-384, url: all in one message, url last. */
static zto_err_t
send_all(struct svi_run *run, struct svi_out *out, bool *full)
{
    struct svi_step *st = run->st;
    char raw[URL_CAP], url[URL_CAP], name[NAME_CAP];
    uint8_t uv[URL_CAP + 8], nv[NAME_CAP + 8], sha[48], hv[50];
    size_t ul = 0, nl = 0, hl = 0, need;
    struct zto_cbor_enc e;
    bool have_sha;
    zto_err_t r;

    if (svi_param_str(st->params, st->params_len, "url", raw, sizeof(raw)) !=
            ZTO_OK ||
        svi_param_str(st->params, st->params_len, "name", name, sizeof(name)) !=
            ZTO_OK) {
        snprintf(run->why, run->whycap, "wget step without url or name");
        return ZTO_E_CONFIG;
    }
    if (svi_subst_guid(raw, run->guid, url, sizeof(url)) != ZTO_OK) {
        snprintf(run->why, run->whycap, "wget: url too long with the GUID");
        return ZTO_E_CONFIG;
    }
    have_sha = param_sha(st->params, st->params_len, sha) == ZTO_OK;
    if ((r = text_value(url, uv, sizeof(uv), &ul)) != ZTO_OK ||
        (r = text_value(name, nv, sizeof(nv), &nl)) != ZTO_OK)
        return r;
    need = zto_svi_kv_size(MOD, "name", nl) + zto_svi_kv_size(MOD, "url", ul);
    if (have_sha) {
        zto_cbor_enc_init(&e, hv, sizeof(hv));
        zto_cbor_put_bstr(&e, sha, sizeof(sha));
        if ((r = zto_cbor_enc_finish(&e, &hl)) != ZTO_OK)
            return r;
        need += zto_svi_kv_size(MOD, "sha-384", hl);
    }
    if (svi_out_room(out, MOD, "name") < need) {
        *full = true;
        return ZTO_OK;
    }
    if ((r = svi_out_put(out, MOD, "name", nv, nl)) != ZTO_OK ||
        (have_sha &&
         (r = svi_out_put(out, MOD, "sha-384", hv, hl)) != ZTO_OK) ||
        (r = svi_out_put(out, MOD, "url", uv, ul)) != ZTO_OK) {
        /* Measured above: cannot happen. */
        return r == ZTO_E_BUF_TOO_SMALL ? ZTO_E_INTERNAL : r;
    }
    st->u[0] = WG_WAIT;
    return ZTO_OK;
}

static zto_err_t
produce(struct svi_run *run, struct svi_out *out, bool *more, bool *done)
{
    struct svi_step *st = run->st;
    bool full = false;
    zto_err_t r;

    *more = false;
    *done = false;
    if (st->u[0] == WG_SEND) {
        if ((r = send_all(run, out, &full)) != ZTO_OK)
            return r;
        if (full) {
            /* Only "active" (or nothing) went out: the rest next round,
             * before the device answers. */
            if (out->count == 0) {
                snprintf(run->why, run->whycap,
                         MOD ": the device's ServiceInfo size is too small "
                             "for name and url");
                return ZTO_E_LIMIT;
            }
            *more = true;
        }
    }
    *done = st->u[0] == WG_FINISHED;
    return ZTO_OK;
}

const struct svi_kind svi_kind_wget = {
    "wget", MOD, check, start, receive, produce,
};
