/*
 * rv_admin.c - the rendezvous server's admin API routes
 * (docs/admin-api.md, docs/api/openapi.yaml):
 *
 * Under /api/v1/rendezvous:
 *   GET    /registrations                 live registrations (paged)
 *   GET    /registrations/{guid}          one
 *   DELETE /registrations/{guid}          revoke it
 *   GET    /trust                         the trust policy
 *   POST   /trust/{list}                  add a key (PEM body)
 *   DELETE /trust/{list}/{sha256}         remove a key added here
 *
 * {list} is owner-keys or manufacturer-keys. Registrations show hashes of
 * the keys and the size of to1d, never the keys or the blob.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rv_admin.h"
#include "zto/zto_db_admin.h"
#include "zto_log.h"

#define LIST_DEF 100
#define LIST_MAX 1000

static const char *const list_path[2] = {"owner-keys", "manufacturer-keys"};
static const char *const list_conf[2] = {"trusted_owner_keys",
                                         "trusted_manufacturer_keys"};

static int64_t
now_of(const struct rv_admin *ra)
{
    return ra->now != NULL ? ra->now() : (int64_t)time(NULL);
}

/* ---- policy ---- */

static size_t
policy_count(const struct zto_rv_policy *p, int list)
{
    return list == ZTO_RV_TRUST_OWNER ? p->nowner : p->nmfg;
}

static const struct zto_key *
policy_key(const struct zto_rv_policy *p, int list, size_t i)
{
    return list == ZTO_RV_TRUST_OWNER ? &p->owner[i] : &p->mfg[i];
}

struct merge_ctx {
    struct zto_rv_policy *p;
    char *err;
    size_t errcap;
    unsigned skipped;
};

static zto_err_t
merge_one(void *ctx, const struct zto_db_rv_trust *t)
{
    struct merge_ctx *m = ctx;
    char *pem;
    size_t cap = zto_pem_len("PUBLIC KEY", t->spki.len) + 1, n = 0;
    zto_err_t r;

    if (!m->p->has_list[t->list]) {
        m->skipped++;
        return ZTO_OK;
    }
    if ((pem = malloc(cap)) == NULL)
        return ZTO_E_NOMEM;
    r = zto_pem_encode("PUBLIC KEY", t->spki.p, t->spki.len, pem, cap, &n);
    if (r == ZTO_OK)
        r = zto_rv_policy_add_pem(m->p, t->list, pem, n, "database entry",
                                  m->err, m->errcap);
    free(pem);
    return r;
}

zto_err_t
rv_admin_merge(struct rv_admin *ra, struct zto_rv_policy *p, char *err,
               size_t errcap)
{
    struct merge_ctx m;
    zto_err_t r;

    size_t nowner = p->nowner, nmfg = p->nmfg;

    memset(&m, 0, sizeof(m));
    m.p = p;
    m.err = err;
    m.errcap = errcap;
    if ((r = zto_db_rv_trust_list(ra->db, -1, merge_one, &m)) != ZTO_OK) {
        if (err[0] == '\0')
            snprintf(err, errcap, "trust entries of the database: %s",
                     zto_strerror(r));
        return r;
    }
    /* p is what will run: its first entries came from the files. */
    ra->nfile[ZTO_RV_TRUST_OWNER] = nowner;
    ra->nfile[ZTO_RV_TRUST_MFG] = nmfg;
    if (m.skipped > 0)
        log_warn("trust policy: %u entr%s of the database extend%s a list "
                 "the configuration does not declare and %s ignored",
                 m.skipped, m.skipped == 1 ? "y" : "ies",
                 m.skipped == 1 ? "s" : "", m.skipped == 1 ? "is" : "are");
    return ZTO_OK;
}

