/*
 * mfg_admin.c - the manufacturer's admin API routes (docs/admin-api.md,
 * docs/api/openapi.yaml):
 *
 * Under /api/v1/manufacturer:
 *   GET  /devices                  devices made (paged)
 *   GET  /devices/{guid}           one device
 *   GET  /vouchers/{guid}          its voucher, PEM
 *   POST /vouchers/{guid}/extend   PEM owner key -> extended PEM
 *   POST /vouchers/export          JSON {guids, owner_key?} -> PEM
 *
 * An extension is recorded with the owner key's hash; extending the same
 * voucher to another owner later is refused (409) unless the caller asks
 * with reassign=true, because a device must not end up with two owners.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfg_admin.h"
#include "zto/zto_db_admin.h"
#include "zto_log.h"
#include "zto_metrics.h"

#define LIST_DEF 100
#define LIST_MAX 1000
#define EXPORT_MAX 1000

static void
device_json(struct zto_json *w, const struct zto_db_mfg_device *d)
{
    char g[33];

    zto_json_obj(w);
    zto_json_kstr(w, "guid", zto_admin_guid_str(&d->row.guid, g));
    zto_json_kstr(w, "serial", d->row.serial);
    zto_json_kstr(w, "device_info", d->row.device_info);
    zto_json_ktime(w, "created", d->row.created);
    zto_json_kuint(w, "voucher_bytes", d->row.voucher_len);
    if (d->extended) {
        zto_json_kobj(w, "extended");
        zto_json_khex(w, "owner_key_sha256", d->owner_key,
                      sizeof(d->owner_key));
        zto_json_ktime(w, "first", d->first_extended);
        zto_json_ktime(w, "last", d->last_extended);
        zto_json_kint(w, "count", d->extensions);
        zto_json_obj_end(w);
    } else {
        zto_json_knull(w, "extended");
    }
    zto_json_obj_end(w);
}

static zto_err_t
list_one(void *ctx, const struct zto_db_mfg_device *d)
{
    device_json(ctx, d);
    return ZTO_OK;
}

static void
devices_list(void *ctx, const struct zto_admin_req *req,
             struct zto_admin_resp *resp)
{
    struct mfg *m = ctx;
    struct zto_json *w;
    int64_t limit, offset, since = 0, total = 0;
    const char *s = zto_admin_query(req, "since");
    zto_err_t r;

    if (zto_admin_query_int(req, "limit", LIST_DEF, 1, LIST_MAX, &limit) !=
            ZTO_OK ||
        zto_admin_query_int(req, "offset", 0, 0, INT64_MAX, &offset) !=
            ZTO_OK ||
        (s != NULL && zto_admin_time_parse(s, &since) != ZTO_OK)) {
        zto_admin_error(resp, 400, "bad_query",
                        "limit: 1..%d, offset: >= 0, since: Unix seconds or "
                        "RFC 3339 UTC",
                        LIST_MAX);
        return;
    }
    w = zto_admin_json(resp, 200);
    zto_json_obj(w);
    zto_json_karr(w, "devices");
    r = zto_db_mfg_device_page(m->db, since, offset, limit, list_one, w,
                               &total);
    zto_json_arr_end(w);
    zto_json_kint(w, "total", total);
    zto_json_kint(w, "offset", offset);
    zto_json_kint(w, "limit", limit);
    zto_json_obj_end(w);
    if (r != ZTO_OK) {
        log_err_r(r, "admin: listing devices");
        zto_admin_error(resp, 500, "db_error",
                        "the device list is "
                        "unavailable");
    }
}

/* The GUID of path segment 0, or a 400. */
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

/* The device of guid, or a 404/500 in resp. */
static bool
device_of(struct mfg *m, const struct zto_guid *g, const char *text,
          struct zto_admin_resp *resp, struct zto_db_mfg_device *d)
{
    zto_err_t r = zto_db_mfg_device_get(m->db, g, d);

