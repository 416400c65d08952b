/*
 * rv_policy.c - which owners may register at this rendezvous server
 * (FDO 1.1 section 6.4, "optional allow-lists of Mfr keys / device
 * roots"). Lists come from PEM files or directories of them; see zto_rv.h
 * for the rules and docs/rendezvous.md for the operator's view.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zto_rv.h"

/* A trust file is a handful of PEM blocks; anything larger is a mistake. */
#define POLICY_FILE_MAX (1024 * 1024)
#define POLICY_DIR_MAX 4096

static const char *const list_names[3] = {
    "trusted owner keys", "trusted manufacturer keys", "trusted device CAs"};

void
zto_rv_policy_init(struct zto_rv_policy *p)
{
    memset(p, 0, sizeof(*p));
}

void
zto_rv_policy_free(struct zto_rv_policy *p)
{
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < p->nowner; i++)
        zto_key_free(&p->owner[i]);
    for (i = 0; i < p->nmfg; i++)
        zto_key_free(&p->mfg[i]);
    for (i = 0; i < p->nroots; i++)
        free((void *)p->roots[i].p);
    free(p->owner);
    free(p->mfg);
    free(p->roots);
    zto_rv_policy_init(p);
}

static bool
valid_list(int list)
{
    return list == ZTO_RV_TRUST_OWNER || list == ZTO_RV_TRUST_MFG ||
           list == ZTO_RV_TRUST_DEVICE_CA;
}

size_t
zto_rv_policy_count(const struct zto_rv_policy *p, int list)
{
    switch (list) {
    case ZTO_RV_TRUST_OWNER:
        return p->nowner;
    case ZTO_RV_TRUST_MFG:
        return p->nmfg;
    case ZTO_RV_TRUST_DEVICE_CA:
        return p->nroots;
    default:
        return 0;
    }
}

bool
zto_rv_policy_configured(const struct zto_rv_policy *p)
{
    return p->allow_all || p->has_list[0] || p->has_list[1] || p->has_list[2];
}

