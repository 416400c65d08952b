/*
 * conf.c - fdo-owner's configuration file (deploy/owner.conf.example
 * documents every option) and turning it into a struct owner.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owner_conf.h"
#include "owner_hook.h"
#include "svi_csr.h"
#include "zto_log.h"

#define KW(name, type, field, def, min, max, req, help)                        \
    {                                                                          \
        name, type, offsetof(struct owner_conf, field), def, min, max, 0, req, \
            false, help                                                        \
    }

static const struct zto_conf_kw owner_kw[] = {
    ZTO_SRV_CONF_KW(struct owner_conf, srv, "http://[::]:8042"),
    KW("db", ZTO_CONF_STR, db, NULL, 0, 0, true,
       "SQLite database file (created if missing)"),
    KW("db_sync", ZTO_CONF_BOOL, db_sync, "yes", 0, 0, false,
       "fsync every commit (survives power loss)"),
    KW("log_level", ZTO_CONF_STR, log_level, "info", 0, 0, false,
       "err, warn, info or debug"),
    KW("log_target", ZTO_CONF_STR, log_target, "auto", 0, 0, false,
       "auto (journald or stderr), stderr or syslog"),
    KW("owner_keys", ZTO_CONF_STR, owner_keys, NULL, 0, 0, true,
       "PEM private keys of this owner, separated by spaces"),
    KW("owner2_key", ZTO_CONF_STR, owner2_key, NULL, 0, 0, false,
       "PEM private key for Owner2Key (default: the voucher's owner key)"),
    KW("device_ca", ZTO_CONF_STR, device_ca, NULL, 0, 0, false,
       "PEM files of trusted device CA certificates, separated by spaces"),
    KW("replacement_rv", ZTO_CONF_STR, replacement_rv, NULL, 0, 0, false,
       "RendezvousInfo given to onboarded devices (default: unchanged)"),
    KW("credential_reuse", ZTO_CONF_BOOL, reuse, "no", 0, 0, false,
       "offer devices to keep their credential (section 9.4)"),
    KW("session_ttl", ZTO_CONF_INT, session_ttl, "600", 10, 86400, false,
       "seconds a TO2 session survives without a message"),
    KW("device_svi_mtu", ZTO_CONF_INT, device_svi_mtu, "0", 0, 65535, false,
       "maxDeviceServiceInfoSz sent in 67 (0: null, meaning 1300)"),
    KW("svi_max_rounds", ZTO_CONF_INT, svi_max_rounds, "100000", 1, 1000000,
       false, "DeviceServiceInfo messages allowed per TO2"),
    KW("svi_dir", ZTO_CONF_STR, svi_dir, NULL, 0, 0, false,
       "base directory of relative file names in the ServiceInfo plan"),
    KW("svi_upload_dir", ZTO_CONF_STR, svi_upload_dir, NULL, 0, 0, false,
       "where upload steps store files: DIR/GUID/NAME"),
    KW("svi_upload_max", ZTO_CONF_INT, svi_upload_max, "16777216", 0,
       4294967295LL, false, "largest file (bytes) an upload step accepts"),
    KW("svi_output_max", ZTO_CONF_INT, svi_output_max, "65536", 0, 16777216,
       false, "bytes of a command's stdout/stderr logged per step"),
    KW("csr_ca_chain", ZTO_CONF_STR, csr_ca_chain, NULL, 0, 0, false,
       "fdo.csr: PEM issuing CA certificate, then its issuers"),
    KW("csr_ca_key", ZTO_CONF_STR, csr_ca_key, NULL, 0, 0, false,
       "fdo.csr: PEM private key of the issuing CA (mode 0600)"),
    KW("csr_ca_bundle", ZTO_CONF_STR, csr_ca_bundle, NULL, 0, 0, false,
       "fdo.csr: more PEM CA certificates for the devices' bundle"),
    KW("csr_days", ZTO_CONF_INT, csr_days, "365", 1, 36500, false,
       "fdo.csr: validity of issued certificates in days"),
    KW("csr_subject", ZTO_CONF_STR, csr_subject, "guid", 0, 0, false,
       "fdo.csr: guid (CN = device GUID) or csr (the request's subject)"),
    KW("csr_serverkeygen", ZTO_CONF_BOOL, csr_serverkeygen, "yes", 0, 0, false,
       "fdo.csr: generate keys for devices that ask (serverkeygen)"),
    KW("csr_bare_certs", ZTO_CONF_BOOL, csr_bare_certs, "no", 0, 0, false,
       "fdo.csr: bare DER certificates instead of PKCS#7 (go-fdo devices)"),
    KW("to2_addresses", ZTO_CONF_STR, to2_addresses, NULL, 0, 0, false,
       "URLs where devices reach this owner (registered by TO0)"),
    KW("to0", ZTO_CONF_BOOL, to0, "yes", 0, 0, false,
       "register vouchers at their rendezvous servers"),
    KW("to0_wait_seconds", ZTO_CONF_INT, to0_wait, "86400", 60, 4294967295LL,
       false, "registration lifetime asked for"),
    KW("to0_renew_percent", ZTO_CONF_INT, to0_renew, "80", 1, 99, false,
       "re-register after this share of the granted time"),
    KW("to0_retry_first", ZTO_CONF_INT, to0_retry_first, "10", 1, 86400, false,
       "seconds before the first retry after a failure"),
    KW("to0_retry_max", ZTO_CONF_INT, to0_retry_max, "3600", 1, 86400, false,
       "longest wait between retries (doubling up to it)"),
    KW("to0_poll", ZTO_CONF_INT, to0_poll, "5", 1, 3600, false,
       "seconds between looks for due registrations and new vouchers"),
    KW("transport_insecure", ZTO_CONF_BOOL, insecure, "no", 0, 0, false,
       "TO0 over https/coaps: accept any server certificate (tests)"),
    KW("transport_ca", ZTO_CONF_STR, transport_ca, NULL, 0, 0, false,
       "TO0 over https/coaps: trusted CAs (PEM; default system store)"),
    KW("onboarded_hook", ZTO_CONF_STR, onboarded_hook, NULL, 0, 0, false,
       "program run (no shell) for every completed onboarding"),
    KW("onboarded_hook_timeout", ZTO_CONF_INT, onboarded_hook_timeout, "30", 1,
       3600, false, "seconds onboarded_hook may run before SIGKILL"),
    KW("onboarded_hook_retries", ZTO_CONF_INT, onboarded_hook_retries, "5", 0,
       100, false,
       "retries of a failed onboarded_hook (waits double from 5 s)"),
    ZTO_ADMIN_CONF_KW(struct owner_conf, admin),
};
#define NKW (sizeof(owner_kw) / sizeof(owner_kw[0]))

zto_err_t
owner_conf_load(struct owner_conf *c, const char *path, char *err,
                size_t errcap)
{
    zto_err_t r;

    memset(c, 0, sizeof(*c));
    if ((r = zto_conf_parse_file(owner_kw, NKW, c, path, err, errcap)) !=
            ZTO_OK ||
        (r = zto_conf_fill_defaults(owner_kw, NKW, c, err, errcap)) != ZTO_OK ||
        (r = zto_conf_check_log(&c->log_level, &c->log_target, path, err,
                                errcap)) != ZTO_OK)
        owner_conf_free(c);
    return r;
}

void
owner_conf_print(const struct owner_conf *c, FILE *out)
{
    zto_conf_print(owner_kw, NKW, c, out);
}

void
owner_conf_free(struct owner_conf *c)
{
    zto_conf_free(owner_kw, NKW, c);
}

size_t
owner_conf_reload(struct owner_conf *live, struct owner_conf *fresh,
                  void (*restart)(void *ctx, const char *name), void *ctx,
                  size_t *applied)
{
    static const char *const reloadable[] = {
        "log_level",          "device_ca",
        "replacement_rv",     "credential_reuse",
        "session_ttl",        "device_svi_mtu",
        "svi_max_rounds",     "svi_dir",
        "admin_token_sha256", NULL,
    };
    size_t n = zto_conf_reload(owner_kw, NKW, live, fresh, reloadable, restart,
                               ctx, applied);

    owner_conf_free(fresh);
    return n;
}

/* Call fn for each space-separated word of s. */
static zto_err_t
each_word(const char *s, zto_err_t (*fn)(void *, const char *), void *ctx)
{
    char word[4096];
    size_t n;
    zto_err_t r;

    while (s != NULL && *s != '\0') {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        n = strcspn(s, " \t,");
        if (n == 0)
            break;
        if (n >= sizeof(word))
            return ZTO_E_CONFIG;
        memcpy(word, s, n);
        word[n] = '\0';
        if ((r = fn(ctx, word)) != ZTO_OK)
            return r;
        s += n;
    }
    return ZTO_OK;
}

