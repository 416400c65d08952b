/*
 * mod_command.c - fdo.command on a POSIX device (FSIM fdo.command,
 * docs/serviceinfo.md): run a program the owner names.
 *
 *   owner:  command (tstr), args (bstr holding a CBOR array of tstr; a
 *           plain array is taken too), may_fail, return_stdout,
 *           return_stderr (bool), execute (null), sig (int)
 *   device: stdout, stderr (bstr, chunks), exitcode (int)
 *
 * The program runs directly (fork + execvp, no shell) in the working
 * directory, in a process group of its own, stdin from /dev/null and
 * stdout/stderr into pipes when the owner asked for them (/dev/null
 * otherwise). produce() sends what the pipes hold in chunks of at most
 * 1014 bytes within the negotiated size and, once the program exited
 * and its output is out, the exit code: 128 + n for a program killed by
 * signal n, 127 when it could not be started. A non-zero code without
 * may_fail fails TO2 (the FSIM: "TO2 will fail with message 255"),
 * with the reason as the ErrorMessage text. The group is killed
 * (SIGKILL) after the timeout; `sig` goes to the group.
 *
 * produce() runs before every DeviceServiceInfo: while the program runs
 * and has nothing to say, it waits (poll) up to wait_ms for output or
 * the exit, then lets an empty message go. TO2 keeps going round by
 * round (the owner answers each one at once), never blocked longer than
 * wait_ms, and an idle command costs a round per wait_ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zto/zto_cbor.h"
#include "zto/zto_codec.h"
#include "zto_posix_modules.h"
#include "zto_posix_port.h"

#define MOD "fdo.command"
#define CHUNK_MAX 1014
#define SLICE_MS 50

static zto_err_t failed(struct zto_posix_command *c, zto_err_t r,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static zto_err_t
failed(struct zto_posix_command *c, zto_err_t r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
    va_end(ap);
    return r;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Settings back to "nothing asked for". */
static void
reset_settings(struct zto_posix_command *c)
{
    c->prog[0] = '\0';
    c->args_len = c->nargs = 0;
    c->may_fail = c->want_stdout = c->want_stderr = false;
}