    if (r == ZTO_OK)
        return true;
    if (r == ZTO_E_NOT_FOUND) {
        zto_admin_error(resp, 404, "unknown_guid", "no device %s", text);
    } else {
        log_err_r(r, "admin: reading device %s", text);
        zto_admin_error(resp, 500, "db_error", "reading the device failed");
    }
    return false;
}

static void
device_get(void *ctx, const struct zto_admin_req *req,
           struct zto_admin_resp *resp)
{
    struct mfg *m = ctx;
    struct zto_db_mfg_device d;
    struct zto_guid g;

    if (!path_guid(req, resp, &g) || !device_of(m, &g, req->param[0], resp, &d))
        return;
    device_json(zto_admin_json(resp, 200), &d);
}

static void
voucher_get(void *ctx, const struct zto_admin_req *req,
            struct zto_admin_resp *resp)
{
    struct mfg *m = ctx;
    struct zto_db_mfg_device d;
    struct zto_guid g;
    char err[256], *pem = NULL;
    size_t n = 0;
    zto_err_t r;

    if (!path_guid(req, resp, &g) || !device_of(m, &g, req->param[0], resp, &d))
        return;
    if ((r = mfg_export(m, &g, NULL, 0, &pem, &n, err, sizeof(err))) !=
        ZTO_OK) {
        log_err_r(r, "admin: voucher %s: %s", req->param[0], err);
        zto_admin_error(resp, 500, "internal", "%s", err);
        return;
    }
    if (zto_admin_body(resp, 200, "application/x-pem-file", pem, n) == ZTO_OK)
        zto_metrics_inc(ZTO_METRIC_VOUCHERS_EXPORTED);
    free(pem);
}

/* The owner key of a PEM text, or a 400 in resp. */
static bool
owner_key_of(const char *pem, size_t len, struct zto_admin_resp *resp,
             struct zto_key *k, uint8_t fp[32])
{
    zto_err_t r = zto_admin_pubkey_pem(pem, len, k, fp);

    if (r == ZTO_OK)
        return true;
    if (r == ZTO_E_PERM)
        zto_admin_error(resp, 400, "private_key_refused",
                        "send the next owner's public key or certificate, "
                        "never a private key");
    else
        zto_admin_error(resp, 400, "bad_owner_key",
                        "expected a PEM public key or certificate chain");
    return false;
}

/* 409 if the voucher already went to another owner (and the caller did
 * not say reassign). */
static bool
may_extend(const struct zto_db_mfg_device *d, const uint8_t fp[32],
           bool reassign, const char *text, struct zto_admin_resp *resp)
{
    char hex[17];

    if (!d->extended || reassign ||
        memcmp(d->owner_key, fp, ZTO_DB_KEY_HASH_LEN) == 0)
        return true;
    if (zto_hex_encode(d->owner_key, 8, hex, sizeof(hex)) != ZTO_OK)
        hex[0] = '\0';
    zto_admin_error(resp, 409, "already_extended",
                    "voucher %s was extended to another owner (key "
                    "sha256 %s...); pass reassign=true to hand it to a "
                    "different owner",
                    text, hex);
    return false;
}

/* Extend one voucher and record it; PEM appended to resp's body. */
static bool
extend_one(struct mfg *m, const struct zto_guid *g, const char *text,
           const char *key_pem, size_t key_len, const uint8_t fp[32],
           struct zto_admin_resp *resp)
{
    char err[256], *pem = NULL;
    size_t n = 0;
    zto_err_t r;

