/*
 * load.c - a file into vouchers. Input is detected: PEM text with any
 * number of OWNERSHIP VOUCHER blocks (FDO 1.1 section 6.6; other blocks
 * such as keys are skipped), or raw CBOR, one voucher or several
 * concatenated (a CBOR sequence).
 */
#include <stdlib.h>
#include <string.h>

#include "vt_int.h"

static const char begin_marker[] = "-----BEGIN " ZTO_VOUCHER_PEM_LABEL "-----";

static zto_err_t
add_blob(struct vt_file *f, const uint8_t *p, size_t n, const char *why,
         struct vt_err *e)
{
    struct vt_blob *b;

    if (f->n >= VT_MAX_VOUCHERS_PER_FILE)
        return vt_fail(e, ZTO_E_TOO_BIG, "%s: more than %d vouchers", f->path,
                       VT_MAX_VOUCHERS_PER_FILE);
    if ((f->n & (f->n - 1)) == 0) {
        size_t cap = f->n == 0 ? 1 : f->n * 2;
        struct vt_blob *nv = realloc(f->v, cap * sizeof(*nv));
        if (nv == NULL)
            return vt_fail(e, ZTO_E_NOMEM, "%s: out of memory", f->path);
        f->v = nv;
    }
    b = &f->v[f->n];
    memset(b, 0, sizeof(*b));
    if (why != NULL) {
        if ((b->why = strdup(why)) == NULL)
            return vt_fail(e, ZTO_E_NOMEM, "%s: out of memory", f->path);
    } else {
        /* Exact-size copy: nothing can read past a voucher unnoticed. */
        if ((b->cbor = malloc(n > 0 ? n : 1)) == NULL)
            return vt_fail(e, ZTO_E_NOMEM, "%s: out of memory", f->path);
        memcpy(b->cbor, p, n);
        b->len = n;
    }
    f->n++;
    return ZTO_OK;
}

static const char *
find_mem(const char *hay, size_t n, size_t from, const char *needle)
{
    size_t k = strlen(needle), i;

    for (i = from; i + k <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* Name the first PEM block of another kind, to say what the file is. */
static void
other_label(const char *t, size_t n, char *out, size_t cap)
{
    const char *b = find_mem(t, n, 0, "-----BEGIN ");
    size_t i = 0;

    out[0] = 0;
    if (b == NULL)
        return;
    b += 11;
    while (b + i < t + n && b[i] != '-' && b[i] != '\n' && i + 1 < cap) {
        out[i] = b[i];
        i++;
    }
    out[i] = 0;
}

static zto_err_t
load_pem(struct vt_file *f, const char *t, size_t n, struct vt_err *e)
{
    uint8_t *scratch = malloc(n + 1);
    size_t pos = 0, blk = 0, len;
    const char *b;
    char why[160];
    zto_err_t r = ZTO_OK;

    if (scratch == NULL)
        return vt_fail(e, ZTO_E_NOMEM, "%s: out of memory", f->path);
    while ((b = find_mem(t, n, pos, begin_marker)) != NULL) {
        size_t at = (size_t)(b - t), p = at;
        blk++;
        len = 0;
        r = zto_pem_find(t, n, &p, ZTO_VOUCHER_PEM_LABEL, scratch, n, &len);
        if (r == ZTO_OK && len > VT_MAX_VOUCHER) {
            snprintf(why, sizeof(why), "block %zu: larger than %u bytes", blk,
                     VT_MAX_VOUCHER);
            r = add_blob(f, NULL, 0, why, e);
        } else if (r == ZTO_OK) {
            r = add_blob(f, scratch, len, NULL, e);
        } else {
            snprintf(why, sizeof(why),
                     "block %zu: corrupted PEM (bad base64, or no END "
                     "line)",
                     blk);
            r = add_blob(f, NULL, 0, why, e);
            p = at + sizeof(begin_marker) - 1;
        }
        if (r != ZTO_OK)
            break;
        pos = p;
    }
    free(scratch);
    if (r == ZTO_OK && f->n == 0) {
        char other[64];
        other_label(t, n, other, sizeof(other));
        if (other[0] != 0)
            return vt_fail(e, ZTO_E_NOT_FOUND,
                           "%s: no OWNERSHIP VOUCHER block (the file holds "
                           "%s)",
                           f->path, other);
        return vt_fail(e, ZTO_E_NOT_FOUND, "%s: no OWNERSHIP VOUCHER block",
                       f->path);
    }
    return r;
}

static zto_err_t
load_cbor(struct vt_file *f, const uint8_t *p, size_t n, struct vt_err *e)
{
    struct zto_cbor_dec d;
    struct zto_bytes raw;
    char why[160];
    size_t item = 0;
    zto_err_t r;

    zto_cbor_dec_init(&d, p, n);
    while (zto_cbor_dec_remaining(&d) > 0) {
        item++;
        if ((r = zto_cbor_get_raw(&d, &raw)) != ZTO_OK) {
            /* Nothing after a broken item can be found again. */
            snprintf(why, sizeof(why), "CBOR item %zu: %s", item,
                     r == ZTO_E_TRUNCATED ? "truncated CBOR (the file ends "
                                            "inside the voucher)"
                                          : zto_strerror(r));
            return add_blob(f, NULL, 0, why, e);
        }
        if (raw.len > VT_MAX_VOUCHER) {
            snprintf(why, sizeof(why), "CBOR item %zu: larger than %u bytes",
                     item, VT_MAX_VOUCHER);
            r = add_blob(f, NULL, 0, why, e);
        } else {
            r = add_blob(f, raw.p, raw.len, NULL, e);
        }
        if (r != ZTO_OK)
            return r;
    }
    return ZTO_OK;
}

zto_err_t
vt_file_load(const char *path, struct vt_file *f, struct vt_err *e)
{
    uint8_t *buf = NULL;
    size_t n = 0, i = 0;
    zto_err_t r;

    memset(f, 0, sizeof(*f));
    if ((f->path = strdup(path)) == NULL)
        return vt_fail(e, ZTO_E_NOMEM, "out of memory");
    if ((r = vt_file_read(path, VT_MAX_VOUCHER_FILE, &buf, &n, e)) != ZTO_OK)
        goto out;
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
                     buf[i] == '\n'))
        i++;
    if (i == n) {
        r = vt_fail(e, ZTO_E_MISSING, "%s: empty file", path);
    } else if ((buf[0] & 0xe0) == 0x80) {
        /* A CBOR array head: raw voucher(s). */
        f->format = VT_FMT_CBOR;
        r = load_cbor(f, buf, n, e);
    } else if (find_mem((const char *)buf, n, 0, "-----BEGIN ") != NULL) {
        f->format = VT_FMT_PEM;
        r = load_pem(f, (const char *)buf, n, e);
    } else {
        r = vt_fail(e, ZTO_E_PEM,
                    "%s: not a voucher (neither PEM text nor CBOR)", path);
    }
out:
    free(buf);
    if (r != ZTO_OK)
        vt_file_free(f);
    return r;
}

