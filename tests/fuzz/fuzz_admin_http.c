/*
 * fuzz_admin_http.c - the admin API's HTTP request-head and target
 * parsers (server/admin_parse.c): any input fails cleanly or yields views
 * inside the input that obey the grammar; what parses as a target
 * decodes to a path of visible ASCII starting with '/'. The input is also
 * tried as a GUID and a time parameter (zto_admin_guid_parse,
 * zto_admin_time_parse).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
inside(const char *buf, size_t size, const char *p, size_t n)
{
    return p >= buf && p + n <= buf + size;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size > 0 ? size : 1);
    struct admin_head h;
    struct admin_target *t = malloc(sizeof(*t));
    const char *param[ZTO_ADMIN_MAX_PARAMS];
    char store[ADMIN_PATH_MAX], media[128];
    size_t i, np = 0;
    uint64_t blen = 0;
    zto_err_t r;

    FUZZ_CHECK(buf != NULL && t != NULL);
    if (size > 0)
        memcpy(buf, data, size);
    r = admin_parse_head(buf, size, &h);
    if (r == ZTO_OK) {
        FUZZ_CHECK(h.head_len <= size);
        FUZZ_CHECK(inside(buf, size, h.method_s, h.method_len));
        FUZZ_CHECK(inside(buf, size, h.target, h.target_len));
        FUZZ_CHECK(h.nhdr <= ADMIN_MAX_HEADERS);
        for (i = 0; i < h.nhdr; i++) {
            FUZZ_CHECK(h.hdr[i].nlen > 0);
            FUZZ_CHECK(inside(buf, h.head_len, h.hdr[i].name, h.hdr[i].nlen));
            FUZZ_CHECK(inside(buf, h.head_len, h.hdr[i].val, h.hdr[i].vlen));
        }
        if (admin_head_body_len(&h, &blen) == ZTO_OK)
            FUZZ_CHECK(admin_head_find(&h, "transfer-encoding", NULL, NULL) ==
                       0);
        (void)admin_head_keep_alive(&h);
        (void)admin_head_expect_continue(&h);
        (void)admin_head_media_type(&h, media, sizeof(media));
        if (admin_target_parse(h.target, h.target_len, t) == ZTO_OK) {
            FUZZ_CHECK(t->path[0] == '/');
            for (i = 0; t->path[i] != '\0'; i++)
                FUZZ_CHECK(t->path[i] > 0x20 && t->path[i] < 0x7f);
            FUZZ_CHECK(t->nq <= ZTO_ADMIN_MAX_QUERY);
            if (admin_path_match("/api/v1/x/{a}/y/{b}", t->path, store,
                                 sizeof(store), param, &np))
                FUZZ_CHECK(np == 2 && param[0][0] != '\0' &&
                           strchr(param[0], '/') == NULL);
        }
    } else {
        FUZZ_CHECK(r == ZTO_E_WANT_INPUT || r == ZTO_E_PROTO ||
                   r == ZTO_E_TOO_BIG || r == ZTO_E_UNSUPPORTED);
    }
    /* The raw bytes as a target too. */
    if (admin_target_parse(buf, size, t) == ZTO_OK)
        FUZZ_CHECK(t->path[0] == '/');
    /* And, up to a NUL, as a GUID and a time of a path or query
     * parameter: a GUID that parses prints and parses back the same. */
    {
        char *s = malloc(size + 1), gs[33];
        struct zto_guid g1, g2;
        int64_t tt = -1;

        FUZZ_CHECK(s != NULL);
        memcpy(s, data, size);
        s[size] = '\0';
        if (zto_admin_guid_parse(s, &g1) == ZTO_OK) {
            zto_admin_guid_str(&g1, gs);
            FUZZ_CHECK(zto_admin_guid_parse(gs, &g2) == ZTO_OK &&
                       memcmp(g1.b, g2.b, sizeof(g1.b)) == 0);
        }
        if (zto_admin_time_parse(s, &tt) == ZTO_OK)
            FUZZ_CHECK(tt >= 0);
        free(s);
    }
    free(t);
    free(buf);
    return 0;
}
