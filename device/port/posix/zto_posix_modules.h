/*
 * zto_posix_modules.h - ServiceInfo modules of the POSIX port (device
 * side, struct zto_svi_module of zto_device.h): fdo.download,
 * fdo.command, fdo.upload, fdo.csr and fdo.wget.
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

/*
 * A file arriving into a module's directory (incoming.c), for
 * fdo.download and fdo.wget: open() makes the directories below dir and
 * a temporary file next to dir/name; write() appends and hashes; keep()
 * checks the SHA-384 (when sha is not NULL), fsyncs and renames it into
 * place; discard() removes an unfinished one. open, write and keep
 * return NULL or why they failed (then discard). The name must have
 * passed zto_posix_name_ok().
 */
struct zto_posix_incoming {
    int fd; /* -1: none */
    bool hashing;
    struct zto_digest dg;
    char tmp[PATH_MAX]; /* "": none */
    char final[PATH_MAX];
};

void zto_posix_incoming_init(struct zto_posix_incoming *f);
const char *zto_posix_incoming_open(struct zto_posix_incoming *f,
                                    const char *dir, const char *name,
                                    size_t n);
const char *zto_posix_incoming_write(struct zto_posix_incoming *f,
                                     const uint8_t *p, size_t n);
const char *zto_posix_incoming_keep(struct zto_posix_incoming *f,
                                    const uint8_t *sha);
void zto_posix_incoming_discard(struct zto_posix_incoming *f);

