/*
 * test_mod_wget.c - the POSIX port's fdo.wget module behind the device's
 * ServiceInfo engine (svi_dev_rig.h), fetching from a small HTTP server
 * this test forks on 127.0.0.1 (a port picked by the kernel):
 *
 *  - a 300 KiB file with the right SHA-384 arrives whole, done = its
 *    length, nothing else left in the directory; without name the
 *    URL's last segment names it; a chunked body and one ended by the
 *    server closing the connection arrive too;
 *  - errors answered with `error`, no file and no temporary file left:
 *    a wrong hash (an old file of that name untouched), HTTP 404, a
 *    body over max_size (announced by Content-Length, or streamed
 *    without one), a name leading outside the directory, a URL of
 *    another scheme, a refused connection, the total time running out;
 *  - redirects: an absolute path and an absolute URL followed, a loop
 *    given up after 3;
 *  - while a fetch runs the rounds go on, each produce() within about
 *    wait_ms; a second url meanwhile fails TO2 with a reason; TO2
 *    ending mid-fetch removes the temporary file;
 *  - zto_posix_wget_url() splits URLs as documented.
 */
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "svi_dev_rig.h"
#include "test.h"

#define WG "fdo.wget"
#define FILE_LEN (300 * 1024 + 17)

static uint16_t port;
static pid_t server;

static uint8_t
pattern(size_t i)
{
    return (uint8_t)((i * 131u + (i >> 9)) & 0xff);
}

static uint64_t
ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the server (a child process) ---- */

static void
put(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    ssize_t k;

    while (n > 0 && (k = write(fd, b, n)) > 0) {
        b += k;
        n -= (size_t)k;
    }
}

static void
body(int fd, size_t len)
{
    uint8_t buf[8192];
    size_t off = 0, i, n;

    while (off < len) {
        n = len - off < sizeof(buf) ? len - off : sizeof(buf);
        for (i = 0; i < n; i++)
            buf[i] = pattern(off + i);
        put(fd, buf, n);
        off += n;
    }
}

