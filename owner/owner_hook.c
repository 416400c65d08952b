/*
 * owner_hook.c - the onboarded_hook dispatcher: runs the operator's
 * program once for every row of hook_events (written in the commit that
 * ends a TO2, db/schema/owner/006_hook_events.sql) and deletes the row
 * when the program exits 0.
 *
 * Everything happens on the server's event loop without blocking it: a
 * timer looks for due rows, starts at most HOOK_MAX_RUNNING programs
 * with posix_spawn (no shell, no arguments; the onboarding in the
 * environment, never a secret, stdin /dev/null, stdout and stderr into one
 * pipe), reads their output (the first HOOK_OUT_MAX bytes are kept), reaps them
 * with waitpid(WNOHANG) and kills those running past the timeout. A failure
 * (non-zero exit, a signal, the timeout) is retried after a wait that
 * doubles from backoff_s; after `retries` retries the row is marked
 * failed and kept (POST /api/v1/owner/hooks/retry runs it again).
 */
#define _GNU_SOURCE /* posix_spawn_file_actions_addclosefrom_np */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "owner_hook.h"
#include "zto_log.h"
#include "zto_metrics.h"
#include "zto_srv.h"

#define HOOK_MAX_RUNNING 4
#define HOOK_OUT_MAX 1024
#define HOOK_TICK_MS 200
#define HOOK_SCAN_MS 1000
#define HOOK_BACKOFF_MAX 3600
#define HOOK_PATH_MAX 1024
/* A row being run is leased for the timeout and this much more: owners
 * sharing the database leave it alone, and it runs again if this process
 * dies before it can say how the run ended. */
#define HOOK_LEASE_SLACK_S 60

struct hook_job {
    bool busy;
    pid_t pid;
    int fd; /* read end of stdout + stderr; -1 once closed */
    struct zto_db_hook_ev ev;
    int64_t started_ms;
    bool killed; /* the timeout's SIGKILL went out */
    char out[HOOK_OUT_MAX + 1];
    size_t out_len;
    bool out_cut;
};

struct owner_hook {
    struct owner *o;
    struct event *tick;
    char path[HOOK_PATH_MAX];
    unsigned timeout_s, retries, backoff_s;
    struct hook_job job[HOOK_MAX_RUNNING];
    int64_t last_scan_ms;
};

static int64_t
now_ms(void)
{
    return (int64_t)zto_srv_now_ms();
}

zto_err_t
owner_hook_check(const char *path, char *err, size_t errcap)
{
    struct stat st;

    if (path == NULL || path[0] != '/') {
        snprintf(err, errcap, "onboarded_hook %s: not an absolute path",
                 path != NULL ? path : "");
        return ZTO_E_CONFIG;
    }
    if (strlen(path) >= HOOK_PATH_MAX) {
        snprintf(err, errcap, "onboarded_hook: path too long");
        return ZTO_E_CONFIG;
    }
    if (stat(path, &st) != 0) {
        snprintf(err, errcap, "onboarded_hook %s: %s", path, strerror(errno));
        return ZTO_E_CONFIG;
    }
    if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
        snprintf(err, errcap,
                 "onboarded_hook %s: not an executable regular file", path);
        return ZTO_E_CONFIG;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        snprintf(err, errcap,
                 "onboarded_hook %s: writable by group or others (mode %03o)",
                 path, (unsigned)(st.st_mode & 0777));
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
}

/* Pending rows for the gauge. */
static void
update_gauge(struct owner_hook *h)
{
    int64_t pending = 0, failed = 0;

    if (zto_db_owner_hook_count(h->o->db, &pending, &failed) == ZTO_OK)
        zto_metrics_set(ZTO_METRIC_HOOK_PENDING,
                        (uint64_t)(pending > 0 ? pending : 0));
}

/* Read what the program wrote; keep the first HOOK_OUT_MAX bytes. */
static void
drain(struct hook_job *j)
{
    char buf[4096];
    ssize_t n;
    size_t room;

    while (j->fd >= 0) {
        n = read(j->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            close(j->fd);
            j->fd = -1;
            return;
        }
        room = HOOK_OUT_MAX - j->out_len;
        if ((size_t)n > room)
            j->out_cut = true;
        memcpy(j->out + j->out_len, buf, (size_t)n < room ? (size_t)n : room);
        j->out_len += (size_t)n < room ? (size_t)n : room;
    }
}

