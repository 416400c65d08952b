/*
 * admin_json.c - the bounded JSON writer of zto_json.h (RFC 8259).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin_int.h"
#include "zto_json.h"

void
zto_json_init(struct zto_json *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
    w->first = true;
    if (buf == NULL || cap == 0)
        w->err = ZTO_E_BUF_TOO_SMALL;
}

void
zto_json_init_dyn(struct zto_json *w, size_t max)
{
    memset(w, 0, sizeof(*w));
    w->max = max > 0 ? max : 1;
    w->first = true;
}

void
zto_json_free(struct zto_json *w)
{
    if (w->max > 0)
        free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

char *
zto_json_take(struct zto_json *w)
{
    char *p = w->buf;

    if (w->max == 0)
        return NULL;
    w->buf = NULL;
    w->len = w->cap = 0;
    return p;
}

static void
fail(struct zto_json *w, zto_err_t e)
{
    if (w->err == ZTO_OK)
        w->err = e;
}

/* Room for n more bytes plus the final NUL. */
static bool
reserve(struct zto_json *w, size_t n)
{
    size_t need, ncap;
    char *nb;

    if (w->err != ZTO_OK)
        return false;
    if (n > SIZE_MAX - w->len - 1) {
        fail(w, ZTO_E_BUF_TOO_SMALL);
        return false;
    }
    need = w->len + n + 1;
    if (need <= w->cap)
        return true;
    if (w->max == 0 || need > w->max) {
        fail(w, ZTO_E_BUF_TOO_SMALL);
        return false;
    }
    ncap = w->cap < 256 ? 256 : w->cap;
    while (ncap < need)
        ncap = ncap > w->max / 2 ? w->max : ncap * 2;
    if (ncap > w->max)
        ncap = w->max;
    if ((nb = realloc(w->buf, ncap)) == NULL) {
        fail(w, ZTO_E_NOMEM);
        return false;
    }
    w->buf = nb;
    w->cap = ncap;
    return true;
}

static void
put(struct zto_json *w, const char *p, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void
putc1(struct zto_json *w, char c)
{
    put(w, &c, 1);
}

/* Before any value: the separator, and a check that a value may come. */
static bool
value_start(struct zto_json *w)
{
    if (w->err != ZTO_OK)
        return false;
    if (w->done) {
        fail(w, ZTO_E_ARG); /* a second top-level value */
        return false;
    }
    if (w->depth > 0 && w->frame[w->depth - 1] == 'o') {
        if (!w->after_key) {
            fail(w, ZTO_E_ARG); /* member value without a name */
            return false;
        }
        w->after_key = false;
        return true;
    }
    if (w->depth > 0 && !w->first)
        putc1(w, ',');
    w->first = false;
    return w->err == ZTO_OK;
}

static void
value_end(struct zto_json *w)
{
    if (w->depth == 0)
        w->done = true;
}

static void
open_c(struct zto_json *w, char kind)
{
    if (!value_start(w))
        return;
    if (w->depth == ZTO_JSON_MAX_DEPTH) {
        fail(w, ZTO_E_DEPTH);
        return;
    }
    putc1(w, kind == 'o' ? '{' : '[');
    w->frame[w->depth++] = kind;
    w->first = true;
}

static void
close_c(struct zto_json *w, char kind)
{
    if (w->err != ZTO_OK)
        return;
    if (w->depth == 0 || w->frame[w->depth - 1] != kind || w->after_key) {
        fail(w, ZTO_E_ARG);
        return;
    }
    putc1(w, kind == 'o' ? '}' : ']');
    w->depth--;
    w->first = false;
    value_end(w);
}

void
zto_json_obj(struct zto_json *w)
{
    open_c(w, 'o');
}

void
zto_json_obj_end(struct zto_json *w)
{
    close_c(w, 'o');
}

void
zto_json_arr(struct zto_json *w)
{
    open_c(w, 'a');
}

void
zto_json_arr_end(struct zto_json *w)
{
    close_c(w, 'a');
}

size_t
admin_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t k, i;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (i = 1; i < k; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return k;
}

static void
put_string(struct zto_json *w, const char *s, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run;

    putc1(w, '"');
    while (i < n && w->err == ZTO_OK) {
        unsigned char c = p[i];
        size_t k;
        char esc[6];

        /* Copy plain runs in one go. */
        run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' &&
               p[run] != '\\')
            run++;
        if (run > i) {
            put(w, s + i, run - i);
            i = run;
            continue;
        }
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(w, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            const char *short_esc = NULL;
            switch (c) {
            case '\n':
                short_esc = "\\n";
                break;
            case '\r':
                short_esc = "\\r";
                break;
            case '\t':
                short_esc = "\\t";
                break;
            case '\b':
                short_esc = "\\b";
                break;
            case '\f':
                short_esc = "\\f";
                break;
            default:
                break;
            }
            if (short_esc != NULL) {
                put(w, short_esc, 2);
            } else {
                memcpy(esc, "\\u00", 4);
                esc[4] = hexd[c >> 4];
                esc[5] = hexd[c & 15];
                put(w, esc, 6);
            }
            i++;
        } else if ((k = admin_utf8_seq(p + i, n - i)) > 0) {
            put(w, s + i, k);
            i += k;
        } else {
            put(w, "\\ufffd", 6);
            i++;
        }
    }
    putc1(w, '"');
}