static void
serve_one(int fd)
{
    char req[4096], head[512];
    size_t n = 0;
    ssize_t k;
    const char *path;

    while (n + 1 < sizeof(req) && (k = read(fd, req + n, 1)) == 1) {
        n++;
        req[n] = '\0';
        if (n >= 4 && memcmp(req + n - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    req[n] = '\0';
    if (strncmp(req, "GET ", 4) != 0)
        return;
    path = req + 4;
    *strchr(path, ' ') = '\0';
    if (strcmp(path, "/file") == 0 || strcmp(path, "/dir/file?x=1") == 0) {
        snprintf(head, sizeof(head),
                 "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                 "Connection: close\r\n\r\n",
                 FILE_LEN);
        put(fd, head, strlen(head));
        body(fd, FILE_LEN);
    } else if (strcmp(path, "/chunked") == 0) {
        size_t left = FILE_LEN, off = 0, c;
        snprintf(head, sizeof(head),
                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        put(fd, head, strlen(head));
        while (left > 0) {
            uint8_t buf[5000];
            size_t i;
            c = left < sizeof(buf) ? left : sizeof(buf);
            snprintf(head, sizeof(head), "%zx\r\n", c);
            put(fd, head, strlen(head));
            for (i = 0; i < c; i++)
                buf[i] = pattern(off + i);
            put(fd, buf, c);
            put(fd, "\r\n", 2);
            off += c;
            left -= c;
        }
        put(fd, "0\r\n\r\n", 5);
    } else if (strcmp(path, "/close") == 0) {
        snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\n\r\n");
        put(fd, head, strlen(head));
        body(fd, FILE_LEN);
    } else if (strcmp(path, "/rel") == 0) {
        snprintf(head, sizeof(head),
                 "HTTP/1.1 302 Found\r\nLocation: /file\r\n"
                 "Content-Length: 3\r\n\r\nabc");
        put(fd, head, strlen(head));
    } else if (strcmp(path, "/abs") == 0) {
        snprintf(head, sizeof(head),
                 "HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1:%u/rel\r\n"
                 "Content-Length: 0\r\n\r\n",
                 (unsigned)port);
        put(fd, head, strlen(head));
    } else if (strcmp(path, "/loop") == 0) {
        snprintf(head, sizeof(head),
                 "HTTP/1.1 307 Again\r\nLocation: /loop\r\n"
                 "Content-Length: 0\r\n\r\n");
        put(fd, head, strlen(head));
    } else if (strcmp(path, "/slow") == 0) {
        snprintf(head, sizeof(head),
                 "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        put(fd, head, strlen(head));
        body(fd, 10);
        sleep(4);
    } else {
        snprintf(head, sizeof(head),
                 "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n"
                 "not found");
        put(fd, head, strlen(head));
    }
}

static int
start_server(void)
{
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    int s, c;

    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 16) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) != 0)
        return -1;
    port = ntohs(a.sin_port);
    if ((server = fork()) < 0)
        return -1;
    if (server > 0) {
        close(s);
        return 0;
    }
    /* The server: one process per connection, all in a process group of
     * their own (stop_server() ends them together); gone after 120 s in
     * any case. */
    (void)setpgid(0, 0);
    signal(SIGCHLD, SIG_IGN);
    alarm(120);
    for (;;) {
        if ((c = accept(s, NULL, NULL)) < 0)
            continue;
        if (fork() == 0) {
            close(s);
            serve_one(c);
            close(c);
            _exit(0);
        }
        close(c);
    }
}

static void
stop_server(void)
{
    if (server > 0) {
        (void)setpgid(server, server); /* in case the child has not yet */
        kill(-server, SIGTERM);
        waitpid(server, NULL, 0);
    }
}

/* ---- the owner's side ---- */

struct answer {
    int kind; /* 1 done, 2 error, 0 nothing yet */
    int64_t bytes;
    char err[160];
    unsigned rounds;
    uint64_t longest_ms;
    zto_err_t r;
};

static void
url_of(char *out, size_t cap, const char *path)
{
    snprintf(out, cap, "http://127.0.0.1:%u%s", (unsigned)port, path);
}

/* The owner opens fdo.wget (the first time), sends name / sha-384 when
 * given and url, then empty 69s until done or error (at most 100
 * rounds). */
static void
fetch(struct sdr *r, const char *name, const uint8_t *sha, const char *url,
      struct answer *a)
{
    uint8_t hv[64];
    struct zto_cbor_enc e;
    size_t hl = 0, i;
    uint64_t t;
    struct zto_cbor_dec d;
    struct zto_bytes b;

    memset(a, 0, sizeof(*a));
    sdr_kv_bool(r, WG, "active", true);
    if (name != NULL)
        sdr_kv_text(r, WG, "name", name);
    if (sha != NULL) {
        zto_cbor_enc_init(&e, hv, sizeof(hv));
        zto_cbor_put_bstr(&e, sha, 48);
        if (zto_cbor_enc_finish(&e, &hl) != ZTO_OK)
            abort();
        sdr_kv_raw(r, WG, "sha-384", hv, hl);
    }
    sdr_kv_text(r, WG, "url", url);
    if ((a->r = sdr_send(r, false)) != ZTO_OK)
        return;
    while (a->kind == 0 && a->rounds++ < 100) {
        t = ms_now();
        if ((a->r = sdr_answer(r)) != ZTO_OK)
            return;
        t = ms_now() - t;
        if (t > a->longest_ms)
            a->longest_ms = t;
        for (i = 0; i < r->ngot; i++) {
            if (strcmp(r->got[i].module, WG) != 0)
                continue;
            zto_cbor_dec_init(&d, r->got[i].val, r->got[i].len);
            if (strcmp(r->got[i].message, "done") == 0) {
                ASSERT_OK(zto_cbor_get_int(&d, &a->bytes));
                a->kind = 1;
            } else if (strcmp(r->got[i].message, "error") == 0) {
                ASSERT_OK(zto_cbor_get_tstr(&d, &b));
                snprintf(a->err, sizeof(a->err), "%.*s", (int)b.len,
                         (const char *)b.p);
                a->kind = 2;
            }
        }
        if (a->kind == 0 && (a->r = sdr_send(r, false)) != ZTO_OK)
            return;
    }
}

/* Entries of dir other than "." and ".." whose name starts with '.'
 * (temporary files), and whether `name` is there. */
static int
hidden_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
            strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* The file holds the pattern, FILE_LEN bytes. */
static bool
file_ok(const char *dir, const char *name)
{
    char p[256];
    FILE *f;
    size_t i = 0;
    int c;
    bool ok = true;

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    if ((f = fopen(p, "rb")) == NULL)
        return false;
    while ((c = fgetc(f)) != EOF) {
        if (i >= FILE_LEN || (uint8_t)c != pattern(i))
            ok = false;
        i++;
    }
    fclose(f);
    return ok && i == FILE_LEN;
}

static bool
exists(const char *dir, const char *name)
{
    char p[256];
    struct stat sb;

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

static void
file_sha(uint8_t sha[48])
{
    uint8_t *buf = malloc(FILE_LEN);
    struct zto_hash_buf h;
    size_t i;

    for (i = 0; i < FILE_LEN; i++)
        buf[i] = pattern(i);
    ASSERT_OK(zto_hash(ZTO_HASH_SHA384, buf, FILE_LEN, &h));
    memcpy(sha, h.value, 48);
    free(buf);
}

static void
test_fetches(void)
{
    struct sdr r;
    struct answer a;
    uint8_t sha[48], bad[48];
    char url[128];

    file_sha(sha);
    memcpy(bad, sha, 48);
    bad[0] ^= 1;
    ASSERT_EQ(sdr_open(&r, 1300), 0);
    r.wg.wait_ms = 200;
    ASSERT_OK(sdr_devmod(&r));

    /* The right hash: the whole file, done = its length. */
    url_of(url, sizeof(url), "/file");
    fetch(&r, "sub/dir/f.bin", sha, url, &a);
    ASSERT_OK(a.r);
    ASSERT_EQ(a.kind, 1);
    ASSERT_EQ(a.bytes, FILE_LEN);
    ASSERT_TRUE(file_ok(r.dir, "sub/dir/f.bin"));
    ASSERT_EQ(r.wg.files, 1);
    /* No name: the URL's last segment (query left out). */
    url_of(url, sizeof(url), "/dir/file?x=1#frag");
    fetch(&r, NULL, NULL, url, &a);
    ASSERT_EQ(a.kind, 1);
    ASSERT_TRUE(file_ok(r.dir, "file"));
    /* Chunked, and ended by the server closing. */
    url_of(url, sizeof(url), "/chunked");
    fetch(&r, "c.bin", sha, url, &a);
    ASSERT_EQ(a.kind, 1);
    ASSERT_EQ(a.bytes, FILE_LEN);
    ASSERT_TRUE(file_ok(r.dir, "c.bin"));
    url_of(url, sizeof(url), "/close");
    fetch(&r, "close.bin", sha, url, &a);
    ASSERT_EQ(a.kind, 1);
    ASSERT_TRUE(file_ok(r.dir, "close.bin"));
    /* Redirects: absolute URL -> absolute path -> the file. */
    url_of(url, sizeof(url), "/abs");
    fetch(&r, "r.bin", sha, url, &a);
    ASSERT_EQ(a.kind, 1);
    ASSERT_TRUE(file_ok(r.dir, "r.bin"));
    url_of(url, sizeof(url), "/loop");
    fetch(&r, "loop.bin", NULL, url, &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strcmp(a.err, "more than 3 redirects") == 0);
    ASSERT_TRUE(!exists(r.dir, "loop.bin"));

    /* A wrong hash: error, the old file of that name untouched. */
    url_of(url, sizeof(url), "/file");
    fetch(&r, "c.bin", bad, url, &a);
    ASSERT_OK(a.r);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strcmp(a.err, "SHA-384 mismatch") == 0);
    ASSERT_TRUE(file_ok(r.dir, "c.bin"));
    fetch(&r, "new.bin", bad, url, &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(!exists(r.dir, "new.bin"));
    /* The settings were for one fetch: the next without sha-384 is not
     * checked against the old one. */
    fetch(&r, "new.bin", NULL, url, &a);
    ASSERT_EQ(a.kind, 1);
    ASSERT_TRUE(file_ok(r.dir, "new.bin"));
    /* HTTP 404. */
    url_of(url, sizeof(url), "/nothing");
    fetch(&r, "n.bin", NULL, url, &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strcmp(a.err, "HTTP 404") == 0);
    ASSERT_TRUE(!exists(r.dir, "n.bin"));
    /* Names outside the directory, other schemes. */
    url_of(url, sizeof(url), "/file");
    fetch(&r, "../escape.bin", NULL, url, &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strstr(a.err, "outside") != NULL);
    fetch(&r, "/tmp/escape.bin", NULL, url, &a);
    ASSERT_EQ(a.kind, 2);
    fetch(&r, "x", NULL, "ftp://127.0.0.1/file", &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strstr(a.err, "URL") != NULL);
    url_of(url, sizeof(url), "/");
    fetch(&r, NULL, NULL, url, &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strstr(a.err, "no file name") != NULL);
    /* A port nobody listens on (the server's port + 1 is a guess; a
     * refusal is what matters, any text naming the connection). */
    fetch(&r, "x", NULL, "http://127.0.0.1:1/file", &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strstr(a.err, "connection") != NULL);

    /* Size limit: announced, and streamed (chunked, no length). */
    r.wg.max_size = 1000;
    url_of(url, sizeof(url), "/file");
    fetch(&r, "big.bin", NULL, url, &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strcmp(a.err, "larger than 1000 bytes") == 0);
    url_of(url, sizeof(url), "/chunked");
    fetch(&r, "big.bin", NULL, url, &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strcmp(a.err, "larger than 1000 bytes") == 0);
    ASSERT_TRUE(!exists(r.dir, "big.bin"));
    r.wg.max_size = 0;

    /* Total time: a server that stalls; rounds go on meanwhile, none
     * much longer than wait_ms. */
    r.wg.timeout_s = 1;
    url_of(url, sizeof(url), "/slow");
    fetch(&r, "slow.bin", NULL, url, &a);
    ASSERT_EQ(a.kind, 2);
    ASSERT_TRUE(strcmp(a.err, "timed out after 1 s") == 0);
    ASSERT_TRUE(a.rounds >= 4);
    ASSERT_TRUE(a.longest_ms < 700);
    ASSERT_TRUE(!exists(r.dir, "slow.bin"));
    ASSERT_EQ(hidden_files(r.dir), 0);
    ASSERT_EQ(hidden_files(r.dir), 0);
    sdr_close(&r);
}

static void
test_misuse(void)
{
    struct sdr r;
    char url[128];
    int i;

    /* A second url while one runs fails TO2, saying why. */
    ASSERT_EQ(sdr_open(&r, 1300), 0);
    r.wg.wait_ms = 100;
    ASSERT_OK(sdr_devmod(&r));
    url_of(url, sizeof(url), "/slow");
    sdr_kv_bool(&r, WG, "active", true);
    sdr_kv_text(&r, WG, "url", url);
    ASSERT_OK(sdr_send(&r, false));
    ASSERT_OK(sdr_answer(&r));
    ASSERT_TRUE(r.wg.fetching);
    ASSERT_EQ(hidden_files(r.dir), 1);
    sdr_kv_text(&r, WG, "url", url);
    ASSERT_ERR(sdr_send(&r, false), ZTO_E_SVI);
    ASSERT_TRUE(strstr(sdr_why(&r), "fdo.wget") != NULL);
    sdr_close(&r);

    /* TO2 ending mid-fetch removes the temporary file. */
    ASSERT_EQ(sdr_open(&r, 1300), 0);
    r.wg.wait_ms = 100;
    ASSERT_OK(sdr_devmod(&r));
    sdr_kv_bool(&r, WG, "active", true);
    sdr_kv_text(&r, WG, "name", "s.bin");
    sdr_kv_text(&r, WG, "url", url);
    ASSERT_OK(sdr_send(&r, false));
    for (i = 0; i < 2; i++)
        ASSERT_OK(sdr_answer(&r));
    ASSERT_TRUE(r.wg.fetching);
    ASSERT_EQ(hidden_files(r.dir), 1);
    dev_svi_finish(&r.dev, false);
    ASSERT_TRUE(!r.wg.fetching);
    ASSERT_EQ(hidden_files(r.dir), 0);
    ASSERT_TRUE(!exists(r.dir, "s.bin"));
    /* A sha-384 of the wrong size fails TO2. */
    sdr_close(&r);
    ASSERT_EQ(sdr_open(&r, 1300), 0);
    ASSERT_OK(sdr_devmod(&r));
    sdr_kv_bool(&r, WG, "active", true);
    sdr_kv_text(&r, WG, "sha-384", "short");
    ASSERT_ERR(sdr_send(&r, false), ZTO_E_SVI);
    ASSERT_TRUE(strstr(sdr_why(&r), "sha-384") != NULL);
    sdr_close(&r);
}

static void
test_url_split(void)
{
    struct zto_target t;
    char path[64];

    ASSERT_OK(zto_posix_wget_url("http://h.example:8080/a/b?c=d#e", &t, path,
                                 sizeof(path)));
    ASSERT_EQ(t.protocol, ZTO_TPROT_HTTP);
    ASSERT_EQ(t.port, 8080);
    ASSERT_TRUE(strcmp(t.host, "h.example") == 0);
    ASSERT_TRUE(strcmp(path, "/a/b?c=d") == 0);
    ASSERT_OK(zto_posix_wget_url("HTTPS://[::1]", &t, path, sizeof(path)));
    ASSERT_EQ(t.protocol, ZTO_TPROT_HTTPS);
    ASSERT_EQ(t.port, 443);
    ASSERT_TRUE(strcmp(path, "/") == 0);
    ASSERT_OK(zto_posix_wget_url("http://h?q", &t, path, sizeof(path)));
    ASSERT_TRUE(strcmp(path, "/?q") == 0);
    ASSERT_ERR(zto_posix_wget_url("coap://h/x", &t, path, sizeof(path)),
               ZTO_E_URL);
    ASSERT_ERR(zto_posix_wget_url("http://u@h/x", &t, path, sizeof(path)),
               ZTO_E_URL);
    ASSERT_ERR(zto_posix_wget_url("http://h/a b", &t, path, sizeof(path)),
               ZTO_E_URL);
    ASSERT_ERR(zto_posix_wget_url("http://h/\r\nX: y", &t, path, sizeof(path)),
               ZTO_E_URL);
    ASSERT_ERR(zto_posix_wget_url("http:///x", &t, path, sizeof(path)),
               ZTO_E_URL);
    ASSERT_ERR(zto_posix_wget_url("http://h/"
                                  "0123456789012345678901234567890123456789"
                                  "0123456789012345678901234567890123456789",
                                  &t, path, sizeof(path)),
               ZTO_E_URL);
}

int
main(void)
{
    TEST_START("mod_wget");
    test_url_split();
    if (start_server() != 0) {
        fprintf(stderr, "cannot start the test server\n");
        return 1;
    }
    test_fetches();
    test_misuse();
    stop_server();
    TEST_DONE();
}