struct apply_ctx {
    struct owner *o;
    char *err;
    size_t errcap;
};

static zto_err_t
add_key(void *ctx, const char *path)
{
    struct apply_ctx *a = ctx;
    struct owner_key k;
    zto_err_t r;

    if ((r = owner_key_load(&k, path, a->err, a->errcap)) != ZTO_OK)
        return r;
    if ((r = owner_key_add(a->o, &k)) != ZTO_OK) {
        snprintf(a->err, a->errcap, "%s: %s", path,
                 r == ZTO_E_EXISTS ? "the same key is listed twice"
                                   : "too many owner keys");
        owner_key_free(&k);
    }
    return r;
}

static zto_err_t
add_roots(void *ctx, const char *path)
{
    struct apply_ctx *a = ctx;
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    uint8_t der[8192];
    size_t len = 0, pos = 0, n = 0, count = 0;
    long sz;
    zto_err_t r = ZTO_OK;

    if (f == NULL) {
        snprintf(a->err, a->errcap, "device_ca %s: cannot open", path);
        return ZTO_E_CONFIG;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || sz > 1024 * 1024 ||
        fseek(f, 0, SEEK_SET) != 0 || (text = malloc((size_t)sz + 1)) == NULL ||
        (len = fread(text, 1, (size_t)sz, f)) != (size_t)sz) {
        snprintf(a->err, a->errcap, "device_ca %s: cannot read", path);
        r = ZTO_E_CONFIG;
        goto out;
    }
    while (zto_pem_find(text, len, &pos, "CERTIFICATE", der, sizeof(der), &n) ==
           ZTO_OK) {
        struct zto_key k;
        zto_key_init(&k);
        if (zto_key_from_cert_der(der, n, &k) != ZTO_OK) {
            snprintf(a->err, a->errcap,
                     "device_ca %s: certificate %zu "
                     "does not parse",
                     path, count + 1);
            r = ZTO_E_CONFIG;
            goto out;
        }
        zto_key_free(&k);
        if ((r = owner_root_add(a->o, der, n)) != ZTO_OK) {
            snprintf(a->err, a->errcap, "device_ca: too many certificates");
            goto out;
        }
        count++;
    }
    if (count == 0) {
        snprintf(a->err, a->errcap, "device_ca %s: no CERTIFICATE block", path);
        r = ZTO_E_CONFIG;
    }
out:
    free(text);
    fclose(f);
    return r;
}

