/*
 * lists.c - the inputs of a shipment: a GUID list (one per line) or a
 * manifest (CSV "GUID,buyer"). Both are checked completely before any
 * voucher is touched: a typo must not ship half an order.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vt_int.h"

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool
vt_guid_parse(const char *s, size_t n, char out[33])
{
    size_t i, k = 0;
    bool dashed = n == 36;

    if (n != 32 && n != 36)
        return false;
    for (i = 0; i < n; i++) {
        if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (s[i] != '-')
                return false;
            continue;
        }
        if (hexval((unsigned char)s[i]) < 0)
            return false;
        out[k++] = (char)tolower((unsigned char)s[i]);
    }
    out[k] = 0;
    return k == 32;
}

bool
vt_buyer_name_ok(const char *s)
{
    size_t i, n = strlen(s);

    /* The name becomes a file name (<buyer>.pem) and a directory. */
    if (n == 0 || n > VT_MAX_BUYER_NAME || s[0] == '.' || s[0] == '-')
        return false;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' &&
            s[i] != '-')
            return false;
    return true;
}

/* Trim blanks and one pair of surrounding double quotes. */
static void
trim(const char **p, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
    if (*n >= 2 && (*p)[0] == '"' && (*p)[*n - 1] == '"') {
        (*p)++;
        *n -= 2;
    }
}

static zto_err_t
push(struct vt_list *l, const struct vt_list_item *it, struct vt_err *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 16 : l->cap * 2;
        struct vt_list_item *ni = realloc(l->item, cap * sizeof(*ni));
        if (ni == NULL)
            return vt_fail(e, ZTO_E_NOMEM, "out of memory");
        l->item = ni;
        l->cap = cap;
    }
    l->item[l->n++] = *it;
    return ZTO_OK;
}

zto_err_t
vt_list_load(const char *path, bool manifest, struct vt_list *l,
             struct vt_err *e)
{
    uint8_t *buf = NULL;
    size_t len = 0, off = 0, lineno = 0, data_lines = 0;
    zto_err_t r;

    memset(l, 0, sizeof(*l));
    if ((r = vt_file_read(path, VT_MAX_LIST_FILE, &buf, &len, e)) != ZTO_OK)
        return r;
    if (memchr(buf, 0, len) != NULL) {
        r = vt_fail(e, ZTO_E_ARG, "%s: not a text file", path);
        goto out;
    }
    while (off < len) {
        const char *line = (const char *)buf + off, *nl, *g, *b = NULL;
        size_t n, gn, bn = 0;
        struct vt_list_item it;

        nl = memchr(line, '\n', len - off);
        n = nl != NULL ? (size_t)(nl - line) : len - off;
        off += n + (nl != NULL);
        lineno++;
        trim(&line, &n);
        if (n == 0 || line[0] == '#')
            continue;
        if (++data_lines > VT_MAX_LIST_LINES) {
            r = vt_fail(e, ZTO_E_TOO_BIG, "%s: more than %d entries", path,
                        VT_MAX_LIST_LINES);
            goto out;
        }
        g = line;
        gn = n;
        if (manifest) {
            const char *comma = memchr(line, ',', n);
            if (comma == NULL) {
                r = vt_fail(e, ZTO_E_ARG, "%s:%zu: expected GUID,buyer", path,
                            lineno);
                goto out;
            }
            gn = (size_t)(comma - line);
            b = comma + 1;
            bn = n - gn - 1;
            trim(&g, &gn);
            trim(&b, &bn);
            if (memchr(b, ',', bn) != NULL) {
                r = vt_fail(e, ZTO_E_ARG,
                            "%s:%zu: expected two fields, GUID,buyer", path,
                            lineno);
                goto out;
            }
        }
        memset(&it, 0, sizeof(it));
        it.line = lineno;
        if (!vt_guid_parse(g, gn, it.guid)) {
            /* A header line such as "guid,buyer" is allowed first. */
            if (data_lines == 1 && manifest && gn == 4 &&
                strncasecmp(g, "guid", 4) == 0)
                continue;
            r = vt_fail(e, ZTO_E_GUID,
                        "%s:%zu: '%.*s' is not a GUID (32 hex digits or "
                        "8-4-4-4-12)",
                        path, lineno, (int)(gn > 40 ? 40 : gn), g);
            goto out;
        }
        if (manifest) {
            if (bn > VT_MAX_BUYER_NAME) {
                r = vt_fail(e, ZTO_E_ARG, "%s:%zu: buyer name too long", path,
                            lineno);
                goto out;
            }
            memcpy(it.buyer, b, bn);
            it.buyer[bn] = 0;
            if (!vt_buyer_name_ok(it.buyer)) {
                r = vt_fail(e, ZTO_E_ARG,
                            "%s:%zu: buyer name '%s' must be letters, digits, "
                            "'.', '_' or '-' (not starting with '.' or '-')",
                            path, lineno, it.buyer);
                goto out;
            }
        }
        if ((r = push(l, &it, e)) != ZTO_OK)
            goto out;
    }
    if (l->n == 0) {
        r = vt_fail(e, ZTO_E_MISSING, "%s: no GUIDs listed", path);
        goto out;
    }
    r = ZTO_OK;
out:
    free(buf);
    if (r != ZTO_OK)
        vt_list_free(l);
    return r;
}

void
vt_list_free(struct vt_list *l)
{
    free(l->item);
    memset(l, 0, sizeof(*l));
}
