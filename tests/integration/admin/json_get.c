/*
 * json_get - read one value out of a JSON document on standard input,
 * for the admin API shell tests (the document is checked strictly with
 * the project's reader first).
 *
 *   json_get PATH...
 *
 * PATH: member names and array indexes separated by '.', e.g.
 * "devices.0.guid", "error.code", "total"; "#" after a path
 * ("devices.#") prints an array's or object's length. Strings print raw
 * (unescaped), other values as written. One line per PATH. Exit 1 if a
 * path is missing, 2 if the input is not JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zto_json.h"

static int
lookup(const struct zto_json_doc *doc, const char *path)
{
    char seg[256];
    size_t cur = 0;
    const char *p = path;

    while (*p != '\0') {
        size_t n = strcspn(p, ".");
        size_t next = 0;
        char *end;

        if (n >= sizeof(seg))
            return 1;
        memcpy(seg, p, n);
        seg[n] = '\0';
        p += n;
        if (*p == '.')
            p++;
        if (strcmp(seg, "#") == 0) {
            int t = zto_json_type(doc, cur);
            if (t != ZTO_JSON_ARRAY && t != ZTO_JSON_OBJECT)
                return 1;
            printf("%u\n", (unsigned)doc->tok[cur].count);
            return 0;
        }
        if (zto_json_type(doc, cur) == ZTO_JSON_ARRAY) {
            unsigned long k = strtoul(seg, &end, 10);
            if (*end != '\0' || zto_json_at(doc, cur, k, &next) != ZTO_OK)
                return 1;
        } else if (zto_json_member(doc, cur, seg, &next) != ZTO_OK) {
            return 1;
        }
        cur = next;
    }
    if (zto_json_type(doc, cur) == ZTO_JSON_STRING) {
        char *s = NULL;
        size_t len = 0;
        if (zto_json_dup_str(doc, cur, &s, &len) != ZTO_OK)
            return 1;
        fwrite(s, 1, len, stdout);
        putchar('\n');
        free(s);
    } else {
        printf("%.*s\n", (int)doc->tok[cur].len,
               doc->text + doc->tok[cur].start);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    static char buf[64 << 20];
    struct zto_json_doc doc;
    size_t n = fread(buf, 1, sizeof(buf), stdin);
    int i, rc = 0;

    if (zto_json_parse(buf, n, 1 << 20, &doc, NULL) != ZTO_OK) {
        fprintf(stderr, "json_get: not JSON\n");
        return 2;
    }
    for (i = 1; i < argc; i++)
        if (lookup(&doc, argv[i]) != 0) {
            fprintf(stderr, "json_get: no %s\n", argv[i]);
            rc = 1;
        }
    zto_json_doc_free(&doc);
    return rc;
}
