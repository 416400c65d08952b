/*
 * admin_parse.c - HTTP/1.1 request heads (RFC 9112 sections 2-5), request
 * targets (RFC 3986 origin-form) and path patterns for the admin API.
 * Pure functions: bytes in, views and copies out.
 *
 * Strict where leniency has caused request smuggling elsewhere: no
 * whitespace before a field's colon, no obsolete line folding, one
 * Content-Length value, no Transfer-Encoding. Bare LF line ends are taken
 * (section 2.2 allows it); a bare CR is not.
 */
#include <string.h>
#include <strings.h>

#include "admin_int.h"

/* RFC 9110 section 5.6.2 tchar. */
static bool
is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field value bytes: visible ASCII, obs-text, SP, HTAB. */
static bool
is_vchar_ws(unsigned char c)
{
    return (c >= 0x21 && c != 0x7f) || c == ' ' || c == '\t';
}

/* End of the line starting at p: index of its LF (or -1 if none yet);
 * *content: length without the CR. false if a CR is not before LF. */
static bool
find_line(const char *buf, size_t len, size_t p, size_t *lf, size_t *content)
{
    size_t i;

    for (i = p; i < len; i++) {
        if (buf[i] == '\n') {
            *lf = i;
            *content = (i > p && buf[i - 1] == '\r') ? i - 1 - p : i - p;
            return true;
        }
        if (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n')
            return false; /* bare CR */
    }
    *lf = (size_t)-1;
    return true;
}

static int
method_of(const char *m, size_t n)
{
    static const struct {
        const char *s;
        int m;
    } tbl[] = {{"GET", ZTO_ADMIN_GET},
               {"POST", ZTO_ADMIN_POST},
               {"PUT", ZTO_ADMIN_PUT},
               {"DELETE", ZTO_ADMIN_DELETE}};
    size_t i;

    for (i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++)
        if (strlen(tbl[i].s) == n && memcmp(tbl[i].s, m, n) == 0)
            return tbl[i].m;
    return 0;
}

static zto_err_t
parse_request_line(const char *l, size_t n, struct admin_head *h)
{
    size_t i = 0, t0;

    while (i < n && is_tchar((unsigned char)l[i]))
        i++;
    if (i == 0 || i >= n || l[i] != ' ')
        return ZTO_E_PROTO;
    h->method_s = l;
    h->method_len = i;
    h->method = method_of(l, i);
    t0 = ++i;
    while (i < n && (unsigned char)l[i] > 0x20 && (unsigned char)l[i] < 0x7f)
        i++;
    if (i == t0 || i >= n || l[i] != ' ')
        return ZTO_E_PROTO;
    h->target = l + t0;
    h->target_len = i - t0;
    i++;
    if (n - i != 8 || memcmp(l + i, "HTTP/", 5) != 0 || l[i + 6] != '.' ||
        l[i + 5] < '0' || l[i + 5] > '9' || l[i + 7] < '0' || l[i + 7] > '9')
        return ZTO_E_PROTO;
    if (l[i + 5] != '1')
        return ZTO_E_UNSUPPORTED;
    h->minor = l[i + 7] - '0';
    return ZTO_OK;
}

static zto_err_t
parse_field(const char *l, size_t n, struct admin_head *h)
{
    size_t i = 0, v0, v1, nl;
    struct admin_hdr *f;

    if (n > 0 && (l[0] == ' ' || l[0] == '\t'))
        return ZTO_E_PROTO; /* obs-fold */
    while (i < n && is_tchar((unsigned char)l[i]))
        i++;
    if (i == 0 || i >= n || l[i] != ':')
        return ZTO_E_PROTO;
    nl = i;
    v0 = i + 1;
    while (v0 < n && (l[v0] == ' ' || l[v0] == '\t'))
        v0++;
    v1 = n;
    while (v1 > v0 && (l[v1 - 1] == ' ' || l[v1 - 1] == '\t'))
        v1--;
    for (i = v0; i < v1; i++)
        if (!is_vchar_ws((unsigned char)l[i]))
            return ZTO_E_PROTO;
    if (h->nhdr == ADMIN_MAX_HEADERS)
        return ZTO_E_TOO_BIG;
    f = &h->hdr[h->nhdr++];
    f->name = l;
    f->nlen = nl;
    f->val = l + v0;
    f->vlen = v1 - v0;
    return ZTO_OK;
}

zto_err_t
admin_parse_head(const char *buf, size_t len, struct admin_head *h)
{
    size_t p = 0, lf, n;
    bool first = true;
    int blank = 0;
    zto_err_t r;

    memset(h, 0, sizeof(*h));
    for (;;) {
        if (!find_line(buf, len, p, &lf, &n))
            return ZTO_E_PROTO;
        if (lf == (size_t)-1)
            return ZTO_E_WANT_INPUT;
        if (first && n == 0) {
            /* Empty lines before the request line are ignored
             * (section 2.2), a few of them. */
            if (++blank > 4)
                return ZTO_E_PROTO;
            p = lf + 1;
            continue;
        }
        if (first) {
            if ((r = parse_request_line(buf + p, n, h)) != ZTO_OK)
                return r;
            first = false;
        } else if (n == 0) {
            h->head_len = lf + 1;
            return ZTO_OK;
        } else if ((r = parse_field(buf + p, n, h)) != ZTO_OK) {
            return r;
        }
        p = lf + 1;
    }
}

size_t
admin_head_find(const struct admin_head *h, const char *name, const char **val,
                size_t *vlen)
{
    size_t i, count = 0, nl = strlen(name);

    for (i = 0; i < h->nhdr; i++) {
        const struct admin_hdr *f = &h->hdr[i];
        if (f->nlen != nl || strncasecmp(f->name, name, nl) != 0)
            continue;
        if (count++ == 0) {
            if (val != NULL)
                *val = f->val;
            if (vlen != NULL)
                *vlen = f->vlen;
        }
    }
    return count;
}

zto_err_t
admin_head_body_len(const struct admin_head *h, uint64_t *out)
{
    size_t i, j, nl = strlen("Content-Length");
    bool seen = false;
    uint64_t v = 0;

    if (admin_head_find(h, "Transfer-Encoding", NULL, NULL) > 0)
        return ZTO_E_UNSUPPORTED;
    for (i = 0; i < h->nhdr; i++) {
        const struct admin_hdr *f = &h->hdr[i];
        uint64_t x = 0;

        if (f->nlen != nl || strncasecmp(f->name, "Content-Length", nl) != 0)
            continue;
        /* Digits only (no list form, no sign), at most 15 of them. */
        if (f->vlen == 0 || f->vlen > 15)
            return ZTO_E_PROTO;
        for (j = 0; j < f->vlen; j++) {
            if (f->val[j] < '0' || f->val[j] > '9')
                return ZTO_E_PROTO;
            x = x * 10 + (uint64_t)(f->val[j] - '0');
        }
        if (seen && x != v)
            return ZTO_E_PROTO;
        seen = true;
        v = x;
    }
    *out = v;
    return ZTO_OK;
}

/* Is `tok` one of the comma-separated tokens of val? */
static bool
has_token(const char *val, size_t vlen, const char *tok)
{
    size_t i = 0, tl = strlen(tok);

    while (i < vlen) {
        size_t s, e;
        while (i < vlen && (val[i] == ' ' || val[i] == '\t' || val[i] == ','))
            i++;
        s = i;
        while (i < vlen && val[i] != ',')
            i++;
        e = i;
        while (e > s && (val[e - 1] == ' ' || val[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(val + s, tok, tl) == 0)
            return true;
    }
    return false;
}

bool
admin_head_keep_alive(const struct admin_head *h)
{
    size_t i, nl = strlen("Connection");

    if (h->minor < 1)
        return false;
    for (i = 0; i < h->nhdr; i++) {
        const struct admin_hdr *f = &h->hdr[i];
        if (f->nlen == nl && strncasecmp(f->name, "Connection", nl) == 0 &&
            has_token(f->val, f->vlen, "close"))
            return false;
    }
    return true;
}

bool
admin_head_expect_continue(const struct admin_head *h)
{
    const char *v;
    size_t n;

    return h->minor >= 1 && admin_head_find(h, "Expect", &v, &n) == 1 &&
           n == 12 && strncasecmp(v, "100-continue", 12) == 0;
}

bool
admin_head_media_type(const struct admin_head *h, char *buf, size_t cap)
{
    const char *v;
    size_t n, i, k = 0, count;

    count = admin_head_find(h, "Content-Type", &v, &n);
    if (count == 0) {
        buf[0] = '\0';
        return true;
    }
    if (count > 1)
        return false;
    for (i = 0; i < n && v[i] != ';'; i++) {
        char c = v[i];
        if (c == ' ' || c == '\t')
            continue;
        if (k + 1 >= cap)
            return false;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        buf[k++] = c;
    }
    buf[k] = '\0';
    return k > 0;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into out (NUL-terminated). In a query, '+' is a
 * space. Refuses NUL, and in a path an encoded '/' and bytes outside
 * visible ASCII. */
static bool
pct_decode(const char *s, size_t n, bool query, char *out, size_t cap,
           size_t *outlen)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int hi, lo;
        bool encoded = false;

        if (c == '%') {
            if (i + 2 >= n)
                return false;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
            encoded = true;
        } else if (c == '+' && query) {
            c = ' ';
        }
        if (c == 0)
            return false;
        if (!query && (c <= 0x20 || c >= 0x7f || (encoded && c == '/')))
            return false;
        if (query && (c < 0x20 || c == 0x7f))
            return false;
        if (k + 1 >= cap)
            return false;
        out[k++] = (char)c;
    }
    out[k] = '\0';
    *outlen = k;
    return true;
}

zto_err_t
admin_target_parse(const char *t, size_t n, struct admin_target *out)
{
    const char *q;
    size_t plen, i, used = 0, dl;

    memset(out, 0, sizeof(*out));
    if (n == 0 || t[0] != '/' || memchr(t, '#', n) != NULL)
        return ZTO_E_PROTO;
    q = memchr(t, '?', n);
    plen = q != NULL ? (size_t)(q - t) : n;
    if (!pct_decode(t, plen, false, out->path, sizeof(out->path), &dl))
        return ZTO_E_PROTO;
    if (q == NULL)
        return ZTO_OK;
    q++;
    n -= plen + 1;
    i = 0;
    while (i < n) {
        size_t s = i, e, eq;
        char *k, *v;
        size_t kl = 0, vl = 0;

        while (i < n && q[i] != '&')
            i++;
        e = i++;
        if (e == s)
            continue; /* "a=1&&b=2" */
        if (out->nq == ZTO_ADMIN_MAX_QUERY)
            return ZTO_E_PROTO;
        for (eq = s; eq < e && q[eq] != '='; eq++)
            ;
        k = out->qbuf + used;
        if (!pct_decode(q + s, eq - s, true, k, sizeof(out->qbuf) - used, &kl))
            return ZTO_E_PROTO;
        used += kl + 1;
        v = out->qbuf + used;
        if (eq < e) {
            if (!pct_decode(q + eq + 1, e - eq - 1, true, v,
                            sizeof(out->qbuf) - used, &vl))
                return ZTO_E_PROTO;
        } else {
            if (used >= sizeof(out->qbuf))
                return ZTO_E_PROTO;
            v[0] = '\0';
        }
        used += vl + 1;
        out->qkey[out->nq] = k;
        out->qval[out->nq] = v;
        out->nq++;
    }
    return ZTO_OK;
}

bool
admin_path_match(const char *pattern, const char *path, char *store, size_t cap,
                 const char **param, size_t *nparam)
{
    const char *p = pattern, *s = path;
    size_t used = 0, np = 0;

    while (*p != '\0' && *s != '\0') {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            size_t sl = strcspn(s, "/");

            if (pe == NULL || sl == 0 || np == ZTO_ADMIN_MAX_PARAMS ||
                used + sl + 1 > cap)
                return false;
            memcpy(store + used, s, sl);
            store[used + sl] = '\0';
            param[np++] = store + used;
            used += sl + 1;
            p = pe + 1;
            s += sl;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    if (*p != '\0' || *s != '\0')
        return false;
    *nparam = np;
    return true;
}