/* The output as one log-safe line (control characters become spaces). */
static void
out_line(struct hook_job *j)
{
    size_t i;

    for (i = 0; i < j->out_len; i++) {
        unsigned char c = (unsigned char)j->out[i];
        if (c < 0x20 || c == 0x7f || c == '"')
            j->out[i] = c == '"' ? '\'' : ' ';
    }
    while (j->out_len > 0 && j->out[j->out_len - 1] == ' ')
        j->out_len--;
    j->out[j->out_len] = '\0';
}

/* The program ended (status from waitpid) or was killed on timeout. */
static void
finish(struct owner_hook *h, struct hook_job *j, int status)
{
    struct zto_db_hook_ev *ev = &j->ev;
    char g[33], ng[33], how[64];
    int64_t attempts, wait_s, next_at;
    bool failed;
    unsigned k;
    zto_err_t r;

    drain(j);
    if (j->fd >= 0) {
        /* A child of the program may hold the pipe: not waited for. */
        close(j->fd);
        j->fd = -1;
    }
    out_line(j);
    owner_guid_hex(&ev->guid, g);
    owner_guid_hex(&ev->new_guid, ng);
    if (j->killed)
        snprintf(how, sizeof(how), "timed out after %u s", h->timeout_s);
    else if (WIFEXITED(status))
        snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
    else
        snprintf(how, sizeof(how), "ended with status %d", status);

    if (!j->killed && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        zto_metrics_inc(ZTO_METRIC_HOOK_OK);
        log_info("onboarded_hook for GUID %s (new %s): %s; output: \"%s%s\"", g,
                 ng, how, j->out, j->out_cut ? "..." : "");
        if ((r = zto_db_owner_hook_done(h->o->db, ev->id)) != ZTO_OK &&
            r != ZTO_E_NOT_FOUND)
            log_err_r(r, "onboarded_hook: cannot delete the row of GUID %s", g);
        goto out;
    }
    zto_metrics_inc(j->killed ? ZTO_METRIC_HOOK_TIMEOUT
                              : ZTO_METRIC_HOOK_FAILED);
    attempts = ev->attempts + 1;
    failed = attempts > (int64_t)h->retries;
    wait_s = h->backoff_s;
    for (k = 1; k < attempts && wait_s < HOOK_BACKOFF_MAX; k++)
        wait_s *= 2;
    if (wait_s > HOOK_BACKOFF_MAX)
        wait_s = HOOK_BACKOFF_MAX;
    next_at = (int64_t)time(NULL) + wait_s;
    if (failed)
        log_err("onboarded_hook for GUID %s (new %s): %s; output: \"%s%s\"; "
                "giving up after %lld runs (POST /api/v1/owner/hooks/retry "
                "runs it again)",
                g, ng, how, j->out, j->out_cut ? "..." : "",
                (long long)attempts);
    else
        log_warn("onboarded_hook for GUID %s (new %s): %s; output: \"%s%s\"; "
                 "retry %lld of %u in %lld s",
                 g, ng, how, j->out, j->out_cut ? "..." : "",
                 (long long)attempts, h->retries, (long long)wait_s);
    if ((r = zto_db_owner_hook_failed(h->o->db, ev->id, attempts, next_at,
                                      failed, how)) != ZTO_OK &&
        r != ZTO_E_NOT_FOUND)
        log_err_r(r, "onboarded_hook: cannot record the failure for GUID %s",
                  g);
out:
    memset(j, 0, sizeof(*j));
    j->fd = -1;
    update_gauge(h);
}

