/*
 * owner_api.c - the owner's admin API routes (docs/admin-api.md,
 * docs/api/openapi.yaml). Under /api/v1/owner:
 *
 *   POST   /vouchers                          upload PEM vouchers
 *   GET    /vouchers/{guid}                   the current voucher, PEM
 *   GET    /devices                           devices and their state
 *   GET    /devices/{guid}                    one (current or earlier GUID)
 *   PUT    /devices/{guid}/group              its ServiceInfo group
 *   GET    /devices/{guid}/serviceinfo        its plan, in execution order
 *   POST   /devices/{guid}/serviceinfo        add a step for it
 *   DELETE /devices/{guid}/serviceinfo/{id}   remove one of its steps
 *   GET    /serviceinfo                       every step
 *   POST   /serviceinfo                       a step for all or a group
 *   DELETE /serviceinfo/{id}                  remove a step
 *   POST   /devices/{guid}/to0                register it now
 *   POST   /devices/{guid}/resell             hand it on (PEM next key)
 *   GET    /certs                             certificates fdo.csr issued
 *   GET    /hooks                             onboardings onboarded_hook
 *                                             has not reported yet
 *   POST   /hooks/retry                       failed ones pending again
 *
 * Uploads are verified exactly like "fdo-owner import" (owner_import_one)
 * and, unless partial=true, stored all together or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owner_api.h"
#include "svi_int.h"
#include "zto/zto_cbor.h"
#include "zto_log.h"
#include "zto_metrics.h"

#define LIST_DEF 100
#define LIST_MAX 1000
/* Vouchers in one upload (the body cap bounds it first). */
#define UPLOAD_MAX 1000
#define PARAMS_MAX 16
#define GROUP_MAX 64

static const char *const state_names[3] = {"imported", "onboarded", "exported"};

static bool
path_guid(const char *s, struct zto_admin_resp *resp, struct zto_guid *g)
{
    if (zto_admin_guid_parse(s, g) == ZTO_OK)
        return true;
    zto_admin_error(resp, 400, "bad_guid", "'%s' is not a GUID (32 hex digits)",
                    s);
    return false;
}

/* ---- finding a device by its current, original or previous GUID ---- */

struct find_ctx {
    const struct zto_guid *g;
    struct zto_guid found;
    bool hit;
};

static int
find_row(void *ctx, const struct zto_db_ov *row)
{
    struct find_ctx *f = ctx;

    if (memcmp(row->orig_guid.b, f->g->b, ZTO_GUID_LEN) == 0 ||
        (row->has_prev &&
         memcmp(row->prev_guid.b, f->g->b, ZTO_GUID_LEN) == 0)) {
        f->found = row->guid;
        f->hit = true;
        return 1;
    }
    return 0;
}

/*
 * The row of a device (voucher copied into buf, OWNER_MAX_VOUCHER bytes)
 * or a 404/500 in resp. A device is found by the GUID it has now, or by
 * the one it was imported with or had before its last onboarding.
 */
static bool
device_of(struct owner_api *api, const char *text, uint8_t *buf,
          struct zto_db_ov *row, struct zto_admin_resp *resp)
{
    struct find_ctx f;
    struct zto_guid g;
    zto_err_t r;

