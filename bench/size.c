/*
 * size.c - the device core's size, from a device-only build
 * (ZTO_DEVICE_ONLY=ON, MinSizeRel: -Os), with binutils' size(1):
 *   - the two archives libzto_device.a + libzto_common.a, every object
 *     (an upper bound: common/ also holds codecs only servers use);
 *   - bin/zto-size-probe minus bin/zto-size-base: what linking the
 *     device core (DI, TO1, TO2) adds to a program with --gc-sections.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct sz {
    unsigned long text, data, bss;
};

/* size(1) of files; with total, the "(TOTALS)" line. 0 or -1. */
static int
size_of(const char *files, bool total, struct sz *s)
{
    char cmd[1200], line[512];
    FILE *f;
    int rc = -1;

    snprintf(cmd, sizeof(cmd), "size %s%s 2>/dev/null", total ? "-t " : "",
             files);
    if ((f = popen(cmd, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        struct sz t;
        if (sscanf(line, " %lu %lu %lu", &t.text, &t.data, &t.bss) != 3)
            continue;
        if (!total || strstr(line, "(TOTALS)") != NULL) {
            *s = t;
            rc = 0;
        }
    }
    if (pclose(f) != 0)
        rc = -1;
    return rc;
}

void
size_report(const char *dir)
{
    char files[1100];
    struct sz a, p, b;

    printf("\n== Device core size (%s, -Os)\n", dir);
    snprintf(files, sizeof(files),
             "%s/lib/libzto_device.a %s/lib/libzto_common.a", dir, dir);
    if (size_of(files, true, &a) != 0) {
        printf("   no device-only build in %s (scripts/bench makes one)\n",
               dir);
        return;
    }
    printf("   archives (every object):     text %6lu  data %4lu  bss %4lu "
           "bytes\n",
           a.text, a.data, a.bss);
    snprintf(files, sizeof(files), "%s/bin/zto-size-probe", dir);
    if (size_of(files, false, &p) == 0) {
        snprintf(files, sizeof(files), "%s/bin/zto-size-base", dir);
        if (size_of(files, false, &b) == 0 && p.text >= b.text)
            printf("   linked into a program (DI, TO1, TO2; --gc-sections):"
                   " text %lu  data %lu  bss %lu bytes\n",
                   p.text - b.text, p.data - b.data, p.bss - b.bss);
    }
    printf("   target: text < 102400 bytes: %s\n",
           a.text < 102400 ? "met" : "NOT met");
}
