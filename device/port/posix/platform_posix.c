/*
 * platform_posix.c - clock, sleep and logging for the device library on
 * POSIX (struct zto_platform_ops, zto_port.h). Log lines go to stderr,
 * one per call: "PREFIX: LEVEL: text" (with file:line at debug level).
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "zto_posix_port.h"

void
zto_posix_platform_init(struct zto_posix_platform *p, const char *prefix,
                        int level)
{
    p->level = level;
    p->prefix = prefix;
}

uint64_t
zto_posix_now_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
px_now_ms(void *ctx)
{
    (void)ctx;
    return zto_posix_now_ms();
}

static void
px_sleep_ms(void *ctx, uint32_t ms)
{
    struct timespec ts;

    (void)ctx;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const char *const level_names[] = {"error", "warning", "info", "debug"};

static void
px_log(void *ctx, int level, const char *file, int line, const char *msg)
{
    const struct zto_posix_platform *p = ctx;
    const char *name =
        level >= 0 && level <= ZTO_LOG_DEBUG ? level_names[level] : "log";

    if (p != NULL && level > p->level)
        return;
    if (p != NULL && p->prefix != NULL)
        fprintf(stderr, "%s: ", p->prefix);
    if (level >= ZTO_LOG_DEBUG && file != NULL)
        fprintf(stderr, "%s: %s:%d: %s\n", name, file, line, msg);
    else
        fprintf(stderr, "%s: %s\n", name, msg);
}

const struct zto_platform_ops zto_posix_platform_ops = {px_now_ms, px_sleep_ms,
                                                        px_log};
