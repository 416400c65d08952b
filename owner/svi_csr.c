/*
 * svi_csr.c - fdo.csr on the owner: the device's operational
 * certificate (FSIM fdo.csr of the FIDO fdo-sim repository, with the
 * formats of RFC 7030; docs/serviceinfo.md). The device asks, the
 * owner answers:
 *
 *   device                          owner
 *   cacerts-req (uint 281 | 287)    cacerts-res: the CA bundle
 *   simpleenroll-req (tstr)         simpleenroll-res: its certificate
 *   simplereenroll-req (tstr)       simplereenroll-res: the same
 *   serverkeygen-req (tstr)         serverkeygen-res: key + certificate
 *   csrattrs-req (uint)             error 3 (not supported)
 *                                   error (uint): 1 bad request,
 *                                   2 unauthorized, 3 not supported,
 *                                   4 rate exceeded, 5 unsupported format
 *
 * Every tstr holds base64 of DER: a PKCS#10 request, a certificate, a
 * PKCS#7 certs-only bundle (281) or one certificate (287), and for
 * serverkeygen-res a multipart/mixed body (zto_csr_mime_encode) of a
 * PKCS#8 key and a PKCS#7 certificate, as go-fdo's module does.
 *
 * Requests are signed by the issuing CA of the owner configuration
 * (svi_csr.h) after checking their signature (proof of possession),
 * digest (SHA-256 or stronger) and key (P-256, P-384, RSA 2048/3072);
 * anything else is answered with fdo.csr:error, and TO2 goes on (the
 * device decides; a device that asks nothing more fails the step after
 * IDLE_MAX silent rounds). Each certificate is recorded in svi_certs
 * and sent from there, so a session continued by another process sends
 * the same one. A key generated here for serverkeygen is kept in the
 * step's blob (saved with the session, which also holds the tunnel
 * keys) only until its response is out, and zeroized then. The step is
 * finished when a certificate went out.
 *
 * Plan parameters (all optional): days, subject (guid | csr), keygen
 * (yes | no) override the configuration; cert and key (files, relative
 * to svi_dir) make the step deliver that certificate and key to a
 * device asking for serverkeygen.
 *
 * State: u[0] flags, u[1] cacerts format, u[2] error code, u[3] the
 * svi_certs row to send, u[4] its answer (enum answer), u[5] silent
 * rounds, u[6] requests; blob = PKCS#8 of a key made here, until sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svi_csr.h"

#define MOD "fdo.csr"
#define PATH_CAP 1024
#define IDLE_MAX 3      /* rounds without a request before giving up */
#define REQUESTS_MAX 16 /* requests in one TO2 */
#define PEM_FILE_MAX (1024 * 1024)

enum { U_FLAGS = 0, U_FORMAT, U_ERROR, U_ROW, U_ANSWER, U_IDLE, U_REQS };

enum {
    F_STARTED = 1,   /* "active" went out: wait for requests */
    F_ERROR = 2,     /* an error answer is pending */
    F_CACERTS = 4,   /* a cacerts-res is pending */
    F_CERT = 8,      /* a certificate answer is pending */
    F_DELIVERED = 16 /* a certificate went out */
};

enum answer { A_ENROLL = 1, A_REENROLL, A_KEYGEN };

enum csr_error {
    E_BAD_REQUEST = 1,
    E_UNAUTHORIZED = 2,
    E_NOT_SUPPORTED = 3,
    E_RATE = 4,
    E_FORMAT = 5
};

static const char *const answer_msg[] = {
    "", "simpleenroll-res", "simplereenroll-res", "serverkeygen-res"};
static const char *const origin_name[] = {"", "enroll", "reenroll",
                                          "serverkeygen"};

static const char *
utc(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL ||
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, cap, "%lld", (long long)t);
    return buf;
}

/* ---- the issuing CA ---- */

void
svi_csr_ca_free(struct svi_csr_ca *ca)
{
    size_t i;

    if (ca == NULL)
        return;
    if (ca->has_key)
        owner_key_free(&ca->key);
    for (i = 0; i < ca->ncerts; i++)
        free(ca->cert[i]);
    memset(ca, 0, sizeof(*ca));
}

static zto_err_t
add_cert(struct svi_csr_ca *ca, const uint8_t *der, size_t len, char *err,
         size_t errcap)
{
    struct zto_cert_info info;

    if (ca->ncerts >= SVI_CSR_MAX_CERTS) {
        snprintf(err, errcap, "more than %d CA certificates",
                 SVI_CSR_MAX_CERTS);
        return ZTO_E_CONFIG;
    }
    if (zto_cert_info(der, len, &info) != ZTO_OK) {
        snprintf(err, errcap, "certificate %zu does not parse", ca->ncerts + 1);
        return ZTO_E_CONFIG;
    }
    if ((ca->cert[ca->ncerts] = malloc(len)) == NULL)
        return ZTO_E_NOMEM;
    memcpy(ca->cert[ca->ncerts], der, len);
    ca->len[ca->ncerts++] = len;
    return ZTO_OK;
}

static zto_err_t
subject_policy(const char *s, bool *csr)
{
    if (s == NULL || strcmp(s, "guid") == 0)
        *csr = false;
    else if (strcmp(s, "csr") == 0)
        *csr = true;
    else
        return ZTO_E_CONFIG;
    return ZTO_OK;
}