/* fdo.download into a directory (mod_download.c). */
struct zto_posix_download {
    char dir[PATH_MAX];
    /* The file being received. */
    bool active;
    struct zto_posix_incoming in;
    bool have_length, have_sha;
    uint64_t length, written;
    uint8_t sha[48];
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

/* The name checks of fdo.download, shared with fdo.wget: p (n bytes) is
 * a relative path without NUL bytes, "..", "." or empty components. */
bool zto_posix_name_ok(const char *p, size_t n);
/* mkdir -p (mode 0755) for the directories of path below dir, path
 * being dir "/" name; false when one cannot be made. */
bool zto_posix_make_parents(const char *dir, char *path);

/*
 * fdo.command (mod_command.c): runs the program the owner names, with
 * its arguments, directly (fork + exec, no shell) in a working
 * directory, its process group killed after a timeout. stdout/stderr go
 * back in chunks when asked for, then exitcode. A non-zero exit without
 * may_fail fails TO2 (the ErrorMessage says why), as the FSIM asks.
 * produce() waits up to wait_ms for output or the exit before it lets
 * the next DeviceServiceInfo go, so an idle command costs a round per
 * wait_ms, not a busy loop; TO2 rounds continue while it runs.
 */
#define ZTO_POSIX_CMD_PROG_MAX 1024
#define ZTO_POSIX_CMD_ARGS_MAX 4096 /* bytes of all arguments */
#define ZTO_POSIX_CMD_NARGS_MAX 64
#define ZTO_POSIX_CMD_TIMEOUT 3600 /* seconds, default */
#define ZTO_POSIX_CMD_WAIT_MS 1000 /* default wait in produce() */

struct zto_posix_command {
    /* Configuration: set by init, may be changed before TO2. */
    char dir[PATH_MAX]; /* working directory */
    unsigned timeout_s; /* kill after this many seconds (0: default) */
    unsigned wait_ms;   /* longest wait in one produce() (0: default) */
    /* What the owner asked for. */
    char prog[ZTO_POSIX_CMD_PROG_MAX];
    char args[ZTO_POSIX_CMD_ARGS_MAX]; /* NUL-terminated, back to back */
    size_t args_len, nargs;
    bool may_fail, want_stdout, want_stderr;
    /* The command running (or finished, exitcode not yet sent). */
    bool running, exited, timed_out;
    long pid;
    int status;           /* waitpid() status once exited */
    int exec_errno;       /* exec failed: errno */
    int fd_out, fd_err;   /* pipe read ends, -1 when closed/unused */
    uint64_t deadline_ms; /* monotonic */
    /* What happened, for the caller. */
    unsigned runs;        /* commands that ran to their exit */
    int last_exit;        /* exit code of the last one */
    char last_error[160]; /* why the module failed TO2, or "" */
};

/* dir must exist; fills m (name "fdo.command") with c as its context. */
ZTO_MUST_CHECK zto_err_t zto_posix_command_init(struct zto_posix_command *c,
                                                const char *dir,
                                                struct zto_svi_module *m);
/* Kill and reap a command still running. */
void zto_posix_command_free(struct zto_posix_command *c);

/*
 * fdo.upload (mod_upload.c): sends a file the owner names, relative to a
 * directory: length, data chunks (at most 1014 bytes each, within the
 * negotiated size), sha-384 when the owner sent need-sha. Absolute
 * names, ".." and symbolic links leading outside the directory are
 * refused unless `anywhere` is set. A missing or refused file fails TO2
 * with an ErrorMessage naming it (the FSIM has no message for it).
 */
struct zto_posix_upload {
    char dir[PATH_MAX];
    bool anywhere; /* accept any path (absolute, "..") */
    bool need_sha;
    /* The file being sent. */
    bool sending, length_sent;
    int fd;
    uint64_t length, sent;
    bool hashing;
    struct zto_digest dg;
    char path[PATH_MAX];
    /* What happened, for the caller. */
    unsigned files;           /* files sent completely */
    char last_file[PATH_MAX]; /* path of the last one */
    char last_error[160];     /* why the module failed TO2, or "" */
};

/* dir must exist; fills m (name "fdo.upload") with u as its context. */
ZTO_MUST_CHECK zto_err_t zto_posix_upload_init(struct zto_posix_upload *u,
                                               const char *dir,
                                               struct zto_svi_module *m);
void zto_posix_upload_free(struct zto_posix_upload *u);

/*
 * fdo.csr: the device's operational certificate (mod_csr.c). When the
 * owner opens the module the device asks for the CA bundle, then sends
 * a PKCS#10 request for a key it makes (the private key stays here) or,
 * with serverkeygen, asks the owner for key and certificate. What comes
 * back must match the key and verify against the bundle; it is written
 * at once into a new generation directory DIR/.opcred-<n>/ and put in
 * place only when TO2 completes, all three files in one step: the
 * symbolic link DIR/opcred is renamed to point at the new generation,
 * then the previous one is removed. Programs use the stable names
 *     DIR/opcred-key.pem (PKCS#8, 0600), DIR/opcred-cert.pem,
 *     DIR/opcred-ca.pem
 * (links into DIR/opcred/). After a crash at any point they show the
 * whole old set or the whole new one; init removes what a crash left
 * (".opcred-*" entries other than the current generation), so one
 * directory serves one onboarding at a time. A failed TO2 changes
 * nothing.
 */
#define ZTO_POSIX_CSR_MAX_CA 16
#define ZTO_POSIX_CSR_CA_BUF 16384

struct zto_posix_csr {
    char dir[PATH_MAX];
    int32_t key_type;  /* ZTO_PK_SECP256R1 (default) or ZTO_PK_SECP384R1 */
    bool serverkeygen; /* the owner makes the key */
    char cn[65];       /* subject CN of the request (a hint to the owner) */
    /* One TO2. */
    int state;
    unsigned tries;
    struct zto_key key;
    uint8_t ca_buf[ZTO_POSIX_CSR_CA_BUF];
    struct zto_bytes ca[ZTO_POSIX_CSR_MAX_CA];
    size_t nca;
    char gen[PATH_MAX]; /* the generation staged, or "" */
    /* What happened, for the caller. */
    bool stored; /* the files are in place (after a completed TO2) */
    char key_path[PATH_MAX], cert_path[PATH_MAX], ca_path[PATH_MAX];
    char subject[256];
    int64_t not_after;
    char last_error[256]; /* why it failed, or "" */
};

/* dir must exist; cn: 1..64 bytes. Fills m (name "fdo.csr"). Removes
 * what an interrupted earlier run left in dir. */
ZTO_MUST_CHECK zto_err_t zto_posix_csr_init(struct zto_posix_csr *c,
                                            const char *dir, int32_t key_type,
                                            bool serverkeygen, const char *cn,
                                            struct zto_svi_module *m);
/* Drop what is pending (a generation not put in place, key). */
void zto_posix_csr_free(struct zto_posix_csr *c);

/*
 * fdo.wget (mod_wget.c): the device fetches a file the owner names by
 * URL, outside the FDO tunnel: GET over http:// or https:// (the peer
 * checked against ca_file, or the system store), redirects followed up
 * to ZTO_POSIX_WGET_REDIRECTS times (never from https to http), at most
 * max_size bytes and timeout_s seconds in all. The body goes to a
 * temporary file (mode 0600) next to the target in the download
 * directory; it is checked against the owner's sha-384 when one was
 * sent, fsync'ed and renamed over the target, and the directory is
 * fsync'ed. Names are those fdo.download accepts (default: the URL's
 * last path segment). The device answers done = bytes, or error = a
 * short reason ("HTTP 404", "SHA-384 mismatch", ...); nothing is left
 * behind after an error. The fetch runs in produce(), at most wait_ms
 * per DeviceServiceInfo, so TO2 rounds go on while it lasts.
 */
#define ZTO_POSIX_WGET_MAX_SIZE (256ull * 1024 * 1024) /* default */
#define ZTO_POSIX_WGET_TIMEOUT 900                     /* s, default */
#define ZTO_POSIX_WGET_WAIT_MS 1000
#define ZTO_POSIX_WGET_REDIRECTS 3
#define ZTO_POSIX_WGET_URL_MAX 2048
#define ZTO_POSIX_WGET_ERR_MAX 120

struct zto_posix_wget {
    /* Configuration: set by init, may be changed before TO2. */
    char dir[PATH_MAX];
    const char *ca_file; /* https: trusted CAs (PEM); NULL: system store */
    uint64_t max_size;   /* bytes (0: default) */
    unsigned timeout_s;  /* whole fetch, redirects included (0: default) */
    unsigned wait_ms;    /* longest wait in one produce() (0: default) */
    /* What the owner sent for the next fetch. */
    char name[PATH_MAX];
    bool have_name, have_sha;
    uint8_t sha[48];
    /* The fetch running. */
    bool fetching;
    void *base;    /* struct event_base * */
    void *conn;    /* struct evhttp_connection * */
    void *slice;   /* struct event *: end of one produce()'s wait */
    void *ssl_ctx; /* SSL_CTX * */
    struct zto_target target;
    char path[ZTO_POSIX_WGET_URL_MAX]; /* request target */
    char location[ZTO_POSIX_WGET_URL_MAX];
    unsigned redirects;
    int status, conn_err;
    bool req_done, req_failed, aborted, slice_over;
    struct zto_posix_incoming in;
    uint64_t got, deadline_ms;
    char fail[ZTO_POSIX_WGET_ERR_MAX]; /* why it stopped */
    /* The answer owed to the owner. */
    bool answer_pending, answer_ok;
    uint64_t answer_bytes;
    char answer_err[ZTO_POSIX_WGET_ERR_MAX];
    /* What happened, for the caller. */
    unsigned files;           /* files fetched */
    char last_file[PATH_MAX]; /* path of the last one */
    char last_error[160];     /* the last failure, or "" */
};

/* dir must exist; fills m (name "fdo.wget") with w as its context. */
ZTO_MUST_CHECK zto_err_t zto_posix_wget_init(struct zto_posix_wget *w,
                                             const char *dir,
                                             struct zto_svi_module *m);
/* Stop a fetch and remove its temporary file. */
void zto_posix_wget_free(struct zto_posix_wget *w);
/* "http[s]://HOST[:PORT][/PATH][?QUERY][#FRAGMENT]" into t and the
 * request target ("/PATH?QUERY", "/" when empty; the fragment dropped).
 * ZTO_E_URL for other schemes, user info, spaces or bytes outside
 * printable ASCII, and targets longer than cap. */
ZTO_MUST_CHECK zto_err_t zto_posix_wget_url(const char *url,
                                            struct zto_target *t, char *path,
                                            size_t cap);

#ifdef __cplusplus
}
#endif
#endif
