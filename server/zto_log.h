/*
 * zto_log.h - logging for the daemons (not for libraries: the device
 * library and common/ report through callbacks and never print).
 *
 * One process-wide sink, chosen by zto_log_set_target():
 *   auto     the journal's own format on stderr ("<6>INFO: ...", no
 *            timestamp) when stderr is connected to journald (systemd
 *            sets JOURNAL_STREAM), else stderr with a UTC timestamp
 *            (terminal, container runtime, redirected file);
 *   stderr   always stderr with a timestamp;
 *   syslog   syslog(3), facility daemon.
 * Lines above the configured level are dropped before formatting.
 *
 * Macro suffixes: _f adds the calling function, _r appends
 * zto_strerror(r) and the numeric code, _fr both:
 *
 *     log_err_fr(r, "decode TO2.ProveOVHdr from %s", peer);
 *     -> "ERR srv_dispatch: decode TO2.ProveOVHdr from 1.2.3.4:5: ..."
 *
 * Never pass keys, nonces or session tokens in full: use zto_log_redact().
 */
#ifndef ZTO_LOG_H
#define ZTO_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "zto/zto_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Same numbering as enum zto_log_level of the device port. */
enum zto_srv_log_level {
    ZTO_SRV_LOG_ERR = 0,
    ZTO_SRV_LOG_WARN = 1,
    ZTO_SRV_LOG_INFO = 2,
    ZTO_SRV_LOG_DEBUG = 3
};

/* ident names the process in syslog ("fdo-owner"); it must outlive the
 * program. Until this is called: level INFO, stderr. */
void zto_log_setup(const char *ident, int level, bool foreground);

enum zto_log_target {
    ZTO_LOG_TARGET_AUTO = 0,
    ZTO_LOG_TARGET_STDERR = 1,
    ZTO_LOG_TARGET_SYSLOG = 2
};
/* "auto", "stderr", "syslog". */
ZTO_MUST_CHECK zto_err_t zto_log_target_parse(const char *s, int *target);
void zto_log_set_target(int target);
/* Where lines go now: "stderr", "journald" or "syslog". */
const char *zto_log_sink_name(void);
void zto_log_set_level(int level);
int zto_log_get_level(void);
bool zto_log_enabled(int level);

/* "err", "warn", "info", "debug" (also "error", "warning", 0..3). */
ZTO_MUST_CHECK zto_err_t zto_log_level_parse(const char *s, int *level);
const char *zto_log_level_name(int level);

#if defined(__GNUC__) || defined(__clang__)
#define ZTO_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ZTO_PRINTF(a, b)
#endif

/* func may be NULL; with has_r the error r is appended. */
void zto_log_write(int level, const char *func, bool has_r, zto_err_t r,
                   const char *fmt, ...) ZTO_PRINTF(5, 6);

/* A loggable stand-in for a secret: its first 4 characters, "...", and
 * its length ("q3Zk...(43)"). Returns buf. */
const char *zto_log_redact(const char *secret, char *buf, size_t cap);
#define ZTO_LOG_REDACT_MAX 32

#define ZTO_LOG_(lvl, f, hr, r, ...)                                           \
    do {                                                                       \
        if (zto_log_enabled(lvl))                                              \
            zto_log_write((lvl), (f), (hr), (r), __VA_ARGS__);                 \
    } while (0)

#define log_err(...) ZTO_LOG_(ZTO_SRV_LOG_ERR, NULL, false, ZTO_OK, __VA_ARGS__)
#define log_err_f(...)                                                         \
    ZTO_LOG_(ZTO_SRV_LOG_ERR, __func__, false, ZTO_OK, __VA_ARGS__)
#define log_err_r(r, ...)                                                      \
    ZTO_LOG_(ZTO_SRV_LOG_ERR, NULL, true, (r), __VA_ARGS__)
#define log_err_fr(r, ...)                                                     \
    ZTO_LOG_(ZTO_SRV_LOG_ERR, __func__, true, (r), __VA_ARGS__)

#define log_warn(...)                                                          \
    ZTO_LOG_(ZTO_SRV_LOG_WARN, NULL, false, ZTO_OK, __VA_ARGS__)
#define log_warn_f(...)                                                        \
    ZTO_LOG_(ZTO_SRV_LOG_WARN, __func__, false, ZTO_OK, __VA_ARGS__)
#define log_warn_r(r, ...)                                                     \
    ZTO_LOG_(ZTO_SRV_LOG_WARN, NULL, true, (r), __VA_ARGS__)
#define log_warn_fr(r, ...)                                                    \
    ZTO_LOG_(ZTO_SRV_LOG_WARN, __func__, true, (r), __VA_ARGS__)

#define log_info(...)                                                          \
    ZTO_LOG_(ZTO_SRV_LOG_INFO, NULL, false, ZTO_OK, __VA_ARGS__)
#define log_info_f(...)                                                        \
    ZTO_LOG_(ZTO_SRV_LOG_INFO, __func__, false, ZTO_OK, __VA_ARGS__)
#define log_info_r(r, ...)                                                     \
    ZTO_LOG_(ZTO_SRV_LOG_INFO, NULL, true, (r), __VA_ARGS__)
#define log_info_fr(r, ...)                                                    \
    ZTO_LOG_(ZTO_SRV_LOG_INFO, __func__, true, (r), __VA_ARGS__)

#define log_debug(...)                                                         \
    ZTO_LOG_(ZTO_SRV_LOG_DEBUG, NULL, false, ZTO_OK, __VA_ARGS__)
#define log_debug_f(...)                                                       \
    ZTO_LOG_(ZTO_SRV_LOG_DEBUG, __func__, false, ZTO_OK, __VA_ARGS__)
#define log_debug_r(r, ...)                                                    \
    ZTO_LOG_(ZTO_SRV_LOG_DEBUG, NULL, true, (r), __VA_ARGS__)
#define log_debug_fr(r, ...)                                                   \
    ZTO_LOG_(ZTO_SRV_LOG_DEBUG, __func__, true, (r), __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif /* ZTO_LOG_H */
