/*
 * log.c - the daemons' log sink (stderr in the foreground, else syslog).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "zto_log.h"

/* Process-wide by design: a daemon has one log. */
static int log_level = ZTO_SRV_LOG_INFO;
static bool log_foreground = true;
static const char *log_ident = "zto";

static const char *const level_names[] = {"ERR", "WARN", "INFO", "DEBUG"};

void
zto_log_setup(const char *ident, int level, bool foreground)
{
    if (ident != NULL)
        log_ident = ident;
    zto_log_set_level(level);
    if (!foreground && log_foreground)
        openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    else if (foreground && !log_foreground)
        closelog();
    log_foreground = foreground;
}

void
zto_log_set_level(int level)
{
    if (level < ZTO_SRV_LOG_ERR)
        level = ZTO_SRV_LOG_ERR;
    if (level > ZTO_SRV_LOG_DEBUG)
        level = ZTO_SRV_LOG_DEBUG;
    log_level = level;
}

int
zto_log_get_level(void)
{
    return log_level;
}

bool
zto_log_enabled(int level)
{
    return level <= log_level;
}

zto_err_t
zto_log_level_parse(const char *s, int *level)
{
    static const struct {
        const char *name;
        int level;
    } names[] = {
        {"err", ZTO_SRV_LOG_ERR},      {"error", ZTO_SRV_LOG_ERR},
        {"0", ZTO_SRV_LOG_ERR},        {"warn", ZTO_SRV_LOG_WARN},
        {"warning", ZTO_SRV_LOG_WARN}, {"1", ZTO_SRV_LOG_WARN},
        {"info", ZTO_SRV_LOG_INFO},    {"2", ZTO_SRV_LOG_INFO},
        {"debug", ZTO_SRV_LOG_DEBUG},  {"3", ZTO_SRV_LOG_DEBUG},
    };
    size_t i;

    if (s == NULL)
        return ZTO_E_ARG;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *level = names[i].level;
            return ZTO_OK;
        }
    }
    return ZTO_E_CONFIG;
}

const char *
zto_log_level_name(int level)
{
    if (level < ZTO_SRV_LOG_ERR || level > ZTO_SRV_LOG_DEBUG)
        return "?";
    return level_names[level];
}

void
zto_log_write(int level, const char *func, bool has_r, zto_err_t r,
              const char *fmt, ...)
{
    char msg[1024];
    char line[1200];
    va_list ap;
    int n;

    if (!zto_log_enabled(level))
        return;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (has_r)
        snprintf(line, sizeof(line), "%s%s%s: %s (%d)", func ? func : "",
                 func ? ": " : "", msg, zto_strerror(r), (int)r);
    else
        snprintf(line, sizeof(line), "%s%s%s", func ? func : "",
                 func ? ": " : "", msg);

    if (log_foreground) {
        struct timespec ts;
        struct tm tm;
        char when[32] = "";

        if (clock_gettime(CLOCK_REALTIME, &ts) == 0 &&
            gmtime_r(&ts.tv_sec, &tm) != NULL)
            strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(stderr, "%s.%03ldZ %s %s: %s\n", when, ts.tv_nsec / 1000000,
                log_ident, level_names[level], line);
    } else {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[level], "%s: %s", level_names[level], line);
    }
}

const char *
zto_log_redact(const char *secret, char *buf, size_t cap)
{
    size_t len;

    if (buf == NULL || cap == 0)
        return "";
    if (secret == NULL) {
        snprintf(buf, cap, "(none)");
        return buf;
    }
    len = strlen(secret);
    /* Short secrets are hidden entirely: four characters of eight would
     * give away half of it. */
    if (len < 16)
        snprintf(buf, cap, "...(%zu)", len);
    else
        snprintf(buf, cap, "%.4s...(%zu)", secret, len);
    return buf;
}
