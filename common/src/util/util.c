/* util.c - zeroize, constant-time compare, hex, base64 and PEM armour. */
#include <string.h>

#include "zto/zto_util.h"

void
zto_zeroize(void *p, size_t n)
{
    /* The volatile function pointer keeps the compiler from proving the
     * store dead and removing it. */
    static void *(*const volatile wipe)(void *, int, size_t) = memset;

    if (p != NULL && n > 0)
        wipe(p, 0, n);
}

int
zto_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t acc = 0;
    size_t i;

    for (i = 0; i < n; i++)
        acc |= (uint8_t)(x[i] ^ y[i]);
    return acc == 0;
}

static const char hexdig[] = "0123456789abcdef";

zto_err_t
zto_hex_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t i;

    if (cap == 0 || n > (cap - 1) / 2)
        return ZTO_E_BUF_TOO_SMALL;
    for (i = 0; i < n; i++) {
        out[2 * i] = hexdig[in[i] >> 4];
        out[2 * i + 1] = hexdig[in[i] & 15];
    }
    out[2 * n] = '\0';
    return ZTO_OK;
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

zto_err_t
zto_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t cap,
               size_t *out_len)
{
    size_t i;

    if (hexlen % 2 != 0)
        return ZTO_E_RANGE;
    if (hexlen / 2 > cap)
        return ZTO_E_BUF_TOO_SMALL;
    for (i = 0; i < hexlen / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return ZTO_E_RANGE;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = hexlen / 2;
    return ZTO_OK;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
zto_base64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

zto_err_t
zto_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap,
                  size_t *out_len)
{
    size_t need = zto_base64_len(n), i, o = 0;

    if (n > SIZE_MAX / 2 || need >= cap)
        return ZTO_E_BUF_TOO_SMALL;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
                     in[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = b64[v >> 6 & 63];
        out[o++] = b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    if (out_len != NULL)
        *out_len = o;
    return ZTO_OK;
}

static int
b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

zto_err_t
zto_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                  size_t *out_len)
{
    uint32_t acc = 0;
    size_t bits = 0, o = 0, i, pad = 0, digits = 0;

    for (i = 0; i < n; i++) {
        int v;

        if (is_space(in[i]))
            continue;
        if (in[i] == '=') {
            pad++;
            continue;
        }
        if (pad > 0)
            return ZTO_E_PEM; /* data after padding */
        if ((v = b64val(in[i])) < 0)
            return ZTO_E_PEM;
        digits++;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return ZTO_E_BUF_TOO_SMALL;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Only whole quanta: 2 or 3 digits in the last one, padded to 4. */
    if (pad > 2 || (digits + pad) % 4 != 0 || digits % 4 == 1)
        return ZTO_E_PEM;
    if (pad != 0 && (4 - digits % 4) % 4 != pad)
        return ZTO_E_PEM;
    /* Leftover bits must be zero (canonical encoding). */
    if ((acc & ((1u << bits) - 1)) != 0)
        return ZTO_E_PEM;
    *out_len = o;
    return ZTO_OK;
}

static const char pem_dash[] = "-----";

size_t
zto_pem_len(const char *label, size_t n)
{
    size_t b = zto_base64_len(n);
    size_t lines = (b + 63) / 64;

    /* "-----BEGIN " label "-----\n" body "-----END " label "-----\n" */
    return 11 + strlen(label) + 6 + b + lines + 9 + strlen(label) + 6;
}

zto_err_t
zto_pem_encode(const char *label, const uint8_t *der, size_t n, char *out,
               size_t cap, size_t *out_len)
{
    size_t need = zto_pem_len(label, n), o = 0, i, llen = strlen(label);
    char line[65];
    size_t b64len = zto_base64_len(n);

    if (need >= cap)
        return ZTO_E_BUF_TOO_SMALL;
    memcpy(out + o, "-----BEGIN ", 11);
    o += 11;
    memcpy(out + o, label, llen);
    o += llen;
    memcpy(out + o, "-----\n", 6);
    o += 6;
    /* Encode 48 input bytes (64 characters) per line. */
    for (i = 0; i < n; i += 48) {
        size_t chunk = n - i < 48 ? n - i : 48, l = 0;
        if (zto_base64_encode(der + i, chunk, line, sizeof(line), &l) !=
            ZTO_OK)
            return ZTO_E_INTERNAL;
        memcpy(out + o, line, l);
        o += l;
        out[o++] = '\n';
    }
    (void)b64len;
    memcpy(out + o, "-----END ", 9);
    o += 9;
    memcpy(out + o, label, llen);
    o += llen;
    memcpy(out + o, "-----\n", 6);
    o += 6;
    out[o] = '\0';
    if (out_len != NULL)
        *out_len = o;
    return ZTO_OK;
}

/* Find `needle` (len m) in hay[from..n); returns offset or n. */
static size_t
find_str(const char *hay, size_t n, size_t from, const char *needle, size_t m)
{
    size_t i;

    if (m == 0 || n < m)
        return n;
    for (i = from; i + m <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
            return i;
    return n;
}

/* Matches "-----<word> <label>-----" at p. */
static int
is_armour(const char *t, size_t n, size_t p, const char *word,
          const char *label)
{
    size_t w = strlen(word), l = strlen(label);

    if (p + 5 + w + 1 + l + 5 > n)
        return 0;
    return memcmp(t + p, pem_dash, 5) == 0 && memcmp(t + p + 5, word, w) == 0 &&
           t[p + 5 + w] == ' ' && memcmp(t + p + 6 + w, label, l) == 0 &&
           memcmp(t + p + 6 + w + l, pem_dash, 5) == 0;
}

zto_err_t
zto_pem_find(const char *text, size_t text_len, size_t *pos,
             const char *label, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t p = *pos, body, end, llen = strlen(label);
    zto_err_t r;

    for (;;) {
        p = find_str(text, text_len, p, "-----BEGIN ", 11);
        if (p >= text_len)
            return ZTO_E_NOT_FOUND;
        if (is_armour(text, text_len, p, "BEGIN", label))
            break;
        p += 11;
    }
    body = p + 11 + llen + 5;
    end = find_str(text, text_len, body, "-----END ", 9);
    if (end >= text_len || !is_armour(text, text_len, end, "END", label))
        return ZTO_E_PEM;
    /* Headers such as "Proc-Type:" are not part of our formats. */
    if ((r = zto_base64_decode(text + body, end - body, out, cap, out_len)) !=
        ZTO_OK)
        return r;
    *pos = end + 9 + llen + 5;
    return ZTO_OK;
}
