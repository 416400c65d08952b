/*
 * fuzz_wget_url.c - the URL splitter of fdo.wget (zto_posix_wget_url,
 * device/port/posix/mod_wget.c): whatever it takes is http or https with
 * a host, a request target starting with "/" of printable ASCII without
 * spaces or "#", within the buffer; the target's URL followed by that
 * request target splits again to the same parts.
 */
#include "fuzz_util.h"
#include "zto_posix_modules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zto_target a, b;
    char path[256], path2[256], url[ZTO_HOST_MAX + 320];
    char *s;
    size_t i, n;

    if (size > 4096)
        return 0;
    s = malloc(size + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    if (zto_posix_wget_url(s, &a, path, sizeof(path)) == ZTO_OK) {
        FUZZ_CHECK(a.protocol == ZTO_TPROT_HTTP ||
                   a.protocol == ZTO_TPROT_HTTPS);
        FUZZ_CHECK(a.host[0] != '\0' && a.port != 0);
        n = strlen(path);
        FUZZ_CHECK(n > 0 && n < sizeof(path) && path[0] == '/');
        for (i = 0; i < n; i++)
            FUZZ_CHECK(path[i] > 0x20 && path[i] < 0x7f && path[i] != '#');
        FUZZ_CHECK(zto_target_url(&a, url, sizeof(url)) == ZTO_OK);
        /* zto_target_url() may end with "/"; the path brings its own. */
        n = strlen(url);
        if (n > 0 && url[n - 1] == '/')
            url[n - 1] = '\0';
        FUZZ_CHECK(n + strlen(path) < sizeof(url));
        memcpy(url + strlen(url), path, strlen(path) + 1);
        FUZZ_CHECK(zto_posix_wget_url(url, &b, path2, sizeof(path2)) == ZTO_OK);
        FUZZ_CHECK(a.protocol == b.protocol && a.port == b.port &&
                   strcmp(a.host, b.host) == 0 && strcmp(path, path2) == 0);
    }
    free(s);
    return 0;
}
