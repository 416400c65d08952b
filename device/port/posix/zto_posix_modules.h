/*
 * zto_posix_modules.h - ServiceInfo modules of the POSIX port (device
 * side, struct zto_svi_module of zto_device.h): fdo.download,
 * fdo.command, fdo.upload and fdo.csr.
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

#ifdef __cplusplus
}
#endif
#endif
