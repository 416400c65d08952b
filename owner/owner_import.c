/*
 * owner_import.c - taking vouchers in (FDO 1.1 sections 6.4, 6.6):
 * PEM files holding any number of "OWNERSHIP VOUCHER" blocks, raw CBOR
 * files, or directories of either.
 *
 * Each voucher is verified completely before it is stored: structure,
 * device certificate chain (against the configured device CAs, or up to
 * its own root), cert-chain hash, every entry's signature and hash links,
 * at least one entry, and its last entry must name one of this owner's
 * keys. A voucher that fails is reported and skipped; the others are
 * still imported, all of them in one transaction (a crash imports none,
 * the next run all). A GUID already present is left unchanged.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owner_int.h"
#include "zto/zto_crashpoint.h"

#define FILE_MAX (16u * 1024u * 1024u)

static const char *
key_type_name(const struct zto_key *k)
{
    switch (k->pk_type) {
    case ZTO_PK_SECP256R1:
        return "P-256";
    case ZTO_PK_SECP384R1:
        return "P-384";
    case ZTO_PK_RSAPSS:
        return k->bits == 3072 ? "RSA-PSS-3072" : "RSA-PSS-2048";
    default:
        return k->bits == 3072 ? "RSA-3072" : "RSA-2048";
    }
}

/* "voucher ends in <fp> (P-256); this owner holds <fp> (P-384, file),
 * ..." */
