/*
 * zto_crash.h - crash points, for tests of crash safety.
 *
 * Code that must survive a crash at any moment marks the moments between
 * its durable steps with zto_crash_point("what was just done"). In a
 * build with ZTO_CRASH_POINTS (test binaries only) the points passed are
 * counted once zto_crash_at is set, and the one numbered zto_crash_at
 * ends the process at once with _exit(ZTO_CRASH_EXIT), as a power cut
 * would: nothing after it runs, no cleanup, no free. Its name is written
 * to zto_crash_fd first when that is >= 0. The test defines the three
 * variables, forks, arms the child and looks at what the child left.
 * In every other build the calls compile to nothing.
 */
#ifndef ZTO_CRASH_H
#define ZTO_CRASH_H

#ifdef ZTO_CRASH_POINTS
#include <string.h>
#include <unistd.h>

#define ZTO_CRASH_EXIT 86

extern unsigned zto_crash_at;    /* 1-based; 0: never */
extern unsigned zto_crash_count; /* points passed since armed */
extern int zto_crash_fd;         /* where the name goes, or -1 */

static inline void
zto_crash_point(const char *name)
{
    if (zto_crash_at == 0 || ++zto_crash_count != zto_crash_at)
        return;
    if (zto_crash_fd >= 0 && write(zto_crash_fd, name, strlen(name)) < 0)
        _exit(ZTO_CRASH_EXIT + 1);
    _exit(ZTO_CRASH_EXIT);
}
#else
#define zto_crash_point(name) ((void)0)
#endif

#endif /* ZTO_CRASH_H */