void
vt_file_free(struct vt_file *f)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        free(f->v[i].cbor);
        free(f->v[i].why);
    }
    free(f->v);
    free(f->path);
    memset(f, 0, sizeof(*f));
}

zto_err_t
vt_voucher_decode(const struct vt_blob *b, struct zto_voucher *v,
                  struct vt_err *e)
{
    struct zto_cbor_dec d;
    uint16_t pv = 0;
    zto_err_t r;

    if (b->why != NULL)
        return vt_fail(e, ZTO_E_PEM, "%s", b->why);
    if ((r = zto_voucher_decode(b->cbor, b->len, v)) == ZTO_OK)
        return ZTO_OK;
    /* Name the version when that is what is wrong. */
    zto_cbor_dec_init(&d, b->cbor, b->len);
    if (zto_cbor_get_array_n(&d, 5) == ZTO_OK &&
        zto_cbor_get_u16(&d, &pv) == ZTO_OK && pv != ZTO_PROTVER)
        return vt_fail(e, ZTO_E_UNSUPPORTED,
                       "protocol version %u is not supported (only 101, "
                       "FDO 1.1)",
                       pv);
    if (r == ZTO_E_TRUNCATED)
        return vt_fail(e, r, "truncated CBOR: the voucher ends early");
    if (r == ZTO_E_UNSUPPORTED)
        return vt_fail(e, r,
                       "not a usable voucher: unsupported header version, "
                       "key type or encoding");
    return vt_fail(e, r, "not a valid ownership voucher: %s", zto_strerror(r));
}

zto_err_t
vt_voucher_encode(const uint8_t *cbor, size_t len, enum vt_format fmt,
                  uint8_t **out, size_t *out_len, struct vt_err *e)
{
    size_t cap, n = 0;
    uint8_t *buf;
    zto_err_t r;

    cap = fmt == VT_FMT_PEM ? zto_pem_len(ZTO_VOUCHER_PEM_LABEL, len) + 1 : len;
    if ((buf = malloc(cap > 0 ? cap : 1)) == NULL)
        return vt_fail(e, ZTO_E_NOMEM, "out of memory");
    if (fmt == VT_FMT_CBOR) {
        memcpy(buf, cbor, len);
        n = len;
    } else if ((r = zto_voucher_pem_encode(cbor, len, (char *)buf, cap, &n)) !=
               ZTO_OK) {
        free(buf);
        return vt_fail(e, r, "cannot encode PEM: %s", zto_strerror(r));
    }
    *out = buf;
    *out_len = n;
    return ZTO_OK;
}

bool
vt_format_parse(const char *s, enum vt_format *fmt)
{
    if (strcmp(s, "pem") == 0)
        *fmt = VT_FMT_PEM;
    else if (strcmp(s, "cbor") == 0)
        *fmt = VT_FMT_CBOR;
    else
        return false;
    return true;
}