zto_err_t
zto_rv_policy_validate(const struct zto_rv_policy *p, char *err, size_t errcap)
{
    if (p->allow_all &&
        (p->has_list[ZTO_RV_TRUST_OWNER] || p->has_list[ZTO_RV_TRUST_MFG])) {
        snprintf(err, errcap,
                 "allow_all = yes contradicts trusted_owner_keys / "
                 "trusted_manufacturer_keys: choose one");
        return ZTO_E_CONFIG;
    }
    if (!zto_rv_policy_configured(p)) {
        snprintf(err, errcap,
                 "no trust policy: set trusted_owner_keys and/or "
                 "trusted_manufacturer_keys (PEM file or directory), or "
                 "allow_all = yes to accept every owner with a valid "
                 "voucher");
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}

/* Append one key to an owner/manufacturer list (takes ownership). */
static zto_err_t
push_key(struct zto_key **arr, size_t *n, struct zto_key *k)
{
    struct zto_key *grown = realloc(*arr, (*n + 1) * sizeof(**arr));

    if (grown == NULL)
        return ZTO_E_NOMEM;
    *arr = grown;
    grown[*n] = *k;
    (*n)++;
    zto_key_init(k);
    return ZTO_OK;
}

static zto_err_t
push_root(struct zto_rv_policy *p, const uint8_t *der, size_t n)
{
    struct zto_bytes *grown;
    uint8_t *copy = malloc(n);

    if (copy == NULL)
        return ZTO_E_NOMEM;
    grown = realloc(p->roots, (p->nroots + 1) * sizeof(*grown));
    if (grown == NULL) {
        free(copy);
        return ZTO_E_NOMEM;
    }
    memcpy(copy, der, n);
    p->roots = grown;
    p->roots[p->nroots++] = ZTO_BYTES(copy, n);
    return ZTO_OK;
}

/* The label of the PEM block starting at text (at "-----BEGIN "), copied
 * into out; false if the armour is broken. */
static bool
block_label(const char *text, size_t len, char *out, size_t cap)
{
    static const char begin[] = "-----BEGIN ";
    size_t i, n = sizeof(begin) - 1;

    if (len < n || memcmp(text, begin, n) != 0)
        return false;
    for (i = n; i + 4 < len && text[i] != '\n'; i++) {
        if (memcmp(text + i, "-----", 5) == 0) {
            if (i - n == 0 || i - n >= cap)
                return false;
            memcpy(out, text + n, i - n);
            out[i - n] = '\0';
            return true;
        }
    }
    return false;
}

/* Where the PEM block at text ends (just past its END line). */
static size_t
block_end(const char *text, size_t len)
{
    static const char end[] = "-----END ";
    size_t i, j;

    for (i = 0; i + sizeof(end) - 1 <= len; i++) {
        if (memcmp(text + i, end, sizeof(end) - 1) != 0)
            continue;
        for (j = i + sizeof(end) - 1; j + 4 < len; j++)
            if (memcmp(text + j, "-----", 5) == 0)
                return j + 5;
        return len;
    }
    return len;
}

static const char *
find_begin(const char *text, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    size_t i;

    for (i = 0; i + sizeof(begin) - 1 <= len; i++)
        if (memcmp(text + i, begin, sizeof(begin) - 1) == 0)
            return text + i;
    return NULL;
}

zto_err_t
zto_rv_policy_add_pem(struct zto_rv_policy *p, int list, const char *text,
                      size_t len, const char *name, char *err, size_t errcap)
{
    const char *b, *end = text + len;
    uint8_t *der = NULL;
    size_t added = 0;
    zto_err_t r = ZTO_OK;

    if (!valid_list(list))
        return ZTO_E_ARG;
    if ((der = malloc(len + 1)) == NULL)
        return ZTO_E_NOMEM;
    p->has_list[list] = true;
    while ((b = find_begin(text, (size_t)(end - text))) != NULL) {
        char label[64];
        size_t blen = block_end(b, (size_t)(end - b));
        struct zto_key k;

        zto_key_init(&k);
        if (!block_label(b, blen, label, sizeof(label))) {
            snprintf(err, errcap, "%s: broken PEM armour", name);
            r = ZTO_E_PEM;
            goto out;
        }
        if (strstr(label, "PRIVATE KEY") != NULL) {
            snprintf(err, errcap,
                     "%s: holds a private key; %s take public keys or "
                     "certificates only",
                     name, list_names[list]);
            r = ZTO_E_CONFIG;
            goto out;
        }
        if (list == ZTO_RV_TRUST_DEVICE_CA) {
            size_t pos = 0, n = 0;

            if (strcmp(label, "CERTIFICATE") != 0) {
                snprintf(err, errcap,
                         "%s: '%s' block; device CAs must be certificates",
                         name, label);
                r = ZTO_E_CONFIG;
                goto out;
            }
            if ((r = zto_pem_find(b, blen, &pos, "CERTIFICATE", der, len,
                                  &n)) != ZTO_OK ||
                (r = zto_key_from_cert_der(der, n, &k)) != ZTO_OK) {
                snprintf(err, errcap, "%s: certificate unreadable (%s)", name,
                         zto_strerror(r));
                goto out;
            }
            zto_key_free(&k);
            if ((r = push_root(p, der, n)) != ZTO_OK)
                goto out;
        } else {
            if (strcmp(label, "PUBLIC KEY") != 0 &&
                strcmp(label, "CERTIFICATE") != 0) {
                snprintf(err, errcap,
                         "%s: '%s' block; expected PUBLIC KEY or CERTIFICATE",
                         name, label);
                r = ZTO_E_CONFIG;
                goto out;
            }
            if ((r = zto_key_from_pem(b, blen, &k)) != ZTO_OK) {
                snprintf(err, errcap, "%s: key unreadable (%s)", name,
                         zto_strerror(r));
                goto out;
            }
            r = list == ZTO_RV_TRUST_OWNER ? push_key(&p->owner, &p->nowner, &k)
                                           : push_key(&p->mfg, &p->nmfg, &k);
            zto_key_free(&k);
            if (r != ZTO_OK)
                goto out;
        }
        added++;
        text = b + blen;
    }
    if (added == 0) {
        snprintf(err, errcap, "%s: no PEM block found", name);
        r = ZTO_E_PEM;
    }
out:
    free(der);
    return r;
}

static zto_err_t
add_file(struct zto_rv_policy *p, int list, const char *path, char *err,
         size_t errcap)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t n;
    zto_err_t r = ZTO_E_IO;

    if (f == NULL) {
        snprintf(err, errcap, "%s: cannot open", path);
        return ZTO_E_IO;
    }
    if ((text = malloc(POLICY_FILE_MAX + 1)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    n = fread(text, 1, POLICY_FILE_MAX + 1, f);
    if (ferror(f)) {
        snprintf(err, errcap, "%s: read error", path);
        goto out;
    }
    if (n > POLICY_FILE_MAX) {
        snprintf(err, errcap, "%s: larger than %d bytes", path,
                 POLICY_FILE_MAX);
        r = ZTO_E_TOO_BIG;
        goto out;
    }
    r = zto_rv_policy_add_pem(p, list, text, n, path, err, errcap);
out:
    free(text);
    fclose(f);
    return r;
}

static bool
trust_file_name(const char *name)
{
    size_t n = strlen(name);

    if (name[0] == '.')
        return false;
    return (n > 4 && strcmp(name + n - 4, ".pem") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".crt") == 0);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.pem / *.crt of a directory, in name order (so errors and logs
 * are reproducible). */
static zto_err_t
add_dir(struct zto_rv_policy *p, int list, const char *path, char *err,
        size_t errcap)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, i;
    zto_err_t r = ZTO_OK;

    if (d == NULL) {
        snprintf(err, errcap, "%s: cannot open directory", path);
        return ZTO_E_IO;
    }
    while ((de = readdir(d)) != NULL) {
        char **grown;

        if (!trust_file_name(de->d_name))
            continue;
        if (n >= POLICY_DIR_MAX) {
            snprintf(err, errcap, "%s: more than %d files", path,
                     POLICY_DIR_MAX);
            r = ZTO_E_TOO_BIG;
            goto out;
        }
        if ((grown = realloc(names, (n + 1) * sizeof(*names))) == NULL) {
            r = ZTO_E_NOMEM;
            goto out;
        }
        names = grown;
        if ((names[n] = strdup(de->d_name)) == NULL) {
            r = ZTO_E_NOMEM;
            goto out;
        }
        n++;
    }
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_str);
    p->has_list[list] = true;
    for (i = 0; i < n && r == ZTO_OK; i++) {
        char full[4096];
        struct stat st;

        if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, names[i]) >=
            sizeof(full)) {
            snprintf(err, errcap, "%s: path too long", path);
            r = ZTO_E_CONFIG;
            break;
        }
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        r = add_file(p, list, full, err, errcap);
    }
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return r;
}