/* Files + database again, then replace the running policy. */
static zto_err_t
rebuild(struct rv_admin *ra, char *err, size_t errcap)
{
    struct zto_rv_policy p;
    zto_err_t r;

    err[0] = '\0';
    if ((r = rv_conf_policy(ra->conf, &p, err, errcap)) != ZTO_OK)
        return r;
    if ((r = rv_admin_merge(ra, &p, err, errcap)) != ZTO_OK) {
        zto_rv_policy_free(&p);
        return r;
    }
    zto_rv_policy_free(ra->policy);
    *ra->policy = p;
    return ZTO_OK;
}

/* ---- registrations ---- */

static void
reg_json(struct zto_json *w, const struct zto_db_rv_reg_info *r)
{
    char g[33];

    zto_json_obj(w);
    zto_json_kstr(w, "guid", zto_admin_guid_str(&r->guid, g));
    zto_json_ktime(w, "expires", r->expires);
    zto_json_khex(w, "owner_key_sha256", r->owner_key_hash,
                  sizeof(r->owner_key_hash));
    zto_json_khex(w, "device_key_sha256", r->device_key_hash,
                  sizeof(r->device_key_hash));
    zto_json_kuint(w, "to1d_bytes", r->to1d_len);
    zto_json_obj_end(w);
}

static zto_err_t
reg_one(void *ctx, const struct zto_db_rv_reg_info *r)
{
    reg_json(ctx, r);
    return ZTO_OK;
}

static void
regs_list(void *ctx, const struct zto_admin_req *req,
          struct zto_admin_resp *resp)
{
    struct rv_admin *ra = ctx;
    struct zto_json *w;
    int64_t limit, offset, total = 0;
    zto_err_t r;

    if (zto_admin_query_int(req, "limit", LIST_DEF, 1, LIST_MAX, &limit) !=
            ZTO_OK ||
        zto_admin_query_int(req, "offset", 0, 0, INT64_MAX, &offset) !=
            ZTO_OK) {
        zto_admin_error(resp, 400, "bad_query", "limit: 1..%d, offset: >= 0",
                        LIST_MAX);
        return;
    }
    w = zto_admin_json(resp, 200);
    zto_json_obj(w);
    zto_json_karr(w, "registrations");
    r = zto_db_rv_reg_page(ra->db, now_of(ra), offset, limit, reg_one, w,
                           &total);
    zto_json_arr_end(w);
    zto_json_kint(w, "total", total);
    zto_json_kint(w, "offset", offset);
    zto_json_kint(w, "limit", limit);
    zto_json_obj_end(w);
    if (r != ZTO_OK) {
        log_err_r(r, "admin: listing registrations");
        zto_admin_error(resp, 500, "db_error",
                        "the registrations are unavailable");
    }
}

static bool
path_guid(const struct zto_admin_req *req, struct zto_admin_resp *resp,
          struct zto_guid *g)
{
    if (zto_admin_guid_parse(req->param[0], g) == ZTO_OK)
        return true;
    zto_admin_error(resp, 400, "bad_guid", "'%s' is not a GUID (32 hex digits)",
                    req->param[0]);
    return false;
}

static bool
reg_of(struct rv_admin *ra, const struct zto_admin_req *req,
       struct zto_admin_resp *resp, struct zto_guid *g,
       struct zto_db_rv_reg_info *ri)
{
    zto_err_t r;

    if (!path_guid(req, resp, g))
        return false;
    r = zto_db_rv_reg_info(ra->db, g, now_of(ra), ri);
    if (r == ZTO_OK)
        return true;
    if (r == ZTO_E_NOT_FOUND) {
        zto_admin_error(resp, 404, "unknown_guid",
                        "no live registration for %s", req->param[0]);
    } else {
        log_err_r(r, "admin: registration %s", req->param[0]);
        zto_admin_error(resp, 500, "db_error",
                        "reading the registration "
                        "failed");
    }
    return false;
}

static void
reg_get(void *ctx, const struct zto_admin_req *req, struct zto_admin_resp *resp)
{
    struct zto_db_rv_reg_info ri;
    struct zto_guid g;

    if (reg_of(ctx, req, resp, &g, &ri))
        reg_json(zto_admin_json(resp, 200), &ri);
}