    r = mfg_export(m, g, key_pem, key_len, &pem, &n, err, sizeof(err));
    if (r != ZTO_OK) {
        if (r == ZTO_E_NOT_FOUND) {
            zto_admin_error(resp, 404, "unknown_guid", "no device %s", text);
        } else if (r == ZTO_E_NOMEM || r == ZTO_E_DB || r == ZTO_E_IO) {
            log_err_r(r, "admin: extending %s: %s", text, err);
            zto_admin_error(resp, 500, "internal", "%s", err);
        } else {
            zto_admin_error(resp, 400, "owner_key_unusable", "%s: %s", text,
                            err);
        }
        return false;
    }
    if ((r = zto_db_mfg_extension_put(m->db, g, fp, mfg_now(m))) != ZTO_OK) {
        log_err_r(r, "admin: recording the extension of %s", text);
        zto_admin_error(resp, 500, "db_error",
                        "recording the extension "
                        "failed");
        free(pem);
        return false;
    }
    r = zto_admin_body_append(resp, pem, n);
    free(pem);
    if (r != ZTO_OK) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return false;
    }
    return true;
}

static void
voucher_extend(void *ctx, const struct zto_admin_req *req,
               struct zto_admin_resp *resp)
{
    struct mfg *m = ctx;
    struct zto_db_mfg_device d;
    struct zto_guid g;
    struct zto_key k;
    uint8_t fp[32];
    bool reassign = false;

    zto_key_init(&k);
    if (zto_admin_query_bool(req, "reassign", false, &reassign) != ZTO_OK) {
        zto_admin_error(resp, 400, "bad_query", "reassign: true or false");
        return;
    }
    if (!path_guid(req, resp, &g) ||
        !device_of(m, &g, req->param[0], resp, &d) ||
        !owner_key_of(req->body, req->len, resp, &k, fp) ||
        !may_extend(&d, fp, reassign, req->param[0], resp))
        goto out;
    if (zto_db_begin(m->db) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "database busy");
        goto out;
    }
    if (zto_admin_body(resp, 200, "application/x-pem-file", "", 0) != ZTO_OK ||
        !extend_one(m, &g, req->param[0], req->body, req->len, fp, resp)) {
        zto_db_rollback(m->db);
        goto out;
    }
    if (zto_db_commit(m->db) != ZTO_OK) {
        zto_db_rollback(m->db);
        zto_admin_error(resp, 500, "db_error", "commit failed");
        goto out;
    }
    zto_metrics_inc(ZTO_METRIC_VOUCHERS_EXPORTED);
    log_info("admin %s: voucher %s extended to owner key %02x%02x%02x%02x...%s",
             req->principal, req->param[0], fp[0], fp[1], fp[2], fp[3],
             d.extended && memcmp(d.owner_key, fp, 32) != 0 ? " (reassigned)"
                                                            : "");
out:
    zto_key_free(&k);
}

static void
vouchers_export(void *ctx, const struct zto_admin_req *req,
                struct zto_admin_resp *resp)
{
    static const char *const allowed[] = {"guids", "owner_key", "reassign"};
    const struct zto_json_doc *doc = req->json;
    struct mfg *m = ctx;
    struct zto_guid *gs = NULL;
    struct zto_key k;
    struct zto_db_mfg_device d;
    char *key_pem = NULL, text[64];
    size_t arr, v, i, n, key_len = 0;
    uint8_t fp[32];
    bool reassign = false, began = false;

