/*
 * fuzz_admin_json.c - the admin API's JSON reader and writer
 * (server/zto_json.h). Whatever the reader accepts is written again by
 * the writer from its tokens; that text must be accepted too, with the
 * same shape, and writing it once more must give the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "zto_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write token i (and its subtree); returns the index after it. */
static size_t
rewrite(const struct zto_json_doc *doc, size_t i, struct zto_json *w)
{
    const struct zto_json_tok *t = &doc->tok[i];
    size_t k, j = i + 1;
    char *s = NULL;
    size_t len = 0;
    int64_t v;

    switch (t->type) {
    case ZTO_JSON_OBJECT:
        zto_json_obj(w);
        for (k = 0; k < t->count; k++) {
            /* A name holding U+0000 cannot be a C string: replaced. */
            if (zto_json_dup_str(doc, j, &s, &len) != ZTO_OK)
                zto_json_key(w, "(nul)");
            else
                zto_json_key(w, s);
            free(s);
            s = NULL;
            j = rewrite(doc, j + 1, w);
        }
        zto_json_obj_end(w);
        return t->next;
    case ZTO_JSON_ARRAY:
        zto_json_arr(w);
        for (k = 0; k < t->count; k++)
            j = rewrite(doc, j, w);
        zto_json_arr_end(w);
        return t->next;
    case ZTO_JSON_STRING:
        if (zto_json_dup_str(doc, i, &s, &len) == ZTO_OK)
            zto_json_strn(w, s, len);
        else
            zto_json_str(w, "");
        free(s);
        return i + 1;
    case ZTO_JSON_NUMBER:
        if (zto_json_get_int(doc, i, &v) == ZTO_OK)
            zto_json_int(w, v);
        else
            zto_json_int(w, 0); /* fractions and big numbers */
        return i + 1;
    case ZTO_JSON_TRUE:
    case ZTO_JSON_FALSE:
        zto_json_bool(w, t->type == ZTO_JSON_TRUE);
        return i + 1;
    default:
        zto_json_null(w);
        return i + 1;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size > 0 ? size : 1);
    struct zto_json_doc d1, d2;
    struct zto_json w1, w2;
    size_t l1 = 0, l2 = 0, i;

    FUZZ_CHECK(buf != NULL);
    if (size > 0)
        memcpy(buf, data, size);
    if (zto_json_parse(buf, size, 0, &d1, NULL) != ZTO_OK) {
        free(buf);
        return 0;
    }
    zto_json_init_dyn(&w1, 1 << 24);
    rewrite(&d1, 0, &w1);
    FUZZ_CHECK(zto_json_finish(&w1, &l1) == ZTO_OK);
    {
        /* Names holding U+0000 were replaced and may now collide. */
        if (zto_json_parse(w1.buf, l1, 0, &d2, NULL) == ZTO_OK) {
            FUZZ_CHECK(d2.n == d1.n);
            for (i = 0; i < d1.n; i++)
                FUZZ_CHECK(d2.tok[i].type == d1.tok[i].type &&
                           d2.tok[i].count == d1.tok[i].count);
            zto_json_init_dyn(&w2, 1 << 24);
            rewrite(&d2, 0, &w2);
            FUZZ_CHECK(zto_json_finish(&w2, &l2) == ZTO_OK);
            FUZZ_CHECK(l2 == l1 && memcmp(w1.buf, w2.buf, l1) == 0);
            zto_json_free(&w2);
            zto_json_doc_free(&d2);
        }
    }
    zto_json_free(&w1);
    zto_json_doc_free(&d1);
    free(buf);
    return 0;
}