static void
reg_del(void *ctx, const struct zto_admin_req *req, struct zto_admin_resp *resp)
{
    struct rv_admin *ra = ctx;
    struct zto_db_rv_reg_info ri;
    struct zto_guid g;
    zto_err_t r;

    if (!reg_of(ra, req, resp, &g, &ri))
        return;
    if ((r = zto_db_rv_del(ra->db, &g)) != ZTO_OK) {
        log_err_r(r, "admin: deleting registration %s", req->param[0]);
        zto_admin_error(resp, 500, "db_error", "deleting failed");
        return;
    }
    log_info("admin %s: registration %s revoked", req->principal,
             req->param[0]);
    if (zto_admin_body(resp, 204, "application/json", "", 0) != ZTO_OK)
        zto_admin_error(resp, 500, "internal", "out of memory");
}

/* ---- trust ---- */

struct trust_ctx {
    struct zto_json *w;
    int list;
    bool effective;
};

static zto_err_t
api_entry(void *ctx, const struct zto_db_rv_trust *t)
{
    struct trust_ctx *tc = ctx;
    struct zto_key k;
    char type[32] = "unknown";

    zto_key_init(&k);
    if (zto_key_from_spki_der(t->spki.p, t->spki.len, &k) == ZTO_OK)
        zto_admin_key_type(&k, type, sizeof(type));
    zto_key_free(&k);
    zto_json_obj(tc->w);
    zto_json_khex(tc->w, "sha256", t->key_hash, sizeof(t->key_hash));
    zto_json_kstr(tc->w, "type", type);
    zto_json_kstr(tc->w, "source", "api");
    zto_json_ktime(tc->w, "added", t->added);
    zto_json_kstr(tc->w, "note", t->note);
    zto_json_kbool(tc->w, "effective", tc->effective);
    zto_json_obj_end(tc->w);
    return ZTO_OK;
}

static zto_err_t
list_json(struct rv_admin *ra, struct zto_json *w, int list)
{
    const struct zto_rv_policy *p = ra->policy;
    struct trust_ctx tc;
    size_t i, nf = ra->nfile[list];
    char type[32];

    zto_json_kobj(w, list == ZTO_RV_TRUST_OWNER ? "owner_keys"
                                                : "manufacturer_keys");
    zto_json_kbool(w, "configured", p->has_list[list]);
    zto_json_karr(w, "keys");
    for (i = 0; i < nf && i < policy_count(p, list); i++) {
        const struct zto_key *k = policy_key(p, list, i);
        uint8_t fp[32];

        if (zto_admin_key_sha256(k, fp) != ZTO_OK)
            continue;
        zto_json_obj(w);
        zto_json_khex(w, "sha256", fp, sizeof(fp));
        zto_json_kstr(w, "type", zto_admin_key_type(k, type, sizeof(type)));
        zto_json_kstr(w, "source", "config");
        zto_json_kbool(w, "effective", true);
        zto_json_obj_end(w);
    }
    tc.w = w;
    tc.list = list;
    tc.effective = p->has_list[list];
    if (zto_db_rv_trust_list(ra->db, list, api_entry, &tc) != ZTO_OK)
        return ZTO_E_DB;
    zto_json_arr_end(w);
    zto_json_obj_end(w);
    return ZTO_OK;
}

static void
trust_get(void *ctx, const struct zto_admin_req *req,
          struct zto_admin_resp *resp)
{
    struct rv_admin *ra = ctx;
    struct zto_json *w = zto_admin_json(resp, 200);

    (void)req;
    zto_json_obj(w);
    zto_json_kbool(w, "allow_all", ra->policy->allow_all);
    if (list_json(ra, w, ZTO_RV_TRUST_OWNER) != ZTO_OK ||
        list_json(ra, w, ZTO_RV_TRUST_MFG) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "trust entries unavailable");
        return;
    }
    zto_json_kobj(w, "device_cas");
    zto_json_kbool(w, "configured",
                   ra->policy->has_list[ZTO_RV_TRUST_DEVICE_CA]);
    zto_json_kuint(w, "count", ra->policy->nroots);
    zto_json_obj_end(w);
    zto_json_obj_end(w);
}

