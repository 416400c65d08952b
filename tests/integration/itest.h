/*
 * itest.h - helpers for the integration tests: start and stop srv_echo,
 * build request bodies, run one exchange, check the echo's answer.
 *
 * Servers listen on loopback with kernel-chosen ports; every started
 * process is stopped (SIGTERM, then SIGKILL after 5 s) and srv_echo also
 * exits by itself after --exit-after seconds.
 */
#ifndef ZTO_ITEST_H
#define ZTO_ITEST_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "zto/zto_cbor.h"
#include "zto_posix_transport.h"

#define ECHO_MAX_URLS 16

struct echo_proc {
    pid_t pid;
    int out;
    size_t n;
    char urls[ECHO_MAX_URLS][512];
};

static inline uint64_t
itest_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Start srv_echo with args (NULL-terminated) and wait for "ready". */
static inline int
echo_start(struct echo_proc *p, const char *const *args)
{
    const char *argv[64];
    char line[512];
    size_t n = 0, used = 0;
    uint64_t deadline;
    int fds[2];

    memset(p, 0, sizeof(*p));
    p->pid = -1;
    p->out = -1;
    argv[n++] = ZTO_SRV_ECHO;
    while (*args != NULL && n < 58)
        argv[n++] = *args++;
    argv[n++] = "--exit-after";
    argv[n++] = "120";
    argv[n++] = "--log-level";
    argv[n++] = getenv("ZTO_TEST_SRV_LOG") ? getenv("ZTO_TEST_SRV_LOG") : "err";
    argv[n] = NULL;
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    if ((p->pid = fork()) < 0)
        return -1;
    if (p->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    p->out = fds[0];
    deadline = itest_now_ms() + 10000;
    for (;;) {
        struct pollfd pfd = {p->out, POLLIN, 0};
        char *nl;
        ssize_t k;
        uint64_t now = itest_now_ms();

        if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) <= 0)
            break;
        k = read(p->out, line + used, sizeof(line) - 1 - used);
        if (k <= 0)
            break;
        used += (size_t)k;
        line[used] = '\0';
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = '\0';
            if (strcmp(line, "ready") == 0)
                return 0;
            if (p->n < ECHO_MAX_URLS)
                snprintf(p->urls[p->n++], sizeof(p->urls[0]), "%s", line);
            used -= (size_t)(nl + 1 - line);
            memmove(line, nl + 1, used + 1);
        }
    }
    fprintf(stderr, "srv_echo did not start\n");
    return -1;
}

/* Stop with sig (SIGTERM if 0). Returns 0 if the server exited with
 * status 0 on its own within 5 s, -1 if it had to be killed or failed. */
static inline int
echo_stop_sig(struct echo_proc *p, int sig)
{
    uint64_t deadline;
    int st = 0, rc = -1;

    if (p->pid > 0) {
        kill(p->pid, sig != 0 ? sig : SIGTERM);
        deadline = itest_now_ms() + 5000;
        for (;;) {
            pid_t w = waitpid(p->pid, &st, WNOHANG);
            if (w == p->pid) {
                rc = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
                break;
            }
            if (w < 0 || itest_now_ms() > deadline) {
                kill(p->pid, SIGKILL);
                waitpid(p->pid, &st, 0);
                break;
            }
            usleep(10000);
        }
    }
    if (p->out >= 0)
        close(p->out);
    p->pid = -1;
    p->out = -1;
    return rc;
}

/* A server that does not exit 0 on SIGTERM (crash, sanitizer report,
 * leak) fails the test. */
#define echo_stop(p)                                                           \
    do {                                                                       \
        test_checks++;                                                         \
        if (echo_stop_sig((p), SIGTERM) != 0)                                  \
            TEST_FAIL_("%s", "srv_echo did not exit cleanly");                 \
    } while (0)

/* The first listener whose URL starts with prefix, as a target. */
static inline int
echo_target(const struct echo_proc *p, const char *prefix, struct zto_target *t)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        if (strncmp(p->urls[i], prefix, strlen(prefix)) == 0)
            return zto_target_parse(p->urls[i], t) == ZTO_OK ? 0 : -1;
    fprintf(stderr, "no listener %s\n", prefix);
    return -1;
}

/* A CBOR byte string of about `size` bytes in total, content patterned
 * by `seed`. Returns malloc'd buffer, exact length in *len. */