/* Stop a running command for good: kill the group, reap, close. */
static void
kill_and_reap(struct zto_posix_command *c)
{
    int st;

    if (c->running && !c->exited && c->pid > 0) {
        (void)kill(-(pid_t)c->pid, SIGKILL);
        (void)kill((pid_t)c->pid, SIGKILL);
        while (waitpid((pid_t)c->pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    close_fd(&c->fd_out);
    close_fd(&c->fd_err);
    c->running = c->exited = c->timed_out = false;
    c->pid = 0;
}

/* ---- args: bstr .cbor [* tstr], or [* tstr] ---- */

static zto_err_t
decode_args(struct zto_posix_command *c, const uint8_t *val, size_t len)
{
    struct zto_cbor_dec d, in;
    struct zto_cbor_item it;
    struct zto_bytes b, t;
    size_t n, i, used = 0;
    zto_err_t r;

    zto_cbor_dec_init(&d, val, len);
    if ((r = zto_cbor_peek(&d, &it)) != ZTO_OK)
        return r;
    if (it.major == ZTO_CBOR_BSTR) {
        if ((r = zto_cbor_get_bstr(&d, &b)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
            return r;
        zto_cbor_dec_init(&in, b.p, b.len);
    } else {
        in = d;
    }
    if ((r = zto_cbor_get_array(&in, &n)) != ZTO_OK)
        return r;
    if (n > ZTO_POSIX_CMD_NARGS_MAX)
        return ZTO_E_TOO_BIG;
    for (i = 0; i < n; i++) {
        if ((r = zto_cbor_get_tstr(&in, &t)) != ZTO_OK)
            return r;
        if (memchr(t.p, '\0', t.len) != NULL)
            return ZTO_E_RANGE;
        if (t.len + 1 > sizeof(c->args) - used)
            return ZTO_E_TOO_BIG;
        memcpy(c->args + used, t.p, t.len);
        c->args[used + t.len] = '\0';
        used += t.len + 1;
    }
    if ((r = zto_cbor_dec_finish(&in)) != ZTO_OK)
        return r;
    c->args_len = used;
    c->nargs = n;
    return ZTO_OK;
}

/* ---- starting the program ---- */

/* In the child: fds in place, working directory, exec. Reports errno on
 * the status pipe (close-on-exec) when exec fails. */
static void
child(struct zto_posix_command *c, char **argv, int in_fd, int out_fd,
      int err_fd, int status_fd)
{
    long fd, max;
    int e;

    (void)setpgid(0, 0);
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        goto fail;
    max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (fd = 3; fd < max; fd++)
        if (fd != status_fd)
            (void)close((int)fd);
    if (chdir(c->dir) != 0)
        goto fail;
    (void)signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
fail:
    e = errno;
    (void)!write(status_fd, &e, sizeof(e));
    _exit(127);
}

static zto_err_t
start(struct zto_posix_command *c)
{
    char *argv[ZTO_POSIX_CMD_NARGS_MAX + 2];
    int out[2] = {-1, -1}, err[2] = {-1, -1}, stp[2] = {-1, -1};
    int devnull = -1, e = 0, st;
    size_t i, off = 0;
    ssize_t n;
    pid_t pid;
    zto_err_t r = ZTO_E_IO;

    argv[0] = c->prog;
    for (i = 0; i < c->nargs; i++) {
        argv[i + 1] = c->args + off;
        off += strlen(c->args + off) + 1;
    }
    argv[c->nargs + 1] = NULL;
    c->exec_errno = 0;
    if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
        (c->want_stdout && pipe(out) != 0) ||
        (c->want_stderr && pipe(err) != 0) || pipe(stp) != 0 ||
        fcntl(stp[1], F_SETFD, FD_CLOEXEC) != 0) {
        r = failed(c, ZTO_E_IO, MOD ": cannot set up pipes: %s",
                   strerror(errno));
        goto out;
    }
    if ((pid = fork()) < 0) {
        r = failed(c, ZTO_E_IO, MOD ": cannot fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0)
        child(c, argv, devnull, out[1] >= 0 ? out[1] : devnull,
              err[1] >= 0 ? err[1] : devnull, stp[1]);
    (void)setpgid(pid, pid); /* also done by the child: no race */
    close_fd(&stp[1]);
    do
        n = read(stp[0], &e, sizeof(e));
    while (n < 0 && errno == EINTR);
    c->pid = (long)pid;
    c->running = true;
    c->exited = c->timed_out = false;
    c->deadline_ms =
        zto_posix_now_ms() + 1000u * (uint64_t)(c->timeout_s != 0
                                                    ? c->timeout_s
                                                    : ZTO_POSIX_CMD_TIMEOUT);
    if (n == (ssize_t)sizeof(e)) {
        /* exec (or chdir) failed: the child exits 127 at once. */
        c->exec_errno = e != 0 ? e : ENOEXEC;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        c->status = st;
        c->exited = true;
    } else {
        c->fd_out = out[0];
        c->fd_err = err[0];
        out[0] = err[0] = -1;
        if (c->fd_out >= 0)
            (void)fcntl(c->fd_out, F_SETFL, O_NONBLOCK);
        if (c->fd_err >= 0)
            (void)fcntl(c->fd_err, F_SETFL, O_NONBLOCK);
        if (c->fd_out >= 0)
            (void)fcntl(c->fd_out, F_SETFD, FD_CLOEXEC);
        if (c->fd_err >= 0)
            (void)fcntl(c->fd_err, F_SETFD, FD_CLOEXEC);
    }
    r = ZTO_OK;
out:
    close_fd(&out[0]);
    close_fd(&out[1]);
    close_fd(&err[0]);
    close_fd(&err[1]);
    close_fd(&stp[0]);
    close_fd(&stp[1]);
    close_fd(&devnull);
    return r;
}

/* ---- receive ---- */

static bool
is(const char *m, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(m, want, n) == 0;
}

static zto_err_t
get_flag(const uint8_t *val, size_t len, bool *v)
{
    struct zto_cbor_dec d;
    zto_err_t r;

    zto_cbor_dec_init(&d, val, len);
    if ((r = zto_cbor_get_bool(&d, v)) != ZTO_OK)
        return r;
    return zto_cbor_dec_finish(&d);
}

static zto_err_t
cmd_receive(void *ctx, const char *message, size_t mlen, const uint8_t *val,
            size_t len)
{
    struct zto_posix_command *c = ctx;
    struct zto_cbor_dec d;
    struct zto_bytes t;
    int64_t sig;
    bool on = false;
    zto_err_t r;

    zto_cbor_dec_init(&d, val, len);
    if (is(message, mlen, "command")) {
        if (c->running)
            return failed(c, ZTO_E_PROTO,
                          MOD ": a new command while one is running");
        reset_settings(c);
        if ((r = zto_cbor_get_tstr(&d, &t)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
            return failed(c, r, MOD ":command is not a text string");
        if (t.len == 0 || t.len >= sizeof(c->prog) ||
            memchr(t.p, '\0', t.len) != NULL)
            return failed(c, ZTO_E_RANGE,
                          MOD ":command is empty, too long or has a NUL");
        memcpy(c->prog, t.p, t.len);
        c->prog[t.len] = '\0';
    } else if (is(message, mlen, "args")) {
        if (c->running)
            return failed(c, ZTO_E_PROTO, MOD ": args while a command runs");
        if ((r = decode_args(c, val, len)) != ZTO_OK) {
            c->args_len = c->nargs = 0;
            return failed(c, r,
                          MOD ":args is not an array of at most %d texts of "
                              "%d bytes in all",
                          ZTO_POSIX_CMD_NARGS_MAX, ZTO_POSIX_CMD_ARGS_MAX);
        }
    } else if (is(message, mlen, "may_fail") ||
               is(message, mlen, "return_stdout") ||
               is(message, mlen, "return_stderr")) {
        if ((r = get_flag(val, len, &on)) != ZTO_OK)
            return failed(c, r, MOD ":%.*s is not a bool", (int)mlen, message);
        if (c->running)
            return failed(c, ZTO_E_PROTO,
                          MOD ": settings change while a command runs");
        if (is(message, mlen, "may_fail"))
            c->may_fail = on;
        else if (is(message, mlen, "return_stdout"))
            c->want_stdout = on;
        else
            c->want_stderr = on;
    } else if (is(message, mlen, "execute")) {
        /* null per the FSIM; true is taken as well */
        if (!zto_cbor_peek_null(&d)) {
            if (get_flag(val, len, &on) != ZTO_OK || !on)
                return failed(c, ZTO_E_TYPE, MOD ":execute is not null");
        } else if ((r = zto_cbor_get_null(&d)) != ZTO_OK ||
                   (r = zto_cbor_dec_finish(&d)) != ZTO_OK) {
            return failed(c, r, MOD ":execute is not null");
        }
        if (c->running)
            return failed(c, ZTO_E_PROTO, MOD ": execute twice");
        if (c->prog[0] == '\0')
            return failed(c, ZTO_E_PROTO, MOD ": execute without command");
        return start(c);
    } else if (is(message, mlen, "sig")) {
        if ((r = zto_cbor_get_int(&d, &sig)) != ZTO_OK ||
            (r = zto_cbor_dec_finish(&d)) != ZTO_OK)
            return failed(c, r, MOD ":sig is not an integer");
        if (sig < 1 || sig > 64)
            return failed(c, ZTO_E_RANGE, MOD ":sig %lld is not a signal",
                          (long long)sig);
        /* After the exit (the owner's timeout crossing our exitcode) a
         * signal has nothing left to reach. */
        if (c->running && !c->exited && kill(-(pid_t)c->pid, (int)sig) != 0)
            (void)kill((pid_t)c->pid, (int)sig); /* no group after all */
    }
    /* Other messages are not defined for the device: ignored. */
    return ZTO_OK;
}

/* ---- produce ---- */

/* Move what a pipe holds into `out` as "stdout"/"stderr" values.
 * *full: stopped for lack of room; *sent: something went out. */
static zto_err_t
drain(int *fd, const char *message, struct zto_svi_out *out, bool *full,
      bool *sent)
{
    uint8_t data[CHUNK_MAX], v[CHUNK_MAX + 3];
    struct zto_cbor_enc e;
    size_t room, chunk, w = 0;
    ssize_t n;
    zto_err_t r;

    while (*fd >= 0) {
        room = zto_svi_out_room(out, MOD, message);
        if (room < 2) {
            *full = true;
            return ZTO_OK;
        }
        chunk = room - zto_cbor_head_len(room);
        if (chunk > CHUNK_MAX)
            chunk = CHUNK_MAX;
        n = read(*fd, data, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return ZTO_OK;
        if (n <= 0) {
            close_fd(fd); /* end of output (or an error: same) */
            return ZTO_OK;
        }
        zto_cbor_enc_init(&e, v, sizeof(v));
        zto_cbor_put_bstr(&e, data, (size_t)n);
        if ((r = zto_cbor_enc_finish(&e, &w)) != ZTO_OK ||
            (r = zto_svi_out_put(out, MOD, message, v, w)) != ZTO_OK)
            return r; /* cannot happen: room was checked */
        *sent = true;
    }
    return ZTO_OK;
}

static void
reap(struct zto_posix_command *c)
{
    pid_t p;
    int st;

    if (!c->running || c->exited)
        return;
    p = waitpid((pid_t)c->pid, &st, WNOHANG);
    if (p == (pid_t)c->pid) {
        c->status = st;
        c->exited = true;
    }
}

static int
exit_code(const struct zto_posix_command *c)
{
    if (c->exec_errno != 0)
        return 127;
    if (WIFEXITED(c->status))
        return WEXITSTATUS(c->status);
    if (WIFSIGNALED(c->status))
        return 128 + WTERMSIG(c->status);
    return 255;
}

/* The exit, once the output before it is out: exitcode, or TO2 fails. */
static zto_err_t
report(struct zto_posix_command *c, struct zto_svi_out *out, bool *full)
{
    uint8_t v[16];
    struct zto_cbor_enc e;
    size_t n = 0;
    int code = exit_code(c), timeout;
    zto_err_t r;

    timeout = (int)(c->timeout_s != 0 ? c->timeout_s : ZTO_POSIX_CMD_TIMEOUT);
    if (code != 0 && !c->may_fail) {
        if (c->exec_errno != 0)
            failed(c, ZTO_E_SVI, MOD ": cannot run %.60s: %s", c->prog,
                   strerror(c->exec_errno));
        else if (c->timed_out)
            failed(c, ZTO_E_SVI, MOD ": %.60s timed out after %d s (killed)",
                   c->prog, timeout);
        else if (WIFSIGNALED(c->status))
            failed(c, ZTO_E_SVI, MOD ": %.60s killed by signal %d", c->prog,
                   WTERMSIG(c->status));
        else
            failed(c, ZTO_E_SVI, MOD ": %.60s exited with code %d", c->prog,
                   code);
        c->last_exit = code;
        close_fd(&c->fd_out);
        close_fd(&c->fd_err);
        c->running = c->exited = false;
        return ZTO_E_SVI;
    }
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_int(&e, code);
    if ((r = zto_cbor_enc_finish(&e, &n)) != ZTO_OK)
        return r;
    r = zto_svi_out_put(out, MOD, "exitcode", v, n);
    if (r == ZTO_E_BUF_TOO_SMALL) {
        *full = true;
        return ZTO_OK;
    }
    if (r != ZTO_OK)
        return r;
    c->last_exit = code;
    c->runs++;
    close_fd(&c->fd_out);
    close_fd(&c->fd_err);
    c->running = c->exited = c->timed_out = false;
    c->pid = 0;
    reset_settings(c);
    return ZTO_OK;
}

static zto_err_t
cmd_produce(void *ctx, struct zto_svi_out *out, bool *more)
{
    struct zto_posix_command *c = ctx;
    struct pollfd pf[2];
    uint64_t start = zto_posix_now_ms(), t, wait_ms;
    bool full, sent, exited;
    int np, slice;
    zto_err_t r;

    *more = false;
    wait_ms = c->wait_ms != 0 ? c->wait_ms : ZTO_POSIX_CMD_WAIT_MS;
    while (c->running) {
        full = sent = false;
        t = zto_posix_now_ms();
        if (!c->exited && !c->timed_out && t >= c->deadline_ms) {
            (void)kill(-(pid_t)c->pid, SIGKILL);
            (void)kill((pid_t)c->pid, SIGKILL);
            c->timed_out = true;
        }
        /* The exit first: what the program wrote before it is then all
         * in the pipes when they are read. */
        reap(c);
        exited = c->exited;
        if ((r = drain(&c->fd_out, "stdout", out, &full, &sent)) != ZTO_OK ||
            (r = drain(&c->fd_err, "stderr", out, &full, &sent)) != ZTO_OK)
            return r;
        if (full) {
            *more = true;
            return ZTO_OK;
        }
        if (exited) {
            /* Output taken this round goes out before a failure ends
             * TO2: the failure waits for the next round. */
            if (sent && exit_code(c) != 0 && !c->may_fail) {
                *more = true;
                return ZTO_OK;
            }
            if ((r = report(c, out, &full)) != ZTO_OK)
                return r;
            *more = full;
            return ZTO_OK;
        }
        if (sent || t - start >= wait_ms)
            return ZTO_OK;
        /* Nothing yet: wait a slice for output or the exit. */
        np = 0;
        if (c->fd_out >= 0) {
            pf[np].fd = c->fd_out;
            pf[np++].events = POLLIN;
        }
        if (c->fd_err >= 0) {
            pf[np].fd = c->fd_err;
            pf[np++].events = POLLIN;
        }
        slice = SLICE_MS;
        if (wait_ms - (t - start) < (uint64_t)slice)
            slice = (int)(wait_ms - (t - start));
        if (!c->timed_out && c->deadline_ms > t &&
            c->deadline_ms - t < (uint64_t)slice)
            slice = (int)(c->deadline_ms - t);
        if (poll(np > 0 ? pf : NULL, (nfds_t)np, slice) < 0 && errno != EINTR)
            return failed(c, ZTO_E_IO, MOD ": poll: %s", strerror(errno));
    }
    return ZTO_OK;
}

static void
cmd_finish(void *ctx, bool done)
{
    struct zto_posix_command *c = ctx;

    (void)done;
    kill_and_reap(c);
    reset_settings(c);
}

static const char *
cmd_why(void *ctx)
{
    const struct zto_posix_command *c = ctx;

    return c->last_error;
}

zto_err_t
zto_posix_command_init(struct zto_posix_command *c, const char *dir,
                       struct zto_svi_module *m)
{
    memset(c, 0, sizeof(*c));
    c->fd_out = c->fd_err = -1;
    if (zto_dir_copy(c->dir, sizeof(c->dir), 0, dir) != ZTO_OK)
        return ZTO_E_ARG;
    *m = (struct zto_svi_module){.name = MOD,
                                 .receive = cmd_receive,
                                 .produce = cmd_produce,
                                 .finish = cmd_finish,
                                 .why = cmd_why,
                                 .ctx = c};
    return ZTO_OK;
}

void
zto_posix_command_free(struct zto_posix_command *c)
{
    if (c == NULL)
        return;
    kill_and_reap(c);
}