static void
key_mismatch(struct owner *o, const struct zto_pubkey *pk, char *why,
             size_t whycap)
{
    struct zto_key k;
    char fp[ZTO_DB_OWNER_KEY_HEX];
    size_t n = 0, i;
    int w;

    zto_key_init(&k);
    if (zto_key_from_pubkey(pk, &k) != ZTO_OK ||
        owner_key_fingerprint(&k, fp) != ZTO_OK) {
        snprintf(why, whycap, "last entry's key cannot be read");
        zto_key_free(&k);
        return;
    }
    w = snprintf(why, whycap,
                 "last entry names key SHA-256:%.16s... (%s), not one of "
                 "this owner's keys:",
                 fp, key_type_name(&k));
    n = w > 0 ? (size_t)w : 0;
    for (i = 0; i < o->nkeys && n < whycap; i++) {
        w = snprintf(why + n, whycap - n, " SHA-256:%.16s... (%s, %s)",
                     o->keys[i].fp, key_type_name(&o->keys[i].key),
                     o->keys[i].name);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    zto_key_free(&k);
}

static void
printable(char *dst, size_t cap, struct zto_bytes t)
{
    size_t i, n = t.len < cap - 1 ? t.len : cap - 1;

    for (i = 0; i < n; i++)
        dst[i] = t.p[i] >= 0x20 && t.p[i] < 0x7f ? (char)t.p[i] : '?';
    dst[n] = '\0';
}

/* Everything short of storing: decode, verify, find the owner key. */
static zto_err_t
verify_one(struct owner *o, const uint8_t *cbor, size_t len,
           struct zto_guid *guid, char *info, size_t infocap,
           struct owner_key **key, char *why, size_t whycap)
{
    struct zto_voucher v;
    struct zto_voucher_verify_opts opts;
    struct zto_pubkey last;
    zto_err_t r;

    why[0] = '\0';
    if ((r = zto_voucher_decode(cbor, len, &v)) != ZTO_OK) {
        snprintf(why, whycap, "not an FDO 1.1 ownership voucher (%s)",
                 zto_strerror(r));
        return r;
    }
    *guid = v.hdr.guid;
    if (v.protver != ZTO_PROTVER || v.hdr.protver != ZTO_PROTVER) {
        snprintf(why, whycap, "protocol version %u, only 101 is supported",
                 (unsigned)v.protver);
        return ZTO_E_UNSUPPORTED;
    }
    memset(&opts, 0, sizeof(opts));
    opts.require_entries = true;
    /* The chain is checked here with the CA certificates decoded once
     * (owner_chain.c) instead of inside zto_voucher_verify(). */
    opts.skip_chain_validation = true;
    if ((r = zto_voucher_verify(&v, &opts, &last)) == ZTO_OK && v.has_chain)
        r = owner_chain_verify(o, v.cert, v.ncerts, NULL);
    if (r != ZTO_OK) {
        if (v.nentries == 0)
            snprintf(why, whycap,
                     "voucher has no entries: it must be extended to this "
                     "owner's key first");
        else if (r == ZTO_E_CERT)
            snprintf(why, whycap, "device certificate chain not trusted (%s)",
                     o->nroots > 0 ? "configured device_ca"
                                   : "chain does not verify to its root");
        else
            snprintf(why, whycap, "voucher does not verify (%s)",
                     zto_strerror(r));
        return r;
    }
    if ((*key = owner_key_find(o, &last)) == NULL) {
        key_mismatch(o, &last, why, whycap);
        return ZTO_E_KEY_MISMATCH;
    }
    printable(info, infocap, v.hdr.device_info);
    return ZTO_OK;
}

static zto_err_t
store_one(struct owner *o, const uint8_t *cbor, size_t len,
          const struct zto_guid *guid, const char *info,
          const struct owner_key *k, char *why, size_t whycap)
{
    char g[33];
    zto_err_t r;

    r = zto_db_owner_ov_add(o->db, guid, cbor, len, info, k->fp, owner_now(o));
    if (r == ZTO_E_EXISTS)
        snprintf(why, whycap, "GUID %s is already imported (left unchanged)",
                 owner_guid_hex(guid, g));
    else if (r != ZTO_OK)
        snprintf(why, whycap, "database: %s", zto_strerror(r));
    return r;
}

zto_err_t
owner_import_one(struct owner *o, const uint8_t *cbor, size_t len,
                 struct zto_guid *guid, char *why, size_t whycap)
{
    struct owner_key *k = NULL;
    char info[ZTO_DB_TEXT_MAX];
    zto_err_t r;

    if ((r = verify_one(o, cbor, len, guid, info, sizeof(info), &k, why,
                        whycap)) != ZTO_OK)
        return r;
    return store_one(o, cbor, len, guid, info, k, why, whycap);
}

/* A verified voucher waiting for the transaction. */
struct pending {
    char where[600];
    uint8_t *cbor;
    size_t len;
    struct zto_guid guid;
    char info[ZTO_DB_TEXT_MAX];
    const struct owner_key *key;
    zto_err_t r;
    char why[300];
};

struct import_ctx {
    struct owner *o;
    struct owner_import_stats *st;
    void (*report)(void *ctx, const char *line);
    void *report_ctx;
    zto_err_t worst;
    struct pending *p;
    size_t n, cap;
};

static void reportf(struct import_ctx *c, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void
reportf(struct import_ctx *c, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (c->report != NULL)
        c->report(c->report_ctx, line);
}

/* Verify one voucher; keep it for the transaction if it passes. */
static void
one(struct import_ctx *c, const char *where, const uint8_t *cbor, size_t len)
{
    struct pending *it;
    struct owner_key *k = NULL;
    struct zto_guid guid;
    char why[900], info[ZTO_DB_TEXT_MAX];
    zto_err_t r;

    memset(&guid, 0, sizeof(guid));
    r = verify_one(c->o, cbor, len, &guid, info, sizeof(info), &k, why,
                   sizeof(why));
    if (r == ZTO_OK && c->n == c->cap) {
        size_t cap = c->cap == 0 ? 16 : 2 * c->cap;
        struct pending *np = realloc(c->p, cap * sizeof(*np));
        if (np == NULL) {
            r = ZTO_E_NOMEM;
            snprintf(why, sizeof(why), "out of memory");
        } else {
            c->p = np;
            c->cap = cap;
        }
    }
    if (r == ZTO_OK) {
        it = &c->p[c->n];
        memset(it, 0, sizeof(*it));
        if ((it->cbor = malloc(len)) == NULL) {
            r = ZTO_E_NOMEM;
        } else {
            memcpy(it->cbor, cbor, len);
            it->len = len;
            it->guid = guid;
            it->key = k;
            snprintf(it->where, sizeof(it->where), "%s", where);
            snprintf(it->info, sizeof(it->info), "%s", info);
            c->n++;
            return;
        }
        snprintf(why, sizeof(why), "out of memory");
    }
    c->st->failed++;
    c->worst = r;
    reportf(c, "FAILED %s: %s", where, why);
}

zto_err_t
owner_file_read(const char *path, size_t max, uint8_t **out, size_t *len)
{
    struct stat sb;
    uint8_t *buf;
    size_t n = 0;
    ssize_t k;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return ZTO_E_IO;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > max) {
        close(fd);
        return ZTO_E_IO;
    }
    if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
        close(fd);
        return ZTO_E_NOMEM;
    }
    while (n < (size_t)sb.st_size &&
           (k = read(fd, buf + n, (size_t)sb.st_size - n)) > 0)
        n += (size_t)k;
    close(fd);
    if (n != (size_t)sb.st_size) {
        free(buf);
        return ZTO_E_IO;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return ZTO_OK;
}

static bool
is_pem(const uint8_t *p, size_t n)
{
    static const char begin[] = "-----BEGIN ";
    size_t i;

    for (i = 0; i + sizeof(begin) - 1 <= n; i++)
        if (memcmp(p + i, begin, sizeof(begin) - 1) == 0)
            return true;
    return false;
}

static void
import_file(struct import_ctx *c, const char *path)
{
    uint8_t *text = NULL, *cbor = NULL;
    size_t len = 0, pos = 0, n = 0, count = 0;
    char where[600];
    zto_err_t r;

    if ((r = owner_file_read(path, FILE_MAX, &text, &len)) != ZTO_OK) {
        c->st->failed++;
        c->worst = r;
        reportf(c, "FAILED %s: cannot read (%s)", path, strerror(errno));
        return;
    }
    if (!is_pem(text, len)) {
        one(c, path, text, len);
        free(text);
        return;
    }
    if ((cbor = malloc(len)) == NULL) {
        free(text);
        c->worst = ZTO_E_NOMEM;
        return;
    }
    for (;;) {
        r = zto_voucher_pem_decode((const char *)text, len, &pos, cbor, len,
                                   &n);
        if (r == ZTO_E_NOT_FOUND)
            break;
        count++;
        snprintf(where, sizeof(where), "%s (voucher %zu)", path, count);
        if (r != ZTO_OK) {
            c->st->failed++;
            c->worst = r;
            reportf(c, "FAILED %s: PEM block does not decode (%s)", where,
                    zto_strerror(r));
            break; /* position unknown after a broken block */
        }
        one(c, where, cbor, n);
    }
    if (count == 0) {
        c->st->failed++;
        c->worst = ZTO_E_NOT_FOUND;
        reportf(c, "FAILED %s: no OWNERSHIP VOUCHER block", path);
    }
    free(cbor);
    free(text);
}

static void
scan_path(struct import_ctx *c, const char *path)
{
    struct stat sb;
    struct dirent **names = NULL;
    char sub[4096];
    int n, i;

    if (stat(path, &sb) != 0) {
        c->st->failed++;
        c->worst = ZTO_E_IO;
        reportf(c, "FAILED %s: %s", path, strerror(errno));
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        import_file(c, path);
        return;
    }
    /* Sorted, so a run is repeatable. */
    if ((n = scandir(path, &names, NULL, alphasort)) < 0) {
        c->st->failed++;
        c->worst = ZTO_E_IO;
        reportf(c, "FAILED %s: %s", path, strerror(errno));
        return;
    }
    for (i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' &&
            snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name) <
                (int)sizeof(sub) &&
            stat(sub, &sb) == 0 && S_ISREG(sb.st_mode))
            import_file(c, sub);
        free(names[i]);
    }
    free(names);
}