zto_err_t
owner_conf_apply(const struct owner_conf *c, struct owner *o, char *err,
                 size_t errcap)
{
    struct apply_ctx a = {o, err, errcap};
    zto_err_t r;

    if ((r = each_word(c->owner_keys.v, add_key, &a)) != ZTO_OK)
        return r;
    if (o->nkeys == 0) {
        snprintf(err, errcap, "owner_keys: no key");
        return ZTO_E_CONFIG;
    }
    if (c->owner2_key.set) {
        if ((r = owner_key_load(&o->owner2_store, c->owner2_key.v, err,
                                errcap)) != ZTO_OK)
            return r;
        o->has_owner2 = true;
    }
    if (c->device_ca.set &&
        (r = each_word(c->device_ca.v, add_roots, &a)) != ZTO_OK)
        return r;
    if (c->replacement_rv.set) {
        char why[200];
        if ((r = owner_rvinfo_parse(c->replacement_rv.v, o->rvinfo,
                                    sizeof(o->rvinfo), &o->rvinfo_len, why,
                                    sizeof(why))) != ZTO_OK) {
            snprintf(err, errcap, "replacement_rv: %s", why);
            return r;
        }
    }
    o->reuse = c->reuse.v;
    o->session_ttl = (unsigned)c->session_ttl.v;
    o->device_svi_mtu = (uint16_t)c->device_svi_mtu.v;
    o->svi_max_rounds = (uint32_t)c->svi_max_rounds.v;
    if (c->svi_dir.set)
        snprintf(o->svi_dir, sizeof(o->svi_dir), "%s", c->svi_dir.v);
    if (c->svi_upload_dir.set) {
        if (c->svi_upload_dir.v[0] == '\0' ||
            strlen(c->svi_upload_dir.v) >= sizeof(o->svi_upload_dir) - 40) {
            snprintf(err, errcap, "svi_upload_dir: empty or too long");
            return ZTO_E_CONFIG;
        }
        snprintf(o->svi_upload_dir, sizeof(o->svi_upload_dir), "%s",
                 c->svi_upload_dir.v);
    }
    if (c->onboarded_hook.set &&
        (r = owner_hook_check(c->onboarded_hook.v, err, errcap)) != ZTO_OK)
        return r;
    o->onboard_hook = c->onboarded_hook.set;
    o->svi_upload_max = (uint64_t)c->svi_upload_max.v;
    o->svi_output_max = (uint32_t)c->svi_output_max.v;
    if (c->csr_ca_chain.set) {
        struct svi_csr_conf cc;
        char why[400];
        memset(&cc, 0, sizeof(cc));
        cc.chain = c->csr_ca_chain.v;
        cc.key = c->csr_ca_key.set ? c->csr_ca_key.v : NULL;
        cc.bundle = c->csr_ca_bundle.set ? c->csr_ca_bundle.v : NULL;
        cc.days = (unsigned)c->csr_days.v;
        cc.subject = c->csr_subject.v;
        cc.keygen = c->csr_serverkeygen.v;
        cc.bare = c->csr_bare_certs.v;
        if ((r = svi_csr_setup(o, &cc, why, sizeof(why))) != ZTO_OK) {
            snprintf(err, errcap, "%s", why);
            return r;
        }
    } else if (c->csr_ca_key.set || c->csr_ca_bundle.set) {
        snprintf(err, errcap, "csr_ca_key and csr_ca_bundle need csr_ca_chain");
        return ZTO_E_CONFIG;
    }
    if (c->to2_addresses.set) {
        struct zto_rvto2addr addr;
        char hosts[ZTO_MAX_RVTO2_ENTRIES * ZTO_HOST_MAX], why[200];
        if ((r = owner_rvto2addr_parse(c->to2_addresses.v, &addr, hosts,
                                       sizeof(hosts), why, sizeof(why))) !=
            ZTO_OK) {
            snprintf(err, errcap, "to2_addresses: %s", why);
            return r;
        }
    } else if (c->to0.v) {
        /* Default: the listeners, when they name concrete addresses. */
        size_t i;
        bool concrete = false;
        for (i = 0; i < c->srv.listen.n; i++) {
            const char *h = c->srv.listen.v[i].host;
            if (h[0] != '\0' && strcmp(h, "::") != 0 &&
                strcmp(h, "0.0.0.0") != 0 && strcmp(h, "*") != 0)
                concrete = true;
        }
        if (!concrete) {
            snprintf(err, errcap,
                     "to2_addresses is required with to0 = yes when the "
                     "listeners name no concrete address (where devices "
                     "find this owner)");
            return ZTO_E_CONFIG;
        }
    }
    return ZTO_OK;
}
