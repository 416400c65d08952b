/*
 * json.c - a small streaming JSON writer (RFC 8259) with two-space
 * indentation, and the terminal-safe text printer. Strings from a voucher
 * are untrusted: control characters are escaped and invalid UTF-8 becomes
 * U+FFFD, so output is always valid JSON and never drives a terminal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vt_int.h"

void
vt_json_init(struct vt_json *j, FILE *f)
{
    memset(j, 0, sizeof(*j));
    j->f = f;
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t
utf8_len(const uint8_t *p, size_t n)
{
    uint32_t c;
    size_t k, i;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        k = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        k = 3;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        k = 4;
    else
        return 0;
    if (n < k)
        return 0;
    c = p[0] & (0x7f >> k);
    for (i = 1; i < k; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return k;
}

static void
put_string(FILE *f, const uint8_t *s, size_t n)
{
    size_t i = 0, k;

    fputc('"', f);
    while (i < n) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            i++;
        } else if ((k = utf8_len(s + i, n - i)) == 0) {
            fputs("\\ufffd", f);
            i++;
        } else if (k == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
            /* C1 controls: valid JSON either way, but not for a tty. */
            fprintf(f, "\\u%04x", s[i + 1]);
            i += 2;
        } else {
            fwrite(s + i, 1, k, f);
            i += k;
        }
    }
    fputc('"', f);
}

static void
indent(struct vt_json *j)
{
    int i;

    fputc('\n', j->f);
    for (i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Separator, indentation and key before a value. */
static void
member(struct vt_json *j, const char *key)
{
    if (j->depth > 0) {
        if (j->comma[j->depth])
            fputc(',', j->f);
        indent(j);
    }
    j->comma[j->depth] = true;
    if (key != NULL) {
        put_string(j->f, (const uint8_t *)key, strlen(key));
        fputs(": ", j->f);
    }
}

static void
open_(struct vt_json *j, const char *key, char c)
{
    member(j, key);
    fputc(c, j->f);
    if (j->depth < (int)(sizeof(j->comma) / sizeof(j->comma[0])) - 1)
        j->depth++;
    j->comma[j->depth] = false;
}

static void
close_(struct vt_json *j, char c)
{
    bool had = j->comma[j->depth];

    if (j->depth > 0)
        j->depth--;
    if (had)
        indent(j);
    fputc(c, j->f);
}

void
vt_json_obj(struct vt_json *j, const char *key)
{
    open_(j, key, '{');
}

void
vt_json_obj_end(struct vt_json *j)
{
    close_(j, '}');
}

void
vt_json_arr(struct vt_json *j, const char *key)
{
    open_(j, key, '[');
}

void
vt_json_arr_end(struct vt_json *j)
{
    close_(j, ']');
}

void
vt_json_str(struct vt_json *j, const char *key, const uint8_t *s, size_t n)
{
    member(j, key);
    put_string(j->f, s, n);
}

void
vt_json_cstr(struct vt_json *j, const char *key, const char *s)
{
    vt_json_str(j, key, (const uint8_t *)s, strlen(s));
}

void
vt_json_int(struct vt_json *j, const char *key, int64_t v)
{
    member(j, key);
    fprintf(j->f, "%" PRId64, v);
}

void
vt_json_uint(struct vt_json *j, const char *key, uint64_t v)
{
    member(j, key);
    fprintf(j->f, "%" PRIu64, v);
}

void
vt_json_bool(struct vt_json *j, const char *key, bool v)
{
    member(j, key);
    fputs(v ? "true" : "false", j->f);
}

void
vt_json_null(struct vt_json *j, const char *key)
{
    member(j, key);
    fputs("null", j->f);
}

void
vt_json_hex(struct vt_json *j, const char *key, const uint8_t *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    size_t i;

    member(j, key);
    fputc('"', j->f);
    for (i = 0; i < n; i++) {
        fputc(d[p[i] >> 4], j->f);
        fputc(d[p[i] & 15], j->f);
    }
    fputc('"', j->f);
}

void
vt_json_end(struct vt_json *j)
{
    fputc('\n', j->f);
}

void
vt_print_safe(FILE *f, const uint8_t *s, size_t n)
{
    size_t i = 0, k;

    while (i < n) {
        uint8_t c = s[i];
        if (c == '\\') {
            fputs("\\\\", f);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\x%02x", c);
            i++;
        } else if ((k = utf8_len(s + i, n - i)) == 0) {
            fprintf(f, "\\x%02x", c);
            i++;
        } else if (k == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
            /* C1 controls (U+0080..U+009F) act on some terminals. */
            fprintf(f, "\\u%04x", s[i + 1]);
            i += 2;
        } else {
            fwrite(s + i, 1, k, f);
            i += k;
        }
    }
}
