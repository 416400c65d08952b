/*
 * keys.c - key material from files: the current owner's private key
 * (signing), the next owner's public key or certificate chain, trust
 * anchors and the device HMAC secret.
 */
#include <stdlib.h>
#include <string.h>

#include "vt_int.h"

static bool
contains(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s), i;

    for (i = 0; i + k <= n; i++)
        if (p[i] == (uint8_t)s[0] && memcmp(p + i, s, k) == 0)
            return true;
    return false;
}

zto_err_t
vt_private_key_load(const char *path, bool insecure_ok, struct zto_key *k,
                    struct vt_err *e)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    unsigned mode = 0;
    zto_err_t r;

    zto_key_init(k);
    if (strncmp(path, "pkcs11:", 7) == 0)
        return vt_fail(e, ZTO_E_NOT_SUPPORTED,
                       "PKCS#11 URIs are not supported by this build (no "
                       "PKCS#11 provider); use a PEM key file");
    if ((r = vt_file_read_mode(path, VT_MAX_KEY_FILE, &buf, &n, &mode, e)) !=
        ZTO_OK)
        return r;
    if ((mode & 077) != 0 && !insecure_ok) {
        r = vt_fail(e, ZTO_E_PERM,
                    "%s: private key file is accessible by group or others "
                    "(mode %04o); chmod 600 it, or pass "
                    "--insecure-key-perms",
                    path, mode);
        goto out;
    }
    if (contains(buf, n, "ENCRYPTED")) {
        /* OpenSSL would prompt on the terminal for a passphrase. */
        r = vt_fail(e, ZTO_E_NOT_SUPPORTED,
                    "%s: encrypted private keys are not supported; decrypt "
                    "it (openssl pkey -in KEY -out PLAIN) and keep PLAIN "
                    "mode 600",
                    path);
        goto out;
    }
    if (contains(buf, n, "-----BEGIN "))
        r = zto_key_from_pem((const char *)buf, n, k);
    else
        r = zto_key_from_private_der(buf, n, k);
    if (r == ZTO_E_KEY) {
        r = vt_fail(e, r,
                    "%s: unsupported key type (P-256, P-384, RSA 2048 or "
                    "RSA 3072 are supported)",
                    path);
        goto out;
    }
    if (r != ZTO_OK) {
        r = vt_fail(e, r,
                    "%s: not a private key (PEM PKCS#8, SEC1 or PKCS#1, "
                    "or DER)",
                    path);
        goto out;
    }
    if (!k->has_private) {
        zto_key_free(k);
        r = vt_fail(e, ZTO_E_KEY,
                    "%s: holds a public key or certificate, not a private "
                    "key",
                    path);
        goto out;
    }
    r = ZTO_OK;
out:
    zto_zeroize(buf, n);
    free(buf);
    return r;
}

void
vt_next_owner_init(struct vt_next_owner *n)
{
    memset(n, 0, sizeof(*n));
    zto_key_init(&n->key);
}

void
vt_next_owner_free(struct vt_next_owner *n)
{
    zto_key_free(&n->key);
    free(n->certbuf);
    vt_next_owner_init(n);
}

