/*
 * zto_crashpoint.h - named points where the crash-safety tests kill a
 * process (tests/integration/crash/, docs/hardening.md).
 *
 *   ZTO_CRASHPOINT("owner.import.insert");
 *
 * Compiled to nothing unless the build has ZTO_TEST_HOOKS (CMake option
 * of the same name, on when tests are built). With it, a process whose
 * environment holds ZTO_CRASH_AT=NAME or ZTO_CRASH_AT=NAME:N writes
 * "crashpoint NAME\n" to stderr and kills itself with SIGKILL the N-th
 * time (default the first) it reaches the point NAME: no exit handler,
 * no flush, no SQLite rollback, exactly as a power cut or the OOM
 * killer would stop it (the page cache survives, so this tests crash
 * consistency, not durability across power loss).
 *
 * ZTO_CRASH_AT=* or ZTO_CRASH_AT=*:N stops at the N-th crash point the
 * process reaches, whatever its name: a test that walks a sequence of
 * steps sets N = 1, 2, ... until a run gets past the last point.
 *
 * For POSIX programs only (servers, the device's POSIX port): never use
 * it in common/ or device/src/.
 */
#ifndef ZTO_CRASHPOINT_H
#define ZTO_CRASHPOINT_H

#ifdef ZTO_TEST_HOOKS

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The points of every name passed in a process, for ZTO_CRASH_AT=*:N
 * (weak: one object however many files include this header). */
__attribute__((weak)) unsigned zto_crashpoint_any_hits;

static inline void
zto_crashpoint_hit(const char *name, unsigned *hits)
{
    const char *at = getenv("ZTO_CRASH_AT");
    size_t n = strlen(name), m = n;
    unsigned long want = 1;

    if (at == NULL)
        return;
    if (at[0] == '*') {
        m = 1;
        hits = &zto_crashpoint_any_hits;
    } else if (strncmp(at, name, n) != 0) {
        return;
    }
    if (at[m] != '\0' && at[m] != ':')
        return;
    if (at[m] == ':')
        want = strtoul(at + m + 1, NULL, 10);
    if (++*hits != want)
        return;
    if (write(2, "crashpoint ", 11) < 0 || write(2, name, n) < 0 ||
        write(2, "\n", 1) < 0) {
        /* dying anyway */
    }
    kill(getpid(), SIGKILL);
}

/* One hit counter per call site; a site may build its name at run time
 * (e.g. with a message type), hits count only for the name asked for. */
#define ZTO_CRASHPOINT(name)                                                   \
    do {                                                                       \
        static unsigned zto_crash_hits_;                                       \
        zto_crashpoint_hit((name), &zto_crash_hits_);                          \
    } while (0)

#else
#define ZTO_CRASHPOINT(name) ((void)0)
#endif

#endif