zto_err_t
svi_csr_setup_der(struct owner *o, struct owner_key *key,
                  const struct zto_bytes *chain, size_t nchain,
                  const struct zto_bytes *extra, size_t nextra,
                  const struct svi_csr_conf *c, char *err, size_t errcap)
{
    struct svi_csr_ca *ca;
    struct zto_cert_info info;
    struct zto_bytes all[SVI_CSR_MAX_CERTS];
    struct zto_key pub;
    size_t i;
    zto_err_t r;

    err[0] = '\0';
    if ((ca = calloc(1, sizeof(*ca))) == NULL) {
        if (key != NULL)
            owner_key_free(key);
        return ZTO_E_NOMEM;
    }
    if (key != NULL) {
        ca->key = *key;
        ca->has_key = true;
        /* The signer points into the key it was made for. */
        zto_signer_from_key(&ca->key.signer, &ca->key.key);
        memset(key, 0, sizeof(*key));
    }
    ca->days = c->days;
    ca->keygen = c->keygen;
    ca->bare = c->bare;
    if (subject_policy(c->subject, &ca->subject_csr) != ZTO_OK) {
        snprintf(err, errcap, "csr_subject: guid or csr, not %s", c->subject);
        r = ZTO_E_CONFIG;
        goto fail;
    }
    if (c->days == 0 || c->days > 36500) {
        snprintf(err, errcap, "csr_days: 1..36500");
        r = ZTO_E_CONFIG;
        goto fail;
    }
    if (nchain == 0) {
        snprintf(err, errcap, "csr_ca_chain: no certificate");
        r = ZTO_E_CONFIG;
        goto fail;
    }
    for (i = 0; i < nchain; i++)
        if ((r = add_cert(ca, chain[i].p, chain[i].len, err, errcap)) != ZTO_OK)
            goto fail;
    ca->nchain = ca->ncerts;
    for (i = 0; i < nextra; i++)
        if ((r = add_cert(ca, extra[i].p, extra[i].len, err, errcap)) != ZTO_OK)
            goto fail;
    r = zto_cert_info(ca->cert[0], ca->len[0], &info);
    if (r != ZTO_OK || !info.is_ca) {
        snprintf(err, errcap,
                 "csr_ca_chain: the first certificate (%s) is not a CA",
                 info.subject);
        r = ZTO_E_CONFIG;
        goto fail;
    }
    if (ca->has_key) {
        zto_key_init(&pub);
        r = zto_key_from_cert_der(ca->cert[0], ca->len[0], &pub);
        if (r == ZTO_OK)
            r = zto_key_equal(&pub, &ca->key.key);
        zto_key_free(&pub);
        if (r != ZTO_OK) {
            snprintf(err, errcap,
                     "csr_ca_key does not match the first certificate of "
                     "csr_ca_chain (%s)",
                     info.subject);
            r = ZTO_E_CONFIG;
            goto fail;
        }
    }
    /* A device checks what it gets against the whole bundle: the
     * issuing CA must verify with it (up to a self-signed root). */
    for (i = 0; i < ca->ncerts; i++)
        all[i] = ZTO_BYTES(ca->cert[i], ca->len[i]);
    if (zto_cert_chain_verify(all, 1, all, ca->ncerts) != ZTO_OK) {
        snprintf(err, errcap,
                 "csr_ca_chain/csr_ca_bundle: %s does not verify up to a "
                 "self-signed root of the bundle (or a certificate is "
                 "expired)",
                 info.subject);
        r = ZTO_E_CONFIG;
        goto fail;
    }
    svi_csr_ca_free(o->csr_ca);
    free(o->csr_ca);
    o->csr_ca = ca;
    return ZTO_OK;
fail:
    svi_csr_ca_free(ca);
    free(ca);
    return r;
}