/* The list named by path segment 0, or a 404. */
static bool
list_of(const struct zto_admin_req *req, struct zto_admin_resp *resp, int *list)
{
    if (strcmp(req->param[0], list_path[0]) == 0) {
        *list = ZTO_RV_TRUST_OWNER;
        return true;
    }
    if (strcmp(req->param[0], list_path[1]) == 0) {
        *list = ZTO_RV_TRUST_MFG;
        return true;
    }
    zto_admin_error(resp, 404, "unknown_list",
                    "no trust list '%s' (owner-keys, manufacturer-keys)",
                    req->param[0]);
    return false;
}

static bool
in_policy(const struct rv_admin *ra, int list, const uint8_t fp[32],
          size_t *index)
{
    size_t i;

    for (i = 0; i < policy_count(ra->policy, list); i++) {
        uint8_t h[32];
        if (zto_admin_key_sha256(policy_key(ra->policy, list, i), h) ==
                ZTO_OK &&
            memcmp(h, fp, 32) == 0) {
            *index = i;
            return true;
        }
    }
    return false;
}

static void
trust_add(void *ctx, const struct zto_admin_req *req,
          struct zto_admin_resp *resp)
{
    struct rv_admin *ra = ctx;
    const char *note = zto_admin_query(req, "note");
    struct zto_json *w;
    struct zto_key k;
    uint8_t fp[32], der[4096];
    char err[512], type[32];
    size_t n = 0, idx;
    int list = 0;
    zto_err_t r;

    zto_key_init(&k);
    if (!list_of(req, resp, &list))
        return;
    if (note != NULL && strlen(note) > ZTO_DB_RV_NOTE_MAX) {
        zto_admin_error(resp, 400, "bad_query", "note: at most %d bytes",
                        ZTO_DB_RV_NOTE_MAX);
        return;
    }
    r = zto_admin_pubkey_pem(req->body, req->len, &k, fp);
    if (r == ZTO_E_PERM) {
        zto_admin_error(resp, 400, "private_key_refused",
                        "send a public key or certificate, never a private "
                        "key");
        goto out;
    }
    if (r != ZTO_OK || zto_key_spki_der(&k, der, sizeof(der), &n) != ZTO_OK) {
        zto_admin_error(resp, 400, "bad_key",
                        "expected a PEM public key or certificate");
        goto out;
    }
    if (!ra->policy->has_list[list]) {
        zto_admin_error(resp, 409, "list_not_configured",
                        "the configuration declares no %s list%s; set %s "
                        "(an empty directory will do) to manage it here",
                        list_path[list],
                        ra->policy->allow_all ? " (allow_all is set)" : "",
                        list_conf[list]);
        goto out;
    }
    if (in_policy(ra, list, fp, &idx)) {
        zto_admin_error(resp, 409, "already_trusted",
                        "this key is already in the %s list (%s)",
                        list_path[list],
                        idx < ra->nfile[list] ? "configuration" : "API");
        goto out;
    }
    r = zto_db_rv_trust_add(ra->db, list, fp, der, n, now_of(ra),
                            note != NULL ? note : "");
    if (r != ZTO_OK) {
        if (r == ZTO_E_EXISTS)
            zto_admin_error(resp, 409, "already_trusted",
                            "this key is already in the %s list",
                            list_path[list]);
        else
            zto_admin_error(resp, 500, "db_error", "storing the key failed");
        goto out;
    }
    if ((r = rebuild(ra, err, sizeof(err))) != ZTO_OK) {
        /* The files may have changed under us: undo, report. */
        if (zto_db_rv_trust_del(ra->db, list, fp) != ZTO_OK)
            log_err("admin: could not undo a trust entry");
        log_err("admin: trust policy not rebuilt: %s", err);
        zto_admin_error(resp, 500, "policy_error",
                        "the trust policy could not be rebuilt: %s", err);
        goto out;
    }
    log_info("admin %s: %s key %02x%02x%02x%02x... trusted", req->principal,
             list_path[list], fp[0], fp[1], fp[2], fp[3]);
    w = zto_admin_json(resp, 201);
    zto_json_obj(w);
    zto_json_khex(w, "sha256", fp, sizeof(fp));
    zto_json_kstr(w, "type", zto_admin_key_type(&k, type, sizeof(type)));
    zto_json_kstr(w, "source", "api");
    zto_json_ktime(w, "added", now_of(ra));
    zto_json_kstr(w, "note", note != NULL ? note : "");
    zto_json_kbool(w, "effective", true);
    zto_json_obj_end(w);
out:
    zto_key_free(&k);
}