    if (!path_guid(text, resp, &g))
        return false;
    r = zto_db_owner_ov_get(api->o->db, &g, buf, OWNER_MAX_VOUCHER, row);
    if (r == ZTO_E_NOT_FOUND) {
        memset(&f, 0, sizeof(f));
        f.g = &g;
        if ((r = zto_db_owner_ov_list(api->o->db, find_row, &f)) == ZTO_OK) {
            r = f.hit ? zto_db_owner_ov_get(api->o->db, &f.found, buf,
                                            OWNER_MAX_VOUCHER, row)
                      : ZTO_E_NOT_FOUND;
        }
    }
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

/* ---- devices ---- */

struct to0_json_ctx {
    struct zto_json *w;
    int64_t now;
};

static void
time_or_null(struct zto_json *w, const char *k, int64_t t)
{
    if (t > 0)
        zto_json_ktime(w, k, t);
    else
        zto_json_knull(w, k);
}

static int
to0_json(void *ctx, const struct zto_db_to0 *s)
{
    struct to0_json_ctx *c = ctx;
    struct zto_json *w = c->w;

    zto_json_obj(w);
    zto_json_kstr(w, "url", s->rv);
    zto_json_kbool(w, "registered", s->registered_until > c->now);
    time_or_null(w, "registered_until", s->registered_until);
    time_or_null(w, "last_attempt", s->last_attempt);
    time_or_null(w, "next_attempt", s->next_at);
    zto_json_kint(w, "failures", s->failures);
    if (s->last_error[0] != '\0')
        zto_json_kstr(w, "last_error", s->last_error);
    else
        zto_json_knull(w, "last_error");
    zto_json_obj_end(w);
    return 0;
}

static zto_err_t
device_json(struct owner_api *api, struct zto_json *w,
            const struct zto_db_ov *row)
{
    struct to0_json_ctx c;
    char g[33];
    zto_err_t r;

    zto_json_obj(w);
    zto_json_kstr(w, "guid", zto_admin_guid_str(&row->guid, g));
    zto_json_kstr(w, "original_guid", zto_admin_guid_str(&row->orig_guid, g));
    if (row->has_prev)
        zto_json_kstr(w, "previous_guid",
                      zto_admin_guid_str(&row->prev_guid, g));
    else
        zto_json_knull(w, "previous_guid");
    zto_json_kstr(w, "device_info", row->device_info);
    zto_json_kstr(w, "group", row->grp);
    zto_json_kstr(w, "state",
                  row->state >= 0 && row->state < 3 ? state_names[row->state]
                                                    : "unknown");
    zto_json_ktime(w, "imported_at", row->imported_at);
    time_or_null(w, "onboarded_at", row->onboarded_at);
    zto_json_kint(w, "onboardings", row->onboard_count);
    zto_json_kbool(w, "credential_reused", row->reused);
    zto_json_kstr(w, "owner_key_sha256", row->owner_key);
    if (row->fail_reason[0] != '\0') {
        zto_json_kobj(w, "last_failure");
        zto_json_ktime(w, "at", row->fail_at);
        zto_json_kstr(w, "reason", row->fail_reason);
        zto_json_obj_end(w);
    } else {
        zto_json_knull(w, "last_failure");
    }
    zto_json_karr(w, "rendezvous");
    c.w = w;
    c.now = owner_now(api->o);
    r = zto_db_owner_to0_list(api->o->db, row->id, to0_json, &c);
    zto_json_arr_end(w);
    zto_json_obj_end(w);
    return r;
}

/* A failure not yet followed by a successful onboarding. */
static bool
failing(const struct zto_db_ov *row)
{
    return row->fail_reason[0] != '\0' && row->fail_at >= row->onboarded_at;
}

/* A page of a list: ?limit= and ?offset= over the rows a query yields. */
struct page {
    struct zto_json *w;
    int64_t offset, limit;
    int64_t skip; /* offset left */
    int64_t left; /* limit left */
    int64_t total;
};

/* Reads ?limit= and ?offset=; false (and the caller answers 400) when
 * either is out of range. */
static bool
page_query(const struct zto_admin_req *req, struct page *pg)
{
    memset(pg, 0, sizeof(*pg));
    if (zto_admin_query_int(req, "limit", LIST_DEF, 1, LIST_MAX, &pg->limit) !=
            ZTO_OK ||
        zto_admin_query_int(req, "offset", 0, 0, INT64_MAX, &pg->offset) !=
            ZTO_OK)
        return false;
    pg->skip = pg->offset;
    pg->left = pg->limit;
    return true;
}

/* Counts a matching row; true when it belongs on the page. */
static bool
page_take(struct page *pg)
{
    pg->total++;
    if (pg->skip > 0) {
        pg->skip--;
        return false;
    }
    if (pg->left == 0)
        return false;
    pg->left--;
    return true;
}

/* Closes the array of rows and the answer object with the counts. */
static void
page_end(struct page *pg)
{
    zto_json_arr_end(pg->w);
    zto_json_kint(pg->w, "total", pg->total);
    zto_json_kint(pg->w, "offset", pg->offset);
    zto_json_kint(pg->w, "limit", pg->limit);
    zto_json_obj_end(pg->w);
}

struct list_ctx {
    struct owner_api *api;
    struct page pg;
    int state; /* -1: any; 3: failing */
    zto_err_t err;
};

static int
list_row(void *ctx, const struct zto_db_ov *row)
{
    struct list_ctx *c = ctx;

    if (c->state >= 0 && c->state < 3 && row->state != c->state)
        return 0;
    if (c->state == 3 && !failing(row))
        return 0;
    if (!page_take(&c->pg))
        return 0;
    if ((c->err = device_json(c->api, c->pg.w, row)) != ZTO_OK)
        return 1;
    return 0;
}

static void
devices_list(void *ctx, const struct zto_admin_req *req,
             struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    const char *st = zto_admin_query(req, "state");
    struct list_ctx c;
    zto_err_t r;
    bool ok;

    memset(&c, 0, sizeof(c));
    ok = page_query(req, &c.pg);
    c.state = -1;
    if (st != NULL) {
        for (c.state = 0; c.state < 3; c.state++)
            if (strcmp(st, state_names[c.state]) == 0)
                break;
        if (c.state == 3 && strcmp(st, "failed") != 0)
            c.state = 4;
    }
    if (c.state == 4 || !ok) {
        zto_admin_error(resp, 400, "bad_query",
                        "limit: 1..%d, offset: >= 0, state: imported, "
                        "onboarded, exported or failed",
                        LIST_MAX);
        return;
    }
    c.api = api;
    c.pg.w = zto_admin_json(resp, 200);
    zto_json_obj(c.pg.w);
    zto_json_karr(c.pg.w, "devices");
    r = zto_db_owner_ov_list(api->o->db, list_row, &c);
    page_end(&c.pg);
    if (r != ZTO_OK || c.err != ZTO_OK) {
        log_err_r(r != ZTO_OK ? r : c.err, "admin: listing devices");
        zto_admin_error(resp, 500, "db_error",
                        "the device list is "
                        "unavailable");
    }
}

static void
device_get(void *ctx, const struct zto_admin_req *req,
           struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct zto_db_ov row;
    uint8_t *buf = malloc(OWNER_MAX_VOUCHER);

    if (buf == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    if (device_of(api, req->param[0], buf, &row, resp) &&
        device_json(api, zto_admin_json(resp, 200), &row) != ZTO_OK)
        zto_admin_error(resp, 500, "db_error", "TO0 state unreadable");
    free(buf);
}

static void
voucher_get(void *ctx, const struct zto_admin_req *req,
            struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct zto_db_ov row;
    uint8_t *buf = malloc(OWNER_MAX_VOUCHER);
    char *pem = NULL;
    size_t cap, n = 0;

    if (buf == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    if (!device_of(api, req->param[0], buf, &row, resp))
        goto out;
    cap = zto_pem_len(ZTO_VOUCHER_PEM_LABEL, row.voucher.len) + 1;
    if ((pem = malloc(cap)) == NULL ||
        zto_voucher_pem_encode(row.voucher.p, row.voucher.len, pem, cap, &n) !=
            ZTO_OK) {
        zto_admin_error(resp, 500, "internal", "PEM encoding failed");
        goto out;
    }
    if (zto_admin_body(resp, 200, "application/x-pem-file", pem, n) == ZTO_OK)
        zto_metrics_inc(ZTO_METRIC_VOUCHERS_EXPORTED);
out:
    free(pem);
    free(buf);
}

/* ---- upload ---- */

struct upload_item {
    uint8_t *cbor; /* NULL: the PEM block did not decode */
    size_t len;
    struct zto_guid guid;
    bool has_guid;
    zto_err_t r;
    const char *code;
    char why[600];
};

/* A stable word for why a voucher was refused. */
static const char *
refusal_code(zto_err_t r)
{
    switch (r) {
    case ZTO_E_EXISTS:
        return "exists";
    case ZTO_E_KEY_MISMATCH:
        return "wrong_owner_key";
    case ZTO_E_CERT:
        return "untrusted_device_chain";
    case ZTO_E_UNSUPPORTED:
        return "unsupported_version";
    case ZTO_E_DB:
    case ZTO_E_NOMEM:
    case ZTO_E_IO:
        return "db_error";
    default:
        return "invalid_voucher";
    }
}

static void
upload_result(struct zto_json *w, const struct upload_item *it, size_t i,
              const char *status)
{
    char g[33];

    zto_json_obj(w);
    zto_json_kuint(w, "index", i);
    if (it->has_guid)
        zto_json_kstr(w, "guid", zto_admin_guid_str(&it->guid, g));
    else
        zto_json_knull(w, "guid");
    zto_json_kstr(w, "status", status);
    if (it->code != NULL) {
        zto_json_key(w, "error");
        zto_admin_json_error(w, it->code, it->why);
    }
    zto_json_obj_end(w);
}

static void
vouchers_upload(void *ctx, const struct zto_admin_req *req,
                struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct upload_item *items = NULL;
    uint8_t *scratch = NULL;
    struct zto_json *w;
    struct zto_voucher v;
    size_t n = 0, i, pos = 0, imported = 0, dup = 0, bad = 0;
    bool partial = false, began = false, broken = false;
    int status;
    zto_err_t r;

    if (zto_admin_query_bool(req, "partial", false, &partial) != ZTO_OK) {
        zto_admin_error(resp, 400, "bad_query", "partial: true or false");
        return;
    }
    if ((items = calloc(UPLOAD_MAX, sizeof(*items))) == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    if ((scratch = malloc(req->len + 1)) == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        goto out;
    }
    /* Every PEM block first: a broken one stops the reading (its end is
     * unknown), and nothing is stored unless partial. */
    while (n < UPLOAD_MAX) {
        struct upload_item *it = &items[n];
        r = zto_voucher_pem_decode(req->body, req->len, &pos, scratch, req->len,
                                   &it->len);
        if (r == ZTO_E_NOT_FOUND)
            break;
        n++;
        if (r == ZTO_OK && (it->cbor = malloc(it->len)) == NULL) {
            zto_admin_error(resp, 500, "internal", "out of memory");
            goto out;
        }
        if (r == ZTO_OK)
            memcpy(it->cbor, scratch, it->len);
        if (r != ZTO_OK) {
            it->r = r;
            it->code = "bad_pem";
            snprintf(it->why, sizeof(it->why),
                     "OWNERSHIP VOUCHER block %zu does not decode (%s)", n,
                     zto_strerror(r));
            broken = true;
            break;
        }
    }
    if (n == 0) {
        zto_admin_error(resp, 400, "no_voucher",
                        "no -----BEGIN OWNERSHIP VOUCHER----- block in the "
                        "body");
        goto out;
    }
    if (n == UPLOAD_MAX && !broken &&
        zto_voucher_pem_decode(req->body, req->len, &pos, scratch, req->len,
                               &i) != ZTO_E_NOT_FOUND) {
        zto_admin_error(resp, 413, "too_many_vouchers",
                        "at most %d vouchers per upload", UPLOAD_MAX);
        goto out;
    }
    if (!partial) {
        if (zto_db_begin(api->o->db) != ZTO_OK) {
            zto_admin_error(resp, 503, "db_busy", "database busy, try again");
            goto out;
        }
        began = true;
    }
    for (i = 0; i < n; i++) {
        struct upload_item *it = &items[i];
        if (it->cbor == NULL)
            continue;
        if (zto_voucher_decode(it->cbor, it->len, &v) == ZTO_OK) {
            it->guid = v.hdr.guid;
            it->has_guid = true;
        }
        it->r = owner_import_one(api->o, it->cbor, it->len, &it->guid, it->why,
                                 sizeof(it->why));
        if (it->r != ZTO_OK)
            it->code = it->has_guid ? refusal_code(it->r) : "not_a_voucher";
    }
    for (i = 0; i < n; i++) {
        if (items[i].r == ZTO_OK)
            imported++;
        else if (items[i].r == ZTO_E_EXISTS)
            dup++;
        else
            bad++;
    }
    if (began) {
        if (dup + bad > 0) {
            zto_db_rollback(api->o->db);
            imported = 0;
        } else if (zto_db_commit(api->o->db) != ZTO_OK) {
            zto_db_rollback(api->o->db);
            began = false;
            zto_admin_error(resp, 500, "db_error", "commit failed");
            goto out;
        }
        began = false;
    }
    status = partial || dup + bad == 0 ? 200 : bad > 0 ? 400 : 409;
    w = zto_admin_json(resp, status);
    zto_json_obj(w);
    zto_json_kuint(w, "imported", imported);
    zto_json_kuint(w, "exists", dup);
    zto_json_kuint(w, "failed", bad);
    zto_json_kbool(w, "stored", imported > 0);
    zto_json_karr(w, "results");
    for (i = 0; i < n; i++)
        upload_result(w, &items[i], i,
                      items[i].r != ZTO_OK
                          ? (items[i].r == ZTO_E_EXISTS ? "exists" : "refused")
                      : imported > 0 ? "imported"
                                     : "not_stored");
    zto_json_arr_end(w);
    zto_json_obj_end(w);
    zto_metrics_add(ZTO_METRIC_VOUCHERS_IMPORTED, imported);
    zto_metrics_add(ZTO_METRIC_VOUCHERS_REJECTED, bad);
    log_info("admin %s: upload of %zu voucher(s): %zu imported, %zu already "
             "present, %zu refused%s",
             req->principal, n, imported, dup, bad,
             !partial && dup + bad > 0 ? " (nothing stored)" : "");
    for (i = 0; i < n; i++)
        if (items[i].r != ZTO_OK && items[i].r != ZTO_E_EXISTS)
            log_info("admin: voucher %zu refused: %s", i, items[i].why);
out:
    if (began)
        zto_db_rollback(api->o->db);
    for (i = 0; i < UPLOAD_MAX && items != NULL; i++)
        free(items[i].cbor);
    free(items);
    free(scratch);
}

/* ---- group ---- */

static bool
group_name_ok(const char *s)
{
    size_t i, n = strlen(s);

    if (n > GROUP_MAX)
        return false;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

static void
device_group(void *ctx, const struct zto_admin_req *req,
             struct zto_admin_resp *resp)
{
    static const char *const allowed[] = {"group"};
    struct owner_api *api = ctx;
    const struct zto_json_doc *doc = req->json;
    struct zto_db_ov row;
    uint8_t *buf = malloc(OWNER_MAX_VOUCHER);
    char grp[GROUP_MAX + 2];
    size_t v;
    zto_err_t r;

    if (buf == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    if (zto_json_only(doc, 0, allowed, 1, NULL) != ZTO_OK ||
        zto_json_member(doc, 0, "group", &v) != ZTO_OK ||
        zto_json_get_str(doc, v, grp, sizeof(grp), NULL) != ZTO_OK ||
        !group_name_ok(grp)) {
        zto_admin_error(resp, 400, "bad_request",
                        "expected {\"group\": NAME} (up to %d visible ASCII "
                        "characters, \"\" for none)",
                        GROUP_MAX);
        goto out;
    }
    if (!device_of(api, req->param[0], buf, &row, resp))
        goto out;
    if ((r = zto_db_owner_ov_set_group(api->o->db, &row.guid, grp)) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "setting the group failed");
        goto out;
    }
    row.voucher = ZTO_BYTES_NULL;
    snprintf(row.grp, sizeof(row.grp), "%s", grp);
    if (device_json(api, zto_admin_json(resp, 200), &row) != ZTO_OK)
        zto_admin_error(resp, 500, "db_error", "TO0 state unreadable");
out:
    free(buf);
}

/* ---- ServiceInfo plan ---- */

static void
params_json(struct zto_json *w, const struct zto_bytes *params)
{
    struct zto_cbor_dec d;
    struct zto_bytes k, s;
    size_t n = 0, i;
    uint64_t u;

    zto_json_kobj(w, "params");
    zto_cbor_dec_init(&d, params->p, params->len);
    if (zto_cbor_get_map(&d, &n) == ZTO_OK) {
        for (i = 0; i < n; i++) {
            struct zto_cbor_dec save;
            char key[128];

            if (zto_cbor_get_tstr(&d, &k) != ZTO_OK || k.len >= sizeof(key))
                break;
            memcpy(key, k.p, k.len);
            key[k.len] = '\0';
            save = d;
            if (zto_cbor_get_tstr(&d, &s) == ZTO_OK) {
                zto_json_key(w, key);
                zto_json_strn(w, (const char *)s.p, s.len);
                continue;
            }
            d = save;
            if (zto_cbor_get_uint(&d, &u) == ZTO_OK) {
                zto_json_kuint(w, key, u);
                continue;
            }
            d = save;
            if (zto_cbor_skip(&d) != ZTO_OK)
                break;
        }
    }
    zto_json_obj_end(w);
}

static int
step_json(void *ctx, const struct zto_db_plan_step *s)
{
    struct zto_json *w = ctx;

    zto_json_obj(w);
    zto_json_kint(w, "id", s->id);
    zto_json_kstr(w, "scope", s->scope);
    zto_json_kstr(w, "target", s->target);
    zto_json_kint(w, "seq", s->seq);
    zto_json_kstr(w, "kind", s->kind);
    params_json(w, &s->params);
    zto_json_kbool(w, "optional", s->optional);
    zto_json_obj_end(w);
    return 0;
}

/*
 * Add a step from {"kind", "params", "optional"} (and, when scope is
 * NULL, {"scope": "all"|"group", "group"}), answering 201 with it.
 */
static void
step_add(struct owner_api *api, const struct zto_admin_req *req,
         const char *scope, const char *target, struct zto_admin_resp *resp)
{
    static const char *const dev_keys[] = {"kind", "params", "optional"};
    static const char *const all_keys[] = {"kind", "params", "optional",
                                           "scope", "group"};
    const struct zto_json_doc *doc = req->json;
    char *vals[2 * PARAMS_MAX];
    const char *kv[2 * PARAMS_MAX];
    char kind[SVI_KIND_MAX], sc[8] = "", grp[GROUP_MAX + 2] = "", why[512];
    struct zto_json *w;
    size_t v, p, np = 0, i;
    bool optional = false;
    int64_t id = 0;
    zto_err_t r;

    memset(vals, 0, sizeof(vals));
    if (zto_json_only(doc, 0, scope != NULL ? dev_keys : all_keys,
                      scope != NULL ? 3 : 5, NULL) != ZTO_OK ||
        zto_json_member(doc, 0, "kind", &v) != ZTO_OK ||
        zto_json_get_str(doc, v, kind, sizeof(kind), NULL) != ZTO_OK ||
        zto_json_member(doc, 0, "params", &p) != ZTO_OK ||
        zto_json_type(doc, p) != ZTO_JSON_OBJECT ||
        doc->tok[p].count > PARAMS_MAX ||
        (zto_json_member(doc, 0, "optional", &v) == ZTO_OK &&
         zto_json_get_bool(doc, v, &optional) != ZTO_OK)) {
        zto_admin_error(resp, 400, "bad_request",
                        "expected {\"kind\": \"download\", \"params\": "
                        "{...}, \"optional\": false%s}",
                        scope != NULL ? ""
                                      : ", \"scope\": \"all\"|\"group\", "
                                        "\"group\": NAME");
        return;
    }
    if (scope == NULL) {
        if (zto_json_member(doc, 0, "scope", &v) != ZTO_OK ||
            zto_json_get_str(doc, v, sc, sizeof(sc), NULL) != ZTO_OK ||
            (strcmp(sc, "all") != 0 && strcmp(sc, "group") != 0)) {
            zto_admin_error(resp, 400, "bad_request",
                            "scope: \"all\" or \"group\" (steps for one "
                            "device go to /devices/{guid}/serviceinfo)");
            return;
        }
        if (strcmp(sc, "group") == 0 &&
            (zto_json_member(doc, 0, "group", &v) != ZTO_OK ||
             zto_json_get_str(doc, v, grp, sizeof(grp), NULL) != ZTO_OK ||
             grp[0] == '\0' || !group_name_ok(grp))) {
            zto_admin_error(resp, 400, "bad_request",
                            "group: a name of 1 to %d visible ASCII "
                            "characters",
                            GROUP_MAX);
            return;
        }
        if (strcmp(sc, "all") == 0 &&
            zto_json_member(doc, 0, "group", &v) == ZTO_OK) {
            zto_admin_error(resp, 400, "bad_request",
                            "group goes with scope \"group\" only");
            return;
        }
        scope = sc;
        target = grp;
    }
    /* params: text (or integer) values, as the plan stores them. */
    for (i = 0, v = p + 1; i < doc->tok[p].count; i++) {
        size_t val = v + 1, len = 0;
        int64_t x;
        char num[24];

        if (zto_json_dup_str(doc, v, &vals[2 * np], &len) != ZTO_OK)
            goto bad_params;
        if (zto_json_type(doc, val) == ZTO_JSON_STRING) {
            if (zto_json_dup_str(doc, val, &vals[2 * np + 1], &len) != ZTO_OK)
                goto bad_params;
        } else if (zto_json_get_int(doc, val, &x) == ZTO_OK) {
            snprintf(num, sizeof(num), "%lld", (long long)x);
            if ((vals[2 * np + 1] = strdup(num)) == NULL)
                goto bad_params;
        } else {
            goto bad_params;
        }
        kv[2 * np] = vals[2 * np];
        kv[2 * np + 1] = vals[2 * np + 1];
        np++;
        v = doc->tok[val].next;
    }
    r = owner_plan_add(api->o, scope, target, kind, kv, np, optional, &id, why,
                       sizeof(why));
    if (r != ZTO_OK) {
        if (svi_kind_find(kind) == NULL)
            zto_admin_error(resp, 400, "unknown_kind", "%s", why);
        else if (r == ZTO_E_DB || r == ZTO_E_NOMEM)
            zto_admin_error(resp, 500, "db_error", "%s", why);
        else
            zto_admin_error(resp, 400, "bad_params", "%s", why);
        goto out;
    }
    log_info("admin %s: ServiceInfo step %lld (%s) added for %s%s%s",
             req->principal, (long long)id, kind, scope,
             target[0] != '\0' ? " " : "", target);
    {
        struct zto_db_plan_step s;
        uint8_t params[SVI_PARAMS_MAX];
        size_t pl = 0;

        memset(&s, 0, sizeof(s));
        s.id = id;
        snprintf(s.scope, sizeof(s.scope), "%s", scope);
        snprintf(s.target, sizeof(s.target), "%s", target);
        snprintf(s.kind, sizeof(s.kind), "%s", kind);
        s.optional = optional;
        if (svi_params_build(kv, np, params, sizeof(params), &pl) == ZTO_OK)
            s.params = ZTO_BYTES(params, pl);
        w = zto_admin_json(resp, 201);
        zto_json_obj(w);
        zto_json_kint(w, "id", s.id);
        zto_json_kstr(w, "scope", s.scope);
        zto_json_kstr(w, "target", s.target);
        zto_json_kstr(w, "kind", s.kind);
        params_json(w, &s.params);
        zto_json_kbool(w, "optional", s.optional);
        zto_json_obj_end(w);
    }
    goto out;
bad_params:
    zto_admin_error(resp, 400, "bad_params",
                    "params: at most %d members with text or integer values",
                    PARAMS_MAX);
out:
    for (i = 0; i < 2 * PARAMS_MAX; i++)
        free(vals[i]);
}

static void
device_plan_get(void *ctx, const struct zto_admin_req *req,
                struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct zto_db_ov row;
    uint8_t *buf = malloc(OWNER_MAX_VOUCHER);
    struct zto_json *w;
    char g[33];

    if (buf == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    if (!device_of(api, req->param[0], buf, &row, resp))
        goto out;
    w = zto_admin_json(resp, 200);
    zto_json_obj(w);
    zto_json_kstr(w, "guid", zto_admin_guid_str(&row.guid, g));
    zto_json_kstr(w, "group", row.grp);
    zto_json_karr(w, "steps");
    if (zto_db_owner_plan_for(api->o->db, &row.guid, &row.orig_guid, row.grp,
                              step_json, w) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "the plan is unavailable");
        goto out;
    }
    zto_json_arr_end(w);
    zto_json_obj_end(w);
out:
    free(buf);
}

static void
device_plan_add(void *ctx, const struct zto_admin_req *req,
                struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct zto_db_ov row;
    uint8_t *buf = malloc(OWNER_MAX_VOUCHER);
    char g[33];

    if (buf == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    if (device_of(api, req->param[0], buf, &row, resp)) {
        if (row.state == ZTO_DB_OV_EXPORTED)
            zto_admin_error(resp, 409, "exported",
                            "device %s was handed on to another owner",
                            req->param[0]);
        else
            step_add(api, req, "guid", zto_admin_guid_str(&row.guid, g), resp);
    }
    free(buf);
}

struct step_find {
    int64_t id;
    bool hit;
    char scope[8];
    char target[ZTO_DB_TEXT_MAX];
};

static int
step_find(void *ctx, const struct zto_db_plan_step *s)
{
    struct step_find *f = ctx;

    if (s->id != f->id)
        return 0;
    f->hit = true;
    snprintf(f->scope, sizeof(f->scope), "%s", s->scope);
    snprintf(f->target, sizeof(f->target), "%s", s->target);
    return 1;
}

/* Delete step id; with row, only one of that device's own steps. */
static void
step_del(struct owner_api *api, const struct zto_admin_req *req,
         const char *id_text, const struct zto_db_ov *row,
         struct zto_admin_resp *resp)
{
    struct step_find f;
    char *end, g1[33], g2[33];
    zto_err_t r;

    memset(&f, 0, sizeof(f));
    f.id = strtoll(id_text, &end, 10);
    if (*end != '\0' || f.id <= 0) {
        zto_admin_error(resp, 400, "bad_request", "step id: a number");
        return;
    }
    if ((r = zto_db_owner_plan_list(api->o->db, step_find, &f)) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "the plan is unavailable");
        return;
    }
    if (!f.hit ||
        (row != NULL &&
         (strcmp(f.scope, "guid") != 0 ||
          (strcmp(f.target, zto_admin_guid_str(&row->guid, g1)) != 0 &&
           strcmp(f.target, zto_admin_guid_str(&row->orig_guid, g2)) != 0)))) {
        zto_admin_error(resp, 404, "unknown_step", "no step %s%s", id_text,
                        row != NULL ? " for this device" : "");
        return;
    }
    if ((r = zto_db_owner_plan_del(api->o->db, f.id)) != ZTO_OK) {
        if (r == ZTO_E_NOT_FOUND)
            zto_admin_error(resp, 404, "unknown_step", "no step %s", id_text);
        else
            zto_admin_error(resp, 500, "db_error", "deleting failed");
        return;
    }
    log_info("admin %s: ServiceInfo step %s removed", req->principal, id_text);
    if (zto_admin_body(resp, 204, "application/json", "", 0) != ZTO_OK)
        zto_admin_error(resp, 500, "internal", "out of memory");
}

static void
device_plan_del(void *ctx, const struct zto_admin_req *req,
                struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct zto_db_ov row;
    uint8_t *buf = malloc(OWNER_MAX_VOUCHER);

    if (buf == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    if (device_of(api, req->param[0], buf, &row, resp))
        step_del(api, req, req->param[1], &row, resp);
    free(buf);
}

static void
plan_list(void *ctx, const struct zto_admin_req *req,
          struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct zto_json *w = zto_admin_json(resp, 200);

    (void)req;
    zto_json_obj(w);
    zto_json_karr(w, "steps");
    if (zto_db_owner_plan_list(api->o->db, step_json, w) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "the plan is unavailable");
        return;
    }
    zto_json_arr_end(w);
    zto_json_obj_end(w);
}

static void
plan_add(void *ctx, const struct zto_admin_req *req,
         struct zto_admin_resp *resp)
{
    step_add(ctx, req, NULL, NULL, resp);
}

static void
plan_del(void *ctx, const struct zto_admin_req *req,
         struct zto_admin_resp *resp)
{
    step_del(ctx, req, req->param[0], NULL, resp);
}

/* ---- TO0 now ---- */

#define TO0_ROWS_MAX 32

/* The TO0 rows of a voucher, collected first: they are written back
 * after the listing statement is done. */
struct due_ctx {
    struct zto_db_to0 rows[TO0_ROWS_MAX];
    size_t n;
};

static int
collect_to0(void *ctx, const struct zto_db_to0 *s)
{
    struct due_ctx *c = ctx;

    if (c->n < TO0_ROWS_MAX)
        c->rows[c->n++] = *s;
    return 0;
}

static void
device_to0(void *ctx, const struct zto_admin_req *req,
           struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct zto_db_ov row;
    struct zto_voucher v;
    struct due_ctx *c = NULL;
    struct zto_json *w;
    uint8_t *buf = malloc(OWNER_MAX_VOUCHER);
    char g[33];
    size_t i;

    if (buf == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    if (!device_of(api, req->param[0], buf, &row, resp))
        goto out;
    if (!api->to0_enabled) {
        zto_admin_error(resp, 409, "to0_disabled",
                        "TO0 is switched off on this owner (to0 = no)");
        goto out;
    }
    if (row.state == ZTO_DB_OV_EXPORTED) {
        zto_admin_error(resp, 409, "exported",
                        "device %s was handed on to another owner",
                        req->param[0]);
        goto out;
    }
    if (zto_voucher_decode(row.voucher.p, row.voucher.len, &v) != ZTO_OK ||
        v.nentries == 0) {
        zto_admin_error(resp, 409, "not_registrable",
                        "the voucher of %s has no entries (a replacement "
                        "voucher after TO2): nothing to register",
                        req->param[0]);
        goto out;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        goto out;
    }
    /* Due now: the TO0 thread takes it at its next look (to0_poll). */
    if (zto_db_owner_to0_list(api->o->db, row.id, collect_to0, c) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "TO0 state unreadable");
        goto out;
    }
    for (i = 0; i < c->n; i++) {
        c->rows[i].next_at = owner_now(api->o);
        if (zto_db_owner_to0_put(api->o->db, &c->rows[i]) != ZTO_OK) {
            zto_admin_error(resp, 500, "db_error", "scheduling TO0 failed");
            goto out;
        }
    }
    w = zto_admin_json(resp, 202);
    zto_json_obj(w);
    zto_json_kstr(w, "guid", zto_admin_guid_str(&row.guid, g));
    zto_json_karr(w, "rendezvous");
    for (i = 0; i < c->n; i++)
        zto_json_str(w, c->rows[i].rv);
    zto_json_arr_end(w);
    zto_json_kint(w, "within_seconds", api->to0_poll_s);
    zto_json_obj_end(w);
    log_info("admin %s: TO0 for %s requested", req->principal, g);
out:
    free(c);
    free(buf);
}

/* ---- resale ---- */

static void
device_resell(void *ctx, const struct zto_admin_req *req,
              struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct zto_db_ov row;
    struct zto_voucher v;
    struct zto_pubkey cur, next;
    struct zto_key nk;
    struct owner_key *k;
    uint8_t *buf = malloc(OWNER_MAX_VOUCHER), *ext = NULL;
    uint8_t fp[32], keybuf[ZTO_MAX_PUBKEY_SIZE];
    char *pem = NULL;
    size_t ext_len = 0, cap, n = 0, ext_cap;
    zto_err_t r;

    zto_key_init(&nk);
    if (buf == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        return;
    }
    if (!device_of(api, req->param[0], buf, &row, resp))
        goto out;
    if (row.state == ZTO_DB_OV_EXPORTED) {
        zto_admin_error(resp, 409, "exported",
                        "device %s was already handed on; a voucher is "
                        "extended once",
                        req->param[0]);
        goto out;
    }
    r = zto_admin_pubkey_pem(req->body, req->len, &nk, fp);
    if (r == ZTO_E_PERM) {
        zto_admin_error(resp, 400, "private_key_refused",
                        "send the next owner's public key or certificate, "
                        "never a private key");
        goto out;
    }
    if (r != ZTO_OK) {
        zto_admin_error(resp, 400, "bad_owner_key",
                        "expected a PEM public key or certificate chain");
        goto out;
    }
    if (zto_voucher_decode(row.voucher.p, row.voucher.len, &v) != ZTO_OK ||
        zto_voucher_owner_key(&v, &cur) != ZTO_OK) {
        zto_admin_error(resp, 500, "internal", "stored voucher unreadable");
        goto out;
    }
    if ((k = owner_key_find(api->o, &cur)) == NULL) {
        zto_admin_error(resp, 409, "owner_key_unavailable",
                        "the voucher's current owner key is not configured "
                        "here");
        goto out;
    }
    /* Same encoding as the header key (section 6.3). */
    if (zto_key_to_pubkey(&nk,
                          v.hdr.mfg_key.enc == ZTO_PKENC_COSEKEY
                              ? ZTO_PKENC_COSEKEY
                              : ZTO_PKENC_X509,
                          keybuf, sizeof(keybuf), &next) != ZTO_OK) {
        zto_admin_error(resp, 400, "owner_key_unusable",
                        "the next owner's key cannot be encoded");
        goto out;
    }
    ext_cap = row.voucher.len + 8192;
    if ((ext = malloc(ext_cap)) == NULL) {
        zto_admin_error(resp, 500, "internal", "out of memory");
        goto out;
    }
    if ((r = zto_voucher_extend(&v, &k->signer, &next, ZTO_BYTES_NULL, ext,
                                ext_cap, &ext_len)) != ZTO_OK) {
        zto_admin_error(resp, 400, "owner_key_unusable",
                        "cannot extend (%s): the next key must have the "
                        "voucher header key's type and size",
                        zto_strerror(r));
        goto out;
    }
    cap = zto_pem_len(ZTO_VOUCHER_PEM_LABEL, ext_len) + 1;
    if ((pem = malloc(cap)) == NULL ||
        zto_voucher_pem_encode(ext, ext_len, pem, cap, &n) != ZTO_OK) {
        zto_admin_error(resp, 500, "internal", "PEM encoding failed");
        goto out;
    }
    /* Sold: no more TO0 or TO2 here, and no second extension. Marked
     * before the voucher leaves, so a failure hands out nothing. */
    if ((r = zto_db_owner_ov_set_state(api->o->db, &row.guid,
                                       ZTO_DB_OV_EXPORTED)) != ZTO_OK) {
        zto_admin_error(resp, 500, "db_error", "marking it exported failed");
        goto out;
    }
    if (zto_admin_body(resp, 200, "application/x-pem-file", pem, n) != ZTO_OK)
        goto out;
    zto_metrics_inc(ZTO_METRIC_VOUCHERS_EXPORTED);
    log_info("admin %s: device %s resold to key %02x%02x%02x%02x...",
             req->principal, req->param[0], fp[0], fp[1], fp[2], fp[3]);
out:
    zto_key_free(&nk);
    free(pem);
    free(ext);
    free(buf);
}

/* ---- operational certificates (fdo.csr) ---- */

static int
cert_row(void *ctx, const struct zto_db_cert *c)
{
    struct page *x = ctx;
    char g[33];

    if (!page_take(x))
        return 0;
    zto_json_obj(x->w);
    zto_json_kint(x->w, "id", c->id);
    zto_json_kstr(x->w, "serial", c->serial);
    zto_json_kstr(x->w, "guid", zto_admin_guid_str(&c->guid, g));
    zto_json_kstr(x->w, "to2_guid", zto_admin_guid_str(&c->to2_guid, g));
    zto_json_kstr(x->w, "subject", c->subject);
    zto_json_kstr(x->w, "origin", c->origin);
    zto_json_ktime(x->w, "not_before", c->not_before);
    zto_json_ktime(x->w, "not_after", c->not_after);
    zto_json_ktime(x->w, "issued_at", c->issued_at);
    zto_json_obj_end(x->w);
    return 0;
}

static void
certs_list(void *ctx, const struct zto_admin_req *req,
           struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    const char *gs = zto_admin_query(req, "guid");
    struct zto_guid g;
    struct page x;
    zto_err_t r;

    if (gs != NULL && zto_admin_guid_parse(gs, &g) != ZTO_OK) {
        zto_admin_error(resp, 400, "bad_guid",
                        "guid: '%s' is not a GUID (32 hex digits)", gs);
        return;
    }
    if (!page_query(req, &x)) {
        zto_admin_error(resp, 400, "bad_query",
                        "limit: 1..%d, offset: >= 0, guid: 32 hex digits",
                        LIST_MAX);
        return;
    }
    x.w = zto_admin_json(resp, 200);
    zto_json_obj(x.w);
    zto_json_karr(x.w, "certs");
    r = zto_db_owner_cert_list(api->o->db, gs != NULL ? &g : NULL, cert_row,
                               &x);
    page_end(&x);
    if (r != ZTO_OK) {
        log_err_r(r, "admin: listing certificates");
        zto_admin_error(resp, 500, "db_error",
                        "the certificate list is unavailable");
    }
}

/* ---- onboardings waiting for onboarded_hook ---- */

static int
hook_row(void *ctx, const struct zto_db_hook_ev *ev)
{
    struct page *x = ctx;
    char g[33];

    if (!page_take(x))
        return 0;
    zto_json_obj(x->w);
    zto_json_kint(x->w, "id", ev->id);
    zto_json_kstr(x->w, "state", ev->failed ? "failed" : "pending");
    zto_json_kstr(x->w, "guid", zto_admin_guid_str(&ev->guid, g));
    zto_json_kstr(x->w, "new_guid", zto_admin_guid_str(&ev->new_guid, g));
    zto_json_kbool(x->w, "reused", ev->reused);
    zto_json_ktime(x->w, "onboarded_at", ev->at);
    if (ev->serial[0] != '\0')
        zto_json_kstr(x->w, "cert_serial", ev->serial);
    else
        zto_json_knull(x->w, "cert_serial");
    zto_json_kint(x->w, "attempts", ev->attempts);
    if (ev->failed || ev->attempts == 0)
        zto_json_knull(x->w, "next_attempt_at");
    else
        zto_json_ktime(x->w, "next_attempt_at", ev->next_at);
    if (ev->last_result[0] != '\0')
        zto_json_kstr(x->w, "last_result", ev->last_result);
    else
        zto_json_knull(x->w, "last_result");
    zto_json_obj_end(x->w);
    return 0;
}

static void
hooks_list(void *ctx, const struct zto_admin_req *req,
           struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct page x;
    zto_err_t r;

    if (!page_query(req, &x)) {
        zto_admin_error(resp, 400, "bad_query", "limit: 1..%d, offset: >= 0",
                        LIST_MAX);
        return;
    }
    x.w = zto_admin_json(resp, 200);
    zto_json_obj(x.w);
    zto_json_kbool(x.w, "enabled", api->o->onboard_hook);
    zto_json_karr(x.w, "hooks");
    r = zto_db_owner_hook_list(api->o->db, false, 0, hook_row, &x);
    page_end(&x);
    if (r != ZTO_OK) {
        log_err_r(r, "admin: listing onboarded_hook rows");
        zto_admin_error(resp, 500, "db_error",
                        "the onboarded_hook rows are unavailable");
    }
}

static void
hooks_retry(void *ctx, const struct zto_admin_req *req,
            struct zto_admin_resp *resp)
{
    struct owner_api *api = ctx;
    struct zto_json *w;
    int64_t n = 0;
    zto_err_t r;

    (void)req;
    if ((r = zto_db_owner_hook_retry(api->o->db, &n)) != ZTO_OK) {
        log_err_r(r, "admin: retrying onboarded_hook rows");
        zto_admin_error(resp, 500, "db_error",
                        "the onboarded_hook rows cannot be changed");
        return;
    }
    if (n > 0)
        log_info("admin: %lld failed onboarded_hook row(s) pending again",
                 (long long)n);
    w = zto_admin_json(resp, 200);
    zto_json_obj(w);
    zto_json_kint(w, "retried", n);
    zto_json_obj_end(w);
}

static const struct zto_admin_route routes[] = {
    {ZTO_ADMIN_POST, "/api/v1/owner/vouchers", ZTO_ADMIN_BODY_PEM,
     vouchers_upload},
    {ZTO_ADMIN_GET, "/api/v1/owner/vouchers/{guid}", 0, voucher_get},
    {ZTO_ADMIN_GET, "/api/v1/owner/devices", 0, devices_list},
    {ZTO_ADMIN_GET, "/api/v1/owner/devices/{guid}", 0, device_get},
    {ZTO_ADMIN_PUT, "/api/v1/owner/devices/{guid}/group", ZTO_ADMIN_BODY_JSON,
     device_group},
    {ZTO_ADMIN_GET, "/api/v1/owner/devices/{guid}/serviceinfo", 0,
     device_plan_get},
    {ZTO_ADMIN_POST, "/api/v1/owner/devices/{guid}/serviceinfo",
     ZTO_ADMIN_BODY_JSON, device_plan_add},
    {ZTO_ADMIN_DELETE, "/api/v1/owner/devices/{guid}/serviceinfo/{id}", 0,
     device_plan_del},
    {ZTO_ADMIN_GET, "/api/v1/owner/serviceinfo", 0, plan_list},
    {ZTO_ADMIN_POST, "/api/v1/owner/serviceinfo", ZTO_ADMIN_BODY_JSON,
     plan_add},
    {ZTO_ADMIN_DELETE, "/api/v1/owner/serviceinfo/{id}", 0, plan_del},
    {ZTO_ADMIN_POST, "/api/v1/owner/devices/{guid}/to0", 0, device_to0},
    {ZTO_ADMIN_POST, "/api/v1/owner/devices/{guid}/resell", ZTO_ADMIN_BODY_PEM,
     device_resell},
    {ZTO_ADMIN_GET, "/api/v1/owner/certs", 0, certs_list},
    {ZTO_ADMIN_GET, "/api/v1/owner/hooks", 0, hooks_list},
    {ZTO_ADMIN_POST, "/api/v1/owner/hooks/retry", 0, hooks_retry},
};

zto_err_t
owner_api_add_routes(struct zto_admin *a, struct owner_api *api)
{
    return zto_admin_add_routes(a, routes, sizeof(routes) / sizeof(routes[0]),
                                api);
}

zto_err_t
owner_api_db_check(void *ctx)
{
    struct owner_api *api = ctx;

    return zto_db_check(api->o->db);
}
