/*
 * csr_mime.c - the multipart/mixed body of fdo.csr serverkeygen-res
 * (RFC 7030 section 4.4.2, RFC 2046 section 5.1): a PKCS#8 private key
 * and a PKCS#7 certs-only certificate, each a base64 part.
 *
 * The encoder writes what go-fdo's device module reads (boundary "fdo",
 * key part first); the decoder reads any boundary, LF or CRLF line ends
 * and parts in any order, so other owners' bodies are understood too.
 */
#include <string.h>

#include "zto/zto_codec.h"
#include "zto/zto_util.h"

#define LINE_BYTES 57 /* 76 base64 characters per line (RFC 2045) */

static const char head_key[] = "Content-Type: application/pkcs8\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\n";
static const char head_p7[] =
    "Content-Type: application/pkcs7-mime; smime-type=certs-only\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n";
static const char delim[] = "--" ZTO_CSR_MIME_BOUNDARY "\r\n";
static const char close_delim[] = "--" ZTO_CSR_MIME_BOUNDARY "--\r\n";

/* base64 of n bytes in CRLF-terminated lines. */
static size_t
b64_lines_len(size_t n)
{
    size_t lines = (n + LINE_BYTES - 1) / LINE_BYTES;

    return zto_base64_len(n) + 2 * lines;
}

size_t
zto_csr_mime_len(size_t key_len, size_t p7_len)
{
    /* Each part: delimiter, headers, body lines; the delimiter after a
     * part is preceded by CRLF, which the body's last line provides. */
    return 2 * (sizeof(delim) - 1) + sizeof(head_key) - 1 + sizeof(head_p7) -
           1 + b64_lines_len(key_len) + b64_lines_len(p7_len) +
           sizeof(close_delim) - 1;
}

static zto_err_t
put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    if (n > cap - *o)
        return ZTO_E_BUF_TOO_SMALL;
    memcpy(out + *o, s, n);
    *o += n;
    return ZTO_OK;
}

static zto_err_t
put_b64(char *out, size_t cap, size_t *o, const uint8_t *p, size_t n)
{
    char line[80];
    size_t i, chunk, l = 0;
    zto_err_t r;

    for (i = 0; i < n; i += chunk) {
        chunk = n - i < LINE_BYTES ? n - i : LINE_BYTES;
        if ((r = zto_base64_encode(p + i, chunk, line, sizeof(line), &l)) !=
                ZTO_OK ||
            (r = put(out, cap, o, line, l)) != ZTO_OK ||
            (r = put(out, cap, o, "\r\n", 2)) != ZTO_OK)
            return r;
    }
    return ZTO_OK;
}

zto_err_t
zto_csr_mime_encode(const uint8_t *key, size_t key_len, const uint8_t *p7,
                    size_t p7_len, char *out, size_t cap, size_t *out_len)
{
    size_t o = 0;
    zto_err_t r;

    if (key == NULL || key_len == 0 || p7 == NULL || p7_len == 0)
        return ZTO_E_ARG;
    if ((r = put(out, cap, &o, delim, sizeof(delim) - 1)) != ZTO_OK ||
        (r = put(out, cap, &o, head_key, sizeof(head_key) - 1)) != ZTO_OK ||
        (r = put_b64(out, cap, &o, key, key_len)) != ZTO_OK ||
        (r = put(out, cap, &o, delim, sizeof(delim) - 1)) != ZTO_OK ||
        (r = put(out, cap, &o, head_p7, sizeof(head_p7) - 1)) != ZTO_OK ||
        (r = put_b64(out, cap, &o, p7, p7_len)) != ZTO_OK ||
        (r = put(out, cap, &o, close_delim, sizeof(close_delim) - 1)) != ZTO_OK)
        return r;
    *out_len = o;
    return ZTO_OK;
}

/* ---- decoding ---- */

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* s[0..n) equals the lower-case word w, ignoring case. */
static bool
word_is(const char *s, size_t n, const char *w)
{
    size_t i;

    if (strlen(w) != n)
        return false;
    for (i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != w[i])
            return false;
    return true;
}

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* End of the line starting at p (index of '\n', or n), and the start of
 * the next line. */
static size_t
line_end(const char *s, size_t n, size_t p, size_t *next)
{
    const char *nl = p < n ? memchr(s + p, '\n', n - p) : NULL;
    size_t e = nl != NULL ? (size_t)(nl - s) : n;

    *next = e < n ? e + 1 : n;
    return e;
}

/* Trim [*a, *b) of blanks on both ends. */
static void
trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && is_ws(s[*a]))
        (*a)++;
    while (*b > *a && is_ws(s[*b - 1]))
        (*b)--;
}

enum part_kind { PART_OTHER = 0, PART_KEY, PART_P7 };