/* The CERTIFICATE blocks of a PEM file, appended to certs/store. */
static zto_err_t
read_certs(const char *what, const char *path, uint8_t *store, size_t cap,
           size_t *used, struct zto_bytes *certs, size_t max, size_t *n,
           char *err, size_t errcap)
{
    uint8_t *text = NULL;
    size_t len = 0, pos = 0, got = 0, before = *n;
    zto_err_t r;

    if ((r = owner_file_read(path, PEM_FILE_MAX, &text, &len)) != ZTO_OK) {
        snprintf(err, errcap, "%s %s: %s", what, path,
                 r == ZTO_E_IO ? strerror(errno) : zto_strerror(r));
        return ZTO_E_CONFIG;
    }
    for (;;) {
        r = zto_pem_find((const char *)text, len, &pos, "CERTIFICATE",
                         store + *used, cap - *used, &got);
        if (r == ZTO_E_NOT_FOUND)
            break;
        if (r != ZTO_OK || *n >= max) {
            snprintf(err, errcap, "%s %s: certificate %zu: %s", what, path,
                     *n - before + 1,
                     r != ZTO_OK ? zto_strerror(r) : "too many certificates");
            free(text);
            return ZTO_E_CONFIG;
        }
        certs[(*n)++] = ZTO_BYTES(store + *used, got);
        *used += got;
    }
    free(text);
    if (*n == before) {
        snprintf(err, errcap, "%s %s: no CERTIFICATE block", what, path);
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}

zto_err_t
svi_csr_setup(struct owner *o, const struct svi_csr_conf *c, char *err,
              size_t errcap)
{
    struct zto_bytes certs[SVI_CSR_MAX_CERTS];
    struct owner_key key, *kp = NULL;
    size_t cap = SVI_CSR_MAX_CERTS * SVI_CSR_DER_MAX, used = 0, n = 0, nchain;
    uint8_t *store;
    zto_err_t r;

    if ((store = malloc(cap)) == NULL)
        return ZTO_E_NOMEM;
    if ((r = read_certs("csr_ca_chain", c->chain, store, cap, &used, certs,
                        SVI_CSR_MAX_CERTS, &n, err, errcap)) != ZTO_OK)
        goto out;
    nchain = n;
    if (c->bundle != NULL &&
        (r = read_certs("csr_ca_bundle", c->bundle, store, cap, &used, certs,
                        SVI_CSR_MAX_CERTS, &n, err, errcap)) != ZTO_OK)
        goto out;
    if (c->key != NULL) {
        if ((r = owner_key_load(&key, c->key, err, errcap)) != ZTO_OK)
            goto out;
        kp = &key;
    }
    r = svi_csr_setup_der(o, kp, certs, nchain, certs + nchain, n - nchain, c,
                          err, errcap);
out:
    free(store);
    return r;
}

/* ---- plan parameters ---- */

static const char *const param_names[] = {"days", "subject", "keygen", "cert",
                                          "key"};

static bool
yes_no(const char *v, bool *out)
{
    if (strcmp(v, "yes") == 0)
        *out = true;
    else if (strcmp(v, "no") == 0)
        *out = false;
    else
        return false;
    return true;
}

static bool
days_value(const char *v, unsigned *out)
{
    char *end;
    unsigned long d;

    if (v[0] < '0' || v[0] > '9')
        return false;
    errno = 0;
    d = strtoul(v, &end, 10);
    if (errno != 0 || *end != '\0' || d == 0 || d > 36500)
        return false;
    *out = (unsigned)d;
    return true;
}

static zto_err_t
check(const uint8_t *params, size_t len, char *err, size_t errcap)
{
    struct zto_cbor_dec d;
    struct zto_bytes k;
    char v[PATH_CAP];
    size_t n, i, j;
    unsigned days;
    bool b, has_cert, has_key;

    zto_cbor_dec_init(&d, params, len);
    if (zto_cbor_get_map(&d, &n) != ZTO_OK)
        goto bad;
    for (i = 0; i < n; i++) {
        if (zto_cbor_get_tstr(&d, &k) != ZTO_OK || zto_cbor_skip(&d) != ZTO_OK)
            goto bad;
        for (j = 0; j < sizeof(param_names) / sizeof(param_names[0]); j++)
            if (k.len == strlen(param_names[j]) &&
                memcmp(k.p, param_names[j], k.len) == 0)
                break;
        if (j == sizeof(param_names) / sizeof(param_names[0])) {
            snprintf(err, errcap,
                     "csr: unknown parameter \"%.*s\" (days, subject, "
                     "keygen, cert, key)",
                     (int)(k.len < 40 ? k.len : 40), (const char *)k.p);
            return ZTO_E_CONFIG;
        }
    }
    if (svi_param_str(params, len, "days", v, sizeof(v)) == ZTO_OK &&
        !days_value(v, &days)) {
        snprintf(err, errcap, "csr: days=%s: 1..36500", v);
        return ZTO_E_CONFIG;
    }
    if (svi_param_str(params, len, "subject", v, sizeof(v)) == ZTO_OK &&
        subject_policy(v, &b) != ZTO_OK) {
        snprintf(err, errcap, "csr: subject=%s: guid or csr", v);
        return ZTO_E_CONFIG;
    }
    if (svi_param_str(params, len, "keygen", v, sizeof(v)) == ZTO_OK &&
        !yes_no(v, &b)) {
        snprintf(err, errcap, "csr: keygen=%s: yes or no", v);
        return ZTO_E_CONFIG;
    }
    has_cert = svi_param_str(params, len, "cert", v, sizeof(v)) == ZTO_OK &&
               v[0] != '\0';
    has_key = svi_param_str(params, len, "key", v, sizeof(v)) == ZTO_OK &&
              v[0] != '\0';
    if (has_cert != has_key) {
        snprintf(err, errcap, "csr: cert= and key= go together");
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
bad:
    snprintf(err, errcap, "csr: parameters are not a map of text");
    return ZTO_E_CONFIG;
}

/* The step delivers prepared files (cert= and key=). */
static bool
has_premade(struct svi_run *run)
{
    char path[PATH_CAP];

    return svi_param_path(run, "cert", path, sizeof(path)) != ZTO_E_NOT_FOUND;
}

struct policy {
    unsigned days;
    bool subject_csr, keygen, premade;
};

static void
policy_of(struct svi_run *run, struct policy *p)
{
    const struct svi_csr_ca *ca = run->o->csr_ca;
    const uint8_t *pp = run->st->params;
    size_t pl = run->st->params_len;
    char v[PATH_CAP];

    p->days = ca->days;
    p->subject_csr = ca->subject_csr;
    p->keygen = ca->keygen;
    if (svi_param_str(pp, pl, "days", v, sizeof(v)) == ZTO_OK)
        (void)days_value(v, &p->days);
    if (svi_param_str(pp, pl, "subject", v, sizeof(v)) == ZTO_OK)
        (void)subject_policy(v, &p->subject_csr);
    if (svi_param_str(pp, pl, "keygen", v, sizeof(v)) == ZTO_OK)
        (void)yes_no(v, &p->keygen);
    p->premade = has_premade(run);
}

/* ---- helpers ---- */

/* The GUID the device leaves this TO2 with. */
static const struct zto_guid *
device_guid(const struct svi_run *run)
{
    static const struct zto_guid zero;

    if (run->next_guid != NULL &&
        memcmp(run->next_guid, &zero, sizeof(zero)) != 0)
        return run->next_guid;
    return run->guid;
}

/* Answer fdo.csr:error `code`; why (+ detail) goes to the log. */
static void
refuse(struct svi_run *run, unsigned code, const char *why, const char *detail)
{
    char g[33];

    run->st->u[U_FLAGS] |= F_ERROR;
    run->st->u[U_ERROR] = code;
    owner_logf(
        run->o, OWNER_LOG_WARN, "GUID %s: " MOD ": %s%s; answering error %u",
        owner_guid_hex(run->guid, g), why, detail != NULL ? detail : "", code);
}

/* The session may go on in a process configured differently. */
static zto_err_t
need_ca(struct svi_run *run)
{
    if (run->o->csr_ca != NULL)
        return ZTO_OK;
    snprintf(run->why, run->whycap,
             MOD ": no issuing CA configured (csr_ca_chain, csr_ca_key)");
    return ZTO_E_CONFIG;
}

/* The bundle a device gets: PKCS#7 (281, unless bare), one certificate
 * (287, or bare). Heap, *out freed by the caller. */
static zto_err_t
bundle_der(const struct svi_csr_ca *ca, uint64_t format, uint8_t **out,
           size_t *len)
{
    struct zto_bytes certs[SVI_CSR_MAX_CERTS];
    size_t i, cap = 256;
    zto_err_t r;

    for (i = 0; i < ca->ncerts; i++) {
        certs[i] = ZTO_BYTES(ca->cert[i], ca->len[i]);
        cap += ca->len[i] + 16;
    }
    if ((*out = malloc(cap)) == NULL)
        return ZTO_E_NOMEM;
    if (format == 287 || ca->bare) {
        /* go-fdo's device reads one certificate either way: the issuing
         * CA is the one it needs first. */
        memcpy(*out, ca->cert[0], ca->len[0]);
        *len = ca->len[0];
        return ZTO_OK;
    }
    r = zto_p7_certs_encode(certs, ca->ncerts, *out, cap, len);
    if (r != ZTO_OK) {
        free(*out);
        *out = NULL;
    }
    return r;
}

/* "fdo.csr:<msg>" = tstr of base64(der). */
static zto_err_t
put_b64(struct svi_out *out, const char *msg, const uint8_t *der, size_t len)
{
    size_t tl = zto_base64_len(len), n = 0, vl = 0;
    struct zto_cbor_enc e;
    char *text = malloc(tl + 1);
    uint8_t *v = malloc(tl + 9);
    zto_err_t r = ZTO_E_NOMEM;

    if (text == NULL || v == NULL)
        goto out;
    if ((r = zto_base64_encode(der, len, text, tl + 1, &n)) != ZTO_OK)
        goto out;
    zto_cbor_enc_init(&e, v, tl + 9);
    zto_cbor_put_tstr(&e, text, n);
    if ((r = zto_cbor_enc_finish(&e, &vl)) != ZTO_OK)
        goto out;
    r = svi_out_put(out, MOD, msg, v, vl);
out:
    free(text);
    free(v);
    return r;
}

/* A tstr of base64 into a heap buffer of at most max bytes. */
static zto_err_t
get_b64(const uint8_t *val, size_t len, size_t max, uint8_t **der,
        size_t *der_len)
{
    struct zto_cbor_dec d;
    struct zto_bytes t;
    zto_err_t r;

    zto_cbor_dec_init(&d, val, len);
    if ((r = zto_cbor_get_tstr(&d, &t)) != ZTO_OK ||
        (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
        return r;
    if (t.len == 0 || t.len / 4 * 3 > max + 3)
        return ZTO_E_TOO_BIG;
    if ((*der = malloc(t.len / 4 * 3 + 3)) == NULL)
        return ZTO_E_NOMEM;
    if ((r = zto_base64_decode((const char *)t.p, t.len, *der,
                               t.len / 4 * 3 + 3, der_len)) != ZTO_OK ||
        *der_len == 0 || *der_len > max) {
        free(*der);
        *der = NULL;
        return r != ZTO_OK ? r : ZTO_E_TOO_BIG;
    }
    return ZTO_OK;
}

/* Record a certificate about to go out; u[U_ROW] = its row. */
static zto_err_t
record(struct svi_run *run, const uint8_t *der, size_t len, const char *origin)
{
    struct zto_db_cert c;
    struct zto_cert_info info;
    char g[33], until[32];
    int64_t id = 0;
    zto_err_t r;

    if ((r = zto_cert_info(der, len, &info)) != ZTO_OK)
        return r;
    memset(&c, 0, sizeof(c));
    c.guid = *device_guid(run);
    c.to2_guid = *run->guid;
    if ((r = zto_hex_encode(info.serial, info.serial_len, c.serial,
                            sizeof(c.serial))) != ZTO_OK)
        return r;
    snprintf(c.subject, sizeof(c.subject), "%s", info.subject);
    snprintf(c.origin, sizeof(c.origin), "%s", origin);
    c.not_before = info.not_before;
    c.not_after = info.not_after;
    c.issued_at = owner_now(run->o);
    c.cert = ZTO_BYTES(der, len);
    if ((r = zto_db_owner_cert_add(run->o->db, &c, &id)) != ZTO_OK) {
        snprintf(run->why, run->whycap,
                 MOD ": cannot record the "
                     "certificate: %s",
                 zto_strerror(r));
        return r;
    }
    run->st->u[U_ROW] = (uint64_t)id;
    owner_logf(run->o, OWNER_LOG_INFO,
               "GUID %s: " MOD ": certificate %s (%s) for \"%s\", valid "
               "until %s",
               owner_guid_hex(run->guid, g), c.serial, origin, info.subject,
               utc(info.not_after, until, sizeof(until)));
    return ZTO_OK;
}

/* Subject of a certificate for this device: the request's (policy csr,
 * when it has one) or CN = the GUID. */
static void
subject_for(struct svi_run *run, const struct policy *p, const uint8_t *subj,
            size_t subj_len, char *cn, struct zto_cert_tmpl *t)
{
    /* An empty Name is the two bytes 30 00. */
    if (p->subject_csr && subj_len > 2) {
        t->subject = subj;
        t->subject_len = subj_len;
        return;
    }
    owner_guid_hex(device_guid(run), cn);
    t->cn = cn;
    t->cn_len = strlen(cn);
}

/* The validity of a certificate issued now: within the issuing CA's
 * (notAfter cut to the CA's, logged), or a clear failure when the CA is
 * not valid now. */
static zto_err_t
validity(struct svi_run *run, const struct policy *p, struct zto_cert_tmpl *t)
{
    const struct svi_csr_ca *ca = run->o->csr_ca;
    struct zto_cert_info info;
    int64_t now = owner_now(run->o);
    char when[32], g[33];

    if (zto_cert_info(ca->cert[0], ca->len[0], &info) != ZTO_OK) {
        snprintf(run->why, run->whycap,
                 MOD ": the issuing CA certificate does not parse");
        return ZTO_E_CERT;
    }
    if (now >= info.not_after || now < info.not_before) {
        snprintf(run->why, run->whycap,
                 MOD ": cannot issue: the issuing CA (%.100s) %s %s; renew "
                     "csr_ca_chain",
                 info.subject,
                 now >= info.not_after ? "expired on" : "is not valid before",
                 utc(now >= info.not_after ? info.not_after : info.not_before,
                     when, sizeof(when)));
        return ZTO_E_CONFIG;
    }
    t->now = now;
    t->days = p->days;
    /* An hour of slack, but not before the CA itself. */
    t->not_before = now - 3600 > info.not_before ? now - 3600 : info.not_before;
    t->not_after = now + (int64_t)p->days * 86400;
    if (t->not_after > info.not_after) {
        t->not_after = info.not_after;
        owner_logf(run->o, OWNER_LOG_INFO,
                   "GUID %s: " MOD ": validity cut to the issuing CA's "
                   "notAfter, %s (%u days asked)",
                   owner_guid_hex(run->guid, g),
                   utc(info.not_after, when, sizeof(when)), p->days);
    }
    return ZTO_OK;
}

/* A request answered with a certificate of this owner's CA. */
static zto_err_t
issue(struct svi_run *run, enum answer kind, const uint8_t *req, size_t len)
{
    struct svi_step *st = run->st;
    const struct svi_csr_ca *ca = run->o->csr_ca;
    struct policy p;
    struct zto_key pub, gen;
    struct zto_cert_tmpl t;
    uint8_t subj[1024], *der = NULL;
    size_t subj_len = 0, der_len = 0, kl = 0;
    char cn[33];
    zto_err_t r;

    policy_of(run, &p);
    zto_key_init(&pub);
    zto_key_init(&gen);
    if (p.premade) {
        refuse(run, E_UNAUTHORIZED,
               "this step delivers a prepared key (cert=/key=) and the "
               "device asked to enroll its own",
               NULL);
        return ZTO_OK;
    }
    if (!ca->has_key) {
        refuse(run, E_UNAUTHORIZED, "no issuing CA key (csr_ca_key)", NULL);
        return ZTO_OK;
    }
    if (kind == A_KEYGEN && !p.keygen) {
        refuse(run, E_NOT_SUPPORTED, "server-side key generation is off", NULL);
        return ZTO_OK;
    }
    /* serverkeygen: the request carries the subject and a hint for the
     * key type; its key and signature are ignored (RFC 7030 4.4.1). */
    r = zto_csr_parse(req, len, kind != A_KEYGEN, &pub, subj, sizeof(subj),
                      &subj_len);
    if (r != ZTO_OK) {
        refuse(run, E_BAD_REQUEST, "request refused: ",
               r == ZTO_E_SIGNATURE ? "its signature does not verify (no "
                                      "proof of possession)"
               : r == ZTO_E_UNSUPPORTED
                   ? "signed with a digest weaker than SHA-256"
               : r == ZTO_E_KEY ? "key type not accepted (P-256, P-384, RSA "
                                  "2048/3072)"
                                : "not a PKCS#10 request");
        return ZTO_OK;
    }
    if (kind == A_KEYGEN) {
        int32_t type = pub.pk_type == ZTO_PK_SECP384R1 ? ZTO_PK_SECP384R1
                                                       : ZTO_PK_SECP256R1;
        zto_key_free(&pub);
        if ((r = zto_key_generate(type, 0, &gen)) != ZTO_OK ||
            (r = zto_key_private_der(&gen, st->blob, sizeof(st->blob), &kl)) !=
                ZTO_OK)
            goto out;
        st->blob_len = kl;
    }
    memset(&t, 0, sizeof(t));
    subject_for(run, &p, subj, subj_len, cn, &t);
    t.profile = ZTO_CERT_OPERATIONAL;
    if ((r = validity(run, &p, &t)) != ZTO_OK)
        goto out;
    if ((der = malloc(SVI_CSR_DER_MAX)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    if ((r = zto_cert_issue(&ca->key.key, ca->cert[0], ca->len[0],
                            kind == A_KEYGEN ? &gen : &pub, &t, der,
                            SVI_CSR_DER_MAX, &der_len)) != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ": cannot issue: %s",
                 zto_strerror(r));
        goto out;
    }
    if ((r = record(run, der, der_len, origin_name[kind])) != ZTO_OK)
        goto out;
    st->u[U_FLAGS] |= F_CERT;
    st->u[U_ANSWER] = (uint64_t)kind;
out:
    if (r != ZTO_OK) {
        zto_zeroize(st->blob, sizeof(st->blob));
        st->blob_len = 0;
    }
    free(der);
    zto_key_free(&pub);
    zto_key_free(&gen);
    return r;
}

/* The prepared certificate (PEM file) into *der (heap). */
static zto_err_t
premade_cert(struct svi_run *run, uint8_t **der, size_t *len)
{
    char path[PATH_CAP];
    uint8_t *text = NULL;
    size_t tl = 0, pos = 0;
    zto_err_t r;

    if ((r = svi_param_path(run, "cert", path, sizeof(path))) != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ": cert= path too long");
        return ZTO_E_CONFIG;
    }
    if ((r = owner_file_read(path, PEM_FILE_MAX, &text, &tl)) != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ": %s: %s", path, strerror(errno));
        return r;
    }
    if ((*der = malloc(SVI_CSR_DER_MAX)) == NULL) {
        free(text);
        return ZTO_E_NOMEM;
    }
    r = zto_pem_find((const char *)text, tl, &pos, "CERTIFICATE", *der,
                     SVI_CSR_DER_MAX, len);
    free(text);
    if (r != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ": %s: no certificate", path);
        free(*der);
        *der = NULL;
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}

/* The prepared key (mode checked like every private key), matching the
 * certificate der. */
static zto_err_t
premade_key(struct svi_run *run, const uint8_t *der, size_t len,
            struct owner_key *k)
{
    char path[PATH_CAP], err[256];
    struct zto_key pub;
    zto_err_t r;

    if ((r = svi_param_path(run, "key", path, sizeof(path))) != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ": key= path too long");
        return ZTO_E_CONFIG;
    }
    if ((r = owner_key_load(k, path, err, sizeof(err))) != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ": %s", err);
        return r;
    }
    zto_key_init(&pub);
    r = zto_key_from_cert_der(der, len, &pub);
    if (r == ZTO_OK)
        r = zto_key_equal(&pub, &k->key);
    zto_key_free(&pub);
    if (r != ZTO_OK) {
        snprintf(run->why, run->whycap,
                 MOD ": %s does not match the certificate of the step", path);
        owner_key_free(k);
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}

/* serverkeygen-req in a step with cert= and key=: those go out. */
static zto_err_t
deliver_premade(struct svi_run *run)
{
    struct owner_key k;
    uint8_t *der = NULL;
    size_t len = 0;
    zto_err_t r;

    if ((r = premade_cert(run, &der, &len)) != ZTO_OK)
        return r;
    if ((r = premade_key(run, der, len, &k)) == ZTO_OK) {
        owner_key_free(&k);
        r = record(run, der, len, "file");
    }
    if (r == ZTO_OK) {
        run->st->u[U_FLAGS] |= F_CERT;
        run->st->u[U_ANSWER] = A_KEYGEN;
    }
    free(der);
    return r;
}

/* ---- the step ---- */

static zto_err_t
start(struct svi_run *run)
{
    struct owner_key k;
    uint8_t *der = NULL;
    size_t len = 0;
    zto_err_t r;

    memset(run->st->u, 0, sizeof(run->st->u));
    run->st->blob_len = 0;
    if ((r = need_ca(run)) != ZTO_OK)
        return r;
    /* Prepared files: fail now rather than in the middle. */
    if (has_premade(run)) {
        if ((r = premade_cert(run, &der, &len)) != ZTO_OK)
            return r;
        r = premade_key(run, der, len, &k);
        free(der);
        if (r != ZTO_OK)
            return r;
        owner_key_free(&k);
    }
    return ZTO_OK;
}

static zto_err_t
receive(struct svi_run *run, const char *message, const uint8_t *val,
        size_t len)
{
    struct svi_step *st = run->st;
    const struct svi_csr_ca *ca = run->o->csr_ca;
    struct zto_cbor_dec d;
    int kind;
    uint8_t *der = NULL;
    size_t der_len = 0;
    uint64_t u;
    char g[33];
    zto_err_t r;

    if ((r = need_ca(run)) != ZTO_OK)
        return r;
    if (strcmp(message, "cacerts-req") == 0) {
        kind = 0;
    } else if (strcmp(message, "simpleenroll-req") == 0) {
        kind = A_ENROLL;
    } else if (strcmp(message, "simplereenroll-req") == 0) {
        kind = A_REENROLL;
    } else if (strcmp(message, "serverkeygen-req") == 0) {
        kind = A_KEYGEN;
    } else if (strcmp(message, "csrattrs-req") == 0) {
        refuse(run, E_NOT_SUPPORTED, "CSR attributes are not offered", NULL);
        return ZTO_OK;
    } else {
        owner_logf(run->o, OWNER_LOG_WARN,
                   "GUID %s: " MOD ": ignoring message \"%s\"",
                   owner_guid_hex(run->guid, g), message);
        return ZTO_OK;
    }
    if (++st->u[U_REQS] > REQUESTS_MAX) {
        snprintf(run->why, run->whycap, MOD ": more than %d requests",
                 REQUESTS_MAX);
        return ZTO_E_LIMIT;
    }
    if (kind == 0) {
        zto_cbor_dec_init(&d, val, len);
        if (zto_cbor_get_uint(&d, &u) != ZTO_OK ||
            zto_cbor_dec_finish(&d) != ZTO_OK) {
            refuse(run, E_BAD_REQUEST, "cacerts-req is not a uint", NULL);
        } else if (u != 281 && u != 287) {
            refuse(run, E_FORMAT,
                   "cacerts-req asks for a format other than 281 and 287",
                   NULL);
        } else if (u == 287 && ca->ncerts > 1) {
            refuse(run, E_FORMAT,
                   "cacerts-req asks for one certificate (287) and the "
                   "bundle has several",
                   NULL);
        } else {
            st->u[U_FLAGS] |= F_CACERTS;
            st->u[U_FORMAT] = u;
        }
        return ZTO_OK;
    }
    if ((st->u[U_FLAGS] & F_CERT) != 0) {
        refuse(run, E_RATE, "a second certificate request", NULL);
        return ZTO_OK;
    }
    if ((r = get_b64(val, len, SVI_CSR_DER_MAX, &der, &der_len)) != ZTO_OK) {
        if (r == ZTO_E_NOMEM)
            return r;
        refuse(run, E_BAD_REQUEST, message, ": not a base64 text");
        return ZTO_OK;
    }
    if (kind == A_KEYGEN && has_premade(run))
        r = deliver_premade(run);
    else
        r = issue(run, (enum answer)kind, der, der_len);
    free(der);
    return r;
}

/* The certificate answer: the recorded certificate, with the key for
 * serverkeygen. */
static zto_err_t
put_cert(struct svi_run *run, struct svi_out *out)
{
    struct svi_step *st = run->st;
    const struct svi_csr_ca *ca = run->o->csr_ca;
    struct zto_db_cert row;
    struct owner_key k;
    struct zto_bytes one;
    uint8_t *der = NULL, *p7 = NULL, key[4096];
    char *body = NULL;
    size_t p7_len = 0, kl = 0, bl = 0, p7cap;
    bool premade = false;
    zto_err_t r;

    if (st->u[U_ANSWER] < A_ENROLL || st->u[U_ANSWER] > A_KEYGEN)
        return ZTO_E_CORRUPT;
    if ((der = malloc(SVI_CSR_DER_MAX)) == NULL)
        return ZTO_E_NOMEM;
    if ((r = zto_db_owner_cert_get(run->o->db, (int64_t)st->u[U_ROW], der,
                                   SVI_CSR_DER_MAX, &row)) != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ": certificate %llu: %s",
                 (unsigned long long)st->u[U_ROW], zto_strerror(r));
        goto out;
    }
    if (st->u[U_ANSWER] != A_KEYGEN) {
        r = put_b64(out, answer_msg[st->u[U_ANSWER]], row.cert.p, row.cert.len);
        goto out;
    }
    premade = strcmp(row.origin, "file") == 0;
    if (premade) {
        if ((r = premade_key(run, row.cert.p, row.cert.len, &k)) != ZTO_OK)
            goto out;
        r = zto_key_private_der(&k.key, key, sizeof(key), &kl);
        owner_key_free(&k);
        if (r != ZTO_OK)
            goto out;
    } else {
        if (st->blob_len == 0) {
            snprintf(run->why, run->whycap, MOD ": generated key lost");
            r = ZTO_E_CORRUPT;
            goto out;
        }
        memcpy(key, st->blob, st->blob_len);
        kl = st->blob_len;
    }
    p7cap = row.cert.len + 256;
    if ((p7 = malloc(p7cap)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    if (ca->bare) {
        memcpy(p7, row.cert.p, row.cert.len);
        p7_len = row.cert.len;
    } else {
        one = row.cert;
        if ((r = zto_p7_certs_encode(&one, 1, p7, p7cap, &p7_len)) != ZTO_OK)
            goto out;
    }
    bl = zto_csr_mime_len(kl, p7_len);
    if ((body = malloc(bl + 1)) == NULL) {
        r = ZTO_E_NOMEM;
        goto out;
    }
    if ((r = zto_csr_mime_encode(key, kl, p7, p7_len, body, bl + 1, &bl)) ==
        ZTO_OK)
        r = put_b64(out, answer_msg[A_KEYGEN], (const uint8_t *)body, bl);
out:
    zto_zeroize(key, sizeof(key));
    if (body != NULL) {
        zto_zeroize(body, bl);
        free(body);
    }
    free(p7);
    free(der);
    return r;
}

/* One pending answer; *full when it did not fit this message. */
static zto_err_t
answer(struct svi_run *run, struct svi_out *out, uint64_t flag, bool *full)
{
    struct svi_step *st = run->st;
    uint8_t v[16], *der = NULL;
    size_t n = 0;
    struct zto_cbor_enc e;
    const char *what;
    zto_err_t r;

    if (flag == F_ERROR) {
        what = "error";
        zto_cbor_enc_init(&e, v, sizeof(v));
        zto_cbor_put_uint(&e, st->u[U_ERROR]);
        if ((r = zto_cbor_enc_finish(&e, &n)) == ZTO_OK)
            r = svi_out_put(out, MOD, "error", v, n);
    } else if (flag == F_CACERTS) {
        what = "cacerts-res";
        if ((r = bundle_der(run->o->csr_ca, st->u[U_FORMAT], &der, &n)) ==
            ZTO_OK)
            r = put_b64(out, "cacerts-res", der, n);
        free(der);
    } else {
        what = answer_msg[st->u[U_ANSWER] <= A_KEYGEN ? st->u[U_ANSWER] : 0];
        r = put_cert(run, out);
    }
    if (r == ZTO_E_BUF_TOO_SMALL) {
        if (out->count == 0) {
            snprintf(run->why, run->whycap,
                     MOD ":%s does not fit the device's ServiceInfo limit "
                         "(%zu bytes): let the device accept more "
                         "(fdo-device --svi-size)",
                     what, out->budget);
            return ZTO_E_LIMIT;
        }
        *full = true;
        return ZTO_OK;
    }
    if (r != ZTO_OK)
        return r;
    st->u[U_FLAGS] &= ~flag;
    if (flag == F_CERT) {
        st->u[U_FLAGS] |= F_DELIVERED;
        zto_zeroize(st->blob, sizeof(st->blob));
        st->blob_len = 0;
    }
    return ZTO_OK;
}

static zto_err_t
produce(struct svi_run *run, struct svi_out *out, bool *more, bool *done)
{
    static const uint64_t order[] = {F_ERROR, F_CACERTS, F_CERT};
    struct svi_step *st = run->st;
    bool full = false;
    char g[33];
    size_t i;
    zto_err_t r;

    *more = false;
    *done = false;
    if ((r = need_ca(run)) != ZTO_OK)
        return r;
    if ((st->u[U_FLAGS] & F_STARTED) == 0) {
        /* "active" is in this message: the device speaks next. */
        st->u[U_FLAGS] |= F_STARTED;
        return ZTO_OK;
    }
    if ((st->u[U_FLAGS] & (F_ERROR | F_CACERTS | F_CERT)) == 0) {
        if (++st->u[U_IDLE] <= IDLE_MAX)
            return ZTO_OK;
        if (st->optional) {
            owner_logf(run->o, OWNER_LOG_WARN,
                       "GUID %s: " MOD ": the device asked for no "
                       "certificate; optional step given up",
                       owner_guid_hex(run->guid, g));
            *done = true;
            return ZTO_OK;
        }
        snprintf(run->why, run->whycap,
                 MOD ": the device asked for no certificate (%d rounds "
                     "without simpleenroll-req or serverkeygen-req)",
                 IDLE_MAX);
        return ZTO_E_SVI;
    }
    st->u[U_IDLE] = 0;
    for (i = 0; i < sizeof(order) / sizeof(order[0]) && !full; i++) {
        if ((st->u[U_FLAGS] & order[i]) == 0)
            continue;
        if ((r = answer(run, out, order[i], &full)) != ZTO_OK)
            return r;
    }
    /* What did not fit goes next round, before the device answers. */
    *more = full;
    *done = (st->u[U_FLAGS] & F_DELIVERED) != 0 &&
            (st->u[U_FLAGS] & (F_ERROR | F_CACERTS | F_CERT)) == 0;
    return ZTO_OK;
}

const struct svi_kind svi_kind_csr = {
    "csr", MOD, check, start, receive, produce,
};

int64_t
svi_csr_last_row(const struct svi_state *sv)
{
    int64_t row = 0;
    size_t i;

    for (i = 0; i < sv->nsteps; i++)
        if (strcmp(sv->step[i].kind, svi_kind_csr.kind) == 0 &&
            sv->step[i].u[U_ROW] > (uint64_t)row &&
            sv->step[i].u[U_ROW] <= INT64_MAX)
            row = (int64_t)sv->step[i].u[U_ROW];
    return row;
}

/* ---- the operator's list ---- */

static int
cert_line(void *ctx, const struct zto_db_cert *c)
{
    FILE *out = ctx;
    char g[33], until[32];

    fprintf(out, "%lld  %s  %s  %-12s  until %s  %s\n", (long long)c->id,
            owner_guid_hex(&c->guid, g), c->serial, c->origin,
            utc(c->not_after, until, sizeof(until)), c->subject);
    return 0;
}

zto_err_t
owner_certs_list(struct owner *o, const struct zto_guid *guid, FILE *out)
{
    return zto_db_owner_cert_list(o->db, guid, cert_line, out);
}