static void
trust_del(void *ctx, const struct zto_admin_req *req,
          struct zto_admin_resp *resp)
{
    struct rv_admin *ra = ctx;
    uint8_t fp[32];
    char err[512];
    size_t n = 0, idx;
    int list = 0;
    zto_err_t r;

    if (!list_of(req, resp, &list))
        return;
    if (strlen(req->param[1]) != 64 ||
        zto_hex_decode(req->param[1], 64, fp, sizeof(fp), &n) != ZTO_OK) {
        zto_admin_error(resp, 400, "bad_key_hash",
                        "expected the key's SHA-256 (64 hex digits)");
        return;
    }
    r = zto_db_rv_trust_del(ra->db, list, fp);
    if (r == ZTO_E_NOT_FOUND) {
        if (in_policy(ra, list, fp, &idx) && idx < ra->nfile[list])
            zto_admin_error(resp, 409, "config_entry",
                            "this key comes from %s in the configuration: "
                            "remove it there and send SIGHUP",
                            list_conf[list]);
        else
            zto_admin_error(resp, 404, "not_found",
                            "no such key in the %s list", list_path[list]);
        return;
    }
    if (r != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "deleting the key failed");
        return;
    }
    if ((r = rebuild(ra, err, sizeof(err))) != ZTO_OK) {
        log_err("admin: trust policy not rebuilt: %s", err);
        zto_admin_error(resp, 500, "policy_error",
                        "removed from the database, but the running policy "
                        "could not be rebuilt (%s); send SIGHUP after fixing "
                        "the configuration",
                        err);
        return;
    }
    log_info("admin %s: %s key %.8s... no longer trusted", req->principal,
             list_path[list], req->param[1]);
    if (zto_admin_body(resp, 204, "application/json", "", 0) != ZTO_OK)
        zto_admin_error(resp, 500, "internal", "out of memory");
}

static const struct zto_admin_route routes[] = {
    {ZTO_ADMIN_GET, "/api/v1/rendezvous/registrations", 0, regs_list},
    {ZTO_ADMIN_GET, "/api/v1/rendezvous/registrations/{guid}", 0, reg_get},
    {ZTO_ADMIN_DELETE, "/api/v1/rendezvous/registrations/{guid}", 0, reg_del},
    {ZTO_ADMIN_GET, "/api/v1/rendezvous/trust", 0, trust_get},
    {ZTO_ADMIN_POST, "/api/v1/rendezvous/trust/{list}", ZTO_ADMIN_BODY_PEM,
     trust_add},
    {ZTO_ADMIN_DELETE, "/api/v1/rendezvous/trust/{list}/{sha256}", 0,
     trust_del},
};

zto_err_t
rv_admin_add_routes(struct zto_admin *a, struct rv_admin *ra)
{
    return zto_admin_add_routes(a, routes, sizeof(routes) / sizeof(routes[0]),
                                ra);
}

zto_err_t
rv_admin_db_check(void *ctx)
{
    struct rv_admin *ra = ctx;

    return zto_db_check(ra->db);
}