void
zto_json_key(struct zto_json *w, const char *k)
{
    if (w->err != ZTO_OK)
        return;
    if (k == NULL || w->depth == 0 || w->frame[w->depth - 1] != 'o' ||
        w->after_key) {
        fail(w, ZTO_E_ARG);
        return;
    }
    if (!w->first)
        putc1(w, ',');
    w->first = false;
    put_string(w, k, strlen(k));
    putc1(w, ':');
    w->after_key = true;
}

void
zto_json_strn(struct zto_json *w, const char *s, size_t n)
{
    if (!value_start(w))
        return;
    if (s == NULL)
        put(w, "null", 4);
    else
        put_string(w, s, n);
    value_end(w);
}

void
zto_json_str(struct zto_json *w, const char *s)
{
    zto_json_strn(w, s, s != NULL ? strlen(s) : 0);
}

static void
put_lit(struct zto_json *w, const char *lit)
{
    if (!value_start(w))
        return;
    put(w, lit, strlen(lit));
    value_end(w);
}

void
zto_json_int(struct zto_json *w, int64_t v)
{
    char num[24];

    snprintf(num, sizeof(num), "%" PRId64, v);
    put_lit(w, num);
}

void
zto_json_uint(struct zto_json *w, uint64_t v)
{
    char num[24];

    snprintf(num, sizeof(num), "%" PRIu64, v);
    put_lit(w, num);
}

void
zto_json_bool(struct zto_json *w, bool v)
{
    put_lit(w, v ? "true" : "false");
}

void
zto_json_null(struct zto_json *w)
{
    put_lit(w, "null");
}

void
zto_json_hex(struct zto_json *w, const uint8_t *p, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    size_t i;

    if (!value_start(w))
        return;
    putc1(w, '"');
    if (n > (SIZE_MAX - 3) / 2 || !reserve(w, 2 * n)) {
        fail(w, ZTO_E_BUF_TOO_SMALL);
        return;
    }
    for (i = 0; i < n; i++) {
        w->buf[w->len++] = hexd[p[i] >> 4];
        w->buf[w->len++] = hexd[p[i] & 15];
    }
    w->buf[w->len] = '\0';
    putc1(w, '"');
    value_end(w);
}

void
zto_json_time(struct zto_json *w, int64_t t)
{
    char s[40];
    time_t tt = (time_t)t;
    struct tm tm;

    /* RFC 3339 years have four digits. */
    if (t < 0 || t > INT64_C(253402300799) || (int64_t)tt != t ||
        gmtime_r(&tt, &tm) == NULL ||
        strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        fail(w, ZTO_E_RANGE);
        return;
    }
    zto_json_str(w, s);
}

void
zto_json_kstr(struct zto_json *w, const char *k, const char *s)
{
    zto_json_key(w, k);
    zto_json_str(w, s);
}

void
zto_json_kint(struct zto_json *w, const char *k, int64_t v)
{
    zto_json_key(w, k);
    zto_json_int(w, v);
}

void
zto_json_kuint(struct zto_json *w, const char *k, uint64_t v)
{
    zto_json_key(w, k);
    zto_json_uint(w, v);
}

void
zto_json_kbool(struct zto_json *w, const char *k, bool v)
{
    zto_json_key(w, k);
    zto_json_bool(w, v);
}

void
zto_json_knull(struct zto_json *w, const char *k)
{
    zto_json_key(w, k);
    zto_json_null(w);
}

void
zto_json_ktime(struct zto_json *w, const char *k, int64_t t)
{
    zto_json_key(w, k);
    zto_json_time(w, t);
}

void
zto_json_khex(struct zto_json *w, const char *k, const uint8_t *p, size_t n)
{
    zto_json_key(w, k);
    zto_json_hex(w, p, n);
}

void
zto_json_kobj(struct zto_json *w, const char *k)
{
    zto_json_key(w, k);
    zto_json_obj(w);
}

void
zto_json_karr(struct zto_json *w, const char *k)
{
    zto_json_key(w, k);
    zto_json_arr(w);
}

zto_err_t
zto_json_finish(struct zto_json *w, size_t *len)
{
    if (w->err != ZTO_OK)
        return w->err;
    if (!w->done || w->depth != 0)
        return ZTO_E_ARG;
    *len = w->len;
    return ZTO_OK;
}
