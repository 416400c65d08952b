/*
 * size_probe.c - a minimal "firmware" that links the device core the
 * way a product would: DI or TO1 + TO2 through the caller's transport
 * and storage (stubs here), nothing else. Linked with --gc-sections, so
 * its size minus that of size_base.c is what the device core adds to an
 * image (OpenSSL and libcbor are shared libraries and not counted).
 * fdo-bench --device-build reports it (docs/benchmark.md).
 */
#include <string.h>

#include "zto/zto_device.h"

static zto_err_t
t_open(void *ctx, const struct zto_target *t)
{
    (void)ctx;
    (void)t;
    return ZTO_E_CONNECT;
}

static zto_err_t
t_send(void *ctx, uint8_t type, const uint8_t *b, size_t n)
{
    (void)ctx;
    (void)type;
    (void)b;
    (void)n;
    return ZTO_E_CONNECT;
}

static zto_err_t
t_recv(void *ctx, uint8_t *b, size_t cap, size_t *n, uint8_t *type)
{
    (void)ctx;
    (void)b;
    (void)cap;
    (void)n;
    (void)type;
    return ZTO_E_CONNECT;
}

static void
t_close(void *ctx)
{
    (void)ctx;
}

static zto_err_t
s_read(void *ctx, const char *name, uint8_t *b, size_t cap, size_t *n)
{
    (void)ctx;
    (void)name;
    (void)b;
    (void)cap;
    (void)n;
    return ZTO_E_NOT_FOUND;
}

static zto_err_t
s_write(void *ctx, const char *name, const uint8_t *b, size_t n)
{
    (void)ctx;
    (void)name;
    (void)b;
    (void)n;
    return ZTO_E_IO;
}

static const struct zto_transport_ops tops = {t_open, t_send, t_recv, t_close};
static const struct zto_storage_ops sops = {s_read, s_write};

int
main(int argc, char **argv)
{
    struct zto_device dev;
    struct zto_device_cfg cfg;
    struct zto_target tg;
    uint8_t work[ZTO_DEVICE_WORK_MIN];
    int rc = 1;

    memset(&cfg, 0, sizeof(cfg));
    cfg.transport = &tops;
    cfg.storage = &sops;
    cfg.serial = "probe";
    cfg.model = "probe";
    zto_device_init(&dev);
    if (zto_device_setup(&dev, &cfg, work, sizeof(work)) != ZTO_OK)
        return 1;
    if (argc > 1 && zto_target_parse(argv[1], &tg) == ZTO_OK)
        rc = zto_device_di(&dev, &tg) == ZTO_OK ? 0 : 1;
    else if (zto_device_load(&dev) == ZTO_OK)
        rc = zto_device_onboard(&dev) == ZTO_OK ? 0 : 1;
    zto_device_free(&dev);
    return rc;
}