static inline uint8_t *
make_body(size_t size, unsigned seed, size_t *len)
{
    size_t content = size, i;
    uint8_t *raw = malloc(content > 0 ? content : 1);
    uint8_t *out = malloc(content + 9);
    struct zto_cbor_enc e;

    /* Exactly `size` bytes in total: content plus its head. */
    while (content > 0 && content + zto_cbor_head_len(content) > size)
        content--;
    if (raw == NULL || out == NULL)
        abort();
    for (i = 0; i < content; i++)
        raw[i] = (uint8_t)(i * 31u + seed);
    zto_cbor_enc_init(&e, out, content + 9);
    zto_cbor_put_bstr(&e, raw, content);
    if (zto_cbor_enc_finish(&e, len) != ZTO_OK)
        abort();
    free(raw);
    return out;
}

/* A CBOR text string (e.g. "fail", "stats"). */
static inline size_t
make_text(const char *s, uint8_t *out, size_t cap)
{
    struct zto_cbor_enc e;
    size_t n = 0;

    zto_cbor_enc_init(&e, out, cap);
    zto_cbor_put_cstr(&e, s);
    if (zto_cbor_enc_finish(&e, &n) != ZTO_OK)
        abort();
    return n;
}

static inline zto_err_t
xchg(const struct zto_transport_ops *ops, void *t, uint8_t type,
     const uint8_t *body, size_t len, uint8_t *out, size_t cap, size_t *olen,
     uint8_t *otype)
{
    zto_err_t r = ops->send(t, type, body, len);

    if (r != ZTO_OK)
        return r;
    return ops->recv(t, out, cap, olen, otype);
}

/* The echo's answer [seq, type, token / null, item]. */
struct echo_ans {
    uint64_t seq;
    uint64_t type;
    bool has_token;
    struct zto_bytes token;
    struct zto_bytes item;
};

static inline int
echo_decode(const uint8_t *buf, size_t len, struct echo_ans *a)
{
    struct zto_cbor_dec d;

    memset(a, 0, sizeof(*a));
    zto_cbor_dec_init(&d, buf, len);
    if (zto_cbor_get_array_n(&d, 4) != ZTO_OK ||
        zto_cbor_get_uint(&d, &a->seq) != ZTO_OK ||
        zto_cbor_get_uint(&d, &a->type) != ZTO_OK)
        return -1;
    if (zto_cbor_peek_null(&d)) {
        if (zto_cbor_get_null(&d) != ZTO_OK)
            return -1;
    } else {
        if (zto_cbor_get_tstr(&d, &a->token) != ZTO_OK)
            return -1;
        a->has_token = true;
    }
    if (zto_cbor_get_raw(&d, &a->item) != ZTO_OK ||
        zto_cbor_dec_finish(&d) != ZTO_OK)
        return -1;
    return 0;
}

/* ErrorMessage code and previous message id. */
static inline int
errmsg_decode(const uint8_t *buf, size_t len, uint64_t *code, uint64_t *prev)
{
    struct zto_cbor_dec d;

    zto_cbor_dec_init(&d, buf, len);
    if (zto_cbor_get_array_n(&d, 5) != ZTO_OK ||
        zto_cbor_get_uint(&d, code) != ZTO_OK ||
        zto_cbor_get_uint(&d, prev) != ZTO_OK)
        return -1;
    return 0;
}

/* The echo's "stats" answer: [requests, replayed, refused, http conns,
 * 255s received, SIGHUP reloads]. */
struct echo_stats {
    uint64_t requests, replayed, refused, conns, errors, reloads;
};

static inline int
stats_decode(const uint8_t *buf, size_t len, struct echo_stats *s)
{
    struct zto_cbor_dec d;

    zto_cbor_dec_init(&d, buf, len);
    if (zto_cbor_get_array_n(&d, 6) != ZTO_OK ||
        zto_cbor_get_uint(&d, &s->requests) != ZTO_OK ||
        zto_cbor_get_uint(&d, &s->replayed) != ZTO_OK ||
        zto_cbor_get_uint(&d, &s->refused) != ZTO_OK ||
        zto_cbor_get_uint(&d, &s->conns) != ZTO_OK ||
        zto_cbor_get_uint(&d, &s->errors) != ZTO_OK ||
        zto_cbor_get_uint(&d, &s->reloads) != ZTO_OK)
        return -1;
    return 0;
}

#endif /* ZTO_ITEST_H */
