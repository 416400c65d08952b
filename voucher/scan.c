/*
 * scan.c - index a directory of voucher files by GUID, for batches that
 * extend "everything here" or look GUIDs up in files not named by GUID.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "vt_int.h"

bool
vt_blob_guid(const struct vt_blob *b, char guid[33], struct vt_err *e)
{
    struct zto_voucher v;

    guid[0] = 0;
    if (vt_voucher_decode(b, &v, e) != ZTO_OK)
        return false;
    vt_guid_hex(&v, guid);
    return true;
}

static bool
voucher_name(const char *n)
{
    const char *dot = strrchr(n, '.');

    if (n[0] == '.' || dot == NULL)
        return false;
    return strcasecmp(dot, ".pem") == 0 || strcasecmp(dot, ".cbor") == 0 ||
           strcasecmp(dot, ".ov") == 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct sort_key {
    const char *guid;
    size_t i; /* entry index: file order, then block order */
};

static int
cmp_key(const void *a, const void *b)
{
    const struct sort_key *x = a, *y = b;
    int c = strcmp(x->guid, y->guid);

    if (c != 0)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

static zto_err_t
list_dir(const char *dir, char ***names, size_t *n, struct vt_err *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL, **nv;
    size_t cap = 0, k = 0;

    if (d == NULL)
        return vt_fail(e, ZTO_E_IO, "%s: cannot open directory: %s", dir,
                       strerror(errno));
    while ((de = readdir(d)) != NULL) {
        if (!voucher_name(de->d_name))
            continue;
        if (k == VT_MAX_DIR_FILES) {
            closedir(d);
            while (k > 0)
                free(v[--k]);
            free(v);
            return vt_fail(e, ZTO_E_TOO_BIG, "%s: more than %d files", dir,
                           VT_MAX_DIR_FILES);
        }
        if (k == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            if ((nv = realloc(v, cap * sizeof(*nv))) == NULL)
                goto nomem;
            v = nv;
        }
        if ((v[k] = strdup(de->d_name)) == NULL)
            goto nomem;
        k++;
    }
    closedir(d);
    if (k > 1)
        qsort(v, k, sizeof(*v), cmp_str);
    *names = v;
    *n = k;
    return ZTO_OK;
nomem:
    closedir(d);
    while (k > 0)
        free(v[--k]);
    free(v);
    return vt_fail(e, ZTO_E_NOMEM, "out of memory");
}

static zto_err_t
add_entry(struct vt_scan *s, size_t file, size_t index, const struct vt_blob *b,
          size_t *cap, struct vt_err *e)
{
    struct vt_scan_entry *x;
    struct vt_err why;

    if (s->n == *cap) {
        size_t nc = *cap == 0 ? 64 : *cap * 2;
        struct vt_scan_entry *ne = realloc(s->e, nc * sizeof(*ne));
        if (ne == NULL)
            return vt_fail(e, ZTO_E_NOMEM, "out of memory");
        s->e = ne;
        *cap = nc;
    }
    x = &s->e[s->n];
    memset(x, 0, sizeof(*x));
    x->file = file;
    x->index = index;
    x->blob = b;
    if (!vt_blob_guid(b, x->guid, &why) && (x->why = strdup(why.msg)) == NULL)
        return vt_fail(e, ZTO_E_NOMEM, "out of memory");
    s->n++;
    return ZTO_OK;
}

zto_err_t
vt_scan_dir(const char *dir, struct vt_scan *s, struct vt_err *e)
{
    char **names = NULL;
    struct sort_key *keys = NULL;
    size_t n = 0, i, k, cap = 0, run;
    zto_err_t r;

    memset(s, 0, sizeof(*s));
    if ((r = list_dir(dir, &names, &n, e)) != ZTO_OK)
        return r;
    if (n > 0 && (s->files = calloc(n, sizeof(*s->files))) == NULL) {
        r = vt_fail(e, ZTO_E_NOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        struct vt_scan_file *sf = &s->files[i];
        if ((sf->path = vt_path_join(dir, names[i])) == NULL) {
            r = vt_fail(e, ZTO_E_NOMEM, "out of memory");
            goto out;
        }
        s->nfiles++;
        if (vt_file_load(sf->path, &sf->f, &sf->why) != ZTO_OK) {
            sf->failed = true;
            continue;
        }
        for (k = 0; k < sf->f.n; k++)
            if ((r = add_entry(s, i, k, &sf->f.v[k], &cap, e)) != ZTO_OK)
                goto out;
    }
    /* Sorted index by GUID; runs of equal GUIDs are duplicates. */
    if (s->n > 0 && ((s->order = malloc(s->n * sizeof(*s->order))) == NULL ||
                     (keys = malloc(s->n * sizeof(*keys))) == NULL)) {
        r = vt_fail(e, ZTO_E_NOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < s->n; i++) {
        if (s->e[i].guid[0] != 0) {
            keys[s->norder].guid = s->e[i].guid;
            keys[s->norder++].i = i;
        }
    }
    if (s->norder > 1)
        qsort(keys, s->norder, sizeof(*keys), cmp_key);
    for (i = 0; i < s->norder; i++)
        s->order[i] = keys[i].i;
    for (i = 0; i < s->norder; i = k) {
        for (k = i + 1; k < s->norder && strcmp(s->e[s->order[k]].guid,
                                                s->e[s->order[i]].guid) == 0;
             k++)
            ;
        run = k - i;
        while (run > 1 && i < k)
            s->e[s->order[i++]].dup = run - 1;
    }
    r = ZTO_OK;
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(keys);
    if (r != ZTO_OK)
        vt_scan_free(s);
    return r;
}

long
vt_scan_find(const struct vt_scan *s, const char *guid)
{
    size_t lo = 0, hi = s->norder;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->e[s->order[mid]].guid, guid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->norder && strcmp(s->e[s->order[lo]].guid, guid) == 0)
        return (long)s->order[lo];
    return -1;
}

void
vt_scan_free(struct vt_scan *s)
{
    size_t i;

    for (i = 0; i < s->nfiles; i++) {
        vt_file_free(&s->files[i].f);
        free(s->files[i].path);
    }
    for (i = 0; i < s->n; i++)
        free(s->e[i].why);
    free(s->files);
    free(s->e);
    free(s->order);
    memset(s, 0, sizeof(*s));
}
