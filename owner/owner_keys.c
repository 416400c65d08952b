/*
 * owner_keys.c - the owner's private keys and the device-CA roots.
 *
 * An owner may hold several keys (P-256, P-384, RSA 2048/3072): each
 * voucher is proved with the one equal to its last entry's key. Keys are
 * compared as keys, never as encodings (FDO 1.1 section 12, item 13).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owner_int.h"

#define KEY_FILE_MAX 65536

static bool
usable_type(const struct zto_key *k)
{
    switch (k->pk_type) {
    case ZTO_PK_SECP256R1:
    case ZTO_PK_SECP384R1:
        return true;
    case ZTO_PK_RSA2048RESTR:
    case ZTO_PK_RSAPKCS:
    case ZTO_PK_RSAPSS:
        return k->bits == 2048 || k->bits == 3072;
    default:
        return false;
    }
}

zto_err_t
owner_key_fingerprint(const struct zto_key *k, char fp[ZTO_DB_OWNER_KEY_HEX])
{
    uint8_t der[2048];
    size_t n = 0;
    struct zto_hash_buf h;
    zto_err_t r;

    if ((r = zto_key_spki_der(k, der, sizeof(der), &n)) != ZTO_OK ||
        (r = zto_hash(ZTO_HASH_SHA256, der, n, &h)) != ZTO_OK)
        return r;
    return zto_hex_encode(h.value, h.len, fp, ZTO_DB_OWNER_KEY_HEX);
}

zto_err_t
owner_key_from_pem(struct owner_key *k, const char *name, const char *pem,
                   size_t len, char *err, size_t errcap)
{
    zto_err_t r;

    memset(k, 0, sizeof(*k));
    zto_key_init(&k->key);
    snprintf(k->name, sizeof(k->name), "%s", name);
    if ((r = zto_key_from_pem(pem, len, &k->key)) != ZTO_OK) {
        snprintf(err, errcap, "%s: not a PEM private key (%s)", name,
                 zto_strerror(r));
        goto fail;
    }
    if (!k->key.has_private) {
        r = ZTO_E_KEY;
        snprintf(err, errcap, "%s: holds a public key, not a private key",
                 name);
        goto fail;
    }
    if (!usable_type(&k->key)) {
        r = ZTO_E_KEY;
        snprintf(err, errcap,
                 "%s: key type not usable for FDO (P-256, P-384, RSA "
                 "2048/3072)",
                 name);
        goto fail;
    }
    if ((r = owner_key_fingerprint(&k->key, k->fp)) != ZTO_OK) {
        snprintf(err, errcap, "%s: %s", name, zto_strerror(r));
        goto fail;
    }
    zto_signer_from_key(&k->signer, &k->key);
    return ZTO_OK;
fail:
    owner_key_free(k);
    return r;
}

zto_err_t
owner_key_load(struct owner_key *k, const char *path, char *err, size_t errcap)
{
    struct stat sb;
    char *buf = NULL;
    ssize_t n;
    size_t len = 0;
    zto_err_t r = ZTO_E_IO;
    int fd;

    memset(k, 0, sizeof(*k));
    zto_key_init(&k->key);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return ZTO_E_IO;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errcap, "%s: not a regular file", path);
        goto out;
    }
    /* A private key others can read is a key others may have. */
    if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        snprintf(err, errcap,
                 "%s: private key is accessible by group or others (mode "
                 "%03o); chmod 600 it",
                 path, (unsigned)(sb.st_mode & 0777));
        r = ZTO_E_PERM;
        goto out;
    }
    if (sb.st_size <= 0 || sb.st_size > KEY_FILE_MAX) {
        snprintf(err, errcap, "%s: implausible size for a key file", path);
        goto out;
    }
    if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    while (len < (size_t)sb.st_size) {
        n = read(fd, buf + len, (size_t)sb.st_size - len);
        if (n <= 0) {
            snprintf(err, errcap, "%s: read failed", path);
            goto out;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    r = owner_key_from_pem(k, path, buf, len, err, errcap);
out:
    if (buf != NULL) {
        zto_zeroize(buf, len);
        free(buf);
    }
    close(fd);
    return r;
}

void
owner_key_free(struct owner_key *k)
{
    if (k == NULL)
        return;
    zto_key_free(&k->key);
    memset(k, 0, sizeof(*k));
}

zto_err_t
owner_key_add(struct owner *o, struct owner_key *k)
{
    size_t i;

    for (i = 0; i < o->nkeys; i++)
        if (strcmp(o->keys[i].fp, k->fp) == 0)
            return ZTO_E_EXISTS;
    if (o->nkeys >= OWNER_MAX_KEYS)
        return ZTO_E_TOO_BIG;
    o->keys[o->nkeys] = *k;
    /* The signer points at the key inside the struct: re-aim it. */
    zto_signer_from_key(&o->keys[o->nkeys].signer, &o->keys[o->nkeys].key);
    o->nkeys++;
    memset(k, 0, sizeof(*k));
    return ZTO_OK;
}

struct owner_key *
owner_key_find(struct owner *o, const struct zto_pubkey *pk)
{
    struct zto_key want;
    struct owner_key *found = NULL;
    size_t i;

    /* Fast path, taken for every TO2.HelloDevice: an X.509 key whose
     * SubjectPublicKeyInfo bytes hash to a key's fingerprint is that key,
     * without decoding it (OpenSSL 3 key decoding costs more than an
     * ECDSA signature). Other encodings, and SPKI bytes written another
     * way, are decoded and compared below. The key type must agree as
     * it must there. */
    if (pk->enc == ZTO_PKENC_X509 && pk->body.len > 0) {
        struct zto_hash_buf h;
        char fp[ZTO_DB_OWNER_KEY_HEX];

        if (zto_hash(ZTO_HASH_SHA256, pk->body.p, pk->body.len, &h) == ZTO_OK &&
            zto_hex_encode(h.value, h.len, fp, sizeof(fp)) == ZTO_OK) {
            for (i = 0; i < o->nkeys; i++)
                if (strcmp(o->keys[i].fp, fp) == 0 &&
                    o->keys[i].key.pk_type == pk->type)
                    return &o->keys[i];
            if (o->has_owner2 && strcmp(o->owner2_store.fp, fp) == 0 &&
                o->owner2_store.key.pk_type == pk->type)
                return &o->owner2_store;
        }
    }
    zto_key_init(&want);
    if (zto_key_from_pubkey(pk, &want) != ZTO_OK)
        return NULL;
    for (i = 0; i < o->nkeys && found == NULL; i++)
        if (zto_key_equal(&want, &o->keys[i].key) == ZTO_OK)
            found = &o->keys[i];
    /* After a TO2 the replacement voucher ends in Owner2Key. */
    if (found == NULL && o->has_owner2 &&
        zto_key_equal(&want, &o->owner2_store.key) == ZTO_OK)
        found = &o->owner2_store;
    zto_key_free(&want);
    return found;
}

struct owner_key *
owner_key_by_fp(struct owner *o, const char *fp)
{
    size_t i;

    for (i = 0; i < o->nkeys; i++)
        if (strcmp(o->keys[i].fp, fp) == 0)
            return &o->keys[i];
    if (o->has_owner2 && strcmp(o->owner2_store.fp, fp) == 0)
        return &o->owner2_store;
    return NULL;
}

zto_err_t
owner_root_add(struct owner *o, const uint8_t *der, size_t len)
{
    struct zto_hash_buf h;
    uint8_t *c;
    zto_err_t r;

    if (o->nroots >= OWNER_MAX_ROOTS)
        return ZTO_E_TOO_BIG;
    if ((r = zto_hash(ZTO_HASH_SHA256, der, len, &h)) != ZTO_OK)
        return r;
    if ((c = malloc(len)) == NULL)
        return ZTO_E_NOMEM;
    memcpy(c, der, len);
    memcpy(o->root_hash[o->nroots], h.value, 32);
    o->root_der[o->nroots] = c;
    o->root_len[o->nroots] = len;
    o->nroots++;
    return ZTO_OK;
}
