/*
 * hclient.h - a small HTTP/1.1 client for the admin API tests: plain TCP
 * or TLS (OpenSSL, optional client certificate), raw bytes out, one
 * response (Content-Length bodies) in, bounded by a timeout. Also starts
 * and stops daemons that print "ready" when they are listening.
 */
#ifndef ZTO_HCLIENT_H
#define ZTO_HCLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#ifndef HC_TIMEOUT_MS
#define HC_TIMEOUT_MS 10000
#endif

struct hconn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    char buf[1 << 16]; /* read-ahead */
    size_t have;
};

struct hresp {
    int status;
    char head[16384];
    char *body; /* heap, NUL-terminated */
    size_t len;
};

static inline uint64_t
hc_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* "http://127.0.0.1:1234" -> host, port; true if https. */
static inline int
hc_parse_url(const char *url, char *host, size_t cap, unsigned *port, int *tls)
{
    const char *p = url, *colon;

    *tls = strncmp(p, "https://", 8) == 0;
    p = strstr(p, "://");
    p = p != NULL ? p + 3 : url;
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (e == NULL || (size_t)(e - p - 1) >= cap)
            return -1;
        memcpy(host, p + 1, (size_t)(e - p - 1));
        host[e - p - 1] = '\0';
        colon = e + 1;
    } else {
        colon = strrchr(p, ':');
        if (colon == NULL || (size_t)(colon - p) >= cap)
            return -1;
        memcpy(host, p, (size_t)(colon - p));
        host[colon - p] = '\0';
    }
    if (*colon != ':')
        return -1;
    *port = (unsigned)strtoul(colon + 1, NULL, 10);
    return 0;
}

/* Connect to url; with TLS trust ca (NULL: no verification) and present
 * cert/key when given. 0 or -1 (handshake refusals included). */
