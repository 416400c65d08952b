/*
 * zto_json.h - the JSON of the admin API (RFC 8259): a bounded writer
 * that always produces valid JSON, and a strict reader for the small
 * request bodies the API accepts.
 *
 * Writer: calls append to one document; the first failure (buffer full,
 * a key outside an object, unbalanced nesting) sticks and every later
 * call does nothing, so a handler writes everything and checks once:
 *
 *     struct zto_json w;
 *     zto_json_init_dyn(&w, 1 << 20);
 *     zto_json_obj(&w);
 *     zto_json_kstr(&w, "guid", hex);
 *     zto_json_karr(&w, "items");
 *     ...
 *     zto_json_arr_end(&w);
 *     zto_json_obj_end(&w);
 *     if (zto_json_finish(&w, &len) != ZTO_OK) ...
 *
 * Strings are escaped; bytes that are not UTF-8 become U+FFFD, so text
 * from devices (serial numbers, error strings) cannot break the output.
 *
 * Reader: zto_json_parse() checks the whole text against the grammar
 * (no comments, no trailing commas, no duplicate keys, no NaN, UTF-8
 * only, nesting at most ZTO_JSON_MAX_DEPTH, nothing after the value) and
 * returns a flat list of tokens; index 0 is the top-level value. Values
 * are read with the zto_json_get_*() functions, which copy and unescape.
 */
#ifndef ZTO_JSON_H
#define ZTO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zto/zto_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZTO_JSON_MAX_DEPTH 32

/* ---- Writer ------------------------------------------------------------ */

struct zto_json {
    char *buf;
    size_t len;
    size_t cap;
    size_t max; /* heap mode: largest document; 0: fixed buffer */
    zto_err_t err;
    unsigned depth;
    char frame[ZTO_JSON_MAX_DEPTH]; /* 'o' object, 'a' array */
    bool first;                     /* no element yet in this container */
    bool after_key;                 /* a key was written, value next */
    bool done;                      /* the top-level value is complete */
};

/* Write into buf[0..cap) (the document and a NUL must fit). */
void zto_json_init(struct zto_json *w, char *buf, size_t cap);
/* Write into a heap buffer that grows up to max bytes. */
void zto_json_init_dyn(struct zto_json *w, size_t max);
/* Heap mode: release the buffer (safe after zto_json_take()). */
void zto_json_free(struct zto_json *w);

void zto_json_obj(struct zto_json *w);
void zto_json_obj_end(struct zto_json *w);
void zto_json_arr(struct zto_json *w);
void zto_json_arr_end(struct zto_json *w);
/* The next member's name (inside an object only). */
void zto_json_key(struct zto_json *w, const char *k);

void zto_json_str(struct zto_json *w, const char *s); /* NULL writes null */
void zto_json_strn(struct zto_json *w, const char *s, size_t n);
void zto_json_int(struct zto_json *w, int64_t v);
void zto_json_uint(struct zto_json *w, uint64_t v);
void zto_json_bool(struct zto_json *w, bool v);
void zto_json_null(struct zto_json *w);
/* Lower-case hex string of n bytes. */
void zto_json_hex(struct zto_json *w, const uint8_t *p, size_t n);
/* RFC 3339 UTC time ("2025-01-31T12:00:00Z") of Unix seconds. */
void zto_json_time(struct zto_json *w, int64_t t);

/* Member shorthands: key, then value (or container start). */
void zto_json_kstr(struct zto_json *w, const char *k, const char *s);
void zto_json_kint(struct zto_json *w, const char *k, int64_t v);
void zto_json_kuint(struct zto_json *w, const char *k, uint64_t v);
void zto_json_kbool(struct zto_json *w, const char *k, bool v);
void zto_json_knull(struct zto_json *w, const char *k);
void zto_json_ktime(struct zto_json *w, const char *k, int64_t t);
void zto_json_khex(struct zto_json *w, const char *k, const uint8_t *p,
                   size_t n);
void zto_json_kobj(struct zto_json *w, const char *k);
void zto_json_karr(struct zto_json *w, const char *k);

