/*
 * fuzz_conf.c - the daemons' configuration parser (server/conf.c): any
 * input either fails cleanly or parses; what parses prints (-T) to text
 * that parses to the same values.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>

#include "fuzz_util.h"
#include "zto_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fopts {
    struct zto_conf_listen l;
    struct zto_conf_listen c;
    struct zto_conf_str s;
    struct zto_conf_int i;
    struct zto_conf_bool b;
};

static const struct zto_conf_kw kw[] = {
    {"listen", ZTO_CONF_LISTEN, offsetof(struct fopts, l), NULL, 0, 0, 0,
     false, false, NULL},
    {"coap", ZTO_CONF_LISTEN, offsetof(struct fopts, c), NULL, 0, 0,
     ZTO_SRV_COAP, false, false, NULL},
    {"name", ZTO_CONF_STR, offsetof(struct fopts, s), NULL, 0, 0, 0, false,
     false, NULL},
    {"n", ZTO_CONF_INT, offsetof(struct fopts, i), NULL, -5, 100000, 0,
     false, false, NULL},
    {"flag", ZTO_CONF_BOOL, offsetof(struct fopts, b), NULL, 0, 0, 0, false,
     false, NULL},
};
#define NKW (sizeof(kw) / sizeof(kw[0]))

static int
same_listen(const struct zto_conf_listen *x, const struct zto_conf_listen *y)
{
    size_t i;

    if (x->set != y->set || x->n != y->n)
        return 0;
    for (i = 0; i < x->n; i++)
        if (x->v[i].transport != y->v[i].transport ||
            x->v[i].port != y->v[i].port ||
            strcmp(x->v[i].host, y->v[i].host) != 0)
            return 0;
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fopts a, b;
    char err[256], *out = NULL;
    size_t olen = 0;
    FILE *f;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    if (zto_conf_parse_text(kw, NKW, &a, "fuzz", (const char *)data, size,
                            err, sizeof(err)) == ZTO_OK) {
        f = open_memstream(&out, &olen);
        FUZZ_CHECK(f != NULL);
        zto_conf_print(kw, NKW, &a, f);
        fclose(f);
        FUZZ_CHECK(zto_conf_parse_text(kw, NKW, &b, "printed", out, olen,
                                       err, sizeof(err)) == ZTO_OK);
        FUZZ_CHECK(same_listen(&a.l, &b.l) && same_listen(&a.c, &b.c));
        FUZZ_CHECK(a.s.set == b.s.set &&
                   (!a.s.set || strcmp(a.s.v, b.s.v) == 0));
        FUZZ_CHECK(a.i.set == b.i.set && (!a.i.set || a.i.v == b.i.v));
        FUZZ_CHECK(a.b.set == b.b.set && (!a.b.set || a.b.v == b.b.v));
        free(out);
    }
    zto_conf_free(kw, NKW, &a);
    zto_conf_free(kw, NKW, &b);
    return 0;
}
