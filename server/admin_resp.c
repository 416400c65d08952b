/*
 * admin_resp.c - the response builder handlers use (zto_admin.h), and
 * the helpers every handler shares (errors, GUIDs, query parameters).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "zto/zto_util.h"

void
admin_resp_init(struct zto_admin_resp *r)
{
    memset(r, 0, sizeof(*r));
}

static void
drop_body(struct zto_admin_resp *r)
{
    if (r->json_mode)
        zto_json_free(&r->json);
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    r->json_mode = false;
}

void
admin_resp_free(struct zto_admin_resp *r)
{
    size_t i;

    drop_body(r);
    for (i = 0; i < r->nhdr; i++) {
        free(r->hname[i]);
        free(r->hval[i]);
    }
    memset(r, 0, sizeof(*r));
}

struct zto_json *
zto_admin_json(struct zto_admin_resp *r, int status)
{
    drop_body(r);
    r->status = status;
    snprintf(r->ctype, sizeof(r->ctype), "application/json");
    zto_json_init_dyn(&r->json, ADMIN_MAX_RESP);
    r->json_mode = true;
    return &r->json;
}

zto_err_t
zto_admin_body(struct zto_admin_resp *r, int status, const char *content_type,
               const void *p, size_t n)
{
    drop_body(r);
    r->status = status;
    if (content_type == NULL || strlen(content_type) >= sizeof(r->ctype) ||
        strpbrk(content_type, "\r\n") != NULL) {
        r->failed = true;
        return ZTO_E_ARG;
    }
    snprintf(r->ctype, sizeof(r->ctype), "%s", content_type);
    return zto_admin_body_append(r, p, n);
}

zto_err_t
zto_admin_body_append(struct zto_admin_resp *r, const void *p, size_t n)
{
    size_t ncap;
    char *nb;

    if (r->json_mode || r->status == 0) {
        r->failed = true;
        return ZTO_E_ARG;
    }
    if (n > ADMIN_MAX_RESP - r->len) {
        r->failed = true;
        return ZTO_E_TOO_BIG;
    }
    if (r->len + n + 1 > r->cap) {
        ncap = r->cap < 1024 ? 1024 : r->cap;
        while (ncap < r->len + n + 1)
            ncap *= 2;
        if ((nb = realloc(r->body, ncap)) == NULL) {
            r->failed = true;
            return ZTO_E_NOMEM;
        }
        r->body = nb;
        r->cap = ncap;
    }
    if (n > 0)
        memcpy(r->body + r->len, p, n);
    r->len += n;
    r->body[r->len] = '\0';
    return ZTO_OK;
}

static bool
header_text_ok(const char *s, bool name)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || (name && (c == ':' || c == ' ')))
            return false;
    }
    return true;
}

zto_err_t
zto_admin_header(struct zto_admin_resp *r, const char *name, const char *value)
{
    char *n = NULL, *v = NULL;
    size_t nl, vl;

    if (!header_text_ok(name, true) || !header_text_ok(value, false) ||
        r->nhdr == ADMIN_MAX_RESP_HEADERS) {
        r->failed = true;
        return ZTO_E_ARG;
    }
    nl = strlen(name) + 1;
    vl = strlen(value) + 1;
    if ((n = malloc(nl)) == NULL || (v = malloc(vl)) == NULL) {
        free(n);
        r->failed = true;
        return ZTO_E_NOMEM;
    }
    memcpy(n, name, nl);
    memcpy(v, value, vl);
    r->hname[r->nhdr] = n;
    r->hval[r->nhdr] = v;
    r->nhdr++;
    return ZTO_OK;
}

void
zto_admin_json_error(struct zto_json *w, const char *code, const char *message)
{
    zto_json_obj(w);
    zto_json_kstr(w, "code", code);
    zto_json_kstr(w, "message", message);
    zto_json_obj_end(w);
}

static void
verror(struct zto_admin_resp *r, int status, const char *code, const char *fmt,
       va_list ap)
{
    struct zto_json *w;
    char msg[512];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    w = zto_admin_json(r, status);
    zto_json_obj(w);
    zto_json_kobj(w, "error");
    zto_json_kint(w, "status", status);
    zto_json_kstr(w, "code", code);
    zto_json_kstr(w, "message", msg);
    zto_json_obj_end(w);
    zto_json_obj_end(w);
    snprintf(r->err_code, sizeof(r->err_code), "%s", code);
}

void
zto_admin_error(struct zto_admin_resp *r, int status, const char *code,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(r, status, code, fmt, ap);
    va_end(ap);
}

static void
internal_error(struct zto_admin_resp *r)
{
    size_t i;

    for (i = 0; i < r->nhdr; i++) {
        free(r->hname[i]);
        free(r->hval[i]);
    }
    r->nhdr = 0;
    r->failed = false;
    zto_admin_error(r, 500, "internal", "the response could not be built");
}

void
admin_resp_finish(struct zto_admin_resp *r)
{
    size_t len = 0;

    if (r->status == 0 || r->failed)
        internal_error(r);
    if (r->json_mode && zto_json_finish(&r->json, &len) != ZTO_OK) {
        internal_error(r);
        if (zto_json_finish(&r->json, &len) != ZTO_OK) {
            /* Out of memory even for the error document. */
            drop_body(r);
            return;
        }
    }
    if (!r->json_mode)
        return;
    r->body = zto_json_take(&r->json);
    r->len = len;
    r->cap = len + 1;
    r->json_mode = false;
    /* Documents end with a newline, which is friendlier in a terminal. */
    if (zto_admin_body_append(r, "\n", 1) != ZTO_OK)
        r->failed = true;
}

const char *
admin_status_text(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status";
    }
}

const char *
zto_admin_query(const struct zto_admin_req *req, const char *name)
{
    size_t i;

    for (i = 0; i < req->nquery; i++)
        if (strcmp(req->qkey[i], name) == 0)
            return req->qval[i];
    return NULL;
}

zto_err_t
zto_admin_guid_parse(const char *s, struct zto_guid *g)
{
    static const size_t dash_at[4] = {8, 13, 18, 23};
    char hex[32];
    size_t n = 0, i, len = 0, d = 0;

    if (s == NULL)
        return ZTO_E_GUID;
    if (strlen(s) == 36) {
        /* 8-4-4-4-12 */
        for (i = 0; i < 36; i++) {
            if (d < 4 && i == dash_at[d]) {
                if (s[i] != '-')
                    return ZTO_E_GUID;
                d++;
                continue;
            }
            hex[n++] = s[i];
        }
    } else if (strlen(s) == 32) {
        memcpy(hex, s, 32);
        n = 32;
    } else {
        return ZTO_E_GUID;
    }
    if (zto_hex_decode(hex, n, g->b, sizeof(g->b), &len) != ZTO_OK ||
        len != sizeof(g->b))
        return ZTO_E_GUID;
    return ZTO_OK;
}

const char *
zto_admin_guid_str(const struct zto_guid *g, char buf[33])
{
    if (zto_hex_encode(g->b, sizeof(g->b), buf, 33) != ZTO_OK)
        buf[0] = '\0';
    return buf;
}