/* ZTO_OK and the length (text NUL-terminated in w->buf) when exactly one
 * complete value was written; otherwise the sticky error: ZTO_E_BUF_TOO_SMALL
 * (did not fit), ZTO_E_ARG (misuse, unbalanced) or ZTO_E_NOMEM. */
ZTO_MUST_CHECK zto_err_t zto_json_finish(struct zto_json *w, size_t *len);
/* Heap mode, after a successful finish: hand the buffer to the caller
 * (free() it); w no longer owns it. */
char *zto_json_take(struct zto_json *w);

/* ---- Reader ------------------------------------------------------------ */

enum zto_json_type {
    ZTO_JSON_NULL = 1,
    ZTO_JSON_FALSE,
    ZTO_JSON_TRUE,
    ZTO_JSON_NUMBER,
    ZTO_JSON_STRING,
    ZTO_JSON_ARRAY,
    ZTO_JSON_OBJECT
};

struct zto_json_tok {
    uint8_t type;   /* enum zto_json_type */
    uint32_t start; /* offset of the value's first byte (after '"') */
    uint32_t len;   /* bytes of its text (strings: between the quotes) */
    uint32_t count; /* arrays: elements; objects: members */
    uint32_t next;  /* index of the token after this value's subtree */
};

/* An object member is two tokens: the key (a string) and its value. */
struct zto_json_doc {
    const char *text; /* not copied: must outlive the doc */
    size_t text_len;
    struct zto_json_tok *tok; /* heap */
    size_t n;
};

/* Parse and check text (at most max_tokens values, 0 = 4096). Errors:
 * ZTO_E_PROTO (grammar; *err_off = byte offset), ZTO_E_DEPTH,
 * ZTO_E_TOO_BIG (tokens), ZTO_E_EXISTS (duplicate key), ZTO_E_NOMEM.
 * err_off may be NULL. */
ZTO_MUST_CHECK zto_err_t zto_json_parse(const char *text, size_t len,
                                        size_t max_tokens,
                                        struct zto_json_doc *doc,
                                        size_t *err_off);
void zto_json_doc_free(struct zto_json_doc *doc);

int zto_json_type(const struct zto_json_doc *doc, size_t i);
/* Value token of member `key` of object i. ZTO_E_NOT_FOUND if absent,
 * ZTO_E_TYPE if i is not an object. */
ZTO_MUST_CHECK zto_err_t zto_json_member(const struct zto_json_doc *doc,
                                         size_t i, const char *key,
                                         size_t *val);
/* Strictness for request bodies: ZTO_E_UNKNOWN_KEY (and *bad = the key's
 * token) if object i has a member not in allowed[0..n). */
ZTO_MUST_CHECK zto_err_t zto_json_only(const struct zto_json_doc *doc, size_t i,
                                       const char *const *allowed, size_t n,
                                       size_t *bad);
/* Element k of array i (ZTO_E_NOT_FOUND past the end). */
ZTO_MUST_CHECK zto_err_t zto_json_at(const struct zto_json_doc *doc, size_t i,
                                     size_t k, size_t *elem);

/* Unescaped string into buf (NUL-terminated). ZTO_E_TYPE if not a string,
 * ZTO_E_BUF_TOO_SMALL if it does not fit, ZTO_E_RANGE if it contains
 * U+0000 (never accepted: C strings). len may be NULL. */
ZTO_MUST_CHECK zto_err_t zto_json_get_str(const struct zto_json_doc *doc,
                                          size_t i, char *buf, size_t cap,
                                          size_t *len);
/* Same into a heap copy (free()). */
ZTO_MUST_CHECK zto_err_t zto_json_dup_str(const struct zto_json_doc *doc,
                                          size_t i, char **out, size_t *len);
/* An integer without fraction or exponent, within int64. */
ZTO_MUST_CHECK zto_err_t zto_json_get_int(const struct zto_json_doc *doc,
                                          size_t i, int64_t *v);
ZTO_MUST_CHECK zto_err_t zto_json_get_bool(const struct zto_json_doc *doc,
                                           size_t i, bool *v);

#ifdef __cplusplus
}
#endif
#endif /* ZTO_JSON_H */
