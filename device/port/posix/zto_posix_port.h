/*
 * zto_posix_port.h - the POSIX port's storage and platform back ends
 * (the transports are in zto_posix_transport.h).
 *
 * Storage: a directory of blobs. write() is atomic and durable: the new
 * content goes to a temporary file in the same directory (mode 0600),
 * which is fsync'ed and renamed over the old one, and the directory is
 * fsync'ed, so after a crash or kill at any point the blob holds either
 * the old or the new content in full.
 *
 *     struct zto_file_store fs;
 *     zto_file_store_init(&fs, "/var/lib/fdo");
 *     cfg.storage = &zto_file_store_ops;  cfg.storage_ctx = &fs;
 *
 * Platform: monotonic clock, sleep, and log lines on stderr.
 */
#ifndef ZTO_POSIX_PORT_H
#define ZTO_POSIX_PORT_H

#include <limits.h>

#include "zto/zto_port.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

struct zto_file_store {
    char dir[PATH_MAX];
};

/* dir: the directory holding the blobs ("." allowed). Blob names are
 * relative paths without ".." components. */
ZTO_MUST_CHECK zto_err_t zto_file_store_init(struct zto_file_store *s,
                                             const char *dir);

extern const struct zto_storage_ops zto_file_store_ops;

/*
 * The same atomic write in two phases, for a module that must keep
 * several files or none: zto_file_stage() writes data to a fresh
 * temporary file next to path (mode `mode`, e.g. 0600), fsyncs it and
 * names it in tmp; zto_file_commit() renames it over path and fsyncs
 * the directory; zto_file_discard() removes it. Both clear tmp; an
 * empty tmp is a no-op for discard. The store's write() is stage +
 * commit.
 */
ZTO_MUST_CHECK zto_err_t zto_file_stage(const char *path, const uint8_t *data,
                                        size_t len, unsigned mode, char *tmp,
                                        size_t tmpcap);
ZTO_MUST_CHECK zto_err_t zto_file_commit(char *tmp, const char *path);
void zto_file_discard(char *tmp);

/* fsync a directory, so that entries created, renamed or removed in it
 * survive a power loss (a file system that cannot sync directories is
 * not an error). */
ZTO_MUST_CHECK zto_err_t zto_dir_sync(const char *dir);

/* A directory name given to the store or a module, copied into buf
 * without trailing slashes ("dir/" and "dir" name the same directory).
 * ZTO_E_ARG when dir is NULL or empty, or leaves fewer than `spare`
 * bytes of buf for the names put under it. */
ZTO_MUST_CHECK zto_err_t zto_dir_copy(char *buf, size_t cap, size_t spare,
                                      const char *dir);

/* Milliseconds of CLOCK_MONOTONIC (0 if the clock cannot be read): the
 * one clock of the port's timeouts and of zto_posix_platform_ops. */
uint64_t zto_posix_now_ms(void);

struct zto_posix_platform {
    int level;          /* lines above this level are dropped */
    const char *prefix; /* e.g. "fdo-device"; NULL: none */
};

void zto_posix_platform_init(struct zto_posix_platform *p, const char *prefix,
                             int level);

extern const struct zto_platform_ops zto_posix_platform_ops;

#ifdef __cplusplus
}
#endif
#endif /* ZTO_POSIX_PORT_H */
