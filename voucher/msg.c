/*
 * msg.c - one-line error messages: built where the failure is decided,
 * printed once by the command.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vt_int.h"

zto_err_t
vt_fail(struct vt_err *e, zto_err_t r, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return r;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return r;
}

void
vt_err_prefix(struct vt_err *e, const char *fmt, ...)
{
    char old[sizeof(e->msg)];
    size_t n, k;
    va_list ap;

    /* Long messages are cut, never overflowed. */
    memcpy(old, e->msg, sizeof(old));
    old[sizeof(old) - 1] = 0;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    n = strlen(e->msg);
    k = strlen(old);
    if (n + 2 < sizeof(e->msg)) {
        memcpy(e->msg + n, ": ", 2);
        n += 2;
        if (k > sizeof(e->msg) - 1 - n)
            k = sizeof(e->msg) - 1 - n;
        memcpy(e->msg + n, old, k);
        e->msg[n + k] = 0;
    }
}

void
vt_print_err(const char *cmd, const struct vt_err *e)
{
    if (cmd != NULL)
        fprintf(stderr, "fdo-voucher %s: %s\n", cmd, e->msg);
    else
        fprintf(stderr, "fdo-voucher: %s\n", e->msg);
}

void
vt_usage_err(const char *cmd, const char *fmt, ...)
{
    char m[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    fprintf(stderr, "fdo-voucher %s: %s (see 'fdo-voucher %s --help')\n", cmd,
            m, cmd);
}

void
vt_opt_error(const char *cmd, int c, int optopt_, char **argv, int optind_)
{
    const char *arg = optind_ > 0 ? argv[optind_ - 1] : "?";
    char shortopt[3] = {'-', (char)optopt_, 0};

    /* Long options are named by the argument itself; a short one may sit
     * inside a group ("-xo"), so name it by its letter. */
    if (strncmp(arg, "--", 2) != 0 && optopt_ > ' ' && optopt_ < 127)
        arg = shortopt;
    if (c == ':')
        vt_usage_err(cmd, "option '%s' needs a value", arg);
    else
        vt_usage_err(cmd, "unknown option '%s'", arg);
}