/* Headers from p up to an empty line; *body = first byte after it. */
static zto_err_t
part_headers(const char *s, size_t n, size_t p, enum part_kind *kind,
             size_t *body)
{
    size_t e, next, a, b, colon;

    *kind = PART_OTHER;
    for (;;) {
        if (p >= n)
            return ZTO_E_TRUNCATED;
        e = line_end(s, n, p, &next);
        a = p;
        b = e;
        trim(s, &a, &b);
        if (a == b) { /* the empty line */
            *body = next;
            return ZTO_OK;
        }
        /* Continuation lines (folded headers) carry only parameters. */
        if (s[p] == ' ' || s[p] == '\t') {
            p = next;
            continue;
        }
        for (colon = p; colon < e && s[colon] != ':'; colon++)
            ;
        if (colon < e) {
            size_t na = p, nb = colon, va = colon + 1, vb = e, m;
            trim(s, &na, &nb);
            trim(s, &va, &vb);
            if (word_is(s + na, nb - na, "content-type")) {
                for (m = va; m < vb && s[m] != ';' && !is_ws(s[m]); m++)
                    ;
                if (word_is(s + va, m - va, "application/pkcs8"))
                    *kind = PART_KEY;
                else if (word_is(s + va, m - va, "application/pkcs7-mime"))
                    *kind = PART_P7;
            } else if (word_is(s + na, nb - na, "content-transfer-encoding") &&
                       !word_is(s + va, vb - va, "base64")) {
                return ZTO_E_UNSUPPORTED;
            }
        }
        p = next;
    }
}

/* The next delimiter line ("--" boundary at a line start) at or after
 * p: *body_end = where the body before it ends (the line break before
 * the delimiter belongs to the delimiter), *after = the line after it,
 * *closing when it ends the multipart body. */
static bool
find_delim(const char *s, size_t n, size_t p, const char *bd, size_t bl,
           size_t *body_end, size_t *after, bool *closing)
{
    size_t i, e, next;

    for (i = p; i < n; i = next) {
        e = line_end(s, n, i, &next);
        if (e - i >= 2 + bl && s[i] == '-' && s[i + 1] == '-' &&
            memcmp(s + i + 2, bd, bl) == 0) {
            size_t t = i + 2 + bl, a, b;
            *closing = e - t >= 2 && s[t] == '-' && s[t + 1] == '-';
            a = t + (*closing ? 2 : 0);
            b = e;
            trim(s, &a, &b);
            if (a == b) { /* nothing but blanks after the boundary */
                *body_end = i;
                if (*body_end > p && s[*body_end - 1] == '\n')
                    (*body_end)--;
                if (*body_end > p && s[*body_end - 1] == '\r')
                    (*body_end)--;
                *after = next;
                return true;
            }
        }
    }
    return false;
}

zto_err_t
zto_csr_mime_decode(const char *in, size_t n, uint8_t *key, size_t key_cap,
                    size_t *key_len, uint8_t *p7, size_t p7_cap, size_t *p7_len)
{
    size_t p = 0, e, next, bstart, bl, body, body_end, after;
    bool closing = false, have_key = false, have_p7 = false;
    enum part_kind kind;
    zto_err_t r;

    /* The first line starting with "--" names the boundary (a preamble
     * before it is allowed). */
    for (;;) {
        if (p >= n)
            return ZTO_E_MISSING;
        e = line_end(in, n, p, &next);
        if (e - p > 2 && in[p] == '-' && in[p + 1] == '-')
            break;
        p = next;
    }
    bstart = p + 2;
    bl = e - bstart;
    while (bl > 0 && is_ws(in[bstart + bl - 1]))
        bl--;
    if (bl == 0 || bl > 70) /* RFC 2046: 1..70 characters */
        return ZTO_E_MISSING;
    if (bl >= 2 && in[bstart + bl - 2] == '-' && in[bstart + bl - 1] == '-')
        return ZTO_E_MISSING; /* a closing delimiter first: no parts */
    p = next;
    for (;;) {
        if ((r = part_headers(in, n, p, &kind, &body)) != ZTO_OK)
            return r;
        if (!find_delim(in, n, body, in + bstart, bl, &body_end, &after,
                        &closing))
            return ZTO_E_TRUNCATED;
        if (kind == PART_KEY) {
            if (have_key)
                return ZTO_E_PROTO;
            if ((r = zto_base64_decode(in + body, body_end - body, key, key_cap,
                                       key_len)) != ZTO_OK)
                return r;
            have_key = true;
        } else if (kind == PART_P7) {
            if (have_p7)
                return ZTO_E_PROTO;
            if ((r = zto_base64_decode(in + body, body_end - body, p7, p7_cap,
                                       p7_len)) != ZTO_OK)
                return r;
            have_p7 = true;
        }
        if (closing)
            break;
        p = after;
    }
    if (!have_key || !have_p7 || *key_len == 0 || *p7_len == 0)
        return ZTO_E_MISSING;
    return ZTO_OK;
}
