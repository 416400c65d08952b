/*
 * log.c - log lines through cfg.platform->log. The library has no
 * printf: a line is the concatenation of up to three constant or
 * pre-formatted parts, cut at DEV_LOG_LINE bytes.
 */
#include "device_int.h"

#define DEV_LOG_LINE 160

static size_t
append(char *buf, size_t at, const char *s)
{
    while (s != NULL && *s != '\0' && at + 1 < DEV_LOG_LINE)
        buf[at++] = *s++;
    return at;
}

void
dev_log(const struct zto_device *dev, int level, const char *file, int line,
        const char *a, const char *b, const char *c)
{
    char buf[DEV_LOG_LINE];
    size_t n = 0;

    if (dev == NULL || dev->cfg == NULL || dev->cfg->platform == NULL ||
        dev->cfg->platform->log == NULL)
        return;
    n = append(buf, n, a);
    n = append(buf, n, b);
    n = append(buf, n, c);
    buf[n] = '\0';
    dev->cfg->platform->log(dev->cfg->platform_ctx, level, file, line, buf);
}

const char *
dev_u32_str(uint32_t v, char *buf)
{
    char tmp[10];
    size_t n = 0, i = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        buf[i++] = tmp[--n];
    buf[i] = '\0';
    return buf;
}

const char *
dev_guid_str(const struct zto_guid *g, char *buf)
{
    if (zto_hex_encode(g->b, ZTO_GUID_LEN, buf, 2 * ZTO_GUID_LEN + 1) != ZTO_OK)
        buf[0] = '\0';
    return buf;
}