static inline int
hc_connect(struct hconn *c, const char *url, const char *ca, const char *cert,
           const char *key)
{
    char host[256], port_s[8];
    unsigned port = 0;
    int tls = 0;
    struct addrinfo hints, *res = NULL;

    memset(c, 0, sizeof(*c));
    c->fd = -1;
    if (hc_parse_url(url, host, sizeof(host), &port, &tls) != 0)
        return -1;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(port_s, sizeof(port_s), "%u", port);
    if (getaddrinfo(host, port_s, &hints, &res) != 0)
        return -1;
    c->fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (c->fd < 0 || connect(c->fd, res->ai_addr, res->ai_addrlen) != 0) {
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    if (!tls)
        return 0;
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (c->ctx == NULL)
        return -1;
    if (ca != NULL) {
        if (SSL_CTX_load_verify_locations(c->ctx, ca, NULL) != 1)
            return -1;
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    }
    if (cert != NULL &&
        (SSL_CTX_use_certificate_chain_file(c->ctx, cert) != 1 ||
         SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM) != 1))
        return -1;
    if ((c->ssl = SSL_new(c->ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
        return -1;
    {
        struct timeval tv = {HC_TIMEOUT_MS / 1000, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    if (SSL_connect(c->ssl) != 1) {
        ERR_clear_error();
        return -1;
    }
    return 0;
}

static inline void
hc_close(struct hconn *c)
{
    if (c->ssl != NULL) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->ctx != NULL)
        SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

static inline int
hc_send(struct hconn *c, const void *p, size_t n)
{
    const char *s = p;

    while (n > 0) {
        ssize_t k = c->ssl != NULL ? SSL_write(c->ssl, s, (int)n)
                                   : send(c->fd, s, n, MSG_NOSIGNAL);
        if (k <= 0)
            return -1;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

/* More bytes into c->buf, always leaving room for a terminating NUL
 * after them (hc_read() searches the buffer as a string); 0 on EOF, -1
 * on error or timeout. */
static inline int
hc_fill(struct hconn *c, uint64_t deadline)
{
    ssize_t k;

    if (c->have >= sizeof(c->buf) - 1)
        return -1;
    if (c->ssl == NULL || SSL_pending(c->ssl) == 0) {
        struct pollfd pfd = {c->fd, POLLIN, 0};
        uint64_t now = hc_now_ms();
        if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) <= 0)
            return -1;
    }
    k = c->ssl != NULL
            ? SSL_read(c->ssl, c->buf + c->have,
                       (int)(sizeof(c->buf) - 1 - c->have))
            : recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
    if (k < 0) {
        ERR_clear_error();
        return -1;
    }
    c->have += (size_t)k;
    return k > 0 ? 1 : 0;
}

/* Value of a response header (first), or NULL; copied into a static
 * buffer. */
static inline const char *
hresp_header(const struct hresp *r, const char *name)
{
    static char val[1024];
    const char *p = strstr(r->head, "\r\n");
    size_t nl = strlen(name);

    while (p != NULL && p[2] != '\0') {
        const char *line = p + 2, *e = strstr(line, "\r\n");
        if (e == NULL)
            break;
        if ((size_t)(e - line) > nl && line[nl] == ':' &&
            strncasecmp(line, name, nl) == 0) {
            const char *v = line + nl + 1;
            size_t vl;
            while (*v == ' ')
                v++;
            vl = (size_t)(e - v);
            if (vl >= sizeof(val))
                vl = sizeof(val) - 1;
            memcpy(val, v, vl);
            val[vl] = '\0';
            return val;
        }
        p = e;
    }
    return NULL;
}

static inline void
hresp_free(struct hresp *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

/* Read one response (skipping 100 Continue). 0 or -1. */
static inline int
hc_read(struct hconn *c, struct hresp *r)
{
    uint64_t deadline = hc_now_ms() + HC_TIMEOUT_MS;
    char *end;
    size_t hl, cl = 0;
    const char *v;

    memset(r, 0, sizeof(*r));
    for (;;) {
        c->buf[c->have] = 0;
        while ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
            if (hc_fill(c, deadline) <= 0)
                return -1;
            else
                c->buf[c->have] = 0;
        hl = (size_t)(end - c->buf) + 4;
        if (hl >= sizeof(r->head))
            return -1;
        memcpy(r->head, c->buf, hl);
        r->head[hl] = '\0';
        memmove(c->buf, c->buf + hl, c->have - hl);
        c->have -= hl;
        if (sscanf(r->head, "HTTP/1.1 %d", &r->status) != 1)
            return -1;
        if (r->status != 100)
            break;
    }
    v = hresp_header(r, "Content-Length");
    if (v != NULL)
        cl = (size_t)strtoul(v, NULL, 10);
    if ((r->body = malloc(cl + 1)) == NULL)
        return -1;
    while (r->len < cl) {
        size_t take;
        if (c->have == 0 && hc_fill(c, deadline) <= 0)
            return -1;
        take = c->have < cl - r->len ? c->have : cl - r->len;
        memcpy(r->body + r->len, c->buf, take);
        r->len += take;
        memmove(c->buf, c->buf + take, c->have - take);
        c->have -= take;
    }
    r->body[r->len] = '\0';
    return 0;
}

/* true if the peer closed the connection within ms. */
static inline int
hc_closed_within(struct hconn *c, int ms)
{
    uint64_t deadline = hc_now_ms() + (uint64_t)ms;

    for (;;) {
        int k = hc_fill(c, deadline);
        if (k == 0)
            return 1;
        if (k < 0)
            return hc_now_ms() < deadline; /* reset counts as closed */
    }
}

/*
 * One request on a new connection. extra: more header lines, each ending
 * in "\r\n" (may be NULL); body may be NULL. tls: ca/cert/key as for
 * hc_connect (only used for https URLs).
 */
struct hopts {
    const char *ca, *cert, *key;
};

static inline int
hc_request(const char *url, const struct hopts *o, const char *method,
           const char *path, const char *extra, const char *body, size_t blen,
           struct hresp *r)
{
    struct hconn c;
    char head[8192];
    int n, rc = -1;

    memset(r, 0, sizeof(*r));
    if (hc_connect(&c, url, o != NULL ? o->ca : NULL,
                   o != NULL ? o->cert : NULL,
                   o != NULL ? o->key : NULL) != 0) {
        hc_close(&c);
        return -1;
    }
    n = snprintf(head, sizeof(head),
                 "%s %s HTTP/1.1\r\nHost: test\r\n%s"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 method, path, extra != NULL ? extra : "", blen);
    if (n > 0 && (size_t)n < sizeof(head) &&
        hc_send(&c, head, (size_t)n) == 0 &&
        (blen == 0 || hc_send(&c, body, blen) == 0) && hc_read(&c, r) == 0)
        rc = 0;
    hc_close(&c);
    if (r->body == NULL)
        r->body = calloc(1, 1); /* callers may strstr() a failed answer */
    return rc;
}

/* ---- daemons ---- */

#define PROC_MAX_LINES 16

struct proc {
    pid_t pid;
    int out;
    size_t n;
    char lines[PROC_MAX_LINES][1024];
};

/* Start argv[0] with argv (NULL-terminated), stderr to errfile (NULL:
 * inherited), and wait for its "ready" line (10 s). The child is killed
 * when the thread that started it ends (PR_SET_PDEATHSIG). */
static inline int
proc_start(struct proc *p, const char *const *argv, const char *errfile)
{
    char line[1024];
    size_t used = 0;
    uint64_t deadline;
    int fds[2];

    memset(p, 0, sizeof(*p));
    p->pid = -1;
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    if ((p->pid = fork()) < 0)
        return -1;
    if (p->pid == 0) {
        /* Dies with its parent, however the parent ends. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], 1);
        if (errfile != NULL) {
            int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd >= 0)
                dup2(fd, 2);
        }
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    p->out = fds[0];
    deadline = hc_now_ms() + 10000;
    for (;;) {
        struct pollfd pfd = {p->out, POLLIN, 0};
        char *nl;
        ssize_t k;
        uint64_t now = hc_now_ms();

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
            if (p->n < PROC_MAX_LINES)
                snprintf(p->lines[p->n++], sizeof(p->lines[0]), "%s", line);
            used -= (size_t)(nl + 1 - line);
            memmove(line, nl + 1, used + 1);
        }
    }
    fprintf(stderr, "%s did not start\n", argv[0]);
    return -1;
}

/* URL printed on a line starting with prefix ("admin "), or NULL. */
static inline const char *
proc_url(const struct proc *p, const char *prefix)
{
    size_t i, n = strlen(prefix);

    for (i = 0; i < p->n; i++)
        if (strncmp(p->lines[i], prefix, n) == 0)
            return p->lines[i] + n;
    return NULL;
}

/* SIGTERM; 0 if it exited with status 0 within 10 s, else -1 (killed). */
static inline int
proc_stop(struct proc *p)
{
    uint64_t deadline;
    int st = 0, rc = -1;

    if (p->pid <= 0)
        return -1;
    kill(p->pid, SIGTERM);
    deadline = hc_now_ms() + 10000;
    for (;;) {
        pid_t w = waitpid(p->pid, &st, WNOHANG);
        if (w == p->pid) {
            rc = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
            break;
        }
        if (hc_now_ms() >= deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &st, 0);
            break;
        }
        usleep(20000);
    }
    if (p->out >= 0)
        close(p->out);
    p->pid = -1;
    return rc;
}

/* Whole file as a heap string (NULL if unreadable). */
static inline char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0 || (b = malloc((size_t)n + 1)) == NULL) {
        fclose(f);
        return NULL;
    }
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(b);
        return NULL;
    }
    b[n] = '\0';
    fclose(f);
    return b;
}

#endif /* ZTO_HCLIENT_H */
