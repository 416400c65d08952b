/*
 * log.c - the daemons' log sink: stderr (with a timestamp, or in the
 * journal's format when stderr is the journal) or syslog.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "zto_log.h"

enum sink { SINK_STDERR, SINK_JOURNAL, SINK_SYSLOG };

/* Process-wide by design: a daemon has one log. */
static int log_level = ZTO_SRV_LOG_INFO;
static enum sink log_sink = SINK_STDERR;
static const char *log_ident = "zto";

static const char *const level_names[] = {"ERR", "WARN", "INFO", "DEBUG"};
/* syslog priorities, also the "<N>" prefix journald reads on stderr. */
static const int level_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

/* systemd sets JOURNAL_STREAM=DEV:INODE for a service whose stderr is
 * the journal; a redirected or inherited stderr does not match it. */
static bool
stderr_is_journal(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    char extra;

    if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &extra) != 2 ||
        fstat(STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

void
zto_log_setup(const char *ident, int level, bool foreground)
{
    if (ident != NULL)
        log_ident = ident;
    zto_log_set_level(level);
    zto_log_set_target(foreground ? ZTO_LOG_TARGET_AUTO
                                  : ZTO_LOG_TARGET_SYSLOG);
}

void
zto_log_set_target(int target)
{
    enum sink s = SINK_STDERR;

    if (target == ZTO_LOG_TARGET_SYSLOG)
        s = SINK_SYSLOG;
    else if (target == ZTO_LOG_TARGET_AUTO && stderr_is_journal())
        s = SINK_JOURNAL;
    if (s == SINK_SYSLOG && log_sink != SINK_SYSLOG)
        openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    else if (s != SINK_SYSLOG && log_sink == SINK_SYSLOG)
        closelog();
    log_sink = s;
}

zto_err_t
zto_log_target_parse(const char *s, int *target)
{
    if (s == NULL)
        return ZTO_E_ARG;
    if (strcasecmp(s, "auto") == 0)
        *target = ZTO_LOG_TARGET_AUTO;
    else if (strcasecmp(s, "stderr") == 0)
        *target = ZTO_LOG_TARGET_STDERR;
    else if (strcasecmp(s, "syslog") == 0)
        *target = ZTO_LOG_TARGET_SYSLOG;
    else
        return ZTO_E_CONFIG;
    return ZTO_OK;
}

const char *
zto_log_sink_name(void)
{
    return log_sink == SINK_SYSLOG    ? "syslog"
           : log_sink == SINK_JOURNAL ? "journald"
                                      : "stderr";
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

    if (log_sink == SINK_JOURNAL) {
        /* journald takes the priority from the prefix and adds the time,
         * the unit and the pid itself. */
        fprintf(stderr, "<%d>%s: %s\n", level_prio[level], level_names[level],
                line);
    } else if (log_sink == SINK_STDERR) {
        struct timespec ts;
        struct tm tm;
        char when[32] = "";

        if (clock_gettime(CLOCK_REALTIME, &ts) == 0 &&
            gmtime_r(&ts.tv_sec, &tm) != NULL)
            strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(stderr, "%s.%03ldZ %s %s: %s\n", when, ts.tv_nsec / 1000000,
                log_ident, level_names[level], line);
    } else {
        syslog(level_prio[level], "%s: %s", level_names[level], line);
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
