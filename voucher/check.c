/*
 * check.c - every check a voucher must pass before anyone relies on it
 * (FDO 1.1 sections 6.2, 6.4, 8.7), one at a time so a person can see
 * which one failed and why. zto_voucher_verify() then runs over the whole
 * voucher as well, so this report and the library never disagree.
 */
#include <stdarg.h>
#include <string.h>

#include "vt_int.h"

struct run {
    FILE *rep;
    struct vt_err *e;
    zto_err_t r;
};

static void
say(struct run *c, const char *tag, const char *fmt, va_list ap)
{
    if (c->rep == NULL)
        return;
    fprintf(c->rep, "  %-5s ", tag);
    vfprintf(c->rep, fmt, ap);
    fputc('\n', c->rep);
}

static void ok(struct run *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void skip(struct run *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void bad(struct run *c, zto_err_t r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ok(struct run *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say(c, "ok", fmt, ap);
    va_end(ap);
}

static void
skip(struct run *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say(c, "skip", fmt, ap);
    va_end(ap);
}

/* The first failure is the one the caller reports on its own line. */
static void
bad(struct run *c, zto_err_t r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say(c, "FAIL", fmt, ap);
    va_end(ap);
    if (c->r == ZTO_OK) {
        c->r = r;
        if (c->e != NULL) {
            va_start(ap, fmt);
            vsnprintf(c->e->msg, sizeof(c->e->msg), fmt, ap);
            va_end(ap);
        }
    }
}

static void
fp_of(const struct zto_pubkey *pk, char fp[65])
{
    if (vt_pubkey_fingerprint(pk, fp) != ZTO_OK)
        memcpy(fp, "(unreadable key)", 17);
}

static void
check_hmac(struct run *c, const struct zto_voucher *v,
           const struct vt_check_opts *o)
{
    zto_err_t r;

    if (o->secret == NULL) {
        skip(c, "header HMAC (%s): no device secret given",
             vt_name_hash(v->hmac.type));
        return;
    }
    r = zto_hmac_check(&v->hmac, o->secret, o->secret_len, v->header_raw.p,
                       v->header_raw.len);
    if (r == ZTO_OK)
        ok(c, "header HMAC (%s) matches the device secret",
           vt_name_hash(v->hmac.type));
    else if (r == ZTO_E_MAC)
        bad(c, r, "header HMAC (%s) does not match the device secret",
            vt_name_hash(v->hmac.type));
    else
        bad(c, r, "header HMAC (%s) cannot be checked: %s",
            vt_name_hash(v->hmac.type), zto_strerror(r));
}

/* OVDevCertChainHash covers the concatenated DER certificates (section
 * 6.2). */
static bool
check_chain_hash(struct run *c, const struct zto_voucher *v)
{
    struct zto_digest d;
    struct zto_hash_buf h;
    size_t i;
    zto_err_t r;

    if (!v->hdr.has_cert_hash && !v->has_chain) {
        skip(c, "device certificate chain: none in this voucher");
        return false;
    }
    if (!v->hdr.has_cert_hash || !v->has_chain) {
        bad(c, ZTO_E_VOUCHER,
            "device certificate chain and its hash: one is present "
            "without the other");
        return false;
    }
    if ((r = zto_digest_start(&d, v->hdr.cert_hash.type)) != ZTO_OK) {
        bad(c, r, "device certificate chain hash: unsupported type %d",
            (int)v->hdr.cert_hash.type);
        return false;
    }
    for (i = 0; i < v->ncerts; i++) {
        if ((r = zto_digest_update(&d, v->cert[i].p, v->cert[i].len)) !=
            ZTO_OK) {
            zto_digest_abort(&d);
            bad(c, r, "device certificate chain hash: %s", zto_strerror(r));
            return false;
        }
    }
    if ((r = zto_digest_finish(&d, &h)) != ZTO_OK) {
        bad(c, r, "device certificate chain hash: %s", zto_strerror(r));
        return false;
    }
    if (h.len != v->hdr.cert_hash.value.len ||
        memcmp(h.value, v->hdr.cert_hash.value.p, h.len) != 0) {
        bad(c, ZTO_E_HASH,
            "device certificate chain hash (%s) does not match the %zu "
            "certificates",
            vt_name_hash(v->hdr.cert_hash.type), v->ncerts);
        return false;
    }
    ok(c, "device certificate chain hash (%s over %zu certificates)",
       vt_name_hash(v->hdr.cert_hash.type), v->ncerts);
    return true;
}

static void
check_chain(struct run *c, const struct zto_voucher *v,
            const struct vt_check_opts *o)
{
    struct vt_certinfo ci;
    size_t i;
    zto_err_t r;

    r = zto_cert_chain_verify(v->cert, v->ncerts, o->roots, o->nroots);
    if (r == ZTO_OK) {
        ok(c, "device certificate chain (%zu certificates) verifies up to %s",
           v->ncerts,
           o->nroots > 0 ? "a given --ca root" : "its own self-signed root");
        return;
    }
    /* Say which certificate is out of date, the usual cause. */
    for (i = 0; i < v->ncerts; i++) {
        if (vt_cert_info(v->cert[i], &ci) != ZTO_OK) {
            bad(c, ZTO_E_CERT,
                "device certificate [%zu] does not parse as X.509", i);
            return;
        }
        if (ci.time_state != 0) {
            bad(c, ZTO_E_CERT, "device certificate [%zu] (%s) %s %s", i,
                ci.subject,
                ci.time_state > 0 ? "expired on" : "is not valid before",
                ci.time_state > 0 ? ci.not_after : ci.not_before);
            return;
        }
    }
    bad(c, ZTO_E_CERT,
        "device certificate chain does not verify up to %s (bad "
        "signature, issuer mismatch or untrusted root)",
        o->nroots > 0 ? "any given --ca root" : "a self-signed root");
}

/* Every owner key has the manufacturer key's type, size and encoding
 * (section 6.3). */
static zto_err_t
uniform(const struct zto_pubkey *hdr, const struct zto_pubkey *k)
{
    struct zto_key a, b;
    zto_err_t r;

    if (hdr->type != k->type || hdr->enc != k->enc)
        return ZTO_E_KEY;
    zto_key_init(&a);
    zto_key_init(&b);
    if ((r = zto_key_from_pubkey(hdr, &a)) == ZTO_OK &&
        (r = zto_key_from_pubkey(k, &b)) == ZTO_OK)
        r = a.bits == b.bits ? ZTO_OK : ZTO_E_KEY;
    zto_key_free(&a);
    zto_key_free(&b);
    return r;
}

static bool
hash_is(const struct zto_hash *h, const struct zto_hash_buf *b)
{
    return h->type == b->type && h->value.len == b->len &&
           memcmp(h->value.p, b->value, b->len) == 0;
}

static void
check_entries(struct run *c, const struct zto_voucher *v)
{
    struct zto_ov_walk w;
    char signer_fp[65], next_fp[65];
    const char *signer = "manufacturer";
    size_t i;
    zto_err_t r;

    if (v->nentries == 0) {
        ok(c, "entries: none (the manufacturer key is the current owner)");
        return;
    }
    if ((r = zto_ov_walk_start(&w, v->header_raw, v->hmac_raw)) != ZTO_OK) {
        bad(c, r, "entries: cannot start the chain walk: %s", zto_strerror(r));
        return;
    }
    fp_of(&v->hdr.mfg_key, signer_fp);
    for (i = 0; i < v->nentries; i++) {
        struct zto_bytes raw;
        struct zto_ov_entry e;
        const struct zto_hash_buf *prev, *info;

        if ((r = zto_voucher_entry(v, i, &raw)) != ZTO_OK ||
            (r = zto_ov_entry_decode(raw.p, raw.len, &e)) != ZTO_OK) {
            bad(c, r, "entry %zu: malformed: %s", i, zto_strerror(r));
            return;
        }
        prev = e.hash_prev.type == ZTO_HASH_SHA384 ? &w.prev384 : &w.prev256;
        info = e.hash_prev.type == ZTO_HASH_SHA384 ? &w.info384 : &w.info256;
        r = zto_ov_walk_next(&w, raw);
        if (r == ZTO_E_SIGNATURE) {
            bad(c, r,
                "entry %zu: %s signature does not verify with the %s key "
                "(fingerprint %s)",
                i, vt_name_alg(e.cose.alg), signer, signer_fp);
            return;
        }
        if (r == ZTO_E_HASH) {
            bad(c, r, "entry %zu: %s does not match", i,
                !hash_is(&e.hash_prev, prev)
                    ? "previous-entry hash (OVEHashPrevEntry)"
                : !hash_is(&e.hash_hdr, info)
                    ? "header-info hash (OVEHashHdrInfo: GUID and "
                      "DeviceInfo)"
                    : "a hash link");
            return;
        }
        if (r == ZTO_E_VOUCHER) {
            bad(c, r,
                "entry %zu: hash type %s differs from entry 0's, or too "
                "many entries",
                i, vt_name_hash(e.hash_prev.type));
            return;
        }
        if (r != ZTO_OK) {
            bad(c, r, "entry %zu: %s", i, zto_strerror(r));
            return;
        }
        fp_of(&e.pubkey, next_fp);
        if ((r = uniform(&v->hdr.mfg_key, &e.pubkey)) != ZTO_OK) {
            bad(c, r,
                "entry %zu: next owner key (%s, %s) does not match the "
                "manufacturer key's type, size and encoding",
                i, vt_name_pk_type(e.pubkey.type),
                vt_name_pk_enc(e.pubkey.enc));
            return;
        }
        ok(c,
           "entry %zu: %s signature by the %s key, hash links (%s), next "
           "owner %s",
           i, vt_name_alg(e.cose.alg), signer, vt_name_hash(e.hash_prev.type),
           next_fp);
        memcpy(signer_fp, next_fp, sizeof(signer_fp));
        signer = "previous owner";
    }
}

zto_err_t
vt_check_voucher(const struct zto_voucher *v, const struct vt_check_opts *o,
                 FILE *rep, struct vt_err *e)
{
    struct run c = {rep, e, ZTO_OK};
    struct zto_voucher_verify_opts vo;
    struct zto_pubkey owner;
    struct zto_key ok_key;
    char fp[65], want[65];
    zto_err_t r;

    ok(&c, "structure: protocol version %u, %zu entr%s", (unsigned)v->protver,
       v->nentries, v->nentries == 1 ? "y" : "ies");
    check_hmac(&c, v, o);
    if (check_chain_hash(&c, v))
        check_chain(&c, v, o);
    check_entries(&c, v);

    memset(&vo, 0, sizeof(vo));
    vo.hmac_secret = o->secret;
    vo.hmac_secret_len = o->secret_len;
    vo.roots = o->roots;
    vo.nroots = o->nroots;
    if (c.r == ZTO_OK && (r = zto_voucher_verify(v, &vo, &owner)) != ZTO_OK)
        bad(&c, r, "complete verification: %s", zto_strerror(r));
    if (c.r != ZTO_OK)
        return c.r;

    if ((r = zto_voucher_owner_key(v, &owner)) != ZTO_OK) {
        bad(&c, r, "current owner key: %s", zto_strerror(r));
        return c.r;
    }
    fp_of(&owner, fp);
    if (o->expect_owner != NULL) {
        zto_key_init(&ok_key);
        r = zto_key_from_pubkey(&owner, &ok_key);
        if (r == ZTO_OK)
            r = zto_key_equal(&ok_key, o->expect_owner);
        zto_key_free(&ok_key);
        if (vt_key_fingerprint(o->expect_owner, want) != ZTO_OK)
            memcpy(want, "?", 2);
        if (r != ZTO_OK)
            bad(&c, ZTO_E_KEY_MISMATCH,
                "current owner (fingerprint %s) is not the expected key "
                "(fingerprint %s)",
                fp, want);
        else
            ok(&c, "current owner is the expected key (fingerprint %s)", fp);
    } else {
        ok(&c, "current owner: %s %s key, fingerprint %s",
           vt_name_pk_type(owner.type), vt_name_pk_enc(owner.enc), fp);
    }
    return c.r;
}