/* Store what was verified, all in one transaction. Lines are reported
 * after the commit, so they say what the database holds. */
static void
store_all(struct import_ctx *c)
{
    size_t i, ok = 0;
    char g[33];
    zto_err_t r;

    if (c->n == 0)
        return;
    if ((r = zto_db_begin(c->o->db)) != ZTO_OK)
        goto fail;
    for (i = 0; i < c->n; i++) {
        struct pending *it = &c->p[i];
        it->r = store_one(c->o, it->cbor, it->len, &it->guid, it->info,
                          it->key, it->why, sizeof(it->why));
        if (it->r != ZTO_OK && it->r != ZTO_E_EXISTS) {
            r = it->r;
            zto_db_rollback(c->o->db);
            goto fail;
        }
        ZTO_CRASHPOINT("owner.import.insert");
    }
    ZTO_CRASHPOINT("owner.import.before_commit");
    if ((r = zto_db_commit(c->o->db)) != ZTO_OK)
        goto fail;
    ZTO_CRASHPOINT("owner.import.committed");
    for (i = 0; i < c->n; i++) {
        struct pending *it = &c->p[i];
        owner_guid_hex(&it->guid, g);
        if (it->r == ZTO_OK) {
            ok++;
            reportf(c, "imported %s from %s", g, it->where);
        } else {
            c->st->duplicate++;
            c->worst = ZTO_E_EXISTS;
            reportf(c, "skipped %s from %s: %s", g, it->where, it->why);
        }
    }
    c->st->ok += (unsigned)ok;
    return;
fail:
    c->st->failed += (unsigned)c->n;
    c->worst = r;
    reportf(c,
            "FAILED: storing %zu verified voucher(s): %s; none was "
            "imported",
            c->n, zto_strerror(r));
}

zto_err_t
owner_import_paths(struct owner *o, const char *const *paths, size_t npaths,
                   struct owner_import_stats *st,
                   void (*report)(void *ctx, const char *line),
                   void *report_ctx)
{
    struct import_ctx c;
    size_t i;

    memset(&c, 0, sizeof(c));
    c.o = o;
    c.st = st;
    c.report = report;
    c.report_ctx = report_ctx;
    c.worst = ZTO_OK;
    for (i = 0; i < npaths; i++)
        scan_path(&c, paths[i]);
    store_all(&c);
    for (i = 0; i < c.n; i++)
        free(c.p[i].cbor);
    free(c.p);
    return c.worst;
}