    zto_key_init(&k);
    if (zto_json_type(doc, 0) != ZTO_JSON_OBJECT ||
        zto_json_only(doc, 0, allowed, 3, NULL) != ZTO_OK ||
        zto_json_member(doc, 0, "guids", &arr) != ZTO_OK ||
        zto_json_type(doc, arr) != ZTO_JSON_ARRAY ||
        (zto_json_member(doc, 0, "reassign", &v) == ZTO_OK &&
         zto_json_get_bool(doc, v, &reassign) != ZTO_OK)) {
        zto_admin_error(resp, 400, "bad_request",
                        "expected {\"guids\": [...], \"owner_key\": PEM "
                        "(optional), \"reassign\": bool (optional)}");
        goto out;
    }
    n = doc->tok[arr].count;
    if (n == 0 || n > EXPORT_MAX) {
        zto_admin_error(resp, 400, "bad_request", "guids: 1 to %d GUIDs",
                        EXPORT_MAX);
        goto out;
    }
    if (zto_json_member(doc, 0, "owner_key", &v) == ZTO_OK) {
        if (zto_json_dup_str(doc, v, &key_pem, &key_len) != ZTO_OK) {
            zto_admin_error(resp, 400, "bad_owner_key",
                            "owner_key: a PEM string");
            goto out;
        }
        if (!owner_key_of(key_pem, key_len, resp, &k, fp))
            goto out;
    }
    if ((gs = calloc(n, sizeof(*gs))) == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        goto out;
    }
    /* Check everything first: all or nothing. */
    for (i = 0; i < n; i++) {
        size_t e = 0;
        if (zto_json_at(doc, arr, i, &e) != ZTO_OK ||
            zto_json_get_str(doc, e, text, sizeof(text), NULL) != ZTO_OK ||
            zto_admin_guid_parse(text, &gs[i]) != ZTO_OK) {
            zto_admin_error(resp, 400, "bad_guid", "guids[%zu] is not a GUID",
                            i);
            goto out;
        }
        if (!device_of(m, &gs[i], text, resp, &d) ||
            (key_pem != NULL && !may_extend(&d, fp, reassign, text, resp)))
            goto out;
    }
    if (zto_db_begin(m->db) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "database busy");
        goto out;
    }
    began = true;
    if (zto_admin_body(resp, 200, "application/x-pem-file", "", 0) != ZTO_OK)
        goto out;
    for (i = 0; i < n; i++) {
        char g[33];
        zto_admin_guid_str(&gs[i], g);
        if (key_pem != NULL) {
            if (!extend_one(m, &gs[i], g, key_pem, key_len, fp, resp))
                goto out;
        } else {
            char err[256], *pem = NULL;
            size_t pn = 0;
            zto_err_t r =
                mfg_export(m, &gs[i], NULL, 0, &pem, &pn, err, sizeof(err));
            if (r != ZTO_OK || zto_admin_body_append(resp, pem, pn) != ZTO_OK) {
                free(pem);
                zto_admin_error(resp, 500, "internal", "exporting %s failed",
                                g);
                goto out;
            }
            free(pem);
        }
    }
    if (zto_db_commit(m->db) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "commit failed");
        goto out;
    }
    began = false;
    zto_metrics_add(ZTO_METRIC_VOUCHERS_EXPORTED, n);
    log_info("admin %s: %zu vouchers exported%s", req->principal, n,
             key_pem != NULL ? " (extended)" : "");
out:
    if (began)
        zto_db_rollback(m->db);
    zto_key_free(&k);
    free(key_pem);
    free(gs);
}

static const struct zto_admin_route routes[] = {
    {ZTO_ADMIN_GET, "/api/v1/manufacturer/devices", 0, devices_list},
    {ZTO_ADMIN_GET, "/api/v1/manufacturer/devices/{guid}", 0, device_get},
    {ZTO_ADMIN_GET, "/api/v1/manufacturer/vouchers/{guid}", 0, voucher_get},
    {ZTO_ADMIN_POST, "/api/v1/manufacturer/vouchers/{guid}/extend",
     ZTO_ADMIN_BODY_PEM, voucher_extend},
    {ZTO_ADMIN_POST, "/api/v1/manufacturer/vouchers/export",
     ZTO_ADMIN_BODY_JSON, vouchers_export},
};

zto_err_t
mfg_admin_add_routes(struct zto_admin *a, struct mfg *m)
{
    return zto_admin_add_routes(a, routes, sizeof(routes) / sizeof(routes[0]),
                                m);
}

zto_err_t
mfg_admin_db_check(void *ctx)
{
    struct mfg *m = ctx;

    return zto_db_check(m->db);
}