zto_err_t
vt_next_owner_load(const char *path, struct vt_next_owner *n, struct vt_err *e)
{
    uint8_t *buf = NULL, *der = NULL;
    size_t len = 0, pos = 0, used = 0, dl = 0;
    zto_err_t r;

    vt_next_owner_init(n);
    if ((r = vt_file_read(path, VT_MAX_KEY_FILE, &buf, &len, e)) != ZTO_OK)
        return r;
    if (contains(buf, len, "PRIVATE KEY-----")) {
        r = vt_fail(e, ZTO_E_KEY,
                    "%s: holds a private key; give a public key or "
                    "certificate instead",
                    path);
        goto out;
    }
    /* Every certificate, leaf first, into one buffer. */
    if ((n->certbuf = malloc(len + 1)) == NULL) {
        r = vt_fail(e, ZTO_E_NOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        r = zto_pem_find((const char *)buf, len, &pos, "CERTIFICATE",
                         n->certbuf + used, len - used, &dl);
        if (r == ZTO_E_NOT_FOUND)
            break;
        if (r != ZTO_OK) {
            r = vt_fail(e, r, "%s: corrupted PEM certificate", path);
            goto out;
        }
        if (n->ncerts == ZTO_MAX_CERT_CHAIN_LEN) {
            r = vt_fail(e, ZTO_E_TOO_BIG, "%s: more than %d certificates", path,
                        ZTO_MAX_CERT_CHAIN_LEN);
            goto out;
        }
        n->cert[n->ncerts++] = ZTO_BYTES(n->certbuf + used, dl);
        used += dl;
    }
    if (n->ncerts > 0) {
        r = zto_key_from_cert_der(n->cert[0].p, n->cert[0].len, &n->key);
    } else if (contains(buf, len, "-----BEGIN PUBLIC KEY-----")) {
        pos = 0;
        if ((der = malloc(len)) == NULL) {
            r = vt_fail(e, ZTO_E_NOMEM, "out of memory");
            goto out;
        }
        r = zto_pem_find((const char *)buf, len, &pos, "PUBLIC KEY", der, len,
                         &dl);
        if (r == ZTO_OK)
            r = zto_key_from_spki_der(der, dl, &n->key);
        else
            r = ZTO_E_PEM;
    } else if (len > 0 && buf[0] == 0x30) {
        /* DER: a SubjectPublicKeyInfo or one certificate. */
        if ((r = zto_key_from_spki_der(buf, len, &n->key)) != ZTO_OK &&
            (r = zto_key_from_cert_der(buf, len, &n->key)) == ZTO_OK) {
            memcpy(n->certbuf, buf, len);
            n->cert[0] = ZTO_BYTES(n->certbuf, len);
            n->ncerts = 1;
        }
    } else {
        r = vt_fail(e, ZTO_E_PEM,
                    "%s: no PUBLIC KEY or CERTIFICATE found (PEM or DER)",
                    path);
        goto out;
    }
    if (r == ZTO_E_PEM) {
        r = vt_fail(e, r, "%s: corrupted PEM public key", path);
        goto out;
    }
    if (r != ZTO_OK) {
        r = vt_fail(e, r,
                    "%s: unreadable or unsupported key (P-256, P-384, RSA "
                    "2048 or RSA 3072 are supported)",
                    path);
        goto out;
    }
    if ((r = vt_key_fingerprint(&n->key, n->fp)) != ZTO_OK) {
        r = vt_fail(e, r, "%s: cannot encode the key", path);
        goto out;
    }
    r = ZTO_OK;
out:
    free(buf);
    free(der);
    if (r != ZTO_OK)
        vt_next_owner_free(n);
    return r;
}

static bool
is_rsa(int32_t t)
{
    return t == ZTO_PK_RSA2048RESTR || t == ZTO_PK_RSAPKCS ||
           t == ZTO_PK_RSAPSS;
}

zto_err_t
vt_next_owner_pubkey(const struct vt_next_owner *n,
                     const struct zto_pubkey *hdr, uint8_t *buf, size_t cap,
                     struct zto_pubkey *pk, struct vt_err *e)
{
    struct zto_key hk;
    struct zto_cbor_enc enc;
    char have[48], want[48];
    size_t i, len = 0;
    bool fits;
    zto_err_t r;

    zto_key_init(&hk);
    if ((r = zto_key_from_pubkey(hdr, &hk)) != ZTO_OK)
        return vt_fail(e, r, "the voucher's manufacturer key is unusable");
    if (is_rsa(hdr->type))
        fits = is_rsa(n->key.pk_type) && n->key.bits == hk.bits;
    else
        fits = n->key.pk_type == hdr->type;
    if (!fits) {
        vt_name_curve(n->key.pk_type, n->key.bits, have, sizeof(have));
        vt_name_curve(hdr->type, hk.bits, want, sizeof(want));
        zto_key_free(&hk);
        return vt_fail(e, ZTO_E_KEY,
                       "next owner key is %s but this voucher's keys are %s "
                       "(every owner key must match the manufacturer key's "
                       "type and size)",
                       have, want);
    }
    zto_key_free(&hk);
    switch (hdr->enc) {
    case ZTO_PKENC_X509:
    case ZTO_PKENC_COSEKEY:
        if ((r = zto_key_to_pubkey(&n->key, hdr->enc, buf, cap, pk)) != ZTO_OK)
            return vt_fail(e, r, "cannot encode the next owner key as %s",
                           vt_name_pk_enc(hdr->enc));
        break;
    case ZTO_PKENC_X5CHAIN:
        if (n->ncerts == 0)
            return vt_fail(e, ZTO_E_KEY,
                           "this voucher encodes owner keys as X5CHAIN: "
                           "the next owner must be given as a certificate "
                           "(chain), not a bare public key");
        zto_cbor_enc_init(&enc, buf, cap);
        zto_cbor_put_array(&enc, n->ncerts);
        for (i = 0; i < n->ncerts; i++)
            zto_cbor_put_bytes(&enc, n->cert[i]);
        if ((r = zto_cbor_enc_finish(&enc, &len)) != ZTO_OK)
            return vt_fail(e, r, "next owner certificate chain too large");
        pk->enc = ZTO_PKENC_X5CHAIN;
        pk->body = ZTO_BYTES(buf, len);
        pk->raw = ZTO_BYTES_NULL;
        break;
    default:
        return vt_fail(e, ZTO_E_UNSUPPORTED,
                       "the voucher's key encoding %d is not supported",
                       (int)hdr->enc);
    }
    /* The wire type follows the voucher (RSA2048RESTR vs RSAPKCS). */
    pk->type = hdr->type;
    return ZTO_OK;
}

zto_err_t
vt_key_fingerprint(const struct zto_key *k, char out[65])
{
    uint8_t spki[4096];
    size_t n = 0;
    struct zto_hash_buf h;
    zto_err_t r;

    if ((r = zto_key_spki_der(k, spki, sizeof(spki), &n)) != ZTO_OK ||
        (r = zto_hash(ZTO_HASH_SHA256, spki, n, &h)) != ZTO_OK)
        return r;
    vt_hex(h.value, h.len, out);
    return ZTO_OK;
}

zto_err_t
vt_pubkey_fingerprint(const struct zto_pubkey *pk, char out[65])
{
    struct zto_key k;
    zto_err_t r;

    zto_key_init(&k);
    if ((r = zto_key_from_pubkey(pk, &k)) == ZTO_OK)
        r = vt_key_fingerprint(&k, out);
    zto_key_free(&k);
    return r;
}

static bool
hex_chars(const uint8_t *p, size_t n)
{
    size_t i;

    if (n == 0)
        return false;
    for (i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
              (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static bool
is_hex_text(const uint8_t *p, size_t n)
{
    return n % 2 == 0 && hex_chars(p, n);
}

zto_err_t
vt_secret_from_hex(const char *hex, uint8_t *out, size_t *len, struct vt_err *e)
{
    size_t n = strlen(hex);

    if (!is_hex_text((const uint8_t *)hex, n) || n / 2 > VT_MAX_SECRET)
        return vt_fail(e, ZTO_E_ARG,
                       "--secret: expected an even number of hex digits "
                       "(at most %d bytes)",
                       VT_MAX_SECRET);
    return zto_hex_decode(hex, n, out, VT_MAX_SECRET, len);
}

zto_err_t
vt_secret_from_file(const char *path, uint8_t *out, size_t *len,
                    struct vt_err *e)
{
    uint8_t *buf = NULL;
    size_t n = 0, s = 0, t;
    zto_err_t r;

    if ((r = vt_file_read(path, 4096, &buf, &n, e)) != ZTO_OK)
        return r;
    t = n;
    while (s < t && (buf[s] == ' ' || buf[s] == '\n' || buf[s] == '\r' ||
                     buf[s] == '\t'))
        s++;
    while (t > s && (buf[t - 1] == ' ' || buf[t - 1] == '\n' ||
                     buf[t - 1] == '\r' || buf[t - 1] == '\t'))
        t--;
    if (hex_chars(buf + s, t - s)) {
        /* Hex digits only: a hex secret, even if mistyped. */
        if ((t - s) % 2 != 0)
            r = vt_fail(e, ZTO_E_ARG, "%s: odd number of hex digits", path);
        else if ((t - s) / 2 > VT_MAX_SECRET)
            r = vt_fail(e, ZTO_E_ARG, "%s: secret longer than %d bytes", path,
                        VT_MAX_SECRET);
        else
            r = zto_hex_decode((const char *)buf + s, t - s, out, VT_MAX_SECRET,
                               len);
    } else if (n == 0 || n > VT_MAX_SECRET) {
        r = vt_fail(e, ZTO_E_ARG, "%s: expected hex digits or 1..%d raw bytes",
                    path, VT_MAX_SECRET);
    } else {
        /* Not hex: the file holds the raw secret bytes. */
        memcpy(out, buf, n);
        *len = n;
    }
    zto_zeroize(buf, n);
    free(buf);
    return r;
}

zto_err_t
vt_roots_add_file(struct vt_roots *rt, const char *path, struct vt_err *e)
{
    uint8_t *buf = NULL, *der = NULL;
    size_t len = 0, pos = 0, used = 0, dl = 0, found = 0;
    zto_err_t r;

    if (rt->nbuf == VT_MAX_CA_FILES)
        return vt_fail(e, ZTO_E_TOO_BIG, "more than %d --ca files",
                       VT_MAX_CA_FILES);
    if ((r = vt_file_read(path, VT_MAX_VOUCHER_FILE, &buf, &len, e)) != ZTO_OK)
        return r;
    if ((der = malloc(len + 1)) == NULL) {
        free(buf);
        return vt_fail(e, ZTO_E_NOMEM, "out of memory");
    }
    for (;;) {
        r = zto_pem_find((const char *)buf, len, &pos, "CERTIFICATE",
                         der + used, len - used, &dl);
        if (r == ZTO_E_NOT_FOUND)
            break;
        if (r != ZTO_OK) {
            r = vt_fail(e, r, "%s: corrupted PEM certificate", path);
            goto out;
        }
        if (rt->n == VT_MAX_CA_CERTS) {
            r = vt_fail(e, ZTO_E_TOO_BIG, "more than %d CA certificates",
                        VT_MAX_CA_CERTS);
            goto out;
        }
        rt->cert[rt->n++] = ZTO_BYTES(der + used, dl);
        used += dl;
        found++;
    }
    if (found == 0) {
        r = vt_fail(e, ZTO_E_NOT_FOUND, "%s: no CERTIFICATE block", path);
        goto out;
    }
    rt->buf[rt->nbuf++] = der;
    der = NULL;
    r = ZTO_OK;
out:
    if (der != NULL)
        rt->n -= found;
    free(der);
    free(buf);
    return r;
}

void
vt_roots_free(struct vt_roots *rt)
{
    size_t i;

    for (i = 0; i < rt->nbuf; i++)
        free(rt->buf[i]);
    memset(rt, 0, sizeof(*rt));
}
