/*
 * zto_posix_modules.h - ServiceInfo modules of the POSIX port (device
 * side, struct zto_svi_module of zto_device.h).
 *
 *     struct zto_posix_download dl;
 *     struct zto_svi_module mod;
 *     zto_posix_download_init(&dl, "/var/lib/fdo/files", &mod);
 *     const struct zto_svi_module *mods[] = {&mod};
 *     cfg.modules = mods;  cfg.nmodules = 1;
 *     ... onboard ...
 *     zto_posix_download_free(&dl);
 */
#ifndef ZTO_POSIX_MODULES_H
#define ZTO_POSIX_MODULES_H

#include <limits.h>

#include "zto/zto_device.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* fdo.download into a directory (mod_download.c). */
struct zto_posix_download {
    char dir[PATH_MAX];
    /* The file being received. */
    bool active;
    int fd;
    char tmp[PATH_MAX];
    char final[PATH_MAX];
    bool have_length, have_sha, hashing;
    uint64_t length, written;
    uint8_t sha[48];
    struct zto_digest dg;
    /* The "done" answer owed to the owner. */
    bool done_pending;
    int64_t done_value;
    /* What happened, for the caller. */
    unsigned files;           /* files completed */
    char last_file[PATH_MAX]; /* path of the last one */
    char last_error[128];     /* why the last one failed, or "" */
};

/* dir must exist; fills m (name "fdo.download") with d as its context. */
ZTO_MUST_CHECK zto_err_t zto_posix_download_init(struct zto_posix_download *d,
                                                 const char *dir,
                                                 struct zto_svi_module *m);
/* Remove an unfinished temporary file. */
void zto_posix_download_free(struct zto_posix_download *d);

#ifdef __cplusplus
}
#endif
#endif