zto_err_t
zto_rv_policy_add_path(struct zto_rv_policy *p, int list, const char *path,
                       char *err, size_t errcap)
{
    struct stat st;

    if (!valid_list(list) || path == NULL)
        return ZTO_E_ARG;
    if (stat(path, &st) != 0) {
        snprintf(err, errcap, "%s: does not exist", path);
        return ZTO_E_NOT_FOUND;
    }
    if (S_ISDIR(st.st_mode))
        return add_dir(p, list, path, err, errcap);
    return add_file(p, list, path, err, errcap);
}

static bool
key_in(const struct zto_key *arr, size_t n, const struct zto_key *k)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (zto_key_equal(&arr[i], k) == ZTO_OK)
            return true;
    return false;
}

/* Is the wire key pk one of arr? Undecodable keys are never trusted. */
static bool
pubkey_in(const struct zto_key *arr, size_t n, const struct zto_pubkey *pk)
{
    struct zto_key k;
    bool found = false;

    zto_key_init(&k);
    if (zto_key_from_pubkey(pk, &k) == ZTO_OK)
        found = key_in(arr, n, &k);
    zto_key_free(&k);
    return found;
}

zto_err_t
zto_rv_policy_check(const struct zto_rv_policy *p, const struct zto_voucher *v,
                    const struct zto_pubkey *owner, const char **why)
{
    *why = NULL;
    if (p->allow_all)
        return ZTO_OK;
    if (!zto_rv_policy_configured(p)) {
        *why = "no trust policy configured";
        return ZTO_E_POLICY;
    }
    if (p->has_list[ZTO_RV_TRUST_OWNER] &&
        !pubkey_in(p->owner, p->nowner, owner)) {
        *why = "owner key not in trusted_owner_keys";
        return ZTO_E_POLICY;
    }
    if (p->has_list[ZTO_RV_TRUST_MFG] &&
        !pubkey_in(p->mfg, p->nmfg, &v->hdr.mfg_key)) {
        *why = "manufacturer key not in trusted_manufacturer_keys";
        return ZTO_E_POLICY;
    }
    if (p->has_list[ZTO_RV_TRUST_DEVICE_CA] && p->nroots == 0) {
        *why = "trusted_device_ca is empty";
        return ZTO_E_POLICY;
    }
    return ZTO_OK;
}