/* Start the program for ev in slot j. */
static zto_err_t
spawn(struct owner_hook *h, struct hook_job *j, const struct zto_db_hook_ev *ev)
{
    char e_guid[64], e_new[64], e_reused[32], e_at[64], e_serial[64];
    char e_event[] = "ZTO_EVENT=onboarded", e_path[] = "PATH=/usr/bin:/bin";
    char *const argv[] = {h->path, NULL};
    char *envp[] = {e_event, e_guid, e_new, e_reused, e_at, e_path, NULL, NULL};
    char g[33], ng[33], t[32];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    bool fa_ok = false, attr_ok = false;
    int p[2] = {-1, -1}, rc;
    struct tm tm;
    time_t at = (time_t)ev->at;
    zto_err_t r = ZTO_E_IO;

    owner_guid_hex(&ev->guid, g);
    owner_guid_hex(&ev->new_guid, ng);
    if (gmtime_r(&at, &tm) == NULL ||
        strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(t, sizeof(t), "1970-01-01T00:00:00Z");
    snprintf(e_guid, sizeof(e_guid), "ZTO_GUID=%s", g);
    snprintf(e_new, sizeof(e_new), "ZTO_NEW_GUID=%s", ng);
    snprintf(e_reused, sizeof(e_reused), "ZTO_REUSED=%s",
             ev->reused ? "yes" : "no");
    snprintf(e_at, sizeof(e_at), "ZTO_ONBOARDED_AT=%s", t);
    if (ev->serial[0] != '\0') {
        snprintf(e_serial, sizeof(e_serial), "ZTO_CERT_SERIAL=%s", ev->serial);
        envp[6] = e_serial;
    }

    if (pipe(p) != 0) {
        log_err("onboarded_hook: cannot make a pipe: %s", strerror(errno));
        goto out;
    }
    if (fcntl(p[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(p[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(p[1], F_SETFD, FD_CLOEXEC) != 0)
        goto out;
    if (posix_spawn_file_actions_init(&fa) != 0)
        goto out;
    fa_ok = true;
    if (posix_spawnattr_init(&attr) != 0)
        goto out;
    attr_ok = true;
    /* Its own process group: the timeout kills what it started too.
     * Signals as a fresh process has them: the server ignores SIGPIPE,
     * and an ignored signal would stay ignored across exec. */
    sigemptyset(&none);
    sigfillset(&all);
    if (posix_spawnattr_setpgroup(&attr, 0) != 0 ||
        posix_spawnattr_setsigmask(&attr, &none) != 0 ||
        posix_spawnattr_setsigdefault(&attr, &all) != 0 ||
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                            POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF) != 0 ||
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) !=
            0 ||
        posix_spawn_file_actions_adddup2(&fa, p[1], 1) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, p[1], 2) != 0)
        goto out;
#if defined(__GLIBC__) &&                                                      \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    /* The server's sockets and database stay out of the program. */
    if (posix_spawn_file_actions_addclosefrom_np(&fa, 3) != 0)
        goto out;
#endif
    rc = posix_spawn(&j->pid, h->path, &fa, &attr, argv, envp);
    if (rc != 0) {
        log_err("onboarded_hook %s: cannot start: %s", h->path, strerror(rc));
        goto out;
    }
    close(p[1]);
    p[1] = -1;
    j->busy = true;
    j->fd = p[0];
    p[0] = -1;
    j->ev = *ev;
    j->started_ms = now_ms();
    j->killed = false;
    j->out_len = 0;
    j->out_cut = false;
    log_debug("onboarded_hook for GUID %s: started (pid %ld, run %lld)", g,
              (long)j->pid, (long long)ev->attempts + 1);
    r = ZTO_OK;
out:
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ok)
        posix_spawnattr_destroy(&attr);
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
    return r;
}

struct scan_ctx {
    struct owner_hook *h;
    size_t started;
};

static int
due_row(void *ctx, const struct zto_db_hook_ev *ev)
{
    struct scan_ctx *x = ctx;
    struct owner_hook *h = x->h;
    struct hook_job *free_slot = NULL;
    int64_t now;
    bool taken = false;
    zto_err_t r;
    size_t i;

    for (i = 0; i < HOOK_MAX_RUNNING; i++) {
        if (h->job[i].busy && h->job[i].ev.id == ev->id)
            return 0; /* running already */
        if (!h->job[i].busy && free_slot == NULL)
            free_slot = &h->job[i];
    }
    if (free_slot == NULL)
        return 1;
    now = (int64_t)time(NULL);
    if ((r = zto_db_owner_hook_lease(
             h->o->db, ev->id, now,
             now + (int64_t)h->timeout_s + HOOK_LEASE_SLACK_S, &taken)) !=
        ZTO_OK) {
        log_err_r(r, "onboarded_hook: cannot take a pending onboarding");
        return 1;
    }
    if (!taken)
        return 0; /* another owner process runs it */
    if (spawn(h, free_slot, ev) != ZTO_OK) {
        struct hook_job tmp;
        /* Counted as a failed run: retried later like one. */
        memset(&tmp, 0, sizeof(tmp));
        tmp.fd = -1;
        tmp.ev = *ev;
        finish(h, &tmp, 127 << 8);
        return 0;
    }
    x->started++;
    return 0;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct owner_hook *h = arg;
    int64_t now = now_ms();
    size_t i, busy = 0;
    struct scan_ctx x;
    zto_err_t r;

    (void)fd;
    (void)what;
    for (i = 0; i < HOOK_MAX_RUNNING; i++) {
        struct hook_job *j = &h->job[i];
        int status = 0;
        pid_t p;

        if (!j->busy)
            continue;
        drain(j);
        p = waitpid(j->pid, &status, WNOHANG);
        if (p == j->pid || (p < 0 && errno == ECHILD)) {
            finish(h, j, p == j->pid ? status : 127 << 8);
            continue;
        }
        if (!j->killed && now - j->started_ms >= (int64_t)h->timeout_s * 1000) {
            (void)kill(-j->pid, SIGKILL);
            (void)kill(j->pid, SIGKILL);
            j->killed = true;
        }
        busy++;
    }
    if (busy == HOOK_MAX_RUNNING || now - h->last_scan_ms < HOOK_SCAN_MS)
        return;
    h->last_scan_ms = now;
    x.h = h;
    x.started = 0;
    if ((r = zto_db_owner_hook_list(h->o->db, true, (int64_t)time(NULL),
                                    due_row, &x)) != ZTO_OK)
        log_err_r(r, "onboarded_hook: cannot read the pending onboardings");
    update_gauge(h);
}

zto_err_t
owner_hook_start(struct event_base *base, struct owner *o,
                 const struct owner_hook_conf *c, struct owner_hook **out)
{
    struct timeval every = {0, HOOK_TICK_MS * 1000};
    struct owner_hook *h;
    size_t i;

    *out = NULL;
    if (c->path == NULL || strlen(c->path) >= HOOK_PATH_MAX)
        return ZTO_E_ARG;
    if ((h = calloc(1, sizeof(*h))) == NULL)
        return ZTO_E_NOMEM;
    h->o = o;
    snprintf(h->path, sizeof(h->path), "%s", c->path);
    h->timeout_s = c->timeout_s > 0 ? c->timeout_s : 1;
    h->retries = c->retries;
    h->backoff_s = c->backoff_s > 0 ? c->backoff_s : 1;
    for (i = 0; i < HOOK_MAX_RUNNING; i++)
        h->job[i].fd = -1;
    /* Rows left from before (the owner was stopped) run at the first
     * tick. */
    h->last_scan_ms = now_ms() - HOOK_SCAN_MS;
    h->tick = event_new(base, -1, EV_PERSIST, on_tick, h);
    if (h->tick == NULL || event_add(h->tick, &every) != 0) {
        if (h->tick != NULL)
            event_free(h->tick);
        free(h);
        return ZTO_E_NOMEM;
    }
    update_gauge(h);
    *out = h;
    return ZTO_OK;
}

void
owner_hook_stop(struct owner_hook *h)
{
    size_t i;
    int st;
    bool taken;

    if (h == NULL)
        return;
    event_free(h->tick);
    for (i = 0; i < HOOK_MAX_RUNNING; i++) {
        struct hook_job *j = &h->job[i];
        if (!j->busy)
            continue;
        (void)kill(-j->pid, SIGKILL);
        (void)kill(j->pid, SIGKILL);
        while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (j->fd >= 0)
            close(j->fd);
        /* Not a failed run: due again at once, here after a restart or
         * in another owner process. */
        if (zto_db_owner_hook_lease(h->o->db, j->ev.id, INT64_MAX, 0, &taken) !=
            ZTO_OK)
            log_warn("onboarded_hook: a stopped run stays leased for %u s",
                     h->timeout_s + HOOK_LEASE_SLACK_S);
    }
    free(h);
}
